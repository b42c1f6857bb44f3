//! Agent actions and the facts the anchors are evaluated on.
//!
//! An [`Action`] is what an agent (or a user of `ctx check`) is about to do; [`facts`] turns
//! it into [`ActionFacts`]: shell commands through ctx-indexers' shell analysis, file writes
//! and edits against the file's current text (so added lines get their line numbers),
//! patches and diffs through the engine's parsers.

use crate::{Error, Result};
use ctx_engine::check::{self, ActionFacts, FileEffect, FileOp, PathContext};
use std::path::Path;

/// Shell commands longer than this are not analysed (an error: a fault in hook mode).
pub const MAX_COMMAND_BYTES: usize = 1 << 20;
/// Files larger than this are not read to place an edit's lines.
const MAX_CURRENT_FILE_BYTES: u64 = 8 << 20;

/// What an agent is about to do, as far as ctx checks it.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A shell command, with the directory it runs in when the agent says.
    Command {
        /// The command line.
        command: String,
        /// Its working directory.
        dir: Option<String>,
    },
    /// A whole-file write.
    Write {
        /// The file.
        path: String,
        /// Its new content.
        content: String,
    },
    /// One or more string replacements in a file.
    Edit {
        /// The file.
        path: String,
        /// (old, new) pairs.
        edits: Vec<(String, String)>,
    },
    /// A read of a file's content (a read tool, a search in one file).
    Read {
        /// The file.
        path: String,
    },
    /// A Codex `apply_patch` patch.
    Patch(String),
    /// Several actions at once (an MCP call carrying a command and a file).
    Many(Vec<Action>),
    /// A tool ctx does not check (listings, searches without a path…): allowed.
    Unchecked(String),
}

/// What `action` will do, with paths resolved against `paths`.
pub fn facts(action: &Action, paths: &PathContext) -> Result<ActionFacts> {
    let mut facts = ActionFacts::default();
    match action {
        Action::Command { command, dir } => {
            let paths = match dir {
                Some(dir) => paths.with_cwd(dir),
                None => paths.clone(),
            };
            return command_facts(command, &paths);
        }
        Action::Write { path, content } => {
            let current = current_text(&paths.absolute(path));
            facts.effects.push(check::write_effect(
                &paths.normalize(path),
                content,
                current.as_deref(),
                "Write tool",
            ));
        }
        Action::Edit { path, edits } => {
            let current = current_text(&paths.absolute(path));
            let normalized = paths.normalize(path);
            for (old, new) in edits {
                facts.effects.push(check::edit_effect(
                    &normalized,
                    old,
                    new,
                    current.as_deref(),
                    "Edit tool",
                ));
            }
        }
        Action::Read { path } => facts.effects.push(FileEffect {
            path: paths.normalize(path),
            op: FileOp::Read,
            added: Vec::new(),
            removed: Vec::new(),
            via: "read tool".into(),
        }),
        Action::Patch(patch) => {
            let mut effects = check::parse_apply_patch(patch)?;
            for effect in &mut effects {
                effect.path = paths.normalize(&effect.path);
            }
            facts.effects = effects;
        }
        Action::Many(actions) => {
            for inner in actions {
                let more = self::facts(inner, paths)?;
                facts.invocations.extend(more.invocations);
                facts.effects.extend(more.effects);
                if facts.command.is_none() {
                    facts.command = more.command;
                }
            }
        }
        Action::Unchecked(_) => {}
    }
    Ok(facts)
}

/// The shell command lines in `action`, with the directory each runs in when given.
pub fn commands(action: &Action) -> Vec<(&str, Option<&str>)> {
    match action {
        Action::Command { command, dir } => vec![(command.as_str(), dir.as_deref())],
        Action::Many(actions) => actions.iter().flat_map(commands).collect(),
        _ => Vec::new(),
    }
}

/// What the shell command line `command` will do, run in `paths`' working directory.
pub fn command_facts(command: &str, paths: &PathContext) -> Result<ActionFacts> {
    if command.len() > MAX_COMMAND_BYTES {
        return Err(Error::Action(format!(
            "the command is {} bytes, more than the {MAX_COMMAND_BYTES} ctx analyses; split it or write it to a script file",
            command.len()
        )));
    }
    Ok(ctx_indexers::shell::analyze(command, paths))
}

/// The file changes of a unified diff, paths resolved against `paths`.
pub fn diff_facts(text: &str, paths: &PathContext) -> Result<ActionFacts> {
    let mut effects = check::parse_unified_diff(text)?;
    for effect in &mut effects {
        effect.path = paths.normalize(&effect.path);
    }
    Ok(ActionFacts {
        effects,
        ..ActionFacts::default()
    })
}

/// A one-line summary of `action` by `tool`, for the drift log.
pub fn summary(tool: &str, action: &Action) -> String {
    let detail = match action {
        Action::Command { command, .. } => command.split_whitespace().collect::<Vec<_>>().join(" "),
        Action::Write { path, .. } => path.clone(),
        Action::Edit { path, .. } | Action::Read { path } => path.clone(),
        Action::Patch(patch) => patch
            .lines()
            .filter_map(|l| {
                l.strip_prefix("*** ")
                    .filter(|l| l.contains("File:") || l.starts_with("Move to:"))
            })
            .collect::<Vec<_>>()
            .join(", "),
        Action::Many(actions) => format!("{} actions", actions.len()),
        Action::Unchecked(name) => name.clone(),
    };
    format!("{tool}: {detail}")
}

fn current_text(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_CURRENT_FILE_BYTES {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_commands_are_errors_that_say_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let paths = PathContext::new(dir.path(), dir.path());
        let command = "x".repeat(MAX_COMMAND_BYTES + 1);
        let err = command_facts(&command, &paths).unwrap_err().to_string();
        assert!(err.contains("script file"), "{err}");
    }

    #[test]
    fn edits_are_placed_against_the_current_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.rs"), "fn a() {}\nfn b() {}\n").unwrap();
        let paths = PathContext::new(dir.path(), dir.path());
        let action = Action::Edit {
            path: "a.rs".into(),
            edits: vec![("fn b() {}".into(), "fn b() { x() }".into())],
        };
        let facts = facts(&action, &paths).unwrap();
        assert_eq!(facts.effects.len(), 1);
        assert_eq!(facts.effects[0].path, "a.rs");
        assert_eq!(facts.effects[0].added[0].line, Some(2));
    }

    #[test]
    fn reads_are_read_effects_that_add_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let paths = PathContext::new(dir.path(), dir.path());
        let action = Action::Read {
            path: dir.path().join(".env").to_string_lossy().into_owned(),
        };
        let facts = facts(&action, &paths).unwrap();
        assert_eq!(facts.effects.len(), 1);
        assert_eq!(facts.effects[0].path, ".env");
        assert_eq!(facts.effects[0].op, FileOp::Read);
        assert!(facts.effects[0].added.is_empty());
        assert_eq!(
            summary("Read", &action),
            format!("Read: {}", dir.path().join(".env").display())
        );
    }

    #[test]
    fn summaries_name_the_tool_and_the_target() {
        let patch = Action::Patch(
            "*** Begin Patch\n*** Add File: a.rs\n+x\n*** Update File: b.rs\n*** End Patch\n"
                .into(),
        );
        assert_eq!(
            summary("apply_patch", &patch),
            "apply_patch: Add File: a.rs, Update File: b.rs"
        );
        let command = Action::Command {
            command: "git   push\n origin".into(),
            dir: None,
        };
        assert_eq!(summary("Bash", &command), "Bash: git push origin");
    }
}
