//! `.ctx/config.toml`: the repository's ctx settings, reviewed with the code; and the
//! user's own config, for what a repository must not decide.
//!
//! Each area reads its own table (`[index]`, `[check]`, `[profiles]`...) and ignores the
//! others, so one file serves every command. Settings that choose code ctx loads (the
//! `[model]` table: the ONNX Runtime library and the model directory) are read only from
//! the user's config ([`user_config_path`]), the environment or ctx's cache: a cloned
//! repository that sets them gets a warning naming the key, and they are ignored.

use anyhow::Context;
use ctx_indexers::embed::ModelConfig;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// Path of the config file of the repository at `root`.
pub fn config_path(root: &Path) -> PathBuf {
    root.join(".ctx").join("config.toml")
}

/// Environment variable naming the user's config file.
pub const ENV_CONFIG: &str = "CTX_CONFIG";

/// The user's own config file: `$CTX_CONFIG`, else `$XDG_CONFIG_HOME/ctx/config.toml`,
/// else `~/.config/ctx/config.toml`; `None` when none of these is set.
pub fn user_config_path() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(path) = var(ENV_CONFIG) {
        return Some(path);
    }
    let base = var("XDG_CONFIG_HOME").or_else(|| var("HOME").map(|home| home.join(".config")))?;
    Some(base.join("ctx").join("config.toml"))
}

/// The table `name` of the repository's config, or its default when the file or table is absent.
pub fn table<T: DeserializeOwned + Default>(root: &Path, name: &str) -> anyhow::Result<T> {
    table_in(&config_path(root), name)
}

/// The table `name` of the config file at `path`, or its default when the file or table
/// is absent.
fn table_in<T: DeserializeOwned + Default>(path: &Path, name: &str) -> anyhow::Result<T> {
    let Some(doc) = read_doc(path)? else {
        return Ok(T::default());
    };
    match doc.get(name) {
        None => Ok(T::default()),
        Some(value) => value
            .clone()
            .try_into()
            .with_context(|| format!("{}: invalid [{name}] table", path.display())),
    }
}

/// The parsed config file at `path`; `None` when it does not exist.
fn read_doc(path: &Path) -> anyhow::Result<Option<toml::Table>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let doc: toml::Table = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message()))
        .with_context(|| describe_toml_error(&text, path))?;
    Ok(Some(doc))
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
    /// Embed chunks for hybrid and semantic search (default off: see [`embeddings`]).
    pub embeddings: Option<bool>,
}

/// Whether an index embeds its chunks, and what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embeddings {
    /// Chunks are embedded (when the model is installed) and queries use the vectors.
    pub on: bool,
    /// What decided, for messages (`--embeddings`, `CTX_EMBEDDER=hash`...).
    pub by: String,
}

impl Embeddings {
    /// Why there are no vectors to search, with the way to opt in; for a semantic search
    /// that cannot be answered.
    pub fn off_reason(&self) -> String {
        format!(
            "embeddings are off ({}): lexical (BM25) search only; opt in with `ctx index \
             --embeddings` or `embeddings = true` under [index] in .ctx/config.toml (the model \
             comes from `ctx model install`)",
            self.by
        )
    }
}

/// Whether the index of the repository at `root` embeds its chunks. Lexical (BM25) is the
/// default: on the measured issues vectors did not improve packs and cost 8-80x the index
/// time (README, "Embeddings: opt-in for packs"). The first of these decides:
///
/// 1. `flag`: `ctx index --embeddings` (on) or `--no-embeddings` (off);
/// 2. `CTX_EMBEDDER` set: `none` is off, `fastembed` or `hash` (tests) is on;
/// 3. `embeddings = true|false` under `[index]` in the repository's `.ctx/config.toml`;
/// 4. the index already holds vectors (`index_has_vectors`): an index once built with
///    embeddings keeps them current, rather than leaving changed code without vectors;
/// 5. off.
///
/// The semantic tier of `ctx check` does not ask: it uses the model whenever it is
/// installed.
pub fn embeddings(
    root: &Path,
    flag: Option<bool>,
    index_has_vectors: bool,
) -> anyhow::Result<Embeddings> {
    let environment = ctx_indexers::embed::EmbedderKind::from_env()?;
    // The repository's config is read only when the flag and the environment leave it open.
    let config = || -> anyhow::Result<Option<(bool, String)>> {
        let config: IndexConfig = table(root, "index")?;
        Ok(config.embeddings.map(|on| {
            let by = format!(
                "embeddings = {on} under [index] in {}",
                config_path(root).display()
            );
            (on, by)
        }))
    };
    decide_embeddings(flag, environment, config, index_has_vectors)
}

/// [`embeddings`] on its inputs: `environment` as [`EmbedderKind::from_env`] gives it
/// (the kind and whether it was set), `config` the repository's setting and its place.
///
/// [`EmbedderKind::from_env`]: ctx_indexers::embed::EmbedderKind::from_env
fn decide_embeddings(
    flag: Option<bool>,
    environment: (ctx_indexers::embed::EmbedderKind, bool),
    config: impl FnOnce() -> anyhow::Result<Option<(bool, String)>>,
    index_has_vectors: bool,
) -> anyhow::Result<Embeddings> {
    use ctx_indexers::embed::{EmbedderKind, ENV_EMBEDDER};
    let decided = |on: bool, by: String| Ok(Embeddings { on, by });
    if let Some(on) = flag {
        let by = if on {
            "--embeddings"
        } else {
            "--no-embeddings"
        };
        return decided(on, by.to_string());
    }
    if let (kind, true) = environment {
        let name = match kind {
            EmbedderKind::Fastembed => "fastembed",
            EmbedderKind::Hash => "hash",
            EmbedderKind::None => "none",
        };
        return decided(kind != EmbedderKind::None, format!("{ENV_EMBEDDER}={name}"));
    }
    if let Some((on, by)) = config()? {
        return decided(on, by);
    }
    if index_has_vectors {
        return decided(true, "the index was built with embeddings".to_string());
    }
    decided(false, "the default".to_string())
}

/// The size limit of an index run: `flag` (`--max-file-size`), else `[index] max_file_size`
/// of the repository's config, else the default; 0 is refused with the setting named.
pub fn max_file_size(root: &Path, flag: Option<u64>) -> anyhow::Result<u64> {
    let (bytes, setting) = match flag {
        Some(bytes) => (bytes, "--max-file-size".to_string()),
        None => {
            let config: IndexConfig = table(root, "index")?;
            match config.max_file_size {
                Some(bytes) => (
                    bytes,
                    format!("[index] max_file_size in {}", config_path(root).display()),
                ),
                None => return Ok(ctx_indexers::walk::DEFAULT_MAX_FILE_SIZE),
            }
        }
    };
    ctx_indexers::walk::check_max_file_size(bytes).map_err(|e| anyhow::anyhow!("{setting}: {e}"))
}

/// The `[model]` paths from the user's config (relative ones joined onto its directory).
/// A `[model]` table in the repository's config at `root` is ignored with a warning on
/// stderr naming each key (once per process): a repository must not choose the native
/// code ctx loads.
pub fn model_config(root: &Path) -> anyhow::Result<ModelConfig> {
    warn_of_repository_model_keys(root);
    let Some(path) = user_config_path() else {
        return Ok(ModelConfig::default());
    };
    let config: ModelConfig = table_in(&path, "model")?;
    Ok(config.relative_to(path.parent().unwrap_or(Path::new("/"))))
}

/// The keys of the repository's `[model]` table, which are ignored.
pub fn repository_model_keys(root: &Path) -> Vec<String> {
    let Ok(Some(doc)) = read_doc(&config_path(root)) else {
        return Vec::new();
    };
    match doc.get("model") {
        Some(toml::Value::Table(table)) => table.keys().cloned().collect(),
        Some(_) => vec![String::new()],
        None => Vec::new(),
    }
}

fn warn_of_repository_model_keys(root: &Path) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    let keys = repository_model_keys(root);
    if keys.is_empty() {
        return;
    }
    WARNED.call_once(|| {
        for key in keys {
            eprintln!(
                "ctx: warning: ignoring [model] {key} in {}: a repository cannot choose the \
                 code ctx loads; set it in your own config ({}) or with CTX_MODEL_DIR / \
                 ORT_DYLIB_PATH",
                config_path(root).display(),
                user_config_path().map_or_else(
                    || "~/.config/ctx/config.toml".to_string(),
                    |p| p.display().to_string()
                ),
            );
        }
    });
}

/// The embedder for the chunks and queries of the index at `root` when [`embeddings`] are
/// on: `(None, None)` when they are off, `(None, Some(reason))` when they are on but no
/// model is installed. `flag` and `index_has_vectors` as for [`embeddings`]; an explicit
/// `--embeddings` without a model is an error.
pub fn chunk_embedder(
    root: &Path,
    flag: Option<bool>,
    index_has_vectors: bool,
) -> anyhow::Result<(Option<ctx_indexers::embed::LoadedEmbedder>, Option<String>)> {
    if !embeddings(root, flag, index_has_vectors)?.on {
        return Ok((None, None));
    }
    let (embedder, disabled) = load_embedder(root)?;
    if let (None, Some(reason), Some(true)) = (&embedder, &disabled, flag) {
        anyhow::bail!("--embeddings: {reason}");
    }
    Ok((embedder, disabled))
}

/// The embedder the user's config and the environment choose, with the reason it is
/// disabled when it is: the model when it is installed, whether or not the index embeds
/// its chunks (see [`chunk_embedder`] for those); the semantic tier of `ctx check` uses it.
pub fn load_embedder(
    root: &Path,
) -> anyhow::Result<(Option<ctx_indexers::embed::LoadedEmbedder>, Option<String>)> {
    let model = model_config(root)?;
    let choice = ctx_indexers::embed::load_embedder(&model)?;
    Ok(choice.into_parts())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ctx_indexers::embed::EmbedderKind;

    fn decide(
        flag: Option<bool>,
        environment: (EmbedderKind, bool),
        config: Option<bool>,
        index_has_vectors: bool,
    ) -> Embeddings {
        let config = || Ok(config.map(|on| (on, format!("config {on}"))));
        decide_embeddings(flag, environment, config, index_has_vectors).unwrap()
    }

    const UNSET: (EmbedderKind, bool) = (EmbedderKind::Fastembed, false);

    #[test]
    fn embeddings_are_off_unless_something_opts_in() {
        let off = decide(None, UNSET, None, false);
        assert_eq!((off.on, off.by.as_str()), (false, "the default"));
        for (flag, environment, config, vectors, on, by) in [
            (Some(true), UNSET, None, false, true, "--embeddings"),
            (
                None,
                (EmbedderKind::Hash, true),
                None,
                false,
                true,
                "CTX_EMBEDDER=hash",
            ),
            (
                None,
                (EmbedderKind::Fastembed, true),
                None,
                false,
                true,
                "CTX_EMBEDDER=fastembed",
            ),
            (None, UNSET, Some(true), false, true, "config true"),
            (
                None,
                UNSET,
                None,
                true,
                true,
                "the index was built with embeddings",
            ),
        ] {
            let got = decide(flag, environment, config, vectors);
            assert_eq!((got.on, got.by.as_str()), (on, by));
        }
    }

    #[test]
    fn the_first_setting_in_order_decides() {
        // flag, then environment, then the repository's config, then the index.
        let got = decide(Some(false), (EmbedderKind::Hash, true), Some(true), true);
        assert_eq!((got.on, got.by.as_str()), (false, "--no-embeddings"));
        let got = decide(None, (EmbedderKind::None, true), Some(true), true);
        assert_eq!((got.on, got.by.as_str()), (false, "CTX_EMBEDDER=none"));
        let got = decide(None, UNSET, Some(false), true);
        assert_eq!((got.on, got.by.as_str()), (false, "config false"));
        // The config is not even read when the flag decides.
        let unread = || -> anyhow::Result<Option<(bool, String)>> { anyhow::bail!("read") };
        assert!(
            decide_embeddings(Some(true), UNSET, unread, false)
                .unwrap()
                .on
        );
    }
}
