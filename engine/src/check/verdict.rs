//! The verdict on an action: allow, warn or deny, with the anchors that decided it.
//!
//! [`decide`] combines the findings of [`AnchorSet::evaluate`] (and of the semantic tier):
//! - a deny finding denies, an ask finding asks the user to confirm, a warn finding warns
//!   (the strongest wins: allow < warn < ask < deny);
//! - a permit finding (an `allowed` anchor, or an exception written in a rule) on the same
//!   file (or, for commands, on the same action) turns a warn into allow, and turns a deny or
//!   an ask into allow when both rules come from the same document (a document's own
//!   exception);
//! - built-in anchors' denials are never lifted by a permit.

use crate::anchor::{Anchor, AnchorSet, AnchorSource, Effect, Finding};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Nothing in the anchors objects.
    Allow,
    /// A non-blocking violation: the action may run, the agent is told.
    Warn,
    /// A violation of a soft or partly grounded rule: the user confirms the action (agents
    /// that cannot ask treat it as a warning).
    Ask,
    /// A blocking violation: the action must not run.
    Deny,
}

impl Decision {
    /// `allow`, `warn`, `ask` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Warn => "warn",
            Decision::Ask => "ask",
            Decision::Deny => "deny",
        }
    }
}

/// One anchor an action violates, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    /// The anchor's id.
    pub anchor_id: String,
    /// The anchor's text (the rule as written).
    pub text: String,
    /// Where the rule comes from (`AGENTS.md:12`, `builtin`, `pinned (.ctx/anchors.toml)`).
    pub source: String,
    /// Deny, ask or warn.
    pub decision: Decision,
    /// What matched: the command word, path or added line.
    pub evidence: String,
    /// The file involved, relative to the repository root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The 1-based line in that file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// The verdict on one action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Allow, warn or deny.
    pub decision: Decision,
    /// Every violation that counts, denials first.
    pub violations: Vec<Violation>,
    /// Violations lifted by a permission, as `"<denied id> permitted by <allowing id>"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permitted: Vec<String>,
    /// Remarks about the check itself (faults, skipped tiers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Verdict {
    /// An allow verdict with no violations.
    pub fn allow() -> Verdict {
        Verdict {
            decision: Decision::Allow,
            violations: Vec::new(),
            permitted: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The verdict of a check that could not be completed: `decision` (from `on_error`) with
    /// the reason as a note.
    pub fn fault(decision: Decision, reason: impl Into<String>) -> Verdict {
        Verdict {
            decision,
            notes: vec![reason.into()],
            ..Verdict::allow()
        }
    }

    /// Ids of the anchors that decided the verdict, without repeats.
    pub fn anchor_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for v in &self.violations {
            if !ids.contains(&v.anchor_id) {
                ids.push(v.anchor_id.clone());
            }
        }
        ids
    }

    /// A short reason for agents: each violated rule with its evidence, one per line.
    pub fn reason(&self) -> String {
        let mut lines: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for v in &self.violations {
            if !seen.insert((&v.anchor_id, &v.evidence)) {
                continue;
            }
            lines.push(format!(
                "ctx {}: [{}] \"{}\" ({}) matched: {}",
                v.decision.as_str(),
                v.anchor_id,
                v.text,
                v.source,
                v.evidence
            ));
        }
        lines.extend(self.notes.iter().map(|n| format!("ctx: {n}")));
        lines.join("\n")
    }
}

/// Combines findings into a verdict, looking anchors up in `set`.
pub fn decide(set: &AnchorSet, findings: &[Finding]) -> Verdict {
    let anchors: HashMap<&str, &Anchor> =
        set.anchors().iter().map(|a| (a.id.as_str(), a)).collect();
    let permits: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.effect == Effect::Permit)
        .collect();
    let mut verdict = Verdict::allow();
    for finding in findings.iter().filter(|f| f.effect != Effect::Permit) {
        let Some(anchor) = anchors.get(finding.anchor_id.as_str()) else {
            verdict
                .notes
                .push(format!("finding for unknown anchor {}", finding.anchor_id));
            continue;
        };
        if let Some(permit) = lifting_permit(finding, anchor, &permits, &anchors) {
            let entry = format!("{} permitted by {}", finding.anchor_id, permit.anchor_id);
            if !verdict.permitted.contains(&entry) {
                verdict.permitted.push(entry);
            }
            continue;
        }
        let v = violation(anchor, finding);
        if v.decision == Decision::Deny && anchor.lifted_by_user() {
            let note = format!(
                "[{}] allows this only when the user asks for it: ask them; if they agree, they run it themselves or turn the rule off with `ctx anchors disable {}`",
                anchor.id, anchor.id
            );
            if !verdict.notes.contains(&note) {
                verdict.notes.push(note);
            }
        }
        verdict.violations.push(v);
    }
    verdict
        .violations
        .sort_by_key(|v| std::cmp::Reverse(v.decision));
    dedup_violations(&mut verdict.violations);
    verdict.decision = verdict
        .violations
        .iter()
        .map(|v| v.decision)
        .max()
        .unwrap_or(Decision::Allow);
    verdict
}

fn violation(anchor: &Anchor, finding: &Finding) -> Violation {
    Violation {
        anchor_id: anchor.id.clone(),
        text: anchor.text.clone(),
        source: anchor.source.label(),
        decision: match finding.effect {
            Effect::Deny => Decision::Deny,
            Effect::Ask => Decision::Ask,
            _ => Decision::Warn,
        },
        evidence: finding.evidence.clone(),
        path: finding.path.clone(),
        line: finding.line,
    }
}

fn dedup_violations(violations: &mut Vec<Violation>) {
    let mut seen = std::collections::HashSet::new();
    violations.retain(|v| {
        seen.insert((
            v.anchor_id.clone(),
            v.evidence.clone(),
            v.path.clone(),
            v.line,
        ))
    });
}

/// The permit that lifts `finding`, if any.
fn lifting_permit<'f>(
    finding: &Finding,
    anchor: &Anchor,
    permits: &[&'f Finding],
    anchors: &HashMap<&str, &Anchor>,
) -> Option<&'f Finding> {
    if anchor.source == AnchorSource::Builtin && finding.effect != Effect::Warn {
        return None;
    }
    permits.iter().copied().find(|permit| {
        if permit.path != finding.path {
            return false;
        }
        if finding.effect == Effect::Warn {
            return true;
        }
        anchors
            .get(permit.anchor_id.as_str())
            .is_some_and(|p| same_document(&p.source, &anchor.source))
    })
}

fn same_document(a: &AnchorSource, b: &AnchorSource) -> bool {
    match (a, b) {
        (AnchorSource::Doc { path: pa, .. }, AnchorSource::Doc { path: pb, .. }) => pa == pb,
        (AnchorSource::Pinned, AnchorSource::Pinned) => true,
        (AnchorSource::Plan, AnchorSource::Plan) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anchor::{Polarity, Severity, LIFTED_BY_USER};

    fn anchor(text: &str, polarity: Polarity, source: AnchorSource, severity: Severity) -> Anchor {
        let mut a = Anchor::new(text, polarity, source);
        a.severity = severity;
        a
    }

    fn doc(path: &str) -> AnchorSource {
        AnchorSource::Doc {
            path: path.into(),
            line: 1,
        }
    }

    fn finding(a: &Anchor, effect: Effect, path: Option<&str>) -> Finding {
        Finding {
            anchor_id: a.id.clone(),
            effect,
            evidence: "evidence".into(),
            path: path.map(String::from),
            line: None,
        }
    }

    #[test]
    fn a_rule_only_the_user_lifts_denies_and_says_to_ask() {
        let mut a = anchor(
            "Never update dependencies unless explicitly asked",
            Polarity::Never,
            doc("AGENTS.md"),
            Severity::Block,
        );
        a.tier_reason = Some(format!("{LIFTED_BY_USER} (\"unless explicitly asked\")"));
        let set = AnchorSet::from_anchors(None, vec![a.clone()]);
        let v = decide(&set, &[finding(&a, Effect::Deny, None)]);
        assert_eq!(v.decision, Decision::Deny);
        assert!(v.reason().contains("ask them"), "{}", v.reason());
        let mut plain = a.clone();
        plain.tier_reason = Some("deny: a hard rule naming its object literally".into());
        let set = AnchorSet::from_anchors(None, vec![plain.clone()]);
        let v = decide(&set, &[finding(&plain, Effect::Deny, None)]);
        assert!(!v.reason().contains("ask them"), "{}", v.reason());
    }

    #[test]
    fn no_findings_allow() {
        let set = AnchorSet::from_anchors(None, Vec::new());
        assert_eq!(decide(&set, &[]).decision, Decision::Allow);
    }

    #[test]
    fn deny_beats_warn_and_names_the_anchor() {
        let deny = anchor(
            "never push",
            Polarity::Never,
            doc("AGENTS.md"),
            Severity::Block,
        );
        let warn = anchor("avoid x", Polarity::Never, doc("AGENTS.md"), Severity::Warn);
        let set = AnchorSet::from_anchors(None, vec![deny.clone(), warn.clone()]);
        let v = decide(
            &set,
            &[
                finding(&warn, Effect::Warn, None),
                finding(&deny, Effect::Deny, None),
            ],
        );
        assert_eq!(v.decision, Decision::Deny);
        assert_eq!(v.violations[0].anchor_id, deny.id);
        assert_eq!(v.violations[0].text, "never push");
        assert_eq!(v.violations[0].source, "AGENTS.md:1");
        assert!(v.reason().contains("never push"));
    }

    #[test]
    fn ask_sits_between_warn_and_deny() {
        let ask = anchor("avoid y", Polarity::Never, doc("AGENTS.md"), Severity::Ask);
        let warn = anchor("avoid x", Polarity::Never, doc("AGENTS.md"), Severity::Warn);
        let deny = anchor(
            "never z",
            Polarity::Never,
            doc("AGENTS.md"),
            Severity::Block,
        );
        let set = AnchorSet::from_anchors(None, vec![ask.clone(), warn.clone(), deny.clone()]);
        let asked = decide(
            &set,
            &[
                finding(&warn, Effect::Warn, None),
                finding(&ask, Effect::Ask, None),
            ],
        );
        assert_eq!(asked.decision, Decision::Ask);
        assert_eq!(asked.violations[0].decision, Decision::Ask);
        let denied = decide(
            &set,
            &[
                finding(&ask, Effect::Ask, None),
                finding(&deny, Effect::Deny, None),
            ],
        );
        assert_eq!(denied.decision, Decision::Deny);
    }

    #[test]
    fn a_permit_lifts_a_warn_on_the_same_file() {
        let warn = anchor("avoid edits", Polarity::Never, doc("A.md"), Severity::Warn);
        let allow = anchor(
            "you may edit wp-content",
            Polarity::Allowed,
            doc("B.md"),
            Severity::Block,
        );
        let set = AnchorSet::from_anchors(None, vec![warn.clone(), allow.clone()]);
        let lifted = decide(
            &set,
            &[
                finding(&warn, Effect::Warn, Some("wp-content/x")),
                finding(&allow, Effect::Permit, Some("wp-content/x")),
            ],
        );
        assert_eq!(lifted.decision, Decision::Allow);
        assert_eq!(lifted.permitted.len(), 1);
        let other_file = decide(
            &set,
            &[
                finding(&warn, Effect::Warn, Some("src/x")),
                finding(&allow, Effect::Permit, Some("wp-content/x")),
            ],
        );
        assert_eq!(other_file.decision, Decision::Warn);
    }

    #[test]
    fn a_permit_lifts_a_deny_only_from_the_same_document() {
        let deny = anchor(
            "never edit docs",
            Polarity::Never,
            doc("AGENTS.md"),
            Severity::Block,
        );
        let same = anchor(
            "except docs/dev",
            Polarity::Allowed,
            doc("AGENTS.md"),
            Severity::Block,
        );
        let other = anchor(
            "may edit docs",
            Polarity::Allowed,
            doc("OTHER.md"),
            Severity::Block,
        );
        let set = AnchorSet::from_anchors(None, vec![deny.clone(), same.clone(), other.clone()]);
        let p = Some("docs/dev/a.md");
        assert_eq!(
            decide(
                &set,
                &[
                    finding(&deny, Effect::Deny, p),
                    finding(&same, Effect::Permit, p)
                ]
            )
            .decision,
            Decision::Allow
        );
        assert_eq!(
            decide(
                &set,
                &[
                    finding(&deny, Effect::Deny, p),
                    finding(&other, Effect::Permit, p)
                ]
            )
            .decision,
            Decision::Deny
        );
    }

    #[test]
    fn builtin_denials_are_never_lifted() {
        let deny = anchor(
            "never rm -rf /",
            Polarity::Never,
            AnchorSource::Builtin,
            Severity::Block,
        );
        let allow = anchor(
            "you may rm",
            Polarity::Allowed,
            AnchorSource::Builtin,
            Severity::Block,
        );
        let set = AnchorSet::from_anchors(None, vec![deny.clone(), allow.clone()]);
        let v = decide(
            &set,
            &[
                finding(&deny, Effect::Deny, None),
                finding(&allow, Effect::Permit, None),
            ],
        );
        assert_eq!(v.decision, Decision::Deny);
    }

    #[test]
    fn faults_carry_their_reason() {
        let v = Verdict::fault(Decision::Deny, "malformed hook json");
        assert_eq!(v.decision, Decision::Deny);
        assert!(v.reason().contains("malformed hook json"));
    }
}
