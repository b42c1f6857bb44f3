//! Code spans in rule text and what they name: a command, a program, a flag, a path, a call,
//! a commit trailer or a code literal.

use super::vocabulary::Vocabulary;

/// What a backticked span in a rule names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpanKind {
    /// A command line starting with a known program (`cargo update --precise`).
    Command(Vec<String>),
    /// A known program alone (`find`).
    Program(String),
    /// A flag with an optional value (`--frozen`, `-tags test_dep`).
    Flag(String, Option<String>),
    /// A file, directory or glob (`generated/**`, `tox.ini`, `LICENSE`).
    Path(String),
    /// A call (`vi.mock()`, `.unwrap()`).
    Call(String),
    /// A commit trailer (`Co-authored-by: …`), by its key.
    Trailer(String),
    /// Any other code (`except Exception:`, `%s`, `time.Sleep`).
    Literal(String),
}

/// A span with its byte position in the clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The span's text, without backticks.
    pub text: String,
    /// Byte offset of the opening backtick.
    pub start: usize,
    /// Byte offset after the closing backtick.
    pub end: usize,
    /// What it names.
    pub kind: SpanKind,
}

const FILE_EXTENSIONS: &[&str] = &[
    "md",
    "mdc",
    "txt",
    "json",
    "jsonc",
    "yaml",
    "yml",
    "toml",
    "lock",
    "py",
    "pyi",
    "rs",
    "go",
    "mod",
    "sum",
    "js",
    "mjs",
    "cjs",
    "ts",
    "tsx",
    "jsx",
    "java",
    "kt",
    "kts",
    "scala",
    "props",
    "properties",
    "xml",
    "gradle",
    "sh",
    "bash",
    "cfg",
    "ini",
    "env",
    "sql",
    "html",
    "css",
    "scss",
    "proto",
    "csv",
    "rb",
    "php",
    "c",
    "h",
    "cpp",
    "hpp",
    "cs",
    "swift",
    "vue",
    "svelte",
    "lua",
    "example",
    "template",
    "sample",
    "jinja",
    "tf",
    "nix",
    "zig",
    "test",
    "sqltest",
    "snap",
    "pem",
    "key",
    "dockerfile",
];

const BARE_FILES: &[&str] = &[
    "LICENSE",
    "NOTICE",
    "README",
    "CHANGELOG",
    "Makefile",
    "Dockerfile",
    "Gemfile",
    "Rakefile",
    "Procfile",
    "Justfile",
    "justfile",
    "CODEOWNERS",
    "AUTHORS",
    "VERSION",
    ".env",
];

/// Finds and classifies the code spans of a text.
pub fn find_spans(text: &str, vocab: &Vocabulary) -> Vec<Span> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c != '`' {
            continue;
        }
        match open {
            None => open = Some(i),
            Some(start) => {
                let inner = text[start + 1..i].trim();
                if !inner.is_empty() {
                    out.push(Span {
                        text: inner.to_string(),
                        start,
                        end: i + 1,
                        kind: classify(inner, vocab),
                    });
                }
                open = None;
            }
        }
    }
    out
}

/// Classifies one span's text.
pub fn classify(span: &str, vocab: &Vocabulary) -> SpanKind {
    let words: Vec<&str> = span.split_whitespace().collect();
    if span.starts_with('-') && !span.starts_with("- ") && words.len() <= 2 {
        let value = words
            .get(1)
            .filter(|v| !v.starts_with('-'))
            .map(|v| v.to_string());
        return SpanKind::Flag(words[0].trim_end_matches('=').to_string(), value);
    }
    if let Some(key) = trailer_key(span) {
        return SpanKind::Trailer(key);
    }
    if words.len() >= 2 && vocab.is_program(words[0]) {
        let kept: Vec<String> = words
            .iter()
            .filter(|w| !is_placeholder(w))
            .map(|w| w.to_string())
            .collect();
        return SpanKind::Command(kept);
    }
    if words.len() == 1 && vocab.is_program(span) {
        return SpanKind::Program(span.trim_start_matches("./").to_string());
    }
    if is_call(span) {
        return SpanKind::Call(span.to_string());
    }
    if words.len() == 1 && is_path(span) {
        return SpanKind::Path(span.to_string());
    }
    SpanKind::Literal(span.to_string())
}

fn is_placeholder(word: &str) -> bool {
    word.contains('<') || word.contains('{') || word == "..." || word == "…" || word.contains("...")
}

fn trailer_key(span: &str) -> Option<String> {
    let (key, _) = span.split_once(':')?;
    let parts: Vec<&str> = key.split('-').collect();
    let looks_like = parts.len() >= 2
        && key.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic()));
    looks_like.then(|| key.to_string())
}

fn is_call(span: &str) -> bool {
    let Some(open) = span.find('(') else {
        return false;
    };
    let name = &span[..open];
    !name.is_empty()
        && span.ends_with(')')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | ':' | '!' | '$'))
        && !span.contains(' ')
}

/// True for file names, directories and globs.
pub fn is_path(span: &str) -> bool {
    if span.contains(' ') || span.starts_with('@') || span.starts_with('$') || span.ends_with(':') {
        return false;
    }
    if BARE_FILES.contains(&span) {
        return true;
    }
    if span.contains('/')
        && span.chars().any(|c| c.is_alphanumeric() || c == '*')
        && !span.contains("://")
    {
        return true;
    }
    if span.starts_with('*') && span.len() > 1 {
        return true;
    }
    match span.rsplit_once('.') {
        Some((stem, ext)) => {
            (!stem.is_empty() || span.starts_with('.'))
                && FILE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
                && !stem.chars().any(|c| c == '(' || c == ':')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::vocabulary::vocabulary;
    use super::*;

    #[test]
    fn spans_are_classified() {
        let v = vocabulary();
        assert_eq!(
            classify("cargo update --precise", v),
            SpanKind::Command(vec!["cargo".into(), "update".into(), "--precise".into()])
        );
        assert_eq!(
            classify("uv run --frozen <tool>", v),
            SpanKind::Command(vec!["uv".into(), "run".into(), "--frozen".into()])
        );
        assert_eq!(classify("find", v), SpanKind::Program("find".into()));
        assert_eq!(
            classify("-tags test_dep", v),
            SpanKind::Flag("-tags".into(), Some("test_dep".into()))
        );
        assert_eq!(
            classify("generated/**", v),
            SpanKind::Path("generated/**".into())
        );
        assert_eq!(classify("LICENSE", v), SpanKind::Path("LICENSE".into()));
        assert_eq!(classify(".asf.yaml", v), SpanKind::Path(".asf.yaml".into()));
        assert_eq!(classify("vi.mock()", v), SpanKind::Call("vi.mock()".into()));
        assert_eq!(
            classify("Co-authored-by: Claude <x@y>", v),
            SpanKind::Trailer("Co-authored-by".into())
        );
        assert_eq!(
            classify("time.Sleep", v),
            SpanKind::Literal("time.Sleep".into())
        );
        assert_eq!(
            classify("except Exception:", v),
            SpanKind::Literal("except Exception:".into())
        );
        let spans = find_spans("use `a.md` and `b/`", v);
        assert_eq!(spans.len(), 2);
        assert_eq!(&"use `a.md` and `b/`"[spans[1].start..spans[1].end], "`b/`");
    }
}
