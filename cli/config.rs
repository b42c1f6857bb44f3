//! `.ctx/config.toml`: the repository's ctx settings, reviewed with the code.
//!
//! Each area reads its own table (`[index]`, `[model]`, `[check]`, `[profiles]`...) and
//! ignores the others, so one file serves every command.

use anyhow::Context;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// Path of the config file of the repository at `root`.
pub fn config_path(root: &Path) -> PathBuf {
    root.join(".ctx").join("config.toml")
}

/// The table `name` of the repository's config, or its default when the file or table is absent.
pub fn table<T: DeserializeOwned + Default>(root: &Path, name: &str) -> anyhow::Result<T> {
    let path = config_path(root);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(T::default()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let doc: toml::Table = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message()))
        .with_context(|| describe_toml_error(&text, &path))?;
    match doc.get(name) {
        None => Ok(T::default()),
        Some(value) => value
            .clone()
            .try_into()
            .with_context(|| format!("{}: invalid [{name}] table", path.display())),
    }
}

fn describe_toml_error(text: &str, path: &Path) -> String {
    match toml::from_str::<toml::Table>(text) {
        Err(e) => match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!("{}:{line}:{column}: malformed TOML", path.display())
            }
            None => format!("{}: malformed TOML", path.display()),
        },
        Ok(_) => String::new(),
    }
}

/// The `[index]` table.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexConfig {
    /// Files larger than this many bytes are skipped (default 1 MiB).
    pub max_file_size: Option<u64>,
}

/// The embedder the repository's config and the environment choose, with the reason it
/// is disabled when it is.
pub fn load_embedder(
    root: &Path,
) -> anyhow::Result<(Option<ctx_indexers::embed::LoadedEmbedder>, Option<String>)> {
    let model: ctx_indexers::embed::ModelConfig = table(root, "model")?;
    let model = model.relative_to(root);
    let choice = ctx_indexers::embed::load_embedder(&model)?;
    Ok(choice.into_parts())
}
