//! The record of what ctx installed where (`installs.json` in ctx's state directory), read
//! by uninstall to put files back as they were.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One install of one component (`hooks`, `mcp`) into one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstallRecord {
    /// The configuration file.
    pub path: PathBuf,
    /// What was installed: `hooks` or `mcp`.
    pub component: String,
    /// Whether ctx created the file.
    pub created: bool,
    /// The copy of the file as it was before the install, if it existed.
    pub backup: Option<PathBuf>,
    /// blake3 of the file as the install left it.
    pub after_blake3: String,
    /// Directories ctx created for the file.
    #[serde(default)]
    pub created_dirs: Vec<PathBuf>,
    /// The entry ctx wrote, when it is one value (an MCP server entry).
    #[serde(default)]
    pub entry: Option<serde_json::Value>,
    /// When (UTC).
    pub time: String,
}

/// Every install record.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Records {
    installs: Vec<InstallRecord>,
}

impl Records {
    fn path() -> anyhow::Result<PathBuf> {
        Ok(super::state_dir()?.join("installs.json"))
    }

    /// Reads the records (none when the file does not exist).
    pub fn load() -> anyhow::Result<Records> {
        let path = Records::path()?;
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is not a valid ctx install record; move it away to start afresh",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Records::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Writes the records back.
    pub fn save(&self) -> anyhow::Result<()> {
        let path = Records::path()?;
        let text = serde_json::to_string_pretty(self)? + "\n";
        super::write_atomically(&path, &text)
    }

    /// The record of `component` in `path`.
    pub fn get(&self, path: &Path, component: &str) -> Option<&InstallRecord> {
        self.installs
            .iter()
            .find(|r| r.path == path && r.component == component)
    }

    /// Removes and returns the record of `component` in `path`.
    pub fn take(&mut self, path: &Path, component: &str) -> Option<InstallRecord> {
        let at = self
            .installs
            .iter()
            .position(|r| r.path == path && r.component == component)?;
        Some(self.installs.remove(at))
    }

    /// Adds a record.
    pub fn insert(&mut self, record: InstallRecord) {
        self.installs.push(record);
    }
}
