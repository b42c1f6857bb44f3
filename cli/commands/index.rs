//! `ctx index`: build or update the index of a repository.

use crate::config;
use crate::output::{print_json, Global};
use anyhow::Context;
use ctx_engine::embed::Embedder;
use ctx_engine::index::Wait;
use ctx_engine::Index;
use ctx_indexers::pipeline::{index_repository, IndexOptions, IndexSummary, Progress};
use ctx_indexers::walk::{walk, WalkOptions};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `ctx index`.
#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// Repository to index (default: the current directory).
    pub path: Option<PathBuf>,
    /// List what would be indexed (files, bytes, estimated tokens) and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Delete the derived index data and index from scratch (anchors, config and plan stay).
    #[arg(long)]
    pub rebuild: bool,
    /// Skip files larger than this many bytes (default 1 MiB, or `[index] max_file_size`).
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
}

/// Runs `ctx index`.
pub fn run(args: IndexArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let root = match &args.path {
        Some(path) => path.clone(),
        None => std::env::current_dir()?,
    };
    let root = root
        .canonicalize()
        .with_context(|| format!("cannot index '{}'", root.display()))?;
    anyhow::ensure!(root.is_dir(), "'{}' is not a directory", root.display());
    let walk_options = WalkOptions {
        max_file_size: config::max_file_size(&root, args.max_file_size)?,
    };
    if args.dry_run {
        return dry_run(&root, &walk_options, global);
    }
    if let Some(ran) = crate::serve::client::index(&root, args.rebuild, args.max_file_size) {
        let (summary, anchors) = ran.context("indexing through the ctx serve daemon")?;
        report(&summary, anchors, Some(0), global)?;
        return Ok(ExitCode::SUCCESS);
    }
    let waiting =
        || eprintln!("ctx: another ctx process is writing this index; waiting for it to finish");
    let mut index = Index::writer(&root, args.rebuild, Wait::Queue(&waiting))
        .with_context(|| format!("opening the index of '{}'", root.display()))?;
    let (embedder, disabled) = config::load_embedder(&root)?;
    if let Some(reason) = &disabled {
        eprintln!("ctx: {reason}");
    }
    let options = IndexOptions {
        walk: walk_options,
        ..IndexOptions::default()
    };
    let progress = Bar::new(!global.json && std::io::stderr().is_terminal());
    let embedder_ref = embedder.as_ref().map(|e| e as &dyn Embedder);
    let summary = index_repository(&mut index, &root, &options, embedder_ref, &progress)
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
        eprintln!("ctx: repaired: {repair}");
    }
    for problem in &summary.problems {
        eprintln!("ctx: {problem}");
    }
    if global.json {
        let mut value = serde_json::to_value(summary)?;
        value["anchors"] = serde_json::json!(anchors);
        value["model_load_ms"] = serde_json::json!(model_load_ms);
        return print_json(&value);
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
    println!(
        "indexed {} files, {} unchanged, {} deleted, skipped {skipped}; {} chunks, {} embedded{model}{anchors} in {:.2}s",
        summary.indexed,
        summary.unchanged,
        summary.deleted,
        summary.chunks,
        summary.embedded,
        summary.elapsed_ms as f64 / 1000.0
    );
    Ok(())
}

/// What `--dry-run` prints: the files that would be indexed and their totals.
fn dry_run(root: &Path, options: &WalkOptions, global: &Global) -> anyhow::Result<ExitCode> {
    let walk = walk(root, options);
    let bytes: u64 = walk.files.iter().map(|f| f.size).sum();
    let estimated_tokens = bytes / 4;
    if global.json {
        let files: Vec<_> = walk
            .files
            .iter()
            .map(|f| serde_json::json!({"path": f.rel_path, "bytes": f.size}))
            .collect();
        let skipped: std::collections::BTreeMap<_, _> =
            walk.skipped.iter().map(|(r, n)| (r.as_str(), n)).collect();
        print_json(&serde_json::json!({
            "files": files, "file_count": walk.files.len(), "bytes": bytes,
            "estimated_tokens": estimated_tokens, "skipped": skipped,
        }))?;
    } else {
        for file in &walk.files {
            println!("{}\t{}", file.size, file.rel_path);
        }
        println!(
            "would index {} files, {bytes} bytes, ~{estimated_tokens} tokens (dry run: nothing written)",
            walk.files.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on stderr, hidden when stderr is not a terminal.
struct Bar(ProgressBar);

impl Bar {
    fn new(visible: bool) -> Bar {
        let bar = if visible {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg:12} [{bar:30}] {pos}/{len} files {elapsed}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_message("indexing");
        Bar(bar)
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, files: u64) {
        self.0.set_length(files);
    }

    fn advance(&self, _path: &str) {
        self.0.inc(1);
    }

    fn phase(&self, name: &str) {
        self.0.set_message(name.to_string());
    }
}
