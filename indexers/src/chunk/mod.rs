//! Chunkers: cut one file into [`Chunk`]s.
//!
//! [`chunk_file`] picks the chunker from the file's language ([`Lang::detect`]):
//!
//! | Files                                   | Chunker                       | Kinds            |
//! |-----------------------------------------|-------------------------------|------------------|
//! | code languages of `languages.toml`      | tree-sitter ([`code`])        | symbols + `code` |
//! | Markdown (`.md`, `.mdx`, `.markdown`, `.mdc`) | headings ([`markdown`]) | `section` (+ `code` for front matter) |
//! | plain text (`.txt`, `.rst`, `README`...) | paragraphs ([`text`])        | `text`           |
//! | anything else                           | line windows ([`text`])       | `window`         |
//!
//! Every chunker keeps the **coverage invariant**: every line of the file belongs to exactly
//! one chunk, in order, with no gaps and no overlaps, and the chunks' byte ranges tile the
//! file. An empty file has no chunks. Byte ranges and line numbers are computed on the
//! original bytes; only each chunk's `text` is decoded (lossily, so invalid UTF-8 becomes
//! U+FFFD there and nowhere else). A line is never cut: a single line longer than the limits
//! becomes one oversized chunk.

pub mod code;
pub mod markdown;
pub mod stream;
pub mod text;

use crate::lang::{Chunker, Lang};
use ctx_engine::{content_hash, Chunk, ChunkKind};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

/// Size bounds for chunks.
///
/// A chunk stays within `max_tokens` and `max_lines` unless a single line is bigger than
/// that. The defaults suit embedding models with 512-token windows and keep a function of
/// typical size in one chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLimits {
    /// Most o200k_base tokens in one chunk. Default 512.
    pub max_tokens: u32,
    /// Most lines in one chunk. Default 150.
    pub max_lines: u32,
    /// Lines per window for files in unknown languages. Default 60.
    pub window_lines: u32,
}

impl Default for ChunkLimits {
    fn default() -> ChunkLimits {
        ChunkLimits {
            max_tokens: 512,
            max_lines: 150,
            window_lines: 60,
        }
    }
}

impl ChunkLimits {
    /// The limits with zero values raised to 1, so every chunker makes progress.
    fn sane(self) -> ChunkLimits {
        ChunkLimits {
            max_tokens: self.max_tokens.max(1),
            max_lines: self.max_lines.max(1),
            window_lines: self.window_lines.max(1),
        }
    }
}

/// Cuts a file into chunks that cover every line exactly once.
///
/// `rel_path` is the path relative to the index root with `/` separators; it picks the
/// language (extension, file name, then a `#!` line) and is stored on every chunk.
pub fn chunk_file(rel_path: &str, bytes: &[u8], limits: &ChunkLimits) -> Vec<Chunk> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let limits = limits.sane();
    let source = Source::new(bytes);
    let path = Path::new(rel_path);
    let lang = Lang::detect(path, bytes);
    let (language, segments, front_matter) = match lang {
        Some(lang) => {
            let (segments, front_matter) = match lang.chunker() {
                Chunker::Code => (code::chunk(lang, &source, &limits), BTreeMap::new()),
                Chunker::Markdown => markdown::chunk(&source, &limits),
                Chunker::Text => (text::paragraphs(&source, &limits), BTreeMap::new()),
            };
            (lang.name().to_string(), segments, front_matter)
        }
        None => (
            fallback_language(path),
            text::windows(&source, &limits),
            BTreeMap::new(),
        ),
    };
    debug_assert!(covers(&segments, source.line_count()), "{rel_path}");
    segments
        .into_iter()
        .map(|seg| seg.into_chunk(rel_path, &language, &source, &front_matter))
        .collect()
}

/// The language name of a file no chunker knows: its lowercase extension, else its
/// lowercase file name (`toml`, `makefile`), else `unknown`.
fn fallback_language(path: &Path) -> String {
    path.extension()
        .or_else(|| path.file_name())
        .and_then(|s| s.to_str())
        .map(|s| s.trim_start_matches('.').to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Counts o200k_base tokens of a text, exactly, in linear time.
pub fn count_tokens(text: &str) -> u32 {
    let count = ctx_engine::pack::tokens::Tokenizer::O200kBase.count(text);
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// `Some(count)` when `text` has at most `limit` o200k_base tokens, else `None`.
///
/// Counting stops a few tokens past the limit, so a text far over it costs only about
/// `limit` tokens of work: this is how the chunkers test whether a region fits.
pub fn count_tokens_up_to(text: &str, limit: u32) -> Option<u32> {
    let bpe = bpe_openai::o200k_base();
    let count = bpe.count_till_limit(&bpe.normalize(text), limit as usize)?;
    Some(u32::try_from(count).unwrap_or(u32::MAX))
}

/// A file's bytes with a line index.
///
/// Lines end after each `\n`; a last line without `\n` counts. Line indices are 0-based
/// internally and 1-based on [`Chunk`].
pub struct Source<'a> {
    bytes: &'a [u8],
    /// Byte offset where each line starts, plus `bytes.len()` at the end.
    starts: Vec<usize>,
}

impl<'a> Source<'a> {
    /// Indexes the lines of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Source<'a> {
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        if starts.last() != Some(&bytes.len()) {
            starts.push(bytes.len());
        }
        Source { bytes, starts }
    }

    /// The whole file.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Number of lines (0 for an empty file).
    pub fn line_count(&self) -> usize {
        self.starts.len() - 1
    }

    /// The byte range of lines `lines` (0-based, end exclusive), newlines included.
    pub fn byte_range(&self, lines: Range<usize>) -> Range<usize> {
        self.starts[lines.start]..self.starts[lines.end]
    }

    /// The bytes of one line, without its line ending.
    pub fn line(&self, line: usize) -> &'a [u8] {
        let bytes = &self.bytes[self.starts[line]..self.starts[line + 1]];
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        bytes.strip_suffix(b"\r").unwrap_or(bytes)
    }

    /// The line containing a byte offset.
    pub fn line_of(&self, byte: usize) -> usize {
        match self.starts.binary_search(&byte) {
            Ok(i) => i.min(self.line_count().saturating_sub(1)),
            Err(i) => i - 1,
        }
    }

    /// True if a line has only whitespace.
    pub fn is_blank(&self, line: usize) -> bool {
        self.line(line).iter().all(u8::is_ascii_whitespace)
    }

    /// Lines `lines` decoded lossily.
    pub fn text(&self, lines: Range<usize>) -> String {
        String::from_utf8_lossy(&self.bytes[self.byte_range(lines)]).into_owned()
    }

    /// Tokens of lines `lines`.
    fn tokens(&self, lines: Range<usize>) -> u32 {
        count_tokens(&self.text(lines))
    }

    /// `Some(tokens)` if lines `lines` are within both limits, `None` if not. Tokens are
    /// counted only when the byte size alone does not settle it (a token is at least one
    /// byte); then the count is returned so that it need not be recounted.
    fn fits(&self, lines: Range<usize>, max_lines: u32, max_tokens: u32) -> Option<Option<u32>> {
        if lines.len() > max_lines as usize {
            return None;
        }
        if self.byte_range(lines.clone()).len() <= max_tokens as usize {
            return Some(None);
        }
        count_tokens_up_to(&self.text(lines), max_tokens).map(Some)
    }

    /// Splits `lines` into consecutive pieces within the limits.
    ///
    /// A piece grows line by line; when the next line would break a limit, the piece is cut
    /// at the last line for which `prefer_cut_before` holds, if that keeps at least half of
    /// the piece, else right there. A single line over the limits is a piece of its own.
    /// Each piece comes with its token count when it was computed exactly on the way.
    fn split(
        &self,
        lines: Range<usize>,
        max_lines: u32,
        max_tokens: u32,
        prefer_cut_before: &dyn Fn(usize) -> bool,
    ) -> Vec<(Range<usize>, Option<u32>)> {
        if lines.is_empty() {
            return Vec::new();
        }
        if let Some(tokens) = self.fits(lines.clone(), max_lines, max_tokens) {
            return vec![(lines, tokens)];
        }
        let line_tokens: Vec<u32> = lines.clone().map(|l| self.tokens(l..l + 1)).collect();
        let tokens_of = |l: usize| line_tokens[l - lines.start];
        let mut pieces = Vec::new();
        let mut start = lines.start;
        let mut tokens = 0u32;
        let mut line = lines.start;
        while line < lines.end {
            let t = tokens_of(line);
            let over = line > start
                && (line - start >= max_lines as usize || tokens.saturating_add(t) > max_tokens);
            if !over {
                tokens = tokens.saturating_add(t);
                line += 1;
                continue;
            }
            let half = start + (line - start).div_ceil(2);
            let cut = (half..line)
                .rev()
                .find(|l| *l > start && prefer_cut_before(*l))
                .unwrap_or(line);
            pieces.push((start..cut, None));
            start = cut;
            tokens = (start..line).map(tokens_of).sum();
        }
        pieces.push((start..lines.end, None));
        pieces
    }

    /// True if `line` follows a blank line: a paragraph start.
    fn after_blank(&self, line: usize) -> bool {
        line > 0 && self.is_blank(line - 1) && !self.is_blank(line)
    }
}

/// A chunk before it is materialised: lines and metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// 0-based lines, end exclusive.
    pub lines: Range<usize>,
    /// The chunk kind.
    pub kind: ChunkKind,
    /// Qualified symbol.
    pub symbol: Option<String>,
    /// Signature line.
    pub signature: Option<String>,
    /// Enclosing symbol.
    pub parent: Option<String>,
    /// Heading breadcrumb.
    pub breadcrumb: Option<String>,
    /// Part `i` of `n` of a split symbol or section.
    pub part: Option<(u32, u32)>,
    /// The token count, when already known exactly (saves counting twice).
    pub tokens: Option<u32>,
}

impl Segment {
    /// A segment with only lines and kind.
    pub fn plain(lines: Range<usize>, kind: ChunkKind) -> Segment {
        Segment {
            lines,
            kind,
            symbol: None,
            signature: None,
            parent: None,
            breadcrumb: None,
            part: None,
            tokens: None,
        }
    }

    /// Splits this segment within the limits. Parts of symbols and sections are numbered
    /// (`part`) and keep every other field; other kinds are simply cut.
    fn split(
        self,
        source: &Source<'_>,
        limits: &ChunkLimits,
        max_lines: u32,
        prefer_cut_before: &dyn Fn(usize) -> bool,
    ) -> Vec<Segment> {
        let pieces = source.split(
            self.lines.clone(),
            max_lines,
            limits.max_tokens,
            prefer_cut_before,
        );
        let numbered =
            pieces.len() > 1 && (self.kind.is_symbol() || self.kind == ChunkKind::Section);
        let n = u32::try_from(pieces.len()).unwrap_or(u32::MAX);
        pieces
            .into_iter()
            .zip(1u32..)
            .map(|((lines, tokens), i)| Segment {
                lines,
                tokens,
                part: if numbered { Some((i, n)) } else { self.part },
                ..self.clone()
            })
            .collect()
    }

    fn into_chunk(
        self,
        path: &str,
        language: &str,
        source: &Source<'_>,
        front_matter: &BTreeMap<String, String>,
    ) -> Chunk {
        let bytes = source.byte_range(self.lines.clone());
        let text = String::from_utf8_lossy(&source.bytes()[bytes.clone()]).into_owned();
        Chunk {
            path: path.to_string(),
            language: language.to_string(),
            kind: self.kind,
            symbol: self.symbol,
            signature: self.signature,
            parent: self.parent,
            breadcrumb: self.breadcrumb,
            part: self.part,
            start_line: line_number(self.lines.start + 1),
            end_line: line_number(self.lines.end),
            start_byte: bytes.start as u64,
            end_byte: bytes.end as u64,
            content_hash: content_hash(text.as_bytes()),
            tokens: self.tokens.unwrap_or_else(|| count_tokens(&text)),
            text,
            front_matter: front_matter.clone(),
        }
    }
}

fn line_number(line: usize) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

/// True if segments tile lines `0..line_count` in order.
pub fn covers(segments: &[Segment], line_count: usize) -> bool {
    let mut next = 0;
    for seg in segments {
        if seg.lines.start != next || seg.lines.end <= seg.lines.start {
            return false;
        }
        next = seg.lines.end;
    }
    next == line_count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_has_no_chunks() {
        assert!(chunk_file("a.rs", b"", &ChunkLimits::default()).is_empty());
        assert!(chunk_file("a.txt", b"", &ChunkLimits::default()).is_empty());
    }

    #[test]
    fn source_counts_lines_with_and_without_final_newline() {
        assert_eq!(Source::new(b"a").line_count(), 1);
        assert_eq!(Source::new(b"a\n").line_count(), 1);
        assert_eq!(Source::new(b"a\nb").line_count(), 2);
        assert_eq!(Source::new(b"\n\n").line_count(), 2);
        let s = Source::new(b"ab\r\ncd\n");
        assert_eq!(s.line(0), b"ab");
        assert_eq!(s.byte_range(1..2), 4..7);
        assert_eq!(s.line_of(0), 0);
        assert_eq!(s.line_of(3), 0);
        assert_eq!(s.line_of(4), 1);
    }

    #[test]
    fn counts_tokens() {
        assert_eq!(count_tokens(""), 0);
        assert_eq!(count_tokens("hello world"), 2);
        let blob = "a".repeat(100_000);
        let started = std::time::Instant::now();
        let n = count_tokens(&blob);
        assert!(n > 1000, "{n}");
        assert!(started.elapsed().as_secs() < 2, "{:?}", started.elapsed());
    }

    #[test]
    fn counting_up_to_a_limit_agrees_with_the_full_count() {
        let code = "fn parse(input: &str) -> Result<Config, Error> {\n    todo!()\n}\n";
        for text in ["", "hello world", code, &code.repeat(40), &"é".repeat(3000)] {
            let full = count_tokens(text);
            for limit in [0, 1, full.saturating_sub(1), full, full + 1, 512] {
                let expected = (full <= limit).then_some(full);
                assert_eq!(
                    count_tokens_up_to(text, limit),
                    expected,
                    "{limit}: {text:.40}"
                );
            }
        }
    }

    #[test]
    fn split_respects_limits_and_prefers_blank_lines() {
        let text: String = (0..40)
            .map(|i| {
                if i % 10 == 9 {
                    "\n".to_string()
                } else {
                    format!("line {i}\n")
                }
            })
            .collect();
        let source = Source::new(text.as_bytes());
        let pieces: Vec<_> = source
            .split(0..40, 15, 10_000, &|l| source.after_blank(l))
            .into_iter()
            .map(|(lines, _)| lines)
            .collect();
        assert!(pieces.iter().all(|p| p.len() <= 15), "{pieces:?}");
        assert_eq!(pieces[0], 0..10, "cut after the blank line 9");
        assert_eq!(pieces.last().unwrap().end, 40);
        for w in pieces.windows(2) {
            assert_eq!(w[0].end, w[1].start);
        }
    }

    #[test]
    fn fallback_language_names() {
        assert_eq!(fallback_language(Path::new("Cargo.toml")), "toml");
        assert_eq!(fallback_language(Path::new("Makefile")), "makefile");
        assert_eq!(fallback_language(Path::new(".env")), "env");
    }

    #[test]
    fn unknown_languages_get_windows() {
        let text: String = (0..130).map(|i| format!("key{i} = {i}\n")).collect();
        let chunks = chunk_file("conf/app.toml", text.as_bytes(), &ChunkLimits::default());
        assert_eq!(chunks.len(), 3);
        assert!(chunks
            .iter()
            .all(|c| c.kind == ChunkKind::Window && c.language == "toml"));
        assert_eq!((chunks[0].start_line, chunks[0].end_line), (1, 60));
        assert_eq!((chunks[2].start_line, chunks[2].end_line), (121, 130));
    }

    #[test]
    fn invalid_utf8_keeps_byte_ranges() {
        let bytes = b"fn a() {}\n\xff\xfe bad\nfn b() {}\n";
        let chunks = chunk_file("x.rs", bytes, &ChunkLimits::default());
        let mut next = 0u64;
        for c in &chunks {
            assert_eq!(c.start_byte, next);
            next = c.end_byte;
        }
        assert_eq!(next, bytes.len() as u64);
        assert!(chunks.iter().any(|c| c.text.contains('\u{fffd}')));
    }

    #[test]
    fn huge_single_line_is_one_fast_chunk() {
        let line = "x".repeat(100_000);
        for path in ["a.rs", "a.txt", "a.md", "a.json"] {
            let started = std::time::Instant::now();
            let chunks = chunk_file(path, line.as_bytes(), &ChunkLimits::default());
            assert_eq!(chunks.len(), 1, "{path}");
            assert!(
                started.elapsed().as_secs() < 2,
                "{path}: {:?}",
                started.elapsed()
            );
        }
    }
}
