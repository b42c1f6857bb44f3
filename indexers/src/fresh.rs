//! Fresh answers: before a pack or a search reads the index, find the files changed since
//! it was written (stamps first: size and modification time; the content hash only when a
//! stamp differs) and re-index them, or say that the index is stale when that is not
//! possible here (too many changes, or another process holds the index lock).

use crate::pipeline::{index_paths, IndexOptions, IndexSummary};
use crate::walk::{looks_binary, walk};
use ctx_engine::embed::Embedder;
use ctx_engine::store::FileRecord;
use ctx_engine::{Error, Index, Result};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

/// At most this many changed files are re-indexed before a pack or search; more than that
/// is a job for `ctx index`, and the caller warns instead.
pub const MAX_REFRESH_FILES: usize = 200;

/// Bytes read from a new file to tell text from binary (as the indexer does).
const SNIFF_BYTES: usize = 8192;

/// Files that differ from the index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Indexed files whose content changed.
    pub changed: Vec<String>,
    /// Text files the index does not hold.
    pub added: Vec<String>,
    /// Indexed files that are gone (or now ignored).
    pub deleted: Vec<String>,
}

impl Changes {
    /// True when the index is up to date.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of files that differ.
    pub fn len(&self) -> usize {
        self.changed.len() + self.added.len() + self.deleted.len()
    }

    /// Every path that differs, sorted.
    pub fn paths(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .changed
            .iter()
            .chain(&self.added)
            .chain(&self.deleted)
            .cloned()
            .collect();
        all.sort();
        all
    }
}

/// What [`refresh`] found and did.
#[derive(Debug)]
pub enum Freshness {
    /// Nothing changed since the index was written.
    UpToDate,
    /// These files had changed and were re-indexed.
    Refreshed(IndexSummary),
    /// Files changed and were not re-indexed; the reason says why.
    Stale {
        /// What changed.
        changes: Changes,
        /// Why it was not re-indexed (for the warning).
        reason: String,
    },
}

/// The files under `root` that differ from `records`: a walk with the index's rules, size
/// and modification time compared first, the blake3 hash only when those differ (a
/// touched but unchanged file is not a change).
///
/// A file the index holds that is still there but over `options`' size limit is left as
/// the index has it, not counted as deleted: it was indexed by a run with a higher limit
/// (`ctx index --max-file-size`), and a search or pack must not take it out of the index.
/// (Callers pass options raised to the limit the index's last run recorded, see
/// [`IndexOptions::with_recorded_limit`], so such a file is compared and refreshed; this
/// covers indexes written before the limit was recorded.)
pub fn changes(root: &Path, records: &[FileRecord], options: &IndexOptions) -> Changes {
    let known: HashMap<&str, &FileRecord> = records.iter().map(|f| (f.path.as_str(), f)).collect();
    let walked = walk(root, &options.walk);
    let mut out = Changes::default();
    for file in &walked.files {
        match known.get(file.rel_path.as_str()) {
            None => {
                if is_text(&file.path) {
                    out.added.push(file.rel_path.clone());
                }
            }
            Some(record) if record.size != file.size || record.mtime_ns != file.mtime_ns => {
                let same = crate::walk::hash_file(&file.path).is_ok_and(|h| h == record.hash);
                if !same {
                    out.changed.push(file.rel_path.clone());
                }
            }
            Some(_) => {}
        }
    }
    let present: HashSet<&str> = walked.files.iter().map(|f| f.rel_path.as_str()).collect();
    let over_the_limit = |rel: &str| {
        std::fs::symlink_metadata(root.join(rel))
            .is_ok_and(|m| m.is_file() && m.len() > options.walk.max_file_size)
    };
    out.deleted = records
        .iter()
        .filter(|f| !present.contains(f.path.as_str()) && !over_the_limit(&f.path))
        .map(|f| f.path.clone())
        .collect();
    out
}

fn is_text(path: &Path) -> bool {
    let mut head = vec![0u8; SNIFF_BYTES];
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(_) => return false,
        }
    }
    !looks_binary(&head[..filled])
}

/// Brings the index of `root` up to date with the files before it is read: `index` (open
/// for reading) is returned as it is when nothing changed; when at most
/// [`MAX_REFRESH_FILES`] files changed, it is closed, the changed files are re-indexed
/// (with `embedder` when the index holds vectors of its model) and a fresh reader is
/// returned; otherwise, or when another process holds the index lock, the index is
/// returned unchanged with what is stale and why.
pub fn refresh(
    index: Index,
    root: &Path,
    options: &IndexOptions,
    embedder: Option<&dyn Embedder>,
) -> Result<(Index, Freshness)> {
    let options = &options.with_recorded_limit(index.meta());
    let changes = changes(root, &index.files()?, options);
    if changes.is_empty() {
        return Ok((index, Freshness::UpToDate));
    }
    if changes.len() > MAX_REFRESH_FILES {
        let reason = format!("more than {MAX_REFRESH_FILES} files changed");
        return Ok((index, Freshness::Stale { changes, reason }));
    }
    let model = index.meta().model.clone();
    // Re-embed with the loaded model only when it is the index's: another model would
    // mean re-embedding everything, which is `ctx index`'s job.
    let embedder = embedder.filter(|e| {
        model
            .as_ref()
            .is_some_and(|m| m.id == e.model_id() && m.dim == e.dim())
    });
    drop(index);
    let mut writer = match Index::create(root) {
        Ok(writer) => writer,
        Err(Error::Locked(_)) => {
            let reason = "another ctx process is writing the index".to_string();
            return Ok((Index::open(root)?, Freshness::Stale { changes, reason }));
        }
        Err(e) => return Err(e),
    };
    let summary = index_paths(&mut writer, root, &changes.paths(), options, embedder)?;
    drop(writer);
    Ok((Index::open(root)?, Freshness::Refreshed(summary)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{index_repository, NoProgress};

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn indexed() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "src/a.py", "def alpha():\n    return 1\n");
        write(dir.path(), "src/b.py", "def beta():\n    return 2\n");
        let mut index = Index::create(dir.path()).unwrap();
        let options = IndexOptions::default();
        index_repository(&mut index, dir.path(), &options, None, &NoProgress).unwrap();
        dir
    }

    #[test]
    fn stamps_find_changed_added_and_deleted_files() {
        let dir = indexed();
        let root = dir.path();
        let options = IndexOptions::default();
        let records = Index::open(root).unwrap().files().unwrap();
        assert!(changes(root, &records, &options).is_empty());
        // touched with the same bytes: not a change
        write(root, "src/a.py", "def alpha():\n    return 1\n");
        write(root, "src/b.py", "def beta():\n    return 3\n");
        write(root, "src/c.py", "def gamma():\n    pass\n");
        write(root, "src/blob.bin", "\0\0\0binary");
        std::fs::remove_file(root.join("src/a.py")).unwrap();
        let c = changes(root, &records, &options);
        assert_eq!(c.changed, vec!["src/b.py"]);
        assert_eq!(c.added, vec!["src/c.py"]);
        assert_eq!(c.deleted, vec!["src/a.py"]);
    }

    #[test]
    fn a_held_file_over_the_walks_limit_is_not_taken_out() {
        // Indexed with a higher limit than the one searches and packs walk with.
        let dir = indexed();
        let root = dir.path();
        let big = format!("def big():\n{}", "    x = 1\n".repeat(40));
        write(root, "src/big.py", &big);
        let mut index = Index::create(root).unwrap();
        index_repository(
            &mut index,
            root,
            &IndexOptions::default(),
            None,
            &NoProgress,
        )
        .unwrap();
        drop(index);
        let mut small = IndexOptions::default();
        small.walk.max_file_size = 100;
        assert!(big.len() > 100);
        let records = Index::open(root).unwrap().files().unwrap();
        assert!(changes(root, &records, &small).is_empty());
        let (index, fresh) = refresh(Index::open(root).unwrap(), root, &small, None).unwrap();
        assert!(matches!(fresh, Freshness::UpToDate), "{fresh:?}");
        assert!(index.file("src/big.py").unwrap().is_some());
        drop(index);
        // Gone from the disk, it is deleted as any file.
        std::fs::remove_file(root.join("src/big.py")).unwrap();
        assert_eq!(changes(root, &records, &small).deleted, vec!["src/big.py"]);
    }

    #[test]
    fn a_held_file_over_the_configured_limit_is_refreshed_with_the_limit_its_run_recorded() {
        // `ctx index --max-file-size N` records N; a search or pack walks with the
        // configured limit, lower: the held file that changed must be re-indexed (before,
        // it was left stale), and the daemon's index_paths must update it, not delete it.
        let dir = indexed();
        let root = dir.path();
        let big = format!("def big():\n{}", "    x = 1\n".repeat(40));
        write(root, "src/big.py", &big);
        let mut raised = IndexOptions::default();
        raised.walk.max_file_size = 10_000;
        let mut index = Index::create(root).unwrap();
        index_repository(&mut index, root, &raised, None, &NoProgress).unwrap();
        drop(index);
        let index = Index::open(root).unwrap();
        assert_eq!(index.meta().max_file_size, Some(10_000));
        let mut small = IndexOptions::default();
        small.walk.max_file_size = 100;
        write(
            root,
            "src/big.py",
            &format!("{big}def changed_big():\n    pass\n"),
        );
        let (index, fresh) = refresh(index, root, &small, None).unwrap();
        assert!(
            matches!(fresh, Freshness::Refreshed(ref s) if s.indexed == 1 && s.deleted == 0),
            "{fresh:?}"
        );
        let chunks = index.file_chunks("src/big.py").unwrap();
        assert!(chunks.iter().any(|c| c.text.contains("changed_big")));
        drop(index);
        write(
            root,
            "src/big.py",
            &format!("{big}def again_big():\n    pass\n"),
        );
        let mut writer = Index::create(root).unwrap();
        let paths = ["src/big.py".to_string()];
        let summary = index_paths(&mut writer, root, &paths, &small, None).unwrap();
        assert_eq!((summary.indexed, summary.deleted), (1, 0));
        let chunks = writer.file_chunks("src/big.py").unwrap();
        assert!(chunks.iter().any(|c| c.text.contains("again_big")));
        // A later run with the configured limit records it, and drops the file.
        index_repository(&mut writer, root, &small, None, &NoProgress).unwrap();
        assert_eq!(writer.meta().max_file_size, Some(100));
        assert!(writer.file("src/big.py").unwrap().is_none());
    }

    #[test]
    fn refresh_reindexes_what_changed_before_reading() {
        let dir = indexed();
        let root = dir.path();
        let options = IndexOptions::default();
        write(root, "src/c.py", "def gamma_unique_name():\n    pass\n");
        let (index, fresh) = refresh(Index::open(root).unwrap(), root, &options, None).unwrap();
        assert!(
            matches!(fresh, Freshness::Refreshed(ref s) if s.indexed == 1),
            "{fresh:?}"
        );
        let found = index.file("src/c.py").unwrap();
        assert!(found.is_some(), "the new file is searchable at once");
        let (_, again) = refresh(index, root, &options, None).unwrap();
        assert!(matches!(again, Freshness::UpToDate), "{again:?}");
    }

    #[test]
    fn a_held_lock_leaves_the_index_as_it_is_and_says_why() {
        use fs2::FileExt;
        let dir = indexed();
        let root = dir.path();
        write(root, "src/b.py", "def beta():\n    return 4\n");
        // another writer: an exclusive lock on the index lock file
        let lock = std::fs::File::open(root.join(".ctx/lock")).unwrap();
        lock.try_lock_exclusive().unwrap();
        let options = IndexOptions::default();
        let (index, fresh) = refresh(Index::open(root).unwrap(), root, &options, None).unwrap();
        match fresh {
            Freshness::Stale { changes, reason } => {
                assert_eq!(changes.changed, vec!["src/b.py"]);
                assert!(reason.contains("another ctx process"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert!(index.file("src/b.py").unwrap().is_some());
        fs2::FileExt::unlock(&lock).unwrap();
    }
}
