//! End-to-end tests of `ctx anchors` and `ctx plan`.

use std::path::Path;
use std::process::{Command, Output};

fn ctx(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ctx"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env("CTX_EMBEDDER", "hash")
        .output()
        .expect("running ctx")
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "ctx failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".ctx")).unwrap();
    dir
}

fn anchors_json(root: &Path) -> Vec<serde_json::Value> {
    crate::util::records(&ok(&ctx(root, &["--json", "anchors", "list"])), "anchor")
}

#[test]
fn add_compiles_writes_toml_and_keeps_comments() {
    let dir = repo();
    std::fs::write(dir.path().join(".ctx/anchors.toml"), "# reviewed rules\n").unwrap();
    let out = ok(&ctx(
        dir.path(),
        &[
            "anchors",
            "add",
            "Never force-push to main",
            "--id",
            "no-force",
        ],
    ));
    assert!(out.contains("pinned no-force"), "{out}");
    let toml = std::fs::read_to_string(dir.path().join(".ctx/anchors.toml")).unwrap();
    assert!(
        toml.contains("# reviewed rules\n"),
        "the comment is kept: {toml}"
    );
    assert!(toml.contains("force_push"), "{toml}");
    let explain = ok(&ctx(dir.path(), &["anchors", "explain", "no-f"]));
    assert!(
        explain.contains("force-push") && explain.contains("matcher: git force-push to main"),
        "{explain}"
    );
    ok(&ctx(
        dir.path(),
        &["anchors", "add", "Be kind in reviews", "--id", "kind"],
    ));
    let explain = ok(&ctx(dir.path(), &["anchors", "explain", "kind"]));
    assert!(explain.contains("semantic-only"), "{explain}");
}

#[test]
fn explicit_matchers_list_disable_enable_rm() {
    let dir = repo();
    ok(&ctx(
        dir.path(),
        &[
            "anchors",
            "add",
            "No DB in tests",
            "--id",
            "no-db",
            "--scope",
            "tests/**",
            "--forbid-pattern",
            r"psycopg2\.connect\(",
            "--severity",
            "warn",
        ],
    ));
    let all = anchors_json(dir.path());
    let pinned = all
        .iter()
        .find(|a| a["id"] == "no-db")
        .expect("pinned anchor listed");
    assert_eq!(pinned["severity"], "warn");
    assert_eq!(pinned["scope"][0], "tests/**");
    assert!(
        all.iter().any(|a| a["source"]["kind"] == "builtin"),
        "built-ins are listed"
    );

    ok(&ctx(dir.path(), &["anchors", "disable", "b-rm-root"]));
    let toml = std::fs::read_to_string(dir.path().join(".ctx/anchors.toml")).unwrap();
    assert!(toml.contains("b-rm-root"), "{toml}");
    let all = anchors_json(dir.path());
    assert_eq!(
        all.iter().find(|a| a["id"] == "b-rm-root").unwrap()["enabled"],
        false
    );
    ok(&ctx(dir.path(), &["anchors", "enable", "b-rm-root"]));
    assert_eq!(
        anchors_json(dir.path())
            .iter()
            .find(|a| a["id"] == "b-rm-root")
            .unwrap()["enabled"],
        true
    );

    ok(&ctx(dir.path(), &["anchors", "rm", "no-db"]));
    assert!(!anchors_json(dir.path()).iter().any(|a| a["id"] == "no-db"));
    let err = ctx(dir.path(), &["anchors", "rm", "b-rm-root"]);
    assert_eq!(err.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&err.stderr).contains("disable"));
}

#[test]
fn bad_files_fail_with_positions() {
    let dir = repo();
    std::fs::write(
        dir.path().join(".ctx/anchors.toml"),
        "[[anchor]]\ntext = \"x\"\nseverity = loud\n",
    )
    .unwrap();
    let out = ctx(dir.path(), &["anchors", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("anchors.toml:3:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    std::fs::write(
        dir.path().join(".ctx/anchors.toml"),
        "[[anchor]]\ntext = \"no rm\"\nforbid_command = [\"rm -rf\"]\nmatch = [\"rm -r x\"]\n",
    )
    .unwrap();
    let out = ctx(dir.path(), &["anchors", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rm -r x"));

    std::fs::write(dir.path().join(".ctx/anchors.toml"), "").unwrap();
    std::fs::write(
        dir.path().join("plan.json"),
        "{\n  \"files\": [\"src/**\"],\n  \"steps\": [1,]\n}",
    )
    .unwrap();
    let out = ctx(
        dir.path(),
        &[
            "plan",
            "pin",
            dir.path().join("plan.json").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("plan.json:3:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn plan_pin_show_clear() {
    let dir = repo();
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, r#"{"goal":"retries","steps":[{"description":"backoff","files":["src/http/**"]},"wire it"]}"#).unwrap();
    ok(&ctx(dir.path(), &["plan", "pin", plan.to_str().unwrap()]));
    let shown = ok(&ctx(dir.path(), &["plan", "show"]));
    assert!(
        shown.contains("src/http/**") && shown.contains("wire it"),
        "{shown}"
    );
    assert!(anchors_json(dir.path())
        .iter()
        .any(|a| a["id"] == "plan-scope"));
    ok(&ctx(dir.path(), &["plan", "clear"]));
    assert_eq!(ctx(dir.path(), &["plan", "show"]).status.code(), Some(1));
}

#[test]
fn coverage_counts_each_documents_rules_by_tier_and_says_why() {
    let dir = repo();
    std::fs::write(
        dir.path().join("AGENTS.md"),
        "# Rules\n\n- Never run `git push --force`.\n- Avoid `console.log` where possible.\n- Write clear, self-documenting code.\n",
    )
    .unwrap();
    ok(&ctx(dir.path(), &["index"]));
    let records: Vec<serde_json::Value> = ok(&ctx(dir.path(), &["--json", "anchors", "coverage"]))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let doc = records
        .iter()
        .find(|r| r["type"] == "coverage")
        .expect("a coverage record");
    assert_eq!(doc["data"]["document"], "AGENTS.md");
    assert_eq!(
        (
            &doc["data"]["deny"],
            &doc["data"]["ask"],
            &doc["data"]["remind"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!(1),
            &serde_json::json!(1)
        ),
        "{doc}"
    );
    let why: Vec<&str> = doc["data"]["not_enforced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["why"].as_str().unwrap())
        .collect();
    assert!(why.iter().any(|w| w.starts_with("ask: soft")), "{why:?}");
    assert!(why.iter().any(|w| w.starts_with("remind")), "{why:?}");
    let summary = records.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["data"]["documents"], 1);
    let human = ok(&ctx(dir.path(), &["anchors", "coverage"]));
    assert!(
        human.contains("AGENTS.md: 1 enforced (deny), 1 ask, 1 remind"),
        "{human}"
    );
}
