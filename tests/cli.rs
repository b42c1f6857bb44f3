//! End-to-end tests of the command-line conventions (issue 14): closed pipes, the root found
//! from any subdirectory, stale-index warnings, one JSON shape with errors and a closing
//! summary, completions and man pages, colour, quiet, progress and interrupts.

use crate::util::{json_lines, records, summary, Dir};
use std::process::Stdio;

fn many_files(dir: &Dir, n: usize) {
    for i in 0..n {
        dir.write(
            &format!("src/m{i}.rs"),
            format!("pub fn function_number_{i}(x: u32) -> u32 {{\n    x + {i}\n}}\n"),
        );
    }
}

/// Runs ctx with its stdout already closed by the reader: every write fails with EPIPE.
fn run_with_closed_stdout(dir: &Dir, args: &[&str]) -> (Option<i32>, String) {
    let mut cmd = dir.ctx(args).cmd;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn ctx");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for ctx");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_pipe_ends_every_command_with_exit_0() {
    let dir = Dir::new();
    many_files(&dir, 300);
    dir.write("AGENTS.md", "- Never run `make deploy`.\n");
    dir.ctx(&["index"]).ok();
    let commands: [&[&str]; 10] = [
        &["anchors", "list"],
        &["--json", "anchors", "list"],
        &["index", "--dry-run"],
        &["search", "function_number", "-k", "200"],
        &["--json", "search", "function_number", "-k", "200"],
        &["status", "--all"],
        &["pack", "--budget", "20k"],
        &["completions", "bash"],
        &["man"],
        &["--help"],
    ];
    for args in commands {
        let (code, stderr) = run_with_closed_stdout(&dir, args);
        assert_eq!(code, Some(0), "ctx {args:?} on a closed pipe: {stderr}");
        assert!(!stderr.contains("panicked"), "ctx {args:?}: {stderr}");
    }
}

#[test]
fn every_command_finds_the_root_from_a_subdirectory() {
    let dir = Dir::new();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir.write("src/deep/api.rs", "pub fn subdirectory_marker() {}\n");
    dir.write("AGENTS.md", "- Never run `make deploy`.\n");
    let sub = dir.path().join("src/deep");
    let in_sub = |args: &[&str]| {
        let mut command = dir.ctx(args);
        command.cmd.current_dir(&sub);
        command
    };
    // No .ctx yet: the git top is the root, so `ctx index` in a subdirectory indexes it all.
    let indexed = summary(&in_sub(&["index", "--json"]).ok());
    assert_eq!(indexed["indexed"], 2, "{indexed}");
    assert!(dir.path().join(".ctx").is_dir());
    assert!(!sub.join(".ctx").exists(), "a second index was created");
    // Indexing again from the subdirectory updates the same index.
    assert_eq!(summary(&in_sub(&["index", "--json"]).ok())["unchanged"], 2);
    let hits = records(
        &in_sub(&["--json", "search", "subdirectory_marker"]).ok(),
        "hit",
    );
    assert_eq!(hits[0]["path"], "src/deep/api.rs");
    let status = summary(&in_sub(&["--json", "status"]).ok());
    assert_eq!(
        status["root"],
        dir.path().canonicalize().unwrap().display().to_string()
    );
    let anchors = records(&in_sub(&["--json", "anchors", "list"]).ok(), "anchor");
    assert!(anchors.iter().any(|a| a["text"]
        .as_str()
        .is_some_and(|t| t.contains("make deploy"))));
    let (stdout, _) = in_sub(&["check", "--command", "make deploy"]).code(1);
    assert!(stdout.starts_with("deny"), "{stdout}");
    // An explicit PATH inside the repository finds the same root; --root is taken as is.
    assert_eq!(
        summary(&dir.ctx(&["index", "src", "--json"]).ok())["unchanged"],
        2
    );
    let (_, stderr) = dir
        .ctx(&["index", "src", "--root", "src", "--json"])
        .code(2);
    assert!(stderr.contains("give one"), "{stderr}");
}

#[test]
fn search_and_pack_reindex_changed_files_first_and_status_counts_them() {
    let dir = Dir::fixture("small");
    dir.ctx(&["index"]).ok();
    let fresh = dir.ctx(&["--json", "search", "session"]).output();
    assert!(!String::from_utf8_lossy(&fresh.stderr).contains("stale"));
    assert_eq!(
        summary(&String::from_utf8_lossy(&fresh.stdout))["stale"],
        serde_json::Value::Null
    );
    let server = dir.read("src/server.rs");
    dir.write("src/server.rs", server + "\nfn stale_marker() {}\n");
    dir.write("src/extra.py", "def added_marker(): pass\n");

    let human = dir.ctx(&["status"]).ok();
    assert!(
        human.contains("2 files changed: 1 modified, 1 added"),
        "{human}"
    );
    // A few changes: re-indexed before the answer, which then holds them.
    let out = dir
        .ctx(&["--json", "search", "added_marker", "--mode", "lexical"])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("re-indexed 2 changed files first"),
        "{stderr}"
    );
    assert!(!stderr.contains("stale"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(summary(&stdout)["stale"], serde_json::Value::Null);
    assert_eq!(records(&stdout, "hit")[0]["path"], "src/extra.py");
    let human = dir.ctx(&["status"]).ok();
    assert!(human.contains("up to date"), "{human}");
}

#[test]
fn search_pack_and_status_say_when_the_index_is_stale() {
    let dir = Dir::fixture("small");
    dir.ctx(&["index"]).ok();
    // More changes than a search re-indexes on its own: the answer comes from the old
    // index, and says so.
    let server = dir.read("src/server.rs");
    dir.write("src/server.rs", server + "\nfn stale_marker() {}\n");
    many_files(&dir, 210);

    let out = dir.ctx(&["--json", "search", "session"]).output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the index is stale: 211 files changed"),
        "{stderr}"
    );
    assert!(stderr.contains("src/server.rs"), "{stderr}");
    assert!(stderr.contains("more than 200 files changed"), "{stderr}");
    assert_eq!(
        summary(&String::from_utf8_lossy(&out.stdout))["stale"],
        serde_json::json!({"modified": 1, "added": 210, "deleted": 0})
    );

    let pack = dir.path().parent().unwrap().join("p.xml");
    let out = dir
        .ctx(&[
            "--json",
            "pack",
            "--budget",
            "5k",
            "-o",
            pack.to_str().unwrap(),
        ])
        .output();
    assert!(String::from_utf8_lossy(&out.stderr).contains("index is stale"));
    assert_eq!(
        summary(&String::from_utf8_lossy(&out.stdout))["stale"]["modified"],
        1
    );

    let human = dir.ctx(&["status"]).ok();
    assert!(
        human.contains("211 files changed: 1 modified, 210 added"),
        "{human}"
    );
    dir.ctx(&["index"]).ok();
    let again = dir.ctx(&["search", "session"]).output();
    assert!(!String::from_utf8_lossy(&again.stderr).contains("stale"));
}

#[test]
fn status_summarises_many_changes() {
    let dir = Dir::new();
    many_files(&dir, 40);
    dir.ctx(&["index"]).ok();
    for i in 0..30 {
        dir.write(&format!("src/new{i}.rs"), "fn n() {}\n");
    }
    let human = dir.ctx(&["status"]).ok();
    assert!(human.contains("30 files changed: 30 added"), "{human}");
    assert!(human.contains("A … and 25 more"), "{human}");
    assert!(human.lines().count() < 20, "{human}");
    let all = dir.ctx(&["status", "--all"]).ok();
    assert_eq!(all.matches("    A ").count(), 30, "{all}");
    let out = dir.ctx(&["--json", "status"]).ok();
    assert_eq!(records(&out, "change").len(), 30);
    assert_eq!(summary(&out)["stale"]["added"], 30);
}

#[test]
fn json_runs_end_with_a_summary_or_an_error() {
    let dir = Dir::fixture("small");
    // An error: no index yet; the last record says so, with the exit code.
    let (stdout, stderr) = dir.ctx(&["--json", "search", "session"]).code(2);
    let last = json_lines(&stdout).pop().expect("an error record");
    assert_eq!(last["type"], "error", "{stdout}");
    assert_eq!(last["data"]["exit_code"], 2);
    assert!(
        last["data"]["message"]
            .as_str()
            .unwrap()
            .contains("ctx index"),
        "{last}"
    );
    assert!(stderr.contains("ctx index"), "{stderr}");
    // A usage error with --json is an error record too.
    let (stdout, _) = dir.ctx(&["--json", "search"]).code(2);
    assert_eq!(json_lines(&stdout).pop().unwrap()["type"], "error");

    dir.ctx(&["index"]).ok();
    // No hits: exit 1 and a summary with zero hits, not silence.
    let (stdout, _) = dir
        .ctx(&["--json", "search", "zzzqqqxxyy", "--mode", "lexical"])
        .code(1);
    assert_eq!(summary(&stdout)["hits"], 0);

    let runs: [&[&str]; 10] = [
        &["index"],
        &["index", "--dry-run"],
        &["search", "session"],
        &["status"],
        &["anchors", "list"],
        &["pack", "--budget", "3k"],
        &["check", "--command", "ls"],
        &["plan", "clear"],
        &["drift", "report"],
        &["model", "status"],
    ];
    for args in runs {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = dir.ctx(&all).output();
        let stdout = String::from_utf8_lossy(&out.stdout);
        for line in json_lines(&stdout) {
            assert!(
                line["type"].is_string() && line.get("data").is_some(),
                "ctx {args:?}: {line}"
            );
            assert_eq!(line.as_object().unwrap().len(), 2, "ctx {args:?}: {line}");
        }
        let last = json_lines(&stdout).pop().unwrap_or_default();
        let expected = if out.status.code() == Some(2) {
            "error"
        } else {
            "summary"
        };
        assert_eq!(last["type"], expected, "ctx {args:?}: {stdout}");
    }
}

#[test]
fn completions_and_man_pages_come_from_the_command_definition() {
    let dir = Dir::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = dir.ctx(&["completions", shell]).ok();
        assert!(script.contains("ctx"), "{shell}");
        assert!(script.contains("anchors"), "{shell}: subcommands completed");
    }
    let bash = dir.ctx(&["completions", "bash"]).ok();
    assert!(bash.contains("--budget"), "pack's flags are completed");
    let page = dir.ctx(&["man"]).ok();
    assert!(
        page.starts_with(".ie") || page.contains(".TH ctx 1"),
        "{page}"
    );
    assert!(page.contains("completions"), "subcommands listed");
    let out = dir.path().join("man1");
    dir.ctx(&["man", "--dir", out.to_str().unwrap()]).ok();
    for page in [
        "ctx.1",
        "ctx-index.1",
        "ctx-anchors-add.1",
        "ctx-hook-install.1",
    ] {
        let text = std::fs::read_to_string(out.join(page)).unwrap_or_default();
        assert!(text.contains(".TH"), "{page}");
    }
    assert!(dir.ctx(&["completions", "tcsh"]).output().status.code() == Some(2));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_and_quiet_silences_notes() {
    let dir = Dir::fixture("small");
    dir.ctx(&["index"]).ok();
    let plain = dir.ctx(&["search", "session"]).ok();
    assert!(!plain.contains('\x1b'), "no colour into a pipe: {plain}");
    let coloured = dir.ctx(&["search", "session", "--color", "always"]).ok();
    assert!(coloured.contains("\x1b["), "{coloured}");
    let never = dir
        .ctx(&["search", "session", "--color", "never"])
        .env("NO_COLOR", "1")
        .ok();
    assert_eq!(never, plain);
    let status = dir.ctx(&["status", "--color=always"]).ok();
    assert!(status.contains("\x1b["), "{status}");

    let (_, stderr) = dir.ctx(&["anchors", "list"]).code(0);
    assert!(stderr.contains("anchors,"), "the count is a note: {stderr}");
    let (_, quiet) = dir.ctx(&["anchors", "list", "-q"]).code(0);
    assert!(quiet.is_empty(), "-q: {quiet}");
    let (_, quiet) = dir.ctx(&["-q", "pack", "--budget", "2k"]).code(0);
    assert!(!quiet.contains("packed"), "-q: {quiet}");
    assert!(dir.ctx(&["-q", "-v", "status"]).output().status.code() == Some(2));
}

#[test]
fn dry_run_counts_the_tokens_the_index_will_hold_and_skips_binaries() {
    let dir = Dir::fixture("small");
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(std::iter::repeat_n(7u8, 40_000));
    dir.write("docs/diagram.png", png);
    let out = dir.ctx(&["--json", "index", "--dry-run"]).ok();
    let planned = summary(&out);
    assert_eq!(planned["skipped"]["binary"], 1, "{planned}");
    assert!(records(&out, "file")
        .iter()
        .all(|f| f["path"] != "docs/diagram.png"));
    dir.ctx(&["index"]).ok();
    let status = summary(&dir.ctx(&["--json", "status"]).ok());
    let (planned, real) = (
        planned["tokens"].as_f64().unwrap(),
        status["tokens"].as_f64().unwrap(),
    );
    assert!(
        (planned - real).abs() / real < 0.05,
        "dry run {planned} tokens, index {real}"
    );
}

#[test]
fn ctrl_c_during_indexing_says_what_was_kept() {
    let dir = Dir::new();
    many_files(&dir, 3000);
    let mut cmd = dir.ctx(&["index"]).cmd;
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    // SAFETY: signalling a child process this test started and still owns.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(0) {
        // The run finished before the signal: nothing to say about an interrupt.
        return;
    }
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(
        stderr.contains("`ctx index`"),
        "says how to finish: {stderr}"
    );
    let after = summary(&dir.ctx(&["--json", "index"]).ok());
    assert_eq!(
        after["indexed"].as_u64().unwrap() + after["unchanged"].as_u64().unwrap(),
        3000
    );
}

#[test]
fn ci_output_names_utf8_paths_plainly_and_explains_a_missing_repository() {
    let outside = Dir::new();
    let (stdout, stderr) = outside.ctx(&["check", "--staged"]).code(2);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("needs a git repository"), "{stderr}");
    assert!(stderr.lines().count() <= 3, "no git usage text: {stderr}");

    let dir = crate::check::git_repo();
    dir.write("generated/café.rs", "x\n");
    let status = std::process::Command::new("git")
        .args(["add", "generated/café.rs"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let (stdout, _) = dir
        .ctx(&["check", "--staged", "--format", "github"])
        .code(1);
    assert!(
        stdout.contains("file=generated/café.rs,"),
        "an unquoted UTF-8 path: {stdout}"
    );
    // A diff made elsewhere with git's default quoting lands on the same file.
    let quoted = "diff --git \"a/generated/caf\\303\\251.rs\" \"b/generated/caf\\303\\251.rs\"\nnew file mode 100644\n--- /dev/null\n+++ \"b/generated/caf\\303\\251.rs\"\n@@ -0,0 +1 @@\n+x\n";
    let (stdout, _) = dir
        .ctx(&["check", "--format", "github", "--diff", "-"])
        .stdin(quoted)
        .code(1);
    assert!(stdout.contains("file=generated/café.rs,"), "{stdout}");
}
