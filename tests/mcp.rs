//! End-to-end tests of `ctx mcp`: a real MCP session over stdio (JSON-RPC lines), and
//! `ctx mcp install`.

use crate::util::Dir;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

/// A running `ctx mcp` with its stdin and a channel of its stdout lines.
pub(crate) struct Session {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    next_id: u64,
}

impl Session {
    /// Starts `ctx mcp` in `dir` and completes the initialize handshake.
    pub(crate) fn start(dir: &Dir) -> (Session, Value) {
        let mut cmd = dir.ctx(&["mcp"]).cmd;
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn ctx mcp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut session = Session {
            child,
            stdin,
            lines,
            next_id: 1,
        };
        let init = session.request(
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "ctx-test", "version": "0"}
            }),
        );
        session.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        (session, init)
    }

    fn send(&mut self, message: &Value) {
        self.send_raw(&message.to_string());
    }

    fn send_raw(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("write to ctx mcp");
        self.stdin.flush().unwrap();
    }

    /// Sends a request and returns the response with its id (notifications are skipped).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response(id)
    }

    fn response(&mut self, id: u64) -> Value {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|e| panic!("no response to request {id}: {e}"));
            let message: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("ctx mcp wrote a line that is not JSON: {line:?}: {e}"));
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    /// Calls a tool and returns the `result` object (panics on a JSON-RPC error).
    pub(crate) fn call(&mut self, tool: &str, arguments: Value) -> Value {
        let response = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        assert!(response.get("error").is_none(), "{tool}: {response}");
        response["result"].clone()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_error(result: &Value) -> bool {
    result["isError"] == json!(true)
}

fn text_of(result: &Value) -> String {
    result["content"]
        .as_array()
        .expect("content array")
        .iter()
        .filter_map(|c| c["text"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn indexed_fixture() -> Dir {
    let dir = Dir::fixture("small");
    dir.ctx(&["index"]).ok();
    dir
}

#[test]
fn mcp_session_lists_tools_and_answers_search_pack_and_check() {
    let dir = indexed_fixture();
    let (mut session, init) = Session::start(&dir);
    assert_eq!(init["result"]["serverInfo"]["name"], "ctx", "{init}");
    assert!(
        init["result"]["capabilities"]["tools"].is_object(),
        "{init}"
    );

    let tools = session.request("tools/list", json!({}));
    let tools = tools["result"]["tools"].as_array().expect("tools").clone();
    let mut names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "anchor_add",
            "anchors",
            "check_action",
            "index_status",
            "pack",
            "reindex",
            "search"
        ]
    );
    for tool in &tools {
        assert_eq!(tool["inputSchema"]["type"], "object", "{tool}");
        assert!(tool["description"].as_str().unwrap().len() > 40, "{tool}");
    }
    let search_tool = tools.iter().find(|t| t["name"] == "search").unwrap();
    assert_eq!(search_tool["inputSchema"]["required"], json!(["query"]));
    assert!(search_tool["inputSchema"]["properties"]["mode"].is_object());

    let result = session.call(
        "search",
        json!({"query": "session request", "mode": "lexical", "k": 5}),
    );
    assert!(!is_error(&result), "{result}");
    let hits = result["structuredContent"]["hits"]
        .as_array()
        .expect("hits");
    assert!(!hits.is_empty() && hits.len() <= 5, "{result}");
    let symbols: Vec<&str> = hits.iter().filter_map(|h| h["symbol"].as_str()).collect();
    assert!(symbols.contains(&"Session.request"), "{symbols:?}");
    for hit in hits {
        let path = hit["path"].as_str().unwrap();
        assert!(!path.starts_with('/') && !path.contains(".."), "{path}");
        assert!(hit["start_line"].as_u64().unwrap() >= 1);
        assert!(!hit["text"].as_str().unwrap().is_empty(), "{hit}");
    }
    let session_hit = hits
        .iter()
        .find(|h| h["symbol"] == "Session.request")
        .unwrap();
    assert!(
        session_hit["text"]
            .as_str()
            .unwrap()
            .contains("def request"),
        "{session_hit}"
    );

    let hybrid = session.call("search", json!({"query": "open a session"}));
    assert!(!is_error(&hybrid), "{hybrid}");

    let result = session.call(
        "pack",
        json!({"query": "how does a session send a request", "budget": "6k"}),
    );
    assert!(!is_error(&result), "{result}");
    let content = result["content"].as_array().unwrap();
    assert_eq!(content.len(), 2, "{result}");
    let prompt = content[0]["text"].as_str().unwrap();
    assert!(prompt.contains("session.py"), "{prompt}");
    let summary: Value = serde_json::from_str(content[1]["text"].as_str().unwrap()).unwrap();
    let tokens = summary["summary"]["tokens"].as_u64().unwrap();
    assert!(tokens > 0 && tokens <= 6_000, "{summary}");

    let json_pack = session.call(
        "pack",
        json!({"query": "session", "budget": "4k", "format": "json"}),
    );
    assert!(!is_error(&json_pack), "{json_pack}");
    assert!(json_pack["structuredContent"]["tokens"].as_u64().unwrap() <= 4_000);

    let pinned = session.call(
        "anchor_add",
        json!({"text": "Never delete the release branch", "forbid_command": ["git branch -D release"]}),
    );
    assert!(!is_error(&pinned), "{pinned}");
    let id = pinned["structuredContent"]["pinned"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(dir
        .read(".ctx/anchors.toml")
        .contains("Never delete the release branch"));

    let denied = session.call("check_action", json!({"command": "git branch -D release"}));
    assert!(!is_error(&denied), "{denied}");
    let verdict = &denied["structuredContent"];
    assert_eq!(verdict["decision"], "deny", "{verdict}");
    let violated: Vec<&str> = verdict["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["anchor_id"].as_str().unwrap())
        .collect();
    assert!(violated.contains(&id.as_str()), "{violated:?} {id}");
    assert!(!verdict["violations"][0]["evidence"]
        .as_str()
        .unwrap()
        .is_empty());

    let allowed = session.call("check_action", json!({"command": "ls src"}));
    assert_eq!(
        allowed["structuredContent"]["decision"], "allow",
        "{allowed}"
    );

    let edit = session.call(
        "check_action",
        json!({"path": "src/server.rs", "old": "fn", "new": "pub fn"}),
    );
    assert!(!is_error(&edit), "{edit}");
    assert!(edit["structuredContent"]["decision"].is_string());

    let anchors = session.call("anchors", json!({}));
    let listed = anchors["structuredContent"]["anchors"].as_array().unwrap();
    assert!(listed.iter().any(|a| a["id"] == json!(id)), "{anchors}");
    let shown = session.call("anchors", json!({"id": id}));
    assert_eq!(shown["structuredContent"]["anchor"]["id"], json!(id));

    let status = session.call("index_status", json!({}));
    assert!(!is_error(&status), "{status}");
    assert_eq!(status["structuredContent"]["files"], 7, "{status}");
    assert_eq!(status["structuredContent"]["up_to_date"], true, "{status}");

    dir.write(
        "src/added.rs",
        "pub fn freshly_added_function() -> u32 { 42 }\n",
    );
    let status = session.call("index_status", json!({}));
    assert_eq!(
        status["structuredContent"]["added"],
        json!(["src/added.rs"]),
        "{status}"
    );
    let reindexed = session.call("reindex", json!({}));
    assert!(!is_error(&reindexed), "{reindexed}");
    assert_eq!(reindexed["structuredContent"]["indexed"], 1, "{reindexed}");
    let found = session.call(
        "search",
        json!({"query": "freshly_added_function", "mode": "lexical"}),
    );
    assert_eq!(
        found["structuredContent"]["hits"][0]["path"], "src/added.rs",
        "{found}"
    );
}

/// `index_status` walks as `ctx status` does: with the `[index]` size limit, raised to the
/// one the last run recorded, not the default (files skipped by the configured limit were
/// reported "added" and the index stale right after `ctx index`).
#[test]
fn r12_index_status_walks_with_the_configured_and_recorded_size_limit() {
    let dir = Dir::fixture("small");
    dir.write(".ctx/config.toml", "[index]\nmax_file_size = 200\n");
    dir.write("src/large.rs", "// a line of padding\n".repeat(20));
    dir.ctx(&["index"]).ok();
    let (mut session, _) = Session::start(&dir);
    let status = session.call("index_status", json!({}));
    assert!(!is_error(&status), "{status}");
    assert_eq!(status["structuredContent"]["up_to_date"], true, "{status}");
    assert_eq!(status["structuredContent"]["added"], json!([]), "{status}");
    drop(session);
    // A run with a larger limit records it: the large file is indexed and not "deleted".
    dir.ctx(&["index", "--max-file-size", "100000"]).ok();
    let (mut session, _) = Session::start(&dir);
    let status = session.call("index_status", json!({}));
    assert_eq!(status["structuredContent"]["up_to_date"], true, "{status}");
    assert_eq!(
        status["structuredContent"]["deleted"],
        json!([]),
        "{status}"
    );
    let found = session.call("search", json!({"query": "padding", "mode": "lexical"}));
    assert!(found.to_string().contains("src/large.rs"), "{found}");
}

#[test]
fn mcp_malformed_calls_get_tool_errors_and_the_server_keeps_serving() {
    let dir = indexed_fixture();
    let (mut session, _) = Session::start(&dir);

    let wrong_type = session.call("search", json!({"query": 5}));
    assert!(is_error(&wrong_type), "{wrong_type}");
    let unknown_field = session.call("search", json!({"qery": "session"}));
    assert!(is_error(&unknown_field), "{unknown_field}");
    assert!(text_of(&unknown_field).contains("qery"), "{unknown_field}");
    let empty = session.call("search", json!({"query": "  "}));
    assert!(
        is_error(&empty) && text_of(&empty).contains("query is empty"),
        "{empty}"
    );
    let bad_k = session.call("search", json!({"query": "session", "k": 0}));
    assert!(
        is_error(&bad_k) && text_of(&bad_k).contains("k = 0"),
        "{bad_k}"
    );
    let bad_budget = session.call("pack", json!({"budget": "lots"}));
    assert!(
        is_error(&bad_budget) && text_of(&bad_budget).contains("lots"),
        "{bad_budget}"
    );
    let nothing = session.call("check_action", json!({}));
    assert!(
        is_error(&nothing) && text_of(&nothing).contains("exactly one"),
        "{nothing}"
    );
    let both = session.call("check_action", json!({"command": "ls", "diff": "x"}));
    assert!(is_error(&both), "{both}");
    let missing = session.call("anchors", json!({"id": "no-such-anchor"}));
    assert!(is_error(&missing), "{missing}");

    let unknown_tool = session.request("tools/call", json!({"name": "rm_rf", "arguments": {}}));
    let message = unknown_tool["error"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("rm_rf") && message.contains("search"),
        "{unknown_tool}"
    );

    session.send_raw("this is not json");
    session.send_raw(r#"{"jsonrpc": "2.0", "id": 999, "method": "no/such/method"}"#);

    let still = session.call(
        "search",
        json!({"query": "session request", "mode": "lexical"}),
    );
    assert!(!is_error(&still), "{still}");
    assert!(!still["structuredContent"]["hits"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn mcp_tools_never_touch_files_outside_the_root() {
    let dir = indexed_fixture();
    let outside = dir.path().parent().unwrap().join("outside-secret.txt");
    std::fs::write(&outside, "TOP SECRET\n").unwrap();
    std::os::unix::fs::symlink(dir.path().parent().unwrap(), dir.path().join("escape")).unwrap();
    let (mut session, _) = Session::start(&dir);

    let attempts = [
        json!({"path": "../outside-secret.txt", "old": "TOP", "new": "NOT"}),
        json!({"path": "src/../../outside-secret.txt", "content": "x"}),
        json!({"path": outside.to_str().unwrap(), "content": "x"}),
        json!({"path": "escape/outside-secret.txt", "old": "TOP", "new": "NOT"}),
        json!({"path": "/etc/passwd", "content": "x"}),
        json!({"command": "ls", "cwd": "../"}),
        json!({"command": "ls", "cwd": "escape"}),
    ];
    for attempt in attempts {
        let result = session.call("check_action", attempt.clone());
        assert!(is_error(&result), "{attempt} was accepted: {result}");
        let text = text_of(&result);
        assert!(
            text.contains("outside the repository root"),
            "{attempt}: {text}"
        );
        assert!(!text.contains("TOP SECRET"), "{text}");
    }
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "TOP SECRET\n");

    let inside = session.call(
        "check_action",
        json!({"path": "src/server.rs", "content": "fn main() {}\n"}),
    );
    assert!(!is_error(&inside), "{inside}");

    let hits = session.call(
        "search",
        json!({"query": "secret", "mode": "lexical", "k": 50}),
    );
    for hit in hits["structuredContent"]["hits"].as_array().unwrap() {
        assert!(
            !hit["path"].as_str().unwrap().starts_with("escape"),
            "{hit}"
        );
        assert!(
            !hit["text"]
                .as_str()
                .unwrap_or_default()
                .contains("TOP SECRET"),
            "{hit}"
        );
    }
}

#[test]
fn mcp_without_an_index_answers_with_advice() {
    let dir = Dir::fixture("small");
    let (mut session, _) = Session::start(&dir);
    let result = session.call("search", json!({"query": "session"}));
    assert!(is_error(&result), "{result}");
    assert!(text_of(&result).contains("reindex"), "{result}");
    let reindexed = session.call("reindex", json!({}));
    assert!(!is_error(&reindexed), "{reindexed}");
    let result = session.call(
        "search",
        json!({"query": "session request", "mode": "lexical"}),
    );
    assert!(!is_error(&result), "{result}");
}

#[test]
fn mcp_install_merges_into_agent_configs() {
    let dir = Dir::new();
    dir.write(
        ".mcp.json",
        r#"{"mcpServers": {"other": {"command": "other-server"}}}"#,
    );
    let out = dir.ctx(&["mcp", "install", "claude", "--json"]).ok();
    assert!(out.contains("\"added\""), "{out}");
    let config: Value = serde_json::from_str(&dir.read(".mcp.json")).unwrap();
    assert_eq!(config["mcpServers"]["other"]["command"], "other-server");
    assert_eq!(
        config["mcpServers"]["ctx"],
        json!({"command": "ctx", "args": ["mcp"]})
    );
    let again = dir.ctx(&["mcp", "install", "claude", "--json"]).ok();
    assert!(again.contains("\"unchanged\""), "{again}");

    dir.ctx(&["mcp", "install", "cursor"]).ok();
    let cursor: Value = serde_json::from_str(&dir.read(".cursor/mcp.json")).unwrap();
    assert_eq!(cursor["mcpServers"]["ctx"]["command"], "ctx");

    dir.write(".gemini/settings.json", r#"{"theme": "Dracula"}"#);
    dir.ctx(&["mcp", "install", "gemini"]).ok();
    let gemini: Value = serde_json::from_str(&dir.read(".gemini/settings.json")).unwrap();
    assert_eq!(gemini["theme"], "Dracula");
    assert_eq!(gemini["mcpServers"]["ctx"]["args"], json!(["mcp"]));

    let codex_home = dir.path().join("codex-home");
    std::fs::create_dir_all(&codex_home).unwrap();
    std::fs::write(codex_home.join("config.toml"), "model = \"o3\"\n").unwrap();
    dir.ctx(&["mcp", "install", "codex", "--user"])
        .env("CODEX_HOME", &codex_home)
        .ok();
    let codex: toml::Table =
        toml::from_str(&std::fs::read_to_string(codex_home.join("config.toml")).unwrap()).unwrap();
    assert_eq!(codex["model"].as_str(), Some("o3"));
    assert_eq!(codex["mcp_servers"]["ctx"]["command"].as_str(), Some("ctx"));

    dir.write(".cursor/mcp.json", "{broken");
    let (_, stderr) = dir.ctx(&["mcp", "install", "cursor"]).code(2);
    assert!(stderr.contains("will not overwrite"), "{stderr}");
    assert_eq!(dir.read(".cursor/mcp.json"), "{broken");
}
