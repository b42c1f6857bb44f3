//! The daemon's wire protocol: JSON Lines over `.ctx/serve.sock`.
//!
//! A request is one line `{"tool": NAME, "arguments": {...}}` where NAME is one of the
//! MCP tools (`search`, `pack`, `anchors`, `anchor_add`, `check_action`, `index_status`,
//! `reindex`, with the same arguments) or a daemon command: `ping` (the daemon's state)
//! or `stop`, or one of the daemon's own tools for the `ctx` commands
//! ([`super::tools`]: `check_facts`, `search_hits`, `index_records`, `pack_options`,
//! `index_run`). The answer is one line `{"ok": true, "result": R}` where R is the MCP
//! `CallToolResult` (`content`, `structuredContent`, `isError`), or `{"ok": false,
//! "error": MESSAGE}` when the request itself was unusable. Lines longer than
//! [`MAX_REQUEST_BYTES`] are refused and the connection is closed.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Largest request line the daemon reads.
pub const MAX_REQUEST_BYTES: usize = 8 << 20;

/// The daemon's socket in the repository at `root`.
pub fn socket_path(root: &Path) -> PathBuf {
    root.join(".ctx").join("serve.sock")
}

/// The lock file held by the running daemon (it holds the daemon's pid).
pub fn lock_path(root: &Path) -> PathBuf {
    root.join(".ctx").join("serve.lock")
}

/// One request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The tool or daemon command.
    pub tool: String,
    /// Its arguments (an object; absent means `{}`).
    #[serde(default = "empty_object")]
    pub arguments: Value,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// One answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    /// False when the request could not be used at all.
    pub ok: bool,
    /// The tool's result (`CallToolResult` JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// Why the request could not be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Response {
    /// A successful answer.
    pub fn result(result: Value) -> Response {
        Response {
            ok: true,
            result: Some(result),
            error: None,
        }
    }

    /// A refused request.
    pub fn error(message: impl Into<String>) -> Response {
        Response {
            ok: false,
            result: None,
            error: Some(message.into()),
        }
    }
}
