//! `ctx check`: test an agent action against the anchors.
//!
//! Exit codes outside hook mode: 0 when the action is allowed or only warned about (warnings
//! are printed), 1 when it is denied, 2 when the check itself failed. In hook mode
//! (`--hook AGENT`) the agent's protocol decides: ctx answers on stdout and exits 0, and a
//! check that cannot be completed answers per `[check] on_error` (default: deny) with the
//! reason.
//!
//! The rule path reads only `.ctx/anchors.toml`, `.ctx/extracted-anchors.json`,
//! `.ctx/plan.json` and `.ctx/config.toml`, and the compiled-anchor cache built from them
//! (`.ctx/anchors.cache`, see `AnchorSet::load`): never the index or the model. The work is
//! ctx-check's; this module reads the arguments and prints.

use crate::output::Global;
use crate::serve::client::DaemonFirst;
use anyhow::Context;
use ctx_check::action::{self, Action};
use ctx_check::hook::{self, HookOptions};
use ctx_check::{Agent, Verdicts};
use ctx_engine::check::{self, ActionFacts, Decision, PathContext, Verdict};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Output formats of `ctx check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text.
    Human,
    /// One JSON object (`{"type":"verdict","data":…}`); `--json` does the same.
    Json,
    /// A SARIF 2.1.0 log, for code-scanning uploads.
    Sarif,
    /// GitHub workflow annotations (`::error file=…::…`).
    Github,
}

/// Arguments of `ctx check`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["command", "write", "edit", "diff", "git", "staged", "hook"])))]
pub struct CheckArgs {
    /// Check a shell command line.
    #[arg(long, value_name = "CMD")]
    pub command: Option<String>,
    /// Check writing PATH with the content read from stdin.
    #[arg(long, value_name = "PATH")]
    pub write: Option<PathBuf>,
    /// Check replacing --old with --new in PATH.
    #[arg(long, value_name = "PATH", requires_all = ["old", "new"])]
    pub edit: Option<PathBuf>,
    /// The text --edit replaces.
    #[arg(
        long,
        value_name = "TEXT",
        requires = "edit",
        allow_hyphen_values = true
    )]
    pub old: Option<String>,
    /// The replacement text of --edit.
    #[arg(
        long,
        value_name = "TEXT",
        requires = "edit",
        allow_hyphen_values = true
    )]
    pub new: Option<String>,
    /// Check a unified diff read from FILE, or from stdin with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub diff: Option<String>,
    /// Check the changes of a git range (`main..HEAD`, `A...B`).
    #[arg(long, value_name = "RANGE")]
    pub git: Option<String>,
    /// Check the staged changes (`git diff --cached`), for pre-commit hooks.
    #[arg(long)]
    pub staged: bool,
    /// Read an agent's hook JSON on stdin and answer in its protocol.
    #[arg(long, value_name = "AGENT", value_parser = agent_parser())]
    pub hook: Option<Agent>,
    /// Output format (outside hook mode).
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Do not record this check in `.ctx/drift.jsonl`.
    #[arg(long)]
    pub no_log: bool,
}

/// The agents `--hook` takes, by name.
fn agent_parser() -> impl clap::builder::TypedValueParser<Value = Agent> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Agent::NAMES).try_map(|name| name.parse::<Agent>())
}

/// Runs `ctx check`.
pub fn run(args: CheckArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    if let Some(agent) = args.hook {
        let options = HookOptions {
            root: global.root.clone(),
            start_dir: cwd,
            log: !args.no_log,
        };
        let answer = hook::answer(agent, &mut std::io::stdin().lock(), &options, &DaemonFirst);
        answer
            .write_masked(&mut std::io::stdout().lock(), &mut std::io::stderr().lock())
            .context("writing the hook answer")?;
        return Ok(ExitCode::from(answer.exit));
    }
    let root = global.root()?;
    let paths = PathContext::new(&root, &cwd);
    let (facts, summary, agent) = cli_facts(&args, &root, &paths)?;
    let verdict = DaemonFirst.verdict(&root, &facts)?;
    if !args.no_log {
        if let Err(e) = hook::record(&root, None, agent, &verdict, &summary) {
            crate::output::warn(format!("could not record the check in the drift log: {e}"));
        }
    }
    let format = if global.json {
        Format::Json
    } else {
        args.format
    };
    print_verdict(&verdict, &summary, format)?;
    Ok(if verdict.decision == Decision::Deny {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The facts of a non-hook check, a one-line summary, and the log's agent name.
fn cli_facts(
    args: &CheckArgs,
    root: &Path,
    paths: &PathContext,
) -> anyhow::Result<(ActionFacts, String, &'static str)> {
    if let Some(command) = &args.command {
        return Ok((
            action::command_facts(command, paths)?,
            format!("command: {command}"),
            "cli",
        ));
    }
    if let Some(path) = &args.write {
        let content = read_stdin_text("--write content")
            .context("reading the new content of --write from stdin")?;
        let action = Action::Write {
            path: path.to_string_lossy().into_owned(),
            content,
        };
        return Ok((
            action::facts(&action, paths)?,
            format!("write: {}", path.display()),
            "cli",
        ));
    }
    if let Some(path) = &args.edit {
        let action = Action::Edit {
            path: path.to_string_lossy().into_owned(),
            edits: vec![(
                args.old.clone().unwrap_or_default(),
                args.new.clone().unwrap_or_default(),
            )],
        };
        return Ok((
            action::facts(&action, paths)?,
            format!("edit: {}", path.display()),
            "cli",
        ));
    }
    let root_paths = PathContext::new(root, root);
    if let Some(source) = &args.diff {
        let text = if source == "-" {
            read_stdin_text("the diff")?
        } else {
            std::fs::read_to_string(source)
                .with_context(|| format!("reading diff file {source:?}"))?
        };
        return Ok((
            action::diff_facts(&text, &root_paths)?,
            format!("diff: {source}"),
            "cli",
        ));
    }
    let (git_args, summary): (Vec<&str>, String) = match &args.git {
        Some(range) => (
            vec!["diff", "--no-color", "--no-ext-diff", "-M", range],
            format!("git diff {range}"),
        ),
        None => (
            vec!["diff", "--cached", "--no-color", "--no-ext-diff", "-M"],
            "git diff --cached".into(),
        ),
    };
    // Outside a work tree git prints its whole usage text: say what is wrong instead.
    let top = git_output(root, &["rev-parse", "--show-toplevel"]).map_err(|_| {
        anyhow::anyhow!(
            "`ctx check {}` needs a git repository, and {} is not inside one: run it in a git \
             work tree, or check a diff file with `ctx check --diff FILE`",
            if args.staged {
                "--staged".to_string()
            } else {
                format!("--git {}", args.git.as_deref().unwrap_or_default())
            },
            root.display()
        )
    })?;
    let text = git_output(root, &git_args)?;
    let top_paths = PathContext::new(root, Path::new(top.trim()));
    Ok((action::diff_facts(&text, &top_paths)?, summary, "git"))
}

fn git_output(root: &Path, args: &[&str]) -> anyhow::Result<String> {
    // Paths as UTF-8, not octal escapes (`caf\303\251.py`), so annotations land on the file.
    let output = std::process::Command::new("git")
        .args(["-c", "core.quotePath=false"])
        .args(args)
        .current_dir(root)
        .output()
        .with_context(|| format!("running `git {}` (is git installed?)", args.join(" ")))?;
    if !output.status.success() {
        anyhow::bail!(
            "`git {}` failed in {}: {}",
            args.join(" "),
            root.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn read_stdin_text(what: &str) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin().lock().read_to_end(&mut bytes)?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{what} is not UTF-8 text (invalid byte at offset {}): ctx checks text only",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Prints the verdict in `format`, secrets masked (JSON and SARIF in their values).
fn print_verdict(verdict: &Verdict, summary: &str, format: Format) -> anyhow::Result<()> {
    use ctx_engine::secrets::{redact, redact_json};
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            let mut data = serde_json::to_value(verdict)?;
            data["action"] = summary.into();
            let mut line = serde_json::json!({"type": "verdict", "data": data});
            redact_json(&mut line);
            writeln!(out, "{line}")?;
            // The closing record every `--json` stream ends with (see cli/output.rs).
            let mut closing = serde_json::json!({"type": "summary", "data": {
                "decision": verdict.decision.as_str(), "action": summary,
            }});
            redact_json(&mut closing);
            writeln!(out, "{closing}")?;
        }
        Format::Sarif => {
            let mut sarif = check::to_sarif(verdict, env!("CARGO_PKG_VERSION"));
            redact_json(&mut sarif);
            writeln!(out, "{}", serde_json::to_string_pretty(&sarif)?)?
        }
        Format::Github => write!(out, "{}", redact(&check::to_github(verdict)))?,
        Format::Human => write!(out, "{}", redact(&human(verdict, summary)))?,
    }
    Ok(())
}

fn human(verdict: &Verdict, summary: &str) -> String {
    use crate::output::{paint, Style};
    let style = match verdict.decision {
        Decision::Deny => Style::Deny,
        Decision::Allow => Style::Ok,
        _ => Style::Warn,
    };
    let mut text = format!("{}: {summary}\n", paint(verdict.decision.as_str(), style));
    for v in &verdict.violations {
        text.push_str(&format!(
            "  {} [{}] {} ({})\n",
            v.decision.as_str(),
            v.anchor_id,
            v.text,
            v.source
        ));
        let location = match (&v.path, v.line) {
            (Some(p), Some(l)) => format!(" at {p}:{l}"),
            (Some(p), None) => format!(" at {p}"),
            _ => String::new(),
        };
        text.push_str(&format!("    matched{location}: {}\n", v.evidence));
    }
    for p in &verdict.permitted {
        text.push_str(&format!("  permitted: {p}\n"));
    }
    for n in &verdict.notes {
        text.push_str(&format!("  note: {n}\n"));
    }
    text
}
