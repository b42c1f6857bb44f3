//! Agent hook protocols: reading each agent's hook JSON into a [`HookEvent`] and writing the
//! verdict back in that agent's protocol. One file per agent; the tables there are the only
//! place a protocol detail lives.

pub mod claude;
pub mod codex;
pub mod cursor;
pub mod gemini;

use crate::{Action, Answer, HookEvent, ModelMessage};
use ctx_engine::check::Verdict;
use serde_json::Value;
use std::path::PathBuf;

/// The agents ctx speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    /// Claude Code.
    Claude,
    /// OpenAI Codex CLI.
    Codex,
    /// Gemini CLI.
    Gemini,
    /// Cursor.
    Cursor,
}

impl Agent {
    /// Every agent, in the order of [`Agent::NAMES`].
    pub const ALL: [Agent; 4] = [Agent::Claude, Agent::Codex, Agent::Gemini, Agent::Cursor];
    /// The agents' names, as `--hook` takes them.
    pub const NAMES: [&'static str; 4] = ["claude", "codex", "gemini", "cursor"];

    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
            Agent::Cursor => "cursor",
        }
    }

    /// The agent that really sent `input`: Codex also answers to `--hook claude` and is told
    /// apart by its `turn_id`.
    pub fn detect(self, input: &Value) -> Agent {
        if self == Agent::Claude && input.get("turn_id").is_some() {
            Agent::Codex
        } else {
            self
        }
    }
}

impl std::str::FromStr for Agent {
    type Err = String;

    fn from_str(name: &str) -> Result<Agent, String> {
        Agent::ALL
            .into_iter()
            .find(|agent| agent.name() == name)
            .ok_or_else(|| {
                format!(
                    "unknown agent {name:?}: use one of {}",
                    Agent::NAMES.join(", ")
                )
            })
    }
}

/// Parses a hook payload from `agent`.
pub fn parse_event(agent: Agent, input: &Value) -> crate::Result<HookEvent> {
    let object = input.as_object().ok_or_else(|| {
        crate::Error::Input(format!(
            "the hook input is not a JSON object (got {}): check the hook configuration",
            kind_of(input)
        ))
    })?;
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(String::from);
    let event_name = text("hook_event_name").unwrap_or_default();
    let session = text("session_id").or_else(|| text("conversation_id"));
    let cwd = text("cwd")
        .or_else(|| {
            object
                .get("workspace_roots")
                .and_then(|r| r.get(0))
                .and_then(Value::as_str)
                .map(String::from)
        })
        .map(PathBuf::from);
    let kind = match agent {
        Agent::Claude => claude::event_kind(&event_name, input)?,
        Agent::Codex => codex::event_kind(&event_name, input)?,
        Agent::Gemini => gemini::event_kind(&event_name, input)?,
        Agent::Cursor => cursor::event_kind(&event_name, input)?,
    };
    Ok(HookEvent {
        agent,
        event_name,
        session,
        cwd,
        kind,
    })
}

/// An event whose payload could not be read, as far as its name tells: `None` for a
/// pre-tool event or one with no name (its fault is answered as a pre-tool answer, per
/// `on_error`), else the event with nothing to decide, so that its fault is a notice for
/// the user and never blocks a prompt or a model request. Cursor's events are all taken as
/// pre-tool ones.
pub fn unparsed_event(agent: Agent, input: &Value) -> Option<HookEvent> {
    let name = input.get("hook_event_name").and_then(Value::as_str)?;
    if name.is_empty() || agent == Agent::Cursor || name == pre_tool_event(agent) {
        return None;
    }
    let text = |key: &str| input.get(key).and_then(Value::as_str).map(String::from);
    Some(HookEvent {
        agent,
        event_name: name.to_string(),
        session: text("session_id"),
        cwd: text("cwd").map(PathBuf::from),
        kind: crate::EventKind::Other,
    })
}

/// The answer to a tool event in `agent`'s protocol.
pub fn tool_answer(agent: Agent, event: &HookEvent, verdict: &Verdict) -> Answer {
    match agent {
        Agent::Claude => claude::tool_answer(&event.event_name, verdict),
        Agent::Codex => codex::tool_answer(&event.event_name, verdict),
        Agent::Gemini => gemini::tool_answer(verdict),
        Agent::Cursor => cursor::tool_answer(&event.event_name, verdict),
    }
}

/// The answer to a session-start, prompt or sub-agent-start event, carrying `context` (the
/// anchors) if any.
pub fn context_answer(agent: Agent, event: &HookEvent, context: Option<&str>) -> Answer {
    match agent {
        Agent::Claude => claude::context_answer(&event.event_name, context),
        Agent::Codex => codex::context_answer(&event.event_name, context),
        Agent::Gemini => gemini::context_answer(&event.event_name, context),
        Agent::Cursor => cursor::context_answer(&event.event_name, context),
    }
}

/// The answer after a tool ran, carrying the rules for what it touched. Claude Code, Codex
/// (`PostToolUse`) and Gemini CLI (`AfterTool`) give that context to the model, all three as
/// `hookSpecificOutput.additionalContext`; Cursor has no such event, so it stays silent.
pub fn reminder_answer(agent: Agent, event: &HookEvent, reminders: Option<&str>) -> Answer {
    match (agent, reminders) {
        (Agent::Claude | Agent::Codex | Agent::Gemini, Some(text)) => {
            Answer::json(serde_json::json!({
                "hookSpecificOutput": {"hookEventName": event.event_name, "additionalContext": text}
            }))
        }
        _ => Answer::silent(),
    }
}

/// The answer to a model request (Gemini CLI's BeforeModel): the request's first message
/// rewritten to `first` when ctx restores the anchors, nothing otherwise. The other agents
/// have no such event (Claude Code and Codex send SessionStart after a compaction).
pub fn model_request_answer(agent: Agent, first: Option<&ModelMessage>) -> Answer {
    match agent {
        Agent::Gemini => gemini::model_request_answer(first),
        _ => Answer::silent(),
    }
}

/// True when `agent` shows a pre-tool warning to the user but never gives it to the model:
/// Gemini CLI reads `additionalContext` from SessionStart, BeforeAgent and AfterTool only, so
/// ctx keeps a BeforeTool warning and sends it with the AfterTool answer of the same call.
/// Claude Code and Codex give the model a PreToolUse answer's `additionalContext`; Cursor
/// has no after-tool event to carry it to.
pub fn warns_after_tool(agent: Agent) -> bool {
    agent == Agent::Gemini
}

/// True when a session-start event says the model's context was compacted or cleared
/// (`source`: `compact`, `clear`), not a new or resumed session.
pub fn fresh_context(input: &Value) -> bool {
    matches!(
        input.get("source").and_then(Value::as_str),
        Some("compact" | "clear")
    )
}

/// A message for the user about an event ctx could not handle (no decision, no context).
pub fn notice_answer(agent: Agent, event: &HookEvent, text: &str) -> Answer {
    match agent {
        Agent::Cursor => cursor::context_answer(&event.event_name, None),
        _ => Answer::json(serde_json::json!({ "systemMessage": text })),
    }
}

/// The name of the agent's pre-tool event, for answers to input that named none.
pub fn pre_tool_event(agent: Agent) -> &'static str {
    match agent {
        Agent::Claude | Agent::Codex => "PreToolUse",
        Agent::Gemini => "BeforeTool",
        Agent::Cursor => "beforeShellExecution",
    }
}

/// The tool input object of an event (`tool_input`), or an empty object.
pub fn tool_input(input: &Value) -> &Value {
    static EMPTY: Value = Value::Null;
    input.get("tool_input").unwrap_or(&EMPTY)
}

/// A string field of a JSON object.
pub fn string_field(value: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| value.get(*k).and_then(Value::as_str))
        .map(String::from)
}

/// Reads the command, file and patch arguments an MCP tool call carries, if any.
pub fn mcp_action(tool: &str, arguments: &Value) -> Action {
    let mut actions = Vec::new();
    collect_mcp(arguments, &mut actions, 0);
    match actions.len() {
        0 => Action::Unchecked(tool.to_string()),
        1 => actions.pop().unwrap_or(Action::Unchecked(tool.to_string())),
        _ => Action::Many(actions),
    }
}

fn collect_mcp(value: &Value, into: &mut Vec<Action>, depth: usize) {
    if depth > 4 {
        return;
    }
    match value {
        Value::Object(map) => {
            let get = |keys: &[&str]| string_field(value, keys);
            if let Some(command) = get(&["command", "cmd", "script", "shell_command"]) {
                if command.trim_start().starts_with("*** Begin Patch") {
                    into.push(Action::Patch(command));
                } else {
                    into.push(Action::Command {
                        command,
                        dir: get(&["cwd", "dir", "workdir", "directory"]),
                    });
                }
            }
            if let Some(patch) =
                get(&["patch", "input"]).filter(|p| p.trim_start().starts_with("*** Begin Patch"))
            {
                into.push(Action::Patch(patch));
            }
            if let Some(path) = get(&[
                "file_path",
                "filePath",
                "path",
                "file",
                "filename",
                "target",
            ]) {
                if let Some(content) = get(&["content", "contents", "text", "data"]) {
                    into.push(Action::Write { path, content });
                } else if let (Some(old), Some(new)) = (
                    get(&["old_string", "oldText", "old"]),
                    get(&["new_string", "newText", "new"]),
                ) {
                    into.push(Action::Edit {
                        path,
                        edits: vec![(old, new)],
                    });
                }
            }
            for (key, child) in map {
                if child.is_object() || child.is_array() {
                    let _ = key;
                    collect_mcp(child, into, depth + 1);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_mcp(i, into, depth + 1)),
        _ => {}
    }
}

/// Claude-style tools (`Bash`, `Write`, `Edit`, `MultiEdit`, `Read`, `Grep`, MCP), shared by
/// Claude and Codex.
pub fn claude_style_action(tool: &str, input: &Value) -> Action {
    let ti = tool_input(input);
    match tool {
        "Bash" | "shell" | "local_shell" | "exec_command" => match ti.get("command") {
            Some(Value::String(command)) => Action::Command {
                command: command.clone(),
                dir: string_field(ti, &["workdir", "cwd"]),
            },
            Some(Value::Array(argv)) => Action::Command {
                command: argv_to_command(argv),
                dir: string_field(ti, &["workdir", "cwd"]),
            },
            _ => Action::Unchecked(format!("{tool} without a command")),
        },
        "Write" => match (
            string_field(ti, &["file_path", "path"]),
            string_field(ti, &["content"]),
        ) {
            (Some(path), Some(content)) => Action::Write { path, content },
            _ => patch_in(ti)
                .unwrap_or_else(|| Action::Unchecked(format!("{tool} without file_path/content"))),
        },
        "Edit" | "MultiEdit" => {
            if let Some(patch) = patch_in(ti) {
                return patch;
            }
            let Some(path) = string_field(ti, &["file_path", "path"]) else {
                return Action::Unchecked(format!("{tool} without file_path"));
            };
            let mut edits = Vec::new();
            if let (Some(old), Some(new)) = (
                string_field(ti, &["old_string"]),
                string_field(ti, &["new_string"]),
            ) {
                edits.push((old, new));
            }
            if let Some(list) = ti.get("edits").and_then(Value::as_array) {
                for e in list {
                    if let (Some(old), Some(new)) = (
                        string_field(e, &["old_string"]),
                        string_field(e, &["new_string"]),
                    ) {
                        edits.push((old, new));
                    }
                }
            }
            Action::Edit { path, edits }
        }
        "NotebookEdit" => match string_field(ti, &["notebook_path"]) {
            Some(path) => Action::Edit {
                path,
                edits: vec![(
                    String::new(),
                    string_field(ti, &["new_source"]).unwrap_or_default(),
                )],
            },
            None => Action::Unchecked(tool.to_string()),
        },
        "Read" => match string_field(ti, &["file_path", "path"]) {
            Some(path) => Action::Read { path },
            None => Action::Unchecked("Read without file_path".into()),
        },
        "Grep" => read_of(ti, &["path"], tool),
        "apply_patch" => {
            patch_in(ti).unwrap_or_else(|| Action::Unchecked("apply_patch without a patch".into()))
        }
        name if name.starts_with("mcp__") => mcp_action(name, ti),
        other => Action::Unchecked(other.to_string()),
    }
}

/// A read of the path in one of `keys`; a search with no path reads nothing ctx can name.
pub fn read_of(ti: &Value, keys: &[&str], tool: &str) -> Action {
    match string_field(ti, keys) {
        Some(path) => Action::Read { path },
        None => Action::Unchecked(tool.to_string()),
    }
}

/// An `apply_patch` patch inside a tool input (`command`, `patch` or `input`, or a bare string).
fn patch_in(ti: &Value) -> Option<Action> {
    if let Some(text) = ti.as_str() {
        return text
            .trim_start()
            .starts_with("*** Begin Patch")
            .then(|| Action::Patch(text.to_string()));
    }
    let candidates = ["patch", "input", "command"];
    for key in candidates {
        match ti.get(key) {
            Some(Value::String(text)) if text.trim_start().starts_with("*** Begin Patch") => {
                return Some(Action::Patch(text.clone()))
            }
            Some(Value::Array(argv)) => {
                if let Some(text) = argv
                    .iter()
                    .filter_map(Value::as_str)
                    .find(|s| s.trim_start().starts_with("*** Begin Patch"))
                {
                    return Some(Action::Patch(text.to_string()));
                }
            }
            _ => {}
        }
    }
    None
}

/// `["bash", "-lc", "cmd"]` as a command line (quoting each word).
fn argv_to_command(argv: &[Value]) -> String {
    argv.iter()
        .filter_map(Value::as_str)
        .map(|w| {
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
            {
                w.to_string()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventKind;
    use serde_json::json;

    #[test]
    fn sub_agent_starts_are_read_where_the_agent_has_them() {
        let event = json!({"session_id": "s", "cwd": "/r", "hook_event_name": "SubagentStart", "agent_id": "a1", "agent_type": "general-purpose"});
        for agent in [Agent::Claude, Agent::Codex] {
            let parsed = parse_event(agent, &event).unwrap();
            assert_eq!(parsed.kind, EventKind::SubagentStart, "{agent:?}");
            let answer = context_answer(agent, &parsed, Some("rules"));
            let value: Value = serde_json::from_str(answer.stdout.as_deref().unwrap()).unwrap();
            assert_eq!(
                value,
                json!({"hookSpecificOutput": {"hookEventName": "SubagentStart", "additionalContext": "rules"}})
            );
            assert_eq!(context_answer(agent, &parsed, None), Answer::silent());
        }
        let gemini = parse_event(Agent::Gemini, &event).unwrap();
        assert_eq!(
            gemini.kind,
            EventKind::Other,
            "Gemini CLI has no such event"
        );
    }

    #[test]
    fn session_start_sources_say_whether_the_context_is_fresh() {
        for (source, fresh) in [
            ("startup", false),
            ("resume", false),
            ("compact", true),
            ("clear", true),
        ] {
            let event =
                json!({"session_id": "s", "hook_event_name": "SessionStart", "source": source});
            for agent in [Agent::Claude, Agent::Codex, Agent::Gemini] {
                assert_eq!(
                    parse_event(agent, &event).unwrap().kind,
                    EventKind::SessionStart {
                        fresh_context: fresh
                    },
                    "{agent:?} {source}"
                );
            }
        }
    }

    #[test]
    fn unparsed_events_block_only_when_they_are_pre_tool_events() {
        let model = json!({"session_id": "s", "hook_event_name": "BeforeModel"});
        let event = unparsed_event(Agent::Gemini, &model).unwrap();
        assert_eq!(
            (event.kind, event.session.as_deref()),
            (EventKind::Other, Some("s"))
        );
        let pre = json!({"hook_event_name": "BeforeTool"});
        assert_eq!(unparsed_event(Agent::Gemini, &pre), None);
        assert_eq!(
            unparsed_event(Agent::Claude, &json!({"hook_event_name": "PreToolUse"})),
            None
        );
        assert_eq!(unparsed_event(Agent::Claude, &json!({})), None);
        assert_eq!(
            unparsed_event(Agent::Cursor, &json!({"hook_event_name": "stop"})),
            None
        );
    }

    #[test]
    fn post_tool_reminders_reach_claude_codex_and_gemini_not_cursor() {
        let event = |agent, name: &str| HookEvent {
            agent,
            event_name: name.into(),
            session: None,
            cwd: None,
            kind: EventKind::Other,
        };
        for (agent, name) in [
            (Agent::Claude, "PostToolUse"),
            (Agent::Codex, "PostToolUse"),
            (Agent::Gemini, "AfterTool"),
        ] {
            let answer = reminder_answer(agent, &event(agent, name), Some("r"));
            let value: Value = serde_json::from_str(answer.stdout.as_deref().unwrap()).unwrap();
            assert_eq!(value["hookSpecificOutput"]["hookEventName"], name);
            assert_eq!(value["hookSpecificOutput"]["additionalContext"], "r");
            assert_eq!(
                reminder_answer(agent, &event(agent, name), None),
                Answer::silent()
            );
        }
        let cursor = event(Agent::Cursor, "afterFileEdit");
        assert_eq!(
            reminder_answer(Agent::Cursor, &cursor, Some("r")),
            Answer::silent()
        );
    }

    #[test]
    fn codex_is_told_apart_by_turn_id() {
        assert_eq!(Agent::Claude.detect(&json!({"turn_id": "t"})), Agent::Codex);
        assert_eq!(Agent::Claude.detect(&json!({})), Agent::Claude);
    }

    #[test]
    fn mcp_arguments_with_commands_and_files_are_checked() {
        let a = mcp_action(
            "mcp__x__run",
            &json!({"command": "rm -rf /", "cwd": "/tmp"}),
        );
        assert!(matches!(a, Action::Command { .. }));
        let a = mcp_action("mcp__fs__write", &json!({"path": "a.txt", "content": "x"}));
        assert!(matches!(a, Action::Write { .. }));
        let a = mcp_action("mcp__x__search", &json!({"query": "rm -rf"}));
        assert!(matches!(a, Action::Unchecked(_)));
    }

    #[test]
    fn argv_commands_are_quoted() {
        let argv = vec![json!("bash"), json!("-lc"), json!("rm -rf /")];
        assert_eq!(argv_to_command(&argv), "bash -lc 'rm -rf /'");
    }
}
