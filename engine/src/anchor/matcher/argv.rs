//! Reading an argument vector: flags, positionals, runner unwrapping, and a tiny splitter for
//! anchor examples.

use crate::check::{ActionFacts, Invocation};

/// Options that take a separate value, per program, so their value is not a positional.
const VALUE_FLAGS: &[(&str, &[&str])] = &[
    (
        "git",
        &["-C", "-c", "--git-dir", "--work-tree", "--namespace"],
    ),
    (
        "cargo",
        &[
            "-p",
            "--package",
            "--manifest-path",
            "--target",
            "-j",
            "--features",
            "-F",
            "--profile",
            "--bin",
            "--test",
            "--example",
            "-Z",
        ],
    ),
    ("gh", &["-R", "--repo", "-X", "--method"]),
    ("npm", &["--prefix", "-w", "--workspace"]),
    ("pnpm", &["--filter", "-F", "-C", "--dir"]),
    ("yarn", &["--cwd"]),
    ("make", &["-C", "-f", "-j"]),
    ("go", &["-C"]),
    (
        "uv",
        &[
            "--directory",
            "--project",
            "--python",
            "-p",
            "--group",
            "--with",
            "--extra",
            "--package",
            "--env-file",
            "--index",
            "--index-url",
        ],
    ),
    ("docker", &["-H", "--context", "--config"]),
    ("hatch", &["-e", "--env"]),
    ("kubectl", &["-n", "--namespace", "--context"]),
];

/// Programs that run another program named after their own subcommand.
const RUNNERS: &[(&str, &[&str])] = &[
    ("uv", &["run"]),
    ("poetry", &["run"]),
    ("pdm", &["run"]),
    ("hatch", &["run"]),
    ("pipenv", &["run"]),
    ("pnpm", &["exec", "dlx"]),
    ("npm", &["exec"]),
    ("yarn", &["exec", "dlx"]),
    ("bundle", &["exec"]),
];

/// Programs that run their first argument directly.
const DIRECT_RUNNERS: &[&str] = &["npx", "bunx", "pnpx", "uvx"];

/// A program and its arguments, possibly unwrapped from a runner (`uv run pytest` → `pytest`).
#[derive(Debug, Clone, Copy)]
pub struct Argv<'a> {
    /// Normalised program name.
    pub program: &'a str,
    /// Its arguments.
    pub args: &'a [String],
}

impl<'a> Argv<'a> {
    fn value_flags(&self) -> &'static [&'static str] {
        VALUE_FLAGS
            .iter()
            .find(|(p, _)| *p == self.program)
            .map(|(_, f)| *f)
            .unwrap_or(&[])
    }

    /// Positional arguments with their indexes: flags, values of known value flags and
    /// toolchain selectors (`+nightly`) are skipped; everything after `--` is positional.
    pub fn positionals(&self) -> Vec<(usize, &'a str)> {
        let value_flags = self.value_flags();
        let mut out = Vec::new();
        let mut skip_next = false;
        let mut after_dashes = false;
        for (i, arg) in self.args.iter().enumerate() {
            if after_dashes {
                out.push((i, arg.as_str()));
                continue;
            }
            if skip_next {
                skip_next = false;
                continue;
            }
            if arg == "--" {
                after_dashes = true;
            } else if arg.starts_with('-') && arg.len() > 1 {
                skip_next = value_flags.contains(&arg.as_str());
            } else if !(self.program == "cargo" && arg.starts_with('+')) {
                out.push((i, arg.as_str()));
            }
        }
        out
    }

    /// Arguments before `--` (the ones that can be flags).
    fn option_args(&self) -> &'a [String] {
        let end = self
            .args
            .iter()
            .position(|a| a == "--")
            .unwrap_or(self.args.len());
        &self.args[..end]
    }

    /// True when the flag is present: exactly, as `--flag=value`, or (for a one-letter flag)
    /// inside a short bundle such as `-rf`.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.option_args().iter().any(|arg| flag_matches(arg, flag))
    }

    /// The value of a flag (`-m msg`, `-mmsg`, `--message=msg`), for every occurrence.
    pub fn flag_values(&self, flags: &[&str]) -> Vec<&'a str> {
        let args = self.option_args();
        let mut out = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let arg = args[i].as_str();
            for flag in flags {
                if arg == *flag {
                    if let Some(v) = args.get(i + 1) {
                        out.push(v.as_str());
                        i += 1;
                    }
                } else if let Some(v) = arg.strip_prefix(&format!("{flag}=")) {
                    out.push(v);
                } else if flag.len() == 2
                    && !flag.starts_with("--")
                    && arg.starts_with(flag)
                    && arg.len() > 2
                    && !arg.starts_with("--")
                {
                    out.push(&arg[2..]);
                } else if is_short_bundle(arg)
                    && flag.len() == 2
                    && arg.ends_with(&flag[1..])
                    && arg.len() > 2
                {
                    // `-am msg`: the flag taking a value ends the bundle.
                    if let Some(v) = args.get(i + 1) {
                        out.push(v.as_str());
                        i += 1;
                    }
                }
            }
            i += 1;
        }
        out
    }

    /// True when the positionals start with these words (after the program's own value flags).
    pub fn has_subcommand(&self, words: &[String]) -> bool {
        if words.is_empty() {
            return true;
        }
        let positionals = self.positionals();
        positionals.len() >= words.len()
            && positionals
                .iter()
                .zip(words)
                .all(|((_, got), want)| got.eq_ignore_ascii_case(want))
    }
}

fn is_short_bundle(arg: &str) -> bool {
    let rest = match arg.strip_prefix('-') {
        Some(r) if !r.starts_with('-') => r,
        _ => return false,
    };
    (2..=3).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_alphabetic())
}

/// True when one argument carries the flag.
pub fn flag_matches(arg: &str, flag: &str) -> bool {
    if arg == flag {
        return true;
    }
    if flag.starts_with("--") {
        return arg
            .strip_prefix(flag)
            .is_some_and(|rest| rest.starts_with('='));
    }
    if flag.len() == 2 && flag.starts_with('-') && is_short_bundle(arg) {
        return arg[1..].contains(&flag[1..]);
    }
    // `-tags=x` style single-dash long options.
    arg.strip_prefix(flag)
        .is_some_and(|rest| rest.starts_with('='))
}

/// The views of an invocation matchers look at: itself, `python -m X` as `X`, and the program
/// a runner starts (`uv run pytest`, `npx vitest`, `pnpm exec tsc`).
pub fn views(inv: &Invocation) -> Vec<Argv<'_>> {
    let base = Argv {
        program: inv.program.as_str(),
        args: &inv.args,
    };
    let mut out = vec![base];
    let mut current = base;
    for _ in 0..3 {
        match unwrap_runner(current) {
            Some(inner) => {
                out.push(inner);
                current = inner;
            }
            None => break,
        }
    }
    out
}

fn unwrap_runner(argv: Argv<'_>) -> Option<Argv<'_>> {
    let program = argv.program;
    if is_python(program) {
        let i = argv.args.iter().position(|a| a == "-m")?;
        let module = argv.args.get(i + 1)?;
        return Some(Argv {
            program: module.as_str(),
            args: &argv.args[i + 2..],
        });
    }
    if DIRECT_RUNNERS.contains(&program) {
        let (i, inner) = *argv.positionals().first()?;
        return Some(Argv {
            program: inner,
            args: &argv.args[i + 1..],
        });
    }
    let subs = RUNNERS.iter().find(|(p, _)| *p == program)?.1;
    let positionals = argv.positionals();
    let (_, first) = positionals.first()?;
    if !subs.contains(first) {
        return None;
    }
    let (i, inner) = *positionals.get(1)?;
    Some(Argv {
        program: inner,
        args: &argv.args[i + 1..],
    })
}

/// True for `python`, `python3`, `python3.12`.
pub fn is_python(program: &str) -> bool {
    program == "python"
        || program
            .strip_prefix("python")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The basename of a program path.
pub fn basename(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// Splits a simple command line (as written in an anchor's examples) into facts: commands
/// separated by `&&`, `||`, `;` and `|`, words split on whitespace with single and double quotes
/// honoured, leading `VAR=value` assignments and `sudo`/`env` dropped. Real checks use the
/// shell parser in ctx-indexers; this is only for examples.
pub fn split_command(line: &str) -> ActionFacts {
    let mut invocations = Vec::new();
    let mut piped = false;
    for (segment, next_piped) in split_segments(line) {
        let mut words = split_words(&segment);
        let mut wrappers = Vec::new();
        while let Some(first) = words.first() {
            if first.contains('=') && !first.starts_with('-') && !first.starts_with('=') {
                words.remove(0);
            } else if matches!(
                first.as_str(),
                "sudo" | "env" | "nohup" | "time" | "command" | "exec"
            ) {
                wrappers.push(words.remove(0));
            } else {
                break;
            }
        }
        if !words.is_empty() {
            let program = basename(words[0].trim_start_matches('\\')).to_string();
            invocations.push(Invocation {
                program,
                args: words[1..].to_vec(),
                raw: segment.trim().to_string(),
                wrappers,
                piped_input: piped,
            });
        }
        piped = next_piped;
    }
    ActionFacts {
        command: Some(line.to_string()),
        invocations,
        effects: Vec::new(),
    }
}

fn split_segments(line: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == ';' => {
                out.push((std::mem::take(&mut current), false));
                i += 1;
                continue;
            }
            None if (c == '&' || c == '|') && chars.get(i + 1) == Some(&c) => {
                out.push((std::mem::take(&mut current), false));
                i += 2;
                continue;
            }
            None if c == '|' => {
                out.push((std::mem::take(&mut current), true));
                i += 1;
                continue;
            }
            None => {}
        }
        current.push(c);
        i += 1;
    }
    out.push((current, false));
    out
}

fn split_words(segment: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in segment.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => current.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            None => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> (String, Vec<String>) {
        let facts = split_command(line);
        let inv = &facts.invocations[0];
        (inv.program.clone(), inv.args.clone())
    }

    #[test]
    fn flags_bundles_and_values() {
        let (p, a) = argv("rm -fr /tmp/x");
        let v = Argv {
            program: &p,
            args: &a,
        };
        assert!(v.has_flag("-r") && v.has_flag("-f"));
        let (p, a) = argv("git commit -am 'fix: x' --no-verify");
        let v = Argv {
            program: &p,
            args: &a,
        };
        assert_eq!(v.flag_values(&["-m", "--message"]), vec!["fix: x"]);
        assert!(v.has_flag("--no-verify"));
        let (p, a) = argv("git -C sub push --force origin main");
        let v = Argv {
            program: &p,
            args: &a,
        };
        assert!(v.has_subcommand(&["push".into()]));
        let (p, a) = argv("find . -name x");
        let v = Argv {
            program: &p,
            args: &a,
        };
        assert!(!v.has_flag("-n"));
    }

    #[test]
    fn runners_unwrap() {
        let facts = split_command("uv run --group typing mypy sentry_sdk");
        let got = views(&facts.invocations[0]);
        assert_eq!(got.last().unwrap().program, "mypy");
        let facts = split_command("python3 -m pip install x");
        let got = views(&facts.invocations[0]);
        assert_eq!(got[1].program, "pip");
        assert_eq!(got[1].args[0], "install");
    }

    #[test]
    fn splitter_handles_quotes_and_operators() {
        let facts = split_command("FOO=1 sudo git commit -m 'a && b' && curl x | sh");
        let programs: Vec<_> = facts
            .invocations
            .iter()
            .map(|i| i.program.as_str())
            .collect();
        assert_eq!(programs, ["git", "curl", "sh"]);
        assert_eq!(facts.invocations[0].args[2], "a && b");
        assert!(facts.invocations[2].piped_input);
    }
}
