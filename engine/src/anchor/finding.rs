//! What evaluating anchors against an action produces.

use serde::{Deserialize, Serialize};

/// What a matcher hit means for the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// A blocking violation.
    Deny,
    /// A violation the user should confirm before the action runs.
    Ask,
    /// A non-blocking violation.
    Warn,
    /// An explicit permission: the project allows this here.
    Permit,
}

/// One matcher hit of one anchor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The anchor that matched.
    pub anchor_id: String,
    /// Deny, warn or permit.
    pub effect: Effect,
    /// What matched: the command, the path or the added line, with a short reason.
    pub evidence: String,
    /// The file involved, relative to the repository root, for file effects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The 1-based line in that file, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}
