//! `ctx status`: what is indexed, how big the index is, the model, what changed since,
//! and the index's health (its parts checked against its manifest when it is opened: a
//! damaged part is reported with the command that repairs it, exit code 1).

use crate::output::{print_json, Global};
use ctx_engine::store::FileRecord;
use ctx_indexers::walk::{walk, WalkOptions};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::ExitCode;

/// Arguments of `ctx status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {}

/// What `ctx status` reports.
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
    last_indexed: Option<u64>,
    changed: Vec<String>,
    added: Vec<String>,
    deleted: Vec<String>,
}

/// Runs `ctx status`.
pub fn run(_args: StatusArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let root = global.root()?;
    let (files, meta) = match crate::serve::client::index_records(&root) {
        Ok(found) => found,
        Err(err) => return report_damage(&root, err, global),
    };
    let mut languages = BTreeMap::new();
    for file in &files {
        *languages.entry(file.language.clone()).or_default() += 1;
    }
    let (changed, added, deleted) = changes(&root, &files)?;
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
        changed,
        added,
        deleted,
    };
    if global.json {
        print_json(&status)?;
    } else {
        print_human(&status);
    }
    Ok(ExitCode::SUCCESS)
}

/// Reports an index that failed its checks (exit 1); other errors are returned.
fn report_damage(root: &Path, err: anyhow::Error, global: &Global) -> anyhow::Result<ExitCode> {
    let damaged = err.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<ctx_engine::Error>(),
            Some(ctx_engine::Error::Damaged { .. } | ctx_engine::Error::Incompatible { .. })
        )
    });
    if !damaged {
        return Err(err);
    }
    let problem = format!("{err:#}");
    if global.json {
        print_json(&serde_json::json!({
            "root": root.display().to_string(),
            "health": "damaged",
            "problem": problem,
        }))?;
    } else {
        println!("index of {}", root.display());
        println!("  health: damaged: {problem}");
    }
    Ok(ExitCode::from(1))
}

fn print_human(s: &Status) {
    println!("index of {}", s.root);
    println!("  health: {}", s.health);
    let langs: Vec<String> = s
        .languages
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect();
    println!(
        "  {} files, {} chunks, {} tokens ({})",
        s.files,
        s.chunks,
        s.tokens,
        langs.join(", ")
    );
    println!(
        "  index size {:.1} MiB for {:.1} MiB of source",
        s.index_bytes as f64 / 1048576.0,
        s.source_bytes as f64 / 1048576.0
    );
    match &s.model {
        Some(model) => println!("  model {model}"),
        None => {
            println!("  model: none (lexical only; `ctx model install` enables semantic search)")
        }
    }
    let pending = s.changed.len() + s.added.len() + s.deleted.len();
    if pending == 0 {
        println!("  up to date");
        return;
    }
    println!("  {pending} files changed since the last index (run `ctx index`):");
    for (mark, list) in [("M", &s.changed), ("A", &s.added), ("D", &s.deleted)] {
        for path in list {
            println!("    {mark} {path}");
        }
    }
}

/// Files changed, added and deleted since the last index: size and mtime first, the hash
/// only when those differ.
fn changes(
    root: &Path,
    files: &[FileRecord],
) -> anyhow::Result<(Vec<String>, Vec<String>, Vec<String>)> {
    let known: HashMap<&str, &FileRecord> = files.iter().map(|f| (f.path.as_str(), f)).collect();
    let walk = walk(root, &WalkOptions::default());
    let (mut changed, mut added) = (Vec::new(), Vec::new());
    for file in &walk.files {
        match known.get(file.rel_path.as_str()) {
            None => {
                let bytes = std::fs::read(&file.path).unwrap_or_default();
                if !ctx_indexers::walk::looks_binary(&bytes) {
                    added.push(file.rel_path.clone());
                }
            }
            Some(record) if record.size != file.size || record.mtime_ns != file.mtime_ns => {
                let bytes = std::fs::read(&file.path).unwrap_or_default();
                if blake3::hash(&bytes).to_hex().as_str() != record.hash {
                    changed.push(file.rel_path.clone());
                }
            }
            Some(_) => {}
        }
    }
    let present: std::collections::HashSet<&str> =
        walk.files.iter().map(|f| f.rel_path.as_str()).collect();
    let deleted = files
        .iter()
        .filter(|f| !present.contains(f.path.as_str()))
        .map(|f| f.path.clone())
        .collect();
    Ok((changed, added, deleted))
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
