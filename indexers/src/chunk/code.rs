//! The generic tree-sitter chunker: one algorithm for every code language, driven by the
//! language's chunk query (`queries/<lang>/chunks.scm`) and its `languages.toml` entry.
//!
//! # Rules
//!
//! 1. **Definitions.** Each query match gives a definition node, its kind (`@definition.*`),
//!    its name (`@name`) and optionally an explicit owner (`@parent`). A definition's lines run
//!    from its first to its last line; a wrapper node that ends where it ends (a decorator,
//!    `export`, `template<...>`, see `wrappers` in `languages.toml`) and the comments,
//!    attributes, decorators and annotations directly above it (each on its own lines, no
//!    blank line in between) belong to it.
//! 2. **Nesting.** Definitions nest by lines. Inside a container (class, struct, enum, trait,
//!    interface, impl, module) a definition is a child, qualified by the container
//!    (`Server::handle`, `Session.request`); a function in a non-module container is a
//!    `method`; a method with neither container nor `@parent` (a top-level Ruby `def`) is a
//!    `function`. Inside a function or method, definitions are not split out. A definition that
//!    starts on its container's first line, or overlaps a sibling's lines, is not split out
//!    either (it stays in the enclosing chunk).
//! 3. **Containers with children** are cut around them: the container's own lines (header,
//!    fields, lines between methods) become chunks of the container's kind and symbol. An
//!    `impl` header of at most [`THIN_HEADER_LINES`] lines (`impl Server {`) carries too
//!    little to stand alone and names no new symbol: it joins its first member's chunk.
//!    Classes, traits, interfaces and modules keep their header chunk, however small, so their
//!    symbol stays findable.
//! 4. **Gaps** between top-level definitions (imports, statements) become `code` chunks.
//! 5. **Filler.** A gap whose lines are all blank or closing tokens (`}`, `)`, `];`, `end`,
//!    `fi`, `done`, `esac`) joins the chunk before it (the next one at the start of a file):
//!    trailing blank lines and a class's closing brace end up in the chunk above them.
//! 6. **Limits.** A chunk bigger than [`ChunkLimits`] is split between lines, preferably
//!    after a blank line; parts of a symbol are numbered (`part`) and keep its signature.
//! 7. **Errors.** Syntax errors are chunked as far as tree-sitter recovers; if a file cannot
//!    be parsed at all, it falls back to line windows.

use super::{ChunkLimits, Segment, Source};
use crate::lang::{Capture, ChunkQuery, Lang, LangSpec};
use ctx_engine::ChunkKind;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use tree_sitter::{Node, Parser, QueryCursor, StreamingIterator, Tree};

/// An `impl` header with at most this many lines joins its first member's chunk (rule 3).
pub const THIN_HEADER_LINES: usize = 2;

/// The longest signature kept, in bytes (cut at a character boundary).
const MAX_SIGNATURE: usize = 200;

/// Chunks a file of a code language. Falls back to line windows if the language has no
/// usable query or the file cannot be parsed.
pub fn chunk(lang: Lang, source: &Source<'_>, limits: &ChunkLimits) -> Vec<Segment> {
    let (Ok(Some(query)), Some(tree)) = (lang.chunk_query(), parse(lang, source.bytes())) else {
        return super::text::windows(source, limits);
    };
    let defs = collect_defs(lang.spec(), query, &tree, source);
    let forest = Forest::build(defs, &lang.spec().symbol_separator);
    let mut pieces = Vec::new();
    forest.emit_region(
        0..source.line_count(),
        &forest.roots,
        &Owner::top(),
        &mut pieces,
    );
    let segments = absorb_filler(pieces, source);
    segments
        .into_iter()
        .flat_map(|seg| seg.split(source, limits, limits.max_lines, &|l| source.after_blank(l)))
        .collect()
}

/// Parses with a per-thread parser.
fn parse(lang: Lang, bytes: &[u8]) -> Option<Tree> {
    thread_local! {
        static PARSER: RefCell<Parser> = RefCell::new(Parser::new());
    }
    let grammar = lang.grammar()?;
    PARSER.with(|parser| {
        let mut parser = parser.borrow_mut();
        parser.set_language(&grammar).ok()?;
        parser.parse(bytes, None)
    })
}

/// One definition found by the query.
#[derive(Debug, Clone)]
struct Def {
    kind: ChunkKind,
    name: String,
    /// `@parent`: an owner named outside the definition (Go receiver).
    owner: Option<String>,
    /// Lines including attached comments and wrappers.
    lines: Range<usize>,
    signature: String,
    /// Query pattern index, to break ties.
    pattern: usize,
}

/// Runs the query and returns one [`Def`] per definition node, in no particular order.
fn collect_defs(spec: &LangSpec, query: &ChunkQuery, tree: &Tree, source: &Source<'_>) -> Vec<Def> {
    let bytes = source.bytes();
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(&query.query, tree.root_node(), bytes);
    let mut by_node: HashMap<usize, Def> = HashMap::new();
    while let Some(m) = matches.next() {
        let mut def_node = None;
        let mut name_node = None;
        let mut owner = None;
        for capture in m.captures() {
            match query.captures.get(capture.index as usize) {
                Some(Capture::Definition(kind)) => def_node = Some((*kind, capture.node)),
                Some(Capture::Name) => name_node = Some(capture.node),
                Some(Capture::Parent) => owner = clean_name(node_text(capture.node, bytes)),
                None => {}
            }
        }
        let (Some((kind, node)), Some(name_node)) = (def_node, name_node) else {
            continue;
        };
        let Some(name) = clean_name(node_text(name_node, bytes)) else {
            continue;
        };
        let def = Def {
            kind,
            name,
            owner,
            lines: def_lines(spec, node, source),
            signature: signature(source, name_node.start_byte()),
            pattern: m.pattern_index,
        };
        let better = |old: &Def| {
            (def.owner.is_some(), std::cmp::Reverse(def.pattern))
                > (old.owner.is_some(), std::cmp::Reverse(old.pattern))
        };
        match by_node.get(&node.id()) {
            Some(old) if !better(old) => {}
            _ => {
                by_node.insert(node.id(), def);
            }
        }
    }
    by_node.into_values().collect()
}

fn node_text<'a>(node: Node<'_>, bytes: &'a [u8]) -> &'a [u8] {
    &bytes[node.start_byte()..node.end_byte()]
}

/// A name as written, reduced to its first line, without generic arguments or reference
/// sigils (`Foo<T>` → `Foo`, `&'a mut Foo` stays readable). `None` if nothing is left.
fn clean_name(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let mut name = text.lines().next().unwrap_or("").trim();
    if !name.starts_with("operator") {
        if let Some(cut) = name.find('<') {
            name = &name[..cut];
        }
    }
    let name = name.trim_start_matches(['&', '*']).trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// The trimmed line holding a definition's name, at most [`MAX_SIGNATURE`] bytes.
fn signature(source: &Source<'_>, name_byte: usize) -> String {
    let line = String::from_utf8_lossy(source.line(source.line_of(name_byte)));
    let line = line.trim();
    let mut end = line.len().min(MAX_SIGNATURE);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    line[..end].to_string()
}

/// The lines of a definition: its wrappers and the comments and attributes above it included.
fn def_lines(spec: &LangSpec, node: Node<'_>, source: &Source<'_>) -> Range<usize> {
    let mut outer = node;
    while let Some(parent) = outer.parent() {
        if parent.end_byte() == outer.end_byte() && spec.wrappers.iter().any(|w| w == parent.kind())
        {
            outer = parent;
        } else {
            break;
        }
    }
    let mut first = outer;
    while let Some(prev) = first.prev_named_sibling() {
        let attached = is_attachable(prev.kind())
            && last_line(prev, source) + 1 >= source.line_of(first.start_byte())
            && starts_own_line(prev, source);
        if !attached {
            break;
        }
        first = prev;
    }
    source.line_of(first.start_byte())..last_line(outer, source) + 1
}

/// Node kinds that document or annotate the definition below them.
fn is_attachable(kind: &str) -> bool {
    (kind.contains("comment")
        || kind.contains("attribute")
        || kind.contains("decorator")
        || kind.contains("annotation"))
        && !kind.contains("inner")
}

/// The last line a node has bytes on (a trailing newline does not start a line).
fn last_line(node: Node<'_>, source: &Source<'_>) -> usize {
    source.line_of(node.end_byte().max(node.start_byte() + 1) - 1)
}

/// True if only whitespace precedes the node on its first line.
fn starts_own_line(node: Node<'_>, source: &Source<'_>) -> bool {
    let line = source.line_of(node.start_byte());
    let line_start = source.byte_range(line..line + 1).start;
    source.bytes()[line_start..node.start_byte()]
        .iter()
        .all(u8::is_ascii_whitespace)
}

/// True for kinds whose member definitions become chunks of their own.
fn is_container(kind: ChunkKind) -> bool {
    matches!(
        kind,
        ChunkKind::Class
            | ChunkKind::Struct
            | ChunkKind::Enum
            | ChunkKind::Trait
            | ChunkKind::Interface
            | ChunkKind::Impl
            | ChunkKind::Module
    )
}

/// A definition placed in the nesting tree, with its qualified names.
#[derive(Debug)]
struct Node2 {
    def: Def,
    symbol: String,
    parent: Option<String>,
    children: Vec<usize>,
}

/// Definitions nested by lines (rule 2).
struct Forest {
    nodes: Vec<Node2>,
    roots: Vec<usize>,
}

impl Forest {
    fn build(mut defs: Vec<Def>, separator: &str) -> Forest {
        defs.sort_by_key(|d| (d.lines.start, std::cmp::Reverse(d.lines.end), d.pattern));
        let mut forest = Forest {
            nodes: Vec::new(),
            roots: Vec::new(),
        };
        let mut stack: Vec<usize> = Vec::new();
        for mut def in defs {
            while stack
                .last()
                .is_some_and(|&top| forest.nodes[top].def.lines.end <= def.lines.start)
            {
                stack.pop();
            }
            let container = match stack.last() {
                None => None,
                Some(&top) => {
                    let outer = &forest.nodes[top].def;
                    let inside =
                        outer.lines.start < def.lines.start && def.lines.end <= outer.lines.end;
                    if !inside || !is_container(outer.kind) {
                        continue;
                    }
                    Some(top)
                }
            };
            if let Some(top) = container {
                let outer_kind = forest.nodes[top].def.kind;
                if def.kind == ChunkKind::Function && outer_kind != ChunkKind::Module {
                    def.kind = ChunkKind::Method;
                }
            }
            if def.kind == ChunkKind::Function && def.owner.is_some() {
                def.kind = ChunkKind::Method;
            }
            if def.kind == ChunkKind::Method && container.is_none() && def.owner.is_none() {
                def.kind = ChunkKind::Function;
            }
            let base = container.map(|top| forest.nodes[top].symbol.clone());
            let parent = match (base, &def.owner) {
                (Some(base), Some(owner)) => Some(format!("{base}{separator}{owner}")),
                (base, owner) => base.or_else(|| owner.clone()),
            };
            let symbol = match &parent {
                Some(p) => format!("{p}{separator}{}", def.name),
                None => def.name.clone(),
            };
            let index = forest.nodes.len();
            forest.nodes.push(Node2 {
                def,
                symbol,
                parent,
                children: Vec::new(),
            });
            match container {
                Some(top) => forest.nodes[top].children.push(index),
                None => forest.roots.push(index),
            }
            stack.push(index);
        }
        forest
    }

    /// Emits `region`, cut around the definitions `kids`; the rest of the region belongs to
    /// `owner` (a container, or top-level code).
    fn emit_region(
        &self,
        region: Range<usize>,
        kids: &[usize],
        owner: &Owner,
        out: &mut Vec<Piece>,
    ) {
        let mut cursor = region.start;
        for (i, &kid) in kids.iter().enumerate() {
            let lines = self.nodes[kid].def.lines.clone();
            let thin_header = i == 0
                && owner.kind == ChunkKind::Impl
                && lines.start - cursor <= THIN_HEADER_LINES;
            let first_piece = out.len();
            if lines.start > cursor && !thin_header {
                out.push(owner.gap(cursor..lines.start));
            }
            self.emit_def(kid, out);
            if thin_header {
                out[first_piece].segment.lines.start = cursor;
            }
            cursor = lines.end;
        }
        if cursor < region.end {
            out.push(owner.gap(cursor..region.end));
        }
    }

    fn emit_def(&self, index: usize, out: &mut Vec<Piece>) {
        let node = &self.nodes[index];
        let owner = Owner {
            kind: node.def.kind,
            symbol: Some(node.symbol.clone()),
            signature: Some(node.def.signature.clone()),
            parent: node.parent.clone(),
        };
        if is_container(node.def.kind) && !node.children.is_empty() {
            self.emit_region(node.def.lines.clone(), &node.children, &owner, out);
        } else {
            out.push(Piece {
                segment: owner.segment(node.def.lines.clone()),
                filler: false,
            });
        }
    }
}

/// Who owns the lines of a region that are not inside a child definition.
struct Owner {
    kind: ChunkKind,
    symbol: Option<String>,
    signature: Option<String>,
    parent: Option<String>,
}

impl Owner {
    fn top() -> Owner {
        Owner {
            kind: ChunkKind::Code,
            symbol: None,
            signature: None,
            parent: None,
        }
    }

    fn segment(&self, lines: Range<usize>) -> Segment {
        Segment {
            symbol: self.symbol.clone(),
            signature: self.signature.clone(),
            parent: self.parent.clone(),
            ..Segment::plain(lines, self.kind)
        }
    }

    fn gap(&self, lines: Range<usize>) -> Piece {
        Piece {
            segment: self.segment(lines),
            filler: true,
        }
    }
}

/// A segment in the making; `filler` marks gaps that may be absorbed if all filler lines.
struct Piece {
    segment: Segment,
    filler: bool,
}

/// Rule 5: filler gaps join the chunk before them (or after, at the start).
fn absorb_filler(pieces: Vec<Piece>, source: &Source<'_>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::with_capacity(pieces.len());
    let mut pending: Option<usize> = None;
    let mut first_filler: Option<Segment> = None;
    for piece in pieces {
        let is_filler = piece.filler
            && piece
                .segment
                .lines
                .clone()
                .all(|l| is_filler_line(source.line(l)));
        if is_filler {
            match out.last_mut() {
                Some(prev) => prev.lines.end = piece.segment.lines.end,
                None => {
                    pending.get_or_insert(piece.segment.lines.start);
                    first_filler.get_or_insert(piece.segment);
                }
            }
            continue;
        }
        let mut segment = piece.segment;
        if let Some(start) = pending.take() {
            segment.lines.start = start;
        }
        out.push(segment);
    }
    if out.is_empty() {
        if let Some(mut segment) = first_filler {
            segment.lines = 0..source.line_count();
            out.push(segment);
        }
    }
    out
}

/// A line with nothing but whitespace and closing tokens.
fn is_filler_line(line: &[u8]) -> bool {
    let text = String::from_utf8_lossy(line);
    let rest = text
        .trim()
        .trim_matches(|c: char| "{}()[];,".contains(c) || c.is_whitespace());
    matches!(rest, "" | "end" | "fi" | "done" | "esac")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::{chunk_file, ChunkLimits};
    use ctx_engine::Chunk;

    fn chunks(path: &str, text: &str) -> Vec<Chunk> {
        chunk_file(path, text.as_bytes(), &ChunkLimits::default())
    }

    fn find<'a>(chunks: &'a [Chunk], symbol: &str) -> &'a Chunk {
        chunks
            .iter()
            .find(|c| c.symbol.as_deref() == Some(symbol))
            .unwrap_or_else(|| panic!("no chunk for {symbol}: {:#?}", summary(chunks)))
    }

    fn summary(chunks: &[Chunk]) -> Vec<String> {
        chunks
            .iter()
            .map(|c| format!("{} {}-{} {:?}", c.kind, c.start_line, c.end_line, c.symbol))
            .collect()
    }

    #[test]
    fn rust_impl_methods_are_qualified() {
        let src = "use std::io;\n\nstruct Server {\n    port: u16,\n}\n\nimpl Server {\n    /// Handles one request.\n    #[inline]\n    pub fn handle(&self) -> u16 {\n        self.port\n    }\n\n    fn other(&self) {}\n}\n";
        let chunks = chunks("src/server.rs", src);
        let handle = find(&chunks, "Server::handle");
        assert_eq!(handle.kind, ChunkKind::Method);
        assert_eq!(handle.parent.as_deref(), Some("Server"));
        assert_eq!(
            (handle.start_line, handle.end_line),
            (7, 13),
            "the thin `impl Server {{` header joins the first method"
        );
        assert_eq!(
            handle.signature.as_deref(),
            Some("pub fn handle(&self) -> u16 {")
        );
        let other = find(&chunks, "Server::other");
        assert_eq!(
            (other.start_line, other.end_line),
            (14, 15),
            "the closing brace joins it"
        );
        assert_eq!(chunks[0].kind, ChunkKind::Code);
        assert_eq!((chunks[0].start_line, chunks[0].end_line), (1, 2));
        assert!(chunks.iter().all(|c| c.kind != ChunkKind::Impl));
    }

    #[test]
    fn python_class_methods_are_qualified() {
        let src = "import os\n\nclass Session:\n    \"\"\"A session.\"\"\"\n    timeout = 3\n\n    @retry\n    def request(self, url):\n        return url\n\n    def close(self):\n        pass\n\n\ndef main():\n    Session().request('x')\n";
        let chunks = chunks("app/session.py", src);
        let request = find(&chunks, "Session.request");
        assert_eq!(request.kind, ChunkKind::Method);
        assert_eq!((request.start_line, request.end_line), (7, 10));
        assert_eq!(
            request.signature.as_deref(),
            Some("def request(self, url):")
        );
        let class = find(&chunks, "Session");
        assert_eq!(class.kind, ChunkKind::Class);
        assert_eq!((class.start_line, class.end_line), (3, 6));
        assert_eq!(find(&chunks, "main").kind, ChunkKind::Function);
    }

    #[test]
    fn typescript_class_methods_are_qualified() {
        let src = "import { x } from './x';\n\n/** A client. */\nexport class Client {\n  private n = 1;\n\n  async fetch(url: string): Promise<void> {\n    await x(url);\n  }\n}\n\nexport interface Opts {\n  retries: number;\n}\n";
        let chunks = chunks("src/client.ts", src);
        let fetch = find(&chunks, "Client.fetch");
        assert_eq!(fetch.kind, ChunkKind::Method);
        assert_eq!(
            (fetch.start_line, fetch.end_line),
            (7, 11),
            "with the class's brace"
        );
        let class = find(&chunks, "Client");
        assert_eq!((class.start_line, class.end_line), (3, 6));
        assert_eq!(find(&chunks, "Opts").kind, ChunkKind::Interface);
    }

    #[test]
    fn go_methods_take_their_receiver() {
        let src = "package main\n\n// Server serves.\ntype Server struct {\n\tport int\n}\n\n// Handle handles.\nfunc (s *Server) Handle() int {\n\treturn s.port\n}\n\nfunc main() {}\n";
        let chunks = chunks("main.go", src);
        let handle = find(&chunks, "Server.Handle");
        assert_eq!(handle.kind, ChunkKind::Method);
        assert_eq!(handle.parent.as_deref(), Some("Server"));
        assert_eq!((handle.start_line, handle.end_line), (8, 12));
        let server = find(&chunks, "Server");
        assert_eq!(server.kind, ChunkKind::Struct);
        assert_eq!((server.start_line, server.end_line), (3, 7));
    }

    #[test]
    fn long_functions_are_split_keeping_the_signature() {
        let body: String = (0..400)
            .map(|i| format!("    let v{i} = {i} * 2;\n"))
            .collect();
        let src = format!("fn big() {{\n{body}}}\n");
        let chunks = chunks("big.rs", &src);
        assert!(chunks.len() > 1);
        let n = chunks.len() as u32;
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c.symbol.as_deref(), Some("big"));
            assert_eq!(c.signature.as_deref(), Some("fn big() {"));
            assert_eq!(c.part, Some((i as u32 + 1, n)));
            assert!(c.tokens <= 512, "{}", c.tokens);
        }
    }

    #[test]
    fn syntax_errors_still_give_symbols() {
        let src = "fn good() {}\n\nfn broken( {\n\nfn after() -> u8 { 1 }\n";
        let chunks = chunks("x.rs", src);
        assert!(chunks.iter().any(|c| c.symbol.as_deref() == Some("good")));
        assert_eq!(chunks.last().unwrap().end_line, 5);
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name(b"Foo<T>").as_deref(), Some("Foo"));
        assert_eq!(clean_name(b"operator<").as_deref(), Some("operator<"));
        assert_eq!(clean_name(b"*Server").as_deref(), Some("Server"));
        assert_eq!(clean_name(b"  "), None);
    }

    #[test]
    fn filler_lines() {
        for line in ["", "  }", "};", "end", "  ) ;", "fi"] {
            assert!(is_filler_line(line.as_bytes()), "{line:?}");
        }
        for line in ["x", "} else {", "// c", "ending"] {
            assert!(!is_filler_line(line.as_bytes()), "{line:?}");
        }
    }
}
