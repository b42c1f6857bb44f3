//! Fresh answers for `ctx pack` and `ctx search`: files changed since the last index are
//! re-indexed before the index is read, or a warning says the answer may be stale (the
//! mechanism is `ctx_indexers::fresh`).

use crate::config;
use ctx_engine::embed::Embedder;
use ctx_engine::Index;
use ctx_indexers::fresh::{refresh, Freshness};
use ctx_indexers::pipeline::IndexOptions;
use ctx_indexers::walk::WalkOptions;
use std::path::Path;

/// Paths named in the stale warning.
const NAMED: usize = 5;

/// `index` brought up to date with the files under `root` (see
/// [`ctx_indexers::fresh::refresh`]); says on stderr what it re-indexed or why it could not.
pub fn fresh_index(
    index: Index,
    root: &Path,
    embedder: Option<&dyn Embedder>,
) -> anyhow::Result<Index> {
    let options = IndexOptions {
        walk: WalkOptions {
            max_file_size: config::max_file_size(root, None)?,
        },
        ..IndexOptions::default()
    };
    let (index, freshness) = refresh(index, root, &options, embedder)?;
    match freshness {
        Freshness::UpToDate => {}
        Freshness::Refreshed(summary) => {
            crate::anchors_index::refresh(root, &index, &summary)?;
            eprintln!(
                "ctx: re-indexed {} changed files first ({} removed)",
                summary.indexed, summary.deleted
            );
        }
        Freshness::Stale { changes, reason } => {
            let paths = changes.paths();
            let mut named = paths[..paths.len().min(NAMED)].join(", ");
            if paths.len() > NAMED {
                named.push_str(", ...");
            }
            eprintln!(
                "ctx: warning: the index is stale: {} files changed since it was written ({named}) and were not re-indexed: {reason}",
                changes.len()
            );
        }
    }
    Ok(index)
}
