//! Code an interpreter runs, analysed as the language it is: Python, JavaScript (node, deno,
//! bun, mongosh) and Ruby through their tree-sitter grammars, Perl, PHP, awk and Lua through a
//! token scanner, SQL (psql, mysql, sqlite3…) and redis commands through their own small
//! lexers.
//!
//! Analysis looks for calls, not for words: `os.system("rm -rf ~")` runs a shell command,
//! `shutil.rmtree(p)` deletes a tree, `conn.execute("DROP TABLE t")` runs SQL, while
//! `print("rm -rf /")` only prints (and what it prints is known, for `| sh`). Arguments are
//! evaluated when they are literals or built from literals on the same line (concatenation,
//! `os.path.join`, `Path.home()`, base64 literals decoded); an argument ctx cannot evaluate
//! leaves the call without a target.

mod javascript;
mod python;
mod ruby;
mod sql;
mod tokens;

use tree_sitter::Parser;

/// A language ctx can analyse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::shell) enum Language {
    Python,
    JavaScript,
    Ruby,
    Perl,
    Php,
    Awk,
    Lua,
    Sql,
    Redis,
}

/// Where an interpreter takes its code from.
pub(in crate::shell) enum Source {
    /// An argument (`-c CODE`), with the flag that gave it.
    Inline { code: String, flag: String },
    /// Standard input.
    Stdin,
    /// A script file.
    File(String),
}

/// What analysed code does.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::shell) enum Op {
    /// Runs a command line through a shell.
    Shell { command: String, at: String },
    /// Runs a program with these arguments, without a shell.
    Exec { argv: Vec<String>, at: String },
    /// Deletes a path (a whole tree when `recursive`).
    Delete {
        path: String,
        recursive: bool,
        at: String,
    },
    /// Writes (or appends to) a file.
    Write {
        path: String,
        append: bool,
        at: String,
    },
    /// Runs one SQL statement: its words, string literals blanked.
    Statement { words: Vec<String>, at: String },
    /// Prints known text.
    Print(String),
    /// Prints something ctx cannot know.
    UnknownPrint,
}

/// Parsers for the tree-sitter languages, made on first use.
#[derive(Default)]
pub(in crate::shell) struct Parsers {
    python: Option<Parser>,
    javascript: Option<Parser>,
    ruby: Option<Parser>,
    /// Nesting of `eval`/`exec` of literal code.
    depth: usize,
    /// Work done so far: the parsers' input reads, nodes walked, name-resolution steps
    /// (see [`crate::shell`]'s work bounds).
    pub(in crate::shell) work: usize,
}

/// `eval("…")` inside analysed code is analysed to this depth.
const MAX_EVAL_DEPTH: usize = 4;

/// How deep the name of a callee is followed (`a.b(…).c(…)`, `x.y.z`): a deeper chain
/// stands for an object ctx cannot name. Naming each call of a chain of n calls would
/// otherwise cost n steps each, n² in all, on a stack n frames deep (a fuzzed `node -e`
/// with a chain of 1,950 calls took 2 s and overflowed a 2 MiB stack); the names ctx knows
/// have at most four parts.
const MAX_NAME_DEPTH: usize = 32;

/// The nesting of a recursive name resolution, and the steps it took (see
/// [`MAX_NAME_DEPTH`]).
#[derive(Debug, Default)]
struct Nesting {
    level: std::cell::Cell<usize>,
    steps: std::cell::Cell<usize>,
}

impl Nesting {
    /// Enters one level: `None` past [`MAX_NAME_DEPTH`]; the level is left when the guard
    /// drops.
    fn enter(&self) -> Option<Level<'_>> {
        self.steps.set(self.steps.get() + 1);
        if self.level.get() >= MAX_NAME_DEPTH {
            return None;
        }
        self.level.set(self.level.get() + 1);
        Some(Level(self))
    }
}

/// One level of a [`Nesting`], left on drop.
struct Level<'n>(&'n Nesting);

impl Drop for Level<'_> {
    fn drop(&mut self) {
        self.0.level.set(self.0.level.get() - 1);
    }
}

/// The named nodes of the tree under `root` in pre-order (as a recursive walk visits them),
/// without recursion: trees of untrusted code can be thousands of levels deep.
fn preorder(root: tree_sitter::Node<'_>) -> Vec<tree_sitter::Node<'_>> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        out.push(node);
        let mut cursor = node.walk();
        let children: Vec<_> = node.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

impl Parsers {
    /// Parses `code` in `language` within the parse work bound (`None` past it, or when
    /// the grammar cannot be loaded); the reads count as work.
    fn parse(&mut self, language: Language, code: &str) -> Option<tree_sitter::Tree> {
        let mut reads = 0;
        let tree = super::parse_bounded(self.get(language)?, code, &mut reads);
        self.work += reads;
        tree
    }

    fn get(&mut self, language: Language) -> Option<&mut Parser> {
        let (slot, grammar): (&mut Option<Parser>, tree_sitter::Language) = match language {
            Language::Python => (&mut self.python, tree_sitter_python::LANGUAGE.into()),
            Language::JavaScript => (
                &mut self.javascript,
                tree_sitter_javascript::LANGUAGE.into(),
            ),
            Language::Ruby => (&mut self.ruby, tree_sitter_ruby::LANGUAGE.into()),
            _ => return None,
        };
        if slot.is_none() {
            let mut parser = Parser::new();
            parser.set_language(&grammar).ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()
    }
}

/// Analyses `code` written in `language`.
pub(in crate::shell) fn analyse(language: Language, code: &str, parsers: &mut Parsers) -> Vec<Op> {
    if parsers.depth > MAX_EVAL_DEPTH {
        return Vec::new();
    }
    parsers.depth += 1;
    let ops = match language {
        Language::Python => python::analyse(code, parsers),
        Language::JavaScript => javascript::analyse(code, parsers),
        Language::Ruby => ruby::analyse(code, parsers),
        Language::Perl | Language::Php | Language::Awk | Language::Lua => {
            tokens::analyse(language, code)
        }
        Language::Sql => sql::statements(code),
        Language::Redis => sql::redis_commands(code),
    };
    parsers.depth -= 1;
    ops
}

/// The language of a script file this command line wrote, from its name or `#!` line;
/// `None` for shell scripts.
pub(in crate::shell) fn language_of_script(path: &str, content: &str) -> Option<Language> {
    let shebang = content
        .lines()
        .next()
        .filter(|l| l.starts_with("#!"))
        .unwrap_or("");
    let by_shebang = [
        ("python", Language::Python),
        ("node", Language::JavaScript),
        ("deno", Language::JavaScript),
        ("bun", Language::JavaScript),
        ("ruby", Language::Ruby),
        ("perl", Language::Perl),
        ("php", Language::Php),
        ("awk", Language::Awk),
        ("lua", Language::Lua),
    ];
    if let Some((_, language)) = by_shebang.iter().find(|(name, _)| shebang.contains(name)) {
        return Some(*language);
    }
    let extension = path.rsplit('.').next().unwrap_or("");
    match extension {
        "py" => Some(Language::Python),
        "js" | "mjs" | "cjs" | "ts" | "mts" => Some(Language::JavaScript),
        "rb" => Some(Language::Ruby),
        "pl" | "pm" => Some(Language::Perl),
        "php" => Some(Language::Php),
        "awk" => Some(Language::Awk),
        "lua" => Some(Language::Lua),
        "sql" => Some(Language::Sql),
        _ => None,
    }
}

/// The language `program` runs and where its code comes from; `None` for other programs.
pub(in crate::shell) fn code_of(program: &str, args: &[String]) -> Option<(Language, Vec<Source>)> {
    let language = interpreter_language(program)?;
    let spec = OPTION_SPECS
        .iter()
        .find(|s| s.program_matches(program))
        .copied()
        .unwrap_or(OptionSpec::NONE);
    Some((language, spec.sources(args)))
}

fn interpreter_language(program: &str) -> Option<Language> {
    let is_versioned = |base: &str| {
        program == base
            || program
                .strip_prefix(base)
                .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    };
    if is_versioned("python") || is_versioned("pypy") {
        return Some(Language::Python);
    }
    Some(match program {
        "node" | "nodejs" | "deno" | "bun" | "mongosh" | "mongo" => Language::JavaScript,
        "ruby" | "jruby" => Language::Ruby,
        "perl" => Language::Perl,
        "php" => Language::Php,
        "awk" | "gawk" | "mawk" | "nawk" | "busybox-awk" => Language::Awk,
        "lua" | "luajit" => Language::Lua,
        "psql" | "mysql" | "mariadb" | "sqlite3" | "sqlite" | "duckdb" | "clickhouse-client"
        | "clickhouse" | "cockroach" | "sqlcmd" | "cqlsh" | "snowsql" | "bq" | "trino"
        | "presto" | "vsql" | "isql" | "sqlplus" | "mycli" | "pgcli" | "litecli" => Language::Sql,
        "redis-cli" | "valkey-cli" | "keydb-cli" => Language::Redis,
        _ => return None,
    })
}

/// How a program's options give it code: flags whose value is code, flags that take some
/// other value, and whether a first operand is a script (or a database, or the code itself).
#[derive(Clone, Copy)]
struct OptionSpec {
    programs: &'static [&'static str],
    /// Flags whose value is code (`-c`, `-e`, `--eval`); a short one may end a bundle.
    code: &'static [&'static str],
    /// Flags whose value is a script file (`-f`, `--file`).
    file: &'static [&'static str],
    /// Other flags that take a value.
    valued: &'static [&'static str],
    /// A subcommand that takes code as its next operand (`deno eval CODE`).
    code_subcommand: Option<&'static str>,
    /// What the first operand is.
    first_operand: Operand,
    /// Flags after which the program reads no script at all (`python -m`, `node --version`).
    no_script: &'static [&'static str],
}

#[derive(Clone, Copy, PartialEq)]
enum Operand {
    /// A script file; with no operand the code comes from stdin.
    Script,
    /// Code itself (awk's program).
    Code,
    /// A database; SQL may follow as the next operand (sqlite3, duckdb).
    DatabaseThenCode,
    /// A database or connection; the code comes from stdin or flags only.
    Database,
    /// The redis command itself, as words; with none, commands come from stdin.
    Command,
    /// Code only from flags or the code subcommand (`deno eval`, `bun -e`).
    Nothing,
}

impl OptionSpec {
    const NONE: OptionSpec = OptionSpec {
        programs: &[],
        code: &[],
        file: &[],
        valued: &[],
        code_subcommand: None,
        first_operand: Operand::Script,
        no_script: &[],
    };

    fn program_matches(&self, program: &str) -> bool {
        self.programs.iter().any(|p| {
            *p == program
                || program.strip_prefix(p).is_some_and(|v| {
                    !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.')
                })
        })
    }

    fn sources(&self, args: &[String]) -> Vec<Source> {
        let mut sources = Vec::new();
        let mut operands = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let arg = args[i].as_str();
            if arg == "--" {
                operands.extend(args[i + 1..].iter().cloned());
                break;
            }
            if self.no_script.contains(&arg) {
                return sources;
            }
            if let Some((kind, value, used)) = self.flag_value(args, i) {
                match kind {
                    FlagKind::Code(flag) => sources.push(Source::Inline { code: value, flag }),
                    FlagKind::File => sources.push(Source::File(value)),
                    FlagKind::Other => {}
                }
                i += used;
                continue;
            }
            if !(arg.starts_with('-') && arg.len() > 1) {
                operands.push(arg.to_string());
            }
            i += 1;
        }
        if let Some(sub) = self.code_subcommand {
            if operands.first().is_some_and(|o| o == sub) {
                if let Some(code) = operands.get(1) {
                    sources.push(Source::Inline {
                        code: code.clone(),
                        flag: sub.into(),
                    });
                }
                return sources;
            }
        }
        if !sources.is_empty() && self.first_operand != Operand::DatabaseThenCode {
            return sources;
        }
        match self.first_operand {
            Operand::Script => match operands.first() {
                Some(path) if path != "-" => sources.push(Source::File(path.clone())),
                _ => sources.push(Source::Stdin),
            },
            Operand::Code => {
                if let Some(code) = operands.first() {
                    sources.push(Source::Inline {
                        code: code.clone(),
                        flag: "program".into(),
                    });
                }
            }
            Operand::DatabaseThenCode => {
                for code in operands.iter().skip(1) {
                    sources.push(Source::Inline {
                        code: code.clone(),
                        flag: "SQL".into(),
                    });
                }
                if sources.is_empty() {
                    sources.push(Source::Stdin);
                }
            }
            Operand::Database => sources.push(Source::Stdin),
            Operand::Command => {
                if operands.is_empty() {
                    sources.push(Source::Stdin);
                }
            }
            Operand::Nothing => {}
        }
        sources
    }

    /// The flag at `args[i]`: its kind, its value and how many words it took.
    fn flag_value(&self, args: &[String], i: usize) -> Option<(FlagKind, String, usize)> {
        let arg = args[i].as_str();
        let groups: [(&[&str], u8); 3] = [(self.code, 0), (self.file, 1), (self.valued, 2)];
        for (flags, group) in groups {
            for flag in flags {
                let kind = match group {
                    0 => FlagKind::Code((*flag).to_string()),
                    1 => FlagKind::File,
                    _ => FlagKind::Other,
                };
                if arg == *flag {
                    return Some((kind, args.get(i + 1)?.clone(), 2));
                }
                if flag.starts_with("--") || flag.len() != 2 {
                    if let Some(v) = arg.strip_prefix(*flag).and_then(|r| r.strip_prefix('=')) {
                        return Some((kind, v.to_string(), 1));
                    }
                    continue;
                }
                if arg.starts_with("--") || !arg.starts_with('-') || arg.len() <= 2 {
                    continue;
                }
                let letter = flag[1..].chars().next()?;
                let letters = &arg[1..];
                // `-Bc CODE`, `-pie CODE`: the flag ends a bundle of letters.
                if letters.ends_with(letter) && letters.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Some((kind, args.get(i + 1)?.clone(), 2));
                }
                // `-eCODE`, `-MFile::Path`: the value glued to the flag.
                if let Some(value) = letters.strip_prefix(letter) {
                    return Some((kind, value.to_string(), 1));
                }
            }
        }
        None
    }
}

enum FlagKind {
    Code(String),
    File,
    Other,
}

const OPTION_SPECS: &[OptionSpec] = &[
    OptionSpec {
        programs: &["python", "pypy"],
        code: &["-c"],
        file: &[],
        valued: &["-W", "-X", "-Q"],
        code_subcommand: None,
        first_operand: Operand::Script,
        no_script: &["-m", "--version", "-V", "--help", "-h"],
    },
    OptionSpec {
        programs: &["node", "nodejs"],
        code: &["-e", "--eval", "-p", "--print"],
        file: &[],
        valued: &[
            "-r",
            "--require",
            "--import",
            "--loader",
            "--input-type",
            "-C",
            "--conditions",
        ],
        code_subcommand: None,
        first_operand: Operand::Script,
        no_script: &["--version", "-v", "--help", "-h", "--test"],
    },
    OptionSpec {
        programs: &["deno"],
        code: &[],
        file: &[],
        valued: &[
            "--allow-read",
            "--allow-write",
            "--allow-run",
            "--allow-net",
            "--config",
            "-c",
        ],
        code_subcommand: Some("eval"),
        first_operand: Operand::Nothing,
        no_script: &["--version", "-V", "--help", "-h"],
    },
    OptionSpec {
        programs: &["bun"],
        code: &["-e", "--eval", "-p", "--print"],
        file: &[],
        valued: &["--cwd", "--config", "-c"],
        code_subcommand: None,
        first_operand: Operand::Nothing,
        no_script: &["--version", "-v", "--help", "-h"],
    },
    OptionSpec {
        programs: &["mongosh", "mongo"],
        code: &["--eval"],
        file: &["-f", "--file"],
        valued: &[
            "--host",
            "--port",
            "-u",
            "--username",
            "-p",
            "--password",
            "--authenticationDatabase",
            "--tls",
            "--quiet",
        ],
        code_subcommand: None,
        first_operand: Operand::Database,
        no_script: &["--version", "--help", "-h"],
    },
    OptionSpec {
        programs: &["ruby", "jruby"],
        code: &["-e"],
        file: &[],
        valued: &["-r", "-I", "-C", "-E", "-x", "-F"],
        code_subcommand: None,
        first_operand: Operand::Script,
        no_script: &["--version", "-v", "--help", "-h"],
    },
    OptionSpec {
        programs: &["perl"],
        code: &["-e", "-E"],
        file: &[],
        valued: &[
            "-M", "-m", "-I", "-x", "-i", "-l", "-0", "-F", "-C", "-d", "-D",
        ],
        code_subcommand: None,
        first_operand: Operand::Script,
        no_script: &["--version", "-v", "--help", "-h"],
    },
    OptionSpec {
        programs: &["php"],
        code: &["-r", "-R", "-B", "-E"],
        file: &["-f"],
        valued: &["-d", "-c", "-z"],
        code_subcommand: None,
        first_operand: Operand::Script,
        no_script: &["--version", "-v", "--help", "-h", "-m", "-i", "-l", "-S"],
    },
    OptionSpec {
        programs: &["awk", "gawk", "mawk", "nawk", "busybox-awk"],
        code: &["-e", "--source"],
        file: &["-f", "--file"],
        valued: &["-F", "-v", "--field-separator", "--assign"],
        code_subcommand: None,
        first_operand: Operand::Code,
        no_script: &["--version", "--help"],
    },
    OptionSpec {
        programs: &["lua", "luajit"],
        code: &["-e"],
        file: &[],
        valued: &["-l"],
        code_subcommand: None,
        first_operand: Operand::Script,
        no_script: &["-v"],
    },
    OptionSpec {
        programs: &["psql", "pgcli"],
        code: &["-c", "--command"],
        file: &["-f", "--file"],
        valued: &[
            "-d",
            "--dbname",
            "-U",
            "--username",
            "-h",
            "--host",
            "-p",
            "--port",
            "-v",
            "--set",
            "--variable",
            "-o",
            "--output",
            "-P",
            "--pset",
            "-F",
            "--field-separator",
            "-R",
            "--record-separator",
            "-T",
            "--table-attr",
            "-L",
            "--log-file",
        ],
        code_subcommand: None,
        first_operand: Operand::Database,
        no_script: &["--version", "-V", "--help", "-l", "--list"],
    },
    OptionSpec {
        programs: &["mysql", "mariadb", "mycli"],
        code: &["-e", "--execute"],
        file: &[],
        valued: &[
            "-u",
            "--user",
            "-h",
            "--host",
            "-P",
            "--port",
            "-D",
            "--database",
            "-S",
            "--socket",
            "--default-character-set",
            "--defaults-file",
        ],
        code_subcommand: None,
        first_operand: Operand::Database,
        no_script: &["--version", "-V", "--help"],
    },
    OptionSpec {
        programs: &["sqlite3", "sqlite", "duckdb", "litecli"],
        code: &["-cmd", "-c"],
        file: &["-init"],
        valued: &["-separator", "-newline", "-nullvalue", "-mode"],
        code_subcommand: None,
        first_operand: Operand::DatabaseThenCode,
        no_script: &["-version", "--version", "-help", "--help"],
    },
    OptionSpec {
        programs: &["clickhouse-client", "clickhouse"],
        code: &["-q", "--query"],
        file: &["--queries-file"],
        valued: &[
            "-h",
            "--host",
            "--port",
            "-u",
            "--user",
            "-d",
            "--database",
            "--password",
            "-f",
            "--format",
        ],
        code_subcommand: None,
        first_operand: Operand::Database,
        no_script: &["--version", "-V", "--help"],
    },
    OptionSpec {
        programs: &[
            "cockroach",
            "trino",
            "presto",
            "snowsql",
            "vsql",
            "cqlsh",
            "sqlcmd",
        ],
        code: &["-e", "--execute", "-q", "--query", "-Q"],
        file: &["-f", "--file", "-i"],
        valued: &[
            "--url",
            "--host",
            "-u",
            "--user",
            "-d",
            "--database",
            "-S",
            "-U",
            "-P",
            "--server",
            "--catalog",
            "--schema",
        ],
        code_subcommand: None,
        first_operand: Operand::Database,
        no_script: &["--version", "--help"],
    },
    OptionSpec {
        programs: &["redis-cli", "valkey-cli", "keydb-cli"],
        code: &[],
        file: &[],
        valued: &[
            "-h", "-p", "-a", "-n", "-u", "-s", "-r", "-i", "--user", "--pass", "--cacert",
            "--eval",
        ],
        code_subcommand: None,
        first_operand: Operand::Command,
        no_script: &["--version", "-v", "--help"],
    },
];

/// A value computed from analysed code.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    Str(String),
    List(Vec<String>),
    Bool(bool),
    /// Object/dict/hash/keyword options: name → value.
    Map(Vec<(String, Val)>),
}

impl Val {
    fn str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    fn truthy(&self, key: &str) -> bool {
        match self {
            Val::Map(entries) => entries
                .iter()
                .any(|(k, v)| k == key && matches!(v, Val::Bool(true))),
            _ => false,
        }
    }
}

/// One call found in analysed code, its callee normalised (`shutil.rmtree`,
/// `child_process.execSync`, `pathlib.Path.unlink`).
#[derive(Debug)]
pub(super) struct Call {
    pub callee: String,
    /// Positional arguments, `None` where ctx cannot evaluate one.
    pub args: Vec<Option<Val>>,
    /// Keyword arguments (`shell=True`).
    pub kwargs: Vec<(String, Option<Val>)>,
    /// The object a method is called on, when it is a path (`Path(p).unlink()`).
    pub receiver: Option<Val>,
    /// The call's source, shortened, for evidence.
    pub at: String,
}

impl Call {
    fn arg_str(&self, i: usize) -> Option<String> {
        self.args.get(i)?.as_ref()?.str().map(str::to_string)
    }

    fn kwarg(&self, name: &str) -> Option<&Val> {
        self.kwargs
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_ref())
    }

    fn path_arg(&self, i: usize) -> Option<String> {
        match &self.receiver {
            Some(Val::Str(p)) if i == usize::MAX => Some(p.clone()),
            _ => self.arg_str(i),
        }
    }
}

/// What a call does to the outside world, by kind.
#[derive(Clone, Copy)]
enum Effect {
    /// Runs argument `i` through a shell.
    Shell(usize),
    /// Python's `subprocess.*`: a list runs as argv, a string through a shell with `shell=True`.
    Subprocess,
    /// Ruby's `system`, Perl's `system`: a list runs as argv, a string through a shell.
    ShellOrArgv,
    /// Runs the list at argument `i` as argv.
    ExecList(usize),
    /// Runs arguments `i..` as argv.
    ExecArgs(usize),
    /// Runs argument 0 with the list at argument 1 as its arguments (`spawn(cmd, args)`).
    ExecCmdList,
    /// Deletes the path at argument `i` (`usize::MAX`: the receiver) recursively.
    DeleteTree(usize),
    /// Deletes the path at argument `i`; recursively when the options at argument `i + 1`
    /// say `recursive: true`.
    DeleteMaybeTree(usize),
    /// Deletes the path at argument `i` (`usize::MAX`: the receiver).
    Delete(usize),
    /// Writes the path at argument `i` (`usize::MAX`: the receiver).
    Write(usize),
    /// `open(path, mode)`: a write when the mode writes.
    Open,
    /// Runs argument 0 as code of the same language.
    Eval,
    /// Runs argument 0 as SQL.
    Sql,
    /// Prints its arguments.
    Print,
}

/// Maps calls to operations through a table of callee names (a leading `.` matches any
/// object: `.execute`).
fn call_ops(
    call: &Call,
    table: &[(&str, Effect)],
    language: Language,
    parsers: &mut Parsers,
) -> Vec<Op> {
    let Some((_, effect)) = table.iter().find(|(name, _)| {
        *name == call.callee
            || (name.starts_with('.')
                && call.callee.ends_with(name)
                && call.callee.len() > name.len())
    }) else {
        return Vec::new();
    };
    let at = call.at.clone();
    match *effect {
        Effect::Shell(i) => call
            .arg_str(i)
            .map(|command| vec![Op::Shell { command, at }])
            .unwrap_or_default(),
        Effect::Subprocess => match call.args.first() {
            Some(Some(Val::List(argv))) => vec![Op::Exec {
                argv: argv.clone(),
                at,
            }],
            Some(Some(Val::Str(command))) => {
                if call.kwarg("shell") == Some(&Val::Bool(true)) {
                    vec![Op::Shell {
                        command: command.clone(),
                        at,
                    }]
                } else {
                    vec![Op::Exec {
                        argv: vec![command.clone()],
                        at,
                    }]
                }
            }
            _ => Vec::new(),
        },
        Effect::ShellOrArgv => match call.args.as_slice() {
            [Some(Val::List(argv)), ..] => vec![Op::Exec {
                argv: argv.clone(),
                at,
            }],
            [Some(Val::Str(command))] => vec![Op::Shell {
                command: command.clone(),
                at,
            }],
            words => {
                let argv: Option<Vec<String>> = words
                    .iter()
                    .map(|w| w.as_ref().and_then(|v| v.str().map(str::to_string)))
                    .collect();
                argv.filter(|a| !a.is_empty())
                    .map(|argv| vec![Op::Exec { argv, at }])
                    .unwrap_or_default()
            }
        },
        Effect::ExecList(i) => match call.args.get(i) {
            Some(Some(Val::List(argv))) => vec![Op::Exec {
                argv: argv.clone(),
                at,
            }],
            Some(Some(Val::Str(command))) => vec![Op::Exec {
                argv: vec![command.clone()],
                at,
            }],
            _ => Vec::new(),
        },
        Effect::ExecArgs(from) => {
            let argv: Option<Vec<String>> = call
                .args
                .iter()
                .skip(from)
                .map(|a| a.as_ref().and_then(|v| v.str().map(str::to_string)))
                .collect();
            argv.filter(|a| !a.is_empty())
                .map(|argv| vec![Op::Exec { argv, at }])
                .unwrap_or_default()
        }
        Effect::ExecCmdList => {
            let Some(command) = call.arg_str(0) else {
                return Vec::new();
            };
            let rest = match call.args.get(1) {
                Some(Some(Val::List(items))) => items.clone(),
                _ => Vec::new(),
            };
            let shell = call.args.iter().flatten().any(|v| v.truthy("shell"));
            if shell {
                let mut line = command;
                for word in rest {
                    line.push(' ');
                    line.push_str(&word);
                }
                return vec![Op::Shell { command: line, at }];
            }
            let mut argv = vec![command];
            argv.extend(rest);
            vec![Op::Exec { argv, at }]
        }
        Effect::DeleteTree(i) => delete(call, i, true, at),
        Effect::DeleteMaybeTree(i) => {
            let recursive = call
                .args
                .get(i + 1)
                .and_then(|o| o.as_ref())
                .is_some_and(|o| o.truthy("recursive"));
            delete(call, i, recursive, at)
        }
        Effect::Delete(i) => delete(call, i, false, at),
        Effect::Write(i) => call
            .path_arg(i)
            .map(|path| {
                vec![Op::Write {
                    path,
                    append: false,
                    at,
                }]
            })
            .unwrap_or_default(),
        Effect::Open => {
            let mode = call
                .arg_str(1)
                .or_else(|| call.kwarg("mode").and_then(|m| m.str().map(str::to_string)))
                .unwrap_or_default();
            if !mode.contains(['w', 'a', 'x', '+']) {
                return Vec::new();
            }
            call.arg_str(0)
                .map(|path| {
                    vec![Op::Write {
                        path,
                        append: mode.contains('a'),
                        at,
                    }]
                })
                .unwrap_or_default()
        }
        Effect::Eval => call
            .arg_str(0)
            .map(|code| analyse(language, &code, parsers))
            .unwrap_or_default(),
        Effect::Sql => call
            .arg_str(0)
            .map(|code| sql::statements(&code))
            .unwrap_or_default(),
        Effect::Print => {
            let parts: Option<Vec<String>> = call
                .args
                .iter()
                .map(|a| a.as_ref().and_then(|v| v.str().map(str::to_string)))
                .collect();
            match parts {
                Some(parts) => {
                    let newline =
                        !call.callee.ends_with("write") && !call.callee.ends_with("print_r");
                    let mut text = parts.join(" ");
                    if newline {
                        text.push('\n');
                    }
                    vec![Op::Print(text)]
                }
                None => vec![Op::UnknownPrint],
            }
        }
    }
}

fn delete(call: &Call, i: usize, recursive: bool, at: String) -> Vec<Op> {
    call.path_arg(i)
        .map(|path| {
            vec![Op::Delete {
                path,
                recursive,
                at,
            }]
        })
        .unwrap_or_default()
}

/// A call's source for evidence: one line, at most 120 characters.
pub(super) fn excerpt(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 120 {
        line.chars().take(117).collect::<String>() + "..."
    } else {
        line
    }
}

/// Joins path parts as `os.path.join` / `path.join` do (an absolute part restarts).
pub(super) fn join_paths(parts: &[String]) -> String {
    let mut out = String::new();
    for part in parts {
        if part.starts_with('/') || out.is_empty() {
            out = part.clone();
        } else {
            if !out.ends_with('/') {
                out.push('/');
            }
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests;
