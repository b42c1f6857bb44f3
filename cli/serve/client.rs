//! The client side: ask the repository's daemon when one runs, else answer `None` so the
//! caller works in-process. Set `CTX_NO_DAEMON=1` to always work in-process.

use super::protocol::{socket_path, Request, Response, MAX_REQUEST_BYTES};
use super::tools::{IndexRecordsRequest, IndexRunRequest, PackRequest, SearchHitsRequest};
use anyhow::Context;
use ctx_check::{RulePath, Verdicts};
use ctx_engine::check::{ActionFacts, Verdict};
use ctx_engine::pack::{Pack, PackOptions};
use ctx_engine::search::{Hit, SearchRequest};
use ctx_engine::store::{FileRecord, IndexMeta};
use ctx_engine::Index;
use ctx_indexers::pipeline::IndexSummary;
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
    known_tool(&response)?;
    Some(tool_result(response))
}

/// `None` when the daemon does not know the tool asked for (a daemon of another ctx
/// version still running after an upgrade): the caller then works in-process.
fn known_tool(response: &Response) -> Option<()> {
    let text = response
        .result
        .as_ref()
        .map(result_text)
        .unwrap_or_default();
    (!text.starts_with("unknown tool")).then_some(())
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
/// in-process, or `None` when no daemon answers.
pub fn search(root: &Path, request: &SearchRequest) -> Option<anyhow::Result<Vec<Hit>>> {
    let arguments = serde_json::to_value(SearchHitsRequest {
        query: request.query.clone(),
        mode: request.mode,
        k: request.k,
    })
    .ok()?;
    let result = tool(root, "search_hits", arguments)?;
    Some(result.and_then(|value| {
        serde_json::from_value(value["structuredContent"]["hits"].clone())
            .context("reading the daemon's hits")
    }))
}

/// What `ctx status` reads from the index: every file record and the metadata, or the
/// problem of a damaged index (see [`super::tools::damage_report`]).
#[derive(Debug)]
pub enum IndexReading {
    /// The index opened: its records and metadata.
    Records(Vec<FileRecord>, IndexMeta),
    /// The index failed its checks: the problem, with the command that repairs it.
    Damaged(String),
}

/// `ctx status`'s reading of the index: from the daemon when one runs (it holds the
/// index), else from the index opened here; a damaged index is reported the same way by
/// both.
pub fn index_records(root: &Path) -> anyhow::Result<IndexReading> {
    let arguments = serde_json::to_value(IndexRecordsRequest::default())?;
    if let Some(result) = tool(root, "index_records", arguments) {
        let value = result?;
        let data = &value["structuredContent"];
        if let Some(problem) = data["damaged"].as_str() {
            return Ok(IndexReading::Damaged(problem.to_string()));
        }
        let files = serde_json::from_value(data["files"].clone())
            .context("reading the daemon's file records")?;
        let meta = serde_json::from_value(data["meta"].clone())
            .context("reading the daemon's metadata")?;
        return Ok(IndexReading::Records(files, meta));
    }
    match Index::open(root) {
        Ok(index) => Ok(IndexReading::Records(index.files()?, index.meta().clone())),
        Err(e) => {
            let err = anyhow::Error::from(e);
            match super::tools::damage_report(&err) {
                Some(problem) => Ok(IndexReading::Damaged(problem)),
                None => Err(err),
            }
        }
    }
}

/// `ctx pack` through the daemon: the pack `pack_index` makes in-process with `options`,
/// or `None` when no daemon answers.
pub fn pack(root: &Path, options: &PackOptions) -> Option<anyhow::Result<Pack>> {
    let arguments = serde_json::to_value(PackRequest::new(options)).ok()?;
    let result = tool(root, "pack_options", arguments)?;
    Some(result.and_then(|value| {
        serde_json::from_value(value["structuredContent"].clone())
            .context("reading the daemon's pack")
    }))
}

/// `ctx index` through the daemon, which holds the index: the run's summary and how many
/// anchors were re-extracted, or `None` when no daemon answers.
pub fn index(
    root: &Path,
    rebuild: bool,
    max_file_size: Option<u64>,
    embeddings: Option<bool>,
) -> Option<anyhow::Result<(IndexSummary, Option<usize>)>> {
    let arguments = serde_json::to_value(IndexRunRequest {
        rebuild,
        max_file_size,
        embeddings,
    })
    .ok()?;
    let result = tool(root, "index_run", arguments)?;
    Some(result.and_then(|value| {
        let data = &value["structuredContent"];
        let summary =
            serde_json::from_value(data.clone()).context("reading the daemon's summary")?;
        let anchors = data["anchors"].as_u64().map(|n| n as usize);
        Ok((summary, anchors))
    }))
}

/// Calls the daemon tool `name`; `None` when no daemon answers.
fn tool(root: &Path, name: &str, arguments: Value) -> Option<anyhow::Result<Value>> {
    call(
        root,
        &Request {
            tool: name.into(),
            arguments,
        },
    )
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
