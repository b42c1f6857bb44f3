//! `ctx search`: hybrid, lexical or semantic search over the index.

use crate::freshness::{fresh_index, Staleness};
use crate::output::{self, outln, paint, Global, Style};
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
    let (hits, stale) = match crate::serve::client::search(&root, &request) {
        // The daemon's watcher keeps its index up to date.
        Some(hits) => (
            hits.context("searching through the ctx serve daemon")?,
            None,
        ),
        None => search_in_process(&root, &request)?,
    };
    if global.json {
        for hit in &hits {
            output::record("hit", hit)?;
        }
        output::summary(&serde_json::json!({
            "query": args.query, "mode": mode_name(args.mode), "hits": hits.len(), "stale": stale,
        }))?;
    } else {
        for hit in &hits {
            let line = format!(
                "{}:{}-{}\t{}\t{}\t{:.4}",
                paint(&hit.path, Style::Path),
                paint(hit.start_line, Style::Line),
                paint(hit.end_line, Style::Line),
                paint(hit.symbol.as_deref().unwrap_or("-"), Style::Symbol),
                hit.kind,
                hit.score
            );
            outln!("{}", ctx_engine::secrets::redact(&line))?;
        }
        if hits.is_empty() {
            output::info(format!("no hits for {:?}", args.query));
        }
    }
    Ok(if hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Hybrid => "hybrid",
        Mode::Lexical => "lexical",
        Mode::Semantic => "semantic",
    }
}

/// The search without a daemon: open the index, load the model in this process, and
/// re-index the files changed since the last index first (or warn that it is stale).
fn search_in_process(
    root: &std::path::Path,
    request: &SearchRequest,
) -> anyhow::Result<(Vec<ctx_engine::search::Hit>, Option<Staleness>)> {
    let index = Index::open(root)?;
    let embedder = match request.mode {
        SearchMode::Lexical => None,
        mode => load_query_embedder(root, mode, index.meta().model.is_some())?,
    };
    let (index, stale) = fresh_index(index, root, embedder.as_ref().map(|e| e as &dyn Embedder))?;
    let hits = index
        .search(request, embedder.as_ref().map(|e| e as &dyn Embedder))
        .context("searching")?;
    Ok((hits, stale))
}

/// The embedder for the query when embeddings are on for this index (see
/// `config::embeddings`): required in semantic mode, optional in hybrid mode (lexical
/// without one, and without loading the model when the index embeds nothing).
fn load_query_embedder(
    root: &std::path::Path,
    mode: SearchMode,
    index_has_vectors: bool,
) -> anyhow::Result<Option<ctx_indexers::embed::LoadedEmbedder>> {
    let choice = crate::config::embeddings(root, None, index_has_vectors)?;
    if !choice.on {
        anyhow::ensure!(
            mode != SearchMode::Semantic,
            "semantic search unavailable: {}",
            choice.off_reason()
        );
        return Ok(None);
    }
    let (embedder, disabled) = crate::config::load_embedder(root)?;
    if let Some(reason) = disabled {
        anyhow::ensure!(
            mode != SearchMode::Semantic,
            "semantic search unavailable: {reason}"
        );
    }
    Ok(embedder)
}
