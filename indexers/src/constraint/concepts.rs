//! Operations rules name in words (`concepts.toml`, embedded): git's own operations, secrets,
//! dependencies, release builds, each with the matchers it compiles to.

use ctx_engine::anchor::matcher::EvalContext;
use ctx_engine::anchor::{CodeMatcher, GlobList, Matcher, Polarity};
use ctx_engine::check::{edit_effect, ActionFacts};
use regex::Regex;
use serde::Deserialize;
use std::sync::OnceLock;

const CONCEPTS_TOML: &str = include_str!("concepts.toml");

/// How directly a concept's words name its matchers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grounding {
    /// The words name exactly this operation ("force-push"): as good as a code span.
    #[default]
    Literal,
    /// The matchers are a heuristic reading of the words ("swallowed errors"): ask, never deny.
    Inferred,
}

/// One concept.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Concept {
    /// Shown in notes.
    pub name: String,
    /// Regexes over the masked, lowercased clause.
    pub phrases: Vec<String>,
    /// Regexes that, found in the clause, mean another concept instead.
    #[serde(default)]
    pub unless: Vec<String>,
    /// How directly the words name the matchers.
    #[serde(default)]
    pub grounding: Grounding,
    /// Matchers for prohibitions.
    #[serde(default)]
    pub never: Vec<Matcher>,
    /// Matchers for requirements.
    #[serde(default)]
    pub always: Vec<Matcher>,
    /// The concept whose prohibition matchers break this requirement ("use functional
    /// components" is broken by a class component): they become `always`, written once.
    #[serde(default)]
    pub always_from: Option<String>,
    /// Clauses the phrases must find.
    #[serde(rename = "match")]
    pub matches: Vec<String>,
    /// Clauses they must not find.
    pub not_match: Vec<String>,
    /// Added lines of code the concept's code matchers must catch.
    #[serde(default)]
    pub code_match: Vec<String>,
    /// Added lines of code they must not catch.
    #[serde(default)]
    pub code_not_match: Vec<String>,
    /// Compiled phrases.
    #[serde(skip)]
    regexes: Vec<Regex>,
    /// Compiled `unless` phrases.
    #[serde(skip)]
    unless_regexes: Vec<Regex>,
}

impl Concept {
    /// Fails, naming the clause, when the phrases miss a `match` example or find a
    /// `not_match` one, or when the concept compiles to nothing.
    fn check_examples(&self) -> Result<(), String> {
        if self.matches.is_empty() || self.never.is_empty() && self.always.is_empty() {
            return Err(format!(
                "concept {:?} needs `match` examples and matchers",
                self.name
            ));
        }
        if let Some(s) = self.matches.iter().find(|s| self.find(s).is_none()) {
            return Err(format!("concept {:?} must find {s:?}", self.name));
        }
        if let Some(s) = self.not_match.iter().find(|s| self.find(s).is_some()) {
            return Err(format!("concept {:?} must not find {s:?}", self.name));
        }
        if let Some(l) = self.code_match.iter().find(|l| !self.catches_line(l)) {
            return Err(format!("concept {:?} must catch the line {l:?}", self.name));
        }
        if let Some(l) = self.code_not_match.iter().find(|l| self.catches_line(l)) {
            return Err(format!(
                "concept {:?} must not catch the line {l:?}",
                self.name
            ));
        }
        Ok(())
    }

    /// True when one of the concept's code matchers catches `line` added to a file it covers.
    fn catches_line(&self, line: &str) -> bool {
        let scope = GlobList::default();
        let ctx = EvalContext {
            root: None,
            scope: &scope,
        };
        self.never.iter().chain(&self.always).any(|m| {
            let Matcher::Code(code) = m else {
                return false;
            };
            let facts = ActionFacts {
                effects: vec![edit_effect(&example_path(code), "", line, None, "example")],
                ..ActionFacts::default()
            };
            !code.hits(&ctx, &facts).is_empty()
        })
    }

    /// The phrase the clause contains, if any.
    pub fn find<'t>(&self, clause: &'t str) -> Option<&'t str> {
        if self.unless_regexes.iter().any(|r| r.is_match(clause)) {
            return None;
        }
        self.regexes
            .iter()
            .find_map(|r| r.find(clause))
            .map(|m| m.as_str())
    }

    /// The matchers for a clause of this polarity (permissions use the prohibition's).
    pub fn matchers(&self, polarity: Polarity) -> &[Matcher] {
        match polarity {
            Polarity::Always => &self.always,
            Polarity::Never | Polarity::Allowed => &self.never,
        }
    }
}

/// A path the code matcher covers: `src/example` with the extension of its first file glob.
fn example_path(code: &CodeMatcher) -> String {
    let ext = code
        .files
        .globs()
        .first()
        .and_then(|g| g.rsplit_once("*."))
        .map(|(_, ext)| format!(".{ext}"))
        .unwrap_or_default();
    format!("src/example{ext}")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConceptFile {
    concept: Vec<Concept>,
}

/// Parses and validates the concepts, naming the bad one on error.
pub fn parse(text: &str) -> Result<Vec<Concept>, String> {
    let mut file: ConceptFile = toml::from_str(text).map_err(|e| format!("concepts.toml: {e}"))?;
    for c in &mut file.concept {
        let compile = |list: &[String]| {
            list.iter()
                .map(|p| Regex::new(p).map_err(|e| format!("concept {:?}: {e}", c.name)))
                .collect::<Result<Vec<_>, _>>()
        };
        c.regexes = compile(&c.phrases)?;
        c.unless_regexes = compile(&c.unless)?;
        for m in c.never.iter().chain(&c.always) {
            m.validate()
                .map_err(|e| format!("concept {:?}: {e}", c.name))?;
        }
    }
    resolve_always_from(&mut file.concept)?;
    for c in &file.concept {
        c.check_examples()?;
    }
    Ok(file.concept)
}

/// Fills `always` of every concept that names another's prohibition matchers.
fn resolve_always_from(concepts: &mut [Concept]) -> Result<(), String> {
    for i in 0..concepts.len() {
        let Some(source) = concepts[i].always_from.clone() else {
            continue;
        };
        let name = &concepts[i].name;
        if !concepts[i].always.is_empty() {
            return Err(format!(
                "concept {name:?}: `always_from` and `always` matchers exclude each other"
            ));
        }
        let never = concepts
            .iter()
            .find(|c| c.name == source)
            .map(|c| c.never.clone())
            .filter(|never| !never.is_empty())
            .ok_or_else(|| {
                format!("concept {name:?}: `always_from` names {source:?}, no concept with prohibition matchers")
            })?;
        concepts[i].always = never;
    }
    Ok(())
}

/// The embedded concepts, parsed once.
pub fn concepts() -> &'static [Concept] {
    static CELL: OnceLock<Vec<Concept>> = OnceLock::new();
    CELL.get_or_init(|| parse(CONCEPTS_TOML).expect("concepts.toml is valid (tested)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_concept_finds_its_examples_and_nothing_else() {
        assert!(parse(CONCEPTS_TOML).unwrap().len() > 10);
        let broken = CONCEPTS_TOML.replacen("\"never amend commits\"", "\"amenities\"", 1);
        let err = parse(&broken).unwrap_err();
        assert!(
            err.contains("amending") && err.contains("amenities"),
            "{err}"
        );
        let broken = CONCEPTS_TOML.replacen("'from os import path'", "'from os import *'", 1);
        let err = parse(&broken).unwrap_err();
        assert!(err.contains("must not catch the line"), "{err}");
    }

    #[test]
    fn a_requirement_takes_the_named_prohibition_matchers() {
        let all = parse(CONCEPTS_TOML).unwrap();
        let by_name = |name: &str| all.iter().find(|c| c.name == name).unwrap();
        assert_eq!(
            by_name("fixing warnings").matchers(Polarity::Always),
            by_name("suppressing warnings").matchers(Polarity::Never)
        );
        assert!(by_name("suppressing warnings")
            .matchers(Polarity::Always)
            .is_empty());
        let broken = CONCEPTS_TOML.replacen(
            "always_from = \"suppressing warnings\"",
            "always_from = \"no such concept\"",
            1,
        );
        let err = parse(&broken).unwrap_err();
        assert!(err.contains("no such concept"), "{err}");
    }
}
