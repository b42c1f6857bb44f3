//! `ctx status`: what is indexed, how big the index is, the model, what changed since,
//! and the index's health (its parts checked against its manifest when it is opened: a
//! damaged part is reported with the command that repairs it, exit code 1).

use crate::freshness::{self, Changes, Staleness};
use crate::output::{self, outln, paint, Global, Style};
use crate::serve::client::IndexReading;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

/// Changed files listed per kind before "… and N more".
const SHOWN_PER_KIND: usize = 5;

/// Arguments of `ctx status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// List every changed file (default: the counts and the first few of each kind).
    #[arg(long)]
    pub all: bool,
}

/// What `ctx status` reports (the JSON `summary`).
#[derive(Debug, Serialize)]
struct Status {
    root: String,
    /// `ok`, or `damaged` with the problem and the repair command.
    health: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
    files: usize,
    chunks: u64,
    tokens: u64,
    languages: BTreeMap<String, usize>,
    index_bytes: u64,
    source_bytes: u64,
    model: Option<String>,
    /// Unix seconds of the last full run.
    last_indexed: Option<u64>,
    /// The same time, readable (UTC).
    last_indexed_at: Option<String>,
    /// `null` when the index is up to date.
    stale: Option<Staleness>,
}

/// Runs `ctx status`.
pub fn run(args: StatusArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let root = global.root()?;
    let (files, meta) = match crate::serve::client::index_records(&root)? {
        IndexReading::Records(files, meta) => (files, meta),
        IndexReading::Damaged(problem) => return report_damage(&root, &problem, global),
    };
    let mut languages = BTreeMap::new();
    for file in &files {
        *languages.entry(file.language.clone()).or_default() += 1;
    }
    let changes = freshness::changes(&root, &files, &meta)?;
    let status = Status {
        root: root.display().to_string(),
        health: "ok",
        problem: None,
        files: files.len(),
        chunks: files.iter().map(|f| f.chunks as u64).sum(),
        tokens: files.iter().map(|f| f.tokens).sum(),
        languages,
        index_bytes: dir_size(&root.join(".ctx")),
        source_bytes: files.iter().map(|f| f.size).sum(),
        model: meta
            .model
            .as_ref()
            .map(|m| format!("{} ({} dims)", m.id, m.dim)),
        last_indexed: meta.last_indexed,
        last_indexed_at: meta.last_indexed.map(output::utc_time),
        stale: changes.staleness(),
    };
    if global.json {
        for (change, path) in changes.entries() {
            output::record(
                "change",
                &serde_json::json!({"path": path, "change": change}),
            )?;
        }
        output::summary(&status)?;
    } else {
        print_human(&status, &changes, args.all)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Reports an index that failed its checks (exit 1).
fn report_damage(root: &Path, problem: &str, global: &Global) -> anyhow::Result<ExitCode> {
    if global.json {
        output::summary(&serde_json::json!({
            "root": root.display().to_string(),
            "health": "damaged",
            "problem": problem,
        }))?;
    } else {
        outln!("index of {}", root.display())?;
        outln!(
            "  health: {}: {}",
            paint("damaged", Style::Deny),
            ctx_engine::secrets::redact(problem)
        )?;
    }
    Ok(ExitCode::from(1))
}

fn print_human(s: &Status, changes: &Changes, all: bool) -> std::io::Result<()> {
    outln!(
        "{} {}",
        paint("index of", Style::Bold),
        paint(&s.root, Style::Path)
    )?;
    outln!("  health: {}", paint(s.health, Style::Ok))?;
    let langs: Vec<String> = s
        .languages
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect();
    outln!(
        "  {} files, {} chunks, {} tokens ({})",
        s.files,
        s.chunks,
        s.tokens,
        langs.join(", ")
    )?;
    outln!(
        "  index size {:.1} MiB for {:.1} MiB of source",
        s.index_bytes as f64 / 1048576.0,
        s.source_bytes as f64 / 1048576.0
    )?;
    match &s.model {
        Some(model) => outln!("  model {model}")?,
        None => {
            outln!("  model: none (lexical only; `ctx model install` enables semantic search)")?
        }
    }
    if let Some(at) = &s.last_indexed_at {
        let ago = s.last_indexed.map(output::ago).unwrap_or_default();
        outln!("  last indexed {at}{ago}")?;
    }
    if changes.total() == 0 {
        return outln!("  {}", paint("up to date", Style::Ok));
    }
    outln!(
        "  {}: {} since the last index (run `ctx index`)",
        paint(
            format!(
                "{} file{} changed",
                changes.total(),
                if changes.total() == 1 { "" } else { "s" }
            ),
            Style::Warn
        ),
        changes.describe()
    )?;
    for (mark, list) in [
        ("M", &changes.modified),
        ("A", &changes.added),
        ("D", &changes.deleted),
    ] {
        let shown = if all { list.len() } else { SHOWN_PER_KIND };
        for path in list.iter().take(shown) {
            outln!("    {mark} {path}")?;
        }
        if list.len() > shown {
            outln!("    {mark} … and {} more", list.len() - shown)?;
        }
    }
    let cut = [&changes.modified, &changes.added, &changes.deleted]
        .iter()
        .any(|list| list.len() > SHOWN_PER_KIND);
    if !all && cut {
        outln!("  (`ctx status --all` lists every file)")?;
    }
    Ok(())
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(t) if t.is_dir() => dir_size(&entry.path()),
            Ok(_) => entry.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}
