//! Token counting with the tokenizers of the model profiles.
//!
//! Counting uses the `bpe-openai` crate (GitHub's exact backtracking BPE): the same counts
//! as OpenAI's tiktoken, in linear time, about twice as fast as tiktoken-rs and with a table
//! that loads three times faster. The tables are deserialised once per process. Long texts are counted in parallel: the text is cut at *safe
//! boundaries*, places where both supported tokenizers are guaranteed to start a new
//! pre-tokenizer piece, so the sum of the parts equals the count of the whole exactly.
//! Batches of texts ([`Tokenizer::count_many`]) encode each distinct pre-tokenizer piece
//! once per thread and look up its repeats.

use bpe_openai::Tokenizer as Bpe;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// A tokenizer a profile counts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tokenizer {
    /// OpenAI's `o200k_base` (GPT-4o, GPT-5, Codex models).
    O200kBase,
    /// OpenAI's `cl100k_base` (GPT-4, GPT-3.5).
    Cl100kBase,
}

/// Texts shorter than this are counted on one thread.
const PARALLEL_THRESHOLD: usize = 256 * 1024;

impl Tokenizer {
    /// Every tokenizer, for listings.
    pub const ALL: [Tokenizer; 2] = [Tokenizer::O200kBase, Tokenizer::Cl100kBase];

    /// The tokenizer's name (`o200k_base`, `cl100k_base`).
    pub fn name(self) -> &'static str {
        match self {
            Tokenizer::O200kBase => "o200k_base",
            Tokenizer::Cl100kBase => "cl100k_base",
        }
    }

    /// Parses a name given by [`Tokenizer::name`] (also `o200k`, `cl100k`).
    pub fn parse(name: &str) -> Option<Tokenizer> {
        match name.trim().to_ascii_lowercase().as_str() {
            "o200k_base" | "o200k" => Some(Tokenizer::O200kBase),
            "cl100k_base" | "cl100k" => Some(Tokenizer::Cl100kBase),
            _ => None,
        }
    }

    /// The BPE, built on first use and shared for the life of the process.
    fn bpe(self) -> &'static Bpe {
        match self {
            Tokenizer::O200kBase => bpe_openai::o200k_base(),
            Tokenizer::Cl100kBase => bpe_openai::cl100k_base(),
        }
    }

    /// Starts loading the BPE tables on another thread, so that they are ready (or nearly)
    /// by the first count; a count made meanwhile waits for the load. Idempotent.
    pub fn preload(self) {
        std::thread::spawn(move || {
            self.bpe();
        });
    }

    /// Number of tokens in `text` (no special tokens).
    pub fn count(self, text: &str) -> usize {
        if text.len() < PARALLEL_THRESHOLD {
            return self.bpe().count(text);
        }
        self.count_parallel(text)
    }

    /// Counts several texts, in parallel when there is enough work; one count per text.
    pub fn count_many(self, texts: &[&str]) -> Vec<usize> {
        let total: usize = texts.iter().map(|t| t.len()).sum();
        let threads = thread_count();
        if total < PARALLEL_THRESHOLD || threads < 2 || texts.len() < 2 {
            return self.count_serial(texts);
        }
        let groups = groups_by_size(texts, total.div_ceil(threads));
        let (first, rest) = groups.split_first().expect("texts are not empty");
        std::thread::scope(|scope| {
            let handles: Vec<_> = rest
                .iter()
                .map(|&group| scope.spawn(move || self.count_serial(group)))
                .collect();
            // This thread counts the first group while the others count the rest.
            let mut counts = self.count_serial(first);
            for h in handles {
                counts.extend(h.join().expect("token counting thread panicked"));
            }
            counts
        })
    }

    /// Counts texts on this thread, each pre-tokenizer piece once: code repeats its pieces
    /// (keywords, names, indentation), so most are looked up instead of encoded. The same
    /// counts as [`Tokenizer::count`]: both sum the encodings of the same pieces.
    fn count_serial(self, texts: &[&str]) -> Vec<usize> {
        let bpe = self.bpe();
        let mut known: FxHashMap<&str, u32> = FxHashMap::default();
        texts
            .iter()
            .map(|text| {
                bpe.split(text)
                    .map(|piece| {
                        let count = known
                            .entry(piece)
                            .or_insert_with(|| bpe.bpe.count(piece.as_bytes()) as u32);
                        *count as usize
                    })
                    .sum()
            })
            .collect()
    }

    fn count_parallel(self, text: &str) -> usize {
        let threads = thread_count();
        let parts = split_at_safe_boundaries(text, threads * 2);
        if parts.len() < 2 {
            return self.bpe().count(text);
        }
        self.count_many(&parts).into_iter().sum()
    }
}

impl std::fmt::Display for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `texts` cut into consecutive groups of about `bytes` bytes each.
fn groups_by_size<'a, 't>(texts: &'a [&'t str], bytes: usize) -> Vec<&'a [&'t str]> {
    let mut groups = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, text) in texts.iter().enumerate() {
        size += text.len();
        if size >= bytes {
            groups.push(&texts[start..=i]);
            (start, size) = (i + 1, 0);
        }
    }
    if start < texts.len() {
        groups.push(&texts[start..]);
    }
    groups
}

fn thread_count() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8)
}

/// True when a pre-tokenizer piece must start at byte `at` of `text`.
///
/// Both the o200k and cl100k patterns end any piece holding a newline at that newline when
/// the next character is neither whitespace nor `/` (the only character the punctuation
/// piece may take after newlines), and every piece that could span the position would have
/// to hold the newline. So after `\n` followed by such a character, counts are additive.
pub fn is_safe_boundary(text: &str, at: usize) -> bool {
    if at == 0 || at >= text.len() || !text.is_char_boundary(at) {
        return false;
    }
    let bytes = text.as_bytes();
    if bytes[at - 1] != b'\n' {
        return false;
    }
    text[at..]
        .chars()
        .next()
        .is_some_and(|c| !c.is_whitespace() && c != '/')
}

/// Cuts `text` into at most `parts` pieces at safe boundaries, near equal in size.
pub fn split_at_safe_boundaries(text: &str, parts: usize) -> Vec<&str> {
    let parts = parts.max(1);
    let target = text.len() / parts;
    let mut out = Vec::with_capacity(parts);
    let mut start = 0;
    while out.len() + 1 < parts {
        let Some(cut) = next_safe_boundary(text, start + target.max(1)) else {
            break;
        };
        out.push(&text[start..cut]);
        start = cut;
    }
    out.push(&text[start..]);
    out
}

fn next_safe_boundary(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    while at < bytes.len() {
        let newline = bytes[at..].iter().position(|&b| b == b'\n')? + at;
        if is_safe_boundary(text, newline + 1) {
            return Some(newline + 1);
        }
        at = newline + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_known_text() {
        assert_eq!(Tokenizer::O200kBase.count("hello world"), 2);
        assert_eq!(Tokenizer::Cl100kBase.count("hello world"), 2);
        assert_eq!(Tokenizer::O200kBase.count(""), 0);
    }

    #[test]
    fn parses_names() {
        assert_eq!(Tokenizer::parse("o200k"), Some(Tokenizer::O200kBase));
        assert_eq!(Tokenizer::parse("cl100k_base"), Some(Tokenizer::Cl100kBase));
        assert_eq!(Tokenizer::parse("gpt2"), None);
    }

    #[test]
    fn parallel_count_equals_serial_count() {
        let line =
            "fn main() {\n    let x = \"a // b\";\n}\n// comment\n  \n\n/// doc\nstruct S;\n";
        let text = line.repeat(20_000);
        let serial = Tokenizer::O200kBase.bpe().count(&text);
        assert_eq!(Tokenizer::O200kBase.count(&text), serial);
        let serial = Tokenizer::Cl100kBase.bpe().count(&text);
        assert_eq!(Tokenizer::Cl100kBase.count(&text), serial);
    }

    #[test]
    fn counting_many_in_parallel_equals_counting_each() {
        let texts: Vec<String> = (0..3_000)
            .map(|i| {
                let line = format!(
                    "fn f{i}() {{ let x = {i} * 7; }} // é{}\n",
                    " ".repeat(i % 5)
                );
                line.repeat(1 + i % 9)
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        assert!(refs.iter().map(|t| t.len()).sum::<usize>() > PARALLEL_THRESHOLD);
        for tok in Tokenizer::ALL {
            let each: Vec<usize> = refs.iter().map(|t| tok.bpe().count(*t)).collect();
            assert_eq!(tok.count_many(&refs), each);
        }
    }

    #[test]
    fn groups_cover_every_text_in_order() {
        let texts = ["aaaa", "b", "cc", "dddddd", "e"];
        let groups = groups_by_size(&texts, 5);
        assert_eq!(groups.concat(), texts);
        assert_eq!(groups[0], ["aaaa", "b"]);
        assert!(groups_by_size(&[], 5).is_empty());
    }

    fn code_like() -> impl Strategy<Value = String> {
        let line = prop_oneof![
            Just("".to_string()),
            Just("    ".to_string()),
            "[ \t]{0,6}[a-zA-Z_(){}/;:.,'\"=<>0-9 ]{0,30}",
            "[/#*-]{1,3}[ a-z]{0,10}",
            "\\PC{0,8}",
        ];
        proptest::collection::vec(line, 1..40).prop_map(|lines| lines.join("\n"))
    }

    proptest! {
        #[test]
        fn counts_add_up_at_safe_boundaries(text in code_like()) {
            for tok in Tokenizer::ALL {
                let whole = tok.bpe().count(&text);
                let sum: usize = split_at_safe_boundaries(&text, 5)
                    .iter()
                    .map(|p| tok.bpe().count(p))
                    .sum();
                prop_assert_eq!(whole, sum, "{} on {:?}", tok, text);
            }
        }

        #[test]
        fn counting_many_equals_counting_each(
            texts in proptest::collection::vec(code_like(), 0..12),
        ) {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            for tok in Tokenizer::ALL {
                let each: Vec<usize> = refs.iter().map(|t| tok.bpe().count(*t)).collect();
                prop_assert_eq!(tok.count_many(&refs), each);
            }
        }

        #[test]
        fn counts_equal_tiktoken(text in code_like()) {
            let o200k = tiktoken_rs::o200k_base_singleton().encode_ordinary(&text).len();
            prop_assert_eq!(Tokenizer::O200kBase.count(&text), o200k);
            let cl100k = tiktoken_rs::cl100k_base_singleton().encode_ordinary(&text).len();
            prop_assert_eq!(Tokenizer::Cl100kBase.count(&text), cl100k);
        }
    }
}
