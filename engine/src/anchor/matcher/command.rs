//! Command matchers: a program with subcommands, flags and targets.

use super::argv::{basename, views, Argv};
use super::cached::{compile_regex, Cached};
use super::{EvalContext, Hit};
use crate::check::{ActionFacts, Invocation};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A kind of path an argument can name, for "destructive command on X" rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetClass {
    /// The filesystem root: `/`, `/*`.
    Root,
    /// A home directory: `~`, `$HOME`, `/home/user`, `/Users/name`, `/root`.
    Home,
    /// The repository root itself: `.`, `*`, `$PWD`, or its absolute path.
    RepoRoot,
    /// An absolute path outside the repository and outside temporary directories, or a path
    /// escaping it with `..`.
    OutsideRepo,
    /// A path in a temporary directory (`/tmp`, `/var/tmp`, `$TMPDIR`) outside the repository.
    Temp,
}

/// Matches invocations of a program. Every condition given must hold; lists of alternatives
/// (`programs`, `any_flags`) need one element to hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandMatcher {
    /// Program names (one must match the normalised program). An entry with a `/` is a glob on
    /// the program path as written (`node_modules/.bin/*`); the entry `*` is every program
    /// (a rule on what any command is given: "do not use `old-key.pem`").
    pub programs: Vec<String>,
    /// Leading positional words (`["push"]`, `["pr", "create"]`), compared case-insensitively.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subcommand: Vec<String>,
    /// At least one of these flags must be present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_flags: Vec<String>,
    /// All of these flags must be present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all_flags: Vec<String>,
    /// The matcher fires only when none of these flags is present ("always pass `--frozen`").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unless_flags: Vec<String>,
    /// Some argument must match this regex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg_pattern: Option<String>,
    /// The matcher fires only when the arguments, joined by spaces, do not match this regex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless_pattern: Option<String>,
    /// Some positional argument after the subcommand must name one of these kinds of path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetClass>,
    /// The program's input must come from one of these programs in the same action (a pipe or
    /// a process substitution): `curl … | sh`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fed_by: Vec<String>,
    /// Only direct invocations count ("do not run `pytest` directly"): the program itself or
    /// through `python -m`, not started by a runner such as `uv run`, `hatch run` or `npx`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub direct_only: bool,
    /// The matcher fires only on invocations that code run by an interpreter performs
    /// (`shutil.rmtree` in `python -c`), not on the same command typed in the shell.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_code: bool,
    /// Program paths as written that stay allowed: the repository's own wrapper a rule asks
    /// for (`./bin/brew` where a bare `brew` is ruled out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unless_programs: Vec<String>,
    /// The value given to one of these flags is judged (`gh pr create --title …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag_value: Option<FlagValue>,
    /// The matcher fires only on invocations run in a known directory other than the
    /// repository root (`cd src/x && …`): "always run `make lint` from the repository root".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub away_from_root: bool,
    /// The matcher fires only on invocations run in the repository root itself: "run
    /// commands from the project's directory, not from the repo root".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub at_root: bool,
    /// The matcher fires only on invocations run in a known directory outside this one
    /// (relative to the repository root) and given no argument that points into it
    /// (`-C core`, `--manifest-path core/Cargo.toml`): "run cargo commands from `core/`".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_directory: Option<String>,
    /// The matcher fires only on invocations run in the background (`cmd &`): "keep the
    /// release script in the foreground".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub backgrounded: bool,
    #[serde(skip)]
    arg_regex: Cached<regex::Regex>,
    #[serde(skip)]
    unless_regex: Cached<regex::Regex>,
    #[serde(skip)]
    program_globs: Cached<globset::GlobSet>,
}

/// A rule on the value a flag is given ("PR titles follow Conventional Commits" judges
/// `--title`): a value matching `forbid`, or one failing `require`, is a hit. A command that
/// gives none of the flags is not judged (its value comes from an editor or a default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagValue {
    /// The flags whose values are judged (`--title`, `-t`).
    pub flags: Vec<String>,
    /// A regex no value may match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forbid: Option<String>,
    /// A regex every value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require: Option<String>,
    #[serde(skip)]
    forbid_regex: Cached<regex::Regex>,
    #[serde(skip)]
    require_regex: Cached<regex::Regex>,
}

impl FlagValue {
    /// Judges `flags`' values by these regexes.
    pub fn new(flags: &[&str], forbid: Option<String>, require: Option<String>) -> FlagValue {
        FlagValue {
            flags: flags.iter().map(|f| f.to_string()).collect(),
            forbid,
            require,
            ..FlagValue::default()
        }
    }

    fn validate(&self) -> Result<(), String> {
        if self.flags.is_empty() || self.forbid.is_none() && self.require.is_none() {
            return Err("a flag value rule needs flags and a `forbid` or `require` regex".into());
        }
        self.regexes().map(|_| ())
    }

    fn regexes(&self) -> Result<(Option<&regex::Regex>, Option<&regex::Regex>), String> {
        let forbid = match &self.forbid {
            Some(p) => Some(self.forbid_regex.get_or(|| compile_regex(p))?),
            None => None,
        };
        let require = match &self.require {
            Some(p) => Some(self.require_regex.get_or(|| compile_regex(p))?),
            None => None,
        };
        Ok((forbid, require))
    }

    /// True when some value the command gives breaks the rule.
    fn broken_by(&self, argv: &Argv) -> bool {
        let Ok((forbid, require)) = self.regexes() else {
            return false;
        };
        let flags: Vec<&str> = self.flags.iter().map(String::as_str).collect();
        argv.flag_values(&flags).iter().any(|v| {
            forbid.is_some_and(|re| re.is_match(v)) || require.is_some_and(|re| !re.is_match(v))
        })
    }

    fn describe(&self) -> String {
        let mut parts = vec![format!("whose {} value", self.flags.join("/"))];
        if let Some(f) = &self.forbid {
            parts.push(format!("matches /{f}/"));
        }
        if let Some(r) = &self.require {
            parts.push(format!("does not match /{r}/"));
        }
        parts.join(" ")
    }
}

impl CommandMatcher {
    /// A matcher on these programs with no other condition.
    pub fn programs(programs: &[&str]) -> CommandMatcher {
        CommandMatcher {
            programs: programs.iter().map(|p| p.to_string()).collect(),
            ..CommandMatcher::default()
        }
    }

    /// Parses the `forbid_command` shorthand: `git push --force` is program `git`, subcommand
    /// `push`, flag `--force` (flags anywhere, short bundles such as `-rf` expanded into `-r -f`).
    pub fn from_shorthand(text: &str) -> Result<CommandMatcher, String> {
        let mut words = text.split_whitespace();
        let program = words.next().ok_or_else(|| {
            "empty command pattern: write a program name, e.g. \"npm publish\"".to_string()
        })?;
        let mut m = CommandMatcher::programs(&[program]);
        let mut in_subcommand = true;
        for word in words {
            if let Some(bundle) = word.strip_prefix('-').filter(|r| {
                !r.starts_with('-') && r.len() > 1 && r.chars().all(|c| c.is_ascii_alphabetic())
            }) {
                m.all_flags.extend(bundle.chars().map(|c| format!("-{c}")));
                in_subcommand = false;
            } else if word.starts_with('-') {
                m.all_flags.push(word.to_string());
                in_subcommand = false;
            } else if in_subcommand {
                m.subcommand.push(word.to_string());
            } else {
                m.arg_pattern = Some(format!("^{}$", regex::escape(word)));
            }
        }
        Ok(m)
    }

    /// One line saying what this matcher catches.
    pub fn describe(&self) -> String {
        let mut parts = vec![format!("command {}", self.programs.join("|"))];
        if !self.subcommand.is_empty() {
            parts.push(self.subcommand.join(" "));
        }
        if !self.any_flags.is_empty() {
            parts.push(format!("with any of {}", self.any_flags.join(" ")));
        }
        if !self.all_flags.is_empty() {
            parts.push(format!("with {}", self.all_flags.join(" ")));
        }
        if !self.unless_flags.is_empty() {
            parts.push(format!("without {}", self.unless_flags.join(" or ")));
        }
        if let Some(p) = &self.arg_pattern {
            parts.push(format!("with an argument matching /{p}/"));
        }
        if let Some(p) = &self.unless_pattern {
            parts.push(format!("unless arguments match /{p}/"));
        }
        if !self.targets.is_empty() {
            let names: Vec<_> = self.targets.iter().map(|t| format!("{t:?}")).collect();
            parts.push(format!("on {}", names.join("|")));
        }
        if !self.fed_by.is_empty() {
            parts.push(format!("fed by {}", self.fed_by.join("|")));
        }
        if !self.unless_programs.is_empty() {
            parts.push(format!("except as {}", self.unless_programs.join(" or ")));
        }
        if self.direct_only {
            parts.push("run directly (not through a runner)".into());
        }
        if self.from_code {
            parts.push("from interpreter code".into());
        }
        if let Some(v) = &self.flag_value {
            parts.push(v.describe());
        }
        if self.away_from_root {
            parts.push("run away from the repository root".into());
        }
        if self.at_root {
            parts.push("run at the repository root".into());
        }
        if let Some(dir) = &self.outside_directory {
            parts.push(format!("run outside `{dir}`"));
        }
        if self.backgrounded {
            parts.push("run in the background".into());
        }
        parts.join(" ")
    }

    /// Compiles the regexes and program globs.
    pub fn validate(&self) -> Result<(), String> {
        if self.programs.is_empty() {
            return Err("a command matcher needs at least one program".into());
        }
        self.arg_regex()?;
        self.unless_regex()?;
        self.program_globs()?;
        if let Some(v) = &self.flag_value {
            v.validate()?;
        }
        Ok(())
    }

    fn arg_regex(&self) -> Result<Option<&regex::Regex>, String> {
        match &self.arg_pattern {
            None => Ok(None),
            Some(p) => self.arg_regex.get_or(|| compile_regex(p)).map(Some),
        }
    }

    fn unless_regex(&self) -> Result<Option<&regex::Regex>, String> {
        match &self.unless_pattern {
            None => Ok(None),
            Some(p) => self.unless_regex.get_or(|| compile_regex(p)).map(Some),
        }
    }

    fn program_globs(&self) -> Result<&globset::GlobSet, String> {
        self.program_globs.get_or(|| {
            let mut b = globset::GlobSetBuilder::new();
            for p in self.programs.iter().filter(|p| p.contains('/')) {
                let pattern = if p.starts_with("**") {
                    p.clone()
                } else {
                    format!("**/{}", p.trim_start_matches("./"))
                };
                b.add(
                    globset::Glob::new(&pattern)
                        .map_err(|e| format!("invalid program glob \"{p}\": {e}"))?,
                );
            }
            b.build().map_err(|e| e.to_string())
        })
    }

    fn program_matches(&self, argv: &Argv, inv: &Invocation) -> bool {
        let name = basename(argv.program);
        if self.is_allowed_wrapper(argv, inv, name) {
            return false;
        }
        if self.programs.iter().any(|p| p == "*") {
            return true;
        }
        if self
            .programs
            .iter()
            .any(|p| !p.contains('/') && p.eq_ignore_ascii_case(name))
        {
            return true;
        }
        if !self.programs.iter().any(|p| p.contains('/')) {
            return false;
        }
        let Ok(globs) = self.program_globs() else {
            return false;
        };
        let written = program_as_written(inv, name);
        globs.is_match(written.trim_start_matches("./")) || globs.is_match(format!("./{written}"))
    }

    /// True when the program is written as one of `unless_programs` (`./bin/brew`, `bin/brew`).
    fn is_allowed_wrapper(&self, argv: &Argv, inv: &Invocation, name: &str) -> bool {
        let written = if argv.program.contains('/') {
            argv.program
        } else {
            program_as_written(inv, name)
        };
        let written = written.trim_start_matches("./");
        self.unless_programs
            .iter()
            .any(|p| p.trim_start_matches("./") == written)
    }

    /// Every invocation (or runner view of one) that matches.
    pub fn hits(&self, ctx: &EvalContext, facts: &ActionFacts) -> Vec<Hit> {
        let mut out = Vec::new();
        for inv in &facts.invocations {
            let views = views(inv);
            let looked_at = if self.direct_only {
                direct_views(&views)
            } else {
                &views[..]
            };
            if looked_at
                .iter()
                .any(|argv| self.matches(ctx, facts, inv, argv))
            {
                out.push(Hit::command(format!("`{}`", inv.raw.trim())));
            }
        }
        out
    }

    fn matches(
        &self,
        ctx: &EvalContext,
        facts: &ActionFacts,
        inv: &Invocation,
        argv: &Argv,
    ) -> bool {
        (!self.from_code || inv.from_code)
            && self.program_matches(argv, inv)
            && argv.has_subcommand(&self.subcommand)
            && (self.any_flags.is_empty() || self.any_flags.iter().any(|f| argv.has_flag(f)))
            && self.all_flags.iter().all(|f| argv.has_flag(f))
            && !self.unless_flags.iter().any(|f| argv.has_flag(f))
            && self.args_match_pattern(argv)
            && self.targets_match(ctx.root, inv.cwd.as_deref(), argv)
            && self.fed_by_matches(facts, inv)
            && self.flag_value.as_ref().is_none_or(|v| v.broken_by(argv))
            && (!self.away_from_root || runs_away_from_root(ctx.root, inv.cwd.as_deref()))
            && (!self.at_root || runs_at_root(ctx.root, inv.cwd.as_deref()))
            && self.outside_directory.as_deref().is_none_or(|dir| {
                runs_outside(ctx.root, inv.cwd.as_deref(), dir) && !points_into(argv, dir)
            })
            && (!self.backgrounded || inv.background)
    }

    fn args_match_pattern(&self, argv: &Argv) -> bool {
        let arg_ok = match self.arg_regex() {
            Ok(None) => true,
            Ok(Some(re)) => argv.args.iter().any(|a| re.is_match(a)),
            Err(_) => false,
        };
        let unless_ok = match self.unless_regex() {
            Ok(None) => true,
            Ok(Some(re)) => !re.is_match(&argv.args.join(" ")),
            Err(_) => false,
        };
        arg_ok && unless_ok
    }

    fn targets_match(&self, root: Option<&Path>, cwd: Option<&str>, argv: &Argv) -> bool {
        if self.targets.is_empty() {
            return true;
        }
        argv.positionals()
            .iter()
            .skip(self.subcommand.len())
            .filter_map(|(_, arg)| classify_target(arg, root, cwd))
            .any(|class| self.targets.contains(&class))
    }

    fn fed_by_matches(&self, facts: &ActionFacts, inv: &Invocation) -> bool {
        if self.fed_by.is_empty() {
            return true;
        }
        let substituted = inv
            .args
            .iter()
            .any(|a| a.contains("<(") || a.contains("$(") || a.contains('`'))
            || inv.raw.contains("<(");
        let fed = inv.piped_input || substituted;
        fed && facts.invocations.iter().any(|other| {
            !std::ptr::eq(other, inv) && self.fed_by.iter().any(|p| p == basename(&other.program))
        })
    }
}

/// The views reached without a runner: the invocation itself and what `python -m` starts.
fn direct_views<'v, 'a>(views: &'v [Argv<'a>]) -> &'v [Argv<'a>] {
    let end = views
        .iter()
        .position(|v| !super::argv::is_python(v.program))
        .map_or(views.len(), |first_other| first_other + 1);
    &views[..end.min(views.len())]
}

/// The program token as written in the invocation's source (`./node_modules/.bin/vitest`).
fn program_as_written<'a>(inv: &'a Invocation, name: &str) -> &'a str {
    inv.raw
        .split_whitespace()
        .find(|w| basename(w.trim_matches(|c| c == '"' || c == '\'')) == name)
        .unwrap_or(&inv.program)
}

/// Directories whose contents are scratch space by convention.
const TEMP_DIRS: &[&str] = &[
    "/tmp",
    "/var/tmp",
    "/private/tmp",
    "/private/var/tmp",
    "/dev/shm",
];

/// Classifies a path argument of a destructive command run in `cwd` (absolute; an unresolved
/// `cd` target such as `$DIR` makes relative paths unknown; `None` starts them at `root`).
///
/// The path is resolved as the shell would: `~`, `~user`, `$HOME` and `$PWD` expanded,
/// relative paths joined to the working directory, `..` and `.` removed, and a trailing `/*`,
/// `/.*` or `/.` read as the directory itself (its whole content goes). Unresolved expansions
/// (`$BUILD_DIR`) name nothing ctx can classify.
pub fn classify_target(arg: &str, root: Option<&Path>, cwd: Option<&str>) -> Option<TargetClass> {
    let a = arg.trim_matches(|c| c == '"' || c == '\'');
    if a.is_empty() {
        return None;
    }
    if a.starts_with("$TMPDIR") || a.starts_with("${TMPDIR") {
        return Some(TargetClass::Temp);
    }
    let root = root
        .and_then(|r| r.to_str())
        .map(|r| r.trim_end_matches('/'));
    let absolute = match resolve(a, root, cwd) {
        Resolved::Path(p) => p,
        Resolved::Unknown => return None,
        Resolved::Legacy => return legacy_relative(a),
    };
    let path = strip_directory_glob(&absolute);
    if path == "/" {
        return Some(TargetClass::Root);
    }
    if is_home_dir(&path) || home_dir().is_some_and(|h| h == path) {
        return Some(TargetClass::Home);
    }
    if let Some(root) = root.filter(|r| !r.is_empty()) {
        if path == root {
            return Some(TargetClass::RepoRoot);
        }
        if path.starts_with(&format!("{root}/")) {
            return None;
        }
    }
    if TEMP_DIRS
        .iter()
        .any(|t| path == *t || path.starts_with(&format!("{t}/")))
    {
        return Some(TargetClass::Temp);
    }
    Some(TargetClass::OutsideRepo)
}

/// The working directory and the repository root, both absolute and normalised lexically
/// (`.` and `..` removed, no trailing `/`); none when either is unknown or relative (an
/// unresolved `cd` target says nothing about where a command runs).
fn known_places(root: Option<&Path>, cwd: Option<&str>) -> Option<(String, String)> {
    let (root, cwd) = (root.and_then(|r| r.to_str())?, cwd?);
    if !cwd.starts_with('/') || !root.starts_with('/') {
        return None;
    }
    let normal = |p: &str| normalize_lexically(p).trim_end_matches('/').to_string();
    Some((normal(cwd), normal(root)))
}

/// True when an invocation runs in a known directory other than the repository root: its
/// working directory is absolute and, with `.` and `..` removed, not the root itself. An
/// unresolved `cd` target (`$DIR`) or an unknown root says nothing.
fn runs_away_from_root(root: Option<&Path>, cwd: Option<&str>) -> bool {
    known_places(root, cwd).is_some_and(|(here, root)| here != root)
}

/// True when an invocation runs in the repository root itself (a known, absolute working
/// directory equal to the root once `.` and `..` are removed).
fn runs_at_root(root: Option<&Path>, cwd: Option<&str>) -> bool {
    known_places(root, cwd).is_some_and(|(here, root)| here == root)
}

/// True when an invocation runs in a known directory that is neither `dir` (relative to the
/// repository root) nor inside it. An unresolved `cd` target or an unknown root says nothing.
fn runs_outside(root: Option<&Path>, cwd: Option<&str>, dir: &str) -> bool {
    known_places(root, cwd).is_some_and(|(here, root)| {
        let there = normalize_lexically(&format!("{root}/{dir}"));
        let there = there.trim_end_matches('/');
        here != there && !here.starts_with(&format!("{there}/"))
    })
}

/// True when an argument (or a `--flag=value`'s value) names `dir` or a path inside it:
/// `-C core`, `--manifest-path core/Cargo.toml`, `--prefix=./web` point the command there.
fn points_into(argv: &Argv, dir: &str) -> bool {
    let dir = dir.trim_start_matches("./").trim_end_matches('/');
    argv.args.iter().any(|arg| {
        let value = arg.rsplit_once('=').map_or(arg.as_str(), |(_, v)| v);
        let value = value.trim_start_matches("./").trim_end_matches('/');
        value == dir || value.starts_with(&format!("{dir}/"))
    })
}

/// A target resolved to an absolute path, or why it could not be.
enum Resolved {
    Path(String),
    /// An expansion ctx cannot resolve, or a relative path under an unknown directory.
    Unknown,
    /// A relative path with neither a working directory nor a root to start from.
    Legacy,
}

fn resolve(a: &str, root: Option<&str>, cwd: Option<&str>) -> Resolved {
    let base = cwd.map(str::to_string).or_else(|| root.map(str::to_string));
    let joined = if let Some(rest) = strip_any_prefix(a, &["$PWD", "${PWD}", "$(pwd)", "`pwd`"]) {
        match &base {
            Some(b) if b.starts_with('/') => format!("{b}/{rest}"),
            _ => return Resolved::Unknown,
        }
    } else if let Some(rest) = strip_any_prefix(a, &["~", "$HOME", "${HOME}"]) {
        match home_dir() {
            Some(home) => format!("{home}/{rest}"),
            None => format!("/home/user/{rest}"),
        }
    } else if let Some(user) = a.strip_prefix('~') {
        let (name, rest) = user.split_once('/').unwrap_or((user, ""));
        let home = if name == "root" {
            "/root".to_string()
        } else {
            format!("/home/{name}")
        };
        format!("{home}/{rest}")
    } else if a.starts_with('$') || a.starts_with('`') {
        return Resolved::Unknown;
    } else if a.starts_with('/') {
        a.to_string()
    } else {
        match base {
            Some(b) if b.starts_with('/') => format!("{b}/{a}"),
            Some(_) => return Resolved::Unknown,
            None => return Resolved::Legacy,
        }
    };
    Resolved::Path(normalize_lexically(&joined))
}

/// `~`, `$HOME`… followed by nothing or a `/`: the rest after the prefix and its slash.
fn strip_any_prefix<'a>(a: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    prefixes.iter().find_map(|p| {
        let rest = a.strip_prefix(p)?;
        if rest.is_empty() {
            Some(rest)
        } else {
            rest.strip_prefix('/')
        }
    })
}

/// Removes `.` and empty components and resolves `..` (never above `/`).
fn normalize_lexically(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

/// `DIR/*`, `DIR/.*`, `DIR*` as the last component: the directory whose content goes.
fn strip_directory_glob(path: &str) -> String {
    let mut p = path.to_string();
    loop {
        let trimmed = p
            .strip_suffix("/*")
            .or_else(|| p.strip_suffix("/.*"))
            .or_else(|| p.strip_suffix("/.[!.]*"));
        match trimmed {
            Some(t) => {
                p = if t.is_empty() {
                    "/".into()
                } else {
                    t.to_string()
                }
            }
            None => break,
        }
    }
    if p != "/" && p.ends_with('*') && !p[..p.len() - 1].contains('*') {
        let t = p.trim_end_matches('*');
        if t.ends_with('/') {
            p = normalize_lexically(t);
        }
    }
    p
}

/// Relative targets when nothing says where they start: the old spellings of the root.
fn legacy_relative(a: &str) -> Option<TargetClass> {
    match a {
        "." | "./" | "*" | "./*" | ".*" => Some(TargetClass::RepoRoot),
        ".." | "../" => Some(TargetClass::OutsideRepo),
        _ if a.starts_with("../") => Some(TargetClass::OutsideRepo),
        _ => None,
    }
}

/// The user's home directory, when `HOME` is an absolute path.
fn home_dir() -> Option<String> {
    std::env::var("HOME")
        .ok()
        .filter(|h| h.starts_with('/') && h.len() > 1)
        .map(|h| h.trim_end_matches('/').to_string())
}

fn is_home_dir(path: &str) -> bool {
    let parts: Vec<_> = path.split('/').filter(|p| !p.is_empty()).collect();
    matches!(
        parts.as_slice(),
        ["home"] | ["home", _] | ["Users"] | ["Users", _] | ["root"]
    ) && path.starts_with('/')
}

#[cfg(test)]
mod tests {
    use super::super::argv::split_command;
    use super::super::GlobList;
    use super::*;

    fn hit(m: &CommandMatcher, cmd: &str) -> bool {
        let scope = GlobList::default();
        let ctx = EvalContext {
            root: Some(Path::new("/work/repo")),
            scope: &scope,
        };
        !m.hits(&ctx, &split_command(cmd)).is_empty()
    }

    /// True when `m` fires on `command` run in `cwd` of the repository `/work/repo`.
    fn hits_in(m: &CommandMatcher, cwd: Option<&str>, command: &str) -> bool {
        let mut facts = split_command(command);
        facts.invocations[0].cwd = cwd.map(String::from);
        let scope = GlobList::default();
        let ctx = EvalContext {
            root: Some(Path::new("/work/repo")),
            scope: &scope,
        };
        !m.hits(&ctx, &facts).is_empty()
    }

    #[test]
    fn shorthand_parses_program_subcommand_and_flags() {
        let m = CommandMatcher::from_shorthand("git push --force").unwrap();
        assert!(hit(&m, "git push --force origin main"));
        assert!(hit(&m, "git -C x push origin main --force"));
        assert!(!hit(&m, "git push origin main"));
        assert!(!hit(&m, "git commit -m 'push --force'"));
        let rm = CommandMatcher::from_shorthand("rm -rf").unwrap();
        assert!(hit(&rm, "rm -f -r x"));
        assert!(!hit(&rm, "rm -r x"));
    }

    #[test]
    fn unless_flags_and_runners() {
        let mut m = CommandMatcher::from_shorthand("uv run").unwrap();
        m.unless_flags = vec!["--frozen".into()];
        assert!(hit(&m, "uv run pytest -x"));
        assert!(!hit(&m, "uv run --frozen pytest"));
        let pytest = CommandMatcher::programs(&["pytest"]);
        assert!(hit(&pytest, "cd tests && python -m pytest x"));
        assert!(hit(&pytest, "uv run pytest"));
        assert!(!hit(&pytest, "uv run tox -e py3"));
    }

    #[test]
    fn a_flag_value_rule_judges_only_the_values_given() {
        let conventional = r"^(feat|fix|docs)(\([^)]*\))?!?: \S";
        let m = CommandMatcher {
            subcommand: vec!["pr".into(), "create".into()],
            flag_value: Some(FlagValue::new(
                &["--title", "-t"],
                None,
                Some(conventional.into()),
            )),
            ..CommandMatcher::programs(&["gh"])
        };
        m.validate().unwrap();
        assert!(hit(&m, "gh pr create --title 'Add parser' --body x"));
        assert!(hit(&m, "gh pr create -t 'Add parser'"));
        assert!(hit(&m, "gh pr create --title='Add parser'"));
        assert!(!hit(
            &m,
            "gh pr create --title 'feat: add parser' --body 'Fix: x'"
        ));
        assert!(
            !hit(&m, "gh pr create --fill"),
            "no title given: not judged"
        );
        assert!(!hit(&m, "gh pr view --title 'Add parser'"));
        let forbid = CommandMatcher {
            flag_value: Some(FlagValue::new(&["--title"], Some("(?i)wip".into()), None)),
            ..m.clone()
        };
        assert!(hit(&forbid, "gh pr create --title 'WIP parser'"));
        assert!(!hit(&forbid, "gh pr create --title 'Add parser'"));
        let empty = CommandMatcher {
            flag_value: Some(FlagValue::new(&["--title"], None, None)),
            ..m.clone()
        };
        assert!(empty.validate().is_err(), "a rule with no regex");
    }

    #[test]
    fn away_from_root_fires_only_in_another_known_directory() {
        let m = CommandMatcher {
            away_from_root: true,
            ..CommandMatcher::programs(&["vendor/bin/php-cs-fixer"])
        };
        m.validate().unwrap();
        let run_in = |cwd: Option<&str>| hits_in(&m, cwd, "vendor/bin/php-cs-fixer fix");
        assert!(run_in(Some("/work/repo/src/platform")));
        assert!(run_in(Some("/tmp")));
        assert!(!run_in(Some("/work/repo")));
        assert!(!run_in(Some("/work/repo/src/..")));
        assert!(!run_in(Some("$DIR")), "an unresolved cd says nothing");
        assert!(!run_in(None), "no directory given: the root");
        let at_root = CommandMatcher {
            at_root: true,
            ..CommandMatcher::programs(&["mix"])
        };
        let root = |cwd: &str| hits_in(&at_root, Some(cwd), "mix test");
        assert!(root("/work/repo") && root("/work/repo/nx/.."));
        assert!(!root("/work/repo/nx") && !root("$DIR"));
    }

    #[test]
    fn outside_directory_fires_away_from_it_unless_an_argument_points_there() {
        let m = CommandMatcher {
            outside_directory: Some("core/".into()),
            ..CommandMatcher::programs(&["cargo"])
        };
        m.validate().unwrap();
        let run_in = |cwd: Option<&str>, command: &str| hits_in(&m, cwd, command);
        assert!(run_in(Some("/work/repo"), "cargo clippy --workspace"));
        assert!(run_in(Some("/work/repo/bindings/python"), "cargo test"));
        assert!(run_in(Some("/work/repo/core/.."), "cargo build"));
        assert!(!run_in(Some("/work/repo/core"), "cargo build"));
        assert!(!run_in(Some("/work/repo/core/services/s3"), "cargo test"));
        assert!(
            run_in(Some("/work/repo/corelib"), "cargo test"),
            "a sibling sharing the prefix"
        );
        assert!(!run_in(
            Some("/work/repo"),
            "cargo test --manifest-path core/Cargo.toml"
        ));
        assert!(!run_in(
            Some("/work/repo"),
            "cargo build --manifest-path=./core/Cargo.toml"
        ));
        assert!(!run_in(Some("/work/repo"), "cargo -C core build"));
        assert!(
            !run_in(Some("$DIR"), "cargo build"),
            "an unresolved cd says nothing"
        );
        assert!(!run_in(None, "cargo build"), "no directory known");
        assert!(!run_in(Some("/work/repo"), "npm test"), "another program");
    }

    #[test]
    fn direct_only_skips_runners_but_not_python_m() {
        let m = CommandMatcher {
            direct_only: true,
            ..CommandMatcher::programs(&["pytest"])
        };
        assert!(hit(&m, "pytest -x"));
        assert!(hit(&m, "python -m pytest -x"));
        assert!(!hit(&m, "uv run pytest"));
        assert!(!hit(&m, "hatch run pytest"));
        let python = CommandMatcher {
            direct_only: true,
            ..CommandMatcher::programs(&["python", "python3"])
        };
        assert!(hit(&python, "python3 script.py"));
        assert!(!hit(&python, "hatch -e test run python x.py"));
    }

    #[test]
    fn targets_classify_paths() {
        let root = Some(Path::new("/work/repo"));
        let classify_target = |arg: &str, root| classify_target(arg, root, None);
        assert_eq!(classify_target("/", root), Some(TargetClass::Root));
        assert_eq!(classify_target("~", root), Some(TargetClass::Home));
        assert_eq!(classify_target("$HOME", root), Some(TargetClass::Home));
        assert_eq!(classify_target("/home/user", root), Some(TargetClass::Home));
        assert_eq!(classify_target(".", root), Some(TargetClass::RepoRoot));
        assert_eq!(
            classify_target("/work/repo", root),
            Some(TargetClass::RepoRoot)
        );
        assert_eq!(classify_target("/work/repo/build", root), None);
        assert_eq!(
            classify_target("/var/log", root),
            Some(TargetClass::OutsideRepo)
        );
        assert_eq!(classify_target("/tmp/build", root), Some(TargetClass::Temp));
        assert_eq!(classify_target("$TMPDIR/x", root), Some(TargetClass::Temp));
        assert_eq!(classify_target("build", root), None);
    }

    #[test]
    fn every_program_with_an_argument_pattern() {
        let m = CommandMatcher {
            arg_pattern: Some(r"(?:^|[/=])old-key\.pem$".into()),
            ..CommandMatcher::programs(&["*"])
        };
        m.validate().unwrap();
        assert!(hit(&m, "sign_update --key-file ~/keys/old-key.pem app.zip"));
        assert!(hit(&m, "openssl rsa -in=old-key.pem"));
        assert!(!hit(
            &m,
            "sign_update --key-file ~/keys/new-key.pem app.zip"
        ));
    }

    #[test]
    fn program_globs_use_the_written_path() {
        let m = CommandMatcher::programs(&["node_modules/.bin/*"]);
        assert!(hit(&m, "./node_modules/.bin/vitest run"));
        assert!(hit(&m, "node_modules/.bin/tsc --noEmit"));
        assert!(!hit(&m, "pnpm vitest"));
    }

    #[test]
    fn the_allowed_wrapper_is_not_the_forbidden_program() {
        let m = CommandMatcher {
            unless_programs: vec!["./bin/brew".into()],
            ..CommandMatcher::programs(&["brew"])
        };
        assert!(hit(
            &m,
            "brew style --fix Library/Homebrew/cmd/reinstall.rb"
        ));
        assert!(hit(&m, "cd Library && /opt/homebrew/bin/brew tests"));
        assert!(!hit(&m, "./bin/brew style --fix"));
        assert!(!hit(&m, "bin/brew typecheck"));
        assert!(m.describe().contains("except as ./bin/brew"));
    }

    #[test]
    fn fed_by_needs_the_feeding_program() {
        let m = CommandMatcher {
            fed_by: vec!["curl".into()],
            ..CommandMatcher::programs(&["sh", "bash"])
        };
        assert!(hit(&m, "curl -fsSL https://x.sh | sh"));
        assert!(!hit(&m, "cat x.sh | sh"));
    }
}
