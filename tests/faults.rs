//! Faults of the environment: a repository ctx may read but not write.

use crate::util::Dir;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

/// Runs the ctx binary in `repo` as a user without write access to it. Root ignores
/// permission bits, so as root (CI containers) the command drops to `nobody` with `setpriv`.
fn ctx_without_write_access(bin: &Path, repo: &Path, home: &Path, args: &[&str]) -> Output {
    let mut cmd = if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args)
        .current_dir(repo)
        .env("CTX_HOME", home)
        .env("HOME", home)
        .env("CTX_EMBEDDER", "none")
        .output()
        .expect("run ctx (as root this needs setpriv from util-linux)")
}

/// Gives everyone read (and directory search) access and takes write access away from all.
fn make_read_only(path: &Path) {
    let meta = std::fs::symlink_metadata(path).unwrap();
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            make_read_only(&entry.unwrap().path());
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o555)).unwrap();
    } else if meta.is_file() {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444)).unwrap();
    }
}

fn make_writable(path: &Path) {
    let meta = std::fs::symlink_metadata(path).unwrap();
    if meta.is_dir() {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        for entry in std::fs::read_dir(path).unwrap() {
            make_writable(&entry.unwrap().path());
        }
    }
}

/// A copy of the binary and a home directory that `nobody` can use, beside the repository.
fn runnable_setup(dir: &Dir) -> (std::path::PathBuf, std::path::PathBuf) {
    let base = dir.path().parent().unwrap();
    std::fs::set_permissions(base, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = base.join("ctx-bin");
    crate::util::place_ctx_binary(&bin);
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let home = base.join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o777)).unwrap();
    (bin, home)
}

#[test]
fn indexing_a_read_only_repository_fails_clearly_and_writes_nothing() {
    let dir = Dir::new();
    dir.write("src/main.rs", "fn main() {}\n");
    let (bin, home) = runnable_setup(&dir);
    make_read_only(dir.path());
    let out = ctx_without_write_access(&bin, dir.path(), &home, &["index", "."]);
    make_writable(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains(".ctx"), "names the directory: {stderr}");
    assert!(stderr.contains("hint: permission denied"), "{stderr}");
    assert_eq!(
        stderr.matches("os error 13").count(),
        1,
        "the cause once: {stderr}"
    );
    assert!(!dir.path().join(".ctx").exists());
}

#[test]
fn a_read_only_index_is_searchable_and_keeps_what_it_holds() {
    let dir = Dir::new();
    dir.write("src/lib.rs", "pub fn parse_config() {}\n");
    dir.ctx(&["index", "."]).ok();
    let (bin, home) = runnable_setup(&dir);
    make_read_only(dir.path());
    let listed = |dir: &Dir| {
        let mut names = Vec::new();
        let mut stack = vec![dir.path().join(".ctx")];
        while let Some(path) = stack.pop() {
            for entry in std::fs::read_dir(&path).unwrap() {
                let entry = entry.unwrap();
                names.push(entry.path());
                if entry.file_type().unwrap().is_dir() {
                    stack.push(entry.path());
                }
            }
        }
        names.sort();
        names
    };
    let before = listed(&dir);
    let index = ctx_without_write_access(&bin, dir.path(), &home, &["index", "."]);
    let search = ctx_without_write_access(&bin, dir.path(), &home, &["search", "parse_config"]);
    let status = ctx_without_write_access(&bin, dir.path(), &home, &["status"]);
    let after = listed(&dir);
    make_writable(dir.path());
    let stderr = String::from_utf8_lossy(&index.stderr);
    assert_eq!(index.status.code(), Some(2), "index: {stderr}");
    assert!(stderr.contains("hint: permission denied"), "{stderr}");
    for (name, out) in [("search", &search), ("status", &status)] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
    }
    let hits = String::from_utf8_lossy(&search.stdout);
    assert!(
        hits.contains("src/lib.rs"),
        "found in the read-only index: {hits}"
    );
    assert!(String::from_utf8_lossy(&status.stdout).contains("health: ok"));
    assert_eq!(before, after, "nothing was created in .ctx");
    let hits = dir.ctx(&["search", "parse_config"]).ok();
    assert!(hits.contains("src/lib.rs"), "the index is intact: {hits}");
}
