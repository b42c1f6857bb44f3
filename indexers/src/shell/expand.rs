//! Word expansion, as bash does it before a command runs: brace expansion, variables (with
//! the common `${…}` operators), positional parameters, command substitutions whose output ctx
//! can compute, quote removal and field splitting on `IFS`.
//!
//! What ctx cannot know (a variable from the environment, the output of `curl`) stays as its
//! source text, so a matcher sees `$BUILD_DIR` rather than a guess.

use super::words::{unescape_ansi_c, unescape_double_quoted, unescape_word};
use super::{Frame, Out, Stdin, Value, Walker};
use tree_sitter::Node;

/// One piece of a word before field splitting.
enum Piece {
    /// Literal or quoted text: never split.
    Text(String),
    /// The value of an unquoted expansion: split on `IFS`.
    Split(String),
    /// `"$@"` / `"${a[@]}"`: one field per element, the first and last joined to their
    /// neighbours.
    Fields(Vec<String>),
}

/// At most this many words come out of one brace expansion.
const MAX_BRACE_WORDS: usize = 64;

impl Walker {
    /// The fields a word node expands to (several for `$cmd` holding `rm -rf`, none for an
    /// empty unquoted variable).
    pub(super) fn expand(&mut self, node: Node, src: &str, frame: &mut Frame) -> Vec<String> {
        if let Some(words) = brace_words(node, src) {
            return words.into_iter().map(|w| unescape_word(&w)).collect();
        }
        let mut pieces = Vec::new();
        let mut quoted = false;
        self.pieces(node, src, frame, false, &mut pieces, &mut quoted);
        split_fields(pieces, &frame.ifs(), quoted)
    }

    /// A word expanded without field splitting (assignment values, redirect targets).
    pub(super) fn expand_joined(&mut self, node: Node, src: &str, frame: &mut Frame) -> String {
        let mut pieces = Vec::new();
        let mut quoted = false;
        self.pieces(node, src, frame, false, &mut pieces, &mut quoted);
        pieces
            .into_iter()
            .map(|p| match p {
                Piece::Text(t) | Piece::Split(t) => t,
                Piece::Fields(f) => f.join(" "),
            })
            .collect()
    }

    /// The body of an unquoted heredoc with its expansions done.
    pub(super) fn expand_heredoc(&mut self, body: Node, src: &str, frame: &mut Frame) -> String {
        let mut out = String::new();
        let mut last = body.start_byte();
        let mut cursor = body.walk();
        let children: Vec<Node> = body.named_children(&mut cursor).collect();
        for child in children {
            out.push_str(&src[last..child.start_byte()]);
            match child.kind() {
                "heredoc_content" => out.push_str(&src[child.byte_range()]),
                _ => out.push_str(&self.expand_joined(child, src, frame)),
            }
            last = child.end_byte();
        }
        out.push_str(&src[last..body.end_byte()]);
        out
    }

    fn pieces(
        &mut self,
        node: Node,
        src: &str,
        frame: &mut Frame,
        in_quotes: bool,
        out: &mut Vec<Piece>,
        quoted: &mut bool,
    ) {
        let text = &src[node.byte_range()];
        match node.kind() {
            "word" | "command_name" if node.named_child_count() == 0 => {
                out.push(Piece::Text(if in_quotes {
                    text.to_string()
                } else {
                    unescape_word(text)
                }));
            }
            "raw_string" => {
                *quoted = true;
                out.push(Piece::Text(strip_quotes(text, '\'').to_string()));
            }
            "ansi_c_string" => {
                *quoted = true;
                let inner = text
                    .strip_prefix("$'")
                    .and_then(|t| t.strip_suffix('\''))
                    .unwrap_or(text);
                out.push(Piece::Text(unescape_ansi_c(inner)));
            }
            "string" | "translated_string" => {
                *quoted = true;
                self.string_pieces(node, src, frame, out, quoted);
            }
            "string_content" => out.push(Piece::Text(unescape_double_quoted(text))),
            "simple_expansion" | "expansion" => {
                let value = self.parameter(node, src, frame);
                out.push(expansion_piece(value, &symbolic(text), in_quotes));
            }
            "command_substitution" => {
                let output = self.substitution_output(node, src, frame);
                out.push(match output {
                    Out::Known(t) => {
                        let t = t.trim_end_matches('\n').to_string();
                        if in_quotes {
                            Piece::Text(t)
                        } else {
                            Piece::Split(t)
                        }
                    }
                    Out::Paths(items) if !in_quotes => Piece::Split(items.join(" ")),
                    _ => Piece::Text(text.to_string()),
                });
            }
            "process_substitution" => {
                let mut inner = frame.clone();
                let output = self.statements(node, src, &mut inner, &Stdin::None);
                if let Out::Known(content) = output {
                    self.substituted.insert(text.to_string(), content);
                }
                out.push(Piece::Text(text.to_string()));
            }
            "concatenation" | "command_name" => {
                let mut last = node.start_byte();
                let mut cursor = node.walk();
                let children: Vec<Node> = node.children(&mut cursor).collect();
                for child in children {
                    if child.start_byte() > last {
                        out.push(Piece::Text(unescape_word(&src[last..child.start_byte()])));
                    }
                    self.pieces(child, src, frame, in_quotes, out, quoted);
                    last = child.end_byte();
                }
                if node.end_byte() > last {
                    out.push(Piece::Text(unescape_word(&src[last..node.end_byte()])));
                }
            }
            _ => {
                self.substitutions(node, src, frame);
                out.push(Piece::Text(text.to_string()));
            }
        }
    }

    /// The parts of a double-quoted string: text with `\"`-style escapes, and expansions that
    /// are not split.
    fn string_pieces(
        &mut self,
        node: Node,
        src: &str,
        frame: &mut Frame,
        out: &mut Vec<Piece>,
        quoted: &mut bool,
    ) {
        let text = &src[node.byte_range()];
        let open = text.find('"').map_or(0, |i| i + 1);
        let mut last = node.start_byte() + open;
        let end = node.end_byte().saturating_sub(1).max(last);
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            if child.start_byte() > last {
                out.push(Piece::Text(unescape_double_quoted(
                    &src[last..child.start_byte()],
                )));
            }
            self.pieces(child, src, frame, true, out, quoted);
            last = child.end_byte().max(last);
        }
        if end > last {
            out.push(Piece::Text(unescape_double_quoted(&src[last..end])));
        }
    }

    /// The output of `$(…)`, with the commands inside it run.
    fn substitution_output(&mut self, node: Node, src: &str, frame: &mut Frame) -> Out {
        let mut inner = frame.clone();
        // `$(< file)` is the file's content.
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        if let [only] = children.as_slice() {
            if only.kind() == "file_redirect" && src[only.byte_range()].starts_with('<') {
                if let Some(target) = only.child_by_field_name("destination") {
                    let path = self.expand_joined(target, src, &mut inner);
                    return self
                        .known_file(&path, frame)
                        .map_or(Out::Unknown, Out::Known);
                }
            }
        }
        self.statements(node, src, &mut inner, &Stdin::None)
    }

    /// The value of `$x`, `${x}`, `${x:-y}`, `$1`, `$@`…; `None` when ctx cannot know it.
    fn parameter(&mut self, node: Node, src: &str, frame: &mut Frame) -> Option<Value> {
        let text = &src[node.byte_range()];
        if node.kind() == "simple_expansion" {
            return lookup(frame, &text[1..]);
        }
        let inner = text.strip_prefix("${")?.strip_suffix('}')?;
        let value = self.braced_parameter(inner, frame);
        if value.is_none() {
            // Substitutions inside an operator word still run.
            self.substitutions(node, src, frame);
        }
        value
    }

    /// `${…}` with the operators whose result does not depend on globbing.
    fn braced_parameter(&mut self, inner: &str, frame: &mut Frame) -> Option<Value> {
        if let Some(name) = inner.strip_prefix('#') {
            if is_name(name) || name == "@" || name == "*" {
                return match lookup(frame, name)? {
                    Value::Array(items) => Some(Value::Scalar(items.len().to_string())),
                    Value::Scalar(s) => Some(Value::Scalar(s.chars().count().to_string())),
                };
            }
        }
        if let Some(name) = inner.strip_prefix('!') {
            if is_name(name) {
                let target = lookup(frame, name)?.scalar();
                return lookup(frame, &target);
            }
        }
        let name_len = inner
            .char_indices()
            .find(|(i, c)| {
                !(c.is_ascii_alphanumeric()
                    || *c == '_'
                    || (*i == 0 && "@*#?$!-0123456789".contains(*c)))
            })
            .map_or(inner.len(), |(i, _)| i);
        let (name, rest) = inner.split_at(name_len);
        if name.is_empty() {
            return None;
        }
        if let Some(subscript) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            let value = lookup(frame, name)?;
            return match (value, subscript) {
                (Value::Array(items), "@" | "*") => Some(Value::Array(items)),
                (Value::Array(items), index) => index
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i).cloned())
                    .map(Value::Scalar),
                (Value::Scalar(s), "0" | "@" | "*") => Some(Value::Scalar(s)),
                _ => None,
            };
        }
        let value = lookup(frame, name);
        if rest.is_empty() {
            return value;
        }
        let word = |w: &str| literal_word(w, frame);
        for op in [":-", ":=", ":+", ":?", "-", "=", "+", "?"] {
            if let Some(arg) = rest.strip_prefix(op) {
                let set = value
                    .as_ref()
                    .is_some_and(|v| !(op.starts_with(':') && v.scalar().is_empty()));
                return match op.trim_start_matches(':') {
                    "-" | "=" if set => value,
                    "-" | "=" if frame.vars.contains_key(name) => {
                        let w = word(arg)?;
                        if op.ends_with('=') {
                            frame.vars.insert(name.into(), Value::Scalar(w.clone()));
                        }
                        Some(Value::Scalar(w))
                    }
                    "+" if set => word(arg).map(Value::Scalar),
                    "+" if frame.vars.contains_key(name) => Some(Value::Scalar(String::new())),
                    "?" => value,
                    // Not assigned on the line: it may come from the environment.
                    _ => None,
                };
            }
        }
        let s = value?.scalar();
        if let Some(spec) = rest.strip_prefix(':') {
            return substring(&s, spec).map(Value::Scalar);
        }
        for (op, longest, from_start) in [
            ("##", true, true),
            ("#", false, true),
            ("%%", true, false),
            ("%", false, false),
        ] {
            if let Some(pattern) = rest.strip_prefix(op) {
                let pattern = word(pattern)?;
                return Some(Value::Scalar(strip_affix(
                    &s, &pattern, longest, from_start,
                )?));
            }
        }
        if let Some(spec) = rest.strip_prefix('/') {
            let (all, spec) = match spec.strip_prefix('/') {
                Some(rest) => (true, rest),
                None => (false, spec),
            };
            let (pattern, replacement) = spec.split_once('/').unwrap_or((spec, ""));
            let pattern = word(pattern)?;
            let replacement = word(replacement)?;
            if pattern.contains(['*', '?', '[']) || pattern.is_empty() {
                return None;
            }
            return Some(Value::Scalar(if all {
                s.replace(&pattern, &replacement)
            } else {
                s.replacen(&pattern, &replacement, 1)
            }));
        }
        match rest {
            "^^" => Some(Value::Scalar(s.to_uppercase())),
            ",," => Some(Value::Scalar(s.to_lowercase())),
            _ => None,
        }
    }

    /// `x=v`, `a=(v w)`, `x+=v`.
    pub(super) fn assign(&mut self, node: Node, src: &str, frame: &mut Frame) {
        let Some(name_node) = node.child_by_field_name("name") else {
            return;
        };
        let name = src[name_node.byte_range()].to_string();
        let append = src[node.byte_range()]
            .get(name.len()..)
            .is_some_and(|t| t.starts_with("+="));
        let value = match node.child_by_field_name("value") {
            None => Some(Value::Scalar(String::new())),
            Some(v) if v.kind() == "array" => {
                let mut items = Vec::new();
                let mut cursor = v.walk();
                let children: Vec<Node> = v.named_children(&mut cursor).collect();
                for child in children {
                    items.extend(self.expand(child, src, frame));
                }
                Some(Value::Array(items))
            }
            Some(v) => {
                let text = self.expand_joined(v, src, frame);
                (!has_unresolved(&text, v, src)).then_some(Value::Scalar(text))
            }
        };
        if !is_name(&name) {
            return;
        }
        match value {
            Some(Value::Scalar(s)) if append => {
                let old = frame.vars.get(&name).map(Value::scalar).unwrap_or_default();
                frame.vars.insert(name, Value::Scalar(old + &s));
            }
            Some(value) => {
                frame.vars.insert(name, value);
            }
            None => {
                frame.vars.remove(&name);
            }
        }
    }

    /// `export x=v`, `declare -r x=v`, `local x`, `readonly x=v`.
    pub(super) fn declaration(&mut self, node: Node, src: &str, frame: &mut Frame) {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            if child.kind() == "variable_assignment" {
                self.assign(child, src, frame);
            } else {
                self.substitutions(child, src, frame);
            }
        }
    }

    /// `unset x y`.
    pub(super) fn unset(&mut self, node: Node, src: &str, frame: &mut Frame) {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            let name = &src[child.byte_range()];
            if is_name(name) {
                frame.vars.remove(name);
                frame
                    .vars
                    .insert(name.to_string(), Value::Scalar(String::new()));
            }
        }
    }
}

/// A variable or special parameter ctx knows on this line.
fn lookup(frame: &Frame, name: &str) -> Option<Value> {
    if let Some(value) = frame.vars.get(name) {
        return Some(value.clone());
    }
    match name {
        "PWD" if frame.unresolved_cwd.is_none() => Some(Value::Scalar(frame.cwd_text())),
        "IFS" => Some(Value::Scalar(" \t\n".into())),
        "@" | "*" => frame
            .positional
            .as_ref()
            .map(|p| Value::Array(p.iter().skip(1).cloned().collect())),
        "#" => frame
            .positional
            .as_ref()
            .map(|p| Value::Scalar(p.len().saturating_sub(1).to_string())),
        _ => {
            let index: usize = name.parse().ok()?;
            let positional = frame.positional.as_ref()?;
            Some(Value::Scalar(
                positional.get(index).cloned().unwrap_or_default(),
            ))
        }
    }
}

/// How an expansion ctx cannot resolve is shown: `${NAME:?message}` and `${NAME?message}`
/// expand to `$NAME` or stop the shell, so they read as `${NAME}`; others stay as written.
fn symbolic(text: &str) -> String {
    let Some(inner) = text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) else {
        return text.to_string();
    };
    match inner.split_once('?') {
        Some((name, _)) if is_name(name.trim_end_matches(':')) => {
            format!("${{{}}}", name.trim_end_matches(':'))
        }
        _ => text.to_string(),
    }
}

/// The piece an expansion gives: its value (split unless quoted), or its source text.
fn expansion_piece(value: Option<Value>, text: &str, in_quotes: bool) -> Piece {
    match value {
        Some(Value::Array(items)) if in_quotes && (text.contains('@')) => Piece::Fields(items),
        Some(Value::Array(items)) => {
            let joined = items.join(" ");
            if in_quotes {
                Piece::Text(joined)
            } else {
                Piece::Split(joined)
            }
        }
        Some(Value::Scalar(s)) if in_quotes => Piece::Text(s),
        Some(Value::Scalar(s)) => Piece::Split(s),
        None => Piece::Text(text.to_string()),
    }
}

/// Field splitting: unquoted expansion values split on `IFS`, everything else glued.
fn split_fields(pieces: Vec<Piece>, ifs: &str, quoted: bool) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current: Option<String> = None;
    let is_sep = |c: char| ifs.contains(c);
    for piece in pieces {
        match piece {
            Piece::Text(t) => current.get_or_insert_with(String::new).push_str(&t),
            Piece::Split(t) => {
                if t.is_empty() {
                    continue;
                }
                let parts: Vec<&str> = t.split(is_sep).collect();
                for (i, part) in parts.into_iter().enumerate() {
                    if i > 0 {
                        if let Some(field) = current.take() {
                            fields.push(field);
                        }
                    }
                    // An empty part (a leading or trailing separator) only ends a field.
                    if !part.is_empty() {
                        current.get_or_insert_with(String::new).push_str(part);
                    }
                }
            }
            Piece::Fields(items) => {
                let count = items.len();
                for (i, item) in items.into_iter().enumerate() {
                    current.get_or_insert_with(String::new).push_str(&item);
                    if i + 1 < count {
                        fields.push(current.take().unwrap_or_default());
                    }
                }
            }
        }
    }
    if let Some(field) = current {
        fields.push(field);
    } else if quoted && fields.is_empty() {
        fields.push(String::new());
    }
    fields
}

/// A word used as an operator argument (`${x:-WORD}`): literal text, or a known `$var`.
fn literal_word(word: &str, frame: &Frame) -> Option<String> {
    let word = word.trim_matches(|c| c == '"' || c == '\'');
    if !word.contains(['$', '`']) {
        return Some(unescape_word(word));
    }
    let name = word
        .strip_prefix("${")
        .and_then(|w| w.strip_suffix('}'))
        .or_else(|| word.strip_prefix('$'))?;
    lookup(frame, name).map(|v| v.scalar())
}

/// `${s:offset}` / `${s:offset:length}` with numeric offset and length.
fn substring(s: &str, spec: &str) -> Option<String> {
    let (offset, length) = match spec.split_once(':') {
        Some((o, l)) => (o.trim(), Some(l.trim())),
        None => (spec.trim(), None),
    };
    let chars: Vec<char> = s.chars().collect();
    let offset: i64 = offset
        .trim_start_matches('(')
        .trim_end_matches(')')
        .parse()
        .ok()?;
    let start = if offset < 0 {
        (chars.len() as i64 + offset).max(0) as usize
    } else {
        (offset as usize).min(chars.len())
    };
    let end = match length {
        None => chars.len(),
        Some(l) => {
            let l: i64 = l.parse().ok()?;
            if l < 0 {
                (chars.len() as i64 + l).max(start as i64) as usize
            } else {
                (start + l as usize).min(chars.len())
            }
        }
    };
    Some(chars[start..end].iter().collect())
}

/// `${s#p}`, `${s##p}`, `${s%p}`, `${s%%p}` for a literal pattern with at most a leading or
/// trailing `*`; `None` for other globs.
fn strip_affix(s: &str, pattern: &str, longest: bool, from_start: bool) -> Option<String> {
    let is_glob = |p: &str| p.contains(['*', '?', '[']);
    if from_start {
        // `*lit`: up to an occurrence of lit (the last one when longest).
        if let Some(literal) = pattern.strip_prefix('*').filter(|p| !is_glob(p)) {
            let found = if longest {
                s.rfind(literal)
            } else {
                s.find(literal)
            };
            return Some(found.map_or(s.to_string(), |i| s[i + literal.len()..].to_string()));
        }
        // `lit*`: the prefix lit and, when longest, everything after it.
        if let Some(literal) = pattern.strip_suffix('*').filter(|p| !is_glob(p)) {
            return Some(match s.strip_prefix(literal) {
                Some(_) if longest => String::new(),
                Some(rest) => rest.to_string(),
                None => s.to_string(),
            });
        }
        if is_glob(pattern) {
            return None;
        }
        return Some(s.strip_prefix(pattern).unwrap_or(s).to_string());
    }
    // `lit*`: from an occurrence of lit (the first one when longest).
    if let Some(literal) = pattern.strip_suffix('*').filter(|p| !is_glob(p)) {
        let found = if longest {
            s.find(literal)
        } else {
            s.rfind(literal)
        };
        return Some(found.map_or(s.to_string(), |i| s[..i].to_string()));
    }
    // `*lit`: the suffix lit and, when longest, everything before it.
    if let Some(literal) = pattern.strip_prefix('*').filter(|p| !is_glob(p)) {
        return Some(match s.strip_suffix(literal) {
            Some(_) if longest => String::new(),
            Some(rest) => rest.to_string(),
            None => s.to_string(),
        });
    }
    if is_glob(pattern) {
        return None;
    }
    Some(s.strip_suffix(pattern).unwrap_or(s).to_string())
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// True when an assigned value still holds an expansion ctx could not resolve. `$HOME` and
/// `$TMPDIR` stay as they are: matchers read them symbolically.
fn has_unresolved(text: &str, node: Node, src: &str) -> bool {
    let source = &src[node.byte_range()];
    if !(source.contains('$') || source.contains('`')) {
        return false;
    }
    let mut rest = text.to_string();
    for symbolic in ["${HOME}", "$HOME", "${TMPDIR}", "$TMPDIR"] {
        rest = rest.replace(symbolic, "");
    }
    rest.contains('$') || rest.contains('`')
}

fn strip_quotes(text: &str, quote: char) -> &str {
    text.strip_prefix(quote)
        .and_then(|t| t.strip_suffix(quote))
        .unwrap_or(text)
}

/// Brace expansion of an unquoted word (`{rm,-rf,/}`, `file.{a,b}`, `{1..3}`), when the word
/// holds a brace list and nothing to expand later.
fn brace_words(node: Node, src: &str) -> Option<Vec<String>> {
    let text = &src[node.byte_range()];
    if !text.contains('{') || text.contains(['$', '`', '"', '\'', '\\']) {
        return None;
    }
    if !matches!(
        node.kind(),
        "word" | "concatenation" | "command_name" | "brace_expression"
    ) {
        return None;
    }
    let words = brace_expand(text);
    (words.len() > 1 || words.first().is_some_and(|w| w != text)).then_some(words)
}

/// Expands the first `{a,b}` or `{1..3}` group of `text`, recursively.
pub(super) fn brace_expand(text: &str) -> Vec<String> {
    let bytes: Vec<char> = text.chars().collect();
    let mut depth = 0;
    let mut open = None;
    for (i, c) in bytes.iter().enumerate() {
        match c {
            '{' => {
                if depth == 0 {
                    open = Some(i);
                }
                depth += 1;
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let start = open.expect("an opening brace");
                    let inner: String = bytes[start + 1..i].iter().collect();
                    let prefix: String = bytes[..start].iter().collect();
                    let suffix: String = bytes[i + 1..].iter().collect();
                    let Some(alternatives) = brace_alternatives(&inner) else {
                        continue;
                    };
                    let mut out = Vec::new();
                    for alt in alternatives {
                        for rest in brace_expand(&suffix) {
                            if out.len() >= MAX_BRACE_WORDS {
                                return out;
                            }
                            for word in brace_expand(&format!("{prefix}{alt}")) {
                                out.push(format!("{word}{rest}"));
                            }
                        }
                    }
                    return out;
                }
            }
            _ => {}
        }
    }
    vec![text.to_string()]
}

/// The alternatives of one brace group: a comma list at depth 0 or a numeric/letter range.
fn brace_alternatives(inner: &str) -> Option<Vec<String>> {
    if let Some((a, b)) = inner.split_once("..") {
        if let (Ok(a), Ok(b)) = (a.parse::<i64>(), b.parse::<i64>()) {
            let range: Vec<i64> = if a <= b {
                (a..=b).collect()
            } else {
                (b..=a).rev().collect()
            };
            return Some(
                range
                    .into_iter()
                    .take(MAX_BRACE_WORDS)
                    .map(|n| n.to_string())
                    .collect(),
            );
        }
        return None;
    }
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in inner.chars() {
        match c {
            '{' => {
                depth += 1;
                current.push(c);
            }
            '}' => {
                depth -= 1;
                current.push(c);
            }
            ',' if depth == 0 => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    (parts.len() > 1).then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_expand_lists_and_ranges() {
        assert_eq!(brace_expand("{rm,-rf,/}"), vec!["rm", "-rf", "/"]);
        assert_eq!(brace_expand("a{b,c}d"), vec!["abd", "acd"]);
        assert_eq!(brace_expand("x{1..3}"), vec!["x1", "x2", "x3"]);
        assert_eq!(brace_expand("{a,b}{c,d}"), vec!["ac", "ad", "bc", "bd"]);
        assert_eq!(brace_expand("{solo}"), vec!["{solo}"]);
    }

    #[test]
    fn substrings_and_affixes() {
        assert_eq!(substring("rmxx", "0:2").as_deref(), Some("rm"));
        assert_eq!(substring("abcdef", "-3").as_deref(), Some("def"));
        assert_eq!(
            strip_affix("/a/b/c", "*/", true, true).as_deref(),
            Some("c")
        );
        assert_eq!(
            strip_affix("file.tar.gz", ".*", false, false).as_deref(),
            Some("file.tar")
        );
        assert_eq!(strip_affix("xrm", "x", false, true).as_deref(), Some("rm"));
    }

    #[test]
    fn unresolved_checked_expansions_read_as_the_variable() {
        assert_eq!(symbolic("${HOME:?}"), "${HOME}");
        assert_eq!(symbolic("${DIR?unset}"), "${DIR}");
        assert_eq!(symbolic("${DIR:-/tmp}"), "${DIR:-/tmp}");
        assert_eq!(symbolic("$HOME"), "$HOME");
    }

    #[test]
    fn fields_split_only_unquoted_values() {
        let pieces = vec![Piece::Split("rm -rf".into())];
        assert_eq!(split_fields(pieces, " \t\n", false), vec!["rm", "-rf"]);
        let pieces = vec![Piece::Text("a b".into())];
        assert_eq!(split_fields(pieces, " \t\n", true), vec!["a b"]);
        let pieces = vec![Piece::Split("rm,-rf,/".into())];
        assert_eq!(split_fields(pieces, ",", false), vec!["rm", "-rf", "/"]);
        assert!(split_fields(vec![Piece::Split(String::new())], " ", false).is_empty());
        assert_eq!(split_fields(vec![], " ", true), vec![""]);
    }
}
