//! `ctx serve`: a warm daemon per repository on a Unix socket.
//!
//! The daemon holds the open index (as its only writer) and the loaded embedding model,
//! watches the working tree and re-indexes changed files, and answers the same tools as
//! `ctx mcp` ([`crate::mcp`]) over a small protocol ([`protocol`]): one JSON object per
//! line each way. `ctx search` asks it first and falls back to in-process work when no
//! daemon answers ([`client`]), so answers are identical either way.
//!
//! Files under `.ctx/`: `serve.sock` (the socket, mode 0600) and `serve.lock` (held for the
//! daemon's life: one daemon per repository; it records the daemon's pid). A socket left
//! by a killed daemon is detected (nothing accepts on it) and replaced.

pub mod client;
pub mod daemon;
pub mod protocol;
pub mod tools;
pub mod verdict;
