//! Indexing and search benchmark on a real repository of 100k+ lines.
//!
//! `cargo bench --bench index` copies the corpus (default: the tantivy 0.27 crate's source
//! from the cargo registry; override with `CTX_BENCH_REPO=DIR`) to a temporary directory and
//! measures, with the real `ctx` binary:
//! - full index time, lexical only, beside `code2prompt` packing the same tree (when
//!   installed): [`LEXICAL_RUNS`] interleaved runs of each, medians, with the load average
//!   (the machine may be shared), and peak memory;
//! - full index time with embeddings and its peak memory, model load reported separately;
//! - embedding throughput of the pipeline against raw fastembed (fastembed's own batching,
//!   no sorting, batch 32, the same document window) on the same texts (the chunks'
//!   `embed_text`): every [`RAW_STRIDE`]th unique chunk that wants a vector, so the whole
//!   bench stays under ten minutes on two cores;
//! - re-index time after touching one file (model load reported separately);
//! - search latency p50/p95, lexical and hybrid, in process (model load excluded);
//! - index size against source size.
//!
//! It prints a Markdown table for the README, after the figures recorded before the
//! issue-2 performance work for comparison. Embedding rows need `ctx model install`.

#[path = "support/machine.rs"]
mod machine;

use ctx_engine::embed::Embedder;
use ctx_engine::search::{SearchMode, SearchRequest};
use machine::{copy_tree, load_average};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const QUERIES: [&str; 10] = [
    "segment reader",
    "IndexWriter commit",
    "term dictionary fst",
    "how are deleted documents tracked",
    "BM25 scoring weight",
    "merge policy log merge",
    "tokenizer lowercase filter",
    "fast field column codec",
    "query parser boolean",
    "mmap directory file handle",
];

/// Interleaved runs of the lexical index and of code2prompt; medians are reported.
const LEXICAL_RUNS: usize = 3;
/// The raw fastembed baseline embeds every this-many-th unique chunk text.
const RAW_STRIDE: usize = 4;

/// Figures measured on the same corpus and machine before the issue-2 performance work
/// (commit 8b51d19), printed beside this run's for comparison.
const BEFORE: [(&str, &str); 5] = [
    (
        "full index, lexical only",
        "2.74 s (load 0.5) to 4.1 s (load 5); ctx/code2prompt 2.3x-3.8x; peak RSS 166 MiB",
    ),
    (
        "index size (lexical)",
        "27 MiB (25 MiB of JSON chunk records) for 5.1 MiB of source",
    ),
    (
        "full index with embeddings",
        "455.7 s at load 5-8 (253.6 s CPU), 8227 chunks embedded, peak RSS 787 MiB and growing ~1 MiB/s; an earlier run reached 3 GB and was killed",
    ),
    (
        "commit at the end of a lexical run",
        "sled apply 365-611 ms (8617 JSON records, 25 MB), tantivy 209-415 ms",
    ),
    (
        "embedding throughput, re-index, search latency",
        "never completed",
    ),
];

fn main() {
    let corpus = corpus_dir();
    let work = tempfile::tempdir().expect("tempdir");
    let repo = work.path().join("repo");
    copy_tree(&corpus, &repo);
    let (files, lines, bytes) = measure_source(&repo);
    println!(
        "corpus: {} ({files} files, {lines} lines, {bytes} bytes)",
        corpus.display()
    );
    let mut rows: Vec<(String, String)> = Vec::new();
    lexical_rows(&repo, work.path(), &mut rows);
    let size = dir_size(&repo.join(".ctx"));
    rows.push((
        "index size (lexical)".into(),
        format!(
            "{:.1} MiB for {:.1} MiB of source ({:.2}x)",
            mib(size),
            mib(bytes),
            size as f64 / bytes as f64
        ),
    ));

    let model = ctx_indexers::embed::load_embedder(&Default::default())
        .ok()
        .and_then(|c| c.into_parts().0);
    match &model {
        Some(embedder) => embedding_rows(&repo, embedder, &mut rows),
        None => rows.push((
            "embedding rows".into(),
            "skipped: run `ctx model install`".into(),
        )),
    }
    search_rows(&repo, model.as_ref().map(|m| m as &dyn Embedder), &mut rows);

    println!("\nbefore (recorded, commit 8b51d19):\n\n| measure | result |\n|---|---|");
    for (what, result) in BEFORE {
        println!("| {what} | {result} |");
    }
    println!("\nthis run:\n\n| measure | result |\n|---|---|");
    for (what, result) in rows {
        println!("| {what} | {result} |");
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Lexical-only full index against code2prompt, interleaved, medians.
fn lexical_rows(repo: &Path, work: &Path, rows: &mut Vec<(String, String)>) {
    let has_code2prompt = Command::new("code2prompt")
        .arg("--version")
        .output()
        .is_ok();
    let (mut ctx_secs, mut c2p_secs, mut loads) = (Vec::new(), Vec::new(), Vec::new());
    let mut rss = 0;
    for _ in 0..LEXICAL_RUNS {
        loads.push(load_average());
        if has_code2prompt {
            c2p_secs.push(secs(code2prompt(repo, work).0));
        }
        let ((elapsed, _), peak) = timed_ctx(repo, &["index", "--rebuild", "--json"], "none");
        ctx_secs.push(secs(elapsed));
        rss = rss.max(peak);
    }
    let runs = |v: &[f64]| {
        v.iter()
            .map(|s| format!("{s:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    rows.push((
        "full index, lexical only".into(),
        format!(
            "median {:.2} s (runs {} s; load {}), peak RSS {} MiB",
            median(ctx_secs.clone()),
            runs(&ctx_secs),
            loads.join(", "),
            rss / 1024
        ),
    ));
    if has_code2prompt {
        let ratio = median(ctx_secs.clone()) / median(c2p_secs.clone());
        let verdict = if ratio <= 2.0 { "met" } else { "NOT met" };
        rows.push((
            "code2prompt on the same tree".into(),
            format!(
                "median {:.2} s (runs {} s): ctx/code2prompt = {ratio:.2}x (target 2x: {verdict})",
                median(c2p_secs.clone()),
                runs(&c2p_secs)
            ),
        ));
    }
}

fn embedding_rows(
    repo: &Path,
    embedder: &ctx_indexers::embed::LoadedEmbedder,
    rows: &mut Vec<(String, String)>,
) {
    let load = load_average();
    let ((elapsed, summary), rss) = timed_ctx(repo, &["index", "--rebuild", "--json"], "fastembed");
    let embedded = summary["embedded"].as_f64().unwrap_or(0.0);
    let embed_ms = summary["embed_ms"].as_f64().unwrap_or(1.0);
    let load_ms = summary["model_load_ms"].as_f64().unwrap_or(0.0);
    rows.push((
        "full index with embeddings".into(),
        format!(
            "{:.1} s ({embedded} chunks embedded, model load {load_ms:.0} ms; load {load}), peak RSS {} MiB",
            secs(elapsed),
            rss / 1024
        ),
    ));
    let pipeline_rate = embedded / (embed_ms / 1000.0);
    let texts = sampled_chunk_texts(repo);
    let raw = raw_fastembed(embedder, &texts);
    rows.push((
        "embedding throughput, pipeline vs raw fastembed".into(),
        match raw {
            Some((rate, load)) => format!(
                "{pipeline_rate:.1} vs {rate:.1} chunks/s ({:.0}%, target 85%; raw on {} texts, every {RAW_STRIDE}th unique chunk; load {load})",
                100.0 * pipeline_rate / rate,
                texts.len()
            ),
            None => format!("{pipeline_rate:.1} chunks/s; raw fastembed unavailable"),
        },
    ));
    rows.push((
        "index size (with vectors)".into(),
        format!("{:.1} MiB", mib(dir_size(&repo.join(".ctx")))),
    ));
    reindex_row(repo, rows);
}

/// Raw fastembed (its own batching, input order, batch 32, read to the document window as
/// indexing reads them) on `texts`: chunks per second and the load average, or `None` when
/// the model cannot be loaded directly.
fn raw_fastembed(
    loaded: &ctx_indexers::embed::LoadedEmbedder,
    texts: &[String],
) -> Option<(f64, String)> {
    let paths = loaded.paths()?;
    let mut embedder = ctx_indexers::embed::FastEmbedder::load(paths).ok()?;
    if let Some(tokens) = std::env::var(ctx_indexers::embed::ENV_DOC_TOKENS)
        .ok()
        .and_then(|v| v.parse().ok())
    {
        embedder = embedder.with_document_tokens(tokens);
    }
    let load = load_average();
    let started = Instant::now();
    let vectors = embedder
        .embed_documents_batched(texts, ctx_indexers::embed::DEFAULT_BATCH_SIZE, false)
        .expect("raw embed");
    assert_eq!(vectors.len(), texts.len());
    Some((texts.len() as f64 / started.elapsed().as_secs_f64(), load))
}

fn reindex_row(repo: &Path, rows: &mut Vec<(String, String)>) {
    let touched = repo.join("src/lib.rs");
    let mut text = std::fs::read_to_string(&touched).expect("src/lib.rs");
    text.push_str("\n// touched by the benchmark\n");
    std::fs::write(&touched, text).expect("touch");
    let load = load_average();
    let ((elapsed, summary), _) = timed_ctx(repo, &["index", "--json"], "fastembed");
    let load_ms = summary["model_load_ms"].as_f64().unwrap_or(0.0);
    let wall_ms = elapsed.as_secs_f64() * 1000.0;
    let verdict = if wall_ms - load_ms < 300.0 {
        "met"
    } else {
        "NOT met"
    };
    rows.push((
        "re-index after touching one file".into(),
        format!(
            "{wall_ms:.0} ms wall = model load {load_ms:.0} ms + {:.0} ms (target 300 ms: {verdict}; {} chunks embedded; load {load})",
            wall_ms - load_ms,
            summary["embedded"]
        ),
    ));
}

fn search_rows(repo: &Path, embedder: Option<&dyn Embedder>, rows: &mut Vec<(String, String)>) {
    let index = ctx_engine::Index::open(repo).expect("open index");
    let mut modes = vec![("lexical", SearchMode::Lexical)];
    if embedder.is_some() {
        modes.push(("hybrid", SearchMode::Hybrid));
    }
    for (name, mode) in modes {
        let mut times = Vec::new();
        for round in 0..10 {
            for query in QUERIES {
                let request = SearchRequest {
                    query: format!("{query} {}", round % 3),
                    mode,
                    k: 10,
                };
                let started = Instant::now();
                index.search(&request, embedder).expect("search");
                times.push(started.elapsed());
            }
        }
        times.sort();
        let p = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0;
        let target = if mode == SearchMode::Lexical {
            20.0
        } else {
            50.0
        };
        let verdict = if p(0.95) < target { "met" } else { "NOT met" };
        rows.push((
            format!("search latency, {name}"),
            format!(
                "p50 {:.1} ms, p95 {:.1} ms over {} queries (target {target:.0} ms: {verdict}; load {})",
                p(0.5),
                p(0.95),
                times.len(),
                load_average()
            ),
        ));
    }
}

/// The embedding texts the pipeline embedded (the chunks that want a vector, one per vector
/// key, in index order), every [`RAW_STRIDE`]th of them.
fn sampled_chunk_texts(repo: &Path) -> Vec<String> {
    let index = ctx_engine::Index::open(repo).expect("open index");
    let mut seen = HashSet::new();
    index
        .all_chunks()
        .expect("chunks")
        .iter()
        .filter(|c| ctx_indexers::embed::wants_vector(c))
        .filter(|c| seen.insert(ctx_engine::index::vector_key(c)))
        .map(|c| c.embed_text())
        .step_by(RAW_STRIDE)
        .collect()
}

fn corpus_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CTX_BENCH_REPO") {
        return PathBuf::from(dir);
    }
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cargo"));
    let src = home.join("registry/src");
    for registry in std::fs::read_dir(&src).expect("cargo registry sources") {
        let candidate = registry.expect("entry").path().join("tantivy-0.27.0");
        if candidate.is_dir() {
            return candidate;
        }
    }
    panic!(
        "tantivy-0.27.0 not found under {}: set CTX_BENCH_REPO",
        src.display()
    );
}

/// Runs `ctx` in `repo` with `CTX_EMBEDDER=embedder`; returns (wall time, JSON summary) and
/// the peak RSS in KiB.
fn timed_ctx(repo: &Path, args: &[&str], embedder: &str) -> ((Duration, serde_json::Value), u64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ctx"));
    cmd.args(args)
        .current_dir(repo)
        .env("CTX_EMBEDDER", embedder);
    let (elapsed, stdout, rss) = run_measured(cmd);
    // The summary line is `{"type":"summary","data":{...}}`; the figures are its data.
    let line: serde_json::Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or(serde_json::Value::Null);
    let summary = match line.get("data") {
        Some(data) => data.clone(),
        None => line,
    };
    ((elapsed, summary), rss)
}

fn code2prompt(repo: &Path, work: &Path) -> (Duration, u64) {
    let mut cmd = Command::new("code2prompt");
    cmd.arg(repo)
        .arg("-O")
        .arg(work.join("code2prompt.md"))
        .arg("-q")
        .args(["-e", ".ctx/**"]);
    let (elapsed, _, rss) = run_measured(cmd);
    (elapsed, rss)
}

/// Runs a command to completion; returns wall time, stdout and its peak RSS in KiB.
fn run_measured(mut cmd: Command) -> (Duration, String, u64) {
    let started = Instant::now();
    let out = cmd.output().expect("run command");
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    (
        elapsed,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        peak_child_rss_kib(),
    )
}

/// Peak RSS of the largest child waited for so far (getrusage); children run one at a
/// time here, largest last, so the figure is that run's.
fn peak_child_rss_kib() -> u64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we pass and reads nothing else.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss as u64
}

fn measure_source(dir: &Path) -> (u64, u64, u64) {
    let walk = ctx_indexers::walk::walk(dir, &Default::default());
    let mut lines = 0;
    let mut bytes = 0;
    for file in &walk.files {
        let text = std::fs::read(&file.path).unwrap_or_default();
        lines += text.iter().filter(|b| **b == b'\n').count() as u64;
        bytes += text.len() as u64;
    }
    (walk.files.len() as u64, lines, bytes)
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.file_type() {
                    Ok(t) if t.is_dir() => dir_size(&e.path()),
                    _ => e.metadata().map_or(0, |m| m.len()),
                })
                .sum()
        })
        .unwrap_or(0)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}
