//! `ctx index`: build or update the index of a repository.

use crate::config;
use crate::output::{self, outln, Global};
use crate::progress::IndexProgress;
use anyhow::Context;
use ctx_engine::embed::Embedder;
use ctx_engine::index::Wait;
use ctx_engine::Index;
use ctx_indexers::chunk::stream::StreamChunker;
use ctx_indexers::chunk::ChunkLimits;
use ctx_indexers::pipeline::Progress;
use ctx_indexers::pipeline::{index_repository, IndexOptions, IndexSummary};
use ctx_indexers::walk::{read_file, walk, LargeFile, ReadOutcome, WalkOptions};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `ctx index`.
#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// Any directory of the repository to index: its root is found from there as for every
    /// command (nearest `.ctx/`, else the git top). Default: the current directory. Use
    /// `--root DIR` to index exactly DIR.
    pub path: Option<PathBuf>,
    /// List what would be indexed (files, bytes, tokens) and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Delete the derived index data and index from scratch (anchors, config and plan stay).
    #[arg(long)]
    pub rebuild: bool,
    /// Skip files larger than this many bytes (default 1 MiB, or `[index] max_file_size`).
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
    /// Embed chunks for hybrid and semantic search (needs `ctx model install`). Off by
    /// default; once on, later runs of this index keep its vectors current. Also
    /// `embeddings = true` under `[index]` in `.ctx/config.toml`.
    #[arg(long, conflicts_with = "no_embeddings")]
    pub embeddings: bool,
    /// Do not embed chunks this run (vectors already in the index are not updated;
    /// `--rebuild --no-embeddings` gives a lexical index).
    #[arg(long)]
    pub no_embeddings: bool,
}

impl IndexArgs {
    /// The embeddings flag given: `Some(true)` for `--embeddings`, `Some(false)` for
    /// `--no-embeddings`, `None` for neither.
    pub fn embeddings_flag(&self) -> Option<bool> {
        match (self.embeddings, self.no_embeddings) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

/// Runs `ctx index`.
pub fn run(args: IndexArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let root = index_root(&args, global)?;
    let walk_options = WalkOptions {
        max_file_size: config::max_file_size(&root, args.max_file_size)?,
    };
    if args.dry_run {
        return dry_run(&root, &walk_options, global);
    }
    let flag = args.embeddings_flag();
    if let Some(ran) = crate::serve::client::index(&root, args.rebuild, args.max_file_size, flag) {
        let (summary, anchors) = ran.context("indexing through the ctx serve daemon")?;
        report(&summary, anchors, Some(0), global)?;
        return Ok(ExitCode::SUCCESS);
    }
    let waiting =
        || output::info("another ctx process is writing this index; waiting for it to finish");
    let mut index = Index::writer(&root, args.rebuild, Wait::Queue(&waiting))
        .with_context(|| format!("opening the index of '{}'", root.display()))?;
    let progress = Arc::new(IndexProgress::new(output::progress_visible()));
    on_interrupt(Arc::clone(&progress));
    progress.phase("loading");
    let has_vectors = index.meta().model.is_some();
    let (embedder, disabled) = config::chunk_embedder(&root, flag, has_vectors)?;
    progress.set_embedding(embedder.is_some());
    if let Some(reason) = &disabled {
        progress.suspend(|| output::info(reason));
    } else if embedder.is_none() && has_vectors {
        let by = config::embeddings(&root, flag, has_vectors)?.by;
        progress.suspend(|| {
            output::warn(format!(
                "embeddings are off ({by}): this index's vectors are not updated, so changed \
                 code has none; `ctx index --rebuild` gives a lexical index"
            ))
        });
    }
    let options = IndexOptions {
        walk: walk_options,
        ..IndexOptions::default()
    };
    let embedder_ref = embedder.as_ref().map(|e| e as &dyn Embedder);
    let summary = index_repository(&mut index, &root, &options, embedder_ref, &*progress)
        .with_context(|| format!("indexing '{}'", root.display()))?;
    progress.finish();
    let anchors = crate::anchors_index::refresh(&root, &index, &summary)?;
    let load_ms = embedder.as_ref().map(|e| e.load_time().as_millis() as u64);
    // Files skipped for a reason (vanished, unreadable...) are reported, not failures:
    // the rest of the run is indexed and published.
    report(&summary, anchors, load_ms, global)?;
    Ok(ExitCode::SUCCESS)
}

fn report(
    summary: &IndexSummary,
    anchors: Option<usize>,
    model_load_ms: Option<u64>,
    global: &Global,
) -> anyhow::Result<()> {
    for repair in &summary.repairs {
        output::warn(format!("repaired: {repair}"));
    }
    for problem in &summary.problems {
        output::warn(problem);
    }
    if summary.vectors_pending > 0 {
        output::info(format!(
            "the ctx serve daemon embeds {} files in the background; until it is done, search and pack answer lexically and say so",
            summary.vectors_pending
        ));
    }
    if global.json {
        let mut value = serde_json::to_value(summary)?;
        value["anchors"] = serde_json::json!(anchors);
        value["model_load_ms"] = serde_json::json!(model_load_ms);
        return output::summary(&value);
    }
    let skipped: Vec<String> = summary
        .skipped
        .iter()
        .map(|(reason, n)| format!("{n} {reason}"))
        .collect();
    let skipped = if skipped.is_empty() {
        "none".to_string()
    } else {
        skipped.join(", ")
    };
    let model = match (&summary.model, model_load_ms) {
        (Some(model), Some(ms)) => format!(" ({model}, model load {ms} ms)"),
        _ => String::new(),
    };
    let anchors = anchors.map_or(String::new(), |n| format!(", {n} anchors"));
    outln!(
        "indexed {} files, {} unchanged, {} deleted, skipped {skipped}; {} chunks, {} embedded{model}{anchors} in {:.2}s",
        summary.indexed,
        summary.unchanged,
        summary.deleted,
        summary.chunks,
        summary.embedded,
        summary.elapsed_ms as f64 / 1000.0
    )?;
    Ok(())
}

/// The root `ctx index` works on: `--root` exactly, else the root found from PATH (or the
/// current directory).
fn index_root(args: &IndexArgs, global: &Global) -> anyhow::Result<PathBuf> {
    let root = match (&global.root, &args.path) {
        (Some(root), Some(path)) => anyhow::bail!(
            "both --root {} and PATH {} given: give one (--root indexes exactly that directory, \
             PATH finds the repository that holds it)",
            root.display(),
            path.display()
        ),
        (Some(root), None) => root.clone(),
        (None, path) => {
            let start = match path {
                Some(path) => path.clone(),
                None => std::env::current_dir()?,
            };
            let start = start
                .canonicalize()
                .with_context(|| format!("cannot index '{}'", start.display()))?;
            anyhow::ensure!(start.is_dir(), "'{}' is not a directory", start.display());
            output::discover_root(&start)
        }
    };
    let root = root
        .canonicalize()
        .with_context(|| format!("cannot index '{}'", root.display()))?;
    anyhow::ensure!(root.is_dir(), "'{}' is not a directory", root.display());
    Ok(root)
}

/// On Ctrl-C: say what the index keeps, then stop (exit 130, as shells expect).
///
/// The pipeline commits every few thousand files or half a minute and the records are
/// written last, so stopping here loses at most the uncommitted files, which the next run
/// sees as changed and redoes.
fn on_interrupt(progress: Arc<IndexProgress>) {
    let handler = move || {
        progress.finish();
        let line = progress.interrupted_line();
        output::report_error(&line, std::slice::from_ref(&line), 130);
        std::process::exit(130);
    };
    if let Err(e) = ctrlc::set_handler(handler) {
        output::debug(format!("no Ctrl-C handler: {e}"));
    }
}

/// The size and tokens of a file too big to read whole, read line by line: the sum of its
/// chunks' tokens, as the index records it.
fn large_file_tokens(path: &str, mut large: LargeFile) -> Result<(u64, u64), &'static str> {
    let head = large.head().map_err(|(reason, _)| reason.as_str())?;
    let mut chunker = StreamChunker::new(path, &head, &ChunkLimits::default());
    let mut tokens = 0u64;
    let (_, size) = large
        .lines(&mut |line| chunker.push(line, &mut |c| tokens += u64::from(c.tokens)))
        .map_err(|(reason, _)| reason.as_str())?;
    chunker.finish(&mut |c| tokens += u64::from(c.tokens));
    Ok((size, tokens))
}

/// What `--dry-run` prints: the files that would be indexed with their exact token
/// counts (binary and oversized files are skipped as the index skips them), and the totals.
fn dry_run(root: &Path, options: &WalkOptions, global: &Global) -> anyhow::Result<ExitCode> {
    let walk = walk(root, options);
    let mut skipped: BTreeMap<&'static str, u64> = walk
        .skipped
        .iter()
        .map(|(reason, n)| (reason.as_str(), *n))
        .collect();
    let read: Vec<Result<(u64, u64), &'static str>> = walk
        .files
        .par_iter()
        .map(|file| match read_file(file, options.max_file_size) {
            ReadOutcome::Text(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                Ok((
                    bytes.len() as u64,
                    ctx_indexers::chunk::count_tokens(&text) as u64,
                ))
            }
            ReadOutcome::Large(large) => large_file_tokens(&file.rel_path, large),
            ReadOutcome::Skipped(reason, _) => Err(reason.as_str()),
        })
        .collect();
    let (mut files, mut bytes, mut tokens) = (0usize, 0u64, 0u64);
    for (file, outcome) in walk.files.iter().zip(&read) {
        match outcome {
            Ok((size, count)) => {
                files += 1;
                bytes += size;
                tokens += count;
                if global.json {
                    output::record(
                        "file",
                        &serde_json::json!({"path": file.rel_path, "bytes": size, "tokens": count}),
                    )?;
                } else {
                    outln!("{size}\t{count}\t{}", file.rel_path)?;
                }
            }
            Err(reason) => *skipped.entry(reason).or_default() += 1,
        }
    }
    if global.json {
        output::summary(&serde_json::json!({
            "file_count": files, "bytes": bytes, "tokens": tokens, "skipped": skipped,
        }))?;
    } else {
        let skipped: Vec<String> = skipped.iter().map(|(r, n)| format!("{n} {r}")).collect();
        let skipped = if skipped.is_empty() {
            String::new()
        } else {
            format!("; skipped {}", skipped.join(", "))
        };
        outln!(
            "would index {files} files, {bytes} bytes, {tokens} tokens (o200k){skipped} \
             (dry run: nothing written; columns: bytes, tokens, path)"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
