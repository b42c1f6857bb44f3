//! Whether an agent will run the hooks installed in a repository (or in the user's own
//! configuration), read from the agent's own trust records:
//! - Codex: each hook's `trusted_hash` under `[hooks.state."<hooks.json>:<event>:<group>:<handler>"]`
//!   in `$CODEX_HOME/config.toml` (default `~/.codex`), which must equal the hash Codex
//!   computes of the hook as configured now, and the folder's `[projects."<root>"]
//!   trust_level = "trusted"`;
//! - Gemini CLI: the longest matching rule of `~/.gemini/trustedFolders.json`
//!   (`GEMINI_CLI_TRUSTED_FOLDERS_PATH`, `GEMINI_CLI_HOME`), unless folder trust is turned off
//!   in `~/.gemini/settings.json`;
//! - Claude Code: `projects["<folder or a parent>"].hasTrustDialogAccepted` in `~/.claude.json`
//!   (`CLAUDE_CONFIG_DIR`); `claude -p` runs project hooks without it.

use crate::install::Installed;
use crate::Agent;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How far an agent trusts the installed hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustState {
    /// The agent runs them.
    Trusted,
    /// The agent does not run them until the user trusts them.
    Untrusted,
    /// They were trusted, then changed: the agent asks again.
    Modified,
    /// The agent runs project hooks without a trust step.
    NotRequired,
    /// The trust record could not be read.
    Unknown,
}

/// The trust state with what it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trust {
    /// The state.
    pub state: TrustState,
    /// The record it was read from and what it says.
    pub detail: String,
}

impl Trust {
    fn new(state: TrustState, detail: impl Into<String>) -> Trust {
        Trust {
            state,
            detail: detail.into(),
        }
    }
}

/// Whether `agent` runs the ctx hooks `installed` in `hooks_file`, for the repository at
/// `root` (canonical). The project's file ([`crate::install::config_path`]) needs the
/// folder trusted; a user's own file applies in every folder, and only Codex reviews its
/// hooks too.
pub fn trust(agent: Agent, root: &Path, hooks_file: &Path, installed: &[Installed]) -> Trust {
    let project = hooks_file == crate::install::config_path(root, agent);
    match agent {
        Agent::Codex => codex(root, hooks_file, project, installed),
        _ if !project => Trust::new(
            TrustState::NotRequired,
            format!(
                "{}: the user's settings apply in every folder, without a trust step",
                hooks_file.display()
            ),
        ),
        Agent::Gemini => gemini(root),
        Agent::Claude => claude(root),
        Agent::Cursor => Trust::new(
            TrustState::NotRequired,
            "Cursor runs project hooks without a trust step",
        ),
    }
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

fn codex(root: &Path, hooks_json: &Path, project: bool, installed: &[Installed]) -> Trust {
    let Some(codex_home) = std::env::var_os("CODEX_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".codex")))
    else {
        return Trust::new(TrustState::Unknown, "neither CODEX_HOME nor HOME is set");
    };
    let path = codex_home.join("config.toml");
    let config: toml::Value = match std::fs::read_to_string(&path) {
        Ok(text) => match toml::from_str(&text) {
            Ok(config) => config,
            Err(e) => return Trust::new(TrustState::Unknown, format!("{}: {e}", path.display())),
        },
        Err(_) => toml::Value::Table(Default::default()),
    };
    let mut untrusted = 0;
    let mut modified = 0;
    for entry in installed {
        let key = format!(
            "{}:{}:{}:{}",
            hooks_json.display(),
            snake_case(entry.event),
            entry.group,
            entry.handler
        );
        let recorded = config
            .get("hooks")
            .and_then(|h| h.get("state"))
            .and_then(|s| s.get(&key))
            .and_then(|s| s.get("trusted_hash"))
            .and_then(toml::Value::as_str);
        match recorded {
            None => untrusted += 1,
            Some(hash) if hash != codex_hook_hash(entry) => modified += 1,
            Some(_) => {}
        }
    }
    let folder = config
        .get("projects")
        .and_then(|p| p.get(root.to_string_lossy().as_ref()))
        .and_then(|p| p.get("trust_level"))
        .and_then(toml::Value::as_str);
    let total = installed.len();
    let where_ = path.display();
    if project && folder != Some("trusted") {
        return Trust::new(
            TrustState::Untrusted,
            format!("{where_}: the folder {} is not trusted ([projects] trust_level), so Codex does not load .codex/ at all", root.display()),
        );
    }
    match (untrusted, modified) {
        (0, 0) => Trust::new(
            TrustState::Trusted,
            format!("{where_}: all {total} hooks trusted"),
        ),
        (u, 0) => Trust::new(
            TrustState::Untrusted,
            format!("{where_}: {u} of {total} hooks not trusted yet"),
        ),
        (_, m) => Trust::new(
            TrustState::Modified,
            format!("{where_}: {m} of {total} hooks changed since they were trusted"),
        ),
    }
}

/// `PreToolUse` -> `pre_tool_use`, as Codex keys its hook state.
fn snake_case(event: &str) -> String {
    let mut out = String::new();
    for (i, c) in event.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The hash Codex records when a hook is trusted: SHA-256 of the hook's normalised identity
/// (event, matcher, the one handler with its timeout) as JSON with sorted keys.
pub fn codex_hook_hash(entry: &Installed) -> String {
    use sha2::Digest;
    let mut handler: BTreeMap<&str, Value> = BTreeMap::new();
    handler.insert("async", Value::Bool(false));
    handler.insert("command", Value::String(entry.command.clone()));
    handler.insert("timeout", Value::from(entry.timeout.unwrap_or(600).max(1)));
    handler.insert("type", Value::String("command".into()));
    let mut identity: BTreeMap<&str, Value> = BTreeMap::new();
    identity.insert("event_name", Value::String(snake_case(entry.event)));
    identity.insert(
        "hooks",
        Value::Array(vec![serde_json::to_value(&handler).unwrap_or_default()]),
    );
    if let Some(matcher) = &entry.matcher {
        identity.insert("matcher", Value::String(matcher.clone()));
    }
    let bytes = serde_json::to_vec(&identity).unwrap_or_default();
    let digest = sha2::Sha256::digest(&bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn gemini(root: &Path) -> Trust {
    let gemini_home = std::env::var_os("GEMINI_CLI_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(home)
        .map(|h| h.join(".gemini"));
    let Some(gemini_home) = gemini_home else {
        return Trust::new(
            TrustState::Unknown,
            "neither GEMINI_CLI_HOME nor HOME is set",
        );
    };
    let settings = gemini_home.join("settings.json");
    if read_json(&settings)
        .is_some_and(|s| s["security"]["folderTrust"]["enabled"] == Value::Bool(false))
    {
        return Trust::new(
            TrustState::NotRequired,
            format!("{}: folder trust is turned off", settings.display()),
        );
    }
    let path = std::env::var_os("GEMINI_CLI_TRUSTED_FOLDERS_PATH")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| gemini_home.join("trustedFolders.json"));
    let rules = match std::fs::read_to_string(&path) {
        Err(_) => {
            return Trust::new(
                TrustState::Untrusted,
                format!("{}: no trusted folders", path.display()),
            )
        }
        Ok(text) => match serde_json::from_str::<BTreeMap<String, String>>(&text) {
            Ok(rules) => rules,
            Err(e) => return Trust::new(TrustState::Unknown, format!("{}: {e}", path.display())),
        },
    };
    match gemini_rule(&rules, root) {
        Some((rule, "DO_NOT_TRUST")) => Trust::new(
            TrustState::Untrusted,
            format!("{}: {rule} is marked DO_NOT_TRUST", path.display()),
        ),
        Some((rule, level)) => Trust::new(
            TrustState::Trusted,
            format!("{}: {rule} ({level})", path.display()),
        ),
        None => Trust::new(
            TrustState::Untrusted,
            format!("{}: no rule covers {}", path.display(), root.display()),
        ),
    }
}

/// The rule Gemini CLI applies to `folder`: the longest rule path whose folder (its parent,
/// for `TRUST_PARENT`) holds `folder`.
fn gemini_rule<'a>(
    rules: &'a BTreeMap<String, String>,
    folder: &Path,
) -> Option<(&'a str, &'a str)> {
    let real = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let folder = real(folder);
    rules
        .iter()
        .filter(|(rule, level)| {
            let rule = Path::new(rule.as_str());
            let base = if level.as_str() == "TRUST_PARENT" {
                rule.parent().unwrap_or(rule)
            } else {
                rule
            };
            folder.starts_with(real(base))
        })
        .max_by_key(|(rule, _)| rule.len())
        .map(|(rule, level)| (rule.as_str(), level.as_str()))
}

fn claude(root: &Path) -> Trust {
    let path = match std::env::var_os("CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir).join(".claude.json"),
        None => match home() {
            Some(home) => home.join(".claude.json"),
            None => {
                return Trust::new(
                    TrustState::Unknown,
                    "neither CLAUDE_CONFIG_DIR nor HOME is set",
                )
            }
        },
    };
    let config = read_json(&path).unwrap_or(Value::Null);
    let accepted = root.ancestors().find(|dir| {
        config["projects"][dir.to_string_lossy().as_ref()]["hasTrustDialogAccepted"]
            == Value::Bool(true)
    });
    match accepted {
        Some(dir) => Trust::new(TrustState::Trusted, format!("{}: trust accepted for {}", path.display(), dir.display())),
        None => Trust::new(
            TrustState::Untrusted,
            format!("{}: the trust dialog was not accepted for {} (interactive claude asks once; claude -p runs the hooks without it)", path.display(), root.display()),
        ),
    }
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codex_event_keys_are_snake_case() {
        assert_eq!(snake_case("PreToolUse"), "pre_tool_use");
        assert_eq!(snake_case("SubagentStart"), "subagent_start");
    }

    #[test]
    fn gemini_takes_the_longest_matching_rule() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("work/repo");
        std::fs::create_dir_all(&repo).unwrap();
        let key = |p: &Path| p.to_string_lossy().into_owned();
        let mut rules = BTreeMap::new();
        rules.insert(key(&dir.path().join("work")), "TRUST_FOLDER".to_string());
        assert_eq!(
            gemini_rule(&rules, &repo).map(|r| r.1),
            Some("TRUST_FOLDER")
        );
        rules.insert(key(&repo), "DO_NOT_TRUST".to_string());
        assert_eq!(
            gemini_rule(&rules, &repo).map(|r| r.1),
            Some("DO_NOT_TRUST")
        );
        let mut parent = BTreeMap::new();
        parent.insert(key(&repo.join("sub")), "TRUST_PARENT".to_string());
        assert_eq!(
            gemini_rule(&parent, &repo).map(|r| r.1),
            Some("TRUST_PARENT")
        );
        assert_eq!(gemini_rule(&parent, dir.path()), None);
    }
}
