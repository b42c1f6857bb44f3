//! `ctx mcp`: serve the Model Context Protocol on stdio, or register the server with an agent.

use crate::install::{self as installs, Installed, ScopeArgs, Uninstalled};
use crate::mcp::install::{self, Target};
use crate::output::{self, outln, Global};
use anyhow::Context;
use std::process::ExitCode;

/// Arguments of `ctx mcp`.
#[derive(Debug, clap::Args)]
pub struct McpArgs {
    #[command(subcommand)]
    command: Option<McpCommand>,
}

#[derive(Debug, clap::Subcommand)]
enum McpCommand {
    /// Register `ctx mcp` in an agent's MCP configuration (edited in place, backed up).
    Install {
        /// The agent: claude (.mcp.json; --user: ~/.claude.json), codex
        /// (.codex/config.toml; --user: ~/.codex/config.toml), gemini (.gemini/settings.json)
        /// or cursor (.cursor/mcp.json).
        #[arg(value_enum)]
        agent: Target,
        #[command(flatten)]
        scope: ScopeArgs,
        /// Replace a server named `ctx` that ctx did not write.
        #[arg(long)]
        force: bool,
    },
    /// Take the ctx server out again: the file as it was before the install (or gone, if
    /// ctx created it), or without ctx's entry if it changed since.
    Uninstall {
        /// The agent: claude, codex, gemini or cursor.
        #[arg(value_enum)]
        agent: Target,
        #[command(flatten)]
        scope: ScopeArgs,
        /// Remove a server named `ctx` even if ctx did not write it.
        #[arg(long)]
        force: bool,
    },
}

/// Runs `ctx mcp`.
pub fn run(args: McpArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let root = global.canonical_root()?;
    match args.command {
        Some(McpCommand::Install {
            agent,
            scope,
            force,
        }) => {
            let (path, outcome, backup) = install::install(agent, scope.scope(), &root, force)?;
            let what = match outcome {
                Installed::Created => "created",
                Installed::Added => "added the ctx server to",
                Installed::Updated => "updated the ctx server in",
                Installed::Unchanged => "already registered in",
            };
            report(global, agent, &path, &root, what, &outcome, backup)
        }
        Some(McpCommand::Uninstall {
            agent,
            scope,
            force,
        }) => {
            let (path, outcome) = install::uninstall(agent, scope.scope(), &root, force)?;
            let what = match outcome {
                Uninstalled::Restored => "removed the ctx server, restoring",
                Uninstalled::Removed => "removed the ctx server and the file ctx had created:",
                Uninstalled::Edited => "removed the ctx server from",
                Uninstalled::NotInstalled => "no ctx server in",
            };
            report(global, agent, &path, &root, what, &outcome, None)
        }
        None => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime.block_on(crate::mcp::serve_stdio(root))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn report(
    global: &Global,
    agent: Target,
    path: &std::path::Path,
    root: &std::path::Path,
    what: &str,
    outcome: &impl serde::Serialize,
    backup: Option<std::path::PathBuf>,
) -> anyhow::Result<ExitCode> {
    if global.json {
        output::summary(&serde_json::json!({
            "agent": format!("{agent:?}").to_lowercase(), "path": path, "outcome": outcome,
            "backup": backup,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("{what} {}", installs::shown(path, root))?;
    if let Some(backup) = backup {
        output::info(format!("backup of the previous file: {}", backup.display()));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use crate::Cli;
    use clap::Parser;

    #[test]
    fn parses_mcp_commands() {
        assert!(Cli::try_parse_from(["ctx", "mcp"]).is_ok());
        assert!(Cli::try_parse_from(["ctx", "mcp", "install", "claude"]).is_ok());
        assert!(Cli::try_parse_from(["ctx", "mcp", "install", "vim"]).is_err());
        assert!(Cli::try_parse_from(["ctx", "mcp", "uninstall", "codex", "--user"]).is_ok());
        assert!(
            Cli::try_parse_from(["ctx", "mcp", "install", "codex", "--user", "--project"]).is_err()
        );
    }
}
