//! The anchor set: every anchor in force for a repository, and their evaluation.

use super::builtin::builtin_anchors;
use super::extracted::read_extracted;
use super::finding::{Effect, Finding};
use super::matcher::{EvalContext, GlobList, Hit};
use super::pinned::load_pinned;
use super::plan::load_plan_anchor;
use super::record::{normalise_text, Anchor, Polarity, Severity};
use crate::check::ActionFacts;
use crate::Result;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Built-in defaults, pinned, extracted and plan anchors, overrides applied.
#[derive(Debug, Clone, Default)]
pub struct AnchorSet {
    root: Option<PathBuf>,
    anchors: Vec<Anchor>,
    scopes: Vec<GlobList>,
    diagnostics: Vec<String>,
}

impl AnchorSet {
    /// Loads every anchor for the repository at `root`: built-in defaults, `.ctx/anchors.toml`
    /// (examples verified), `.ctx/extracted-anchors.json` and `.ctx/plan.json`, with
    /// `[disable] ids` applied. Malformed files fail the whole load (nothing half-loaded);
    /// duplicates and contradictions are kept as [`AnchorSet::diagnostics`].
    pub fn load(root: &Path) -> Result<AnchorSet> {
        let pinned = load_pinned(root)?;
        let extracted = read_extracted(root)?;
        let plan = load_plan_anchor(root)?;
        let mut all = builtin_anchors().to_vec();
        all.extend(pinned.anchors.into_iter().map(|(a, _, _)| a));
        all.extend(extracted);
        all.extend(plan);
        let mut set = AnchorSet::from_anchors(Some(root), all);
        set.apply_disabled(&pinned.disabled);
        Ok(set)
    }

    /// A set of the given anchors (first of each id wins), without reading any file.
    pub fn from_anchors(root: Option<&Path>, anchors: Vec<Anchor>) -> AnchorSet {
        let mut set = AnchorSet {
            root: root.map(Path::to_path_buf),
            ..AnchorSet::default()
        };
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut texts: HashMap<(String, Polarity), String> = HashMap::new();
        for anchor in anchors {
            if let Some(&first) = ids.get(&anchor.id) {
                let kept = &set.anchors[first];
                set.diagnostics.push(format!(
                    "duplicate anchor {} from {} ignored (same rule as {})",
                    anchor.id,
                    anchor.source.label(),
                    kept.source.label()
                ));
                continue;
            }
            let key = (normalise_text(&anchor.text), anchor.polarity);
            if let Some(other) = texts.get(&key) {
                set.diagnostics.push(format!(
                    "anchor {} repeats anchor {}: \"{}\"",
                    anchor.id, other, anchor.text
                ));
            } else {
                texts.insert(key, anchor.id.clone());
            }
            ids.insert(anchor.id.clone(), set.anchors.len());
            set.scopes.push(GlobList::new(anchor.scope.clone()));
            set.anchors.push(anchor);
        }
        set.find_contradictions();
        set
    }

    fn apply_disabled(&mut self, disabled: &[String]) {
        for id in disabled {
            match self.anchors.iter_mut().find(|a| &a.id == id) {
                Some(anchor) => anchor.enabled = false,
                None => self.diagnostics.push(format!(
                    "[disable] names unknown anchor \"{id}\": remove it from .ctx/anchors.toml"
                )),
            }
        }
    }

    /// Reports pairs where one anchor allows exactly what another forbids.
    fn find_contradictions(&mut self) {
        let allowed: Vec<(usize, String)> = self
            .anchors
            .iter()
            .enumerate()
            .filter(|(_, a)| a.polarity == Polarity::Allowed && !a.matchers.is_empty())
            .map(|(i, a)| (i, matcher_key(a)))
            .collect();
        if allowed.is_empty() {
            return;
        }
        for anchor in self
            .anchors
            .iter()
            .filter(|a| a.polarity != Polarity::Allowed && !a.matchers.is_empty())
        {
            let key = matcher_key(anchor);
            for (i, allowed_key) in &allowed {
                if *allowed_key == key && self.anchors[*i].scope == anchor.scope {
                    self.diagnostics.push(format!(
                        "anchors {} and {} contradict: one forbids what the other allows with the same matchers",
                        anchor.id, self.anchors[*i].id
                    ));
                }
            }
        }
    }

    /// Every anchor, enabled or not, in load order (built-in, pinned, extracted, plan).
    pub fn anchors(&self) -> &[Anchor] {
        &self.anchors
    }

    /// Duplicates, contradictions and unknown overrides found while loading.
    pub fn diagnostics(&self) -> &[String] {
        &self.diagnostics
    }

    /// The anchor with this id, or the only one whose id starts with it.
    pub fn find(&self, id_or_prefix: &str) -> std::result::Result<&Anchor, String> {
        if let Some(a) = self.anchors.iter().find(|a| a.id == id_or_prefix) {
            return Ok(a);
        }
        let found: Vec<&Anchor> = self
            .anchors
            .iter()
            .filter(|a| a.id.starts_with(id_or_prefix))
            .collect();
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(format!(
                "no anchor has id \"{id_or_prefix}\": list them with `ctx anchors list`"
            )),
            many => {
                let ids: Vec<_> = many.iter().take(5).map(|a| a.id.as_str()).collect();
                Err(format!(
                    "\"{id_or_prefix}\" matches {} anchors ({}): give more of the id",
                    many.len(),
                    ids.join(", ")
                ))
            }
        }
    }

    /// Every matcher hit of every enabled anchor against the facts.
    pub fn evaluate(&self, facts: &ActionFacts) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (anchor, scope) in self.anchors.iter().zip(&self.scopes) {
            if !anchor.enabled || anchor.matchers.is_empty() {
                continue;
            }
            let ctx = EvalContext {
                root: self.root.as_deref(),
                scope,
            };
            for matcher in &anchor.matchers {
                findings.extend(
                    matcher
                        .hits(&ctx, facts)
                        .into_iter()
                        .map(|hit| finding(anchor, hit)),
                );
            }
        }
        findings
    }
}

fn matcher_key(anchor: &Anchor) -> String {
    serde_json::to_string(&anchor.matchers).unwrap_or_default()
}

/// What a hit of this anchor means: a permission for `allowed` anchors, else deny or warn.
pub fn effect_of(anchor: &Anchor) -> Effect {
    match (anchor.polarity, anchor.severity) {
        (Polarity::Allowed, _) => Effect::Permit,
        (_, Severity::Block) => Effect::Deny,
        (_, Severity::Warn) => Effect::Warn,
    }
}

fn finding(anchor: &Anchor, hit: Hit) -> Finding {
    Finding {
        anchor_id: anchor.id.clone(),
        effect: effect_of(anchor),
        evidence: hit.evidence,
        path: hit.path,
        line: hit.line,
    }
}

/// Evaluates one anchor (enabled or not) against facts: used for examples and explanations.
pub fn evaluate_anchor(anchor: &Anchor, root: Option<&Path>, facts: &ActionFacts) -> Vec<Finding> {
    let scope = GlobList::new(anchor.scope.clone());
    let ctx = EvalContext {
        root,
        scope: &scope,
    };
    anchor
        .matchers
        .iter()
        .flat_map(|m| m.hits(&ctx, facts))
        .map(|hit| finding(anchor, hit))
        .collect()
}
