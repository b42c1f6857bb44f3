//! End-to-end tests of the `ctx` binary: one test binary, one module per area.

mod util;

mod anchors;
mod check;
mod cli;
mod faults;
mod hooks;
mod index;
mod install;
mod layers;
mod mcp;
mod model;
mod pack;
mod safety;
mod secrets;
mod serve;
