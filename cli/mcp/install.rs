//! `ctx mcp install AGENT`: registers the ctx MCP server in an agent's configuration,
//! merged into what is there (other servers and settings are kept).

use anyhow::{bail, Context};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The agents whose configuration ctx can register its server in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// Claude Code: `.mcp.json` at the repository root.
    Claude,
    /// Codex CLI: `[mcp_servers.ctx]` in `$CODEX_HOME/config.toml` (default `~/.codex`).
    Codex,
    /// Gemini CLI: `mcpServers` in `.gemini/settings.json` at the repository root.
    Gemini,
    /// Cursor: `.cursor/mcp.json` at the repository root.
    Cursor,
}

/// What an install did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The file did not exist and was written.
    Created,
    /// The ctx entry was added to an existing file.
    Added,
    /// A different ctx entry was replaced.
    Updated,
    /// The ctx entry was already there, as wanted; nothing was written.
    Unchanged,
}

/// The command agents run to start the server.
const COMMAND: &str = "ctx";
/// Its arguments.
const ARGS: [&str; 1] = ["mcp"];

/// The configuration file `target` reads, for the repository at `root`.
pub fn config_file(target: Target, root: &Path) -> anyhow::Result<PathBuf> {
    Ok(match target {
        Target::Claude => root.join(".mcp.json"),
        Target::Gemini => root.join(".gemini").join("settings.json"),
        Target::Cursor => root.join(".cursor").join("mcp.json"),
        Target::Codex => codex_home()?.join("config.toml"),
    })
}

fn codex_home() -> anyhow::Result<PathBuf> {
    if let Some(home) = std::env::var_os("CODEX_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(home));
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".codex")),
        None => {
            bail!("neither CODEX_HOME nor HOME is set: set CODEX_HOME to Codex's config directory")
        }
    }
}

/// Registers the server for `target`; returns the file and what was done.
pub fn install(target: Target, root: &Path) -> anyhow::Result<(PathBuf, Outcome)> {
    let path = config_file(target, root)?;
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let merged = match target {
        Target::Codex => merge_toml(existing.as_deref(), &path)?,
        _ => merge_json(existing.as_deref(), &path)?,
    };
    let Some((text, outcome)) = merged else {
        return Ok((path, Outcome::Unchanged));
    };
    write_atomically(&path, &text)?;
    Ok((path, outcome))
}

/// The JSON configuration with `mcpServers.ctx` set, or `None` when it already is.
fn merge_json(existing: Option<&str>, path: &Path) -> anyhow::Result<Option<(String, Outcome)>> {
    let wanted = json!({"command": COMMAND, "args": ARGS});
    let mut doc = match existing.filter(|t| !t.trim().is_empty()) {
        None => json!({}),
        Some(text) => serde_json::from_str::<Value>(text).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}:{}: not valid JSON ({e}); fix or move the file, ctx will not overwrite it",
                path.display(),
                e.line(),
                e.column()
            )
        })?,
    };
    let Some(top) = doc.as_object_mut() else {
        bail!(
            "{}: the top level is not a JSON object; ctx will not overwrite it",
            path.display()
        );
    };
    let servers = top.entry("mcpServers").or_insert_with(|| json!({}));
    let Some(servers) = servers.as_object_mut() else {
        bail!(
            "{}: \"mcpServers\" is not an object; fix it and run again",
            path.display()
        );
    };
    let outcome = match servers.get("ctx") {
        Some(current) if *current == wanted => return Ok(None),
        Some(_) => Outcome::Updated,
        None if existing.is_some() => Outcome::Added,
        None => Outcome::Created,
    };
    servers.insert("ctx".into(), wanted);
    Ok(Some((serde_json::to_string_pretty(&doc)? + "\n", outcome)))
}

/// The Codex TOML configuration with `[mcp_servers.ctx]` set, or `None` when it already is.
fn merge_toml(existing: Option<&str>, path: &Path) -> anyhow::Result<Option<(String, Outcome)>> {
    let mut doc: toml_edit::DocumentMut = existing.unwrap_or_default().parse().map_err(|e| {
        anyhow::anyhow!(
            "{}: not valid TOML ({e}); fix it, ctx will not overwrite it",
            path.display()
        )
    })?;
    let servers = doc
        .entry("mcp_servers")
        .or_insert_with(|| {
            let mut table = toml_edit::Table::new();
            table.set_implicit(true);
            toml_edit::Item::Table(table)
        })
        .as_table_mut()
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{}: mcp_servers is not a table; fix it and run again",
                path.display()
            )
        })?;
    let current = servers.get("ctx").and_then(|item| {
        let table = item.as_table_like()?;
        let command = table.get("command")?.as_str()?.to_string();
        let args: Vec<String> = table
            .get("args")?
            .as_array()?
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        Some((command, args))
    });
    let outcome = match (&current, servers.contains_key("ctx")) {
        (Some((command, args)), _) if command == COMMAND && args == &ARGS => return Ok(None),
        (_, true) => Outcome::Updated,
        (_, false) if existing.is_some() => Outcome::Added,
        (_, false) => Outcome::Created,
    };
    let mut table = toml_edit::Table::new();
    table.insert("command", toml_edit::value(COMMAND));
    let mut args = toml_edit::Array::new();
    for arg in ARGS {
        args.push(arg);
    }
    table.insert("args", toml_edit::value(args));
    servers.insert("ctx", toml_edit::Item::Table(table));
    Ok(Some((doc.to_string(), outcome)))
}

fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.ctx-tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_merge_keeps_other_servers_and_is_idempotent() {
        let path = Path::new(".mcp.json");
        let before = r#"{"mcpServers": {"other": {"command": "x"}}, "theme": "dark"}"#;
        let (text, outcome) = merge_json(Some(before), path).unwrap().unwrap();
        assert_eq!(outcome, Outcome::Added);
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["mcpServers"]["other"]["command"], "x");
        assert_eq!(doc["theme"], "dark");
        assert_eq!(
            doc["mcpServers"]["ctx"],
            json!({"command": "ctx", "args": ["mcp"]})
        );
        assert!(merge_json(Some(&text), path).unwrap().is_none());
    }

    #[test]
    fn json_merge_refuses_malformed_files() {
        let err = merge_json(Some("{not json"), Path::new("x.json")).unwrap_err();
        assert!(format!("{err:#}").contains("will not overwrite"), "{err:#}");
        assert!(merge_json(Some("[1]"), Path::new("x.json")).is_err());
        assert!(merge_json(Some(r#"{"mcpServers": 3}"#), Path::new("x.json")).is_err());
    }

    #[test]
    fn toml_merge_keeps_other_settings() {
        let before = "model = \"o3\"\n\n[mcp_servers.other]\ncommand = \"y\"\n";
        let (text, outcome) = merge_toml(Some(before), Path::new("c.toml"))
            .unwrap()
            .unwrap();
        assert_eq!(outcome, Outcome::Added);
        let doc: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(doc["model"].as_str(), Some("o3"));
        assert_eq!(doc["mcp_servers"]["other"]["command"].as_str(), Some("y"));
        assert_eq!(doc["mcp_servers"]["ctx"]["command"].as_str(), Some("ctx"));
        assert!(merge_toml(Some(&text), Path::new("c.toml"))
            .unwrap()
            .is_none());
        let (_, outcome) = merge_toml(None, Path::new("c.toml")).unwrap().unwrap();
        assert_eq!(outcome, Outcome::Created);
    }
}
