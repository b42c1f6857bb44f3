//! Calibration of the semantic tier's threshold (`[check] semantic_threshold`).
//!
//! `cargo bench --bench semantic_calibration` (needs the model: `ctx model install`)
//!
//! The semantic tier warns when an action is at least `threshold` similar (cosine, real
//! all-MiniLM-L6-v2 model) to a rule that compiled to no matcher. The threshold is set from a
//! null distribution that needs no labels: the actions of `../shared/evals/drift/cases.jsonl`
//! compared with the semantic-only rules of the *other* projects' documents, where any warn is
//! spurious by construction; and the `allow` cases against their own project's rules, actions
//! that comply and should not warn either. The calibrated threshold is the lowest one (0.01
//! steps) at which at most 5% of both would warn. The table also shows the share of `deny`
//! cases that would get a warn (useful when the rule path missed them) and how often the warn
//! names the case's own rule.
//!
//! The action text mirrors `ctx serve`'s (`cli/serve/verdict.rs`): the command line, or
//! `write PATH` / `edit PATH` followed by the added text.

// Only part of the module is used here; the other harnesses use the rest.
#[allow(dead_code)]
#[path = "support/evals.rs"]
mod evals;

use ctx_engine::embed::Embedder;
use ctx_indexers::embed::{FastEmbedder, ModelPaths};
use evals::{evals_dir, read_jsonl, DocNames};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Highest share of spurious warns (foreign pairs, compliant actions) the threshold allows.
const NULL_WARN_RATE: f64 = 0.05;

/// One project's semantic-only rules with their embeddings.
struct Rules {
    texts: Vec<String>,
    vectors: Vec<Vec<f32>>,
}

/// One labelled action.
struct Case {
    doc: String,
    deny: bool,
    constraint: Option<String>,
    vector: Vec<f32>,
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let evals = evals_dir();
    let paths = ModelPaths::resolve(None, None)
        .unwrap_or_else(|e| panic!("benches/semantic_calibration.rs needs the model: {e}"));
    let embedder = FastEmbedder::load(&paths).unwrap_or_else(|e| panic!("{e}"));
    let raw_cases = read_jsonl(&evals.join("drift/cases.jsonl"));
    let names = DocNames::read(&evals.join("drift/sources.tsv"));
    let rules = project_rules(&evals, &raw_cases, &names, &embedder);
    let cases = embed_cases(&raw_cases, &embedder);
    let null = null_similarities(&cases, &rules);
    let compliant = compliant_similarities(&cases, &rules);
    let threshold = calibrate(&null).max(calibrate(&compliant));
    println!(
        "{} actions, {} documents, {} semantic-only rules, {} null pairs",
        cases.len(),
        rules.len(),
        rules.values().map(|r| r.texts.len()).sum::<usize>(),
        null.len()
    );
    println!(
        "calibrated threshold: {threshold:.2} (≤ {NULL_WARN_RATE:.2} warn; foreign pairs alone {:.2}, compliant actions alone {:.2})\n",
        calibrate(&null),
        calibrate(&compliant)
    );
    print_table(&cases, &rules, &null, threshold);
}

/// Semantic-only anchors ctx extracts from each document, embedded.
fn project_rules(
    evals: &Path,
    cases: &[Value],
    names: &DocNames,
    embedder: &FastEmbedder,
) -> BTreeMap<String, Rules> {
    let mut out = BTreeMap::new();
    for doc in cases.iter().filter_map(|c| c["doc"].as_str()) {
        if out.contains_key(doc) {
            continue;
        }
        let text = std::fs::read_to_string(evals.join("drift").join(doc))
            .unwrap_or_else(|e| panic!("reading {doc}: {e}"));
        let name = names.name(doc);
        let texts: Vec<String> = ctx_indexers::constraint::extract_anchors(&name, &text)
            .into_iter()
            .filter(|a| a.is_semantic_only())
            .map(|a| a.text)
            .collect();
        let vectors = embedder.embed(&texts).unwrap_or_else(|e| panic!("{e}"));
        out.insert(doc.to_string(), Rules { texts, vectors });
    }
    out
}

fn embed_cases(raw: &[Value], embedder: &FastEmbedder) -> Vec<Case> {
    let texts: Vec<String> = raw.iter().map(|c| action_text(&c["event"])).collect();
    let vectors = embedder.embed(&texts).unwrap_or_else(|e| panic!("{e}"));
    raw.iter()
        .zip(vectors)
        .map(|(c, vector)| Case {
            doc: c["doc"].as_str().unwrap_or_default().to_string(),
            deny: c["expected"] == "deny",
            constraint: c["constraint"].as_str().map(str::to_string),
            vector,
        })
        .collect()
}

/// The text `ctx serve` embeds for a Claude Code PreToolUse event.
fn action_text(event: &Value) -> String {
    let input = &event["tool_input"];
    let path = input["file_path"].as_str().unwrap_or_default();
    match event["tool_name"].as_str().unwrap_or_default() {
        "Bash" => input["command"].as_str().unwrap_or_default().to_string(),
        "Write" => format!(
            "write {path}\n{}",
            input["content"].as_str().unwrap_or_default()
        ),
        _ => format!(
            "edit {path}\n{}",
            input["new_string"].as_str().unwrap_or_default()
        ),
    }
}

/// The highest similarity of one action to one project's rules (-1 when it has none).
fn best(action: &[f32], rules: &Rules) -> (f32, Option<usize>) {
    rules
        .vectors
        .iter()
        .enumerate()
        .map(|(i, v)| (ctx_engine::check::cosine(action, v), Some(i)))
        .fold((-1.0, None), |a, b| if b.0 > a.0 { b } else { a })
}

/// Best similarity of every action to every *other* project's rules.
fn null_similarities(cases: &[Case], rules: &BTreeMap<String, Rules>) -> Vec<f32> {
    let mut out = Vec::new();
    for case in cases {
        for (doc, project) in rules {
            if *doc != case.doc && !project.texts.is_empty() {
                out.push(best(&case.vector, project).0);
            }
        }
    }
    out
}

/// Best similarity of every `allow` action to its own project's rules.
fn compliant_similarities(cases: &[Case], rules: &BTreeMap<String, Rules>) -> Vec<f32> {
    cases
        .iter()
        .filter(|c| !c.deny)
        .map(|c| best(&c.vector, &rules[&c.doc]).0)
        .collect()
}

/// The lowest threshold (0.01 steps) at which at most [`NULL_WARN_RATE`] of `similarities` warn.
fn calibrate(similarities: &[f32]) -> f32 {
    (0..=100)
        .map(|i| i as f32 / 100.0)
        .find(|t| rate(similarities, *t) <= NULL_WARN_RATE)
        .unwrap_or(1.0)
}

fn rate(similarities: &[f32], threshold: f32) -> f64 {
    let warned = similarities.iter().filter(|s| **s >= threshold).count();
    warned as f64 / similarities.len().max(1) as f64
}

fn print_table(cases: &[Case], rules: &BTreeMap<String, Rules>, null: &[f32], calibrated: f32) {
    println!("| threshold | foreign pairs warned | allow cases warned | deny cases warned | deny warned on their own rule |");
    println!("|---|---|---|---|---|");
    let mut thresholds: Vec<f32> = (6..=18).map(|i| i as f32 * 0.05).collect();
    thresholds.push(calibrated);
    thresholds.sort_by(f32::total_cmp);
    thresholds.dedup_by(|a, b| (*a - *b).abs() < 0.005);
    for t in thresholds {
        let (mut allow, mut allow_warned, mut deny, mut deny_warned, mut own) = (0, 0, 0, 0, 0);
        for case in cases {
            let project = &rules[&case.doc];
            let (similarity, index) = best(&case.vector, project);
            let warned = similarity >= t;
            if case.deny {
                deny += 1;
                deny_warned += usize::from(warned);
                let names_own_rule = index
                    .zip(case.constraint.as_ref())
                    .is_some_and(|(i, c)| same_rule(&project.texts[i], c));
                own += usize::from(warned && names_own_rule);
            } else {
                allow += 1;
                allow_warned += usize::from(warned);
            }
        }
        let mark = if (t - calibrated).abs() < 0.005 {
            " (calibrated)"
        } else {
            ""
        };
        println!(
            "| {t:.2}{mark} | {:.2} | {:.2} ({allow_warned}/{allow}) | {:.2} ({deny_warned}/{deny}) | {own} |",
            rate(null, t),
            allow_warned as f64 / allow.max(1) as f64,
            deny_warned as f64 / deny.max(1) as f64,
        );
    }
}

/// True when an extracted rule is the case's constraint sentence (either contains the other,
/// ignoring case and markdown emphasis).
fn same_rule(rule: &str, constraint: &str) -> bool {
    let clean = |s: &str| s.replace(['*', '`', '_'], "").to_lowercase();
    let (rule, constraint) = (clean(rule), clean(constraint));
    rule.contains(&constraint) || constraint.contains(&rule)
}
