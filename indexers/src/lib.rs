//! ctx indexers
pub mod chunk;
pub mod constraint;
pub mod embed;
pub mod lang;
pub mod pipeline;
pub mod shell;
pub mod walk;
