//! Required literals: text every match of a regex must contain, found without compiling it.
//!
//! Compiling a regex costs tens of microseconds; a check over hundreds of code anchors would
//! compile them all for every file written. When a pattern has a literal run that every match
//! contains, lines without that run cannot match and the regex is compiled only for lines that
//! have it. The scan is conservative: any construct it does not fully understand (alternation
//! at the top level, flags, Unicode or hex escapes) yields no literal, never a wrong one.

/// The longest literal run (at least 3 bytes) every match of `pattern` contains, if any.
pub fn required_literal(pattern: &str) -> Option<String> {
    let runs = top_level_runs(pattern)?;
    runs.into_iter()
        .filter(|r| r.len() >= 3)
        .max_by_key(String::len)
}

/// Escapes whose argument the scan would misread as literal text.
const OPAQUE_ESCAPES: [&str; 5] = ["\\p", "\\P", "\\x", "\\u", "\\U"];

/// Every literal run outside groups and classes, or `None` when the pattern uses something the
/// scan does not model (then no run can be trusted).
fn top_level_runs(pattern: &str) -> Option<Vec<String>> {
    if OPAQUE_ESCAPES.iter().any(|e| pattern.contains(e)) {
        return None;
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut runs = Vec::new();
    let mut run = String::new();
    let mut i = 0;
    while i < chars.len() {
        let (literal, next) = match chars[i] {
            '\\' => {
                let escaped = *chars.get(i + 1)?;
                let literal = (!escaped.is_ascii_alphanumeric()).then_some(escaped);
                (literal, i + 2)
            }
            '(' => {
                if chars.get(i + 1) == Some(&'?') && chars.get(i + 2) != Some(&':') {
                    return None; // flags such as (?i) change how the rest matches
                }
                (None, skip_group(&chars, i)?)
            }
            '[' => (None, skip_class(&chars, i)?),
            '|' | ')' | ']' | '{' | '}' | '*' | '+' | '?' => {
                if matches!(chars[i], '|' | ')') {
                    return None;
                }
                // A quantifier after a group or class, or stray syntax: ends the run.
                (None, skip_quantifier(&chars, i))
            }
            '.' | '^' | '$' => (None, i + 1),
            c => (Some(c), i + 1),
        };
        let Some(c) = literal else {
            end_run(&mut run, &mut runs);
            i = next;
            continue;
        };
        match chars.get(next) {
            // The character may be absent: it is not part of any required run.
            Some('?' | '*' | '{') => {
                end_run(&mut run, &mut runs);
                i = skip_quantifier(&chars, next);
            }
            // At least once: the character is required, what follows is not contiguous.
            Some('+') => {
                run.push(c);
                end_run(&mut run, &mut runs);
                i = skip_quantifier(&chars, next);
            }
            _ => {
                run.push(c);
                i = next;
            }
        }
    }
    end_run(&mut run, &mut runs);
    Some(runs)
}

fn end_run(run: &mut String, runs: &mut Vec<String>) {
    if !run.is_empty() {
        runs.push(std::mem::take(run));
    }
}

/// The index after a quantifier starting at `i` (`?`, `*`, `+`, `{n,m}`, each maybe lazy).
fn skip_quantifier(chars: &[char], i: usize) -> usize {
    let mut j = i;
    if chars.get(j) == Some(&'{') {
        while j < chars.len() && chars[j] != '}' {
            j += 1;
        }
    }
    j += 1;
    if chars.get(j) == Some(&'?') {
        j += 1;
    }
    j
}

/// The index after the group opening at `i`, honouring escapes, classes and nesting.
fn skip_group(chars: &[char], i: usize) -> Option<usize> {
    let mut depth = 0;
    let mut j = i;
    while j < chars.len() {
        match chars[j] {
            '\\' => j += 1,
            '[' => {
                j = skip_class(chars, j)?;
                continue;
            }
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

/// The index after the character class opening at `i` (`[...]`, a leading `]` or `^]` being
/// literal, nested classes counted).
fn skip_class(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if chars.get(j) == Some(&'^') {
        j += 1;
    }
    if chars.get(j) == Some(&']') {
        j += 1;
    }
    let mut depth = 1;
    while j < chars.len() {
        match chars[j] {
            '\\' => j += 1,
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_runs_are_found() {
        let cases = [
            (r"\.unwrap\(\)", Some(".unwrap()")),
            (r"forbidden_call_2\(", Some("forbidden_call_2(")),
            (r"\bthing5\(", Some("thing5(")),
            (r"console\.log\s*\(", Some("console.log")),
            (r"import\s+psycopg2", Some("psycopg2")),
            (r"colou?r_name", Some("r_name")),
            (r"abc+def", Some("def")),
            (r"(foo|bar)_client_x", Some("_client_x")),
            (r"[A-Z]{3}_KEY_ID", Some("_KEY_ID")),
            (r"\d{4}-secret", Some("-secret")),
            (r"ab", None),
            (r"foo|barbaz", None),
            (r"(?i)password", None),
            (r"\p{Greek}word", None),
            (r"\x41BCDEF", None),
            (r"(?:x)?yyy", Some("yyy")),
        ];
        for (pattern, want) in cases {
            assert_eq!(required_literal(pattern).as_deref(), want, "{pattern}");
        }
    }

    /// Whenever the regex matches, the line holds the literal (the property the prefilter
    /// relies on), over patterns and lines built from a small alphabet.
    #[test]
    fn a_match_always_contains_the_literal() {
        use proptest::prelude::*;
        let piece = prop::sample::select(vec![
            "a", "b", "ab", "abc", "\\.", "\\(", ".", "a?", "b*", "c+", "(ab)?", "[ab]", "\\b",
            "\\s*", "a{2}", "(a|b)", "^", "$", "x{0,2}", "\\w+", "[]a]", "(?:ab)+",
        ]);
        let patterns = prop::collection::vec(piece, 1..8).prop_map(|p| p.concat());
        let lines = prop::collection::vec("[abcx(). ]{0,12}", 1..12);
        proptest!(|(pattern in patterns, lines in lines)| {
            let Ok(re) = regex::Regex::new(&pattern) else { return Ok(()); };
            if let Some(literal) = required_literal(&pattern) {
                for line in &lines {
                    if re.is_match(line) {
                        prop_assert!(line.contains(&literal), "{pattern} matched {line:?} without {literal:?}");
                    }
                }
            }
        });
    }
}
