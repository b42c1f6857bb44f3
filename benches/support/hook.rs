//! Running `ctx check --hook claude` on one hook event, as Claude Code would.

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// What `ctx check --hook claude` answered.
pub struct Verdict {
    /// `deny` (exit 2 or a deny answer), `ask`, `warn` (context only) or `allow`.
    pub decision: String,
    /// The reason or context ctx gave; empty when it allowed silently.
    pub reason: String,
    /// Wall time of the check, spawn included, in milliseconds.
    pub ms: f64,
}

/// Pipes `event` to `ctx check --hook claude --no-log` in `repo`, with paths written under
/// `/repo` (the labelled sets' placeholder) rewritten to `repo`.
pub fn claude_check(ctx: &Path, repo: &Path, event: &str) -> Verdict {
    let root = repo.to_string_lossy();
    let event = event
        .replace("\"/repo/", &format!("\"{root}/"))
        .replace("\"/repo\"", &format!("\"{root}\""));
    let start = Instant::now();
    let mut child = Command::new(ctx)
        .args(["check", "--hook", "claude", "--no-log"])
        .current_dir(repo)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running ctx check");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(event.as_bytes())
        .expect("writing the event");
    let output = child.wait_with_output().expect("waiting for ctx check");
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    if output.status.code() == Some(2) {
        let reason = String::from_utf8_lossy(&output.stderr).into_owned();
        return Verdict {
            decision: "deny".into(),
            reason,
            ms,
        };
    }
    let answer: Value =
        serde_json::from_str(String::from_utf8_lossy(&output.stdout).trim()).unwrap_or(Value::Null);
    let hso = &answer["hookSpecificOutput"];
    let reason = hso["permissionDecisionReason"]
        .as_str()
        .or(hso["additionalContext"].as_str())
        .unwrap_or_default()
        .to_string();
    let decision = match hso["permissionDecision"].as_str() {
        Some(d @ ("deny" | "ask")) => d,
        _ if hso["additionalContext"].is_string() => "warn",
        _ => "allow",
    };
    Verdict {
        decision: decision.into(),
        reason: if decision == "allow" {
            String::new()
        } else {
            reason
        },
        ms,
    }
}
