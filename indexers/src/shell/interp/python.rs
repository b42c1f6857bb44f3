//! Python: calls that run commands, delete or write files, run SQL, run code or print.

use super::{
    call_ops, excerpt, join_paths, preorder, Call, Effect, Language, Nesting, Op, Parsers, Val,
};
use std::collections::HashMap;
use tree_sitter::Node;

const CALLS: &[(&str, Effect)] = &[
    ("os.system", Effect::Shell(0)),
    ("os.popen", Effect::Shell(0)),
    ("subprocess.getoutput", Effect::Shell(0)),
    ("subprocess.getstatusoutput", Effect::Shell(0)),
    ("commands.getoutput", Effect::Shell(0)),
    ("asyncio.create_subprocess_shell", Effect::Shell(0)),
    ("subprocess.run", Effect::Subprocess),
    ("subprocess.call", Effect::Subprocess),
    ("subprocess.check_call", Effect::Subprocess),
    ("subprocess.check_output", Effect::Subprocess),
    ("subprocess.Popen", Effect::Subprocess),
    ("pty.spawn", Effect::ExecList(0)),
    ("asyncio.create_subprocess_exec", Effect::ExecArgs(0)),
    ("os.execv", Effect::ExecList(1)),
    ("os.execve", Effect::ExecList(1)),
    ("os.execvp", Effect::ExecList(1)),
    ("os.execvpe", Effect::ExecList(1)),
    ("os.execl", Effect::ExecArgs(1)),
    ("os.execle", Effect::ExecArgs(1)),
    ("os.execlp", Effect::ExecArgs(1)),
    ("os.execlpe", Effect::ExecArgs(1)),
    ("os.spawnv", Effect::ExecList(2)),
    ("os.spawnvp", Effect::ExecList(2)),
    ("os.spawnl", Effect::ExecArgs(2)),
    ("os.spawnlp", Effect::ExecArgs(2)),
    ("shutil.rmtree", Effect::DeleteTree(0)),
    ("distutils.dir_util.remove_tree", Effect::DeleteTree(0)),
    ("os.remove", Effect::Delete(0)),
    ("os.unlink", Effect::Delete(0)),
    ("os.rmdir", Effect::Delete(0)),
    ("os.removedirs", Effect::Delete(0)),
    ("pathlib.Path.unlink", Effect::Delete(usize::MAX)),
    ("pathlib.Path.rmdir", Effect::Delete(usize::MAX)),
    ("pathlib.Path.write_text", Effect::Write(usize::MAX)),
    ("pathlib.Path.write_bytes", Effect::Write(usize::MAX)),
    ("os.truncate", Effect::Write(0)),
    ("shutil.copy", Effect::Write(1)),
    ("shutil.copy2", Effect::Write(1)),
    ("shutil.copyfile", Effect::Write(1)),
    ("shutil.move", Effect::Write(1)),
    ("os.rename", Effect::Write(1)),
    ("os.replace", Effect::Write(1)),
    ("open", Effect::Open),
    ("io.open", Effect::Open),
    ("exec", Effect::Eval),
    ("eval", Effect::Eval),
    ("compile", Effect::Eval),
    (".execute", Effect::Sql),
    (".executescript", Effect::Sql),
    (".executemany", Effect::Sql),
    (".exec_driver_sql", Effect::Sql),
    ("print", Effect::Print),
    ("sys.stdout.write", Effect::Print),
];

/// Names that stand for a path object (`Path(x)`, `pathlib.Path(x)`).
const PATH_TYPES: &[&str] = &["pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath"];

/// Analyses Python source.
pub(super) fn analyse(code: &str, parsers: &mut Parsers) -> Vec<Op> {
    let Some(tree) = parsers.parse(Language::Python, code) else {
        return Vec::new();
    };
    let mut scope = Scope {
        src: code,
        imports: HashMap::new(),
        bindings: HashMap::new(),
        nesting: Nesting::default(),
    };
    let nodes = preorder(tree.root_node());
    for node in &nodes {
        scope.collect(*node);
    }
    let mut calls = Vec::new();
    for node in &nodes {
        scope.calls(*node, &mut calls);
    }
    parsers.work += nodes.len() + scope.nesting.steps.get();
    calls
        .iter()
        .flat_map(|call| call_ops(call, CALLS, Language::Python, parsers))
        .collect()
}

struct Scope<'a> {
    src: &'a str,
    /// `import x as y`, `from x import y as z`: local name → qualified name.
    imports: HashMap<String, String>,
    /// `name = expr` at any level: the last expression assigned.
    bindings: HashMap<String, Node<'a>>,
    /// Name resolution's nesting (see [`super::MAX_NAME_DEPTH`]).
    nesting: Nesting,
}

impl<'a> Scope<'a> {
    fn text(&self, node: Node) -> &'a str {
        &self.src[node.byte_range()]
    }

    /// Records the imports and bindings `node` makes (its children are visited apart).
    fn collect(&mut self, node: Node<'a>) {
        match node.kind() {
            "import_statement" => {
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    self.import(name, None);
                }
            }
            "import_from_statement" => {
                let module = node
                    .child_by_field_name("module_name")
                    .map(|m| self.text(m).to_string());
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    self.import(name, module.as_deref());
                }
            }
            "assignment" => {
                if let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) {
                    if left.kind() == "identifier" {
                        self.bindings.insert(self.text(left).to_string(), right);
                    }
                }
            }
            _ => {}
        }
    }

    fn import(&mut self, name: Node, module: Option<&str>) {
        let (dotted, alias) = match name.kind() {
            "aliased_import" => (
                name.child_by_field_name("name").map(|n| self.text(n)),
                name.child_by_field_name("alias").map(|n| self.text(n)),
            ),
            _ => (Some(self.text(name)), None),
        };
        let Some(dotted) = dotted else { return };
        let qualified = match module {
            Some(m) => format!("{m}.{dotted}"),
            None => dotted.to_string(),
        };
        let local = match alias {
            Some(a) => a.to_string(),
            None if module.is_some() => dotted.to_string(),
            // `import os.path` binds `os`.
            None => dotted.split('.').next().unwrap_or(dotted).to_string(),
        };
        let qualified = if module.is_none() && alias.is_none() {
            local.clone()
        } else {
            qualified
        };
        self.imports.insert(local, qualified);
    }

    /// Records the call `node` is, if any (its children are visited apart).
    fn calls(&self, node: Node<'a>, out: &mut Vec<Call>) {
        if node.kind() == "call" {
            if let Some(call) = self.call(node) {
                out.push(call);
            }
        }
    }

    fn call(&self, node: Node<'a>) -> Option<Call> {
        let function = node.child_by_field_name("function")?;
        let (callee, receiver) = match function.kind() {
            "attribute" => {
                let object = function.child_by_field_name("object")?;
                let attribute = self.text(function.child_by_field_name("attribute")?);
                match self.path_object(object, 0) {
                    Some(path) => (format!("pathlib.Path.{attribute}"), Some(Val::Str(path))),
                    // A method of some object ctx cannot name (`connect(…).execute`).
                    None => {
                        let object = self.qualified(object).unwrap_or_else(|| "<object>".into());
                        (format!("{object}.{attribute}"), None)
                    }
                }
            }
            _ => (self.qualified(function)?, None),
        };
        let mut args = Vec::new();
        let mut kwargs = Vec::new();
        if let Some(list) = node.child_by_field_name("arguments") {
            let mut cursor = list.walk();
            for arg in list.named_children(&mut cursor) {
                if arg.kind() == "keyword_argument" {
                    let name = arg
                        .child_by_field_name("name")
                        .map(|n| self.text(n).to_string());
                    let value = arg
                        .child_by_field_name("value")
                        .and_then(|v| self.value(v, 0));
                    if let Some(name) = name {
                        kwargs.push((name, value));
                    }
                } else if arg.kind() != "comment" {
                    args.push(self.value(arg, 0));
                }
            }
        }
        Some(Call {
            callee,
            args,
            kwargs,
            receiver,
            at: excerpt(self.text(node)),
        })
    }

    /// The dotted name of a callee, imports resolved (`sh.rmtree` with `import shutil as sh`
    /// is `shutil.rmtree`; `__import__('os').system` is `os.system`).
    fn qualified(&self, node: Node<'a>) -> Option<String> {
        let _level = self.nesting.enter()?;
        match node.kind() {
            "identifier" => {
                let name = self.text(node);
                Some(
                    self.imports
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| name.to_string()),
                )
            }
            "attribute" => {
                let object = self.qualified(node.child_by_field_name("object")?)?;
                let attribute = self.text(node.child_by_field_name("attribute")?);
                Some(format!("{object}.{attribute}"))
            }
            "call" => {
                let function = self.qualified(node.child_by_field_name("function")?)?;
                if matches!(function.as_str(), "__import__" | "importlib.import_module") {
                    let args = node.child_by_field_name("arguments")?;
                    let first = args.named_child(0)?;
                    return self.value(first, 0)?.str().map(str::to_string);
                }
                None
            }
            "parenthesized_expression" => self.qualified(node.named_child(0)?),
            _ => None,
        }
    }

    /// The path a `Path`-like object expression stands for (`Path(p)`, `Path.home()`,
    /// `Path(p) / "x"`, a name bound to one).
    fn path_object(&self, node: Node<'a>, depth: usize) -> Option<String> {
        if depth > 8 {
            return None;
        }
        match node.kind() {
            "call" => {
                let function = self.qualified(node.child_by_field_name("function")?)?;
                let args = node.child_by_field_name("arguments")?;
                if PATH_TYPES.contains(&function.as_str()) {
                    let parts: Option<Vec<String>> = {
                        let mut cursor = args.walk();
                        let children: Vec<Node> = args.named_children(&mut cursor).collect();
                        children
                            .into_iter()
                            .map(|a| {
                                self.value(a, depth + 1)
                                    .and_then(|v| v.str().map(str::to_string))
                            })
                            .collect()
                    };
                    return parts.map(|p| {
                        if p.is_empty() {
                            ".".into()
                        } else {
                            join_paths(&p)
                        }
                    });
                }
                match function.as_str() {
                    "pathlib.Path.home" | "Path.home" => Some("~".into()),
                    "pathlib.Path.cwd" | "Path.cwd" => Some(".".into()),
                    _ => None,
                }
            }
            "binary_operator" => {
                let operator = node.child_by_field_name("operator").map(|o| self.text(o))?;
                if operator != "/" {
                    return None;
                }
                let left = self.path_object(node.child_by_field_name("left")?, depth + 1)?;
                let right = self.value(node.child_by_field_name("right")?, depth + 1)?;
                Some(join_paths(&[left, right.str()?.to_string()]))
            }
            "identifier" => {
                let bound = *self.bindings.get(self.text(node))?;
                self.path_object(bound, depth + 1)
            }
            "parenthesized_expression" => self.path_object(node.named_child(0)?, depth + 1),
            _ => None,
        }
    }

    /// The value of an expression built from literals on this line.
    fn value(&self, node: Node<'a>, depth: usize) -> Option<Val> {
        if depth > 8 {
            return None;
        }
        match node.kind() {
            "string" => self.string(node, depth),
            "concatenated_string" => {
                let mut out = String::new();
                let mut cursor = node.walk();
                for part in node.named_children(&mut cursor) {
                    out.push_str(self.value(part, depth + 1)?.str()?);
                }
                Some(Val::Str(out))
            }
            "true" => Some(Val::Bool(true)),
            "false" => Some(Val::Bool(false)),
            "list" | "tuple" => {
                let mut items = Vec::new();
                let mut cursor = node.walk();
                for item in node.named_children(&mut cursor) {
                    items.push(self.value(item, depth + 1)?.str()?.to_string());
                }
                Some(Val::List(items))
            }
            "binary_operator" => {
                let operator = self.text(node.child_by_field_name("operator")?);
                let left = node.child_by_field_name("left")?;
                let right = node.child_by_field_name("right")?;
                match operator {
                    "+" => match (self.value(left, depth + 1)?, self.value(right, depth + 1)?) {
                        (Val::Str(a), Val::Str(b)) => Some(Val::Str(a + &b)),
                        (Val::List(mut a), Val::List(b)) => {
                            a.extend(b);
                            Some(Val::List(a))
                        }
                        _ => None,
                    },
                    "/" => self.path_object(node, depth + 1).map(Val::Str),
                    "%" => {
                        let format = self.value(left, depth + 1)?;
                        let arg = self.value(right, depth + 1)?;
                        Some(Val::Str(format.str()?.replacen("%s", arg.str()?, 1)))
                    }
                    _ => None,
                }
            }
            "identifier" => {
                let bound = *self.bindings.get(self.text(node))?;
                self.value(bound, depth + 1)
            }
            "parenthesized_expression" => self.value(node.named_child(0)?, depth + 1),
            "subscript" => {
                let object = self.qualified(node.child_by_field_name("value")?)?;
                let key = self.value(node.child_by_field_name("subscript")?, depth + 1)?;
                (object == "os.environ").then(|| Val::Str(format!("${}", key.str().unwrap_or(""))))
            }
            "call" => self.call_value(node, depth),
            _ => None,
        }
    }

    /// The value of calls that compute strings or paths from known arguments.
    fn call_value(&self, node: Node<'a>, depth: usize) -> Option<Val> {
        if let Some(path) = self.path_object(node, depth + 1) {
            return Some(Val::Str(path));
        }
        let function = node.child_by_field_name("function")?;
        let args_node = node.child_by_field_name("arguments")?;
        let mut cursor = args_node.walk();
        let arg_nodes: Vec<Node> = args_node
            .named_children(&mut cursor)
            .filter(|a| a.kind() != "keyword_argument")
            .collect();
        let arg = |i: usize| -> Option<String> {
            self.value(*arg_nodes.get(i)?, depth + 1)?
                .str()
                .map(str::to_string)
        };
        // Methods on a value: `"sep".join(list)`, `s.decode()`, `s.strip()`.
        if function.kind() == "attribute" {
            let method = self.text(function.child_by_field_name("attribute")?);
            let object = function.child_by_field_name("object")?;
            if let Some(value) = self.value(object, depth + 1) {
                return match (method, value) {
                    ("join", Val::Str(sep)) => match self.value(*arg_nodes.first()?, depth + 1)? {
                        Val::List(items) => Some(Val::Str(items.join(&sep))),
                        _ => None,
                    },
                    ("decode" | "encode" | "strip" | "rstrip" | "lstrip", Val::Str(s)) => {
                        Some(Val::Str(if method.ends_with("strip") {
                            s.trim().to_string()
                        } else {
                            s
                        }))
                    }
                    ("split", Val::Str(s)) => {
                        Some(Val::List(s.split_whitespace().map(String::from).collect()))
                    }
                    ("format", Val::Str(s)) => {
                        let mut out = s;
                        for i in 0..arg_nodes.len() {
                            out = out.replacen("{}", &arg(i)?, 1);
                        }
                        Some(Val::Str(out))
                    }
                    _ => None,
                };
            }
        }
        let name = self.qualified(function)?;
        let decoded = |text: Option<String>| text.map(Val::Str);
        match name.as_str() {
            "os.path.join" | "posixpath.join" => {
                let parts: Option<Vec<String>> = (0..arg_nodes.len()).map(arg).collect();
                Some(Val::Str(join_paths(&parts?)))
            }
            "os.path.expanduser" | "os.path.abspath" | "os.path.realpath" | "os.path.normpath"
            | "os.path.expandvars" | "os.fspath" | "str" | "bytes" => arg(0).map(Val::Str),
            "os.getcwd" => Some(Val::Str(".".into())),
            "os.getenv" | "os.environ.get" => arg(0).map(|k| Val::Str(format!("${k}"))),
            "base64.b64decode"
            | "base64.standard_b64decode"
            | "base64.urlsafe_b64decode"
            | "base64.decodebytes" => {
                decoded(arg(0).and_then(|s| crate::shell::output::decode_base64(&s)))
            }
            "bytes.fromhex" | "binascii.unhexlify" => {
                decoded(arg(0).and_then(|s| crate::shell::output::decode_hex(&s)))
            }
            "codecs.decode" if arg(1).is_some_and(|e| e.replace('_', "") == "rot13") => {
                arg(0).map(|s| Val::Str(rot13(&s)))
            }
            _ => None,
        }
    }

    /// A string literal; f-strings with interpolations ctx can evaluate.
    fn string(&self, node: Node<'a>, depth: usize) -> Option<Val> {
        let mut out = String::new();
        let mut raw = false;
        let mut cursor = node.walk();
        for part in node.named_children(&mut cursor) {
            match part.kind() {
                "string_start" => {
                    let prefix = self.text(part).to_ascii_lowercase();
                    raw = prefix.contains('r');
                }
                "string_content" => {
                    let text = self.text(part);
                    out.push_str(&if raw {
                        text.to_string()
                    } else {
                        crate::shell::words::unescape_ansi_c(text)
                    });
                }
                "escape_sequence" => {
                    out.push_str(&crate::shell::words::unescape_ansi_c(self.text(part)))
                }
                "interpolation" => {
                    let expression = part.child_by_field_name("expression")?;
                    out.push_str(self.value(expression, depth + 1)?.str()?);
                }
                _ => {}
            }
        }
        Some(Val::Str(out))
    }
}

fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}
