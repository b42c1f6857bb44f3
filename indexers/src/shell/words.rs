//! Turning tree-sitter-bash argument nodes into the strings a program receives.
//!
//! Quotes are removed (single, double, ANSI-C `$'…'`), backslash escapes are applied, and
//! expansions (`$VAR`, `${VAR}`, `$(…)`, backticks) are kept as their source text: ctx cannot
//! know their value, so they stay opaque.

use tree_sitter::Node;

/// The unquoted value of an argument node.
pub fn unquote(node: Node, src: &str) -> String {
    let text = &src[node.byte_range()];
    match node.kind() {
        "word" | "command_name" if node.named_child_count() == 0 => unescape_word(text),
        "command_name" | "concatenation" => {
            let mut out = String::new();
            let mut cursor = node.walk();
            let mut last_end = node.start_byte();
            for child in node.children(&mut cursor) {
                // Keep any unnamed text between children (rare, but exact).
                if child.start_byte() > last_end {
                    out.push_str(&unescape_word(&src[last_end..child.start_byte()]));
                }
                out.push_str(&unquote(child, src));
                last_end = child.end_byte();
            }
            if node.end_byte() > last_end {
                out.push_str(&unescape_word(&src[last_end..node.end_byte()]));
            }
            out
        }
        "raw_string" => strip_quotes(text, '\'').to_string(),
        "string" => unescape_double_quoted(strip_quotes(text, '"')),
        "ansi_c_string" => unescape_ansi_c(
            text.strip_prefix("$'")
                .and_then(|t| t.strip_suffix('\''))
                .unwrap_or(text),
        ),
        "translated_string" => {
            unescape_double_quoted(strip_quotes(text.strip_prefix('$').unwrap_or(text), '"'))
        }
        _ => text.to_string(),
    }
}

fn strip_quotes(text: &str, quote: char) -> &str {
    text.strip_prefix(quote)
        .and_then(|t| t.strip_suffix(quote))
        .unwrap_or(text)
}

/// An unquoted word: a backslash makes the next character literal (`\rm` is `rm`), and a
/// backslash-newline disappears.
pub fn unescape_word(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\n') | None => {}
                Some(next) => out.push(next),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Inside double quotes only `\"`, `\\`, `\$`, `` \` `` and backslash-newline are escapes.
fn unescape_double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('"' | '\\' | '$' | '`') => out.push(chars.next().unwrap_or('\\')),
                Some('\n') => {
                    chars.next();
                }
                _ => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `$'…'` strings: C escapes (`\n`, `\t`, `\x41`, `\101`, `\u263a`, `\'`...).
fn unescape_ansi_c(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' || i >= chars.len() {
            out.push(c);
            continue;
        }
        let e = chars[i];
        i += 1;
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'e' | 'E' => out.push('\x1b'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            '\\' | '\'' | '"' | '?' => out.push(e),
            'x' | 'u' | 'U' => {
                let max = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let digits = take_digits(&chars, &mut i, max, 16);
                push_code(&mut out, &digits, 16, e);
            }
            '0'..='7' => {
                i -= 1;
                let digits = take_digits(&chars, &mut i, 3, 8);
                push_code(&mut out, &digits, 8, '0');
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

fn take_digits(chars: &[char], i: &mut usize, max: usize, radix: u32) -> String {
    let mut digits = String::new();
    while digits.len() < max && *i < chars.len() && chars[*i].is_digit(radix) {
        digits.push(chars[*i]);
        *i += 1;
    }
    digits
}

fn push_code(out: &mut String, digits: &str, radix: u32, escape: char) {
    match u32::from_str_radix(digits, radix)
        .ok()
        .and_then(char::from_u32)
    {
        Some(c) => out.push(c),
        None => {
            out.push('\\');
            out.push(escape);
            out.push_str(digits);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_lose_backslashes() {
        assert_eq!(unescape_word(r"\rm"), "rm");
        assert_eq!(unescape_word(r"a\ b"), "a b");
        assert_eq!(unescape_word("a\\\nb"), "ab");
    }

    #[test]
    fn double_quotes_keep_unknown_escapes() {
        assert_eq!(
            unescape_double_quoted(r#"a \"b\" \$HOME \n"#),
            r#"a "b" $HOME \n"#
        );
    }

    #[test]
    fn ansi_c_escapes() {
        assert_eq!(unescape_ansi_c(r"a\nb"), "a\nb");
        assert_eq!(unescape_ansi_c(r"\x72\x6d"), "rm");
        assert_eq!(unescape_ansi_c(r"\162\155"), "rm");
        assert_eq!(unescape_ansi_c(r"it\'s"), "it's");
        assert_eq!(unescape_ansi_c(r"\u0072m"), "rm");
    }
}
