//! Latency of `ctx check` as a fresh process, the way agents call it: one process per tool call.
//!
//! `cargo bench --bench check_latency [-- --runs N]`
//!
//! A temporary git repository with 200 pinned anchors (commands, paths and code patterns) and
//! an index (`ctx index .`, when it succeeds) is checked with:
//! - `ctx check --hook claude` on a Bash command (target: median ≤ 10 ms, p99 ≤ 20 ms);
//! - `ctx check --hook claude` on a Write of a 200-line file;
//! - `ctx check --diff -` on a 1,000-line unified diff.
//!
//! Prints median, p90, p99 and max wall time per case.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let ctx = Path::new(env!("CARGO_BIN_EXE_ctx"));
    let repo = tempfile::tempdir().expect("a temporary directory");
    let root = repo.path();
    setup(ctx, root);

    let bash = serde_json::json!({
        "session_id": "bench", "cwd": root, "hook_event_name": "PreToolUse", "tool_name": "Bash",
        "tool_input": {"command": "cd src && RUST_LOG=info cargo test -p core -- --nocapture | tee /tmp/log.txt && git status"},
    })
    .to_string();
    let content: String = (0..200)
        .map(|i| format!("pub fn f{i}(x: u32) -> u32 {{ x + {i} }}\n"))
        .collect();
    let write = serde_json::json!({
        "session_id": "bench", "cwd": root, "hook_event_name": "PreToolUse", "tool_name": "Write",
        "tool_input": {"file_path": root.join("src/generated_fns.rs"), "content": content},
    })
    .to_string();
    let mut diff = String::from("diff --git a/src/big.rs b/src/big.rs\nnew file mode 100644\n--- /dev/null\n+++ b/src/big.rs\n@@ -0,0 +1,1000 @@\n");
    for i in 0..1000 {
        diff.push_str(&format!("+pub fn g{i}(x: u32) -> u32 {{ x * {i} }}\n"));
    }

    println!("check latency: {runs} fresh processes per case, 200 pinned anchors + built-ins, 2>/dev/null");
    report(
        "hook claude, Bash command",
        &time(
            ctx,
            root,
            &["check", "--hook", "claude", "--no-log"],
            &bash,
            runs,
        ),
    );
    report(
        "hook claude, Write 200 lines",
        &time(
            ctx,
            root,
            &["check", "--hook", "claude", "--no-log"],
            &write,
            runs,
        ),
    );
    report(
        "--diff -, 1,000 added lines",
        &time(
            ctx,
            root,
            &["check", "--diff", "-", "--no-log"],
            &diff,
            runs,
        ),
    );
}

fn setup(ctx: &Path, root: &Path) {
    let git = Command::new("git")
        .args(["init", "-q", "."])
        .current_dir(root)
        .status();
    assert!(git.is_ok_and(|s| s.success()), "git init failed");
    std::fs::create_dir_all(root.join(".ctx")).expect("creating .ctx");
    std::fs::create_dir_all(root.join("src")).expect("creating src");
    std::fs::write(root.join("src/lib.rs"), "pub fn a() {}\n").expect("writing src/lib.rs");
    let mut toml = String::new();
    for i in 0..200 {
        let (text, matcher) = match i % 3 {
            0 => (
                format!("Never run tool{i} deploy with --prod"),
                format!("forbid_command = [\"tool{i} deploy --prod\"]"),
            ),
            1 => (
                format!("Do not edit files under area{i}/"),
                format!("forbid_path = [\"area{i}/**\"]"),
            ),
            _ => (
                format!("Never call forbidden_call_{i} in src"),
                format!("scope = [\"src/**\"]\nforbid_pattern = ['forbidden_call_{i}\\(']"),
            ),
        };
        toml.push_str(&format!(
            "[[anchor]]\nid = \"p-bench-{i}\"\ntext = \"{text}\"\n{matcher}\n\n"
        ));
    }
    std::fs::write(root.join(".ctx/anchors.toml"), toml).expect("writing anchors");
    let indexed = Command::new(ctx)
        .args(["index", "."])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !indexed.is_ok_and(|s| s.success()) {
        println!("note: `ctx index .` failed; measuring without an index");
    }
    let out = Command::new(ctx)
        .args(["check", "--json", "--command", "tool0 deploy --prod"])
        .current_dir(root)
        .output()
        .expect("running ctx check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("p-bench-0"),
        "the bench anchors are not loaded: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn time(ctx: &Path, root: &Path, args: &[&str], input: &str, runs: usize) -> Vec<f64> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs + 5 {
        let start = Instant::now();
        let mut child = Command::new(ctx)
            .args(args)
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawning ctx");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("writing stdin");
        child.wait_with_output().expect("waiting for ctx");
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.drain(..5);
    times.sort_by(f64::total_cmp);
    times
}

fn report(name: &str, times: &[f64]) {
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "  {name:<32} median {:6.2} ms   p90 {:6.2} ms   p99 {:6.2} ms   max {:6.2} ms",
        at(0.5),
        at(0.9),
        at(0.99),
        times[times.len() - 1]
    );
}
