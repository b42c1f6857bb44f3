//! Extraction report: rules found and rules compiled to matchers, per document.
//!
//! `cargo bench --bench anchors_extract [-- DIR_OR_FILE...] [-- --verbose]`
//!
//! Default input: every document in `../shared/evals/drift/docs` (or `$CTX_EVALS/drift/docs`),
//! each extracted under its real name from `drift/sources.tsv` (the last part of the file
//! name: `cursor-rules-base.mdc.md` is `.cursor/rules/base.mdc`). `--verbose` prints every
//! anchor with its line, polarity, matcher kinds and notes.

// Only `evals_dir` is used here; the other harnesses use the rest of the module.
#[allow(dead_code)]
#[path = "support/evals.rs"]
mod evals;

use ctx_indexers::constraint::extract_anchors;
use evals::evals_dir;
use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let verbose = args.iter().any(|a| a == "--verbose" || a == "-v");
    let mut inputs: Vec<PathBuf> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .collect();
    if inputs.is_empty() {
        inputs.push(evals_dir().join("drift/docs"));
    }
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&input)
                .expect("a readable directory")
                .flatten()
                .map(|e| e.path())
                .collect();
            entries.sort();
            files.extend(entries);
        } else {
            files.push(input);
        }
    }
    println!(
        "{:<58} {:>6} {:>9} {:>9}",
        "document", "rules", "compiled", "share"
    );
    let (mut total, mut compiled_total) = (0, 0);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let real = real_name(&file);
        let anchors = extract_anchors(&real, &text);
        let compiled = anchors.iter().filter(|a| !a.matchers.is_empty()).count();
        total += anchors.len();
        compiled_total += compiled;
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let share = if anchors.is_empty() {
            0.0
        } else {
            compiled as f64 / anchors.len() as f64
        };
        println!("{name:<58} {:>6} {compiled:>9} {share:>9.2}", anchors.len());
        if verbose {
            for a in &anchors {
                let kinds: Vec<&str> = a.matchers.iter().map(|m| m.kind()).collect();
                println!(
                    "    [{}] {} {} {:?} scope={:?}\n        {}",
                    a.source.label(),
                    a.polarity.as_str(),
                    a.severity.as_str(),
                    kinds,
                    a.scope,
                    a.text
                );
                for note in &a.notes {
                    println!("        - {note}");
                }
            }
        }
    }
    let share = if total == 0 {
        0.0
    } else {
        compiled_total as f64 / total as f64
    };
    println!(
        "{:<58} {total:>6} {compiled_total:>9} {share:>9.2}",
        "total"
    );
}

/// The document's name in its repository: the part after the last `__`, with the
/// `cursor-rules-` prefix and a doubled `.md` undone.
fn real_name(file: &Path) -> String {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("AGENTS.md");
    let last = name.rsplit("__").next().unwrap_or(name);
    match last.strip_prefix("cursor-rules-") {
        Some(rule) => format!(".cursor/rules/{}", rule.trim_end_matches(".md")),
        None => last.to_string(),
    }
}
