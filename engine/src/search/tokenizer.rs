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
///
/// Tokens and their text buffers are reused from one text to the next, so indexing
/// allocates nothing per term.
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
        let mut used = 0;
        for_each_term(text, |from, to, raw| {
            if used == self.tokens.len() {
                self.tokens.push(Token::default());
            }
            let token = &mut self.tokens[used];
            token.offset_from = from;
            token.offset_to = to;
            token.position = used;
            token.position_length = 1;
            token.text.clear();
            push_term(&mut token.text, raw);
            used += 1;
        });
        CodeTokenStream {
            tokens: &self.tokens[..used],
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
    for_each_term(text, |_, _, raw| {
        let mut term = String::new();
        push_term(&mut term, raw);
        out.push(term);
    });
    out
}

/// Calls `sink(from, to, raw)` for every term of `text`, where `raw` is `text[from..to]`
/// before lowercasing and clipping (see [`push_term`]).
fn for_each_term(text: &str, mut sink: impl FnMut(usize, usize, &str)) {
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
fn emit_identifier(ident: &str, offset: usize, sink: &mut impl FnMut(usize, usize, &str)) {
    let mut parts = 0;
    for_each_part(ident, |_, _| parts += 1);
    if parts > 1 {
        sink(offset, offset + ident.len(), ident);
    }
    for_each_part(ident, |from, to| {
        sink(offset + from, offset + to, &ident[from..to]);
    });
}

/// Appends `raw` lowercased, then cuts the term to [`MAX_TERM_BYTES`] at a character
/// boundary.
fn push_term(out: &mut String, raw: &str) {
    let start = out.len();
    if raw.is_ascii() {
        out.extend(raw.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        out.push_str(&raw.to_lowercase());
    }
    if out.len() - start > MAX_TERM_BYTES {
        let mut cut = start + MAX_TERM_BYTES;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
}

/// Calls `part(from, to)` with the byte range of each word of an identifier: split at
/// `_`, `-` and case changes (`HTTPServer` → `HTTP`, `Server`; `parseJSON2` → `parse`,
/// `JSON2`).
fn for_each_part(ident: &str, mut part: impl FnMut(usize, usize)) {
    let mut start: Option<usize> = None;
    let mut prev: Option<char> = None;
    let mut chars = ident.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '_' || c == '-' {
            if let Some(s) = start.take() {
                part(s, at);
            }
        } else if let Some(s) = start {
            let next = chars.peek().map(|&(_, n)| n);
            if is_case_boundary(prev.unwrap_or(c), c, next) {
                part(s, at);
                start = Some(at);
            }
        } else {
            start = Some(at);
        }
        prev = Some(c);
    }
    if let Some(s) = start {
        part(s, ident.len());
    }
}

/// True when a new word starts at `cur`: `aB` or the `B` of `ABc`.
fn is_case_boundary(prev: char, cur: char, next: Option<char>) -> bool {
    if prev.is_lowercase() && cur.is_uppercase() {
        return true;
    }
    let next_is_lower = next.is_some_and(char::is_lowercase);
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
    fn a_reused_tokenizer_gives_each_text_its_own_terms() {
        let mut tokenizer = CodeTokenizer::default();
        let mut collect = |text: &str| {
            let mut stream = tokenizer.token_stream(text);
            let mut seen = Vec::new();
            while stream.advance() {
                let t = stream.token();
                seen.push((t.text.clone(), t.position));
            }
            seen
        };
        assert_eq!(collect("alphaBetaGamma x").len(), 5);
        assert_eq!(
            collect("ÄrgerWert b"),
            [
                ("ärgerwert".to_string(), 0),
                ("ärger".to_string(), 1),
                ("wert".to_string(), 2),
                ("b".to_string(), 3)
            ]
        );
        assert!(collect("").is_empty());
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
