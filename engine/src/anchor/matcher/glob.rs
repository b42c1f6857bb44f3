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
///
/// The common shapes (`a/b`, `dir/**`, `**/name`, `**/*.ext`, `**`) are matched with string
/// comparisons that give exactly globset's answer; only the other globs are compiled, on first
/// use, into a [`globset::GlobSet`] (building one costs tens of microseconds, and `ctx check`
/// runs as a fresh process per action over hundreds of anchors).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GlobList {
    globs: Vec<String>,
    #[serde(skip)]
    set: Cached<Compiled>,
}

/// A glob list split into string tests and a set of the remaining globs.
struct Compiled {
    simple: Vec<Simple>,
    /// The globs no [`Simple`] form covers; `None` when there are none.
    complex: Option<globset::GlobSet>,
}

/// A normalised glob whose match is a string comparison (the path has no leading `./`).
#[derive(Debug, PartialEq, Eq)]
enum Simple {
    /// `**`: every path.
    Everything,
    /// A literal path: equal to it.
    Exact(String),
    /// `dir/**`: starts with `dir/`.
    Under(String),
    /// `**/name` (`name` may hold `/`): equal to `name` or ending with `/name`.
    Named(String),
    /// `**/*.ext`: the last component ends with `.ext` (`ext` has no `/`).
    Extension(String),
}

/// True when globset reads every character of `text` literally.
fn is_literal(text: &str) -> bool {
    !text.is_empty() && !text.contains(['*', '?', '[', ']', '{', '}', '\\'])
}

impl Simple {
    /// The string test equivalent to a normalised glob, if it has one of the simple shapes.
    fn parse(normal: &str) -> Option<Simple> {
        if normal == "**" {
            return Some(Simple::Everything);
        }
        if let Some(dir) = normal.strip_suffix("/**").filter(|d| is_literal(d)) {
            return Some(Simple::Under(format!("{dir}/")));
        }
        if let Some(rest) = normal.strip_prefix("**/") {
            if let Some(ext) = rest
                .strip_prefix("*.")
                .filter(|e| is_literal(e) && !e.contains('/'))
            {
                return Some(Simple::Extension(format!(".{ext}")));
            }
            return is_literal(rest).then(|| Simple::Named(rest.to_string()));
        }
        is_literal(normal).then(|| Simple::Exact(normal.to_string()))
    }

    fn is_match(&self, path: &str) -> bool {
        match self {
            Simple::Everything => true,
            Simple::Exact(p) => path == p,
            Simple::Under(prefix) => path.starts_with(prefix.as_str()),
            Simple::Named(name) => path
                .strip_suffix(name.as_str())
                .is_some_and(|head| head.is_empty() || head.ends_with('/')),
            Simple::Extension(ext) => path.ends_with(ext.as_str()),
        }
    }
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

    fn compiled(&self) -> Result<&Compiled, String> {
        self.set.get_or(|| {
            let mut simple = Vec::new();
            let mut builder = GlobSetBuilder::new();
            let mut complex = 0;
            for glob in &self.globs {
                let normal = normalise_glob(glob);
                // `dir/**` also names the directory itself.
                let dir = normal.strip_suffix("/**").map(str::to_string);
                match Simple::parse(&normal) {
                    Some(s) => simple.push(s),
                    None => {
                        let compiled = GlobBuilder::new(&normal)
                            .literal_separator(true)
                            .build()
                            .map_err(|e| format!("invalid glob \"{glob}\": {e}"))?;
                        builder.add(compiled);
                        complex += 1;
                    }
                }
                if let Some(dir) = dir {
                    match Simple::parse(&dir) {
                        Some(s) => simple.push(s),
                        None => {
                            if let Ok(g) = GlobBuilder::new(&dir).literal_separator(true).build() {
                                builder.add(g);
                                complex += 1;
                            }
                        }
                    }
                }
            }
            let complex = match complex {
                0 => None,
                _ => Some(
                    builder
                        .build()
                        .map_err(|e| format!("invalid glob set: {e}"))?,
                ),
            };
            Ok(Compiled { simple, complex })
        })
    }

    /// True when the repo-relative path matches any glob (false if a glob is invalid).
    pub fn is_match(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./");
        self.compiled().is_ok_and(|c| {
            c.simple.iter().any(|s| s.is_match(path))
                || c.complex.as_ref().is_some_and(|set| set.is_match(path))
        })
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

    /// The old implementation: every glob through globset.
    fn reference(globs: &[&str]) -> globset::GlobSet {
        let mut builder = GlobSetBuilder::new();
        for glob in globs {
            let normal = normalise_glob(glob);
            builder.add(
                GlobBuilder::new(&normal)
                    .literal_separator(true)
                    .build()
                    .unwrap(),
            );
            if let Some(dir) = normal.strip_suffix("/**") {
                if let Ok(g) = GlobBuilder::new(dir).literal_separator(true).build() {
                    builder.add(g);
                }
            }
        }
        builder.build().unwrap()
    }

    #[test]
    fn simple_shapes_agree_with_globset() {
        let globs = [
            "**",
            "generated/",
            "generated/**",
            "/generated",
            "./a/b.rs",
            "*.lock",
            ".env",
            ".env.*",
            "*.example",
            "src/**",
            "a/b/**",
            "**/node_modules/**",
            "**/x/y",
            "Cargo.lock",
            "vendor",
            "*.",
            "**/*.rs",
            "src/**/*.rs",
            "src/*.rs",
            "a?c",
            "*",
            "**/*",
            "**/.git/**",
            "migrations/*.sql",
            "{a,b}/**",
            "dir/[ab]/**",
            "**/**",
        ];
        let paths = [
            "",
            "/",
            "a",
            "abc",
            "a/b.rs",
            "a/b/c",
            "a/b",
            "a/bx",
            "generated",
            "generated/",
            "generated/x.py",
            "generatedx",
            "x/generated/y",
            "Cargo.lock",
            "web/pnpm.lock",
            "lock",
            ".lock",
            "x.lock.bak",
            ".env",
            "config/.env",
            ".env.local",
            "a/.env.prod",
            "x.example",
            "/tmp/log.txt",
            "/etc/.env",
            "/abs/generated/a",
            "src",
            "src/",
            "src/a.rs",
            "src/a/b.rs",
            "srcx/a.rs",
            "node_modules",
            "node_modules/a",
            "x/node_modules/y/z",
            "x/y",
            "q/x/y",
            "xx/y",
            "vendor",
            "vendor/a",
            "a.",
            "migrations/1.sql",
            "migrations/a/1.sql",
            "b/c",
            "dir/a/x",
            "./src/a.rs",
            ".git/x",
            "a/.git",
            "a/.git/config",
        ];
        for glob in globs {
            let ours = GlobList::new(vec![glob.to_string()]);
            let theirs = reference(&[glob]);
            for path in paths {
                let trimmed = path.trim_start_matches("./");
                assert_eq!(
                    ours.is_match(path),
                    theirs.is_match(trimmed),
                    "glob {glob:?} on path {path:?}"
                );
            }
        }
    }

    #[test]
    fn simple_shapes_are_recognised() {
        assert_eq!(Simple::parse("**"), Some(Simple::Everything));
        assert_eq!(Simple::parse("a/**"), Some(Simple::Under("a/".into())));
        assert_eq!(
            Simple::parse("**/*.rs"),
            Some(Simple::Extension(".rs".into()))
        );
        assert_eq!(Simple::parse("**/.env"), Some(Simple::Named(".env".into())));
        assert_eq!(Simple::parse("a/b"), Some(Simple::Exact("a/b".into())));
        assert_eq!(Simple::parse("**/.env.*"), None);
        assert_eq!(Simple::parse("src/**/*.rs"), None);
        assert_eq!(Simple::parse("a\\*"), None);
    }

    #[test]
    fn bad_globs_are_reported() {
        assert!(list(&["a/[b"]).validate().unwrap_err().contains("a/[b"));
    }
}
