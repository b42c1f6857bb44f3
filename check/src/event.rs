//! A hook event, whichever agent sent it.

use crate::{Action, Agent};
use std::path::PathBuf;

/// What kind of hook event arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// Before a tool runs: check it.
    PreTool {
        /// The tool's name as the agent spells it.
        tool: String,
        /// What it will do.
        action: Action,
    },
    /// A new session: send the anchors.
    SessionStart,
    /// A user prompt: maybe re-send the anchors.
    Prompt,
    /// Any other event (post-tool, stop…): nothing to decide.
    Other,
}

/// A parsed hook event.
#[derive(Debug, Clone, PartialEq)]
pub struct HookEvent {
    /// The agent that sent it.
    pub agent: Agent,
    /// The event name as sent (`PreToolUse`, `BeforeTool`, `beforeShellExecution`…).
    pub event_name: String,
    /// The session (Cursor: conversation) id.
    pub session: Option<String>,
    /// The agent's working directory.
    pub cwd: Option<PathBuf>,
    /// What happened.
    pub kind: EventKind,
}
