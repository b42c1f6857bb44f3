//! Wrapper programs that run another program (`sudo`, `env`, `timeout`, `xargs`, `bash -c`…):
//! one unwrapping step at a time, table-driven so a new wrapper is a one-line change.

use ctx_engine::anchor::GIT_GLOBAL_VALUE_OPTIONS;

/// What the first word of a command does with the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A plain program: no unwrapping.
    Program,
    /// A wrapper named `name`; the wrapped command starts at word `rest`.
    Wrapper {
        /// The wrapper, as recorded in `Invocation::wrappers`.
        name: String,
        /// Index of the wrapped command's first word.
        rest: usize,
    },
    /// A wrapper that runs a shell script given as a string (`bash -c S`, `eval S`).
    Script {
        /// The wrapper, as recorded.
        name: String,
        /// The script text.
        script: String,
        /// Its positional parameters from `$0` (`sh -c S NAME A B`), when given.
        args: Option<Vec<String>>,
    },
    /// A shell reading a script file (`bash x.sh`, `source x.sh`).
    ScriptFile {
        /// The wrapper, as recorded.
        name: String,
        /// The script's path as written.
        path: String,
        /// Its positional parameters: the path, then the arguments.
        args: Vec<String>,
    },
    /// A shell reading its script from stdin (`bash`, `sh -s`, `curl … | sh`).
    ShellStdin,
    /// A wrapper that only looks the program up and runs nothing (`command -v git`).
    LookupOnly,
}

/// Shells whose `-c` string and script files ctx analyses.
const SHELLS: &[&str] = &[
    "bash", "sh", "zsh", "dash", "ksh", "ash", "mksh", "fish", "rbash",
];

/// Wrappers: name, short options that take a value, long options that take a value
/// (as `--opt VALUE`; `--opt=VALUE` is always one word), and how many leading operands
/// they consume before the command (e.g. `timeout DURATION`).
const WRAPPERS: &[(&str, &[&str], &[&str], usize)] = &[
    (
        "sudo",
        &[
            "-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "-R",
        ],
        &[
            "--user",
            "--group",
            "--chdir",
            "--prompt",
            "--role",
            "--type",
            "--other-user",
            "--host",
            "--close-from",
            "--command-timeout",
        ],
        0,
    ),
    ("doas", &["-u", "-C"], &[], 0),
    (
        "run0",
        &["-u", "-g", "-D"],
        &[
            "--user",
            "--group",
            "--chdir",
            "--description",
            "--unit",
            "--property",
            "--setenv",
            "--nice",
        ],
        0,
    ),
    ("pkexec", &[], &["--user"], 0),
    ("env", &["-u", "-C"], &["--unset", "--chdir"], 0),
    ("nohup", &[], &[], 0),
    ("setsid", &[], &[], 0),
    ("unbuffer", &[], &[], 0),
    ("time", &["-f", "-o"], &["--format", "--output"], 0),
    ("nice", &["-n"], &["--adjustment"], 0),
    (
        "ionice",
        &["-c", "-n", "-p", "-P", "-u"],
        &["--class", "--classdata"],
        0,
    ),
    ("timeout", &["-s", "-k"], &["--signal", "--kill-after"], 1),
    (
        "stdbuf",
        &["-i", "-o", "-e"],
        &["--input", "--output", "--error"],
        0,
    ),
    ("builtin", &[], &[], 0),
    ("exec", &["-a"], &[], 0),
    ("command", &[], &[], 0),
    (
        "xargs",
        &["-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s"],
        &[
            "--arg-file",
            "--delimiter",
            "--eof",
            "--replace",
            "--max-lines",
            "--max-args",
            "--max-procs",
            "--max-chars",
            "--process-slot-var",
        ],
        0,
    ),
    ("busybox", &[], &[], 0),
    ("chronic", &[], &[], 0),
    ("caffeinate", &["-t", "-w"], &[], 0),
    (
        "flock",
        &["-w", "-E", "-c"],
        &["--timeout", "--conflict-exit-code"],
        1,
    ),
    ("chroot", &[], &["--userspec", "--groups"], 1),
    ("taskset", &[], &[], 1),
    (
        "watch",
        &["-n", "-d", "-q"],
        &["--interval", "--differences"],
        0,
    ),
    (
        "strace",
        &[
            "-o", "-e", "-p", "-s", "-u", "-E", "-a", "-b", "-I", "-O", "-P", "-S", "-X",
        ],
        &[
            "--output",
            "--expr",
            "--attach",
            "--string-limit",
            "--user",
            "--env",
        ],
        0,
    ),
    (
        "ltrace",
        &["-o", "-e", "-p", "-s", "-u", "-n", "-a"],
        &["--output"],
        0,
    ),
    ("valgrind", &[], &[], 0),
    (
        "unshare",
        &["-S", "-G", "-R", "-w"],
        &["--setuid", "--setgid", "--root", "--wd", "--propagation"],
        0,
    ),
    (
        "nsenter",
        &["-t", "-S", "-G", "-r", "-w"],
        &["--target", "--setuid", "--setgid"],
        0,
    ),
    ("chrt", &[], &[], 1),
    ("prlimit", &["-p"], &["--pid"], 0),
    (
        "setpriv",
        &[],
        &[
            "--reuid",
            "--regid",
            "--groups",
            "--inh-caps",
            "--bounding-set",
        ],
        0,
    ),
    (
        "systemd-run",
        &["-p", "-u", "-E", "-M", "-H"],
        &[
            "--property",
            "--unit",
            "--setenv",
            "--machine",
            "--host",
            "--description",
            "--slice",
            "--working-directory",
            "--uid",
            "--gid",
            "--nice",
        ],
        0,
    ),
    ("fakeroot", &["-l", "-s", "-i"], &["--lib", "--faked"], 0),
    ("eatmydata", &[], &[], 0),
    ("faketime", &["-f"], &[], 1),
    ("firejail", &[], &[], 0),
    ("proxychains", &["-f"], &[], 0),
    ("proxychains4", &["-f"], &[], 0),
    ("torsocks", &["-u", "-p", "-a", "-P"], &[], 0),
    (
        "xvfb-run",
        &["-n", "-s", "-f", "-e", "-p"],
        &[
            "--server-num",
            "--server-args",
            "--auth-file",
            "--error-file",
        ],
        0,
    ),
    (
        "dbus-run-session",
        &[],
        &["--config-file", "--dbus-daemon"],
        0,
    ),
    ("catchsegv", &[], &[], 0),
    (
        "runuser",
        &["-u", "-g", "-G", "-w"],
        &[
            "--user",
            "--group",
            "--supp-group",
            "--whitelist-environment",
        ],
        0,
    ),
];

/// The program name of a command word: the last path component (`/usr/bin/git` is `git`).
pub fn program_name(word: &str) -> String {
    let trimmed = word.trim();
    let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
    if base.is_empty() {
        trimmed.to_string()
    } else {
        base.to_string()
    }
}

/// True for `NAME=value` words (environment assignments before a command).
pub fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Decides what `words[0]` does with the rest of `words`.
pub fn step(words: &[String]) -> Step {
    let Some(first) = words.first() else {
        return Step::Program;
    };
    let program = program_name(first);
    if SHELLS.contains(&program.as_str()) {
        return shell_step(&program, words);
    }
    match program.as_str() {
        "eval" => {
            return Step::Script {
                name: "eval".into(),
                script: words[1..].join(" "),
                args: None,
            }
        }
        "source" | "." => {
            return match words.get(1) {
                Some(path) => Step::ScriptFile {
                    name: program,
                    path: path.clone(),
                    args: words[1..].to_vec(),
                },
                None => Step::Program,
            }
        }
        "su" | "runuser" | "sg" | "script" | "flock" => {
            if let Some(script) = command_option(words) {
                return Step::Script {
                    name: format!("{program} -c"),
                    script,
                    args: None,
                };
            }
            if program == "sg" && words.len() > 2 {
                return Step::Script {
                    name: "sg".into(),
                    script: words[2..].join(" "),
                    args: None,
                };
            }
            if program == "su" {
                return Step::Program;
            }
        }
        "command" if words[1..].iter().any(|w| w == "-v" || w == "-V") => return Step::LookupOnly,
        "env" => {
            if let Some(split) = env_split_string(words) {
                return split;
            }
        }
        "watch" => {
            let rest = skip_options(words, 1, &["-n", "-d", "-q"], &["--interval"], 0);
            if rest < words.len() {
                return Step::Script {
                    name: "watch".into(),
                    script: words[rest..].join(" "),
                    args: None,
                };
            }
        }
        _ => {}
    }
    let Some((name, short, long, operands)) = WRAPPERS.iter().find(|(name, ..)| *name == program)
    else {
        return Step::Program;
    };
    let mut rest = skip_options(words, 1, short, long, *operands);
    if matches!(*name, "env" | "sudo" | "doas" | "run0") {
        while rest < words.len() && is_assignment(&words[rest]) {
            rest += 1;
        }
    }
    // `sudo -e FILE…` (sudoedit) edits the files: there is no command to unwrap.
    let options = words.get(1..rest.min(words.len())).unwrap_or_default();
    let edits = *name == "sudo" && options.iter().any(|w| w == "-e" || w == "--edit");
    if rest >= words.len() || edits {
        return Step::Program;
    }
    Step::Wrapper {
        name: name.to_string(),
        rest,
    }
}

/// `env -S 'cmd args'` / `--split-string=…`: the string is split into the command.
fn env_split_string(words: &[String]) -> Option<Step> {
    let mut i = 1;
    while i < words.len() {
        let word = &words[i];
        if word == "-S" || word == "--split-string" {
            let script = words.get(i + 1..)?.join(" ");
            return Some(Step::Script {
                name: "env -S".into(),
                script,
                args: None,
            });
        }
        if let Some(value) = word.strip_prefix("--split-string=") {
            let mut script = value.to_string();
            for extra in &words[i + 1..] {
                script.push(' ');
                script.push_str(extra);
            }
            return Some(Step::Script {
                name: "env -S".into(),
                script,
                args: None,
            });
        }
        if !word.starts_with('-') && !is_assignment(word) {
            return None;
        }
        i += 1;
    }
    None
}

/// Skips options from `start`; returns the index of the first operand after `operands`
/// leading operands.
fn skip_options(
    words: &[String],
    start: usize,
    short_with_value: &[&str],
    long_with_value: &[&str],
    operands: usize,
) -> usize {
    let mut i = start;
    while i < words.len() {
        let word = words[i].as_str();
        if word == "--" {
            i += 1;
            break;
        }
        if !word.starts_with('-') || word == "-" {
            break;
        }
        if let Some(long) = word.strip_prefix("--") {
            i += 1;
            if !long.contains('=') && long_with_value.contains(&word) {
                i += 1;
            }
            continue;
        }
        // Numeric options such as `nice -5`; a bundle (`-nu root`) takes a value when its
        // last letter does.
        i += 1;
        if takes_value(word, short_with_value) {
            i += 1;
        }
    }
    (i + operands).min(words.len().max(i))
}

fn shell_step(program: &str, words: &[String]) -> Step {
    let mut i = 1;
    let mut wants_c = false;
    let mut reads_stdin = false;
    while i < words.len() {
        let word = words[i].as_str();
        if word == "--" || word == "-" {
            i += 1;
            break;
        }
        if word.starts_with("--") {
            i += 1;
            if matches!(word, "--rcfile" | "--init-file") {
                i += 1;
            }
            continue;
        }
        if (word.starts_with('-') || word.starts_with('+')) && word.len() > 1 {
            let flags = &word[1..];
            if flags.contains('c') {
                wants_c = true;
            }
            if flags.contains('s') {
                reads_stdin = true;
            }
            i += 1;
            if flags.contains('o') || flags.contains('O') {
                i += 1;
            }
            continue;
        }
        break;
    }
    let name = program.to_string();
    if wants_c {
        return match words.get(i) {
            Some(script) => Step::Script {
                name: format!("{name} -c"),
                script: script.clone(),
                args: (words.len() > i + 1).then(|| words[i + 1..].to_vec()),
            },
            None => Step::Program,
        };
    }
    match words.get(i) {
        Some(path) if !reads_stdin => Step::ScriptFile {
            name,
            path: path.clone(),
            args: words[i..].to_vec(),
        },
        _ => Step::ShellStdin,
    }
}

/// True when a short option word needs the next word as its value: `-u` itself, or a bundle
/// such as `-nu` whose last letter is `-u` (`-uroot` carries its value).
fn takes_value(word: &str, short_with_value: &[&str]) -> bool {
    if short_with_value.contains(&word) {
        return true;
    }
    let Some(letters) = word.strip_prefix('-') else {
        return false;
    };
    if letters.len() < 2 || !letters.chars().all(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    for (i, c) in letters.char_indices() {
        if short_with_value.contains(&format!("-{c}").as_str()) {
            return i + c.len_utf8() == letters.len();
        }
    }
    false
}

/// `su`, `runuser`, `sg`, `script`, `flock`: the command string of `-c`/`--command`, if any.
fn command_option(words: &[String]) -> Option<String> {
    for (i, word) in words.iter().enumerate().skip(1) {
        if matches!(word.as_str(), "-c" | "--command" | "--session-command") {
            return words.get(i + 1).cloned();
        }
        if let Some(value) = word
            .strip_prefix("--command=")
            .or_else(|| word.strip_prefix("--session-command="))
        {
            return Some(value.to_string());
        }
        // A bundle ending in `c` (`script -qc CMD`).
        if word.starts_with('-') && !word.starts_with("--") && word.len() > 2 && word.ends_with('c')
        {
            return words.get(i + 1).cloned();
        }
    }
    None
}

/// Scripts a program runs besides itself (it is recorded too): git aliases starting with `!`
/// (`git -c alias.x='!rm -rf ~' x`) or naming another git command, `git rebase --exec`, `git
/// submodule foreach`, `git bisect run`, and `trap 'CMD' SIGNAL`.
pub fn embedded_scripts(program: &str, args: &[String]) -> Vec<(String, String)> {
    match program {
        "git" => git_scripts(args),
        "trap" => match args {
            [script, signals @ ..]
                if !signals.is_empty() && !script.starts_with('-') && !script.is_empty() =>
            {
                vec![("trap".into(), script.clone())]
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Where git's subcommand is in `args`: its first operand after the options before it.
pub(super) fn git_subcommand_at(args: &[String]) -> Option<usize> {
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            option if GIT_GLOBAL_VALUE_OPTIONS.contains(&option) => i += 2,
            option if option.starts_with('-') => i += 1,
            _ => return Some(i),
        }
    }
    None
}

fn git_scripts(args: &[String]) -> Vec<(String, String)> {
    let Some(i) = git_subcommand_at(args) else {
        return Vec::new();
    };
    let aliases: Vec<(String, String)> = args[..i]
        .windows(2)
        .filter(|pair| pair[0] == "-c")
        .filter_map(|pair| pair[1].split_once('='))
        .filter_map(|(key, value)| {
            Some((key.strip_prefix("alias.")?.to_string(), value.to_string()))
        })
        .collect();
    let sub = &args[i];
    let rest = &args[i + 1..];
    if let Some((_, value)) = aliases.iter().find(|(name, _)| name == sub) {
        let script = match value.strip_prefix('!') {
            Some(shell) => format!("{shell} {}", quote_all(rest)),
            None => format!("git {value} {}", quote_all(rest)),
        };
        return vec![(format!("git alias {sub}"), script)];
    }
    match sub.as_str() {
        "rebase" => rest
            .iter()
            .enumerate()
            .filter_map(|(j, a)| {
                if a == "--exec" || a == "-x" {
                    rest.get(j + 1).cloned()
                } else {
                    a.strip_prefix("--exec=").map(String::from)
                }
            })
            .map(|script| ("git rebase --exec".to_string(), script))
            .collect(),
        "submodule" if rest.first().is_some_and(|a| a == "foreach") => {
            let command: Vec<String> = rest[1..]
                .iter()
                .skip_while(|a| a.starts_with('-'))
                .cloned()
                .collect();
            if command.is_empty() {
                Vec::new()
            } else {
                vec![("git submodule foreach".into(), command.join(" "))]
            }
        }
        "bisect" if rest.first().is_some_and(|a| a == "run") && rest.len() > 1 => {
            vec![("git bisect run".into(), quote_all(&rest[1..]))]
        }
        _ => Vec::new(),
    }
}

/// Words single-quoted for a shell.
fn quote_all(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn sudo_with_user_unwraps_to_the_command() {
        assert_eq!(
            step(&words("sudo -u root -E rm -rf /")),
            Step::Wrapper {
                name: "sudo".into(),
                rest: 4
            }
        );
    }

    #[test]
    fn env_skips_flags_and_assignments() {
        assert_eq!(
            step(&words("env -i -u HOME A=1 B=2 git push")),
            Step::Wrapper {
                name: "env".into(),
                rest: 6
            }
        );
    }

    #[test]
    fn timeout_skips_its_duration() {
        assert_eq!(
            step(&words("timeout -s KILL 10 git status")),
            Step::Wrapper {
                name: "timeout".into(),
                rest: 4
            }
        );
    }

    #[test]
    fn shells_with_c_give_their_script() {
        let w = vec![
            "bash".to_string(),
            "-lc".to_string(),
            "rm -rf /".to_string(),
        ];
        assert_eq!(
            step(&w),
            Step::Script {
                name: "bash -c".into(),
                script: "rm -rf /".into(),
                args: None,
            }
        );
        assert_eq!(step(&words("sh")), Step::ShellStdin);
        assert_eq!(
            step(&words("bash -x run.sh")),
            Step::ScriptFile {
                name: "bash".into(),
                path: "run.sh".into(),
                args: vec!["run.sh".into()],
            }
        );
    }

    #[test]
    fn bundles_ending_in_a_value_option_take_the_value() {
        assert_eq!(
            step(&words("sudo -nu root rm -rf /")),
            Step::Wrapper {
                name: "sudo".into(),
                rest: 3
            }
        );
        assert_eq!(
            step(&words("nice -qn 10 git push")),
            Step::Wrapper {
                name: "nice".into(),
                rest: 3
            }
        );
    }

    #[test]
    fn git_aliases_and_exec_options_run_scripts() {
        let w = vec![
            "-c".to_string(),
            "alias.nuke=!rm -rf ~".to_string(),
            "nuke".to_string(),
        ];
        assert_eq!(embedded_scripts("git", &w)[0].1.trim(), "rm -rf ~");
        assert_eq!(
            embedded_scripts("git", &words("rebase --exec make main"))[0].1,
            "make"
        );
        assert!(embedded_scripts("git", &words("status")).is_empty());
        assert_eq!(
            embedded_scripts("trap", &words("cleanup EXIT"))[0].1,
            "cleanup"
        );
    }

    #[test]
    fn su_and_script_run_their_command_string() {
        let w: Vec<String> = ["su", "root", "-c", "rm -rf /"].map(String::from).to_vec();
        assert!(matches!(step(&w), Step::Script { script, .. } if script == "rm -rf /"));
        let w: Vec<String> = ["script", "-qc", "rm -rf ~", "/dev/null"]
            .map(String::from)
            .to_vec();
        assert!(matches!(step(&w), Step::Script { script, .. } if script == "rm -rf ~"));
    }

    #[test]
    fn command_v_runs_nothing() {
        assert_eq!(step(&words("command -v git")), Step::LookupOnly);
    }

    #[test]
    fn a_lone_wrapper_is_a_program() {
        assert_eq!(step(&words("sudo")), Step::Program);
        // A value flag without its value (fuzzed: this panicked once).
        assert_eq!(step(&words("sudo -nu")), Step::Program);
        assert_eq!(step(&words("sudo -e /etc/hosts")), Step::Program);
        assert_eq!(step(&words("env")), Step::Program);
    }

    #[test]
    fn program_names_drop_directories() {
        assert_eq!(program_name("/usr/bin/git"), "git");
        assert_eq!(program_name("./node_modules/.bin/vitest"), "vitest");
        assert_eq!(program_name("git"), "git");
    }
}
