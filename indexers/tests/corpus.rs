//! Corpus snapshot tests for the chunkers.
//!
//! Every file `tests/corpus/<lang>/<case>.<ext>` sits next to `<case>.<ext>.chunks`, one line
//! per chunk: `kind start-end symbol-or-breadcrumb [part i/n]`. `CTX_BLESS=1 cargo test -p
//! ctx-indexers --test corpus` rewrites the snapshots; review the diff before committing.

use ctx_engine::Chunk;
use ctx_indexers::chunk::{chunk_file, ChunkLimits};
use ctx_indexers::lang::Lang;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Every corpus case, as (path relative to the corpus, absolute path).
fn cases() -> Vec<(String, PathBuf)> {
    let mut cases = Vec::new();
    for dir in std::fs::read_dir(corpus_dir()).unwrap() {
        let dir = dir.unwrap().path();
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "chunks") {
                continue;
            }
            let rel = path.strip_prefix(corpus_dir()).unwrap();
            cases.push((rel.to_string_lossy().replace('\\', "/"), path));
        }
    }
    cases.sort();
    cases
}

/// One snapshot line per chunk.
fn render(chunks: &[Chunk]) -> String {
    let mut out = String::new();
    for c in chunks {
        let mut line = format!("{} {}-{}", c.kind, c.start_line, c.end_line);
        if let Some(label) = c.symbol.as_ref().or(c.breadcrumb.as_ref()) {
            line.push(' ');
            line.push_str(label);
        }
        if let Some((i, n)) = c.part {
            line.push_str(&format!(" [part {i}/{n}]"));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Checks the coverage invariant: chunks tile the file's lines and bytes, in order.
pub fn assert_covers(path: &str, bytes: &[u8], chunks: &[Chunk]) {
    let lines = bytes.split(|b| *b == b'\n').count() - usize::from(bytes.ends_with(b"\n"));
    let lines = if bytes.is_empty() { 0 } else { lines };
    let mut next_line = 1u32;
    let mut next_byte = 0u64;
    for c in chunks {
        assert_eq!(
            c.start_line, next_line,
            "{path}: gap or overlap before {c:?}"
        );
        assert!(c.end_line >= c.start_line, "{path}: empty chunk {c:?}");
        assert_eq!(c.start_byte, next_byte, "{path}: byte gap before {c:?}");
        let slice = &bytes[c.start_byte as usize..c.end_byte as usize];
        assert_eq!(
            c.text,
            String::from_utf8_lossy(slice),
            "{path}: text of {c:?}"
        );
        assert_eq!(c.content_hash, ctx_engine::content_hash(c.text.as_bytes()));
        next_line = c.end_line + 1;
        next_byte = c.end_byte;
    }
    assert_eq!(
        next_line as usize,
        lines + 1,
        "{path}: lines not all covered"
    );
    assert_eq!(
        next_byte as usize,
        bytes.len(),
        "{path}: bytes not all covered"
    );
}

#[test]
fn corpus_snapshots() {
    let bless = std::env::var_os("CTX_BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for (rel, path) in cases() {
        let bytes = std::fs::read(&path).unwrap();
        let chunks = chunk_file(&rel, &bytes, &ChunkLimits::default());
        assert_covers(&rel, &bytes, &chunks);
        let actual = render(&chunks);
        let snapshot = PathBuf::from(format!("{}.chunks", path.display()));
        if bless {
            std::fs::write(&snapshot, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&snapshot) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{rel}: snapshot differs\n--- expected\n{expected}--- actual\n{actual}"
            )),
            Err(_) => failures.push(format!(
                "{rel}: no snapshot {}; run `CTX_BLESS=1 cargo test --release -p ctx-indexers --test corpus` and review it",
                snapshot.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_language_has_a_corpus_case() {
    let cases = cases();
    for lang in Lang::ALL {
        assert!(
            cases
                .iter()
                .any(|(rel, _)| rel.starts_with(&format!("{}/", lang.name()))),
            "no corpus case for {lang}: add tests/corpus/{lang}/<case>"
        );
    }
}

#[test]
fn corpus_files_get_their_language() {
    for (rel, path) in cases() {
        let dir = rel.split('/').next().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let chunks = chunk_file(&rel, &bytes, &ChunkLimits::default());
        let expected = if dir == "other" { None } else { Some(dir) };
        if let Some(expected) = expected {
            assert!(chunks.iter().all(|c| c.language == expected), "{rel}");
        }
    }
}

/// Small limits force splits everywhere; coverage must still hold.
#[test]
fn corpus_covers_every_line_with_small_limits() {
    let limits = ChunkLimits {
        max_tokens: 24,
        max_lines: 5,
        window_lines: 3,
    };
    for (rel, path) in cases() {
        let bytes = std::fs::read(&path).unwrap();
        let chunks = chunk_file(&rel, &bytes, &limits);
        assert_covers(&rel, &bytes, &chunks);
        for c in &chunks {
            let lines = c.end_line - c.start_line + 1;
            assert!(lines <= 5, "{rel}: {c:?}");
        }
    }
}
