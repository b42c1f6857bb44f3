//! Sentence patterns of rules (`patterns.toml`, embedded): directive openings, modal forms,
//! labels, relations, exceptions, scopes and the words of universal and whole-file
//! requirements, each tested against its own example sentences.

use ctx_engine::anchor::Polarity;
use regex::Regex;
use serde::Deserialize;
use std::sync::OnceLock;

const PATTERNS_TOML: &str = include_str!("patterns.toml");

/// A list of objects or plain words: "`a`, `b` or `c`", "pip or poetry".
const OBJS: &str = r"(?:§\d+§|[a-z][\w.+-]*)(?:\s*(?:,\s*(?:or\s+|and\s+|nor\s+)?|/|\s+or\s+|\s+and\s+|\s+nor\s+)\s*(?:§\d+§|[a-z][\w.+-]*))*";

/// A class named in words before its examples ("global exception classes like", "tools such
/// as"), written `CLASS_OF` in a pattern: the examples after it are the objects, the class
/// words are not.
const CLASS_OF: &str =
    r"(?:(?:[a-z][\w-]*\s+){1,4}(?:like|such\s+as|e\.g\.,?|including|for\s+example,?)\s+)";

/// Articles and qualifiers before a noun ("the", "a system", "the global"), written `QUALS` in
/// a pattern: what a relation gives up may follow them, and none of them is itself given up.
pub const QUALIFIERS: &[&str] = &[
    "a",
    "an",
    "the",
    "any",
    "your",
    "system",
    "global",
    "installed",
    "host",
];

/// How strongly a rule binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// never, must, do not, always, only, required.
    Hard,
    /// avoid, prefer, should, try to.
    Soft,
}

/// Whom a modal sentence must address to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// Any subject ("Tests must pass").
    Any,
    /// Only the reader ("You should …", "Agents may …").
    Reader,
    /// Any subject, when the clause names a practice a concept knows how to require
    /// ("Public API requires KDoc"): the concept gives the statement a checkable meaning that
    /// a description ("the build requires Java 17") lacks.
    Concept,
}

/// What an exception says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// Someone may allow it: the user confirms.
    Approval,
    /// A judgment call ("where possible").
    Soft,
    /// A circumstance ctx cannot see.
    Condition,
    /// A place or object ctx can see, excepted.
    Path,
}

/// What a scope phrase names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// Test files.
    Tests,
    /// A language's files (group `lang`).
    Language,
    /// The paths of the objects (group `objs`).
    Place,
}

/// One pattern as written in the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    /// Its name, shown in notes.
    pub name: String,
    /// The regex (with `OBJS` expanded).
    pub regex: String,
    /// Polarity, for directives, modals and labels.
    pub polarity: Option<PolarityName>,
    /// Strength, for directives, modals and labels.
    pub strength: Option<Strength>,
    /// Subject, for modals.
    pub subject: Option<Subject>,
    /// Kind, for exceptions.
    pub kind: Option<String>,
    /// Sentences it must match.
    #[serde(rename = "match")]
    pub matches: Vec<String>,
    /// Sentences it must not match.
    pub not_match: Vec<String>,
    /// The compiled regex.
    #[serde(skip)]
    pub compiled: Option<Regex>,
}

/// A polarity as written (`never` | `always` | `allowed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolarityName {
    /// Forbids.
    Never,
    /// Requires.
    Always,
    /// Allows.
    Allowed,
}

impl PolarityName {
    /// The engine's polarity.
    pub fn polarity(self) -> Polarity {
        match self {
            PolarityName::Never => Polarity::Never,
            PolarityName::Always => Polarity::Always,
            PolarityName::Allowed => Polarity::Allowed,
        }
    }
}

impl Pattern {
    /// Fails, naming the sentence, when the pattern misses one of its `match` examples or
    /// finds one of its `not_match` examples.
    fn check_examples(&self) -> Result<(), String> {
        if self.matches.is_empty() {
            return Err(format!("pattern {:?} has no `match` examples", self.name));
        }
        if let Some(s) = self.matches.iter().find(|s| !self.regex().is_match(s)) {
            return Err(format!("pattern {:?} must match {s:?}", self.name));
        }
        if let Some(s) = self.not_match.iter().find(|s| self.regex().is_match(s)) {
            return Err(format!("pattern {:?} must not match {s:?}", self.name));
        }
        Ok(())
    }

    /// The compiled regex.
    pub fn regex(&self) -> &Regex {
        self.compiled.as_ref().expect("compiled at load")
    }

    /// The polarity (patterns that have one).
    pub fn polarity(&self) -> Polarity {
        self.polarity
            .map_or(Polarity::Never, PolarityName::polarity)
    }

    /// The strength (hard when not given).
    pub fn strength(&self) -> Strength {
        self.strength.unwrap_or(Strength::Hard)
    }

    /// The exception kind.
    pub fn exception_kind(&self) -> ExceptionKind {
        match self.kind.as_deref() {
            Some("approval") => ExceptionKind::Approval,
            Some("soft") => ExceptionKind::Soft,
            Some("path") => ExceptionKind::Path,
            _ => ExceptionKind::Condition,
        }
    }

    /// The scope kind.
    pub fn scope_kind(&self) -> ScopeKind {
        match self.kind.as_deref() {
            Some("tests") => ScopeKind::Tests,
            Some("language") => ScopeKind::Language,
            _ => ScopeKind::Place,
        }
    }
}

/// Every pattern family.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patterns {
    /// Directive openings.
    pub directive: Vec<Pattern>,
    /// Modal sentences.
    pub modal: Vec<Pattern>,
    /// Labels before a colon.
    pub label: Vec<Pattern>,
    /// Kept / forbidden pairs.
    pub relation: Vec<Pattern>,
    /// Exceptions and conditions.
    pub exception: Vec<Pattern>,
    /// Scope phrases.
    pub scope: Vec<Pattern>,
    /// Words that make a requirement hold every time, not once ("always", "every commit").
    pub universal: Vec<Pattern>,
    /// Subjects of "every new file must …": the files a required span must be in (named
    /// groups `kind`, a language or "test", and `noun`).
    pub file_subject: Vec<Pattern>,
    /// Verbs by which a file carries a span ("start with", "include", "call").
    pub carry_verb: Vec<Pattern>,
    /// Where a command must run: the repository root ("run it from the repo root").
    pub from_root: Vec<Pattern>,
    /// A prohibition on running something in the background ("do not background it").
    pub background: Vec<Pattern>,
    /// A requirement to run something in the foreground ("keep it in the foreground").
    pub foreground: Vec<Pattern>,
    /// Labels that name the kind of task or session a rule holds in ("Review-only tasks are
    /// read-only:"): a circumstance ctx cannot see.
    pub situation: Vec<Pattern>,
    /// An area of the code that must not import another ("Client code NEVER imports server
    /// code"): named groups `subject` (a span) or `word` (a word before its noun), `modal`,
    /// `objects` and `okind` (the objects' noun).
    pub import_direction: Vec<Pattern>,
}

impl Patterns {
    /// Parses and compiles the patterns, naming the bad one on error.
    pub fn parse(text: &str) -> Result<Patterns, String> {
        let mut p: Patterns = toml::from_str(text).map_err(|e| format!("patterns.toml: {e}"))?;
        let qualifiers = format!("(?:{})", QUALIFIERS.join("|"));
        for pattern in p.all_mut() {
            let source = pattern
                .regex
                .replace("CLASS_OF", CLASS_OF)
                .replace("OBJS", OBJS)
                .replace("QUALS", &qualifiers);
            pattern.compiled =
                Some(Regex::new(&source).map_err(|e| format!("pattern {:?}: {e}", pattern.name))?);
        }
        for pattern in p.all() {
            pattern.check_examples()?;
        }
        Ok(p)
    }

    fn all_mut(&mut self) -> impl Iterator<Item = &mut Pattern> {
        self.directive
            .iter_mut()
            .chain(&mut self.modal)
            .chain(&mut self.label)
            .chain(&mut self.relation)
            .chain(&mut self.exception)
            .chain(&mut self.scope)
            .chain(&mut self.universal)
            .chain(&mut self.file_subject)
            .chain(&mut self.carry_verb)
            .chain(&mut self.from_root)
            .chain(&mut self.background)
            .chain(&mut self.foreground)
            .chain(&mut self.situation)
            .chain(&mut self.import_direction)
    }

    /// Every pattern.
    pub fn all(&self) -> impl Iterator<Item = &Pattern> {
        self.directive
            .iter()
            .chain(&self.modal)
            .chain(&self.label)
            .chain(&self.relation)
            .chain(&self.exception)
            .chain(&self.scope)
            .chain(&self.universal)
            .chain(&self.file_subject)
            .chain(&self.carry_verb)
            .chain(&self.from_root)
            .chain(&self.background)
            .chain(&self.foreground)
            .chain(&self.situation)
            .chain(&self.import_direction)
    }
}

/// The embedded patterns, compiled once.
pub fn patterns() -> &'static Patterns {
    static CELL: OnceLock<Patterns> = OnceLock::new();
    CELL.get_or_init(|| Patterns::parse(PATTERNS_TOML).expect("patterns.toml is valid (tested)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_matches_its_examples_and_nothing_else() {
        let p = Patterns::parse(PATTERNS_TOML).unwrap();
        assert!(p.all().count() > 20);
        let broken = PATTERNS_TOML.replacen("\"never run pip\"", "\"it is fine\"", 1);
        let err = Patterns::parse(&broken).unwrap_err();
        assert!(
            err.contains("prohibition") && err.contains("it is fine"),
            "{err}"
        );
    }

    #[test]
    fn relation_groups_split_kept_and_forbidden() {
        let p = patterns();
        let caps = p.relation[0]
            .regex()
            .captures("use pnpm instead of npm or yarn")
            .unwrap();
        assert_eq!(&caps["keep"], "pnpm");
        assert_eq!(&caps["forbid"], "npm or yarn");
    }
}
