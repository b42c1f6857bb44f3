//! Chunking a file too big to hold whole, as a stream of lines.
//!
//! Files over [`STREAM_ABOVE`] bytes (only indexed when `--max-file-size` lets them in)
//! are never parsed: a syntax tree costs tens of bytes per byte of source, so a 50 MB file
//! took 2 GB. They are read line by line and cut as [`super::text`] cuts text without a
//! grammar: greedy pieces within `max_lines` and `max_tokens`, cut after a blank line when
//! that keeps at least half of the piece (for code and text; files in unknown languages
//! get plain windows of `window_lines`). Each chunk is handed on as soon as it is cut, so
//! memory holds one piece of lines, not the file. The chunks keep the
//! [coverage invariant](super), have no symbols, and are of kind `code` (code languages),
//! `text` (Markdown and text) or `window` (unknown languages).

use super::{count_tokens, ChunkLimits};
use crate::lang::{Chunker, Lang};
#[cfg(doc)]
use crate::walk::STREAM_ABOVE;
use ctx_engine::{content_hash, Chunk, ChunkKind};
use std::collections::BTreeMap;

/// One line of the piece being gathered.
struct Line {
    bytes: Vec<u8>,
    tokens: u32,
    blank: bool,
}

/// Cuts lines into chunks as they come; see the module docs.
pub struct StreamChunker<'a> {
    path: &'a str,
    language: String,
    kind: ChunkKind,
    max_lines: usize,
    max_tokens: u32,
    /// Cut after blank lines when possible (code and text), or anywhere (windows).
    prefer_paragraphs: bool,
    /// The lines gathered since the last cut.
    piece: Vec<Line>,
    piece_tokens: u32,
    /// 0-based number and byte offset of the piece's first line.
    first_line: usize,
    first_byte: u64,
}

impl<'a> StreamChunker<'a> {
    /// A chunker for the file at `rel_path` whose first bytes are `head` (they name the
    /// language when the path does not: a `#!` line).
    pub fn new(rel_path: &'a str, head: &[u8], limits: &ChunkLimits) -> StreamChunker<'a> {
        let limits = limits.sane();
        let lang = Lang::detect(std::path::Path::new(rel_path), head);
        let (language, kind) = match lang {
            Some(lang) => (
                lang.name().to_string(),
                match lang.chunker() {
                    Chunker::Code => ChunkKind::Code,
                    Chunker::Markdown | Chunker::Text => ChunkKind::Text,
                },
            ),
            None => (
                super::fallback_language(std::path::Path::new(rel_path)),
                ChunkKind::Window,
            ),
        };
        let windows = kind == ChunkKind::Window;
        StreamChunker {
            path: rel_path,
            language,
            kind,
            max_lines: if windows {
                limits.window_lines.min(limits.max_lines)
            } else {
                limits.max_lines
            } as usize,
            max_tokens: limits.max_tokens,
            prefer_paragraphs: !windows,
            piece: Vec::new(),
            piece_tokens: 0,
            first_line: 0,
            first_byte: 0,
        }
    }

    /// The language the chunks are stored with.
    pub fn language(&self) -> &str {
        &self.language
    }

    /// Takes the next line (with its `\n`, if any); calls `emit` for each chunk it completes.
    pub fn push(&mut self, bytes: Vec<u8>, emit: &mut dyn FnMut(Chunk)) {
        let tokens = count_tokens(&String::from_utf8_lossy(&bytes));
        let blank = bytes.iter().all(u8::is_ascii_whitespace);
        let line = Line {
            bytes,
            tokens,
            blank,
        };
        while !self.piece.is_empty()
            && (self.piece.len() >= self.max_lines
                || self.piece_tokens.saturating_add(line.tokens) > self.max_tokens)
        {
            let len = self.piece.len();
            let half = len.div_ceil(2);
            let cut = (half..len)
                .rev()
                .find(|i| *i > 0 && self.prefer_paragraphs && self.starts_paragraph(*i))
                .unwrap_or(len);
            self.emit(cut, emit);
        }
        self.piece_tokens = self.piece_tokens.saturating_add(line.tokens);
        self.piece.push(line);
    }

    /// Line `i` (> 0) of the piece follows a blank line and is not blank itself.
    fn starts_paragraph(&self, i: usize) -> bool {
        self.piece[i - 1].blank && !self.piece[i].blank
    }

    /// Emits the first `count` lines of the piece as one chunk.
    fn emit(&mut self, count: usize, emit: &mut dyn FnMut(Chunk)) {
        let rest = self.piece.split_off(count);
        let lines = std::mem::replace(&mut self.piece, rest);
        self.piece_tokens = self.piece.iter().map(|l| l.tokens).sum();
        let mut bytes = Vec::with_capacity(lines.iter().map(|l| l.bytes.len()).sum());
        for line in &lines {
            bytes.extend_from_slice(&line.bytes);
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let start_line = self.first_line;
        let start_byte = self.first_byte;
        self.first_line += lines.len();
        self.first_byte += bytes.len() as u64;
        emit(Chunk {
            path: self.path.to_string(),
            language: self.language.clone(),
            kind: self.kind,
            symbol: None,
            signature: None,
            parent: None,
            breadcrumb: None,
            part: None,
            start_line: line_number(start_line + 1),
            end_line: line_number(self.first_line),
            start_byte,
            end_byte: self.first_byte,
            content_hash: content_hash(text.as_bytes()),
            tokens: count_tokens(&text),
            text,
            front_matter: BTreeMap::new(),
        });
    }

    /// Emits what is left.
    pub fn finish(mut self, emit: &mut dyn FnMut(Chunk)) {
        if !self.piece.is_empty() {
            let len = self.piece.len();
            self.emit(len, emit);
        }
    }
}

fn line_number(line: usize) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::chunk_file;
    use std::io::BufRead;

    /// The chunks of `text` as the file at `path`, fed line by line from a reader with a
    /// small buffer (lines arrive across many reads).
    fn streamed(path: &str, text: &str, limits: &ChunkLimits) -> Vec<Chunk> {
        let head = &text.as_bytes()[..text.len().min(8192)];
        let mut chunker = StreamChunker::new(path, head, limits);
        let mut chunks = Vec::new();
        let mut reader = std::io::BufReader::with_capacity(7, text.as_bytes());
        loop {
            let mut line = Vec::new();
            if reader.read_until(b'\n', &mut line).unwrap() == 0 {
                break;
            }
            chunker.push(line, &mut |c| chunks.push(c));
        }
        chunker.finish(&mut |c| chunks.push(c));
        chunks
    }

    fn paragraphs(n: usize) -> String {
        (0..n)
            .map(|i| {
                let words = "alpha beta gamma ".repeat(1 + i % 7);
                if i % 5 == 4 {
                    format!("{words}\n\n")
                } else {
                    format!("{words}\n")
                }
            })
            .collect()
    }

    #[test]
    fn streamed_text_is_cut_where_the_text_chunker_cuts_it() {
        let limits = ChunkLimits {
            max_tokens: 120,
            max_lines: 30,
            window_lines: 12,
        };
        let text = paragraphs(400);
        for path in ["notes.txt", "data.unknownext"] {
            let whole: Vec<_> = chunk_file(path, text.as_bytes(), &limits)
                .into_iter()
                .map(|c| (c.start_line, c.end_line, c.start_byte, c.end_byte, c.kind))
                .collect();
            let stream: Vec<_> = streamed(path, &text, &limits)
                .into_iter()
                .map(|c| (c.start_line, c.end_line, c.start_byte, c.end_byte, c.kind))
                .collect();
            assert!(whole.len() > 10, "{path}: {}", whole.len());
            assert_eq!(stream, whole, "{path}");
        }
    }

    #[test]
    fn streamed_chunks_tile_the_file_within_the_limits() {
        let limits = ChunkLimits::default();
        let mut text = paragraphs(3000);
        text.push_str("fn last() {}"); // no final newline
        let chunks = streamed("big.rs", &text, &limits);
        let mut next = (1u32, 0u64);
        for c in &chunks {
            assert_eq!((c.start_line, c.start_byte), next);
            assert!(c.end_line >= c.start_line);
            assert!(c.end_line - c.start_line < limits.max_lines);
            assert!(c.tokens <= limits.max_tokens, "{}", c.tokens);
            assert_eq!(c.tokens, count_tokens(&c.text));
            assert_eq!(c.text, text[c.start_byte as usize..c.end_byte as usize]);
            assert_eq!((c.kind, c.language.as_str()), (ChunkKind::Code, "rust"));
            assert_eq!(c.content_hash, content_hash(c.text.as_bytes()));
            next = (c.end_line + 1, c.end_byte);
        }
        assert_eq!(next.1, text.len() as u64);
        assert_eq!(next.0 as usize - 1, text.lines().count());
    }

    #[test]
    fn a_line_over_the_limits_is_a_chunk_of_its_own() {
        let long = "token ".repeat(2000);
        let text = format!("short\n{long}\nshort again\n");
        let chunks = streamed("a.txt", &text, &ChunkLimits::default());
        let lines: Vec<_> = chunks.iter().map(|c| (c.start_line, c.end_line)).collect();
        assert_eq!(lines, [(1, 1), (2, 2), (3, 3)]);
    }

    #[test]
    fn a_shebang_names_the_language_of_a_file_without_extension() {
        let text = "#!/usr/bin/env python3\nprint(1)\n";
        let chunks = streamed("tools/run", text, &ChunkLimits::default());
        assert_eq!(chunks[0].language, "python");
        assert_eq!(chunks[0].kind, ChunkKind::Code);
    }
}
