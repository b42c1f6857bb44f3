//! Anchor loading speed: `AnchorSet::load` on a repository with 500 pinned and extracted
//! anchors (target: under 5 ms), and evaluation of one command against them.

use criterion::{criterion_group, criterion_main, Criterion};
use ctx_engine::anchor::{
    write_extracted, Anchor, AnchorSet, AnchorSource, CodeMatcher, CommandMatcher, Matcher,
    PathMatcher, Polarity,
};
use ctx_engine::check::{ActionFacts, Invocation};
use std::fmt::Write;

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

fn bench(c: &mut Criterion) {
    let repo = fixture_repo();
    let set = AnchorSet::load(repo.path()).expect("fixture loads");
    assert!(set.anchors().len() >= 500);
    c.bench_function("anchor_set_load_500", |b| {
        b.iter(|| AnchorSet::load(repo.path()).unwrap())
    });
    let facts = ActionFacts {
        command: Some("cargo build --release".into()),
        invocations: vec![Invocation {
            program: "cargo".into(),
            args: vec!["build".into(), "--release".into()],
            raw: "cargo build --release".into(),
            wrappers: vec![],
            piped_input: false,
        }],
        effects: vec![],
    };
    c.bench_function("anchor_set_evaluate_command_500", |b| {
        b.iter(|| set.evaluate(&facts))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
