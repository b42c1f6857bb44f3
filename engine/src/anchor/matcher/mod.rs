//! Matchers: the checkable part of an anchor, evaluated against [`ActionFacts`].
//!
//! Five kinds, one file each: [`CommandMatcher`] (programs, subcommands, flags, targets),
//! [`PathMatcher`] (files that may not be written), [`CodeMatcher`] (patterns in added lines),
//! [`DependencyMatcher`] (new entries in manifests or package-manager commands) and
//! [`GitMatcher`] (commit, push and branch rules).
//!
//! Regexes and globs are compiled lazily, on first use, so loading hundreds of anchors stays
//! cheap; [`Matcher::validate`] compiles them eagerly where a user wrote them. A code pattern
//! with a required literal is compiled only once an added line contains that literal.

mod argv;
mod cached;
mod code;
mod command;
mod dependency;
mod git;
mod glob;
mod literal;
mod path;

pub use code::CodeMatcher;
pub use command::{CommandMatcher, FlagValue, TargetClass};
pub use dependency::DependencyMatcher;
pub use git::GitMatcher;
pub use glob::{normalise_glob, GlobList};
pub use path::PathMatcher;

pub(crate) use argv::split_command;
pub use argv::GIT_GLOBAL_VALUE_OPTIONS;

use crate::check::ActionFacts;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One checkable condition compiled from a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Matcher {
    /// A program invocation.
    Command(CommandMatcher),
    /// A file that is written, edited or deleted.
    Path(PathMatcher),
    /// A pattern in added lines of code.
    Code(CodeMatcher),
    /// A new dependency.
    Dependency(DependencyMatcher),
    /// A git commit, push or branch rule.
    Git(GitMatcher),
}

/// One hit of a matcher: what matched and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The command, path or line that matched, with a short reason.
    pub evidence: String,
    /// The file involved, for file effects.
    pub path: Option<String>,
    /// The line in that file, when known.
    pub line: Option<u32>,
}

impl Hit {
    fn command(evidence: String) -> Hit {
        Hit {
            evidence,
            path: None,
            line: None,
        }
    }
}

/// What a matcher needs besides the facts: the repository root and the anchor's scope.
pub struct EvalContext<'a> {
    /// The repository root, to tell paths inside it from paths outside.
    pub root: Option<&'a Path>,
    /// The anchor's scope; file effects outside it are ignored.
    pub scope: &'a GlobList,
}

impl<'a> EvalContext<'a> {
    /// True when a repo-relative path lies in the anchor's scope (an empty scope is everything).
    pub fn in_scope(&self, path: &str) -> bool {
        self.scope.is_empty() || self.scope.is_match(path)
    }
}

impl Matcher {
    /// The matcher's kind: `command`, `path`, `code`, `dependency` or `git`.
    pub fn kind(&self) -> &'static str {
        match self {
            Matcher::Command(_) => "command",
            Matcher::Path(_) => "path",
            Matcher::Code(_) => "code",
            Matcher::Dependency(_) => "dependency",
            Matcher::Git(_) => "git",
        }
    }

    /// A one-line human description of what the matcher catches.
    pub fn describe(&self) -> String {
        match self {
            Matcher::Command(m) => m.describe(),
            Matcher::Path(m) => m.describe(),
            Matcher::Code(m) => m.describe(),
            Matcher::Dependency(m) => m.describe(),
            Matcher::Git(m) => m.describe(),
        }
    }

    /// Compiles every regex and glob, returning the first error as a message.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Matcher::Command(m) => m.validate(),
            Matcher::Path(m) => m.validate(),
            Matcher::Code(m) => m.validate(),
            Matcher::Dependency(_) => Ok(()),
            Matcher::Git(m) => m.validate(),
        }
    }

    /// Every hit of this matcher in the facts.
    pub fn hits(&self, ctx: &EvalContext, facts: &ActionFacts) -> Vec<Hit> {
        match self {
            Matcher::Command(m) => m.hits(ctx, facts),
            Matcher::Path(m) => m.hits(ctx, facts),
            Matcher::Code(m) => m.hits(ctx, facts),
            Matcher::Dependency(m) => m.hits(ctx, facts),
            Matcher::Git(m) => m.hits(ctx, facts),
        }
    }
}
