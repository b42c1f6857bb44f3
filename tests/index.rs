//! End-to-end tests of `ctx index`, `ctx search` and `ctx status` on fixture repositories.

use crate::util::{records, summary, Dir};

fn index_json(dir: &Dir) -> serde_json::Value {
    summary(&dir.ctx(&["index", "--json"]).ok())
}

fn search(dir: &Dir, query: &str, mode: &str) -> Vec<serde_json::Value> {
    let out = dir
        .ctx(&["search", query, "--mode", mode, "--json", "-k", "20"])
        .output();
    records(&String::from_utf8_lossy(&out.stdout), "hit")
}

fn symbols(hits: &[serde_json::Value]) -> Vec<String> {
    hits.iter()
        .filter_map(|h| h["symbol"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn index_then_search_finds_symbols_across_languages() {
    let dir = Dir::fixture("small");
    let summary = index_json(&dir);
    assert_eq!(summary["indexed"], 7, "{summary}");
    assert_eq!(summary["deleted"], 0);
    assert!(summary["chunks"].as_u64().unwrap() > 10);
    // Every chunk gets a vector but the test file's, which stay lexical by design.
    let count = |key: &str| summary[key].as_u64().unwrap();
    assert!(count("lexical_only") > 0, "{summary}");
    assert_eq!(
        count("embedded") + count("lexical_only"),
        count("chunks"),
        "{summary}"
    );

    let hits = search(&dir, "session request", "lexical");
    let found = symbols(&hits);
    assert!(found.contains(&"Session.request".to_string()), "{found:?}");
    assert!(
        found.contains(&"Client.sessionRequest".to_string()),
        "{found:?}"
    );

    let hits = search(&dir, "Server::handle", "hybrid");
    assert_eq!(hits[0]["symbol"], "Server::handle", "{hits:?}");
    assert_eq!(hits[0]["path"], "src/server.rs");
    assert_eq!(hits[0]["kind"], "method");
    assert!(hits[0]["start_line"].as_u64().unwrap() >= 15);

    let ignored = search(&dir, "ignored_symbol", "lexical");
    assert!(
        ignored.is_empty(),
        "gitignored build/ must not be indexed: {ignored:?}"
    );
}

#[test]
fn second_run_on_unchanged_repo_does_no_work() {
    let dir = Dir::fixture("small");
    index_json(&dir);
    let again = index_json(&dir);
    assert_eq!(again["indexed"], 0);
    assert_eq!(again["unchanged"], 7);
    assert_eq!(again["embedded"], 0);
    assert_eq!(again["chunks"], 0);
}

#[test]
fn changes_additions_and_deletions_are_reindexed() {
    let dir = Dir::fixture("small");
    index_json(&dir);
    dir.write(
        "src/extra.go",
        "package main\n\nfunc ComputeTotals(x int) int {\n\treturn x * 2\n}\n",
    );
    dir.remove("src/client.ts");
    let server = dir
        .read("src/server.rs")
        .replace("start_listener", "open_socket_listener");
    dir.write("src/server.rs", server);
    let summary = index_json(&dir);
    assert_eq!(summary["indexed"], 2, "{summary}");
    assert_eq!(summary["deleted"], 1);
    assert_eq!(summary["unchanged"], 5);
    assert!(
        summary["reused_embeddings"].as_u64().unwrap() > 0,
        "unchanged chunks reuse embeddings"
    );

    assert_eq!(
        symbols(&search(&dir, "ComputeTotals", "lexical"))[0],
        "ComputeTotals"
    );
    assert!(search(&dir, "sessionRequest", "lexical")
        .iter()
        .all(|h| h["path"] != "src/client.ts"));
    assert!(!symbols(&search(&dir, "start_listener", "lexical"))
        .contains(&"start_listener".to_string()));
    assert_eq!(
        symbols(&search(&dir, "open_socket_listener", "lexical"))[0],
        "open_socket_listener"
    );
}

#[test]
fn dry_run_lists_files_and_writes_nothing() {
    let dir = Dir::fixture("small");
    let out = dir.ctx(&["index", "--dry-run", "--json"]).ok();
    let report = summary(&out);
    assert_eq!(report["file_count"], 7);
    assert!(report["bytes"].as_u64().unwrap() > 500);
    assert!(report["tokens"].as_u64().unwrap() > 100);
    assert_eq!(records(&out, "file").len(), 7);
    assert!(!dir.path().join(".ctx").exists());
    let human = dir.ctx(&["index", "--dry-run"]).ok();
    assert!(human.contains("would index 7 files"), "{human}");
}

#[test]
fn hostile_files_are_skipped_or_survive() {
    let dir = Dir::new();
    dir.write("blob.bin", [0u8, 1, 2, 3, 0, 255]);
    dir.write("empty.rs", "");
    dir.write(
        "latin1.txt",
        [b'c', b'a', b'f', 0xe9, b'\n', b'o', b'k', b'\n'],
    );
    dir.write(
        "long.js",
        format!("const x = \"{}\";\n", "a".repeat(100_000)),
    );
    dir.write("big.txt", vec![b'a'; 2 * 1024 * 1024]);
    dir.write("src/lib.rs", "fn good() {}\n");
    dir.write(
        "broken.py",
        "def broken(:\n    return (\n\ndef fine():\n    return 1\n",
    );
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    let summary = index_json(&dir);
    assert_eq!(summary["skipped"]["binary"], 1, "{summary}");
    assert_eq!(summary["skipped"]["too_large"], 1);
    assert_eq!(summary["skipped"]["symlink"], 1);
    assert_eq!(summary["indexed"], 5);
    assert_eq!(symbols(&search(&dir, "fine", "lexical"))[0], "fine");
    assert!(search(&dir, "latin1", "lexical")
        .iter()
        .any(|h| h["path"] == "latin1.txt"));
}

#[test]
fn a_second_writer_waits_its_turn_with_a_message() {
    use fs2::FileExt;
    use std::io::Read;
    let dir = Dir::fixture("small");
    index_json(&dir);
    dir.write("src/added.rs", "pub fn queued_writer_saw_this() {}\n");
    let lock = std::fs::File::open(dir.path().join(".ctx/lock")).unwrap();
    lock.lock_exclusive().unwrap();
    let mut command = dir.ctx(&["index"]).cmd;
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("waiting") {
        let n = stderr.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "ended without waiting: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    assert!(child.try_wait().unwrap().is_none(), "it waits");
    drop(lock);
    let status = child.wait().unwrap();
    assert!(status.success());
    let hits = search(&dir, "queued_writer_saw_this", "lexical");
    assert_eq!(symbols(&hits)[0], "queued_writer_saw_this");
}

#[test]
fn an_index_from_another_format_version_is_rebuilt_by_ctx_index() {
    let dir = Dir::fixture("small");
    index_json(&dir);
    let ctx = dir.path().join(".ctx");
    let current = std::fs::read_to_string(ctx.join("CURRENT")).unwrap();
    let manifest_path = ctx.join("gen").join(current.trim()).join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    manifest["format_version"] = 0.into();
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    let (_, stderr) = dir.ctx(&["search", "server"]).code(2);
    assert!(stderr.contains("ctx index --rebuild"), "{stderr}");
    let rebuilt = summary(&dir.ctx(&["index", "--json"]).ok());
    assert_eq!(rebuilt["indexed"], 7, "{rebuilt}");
    assert!(
        rebuilt["repairs"][0]
            .as_str()
            .unwrap()
            .contains("rebuilding"),
        "{rebuilt}"
    );
    dir.ctx(&["search", "server"]).ok();
}

#[test]
fn missing_index_and_missing_model_give_actionable_errors() {
    let dir = Dir::fixture("small");
    let (_, stderr) = dir.ctx(&["search", "server"]).code(2);
    assert!(stderr.contains("run `ctx index`"), "{stderr}");
    // Asked for embeddings without a model: an error for the flag, said once for the config.
    let (_, stderr) = dir
        .ctx(&["index", "--embeddings"])
        .without_env("CTX_EMBEDDER")
        .code(2);
    assert!(stderr.contains("ctx model install"), "{stderr}");
    dir.write(".ctx/config.toml", "[index]\nembeddings = true\n");
    let out = dir.ctx(&["index"]).without_env("CTX_EMBEDDER").output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr.matches("ctx model install").count(),
        1,
        "said once: {stderr}"
    );
    let (_, stderr) = dir
        .ctx(&["search", "server", "--mode", "semantic"])
        .without_env("CTX_EMBEDDER")
        .code(2);
    assert!(stderr.contains("ctx model install"), "{stderr}");
    let hits = dir
        .ctx(&["search", "server", "--json"])
        .without_env("CTX_EMBEDDER")
        .ok();
    assert!(
        !records(&hits, "hit").is_empty(),
        "hybrid falls back to lexical"
    );
}

// See: issue 13 (README "Embeddings: opt-in for packs": the decision was written, but
// `ctx index` embedded whenever the model was installed).
#[test]
fn r13_embeddings_are_opt_in() {
    let dir = Dir::fixture("small");
    // A model directory that cannot load: any attempt to use the model fails the run.
    let broken = dir.path().join("broken-model");
    std::fs::create_dir_all(&broken).unwrap();
    let ctx = |args: &[&str]| {
        dir.ctx(args)
            .without_env("CTX_EMBEDDER")
            .env("CTX_MODEL_DIR", &broken)
    };
    // By default the index is lexical, and the model is not even looked at.
    let out = ctx(&["index", "--json"]).output();
    assert!(out.status.success(), "{out:?}");
    let lexical = summary(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(lexical["embedded"], 0, "{lexical}");
    assert_eq!(lexical["model"], serde_json::Value::Null, "{lexical}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("model"),
        "nothing to say about a model: {stderr}"
    );
    // Hybrid search on it is lexical without loading the model; semantic says how to opt in.
    let hits = ctx(&["search", "server", "--json"]).ok();
    assert!(!records(&hits, "hit").is_empty(), "{hits}");
    let (_, stderr) = ctx(&["search", "server", "--mode", "semantic"]).code(2);
    assert!(stderr.contains("ctx index --embeddings"), "{stderr}");
    // Each way to opt in uses the model (and so fails on this one).
    let (_, stderr) = ctx(&["index", "--embeddings"]).code(2);
    assert!(stderr.contains("broken-model"), "{stderr}");
    let (_, stderr) = ctx(&["index"]).env("CTX_EMBEDDER", "fastembed").code(2);
    assert!(stderr.contains("broken-model"), "{stderr}");
    dir.write(".ctx/config.toml", "[index]\nembeddings = true\n");
    let (_, stderr) = ctx(&["index"]).code(2);
    assert!(stderr.contains("broken-model"), "{stderr}");
    // `--no-embeddings` beats the config and the environment.
    let out = ctx(&["index", "--no-embeddings", "--json"])
        .env("CTX_EMBEDDER", "hash")
        .ok();
    assert_eq!(summary(&out)["embedded"], 0, "{out}");
    dir.write(".ctx/config.toml", "[index]\nembeddings = false\n");
    ctx(&["index"]).ok();
}

#[test]
fn an_index_built_with_embeddings_keeps_them_current() {
    let dir = Dir::fixture("small");
    // `CTX_EMBEDDER=hash` is the tests' explicit opt-in (the hybrid path without the model).
    let first = summary(&dir.ctx(&["index", "--json"]).ok());
    assert!(first["embedded"].as_u64().unwrap() > 0, "{first}");
    dir.write("src/new.rs", "pub fn freshly_added_function() {}\n");
    let unset = |args: &[&str]| {
        dir.ctx(args)
            .without_env("CTX_EMBEDDER")
            .env("CTX_MODEL_DIR", dir.path().join("no-such-model"))
    };
    // With nothing set, a run on an index that holds vectors asks for the model (here a
    // missing one: the run fails naming it) to embed what changed.
    let (_, stderr) = unset(&["index"]).code(2);
    assert!(stderr.contains("no-such-model"), "{stderr}");
    // `--no-embeddings` indexes the change lexically and says the vectors fall behind.
    let out = unset(&["index", "--no-embeddings", "--json"]).output();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(summary(&String::from_utf8_lossy(&out.stdout))["indexed"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--rebuild"), "{stderr}");
    // A lexical rebuild ends it: the model is not asked for again.
    unset(&["index", "--rebuild", "--no-embeddings"]).ok();
    let after = summary(&unset(&["index", "--json"]).ok());
    assert_eq!(after["embedded"], 0, "{after}");
}

#[test]
fn kill_during_indexing_leaves_a_consistent_index() {
    let dir = Dir::new();
    for i in 0..3000 {
        dir.write(
            &format!("src/m{i}.rs"),
            format!("pub fn function_number_{i}(x: u32) -> u32 {{\n    x + {i}\n}}\n"),
        );
    }
    let mut child = dir.ctx(&["index"]).cmd.spawn().unwrap();
    // Kill soon after the run has taken the index's lock, whatever the machine's speed (a
    // fixed 500 ms outlived a lexical run of these 3000 files on an idle machine).
    let lock = dir.path().join(".ctx").join("lock");
    let started = std::time::Instant::now();
    while !lock.exists() && started.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run must still be going when killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let after = index_json(&dir);
    let indexed = after["indexed"].as_u64().unwrap();
    let unchanged = after["unchanged"].as_u64().unwrap();
    assert_eq!(indexed + unchanged, 3000, "{after}");
    assert_eq!(
        symbols(&search(&dir, "function_number_2999", "lexical"))[0],
        "function_number_2999"
    );
    let again = index_json(&dir);
    assert_eq!(again["unchanged"], 3000);
    let status = summary(&dir.ctx(&["status", "--json"]).ok());
    assert_eq!(status["files"], 3000);
    assert_eq!(status["chunks"], 3000);
}

#[test]
fn status_reports_changes_since_the_last_index() {
    let dir = Dir::fixture("small");
    index_json(&dir);
    dir.write("src/new.rs", "fn added() {}\n");
    dir.write("docs/guide.md", "# Changed\n");
    dir.remove("AGENTS.md");
    let out = dir.ctx(&["status", "--json"]).ok();
    let status = summary(&out);
    assert_eq!(status["files"], 7);
    assert_eq!(
        status["stale"],
        serde_json::json!({"modified": 1, "added": 1, "deleted": 1})
    );
    let changes = records(&out, "change");
    assert_eq!(
        changes,
        vec![
            serde_json::json!({"path": "docs/guide.md", "change": "modified"}),
            serde_json::json!({"path": "src/new.rs", "change": "added"}),
            serde_json::json!({"path": "AGENTS.md", "change": "deleted"}),
        ]
    );
    assert!(status["index_bytes"].as_u64().unwrap() > 0);
    let human = dir.ctx(&["status"]).ok();
    assert!(
        human.contains("3 files changed: 1 modified, 1 added, 1 deleted"),
        "{human}"
    );
}

#[test]
fn markdown_sections_keep_their_breadcrumb() {
    let dir = Dir::fixture("small");
    index_json(&dir);
    let hits = search(&dir, "in-memory mocks database", "lexical");
    assert_eq!(hits[0]["path"], "docs/guide.md");
    assert_eq!(hits[0]["kind"], "section");
    assert_eq!(hits[0]["symbol"], serde_json::Value::Null);
}

#[test]
fn installing_a_model_later_embeds_the_unchanged_files() {
    let dir = Dir::fixture("small");
    let lexical = summary(
        &dir.ctx(&["index", "--json"])
            .env("CTX_EMBEDDER", "none")
            .ok(),
    );
    assert_eq!(lexical["embedded"], 0);
    let (_, stderr) = dir.ctx(&["search", "server", "--mode", "semantic"]).code(2);
    assert!(stderr.contains("ctx index"), "{stderr}");
    let summary = index_json(&dir);
    assert_eq!(summary["indexed"], 0, "{summary}");
    // The same chunks get vectors as when the model was there from the start.
    let from_the_start = index_json(&Dir::fixture("small"));
    assert!(summary["embedded"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(
        summary["embedded"], from_the_start["embedded"],
        "{summary} / {from_the_start}"
    );
    assert!(!search(&dir, "request handler", "semantic").is_empty());
    assert_eq!(index_json(&dir)["embedded"], 0);
}
