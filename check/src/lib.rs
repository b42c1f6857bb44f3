//! ctx-check: the check path, from an agent's action to a verdict and to what reaches the
//! model.
//!
//! The command line (`ctx check`, hook mode included), the daemon (`ctx serve`) and the MCP
//! server (`check_action`) each call this crate in a few lines:
//! - [`action`] turns an [`Action`] (a shell command, a file write or edit, a patch) into the
//!   engine's [`ActionFacts`](ctx_engine::check::ActionFacts);
//! - [`Verdicts`] gives the verdict on those facts: [`RulePath`] in-process, or
//!   [`semantic::SemanticVerdicts`] where a model is loaded (the daemon), or whatever the
//!   caller wires (the command line asks the daemon first);
//! - [`agents`] reads each agent's hook JSON into a [`HookEvent`] and writes answers in its
//!   protocol;
//! - [`hook::answer`] runs one hook event end to end: parse, check, log, session state, the
//!   anchors block, faults per `[check] on_error`;
//! - [`context`] builds the anchors block the agents receive;
//! - [`interactive`] stops commands that open a shell or REPL an agent could type into unseen;
//! - [`install`] says what `ctx hook install` writes for each agent (fail-closed commands by
//!   absolute path) and [`trust`] whether the agent will run them.
#![warn(missing_docs)]

pub mod action;
pub mod agents;
pub mod answer;
pub mod context;
pub mod error;
pub mod event;
pub mod hook;
pub mod install;
pub mod interactive;
pub mod semantic;
pub mod trust;
pub mod verdicts;

pub use action::Action;
pub use agents::Agent;
pub use answer::Answer;
pub use error::{Error, Result};
pub use event::{EventKind, HookEvent, ModelMessage};
pub use verdicts::{RulePath, Verdicts};
