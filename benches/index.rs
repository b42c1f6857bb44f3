//! Indexing and search benchmark on a real repository of 100k+ lines.
//!
//! `cargo bench --bench index` copies the corpus (default: the tantivy 0.27 crate's source
//! from the cargo registry; override with `CTX_BENCH_REPO=DIR`) to a temporary directory and
//! measures, with the real `ctx` binary:
//! - full index time, lexical only and with embeddings, beside `code2prompt` packing the
//!   same tree (when installed), and peak memory of each run;
//! - embedding throughput of the pipeline against raw fastembed on the same chunks;
//! - re-index time after touching one file (model load reported separately);
//! - search latency p50/p95, lexical and hybrid, in process (model load excluded);
//! - index size against source size.
//!
//! It prints a Markdown table for the README. Embedding rows need `ctx model install`.

use ctx_engine::embed::Embedder;
use ctx_engine::search::{SearchMode, SearchRequest};
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

    let (lexical, lexical_rss) = timed_ctx(&repo, &["index", "--rebuild", "--json"], "none");
    rows.push((
        "full index, lexical only".into(),
        format!(
            "{:.2} s, peak RSS {} MiB",
            secs(lexical.0),
            lexical_rss / 1024
        ),
    ));
    if let Some((elapsed, rss)) = code2prompt(&repo, work.path()) {
        rows.push((
            "code2prompt on the same tree".into(),
            format!(
                "{:.2} s, peak RSS {} MiB (ctx/code2prompt = {:.2}x)",
                secs(elapsed),
                rss / 1024,
                secs(lexical.0) / secs(elapsed)
            ),
        ));
    }
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

    println!("\n| measure | result |\n|---|---|");
    for (what, result) in rows {
        println!("| {what} | {result} |");
    }
}

fn embedding_rows(
    repo: &Path,
    embedder: &ctx_indexers::embed::LoadedEmbedder,
    rows: &mut Vec<(String, String)>,
) {
    let ((elapsed, summary), rss) = timed_ctx(repo, &["index", "--rebuild", "--json"], "fastembed");
    let embedded = summary["embedded"].as_f64().unwrap_or(0.0);
    let embed_ms = summary["embed_ms"].as_f64().unwrap_or(1.0);
    let load_ms = summary["model_load_ms"].as_f64().unwrap_or(0.0);
    rows.push((
        "full index with embeddings".into(),
        format!(
            "{:.2} s ({embedded} chunks embedded, model load {load_ms:.0} ms), peak RSS {} MiB",
            secs(elapsed),
            rss / 1024
        ),
    ));
    let pipeline_rate = embedded / (embed_ms / 1000.0);
    let texts = chunk_texts(repo);
    let started = Instant::now();
    for group in texts.chunks(64) {
        embedder.embed(group).expect("raw embed");
    }
    let raw_rate = texts.len() as f64 / started.elapsed().as_secs_f64();
    rows.push((
        "embedding throughput, pipeline vs raw fastembed".into(),
        format!(
            "{pipeline_rate:.0} vs {raw_rate:.0} chunks/s ({:.0}%)",
            100.0 * pipeline_rate / raw_rate
        ),
    ));
    rows.push((
        "index size (with vectors)".into(),
        format!("{:.1} MiB", mib(dir_size(&repo.join(".ctx")))),
    ));

    let touched = repo.join("src/lib.rs");
    let mut text = std::fs::read_to_string(&touched).expect("src/lib.rs");
    text.push_str("\n// touched by the benchmark\n");
    std::fs::write(&touched, text).expect("touch");
    let ((elapsed, summary), _) = timed_ctx(repo, &["index", "--json"], "fastembed");
    let load_ms = summary["model_load_ms"].as_f64().unwrap_or(0.0);
    rows.push((
        "re-index after touching one file".into(),
        format!(
            "{:.0} ms wall, of which model load {load_ms:.0} ms ({} chunk embedded)",
            elapsed.as_secs_f64() * 1000.0,
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
        rows.push((
            format!("search latency, {name}"),
            format!("p50 {:.1} ms, p95 {:.1} ms", p(0.5), p(0.95)),
        ));
    }
}

/// The search texts of every chunk in the index, as the pipeline embeds them.
fn chunk_texts(repo: &Path) -> Vec<String> {
    let index = ctx_engine::Index::open(repo).expect("open index");
    index
        .all_chunks()
        .expect("chunks")
        .iter()
        .map(|c| c.search_text())
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
    let summary = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or(serde_json::Value::Null);
    ((elapsed, summary), rss)
}

fn code2prompt(repo: &Path, work: &Path) -> Option<(Duration, u64)> {
    let mut cmd = Command::new("code2prompt");
    cmd.arg(repo)
        .arg("-O")
        .arg(work.join("code2prompt.md"))
        .arg("-q")
        .args(["-e", ".ctx/**"]);
    if Command::new("code2prompt")
        .arg("--version")
        .output()
        .is_err()
    {
        return None;
    }
    let (elapsed, _, rss) = run_measured(cmd);
    Some((elapsed, rss))
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

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
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
