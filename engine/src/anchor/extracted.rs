//! `.ctx/extracted-anchors.json`: the anchors `ctx index` extracted from documentation.

use super::files::{extracted_path, json_error, read_optional, write_atomic};
use super::record::Anchor;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The file format version; a different version is rejected with a hint to re-index.
pub const EXTRACTED_FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct ExtractedFile {
    version: u32,
    anchors: Vec<Anchor>,
}

/// Writes the extracted anchors atomically (temporary file, then rename).
pub fn write_extracted(root: &Path, anchors: &[Anchor]) -> Result<()> {
    let file = ExtractedFile {
        version: EXTRACTED_FORMAT,
        anchors: anchors.to_vec(),
    };
    let text = serde_json::to_string(&file)
        .map_err(|e| Error::Invalid(format!("cannot serialise anchors: {e}")))?;
    write_atomic(&extracted_path(root), &text)
}

/// Reads the extracted anchors; a missing file is an empty list.
pub fn read_extracted(root: &Path) -> Result<Vec<Anchor>> {
    let path = extracted_path(root);
    let text = read_optional(&path)?;
    extracted_from_text(&path, text.as_deref())
}

/// Parses the text of an extracted-anchors file read from `path` (`None` = missing, no anchors).
pub(crate) fn extracted_from_text(path: &Path, text: Option<&str>) -> Result<Vec<Anchor>> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    let file: ExtractedFile = serde_json::from_str(text).map_err(|e| json_error(path, &e))?;
    if file.version != EXTRACTED_FORMAT {
        return Err(Error::Incompatible {
            path: path.to_path_buf(),
            found: file.version,
            expected: EXTRACTED_FORMAT,
        });
    }
    Ok(file.anchors)
}
