//! Installing ctx into configuration files that belong to someone else (agents' settings,
//! MCP registries), so that the user finds them as they left them.
//!
//! - **Edits, not rewrites.** JSON files are edited as JSONC ([`jsonc`]): comments, key
//!   order, indentation and everything ctx does not touch stay byte for byte; TOML files
//!   likewise through `toml_edit`.
//! - **A timestamped backup before any change** of an existing file, in ctx's state
//!   directory (`$CTX_HOME/state/backups`, else `${XDG_STATE_HOME:-~/.local/state}/ctx/
//!   backups`), never in the repository.
//! - **Never replacing what ctx did not write**: the callers refuse, naming the entry, unless
//!   `--force`.
//! - **Uninstall restores.** Each install is recorded ([`record`]); when the file is still
//!   exactly as ctx left it, uninstall puts the backup back (or removes the file, and the
//!   directories, ctx created). When it changed since, only ctx's entries are removed.

pub mod jsonc;
pub mod record;

use anyhow::Context;
use record::{InstallRecord, Records};
use std::path::{Path, PathBuf};

/// Which configuration an install goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The repository's own files (shared with the team through git).
    Project,
    /// The user's files in the home directory (every repository).
    User,
}

/// `--user` / `--project`, shared by `ctx hook` and `ctx mcp`.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ScopeArgs {
    /// Use the user's configuration in the home directory (every repository).
    #[arg(long, conflicts_with = "project")]
    pub user: bool,
    /// Use the repository's configuration (the default).
    #[arg(long)]
    pub project: bool,
}

impl ScopeArgs {
    /// The scope asked for (project unless `--user`).
    pub fn scope(self) -> Scope {
        if self.user {
            Scope::User
        } else {
            Scope::Project
        }
    }
}

/// The user's home directory.
pub fn home() -> anyhow::Result<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .context("HOME is not set: ctx cannot find the user's configuration (use --project)")
}

/// Codex's home: `$CODEX_HOME`, else `~/.codex`.
pub fn codex_home() -> anyhow::Result<PathBuf> {
    match std::env::var_os("CODEX_HOME").filter(|h| !h.is_empty()) {
        Some(home) => Ok(PathBuf::from(home)),
        None => Ok(home()?.join(".codex")),
    }
}

/// ctx's state directory (install records and backups).
pub fn state_dir() -> anyhow::Result<PathBuf> {
    if let Some(home) = std::env::var_os("CTX_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(home).join("state"));
    }
    if let Some(state) = std::env::var_os("XDG_STATE_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(state).join("ctx"));
    }
    Ok(home()?.join(".local/state/ctx"))
}

/// A configuration file as read before an edit.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// Its path.
    pub path: PathBuf,
    /// Its text; `None` when it does not exist.
    pub text: Option<String>,
}

impl ConfigFile {
    /// Reads `path` (absent is fine; unreadable is an error).
    pub fn read(path: &Path) -> anyhow::Result<ConfigFile> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Ok(ConfigFile {
            path: path.to_path_buf(),
            text,
        })
    }

    /// The text, empty when the file does not exist.
    pub fn text(&self) -> &str {
        self.text.as_deref().unwrap_or("")
    }
}

/// What an install did to a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Installed {
    /// The file did not exist and was written.
    Created,
    /// ctx's entries were added to the existing file.
    Added,
    /// ctx's own earlier entry was updated (or, with `--force`, another one replaced).
    Updated,
    /// Everything was in place; nothing was written.
    Unchanged,
}

/// Writes `new_text` over `file` as the install of `component`: backs up the old text,
/// writes atomically (keeping the file's permissions), and records the install.
/// Returns the backup's path, if one was made.
pub fn write_install(
    file: &ConfigFile,
    component: &str,
    new_text: &str,
    entry: Option<serde_json::Value>,
) -> anyhow::Result<Option<PathBuf>> {
    let backup = match &file.text {
        Some(text) => Some(backup(&file.path, text)?),
        None => None,
    };
    let created_dirs = create_parents(&file.path)?;
    write_atomically(&file.path, new_text)?;
    let mut records = Records::load()?;
    // When the file is still as an earlier install of the same component left it, this
    // install continues that one: what was there before it is still the state to restore.
    let before_hash = file
        .text
        .as_ref()
        .map(|t| blake3::hash(t.as_bytes()).to_hex().to_string());
    let chained = records
        .take(&file.path, component)
        .filter(|p| Some(&p.after_blake3) == before_hash.as_ref());
    let record = InstallRecord {
        path: file.path.clone(),
        component: component.to_string(),
        created: chained.as_ref().map_or(file.text.is_none(), |p| p.created),
        backup: match &chained {
            Some(p) => p.backup.clone(),
            None => backup.clone(),
        },
        after_blake3: blake3::hash(new_text.as_bytes()).to_hex().to_string(),
        created_dirs: chained.map_or(created_dirs, |p| p.created_dirs),
        entry,
        time: crate::output::utc_time(unix_now()),
    };
    records.insert(record);
    records.save()?;
    Ok(backup)
}

/// What an uninstall did to a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Uninstalled {
    /// The file was as ctx left it: the backup of what was there before is back.
    Restored,
    /// ctx had created the file and it held nothing else: removed.
    Removed,
    /// ctx's entries were removed; the rest of the file is as it was.
    Edited,
    /// Nothing of ctx's was there.
    NotInstalled,
}

/// Uninstalls `component` from `file`: restores the backup when the file is exactly as the
/// install left it, else lets `remove` take ctx's entries out of the text (`None`: there
/// were none). `is_empty` says whether what is left is only the scaffolding ctx would have
/// created, in which case a file ctx created is removed.
pub fn uninstall(
    file: &ConfigFile,
    component: &str,
    remove: impl FnOnce(&str) -> anyhow::Result<Option<String>>,
    is_empty: impl FnOnce(&str) -> bool,
) -> anyhow::Result<Uninstalled> {
    let Some(current) = &file.text else {
        return Ok(Uninstalled::NotInstalled);
    };
    let mut records = Records::load()?;
    let record = records.take(&file.path, component);
    let unchanged_since = record
        .as_ref()
        .is_some_and(|r| r.after_blake3 == blake3::hash(current.as_bytes()).to_hex().as_str());
    if let (true, Some(record)) = (unchanged_since, &record) {
        if record.created {
            remove_created(&file.path, &record.created_dirs)?;
            records.save()?;
            return Ok(Uninstalled::Removed);
        }
        if let Some(before) = record.backup.as_ref().and_then(|b| read_backup(b)) {
            write_atomically(&file.path, &before)?;
            records.save()?;
            return Ok(Uninstalled::Restored);
        }
    }
    let Some(new_text) = remove(current)? else {
        records.save()?;
        return Ok(Uninstalled::NotInstalled);
    };
    let created = record.as_ref().is_none_or(|r| r.created);
    if created && is_empty(&new_text) {
        let dirs = record.map(|r| r.created_dirs).unwrap_or_default();
        remove_created(&file.path, &dirs)?;
        records.save()?;
        return Ok(Uninstalled::Removed);
    }
    backup(&file.path, current)?;
    write_atomically(&file.path, &new_text)?;
    records.save()?;
    Ok(Uninstalled::Edited)
}

/// The entry ctx wrote the last time it installed `component` into `path`.
pub fn recorded_entry(path: &Path, component: &str) -> Option<serde_json::Value> {
    Records::load()
        .ok()?
        .get(path, component)
        .and_then(|r| r.entry.clone())
}

fn read_backup(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn remove_created(path: &Path, dirs: &[PathBuf]) -> anyhow::Result<()> {
    std::fs::remove_file(path).with_context(|| format!("removing {}", path.display()))?;
    // Deepest first; a directory that now holds something else stays.
    let mut dirs = dirs.to_vec();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for dir in dirs {
        let _ = std::fs::remove_dir(&dir);
    }
    Ok(())
}

/// Copies `text` (the current content of `path`) into the backups directory; returns the
/// backup's path.
fn backup(path: &Path, text: &str) -> anyhow::Result<PathBuf> {
    let dir = state_dir()?.join("backups");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let flat: String = path
        .to_string_lossy()
        .trim_start_matches('/')
        .chars()
        .map(|c| if c == '/' || c == '\\' { '%' } else { c })
        .collect();
    let stamp = compact_time(unix_now());
    let mut target = dir.join(format!("{stamp}-{flat}"));
    let mut n = 1;
    while target.exists() {
        n += 1;
        target = dir.join(format!("{stamp}-{n}-{flat}"));
    }
    std::fs::write(&target, text).with_context(|| format!("writing {}", target.display()))?;
    Ok(target)
}

/// `20261121T081300Z`.
fn compact_time(unix_secs: u64) -> String {
    crate::output::utc_time(unix_secs)
        .trim_end_matches(" UTC")
        .replace(['-', ':'], "")
        .replace(' ', "T")
        + "Z"
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Creates the missing directories above `path`; returns those it created.
fn create_parents(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let Some(parent) = path.parent() else {
        return Ok(Vec::new());
    };
    let missing: Vec<PathBuf> = parent
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    Ok(missing)
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename,
/// keeping the permissions of the file it replaces. The temporary file is this write's own
/// (process id and a counter), so that writers racing on one path each replace it whole
/// instead of renaming each other's file away.
pub fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let write = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}-{write}.ctx-tmp", std::process::id()));
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))
}

/// `path` for messages: relative to `root` when under it.
pub fn shown(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names_sort_by_time() {
        assert_eq!(compact_time(951_782_400), "20000229T000000Z");
    }

    #[test]
    fn writers_racing_on_one_file_each_replace_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("installs.json");
        let writers: Vec<_> = (0..8)
            .map(|w| {
                let path = path.clone();
                std::thread::spawn(move || {
                    (0..25).try_for_each(|i| write_atomically(&path, &format!("{w} {i}\n")))
                })
            })
            .collect();
        for writer in writers {
            writer
                .join()
                .unwrap()
                .expect("every write replaces the file");
        }
        let last = std::fs::read_to_string(&path).unwrap();
        assert!(last.ends_with(" 24\n"), "one writer's whole text: {last:?}");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
    }
}
