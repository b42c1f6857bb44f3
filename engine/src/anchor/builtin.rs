//! ctx's universal default anchors, written in the same format as `.ctx/anchors.toml`
//! (`builtin.toml`, embedded), so they load through the same path as users' anchors.

use super::pinned::{parse_pinned, verify_examples};
use super::record::{Anchor, AnchorSource};
use std::path::Path;
use std::sync::OnceLock;

/// The built-in anchors file, embedded.
pub(crate) const BUILTIN_TOML: &str = include_str!("builtin.toml");

/// The built-in anchors (parsed once per process).
pub fn builtin_anchors() -> &'static [Anchor] {
    static CELL: OnceLock<Vec<Anchor>> = OnceLock::new();
    CELL.get_or_init(|| {
        parse_pinned(
            Path::new("builtin.toml"),
            BUILTIN_TOML,
            AnchorSource::Builtin,
        )
        .expect("builtin.toml is valid (tested)")
        .anchors
        .into_iter()
        .map(|(a, _, _)| a)
        .collect()
    })
}

/// Verifies every built-in's examples (run by tests; loading does not repeat it).
pub fn verify_builtins() -> crate::Result<()> {
    let file = parse_pinned(
        Path::new("builtin.toml"),
        BUILTIN_TOML,
        AnchorSource::Builtin,
    )?;
    for (anchor, examples, line) in &file.anchors {
        verify_examples(anchor, examples, Path::new("builtin.toml"), *line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_and_their_examples_hold() {
        verify_builtins().unwrap();
        let anchors = builtin_anchors();
        assert!(anchors.len() >= 6);
        assert!(anchors
            .iter()
            .all(|a| a.id.starts_with("b-") && !a.matchers.is_empty()));
    }
}
