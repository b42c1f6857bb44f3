//! Search: lexical (tantivy), vector (usearch) and their fusion.

pub mod fuse;
pub mod lexical;
pub mod published_directory;
pub mod tokenizer;
pub mod vector;

pub use fuse::{Hit, SearchMode, SearchRequest};
