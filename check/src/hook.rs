//! One hook event end to end: read the agent's JSON, check the action or build the context,
//! record it, and answer in the agent's protocol.
//!
//! A check that cannot be completed (malformed input, corrupt anchors, a command too large)
//! is a fault, answered per `[check] on_error` (default: deny) with the reason. Hook mode
//! always exits 0 with the answer on stdout: the agent's protocol carries the decision.

use crate::action::{self, Action};
use crate::agents;
use crate::context;
use crate::interactive;
use crate::{Agent, Answer, Error, EventKind, HookEvent, Verdicts};
use ctx_engine::check::{
    self, CheckConfig, Decision, DriftRecord, Interactive, OnError, PathContext, Verdict,
};
use std::io::Read;
use std::path::{Path, PathBuf};

/// How a hook command was started.
#[derive(Debug, Clone)]
pub struct HookOptions {
    /// The repository given on the command line (`--root`), overriding the agent's cwd.
    pub root: Option<PathBuf>,
    /// The directory ctx runs in: the fallback when the event names no cwd.
    pub start_dir: PathBuf,
    /// Record checks in `.ctx/drift.jsonl`.
    pub log: bool,
}

/// A hook event that could not be handled: the reason, and what was known when it failed.
struct Fault {
    reason: String,
    agent: Agent,
    root: Option<PathBuf>,
    event: Option<HookEvent>,
}

/// Answers one hook event from `agent` read from `input`, with verdicts from `verdicts`.
pub fn answer(
    agent: Agent,
    input: &mut dyn Read,
    options: &HookOptions,
    verdicts: &dyn Verdicts,
) -> Answer {
    handle(agent, input, options, verdicts).unwrap_or_else(|fault| fault_answer(fault, options))
}

fn handle(
    agent: Agent,
    input: &mut dyn Read,
    options: &HookOptions,
    verdicts: &dyn Verdicts,
) -> Result<Answer, Box<Fault>> {
    let early_root = options
        .root
        .clone()
        .unwrap_or_else(|| repository_root(&options.start_dir));
    let fail = |agent, root: &Path, event: Option<&HookEvent>, reason: String| {
        Box::new(Fault {
            reason,
            agent,
            root: Some(root.to_path_buf()),
            event: event.cloned(),
        })
    };
    let limit_mb = CheckConfig::load(&early_root)
        .map_or(CheckConfig::default().max_payload_mb, |c| c.max_payload_mb);
    let bytes =
        read_limited(input, limit_mb).map_err(|reason| fail(agent, &early_root, None, reason))?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        fail(agent, &early_root, None, format!("malformed hook JSON at line {} column {}: {e}; the hook must receive the agent's JSON on stdin", e.line(), e.column()))
    })?;
    let agent = agent.detect(&json);
    let event = agents::parse_event(agent, &json).map_err(|e| {
        let named = agents::unparsed_event(agent, &json);
        fail(agent, &early_root, named.as_ref(), e.to_string())
    })?;
    let root = options
        .root
        .clone()
        .unwrap_or_else(|| repository_root(event.cwd.as_deref().unwrap_or(&options.start_dir)));
    let config =
        CheckConfig::load(&root).map_err(|e| fail(agent, &root, Some(&event), e.to_string()))?;
    match &event.kind {
        EventKind::PreTool { tool, action } => {
            let verdict = pre_tool_verdict(&root, &event, action, verdicts, &config)
                .map_err(|e| fail(agent, &root, Some(&event), e.to_string()))?;
            let mut answer = agents::tool_answer(agent, &event, &verdict);
            if options.log {
                let summary = action::summary(tool, action);
                note_failure(
                    &mut answer,
                    record(
                        &root,
                        event.session.as_deref(),
                        agent.name(),
                        &verdict,
                        &summary,
                    ),
                );
            }
            match verdict.decision {
                Decision::Deny => context::remember_denial(&root, event.session.as_deref()),
                Decision::Warn | Decision::Ask if agents::warns_after_tool(agent) => {
                    context::carry_warning(&root, &event, &action::summary(tool, action), &verdict)
                }
                _ => {}
            }
            Ok(answer)
        }
        EventKind::PostTool { tool, action } => {
            let carried = agents::warns_after_tool(agent).then(|| action::summary(tool, action));
            let context = context::after_tool(&root, &event, action, &config, carried.as_deref());
            Ok(agents::reminder_answer(agent, &event, context.as_deref()))
        }
        EventKind::SessionStart { .. } | EventKind::Prompt => {
            let block = context::reanchor(&root, &event, &config);
            Ok(agents::context_answer(agent, &event, block.as_deref()))
        }
        EventKind::SubagentStart => {
            let digest = context::digest(&root, &config);
            Ok(agents::context_answer(agent, &event, digest.as_deref()))
        }
        EventKind::ModelRequest { messages } => {
            let first = context::restore(&root, &event, &config, messages);
            Ok(agents::model_request_answer(agent, first.as_ref()))
        }
        EventKind::Other => Ok(Answer::silent()),
    }
}

/// The verdict on a pre-tool event's action: the anchors', and whether a command opens an
/// interactive session (`[check] interactive`).
fn pre_tool_verdict(
    root: &Path,
    event: &HookEvent,
    action: &Action,
    verdicts: &dyn Verdicts,
    config: &CheckConfig,
) -> crate::Result<Verdict> {
    let cwd = event.cwd.clone().unwrap_or_else(|| root.to_path_buf());
    let paths = PathContext::new(root, &cwd);
    let facts = action::facts(action, &paths)?;
    let mut verdict = verdicts.verdict(root, &facts)?;
    match action {
        Action::Command { command, .. } => {
            interactive::check(&mut verdict, &facts, command, config.interactive)
        }
        Action::Many(_) if config.interactive != Interactive::Allow => {
            for (command, dir) in action::commands(action) {
                let facts = match dir {
                    Some(dir) => action::command_facts(command, &paths.with_cwd(dir))?,
                    None => action::command_facts(command, &paths)?,
                };
                interactive::check(&mut verdict, &facts, command, config.interactive);
            }
        }
        _ => {}
    }
    if let (Action::Unchecked(name), EventKind::PreTool { tool, .. }) = (action, &event.kind) {
        if verdict.decision == Decision::Allow && name != tool {
            verdict.notes.push(format!("{name}: not checked"));
        }
    }
    Ok(verdict)
}

/// The answer to a fault: the decision `on_error` gives, with the reason, in the protocol
/// of the event that failed (a pre-tool answer when the event is not known).
fn fault_answer(fault: Box<Fault>, options: &HookOptions) -> Answer {
    let on_error = fault
        .root
        .as_deref()
        .and_then(|r| CheckConfig::load(r).ok())
        .map_or(OnError::Deny, |c| c.on_error);
    let (decision, advice) = match on_error {
        OnError::Deny => (
            Decision::Deny,
            " (the action is refused because [check] on_error = \"deny\", the default)",
        ),
        OnError::Allow => (
            Decision::Allow,
            " (allowed because [check] on_error = \"allow\")",
        ),
    };
    let notice = match &fault.event {
        Some(event) if !matches!(event.kind, EventKind::PreTool { .. }) => {
            Some(event.event_name.clone())
        }
        _ => None,
    };
    let verdict = match &notice {
        Some(name) => Verdict::fault(
            decision,
            format!("could not handle the {name} event: {}", fault.reason),
        ),
        None => Verdict::fault(
            decision,
            format!("could not check this action: {}{advice}", fault.reason),
        ),
    };
    let mut answer = Answer::silent();
    if let (Some(root), true) = (&fault.root, options.log) {
        let result = record(
            root,
            fault.event.as_ref().and_then(|e| e.session.as_deref()),
            fault.agent.name(),
            &verdict,
            &format!("fault: {}", fault.reason),
        );
        note_failure(&mut answer, result);
    }
    let reply = match fault.event {
        Some(event) if !matches!(event.kind, EventKind::PreTool { .. }) => {
            agents::notice_answer(fault.agent, &event, &verdict.reason())
        }
        event => {
            let event = event.unwrap_or_else(|| HookEvent {
                agent: fault.agent,
                event_name: agents::pre_tool_event(fault.agent).into(),
                session: None,
                cwd: None,
                kind: EventKind::Other,
            });
            agents::tool_answer(fault.agent, &event, &verdict)
        }
    };
    Answer {
        stderr: answer.stderr,
        ..reply
    }
}

/// Appends one check to the drift log of `root`.
pub fn record(
    root: &Path,
    session: Option<&str>,
    agent: &str,
    verdict: &Verdict,
    summary: &str,
) -> crate::Result<()> {
    let record = DriftRecord {
        time: check::now_rfc3339(),
        session: session.map(String::from),
        agent: agent.to_string(),
        verdict: verdict.decision,
        anchors: verdict.anchor_ids(),
        action: summary.chars().take(300).collect(),
    };
    check::append_record(root, &record).map_err(Error::from)
}

/// A drift-log failure never changes the answer; it is reported on stderr.
fn note_failure(answer: &mut Answer, result: crate::Result<()>) {
    if let Err(e) = result {
        answer.stderr = Some(format!(
            "ctx: warning: could not record the check in the drift log: {e}"
        ));
    }
}

/// Reads `input` up to `limit_mb` MiB; more is a fault, and so is an empty input.
fn read_limited(input: &mut dyn Read, limit_mb: u64) -> Result<Vec<u8>, String> {
    let limit = limit_mb.saturating_mul(1 << 20);
    let mut bytes = Vec::new();
    input
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

/// The repository a hook works on: the nearest directory at or above `start` holding
/// `.ctx/`, else the nearest holding `.git`, else `start`.
pub fn repository_root(start: &Path) -> PathBuf {
    let nearest =
        |holds: fn(&Path) -> bool| start.ancestors().find(|d| holds(d)).map(Path::to_path_buf);
    nearest(|dir| dir.join(".ctx").is_dir())
        .or_else(|| nearest(|dir| dir.join(".git").exists()))
        .unwrap_or_else(|| start.to_path_buf())
}
