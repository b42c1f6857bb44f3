//! Checking agent actions against anchors.
//!
//! The checker works on [`ActionFacts`]: what an action will actually do, after shell
//! parsing (in ctx-indexers) or diff parsing. Anchors' matchers are evaluated against these facts.

mod config;
mod diff;
mod drift;
mod edits;
mod facts;
mod paths;
mod report;
mod semantic;
mod session;
mod verdict;

pub use config::{config_path, CheckConfig, Interactive, OnError};
pub use diff::{parse_apply_patch, parse_unified_diff};
pub use drift::{
    append_record, build_report, drift_path, now_rfc3339, read_records, AnchorCount, DriftRecord,
    DriftReport, Trend,
};
pub use edits::{changed_lines, edit_effect, is_binary, write_effect};
pub use facts::{ActionFacts, AddedLine, FileEffect, FileOp, Invocation};
pub use paths::{lexical_normalize, PathContext};
pub use report::{to_github, to_sarif};
pub use semantic::{cosine, semantic_findings};
pub use session::{Reanchor, SessionState};
pub use verdict::{decide, Decision, Verdict, Violation};
