//! The normalised facts of an agent action: the contract between parsers and matchers.

use serde::{Deserialize, Serialize};

/// One program invocation that will actually run, after unwrapping shells and wrappers.
///
/// Two kinds of invocation are equivalents rather than literal programs, so that anchors written
/// about the plain form also hold for the spelling an action chose; both keep the source text
/// they stand for in `raw` and name their origin in `wrappers`:
/// - a deletion spelt otherwise (`npx rimraf x`, `shutil.rmtree(x)` in `python -c`, `find x
///   -delete`, a path through a symlink the same command line created) also appears as `rm`
///   with `-r`/`-f` and the real target;
/// - a statement of an embedded language ctx analysed (SQL fed to `psql`, a MongoDB call in
///   `mongosh --eval`) appears as the pseudo-program `sql` with the statement's words as
///   arguments and its string literals blanked to `''`.
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
    /// The directory it runs in: absolute when known (after any `cd` earlier in the command
    /// line), the unresolved argument of such a `cd` (`$DIR`) when not, and `None` when the
    /// action came without one (relative paths then start at the repository root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// True when code an interpreter runs performs it (`os.system(…)` or `shutil.rmtree(…)` in
    /// `python -c`, a call in a heredoc fed to `node -`), rather than the shell itself.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_code: bool,
    /// True when the shell runs it in the background (`cmd &`, `nohup cmd > log &`): the
    /// command line goes on without waiting for it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub background: bool,
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
    /// Shows the file's content to the agent (a read tool, `cat`, `head`, `grep`…) and changes
    /// nothing; only matchers that name reads catch it.
    Read,
}

/// A line an action adds to a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedLine {
    /// 1-based line number in the new file, when known.
    pub line: Option<u32>,
    /// The line's text, without its newline.
    pub text: String,
}

/// One file an action reads, writes, edits or deletes.
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
    /// Files that will change or be read.
    pub effects: Vec<FileEffect>,
}
