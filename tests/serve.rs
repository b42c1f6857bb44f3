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
