//! `ctx index`.

use crate::output::Global;
use std::process::ExitCode;

/// Arguments of `ctx index`.
#[derive(Debug, clap::Args)]
pub struct IndexArgs {}

/// Runs `ctx index`.
pub fn run(_args: IndexArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ctx index` is not built yet")
}
