//! Cursor (third-party documentation only): `beforeShellExecution` and `beforeMCPExecution`
//! answer `{"permission", "user_message", "agent_message"}`; `beforeSubmitPrompt` answers
//! `{"continue": true}` (Cursor offers no way to add context there, so no re-anchoring);
//! `beforeReadFile` answers `{"permission": "allow" | "deny"}` (a read has no ask).

use super::{mcp_action, string_field};
use crate::{Action, Answer, EventKind};
use ctx_engine::check::{Decision, Verdict};
use serde_json::{json, Value};

/// Classifies a Cursor hook payload.
pub fn event_kind(event_name: &str, input: &Value) -> crate::Result<EventKind> {
    Ok(match event_name {
        "beforeShellExecution" => {
            let command = string_field(input, &["command"]).ok_or_else(|| {
                crate::Error::Input("a beforeShellExecution event without \"command\": the payload is not from Cursor's hook protocol".into())
            })?;
            EventKind::PreTool {
                tool: "shell".into(),
                action: Action::Command {
                    command,
                    dir: string_field(input, &["cwd"]),
                },
            }
        }
        "beforeMCPExecution" => {
            let tool = string_field(input, &["tool_name"]).unwrap_or_else(|| "mcp".into());
            let arguments = match input.get("tool_input") {
                Some(Value::String(text)) => serde_json::from_str(text).unwrap_or(Value::Null),
                Some(other) => other.clone(),
                None => Value::Null,
            };
            EventKind::PreTool {
                action: mcp_action(&tool, &arguments),
                tool,
            }
        }
        "beforeReadFile" => EventKind::PreTool {
            tool: "read".into(),
            action: super::read_of(input, &["file_path"], "beforeReadFile"),
        },
        "beforeSubmitPrompt" => EventKind::Prompt,
        "" => return Err(crate::Error::Input("the hook input has no \"hook_event_name\": check that the hook is `ctx check --hook cursor`".into())),
        _ => EventKind::Other,
    })
}

/// The permission answer.
pub fn tool_answer(event_name: &str, verdict: &Verdict) -> Answer {
    if event_name == "beforeReadFile" {
        let permission = match verdict.decision {
            Decision::Deny => "deny",
            _ => "allow",
        };
        return Answer::json(json!({"permission": permission}));
    }
    let reason = verdict.reason();
    match verdict.decision {
        Decision::Deny => Answer::json(json!({
            "permission": "deny",
            "user_message": super::claude::first_line(&reason),
            "agent_message": reason,
        })),
        Decision::Ask => Answer::json(json!({
            "permission": "ask",
            "user_message": super::claude::first_line(&reason),
            "agent_message": reason,
        })),
        Decision::Warn => Answer::json(json!({
            "permission": "allow",
            "user_message": super::claude::first_line(&reason),
            "agent_message": reason,
        })),
        Decision::Allow => Answer::json(json!({"permission": "allow"})),
    }
}

/// The beforeSubmitPrompt answer: always continue.
pub fn context_answer(event_name: &str, _context: Option<&str>) -> Answer {
    match event_name {
        "beforeSubmitPrompt" => Answer::json(json!({"continue": true})),
        _ => Answer::silent(),
    }
}
