//! The anchor record: one project constraint, where it came from and what ctx checks for it.

use super::matcher::Matcher;
use serde::{Deserialize, Serialize};

/// Whether a rule forbids, requires or explicitly allows something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    /// "never do X": a matcher hit is a violation.
    #[default]
    Never,
    /// "always do Y": a matcher hit means Y was not done (a violation).
    Always,
    /// "you may do Z": a matcher hit is an explicit permission.
    Allowed,
}

impl Polarity {
    /// The lowercase name used in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::Never => "never",
            Polarity::Always => "always",
            Polarity::Allowed => "allowed",
        }
    }

    /// Parses a name produced by [`Polarity::as_str`].
    pub fn parse(name: &str) -> Option<Polarity> {
        match name.to_ascii_lowercase().as_str() {
            "never" => Some(Polarity::Never),
            "always" => Some(Polarity::Always),
            "allowed" | "allow" | "may" => Some(Polarity::Allowed),
            _ => None,
        }
    }
}

/// How hard a violation stops an action: the anchor's tier.
///
/// Chosen by confidence when a rule is compiled: *deny* for hard rules grounded on an object
/// the rule names literally, *ask* for soft rules or rules grounded on a partial object (the
/// user confirms the action), *remind* for everything else (never blocks; the rule is shown to
/// the model). Files keep the historical names `block` and `warn`; `deny` and `remind` are
/// accepted as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Deny tier: a violation denies the action.
    #[default]
    #[serde(alias = "deny")]
    Block,
    /// Ask tier: a violation asks the user to confirm the action (a warning to the model
    /// where an agent cannot ask).
    Ask,
    /// Remind tier: a violation never blocks; the rule is given to the model.
    #[serde(alias = "remind")]
    Warn,
}

impl Severity {
    /// The lowercase name used in files: `block`, `ask` or `warn`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Block => "block",
            Severity::Ask => "ask",
            Severity::Warn => "warn",
        }
    }

    /// The tier's name as shown to people: `deny`, `ask` or `remind`.
    pub fn tier(self) -> &'static str {
        match self {
            Severity::Block => "deny",
            Severity::Ask => "ask",
            Severity::Warn => "remind",
        }
    }

    /// Parses a file name ([`Severity::as_str`]) or a tier name ([`Severity::tier`]).
    pub fn parse(name: &str) -> Option<Severity> {
        match name.to_ascii_lowercase().as_str() {
            "block" | "deny" => Some(Severity::Block),
            "ask" => Some(Severity::Ask),
            "warn" | "warning" | "remind" => Some(Severity::Warn),
            _ => None,
        }
    }
}

/// Where an anchor came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnchorSource {
    /// Extracted from a documentation or agent-instruction file.
    Doc {
        /// Path relative to the repository root, with `/` separators.
        path: String,
        /// 1-based line of the sentence.
        line: u32,
    },
    /// Written in `.ctx/anchors.toml`.
    Pinned,
    /// One of ctx's universal defaults.
    Builtin,
    /// Derived from the pinned task plan (`.ctx/plan.json`).
    Plan,
}

impl AnchorSource {
    /// The part of the source that keeps ids stable across re-indexing (never the line).
    fn id_key(&self) -> String {
        match self {
            AnchorSource::Doc { path, .. } => format!("doc:{path}"),
            AnchorSource::Pinned => "pinned".into(),
            AnchorSource::Builtin => "builtin".into(),
            AnchorSource::Plan => "plan".into(),
        }
    }

    /// The short id prefix of anchors from this source.
    fn id_prefix(&self) -> &'static str {
        match self {
            AnchorSource::Doc { .. } => "d",
            AnchorSource::Pinned => "p",
            AnchorSource::Builtin => "b",
            AnchorSource::Plan => "plan",
        }
    }

    /// A human label: `AGENTS.md:12`, `pinned`, `builtin`, `plan`.
    pub fn label(&self) -> String {
        match self {
            AnchorSource::Doc { path, line } => format!("{path}:{line}"),
            AnchorSource::Pinned => "pinned (.ctx/anchors.toml)".into(),
            AnchorSource::Builtin => "builtin".into(),
            AnchorSource::Plan => "plan (.ctx/plan.json)".into(),
        }
    }
}

/// One project constraint as a first-class record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anchor {
    /// Stable id: derived from the normalised text and the source file, or given explicitly.
    pub id: String,
    /// The rule as written (verbatim for extracted rules).
    pub text: String,
    /// Forbids, requires or allows.
    #[serde(default)]
    pub polarity: Polarity,
    /// Globs (relative to the repository root) the rule applies to; empty = the whole repo.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope: Vec<String>,
    /// Deny or warn on a violation.
    #[serde(default)]
    pub severity: Severity,
    /// Where the rule came from.
    pub source: AnchorSource,
    /// Disabled anchors are listed but never evaluated.
    #[serde(default = "enabled_default")]
    pub enabled: bool,
    /// What ctx checks; empty = a semantic-only anchor (embedding similarity, warn only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<Matcher>,
    /// How the matchers were compiled from the text: one line per recognised phrase.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Why the anchor has its tier ("deny: a hard rule naming its object literally", "ask:
    /// soft wording"), for extracted anchors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_reason: Option<String>,
    /// The text's embedding, when the indexer computed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Vec<f32>>,
}

/// The start of the tier reason of a hard rule only the user may lift ("unless explicitly
/// asked"): it denies, and the answer tells the agent to ask the user.
pub const LIFTED_BY_USER: &str = "deny: a hard rule that only the user can lift";

fn enabled_default() -> bool {
    true
}

impl Anchor {
    /// A new enabled anchor with a derived id and no matchers.
    pub fn new(text: impl Into<String>, polarity: Polarity, source: AnchorSource) -> Anchor {
        let text = text.into();
        let id = anchor_id(&text, &source);
        Anchor {
            id,
            text,
            polarity,
            scope: Vec::new(),
            severity: Severity::Block,
            source,
            enabled: true,
            matchers: Vec::new(),
            notes: Vec::new(),
            tier_reason: None,
            embedding: None,
        }
    }

    /// True for a hard rule that only the user may lift ("unless explicitly asked").
    pub fn lifted_by_user(&self) -> bool {
        self.tier_reason
            .as_deref()
            .is_some_and(|r| r.starts_with(LIFTED_BY_USER))
    }

    /// True when nothing checkable was compiled from the text.
    pub fn is_semantic_only(&self) -> bool {
        self.matchers.is_empty()
    }

    /// Why the anchor has its tier: the reason recorded when it was extracted, else what its
    /// source says (a built-in guard, a rule pinned with this tier).
    pub fn tier_why(&self) -> String {
        if let Some(reason) = &self.tier_reason {
            return reason.clone();
        }
        let tier = self.severity.tier();
        match self.source {
            AnchorSource::Builtin => format!("{tier}: a built-in guard"),
            AnchorSource::Pinned => format!("{tier}: pinned with this tier in .ctx/anchors.toml"),
            AnchorSource::Plan => format!("{tier}: the pinned plan's scope"),
            AnchorSource::Doc { .. } if self.matchers.is_empty() => {
                format!("{tier}: nothing checkable is named")
            }
            AnchorSource::Doc { .. } => {
                format!("{tier}: extracted before tiers were recorded; re-run `ctx index`")
            }
        }
    }
}

/// Lowercases, drops markdown emphasis and collapses whitespace, so cosmetic edits keep ids.
pub fn normalise_text(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '`'))
        .collect::<String>()
        .to_lowercase();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The stable id of a rule: a prefix naming its source kind and 10 hex digits of
/// blake3(normalised text, source file). Re-indexing an unchanged sentence keeps its id
/// even when its line moves.
pub fn anchor_id(text: &str, source: &AnchorSource) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(normalise_text(text).as_bytes());
    hasher.update(b"\0");
    hasher.update(source.id_key().as_bytes());
    let hex = hasher.finalize().to_hex();
    format!("{}-{}", source.id_prefix(), &hex[..10])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_survive_line_moves_and_cosmetic_edits() {
        let a = anchor_id(
            "**Never** force-push to `main`",
            &AnchorSource::Doc {
                path: "AGENTS.md".into(),
                line: 3,
            },
        );
        let b = anchor_id(
            "never   force-push to main",
            &AnchorSource::Doc {
                path: "AGENTS.md".into(),
                line: 40,
            },
        );
        assert_eq!(a, b);
        assert!(a.starts_with("d-"));
        let other_file = anchor_id(
            "never force-push to main",
            &AnchorSource::Doc {
                path: "docs/AGENTS.md".into(),
                line: 3,
            },
        );
        assert_ne!(a, other_file);
    }

    #[test]
    fn polarity_and_severity_round_trip() {
        for p in [Polarity::Never, Polarity::Always, Polarity::Allowed] {
            assert_eq!(Polarity::parse(p.as_str()), Some(p));
        }
        for s in [Severity::Block, Severity::Ask, Severity::Warn] {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
            assert_eq!(Severity::parse(s.tier()), Some(s));
        }
        assert_eq!(Polarity::parse("sometimes"), None);
    }
}
