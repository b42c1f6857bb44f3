//! `ctx mcp install|uninstall AGENT`: registers the ctx MCP server in an agent's
//! configuration, edited in place (see [`crate::install`]: comments and key order kept, a
//! backup first, a server named `ctx` that ctx did not write left alone unless `--force`),
//! and takes it out again.
//!
//! | agent | `--project` (default) | `--user` |
//! |---|---|---|
//! | claude | `.mcp.json` | `~/.claude.json` |
//! | codex | `.codex/config.toml` (read in trusted projects) | `$CODEX_HOME/config.toml` (`~/.codex`) |
//! | gemini | `.gemini/settings.json` | `~/.gemini/settings.json` |
//! | cursor | `.cursor/mcp.json` | `~/.cursor/mcp.json` |

use crate::install::jsonc::{self, Document};
use crate::install::{self, ConfigFile, Installed, Scope, Uninstalled};
use anyhow::bail;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The agents whose configuration ctx can register its server in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// Claude Code: `.mcp.json` (project) or `~/.claude.json` (user).
    Claude,
    /// Codex CLI: `[mcp_servers.ctx]` in `.codex/config.toml` or `$CODEX_HOME/config.toml`.
    Codex,
    /// Gemini CLI: `mcpServers` in `.gemini/settings.json` (project or home).
    Gemini,
    /// Cursor: `.cursor/mcp.json` (project or home).
    Cursor,
}

/// The command agents run to start the server.
const COMMAND: &str = "ctx";
/// Its arguments.
const ARGS: [&str; 1] = ["mcp"];
/// The component name install records use.
const COMPONENT: &str = "mcp";

/// The entry ctx writes.
fn wanted() -> Value {
    json!({"command": COMMAND, "args": ARGS})
}

/// [`wanted`] as editor input, `command` first.
fn wanted_input() -> jsonc_parser::cst::CstInputValue {
    use jsonc_parser::cst::CstInputValue;
    jsonc::ordered(vec![
        ("command", CstInputValue::String(COMMAND.to_string())),
        (
            "args",
            CstInputValue::Array(
                ARGS.iter()
                    .map(|a| CstInputValue::String(a.to_string()))
                    .collect(),
            ),
        ),
    ])
}

/// The configuration file `target` reads in `scope`, for the repository at `root`.
pub fn config_file(target: Target, scope: Scope, root: &Path) -> anyhow::Result<PathBuf> {
    Ok(match (target, scope) {
        (Target::Claude, Scope::Project) => root.join(".mcp.json"),
        (Target::Claude, Scope::User) => install::home()?.join(".claude.json"),
        (Target::Codex, Scope::Project) => root.join(".codex").join("config.toml"),
        (Target::Codex, Scope::User) => install::codex_home()?.join("config.toml"),
        (Target::Gemini, Scope::Project) => root.join(".gemini").join("settings.json"),
        (Target::Gemini, Scope::User) => install::home()?.join(".gemini").join("settings.json"),
        (Target::Cursor, Scope::Project) => root.join(".cursor").join("mcp.json"),
        (Target::Cursor, Scope::User) => install::home()?.join(".cursor").join("mcp.json"),
    })
}

/// Registers the server for `target`; returns the file, what was done and the backup.
pub fn install(
    target: Target,
    scope: Scope,
    root: &Path,
    force: bool,
) -> anyhow::Result<(PathBuf, Installed, Option<PathBuf>)> {
    let path = config_file(target, scope, root)?;
    let file = ConfigFile::read(&path)?;
    let ours = install::recorded_entry(&path, COMPONENT);
    let merged = match target {
        Target::Codex => merge_toml(&file, ours.as_ref(), force)?,
        _ => merge_json(&file, ours.as_ref(), force)?,
    };
    let Some((text, outcome)) = merged else {
        return Ok((path, Installed::Unchanged, None));
    };
    let backup = install::write_install(&file, COMPONENT, &text, Some(wanted()))?;
    Ok((path, outcome, backup))
}

/// Takes the server out of `target`'s configuration.
pub fn uninstall(
    target: Target,
    scope: Scope,
    root: &Path,
    force: bool,
) -> anyhow::Result<(PathBuf, Uninstalled)> {
    let path = config_file(target, scope, root)?;
    let file = ConfigFile::read(&path)?;
    let ours = install::recorded_entry(&path, COMPONENT);
    let outcome = match target {
        Target::Codex => install::uninstall(
            &file,
            COMPONENT,
            |text| remove_toml(text, &path, ours.as_ref(), force),
            |text| text.trim().is_empty(),
        )?,
        _ => install::uninstall(
            &file,
            COMPONENT,
            |text| remove_json(text, &path, ours.as_ref(), force),
            |text| jsonc::only_scaffold(text, &json!({})),
        )?,
    };
    Ok((path, outcome))
}

/// Whether ctx wrote `current`: what it writes now, or what it recorded writing.
fn written_by_ctx(current: &Value, recorded: Option<&Value>) -> bool {
    *current == wanted() || recorded.is_some_and(|r| r == current)
}

fn foreign_entry(path: &Path, current: &Value) -> anyhow::Error {
    anyhow::anyhow!(
        "{} already has an MCP server named \"ctx\" that ctx did not write ({}); ctx leaves \
         it alone: remove or rename it, or run again with --force to replace it (a backup \
         is kept)",
        path.display(),
        current
    )
}

/// The JSON configuration with `mcpServers.ctx` set, or `None` when it already is.
fn merge_json(
    file: &ConfigFile,
    recorded: Option<&Value>,
    force: bool,
) -> anyhow::Result<Option<(String, Installed)>> {
    let doc = Document::parse(file.text(), &file.path)?;
    let servers = jsonc::object_at(&doc.object(), "mcpServers", &file.path)?;
    let outcome = match servers.get("ctx") {
        Some(prop) => {
            let current = prop
                .value()
                .and_then(|v| v.to_serde_value())
                .unwrap_or(Value::Null);
            if current == wanted() {
                return Ok(None);
            }
            if !force && !written_by_ctx(&current, recorded) {
                return Err(foreign_entry(&file.path, &current));
            }
            prop.set_value(wanted_input());
            Installed::Updated
        }
        None => {
            servers.append("ctx", wanted_input());
            if file.text.is_some() {
                Installed::Added
            } else {
                Installed::Created
            }
        }
    };
    Ok(Some((doc.text(), outcome)))
}

/// The JSON configuration without ctx's server, or `None` when it has none of ctx's.
fn remove_json(
    text: &str,
    path: &Path,
    recorded: Option<&Value>,
    force: bool,
) -> anyhow::Result<Option<String>> {
    let doc = Document::parse(text, path)?;
    let top = doc.object();
    let Some(servers) = top.get("mcpServers").and_then(|p| p.object_value()) else {
        return Ok(None);
    };
    let Some(prop) = servers.get("ctx") else {
        return Ok(None);
    };
    let current = prop
        .value()
        .and_then(|v| v.to_serde_value())
        .unwrap_or(Value::Null);
    if !force && !written_by_ctx(&current, recorded) {
        bail!(
            "{}: the MCP server named \"ctx\" there was not written by ctx ({current}); it stays \
             (use --force to remove it anyway)",
            path.display()
        );
    }
    prop.remove();
    if servers.properties().is_empty() {
        if let Some(prop) = top.get("mcpServers") {
            prop.remove();
        }
    }
    Ok(Some(doc.text()))
}

/// `[mcp_servers.ctx]` as a JSON value, for comparisons.
fn toml_entry(item: &toml_edit::Item) -> Value {
    let text = match item {
        toml_edit::Item::Table(table) => table.to_string(),
        other => format!("x = {other}"),
    };
    toml::from_str::<toml::Table>(&text)
        .ok()
        .and_then(|t| serde_json::to_value(t).ok())
        .map(|v| match (item, v) {
            (toml_edit::Item::Table(_), v) => v,
            (_, mut v) => v["x"].take(),
        })
        .unwrap_or(Value::Null)
}

fn parse_toml(text: &str, path: &Path) -> anyhow::Result<toml_edit::DocumentMut> {
    text.parse().map_err(|e| {
        anyhow::anyhow!(
            "{}: not valid TOML ({e}); fix it, ctx will not overwrite it",
            path.display()
        )
    })
}

/// The Codex TOML configuration with `[mcp_servers.ctx]` set, or `None` when it already is.
fn merge_toml(
    file: &ConfigFile,
    recorded: Option<&Value>,
    force: bool,
) -> anyhow::Result<Option<(String, Installed)>> {
    let mut doc = parse_toml(file.text(), &file.path)?;
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
                file.path.display()
            )
        })?;
    let outcome = match servers.get("ctx") {
        Some(item) => {
            let current = toml_entry(item);
            if current == wanted() {
                return Ok(None);
            }
            if !force && !written_by_ctx(&current, recorded) {
                return Err(foreign_entry(&file.path, &current));
            }
            Installed::Updated
        }
        None if file.text.is_some() => Installed::Added,
        None => Installed::Created,
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

/// The TOML configuration without `[mcp_servers.ctx]`, or `None` when it has none of ctx's.
fn remove_toml(
    text: &str,
    path: &Path,
    recorded: Option<&Value>,
    force: bool,
) -> anyhow::Result<Option<String>> {
    let mut doc = parse_toml(text, path)?;
    let Some(servers) = doc.get_mut("mcp_servers").and_then(|s| s.as_table_mut()) else {
        return Ok(None);
    };
    let Some(item) = servers.get("ctx") else {
        return Ok(None);
    };
    let current = toml_entry(item);
    if !force && !written_by_ctx(&current, recorded) {
        bail!(
            "{}: [mcp_servers.ctx] there was not written by ctx ({current}); it stays (use \
             --force to remove it anyway)",
            path.display()
        );
    }
    servers.remove("ctx");
    if servers.is_empty() && servers.is_implicit() {
        doc.remove("mcp_servers");
    }
    Ok(Some(doc.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: Option<&str>) -> ConfigFile {
        ConfigFile {
            path: PathBuf::from("x.json"),
            text: text.map(String::from),
        }
    }

    #[test]
    fn json_merge_keeps_other_servers_comments_and_is_idempotent() {
        let before = "{\n  // servers I use\n  \"mcpServers\": {\"other\": {\"command\": \"x\"}},\n  \"theme\": \"dark\"\n}\n";
        let (text, outcome) = merge_json(&file(Some(before)), None, false)
            .unwrap()
            .unwrap();
        assert_eq!(outcome, Installed::Added);
        assert!(text.contains("// servers I use"), "{text}");
        assert!(
            text.find("mcpServers").unwrap() < text.find("theme").unwrap(),
            "{text}"
        );
        let doc = Document::parse(&text, Path::new("x")).unwrap().value();
        assert_eq!(doc["mcpServers"]["other"]["command"], "x");
        assert_eq!(doc["mcpServers"]["ctx"], wanted());
        assert!(merge_json(&file(Some(&text)), None, false)
            .unwrap()
            .is_none());
        // Without an install record (restoring is the uninstall's job), only the entry goes.
        let removed = remove_json(&text, Path::new("x"), None, false)
            .unwrap()
            .unwrap();
        assert!(removed.contains("// servers I use"), "{removed}");
        let doc = Document::parse(&removed, Path::new("x")).unwrap().value();
        assert_eq!(
            doc,
            json!({"mcpServers": {"other": {"command": "x"}}, "theme": "dark"})
        );
    }

    #[test]
    fn a_users_own_ctx_entry_is_never_replaced_without_force() {
        let before = r#"{"mcpServers": {"ctx": {"command": "/opt/ctx/bin/ctx", "args": ["mcp"], "env": {"CTX_HOME": "/data"}}}}"#;
        let err = merge_json(&file(Some(before)), None, false).unwrap_err();
        assert!(format!("{err}").contains("--force"), "{err}");
        assert!(format!("{err}").contains("/opt/ctx/bin/ctx"), "{err}");
        let (text, outcome) = merge_json(&file(Some(before)), None, true)
            .unwrap()
            .unwrap();
        assert_eq!(outcome, Installed::Updated);
        assert!(text.contains("\"ctx\""));
        let recorded = json!({"command": "ctx", "args": ["mcp", "--old"]});
        let older = r#"{"mcpServers": {"ctx": {"command": "ctx", "args": ["mcp", "--old"]}}}"#;
        let (_, outcome) = merge_json(&file(Some(older)), Some(&recorded), false)
            .unwrap()
            .unwrap();
        assert_eq!(
            outcome,
            Installed::Updated,
            "ctx's own older entry is updated"
        );
        assert!(remove_json(before, Path::new("x"), None, false).is_err());
    }

    #[test]
    fn json_merge_refuses_malformed_files() {
        for bad in ["{not json", "[1]", r#"{"mcpServers": 3}"#] {
            assert!(merge_json(&file(Some(bad)), None, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn toml_merge_keeps_other_settings_and_comments() {
        let before = "# my settings\nmodel = \"o3\"\n\n[mcp_servers.other]\ncommand = \"y\"\n";
        let (text, outcome) = merge_toml(&file(Some(before)), None, false)
            .unwrap()
            .unwrap();
        assert_eq!(outcome, Installed::Added);
        assert!(text.starts_with("# my settings\n"), "{text}");
        let doc: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(doc["model"].as_str(), Some("o3"));
        assert_eq!(doc["mcp_servers"]["other"]["command"].as_str(), Some("y"));
        assert_eq!(doc["mcp_servers"]["ctx"]["command"].as_str(), Some("ctx"));
        assert!(merge_toml(&file(Some(&text)), None, false)
            .unwrap()
            .is_none());
        let (_, outcome) = merge_toml(&file(None), None, false).unwrap().unwrap();
        assert_eq!(outcome, Installed::Created);
        let removed = remove_toml(&text, Path::new("c"), None, false)
            .unwrap()
            .unwrap();
        assert_eq!(removed, before);
        let foreign = "[mcp_servers.ctx]\ncommand = \"/usr/bin/ctx\"\nargs = [\"mcp\"]\n";
        assert!(merge_toml(&file(Some(foreign)), None, false).is_err());
    }
}
