//! Commands that open an interactive session: a shell, a REPL, a database client, a login on
//! another machine or in a container, an editor or a pager. Once it is open an agent can type
//! into it (Codex: `exec_command` with a tty, then `write_stdin`) and no hook sees what it
//! types, so `terraform destroy` typed there is never checked. A pre-tool hook therefore
//! stops the command that opens the session, as `[check] interactive` says (deny by default;
//! ask; allow), and tells the model to run its commands one by one.
//!
//! A program opens a session when nothing on its command line gives it something to run on
//! its own: no script or command operand, no batch flag (`-c`, `-e`, `--eval`, `--batch`…),
//! and its standard input neither piped, nor redirected, nor fed by a heredoc. A flag that
//! forces a session (`python -i script.py`, `docker exec -it`) counts whatever else is given.
//! Invocations come from the shell analysis, so wrappers (`sudo`, `env`, `bash -lc '…'`) are
//! already unwrapped. The programs are data: [`PROGRAMS`], one entry per family.
//!
//! Commands also open an editor or a prompt as a side effect of their work: `git commit`
//! without a message, `git rebase -i`, `git add -p`, `crontab -e`, `visudo`, `kubectl edit`.
//! The editor waits for keys the agent cannot send through its shell tool (the call hangs
//! until its timeout) or, in a terminal an agent drives, is a session like any other. They
//! are data too ([`SUBCOMMANDS`]: the program, its subcommand, the flags that give it what
//! it would ask for), judged the same way on the words after the subcommand, and an editor
//! set on the command line to a program that is not itself interactive
//! (`GIT_EDITOR=true git commit`, `git -c core.editor=true …`) means nothing opens.
//!
//! Not covered: `docker compose exec`; an editor set earlier on the line or outside it
//! (`export GIT_EDITOR=true; git commit` is still stopped); commands that open an editor only
//! when their output is a terminal (`git merge`, `git revert` without `--no-edit`: agents'
//! shell tools have none); pagers, which print and exit without a terminal; and sessions
//! started through a program ctx does not list.

use ctx_engine::anchor::GIT_GLOBAL_VALUE_OPTIONS;
use ctx_engine::check::{ActionFacts, Decision, Interactive, Invocation, Verdict, Violation};

/// How one family of programs is told apart from a batch run.
struct Program {
    /// Program names (a version suffix such as `python3.12` or `lua5.4` is ignored).
    names: &'static [&'static str],
    /// Flags that give it something to run, or make it exit at once: not a session.
    batch: &'static [&'static str],
    /// Letters that do the same inside a cluster of short flags (`bash -lc`, `perl -ne`).
    batch_letters: &'static str,
    /// Flags whose value is the next word.
    values: &'static [&'static str],
    /// Operands (words that are not flags) it may take and still open a session; one more is
    /// a script or a command, and what follows it is that script's.
    operands: usize,
    /// Flags (or operands, such as `deno repl`) that open a session whatever else is given.
    forcing: &'static [&'static str],
    /// Letters that do the same inside a cluster (`python -ic '…'`).
    forcing_letters: &'static str,
    /// Only a forcing flag opens a session (`sudo -i`, not `sudo`).
    needs_forcing: bool,
}

/// No limit on operands: the program stays interactive whatever it is given (a database
/// name, files to edit).
const ANY: usize = usize::MAX;

const fn program(names: &'static [&'static str], batch: &'static [&'static str]) -> Program {
    Program {
        names,
        batch,
        batch_letters: "",
        values: &[],
        operands: 0,
        forcing: &[],
        forcing_letters: "",
        needs_forcing: false,
    }
}

/// The programs that open a session, by family.
const PROGRAMS: &[Program] = &[
    Program {
        batch_letters: "c",
        values: &[
            "-o",
            "+o",
            "-O",
            "+O",
            "--rcfile",
            "--init-file",
            "-C",
            "--init-command",
        ],
        ..program(
            &[
                "bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "yash", "fish", "tcsh", "csh",
                "nu", "elvish", "xonsh", "pwsh",
            ],
            &[
                "-c",
                "--command",
                "-Command",
                "-File",
                "--version",
                "--help",
            ],
        )
    },
    Program {
        batch_letters: "cm",
        values: &["-W", "-X", "-Q"],
        forcing: &["-i"],
        forcing_letters: "i",
        ..program(
            &["python", "ipython", "bpython", "ptpython", "pypy"],
            &["-c", "-m", "-V", "--version", "-h", "--help"],
        )
    },
    Program {
        values: &[
            "-r",
            "--require",
            "--import",
            "--loader",
            "--experimental-loader",
            "-C",
            "--conditions",
            "--input-type",
        ],
        forcing: &["-i", "--interactive"],
        ..program(
            &["node", "nodejs"],
            &[
                "-e",
                "--eval",
                "-p",
                "--print",
                "-c",
                "--check",
                "--test",
                "--run",
                "-v",
                "--version",
                "-h",
                "--help",
            ],
        )
    },
    Program {
        forcing: &["repl"],
        ..program(&["deno", "bun"], &["-V", "--version", "-h", "--help"])
    },
    Program {
        batch_letters: "e",
        values: &["-r", "-I", "-C", "-E"],
        ..program(&["ruby"], &["-e", "-c", "-v", "--version", "-h", "--help"])
    },
    program(&["irb", "pry"], &["-v", "--version", "-h", "--help"]),
    Program {
        batch_letters: "eE",
        values: &["-I", "-M", "-m"],
        ..program(&["perl"], &["-e", "-E", "-c", "-v", "-V", "-h", "-x"])
    },
    Program {
        forcing: &["-a", "--interactive"],
        ..program(
            &["php"],
            &[
                "-r",
                "-f",
                "-l",
                "-v",
                "--version",
                "-h",
                "-i",
                "-m",
                "-S",
                "-s",
                "-w",
                "--ini",
            ],
        )
    },
    Program {
        values: &["-l"],
        forcing: &["-i"],
        ..program(&["lua", "luajit"], &["-e", "-v"])
    },
    program(&["R"], &["-e", "-f", "--file", "--version", "-h", "--help"]),
    Program {
        values: &["-t", "--threads", "-p", "--procs", "-J", "--sysimage"],
        forcing: &["-i"],
        ..program(
            &["julia"],
            &[
                "-e",
                "--eval",
                "-E",
                "--print",
                "-v",
                "--version",
                "-h",
                "--help",
            ],
        )
    },
    Program {
        operands: ANY,
        ..program(&["ghci"], &["-e", "--version"])
    },
    program(
        &[
            "scala", "clj", "clojure", "erl", "iex", "tclsh", "wish", "guile", "racket", "sbcl",
            "ocaml", "utop", "swipl", "bc", "octave",
        ],
        &[
            "-e",
            "--eval",
            "-c",
            "-noshell",
            "-detached",
            "--script",
            "--version",
            "-h",
            "--help",
        ],
    ),
    Program {
        values: &[
            "-h",
            "--host",
            "-p",
            "--port",
            "-U",
            "--username",
            "-d",
            "--dbname",
            "-v",
            "--set",
            "--variable",
            "-P",
            "--pset",
            "-o",
            "--output",
            "-L",
            "--log-file",
            "-T",
            "-F",
            "-R",
        ],
        operands: ANY,
        ..program(
            &["psql"],
            &[
                "-c",
                "--command",
                "-f",
                "--file",
                "-l",
                "--list",
                "-V",
                "--version",
                "-?",
                "--help",
            ],
        )
    },
    Program {
        values: &[
            "-h",
            "--host",
            "-u",
            "--user",
            "-P",
            "--port",
            "-D",
            "--database",
            "-S",
            "--socket",
        ],
        operands: ANY,
        ..program(
            &["mysql", "mariadb"],
            &["-e", "--execute", "-V", "--version", "-?", "--help"],
        )
    },
    Program {
        values: &["-cmd", "-separator", "-newline", "-nullvalue", "-init"],
        operands: 1,
        ..program(
            &["sqlite3", "sqlite", "duckdb"],
            &["-c", "-s", "-f", "-version", "--version", "-help", "--help"],
        )
    },
    Program {
        values: &[
            "--host",
            "--port",
            "-u",
            "--username",
            "-p",
            "--password",
            "--authenticationDatabase",
        ],
        operands: 1,
        ..program(
            &["mongo", "mongosh"],
            &["--eval", "-f", "--file", "--version", "--help"],
        )
    },
    Program {
        values: &["-h", "-p", "-a", "-n", "-u", "-s", "--user", "--pass"],
        ..program(
            &["redis-cli", "valkey-cli"],
            &[
                "-v",
                "--version",
                "--help",
                "--scan",
                "--bigkeys",
                "--memkeys",
                "--stat",
                "--latency",
                "--pipe",
                "--rdb",
                "-x",
            ],
        )
    },
    Program {
        values: &["-u", "-p", "-k", "--keyspace", "--username", "--password"],
        operands: 2,
        ..program(
            &["cqlsh"],
            &[
                "-e",
                "--execute",
                "-f",
                "--file",
                "--version",
                "-h",
                "--help",
            ],
        )
    },
    Program {
        values: &[
            "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-o", "-p",
            "-Q", "-R", "-S", "-W", "-w", "-B",
        ],
        operands: 1,
        ..program(&["ssh", "mosh"], &["-N", "-V", "-G", "-O"])
    },
    Program {
        values: &["-P", "-i", "-o", "-F", "-l", "-p"],
        operands: ANY,
        ..program(&["telnet", "ftp", "sftp", "lftp"], &["-b", "-c", "-e"])
    },
    Program {
        values: &["-s", "--shell", "-g", "--group", "-G", "-w"],
        operands: ANY,
        ..program(
            &["su"],
            &[
                "-c",
                "--command",
                "--session-command",
                "-V",
                "--version",
                "-h",
                "--help",
            ],
        )
    },
    Program {
        values: &[
            "-u", "--user", "-g", "--group", "-C", "-D", "-h", "--host", "-p", "-r", "-t", "-U",
        ],
        forcing: &["-i", "--login", "-s", "--shell"],
        needs_forcing: true,
        ..program(&["sudo", "doas"], &["-v", "-V", "-l", "-k", "-K", "--help"])
    },
    Program {
        operands: ANY,
        ..program(
            &[
                "vi",
                "vim",
                "nvim",
                "view",
                "nano",
                "pico",
                "emacs",
                "ed",
                "ex",
                "micro",
                "joe",
                "hx",
                "helix",
                "kak",
                "top",
                "htop",
                "btop",
                "mc",
                "ranger",
                "tig",
                "lazygit",
                "sudoedit",
                "vipw",
                "vigr",
                "$EDITOR",
                "${EDITOR}",
                "$VISUAL",
                "${VISUAL}",
                "$GIT_EDITOR",
                "${GIT_EDITOR}",
            ],
            &[
                "--batch",
                "-batch",
                "--script",
                "-es",
                "-Es",
                "-b",
                "--version",
                "-h",
                "--help",
            ],
        )
    },
];

/// A program whose subcommand (or flag) opens an editor or a prompt as part of its work.
struct Subcommand {
    /// The program.
    program: &'static str,
    /// Its flags before the subcommand whose value is the next word (`git -C DIR`).
    global_values: &'static [&'static str],
    /// The subcommand; empty when the program has none (`crontab -e`, `visudo`).
    sub: &'static [&'static str],
    /// The environment variables and `git -c` keys naming the editor it opens; set on the
    /// command line to a program that is not interactive, nothing opens. Empty for prompts,
    /// which no editor setting answers (`git add -p`).
    editors: &'static [&'static str],
    /// How the words after the subcommand are judged: [`judge`], with `operands: ANY`, so
    /// only batch flags (a message, a file, a check-only mode) and forcing flags decide.
    how: Program,
    /// What to do instead, for the reason the model reads.
    instead: &'static str,
}

const GIT_EDITORS: &[&str] = &["GIT_EDITOR", "VISUAL", "EDITOR", "core.editor"];
const KUBECTL_GLOBAL_VALUES: &[&str] = &[
    "-n",
    "--namespace",
    "--context",
    "--cluster",
    "--kubeconfig",
    "-s",
    "--server",
    "--user",
];

/// A subcommand that prompts only when one of `forcing` is given (`git add -p`).
const fn prompting(forcing: &'static [&'static str]) -> Program {
    Program {
        forcing,
        needs_forcing: true,
        operands: ANY,
        ..program(&[], &[])
    }
}

/// The subcommands that open an editor or a prompt as a side effect, by program.
const SUBCOMMANDS: &[Subcommand] = &[
    Subcommand {
        program: "git",
        global_values: GIT_GLOBAL_VALUE_OPTIONS,
        sub: &["commit"],
        editors: GIT_EDITORS,
        how: Program {
            // -m/-F/-C give the message; -e/-c/-p/--interactive open the editor or a prompt
            // whatever else is given.
            batch_letters: "mFC",
            operands: ANY,
            forcing: &[
                "-e",
                "--edit",
                "-c",
                "--reedit-message",
                "-p",
                "--patch",
                "--interactive",
            ],
            ..program(
                &[],
                &[
                    "-m",
                    "--message",
                    "-F",
                    "--file",
                    "-C",
                    "--reuse-message",
                    "--no-edit",
                    "--fixup",
                    "--dry-run",
                    "-h",
                    "--help",
                ],
            )
        },
        instead: "give the message with `git commit -m '…'` or `-F FILE`, or keep it with `--no-edit`",
    },
    Subcommand {
        program: "git",
        global_values: GIT_GLOBAL_VALUE_OPTIONS,
        sub: &["rebase"],
        editors: &["GIT_SEQUENCE_EDITOR", "sequence.editor", "GIT_EDITOR", "VISUAL", "EDITOR", "core.editor"],
        how: prompting(&["-i", "--interactive", "--edit-todo"]),
        instead: "rebase without -i (`git rebase BASE`), or set the todo list non-interactively with `GIT_SEQUENCE_EDITOR=\"sed -i …\" git rebase -i`",
    },
    Subcommand {
        program: "git",
        global_values: GIT_GLOBAL_VALUE_OPTIONS,
        sub: &["tag"],
        editors: GIT_EDITORS,
        how: Program {
            needs_forcing: true,
            batch_letters: "mFldv",
            operands: ANY,
            forcing: &["-a", "--annotate", "-s", "--sign", "-e", "--edit"],
            ..program(
                &[],
                &["-m", "--message", "-F", "--file", "-l", "--list", "-d", "--delete", "-v", "--verify"],
            )
        },
        instead: "give the tag message with `git tag -a NAME -m '…'`",
    },
    Subcommand {
        program: "git",
        global_values: GIT_GLOBAL_VALUE_OPTIONS,
        sub: &["merge"],
        editors: GIT_EDITORS,
        how: prompting(&["-e", "--edit"]),
        instead: "merge with `--no-edit` or give the message with `-m '…'`",
    },
    Subcommand {
        program: "git",
        global_values: GIT_GLOBAL_VALUE_OPTIONS,
        sub: &["revert"],
        editors: GIT_EDITORS,
        how: prompting(&["-e", "--edit"]),
        instead: "revert with `--no-edit`",
    },
    Subcommand {
        program: "git",
        global_values: GIT_GLOBAL_VALUE_OPTIONS,
        sub: &["cherry-pick"],
        editors: GIT_EDITORS,
        how: prompting(&["-e", "--edit"]),
        instead: "cherry-pick without `--edit`",
    },
    Subcommand {
        program: "git",
        global_values: GIT_GLOBAL_VALUE_OPTIONS,
        sub: &["config"],
        editors: GIT_EDITORS,
        how: prompting(&["-e", "--edit"]),
        instead: "set the value with `git config KEY VALUE`",
    },
    Subcommand {
        program: "git",
        global_values: GIT_GLOBAL_VALUE_OPTIONS,
        sub: &["notes"],
        editors: GIT_EDITORS,
        how: Program {
            operands: ANY,
            forcing: &["edit", "-e", "--edit"],
            batch_letters: "mFC",
            ..program(
                &[],
                &["-m", "--message", "-F", "--file", "-C", "--reuse-message", "list", "show", "remove", "prune", "copy", "merge", "get-ref"],
            )
        },
        instead: "give the note with `git notes add -m '…'`",
    },
    Subcommand {
        program: "git",
        global_values: GIT_GLOBAL_VALUE_OPTIONS,
        sub: &["add"],
        editors: &[],
        how: prompting(&["-p", "--patch", "-i", "--interactive", "-e", "--edit"]),
        instead: "name the files (`git add FILE…`)",
    },
    Subcommand {
        program: "git",
        global_values: GIT_GLOBAL_VALUE_OPTIONS,
        sub: &["checkout"],
        editors: &[],
        how: prompting(&["-p", "--patch"]),
        instead: "name the files, without -p",
    },
    Subcommand {
        program: "git",
        global_values: GIT_GLOBAL_VALUE_OPTIONS,
        sub: &["restore"],
        editors: &[],
        how: prompting(&["-p", "--patch"]),
        instead: "name the files, without -p",
    },
    Subcommand {
        program: "git",
        global_values: GIT_GLOBAL_VALUE_OPTIONS,
        sub: &["reset"],
        editors: &[],
        how: prompting(&["-p", "--patch"]),
        instead: "name the files, without -p",
    },
    Subcommand {
        program: "git",
        global_values: GIT_GLOBAL_VALUE_OPTIONS,
        sub: &["stash"],
        editors: &[],
        how: prompting(&["-p", "--patch"]),
        instead: "stash whole files (`git stash push -- FILE…`)",
    },
    Subcommand {
        program: "git",
        global_values: GIT_GLOBAL_VALUE_OPTIONS,
        sub: &["clean"],
        editors: &[],
        how: prompting(&["-i", "--interactive"]),
        instead: "list with `git clean -n`, then remove with `git clean -f PATH…`",
    },
    Subcommand {
        program: "crontab",
        global_values: &[],
        sub: &[],
        editors: &["VISUAL", "EDITOR"],
        how: prompting(&["-e"]),
        instead: "list with `crontab -l` and install a file with `crontab FILE`",
    },
    Subcommand {
        program: "sudo",
        global_values: &[],
        sub: &[],
        editors: &["SUDO_EDITOR", "VISUAL", "EDITOR"],
        how: prompting(&["-e", "--edit"]),
        instead: "read the file with `sudo cat FILE` and write it with `sudo tee FILE`",
    },
    Subcommand {
        program: "visudo",
        global_values: &[],
        sub: &[],
        editors: &["SUDO_EDITOR", "VISUAL", "EDITOR"],
        how: Program {
            values: &["-f", "--file"],
            batch_letters: "c",
            operands: ANY,
            ..program(&[], &["-c", "--check", "-V", "--version", "-h", "--help"])
        },
        instead: "check a sudoers file with `visudo -c -f FILE`; edits need a human",
    },
    Subcommand {
        program: "systemctl",
        global_values: &["-H", "--host", "-M", "--machine"],
        sub: &["edit"],
        editors: &["SYSTEMD_EDITOR", "EDITOR", "VISUAL"],
        how: Program {
            operands: ANY,
            ..program(&[], &["--stdin", "-h", "--help"])
        },
        instead: "write the drop-in file (`/etc/systemd/system/UNIT.d/override.conf`) and run `systemctl daemon-reload`",
    },
    Subcommand {
        program: "kubectl",
        global_values: KUBECTL_GLOBAL_VALUES,
        sub: &["edit"],
        editors: &["KUBE_EDITOR", "EDITOR"],
        how: Program {
            operands: ANY,
            ..program(&[], &["-h", "--help"])
        },
        instead: "change the resource with `kubectl apply -f FILE` or `kubectl patch`",
    },
];

/// The subcommand entry `inv` runs and the words after its subcommand, if it is one.
fn subcommand(inv: &Invocation) -> Option<(&'static Subcommand, &[String])> {
    SUBCOMMANDS.iter().find_map(|entry| {
        if entry.program != inv.program {
            return None;
        }
        let mut i = 0;
        while i < inv.args.len() && inv.args[i].starts_with('-') && !entry.sub.is_empty() {
            let flag = inv.args[i].as_str();
            i += if entry.global_values.contains(&flag) {
                2
            } else {
                1
            };
        }
        let rest = inv.args.get(i..).unwrap_or_default();
        match entry.sub {
            [] => Some((entry, rest)),
            sub if rest.len() >= sub.len() && rest.iter().zip(sub).all(|(a, b)| a == b) => {
                Some((entry, &rest[sub.len()..]))
            }
            _ => None,
        }
    })
}

/// True when the command line of `inv` sets one of `editors` (`NAME=VALUE` before the
/// program, or `git -c KEY=VALUE`) to a program that does not itself open a session: the
/// editor then runs without waiting for anyone (`true`, `sed -i …`, `cat`).
fn editor_set_to_batch(inv: &Invocation, editors: &[&str]) -> bool {
    let raw_words = inv.raw.split_whitespace().take_while(|w| *w != inv.program);
    let assignments = raw_words.chain(inv.args.iter().map(String::as_str));
    assignments.into_iter().any(|word| {
        let Some((name, value)) = word.split_once('=') else {
            return false;
        };
        let value = value.trim_matches(|c| c == '"' || c == '\'' || c == ' ');
        let program = value.split_whitespace().next().unwrap_or_default();
        let program = program.rsplit('/').next().unwrap_or_default();
        editors.contains(&name) && !is_session_program(program)
    })
}

/// True when `program` is one of [`PROGRAMS`] that stays interactive whatever it is given
/// (an editor, `top`): as an editor setting it would open a session.
fn is_session_program(program: &str) -> bool {
    program.is_empty()
        || PROGRAMS
            .iter()
            .any(|p| p.operands == ANY && p.names.contains(&family_name(program)))
}

/// The first invocation of `facts` that opens an interactive session, if any. `facts` must
/// be those of the shell command line `command` (its text is read for heredocs and input
/// redirections the invocation does not record).
pub fn session_opened<'f>(facts: &'f ActionFacts, command: &str) -> Option<&'f Invocation> {
    opened(facts, command).map(|(inv, _)| inv)
}

/// What opens a session: a program of [`PROGRAMS`], or a [`Subcommand`] with what to do
/// instead.
enum Opener {
    Program,
    Subcommand(&'static Subcommand),
}

/// The first invocation of `facts` that opens a session, and what it is.
fn opened<'f>(facts: &'f ActionFacts, command: &str) -> Option<(&'f Invocation, Opener)> {
    facts.invocations.iter().find_map(|inv| {
        let fed = || inv.piped_input || input_redirected(inv, command);
        if let Some((entry, rest)) = subcommand(inv) {
            // An editor opens whatever the input is; a prompt reads its answers from it.
            let opens = judge(&entry.how, rest)
                && !editor_set_to_batch(inv, entry.editors)
                && (!entry.editors.is_empty() || !fed());
            if opens {
                return Some((inv, Opener::Subcommand(entry)));
            }
        }
        (opens_session(inv) && !fed()).then_some((inv, Opener::Program))
    })
}

/// Adds the interactive-session finding to `verdict` when `facts` (of the command line
/// `command`) open a session and `setting` does not allow it.
pub fn check(verdict: &mut Verdict, facts: &ActionFacts, command: &str, setting: Interactive) {
    let decision = match setting {
        Interactive::Allow => return,
        Interactive::Ask => Decision::Ask,
        Interactive::Deny => Decision::Deny,
    };
    let Some((inv, opener)) = opened(facts, command) else {
        return;
    };
    let text = match opener {
        Opener::Program => format!(
            "Run commands one by one, each as its own tool call (`bash -c '…'`, `python3 -c '…'` or a script file, `psql -c '…'`): `{}` opens an interactive session, and what is typed into it is never checked",
            inv.program
        ),
        Opener::Subcommand(entry) => {
            let sub = entry.sub.join(" ");
            let name = format!("{} {sub}", entry.program);
            format!(
                "Run it so that it needs no one at the keyboard: {}. `{}` opens {} here, which waits for keys the shell tool cannot send, and what is typed into it is never checked",
                entry.instead,
                name.trim(),
                if entry.editors.is_empty() { "an interactive prompt" } else { "an editor" },
            )
        }
    };
    let violation = Violation {
        anchor_id: "interactive-session".into(),
        text,
        source: format!("ctx, [check] interactive = \"{}\"", decision.as_str()),
        decision,
        evidence: inv.raw.clone(),
        path: None,
        line: None,
    };
    let at = verdict
        .violations
        .iter()
        .position(|v| v.decision < decision)
        .unwrap_or(verdict.violations.len());
    verdict.violations.insert(at, violation);
    verdict.decision = verdict.decision.max(decision);
}

/// True when `inv` runs a listed program with nothing to run on its own.
fn opens_session(inv: &Invocation) -> bool {
    if is_container_program(&inv.program) {
        return container_session(&inv.program, &inv.args);
    }
    let name = family_name(&inv.program);
    PROGRAMS
        .iter()
        .find(|p| p.names.contains(&inv.program.as_str()) || p.names.contains(&name))
        .is_some_and(|p| judge(p, &inv.args))
}

/// `python3.12` → `python`, `lua5.4` → `lua`; other names as they are.
fn family_name(program: &str) -> &str {
    let trimmed = program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    if trimmed.is_empty() {
        program
    } else {
        trimmed
    }
}

/// A cluster of short flags: `-` and one to four letters (`-lc`, `-it`).
fn cluster(word: &str) -> Option<&str> {
    let letters = word.strip_prefix('-')?;
    let ok = (1..=4).contains(&letters.len()) && letters.chars().all(|c| c.is_ascii_alphabetic());
    ok.then_some(letters)
}

fn judge(p: &Program, args: &[String]) -> bool {
    let (mut batch, mut forced, mut operands) = (false, false, 0usize);
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if word == "--" {
            operands += words.len();
            break;
        }
        if word == "-" {
            continue; // the program's standard input, which is the session's
        }
        let is_flag = word.len() > 1 && (word.starts_with('-') || word.starts_with('+'));
        if !is_flag {
            if p.forcing.contains(&word.as_str()) {
                forced = true;
                continue;
            }
            operands += 1;
            if operands > p.operands {
                break;
            }
            continue;
        }
        let name = word.split('=').next().unwrap_or(word);
        if p.values.contains(&name) && !word.contains('=') {
            words.next();
            continue;
        }
        let letters = cluster(word).filter(|l| l.len() > 1).unwrap_or("");
        forced |=
            p.forcing.contains(&name) || letters.chars().any(|c| p.forcing_letters.contains(c));
        batch |= p.batch.contains(&name) || letters.chars().any(|c| p.batch_letters.contains(c));
    }
    if p.needs_forcing {
        return forced && !batch && operands <= p.operands;
    }
    forced || (!batch && operands <= p.operands)
}

fn is_container_program(program: &str) -> bool {
    matches!(program, "docker" | "podman" | "nerdctl" | "kubectl" | "oc")
}

/// `docker exec -it …`, `docker run -i …`, `docker attach`, `docker start -ai`,
/// `kubectl exec -it …`, `kubectl run -i …`, `kubectl attach -i`, `kubectl debug -it`.
fn container_session(program: &str, args: &[String]) -> bool {
    let interactive = |word: &str| {
        matches!(
            word,
            "-i" | "--interactive" | "--interactive=true" | "--stdin" | "--stdin=true"
        ) || cluster(word).is_some_and(|l| l.len() > 1 && l.contains('i'))
    };
    if matches!(program, "kubectl" | "oc") {
        const GLOBAL_VALUES: &[&str] = &[
            "-n",
            "--namespace",
            "--context",
            "--cluster",
            "--kubeconfig",
            "-s",
            "--server",
            "--user",
            "-c",
            "--container",
        ];
        let before: Vec<&str> = args
            .iter()
            .map(String::as_str)
            .take_while(|w| *w != "--")
            .collect();
        let mut sub = None;
        let mut i = 0;
        while i < before.len() {
            match before[i] {
                flag if GLOBAL_VALUES.contains(&flag) => i += 1,
                flag if flag.starts_with('-') => {}
                word => {
                    sub = Some(word);
                    break;
                }
            }
            i += 1;
        }
        return sub.is_some_and(|s| matches!(s, "exec" | "attach" | "run" | "debug"))
            && before.iter().any(|w| interactive(w));
    }
    const GLOBAL_VALUES: &[&str] = &[
        "-H",
        "--host",
        "-c",
        "--context",
        "--config",
        "-l",
        "--log-level",
    ];
    const VALUES: &[&str] = &[
        "-v",
        "--volume",
        "-e",
        "--env",
        "-p",
        "--publish",
        "-w",
        "--workdir",
        "-u",
        "--user",
        "-h",
        "--hostname",
        "-l",
        "--label",
        "-m",
        "--memory",
        "--name",
        "--network",
        "--entrypoint",
        "--env-file",
        "--mount",
        "--platform",
        "--detach-keys",
    ];
    let mut words = args.iter().peekable();
    while let Some(word) = words.next_if(|w| w.starts_with('-')) {
        if GLOBAL_VALUES.contains(&word.as_str()) {
            words.next();
        }
    }
    let mut sub = words.next().map(String::as_str);
    if sub == Some("container") {
        sub = words.next().map(String::as_str);
    }
    match sub {
        Some("attach") => true,
        Some("exec" | "run" | "start") => {
            while let Some(word) = words.next_if(|w| w.starts_with('-')) {
                if interactive(word) {
                    return true;
                }
                if VALUES.contains(&word.as_str()) {
                    words.next();
                }
            }
            false
        }
        _ => false,
    }
}

/// True when the command line feeds `inv` from a heredoc, a here-string or a file (`<`):
/// the text after the invocation's own, up to the end of its statement, holds a `<`.
fn input_redirected(inv: &Invocation, command: &str) -> bool {
    let Some(at) = command.find(inv.raw.as_str()) else {
        return false;
    };
    let rest = &command[at + inv.raw.len()..];
    let end = rest
        .find([';', '&', '|', '\n', '#', ')'])
        .unwrap_or(rest.len());
    inv.raw.contains('<') || rest[..end].contains('<')
}

#[cfg(test)]
mod tests {
    use super::*;
    use ctx_engine::check::PathContext;

    fn opened(command: &str) -> Option<String> {
        let dir = std::env::temp_dir();
        let facts = ctx_indexers::shell::analyze(command, &PathContext::new(&dir, &dir));
        session_opened(&facts, command).map(|inv| inv.program.clone())
    }

    #[test]
    fn sessions_are_found_where_they_open() {
        for (command, program) in [
            ("bash --norc --noprofile", "bash"),
            ("bash", "bash"),
            ("zsh -l", "zsh"),
            ("sh -i", "sh"),
            ("python3", "python3"),
            ("python3.12 -q", "python3.12"),
            ("python3 -i script.py", "python3"),
            ("python -ic 'x = 1'", "python"),
            ("python3 -", "python3"),
            ("ipython", "ipython"),
            ("node", "node"),
            ("node -i -e 'x'", "node"),
            ("deno repl", "deno"),
            ("irb", "irb"),
            ("psql", "psql"),
            ("psql -h db -U app appdb", "psql"),
            ("mysql -u root -p shop", "mysql"),
            ("sqlite3 app.db", "sqlite3"),
            ("redis-cli -h cache", "redis-cli"),
            ("mongosh mongodb://db/app", "mongosh"),
            ("ssh -p 2222 prod", "ssh"),
            ("su -", "su"),
            ("sudo -i", "sudo"),
            ("sudo bash", "bash"),
            ("env FOO=1 python3", "python3"),
            ("bash -lc 'python3'", "python3"),
            ("cd /tmp && psql -h db", "psql"),
            ("docker exec -it web bash", "docker"),
            ("docker run --rm -v a:/b -it ubuntu", "docker"),
            ("docker container exec -i web sh", "docker"),
            ("kubectl exec -it pod -- bash", "kubectl"),
            ("kubectl -n prod exec pod -i -t -- sh", "kubectl"),
            ("vim src/lib.rs", "vim"),
            ("python3 -c 'import os; os.system(\"bash\")'", "bash"),
            // Editors and prompts opened as a side effect.
            ("git commit", "git"),
            ("git commit -a", "git"),
            ("git commit --amend", "git"),
            ("git -C repo commit -v", "git"),
            ("git commit -m 'fix' -e", "git"),
            ("echo msg | git commit", "git"),
            ("GIT_EDITOR=vim git commit", "git"),
            ("git -c core.editor=nano commit", "git"),
            ("git rebase -i HEAD~3", "git"),
            ("git rebase --interactive main", "git"),
            ("git add -p", "git"),
            ("git add --patch src/lib.rs", "git"),
            ("git checkout -p", "git"),
            ("git stash -p", "git"),
            ("git clean -i", "git"),
            ("git tag -a v1", "git"),
            ("git merge -e feature", "git"),
            ("git config --edit", "git"),
            ("git notes edit", "git"),
            ("crontab -e", "crontab"),
            ("visudo", "visudo"),
            ("visudo -f /etc/sudoers.d/app", "visudo"),
            ("sudo visudo", "visudo"),
            ("sudoedit /etc/hosts", "sudoedit"),
            ("sudo -e /etc/hosts", "sudo"),
            ("systemctl edit nginx", "systemctl"),
            ("kubectl -n prod edit deployment/web", "kubectl"),
            ("$EDITOR notes.txt", "$EDITOR"),
            ("cd src && ${VISUAL} main.rs", "${VISUAL}"),
        ] {
            assert_eq!(opened(command).as_deref(), Some(program), "{command}");
        }
    }

    #[test]
    fn batch_runs_are_not_sessions() {
        for command in [
            // Pagers print and exit when their output is not a terminal, as in an agent's
            // shell tool; `man git` and `less README.md` are how agents read.
            "man git",
            "less README.md",
            "more CHANGELOG.md",
            "bash -c 'ls'",
            "bash -lc 'make test'",
            "bash script.sh",
            "sh -ec 'true'",
            "python3 script.py",
            "python3 -m pytest -q",
            "python3 -c 'print(1)'",
            "python3 script.py -i",
            "python3 <<'EOF'\nprint(1)\nEOF",
            "python3 - <<< 'print(1)'",
            "echo 'print(1)' | python3",
            "node app.js",
            "node -e 'console.log(1)'",
            "deno run main.ts",
            "ruby -e 'puts 1'",
            "perl -ne 'print' file",
            "psql -c 'select 1'",
            "psql -h db -f schema.sql",
            "psql < dump.sql",
            "echo 'select 1' | psql",
            "psql appdb <<EOF\nselect 1;\nEOF",
            "mysql -e 'show tables' shop",
            "sqlite3 app.db 'select 1'",
            "redis-cli -h cache get key",
            "ssh prod uptime",
            "ssh -i key prod 'ls /'",
            "su -c 'id' app",
            "sudo",
            "sudo -u app ls",
            "docker exec web ls",
            "docker run --rm ubuntu echo hi",
            "docker ps",
            "kubectl exec pod -- ls",
            "kubectl get pods -it",
            "emacs --batch -l x.el",
            "top -b -n 1",
            "git log",
            "git commit -m 'fix: x'",
            "git commit -am 'fix'",
            "git commit -F msg.txt",
            "git commit --amend --no-edit",
            "git commit --fixup HEAD~1",
            "git commit -C HEAD",
            "git commit --dry-run",
            "GIT_EDITOR=true git commit",
            "env GIT_EDITOR=true git commit --amend",
            "git -c core.editor=true commit",
            "GIT_EDITOR='sed -i s/x/y/' git commit",
            "git rebase main",
            "git rebase --continue",
            "GIT_EDITOR=true git rebase -i --autosquash main",
            "GIT_SEQUENCE_EDITOR=\"sed -i 's/pick/fixup/'\" git rebase -i HEAD~3",
            "git add -A",
            "git add src/lib.rs",
            "yes | git add -p",
            "git checkout main",
            "git stash",
            "git clean -fd",
            "git tag v1",
            "git tag -a v1 -m 'release'",
            "git tag -l",
            "git merge --no-edit feature",
            "git merge feature",
            "git revert --no-edit HEAD",
            "git config user.name x",
            "git notes add -m 'n'",
            "crontab -l",
            "crontab jobs.txt",
            "visudo -c",
            "visudo -cf /etc/sudoers.d/app",
            "systemctl restart nginx",
            "kubectl get deployment",
            "echo $EDITOR",
            "ls -la",
            "grep -r bash .",
            "echo python3",
        ] {
            assert_eq!(opened(command), None, "{command}");
        }
    }

    #[test]
    fn the_setting_decides_and_the_reason_says_what_to_do() {
        let dir = std::env::temp_dir();
        let command = "bash --norc --noprofile";
        let facts = ctx_indexers::shell::analyze(command, &PathContext::new(&dir, &dir));
        let mut verdict = Verdict::allow();
        check(&mut verdict, &facts, command, Interactive::Allow);
        assert_eq!(verdict, Verdict::allow());
        check(&mut verdict, &facts, command, Interactive::Ask);
        assert_eq!(verdict.decision, Decision::Ask);
        let mut verdict = Verdict::allow();
        check(&mut verdict, &facts, command, Interactive::Deny);
        assert_eq!(verdict.decision, Decision::Deny);
        let reason = verdict.reason();
        assert!(reason.contains("Run commands one by one"), "{reason}");
        assert!(reason.contains("interactive = \"deny\""), "{reason}");
        assert!(
            reason.ends_with("matched: bash --norc --noprofile"),
            "{reason}"
        );
    }

    #[test]
    fn an_editor_opened_as_a_side_effect_is_stopped_with_what_to_run_instead() {
        let dir = std::env::temp_dir();
        for (command, advice) in [
            ("git commit -a", "git commit -m"),
            ("git rebase -i HEAD~2", "GIT_SEQUENCE_EDITOR"),
            ("git add -p", "name the files"),
            ("crontab -e", "crontab FILE"),
        ] {
            let facts = ctx_indexers::shell::analyze(command, &PathContext::new(&dir, &dir));
            let mut verdict = Verdict::allow();
            check(&mut verdict, &facts, command, Interactive::Ask);
            assert_eq!(verdict.decision, Decision::Ask, "{command}");
            let reason = verdict.reason();
            assert!(reason.contains(advice), "{command}: {reason}");
            assert!(reason.contains("needs no one at the keyboard"), "{reason}");
            let mut verdict = Verdict::allow();
            check(&mut verdict, &facts, command, Interactive::Allow);
            assert_eq!(verdict, Verdict::allow(), "{command}");
        }
    }
}
