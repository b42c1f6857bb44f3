//! Checking agent actions against anchors.
//!
//! The checker works on [`ActionFacts`]: what an action will actually do, after shell
//! parsing (in ctx-indexers) or diff parsing. Anchors' matchers are evaluated against these facts.

mod facts;

pub use facts::{ActionFacts, AddedLine, FileEffect, FileOp, Invocation};
