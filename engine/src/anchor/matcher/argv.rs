//! Reading an argument vector: flags, positionals, runner unwrapping, and a tiny splitter for
//! anchor examples.

use crate::check::{ActionFacts, Invocation};

/// Git's options that come before its subcommand and take a separate value (`git -C dir
/// commit`, `git -c core.editor=true rebase -i`), so that their value is not the subcommand.
pub const GIT_GLOBAL_VALUE_OPTIONS: &[&str] = &[
    "-C",
    "-c",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--config-env",
    "--super-prefix",
];

/// Options that take a separate value, per program, so their value is not a positional.
const VALUE_FLAGS: &[(&str, &[&str])] = &[
    ("git", GIT_GLOBAL_VALUE_OPTIONS),
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
    ("truncate", &["-s", "--size", "-r", "--reference"]),
    (
        "shred",
        &["-n", "--iterations", "-s", "--size", "--random-source"],
    ),
    ("chown", &["--from", "--reference"]),
    (
        "find",
        &[
            "-name",
            "-iname",
            "-path",
            "-ipath",
            "-wholename",
            "-iwholename",
            "-regex",
            "-iregex",
            "-lname",
            "-ilname",
            "-type",
            "-xtype",
            "-maxdepth",
            "-mindepth",
            "-newer",
            "-mtime",
            "-mmin",
            "-atime",
            "-amin",
            "-ctime",
            "-cmin",
            "-size",
            "-user",
            "-group",
            "-perm",
            "-printf",
            "-fprint",
            "-inum",
            "-links",
            "-samefile",
            "-regextype",
        ],
    ),
];

/// The options of a program (or of one git subcommand) as its parser reads them: the long
/// options, which getopt_long and git's parse-options accept abbreviated to any unambiguous
/// prefix (`rm --rec`), and the long meaning of each short letter (`-R` is `--recursive`; git
/// branch's `-D` is `--delete --force`). A matcher's flag then matches every spelling of it.
struct OptionTable {
    program: &'static str,
    /// The git subcommand the table belongs to, if any.
    subcommand: Option<&'static str>,
    short: &'static [(char, &'static [&'static str])],
    /// Short letters that take a value: in a bundle the rest is that value (`-mfix`, `-uno`).
    valued: &'static [char],
    long: &'static [&'static str],
}

const OPTION_TABLES: &[OptionTable] = &[
    OptionTable {
        program: "rm",
        subcommand: None,
        short: &[
            ('r', &["--recursive"]),
            ('R', &["--recursive"]),
            ('f', &["--force"]),
            ('d', &["--dir"]),
            ('i', &["--interactive"]),
            ('v', &["--verbose"]),
        ],
        valued: &[],
        long: &[
            "--force",
            "--interactive",
            "--one-file-system",
            "--no-preserve-root",
            "--preserve-root",
            "--recursive",
            "--dir",
            "--verbose",
            "--help",
            "--version",
        ],
    },
    OptionTable {
        program: "shred",
        subcommand: None,
        short: &[
            ('f', &["--force"]),
            ('n', &["--iterations"]),
            ('s', &["--size"]),
            ('u', &["--remove"]),
            ('v', &["--verbose"]),
            ('x', &["--exact"]),
            ('z', &["--zero"]),
        ],
        valued: &['n', 's'],
        long: &[
            "--force",
            "--iterations",
            "--random-source",
            "--size",
            "--remove",
            "--verbose",
            "--exact",
            "--zero",
            "--help",
            "--version",
        ],
    },
    OptionTable {
        program: "chmod",
        subcommand: None,
        short: &[
            ('R', &["--recursive"]),
            ('c', &["--changes"]),
            ('f', &["--silent"]),
            ('v', &["--verbose"]),
        ],
        valued: &[],
        long: &[
            "--changes",
            "--silent",
            "--quiet",
            "--verbose",
            "--no-preserve-root",
            "--preserve-root",
            "--reference",
            "--recursive",
            "--help",
            "--version",
        ],
    },
    OptionTable {
        program: "git",
        subcommand: Some("clean"),
        short: &[
            ('f', &["--force"]),
            ('n', &["--dry-run"]),
            ('q', &["--quiet"]),
            ('i', &["--interactive"]),
            ('e', &["--exclude"]),
        ],
        valued: &['e'],
        long: &[
            "--force",
            "--dry-run",
            "--quiet",
            "--interactive",
            "--exclude",
        ],
    },
    OptionTable {
        program: "git",
        subcommand: Some("branch"),
        short: &[
            ('d', &["--delete"]),
            ('D', &["--delete", "--force"]),
            ('f', &["--force"]),
            ('m', &["--move"]),
            ('M', &["--move", "--force"]),
            ('c', &["--copy"]),
            ('C', &["--copy", "--force"]),
            ('r', &["--remotes"]),
            ('a', &["--all"]),
            ('l', &["--list"]),
            ('v', &["--verbose"]),
            ('q', &["--quiet"]),
            ('u', &["--set-upstream-to"]),
        ],
        valued: &['u'],
        long: &[
            "--delete",
            "--force",
            "--move",
            "--copy",
            "--remotes",
            "--all",
            "--list",
            "--verbose",
            "--quiet",
            "--set-upstream-to",
            "--unset-upstream",
            "--track",
            "--no-track",
            "--show-current",
            "--contains",
            "--no-contains",
            "--merged",
            "--no-merged",
            "--sort",
            "--points-at",
            "--format",
            "--color",
            "--no-color",
            "--column",
            "--no-column",
            "--edit-description",
            "--create-reflog",
            "--ignore-case",
            "--omit-empty",
            "--abbrev",
            "--no-abbrev",
        ],
    },
    OptionTable {
        program: "git",
        subcommand: Some("reset"),
        short: &[('q', &["--quiet"]), ('p', &["--patch"])],
        valued: &[],
        long: &[
            "--hard",
            "--soft",
            "--mixed",
            "--merge",
            "--keep",
            "--quiet",
            "--patch",
            "--recurse-submodules",
            "--no-recurse-submodules",
            "--pathspec-from-file",
            "--pathspec-file-nul",
            "--refresh",
            "--no-refresh",
        ],
    },
    OptionTable {
        program: "git",
        subcommand: Some("commit"),
        short: &[
            ('a', &["--all"]),
            ('p', &["--patch"]),
            ('C', &["--reuse-message"]),
            ('c', &["--reedit-message"]),
            ('z', &["--null"]),
            ('F', &["--file"]),
            ('m', &["--message"]),
            ('t', &["--template"]),
            ('s', &["--signoff"]),
            ('n', &["--no-verify"]),
            ('e', &["--edit"]),
            ('i', &["--include"]),
            ('o', &["--only"]),
            ('u', &["--untracked-files"]),
            ('v', &["--verbose"]),
            ('q', &["--quiet"]),
            ('S', &["--gpg-sign"]),
        ],
        valued: &['C', 'c', 'F', 'm', 't', 'u', 'S'],
        long: &[
            "--all",
            "--patch",
            "--reuse-message",
            "--reedit-message",
            "--fixup",
            "--squash",
            "--reset-author",
            "--short",
            "--branch",
            "--porcelain",
            "--long",
            "--null",
            "--file",
            "--author",
            "--date",
            "--message",
            "--template",
            "--signoff",
            "--no-signoff",
            "--trailer",
            "--no-verify",
            "--verify",
            "--allow-empty",
            "--allow-empty-message",
            "--cleanup",
            "--edit",
            "--no-edit",
            "--amend",
            "--no-post-rewrite",
            "--include",
            "--only",
            "--pathspec-from-file",
            "--pathspec-file-nul",
            "--untracked-files",
            "--verbose",
            "--quiet",
            "--dry-run",
            "--status",
            "--no-status",
            "--gpg-sign",
            "--no-gpg-sign",
        ],
    },
    OptionTable {
        program: "git",
        subcommand: Some("push"),
        short: &[
            ('v', &["--verbose"]),
            ('q', &["--quiet"]),
            ('d', &["--delete"]),
            ('n', &["--dry-run"]),
            ('f', &["--force"]),
            ('u', &["--set-upstream"]),
            ('o', &["--push-option"]),
            ('4', &["--ipv4"]),
            ('6', &["--ipv6"]),
        ],
        valued: &['o'],
        long: &[
            "--verbose",
            "--quiet",
            "--repo",
            "--all",
            "--branches",
            "--mirror",
            "--delete",
            "--tags",
            "--dry-run",
            "--porcelain",
            "--force",
            "--force-with-lease",
            "--no-force-with-lease",
            "--force-if-includes",
            "--no-force-if-includes",
            "--recurse-submodules",
            "--no-recurse-submodules",
            "--thin",
            "--no-thin",
            "--receive-pack",
            "--exec",
            "--set-upstream",
            "--progress",
            "--no-progress",
            "--prune",
            "--no-verify",
            "--verify",
            "--follow-tags",
            "--no-follow-tags",
            "--signed",
            "--no-signed",
            "--atomic",
            "--no-atomic",
            "--push-option",
            "--ipv4",
            "--ipv6",
        ],
    },
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
    /// inside a short bundle such as `-rf`. For programs whose options ctx knows, every
    /// spelling counts: `-R` and `--rec` for `rm -r`, `-d -f` for `git branch -D`.
    pub fn has_flag(&self, flag: &str) -> bool {
        match self.option_table() {
            Some(table) => {
                let carried: Vec<String> = self
                    .option_args()
                    .iter()
                    .flat_map(|arg| option_names(table, arg))
                    .collect();
                let wanted = option_names(table, flag);
                !wanted.is_empty() && wanted.iter().all(|w| carried.contains(w))
            }
            None => self.option_args().iter().any(|arg| flag_matches(arg, flag)),
        }
    }

    fn option_table(&self) -> Option<&'static OptionTable> {
        let mut tables = OPTION_TABLES.iter().filter(|t| t.program == self.program);
        let first = tables.clone().next()?;
        if first.subcommand.is_none() {
            return Some(first);
        }
        let sub = self.positionals().first().map(|(_, s)| *s)?;
        tables.find(|t| t.subcommand == Some(sub))
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

/// The canonical option names one argument carries under `table`: a long option resolved
/// from an unambiguous prefix, each letter of a short bundle mapped to its long meaning;
/// names the table does not know stay as written. Arguments that are not options carry none.
fn option_names(table: &OptionTable, arg: &str) -> Vec<String> {
    if let Some(long) = arg.strip_prefix("--") {
        let name = long.split('=').next().unwrap_or(long);
        if name.is_empty() {
            return Vec::new();
        }
        if let Some(exact) = table.long.iter().find(|l| l[2..] == *name) {
            return vec![exact.to_string()];
        }
        let mut prefixed = table.long.iter().filter(|l| l[2..].starts_with(name));
        return match (prefixed.next(), prefixed.next()) {
            (Some(only), None) => vec![only.to_string()],
            _ => vec![format!("--{name}")],
        };
    }
    let Some(letters) = arg.strip_prefix('-').filter(|l| !l.is_empty()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in letters.chars() {
        match table.short.iter().find(|(s, _)| *s == c) {
            Some((_, longs)) => out.extend(longs.iter().map(|l| l.to_string())),
            None => out.push(format!("-{c}")),
        }
        if table.valued.contains(&c) {
            // The rest of the bundle is this option's value (`-mfix`, `-uno`).
            break;
        }
    }
    out
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
                cwd: None,
                from_code: false,
                background: false,
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
    fn git_commit_and_push_flags_in_every_spelling() {
        let has = |line: &str, flag: &str| {
            let (p, a) = argv(line);
            Argv {
                program: &p,
                args: &a,
            }
            .has_flag(flag)
        };
        assert!(has("git commit -sn -m 'fix: x'", "--no-verify"));
        assert!(has("git commit --no-ver -m x", "--no-verify"));
        assert!(
            !has("git commit -mnope", "--no-verify"),
            "-m takes the rest"
        );
        assert!(!has("git commit -s -m x", "--no-verify"));
        assert!(has("git push -fu origin main", "--force"));
        assert!(
            !has("git push -n origin main", "--no-verify"),
            "-n is --dry-run"
        );
        assert!(!has("git push --force-with-lease origin main", "--force"));
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
