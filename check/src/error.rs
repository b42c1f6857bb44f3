//! The check path's error type.

use std::path::PathBuf;

/// Why an action could not be checked.
///
/// In hook mode every error is a fault, answered per `[check] on_error`; elsewhere the
/// command reports it. Messages are lowercase and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The anchors of a repository could not be loaded (a malformed anchors or plan file:
    /// the source names it, its line and column; `ctx anchors list` shows it again).
    #[error("loading the anchors of {root}: {source} (`ctx anchors list` shows the problem)")]
    Anchors {
        /// The repository root.
        root: PathBuf,
        /// What went wrong (names the file).
        #[source]
        source: ctx_engine::Error,
    },
    /// The engine failed (configuration, parsing a diff or patch, the model).
    #[error(transparent)]
    Engine(#[from] ctx_engine::Error),
    /// The action cannot be checked as given (too large, not text).
    #[error("{0}")]
    Action(String),
    /// The hook input is not what the agent's protocol sends.
    #[error("{0}")]
    Input(String),
    /// The daemon answered with an error.
    #[error("{0}")]
    Daemon(String),
}

/// The check path's result type.
pub type Result<T> = std::result::Result<T, Error>;
