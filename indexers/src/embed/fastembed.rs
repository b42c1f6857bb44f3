//! The real embedder: a local ONNX sentence-embedding model run by fastembed.

use super::install::sha256_bytes;
use super::manifest::{Manifest, MODEL_FILES, MODEL_ONNX};
use super::paths::{ModelPaths, PathOrigin};
use super::EmbedError;
use ::fastembed::{
    InitOptionsUserDefined, Pooling, TextEmbedding, TokenizerFiles, UserDefinedEmbeddingModel,
};
use ctx_engine::embed::Embedder;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Texts per model run by default. On the code-chunk benchmark (`benches/embed.rs`, 500
/// chunks, two shared cores) 32 was as fast as 64 or 256 or faster, and it keeps the
/// working memory of one run small; texts are sorted by length so a run pads little.
pub const DEFAULT_BATCH_SIZE: usize = 32;

/// Word pieces of an indexed document (a chunk's [`ctx_engine::Chunk::embed_text`]) the
/// model reads by default: its path, symbol, signature and the start of its doc comment
/// and body. A query is read up to the model's window (128). Documents are most of the
/// work of indexing, and a BERT-style model's cost grows with the tokens it reads; see the
/// README ("Embeddings that pay for themselves") for what this window costs and finds.
/// `CTX_EMBED_DOC_TOKENS` overrides it.
pub const DEFAULT_DOCUMENT_TOKENS: usize = 64;

/// Embeds with a BERT-style ONNX model (by default all-MiniLM-L6-v2, int8) through
/// fastembed and ONNX Runtime: mean pooling, unit-length vectors, and texts truncated to
/// the model's token limit by the tokenizer.
///
/// Loaded from [`ModelPaths`]; see [`super::load_embedder`] for the usual way in.
pub struct FastEmbedder {
    model: Mutex<TextEmbedding>,
    model_id: String,
    dim: usize,
    batch_size: usize,
    /// The window for queries (the tokenizer's truncation as loaded).
    max_length: usize,
    /// The window for documents, at most `max_length`.
    document_tokens: usize,
    load_time: Duration,
}

impl std::fmt::Debug for FastEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FastEmbedder")
            .field("model_id", &self.model_id)
            .field("dim", &self.dim)
            .field("batch_size", &self.batch_size)
            .field("max_length", &self.max_length)
            .field("document_tokens", &self.document_tokens)
            .field("load_time", &self.load_time)
            .finish()
    }
}

impl FastEmbedder {
    /// Loads ONNX Runtime from `paths.ort_dylib` and the model from `paths.model_dir`.
    ///
    /// The model id is the manifest's (`all-MiniLM-L6-v2-int8`) when `model.onnx` has the
    /// pinned sha256, else `custom-<dir name>-<sha256 prefix>`; a cached model with another
    /// sha256 is corrupt and an error. The dimension is measured on a probe text.
    pub fn load(paths: &ModelPaths) -> Result<FastEmbedder, EmbedError> {
        FastEmbedder::load_with(paths, None)
    }

    /// [`FastEmbedder::load`] with a token limit other than the manifest's (128). Fewer
    /// tokens embed faster but see less of each text; the model id then ends in `-t<N>`,
    /// so an index built with another limit is re-embedded. Documents are read up to
    /// [`DEFAULT_DOCUMENT_TOKENS`] or this limit, whichever is lower.
    pub fn load_with(
        paths: &ModelPaths,
        max_tokens: Option<usize>,
    ) -> Result<FastEmbedder, EmbedError> {
        let started = Instant::now();
        let manifest = Manifest::bundled()?;
        let max_length = max_tokens.unwrap_or(manifest.model.max_length).max(8);
        load_runtime(&paths.ort_dylib)?;
        let files = read_model_files(&paths.model_dir)?;
        let mut model_id = model_id(manifest, paths, &files[0])?;
        let pinned = model_id == manifest.model.id;
        if max_length != manifest.model.max_length {
            model_id = format!("{model_id}-t{max_length}");
        }
        let [onnx, tokenizer, config, special_tokens, tokenizer_config] = files;
        let tokenizer_files = TokenizerFiles {
            tokenizer_file: tokenizer,
            config_file: config,
            special_tokens_map_file: special_tokens,
            tokenizer_config_file: tokenizer_config,
        };
        let model =
            UserDefinedEmbeddingModel::new(onnx, tokenizer_files).with_pooling(Pooling::Mean);
        // ONNX Runtime's intra-op threads spin between runs by default, burning a core after
        // every call. On two shared cores, sleeping instead made the daemon's one-text
        // embeddings faster (`ctx check` via `ctx serve`: median 15.4 -> 12.6 ms, p95 27 ->
        // 18 ms, daemon CPU per check 16 -> 8 ms) and batch indexing too (33.3 -> 29 s).
        let options = InitOptionsUserDefined::new()
            .with_max_length(max_length)
            .with_session_config("session.intra_op.allow_spinning", "0");
        let mut model = TextEmbedding::try_new_from_user_defined(model, options)
            .map_err(|e| load_error(&paths.model_dir, e))?;
        let probe = model
            .embed(["dimension probe"], None)
            .map_err(|e| load_error(&paths.model_dir, e))?;
        let dim = probe.first().map_or(0, Vec::len);
        if pinned && dim != manifest.model.dim {
            return Err(load_error(
                &paths.model_dir,
                format!(
                    "it produced {dim}-dimensional vectors, expected {}",
                    manifest.model.dim
                ),
            ));
        }
        Ok(FastEmbedder {
            model: Mutex::new(model),
            model_id,
            dim,
            batch_size: DEFAULT_BATCH_SIZE,
            max_length,
            document_tokens: DEFAULT_DOCUMENT_TOKENS.min(max_length),
            load_time: started.elapsed(),
        })
    }

    /// The same embedder reading documents up to `tokens` word pieces (from 8 up to the
    /// query window). A limit other than [`DEFAULT_DOCUMENT_TOKENS`] appends `-d<N>` to the
    /// model id, so an index embedded with another limit is re-embedded.
    pub fn with_document_tokens(mut self, tokens: usize) -> FastEmbedder {
        let tokens = tokens.clamp(8, self.max_length);
        let default = DEFAULT_DOCUMENT_TOKENS.min(self.max_length);
        if self.document_tokens != default {
            let suffix = format!("-d{}", self.document_tokens);
            let base = self.model_id.len() - suffix.len();
            self.model_id.truncate(base);
        }
        if tokens != default {
            self.model_id = format!("{}-d{tokens}", self.model_id);
        }
        self.document_tokens = tokens;
        self
    }

    /// Word pieces of a document the model reads; see [`Embedder::embed_documents`].
    pub fn document_tokens(&self) -> usize {
        self.document_tokens
    }

    /// The same embedder running `batch_size` texts per model run (at least 1).
    pub fn with_batch_size(mut self, batch_size: usize) -> FastEmbedder {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Texts per model run.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// How long [`FastEmbedder::load`] took: runtime, files, session and probe.
    pub fn load_time(&self) -> Duration {
        self.load_time
    }

    /// Embeds `texts` in runs of `batch_size`. With `sort_by_length`, texts are grouped by
    /// length so a run pads little (results keep the input order); without it, this is
    /// exactly fastembed's own batching (the benchmark's "raw" baseline). Texts are read
    /// up to the query window; see [`FastEmbedder::embed_documents_batched`].
    pub fn embed_batched<S: AsRef<str> + Send + Sync>(
        &self,
        texts: &[S],
        batch_size: usize,
        sort_by_length: bool,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.run(texts, batch_size, sort_by_length, self.max_length)
    }

    /// [`FastEmbedder::embed_batched`] reading each text up to the document window
    /// ([`FastEmbedder::document_tokens`]) instead of the query window.
    pub fn embed_documents_batched<S: AsRef<str> + Send + Sync>(
        &self,
        texts: &[S],
        batch_size: usize,
        sort_by_length: bool,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.run(texts, batch_size, sort_by_length, self.document_tokens)
    }

    /// Embeds `texts` with the tokenizer truncating at `tokens` (restored to the query
    /// window afterwards, even on error).
    fn run<S: AsRef<str> + Send + Sync>(
        &self,
        texts: &[S],
        batch_size: usize,
        sort_by_length: bool,
        tokens: usize,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut model = self.model.lock().unwrap_or_else(|p| p.into_inner());
        set_window(&mut model, tokens);
        let result = embed_runs(&mut model, texts, batch_size, sort_by_length);
        set_window(&mut model, self.max_length);
        result
    }
}

/// Sets the tokenizer's truncation length (fastembed always configures truncation).
fn set_window(model: &mut TextEmbedding, tokens: usize) {
    if let Some(truncation) = model.tokenizer.get_truncation_mut() {
        truncation.max_length = tokens;
    }
}

/// The body of [`FastEmbedder::run`].
fn embed_runs<S: AsRef<str> + Send + Sync>(
    model: &mut TextEmbedding,
    texts: &[S],
    batch_size: usize,
    sort_by_length: bool,
) -> Result<Vec<Vec<f32>>, EmbedError> {
    let batch_size = batch_size.max(1);
    if !sort_by_length {
        return model
            .embed(texts, Some(batch_size))
            .map_err(|e| EmbedError::Inference(e.to_string()));
    }
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(texts[i].as_ref().len()));
    let mut vectors = vec![Vec::new(); texts.len()];
    for run in order.chunks(batch_size) {
        let batch: Vec<&str> = run.iter().map(|&i| texts[i].as_ref()).collect();
        let embedded = model
            .embed(&batch, Some(batch_size))
            .map_err(|e| EmbedError::Inference(e.to_string()))?;
        for (&i, vector) in run.iter().zip(embedded) {
            vectors[i] = vector;
        }
    }
    Ok(vectors)
}

impl Embedder for FastEmbedder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed(&self, texts: &[String]) -> ctx_engine::Result<Vec<Vec<f32>>> {
        Ok(self.embed_batched(texts, self.batch_size, true)?)
    }

    fn embed_documents(&self, texts: &[String]) -> ctx_engine::Result<Vec<Vec<f32>>> {
        Ok(self.embed_documents_batched(texts, self.batch_size, true)?)
    }
}

/// Loads the ONNX Runtime shared library (once per process; later calls keep the first).
fn load_runtime(dylib: &Path) -> Result<(), EmbedError> {
    match ort::init_from(dylib) {
        Ok(_builder) => Ok(()),
        Err(e) => Err(EmbedError::Runtime {
            path: dylib.to_path_buf(),
            detail: e.to_string(),
        }),
    }
}

/// Reads the model directory's files in [`MODEL_FILES`] order.
fn read_model_files(dir: &Path) -> Result<[Vec<u8>; 5], EmbedError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| EmbedError::io("reading", &path, e))
    };
    Ok([
        read(MODEL_FILES[0])?,
        read(MODEL_FILES[1])?,
        read(MODEL_FILES[2])?,
        read(MODEL_FILES[3])?,
        read(MODEL_FILES[4])?,
    ])
}

/// The id recorded in indexes for the model whose graph is `onnx`.
fn model_id(manifest: &Manifest, paths: &ModelPaths, onnx: &[u8]) -> Result<String, EmbedError> {
    let found = sha256_bytes(onnx);
    let pinned = manifest.model_onnx_sha256().unwrap_or_default();
    if found == pinned {
        return Ok(manifest.model.id.clone());
    }
    if paths.model_origin == PathOrigin::Cache {
        return Err(EmbedError::Checksum {
            path: paths.model_dir.join(MODEL_ONNX),
            expected: pinned.to_string(),
            found,
        });
    }
    let name = paths
        .model_dir
        .file_name()
        .map_or_else(|| "model".into(), |n| n.to_string_lossy());
    Ok(format!("custom-{name}-{}", &found[..12]))
}

fn load_error(dir: &Path, detail: impl std::fmt::Display) -> EmbedError {
    EmbedError::Load {
        dir: dir.to_path_buf(),
        detail: detail.to_string(),
    }
}
