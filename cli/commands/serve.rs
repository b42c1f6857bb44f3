//! `ctx serve`: run the repository's warm daemon, or stop it, or report its state.

use crate::output::{self, outln, Global};
use crate::serve::client;
use crate::serve::protocol::{socket_path, Request};
use serde_json::json;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Arguments of `ctx serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Stop the repository's daemon.
    #[arg(long, conflicts_with = "status")]
    pub stop: bool,
    /// Report whether a daemon runs, its pid, uptime, requests served and last re-index.
    #[arg(long)]
    pub status: bool,
}

/// Runs `ctx serve`.
pub fn run(args: ServeArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let root = global.canonical_root()?;
    if args.stop {
        return stop(&root, global);
    }
    if args.status {
        return status(&root, global);
    }
    crate::serve::daemon::run(root)?;
    Ok(ExitCode::SUCCESS)
}

fn ask(root: &std::path::Path, tool: &str) -> Option<serde_json::Value> {
    let request = Request {
        tool: tool.into(),
        arguments: json!({}),
    };
    client::exchange(root, &request).and_then(|r| r.result)
}

fn stop(root: &std::path::Path, global: &Global) -> anyhow::Result<ExitCode> {
    if ask(root, "stop").is_none() {
        report(
            global,
            false,
            &format!("no ctx serve daemon runs for {}", root.display()),
        )?;
        return Ok(ExitCode::from(1));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while socket_path(root).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    anyhow::ensure!(
        !socket_path(root).exists(),
        "the daemon did not stop within 10 s; see `ctx serve --status`"
    );
    report(global, true, "stopped the ctx serve daemon")?;
    Ok(ExitCode::SUCCESS)
}

fn report(global: &Global, done: bool, message: &str) -> anyhow::Result<()> {
    if global.json {
        output::summary(&json!({"stopped": done, "message": message}))
    } else {
        outln!("{message}")?;
        Ok(())
    }
}

fn status(root: &std::path::Path, global: &Global) -> anyhow::Result<ExitCode> {
    let state = ask(root, "ping").map(|r| r["structuredContent"].clone());
    if global.json {
        output::summary(&json!({"running": state.is_some(), "daemon": state}))?;
    } else {
        match &state {
            Some(s) => {
                outln!(
                    "ctx serve runs for {} (pid {}, up {} s, {} requests, {} re-indexes; last: {})",
                    s["root"].as_str().unwrap_or("?"),
                    s["pid"],
                    s["uptime_s"],
                    s["requests"],
                    s["reindexes"],
                    s["last_reindex"].as_str().unwrap_or("none")
                )?;
                if let Some(files) = s["vectors_pending"].as_u64().filter(|&n| n > 0) {
                    outln!("  embedding {files} files in the background; queries answer lexically until then")?;
                }
            }
            None => outln!("no ctx serve daemon runs for {}", root.display())?,
        }
    }
    Ok(if state.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
