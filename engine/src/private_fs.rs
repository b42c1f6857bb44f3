//! Files ctx writes inside a repository's `.ctx/`: owner-only, and never through a
//! symbolic link.
//!
//! A cloned repository controls what `.ctx/` holds: it could commit `.ctx/drift.jsonl` as
//! a link to `~/.bashrc`, or `.ctx/lock` as a link to a file it wants truncated. Every
//! write here refuses to follow a link at the last component, creates directories with
//! mode 0700 and files with mode 0600, and replaces files by renaming a freshly created
//! temporary file over them.

use crate::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Mode of directories ctx creates.
pub const DIR_MODE: u32 = 0o700;
/// Mode of files ctx creates.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents) owner-only; an existing directory is made
/// owner-only too. A symbolic link at `dir` is an error naming it.
pub fn create_dir(dir: &Path) -> Result<()> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.file_type().is_symlink() => Err(Error::Invalid(format!(
            "{} is a symbolic link; ctx writes only into a real directory there: remove the link",
            dir.display()
        ))),
        Ok(meta) if meta.is_dir() => {
            if meta.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))
                    .map_err(|e| Error::io("restricting", dir, e))?;
            }
            Ok(())
        }
        Ok(_) => Err(Error::Invalid(format!(
            "{} is not a directory: move it away so ctx can keep its index there",
            dir.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)
            .map_err(|e| Error::io("creating", dir, e)),
        Err(e) => Err(Error::io("inspecting", dir, e)),
    }
}

fn no_follow() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.mode(FILE_MODE).custom_flags(libc::O_NOFOLLOW);
    options
}

fn open_error(op: &'static str, path: &Path, e: std::io::Error) -> Error {
    if e.raw_os_error() == Some(libc::ELOOP) {
        return Error::Invalid(format!(
            "{} is a symbolic link; ctx never writes through one there: remove it",
            path.display()
        ));
    }
    Error::io(op, path, e)
}

/// Opens `path` for appending, creating it owner-only; refuses a symbolic link.
pub fn open_append(path: &Path) -> Result<File> {
    no_follow()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| open_error("opening", path, e))
}

/// Opens (creating it owner-only) `path` for locking: read and write, never truncated;
/// refuses a symbolic link.
pub fn open_lock(path: &Path) -> Result<File> {
    no_follow()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| open_error("opening", path, e))
}

/// Replaces `path` with `bytes` atomically and durably: a new owner-only temporary file
/// beside it is written, synced and renamed over it (renaming replaces a link at `path`
/// instead of writing through it).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    replace(path, bytes, true)
}

/// Replaces `path` with `bytes` atomically but not durably: [`write_atomic`] without the
/// sync. Readers see the old content or the new, never a mix; after a system crash the
/// file may hold either, or (on some file systems) nothing. For state whose loss is
/// harmless and that is written often, where a sync would cost more than the write (an
/// `fsync` waits for the file system's journal, milliseconds when other writes are
/// pending).
pub fn write_atomic_volatile(path: &Path, bytes: &[u8]) -> Result<()> {
    replace(path, bytes, false)
}

fn replace(path: &Path, bytes: &[u8], sync: bool) -> Result<()> {
    let tmp = temporary_beside(path);
    let mut file = no_follow()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| open_error("creating", &tmp, e))?;
    let written = file
        .write_all(bytes)
        .and_then(|()| if sync { file.sync_all() } else { Ok(()) })
        .map_err(|e| Error::io("writing", &tmp, e))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| Error::io("renaming", &tmp, e)));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// A name beside `path` that no other writer uses: the process id and a counter.
fn temporary_beside(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map_or_else(|| "file".to_string(), |n| n.to_string_lossy().into_owned());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Makes the directory entry changes in `dir` durable (renames, new files).
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("syncing", dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn writes_never_follow_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("bashrc");
        std::fs::write(&target, "original\n").unwrap();
        let link = dir.path().join("drift.jsonl");
        symlink(&target, &link).unwrap();
        assert!(open_append(&link).is_err());
        let lock = dir.path().join("lock");
        symlink(&target, &lock).unwrap();
        assert!(open_lock(&lock).is_err());
        let replaced = dir.path().join("anchors.cache");
        symlink(&target, &replaced).unwrap();
        write_atomic(&replaced, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "original\n");
        assert_eq!(std::fs::read(&replaced).unwrap(), b"new");
        assert!(!std::fs::symlink_metadata(&replaced)
            .unwrap()
            .file_type()
            .is_symlink());
        let state = dir.path().join("session.json");
        symlink(&target, &state).unwrap();
        write_atomic_volatile(&state, b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "original\n");
        assert_eq!(std::fs::read(&state).unwrap(), b"{}");
    }

    #[test]
    fn files_and_directories_are_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = dir.path().join(".ctx");
        std::fs::create_dir(&ctx).unwrap();
        std::fs::set_permissions(&ctx, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_dir(&ctx).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ctx), 0o700);
        let log = ctx.join("drift.jsonl");
        open_append(&log).unwrap();
        assert_eq!(mode(&log), 0o600);
        let file = ctx.join("x");
        write_atomic(&file, b"1").unwrap();
        assert_eq!(mode(&file), 0o600);
        let state = ctx.join("y");
        write_atomic_volatile(&state, b"1").unwrap();
        assert_eq!(mode(&state), 0o600);
        let link = dir.path().join("linked");
        symlink(&ctx, &link).unwrap();
        assert!(create_dir(&link).is_err());
    }
}
