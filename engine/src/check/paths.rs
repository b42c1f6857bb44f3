//! Path normalisation for file effects: every path an action touches is expressed relative to
//! the repository root, so that path anchors (`generated/**`, `.env`) match however the action
//! spelled it (absolute, with `..`, through `~`, or through a symlink).

use std::path::{Component, Path, PathBuf};

/// Where an action runs: the repository root and the directory relative paths start from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathContext {
    /// The repository root, canonicalised when it exists.
    root: PathBuf,
    /// The working directory of the action (absolute).
    cwd: PathBuf,
    /// The user's home directory, for `~` and `$HOME`.
    home: Option<PathBuf>,
}

impl PathContext {
    /// A context for actions running in `cwd` inside the repository at `root`.
    ///
    /// A relative `cwd` is taken relative to `root`. The root is canonicalised so that a
    /// symlinked checkout (`/tmp` on macOS) still matches resolved paths.
    pub fn new(root: &Path, cwd: &Path) -> PathContext {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| lexical_normalize(root));
        let cwd = if cwd.is_absolute() {
            cwd.to_path_buf()
        } else {
            root.join(cwd)
        };
        let cwd = resolve_existing_prefix(&lexical_normalize(&cwd));
        PathContext {
            root,
            cwd,
            home: std::env::var_os("HOME").map(PathBuf::from),
        }
    }

    /// The canonical repository root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The working directory.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// The same root with another working directory (`cd DIR` in a shell command).
    ///
    /// `dir` is resolved like any other path argument.
    pub fn with_cwd(&self, dir: &str) -> PathContext {
        let cwd = self.absolute(dir);
        PathContext {
            root: self.root.clone(),
            cwd,
            home: self.home.clone(),
        }
    }

    /// The absolute, lexically normalised and symlink-resolved form of `raw`.
    pub fn absolute(&self, raw: &str) -> PathBuf {
        let expanded = self.expand_home(raw.trim());
        let joined = if expanded.is_absolute() {
            expanded
        } else {
            self.cwd.join(expanded)
        };
        resolve_existing_prefix(&lexical_normalize(&joined))
    }

    /// `raw` relative to the repository root with `/` separators; `.` for the root itself;
    /// absolute (starting with `/`) when it lies outside the root.
    pub fn normalize(&self, raw: &str) -> String {
        let absolute = self.absolute(raw);
        match absolute.strip_prefix(&self.root) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
            Ok(rel) => slash_path(rel),
            Err(_) => slash_path(&absolute),
        }
    }

    fn expand_home(&self, raw: &str) -> PathBuf {
        let rest = if raw == "~" || raw == "$HOME" || raw == "${HOME}" {
            Some("")
        } else {
            ["~/", "$HOME/", "${HOME}/"]
                .iter()
                .find_map(|prefix| raw.strip_prefix(prefix))
        };
        match (rest, &self.home) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(raw),
        }
    }
}

/// Removes `.` and resolves `..` without touching the file system.
pub fn lexical_normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Resolves symlinks in the longest prefix of `path` that exists, keeping the rest as is.
///
/// A file about to be created through a symlinked directory (`link/new.txt` where `link`
/// points to `generated/`) thus resolves to its real location.
fn resolve_existing_prefix(path: &Path) -> PathBuf {
    resolve_existing_prefix_with(path, &mut |p| std::fs::canonicalize(p))
}

/// How many of a path's nearest parents [`resolve_existing_prefix`] tries one by one
/// before it searches the shorter prefixes by halves.
const NEAREST_PARENTS: usize = 8;

/// [`resolve_existing_prefix`], resolving with `canonicalize` (a test counts the calls).
///
/// The path is lexically normal (no `..` after a name), so once a prefix does not resolve
/// no longer one does: the longest that resolves is found by trying the path and its
/// nearest parents (where it is in practice: a file about to be created, a new folder),
/// then by bisection. Each call costs a path as long as the prefix, so a resolution costs
/// O(length × log length). Trying every parent from the full path down, as before, costs
/// one call per missing component: a fuzzed command line of 1,840 nested `(cd + && …`
/// resolved a path of up to 1,840 missing components at each `cd`, cubic in all (3 s).
fn resolve_existing_prefix_with(
    path: &Path,
    canonicalize: &mut dyn FnMut(&Path) -> std::io::Result<PathBuf>,
) -> PathBuf {
    let parts: Vec<std::path::Component> = path.components().collect();
    let prefix = |len: usize| parts[..len].iter().collect::<PathBuf>();
    let joined = |real: PathBuf, len: usize| {
        let mut out = real;
        out.extend(parts[len..].iter());
        lexical_normalize(&out)
    };
    let nearest_end = parts.len().saturating_sub(NEAREST_PARENTS);
    for len in (nearest_end.max(1)..=parts.len()).rev() {
        if let Ok(real) = canonicalize(&prefix(len)) {
            return joined(real, len);
        }
    }
    // Bisection over the shorter prefixes: `found` resolves (0: none yet), longer than
    // `fails` none does.
    let (mut found, mut fails) = (0usize, nearest_end.max(1));
    let mut resolved = None;
    while fails - found > 1 {
        let mid = found + (fails - found) / 2;
        match canonicalize(&prefix(mid)) {
            Ok(real) => {
                found = mid;
                resolved = Some(real);
            }
            Err(_) => fails = mid,
        }
    }
    match resolved {
        Some(real) => joined(real, found),
        None => path.to_path_buf(),
    }
}

fn slash_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        text.into_owned()
    } else {
        text.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> (tempfile::TempDir, PathContext) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/sub")).unwrap();
        std::fs::create_dir_all(dir.path().join("generated")).unwrap();
        let ctx = PathContext::new(dir.path(), dir.path());
        (dir, ctx)
    }

    /// The former resolution: every parent from the full path down.
    fn resolve_one_by_one(path: &Path) -> PathBuf {
        let mut prefix = path.to_path_buf();
        let mut rest: Vec<std::ffi::OsString> = Vec::new();
        loop {
            if let Ok(real) = std::fs::canonicalize(&prefix) {
                let mut out = real;
                out.extend(rest.iter().rev());
                return lexical_normalize(&out);
            }
            match (prefix.file_name(), prefix.parent()) {
                (Some(name), Some(parent)) => {
                    rest.push(name.to_os_string());
                    prefix = parent.to_path_buf();
                }
                _ => return path.to_path_buf(),
            }
        }
    }

    #[test]
    fn r12_a_deep_missing_path_resolves_in_a_logarithmic_number_of_calls() {
        let (dir, _ctx) = context();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("generated"), root.join("link")).unwrap();
        let deep = |n: usize| {
            let mut path = root.join("link");
            path.extend(std::iter::repeat_n("+", n));
            path
        };
        for path in [
            deep(2000),
            deep(9),
            deep(1),
            root.join("src/sub/new.rs"),
            root.join("src/sub"),
            root.join("missing/a/b/c/d/e/f/g/h/i/j/k"),
            PathBuf::from("/no-such-top/a/b/c/d/e/f/g/h/i/j"),
            PathBuf::from("relative/missing/path/a/b/c/d/e/f/g/h"),
        ] {
            let mut calls = 0;
            let resolved = resolve_existing_prefix_with(&path, &mut |p| {
                calls += 1;
                std::fs::canonicalize(p)
            });
            assert_eq!(resolved, resolve_one_by_one(&path), "{}", path.display());
            let bound =
                NEAREST_PARENTS + 1 + (path.components().count() as f64).log2() as usize + 1;
            assert!(
                calls <= bound,
                "{calls} calls for {} components",
                path.components().count()
            );
        }
    }

    #[test]
    fn relative_paths_stay_relative() {
        let (_dir, ctx) = context();
        assert_eq!(ctx.normalize("src/main.rs"), "src/main.rs");
        assert_eq!(ctx.normalize("./src//main.rs"), "src/main.rs");
        assert_eq!(ctx.normalize("src/sub/../lib.rs"), "src/lib.rs");
        assert_eq!(ctx.normalize("."), ".");
    }

    #[test]
    fn absolute_paths_inside_root_become_relative() {
        let (dir, ctx) = context();
        let abs = dir.path().join("generated/api.rs");
        assert_eq!(ctx.normalize(abs.to_str().unwrap()), "generated/api.rs");
    }

    #[test]
    fn paths_outside_root_stay_absolute() {
        let (_dir, ctx) = context();
        assert_eq!(ctx.normalize("/etc/passwd"), "/etc/passwd");
        assert!(ctx.normalize("../../outside.txt").starts_with('/'));
    }

    #[test]
    fn dot_dot_climbing_back_into_root_is_caught() {
        let (dir, ctx) = context();
        let name = dir.path().file_name().unwrap().to_str().unwrap();
        let sneaky = format!("src/../../{name}/generated/x.rs");
        assert_eq!(ctx.normalize(&sneaky), "generated/x.rs");
    }

    #[test]
    fn working_directory_changes_the_base() {
        let (_dir, ctx) = context();
        let sub = ctx.with_cwd("src/sub");
        assert_eq!(sub.normalize("x.rs"), "src/sub/x.rs");
        assert_eq!(sub.normalize("../../generated/y"), "generated/y");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_resolve_to_their_target() {
        let (dir, ctx) = context();
        std::os::unix::fs::symlink(dir.path().join("generated"), dir.path().join("link")).unwrap();
        assert_eq!(ctx.normalize("link/new_file.rs"), "generated/new_file.rs");
    }

    #[test]
    fn home_is_expanded() {
        let (_dir, ctx) = context();
        if let Some(home) = std::env::var_os("HOME") {
            let expected = PathBuf::from(home).join(".ssh/id_rsa");
            let got = ctx.normalize("~/.ssh/id_rsa");
            assert!(got.ends_with(".ssh/id_rsa"), "{got}");
            assert!(got.starts_with('/'), "{got} from {}", expected.display());
        }
    }
}
