//! The indexing pipeline: walk, hash, chunk, embed and store, incrementally.
//!
//! Reader threads (one per core) read and chunk files in parallel, a little ahead of the
//! caller's thread, which embeds them in groups and writes them to the index in walk
//! order. Only new or changed files (by blake3 hash) are chunked, and only chunks whose
//! vector key is not in the index yet are embedded. The index commits every few thousand
//! files or half a minute, so an interrupted run keeps most of its work and the next run
//! completes the rest.

use crate::chunk::stream::StreamChunker;
use crate::chunk::{chunk_file, ChunkLimits};
use crate::lang::Lang;
use crate::walk::{
    read_file, walk, LargeFile, ReadOutcome, SkipReason, Walk, WalkOptions, WalkedFile,
};
use ctx_engine::embed::Embedder;
use ctx_engine::index::vector_key;
use ctx_engine::store::FileRecord;
use ctx_engine::{Chunk, Index, Result};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{mpsc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Files read and chunked ahead of the writer, at most: bounds memory while the writer
/// embeds, and is deep enough to keep every core busy while it does not.
const READ_AHEAD: usize = 64;
/// Bytes of source read ahead of the writer's next file, at most (a file bigger than this
/// is read alone): many big files in a row cannot fill memory.
const READ_AHEAD_BYTES: u64 = 64 << 20;
/// Chunks gathered before they are embedded together: enough to sort them by length into
/// full model runs that pad little.
const EMBED_GROUP_CHUNKS: usize = 256;
/// Files re-embedded together when backfilling vectors.
const BACKFILL_FILES: usize = 256;
/// Texts per embedding call.
const EMBED_BATCH: usize = 64;
/// Files staged between durable commits.
const COMMIT_EVERY_FILES: usize = 2048;
/// Longest time between durable commits while files are being staged (embedding is slow:
/// a killed run keeps what was committed).
const COMMIT_INTERVAL: Duration = Duration::from_secs(30);

/// Options of an index run.
#[derive(Debug, Clone, Default)]
pub struct IndexOptions {
    /// What the walk skips.
    pub walk: WalkOptions,
    /// Chunk size limits.
    pub limits: ChunkLimits,
}

impl IndexOptions {
    /// These options, with the size limit raised to the one the index's last complete run
    /// recorded ([`ctx_engine::store::IndexMeta::max_file_size`]) when that is higher: a
    /// file indexed with `ctx index --max-file-size N` is then walked, checked and
    /// refreshed by freshness checks and watcher updates instead of looking deleted.
    pub fn with_recorded_limit(&self, meta: &ctx_engine::store::IndexMeta) -> IndexOptions {
        let mut options = self.clone();
        if let Some(recorded) = meta.max_file_size {
            options.walk.max_file_size = options.walk.max_file_size.max(recorded);
        }
        options
    }
}

/// Receives progress of an index run.
pub trait Progress: Sync {
    /// The run will look at `files` files.
    fn start(&self, files: u64);
    /// One more file was looked at.
    fn advance(&self, path: &str);
    /// A phase begins (`walking`, `embedding`, `committing`...).
    fn phase(&self, name: &str);
    /// The writer has dealt with `files` files in all: stored (embedded first when there
    /// is a model), or found unchanged, or skipped.
    fn written(&self, _files: u64) {}
    /// `chunks` more chunks were embedded.
    fn embedded(&self, _chunks: u64) {}
    /// The first `files` files the writer dealt with are committed: an interrupted run
    /// keeps them.
    fn committed(&self, _files: u64) {}
}

/// A [`Progress`] that reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _files: u64) {}
    fn advance(&self, _path: &str) {}
    fn phase(&self, _name: &str) {}
}

/// What an index run did.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
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
    /// Chunks of indexed files left to lexical search by design (tests, fixtures, data
    /// files...; see [`crate::embed::wants_vector`]): no vector, BM25 still finds them.
    pub lexical_only: u64,
    /// Vectors dropped because no chunk uses them any more.
    pub vectors_removed: u64,
    /// The embedding model, if one was used.
    pub model: Option<String>,
    /// Problems met (unreadable files...), one line each; the run went on.
    pub problems: Vec<String>,
    /// What opening the index repaired (a damaged part rebuilt), one line each.
    #[serde(default)]
    pub repairs: Vec<String>,
    /// Wall time of the run in milliseconds.
    pub elapsed_ms: u64,
    /// Time spent embedding, in milliseconds.
    pub embed_ms: u64,
    /// Files whose vectors are computed after the run, in the background (by the `ctx
    /// serve` daemon, which indexes lexically first; see [`files_missing_vectors`]); 0
    /// when the run embedded everything itself.
    #[serde(default)]
    pub vectors_pending: u64,
    /// Paths that changed (new, changed or deleted) in this run.
    #[serde(skip)]
    pub changed_paths: Vec<String>,
}

impl IndexSummary {
    /// Counts the walk's skipped files by reason and notes its problems.
    fn record_walk(&mut self, walk: &Walk) {
        for (reason, count) in &walk.skipped {
            *self.skipped.entry(reason.as_str().to_string()).or_default() += count;
        }
        for (path, problem) in &walk.problems {
            self.problems.push(format!("{path}: {problem}"));
        }
    }
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
    /// A changed file too big to hold all its chunks: chunked by the writer as it is
    /// stored (see [`Writer::write_large`]), one group of chunks alive at a time.
    Large(LargeChange),
    Skipped(SkipReason, Option<String>),
}

/// A changed file over [`crate::walk::STREAM_ABOVE`], open, after its hash was checked.
struct LargeChange {
    large: LargeFile,
    mtime_ns: u128,
    /// Its size when walked: about the bytes its chunks take.
    size: u64,
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
    warm_up_token_counter();
    let mut summary = IndexSummary {
        repairs: index.take_repairs(),
        ..IndexSummary::default()
    };
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
    progress.phase("walking");
    let walk = walk(root, &options.walk);
    summary.record_walk(&walk);
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
        backfill_vectors(index, &known, &changed, embedder, progress, &mut summary)?;
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
    index.mark_indexed(unix_now(), options.walk.max_file_size)?;
    summary.changed_paths.sort();
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

/// Re-indexes only `paths` (relative to `root`, `/`-separated; a directory stands for every
/// file under it): what a file watcher calls after a save, instead of a whole incremental
/// run. Each path gets the treatment [`index_repository`] would give it: indexed when it is
/// new or changed and the walk would return it (same ignore rules and limits), deleted
/// from the index when it is gone or now excluded. Files are read and written as in a whole
/// run (a file over 1 MiB chunked as it is stored, a group of chunks at a time); commits
/// when something changed (and, for a big batch, every few thousand files or half a
/// minute, as a run does).
///
/// Vectors no chunk uses any more stay until the next [`Index::collect_garbage`] or full
/// run, and the last-indexed time is left alone (this is not a full run). When the
/// embedder's model is not the index's, every vector must be redone: that is a full
/// [`index_repository`] run, which this then performs.
pub fn index_paths(
    index: &mut Index,
    root: &Path,
    paths: &[String],
    options: &IndexOptions,
    embedder: Option<&dyn Embedder>,
) -> Result<IndexSummary> {
    if let Some(embedder) = embedder {
        let model = index.meta().model.as_ref();
        if !model.is_some_and(|m| m.id == embedder.model_id() && m.dim == embedder.dim()) {
            return index_repository(index, root, options, Some(embedder), &NoProgress);
        }
    }
    let started = Instant::now();
    let options = &options.with_recorded_limit(index.meta());
    let mut summary = IndexSummary {
        model: embedder.map(|e| e.model_id().to_string()),
        repairs: index.take_repairs(),
        ..IndexSummary::default()
    };
    let known = known_under(index, paths)?;
    let walk = crate::walk::walk_paths(root, &options.walk, paths);
    summary.record_walk(&walk);
    // The same reading and writing as a whole run: a file over 1 MiB is chunked as it is
    // stored, a group of chunks at a time, never held whole.
    let keep = process_files(
        index,
        &walk.files,
        &known,
        options,
        embedder,
        &NoProgress,
        &mut summary,
    )?;
    for path in known.keys() {
        if !keep.contains(path.as_str()) {
            index.delete_file(path)?;
            summary.deleted += 1;
            summary.changed_paths.push(path.clone());
        }
    }
    if summary.indexed + summary.deleted > 0 {
        index.commit()?;
    }
    summary.changed_paths.sort();
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

/// The index's records of `paths`, and of the files under those that are directories.
fn known_under(index: &Index, paths: &[String]) -> Result<HashMap<String, FileRecord>> {
    let mut known = HashMap::new();
    let mut prefixes = Vec::new();
    for path in paths {
        let path = path.trim_matches('/');
        match index.file(path)? {
            Some(record) => {
                known.insert(record.path.clone(), record);
            }
            None => prefixes.push(format!("{path}/")),
        }
    }
    if !prefixes.is_empty() {
        for record in index.files()? {
            if prefixes.iter().any(|p| record.path.starts_with(p.as_str())) {
                known.insert(record.path.clone(), record);
            }
        }
    }
    Ok(known)
}

/// Reads and chunks changed files on every core and writes them here, in walk order;
/// returns the paths that stay in the index (indexed, unchanged, or unreadable but
/// indexed before).
///
/// Reader threads take files one at a time (so a big file does not hold up the others)
/// and stay at most [`READ_AHEAD`] files and [`READ_AHEAD_BYTES`] ahead of the writer,
/// which bounds memory while the writer embeds. Writing in walk order keeps document order, and so search results among
/// equal scores, the same from run to run.
fn process_files(
    index: &mut Index,
    files: &[WalkedFile],
    known: &HashMap<String, FileRecord>,
    options: &IndexOptions,
    embedder: Option<&dyn Embedder>,
    progress: &dyn Progress,
    summary: &mut IndexSummary,
) -> Result<HashSet<String>> {
    let mut writer = Writer::new(index, known, embedder, &options.limits, progress, summary);
    let window = Window::default();
    std::thread::scope(|scope| -> Result<()> {
        let _close = CloseOnDrop(&window);
        let (sender, receiver) = mpsc::channel::<(usize, Outcome)>();
        let window = &window;
        scope.spawn(move || read_ahead(files, known, options, progress, window, sender));
        let mut parked: HashMap<usize, Outcome> = HashMap::new();
        let mut taken = 0;
        for (number, outcome) in receiver {
            parked.insert(number, outcome);
            while let Some(outcome) = parked.remove(&taken) {
                writer.add(&files[taken].rel_path, outcome)?;
                taken += 1;
                window.advance(taken, files[taken - 1].size);
            }
        }
        writer.finish()
    })?;
    Ok(writer.keep)
}

/// Reads and chunks `files` on one thread per core and sends each outcome with the file's
/// number; see [`process_files`].
///
/// These are plain threads, not the rayon pool's: they wait for the writer, and the
/// writer's embedder runs its tokenizer on the rayon pool, so pool threads waiting here
/// would deadlock it.
fn read_ahead(
    files: &[WalkedFile],
    known: &HashMap<String, FileRecord>,
    options: &IndexOptions,
    progress: &dyn Progress,
    window: &Window,
    sender: mpsc::Sender<(usize, Outcome)>,
) {
    let readers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..readers {
            let sender = sender.clone();
            scope.spawn(move || {
                while let Some(number) = window.claim(files) {
                    let file = &files[number];
                    let outcome = read_and_chunk(file, known.get(&file.rel_path), options);
                    progress.advance(&file.rel_path);
                    if sender.send((number, outcome)).is_err() {
                        return;
                    }
                }
            });
        }
    });
}

/// Hands out file numbers in order, at most [`READ_AHEAD`] files and [`READ_AHEAD_BYTES`]
/// past the first file the writer has not taken yet.
#[derive(Default)]
struct Window {
    state: Mutex<WindowState>,
    moved: Condvar,
}

#[derive(Default)]
struct WindowState {
    /// The next file number to hand out.
    next: usize,
    /// Files the writer has taken.
    taken: usize,
    /// Bytes of the files handed out and not taken yet.
    ahead_bytes: u64,
    /// The writer stopped: hand out nothing more.
    closed: bool,
}

impl WindowState {
    /// True when a file of `size` bytes may be read now: it is the writer's next file, or
    /// it stays within [`READ_AHEAD`] files and [`READ_AHEAD_BYTES`] of it.
    fn has_room(&self, size: u64) -> bool {
        self.next == self.taken
            || (self.next < self.taken + READ_AHEAD
                && self.ahead_bytes.saturating_add(size) <= READ_AHEAD_BYTES)
    }
}

impl Window {
    /// The next file number to read, waiting while the readers are too far ahead; `None`
    /// when all `files` are handed out or the writer stopped.
    fn claim(&self, files: &[WalkedFile]) -> Option<usize> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if state.closed || state.next >= files.len() {
                return None;
            }
            let size = files[state.next].size;
            if state.has_room(size) {
                state.next += 1;
                state.ahead_bytes += size;
                return Some(state.next - 1);
            }
            state = self
                .moved
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The writer has taken `taken` files, the last of `size` bytes.
    fn advance(&self, taken: usize, size: u64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.taken = taken;
        state.ahead_bytes = state.ahead_bytes.saturating_sub(size);
        drop(state);
        self.moved.notify_all();
    }

    fn close(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closed = true;
        self.moved.notify_all();
    }
}

/// Closes a [`Window`] when the writer stops, even on an error, so no reader waits forever.
struct CloseOnDrop<'a>(&'a Window);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Writes outcomes to the index in order: changed files are gathered into groups of about
/// [`EMBED_GROUP_CHUNKS`] chunks when embedding (one file at a time otherwise), embedded,
/// staged, and committed every [`COMMIT_EVERY_FILES`] files or [`COMMIT_INTERVAL`].
struct Writer<'a> {
    index: &'a mut Index,
    known: &'a HashMap<String, FileRecord>,
    embedder: Option<&'a dyn Embedder>,
    limits: &'a ChunkLimits,
    progress: &'a dyn Progress,
    summary: &'a mut IndexSummary,
    keep: HashSet<String>,
    /// Files dealt with so far (see [`Progress::written`]).
    done: u64,
    group: Vec<Chunked>,
    group_chunks: usize,
    staged: usize,
    last_commit: Instant,
}

impl<'a> Writer<'a> {
    fn new(
        index: &'a mut Index,
        known: &'a HashMap<String, FileRecord>,
        embedder: Option<&'a dyn Embedder>,
        limits: &'a ChunkLimits,
        progress: &'a dyn Progress,
        summary: &'a mut IndexSummary,
    ) -> Writer<'a> {
        Writer {
            index,
            known,
            embedder,
            limits,
            progress,
            summary,
            keep: HashSet::new(),
            done: 0,
            group: Vec::new(),
            group_chunks: 0,
            staged: 0,
            last_commit: Instant::now(),
        }
    }

    /// Takes the outcome of the next file.
    fn add(&mut self, path: &str, outcome: Outcome) -> Result<()> {
        match outcome {
            Outcome::Unchanged => {
                self.summary.unchanged += 1;
                self.keep.insert(path.to_string());
                self.done += 1;
            }
            Outcome::Changed(chunked) => {
                self.group_chunks += chunked.chunks.len();
                self.group.push(chunked);
            }
            Outcome::Large(change) => {
                // In walk order: what is gathered goes first.
                self.write_group()?;
                return self.write_large(path, change);
            }
            Outcome::Skipped(reason, message) => {
                self.skipped(path, reason, message, true);
                self.done += 1;
            }
        }
        if self.embedder.is_none() || self.group_chunks >= EMBED_GROUP_CHUNKS {
            self.write_group()?;
        } else if self.group.is_empty() {
            self.progress.written(self.done);
        }
        Ok(())
    }

    /// Counts a skipped file; one skipped with a message (unreadable...) stays in the
    /// index as it was when `keep_known` and the index has it.
    fn skipped(
        &mut self,
        path: &str,
        reason: SkipReason,
        message: Option<String>,
        keep_known: bool,
    ) {
        *self
            .summary
            .skipped
            .entry(reason.as_str().to_string())
            .or_default() += 1;
        if let Some(message) = message {
            self.summary.problems.push(format!("{path}: {message}"));
            if keep_known && self.known.contains_key(path) {
                self.keep.insert(path.to_string());
            }
        }
    }

    /// Chunks, embeds and stages a file too big to hold all its chunks, as it reads it:
    /// at most [`EMBED_GROUP_CHUNKS`] chunks are alive at a time (see
    /// [`Index::stage_file`]). A file that cannot be read to its end (it vanished, or grew
    /// past the limit) is skipped and removed from the index, so the next run indexes it
    /// again.
    fn write_large(&mut self, path: &str, mut change: LargeChange) -> Result<()> {
        self.done += 1;
        let head = match change.large.head() {
            Ok(head) => head,
            Err((reason, message)) => {
                self.skipped(path, reason, message, true);
                self.progress.written(self.done);
                return Ok(());
            }
        };
        let mut chunker = StreamChunker::new(path, &head, self.limits);
        let mut stream = LargeStream {
            // The record holds the text plus each chunk's fields: a quarter more is ample.
            staged: self
                .index
                .stage_file(path, (change.size + change.size / 4) as usize)?,
            group: Vec::new(),
            embedder: self.embedder,
            progress: self.progress,
            summary: &mut *self.summary,
            chunks: 0,
            failed: None,
        };
        let read = change
            .large
            .lines(&mut |line| chunker.push(line, &mut |chunk| stream.take(chunk)));
        let (hash, size) = match read {
            Ok(read) => read,
            Err((reason, message)) => {
                stream.staged.abandon()?;
                self.skipped(path, reason, message, false);
                self.progress.written(self.done);
                return Ok(());
            }
        };
        let language = chunker.language().to_string();
        chunker.finish(&mut |chunk| stream.take(chunk));
        if let Some(failed) = stream.failed.take() {
            return Err(failed);
        }
        stream.flush()?;
        let chunks = stream.chunks;
        stream.staged.finish(FileRecord {
            path: path.to_string(),
            hash,
            size,
            mtime_ns: change.mtime_ns,
            language,
            chunks: 0,
            tokens: 0,
            vector_keys: Vec::new(),
        })?;
        self.summary.indexed += 1;
        self.summary.chunks += chunks;
        self.summary.changed_paths.push(path.to_string());
        self.keep.insert(path.to_string());
        self.staged += 1;
        self.after_staging()
    }

    /// Embeds and stages the gathered files; commits when one is due.
    fn write_group(&mut self) -> Result<()> {
        if let Some(embedder) = self.embedder {
            embed_missing(
                self.index,
                &self.group,
                embedder,
                self.progress,
                self.summary,
            )?;
        }
        self.done += self.group.len() as u64;
        for chunked in self.group.drain(..) {
            self.summary.indexed += 1;
            self.summary.chunks += chunked.chunks.len() as u64;
            self.summary.changed_paths.push(chunked.record.path.clone());
            self.keep.insert(chunked.record.path.clone());
            self.index.put_file(chunked.record, chunked.chunks)?;
            self.staged += 1;
        }
        self.group_chunks = 0;
        self.after_staging()
    }

    /// Reports progress, and commits when a commit is due.
    fn after_staging(&mut self) -> Result<()> {
        let due = self.staged >= COMMIT_EVERY_FILES
            || (self.staged > 0 && self.last_commit.elapsed() >= COMMIT_INTERVAL);
        self.progress.written(self.done);
        if due {
            self.index.commit()?;
            self.staged = 0;
            self.last_commit = Instant::now();
            self.progress.committed(self.done);
        }
        Ok(())
    }

    /// Writes what is still gathered.
    fn finish(&mut self) -> Result<()> {
        self.write_group()
    }
}

/// The chunks of a large file on their way into the index: gathered into groups of
/// [`EMBED_GROUP_CHUNKS`], embedded, staged and dropped (see [`Writer::write_large`]).
struct LargeStream<'s, 'i> {
    staged: ctx_engine::index::StagedFile<'i>,
    group: Vec<Chunk>,
    embedder: Option<&'s dyn Embedder>,
    progress: &'s dyn Progress,
    summary: &'s mut IndexSummary,
    /// Chunks staged.
    chunks: u64,
    /// The first error, after which chunks are dropped unread.
    failed: Option<ctx_engine::Error>,
}

impl LargeStream<'_, '_> {
    /// Takes the next chunk; stages the group when it is full.
    fn take(&mut self, chunk: Chunk) {
        if self.failed.is_some() {
            return;
        }
        self.group.push(chunk);
        if self.group.len() >= EMBED_GROUP_CHUNKS {
            if let Err(e) = self.flush() {
                self.failed = Some(e);
            }
        }
    }

    /// Embeds the group's missing vectors, then stages and drops its chunks.
    fn flush(&mut self) -> Result<()> {
        if let Some(embedder) = self.embedder {
            embed_chunks(
                self.staged.index(),
                self.group.iter(),
                embedder,
                self.progress,
                self.summary,
            )?;
        }
        for chunk in self.group.drain(..) {
            self.staged.add(&chunk)?;
            self.chunks += 1;
        }
        Ok(())
    }
}

fn read_and_chunk(
    file: &WalkedFile,
    known: Option<&FileRecord>,
    options: &IndexOptions,
) -> Outcome {
    let bytes = match read_file(file, options.walk.max_file_size) {
        ReadOutcome::Text(bytes) => bytes,
        ReadOutcome::Large(large) => return check_large(file, large, known),
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
    changed(file, hash, bytes.len() as u64, language, chunks)
}

/// [`read_and_chunk`] for a file too big to hold whole: hashed in pieces (an unchanged
/// file costs one buffer); a changed one comes back open, to be chunked by the writer as
/// it is stored.
fn check_large(file: &WalkedFile, mut large: LargeFile, known: Option<&FileRecord>) -> Outcome {
    match large.hash() {
        Ok(hash) if known.is_some_and(|k| k.hash == hash) => Outcome::Unchanged,
        Ok(_) => Outcome::Large(LargeChange {
            large,
            mtime_ns: file.mtime_ns,
            size: file.size,
        }),
        Err((reason, message)) => Outcome::Skipped(reason, message),
    }
}

fn changed(
    file: &WalkedFile,
    hash: String,
    size: u64,
    language: String,
    chunks: Vec<Chunk>,
) -> Outcome {
    Outcome::Changed(Chunked {
        record: FileRecord {
            path: file.rel_path.clone(),
            hash,
            size,
            mtime_ns: file.mtime_ns,
            language,
            chunks: 0,
            tokens: 0,
            vector_keys: Vec::new(),
        },
        chunks,
    })
}

/// Embeds the chunks of unchanged files whose vectors are missing: after a model change,
/// or when the model was installed after a lexical-only index.
fn backfill_vectors(
    index: &mut Index,
    known: &HashMap<String, FileRecord>,
    changed: &[String],
    embedder: &dyn Embedder,
    progress: &dyn Progress,
    summary: &mut IndexSummary,
) -> Result<()> {
    let changed: HashSet<&str> = changed.iter().map(String::as_str).collect();
    let mut pending = Vec::new();
    for (path, record) in known {
        if changed.contains(path.as_str()) {
            continue;
        }
        if let Some(chunks) = chunks_missing_vectors(index, record)? {
            pending.push(Chunked {
                record: record.clone(),
                chunks,
            });
        }
    }
    if pending.is_empty() {
        return Ok(());
    }
    pending.sort_by(|a, b| a.record.path.cmp(&b.record.path));
    // Reuse and lexical-only counts are about the files indexed in this run.
    let (reused_before, lexical_before) = (summary.reused_embeddings, summary.lexical_only);
    for group in pending.chunks(BACKFILL_FILES) {
        embed_missing(index, group, embedder, progress, summary)?;
        index.commit()?;
    }
    summary.reused_embeddings = reused_before;
    summary.lexical_only = lexical_before;
    Ok(())
}

/// The chunks of the file `record` describes when one of them wants a vector the index
/// lacks (see [`crate::embed::wants_vector`]); `None` when none does, which is decided
/// from the record's vector keys alone when they are all present.
fn chunks_missing_vectors(index: &Index, record: &FileRecord) -> Result<Option<Vec<Chunk>>> {
    if !crate::embed::path_wants_vectors(&record.path) {
        return Ok(None);
    }
    let mut missing = false;
    for key in &record.vector_keys {
        if !index.has_vector(*key)? {
            missing = true;
            break;
        }
    }
    if !missing {
        return Ok(None);
    }
    // Some chunks have no vector: worth a run only when one of them wants one (test
    // functions inside a source file never get one).
    let chunks = index.file_chunks(&record.path)?;
    for chunk in chunks.iter().filter(|c| crate::embed::wants_vector(c)) {
        if !index.has_vector(vector_key(chunk))? {
            return Ok(Some(chunks));
        }
    }
    Ok(None)
}

/// The indexed files (paths, in order) with a chunk that wants a vector the index does not
/// hold: what [`embed_files`] completes. Empty when the index has no model.
///
/// With [`index_repository`] given no embedder on an index whose model is set
/// ([`Index::use_model`]), this is the embedding work a run left for later: the daemon
/// (`ctx serve`) indexes lexically first, so that search answers at once, and embeds these
/// files in the background, a few at a time.
pub fn files_missing_vectors(index: &Index) -> Result<Vec<String>> {
    if index.meta().model.is_none() {
        return Ok(Vec::new());
    }
    let mut paths = Vec::new();
    for record in index.files()? {
        if chunks_missing_vectors(index, &record)?.is_some() {
            paths.push(record.path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// Embeds the chunks of `paths` that want a vector the index does not hold yet (files no
/// longer indexed, or complete by now, are skipped) and commits when it embedded any;
/// how many chunks it embedded.
pub fn embed_files(index: &mut Index, paths: &[String], embedder: &dyn Embedder) -> Result<u64> {
    let mut pending = Vec::new();
    for path in paths {
        let Some(record) = index.file(path)? else {
            continue;
        };
        if let Some(chunks) = chunks_missing_vectors(index, &record)? {
            pending.push(Chunked { record, chunks });
        }
    }
    let mut summary = IndexSummary::default();
    embed_missing(index, &pending, embedder, &NoProgress, &mut summary)?;
    if summary.embedded > 0 {
        index.commit()?;
    }
    Ok(summary.embedded)
}

/// Embeds the chunks whose vector key the index does not hold yet.
fn embed_missing(
    index: &mut Index,
    changed: &[Chunked],
    embedder: &dyn Embedder,
    progress: &dyn Progress,
    summary: &mut IndexSummary,
) -> Result<()> {
    let chunks = changed.iter().flat_map(|c| &c.chunks);
    embed_chunks(index, chunks, embedder, progress, summary)
}

/// Embeds those of `chunks` whose vector key the index does not hold yet.
fn embed_chunks<'c>(
    index: &mut Index,
    chunks: impl Iterator<Item = &'c Chunk>,
    embedder: &dyn Embedder,
    progress: &dyn Progress,
    summary: &mut IndexSummary,
) -> Result<()> {
    // The chunks to embed, by key and text length: texts are built per model run, so a
    // huge file's chunks are not copied all at once.
    let mut wanted: Vec<(u64, usize, &Chunk)> = Vec::new();
    let mut seen = HashSet::new();
    for chunk in chunks {
        if !crate::embed::wants_vector(chunk) {
            summary.lexical_only += 1;
            continue;
        }
        let key = vector_key(chunk);
        if !seen.insert(key) || index.has_vector(key)? {
            summary.reused_embeddings += 1;
            continue;
        }
        wanted.push((key, chunk.embed_text().len(), chunk));
    }
    // Similar lengths in one model run pad little: sort by length before grouping.
    wanted.sort_by_key(|(_, len, _)| *len);
    let started = Instant::now();
    for group in wanted.chunks(EMBED_BATCH) {
        let texts: Vec<String> = group.iter().map(|(_, _, c)| c.embed_text()).collect();
        let vectors = embedder.embed_documents(&texts)?;
        for ((key, _, _), vector) in group.iter().zip(vectors) {
            index.add_vector(*key, &vector)?;
        }
        summary.embedded += group.len() as u64;
        progress.embedded(group.len() as u64);
    }
    summary.embed_ms += started.elapsed().as_millis() as u64;
    Ok(())
}

/// Loads the token counter's tables on a thread of their own, while the index is opened,
/// the tree walked and the files hashed, instead of on the first reader that chunks a file
/// (where the other readers would wait for it). A run with nothing to chunk wastes this
/// on a spare core.
fn warm_up_token_counter() {
    std::thread::spawn(|| crate::chunk::count_tokens(""));
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::HashEmbedder;
    use rayon::iter::{IntoParallelRefIterator, ParallelIterator};

    /// An embedder that works on the rayon pool, as fastembed's tokenizer does.
    struct PoolEmbedder(HashEmbedder);

    impl Embedder for PoolEmbedder {
        fn model_id(&self) -> &str {
            self.0.model_id()
        }

        fn dim(&self) -> usize {
            self.0.dim()
        }

        fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
            texts
                .par_iter()
                .map(|text| Ok(self.0.embed(std::slice::from_ref(text))?.remove(0)))
                .collect()
        }
    }

    #[test]
    fn a_lexical_run_leaves_the_embedding_to_embed_files_which_completes_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::create_dir_all(dir.path().join("tests")).unwrap();
        for i in 0..5 {
            std::fs::write(
                dir.path().join(format!("src/m{i}.rs")),
                format!("/// Opens store {i}.\nfn open_{i}() {{}}\n\nfn close_{i}() {{}}\n\n#[cfg(test)]\nmod tests {{\n    fn test_open_{i}() {{}}\n}}\n"),
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("tests/it.rs"), "fn it_works() {}\n").unwrap();
        let embedder = HashEmbedder::new(16);
        let options = IndexOptions::default();
        // What a run with the embedder stores ...
        let mut direct = Index::in_memory().unwrap();
        let summary = index_repository(
            &mut direct,
            dir.path(),
            &options,
            Some(&embedder),
            &NoProgress,
        )
        .unwrap();
        assert!(summary.embedded > 0 && summary.lexical_only > 0);
        assert!(files_missing_vectors(&direct).unwrap().is_empty());
        // ... a lexical run on an index with the model set leaves to embed_files.
        let mut index = Index::in_memory().unwrap();
        assert!(
            files_missing_vectors(&index).unwrap().is_empty(),
            "no model"
        );
        index.use_model(&embedder).unwrap();
        let lexical =
            index_repository(&mut index, dir.path(), &options, None, &NoProgress).unwrap();
        assert_eq!(lexical.embedded, 0);
        let missing = files_missing_vectors(&index).unwrap();
        let sources: Vec<String> = (0..5).map(|i| format!("src/m{i}.rs")).collect();
        assert_eq!(
            missing, sources,
            "test files and test functions want no vector"
        );
        let mut embedded = embed_files(&mut index, &missing[..2], &embedder).unwrap();
        assert_eq!(
            files_missing_vectors(&index).unwrap(),
            sources[2..].to_vec()
        );
        // A path no longer indexed, or already complete, is skipped.
        let again = [missing[0].clone(), "src/gone.rs".to_string()];
        assert_eq!(embed_files(&mut index, &again, &embedder).unwrap(), 0);
        embedded += embed_files(&mut index, &missing[2..], &embedder).unwrap();
        assert_eq!(embedded, summary.embedded);
        assert!(files_missing_vectors(&index).unwrap().is_empty());
        // The next run with the embedder finds nothing to embed.
        let next = index_repository(
            &mut index,
            dir.path(),
            &options,
            Some(&embedder),
            &NoProgress,
        )
        .unwrap();
        assert_eq!(next.embedded, 0);
    }

    #[test]
    fn a_file_over_the_stream_limit_is_indexed_chunk_by_chunk_and_then_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let line = "let value = compute(alpha, beta, gamma) + offset;\n";
        let text = line.repeat(crate::walk::STREAM_ABOVE as usize / line.len() + 100);
        std::fs::write(dir.path().join("huge.rs"), &text).unwrap();
        std::fs::write(dir.path().join("small.rs"), "fn small() {}\n").unwrap();
        let mut options = IndexOptions::default();
        options.walk.max_file_size = 1 << 30;
        let mut index = Index::in_memory().unwrap();
        let first = index_repository(&mut index, dir.path(), &options, None, &NoProgress).unwrap();
        assert_eq!((first.indexed, first.unchanged), (2, 0));
        let record = index.file("huge.rs").unwrap().unwrap();
        assert_eq!(
            record.hash,
            blake3::hash(text.as_bytes()).to_hex().to_string()
        );
        assert_eq!(
            (record.size, record.language.as_str()),
            (text.len() as u64, "rust")
        );
        let chunks = index.file_chunks("huge.rs").unwrap();
        assert_eq!(chunks.len() as u32, record.chunks);
        assert!(chunks.len() > 100);
        assert_eq!(
            chunks.iter().map(|c| c.text.as_str()).collect::<String>(),
            text
        );
        assert_eq!(
            record.tokens,
            chunks.iter().map(|c| u64::from(c.tokens)).sum::<u64>()
        );
        let second = index_repository(&mut index, dir.path(), &options, None, &NoProgress).unwrap();
        assert_eq!((second.indexed, second.unchanged), (0, 2));
        std::fs::write(
            dir.path().join("huge.rs"),
            format!("{text}fn changed() {{}}\n"),
        )
        .unwrap();
        let third = index_repository(&mut index, dir.path(), &options, None, &NoProgress).unwrap();
        assert_eq!((third.indexed, third.unchanged), (1, 1));
    }

    #[test]
    fn a_large_file_staged_as_it_is_read_is_stored_as_when_chunked_whole() {
        // Both a whole run and index_paths (the daemon's watcher batches) chunk a large file
        // on the writer's side, a group at a time; compared with a run, index_paths must
        // store the same thing, vectors too (index_paths used to chunk it whole).
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::new();
        for i in 0..40_000 {
            text.push_str(&format!("fn item_{i}() {{ step({i}); }}\n"));
            if i % 7 == 0 {
                text.push('\n');
            }
        }
        assert!(text.len() as u64 > crate::walk::STREAM_ABOVE);
        std::fs::write(dir.path().join("huge.rs"), &text).unwrap();
        let mut options = IndexOptions::default();
        options.walk.max_file_size = 1 << 30;
        let embedder = HashEmbedder::new(16);
        let mut streamed = Index::in_memory().unwrap();
        let summary = index_repository(
            &mut streamed,
            dir.path(),
            &options,
            Some(&embedder),
            &NoProgress,
        )
        .unwrap();
        let mut whole = Index::in_memory().unwrap();
        whole.use_model(&embedder).unwrap();
        let paths = ["huge.rs".to_string()];
        index_paths(&mut whole, dir.path(), &paths, &options, Some(&embedder)).unwrap();
        let chunks = streamed.file_chunks("huge.rs").unwrap();
        assert!(chunks.len() > 2 * EMBED_GROUP_CHUNKS, "{}", chunks.len());
        assert_eq!(chunks, whole.file_chunks("huge.rs").unwrap());
        let (a, b) = (
            streamed.file("huge.rs").unwrap().unwrap(),
            whole.file("huge.rs").unwrap().unwrap(),
        );
        assert_eq!(
            (a.hash, a.size, a.chunks, a.tokens),
            (b.hash, b.size, b.chunks, b.tokens)
        );
        assert_eq!(a.vector_keys, b.vector_keys);
        assert_eq!(summary.chunks, chunks.len() as u64);
        assert_eq!(
            summary.embedded + summary.reused_embeddings + summary.lexical_only,
            chunks.len() as u64
        );
        for key in &a.vector_keys {
            assert_eq!(
                streamed.has_vector(*key).unwrap(),
                whole.has_vector(*key).unwrap()
            );
        }
        let request = ctx_engine::search::SearchRequest {
            query: "item_39999".to_string(),
            mode: ctx_engine::search::SearchMode::Lexical,
            k: 1,
        };
        let hit = &streamed.search(&request, None).unwrap()[0];
        let found = &chunks[hit.ordinal as usize];
        assert!(found.text.contains("item_39999"), "{found:?}");
    }

    /// An embedder that keeps the texts of each call.
    struct RecordingEmbedder {
        inner: HashEmbedder,
        calls: Mutex<Vec<Vec<String>>>,
    }

    impl Embedder for RecordingEmbedder {
        fn model_id(&self) -> &str {
            self.inner.model_id()
        }

        fn dim(&self) -> usize {
            self.inner.dim()
        }

        fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
            self.calls.lock().unwrap().push(texts.to_vec());
            self.inner.embed(texts)
        }
    }

    #[test]
    fn index_paths_embeds_a_large_file_a_group_at_a_time_as_it_reads_it() {
        // The daemon's watcher batches go through index_paths. A large file there used to be
        // chunked whole, all its chunks held, then embedded shortest first across the whole
        // file. Read chunk by chunk, the first embedding call holds only chunks of the
        // file's first group. The file: long lines first, short ones after, so that the
        // shortest chunks are at its end.
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::new();
        let long = "alpha beta gamma delta epsilon zeta eta theta iota kappa ".repeat(3);
        for i in 0..3_000 {
            text.push_str(&format!("early_{i} {long}\n"));
        }
        for i in 0..60_000 {
            text.push_str(&format!("late_{i}\n"));
        }
        assert!(text.len() as u64 > crate::walk::STREAM_ABOVE);
        std::fs::write(dir.path().join("huge.rs"), &text).unwrap();
        let mut options = IndexOptions::default();
        options.walk.max_file_size = 1 << 30;
        options.limits.max_lines = 4;
        let embedder = RecordingEmbedder {
            inner: HashEmbedder::new(16),
            calls: Mutex::new(Vec::new()),
        };
        let mut index = Index::in_memory().unwrap();
        index.use_model(&embedder).unwrap();
        let paths = ["huge.rs".to_string()];
        let summary =
            index_paths(&mut index, dir.path(), &paths, &options, Some(&embedder)).unwrap();
        assert_eq!(summary.indexed, 1);
        let calls = embedder.calls.lock().unwrap();
        let first_group = EMBED_GROUP_CHUNKS * 4; // lines in the first group
        let line_of = |text: &str| -> usize {
            // The embedding text is the path, a line break, then the chunk's lines.
            let body = text.split_once('\n').map_or(text, |(_, body)| body);
            let word = body.split_whitespace().next().unwrap();
            match word.split_once('_') {
                Some(("early", n)) => n.parse().unwrap(),
                Some(("late", n)) => 3_000 + n.parse::<usize>().unwrap(),
                _ => panic!("{word}"),
            }
        };
        for text in &calls[0] {
            assert!(line_of(text) < first_group, "first call embeds {text:?}");
        }
        // Every chunk was embedded once, and the index holds the file as a run stores it.
        let chunks = index.file_chunks("huge.rs").unwrap();
        assert_eq!(calls.iter().map(Vec::len).sum::<usize>(), chunks.len());
        let mut run = Index::in_memory().unwrap();
        index_repository(
            &mut run,
            dir.path(),
            &options,
            Some(&embedder.inner),
            &NoProgress,
        )
        .unwrap();
        assert_eq!(chunks, run.file_chunks("huge.rs").unwrap());
    }

    #[test]
    fn readers_stay_within_the_files_and_bytes_ahead() {
        let mb = 1 << 20;
        let state = |next, taken, ahead_bytes| WindowState {
            next,
            taken,
            ahead_bytes,
            closed: false,
        };
        assert!(
            state(0, 0, 0).has_room(100 * mb),
            "the next file, whatever its size"
        );
        assert!(state(5, 5, 0).has_room(100 * mb));
        assert!(
            !state(1, 0, 40 * mb).has_room(40 * mb),
            "over the bytes ahead"
        );
        assert!(state(1, 0, 40 * mb).has_room(mb));
        assert!(!state(READ_AHEAD, 0, 0).has_room(1), "over the files ahead");
        assert!(state(READ_AHEAD, 1, 0).has_room(1));
    }

    #[test]
    fn an_embedder_on_the_rayon_pool_does_not_deadlock_the_readers() {
        let dir = tempfile::tempdir().unwrap();
        let files = EMBED_GROUP_CHUNKS + 4 * READ_AHEAD;
        for i in 0..files {
            let path = dir.path().join(format!("f{i:04}.rs"));
            std::fs::write(path, format!("fn f{i}() {{}}\n")).unwrap();
        }
        let (done, finished) = mpsc::channel();
        let root = dir.path().to_path_buf();
        std::thread::spawn(move || {
            let mut index = Index::in_memory().unwrap();
            let embedder = PoolEmbedder(HashEmbedder::new(16));
            let options = IndexOptions::default();
            let summary =
                index_repository(&mut index, &root, &options, Some(&embedder), &NoProgress);
            let chunks = index.all_chunks().map(|c| c.len());
            done.send((summary.map(|s| (s.indexed, s.embedded)), chunks))
                .unwrap();
        });
        let (summary, chunks) = finished
            .recv_timeout(Duration::from_secs(120))
            .expect("indexing hung: readers blocked the rayon pool the embedder needs");
        assert_eq!(summary.unwrap(), (files as u64, files as u64));
        assert_eq!(chunks.unwrap(), files);
    }
}
