//! Repo-relative globs with gitignore-like conveniences.

use super::cached::Cached;
use globset::{GlobBuilder, GlobSetBuilder};
use serde::{Deserialize, Serialize};

/// Normalises a user glob: strips `./` and a leading `/`, turns `dir/` into `dir/**`, and lets a
/// pattern without `/` match at any depth (`*.lock` matches `a/b/Cargo.lock`).
pub fn normalise_glob(glob: &str) -> String {
    let mut g = glob.trim().trim_start_matches("./").to_string();
    if g.starts_with('/') && !g.starts_with("//") {
        g = g.trim_start_matches('/').to_string();
    }
    if g.ends_with('/') {
        g.push_str("**");
    }
    if !g.contains('/') && !g.starts_with("**") {
        g = format!("**/{g}");
    }
    g
}

/// A list of globs compiled once into a set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GlobList {
    globs: Vec<String>,
    #[serde(skip)]
    set: Cached<globset::GlobSet>,
}

impl GlobList {
    /// A list of the given globs (not yet compiled).
    pub fn new(globs: Vec<String>) -> GlobList {
        GlobList {
            globs,
            set: Cached::default(),
        }
    }

    /// The globs as written.
    pub fn globs(&self) -> &[String] {
        &self.globs
    }

    /// True when there are no globs.
    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// Compiles the globs, returning an error that quotes a bad one.
    pub fn validate(&self) -> Result<(), String> {
        self.compiled().map(|_| ())
    }

    fn compiled(&self) -> Result<&globset::GlobSet, String> {
        self.set.get_or(|| {
            let mut builder = GlobSetBuilder::new();
            for glob in &self.globs {
                let normal = normalise_glob(glob);
                let compiled = GlobBuilder::new(&normal)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| format!("invalid glob \"{glob}\": {e}"))?;
                builder.add(compiled);
                // `dir/**` also names the directory itself.
                if let Some(dir) = normal.strip_suffix("/**") {
                    if let Ok(g) = GlobBuilder::new(dir).literal_separator(true).build() {
                        builder.add(g);
                    }
                }
            }
            builder
                .build()
                .map_err(|e| format!("invalid glob set: {e}"))
        })
    }

    /// True when the repo-relative path matches any glob (false if a glob is invalid).
    pub fn is_match(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./");
        self.compiled().is_ok_and(|set| set.is_match(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(globs: &[&str]) -> GlobList {
        GlobList::new(globs.iter().map(|g| g.to_string()).collect())
    }

    #[test]
    fn directories_and_bare_names_match_at_depth() {
        let l = list(&["generated/", "*.lock", "src/**/*.rs"]);
        assert!(l.is_match("generated/python/a.py"));
        assert!(l.is_match("generated"));
        assert!(l.is_match("web/pnpm.lock"));
        assert!(l.is_match("src/a/b.rs"));
        assert!(!l.is_match("src/a/b.py"));
        assert!(!l.is_match("fern/generated.yml"));
    }

    #[test]
    fn bad_globs_are_reported() {
        assert!(list(&["a/[b"]).validate().unwrap_err().contains("a/[b"));
    }
}
