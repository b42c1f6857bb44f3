//! The Markdown chunker: sections by heading hierarchy.
//!
//! # Rules
//!
//! 1. **Front matter.** A `---` (YAML) or `+++` (TOML) block on the first line, up to the
//!    matching closing line (`---`/`...`, `+++`), is one `code` chunk (it is configuration, not
//!    prose). Its top-level keys ride on every chunk of the file as `front_matter`, flattened
//!    to strings: quotes are removed, lists (`[a, b]` or `- a` lines) are joined with `,`,
//!    block scalars (`|`, `>`) and nested maps keep their indented lines as raw text.
//! 2. **Headings.** ATX (`## x`) and setext (`x` over `===`) headings found by tree-sitter-md
//!    at the top level; headings in code blocks, block quotes, lists or HTML are not headings.
//! 3. **Sections.** Each heading starts a `section` chunk running to the next heading, with the
//!    breadcrumb of its ancestors (`Guide > Testing > Databases`) and its heading line as
//!    signature. Text before the first heading is a section without a breadcrumb.
//! 4. **Empty headings.** A heading with nothing but blank lines before a deeper heading joins
//!    that heading's chunk (which keeps the deeper breadcrumb).
//! 5. **Limits.** A section bigger than [`ChunkLimits`] is split between blocks (paragraphs,
//!    lists, code blocks), else between lines; every part keeps breadcrumb and signature and
//!    is numbered (`part`).

use super::{ChunkLimits, Segment, Source};
use ctx_engine::ChunkKind;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use tree_sitter::{Node, Parser};

/// Chunks a Markdown file; returns the segments and the flattened front matter.
pub fn chunk(
    source: &Source<'_>,
    limits: &ChunkLimits,
) -> (Vec<Segment>, BTreeMap<String, String>) {
    let (front, front_matter) = front_matter(source);
    let body_start = front.as_ref().map_or(0, |r| r.end);
    let outline = Outline::parse(source, body_start);
    let mut segments = Vec::new();
    if let Some(front) = front {
        segments.extend(Segment::plain(front, ChunkKind::Code).split(
            source,
            limits,
            limits.max_lines,
            &|_| false,
        ));
    }
    let prefer = |l: usize| outline.block_starts.contains(&l);
    for section in outline.sections(source, body_start) {
        segments.extend(section.split(source, limits, limits.max_lines, &prefer));
    }
    (segments, front_matter)
}

/// Headings and block starts of a document.
struct Outline {
    /// `(first line, level, title)` of each top-level heading after the front matter.
    headings: Vec<(usize, usize, String)>,
    /// First lines of top-level blocks: preferred split points.
    block_starts: BTreeSet<usize>,
}

impl Outline {
    fn parse(source: &Source<'_>, body_start: usize) -> Outline {
        thread_local! {
            static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
        }
        let mut outline = Outline {
            headings: Vec::new(),
            block_starts: BTreeSet::new(),
        };
        let tree = PARSER.with(|cell| {
            let mut cell = cell.borrow_mut();
            if cell.is_none() {
                let mut parser = Parser::new();
                parser.set_language(&tree_sitter_md::LANGUAGE.into()).ok()?;
                *cell = Some(parser);
            }
            cell.as_mut()?.parse(source.bytes(), None)
        });
        if let Some(tree) = tree {
            outline.visit(tree.root_node(), source, body_start);
        }
        outline
    }

    /// Walks `document` and `section` nodes only, so nested blocks never yield headings.
    fn visit(&mut self, node: Node<'_>, source: &Source<'_>, body_start: usize) {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            let line = source.line_of(child.start_byte());
            match child.kind() {
                "section" => self.visit(child, source, body_start),
                "atx_heading" | "setext_heading" if line >= body_start => {
                    if let Some((level, title)) = heading(child, source) {
                        self.headings.push((line, level, title));
                    }
                }
                _ if line >= body_start => {
                    self.block_starts.insert(line);
                }
                _ => {}
            }
        }
    }

    /// Sections of the body (rules 3 and 4), covering `body_start..line_count`.
    fn sections(&self, source: &Source<'_>, body_start: usize) -> Vec<Segment> {
        let end = source.line_count();
        let mut out = Vec::new();
        let first = self.headings.first().map_or(end, |h| h.0);
        if first > body_start {
            out.push(Segment::plain(body_start..first, ChunkKind::Section));
        }
        let mut trail: Vec<(usize, String)> = Vec::new();
        let mut pending_start: Option<usize> = None;
        for (i, (line, level, title)) in self.headings.iter().enumerate() {
            while trail.last().is_some_and(|(l, _)| l >= level) {
                trail.pop();
            }
            trail.push((*level, title.clone()));
            let next = self.headings.get(i + 1);
            let stop = next.map_or(end, |h| h.0);
            let empty = (line + 1..stop).all(|l| source.is_blank(l));
            if empty && next.is_some_and(|h| h.1 > *level) {
                pending_start.get_or_insert(*line);
                continue;
            }
            let start = pending_start.take().unwrap_or(*line);
            let crumb: Vec<&str> = trail.iter().map(|(_, t)| t.as_str()).collect();
            out.push(Segment {
                breadcrumb: Some(crumb.join(" > ")),
                signature: Some(
                    String::from_utf8_lossy(source.line(*line))
                        .trim()
                        .to_string(),
                ),
                ..Segment::plain(start..stop, ChunkKind::Section)
            });
        }
        // Whitespace-only text before the first heading joins the first section.
        if out.len() > 1
            && out[0].breadcrumb.is_none()
            && out[0].lines.clone().all(|l| source.is_blank(l))
        {
            let blank = out.remove(0);
            out[0].lines.start = blank.lines.start;
        }
        out
    }
}

/// The level and title of a heading node.
fn heading(node: Node<'_>, source: &Source<'_>) -> Option<(usize, String)> {
    let bytes = source.bytes();
    let mut level = 0;
    let mut title = String::new();
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        let kind = child.kind();
        if let Some(n) = kind
            .strip_prefix("atx_h")
            .and_then(|k| k.strip_suffix("_marker"))
        {
            level = n.parse().ok()?;
        } else if kind == "setext_h1_underline" {
            level = 1;
        } else if kind == "setext_h2_underline" {
            level = 2;
        } else if kind == "inline" || kind == "paragraph" {
            title =
                String::from_utf8_lossy(&bytes[child.start_byte()..child.end_byte()]).into_owned();
        }
    }
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let title = title.trim_end_matches('#').trim().to_string();
    (level > 0).then_some((level, title))
}

/// The front matter's lines and its flattened keys (rule 1).
fn front_matter(source: &Source<'_>) -> (Option<Range<usize>>, BTreeMap<String, String>) {
    let line = |l: usize| {
        String::from_utf8_lossy(source.line(l))
            .trim_end()
            .to_string()
    };
    if source.line_count() < 2 {
        return (None, BTreeMap::new());
    }
    let open = line(0);
    let (closers, toml): (&[&str], bool) = match open.as_str() {
        "---" => (&["---", "..."], false),
        "+++" => (&["+++"], true),
        _ => return (None, BTreeMap::new()),
    };
    let Some(close) = (1..source.line_count()).find(|&l| closers.contains(&line(l).as_str()))
    else {
        return (None, BTreeMap::new());
    };
    let body: Vec<String> = (1..close).map(line).collect();
    (
        Some(0..close + 1),
        parse_flat(&body, if toml { '=' } else { ':' }),
    )
}

/// Flattens top-level `key: value` (or `key = value`) lines.
fn parse_flat(lines: &[String], separator: char) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut i = 0;
    while i < lines.len() {
        let text = &lines[i];
        i += 1;
        if text.starts_with([' ', '\t', '#']) || text.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = text.split_once(separator) else {
            continue;
        };
        let key = unquote(key.trim()).to_string();
        let value = value.trim();
        let nested_start = i;
        while i < lines.len() && (lines[i].starts_with([' ', '\t']) || lines[i].trim().is_empty()) {
            i += 1;
        }
        let nested: Vec<&str> = lines[nested_start..i]
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        map.insert(key, flat_value(value, &nested));
    }
    map
}

/// One value as a string: a scalar, a flow or block list joined with `,`, or raw text.
fn flat_value(value: &str, nested: &[&str]) -> String {
    if let Some(list) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        return list
            .split(',')
            .map(|item| unquote(item.trim()))
            .filter(|item| !item.is_empty())
            .collect::<Vec<_>>()
            .join(",");
    }
    if value.is_empty() && !nested.is_empty() && nested.iter().all(|l| l.starts_with('-')) {
        return nested
            .iter()
            .map(|l| unquote(l.trim_start_matches('-').trim()))
            .collect::<Vec<_>>()
            .join(",");
    }
    if value.is_empty() || value.starts_with('|') || value.starts_with('>') {
        let joiner = if value.starts_with('>') { " " } else { "\n" };
        return nested.join(joiner);
    }
    unquote(value).to_string()
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use crate::chunk::{chunk_file, ChunkLimits};
    use ctx_engine::{Chunk, ChunkKind};

    fn chunks(path: &str, text: &str) -> Vec<Chunk> {
        chunk_file(path, text.as_bytes(), &ChunkLimits::default())
    }

    fn crumbs(chunks: &[Chunk]) -> Vec<(u32, u32, Option<&str>)> {
        chunks
            .iter()
            .map(|c| (c.start_line, c.end_line, c.breadcrumb.as_deref()))
            .collect()
    }

    #[test]
    fn sections_follow_heading_hierarchy() {
        let text = "Intro line.\n\n# Guide\n\nWelcome.\n\n## Testing\n\n### Databases\n\nUse sqlite.\n\n```sh\n# not a heading\n```\n\n## Setup\nRun it.\n";
        let chunks = chunks("docs/guide.md", text);
        assert_eq!(
            crumbs(&chunks),
            vec![
                (1, 2, None),
                (3, 6, Some("Guide")),
                (7, 16, Some("Guide > Testing > Databases")),
                (17, 18, Some("Guide > Setup")),
            ]
        );
        assert!(chunks
            .iter()
            .all(|c| c.kind == ChunkKind::Section && c.language == "markdown"));
        assert_eq!(chunks[2].signature.as_deref(), Some("### Databases"));
    }

    #[test]
    fn setext_headings_and_quotes() {
        let text = "Title\n=====\n\ntext\n\n> # quoted\n\nSub\n---\nmore\n";
        let chunks = chunks("a.md", text);
        assert_eq!(
            crumbs(&chunks),
            vec![(1, 7, Some("Title")), (8, 10, Some("Title > Sub"))]
        );
    }

    #[test]
    fn front_matter_is_a_chunk_and_metadata() {
        let text = "---\ndescription: \"Rules for tests\"\nglobs: **/*.ts, src/**\nalwaysApply: false\ntags: [a, 'b']\nlist:\n  - x\n  - y\n---\n# Rules\nNever do X.\n";
        let chunks = chunks(".cursor/rules/testing.mdc", text);
        assert_eq!(crumbs(&chunks), vec![(1, 9, None), (10, 11, Some("Rules"))]);
        assert_eq!(chunks[0].kind, ChunkKind::Code);
        let fm = &chunks[1].front_matter;
        assert_eq!(fm["description"], "Rules for tests");
        assert_eq!(fm["globs"], "**/*.ts, src/**");
        assert_eq!(fm["alwaysApply"], "false");
        assert_eq!(fm["tags"], "a,b");
        assert_eq!(fm["list"], "x,y");
        assert_eq!(chunks[0].front_matter, *fm);
    }

    #[test]
    fn big_sections_split_keeping_breadcrumb() {
        let para = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(6);
        let body: String = (0..40).map(|_| format!("{para}\n\n")).collect();
        let text = format!("# A\n## B\n{body}");
        let chunks = chunks("a.md", &text);
        assert!(chunks.len() > 3);
        let n = chunks.len() as u32;
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c.breadcrumb.as_deref(), Some("A > B"));
            assert_eq!(c.part, Some((i as u32 + 1, n)));
            assert!(c.tokens <= 512);
        }
    }
}
