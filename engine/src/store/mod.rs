//! Record storage: an ordered key-value store with named areas, behind the [`Store`] trait.
//!
//! Implementations: [`SegmentStore`] (on disk: immutable segment files in an index
//! generation, which readers in other processes share while a writer makes the next one)
//! and [`MemStore`] (in memory, for tests). Typed access to files, chunks and metadata is
//! in [`records`].

mod mem;
pub mod records;
mod segment;
mod segments;
#[cfg(test)]
mod tests;

pub use mem::MemStore;
pub use records::{FileRecord, IndexMeta};
pub use segments::SegmentStore;

use crate::Result;

/// A named area of the store; keys of different areas never collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    /// One record per indexed file, keyed by path.
    Files,
    /// Chunks, keyed by path and ordinal.
    Chunks,
    /// Embedded vectors present in the vector index, keyed by vector key.
    Vectors,
}

impl Area {
    fn prefix(self) -> u8 {
        match self {
            Area::Files => b'f',
            Area::Chunks => b'c',
            Area::Vectors => b'v',
        }
    }

    /// The physical key of `key` in this area.
    pub fn key(self, key: &[u8]) -> Vec<u8> {
        let mut full = Vec::with_capacity(key.len() + 1);
        full.push(self.prefix());
        full.extend_from_slice(key);
        full
    }
}

/// A set of writes applied atomically by [`Store::apply`].
#[derive(Debug, Default, Clone)]
pub struct Batch {
    ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl Batch {
    /// Sets `key` in `area` to `value`.
    pub fn put(&mut self, area: Area, key: &[u8], value: Vec<u8>) {
        self.ops.push((area.key(key), Some(value)));
    }

    /// Removes `key` from `area`.
    pub fn delete(&mut self, area: Area, key: &[u8]) {
        self.ops.push((area.key(key), None));
    }

    /// True when the batch holds no writes.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The writes, in order: physical key and new value (`None` deletes).
    pub fn ops(&self) -> &[(Vec<u8>, Option<Vec<u8>>)] {
        &self.ops
    }
}

/// An ordered key-value store. Implementations: [`SegmentStore`], [`MemStore`].
pub trait Store: Send + Sync {
    /// The value of `key` in `area`.
    fn get(&self, area: Area, key: &[u8]) -> Result<Option<Vec<u8>>>;
    /// Every (key, value) in `area` whose key starts with `prefix`, in key order; keys are
    /// returned without the area prefix.
    fn scan(&self, area: Area, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>>;
    /// Applies all writes of `batch` atomically.
    fn apply(&self, batch: Batch) -> Result<()>;
    /// Makes every applied batch durable.
    fn flush(&self) -> Result<()>;
}
