//! Nearest-neighbour search over embeddings, behind the [`VectorIndex`] trait.
//!
//! Implementations: [`UsearchIndex`] (HNSW, cosine, on disk) and [`ExactIndex`] (brute
//! force in memory: the recall oracle in tests).

use crate::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use usearch::{Index, IndexOptions, MetricKind, ScalarKind};

/// A set of vectors keyed by `u64`, searchable by cosine similarity.
pub trait VectorIndex: Send + Sync {
    /// Adds (or replaces) the vector of `key`.
    fn add(&mut self, key: u64, vector: &[f32]) -> Result<()>;
    /// Removes the vector of `key`, if present.
    fn remove(&mut self, key: u64) -> Result<()>;
    /// The `k` nearest keys to `query`, best first, with cosine similarity.
    fn search(&self, query: &[f32], k: usize) -> Result<Vec<(u64, f32)>>;
    /// Persists the index to `path` (a no-op in memory).
    fn save(&self, path: &Path) -> Result<()>;
    /// Number of vectors held.
    fn len(&self) -> usize;
    /// True when no vector is held.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Brute-force cosine search in memory.
#[derive(Debug, Default)]
pub struct ExactIndex {
    vectors: BTreeMap<u64, Vec<f32>>,
}

impl ExactIndex {
    /// An empty index.
    pub fn new() -> ExactIndex {
        ExactIndex::default()
    }
}

/// Cosine similarity of two vectors (0 when either is zero).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    dot / (na.sqrt() * nb.sqrt())
}

impl VectorIndex for ExactIndex {
    fn add(&mut self, key: u64, vector: &[f32]) -> Result<()> {
        self.vectors.insert(key, vector.to_vec());
        Ok(())
    }

    fn remove(&mut self, key: u64) -> Result<()> {
        self.vectors.remove(&key);
        Ok(())
    }

    fn search(&self, query: &[f32], k: usize) -> Result<Vec<(u64, f32)>> {
        let mut scored: Vec<(u64, f32)> = self
            .vectors
            .iter()
            .map(|(key, v)| (*key, cosine(query, v)))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(k);
        Ok(scored)
    }

    fn save(&self, _path: &Path) -> Result<()> {
        Ok(())
    }

    fn len(&self) -> usize {
        self.vectors.len()
    }
}

/// An HNSW index (usearch, cosine metric, f16 storage) saved in one file.
pub struct UsearchIndex {
    index: Index,
    path: PathBuf,
    /// One search at a time: usearch keeps one search context per hardware thread and fails
    /// a search that finds none free ("Reserve capacity ahead of searches!"), which a daemon
    /// serving more concurrent clients than the machine has cores would otherwise hit.
    search_gate: Mutex<()>,
}

fn vector_error(what: &str, path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Vector(format!("{what} {}: {e}", path.display()))
}

impl UsearchIndex {
    /// Opens the index at `path` (or an empty one if the file does not exist) for `dim`-sized
    /// vectors.
    pub fn open(path: &Path, dim: usize) -> Result<UsearchIndex> {
        let index =
            Index::new(&Self::options(dim)).map_err(|e| vector_error("creating", path, e))?;
        if path.exists() {
            let text = path.to_string_lossy();
            index.load(&text).map_err(|e| {
                vector_error("loading (rebuild with `ctx index --rebuild`)", path, e)
            })?;
            if index.dimensions() != dim {
                return Err(Error::Vector(format!(
                    "{} holds {}-dimensional vectors, the model gives {dim}: rebuild with `ctx index --rebuild`",
                    path.display(),
                    index.dimensions()
                )));
            }
        }
        Ok(UsearchIndex {
            index,
            path: path.to_path_buf(),
            search_gate: Mutex::new(()),
        })
    }

    /// Maps the index file at `path` read-only (nothing is loaded: the pages are shared
    /// with every process that maps it); for `dim`-sized vectors. The file must not be
    /// changed while mapped: ctx replaces vector files, never rewrites them.
    pub fn view(path: &Path, dim: usize) -> Result<UsearchIndex> {
        let index =
            Index::new(&Self::options(dim)).map_err(|e| vector_error("creating", path, e))?;
        index
            .view(&path.to_string_lossy())
            .map_err(|e| vector_error("mapping", path, e))?;
        if index.dimensions() != dim {
            return Err(Error::Vector(format!(
                "{} holds {}-dimensional vectors, the model gives {dim}: rebuild with `ctx index --rebuild`",
                path.display(),
                index.dimensions()
            )));
        }
        Ok(UsearchIndex {
            index,
            path: path.to_path_buf(),
            search_gate: Mutex::new(()),
        })
    }

    fn options(dim: usize) -> IndexOptions {
        IndexOptions {
            dimensions: dim,
            metric: MetricKind::Cos,
            quantization: ScalarKind::F16,
            connectivity: 16,
            expansion_add: 128,
            expansion_search: 64,
            multi: false,
        }
    }

    fn ensure_capacity(&self) -> Result<()> {
        let capacity = self.index.capacity();
        if self.index.size() < capacity {
            return Ok(());
        }
        let wanted = (capacity * 2).max(1024);
        self.index
            .reserve(wanted)
            .map_err(|e| vector_error("growing", &self.path, e))
    }
}

impl VectorIndex for UsearchIndex {
    fn add(&mut self, key: u64, vector: &[f32]) -> Result<()> {
        if self.index.contains(key) {
            self.remove(key)?;
        }
        self.ensure_capacity()?;
        self.index
            .add(key, vector)
            .map_err(|e| vector_error("adding to", &self.path, e))
    }

    fn remove(&mut self, key: u64) -> Result<()> {
        self.index
            .remove(key)
            .map(|_| ())
            .map_err(|e| vector_error("removing from", &self.path, e))
    }

    fn search(&self, query: &[f32], k: usize) -> Result<Vec<(u64, f32)>> {
        if self.index.size() == 0 {
            return Ok(Vec::new());
        }
        let _one_at_a_time = self.search_gate.lock().unwrap_or_else(|e| e.into_inner());
        let matches = self
            .index
            .search(query, k)
            .map_err(|e| vector_error("searching", &self.path, e))?;
        Ok(matches
            .keys
            .into_iter()
            .zip(matches.distances)
            .map(|(key, distance)| (key, 1.0 - distance))
            .collect())
    }

    /// Writes a new file and renames it over `path` (a file other readers map is never
    /// changed), synced.
    fn save(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension("usearch.tmp");
        self.index
            .save(&tmp.to_string_lossy())
            .map_err(|e| vector_error("saving", &tmp, e))?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io("syncing", &tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io("renaming", &tmp, e))
    }

    fn len(&self) -> usize {
        self.index.size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vectors() -> Vec<(u64, Vec<f32>)> {
        // Distinct pseudo-random vectors (splitmix64), so nearest neighbours are unambiguous.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) >> 11) as f32 / (1u64 << 53) as f32 - 0.5
        };
        (0..200u64)
            .map(|i| (i, (0..16).map(|_| next()).collect()))
            .collect()
    }

    #[test]
    fn concurrent_searches_beyond_the_cores_all_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.usearch");
        let mut built = UsearchIndex::open(&path, 16).unwrap();
        for (key, v) in vectors() {
            built.add(key, &v).unwrap();
        }
        built.save(&path).unwrap();
        let hnsw = UsearchIndex::view(&path, 16).unwrap();
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let query = vectors()[3].1.clone();
        std::thread::scope(|scope| {
            let searches: Vec<_> = (0..cores * 4)
                .map(|_| {
                    scope.spawn(|| {
                        (0..2000)
                            .map(|_| hnsw.search(&query, 50))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for thread in searches {
                for result in thread.join().unwrap() {
                    assert_eq!(result.unwrap()[0].0, 3);
                }
            }
        });
    }

    #[test]
    fn usearch_agrees_with_the_exact_oracle() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.usearch");
        let mut exact = ExactIndex::new();
        let mut hnsw = UsearchIndex::open(&path, 16).unwrap();
        for (key, v) in vectors() {
            exact.add(key, &v).unwrap();
            hnsw.add(key, &v).unwrap();
        }
        let query = &vectors()[7].1;
        let want: Vec<u64> = exact
            .search(query, 5)
            .unwrap()
            .iter()
            .map(|h| h.0)
            .collect();
        let got: Vec<u64> = hnsw.search(query, 5).unwrap().iter().map(|h| h.0).collect();
        let overlap = want.iter().filter(|k| got.contains(k)).count();
        assert!(overlap >= 4, "recall too low: {got:?} vs {want:?}");
        assert_eq!(got[0], 7);
    }

    #[test]
    fn usearch_persists_and_removes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.usearch");
        {
            let mut hnsw = UsearchIndex::open(&path, 16).unwrap();
            for (key, v) in vectors().into_iter().take(10) {
                hnsw.add(key, &v).unwrap();
            }
            hnsw.remove(3).unwrap();
            hnsw.save(&path).unwrap();
        }
        let hnsw = UsearchIndex::open(&path, 16).unwrap();
        assert_eq!(hnsw.len(), 9);
        let mapped = UsearchIndex::view(&path, 16).unwrap();
        assert_eq!(mapped.len(), 9);
        assert_eq!(mapped.search(&vectors()[5].1, 1).unwrap()[0].0, 5);
        let hits = hnsw.search(&vectors()[3].1, 10).unwrap();
        assert!(hits.iter().all(|h| h.0 != 3));
        assert!(UsearchIndex::open(&path, 8).is_err());
    }
}
