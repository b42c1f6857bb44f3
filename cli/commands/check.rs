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
//! (`.ctx/anchors.cache`, see `AnchorSet::load`): never the index or the model.

use crate::hooks::{self, Action, Agent, Answer, EventKind, HookEvent};
use crate::output::Global;
use anyhow::Context;
use ctx_engine::anchor::{Anchor, AnchorSet, AnchorSource, Polarity};
use ctx_engine::check::{
    self, ActionFacts, CheckConfig, Decision, DriftRecord, OnError, PathContext, SessionState,
    Verdict,
};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Shell commands longer than this are not analysed (a fault, answered per `on_error`).
const MAX_COMMAND_BYTES: usize = 1 << 20;
/// Files larger than this are not read to place an edit's lines.
const MAX_CURRENT_FILE_BYTES: u64 = 8 << 20;
/// The anchors block sent to agents stops after this many characters.
const MAX_CONTEXT_CHARS: usize = 8_000;

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
    #[arg(long, value_enum, value_name = "AGENT")]
    pub hook: Option<Agent>,
    /// Output format (outside hook mode).
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Do not record this check in `.ctx/drift.jsonl`.
    #[arg(long)]
    pub no_log: bool,
}

/// Runs `ctx check`.
pub fn run(args: CheckArgs, global: &Global) -> anyhow::Result<ExitCode> {
    if let Some(agent) = args.hook {
        return run_hook(agent, global, args.no_log);
    }
    let root = global.root()?;
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let paths = PathContext::new(&root, &cwd);
    let (facts, summary, agent) = cli_facts(&args, &root, &paths)?;
    let verdict = match crate::serve::client::verdict(&root, &facts) {
        Some(verdict) => verdict?,
        None => verdict_for(&load_anchors(&root)?, &facts),
    };
    if !args.no_log {
        log_check(&root, None, agent, &verdict, &summary);
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
            command_facts(command, paths)?,
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
            action_facts(&action, paths)?,
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
            action_facts(&action, paths)?,
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
            diff_facts(&text, &root_paths)?,
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
    let text = git_output(root, &git_args)?;
    let top = git_output(root, &["rev-parse", "--show-toplevel"])?;
    let top_paths = PathContext::new(root, Path::new(top.trim()));
    Ok((diff_facts(&text, &top_paths)?, summary, "git"))
}

fn git_output(root: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = std::process::Command::new("git")
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

fn diff_facts(text: &str, paths: &PathContext) -> anyhow::Result<ActionFacts> {
    let mut effects = check::parse_unified_diff(text)?;
    for effect in &mut effects {
        effect.path = paths.normalize(&effect.path);
    }
    Ok(ActionFacts {
        effects,
        ..ActionFacts::default()
    })
}

fn command_facts(command: &str, paths: &PathContext) -> anyhow::Result<ActionFacts> {
    if command.len() > MAX_COMMAND_BYTES {
        anyhow::bail!(
            "the command is {} bytes, more than the {} ctx analyses; split it or write it to a script file",
            command.len(),
            MAX_COMMAND_BYTES
        );
    }
    Ok(ctx_indexers::shell::analyze(command, paths))
}

/// What an action will do.
pub fn action_facts(action: &Action, paths: &PathContext) -> anyhow::Result<ActionFacts> {
    let mut facts = ActionFacts::default();
    match action {
        Action::Command { command, dir } => {
            let paths = match dir {
                Some(dir) => paths.with_cwd(dir),
                None => paths.clone(),
            };
            return command_facts(command, &paths);
        }
        Action::Write { path, content } => {
            let current = current_text(&paths.absolute(path));
            facts.effects.push(check::write_effect(
                &paths.normalize(path),
                content,
                current.as_deref(),
                "Write tool",
            ));
        }
        Action::Edit { path, edits } => {
            let current = current_text(&paths.absolute(path));
            let normalized = paths.normalize(path);
            for (old, new) in edits {
                facts.effects.push(check::edit_effect(
                    &normalized,
                    old,
                    new,
                    current.as_deref(),
                    "Edit tool",
                ));
            }
        }
        Action::Patch(patch) => {
            let mut effects = check::parse_apply_patch(patch)?;
            for effect in &mut effects {
                effect.path = paths.normalize(&effect.path);
            }
            facts.effects = effects;
        }
        Action::Many(actions) => {
            for inner in actions {
                let more = action_facts(inner, paths)?;
                facts.invocations.extend(more.invocations);
                facts.effects.extend(more.effects);
                if facts.command.is_none() {
                    facts.command = more.command;
                }
            }
        }
        Action::Unchecked(_) => {}
    }
    Ok(facts)
}

fn current_text(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_CURRENT_FILE_BYTES {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// Loads the anchors for `root` with a message that says which file is wrong.
pub fn load_anchors(root: &Path) -> anyhow::Result<AnchorSet> {
    AnchorSet::load(root).with_context(|| format!("loading the anchors of {}", root.display()))
}

/// The verdict of the rule path on `facts`.
pub fn verdict_for(set: &AnchorSet, facts: &ActionFacts) -> Verdict {
    check::decide(set, &set.evaluate(facts))
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

fn print_verdict(verdict: &Verdict, summary: &str, format: Format) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            let mut data = serde_json::to_value(verdict)?;
            data["action"] = summary.into();
            writeln!(
                out,
                "{}",
                serde_json::json!({"type": "verdict", "data": data})
            )?;
        }
        Format::Sarif => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&check::to_sarif(verdict, env!("CARGO_PKG_VERSION")))?
        )?,
        Format::Github => write!(out, "{}", check::to_github(verdict))?,
        Format::Human => write!(out, "{}", human(verdict, summary))?,
    }
    Ok(())
}

fn human(verdict: &Verdict, summary: &str) -> String {
    let mut text = format!("{}: {summary}\n", verdict.decision.as_str());
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

fn log_check(root: &Path, session: Option<&str>, agent: &str, verdict: &Verdict, summary: &str) {
    let record = DriftRecord {
        time: check::now_rfc3339(),
        session: session.map(String::from),
        agent: agent.to_string(),
        verdict: verdict.decision,
        anchors: verdict.anchor_ids(),
        action: summary.chars().take(300).collect(),
    };
    if let Err(e) = check::append_record(root, &record) {
        eprintln!("ctx: warning: could not record the check in the drift log: {e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Hook mode

/// A hook check that could not be completed: the reason, answered per `on_error`.
struct Fault(String);

fn run_hook(agent: Agent, global: &Global, no_log: bool) -> anyhow::Result<ExitCode> {
    let answer = match hook_answer(agent, global, no_log) {
        Ok(answer) => answer,
        Err((agent, root, Fault(reason))) => {
            let on_error = root
                .as_deref()
                .and_then(|r| CheckConfig::load(r).ok())
                .map_or(OnError::Deny, |c| c.on_error);
            let decision = match on_error {
                OnError::Deny => Decision::Deny,
                OnError::Allow => Decision::Allow,
            };
            let advice = match on_error {
                OnError::Deny => {
                    " (the action is refused because [check] on_error = \"deny\", the default)"
                }
                OnError::Allow => " (allowed because [check] on_error = \"allow\")",
            };
            let verdict = Verdict::fault(
                decision,
                format!("could not check this action: {reason}{advice}"),
            );
            if let (Some(root), false) = (&root, no_log) {
                log_check(
                    root,
                    None,
                    agent.name(),
                    &verdict,
                    &format!("fault: {reason}"),
                );
            }
            let event = HookEvent {
                agent,
                event_name: default_event(agent).into(),
                session: None,
                cwd: None,
                kind: EventKind::Other,
            };
            hooks::tool_answer(agent, &event, &verdict)
        }
    };
    write_answer(&answer)?;
    Ok(ExitCode::from(answer.exit))
}

fn default_event(agent: Agent) -> &'static str {
    match agent {
        Agent::Claude | Agent::Codex => "PreToolUse",
        Agent::Gemini => "BeforeTool",
        Agent::Cursor => "beforeShellExecution",
    }
}

fn write_answer(answer: &Answer) -> anyhow::Result<()> {
    if let Some(text) = &answer.stdout {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")?;
    }
    if let Some(text) = &answer.stderr {
        eprintln!("{text}");
    }
    Ok(())
}

type HookResult = Result<Answer, (Agent, Option<PathBuf>, Fault)>;

fn hook_answer(agent: Agent, global: &Global, no_log: bool) -> HookResult {
    let early_root = global.root().ok();
    let fail = |agent: Agent, root: Option<PathBuf>, reason: String| (agent, root, Fault(reason));
    let limit_mb = early_root
        .as_deref()
        .and_then(|r| CheckConfig::load(r).ok())
        .map_or(CheckConfig::default().max_payload_mb, |c| c.max_payload_mb);
    let bytes = read_limited(limit_mb).map_err(|reason| fail(agent, early_root.clone(), reason))?;
    let input: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        fail(agent, early_root.clone(), format!("malformed hook JSON at line {} column {}: {e}; the hook must receive the agent's JSON on stdin", e.line(), e.column()))
    })?;
    let agent = agent.detect(&input);
    let event = hooks::parse_event(agent, &input)
        .map_err(|e| fail(agent, early_root.clone(), format!("{e:#}")))?;
    let root = hook_root(global, event.cwd.as_deref());
    let config =
        CheckConfig::load(&root).map_err(|e| fail(agent, Some(root.clone()), format!("{e}")))?;
    match &event.kind {
        EventKind::PreTool { tool, action } => {
            let cwd = event.cwd.clone().unwrap_or_else(|| root.clone());
            let paths = PathContext::new(&root, &cwd);
            let facts = action_facts(action, &paths)
                .map_err(|e| fail(agent, Some(root.clone()), format!("{e:#}")))?;
            let verdict = match crate::serve::client::verdict(&root, &facts) {
                Some(verdict) => verdict,
                None => load_anchors(&root).map(|set| verdict_for(&set, &facts)),
            };
            let mut verdict =
                verdict.map_err(|e| fail(agent, Some(root.clone()), format!("{e:#}")))?;
            if let Action::Unchecked(name) = action {
                if verdict.decision == Decision::Allow && name != tool {
                    verdict.notes.push(format!("{name}: not checked"));
                }
            }
            if !no_log {
                log_check(
                    &root,
                    event.session.as_deref(),
                    agent.name(),
                    &verdict,
                    &action_summary(tool, action),
                );
            }
            if verdict.decision == Decision::Deny {
                remember_denial(&root, event.session.as_deref());
            }
            Ok(hooks::tool_answer(agent, &event, &verdict))
        }
        EventKind::SessionStart | EventKind::Prompt => {
            let context = reanchor_context(&root, &event, &config);
            Ok(hooks::context_answer(agent, &event, context.as_deref()))
        }
        EventKind::Other => Ok(Answer::silent()),
    }
}

/// Reads stdin up to `limit_mb` MiB; more is a fault.
fn read_limited(limit_mb: u64) -> Result<Vec<u8>, String> {
    let limit = limit_mb.saturating_mul(1 << 20);
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("reading the hook input from stdin: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "the hook input is larger than {limit_mb} MiB; raise [check] max_payload_mb in .ctx/config.toml if this is expected"
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("the hook input on stdin is empty: the agent must pipe its hook JSON to `ctx check --hook`".into());
    }
    Ok(bytes)
}

/// The repository root for a hook: `--root`, else the nearest directory with `.ctx/` or `.git`
/// above the agent's cwd, else that cwd.
fn hook_root(global: &Global, cwd: Option<&Path>) -> PathBuf {
    if let Some(root) = &global.root {
        return root.clone();
    }
    let start = cwd
        .map(Path::to_path_buf)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    crate::output::find_root(&start)
        .or_else(|| {
            start
                .ancestors()
                .find(|d| d.join(".git").exists())
                .map(Path::to_path_buf)
        })
        .unwrap_or(start)
}

fn remember_denial(root: &Path, session: Option<&str>) {
    if let Some(session) = session {
        let mut state = SessionState::load(root, session);
        state.denied_since = true;
        let _ = state.save(root, session);
    }
}

fn reanchor_context(root: &Path, event: &HookEvent, config: &CheckConfig) -> Option<String> {
    let session = event.session.as_deref().unwrap_or("(no session)");
    let mut state = SessionState::load(root, session);
    let reason = match event.kind {
        EventKind::SessionStart => Some(state.on_session_start()),
        _ => state.on_prompt(config.reanchor_every),
    };
    let _ = state.save(root, session);
    reason?;
    let set = AnchorSet::load(root).ok()?;
    anchors_block(set.anchors())
}

/// The active anchors as a compact block for the agent's context.
pub fn anchors_block(anchors: &[Anchor]) -> Option<String> {
    let mut active: Vec<&Anchor> = anchors.iter().filter(|a| a.enabled).collect();
    if active.is_empty() {
        return None;
    }
    active.sort_by_key(|a| match a.source {
        AnchorSource::Pinned => 0,
        AnchorSource::Plan => 1,
        AnchorSource::Doc { .. } => 2,
        AnchorSource::Builtin => 3,
    });
    let mut text = format!(
        "Project rules (ctx anchors, {} active). They apply to every action; ctx checks them:\n",
        active.len()
    );
    for (shown, anchor) in active.iter().enumerate() {
        let kind = match anchor.polarity {
            Polarity::Never => "never",
            Polarity::Always => "always",
            Polarity::Allowed => "allowed",
        };
        let line = format!(
            "- ({kind}) {} [{}; {}]\n",
            anchor.text.trim(),
            anchor.id,
            anchor.source.label()
        );
        if text.len() + line.len() > MAX_CONTEXT_CHARS {
            text.push_str(&format!(
                "- … and {} more: `ctx anchors list`\n",
                active.len() - shown
            ));
            break;
        }
        text.push_str(&line);
    }
    Some(text)
}

fn action_summary(tool: &str, action: &Action) -> String {
    let detail = match action {
        Action::Command { command, .. } => command.split_whitespace().collect::<Vec<_>>().join(" "),
        Action::Write { path, .. } => path.clone(),
        Action::Edit { path, .. } => path.clone(),
        Action::Patch(patch) => patch
            .lines()
            .filter_map(|l| {
                l.strip_prefix("*** ")
                    .filter(|l| l.contains("File:") || l.starts_with("Move to:"))
            })
            .collect::<Vec<_>>()
            .join(", "),
        Action::Many(actions) => format!("{} actions", actions.len()),
        Action::Unchecked(name) => name.clone(),
    };
    format!("{tool}: {detail}")
}
