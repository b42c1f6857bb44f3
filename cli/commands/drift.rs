//! `ctx drift`.

use crate::output::Global;
use std::process::ExitCode;

/// Arguments of `ctx drift`.
#[derive(Debug, clap::Args)]
pub struct DriftArgs {}

/// Runs `ctx drift`.
pub fn run(_args: DriftArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ctx drift` is not built yet")
}
