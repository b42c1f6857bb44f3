//! Reading `../shared/evals` (or `$CTX_EVALS`): shared by the evaluation harnesses.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The evaluation data directory: `$CTX_EVALS`, else `../shared/evals` beside the repository.
pub fn evals_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CTX_EVALS") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/evals")
}

/// Every JSON object of a JSON-lines file; panics with the file's name on a bad line.
pub fn read_jsonl(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "reading {}: {e} (set CTX_EVALS to the evals directory)",
            path.display()
        )
    });
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

/// Each drift document's name in its repository (`AGENTS.md`, `.cursor/rules/base.mdc`),
/// from a set's `sources.tsv` (`drift/sources.tsv`, `benches/data/fresh/sources.tsv`), keyed by
/// its file under the set's directory (`docs/owner__repo__NAME`).
pub struct DocNames(BTreeMap<String, String>);

impl DocNames {
    /// Reads `sources.tsv` (`path_in_repo`'s first word); a missing file gives no names.
    pub fn read(sources_tsv: &Path) -> DocNames {
        let text = std::fs::read_to_string(sources_tsv).unwrap_or_default();
        let mut names = BTreeMap::new();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() > 2 && fields[0].starts_with("docs/") {
                let name = fields[2].split_whitespace().next().unwrap_or("AGENTS.md");
                names.insert(fields[0].to_string(), name.to_string());
            }
        }
        DocNames(names)
    }

    /// Reads the development corpus's `sources.tsv` (`file`, `repo`, `path_in_repo`, …),
    /// keyed as labelled cases name documents (`corpus/docs/<file>`).
    pub fn read_corpus(sources_tsv: &Path) -> DocNames {
        let text = std::fs::read_to_string(sources_tsv).unwrap_or_default();
        let mut names = BTreeMap::new();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() > 2 {
                names.insert(format!("corpus/{}", fields[0]), fields[2].to_string());
            }
        }
        DocNames(names)
    }

    /// The real name of `doc`, else the part of its file name after the last `__`.
    pub fn name(&self, doc: &str) -> String {
        self.0
            .get(doc)
            .cloned()
            .unwrap_or_else(|| doc.rsplit("__").next().unwrap_or("AGENTS.md").to_string())
    }
}
