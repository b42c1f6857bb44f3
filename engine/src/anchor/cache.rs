//! The compiled-anchor cache, `.ctx/anchors.cache`: the merged and verified anchor list, keyed
//! by a blake3 hash of everything it was built from.
//!
//! Building an [`AnchorSet`](super::AnchorSet) parses TOML, validates every matcher (compiling
//! its regexes and globs) and runs every pinned anchor's `match` / `not_match` examples. That
//! costs milliseconds, and `ctx check` runs as a fresh process per agent action, so the result
//! is cached. The key covers the pinned, extracted and plan files' bytes, the built-in anchors,
//! the engine version, the cache format and the running executable (path, size, modification
//! time), so any change to the rules or to the code that checks them rebuilds the cache, and a
//! failing example is still reported, naming its anchor, on the first load after the change.
//!
//! The file is one header line (`ctx-anchors-cache <format> <key>`) and the JSON of the set.
//! A missing, stale or unreadable cache is rebuilt; a cache that cannot be written (no `.ctx/`
//! directory, a read-only checkout) is skipped silently: it only ever saves time.

use super::builtin::BUILTIN_TOML;
use super::files::{
    cache_path, extracted_path, pinned_path, plan_path, read_optional, write_atomic,
};
use super::record::Anchor;
use crate::Result;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Bumped whenever the cached JSON or the way it is built changes meaning.
const CACHE_FORMAT: u32 = 1;

/// The text of every file an anchor set is built from, read once.
pub(crate) struct AnchorSources {
    /// `.ctx/anchors.toml`, if present.
    pub pinned: Option<String>,
    /// `.ctx/extracted-anchors.json`, if present.
    pub extracted: Option<String>,
    /// `.ctx/plan.json`, if present.
    pub plan: Option<String>,
}

impl AnchorSources {
    /// Reads the three anchor files of `root` (binary or non-UTF-8 content is an error).
    pub fn read(root: &Path) -> Result<AnchorSources> {
        Ok(AnchorSources {
            pinned: read_optional(&pinned_path(root))?,
            extracted: read_optional(&extracted_path(root))?,
            plan: read_optional(&plan_path(root))?,
        })
    }

    /// The cache key: blake3 over the sources, the built-ins and the build that checks them.
    pub fn key(&self) -> String {
        let mut hasher = blake3::Hasher::new();
        hasher.update(format!("format {CACHE_FORMAT}\0").as_bytes());
        hasher.update(concat!("engine ", env!("CARGO_PKG_VERSION"), "\0").as_bytes());
        hasher.update(build_identity().as_bytes());
        hash_part(&mut hasher, "builtin", Some(BUILTIN_TOML));
        hash_part(&mut hasher, "pinned", self.pinned.as_deref());
        hash_part(&mut hasher, "extracted", self.extracted.as_deref());
        hash_part(&mut hasher, "plan", self.plan.as_deref());
        hasher.finalize().to_hex().to_string()
    }
}

/// Length-prefixed, so no two different source tuples hash the same bytes.
fn hash_part(hasher: &mut blake3::Hasher, name: &str, text: Option<&str>) {
    match text {
        Some(text) => {
            hasher.update(format!("{name} {}\0", text.len()).as_bytes());
            hasher.update(text.as_bytes());
        }
        None => {
            hasher.update(format!("{name} missing\0").as_bytes());
        }
    }
}

/// The running executable's path, size and modification time: a rebuilt binary (whose matchers
/// may behave differently on the same examples) never trusts a cache written by another build.
fn build_identity() -> String {
    let exe = std::env::current_exe().ok();
    let meta = exe.as_deref().and_then(|p| std::fs::metadata(p).ok());
    let modified = meta
        .as_ref()
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!(
        "exe {} {} {modified}\0",
        exe.as_deref()
            .map_or("?".into(), |p| p.display().to_string()),
        meta.map_or(0, |m| m.len()),
    )
}

/// What the cache holds: the finished anchor list and the diagnostics found building it.
#[derive(Serialize, Deserialize)]
pub(crate) struct CachedSet {
    /// Every anchor in load order, overrides applied.
    pub anchors: Vec<Anchor>,
    /// Duplicates, contradictions and unknown overrides.
    pub diagnostics: Vec<String>,
}

fn header(key: &str) -> String {
    format!("ctx-anchors-cache {CACHE_FORMAT} {key}\n")
}

/// The cached set for `key`, or `None` when the cache is missing, stale or unreadable.
pub(crate) fn read(root: &Path, key: &str) -> Option<CachedSet> {
    let bytes = std::fs::read(cache_path(root)).ok()?;
    let body = bytes.strip_prefix(header(key).as_bytes())?;
    serde_json::from_slice(body).ok()
}

/// Stores the set under `key` when `.ctx/` exists; failures are ignored (the cache is optional).
pub(crate) fn write(root: &Path, key: &str, set: &CachedSet) {
    let path = cache_path(root);
    if !path.parent().is_some_and(Path::is_dir) {
        return;
    }
    let Ok(json) = serde_json::to_string(set) else {
        return;
    };
    let _ = write_atomic(&path, &(header(key) + &json));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(pinned: Option<&str>) -> AnchorSources {
        AnchorSources {
            pinned: pinned.map(String::from),
            extracted: None,
            plan: None,
        }
    }

    #[test]
    fn the_key_follows_every_source() {
        let empty = sources(None).key();
        assert_eq!(empty, sources(None).key());
        assert_ne!(empty, sources(Some("")).key());
        assert_ne!(sources(Some("a")).key(), sources(Some("b")).key());
        let moved = AnchorSources {
            pinned: None,
            extracted: Some("a".into()),
            plan: None,
        };
        assert_ne!(sources(Some("a")).key(), moved.key());
    }

    #[test]
    fn a_cache_is_read_back_only_under_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let set = CachedSet {
            anchors: Vec::new(),
            diagnostics: vec!["d".into()],
        };
        write(dir.path(), "k1", &set);
        assert!(
            read(dir.path(), "k1").is_none(),
            "no .ctx/: nothing written"
        );
        std::fs::create_dir(dir.path().join(".ctx")).unwrap();
        write(dir.path(), "k1", &set);
        assert_eq!(read(dir.path(), "k1").unwrap().diagnostics, ["d"]);
        assert!(read(dir.path(), "k2").is_none());
        std::fs::write(cache_path(dir.path()), header("k1") + "{not json").unwrap();
        assert!(read(dir.path(), "k1").is_none());
    }
}
