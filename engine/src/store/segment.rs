//! One immutable, sorted, checksummed file of records: what [`super::SegmentStore`] is
//! made of.
//!
//! Layout (little-endian):
//!
//! ```text
//! "CTXSEG1\n"                                   8 bytes
//! values, one after another                      (tombstones have none)
//! index: per entry, in key order:
//!     key length u32, key, value offset u64, value length u32 (u32::MAX: tombstone),
//!     value hash u64 (blake3 of key and value, first 8 bytes)
//! footer: entry count u64, index offset u64, index hash [u8; 16], "CTXSEGND"
//! ```
//!
//! A file is written once (to a temporary name, synced, then renamed) and never changed,
//! so readers in other processes can use it while a writer makes the next one. Opening
//! checks the footer and the index hash (cheap); each read checks its value's hash, so a
//! truncated or overwritten file is reported, never returned as data.

use crate::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"CTXSEG1\n";
const FOOTER_MAGIC: &[u8; 8] = b"CTXSEGND";
const FOOTER_LEN: u64 = 8 + 8 + 16 + 8;
const TOMBSTONE: u32 = u32::MAX;

/// One entry of a segment's index.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The physical key.
    pub key: Vec<u8>,
    offset: u64,
    len: u32,
    hash: u64,
}

impl Entry {
    /// True when the entry records a deletion.
    pub fn is_tombstone(&self) -> bool {
        self.len == TOMBSTONE
    }
}

/// An open segment file.
pub struct Segment {
    path: PathBuf,
    file: File,
    entries: Vec<Entry>,
    bytes: u64,
}

fn value_hash(key: &[u8], value: &[u8]) -> u64 {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&(key.len() as u64).to_le_bytes());
    hasher.update(key);
    hasher.update(value);
    u64::from_le_bytes(
        hasher.finalize().as_bytes()[..8]
            .try_into()
            .expect("8 bytes"),
    )
}

fn damaged(path: &Path, detail: impl Into<String>) -> Error {
    Error::Damaged {
        part: "records",
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

impl Segment {
    /// Writes `entries` (sorted by key, each key once; `None` is a tombstone) to `path`,
    /// durably, and opens the result.
    pub fn write(
        path: &Path,
        entries: impl IntoIterator<Item = Result<(Vec<u8>, Option<Vec<u8>>)>>,
    ) -> Result<Segment> {
        let tmp = path.with_extension("tmp");
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| Error::io("creating", &tmp, e))?;
        let mut out = BufWriter::new(file);
        let io = |e| Error::io("writing", &tmp, e);
        out.write_all(MAGIC).map_err(io)?;
        let mut offset = MAGIC.len() as u64;
        let mut index = Vec::new();
        let mut count = 0u64;
        let mut last: Option<Vec<u8>> = None;
        for entry in entries {
            let (key, value) = entry?;
            debug_assert!(
                last.as_ref().is_none_or(|l| *l < key),
                "sorted, unique keys"
            );
            let (len, hash) = match &value {
                Some(value) => {
                    out.write_all(value).map_err(io)?;
                    (value.len() as u32, value_hash(&key, value))
                }
                None => (TOMBSTONE, 0),
            };
            index.extend_from_slice(&(key.len() as u32).to_le_bytes());
            index.extend_from_slice(&key);
            index.extend_from_slice(&offset.to_le_bytes());
            index.extend_from_slice(&len.to_le_bytes());
            index.extend_from_slice(&hash.to_le_bytes());
            offset += value.as_ref().map_or(0, |v| v.len() as u64);
            count += 1;
            last = Some(key);
        }
        out.write_all(&index).map_err(io)?;
        out.write_all(&count.to_le_bytes()).map_err(io)?;
        out.write_all(&offset.to_le_bytes()).map_err(io)?;
        out.write_all(&blake3::hash(&index).as_bytes()[..16])
            .map_err(io)?;
        out.write_all(FOOTER_MAGIC).map_err(io)?;
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(|e| Error::io("renaming", &tmp, e))?;
        Segment::open(path)
    }

    /// Opens the segment at `path`, checking its footer and index.
    pub fn open(path: &Path) -> Result<Segment> {
        let file = File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => damaged(path, "the file is missing"),
            _ => Error::io("opening", path, e),
        })?;
        let bytes = file
            .metadata()
            .map_err(|e| Error::io("reading", path, e))?
            .len();
        if bytes < MAGIC.len() as u64 + FOOTER_LEN {
            return Err(damaged(
                path,
                format!("the file is truncated ({bytes} bytes)"),
            ));
        }
        let mut footer = [0u8; FOOTER_LEN as usize];
        file.read_exact_at(&mut footer, bytes - FOOTER_LEN)
            .map_err(|e| Error::io("reading", path, e))?;
        if &footer[32..] != FOOTER_MAGIC {
            return Err(damaged(
                path,
                "the file is truncated or overwritten (no footer)",
            ));
        }
        let count = u64::from_le_bytes(footer[..8].try_into().expect("8 bytes"));
        let index_offset = u64::from_le_bytes(footer[8..16].try_into().expect("8 bytes"));
        if index_offset < MAGIC.len() as u64 || index_offset > bytes - FOOTER_LEN {
            return Err(damaged(path, "the footer points outside the file"));
        }
        let mut index = vec![0u8; (bytes - FOOTER_LEN - index_offset) as usize];
        file.read_exact_at(&mut index, index_offset)
            .map_err(|e| Error::io("reading", path, e))?;
        if blake3::hash(&index).as_bytes()[..16] != footer[16..32] {
            return Err(damaged(path, "the index of the file fails its checksum"));
        }
        let entries = parse_index(&index, count, index_offset)
            .ok_or_else(|| damaged(path, "the index of the file is malformed"))?;
        Ok(Segment {
            path: path.to_path_buf(),
            file,
            entries,
            bytes,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size of the file in bytes.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Every entry, in key order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry of `key`, if this segment has one.
    pub fn lookup(&self, key: &[u8]) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| e.key.as_slice().cmp(key))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// The entries whose key starts with `prefix`, in key order.
    pub fn with_prefix(&self, prefix: &[u8]) -> &[Entry] {
        let start = self.entries.partition_point(|e| e.key.as_slice() < prefix);
        let len = self.entries[start..]
            .iter()
            .take_while(|e| e.key.starts_with(prefix))
            .count();
        &self.entries[start..start + len]
    }

    /// The value of `entry` (`None` for a tombstone), checked against its hash.
    pub fn read(&self, entry: &Entry) -> Result<Option<Vec<u8>>> {
        if entry.is_tombstone() {
            return Ok(None);
        }
        let mut value = vec![0u8; entry.len as usize];
        self.file
            .read_exact_at(&mut value, entry.offset)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => damaged(&self.path, "the file is truncated"),
                _ => Error::io("reading", &self.path, e),
            })?;
        if value_hash(&entry.key, &value) != entry.hash {
            return Err(damaged(
                &self.path,
                format!(
                    "the record {:?} fails its checksum",
                    String::from_utf8_lossy(&entry.key)
                ),
            ));
        }
        Ok(Some(value))
    }
}

fn parse_index(index: &[u8], count: u64, values_end: u64) -> Option<Vec<Entry>> {
    let mut entries = Vec::with_capacity(count.min(1 << 24) as usize);
    let mut at = 0usize;
    let take = |at: &mut usize, n: usize| -> Option<&[u8]> {
        let slice = index.get(*at..*at + n)?;
        *at += n;
        Some(slice)
    };
    for _ in 0..count {
        let key_len = u32::from_le_bytes(take(&mut at, 4)?.try_into().ok()?) as usize;
        let key = take(&mut at, key_len)?.to_vec();
        let offset = u64::from_le_bytes(take(&mut at, 8)?.try_into().ok()?);
        let len = u32::from_le_bytes(take(&mut at, 4)?.try_into().ok()?);
        let hash = u64::from_le_bytes(take(&mut at, 8)?.try_into().ok()?);
        let end = offset.checked_add(if len == TOMBSTONE { 0 } else { len as u64 })?;
        if end > values_end || entries.last().is_some_and(|e: &Entry| e.key >= key) {
            return None;
        }
        entries.push(Entry {
            key,
            offset,
            len,
            hash,
        });
    }
    (at == index.len()).then_some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(dir: &Path) -> Segment {
        let entries = vec![
            Ok((b"a".to_vec(), Some(b"one".to_vec()))),
            Ok((b"b".to_vec(), None)),
            Ok((b"c/x".to_vec(), Some(Vec::new()))),
            Ok((b"c/y".to_vec(), Some(b"three".to_vec()))),
        ];
        Segment::write(&dir.join("s.seg"), entries).unwrap()
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let written = sample(dir.path());
        let segment = Segment::open(written.path()).unwrap();
        let a = segment.lookup(b"a").unwrap();
        assert_eq!(segment.read(a).unwrap(), Some(b"one".to_vec()));
        assert!(segment.lookup(b"b").unwrap().is_tombstone());
        assert!(segment.lookup(b"z").is_none());
        let c: Vec<&[u8]> = segment
            .with_prefix(b"c/")
            .iter()
            .map(|e| e.key.as_slice())
            .collect();
        assert_eq!(c, [b"c/x".as_slice(), b"c/y"]);
        let x = segment.lookup(b"c/x").unwrap();
        assert_eq!(segment.read(x).unwrap(), Some(Vec::new()));
    }

    #[test]
    fn truncation_and_garbage_are_reported_as_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = sample(dir.path()).path().to_path_buf();
        let bytes = std::fs::read(&path).unwrap();
        for cut in [0, 5, bytes.len() / 2, bytes.len() - 1] {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            let err = Segment::open(&path).err().expect("damaged");
            assert!(matches!(err, Error::Damaged { .. }), "{cut}: {err}");
        }
        let mut flipped = bytes.clone();
        flipped[9] ^= 0xff;
        std::fs::write(&path, &flipped).unwrap();
        let segment = Segment::open(&path).unwrap();
        let a = segment.lookup(b"a").unwrap();
        assert!(matches!(segment.read(a), Err(Error::Damaged { .. })));
        let mut index_flipped = bytes;
        let at = index_flipped.len() - FOOTER_LEN as usize - 3;
        index_flipped[at] ^= 0xff;
        std::fs::write(&path, &index_flipped).unwrap();
        assert!(matches!(Segment::open(&path), Err(Error::Damaged { .. })));
    }
}
