//! Running one simple command: aliases and functions first, then wrappers, then the program
//! with its file effects, the shell state it changes (`cd`, `read`, `set --`, `alias`, `ln
//! -s`), the scripts it runs in turn (`find -exec`, `git -c alias.x=!…`, `trap`), the code it
//! interprets, and what it prints.

use super::equivalents::{self, Deletion};
use super::interp::{self, Op};
use super::output::{self, output_of};
use super::wrappers::{self, program_name, Step};
use super::{effects, Frame, Out, Stdin, Value, Walker, MAX_LOOP_VALUES};
use ctx_engine::check::{FileEffect, FileOp, Invocation};

impl Walker {
    /// Unwraps aliases, functions and wrappers, records the invocation that runs and returns
    /// its output.
    pub(super) fn run(
        &mut self,
        mut words: Vec<String>,
        raw: String,
        frame: &mut Frame,
        stdin: Stdin,
    ) -> Out {
        let mut wrapped = frame.clone();
        loop {
            let Some(first) = words.first().cloned() else {
                return Out::Known(String::new());
            };
            if let Some(out) = self.alias_or_function(&first, &words, &wrapped, &stdin) {
                return out;
            }
            match wrappers::step(&words) {
                Step::Program | Step::LookupOnly => break,
                Step::Wrapper { name, rest } if name == "xargs" => {
                    return self.xargs(&words, rest, raw, &mut wrapped, stdin);
                }
                Step::Wrapper { name, rest } => {
                    wrapped.wrappers.push(name);
                    words.drain(..rest);
                }
                Step::Script { name, script, args } => {
                    // A script ctx cannot read in full (`sh -c "$(curl …)"`) is recorded as
                    // run by its shell too, so rules on what feeds a shell see it.
                    if script.contains("$(") || script.contains('`') || script.contains("<(") {
                        self.push_invocation(&words, &raw, &wrapped, &stdin);
                    }
                    return self.nested(&script, &wrapped, name, &stdin, args);
                }
                Step::ScriptFile { name, path, args } => {
                    self.push_invocation(&words, &raw, &wrapped, &stdin);
                    self.run_script_file(&path, &wrapped, name, &stdin, Some(args));
                    return Out::Unknown;
                }
                Step::ShellStdin => {
                    self.push_invocation(&words, &raw, &wrapped, &stdin);
                    if let Some(text) = stdin.text().map(str::to_string) {
                        let name = format!("{} <stdin>", program_name(&words[0]));
                        self.nested(&text, &wrapped, name, &Stdin::None, None);
                    }
                    return Out::Unknown;
                }
            }
        }
        self.program(words, raw, frame, wrapped, stdin)
    }

    /// Runs an alias or a function defined earlier on the line.
    fn alias_or_function(
        &mut self,
        first: &str,
        words: &[String],
        frame: &Frame,
        stdin: &Stdin,
    ) -> Option<Out> {
        if let Some(value) = self.aliases.get(first).cloned() {
            if !self.expanding.iter().any(|e| e == first) {
                let mut script = value;
                for word in &words[1..] {
                    script.push(' ');
                    script.push_str(&shell_quote(word));
                }
                self.expanding.push(first.to_string());
                let out = self.nested(&script, frame, format!("alias {first}"), stdin, None);
                self.expanding.pop();
                return Some(out);
            }
        }
        let body = self.functions.get(first).cloned()?;
        self.called.insert(first.to_string());
        Some(self.nested(
            &body,
            frame,
            format!("function {first}"),
            stdin,
            Some(words.to_vec()),
        ))
    }

    /// The program itself, once every wrapper is gone.
    fn program(
        &mut self,
        words: Vec<String>,
        raw: String,
        frame: &mut Frame,
        wrapped: Frame,
        stdin: Stdin,
    ) -> Out {
        let program = program_name(&words[0]);
        let args = &words[1..];
        if let Some(out) = self.shell_state(&program, args, frame, &stdin) {
            self.push_invocation(&words, &raw, &wrapped, &stdin);
            return out;
        }
        self.push_invocation(&words, &raw, &wrapped, &stdin);
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
            self.run_script_file(
                &words[0],
                &wrapped,
                "exec".into(),
                &stdin,
                Some(words.clone()),
            );
        }
        self.embedded_scripts(&program, args, &wrapped, &raw);
        for deletion in equivalents::deletions(&program, args, &wrapped) {
            self.record_deletion(deletion, &raw, &wrapped);
        }
        if let Some(out) = self.interpret(&program, args, &wrapped, &stdin) {
            return out;
        }
        let written = |path: &str| self.known_file(path, &wrapped);
        output_of(&program, args, &stdin, &wrapped, &written)
    }

    pub(super) fn push_invocation(
        &mut self,
        words: &[String],
        raw: &str,
        frame: &Frame,
        stdin: &Stdin,
    ) {
        let program = program_name(&words[0]);
        let args =
            equivalents::inline_commit_message(&program, &words[1..], |source| match source {
                "-" => stdin.text().map(str::to_string),
                path => self.known_file(path, frame),
            });
        self.facts.invocations.push(Invocation {
            args: args.unwrap_or_else(|| words[1..].to_vec()),
            program,
            raw: raw.to_string(),
            wrappers: frame.wrappers.clone(),
            piped_input: stdin.is_piped(),
            cwd: Some(frame.cwd_text()),
            from_code: frame.in_code,
            background: false,
        });
    }

    /// A script file run by a shell or `source`: one this command line wrote, a process
    /// substitution (`bash <(…)`), or standard input (`bash /dev/stdin`).
    fn run_script_file(
        &mut self,
        path: &str,
        frame: &Frame,
        wrapper: String,
        stdin: &Stdin,
        args: Option<Vec<String>>,
    ) {
        let content = if matches!(path, "/dev/stdin" | "-" | "/proc/self/fd/0") {
            stdin.text().map(str::to_string)
        } else {
            self.known_file(path, frame)
        };
        if let Some(content) = content {
            let language = interp::language_of_script(path, &content);
            match language {
                Some(language) => {
                    let ops = interp::analyse(language, &content, &mut self.interpreters);
                    let label = format!("{wrapper} {path}");
                    self.apply_ops(ops, frame, &label);
                }
                None => {
                    self.nested(
                        &content,
                        frame,
                        format!("{wrapper} {path}"),
                        &Stdin::None,
                        args,
                    );
                }
            }
        }
    }

    /// `xargs [options] CMD ARGS`: CMD runs with the words its input carries appended (or put
    /// in place of the `-I` replace string, once per line).
    fn xargs(
        &mut self,
        words: &[String],
        rest: usize,
        raw: String,
        frame: &mut Frame,
        stdin: Stdin,
    ) -> Out {
        let options = &words[1..rest];
        let mut command: Vec<String> = words[rest..].to_vec();
        if command.is_empty() {
            command.push("echo".into());
        }
        let replace = xargs_replace(options);
        let null = options.iter().any(|o| o == "-0" || o == "--null");
        let from_file = options
            .iter()
            .any(|o| o == "-a" || o.starts_with("--arg-file"));
        let items: Vec<String> = match (&stdin, from_file) {
            (_, true) => Vec::new(),
            (Stdin::Piped(Out::Paths(paths)), _) => paths.clone(),
            _ => match stdin.text() {
                Some(text) if replace.is_some() => text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect(),
                Some(text) if null => text
                    .split('\0')
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect(),
                Some(text) => text.split_whitespace().map(String::from).collect(),
                None => Vec::new(),
            },
        };
        frame.wrappers.push("xargs".into());
        match replace {
            Some(token) if !items.is_empty() => {
                for item in items.into_iter().take(MAX_LOOP_VALUES) {
                    let line: Vec<String> =
                        command.iter().map(|w| w.replace(&token, &item)).collect();
                    self.run(line, raw.clone(), frame, stdin.clone());
                }
                Out::Unknown
            }
            _ => {
                command.extend(items.into_iter().take(64));
                self.run(command, raw, frame, stdin)
            }
        }
    }

    /// Builtins that change the shell's state rather than run a program: `cd`, `pushd`,
    /// `popd`, `read`, `set --`, `alias`, `unalias`, `printf -v`, `ln -s`.
    fn shell_state(
        &mut self,
        program: &str,
        args: &[String],
        frame: &mut Frame,
        stdin: &Stdin,
    ) -> Option<Out> {
        match program {
            "cd" => {
                change_directory(frame, args);
                Some(Out::Known(String::new()))
            }
            "pushd" => {
                frame
                    .dir_stack
                    .push((frame.ctx.clone(), frame.unresolved_cwd.clone()));
                change_directory(frame, args);
                Some(Out::Unknown)
            }
            "popd" => {
                if let Some((ctx, unresolved)) = frame.dir_stack.pop() {
                    frame.ctx = ctx;
                    frame.unresolved_cwd = unresolved;
                }
                Some(Out::Unknown)
            }
            "read" => {
                read_into(frame, args, stdin);
                Some(Out::Known(String::new()))
            }
            "set" => {
                if let Some(i) = args.iter().position(|a| a == "--") {
                    let mut positional = vec!["bash".to_string()];
                    positional.extend(args[i + 1..].iter().cloned());
                    frame.positional = Some(positional);
                }
                None
            }
            "alias" => {
                for arg in args {
                    if let Some((name, value)) = arg.split_once('=') {
                        self.aliases.insert(name.to_string(), value.to_string());
                    }
                }
                Some(Out::Known(String::new()))
            }
            "unalias" => {
                for arg in args {
                    self.aliases.remove(arg);
                }
                Some(Out::Known(String::new()))
            }
            "printf" => {
                let i = args.iter().position(|a| a == "-v")?;
                let name = args.get(i + 1)?.clone();
                let mut rest: Vec<String> = args[..i].to_vec();
                rest.extend(args[i + 2..].iter().cloned());
                match output::printf(&rest) {
                    Some(value) => frame.vars.insert(name, Value::Scalar(value)),
                    None => frame.vars.remove(&name),
                };
                Some(Out::Known(String::new()))
            }
            "ln" => {
                if let Some((link, target)) = equivalents::symlink(args, frame) {
                    frame.links.push((link, target));
                }
                None
            }
            _ => None,
        }
    }

    /// Scripts a program runs in turn: `find -exec`, `fd -x`, `git -c alias.x=!…`, `git
    /// rebase --exec`, `git submodule foreach`, `parallel … ::: …`, `trap`.
    fn embedded_scripts(&mut self, program: &str, args: &[String], frame: &Frame, raw: &str) {
        match program {
            "find" => {
                let selection = output::find_selection(args);
                for (flag, command) in find_exec_commands(args) {
                    for target in &selection {
                        let line: Vec<String> =
                            command.iter().map(|w| w.replace("{}", target)).collect();
                        let mut inner = frame.clone();
                        inner.wrappers.push(format!("find {flag}"));
                        self.run(line, raw.to_string(), &mut inner, Stdin::None);
                    }
                }
            }
            "fd" | "fdfind" => {
                let selection = output::fd_listing(args);
                if let Some(i) = args
                    .iter()
                    .position(|a| matches!(a.as_str(), "-x" | "--exec" | "-X" | "--exec-batch"))
                {
                    let command: Vec<String> = args[i + 1..]
                        .iter()
                        .take_while(|a| *a != ";")
                        .cloned()
                        .collect();
                    for target in &selection {
                        let mut line: Vec<String> =
                            command.iter().map(|w| w.replace("{}", target)).collect();
                        if !command.iter().any(|w| w.contains("{}")) {
                            line.push(target.clone());
                        }
                        let mut inner = frame.clone();
                        inner.wrappers.push(format!("{program} -x"));
                        self.run(line, raw.to_string(), &mut inner, Stdin::None);
                    }
                }
            }
            "parallel" => {
                if let Some(i) = args.iter().position(|a| a == ":::") {
                    let command: Vec<String> = args[..i]
                        .iter()
                        .skip_while(|a| a.starts_with('-'))
                        .cloned()
                        .collect();
                    for item in args[i + 1..].iter().take(MAX_LOOP_VALUES) {
                        let mut line: Vec<String> =
                            command.iter().map(|w| w.replace("{}", item)).collect();
                        if !command.iter().any(|w| w.contains("{}")) {
                            line.push(item.clone());
                        }
                        let script = line.iter().map(|w| shell_quote(w)).collect::<Vec<_>>();
                        self.nested(
                            &script.join(" "),
                            frame,
                            "parallel".into(),
                            &Stdin::None,
                            None,
                        );
                    }
                }
            }
            _ => {
                for (name, script) in wrappers::embedded_scripts(program, args) {
                    self.nested(&script, frame, name, &Stdin::None, None);
                }
            }
        }
    }

    /// Code an interpreter runs (`python -c`, a heredoc into `node -`, SQL into `psql`):
    /// analysed as its language. Returns the program's output when it only prints known text.
    fn interpret(
        &mut self,
        program: &str,
        args: &[String],
        frame: &Frame,
        stdin: &Stdin,
    ) -> Option<Out> {
        let (language, sources) = interp::code_of(program, args)?;
        let mut ops = Vec::new();
        for source in sources {
            let (code, label) = match source {
                interp::Source::Inline { code, flag } => (Some(code), format!("{program} {flag}")),
                interp::Source::Stdin => (
                    stdin.text().map(str::to_string),
                    format!("{program} <stdin>"),
                ),
                interp::Source::File(path) => {
                    (self.known_file(&path, frame), format!("{program} {path}"))
                }
            };
            let Some(code) = code else { continue };
            ops.push((
                interp::analyse(language, &code, &mut self.interpreters),
                label,
            ));
        }
        let mut printed = Some(String::new());
        let mut any = false;
        for (ops, label) in ops {
            any = true;
            let out = self.apply_ops(ops, frame, &label);
            printed = match (printed, out) {
                (Some(a), Some(b)) => Some(a + &b),
                _ => None,
            };
        }
        if !any {
            return None;
        }
        Some(match printed {
            Some(text) if !text.is_empty() => Out::Known(text),
            _ => Out::Unknown,
        })
    }

    /// Applies what interpreted code does; returns what it prints when that is all known.
    fn apply_ops(&mut self, ops: Vec<Op>, frame: &Frame, label: &str) -> Option<String> {
        let mut code_frame = frame.clone();
        code_frame.in_code = true;
        let frame = &code_frame;
        let mut printed = Some(String::new());
        for op in ops {
            match op {
                Op::Shell { command, at } => {
                    self.nested(
                        &command,
                        frame,
                        format!("{label}: {at}"),
                        &Stdin::None,
                        None,
                    );
                }
                Op::Exec { argv, at } => {
                    if argv.is_empty() {
                        continue;
                    }
                    let mut inner = frame.clone();
                    inner.wrappers.push(format!("{label}: {at}"));
                    self.run(argv, at, &mut inner, Stdin::None);
                }
                Op::Delete {
                    path,
                    recursive,
                    at,
                } => {
                    let deletion = Deletion {
                        targets: vec![path],
                        recursive,
                        how: format!("{label}: {at}"),
                    };
                    self.record_deletion(deletion, &at, frame);
                }
                Op::Write { path, append, at } => {
                    let op = if append { FileOp::Edit } else { FileOp::Write };
                    self.facts.effects.push(FileEffect {
                        path: frame.ctx.normalize(&path),
                        op,
                        added: Vec::new(),
                        removed: Vec::new(),
                        via: format!("{label}: {at}"),
                    });
                }
                Op::Statement { words, at } => {
                    let mut wrappers = frame.wrappers.clone();
                    wrappers.push(label.to_string());
                    self.facts.invocations.push(Invocation {
                        program: "sql".into(),
                        args: words,
                        raw: at,
                        wrappers,
                        piped_input: false,
                        cwd: Some(frame.cwd_text()),
                        from_code: true,
                        background: false,
                    });
                }
                Op::Print(text) => {
                    if let Some(p) = printed.as_mut() {
                        p.push_str(&text);
                    }
                }
                Op::UnknownPrint => printed = None,
            }
        }
        printed
    }

    /// Records a deletion spelt otherwise as the `rm` it amounts to, and its file effects.
    pub(super) fn record_deletion(&mut self, deletion: Deletion, raw: &str, frame: &Frame) {
        let mut args = Vec::new();
        if deletion.recursive {
            args.push("-r".to_string());
        }
        args.push("-f".to_string());
        args.push("--".to_string());
        let targets: Vec<String> = deletion
            .targets
            .iter()
            .map(|t| equivalents::through_links(t, frame).unwrap_or_else(|| t.clone()))
            .collect();
        args.extend(targets.iter().cloned());
        let mut wrappers = frame.wrappers.clone();
        wrappers.push(deletion.how.clone());
        self.facts.invocations.push(Invocation {
            program: "rm".into(),
            args,
            raw: raw.to_string(),
            wrappers,
            piped_input: false,
            cwd: Some(frame.cwd_text()),
            from_code: frame.in_code,
            background: false,
        });
        for target in targets {
            self.facts.effects.push(FileEffect {
                path: frame.ctx.normalize(&target),
                op: FileOp::Delete,
                added: Vec::new(),
                removed: Vec::new(),
                via: deletion.how.clone(),
            });
        }
    }
}

/// The `-I R` / `-i` / `--replace=R` replace string of xargs.
fn xargs_replace(options: &[String]) -> Option<String> {
    let mut i = 0;
    while i < options.len() {
        let o = &options[i];
        if o == "-I" {
            return options.get(i + 1).cloned();
        }
        if let Some(r) = o.strip_prefix("-I") {
            return Some(r.to_string());
        }
        if o == "-i" || o == "--replace" {
            return Some("{}".into());
        }
        if let Some(r) = o
            .strip_prefix("--replace=")
            .or_else(|| o.strip_prefix("-i"))
        {
            return Some(if r.is_empty() {
                "{}".into()
            } else {
                r.to_string()
            });
        }
        i += 1;
    }
    None
}

/// `find … -exec CMD ARGS ;` (and `-execdir`, `-ok`, `-okdir`): each flag with its command.
fn find_exec_commands(args: &[String]) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
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
                out.push((flag, command));
            }
            i = end;
        }
        i += 1;
    }
    out
}

fn change_directory(frame: &mut Frame, args: &[String]) {
    let target = args.iter().find(|a| !a.starts_with('-') || *a == "-");
    let dir = match target {
        None => "~".to_string(),
        Some(d) => d.clone(),
    };
    // `$HOME` is read symbolically, like `~`; any other expansion is unknown.
    let rest = ["${HOME}", "$HOME"]
        .iter()
        .find_map(|h| dir.strip_prefix(h))
        .unwrap_or(&dir);
    if dir == "-" || rest.contains('$') || rest.contains('`') || rest.contains("<(") {
        frame.unresolved_cwd = Some(dir);
        return;
    }
    let dir = equivalents::resolve_links(&dir, frame, true).unwrap_or(dir);
    if frame.unresolved_cwd.is_some() && !dir.starts_with('/') && !dir.starts_with('~') {
        return;
    }
    frame.unresolved_cwd = None;
    frame.ctx = frame.ctx.with_cwd(&dir);
}

/// `read [-r] [-a ARRAY] NAME…` from a known standard input.
fn read_into(frame: &mut Frame, args: &[String], stdin: &Stdin) {
    let mut names = Vec::new();
    let mut array = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-a" => {
                array = args.get(i + 1).cloned();
                i += 1;
            }
            "-p" | "-d" | "-t" | "-n" | "-N" | "-u" | "-i" => i += 1,
            a if a.starts_with('-') => {}
            name => names.push(name.to_string()),
        }
        i += 1;
    }
    let line = stdin
        .text()
        .and_then(|t| t.lines().next())
        .map(str::to_string);
    let Some(line) = line else {
        for name in names.iter().chain(array.iter()) {
            frame.vars.remove(name);
        }
        return;
    };
    let ifs = frame.ifs();
    let fields: Vec<String> = line
        .split(|c| ifs.contains(c))
        .filter(|f| !f.is_empty())
        .map(String::from)
        .collect();
    if let Some(array) = array {
        frame.vars.insert(array, Value::Array(fields));
        return;
    }
    if names.is_empty() {
        names.push("REPLY".into());
    }
    let last = names.len() - 1;
    for (i, name) in names.into_iter().enumerate() {
        let value = if i == last {
            fields.get(i..).map(|f| f.join(" ")).unwrap_or_default()
        } else {
            fields.get(i).cloned().unwrap_or_default()
        };
        frame.vars.insert(name, Value::Scalar(value));
    }
}

/// A word quoted so that a shell reads it back unchanged.
pub(super) fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%~{}".contains(c))
    {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', "'\\''"))
}
