//! The indexing pipeline: walk, hash, chunk, embed and store, incrementally.
//!
//! A producer thread reads and chunks changed files in parallel (rayon), batch by batch,
//! while the caller's thread embeds the previous batch and writes it to the index. Only
//! new or changed files (by blake3 hash) are chunked, and only chunks whose vector key is
//! not in the index yet are embedded. The index commits every few batches, so an
//! interrupted run keeps most of its work and the next run completes the rest.

use crate::chunk::{chunk_file, ChunkLimits};
use crate::lang::Lang;
use crate::walk::{read_file, walk, ReadOutcome, SkipReason, WalkOptions, WalkedFile};
use ctx_engine::embed::Embedder;
use ctx_engine::index::vector_key;
use ctx_engine::store::FileRecord;
use ctx_engine::{Chunk, Index, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::mpsc;
use std::time::Instant;

/// Files chunked per batch.
const BATCH_FILES: usize = 256;
/// Texts per embedding call.
const EMBED_BATCH: usize = 64;
/// Batches between durable commits.
const COMMIT_EVERY_BATCHES: usize = 8;

/// Options of an index run.
#[derive(Debug, Clone, Default)]
pub struct IndexOptions {
    /// What the walk skips.
    pub walk: WalkOptions,
    /// Chunk size limits.
    pub limits: ChunkLimits,
}

/// Receives progress of an index run.
pub trait Progress: Sync {
    /// The run will look at `files` files.
    fn start(&self, files: u64);
    /// One more file was looked at.
    fn advance(&self, path: &str);
    /// A phase begins (`embedding`, `committing`...).
    fn phase(&self, name: &str);
}

/// A [`Progress`] that reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _files: u64) {}
    fn advance(&self, _path: &str) {}
    fn phase(&self, _name: &str) {}
}

/// What an index run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexSummary {
    /// New or changed files (re)indexed.
    pub indexed: u64,
    /// Files whose hash had not changed.
    pub unchanged: u64,
    /// Files dropped from the index because they are gone (or no longer indexable).
    pub deleted: u64,
    /// Files skipped, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Chunks written for the indexed files.
    pub chunks: u64,
    /// Chunks embedded in this run.
    pub embedded: u64,
    /// Chunks of indexed files whose embedding was reused.
    pub reused_embeddings: u64,
    /// Vectors dropped because no chunk uses them any more.
    pub vectors_removed: u64,
    /// The embedding model, if one was used.
    pub model: Option<String>,
    /// Problems met (unreadable files...), one line each; the run went on.
    pub problems: Vec<String>,
    /// Wall time of the run in milliseconds.
    pub elapsed_ms: u64,
    /// Time spent embedding, in milliseconds.
    pub embed_ms: u64,
    /// Paths that changed (new, changed or deleted) in this run.
    #[serde(skip)]
    pub changed_paths: Vec<String>,
}

/// One changed file, chunked.
struct Chunked {
    record: FileRecord,
    chunks: Vec<Chunk>,
}

/// What reading one candidate gave.
enum Outcome {
    Unchanged,
    Changed(Chunked),
    Skipped(SkipReason, Option<String>),
}

/// Indexes `root` into `index`, incrementally. See the module docs.
pub fn index_repository(
    index: &mut Index,
    root: &Path,
    options: &IndexOptions,
    embedder: Option<&dyn Embedder>,
    progress: &dyn Progress,
) -> Result<IndexSummary> {
    let started = Instant::now();
    let mut summary = IndexSummary::default();
    if let Some(embedder) = embedder {
        summary.model = Some(embedder.model_id().to_string());
        if let Some(previous) = index.use_model(embedder)? {
            summary.problems.push(format!(
                "model changed from '{}' to '{}': re-embedding every chunk",
                previous.id,
                embedder.model_id()
            ));
        }
    }
    let known: HashMap<String, FileRecord> = index
        .files()?
        .into_iter()
        .map(|f| (f.path.clone(), f))
        .collect();
    let walk = walk(root, &options.walk);
    for (reason, count) in &walk.skipped {
        *summary
            .skipped
            .entry(reason.as_str().to_string())
            .or_default() += count;
    }
    for (path, problem) in &walk.problems {
        summary.problems.push(format!("{path}: {problem}"));
    }
    progress.start(walk.files.len() as u64);
    let keep = process_files(
        index,
        &walk.files,
        &known,
        options,
        embedder,
        progress,
        &mut summary,
    )?;
    if let Some(embedder) = embedder {
        progress.phase("embedding");
        let changed = summary.changed_paths.clone();
        backfill_vectors(index, &known, &changed, embedder, &mut summary)?;
    }
    progress.phase("committing");
    for path in known.keys() {
        if !keep.contains(path.as_str()) {
            index.delete_file(path)?;
            summary.deleted += 1;
            summary.changed_paths.push(path.clone());
        }
    }
    summary.vectors_removed = if summary.indexed + summary.deleted > 0 {
        index.collect_garbage()? as u64
    } else {
        0
    };
    index.mark_indexed(unix_now())?;
    summary.changed_paths.sort();
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

/// Chunks changed files on a producer thread and writes them here; returns the paths that
/// stay in the index (indexed, unchanged, or unreadable but indexed before).
fn process_files(
    index: &mut Index,
    files: &[WalkedFile],
    known: &HashMap<String, FileRecord>,
    options: &IndexOptions,
    embedder: Option<&dyn Embedder>,
    progress: &dyn Progress,
    summary: &mut IndexSummary,
) -> Result<HashSet<String>> {
    let mut keep = HashSet::new();
    std::thread::scope(|scope| -> Result<()> {
        let (sender, receiver) = mpsc::sync_channel::<Vec<(String, Outcome)>>(2);
        scope.spawn(move || {
            for batch in files.chunks(BATCH_FILES) {
                let outcomes: Vec<(String, Outcome)> = batch
                    .par_iter()
                    .map(|file| {
                        let outcome = read_and_chunk(file, known.get(&file.rel_path), options);
                        progress.advance(&file.rel_path);
                        (file.rel_path.clone(), outcome)
                    })
                    .collect();
                if sender.send(outcomes).is_err() {
                    return;
                }
            }
        });
        for (n, batch) in receiver.into_iter().enumerate() {
            write_batch(index, batch, known, embedder, summary, &mut keep)?;
            if (n + 1) % COMMIT_EVERY_BATCHES == 0 {
                index.commit()?;
            }
        }
        Ok(())
    })?;
    Ok(keep)
}

fn read_and_chunk(
    file: &WalkedFile,
    known: Option<&FileRecord>,
    options: &IndexOptions,
) -> Outcome {
    let bytes = match read_file(file, options.walk.max_file_size) {
        ReadOutcome::Text(bytes) => bytes,
        ReadOutcome::Skipped(reason, message) => return Outcome::Skipped(reason, message),
    };
    let hash = blake3::hash(&bytes).to_hex().to_string();
    if known.is_some_and(|k| k.hash == hash) {
        return Outcome::Unchanged;
    }
    let chunks = chunk_file(&file.rel_path, &bytes, &options.limits);
    let language = Lang::detect(Path::new(&file.rel_path), &bytes)
        .map(|l| l.name().to_string())
        .or_else(|| chunks.first().map(|c| c.language.clone()))
        .unwrap_or_else(|| "text".to_string());
    Outcome::Changed(Chunked {
        record: FileRecord {
            path: file.rel_path.clone(),
            hash,
            size: bytes.len() as u64,
            mtime_ns: file.mtime_ns,
            language,
            chunks: 0,
            tokens: 0,
            vector_keys: Vec::new(),
        },
        chunks,
    })
}

fn write_batch(
    index: &mut Index,
    batch: Vec<(String, Outcome)>,
    known: &HashMap<String, FileRecord>,
    embedder: Option<&dyn Embedder>,
    summary: &mut IndexSummary,
    keep: &mut HashSet<String>,
) -> Result<()> {
    let mut changed = Vec::new();
    for (path, outcome) in batch {
        match outcome {
            Outcome::Unchanged => {
                summary.unchanged += 1;
                keep.insert(path);
            }
            Outcome::Changed(chunked) => changed.push(chunked),
            Outcome::Skipped(reason, message) => {
                *summary
                    .skipped
                    .entry(reason.as_str().to_string())
                    .or_default() += 1;
                if let Some(message) = message {
                    summary.problems.push(format!("{path}: {message}"));
                    if known.contains_key(&path) {
                        keep.insert(path);
                    }
                }
            }
        }
    }
    if let Some(embedder) = embedder {
        embed_missing(index, &changed, embedder, summary)?;
    }
    for chunked in changed {
        summary.indexed += 1;
        summary.chunks += chunked.chunks.len() as u64;
        summary.changed_paths.push(chunked.record.path.clone());
        keep.insert(chunked.record.path.clone());
        index.put_file(chunked.record, &chunked.chunks)?;
    }
    Ok(())
}

/// Embeds the chunks of unchanged files whose vectors are missing: after a model change,
/// or when the model was installed after a lexical-only index.
fn backfill_vectors(
    index: &mut Index,
    known: &HashMap<String, FileRecord>,
    changed: &[String],
    embedder: &dyn Embedder,
    summary: &mut IndexSummary,
) -> Result<()> {
    let changed: HashSet<&str> = changed.iter().map(String::as_str).collect();
    let mut pending = Vec::new();
    for (path, record) in known {
        if changed.contains(path.as_str()) {
            continue;
        }
        let mut missing = false;
        for key in &record.vector_keys {
            if !index.has_vector(*key)? {
                missing = true;
                break;
            }
        }
        if missing {
            pending.push(Chunked {
                record: record.clone(),
                chunks: index.file_chunks(path)?,
            });
        }
    }
    if pending.is_empty() {
        return Ok(());
    }
    pending.sort_by(|a, b| a.record.path.cmp(&b.record.path));
    let reused_before = summary.reused_embeddings;
    for group in pending.chunks(BATCH_FILES) {
        embed_missing(index, group, embedder, summary)?;
        index.commit()?;
    }
    summary.reused_embeddings = reused_before;
    Ok(())
}

/// Embeds the chunks whose vector key the index does not hold yet.
fn embed_missing(
    index: &mut Index,
    changed: &[Chunked],
    embedder: &dyn Embedder,
    summary: &mut IndexSummary,
) -> Result<()> {
    let mut wanted: Vec<(u64, String)> = Vec::new();
    let mut seen = HashSet::new();
    for chunk in changed.iter().flat_map(|c| &c.chunks) {
        let key = vector_key(chunk);
        if !seen.insert(key) || index.has_vector(key)? {
            summary.reused_embeddings += 1;
            continue;
        }
        wanted.push((key, chunk.search_text()));
    }
    // Similar lengths in one model run pad little: sort by length before grouping.
    wanted.sort_by_key(|(_, text)| text.len());
    let started = Instant::now();
    for group in wanted.chunks(EMBED_BATCH) {
        let texts: Vec<String> = group.iter().map(|(_, text)| text.clone()).collect();
        let vectors = embedder.embed(&texts)?;
        for ((key, _), vector) in group.iter().zip(vectors) {
            index.add_vector(*key, &vector)?;
        }
        summary.embedded += group.len() as u64;
    }
    summary.embed_ms += started.elapsed().as_millis() as u64;
    Ok(())
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
