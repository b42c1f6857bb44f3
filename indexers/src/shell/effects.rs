//! File effects of well-known programs: which files a command writes, edits or deletes.
//!
//! Choices, documented once:
//! - `rm`, `rmdir`, `unlink`, `shred` delete their operands; `find … -delete` deletes its
//!   start paths (the whole subtree may go).
//! - `mv` deletes each source and writes the target (inside the target when it is a directory).
//! - `cp`, `install`, `ln` write the target; `touch`, `truncate`, `dd of=` write their files.
//! - `sed -i`, `perl -i` edit their files; `tee -a` and `>>` edit (append), `tee` and `>` write.
//! - `chmod`, `chown` and `chgrp` count as edits: they change who may read or run a file, which
//!   a rule protecting the file is meant to cover.
//! - Programs that print a file's content read it: pagers and `cat`-likes, `head`/`tail`,
//!   `sed` without `-i`, `awk`, `grep`-likes (not with `-l`, `-L`, `-c` or `-q`, which print no
//!   content), `jq`/`yq`, dumpers (`xxd`, `od`, `strings`, `base64`), `diff`; and `< file`
//!   feeds a file to any command. Only matchers that name reads see these.

use ctx_engine::check::{AddedLine, FileEffect, FileOp, PathContext};

/// The file effects of running `program args` in `ctx`.
pub fn program_effects(program: &str, args: &[String], ctx: &PathContext) -> Vec<FileEffect> {
    let effect = |path: &str, op: FileOp| effect(ctx, path, op, program);
    match program {
        "rm" | "rmdir" | "unlink" | "shred" | "srm" => operands(args)
            .iter()
            .map(|p| effect(p, FileOp::Delete))
            .collect(),
        "mv" => move_effects(args, ctx),
        "git" => git_effects(args, ctx),
        "cp" | "install" | "ln" | "rsync" => {
            let (_, target) = sources_and_target(args);
            target
                .map(|t| vec![effect(&t, FileOp::Write)])
                .unwrap_or_default()
        }
        "touch" | "mkfifo" => operands(args)
            .iter()
            .map(|p| effect(p, FileOp::Write))
            .collect(),
        "truncate" => operands_skipping(args, &["-s", "-r", "--size", "--reference"])
            .iter()
            .map(|p| effect(p, FileOp::Write))
            .collect(),
        "chmod" | "chown" | "chgrp" => operands(args)
            .iter()
            .skip(1)
            .map(|p| effect(p, FileOp::Edit))
            .collect(),
        "dd" => args
            .iter()
            .filter_map(|a| a.strip_prefix("of="))
            .map(|p| effect(p, FileOp::Write))
            .collect(),
        "tee" => {
            let append = args.iter().any(|a| a == "-a" || a == "--append");
            let op = if append { FileOp::Edit } else { FileOp::Write };
            operands(args)
                .iter()
                .filter(|p| !is_device(p))
                .map(|p| effect(p, op))
                .collect()
        }
        "sed" | "gsed" if !edits_in_place(args) => {
            after_script(args, &["-e", "-f", "--expression", "--file"], &[])
                .iter()
                .map(|p| effect(p, FileOp::Read))
                .collect()
        }
        "sed" | "gsed" => in_place_edits(args, ctx, "sed", &["-e", "-f", "--expression", "--file"]),
        "perl" => in_place_edits(args, ctx, "perl", &["-e", "-E", "-M", "-I", "-m"]),
        "find" => find_deletes(args, ctx),
        _ => read_operands(program, args)
            .iter()
            .map(|p| effect(p, FileOp::Read))
            .collect(),
    }
}

/// `bat`'s options that take a value (Debian installs it as `batcat`).
const BAT_OPTIONS: &[&str] = &[
    "-l",
    "--language",
    "-r",
    "--line-range",
    "--style",
    "--theme",
];

/// Programs whose operands are all files they print (options with a value listed).
const PRINTERS: &[(&str, &[&str])] = &[
    ("cat", &[]),
    ("tac", &[]),
    ("nl", &["-b", "-s", "-w", "-v", "-i"]),
    ("less", &[]),
    ("more", &[]),
    ("most", &[]),
    ("bat", BAT_OPTIONS),
    ("batcat", BAT_OPTIONS),
    ("head", &["-n", "-c", "--lines", "--bytes"]),
    ("tail", &["-n", "-c", "--lines", "--bytes", "-s", "--pid"]),
    ("cut", &["-d", "-f", "-b", "-c", "--delimiter", "--fields"]),
    (
        "sort",
        &["-k", "-t", "-o", "--key", "--field-separator", "--output"],
    ),
    ("uniq", &["-f", "-s", "-w"]),
    ("xxd", &["-c", "-l", "-s", "-g"]),
    ("hexdump", &["-n", "-s", "-e"]),
    ("od", &["-N", "-j", "-t", "-A", "-w"]),
    ("strings", &["-n", "-t"]),
    ("base64", &["-w", "--wrap"]),
    ("diff", &["-U", "-C", "--label"]),
    ("view", &[]),
];

/// Programs whose first operand is a script or pattern and the rest files they print, with
/// the options that give the script instead (and so make every operand a file).
const SCRIPTED: &[(&str, &[&str], &[&str])] = &[
    ("awk", &["-f"], &["-F", "-v"]),
    ("gawk", &["-f"], &["-F", "-v"]),
    ("jq", &["--from-file"], &["--arg", "--argjson", "--indent"]),
    ("yq", &["--from-file"], &["--arg"]),
    (
        "grep",
        &["-e", "-f", "--regexp", "--file"],
        &["-A", "-B", "-C", "-m", "--max-count"],
    ),
    (
        "egrep",
        &["-e", "-f", "--regexp", "--file"],
        &["-A", "-B", "-C", "-m"],
    ),
    (
        "fgrep",
        &["-e", "-f", "--regexp", "--file"],
        &["-A", "-B", "-C", "-m"],
    ),
    (
        "rg",
        &["-e", "-f", "--regexp", "--file"],
        &["-A", "-B", "-C", "-m", "-g", "--glob", "-t", "--type", "-T"],
    ),
    ("ag", &[], &["-A", "-B", "-C", "-m", "-G"]),
];

/// Search options that print file names, counts or nothing instead of content.
const NO_CONTENT: &[&str] = &[
    "-l",
    "-L",
    "-c",
    "-q",
    "--files-with-matches",
    "--files-without-match",
    "--count",
    "--quiet",
    "--silent",
];

/// The files `program` prints the content of.
fn read_operands(program: &str, args: &[String]) -> Vec<String> {
    if let Some((_, with_value)) = PRINTERS.iter().find(|(name, _)| *name == program) {
        return operands_skipping(args, with_value);
    }
    let Some((_, script_options, with_value)) = SCRIPTED.iter().find(|(name, ..)| *name == program)
    else {
        return Vec::new();
    };
    let prints_content = !args.iter().any(|a| {
        NO_CONTENT.contains(&a.as_str())
            || a.starts_with('-')
                && !a.starts_with("--")
                && a[1..].chars().any(|c| "lLcq".contains(c))
    });
    match prints_content {
        true => after_script(args, script_options, with_value),
        false => Vec::new(),
    }
}

/// The operands after a script or pattern: all of them when an option gave the script.
fn after_script(args: &[String], script_options: &[&str], with_value: &[&str]) -> Vec<String> {
    let skipping: Vec<&str> = script_options.iter().chain(with_value).copied().collect();
    let mut files = operands_skipping(args, &skipping);
    let script_given = args.iter().any(|a| {
        script_options.contains(&a.as_str())
            || script_options
                .iter()
                .any(|o| o.starts_with("--") && a.starts_with(&format!("{o}=")))
    });
    if !script_given && !files.is_empty() {
        files.remove(0);
    }
    files.retain(|f| f != "-");
    files
}

/// True when `sed`/`perl` arguments ask for an in-place edit.
fn edits_in_place(args: &[String]) -> bool {
    args.iter().any(|a| {
        a == "--in-place"
            || a.starts_with("--in-place=")
            || (a.starts_with('-') && !a.starts_with("--") && a[1..].contains('i'))
    })
}

/// The read of a file fed to a command's standard input (`< file`).
pub fn input_effect(ctx: &PathContext, target: &str) -> Option<FileEffect> {
    (!is_device(target) && !target.is_empty())
        .then(|| effect(ctx, target, FileOp::Read, "< redirection"))
}

/// A file effect of a redirection (`>`, `>>`, `&>`…) to `target`; none for devices.
pub fn redirect_effect(
    ctx: &PathContext,
    operator: &str,
    target: &str,
    content: Option<&str>,
) -> Option<FileEffect> {
    if is_device(target) || target.is_empty() || target.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let op = if operator.contains(">>") {
        FileOp::Edit
    } else {
        FileOp::Write
    };
    let mut effect = effect(ctx, target, op, &format!("{operator} redirection"));
    if let Some(content) = content {
        effect.added = added_lines(content, op == FileOp::Write);
    }
    Some(effect)
}

/// Lines of written content; numbered from 1 when the content is the whole file.
pub fn added_lines(content: &str, whole_file: bool) -> Vec<AddedLine> {
    content
        .lines()
        .enumerate()
        .map(|(i, text)| AddedLine {
            line: whole_file.then_some(i as u32 + 1),
            text: text.to_string(),
        })
        .collect()
}

fn effect(ctx: &PathContext, path: &str, op: FileOp, via: &str) -> FileEffect {
    FileEffect {
        path: ctx.normalize(path),
        op,
        added: Vec::new(),
        removed: Vec::new(),
        via: via.to_string(),
    }
}

fn is_device(path: &str) -> bool {
    path.starts_with("/dev/") || path == "-" || path.starts_with("/proc/self/fd")
}

/// Non-option arguments (everything after `--` counts as an operand).
fn operands(args: &[String]) -> Vec<String> {
    operands_skipping(args, &[])
}

fn operands_skipping(args: &[String], with_value: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut only_operands = false;
    let mut skip_next = false;
    for arg in args {
        if skip_next {
            skip_next = false;
            continue;
        }
        if only_operands || !arg.starts_with('-') || arg == "-" {
            out.push(arg.clone());
        } else if arg == "--" {
            only_operands = true;
        } else if with_value.contains(&arg.as_str()) {
            skip_next = true;
        }
    }
    out
}

/// Sources and target of `cp`/`mv`/`ln`/`install`, honouring `-t DIR`.
fn sources_and_target(args: &[String]) -> (Vec<String>, Option<String>) {
    let with_value = [
        "-t",
        "--target-directory",
        "-S",
        "--suffix",
        "-m",
        "--mode",
        "-o",
        "--owner",
        "-g",
        "--group",
    ];
    let mut ops = operands_skipping(args, &with_value);
    let target_dir = args
        .iter()
        .position(|a| a == "-t" || a == "--target-directory")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| {
            args.iter()
                .find_map(|a| a.strip_prefix("--target-directory=").map(String::from))
        });
    if let Some(dir) = target_dir {
        let targets = ops
            .iter()
            .map(|s| format!("{dir}/{}", basename(s)))
            .collect::<Vec<_>>();
        return (ops, targets.into_iter().next().or(Some(dir)));
    }
    if ops.len() < 2 {
        return (ops, None);
    }
    let target = ops.pop();
    (ops, target)
}

fn move_effects(args: &[String], ctx: &PathContext) -> Vec<FileEffect> {
    let (sources, target) = sources_and_target(args);
    let Some(target) = target else {
        return Vec::new();
    };
    let target_is_dir = ctx.absolute(&target).is_dir();
    let mut out = Vec::new();
    for source in &sources {
        out.push(effect(ctx, source, FileOp::Delete, "mv"));
        let written = if target_is_dir {
            format!("{}/{}", target.trim_end_matches('/'), basename(source))
        } else {
            target.clone()
        };
        out.push(effect(ctx, &written, FileOp::Write, "mv"));
    }
    out
}

/// `git mv a b` moves as `mv` does; `git rm a` deletes (with `--cached` it only unstages).
/// Git's own `-C dir` moves where relative paths start; its other options are skipped.
fn git_effects(args: &[String], ctx: &PathContext) -> Vec<FileEffect> {
    let mut here = ctx.clone();
    let mut rest = args;
    while let Some(first) = rest.first().filter(|a| a.starts_with('-')) {
        match (first.as_str(), rest.get(1)) {
            ("-C", Some(dir)) => {
                here = here.with_cwd(dir);
                rest = &rest[2..];
            }
            ("-c", Some(_)) => rest = &rest[2..],
            _ => rest = &rest[1..],
        }
    }
    match rest.split_first() {
        Some((sub, tail)) if sub == "mv" => move_effects(tail, &here),
        Some((sub, tail)) if sub == "rm" && !tail.iter().any(|a| a == "--cached") => operands(tail)
            .iter()
            .map(|p| effect(&here, p, FileOp::Delete, "git rm"))
            .collect(),
        _ => Vec::new(),
    }
}

fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// `sed -i` / `perl -pi -e`: the files after the script are edited in place.
fn in_place_edits(
    args: &[String],
    ctx: &PathContext,
    program: &str,
    script_options: &[&str],
) -> Vec<FileEffect> {
    if !edits_in_place(args) {
        return Vec::new();
    }
    let mut explicit_script = false;
    let mut ops = Vec::new();
    let mut skip_next = false;
    for arg in args {
        if skip_next {
            skip_next = false;
            continue;
        }
        if arg.starts_with('-') && arg.len() > 1 {
            let takes_value = script_options.contains(&arg.as_str())
                || (arg.ends_with('e') && !arg.starts_with("--"));
            if takes_value {
                explicit_script = true;
                skip_next = true;
            }
            continue;
        }
        ops.push(arg.clone());
    }
    if !explicit_script && !ops.is_empty() {
        ops.remove(0);
    }
    ops.iter()
        .map(|p| effect(ctx, p, FileOp::Edit, &format!("{program} -i")))
        .collect()
}

/// `find PATHS… -delete`: the start paths' subtrees lose files.
fn find_deletes(args: &[String], ctx: &PathContext) -> Vec<FileEffect> {
    if !args.iter().any(|a| a == "-delete") {
        return Vec::new();
    }
    let starts: Vec<&String> = args
        .iter()
        .take_while(|a| !a.starts_with('-') && *a != "(" && *a != "!")
        .collect();
    let starts = if starts.is_empty() {
        vec![".".to_string()]
    } else {
        starts.into_iter().cloned().collect()
    };
    starts
        .iter()
        .map(|p| effect(ctx, p, FileOp::Delete, "find -delete"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    fn paths(effects: &[FileEffect]) -> Vec<(String, FileOp)> {
        effects.iter().map(|e| (e.path.clone(), e.op)).collect()
    }

    fn ctx() -> (tempfile::TempDir, PathContext) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("dir")).unwrap();
        let ctx = PathContext::new(dir.path(), dir.path());
        (dir, ctx)
    }

    #[test]
    fn rm_deletes_every_operand() {
        let (_d, c) = ctx();
        let e = program_effects("rm", &args("-rf a b -- -c"), &c);
        assert_eq!(
            paths(&e),
            vec![
                ("a".into(), FileOp::Delete),
                ("b".into(), FileOp::Delete),
                ("-c".into(), FileOp::Delete)
            ]
        );
    }

    #[test]
    fn git_mv_and_git_rm_move_and_delete() {
        let (_d, c) = ctx();
        let e = program_effects(
            "git",
            &args("mv common/Base64.kt src/commonMain/Base64.kt"),
            &c,
        );
        assert_eq!(
            paths(&e),
            vec![
                ("common/Base64.kt".into(), FileOp::Delete),
                ("src/commonMain/Base64.kt".into(), FileOp::Write)
            ]
        );
        let e = program_effects("git", &args("-C dir rm -r old"), &c);
        assert_eq!(paths(&e), vec![("dir/old".into(), FileOp::Delete)]);
        assert!(program_effects("git", &args("rm --cached .env"), &c).is_empty());
        assert!(program_effects("git", &args("status"), &c).is_empty());
    }

    #[test]
    fn mv_deletes_source_and_writes_target() {
        let (_d, c) = ctx();
        let e = program_effects("mv", &args("/tmp/x.json schema.json"), &c);
        assert_eq!(
            paths(&e),
            vec![
                ("/tmp/x.json".into(), FileOp::Delete),
                ("schema.json".into(), FileOp::Write)
            ]
        );
        let into_dir = program_effects("mv", &args("a.txt dir"), &c);
        assert_eq!(into_dir[1].path, "dir/a.txt");
    }

    #[test]
    fn sed_in_place_edits_files_after_the_script() {
        let (_d, c) = ctx();
        let e = program_effects("sed", &args("-i s/a/b/ f1 f2"), &c);
        assert_eq!(
            paths(&e),
            vec![("f1".into(), FileOp::Edit), ("f2".into(), FileOp::Edit)]
        );
        let e = program_effects("sed", &args("-i.bak -e s/a/b/ f1"), &c);
        assert_eq!(paths(&e), vec![("f1".into(), FileOp::Edit)]);
        let printed = program_effects("sed", &args("s/a/b/ f1"), &c);
        assert_eq!(paths(&printed), vec![("f1".into(), FileOp::Read)]);
    }

    #[test]
    fn printers_read_their_files_and_searches_for_names_read_nothing() {
        let (_d, c) = ctx();
        let read = |program: &str, line: &str| paths(&program_effects(program, &args(line), &c));
        let only = |path: &str| vec![(path.to_string(), FileOp::Read)];
        assert_eq!(read("cat", "-n .env"), only(".env"));
        assert_eq!(read("head", "-n 5 data.csv"), only("data.csv"));
        assert_eq!(read("tail", "-c 100 -f log.txt"), only("log.txt"));
        assert_eq!(read("sed", "-n p data.csv"), only("data.csv"));
        assert_eq!(read("sed", "-n -e 1,5p data.csv"), only("data.csv"));
        assert_eq!(read("awk", "-F , {print} data.csv"), only("data.csv"));
        assert_eq!(read("grep", "-n TOKEN .env"), only(".env"));
        assert_eq!(read("grep", "-e TOKEN -e KEY .env"), only(".env"));
        assert_eq!(read("rg", "-C 2 TOKEN secrets"), only("secrets"));
        assert_eq!(read("jq", ".a config.json"), only("config.json"));
        assert!(read("grep", "-l TOKEN .env").is_empty());
        assert!(read("grep", "-rq TOKEN .").is_empty());
        assert!(read("grep", "TOKEN").is_empty());
        assert!(read("ls", "-la .env").is_empty());
        assert!(read("wc", "-l .env").is_empty());
    }

    #[test]
    fn perl_pie_edits() {
        let (_d, c) = ctx();
        let e = program_effects("perl", &args("-pi -e s/a/b/ NOTICE"), &c);
        assert_eq!(paths(&e), vec![("NOTICE".into(), FileOp::Edit)]);
    }

    #[test]
    fn tee_append_is_an_edit_and_dev_null_is_nothing() {
        let (_d, c) = ctx();
        let e = program_effects("tee", &args("-a log.txt /dev/null"), &c);
        assert_eq!(paths(&e), vec![("log.txt".into(), FileOp::Edit)]);
    }

    #[test]
    fn dd_and_truncate_write() {
        let (_d, c) = ctx();
        assert_eq!(
            paths(&program_effects(
                "dd",
                &args("if=/dev/zero of=disk.img bs=1M"),
                &c
            )),
            vec![("disk.img".into(), FileOp::Write)]
        );
        assert_eq!(
            paths(&program_effects("truncate", &args("-s 0 Cargo.lock"), &c)),
            vec![("Cargo.lock".into(), FileOp::Write)]
        );
    }

    #[test]
    fn cp_target_directory_option() {
        let (_d, c) = ctx();
        let e = program_effects("cp", &args("-t generated a.rs"), &c);
        assert_eq!(paths(&e), vec![("generated/a.rs".into(), FileOp::Write)]);
    }

    #[test]
    fn redirect_to_devices_is_ignored() {
        let (_d, c) = ctx();
        assert!(redirect_effect(&c, ">", "/dev/null", None).is_none());
        let e = redirect_effect(&c, ">>", "NOTICE", Some("a\nb\n")).unwrap();
        assert_eq!(e.op, FileOp::Edit);
        assert_eq!(e.added.len(), 2);
    }
}
