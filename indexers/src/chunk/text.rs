//! Chunkers for text without a grammar: paragraphs for plain-text docs, line windows for
//! everything else.

use super::{ChunkLimits, Segment, Source};
use ctx_engine::ChunkKind;

/// Plain-text docs (`.txt`, `.rst`, `README`...): blank-line separated paragraphs, grouped
/// greedily into `text` chunks within the limits. Blank lines stay with the paragraph before
/// them; a paragraph bigger than the limits is cut between lines.
pub fn paragraphs(source: &Source<'_>, limits: &ChunkLimits) -> Vec<Segment> {
    let all = 0..source.line_count();
    Segment::plain(all, ChunkKind::Text)
        .split(source, limits, limits.max_lines, &|l| source.after_blank(l))
}

/// Files in languages ctx cannot parse: windows of `window_lines` lines (kind `window`),
/// shorter where `max_tokens` requires, cut after a blank line when one is near the end.
pub fn windows(source: &Source<'_>, limits: &ChunkLimits) -> Vec<Segment> {
    let all = 0..source.line_count();
    let max_lines = limits.window_lines.min(limits.max_lines);
    Segment::plain(all, ChunkKind::Window).split(source, limits, max_lines, &|_| false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_group_within_limits() {
        let para = "word ".repeat(40);
        let text = format!("{para}\n{para}\n\n{para}\n\n{para}\n{para}\n");
        let source = Source::new(text.as_bytes());
        let limits = ChunkLimits {
            max_tokens: 100,
            ..ChunkLimits::default()
        };
        let segments = paragraphs(&source, &limits);
        let ranges: Vec<_> = segments.iter().map(|s| s.lines.clone()).collect();
        assert_eq!(ranges, vec![0..3, 3..5, 5..7]);
        assert!(segments.iter().all(|s| s.kind == ChunkKind::Text));
    }

    #[test]
    fn small_text_is_one_chunk() {
        let source = Source::new(b"one\n\ntwo\n");
        assert_eq!(paragraphs(&source, &ChunkLimits::default()).len(), 1);
    }
}
