//! The anchors step of `ctx index`: extract constraints from the repository's documents
//! into `.ctx/extracted-anchors.json` whenever a document changed.
//!
//! Anchors are stored without embeddings so `ctx check` loads them fast; the semantic tier
//! embeds the semantic-only anchors itself when a model is loaded (see
//! `ctx_engine::check::semantic_findings`).

use ctx_engine::Index;
use ctx_indexers::pipeline::IndexSummary;
use std::path::Path;

/// Re-extracts anchors when a document changed (or none were extracted yet); returns how
/// many anchors were extracted, or `None` when nothing needed doing.
pub fn refresh(
    root: &Path,
    index: &Index,
    summary: &IndexSummary,
) -> anyhow::Result<Option<usize>> {
    let extracted = ctx_engine::anchor::extracted_path(root);
    let docs_changed = summary
        .changed_paths
        .iter()
        .any(|p| is_anchor_source(p) || ctx_indexers::constraint::consistency::is_build_file(p));
    if extracted.exists() && !docs_changed {
        return Ok(None);
    }
    let mut documents = Vec::new();
    for file in index.files()? {
        if !is_anchor_source(&file.path) {
            continue;
        }
        let Ok(bytes) = std::fs::read(root.join(&file.path)) else {
            continue;
        };
        documents.push((
            file.path.clone(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    let rules = ctx_indexers::constraint::extract_repository(root, &documents);
    ctx_engine::anchor::write_extracted(root, &rules.anchors)?;
    Ok(Some(rules.anchors.len()))
}

/// True for files constraints are read from: agent-instruction files and documentation.
fn is_anchor_source(path: &str) -> bool {
    ctx_indexers::constraint::is_instruction_file(path) || is_doc(path)
}

fn is_doc(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".md", ".mdx", ".markdown", ".mdc", ".txt", ".rst"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}
