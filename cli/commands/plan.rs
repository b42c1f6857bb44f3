//! `ctx plan`.

use crate::output::Global;
use std::process::ExitCode;

/// Arguments of `ctx plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {}

/// Runs `ctx plan`.
pub fn run(_args: PlanArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ctx plan` is not built yet")
}
