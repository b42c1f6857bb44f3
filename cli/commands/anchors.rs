//! `ctx anchors`.

use crate::output::Global;
use std::process::ExitCode;

/// Arguments of `ctx anchors`.
#[derive(Debug, clap::Args)]
pub struct AnchorsArgs {}

/// Runs `ctx anchors`.
pub fn run(_args: AnchorsArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ctx anchors` is not built yet")
}
