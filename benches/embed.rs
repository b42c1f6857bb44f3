//! Embedding throughput of the real model (all-MiniLM-L6-v2, int8) on ~500 code chunks.
//!
//! The chunks are 20–60-line pieces of the tantivy crate's source in the cargo registry
//! (split at blank lines), falling back to this repository's own sources. `raw` is
//! fastembed's own batching on the chunks in file order at batch sizes 32, 64 and 256;
//! `sorted` is what `FastEmbedder::embed` does (runs of similar length, so little padding);
//! `documents` is what indexing does: each chunk's `Chunk::embed_text` (path, then its
//! lines with comment markers and punctuation-only lines dropped) read up to the document
//! window (`CTX_EMBED_DOC_TOKENS`, default 64), sorted, batch 32.
//! One timed pass per case after a warm-up: a pass takes tens of seconds on two cores, too
//! long for criterion's ten samples. Prints chunks per second; `CTX_BENCH_CHUNKS` changes
//! the chunk count, `CTX_EMBED_MAX_TOKENS` the token limit (default 128).
//!
//! Needs the model: `ctx model install`. Run with `cargo bench --bench embed`.

use ctx_engine::embed::Embedder;
use ctx_indexers::embed::{FastEmbedder, ModelPaths};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How many chunks each pass embeds by default.
const CHUNKS: usize = 500;
/// Line bounds of one chunk.
const MIN_LINES: usize = 20;
const MAX_LINES: usize = 60;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let paths = ModelPaths::resolve(None, None)
        .unwrap_or_else(|e| panic!("benches/embed.rs needs the model: {e}"));
    let max_tokens = std::env::var("CTX_EMBED_MAX_TOKENS")
        .ok()
        .and_then(|v| v.parse().ok());
    let embedder = FastEmbedder::load_with(&paths, max_tokens).unwrap_or_else(|e| panic!("{e}"));
    let count = std::env::var("CTX_BENCH_CHUNKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CHUNKS);
    let (source, chunks) = code_chunks(count);
    let lines: usize = chunks.iter().map(|c| c.lines().count()).sum();
    println!(
        "embed: {} chunks ({} lines, {} bytes) from {}",
        chunks.len(),
        lines,
        chunks.iter().map(String::len).sum::<usize>(),
        source.display()
    );
    println!(
        "embed: model {} ({} dims) loaded in {:.2}s",
        embedder.model_id(),
        embedder.dim(),
        embedder.load_time().as_secs_f64()
    );
    embedder
        .embed_batched(&chunks[..chunks.len().min(16)], 16, false)
        .expect("warm-up");
    for (mode, batch, sorted) in [
        ("raw", 32, false),
        ("raw", 64, false),
        ("raw", 256, false),
        ("sorted", 32, true),
        ("sorted", 64, true),
    ] {
        let started = Instant::now();
        let vectors = embedder
            .embed_batched(&chunks, batch, sorted)
            .expect("embedding");
        let secs = started.elapsed().as_secs_f64();
        assert_eq!(vectors.len(), chunks.len());
        println!(
            "embed/{mode}/{batch}: {:.1} chunks/s ({:.1}s for {} chunks)",
            chunks.len() as f64 / secs,
            secs,
            chunks.len()
        );
    }
    let tokens = std::env::var("CTX_EMBED_DOC_TOKENS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ctx_indexers::embed::DEFAULT_DOCUMENT_TOKENS);
    let embedder = embedder.with_document_tokens(tokens);
    let texts: Vec<String> = chunks.iter().map(|c| embed_text(&source, c)).collect();
    let started = Instant::now();
    let vectors = embedder
        .embed_documents_batched(&texts, 32, true)
        .expect("embedding");
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(vectors.len(), texts.len());
    println!(
        "embed/documents-{}/32: {:.1} chunks/s ({:.1}s for {} chunks)",
        embedder.document_tokens(),
        texts.len() as f64 / secs,
        secs,
        texts.len()
    );
}

/// The embedding text indexing gives `chunk` (as a window chunk of a file under `source`).
fn embed_text(source: &Path, chunk: &str) -> String {
    ctx_engine::Chunk {
        path: source.display().to_string(),
        language: "rust".into(),
        kind: ctx_engine::ChunkKind::Window,
        symbol: None,
        signature: None,
        parent: None,
        breadcrumb: None,
        part: None,
        start_line: 1,
        end_line: 1,
        start_byte: 0,
        end_byte: chunk.len() as u64,
        content_hash: String::new(),
        tokens: 0,
        text: chunk.to_string(),
        front_matter: Default::default(),
    }
    .embed_text()
}

/// Up to `count` code chunks and the directory they came from.
fn code_chunks(count: usize) -> (PathBuf, Vec<String>) {
    let source = registry_crate("tantivy-0.")
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("engine"));
    let mut files = Vec::new();
    collect_rust_files(&source, &mut files);
    files.sort();
    let mut chunks = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        split_at_blank_lines(&text, &mut chunks);
        if chunks.len() >= count {
            chunks.truncate(count);
            break;
        }
    }
    assert!(
        !chunks.is_empty(),
        "no Rust sources under {}",
        source.display()
    );
    (source, chunks)
}

/// The `src` directory of the newest `<prefix>*` crate in the cargo registry.
fn registry_crate(prefix: &str) -> Option<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let mut found = Vec::new();
    for index in std::fs::read_dir(cargo_home.join("registry/src"))
        .ok()?
        .flatten()
    {
        for krate in std::fs::read_dir(index.path()).ok()?.flatten() {
            let name = krate.file_name().to_string_lossy().into_owned();
            if name.starts_with(prefix) && krate.path().join("src").is_dir() {
                found.push(krate.path().join("src"));
            }
        }
    }
    found.sort();
    found.pop()
}

fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Groups blank-line-separated paragraphs into chunks of [`MIN_LINES`]–[`MAX_LINES`]
/// lines (a longer paragraph is cut at [`MAX_LINES`]); a short remainder is dropped.
fn split_at_blank_lines(text: &str, chunks: &mut Vec<String>) {
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        current.push(line);
        let at_paragraph_end = line.trim().is_empty() && current.len() >= MIN_LINES;
        if at_paragraph_end || current.len() >= MAX_LINES {
            chunks.push(current.join("\n"));
            current.clear();
        }
    }
    if current.len() >= MIN_LINES {
        chunks.push(current.join("\n"));
    }
}
