//! `ctx check`.

use crate::output::Global;
use std::process::ExitCode;

/// Arguments of `ctx check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {}

/// Runs `ctx check`.
pub fn run(_args: CheckArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ctx check` is not built yet")
}
