//! `ctx pack`.

use crate::output::Global;
use std::process::ExitCode;

/// Arguments of `ctx pack`.
#[derive(Debug, clap::Args)]
pub struct PackArgs {}

/// Runs `ctx pack`.
pub fn run(_args: PackArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ctx pack` is not built yet")
}
