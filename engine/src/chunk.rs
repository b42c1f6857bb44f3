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

/// Characters of a chunk's lines kept in its [`Chunk::embed_text`], at most: more than any
/// model window ctx uses reads (64 to 128 word pieces of code average about 3-4 characters
/// each), so the cut only spares the tokenizer a long body it would truncate anyway.
pub const EMBED_TEXT_CHARS: usize = 1536;

impl Chunk {
    /// The text the embedder sees for this chunk: what retrieval needs from it, compacted so
    /// that a short model window holds as much of it as it can.
    ///
    /// First the path, the symbol or heading breadcrumb and, for a part of a split symbol,
    /// the symbol's signature; then the chunk's lines in order, trimmed, with comment and
    /// quote markers at a line's start removed (`///`, `#`, `"""`, `*`: each is a word piece
    /// of the window that says nothing) and lines without a letter or digit dropped (`}`,
    /// `)?;`, blank lines), cut after [`EMBED_TEXT_CHARS`]. A function is thus embedded by its
    /// signature, doc comment and first lines; the model's window decides how many.
    pub fn embed_text(&self) -> String {
        let mut out = self.path.clone();
        for extra in [&self.symbol, &self.breadcrumb].into_iter().flatten() {
            out.push(' ');
            out.push_str(extra);
        }
        if self.part.is_some() {
            if let Some(sig) = &self.signature {
                out.push('\n');
                out.push_str(sig);
            }
        }
        let mut room = EMBED_TEXT_CHARS;
        for line in self.text.lines() {
            let line = line
                .trim()
                .trim_start_matches(['/', '*', '#', '!', '-', ';', '"', '\'', '>', '`'])
                .trim_start();
            if !line.chars().any(char::is_alphanumeric) {
                continue;
            }
            out.push('\n');
            if line.len() >= room {
                let mut end = room;
                while !line.is_char_boundary(end) {
                    end -= 1;
                }
                out.push_str(&line[..end]);
                break;
            }
            out.push_str(line);
            room -= line.len() + 1;
            if room == 0 {
                break;
            }
        }
        out
    }
}

/// blake3 hex digest of some bytes.
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(text: &str) -> Chunk {
        Chunk {
            path: "src/index.rs".into(),
            language: "rust".into(),
            kind: ChunkKind::Method,
            symbol: Some("Index::open".into()),
            signature: Some("pub fn open(path: &Path) -> Result<Index> {".into()),
            parent: Some("Index".into()),
            breadcrumb: None,
            part: None,
            start_line: 1,
            end_line: 1,
            start_byte: 0,
            end_byte: text.len() as u64,
            content_hash: content_hash(text.as_bytes()),
            tokens: 1,
            text: text.into(),
            front_matter: BTreeMap::new(),
        }
    }

    #[test]
    fn embed_text_keeps_names_and_words_and_drops_markers_and_punctuation_lines() {
        let text = "    /// Opens the index at `path`.\n    ///\n    pub fn open(path: &Path) -> Result<Index> {\n        let meta = read(path)?;\n\n        Ok(Index { meta })\n    }\n";
        assert_eq!(
            chunk(text).embed_text(),
            "src/index.rs Index::open\nOpens the index at `path`.\npub fn open(path: &Path) -> Result<Index> {\nlet meta = read(path)?;\nOk(Index { meta })"
        );
        let python = "def load(path):\n    \"\"\"Load the file.\"\"\"\n    # read it whole\n    return open(path).read()\n";
        let mut c = chunk(python);
        c.symbol = Some("load".into());
        c.path = "pkg/io.py".into();
        assert_eq!(
            c.embed_text(),
            "pkg/io.py load\ndef load(path):\nLoad the file.\"\"\"\nread it whole\nreturn open(path).read()"
        );
    }

    #[test]
    fn embed_text_of_a_part_restates_the_signature_and_a_long_body_is_cut() {
        let mut c = chunk(&"let x = compute_the_next_value(x);\n".repeat(500));
        c.part = Some((2, 3));
        let text = c.embed_text();
        assert!(
            text.starts_with("src/index.rs Index::open\npub fn open(path: &Path)"),
            "{text}"
        );
        let body = text.len() - text.find("\nlet").unwrap();
        assert!(
            body <= EMBED_TEXT_CHARS + 1 && body > EMBED_TEXT_CHARS - 40,
            "{body}"
        );
        let mut wide = chunk(&"é".repeat(EMBED_TEXT_CHARS));
        wide.symbol = None;
        assert!(wide.embed_text().len() <= "src/index.rs\n".len() + EMBED_TEXT_CHARS);
        // Lines that fill the room exactly, or leave one byte, end the text too.
        for first in [EMBED_TEXT_CHARS - 2, EMBED_TEXT_CHARS - 1, EMBED_TEXT_CHARS] {
            let text = format!("{}\nmore words\nand more\n", "x".repeat(first));
            let mut c = chunk(&text);
            c.symbol = None;
            let body = c.embed_text().len() - "src/index.rs\n".len();
            assert!(body <= EMBED_TEXT_CHARS, "{first}: {body}");
        }
    }
}
