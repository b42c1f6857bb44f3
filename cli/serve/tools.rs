//! The daemon's own tools, beside the MCP ones: what the `ctx` commands ask for when a
//! daemon holds the index (and its lock), so that `ctx check`, `ctx search`, `ctx status`,
//! `ctx pack` and `ctx index` answer exactly as they do in-process.
//!
//! | tool            | arguments                                     | structured result          |
//! |-----------------|-----------------------------------------------|----------------------------|
//! | `check_facts`   | `{"facts": ActionFacts}`                      | the `Verdict`              |
//! | `search_hits`   | `{"query", "mode", "k"}`                      | `{"hits": [Hit], "note"?}` (`note`: answered lexically while the daemon embeds in the background) |
//! | `index_records` | `{}`                                          | `{"files": [..], "meta"}`, or `{"damaged": PROBLEM}` |
//! | `pack_options`  | [`PackRequest`]                               | the `Pack`                 |
//! | `index_run`     | `{"rebuild": bool, "max_file_size": u64?}`    | the index run's summary    |

use crate::mcp::work::{self, parse, structured, Shared};
use anyhow::Context;
use ctx_engine::check::ActionFacts;
use ctx_engine::embed::Embedder;
use ctx_engine::pack::{find_profile, load_profiles, FileFilter, Format, PackOptions, PlanInput};
use ctx_engine::search::{SearchMode, SearchRequest};
use rmcp::model::CallToolResult;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Runs the daemon tool `name`; `None` when `name` is not one (an MCP tool, then).
pub fn dispatch(shared: &Shared, name: &str, arguments: Value) -> Option<CallToolResult> {
    let result = match name {
        "check_facts" => parse(name, arguments).and_then(|p| check_facts(shared, p)),
        "search_hits" => parse(name, arguments).and_then(|p| search_hits(shared, p)),
        "index_records" => parse(name, arguments).and_then(|p| index_records(shared, p)),
        "pack_options" => parse(name, arguments).and_then(|p| pack_options(shared, p)),
        "index_run" => parse(name, arguments).and_then(|p| index_run(shared, p)),
        _ => return None,
    };
    Some(result.unwrap_or_else(|e| work::tool_error(format!("{e:#}"))))
}

/// Arguments of `check_facts`: an action already parsed by `ctx check`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckFactsRequest {
    /// What the action does.
    pub facts: ActionFacts,
}

fn check_facts(shared: &Shared, request: CheckFactsRequest) -> anyhow::Result<CallToolResult> {
    let verdict = shared.verdict(&request.facts)?;
    Ok(structured(serde_json::to_value(&verdict)?))
}

/// Arguments of `search_hits`: `ctx search`'s request, without the MCP tool's limits.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchHitsRequest {
    /// The query.
    pub query: String,
    /// `hybrid`, `lexical` or `semantic`.
    pub mode: SearchMode,
    /// Hits wanted.
    pub k: usize,
}

/// `ctx search` in the daemon: the same call as its in-process path, on the held index.
fn search_hits(shared: &Shared, request: SearchHitsRequest) -> anyhow::Result<CallToolResult> {
    let embedder = match request.mode {
        SearchMode::Lexical => None,
        mode => query_embedder(shared, mode)?,
    };
    let search = SearchRequest {
        query: request.query,
        mode: request.mode,
        k: request.k,
    };
    let lexical = search.mode == SearchMode::Lexical;
    let hits = shared.with_index(|index| {
        index
            .search(&search, embedder.as_deref().map(|e| e as &dyn Embedder))
            .context("searching")
    })?;
    let mut value = json!({ "hits": hits });
    if let (Some(note), false) = (shared.lexical_note(), lexical) {
        value["note"] = json!(note);
    }
    Ok(structured(value))
}

/// The embedder for a query, failing in semantic mode as `ctx search` does without one.
fn query_embedder(
    shared: &Shared,
    mode: SearchMode,
) -> anyhow::Result<Option<std::sync::Arc<ctx_indexers::embed::LoadedEmbedder>>> {
    shared.query_embedder(mode == SearchMode::Semantic)
}

/// Arguments of `index_records` (none).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexRecordsRequest {}

/// What `ctx status` reads from the index: every file record and the index metadata, or
/// `{"damaged": PROBLEM}` when the index fails its checks (as `ctx status` reports it
/// in-process, see [`damage_report`]).
fn index_records(shared: &Shared, _request: IndexRecordsRequest) -> anyhow::Result<CallToolResult> {
    match shared.with_index(|index| Ok((index.files()?, index.meta().clone()))) {
        Ok((files, meta)) => Ok(structured(json!({ "files": files, "meta": meta }))),
        Err(err) => match damage_report(&err) {
            Some(problem) => Ok(structured(json!({ "damaged": problem }))),
            None => Err(err),
        },
    }
}

/// Arguments of `pack_options`: `ctx pack`'s options as the command resolved them (the
/// query and plan files already read), with the profile by name.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackRequest {
    /// The model profile's name (`[profiles.NAME]` or a built-in one).
    pub profile: String,
    /// Token budget.
    pub budget: Option<u64>,
    /// Tokens kept free.
    pub reserve: Option<u64>,
    /// The task text.
    pub query: String,
    /// The plan's JSON and the files it names.
    pub plan: Option<(String, Vec<String>)>,
    /// Output format.
    pub format: Format,
    /// Only files matching these globs.
    pub include: Vec<String>,
    /// Never files matching these globs.
    pub exclude: Vec<String>,
    /// Record why each item is in.
    pub explain: bool,
}

impl PackRequest {
    /// The request for `options`.
    pub fn new(options: &PackOptions) -> PackRequest {
        PackRequest {
            profile: options.profile.name.clone(),
            budget: options.budget,
            reserve: options.reserve,
            query: options.query.clone(),
            plan: options
                .plan
                .as_ref()
                .map(|plan| (plan.json.clone(), plan.files.clone())),
            format: options.format,
            include: options.filter.include.clone(),
            exclude: options.filter.exclude.clone(),
            explain: options.explain,
        }
    }

    /// The options again, the profile looked up in `root`'s profiles.
    fn options(self, root: &std::path::Path) -> anyhow::Result<PackOptions> {
        let profile = find_profile(&load_profiles(root)?, &self.profile)?;
        Ok(PackOptions {
            profile,
            budget: self.budget,
            reserve: self.reserve,
            query: self.query,
            plan: self.plan.map(|(json, files)| PlanInput { json, files }),
            format: self.format,
            filter: FileFilter {
                include: self.include,
                exclude: self.exclude,
            },
            explain: self.explain,
        })
    }
}

/// `ctx pack` in the daemon: the same `pack_index` call on the held index.
fn pack_options(shared: &Shared, request: PackRequest) -> anyhow::Result<CallToolResult> {
    let options = request.options(shared.root())?;
    let pack = shared.pack(&options)?;
    Ok(structured(serde_json::to_value(&pack)?))
}

/// Arguments of `index_run`: `ctx index`'s options.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexRunRequest {
    /// Delete the derived data and index from scratch.
    #[serde(default)]
    pub rebuild: bool,
    /// Skip files larger than this (instead of the configured limit).
    #[serde(default)]
    pub max_file_size: Option<u64>,
    /// `--embeddings` (true) or `--no-embeddings` (false); see `config::embeddings`.
    #[serde(default)]
    pub embeddings: Option<bool>,
}

/// `ctx index` in the daemon: an incremental (or full) run on the held index.
fn index_run(shared: &Shared, request: IndexRunRequest) -> anyhow::Result<CallToolResult> {
    let summary = work::held_index_run(
        shared,
        request.rebuild,
        request.max_file_size,
        request.embeddings,
    )?;
    Ok(structured(summary))
}

/// The problem `ctx status` reports when `err` says the index failed its checks (a
/// damaged part, another format version): that error and its causes, `: `-separated, or
/// `None` for any other error. In-process and in the daemon alike, so both report the
/// same text.
pub fn damage_report(err: &anyhow::Error) -> Option<String> {
    let engine = err
        .chain()
        .find_map(|cause| cause.downcast_ref::<ctx_engine::Error>())?;
    if !matches!(
        engine,
        ctx_engine::Error::Damaged { .. } | ctx_engine::Error::Incompatible { .. }
    ) {
        return None;
    }
    let mut text = engine.to_string();
    let mut cause = std::error::Error::source(engine);
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    Some(text)
}
