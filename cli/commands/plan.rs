//! `ctx plan`: pin, show or clear a task plan (its files bound what actions may change).

use crate::output::{self, outln, Global};
use anyhow::Context;
use ctx_engine::anchor::{clear_plan, load_plan, pin_plan, plan_path};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `ctx plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    #[command(subcommand)]
    command: PlanCommand,
}

#[derive(Debug, clap::Subcommand)]
enum PlanCommand {
    /// Pin a JSON plan (`-` reads stdin): {"goal", "files": [globs], "steps": [{"description", "files"}]}.
    Pin {
        /// The plan file.
        file: PathBuf,
    },
    /// Show the pinned plan.
    Show,
    /// Remove the pinned plan.
    Clear,
}

/// Runs `ctx plan`.
pub fn run(args: PlanArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let root = global.root()?;
    match args.command {
        PlanCommand::Pin { file } => {
            let text = read_plan(&file)?;
            let plan = pin_plan(&root, &file, &text)?;
            if global.json {
                output::summary(&plan)?;
            } else {
                outln!(
                    "pinned plan in {} ({} steps, scope: {})",
                    plan_path(&root).display(),
                    plan.steps.len(),
                    plan.scope().join(", ")
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        PlanCommand::Show => {
            let Some(plan) = load_plan(&root)? else {
                if global.json {
                    output::summary(&serde_json::Value::Null)?;
                } else {
                    output::info("no plan is pinned: pin one with `ctx plan pin plan.json`");
                }
                return Ok(ExitCode::from(1));
            };
            if global.json {
                output::summary(&plan)?;
            } else {
                if let Some(goal) = &plan.goal {
                    outln!("goal:  {goal}")?;
                }
                outln!("scope: {}", plan.scope().join(", "))?;
                for (i, step) in plan.steps.iter().enumerate() {
                    outln!("{:>3}. {}", i + 1, step.description())?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        PlanCommand::Clear => {
            let removed = clear_plan(&root)?;
            if global.json {
                output::summary(&serde_json::json!({"removed": removed}))?;
            } else if removed {
                outln!("cleared the pinned plan")?;
            } else {
                outln!("no plan was pinned")?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read_plan(file: &PathBuf) -> anyhow::Result<String> {
    if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the plan from stdin")?;
        return Ok(text);
    }
    std::fs::read_to_string(file).with_context(|| format!("reading plan {}", file.display()))
}
