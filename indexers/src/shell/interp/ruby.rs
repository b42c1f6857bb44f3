//! Ruby: calls and backticks that run commands, file deletions and writes, `eval`, printing.

use super::{call_ops, excerpt, join_paths, preorder, Call, Effect, Language, Op, Parsers, Val};
use tree_sitter::Node;

const CALLS: &[(&str, Effect)] = &[
    ("system", Effect::ShellOrArgv),
    ("Kernel.system", Effect::ShellOrArgv),
    ("exec", Effect::ShellOrArgv),
    ("Kernel.exec", Effect::ShellOrArgv),
    ("spawn", Effect::ShellOrArgv),
    ("Process.spawn", Effect::ShellOrArgv),
    ("IO.popen", Effect::Shell(0)),
    ("Open3.capture2", Effect::Shell(0)),
    ("Open3.capture2e", Effect::Shell(0)),
    ("Open3.capture3", Effect::Shell(0)),
    ("Open3.popen3", Effect::Shell(0)),
    ("FileUtils.rm_rf", Effect::DeleteTree(0)),
    ("FileUtils.rm_r", Effect::DeleteTree(0)),
    ("FileUtils.remove_dir", Effect::DeleteTree(0)),
    ("FileUtils.remove_entry", Effect::DeleteTree(0)),
    ("FileUtils.remove_entry_secure", Effect::DeleteTree(0)),
    ("FileUtils.rmtree", Effect::DeleteTree(0)),
    ("FileUtils.rm", Effect::Delete(0)),
    ("FileUtils.rm_f", Effect::Delete(0)),
    ("FileUtils.remove", Effect::Delete(0)),
    ("File.delete", Effect::Delete(0)),
    ("File.unlink", Effect::Delete(0)),
    ("Dir.rmdir", Effect::Delete(0)),
    ("Dir.delete", Effect::Delete(0)),
    ("File.write", Effect::Write(0)),
    ("IO.write", Effect::Write(0)),
    ("eval", Effect::Eval),
    ("Kernel.eval", Effect::Eval),
    ("instance_eval", Effect::Eval),
    (".execute", Effect::Sql),
    (".exec", Effect::Sql),
    ("puts", Effect::Print),
    ("print", Effect::Print),
    ("$stdout.write", Effect::Print),
    ("STDOUT.write", Effect::Print),
];

/// Analyses Ruby source.
pub(super) fn analyse(code: &str, parsers: &mut Parsers) -> Vec<Op> {
    let Some(tree) = parsers.parse(Language::Ruby, code) else {
        return Vec::new();
    };
    let scope = Scope { src: code };
    let mut calls = Vec::new();
    let mut ops = Vec::new();
    let nodes = preorder(tree.root_node());
    for node in &nodes {
        scope.visit(*node, &mut calls, &mut ops);
    }
    parsers.work += nodes.len();
    for call in &calls {
        ops.extend(call_ops(call, CALLS, Language::Ruby, parsers));
    }
    ops
}

struct Scope<'a> {
    src: &'a str,
}

impl<'a> Scope<'a> {
    fn text(&self, node: Node) -> &'a str {
        &self.src[node.byte_range()]
    }

    /// Records the call or command `node` is, if any (its children are visited apart).
    fn visit(&self, node: Node<'a>, calls: &mut Vec<Call>, ops: &mut Vec<Op>) {
        match node.kind() {
            "call" => {
                if let Some(call) = self.call(node) {
                    calls.push(call);
                }
            }
            // `` `cmd` `` and `%x(cmd)`.
            "subshell" => {
                if let Some(Val::Str(command)) = self.string(node) {
                    ops.push(Op::Shell {
                        command,
                        at: excerpt(self.text(node)),
                    });
                }
            }
            _ => {}
        }
    }

    fn call(&self, node: Node<'a>) -> Option<Call> {
        let method = self.text(node.child_by_field_name("method")?);
        let callee = match node.child_by_field_name("receiver") {
            Some(receiver) => format!("{}.{method}", self.name(receiver)?),
            None => method.to_string(),
        };
        let mut args = Vec::new();
        if let Some(list) = node.child_by_field_name("arguments") {
            let mut cursor = list.walk();
            let items: Vec<Node> = list.named_children(&mut cursor).collect();
            // `system("rm", "-rf", "/")`: several words are an argv.
            let values: Vec<Option<Val>> = items.iter().map(|a| self.value(*a, 0)).collect();
            if values.len() > 1 && matches!(method, "system" | "exec" | "spawn") {
                let words: Option<Vec<String>> = values
                    .iter()
                    .map(|v| v.as_ref().and_then(|v| v.str().map(str::to_string)))
                    .collect();
                args.push(words.map(Val::List));
            } else {
                args = values;
            }
        }
        Some(Call {
            callee,
            args,
            kwargs: Vec::new(),
            receiver: None,
            at: excerpt(self.text(node)),
        })
    }

    fn name(&self, node: Node<'a>) -> Option<String> {
        match node.kind() {
            "constant" | "identifier" | "global_variable" => Some(self.text(node).to_string()),
            "scope_resolution" => Some(self.text(node).replace("::", ".")),
            _ => None,
        }
    }

    fn value(&self, node: Node<'a>, depth: usize) -> Option<Val> {
        if depth > 8 {
            return None;
        }
        match node.kind() {
            "string" | "subshell" => self.string(node),
            "true" => Some(Val::Bool(true)),
            "false" => Some(Val::Bool(false)),
            "array" => {
                let mut items = Vec::new();
                let mut cursor = node.walk();
                for item in node.named_children(&mut cursor) {
                    items.push(self.value(item, depth + 1)?.str()?.to_string());
                }
                Some(Val::List(items))
            }
            "binary" => {
                let left = self.value(node.child_by_field_name("left")?, depth + 1)?;
                let right = self.value(node.child_by_field_name("right")?, depth + 1)?;
                Some(Val::Str(format!("{}{}", left.str()?, right.str()?)))
            }
            "element_reference" => {
                let object = self.text(node.child_by_field_name("object")?);
                let key = self.value(node.named_child(1)?, depth + 1)?;
                (object == "ENV").then(|| Val::Str(format!("${}", key.str().unwrap_or(""))))
            }
            "call" => {
                let method = self.text(node.child_by_field_name("method")?);
                let receiver = node
                    .child_by_field_name("receiver")
                    .and_then(|r| self.name(r));
                let args: Vec<Option<String>> = node
                    .child_by_field_name("arguments")
                    .map(|list| {
                        let mut cursor = list.walk();
                        let items: Vec<Node> = list.named_children(&mut cursor).collect();
                        items
                            .into_iter()
                            .map(|a| {
                                self.value(a, depth + 1)
                                    .and_then(|v| v.str().map(str::to_string))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                match (receiver.as_deref(), method) {
                    (Some("Dir"), "home") => Some(Val::Str("~".into())),
                    (Some("Dir"), "pwd") => Some(Val::Str(".".into())),
                    (Some("File"), "expand_path") => args.first().cloned().flatten().map(Val::Str),
                    (Some("File"), "join") => {
                        let parts: Option<Vec<String>> = args.into_iter().collect();
                        Some(Val::Str(join_paths(&parts?)))
                    }
                    _ => None,
                }
            }
            "parenthesized_statements" => self.value(node.named_child(0)?, depth + 1),
            _ => None,
        }
    }

    /// A string (or backtick) literal with its interpolations, when all are known.
    fn string(&self, node: Node<'a>) -> Option<Val> {
        let mut out = String::new();
        let mut cursor = node.walk();
        for part in node.named_children(&mut cursor) {
            match part.kind() {
                "string_content" => out.push_str(self.text(part)),
                "escape_sequence" => {
                    out.push_str(&crate::shell::words::unescape_ansi_c(self.text(part)))
                }
                "interpolation" => {
                    let inner = part.named_child(0)?;
                    out.push_str(self.value(inner, 1)?.str()?);
                }
                _ => {}
            }
        }
        Some(Val::Str(out))
    }
}
