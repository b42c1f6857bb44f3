//! The `ctx` command line: a thin binary that wires ctx-engine and ctx-indexers together.

mod anchors_index;
mod commands;
mod config;
mod fresh;
mod mcp;
mod output;
mod serve;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// ctx: context management for coding agents. Index a repository, pack budget-exact prompts,
/// and check agent actions against the project's rules.
#[derive(Debug, Parser)]
#[command(name = "ctx", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    global: output::Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Index a repository: chunks, BM25, embeddings and anchors under PATH/.ctx/.
    Index(commands::index::IndexArgs),
    /// Search the index (hybrid, lexical or semantic).
    Search(commands::search::SearchArgs),
    /// Show what is indexed, the index size, the model, and files changed since.
    Status(commands::status::StatusArgs),
    /// Install or inspect the embedding model and ONNX Runtime.
    Model(commands::model::ModelArgs),
    /// List, pin and manage anchors (the project's constraints).
    Anchors(commands::anchors::AnchorsArgs),
    /// Pin, show or clear a task plan.
    Plan(commands::plan::PlanArgs),
    /// Check an agent action against the anchors: allow, warn or deny.
    Check(commands::check::CheckArgs),
    /// Install or remove ctx hooks for agents and git.
    Hook(commands::hook::HookArgs),
    /// Report drift: checked actions and violations over a session.
    Drift(commands::drift::DriftArgs),
    /// Pack a budget-exact prompt: anchors, task, repository map and relevant code.
    Pack(commands::pack::PackArgs),
    /// Serve ctx's tools to agents over the Model Context Protocol (stdio), or register it.
    Mcp(commands::mcp::McpArgs),
    /// Run the repository's warm daemon (index and model kept loaded, files watched).
    Serve(commands::serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Index(args) => commands::index::run(args, &cli.global),
        Command::Search(args) => commands::search::run(args, &cli.global),
        Command::Status(args) => commands::status::run(args, &cli.global),
        Command::Model(args) => commands::model::run(args, &cli.global),
        Command::Anchors(args) => commands::anchors::run(args, &cli.global),
        Command::Plan(args) => commands::plan::run(args, &cli.global),
        Command::Check(args) => commands::check::run(args, &cli.global),
        Command::Hook(args) => commands::hook::run(args, &cli.global),
        Command::Drift(args) => commands::drift::run(args, &cli.global),
        Command::Pack(args) => commands::pack::run(args, &cli.global),
        Command::Mcp(args) => commands::mcp::run(args, &cli.global),
        Command::Serve(args) => commands::serve::run(args, &cli.global),
    };
    output::finish(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
