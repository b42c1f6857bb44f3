//! The chunks a pack may draw from, grouped by file.

use super::graph::last_segment;
use crate::secrets::is_secret_file;
use crate::{Chunk, Error, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::HashMap;
use std::ops::Range;

/// One file of the corpus: its chunks are `chunks` (indexes into [`Corpus::chunks`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSpan {
    /// Path relative to the index root.
    pub path: String,
    /// The file's chunks, in line order.
    pub chunks: Range<usize>,
    /// The file's last line.
    pub last_line: u32,
    /// Language of the file's chunks.
    pub language: String,
}

/// Every packable chunk, sorted by path then line, and the files they form.
#[derive(Debug, Default)]
pub struct Corpus {
    /// The chunks, sorted by path then start line.
    pub chunks: Vec<Chunk>,
    /// The files, sorted by path.
    pub files: Vec<FileSpan>,
    by_path: HashMap<String, usize>,
    /// Files left out because they hold secrets (`.env`, private keys).
    pub secret_files: Vec<String>,
}

/// Which files a pack may use.
#[derive(Debug, Clone, Default)]
pub struct FileFilter {
    /// Only files matching one of these globs (all files when empty).
    pub include: Vec<String>,
    /// Never files matching one of these globs.
    pub exclude: Vec<String>,
}

/// Compiles globs into a set; `None` when `globs` is empty. Invalid globs are skipped
/// (callers validate user globs with [`compile_globs`] first).
pub fn glob_set(globs: &[String]) -> Option<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    let mut any = false;
    for g in globs {
        if let Ok(glob) = Glob::new(g) {
            builder.add(glob);
            any = true;
        }
        // A bare path also matches everything under it.
        if let Ok(glob) = Glob::new(&format!("{}/**", g.trim_end_matches('/'))) {
            builder.add(glob);
        }
    }
    builder.build().ok().filter(|_| any)
}

/// Compiles user globs, failing on the first invalid one with a clear message.
pub fn compile_globs(flag: &str, globs: &[String]) -> Result<Option<GlobSet>> {
    for g in globs {
        Glob::new(g).map_err(|e| {
            Error::Invalid(format!(
                "invalid {flag} glob {g:?}: {e}; write globs like `src/**/*.rs`"
            ))
        })?;
    }
    Ok(glob_set(globs))
}

impl Corpus {
    /// Builds the corpus from index chunks, keeping the files `filter` allows and leaving
    /// out files that hold secrets.
    pub fn new(mut chunks: Vec<Chunk>, filter: &FileFilter) -> Result<Corpus> {
        let include = compile_globs("--include", &filter.include)?;
        let exclude = compile_globs("--exclude", &filter.exclude)?;
        let mut secret_files = Vec::new();
        chunks.retain(|c| {
            if is_secret_file(&c.path) {
                if secret_files.last() != Some(&c.path) {
                    secret_files.push(c.path.clone());
                }
                return false;
            }
            include.as_ref().is_none_or(|g| g.is_match(&c.path))
                && !exclude.as_ref().is_some_and(|g| g.is_match(&c.path))
        });
        chunks.sort_by(|a, b| a.path.cmp(&b.path).then(a.start_line.cmp(&b.start_line)));
        secret_files.sort();
        secret_files.dedup();
        let mut files: Vec<FileSpan> = Vec::new();
        for (i, chunk) in chunks.iter().enumerate() {
            match files.last_mut() {
                Some(f) if f.path == chunk.path => {
                    f.chunks.end = i + 1;
                    f.last_line = f.last_line.max(chunk.end_line);
                }
                _ => files.push(FileSpan {
                    path: chunk.path.clone(),
                    chunks: i..i + 1,
                    last_line: chunk.end_line,
                    language: chunk.language.clone(),
                }),
            }
        }
        let by_path = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.clone(), i))
            .collect();
        Ok(Corpus {
            chunks,
            files,
            by_path,
            secret_files,
        })
    }

    /// The file index of `path`.
    pub fn file_index(&self, path: &str) -> Option<usize> {
        self.by_path.get(path).copied()
    }

    /// The chunk of `path` that holds `line`.
    pub fn chunk_at(&self, path: &str, line: u32) -> Option<usize> {
        let file = &self.files[self.file_index(path)?];
        let chunks = &self.chunks[file.chunks.clone()];
        let after = chunks.partition_point(|c| c.start_line <= line);
        let i = after.checked_sub(1)?;
        (chunks[i].end_line >= line).then_some(file.chunks.start + i)
    }

    /// Every file path, sorted.
    pub fn paths(&self) -> Vec<&str> {
        self.files.iter().map(|f| f.path.as_str()).collect()
    }

    /// Files whose path is `suffix` or ends with `/suffix`.
    pub fn files_ending_with(&self, suffix: &str) -> Vec<usize> {
        self.files
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.path == suffix
                    || (f.path.ends_with(suffix)
                        && f.path.as_bytes()[f.path.len() - suffix.len() - 1] == b'/')
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Symbol chunks by the last segment of their symbol (first parts of split symbols only).
    pub fn definitions_by_name(&self) -> HashMap<&str, Vec<usize>> {
        let mut out: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, chunk) in self.chunks.iter().enumerate() {
            if !chunk.kind.is_symbol() || chunk.part.is_some_and(|(p, _)| p > 1) {
                continue;
            }
            if let Some(symbol) = chunk.symbol.as_deref() {
                out.entry(last_segment(symbol)).or_default().push(i);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::graph::tests::chunk;
    use crate::ChunkKind;

    #[test]
    fn groups_files_and_finds_chunks_by_line() {
        let chunks = vec![
            chunk(
                "b.py",
                ChunkKind::Function,
                Some("g"),
                1,
                "def g():\n    pass\n",
            ),
            chunk("a.py", ChunkKind::Code, None, 1, "import os\n"),
            chunk(
                "a.py",
                ChunkKind::Function,
                Some("f"),
                2,
                "def f():\n    pass\n",
            ),
            chunk(".env", ChunkKind::Text, None, 1, "KEY=1\n"),
        ];
        let c = Corpus::new(chunks, &FileFilter::default()).unwrap();
        assert_eq!(c.paths(), vec!["a.py", "b.py"]);
        assert_eq!(c.secret_files, vec![".env"]);
        assert_eq!(c.chunk_at("a.py", 3), Some(1));
        assert_eq!(c.chunk_at("a.py", 9), None);
        assert_eq!(c.files[0].last_line, 3);
        assert_eq!(c.files_ending_with("b.py"), vec![1]);
    }

    #[test]
    fn filters_by_globs_and_rejects_bad_ones() {
        let chunks = vec![
            chunk("src/a.py", ChunkKind::Code, None, 1, "x\n"),
            chunk("tests/t.py", ChunkKind::Code, None, 1, "y\n"),
        ];
        let filter = FileFilter {
            include: vec![],
            exclude: vec!["tests".into()],
        };
        let c = Corpus::new(chunks.clone(), &filter).unwrap();
        assert_eq!(c.paths(), vec!["src/a.py"]);
        let bad = FileFilter {
            include: vec!["src/[".into()],
            exclude: vec![],
        };
        let err = Corpus::new(chunks, &bad).unwrap_err().to_string();
        assert!(err.contains("\"src/[\""), "{err}");
    }
}
