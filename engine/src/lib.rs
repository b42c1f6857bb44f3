//! ctx-engine: the types and storage of ctx.
//!
//! It owns the records ([`Chunk`], anchors, hits, packs, verdicts), the storage seams
//! ([`store::Store`], [`search::vector::VectorIndex`], [`embed::Embedder`]) and the
//! algorithms that work on them: hybrid search, anchor matching, packing and checking.
//! It never depends on tree-sitter or the embedding runtime: `ctx-indexers` implements those.
#![warn(missing_docs)]

pub mod anchor;
pub mod check;
pub mod chunk;
pub mod embed;
pub mod error;
pub mod index;
pub mod pack;
pub mod private_fs;
pub mod search;
pub mod secrets;
pub mod store;

pub use chunk::{content_hash, Chunk, ChunkKind};
pub use error::{Error, Result};
pub use index::Index;
