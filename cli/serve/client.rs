//! The client side: ask the repository's daemon when one runs, else answer `None` so the
//! caller works in-process. Set `CTX_NO_DAEMON=1` to always work in-process.

use super::protocol::{socket_path, Request, Response, MAX_REQUEST_BYTES};
use anyhow::Context;
use ctx_engine::check::Verdict;
use ctx_engine::search::{Hit, SearchMode, SearchRequest};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// How long a client waits for an answer (a reindex can take a while).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);
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
    if !response.ok {
        let message = response
            .error
            .unwrap_or_else(|| "the daemon refused the request".into());
        return Some(Err(anyhow::anyhow!("{message}")));
    }
    let result = response.result.unwrap_or(Value::Null);
    if result["isError"] == json!(true) {
        return Some(Err(anyhow::anyhow!("{}", result_text(&result))));
    }
    Some(Ok(result))
}

/// One request and its answer; `None` on any connection failure.
pub fn exchange(root: &Path, request: &Request) -> Option<Response> {
    let path = socket_path(root);
    if !path.exists() {
        return None;
    }
    let mut stream = UnixStream::connect(&path).ok()?;
    stream.set_read_timeout(Some(ANSWER_TIMEOUT)).ok()?;
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

/// The verdict on an action through the daemon, for `ctx check` and its hooks.
///
/// `arguments` are `check_action`'s: a `command` with an optional `cwd`, a `path` with
/// `content` or with `old` and `new`, or a `diff`. The daemon computes the verdict with
/// the same functions as `ctx check` in-process (`commands::check::action_facts` and
/// `verdict_for`), so the verdict is identical. `None` when no daemon answers: check
/// in-process.
///
/// Wiring for `ctx check --hook`: after parsing the hook event into an `Action`, map it to
/// these arguments, call this, and fall back to the in-process path on `None`.
#[allow(dead_code)] // for `ctx check --hook`, wired by the check command's owner
pub fn check(root: &Path, arguments: Value) -> Option<anyhow::Result<Verdict>> {
    let result = call(
        root,
        &Request {
            tool: "check_action".into(),
            arguments,
        },
    )?;
    Some(result.and_then(|value| {
        let mut data = value["structuredContent"].clone();
        if let Some(object) = data.as_object_mut() {
            object.remove("action");
        }
        serde_json::from_value(data).context("reading the daemon's verdict")
    }))
}
