//! Where verdicts come from.

use crate::{Error, Result};
use ctx_engine::anchor::AnchorSet;
use ctx_engine::check::{self, ActionFacts, Verdict};
use std::path::Path;

/// A source of verdicts on action facts for a repository.
///
/// Implementations: [`RulePath`] (in-process, the anchors' matchers only),
/// [`crate::semantic::SemanticVerdicts`] (cached anchors plus the semantic tier, where a
/// model is loaded), and the command line's daemon-first source.
pub trait Verdicts {
    /// The verdict on `facts` for the repository at `root`.
    fn verdict(&self, root: &Path, facts: &ActionFacts) -> Result<Verdict>;
}

/// The rule path in-process: the anchors loaded from `.ctx/` (through the compiled-anchor
/// cache), never the index or the model.
#[derive(Debug, Clone, Copy, Default)]
pub struct RulePath;

impl Verdicts for RulePath {
    fn verdict(&self, root: &Path, facts: &ActionFacts) -> Result<Verdict> {
        Ok(verdict_for(&load_anchors(root)?, facts))
    }
}

/// Loads the anchors of `root`, with an error that names the repository and the file.
pub fn load_anchors(root: &Path) -> Result<AnchorSet> {
    AnchorSet::load(root).map_err(|source| Error::Anchors {
        root: root.to_path_buf(),
        source,
    })
}

/// The verdict of the rule path on `facts`.
pub fn verdict_for(set: &AnchorSet, facts: &ActionFacts) -> Verdict {
    check::decide(set, &set.evaluate(facts))
}
