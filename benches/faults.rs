//! Fault suite of the index: the real binary (hash embedder) on a generated repository
//! (the small fixture plus `CTX_BENCH_FILES` synthetic Rust files, default 1500).
//!
//! 1. `kill -9` at 20 seeded random points of index runs that change every file (every
//!    fourth a rebuild): a reader right after the kill must answer, and the next
//!    `ctx index` must leave every file indexed with its latest content (`ctx status`
//!    compares each with the disk; lost files are counted).
//! 2. An index loop (changes every round, every fifth round a rebuild) with two reader
//!    loops (`ctx search`, `ctx status`) for `CTX_BENCH_SECS` seconds (default 60): reader
//!    errors, panics, and answers that differ from a quiet index's.
//! 3. Rebuild races: two `ctx index --rebuild` loops racing each other with the same two
//!    reader loops for `CTX_BENCH_SECS`: failed rebuilds, panics, reader errors and
//!    different answers; afterwards the index must be healthy, answer as the quiet index,
//!    and keep one generation once a last run has collected the rest.
//! 4. Each corruption (lexical index deleted, vectors deleted, records truncated, garbage
//!    lexical metadata, garbage `CURRENT`): whether a reader names the part and the
//!    command, and whether `ctx index` heals it to a quiet index's answers.
//! 5. A 50 MB text file with `--max-file-size 100000000`: peak memory of `ctx index` (and
//!    of the same run without the file, and of an unchanged re-run) and of a 32k `ctx pack`.
//!
//! Every figure is printed with the load average. Exits non-zero on any lost file,
//! reader error or corruption left unhealed. `cargo bench --bench faults -- 50` runs only
//! the parts whose names contain the words given (`kill`, `readers`, `rebuild`, `corruptions`, `50`).

#[path = "support/machine.rs"]
mod machine;

use machine::{copy_tree, load_average};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn ctx(root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ctx"));
    cmd.args(args)
        .current_dir(root)
        .env("CTX_EMBEDDER", "hash")
        .env("CTX_HOME", root.join("../ctx-home"))
        .env("CTX_CONFIG", root.join("../user-config.toml"))
        .env("CTX_NO_DAEMON", "1")
        .stdin(Stdio::null());
    cmd
}

/// stdout, stderr and success of one run.
fn run(root: &Path, args: &[&str]) -> (String, String, bool) {
    let out = ctx(root, args).output().expect("run ctx");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

fn must(root: &Path, args: &[&str]) -> String {
    let (stdout, stderr, ok) = run(root, args);
    assert!(ok, "ctx {args:?} failed: {stderr}");
    stdout
}

fn module(i: usize, round: usize) -> String {
    let mut text = String::new();
    for j in 0..8 {
        text.push_str(&format!(
            "/// Computes the checksum of block {j} in module {i}.\npub fn checksum_{i}_{j}(data: &[u8]) -> u32 {{\n    data.iter().fold({j}u32, |acc, b| acc.wrapping_mul(31).wrapping_add(*b as u32))\n}}\n\n"
        ));
    }
    text.push_str(&format!("pub fn revision_{i}() -> u32 {{ {round} }}\n"));
    text
}

fn make_repo(tmp: &Path, name: &str, files: usize) -> PathBuf {
    let root = tmp.join(name);
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small"),
        &root,
    );
    std::fs::create_dir_all(root.join("src/gen")).unwrap();
    for i in 0..files {
        std::fs::write(root.join(format!("src/gen/m{i}.rs")), module(i, 0)).unwrap();
    }
    root
}

/// The places (path and lines) a lexical search finds: scores move with corpus statistics.
fn places(stdout: &str) -> BTreeSet<String> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|hit| {
            let d = &hit["data"];
            format!("{}:{}-{}", d["path"], d["start_line"], d["end_line"])
        })
        .collect()
}

const QUERY: [&str; 7] = [
    "search",
    "session request",
    "--json",
    "--mode",
    "lexical",
    "-k",
    "50",
];

/// A small deterministic generator (no dependency, same points every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }
}

fn kill_nine(tmp: &Path, files: usize) -> bool {
    let root = make_repo(tmp, "kill", files);
    let started = Instant::now();
    must(&root, &["index"]);
    let quiet_ms = started.elapsed().as_millis() as u64;
    let mut rng = Lcg(12);
    let (mut lost, mut reader_errors, mut killed_running) = (0, 0, 0);
    for round in 1..=20 {
        // Every file changes, so each run does a whole run's work and the kill lands in it.
        for i in 0..files {
            std::fs::write(root.join(format!("src/gen/m{i}.rs")), module(i, round)).unwrap();
        }
        let args: &[&str] = if round % 4 == 0 {
            &["index", "--rebuild"]
        } else {
            &["index"]
        };
        let mut child = ctx(&root, args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.next(quiet_ms * 9 / 10)));
        if child.try_wait().unwrap().is_none() {
            killed_running += 1;
        }
        child.kill().ok();
        child.wait().unwrap();
        if !run(&root, &QUERY).2 {
            reader_errors += 1;
        }
        must(&root, &["index"]);
        // Every file indexed with its latest content: status compares each with the disk.
        let status: serde_json::Value =
            serde_json::from_str(must(&root, &["status", "--json"]).trim()).unwrap();
        let pending = ["changed", "added", "deleted"]
            .iter()
            .map(|k| status[k].as_array().map_or(0, Vec::len))
            .sum::<usize>();
        let indexed = status["files"].as_u64().unwrap_or(0) as usize;
        lost += pending + (files + 7).saturating_sub(indexed);
        if status["health"] != "ok" {
            lost += 1;
        }
        let i = rng.next(files as u64) as usize;
        let found = must(
            &root,
            &[
                "search",
                &format!("revision_{i}"),
                "--json",
                "--mode",
                "lexical",
                "-k",
                "1",
            ],
        );
        if !found.contains(&format!("\"path\":\"src/gen/m{i}.rs\"")) {
            lost += 1;
        }
    }
    println!(
        "kill -9 x20 ({killed_running} during a run; quiet run {quiet_ms} ms): {lost} lost, {reader_errors} reader errors right after the kill (load {})",
        load_average()
    );
    lost == 0 && reader_errors == 0
}

/// What one reader loop saw: answers, errors, panics, answers different from the quiet
/// index's, and the first error.
type ReaderTally = (u64, u64, u64, u64, Option<String>);

/// Two reader loops on `root` until `stop`: `ctx search` (compared with `expected`) and
/// `ctx status`.
fn reader_loops(
    root: &Path,
    expected: &BTreeSet<String>,
    stop: &Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<ReaderTally>> {
    (0..2)
        .map(|n| {
            let (root, stop, expected) = (root.to_path_buf(), stop.clone(), expected.clone());
            std::thread::spawn(move || {
                let (mut answered, mut errors, mut panics, mut different) =
                    (0u64, 0u64, 0u64, 0u64);
                let mut first_error = None;
                while !stop.load(Ordering::Relaxed) {
                    let args: &[&str] = if n == 0 {
                        &QUERY
                    } else {
                        &["status", "--json"]
                    };
                    let (stdout, stderr, ok) = run(&root, args);
                    answered += 1;
                    if stderr.contains("panicked") {
                        panics += 1;
                    }
                    if !ok {
                        errors += 1;
                        first_error.get_or_insert(stderr);
                    } else if n == 0 && places(&stdout) != expected {
                        different += 1;
                    }
                }
                (answered, errors, panics, different, first_error)
            })
        })
        .collect()
}

/// Joins [`reader_loops`] and prints their figures after `what`; true when clean.
fn report_readers(what: &str, readers: Vec<std::thread::JoinHandle<ReaderTally>>) -> bool {
    let mut ok = true;
    for (n, reader) in readers.into_iter().enumerate() {
        let (answered, errors, panics, different, first) = reader.join().unwrap();
        let name = if n == 0 { "search" } else { "status" };
        println!(
            "{what}, {name} reader: {answered} answers, {errors} errors, {panics} panics, {different} different from the quiet index (load {})",
            load_average()
        );
        if let Some(first) = first {
            println!("  first error: {}", first.trim());
        }
        ok &= errors == 0 && panics == 0 && different == 0;
    }
    ok
}

fn readers_during_runs(tmp: &Path, files: usize, secs: u64) -> bool {
    let root = make_repo(tmp, "readers", files);
    must(&root, &["index"]);
    let expected = places(&must(&root, &QUERY));
    let stop = Arc::new(AtomicBool::new(false));
    let readers = reader_loops(&root, &expected, &stop);
    let started = Instant::now();
    let (mut runs, mut failed_runs) = (0, 0);
    while started.elapsed() < Duration::from_secs(secs) {
        runs += 1;
        for i in (0..files).filter(|i| i % 25 == runs % 25) {
            std::fs::write(root.join(format!("src/gen/m{i}.rs")), module(i, runs)).unwrap();
        }
        let args: &[&str] = if runs % 5 == 0 {
            &["index", "--rebuild"]
        } else {
            &["index"]
        };
        if !run(&root, args).2 {
            failed_runs += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let what = format!("{secs} s, {runs} index runs ({failed_runs} failed)");
    report_readers(&what, readers) && failed_runs == 0
}

/// Two `ctx index --rebuild` loops racing each other (the second writer waits its turn)
/// with the two reader loops, for `secs` seconds; then the index must be healthy, answer
/// as the quiet index did, and hold no generation but the published one once a last run
/// has collected them (none is held by a reader any more).
fn rebuild_races(tmp: &Path, files: usize, secs: u64) -> bool {
    let root = make_repo(tmp, "rebuilds", files);
    must(&root, &["index"]);
    let expected = places(&must(&root, &QUERY));
    let stop = Arc::new(AtomicBool::new(false));
    let readers = reader_loops(&root, &expected, &stop);
    let rebuilders: Vec<_> = (0..2)
        .map(|_| {
            let root = root.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let (mut runs, mut failed, mut panics) = (0u64, 0u64, 0u64);
                let mut first_error = None;
                while started.elapsed() < Duration::from_secs(secs) {
                    let (_, stderr, ok) = run(&root, &["index", "--rebuild"]);
                    runs += 1;
                    if stderr.contains("panicked") {
                        panics += 1;
                    }
                    if !ok {
                        failed += 1;
                        first_error.get_or_insert(stderr);
                    }
                }
                (runs, failed, panics, first_error)
            })
        })
        .collect();
    let (mut runs, mut failed, mut panics) = (0, 0, 0);
    for rebuilder in rebuilders {
        let (r, f, p, first) = rebuilder.join().unwrap();
        (runs, failed, panics) = (runs + r, failed + f, panics + p);
        if let Some(first) = first {
            println!("  first rebuild error: {}", first.trim());
        }
    }
    stop.store(true, Ordering::Relaxed);
    let what = format!(
        "{secs} s, 2 racing rebuild loops: {runs} rebuilds ({failed} failed, {panics} panics)"
    );
    let mut ok = report_readers(&what, readers) && failed == 0 && panics == 0;
    // After the race: health, answers, and what is left under .ctx/gen.
    let status = must(&root, &["status", "--json"]);
    let healthy = !status.contains("damaged");
    let same = places(&must(&root, &QUERY)) == expected;
    must(&root, &["index"]);
    let generations = std::fs::read_dir(root.join(".ctx/gen"))
        .map(|d| d.count())
        .unwrap_or(0);
    println!(
        "after the race: health {}, answers {} the quiet index's, {generations} generation(s) under .ctx/gen after one more `ctx index`",
        if healthy { "ok" } else { "DAMAGED" },
        if same { "equal to" } else { "DIFFERENT from" },
    );
    ok &= healthy && same && generations == 1;
    ok
}

fn corruptions(tmp: &Path) -> bool {
    type Damage = fn(&Path);
    let cases: [(&str, &str, Damage); 5] = [
        ("lexical index deleted", "lexical index", |g| {
            std::fs::remove_dir_all(g.join("lexical")).unwrap()
        }),
        ("vectors deleted", "vectors", |g| {
            std::fs::remove_file(g.join("vectors.usearch")).unwrap()
        }),
        ("records truncated", "records", |g| {
            for e in std::fs::read_dir(g.join("records")).unwrap() {
                let path = e.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                std::fs::remove_file(&path).unwrap();
                std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
            }
        }),
        ("garbage lexical meta.json", "lexical index", |g| {
            let meta = g.join("lexical/meta.json");
            std::fs::remove_file(&meta).unwrap();
            std::fs::write(meta, "garbage").unwrap();
        }),
        ("garbage CURRENT", "manifest", |g| {
            std::fs::write(g.join("../../CURRENT"), "garbage").unwrap()
        }),
    ];
    let mut all = true;
    for (n, (name, part, damage)) in cases.into_iter().enumerate() {
        let root = make_repo(tmp, &format!("corrupt{n}"), 50);
        must(&root, &["index"]);
        let quiet = places(&must(&root, &QUERY));
        let current = std::fs::read_to_string(root.join(".ctx/CURRENT")).unwrap();
        damage(&root.join(".ctx/gen").join(current.trim()));
        let (_, stderr, ok) = run(&root, &QUERY);
        let named = !ok && stderr.contains(part) && stderr.contains("ctx index");
        let (_, repair, indexed) = run(&root, &["index"]);
        let healed = indexed && places(&must(&root, &QUERY)) == quiet;
        println!(
            "{name}: reader {}, `ctx index` {}{}",
            if ok {
                "answered from a damaged index"
            } else if named {
                "names the part and `ctx index`"
            } else {
                "gave an unclear error"
            },
            if healed {
                "healed it"
            } else {
                "did not heal it"
            },
            repair
                .lines()
                .find(|l| l.contains("repaired"))
                .map(|l| format!(" ({})", l.trim()))
                .unwrap_or_default(),
        );
        all &= named && healed;
    }
    all
}

/// Peak resident memory (MiB) of `ctx args` in `root`.
fn peak_mib(root: &Path, args: &[&str]) -> (f64, f64, bool) {
    let started = Instant::now();
    let child = ctx(root, args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    std::mem::forget(child);
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    (
        usage.ru_maxrss as f64 / 1024.0,
        started.elapsed().as_secs_f64(),
        ok,
    )
}

fn big_file(tmp: &Path) -> bool {
    let root = make_repo(tmp, "big", 10);
    let limit = ["--max-file-size", "100000000"];
    // The same run without the big file: what the process takes anyway (binary, tables).
    let (base_mib, _, base_ok) = peak_mib(&root, &["index", limit[0], limit[1]]);
    let line = "let value = compute(alpha, beta, gamma) + offset; // steady filler\n";
    let text = line.repeat(50 * 1024 * 1024 / line.len());
    let file_mib = text.len() as f64 / 1048576.0;
    std::fs::write(root.join("src/huge.rs"), text).unwrap();
    let (index_mib, index_s, index_ok) = peak_mib(&root, &["index", limit[0], limit[1]]);
    let (again_mib, again_s, again_ok) = peak_mib(&root, &["index", limit[0], limit[1]]);
    let (pack_mib, pack_s, pack_ok) = peak_mib(
        &root,
        &["pack", "--budget", "32k", "--query", "compute alpha offset"],
    );
    println!(
        "{file_mib:.0} MiB file: index peak {index_mib:.0} MiB in {index_s:.1} s ({:.0} MiB over the {base_mib:.0} MiB of the same run without it: {:.1}x the file); unchanged re-run peak {again_mib:.0} MiB in {again_s:.1} s; 32k pack peak {pack_mib:.0} MiB in {pack_s:.1} s (load {})",
        index_mib - base_mib,
        (index_mib - base_mib) / file_mib,
        load_average()
    );
    base_ok && index_ok && again_ok && pack_ok
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let files: usize = std::env::var("CTX_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let secs: u64 = std::env::var("CTX_BENCH_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    // `cargo bench --bench faults -- NAME...` runs the parts whose name contains a NAME.
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let runs = |name: &str| wanted.is_empty() || wanted.iter().any(|w| name.contains(w.as_str()));
    let tmp = tempfile::tempdir().unwrap();
    println!(
        "fault suite: {files} generated files, load {}",
        load_average()
    );
    let parts: [(&str, &dyn Fn() -> bool); 5] = [
        ("kill -9", &|| kill_nine(tmp.path(), files)),
        ("readers during runs", &|| {
            readers_during_runs(tmp.path(), files, secs)
        }),
        ("rebuild races", &|| rebuild_races(tmp.path(), files, secs)),
        ("corruptions", &|| corruptions(tmp.path())),
        ("50 MB file", &|| big_file(tmp.path())),
    ];
    let results: Vec<(&str, bool)> = parts
        .iter()
        .filter(|(name, _)| runs(name))
        .map(|(name, part)| (*name, part()))
        .collect();
    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(n, _)| *n)
        .collect();
    if !failed.is_empty() {
        eprintln!("failed: {}", failed.join(", "));
        std::process::exit(1);
    }
}
