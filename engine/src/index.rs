//! The index of one repository: records, lexical index and vectors under `ROOT/.ctx/`.
//!
//! Writes are staged and made durable by [`Index::commit`] in a crash-safe order: the
//! lexical index and the vectors first, the records last. The records are the source of
//! truth for what is indexed, so an interrupted run leaves files that look unindexed or
//! changed, and the next run redoes exactly those.

use crate::embed::Embedder;
use crate::search::fuse::{fuse, sort_hits};
use crate::search::lexical::{LexicalHit, LexicalIndex};
use crate::search::vector::{UsearchIndex, VectorIndex};
use crate::search::{Hit, SearchMode, SearchRequest};
use crate::store::records::{self, ModelInfo};
use crate::store::{Batch, FileRecord, IndexMeta, MemStore, SledStore, Store};
use crate::{Chunk, Error, Result};
use std::collections::{BTreeSet, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Version of the on-disk format this build reads and writes.
pub const FORMAT_VERSION: u32 = 2;
/// Name of the index directory inside a repository.
pub const CTX_DIR: &str = ".ctx";
/// Files in `.ctx/` that belong to the repository (reviewed with the code) and survive a
/// rebuild; everything else there is derived data.
pub const KEPT_FILES: [&str; 3] = ["anchors.toml", "config.toml", "plan.json"];

const RECORDS_DIR: &str = "records";
const LEXICAL_DIR: &str = "lexical";
const VECTORS_FILE: &str = "vectors.usearch";
const LOCK_FILE: &str = "lock";
/// Hits fetched from each retriever before fusion, per hit wanted.
const FUSION_DEPTH: usize = 4;
const MIN_FUSION_CANDIDATES: usize = 50;

/// The vector key of a chunk: shared by every chunk with the same search text, so an
/// unchanged chunk (even moved or copied) reuses its embedding.
pub fn vector_key(chunk: &Chunk) -> u64 {
    let hash = blake3::hash(chunk.search_text().as_bytes());
    u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("8 bytes"))
}

/// Where an index lives.
enum Location {
    Disk { dir: PathBuf, _lock: Option<File> },
    Memory,
}

/// An open index. See the module docs.
pub struct Index {
    root: PathBuf,
    location: Location,
    store: Box<dyn Store>,
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
}

impl Index {
    /// Opens the existing index of the repository at `root` for reading.
    pub fn open(root: &Path) -> Result<Index> {
        let dir = root.join(CTX_DIR);
        if !dir.join(RECORDS_DIR).is_dir() {
            return Err(Error::NoIndex(root.to_path_buf()));
        }
        let store = SledStore::open(&dir.join(RECORDS_DIR))?;
        let Some(meta) = records::read_meta(&store)? else {
            return Err(Error::NoIndex(root.to_path_buf()));
        };
        check_version(&dir, &meta)?;
        Index::assemble(
            root,
            Location::Disk { dir, _lock: None },
            Box::new(store),
            meta,
        )
    }

    /// Opens the index of the repository at `root` for writing, creating it if absent.
    ///
    /// Takes the index lock: a second writer gets [`Error::Locked`].
    pub fn create(root: &Path) -> Result<Index> {
        let dir = root.join(CTX_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let lock = take_lock(&dir)?;
        write_gitignore(&dir)?;
        let store = SledStore::open(&dir.join(RECORDS_DIR))?;
        let meta = match records::read_meta(&store)? {
            Some(meta) => {
                check_version(&dir, &meta)?;
                meta
            }
            None => new_meta(),
        };
        let location = Location::Disk {
            dir,
            _lock: Some(lock),
        };
        Index::assemble(root, location, Box::new(store), meta)
    }

    /// Deletes the derived index data of `root` (keeping [`KEPT_FILES`]) and creates a new one.
    pub fn rebuild(root: &Path) -> Result<Index> {
        let dir = root.join(CTX_DIR);
        if dir.is_dir() {
            let _lock = take_lock(&dir)?;
            for name in [RECORDS_DIR, LEXICAL_DIR] {
                let path = dir.join(name);
                if path.exists() {
                    std::fs::remove_dir_all(&path).map_err(|e| Error::io("removing", &path, e))?;
                }
            }
            let vectors = dir.join(VECTORS_FILE);
            if vectors.exists() {
                std::fs::remove_file(&vectors).map_err(|e| Error::io("removing", &vectors, e))?;
            }
        }
        Index::create(root)
    }

    /// A fresh index in memory (records, lexical and exact vectors), for tests.
    pub fn in_memory() -> Result<Index> {
        Ok(Index {
            root: PathBuf::from("."),
            location: Location::Memory,
            store: Box::new(MemStore::new()),
            lexical: LexicalIndex::in_ram()?,
            vectors: None,
            meta: new_meta(),
            pending: Batch::default(),
            pending_vectors: HashSet::new(),
            vectors_reset: false,
            vectors_changed: false,
        })
    }

    fn assemble(
        root: &Path,
        location: Location,
        store: Box<dyn Store>,
        meta: IndexMeta,
    ) -> Result<Index> {
        let Location::Disk { dir, .. } = &location else {
            unreachable!("assemble is for disk indexes")
        };
        let lexical = LexicalIndex::open_in_dir(&dir.join(LEXICAL_DIR))?;
        let vectors = match &meta.model {
            Some(model) => Some(
                Box::new(UsearchIndex::open(&dir.join(VECTORS_FILE), model.dim)?)
                    as Box<dyn VectorIndex>,
            ),
            None => None,
        };
        Ok(Index {
            root: root.to_path_buf(),
            location,
            store,
            lexical,
            vectors,
            meta,
            pending: Batch::default(),
            pending_vectors: HashSet::new(),
            vectors_reset: false,
            vectors_changed: false,
        })
    }

    /// The repository root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The `.ctx` directory, for an index on disk.
    pub fn dir(&self) -> Option<&Path> {
        match &self.location {
            Location::Disk { dir, .. } => Some(dir),
            Location::Memory => None,
        }
    }

    /// Index-wide metadata.
    pub fn meta(&self) -> &IndexMeta {
        &self.meta
    }

    /// Every indexed file, sorted by path.
    pub fn files(&self) -> Result<Vec<FileRecord>> {
        records::read_files(self.store.as_ref())
    }

    /// The record of one file.
    pub fn file(&self, path: &str) -> Result<Option<FileRecord>> {
        records::read_file(self.store.as_ref(), path)
    }

    /// The chunks of one file, in line order.
    pub fn file_chunks(&self, path: &str) -> Result<Vec<Chunk>> {
        records::read_chunks(self.store.as_ref(), path)
    }

    /// One chunk by path and ordinal.
    pub fn chunk(&self, path: &str, ordinal: u32) -> Result<Option<Chunk>> {
        records::read_chunk(self.store.as_ref(), path, ordinal)
    }

    /// Every chunk, in path then line order.
    pub fn all_chunks(&self) -> Result<Vec<Chunk>> {
        records::read_all_chunks(self.store.as_ref())
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
        let previous = self.meta.model.clone();
        for key in records::read_vector_keys(self.store.as_ref())? {
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
            Location::Disk { dir, .. } => {
                let path = dir.join(VECTORS_FILE);
                if path.exists() {
                    std::fs::remove_file(&path).map_err(|e| Error::io("removing", &path, e))?;
                }
                Ok(Box::new(UsearchIndex::open(&path, dim)?))
            }
            Location::Memory => Ok(Box::new(crate::search::vector::ExactIndex::new())),
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
            .store
            .get(crate::store::Area::Vectors, &key.to_be_bytes())?
            .is_some())
    }

    /// Stages the embedding of `key`. Call [`Index::use_model`] first.
    pub fn add_vector(&mut self, key: u64, vector: &[f32]) -> Result<()> {
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
    pub fn put_file(&mut self, mut record: FileRecord, chunks: &[Chunk]) -> Result<()> {
        self.lexical.delete_path(&record.path)?;
        record.vector_keys = chunks.iter().map(vector_key).collect();
        for (ordinal, (chunk, key)) in chunks.iter().zip(&record.vector_keys).enumerate() {
            self.lexical.add_chunk(chunk, ordinal as u32, *key)?;
        }
        record.chunks = chunks.len() as u32;
        record.tokens = chunks.iter().map(|c| c.tokens as u64).sum();
        records::put_file(&mut self.pending, &record, chunks);
        Ok(())
    }

    /// Stages the removal of a file from every index.
    pub fn delete_file(&mut self, path: &str) -> Result<()> {
        self.lexical.delete_path(path)?;
        records::delete_file(&mut self.pending, path);
        Ok(())
    }

    /// Makes staged changes durable and visible, in crash-safe order (see module docs).
    pub fn commit(&mut self) -> Result<()> {
        self.lexical.commit()?;
        if let Some(vectors) = self.vectors.as_ref().filter(|_| self.vectors_changed) {
            vectors.save()?;
        }
        self.vectors_changed = false;
        let mut batch = std::mem::take(&mut self.pending);
        records::put_meta(&mut batch, &self.meta);
        self.store.apply(batch)?;
        self.store.flush()?;
        self.pending_vectors.clear();
        self.vectors_reset = false;
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
            for key in records::read_vector_keys(self.store.as_ref())? {
                if !live.contains(&key) {
                    vectors.remove(key)?;
                    self.vectors_changed = true;
                    records::put_vector_key(&mut self.pending, key, false);
                    removed += 1;
                }
            }
        }
        self.commit()?;
        Ok(removed)
    }

    /// Records that an index run completed now. Commits.
    pub fn mark_indexed(&mut self, unix_seconds: u64) -> Result<()> {
        self.meta.last_indexed = Some(unix_seconds);
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
    }
}

fn check_version(dir: &Path, meta: &IndexMeta) -> Result<()> {
    if meta.format_version == FORMAT_VERSION {
        return Ok(());
    }
    Err(Error::Incompatible {
        path: dir.to_path_buf(),
        found: meta.format_version,
        expected: FORMAT_VERSION,
    })
}

fn take_lock(dir: &Path) -> Result<File> {
    use fs2::FileExt;
    let path = dir.join(LOCK_FILE);
    let file = File::create(&path).map_err(|e| Error::io("creating", &path, e))?;
    file.try_lock_exclusive()
        .map_err(|_| Error::Locked(dir.to_path_buf()))?;
    Ok(file)
}

/// Keeps derived data out of git while the reviewable files stay versioned.
fn write_gitignore(dir: &Path) -> Result<()> {
    let path = dir.join(".gitignore");
    if path.exists() {
        return Ok(());
    }
    let mut text = String::from(
        "# Derived index data; anchors, config and plan are reviewed with the code.\n*\n",
    );
    text.push_str("!.gitignore\n");
    for kept in KEPT_FILES {
        text.push_str(&format!("!{kept}\n"));
    }
    std::fs::write(&path, text).map_err(|e| Error::io("writing", &path, e))
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
