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

/// Forbids every line written under `secrets/`, so that a check report quotes each one.
const QUOTE_EVERY_LINE: &str = r#"
[[anchor]]
id = "no-secrets-dir"
text = "Never write any line under secrets/"
scope = ["secrets/**"]
forbid_pattern = ['.+']
"#;

// See: issue 12 ("Left, and why": check human/JSON quoted each line after `PATH:LINE: PATH: `,
// and the assignment detector missed what it masks in bare text).
#[test]
fn r12_check_reports_quoting_written_lines_hold_no_secret() {
    let dir = Dir::new();
    dir.write(".ctx/anchors.toml", QUOTE_EVERY_LINE);
    let mut files = planted();
    // Assignments that are secrets only where they stand: alone on their line, or a
    // `:=` whose name a quoted path prefix would otherwise swallow.
    files.push(PlantedFile {
        kind: "go-short-assignment".into(),
        path: "config/client.go".into(),
        text: "package client\n\nfunc New() {\n\tapiToken := \"a1b2c3d4e5f6a7b8c9d0e1f2\"\n}\n"
            .into(),
        secrets: vec!["a1b2c3d4e5f6a7b8c9d0e1f2".into()],
    });
    files.push(PlantedFile {
        kind: "yaml-bare-password".into(),
        path: "config/db.yml".into(),
        text: "db:\n  user: app\n  password: hunter\n".into(),
        secrets: vec!["hunter".into()],
    });
    let mut quoted = 0;
    for file in &files {
        let target = format!("secrets/{}", file.path);
        for format in ["human", "json", "sarif", "github"] {
            let (stdout, stderr) = dir
                .ctx(&["check", "--format", format, "--write", &target])
                .stdin(file.text.as_str())
                .code(1);
            assert!(stdout.contains(&target), "{format}: {stdout}");
            quoted += 1;
            for secret in &file.secrets {
                assert!(
                    !stdout.contains(secret.as_str()) && !stderr.contains(secret.as_str()),
                    "check --format {format} leaked {} ({secret}):\n{stdout}{stderr}",
                    file.kind
                );
            }
        }
    }
    assert!(quoted >= 4 * 30, "{quoted}");
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
