//! Drift evaluation: how well `ctx check` catches violations of a project's own rules.
//!
//! `cargo bench --bench drift_eval [-- --verbose] [-- --only uv] [-- --set dev|corpus|fresh|fresh2|fresh3|dcg]`
//!
//! Six labelled sets, each reported on its own:
//! - `dev`: the 11 documents of `../shared/evals/drift/docs` (or `$CTX_EVALS/drift/docs`) and
//!   their cases (`drift/cases.jsonl`) — a smoke test, never a target to fit;
//! - `corpus`: `benches/data/drift-corpus-labels.jsonl`, cases this project labelled on 16
//!   documents of the development corpus (`drift/corpus/docs`), without reading ctx's code;
//! - `fresh`: `benches/data/fresh`, 13 documents of projects no other set covers and their
//!   cases, labelled before ctx was first run on them (see `benches/data/README.md`);
//! - `fresh2`: `benches/data/fresh2`, 12 more such documents, labelled the same way once
//!   `fresh` had been used for development;
//! - `fresh3`: `benches/data/fresh3`, 12 more such documents, labelled the same way once
//!   `fresh2` had been used for development;
//! - `dcg`: the destructive-command corpus (`dcg-commands.jsonl`) against the built-in anchors
//!   in an empty repository.
//!
//! For a document set: a temporary git repository holding each document under its real name,
//! `ctx index .` (so the anchors are the ones ctx extracts by itself), then every labelled
//! case of that document, with `/repo` rewritten to the repository's path, piped to
//! `ctx check --hook claude`. The verdict is read from the exit code or the JSON answer:
//! `deny`, `ask` (Claude Code's `permissionDecision: "ask"`), `warn` or `allow`.
//!
//! Prints recall of deny (an `ask` is not a deny; asks are counted beside it), the false-deny
//! rate on allow, per family and per difficulty, and the cases it got wrong.

#[path = "support/evals.rs"]
mod evals;
#[path = "support/hook.rs"]
mod hook;

use evals::{evals_dir, read_jsonl, DocNames};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose" || a == "-v");
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1).cloned());
    let set = args
        .iter()
        .position(|a| a == "--set")
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| "all".into());
    let evals = evals_dir();
    let ctx = PathBuf::from(env!("CARGO_BIN_EXE_ctx"));
    println!(
        "drift eval: ctx = {}, data = {}",
        ctx.display(),
        evals.display()
    );
    if set == "all" || set == "dev" {
        let cases = read_jsonl(&evals.join("drift/cases.jsonl"));
        let names = DocNames::read(&evals.join("drift/sources.tsv"));
        run_documents(
            &ctx,
            &evals.join("drift"),
            &cases,
            &names,
            only.as_deref(),
            "dev set: 11 documents of drift/docs (smoke test, not a target)",
            verbose,
        );
    }
    if set == "all" || set == "corpus" {
        let labels =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data/drift-corpus-labels.jsonl");
        let cases = read_jsonl(&labels);
        let names = DocNames::read_corpus(&evals.join("drift/corpus/sources.tsv"));
        run_documents(
            &ctx,
            &evals.join("drift"),
            &cases,
            &names,
            only.as_deref(),
            "corpus labels: 16 development-corpus documents labelled by this project",
            verbose,
        );
    }
    for (name, title) in LOCAL_SETS {
        if set == "all" || set == *name {
            run_local_set(&ctx, name, title, only.as_deref(), verbose);
        }
    }
    if (set == "all" || set == "dcg") && only.is_none() {
        run_dcg(&ctx, &evals, verbose);
    }
}

/// The labelled sets kept in this repository, under `benches/data/<name>/` (`docs/`,
/// `sources.tsv`, `cases.jsonl`), with the title each report gets.
const LOCAL_SETS: &[(&str, &str)] = &[
    (
        "fresh",
        "fresh set: 13 documents of untouched projects, labelled blind (development aid)",
    ),
    (
        "fresh2",
        "fresh2 set: 12 more documents of untouched projects, labelled blind (development aid)",
    ),
    (
        "fresh3",
        "fresh3 set: 12 more documents of untouched projects, labelled blind (development aid)",
    ),
];

/// Runs the labelled set kept in `benches/data/<name>/`.
fn run_local_set(ctx: &Path, name: &str, title: &str, only: Option<&str>, verbose: bool) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/data")
        .join(name);
    let cases = read_jsonl(&dir.join("cases.jsonl"));
    let names = DocNames::read(&dir.join("sources.tsv"));
    run_documents(ctx, &dir, &cases, &names, only, title, verbose);
}

/// Runs every case of a labelled set, one temporary repository per document; each case's
/// `doc` is a path under `docs_root`.
fn run_documents(
    ctx: &Path,
    docs_root: &Path,
    cases: &[Value],
    names: &DocNames,
    only: Option<&str>,
    title: &str,
    verbose: bool,
) {
    let mut by_doc: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for case in cases {
        let doc = case["doc"].as_str().unwrap_or_default().to_string();
        if only.is_none_or(|o| {
            doc.contains(o) || case["id"].as_str().unwrap_or_default().starts_with(o)
        }) {
            by_doc.entry(doc).or_default().push(case);
        }
    }
    let mut outcomes = Vec::new();
    for (doc, cases) in &by_doc {
        let repo = tempfile::tempdir().expect("a temporary directory");
        let name = names.name(doc);
        setup_repo(repo.path(), &docs_root.join(doc), &name);
        index(ctx, repo.path());
        let anchors = count_anchors(repo.path());
        println!(
            "{doc} -> {name}: {anchors} extracted anchors, {} cases",
            cases.len()
        );
        for case in cases {
            outcomes.push(run_case(ctx, repo.path(), case));
        }
    }
    report(title, &outcomes, verbose);
}

/// The destructive-command corpus against the built-in anchors.
fn run_dcg(ctx: &Path, evals: &Path, verbose: bool) {
    {
        let dcg = read_jsonl(&evals.join("drift/dcg-commands.jsonl"));
        let repo = tempfile::tempdir().expect("a temporary directory");
        setup_repo(repo.path(), Path::new(""), "");
        let mut outcomes = Vec::new();
        for row in dcg {
            let Some(command) = row["command"].as_str() else {
                continue;
            };
            let event = serde_json::json!({
                "session_id": "drift-eval-dcg",
                "hook_event_name": "PreToolUse",
                "cwd": repo.path(),
                "tool_name": "Bash",
                "tool_input": {"command": command},
            });
            let v = hook::claude_check(ctx, repo.path(), &event.to_string());
            let (got, reason, ms) = (v.decision, v.reason, v.ms);
            outcomes.push(Outcome {
                id: row["id"].as_str().unwrap_or_default().to_string(),
                expected: row["expected"].as_str().unwrap_or_default().to_string(),
                got,
                family: row["group"].as_str().unwrap_or_default().to_string(),
                difficulty: row["category"].as_str().unwrap_or_default().to_string(),
                what: command.chars().take(90).collect(),
                reason,
                ms,
            });
        }
        report(
            "dcg-commands corpus (built-in anchors only)",
            &outcomes,
            verbose,
        );
    }
}

struct Outcome {
    id: String,
    expected: String,
    got: String,
    family: String,
    difficulty: String,
    what: String,
    reason: String,
    ms: f64,
}

fn setup_repo(repo: &Path, doc: &Path, name: &str) {
    run(Command::new("git")
        .args(["init", "-q", "."])
        .current_dir(repo));
    if !name.is_empty() {
        let target = repo.join(name);
        std::fs::create_dir_all(target.parent().expect("a parent"))
            .expect("creating the doc's directory");
        std::fs::copy(doc, &target).unwrap_or_else(|e| panic!("copying {}: {e}", doc.display()));
    }
}

fn index(ctx: &Path, repo: &Path) {
    let output = Command::new(ctx)
        .args(["index", "."])
        .current_dir(repo)
        .output()
        .expect("running ctx index");
    if !output.status.success() {
        panic!(
            "ctx index failed in {}: {}",
            repo.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn count_anchors(repo: &Path) -> usize {
    let Ok(text) = std::fs::read_to_string(repo.join(".ctx/extracted-anchors.json")) else {
        return 0;
    };
    let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    value
        .get("anchors")
        .and_then(Value::as_array)
        .map_or_else(|| value.as_array().map_or(0, Vec::len), Vec::len)
}

fn run(command: &mut Command) {
    let status = command.status().expect("running a command");
    assert!(status.success(), "{command:?} failed");
}

fn run_case(ctx: &Path, repo: &Path, case: &Value) -> Outcome {
    let mut event = case["event"].clone();
    event["session_id"] = "drift-eval".into();
    let verdict = hook::claude_check(ctx, repo, &event.to_string());
    let (got, reason, ms) = (verdict.decision, verdict.reason, verdict.ms);
    let input = &case["event"]["tool_input"];
    let what = input["command"]
        .as_str()
        .map(String::from)
        .or_else(|| {
            input["file_path"].as_str().map(|p| {
                format!(
                    "{} {p}",
                    case["event"]["tool_name"].as_str().unwrap_or_default()
                )
            })
        })
        .unwrap_or_default();
    Outcome {
        id: case["id"].as_str().unwrap_or_default().to_string(),
        expected: case["expected"].as_str().unwrap_or_default().to_string(),
        got,
        family: case["family"].as_str().unwrap_or_default().to_string(),
        difficulty: case["difficulty"].as_str().unwrap_or_default().to_string(),
        what: what.chars().take(90).collect(),
        reason,
        ms,
    }
}

#[derive(Default)]
struct Tally {
    deny_cases: usize,
    caught: usize,
    asked: usize,
    allow_cases: usize,
    false_denies: usize,
    false_asks: usize,
}

impl Tally {
    fn add(&mut self, o: &Outcome) {
        if o.expected == "deny" {
            self.deny_cases += 1;
            self.caught += usize::from(o.got == "deny");
            self.asked += usize::from(o.got == "ask");
        } else {
            self.allow_cases += 1;
            self.false_denies += usize::from(o.got == "deny");
            self.false_asks += usize::from(o.got == "ask");
        }
    }

    fn row(&self, name: &str) -> String {
        let ratio = |a: usize, b: usize| {
            if b == 0 {
                "    -".to_string()
            } else {
                format!("{:5.2}", a as f64 / b as f64)
            }
        };
        let predicted = self.caught + self.false_denies;
        format!(
            "  {name:<22} recall {} ({:>3}/{:<3}) +ask {:>3}  false-deny {} ({:>3}/{:<3}) +ask {:>3}  precision {}",
            ratio(self.caught, self.deny_cases),
            self.caught,
            self.deny_cases,
            self.asked,
            ratio(self.false_denies, self.allow_cases),
            self.false_denies,
            self.allow_cases,
            self.false_asks,
            ratio(self.caught, predicted),
        )
    }
}

fn report(title: &str, outcomes: &[Outcome], verbose: bool) {
    let mut total = Tally::default();
    let mut families: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut difficulties: BTreeMap<&str, Tally> = BTreeMap::new();
    for o in outcomes {
        total.add(o);
        families.entry(&o.family).or_default().add(o);
        difficulties.entry(&o.difficulty).or_default().add(o);
    }
    println!("\n== {title}: {} cases", outcomes.len());
    println!("{}", total.row("all"));
    println!(" by family / group:");
    for (name, t) in &families {
        println!("{}", t.row(name));
    }
    println!(" by difficulty / category:");
    for (name, t) in &difficulties {
        println!("{}", t.row(name));
    }
    let mut times: Vec<f64> = outcomes.iter().map(|o| o.ms).collect();
    times.sort_by(f64::total_cmp);
    if !times.is_empty() {
        println!(
            " check wall time: median {:.1} ms, p99 {:.1} ms",
            times[times.len() / 2],
            times[(times.len() * 99 / 100).min(times.len() - 1)]
        );
    }
    let wrong: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| (o.expected == "deny") != (o.got == "deny"))
        .collect();
    println!(" wrong ({}):", wrong.len());
    for o in wrong {
        let reason = o.reason.lines().next().unwrap_or_default();
        let reason: String = reason
            .chars()
            .take(if verbose { 400 } else { 140 })
            .collect();
        println!(
            "  {:<28} want {:<5} got {:<5} {}  {}",
            o.id, o.expected, o.got, o.what, reason
        );
    }
}
