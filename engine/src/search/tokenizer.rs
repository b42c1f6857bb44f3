//! A code-aware tokenizer: identifiers are split into their words and kept whole.
//!
//! `sessionRequest`, `session_request` and `SessionRequest` all yield `session` and
//! `request` (plus the whole identifier, lowercased); `kebab-case` yields `kebab`, `case`
//! and `kebab-case`; paths split at `/` and `.`. So the query `session request` finds
//! `Session.request`, `sessionRequest` and `session_request`.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name under which [`CodeTokenizer`] is registered in tantivy.
pub const CODE_TOKENIZER: &str = "ctx_code";

/// Longest term kept; longer runs (hashes, minified code) are cut to this many bytes.
const MAX_TERM_BYTES: usize = 48;

/// Splits text into code-aware terms (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct CodeTokenizer {
    tokens: Vec<Token>,
}

/// Token stream over the terms [`CodeTokenizer`] produced.
pub struct CodeTokenStream<'a> {
    tokens: &'a [Token],
    next: usize,
}

impl Tokenizer for CodeTokenizer {
    type TokenStream<'a> = CodeTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CodeTokenStream<'a> {
        self.tokens.clear();
        let mut position = 0;
        for_each_term(text, |from, to, term| {
            self.tokens.push(Token {
                offset_from: from,
                offset_to: to,
                position,
                text: term,
                position_length: 1,
            });
            position += 1;
        });
        CodeTokenStream {
            tokens: &self.tokens,
            next: 0,
        }
    }
}

impl TokenStream for CodeTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        unreachable!("code token streams are read-only")
    }
}

/// The terms of `text`, lowercased, in order (whole identifiers before their parts).
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_term(text, |_, _, term| out.push(term));
    out
}

/// Calls `sink(from, to, term)` for every term of `text`.
fn for_each_term(text: &str, mut sink: impl FnMut(usize, usize, String)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !is_word_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (is_word_byte(bytes[i]) || is_joiner(bytes, i)) {
            i += 1;
        }
        emit_identifier(&text[start..i], start, &mut sink);
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// A `-` between two word characters joins a kebab-case identifier.
fn is_joiner(bytes: &[u8], i: usize) -> bool {
    bytes[i] == b'-'
        && i > 0
        && is_word_byte(bytes[i - 1])
        && bytes.get(i + 1).is_some_and(|b| is_word_byte(*b))
}

/// Emits the whole identifier (when it has parts) and then each part.
fn emit_identifier(ident: &str, offset: usize, sink: &mut impl FnMut(usize, usize, String)) {
    let parts = split_parts(ident);
    if parts.len() > 1 {
        sink(offset, offset + ident.len(), clip(ident.to_lowercase()));
    }
    for (from, to) in parts {
        sink(
            offset + from,
            offset + to,
            clip(ident[from..to].to_lowercase()),
        );
    }
}

fn clip(mut term: String) -> String {
    if term.len() > MAX_TERM_BYTES {
        let mut cut = MAX_TERM_BYTES;
        while !term.is_char_boundary(cut) {
            cut -= 1;
        }
        term.truncate(cut);
    }
    term
}

/// Byte ranges of the words of an identifier: split at `_`, `-` and case changes
/// (`HTTPServer` → `HTTP`, `Server`; `parseJSON2` → `parse`, `JSON2`).
fn split_parts(ident: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = ident.char_indices().collect();
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    for (n, &(at, c)) in chars.iter().enumerate() {
        if c == '_' || c == '-' {
            if let Some(s) = start.take() {
                parts.push((s, at));
            }
            continue;
        }
        if let Some(s) = start {
            if is_case_boundary(&chars, n) {
                parts.push((s, at));
                start = Some(at);
            }
        } else {
            start = Some(at);
        }
    }
    if let Some(s) = start {
        parts.push((s, ident.len()));
    }
    parts
}

/// True when a new word starts at char `n`: `aB` or the `B` of `ABc`.
fn is_case_boundary(chars: &[(usize, char)], n: usize) -> bool {
    let prev = chars[n - 1].1;
    let cur = chars[n].1;
    if prev.is_lowercase() && cur.is_uppercase() {
        return true;
    }
    let next_is_lower = chars.get(n + 1).is_some_and(|(_, c)| c.is_lowercase());
    prev.is_uppercase() && cur.is_uppercase() && next_is_lower
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_snake_kebab_and_paths_split_and_keep_whole() {
        assert_eq!(
            terms("sessionRequest"),
            ["sessionrequest", "session", "request"]
        );
        assert_eq!(
            terms("session_request"),
            ["session_request", "session", "request"]
        );
        assert_eq!(terms("kebab-case"), ["kebab-case", "kebab", "case"]);
        assert_eq!(terms("Session.request"), ["session", "request"]);
        assert_eq!(terms("src/api/mod.rs"), ["src", "api", "mod", "rs"]);
        assert_eq!(terms("HTTPServer"), ["httpserver", "http", "server"]);
        assert_eq!(terms("x - y"), ["x", "y"]);
    }

    #[test]
    fn non_ascii_and_long_runs_are_safe() {
        assert_eq!(terms("größe_wert"), ["größe_wert", "größe", "wert"]);
        let long = "a".repeat(1000);
        assert_eq!(terms(&long)[0].len(), MAX_TERM_BYTES);
    }

    #[test]
    fn token_offsets_point_into_the_text() {
        let text = "fn parseJSON(x)";
        let mut tokenizer = CodeTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut seen = Vec::new();
        while stream.advance() {
            let t = stream.token();
            seen.push(text[t.offset_from..t.offset_to].to_lowercase());
        }
        assert_eq!(seen, ["fn", "parsejson", "parse", "json", "x"]);
    }
}
