//! The engine's error type.

use std::path::PathBuf;

/// Everything that can go wrong inside ctx's libraries.
///
/// Messages are lowercase, quote the bad value and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file system operation failed on a path.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done ("reading", "creating directory"...).
        op: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The record store failed.
    #[error("record store: {0}")]
    Store(String),
    /// The lexical (tantivy) index failed.
    #[error("lexical index: {0}")]
    Lexical(String),
    /// The vector (usearch) index failed.
    #[error("vector index: {0}")]
    Vector(String),
    /// The embedder failed or is not installed.
    #[error("embedding: {0}")]
    Embed(String),
    /// No index exists at the given root.
    #[error("no index at {0}: run `ctx index` first")]
    NoIndex(PathBuf),
    /// The on-disk index was written by an incompatible version.
    #[error("the index at {path} has format version {found}, this ctx reads version {expected}: rebuild it with `ctx index --rebuild`")]
    Incompatible {
        /// The index directory.
        path: PathBuf,
        /// The version found on disk.
        found: u32,
        /// The version this build reads and writes.
        expected: u32,
    },
    /// A part of the index failed its consistency check; `ctx index` repairs it.
    #[error("the index's {part} is damaged ({detail}; {path}): run `ctx index` to repair it")]
    Damaged {
        /// Which part: "records", "lexical index", "vectors", "manifest".
        part: &'static str,
        /// The file or directory at fault.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// Another process holds the index lock.
    #[error("another ctx process is writing the index at {0} (an index run or `ctx serve`); wait for it to finish, or stop the daemon with `ctx serve --stop`")]
    Locked(PathBuf),
    /// A configuration, anchor or plan file is malformed.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// An input value is invalid; the message says which and how to fix it.
    #[error("{0}")]
    Invalid(String),
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the operation and path.
    pub fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }
}

impl From<tantivy::TantivyError> for Error {
    fn from(e: tantivy::TantivyError) -> Error {
        Error::Lexical(e.to_string())
    }
}
