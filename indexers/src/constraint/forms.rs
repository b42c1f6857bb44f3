//! Required forms of things an action names: the names of new branches and the base branch of
//! a new pull request.
//!
//! A requirement such as "Branch names must start with `claude/`" or "Open a pull request
//! against the `main` branch" names the form in a span; an action that creates the thing in
//! another form breaks it. The sentence shapes are read from the masked clause (objects as
//! `§N§`), and each span must look like a branch name before it becomes a form.

use super::objects::Masked;
use ctx_engine::anchor::{CommandMatcher, FlagValue, GitMatcher, GlobList, Matcher};
use regex::Regex;
use std::sync::OnceLock;

/// A list of placeholders: `§0§`, `§0§ or §1§`, `§0§, §1§ and §2§`, `§0§ / §1§`.
const SPANS: &str = r"§\d+§(?:\s*(?:,|/|\bor\b|\band\b)\s*(?:or\s+|and\s+)?§\d+§)*";

/// Words that say "whichever branch" before the noun.
const BRANCH_DETERMINERS: &str = r"(?:(?:all|every|each|your|new|the|any|feature|git)\s+)*";

/// The matchers a requirement's form gives, each with the words that produced it.
pub fn required_forms(text: &str, masked: &Masked) -> Vec<(Matcher, String)> {
    let mut out = Vec::new();
    out.extend(branch_name_form(text, masked));
    out.extend(pull_request_base(text, masked));
    out
}

/// "Branch names must start with `claude/`", "prefix branches with `feat/` or `fix/`", "use
/// the `codex/` prefix for new branches" (a prefix), "name branches `<type>/<topic>`" (a whole
/// name, placeholders matching any text): a branch created under another name breaks it.
fn branch_name_form(text: &str, masked: &Masked) -> Option<(Matcher, String)> {
    static SHAPES: OnceLock<Vec<(Regex, bool)>> = OnceLock::new();
    let shapes = SHAPES.get_or_init(|| {
        let modal = r"(?:(?:must|should|shall|need\s+to|have\s+to)\s+)?(?:always\s+)?";
        let branch = r"branch(?:es|\s+names?)";
        [
            (format!(r"\b{branch}\s+{modal}(?:start|begin)s?\s+with\s+(?:the\s+)?(?P<spans>{SPANS})"), true),
            (format!(r"\b{branch}\s+{modal}be\s+prefixed\s+(?:with|by)\s+(?P<spans>{SPANS})"), true),
            (format!(r"\bprefix\s+{BRANCH_DETERMINERS}{branch}?\s*with\s+(?P<spans>{SPANS})"), true),
            (format!(r"\b(?:use|with)\s+(?:the\s+|a\s+)?(?P<spans>{SPANS})\s+prefix(?:es)?\s+(?:for|on|in)\s+{BRANCH_DETERMINERS}branch"), true),
            (format!(r"\bname\s+{BRANCH_DETERMINERS}branch(?:es)?\s+(?:like\s+|as\s+)?(?P<spans>{SPANS})"), false),
            (format!(r"\b{branch}\s+{modal}(?:follow|match|use)\s+(?:the\s+)?(?:pattern|format|form|convention)\s*:?\s*(?P<spans>{SPANS})"), false),
        ]
        .into_iter()
        .map(|(re, prefix)| (Regex::new(&re).expect("branch-name shape"), prefix))
        .collect()
    });
    let (caps, prefix) = shapes
        .iter()
        .find_map(|(re, prefix)| re.captures(text).map(|c| (c, *prefix)))?;
    let globs: Vec<String> = masked
        .objects_in(&caps["spans"])
        .into_iter()
        .map(|i| masked.objects[i].text.trim().to_string())
        .filter(|t| looks_like_branch(t))
        .map(|t| branch_glob(&t, prefix))
        .filter(|g| g.chars().any(|c| c != '*'))
        .collect();
    if globs.is_empty() {
        return None;
    }
    let why = format!("new branches named {}", globs.join(" or "));
    let require = GlobList::new(globs);
    let matcher = GitMatcher::BranchName {
        forbid: GlobList::default(),
        require,
    };
    Some((Matcher::Git(matcher), why))
}

/// A branch-name form as a glob: placeholders (`<topic>`, `{ticket}`) match any text, and a
/// prefix is followed by anything.
fn branch_glob(form: &str, prefix: bool) -> String {
    static PLACEHOLDER: OnceLock<Regex> = OnceLock::new();
    let re = PLACEHOLDER.get_or_init(|| Regex::new(r"<[^<>]*>|\{[^{}]*\}").unwrap());
    let mut glob = re.replace_all(form, "*").into_owned();
    if prefix && !glob.ends_with('*') {
        glob.push('*');
    }
    glob
}

/// True when a span can be (a form of) a branch name: no spaces, no option, git's name
/// characters and placeholders only.
fn looks_like_branch(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('-')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/-<>{}*".contains(c))
}

/// "Open a pull request against the `main` branch", "PRs should target `develop`", "submit
/// merge requests to the `dev` branch": a pull request opened on another base (`gh pr create
/// --base v2.5`, `glab mr create --target-branch v2`) breaks it; one that names no base goes to
/// the repository's default branch and is not judged.
fn pull_request_base(text: &str, masked: &Masked) -> Vec<(Matcher, String)> {
    static SHAPE: OnceLock<Regex> = OnceLock::new();
    let re = SHAPE.get_or_init(|| {
        let request = r"\b(?:pull|merge)\s+requests?\b(?:\s*\((?:pr|mr)s?\))?|\b(?:pr|mr)s?\b";
        Regex::new(&format!(
            r"(?:{request})[^.;§]{{0,30}}?\b(?:(?:against|targeting|targets?|into|onto|based\s+on)\s+(?:the\s+)?(?P<spans>{SPANS})|to\s+(?:the\s+)?(?P<to>{SPANS})\s+branch)"
        ))
        .expect("pull-request base shape")
    });
    let Some(caps) = re.captures(text) else {
        return Vec::new();
    };
    let Some(spans) = caps.name("to").or_else(|| caps.name("spans")) else {
        return Vec::new();
    };
    let bases: Vec<String> = masked
        .objects_in(spans.as_str())
        .into_iter()
        .map(|i| masked.objects[i].text.trim().to_string())
        .filter(|t| looks_like_branch(t) && !t.contains(['<', '{', '*']))
        .collect();
    if bases.is_empty() {
        return Vec::new();
    }
    let alternatives: Vec<String> = bases.iter().map(|b| regex::escape(b)).collect();
    let require = format!(r"^(?:refs/heads/)?(?:{})$", alternatives.join("|"));
    let why = format!("pull requests based on {}", bases.join(" or "));
    [
        ("gh", &["pr", "create"][..], &["--base", "-B"][..]),
        (
            "glab",
            &["mr", "create"][..],
            &["--target-branch", "-b"][..],
        ),
    ]
    .into_iter()
    .map(|(program, subcommand, flags)| {
        let mut m = CommandMatcher::programs(&[program]);
        m.subcommand = subcommand.iter().map(|s| s.to_string()).collect();
        m.flag_value = Some(FlagValue::new(flags, None, Some(require.clone())));
        (Matcher::Command(m), why.clone())
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::objects::mask;

    fn forms(sentence: &str) -> Vec<String> {
        let masked = mask(sentence);
        required_forms(&masked.text, &masked)
            .into_iter()
            .map(|(m, _)| m.describe())
            .collect()
    }

    #[test]
    fn branch_name_prefixes_and_forms() {
        for (sentence, want) in [
            (
                "**Branch names must start with `claude/`** - CI needs it.",
                "git branch not named claude/*",
            ),
            (
                "Prefix your branches with `feat/` or `fix/`.",
                "git branch not named feat/*|fix/*",
            ),
            (
                "Use the `codex/` prefix for new branches.",
                "git branch not named codex/*",
            ),
            (
                "Name branches `<type>/<short-topic>`.",
                "git branch not named */*",
            ),
            (
                "Branches should follow the pattern `issue-<number>-<slug>`.",
                "git branch not named issue-*-*",
            ),
        ] {
            assert_eq!(forms(sentence), vec![want.to_string()], "{sentence}");
        }
        for sentence in [
            "Branch names must start with the ticket number.",
            "Name branches after the issue they fix.",
            "Delete branches that start with `tmp/` after merging.",
            "Start a new branch with `git switch -c`.",
            "Branch names must start with `<name>`.",
        ] {
            assert!(
                forms(sentence).is_empty(),
                "{sentence}: {:?}",
                forms(sentence)
            );
        }
    }

    #[test]
    fn pull_request_bases() {
        for sentence in [
            "Open a pull request (PR) against the `main` branch on GitHub.",
            "PRs should target `develop`.",
            "Always open pull requests to the `main` branch.",
        ] {
            let got = forms(sentence);
            assert_eq!(got.len(), 2, "{sentence}: {got:?}");
            assert!(got[0].starts_with("command gh pr create"), "{got:?}");
        }
        for sentence in [
            "Open a pull request when the tests pass.",
            "Link the PR to `#123`.",
            "Open a PR against the release branch.",
            "Run `make lint` before you open a pull request.",
        ] {
            assert!(
                forms(sentence).is_empty(),
                "{sentence}: {:?}",
                forms(sentence)
            );
        }
    }
}
