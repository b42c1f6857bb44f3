//! The work behind each MCP tool: blocking calls into ctx-engine and ctx-indexers, the
//! same library functions the matching `ctx` commands call.

use super::params::{
    AnchorAddParams, AnchorsParams, CheckParams, PackFormat, PackParams, PolarityParam,
    ReindexParams, SearchMode, SearchParams, SeverityParam, StatusParams,
};
use super::paths::inside_root;
use anyhow::{bail, ensure, Context};
use ctx_check::action::{self, Action};
use ctx_check::semantic::SemanticVerdicts;
use ctx_engine::anchor::{pinned, Anchor, AnchorSet, Polarity, Severity};
use ctx_engine::check::{ActionFacts, PathContext, Verdict};
use ctx_engine::embed::Embedder;
use ctx_engine::pack::{
    find_profile, load_profiles, pack_index, parse_budget, FileFilter, Format, Pack, PackOptions,
    PlanInput, DEFAULT_PROFILE,
};
use ctx_engine::search::SearchRequest;
use ctx_engine::{Error, Index};
use ctx_indexers::embed::LoadedEmbedder;
use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, RwLock};

/// Most hits `search` returns.
const MAX_HITS: usize = 50;
/// Characters of a hit's text `search` returns.
const MAX_HIT_CHARS: usize = 4_000;
/// The pack budget when neither a budget nor a model is given: an agent's context is
/// precious, so the default is modest.
const DEFAULT_MCP_BUDGET: u64 = 32_000;
/// Largest text `check_action` accepts in one field.
const MAX_CHECK_BYTES: usize = 8 << 20;
/// Files the daemon embeds per hold of the writer in the background: a file-change update
/// waits for at most one such group.
const BACKGROUND_FILES: usize = 16;

/// What every tool call shares: the repository, the embedding model (loaded once) and,
/// in the daemon, the open index.
pub struct Shared {
    root: PathBuf,
    embedder: Mutex<Option<Arc<LoadedEmbedder>>>,
    held: Option<Held>,
    verdicts: SemanticVerdicts,
}

/// The daemon's index: the writer its index runs use, and the published generation every
/// query reads. Queries never wait for an index run: they read the generation published
/// before it, which is replaced after each run. The writer is `None` while another
/// process (`ctx index`) holds the index's writer lock: queries are answered meanwhile,
/// and the daemon takes the writer when that process ends ([`Shared::take_writer`]).
struct Held {
    writer: Mutex<Option<Index>>,
    published: RwLock<Option<Arc<Index>>>,
    background: Background,
}

/// The embedding the daemon left for later: its index runs index lexically, publish, and
/// queue the files still without vectors here; [`Shared::embed_in_background`] embeds them
/// a group at a time. Until the queue is empty, queries answer lexically and say so (a
/// half-embedded index would rank the embedded files above the rest).
#[derive(Default)]
struct Background {
    /// Files still to embed (0: nothing queued, queries use vectors).
    pending: Mutex<usize>,
    /// Signalled when files are queued.
    queued: Condvar,
}

impl Held {
    /// The published index queries read.
    fn published(&self, root: &Path) -> anyhow::Result<Arc<Index>> {
        if let Some(index) = self
            .published
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            return Ok(index.clone());
        }
        self.refresh(root)?;
        self.published
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .context("the index is not published")
    }

    /// Reads the newly published generation (after a run).
    fn refresh(&self, root: &Path) -> anyhow::Result<()> {
        let index = open_index(root)?;
        *self.published.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(index));
        Ok(())
    }
}

impl Shared {
    /// State for the repository at `root` (canonical); the index is opened per call.
    pub fn new(root: PathBuf) -> Shared {
        Shared {
            root,
            embedder: Mutex::new(None),
            held: None,
            verdicts: SemanticVerdicts::default(),
        }
    }

    /// State that keeps `writer` (opened for writing; `None` while another process writes,
    /// see [`Shared::take_writer`]) and the published index open, and `embedder` loaded:
    /// the daemon's.
    pub fn holding(
        root: PathBuf,
        writer: Option<Index>,
        embedder: Option<LoadedEmbedder>,
    ) -> Shared {
        let published = Index::open(&root).ok().map(Arc::new);
        Shared {
            root,
            embedder: Mutex::new(embedder.map(Arc::new)),
            held: Some(Held {
                writer: Mutex::new(writer),
                published: RwLock::new(published),
                background: Background::default(),
            }),
            verdicts: SemanticVerdicts::default(),
        }
    }

    /// The repository root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The verdict on `facts`: `ctx check`'s rule path on cached anchors, plus the
    /// semantic tier with the loaded model (see [`ctx_check::semantic`]).
    pub fn verdict(&self, facts: &ActionFacts) -> anyhow::Result<Verdict> {
        let loaded = self.embedder(false).unwrap_or(None);
        let embedder = loaded.as_deref().map(|e| e as &dyn Embedder);
        Ok(self.verdicts.verdict(&self.root, facts, embedder)?)
    }

    /// Runs `f` on the published index: the daemon's, or one opened for this call.
    pub fn with_index<T>(&self, f: impl FnOnce(&Index) -> anyhow::Result<T>) -> anyhow::Result<T> {
        match &self.held {
            Some(held) => f(held.published(&self.root)?.as_ref()),
            None => f(&open_index(&self.root)?),
        }
    }

    /// Runs `f` on the daemon's writer, then lets queries read what it published. An error
    /// at once while another process holds the writer lock.
    fn with_writer<T>(&self, f: impl FnOnce(&mut Index) -> anyhow::Result<T>) -> anyhow::Result<T> {
        let held = self
            .held
            .as_ref()
            .context("only the ctx serve daemon holds an index")?;
        let mut slot = held.writer.lock().unwrap_or_else(|e| e.into_inner());
        let Some(writer) = slot.as_mut() else {
            bail!(
                "another ctx process is writing this index; the ctx serve daemon answers from the published index and takes over writing when that process ends: try again then"
            );
        };
        let result = f(writer);
        drop(slot);
        held.refresh(&self.root)?;
        result
    }

    /// Takes the index's writer lock for the daemon, waiting for the process that holds it
    /// to finish; then queries read what that process published. For a daemon started
    /// while another process wrote (see [`Held`]).
    pub fn take_writer(&self) -> anyhow::Result<()> {
        let held = self
            .held
            .as_ref()
            .context("only the ctx serve daemon holds an index")?;
        let index = Index::writer(&self.root, false, ctx_engine::index::Wait::Queue(&|| {}))
            .context("opening the index for writing")?;
        *held.writer.lock().unwrap_or_else(|e| e.into_inner()) = Some(index);
        held.refresh(&self.root)
    }

    /// Packs with the repository's anchors on the held index, with the loaded embedder when
    /// the index embeds its chunks (hybrid ranking), else lexically.
    pub fn pack(&self, options: &PackOptions) -> anyhow::Result<Pack> {
        let anchors = AnchorSet::load(&self.root).context("loading anchors")?;
        let embedder = self.query_embedder(false).unwrap_or(None);
        let note = self.lexical_note();
        let mut pack = self.with_index(|index| {
            Ok(pack_index(
                index,
                embedder.as_deref().map(|e| e as &dyn Embedder),
                &anchors,
                options,
            )?)
        })?;
        pack.warnings.extend(note);
        Ok(pack)
    }

    /// Files the daemon still has to embed in the background (0 outside the daemon).
    pub fn vectors_pending(&self) -> usize {
        self.held.as_ref().map_or(0, |held| {
            *held
                .background
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
        })
    }

    /// What a query answered while the daemon embeds in the background says: that it was
    /// answered lexically, and why. `None` when nothing is pending.
    pub fn lexical_note(&self) -> Option<String> {
        match self.vectors_pending() {
            0 => None,
            n => Some(format!(
                "answered lexically: the ctx serve daemon is still embedding {n} files in the background (hybrid ranking when it is done)"
            )),
        }
    }

    /// Queues the embedding of every file of the held index still without vectors (see
    /// [`ctx_indexers::pipeline::files_missing_vectors`]) for [`Shared::embed_in_background`];
    /// how many files. 0 outside the daemon or when the index has no model.
    pub fn queue_missing_vectors(&self) -> anyhow::Result<usize> {
        let Some(held) = &self.held else {
            return Ok(0);
        };
        let slot = held.writer.lock().unwrap_or_else(|e| e.into_inner());
        let Some(index) = slot.as_ref() else {
            return Ok(0);
        };
        let files = ctx_indexers::pipeline::files_missing_vectors(index)
            .context("finding the files without vectors")?
            .len();
        drop(slot);
        self.set_pending(files);
        Ok(files)
    }

    fn set_pending(&self, files: usize) {
        if let Some(held) = &self.held {
            *held
                .background
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = files;
            held.background.queued.notify_all();
        }
    }

    /// The daemon's background embedder: waits for files to be queued, then embeds them
    /// [`BACKGROUND_FILES`] at a time, taking the writer for each group (so file-change
    /// updates interleave) and publishing after it, until none is left. Runs for the
    /// daemon's life; errors are printed and leave the queue empty (the next index run
    /// queues again).
    pub fn embed_in_background(&self) {
        let Some(held) = &self.held else {
            return;
        };
        loop {
            {
                let mut pending = held
                    .background
                    .pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                while *pending == 0 {
                    pending = held
                        .background
                        .queued
                        .wait(pending)
                        .unwrap_or_else(|e| e.into_inner());
                }
            }
            if let Err(e) = self.embed_queued() {
                eprintln!("ctx serve: embedding in the background failed: {e:#}; queries stay lexical until the next `ctx index`");
            }
            self.set_pending(0);
        }
    }

    /// One pass of [`Shared::embed_in_background`] over the files still without vectors.
    fn embed_queued(&self) -> anyhow::Result<()> {
        let files =
            self.with_writer(|index| Ok(ctx_indexers::pipeline::files_missing_vectors(index)?))?;
        let mut left = files.len();
        self.set_pending(left);
        for group in files.chunks(BACKGROUND_FILES) {
            let embedded = self.with_writer(|index| {
                let has_vectors = index.meta().model.is_some();
                let Some(embedder) = self.chunk_embedder(None, has_vectors)? else {
                    return Ok(None);
                };
                Ok(Some(ctx_indexers::pipeline::embed_files(
                    index,
                    group,
                    embedder.as_ref(),
                )?))
            })?;
            if embedded.is_none() {
                // Embeddings were turned off meanwhile: nothing more to do.
                return Ok(());
            }
            left -= group.len();
            self.set_pending(left.max(1));
        }
        Ok(())
    }

    /// The embedder for an index run on an index that holds vectors or not, when
    /// embeddings are on (`flag` and the rest as `config::embeddings` decides); `None` when
    /// they are off or no model is installed. An explicit `--embeddings` without a model
    /// is an error, as in `ctx index`.
    pub fn chunk_embedder(
        &self,
        flag: Option<bool>,
        index_has_vectors: bool,
    ) -> anyhow::Result<Option<Arc<LoadedEmbedder>>> {
        if !crate::config::embeddings(&self.root, flag, index_has_vectors)?.on {
            return Ok(None);
        }
        let embedder = self.embedder(false)?;
        if embedder.is_none() && flag == Some(true) {
            let (_, reason) = crate::config::load_embedder(&self.root)?;
            bail!(
                "--embeddings: {}",
                reason.unwrap_or_else(|| "no embedding model is loaded".into())
            );
        }
        Ok(embedder)
    }

    /// The embedder for a search query on the published index: as [`Shared::chunk_embedder`]
    /// decides for it; when `required` (semantic search) and there is none, an error that
    /// says why and how to opt in.
    /// While the daemon embeds in the background ([`Shared::lexical_note`]), `None`, or an
    /// error when `required`.
    pub fn query_embedder(&self, required: bool) -> anyhow::Result<Option<Arc<LoadedEmbedder>>> {
        if let Some(note) = self.lexical_note() {
            if required {
                bail!("semantic search unavailable: {note}; use mode \"lexical\" or \"hybrid\", or wait");
            }
            return Ok(None);
        }
        let has_vectors = self.with_index(|index| Ok(index.meta().model.is_some()))?;
        let choice = crate::config::embeddings(&self.root, None, has_vectors)?;
        if !choice.on {
            if required {
                bail!(
                    "semantic search unavailable: {}; use mode \"lexical\" or \"hybrid\"",
                    choice.off_reason()
                );
            }
            return Ok(None);
        }
        self.embedder(required)
    }

    /// The model, loaded on first use, whether or not the index embeds its chunks (the
    /// semantic tier of `check_action` uses it); `None` when none is installed or
    /// `CTX_EMBEDDER=none` (an error when `required`, as semantic search needs it).
    pub fn embedder(&self, required: bool) -> anyhow::Result<Option<Arc<LoadedEmbedder>>> {
        let mut slot = self.embedder.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(embedder) = slot.as_ref() {
            return Ok(Some(embedder.clone()));
        }
        let (embedder, disabled) = crate::config::load_embedder(&self.root)?;
        match (embedder, disabled) {
            (Some(embedder), _) => {
                let embedder = Arc::new(embedder);
                *slot = Some(embedder.clone());
                Ok(Some(embedder))
            }
            (None, Some(reason)) if required => {
                bail!("semantic search unavailable: {reason}; use mode \"lexical\" or \"hybrid\"")
            }
            (None, _) => Ok(None),
        }
    }
}

/// A tool result carrying `value` as structured content and as JSON text.
pub fn structured(value: Value) -> CallToolResult {
    CallToolResult::structured(value)
}

fn open_index(root: &Path) -> anyhow::Result<Index> {
    match Index::open(root) {
        Ok(index) => Ok(index),
        Err(Error::NoIndex(_)) => bail!(
            "no index at {:?}: call the reindex tool (or run `ctx index`) first",
            root.display().to_string()
        ),
        Err(e) => Err(e).context("opening the index"),
    }
}

/// `search`: hits with their location, symbol, score and (by default) text.
pub fn search(shared: &Shared, params: SearchParams) -> anyhow::Result<CallToolResult> {
    ensure!(
        !params.query.trim().is_empty(),
        "the query is empty: give words, identifiers or a description of the code to find"
    );
    let k = params.k.unwrap_or(10);
    ensure!(
        (1..=MAX_HITS).contains(&k),
        "k = {k} is out of range: ask for 1 to {MAX_HITS} hits"
    );
    let mode = match params.mode {
        SearchMode::Hybrid => ctx_engine::search::SearchMode::Hybrid,
        SearchMode::Lexical => ctx_engine::search::SearchMode::Lexical,
        SearchMode::Semantic => ctx_engine::search::SearchMode::Semantic,
    };
    let embedder = match params.mode {
        SearchMode::Lexical => None,
        other => shared.query_embedder(other == SearchMode::Semantic)?,
    };
    let request = SearchRequest {
        query: params.query.clone(),
        mode,
        k,
    };
    let include_text = params.include_text.unwrap_or(true);
    let out = shared.with_index(|index| {
        let hits = index
            .search(&request, embedder.as_deref().map(|e| e as &dyn Embedder))
            .context("searching")?;
        let mut out = Vec::with_capacity(hits.len());
        for hit in &hits {
            let mut value = serde_json::to_value(hit)?;
            if include_text {
                if let Some(chunk) = index.chunk(&hit.path, hit.ordinal)? {
                    value["text"] = json!(truncate(&chunk.text, MAX_HIT_CHARS));
                }
            }
            out.push(value);
        }
        Ok(out)
    })?;
    let mut value = json!({"query": params.query, "hits": out});
    if let (Some(note), false) = (shared.lexical_note(), params.mode == SearchMode::Lexical) {
        value["note"] = json!(note);
    }
    Ok(structured(value))
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}\n… (truncated)", &text[..cut]),
    }
}

/// `pack`: the prompt text, then a one-line JSON summary.
pub fn pack(shared: &Shared, params: PackParams) -> anyhow::Result<CallToolResult> {
    let root = &shared.root;
    let profiles = load_profiles(root)?;
    let profile = find_profile(
        &profiles,
        params.model.as_deref().unwrap_or(DEFAULT_PROFILE),
    )?;
    let budget = match (&params.budget, &params.model) {
        (Some(text), _) => Some(parse_budget(text)?),
        (None, None) => Some(DEFAULT_MCP_BUDGET),
        (None, Some(_)) => None,
    };
    for glob in params.include.iter().chain(&params.exclude) {
        globset::Glob::new(glob).map_err(|e| {
            anyhow::anyhow!("invalid glob {glob:?}: {e}; use globs like \"src/**\"")
        })?;
    }
    let plan = ctx_engine::anchor::load_plan(root)
        .context("loading the pinned plan")?
        .map(|plan| PlanInput {
            json: serde_json::to_string_pretty(&plan).expect("plans serialize"),
            files: plan.scope(),
        });
    let format = match params.format {
        PackFormat::Xml => Format::Xml,
        PackFormat::Markdown => Format::Markdown,
        PackFormat::Json => Format::Json,
    };
    let options = PackOptions {
        profile,
        budget,
        reserve: None,
        query: params.query,
        plan,
        format,
        filter: FileFilter {
            include: params.include,
            exclude: params.exclude,
        },
        explain: false,
    };
    let pack = shared.pack(&options)?;
    let summary = json!({
        "budget": pack.budget, "reserve": pack.reserve, "tokens": pack.tokens,
        "tokenizer": pack.tokenizer, "model": pack.model, "anchors": pack.anchors,
        "items": pack.items.len(), "dropped": pack.dropped.len(),
    });
    if format == Format::Json {
        return Ok(structured(serde_json::to_value(&pack)?));
    }
    Ok(CallToolResult::success(vec![
        ContentBlock::text(pack.prompt),
        ContentBlock::text(json!({"summary": summary}).to_string()),
    ]))
}

fn anchor_value(anchor: &Anchor) -> Value {
    let mut anchor = anchor.clone();
    anchor.embedding = None;
    serde_json::to_value(&anchor).expect("anchors serialize")
}

/// `anchors`: every anchor, or one in full.
pub fn anchors(shared: &Shared, params: AnchorsParams) -> anyhow::Result<CallToolResult> {
    let set = AnchorSet::load(&shared.root).context("loading anchors")?;
    if let Some(id) = params
        .id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
    {
        let anchor = set
            .find(id)
            .map_err(|e| anyhow::anyhow!("{e}; call anchors without an id to list them"))?;
        return Ok(structured(json!({"anchor": anchor_value(anchor)})));
    }
    let list: Vec<Value> = set.anchors().iter().map(anchor_value).collect();
    Ok(structured(json!({
        "anchors": list,
        "diagnostics": set.diagnostics(),
    })))
}

/// `anchor_add`: pins a rule in `.ctx/anchors.toml`, compiled as `ctx anchors add` does.
pub fn anchor_add(shared: &Shared, params: AnchorAddParams) -> anyhow::Result<CallToolResult> {
    ensure!(
        !params.text.trim().is_empty(),
        "the rule text is empty: give the rule in words, e.g. \"Never push to main\""
    );
    let polarity = match params.polarity {
        PolarityParam::Never => Polarity::Never,
        PolarityParam::Always => Polarity::Always,
        PolarityParam::Allowed => Polarity::Allowed,
    };
    let severity = match params.severity {
        SeverityParam::Block => Severity::Block,
        SeverityParam::Ask => Severity::Ask,
        SeverityParam::Warn => Severity::Warn,
    };
    let compiled = ctx_indexers::constraint::compile_text(&params.text, polarity);
    let scope = if params.scope.is_empty() {
        compiled.scope.clone()
    } else {
        params.scope
    };
    let new = pinned::NewPinned {
        text: params.text,
        id: None,
        polarity,
        severity,
        scope,
        forbid_command: params.forbid_command,
        forbid_path: params.forbid_path,
        forbid_pattern: params.forbid_pattern,
        matchers: compiled.matchers,
        notes: compiled.notes,
    };
    let id = pinned::add_pinned(&shared.root, &new).context("pinning the anchor")?;
    let set = AnchorSet::load(&shared.root).context("loading anchors")?;
    let anchor = set.find(&id).map_err(anyhow::Error::msg)?;
    Ok(structured(json!({"pinned": anchor_value(anchor)})))
}

/// `check_action`: the verdict the hooks would give, with the evidence. Not logged to the
/// drift log: the model is asking, not acting.
pub fn check_action(shared: &Shared, params: CheckParams) -> anyhow::Result<CallToolResult> {
    for (name, field) in [
        ("command", &params.command),
        ("content", &params.content),
        ("old", &params.old),
        ("new", &params.new),
        ("diff", &params.diff),
    ] {
        if let Some(text) = field {
            ensure!(
                text.len() <= MAX_CHECK_BYTES,
                "{name} is {} bytes, more than the {MAX_CHECK_BYTES} check_action accepts; check a smaller change",
                text.len()
            );
        }
    }
    let paths = PathContext::new(&shared.root, &shared.root);
    let (facts, summary) = check_facts(&paths, &params)?;
    let verdict = shared.verdict(&facts)?;
    let mut data = serde_json::to_value(&verdict)?;
    data["action"] = json!(summary);
    Ok(structured(data))
}

fn check_facts(paths: &PathContext, params: &CheckParams) -> anyhow::Result<(ActionFacts, String)> {
    let given = [
        params.command.is_some(),
        params.path.is_some(),
        params.diff.is_some(),
    ];
    ensure!(
        given.iter().filter(|g| **g).count() == 1,
        "give exactly one of: command (a shell command), path with content or with old and new (a file change), or diff (a unified diff)"
    );
    if let Some(command) = &params.command {
        let dir = match &params.cwd {
            Some(cwd) => Some(
                inside_root(paths, cwd)
                    .map_err(anyhow::Error::msg)?
                    .relative,
            ),
            None => None,
        };
        let action = Action::Command {
            command: command.clone(),
            dir,
        };
        let facts = action::facts(&action, paths)?;
        return Ok((facts, format!("command: {command}")));
    }
    if let Some(diff) = &params.diff {
        return Ok((action::diff_facts(diff, paths)?, "diff".into()));
    }
    let raw = params.path.as_deref().unwrap_or_default();
    let path = inside_root(paths, raw)
        .map_err(anyhow::Error::msg)?
        .relative;
    let action = match (&params.content, &params.old, &params.new) {
        (Some(content), None, None) => Action::Write {
            path: path.clone(),
            content: content.clone(),
        },
        (None, Some(old), Some(new)) => Action::Edit {
            path: path.clone(),
            edits: vec![(old.clone(), new.clone())],
        },
        _ => bail!(
            "a file change for {raw:?} needs either content (the whole new file) or both old and new (an edit), not both"
        ),
    };
    let facts = action::facts(&action, paths)?;
    Ok((facts, format!("change: {path}")))
}

/// `index_status`: what is indexed and whether files changed since.
pub fn index_status(shared: &Shared, _params: StatusParams) -> anyhow::Result<CallToolResult> {
    let (files, model, meta) = shared.with_index(|index| {
        let model = index
            .meta()
            .model
            .as_ref()
            .map(|m| format!("{} ({} dims)", m.id, m.dim));
        Ok((index.files()?, model, index.meta().clone()))
    })?;
    let last_indexed = meta.last_indexed;
    let mut languages: BTreeMap<String, usize> = BTreeMap::new();
    for file in &files {
        *languages.entry(file.language.clone()).or_default() += 1;
    }
    // The walk `ctx status` and the fresh re-index use: the configured `[index]` limit,
    // raised to the one the last run recorded, so a file that run indexed with a larger
    // `--max-file-size` is not reported deleted.
    let found = crate::freshness::changes(&shared.root, &files, &meta)?;
    let (changed, added, deleted) = (found.modified, found.added, found.deleted);
    let stale = !(changed.is_empty() && added.is_empty() && deleted.is_empty());
    Ok(structured(json!({
        "root": shared.root.display().to_string(),
        "files": files.len(),
        "chunks": files.iter().map(|f| f.chunks as u64).sum::<u64>(),
        "tokens": files.iter().map(|f| f.tokens).sum::<u64>(),
        "languages": languages,
        "model": model,
        "last_indexed": last_indexed,
        "up_to_date": !stale,
        "changed": changed, "added": added, "deleted": deleted,
        "advice": if stale { "call reindex to bring the index up to date" } else { "" },
    })))
}

/// `reindex`: an incremental (or full) index run, as `ctx index` does.
pub fn reindex(shared: &Shared, params: ReindexParams) -> anyhow::Result<CallToolResult> {
    if shared.held.is_some() {
        return held_index_run(shared, params.rebuild, None, None).map(structured);
    }
    // MCP clients are agents: tell them at once, rather than hang, when a run is going.
    let root = &shared.root;
    let mut index = match if params.rebuild {
        Index::rebuild(root)
    } else {
        Index::create(root)
    } {
        Ok(index) => index,
        Err(Error::Locked(_)) => bail!(
            "another ctx process is indexing this repository; wait for it to finish and call reindex again"
        ),
        Err(e) => return Err(e).context("opening the index for writing"),
    };
    index_run(shared, &mut index, None, None).map(structured)
}

/// An index run on the index the daemon holds (rebuilt first when asked); the summary as
/// JSON. An error outside the daemon.
pub fn held_index_run(
    shared: &Shared,
    rebuild: bool,
    max_file_size: Option<u64>,
    embeddings: Option<bool>,
) -> anyhow::Result<Value> {
    shared.with_writer(|index| {
        if rebuild {
            rebuild_held(shared, index)?;
        }
        index_run(shared, index, max_file_size, embeddings)
    })
}

/// Replaces the index the daemon holds by an empty one, as `Index::rebuild` does: the held
/// index is closed first (it holds the lock `rebuild` takes), and reopened as it was when
/// the rebuild fails.
fn rebuild_held(shared: &Shared, index: &mut Index) -> anyhow::Result<()> {
    drop(std::mem::replace(index, Index::in_memory()?));
    match Index::rebuild(&shared.root) {
        Ok(fresh) => {
            *index = fresh;
            Ok(())
        }
        Err(e) => {
            *index = Index::create(&shared.root).context("reopening the index")?;
            Err(e).context("rebuilding the index")
        }
    }
}

/// The daemon's update after file changes: only `paths` (relative to the root; directories
/// stand for the files under them) are re-indexed, then anchors are re-extracted when a
/// document among them changed. How many files were indexed or deleted.
pub fn reindex_paths(shared: &Shared, paths: &[String]) -> anyhow::Result<usize> {
    let options = index_options(&shared.root, None)?;
    shared.with_writer(|index| {
        let embedder = shared.chunk_embedder(None, index.meta().model.is_some())?;
        let embedder_ref = embedder.as_deref().map(|e| e as &dyn Embedder);
        let summary =
            ctx_indexers::pipeline::index_paths(index, &shared.root, paths, &options, embedder_ref)
                .context("indexing the changed files")?;
        crate::anchors_index::refresh(&shared.root, index, &summary)?;
        Ok((summary.indexed + summary.deleted) as usize)
    })
}

/// Removes the vectors no chunk uses any more from the held index (path updates leave
/// them); how many.
pub fn collect_garbage(shared: &Shared) -> anyhow::Result<usize> {
    shared.with_writer(|index| index.collect_garbage().context("collecting unused vectors"))
}

/// A whole incremental run on the held index, for file changes a path update cannot cover
/// (ignore rules changed, watcher events lost): how many files were indexed or deleted.
pub fn reindex_quietly(shared: &Shared) -> anyhow::Result<usize> {
    let value = reindex(shared, ReindexParams::default())?;
    let summary = value.structured_content.unwrap_or_default();
    let count = |key: &str| summary[key].as_u64().unwrap_or(0) as usize;
    Ok(count("indexed") + count("deleted"))
}

/// The index options of `root`'s `[index]` config, `max_file_size` overriding it.
fn index_options(
    root: &Path,
    max_file_size: Option<u64>,
) -> anyhow::Result<ctx_indexers::pipeline::IndexOptions> {
    Ok(ctx_indexers::pipeline::IndexOptions {
        walk: ctx_indexers::walk::WalkOptions {
            max_file_size: crate::config::max_file_size(root, max_file_size)?,
        },
        ..Default::default()
    })
}

/// One incremental index run on `index` (files above `max_file_size` bytes skipped, when
/// given, instead of the configured limit), then the anchors refresh; the summary as JSON.
fn index_run(
    shared: &Shared,
    index: &mut Index,
    max_file_size: Option<u64>,
    embeddings: Option<bool>,
) -> anyhow::Result<Value> {
    let root = &shared.root;
    let embedder = shared.chunk_embedder(embeddings, index.meta().model.is_some())?;
    let options = index_options(root, max_file_size)?;
    // The daemon indexes lexically, publishes, and embeds afterwards in the background
    // (see `Background`), so that queries answer at once; elsewhere the run embeds.
    let deferred = match (&embedder, &shared.held) {
        (Some(embedder), Some(_)) => {
            let previous = index.use_model(embedder.as_ref())?;
            Some((embedder.model_id().to_string(), previous))
        }
        _ => None,
    };
    let embedder_ref = match deferred {
        Some(_) => None,
        None => embedder.as_deref().map(|e| e as &dyn Embedder),
    };
    let mut summary = ctx_indexers::pipeline::index_repository(
        index,
        root,
        &options,
        embedder_ref,
        &ctx_indexers::pipeline::NoProgress,
    )
    .context("indexing")?;
    if let Some((model, previous)) = deferred {
        if let Some(previous) = previous {
            summary.problems.push(format!(
                "model changed from '{}' to '{model}': re-embedding every chunk",
                previous.id
            ));
        }
        summary.model = Some(model);
        let files = ctx_indexers::pipeline::files_missing_vectors(index)?.len();
        summary.vectors_pending = files as u64;
        if files > 0 {
            // The run's own commit published the lexical index; the background embedder
            // waits for this writer hold to end.
            shared.set_pending(files);
        }
    }
    let anchors = crate::anchors_index::refresh(root, index, &summary)?;
    let mut value = serde_json::to_value(&summary)?;
    value["anchors"] = json!(anchors);
    Ok(value)
}

/// Runs the tool `name` on JSON `arguments`: the daemon's entry point, with the same
/// arguments and results as the MCP tools.
pub fn dispatch(shared: &Shared, name: &str, arguments: Value) -> CallToolResult {
    let result = match name {
        "search" => parse(name, arguments).and_then(|p| search(shared, p)),
        "pack" => parse(name, arguments).and_then(|p| pack(shared, p)),
        "anchors" => parse(name, arguments).and_then(|p| anchors(shared, p)),
        "anchor_add" => parse(name, arguments).and_then(|p| anchor_add(shared, p)),
        "check_action" => parse(name, arguments).and_then(|p| check_action(shared, p)),
        "index_status" => parse(name, arguments).and_then(|p| index_status(shared, p)),
        "reindex" => parse(name, arguments).and_then(|p| reindex(shared, p)),
        other => Err(anyhow::anyhow!(
            "unknown tool {other:?}: use search, pack, anchors, anchor_add, check_action, index_status, reindex, ping or stop"
        )),
    };
    redacted(result.unwrap_or_else(|e| tool_error(format!("{e:#}"))))
}

/// `result` with every secret masked (see [`ctx_engine::secrets`]): the structured content,
/// and each text block (a block holding the structured content's JSON is rebuilt from the
/// masked value, so its escapes stay valid). Every tool result leaves through this.
pub fn redacted(mut result: CallToolResult) -> CallToolResult {
    let structured_text = result.structured_content.as_ref().map(Value::to_string);
    if let Some(value) = result.structured_content.as_mut() {
        ctx_engine::secrets::redact_json(value);
    }
    let masked_text = result.structured_content.as_ref().map(Value::to_string);
    for block in &mut result.content {
        let Ok(mut value) = serde_json::to_value(&*block) else {
            continue;
        };
        match value.get_mut("text") {
            Some(Value::String(text)) if Some(&*text) == structured_text.as_ref() => {
                *text = masked_text.clone().unwrap_or_default();
            }
            Some(text) => {
                ctx_engine::secrets::redact_json(text);
            }
            None => continue,
        }
        if let Ok(masked) = serde_json::from_value(value) {
            *block = masked;
        }
    }
    result
}

/// A tool error whose text is `message`.
pub fn tool_error(message: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

/// Reads a tool's JSON arguments into its parameters, with an error a model can act on.
pub fn parse<P: serde::de::DeserializeOwned>(tool: &str, arguments: Value) -> anyhow::Result<P> {
    serde_json::from_value(arguments).map_err(|e| {
        anyhow::anyhow!("invalid arguments for {tool}: {e}; see the tool's JSON schema")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A daemon's state on a lexical index of a small tree.
    fn held(dir: &Path) -> Shared {
        std::fs::write(
            dir.join("store.rs"),
            "/// Opens the session store.\nfn open_session_store() {}\n",
        )
        .unwrap();
        let mut index = Index::create(dir).unwrap();
        ctx_indexers::pipeline::index_repository(
            &mut index,
            dir,
            &Default::default(),
            None,
            &ctx_indexers::pipeline::NoProgress,
        )
        .unwrap();
        Shared::holding(dir.to_path_buf(), Some(index), None)
    }

    #[test]
    fn while_the_daemon_embeds_in_the_background_queries_answer_lexically_and_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let shared = held(dir.path());
        let search_params = |mode| SearchParams {
            query: "session store".into(),
            mode,
            k: Some(5),
            include_text: Some(false),
        };
        let pack_options = || PackOptions {
            profile: find_profile(&load_profiles(dir.path()).unwrap(), DEFAULT_PROFILE).unwrap(),
            budget: Some(8_000),
            reserve: None,
            query: "open the session store".into(),
            plan: None,
            format: Format::Markdown,
            filter: FileFilter::default(),
            explain: false,
        };
        assert_eq!(shared.lexical_note(), None);
        let quiet = search(&shared, search_params(SearchMode::Hybrid)).unwrap();
        assert!(quiet.structured_content.unwrap().get("note").is_none());

        shared.set_pending(3);
        let note = shared
            .lexical_note()
            .expect("a note while files are pending");
        assert!(
            note.contains("answered lexically") && note.contains("3 files"),
            "{note}"
        );
        let answer = search(&shared, search_params(SearchMode::Hybrid)).unwrap();
        let value = answer.structured_content.unwrap();
        assert_eq!(value["note"], json!(note));
        assert_eq!(value["hits"][0]["path"], json!("store.rs"));
        let lexical = search(&shared, search_params(SearchMode::Lexical)).unwrap();
        assert!(lexical.structured_content.unwrap().get("note").is_none());
        let semantic = search(&shared, search_params(SearchMode::Semantic)).unwrap_err();
        assert!(
            format!("{semantic:#}").contains("answered lexically"),
            "{semantic:#}"
        );
        let pack = shared.pack(&pack_options()).unwrap();
        assert!(pack.warnings.contains(&note), "{:?}", pack.warnings);

        shared.set_pending(0);
        assert!(shared.pack(&pack_options()).unwrap().warnings.is_empty());
    }

    #[test]
    fn outside_the_daemon_nothing_is_pending() {
        let dir = tempfile::tempdir().unwrap();
        let shared = Shared::new(dir.path().to_path_buf());
        shared.set_pending(5);
        assert_eq!(shared.vectors_pending(), 0);
        assert_eq!(shared.queue_missing_vectors().unwrap(), 0);
        assert_eq!(shared.lexical_note(), None);
    }
}
