//! The anchor set: every anchor in force for a repository, and their evaluation.

use super::builtin::builtin_anchors;
use super::cache::{self, AnchorSources, CachedSet};
use super::extracted::extracted_from_text;
use super::files::{extracted_path, pinned_path, plan_path};
use super::finding::{Effect, Finding};
use super::matcher::{EvalContext, GlobList, Hit};
use super::pinned::pinned_from_text;
use super::plan::plan_anchor_from_text;
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
    ///
    /// The finished set is cached in `.ctx/anchors.cache` under a hash of its sources, so
    /// parsing and example verification run once per change, not once per process; regexes
    /// and globs compile lazily, when an action first needs them.
    ///
    /// `CTX_ANCHOR_CACHE=off` in the environment bypasses the cache (for debugging and for
    /// measuring what it saves).
    pub fn load(root: &Path) -> Result<AnchorSet> {
        if std::env::var_os("CTX_ANCHOR_CACHE").is_some_and(|v| v == "off") {
            return AnchorSet::load_uncached(root);
        }
        let sources = AnchorSources::read(root)?;
        let key = sources.key();
        if let Some(cached) = cache::read(root, &key) {
            return Ok(AnchorSet::from_cached(root, cached));
        }
        let set = AnchorSet::build(root, &sources)?;
        let cached = CachedSet {
            anchors: set.anchors,
            diagnostics: set.diagnostics,
        };
        cache::write(root, &key, &cached);
        Ok(AnchorSet::from_cached(root, cached))
    }

    /// [`AnchorSet::load`] without the cache: parses, validates and verifies every time.
    pub fn load_uncached(root: &Path) -> Result<AnchorSet> {
        AnchorSet::build(root, &AnchorSources::read(root)?)
    }

    fn build(root: &Path, sources: &AnchorSources) -> Result<AnchorSet> {
        let pinned = pinned_from_text(&pinned_path(root), sources.pinned.as_deref())?;
        let extracted = extracted_from_text(&extracted_path(root), sources.extracted.as_deref())?;
        let plan = plan_anchor_from_text(&plan_path(root), sources.plan.as_deref())?;
        let mut all = builtin_anchors().to_vec();
        all.extend(pinned.anchors.into_iter().map(|(a, _, _)| a));
        all.extend(extracted);
        all.extend(plan);
        let mut set = AnchorSet::from_anchors(Some(root), all);
        set.apply_disabled(&pinned.disabled);
        Ok(set)
    }

    fn from_cached(root: &Path, cached: CachedSet) -> AnchorSet {
        AnchorSet {
            root: Some(root.to_path_buf()),
            scopes: cached
                .anchors
                .iter()
                .map(|a| GlobList::new(a.scope.clone()))
                .collect(),
            anchors: cached.anchors,
            diagnostics: cached.diagnostics,
        }
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

/// What a hit of this anchor means: a permission for `allowed` anchors, else what its tier
/// says (deny, ask, or a warning that reminds the model of the rule).
pub fn effect_of(anchor: &Anchor) -> Effect {
    match (anchor.polarity, anchor.severity) {
        (Polarity::Allowed, _) => Effect::Permit,
        (_, Severity::Block) => Effect::Deny,
        (_, Severity::Ask) => Effect::Ask,
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
