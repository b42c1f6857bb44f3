//! `ctx serve`: a warm daemon per repository on a Unix socket.
//!
//! The daemon holds the open index (as its only writer) and the loaded embedding model,
//! watches the working tree and re-indexes the changed paths, and answers the same tools as
//! `ctx mcp` ([`crate::mcp`]) plus its own ([`tools`]) over a small protocol ([`protocol`]):
//! one JSON object per line each way. `ctx check` (hooks included), `ctx search`,
//! `ctx status`, `ctx pack` and `ctx index` ask it first and work in-process when no
//! daemon answers ([`client`]), so they work while it holds the index lock and answer
//! identically either way; `ctx check` through the daemon also runs the semantic tier
//! with the loaded model ([`ctx_check::semantic`]).
//!
//! Files under `.ctx/`: `serve.sock` (the socket, mode 0600) and `serve.lock` (held for the
//! daemon's life: one daemon per repository; it records the daemon's pid). A socket left
//! by a killed daemon is detected (nothing accepts on it) and replaced.

pub mod client;
pub mod connect;
pub mod daemon;
pub mod protocol;
pub mod tools;
