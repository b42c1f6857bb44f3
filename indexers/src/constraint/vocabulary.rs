//! The compile vocabulary (`vocabulary.toml`, embedded): known programs, flag owners, verb
//! classes, scope phrases and concepts.

use ctx_engine::anchor::Matcher;
use regex::Regex;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

const VOCABULARY_TOML: &str = include_str!("vocabulary.toml");

/// Programs ctx recognises.
#[derive(Debug, Deserialize)]
pub struct Programs {
    /// Program names.
    pub known: Vec<String>,
    /// Other names of the same tool.
    #[serde(default)]
    pub aliases: HashMap<String, Vec<String>>,
}

/// A flag whose owner program is known.
#[derive(Debug, Deserialize)]
pub struct FlagOwner {
    /// Programs that take the flag.
    pub programs: Vec<String>,
    /// Equivalent spellings.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The subcommand the flag belongs to, when only one does.
    #[serde(default)]
    pub subcommand: Vec<String>,
}

/// Verb classes.
#[derive(Debug, Deserialize)]
pub struct Verbs {
    /// Verbs whose object is a file.
    pub edit: Vec<String>,
    /// Verbs whose object is a program.
    pub run: Vec<String>,
    /// Verbs whose object is code.
    pub code: Vec<String>,
}

/// Scope phrases.
#[derive(Debug, Deserialize)]
pub struct Scopes {
    /// Phrases meaning "in tests".
    pub tests: Vec<String>,
    /// Globs of test files.
    pub test_globs: Vec<String>,
}

/// A phrase family and the matchers it compiles to, per polarity.
#[derive(Debug, Deserialize)]
pub struct Concept {
    /// Human name, shown by `ctx anchors explain`.
    pub name: String,
    /// Regexes over the lowercased clause.
    pub phrases: Vec<String>,
    /// Matchers for prohibitions.
    #[serde(default)]
    pub never: Vec<Matcher>,
    /// Matchers for requirements.
    #[serde(default)]
    pub always: Vec<Matcher>,
    /// Compiled phrases.
    #[serde(skip)]
    pub regexes: Vec<Regex>,
}

/// The whole vocabulary.
#[derive(Debug, Deserialize)]
pub struct Vocabulary {
    /// Known programs.
    pub programs: Programs,
    /// Flag owners by flag.
    pub flags: HashMap<String, FlagOwner>,
    /// Verb classes.
    pub verbs: Verbs,
    /// Scope phrases.
    pub scopes: Scopes,
    /// Concepts.
    #[serde(rename = "concept")]
    pub concepts: Vec<Concept>,
    /// Compiled test-scope phrases.
    #[serde(skip)]
    pub test_regexes: Vec<Regex>,
}

impl Vocabulary {
    /// Parses and compiles a vocabulary, naming the bad entry on error.
    pub fn parse(text: &str) -> Result<Vocabulary, String> {
        let mut vocab: Vocabulary =
            toml::from_str(text).map_err(|e| format!("vocabulary.toml: {e}"))?;
        for concept in &mut vocab.concepts {
            concept.regexes = compile_all(&concept.phrases)
                .map_err(|e| format!("concept {:?}: {e}", concept.name))?;
            for m in concept.never.iter().chain(&concept.always) {
                m.validate()
                    .map_err(|e| format!("concept {:?}: {e}", concept.name))?;
            }
        }
        vocab.test_regexes = compile_all(&vocab.scopes.tests)?;
        Ok(vocab)
    }

    /// True when the word names a known program.
    pub fn is_program(&self, word: &str) -> bool {
        let w = word.trim_start_matches("./");
        self.programs
            .known
            .iter()
            .any(|p| p.trim_start_matches("./") == w)
    }

    /// The names a program goes by (itself plus aliases).
    pub fn program_names(&self, program: &str) -> Vec<String> {
        self.programs
            .aliases
            .get(program)
            .cloned()
            .unwrap_or_else(|| vec![program.to_string()])
    }
}

fn compile_all(patterns: &[String]) -> Result<Vec<Regex>, String> {
    patterns
        .iter()
        .map(|p| Regex::new(p).map_err(|e| format!("invalid phrase regex {p:?}: {e}")))
        .collect()
}

/// The embedded vocabulary, parsed once.
pub fn vocabulary() -> &'static Vocabulary {
    static CELL: OnceLock<Vocabulary> = OnceLock::new();
    CELL.get_or_init(|| {
        Vocabulary::parse(VOCABULARY_TOML).expect("vocabulary.toml is valid (tested)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_vocabulary_parses_and_is_sorted_enough() {
        let v = Vocabulary::parse(VOCABULARY_TOML).unwrap();
        assert!(v.is_program("git") && v.is_program("./gradlew") && !v.is_program("asyncio"));
        assert!(v.concepts.len() > 10);
        assert_eq!(v.program_names("pip"), ["pip", "pip3"]);
    }
}
