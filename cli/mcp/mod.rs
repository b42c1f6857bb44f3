//! `ctx mcp`: the Model Context Protocol server agents reach ctx through.
//!
//! The server speaks JSON-RPC over stdio with the official Rust SDK (rmcp) and exposes
//! seven tools: `search`, `pack`, `anchors`, `anchor_add`, `check_action`, `index_status`
//! and `reindex`. Each tool takes a JSON object described by a JSON schema (see
//! [`params`]) and answers with text for the model plus, where the answer is data, the
//! same data as `structuredContent`.
//!
//! Failures are tool errors (`isError: true`) whose text says what was wrong and what to
//! do, never a crashed server: work runs on blocking threads, and a panic there becomes a
//! tool error too. Paths given to tools must lie inside the repository root after
//! resolving `..` and symlinks ([`paths`]); results only carry repository-relative paths
//! and text from the index.
//!
//! The index is opened per call and dropped after it, so `ctx index` and other ctx
//! processes can run beside the server; the embedding model is loaded once, on first use.

pub mod install;
pub mod params;
pub mod paths;
pub mod server;
pub mod work;

pub use server::serve_stdio;
