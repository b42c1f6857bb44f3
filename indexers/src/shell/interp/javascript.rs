//! JavaScript (node, deno, bun, mongosh): calls that run commands, delete or write files, run
//! SQL or MongoDB operations, run code or print.

use super::{
    call_ops, excerpt, join_paths, preorder, Call, Effect, Language, Nesting, Op, Parsers, Val,
};
use std::collections::HashMap;
use tree_sitter::Node;

const CALLS: &[(&str, Effect)] = &[
    ("child_process.exec", Effect::Shell(0)),
    ("child_process.execSync", Effect::Shell(0)),
    ("child_process.spawn", Effect::ExecCmdList),
    ("child_process.spawnSync", Effect::ExecCmdList),
    ("child_process.execFile", Effect::ExecCmdList),
    ("child_process.execFileSync", Effect::ExecCmdList),
    ("Bun.spawn", Effect::ExecList(0)),
    ("Bun.spawnSync", Effect::ExecList(0)),
    ("fs.rmSync", Effect::DeleteMaybeTree(0)),
    ("fs.rm", Effect::DeleteMaybeTree(0)),
    ("fs.rmdirSync", Effect::DeleteMaybeTree(0)),
    ("fs.rmdir", Effect::DeleteMaybeTree(0)),
    ("fs.unlinkSync", Effect::Delete(0)),
    ("fs.unlink", Effect::Delete(0)),
    ("Deno.remove", Effect::DeleteMaybeTree(0)),
    ("Deno.removeSync", Effect::DeleteMaybeTree(0)),
    ("fs-extra.remove", Effect::DeleteTree(0)),
    ("fs-extra.removeSync", Effect::DeleteTree(0)),
    ("fs-extra.emptyDir", Effect::DeleteTree(0)),
    ("fs-extra.emptyDirSync", Effect::DeleteTree(0)),
    ("rimraf", Effect::DeleteTree(0)),
    ("rimraf.sync", Effect::DeleteTree(0)),
    ("rimraf.rimraf", Effect::DeleteTree(0)),
    ("rimraf.rimrafSync", Effect::DeleteTree(0)),
    ("rimraf.native", Effect::DeleteTree(0)),
    ("del", Effect::DeleteTree(0)),
    ("del.sync", Effect::DeleteTree(0)),
    ("del.deleteSync", Effect::DeleteTree(0)),
    ("del.deleteAsync", Effect::DeleteTree(0)),
    ("fs.writeFileSync", Effect::Write(0)),
    ("fs.writeFile", Effect::Write(0)),
    ("fs.appendFileSync", Effect::Write(0)),
    ("fs.appendFile", Effect::Write(0)),
    ("Deno.writeTextFile", Effect::Write(0)),
    ("Deno.writeFile", Effect::Write(0)),
    ("Bun.write", Effect::Write(0)),
    ("eval", Effect::Eval),
    ("Function", Effect::Eval),
    ("vm.runInThisContext", Effect::Eval),
    ("vm.runInNewContext", Effect::Eval),
    ("console.log", Effect::Print),
    ("console.info", Effect::Print),
    ("console.error", Effect::Print),
    ("print", Effect::Print),
    ("printjson", Effect::Print),
    ("process.stdout.write", Effect::Print),
    (".query", Effect::Sql),
    (".execute", Effect::Sql),
    (".exec", Effect::Sql),
    (".$executeRawUnsafe", Effect::Sql),
    (".$queryRawUnsafe", Effect::Sql),
    (".unsafe", Effect::Sql),
];

/// Analyses JavaScript source.
pub(super) fn analyse(code: &str, parsers: &mut Parsers) -> Vec<Op> {
    let Some(tree) = parsers.parse(Language::JavaScript, code) else {
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
    let mut ops = Vec::new();
    let mut calls = Vec::new();
    for node in &nodes {
        scope.calls(*node, &mut calls, &mut ops);
    }
    parsers.work += nodes.len() + scope.nesting.steps.get();
    for call in &calls {
        ops.extend(mongo_ops(call));
        ops.extend(call_ops(call, CALLS, Language::JavaScript, parsers));
    }
    ops
}

/// A module name as ctx knows it (`node:fs/promises` is `fs`).
fn module_name(spec: &str) -> String {
    let spec = spec.strip_prefix("node:").unwrap_or(spec);
    match spec {
        "fs/promises" | "fs" => "fs".into(),
        "child_process" => "child_process".into(),
        other => other.to_string(),
    }
}

struct Scope<'a> {
    src: &'a str,
    /// Names bound to modules or module members (`fs`, `execSync`).
    imports: HashMap<String, String>,
    /// `const x = expr`: the expression.
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
            "variable_declarator" => {
                if let (Some(name), Some(value)) = (
                    node.child_by_field_name("name"),
                    node.child_by_field_name("value"),
                ) {
                    let module = self.required(value);
                    match (name.kind(), module) {
                        ("identifier", Some(m)) => {
                            self.imports.insert(self.text(name).to_string(), m);
                        }
                        ("object_pattern", Some(m)) => self.destructure(name, &m),
                        ("identifier", None) => {
                            self.bindings.insert(self.text(name).to_string(), value);
                        }
                        _ => {}
                    }
                }
            }
            "import_statement" => self.import(node),
            _ => {}
        }
    }

    /// `require('m')`, `require('m').x`, `await import('m')`: the module (member) it yields.
    fn required(&self, node: Node<'a>) -> Option<String> {
        let _level = self.nesting.enter()?;
        match node.kind() {
            "call_expression" => {
                let function = node.child_by_field_name("function")?;
                let name = self.text(function);
                if name != "require" && name != "import" {
                    return None;
                }
                let args = node.child_by_field_name("arguments")?;
                let spec = self.value(args.named_child(0)?, 0)?;
                Some(module_name(spec.str()?))
            }
            "member_expression" => {
                let object = self.required(node.child_by_field_name("object")?)?;
                let property = self.text(node.child_by_field_name("property")?);
                Some(if property == "promises" {
                    object
                } else {
                    format!("{object}.{property}")
                })
            }
            "await_expression" | "parenthesized_expression" => self.required(node.named_child(0)?),
            _ => None,
        }
    }

    fn destructure(&mut self, pattern: Node<'a>, module: &str) {
        let mut cursor = pattern.walk();
        for child in pattern.named_children(&mut cursor) {
            match child.kind() {
                "shorthand_property_identifier_pattern" => {
                    let name = self.text(child).to_string();
                    self.imports
                        .insert(name.clone(), format!("{module}.{name}"));
                }
                "pair_pattern" => {
                    let key = child.child_by_field_name("key").map(|k| self.text(k));
                    let value = child.child_by_field_name("value").map(|v| self.text(v));
                    if let (Some(key), Some(value)) = (key, value) {
                        self.imports
                            .insert(value.to_string(), format!("{module}.{key}"));
                    }
                }
                _ => {}
            }
        }
    }

    fn import(&mut self, node: Node<'a>) {
        let Some(module) = node
            .child_by_field_name("source")
            .and_then(|s| self.value(s, 0))
            .and_then(|v| v.str().map(module_name))
        else {
            return;
        };
        let mut cursor = node.walk();
        let clauses: Vec<Node> = node
            .named_children(&mut cursor)
            .filter(|c| c.kind() == "import_clause")
            .collect();
        for clause in clauses {
            let mut c = clause.walk();
            for part in clause.named_children(&mut c) {
                match part.kind() {
                    "identifier" => {
                        self.imports
                            .insert(self.text(part).to_string(), module.clone());
                    }
                    "namespace_import" => {
                        if let Some(id) = part.named_child(0) {
                            self.imports
                                .insert(self.text(id).to_string(), module.clone());
                        }
                    }
                    "named_imports" => {
                        let mut s = part.walk();
                        for spec in part.named_children(&mut s) {
                            let name = spec.child_by_field_name("name").map(|n| self.text(n));
                            let alias = spec.child_by_field_name("alias").map(|n| self.text(n));
                            if let Some(name) = name {
                                let local = alias.unwrap_or(name);
                                self.imports
                                    .insert(local.to_string(), format!("{module}.{name}"));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Records the call `node` is, if any (its children are visited apart).
    fn calls(&self, node: Node<'a>, out: &mut Vec<Call>, ops: &mut Vec<Op>) {
        match node.kind() {
            "call_expression" | "new_expression" => {
                if let Some(op) = self.tagged_shell(node) {
                    ops.push(op);
                } else if let Some(call) = self.call(node) {
                    out.push(call);
                }
            }
            _ => {}
        }
    }

    /// Bun's and zx's shell: `` $`rm -rf ${dir}` ``.
    fn tagged_shell(&self, node: Node<'a>) -> Option<Op> {
        let function = node.child_by_field_name("function")?;
        let arguments = node.child_by_field_name("arguments")?;
        if arguments.kind() != "template_string" {
            return None;
        }
        let name = self.callee(function)?;
        if name != "$" && !name.ends_with(".$") {
            return None;
        }
        let command = self.value(arguments, 0)?.str()?.to_string();
        Some(Op::Shell {
            command,
            at: excerpt(self.text(node)),
        })
    }

    fn call(&self, node: Node<'a>) -> Option<Call> {
        let function = node
            .child_by_field_name("function")
            .or_else(|| node.child_by_field_name("constructor"))?;
        let callee = self.callee(function)?;
        let mut args = Vec::new();
        if let Some(list) = node.child_by_field_name("arguments") {
            let mut cursor = list.walk();
            for arg in list.named_children(&mut cursor) {
                if arg.kind() != "comment" {
                    args.push(self.value(arg, 0));
                }
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

    /// The dotted name of a callee, imports resolved (`require('fs').rmSync` is
    /// `fs.rmSync`, `fs.promises.rm` is `fs.rm`, `db.getCollection("u").drop` is
    /// `db.u.drop`).
    fn callee(&self, node: Node<'a>) -> Option<String> {
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
            "member_expression" => {
                let object = node.child_by_field_name("object")?;
                let property = self.text(node.child_by_field_name("property")?);
                // A method of some object ctx cannot name (`connect(…).exec`).
                let object = self.callee(object).unwrap_or_else(|| "<object>".into());
                Some(if property == "promises" {
                    object
                } else if object.ends_with(".promises") {
                    format!("{}.{property}", object.trim_end_matches(".promises"))
                } else {
                    format!("{object}.{property}")
                })
            }
            "call_expression" => {
                if let Some(module) = self.required(node) {
                    return Some(module);
                }
                // `db.getCollection("users")`, `db.getSiblingDB("prod")`.
                let function = self.callee(node.child_by_field_name("function")?)?;
                let args = node.child_by_field_name("arguments")?;
                let first = self.value(args.named_child(0)?, 0)?;
                match function.rsplit('.').next() {
                    Some("getCollection") | Some("getSiblingDB") => Some(format!(
                        "{}.{}",
                        function.rsplit_once('.').map_or("db", |(o, _)| o),
                        first.str()?
                    )),
                    _ => None,
                }
            }
            "subscript_expression" => {
                let object = self.callee(node.child_by_field_name("object")?)?;
                let index = self.value(node.child_by_field_name("index")?, 0)?;
                Some(format!("{object}.{}", index.str()?))
            }
            "await_expression" | "parenthesized_expression" => self.callee(node.named_child(0)?),
            _ => None,
        }
    }

    /// The value of an expression built from literals on this line.
    fn value(&self, node: Node<'a>, depth: usize) -> Option<Val> {
        if depth > 8 {
            return None;
        }
        match node.kind() {
            "string" => {
                let mut out = String::new();
                let mut cursor = node.walk();
                for part in node.named_children(&mut cursor) {
                    let text = self.text(part);
                    match part.kind() {
                        "escape_sequence" => {
                            out.push_str(&crate::shell::words::unescape_ansi_c(text))
                        }
                        _ => out.push_str(text),
                    }
                }
                Some(Val::Str(out))
            }
            "template_string" => {
                let mut out = String::new();
                let mut cursor = node.walk();
                for part in node.named_children(&mut cursor) {
                    match part.kind() {
                        "string_fragment" => out.push_str(self.text(part)),
                        "escape_sequence" => {
                            out.push_str(&crate::shell::words::unescape_ansi_c(self.text(part)))
                        }
                        "template_substitution" => {
                            out.push_str(self.value(part.named_child(0)?, depth + 1)?.str()?)
                        }
                        _ => {}
                    }
                }
                Some(Val::Str(out))
            }
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
            "object" => {
                let mut entries = Vec::new();
                let mut cursor = node.walk();
                for pair in node.named_children(&mut cursor) {
                    if pair.kind() != "pair" {
                        continue;
                    }
                    let key = pair.child_by_field_name("key").map(|k| {
                        self.text(k)
                            .trim_matches(|c| c == '"' || c == '\'')
                            .to_string()
                    });
                    // A value ctx cannot evaluate stays as its source: the entry still counts.
                    let value = pair.child_by_field_name("value").map(|v| {
                        self.value(v, depth + 1)
                            .unwrap_or_else(|| Val::Str(self.text(v).to_string()))
                    });
                    if let (Some(key), Some(value)) = (key, value) {
                        entries.push((key, value));
                    }
                }
                Some(Val::Map(entries))
            }
            "binary_expression" => {
                let operator = node.child_by_field_name("operator").map(|o| self.text(o))?;
                if operator != "+" {
                    return None;
                }
                let left = self.value(node.child_by_field_name("left")?, depth + 1)?;
                let right = self.value(node.child_by_field_name("right")?, depth + 1)?;
                Some(Val::Str(format!("{}{}", left.str()?, right.str()?)))
            }
            "identifier" => {
                let name = self.text(node);
                if name == "__dirname" {
                    return Some(Val::Str(".".into()));
                }
                let bound = *self.bindings.get(name)?;
                self.value(bound, depth + 1)
            }
            "member_expression" => {
                let name = self.callee(node)?;
                name.strip_prefix("process.env.")
                    .map(|var| Val::Str(format!("${var}")))
            }
            "parenthesized_expression" | "await_expression" => {
                self.value(node.named_child(0)?, depth + 1)
            }
            "call_expression" => self.call_value(node, depth),
            _ => None,
        }
    }

    fn call_value(&self, node: Node<'a>, depth: usize) -> Option<Val> {
        let function = node.child_by_field_name("function")?;
        let args_node = node.child_by_field_name("arguments")?;
        let mut cursor = args_node.walk();
        let arg_nodes: Vec<Node> = args_node.named_children(&mut cursor).collect();
        let arg = |i: usize| -> Option<String> {
            self.value(*arg_nodes.get(i)?, depth + 1)?
                .str()
                .map(str::to_string)
        };
        // `Buffer.from(s, "base64").toString()`, `x.toString()`, `x.trim()`.
        if function.kind() == "member_expression" {
            let property = self.text(function.child_by_field_name("property")?);
            let object = function.child_by_field_name("object")?;
            if matches!(property, "toString" | "trim") {
                return self.value(object, depth + 1);
            }
            if property == "join" {
                if let Some(Val::List(items)) = self.value(object, depth + 1) {
                    return Some(Val::Str(items.join(&arg(0).unwrap_or_else(|| ",".into()))));
                }
            }
        }
        let name = self.callee(function)?;
        match name.as_str() {
            "path.join" | "path.resolve" | "path.posix.join" => {
                let parts: Option<Vec<String>> = (0..arg_nodes.len()).map(arg).collect();
                Some(Val::Str(join_paths(&parts?)))
            }
            "os.homedir" => Some(Val::Str("~".into())),
            "process.cwd" | "Deno.cwd" => Some(Val::Str(".".into())),
            "String" | "path.normalize" => arg(0).map(Val::Str),
            "atob" => arg(0)
                .and_then(|s| crate::shell::output::decode_base64(&s))
                .map(Val::Str),
            "Buffer.from" if arg(1).as_deref() == Some("base64") => arg(0)
                .and_then(|s| crate::shell::output::decode_base64(&s))
                .map(Val::Str),
            "Buffer.from" if arg(1).as_deref() == Some("hex") => arg(0)
                .and_then(|s| crate::shell::output::decode_hex(&s))
                .map(Val::Str),
            "Buffer.from" => arg(0).map(Val::Str),
            _ => None,
        }
    }
}

/// MongoDB shell operations, as the SQL statements they amount to: `db.dropDatabase()` is
/// `DROP DATABASE`, `db.users.drop()` is `DROP TABLE users`, `db.users.deleteMany({})` (no
/// filter) is `DELETE FROM users`.
fn mongo_ops(call: &Call) -> Vec<Op> {
    let Some(rest) = call.callee.strip_prefix("db.") else {
        return Vec::new();
    };
    let parts: Vec<&str> = rest.split('.').collect();
    let statement = match parts.as_slice() {
        ["dropDatabase"] => "DROP DATABASE current".to_string(),
        [name, "dropDatabase"] => format!("DROP DATABASE {name}"),
        [.., collection, "drop"] => format!("DROP TABLE {collection}"),
        [.., collection, "deleteMany" | "remove"]
            if matches!(call.args.first(), Some(Some(Val::Map(m))) if m.is_empty())
                || call.args.is_empty() =>
        {
            format!("DELETE FROM {collection}")
        }
        _ => return Vec::new(),
    };
    vec![Op::Statement {
        words: statement.split_whitespace().map(String::from).collect(),
        at: call.at.clone(),
    }]
}
