//! The rendered prompt as a sequence of pieces, and its exact token count.
//!
//! Every piece of a pack (a file's opening line, a chunk's numbered lines, a map entry...)
//! is counted once while the pack is chosen. The prompt keeps where each piece ends and
//! the count made of exactly that text. [`Prompt::count`] then counts the whole prompt
//! without tokenizing it a second time: wherever a piece ends at a *safe boundary* (see
//! [`is_safe_boundary`]) the tokenizer starts a new pre-tokenizer piece, so the count of
//! the text is the sum of the counts of the parts. Boundaries are checked on the final
//! text, not assumed: pieces joined at an unsafe boundary are merged and the merged text
//! is counted afresh, as is any piece whose count is not known.

use super::tokens::{is_safe_boundary, Tokenizer};

/// One piece: where it ends in the text, and its token count when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    end: usize,
    tokens: Option<u64>,
}

/// A prompt being rendered: its text and the pieces it is made of.
#[derive(Debug, Default)]
pub struct Prompt {
    text: String,
    pieces: Vec<Piece>,
}

/// A run of pieces counted as one: the text range and the known count, if every piece of
/// the run is a single piece with a known count.
struct Segment {
    start: usize,
    end: usize,
    tokens: Option<u64>,
}

impl Prompt {
    /// An empty prompt with room for `bytes` bytes.
    pub fn with_capacity(bytes: usize) -> Prompt {
        Prompt {
            text: String::with_capacity(bytes),
            pieces: Vec::new(),
        }
    }

    /// Appends `text`, whose token count is `tokens` when the caller counted exactly this
    /// text with the tokenizer [`Prompt::count`] will be given (`None`: count it then).
    pub fn push(&mut self, text: &str, tokens: Option<u64>) {
        if text.is_empty() {
            return;
        }
        self.text.push_str(text);
        self.pieces.push(Piece {
            end: self.text.len(),
            tokens,
        });
    }

    /// The text so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The finished text.
    pub fn into_text(self) -> String {
        self.text
    }

    /// The exact number of tokens `tokenizer` makes of the text: the known counts of
    /// pieces that start and end at safe boundaries, plus fresh counts (in parallel) of
    /// everything else.
    pub fn count(&self, tokenizer: Tokenizer) -> u64 {
        let segments = self.segments();
        let unknown: Vec<&str> = segments
            .iter()
            .filter(|s| s.tokens.is_none())
            .map(|s| &self.text[s.start..s.end])
            .collect();
        let fresh: u64 = tokenizer
            .count_many(&unknown)
            .into_iter()
            .map(|n| n as u64)
            .sum();
        let known: u64 = segments.iter().filter_map(|s| s.tokens).sum();
        known + fresh
    }

    /// The pieces grouped into segments that meet at safe boundaries.
    fn segments(&self) -> Vec<Segment> {
        let mut out: Vec<Segment> = Vec::with_capacity(self.pieces.len());
        let mut start = 0;
        for piece in &self.pieces {
            match out.last_mut() {
                Some(last) if !is_safe_boundary(&self.text, start) => {
                    last.end = piece.end;
                    last.tokens = None;
                }
                _ => out.push(Segment {
                    start,
                    end: piece.end,
                    tokens: piece.tokens,
                }),
            }
            start = piece.end;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z<>/\"= ]{0,12}\n",
            "[0-9]{1,4}\\| [ a-z(){};]{0,20}\n",
            Just("\n".to_string()),
            Just("  indented\n".to_string()),
            Just("/// doc\n".to_string()),
            Just("⋮\n".to_string()),
            "[a-z ]{1,8}",
        ]
    }

    proptest! {
        #[test]
        fn counts_equal_the_count_of_the_whole_text(
            pieces in proptest::collection::vec(piece(), 0..30),
            known in proptest::collection::vec(any::<bool>(), 30),
        ) {
            for tok in Tokenizer::ALL {
                let mut prompt = Prompt::with_capacity(0);
                for (p, k) in pieces.iter().zip(&known) {
                    let tokens = k.then(|| tok.count(p) as u64);
                    prompt.push(p, tokens);
                }
                prop_assert_eq!(prompt.count(tok), tok.count(prompt.text()) as u64);
            }
        }
    }

    #[test]
    fn a_wrong_count_at_an_unsafe_boundary_is_not_trusted() {
        let tok = Tokenizer::O200kBase;
        let mut prompt = Prompt::with_capacity(0);
        prompt.push("fn main() {\n", Some(tok.count("fn main() {\n") as u64));
        // Starts with whitespace: not a safe boundary, so its (wrong) count is dropped.
        prompt.push("    body();\n", Some(999));
        prompt.push("}\n", Some(tok.count("}\n") as u64));
        assert_eq!(prompt.count(tok), tok.count(prompt.text()) as u64);
    }

    #[test]
    fn empty_pieces_are_skipped() {
        let mut prompt = Prompt::with_capacity(0);
        prompt.push("", Some(5));
        assert_eq!(prompt.count(Tokenizer::O200kBase), 0);
        assert_eq!(prompt.into_text(), "");
    }
}
