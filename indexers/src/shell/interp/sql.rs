//! SQL as database clients read it: statements split on `;`, string literals blanked, comments
//! and dollar-quoted bodies skipped, and the clients' own shell escapes (`\! cmd` in psql and
//! mysql, `.shell cmd` in sqlite3). Redis commands on standard input, one per line.

use super::{excerpt, Op};

/// The statements (and shell escapes) of SQL text.
pub(super) fn statements(code: &str) -> Vec<Op> {
    let chars: Vec<char> = code.chars().collect();
    let mut ops = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut raw = String::new();
    let mut word = String::new();
    let mut i = 0;
    let flush_word = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let at_statement_start = words.is_empty() && word.is_empty();
        if at_statement_start && (c == '\\' || c == '.') && line_start(&chars, i) {
            let end = chars[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(chars.len(), |p| i + p);
            let line: String = chars[i..end].iter().collect();
            if let Some(command) = shell_escape(&line) {
                ops.push(Op::Shell {
                    command,
                    at: excerpt(&line),
                });
            }
            i = end;
            continue;
        }
        if c == '-' && next == Some('-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
            continue;
        }
        if c == '\'' {
            flush_word(&mut word, &mut words);
            i = skip_string(&chars, i + 1, '\'');
            words.push("''".into());
            raw.push_str("''");
            continue;
        }
        if c == '"' || c == '`' {
            flush_word(&mut word, &mut words);
            let end = skip_string(&chars, i + 1, c);
            let inner: String = chars[i + 1..end.saturating_sub(1).max(i + 1)]
                .iter()
                .collect();
            words.push(inner.clone());
            raw.push_str(&inner);
            i = end;
            continue;
        }
        if c == '$' {
            if let Some(end) = dollar_quote_end(&chars, i) {
                flush_word(&mut word, &mut words);
                words.push("''".into());
                i = end;
                continue;
            }
        }
        if c == ';' {
            flush_word(&mut word, &mut words);
            push_statement(&mut ops, &mut words, &mut raw);
            i += 1;
            continue;
        }
        if c.is_alphanumeric() || c == '_' || c == '.' {
            word.push(c);
        } else {
            flush_word(&mut word, &mut words);
            if !c.is_whitespace() {
                words.push(c.to_string());
            }
        }
        raw.push(c);
        i += 1;
    }
    flush_word(&mut word, &mut words);
    push_statement(&mut ops, &mut words, &mut raw);
    ops
}

fn push_statement(ops: &mut Vec<Op>, words: &mut Vec<String>, raw: &mut String) {
    if !words.is_empty() {
        ops.push(Op::Statement {
            words: std::mem::take(words),
            at: excerpt(raw.trim()),
        });
    }
    raw.clear();
}

fn line_start(chars: &[char], i: usize) -> bool {
    chars[..i]
        .iter()
        .rev()
        .take_while(|c| **c != '\n')
        .all(|c| c.is_whitespace())
}

/// `\! cmd` (psql, mysql), `.shell cmd` / `.system cmd` (sqlite3): the command run.
fn shell_escape(line: &str) -> Option<String> {
    let line = line.trim();
    let command = line
        .strip_prefix("\\!")
        .or_else(|| line.strip_prefix(".shell "))
        .or_else(|| line.strip_prefix(".system "))?;
    let command = command.trim();
    (!command.is_empty()).then(|| command.to_string())
}

/// Skips a quoted string (doubled quotes and backslashes escape); returns the index after it.
fn skip_string(chars: &[char], mut i: usize, quote: char) -> usize {
    while i < chars.len() {
        if chars[i] == '\\' {
            i += 2;
            continue;
        }
        if chars[i] == quote {
            if chars.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    chars.len()
}

/// `$$ … $$` or `$tag$ … $tag$` starting at `i`: the index after its end.
fn dollar_quote_end(chars: &[char], i: usize) -> Option<usize> {
    let tag_end = chars[i + 1..]
        .iter()
        .position(|c| !(c.is_alphanumeric() || *c == '_'))
        .map(|p| i + 1 + p)?;
    if chars.get(tag_end) != Some(&'$') {
        return None;
    }
    let tag: String = chars[i..=tag_end].iter().collect();
    let body_start = tag_end + 1;
    let rest: String = chars[body_start..].iter().collect();
    let close = rest.find(&tag)?;
    Some(body_start + rest[..close].chars().count() + tag.chars().count())
}

/// Redis commands, one per line, as `redis-cli` invocations.
pub(super) fn redis_commands(code: &str) -> Vec<Op> {
    code.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut argv = vec!["redis-cli".to_string()];
            argv.extend(
                line.split_whitespace()
                    .map(|w| w.trim_matches(|c| c == '"' || c == '\'').to_string()),
            );
            Op::Exec {
                argv,
                at: excerpt(line),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(code: &str) -> Vec<Vec<String>> {
        statements(code)
            .into_iter()
            .filter_map(|op| match op {
                Op::Statement { words, .. } => Some(words),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn statements_split_and_literals_blank() {
        assert_eq!(
            words("DROP TABLE users; SELECT 'DROP TABLE x' AS e"),
            vec![
                vec!["DROP", "TABLE", "users"],
                vec!["SELECT", "''", "AS", "e"]
            ]
        );
    }

    #[test]
    fn comments_and_dollar_bodies_are_skipped() {
        assert_eq!(
            words("-- DROP TABLE a\nSELECT 1 /* DROP TABLE b */"),
            vec![vec!["SELECT", "1"]]
        );
        let body = words("CREATE FUNCTION f() AS $$ DROP TABLE t; $$ LANGUAGE sql");
        assert_eq!(body.len(), 1);
        assert!(!body[0].contains(&"DROP".to_string()));
    }

    #[test]
    fn client_shell_escapes_run() {
        let ops = statements("\\! rm -rf ~\nSELECT 1;");
        assert!(matches!(&ops[0], Op::Shell { command, .. } if command == "rm -rf ~"));
        let ops = statements(".shell rm -rf /");
        assert!(matches!(&ops[0], Op::Shell { command, .. } if command == "rm -rf /"));
    }
}
