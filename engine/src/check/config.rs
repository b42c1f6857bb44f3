//! The `[check]` table of `.ctx/config.toml`. Other tables belong to other parts of ctx and
//! are ignored here.
//!
//! ```toml
//! [check]
//! on_error = "deny"          # what a pre-action hook answers when the check itself fails
//! reanchor_every = 10        # re-send the anchors to the agent every N prompts (0 = never)
//! digest_tokens = 1500       # the anchors block at session start and re-anchoring stays within this
//! remind_tokens = 600        # rules for what a tool call touched, sent after it (0 = never)
//! remind_every = 50          # a rule reminded is not reminded again for N tool calls
//! semantic_threshold = 0.66  # cosine similarity above which a semantic-only anchor warns (calibrated: benches/semantic_calibration.rs)
//! max_payload_mb = 16        # larger hook payloads are a fault
//! interactive = "deny"       # a command that opens an interactive shell or REPL: deny, ask or allow
//! ```

use crate::{Error, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// What to answer when a check cannot be completed (malformed input, corrupt anchors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Refuse the action (the default for pre-action hooks: fail closed).
    Deny,
    /// Let the action run, with a note.
    Allow,
}

/// What a pre-tool hook answers when a command opens an interactive session (a shell, a
/// REPL, a database client, an editor) that the agent could type into afterwards, unseen
/// by any hook (Codex's `write_stdin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interactive {
    /// Refuse it, telling the model to run its commands one by one (the default).
    Deny,
    /// Ask the user (agents that cannot ask, Codex and Gemini CLI, only warn).
    Ask,
    /// Let it run.
    Allow,
}

/// Settings of `ctx check`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckConfig {
    /// What to answer when the check fails.
    pub on_error: OnError,
    /// Re-anchor every N user prompts; 0 disables periodic re-anchoring.
    pub reanchor_every: u32,
    /// Token budget of the anchors block (session start, re-anchoring).
    pub digest_tokens: usize,
    /// Token budget of the rules reminded after a tool call; 0 disables reminders.
    pub remind_tokens: usize,
    /// Tool calls before a reminded rule may be reminded again (a compaction resets).
    pub remind_every: u32,
    /// Cosine similarity threshold of the semantic tier.
    pub semantic_threshold: f32,
    /// Largest accepted hook payload, in MiB.
    pub max_payload_mb: u64,
    /// What to answer for a command that opens an interactive shell or REPL.
    pub interactive: Interactive,
}

impl Default for CheckConfig {
    fn default() -> CheckConfig {
        CheckConfig {
            on_error: OnError::Deny,
            reanchor_every: 10,
            digest_tokens: 1500,
            remind_tokens: 600,
            remind_every: 50,
            semantic_threshold: 0.66,
            max_payload_mb: 16,
            interactive: Interactive::Deny,
        }
    }
}

/// The path of the configuration file.
pub fn config_path(root: &Path) -> PathBuf {
    root.join(".ctx").join("config.toml")
}

impl CheckConfig {
    /// Reads `[check]` from `.ctx/config.toml`; defaults when the file or table is absent.
    pub fn load(root: &Path) -> Result<CheckConfig> {
        let path = config_path(root);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(CheckConfig::default()),
            Err(e) => return Err(Error::io("reading", path, e)),
        };
        CheckConfig::parse(&path, &text)
    }

    /// Parses the `[check]` table out of a whole config file.
    pub fn parse(path: &Path, text: &str) -> Result<CheckConfig> {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            check: Option<toml::Value>,
        }
        let file: File = toml::from_str(text).map_err(|e| syntax(path, text, &e))?;
        let Some(table) = file.check else {
            return Ok(CheckConfig::default());
        };
        let config: CheckConfig = table
            .try_into()
            .map_err(|e: toml::de::Error| Error::Syntax {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
                message: format!("in [check]: {}", e.message().trim().to_lowercase()),
            })?;
        if !(0.0..=1.0).contains(&config.semantic_threshold) {
            return Err(Error::Invalid(format!(
                "{}: [check] semantic_threshold = {} is outside 0..1: use a cosine similarity such as 0.66",
                path.display(),
                config.semantic_threshold
            )));
        }
        Ok(config)
    }
}

fn syntax(path: &Path, text: &str, err: &toml::de::Error) -> Error {
    let offset = err.span().map_or(0, |s| s.start).min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Error::Syntax {
        path: path.to_path_buf(),
        line,
        column,
        message: err.message().trim().to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_a_table() {
        let c = CheckConfig::parse(Path::new("c.toml"), "[index]\nx = 1\n").unwrap();
        assert_eq!(c, CheckConfig::default());
        assert_eq!(c.on_error, OnError::Deny);
    }

    #[test]
    fn reads_the_check_table() {
        let c = CheckConfig::parse(
            Path::new("c.toml"),
            "[check]\non_error = \"allow\"\nreanchor_every = 3\n[model]\nname = \"x\"\n",
        )
        .unwrap();
        assert_eq!(c.on_error, OnError::Allow);
        assert_eq!(c.reanchor_every, 3);
        assert_eq!(c.interactive, Interactive::Deny);
        for (text, value) in [("ask", Interactive::Ask), ("allow", Interactive::Allow)] {
            let toml = format!("[check]\ninteractive = \"{text}\"\n");
            let c = CheckConfig::parse(Path::new("c.toml"), &toml).unwrap();
            assert_eq!(c.interactive, value);
        }
        let err = CheckConfig::parse(Path::new("c.toml"), "[check]\ninteractive = \"warn\"\n")
            .unwrap_err();
        assert!(err.to_string().contains("warn"), "{err}");
    }

    #[test]
    fn bad_values_are_errors_naming_the_file() {
        let err =
            CheckConfig::parse(Path::new("c.toml"), "[check]\non_error = \"maybe\"\n").unwrap_err();
        assert!(err.to_string().contains("c.toml"), "{err}");
        assert!(err.to_string().contains("maybe"), "{err}");
        let err = CheckConfig::parse(Path::new("c.toml"), "[check\n").unwrap_err();
        assert!(err.to_string().starts_with("c.toml:1:"), "{err}");
        let err = CheckConfig::parse(Path::new("c.toml"), "[check]\nreanchor = 3\n").unwrap_err();
        assert!(err.to_string().contains("reanchor"), "{err}");
    }
}
