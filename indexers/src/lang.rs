//! Languages ctx knows: detection from a path (and a shebang), their data from
//! `languages.toml`, their tree-sitter grammar and their chunk query.
//!
//! Language support is data: each code language is a grammar crate, an entry in
//! `indexers/languages.toml` and a query `indexers/queries/<name>/chunks.scm` whose captures are
//! the closed set in [`Capture`] (documented in `indexers/queries/README.md`).

use serde::Deserialize;
use std::path::Path;
use std::sync::OnceLock;
use tree_sitter::{Language, Query};

/// The embedded language table.
const LANGUAGES_TOML: &str = include_str!("../languages.toml");

/// A language ctx can detect. [`Lang::ALL`] is sorted by [`Lang::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// Bash and POSIX shell scripts.
    Bash,
    /// C.
    C,
    /// C++.
    Cpp,
    /// C#.
    CSharp,
    /// Go.
    Go,
    /// Java.
    Java,
    /// JavaScript, including JSX and ES/CommonJS modules.
    JavaScript,
    /// Markdown (also MDX and Cursor `.mdc` rules).
    Markdown,
    /// Python.
    Python,
    /// Ruby.
    Ruby,
    /// Rust.
    Rust,
    /// Plain text and lightly structured docs (reStructuredText, AsciiDoc, README...).
    Text,
    /// TypeScript with JSX.
    Tsx,
    /// TypeScript.
    TypeScript,
}

/// How a language's files are cut into chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Chunker {
    /// Tree-sitter definitions from the language's chunk query.
    Code,
    /// Markdown heading hierarchy.
    Markdown,
    /// Blank-line separated paragraphs.
    Text,
}

/// One `[[language]]` entry of `languages.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LangSpec {
    /// The language name (`rust`), as stored on chunks.
    pub name: String,
    /// Which chunker cuts this language's files.
    pub chunker: Chunker,
    /// File extensions, lowercase, without the dot.
    pub extensions: Vec<String>,
    /// Whole file names (`Rakefile`).
    pub file_names: Vec<String>,
    /// Shebang interpreters, without version suffixes (`python`).
    pub interpreters: Vec<String>,
    /// Line comment tokens.
    pub line_comments: Vec<String>,
    /// Joins a parent symbol and a child name (`::` or `.`).
    pub symbol_separator: String,
    /// Grammar nodes that wrap a definition (decorators, `export`) and belong to its chunk.
    pub wrappers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LangTable {
    language: Vec<LangSpec>,
}

/// A capture name allowed in a chunk query (the closed set of `queries/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// `@definition.<kind>`: the node of a definition of that chunk kind.
    Definition(ctx_engine::ChunkKind),
    /// `@name`: the definition's name.
    Name,
    /// `@parent`: an explicit owner name (a Go receiver type).
    Parent,
}

impl Capture {
    /// Every allowed capture name, as written in queries (without `@`).
    pub const NAMES: [&'static str; 12] = [
        "definition.function",
        "definition.method",
        "definition.class",
        "definition.struct",
        "definition.enum",
        "definition.trait",
        "definition.interface",
        "definition.impl",
        "definition.module",
        "definition.type",
        "name",
        "parent",
    ];

    /// Parses a capture name (without `@`); `None` if it is not in the closed set.
    pub fn parse(name: &str) -> Option<Capture> {
        use ctx_engine::ChunkKind as K;
        let kind = match name {
            "name" => return Some(Capture::Name),
            "parent" => return Some(Capture::Parent),
            "definition.function" => K::Function,
            "definition.method" => K::Method,
            "definition.class" => K::Class,
            "definition.struct" => K::Struct,
            "definition.enum" => K::Enum,
            "definition.trait" => K::Trait,
            "definition.interface" => K::Interface,
            "definition.impl" => K::Impl,
            "definition.module" => K::Module,
            "definition.type" => K::Type,
            _ => return None,
        };
        Some(Capture::Definition(kind))
    }
}

/// A chunk query that failed to load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("chunk query {file} for language \"{lang}\": {message}")]
pub struct QueryError {
    /// The language name.
    pub lang: String,
    /// The query file, relative to the indexers crate (`queries/rust/chunks.scm`).
    pub file: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl From<QueryError> for ctx_engine::Error {
    fn from(e: QueryError) -> ctx_engine::Error {
        ctx_engine::Error::Invalid(e.to_string())
    }
}

/// A compiled, validated chunk query with its capture roles.
#[derive(Debug)]
pub struct ChunkQuery {
    /// The compiled query.
    pub query: Query,
    /// The role of each capture index of `query`.
    pub captures: Vec<Capture>,
}

impl Lang {
    /// Every language, sorted by name.
    pub const ALL: [Lang; 14] = [
        Lang::Bash,
        Lang::C,
        Lang::Cpp,
        Lang::CSharp,
        Lang::Go,
        Lang::Java,
        Lang::JavaScript,
        Lang::Markdown,
        Lang::Python,
        Lang::Ruby,
        Lang::Rust,
        Lang::Text,
        Lang::Tsx,
        Lang::TypeScript,
    ];

    /// The language name stored on chunks (`rust`, `typescript`, `csharp`...).
    pub fn name(self) -> &'static str {
        match self {
            Lang::Bash => "bash",
            Lang::C => "c",
            Lang::Cpp => "cpp",
            Lang::CSharp => "csharp",
            Lang::Go => "go",
            Lang::Java => "java",
            Lang::JavaScript => "javascript",
            Lang::Markdown => "markdown",
            Lang::Python => "python",
            Lang::Ruby => "ruby",
            Lang::Rust => "rust",
            Lang::Text => "text",
            Lang::Tsx => "tsx",
            Lang::TypeScript => "typescript",
        }
    }

    /// Parses a name produced by [`Lang::name`].
    pub fn parse(name: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.name() == name)
    }

    /// This language's entry of `languages.toml`.
    pub fn spec(self) -> &'static LangSpec {
        let specs = specs();
        &specs[Lang::ALL.iter().position(|l| *l == self).unwrap_or(0)]
    }

    /// Which chunker cuts this language's files.
    pub fn chunker(self) -> Chunker {
        self.spec().chunker
    }

    /// The language of a path, from its file name or extension (case-insensitive).
    pub fn for_path(path: &Path) -> Option<Lang> {
        let file_name = path.file_name()?.to_str()?;
        let by_name = |exact: bool| {
            Lang::ALL.into_iter().find(|l| {
                l.spec().file_names.iter().any(|n| {
                    if exact {
                        n == file_name
                    } else {
                        n.eq_ignore_ascii_case(file_name)
                    }
                })
            })
        };
        if let Some(lang) = by_name(true) {
            return Some(lang);
        }
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            let ext = ext.to_ascii_lowercase();
            if let Some(lang) = Lang::ALL
                .into_iter()
                .find(|l| l.spec().extensions.contains(&ext))
            {
                return Some(lang);
            }
        }
        by_name(false)
    }

    /// The language of a file: from its path, else from a `#!` shebang on its first line.
    pub fn detect(path: &Path, bytes: &[u8]) -> Option<Lang> {
        Lang::for_path(path).or_else(|| Lang::for_shebang(bytes))
    }

    /// The language named by a `#!` line (`#!/usr/bin/env python3`, `#!/bin/bash -e`).
    pub fn for_shebang(bytes: &[u8]) -> Option<Lang> {
        let first = bytes.split(|b| *b == b'\n').next()?;
        let line = std::str::from_utf8(first.strip_prefix(b"#!")?).ok()?;
        let mut words = line.split_whitespace();
        let mut program = words.next()?.rsplit('/').next()?;
        if program == "env" {
            program = words.find(|w| !w.starts_with('-') && !w.contains('='))?;
        }
        let program = program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        Lang::ALL
            .into_iter()
            .find(|l| l.spec().interpreters.iter().any(|i| i == program))
    }

    /// The tree-sitter grammar of a code language; `None` for Markdown and text.
    pub fn grammar(self) -> Option<Language> {
        let f = match self {
            Lang::Bash => tree_sitter_bash::LANGUAGE,
            Lang::C => tree_sitter_c::LANGUAGE,
            Lang::Cpp => tree_sitter_cpp::LANGUAGE,
            Lang::CSharp => tree_sitter_c_sharp::LANGUAGE,
            Lang::Go => tree_sitter_go::LANGUAGE,
            Lang::Java => tree_sitter_java::LANGUAGE,
            Lang::JavaScript => tree_sitter_javascript::LANGUAGE,
            Lang::Python => tree_sitter_python::LANGUAGE,
            Lang::Ruby => tree_sitter_ruby::LANGUAGE,
            Lang::Rust => tree_sitter_rust::LANGUAGE,
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX,
            Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT,
            Lang::Markdown | Lang::Text => return None,
        };
        Some(f.into())
    }

    /// The embedded source of `queries/<name>/chunks.scm`, before `; inherits:` is resolved.
    pub fn query_source(self) -> Option<&'static str> {
        Some(match self {
            Lang::Bash => include_str!("../queries/bash/chunks.scm"),
            Lang::C => include_str!("../queries/c/chunks.scm"),
            Lang::Cpp => include_str!("../queries/cpp/chunks.scm"),
            Lang::CSharp => include_str!("../queries/csharp/chunks.scm"),
            Lang::Go => include_str!("../queries/go/chunks.scm"),
            Lang::Java => include_str!("../queries/java/chunks.scm"),
            Lang::JavaScript => include_str!("../queries/javascript/chunks.scm"),
            Lang::Python => include_str!("../queries/python/chunks.scm"),
            Lang::Ruby => include_str!("../queries/ruby/chunks.scm"),
            Lang::Rust => include_str!("../queries/rust/chunks.scm"),
            Lang::Tsx => include_str!("../queries/tsx/chunks.scm"),
            Lang::TypeScript => include_str!("../queries/typescript/chunks.scm"),
            Lang::Markdown | Lang::Text => return None,
        })
    }

    /// The query file's path relative to the indexers crate.
    pub fn query_file(self) -> String {
        format!("queries/{}/chunks.scm", self.name())
    }

    /// The compiled chunk query of a code language, built on first use, once per process.
    ///
    /// `Ok(None)` for languages without a grammar (Markdown, text).
    pub fn chunk_query(self) -> Result<Option<&'static ChunkQuery>, QueryError> {
        type Slot = OnceLock<Result<Option<ChunkQuery>, QueryError>>;
        static QUERIES: [Slot; Lang::ALL.len()] = [const { OnceLock::new() }; Lang::ALL.len()];
        let index = Lang::ALL.iter().position(|l| *l == self).unwrap_or(0);
        match QUERIES[index].get_or_init(|| self.compile_query()) {
            Ok(q) => Ok(q.as_ref()),
            Err(e) => Err(e.clone()),
        }
    }

    fn error(self, message: impl Into<String>) -> QueryError {
        QueryError {
            lang: self.name().to_string(),
            file: self.query_file(),
            message: message.into(),
        }
    }

    /// The query source with every `; inherits:` base prepended, depth-first.
    pub fn resolved_query_source(self) -> Result<String, QueryError> {
        let mut out = String::new();
        self.resolve_into(&mut out, 0)?;
        Ok(out)
    }

    fn resolve_into(self, out: &mut String, depth: usize) -> Result<(), QueryError> {
        if depth > 8 {
            return Err(
                self.error("`; inherits:` chain is deeper than 8 (a cycle?); remove the cycle")
            );
        }
        let source = self
            .query_source()
            .ok_or_else(|| self.error("this language has no chunk query"))?;
        for base in inherited(source) {
            let lang = Lang::parse(base).ok_or_else(|| {
                self.error(format!(
                    "`; inherits: {base}` names an unknown language \"{base}\"; use one of: {}",
                    Lang::ALL.map(|l| l.name()).join(", ")
                ))
            })?;
            lang.resolve_into(out, depth + 1)?;
            out.push('\n');
        }
        out.push_str(source);
        Ok(())
    }

    fn compile_query(self) -> Result<Option<ChunkQuery>, QueryError> {
        if self.grammar().is_none() {
            return Ok(None);
        }
        let source = self.resolved_query_source()?;
        validate_query(self, &source).map(Some)
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The bases named by leading `; inherits: a, b` lines of a query.
fn inherited(source: &str) -> Vec<&str> {
    source
        .lines()
        .map(str::trim)
        .take_while(|l| l.starts_with(';'))
        .filter_map(|l| l.trim_start_matches(';').trim().strip_prefix("inherits:"))
        .flat_map(|list| list.split(',').map(str::trim).filter(|s| !s.is_empty()))
        .collect()
}

/// The parsed `languages.toml`, in [`Lang::ALL`] order.
fn specs() -> &'static [LangSpec] {
    static SPECS: OnceLock<Vec<LangSpec>> = OnceLock::new();
    SPECS.get_or_init(|| {
        // The table is embedded and checked by `languages_toml_matches_lang_all`, so a failure
        // here is a build defect, not bad input.
        let table: LangTable =
            toml::from_str(LANGUAGES_TOML).expect("indexers/languages.toml is valid");
        Lang::ALL
            .iter()
            .map(|lang| {
                table
                    .language
                    .iter()
                    .find(|s| s.name == lang.name())
                    .cloned()
                    .unwrap_or_else(|| panic!("languages.toml has no entry for {}", lang.name()))
            })
            .collect()
    })
}

/// Validates a user-supplied query for a language against the closed capture set.
///
/// Used by tests and available to tools that let users override queries.
pub fn validate_query(lang: Lang, source: &str) -> Result<ChunkQuery, QueryError> {
    let grammar = lang
        .grammar()
        .ok_or_else(|| lang.error("this language has no tree-sitter grammar"))?;
    let query = Query::new(&grammar, source).map_err(|e| {
        lang.error(format!(
            "{:?} error at line {} column {}: {}",
            e.kind,
            e.row + 1,
            e.column + 1,
            e.message
        ))
    })?;
    let captures = query
        .capture_names()
        .iter()
        .map(|name| {
            Capture::parse(name).ok_or_else(|| {
                lang.error(format!(
                    "unknown capture \"@{name}\"; allowed captures are {} (see queries/README.md)",
                    Capture::NAMES.map(|n| format!("@{n}")).join(", ")
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ChunkQuery { query, captures })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lang_all_is_sorted_by_name() {
        let names: Vec<_> = Lang::ALL.iter().map(|l| l.name()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }

    #[test]
    fn languages_toml_matches_lang_all() {
        let table: LangTable = toml::from_str(LANGUAGES_TOML).unwrap();
        let names: Vec<_> = table.language.iter().map(|s| s.name.as_str()).collect();
        let expected: Vec<_> = Lang::ALL.iter().map(|l| l.name()).collect();
        assert_eq!(
            names, expected,
            "languages.toml entries must match Lang::ALL, sorted"
        );
        for lang in Lang::ALL {
            assert_eq!(lang.spec().name, lang.name());
            assert_eq!(Lang::parse(lang.name()), Some(lang));
            let is_code = lang.chunker() == Chunker::Code;
            assert_eq!(lang.grammar().is_some(), is_code, "{lang}");
            assert_eq!(lang.query_source().is_some(), is_code, "{lang}");
        }
    }

    #[test]
    fn every_query_compiles_with_closed_captures() {
        for lang in Lang::ALL {
            let query = lang.chunk_query().unwrap_or_else(|e| panic!("{e}"));
            if lang.chunker() == Chunker::Code {
                let query = query.unwrap();
                assert!(query.captures.contains(&Capture::Name), "{lang}");
                assert!(
                    query
                        .captures
                        .iter()
                        .any(|c| matches!(c, Capture::Definition(_))),
                    "{lang}"
                );
            } else {
                assert!(query.is_none());
            }
        }
    }

    #[test]
    fn unknown_capture_is_rejected_naming_file_and_language() {
        let err = validate_query(Lang::Rust, "(function_item) @chunk.function").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("queries/rust/chunks.scm"), "{message}");
        assert!(message.contains("\"rust\""), "{message}");
        assert!(
            message.contains("unknown capture \"@chunk.function\""),
            "{message}"
        );
    }

    #[test]
    fn inherits_prepends_bases() {
        let tsx = Lang::Tsx.resolved_query_source().unwrap();
        assert!(tsx.contains("interface_declaration"));
        let cpp = Lang::Cpp.resolved_query_source().unwrap();
        assert!(cpp.contains("enum_specifier") && cpp.contains("class_specifier"));
        assert_eq!(inherited("; inherits: a, b\n; x\n(foo)"), vec!["a", "b"]);
    }

    #[test]
    fn detects_languages_from_paths() {
        let cases = [
            ("src/main.rs", Some(Lang::Rust)),
            ("a/b.PY", Some(Lang::Python)),
            ("x.jsx", Some(Lang::JavaScript)),
            ("x.mjs", Some(Lang::JavaScript)),
            ("x.cjs", Some(Lang::JavaScript)),
            ("x.ts", Some(Lang::TypeScript)),
            ("x.tsx", Some(Lang::Tsx)),
            ("x.go", Some(Lang::Go)),
            ("X.java", Some(Lang::Java)),
            ("x.h", Some(Lang::C)),
            ("x.hpp", Some(Lang::Cpp)),
            ("x.cs", Some(Lang::CSharp)),
            ("Rakefile", Some(Lang::Ruby)),
            ("x.sh", Some(Lang::Bash)),
            ("docs/guide.md", Some(Lang::Markdown)),
            (".cursor/rules/x.mdc", Some(Lang::Markdown)),
            ("README", Some(Lang::Text)),
            ("readme", Some(Lang::Text)),
            ("notes.rst", Some(Lang::Text)),
            ("Cargo.toml", None),
            ("Makefile", None),
        ];
        for (path, expected) in cases {
            assert_eq!(Lang::for_path(Path::new(path)), expected, "{path}");
        }
    }

    #[test]
    fn detects_languages_from_shebangs() {
        let cases: [(&[u8], Option<Lang>); 6] = [
            (b"#!/usr/bin/env python3.11\nprint(1)", Some(Lang::Python)),
            (b"#!/bin/bash -e\n", Some(Lang::Bash)),
            (b"#!/usr/bin/env -S node --flag\n", Some(Lang::JavaScript)),
            (b"#!/usr/bin/ruby", Some(Lang::Ruby)),
            (b"#!/usr/bin/perl\n", None),
            (b"no shebang", None),
        ];
        for (bytes, expected) in cases {
            assert_eq!(Lang::detect(Path::new("bin/tool"), bytes), expected);
        }
        assert_eq!(
            Lang::detect(Path::new("x.rs"), b"#!/bin/bash"),
            Some(Lang::Rust),
            "the extension wins over the shebang"
        );
    }
}
