//! The client side: ask the repository's daemon when one runs, else answer `None` so the
//! caller works in-process. Set `CTX_NO_DAEMON=1` to always work in-process.

use super::protocol::{socket_path, Request, Response, MAX_REQUEST_BYTES};
use anyhow::Context;
use ctx_engine::check::{ActionFacts, Verdict};
use ctx_engine::search::{Hit, SearchMode, SearchRequest};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// How long a client waits for an answer (a reindex can take a while).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);
/// How long `ctx check` waits for the daemon's verdict before checking in-process: hooks
/// run on every tool call, and a stuck daemon must not stall the agent.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);
/// Most hits the daemon's search returns (the MCP tool's limit).
const DAEMON_MAX_HITS: usize = 50;

/// True when the environment asks for in-process work only.
pub fn disabled() -> bool {
    std::env::var_os("CTX_NO_DAEMON").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Sends `request` to the daemon of `root`.
///
/// `None` when no daemon answers (no socket, a stale socket, or the connection broke):
/// the caller should work in-process. `Some(Err)` when the daemon answered with an error.
/// On success, the tool's `CallToolResult` JSON.
pub fn call(root: &Path, request: &Request) -> Option<anyhow::Result<Value>> {
    if disabled() {
        return None;
    }
    let response = exchange(root, request)?;
    Some(tool_result(response))
}

/// The tool result of an answer, or its error.
fn tool_result(response: Response) -> anyhow::Result<Value> {
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

/// One request and its answer; `None` on any connection failure.
pub fn exchange(root: &Path, request: &Request) -> Option<Response> {
    exchange_within(root, request, ANSWER_TIMEOUT)
}

/// [`exchange`], waiting at most `timeout` for the answer.
fn exchange_within(root: &Path, request: &Request, timeout: Duration) -> Option<Response> {
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

/// `ctx search` through the daemon: the same hits as [`ctx_engine::Index::search`]
/// in-process, or `None` when no daemon answers (or `k` is above the daemon's limit).
pub fn search(root: &Path, request: &SearchRequest) -> Option<anyhow::Result<Vec<Hit>>> {
    if request.k > DAEMON_MAX_HITS {
        return None;
    }
    let mode = match request.mode {
        SearchMode::Hybrid => "hybrid",
        SearchMode::Lexical => "lexical",
        SearchMode::Semantic => "semantic",
    };
    let arguments =
        json!({"query": request.query, "mode": mode, "k": request.k, "include_text": false});
    let result = call(
        root,
        &Request {
            tool: "search".into(),
            arguments,
        },
    )?;
    Some(result.and_then(|value| {
        serde_json::from_value(value["structuredContent"]["hits"].clone())
            .context("reading the daemon's hits")
    }))
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
    Some(tool_result(response).and_then(|value| {
        serde_json::from_value(value["structuredContent"].clone())
            .context("reading the daemon's verdict")
    }))
}
