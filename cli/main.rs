//! The `ctx` command line: a thin binary that wires ctx-engine and ctx-indexers together.

mod anchors_index;
mod commands;
mod config;
mod freshness;
mod install;
mod mcp;
mod output;
mod progress;
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
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(commands::docs::CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a directory.
    Man(commands::docs::ManArgs),
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    output::init(&cli.global);
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
        Command::Completions(args) => commands::docs::completions(args),
        Command::Man(args) => commands::docs::man(args, &cli.global),
    };
    output::finish(result)
}

/// Parses the command line. Help and version go to stdout (exit 0, also on a closed pipe);
/// usage errors exit 2, as an `error` record too when `--json` is among the arguments.
fn parse() -> Result<Cli, ExitCode> {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let color = requested_color(&args);
    let command = Cli::command().color(color);
    let error = match command
        .try_get_matches_from(&args)
        .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches))
    {
        Ok(cli) => return Ok(cli),
        Err(error) => error,
    };
    if !error.use_stderr() {
        // --help, --version: a closed stdout is no failure.
        let _ = error.print();
        return Err(ExitCode::SUCCESS);
    }
    if args.iter().any(|a| a == "--json") {
        let global = output::Global {
            json: true,
            root: None,
            color: output::ColorChoice::Never,
            quiet: false,
            verbose: 0,
        };
        output::init(&global);
        let rendered = error.render().to_string();
        // The error itself: the lines before the usage hint, on one line.
        let message = rendered
            .split("\n\n")
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let _ = output::record(
            "error",
            &serde_json::json!({"message": message, "causes": [rendered.trim_end()], "exit_code": 2}),
        );
    }
    let _ = error.print();
    Err(ExitCode::from(2))
}

/// The colour clap's own messages get: `--color WHEN` if given (clap has not parsed it
/// yet), else auto.
fn requested_color(args: &[std::ffi::OsString]) -> clap::ColorChoice {
    let mut iter = args.iter().map(|a| a.to_string_lossy());
    let mut value = None;
    while let Some(arg) = iter.next() {
        if let Some(v) = arg.strip_prefix("--color=") {
            value = Some(v.to_string());
        } else if arg == "--color" {
            value = iter.next().map(|v| v.to_string());
        }
    }
    match value.as_deref() {
        Some("always") => clap::ColorChoice::Always,
        Some("never") => clap::ColorChoice::Never,
        _ if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => {
            clap::ColorChoice::Never
        }
        _ => clap::ColorChoice::Auto,
    }
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
