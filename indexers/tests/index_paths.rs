//! `pipeline::index_paths`, the watcher's path-scoped update: after it, a whole incremental
//! run must find nothing left to do, whatever the changes were.

use ctx_engine::embed::Embedder;
use ctx_engine::search::{SearchMode, SearchRequest};
use ctx_engine::Index;
use ctx_indexers::embed::HashEmbedder;
use ctx_indexers::pipeline::{index_paths, index_repository, IndexOptions, NoProgress};
use std::path::Path;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn repo() -> (tempfile::TempDir, Index, HashEmbedder) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", "build/\n");
    write(root, "src/.gitignore", "*.tmp\n");
    write(root, "src/a.rs", "pub fn alpha() -> u8 { 1 }\n");
    write(root, "src/b.rs", "pub fn beta() -> u8 { 2 }\n");
    write(root, "src/keep.rs", "pub fn kept() -> u8 { 3 }\n");
    write(root, "docs/guide.md", "# Guide\n\nHow it works.\n");
    let mut index = Index::create(root).unwrap();
    let embedder = HashEmbedder::new(64);
    let options = IndexOptions::default();
    index_repository(&mut index, root, &options, Some(&embedder), &NoProgress).unwrap();
    (dir, index, embedder)
}

fn paths(list: &[&str]) -> Vec<String> {
    list.iter().map(|p| p.to_string()).collect()
}

/// A whole run after the path update: it must index and delete nothing.
fn assert_nothing_left(index: &mut Index, root: &Path, embedder: &dyn Embedder) {
    let full = index_repository(
        index,
        root,
        &IndexOptions::default(),
        Some(embedder),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(
        (full.indexed, full.deleted),
        (0, 0),
        "a full run still found work: {:?}",
        full.changed_paths
    );
}

fn lexical(index: &Index, query: &str) -> Vec<String> {
    let request = SearchRequest {
        query: query.into(),
        mode: SearchMode::Lexical,
        k: 5,
    };
    index
        .search(&request, None)
        .unwrap()
        .into_iter()
        .map(|hit| hit.path)
        .collect()
}

#[test]
fn index_paths_applies_edits_deletions_new_dirs_and_ignore_rules() {
    let (dir, mut index, embedder) = repo();
    let root = dir.path();
    write(root, "src/a.rs", "pub fn alpha_changed() -> u8 { 10 }\n");
    std::fs::remove_file(root.join("src/b.rs")).unwrap();
    write(root, "src/new/c.rs", "pub fn gamma_fresh() -> u8 { 4 }\n");
    write(root, "src/new/d.rs", "pub fn delta_fresh() -> u8 { 5 }\n");
    write(root, "build/out.rs", "pub fn built_output() {}\n");
    write(root, "src/scratch.tmp", "scratch_notes\n");
    let changed = paths(&[
        "src/a.rs",
        "src/b.rs",
        "src/new",
        "build/out.rs",
        "src/scratch.tmp",
    ]);
    let summary = index_paths(
        &mut index,
        root,
        &changed,
        &IndexOptions::default(),
        Some(&embedder),
    )
    .unwrap();
    assert_eq!((summary.indexed, summary.deleted), (3, 1), "{summary:?}");
    assert_eq!(
        summary.changed_paths,
        paths(&["src/a.rs", "src/b.rs", "src/new/c.rs", "src/new/d.rs"])
    );
    assert!(summary.embedded > 0, "the new chunks were not embedded");
    assert_eq!(lexical(&index, "gamma_fresh")[0], "src/new/c.rs");
    assert!(lexical(&index, "beta").is_empty());
    assert!(lexical(&index, "built_output").is_empty());
    assert!(index.file("src/keep.rs").unwrap().is_some());
    assert_nothing_left(&mut index, root, &embedder);
}

#[test]
fn index_paths_drops_files_a_changed_ignore_file_now_excludes() {
    let (dir, mut index, embedder) = repo();
    let root = dir.path();
    write(root, "src/.gitignore", "*.tmp\nb.rs\n");
    let summary = index_paths(
        &mut index,
        root,
        &paths(&["src"]),
        &IndexOptions::default(),
        Some(&embedder),
    )
    .unwrap();
    assert_eq!(
        summary.changed_paths,
        paths(&["src/.gitignore", "src/b.rs"])
    );
    assert!(index.file("src/b.rs").unwrap().is_none());
    assert!(index.file("src/a.rs").unwrap().is_some());
    assert_nothing_left(&mut index, root, &embedder);
}

#[test]
fn index_paths_with_unchanged_or_missing_paths_changes_nothing() {
    let (dir, mut index, embedder) = repo();
    let root = dir.path();
    let summary = index_paths(
        &mut index,
        root,
        &paths(&["src/a.rs", "never/existed.rs", ".ctx/records", "/"]),
        &IndexOptions::default(),
        Some(&embedder),
    )
    .unwrap();
    assert_eq!(
        (summary.indexed, summary.deleted, summary.unchanged),
        (0, 0, 1)
    );
}

#[test]
fn index_paths_runs_a_full_pass_when_the_model_changed() {
    let (dir, mut index, _) = repo();
    let root = dir.path();
    let other = HashEmbedder::new(32);
    let summary = index_paths(
        &mut index,
        root,
        &paths(&["src/a.rs"]),
        &IndexOptions::default(),
        Some(&other),
    )
    .unwrap();
    assert_eq!(summary.unchanged, 6, "not a whole run: {summary:?}");
    assert!(
        summary
            .problems
            .iter()
            .any(|p| p.starts_with("model changed")),
        "{summary:?}"
    );
    assert_eq!(index.meta().model.as_ref().unwrap().id, other.model_id());
}
