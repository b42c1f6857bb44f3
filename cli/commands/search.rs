//! `ctx search`.

use crate::output::Global;
use std::process::ExitCode;

/// Arguments of `ctx search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {}

/// Runs `ctx search`.
pub fn run(_args: SearchArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ctx search` is not built yet")
}
