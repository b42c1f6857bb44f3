//! Claude Code: `PreToolUse` answers with `hookSpecificOutput.permissionDecision`; context for
//! `SessionStart`, `UserPromptSubmit`, `SubagentStart` (given to the sub-agent, not the
//! parent) and `PostToolUse` (the rules for what a tool touched) goes in
//! `hookSpecificOutput.additionalContext`.
//!
//! ctx never answers `allow`: that would skip Claude's own permission prompts. An allowed
//! action gets no output at all; a warned one gets the warning as additional context.

use super::claude_style_action;
use crate::{Answer, EventKind};
use ctx_engine::check::{Decision, Verdict};
use serde_json::{json, Value};

/// Classifies a Claude Code hook payload.
pub fn event_kind(event_name: &str, input: &Value) -> crate::Result<EventKind> {
    Ok(match event_name {
        "PreToolUse" => {
            let tool = input
                .get("tool_name")
                .and_then(Value::as_str)
                .ok_or_else(|| crate::Error::Input("a PreToolUse event without \"tool_name\": the payload is not from Claude Code's hook protocol".into()))?;
            EventKind::PreTool {
                tool: tool.to_string(),
                action: claude_style_action(tool, input),
            }
        }
        "PostToolUse" => match input.get("tool_name").and_then(Value::as_str) {
            Some(tool) => EventKind::PostTool {
                tool: tool.to_string(),
                action: claude_style_action(tool, input),
            },
            None => EventKind::Other,
        },
        "SessionStart" => EventKind::SessionStart {
            fresh_context: super::fresh_context(input),
        },
        "UserPromptSubmit" => EventKind::Prompt,
        "SubagentStart" => EventKind::SubagentStart,
        "" => return Err(crate::Error::Input("the hook input has no \"hook_event_name\": check that the hook is `ctx check --hook claude`".into())),
        _ => EventKind::Other,
    })
}

/// The PreToolUse answer (shared with Codex, whose schema is the same object).
pub fn tool_answer(event_name: &str, verdict: &Verdict) -> Answer {
    pre_tool_answer(event_name, verdict, true)
}

/// The PreToolUse answer; `can_ask` is false for agents that reject `"ask"` (Codex), where an
/// ask verdict becomes a warning that reaches the model.
pub(super) fn pre_tool_answer(event_name: &str, verdict: &Verdict, can_ask: bool) -> Answer {
    let event_name = if event_name.is_empty() {
        "PreToolUse"
    } else {
        event_name
    };
    let reason = verdict.reason();
    match verdict.decision {
        Decision::Deny => Answer::json(json!({
            "hookSpecificOutput": {
                "hookEventName": event_name,
                "permissionDecision": "deny",
                "permissionDecisionReason": reason,
            }
        })),
        Decision::Ask if can_ask => Answer::json(json!({
            "hookSpecificOutput": {
                "hookEventName": event_name,
                "permissionDecision": "ask",
                "permissionDecisionReason": reason,
            }
        })),
        Decision::Warn | Decision::Ask => Answer::json(json!({
            "hookSpecificOutput": {
                "hookEventName": event_name,
                "additionalContext": reason,
            },
            "systemMessage": first_line(&reason),
        })),
        Decision::Allow if !verdict.notes.is_empty() => Answer::json(json!({
            "systemMessage": reason,
        })),
        Decision::Allow => Answer::silent(),
    }
}

/// The SessionStart / UserPromptSubmit / SubagentStart answer.
pub fn context_answer(event_name: &str, context: Option<&str>) -> Answer {
    match context {
        Some(text) => Answer::json(json!({
            "hookSpecificOutput": {"hookEventName": event_name, "additionalContext": text}
        })),
        None => Answer::silent(),
    }
}

pub(super) fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}
