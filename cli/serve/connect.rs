//! The connection to a repository's daemon, and the one request hooks make: the verdict on
//! an action's facts ([`DaemonFirst`]). Kept apart from the other requests of
//! `serve::client` so that the hook binary (`ctx-hook`, cli/hook_main.rs) links only this
//! and the protocol.

use super::protocol::{socket_path, Request, Response, MAX_REQUEST_BYTES};
use anyhow::Context;
use ctx_check::{RulePath, Verdicts};
use ctx_engine::check::{ActionFacts, Verdict};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// How long a client waits for an answer (a reindex can take a while).
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);
/// How long `ctx check` waits for the daemon's verdict before checking in-process: hooks
/// run on every tool call, and a stuck daemon must not stall the agent.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// True when the environment asks for in-process work only.
pub fn disabled() -> bool {
    std::env::var_os("CTX_NO_DAEMON").is_some_and(|v| !v.is_empty() && v != "0")
}

/// `None` when the daemon does not know the tool asked for (a daemon of another ctx
/// version still running after an upgrade): the caller then works in-process.
pub fn known_tool(response: &Response) -> Option<()> {
    let text = response
        .result
        .as_ref()
        .map(result_text)
        .unwrap_or_default();
    (!text.starts_with("unknown tool")).then_some(())
}

/// The tool result of an answer, or its error.
pub fn tool_result(response: Response) -> anyhow::Result<Value> {
    if !response.ok {
        let message = response
            .error
            .unwrap_or_else(|| "the daemon refused the request".into());
        anyhow::bail!("{message}");
    }
    let result = response.result.unwrap_or(Value::Null);
    if result["isError"] == json!(true) {
        anyhow::bail!("{}", result_text(&result));
    }
    Ok(result)
}

/// One request and its answer, waiting at most `timeout` for it; `None` on any connection
/// failure.
pub fn exchange_within(root: &Path, request: &Request, timeout: Duration) -> Option<Response> {
    let mut stream = UnixStream::connect(socket_path(root)).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    let mut line = serde_json::to_string(request).ok()?;
    if line.len() > MAX_REQUEST_BYTES {
        return None;
    }
    line.push('\n');
    stream.write_all(line.as_bytes()).ok()?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).ok()?;
    serde_json::from_str(&answer).ok()
}

/// The text blocks of a `CallToolResult`, joined.
pub fn result_text(result: &Value) -> String {
    result["content"]
        .as_array()
        .map(|blocks| {
            blocks
                .iter()
                .filter_map(|b| b["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// The verdict on parsed `facts` from the daemon of `root`, for `ctx check` (every input
/// kind, hooks included): the in-process rule path on the daemon's cached anchors, plus the
/// semantic tier with its loaded model.
///
/// Nothing is parsed or opened before the connection is tried, so without a daemon this
/// costs one failed `connect`. `None` when no daemon answers in time: check in-process.
pub fn verdict(root: &Path, facts: &ActionFacts) -> Option<anyhow::Result<Verdict>> {
    if disabled() {
        return None;
    }
    let request = Request {
        tool: "check_facts".into(),
        arguments: json!({ "facts": facts }),
    };
    let response = exchange_within(root, &request, CHECK_TIMEOUT)?;
    known_tool(&response)?;
    Some(tool_result(response).and_then(|value| {
        serde_json::from_value(value["structuredContent"].clone())
            .context("reading the daemon's verdict")
    }))
}

/// Verdicts from the repository's daemon when one answers, else the rule path in-process.
pub struct DaemonFirst;

impl Verdicts for DaemonFirst {
    fn verdict(&self, root: &Path, facts: &ActionFacts) -> ctx_check::Result<Verdict> {
        match verdict(root, facts) {
            Some(result) => result.map_err(|e| ctx_check::Error::Daemon(format!("{e:#}"))),
            None => RulePath.verdict(root, facts),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_tools_fall_back_and_tool_errors_do_not() {
        let unknown = Response::result(json!({"content": [{"type": "text",
            "text": "unknown tool \"check_facts\": use search"}], "isError": true}));
        assert!(known_tool(&unknown).is_none());
        let failed = Response::result(json!({"content": [{"type": "text",
            "text": "loading the anchors: bad toml"}], "isError": true}));
        assert!(known_tool(&failed).is_some());
        let error = tool_result(failed).unwrap_err().to_string();
        assert_eq!(error, "loading the anchors: bad toml");
    }
}
