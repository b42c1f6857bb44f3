//! Bypass evaluation: how well the built-in anchors hold against published hook bypasses, and
//! that they leave everyday commands alone.
//!
//! `cargo bench --bench bypass_eval [-- --verbose] [-- --only CLASS]`
//!
//! 1. `benches/data/bypass-corpus.jsonl`: shell commands that defeat guard hooks (`expected:
//!    deny`) and their benign look-alikes (`expected: allow`), one class per line (stdin fed to
//!    an interpreter, variables, loops, functions, xargs, long flags, other deleters, symlinks,
//!    wrappers, quoting, substitutions, `cd`, printed strings), each with its source.
//! 2. `../shared/evals/drift/corpus/benign-actions.jsonl` (or `$CTX_EVALS/...`), when present:
//!    everyday agent actions, every one of which must be allowed.
//!
//! Every command runs as a Claude Code `PreToolUse` Bash event through `ctx check --hook claude`
//! in an empty git repository with only the built-in anchors. The repository lives under the
//! build directory, not under `/tmp`, so that temporary-directory exemptions do not blur paths
//! inside it. Prints recall and false denies per class, the load average, and every miss.

#[allow(dead_code)]
#[path = "support/evals.rs"]
mod evals;
#[path = "support/hook.rs"]
mod hook;
#[allow(dead_code)]
#[path = "support/machine.rs"]
mod machine;

use evals::{evals_dir, read_jsonl};
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
    let ctx = PathBuf::from(env!("CARGO_BIN_EXE_ctx"));
    let corpus_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data/bypass-corpus.jsonl");
    println!(
        "bypass eval: ctx = {}, load average {}",
        ctx.display(),
        machine::load_average()
    );
    let scratch = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bypass-eval");
    std::fs::create_dir_all(&scratch).expect("creating target/bypass-eval");
    let repo = tempfile::tempdir_in(&scratch).expect("a scratch repository");
    init_repo(repo.path());

    let corpus = read_jsonl(&corpus_path);
    let mut outcomes = Vec::new();
    for row in &corpus {
        let class = row["class"].as_str().unwrap_or_default();
        if only.as_ref().is_some_and(|o| o != class) {
            continue;
        }
        let command = row["command"]
            .as_str()
            .expect("every corpus line has a command");
        let (got, reason, ms) = check(&ctx, repo.path(), &bash_event(repo.path(), command));
        outcomes.push(Outcome {
            id: row["id"].as_str().unwrap_or_default().to_string(),
            class: class.to_string(),
            expected: row["expected"].as_str().unwrap_or_default().to_string(),
            got,
            command: command.to_string(),
            reason,
            ms,
        });
    }
    report("bypass corpus (built-in anchors only)", &outcomes, verbose);

    let benign_path = evals_dir().join("drift/corpus/benign-actions.jsonl");
    if only.is_none() && benign_path.exists() {
        let mut outcomes = Vec::new();
        for row in read_jsonl(&benign_path) {
            let mut event = row["event"].clone();
            if event["tool_name"] != "Bash" {
                continue;
            }
            event["cwd"] = Value::String(repo.path().to_string_lossy().into_owned());
            event["session_id"] = "bypass-eval-benign".into();
            let command = event["tool_input"]["command"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let (got, reason, ms) = check(&ctx, repo.path(), &event.to_string());
            outcomes.push(Outcome {
                id: row["id"].as_str().unwrap_or_default().to_string(),
                class: "benign_actions".into(),
                expected: "allow".into(),
                got,
                command,
                reason,
                ms,
            });
        }
        report(
            "benign everyday actions (Bash events, built-in anchors only)",
            &outcomes,
            verbose,
        );
    }
}

struct Outcome {
    id: String,
    class: String,
    expected: String,
    got: String,
    command: String,
    reason: String,
    ms: f64,
}

fn init_repo(repo: &Path) {
    let status = Command::new("git")
        .args(["init", "-q", "."])
        .current_dir(repo)
        .status()
        .expect("running git init");
    assert!(status.success(), "git init failed in {}", repo.display());
}

fn bash_event(repo: &Path, command: &str) -> String {
    serde_json::json!({
        "session_id": "bypass-eval",
        "hook_event_name": "PreToolUse",
        "cwd": repo,
        "tool_name": "Bash",
        "tool_input": {"command": command},
    })
    .to_string()
}

/// The verdict, reason and wall time of one check. An `ask` answer counts as a deny: the
/// action does not run without the user.
fn check(ctx: &Path, repo: &Path, event: &str) -> (String, String, f64) {
    let v = hook::claude_check(ctx, repo, event);
    let denied = matches!(v.decision.as_str(), "deny" | "ask");
    let decision = if denied { "deny" } else { "allow" };
    (decision.into(), v.reason, v.ms)
}

#[derive(Default)]
struct Tally {
    deny_cases: usize,
    caught: usize,
    allow_cases: usize,
    false_denies: usize,
}

impl Tally {
    fn add(&mut self, o: &Outcome) {
        if o.expected == "deny" {
            self.deny_cases += 1;
            self.caught += usize::from(o.got == "deny");
        } else {
            self.allow_cases += 1;
            self.false_denies += usize::from(o.got == "deny");
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
        format!(
            "  {name:<20} recall {} ({:>3}/{:<3})  false-deny {} ({:>3}/{:<3})",
            ratio(self.caught, self.deny_cases),
            self.caught,
            self.deny_cases,
            ratio(self.false_denies, self.allow_cases),
            self.false_denies,
            self.allow_cases,
        )
    }
}

fn report(title: &str, outcomes: &[Outcome], verbose: bool) {
    let mut total = Tally::default();
    let mut classes: BTreeMap<&str, Tally> = BTreeMap::new();
    for o in outcomes {
        total.add(o);
        classes.entry(&o.class).or_default().add(o);
    }
    println!("\n== {title}: {} cases", outcomes.len());
    println!("{}", total.row("all"));
    if classes.len() > 1 {
        println!(" by class:");
        for (name, t) in &classes {
            println!("{}", t.row(name));
        }
    }
    let mut times: Vec<f64> = outcomes.iter().map(|o| o.ms).collect();
    times.sort_by(f64::total_cmp);
    if !times.is_empty() {
        println!(
            " check wall time: median {:.1} ms, p99 {:.1} ms (load average {})",
            times[times.len() / 2],
            times[(times.len() * 99 / 100).min(times.len() - 1)],
            machine::load_average()
        );
    }
    let wrong: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| (o.expected == "deny") != (o.got == "deny"))
        .collect();
    println!(" wrong ({}):", wrong.len());
    for o in wrong {
        let command: String = o.command.replace('\n', "⏎").chars().take(90).collect();
        let reason: String = o
            .reason
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(if verbose { 400 } else { 120 })
            .collect();
        println!(
            "  {:<24} want {:<5} got {:<5} {command}  {reason}",
            o.id, o.expected, o.got
        );
    }
}
