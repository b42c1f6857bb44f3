//! Codex CLI: the same `hookSpecificOutput` object as Claude Code, but every answer must
//! validate against Codex's own schemas (no unknown fields) and `ask` is never used (Codex is
//! reported to reject it and run the call). `PostToolUse` carries the rules for what a tool
//! touched as `additionalContext`, which Codex gives the model with the tool's output
//! (checked against `post-tool-use.command.output` in `tests/hooks.rs`).

use super::claude_style_action;
use crate::{Answer, EventKind};
use ctx_engine::check::Verdict;
use serde_json::Value;

/// Classifies a Codex hook payload (`Bash`, `apply_patch`, MCP tools).
pub fn event_kind(event_name: &str, input: &Value) -> crate::Result<EventKind> {
    super::claude::event_kind(event_name, input).map(|kind| match kind {
        EventKind::PreTool { tool, .. } => {
            let action = claude_style_action(&tool, input);
            EventKind::PreTool { tool, action }
        }
        other => other,
    })
}

/// The PreToolUse answer: deny with a reason, warn as additional context, allow silently.
pub fn tool_answer(event_name: &str, verdict: &Verdict) -> Answer {
    super::claude::pre_tool_answer(event_name, verdict, false)
}

/// The SessionStart / UserPromptSubmit / SubagentStart answer (each event's schema takes
/// `hookSpecificOutput.additionalContext`).
pub fn context_answer(event_name: &str, context: Option<&str>) -> Answer {
    match event_name {
        "SessionStart" | "UserPromptSubmit" | "SubagentStart" => {
            super::claude::context_answer(event_name, context)
        }
        _ => Answer::silent(),
    }
}
