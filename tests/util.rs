//! Test helpers: a temporary repository and a command runner for the real `ctx` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fresh temporary directory holding a repository under test.
pub struct Dir {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Dir {
    /// An empty repository.
    pub fn new() -> Dir {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(&root).expect("create repo dir");
        Dir { _tmp: tmp, root }
    }

    /// A repository holding a copy of `tests/fixtures/<name>/`.
    pub fn fixture(name: &str) -> Dir {
        let dir = Dir::new();
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        copy_tree(&source, &dir.root);
        dir
    }

    /// The repository root.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Writes a file (creating directories).
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    /// Reads a file.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap()
    }

    /// Removes a file.
    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.root.join(rel)).unwrap();
    }

    /// A `ctx` command run in the repository, isolated from user config.
    pub fn ctx(&self, args: &[&str]) -> TestCommand {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ctx"));
        cmd.args(args)
            .current_dir(&self.root)
            .env("CTX_HOME", self._tmp.path().join("ctx-home"))
            .env("CTX_EMBEDDER", "hash")
            .env("CTX_CONFIG", self._tmp.path().join("user-config.toml"))
            .env_remove("CTX_MODEL_DIR")
            .env_remove("ORT_DYLIB_PATH");
        TestCommand { cmd, stdin: None }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("fixture dir") {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A prepared `ctx` invocation.
pub struct TestCommand {
    /// The command; tweak env or args before running.
    pub cmd: Command,
    stdin: Option<Vec<u8>>,
}

impl TestCommand {
    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> TestCommand {
        self.cmd.env(key, value);
        self
    }

    /// Removes an environment variable.
    pub fn without_env(mut self, key: &str) -> TestCommand {
        self.cmd.env_remove(key);
        self
    }

    /// Feeds `input` on stdin.
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> TestCommand {
        self.stdin = Some(input.into());
        self
    }

    /// Runs to completion.
    pub fn output(mut self) -> Output {
        use std::io::Write;
        self.cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("spawn ctx");
        let input = self.stdin.take().unwrap_or_default();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().expect("wait for ctx");
        writer.join().unwrap();
        out
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(self) -> String {
        let out = self.output();
        assert!(
            out.status.success(),
            "ctx failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs and asserts the exit code; returns (stdout, stderr).
    pub fn code(self, expected: i32) -> (String, String) {
        let out = self.output();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(expected),
            "unexpected exit code\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        (stdout, stderr)
    }
}

/// Parses JSON Lines output.
pub fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// Places the ctx binary under test at `path`: a hard link when `path` is on the same file
/// system (the release binary is hundreds of megabytes; CI disks are small), else a copy.
pub fn place_ctx_binary(path: &Path) {
    let source = env!("CARGO_BIN_EXE_ctx");
    if std::fs::hard_link(source, path).is_err() {
        std::fs::copy(source, path).unwrap();
    }
}

/// The `data` of every `--json` record of type `kind`.
pub fn records(stdout: &str, kind: &str) -> Vec<serde_json::Value> {
    json_lines(stdout)
        .into_iter()
        .filter(|r| r["type"] == kind)
        .map(|r| r["data"].clone())
        .collect()
}

/// The `data` of the closing `summary` record, checking that it is the last line.
pub fn summary(stdout: &str) -> serde_json::Value {
    let mut lines = json_lines(stdout);
    let last = lines.pop().unwrap_or_else(|| panic!("no JSON output"));
    assert_eq!(
        last["type"], "summary",
        "the last record must be the summary: {stdout}"
    );
    last["data"].clone()
}
