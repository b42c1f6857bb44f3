//! Verdicts where the model is loaded: the rule path on cached anchors, plus the semantic
//! tier (embedding similarity to semantic-only anchors, warn only).
//!
//! The daemon (and `ctx mcp`) keep the parsed [`AnchorSet`] and the embeddings of its
//! semantic-only anchors between checks ([`SemanticVerdicts`]), and reload them when one of
//! the files they come from changes (`.ctx/anchors.toml`, `.ctx/extracted-anchors.json`,
//! `.ctx/plan.json`, `.ctx/config.toml`). When the semantic tier finds nothing, the verdict
//! is exactly the in-process one ([`verdict_for`]); otherwise its warnings are combined with
//! the rule findings by the same [`check::decide`].

use crate::verdicts::{load_anchors, verdict_for};
use crate::Result;
use ctx_engine::anchor::{extracted_path, pinned_path, plan_path, AnchorSet, Finding};
use ctx_engine::check::{self, config_path, ActionFacts, CheckConfig, FileOp, Verdict};
use ctx_engine::embed::Embedder;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Characters of an action the semantic tier embeds (the model reads ~128 tokens anyway).
const MAX_SEMANTIC_CHARS: usize = 2_000;
/// Action embeddings kept: agents repeat commands (`cargo test`, `git status`), and a
/// repeated action then skips the model.
const MAX_CACHED_ACTIONS: usize = 512;

/// What a file looked like when the anchors were loaded: length, mtime and inode.
type FileStamp = Option<(u64, SystemTime, u64)>;

/// Anchors parsed once and reused until their files change.
pub struct CachedAnchors {
    /// Every anchor in force, as `ctx check` loads them.
    pub set: AnchorSet,
    /// The enabled semantic-only anchors with their embeddings; `None` when no model was
    /// loaded when the cache was filled.
    semantic: Option<AnchorSet>,
    /// The semantic tier's cosine threshold (`[check] semantic_threshold`).
    threshold: f32,
}

/// The anchors of one repository, reloaded when their files change.
#[derive(Default)]
pub struct AnchorCache {
    slot: Mutex<Option<(Vec<FileStamp>, Arc<CachedAnchors>)>>,
}

impl AnchorCache {
    /// The anchors of `root`, parsed again only when a source file changed (or when the
    /// semantic tier now has a model and the cached anchors were embedded without one).
    pub fn get(&self, root: &Path, embedder: Option<&dyn Embedder>) -> Result<Arc<CachedAnchors>> {
        let stamps = source_stamps(root);
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((seen, cached)) = slot.as_ref() {
            if *seen == stamps && (embedder.is_none() || cached.semantic.is_some()) {
                return Ok(cached.clone());
            }
        }
        let cached = Arc::new(load(root, embedder)?);
        *slot = Some((stamps, cached.clone()));
        Ok(cached)
    }
}

fn load(root: &Path, embedder: Option<&dyn Embedder>) -> Result<CachedAnchors> {
    let set = load_anchors(root)?;
    let threshold = CheckConfig::load(root)?.semantic_threshold;
    let semantic = match embedder {
        Some(embedder) => Some(embed_semantic_anchors(&set, embedder)?),
        None => None,
    };
    Ok(CachedAnchors {
        set,
        semantic,
        threshold,
    })
}

/// The enabled semantic-only anchors of `set`, each with its embedding by `embedder`.
fn embed_semantic_anchors(set: &AnchorSet, embedder: &dyn Embedder) -> Result<AnchorSet> {
    let mut anchors: Vec<_> = set
        .anchors()
        .iter()
        .filter(|a| a.enabled && a.is_semantic_only())
        .cloned()
        .collect();
    let texts: Vec<String> = anchors.iter().map(|a| a.text.clone()).collect();
    if !texts.is_empty() {
        let vectors = embedder.embed(&texts)?;
        for (anchor, vector) in anchors.iter_mut().zip(vectors) {
            anchor.embedding = Some(vector);
        }
    }
    Ok(AnchorSet::from_anchors(None, anchors))
}

/// The files anchors and the check configuration are read from, as stamps.
fn source_stamps(root: &Path) -> Vec<FileStamp> {
    let paths: [PathBuf; 4] = [
        pinned_path(root),
        extracted_path(root),
        plan_path(root),
        config_path(root),
    ];
    paths.iter().map(|path| stamp(path)).collect()
}

fn stamp(path: &Path) -> FileStamp {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?, meta.ino()))
}

/// The embeddings of recently checked action texts, oldest dropped first.
#[derive(Default)]
pub struct ActionEmbeddings {
    slot: Mutex<RecentVectors>,
}

/// Vectors by model and text, and their keys oldest first.
type RecentVectors = (HashMap<String, Vec<f32>>, VecDeque<String>);

impl ActionEmbeddings {
    /// `embedder`, answering single texts it embedded recently from this cache.
    pub fn around<'a>(&'a self, embedder: &'a dyn Embedder) -> CachingEmbedder<'a> {
        CachingEmbedder {
            inner: embedder,
            cache: self,
        }
    }
}

/// An [`Embedder`] that remembers the vectors of single texts (see [`ActionEmbeddings`]).
pub struct CachingEmbedder<'a> {
    inner: &'a dyn Embedder,
    cache: &'a ActionEmbeddings,
}

impl Embedder for CachingEmbedder<'_> {
    fn model_id(&self) -> &str {
        self.inner.model_id()
    }

    fn dim(&self) -> usize {
        self.inner.dim()
    }

    fn embed(&self, texts: &[String]) -> ctx_engine::Result<Vec<Vec<f32>>> {
        let [text] = texts else {
            return self.inner.embed(texts);
        };
        let key = format!("{}\0{text}", self.inner.model_id());
        let lock = || self.cache.slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(vector) = lock().0.get(&key) {
            return Ok(vec![vector.clone()]);
        }
        let vectors = self.inner.embed(texts)?;
        if let Some(vector) = vectors.first() {
            let (map, order) = &mut *lock();
            if map.insert(key.clone(), vector.clone()).is_none() {
                order.push_back(key);
            }
            while order.len() > MAX_CACHED_ACTIONS {
                if let Some(old) = order.pop_front() {
                    map.remove(&old);
                }
            }
        }
        Ok(vectors)
    }
}

/// The daemon's verdicts: anchors cached per repository, action embeddings cached across
/// checks, and the semantic tier whenever a model is loaded.
#[derive(Default)]
pub struct SemanticVerdicts {
    anchors: AnchorCache,
    actions: ActionEmbeddings,
}

impl SemanticVerdicts {
    /// The verdict on `facts` for `root`: the rule path on the cached anchors, plus the
    /// semantic tier with `embedder` when one is loaded.
    pub fn verdict(
        &self,
        root: &Path,
        facts: &ActionFacts,
        embedder: Option<&dyn Embedder>,
    ) -> Result<Verdict> {
        let anchors = self.anchors.get(root, embedder)?;
        let cached = embedder.map(|e| self.actions.around(e));
        let action_embedder = cached.as_ref().map(|e| e as &dyn Embedder);
        Ok(verdict(&anchors, facts, action_embedder))
    }
}

/// The verdict on `facts`: the rule path on `anchors`, plus the semantic tier when an
/// embedder is given. A semantic tier that fails adds a note and never changes the rule
/// path's answer.
pub fn verdict(
    anchors: &CachedAnchors,
    facts: &ActionFacts,
    embedder: Option<&dyn Embedder>,
) -> Verdict {
    let semantic = match (embedder, &anchors.semantic) {
        (Some(embedder), Some(semantic)) => check::semantic_findings(
            semantic,
            &action_text(facts),
            Some(embedder),
            anchors.threshold,
        ),
        _ => Ok(Vec::new()),
    };
    match semantic {
        Ok(found) if found.is_empty() => verdict_for(&anchors.set, facts),
        Ok(found) => with_semantic(&anchors.set, facts, found),
        Err(e) => {
            let mut verdict = verdict_for(&anchors.set, facts);
            verdict.notes.push(format!("semantic tier skipped: {e}"));
            verdict
        }
    }
}

fn with_semantic(set: &AnchorSet, facts: &ActionFacts, semantic: Vec<Finding>) -> Verdict {
    let mut findings = set.evaluate(facts);
    findings.extend(semantic);
    check::decide(set, &findings)
}

/// The text the semantic tier compares with the rules: the command line, then each
/// changed file with the lines added to it (files only read are left out).
pub fn action_text(facts: &ActionFacts) -> String {
    let mut parts: Vec<String> = Vec::new();
    match &facts.command {
        Some(command) => parts.push(command.clone()),
        None => parts.extend(facts.invocations.iter().map(|i| i.raw.clone())),
    }
    for effect in &facts.effects {
        let op = match effect.op {
            FileOp::Write => "write",
            FileOp::Edit => "edit",
            FileOp::Delete => "delete",
            FileOp::Read => continue,
        };
        parts.push(format!("{op} {}", effect.path));
        parts.extend(effect.added.iter().map(|line| line.text.clone()));
    }
    let text = parts.join("\n");
    match text.char_indices().nth(MAX_SEMANTIC_CHARS) {
        Some((cut, _)) => text[..cut].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ctx_engine::check::{AddedLine, FileEffect, Invocation};

    #[test]
    fn action_text_names_commands_files_and_added_lines() {
        let facts = ActionFacts {
            command: None,
            invocations: vec![Invocation {
                program: "psql".into(),
                args: vec![],
                raw: "psql prod".into(),
                wrappers: vec![],
                piped_input: false,
                cwd: None,
                from_code: false,
                background: false,
            }],
            effects: vec![FileEffect {
                path: "tests/db.rs".into(),
                op: FileOp::Edit,
                added: vec![AddedLine {
                    line: Some(3),
                    text: "connect(PROD_URL)".into(),
                }],
                removed: vec![],
                via: "Edit tool".into(),
            }],
        };
        assert_eq!(
            action_text(&facts),
            "psql prod\nedit tests/db.rs\nconnect(PROD_URL)"
        );
    }

    /// Counts the texts it embeds; every text gets the vector [len, 1].
    #[derive(Default)]
    struct Counting(std::sync::atomic::AtomicUsize);

    impl Embedder for Counting {
        fn model_id(&self) -> &str {
            "counting"
        }
        fn dim(&self) -> usize {
            2
        }
        fn embed(&self, texts: &[String]) -> ctx_engine::Result<Vec<Vec<f32>>> {
            self.0
                .fetch_add(texts.len(), std::sync::atomic::Ordering::Relaxed);
            Ok(texts.iter().map(|t| vec![t.len() as f32, 1.0]).collect())
        }
    }

    #[test]
    fn repeated_actions_skip_the_model_and_the_cache_stays_bounded() {
        let inner = Counting::default();
        let cache = ActionEmbeddings::default();
        let embedder = cache.around(&inner);
        let one = |t: &str| embedder.embed(&[t.to_string()]).unwrap();
        assert_eq!(one("cargo test"), vec![vec![10.0, 1.0]]);
        assert_eq!(one("cargo test"), vec![vec![10.0, 1.0]]);
        assert_eq!(inner.0.load(std::sync::atomic::Ordering::Relaxed), 1);
        let two = vec!["a".to_string(), "bb".to_string()];
        assert_eq!(embedder.embed(&two).unwrap().len(), 2);
        assert_eq!(inner.0.load(std::sync::atomic::Ordering::Relaxed), 3);
        for i in 0..MAX_CACHED_ACTIONS + 10 {
            one(&format!("command {i}"));
        }
        let slot = cache.slot.lock().unwrap();
        assert_eq!(slot.0.len(), MAX_CACHED_ACTIONS);
        assert_eq!(slot.1.len(), MAX_CACHED_ACTIONS);
        assert!(!slot.0.contains_key("counting\0cargo test"));
    }

    #[test]
    fn action_text_is_bounded() {
        let facts = ActionFacts {
            command: Some("x".repeat(10 * MAX_SEMANTIC_CHARS)),
            ..ActionFacts::default()
        };
        assert_eq!(action_text(&facts).chars().count(), MAX_SEMANTIC_CHARS);
    }
}
