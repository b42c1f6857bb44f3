//! Whether the index still matches the files on disk, and fresh answers: `ctx search` and
//! `ctx pack` re-index the files changed since the last index before they answer, or warn
//! that the answer comes from an older index when that is not possible here; `ctx status`
//! summarises the changes.
//!
//! Detection is [`ctx_indexers::fresh`]'s: a file counts as modified when its size or mtime
//! differ from the index record *and* its blake3 hash does too (a `touch` is no change); as
//! added when the walk finds a text file the index does not hold; as deleted when the index
//! holds a file the walk no longer finds. The walk uses the repository's `[index]` settings,
//! so files the index skips by design are not reported; a held file that is only over
//! that size limit (indexed with `ctx index --max-file-size`) is left as it is.

use crate::config;
use crate::output;
use ctx_engine::embed::Embedder;
use ctx_engine::store::{FileRecord, IndexMeta};
use ctx_engine::Index;
use ctx_indexers::fresh::{self, refresh, Freshness};
use ctx_indexers::pipeline::IndexOptions;
use ctx_indexers::walk::WalkOptions;
use serde::Serialize;
use std::path::Path;

/// Files that differ from the index, each list sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Indexed files whose content changed.
    pub modified: Vec<String>,
    /// Files the index does not hold yet.
    pub added: Vec<String>,
    /// Indexed files that are gone (or now excluded).
    pub deleted: Vec<String>,
}

/// How many files of each kind changed: the `stale` field of JSON summaries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Staleness {
    /// Indexed files whose content changed.
    pub modified: usize,
    /// Files the index does not hold yet.
    pub added: usize,
    /// Indexed files that are gone.
    pub deleted: usize,
}

impl Changes {
    /// Every changed file.
    pub fn total(&self) -> usize {
        self.modified.len() + self.added.len() + self.deleted.len()
    }

    /// The counts, or `None` when nothing changed.
    pub fn staleness(&self) -> Option<Staleness> {
        (self.total() > 0).then_some(Staleness {
            modified: self.modified.len(),
            added: self.added.len(),
            deleted: self.deleted.len(),
        })
    }

    /// Each change as (kind, path), modified first.
    pub fn entries(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let kinds = [
            ("modified", &self.modified),
            ("added", &self.added),
            ("deleted", &self.deleted),
        ];
        kinds
            .into_iter()
            .flat_map(|(kind, list)| list.iter().map(move |p| (kind, p.as_str())))
    }

    /// "3 modified, 1 added": the non-zero counts.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .staleness()
            .map(|s| {
                [
                    (s.modified, "modified"),
                    (s.added, "added"),
                    (s.deleted, "deleted"),
                ]
                .into_iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, word)| format!("{n} {word}"))
                .collect()
            })
            .unwrap_or_default();
        parts.join(", ")
    }
}

impl From<fresh::Changes> for Changes {
    fn from(found: fresh::Changes) -> Changes {
        let sorted = |mut list: Vec<String>| {
            list.sort();
            list
        };
        Changes {
            modified: sorted(found.changed),
            added: sorted(found.added),
            deleted: sorted(found.deleted),
        }
    }
}

/// The index options `ctx index` uses for `root` (its `[index]` settings), for the walk
/// that finds changes and for re-indexing them.
pub fn index_options(root: &Path) -> anyhow::Result<IndexOptions> {
    Ok(IndexOptions {
        walk: WalkOptions {
            max_file_size: config::max_file_size(root, None)?,
        },
        ..IndexOptions::default()
    })
}

/// Compares the files under `root` with the index records `files` (of an index whose
/// metadata is `meta`: its last run's size limit counts).
pub fn changes(root: &Path, files: &[FileRecord], meta: &IndexMeta) -> anyhow::Result<Changes> {
    let options = index_options(root)?.with_recorded_limit(meta);
    Ok(fresh::changes(root, files, &options).into())
}

/// `index` brought up to date with the files under `root` before it is read (see
/// [`ctx_indexers::fresh::refresh`]): says on stderr what it re-indexed, or warns that the
/// index is stale and why it was not re-indexed. Returns the index to read and, when it is
/// still stale, the counts for the `stale` field of the JSON summary.
pub fn fresh_index(
    index: Index,
    root: &Path,
    embedder: Option<&dyn Embedder>,
) -> anyhow::Result<(Index, Option<Staleness>)> {
    let (index, freshness) = refresh(index, root, &index_options(root)?, embedder)?;
    let stale = match freshness {
        Freshness::UpToDate => None,
        Freshness::Refreshed(summary) => {
            crate::anchors_index::refresh(root, &index, &summary)?;
            output::info(format!(
                "re-indexed {} changed file{} first ({} removed)",
                summary.indexed,
                if summary.indexed == 1 { "" } else { "s" },
                summary.deleted
            ));
            None
        }
        Freshness::Stale { changes, reason } => {
            let changes = Changes::from(changes);
            warn_stale(&changes, &reason);
            changes.staleness()
        }
    };
    Ok((index, stale))
}

/// Warns that answers come from an older index: what changed and why it was not
/// re-indexed.
fn warn_stale(changes: &Changes, reason: &str) {
    if changes.total() == 0 {
        return;
    }
    let first: Vec<&str> = changes.entries().take(3).map(|(_, p)| p).collect();
    let more = changes.total() - first.len();
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    output::warn(format!(
        "the index is stale: {} file{} changed since the last `ctx index` ({}: {}{more}) and \
         were not re-indexed ({reason}); results may miss or misplace them; run `ctx index` \
         to update",
        changes.total(),
        if changes.total() == 1 { "" } else { "s" },
        changes.describe(),
        first.join(", "),
    ));
}
