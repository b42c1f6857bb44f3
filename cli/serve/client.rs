//! The client side: ask the repository's daemon when one runs, else answer `None` so the
//! caller works in-process. Set `CTX_NO_DAEMON=1` to always work in-process.

pub use super::connect::{disabled, DaemonFirst};
use super::connect::{exchange_within, known_tool, tool_result, ANSWER_TIMEOUT};
use super::protocol::{Request, Response};
use super::tools::{IndexRecordsRequest, IndexRunRequest, PackRequest, SearchHitsRequest};
use anyhow::Context;
use ctx_engine::pack::{Pack, PackOptions};
use ctx_engine::search::{Hit, SearchRequest};
use ctx_engine::store::{FileRecord, IndexMeta};
use ctx_engine::Index;
use ctx_indexers::pipeline::IndexSummary;
use serde_json::Value;
use std::path::Path;

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

/// One request and its answer; `None` on any connection failure.
pub fn exchange(root: &Path, request: &Request) -> Option<Response> {
    exchange_within(root, request, ANSWER_TIMEOUT)
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
        if let Some(note) = value["structuredContent"]["note"].as_str() {
            crate::output::info(note);
        }
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
