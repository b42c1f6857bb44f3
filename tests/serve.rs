//! End-to-end tests of `ctx serve`: fallback, identical answers, stale sockets, one daemon
//! per repository, concurrent and hostile clients, path escapes, and file watching.

use crate::util::{json_lines, Dir};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A `ctx serve` child, killed on drop.
struct Daemon {
    child: Child,
}

impl Daemon {
    fn start(dir: &Dir) -> Daemon {
        let child = dir
            .ctx(&["serve"])
            .cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ctx serve");
        let socket = dir.path().join(".ctx/serve.sock");
        let deadline = Instant::now() + Duration::from_secs(60);
        while UnixStream::connect(&socket).is_err() {
            assert!(
                Instant::now() < deadline,
                "ctx serve did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Daemon { child }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn indexed() -> Dir {
    let dir = Dir::fixture("small");
    dir.ctx(&["index"]).ok();
    dir
}

fn connect(dir: &Dir) -> BufReader<UnixStream> {
    let stream = UnixStream::connect(dir.path().join(".ctx/serve.sock")).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    BufReader::new(stream)
}

fn send(stream: &mut BufReader<UnixStream>, line: &str) -> Value {
    stream.get_mut().write_all(line.as_bytes()).unwrap();
    stream.get_mut().write_all(b"\n").unwrap();
    let mut answer = String::new();
    stream.read_line(&mut answer).expect("an answer");
    serde_json::from_str(&answer).unwrap_or_else(|e| panic!("bad answer {answer:?}: {e}"))
}

fn requests_served(dir: &Dir) -> u64 {
    let out = dir.ctx(&["serve", "--status", "--json"]).ok();
    json_lines(&out)[0]["data"]["daemon"]["requests"]
        .as_u64()
        .unwrap()
}

fn search_json(dir: &Dir, query: &str, mode: &str) -> String {
    dir.ctx(&["search", query, "--mode", mode, "--json", "-k", "8"])
        .ok()
}

#[test]
fn serve_answers_like_in_process_and_cli_falls_back_without_it() {
    let dir = indexed();
    let queries = [
        ("session request", "lexical"),
        ("open a session", "hybrid"),
        ("listener", "semantic"),
    ];
    let before: Vec<String> = queries
        .iter()
        .map(|(q, m)| search_json(&dir, q, m))
        .collect();
    assert!(before.iter().all(|out| !out.is_empty()));

    let daemon = Daemon::start(&dir);
    let socket = dir.path().join(".ctx/serve.sock");
    let mode = std::fs::metadata(&socket).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o600
    );
    let served = requests_served(&dir);
    let through: Vec<String> = queries
        .iter()
        .map(|(q, m)| search_json(&dir, q, m))
        .collect();
    assert_eq!(before, through, "answers differ through the daemon");
    assert!(
        requests_served(&dir) >= served + 3,
        "the searches did not go through the daemon"
    );

    let out = dir.ctx(&["serve", "--stop"]).ok();
    assert!(out.contains("stopped"), "{out}");
    assert!(!socket.exists());
    drop(daemon);
    let after: Vec<String> = queries
        .iter()
        .map(|(q, m)| search_json(&dir, q, m))
        .collect();
    assert_eq!(before, after);
    dir.ctx(&["serve", "--status"]).code(1);
    dir.ctx(&["serve", "--stop"]).code(1);
}

#[test]
fn serve_replaces_a_stale_socket_and_runs_once_per_repository() {
    let dir = indexed();
    let socket = dir.path().join(".ctx/serve.sock");
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    assert!(socket.exists(), "a stale socket file");
    let expected = search_json(&dir, "session request", "lexical");
    assert!(
        expected.contains("Session.request"),
        "fallback with a stale socket: {expected}"
    );

    let _daemon = Daemon::start(&dir);
    dir.ctx(&["serve", "--status"]).ok();
    let (_, stderr) = dir.ctx(&["serve"]).code(2);
    assert!(stderr.contains("already runs"), "{stderr}");
    assert_eq!(search_json(&dir, "session request", "lexical"), expected);
}

#[test]
fn serve_handles_concurrent_and_hostile_clients() {
    let dir = indexed();
    let _daemon = Daemon::start(&dir);
    let request =
        json!({"tool": "search", "arguments": {"query": "session request", "k": 5}}).to_string();
    let first = send(&mut connect(&dir), &request);
    assert_eq!(first["ok"], true, "{first}");
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                let mut stream = connect(&dir);
                for _ in 0..25 {
                    assert_eq!(send(&mut stream, &request), first);
                }
            });
        }
    });

    let mut stream = connect(&dir);
    let garbage = send(&mut stream, "this is not json");
    assert_eq!(garbage["ok"], false);
    assert!(
        garbage["error"]
            .as_str()
            .unwrap()
            .contains("malformed request"),
        "{garbage}"
    );
    let unknown = send(&mut stream, r#"{"tool": "format_disk"}"#);
    assert_eq!(unknown["result"]["isError"], true, "{unknown}");
    let bad_args = send(
        &mut stream,
        r#"{"tool": "search", "arguments": {"query": 7}}"#,
    );
    assert_eq!(bad_args["result"]["isError"], true, "{bad_args}");
    assert_eq!(
        send(&mut stream, &request),
        first,
        "same connection keeps serving"
    );

    let mut huge = connect(&dir);
    let big = vec![b'x'; (8 << 20) + 10];
    let _ = huge.get_mut().write_all(&big);
    let mut answer = String::new();
    huge.read_line(&mut answer).unwrap();
    assert!(answer.contains("larger than"), "{answer}");

    let mut vanishing = UnixStream::connect(dir.path().join(".ctx/serve.sock")).unwrap();
    vanishing
        .write_all(br#"{"tool": "reindex", "arguments": {}}"#)
        .unwrap();
    vanishing.write_all(b"\n").unwrap();
    drop(vanishing);
    let mut half = UnixStream::connect(dir.path().join(".ctx/serve.sock")).unwrap();
    half.write_all(br#"{"tool": "sea"#).unwrap();
    drop(half);

    let escape =
        json!({"tool": "check_action", "arguments": {"path": "../../etc/passwd", "content": "x"}});
    let refused = send(&mut connect(&dir), &escape.to_string());
    assert_eq!(refused["result"]["isError"], true, "{refused}");
    let text = refused["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("outside the repository root"), "{text}");
    let symlinked = dir.path().join("up");
    std::os::unix::fs::symlink(dir.path().parent().unwrap(), &symlinked).unwrap();
    let escape =
        json!({"tool": "check_action", "arguments": {"path": "up/x.rs", "old": "a", "new": "b"}});
    let refused = send(&mut connect(&dir), &escape.to_string());
    assert_eq!(refused["result"]["isError"], true, "{refused}");

    assert_eq!(
        send(&mut connect(&dir), &request),
        first,
        "the daemon survived"
    );
}

#[test]
fn serve_watcher_reindexes_changed_files() {
    let dir = indexed();
    let _daemon = Daemon::start(&dir);
    let started = Instant::now();
    dir.write(
        "src/watched.rs",
        "pub fn watcher_sees_this_function() -> u8 { 1 }\n",
    );
    let found = wait_for(&dir, "watcher_sees_this_function", true);
    assert!(found, "the new file never appeared in search");
    eprintln!("watcher latency: {} ms", started.elapsed().as_millis());

    dir.remove("src/watched.rs");
    assert!(
        wait_for(&dir, "watcher_sees_this_function", false),
        "the deleted file stayed"
    );

    dir.write(".gitignore", "target/\n");
    std::thread::sleep(Duration::from_millis(800));
    let before = reindexes(&dir);
    for i in 0..5 {
        dir.write(
            &format!("target/out{i}.rs"),
            "fn ignored_build_output() {}\n",
        );
    }
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        reindexes(&dir),
        before,
        "ignored build output triggered re-indexing"
    );
}

fn reindexes(dir: &Dir) -> u64 {
    let out = dir.ctx(&["serve", "--status", "--json"]).ok();
    json_lines(&out)[0]["data"]["daemon"]["reindexes"]
        .as_u64()
        .unwrap()
}

/// Polls a lexical search until `query` is (or is no longer) found, for up to 10 s.
fn wait_for(dir: &Dir, query: &str, present: bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let out = dir
            .ctx(&["search", query, "--mode", "lexical", "--json"])
            .output();
        let hit = String::from_utf8_lossy(&out.stdout).contains("src/watched.rs");
        if hit == present {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn mcp_forwards_to_the_daemon_that_holds_the_index() {
    let dir = indexed();
    let (mut session, _) = crate::mcp::Session::start(&dir);
    let alone = session.call(
        "search",
        json!({"query": "session request", "mode": "lexical"}),
    );
    assert_eq!(alone["isError"], false, "{alone}");
    let _daemon = Daemon::start(&dir);
    let served = requests_served(&dir);
    let forwarded = session.call(
        "search",
        json!({"query": "session request", "mode": "lexical"}),
    );
    assert_eq!(forwarded["structuredContent"], alone["structuredContent"]);
    let verdict = session.call("check_action", json!({"command": "ls"}));
    assert_eq!(
        verdict["structuredContent"]["decision"], "allow",
        "{verdict}"
    );
    assert!(
        requests_served(&dir) >= served + 2,
        "the MCP calls did not reach the daemon"
    );
}

/// Every `ctx check` input: (arguments, stdin).
fn check_inputs(dir: &Dir) -> Vec<(Vec<String>, Vec<u8>)> {
    let root = dir.path();
    let hook = |agent: &str, event: Value| {
        (
            ["check", "--hook", agent, "--no-log"]
                .map(String::from)
                .to_vec(),
            event.to_string().into_bytes(),
        )
    };
    let plain = |args: &[&str], stdin: &str| {
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.extend(["--json", "--no-log"].map(String::from));
        (args, stdin.as_bytes().to_vec())
    };
    vec![
        plain(&["check", "--command", "git push --force origin main"], ""),
        plain(&["check", "--command", "ls -la src"], ""),
        plain(&["check", "--write", "generated/x.rs"], "fn x() {}\n"),
        plain(
            &[
                "check",
                "--edit",
                "src/server.rs",
                "--old",
                "fn",
                "--new",
                "fn",
            ],
            "",
        ),
        plain(
            &["check", "--diff", "-"],
            "--- a/generated/y.rs\n+++ b/generated/y.rs\n@@ -0,0 +1 @@\n+fn y() {}\n",
        ),
        hook(
            "claude",
            json!({"session_id": "s", "cwd": root, "hook_event_name": "PreToolUse",
                "tool_name": "Bash", "tool_input": {"command": "git push -f origin main"}}),
        ),
        hook(
            "claude",
            json!({"session_id": "s", "cwd": root, "hook_event_name": "PreToolUse",
                "tool_name": "Write", "tool_input": {"file_path": root.join("generated/z.rs"), "content": "x"}}),
        ),
        hook(
            "codex",
            json!({"session_id": "c", "turn_id": "t", "transcript_path": null, "cwd": root,
                "hook_event_name": "PreToolUse", "model": "m", "permission_mode": "default",
                "tool_name": "Bash", "tool_input": {"command": "ls"}, "tool_use_id": "u"}),
        ),
        hook(
            "gemini",
            json!({"session_id": "g", "transcript_path": "/t", "cwd": root,
                "hook_event_name": "BeforeTool", "timestamp": "2026-01-01T00:00:00Z",
                "tool_name": "run_shell_command", "tool_input": {"command": "git push --force origin main"}}),
        ),
        hook(
            "cursor",
            json!({"hook_event_name": "beforeShellExecution", "conversation_id": "k",
                "generation_id": "g", "workspace_roots": [root], "command": "ls", "cwd": root}),
        ),
    ]
}

/// Stdout and exit code of each input, with or without the daemon.
fn check_answers(dir: &Dir, inputs: &[(Vec<String>, Vec<u8>)], daemon: bool) -> Vec<(String, i32)> {
    inputs
        .iter()
        .map(|(args, stdin)| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let mut cmd = dir.ctx(&args).stdin(stdin.clone());
            if !daemon {
                cmd = cmd.env("CTX_NO_DAEMON", "1");
            }
            let out = cmd.output();
            (
                String::from_utf8_lossy(&out.stdout).into_owned(),
                out.status.code().unwrap_or(-1),
            )
        })
        .collect()
}

#[test]
fn check_goes_through_the_daemon_with_identical_answers_for_every_input() {
    let dir = indexed();
    let inputs = check_inputs(&dir);
    let alone = check_answers(&dir, &inputs, false);
    assert!(
        alone.iter().any(|(out, _)| out.contains("deny")),
        "the inputs should include denials: {alone:?}"
    );
    let _daemon = Daemon::start(&dir);
    let served = requests_served(&dir);
    let through = check_answers(&dir, &inputs, true);
    for ((input, a), b) in inputs.iter().zip(&alone).zip(&through) {
        assert_eq!(
            a, b,
            "different answers through the daemon for {:?}",
            input.0
        );
    }
    assert!(
        requests_served(&dir) >= served + inputs.len() as u64,
        "the checks did not go through the daemon"
    );
}

#[test]
fn check_through_the_daemon_adds_the_semantic_tier() {
    let dir = indexed();
    dir.write(".ctx/config.toml", "[check]\nsemantic_threshold = 0.8\n");
    let rule = "NEVER use the real database in tests, only in-memory mocks.";
    let command = format!("echo {rule}");
    let args = ["check", "--command", command.as_str(), "--json", "--no-log"];
    let alone = dir.ctx(&args).env("CTX_NO_DAEMON", "1").ok();
    assert_eq!(
        json_lines(&alone)[0]["data"]["decision"],
        "allow",
        "{alone}"
    );
    let _daemon = Daemon::start(&dir);
    let through = dir.ctx(&args).ok();
    let verdict = &json_lines(&through)[0]["data"];
    assert_eq!(verdict["decision"], "warn", "{through}");
    assert_eq!(verdict["violations"][0]["text"], rule, "{through}");
    let evidence = verdict["violations"][0]["evidence"].as_str().unwrap();
    assert!(evidence.contains("semantic tier"), "{evidence}");
    let unrelated = ["check", "--command", "ls -la", "--json", "--no-log"];
    assert_eq!(
        dir.ctx(&unrelated).ok(),
        dir.ctx(&unrelated).env("CTX_NO_DAEMON", "1").ok()
    );
}

/// `ctx status --json` without the index size (the daemon's own files are in `.ctx/`).
fn status_json(dir: &Dir) -> Value {
    let mut status = crate::util::summary(&dir.ctx(&["status", "--json"]).ok());
    status.as_object_mut().unwrap().remove("index_bytes");
    status
}

#[test]
fn index_status_search_and_pack_work_while_the_daemon_holds_the_index() {
    let dir = indexed();
    let status = status_json(&dir);
    let search = dir.ctx(&["search", "session", "-k", "60", "--json"]).ok();
    let pack_args = [
        "pack", "--budget", "3000", "--query", "session", "--format", "json",
    ];
    let pack = dir.ctx(&pack_args).ok();
    let _daemon = Daemon::start(&dir);
    let served = requests_served(&dir);
    assert_eq!(status_json(&dir), status);
    assert_eq!(
        dir.ctx(&["search", "session", "-k", "60", "--json"]).ok(),
        search
    );
    assert_eq!(dir.ctx(&pack_args).ok(), pack);
    assert!(
        requests_served(&dir) >= served + 3,
        "status, search and pack did not go through the daemon"
    );

    dir.write("src/added.rs", "pub fn added_while_serving() {}\n");
    let out = dir.ctx(&["index", "--json"]).ok();
    let summary = crate::util::summary(&out);
    assert!(summary["indexed"].as_u64().unwrap() <= 1, "{out}");
    let found = dir
        .ctx(&[
            "search",
            "added_while_serving",
            "--mode",
            "lexical",
            "--json",
        ])
        .ok();
    assert!(found.contains("src/added.rs"), "{found}");
    let rebuilt = dir.ctx(&["index", "--rebuild", "--json"]).ok();
    let files = status_json(&dir)["files"].as_u64().unwrap();
    assert_eq!(
        crate::util::summary(&rebuilt)["indexed"].as_u64(),
        Some(files),
        "{rebuilt}"
    );
    let after = dir.ctx(&["search", "session", "--json"]).ok();
    assert!(after.contains("session.py"), "{after}");
}

#[test]
fn serve_watcher_follows_new_directories_and_nested_ignore_files() {
    let dir = indexed();
    let _daemon = Daemon::start(&dir);
    dir.write("src/fresh/deep.rs", "pub fn watcher_deep_marker() {}\n");
    assert!(
        wait_for_path(&dir, "watcher_deep_marker", "src/fresh/deep.rs", true),
        "a file in a new directory never appeared"
    );
    dir.write("src/fresh/.gitignore", "deep.rs\n");
    assert!(
        wait_for_path(&dir, "watcher_deep_marker", "src/fresh/deep.rs", false),
        "a file a nested .gitignore now excludes stayed in the index"
    );
    let out = dir.ctx(&["serve", "--status", "--json"]).ok();
    let last = json_lines(&out)[0]["data"]["daemon"]["last_reindex"].clone();
    assert!(
        last.as_str().unwrap_or("").contains("changed paths"),
        "not a path-scoped update: {last}"
    );
}

/// Polls a lexical search until `path` is (or is no longer) a hit for `query`, up to 10 s.
fn wait_for_path(dir: &Dir, query: &str, path: &str, present: bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let out = dir
            .ctx(&["search", query, "--mode", "lexical", "--json"])
            .output();
        if String::from_utf8_lossy(&out.stdout).contains(path) == present {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// `ctx status --json`: exit code and the summary's data.
fn status_code_json(dir: &Dir, daemon: bool) -> (i32, Value) {
    let mut cmd = dir.ctx(&["status", "--json"]);
    if !daemon {
        cmd = cmd.env("CTX_NO_DAEMON", "1");
    }
    let out = cmd.output();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines = json_lines(&stdout);
    assert_eq!(
        lines.len(),
        1,
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap(), lines[0]["data"].clone())
}

#[test]
fn status_through_the_daemon_reports_a_damaged_index_as_in_process() {
    let dir = indexed();
    let ctx = dir.path().join(".ctx");
    let name = std::fs::read_to_string(ctx.join("CURRENT")).unwrap();
    let records = ctx.join("gen").join(name.trim()).join("records");
    for entry in std::fs::read_dir(&records).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    }
    let (code, in_process) = status_code_json(&dir, false);
    assert_eq!(
        (code, &in_process["health"]),
        (1, &json!("damaged")),
        "{in_process}"
    );
    let _daemon = Daemon::start(&dir);
    let served = requests_served(&dir);
    let (code, through) = status_code_json(&dir, true);
    assert!(
        requests_served(&dir) > served,
        "status did not go through the daemon"
    );
    assert_eq!(code, 1, "{through}");
    assert_eq!(through, in_process);
    let (stdout, _) = dir.ctx(&["status"]).code(1);
    assert!(stdout.contains("health: damaged"), "{stdout}");
}

#[test]
fn serve_started_during_an_index_run_answers_and_takes_over_writing_after_it() {
    use std::os::fd::AsRawFd;
    let dir = indexed();
    // What `ctx index` holds while it runs: the index's writer lock.
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(dir.path().join(".ctx/lock"))
        .unwrap();
    let locked = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    assert_eq!(locked, 0, "could not take the writer lock");
    let _daemon = Daemon::start(&dir);
    let served = requests_served(&dir);
    let found = dir.ctx(&["search", "session", "--json"]).ok();
    assert!(found.contains("session.py"), "{found}");
    assert!(
        requests_served(&dir) > served,
        "search did not go through the daemon"
    );
    let (_, stderr) = dir.ctx(&["index"]).code(2);
    assert!(
        stderr.contains("another ctx process is writing this index"),
        "{stderr}"
    );
    dir.write("src/while_locked.rs", "pub fn written_while_locked() {}\n");
    drop(lock);
    assert!(
        wait_for_path(&dir, "written_while_locked", "src/while_locked.rs", true),
        "the daemon did not take over writing when the lock was released"
    );
    let (stdout, _) = dir.ctx(&["index"]).code(0);
    assert!(stdout.contains("indexed"), "{stdout}");
}

/// Files the daemon still embeds in the background, from `ctx serve --status --json`.
fn vectors_pending(dir: &Dir) -> u64 {
    let out = dir.ctx(&["serve", "--status", "--json"]).ok();
    json_lines(&out)[0]["data"]["daemon"]["vectors_pending"]
        .as_u64()
        .unwrap()
}

#[test]
fn r13_the_daemon_indexes_lexically_then_embeds_in_the_background() {
    let dir = Dir::fixture("small");
    dir.ctx(&["index", "--no-embeddings"]).ok();
    let daemon = Daemon::start(&dir);
    // Through the daemon, an index run with embeddings returns after the lexical run...
    let out = dir.ctx(&["--json", "index", "--embeddings"]).ok();
    let summary = json_lines(&out).pop().unwrap()["data"].clone();
    assert_eq!(summary["embedded"], json!(0), "{summary}");
    let pending = summary["vectors_pending"].as_u64().unwrap();
    assert!(pending > 0, "{summary}");
    assert!(
        summary["model"].as_str().unwrap().starts_with("hash"),
        "{summary}"
    );
    // ... and the daemon embeds those files afterwards.
    let deadline = Instant::now() + Duration::from_secs(60);
    while vectors_pending(&dir) > 0 {
        assert!(
            Instant::now() < deadline,
            "background embedding did not finish"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, stderr) = dir
        .ctx(&["search", "open a session", "--mode", "hybrid"])
        .code(0);
    assert!(!stderr.contains("answered lexically"), "{stderr}");
    let through = search_json(&dir, "open a session", "semantic");
    dir.ctx(&["serve", "--stop"]).ok();
    drop(daemon);
    // Every vector is there: an in-process run embeds nothing, and searches agree.
    let out = dir.ctx(&["--json", "index"]).ok();
    let summary = json_lines(&out).pop().unwrap()["data"].clone();
    assert_eq!(
        (
            summary["embedded"].as_u64(),
            summary["vectors_pending"].as_u64()
        ),
        (Some(0), Some(0)),
        "{summary}"
    );
    assert_eq!(search_json(&dir, "open a session", "semantic"), through);
}
