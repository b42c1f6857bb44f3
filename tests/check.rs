//! `ctx check` outside hook mode: inputs, output formats, exit codes, git modes, drift log.

use crate::util::{json_lines, Dir};
use serde_json::Value;
use std::process::Command;

/// Pinned anchors used across these tests.
pub const ANCHORS: &str = r#"
[[anchor]]
id = "p-generated"
text = "Never edit files under generated/"
forbid_path = ["generated/**"]

[[anchor]]
id = "p-unwrap"
text = "Never call unwrap() in src"
scope = ["src/**"]
forbid_pattern = ['\.unwrap\(\)']

[[anchor]]
id = "p-println"
text = "Avoid println! in src"
severity = "warn"
scope = ["src/**"]
forbid_pattern = ['println!']
"#;

/// A repository with `.ctx/anchors.toml` holding [`ANCHORS`].
pub fn repo() -> Dir {
    let dir = Dir::new();
    dir.write(".ctx/anchors.toml", ANCHORS);
    dir.write("src/lib.rs", "pub fn a() {}\n");
    dir
}

fn verdict(stdout: &str) -> Value {
    let lines = json_lines(stdout);
    assert_eq!(
        lines.len(),
        2,
        "a verdict and the closing summary: {stdout}"
    );
    assert_eq!(lines[0]["type"], "verdict");
    assert_eq!(lines[1]["type"], "summary");
    lines[0]["data"].clone()
}

#[test]
fn a_denied_command_exits_1_and_names_the_anchor() {
    let dir = repo();
    let (stdout, _) = dir.ctx(&["check", "--command", "sudo rm -rf /"]).code(1);
    assert!(stdout.starts_with("deny:"), "{stdout}");
    assert!(stdout.contains("builtin"), "{stdout}");
    assert!(stdout.contains("matched"), "{stdout}");
}

#[test]
fn an_allowed_command_exits_0() {
    let dir = repo();
    let (stdout, _) = dir
        .ctx(&["check", "--command", "grep \"rm -rf\" notes.txt"])
        .code(0);
    assert!(stdout.starts_with("allow:"), "{stdout}");
}

#[test]
fn json_output_carries_the_violation() {
    let dir = repo();
    let (stdout, _) = dir
        .ctx(&["check", "--json", "--command", "echo x > generated/a.rs"])
        .code(1);
    let v = verdict(&stdout);
    assert_eq!(v["decision"], "deny");
    assert_eq!(v["violations"][0]["anchor_id"], "p-generated");
    assert_eq!(
        v["violations"][0]["text"],
        "Never edit files under generated/"
    );
    assert_eq!(v["violations"][0]["source"], "pinned (.ctx/anchors.toml)");
    assert_eq!(v["violations"][0]["path"], "generated/a.rs");
}

#[test]
fn writes_check_paths_and_added_lines() {
    let dir = repo();
    dir.ctx(&["check", "--write", "generated/x.rs"])
        .stdin("fn x() {}\n")
        .code(1);
    let (stdout, _) = dir
        .ctx(&["check", "--json", "--write", "src/new.rs"])
        .stdin("fn a() {}\nfn b() { v.unwrap() }\n")
        .code(1);
    let v = verdict(&stdout);
    assert_eq!(v["violations"][0]["anchor_id"], "p-unwrap");
    assert_eq!(v["violations"][0]["line"], 2);
    dir.ctx(&["check", "--write", "tests/new.rs"])
        .stdin("v.unwrap()\n")
        .code(0);
    dir.ctx(&["check", "--write", "src/ok.rs"])
        .stdin("fn ok() {}\n")
        .code(0);
}

#[test]
fn overwriting_a_file_checks_only_changed_lines() {
    let dir = repo();
    dir.write("src/old.rs", "fn a() { x.unwrap() }\n");
    dir.ctx(&["check", "--write", "src/old.rs"])
        .stdin("fn a() { x.unwrap() }\nfn b() {}\n")
        .code(0);
}

#[test]
fn edits_check_the_new_text() {
    let dir = repo();
    let (stdout, _) = dir
        .ctx(&[
            "check",
            "--json",
            "--edit",
            "src/lib.rs",
            "--old",
            "pub fn a() {}",
            "--new",
            "pub fn a() { b().unwrap() }",
        ])
        .code(1);
    assert_eq!(verdict(&stdout)["violations"][0]["line"], 1);
    dir.ctx(&[
        "check",
        "--edit",
        "src/lib.rs",
        "--old",
        "pub fn a() {}",
        "--new",
        "pub fn a() -> u8 { 1 }",
    ])
    .code(0);
}

#[test]
fn warnings_exit_0_with_output() {
    let dir = repo();
    let (stdout, _) = dir
        .ctx(&["check", "--write", "src/p.rs"])
        .stdin("fn p() { println!(\"x\") }\n")
        .code(0);
    assert!(stdout.starts_with("warn:"), "{stdout}");
    assert!(stdout.contains("p-println"), "{stdout}");
}

const DIFF: &str = "\
diff --git a/src/lib.rs b/src/lib.rs
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -1 +1,3 @@
 pub fn a() {}
+pub fn b() { c().unwrap() }
+pub fn d() {}
";

#[test]
fn diffs_from_stdin_and_files() {
    let dir = repo();
    let (stdout, _) = dir
        .ctx(&["check", "--json", "--diff", "-"])
        .stdin(DIFF)
        .code(1);
    let v = verdict(&stdout);
    assert_eq!(v["violations"][0]["path"], "src/lib.rs");
    assert_eq!(v["violations"][0]["line"], 2);
    dir.write("change.diff", DIFF);
    dir.ctx(&["check", "--diff", "change.diff"]).code(1);
    let (_, stderr) = dir
        .ctx(&["check", "--diff", "-"])
        .stdin("not a diff\n")
        .code(2);
    assert!(stderr.contains("not a unified diff"), "{stderr}");
}

#[test]
fn a_thousand_line_diff_is_checked() {
    let dir = repo();
    let mut diff = String::from("--- a/src/big.rs\n+++ b/src/big.rs\n@@ -0,0 +1,1000 @@\n");
    for i in 0..1000 {
        diff.push_str(&format!("+fn f{i}() {{}}\n"));
    }
    dir.ctx(&["check", "--diff", "-"])
        .stdin(diff.clone())
        .code(0);
    let bad = diff.replace("+fn f999() {}", "+fn f999() { x.unwrap() }");
    let (stdout, _) = dir
        .ctx(&["check", "--json", "--diff", "-"])
        .stdin(bad)
        .code(1);
    assert_eq!(verdict(&stdout)["violations"][0]["line"], 1000);
}

#[test]
fn sarif_output_is_sarif_2_1_0() {
    let dir = repo();
    let (stdout, _) = dir
        .ctx(&["check", "--format", "sarif", "--diff", "-"])
        .stdin(DIFF)
        .code(1);
    let log: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif"));
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "ctx");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "p-unwrap"));
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "p-unwrap");
    assert_eq!(result["level"], "error");
    assert!(result["message"]["text"]
        .as_str()
        .unwrap()
        .contains("unwrap"));
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "src/lib.rs");
    assert_eq!(location["region"]["startLine"], 2);
}

#[test]
fn github_format_prints_annotations() {
    let dir = repo();
    let (stdout, _) = dir
        .ctx(&["check", "--format", "github", "--diff", "-"])
        .stdin(DIFF)
        .code(1);
    assert!(
        stdout.starts_with("::error file=src/lib.rs,line=2,title=ctx p-unwrap::"),
        "{stdout}"
    );
}

fn git(dir: &Dir, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir.path())
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("CTX_BIN", env!("CARGO_BIN_EXE_ctx"))
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A git repository with one commit.
pub fn git_repo() -> Dir {
    let dir = repo();
    git(&dir, &["init", "-q", "-b", "main", "."]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "init"]);
    dir
}

#[test]
fn staged_changes_are_checked() {
    let dir = git_repo();
    dir.ctx(&["check", "--staged"]).code(0);
    dir.write("generated/api.rs", "x\n");
    git(&dir, &["add", "generated/api.rs"]);
    let (stdout, _) = dir.ctx(&["check", "--staged"]).code(1);
    assert!(stdout.contains("p-generated"), "{stdout}");
}

#[test]
fn git_ranges_are_checked() {
    let dir = git_repo();
    dir.write("src/lib.rs", "pub fn a() { x.unwrap() }\n");
    git(&dir, &["commit", "-q", "-am", "bad"]);
    let (stdout, _) = dir
        .ctx(&["check", "--json", "--git", "HEAD~1..HEAD"])
        .code(1);
    assert_eq!(verdict(&stdout)["violations"][0]["anchor_id"], "p-unwrap");
    let (_, stderr) = dir.ctx(&["check", "--git", "nope..HEAD"]).code(2);
    assert!(stderr.contains("git diff"), "{stderr}");
}

#[test]
fn no_anchor_files_means_builtins_only() {
    let dir = Dir::new();
    dir.ctx(&["check", "--command", "ls -la"]).code(0);
    dir.ctx(&["check", "--command", "git push --force origin main"])
        .code(1);
}

#[test]
fn a_corrupt_anchors_file_is_an_error_naming_it() {
    let dir = Dir::new();
    dir.write(".ctx/anchors.toml", "[[anchor]\ntext = 1\n");
    let (_, stderr) = dir.ctx(&["check", "--command", "ls"]).code(2);
    assert!(stderr.contains("anchors.toml"), "{stderr}");
}

#[test]
fn a_corrupt_config_is_an_error_naming_it() {
    let dir = repo();
    dir.write(".ctx/config.toml", "[check]\non_error = \"sometimes\"\n");
    let out = dir
        .ctx(&["check", "--hook", "claude"])
        .stdin(
            r#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}"#,
        )
        .output();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"deny\""), "{stdout}");
    assert!(stdout.contains("config.toml"), "{stdout}");
}

#[test]
fn checks_are_logged_and_reported() {
    let dir = repo();
    dir.ctx(&["check", "--command", "ls"]).code(0);
    dir.ctx(&["check", "--command", "echo x > generated/a"])
        .code(1);
    dir.ctx(&["check", "--no-log", "--command", "echo y > generated/b"])
        .code(1);
    let log = dir.read(".ctx/drift.jsonl");
    assert_eq!(log.lines().count(), 2, "{log}");
    let stdout = dir.ctx(&["drift", "report", "--json"]).ok();
    let report = &json_lines(&stdout)[0]["data"];
    assert_eq!(report["checks"], 2);
    assert_eq!(report["denied"], 1);
    assert_eq!(report["per_anchor"][0]["anchor"], "p-generated");
    let human = dir.ctx(&["drift", "report"]).ok();
    assert!(human.contains("violations per anchor"), "{human}");
    let (_, stderr) = dir.ctx(&["drift", "report", "--session", "nope"]).code(2);
    assert!(stderr.contains("nope"), "{stderr}");
}

#[test]
fn check_requires_an_input() {
    let dir = repo();
    dir.ctx(&["check"]).code(2);
}

/// The compiled-anchor cache (`.ctx/anchors.cache`, issue 4 latency): written by the first
/// check, reused by the next, rebuilt when a source changes, and never hiding a failing example
/// or a syntax error that appears after it was written.
#[test]
fn r4_anchor_cache_follows_every_change() {
    let dir = repo();
    dir.ctx(&["check", "--command", "echo x > generated/a"])
        .code(1);
    let cache = dir.read(".ctx/anchors.cache");
    assert!(cache.starts_with("ctx-anchors-cache "), "{cache}");
    dir.ctx(&["check", "--command", "echo x > generated/a"])
        .code(1);
    assert_eq!(
        dir.read(".ctx/anchors.cache"),
        cache,
        "an unchanged source rewrote the cache"
    );

    let more = format!(
        "{ANCHORS}\n[[anchor]]\nid = \"p-docs\"\ntext = \"Never edit docs/\"\nforbid_path = [\"docs/**\"]\n"
    );
    dir.write(".ctx/anchors.toml", &more);
    let (stdout, _) = dir
        .ctx(&["check", "--command", "echo x > docs/a.md"])
        .code(1);
    assert!(
        stdout.contains("p-docs"),
        "a new anchor was not seen: {stdout}"
    );

    let failing = format!("{more}match = [\"path:src/a.rs\"]\n");
    dir.write(".ctx/anchors.toml", &failing);
    let (_, stderr) = dir.ctx(&["check", "--command", "ls"]).code(2);
    assert!(
        stderr.contains("p-docs") && stderr.contains("path:src/a.rs"),
        "a failing example was hidden by the cache: {stderr}"
    );

    dir.write(".ctx/anchors.toml", "[[anchor]]\ntext = \n");
    let (_, stderr) = dir.ctx(&["check", "--command", "ls"]).code(2);
    assert!(stderr.contains("anchors.toml:2:"), "{stderr}");

    dir.write(".ctx/anchors.toml", ANCHORS);
    dir.write(".ctx/anchors.cache", "ctx-anchors-cache 1 garbage\n{");
    dir.ctx(&["check", "--command", "echo x > generated/a"])
        .code(1);
    dir.ctx(&["check", "--command", "echo x > docs/a.md"])
        .code(0);
}
