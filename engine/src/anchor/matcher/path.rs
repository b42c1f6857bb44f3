//! Path matchers: files an action may not write, edit or delete.

use super::{EvalContext, GlobList, Hit};
use crate::check::{ActionFacts, FileOp};
use serde::{Deserialize, Serialize};

/// Matches file effects on paths matching `globs` but not `except`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathMatcher {
    /// Repo-relative globs (`generated/**`, `*.lock`, `.env`).
    pub globs: GlobList,
    /// Paths that stay allowed even though a glob matches (`docs/content/dev/**`).
    #[serde(default, skip_serializing_if = "GlobList::is_empty")]
    pub except: GlobList,
    /// Operations caught; empty = write, edit and delete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ops: Vec<FileOp>,
}

impl PathMatcher {
    /// A matcher on these globs for every operation.
    pub fn new(globs: Vec<String>) -> PathMatcher {
        PathMatcher {
            globs: GlobList::new(globs),
            ..PathMatcher::default()
        }
    }

    /// One line saying what this matcher catches.
    pub fn describe(&self) -> String {
        let mut s = format!("path {}", self.globs.globs().join(", "));
        if !self.except.is_empty() {
            s.push_str(&format!(" except {}", self.except.globs().join(", ")));
        }
        if !self.ops.is_empty() {
            let ops: Vec<_> = self
                .ops
                .iter()
                .map(|o| format!("{o:?}").to_lowercase())
                .collect();
            s.push_str(&format!(" ({})", ops.join("|")));
        }
        s
    }

    /// Compiles the globs.
    pub fn validate(&self) -> Result<(), String> {
        if self.globs.is_empty() {
            return Err("a path matcher needs at least one glob".into());
        }
        self.globs.validate()?;
        self.except.validate()
    }

    /// Every file effect on a matching path within the anchor's scope.
    pub fn hits(&self, ctx: &EvalContext, facts: &ActionFacts) -> Vec<Hit> {
        facts
            .effects
            .iter()
            .filter(|e| self.ops.is_empty() || self.ops.contains(&e.op))
            .filter(|e| {
                ctx.in_scope(&e.path)
                    && self.globs.is_match(&e.path)
                    && !self.except.is_match(&e.path)
            })
            .map(|e| Hit {
                evidence: format!("{} {} ({})", op_verb(e.op), e.path, e.via),
                path: Some(e.path.clone()),
                line: None,
            })
            .collect()
    }
}

fn op_verb(op: FileOp) -> &'static str {
    match op {
        FileOp::Write => "writes",
        FileOp::Edit => "edits",
        FileOp::Delete => "deletes",
    }
}
