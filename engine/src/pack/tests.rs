//! Tests of whole packs built from hand-made chunks.

use super::corpus::{Corpus, FileFilter};
use super::graph::tests::chunk;
use super::profile::{builtin_profiles, find_profile};
use super::{pack_corpus, Format, ItemMode, Pack, PackAnchor, PackOptions, Seed};
use crate::{Chunk, ChunkKind};
use proptest::prelude::*;
use serde::Deserialize;

/// A Python-like file `path` with `functions` functions of `lines` lines each, after a
/// class header; function `k` calls function `k + 1`.
fn file(path: &str, functions: usize, lines: usize) -> Vec<Chunk> {
    let stem = path.trim_end_matches(".py").replace('/', "_");
    let mut out = vec![chunk(
        path,
        ChunkKind::Class,
        Some(&format!("{stem}_Model")),
        1,
        &format!("class {stem}_Model:\n"),
    )];
    let mut line = 2;
    for k in 0..functions {
        let mut text = format!("    def {stem}_f{k}(self, value):\n");
        for l in 1..lines {
            text.push_str(&format!(
                "        value = {stem}_f{}(value) + {l}  # step {l} of {stem}\n",
                k + 1
            ));
        }
        let mut c = chunk(
            path,
            ChunkKind::Method,
            Some(&format!("{stem}_Model.{stem}_f{k}")),
            line,
            &text,
        );
        c.parent = Some(format!("{stem}_Model"));
        line = c.end_line + 1;
        out.push(c);
    }
    out
}

fn repo(files: usize, functions: usize, lines: usize) -> Vec<Chunk> {
    (0..files)
        .flat_map(|f| file(&format!("pkg/mod{f:02}.py"), functions, lines))
        .collect()
}

fn anchor(id: &str, text: &str, scope: &[&str]) -> PackAnchor {
    PackAnchor {
        id: id.into(),
        text: text.into(),
        polarity: "never".into(),
        severity: "deny".into(),
        scope: scope.iter().map(|s| s.to_string()).collect(),
        source: "AGENTS.md:1".into(),
        advisory: false,
    }
}

fn options(budget: u64, query: &str) -> PackOptions {
    PackOptions {
        profile: find_profile(&builtin_profiles(), "codex-5.3").unwrap(),
        budget: Some(budget),
        reserve: None,
        query: query.into(),
        plan: None,
        format: Format::Xml,
        filter: FileFilter::default(),
        explain: false,
    }
}

fn seeds_for(corpus: &Corpus, paths: &[&str]) -> Vec<Seed> {
    corpus
        .chunks
        .iter()
        .filter(|c| paths.contains(&c.path.as_str()) && c.kind == ChunkKind::Method)
        .map(|c| Seed {
            path: c.path.clone(),
            start_line: c.start_line,
            end_line: c.end_line,
            lexical_rank: Some(1),
            vector_rank: None,
        })
        .collect()
}

fn pack(chunks: Vec<Chunk>, budget: u64, query: &str, anchors: &[PackAnchor]) -> Pack {
    let corpus = Corpus::new(chunks, &FileFilter::default()).unwrap();
    let seeds = seeds_for(&corpus, &["pkg/mod03.py"]);
    pack_corpus(&corpus, &seeds, anchors, &options(budget, query)).unwrap()
}

fn count(text: &str) -> u64 {
    super::Tokenizer::O200kBase.count(text) as u64
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn never_exceeds_the_budget(
        budget in 600u64..40_000,
        files in 1usize..14,
        functions in 1usize..9,
        lines in 1usize..30,
        markdown in any::<bool>(),
    ) {
        let corpus = Corpus::new(repo(files, functions, lines), &FileFilter::default()).unwrap();
        let seeds = seeds_for(&corpus, &["pkg/mod00.py"]);
        let mut opts = options(budget, "pkg_mod00_f0 fails on empty value");
        if markdown {
            opts.format = Format::Markdown;
        }
        let anchors = [anchor("d1", "Never edit generated files.", &[])];
        let p = pack_corpus(&corpus, &seeds, &anchors, &opts).unwrap();
        let real = count(&p.prompt);
        prop_assert_eq!(real, p.tokens);
        prop_assert!(real <= budget, "{} > {}", real, budget);
        let corpus_tokens: u64 = corpus.chunks.iter().map(|c| u64::from(c.tokens) * 2).sum();
        if corpus_tokens > 3 * budget && budget >= 4_000 {
            prop_assert!(real * 100 >= budget * 97, "filled {} of {}", real, budget);
        }
    }

    #[test]
    fn opus_estimates_stay_within_the_budget(budget in 2_000u64..30_000) {
        let corpus = Corpus::new(repo(12, 6, 12), &FileFilter::default()).unwrap();
        let mut opts = options(budget, "value step");
        opts.profile = find_profile(&builtin_profiles(), "opus-4.6").unwrap();
        let p = pack_corpus(&corpus, &[], &[], &opts).unwrap();
        prop_assert!(p.tokens <= budget);
        prop_assert_eq!(p.tokens, opts.profile.estimate(count(&p.prompt)));
    }
}

#[test]
fn is_deterministic() {
    let a = pack(repo(10, 5, 8), 6_000, "pkg_mod03_f1 breaks", &[]);
    let b = pack(repo(10, 5, 8), 6_000, "pkg_mod03_f1 breaks", &[]);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
}

#[test]
fn the_best_code_sits_next_to_the_restated_task() {
    let query = "pkg_mod03_f1 breaks on empty values";
    let p = pack(repo(10, 5, 8), 6_000, query, &[]);
    let task = p.prompt.find("<task>").unwrap();
    let map = p.prompt.find("<repo-map").unwrap();
    let code = p.prompt.find("<code").unwrap();
    let code_end = p.prompt.rfind("</code>").unwrap();
    let again = p.prompt.rfind("<task note=").unwrap();
    assert!(task < map && map < code && code_end < again, "layout");
    assert!(
        p.prompt[again..].contains(query),
        "the task is restated in full"
    );
    // the last file of the code section is the best-ranked one
    let last_file = p.prompt[..code_end].rfind("<file path=\"").unwrap();
    assert!(
        p.prompt[last_file..].starts_with("<file path=\"pkg/mod03.py\""),
        "{}",
        &p.prompt[last_file..last_file + 40]
    );
    // the map is led by the files around the task
    let first_entry = &p.prompt[map..].lines().nth(1).unwrap();
    assert!(first_entry.starts_with("pkg/mod03.py"), "{first_entry}");
}

#[test]
fn a_long_task_is_restated_within_its_share() {
    let query = format!(
        "pkg_mod03_f1 breaks\n{}",
        "more detail on the failure\n".repeat(400)
    );
    let p = pack(repo(10, 5, 8), 6_000, &query, &[]);
    let again = p.prompt.rfind("<task note=").unwrap();
    let restated = &p.prompt[again..];
    assert!(
        restated.contains("the task continues"),
        "cut with a pointer"
    );
    assert!(
        count(restated) <= 6_000 * 8 / 100 + 40,
        "{}",
        count(restated)
    );
    assert!(p.tokens <= 6_000);
}

#[test]
fn the_answer_keeps_its_room_in_the_window() {
    let corpus = Corpus::new(repo(40, 6, 20), &FileFilter::default()).unwrap();
    let seeds = seeds_for(&corpus, &["pkg/mod03.py"]);
    let mut profile = find_profile(&builtin_profiles(), "o200k").unwrap();
    profile.context = 20_000;
    profile.reserve = 2_000;
    let run = |budget: Option<u64>, reserve: Option<u64>| {
        let mut o = options(0, "pkg_mod03_f1");
        o.profile = profile.clone();
        o.budget = budget;
        o.reserve = reserve;
        pack_corpus(&corpus, &seeds, &[], &o).unwrap()
    };
    // no budget: the window minus the reserve
    let p = run(None, None);
    assert_eq!((p.budget, p.reserve), (20_000, 2_000));
    assert!(
        p.tokens <= 18_000 && p.warnings.is_empty(),
        "{:?}",
        p.warnings
    );
    // a budget that is the window keeps the reserve too
    let p = run(Some(20_000), None);
    assert_eq!(p.reserve, 2_000);
    // a small budget leaves the room beyond it to the answer
    let p = run(Some(5_000), None);
    assert_eq!(p.reserve, 0);
    assert!(p.tokens <= 5_000 && p.warnings.is_empty());
    // a budget close to the window gives up only what the answer lacks
    let p = run(Some(19_000), None);
    assert_eq!(p.reserve, 1_000);
    // --reserve 0 on the whole window: packed, and said
    let p = run(Some(20_000), Some(0));
    assert!(p.tokens > 18_000, "{}", p.tokens);
    assert!(p.warnings[0].contains("for the answer"), "{:?}", p.warnings);
}

#[test]
fn explain_gives_at_most_three_specific_reasons() {
    let corpus = Corpus::new(repo(10, 5, 8), &FileFilter::default()).unwrap();
    let seeds = seeds_for(&corpus, &["pkg/mod03.py"]);
    let mut o = options(6_000, "pkg_mod03_f1 breaks");
    o.explain = true;
    let p = pack_corpus(&corpus, &seeds, &[], &o).unwrap();
    let line = p
        .explain
        .iter()
        .find(|l| l.starts_with("pkg/mod03.py:") && l.contains("`pkg_mod03_f1`"))
        .expect("the named function is explained by its name");
    let reasons = line.split_once("): ").unwrap().1;
    assert!(reasons.split("; ").count() <= 3, "{line}");
    for l in p.explain.iter().filter(|l| l.starts_with("pkg/")) {
        assert!(
            l.split_once("): ").unwrap().1.split("; ").count() <= 3,
            "{l}"
        );
    }
}

#[test]
fn anchors_come_first_and_last() {
    let anchors = [
        anchor("d1", "Never edit generated files. They are rebuilt.", &[]),
        anchor("d2", "Always run the linter on pkg code.", &["pkg/**"]),
        anchor("d3", "Never touch the docs build.", &["docs/**"]),
    ];
    let p = pack(repo(6, 4, 6), 4_000, "pkg_mod03_f1", &anchors);
    assert_eq!(p.anchors, vec!["d1", "d2"], "d3 is out of scope");
    let first_anchor = p.prompt.find("<anchor id=\"d1\"").unwrap();
    assert!(first_anchor < p.prompt.find("<repo-map").unwrap());
    assert!(first_anchor < p.prompt.find("<code").unwrap());
    let reminder = p.prompt.rfind("<reminder").unwrap();
    assert!(reminder > p.prompt.rfind("</code>").unwrap());
    assert!(
        reminder < p.prompt.rfind("<task note=").unwrap(),
        "the task ends the pack"
    );
    assert!(p.prompt[reminder..].contains("[d1] Never edit generated files."));
    assert!(p.prompt[reminder..].contains("[d2]"));
}

#[test]
fn anchors_too_big_fail_with_sizes() {
    let long = "Never do this particular thing in any file. ".repeat(200);
    let corpus = Corpus::new(repo(2, 2, 2), &FileFilter::default()).unwrap();
    let err = pack_corpus(
        &corpus,
        &[],
        &[anchor("d1", &long, &[])],
        &options(1_000, ""),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("anchors take") && err.contains("1000"),
        "{err}"
    );
}

#[test]
fn degrades_to_outlines_before_dropping() {
    let p = pack(repo(80, 6, 20), 9_000, "pkg_mod03_f2 fails", &[]);
    let corpus = Corpus::new(repo(80, 6, 20), &FileFilter::default()).unwrap();
    let whole = |path: &str| {
        let file = corpus.file_index(path).unwrap();
        let lines = corpus.files[file].last_line;
        p.items.iter().any(|i| {
            i.path == path && i.mode == ItemMode::Full && i.start_line == 1 && i.end_line == lines
        })
    };
    let shown: Vec<&str> = corpus
        .paths()
        .into_iter()
        .filter(|path| p.items.iter().any(|i| i.path == *path))
        .collect();
    let degraded: Vec<&&str> = shown.iter().filter(|path| !whole(path)).collect();
    assert!(!degraded.is_empty(), "some files degrade");
    assert!(
        p.items.iter().any(|i| i.mode == ItemMode::Signature),
        "some symbols are shown as signatures"
    );
    assert!(!p.dropped.is_empty(), "some files are dropped");
    // every dropped file ranks below every shown file
    let best_dropped = p.dropped.iter().map(|d| d.rank).min().unwrap() as usize;
    assert_eq!(best_dropped, shown.len() + 1, "{shown:?} {:?}", p.dropped);
}

#[test]
fn masks_planted_secrets() {
    let mut chunks = repo(3, 2, 3);
    chunks.push(chunk(
        "pkg/settings.py",
        ChunkKind::Code,
        None,
        1,
        "AWS_KEY = \"AKIAIOSFODNN7EXAMPLE\"\nDB = \"postgres://app:s3cretpass@db:5432/x\"\nTOKEN = \"ghp_abcdefghijklmnopqrstuvwxyz0123456789\"\n",
    ));
    chunks.push(chunk(".env", ChunkKind::Text, None, 1, "SECRET=hunter2\n"));
    let p = pack(chunks, 20_000, "settings", &[]);
    for secret in [
        "AKIAIOSFODNN7EXAMPLE",
        "s3cretpass",
        "ghp_abcdefghijklmnop",
        "hunter2",
    ] {
        assert!(!p.prompt.contains(secret), "{secret} leaked");
    }
    assert!(p.prompt.contains("pkg/settings.py"));
    assert_eq!(p.secrets_masked.values().sum::<u32>(), 3);
    assert_eq!(p.secret_files, vec![".env"]);
}

#[test]
fn empty_query_gives_a_map_only_pack() {
    let p = pack(repo(5, 3, 4), 3_000, "", &[]);
    assert!(!p.prompt.contains("<query>"));
    assert!(p.prompt.contains("<repo-map"));
    assert!(p.tokens <= 3_000);
}

/// The `--format json` contract, as other tools read it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Contract {
    budget: u64,
    reserve: u64,
    tokens: u64,
    tokenizer: String,
    model: String,
    anchors: Vec<String>,
    items: Vec<ContractItem>,
    dropped: Vec<serde_json::Value>,
    prompt: String,
    secrets_masked: serde_json::Value,
    secret_files: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ContractItem {
    path: String,
    start_line: u32,
    end_line: u32,
    symbol: Option<String>,
    kind: String,
    mode: String,
    tokens: u64,
    score: f64,
}

#[test]
fn json_follows_the_contract() {
    let p = pack(
        repo(8, 4, 6),
        5_000,
        "pkg_mod03_f1",
        &[anchor("d1", "Never x.", &[])],
    );
    let json = serde_json::to_string(&p).unwrap();
    let c: Contract = serde_json::from_str(&json).unwrap();
    assert_eq!((c.budget, c.reserve, c.tokens), (5_000, 0, p.tokens));
    assert_eq!(c.tokenizer, "o200k_base");
    assert_eq!(c.model, "codex-5.3");
    assert_eq!(c.anchors, vec!["d1"]);
    assert!(!c.items.is_empty());
    for item in &c.items {
        assert!(item.start_line >= 1 && item.start_line <= item.end_line);
        assert!(item.mode == "full" || item.mode == "signature");
        assert!(!item.path.starts_with('/'));
    }
}

#[test]
fn items_are_shown_with_their_line_numbers() {
    let p = pack(repo(4, 3, 5), 50_000, "pkg_mod03_f1", &[]);
    // a big budget holds every file whole
    assert!(p.dropped.is_empty());
    let item = p.items.iter().find(|i| i.path == "pkg/mod03.py").unwrap();
    assert_eq!((item.start_line, item.mode), (1, ItemMode::Full));
    assert!(p
        .prompt
        .contains("1| class pkg_mod03_Model:\n2|     def pkg_mod03_f0(self, value):\n"));
}

#[test]
fn advisory_anchors_yield_to_the_budget() {
    let mut anchors = vec![anchor("d0", "Never commit secrets.", &[])];
    for k in 1..200 {
        let mut a = anchor(
            &format!("h{k:03}"),
            &format!("Changed thing number {k} to never do the old behaviour again."),
            &[],
        );
        a.advisory = true;
        anchors.push(a);
    }
    let p = pack(repo(4, 3, 5), 4_000, "pkg_mod03_f1", &anchors);
    assert!(p.anchors.contains(&"d0".to_string()));
    assert!(
        p.anchors.len() > 1 && p.anchors.len() < 200,
        "{}",
        p.anchors.len()
    );
    assert!(p
        .prompt
        .contains("advisory rules extracted from documentation"));
    assert!(p.tokens <= 4_000);
}
