//! Chunks: the unit ctx indexes, searches and packs.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What kind of source region a chunk covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChunkKind {
    /// A free function.
    Function,
    /// A function defined inside a class, impl or trait.
    Method,
    /// A class.
    Class,
    /// A struct or record.
    Struct,
    /// An enum.
    Enum,
    /// A trait.
    Trait,
    /// An interface or protocol.
    Interface,
    /// An `impl` block.
    Impl,
    /// A module or namespace.
    Module,
    /// A type alias or other named type definition.
    Type,
    /// Code between symbols: imports, top-level statements.
    Code,
    /// A documentation section under a heading.
    Section,
    /// A paragraph group of unstructured text.
    Text,
    /// A line window of a file in a language ctx cannot parse.
    Window,
}

impl ChunkKind {
    /// Every kind, in declaration order.
    pub const ALL: [ChunkKind; 14] = [
        ChunkKind::Function,
        ChunkKind::Method,
        ChunkKind::Class,
        ChunkKind::Struct,
        ChunkKind::Enum,
        ChunkKind::Trait,
        ChunkKind::Interface,
        ChunkKind::Impl,
        ChunkKind::Module,
        ChunkKind::Type,
        ChunkKind::Code,
        ChunkKind::Section,
        ChunkKind::Text,
        ChunkKind::Window,
    ];

    /// The lowercase name used in output, queries and snapshots.
    pub fn as_str(self) -> &'static str {
        match self {
            ChunkKind::Function => "function",
            ChunkKind::Method => "method",
            ChunkKind::Class => "class",
            ChunkKind::Struct => "struct",
            ChunkKind::Enum => "enum",
            ChunkKind::Trait => "trait",
            ChunkKind::Interface => "interface",
            ChunkKind::Impl => "impl",
            ChunkKind::Module => "module",
            ChunkKind::Type => "type",
            ChunkKind::Code => "code",
            ChunkKind::Section => "section",
            ChunkKind::Text => "text",
            ChunkKind::Window => "window",
        }
    }

    /// Parses a name produced by [`ChunkKind::as_str`].
    pub fn parse(name: &str) -> Option<ChunkKind> {
        ChunkKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// True for kinds that define a named symbol (functions, types, modules...).
    pub fn is_symbol(self) -> bool {
        !matches!(
            self,
            ChunkKind::Code | ChunkKind::Section | ChunkKind::Text | ChunkKind::Window
        )
    }

    /// True for documentation kinds (sections and text).
    pub fn is_doc(self) -> bool {
        matches!(self, ChunkKind::Section | ChunkKind::Text)
    }
}

impl std::fmt::Display for ChunkKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One chunk of one file, as produced by a chunker and stored in the index.
///
/// Lines are 1-based and inclusive; bytes are a half-open range into the file.
/// Every line of a file belongs to exactly one chunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    /// Path relative to the index root, with `/` separators.
    pub path: String,
    /// Language name (`rust`, `python`, `markdown`, `text`...).
    pub language: String,
    /// What the chunk covers.
    pub kind: ChunkKind,
    /// Qualified symbol (`Server::handle`, `Session.request`), if the chunk defines one.
    pub symbol: Option<String>,
    /// The symbol's signature line (its first line, trimmed), if any.
    pub signature: Option<String>,
    /// The enclosing symbol (`Server` for `Server::handle`), if any.
    pub parent: Option<String>,
    /// Heading breadcrumb for documentation (`Guide > Testing > Databases`).
    pub breadcrumb: Option<String>,
    /// For a part of a split symbol: which part (1-based) of how many.
    pub part: Option<(u32, u32)>,
    /// First line, 1-based.
    pub start_line: u32,
    /// Last line, 1-based, inclusive.
    pub end_line: u32,
    /// First byte of the chunk in the file.
    pub start_byte: u64,
    /// One past the last byte of the chunk in the file.
    pub end_byte: u64,
    /// blake3 hex digest of `text`.
    pub content_hash: String,
    /// Token count of `text` (o200k_base).
    pub tokens: u32,
    /// The chunk's source text, lossily decoded as UTF-8.
    pub text: String,
    /// Front matter of the file (documentation only), as flat key/value strings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub front_matter: BTreeMap<String, String>,
}

impl Chunk {
    /// The text a search engine and an embedder see: path, symbol or breadcrumb, then content.
    pub fn search_text(&self) -> String {
        let mut head = self.path.clone();
        if let Some(symbol) = &self.symbol {
            head.push(' ');
            head.push_str(symbol);
        }
        if let Some(crumb) = &self.breadcrumb {
            head.push(' ');
            head.push_str(crumb);
        }
        if self.part.is_some() {
            if let Some(sig) = &self.signature {
                head.push('\n');
                head.push_str(sig);
            }
        }
        format!("{head}\n{}", self.text)
    }
}

/// blake3 hex digest of some bytes.
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}
