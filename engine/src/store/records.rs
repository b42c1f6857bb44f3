//! Typed records on top of a [`Store`]: files, chunks and index metadata.
//!
//! File records and metadata are JSON (small, and readable when debugging). The chunks of
//! one file are one record (format version 2): the chunks in postcard's compact binary
//! form, without the path and language they share, compressed with LZ4. One record per
//! file instead of one per chunk keeps the store small (chunk texts compress well, and
//! tile the file's text) and makes writing and scanning it cheap.

use super::{Area, Batch, Store};
use crate::{Chunk, ChunkKind, Error, Result};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

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
    /// The size limit in bytes of the last complete index run (files above it were
    /// skipped), if one recorded it: freshness checks and watcher updates walk with at
    /// least this limit, so a file indexed with `ctx index --max-file-size N` is kept and
    /// refreshed rather than taken for deleted.
    #[serde(default)]
    pub max_file_size: Option<u64>,
}

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
    match store.get(Area::Chunks, path.as_bytes())? {
        Some(bytes) => decode_chunks(path, &bytes),
        None => Ok(Vec::new()),
    }
}

/// One chunk by path and ordinal.
pub fn read_chunk(store: &dyn Store, path: &str, ordinal: u32) -> Result<Option<Chunk>> {
    let mut chunks = read_chunks(store, path)?;
    let ordinal = ordinal as usize;
    Ok((ordinal < chunks.len()).then(|| chunks.swap_remove(ordinal)))
}

/// Every chunk of the index, in path then line order.
pub fn read_all_chunks(store: &dyn Store) -> Result<Vec<Chunk>> {
    let mut all = Vec::new();
    for (key, bytes) in store.scan(Area::Chunks, b"")? {
        let path = String::from_utf8_lossy(&key);
        all.extend(decode_chunks(&path, &bytes)?);
    }
    Ok(all)
}

/// Queues the replacement of a file's record and chunks.
pub fn put_file(batch: &mut Batch, record: &FileRecord, chunks: &[Chunk]) {
    put_encoded_file(batch, record, encode_chunks(chunks));
}

/// [`put_file`] with the chunks already encoded by a [`ChunkRecord`].
pub fn put_encoded_file(batch: &mut Batch, record: &FileRecord, chunks: Vec<u8>) {
    batch.put(Area::Chunks, record.path.as_bytes(), chunks);
    batch.put(Area::Files, record.path.as_bytes(), encode(record));
}

/// One file's chunk record built chunk by chunk: the same bytes as encoding all the chunks
/// at once, without holding them all, so a caller can drop each chunk once it is pushed.
///
/// postcard writes a [`StoredFile`] as its language, the count of chunks, then each chunk:
/// the chunks are appended after room left for that header, which [`ChunkRecord::finish`]
/// fills in once the count is known.
pub struct ChunkRecord {
    /// Room for the header, then the encoded chunks.
    bytes: Vec<u8>,
    /// The file's language (the first chunk's), once a chunk was pushed.
    language: Option<String>,
    /// Chunks pushed.
    count: usize,
}

/// Room for the header besides the language's bytes: two varints of at most 10 bytes.
const HEADER_ROOM: usize = 20;

impl ChunkRecord {
    /// An empty record with room for about `capacity` bytes of chunks.
    pub fn with_capacity(capacity: usize) -> ChunkRecord {
        ChunkRecord {
            bytes: Vec::with_capacity(capacity),
            language: None,
            count: 0,
        }
    }

    /// Appends one chunk.
    pub fn push(&mut self, chunk: &Chunk) {
        let language = self.language.get_or_insert_with(|| chunk.language.clone());
        if self.count == 0 {
            self.bytes.resize(HEADER_ROOM + language.len(), 0);
        }
        let bytes = std::mem::take(&mut self.bytes);
        self.bytes =
            postcard::to_extend(&stored(chunk, language), bytes).expect("chunk records serialize");
        self.count += 1;
    }

    /// The record as stored (compressed).
    pub fn finish(self) -> Vec<u8> {
        let language = self.language.as_deref().unwrap_or("");
        let header =
            postcard::to_allocvec(&(language, self.count)).expect("chunk records serialize");
        let room = if self.count == 0 {
            0
        } else {
            HEADER_ROOM + language.len()
        };
        let mut bytes = self.bytes;
        if room < header.len() {
            bytes.splice(0..room, header);
            return lz4_flex::compress_prepend_size(&bytes);
        }
        let start = room - header.len();
        bytes[start..room].copy_from_slice(&header);
        lz4_flex::compress_prepend_size(&bytes[start..])
    }
}

/// Queues the removal of a file's record and chunks.
pub fn delete_file(batch: &mut Batch, path: &str) {
    batch.delete(Area::Chunks, path.as_bytes());
    batch.delete(Area::Files, path.as_bytes());
}

/// A chunk as stored: [`Chunk`] without the path and language its file record shares.
///
/// postcard writes fields in order without names, so this struct is the format: changing
/// it means bumping [`crate::index::FORMAT_VERSION`].
#[derive(Serialize, Deserialize)]
struct StoredChunk<'a> {
    /// `None` when it is the file's language (always, for chunks from ctx's chunkers).
    language: Option<Cow<'a, str>>,
    kind: ChunkKind,
    symbol: Option<Cow<'a, str>>,
    signature: Option<Cow<'a, str>>,
    parent: Option<Cow<'a, str>>,
    breadcrumb: Option<Cow<'a, str>>,
    part: Option<(u32, u32)>,
    start_line: u32,
    end_line: u32,
    start_byte: u64,
    end_byte: u64,
    content_hash: Cow<'a, str>,
    tokens: u32,
    text: Cow<'a, str>,
    front_matter: Cow<'a, BTreeMap<String, String>>,
}

/// The chunks of one file as stored: their shared language, then each chunk.
#[derive(Serialize, Deserialize)]
struct StoredFile<'a> {
    language: Cow<'a, str>,
    chunks: Vec<StoredChunk<'a>>,
}

fn stored<'a>(chunk: &'a Chunk, file_language: &str) -> StoredChunk<'a> {
    let borrow = |field: &'a Option<String>| field.as_deref().map(Cow::Borrowed);
    StoredChunk {
        language: (chunk.language != file_language).then_some(Cow::Borrowed(&chunk.language)),
        kind: chunk.kind,
        symbol: borrow(&chunk.symbol),
        signature: borrow(&chunk.signature),
        parent: borrow(&chunk.parent),
        breadcrumb: borrow(&chunk.breadcrumb),
        part: chunk.part,
        start_line: chunk.start_line,
        end_line: chunk.end_line,
        start_byte: chunk.start_byte,
        end_byte: chunk.end_byte,
        content_hash: Cow::Borrowed(&chunk.content_hash),
        tokens: chunk.tokens,
        text: Cow::Borrowed(&chunk.text),
        front_matter: Cow::Borrowed(&chunk.front_matter),
    }
}

fn unstored(path: &str, language: &str, chunk: StoredChunk<'_>) -> Chunk {
    let owned = |field: Option<Cow<'_, str>>| field.map(Cow::into_owned);
    Chunk {
        path: path.to_string(),
        language: chunk
            .language
            .map_or_else(|| language.to_string(), Cow::into_owned),
        kind: chunk.kind,
        symbol: owned(chunk.symbol),
        signature: owned(chunk.signature),
        parent: owned(chunk.parent),
        breadcrumb: owned(chunk.breadcrumb),
        part: chunk.part,
        start_line: chunk.start_line,
        end_line: chunk.end_line,
        start_byte: chunk.start_byte,
        end_byte: chunk.end_byte,
        content_hash: chunk.content_hash.into_owned(),
        tokens: chunk.tokens,
        text: chunk.text.into_owned(),
        front_matter: chunk.front_matter.into_owned(),
    }
}

/// Encodes one file's chunks (which share their path).
fn encode_chunks(chunks: &[Chunk]) -> Vec<u8> {
    let mut record = ChunkRecord::with_capacity(0);
    for chunk in chunks {
        record.push(chunk);
    }
    record.finish()
}

fn decode_chunks(path: &str, bytes: &[u8]) -> Result<Vec<Chunk>> {
    let corrupt = |e: &dyn std::fmt::Display| {
        Error::Store(format!(
            "corrupt chunk record of '{path}' ({e}): rebuild with `ctx index --rebuild`"
        ))
    };
    let bytes = lz4_flex::decompress_size_prepended(bytes).map_err(|e| corrupt(&e))?;
    let file: StoredFile<'_> = postcard::from_bytes(&bytes).map_err(|e| corrupt(&e))?;
    let language = file.language.clone();
    Ok(file
        .chunks
        .into_iter()
        .map(|chunk| unstored(path, &language, chunk))
        .collect())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemStore;

    fn chunk(path: &str, ordinal: u32, language: &str) -> Chunk {
        let text = format!("fn f{ordinal}() {{}}\n");
        Chunk {
            path: path.to_string(),
            language: language.to_string(),
            kind: ChunkKind::Function,
            symbol: Some(format!("f{ordinal}")),
            signature: Some(format!("fn f{ordinal}() {{}}")),
            parent: None,
            breadcrumb: (ordinal == 1).then(|| "Guide > Intro".to_string()),
            part: (ordinal == 2).then_some((1, 2)),
            start_line: ordinal + 1,
            end_line: ordinal + 1,
            start_byte: u64::from(ordinal) * 11,
            end_byte: u64::from(ordinal + 1) * 11,
            content_hash: crate::content_hash(text.as_bytes()),
            tokens: 7,
            text,
            front_matter: if ordinal == 0 {
                BTreeMap::from([("globs".to_string(), "*.rs".to_string())])
            } else {
                BTreeMap::new()
            },
        }
    }

    fn record(path: &str, chunks: u32) -> FileRecord {
        FileRecord {
            path: path.to_string(),
            hash: "h".to_string(),
            size: 1,
            mtime_ns: 2,
            language: "rust".to_string(),
            chunks,
            tokens: 3,
            vector_keys: vec![4],
        }
    }

    #[test]
    fn chunks_round_trip_per_file() {
        let store = MemStore::new();
        let a: Vec<Chunk> = vec![chunk("a.rs", 0, "rust"), chunk("a.rs", 1, "rust")];
        let b: Vec<Chunk> = vec![chunk("b.md", 0, "markdown"), chunk("b.md", 1, "text")];
        let mut batch = Batch::default();
        put_file(&mut batch, &record("a.rs", 2), &a);
        put_file(&mut batch, &record("b.md", 2), &b);
        store.apply(batch).unwrap();
        assert_eq!(read_chunks(&store, "a.rs").unwrap(), a);
        assert_eq!(read_chunks(&store, "b.md").unwrap(), b, "languages differ");
        assert_eq!(read_chunk(&store, "b.md", 1).unwrap(), Some(b[1].clone()));
        assert_eq!(read_chunk(&store, "b.md", 2).unwrap(), None);
        assert_eq!(read_chunks(&store, "c.rs").unwrap(), Vec::<Chunk>::new());
        let all = read_all_chunks(&store).unwrap();
        assert_eq!(all, [a.clone(), b].concat());
        assert_eq!(read_file(&store, "a.rs").unwrap(), Some(record("a.rs", 2)));
    }

    #[test]
    fn replacing_and_deleting_a_file_leaves_no_stale_chunks() {
        let store = MemStore::new();
        let mut batch = Batch::default();
        let three: Vec<Chunk> = (0..3).map(|i| chunk("a.rs", i, "rust")).collect();
        put_file(&mut batch, &record("a.rs", 3), &three);
        store.apply(batch).unwrap();
        let mut batch = Batch::default();
        put_file(&mut batch, &record("a.rs", 1), &three[..1]);
        store.apply(batch).unwrap();
        assert_eq!(read_all_chunks(&store).unwrap(), three[..1]);
        let mut batch = Batch::default();
        delete_file(&mut batch, "a.rs");
        store.apply(batch).unwrap();
        assert!(read_all_chunks(&store).unwrap().is_empty());
        assert_eq!(read_file(&store, "a.rs").unwrap(), None);
    }

    #[test]
    fn a_record_built_chunk_by_chunk_is_the_whole_file_encoded_at_once() {
        let at_once = |chunks: &[Chunk]| {
            let language = chunks.first().map_or("", |c| c.language.as_str());
            let file = StoredFile {
                language: Cow::Borrowed(language),
                chunks: chunks.iter().map(|c| stored(c, language)).collect(),
            };
            lz4_flex::compress_prepend_size(&postcard::to_allocvec(&file).unwrap())
        };
        let many: Vec<Chunk> = (0..300).map(|i| chunk("a.rs", i, "rust")).collect();
        let mixed = [chunk("b.md", 0, "markdown"), chunk("b.md", 1, "text")];
        for chunks in [&many[..], &many[..1], &many[..130], &mixed[..], &[]] {
            assert_eq!(
                encode_chunks(chunks),
                at_once(chunks),
                "{} chunks",
                chunks.len()
            );
            assert_eq!(
                decode_chunks("a.rs", &encode_chunks(chunks)).unwrap().len(),
                chunks.len()
            );
        }
    }

    #[test]
    fn a_corrupt_chunk_record_names_the_file_and_the_fix() {
        let store = MemStore::new();
        let mut batch = Batch::default();
        batch.put(Area::Chunks, b"src/x.rs", vec![9, 0, 0, 0, 1, 2]);
        store.apply(batch).unwrap();
        let err = read_chunks(&store, "src/x.rs").unwrap_err().to_string();
        assert!(err.contains("'src/x.rs'"), "{err}");
        assert!(err.contains("ctx index --rebuild"), "{err}");
    }
}
