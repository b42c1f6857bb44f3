//! The files anchors live in under `.ctx/`, atomic writes, and syntax errors with positions.

use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// `.ctx/anchors.toml`: pinned anchors and per-anchor overrides, reviewed with the code.
pub fn pinned_path(root: &Path) -> PathBuf {
    root.join(".ctx").join("anchors.toml")
}

/// `.ctx/extracted-anchors.json`: anchors `ctx index` extracted from documentation.
pub fn extracted_path(root: &Path) -> PathBuf {
    root.join(".ctx").join("extracted-anchors.json")
}

/// `.ctx/anchors.cache`: the compiled-anchor cache (derived; safe to delete).
pub fn cache_path(root: &Path) -> PathBuf {
    root.join(".ctx").join("anchors.cache")
}

/// `.ctx/plan.json`: the pinned task plan.
pub fn plan_path(root: &Path) -> PathBuf {
    root.join(".ctx").join("plan.json")
}

/// Reads a file that may be missing (`Ok(None)`), rejecting binary or non-UTF-8 content.
pub fn read_optional(path: &Path) -> Result<Option<String>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("reading", path, e)),
    };
    if bytes.contains(&0) {
        return Err(Error::Invalid(format!(
            "{} contains binary data (a NUL byte): restore it from version control or delete it",
            path.display()
        )));
    }
    String::from_utf8(bytes).map(Some).map_err(|e| {
        let (line, column) = line_col(
            &String::from_utf8_lossy(e.as_bytes()),
            e.utf8_error().valid_up_to(),
        );
        Error::Syntax {
            path: path.to_path_buf(),
            line,
            column,
            message: "invalid UTF-8: save the file as UTF-8".into(),
        }
    })
}

/// Writes a file atomically: a new temporary file in the same directory, then a rename, so
/// readers never see half a file (and a link planted at the path is replaced, not followed;
/// see [`crate::private_fs`]).
pub fn write_atomic(path: &Path, contents: &str) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    crate::private_fs::create_dir(dir)?;
    crate::private_fs::write_atomic(path, contents.as_bytes())
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// The 1-based line of byte offsets in one text, found by binary search (linear `line_col`
/// calls on every anchor of a large file would be quadratic).
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset).max(1)
    }
}

/// A TOML parse error as [`Error::Syntax`].
pub fn toml_error(path: &Path, text: &str, err: &toml::de::Error) -> Error {
    let (line, column) = err.span().map_or((1, 1), |span| line_col(text, span.start));
    Error::Syntax {
        path: path.to_path_buf(),
        line,
        column,
        message: err.message().trim().to_lowercase(),
    }
}

/// A JSON parse error as [`Error::Syntax`].
pub fn json_error(path: &Path, err: &serde_json::Error) -> Error {
    Error::Syntax {
        path: path.to_path_buf(),
        line: err.line().max(1),
        column: err.column().max(1),
        message: strip_position(&err.to_string()),
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn line_index_agrees_with_line_col() {
        let text = "a\nbc\n\ndef\n";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() {
            assert_eq!(
                index.line_of(offset),
                line_col(text, offset).0,
                "offset {offset}"
            );
        }
    }

    #[test]
    fn atomic_write_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".ctx/x.json");
        write_atomic(&path, "1").unwrap();
        write_atomic(&path, "2").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "2");
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }
}
