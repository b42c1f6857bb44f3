//! Chunking throughput on a real repository, single-threaded.
//!
//! The corpus is the tantivy 0.27 crate from the cargo registry (about 130k lines), or the
//! directory in `CTX_BENCH_REPO`. Run with `cargo bench --bench chunk`; besides criterion's
//! report, it prints MB/s, lines/s and chunk counts once.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ctx_indexers::chunk::{chunk_file, ChunkLimits};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The directory to chunk: `CTX_BENCH_REPO`, else tantivy 0.27 in the cargo registry.
fn corpus_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("CTX_BENCH_REPO") {
        return PathBuf::from(dir);
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .expect("set CARGO_HOME, HOME or CTX_BENCH_REPO");
    let registry = cargo_home.join("registry/src");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&registry)
        .unwrap_or_else(|e| panic!("reading {}: {e}; set CTX_BENCH_REPO", registry.display()))
        .flatten()
        .flat_map(|index| {
            std::fs::read_dir(index.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("tantivy-0.27"))
        })
        .collect();
    found.sort();
    found
        .pop()
        .expect("tantivy 0.27 is not in the cargo registry; set CTX_BENCH_REPO to a directory")
}

/// Every regular file under `dir`, as (relative path, bytes).
fn load(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).into_iter().flatten().flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                if let Ok(bytes) = std::fs::read(&path) {
                    if !bytes.contains(&0) {
                        files.push((rel, bytes));
                    }
                }
            }
        }
    }
    files.sort();
    files
}

fn chunk_all(files: &[(String, Vec<u8>)], limits: &ChunkLimits) -> usize {
    files
        .iter()
        .map(|(path, bytes)| chunk_file(path, bytes, limits).len())
        .sum()
}

fn bench(c: &mut Criterion) {
    let root = corpus_root();
    let files = load(&root);
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let lines: usize = files
        .iter()
        .map(|(_, b)| b.iter().filter(|&&c| c == b'\n').count())
        .sum();
    let limits = ChunkLimits::default();

    let started = Instant::now();
    let chunks = chunk_all(&files, &limits);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "chunk: {} files, {lines} lines, {:.1} MB from {} -> {chunks} chunks in {secs:.2} s: {:.1} MB/s, {:.0} lines/s (one thread, first run)",
        files.len(),
        bytes as f64 / 1e6,
        root.display(),
        bytes as f64 / 1e6 / secs,
        lines as f64 / secs,
    );

    let mut group = c.benchmark_group("chunk");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("repo", |b| b.iter(|| chunk_all(&files, &limits)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
