//! Anchors: a project's global constraints as first-class records.
//!
//! An [`Anchor`] is one rule ("never force-push to main") with a stable id, polarity, scope,
//! severity, source and the [`Matcher`]s compiled from it. [`AnchorSet::load`] gathers the
//! anchors in force for a repository from four places, none of which needs the index or the
//! model:
//! - the built-in defaults ([`builtin_anchors`], `builtin.toml`);
//! - pinned anchors in `.ctx/anchors.toml` ([`pinned`]), examples verified at load;
//! - anchors extracted from documentation by `ctx index` (`.ctx/extracted-anchors.json`,
//!   [`write_extracted`] / [`read_extracted`]);
//! - the pinned plan (`.ctx/plan.json`, [`Plan`]).
//!
//! [`AnchorSet::evaluate`] turns [`ActionFacts`](crate::check::ActionFacts) into [`Finding`]s.
//! Command matchers ignore an anchor's scope (a command has no file); path, code and
//! dependency matchers only look at files in scope.

mod builtin;
mod cache;
mod extracted;
mod files;
mod finding;
pub mod matcher;
pub mod pinned;
mod plan;
mod record;
mod relevance;
mod set;

pub use builtin::{builtin_anchors, verify_builtins_with};
pub use extracted::{read_extracted, write_extracted, EXTRACTED_FORMAT};
pub use files::{cache_path, extracted_path, pinned_path, plan_path};
pub use finding::{Effect, Finding};
pub use matcher::{
    CodeMatcher, CommandMatcher, DependencyMatcher, FlagValue, GitMatcher, GlobList, Matcher,
    PathMatcher, TargetClass, GIT_GLOBAL_VALUE_OPTIONS,
};
pub use plan::{clear_plan, load_plan, pin_plan, Plan, PlanStep, PLAN_ANCHOR_ID};
pub use record::{
    anchor_id, normalise_text, Anchor, AnchorSource, Polarity, Severity, LIFTED_BY_USER,
};
pub use relevance::concerns;
pub use set::{effect_of, evaluate_anchor, AnchorSet};
