//! Splitting a markdown (or plain text) document into candidate sentences with their lines.
//!
//! Blocks are list items (with their continuation lines), paragraphs, table rows, headings and
//! comments in fenced code. Each block keeps the paragraph it belongs to, so a rule such as
//! "Do not edit these:" can see the list that follows it and "Never edit it by hand" can see
//! the sentence before it.

/// One sentence of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// The sentence as written (line breaks collapsed to spaces).
    pub text: String,
    /// 1-based line where it starts.
    pub line: u32,
    /// Index of its block in [`Document::blocks`].
    pub block: usize,
    /// The command on the same line, for comments inside code blocks (`cargo build # never …`).
    pub code_context: Option<String>,
}

/// A block: a list item, paragraph, table row, heading or code comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The block's text (line breaks collapsed).
    pub text: String,
    /// 1-based first line.
    pub line: u32,
    /// True for list items.
    pub is_item: bool,
    /// List items that directly follow this block (when it is not an item itself).
    pub following_items: Vec<String>,
}

/// A document split into blocks and sentences.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// Blocks in order.
    pub blocks: Vec<Block>,
    /// Sentences in order.
    pub sentences: Vec<Sentence>,
}

const MAX_SENTENCE_CHARS: usize = 600;

/// Splits `text`, whose first line is line `first_line` of the file.
pub fn segment(text: &str, first_line: u32) -> Document {
    let mut doc = Document::default();
    let mut builder = BlockBuilder::default();
    let mut fence: Option<String> = None;
    let mut in_html_comment = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = first_line + i as u32;
        let trimmed = raw.trim();
        if let Some(marker) = &fence {
            if trimmed.starts_with(marker.as_str()) {
                fence = None;
            } else {
                code_comment(&mut doc, raw, line_no);
            }
            continue;
        }
        if in_html_comment {
            in_html_comment = !trimmed.contains("-->");
            continue;
        }
        if trimmed.starts_with("<!--") {
            builder.flush(&mut doc);
            in_html_comment = !trimmed.contains("-->");
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            builder.flush(&mut doc);
            fence = Some(trimmed.chars().take(3).collect());
            continue;
        }
        builder.line(&mut doc, raw, line_no);
    }
    builder.flush(&mut doc);
    link_lists(&mut doc);
    doc
}

#[derive(Default)]
struct BlockBuilder {
    text: String,
    line: u32,
    is_item: bool,
    item_indent: usize,
}

impl BlockBuilder {
    fn line(&mut self, doc: &mut Document, raw: &str, line_no: u32) {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            self.flush(doc);
            return;
        }
        let indent = raw.len() - raw.trim_start().len();
        let unquoted = trimmed.trim_start_matches('>').trim();
        if unquoted.starts_with('#') || unquoted.starts_with('|') {
            self.flush(doc);
            let text = if unquoted.starts_with('|') {
                table_row(unquoted)
            } else {
                unquoted.trim_start_matches('#').trim().to_string()
            };
            if !text.is_empty() && !is_table_rule(unquoted) {
                self.start(text, line_no, false, indent);
                self.flush(doc);
            }
            return;
        }
        if let Some(item) = list_item(unquoted) {
            self.flush(doc);
            self.start(item.to_string(), line_no, true, indent);
            return;
        }
        if self.text.is_empty() {
            self.start(unquoted.to_string(), line_no, false, indent);
        } else if self.is_item
            && indent < self.item_indent.max(1)
            && !looks_like_continuation(unquoted)
        {
            self.flush(doc);
            self.start(unquoted.to_string(), line_no, false, indent);
        } else {
            self.text.push(' ');
            self.text.push_str(unquoted);
        }
    }

    fn start(&mut self, text: String, line: u32, is_item: bool, indent: usize) {
        self.text = text;
        self.line = line;
        self.is_item = is_item;
        self.item_indent = indent + 1;
    }

    fn flush(&mut self, doc: &mut Document) {
        if self.text.trim().is_empty() {
            self.text.clear();
            return;
        }
        let text = std::mem::take(&mut self.text);
        let index = doc.blocks.len();
        for (sentence, offset_line) in split_sentences(&text) {
            doc.sentences.push(Sentence {
                text: sentence,
                line: self.line + offset_line,
                block: index,
                code_context: None,
            });
        }
        doc.blocks.push(Block {
            text,
            line: self.line,
            is_item: self.is_item,
            following_items: Vec::new(),
        });
    }
}

/// Lines indented less than an item's text still continue it when they start in lowercase.
fn looks_like_continuation(line: &str) -> bool {
    line.chars()
        .next()
        .is_some_and(|c| c.is_lowercase() || c == '`' || c == '(')
}

fn list_item(line: &str) -> Option<&str> {
    for marker in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(marker) {
            return Some(
                rest.trim_start_matches("[ ] ")
                    .trim_start_matches("[x] ")
                    .trim(),
            );
        }
    }
    let digits = line.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && digits < 4 {
        let rest = &line[digits..];
        if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some(r.trim());
        }
    }
    None
}

fn table_row(line: &str) -> String {
    line.trim_matches('|')
        .split('|')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join(" — ")
}

fn is_table_rule(line: &str) -> bool {
    line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// Comments inside code blocks that carry a rule: `cargo build  # build. never build with --release`.
fn code_comment(doc: &mut Document, raw: &str, line_no: u32) {
    let Some((code, comment)) = split_comment(raw) else {
        return;
    };
    let comment = comment.trim();
    if comment.is_empty() {
        return;
    }
    let index = doc.blocks.len();
    doc.blocks.push(Block {
        text: comment.to_string(),
        line: line_no,
        is_item: false,
        following_items: Vec::new(),
    });
    doc.sentences.push(Sentence {
        text: raw.trim().to_string(),
        line: line_no,
        block: index,
        code_context: Some(code.trim().to_string()).filter(|c| !c.is_empty()),
    });
}

fn split_comment(line: &str) -> Option<(&str, &str)> {
    let mut quote = None;
    let bytes = line.as_bytes();
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && (i == 0 || bytes[i - 1] == b' ') => {
                return Some((&line[..i], &line[i + 1..]))
            }
            None if c == '/'
                && bytes.get(i + 1) == Some(&b'/')
                && (i == 0 || bytes[i - 1] == b' ') =>
            {
                return Some((&line[..i], &line[i + 2..]))
            }
            None => {}
        }
    }
    None
}

/// Attaches to each non-item block the list items that directly follow it.
fn link_lists(doc: &mut Document) {
    for i in 0..doc.blocks.len() {
        if doc.blocks[i].is_item {
            continue;
        }
        let items: Vec<String> = doc.blocks[i + 1..]
            .iter()
            .take_while(|b| b.is_item)
            .map(|b| b.text.clone())
            .collect();
        doc.blocks[i].following_items = items;
    }
}

/// Splits block text into sentences: a `.`, `!` or `?` followed by a space and an uppercase
/// letter, `*` or backtick ends one, outside code spans and after words that are not
/// abbreviations. Returns each sentence with its line offset in the block (always 0: blocks are
/// joined onto one line, and the block's first line is the best source line we have).
fn split_sentences(text: &str) -> Vec<(String, u32)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_code = false;
    for i in 0..chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
            continue;
        }
        if in_code || !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let next_is_space = chars.get(i + 1).is_some_and(|n| *n == ' ');
        let after = chars.get(i + 2).copied();
        let starts_sentence =
            after.is_some_and(|a| a.is_uppercase() || a == '*' || a == '`' || a == '_');
        if next_is_space && starts_sentence && !is_abbreviation(&chars[start..i]) {
            push_sentence(&mut out, &chars[start..=i]);
            start = i + 2;
        }
    }
    if start < chars.len() {
        push_sentence(&mut out, &chars[start..]);
    }
    out
}

fn push_sentence(out: &mut Vec<(String, u32)>, chars: &[char]) {
    let s: String = chars.iter().collect::<String>().trim().to_string();
    if s.is_empty() {
        return;
    }
    let s = if s.chars().count() > MAX_SENTENCE_CHARS {
        s.chars().take(MAX_SENTENCE_CHARS).collect()
    } else {
        s
    };
    out.push((s, 0));
}

fn is_abbreviation(before: &[char]) -> bool {
    let word: String = before
        .iter()
        .rev()
        .take_while(|c| !c.is_whitespace() && **c != '(')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let lower = word.to_lowercase();
    matches!(
        lower.as_str(),
        "e.g" | "i.e" | "etc" | "vs" | "eg" | "ie" | "cf" | "approx" | "no"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_paragraphs_tables_and_code_comments() {
        let text = "# Title\n\n- Never do X. Always do Y.\n  continued here\n- second\n\nDo not edit these:\n- `a.txt` — generated\n\n| Path | Note |\n|---|---|\n| `gen/` | do not hand-edit |\n\n```bash\ncargo build   # never build with --release\n```\n";
        let doc = segment(text, 1);
        let texts: Vec<_> = doc
            .sentences
            .iter()
            .map(|s| (s.text.as_str(), s.line))
            .collect();
        assert!(texts.contains(&("Never do X.", 3)));
        assert!(texts.contains(&("Always do Y. continued here", 3)));
        assert!(texts.contains(&("`gen/` — do not hand-edit", 12)));
        let comment = doc
            .sentences
            .iter()
            .find(|s| s.code_context.is_some())
            .unwrap();
        assert_eq!(comment.line, 15);
        assert_eq!(comment.code_context.as_deref(), Some("cargo build"));
        let intro = doc
            .blocks
            .iter()
            .find(|b| b.text == "Do not edit these:")
            .unwrap();
        assert_eq!(intro.following_items, ["`a.txt` — generated"]);
    }

    #[test]
    fn abbreviations_do_not_split() {
        let s = split_sentences("Use tools, e.g. Cargo here. Then stop.");
        assert_eq!(s.len(), 2);
    }
}
