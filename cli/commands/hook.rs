//! `ctx hook install|uninstall|status`: ctx's hooks in agents' configurations and in git.
//!
//! Install merges ctx's entries into the agent's project configuration and never clobbers
//! what is there; uninstall removes only ctx's entries. The entries themselves (events,
//! matchers, fail-closed commands calling this ctx by absolute path) are
//! [`ctx_check::install`]'s; whether the agent will run them is [`ctx_check::trust`]'s.
//!
//! - claude: `.claude/settings.json`; codex: `.codex/hooks.json`; gemini:
//!   `.gemini/settings.json`; cursor: `.cursor/hooks.json`
//! - git: `pre-commit` running `ctx check --staged`; an existing hook is kept and run first.
//!
//! `ctx hook status` exits 1 when installed hooks will not work (their ctx does not run, or
//! the agent does not trust them yet), 0 otherwise.

use crate::output::{print_json, Global};
use anyhow::Context;
use ctx_check::install::{self, Installed, Probe};
use ctx_check::trust::{self, Trust, TrustState};
use ctx_check::Agent;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `ctx hook`.
#[derive(Debug, clap::Args)]
pub struct HookArgs {
    #[command(subcommand)]
    command: HookCommand,
}

#[derive(Debug, clap::Subcommand)]
enum HookCommand {
    /// Add ctx's hooks to an agent's configuration or to git.
    Install {
        /// claude, codex, gemini, cursor or git.
        #[arg(value_enum)]
        target: Target,
    },
    /// Remove ctx's hooks (and only them).
    Uninstall {
        /// claude, codex, gemini, cursor or git.
        #[arg(value_enum)]
        target: Target,
    },
    /// Per agent: are ctx's hooks installed, do they call a ctx that runs, does the agent
    /// trust them.
    Status,
}

/// Where hooks go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Target {
    Claude,
    Codex,
    Gemini,
    Cursor,
    Git,
}

impl Target {
    /// The agent, for every target but git.
    fn agent(self) -> Option<Agent> {
        match self {
            Target::Claude => Some(Agent::Claude),
            Target::Codex => Some(Agent::Codex),
            Target::Gemini => Some(Agent::Gemini),
            Target::Cursor => Some(Agent::Cursor),
            Target::Git => None,
        }
    }

    fn name(self) -> &'static str {
        self.agent().map_or("git", Agent::name)
    }
}

/// Marks ctx's git hook script.
const GIT_MARKER: &str = "# installed by ctx: ctx check --staged";
/// The name an existing pre-commit hook is kept under.
const CHAINED: &str = "pre-commit.before-ctx";

/// Runs `ctx hook`.
pub fn run(args: HookArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let root = global.root()?;
    let (target, install) = match args.command {
        HookCommand::Install { target } => (target, true),
        HookCommand::Uninstall { target } => (target, false),
        HookCommand::Status => return status(&root, global),
    };
    let exe = ctx_binary()?;
    let (path, changed) = match target.agent() {
        Some(agent) => agent_hook(&root, agent, &exe, install)?,
        None => git_hook(&root, &exe, install)?,
    };
    let verb = match (install, changed) {
        (true, true) => "installed",
        (false, true) => "removed",
        (true, false) => "already installed",
        (false, false) => "not installed",
    };
    let fragile = install.then(|| install::fragile_location(&exe)).flatten();
    let warning = fragile.map(|place| {
        format!(
            "the hooks call ctx at {}, inside {place}: when it is removed or rebuilt elsewhere every hook refuses its action; install ctx somewhere stable (`cargo install --path .`) and run `ctx hook install {}` again",
            exe.display(),
            target.name()
        )
    });
    let next = target
        .agent()
        .filter(|_| install)
        .and_then(|agent| install::trust_step(agent, &root));
    if global.json {
        print_json(&json!({"type": "summary", "data": {
            "target": target.name(), "path": path, "result": verb, "ctx": exe,
            "warning": warning, "next": next,
        }}))?;
    } else {
        println!("ctx hook {verb}: {}", path.display());
        if let Some(next) = &next {
            println!("next: {next}");
        }
        if let Some(warning) = &warning {
            eprintln!("ctx: warning: {warning}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The ctx binary the hooks will call: this one, by its canonical absolute path.
fn ctx_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("finding the path of this ctx binary")?;
    exe.canonicalize()
        .with_context(|| format!("resolving {}", exe.display()))
}

/// Merges (or removes) ctx's entries in an agent's JSON configuration.
fn agent_hook(
    root: &Path,
    agent: Agent,
    exe: &Path,
    install: bool,
) -> anyhow::Result<(PathBuf, bool)> {
    let path = install::config_path(root, agent);
    let mut config = read_json_object(&path)?;
    let before = config.clone();
    let result = if install {
        install::merge(agent, &mut config, &install::entries(agent, exe))
    } else {
        install::remove(agent, &mut config)
    };
    result.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let changed = config != before;
    if changed {
        write_json(&path, &Value::Object(config))?;
    }
    Ok((path, changed))
}

fn read_json_object(path: &Path) -> anyhow::Result<Map<String, Value>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => return Ok(Map::new()),
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let value: Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not valid JSON; fix it first, ctx will not overwrite it",
            path.display()
        )
    })?;
    match value {
        Value::Object(map) => Ok(map),
        _ => anyhow::bail!(
            "{} holds JSON that is not an object; ctx will not overwrite it",
            path.display()
        ),
    }
}

fn write_json(path: &Path, value: &Value) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(value)? + "\n";
    let tmp = path.with_extension("json.ctx-tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Status

/// The state of ctx's hooks for one agent (or git).
#[derive(Debug, Serialize)]
struct TargetStatus {
    /// claude, codex, gemini, cursor or git.
    target: &'static str,
    /// The configuration file (git: the pre-commit hook).
    config: PathBuf,
    /// Events with a ctx hook.
    events: Vec<&'static str>,
    /// Events ctx installs that have none (an older or partial install).
    missing: Vec<&'static str>,
    /// Each ctx binary the hooks call, probed.
    ctx: Vec<Probe>,
    /// Whether the agent runs them (absent for git).
    #[serde(skip_serializing_if = "Option::is_none")]
    trust: Option<Trust>,
    /// What to do next, when something is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    /// Installed and working: every ctx binary runs and the agent runs the hooks.
    ok: bool,
}

impl TargetStatus {
    fn installed(&self) -> bool {
        !self.events.is_empty()
    }
}

fn status(root: &Path, global: &Global) -> anyhow::Result<ExitCode> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut all = Vec::new();
    for agent in Agent::ALL {
        all.push(agent_status(&root, agent)?);
    }
    all.push(git_status(&root)?);
    let broken = all.iter().any(|s| s.installed() && !s.ok);
    if global.json {
        print_json(&json!({"type": "hook_status", "data": {"root": root, "targets": all}}))?;
    } else {
        print_status(&all);
    }
    Ok(if broken {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn agent_status(root: &Path, agent: Agent) -> anyhow::Result<TargetStatus> {
    let config = install::config_path(root, agent);
    let found: Vec<Installed> = install::installed(agent, &read_json_object(&config)?);
    let mut events: Vec<&'static str> = found.iter().map(|f| f.event).collect();
    events.dedup();
    let missing: Vec<&'static str> = install::events(agent)
        .iter()
        .map(|e| e.0)
        .filter(|e| !events.contains(e))
        .collect();
    let ctx = probes(found.iter().map(|f| f.command.as_str()));
    let trust = (!found.is_empty()).then(|| trust::trust(agent, root, &found));
    let trusted = trust
        .as_ref()
        .is_some_and(|t| matches!(t.state, TrustState::Trusted | TrustState::NotRequired));
    let runs = ctx.iter().all(|p| p.runs && p.absolute);
    let next = if found.is_empty() {
        Some(format!("ctx hook install {}", agent.name()))
    } else if !runs || !missing.is_empty() {
        Some(format!(
            "run `ctx hook install {}` again with a working ctx",
            agent.name()
        ))
    } else if !trusted {
        install::trust_step(agent, root)
    } else {
        None
    };
    // Claude Code runs project hooks in `claude -p` without the trust dialog: an untrusted
    // folder is reported, not counted as broken.
    let ok = runs && missing.is_empty() && (trusted || agent == Agent::Claude);
    Ok(TargetStatus {
        target: agent.name(),
        config,
        events,
        missing,
        ctx,
        trust,
        next,
        ok,
    })
}

/// Probes each distinct binary the commands call.
fn probes<'a>(commands: impl Iterator<Item = &'a str>) -> Vec<Probe> {
    let mut binaries: Vec<String> = commands.filter_map(install::binary).collect();
    binaries.sort();
    binaries.dedup();
    binaries.iter().map(|b| install::probe(b)).collect()
}

fn git_status(root: &Path) -> anyhow::Result<TargetStatus> {
    let hook = match git_hooks_dir(root) {
        Ok(dir) => dir.join("pre-commit"),
        Err(_) => root.join(".git/hooks/pre-commit"),
    };
    let script = std::fs::read_to_string(&hook).unwrap_or_default();
    let installed = script.contains(GIT_MARKER);
    let ctx = if installed {
        probes(
            script
                .lines()
                .filter_map(|l| l.strip_prefix("CTX=\"${CTX_BIN:-"))
                .map(|rest| rest.trim_end_matches("}\"")),
        )
    } else {
        Vec::new()
    };
    let ok = installed && ctx.iter().all(|p| p.runs);
    Ok(TargetStatus {
        target: "git",
        config: hook,
        events: if installed {
            vec!["pre-commit"]
        } else {
            Vec::new()
        },
        missing: if installed {
            Vec::new()
        } else {
            vec!["pre-commit"]
        },
        next: (!ok).then(|| "ctx hook install git".to_string()),
        ctx,
        trust: None,
        ok,
    })
}

fn print_status(all: &[TargetStatus]) {
    for s in all {
        if !s.installed() {
            println!(
                "{:<7} not installed ({})",
                s.target,
                s.next.as_deref().unwrap_or_default()
            );
            continue;
        }
        let events = if s.missing.is_empty() {
            format!("{} events", s.events.len())
        } else {
            format!(
                "{} events, missing {}",
                s.events.len(),
                s.missing.join(", ")
            )
        };
        println!(
            "{:<7} installed in {} ({events})",
            s.target,
            s.config.display()
        );
        for probe in &s.ctx {
            let state = match (probe.runs, probe.absolute) {
                (true, true) => format!("runs: {}", probe.detail),
                (true, false) => "not an absolute path: the hooks depend on the agent's PATH and do not fail closed".to_string(),
                (false, _) => format!("does not run ({}): every checked action is refused", probe.detail),
            };
            println!("        ctx {}: {state}", probe.path);
        }
        if let Some(trust) = &s.trust {
            let state = serde_json::to_value(trust.state).ok();
            let state = state.as_ref().and_then(Value::as_str).unwrap_or("unknown");
            println!("        trust: {state}: {}", trust.detail);
        }
        if let Some(next) = &s.next {
            println!("        next: {next}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// git

/// The git hooks directory (honours worktrees and `core.hooksPath`).
fn git_hooks_dir(root: &Path) -> anyhow::Result<PathBuf> {
    let output = std::process::Command::new("git")
        .args(["rev-parse", "--git-path", "hooks"])
        .current_dir(root)
        .output()
        .context("running `git rev-parse` (is git installed?)")?;
    if !output.status.success() {
        anyhow::bail!(
            "{} is not inside a git repository: run `git init` first",
            root.display()
        );
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    Ok(if dir.is_absolute() {
        dir
    } else {
        root.join(dir)
    })
}

fn git_script(exe: &Path) -> String {
    let exe = exe.display();
    format!(
        "#!/bin/sh\n{GIT_MARKER}\n# Runs the hook that was here before ctx, then checks the staged changes against the anchors.\nhook_dir=$(dirname \"$0\")\nif [ -x \"$hook_dir/{CHAINED}\" ]; then\n  \"$hook_dir/{CHAINED}\" \"$@\" || exit $?\nfi\nCTX=\"${{CTX_BIN:-{exe}}}\"\nif ! command -v \"$CTX\" >/dev/null 2>&1; then CTX=ctx; fi\nexec \"$CTX\" check --staged --format human\n"
    )
}

fn git_hook(root: &Path, exe: &Path, install: bool) -> anyhow::Result<(PathBuf, bool)> {
    let dir = git_hooks_dir(root)?;
    let hook = dir.join("pre-commit");
    let chained = dir.join(CHAINED);
    let existing = std::fs::read_to_string(&hook).ok();
    let ours = existing.as_deref().is_some_and(|t| t.contains(GIT_MARKER));
    if install {
        if ours {
            return Ok((hook, false));
        }
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        if hook.exists() {
            if chained.exists() {
                anyhow::bail!(
                    "{} already exists; move it away before installing ctx's pre-commit hook",
                    chained.display()
                );
            }
            std::fs::rename(&hook, &chained)
                .with_context(|| format!("keeping the existing hook as {}", chained.display()))?;
        }
        std::fs::write(&hook, git_script(exe))
            .with_context(|| format!("writing {}", hook.display()))?;
        make_executable(&hook)?;
        return Ok((hook, true));
    }
    if !ours {
        return Ok((hook, false));
    }
    std::fs::remove_file(&hook).with_context(|| format!("removing {}", hook.display()))?;
    if chained.exists() {
        std::fs::rename(&chained, &hook)
            .with_context(|| format!("restoring {}", hook.display()))?;
    }
    Ok((hook, true))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path)?.permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms)
        .with_context(|| format!("making {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_status_reads_the_binary_back_from_the_script() {
        let script = git_script(Path::new("/opt/ctx/bin/ctx"));
        let line = script
            .lines()
            .find_map(|l| l.strip_prefix("CTX=\"${CTX_BIN:-"))
            .unwrap();
        assert_eq!(line.trim_end_matches("}\""), "/opt/ctx/bin/ctx");
    }
}
