//! The normalised facts of an agent action: the contract between parsers and matchers.

use serde::{Deserialize, Serialize};

/// One program invocation that will actually run, after unwrapping shells and wrappers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invocation {
    /// Program name, normalised (`/usr/bin/git` becomes `git`).
    pub program: String,
    /// Arguments as the program will receive them (quotes removed).
    pub args: Vec<String>,
    /// The source text of this invocation, for evidence.
    pub raw: String,
    /// Wrappers that were unwrapped to reach it (`sudo`, `env`, `bash -c`...), outermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wrappers: Vec<String>,
    /// True when its stdin is fed from another command's output (the right side of a pipe).
    #[serde(default)]
    pub piped_input: bool,
}

/// What an action does to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileOp {
    /// Creates or overwrites the file.
    Write,
    /// Changes part of the file.
    Edit,
    /// Deletes the file (or moves it away).
    Delete,
}

/// A line an action adds to a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedLine {
    /// 1-based line number in the new file, when known.
    pub line: Option<u32>,
    /// The line's text, without its newline.
    pub text: String,
}

/// One file an action writes, edits or deletes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEffect {
    /// Path relative to the repository root with `/` separators; outside the root it stays
    /// absolute (and starts with `/`).
    pub path: String,
    /// What happens to it.
    pub op: FileOp,
    /// Lines the action adds (empty when unknown, e.g. a shell redirection).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<AddedLine>,
    /// Lines the action removes, when known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    /// How the effect arises, for evidence (`Write tool`, `> redirection`, `rm`...).
    pub via: String,
}

/// Everything an action will do: the programs it runs and the files it touches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionFacts {
    /// The original command text, for shell actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Programs that will run.
    pub invocations: Vec<Invocation>,
    /// Files that will change.
    pub effects: Vec<FileEffect>,
}
