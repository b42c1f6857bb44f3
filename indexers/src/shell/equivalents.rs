//! Actions spelt otherwise. Deletions: package-runner deleters (`npx rimraf`, `bunx del-cli`),
//! `find -delete`, `rsync --delete`, and paths through symlinks the same command line created;
//! each is recorded as the `rm` it amounts to (see `Invocation`), so that every rule written
//! about `rm` holds for them too. Commit messages: `git commit -F -` fed by a heredoc, or `-F`
//! a file the same command line wrote, is recorded as the `-m` it amounts to, so that every
//! commit-message rule reads it.

use super::Frame;
use std::path::{Path, PathBuf};

/// One deletion: its targets, whether whole trees go, and how it was spelt.
pub(super) struct Deletion {
    pub targets: Vec<String>,
    pub recursive: bool,
    pub how: String,
}

/// Command-line tools that delete their operands recursively.
const TREE_DELETERS: &[&str] = &[
    "rimraf",
    "del",
    "del-cli",
    "rm-cli",
    "premove",
    "rmrf",
    "rimraf-cli",
    "trash-cli",
    "rmdir-cli",
];

/// Programs that run a package's command: name, subcommands that do (empty: the first operand
/// is the command), and options that take a value.
const RUNNERS: &[(&str, &[&str], &[&str])] = &[
    ("npx", &[], &["-p", "--package", "-c", "--call"]),
    ("pnpx", &[], &[]),
    ("bunx", &[], &["-p", "--package"]),
    ("uvx", &[], &["--from", "--with", "--python", "-p"]),
    (
        "npm",
        &["exec", "x"],
        &["-p", "--package", "-w", "--workspace", "--prefix"],
    ),
    (
        "pnpm",
        &["dlx", "exec"],
        &["--package", "-C", "--dir", "--filter", "-F"],
    ),
    ("yarn", &["dlx", "exec"], &["-p", "--package", "--cwd"]),
    ("bun", &["x"], &[]),
];

/// The deletions `program args` amounts to besides its literal self.
pub(super) fn deletions(program: &str, args: &[String], frame: &Frame) -> Vec<Deletion> {
    if let Some((inner, inner_args)) = runner_command(program, args) {
        return deletions(&inner, &inner_args, frame)
            .into_iter()
            .map(|mut d| {
                d.how = format!("{program} {}", d.how);
                d
            })
            .collect();
    }
    match program {
        _ if TREE_DELETERS.contains(&program) => {
            let targets = operands(args);
            if targets.is_empty() || args.iter().any(|a| a == "--help" || a == "-h") {
                return Vec::new();
            }
            vec![Deletion {
                targets,
                recursive: true,
                how: format!("{program} (as rm -r -f)"),
            }]
        }
        "rm" | "unlink" | "rmdir" | "shred" => {
            let linked: Vec<String> = operands(args)
                .iter()
                .filter_map(|t| through_links(t, frame))
                .collect();
            if linked.is_empty() {
                return Vec::new();
            }
            vec![Deletion {
                targets: linked,
                recursive: program == "rm"
                    && args.iter().any(|a| {
                        a == "--recursive"
                            || (a.starts_with('-')
                                && !a.starts_with("--")
                                && a.contains(['r', 'R']))
                    }),
                how: format!("{program} through a symlink made on this line"),
            }]
        }
        "find" if args.iter().any(|a| a == "-delete") => vec![Deletion {
            targets: super::output::find_selection(args)
                .into_iter()
                .map(|t| through_links(&t, frame).unwrap_or(t))
                .collect(),
            recursive: true,
            how: "find -delete".into(),
        }],
        "rsync" if args.iter().any(|a| a.starts_with("--delete")) => match operands(args).last() {
            Some(dest) if operands(args).len() > 1 && !dest.contains(':') => {
                vec![Deletion {
                    targets: vec![format!("{}/{{}}", dest.trim_end_matches('/'))],
                    recursive: true,
                    how: "rsync --delete".into(),
                }]
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The command a package runner starts (`npx -y rimraf x` → `rimraf x`).
fn runner_command(program: &str, args: &[String]) -> Option<(String, Vec<String>)> {
    let (_, subcommands, with_value) = RUNNERS.iter().find(|(name, ..)| *name == program)?;
    let mut i = 0;
    if !subcommands.is_empty() {
        let sub = args.iter().position(|a| !a.starts_with('-'))?;
        if !subcommands.contains(&args[sub].as_str()) {
            return None;
        }
        i = sub + 1;
    }
    while i < args.len() {
        let arg = args[i].as_str();
        if arg == "--" {
            i += 1;
            break;
        }
        if !arg.starts_with('-') {
            break;
        }
        i += if with_value.contains(&arg) { 2 } else { 1 };
    }
    let inner = args.get(i)?;
    // `npx rimraf@5 x`, `npx @scope/pkg x`: the package name without its version.
    let name = inner
        .rsplit('/')
        .next()
        .unwrap_or(inner)
        .split('@')
        .next()
        .unwrap_or(inner);
    let name = if name.is_empty() {
        inner.as_str()
    } else {
        name
    };
    Some((name.to_string(), args[i + 1..].to_vec()))
}

/// Operands: words that are not options (everything after `--`).
fn operands(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut only = false;
    for arg in args {
        if only || !arg.starts_with('-') || arg == "-" {
            out.push(arg.clone());
        } else if arg == "--" {
            only = true;
        }
    }
    out
}

/// `ln -s TARGET LINK` (or `ln -s TARGET… DIR`, `-t DIR`): the link made and where it points,
/// both absolute.
pub(super) fn symlink(args: &[String], frame: &Frame) -> Option<(PathBuf, PathBuf)> {
    let symbolic = args.iter().any(|a| {
        a == "--symbolic" || (a.starts_with('-') && !a.starts_with("--") && a.contains('s'))
    });
    if !symbolic {
        return None;
    }
    let mut ops = Vec::new();
    let mut target_dir = None;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "-t" || a == "--target-directory" {
            target_dir = args.get(i + 1).cloned();
            i += 2;
            continue;
        }
        if let Some(dir) = a.strip_prefix("--target-directory=") {
            target_dir = Some(dir.to_string());
        } else if !a.starts_with('-') {
            ops.push(a.clone());
        }
        i += 1;
    }
    let (target, link) = match (ops.as_slice(), target_dir) {
        ([target], Some(dir)) => (target.clone(), format!("{dir}/{}", basename(target))),
        ([target], None) => (target.clone(), basename(target).to_string()),
        ([target, link], None) => (target.clone(), link.clone()),
        _ => return None,
    };
    let link_abs = frame.ctx.absolute(&link);
    // A relative target is relative to the link's directory.
    let target_abs =
        if target.starts_with('/') || target.starts_with('~') || target.starts_with('$') {
            frame.ctx.absolute(&target)
        } else {
            let parent = link_abs.parent().unwrap_or(Path::new("/"));
            frame
                .ctx
                .with_cwd(&parent.to_string_lossy())
                .absolute(&target)
        };
    Some((link_abs, target_abs))
}

/// `path` with a symlink made earlier on the line replaced by its target, when the path goes
/// through the link (`link/`, `link/x`, `link/*`, `link/.`); `None` otherwise. A link named
/// alone is the link itself, not its target.
pub(super) fn through_links(path: &str, frame: &Frame) -> Option<String> {
    resolve_links(path, frame, false)
}

/// Like [`through_links`]; with `bare`, a link named alone resolves too (`cd link`).
pub(super) fn resolve_links(path: &str, frame: &Frame, bare: bool) -> Option<String> {
    if frame.links.is_empty() {
        return None;
    }
    let absolute = frame.ctx.absolute(path);
    for (link, target) in frame.links.iter().rev() {
        let Ok(rest) = absolute.strip_prefix(link) else {
            continue;
        };
        let through = bare
            || !rest.as_os_str().is_empty()
            || path.ends_with('/')
            || path.ends_with("/.")
            || path.ends_with("/*");
        if !through {
            continue;
        }
        let mut resolved = target.join(rest).to_string_lossy().into_owned();
        if path.ends_with("/*") && rest.as_os_str().is_empty() {
            resolved.push_str("/*");
        }
        return Some(resolved);
    }
    None
}

fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// `git commit` arguments with each message file (`-F X`, `--file X`, `--file=X`) whose content
/// `read` knows (`-` is standard input) replaced by `-m` and that content; `None` when `args`
/// are no `git commit` or name no message file `read` knows.
pub(super) fn inline_commit_message(
    program: &str,
    args: &[String],
    read: impl Fn(&str) -> Option<String>,
) -> Option<Vec<String>> {
    if program != "git" || args[super::wrappers::git_subcommand_at(args)?] != "commit" {
        return None;
    }
    let mut out = Vec::with_capacity(args.len());
    let mut changed = false;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let (source, used) = match arg {
            "-F" | "--file" => (args.get(i + 1).map(String::as_str), 2),
            _ => (arg.strip_prefix("--file="), 1),
        };
        match source.and_then(&read) {
            Some(text) => {
                out.push("-m".to_string());
                out.push(text.trim_end_matches('\n').to_string());
                changed = true;
                i += used;
            }
            None => {
                out.push(args[i].clone());
                i += 1;
            }
        }
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn runners_start_their_package() {
        assert_eq!(
            runner_command("npx", &words("-y rimraf@5 dist")),
            Some(("rimraf".into(), words("dist")))
        );
        assert_eq!(
            runner_command("pnpm", &words("dlx rimraf x")),
            Some(("rimraf".into(), words("x")))
        );
        assert_eq!(runner_command("pnpm", &words("install")), None);
        assert_eq!(
            runner_command("npm", &words("exec -- rimraf /")),
            Some(("rimraf".into(), words("/")))
        );
    }
}
