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
    /// After a tool ran: remind the rules for what it touched.
    PostTool {
        /// The tool's name as the agent spells it.
        tool: String,
        /// What it did.
        action: Action,
    },
    /// A new session, or the same one after its context was compacted or cleared: send the
    /// anchors.
    SessionStart {
        /// The context the model starts from is new (compaction, `/clear`), so earlier
        /// reminders are gone too; false for a startup or a resumed session.
        fresh_context: bool,
    },
    /// A user prompt: maybe re-send the anchors.
    Prompt,
    /// A sub-agent starts (Claude Code's Agent tool, Codex's spawned agents) with a context
    /// of its own, which holds none of the parent's rules: send it the anchors digest.
    SubagentStart,
    /// A request to the model (Gemini CLI's BeforeModel), with its messages: put the anchors
    /// digest back when the history no longer holds it (after history compression or `/clear`).
    ModelRequest {
        /// The request's messages as the agent shows them to hooks, in order.
        messages: Vec<ModelMessage>,
    },
    /// Any other event (stop, notification…): nothing to decide.
    Other,
}

/// One message of a model request as Gemini CLI shows it to a BeforeModel hook: the text of
/// one history entry that has text (entries with none, such as tool calls, are left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelMessage {
    /// `user`, `model` or `system`.
    pub role: String,
    /// The entry's text parts, joined.
    pub content: String,
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
