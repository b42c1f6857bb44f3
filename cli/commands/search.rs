//! `ctx search`: hybrid, lexical or semantic search over the index.

use crate::output::{print_json, Global};
use anyhow::Context;
use ctx_engine::embed::Embedder;
use ctx_engine::search::{SearchMode, SearchRequest};
use ctx_engine::Index;
use std::process::ExitCode;

/// Arguments of `ctx search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// What to look for: words, identifiers (`session request`, `Server::handle`) or prose.
    pub query: String,
    /// How to search.
    #[arg(long, value_enum, default_value = "hybrid")]
    pub mode: Mode,
    /// Number of hits.
    #[arg(short = 'k', long = "limit", default_value_t = 10, value_name = "N")]
    pub k: usize,
}

/// Search mode, as the command line spells it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Mode {
    /// BM25 and vectors fused by reciprocal rank, plus exact symbol matches.
    Hybrid,
    /// BM25 only.
    Lexical,
    /// Vectors only (needs the embedding model).
    Semantic,
}

impl From<Mode> for SearchMode {
    fn from(mode: Mode) -> SearchMode {
        match mode {
            Mode::Hybrid => SearchMode::Hybrid,
            Mode::Lexical => SearchMode::Lexical,
            Mode::Semantic => SearchMode::Semantic,
        }
    }
}

/// Runs `ctx search`.
pub fn run(args: SearchArgs, global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        !args.query.trim().is_empty(),
        "the query is empty: give words or identifiers to search for"
    );
    anyhow::ensure!(args.k > 0, "-k must be at least 1");
    let root = global.root()?;
    let mode = SearchMode::from(args.mode);
    let request = SearchRequest {
        query: args.query.clone(),
        mode,
        k: args.k,
    };
    let hits = match crate::serve::client::search(&root, &request) {
        Some(hits) => hits.context("searching through the ctx serve daemon")?,
        None => search_in_process(&root, &request)?,
    };
    if global.json {
        for hit in &hits {
            print_json(&serde_json::json!({"type": "hit", "data": hit}))?;
        }
    } else {
        for hit in &hits {
            let line = format!(
                "{}:{}-{}\t{}\t{}\t{:.4}",
                hit.path,
                hit.start_line,
                hit.end_line,
                hit.symbol.as_deref().unwrap_or("-"),
                hit.kind,
                hit.score
            );
            println!("{}", ctx_engine::secrets::redact(&line));
        }
    }
    Ok(if hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The search without a daemon: open the index and load the model in this process.
fn search_in_process(
    root: &std::path::Path,
    request: &SearchRequest,
) -> anyhow::Result<Vec<ctx_engine::search::Hit>> {
    let index = Index::open(root)?;
    let embedder = match request.mode {
        SearchMode::Lexical => None,
        mode => load_query_embedder(root, mode)?,
    };
    let index =
        crate::fresh::fresh_index(index, root, embedder.as_ref().map(|e| e as &dyn Embedder))?;
    index
        .search(request, embedder.as_ref().map(|e| e as &dyn Embedder))
        .context("searching")
}

/// The embedder for the query: required in semantic mode, optional in hybrid mode.
fn load_query_embedder(
    root: &std::path::Path,
    mode: SearchMode,
) -> anyhow::Result<Option<ctx_indexers::embed::LoadedEmbedder>> {
    let (embedder, disabled) = crate::config::load_embedder(root)?;
    if let Some(reason) = disabled {
        anyhow::ensure!(
            mode != SearchMode::Semantic,
            "semantic search unavailable: {reason}"
        );
    }
    Ok(embedder)
}
