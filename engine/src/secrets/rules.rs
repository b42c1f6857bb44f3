//! The secret shapes of `rules.toml`, with a keyword prefilter; each rule's pattern is
//! compiled the first time the prefilter wakes it.
//!
//! Why lazily: ctx runs as a fresh process per agent hook call, and every such call masks
//! its drift-log record. Compiling all 71 patterns took ~40-50 ms per process (a few
//! patterns with counted repetitions of Unicode classes, such as `[\w\-]{27,38}`, cost
//! several milliseconds each), against ~3 ms for the rest of a hook call. A text wakes only
//! the rules whose keywords it holds, and a rule that is not woken cannot mask anything in
//! it, so compiling on first wake finds exactly what compiling up front did.
//!
//! For the same reason the keyword automaton is built only when a process has many bytes to
//! scan: building it (~0.3 ms for its ~150 keywords) costs more than looking for each
//! keyword in a hook call's few hundred bytes (~2 µs). Until [`DIRECT_SCAN_BYTES`] have
//! been scanned, a text is searched keyword by keyword, which wakes the same rules.

use super::assignment;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use serde::Deserialize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Bytes a process scans keyword by keyword before it builds the keyword automaton: about
/// what the automaton costs to build, so a process that scans more pays at most twice.
pub const DIRECT_SCAN_BYTES: usize = 32 * 1024;

/// One rule as written in `rules.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Name shown in `[redacted:ID]` and in counts.
    pub id: String,
    /// Lowercase words of which one must occur for the rule to run.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The pattern; its `secret` group (or the whole match) is masked.
    pub regex: String,
    /// Least Shannon entropy (bits per character) of the masked part: a lower one is
    /// not masked (words, repeated characters, placeholders).
    #[serde(default)]
    pub entropy: Option<f64>,
    /// Lowercase words a masked part never holds (`example`, `test`...): one that holds
    /// one is not masked.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Patterns of masked parts that are no secret (identifiers, paths): one that matches
    /// is not masked.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Patterns of the `name` group (what the value is given to) under which nothing is
    /// masked (`public_key`, `key_id`, `token_type`...).
    #[serde(default)]
    pub allow_name: Vec<String>,
    /// Texts the rule must mask (checked by the rule tests).
    #[serde(default)]
    #[cfg_attr(not(test), allow(dead_code))]
    pub examples: Vec<String>,
    /// Texts the rule must leave alone (checked by the rule tests).
    #[serde(default)]
    #[cfg_attr(not(test), allow(dead_code))]
    pub not: Vec<String>,
}

#[derive(Deserialize)]
struct RuleFile {
    rule: Vec<RuleSpec>,
}

/// A rule of the table; its pattern is compiled on first use.
pub struct Rule {
    /// Name shown in `[redacted:ID]`.
    pub id: String,
    /// The pattern as written.
    pattern: String,
    /// The compiled pattern, once a text has woken the rule.
    regex: OnceLock<Regex>,
    entropy: Option<f64>,
    stopwords: Vec<String>,
    allow: Vec<String>,
    allow_name: Vec<String>,
    /// `allow` and `allow_name` compiled, on first use.
    allowed: OnceLock<(Vec<Regex>, Vec<Regex>)>,
}

impl Rule {
    /// The compiled pattern (compiled now, when this is its first use).
    ///
    /// Panics when the pattern is invalid: the table is data built into ctx, and a test
    /// compiles every pattern.
    pub fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            Regex::new(&self.pattern)
                .unwrap_or_else(|e| panic!("rule {} has an invalid regex: {e}", self.id))
        })
    }

    /// Whether the match `caps` (of [`Rule::regex`]) with masked part `secret` is one the
    /// rule masks: its entropy, stopwords and allow patterns (see [`RuleSpec`]).
    pub fn accepts(&self, caps: &regex::Captures<'_>, secret: &str) -> bool {
        if self
            .entropy
            .is_some_and(|least| shannon_entropy(secret) < least)
        {
            return false;
        }
        if !self.stopwords.is_empty() {
            let lower = secret.to_ascii_lowercase();
            if self.stopwords.iter().any(|w| lower.contains(w.as_str())) {
                return false;
            }
        }
        if self.allow.is_empty() && self.allow_name.is_empty() {
            return true;
        }
        let (allow, allow_name) = self.allowed.get_or_init(|| {
            let compile = |patterns: &[String]| -> Vec<Regex> {
                patterns
                    .iter()
                    .map(|p| {
                        Regex::new(p).unwrap_or_else(|e| {
                            panic!("rule {} has an invalid allow pattern: {e}", self.id)
                        })
                    })
                    .collect()
            };
            (compile(&self.allow), compile(&self.allow_name))
        });
        if allow.iter().any(|r| r.is_match(secret)) {
            return false;
        }
        let name = caps.name("name").map_or("", |m| m.as_str());
        !allow_name.iter().any(|r| r.is_match(name))
    }

    /// Whether the pattern has been compiled.
    #[cfg(test)]
    pub fn is_compiled(&self) -> bool {
        self.regex.get().is_some()
    }
}

/// Every rule, the keyword prefilter, and which detectors each keyword wakes.
pub struct Rules {
    /// The table rules, in file order.
    pub table: Vec<Rule>,
    /// The keywords, ASCII lowercase: the prefilter's patterns, in its order.
    keywords: Vec<String>,
    /// The keyword automaton, built once [`DIRECT_SCAN_BYTES`] have been scanned.
    prefilter: OnceLock<AhoCorasick>,
    /// Bytes scanned keyword by keyword so far.
    scanned: AtomicUsize,
    /// For each prefilter pattern, the detectors it wakes: table rule indexes, and
    /// `table.len()` for the assignment detector.
    wakes: Vec<Vec<usize>>,
    /// Detectors without keywords, which always run.
    always: Vec<usize>,
}

/// The rule table as written (for its tests).
pub fn specs() -> Vec<RuleSpec> {
    let file: RuleFile =
        toml::from_str(include_str!("rules.toml")).expect("rules.toml is valid TOML");
    file.rule
}

/// The rule table of `rules.toml`, built once per process (patterns compiled on first use).
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| Rules::new(specs()))
}

impl Rules {
    /// The rules of `specs` and their keyword prefilter; no pattern is compiled yet.
    pub fn new(specs: Vec<RuleSpec>) -> Rules {
        let mut keywords: Vec<String> = Vec::new();
        let mut wakes: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        let mut add = |word: &str, detector: usize| match keywords.iter().position(|k| k == word) {
            Some(i) => wakes[i].push(detector),
            None => {
                keywords.push(word.to_string());
                wakes.push(vec![detector]);
            }
        };
        for (i, spec) in specs.iter().enumerate() {
            for word in &spec.keywords {
                add(word, i);
            }
            if spec.keywords.is_empty() {
                always.push(i);
            }
        }
        for word in assignment::KEYWORDS {
            add(word, specs.len());
        }
        let keywords = keywords.iter().map(|k| k.to_ascii_lowercase()).collect();
        let table = specs
            .into_iter()
            .map(|spec| Rule {
                id: spec.id,
                pattern: spec.regex,
                regex: OnceLock::new(),
                entropy: spec.entropy,
                stopwords: spec.stopwords,
                allow: spec.allow,
                allow_name: spec.allow_name,
                allowed: OnceLock::new(),
            })
            .collect();
        Rules {
            table,
            keywords,
            prefilter: OnceLock::new(),
            scanned: AtomicUsize::new(0),
            wakes,
            always,
        }
    }

    /// The keyword automaton (built now, when this is its first use): ASCII case
    /// insensitive, reporting every occurrence of every keyword.
    fn prefilter(&self) -> &AhoCorasick {
        self.prefilter.get_or_init(|| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&self.keywords)
                .expect("keywords build an automaton")
        })
    }

    /// Whether the automaton has been built.
    #[cfg(test)]
    pub fn has_automaton(&self) -> bool {
        self.prefilter.get().is_some()
    }

    /// Builds the automaton now, so that every later text is searched with it.
    #[cfg(test)]
    pub fn build_automaton(&self) {
        self.prefilter();
    }

    /// Which detectors may match `text`: one flag per table rule, then one for the
    /// assignment detector.
    pub fn active(&self, text: &str) -> Vec<bool> {
        let mut active = vec![false; self.table.len() + 1];
        for &i in &self.always {
            active[i] = true;
        }
        let mut left = active.iter().filter(|a| !**a).count();
        // Wakes the detectors of keyword `k`; true when every detector is awake.
        let mut wake = |k: usize| {
            for &detector in &self.wakes[k] {
                if !active[detector] {
                    active[detector] = true;
                    left -= 1;
                }
            }
            left == 0
        };
        // Both searches find the keywords that occur in `text`, ASCII case folded: the
        // automaton reports every occurrence of every keyword (overlapping, standard
        // semantics), the direct scan looks for each lowercase keyword in the lowercased
        // text.
        let direct = self.prefilter.get().is_none()
            && self.scanned.fetch_add(text.len(), Ordering::Relaxed) + text.len()
                <= DIRECT_SCAN_BYTES;
        if direct {
            let lower = text.to_ascii_lowercase();
            for (k, keyword) in self.keywords.iter().enumerate() {
                if lower.contains(keyword.as_str()) && wake(k) {
                    break;
                }
            }
        } else {
            for found in self.prefilter().find_overlapping_iter(text) {
                if wake(found.pattern().as_usize()) {
                    break;
                }
            }
        }
        active
    }
}

/// Shannon entropy of `text`'s characters, in bits per character.
pub fn shannon_entropy(text: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut total = 0usize;
    for c in text.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&n| {
            let p = n as f64 / total as f64;
            -p * p.log2()
        })
        .sum()
}
