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
//! Not covered: commands that open an editor as a side effect (`git commit` without `-m`,
//! `git rebase -i`), `docker compose exec`, and sessions started through a program ctx does
//! not list.

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
                "vi", "vim", "nvim", "view", "nano", "pico", "emacs", "ed", "ex", "micro", "joe",
                "hx", "helix", "kak", "top", "htop", "btop", "mc", "ranger", "tig", "lazygit",
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

/// The first invocation of `facts` that opens an interactive session, if any. `facts` must
/// be those of the shell command line `command` (its text is read for heredocs and input
/// redirections the invocation does not record).
pub fn session_opened<'f>(facts: &'f ActionFacts, command: &str) -> Option<&'f Invocation> {
    facts
        .invocations
        .iter()
        .find(|inv| !inv.piped_input && opens_session(inv) && !input_redirected(inv, command))
}

/// Adds the interactive-session finding to `verdict` when `facts` (of the command line
/// `command`) open a session and `setting` does not allow it.
pub fn check(verdict: &mut Verdict, facts: &ActionFacts, command: &str, setting: Interactive) {
    let decision = match setting {
        Interactive::Allow => return,
        Interactive::Ask => Decision::Ask,
        Interactive::Deny => Decision::Deny,
    };
    let Some(inv) = session_opened(facts, command) else {
        return;
    };
    let violation = Violation {
        anchor_id: "interactive-session".into(),
        text: format!(
            "Run commands one by one, each as its own tool call (`bash -c '…'`, `python3 -c '…'` or a script file, `psql -c '…'`): `{}` opens an interactive session, and what is typed into it is never checked",
            inv.program
        ),
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
        return forced && !batch && operands == 0;
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
}
