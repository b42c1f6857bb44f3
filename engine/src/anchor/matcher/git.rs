//! Git matchers: commit, push and branch rules that need git's own argument semantics.

use super::argv::{basename, Argv};
use super::cached::{compile_regex, Cached};
use super::{EvalContext, GlobList, Hit};
use crate::check::ActionFacts;
use serde::{Deserialize, Serialize};

/// A rule about git usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum GitMatcher {
    /// `git commit`, `push`, `merge` or `rebase` with `--no-verify` (or `commit -n`).
    NoVerify,
    /// A force push (`--force`, `-f`, `--force-with-lease`, a `+refspec`) to one of these
    /// branches; empty = any branch.
    ForcePush {
        /// Protected branch names.
        #[serde(default)]
        branches: Vec<String>,
    },
    /// Any push naming one of these branches as its destination, or sent to one of these
    /// repositories (a remote's name, or `owner/name` compared with the URL the remote
    /// resolves to in the repository's git config).
    PushTo {
        /// Protected branch names.
        branches: Vec<String>,
        /// Protected repositories: remote names or `owner/name` slugs.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        repos: Vec<String>,
    },
    /// A merge into one of these branches without a pull request: `git merge` while on it
    /// (checked out earlier in the same command line, else the repository's HEAD), or a push
    /// of another branch onto it (`git push origin feature:main`).
    MergeInto {
        /// Protected branch names.
        branches: Vec<String>,
    },
    /// `git commit --amend`.
    Amend,
    /// A commit whose message (all `-m` values) matches `forbid` or fails to match `require`.
    /// Commits without `-m` (editor, `-F`) are not judged.
    CommitMessage {
        /// A regex the message must not match.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        forbid: Option<String>,
        /// A regex the message must match.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        require: Option<String>,
        /// Commits with these flags are exempt (`--fixup`, `--squash`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exempt_flags: Vec<String>,
        /// The compiled `forbid`.
        #[serde(skip)]
        forbid_regex: Cached<regex::Regex>,
        /// The compiled `require`.
        #[serde(skip)]
        require_regex: Cached<regex::Regex>,
    },
    /// Creating a branch whose name matches one of the `forbid` globs (`cursor/*`), or none of
    /// the `require` globs ("branch names must start with `claude/`": `claude/*`).
    BranchName {
        /// Forbidden branch-name globs.
        #[serde(default, skip_serializing_if = "GlobList::is_empty")]
        forbid: GlobList,
        /// Branch-name globs one of which every new branch must match; empty = any name.
        #[serde(default, skip_serializing_if = "GlobList::is_empty")]
        require: GlobList,
    },
    /// `git add` (including `-f`) of paths matching these globs (`.env`, `*.pem`).
    AddPath {
        /// Paths that must not be staged.
        globs: GlobList,
        /// Paths that may be (`.env.example`).
        #[serde(default, skip_serializing_if = "GlobList::is_empty")]
        except: GlobList,
    },
}

const FORCE_FLAGS: &[&str] = &["--force", "-f", "--force-with-lease", "--force-if-includes"];

impl GitMatcher {
    /// A commit-message rule.
    pub fn commit_message(forbid: Option<String>, require: Option<String>) -> GitMatcher {
        GitMatcher::CommitMessage {
            forbid,
            require,
            exempt_flags: vec!["--fixup".into(), "--squash".into()],
            forbid_regex: Cached::default(),
            require_regex: Cached::default(),
        }
    }

    /// One line saying what this matcher catches.
    pub fn describe(&self) -> String {
        match self {
            GitMatcher::NoVerify => "git commit/push with --no-verify".into(),
            GitMatcher::ForcePush { branches } if branches.is_empty() => "git force-push".into(),
            GitMatcher::ForcePush { branches } => {
                format!("git force-push to {}", branches.join("|"))
            }
            GitMatcher::PushTo { branches, repos } => {
                let mut targets: Vec<&str> =
                    branches.iter().chain(repos).map(String::as_str).collect();
                targets.dedup();
                format!("git push to {}", targets.join("|"))
            }
            GitMatcher::MergeInto { branches } => {
                format!("git merge into {}", branches.join("|"))
            }
            GitMatcher::Amend => "git commit --amend".into(),
            GitMatcher::CommitMessage {
                forbid, require, ..
            } => {
                let mut parts = vec!["git commit message".to_string()];
                if let Some(f) = forbid {
                    parts.push(format!("matching /{f}/"));
                }
                if let Some(r) = require {
                    parts.push(format!("not matching /{r}/"));
                }
                parts.join(" ")
            }
            GitMatcher::BranchName { forbid, require } if forbid.is_empty() => {
                format!("git branch not named {}", require.globs().join("|"))
            }
            GitMatcher::BranchName { forbid, .. } => {
                format!("git branch named {}", forbid.globs().join("|"))
            }
            GitMatcher::AddPath { globs, .. } => format!("git add of {}", globs.globs().join(", ")),
        }
    }

    /// Compiles regexes and globs.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            GitMatcher::CommitMessage {
                forbid,
                require,
                forbid_regex,
                require_regex,
                ..
            } => {
                if let Some(f) = forbid {
                    forbid_regex.get_or(|| compile_regex(f))?;
                }
                if let Some(r) = require {
                    require_regex.get_or(|| compile_regex(r))?;
                }
                Ok(())
            }
            GitMatcher::BranchName { forbid, require }
                if forbid.is_empty() && require.is_empty() =>
            {
                Err("a branch-name rule needs a `forbid` or a `require` glob".into())
            }
            GitMatcher::BranchName { forbid, require } => forbid.validate().and(require.validate()),
            GitMatcher::AddPath { globs, except } => globs.validate().and(except.validate()),
            _ => Ok(()),
        }
    }

    /// Every git invocation breaking the rule.
    pub fn hits(&self, ctx: &EvalContext, facts: &ActionFacts) -> Vec<Hit> {
        let mut on_branch: Option<String> = None;
        let mut out = Vec::new();
        for inv in facts
            .invocations
            .iter()
            .filter(|inv| basename(&inv.program) == "git")
        {
            let argv = Argv {
                program: "git",
                args: &inv.args,
            };
            let why = match self {
                GitMatcher::MergeInto { branches } => {
                    let current = || on_branch.clone().or_else(|| ctx.root.and_then(head_branch));
                    merge_reason(branches, &argv, current)
                }
                GitMatcher::PushTo { branches, repos } => push_reason(branches, repos, &argv, ctx),
                _ => self.reason(&argv),
            };
            if let Some(why) = why {
                out.push(Hit {
                    evidence: format!("`{}`: {why}", inv.raw.trim()),
                    path: None,
                    line: None,
                });
            }
            if let Some(branch) = switched_to(&argv) {
                on_branch = Some(branch);
            }
        }
        out
    }

    fn reason(&self, argv: &Argv) -> Option<String> {
        let sub = argv.positionals().first().map(|(_, s)| *s).unwrap_or("");
        match self {
            GitMatcher::NoVerify => {
                let no_verify =
                    argv.has_flag("--no-verify") || (sub == "commit" && argv.has_flag("-n"));
                (matches!(sub, "commit" | "push" | "merge" | "rebase" | "am") && no_verify)
                    .then(|| "skips hooks with --no-verify".into())
            }
            GitMatcher::ForcePush { branches } => {
                if sub != "push" {
                    return None;
                }
                let dests = push_destinations(argv);
                let forced = FORCE_FLAGS.iter().any(|f| argv.has_flag(f))
                    || dests.iter().any(|(_, plus)| *plus);
                let hit = branches.is_empty()
                    || dests.iter().any(|(d, _)| branches.iter().any(|b| b == d));
                (forced && hit).then(|| "force-pushes".into())
            }
            GitMatcher::PushTo { .. } | GitMatcher::MergeInto { .. } => None,
            GitMatcher::Amend => {
                (sub == "commit" && argv.has_flag("--amend")).then(|| "amends a commit".into())
            }
            GitMatcher::CommitMessage {
                forbid,
                require,
                exempt_flags,
                forbid_regex,
                require_regex,
            } => {
                if sub != "commit" || exempt_flags.iter().any(|f| argv.has_flag(f)) {
                    return None;
                }
                let messages = argv.flag_values(&["-m", "--message"]);
                // Trailers (`--trailer "Co-authored-by: …"`) end the message git writes.
                let trailers = argv.flag_values(&["--trailer"]);
                if messages.is_empty() && trailers.is_empty() {
                    return None;
                }
                let message = message_git_writes(&messages, &trailers, argv.has_flag("--signoff"));
                if let Some(f) = forbid {
                    if forbid_regex
                        .get_or(|| compile_regex(f))
                        .is_ok_and(|re| re.is_match(&message))
                    {
                        return Some(format!(
                            "message {:?} matches a forbidden pattern",
                            first_line(&message)
                        ));
                    }
                }
                if let Some(r) = require.as_ref().filter(|_| !messages.is_empty()) {
                    if require_regex
                        .get_or(|| compile_regex(r))
                        .is_ok_and(|re| !re.is_match(&message))
                    {
                        return Some(format!(
                            "message {:?} lacks the required form",
                            first_line(&message)
                        ));
                    }
                }
                None
            }
            GitMatcher::BranchName { forbid, require } => created_branches(argv, sub)
                .into_iter()
                .find(|b| forbid.is_match(b) || !require.is_empty() && !require.is_match(b))
                .map(|b| format!("creates branch {b}")),
            GitMatcher::AddPath { globs, except } => {
                if sub != "add" {
                    return None;
                }
                argv.positionals()
                    .iter()
                    .skip(1)
                    .map(|(_, p)| p.trim_start_matches("./"))
                    .find(|p| globs.is_match(p) && !except.is_match(p))
                    .map(|p| format!("stages {p}"))
            }
        }
    }
}

/// The message `git commit` writes: the `-m` paragraphs, then the `--trailer` lines and the
/// `Signed-off-by` line that `--signoff` (`-s`) adds.
fn message_git_writes(messages: &[&str], trailers: &[&str], signoff: bool) -> String {
    let mut lines: Vec<&str> = trailers.to_vec();
    if signoff {
        lines.push("Signed-off-by: (the committer)");
    }
    let mut message = messages.join("\n\n");
    if !lines.is_empty() {
        message = format!("{message}\n\n{}", lines.join("\n"));
    }
    message
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or("")
}

/// Destination branches of a push, with whether the refspec forces (`+main`).
/// Why an invocation merges into one of `branches`: a `git merge` while on one of them, or a
/// push of some other ref onto one.
fn merge_reason(
    branches: &[String],
    argv: &Argv,
    current: impl FnOnce() -> Option<String>,
) -> Option<String> {
    let sub = argv.positionals().first().map(|(_, s)| *s).unwrap_or("");
    let protected = |b: &str| branches.iter().any(|p| p == b);
    match sub {
        "merge" if !argv.has_flag("--abort") && !argv.has_flag("--continue") => current()
            .filter(|b| protected(b))
            .map(|b| format!("merges into {b}")),
        "push" => argv
            .positionals()
            .iter()
            .skip(2)
            .filter_map(|(_, spec)| spec.trim_start_matches('+').split_once(':'))
            .map(|(src, dst)| (src, dst.trim_start_matches("refs/heads/")))
            .find(|(src, dst)| protected(dst) && src.trim_start_matches("refs/heads/") != *dst)
            .map(|(src, dst)| format!("pushes {src} onto {dst}")),
        _ => None,
    }
}

/// Why an invocation pushes to one of `branches` or to one of `repos` (a remote named so, or
/// whose URL, given on the command line or read from the repository's git config, ends in
/// one of those `owner/name` slugs). A remote the config does not know is not judged.
fn push_reason(
    branches: &[String],
    repos: &[String],
    argv: &Argv,
    ctx: &EvalContext,
) -> Option<String> {
    let positionals = argv.positionals();
    if positionals.first().map(|(_, s)| *s) != Some("push") {
        return None;
    }
    if let Some((d, _)) = push_destinations(argv)
        .into_iter()
        .find(|(d, _)| branches.iter().any(|b| b == d))
    {
        return Some(format!("pushes to {d}"));
    }
    if repos.is_empty() {
        return None;
    }
    let remote = match positionals.get(1) {
        Some((_, r)) => r.to_string(),
        None => ctx
            .root
            .and_then(default_remote)
            .unwrap_or_else(|| "origin".into()),
    };
    if repos.contains(&remote) {
        return Some(format!("pushes to {remote}"));
    }
    let url = if is_url(&remote) {
        Some(remote.clone())
    } else {
        ctx.root.and_then(|root| remote_url(root, &remote))
    };
    let slug = repo_slug(&url?)?;
    repos
        .iter()
        .find(|r| r.eq_ignore_ascii_case(&slug))
        .map(|r| format!("pushes to {r} ({remote})"))
}

/// True when a push's repository argument is a URL or a local path rather than a remote name.
fn is_url(remote: &str) -> bool {
    remote.contains("://")
        || remote.starts_with(['/', '.', '~'])
        || remote
            .split_once(':')
            .is_some_and(|(host, _)| host.contains('@') || host.contains('.'))
}

/// The `owner/name` a repository URL ends in (`https://github.com/o/n.git`, `git@host:o/n`).
fn repo_slug(url: &str) -> Option<String> {
    let path = url.trim_end_matches('/').trim_end_matches(".git");
    let mut parts = path.rsplit(['/', ':']);
    let name = parts.next().filter(|s| !s.is_empty())?;
    let owner = parts.next().filter(|s| !s.is_empty())?;
    Some(format!("{owner}/{name}"))
}

/// The git directory of the repository at `root` (also through a worktree's `.git` file).
fn git_dir(root: &std::path::Path) -> Option<std::path::PathBuf> {
    let dot_git = root.join(".git");
    if dot_git.is_file() {
        let text = std::fs::read_to_string(&dot_git).ok()?;
        Some(root.join(text.strip_prefix("gitdir:")?.trim()))
    } else {
        Some(dot_git)
    }
}

/// The repository's `config` text (a linked worktree's lives in the common directory).
fn git_config(root: &std::path::Path) -> Option<String> {
    let dir = git_dir(root)?;
    let common = std::fs::read_to_string(dir.join("commondir"))
        .map(|c| dir.join(c.trim()))
        .unwrap_or(dir);
    std::fs::read_to_string(common.join("config")).ok()
}

/// A value from git config text: `key` in the section `[section "sub"]`.
fn config_value(config: &str, section: &str, sub: &str, key: &str) -> Option<String> {
    let header = format!("[{section} \"{sub}\"]");
    let mut inside = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == header;
        } else if inside {
            if let Some((k, v)) = line.split_once('=') {
                if k.trim().eq_ignore_ascii_case(key) {
                    return Some(v.trim().trim_matches('"').to_string());
                }
            }
        }
    }
    None
}

/// The URL pushes to `remote` go to: its `pushurl`, else its `url`.
fn remote_url(root: &std::path::Path, remote: &str) -> Option<String> {
    let config = git_config(root)?;
    config_value(&config, "remote", remote, "pushurl")
        .or_else(|| config_value(&config, "remote", remote, "url"))
}

/// The remote a bare `git push` uses: the checked-out branch's `pushRemote` or `remote`.
fn default_remote(root: &std::path::Path) -> Option<String> {
    let config = git_config(root)?;
    let branch = head_branch(root)?;
    config_value(&config, "branch", &branch, "pushremote")
        .or_else(|| config_value(&config, "branch", &branch, "remote"))
}

/// The branch a `git checkout <branch>` / `git switch <branch>` (or `-b`/`-c <new>`) leaves
/// checked out.
fn switched_to(argv: &Argv) -> Option<String> {
    let positionals = argv.positionals();
    let sub = positionals.first().map(|(_, s)| *s)?;
    if !matches!(sub, "checkout" | "switch") {
        return None;
    }
    if let Some(created) = created_branches(argv, sub).into_iter().next() {
        return Some(created);
    }
    if argv.has_flag("--") || positionals.len() != 2 {
        return None; // `git checkout -- file`, `git checkout main file`: files, not a branch
    }
    Some(positionals[1].1.to_string())
}

/// The branch checked out in the repository at `root` (`.git/HEAD`, also through a
/// worktree's `.git` file); none when detached or unreadable.
fn head_branch(root: &std::path::Path) -> Option<String> {
    let head = std::fs::read_to_string(git_dir(root)?.join("HEAD")).ok()?;
    head.trim()
        .strip_prefix("ref: refs/heads/")
        .map(str::to_string)
}

fn push_destinations(argv: &Argv) -> Vec<(String, bool)> {
    argv.positionals()
        .iter()
        .skip(2)
        .map(|(_, spec)| {
            let plus = spec.starts_with('+');
            let spec = spec.trim_start_matches('+');
            let dest = spec.rsplit(':').next().unwrap_or(spec);
            (dest.trim_start_matches("refs/heads/").to_string(), plus)
        })
        .collect()
}

/// Branch names an invocation creates.
fn created_branches(argv: &Argv, sub: &str) -> Vec<String> {
    match sub {
        "checkout" => argv
            .flag_values(&["-b", "-B"])
            .into_iter()
            .map(String::from)
            .collect(),
        "switch" => argv
            .flag_values(&["-c", "-C", "--create"])
            .into_iter()
            .map(String::from)
            .collect(),
        "branch" => {
            let listing = [
                "-d",
                "-D",
                "--delete",
                "-l",
                "--list",
                "-a",
                "-r",
                "--show-current",
                "-v",
                "-m",
                "-M",
            ]
            .iter()
            .any(|f| argv.has_flag(f));
            if listing {
                return Vec::new();
            }
            argv.positionals()
                .get(1)
                .map(|(_, b)| vec![b.to_string()])
                .unwrap_or_default()
        }
        "push" => push_destinations(argv)
            .into_iter()
            .map(|(d, _)| d)
            .collect(),
        "worktree" => argv
            .flag_values(&["-b", "-B"])
            .into_iter()
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::argv::split_command;
    use super::*;

    fn hit(m: &GitMatcher, cmd: &str) -> bool {
        hit_in(m, cmd, None)
    }

    fn hit_in(m: &GitMatcher, cmd: &str, root: Option<&std::path::Path>) -> bool {
        let scope = GlobList::default();
        let ctx = EvalContext {
            root,
            scope: &scope,
        };
        !m.hits(&ctx, &split_command(cmd)).is_empty()
    }

    #[test]
    fn merges_into_protected_branches() {
        let m = GitMatcher::MergeInto {
            branches: vec!["master".into()],
        };
        assert!(hit(&m, "git checkout master && git merge --no-ff feat/x"));
        assert!(hit(&m, "git switch master; git pull; git merge feat/x"));
        assert!(hit(&m, "git push origin feat/x:master"));
        assert!(!hit(&m, "git checkout develop && git merge --no-ff feat/x"));
        assert!(!hit(
            &m,
            "git checkout master && git checkout -b fix && git merge feat/x"
        ));
        assert!(!hit(&m, "git push origin master"), "pushing master itself");
        assert!(!hit(&m, "git merge feat/x"), "the branch is unknown");
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir(repo.path().join(".git")).unwrap();
        std::fs::write(repo.path().join(".git/HEAD"), "ref: refs/heads/master\n").unwrap();
        assert!(hit_in(&m, "git merge feat/x", Some(repo.path())));
        assert!(!hit_in(&m, "git merge --abort", Some(repo.path())));
        std::fs::write(repo.path().join(".git/HEAD"), "ref: refs/heads/feat/y\n").unwrap();
        assert!(!hit_in(&m, "git merge master", Some(repo.path())));
    }

    #[test]
    fn force_push_to_protected_branches() {
        let m = GitMatcher::ForcePush {
            branches: vec!["main".into(), "master".into()],
        };
        assert!(hit(&m, "git push --force origin main"));
        assert!(hit(&m, "git push -f origin master"));
        assert!(hit(&m, "git push origin +main"));
        assert!(hit(&m, "git push origin HEAD:main --force-with-lease"));
        assert!(!hit(&m, "git push origin main"));
        assert!(!hit(&m, "git push --force origin feature"));
    }

    #[test]
    fn pushes_to_named_branches_or_repositories() {
        let m = GitMatcher::PushTo {
            branches: vec!["unstable".into()],
            repos: vec!["valkey-io/valkey".into(), "upstream".into()],
        };
        assert!(hit(&m, "git push origin unstable"));
        assert!(hit(&m, "git push fork HEAD:refs/heads/unstable"));
        assert!(hit(
            &m,
            "git push https://github.com/Valkey-io/valkey.git topic"
        ));
        assert!(hit(&m, "git push git@github.com:valkey-io/valkey topic"));
        assert!(hit(&m, "git push -u upstream topic"));
        assert!(!hit(&m, "git push myfork topic"));
        assert!(!hit(&m, "git push https://github.com/me/valkey.git topic"));
        assert!(!hit(&m, "git pull upstream unstable:topic"));

        let repo = tempfile::tempdir().unwrap();
        let config = "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@github.com:valkey-io/valkey.git\n[remote \"fork\"]\n\turl = https://github.com/me/valkey\n[branch \"topic\"]\n\tremote = fork\n";
        std::fs::create_dir_all(repo.path().join(".git")).unwrap();
        std::fs::write(repo.path().join(".git/config"), config).unwrap();
        std::fs::write(repo.path().join(".git/HEAD"), "ref: refs/heads/topic\n").unwrap();
        let root = Some(repo.path());
        assert!(hit_in(&m, "git push origin topic", root));
        assert!(!hit_in(&m, "git push fork topic", root));
        assert!(
            !hit_in(&m, "git push", root),
            "the branch's remote is the fork"
        );
        std::fs::write(repo.path().join(".git/HEAD"), "ref: refs/heads/other\n").unwrap();
        assert!(
            hit_in(&m, "git push", root),
            "without a branch remote, origin"
        );
    }

    #[test]
    fn commit_messages() {
        let conventional =
            GitMatcher::commit_message(None, Some(r"^[a-z]+(\([^)]*\))?!?: ".into()));
        assert!(hit(&conventional, "git commit -m \"added option\""));
        assert!(!hit(&conventional, "git commit -m 'feat(cli): add option'"));
        assert!(!hit(&conventional, "git commit --fixup=abc"));
        assert!(!hit(&conventional, "git commit"));
        let trailer = GitMatcher::commit_message(None, Some("Co-authored-by: ".into()));
        assert!(hit(&trailer, "git commit -am 'Fix x'"));
        assert!(!hit(
            &trailer,
            "git commit -am 'Fix x' -m 'Co-authored-by: A <a@b>'"
        ));
        let signed = GitMatcher::commit_message(None, Some("(?mi)^Signed-off-by:".into()));
        assert!(hit(&signed, "git commit -m 'Fix x'"));
        assert!(!hit(&signed, "git commit -s -m 'Fix x'"));
        assert!(!hit(&signed, "git commit --signoff -am 'Fix x'"));
        assert!(!hit(&signed, "git commit -sam 'Fix x'"));
    }

    #[test]
    fn branches_no_verify_and_add() {
        let b = GitMatcher::BranchName {
            forbid: GlobList::new(vec!["cursor/*".into()]),
            require: GlobList::default(),
        };
        assert!(hit(&b, "git switch -c cursor/fix"));
        assert!(hit(&b, "git checkout -b cursor/x"));
        assert!(!hit(&b, "git checkout -b lfe-1-x"));
        let prefixed = GitMatcher::BranchName {
            forbid: GlobList::default(),
            require: GlobList::new(vec!["claude/*".into()]),
        };
        assert!(hit(&prefixed, "git checkout -b fix-serve"));
        assert!(hit(&prefixed, "git switch -c feature/serve"));
        assert!(hit(&prefixed, "git branch wip"));
        assert!(!hit(&prefixed, "git checkout -b claude/fix-serve"));
        assert!(
            !hit(&prefixed, "git switch main"),
            "switching creates nothing"
        );
        assert!(!hit(&prefixed, "git branch -d old"));
        let neither = GitMatcher::BranchName {
            forbid: GlobList::default(),
            require: GlobList::default(),
        };
        assert!(neither.validate().is_err());
        assert!(hit(&GitMatcher::NoVerify, "git commit -m x --no-verify"));
        assert!(!hit(&GitMatcher::NoVerify, "git commit -m x"));
        let add = GitMatcher::AddPath {
            globs: GlobList::new(vec![".env".into(), ".env.*".into()]),
            except: GlobList::new(vec!["*.example".into()]),
        };
        assert!(hit(&add, "git add -f .env"));
        assert!(!hit(&add, "git add .env.example"));
    }
}
