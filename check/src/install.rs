//! What `ctx hook install` writes: per agent, the events ctx listens to, their tool matchers
//! and the command each runs.
//!
//! Every command calls ctx by absolute path and fails closed: when ctx is missing or broken
//! (any non-zero exit: not found, a crash, a signal) the command itself answers. A pre-tool
//! check then refuses the action with a reason the model reads (exit 2 and stderr, which
//! Claude Code, Codex and Gemini CLI all treat as a block; Cursor gets a `deny` answer); a
//! session or prompt event tells the user the rules were not loaded; the events that follow
//! tool calls and model requests go on silently. ctx's own errors never reach that fallback:
//! hook mode answers them per `[check] on_error`.

use crate::Agent;
use serde::Serialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// What a hook entry is for, which decides what its command does when ctx cannot run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A pre-tool check: refuse the action.
    Check,
    /// Session start, prompts, sub-agents: tell the user the rules were not loaded.
    Context,
    /// After a tool call or before a model request: reminders only, go on silently.
    Follow,
}

/// One hook entry in an agent's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookEntry {
    /// The event (`PreToolUse`, `BeforeTool`…).
    pub event: &'static str,
    /// The tool matcher, for events that have one.
    pub matcher: Option<&'static str>,
    /// What the entry is for.
    pub role: Role,
    /// The shell command.
    pub command: String,
    /// The timeout in the agent's unit (seconds; Gemini: milliseconds); `None` for Cursor.
    pub timeout: Option<u64>,
}

/// Seconds an agent waits for ctx before giving up on a hook (the daemon answers within 5).
const TIMEOUT_SECONDS: u64 = 30;

/// Claude Code's tools that change or read files, checked before they run.
const CLAUDE_CHECKED: &str = "Bash|Edit|Write|MultiEdit|NotebookEdit|Read|Grep|mcp__.*";
/// Claude Code's tools after which scoped reminders may follow (reads and searches too).
const CLAUDE_FOLLOWED: &str = "Bash|Read|Edit|Write|MultiEdit|NotebookEdit|Grep|Glob|mcp__.*";
/// Codex's tools checked before they run and followed after.
const CODEX_TOOLS: &str = "Bash|apply_patch|Edit|Write|mcp__.*";
/// Gemini CLI's tools that change or read files.
const GEMINI_CHECKED: &str = "run_shell_command|write_file|replace|read_file|read_many_files|grep_search|search_file_content|mcp_.*";
/// Gemini CLI's tools after which warnings and scoped reminders reach the model.
const GEMINI_FOLLOWED: &str = "run_shell_command|write_file|replace|read_file|read_many_files|glob|grep_search|search_file_content|list_directory|mcp_.*";

/// The events, matchers and roles ctx installs for `agent`.
pub fn events(agent: Agent) -> &'static [(&'static str, Option<&'static str>, Role)] {
    match agent {
        Agent::Claude => &[
            ("PreToolUse", Some(CLAUDE_CHECKED), Role::Check),
            ("PostToolUse", Some(CLAUDE_FOLLOWED), Role::Follow),
            ("SessionStart", None, Role::Context),
            ("UserPromptSubmit", None, Role::Context),
            ("SubagentStart", None, Role::Context),
        ],
        Agent::Codex => &[
            ("PreToolUse", Some(CODEX_TOOLS), Role::Check),
            ("PostToolUse", Some(CODEX_TOOLS), Role::Follow),
            ("SessionStart", None, Role::Context),
            ("UserPromptSubmit", None, Role::Context),
            ("SubagentStart", None, Role::Context),
        ],
        Agent::Gemini => &[
            ("BeforeTool", Some(GEMINI_CHECKED), Role::Check),
            ("AfterTool", Some(GEMINI_FOLLOWED), Role::Follow),
            ("SessionStart", None, Role::Context),
            ("BeforeAgent", None, Role::Context),
            ("BeforeModel", None, Role::Follow),
        ],
        Agent::Cursor => &[
            ("beforeShellExecution", None, Role::Check),
            ("beforeMCPExecution", None, Role::Check),
            ("beforeReadFile", None, Role::Check),
        ],
    }
}

/// The hook entries for `agent`, calling the ctx binary at `ctx` (absolute).
pub fn entries(agent: Agent, ctx: &Path) -> Vec<HookEntry> {
    events(agent)
        .iter()
        .map(|&(event, matcher, role)| HookEntry {
            event,
            matcher,
            role,
            command: command(agent, ctx, role),
            timeout: match agent {
                Agent::Cursor => None,
                Agent::Gemini => Some(TIMEOUT_SECONDS * 1000),
                Agent::Claude | Agent::Codex => Some(TIMEOUT_SECONDS),
            },
        })
        .collect()
}

/// The shell command of one entry: ctx by absolute path, and what to answer when it cannot
/// run (see the module docs).
pub fn command(agent: Agent, ctx: &Path, role: Role) -> String {
    let name = agent.name();
    let call = format!(
        "{} check --hook {name}",
        shell_quote(&ctx.to_string_lossy())
    );
    let reinstall = format!("reinstall ctx, then run: ctx hook install {name}");
    match (role, agent) {
        (Role::Check, Agent::Cursor) => format!(
            "{call} || {{ echo '{{\"permission\":\"deny\",\"user_message\":\"ctx could not run: action refused\",\"agent_message\":\"ctx could not run, so this action is refused (its hooks fail closed); ask the user to {reinstall}\"}}'; exit 0; }}"
        ),
        (Role::Check, _) => format!(
            "{call} || {{ echo \"ctx could not run (exit status $?), so this action is refused: its hooks fail closed. Ask the user to {reinstall}\" >&2; exit 2; }}"
        ),
        (Role::Context, _) => format!(
            "{call} || echo '{{\"systemMessage\":\"ctx could not run: the project rules were not loaded into this session; {reinstall}\"}}'"
        ),
        (Role::Follow, _) => format!("{call} || true"),
    }
}

/// True for a hook command ctx installed (this version's or an older bare `ctx check --hook`),
/// calling `ctx` or the hook binary.
pub fn is_ctx_command(command: &str) -> bool {
    let Some(binary) = binary(command) else {
        return false;
    };
    let named_ctx = Path::new(&binary).file_name().is_some_and(|name| {
        name == "ctx"
            || name == HOOK_BINARY
            || name.to_str() == Some(&format!("{HOOK_BINARY}{}", std::env::consts::EXE_SUFFIX))
    });
    named_ctx && command.contains(" check --hook ")
}

/// The name of the hook binary: `ctx check --hook` alone, without the rest of ctx, so that
/// the fresh process an agent starts for each hook event starts fast (cli/hook_main.rs).
pub const HOOK_BINARY: &str = "ctx-hook";

/// The binary installed hook commands call for the `ctx` binary at `ctx`: the hook binary
/// beside it when there is one (built and installed with ctx), else `ctx` itself, which
/// answers the same `check --hook AGENT` arguments the same way.
pub fn hook_binary(ctx: &Path) -> PathBuf {
    let beside = ctx.with_file_name(format!("{HOOK_BINARY}{}", std::env::consts::EXE_SUFFIX));
    if beside.is_file() {
        beside
    } else {
        ctx.to_path_buf()
    }
}

/// The ctx binary a hook command calls: its first shell word, unquoted.
pub fn binary(command: &str) -> Option<String> {
    let text = command.trim_start();
    if !text.starts_with('\'') {
        return text.split_whitespace().next().map(String::from);
    }
    let mut word = String::new();
    let mut rest = &text[1..];
    loop {
        let end = rest.find('\'')?;
        word.push_str(&rest[..end]);
        rest = &rest[end + 1..];
        match rest.strip_prefix("\\''") {
            Some(after) => {
                word.push('\'');
                rest = after;
            }
            None => return Some(word),
        }
    }
}

/// A ctx hook found in an agent's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Installed {
    /// The event it listens to.
    pub event: &'static str,
    /// Its position: the matcher group in the event's list…
    pub group: usize,
    /// …and the handler in that group.
    pub handler: usize,
    /// The group's matcher.
    pub matcher: Option<String>,
    /// The command.
    pub command: String,
    /// The timeout as written.
    pub timeout: Option<u64>,
}

/// The ctx hooks in `config` (an agent's configuration), for the events ctx installs.
pub fn installed(agent: Agent, config: &Map<String, Value>) -> Vec<Installed> {
    let mut found = Vec::new();
    for &(event, _, _) in events(agent) {
        let groups = config
            .get("hooks")
            .and_then(|h| h.get(event))
            .and_then(Value::as_array);
        for (group, value) in groups.into_iter().flatten().enumerate() {
            let handlers: Vec<&Value> = match value.get("hooks").and_then(Value::as_array) {
                Some(list) => list.iter().collect(),
                None => vec![value],
            };
            for (handler, hook) in handlers.into_iter().enumerate() {
                let Some(command) = hook.get("command").and_then(Value::as_str) else {
                    continue;
                };
                if is_ctx_command(command) {
                    found.push(Installed {
                        event,
                        group,
                        handler,
                        matcher: value
                            .get("matcher")
                            .and_then(Value::as_str)
                            .map(String::from),
                        command: command.to_string(),
                        timeout: hook.get("timeout").and_then(Value::as_u64),
                    });
                }
            }
        }
    }
    found
}

/// Whether the ctx hooks in `config` are exactly `entries` (same events, matchers, commands
/// and timeouts, nothing more). An install then leaves the file alone: rewriting hooks that
/// are already right would move them, and Codex keys its trust by position.
pub fn up_to_date(agent: Agent, config: &Map<String, Value>, entries: &[HookEntry]) -> bool {
    let present = installed(agent, config);
    present.len() == entries.len()
        && entries.iter().all(|e| {
            present.iter().any(|p| {
                p.event == e.event
                    && p.matcher.as_deref() == e.matcher
                    && p.command == e.command
                    && p.timeout == e.timeout
            })
        })
}

/// What a hook command's ctx binary does when asked its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    /// The binary, as the hooks name it.
    pub path: String,
    /// It is an absolute path (a bare `ctx` depends on the agent's PATH).
    pub absolute: bool,
    /// `--version` ran and exited 0.
    pub runs: bool,
    /// What `--version` printed, or why it did not run.
    pub detail: String,
}

/// Runs `binary --version`.
pub fn probe(binary: &str) -> Probe {
    let (runs, detail) = match std::process::Command::new(binary)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => (
            true,
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
        ),
        Ok(out) => (false, format!("--version exited with {}", out.status)),
        Err(e) => (false, e.to_string()),
    };
    Probe {
        path: binary.to_string(),
        absolute: Path::new(binary).is_absolute(),
        runs,
        detail,
    }
}

/// `text` as one single-quoted shell word.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The agent's project configuration file under `root`.
pub fn config_path(root: &Path, agent: Agent) -> PathBuf {
    match agent {
        Agent::Claude => root.join(".claude/settings.json"),
        Agent::Codex => root.join(".codex/hooks.json"),
        Agent::Gemini => root.join(".gemini/settings.json"),
        Agent::Cursor => root.join(".cursor/hooks.json"),
    }
}

/// Why `exe` is a fragile place for hooks to call ctx at: inside a temporary folder or a
/// build folder, where a clean or a reboot removes it (and every hook then refuses).
pub fn fragile_location(exe: &Path) -> Option<&'static str> {
    let temporary = [
        std::env::temp_dir(),
        PathBuf::from("/tmp"),
        PathBuf::from("/var/tmp"),
    ];
    if temporary.iter().any(|dir| exe.starts_with(dir)) {
        return Some("a temporary folder");
    }
    let parts: Vec<String> = exe
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let cargo_target = parts
        .windows(2)
        .any(|w| w[0] == "target" && matches!(w[1].as_str(), "debug" | "release"));
    cargo_target.then_some("a cargo build folder (target/)")
}

/// What the user must do before `agent` runs the hooks installed in `hooks_file`: the
/// project's file under `root` ([`config_path`]) or the user's own (which applies in every
/// folder; only Codex reviews those too).
pub fn trust_step(agent: Agent, root: &Path, hooks_file: &Path) -> Option<String> {
    if hooks_file != config_path(root, agent) {
        return (agent == Agent::Codex).then(|| format!(
            "Codex runs hooks only once you trust them (and again after every change to {}): run `codex` and choose \"Trust all and continue\" when it shows \"Hooks need review\". `codex exec` in CI can pass --dangerously-bypass-hook-trust.",
            hooks_file.display()
        ));
    }
    let root = root.display();
    match agent {
        Agent::Codex => Some(format!(
            "Codex runs project hooks only once you trust them (and again after every change to .codex/hooks.json): run `codex` in {root} and choose \"Trust all and continue\" when it shows \"Hooks need review\"; the folder itself must be trusted too. `codex exec` in CI can pass --dangerously-bypass-hook-trust."
        )),
        Agent::Gemini => Some(format!(
            "Gemini CLI runs project hooks only in a trusted folder: run `gemini` in {root} and choose \"Trust folder\" (it is recorded in ~/.gemini/trustedFolders.json)."
        )),
        Agent::Claude => Some(format!(
            "Claude Code asks once whether you trust {root}; accept it (run `claude` there interactively) so its project settings, hooks included, apply."
        )),
        Agent::Cursor => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn commands_call_ctx_by_absolute_path_and_are_recognised() {
        let ctx = Path::new("/opt/it's here/ctx");
        for agent in Agent::ALL {
            for entry in entries(agent, ctx) {
                assert!(is_ctx_command(&entry.command), "{}", entry.command);
                assert_eq!(
                    binary(&entry.command).as_deref(),
                    Some("/opt/it's here/ctx")
                );
            }
        }
        assert!(is_ctx_command("ctx check --hook claude"));
        assert!(is_ctx_command(
            "'/opt/bin/ctx-hook' check --hook gemini || true"
        ));
        assert!(!is_ctx_command("my-guard check --hook claude"));
        assert!(!is_ctx_command("'/usr/bin/ctx' index ."));
    }

    #[test]
    fn hooks_call_the_hook_binary_beside_ctx_when_it_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = dir.path().join("ctx");
        std::fs::write(&ctx, "").unwrap();
        assert_eq!(
            hook_binary(&ctx),
            ctx,
            "no hook binary: ctx answers hooks itself"
        );
        let hook = dir.path().join(HOOK_BINARY);
        std::fs::write(&hook, "").unwrap();
        assert_eq!(hook_binary(&ctx), hook);
    }

    /// Runs `command` with `sh -c` and returns (stdout, stderr, exit code).
    fn run(command: &str) -> (String, String, i32) {
        let out = std::process::Command::new("sh")
            .args(["-c", command])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap_or(-1),
        )
    }

    #[test]
    fn a_missing_ctx_refuses_pre_tool_actions_and_says_so_elsewhere() {
        let missing = Path::new("/nonexistent/ctx-hooks-test/ctx");
        let (_, stderr, code) = run(&command(Agent::Claude, missing, Role::Check));
        assert_eq!(code, 2);
        assert!(stderr.contains("exit status 127"), "{stderr}");
        assert!(stderr.contains("refused"), "{stderr}");
        let (stdout, _, code) = run(&command(Agent::Cursor, missing, Role::Check));
        assert_eq!(code, 0);
        let answer: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(answer["permission"], "deny");
        let (stdout, _, code) = run(&command(Agent::Codex, missing, Role::Context));
        assert_eq!(code, 0);
        let answer: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        assert!(answer["systemMessage"]
            .as_str()
            .unwrap()
            .contains("not loaded"));
        let (stdout, _, code) = run(&command(Agent::Gemini, missing, Role::Follow));
        assert_eq!((stdout.as_str(), code), ("", 0));
    }

    #[test]
    fn installed_finds_ctx_hooks_old_and_new_and_up_to_date_wants_exactly_these() {
        let ctx = Path::new("/usr/local/bin/ctx");
        let wanted = entries(Agent::Claude, ctx);
        let group = |e: &HookEntry| {
            let mut group =
                json!({"hooks": [{"type": "command", "command": e.command, "timeout": e.timeout}]});
            if let Some(matcher) = e.matcher {
                group["matcher"] = json!(matcher);
            }
            group
        };
        let mut config: Map<String, Value> = serde_json::from_value(json!({
            "hooks": {"PreToolUse": [
                {"matcher": "Bash", "hooks": [{"type": "command", "command": "my-guard"}]},
                {"matcher": "Bash", "hooks": [{"type": "command", "command": "ctx check --hook claude"}]}
            ]}
        }))
        .unwrap();
        let found = installed(Agent::Claude, &config);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].group, found[0].handler), (1, 0));
        assert!(!up_to_date(Agent::Claude, &config, &wanted));
        let mut hooks = Map::new();
        for e in &wanted {
            hooks.insert(e.event.to_string(), json!([group(e)]));
        }
        config.insert("hooks".into(), Value::Object(hooks));
        assert!(up_to_date(Agent::Claude, &config, &wanted));
        let moved = entries(Agent::Claude, Path::new("/opt/other/ctx"));
        assert!(!up_to_date(Agent::Claude, &config, &moved));
    }

    #[test]
    fn build_and_temporary_folders_are_fragile() {
        assert!(fragile_location(Path::new("/home/u/proj/target/release/ctx")).is_some());
        assert!(fragile_location(&std::env::temp_dir().join("x/ctx")).is_some());
        assert_eq!(fragile_location(Path::new("/usr/local/bin/ctx")), None);
        assert_eq!(fragile_location(Path::new("/home/u/.cargo/bin/ctx")), None);
    }
}
