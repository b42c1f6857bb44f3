//! `ctx model`.

use crate::output::Global;
use std::process::ExitCode;

/// Arguments of `ctx model`.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {}

/// Runs `ctx model`.
pub fn run(_args: ModelArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ctx model` is not built yet")
}
