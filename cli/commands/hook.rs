//! `ctx hook install|uninstall AGENT`: write ctx's hook entries into an agent's configuration
//! (or git's pre-commit hook), merging with what is there and never clobbering it; uninstall
//! removes only ctx's entries.
//!
//! - claude: `.claude/settings.json` (PreToolUse, SessionStart, UserPromptSubmit)
//! - codex: `.codex/hooks.json` (the same shape)
//! - gemini: `.gemini/settings.json` (BeforeTool, SessionStart, BeforeAgent)
//! - cursor: `.cursor/hooks.json` (beforeShellExecution, beforeMCPExecution)
//! - git: `pre-commit` running `ctx check --staged`; an existing hook is kept and run first.

use crate::output::{print_json, Global};
use anyhow::Context;
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

/// Marks every hook command ctx installs, so that uninstall finds exactly those.
const CTX_COMMAND_PREFIX: &str = "ctx check --hook";
/// Marks ctx's git hook script.
const GIT_MARKER: &str = "# installed by ctx: ctx check --staged";
/// The name an existing pre-commit hook is kept under.
const CHAINED: &str = "pre-commit.before-ctx";

/// One hook entry: the event, the tool matcher (if the protocol has one) and the command.
struct Entry {
    event: &'static str,
    matcher: Option<&'static str>,
    command: String,
}

/// Runs `ctx hook`.
pub fn run(args: HookArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let root = global.root()?;
    let (target, install) = match args.command {
        HookCommand::Install { target } => (target, true),
        HookCommand::Uninstall { target } => (target, false),
    };
    let (path, changed) = match target {
        Target::Git => git_hook(&root, install)?,
        _ => agent_hook(&root, target, install)?,
    };
    let verb = match (install, changed) {
        (true, true) => "installed",
        (false, true) => "removed",
        (true, false) => "already installed",
        (false, false) => "not installed",
    };
    if global.json {
        print_json(
            &json!({"type": "summary", "data": {"target": format!("{target:?}").to_lowercase(), "path": path, "result": verb}}),
        )?;
    } else {
        println!("ctx hook {verb}: {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn config_file(root: &Path, target: Target) -> PathBuf {
    match target {
        Target::Claude => root.join(".claude/settings.json"),
        Target::Codex => root.join(".codex/hooks.json"),
        Target::Gemini => root.join(".gemini/settings.json"),
        Target::Cursor => root.join(".cursor/hooks.json"),
        Target::Git => root.join(".git/hooks/pre-commit"),
    }
}

fn entries(target: Target) -> Vec<Entry> {
    let entry = |event, matcher, agent: &str| Entry {
        event,
        matcher,
        command: format!("{CTX_COMMAND_PREFIX} {agent}"),
    };
    match target {
        Target::Claude => vec![
            entry(
                "PreToolUse",
                Some("Bash|Edit|Write|MultiEdit|NotebookEdit|mcp__.*"),
                "claude",
            ),
            entry("SessionStart", None, "claude"),
            entry("UserPromptSubmit", None, "claude"),
        ],
        Target::Codex => vec![
            entry(
                "PreToolUse",
                Some("Bash|apply_patch|Edit|Write|mcp__.*"),
                "codex",
            ),
            entry("SessionStart", None, "codex"),
            entry("UserPromptSubmit", None, "codex"),
        ],
        Target::Gemini => vec![
            entry(
                "BeforeTool",
                Some("run_shell_command|write_file|replace|mcp_.*"),
                "gemini",
            ),
            entry("SessionStart", None, "gemini"),
            entry("BeforeAgent", None, "gemini"),
        ],
        Target::Cursor => vec![
            entry("beforeShellExecution", None, "cursor"),
            entry("beforeMCPExecution", None, "cursor"),
        ],
        Target::Git => Vec::new(),
    }
}

/// Merges (or removes) ctx's entries in an agent's JSON configuration.
fn agent_hook(root: &Path, target: Target, install: bool) -> anyhow::Result<(PathBuf, bool)> {
    let path = config_file(root, target);
    let mut config = read_json_object(&path)?;
    let before = config.clone();
    if target == Target::Cursor && install {
        config.entry("version").or_insert(json!(1));
    }
    let hooks = config
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    let hooks = hooks.as_object_mut().with_context(|| {
        format!(
            "{}: \"hooks\" is not an object; fix it by hand before installing ctx's hooks",
            path.display()
        )
    })?;
    for entry in entries(target) {
        if install {
            add_entry(hooks, &entry, target)?;
        } else {
            remove_entries(hooks, entry.event);
        }
    }
    if !install && hooks.is_empty() {
        config.remove("hooks");
    }
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

fn is_ctx_command(value: &Value) -> bool {
    value
        .get("command")
        .and_then(Value::as_str)
        .is_some_and(|c| c.trim_start().starts_with(CTX_COMMAND_PREFIX))
}

fn add_entry(hooks: &mut Map<String, Value>, entry: &Entry, target: Target) -> anyhow::Result<()> {
    let list = hooks
        .entry(entry.event)
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
        .with_context(|| format!("hooks.{} is not a list; fix it by hand first", entry.event))?;
    let present = list.iter().any(|group| {
        is_ctx_command(group)
            || group
                .get("hooks")
                .and_then(Value::as_array)
                .is_some_and(|hs| hs.iter().any(is_ctx_command))
    });
    if present {
        return Ok(());
    }
    let value = match target {
        Target::Cursor => json!({"command": entry.command}),
        _ => {
            let timeout = if target == Target::Gemini {
                json!(10_000)
            } else {
                json!(10)
            };
            let mut group = json!({"hooks": [{"type": "command", "command": entry.command, "timeout": timeout}]});
            if let Some(matcher) = entry.matcher {
                group["matcher"] = json!(matcher);
            }
            group
        }
    };
    list.push(value);
    Ok(())
}

fn remove_entries(hooks: &mut Map<String, Value>, event: &str) {
    let Some(list) = hooks.get_mut(event).and_then(Value::as_array_mut) else {
        return;
    };
    list.retain(|group| !is_ctx_command(group));
    for group in list.iter_mut() {
        if let Some(inner) = group.get_mut("hooks").and_then(Value::as_array_mut) {
            inner.retain(|h| !is_ctx_command(h));
        }
    }
    list.retain(|group| {
        group
            .get("hooks")
            .and_then(Value::as_array)
            .is_none_or(|hs| !hs.is_empty())
    });
    if list.is_empty() {
        hooks.remove(event);
    }
}

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

fn git_script() -> String {
    let exe = std::env::current_exe()
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ctx".into());
    format!(
        "#!/bin/sh\n{GIT_MARKER}\n# Runs the hook that was here before ctx, then checks the staged changes against the anchors.\nhook_dir=$(dirname \"$0\")\nif [ -x \"$hook_dir/{CHAINED}\" ]; then\n  \"$hook_dir/{CHAINED}\" \"$@\" || exit $?\nfi\nCTX=\"${{CTX_BIN:-{exe}}}\"\nif ! command -v \"$CTX\" >/dev/null 2>&1; then CTX=ctx; fi\nexec \"$CTX\" check --staged --format human\n"
    )
}

fn git_hook(root: &Path, install: bool) -> anyhow::Result<(PathBuf, bool)> {
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
        std::fs::write(&hook, git_script())
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
    fn install_merges_and_uninstall_removes_only_ctx() {
        let mut hooks = Map::new();
        hooks.insert(
            "PreToolUse".into(),
            json!([{"matcher": "Bash", "hooks": [{"type": "command", "command": "my-guard"}]}]),
        );
        for e in entries(Target::Claude) {
            add_entry(&mut hooks, &e, Target::Claude).unwrap();
            add_entry(&mut hooks, &e, Target::Claude).unwrap();
        }
        assert_eq!(hooks["PreToolUse"].as_array().unwrap().len(), 2);
        assert_eq!(hooks["SessionStart"].as_array().unwrap().len(), 1);
        for e in entries(Target::Claude) {
            remove_entries(&mut hooks, e.event);
        }
        assert_eq!(
            hooks["PreToolUse"],
            json!([{"matcher": "Bash", "hooks": [{"type": "command", "command": "my-guard"}]}])
        );
        assert!(!hooks.contains_key("SessionStart"));
    }
}
