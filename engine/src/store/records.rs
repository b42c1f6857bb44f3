//! Typed records on top of a [`Store`]: files, chunks and index metadata.

use super::{Area, Batch, Store};
use crate::{Chunk, Error, Result};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// What the index knows about one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Path relative to the index root, with `/` separators.
    pub path: String,
    /// blake3 hex digest of the file's bytes.
    pub hash: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time (nanoseconds since the epoch), for cheap change detection.
    pub mtime_ns: u128,
    /// Language name of the chunker that handled it.
    pub language: String,
    /// Number of chunks.
    pub chunks: u32,
    /// Sum of the chunks' tokens.
    pub tokens: u64,
    /// Vector keys of the chunks (see [`crate::index::vector_key`]); shared content shares a key.
    #[serde(default)]
    pub vector_keys: Vec<u64>,
}

/// The embedding model an index was built with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Model identifier ([`crate::embed::Embedder::model_id`]).
    pub id: String,
    /// Vector dimension.
    pub dim: usize,
}

/// Index-wide metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexMeta {
    /// On-disk format version; see [`crate::index::FORMAT_VERSION`].
    pub format_version: u32,
    /// The model whose vectors the vector index holds, if any.
    pub model: Option<ModelInfo>,
    /// When the last index run completed (seconds since the epoch), if one did.
    pub last_indexed: Option<u64>,
}

const META_KEY: &[u8] = b"meta";

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("records serialize")
}

fn decode<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        Error::Store(format!(
            "corrupt {what} record ({e}): rebuild with `ctx index --rebuild`"
        ))
    })
}

/// The key of a file's chunks: its path and a NUL, so one file's chunks are contiguous.
fn chunk_prefix(path: &str) -> Vec<u8> {
    let mut key = path.as_bytes().to_vec();
    key.push(0);
    key
}

/// The key of chunk number `ordinal` of `path`.
pub fn chunk_key(path: &str, ordinal: u32) -> Vec<u8> {
    let mut key = chunk_prefix(path);
    key.extend_from_slice(&ordinal.to_be_bytes());
    key
}

/// Reads the index metadata.
pub fn read_meta(store: &dyn Store) -> Result<Option<IndexMeta>> {
    store
        .get(Area::Meta, META_KEY)?
        .map(|bytes| decode("metadata", &bytes))
        .transpose()
}

/// Queues a write of the index metadata.
pub fn put_meta(batch: &mut Batch, meta: &IndexMeta) {
    batch.put(Area::Meta, META_KEY, encode(meta));
}

/// Reads one file record.
pub fn read_file(store: &dyn Store, path: &str) -> Result<Option<FileRecord>> {
    store
        .get(Area::Files, path.as_bytes())?
        .map(|bytes| decode("file", &bytes))
        .transpose()
}

/// Every file record, sorted by path.
pub fn read_files(store: &dyn Store) -> Result<Vec<FileRecord>> {
    store
        .scan(Area::Files, b"")?
        .into_iter()
        .map(|(_, bytes)| decode("file", &bytes))
        .collect()
}

/// The chunks of one file, in line order.
pub fn read_chunks(store: &dyn Store, path: &str) -> Result<Vec<Chunk>> {
    store
        .scan(Area::Chunks, &chunk_prefix(path))?
        .into_iter()
        .map(|(_, bytes)| decode("chunk", &bytes))
        .collect()
}

/// One chunk by path and ordinal.
pub fn read_chunk(store: &dyn Store, path: &str, ordinal: u32) -> Result<Option<Chunk>> {
    store
        .get(Area::Chunks, &chunk_key(path, ordinal))?
        .map(|bytes| decode("chunk", &bytes))
        .transpose()
}

/// Every chunk of the index, in path then line order.
pub fn read_all_chunks(store: &dyn Store) -> Result<Vec<Chunk>> {
    store
        .scan(Area::Chunks, b"")?
        .into_iter()
        .map(|(_, bytes)| decode("chunk", &bytes))
        .collect()
}

/// Queues the replacement of a file's record and chunks (`old_chunks` is how many it had).
pub fn put_file(batch: &mut Batch, record: &FileRecord, chunks: &[Chunk], old_chunks: u32) {
    for ordinal in chunks.len() as u32..old_chunks {
        batch.delete(Area::Chunks, &chunk_key(&record.path, ordinal));
    }
    for (ordinal, chunk) in chunks.iter().enumerate() {
        batch.put(
            Area::Chunks,
            &chunk_key(&record.path, ordinal as u32),
            encode(chunk),
        );
    }
    batch.put(Area::Files, record.path.as_bytes(), encode(record));
}

/// Queues the removal of a file's record and its `chunks` chunks.
pub fn delete_file(batch: &mut Batch, path: &str, chunks: u32) {
    for ordinal in 0..chunks {
        batch.delete(Area::Chunks, &chunk_key(path, ordinal));
    }
    batch.delete(Area::Files, path.as_bytes());
}

/// Every vector key recorded as present in the vector index.
pub fn read_vector_keys(store: &dyn Store) -> Result<Vec<u64>> {
    Ok(store
        .scan(Area::Vectors, b"")?
        .into_iter()
        .filter_map(|(k, _)| k.try_into().ok().map(u64::from_be_bytes))
        .collect())
}

/// Queues recording that `key` is in (or, with `present = false`, gone from) the vector index.
pub fn put_vector_key(batch: &mut Batch, key: u64, present: bool) {
    if present {
        batch.put(Area::Vectors, &key.to_be_bytes(), Vec::new());
    } else {
        batch.delete(Area::Vectors, &key.to_be_bytes());
    }
}
