//! `ctx mcp`: serve the Model Context Protocol on stdio, or register the server with an agent.

use crate::mcp::install::{self, Outcome, Target};
use crate::output::{print_json, Global};
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
    /// Register `ctx mcp` in an agent's MCP configuration (merged, never overwritten).
    Install {
        /// The agent: claude (.mcp.json), codex (~/.codex/config.toml), gemini
        /// (.gemini/settings.json) or cursor (.cursor/mcp.json).
        #[arg(value_enum)]
        agent: Target,
    },
}

/// Runs `ctx mcp`.
pub fn run(args: McpArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let root = global.canonical_root()?;
    match args.command {
        Some(McpCommand::Install { agent }) => run_install(agent, &root, global),
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

fn run_install(agent: Target, root: &std::path::Path, global: &Global) -> anyhow::Result<ExitCode> {
    let (path, outcome) = install::install(agent, root)?;
    if global.json {
        print_json(&serde_json::json!({"type": "mcp_install", "data": {
            "agent": format!("{agent:?}").to_lowercase(), "path": path, "outcome": outcome,
        }}))?;
        return Ok(ExitCode::SUCCESS);
    }
    let what = match outcome {
        Outcome::Created => "created",
        Outcome::Added => "added the ctx server to",
        Outcome::Updated => "updated the ctx server in",
        Outcome::Unchanged => "already registered in",
    };
    println!("{what} {}", path.display());
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
    }
}
