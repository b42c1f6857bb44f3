//! Wrapper programs that run another program (`sudo`, `env`, `timeout`, `xargs`, `bash -c`…):
//! one unwrapping step at a time, table-driven so a new wrapper is a one-line change.

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
    },
    /// A shell reading a script file (`bash x.sh`, `source x.sh`).
    ScriptFile {
        /// The wrapper, as recorded.
        name: String,
        /// The script's path as written.
        path: String,
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
            }
        }
        "source" | "." => {
            return match words.get(1) {
                Some(path) => Step::ScriptFile {
                    name: program,
                    path: path.clone(),
                },
                None => Step::Program,
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
    if rest >= words.len() {
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
        // Numeric options such as `nice -5`.
        i += 1;
        if short_with_value.contains(&word) {
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
            },
            None => Step::Program,
        };
    }
    match words.get(i) {
        Some(path) if !reads_stdin => Step::ScriptFile {
            name,
            path: path.clone(),
        },
        _ => Step::ShellStdin,
    }
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
                script: "rm -rf /".into()
            }
        );
        assert_eq!(step(&words("sh")), Step::ShellStdin);
        assert_eq!(
            step(&words("bash -x run.sh")),
            Step::ScriptFile {
                name: "bash".into(),
                path: "run.sh".into()
            }
        );
    }

    #[test]
    fn command_v_runs_nothing() {
        assert_eq!(step(&words("command -v git")), Step::LookupOnly);
    }

    #[test]
    fn a_lone_wrapper_is_a_program() {
        assert_eq!(step(&words("sudo")), Step::Program);
        assert_eq!(step(&words("env")), Step::Program);
    }

    #[test]
    fn program_names_drop_directories() {
        assert_eq!(program_name("/usr/bin/git"), "git");
        assert_eq!(program_name("./node_modules/.bin/vitest"), "vitest");
        assert_eq!(program_name("git"), "git");
    }
}
