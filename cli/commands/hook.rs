//! `ctx hook`.

use crate::output::Global;
use std::process::ExitCode;

/// Arguments of `ctx hook`.
#[derive(Debug, clap::Args)]
pub struct HookArgs {}

/// Runs `ctx hook`.
pub fn run(_args: HookArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ctx hook` is not built yet")
}
