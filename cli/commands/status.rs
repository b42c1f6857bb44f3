//! `ctx status`.

use crate::output::Global;
use std::process::ExitCode;

/// Arguments of `ctx status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {}

/// Runs `ctx status`.
pub fn run(_args: StatusArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ctx status` is not built yet")
}
