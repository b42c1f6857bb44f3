//! Splitting a markdown (or plain text) document into candidate sentences with their lines.
//!
//! Blocks are list items (with their continuation lines), paragraphs, table rows, headings,
//! reStructuredText admonitions (`.. warning:: Do not …`) and comments in fenced code. Each
//! block keeps the headings it sits under, its parent (the item above a nested item, or the
//! paragraph that introduces a list) and its subject (the `` `path` `` of "`gen/`: generated;
//! do not edit"), so a rule such as "Do not edit these:" can see the list that follows it and
//! "Don't edit directly" can see what it is about. Code blocks are kept whole, with their
//! language, as what the document recommends running or writing.

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
    /// True for a comment on a line of its own right above a line of code in the same code
    /// block (`# Apply license headers` over `./gradlew licenseFormat`): a label of that code.
    pub labels_next_line: bool,
}

/// A fenced or literal code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// The info string's language (`bash`, `python`), lowercased; empty when none.
    pub lang: String,
    /// The block's lines.
    pub text: String,
    /// 1-based line of its first line of code.
    pub line: u32,
    /// True when the text just before it marks it as what not to do ("Don't:", "❌ Bad").
    pub counter_example: bool,
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
    /// List items that directly follow this block: the list after a paragraph, the items
    /// nested under an item.
    pub following_items: Vec<String>,
    /// The headings the block sits under, outermost first.
    pub section: Vec<String>,
    /// The block it belongs to: the item above a nested item, or the paragraph ending in `:`
    /// (or `:**`) right before a list.
    pub parent: Option<usize>,
    /// What a definition-style item is about: the leading `` `x` `` or `**x**` of
    /// "`x`: …" / "`x` — …", with its backticks.
    pub subject: Option<String>,
    /// Indentation of the block's first line.
    pub indent: usize,
}

/// A document split into blocks and sentences.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// Blocks in order.
    pub blocks: Vec<Block>,
    /// Sentences in order.
    pub sentences: Vec<Sentence>,
    /// Code blocks in order.
    pub code_blocks: Vec<CodeBlock>,
}

const MAX_SENTENCE_CHARS: usize = 600;

/// Splits `text`, whose first line is line `first_line` of the file.
pub fn segment(text: &str, first_line: u32) -> Document {
    let mut doc = Document::default();
    let mut builder = BlockBuilder::default();
    let mut fence: Option<(String, CodeBlock)> = None;
    let mut literal: Option<(usize, CodeBlock)> = None;
    let mut admonition: Option<usize> = None;
    let mut in_html_comment = false;
    let lines: Vec<&str> = text.lines().collect();
    for (i, raw) in lines.iter().enumerate() {
        let line_no = first_line + i as u32;
        let trimmed = raw.trim();
        let indent = raw.len() - raw.trim_start().len();
        if let Some((marker, block)) = &mut fence {
            if trimmed.starts_with(marker.as_str()) {
                let (_, block) = fence.take().expect("inside a fence");
                doc.code_blocks.push(block);
            } else {
                block.text.push_str(raw);
                block.text.push('\n');
                let next = lines.get(i + 1).copied();
                let labels_next = next.is_some_and(|n| is_code_line(n, marker));
                code_comment(&mut doc, &builder, raw, line_no, labels_next);
            }
            continue;
        }
        if let Some((min_indent, block)) = &mut literal {
            if trimmed.is_empty() || indent >= *min_indent {
                block.text.push_str(raw.get(*min_indent..).unwrap_or(""));
                block.text.push('\n');
                continue;
            }
            let (_, block) = literal.take().expect("inside a literal block");
            doc.code_blocks.push(block);
        }
        if let Some(min_indent) = admonition {
            if !trimmed.is_empty() && indent < min_indent {
                builder.flush(&mut doc);
                admonition = None;
            }
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
            let marker: String = trimmed.chars().take(3).collect();
            let lang = trimmed[3..]
                .trim()
                .split([' ', '{', ','])
                .next()
                .unwrap_or("")
                .to_lowercase();
            fence = Some((marker, empty_code_block(&doc, lang, line_no + 1)));
            continue;
        }
        if let Some(lang) = rst_code_directive(trimmed) {
            builder.flush(&mut doc);
            literal = Some((indent + 1, empty_code_block(&doc, lang, line_no + 1)));
            continue;
        }
        if let Some(body) = rst_admonition(trimmed) {
            builder.flush(&mut doc);
            if !body.is_empty() {
                builder.line(&mut doc, body, line_no);
            }
            admonition = Some(indent + 1);
            continue;
        }
        if let Some(level) = lines
            .get(i + 1)
            .and_then(|next| rst_underline(trimmed, next))
        {
            builder.flush(&mut doc);
            builder.heading(level, trimmed);
            continue;
        }
        if is_rst_underline_of_previous(trimmed, i, &lines) {
            continue;
        }
        if trimmed.ends_with("::") && !trimmed.starts_with("..") {
            builder.line(&mut doc, trimmed.trim_end_matches(':'), line_no);
            builder.flush(&mut doc);
            let counter_example = counter_example(&doc);
            literal = Some((
                indent + 1,
                CodeBlock {
                    lang: String::new(),
                    text: String::new(),
                    line: line_no + 1,
                    counter_example,
                },
            ));
            continue;
        }
        builder.line(&mut doc, raw, line_no);
    }
    builder.flush(&mut doc);
    let open_block = fence
        .take()
        .map(|(_, b)| b)
        .or(literal.take().map(|(_, b)| b));
    doc.code_blocks.extend(open_block);
    link_lists(&mut doc);
    doc
}

/// `.. code-block:: python`, `.. code:: bash`, `.. sourcecode::` → the language.
fn rst_code_directive(line: &str) -> Option<String> {
    let rest = line.strip_prefix("..")?.trim_start();
    let (name, lang) = rest.split_once("::")?;
    matches!(name.trim(), "code-block" | "code" | "sourcecode" | "prompt")
        .then(|| lang.trim().to_lowercase())
}

/// `.. warning:: Do not …` → the text after `::` (the admonition's body follows, indented).
fn rst_admonition(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("..")?.trim_start();
    let (name, body) = rest.split_once("::")?;
    matches!(
        name.trim().to_ascii_lowercase().as_str(),
        "warning"
            | "note"
            | "important"
            | "caution"
            | "danger"
            | "attention"
            | "tip"
            | "hint"
            | "admonition"
            | "error"
    )
    .then(|| body.trim())
}

/// The level of an RST heading whose underline is `next` (`===`, `---`, `~~~` …).
fn rst_underline(line: &str, next: &str) -> Option<usize> {
    let under = next.trim();
    let c = under.chars().next()?;
    let is_rule = under.len() >= 3
        && "=-~^*+#\"'`:.".contains(c)
        && under.chars().all(|x| x == c)
        && under.len() + 1 >= line.chars().count();
    let heading_text = !line.is_empty()
        && !line.starts_with(['-', '*', '|', '#', '>'])
        && line.chars().any(char::is_alphanumeric);
    (is_rule && heading_text).then(|| "=-~^*+#\"'`:.".find(c).unwrap_or(0) + 1)
}

fn is_rst_underline_of_previous(line: &str, i: usize, lines: &[&str]) -> bool {
    i > 0 && rst_underline(lines[i - 1].trim(), line).is_some()
}

/// A code block opening at `line` with no text yet, marked as a counter-example when the
/// text before it says so.
fn empty_code_block(doc: &Document, lang: String, line: u32) -> CodeBlock {
    CodeBlock {
        lang,
        text: String::new(),
        line,
        counter_example: counter_example(doc),
    }
}

/// True when the text right before a code block says it shows what not to do.
fn counter_example(doc: &Document) -> bool {
    doc.blocks
        .last()
        .is_some_and(|b| marks_counter_example(&b.text))
}

/// True when `text` (a lead-in, or a comment inside a code block) says that what follows
/// shows what not to do: "Don't", "Wrong", "❌ DO NOT USE".
pub fn marks_counter_example(text: &str) -> bool {
    static MARK: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = MARK.get_or_init(|| {
        regex::Regex::new(r"(?i)(\b(don'?t|do not|avoid|bad|wrong|incorrect|never|anti-?pattern|not this|instead of|forbidden|deprecated)\b|❌|✗|✘|🚫)").unwrap()
    });
    re.is_match(text)
}

#[derive(Default)]
struct BlockBuilder {
    text: String,
    line: u32,
    is_item: bool,
    item_indent: usize,
    indent: usize,
    /// Headings by level: (level, text).
    headings: Vec<(usize, String)>,
    section: Vec<String>,
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
        if unquoted.starts_with('#') {
            self.flush(doc);
            let level = unquoted.chars().take_while(|c| *c == '#').count();
            let text = unquoted.trim_start_matches('#').trim();
            if !text.is_empty() {
                self.start(text.to_string(), line_no, false, indent);
                self.flush(doc);
                self.heading(level, text);
            }
            return;
        }
        if unquoted.starts_with('|') {
            self.flush(doc);
            let text = table_row(unquoted);
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
        self.indent = indent;
    }

    /// A heading of this level: it replaces the headings at its level and below.
    fn heading(&mut self, level: usize, text: &str) {
        self.headings.retain(|(l, _)| *l < level);
        self.headings
            .push((level, super::compile::clean_markdown(text)));
        self.section = self.headings.iter().map(|(_, t)| t.clone()).collect();
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
                labels_next_line: false,
            });
        }
        let parent = if self.is_item {
            parent_item(doc, self.indent)
        } else {
            None
        };
        doc.blocks.push(Block {
            subject: subject(&text),
            text,
            line: self.line,
            is_item: self.is_item,
            following_items: Vec::new(),
            section: self.section.clone(),
            parent,
            indent: self.indent,
        });
    }
}

/// The block a new item at `indent` belongs to: the nearest item above it that is indented
/// less, else the paragraph ending in `:` right before the list.
fn parent_item(doc: &Document, indent: usize) -> Option<usize> {
    for (i, b) in doc.blocks.iter().enumerate().rev() {
        if b.is_item && b.indent < indent {
            return Some(i);
        }
        if !b.is_item {
            return ends_with_colon(&b.text).then_some(i);
        }
    }
    None
}

/// True for a lead-in ending in a colon, emphasis closing after it included ("Never:",
/// "❌ **Don't:**").
fn ends_with_colon(text: &str) -> bool {
    text.trim_end().trim_end_matches(['*', '_']).ends_with(':')
}

/// "`x`: …", "`x` — …", "**x**: …": the thing a definition-style block is about.
fn subject(text: &str) -> Option<String> {
    static SUBJECT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = SUBJECT
        .get_or_init(|| regex::Regex::new(r"^(`[^`]+`|\*\*[^*]+\*\*)\s*(?::|—|–|-|\|)\s").unwrap());
    re.captures(text)
        .map(|c| c[1].trim_matches('*').to_string())
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

/// A table row as one line: "first cell: the other cells" (the first cell usually names what
/// the row is about: an area, a path, a command).
fn table_row(line: &str) -> String {
    let cells: Vec<&str> = line
        .trim_matches('|')
        .split('|')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    match cells.split_first() {
        Some((first, rest)) if !rest.is_empty() => format!("{first}: {}", rest.join("; ")),
        _ => cells.join(""),
    }
}

fn is_table_rule(line: &str) -> bool {
    line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// Comments inside code blocks that carry a rule: `cargo build  # build. never build with --release`.
/// `labels_next` says the line below is code of the same block.
fn code_comment(
    doc: &mut Document,
    builder: &BlockBuilder,
    raw: &str,
    line_no: u32,
    labels_next: bool,
) {
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
        section: builder.section.clone(),
        parent: None,
        subject: None,
        indent: 0,
    });
    let code = Some(code.trim().to_string()).filter(|c| !c.is_empty());
    let labels_next_line = code.is_none() && labels_next;
    // Comments are terse: "build. never build with --release" holds two sentences.
    for sentence in comment.split(". ").map(str::trim).filter(|s| !s.is_empty()) {
        let sentence = sentence.to_string();
        doc.sentences.push(Sentence {
            text: sentence,
            line: line_no,
            block: index,
            code_context: code.clone(),
            labels_next_line,
        });
    }
}

/// True for a line of code inside the fence `marker` closes: not blank, not the closing
/// fence, not a comment of its own.
fn is_code_line(line: &str, marker: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty()
        && !trimmed.starts_with(marker)
        && split_comment(line).is_none_or(|(code, _)| !code.trim().is_empty())
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

/// Attaches to each block the list items that directly follow it: the list after a
/// paragraph, the items nested under an item.
fn link_lists(doc: &mut Document) {
    for i in 0..doc.blocks.len() {
        let items: Vec<String> = match doc.blocks[i].is_item {
            false => doc.blocks[i + 1..]
                .iter()
                .take_while(|b| b.is_item)
                .map(|b| b.text.clone())
                .collect(),
            true => doc.blocks[i + 1..]
                .iter()
                .take_while(|b| b.is_item && b.indent > doc.blocks[i].indent)
                .filter(|b| b.parent == Some(i))
                .map(|b| b.text.clone())
                .collect(),
        };
        doc.blocks[i].following_items = items;
    }
}

/// Splits block text into sentences: a `.`, `!` or `?` (emphasis closing after it included)
/// followed by a space and an uppercase letter, `*`, `_`, `[` or backtick ends one, outside
/// code spans and after words that are not abbreviations. A run-in label in emphasis at the
/// start ("**Builds** Never …") is a sentence of its own too. Returns each sentence with its
/// line offset in the block (always 0: blocks are joined onto one line, and the block's first
/// line is the best source line we have).
fn split_sentences(text: &str) -> Vec<(String, u32)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_code = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
        }
        let end = if in_code {
            None
        } else if matches!(c, '.' | '!' | '?') {
            let end = i
                + 1
                + chars[i + 1..]
                    .iter()
                    .take_while(|c| matches!(c, '*' | '_'))
                    .count();
            (!is_abbreviation(&chars[start..i])).then_some(end)
        } else {
            run_in_label_end(&chars, start, i)
        };
        match end {
            Some(end) if starts_next_sentence(&chars, end) => {
                push_sentence(&mut out, &chars[start..end]);
                start = end + 1;
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    if start < chars.len() {
        push_sentence(&mut out, &chars[start..]);
    }
    out
}

/// A space and then a capital, emphasis, a bracket or a code span at `end`.
fn starts_next_sentence(chars: &[char], end: usize) -> bool {
    chars.get(end) == Some(&' ')
        && chars
            .get(end + 1)
            .is_some_and(|a| a.is_uppercase() || matches!(a, '*' | '_' | '`' | '['))
}

/// Where a run-in label ends when the emphasis opened at the sentence's `start` closes at `i`
/// ("**Builds** Never …"): short, and closing the same marker it opened with. A label ending
/// in ':' stays with its sentence (the directive reader takes it as a label).
fn run_in_label_end(chars: &[char], start: usize, i: usize) -> Option<usize> {
    let marker: &[char] = match chars.get(start..start + 2)? {
        ['*', '*'] => &['*', '*'],
        ['_', '_'] => &['_', '_'],
        _ => return None,
    };
    if chars.get(i..i + 2) != Some(marker) || i <= start + 2 || i - start > 60 {
        return None;
    }
    let plain = |c: &char| !matches!(c, '*' | '_' | '`');
    let ends_label = !matches!(chars[i - 1], ' ' | ':');
    (ends_label && chars[start + 2..i].iter().all(plain)).then_some(i + 2)
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
        assert!(texts.contains(&("`gen/`: do not hand-edit", 12)));
        let comment = doc
            .sentences
            .iter()
            .find(|s| s.code_context.is_some())
            .unwrap();
        assert_eq!(comment.line, 15);
        assert_eq!(comment.text, "never build with --release");
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

    #[test]
    fn emphasised_labels_end_their_sentence() {
        let texts =
            |t: &str| -> Vec<String> { split_sentences(t).into_iter().map(|s| s.0).collect() };
        assert_eq!(
            texts("**Builds.** Never run it."),
            ["**Builds.**", "Never run it."]
        );
        assert_eq!(
            texts("**Builds** Never run it."),
            ["**Builds**", "Never run it."]
        );
        assert_eq!(
            texts("__Builds__ Never run it."),
            ["__Builds__", "Never run it."]
        );
        assert_eq!(
            texts("**Builds:** Never run it."),
            ["**Builds:** Never run it."]
        );
        assert_eq!(texts("**Never** run it."), ["**Never** run it."]);
        assert_eq!(texts("**"), ["**"]);
        assert_eq!(texts("****"), ["****"]);
        assert_eq!(texts("**A** and **B** Then."), ["**A** and **B** Then."]);
    }
}
