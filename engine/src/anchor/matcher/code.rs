//! Code matchers: forbidden patterns in the lines an action adds (or, for code a rule keeps,
//! removes).

use super::cached::{compile_regex, Cached};
use super::literal::required_literal;
use super::{EvalContext, GlobList, Hit};
use crate::check::{ActionFacts, FileOp};
use crate::secrets::redact_lines;
use serde::{Deserialize, Serialize};

/// Matches added lines that match `pattern` and not `unless`, in files matching `files` (and the
/// anchor's scope).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeMatcher {
    /// A regex (Rust `regex` syntax) tested against each added line.
    pub pattern: String,
    /// Lines that also match this regex are fine (`uses: x@<40 hex>` for SHA pinning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless: Option<String>,
    /// A hit needs the next non-empty added line to match this regex (`except:` then `pass`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_line: Option<String>,
    /// A hit is dropped when the nearest preceding added line that is less indented (the
    /// enclosing block's header) matches this regex (`if TYPE_CHECKING:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless_block: Option<String>,
    /// When the enclosing block's header is among the added lines it must match this regex
    /// (`def …:` for "imports inside functions"); when it is not, the line must be indented by
    /// at least `min_indent` columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_block: Option<String>,
    /// See `require_block`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_indent: usize,
    /// A hit is dropped when the nearest preceding non-empty added line matches this regex (a
    /// comment giving the reason the rule allows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless_previous: Option<String>,
    /// Files the pattern applies to; empty = every file in scope.
    #[serde(default, skip_serializing_if = "GlobList::is_empty")]
    pub files: GlobList,
    /// Files never checked (`*.example`).
    #[serde(default, skip_serializing_if = "GlobList::is_empty")]
    pub except_files: GlobList,
    /// Requires `pattern` instead of forbidding it: a file the action writes whole (in
    /// `files` and the scope) none of whose lines match is a hit ("every new file starts with
    /// the licence header"). Partial edits say nothing about the whole file and never hit.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// With `required`: only whole-file writes with a line matching this regex need the
    /// pattern ("define `RESTRICT_ON_SEND` whenever you use `on_send`").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_when: Option<String>,
    /// Only declarations the action introduces: a hit is dropped when the name captured by
    /// the pattern's first matching group also appears in a line the action removes (the
    /// action changes an existing item, whose doc comment may lie outside the change).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub new_names: bool,
    /// Forbids removing the pattern instead of adding it ("never remove the `// SAFETY:`
    /// comments"): a line the action removes that matches is a hit unless the text it matched
    /// is still among the file's added lines (a reworded line that keeps it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
    /// The compiled forms, boxed so that [`Matcher`](super::Matcher) stays small.
    #[serde(skip)]
    compiled: Box<Compiled>,
}

/// A code matcher's regexes and required literal, each built on first use.
#[derive(Debug, Clone, Default, PartialEq)]
struct Compiled {
    regex: Cached<regex::Regex>,
    unless: Cached<regex::Regex>,
    next: Cached<regex::Regex>,
    block: Cached<regex::Regex>,
    require: Cached<regex::Regex>,
    previous: Cached<regex::Regex>,
    when: Cached<regex::Regex>,
    /// Text every match of `pattern` contains, if the pattern has one.
    literal: Cached<Option<String>>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl CodeMatcher {
    /// A matcher for a regex in every file.
    pub fn new(pattern: impl Into<String>) -> CodeMatcher {
        CodeMatcher {
            pattern: pattern.into(),
            ..CodeMatcher::default()
        }
    }

    /// The same matcher restricted to files matching these globs.
    pub fn in_files(mut self, globs: Vec<String>) -> CodeMatcher {
        self.files = GlobList::new(globs);
        self
    }

    /// One line saying what this matcher catches.
    pub fn describe(&self) -> String {
        let mut s = if self.required {
            format!("code /{}/ required in whole-file writes", self.pattern)
        } else {
            format!("code /{}/", self.pattern)
        };
        if let Some(w) = &self.required_when {
            s.push_str(&format!(" that have /{w}/"));
        }
        if let Some(u) = &self.unless {
            s.push_str(&format!(" unless /{u}/"));
        }
        if let Some(n) = &self.next_line {
            s.push_str(&format!(" followed by /{n}/"));
        }
        if let Some(b) = &self.unless_block {
            s.push_str(&format!(" unless inside /{b}/"));
        }
        if let Some(p) = &self.unless_previous {
            s.push_str(&format!(" unless the line before matches /{p}/"));
        }
        if self.new_names {
            s.push_str(" (new declarations only)");
        }
        if self.removed {
            s.push_str(" (removed lines)");
        }
        if !self.files.is_empty() {
            s.push_str(&format!(" in {}", self.files.globs().join(", ")));
        }
        if !self.except_files.is_empty() {
            s.push_str(&format!(
                " except in {}",
                self.except_files.globs().join(", ")
            ));
        }
        s
    }

    /// Compiles the regexes and globs.
    pub fn validate(&self) -> Result<(), String> {
        self.regex()?;
        self.unless()?;
        self.optional(&self.next_line, &self.compiled.next)?;
        self.optional(&self.unless_block, &self.compiled.block)?;
        self.optional(&self.require_block, &self.compiled.require)?;
        self.optional(&self.unless_previous, &self.compiled.previous)?;
        self.optional(&self.required_when, &self.compiled.when)?;
        self.files.validate()?;
        self.except_files.validate()
    }

    fn regex(&self) -> Result<&regex::Regex, String> {
        self.compiled.regex.get_or(|| compile_regex(&self.pattern))
    }

    fn unless(&self) -> Result<Option<&regex::Regex>, String> {
        match &self.unless {
            None => Ok(None),
            Some(p) => self.compiled.unless.get_or(|| compile_regex(p)).map(Some),
        }
    }

    fn optional<'a>(
        &self,
        pattern: &Option<String>,
        cache: &'a Cached<regex::Regex>,
    ) -> Result<Option<&'a regex::Regex>, String> {
        match pattern {
            None => Ok(None),
            Some(p) => cache.get_or(|| compile_regex(p)).map(Some),
        }
    }

    /// True when the context conditions (`next_line`, `unless_block`) let a hit at `i` stand.
    fn context_allows(&self, lines: &[crate::check::AddedLine], i: usize) -> bool {
        if let Ok(Some(next)) = self.optional(&self.next_line, &self.compiled.next) {
            let following = lines[i + 1..].iter().find(|l| !l.text.trim().is_empty());
            if !following.is_some_and(|l| next.is_match(&l.text)) {
                return false;
            }
        }
        let indent = indentation(&lines[i].text);
        let header = lines[..i]
            .iter()
            .rev()
            .find(|l| !l.text.trim().is_empty() && indentation(&l.text) < indent);
        if let Ok(Some(block)) = self.optional(&self.unless_block, &self.compiled.block) {
            if header.is_some_and(|h| block.is_match(&h.text)) {
                return false;
            }
        }
        if let Ok(Some(required)) = self.optional(&self.require_block, &self.compiled.require) {
            let ok = match header {
                Some(h) => required.is_match(&h.text),
                None => indent >= self.min_indent,
            };
            if !ok {
                return false;
            }
        }
        if let Ok(Some(previous)) = self.optional(&self.unless_previous, &self.compiled.previous) {
            // The nearest non-empty line, and the whole comment block it may end.
            let mut before = lines[..i]
                .iter()
                .rev()
                .filter(|l| !l.text.trim().is_empty());
            if let Some(first) = before.next() {
                if previous.is_match(&first.text) {
                    return false;
                }
                let comment =
                    |t: &str| t.trim_start().starts_with('#') || t.trim_start().starts_with("//");
                if comment(&first.text)
                    && before
                        .take_while(|l| comment(&l.text))
                        .any(|l| previous.is_match(&l.text))
                {
                    return false;
                }
            }
        }
        true
    }

    /// True when a file effect lies in the scope and the matcher's files.
    fn covers(&self, ctx: &EvalContext, path: &str) -> bool {
        ctx.in_scope(path)
            && (self.files.is_empty() || self.files.is_match(path))
            && !self.except_files.is_match(path)
    }

    /// Whole-file writes in scope (with a line matching `required_when`, when set) none of
    /// whose lines match the required pattern.
    fn missing(&self, ctx: &EvalContext, facts: &ActionFacts) -> Vec<Hit> {
        let (Ok(re), Ok(when)) = (
            self.regex(),
            self.optional(&self.required_when, &self.compiled.when),
        ) else {
            return Vec::new();
        };
        let has = |e: &crate::check::FileEffect, re: &regex::Regex| {
            e.added.iter().any(|l| re.is_match(&l.text))
        };
        facts
            .effects
            .iter()
            .filter(|e| e.op == FileOp::Write && !e.added.is_empty())
            .filter(|e| self.covers(ctx, &e.path))
            .filter(|e| when.is_none_or(|w| has(e, w)) && !has(e, re))
            .map(|e| Hit {
                evidence: format!("{} is written without /{}/", e.path, self.pattern),
                path: Some(e.path.clone()),
                line: None,
            })
            .collect()
    }

    /// Removed lines that match, in files in scope, whose matched text no added line keeps.
    fn removals(&self, ctx: &EvalContext, facts: &ActionFacts) -> Vec<Hit> {
        let Ok(re) = self.regex() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for effect in facts.effects.iter().filter(|e| !e.removed.is_empty()) {
            if !self.covers(ctx, &effect.path) {
                continue;
            }
            // Quoted lines are masked where they stood, before the path prefixes them.
            let mut masked: Option<Vec<String>> = None;
            for (i, line) in effect.removed.iter().enumerate() {
                let Some(found) = re.find(line) else {
                    continue;
                };
                let kept = effect.added.iter().any(|a| a.text.contains(found.as_str()));
                if !kept {
                    let quoted = &masked.get_or_insert_with(|| {
                        redact_lines(effect.removed.iter().map(String::as_str))
                    })[i];
                    out.push(Hit {
                        evidence: format!("{}: removes {}", effect.path, quoted.trim()),
                        path: Some(effect.path.clone()),
                        line: None,
                    });
                }
            }
        }
        out
    }

    /// Every added line, in a file in scope, that matches (for a required pattern: every
    /// whole-file write that lacks it).
    pub fn hits(&self, ctx: &EvalContext, facts: &ActionFacts) -> Vec<Hit> {
        if self.required {
            return self.missing(ctx, facts);
        }
        if self.removed {
            return self.removals(ctx, facts);
        }
        let mut effects = facts
            .effects
            .iter()
            .filter(|e| e.op != FileOp::Delete && !e.added.is_empty())
            .peekable();
        // Most actions (shell commands, deletions) add no lines: compile nothing for them.
        if effects.peek().is_none() {
            return Vec::new();
        }
        let literal = self
            .compiled
            .literal
            .get_or(|| Ok(required_literal(&self.pattern)));
        let mut out = Vec::new();
        for effect in effects {
            let path = effect.path.as_str();
            if !self.covers(ctx, path) {
                continue;
            }
            // Lines without the pattern's required literal cannot match: skip the compile.
            if let Ok(Some(literal)) = literal {
                if !effect
                    .added
                    .iter()
                    .any(|l| l.text.contains(literal.as_str()))
                {
                    continue;
                }
            }
            let Ok(re) = self.regex() else {
                return Vec::new();
            };
            // Quoted lines are masked where they stood, before the path prefixes them.
            let mut masked: Option<Vec<String>> = None;
            for (i, added) in effect.added.iter().enumerate() {
                if !re.is_match(&added.text) {
                    continue;
                }
                // `unless` is compiled only once a line matches (most writes match nothing).
                let Ok(unless) = self.unless() else {
                    return Vec::new();
                };
                if !unless.is_some_and(|u| u.is_match(&added.text))
                    && self.context_allows(&effect.added, i)
                    && !(self.new_names && names_removed_item(re, &added.text, &effect.removed))
                {
                    let quoted = &masked.get_or_insert_with(|| {
                        redact_lines(effect.added.iter().map(|l| l.text.as_str()))
                    })[i];
                    out.push(Hit {
                        evidence: format!("{}: {}", path, quoted.trim()),
                        path: Some(path.to_string()),
                        line: added.line,
                    });
                }
            }
        }
        out
    }
}

/// True when the name `re` captures in `line` (its first matching group) appears as a word
/// in one of the `removed` lines.
fn names_removed_item(re: &regex::Regex, line: &str, removed: &[String]) -> bool {
    let Some(name) = re
        .captures(line)
        .and_then(|c| c.iter().skip(1).flatten().next())
        .map(|m| m.as_str())
        .filter(|n| !n.is_empty())
    else {
        return false;
    };
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    removed.iter().any(|text| {
        text.match_indices(name).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
    })
}

fn indentation(line: &str) -> usize {
    line.chars()
        .take_while(|c| c.is_whitespace())
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{AddedLine, FileEffect};

    fn effect(path: &str, op: FileOp, lines: &[&str]) -> ActionFacts {
        let added = lines
            .iter()
            .enumerate()
            .map(|(i, text)| AddedLine {
                line: Some(i as u32 + 1),
                text: (*text).to_string(),
            })
            .collect();
        ActionFacts {
            effects: vec![FileEffect {
                path: path.into(),
                op,
                added,
                removed: Vec::new(),
                via: "Write tool".into(),
            }],
            ..ActionFacts::default()
        }
    }

    #[test]
    fn removed_matches_lines_taken_away_and_not_kept() {
        let m = CodeMatcher {
            removed: true,
            ..CodeMatcher::new(r"@objc\(RC\w*\)")
        };
        let scope = GlobList::default();
        let ctx = EvalContext {
            root: None,
            scope: &scope,
        };
        let mut dropped = effect(
            "a.swift",
            FileOp::Edit,
            &["public final class CustomerInfo {"],
        );
        dropped.effects[0].removed =
            vec!["@objc(RCCustomerInfo) public final class CustomerInfo {".into()];
        assert_eq!(m.hits(&ctx, &dropped).len(), 1);
        let mut kept = effect(
            "a.swift",
            FileOp::Edit,
            &["@objc(RCCustomerInfo) public final class CustomerInfo: NSObject {"],
        );
        kept.effects[0].removed = dropped.effects[0].removed.clone();
        assert!(m.hits(&ctx, &kept).is_empty());
        let added = effect("a.swift", FileOp::Edit, &["@objc(RCOther) class Other {}"]);
        assert!(m.hits(&ctx, &added).is_empty());
        assert!(m.describe().contains("removed lines"));
    }

    #[test]
    fn new_names_skips_declarations_the_action_changes() {
        let matcher = CodeMatcher {
            new_names: true,
            unless_previous: Some(r"^\s*//".into()),
            ..CodeMatcher::new(r"^func\s+([A-Z]\w*)")
        };
        let scope = GlobList::default();
        let ctx = EvalContext {
            root: None,
            scope: &scope,
        };
        let mut facts = effect("a.go", FileOp::Edit, &["func Quote(s string) string {"]);
        assert_eq!(matcher.hits(&ctx, &facts).len(), 1, "a new exported func");
        facts.effects[0].removed = vec!["func Quote(s string, q rune) string {".into()];
        assert!(matcher.hits(&ctx, &facts).is_empty(), "a changed signature");
        facts.effects[0].removed = vec!["func QuoteAll(s string) string {".into()];
        assert_eq!(matcher.hits(&ctx, &facts).len(), 1, "another name");
        let documented = effect(
            "a.go",
            FileOp::Edit,
            &["// Quote quotes s.", "func Quote(s string) string {"],
        );
        assert!(matcher.hits(&ctx, &documented).is_empty());
        assert!(matcher.describe().contains("new declarations only"));
    }

    #[test]
    fn a_required_pattern_hits_whole_file_writes_that_lack_it() {
        let matcher = CodeMatcher {
            required: true,
            ..CodeMatcher::new(r"SPDX-License-Identifier:").in_files(vec!["src/**".into()])
        };
        let scope = GlobList::default();
        let ctx = EvalContext {
            root: None,
            scope: &scope,
        };
        let without = effect("src/a.rs", FileOp::Write, &["fn main() {}"]);
        let with = effect(
            "src/a.rs",
            FileOp::Write,
            &["// SPDX-License-Identifier: MIT", "fn main() {}"],
        );
        let partial_edit = effect("src/a.rs", FileOp::Edit, &["fn other() {}"]);
        let elsewhere = effect("docs/a.md", FileOp::Write, &["text"]);
        assert_eq!(matcher.hits(&ctx, &without).len(), 1);
        assert!(matcher.hits(&ctx, &with).is_empty());
        assert!(matcher.hits(&ctx, &partial_edit).is_empty());
        assert!(matcher.hits(&ctx, &elsewhere).is_empty());
    }

    #[test]
    fn a_pattern_required_with_another_hits_only_files_that_have_the_other() {
        let matcher = CodeMatcher {
            required: true,
            required_when: Some(r"\bdef\s+on_send\b".into()),
            ..CodeMatcher::new(r"\bRESTRICT_ON_SEND\b")
        };
        let scope = GlobList::default();
        let ctx = EvalContext {
            root: None,
            scope: &scope,
        };
        let without = effect("a.rb", FileOp::Write, &["class A", "  def on_send(node)"]);
        let with = effect(
            "a.rb",
            FileOp::Write,
            &["RESTRICT_ON_SEND = %i[dup].freeze", "def on_send(node)"],
        );
        let unrelated = effect("b.rb", FileOp::Write, &["class B", "  def on_block(node)"]);
        assert_eq!(matcher.hits(&ctx, &without).len(), 1);
        assert!(matcher.hits(&ctx, &with).is_empty());
        assert!(matcher.hits(&ctx, &unrelated).is_empty());
        assert!(matcher.describe().contains("that have"));
    }
}
