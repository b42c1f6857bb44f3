//! `ctx hook install|uninstall|status`: ctx's hooks in agents' configurations and in git.
//!
//! The entries themselves (events, matchers, fail-closed commands calling this ctx by
//! absolute path) are [`ctx_check::install`]'s; whether the agent will run them is
//! [`ctx_check::trust`]'s. They are written into the agent's file in place (comments and key
//! order kept, a backup made; see [`crate::install`]); uninstall puts the file back as it
//! was, or removes only ctx's entries when it changed since.
//!
//! | agent | `--project` (default) | `--user` |
//! |---|---|---|
//! | claude | `.claude/settings.json` | `~/.claude/settings.json` |
//! | codex | `.codex/hooks.json` | `$CODEX_HOME/hooks.json` (`~/.codex`) |
//! | gemini | `.gemini/settings.json` | `~/.gemini/settings.json` |
//! | cursor | `.cursor/hooks.json` | `~/.cursor/hooks.json` |
//! | git | `pre-commit` running `ctx check --staged`; an existing hook is kept and run first | — |
//!
//! `ctx hook status` reports every agent's project file, and the user's file where it holds
//! ctx's hooks; it exits 1 when installed hooks will not work (their ctx does not run, or
//! the agent does not trust them yet), 0 otherwise.

use crate::install::jsonc::{self, Document};
use crate::install::{self, ConfigFile, Installed, Scope, ScopeArgs, Uninstalled};
use crate::output::{self, outln, Global};
use anyhow::Context;
use ctx_check::install::{self as hooks, HookEntry, Probe};
use ctx_check::trust::{self, Trust, TrustState};
use ctx_check::Agent;
use jsonc_parser::cst::CstInputValue;
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
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// Remove ctx's hooks: the file as it was before the install (or gone, if ctx created
    /// it), or without ctx's entries if it changed since.
    Uninstall {
        /// claude, codex, gemini, cursor or git.
        #[arg(value_enum)]
        target: Target,
        #[command(flatten)]
        scope: ScopeArgs,
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
/// The component name install records use.
const COMPONENT: &str = "hooks";

/// Runs `ctx hook`.
pub fn run(args: HookArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let root = global.root()?;
    let (target, scope, install) = match args.command {
        HookCommand::Install { target, scope } => (target, scope.scope(), true),
        HookCommand::Uninstall { target, scope } => (target, scope.scope(), false),
        HookCommand::Status => return status(&root, global),
    };
    let exe = ctx_binary()?;
    let (path, result, backup) = match target.agent() {
        None => {
            anyhow::ensure!(
                scope == Scope::Project,
                "git hooks belong to one repository: there is no --user git hook (set git's \
                 core.hooksPath to share one hook directory between repositories)"
            );
            let (path, changed) = git_hook(&root, &exe, install)?;
            let result = match (install, changed) {
                (true, true) => "installed",
                (false, true) => "removed",
                (true, false) => "already installed",
                (false, false) => "not installed",
            };
            (path, result, None)
        }
        Some(agent) if install => {
            let hook = hooks::hook_binary(&exe);
            let (path, outcome, backup) = install_agent(&root, agent, scope, &hook)?;
            let result = match outcome {
                Installed::Unchanged => "already installed",
                Installed::Updated => "updated",
                Installed::Created | Installed::Added => "installed",
            };
            (path, result, backup)
        }
        Some(agent) => {
            let (path, outcome) = uninstall_agent(&root, agent, scope)?;
            let result = match outcome {
                Uninstalled::Restored => "removed (file restored as it was before the install)",
                Uninstalled::Removed => "removed (ctx had created the file: deleted)",
                Uninstalled::Edited => "removed (ctx's entries only)",
                Uninstalled::NotInstalled => "not installed",
            };
            (path, result, None)
        }
    };
    let warning = install
        .then(|| hooks::fragile_location(&exe))
        .flatten()
        .map(|place| {
            format!(
                "the hooks call ctx at {}, inside {place}: when it is removed or rebuilt elsewhere every hook refuses its action; install ctx somewhere stable (`cargo install --path .`) and run `ctx hook install {}` again",
                exe.display(),
                target.name()
            )
        });
    let next = target
        .agent()
        .filter(|_| install)
        .and_then(|agent| hooks::trust_step(agent, &root, &path));
    if global.json {
        output::summary(&json!({
            "target": target.name(), "scope": scope, "path": path, "result": result,
            "backup": backup, "ctx": exe, "warning": warning, "next": next,
        }))?;
    } else {
        outln!("ctx hook {result}: {}", install::shown(&path, &root))?;
        if let Some(next) = &next {
            outln!("next: {next}")?;
        }
        if let Some(backup) = backup {
            output::info(format!("backup of the previous file: {}", backup.display()));
        }
    }
    if let Some(warning) = &warning {
        output::warn(warning);
    }
    Ok(ExitCode::SUCCESS)
}

/// The ctx binary the hooks will call: this one, by its canonical absolute path.
fn ctx_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("finding the path of this ctx binary")?;
    exe.canonicalize()
        .with_context(|| format!("resolving {}", exe.display()))
}

/// The configuration file of `agent` in `scope`.
fn config_file(root: &Path, agent: Agent, scope: Scope) -> anyhow::Result<PathBuf> {
    let home = match scope {
        Scope::Project => return Ok(hooks::config_path(root, agent)),
        Scope::User if agent == Agent::Codex => {
            return Ok(install::codex_home()?.join("hooks.json"))
        }
        Scope::User => install::home()?,
    };
    // The user's files sit where the project's do, under the home directory.
    Ok(hooks::config_path(&home, agent))
}

/// Writes ctx's hook entries into the agent's configuration file: nothing when they are
/// already exactly there; otherwise ctx's older entries (another path, an older version)
/// are replaced and everything else is kept.
fn install_agent(
    root: &Path,
    agent: Agent,
    scope: Scope,
    exe: &Path,
) -> anyhow::Result<(PathBuf, Installed, Option<PathBuf>)> {
    let path = config_file(root, agent, scope)?;
    let file = ConfigFile::read(&path)?;
    let doc = Document::parse(file.text(), &path)?;
    let wanted = hooks::entries(agent, exe);
    let current = object(&doc);
    if hooks::up_to_date(agent, &current, &wanted) {
        return Ok((path, Installed::Unchanged, None));
    }
    let replaced = !hooks::installed(agent, &current).is_empty();
    remove_from(&doc, agent);
    let top = doc.object();
    if agent == Agent::Cursor && top.get("version").is_none() {
        top.append("version", jsonc::input(&json!(1)));
    }
    let lists = jsonc::object_at(&top, "hooks", &path)?;
    for entry in &wanted {
        let list = lists.array_value_or_create(entry.event).ok_or_else(|| {
            anyhow::anyhow!(
                "{}: hooks.{} is not a list; fix it by hand first",
                path.display(),
                entry.event
            )
        })?;
        list.append(entry_value(entry, agent));
    }
    let outcome = match (&file.text, replaced) {
        (None, _) => Installed::Created,
        (Some(_), true) => Installed::Updated,
        (Some(_), false) => Installed::Added,
    };
    let backup = install::write_install(&file, COMPONENT, &doc.text(), None)?;
    Ok((path, outcome, backup))
}

/// Removes ctx's hook entries from the agent's configuration file.
fn uninstall_agent(
    root: &Path,
    agent: Agent,
    scope: Scope,
) -> anyhow::Result<(PathBuf, Uninstalled)> {
    let path = config_file(root, agent, scope)?;
    let file = ConfigFile::read(&path)?;
    let scaffold = if agent == Agent::Cursor {
        json!({"version": 1})
    } else {
        json!({})
    };
    let outcome = install::uninstall(
        &file,
        COMPONENT,
        |text| remove_ctx_hooks(text, &path, agent),
        |text| jsonc::only_scaffold(text, &scaffold),
    )?;
    Ok((path, outcome))
}

/// The document's top-level object as plain JSON.
fn object(doc: &Document) -> Map<String, Value> {
    match doc.value() {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The text without ctx's hook entries, or `None` when it has none.
fn remove_ctx_hooks(text: &str, path: &Path, agent: Agent) -> anyhow::Result<Option<String>> {
    let doc = Document::parse(text, path)?;
    Ok(remove_from(&doc, agent).then(|| doc.text()))
}

/// Removes ctx's hooks from `doc`, and the lists, groups and `hooks` object left empty by
/// that; true when there were any.
fn remove_from(doc: &Document, agent: Agent) -> bool {
    let top = doc.object();
    let Some(lists) = top.get("hooks").and_then(|p| p.object_value()) else {
        return false;
    };
    let mut changed = false;
    for &(event, _, _) in hooks::events(agent) {
        let Some(list) = lists.array_value(event) else {
            continue;
        };
        let mut removed_here = false;
        for element in list.elements() {
            let Some(group) = element.to_serde_value() else {
                continue;
            };
            if is_ctx_hook(&group) || only_ctx_hooks(&group) {
                element.remove();
                removed_here = true;
            } else if has_ctx_hook(&group) {
                let inner = element
                    .as_object()
                    .and_then(|o| o.array_value("hooks"))
                    .map(|a| a.elements())
                    .unwrap_or_default();
                for hook in inner {
                    if hook.to_serde_value().is_some_and(|h| is_ctx_hook(&h)) {
                        hook.remove();
                        removed_here = true;
                    }
                }
            }
        }
        if removed_here && list.elements().is_empty() {
            if let Some(prop) = lists.get(event) {
                prop.remove();
            }
        }
        changed |= removed_here;
    }
    if changed && lists.properties().is_empty() {
        if let Some(prop) = top.get("hooks") {
            prop.remove();
        }
    }
    changed
}

/// One hook entry in `agent`'s format, keys in the order the agents' docs show them.
fn entry_value(entry: &HookEntry, agent: Agent) -> CstInputValue {
    let text = |t: &str| CstInputValue::String(t.to_string());
    if agent == Agent::Cursor {
        return jsonc::ordered(vec![("command", text(&entry.command))]);
    }
    let mut handler = vec![("type", text("command")), ("command", text(&entry.command))];
    if let Some(timeout) = entry.timeout {
        handler.push(("timeout", CstInputValue::Number(timeout.to_string())));
    }
    let handlers = ("hooks", CstInputValue::Array(vec![jsonc::ordered(handler)]));
    match entry.matcher {
        Some(matcher) => jsonc::ordered(vec![("matcher", text(matcher)), handlers]),
        None => jsonc::ordered(vec![handlers]),
    }
}

/// A hook handler (or Cursor's flat entry) whose command runs ctx's hook mode.
fn is_ctx_hook(value: &Value) -> bool {
    value
        .get("command")
        .and_then(Value::as_str)
        .is_some_and(hooks::is_ctx_command)
}

/// A hook entry, or a group of them, that runs ctx.
fn has_ctx_hook(group: &Value) -> bool {
    is_ctx_hook(group)
        || group
            .get("hooks")
            .and_then(Value::as_array)
            .is_some_and(|hs| hs.iter().any(is_ctx_hook))
}

/// A group whose hooks are all ctx's.
fn only_ctx_hooks(group: &Value) -> bool {
    group
        .get("hooks")
        .and_then(Value::as_array)
        .is_some_and(|hs| !hs.is_empty() && hs.iter().all(is_ctx_hook))
}

// ---------------------------------------------------------------------------------------------
// Status

/// The state of ctx's hooks for one agent (or git) in one configuration file: the `data`
/// of a `hook` record.
#[derive(Debug, Serialize)]
struct TargetStatus {
    /// claude, codex, gemini, cursor or git.
    target: &'static str,
    /// The project's file or the user's.
    scope: Scope,
    /// The configuration file (git: the pre-commit hook).
    config: PathBuf,
    /// Events with a ctx hook.
    events: Vec<&'static str>,
    /// Events ctx installs that have none (an older or partial install).
    missing: Vec<&'static str>,
    /// Events whose ctx hook watches other tools than this ctx installs (an older install:
    /// the read tools, say, go unchecked until it is installed again).
    outdated: Vec<&'static str>,
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
        let project = hooks::config_path(&root, agent);
        all.push(agent_status(&root, agent, Scope::Project, &project)?);
        // The user's file is reported when it holds ctx's hooks (no HOME: nothing to read).
        if let Some(user) = config_file(&root, agent, Scope::User)
            .ok()
            .filter(|user| *user != project)
        {
            let status = agent_status(&root, agent, Scope::User, &user)?;
            if status.installed() {
                all.push(status);
            }
        }
    }
    all.push(git_status(&root)?);
    let installed = all.iter().filter(|s| s.installed()).count();
    let broken = all.iter().filter(|s| s.installed() && !s.ok).count();
    if global.json {
        for target in &all {
            output::record("hook", target)?;
        }
        output::summary(&json!({"root": root, "installed": installed, "broken": broken}))?;
    } else {
        print_status(&all, &root)?;
    }
    Ok(if broken > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn agent_status(
    root: &Path,
    agent: Agent,
    scope: Scope,
    config: &Path,
) -> anyhow::Result<TargetStatus> {
    let file = ConfigFile::read(config)?;
    let found = hooks::installed(agent, &object(&Document::parse(file.text(), config)?));
    let mut events: Vec<&'static str> = found.iter().map(|f| f.event).collect();
    events.dedup();
    let missing: Vec<&'static str> = hooks::events(agent)
        .iter()
        .map(|e| e.0)
        .filter(|e| !events.contains(e))
        .collect();
    let outdated: Vec<&'static str> = hooks::events(agent)
        .iter()
        .filter(|(event, matcher, _)| {
            let mine: Vec<_> = found.iter().filter(|f| f.event == *event).collect();
            !mine.is_empty() && mine.iter().all(|f| f.matcher.as_deref() != *matcher)
        })
        .map(|e| e.0)
        .collect();
    let ctx = probes(found.iter().map(|f| f.command.as_str()));
    let trust = (!found.is_empty()).then(|| trust::trust(agent, root, config, &found));
    let trusted = trust
        .as_ref()
        .is_some_and(|t| matches!(t.state, TrustState::Trusted | TrustState::NotRequired));
    let runs = ctx.iter().all(|p| p.runs && p.absolute);
    let flag = match scope {
        Scope::Project => "",
        Scope::User => " --user",
    };
    let next = if found.is_empty() {
        Some(format!("ctx hook install {}{flag}", agent.name()))
    } else if !runs || !missing.is_empty() || !outdated.is_empty() {
        Some(format!(
            "run `ctx hook install {}{flag}` again with a working ctx",
            agent.name()
        ))
    } else if !trusted {
        hooks::trust_step(agent, root, config)
    } else {
        None
    };
    // Claude Code runs project hooks in `claude -p` without the trust dialog: an untrusted
    // folder is reported, not counted as broken.
    let ok =
        runs && missing.is_empty() && outdated.is_empty() && (trusted || agent == Agent::Claude);
    Ok(TargetStatus {
        target: agent.name(),
        scope,
        config: config.to_path_buf(),
        events,
        missing,
        outdated,
        ctx,
        trust,
        next,
        ok,
    })
}

/// Probes each distinct binary the commands call.
fn probes<'a>(commands: impl Iterator<Item = &'a str>) -> Vec<Probe> {
    let mut binaries: Vec<String> = commands.filter_map(hooks::binary).collect();
    binaries.sort();
    binaries.dedup();
    binaries.iter().map(|b| hooks::probe(b)).collect()
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
        scope: Scope::Project,
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
        outdated: Vec::new(),
        next: (!ok).then(|| "ctx hook install git".to_string()),
        ctx,
        trust: None,
        ok,
    })
}

fn print_status(all: &[TargetStatus], root: &Path) -> anyhow::Result<()> {
    for s in all {
        let label = match s.scope {
            Scope::Project => s.target.to_string(),
            Scope::User => format!("{} (user)", s.target),
        };
        if !s.installed() {
            outln!(
                "{label:<7} not installed ({})",
                s.next.as_deref().unwrap_or_default()
            )?;
            continue;
        }
        let mut events = format!("{} events", s.events.len());
        if !s.missing.is_empty() {
            events.push_str(&format!(", missing {}", s.missing.join(", ")));
        }
        if !s.outdated.is_empty() {
            events.push_str(&format!(
                ", older tool matchers on {}",
                s.outdated.join(", ")
            ));
        }
        outln!(
            "{label:<7} installed in {} ({events})",
            install::shown(&s.config, root)
        )?;
        for probe in &s.ctx {
            let state = match (probe.runs, probe.absolute) {
                (true, true) => format!("runs: {}", probe.detail),
                (true, false) => "not an absolute path: the hooks depend on the agent's PATH and do not fail closed".to_string(),
                (false, _) => format!("does not run ({}): every checked action is refused", probe.detail),
            };
            outln!("        ctx {}: {state}", probe.path)?;
        }
        if let Some(trust) = &s.trust {
            let state = serde_json::to_value(trust.state).ok();
            let state = state.as_ref().and_then(Value::as_str).unwrap_or("unknown");
            outln!("        trust: {state}: {}", trust.detail)?;
        }
        if let Some(next) = &s.next {
            outln!("        next: {next}")?;
        }
    }
    Ok(())
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

    const USER_SETTINGS: &str = r#"{
  // my own guard
  "permissions": {"allow": ["Bash(ls)"]},
  "hooks": {
    "PreToolUse": [
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "my-guard"}]},
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "ctx check --hook claude"}]}
    ]
  },
  "model": "opus"
}
"#;

    /// What `install_agent` does to the text, without the files around it.
    fn install_into(text: &str, agent: Agent, exe: &Path) -> String {
        let doc = Document::parse(text, Path::new("s.json")).unwrap();
        remove_from(&doc, agent);
        let lists = jsonc::object_at(&doc.object(), "hooks", Path::new("s.json")).unwrap();
        for entry in hooks::entries(agent, exe) {
            let list = lists.array_value_or_create(entry.event).unwrap();
            list.append(entry_value(&entry, agent));
        }
        doc.text()
    }

    #[test]
    fn an_older_ctx_entry_is_replaced_beside_the_users_and_removed_exactly() {
        let exe = Path::new("/usr/local/bin/ctx");
        let installed = install_into(USER_SETTINGS, Agent::Claude, exe);
        assert!(
            installed.starts_with("{\n  // my own guard\n  \"permissions\""),
            "{installed}"
        );
        let value = object(&Document::parse(&installed, Path::new("s")).unwrap());
        let wanted = hooks::entries(Agent::Claude, exe);
        assert!(
            hooks::up_to_date(Agent::Claude, &value, &wanted),
            "{installed}"
        );
        assert_eq!(value["hooks"]["PreToolUse"].as_array().unwrap().len(), 2);
        assert_eq!(
            value["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
            "my-guard"
        );
        assert_eq!(value["model"], "opus");
        let removed = remove_ctx_hooks(&installed, Path::new("s"), Agent::Claude)
            .unwrap()
            .unwrap();
        let value = Document::parse(&removed, Path::new("s")).unwrap().value();
        assert_eq!(
            value["hooks"],
            json!({"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "my-guard"}]}]})
        );
        assert!(removed.contains("// my own guard"));
        assert!(remove_ctx_hooks(&removed, Path::new("s"), Agent::Claude)
            .unwrap()
            .is_none());
    }

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
