//! Secrets never leave ctx: the planted corpus (`tests/fixtures/secrets/planted.toml`)
//! against every exit (pack in each format and `--explain`, search on the command line
//! and over MCP, check reports in each format, the drift log), the files that hold
//! secrets as a whole never served, `.ctx/` and the drift log owner-only.

use crate::mcp::Session;
use crate::util::{json_lines, Dir};
use serde::Deserialize;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;

#[derive(Deserialize)]
struct Planted {
    file: Vec<PlantedFile>,
}

#[derive(Deserialize)]
struct PlantedFile {
    kind: String,
    path: String,
    text: String,
    secrets: Vec<String>,
}

fn planted() -> Vec<PlantedFile> {
    let text = include_str!("fixtures/secrets/planted.toml");
    toml::from_str::<Planted>(text).unwrap().file
}

/// A repository holding every planted file, indexed.
fn planted_repo() -> (Dir, Vec<PlantedFile>) {
    let dir = Dir::new();
    let files = planted();
    for file in &files {
        dir.write(&file.path, &file.text);
    }
    dir.ctx(&["index"]).ok();
    (dir, files)
}

/// Fails naming each planted secret `out` (what `exit` printed) holds.
fn assert_no_secret(exit: &str, out: &str, files: &[PlantedFile]) {
    let leaked: Vec<String> = files
        .iter()
        .flat_map(|f| {
            f.secrets
                .iter()
                .filter(|s| out.contains(s.as_str()))
                .map(move |s| format!("{} ({}): {s}", f.kind, f.path))
        })
        .collect();
    assert!(leaked.is_empty(), "{exit} leaked:\n{}", leaked.join("\n"));
}

#[test]
fn at_least_thirty_kinds_are_planted_and_indexed() {
    let (dir, files) = planted_repo();
    assert!(files.len() >= 30, "{}", files.len());
    let status = json_lines(&dir.ctx(&["status", "--json"]).ok())
        .pop()
        .unwrap()["data"]
        .clone();
    assert!(status["files"].as_u64().unwrap() >= 30, "{status}");
}

#[test]
fn packs_in_every_format_and_their_explanation_hold_no_secret() {
    let (dir, files) = planted_repo();
    let query = "password secret key token credentials auth private";
    for format in ["xml", "markdown", "json"] {
        let out = dir
            .ctx(&[
                "pack", "--budget", "200k", "--format", format, "--query", query,
            ])
            .output();
        assert!(out.status.success(), "{out:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stdout.contains("redacted:"), "{format}: nothing was masked");
        assert_no_secret(&format!("pack --format {format}"), &stdout, &files);
        assert_no_secret(&format!("pack --format {format} (stderr)"), &stderr, &files);
    }
    let out = dir
        .ctx(&["pack", "--budget", "200k", "--explain", "--query", query])
        .output();
    let explained = String::from_utf8_lossy(&out.stderr);
    assert!(!explained.is_empty());
    assert_no_secret("pack --explain", &explained, &files);
}

#[test]
fn search_on_the_command_line_and_over_mcp_holds_no_secret_and_no_secret_file() {
    let (dir, files) = planted_repo();
    let queries = [
        "secret key token",
        "password",
        "private key BEGIN",
        "DB_PASSWORD hunter",
        "Authorization Bearer",
        "ssh ed25519 OPENSSH",
    ];
    let mut cli = String::new();
    for query in queries {
        cli.push_str(
            &dir.ctx(&["search", query, "-k", "50", "--mode", "lexical"])
                .ok(),
        );
        cli.push_str(
            &dir.ctx(&["search", query, "-k", "50", "--mode", "lexical", "--json"])
                .ok(),
        );
    }
    assert_no_secret("ctx search", &cli, &files);
    assert!(
        !cli.contains(".env\t") && !cli.contains("id_ed25519"),
        "{cli}"
    );

    let (mut session, _) = Session::start(&dir);
    let mut served = 0;
    for query in queries {
        let result = session.call(
            "search",
            json!({"query": query, "mode": "lexical", "k": 50}),
        );
        let text = result.to_string();
        assert_no_secret(&format!("MCP search {query:?}"), &text, &files);
        for hit in result["structuredContent"]["hits"].as_array().unwrap() {
            let path = hit["path"].as_str().unwrap();
            assert!(
                path != ".env" && !path.ends_with("id_ed25519"),
                "a secret file was served: {hit}"
            );
            served += 1;
        }
    }
    assert!(
        served > 20,
        "the queries found too little to test: {served}"
    );
    let packed = session.call("pack", json!({"budget": "100k", "query": "secret token"}));
    assert_no_secret("MCP pack", &packed.to_string(), &files);
}

#[test]
fn check_reports_and_the_drift_log_hold_no_secret_and_are_owner_only() {
    let dir = crate::check::repo();
    let files = planted();
    let token = "ghp_R4nd0mT0k3nV4lu3Xy12AbCdEfGhIjKlMnOp";
    let password = "Zq3vL9xT2mWp8RkY4nHs7JdF1gBc6AeUoIi0PqrS";
    let command = format!(
        "curl -H 'Authorization: token {token}' -u admin:{password} https://api.example.com > generated/out.json"
    );
    let mut printed = String::new();
    for format in ["human", "json", "sarif", "github"] {
        let (stdout, stderr) = dir
            .ctx(&["check", "--format", format, "--command", &command])
            .code(1);
        assert!(stdout.contains("generated"), "{format}: {stdout}");
        printed.push_str(&stdout);
        printed.push_str(&stderr);
    }
    for secret in [token, password] {
        assert!(
            !printed.contains(secret),
            "check output leaked {secret}:\n{printed}"
        );
    }
    let log = dir.read(".ctx/drift.jsonl");
    assert_eq!(log.lines().count(), 4, "{log}");
    assert!(!log.contains(token) && !log.contains(password), "{log}");
    assert_no_secret("drift log", &log, &files);
    let mode = |rel: &str| {
        std::fs::metadata(dir.path().join(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(".ctx/drift.jsonl"), 0o600);
    assert_eq!(mode(".ctx"), 0o700);
}

#[test]
fn a_drift_log_planted_as_a_link_is_never_written_through() {
    let dir = crate::check::repo();
    let target = dir.path().join("victim.txt");
    std::fs::write(&target, "keep me\n").unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join(".ctx/drift.jsonl")).unwrap();
    let (_, stderr) = dir
        .ctx(&["check", "--command", "echo x > generated/a"])
        .code(1);
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
}
