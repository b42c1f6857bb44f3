//! The index of one repository: records, lexical index and vectors under `ROOT/.ctx/`.
//!
//! The index on disk is a sequence of complete, immutable generations (see
//! [`generation`]): readers ([`Index::open`]) use the published one and never wait; one
//! writer at a time ([`Index::create`], [`Index::rebuild`]) stages changes, and
//! [`Index::commit`] writes them as the next generation, which it publishes atomically:
//! at every commit for an incremental run (a killed run keeps what it committed), at the
//! end of the run for a rebuild (readers keep the old index until the new one is complete).
//!
//! Opening checks the index against its manifest (format version, record, chunk and
//! vector counts, the vector file's size and dimension). A reader reports a damaged part
//! as [`Error::Damaged`], whose message names the part and `ctx index`; a writer repairs
//! it: the lexical index is rebuilt from the records, damaged vectors are dropped and
//! re-embedded, and damaged records start a complete rebuild ([`Index::repairs`] says what
//! was done).

pub mod generation;

use crate::embed::Embedder;
use crate::private_fs;
use crate::search::fuse::{fuse, sort_hits};
use crate::search::lexical::{LexicalHit, LexicalIndex};
use crate::search::vector::{UsearchIndex, VectorIndex};
use crate::search::{Hit, SearchMode, SearchRequest};
use crate::store::records::{self, ModelInfo};
use crate::store::{Area, Batch, FileRecord, IndexMeta, MemStore, SegmentStore, Store};
use crate::{Chunk, Error, Result};
use generation::{Generations, Manifest, ReaderLock, LEXICAL_DIR, RECORDS_DIR, VECTORS_FILE};
use std::collections::{BTreeSet, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Version of the on-disk format this build reads and writes.
pub const FORMAT_VERSION: u32 = 3;
/// Name of the index directory inside a repository.
pub const CTX_DIR: &str = ".ctx";
/// Files in `.ctx/` that belong to the repository (reviewed with the code) and survive a
/// rebuild; everything else there is derived data.
pub const KEPT_FILES: [&str; 3] = ["anchors.toml", "config.toml", "plan.json"];

const LOCK_FILE: &str = "lock";
/// What an index of format version 2 (one sled database, no generations) left in `.ctx/`.
const LEGACY_PARTS: [&str; 3] = ["records", "lexical", "vectors.usearch"];
/// Hits fetched from each retriever before fusion, per hit wanted.
const FUSION_DEPTH: usize = 4;
const MIN_FUSION_CANDIDATES: usize = 50;
/// Attempts of a reader to open the published generation while writers replace it.
const OPEN_ATTEMPTS: usize = 20;

/// The vector key of a chunk: shared by every chunk with the same embedding text, so an
/// unchanged chunk (even moved or copied) reuses its embedding.
pub fn vector_key(chunk: &Chunk) -> u64 {
    let hash = blake3::hash(chunk.embed_text().as_bytes());
    u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("8 bytes"))
}

/// About the bytes `chunk` takes in its file's record (its strings and room for the rest),
/// so the record is allocated once.
fn encoded_room(chunk: &Chunk) -> usize {
    let text = |field: &Option<String>| field.as_ref().map_or(0, String::len);
    chunk.text.len()
        + chunk.content_hash.len()
        + text(&chunk.symbol)
        + text(&chunk.signature)
        + text(&chunk.parent)
        + text(&chunk.breadcrumb)
        + 64
}

/// A file being replaced chunk by chunk; see [`Index::stage_file`].
pub struct StagedFile<'i> {
    index: &'i mut Index,
    path: String,
    encoded: records::ChunkRecord,
    vector_keys: Vec<u64>,
    tokens: u64,
}

impl StagedFile<'_> {
    /// Indexes the file's next chunk and appends it to its record.
    pub fn add(&mut self, chunk: &Chunk) -> Result<()> {
        let key = vector_key(chunk);
        let ordinal = self.vector_keys.len() as u32;
        self.index.lexical.add_chunk(chunk, ordinal, key)?;
        self.encoded.push(chunk);
        self.vector_keys.push(key);
        self.tokens += chunk.tokens as u64;
        Ok(())
    }

    /// The index, for what goes with the chunks (their vectors: [`Index::has_vector`],
    /// [`Index::add_vector`]).
    pub fn index(&mut self) -> &mut Index {
        self.index
    }

    /// Stages `record` for the chunks added (its path, chunk count, tokens and vector keys
    /// are set here).
    pub fn finish(self, mut record: FileRecord) -> Result<()> {
        record.path = self.path;
        record.chunks = self.vector_keys.len() as u32;
        record.tokens = self.tokens;
        record.vector_keys = self.vector_keys;
        records::put_encoded_file(&mut self.index.pending, &record, self.encoded.finish());
        Ok(())
    }

    /// Removes the file from the index instead (the chunks added, and its earlier record
    /// and chunks): for a file that could not be read to its end.
    pub fn abandon(self) -> Result<()> {
        self.index.lexical.delete_path(&self.path)?;
        records::delete_file(&mut self.index.pending, &self.path);
        Ok(())
    }
}

/// How a writer waits for another writer.
pub enum Wait<'a> {
    /// Fail at once with [`Error::Locked`].
    No,
    /// Call this once, then wait for the other writer to finish.
    Queue(&'a dyn Fn()),
}

/// Where an index lives.
enum Location {
    Memory,
    Reader {
        generation: String,
        _hold: ReaderLock,
    },
    Writer(Box<Writer>),
}

/// The state of the one process that writes an index.
struct Writer {
    ctx_dir: PathBuf,
    gens: Generations,
    _lock: File,
    /// The published generation this writer started from, if it uses one.
    base: Option<String>,
    /// The generation being written, once something changed.
    staging: Option<String>,
    /// Publish at every commit (incremental runs), or only when the run is marked done.
    publish_each_commit: bool,
    /// The base's lexical index is damaged: the next generation rebuilds it from records.
    rebuild_lexical: bool,
    /// The base's vectors are damaged: the next generation does not link them.
    drop_vectors: bool,
}

/// The record store of an index.
enum Records {
    Disk(SegmentStore),
    Memory(MemStore),
}

impl Records {
    fn store(&self) -> &dyn Store {
        match self {
            Records::Disk(store) => store,
            Records::Memory(store) => store,
        }
    }
}

/// An open index. See the module docs.
pub struct Index {
    root: PathBuf,
    location: Location,
    records: Records,
    lexical: LexicalIndex,
    vectors: Option<Box<dyn VectorIndex>>,
    meta: IndexMeta,
    pending: Batch,
    pending_vectors: HashSet<u64>,
    /// Vectors were added or removed since the vector index was last saved.
    vectors_changed: bool,
    /// The model changed since the last commit: every stored vector key is staged for
    /// removal, so only vectors added since count as present.
    vectors_reset: bool,
    /// Something changed since the last commit.
    dirty: bool,
    /// What opening repaired, one line each.
    repairs: Vec<String>,
}

impl Index {
    /// Opens the published index of the repository at `root` for reading. It keeps
    /// answering from that generation while writers publish newer ones.
    pub fn open(root: &Path) -> Result<Index> {
        let ctx_dir = root.join(CTX_DIR);
        let gens = Generations::new(&ctx_dir);
        let mut previous: Option<String> = None;
        for _ in 0..OPEN_ATTEMPTS {
            let Some(name) = gens.current()? else {
                if has_legacy_index(&ctx_dir) {
                    return Err(legacy_error(&ctx_dir));
                }
                return Err(Error::NoIndex(root.to_path_buf()));
            };
            let dir = gens.dir(&name);
            match generation::hold(&dir)? {
                Some(hold) => return Index::open_generation(root, dir, name, hold),
                // Only a published generation's own damage keeps it unreadable.
                None if previous.as_deref() == Some(name.as_str()) => {
                    let detail = if dir.exists() {
                        format!("the published generation {name} has no manifest")
                    } else {
                        format!("the published generation {name} is missing")
                    };
                    return Err(Error::Damaged {
                        part: "manifest",
                        path: dir,
                        detail,
                    });
                }
                None => {
                    previous = Some(name);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            }
        }
        Err(Error::Store(
            "the index was replaced too often while it was being opened; try again".into(),
        ))
    }

    fn open_generation(root: &Path, dir: PathBuf, name: String, hold: ReaderLock) -> Result<Index> {
        let manifest = generation::read_manifest(&dir)?;
        let store = open_records(&dir, &manifest)?;
        let lexical = open_lexical(&dir, &manifest)?;
        let vectors = match &manifest.model {
            Some(model) => {
                Some(Box::new(open_vectors(&dir, &manifest, model, true)?) as Box<dyn VectorIndex>)
            }
            None => None,
        };
        let location = Location::Reader {
            generation: name,
            _hold: hold,
        };
        Ok(Index::assemble(
            root,
            location,
            Records::Disk(store),
            lexical,
            vectors,
            meta_of(&manifest),
        ))
    }

    /// Opens the index of the repository at `root` for writing, creating it if absent and
    /// repairing what is damaged. A second writer gets [`Error::Locked`].
    pub fn create(root: &Path) -> Result<Index> {
        Index::writer(root, false, Wait::No)
    }

    /// Opens a writer that builds a new index from nothing; readers keep the published one
    /// until [`Index::mark_indexed`] publishes the new one. [`KEPT_FILES`] are untouched.
    pub fn rebuild(root: &Path) -> Result<Index> {
        Index::writer(root, true, Wait::No)
    }

    /// [`Index::create`] (or, with `rebuild`, [`Index::rebuild`]) that can wait its turn
    /// behind another writer.
    pub fn writer(root: &Path, rebuild: bool, wait: Wait<'_>) -> Result<Index> {
        let ctx_dir = root.join(CTX_DIR);
        private_fs::create_dir(&ctx_dir)?;
        let lock = take_lock(&ctx_dir, wait)?;
        write_gitignore(&ctx_dir)?;
        let mut repairs = Vec::new();
        if has_legacy_index(&ctx_dir) {
            remove_legacy_index(&ctx_dir)?;
            repairs.push(format!(
                "the index was written by an older ctx (format 2): building a new one (format {FORMAT_VERSION})"
            ));
        }
        let gen_dir = ctx_dir.join(generation::GEN_DIR);
        if std::fs::symlink_metadata(&gen_dir).is_ok_and(|m| !m.is_dir()) {
            std::fs::remove_file(&gen_dir).map_err(|e| Error::io("removing", &gen_dir, e))?;
        }
        let gens = Generations::new(&ctx_dir);
        let current = match gens.current() {
            Ok(current) => current,
            Err(e) => {
                repairs.push(rebuild_note(&e));
                None
            }
        };
        gens.collect(current.as_deref().unwrap_or(""));
        let writer = Writer {
            ctx_dir,
            gens,
            _lock: lock,
            base: None,
            staging: None,
            publish_each_commit: !rebuild && repairs.is_empty(),
            rebuild_lexical: false,
            drop_vectors: false,
        };
        let mut index = match current.filter(|_| !rebuild) {
            Some(name) => Index::open_base(root, writer, name, &mut repairs)?,
            None => Index::fresh(root, writer),
        };
        index.repairs = repairs;
        if index.writer_state().is_some_and(|w| w.rebuild_lexical) {
            index.ensure_staging()?;
        }
        Ok(index)
    }

    /// A writer on the published generation `name`, repairing damaged parts (see the
    /// module docs); a fresh index when the records themselves are damaged.
    fn open_base(
        root: &Path,
        mut writer: Writer,
        name: String,
        repairs: &mut Vec<String>,
    ) -> Result<Index> {
        let dir = writer.gens.dir(&name);
        let base = generation::read_manifest(&dir).and_then(|manifest| {
            let store = open_records(&dir, &manifest)?;
            check_chunk_total(&store, &manifest, &dir)?;
            Ok((manifest, store))
        });
        let (manifest, store) = match base {
            Ok(base) => base,
            Err(e @ (Error::Damaged { .. } | Error::Incompatible { .. })) => {
                repairs.push(rebuild_note(&e));
                writer.publish_each_commit = false;
                return Ok(Index::fresh(root, writer));
            }
            Err(e) => return Err(e),
        };
        let lexical = match open_lexical(&dir, &manifest) {
            Ok(lexical) => lexical,
            Err(Error::Damaged { detail, .. }) => {
                repairs.push(format!(
                    "the lexical index was damaged ({detail}): rebuilt from the records"
                ));
                writer.rebuild_lexical = true;
                LexicalIndex::in_ram()?
            }
            Err(e) => return Err(e),
        };
        let mut meta = meta_of(&manifest);
        let vectors = match &manifest.model {
            Some(model) => match open_vectors(&dir, &manifest, model, false) {
                Ok(vectors) => Some(Box::new(vectors) as Box<dyn VectorIndex>),
                Err(Error::Damaged { detail, .. }) => {
                    repairs.push(format!(
                        "the vectors were damaged ({detail}): dropped; they are embedded again by a run with the model"
                    ));
                    writer.drop_vectors = true;
                    meta.model = None;
                    None
                }
                Err(e) => return Err(e),
            },
            None => None,
        };
        writer.base = Some(name);
        let healed = writer.rebuild_lexical || writer.drop_vectors;
        let mut index = Index::assemble(
            root,
            Location::Writer(Box::new(writer)),
            Records::Disk(store),
            lexical,
            vectors,
            meta,
        );
        index.dirty = healed;
        Ok(index)
    }

    /// An empty writer index; nothing is on disk until the first commit.
    fn fresh(root: &Path, writer: Writer) -> Index {
        let store = SegmentStore::open(&writer.ctx_dir, &[]).expect("no segment to open");
        let mut index = Index::assemble(
            root,
            Location::Writer(Box::new(writer)),
            Records::Disk(store),
            LexicalIndex::in_ram().expect("an empty in-memory index"),
            None,
            new_meta(),
        );
        index.dirty = true;
        index
    }

    /// A fresh index in memory (records, lexical and exact vectors), for tests.
    pub fn in_memory() -> Result<Index> {
        Ok(Index::assemble(
            Path::new("."),
            Location::Memory,
            Records::Memory(MemStore::new()),
            LexicalIndex::in_ram()?,
            None,
            new_meta(),
        ))
    }

    fn assemble(
        root: &Path,
        location: Location,
        records: Records,
        lexical: LexicalIndex,
        vectors: Option<Box<dyn VectorIndex>>,
        meta: IndexMeta,
    ) -> Index {
        Index {
            root: root.to_path_buf(),
            location,
            records,
            lexical,
            vectors,
            meta,
            pending: Batch::default(),
            pending_vectors: HashSet::new(),
            vectors_reset: false,
            vectors_changed: false,
            dirty: false,
            repairs: Vec::new(),
        }
    }

    fn writer_state(&self) -> Option<&Writer> {
        match &self.location {
            Location::Writer(writer) => Some(writer),
            _ => None,
        }
    }

    /// Starts the next generation when none is being written: links the unchanged parts
    /// of the base generation into a new directory and moves the writes there.
    fn ensure_staging(&mut self) -> Result<()> {
        let Location::Writer(writer) = &mut self.location else {
            return match self.location {
                Location::Reader { .. } => Err(Error::Invalid(
                    "this index was opened for reading; open it with Index::create to write".into(),
                )),
                _ => Ok(()),
            };
        };
        if writer.staging.is_some() {
            return Ok(());
        }
        let name = writer.gens.create_next()?;
        let dir = writer.gens.dir(&name);
        if let Some(base) = &writer.base {
            let base_dir = writer.gens.dir(base);
            generation::link_tree(&base_dir.join(RECORDS_DIR), &dir.join(RECORDS_DIR))?;
            if !writer.rebuild_lexical {
                generation::link_tree(&base_dir.join(LEXICAL_DIR), &dir.join(LEXICAL_DIR))?;
            }
            let vectors = base_dir.join(VECTORS_FILE);
            if !writer.drop_vectors && self.vectors.is_some() && vectors.exists() {
                let target = dir.join(VECTORS_FILE);
                std::fs::hard_link(&vectors, &target)
                    .map_err(|e| Error::io("linking", &vectors, e))?;
            }
        }
        let rebuild_lexical = std::mem::take(&mut writer.rebuild_lexical);
        writer.drop_vectors = false;
        writer.staging = Some(name);
        if let Records::Disk(store) = &self.records {
            store.move_to(&dir.join(RECORDS_DIR))?;
        }
        self.lexical = LexicalIndex::open_in_dir(&dir.join(LEXICAL_DIR))?;
        if rebuild_lexical {
            self.refill_lexical()?;
        }
        Ok(())
    }

    /// Indexes every recorded chunk again (the lexical index was lost).
    fn refill_lexical(&mut self) -> Result<()> {
        for record in self.files()? {
            let chunks = self.file_chunks(&record.path)?;
            for (ordinal, chunk) in chunks.iter().enumerate() {
                let key = record
                    .vector_keys
                    .get(ordinal)
                    .copied()
                    .unwrap_or_else(|| vector_key(chunk));
                self.lexical.add_chunk(chunk, ordinal as u32, key)?;
            }
        }
        self.dirty = true;
        Ok(())
    }

    /// What opening the index repaired, one line each (empty when it was intact); each
    /// repair is handed out once.
    pub fn take_repairs(&mut self) -> Vec<String> {
        std::mem::take(&mut self.repairs)
    }

    /// The generation this index reads (the published one for a reader, the one it is
    /// based on for a writer); `None` in memory or before the first commit.
    pub fn generation(&self) -> Option<&str> {
        match &self.location {
            Location::Reader { generation, .. } => Some(generation),
            Location::Writer(writer) => writer.base.as_deref(),
            Location::Memory => None,
        }
    }

    /// The repository root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The `.ctx` directory, for an index on disk.
    pub fn dir(&self) -> Option<PathBuf> {
        match &self.location {
            Location::Reader { .. } | Location::Writer(_) => Some(self.root.join(CTX_DIR)),
            Location::Memory => None,
        }
    }

    /// Index-wide metadata.
    pub fn meta(&self) -> &IndexMeta {
        &self.meta
    }

    /// Every indexed file, sorted by path.
    pub fn files(&self) -> Result<Vec<FileRecord>> {
        records::read_files(self.records.store())
    }

    /// The record of one file.
    pub fn file(&self, path: &str) -> Result<Option<FileRecord>> {
        records::read_file(self.records.store(), path)
    }

    /// The chunks of one file, in line order.
    pub fn file_chunks(&self, path: &str) -> Result<Vec<Chunk>> {
        records::read_chunks(self.records.store(), path)
    }

    /// One chunk by path and ordinal.
    pub fn chunk(&self, path: &str, ordinal: u32) -> Result<Option<Chunk>> {
        records::read_chunk(self.records.store(), path, ordinal)
    }

    /// Every chunk, in path then line order.
    pub fn all_chunks(&self) -> Result<Vec<Chunk>> {
        records::read_all_chunks(self.records.store())
    }

    /// Number of chunks in the lexical index.
    pub fn num_chunks(&self) -> u64 {
        self.lexical.num_chunks()
    }

    /// Prepares the vector index for `embedder`'s model. Returns the previous model when
    /// the model changed, in which case every vector was dropped and must be re-embedded.
    pub fn use_model(&mut self, embedder: &dyn Embedder) -> Result<Option<ModelInfo>> {
        let wanted = ModelInfo {
            id: embedder.model_id().to_string(),
            dim: embedder.dim(),
        };
        if self.meta.model.as_ref() == Some(&wanted) && self.vectors.is_some() {
            return Ok(None);
        }
        self.ensure_staging()?;
        self.dirty = true;
        let previous = self.meta.model.clone();
        for key in records::read_vector_keys(self.records.store())? {
            records::put_vector_key(&mut self.pending, key, false);
        }
        self.pending_vectors.clear();
        self.vectors = Some(self.new_vector_index(wanted.dim)?);
        self.vectors_changed = true;
        self.vectors_reset = true;
        self.meta.model = Some(wanted);
        Ok(previous)
    }

    fn new_vector_index(&self, dim: usize) -> Result<Box<dyn VectorIndex>> {
        match &self.location {
            Location::Writer(writer) => {
                let staging = writer.staging.as_deref().expect("staging before vectors");
                let path = writer.gens.dir(staging).join(VECTORS_FILE);
                if path.exists() {
                    std::fs::remove_file(&path).map_err(|e| Error::io("removing", &path, e))?;
                }
                Ok(Box::new(UsearchIndex::open(&path, dim)?))
            }
            _ => Ok(Box::new(crate::search::vector::ExactIndex::new())),
        }
    }

    /// True when the vector index holds the embedding of `key`.
    pub fn has_vector(&self, key: u64) -> Result<bool> {
        if self.pending_vectors.contains(&key) {
            return Ok(true);
        }
        if self.vectors_reset {
            return Ok(false);
        }
        Ok(self
            .records
            .store()
            .get(Area::Vectors, &key.to_be_bytes())?
            .is_some())
    }

    /// Stages the embedding of `key`. Call [`Index::use_model`] first.
    pub fn add_vector(&mut self, key: u64, vector: &[f32]) -> Result<()> {
        self.ensure_staging()?;
        self.dirty = true;
        let vectors = self
            .vectors
            .as_mut()
            .ok_or_else(|| Error::Embed("no model selected for this index".into()))?;
        vectors.add(key, vector)?;
        self.vectors_changed = true;
        records::put_vector_key(&mut self.pending, key, true);
        self.pending_vectors.insert(key);
        Ok(())
    }

    /// Stages a file's new record and chunks, replacing what the index had for it.
    ///
    /// Takes the chunks by value and drops each one as soon as it is in the lexical index
    /// and encoded into the file's record, so a huge file's chunk texts are not held twice.
    pub fn put_file(&mut self, record: FileRecord, chunks: Vec<Chunk>) -> Result<()> {
        let room: usize = chunks.iter().map(encoded_room).sum();
        let mut staged = self.stage_file(&record.path, room)?;
        for chunk in chunks {
            staged.add(&chunk)?;
        }
        staged.finish(record)
    }

    /// Starts replacing the file at `path` chunk by chunk, for a file too big to hold all
    /// its chunks at once: its lexical documents are deleted now, each
    /// [`StagedFile::add`] indexes and encodes one chunk (the caller drops it then), and
    /// [`StagedFile::finish`] stages the record; [`StagedFile::abandon`] removes the file
    /// from the index instead. `room` is about the bytes of the chunks to come.
    pub fn stage_file(&mut self, path: &str, room: usize) -> Result<StagedFile<'_>> {
        self.ensure_staging()?;
        self.dirty = true;
        self.lexical.delete_path(path)?;
        Ok(StagedFile {
            path: path.to_string(),
            encoded: records::ChunkRecord::with_capacity(room),
            vector_keys: Vec::new(),
            tokens: 0,
            index: self,
        })
    }

    /// Stages the removal of a file from every index.
    pub fn delete_file(&mut self, path: &str) -> Result<()> {
        self.ensure_staging()?;
        self.dirty = true;
        self.lexical.delete_path(path)?;
        records::delete_file(&mut self.pending, path);
        Ok(())
    }

    /// Makes staged changes durable: writes them as the next generation, which is published
    /// now for an incremental run, at [`Index::mark_indexed`] for a rebuild (see module docs).
    pub fn commit(&mut self) -> Result<()> {
        match &self.location {
            Location::Memory => {
                self.lexical.commit()?;
                let batch = std::mem::take(&mut self.pending);
                self.records.store().apply(batch)?;
            }
            Location::Reader { .. } => return self.ensure_staging(),
            Location::Writer(_) => {
                if !self.dirty {
                    return Ok(());
                }
                self.ensure_staging()?;
                self.write_generation()?;
            }
        }
        self.vectors_changed = false;
        self.pending_vectors.clear();
        self.vectors_reset = false;
        self.dirty = false;
        Ok(())
    }

    /// Writes the staged changes and the manifest into the staging generation, durably,
    /// and publishes it when this writer publishes at every commit.
    fn write_generation(&mut self) -> Result<()> {
        let Location::Writer(writer) = &self.location else {
            unreachable!("only writers write generations")
        };
        let name = writer.staging.clone().expect("staging exists");
        let dir = writer.gens.dir(&name);
        self.lexical.commit()?;
        let vectors_path = dir.join(VECTORS_FILE);
        if let Some(vectors) = &self.vectors {
            if self.vectors_changed || !vectors_path.exists() {
                vectors.save(&vectors_path)?;
            }
        }
        let batch = std::mem::take(&mut self.pending);
        let Records::Disk(store) = &self.records else {
            unreachable!("writers keep records on disk")
        };
        store.apply(batch)?;
        store.flush()?;
        let vectors_bytes = match self.vectors {
            Some(_) => std::fs::metadata(&vectors_path)
                .map_err(|e| Error::io("inspecting", &vectors_path, e))?
                .len(),
            None => 0,
        };
        let manifest = Manifest {
            format_version: FORMAT_VERSION,
            generation: generation::number_of(&name).expect("a generation name"),
            model: self.meta.model.clone().filter(|_| self.vectors.is_some()),
            last_indexed: self.meta.last_indexed,
            max_file_size: self.meta.max_file_size,
            records: store.names(),
            files: store.count(Area::Files),
            chunks: self.lexical.num_chunks(),
            vectors: self.vectors.as_ref().map_or(0, |v| v.len() as u64),
            vectors_bytes,
        };
        generation::write_manifest(&dir, &manifest)?;
        generation::sync_tree(&dir)?;
        let Location::Writer(writer) = &mut self.location else {
            unreachable!("checked above")
        };
        if writer.publish_each_commit {
            writer.gens.publish(&name)?;
            writer.base = writer.staging.take();
            writer.gens.collect(&name);
        }
        Ok(())
    }

    /// Removes vectors no indexed chunk uses any more; returns how many. Commits.
    pub fn collect_garbage(&mut self) -> Result<usize> {
        let live: BTreeSet<u64> = self
            .files()?
            .into_iter()
            .flat_map(|f| f.vector_keys)
            .collect();
        let mut removed = 0;
        if let Some(vectors) = self.vectors.as_mut() {
            for key in records::read_vector_keys(self.records.store())? {
                if !live.contains(&key) {
                    vectors.remove(key)?;
                    self.vectors_changed = true;
                    records::put_vector_key(&mut self.pending, key, false);
                    removed += 1;
                }
            }
        }
        if removed > 0 {
            self.dirty = true;
        }
        self.commit()?;
        Ok(removed)
    }

    /// Records that an index run with the size limit `max_file_size` completed now,
    /// commits and publishes (a rebuild's generation becomes visible here, complete).
    pub fn mark_indexed(&mut self, unix_seconds: u64, max_file_size: u64) -> Result<()> {
        self.meta.last_indexed = Some(unix_seconds);
        self.meta.max_file_size = Some(max_file_size);
        self.dirty = true;
        if let Location::Writer(writer) = &mut self.location {
            writer.publish_each_commit = true;
        }
        self.commit()
    }

    /// Runs a search. Semantic and hybrid modes use `embedder` for the query; hybrid falls
    /// back to lexical when there is none or the index has no vectors.
    pub fn search(&self, req: &SearchRequest, embedder: Option<&dyn Embedder>) -> Result<Vec<Hit>> {
        let k = req.k.max(1);
        match req.mode {
            SearchMode::Lexical => self.lexical_hits(&req.query, k),
            SearchMode::Semantic => {
                let embedder = embedder.ok_or_else(|| {
                    Error::Embed("semantic search needs the embedding model".into())
                })?;
                let hits = self.vector_hits(&req.query, k, embedder)?;
                Ok(hits
                    .iter()
                    .enumerate()
                    .map(|(rank, (hit, similarity))| {
                        let mut out = Hit::from_lexical(hit, *similarity);
                        out.vector_rank = Some(rank as u32 + 1);
                        out
                    })
                    .collect())
            }
            SearchMode::Hybrid => {
                let depth = (k * FUSION_DEPTH).max(MIN_FUSION_CANDIDATES);
                let lexical = self.lexical.search(&req.query, depth)?;
                let vector: Vec<LexicalHit> = match embedder {
                    Some(embedder) if self.vectors.is_some() => self
                        .vector_hits(&req.query, depth, embedder)?
                        .into_iter()
                        .map(|(hit, _)| hit)
                        .collect(),
                    _ => Vec::new(),
                };
                Ok(fuse(&req.query, &lexical, &vector, k))
            }
        }
    }

    fn lexical_hits(&self, query: &str, k: usize) -> Result<Vec<Hit>> {
        let mut hits: Vec<Hit> = self
            .lexical
            .search(query, k)?
            .iter()
            .enumerate()
            .map(|(rank, hit)| {
                let mut out = Hit::from_lexical(hit, hit.score);
                out.lexical_rank = Some(rank as u32 + 1);
                out
            })
            .collect();
        sort_hits(&mut hits);
        Ok(hits)
    }

    /// Vector hits mapped back to chunks, best first, with their cosine similarity.
    fn vector_hits(
        &self,
        query: &str,
        k: usize,
        embedder: &dyn Embedder,
    ) -> Result<Vec<(LexicalHit, f32)>> {
        let vectors = self.vectors.as_ref().ok_or_else(|| {
            Error::Embed(
                "this index has no embeddings: run `ctx index` with the model installed".into(),
            )
        })?;
        if let Some(model) = &self.meta.model {
            if model.id != embedder.model_id() {
                return Err(Error::Embed(format!(
                    "the index was embedded with '{}' but the loaded model is '{}': run `ctx index` to re-embed",
                    model.id,
                    embedder.model_id()
                )));
            }
        }
        let query_vector = embedder
            .embed(&[query.to_string()])?
            .pop()
            .ok_or_else(|| Error::Embed("the embedder returned no vector".into()))?;
        let mut out = Vec::new();
        for (key, similarity) in vectors.search(&query_vector, k)? {
            for hit in self.lexical.chunks_with_vector_key(key)? {
                out.push((hit, similarity));
            }
        }
        out.truncate(k);
        Ok(out)
    }
}

fn new_meta() -> IndexMeta {
    IndexMeta {
        format_version: FORMAT_VERSION,
        model: None,
        last_indexed: None,
        max_file_size: None,
    }
}

fn meta_of(manifest: &Manifest) -> IndexMeta {
    IndexMeta {
        format_version: manifest.format_version,
        model: manifest.model.clone(),
        last_indexed: manifest.last_indexed,
        max_file_size: manifest.max_file_size,
    }
}

/// The generation's records, checked against the manifest's file count.
fn open_records(dir: &Path, manifest: &Manifest) -> Result<SegmentStore> {
    let records_dir = dir.join(RECORDS_DIR);
    let store = SegmentStore::open(&records_dir, &manifest.records)?;
    let files = store.count(Area::Files);
    if files != manifest.files {
        return Err(Error::Damaged {
            part: "records",
            path: records_dir,
            detail: format!(
                "they hold {files} files, the manifest says {}",
                manifest.files
            ),
        });
    }
    Ok(store)
}

/// Checks that the file records' chunk counts add up to the manifest's (a writer reads
/// every record anyway).
fn check_chunk_total(store: &SegmentStore, manifest: &Manifest, dir: &Path) -> Result<()> {
    let total: u64 = records::read_files(store)?
        .iter()
        .map(|f| u64::from(f.chunks))
        .sum();
    if total != manifest.chunks {
        return Err(Error::Damaged {
            part: "records",
            path: dir.join(RECORDS_DIR),
            detail: format!("they list {total} chunks, the manifest {}", manifest.chunks),
        });
    }
    Ok(())
}

/// The generation's lexical index, checked against the manifest's chunk count.
fn open_lexical(dir: &Path, manifest: &Manifest) -> Result<LexicalIndex> {
    let lexical_dir = dir.join(LEXICAL_DIR);
    let damaged = |detail: String| Error::Damaged {
        part: "lexical index",
        path: lexical_dir.clone(),
        detail,
    };
    if !lexical_dir.is_dir() {
        return Err(damaged("the directory is missing".into()));
    }
    let lexical = LexicalIndex::open_existing(&lexical_dir).map_err(|e| match e {
        Error::Io { .. } => e,
        other => damaged(other.to_string()),
    })?;
    let chunks = lexical.num_chunks();
    if chunks != manifest.chunks {
        return Err(damaged(format!(
            "it holds {chunks} chunks, the manifest says {}",
            manifest.chunks
        )));
    }
    Ok(lexical)
}

/// The generation's vectors (mapped read-only for a reader, loaded for a writer),
/// checked against the manifest's size, count and the model's dimension.
fn open_vectors(
    dir: &Path,
    manifest: &Manifest,
    model: &ModelInfo,
    read_only: bool,
) -> Result<UsearchIndex> {
    let path = dir.join(VECTORS_FILE);
    let damaged = |detail: String| Error::Damaged {
        part: "vectors",
        path: path.clone(),
        detail,
    };
    let bytes = match std::fs::metadata(&path) {
        Ok(meta) => meta.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(damaged("the file is missing".into()))
        }
        Err(e) => return Err(Error::io("inspecting", &path, e)),
    };
    if bytes != manifest.vectors_bytes {
        return Err(damaged(format!(
            "the file has {bytes} bytes, the manifest says {}",
            manifest.vectors_bytes
        )));
    }
    let vectors = if read_only {
        UsearchIndex::view(&path, model.dim)
    } else {
        UsearchIndex::open(&path, model.dim)
    }
    .map_err(|e| damaged(e.to_string()))?;
    if vectors.len() as u64 != manifest.vectors {
        return Err(damaged(format!(
            "it holds {} vectors, the manifest says {}",
            vectors.len(),
            manifest.vectors
        )));
    }
    Ok(vectors)
}

/// What a writer says when `e` makes it rebuild the whole index: the damage without the
/// advice to run the command that is running.
fn rebuild_note(e: &Error) -> String {
    match e {
        Error::Damaged { part, path, detail } => format!(
            "the index's {part} was damaged ({detail}; {}): rebuilding the index",
            path.display()
        ),
        Error::Incompatible {
            found, expected, ..
        } => format!(
            "the index has format version {found}, this ctx writes {expected}: rebuilding the index"
        ),
        other => format!("{other}: rebuilding the index"),
    }
}

fn has_legacy_index(ctx_dir: &Path) -> bool {
    ctx_dir.join(LEGACY_PARTS[0]).join("conf").exists()
        || ctx_dir.join(LEGACY_PARTS[0]).join("db").exists()
}

fn legacy_error(ctx_dir: &Path) -> Error {
    Error::Incompatible {
        path: ctx_dir.to_path_buf(),
        found: 2,
        expected: FORMAT_VERSION,
    }
}

fn remove_legacy_index(ctx_dir: &Path) -> Result<()> {
    for part in LEGACY_PARTS {
        let path = ctx_dir.join(part);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(_) => continue,
        }
        .map_err(|e| Error::io("removing", &path, e))?;
    }
    Ok(())
}

/// Takes the writer lock, waiting as `wait` says.
fn take_lock(dir: &Path, wait: Wait<'_>) -> Result<File> {
    use fs2::FileExt;
    let path = dir.join(LOCK_FILE);
    let file = private_fs::open_lock(&path)?;
    if file.try_lock_exclusive().is_ok() {
        return Ok(file);
    }
    match wait {
        Wait::No => Err(Error::Locked(dir.to_path_buf())),
        Wait::Queue(waiting) => {
            waiting();
            file.lock_exclusive()
                .map_err(|e| Error::io("locking", &path, e))?;
            Ok(file)
        }
    }
}

/// Keeps derived data out of git while the reviewable files stay versioned.
fn write_gitignore(dir: &Path) -> Result<()> {
    let path = dir.join(".gitignore");
    if std::fs::symlink_metadata(&path).is_ok() {
        return Ok(());
    }
    let mut text = String::from(
        "# Derived index data; anchors, config and plan are reviewed with the code.\n*\n",
    );
    text.push_str("!.gitignore\n");
    for kept in KEPT_FILES {
        text.push_str(&format!("!{kept}\n"));
    }
    private_fs::write_atomic(&path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An embedder that only has a name and a dimension.
    struct Named(&'static str, usize);

    impl Embedder for Named {
        fn model_id(&self) -> &str {
            self.0
        }

        fn dim(&self) -> usize {
            self.1
        }

        fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
            Ok(texts.iter().map(|_| vec![1.0; self.1]).collect())
        }
    }

    fn chunk(path: &str, text: &str) -> Chunk {
        Chunk {
            path: path.into(),
            language: "rust".into(),
            kind: crate::ChunkKind::Function,
            symbol: None,
            signature: None,
            parent: None,
            breadcrumb: None,
            part: None,
            start_line: 1,
            end_line: 1,
            start_byte: 0,
            end_byte: text.len() as u64,
            content_hash: crate::content_hash(text.as_bytes()),
            tokens: 3,
            text: text.into(),
            front_matter: Default::default(),
        }
    }

    fn record(path: &str) -> FileRecord {
        FileRecord {
            path: path.into(),
            hash: "h".into(),
            size: 1,
            mtime_ns: 0,
            language: "rust".into(),
            chunks: 0,
            tokens: 0,
            vector_keys: Vec::new(),
        }
    }

    fn lexical_paths(index: &Index, query: &str) -> Vec<String> {
        let request = SearchRequest {
            query: query.into(),
            mode: SearchMode::Lexical,
            k: 10,
        };
        index
            .search(&request, None)
            .unwrap()
            .into_iter()
            .map(|h| h.path)
            .collect()
    }

    #[test]
    fn a_staged_file_is_stored_as_put_file_stores_it_or_abandoned_whole() {
        let mut index = Index::in_memory().unwrap();
        let chunks = vec![
            chunk("a.rs", "fn alpha() {}"),
            chunk("a.rs", "fn beta() {}"),
        ];
        index.put_file(record("a.rs"), chunks.clone()).unwrap();
        let mut staged = index.stage_file("b.rs", 0).unwrap();
        for c in &chunks {
            staged.add(&chunk("b.rs", &c.text)).unwrap();
        }
        staged.finish(record("b.rs")).unwrap();
        index.commit().unwrap();
        let (a, b) = (
            index.file("a.rs").unwrap().unwrap(),
            index.file("b.rs").unwrap().unwrap(),
        );
        assert_eq!((a.chunks, a.tokens), (b.chunks, b.tokens));
        assert_eq!((a.chunks, a.tokens), (2, 6));
        for (path, record) in [("a.rs", &a), ("b.rs", &b)] {
            let chunks = index.file_chunks(path).unwrap();
            let keys: Vec<u64> = chunks.iter().map(vector_key).collect();
            assert_eq!(record.vector_keys, keys, "{path}");
        }
        assert_eq!(lexical_paths(&index, "beta"), ["a.rs", "b.rs"]);

        // Abandoned part-way: the file's new chunks and its earlier record and chunks go.
        let mut staged = index.stage_file("b.rs", 0).unwrap();
        staged.add(&chunk("b.rs", "fn gamma() {}")).unwrap();
        staged.abandon().unwrap();
        index.commit().unwrap();
        assert_eq!(index.file("b.rs").unwrap(), None);
        assert!(index.file_chunks("b.rs").unwrap().is_empty());
        assert_eq!(lexical_paths(&index, "beta"), ["a.rs"]);
        assert!(lexical_paths(&index, "gamma").is_empty());
    }

    #[test]
    fn a_new_model_drops_every_stored_vector() {
        let mut index = Index::in_memory().unwrap();
        let old = Named("old-model", 4);
        assert_eq!(index.use_model(&old).unwrap(), None);
        index.add_vector(7, &[1.0; 4]).unwrap();
        index.commit().unwrap();
        assert!(index.has_vector(7).unwrap());

        let new = Named("new-model", 4);
        let previous = index.use_model(&new).unwrap();
        assert_eq!(previous.map(|m| m.id), Some("old-model".to_string()));
        assert!(!index.has_vector(7).unwrap(), "must be re-embedded");
        index.add_vector(7, &[1.0; 4]).unwrap();
        assert!(index.has_vector(7).unwrap());
        index.commit().unwrap();
        assert!(index.has_vector(7).unwrap());
        assert_eq!(
            index.use_model(&new).unwrap(),
            None,
            "same model: nothing to do"
        );
    }
}
