//! ctx's universal default anchors, written in the same format as `.ctx/anchors.toml`
//! (`builtin.toml`, embedded), so they load through the same path as users' anchors.

use super::pinned::{example_facts, parse_pinned, ExampleSet};
use super::record::{Anchor, AnchorSource};
use super::set::evaluate_anchor;
use crate::check::ActionFacts;
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

/// Verifies every built-in's examples as run at the root of a repository at `root`, reading
/// shell-command examples with `command_facts`.
///
/// The built-ins rely on the shell analysis in ctx-indexers (SQL fed to a database client
/// becomes `sql` statements, `python -c` code is analysed, deletions spelt otherwise become
/// `rm`, a `cd` moves where relative paths land), so their examples are checked through it;
/// file examples (`line:`, `path:`) are read as in `.ctx/anchors.toml`. Returns a message
/// naming the first example that fails.
pub fn verify_builtins_with(
    root: &Path,
    command_facts: &dyn Fn(&str) -> ActionFacts,
) -> Result<(), String> {
    let file = parse_pinned(
        Path::new("builtin.toml"),
        BUILTIN_TOML,
        AnchorSource::Builtin,
    )
    .map_err(|e| e.to_string())?;
    for (anchor, examples, line) in &file.anchors {
        check_examples(anchor, examples, root, command_facts)
            .map_err(|message| format!("builtin.toml:{line}: {message}"))?;
    }
    Ok(())
}

fn check_examples(
    anchor: &Anchor,
    examples: &ExampleSet,
    root: &Path,
    command_facts: &dyn Fn(&str) -> ActionFacts,
) -> Result<(), String> {
    let facts = |example: &str| {
        if example.starts_with("line:") || example.starts_with("path:") {
            example_facts(example)
        } else {
            command_facts(example)
        }
    };
    for example in &examples.matching {
        if evaluate_anchor(anchor, Some(root), &facts(example)).is_empty() {
            return Err(format!(
                "anchor {}: example \"{example}\" should match but does not",
                anchor.id
            ));
        }
    }
    for example in &examples.not_matching {
        if !evaluate_anchor(anchor, Some(root), &facts(example)).is_empty() {
            return Err(format!(
                "anchor {}: example \"{example}\" should not match but does",
                anchor.id
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_with_matchers() {
        let anchors = builtin_anchors();
        assert!(anchors.len() >= 6);
        assert!(anchors
            .iter()
            .all(|a| a.id.starts_with("b-") && !a.matchers.is_empty()));
    }

    #[test]
    fn a_failing_example_is_reported() {
        let none = |_: &str| ActionFacts::default();
        let err = verify_builtins_with(Path::new("/work/repo"), &none).unwrap_err();
        assert!(err.contains("should match but does not"), "{err}");
    }
}
