//! Anchor loading speed: `AnchorSet::load` on a repository with 500 pinned and extracted
//! anchors (target: under 5 ms), and evaluation of one command against them.
//!
//! Before the compiled-anchor cache every load parsed the TOML, compiled every matcher and ran
//! every example; that path is still measured as `AnchorSet::load_uncached` (the "before"
//! figure, and what a load costs once after the anchors change). `AnchorSet::load` reads
//! `.ctx/anchors.cache` and compiles regexes and globs lazily; the summary also gives a cached
//! load followed by compiling every matcher, the worst case for one process.

use criterion::{criterion_group, criterion_main, Criterion};
use ctx_engine::anchor::{
    write_extracted, Anchor, AnchorSet, AnchorSource, CodeMatcher, CommandMatcher, Matcher,
    PathMatcher, Polarity,
};
use ctx_engine::check::{ActionFacts, Invocation};
use std::fmt::Write;
use std::path::Path;
use std::time::Instant;

/// 250 pinned anchors (one of each shorthand kind, with examples) and 250 extracted ones.
fn fixture_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut toml = String::new();
    for i in 0..250 {
        let kind = i % 3;
        let _ = writeln!(toml, "[[anchor]]\ntext = \"Rule number {i}\"");
        match kind {
            0 => {
                let _ = writeln!(toml, "forbid_command = [\"tool{i} deploy --force\"]\nmatch = [\"tool{i} deploy --force\"]\nnot_match = [\"tool{i} deploy\"]");
            }
            1 => {
                let _ = writeln!(
                    toml,
                    "forbid_path = [\"generated{i}/**\"]\nmatch = [\"path:generated{i}/a.rs\"]"
                );
            }
            _ => {
                let _ = writeln!(toml, "forbid_pattern = ['\\bcall{i}\\(']\nscope = [\"src/**\"]\nmatch = [\"line:src/a.rs:call{i}(x)\"]");
            }
        }
        toml.push('\n');
    }
    std::fs::create_dir_all(dir.path().join(".ctx")).unwrap();
    std::fs::write(dir.path().join(".ctx/anchors.toml"), toml).unwrap();
    let extracted: Vec<Anchor> = (0..250)
        .map(|i| {
            let mut a = Anchor::new(
                format!("Never run thing{i} with --release"),
                Polarity::Never,
                AnchorSource::Doc {
                    path: "AGENTS.md".into(),
                    line: i + 1,
                },
            );
            a.matchers = match i % 3 {
                0 => {
                    let mut m = CommandMatcher::programs(&["cargo"]);
                    m.any_flags = vec!["--release".into()];
                    vec![Matcher::Command(m)]
                }
                1 => vec![Matcher::Path(PathMatcher::new(vec![format!(
                    "vendor{i}/**"
                )]))],
                _ => vec![Matcher::Code(CodeMatcher::new(format!(r"\bthing{i}\(")))],
            };
            a
        })
        .collect();
    write_extracted(dir.path(), &extracted).unwrap();
    dir
}

/// Median wall time of `f` over `runs` calls, in milliseconds.
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

/// Prints the before/after summary (medians of 50 runs) against the 5 ms target.
fn summary(root: &Path, facts: &ActionFacts) {
    let uncached = median_ms(50, || {
        AnchorSet::load_uncached(root).unwrap();
    });
    let cached = median_ms(50, || {
        AnchorSet::load(root).unwrap();
    });
    let cached_eval = median_ms(50, || {
        AnchorSet::load(root).unwrap().evaluate(facts);
    });
    let cached_all = median_ms(50, || {
        let set = AnchorSet::load(root).unwrap();
        for m in set.anchors().iter().flat_map(|a| &a.matchers) {
            m.validate().unwrap();
        }
    });
    let verdict = if cached < 5.0 { "met" } else { "NOT met" };
    println!(
        "anchors: 500 anchors (250 pinned with examples, 250 extracted) + built-ins, median of 50"
    );
    println!("  before (8b51d19, every load parsed, compiled and verified): ~25-31 ms");
    println!("  no cache: load_uncached (parse, validate, verify examples) {uncached:7.3} ms");
    println!("  after:  load (compiled-anchor cache)                    {cached:7.3} ms  target < 5 ms: {verdict}");
    println!("          load + evaluate one command                     {cached_eval:7.3} ms");
    println!("          load + compile every matcher (worst case)       {cached_all:7.3} ms");
}

fn bench(c: &mut Criterion) {
    let repo = fixture_repo();
    let set = AnchorSet::load(repo.path()).expect("fixture loads");
    assert!(set.anchors().len() >= 500);
    assert!(
        ctx_engine::anchor::cache_path(repo.path()).is_file(),
        "the load wrote no cache"
    );
    let facts = ActionFacts {
        command: Some("cargo build --release".into()),
        invocations: vec![Invocation {
            program: "cargo".into(),
            args: vec!["build".into(), "--release".into()],
            raw: "cargo build --release".into(),
            wrappers: vec![],
            piped_input: false,
            cwd: None,
            from_code: false,
            background: false,
        }],
        effects: vec![],
    };
    summary(repo.path(), &facts);
    c.bench_function("anchor_set_load_500", |b| {
        b.iter(|| AnchorSet::load(repo.path()).unwrap())
    });
    c.bench_function("anchor_set_load_uncached_500", |b| {
        b.iter(|| AnchorSet::load_uncached(repo.path()).unwrap())
    });
    c.bench_function("anchor_set_evaluate_command_500", |b| {
        b.iter(|| set.evaluate(&facts))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
