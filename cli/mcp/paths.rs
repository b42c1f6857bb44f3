//! Path safety for MCP tools: only files under the repository root are ever read.

use ctx_engine::check::PathContext;

/// A path an MCP tool was given, resolved inside the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoPath {
    /// Relative to the root, with `/` separators (`.` for the root itself).
    pub relative: String,
}

/// Resolves `raw` (relative to `paths.cwd()`, or absolute) against the repository and
/// refuses it when it lies outside the root: `..` climbing out, an absolute path elsewhere,
/// or a symlink whose target is outside.
pub fn inside_root(paths: &PathContext, raw: &str) -> Result<RepoPath, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("the path is empty: give a file path relative to the repository root".into());
    }
    if trimmed.contains('\0') {
        return Err(format!("the path {raw:?} contains a NUL byte"));
    }
    let absolute = paths.absolute(trimmed);
    match absolute.strip_prefix(paths.root()) {
        Ok(rel) if rel.as_os_str().is_empty() => Ok(RepoPath {
            relative: ".".into(),
        }),
        Ok(rel) => Ok(RepoPath {
            relative: rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
        }),
        Err(_) => Err(format!(
            "the path {raw:?} resolves to {:?}, outside the repository root {:?}; ctx tools only work on files inside the repository (use a path relative to the root, without '..' or symlinks leading out)",
            absolute.display().to_string(),
            paths.root().display().to_string()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> (tempfile::TempDir, PathContext) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/a.rs"), "fn a() {}").unwrap();
        std::fs::write(tmp.path().join("secret.txt"), "secret").unwrap();
        let paths = PathContext::new(&root, &root);
        (tmp, paths)
    }

    #[test]
    fn accepts_paths_inside_the_root() {
        let (_tmp, paths) = context();
        assert_eq!(
            inside_root(&paths, "src/a.rs").unwrap().relative,
            "src/a.rs"
        );
        assert_eq!(
            inside_root(&paths, "src/../src/a.rs").unwrap().relative,
            "src/a.rs"
        );
        assert_eq!(
            inside_root(&paths, "src/new.rs").unwrap().relative,
            "src/new.rs"
        );
        let absolute = paths.root().join("src/a.rs");
        assert_eq!(
            inside_root(&paths, absolute.to_str().unwrap())
                .unwrap()
                .relative,
            "src/a.rs"
        );
    }

    #[test]
    fn refuses_paths_escaping_the_root() {
        let (tmp, paths) = context();
        assert!(inside_root(&paths, "../secret.txt").is_err());
        assert!(inside_root(&paths, "src/../../secret.txt").is_err());
        assert!(inside_root(&paths, "/etc/passwd").is_err());
        assert!(inside_root(&paths, "").is_err());
        std::os::unix::fs::symlink(tmp.path(), paths.root().join("out")).unwrap();
        let err = inside_root(&paths, "out/secret.txt").unwrap_err();
        assert!(err.contains("outside the repository root"), "{err}");
    }
}
