//! A lazily compiled value that serde skips and comparisons ignore.

use std::sync::OnceLock;

/// Holds a compiled form (regex, glob set) built on first use.
pub struct Cached<T>(OnceLock<Result<T, String>>);

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Cached(OnceLock::new())
    }
}

impl<T> Cached<T> {
    /// The compiled value, building it with `build` on first use.
    pub fn get_or(&self, build: impl FnOnce() -> Result<T, String>) -> Result<&T, String> {
        self.0.get_or_init(build).as_ref().map_err(Clone::clone)
    }
}

impl<T> Clone for Cached<T> {
    fn clone(&self) -> Self {
        Cached(OnceLock::new())
    }
}

impl<T> PartialEq for Cached<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> std::fmt::Debug for Cached<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cached")
    }
}

/// Compiles a regex, with an error message that quotes it.
pub fn compile_regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(pattern).map_err(|e| format!("invalid regex \"{pattern}\": {e}"))
}
