//! Speed of `ctx pack` at 400k and 1M tokens on a large crate, beside other packers, in one
//! run. `cargo bench --bench pack` (after `cargo build --release`).
//!
//! The tree is the source of the tantivy crate from the cargo registry (about 125k lines
//! of Rust plus docs), copied to a temporary directory and indexed once (warm index, no
//! embedding model: `CTX_EMBEDDER=none`). Each command runs `RUNS` times after one
//! warm-up; the table shows the median wall time, the output size and the tokens ctx
//! reports. Peers run only when installed: `yek --tokens 400k` (cargo install yek),
//! code2prompt (cargo install code2prompt) and repomix (npm install -g repomix). They
//! pack without ranking; ctx ranks, masks secrets and verifies the budget exactly.
//!
//! ctx's time includes counting the final output with the profile's tokenizer. The machine
//! may be shared, so the load average is printed before and after the measurements, and
//! commands run interleaved (one run of each, then the next round) so that load changes
//! hit every command alike.
//!
//! With yek installed, the last line compares ctx at 400k with `yek --tokens 400k`: the
//! ratio of the medians and the median of the per-round ratios (target: at most 0.5x).
//!
//! Environment: `CTX_BENCH_TREE=DIR` packs another tree (the whole tantivy repository,
//! say, exported from a clone); `CTX_BENCH_RUNS=N` (default 5).

// Not every helper of the module is used by this harness.
#[allow(dead_code)]
#[path = "support/machine.rs"]
mod machine;

use machine::copy_tree;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Case {
    name: String,
    program: String,
    args: Vec<String>,
    output: Option<PathBuf>,
}

fn main() {
    let Some(source) = tree() else {
        eprintln!(
            "pack bench: no tantivy-0.27 source under ~/.cargo/registry/src; set CTX_BENCH_TREE"
        );
        return;
    };
    let work = tempfile::tempdir().expect("temp dir");
    let root = work.path().join("tree");
    copy_tree(&source, &root);
    let ctx = env!("CARGO_BIN_EXE_ctx");
    let started = Instant::now();
    let status = Command::new(ctx)
        .args(["index", "."])
        .current_dir(&root)
        .env("CTX_EMBEDDER", "none")
        .output()
        .expect("run ctx index");
    assert!(
        status.status.success(),
        "ctx index failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    println!(
        "tree {} ({} lines); ctx index {:.2} s",
        source.display(),
        count_lines(&root),
        started.elapsed().as_secs_f64()
    );
    let runs: usize = std::env::var("CTX_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let out = work.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let query = "merge policy for segments with many deleted documents";
    let mut cases = Vec::new();
    for (label, extra) in [
        ("ctx pack --budget 400k", vec!["--budget", "400k"]),
        ("ctx pack --budget 1m", vec!["--budget", "1m"]),
        (
            "ctx pack --model opus-4.6 (1M)",
            vec!["--model", "opus-4.6"],
        ),
    ] {
        let file = out.join(format!("ctx-{}.xml", cases.len()));
        let mut args: Vec<String> =
            vec!["pack".into(), "--query".into(), query.into(), "-o".into()];
        args.push(file.display().to_string());
        args.extend(extra.iter().map(|s| s.to_string()));
        cases.push(Case {
            name: label.into(),
            program: ctx.into(),
            args,
            output: Some(file),
        });
    }
    if installed("yek") {
        for tokens in ["400k", "1000k"] {
            let dir = out.join(format!("yek-{tokens}"));
            cases.push(Case {
                name: format!("yek --tokens {tokens}"),
                program: "yek".into(),
                args: vec![
                    "--tokens".into(),
                    tokens.into(),
                    "--output-dir".into(),
                    dir.display().to_string(),
                    ".".into(),
                ],
                output: Some(dir),
            });
        }
    }
    if installed("code2prompt") {
        let file = out.join("code2prompt.md");
        cases.push(Case {
            name: "code2prompt (whole tree)".into(),
            program: "code2prompt".into(),
            args: vec![
                ".".into(),
                "-O".into(),
                file.display().to_string(),
                "-q".into(),
            ],
            output: Some(file),
        });
    }
    if installed("repomix") {
        let file = out.join("repomix.xml");
        cases.push(Case {
            name: "repomix (whole tree)".into(),
            program: "repomix".into(),
            args: vec![
                "--quiet".into(),
                "-o".into(),
                file.display().to_string(),
                ".".into(),
            ],
            output: Some(file),
        });
    }
    println!("load average before: {}", load_average());
    let (all_times, stdout_bytes) = time_cases(&cases, &root, runs);
    println!("load average after:  {}", load_average());
    println!(
        "{:<34} {:>10} {:>10} {:>12}",
        "command", "median s", "min s", "output MB"
    );
    let mut medians = Vec::new();
    for ((case, times), stdout) in cases.iter().zip(all_times).zip(stdout_bytes) {
        // yek ignores --output-dir when stdout is not a terminal and writes to stdout.
        let size = case.output.as_deref().map_or(0, bytes).max(stdout) as f64 / 1e6;
        let median = median(&times);
        let min = times.iter().min().copied().unwrap_or(median);
        medians.push((case.name.clone(), median, times));
        println!(
            "{:<34} {:>10.3} {:>10.3} {:>12.2}",
            case.name,
            median.as_secs_f64(),
            min.as_secs_f64(),
            size
        );
    }
    let find = |name: &str| medians.iter().find(|m| m.0 == name);
    if let (Some(ctx), Some(yek)) = (find("ctx pack --budget 400k"), find("yek --tokens 400k")) {
        println!(
            "ctx 400k / yek 400k wall time: {:.2}x of the medians; {:.2}x the median of {} \
             interleaved pairs (target: at most 0.50x)",
            ctx.1.as_secs_f64() / yek.1.as_secs_f64(),
            pair_ratio(&ctx.2, &yek.2),
            ctx.2.len()
        );
    }
    println!("{BEFORE}");
}

/// The figures before the pack speed work (issue 5), for comparison.
const BEFORE: &str = "before (issue 5 baseline, 2026-11-21): ctx 400k 1.33-1.50 s, \
yek 400k 0.58-0.70 s, ctx / yek 2.2x; at the start of this work (load average 2.5): \
ctx 400k 1.55-1.98 s wall, 0.7 s CPU";

/// The median of `times`.
fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

/// The median over rounds of `a`'s time divided by `b`'s in the same round: both ran in
/// that round, so a change of load between rounds hits both sides of a ratio alike.
fn pair_ratio(a: &[Duration], b: &[Duration]) -> f64 {
    let mut ratios: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| x.as_secs_f64() / y.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

/// Times every case `runs` times after one warm-up each, interleaved round by round;
/// each case's times come back in round order, with the size of its standard output.
fn time_cases(cases: &[Case], root: &Path, runs: usize) -> (Vec<Vec<Duration>>, Vec<u64>) {
    let run = |case: &Case| {
        let started = Instant::now();
        let out = Command::new(&case.program)
            .args(&case.args)
            .current_dir(root)
            .env("CTX_EMBEDDER", "none")
            .output()
            .expect("run command");
        assert!(
            out.status.success(),
            "{} failed: {}",
            case.name,
            String::from_utf8_lossy(&out.stderr)
        );
        (started.elapsed(), out.stdout.len() as u64)
    };
    let stdout_bytes = cases.iter().map(|case| run(case).1).collect();
    let mut times = vec![Vec::new(); cases.len()];
    for _ in 0..runs.max(1) {
        for (case, t) in cases.iter().zip(&mut times) {
            t.push(run(case).0);
        }
    }
    (times, stdout_bytes)
}

/// The 1, 5 and 15 minute load averages (Linux), or "unknown".
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

fn tree() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("CTX_BENCH_TREE") {
        return Some(PathBuf::from(dir));
    }
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|_| std::env::var("HOME").map(|h| Path::new(&h).join(".cargo")))
        .ok()?;
    let registry = home.join("registry/src");
    let mut found = Vec::new();
    for index in std::fs::read_dir(registry).ok()?.flatten() {
        for krate in std::fs::read_dir(index.path()).ok()?.flatten() {
            let name = krate.file_name().to_string_lossy().to_string();
            if name.starts_with("tantivy-0.27.") {
                found.push(krate.path());
            }
        }
    }
    found.sort();
    found.pop()
}

/// Size of a file, or of the files directly in a directory.
fn bytes(path: &Path) -> u64 {
    if path.is_dir() {
        let entries = std::fs::read_dir(path).into_iter().flatten().flatten();
        return entries
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum();
    }
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn count_lines(root: &Path) -> usize {
    let mut total = 0;
    for entry in std::fs::read_dir(root).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == ".ctx") {
                continue;
            }
            total += count_lines(&path);
        } else if path.extension().is_some_and(|e| e == "rs") {
            total += std::fs::read_to_string(&path).map_or(0, |t| t.lines().count());
        }
    }
    total
}
