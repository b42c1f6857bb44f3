//! Shell command analysis: what a command line will actually run and which files it touches.
//!
//! A command is parsed with tree-sitter-bash and walked the way bash would run it:
//! - lists (`&&`, `||`, `;`), pipelines, groups, subshells, control flow, command and process
//!   substitutions are split into the invocations that run;
//! - words are expanded: variables, arrays, loop variables, positional parameters of functions
//!   and `sh -c` scripts, `${x:0:2}`-style operators, command substitutions whose output ctx
//!   can compute (`$(echo rm)`, `$(echo … | base64 -d)`), brace expansion and `IFS` splitting;
//!   what ctx cannot know stays as its source text (`$BUILD_DIR`);
//! - functions and aliases defined on the line run where they are called; `cd` moves the
//!   directory later relative paths start from; symlinks the line creates are followed;
//! - wrappers (`sudo`, `env`, `timeout`, `xargs`, `bash -c`, `eval`, `su -c`, `git -c
//!   alias.x=!…`, `find -exec`, `trap`…) are unwrapped, and `xargs` receives the words its
//!   input carries;
//! - code given to an interpreter (`python -c`, a heredoc into `node -`, SQL piped into
//!   `psql`, a script written earlier on the line) is analysed as the language it is
//!   ([`interp`]): its shell-outs run, its file deletions become deletions, its SQL becomes
//!   statements, and what it only prints stays data.
//!
//! Quoted data stays data: `grep "rm -rf" notes.txt` runs `grep` only. The result is
//! [`ActionFacts`], the engine's input for anchor matching.

mod effects;
mod equivalents;
mod expand;
mod interp;
mod output;
mod run;
mod words;
mod wrappers;

use ctx_engine::check::{ActionFacts, FileEffect, FileOp, Invocation, PathContext};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use tree_sitter::{Node, Parser};

pub use effects::added_lines;
pub use wrappers::program_name;

/// Nested scripts (`bash -c "bash -c '…'"`, functions calling functions) are analysed to this
/// depth; deeper ones are reported as an invocation of the shell with an unanalysed script.
const MAX_DEPTH: usize = 8;

/// A loop body is analysed once per value of its list, up to this many values.
const MAX_LOOP_VALUES: usize = 16;

/// Work bounds of one command line, whatever its nesting: scripts analysed in a wrapper
/// (function calls, `bash -c`, `eval`, aliases) and statements walked (a loop body's once
/// per value). Depth alone does not bound the work: a function that calls itself twenty
/// times runs 20^8 times within [`MAX_DEPTH`] (fuzzed hook commands took all memory), and
/// so do loops nested in loops. Past either bound the analysis stops: the script it was in
/// is reported once as an invocation of the shell with an unanalysed script, as past
/// [`MAX_DEPTH`], and what was found before stays.
const MAX_NESTED_SCRIPTS: usize = 1_000;
const MAX_STATEMENTS: usize = 50_000;

/// Syntax nested deeper than this (subshells in subshells, `$( $( … ) )`) is reported as an
/// unanalysed script, as past the work bounds: the walk recurses once per level, and a
/// command line of a few hundred kilobytes of `(` would otherwise overflow the stack.
const MAX_SYNTAX_DEPTH: usize = 200;

/// The parsers (bash, and the interpreters' languages) read their input in chunks of this
/// many bytes; a parse may read at most [`PARSE_READS_PER_CHUNK`] chunks per chunk of its
/// input, plus [`PARSE_READS_FLOOR`]. Past that the parse is cancelled and the script is
/// reported as unanalysed. Why: a grammar's lexer may scan ahead to the end of a run at every
/// token (tree-sitter-bash's external scanner on 15,000 `|` read 15,000²/2 bytes: 1-3 s),
/// and the reads are the one measure of a parse's work tree-sitter lets a caller see.
const PARSE_CHUNK: usize = 256;
const PARSE_READS_PER_CHUNK: usize = 256;
const PARSE_READS_FLOOR: usize = 4_096;

/// Parses `src` with `parser` within the read bound (see [`PARSE_CHUNK`]); adds the chunks
/// read to `reads`. `None` past the bound (the parser is reset for its next parse) or when
/// tree-sitter gives no tree.
///
/// The input is always served whole and chunks end on character boundaries: the bound is
/// enforced by cancelling from the progress callback (every 100 parser operations), never
/// by ending the input early, which tree-sitter's lexer does not survive (a shortened input
/// under a heredoc made it read past the chunk: a fuzzed input crashed). A parse may thus
/// read up to 100 tokens' worth past the bound before it stops.
fn parse_bounded(parser: &mut Parser, src: &str, reads: &mut usize) -> Option<tree_sitter::Tree> {
    use std::cell::Cell;
    use std::ops::ControlFlow;
    let bytes = src.as_bytes();
    let budget = PARSE_READS_FLOOR + PARSE_READS_PER_CHUNK * bytes.len().div_ceil(PARSE_CHUNK);
    let count = Cell::new(0usize);
    let mut input = |offset: usize, _: tree_sitter::Point| -> &[u8] {
        count.set(count.get() + 1);
        if offset >= bytes.len() {
            return &[];
        }
        let mut end = (offset + PARSE_CHUNK).min(bytes.len());
        while !src.is_char_boundary(end) {
            end += 1;
        }
        &bytes[offset..end]
    };
    let mut progress = |_: &tree_sitter::ParseState| {
        if count.get() > budget {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
    let tree = parser.parse_with_options(&mut input, None, Some(options));
    *reads += count.get();
    if tree.is_none() || count.get() > budget {
        parser.reset();
        return None;
    }
    tree
}

/// Analyses `command` as run in `ctx` (repository root and working directory).
pub fn analyze(command: &str, ctx: &PathContext) -> ActionFacts {
    analyze_counted(command, ctx).0
}

/// [`analyze`], with the work it took: parser reads, statements walked, interpreted code's
/// nodes and name-resolution steps (what the work bounds limit; a test compares it with the
/// command's length).
fn analyze_counted(command: &str, ctx: &PathContext) -> (ActionFacts, usize) {
    let mut walker = Walker::new();
    let mut frame = Frame::new(ctx.clone());
    walker.script(command, &mut frame, &Stdin::None);
    walker.run_uncalled_functions(&frame);
    let work = walker.parse_reads + walker.statements + walker.interpreters.work;
    let mut facts = walker.facts;
    facts.command = Some(command.to_string());
    dedup_invocations(&mut facts.invocations);
    dedup_effects(&mut facts.effects);
    (facts, work)
}

/// What a command prints on standard output, as far as ctx can tell.
#[derive(Debug, Clone, PartialEq)]
enum Out {
    /// Exactly this text (`echo rm`, `base64 -d` of a known input).
    Known(String),
    /// Names of files under these places, one per line (`find /`, `ls ~`): each entry is a
    /// path standing for what is listed (`/{}` for "something under /", `.` for the whole tree).
    Paths(Vec<String>),
    /// Nothing ctx can tell.
    Unknown,
}

impl Out {
    fn known(&self) -> Option<&str> {
        match self {
            Out::Known(text) => Some(text),
            _ => None,
        }
    }

    /// The output of two commands run one after the other.
    fn then(self, next: Out) -> Out {
        match (self, next) {
            (Out::Known(a), Out::Known(b)) => Out::Known(a + &b),
            (Out::Known(a), next) if a.is_empty() => next,
            (prev, Out::Known(b)) if b.is_empty() => prev,
            _ => Out::Unknown,
        }
    }
}

/// The words of a gap the grammar left between a command and its redirection, when every one
/// is plain (letters, digits, `-`, `_`, `.`, `/`, `=`); none when anything else is there.
fn lost_words(gap: Option<&str>) -> Vec<String> {
    let words: Vec<String> = gap
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let plain = words.iter().all(|w| {
        w.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '='))
    });
    if plain {
        words
    } else {
        Vec::new()
    }
}

/// Where a command's standard input comes from.
#[derive(Debug, Clone)]
enum Stdin {
    /// The terminal or nothing special.
    None,
    /// Another command's output.
    Piped(Out),
    /// A heredoc, here-string or a file ctx knows the content of.
    Text(String),
}

impl Stdin {
    fn is_piped(&self) -> bool {
        matches!(self, Stdin::Piped(_))
    }

    fn text(&self) -> Option<&str> {
        match self {
            Stdin::Piped(Out::Known(text)) | Stdin::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// A shell variable's value.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Scalar(String),
    Array(Vec<String>),
}

impl Value {
    /// The value as one string (`$a` of an array is its first element).
    fn scalar(&self) -> String {
        match self {
            Value::Scalar(s) => s.clone(),
            Value::Array(items) => items.first().cloned().unwrap_or_default(),
        }
    }
}

/// The state a statement runs in.
#[derive(Debug, Clone)]
struct Frame {
    ctx: PathContext,
    /// The argument of a `cd` ctx could not resolve (`cd "$DIR"`): relative paths after it are
    /// unknown.
    unresolved_cwd: Option<String>,
    wrappers: Vec<String>,
    /// Variables assigned on the command line with a value ctx knows.
    vars: HashMap<String, Value>,
    /// `$0`, `$1`…: set inside functions, `sh -c S NAME ARGS` and by `set --`.
    positional: Option<Vec<String>>,
    /// Symlinks the command line created: (link, absolute target).
    links: Vec<(PathBuf, PathBuf)>,
    /// `pushd` history, for `popd`.
    dir_stack: Vec<(PathContext, Option<String>)>,
    /// True inside code an interpreter runs (its shell-outs and file operations).
    in_code: bool,
}

impl Frame {
    fn new(ctx: PathContext) -> Frame {
        Frame {
            ctx,
            unresolved_cwd: None,
            wrappers: Vec::new(),
            vars: HashMap::new(),
            positional: None,
            links: Vec::new(),
            dir_stack: Vec::new(),
            in_code: false,
        }
    }

    /// The working directory as recorded on invocations.
    fn cwd_text(&self) -> String {
        match &self.unresolved_cwd {
            Some(dir) => dir.clone(),
            None => self.ctx.cwd().to_string_lossy().into_owned(),
        }
    }

    /// The field separators (`IFS`, default space, tab and newline).
    fn ifs(&self) -> String {
        match self.vars.get("IFS") {
            Some(value) => value.scalar(),
            None => " \t\n".to_string(),
        }
    }
}

/// A redirection of a command's output or input.
#[derive(Debug)]
struct Redirect {
    operator: String,
    descriptor: Option<String>,
    target: String,
}

impl Redirect {
    fn is_output(&self) -> bool {
        self.operator.contains('>')
    }

    fn is_input(&self) -> bool {
        self.operator == "<"
    }

    /// True when it takes the command's standard output away from a pipe.
    fn captures_stdout(&self) -> bool {
        self.is_output() && matches!(self.descriptor.as_deref(), None | Some("1"))
    }
}

/// Heredoc, here-string and redirections collected from a statement.
#[derive(Default)]
struct Redirections<'t> {
    files: Vec<Redirect>,
    stdin_text: Option<String>,
    /// Statements chained after a heredoc (`cat <<EOF && cmd`, `cat <<EOF | sh`).
    piped_after: Vec<Node<'t>>,
    after: Vec<Node<'t>>,
    /// Plain words between the command and its first redirection that the grammar left out
    /// of both (tree-sitter-bash drops the `-` of `git commit -F - <<EOF`).
    lost_words: Vec<String>,
}

struct Walker {
    parser: Parser,
    facts: ActionFacts,
    /// Files this command line writes with known content, by normalised path.
    written: HashMap<String, String>,
    /// Known content of process substitutions, by their source text (`<(echo …)`).
    substituted: HashMap<String, String>,
    /// Functions defined on the line: name → body source.
    functions: HashMap<String, String>,
    called: HashSet<String>,
    /// Aliases defined on the line: name → replacement text.
    aliases: HashMap<String, String>,
    /// Aliases being expanded (an alias is not expanded inside itself).
    expanding: Vec<String>,
    depth: usize,
    /// Scripts analysed in a wrapper so far (see [`MAX_NESTED_SCRIPTS`]).
    nested_scripts: usize,
    /// Statements walked so far (see [`MAX_STATEMENTS`]).
    statements: usize,
    /// A work bound was reached: nothing more is analysed.
    exhausted: bool,
    /// Chunks the bash parser read (see [`PARSE_CHUNK`]).
    parse_reads: usize,
    /// How deep the walk is in the syntax (see [`MAX_SYNTAX_DEPTH`]).
    syntax_depth: usize,
    /// Unanalysed scripts reported (hashes of script and wrappers): each once.
    reported: HashSet<u64>,
    interpreters: interp::Parsers,
}

impl Walker {
    fn new() -> Walker {
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_bash::LANGUAGE.into())
            .expect("the bundled tree-sitter-bash grammar matches the tree-sitter version");
        Walker {
            parser,
            facts: ActionFacts::default(),
            written: HashMap::new(),
            substituted: HashMap::new(),
            functions: HashMap::new(),
            called: HashSet::new(),
            aliases: HashMap::new(),
            expanding: Vec::new(),
            depth: 0,
            nested_scripts: 0,
            statements: 0,
            exhausted: false,
            parse_reads: 0,
            syntax_depth: 0,
            reported: HashSet::new(),
            interpreters: interp::Parsers::default(),
        }
    }

    /// Parses and walks a script; returns its output.
    fn script(&mut self, src: &str, frame: &mut Frame, stdin: &Stdin) -> Out {
        let Some(tree) = parse_bounded(&mut self.parser, src, &mut self.parse_reads) else {
            let wrappers = frame.wrappers.clone();
            self.unanalysed(src, wrappers, frame);
            return Out::Unknown;
        };
        let root = tree.root_node();
        self.statements(root, src, frame, stdin)
    }

    /// Analyses a script nested in a wrapper (`bash -c`, `eval`, a written script, a function).
    fn nested(
        &mut self,
        script: &str,
        frame: &Frame,
        wrapper: String,
        stdin: &Stdin,
        positional: Option<Vec<String>>,
    ) -> Out {
        let mut inner = frame.clone();
        inner.wrappers.push(wrapper);
        if positional.is_some() {
            inner.positional = positional;
        }
        if self.exhausted {
            return Out::Unknown;
        }
        if self.nested_scripts >= MAX_NESTED_SCRIPTS {
            self.exhausted = true;
        }
        if self.depth >= MAX_DEPTH || self.exhausted {
            self.unanalysed(script, inner.wrappers, frame);
            return Out::Unknown;
        }
        self.nested_scripts += 1;
        self.depth += 1;
        let out = self.script(script, &mut inner, stdin);
        self.depth -= 1;
        out
    }

    /// Reports `script` as run by a shell, not analysed (past a depth or work bound), once.
    fn unanalysed(&mut self, script: &str, wrappers: Vec<String>, frame: &Frame) {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (script, &wrappers).hash(&mut hasher);
        if !self.reported.insert(hasher.finish()) {
            return;
        }
        self.facts.invocations.push(Invocation {
            program: "sh".into(),
            args: vec!["-c".into(), script.to_string()],
            raw: collapse_whitespace(script),
            wrappers,
            piped_input: false,
            cwd: Some(frame.cwd_text()),
            from_code: frame.in_code,
            background: false,
        });
    }

    /// Walks the named children of `node` in order; returns their combined output. A child
    /// followed by `&` runs in the background: its invocations say so.
    fn statements(&mut self, node: Node, src: &str, frame: &mut Frame, stdin: &Stdin) -> Out {
        if self.syntax_depth >= MAX_SYNTAX_DEPTH {
            let wrappers = frame.wrappers.clone();
            self.unanalysed(&src[node.byte_range()], wrappers, frame);
            return Out::Unknown;
        }
        self.syntax_depth += 1;
        let out = self.statements_within(node, src, frame, stdin);
        self.syntax_depth -= 1;
        out
    }

    /// [`Walker::statements`] one level deeper in the syntax.
    fn statements_within(
        &mut self,
        node: Node,
        src: &str,
        frame: &mut Frame,
        stdin: &Stdin,
    ) -> Out {
        if self.exhausted {
            return Out::Unknown;
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        let mut out = Out::Known(String::new());
        for (i, child) in children.iter().enumerate().filter(|(_, c)| c.is_named()) {
            self.statements += 1;
            if self.statements > MAX_STATEMENTS {
                self.exhausted = true;
            }
            if self.exhausted {
                let wrappers = frame.wrappers.clone();
                self.unanalysed(&src[node.byte_range()], wrappers, frame);
                return Out::Unknown;
            }
            let first = self.facts.invocations.len();
            let next = self.statement(*child, src, frame, stdin.clone());
            if children.get(i + 1).is_some_and(|n| n.kind() == "&") {
                for inv in &mut self.facts.invocations[first..] {
                    inv.background = true;
                }
            }
            out = out.then(next);
        }
        out
    }

    /// Walks one statement; returns its standard output.
    fn statement(&mut self, node: Node, src: &str, frame: &mut Frame, stdin: Stdin) -> Out {
        match node.kind() {
            "comment" | "heredoc_body" | "heredoc_start" | "heredoc_end" | "file_descriptor" => {
                Out::Known(String::new())
            }
            "command" => self.command(node, src, frame, Redirections::default(), stdin),
            "redirected_statement" => self.redirected(node, src, frame, stdin),
            "pipeline" => self.pipeline(node, src, frame, stdin),
            "subshell" => {
                let mut inner = frame.clone();
                self.statements(node, src, &mut inner, &stdin)
            }
            "command_substitution" | "process_substitution" => {
                let mut inner = frame.clone();
                self.statements(node, src, &mut inner, &Stdin::None);
                Out::Unknown
            }
            "variable_assignment" => {
                self.assign(node, src, frame);
                Out::Known(String::new())
            }
            "variable_assignments" => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                for child in children {
                    self.assign(child, src, frame);
                }
                Out::Known(String::new())
            }
            "declaration_command" => {
                self.declaration(node, src, frame);
                Out::Known(String::new())
            }
            "unset_command" => {
                self.unset(node, src, frame);
                Out::Known(String::new())
            }
            "test_command" => {
                self.substitutions(node, src, frame);
                Out::Known(String::new())
            }
            "function_definition" => {
                self.define_function(node, src);
                Out::Known(String::new())
            }
            "for_statement" => self.for_loop(node, src, frame, stdin),
            "ERROR" => self.unparsed(node, src, frame, stdin),
            _ => self.statements(node, src, frame, &stdin),
        }
    }

    fn pipeline(&mut self, node: Node, src: &str, frame: &mut Frame, stdin: Stdin) -> Out {
        let mut cursor = node.walk();
        let stages: Vec<Node> = node.named_children(&mut cursor).collect();
        let mut input = stdin;
        let mut output = Out::Unknown;
        for stage in stages {
            // Every stage of a pipeline runs in a subshell of its own.
            let mut inner = frame.clone();
            output = self.statement(stage, src, &mut inner, input);
            input = Stdin::Piped(output.clone());
        }
        output
    }

    /// Runs every command and process substitution inside `node` (they execute even when the
    /// surrounding word is only data).
    fn substitutions(&mut self, node: Node, src: &str, frame: &Frame) {
        match node.kind() {
            "command_substitution" | "process_substitution" => {
                let mut inner = frame.clone();
                self.statements(node, src, &mut inner, &Stdin::None);
            }
            "raw_string" | "heredoc_body" => {}
            _ => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.children(&mut cursor).collect();
                for child in children {
                    self.substitutions(child, src, frame);
                }
            }
        }
    }

    /// Source tree-sitter could not parse. A lone brace expansion in command position
    /// (`{rm,-rf,/}`) is a command; anything else is walked for the statements inside.
    fn unparsed(&mut self, node: Node, src: &str, frame: &mut Frame, stdin: Stdin) -> Out {
        let text = src[node.byte_range()].trim();
        if text.starts_with('{') && text.contains(',') && !text.contains(char::is_whitespace) {
            let words = expand::brace_expand(text);
            if words.len() > 1 {
                let words = words.iter().map(|w| words::unescape_word(w)).collect();
                return self.run(words, text.to_string(), frame, stdin);
            }
        }
        self.statements(node, src, frame, &stdin)
    }

    /// `name() { … }`: remembered, run where it is called.
    fn define_function(&mut self, node: Node, src: &str) {
        let name = node
            .child_by_field_name("name")
            .map(|n| src[n.byte_range()].to_string());
        let body = node
            .child_by_field_name("body")
            .map(|n| src[n.byte_range()].to_string());
        if let (Some(name), Some(body)) = (name, body) {
            self.called.remove(&name);
            self.functions.insert(name, body);
        }
    }

    /// Functions defined and never called on the line still count: a later command (`export
    /// -f`, a sourced script) may call them, so their bodies are analysed once, with unknown
    /// arguments.
    fn run_uncalled_functions(&mut self, frame: &Frame) {
        let mut pending: Vec<(String, String)> = self
            .functions
            .iter()
            .filter(|(name, _)| !self.called.contains(*name))
            .map(|(n, b)| (n.clone(), b.clone()))
            .collect();
        pending.sort();
        for (name, body) in pending {
            self.called.insert(name.clone());
            self.nested(&body, frame, format!("function {name}"), &Stdin::None, None);
        }
    }

    /// `for x in LIST; do BODY; done`: the body runs once per value ctx knows.
    fn for_loop(&mut self, node: Node, src: &str, frame: &mut Frame, stdin: Stdin) -> Out {
        let variable = node
            .child_by_field_name("variable")
            .map(|n| src[n.byte_range()].to_string());
        let Some(body) = node.child_by_field_name("body") else {
            return self.statements(node, src, frame, &stdin);
        };
        let mut values = Vec::new();
        let mut has_list = false;
        let mut cursor = node.walk();
        for (index, child) in node.children(&mut cursor).enumerate() {
            if node.field_name_for_child(index as u32) == Some("value") {
                has_list = true;
                values.extend(self.expand(child, src, frame));
            }
        }
        if !has_list {
            values = frame
                .positional
                .as_ref()
                .map(|p| p.iter().skip(1).cloned().collect())
                .unwrap_or_default();
        }
        let Some(variable) = variable else {
            return self.statements(body, src, frame, &stdin);
        };
        if values.is_empty() {
            frame.vars.remove(&variable);
            return self.statements(body, src, frame, &stdin);
        }
        let mut out = Out::Known(String::new());
        for value in values.into_iter().take(MAX_LOOP_VALUES) {
            frame.vars.insert(variable.clone(), Value::Scalar(value));
            let next = self.statements(body, src, frame, &stdin);
            out = out.then(next);
        }
        out
    }

    fn redirected(&mut self, node: Node, src: &str, frame: &mut Frame, stdin: Stdin) -> Out {
        let mut redirections = Redirections::default();
        let body_id = node.child_by_field_name("body").map(|b| b.id());
        let mut cursor = node.walk();
        let children: Vec<Node> = node
            .named_children(&mut cursor)
            .filter(|c| Some(c.id()) != body_id)
            .collect();
        if let (Some(body), Some(first)) = (node.child_by_field_name("body"), children.first()) {
            redirections.lost_words = lost_words(src.get(body.end_byte()..first.start_byte()));
        }
        let mut after_stray_heredoc = false;
        for child in children {
            // tree-sitter-bash reads `cmd 2>&1 <<< 'text'` as a stray `<<` and `< 'text'`:
            // that `<` is the here-string.
            if child.kind() == "ERROR" {
                after_stray_heredoc = src[child.byte_range()].trim() == "<<";
                continue;
            }
            if after_stray_heredoc && child.kind() == "file_redirect" {
                if let Some(target) = child.child_by_field_name("destination") {
                    let text = self.expand_joined(target, src, frame);
                    redirections.stdin_text = Some(text + "\n");
                    after_stray_heredoc = false;
                    continue;
                }
            }
            after_stray_heredoc = false;
            self.collect_redirect(child, src, frame, &mut redirections);
        }
        let after = std::mem::take(&mut redirections.after);
        let piped_after = std::mem::take(&mut redirections.piped_after);
        let output = match node.child_by_field_name("body") {
            Some(body) if body.kind() == "command" => {
                self.command(body, src, frame, redirections, stdin)
            }
            Some(body) => {
                let input = self.redirected_stdin(&mut redirections, frame, stdin);
                let output = self.statement(body, src, frame, input);
                self.apply_redirects(&redirections.files, frame, output)
            }
            None => Out::Unknown,
        };
        let mut input = Stdin::Piped(output);
        let mut last = None;
        for stage in piped_after {
            let mut inner = frame.clone();
            let out = self.statement(stage, src, &mut inner, input);
            input = Stdin::Piped(out.clone());
            last = Some(out);
        }
        for statement in after {
            self.statement(statement, src, frame, Stdin::None);
        }
        last.unwrap_or(Out::Unknown)
    }

    /// The standard input a redirection gives: a heredoc or here-string, or a file (`< x`)
    /// whose content this command line wrote.
    fn redirected_stdin(
        &mut self,
        redirections: &mut Redirections,
        frame: &Frame,
        stdin: Stdin,
    ) -> Stdin {
        if let Some(text) = redirections.stdin_text.take() {
            return Stdin::Text(text);
        }
        // With several `<`, the last one is the input.
        match redirections.files.iter().rev().find(|r| r.is_input()) {
            Some(redirect) => match self.known_file(&redirect.target, frame) {
                Some(content) => Stdin::Text(content),
                None => Stdin::Piped(Out::Unknown),
            },
            None => stdin,
        }
    }

    /// The content of a file this command line wrote, or of a process substitution.
    fn known_file(&self, path: &str, frame: &Frame) -> Option<String> {
        if let Some(content) = self.substituted.get(path) {
            return Some(content.clone());
        }
        self.written.get(&frame.ctx.normalize(path)).cloned()
    }

    fn collect_redirect<'t>(
        &mut self,
        node: Node<'t>,
        src: &str,
        frame: &mut Frame,
        into: &mut Redirections<'t>,
    ) {
        match node.kind() {
            "file_redirect" => {
                if let Some(redirect) = self.file_redirect(node, src, frame) {
                    into.files.push(redirect);
                }
            }
            "herestring_redirect" => {
                let mut cursor = node.walk();
                let parts: Vec<Node> = node
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() != "file_descriptor")
                    .collect();
                let mut value = Vec::new();
                for part in parts {
                    value.push(self.expand_joined(part, src, frame));
                }
                into.stdin_text = Some(value.join(" ") + "\n");
            }
            "heredoc_redirect" => self.heredoc(node, src, frame, into),
            _ => {}
        }
    }

    fn heredoc<'t>(
        &mut self,
        node: Node<'t>,
        src: &str,
        frame: &mut Frame,
        into: &mut Redirections<'t>,
    ) {
        let mut quoted = false;
        let mut cursor = node.walk();
        let children: Vec<(Option<&str>, Node)> = node
            .children(&mut cursor)
            .enumerate()
            .map(|(i, c)| (node.field_name_for_child(i as u32), c))
            .collect();
        for (field, child) in children {
            match (field, child.kind()) {
                (_, "heredoc_start") => {
                    let start = &src[child.byte_range()];
                    quoted = start.contains(['\'', '"', '\\']);
                }
                (_, "heredoc_body") => {
                    let body = if quoted {
                        src[child.byte_range()].to_string()
                    } else {
                        self.expand_heredoc(child, src, frame)
                    };
                    into.stdin_text = Some(body);
                }
                (Some("redirect"), _) => self.collect_redirect(child, src, frame, into),
                (Some("right"), _) => into.after.push(child),
                (_, "pipeline") => {
                    let mut c = child.walk();
                    into.piped_after.extend(child.named_children(&mut c));
                }
                _ => {}
            }
        }
    }

    /// One simple command with its redirections.
    fn command<'t>(
        &mut self,
        node: Node<'t>,
        src: &str,
        frame: &mut Frame,
        mut redirections: Redirections<'t>,
        stdin: Stdin,
    ) -> Out {
        let mut words_out = Vec::new();
        let mut prefix_assignments = Vec::new();
        let mut cursor = node.walk();
        let children: Vec<(Option<&str>, Node)> = node
            .children(&mut cursor)
            .enumerate()
            .map(|(i, c)| (node.field_name_for_child(i as u32), c))
            .collect();
        for (field, child) in children {
            match (field, child.kind()) {
                (_, "variable_assignment") => prefix_assignments.push(child),
                (Some("redirect"), _) | (_, "file_redirect" | "herestring_redirect") => {
                    self.collect_redirect(child, src, frame, &mut redirections)
                }
                (Some("name" | "argument"), _) => {
                    words_out.extend(self.expand(child, src, frame));
                }
                (_, "subshell") => {
                    let mut inner = frame.clone();
                    self.statements(child, src, &mut inner, &Stdin::None);
                }
                _ => {}
            }
        }
        if !words_out.is_empty() {
            words_out.append(&mut redirections.lost_words);
        }
        if words_out.is_empty() {
            // `x=1` alone (or `x=$(…)`): the assignments stay for the rest of the line.
            for assignment in prefix_assignments {
                self.assign(assignment, src, frame);
            }
            return self.apply_redirects(&redirections.files, frame, Out::Known(String::new()));
        }
        // `X=1 cmd`: the value reaches cmd's environment (and scripts it runs), not this
        // line's later commands; cmd's own words were expanded before it.
        let saved_vars = (!prefix_assignments.is_empty()).then(|| frame.vars.clone());
        for assignment in prefix_assignments {
            self.assign(assignment, src, frame);
        }
        let stdin = self.redirected_stdin(&mut redirections, frame, stdin);
        let raw = collapse_whitespace(&src[node.byte_range()]);
        let output = self.run(words_out, raw, frame, stdin);
        if let Some(vars) = saved_vars {
            frame.vars = vars;
        }
        self.apply_redirects(&redirections.files, frame, output)
    }

    /// Records file effects of redirections (reads for `<`); returns what still reaches stdout.
    fn apply_redirects(&mut self, redirects: &[Redirect], frame: &Frame, output: Out) -> Out {
        let reads = redirects.iter().filter(|r| r.is_input());
        let reads = reads.filter_map(|r| effects::input_effect(&frame.ctx, &r.target));
        self.facts.effects.extend(reads.collect::<Vec<_>>());
        let mut stdout = output.clone();
        for redirect in redirects.iter().filter(|r| r.is_output()) {
            let content = if redirect.captures_stdout() {
                output.known()
            } else {
                None
            };
            if let Some(effect) =
                effects::redirect_effect(&frame.ctx, &redirect.operator, &redirect.target, content)
            {
                if let Some(content) = content {
                    self.remember_written(&effect, content);
                }
                self.facts.effects.push(effect);
            }
            if redirect.captures_stdout() {
                stdout = Out::Known(String::new());
            }
        }
        stdout
    }

    fn remember_written(&mut self, effect: &FileEffect, content: &str) {
        let entry = self.written.entry(effect.path.clone()).or_default();
        if effect.op != FileOp::Edit {
            entry.clear();
        }
        entry.push_str(content);
    }

    fn file_redirect(&mut self, node: Node, src: &str, frame: &mut Frame) -> Option<Redirect> {
        let mut operator = None;
        let mut descriptor = None;
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.kind() == "file_descriptor" {
                descriptor = Some(src[child.byte_range()].to_string());
            } else if !child.is_named() && operator.is_none() {
                operator = Some(child.kind().to_string());
            }
        }
        let target = node.child_by_field_name("destination")?;
        Some(Redirect {
            operator: operator?,
            descriptor,
            target: self.expand_joined(target, src, frame),
        })
    }
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Removes repeated invocations (a loop body run for several values may repeat one exactly).
fn dedup_invocations(invocations: &mut Vec<Invocation>) {
    let mut seen = HashSet::new();
    invocations.retain(|i| {
        seen.insert((
            i.program.clone(),
            i.args.clone(),
            i.wrappers.clone(),
            i.cwd.clone(),
            i.piped_input,
        ))
    });
}

/// Removes exact duplicate effects (the same path, operation and origin).
fn dedup_effects(effects: &mut Vec<FileEffect>) {
    let mut seen = HashSet::new();
    effects.retain(|e| {
        seen.insert((
            e.path.clone(),
            format!("{:?}", e.op),
            e.via.clone(),
            e.added.len(),
        ))
    });
}

#[cfg(test)]
mod tests;
