//! Quote removal: the escapes of unquoted words, double-quoted strings and ANSI-C `$'…'`
//! strings, and C-style escapes as `printf` and `echo -e` apply them.

/// An unquoted word: a backslash makes the next character literal (`\rm` is `rm`), and a
/// backslash-newline disappears.
pub(super) fn unescape_word(text: &str) -> String {
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
pub(super) fn unescape_double_quoted(text: &str) -> String {
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
pub(super) fn unescape_ansi_c(text: &str) -> String {
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
