//! `ctx serve` benchmark: search latency through the daemon against in-process, and a burst
//! of 1,000 checks from 8 concurrent clients compared with in-process verdicts.
//!
//! Runs the real binary on a generated repository (the fixture plus `CTX_BENCH_FILES`
//! synthetic Rust files, default 300) with the hash embedder. Prints one line per
//! measurement; exits non-zero when a daemon answer differs from the in-process one.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const QUERIES: [&str; 5] = [
    "session request",
    "open a session",
    "handler for requests",
    "compute checksum of block",
    "Server::handle",
];
const COMMANDS: [&str; 8] = [
    "git branch -D release",
    "ls -la src",
    "cargo test --release",
    "git push --force origin main",
    "rm -rf build",
    "echo hello > notes.txt",
    "bash -c 'git branch -D release'",
    "cat src/server.rs | grep fn",
];

fn ctx(root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ctx"));
    cmd.args(args)
        .current_dir(root)
        .env("CTX_EMBEDDER", "hash")
        .env("CTX_HOME", root.join("../ctx-home"));
    cmd
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run ctx");
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "ctx failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn make_repo(tmp: &Path) -> PathBuf {
    let root = tmp.join("repo");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small"),
        &root,
    );
    let files: usize = std::env::var("CTX_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    for i in 0..files {
        let mut text = String::new();
        for j in 0..10 {
            text.push_str(&format!(
                "/// Computes the checksum of block {j} in module {i}.\npub fn checksum_{i}_{j}(data: &[u8]) -> u32 {{\n    data.iter().fold({j}u32, |acc, b| acc.wrapping_mul(31).wrapping_add(*b as u32))\n}}\n\n"
            ));
        }
        let path = root.join(format!("src/gen/m{i}.rs"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    root
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

/// p50 and p95 (ms) of `ctx search` runs, with their outputs.
fn cli_search(root: &Path, daemon: bool, rounds: usize) -> (f64, f64, Vec<String>) {
    let mut samples = Vec::new();
    let mut outputs = Vec::new();
    for round in 0..rounds {
        let query = QUERIES[round % QUERIES.len()];
        let mut cmd = ctx(root, &["search", query, "--json", "-k", "10"]);
        if !daemon {
            cmd.env("CTX_NO_DAEMON", "1");
        }
        let started = Instant::now();
        let out = run_ok(&mut cmd);
        samples.push(started.elapsed());
        if round < QUERIES.len() {
            outputs.push(out);
        }
    }
    (
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.95),
        outputs,
    )
}

fn request(stream: &mut BufReader<UnixStream>, message: &Value) -> Value {
    let mut line = message.to_string();
    line.push('\n');
    stream.get_mut().write_all(line.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_line(&mut answer).unwrap();
    serde_json::from_str(&answer).unwrap()
}

fn connect(root: &Path) -> BufReader<UnixStream> {
    BufReader::new(
        UnixStream::connect(root.join(".ctx/serve.sock")).expect("connect to the daemon"),
    )
}

/// The comparable part of a verdict: decision and violated anchors.
fn verdict_key(verdict: &Value) -> (String, Vec<String>) {
    let ids = verdict["violations"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|x| x["anchor_id"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    (verdict["decision"].as_str().unwrap_or("?").to_string(), ids)
}

fn start_daemon(root: &Path) -> Child {
    let child = ctx(root, &["serve"])
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ctx serve");
    let deadline = Instant::now() + Duration::from_secs(60);
    while UnixStream::connect(root.join(".ctx/serve.sock")).is_err() {
        assert!(Instant::now() < deadline, "the daemon did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = make_repo(tmp.path());
    let started = Instant::now();
    run_ok(&mut ctx(&root, &["index"]));
    let files = std::fs::read_dir(root.join("src/gen")).map_or(0, |d| d.count());
    println!(
        "indexed {files} generated files (~{} lines) + fixture in {:.2}s",
        files * 50,
        started.elapsed().as_secs_f64()
    );
    run_ok(&mut ctx(
        &root,
        &[
            "anchors",
            "add",
            "Never delete the release branch",
            "--forbid-command",
            "git branch -D release",
        ],
    ));

    let (p50, p95, in_process) = cli_search(&root, false, 30);
    println!("ctx search in-process (process start, index open, hash model): p50 {p50:.1} ms, p95 {p95:.1} ms");
    let mut expected = Vec::new();
    for command in COMMANDS {
        let out = run_ok(
            ctx(
                &root,
                &["check", "--command", command, "--json", "--no-log"],
            )
            .env("CTX_NO_DAEMON", "1"),
        );
        let line: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
        expected.push(verdict_key(&line["data"]));
    }
    let mut hook_samples = Vec::new();
    for command in COMMANDS.iter().cycle().take(30) {
        let input = json!({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command}, "cwd": root, "session_id": "bench"});
        let started = Instant::now();
        let mut child = ctx(&root, &["check", "--hook", "claude", "--no-log"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.to_string().as_bytes())
            .unwrap();
        child.wait().unwrap();
        hook_samples.push(started.elapsed());
    }
    println!(
        "ctx check --hook claude in-process (rule path): p50 {:.1} ms",
        percentile(&mut hook_samples, 0.5)
    );

    let mut daemon = start_daemon(&root);
    let (p50, p95, through) = cli_search(&root, true, 30);
    println!(
        "ctx search through the daemon (process start + socket): p50 {p50:.1} ms, p95 {p95:.1} ms"
    );
    let same = in_process == through;
    println!("identical search output in-process and through the daemon: {same}");

    let mut stream = connect(&root);
    let mut samples = Vec::new();
    for round in 0..200 {
        let query = QUERIES[round % QUERIES.len()];
        let started = Instant::now();
        let answer = request(
            &mut stream,
            &json!({"tool": "search", "arguments": {"query": query, "k": 10, "include_text": false}}),
        );
        samples.push(started.elapsed());
        assert_eq!(answer["ok"], true, "{answer}");
    }
    println!(
        "hybrid search on the socket (no process start): p50 {:.2} ms, p95 {:.2} ms",
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.95)
    );

    let started = Instant::now();
    let mismatches: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|client| {
                let root = root.clone();
                let expected = expected.clone();
                scope.spawn(move || {
                    let mut stream = connect(&root);
                    let mut bad = 0;
                    for i in 0..125 {
                        let which = (client * 125 + i) % COMMANDS.len();
                        let answer = request(&mut stream, &json!({"tool": "check_action", "arguments": {"command": COMMANDS[which]}}));
                        let verdict = &answer["result"]["structuredContent"];
                        if answer["ok"] != true || verdict_key(verdict) != expected[which] {
                            bad += 1;
                        }
                    }
                    bad
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let elapsed = started.elapsed();
    println!(
        "1000 checks from 8 concurrent clients: {:.0} ms total ({:.2} ms per check), {mismatches} verdicts differ from in-process",
        elapsed.as_secs_f64() * 1000.0,
        elapsed.as_secs_f64() * 1000.0 / 1000.0
    );
    let mut stream = connect(&root);
    let started = Instant::now();
    std::fs::write(
        root.join("src/watched.rs"),
        "pub fn saved_just_now_marker() -> u8 { 7 }\n",
    )
    .unwrap();
    let seen = loop {
        let answer = request(
            &mut stream,
            &json!({"tool": "search", "arguments": {"query": "saved_just_now_marker", "mode": "lexical", "k": 1, "include_text": false}}),
        );
        let hits = &answer["result"]["structuredContent"]["hits"];
        if hits[0]["path"] == "src/watched.rs" {
            break Some(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(10) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    match seen {
        Some(latency) => println!(
            "watcher: a saved file is searchable after {:.0} ms",
            latency.as_secs_f64() * 1000.0
        ),
        None => println!("watcher: the saved file was not searchable within 10 s"),
    }
    let state = request(&mut stream, &json!({"tool": "ping"}));
    println!(
        "daemon: {}",
        state["result"]["structuredContent"]["last_reindex"]
    );
    let _ = run_ok(&mut ctx(&root, &["serve", "--stop"]));
    let _ = daemon.wait();
    if !same || mismatches > 0 || seen.is_none() {
        std::process::exit(1);
    }
}
