//! Gemini CLI: `BeforeTool` answers with a top-level `decision`/`reason`; context goes in
//! `hookSpecificOutput.additionalContext` (for `SessionStart`, `BeforeAgent` and `AfterTool`,
//! the only events whose context Gemini gives the model). A BeforeTool warning therefore
//! reaches the user only; ctx keeps it and gives it to the model with the AfterTool answer
//! of the same call (see [`super::warns_after_tool`]).
//!
//! After Gemini CLI compresses its history (or after `/clear`) no SessionStart reaches the
//! model, so the anchors are gone. `BeforeModel` sees every main-chat request as
//! `llm_request.messages` (`{role, content}`, one per history entry with text) and may answer
//! `hookSpecificOutput.llm_request.messages`: Gemini CLI 0.61 (`fromHookLLMRequest`) puts the
//! answer's messages, in order, in place of the text of the entries with text and keeps the
//! rest of the request as it was. ctx answers only the first message, the digest in front of
//! its text, so no other entry is rewritten (model entries would lose their thought flags).
//! The change lives in that request only; ctx repeats it on each request until the next
//! prompt puts the digest back into the history (see [`crate::context::restore`]).

use super::{mcp_action, read_of, string_field, tool_input};
use crate::{Action, Answer, EventKind, ModelMessage};
use ctx_engine::check::{Decision, Verdict};
use serde_json::{json, Value};

/// Classifies a Gemini CLI hook payload.
pub fn event_kind(event_name: &str, input: &Value) -> crate::Result<EventKind> {
    Ok(match event_name {
        "BeforeTool" => {
            let tool = input
                .get("tool_name")
                .and_then(Value::as_str)
                .ok_or_else(|| crate::Error::Input("a BeforeTool event without \"tool_name\": the payload is not from Gemini CLI's hook protocol".into()))?;
            EventKind::PreTool {
                tool: tool.to_string(),
                action: action(tool, tool_input(input)),
            }
        }
        "AfterTool" => match input.get("tool_name").and_then(Value::as_str) {
            Some(tool) => EventKind::PostTool {
                tool: tool.to_string(),
                action: action(tool, tool_input(input)),
            },
            None => EventKind::Other,
        },
        "SessionStart" => EventKind::SessionStart {
            fresh_context: super::fresh_context(input),
        },
        "BeforeAgent" => EventKind::Prompt,
        "BeforeModel" => EventKind::ModelRequest {
            messages: model_messages(input)?,
        },
        "" => return Err(crate::Error::Input("the hook input has no \"hook_event_name\": check that the hook is `ctx check --hook gemini`".into())),
        _ => EventKind::Other,
    })
}

/// The messages of a BeforeModel event's `llm_request`.
fn model_messages(input: &Value) -> crate::Result<Vec<ModelMessage>> {
    let messages = input
        .get("llm_request")
        .and_then(|r| r.get("messages"))
        .and_then(Value::as_array)
        .ok_or_else(|| crate::Error::Input("a BeforeModel event without \"llm_request.messages\": the payload is not from Gemini CLI's hook protocol (0.61 sends the request's messages)".into()))?;
    Ok(messages
        .iter()
        .map(|m| ModelMessage {
            role: string_field(m, &["role"]).unwrap_or_else(|| "user".into()),
            content: match m.get("content") {
                Some(Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            },
        })
        .collect())
}

fn action(tool: &str, ti: &Value) -> Action {
    match tool {
        "run_shell_command" => match string_field(ti, &["command"]) {
            Some(command) => Action::Command {
                command,
                dir: string_field(ti, &["dir_path", "directory"]),
            },
            None => Action::Unchecked("run_shell_command without a command".into()),
        },
        "write_file" => match (
            string_field(ti, &["file_path", "path"]),
            string_field(ti, &["content"]),
        ) {
            (Some(path), Some(content)) => Action::Write { path, content },
            _ => Action::Unchecked("write_file without file_path/content".into()),
        },
        "replace" => match string_field(ti, &["file_path", "path"]) {
            Some(path) => Action::Edit {
                path,
                edits: vec![(
                    string_field(ti, &["old_string"]).unwrap_or_default(),
                    string_field(ti, &["new_string"]).unwrap_or_default(),
                )],
            },
            None => Action::Unchecked("replace without file_path".into()),
        },
        "read_file" => read_of(ti, &["file_path", "absolute_path", "path"], tool),
        "grep_search" | "search_file_content" => read_of(ti, &["path", "dir_path"], tool),
        "read_many_files" => match ti.get("paths").and_then(Value::as_array) {
            Some(paths) => Action::Many(
                paths
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|path| Action::Read { path: path.into() })
                    .collect(),
            ),
            None => Action::Unchecked("read_many_files without paths".into()),
        },
        name if name.starts_with("mcp_") => mcp_action(name, ti),
        other => Action::Unchecked(other.to_string()),
    }
}

/// The BeforeTool answer.
pub fn tool_answer(verdict: &Verdict) -> Answer {
    let reason = verdict.reason();
    match verdict.decision {
        Decision::Deny => Answer::json(json!({"decision": "deny", "reason": reason})),
        Decision::Warn | Decision::Ask => Answer::json(json!({
            "hookSpecificOutput": {"hookEventName": "BeforeTool", "additionalContext": reason},
            "systemMessage": super::claude::first_line(&reason),
        })),
        Decision::Allow if !verdict.notes.is_empty() => {
            Answer::json(json!({"systemMessage": reason}))
        }
        Decision::Allow => Answer::silent(),
    }
}

/// The BeforeModel answer: with `first`, the request's first message replaced by it (see the
/// module docs); without, nothing (the request goes as it is).
pub fn model_request_answer(first: Option<&ModelMessage>) -> Answer {
    match first {
        Some(message) => Answer::json(json!({
            "hookSpecificOutput": {
                "hookEventName": "BeforeModel",
                "llm_request": {"messages": [{"role": message.role, "content": message.content}]},
            }
        })),
        None => Answer::silent(),
    }
}

/// The SessionStart / BeforeAgent answer: the same `hookSpecificOutput.additionalContext`
/// shape as Claude's.
pub use super::claude::context_answer;
