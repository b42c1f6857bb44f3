//! Label-free measures of rule extraction on the development corpus: 60 real instruction
//! documents of other projects (`../shared/evals/drift/corpus/docs`, or `$CTX_EVALS/…`).
//!
//! `cargo bench --bench drift_corpus [-- --verbose] [-- --only NAME] [-- --sample N]`
//!
//! For each document: a temporary git repository holding it at its real path, `ctx index .`
//! (lexical only; the anchors are the ones ctx extracts by itself), then
//! - (a) every one of the ~250 everyday benign actions (`benign-actions.jsonl`) through
//!   `ctx check --hook claude`: target 0 denies;
//! - (b) self-consistency: what the document itself recommends (commands in its shell code
//!   blocks and in "run `x`" / "use `x`" sentences, code blocks written to a file of their
//!   language; blocks introduced as what not to do are skipped), replayed the same way:
//!   target 0 denies. This extraction is the bench's own, independent of ctx's code;
//! - the share of rules at deny / ask / remind, per matcher family.
//!
//! Finally `--sample N` (default 50) rules drawn with a fixed seed across all documents are
//! printed with what they compiled to, for a hand check of "is the compiled matcher what the
//! sentence means".

// Only part of the module is used here; the other harnesses use the rest.
#[allow(dead_code)]
#[path = "support/evals.rs"]
mod evals;
// The wall time the helper measures is not reported here.
#[allow(dead_code)]
#[path = "support/hook.rs"]
mod hook;

use evals::{evals_dir, read_jsonl};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose" || a == "-v");
    let value_of = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let only = value_of("--only");
    let sample: usize = value_of("--sample")
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let evals = evals_dir();
    let corpus = evals.join("drift/corpus");
    let ctx = PathBuf::from(env!("CARGO_BIN_EXE_ctx"));
    let benign = read_jsonl(&corpus.join("benign-actions.jsonl"));
    let docs = corpus_docs(&corpus.join("sources.tsv"));
    println!(
        "drift corpus: ctx = {}, {} documents, {} benign actions",
        ctx.display(),
        docs.len(),
        benign.len()
    );
    let mut totals = Totals::default();
    let mut all_rules: Vec<(String, Value)> = Vec::new();
    for (file, path_in_repo) in &docs {
        if only.as_ref().is_some_and(|o| !file.contains(o.as_str())) {
            continue;
        }
        let repo = tempfile::tempdir().expect("a temporary directory");
        let text = std::fs::read_to_string(corpus.join(file)).expect("reading a corpus document");
        setup(repo.path(), path_in_repo, &text);
        index(&ctx, repo.path());
        let anchors = extracted(repo.path());
        totals.count_tiers(&anchors);
        let short = file.trim_start_matches("docs/").to_string();
        all_rules.extend(anchors.iter().cloned().map(|a| (short.clone(), a)));
        let mut doc = DocResult {
            name: short.clone(),
            anchors: anchors.len(),
            ..DocResult::default()
        };
        for action in &benign {
            let (got, reason) = check(&ctx, repo.path(), &action["event"]);
            doc.record_benign(&got, action, &reason);
        }
        for (what, event) in recommendations(&text) {
            let (got, reason) = check(&ctx, repo.path(), &event);
            doc.record_own(&got, &what, &reason);
        }
        doc.print(verbose);
        totals.add(&doc);
    }
    totals.print();
    print_sample(&all_rules, sample);
}

/// `(file under corpus/, path in its repository)` for every corpus document.
fn corpus_docs(sources: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(sources).expect("reading corpus/sources.tsv");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() > 2).then(|| (f[0].to_string(), f[2].to_string()))
        })
        .collect()
}

fn setup(repo: &Path, path_in_repo: &str, text: &str) {
    let target = repo.join(path_in_repo);
    std::fs::create_dir_all(target.parent().expect("a parent")).expect("creating directories");
    std::fs::write(&target, text).expect("writing the document");
    let status = Command::new("git")
        .args(["init", "-q", "."])
        .current_dir(repo)
        .status()
        .expect("running git init");
    assert!(status.success(), "git init failed");
}

fn index(ctx: &Path, repo: &Path) {
    let output = Command::new(ctx)
        .args(["index", "."])
        .env("CTX_EMBEDDER", "none")
        .current_dir(repo)
        .output()
        .expect("running ctx index");
    assert!(
        output.status.success(),
        "ctx index failed in {}: {}",
        repo.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The decision and reason for one PreToolUse event in this bench's session.
fn check(ctx: &Path, repo: &Path, event: &Value) -> (String, String) {
    let mut event = event.clone();
    event["session_id"] = "drift-corpus".into();
    let v = hook::claude_check(ctx, repo, &event.to_string());
    (v.decision, v.reason)
}

fn extracted(repo: &Path) -> Vec<Value> {
    let text =
        std::fs::read_to_string(repo.join(".ctx/extracted-anchors.json")).unwrap_or_default();
    let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    value["anchors"].as_array().cloned().unwrap_or_default()
}

/// What a document recommends, as PreToolUse events: shell code-block lines and "run `x`" /
/// "use `x`" sentences as Bash commands, other code blocks as a Write of a file in their
/// language. Blocks right after a line marking what not to do are skipped.
fn recommendations(text: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut previous = "";
    let mut fence: Option<(String, bool, String)> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some((lang, bad, body)) = &mut fence {
            if t.starts_with("```") {
                if !*bad {
                    out.extend(block_events(lang, body));
                }
                fence = None;
            } else {
                body.push_str(line);
                body.push('\n');
            }
            continue;
        }
        if let Some(info) = t.strip_prefix("```") {
            let lang = info
                .trim()
                .split([' ', '{'])
                .next()
                .unwrap_or("")
                .to_lowercase();
            fence = Some((lang, marks_bad(previous), String::new()));
            continue;
        }
        out.extend(
            inline_commands(t)
                .into_iter()
                .map(|c| (c.clone(), bash(&c))),
        );
        if !t.is_empty() {
            previous = t;
        }
    }
    out
}

fn marks_bad(line: &str) -> bool {
    let l = line.to_lowercase();
    [
        "don't",
        "do not",
        "avoid",
        "bad",
        "wrong",
        "incorrect",
        "never",
        "anti-pattern",
        "❌",
        "✗",
    ]
    .iter()
    .any(|w| l.contains(w))
}

fn block_events(lang: &str, body: &str) -> Vec<(String, Value)> {
    match lang {
        "" | "bash" | "sh" | "shell" | "console" | "zsh" => body
            .lines()
            .map(|l| l.trim().trim_start_matches("$ ").trim())
            .filter(|l| {
                !l.is_empty() && !l.starts_with('#') && !l.contains('<') && !l.ends_with('\\')
            })
            .filter(|l| {
                l.split_whitespace().next().is_some_and(|w| {
                    w.chars()
                        .all(|c| c.is_ascii_lowercase() || "./-_0123456789".contains(c))
                })
            })
            .map(|l| (l.to_string(), bash(l)))
            .collect(),
        _ => match extension(lang) {
            Some(ext) => vec![(
                format!("{lang} example"),
                write(&format!("/repo/src/example.{ext}"), body),
            )],
            None => Vec::new(),
        },
    }
}

fn extension(lang: &str) -> Option<&'static str> {
    Some(match lang {
        "python" | "py" => "py",
        "rust" | "rs" => "rs",
        "go" => "go",
        "typescript" | "ts" => "ts",
        "tsx" => "tsx",
        "javascript" | "js" | "jsx" => "js",
        "java" => "java",
        "kotlin" | "kt" => "kt",
        "csharp" | "cs" | "c#" => "cs",
        "cpp" | "c++" => "cpp",
        "ruby" | "rb" => "rb",
        "swift" => "swift",
        "php" => "php",
        "elixir" => "ex",
        _ => return None,
    })
}

/// "run `x`", "use `x`", "with `x`": a span starting with a lowercase command word followed
/// by arguments, in a sentence that does not say not to.
fn inline_commands(line: &str) -> Vec<String> {
    if marks_bad(line) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let parts: Vec<&str> = line.split('`').collect();
    for i in (1..parts.len()).step_by(2) {
        let before = parts[i - 1].to_lowercase();
        let span = parts[i].trim();
        let verb = [
            "run ", "use ", "running ", "using ", "via ", "with ", "execute ",
        ]
        .iter()
        .any(|v| before.trim_end().ends_with(v.trim_end()));
        let commandish = span.contains(' ')
            && !span.contains('<')
            && span.split_whitespace().next().is_some_and(|w| {
                w.chars()
                    .all(|c| c.is_ascii_lowercase() || "./-_".contains(c))
            });
        if verb && commandish {
            out.push(span.to_string());
        }
    }
    out
}

fn bash(command: &str) -> Value {
    serde_json::json!({"hook_event_name": "PreToolUse", "cwd": "/repo", "tool_name": "Bash", "tool_input": {"command": command}})
}

fn write(path: &str, content: &str) -> Value {
    serde_json::json!({"hook_event_name": "PreToolUse", "cwd": "/repo", "tool_name": "Write", "tool_input": {"file_path": path, "content": content}})
}

#[derive(Default)]
struct DocResult {
    name: String,
    anchors: usize,
    benign_denies: Vec<String>,
    benign_asks: usize,
    own_checked: usize,
    own_denies: Vec<String>,
    own_asks: usize,
}

impl DocResult {
    fn record_benign(&mut self, got: &str, action: &Value, reason: &str) {
        match got {
            "deny" => self.benign_denies.push(format!(
                "{} ({})",
                action["id"].as_str().unwrap_or_default(),
                first_line(reason)
            )),
            "ask" => self.benign_asks += 1,
            _ => {}
        }
    }

    fn record_own(&mut self, got: &str, what: &str, reason: &str) {
        self.own_checked += 1;
        match got {
            "deny" => self.own_denies.push(format!(
                "{} ({})",
                what.chars().take(60).collect::<String>(),
                first_line(reason)
            )),
            "ask" => self.own_asks += 1,
            _ => {}
        }
    }

    fn print(&self, verbose: bool) {
        println!(
            "{:<58} anchors {:>3}  benign deny {:>3} ask {:>3}  own {:>3}: deny {:>2} ask {:>2}",
            self.name,
            self.anchors,
            self.benign_denies.len(),
            self.benign_asks,
            self.own_checked,
            self.own_denies.len(),
            self.own_asks
        );
        let limit = if verbose { usize::MAX } else { 5 };
        for d in self.benign_denies.iter().take(limit) {
            println!("    benign denied: {d}");
        }
        for d in self.own_denies.iter().take(limit) {
            println!("    own denied:    {d}");
        }
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(160)
        .collect()
}

#[derive(Default)]
struct Totals {
    docs: usize,
    benign_denies: usize,
    benign_asks: usize,
    own_checks: usize,
    own_denies: usize,
    own_asks: usize,
    tiers: BTreeMap<String, [usize; 3]>,
}

impl Totals {
    fn add(&mut self, d: &DocResult) {
        self.docs += 1;
        self.benign_denies += d.benign_denies.len();
        self.benign_asks += d.benign_asks;
        self.own_checks += d.own_checked;
        self.own_denies += d.own_denies.len();
        self.own_asks += d.own_asks;
    }

    /// Counts rules per matcher family and tier (a semantic-only rule counts as `semantic`).
    fn count_tiers(&mut self, anchors: &[Value]) {
        for a in anchors {
            let tier = match a["severity"].as_str().unwrap_or("block") {
                "block" => 0,
                "ask" => 1,
                _ => 2,
            };
            let mut families: Vec<String> = a["matchers"]
                .as_array()
                .map(|ms| {
                    ms.iter()
                        .filter_map(|m| m["kind"].as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            if families.is_empty() {
                families.push("semantic".into());
            }
            families.sort();
            families.dedup();
            for f in families {
                self.tiers.entry(f).or_default()[tier] += 1;
            }
        }
    }

    fn print(&self) {
        println!("\n== {} documents", self.docs);
        println!(
            "benign actions: {} denies, {} asks",
            self.benign_denies, self.benign_asks
        );
        println!(
            "self-consistency: {} recommended actions, {} denied, {} asked",
            self.own_checks, self.own_denies, self.own_asks
        );
        println!("rules by family (deny / ask / remind):");
        for (family, [d, a, r]) in &self.tiers {
            let n = (d + a + r).max(1) as f64;
            println!(
                "  {family:<11} {d:>4} / {a:>4} / {r:>4}   ({:.2} / {:.2} / {:.2})",
                *d as f64 / n,
                *a as f64 / n,
                *r as f64 / n
            );
        }
    }
}

/// Prints `n` rules drawn with a fixed seed (a linear congruential generator, so the sample is
/// the same on every machine), with their tier and compiled matchers.
fn print_sample(rules: &[(String, Value)], n: usize) {
    if rules.is_empty() || n == 0 {
        return;
    }
    println!("\n== {n} rules drawn for a hand check (seed 7)");
    let mut state: u64 = 7;
    let mut picked = Vec::new();
    while picked.len() < n.min(rules.len()) {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let i = (state >> 33) as usize % rules.len();
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    for (k, i) in picked.into_iter().enumerate() {
        let (doc, a) = &rules[i];
        println!(
            "{:>2}. [{}] {}: {}",
            k + 1,
            a["severity"].as_str().unwrap_or("block"),
            doc,
            a["text"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect::<String>()
        );
        for note in a["notes"].as_array().into_iter().flatten() {
            println!("      {}", note.as_str().unwrap_or_default());
        }
        if let Some(reason) = a["tier_reason"].as_str() {
            println!("      tier: {reason}");
        }
    }
}
