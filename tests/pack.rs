//! End-to-end tests of `ctx pack` on fixture repositories.

use crate::util::Dir;
use serde::Deserialize;

/// The `--format json` contract.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Pack {
    budget: u64,
    reserve: u64,
    tokens: u64,
    tokenizer: String,
    model: String,
    anchors: Vec<String>,
    items: Vec<Item>,
    dropped: Vec<serde_json::Value>,
    prompt: String,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Item {
    path: String,
    start_line: u32,
    end_line: u32,
    symbol: Option<String>,
    kind: String,
    mode: String,
    tokens: u64,
    score: f64,
}

fn indexed() -> Dir {
    let dir = Dir::fixture("small");
    dir.write(
        "src/settings.py",
        "AWS_KEY = \"AKIAIOSFODNN7EXAMPLE\"\nDATABASE = \"postgres://app:s3cretpass@db:5432/app\"\n",
    );
    dir.write(".env", "API_TOKEN=hunter2hunter2\n");
    dir.ctx(&["index"]).ok();
    dir
}

fn pack(dir: &Dir, args: &[&str]) -> Pack {
    let mut all = vec!["pack", "--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&dir.ctx(&all).ok()).expect("pack JSON follows the contract")
}

#[test]
fn json_pack_stays_within_budget_and_follows_the_contract() {
    let dir = indexed();
    for budget in ["1500", "3k", "50k"] {
        let p = pack(
            &dir,
            &["--budget", budget, "--query", "session request retries"],
        );
        assert!(p.tokens <= p.budget, "{} > {}", p.tokens, p.budget);
        assert_eq!(p.model, "codex-5.3");
        assert_eq!(p.tokenizer, "o200k_base");
        for item in &p.items {
            assert!(
                item.start_line >= 1 && item.start_line <= item.end_line,
                "{item:?}"
            );
            assert!(!item.path.starts_with('/'), "{item:?}");
            assert!(item.mode == "full" || item.mode == "signature");
        }
    }
    let p = pack(
        &dir,
        &["--budget", "50k", "--query", "session request retries"],
    );
    assert!(
        p.items.iter().any(|i| i.path == "src/api/session.py"),
        "{:?}",
        p.items
    );
}

#[test]
fn pack_is_deterministic() {
    let dir = indexed();
    let a = dir
        .ctx(&["pack", "--budget", "4k", "--query", "server handle"])
        .ok();
    let b = dir
        .ctx(&["pack", "--budget", "4k", "--query", "server handle"])
        .ok();
    assert_eq!(a, b);
}

#[test]
fn secrets_never_leave() {
    let dir = indexed();
    let p = pack(&dir, &["--budget", "50k", "--query", "settings database"]);
    assert!(p.items.iter().any(|i| i.path == "src/settings.py"));
    assert!(!p.items.iter().any(|i| i.path == ".env"));
    for secret in ["AKIAIOSFODNN7EXAMPLE", "s3cretpass", "hunter2hunter2"] {
        assert!(!p.prompt.contains(secret), "{secret} leaked");
    }
    let (_, explain) = dir
        .ctx(&[
            "pack",
            "--budget",
            "50k",
            "--query",
            "settings",
            "--explain",
        ])
        .code(0);
    assert!(explain.contains("secrets masked"), "{explain}");
}

#[test]
fn explain_says_why() {
    let dir = indexed();
    let (_, stderr) = dir
        .ctx(&[
            "pack",
            "--budget",
            "3k",
            "--query",
            "session request",
            "--explain",
        ])
        .code(0);
    assert!(stderr.contains("search hit #"), "{stderr}");
}

#[test]
fn bad_input_gets_clear_errors() {
    let dir = indexed();
    let (_, err) = dir.ctx(&["pack", "--budget", "lots"]).code(2);
    assert!(err.contains("\"lots\""), "{err}");
    let (_, err) = dir.ctx(&["pack", "--model", "gpt-9"]).code(2);
    assert!(
        err.contains("\"gpt-9\"") && err.contains("codex-5.3"),
        "{err}"
    );
    dir.write("plan.json", "{\"goal\": \"x\",\n  \"files\": [\n}");
    let (_, err) = dir.ctx(&["pack", "--plan", "plan.json"]).code(2);
    assert!(err.contains("plan.json:3:1"), "{err}");
    let (_, err) = dir.ctx(&["pack", "--budget", "10"]).code(2);
    assert!(err.contains("budget"), "{err}");
    let empty = Dir::new();
    let (_, err) = empty.ctx(&["pack"]).code(2);
    assert!(err.contains("ctx index"), "{err}");
}

#[test]
fn empty_query_gives_a_map_only_pack() {
    let dir = indexed();
    let p = pack(&dir, &["--budget", "2k"]);
    assert!(p.prompt.contains("<repo-map"));
    assert!(!p.prompt.contains("<query>"));
}

#[test]
fn plan_handoff_puts_the_plan_files_first() {
    let dir = indexed();
    dir.write(
        "plan.json",
        r#"{"goal": "Add a retry to the client", "files": ["src/client.ts"], "steps": ["wire it"]}"#,
    );
    let p = pack(
        &dir,
        &[
            "--plan",
            "plan.json",
            "--model",
            "codex-5.3",
            "--budget",
            "1200",
        ],
    );
    assert!(p.prompt.contains("Add a retry to the client"));
    assert!(
        p.items.iter().any(|i| i.path == "src/client.ts"),
        "{:?}",
        p.items
    );
    assert!(p.tokens <= 1200);
}

#[test]
fn writes_to_a_file_with_a_summary() {
    let dir = indexed();
    let out = dir
        .ctx(&[
            "pack", "--budget", "2k", "--query", "server", "-o", "pack.xml",
        ])
        .ok();
    assert!(out.contains("packed"), "{out}");
    assert!(dir.read("pack.xml").starts_with("<ctx-pack"));
}

/// Issue 5: the pack's token count is the sum of its pieces' counts; it must equal a
/// fresh count of the whole prompt, in both formats, across budgets and with an estimated
/// profile.
#[test]
fn r5_reported_tokens_equal_a_fresh_count_of_the_prompt() {
    let dir = indexed();
    let o200k = ctx_engine::pack::Tokenizer::O200kBase;
    for format in ["xml", "markdown"] {
        for budget in ["900", "2500", "7k", "50k"] {
            let out = dir
                .ctx(&[
                    "--json",
                    "pack",
                    "--format",
                    format,
                    "--budget",
                    budget,
                    "--query",
                    "session request retries",
                ])
                .ok();
            let p: Pack = serde_json::from_value(crate::util::records(&out, "pack")[0].clone())
                .expect("pack JSON follows the contract");
            assert_eq!(crate::util::summary(&out)["tokens"], p.tokens);
            assert_eq!(p.tokens, o200k.count(&p.prompt) as u64, "{format} {budget}");
            assert!(p.tokens <= p.budget);
        }
    }
    let p = pack(
        &dir,
        &[
            "--model", "opus-4.6", "--budget", "6k", "--query", "retries",
        ],
    );
    let profile = ctx_engine::pack::find_profile(&ctx_engine::pack::builtin_profiles(), "opus-4.6")
        .expect("built-in profile");
    assert_eq!(p.tokens, profile.estimate(o200k.count(&p.prompt) as u64));
}
