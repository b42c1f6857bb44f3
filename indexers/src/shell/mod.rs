//! Shell command analysis: what a command line will actually run and which files it touches.
//!
//! A command is parsed with tree-sitter-bash and walked: lists (`&&`, `||`, `;`), pipelines,
//! subshells, command and process substitutions are split into the invocations that run;
//! wrappers (`sudo`, `env`, `timeout`, `xargs`, `bash -c`, `eval`…) are unwrapped; heredocs and
//! here-strings fed to a shell, and scripts written by the same command line and then run, are
//! analysed as scripts. Quoted data stays data: `grep "rm -rf" notes.txt` runs `grep` only.
//! The result is [`ActionFacts`], the engine's input for anchor matching.

mod effects;
mod words;
mod wrappers;

use ctx_engine::check::{ActionFacts, FileEffect, FileOp, Invocation, PathContext};
use std::collections::HashMap;
use tree_sitter::{Node, Parser};
use wrappers::Step;

pub use effects::added_lines;
pub use wrappers::program_name;

/// Nested scripts (`bash -c "bash -c '…'"`) are analysed to this depth; deeper ones are
/// reported as an invocation of the shell with an unanalysed script.
const MAX_DEPTH: usize = 8;

/// Analyses `command` as run in `ctx` (repository root and working directory).
pub fn analyze(command: &str, ctx: &PathContext) -> ActionFacts {
    let mut walker = Walker::new();
    let mut frame = Frame {
        ctx: ctx.clone(),
        wrappers: Vec::new(),
    };
    walker.script(command, &mut frame, Stdin::None);
    let mut facts = walker.facts;
    facts.command = Some(command.to_string());
    dedup_effects(&mut facts.effects);
    facts
}

/// Where a command's standard input comes from.
#[derive(Debug, Clone)]
enum Stdin {
    /// The terminal or nothing special.
    None,
    /// Another command's output; its text when ctx knows it (`echo … | sh`).
    Piped(Option<String>),
    /// A heredoc or here-string.
    Text(String),
}

impl Stdin {
    fn is_piped(&self) -> bool {
        matches!(self, Stdin::Piped(_))
    }

    fn text(&self) -> Option<&str> {
        match self {
            Stdin::Piped(Some(text)) | Stdin::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// The state a statement runs in.
#[derive(Debug, Clone)]
struct Frame {
    ctx: PathContext,
    wrappers: Vec<String>,
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
}

struct Walker {
    parser: Parser,
    facts: ActionFacts,
    /// Files this command line writes with known content, by normalised path.
    written: HashMap<String, String>,
    depth: usize,
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
            depth: 0,
        }
    }

    /// Parses and walks a script.
    fn script(&mut self, src: &str, frame: &mut Frame, stdin: Stdin) {
        let Some(tree) = self.parser.parse(src, None) else {
            return;
        };
        let root = tree.root_node();
        self.statements(root, src, frame, &stdin);
    }

    /// Analyses a script nested in a wrapper (`bash -c`, `eval`, a written script).
    fn nested(&mut self, script: &str, frame: &Frame, wrapper: String, stdin: Stdin) {
        let mut inner = frame.clone();
        inner.wrappers.push(wrapper);
        if self.depth >= MAX_DEPTH {
            self.facts.invocations.push(Invocation {
                program: "sh".into(),
                args: vec!["-c".into(), script.to_string()],
                raw: collapse_whitespace(script),
                wrappers: inner.wrappers,
                piped_input: false,
            });
            return;
        }
        self.depth += 1;
        self.script(script, &mut inner, stdin);
        self.depth -= 1;
    }

    /// Walks the named children of `node` in order.
    fn statements(&mut self, node: Node, src: &str, frame: &mut Frame, stdin: &Stdin) {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            self.statement(child, src, frame, stdin.clone());
        }
    }

    /// Walks one statement; returns its standard output when ctx knows it.
    fn statement(
        &mut self,
        node: Node,
        src: &str,
        frame: &mut Frame,
        stdin: Stdin,
    ) -> Option<String> {
        match node.kind() {
            "comment" | "heredoc_body" | "heredoc_start" | "heredoc_end" | "file_descriptor" => {
                None
            }
            "command" => self.command(node, src, frame, Redirections::default(), stdin),
            "redirected_statement" => self.redirected(node, src, frame, stdin),
            "pipeline" => {
                self.pipeline(node, src, frame, stdin);
                None
            }
            "subshell" => {
                let mut inner = frame.clone();
                self.statements(node, src, &mut inner, &stdin);
                None
            }
            "command_substitution" | "process_substitution" => {
                let mut inner = frame.clone();
                self.statements(node, src, &mut inner, &Stdin::None);
                None
            }
            "variable_assignment" | "declaration_command" | "unset_command" | "test_command" => {
                self.substitutions(node, src, frame);
                None
            }
            _ => {
                self.statements(node, src, frame, &stdin);
                None
            }
        }
    }

    fn pipeline(&mut self, node: Node, src: &str, frame: &mut Frame, stdin: Stdin) {
        let mut cursor = node.walk();
        let stages: Vec<Node> = node.named_children(&mut cursor).collect();
        let mut input = stdin;
        for stage in stages {
            let output = self.statement(stage, src, frame, input);
            input = Stdin::Piped(output);
        }
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

    fn redirected(
        &mut self,
        node: Node,
        src: &str,
        frame: &mut Frame,
        stdin: Stdin,
    ) -> Option<String> {
        let mut redirections = Redirections::default();
        let mut cursor = node.walk();
        for child in node.children_by_field_name("redirect", &mut cursor) {
            self.collect_redirect(child, src, frame, &mut redirections);
        }
        let after = std::mem::take(&mut redirections.after);
        let piped_after = std::mem::take(&mut redirections.piped_after);
        let output = match node.child_by_field_name("body") {
            Some(body) if body.kind() == "command" => {
                self.command(body, src, frame, redirections, stdin)
            }
            Some(body) => {
                let input = redirections
                    .stdin_text
                    .clone()
                    .map(Stdin::Text)
                    .unwrap_or(stdin);
                let output = self.statement(body, src, frame, input);
                self.apply_redirects(&redirections.files, frame, output)
            }
            None => None,
        };
        let mut input = Stdin::Piped(output);
        for stage in piped_after {
            let out = self.statement(stage, src, frame, input);
            input = Stdin::Piped(out);
        }
        for statement in after {
            self.statement(statement, src, frame, Stdin::None);
        }
        None
    }

    fn collect_redirect<'t>(
        &mut self,
        node: Node<'t>,
        src: &str,
        frame: &Frame,
        into: &mut Redirections<'t>,
    ) {
        match node.kind() {
            "file_redirect" => {
                self.substitutions(node, src, frame);
                if let Some(redirect) = file_redirect(node, src) {
                    into.files.push(redirect);
                }
            }
            "herestring_redirect" => {
                self.substitutions(node, src, frame);
                let mut cursor = node.walk();
                let value = node
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() != "file_descriptor")
                    .map(|c| words::unquote(c, src))
                    .collect::<Vec<_>>()
                    .join(" ");
                into.stdin_text = Some(value + "\n");
            }
            "heredoc_redirect" => self.heredoc(node, src, frame, into),
            _ => {}
        }
    }

    fn heredoc<'t>(
        &mut self,
        node: Node<'t>,
        src: &str,
        frame: &Frame,
        into: &mut Redirections<'t>,
    ) {
        let mut quoted = false;
        let mut cursor = node.walk();
        for (index, child) in node.children(&mut cursor).enumerate() {
            let field = node.field_name_for_child(index as u32);
            match (field, child.kind()) {
                (_, "heredoc_start") => {
                    let start = &src[child.byte_range()];
                    quoted = start.contains(['\'', '"', '\\']);
                }
                (_, "heredoc_body") => {
                    if !quoted {
                        let mut body_cursor = child.walk();
                        let parts: Vec<Node> = child.named_children(&mut body_cursor).collect();
                        for part in parts {
                            self.substitutions(part, src, frame);
                        }
                    }
                    into.stdin_text = Some(src[child.byte_range()].to_string());
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
    ) -> Option<String> {
        let mut words_out = Vec::new();
        let mut cursor = node.walk();
        for (index, child) in node.children(&mut cursor).enumerate() {
            let field = node.field_name_for_child(index as u32);
            match (field, child.kind()) {
                (_, "variable_assignment") => self.substitutions(child, src, frame),
                (Some("redirect"), _) | (_, "file_redirect" | "herestring_redirect") => {
                    self.collect_redirect(child, src, frame, &mut redirections)
                }
                (Some("name" | "argument"), _) => {
                    self.substitutions(child, src, frame);
                    words_out.push(words::unquote(child, src));
                }
                (_, "subshell") => {
                    let mut inner = frame.clone();
                    self.statements(child, src, &mut inner, &Stdin::None);
                }
                _ => {}
            }
        }
        if words_out.is_empty() {
            return None;
        }
        let stdin = match redirections.stdin_text.take() {
            Some(text) => Stdin::Text(text),
            None => stdin,
        };
        let raw = collapse_whitespace(&src[node.byte_range()]);
        let output = self.run(words_out, raw, frame, stdin);
        self.apply_redirects(&redirections.files, frame, output)
    }

    /// Records file effects of output redirections; returns what still reaches stdout.
    fn apply_redirects(
        &mut self,
        redirects: &[Redirect],
        frame: &Frame,
        output: Option<String>,
    ) -> Option<String> {
        let mut stdout = output.clone();
        for redirect in redirects.iter().filter(|r| r.is_output()) {
            let content = if redirect.captures_stdout() {
                output.as_deref()
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
                stdout = None;
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

    /// Unwraps wrappers and records the invocation that runs; returns its output when known.
    fn run(
        &mut self,
        mut words: Vec<String>,
        raw: String,
        frame: &mut Frame,
        stdin: Stdin,
    ) -> Option<String> {
        let mut wrapped = frame.clone();
        loop {
            match wrappers::step(&words) {
                Step::Program => break,
                Step::LookupOnly => break,
                Step::Wrapper { name, rest } => {
                    wrapped.wrappers.push(name);
                    words.drain(..rest);
                }
                Step::Script { name, script } => {
                    self.nested(&script, &wrapped, name, Stdin::None);
                    return None;
                }
                Step::ScriptFile { name, path } => {
                    self.push_invocation(&words, &raw, &wrapped, &stdin);
                    self.run_written_script(&path, &wrapped, name);
                    return None;
                }
                Step::ShellStdin => {
                    self.push_invocation(&words, &raw, &wrapped, &stdin);
                    if let Some(text) = stdin.text() {
                        let name = format!("{} <stdin>", program_name(&words[0]));
                        self.nested(text, &wrapped, name, Stdin::None);
                    }
                    return None;
                }
            }
        }
        let program = program_name(&words[0]);
        self.push_invocation(&words, &raw, &wrapped, &stdin);
        let args = &words[1..];
        let mut program_effects = effects::program_effects(&program, args, &wrapped.ctx);
        if program == "tee" {
            if let Some(text) = stdin.text() {
                for effect in &mut program_effects {
                    effect.added = effects::added_lines(text, effect.op == FileOp::Write);
                    self.remember_written(effect, text);
                }
            }
        }
        self.facts.effects.extend(program_effects);
        if words[0].contains('/') {
            self.run_written_script(&words[0], &wrapped, "exec".into());
        }
        self.find_exec(&program, args, &wrapped, &raw);
        if matches!(program.as_str(), "cd" | "pushd") {
            change_directory(frame, args);
        }
        output_of(&program, args, &stdin)
    }

    fn push_invocation(&mut self, words: &[String], raw: &str, frame: &Frame, stdin: &Stdin) {
        self.facts.invocations.push(Invocation {
            program: program_name(&words[0]),
            args: words[1..].to_vec(),
            raw: raw.to_string(),
            wrappers: frame.wrappers.clone(),
            piped_input: stdin.is_piped(),
        });
    }

    /// A script this command line wrote (with known content) and now runs.
    fn run_written_script(&mut self, path: &str, frame: &Frame, wrapper: String) {
        let key = frame.ctx.normalize(path);
        if let Some(content) = self.written.get(&key).cloned() {
            self.nested(&content, frame, format!("{wrapper} {path}"), Stdin::None);
        }
    }

    /// `find … -exec CMD ARGS ;` runs CMD for each match.
    fn find_exec(&mut self, program: &str, args: &[String], frame: &Frame, raw: &str) {
        if program != "find" {
            return;
        }
        let mut i = 0;
        while i < args.len() {
            if matches!(args[i].as_str(), "-exec" | "-execdir" | "-ok" | "-okdir") {
                let flag = args[i].clone();
                let end = args[i + 1..]
                    .iter()
                    .position(|a| a == ";" || a == "+")
                    .map_or(args.len(), |p| i + 1 + p);
                let command: Vec<String> = args[i + 1..end].to_vec();
                if !command.is_empty() {
                    let mut inner = frame.clone();
                    inner.wrappers.push(format!("find {flag}"));
                    self.run(command, raw.to_string(), &mut inner, Stdin::None);
                }
                i = end;
            }
            i += 1;
        }
    }
}

fn file_redirect(node: Node, src: &str) -> Option<Redirect> {
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
        target: words::unquote(target, src),
    })
}

fn change_directory(frame: &mut Frame, args: &[String]) {
    let target = args.iter().find(|a| !a.starts_with('-'));
    if let Some(dir) = target {
        if !dir.contains('$') && !dir.contains('`') {
            frame.ctx = frame.ctx.with_cwd(dir);
        }
    }
}

/// The standard output of simple data-producing commands, so that `echo … > x.sh` and
/// `printf … | sh` can be followed.
fn output_of(program: &str, args: &[String], stdin: &Stdin) -> Option<String> {
    match program {
        "echo" => {
            let text: Vec<&str> = args
                .iter()
                .map(String::as_str)
                .skip_while(|a| matches!(*a, "-n" | "-e" | "-E" | "-ne" | "-en"))
                .collect();
            Some(text.join(" ") + "\n")
        }
        "printf" => {
            let mut rest = args.iter().skip_while(|a| *a == "--");
            let format = rest.next()?;
            let mut out = format.replace("\\n", "\n").replace("\\t", "\t");
            for arg in rest {
                out = match out.find("%s") {
                    Some(at) => format!("{}{}{}", &out[..at], arg, &out[at + 2..]),
                    None => format!("{out}{arg}"),
                };
            }
            Some(out)
        }
        "cat" if args.iter().all(|a| a == "-") => stdin.text().map(str::to_string),
        _ => None,
    }
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Removes exact duplicate effects (the same path, operation and origin).
fn dedup_effects(effects: &mut Vec<FileEffect>) {
    let mut seen = std::collections::HashSet::new();
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
