//! ctx indexers
pub mod chunk;
pub mod lang;
