//! Running ctx on a repository one does not trust, and an index that is never wrong about
//! itself: the repository's config cannot choose native code; readers keep answering
//! while a writer runs; lost or damaged parts are noticed and repaired; special files and
//! bad limits never stop or hang a run.

use crate::util::{json_lines, Dir};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A model directory and an "ONNX Runtime library" (not one: loading it would fail and
/// name it) under `base`.
fn fake_model(base: &Path) -> (PathBuf, PathBuf) {
    let model = base.join("evil-model");
    std::fs::create_dir_all(&model).unwrap();
    for name in [
        "model.onnx",
        "tokenizer.json",
        "config.json",
        "special_tokens_map.json",
        "tokenizer_config.json",
    ] {
        std::fs::write(model.join(name), "{}").unwrap();
    }
    let dylib = base.join("libevil_runtime.so");
    std::fs::write(&dylib, "not a library").unwrap();
    (model, dylib)
}

#[test]
fn a_repository_config_cannot_choose_the_native_code_ctx_loads() {
    let dir = Dir::fixture("small");
    let (model, dylib) = fake_model(dir.path());
    dir.write(
        ".ctx/config.toml",
        format!(
            // The repository may opt in to embeddings (so index and search look for the
            // model), never choose which code is loaded for them.
            "[index]\nembeddings = true\n\n[model]\ndir = \"evil-model\"\nort_dylib = \"{}\"\n",
            dylib.display()
        ),
    );
    for args in [
        &["model", "path", "--json"][..],
        &["index"],
        &["search", "server", "--mode", "hybrid"],
    ] {
        let out = dir.ctx(args).without_env("CTX_EMBEDDER").output();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        for key in ["ort_dylib", "dir"] {
            assert!(
                stderr.contains(&format!("ignoring [model] {key}")),
                "{args:?} does not warn about {key}: {stderr}"
            );
        }
        assert!(
            !stdout.contains("evil") && !stderr.contains("libevil_runtime"),
            "{args:?} used the repository's paths:\n{stdout}\n{stderr}"
        );
    }

    // The same paths in the user's own config are honoured.
    let user_config = dir.path().join("user-config.toml");
    std::fs::write(
        &user_config,
        format!(
            "[model]\ndir = \"{}\"\nort_dylib = \"{}\"\n",
            model.display(),
            dylib.display()
        ),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join(".ctx/config.toml")).unwrap();
    let out = dir
        .ctx(&["model", "path", "--json"])
        .env("CTX_CONFIG", &user_config)
        .ok();
    let paths = &json_lines(&out)[0]["data"];
    assert_eq!(paths["dylib_origin"], "config", "{out}");
    assert_eq!(paths["ort_dylib"], dylib.display().to_string(), "{out}");
}

/// The directory of the published generation.
fn published(dir: &Dir) -> PathBuf {
    let ctx = dir.path().join(".ctx");
    let name = std::fs::read_to_string(ctx.join("CURRENT")).unwrap();
    ctx.join("gen").join(name.trim())
}

fn status(dir: &Dir) -> (i32, Value) {
    let out = dir.ctx(&["status", "--json"]).output();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines = json_lines(&stdout);
    assert_eq!(
        lines.len(),
        1,
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines[0]["type"], "summary", "{stdout}");
    (out.status.code().unwrap(), lines[0]["data"].clone())
}

/// Damages the fresh index with `damage`, then checks that readers name the part and the
/// repair, `ctx status` reports it, and `ctx index` repairs it.
fn damaged_and_repaired(damage: impl Fn(&Path), part: &str) {
    let dir = Dir::fixture("small");
    dir.ctx(&["index"]).ok();
    let before = dir
        .ctx(&["search", "server", "--json", "--mode", "lexical"])
        .ok();
    damage(&published(&dir));
    let (_, stderr) = dir.ctx(&["search", "server", "--mode", "lexical"]).code(2);
    assert!(stderr.contains(part), "{part}: {stderr}");
    assert!(stderr.contains("`ctx index`"), "{part}: {stderr}");
    let (code, health) = status(&dir);
    assert_eq!(code, 1, "{health}");
    assert_eq!(health["health"], "damaged", "{health}");
    assert!(
        health["problem"].as_str().unwrap().contains(part),
        "{health}"
    );
    let (_, stderr) = dir.ctx(&["index"]).code(0);
    assert!(stderr.contains("repaired"), "{part}: {stderr}");
    assert!(!stderr.contains("run `ctx index`"), "{part}: {stderr}");
    let after = dir
        .ctx(&["search", "server", "--json", "--mode", "lexical"])
        .ok();
    assert_eq!(
        after, before,
        "{part}: the repaired index answers differently"
    );
    let (code, health) = status(&dir);
    assert_eq!(
        (code, health["health"].as_str()),
        (0, Some("ok")),
        "{health}"
    );
}

#[test]
fn a_deleted_lexical_index_is_noticed_and_rebuilt_from_the_records() {
    damaged_and_repaired(
        |generation| std::fs::remove_dir_all(generation.join("lexical")).unwrap(),
        "lexical index",
    );
}

#[test]
fn a_truncated_record_store_is_noticed_and_rebuilt() {
    damaged_and_repaired(
        |generation| {
            let records = generation.join("records");
            for entry in std::fs::read_dir(&records).unwrap() {
                let path = entry.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                std::fs::remove_file(&path).unwrap();
                std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
            }
        },
        "records",
    );
}

#[test]
fn garbage_in_the_lexical_metadata_is_noticed_and_rebuilt() {
    damaged_and_repaired(
        |generation| {
            let meta = generation.join("lexical").join("meta.json");
            std::fs::remove_file(&meta).unwrap();
            std::fs::write(&meta, "{ not json").unwrap();
        },
        "lexical index",
    );
}

#[test]
fn a_manifest_naming_nothing_is_noticed_and_rebuilt() {
    damaged_and_repaired(
        |generation| {
            let current = generation
                .parent()
                .unwrap()
                .parent()
                .unwrap()
                .join("CURRENT");
            std::fs::write(current, "../../etc\n").unwrap();
        },
        "manifest",
    );
}

/// Runs `ctx` with `args` in `dir`; stdout, stderr and success.
fn run(bin: &Path, dir: &Path, home: &Path, args: &[&str]) -> (String, String, bool) {
    let out = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("CTX_HOME", home)
        .env("CTX_EMBEDDER", "hash")
        .env("CTX_CONFIG", home.join("user-config.toml"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// The chunks a search found (place only: scores move with the corpus statistics).
fn found(stdout: &str) -> std::collections::BTreeSet<String> {
    json_lines(stdout)
        .iter()
        .map(|hit| {
            let data = &hit["data"];
            format!(
                "{}:{}-{}",
                data["path"], data["start_line"], data["end_line"]
            )
        })
        .collect()
}

#[test]
fn readers_answer_from_the_last_index_while_runs_and_rebuilds_write_the_next() {
    let dir = Dir::fixture("small");
    dir.ctx(&["index"]).ok();
    let search: &[&str] = &[
        "search", "server", "--json", "--mode", "lexical", "-k", "50",
    ];
    let expected = found(&dir.ctx(search).ok());
    assert!(!expected.is_empty());
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_ctx"));
    let home = dir.path().join(".home");
    std::fs::create_dir_all(&home).unwrap();
    let root = dir.path().to_path_buf();
    let deadline = Instant::now() + Duration::from_secs(120);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|reader| {
            let (bin, root, home, stop) = (bin.clone(), root.clone(), home.clone(), stop.clone());
            let expected = expected.clone();
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                let mut answered = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && Instant::now() < deadline
                {
                    let args: &[&str] = if reader == 0 {
                        search
                    } else {
                        &["status", "--json"]
                    };
                    let (stdout, stderr, ok) = run(&bin, &root, &home, args);
                    if !ok || stderr.contains("panicked") {
                        failures.push(stderr);
                    } else if reader == 0 && found(&stdout) != expected {
                        failures.push(format!("different answer:\n{stdout}"));
                    }
                    answered += 1;
                }
                (answered, failures)
            })
        })
        .collect();
    let churn = root.join("src/churn.rs");
    for round in 0..8 {
        std::fs::write(&churn, format!("pub fn churn_{round}() {{}}\n")).unwrap();
        let args: &[&str] = if round % 3 == 2 {
            &["index", "--rebuild"]
        } else {
            &["index"]
        };
        let (_, stderr, ok) = run(&bin, &root, &home, args);
        assert!(ok, "index run {round} failed: {stderr}");
    }
    std::fs::remove_file(&churn).unwrap();
    run(&bin, &root, &home, &["index"]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for reader in readers {
        let (answered, failures) = reader.join().unwrap();
        assert!(answered > 0);
        assert!(
            failures.is_empty(),
            "{} of {answered} reads failed, first: {}",
            failures.len(),
            failures[0]
        );
    }
    let generations = std::fs::read_dir(root.join(".ctx/gen")).unwrap().count();
    assert!(
        generations <= 2,
        "old generations are collected: {generations}"
    );
}

#[test]
fn a_named_pipe_is_skipped_and_never_hangs_index_or_status() {
    let dir = Dir::fixture("small");
    let fifo =
        std::ffi::CString::new(dir.path().join("src/pipe").as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let mut child = dir.ctx(&["index", "--json"]).cmd;
    let child = child.stdout(Stdio::piped()).spawn().unwrap();
    let waited = wait_bounded(child, Duration::from_secs(60));
    let summary = json_lines(&waited).pop().unwrap()["data"].clone();
    assert_eq!(summary["skipped"]["special"], 1, "{summary}");
    assert_eq!(summary["indexed"], 7, "{summary}");
    let child = dir
        .ctx(&["status"])
        .cmd
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_bounded(child, Duration::from_secs(60));
    assert!(status.contains("up to date"), "{status}");
}

/// The stdout of `child`, which must succeed within `limit`.
fn wait_bounded(mut child: std::process::Child, limit: Duration) -> String {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut out = String::new();
            std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
            assert!(status.success(), "{status}: {out}");
            return out;
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_zero_size_limit_is_refused_with_the_setting_named() {
    let dir = Dir::fixture("small");
    dir.write(".ctx/config.toml", "[index]\nmax_file_size = 0\n");
    let (_, stderr) = dir.ctx(&["index"]).code(2);
    assert!(stderr.contains("[index] max_file_size"), "{stderr}");
    assert!(stderr.contains("skip every file"), "{stderr}");
    let (_, stderr) = dir.ctx(&["index", "--max-file-size", "0"]).code(2);
    assert!(stderr.contains("--max-file-size"), "{stderr}");
}
