//! Index generations: complete, immutable snapshots of the index under `.ctx/gen/`, and
//! the `CURRENT` file that names the one readers use.
//!
//! ```text
//! .ctx/CURRENT                  "g0000000007": the published generation
//! .ctx/gen/g0000000007/
//!     manifest.json             format, model, counts and the record segments: written last
//!     readers                   lock file: every reader holds it shared while it reads
//!     records/seg-*.rec         the record store (immutable segment files)
//!     lexical/                  the tantivy index
//!     vectors.usearch           the vectors (when a model was used)
//! ```
//!
//! A writer builds the next generation in a new directory, hard-linking the unchanged
//! files of the current one (none of them is ever modified in place), and publishes it by
//! renaming a new `CURRENT` over the old only when it is complete and synced. Readers
//! therefore never see a half-written index and never wait, and a `kill -9` at any point
//! leaves the last published generation intact. Old generations are deleted once no
//! reader holds their `readers` lock.

use super::FORMAT_VERSION;
use crate::private_fs;
use crate::store::records::ModelInfo;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// Directory of the generations inside `.ctx/`.
pub const GEN_DIR: &str = "gen";
/// The file naming the published generation.
pub const CURRENT_FILE: &str = "CURRENT";
/// The manifest of a generation.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The lock file readers hold (shared) while they use a generation.
pub const READERS_FILE: &str = "readers";
/// The record store of a generation.
pub const RECORDS_DIR: &str = "records";
/// The lexical index of a generation.
pub const LEXICAL_DIR: &str = "lexical";
/// The vectors of a generation.
pub const VECTORS_FILE: &str = "vectors.usearch";

/// What a generation holds: written last, so a generation without one is incomplete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// On-disk format version.
    pub format_version: u32,
    /// The generation's number.
    pub generation: u64,
    /// The embedding model of the vectors, if any.
    pub model: Option<ModelInfo>,
    /// When the last complete index run ended (seconds since the epoch).
    pub last_indexed: Option<u64>,
    /// The size limit of the last complete index run (see [`crate::store::IndexMeta::max_file_size`]);
    /// absent in manifests written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_file_size: Option<u64>,
    /// Record segment files under `records/`, oldest first.
    pub records: Vec<String>,
    /// Files recorded.
    pub files: u64,
    /// Chunks in the lexical index.
    pub chunks: u64,
    /// Vectors in `vectors.usearch`.
    pub vectors: u64,
    /// Size of `vectors.usearch` in bytes (0 without one).
    pub vectors_bytes: u64,
}

/// The generation name of number `n`.
pub fn name_of(n: u64) -> String {
    format!("g{n:010}")
}

/// The number of a generation name; `None` for anything else (so `CURRENT` can never
/// point outside `gen/`).
pub fn number_of(name: &str) -> Option<u64> {
    let digits = name.strip_prefix('g')?;
    (digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The generations of one `.ctx/` directory.
#[derive(Debug, Clone)]
pub struct Generations {
    ctx_dir: PathBuf,
}

impl Generations {
    /// The generations under `ctx_dir` (the `.ctx` directory).
    pub fn new(ctx_dir: &Path) -> Generations {
        Generations {
            ctx_dir: ctx_dir.to_path_buf(),
        }
    }

    /// The directory of generation `name`.
    pub fn dir(&self, name: &str) -> PathBuf {
        self.ctx_dir.join(GEN_DIR).join(name)
    }

    /// The published generation's name; `None` when none was published.
    pub fn current(&self) -> Result<Option<String>> {
        let path = self.ctx_dir.join(CURRENT_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("reading", &path, e)),
        };
        let name = text.trim();
        match number_of(name) {
            Some(_) => Ok(Some(name.to_string())),
            None => Err(Error::Damaged {
                part: "manifest",
                path,
                detail: format!("it names no generation ({:?})", truncate(name, 40)),
            }),
        }
    }

    /// Names of every generation directory, oldest first.
    pub fn all(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.ctx_dir.join(GEN_DIR)) else {
            return Vec::new();
        };
        let mut names: Vec<(u64, String)> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                number_of(&name).map(|n| (n, name))
            })
            .collect();
        names.sort();
        names.into_iter().map(|(_, name)| name).collect()
    }

    /// A new, empty generation directory numbered after every existing one.
    pub fn create_next(&self) -> Result<String> {
        let gen_dir = self.ctx_dir.join(GEN_DIR);
        private_fs::create_dir(&gen_dir)?;
        let last = self
            .all()
            .iter()
            .chain(self.current().ok().flatten().iter())
            .filter_map(|n| number_of(n))
            .max()
            .unwrap_or(0);
        let name = name_of(last + 1);
        let dir = gen_dir.join(&name);
        std::fs::DirBuilder::new()
            .mode(private_fs::DIR_MODE)
            .create(&dir)
            .map_err(|e| Error::io("creating", &dir, e))?;
        private_fs::open_lock(&dir.join(READERS_FILE))?;
        Ok(name)
    }

    /// Makes generation `name` the published one, durably.
    pub fn publish(&self, name: &str) -> Result<()> {
        private_fs::sync_dir(&self.dir(name))?;
        private_fs::sync_dir(&self.ctx_dir.join(GEN_DIR))?;
        private_fs::write_atomic(
            &self.ctx_dir.join(CURRENT_FILE),
            format!("{name}\n").as_bytes(),
        )?;
        private_fs::sync_dir(&self.ctx_dir)
    }

    /// Deletes every generation but `keep` that no reader holds; returns how many.
    pub fn collect(&self, keep: &str) -> usize {
        self.all()
            .into_iter()
            .filter(|name| name != keep && self.remove_unused(name))
            .count()
    }

    /// Deletes generation `name` when no reader holds it.
    fn remove_unused(&self, name: &str) -> bool {
        let dir = self.dir(name);
        let lock = match File::open(dir.join(READERS_FILE)) {
            Ok(file) => file,
            // A generation whose lock file is gone was being deleted when a writer died.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return std::fs::remove_dir_all(&dir).is_ok()
            }
            Err(_) => return false,
        };
        if fs2::FileExt::try_lock_exclusive(&lock).is_err() {
            return false;
        }
        // The manifest goes first: a reader that locks the generation after this sees
        // it incomplete and reads `CURRENT` again.
        let _ = std::fs::remove_file(dir.join(MANIFEST_FILE));
        std::fs::remove_dir_all(&dir).is_ok()
    }
}

/// A shared hold on one generation: while it lives, no writer deletes the generation.
#[derive(Debug)]
pub struct ReaderLock {
    _file: File,
}

/// Takes a reader hold on the generation in `dir`; `None` when the generation is gone
/// or being deleted (read `CURRENT` again).
pub fn hold(dir: &Path) -> Result<Option<ReaderLock>> {
    let path = dir.join(READERS_FILE);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("opening", &path, e)),
    };
    if fs2::FileExt::try_lock_shared(&file).is_err() || !dir.join(MANIFEST_FILE).exists() {
        return Ok(None);
    }
    Ok(Some(ReaderLock { _file: file }))
}

/// Reads the manifest of the generation in `dir`.
pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST_FILE);
    let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Damaged {
            part: "manifest",
            path: path.clone(),
            detail: "the file is missing".into(),
        },
        _ => Error::io("reading", &path, e),
    })?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| Error::Damaged {
        part: "manifest",
        path: path.clone(),
        detail: format!("it is not a valid manifest: {e}"),
    })?;
    if manifest.format_version != FORMAT_VERSION {
        return Err(Error::Incompatible {
            path: dir.to_path_buf(),
            found: manifest.format_version,
            expected: FORMAT_VERSION,
        });
    }
    Ok(manifest)
}

/// Writes the manifest of the generation in `dir`, durably.
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(manifest).expect("manifests serialize");
    private_fs::write_atomic(&dir.join(MANIFEST_FILE), &bytes)
}

/// Links every file under `from` into `to` (created), recursively, except lock files;
/// small metadata files (`*.json`) are copied instead, since their writers replace them.
pub fn link_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(private_fs::DIR_MODE)
        .create(to)
        .map_err(|e| Error::io("creating", to, e))?;
    let entries = std::fs::read_dir(from).map_err(|e| Error::io("reading", from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("reading", from, e))?;
        let name = entry.file_name();
        let text = name.to_string_lossy();
        let (source, target) = (entry.path(), to.join(&name));
        let kind = entry
            .file_type()
            .map_err(|e| Error::io("inspecting", &source, e))?;
        if kind.is_dir() {
            link_tree(&source, &target)?;
        } else if !kind.is_file() || text.ends_with(".lock") || text.ends_with(".tmp") {
            continue;
        } else if text.ends_with(".json") {
            std::fs::copy(&source, &target).map_err(|e| Error::io("copying", &source, e))?;
        } else {
            std::fs::hard_link(&source, &target).map_err(|e| Error::io("linking", &source, e))?;
        }
    }
    Ok(())
}

/// Syncs `dir` and every directory under it (new names and links become durable).
pub fn sync_tree(dir: &Path) -> Result<()> {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                sync_tree(&entry.path())?;
            }
        }
    }
    private_fs::sync_dir(dir)
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_reject_paths() {
        assert_eq!(number_of(&name_of(42)), Some(42));
        for bad in ["../g0000000001", "g1", "g000000000x", "x0000000001", ""] {
            assert_eq!(number_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_held_generation_is_not_collected() {
        let dir = tempfile::tempdir().unwrap();
        let gens = Generations::new(dir.path());
        let old = gens.create_next().unwrap();
        let new = gens.create_next().unwrap();
        for name in [&old, &new] {
            std::fs::write(gens.dir(name).join(MANIFEST_FILE), "{}").unwrap();
        }
        gens.publish(&new).unwrap();
        assert_eq!(gens.current().unwrap().as_deref(), Some(new.as_str()));
        let held = hold(&gens.dir(&old)).unwrap().expect("complete");
        assert_eq!(gens.collect(&new), 0);
        drop(held);
        assert_eq!(gens.collect(&new), 1);
        assert_eq!(gens.all(), std::slice::from_ref(&new));
        assert!(hold(&gens.dir(&old)).unwrap().is_none());
    }
}
