//! End-to-end tests of installs into agents' configuration files (issue 14, item 5):
//! comments and key order kept, a backup before any change, never replacing an entry ctx
//! did not write, `--user` / `--project` for every agent, and uninstalls that restore.

use crate::util::{summary, Dir};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Gemini's settings as a user writes them: comments, an order of their own, a trailing comma.
const GEMINI_SETTINGS: &str = r#"{
  // Appearance first.
  "theme": "Dracula",
  "security": {
    "auth": { "selectedType": "gemini-api-key" }, // set by /auth
  },
  /* servers I use */
  "mcpServers": {
    "docs": { "command": "docs-server" }
  }
}
"#;

fn home(dir: &Dir) -> PathBuf {
    let home = dir.path().parent().unwrap().join("home");
    std::fs::create_dir_all(&home).unwrap();
    home
}

fn backups(dir: &Dir) -> Vec<PathBuf> {
    let state = dir.path().parent().unwrap().join("ctx-home/state/backups");
    std::fs::read_dir(state)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[test]
fn gemini_settings_with_comments_keep_them_and_come_back_byte_for_byte() {
    let dir = Dir::new();
    dir.write(".gemini/settings.json", GEMINI_SETTINGS);
    dir.ctx(&["hook", "install", "gemini"]).ok();
    dir.ctx(&["mcp", "install", "gemini"]).ok();
    let edited = dir.read(".gemini/settings.json");
    for kept in [
        "// Appearance first.",
        "// set by /auth",
        "/* servers I use */",
        "\"docs\": { \"command\": \"docs-server\" }",
    ] {
        assert!(edited.contains(kept), "{kept} lost:\n{edited}");
    }
    let order: Vec<usize> = ["\"theme\"", "\"security\"", "\"mcpServers\"", "\"hooks\""]
        .iter()
        .map(|k| edited.find(k).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "order: {edited}");
    assert!(
        edited.contains("ctx-hook' check --hook gemini || "),
        "{edited}"
    );
    assert!(edited.contains("\"ctx\""));
    assert_eq!(backups(&dir).len(), 2, "one backup per change");
    assert!(
        backups(&dir)
            .iter()
            .any(|b| std::fs::read_to_string(b).unwrap() == GEMINI_SETTINGS),
        "the file as it was is backed up"
    );

    dir.ctx(&["mcp", "uninstall", "gemini"]).ok();
    dir.ctx(&["hook", "uninstall", "gemini"]).ok();
    assert_eq!(dir.read(".gemini/settings.json"), GEMINI_SETTINGS);
}

#[test]
fn uninstall_after_the_user_edited_the_file_removes_only_ctxs_entries() {
    let dir = Dir::new();
    dir.write(".gemini/settings.json", GEMINI_SETTINGS);
    dir.ctx(&["hook", "install", "gemini"]).ok();
    let edited = dir
        .read(".gemini/settings.json")
        .replace("\"Dracula\"", "\"Solarized\"");
    dir.write(".gemini/settings.json", &edited);
    let out = dir.ctx(&["--json", "hook", "uninstall", "gemini"]).ok();
    assert!(summary(&out)["result"]
        .as_str()
        .unwrap()
        .contains("entries only"));
    let after = dir.read(".gemini/settings.json");
    assert_eq!(
        after,
        GEMINI_SETTINGS.replace("\"Dracula\"", "\"Solarized\"")
    );
}

#[test]
fn files_ctx_created_are_removed_on_uninstall() {
    let dir = Dir::new();
    for (agent, file) in [
        ("codex", ".codex/hooks.json"),
        ("cursor", ".cursor/hooks.json"),
        ("claude", ".claude/settings.json"),
    ] {
        dir.ctx(&["hook", "install", agent]).ok();
        assert!(dir.path().join(file).is_file());
        dir.ctx(&["hook", "uninstall", agent]).ok();
        assert!(!dir.path().join(file).exists(), "{file} left behind");
        let parent = Path::new(file).parent().unwrap();
        assert!(!dir.path().join(parent).exists(), "{parent:?} left behind");
    }
    dir.ctx(&["mcp", "install", "claude"]).ok();
    dir.ctx(&["mcp", "uninstall", "claude"]).ok();
    assert!(!dir.path().join(".mcp.json").exists());
    // Uninstalling what is not there says so and changes nothing.
    let out = dir.ctx(&["--json", "mcp", "uninstall", "cursor"]).ok();
    assert_eq!(summary(&out)["outcome"], "not_installed");
}

#[test]
fn a_users_own_ctx_server_is_kept_unless_forced() {
    let dir = Dir::new();
    let mine = r#"{
  "mcpServers": {
    "ctx": { "command": "/opt/ctx/bin/ctx", "args": ["mcp"], "env": { "CTX_HOME": "/data/ctx" } }
  }
}
"#;
    dir.write(".mcp.json", mine);
    let (_, stderr) = dir.ctx(&["mcp", "install", "claude"]).code(2);
    assert!(stderr.contains("did not write"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(dir.read(".mcp.json"), mine, "nothing written");
    let (_, stderr) = dir.ctx(&["mcp", "uninstall", "claude"]).code(2);
    assert!(stderr.contains("not written by ctx"), "{stderr}");
    assert_eq!(dir.read(".mcp.json"), mine);

    dir.ctx(&["mcp", "install", "claude", "--force"]).ok();
    let forced: Value = serde_json::from_str(&dir.read(".mcp.json")).unwrap();
    assert_eq!(forced["mcpServers"]["ctx"]["command"], "ctx");
    assert!(backups(&dir)
        .iter()
        .any(|b| std::fs::read_to_string(b).unwrap() == mine));
    dir.ctx(&["mcp", "uninstall", "claude"]).ok();
    assert_eq!(dir.read(".mcp.json"), mine, "the user's entry is back");
}

#[test]
fn every_agent_installs_for_the_user_or_the_project() {
    let dir = Dir::new();
    let home = home(&dir);
    let codex_home = home.join(".codex");
    let user = |args: &[&str]| {
        dir.ctx(args)
            .env("HOME", &home)
            .env("CODEX_HOME", &codex_home)
    };
    for (agent, hooks_file, mcp_file) in [
        ("claude", ".claude/settings.json", ".claude.json"),
        ("codex", ".codex/hooks.json", ".codex/config.toml"),
        ("gemini", ".gemini/settings.json", ".gemini/settings.json"),
        ("cursor", ".cursor/hooks.json", ".cursor/mcp.json"),
    ] {
        user(&["hook", "install", agent, "--user"]).ok();
        user(&["mcp", "install", agent, "--user"]).ok();
        let hooks = std::fs::read_to_string(home.join(hooks_file)).unwrap();
        assert!(
            hooks.contains(&format!("ctx-hook' check --hook {agent} || ")),
            "{agent}: {hooks}"
        );
        let mcp = std::fs::read_to_string(home.join(mcp_file)).unwrap();
        assert!(mcp.contains("mcp"), "{agent}: {mcp}");
        assert!(
            !dir.path().join(hooks_file).exists(),
            "{agent}: --user wrote into the project"
        );

        user(&["hook", "install", agent, "--project"]).ok();
        user(&["mcp", "install", agent]).ok();
        assert!(dir.path().join(hooks_file).is_file(), "{agent}");
        let project_mcp = match agent {
            "claude" => ".mcp.json",
            other => mcp_file.trim_start_matches(&format!(".{other}/")),
        };
        let project_mcp = if agent == "claude" {
            dir.path().join(project_mcp)
        } else {
            dir.path().join(format!(".{agent}")).join(project_mcp)
        };
        assert!(project_mcp.is_file(), "{agent}: {}", project_mcp.display());

        user(&["mcp", "uninstall", agent, "--user"]).ok();
        user(&["hook", "uninstall", agent, "--user"]).ok();
        assert!(!home.join(hooks_file).exists(), "{agent}");
        assert!(!home.join(mcp_file).exists(), "{agent}");
    }
    let (_, stderr) = dir.ctx(&["hook", "install", "git", "--user"]).code(2);
    assert!(stderr.contains("core.hooksPath"), "{stderr}");
}
