//! The on-disk record store: a stack of immutable [`Segment`] files, newest last, plus
//! the batches applied since the last flush.
//!
//! Reads look at the applied batches, then the segments from newest to oldest. A flush
//! writes the applied batches as one new segment, then merges the newest segments while
//! the newest is at least half the size of the one before it (or there are more than
//! [`MAX_SEGMENTS`]), so a small change writes a small file and the stack stays short.
//! Segment files are never changed, which is what lets an index generation hard-link
//! them from the one before (see [`crate::index`]).

use super::segment::{Entry, Segment};
use super::{Area, Batch, Store};
use crate::{Error, Result};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Segments at most, after a flush.
const MAX_SEGMENTS: usize = 6;
const EXTENSION: &str = "rec";

/// A [`Store`] in segment files under one directory.
pub struct SegmentStore {
    state: RwLock<State>,
}

struct State {
    dir: PathBuf,
    segments: Vec<Segment>,
    applied: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    next_id: u64,
}

impl SegmentStore {
    /// Opens the segments `names` (oldest first) in `dir`; an empty store when there are none.
    pub fn open(dir: &Path, names: &[String]) -> Result<SegmentStore> {
        let mut segments = Vec::with_capacity(names.len());
        let mut next_id = 1;
        for name in names {
            if name.contains('/') || !name.ends_with(EXTENSION) {
                return Err(Error::Damaged {
                    part: "records",
                    path: dir.to_path_buf(),
                    detail: format!("the manifest names an unexpected file {name:?}"),
                });
            }
            segments.push(Segment::open(&dir.join(name))?);
            next_id = next_id.max(segment_id(name).map_or(0, |id| id + 1));
        }
        Ok(SegmentStore {
            state: RwLock::new(State {
                dir: dir.to_path_buf(),
                segments,
                applied: BTreeMap::new(),
                next_id,
            }),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// File names of the segments, oldest first (what a manifest records).
    pub fn names(&self) -> Vec<String> {
        self.read()
            .segments
            .iter()
            .map(|s| file_name(s.path()))
            .collect()
    }

    /// The directory new segments are written to.
    pub fn dir(&self) -> PathBuf {
        self.read().dir.clone()
    }

    /// Writes new segments to `dir` from now on: the caller has linked the current
    /// segment files there.
    pub fn move_to(&self, dir: &Path) -> Result<()> {
        let mut state = self.write();
        let mut moved = Vec::with_capacity(state.segments.len());
        for segment in &state.segments {
            moved.push(Segment::open(&dir.join(file_name(segment.path())))?);
        }
        state.segments = moved;
        state.dir = dir.to_path_buf();
        Ok(())
    }

    /// Bytes of the segment files.
    pub fn bytes(&self) -> u64 {
        self.read().segments.iter().map(Segment::bytes).sum()
    }

    /// Number of keys present in `area` (flushed or not), without reading values.
    pub fn count(&self, area: Area) -> u64 {
        let state = self.read();
        let prefix = area.key(b"");
        let mut seen: HashSet<&[u8]> = HashSet::new();
        let mut present = 0;
        let applied = state
            .applied
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, v)| (k.as_slice(), v.is_some()));
        let flushed = state.segments.iter().rev().flat_map(|s| {
            s.with_prefix(&prefix)
                .iter()
                .map(|e| (e.key.as_slice(), !e.is_tombstone()))
        });
        for (key, live) in applied.chain(flushed) {
            if seen.insert(key) && live {
                present += 1;
            }
        }
        present
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn segment_id(name: &str) -> Option<u64> {
    name.strip_prefix("seg-")?
        .strip_suffix(&format!(".{EXTENSION}"))?
        .parse()
        .ok()
}

impl State {
    fn new_path(&mut self) -> PathBuf {
        let path = self
            .dir
            .join(format!("seg-{:06}.{EXTENSION}", self.next_id));
        self.next_id += 1;
        path
    }

    /// Merges the newest segments while they are too many or the newest is big (see
    /// the module docs).
    fn compact(&mut self) -> Result<()> {
        loop {
            let n = self.segments.len();
            if n < 2 {
                return Ok(());
            }
            let big = self.segments[n - 1].bytes() * 2 >= self.segments[n - 2].bytes();
            if !big && n <= MAX_SEGMENTS {
                return Ok(());
            }
            let newer = self.segments.pop().expect("two segments");
            let older = self.segments.pop().expect("two segments");
            let keep_tombstones = !self.segments.is_empty();
            let path = self.new_path();
            let merged = Segment::write(&path, merge(&older, &newer, keep_tombstones))?;
            for old in [older, newer] {
                std::fs::remove_file(old.path())
                    .map_err(|e| Error::io("removing", old.path(), e))?;
            }
            self.segments.push(merged);
        }
    }
}

/// The entries of two segments in key order, the newer one's winning, with their values.
fn merge<'a>(
    older: &'a Segment,
    newer: &'a Segment,
    keep_tombstones: bool,
) -> impl Iterator<Item = Result<(Vec<u8>, Option<Vec<u8>>)>> + 'a {
    let mut a = older.entries().iter().peekable();
    let mut b = newer.entries().iter().peekable();
    std::iter::from_fn(move || loop {
        let (segment, entry): (&Segment, &Entry) = match (a.peek(), b.peek()) {
            (None, None) => return None,
            (Some(_), None) => (older, a.next().expect("peeked")),
            (None, Some(_)) => (newer, b.next().expect("peeked")),
            (Some(x), Some(y)) => match x.key.cmp(&y.key) {
                std::cmp::Ordering::Less => (older, a.next().expect("peeked")),
                std::cmp::Ordering::Greater => (newer, b.next().expect("peeked")),
                std::cmp::Ordering::Equal => {
                    a.next();
                    (newer, b.next().expect("peeked"))
                }
            },
        };
        if entry.is_tombstone() && !keep_tombstones {
            continue;
        }
        return Some(segment.read(entry).map(|value| (entry.key.clone(), value)));
    })
}

impl Store for SegmentStore {
    fn get(&self, area: Area, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let key = area.key(key);
        let state = self.read();
        if let Some(value) = state.applied.get(&key) {
            return Ok(value.clone());
        }
        for segment in state.segments.iter().rev() {
            if let Some(entry) = segment.lookup(&key) {
                return segment.read(entry);
            }
        }
        Ok(None)
    }

    fn scan(&self, area: Area, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let start = area.key(prefix);
        let state = self.read();
        let mut newest: BTreeMap<&[u8], (usize, &Entry)> = BTreeMap::new();
        for (i, segment) in state.segments.iter().enumerate() {
            for entry in segment.with_prefix(&start) {
                newest.insert(&entry.key, (i, entry));
            }
        }
        let mut out: BTreeMap<Vec<u8>, Option<Vec<u8>>> = BTreeMap::new();
        for (key, (i, entry)) in newest {
            if !entry.is_tombstone() {
                out.insert(key.to_vec(), state.segments[i].read(entry)?);
            }
        }
        for (key, value) in state
            .applied
            .range(start.clone()..)
            .take_while(|(k, _)| k.starts_with(&start))
        {
            out.insert(key.clone(), value.clone());
        }
        Ok(out
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k[1..].to_vec(), v)))
            .collect())
    }

    fn apply(&self, batch: Batch) -> Result<()> {
        let mut state = self.write();
        for (key, value) in batch.ops {
            state.applied.insert(key, value);
        }
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        let mut state = self.write();
        if state.applied.is_empty() {
            return Ok(());
        }
        let dir = state.dir.clone();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let applied = std::mem::take(&mut state.applied);
        let keep_tombstones = !state.segments.is_empty();
        let entries = applied
            .into_iter()
            .filter(|(_, v)| keep_tombstones || v.is_some())
            .map(Ok);
        let path = state.new_path();
        let segment = Segment::write(&path, entries)?;
        state.segments.push(segment);
        state.compact()
    }
}
