//! Perl, PHP, awk and Lua through a token scanner: string literals, names and punctuation, so
//! that a call such as `system("rm -rf /")` is found while the same text inside a string, a
//! comment or a regular expression is not.

use super::{call_ops, excerpt, Call, Effect, Language, Op, Parsers, Val};
use crate::shell::run::shell_quote;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Str(String),
    /// `` `cmd` `` or `qx{cmd}`: a command run through a shell.
    Backtick(String),
    /// A variable (`$x`, `@a`): a value ctx does not know.
    Var,
    /// `.`, `..`: string concatenation (Perl, PHP, Lua).
    Concat,
    Punct(char),
}

fn calls_for(language: Language) -> &'static [(&'static str, Effect)] {
    match language {
        Language::Perl => &[
            ("system", Effect::ShellOrArgv),
            ("exec", Effect::ShellOrArgv),
            ("qx", Effect::Shell(0)),
            ("rmtree", Effect::DeleteTree(0)),
            ("remove_tree", Effect::DeleteTree(0)),
            ("File.Path.rmtree", Effect::DeleteTree(0)),
            ("File.Path.remove_tree", Effect::DeleteTree(0)),
            ("unlink", Effect::Delete(0)),
            ("rmdir", Effect::Delete(0)),
            ("eval", Effect::Eval),
            ("print", Effect::Print),
            ("say", Effect::Print),
        ],
        Language::Php => &[
            ("system", Effect::Shell(0)),
            ("exec", Effect::Shell(0)),
            ("shell_exec", Effect::Shell(0)),
            ("passthru", Effect::Shell(0)),
            ("popen", Effect::Shell(0)),
            ("proc_open", Effect::Shell(0)),
            ("pcntl_exec", Effect::ExecCmdList),
            ("unlink", Effect::Delete(0)),
            ("rmdir", Effect::Delete(0)),
            ("file_put_contents", Effect::Write(0)),
            ("eval", Effect::Eval),
            ("echo", Effect::Print),
            ("print", Effect::Print),
        ],
        Language::Awk => &[("system", Effect::Shell(0))],
        Language::Lua => &[
            ("os.execute", Effect::Shell(0)),
            ("io.popen", Effect::Shell(0)),
            ("os.remove", Effect::Delete(0)),
            ("print", Effect::Print),
        ],
        _ => &[],
    }
}

/// Analyses Perl, PHP, awk or Lua source.
pub(super) fn analyse(language: Language, code: &str) -> Vec<Op> {
    let tokens = tokenize(language, code);
    let table = calls_for(language);
    let mut ops = Vec::new();
    let mut parsers = Parsers::default();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Backtick(command) => ops.push(Op::Shell {
                command: command.clone(),
                at: excerpt(command),
            }),
            Token::Name(name) if language == Language::Awk && name == "getline" => {
                // `"cmd" | getline`.
                if let (Some(Token::Punct('|')), Some(Token::Str(command))) =
                    (back(&tokens, i, 1), back(&tokens, i, 2))
                {
                    ops.push(Op::Shell {
                        command: command.clone(),
                        at: excerpt(command),
                    });
                }
            }
            Token::Punct('|') if language == Language::Awk => {
                // `print … | "cmd"`: cmd runs with what the print writes on its stdin.
                if let Some(Token::Str(command)) = tokens.get(i + 1) {
                    if !matches!(tokens.get(i + 2), Some(Token::Name(n)) if n == "getline") {
                        let command = match awk_printed_before(&tokens, i) {
                            Some(text) => {
                                format!("printf '%s\\n' {} | {command}", shell_quote(&text))
                            }
                            None => command.clone(),
                        };
                        ops.push(Op::Shell {
                            at: excerpt(&command),
                            command,
                        });
                    }
                }
            }
            Token::Name(name) => {
                // A method or hash key (`$obj->system`, `x.print`) is not the builtin.
                if matches!(back(&tokens, i, 1), Some(Token::Punct('>' | '.' | '$'))) {
                    continue;
                }
                if !table.iter().any(|(n, _)| n == name) {
                    continue;
                }
                let args = arguments(&tokens[i + 1..]);
                let call = Call {
                    callee: name.clone(),
                    args,
                    kwargs: Vec::new(),
                    receiver: None,
                    at: excerpt(name),
                };
                ops.extend(call_ops(&call, table, language, &mut parsers));
            }
            _ => {}
        }
    }
    ops
}

/// The text of a `print "a" "b", "c"` whose output the `|` at `pipe` sends to a command, when
/// every printed item is a literal (juxtaposed strings concatenate, commas join with a space).
fn awk_printed_before(tokens: &[Token], pipe: usize) -> Option<String> {
    let mut parts = Vec::new();
    for token in tokens[..pipe].iter().rev() {
        match token {
            Token::Str(text) => parts.push(text.as_str()),
            Token::Punct(',') => parts.push(" "),
            // A bare `print` prints the input record, which ctx does not know.
            Token::Name(name) if name == "print" && !parts.is_empty() => {
                parts.reverse();
                return Some(parts.concat());
            }
            _ => return None,
        }
    }
    None
}

fn back(tokens: &[Token], i: usize, n: usize) -> Option<&Token> {
    i.checked_sub(n).and_then(|j| tokens.get(j))
}

/// The arguments after a call's name: `(a, b)` or, without parentheses, up to `;`, a newline
/// or a closing brace. Each argument is a concatenation of literals, or unknown.
fn arguments(tokens: &[Token]) -> Vec<Option<Val>> {
    let body = match tokens.first() {
        Some(Token::Punct('(')) => {
            let mut depth = 0;
            let mut end = tokens.len();
            for (i, t) in tokens.iter().enumerate() {
                match t {
                    Token::Punct('(') => depth += 1,
                    Token::Punct(')') => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            &tokens[1..end.max(1)]
        }
        _ => {
            let end = tokens
                .iter()
                .position(|t| matches!(t, Token::Punct(';' | '}' | '\n' | ')')))
                .unwrap_or(tokens.len());
            &tokens[..end]
        }
    };
    let mut args = Vec::new();
    for part in body.split(|t| *t == Token::Punct(',')) {
        let mut text = String::new();
        let mut known = !part.is_empty();
        for t in part {
            match t {
                Token::Str(s) => text.push_str(s),
                Token::Concat => {}
                _ => known = false,
            }
        }
        args.push(known.then_some(Val::Str(text)));
    }
    args
}

fn tokenize(language: Language, code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let comment_hash = matches!(language, Language::Perl | Language::Php | Language::Awk);
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            tokens.push(Token::Punct('\n'));
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        if (comment_hash && c == '#')
            || (language == Language::Php && c == '/' && next == Some('/'))
            || (language == Language::Lua && c == '-' && next == Some('-'))
        {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '"' || c == '\'' || c == '`' {
            let (text, end) = quoted(&chars, i + 1, c);
            i = end;
            let text = if c == '\'' { text } else { unescape(&text) };
            tokens.push(if c == '`' && language != Language::Lua {
                Token::Backtick(text)
            } else {
                Token::Str(text)
            });
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || chars[i] == '_'
                    || (chars[i] == ':' && chars.get(i + 1) == Some(&':'))
                    || (chars[i] == ':' && i > 0 && chars[i - 1] == ':')
                    || (language == Language::Lua
                        && chars[i] == '.'
                        && chars.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic())))
            {
                i += 1;
            }
            let name: String = chars[start..i]
                .iter()
                .collect::<String>()
                .replace("::", ".");
            // Perl quote-like operators: q{…}, qq{…}, qx{…}.
            if language == Language::Perl && matches!(name.as_str(), "q" | "qq" | "qx") {
                if let Some(&open) = chars.get(i) {
                    if !open.is_alphanumeric() && !open.is_whitespace() {
                        let close = closing(open);
                        let (text, end) = quoted(&chars, i + 1, close);
                        i = end;
                        tokens.push(if name == "qx" {
                            Token::Backtick(text)
                        } else {
                            Token::Str(text)
                        });
                        continue;
                    }
                }
            }
            tokens.push(Token::Name(name));
            continue;
        }
        if matches!(c, '$' | '@' | '%')
            && next.is_some_and(|n| n.is_alphanumeric() || n == '_' || n == '{')
        {
            i += 1;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Var);
            continue;
        }
        if c == '.' && next == Some('.') && language == Language::Lua {
            tokens.push(Token::Concat);
            i += 2;
            continue;
        }
        if c == '.' && matches!(language, Language::Perl | Language::Php) {
            tokens.push(Token::Concat);
            i += 1;
            continue;
        }
        if c == '/' && language == Language::Awk && regex_may_start(&tokens) {
            // An awk regex literal `/…/`: skip it as data.
            let (_, end) = quoted(&chars, i + 1, '/');
            i = end;
            tokens.push(Token::Var);
            continue;
        }
        tokens.push(Token::Punct(c));
        i += 1;
    }
    tokens
}

/// After these tokens a `/` starts a regular expression rather than a division.
fn regex_may_start(tokens: &[Token]) -> bool {
    match tokens.last() {
        None => true,
        Some(Token::Punct(p)) => matches!(p, '(' | ',' | '{' | ';' | '\n' | '!' | '~' | '&' | '|'),
        Some(Token::Name(_)) => false,
        _ => false,
    }
}

fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '{' => '}',
        '[' => ']',
        '<' => '>',
        other => other,
    }
}

/// The text up to the closing quote (backslash escapes skipped over); returns the index after it.
fn quoted(chars: &[char], mut i: usize, close: char) -> (String, usize) {
    let mut text = String::new();
    while i < chars.len() && chars[i] != close {
        if chars[i] == '\\' && i + 1 < chars.len() {
            text.push(chars[i]);
            text.push(chars[i + 1]);
            i += 2;
            continue;
        }
        text.push(chars[i]);
        i += 1;
    }
    (text, (i + 1).min(chars.len()))
}

fn unescape(text: &str) -> String {
    crate::shell::words::unescape_ansi_c(text)
}
