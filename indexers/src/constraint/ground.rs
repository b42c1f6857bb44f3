//! Grounding: the matchers a rule compiles to, each from an object the rule names.
//!
//! A blocking matcher comes only from something the rule names literally, placed in a family
//! by its shape: a command exactly as written (program, subcommand, flags; `git push --force`
//! never becomes "git"), a program, a flag with the program it belongs to, a path with what
//! the verb does to it, a piece of code, a commit trailer, or an operation named in words that
//! has one well-defined form (`concepts.toml`: force-push, new dependencies, secrets …).
//! Objects on the kept side of a relation ("use `pnpm` instead of `npm`") are never forbidden.
//! Every matcher says whether its object was named literally or inferred (a flag's program
//! found elsewhere in the document, the other members of a tool category, a heuristic
//! concept); the tier is chosen from that in [`super::tier`].

use super::concepts::{concepts, Grounding};
use super::forms::required_forms;
use super::lexicon::{lexicon, verb_in};
use super::objects::{file_extension_named, placeholder_regex, Masked, Object, ObjectKind};
use super::patterns::{patterns, Strength};
use super::rule::{Item, Rule, VerbClass};
use ctx_engine::anchor::{
    CodeMatcher, CommandMatcher, DependencyMatcher, FlagValue, GitMatcher, GlobList, Matcher,
    PathMatcher, Polarity, TargetClass,
};
use ctx_engine::check::FileOp;
use regex::Regex;
use std::sync::OnceLock;

/// What surrounds a rule sentence: objects it may refer to and the directory it lives in.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The block's subject ("`completions/`: Generated files. Don't edit directly.").
    pub subject: Option<&'a Object>,
    /// Objects a pronoun may refer to ("never edit these", "it"): the list after an intro,
    /// the parent item, the sentence before.
    pub referents: &'a [Object],
    /// True when the referents enumerate the rule's own object (a list announced by "This
    /// includes:"), as a pronoun's would.
    pub referents_enumerate: bool,
    /// The command on the same line, for comments in code blocks (`cargo build # never …`).
    pub code_context: Option<&'a str>,
    /// Commands named near the rule (same block or section), for a flag's program.
    pub nearby_commands: &'a [Vec<String>],
    /// The directory of a nested instruction file (`web` for `web/AGENTS.md`), or "".
    pub base_dir: &'a str,
    /// The whole sentence, masked and lowercased (for "commit message" and similar context).
    pub sentence: &'a str,
    /// The headings the rule sits under, outermost first.
    pub section: &'a [String],
    /// The code block the sentence introduces with a colon, as (language, text).
    pub shown_code: Option<(&'a str, &'a str)>,
    /// The scripts the document names anywhere, for "the release script".
    pub scripts: &'a [String],
    /// The directories the document names anywhere, for "never read scripts".
    pub directories: &'a [String],
    /// The files of the languages the document's code blocks are written in (shells aside).
    pub source_files: &'a [String],
}

/// One matcher and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Grounded {
    /// The matcher.
    pub matcher: Matcher,
    /// Which words produced it.
    pub why: String,
    /// True when the rule names the object literally; false when it was inferred.
    pub literal: bool,
    /// True for permissions (an allowed use, an exception written as a rule).
    pub permit: bool,
}

/// Grounds one rule clause.
pub fn ground(rule: &Rule, masked: &Masked, ctx: &Context) -> Vec<Grounded> {
    let mut out = Out::default();
    if run_in_foreground(rule, masked, ctx, &mut out) {
        return out.items;
    }
    let concept_hit = concepts_of(rule, masked, ctx, &mut out);
    let forbidden_by_relation = relation_objects(rule, masked, ctx, &mut out);
    match rule.polarity {
        Polarity::Never | Polarity::Allowed => {
            let permit = rule.polarity == Polarity::Allowed;
            let before = out.items.len();
            for &i in &rule.objects {
                if skip_object(rule, i) || forbidden_by_relation.contains(&i) {
                    continue;
                }
                object(rule, masked, i, ctx, permit, &mut out);
            }
            if rule.verb_class.touches_files() && out.items.len() == before {
                // "must not modify the files in `vendor/`": the place is what the verb acts on.
                for &i in &rule.place_objects {
                    if let ObjectKind::Path(p) = &masked.objects[i].kind {
                        path_object(rule, p, ctx, permit, &mut out);
                    }
                }
            }
            let file_verb = rule.verb_class.touches_files()
                || matches!(rule.verb.as_deref(), Some("stage" | "commit"));
            if file_verb && out.items.len() == before {
                file_kinds(rule, ctx, permit, &mut out);
            }
            if file_verb && out.items.len() == before {
                directories_named_in_words(rule, ctx, permit, &mut out);
            }
            if !rule.verb_class.speech {
                bare_programs(rule, masked, permit, &mut out);
            }
            if out.items.len() == before && !concept_hit {
                referents(rule, masked, ctx, permit, &mut out);
            }
        }
        Polarity::Always => requirements(rule, masked, ctx, &mut out),
    }
    out.items
}

#[derive(Default)]
struct Out {
    items: Vec<Grounded>,
}

impl Out {
    fn add(&mut self, matcher: Matcher, why: impl Into<String>, literal: bool, permit: bool) {
        if matcher.validate().is_err() || self.items.iter().any(|g| g.matcher == matcher) {
            return;
        }
        self.items.push(Grounded {
            matcher,
            why: why.into(),
            literal,
            permit,
        });
    }
}

/// Operations named in words (`concepts.toml`).
fn concepts_of(rule: &Rule, masked: &Masked, ctx: &Context, out: &mut Out) -> bool {
    let mut hit = false;
    let mut clauses: Vec<(String, Polarity)> = per_verb_clauses(&rule.text)
        .into_iter()
        .map(|c| (c, rule.polarity))
        .collect();
    clauses.extend(given_up_clause(rule).map(|c| (c, Polarity::Never)));
    clauses.extend(permission_first_clause(rule, ctx.sentence).map(|c| (c, Polarity::Never)));
    for concept in concepts() {
        let Some((clause, phrase, polarity)) = clauses.iter().find_map(|(c, polarity)| {
            let phrase = concept.find(c)?;
            let has_matchers = !concept.matchers(*polarity).is_empty();
            has_matchers.then_some((c.as_str(), phrase, *polarity))
        }) else {
            continue;
        };
        let qualifier = match polarity {
            Polarity::Never => qualifier_after(clause, phrase),
            _ => None,
        };
        let permit = rule.polarity == Polarity::Allowed;
        for matcher in concept.matchers(polarity) {
            let Some(matcher) = refine_concept(matcher.clone(), rule, masked) else {
                continue;
            };
            for matcher in titles_instead_of_messages(matcher, rule) {
                let why = match qualifier {
                    Some(q) => format!("\"{phrase}\" ({}), only those \"{q}\"", concept.name),
                    None => format!("\"{phrase}\" ({})", concept.name),
                };
                let literal = concept.grounding == Grounding::Literal && qualifier.is_none();
                out.add(matcher, why, literal, permit);
            }
            hit = true;
        }
    }
    hit
}

/// What a requirement gives up, as a prohibition: "always use import statements instead of
/// fully qualified class names" → "never use fully qualified class names", so that a concept
/// named there is caught as if the rule had forbidden it.
fn given_up_clause(rule: &Rule) -> Option<String> {
    static GIVEN_UP: OnceLock<Regex> = OnceLock::new();
    let re = GIVEN_UP.get_or_init(|| {
        Regex::new(r"\b(?:instead\s+of|rather\s+than)\s+(?:using\s+)?(?P<rest>[^.;:]+)").unwrap()
    });
    if rule.polarity != Polarity::Always {
        return None;
    }
    let caps = re.captures(&rule.text)?;
    Some(format!("never use {}", caps["rest"].trim()))
}

/// What a rule (its whole sentence) makes wait for the user's word, as a prohibition:
/// "before creating an issue or PR, show me a preview", "ask the user before adding dependencies" → "never creating
/// an issue or PR …", "never adding dependencies". A hook cannot see the user agree, so the
/// action is stopped and its reason tells the model to ask first (as "never X without
/// asking" does). Only a gate addressed to the user counts, not "ask for a review".
fn permission_first_clause(rule: &Rule, sentence: &str) -> Option<String> {
    static GATED: OnceLock<[Regex; 2]> = OnceLock::new();
    let [after, before] = GATED.get_or_init(|| {
        const GATE: &str = r"(?:ask\s+(?:me|the\s+user|the\s+maintainers?)\b|ask\s+for\s+(?:my\s+|the\s+user's\s+|explicit\s+)?(?:confirmation|approval|permission)|(?:get|obtain|seek|request|wait\s+for)\s+(?:my\s+|the\s+user's\s+|explicit\s+|user\s+)?(?:confirmation|approval|permission|sign-off)|confirm\s+with\s+(?:me|the\s+user)|check\s+with\s+(?:me|the\s+user)|show\s+(?:me\s+|the\s+user\s+)?(?:a|the)\s+(?:preview|draft))";
        [
            Regex::new(&format!(r"(?:^|[\]:]\s*)before\s+(?P<x>\w+ing\b[^,;.]{{0,160}}),\s*(?:please\s+)?(?:always\s+|first\s+)?{GATE}")).unwrap(),
            Regex::new(&format!(r"\b{GATE}\s+(?:first\s+)?before\s+(?P<x>\w+ing\b[^,;.]{{0,160}})")).unwrap(),
        ]
    });
    if rule.polarity != Polarity::Always {
        return None;
    }
    let caps = after
        .captures(sentence)
        .or_else(|| before.captures(sentence))?;
    Some(format!("never {}", caps["x"].trim()))
}

/// The clause once per verb of a leading list of verbs ("do not push, pull, or rebase unless
/// asked" → "do not push unless asked", "do not pull unless asked", "do not rebase unless
/// asked"), so that each verb names its operation as it would alone; just the clause when it
/// has no such list (a list that holds a word other than a verb is a list of objects).
pub(super) fn per_verb_clauses(text: &str) -> Vec<String> {
    static LIST: OnceLock<Regex> = OnceLock::new();
    let re = LIST.get_or_init(|| {
        Regex::new(r"^(?P<lead>(?:please\s+)?(?:never|do\s+not|don't|must\s+not|should\s+not|avoid)\s+)(?P<list>[a-z][a-z-]*(?:\s*,\s*[a-z][a-z-]*)*\s*,?\s+(?:or|and|nor)\s+[a-z][a-z-]*)\b(?P<rest>.*)$").unwrap()
    });
    let mut out = vec![text.to_string()];
    let Some(caps) = re.captures(text) else {
        return out;
    };
    let verbs: Vec<&str> = caps["list"]
        .split([',', ' '])
        .filter(|w| !w.is_empty() && !matches!(*w, "or" | "and" | "nor"))
        .collect();
    let lex = lexicon();
    if verbs
        .iter()
        .all(|w| super::lexicon::Lexicon::is_verb(&lex.verbs.imperative, w))
    {
        out.extend(
            verbs
                .iter()
                .skip(1)
                .map(|verb| format!("{}{verb}{}", &caps["lead"], &caps["rest"])),
        );
    }
    out
}

/// The restrictive qualifier in words right after a concept's phrase in a prohibition
/// ("dependencies *with known vulnerabilities*", "PRs *that duplicate that work*", "PRs *for
/// tiny edits*"): the rule
/// is about a part of what the concept's matchers catch, a part ctx cannot tell apart. A
/// qualifier naming an object says how, not which ("suppressing checks with
/// `@SuppressWarnings`"), and so does one naming a program ("with the gh command").
fn qualifier_after<'t>(text: &'t str, phrase: &str) -> Option<&'t str> {
    let end = text.find(phrase)? + phrase.len();
    let after = text[end..].trim_start_matches(|c: char| c.is_alphanumeric());
    let after = after.trim_start();
    let qualified = [
        "with ",
        "that ",
        "which ",
        "whose ",
        "having ",
        "containing ",
        "for ",
    ]
    .iter()
    .any(|w| after.starts_with(w));
    let qualifier = after
        .split([',', ';', '.', '('])
        .next()
        .unwrap_or(after)
        .trim_end();
    let says_how = qualifier.contains('§') || names_a_tool(qualifier);
    (qualified && !says_how).then_some(qualifier)
}

/// True when words name a known program ("with the gh command"): a qualifier that says
/// which tool does it, not which part of the action.
fn names_a_tool(words: &str) -> bool {
    let lex = lexicon();
    words
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .any(|w| lex.is_program(w) && !lex.is_ambiguous_program(w))
}

/// "PR titles must follow Conventional Commits": a rule on commit messages said of pull
/// request titles judges the title given to `gh pr create|edit` (`glab mr …`), and commit
/// messages too only when the rule also speaks of commits.
fn titles_instead_of_messages(matcher: Matcher, rule: &Rule) -> Vec<Matcher> {
    static TITLES: OnceLock<Regex> = OnceLock::new();
    static COMMITS: OnceLock<Regex> = OnceLock::new();
    static CONVENTION: OnceLock<Regex> = OnceLock::new();
    let titles = TITLES.get_or_init(|| {
        Regex::new(r"\b(?:prs?|pull[\s-]requests?|merge[\s-]requests?|mrs?)\s+titles?\b|\btitles?\s+of\s+(?:the\s+|your\s+|a\s+)?(?:prs?|pull\s+requests?)\b").unwrap()
    });
    let commits = COMMITS.get_or_init(|| Regex::new(r"\bcommit").unwrap());
    let convention = CONVENTION.get_or_init(|| {
        Regex::new(r"\bconventional[\s-]commits?(?:\s+(?:format|spec\w*|style))?\b").unwrap()
    });
    let Matcher::Git(GitMatcher::CommitMessage {
        forbid, require, ..
    }) = &matcher
    else {
        return vec![matcher];
    };
    if !titles.is_match(&rule.text) {
        return vec![matcher];
    }
    let mut out = pull_request_text(forbid.clone(), require.clone(), PR_TITLE_FLAGS);
    if commits.is_match(&convention.replace_all(&rule.text, "")) {
        out.push(matcher);
    }
    out
}

/// Fills a concept's matchers with what the clause says: the branches a push or merge may
/// not reach, the paths a commit may not stage, the dependencies it names. `None` when the
/// clause's own objects say what the concept's catch-all would guess.
fn refine_concept(matcher: Matcher, rule: &Rule, masked: &Masked) -> Option<Matcher> {
    Some(match matcher {
        // "never depend on another module's `:internal` modules": those (grounded from the
        // objects), not every new dependency.
        Matcher::Dependency(m) if m.names.is_empty() && names_code(rule, masked) => return None,
        Matcher::Git(GitMatcher::ForcePush { .. }) => {
            let branches = named_branches(rule, masked);
            Matcher::Git(GitMatcher::ForcePush { branches })
        }
        Matcher::Git(GitMatcher::PushTo { branches, .. }) => {
            let repos = named_repositories(rule, masked);
            let named = named_branches(rule, masked);
            let branches = if repos.is_empty() {
                non_empty_or(named, branches)
            } else {
                named
            };
            Matcher::Git(GitMatcher::PushTo { branches, repos })
        }
        Matcher::Git(GitMatcher::MergeInto { branches }) => Matcher::Git(GitMatcher::MergeInto {
            branches: non_empty_or(named_branches(rule, masked), branches),
        }),
        Matcher::Command(m) if m.subcommand == ["commit"] => staged_paths(m, rule, masked),
        Matcher::Code(m) if m.required => Matcher::Code(required_in_named_kinds(m, rule, masked)),
        other => other,
    })
}

/// True when the clause names code or a program on the side it forbids (not a kept object,
/// a place or an object of a condition: "… where `FileIO` abstractions exist").
fn names_code(rule: &Rule, masked: &Masked) -> bool {
    rule.objects.iter().any(|&i| {
        !skip_object(rule, i)
            && matches!(
                masked.objects[i].kind,
                ObjectKind::Code(_) | ObjectKind::Program(_)
            )
    })
}

/// "All C# files require the licence header", "… for `.properties` and `.yml`": a
/// requirement that names kinds of file holds for those kinds, not the concept's default.
fn required_in_named_kinds(mut m: CodeMatcher, rule: &Rule, masked: &Masked) -> CodeMatcher {
    let named = named_file_kinds(rule, masked);
    if !named.is_empty() {
        m.files = GlobList::new(named);
    }
    m
}

fn non_empty_or(named: Vec<String>, default: Vec<String>) -> Vec<String> {
    if named.is_empty() {
        default
    } else {
        named
    }
}

/// The branches a git rule names: the usual long-lived branch names among its words, a
/// branch-shaped object right after "to", "into" or "onto" (`release/*` excepted: globs are
/// not branch names), and main/master for "the protected / default branch".
fn named_branches(rule: &Rule, masked: &Masked) -> Vec<String> {
    static AFTER_INTO: OnceLock<Regex> = OnceLock::new();
    let after_into = AFTER_INTO
        .get_or_init(|| Regex::new(r"\b(?:to|into|onto|on|in)\s+(?:the\s+)?§(\d+)§").unwrap());
    let mut words: Vec<&str> = rule.text.split(|c: char| !c.is_alphanumeric()).collect();
    words.extend(
        rule.objects
            .iter()
            .map(|i| masked.objects[*i].text.as_str()),
    );
    let mut branches: Vec<String> = ["main", "master", "develop", "trunk"]
        .iter()
        .filter(|b| words.contains(b))
        .map(|b| b.to_string())
        .collect();
    for caps in after_into.captures_iter(&rule.text) {
        let Some(object) = caps[1]
            .parse::<usize>()
            .ok()
            .and_then(|i| masked.objects.get(i))
        else {
            continue;
        };
        let name = object.text.trim();
        let branch_shaped = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
        if branch_shaped {
            branches.push(name.to_string());
        }
    }
    if rule.text.contains("protected") || rule.text.contains("default branch") {
        branches.extend(["main".to_string(), "master".to_string()]);
    }
    branches.sort();
    branches.dedup();
    branches
}

/// The repositories a push rule names as its destination: an object right after "to",
/// "into" or "onto" that is not called a branch, as a remote's name (`upstream`) or as the
/// `owner/name` of a URL or slug (`valkey-io/valkey`, `https://github.com/o/n.git`). The
/// matcher compares them with the remote a push names or its configured URL.
fn named_repositories(rule: &Rule, masked: &Masked) -> Vec<String> {
    static TARGET: OnceLock<Regex> = OnceLock::new();
    let target = TARGET.get_or_init(|| {
        Regex::new(r"\b(?:to|into|onto)\s+(?:the\s+)?§(\d+)§(\s+(?:\w+\s+)?branch)?").unwrap()
    });
    let mut repos = Vec::new();
    for caps in target.captures_iter(&rule.text) {
        let Some(object) = caps[1]
            .parse::<usize>()
            .ok()
            .and_then(|i| masked.objects.get(i))
        else {
            continue;
        };
        if caps.get(2).is_some() {
            continue;
        }
        if let Some(repo) = repository_name(object.text.trim()) {
            repos.push(repo);
        }
    }
    repos.sort();
    repos.dedup();
    repos
}

/// A push destination named as a repository: a remote name (`upstream`), an `owner/name`
/// slug, or the `owner/name` a URL ends in.
fn repository_name(text: &str) -> Option<String> {
    let path = text.trim_end_matches('/').trim_end_matches(".git");
    let url = path.contains("://") || path.contains('@');
    let path = path.rsplit("://").next().unwrap_or(path);
    let parts: Vec<&str> = path.split(['/', ':']).filter(|p| !p.is_empty()).collect();
    let word = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match parts.as_slice() {
        [name] if !url && word(name) => Some(name.to_string()),
        [owner, name] if !url && word(owner) && word(name) => Some(format!("{owner}/{name}")),
        [.., owner, name] if url && word(owner) && word(name) => Some(format!("{owner}/{name}")),
        _ => None,
    }
}

/// "Never commit `.claude/` or `settings.local.json`": what may not be committed are those
/// paths, so the matcher is the staging of one of them, not every commit.
fn staged_paths(m: CommandMatcher, rule: &Rule, masked: &Masked) -> Matcher {
    let globs: Vec<String> = rule
        .objects
        .iter()
        .filter_map(|i| match &masked.objects[*i].kind {
            ObjectKind::Path(p) => Some(staged_globs(p)),
            _ => None,
        })
        .flatten()
        .collect();
    if globs.is_empty() {
        return Matcher::Command(m);
    }
    Matcher::Git(GitMatcher::AddPath {
        globs: GlobList::new(globs),
        except: GlobList::default(),
    })
}

/// Globs for a path named as something not to stage: a bare name (`settings.local.json`,
/// `.claude/`) anywhere in the tree, a path from the root.
fn staged_globs(path: &str) -> Vec<String> {
    let glob = dir_glob(path);
    let top = glob.trim_end_matches("/**");
    if top.contains('/') {
        vec![glob]
    } else {
        vec![format!("**/{glob}"), glob]
    }
}

/// Objects a relation rules out ("use `pnpm` instead of `npm`"): forbidden whatever the
/// clause's own polarity. Returns the object indexes it handled.
fn relation_objects(rule: &Rule, masked: &Masked, ctx: &Context, out: &mut Out) -> Vec<usize> {
    if rule.polarity == Polarity::Allowed {
        return Vec::new();
    }
    let mut handled = Vec::new();
    let first_new = out.items.len();
    let soft_use = rule.verb.as_deref().is_none_or(|v| {
        matches!(
            v,
            "use" | "prefer" | "favor" | "favour" | "choose" | "pick" | "import" | "call" | "run"
        )
    });
    for item in &rule.forbidden {
        match item {
            Item::Object(i) => {
                handled.push(*i);
                object(rule, masked, *i, ctx, false, out);
            }
            Item::Word(word) if word.contains(' ') => {
                // "(not npm install)": a command in words when it opens with a program.
                let words: Vec<String> = word.split_whitespace().map(String::from).collect();
                if !lexicon().is_program(&words[0]) {
                    continue;
                }
                if let Some(m) = command_matcher(&words) {
                    out.add(Matcher::Command(m), format!("not {word}"), true, false);
                }
            }
            Item::Word(word) => {
                let lex = lexicon();
                if lex.is_program(word) && !lex.is_ambiguous_program(word)
                    || lex.is_program(word) && rule.verb_class.run
                {
                    add_program(word, rule, format!("not {word}"), true, false, out);
                } else if soft_use
                    && is_identifier(word)
                    && !is_verb_form(word, lex)
                    && !is_abstract_word(word)
                    && !is_gerund_with_object(word, &rule.text)
                    && rule
                        .kept
                        .iter()
                        .any(|k| matches!(k, Item::Word(w) if is_identifier(w)))
                {
                    out.add(
                        Matcher::Code(import_matcher(word)),
                        format!("use …, not {word} (imports of {word})"),
                        true,
                        false,
                    );
                }
            }
        }
    }
    allow_kept_wrappers(rule, masked, &mut out.items[first_new..]);
    handled
}

/// "use `./bin/brew` (not a system `brew`)": the kept program is the repository's own wrapper
/// of the forbidden one, so invocations written as the wrapper stay allowed.
fn allow_kept_wrappers(rule: &Rule, masked: &Masked, forbidden: &mut [Grounded]) {
    let wrappers: Vec<&str> = rule
        .kept
        .iter()
        .filter_map(|k| match k {
            Item::Object(i) => match &masked.objects[*i].kind {
                ObjectKind::Command(words) => words.first().map(String::as_str),
                ObjectKind::Program(p) | ObjectKind::Path(p) => Some(p.as_str()),
                _ => None,
            },
            Item::Word(_) => None,
        })
        .filter(|p| p.contains('/'))
        .collect();
    for grounded in forbidden {
        let Matcher::Command(m) = &mut grounded.matcher else {
            continue;
        };
        for wrapper in &wrappers {
            let name = wrapper.rsplit('/').next().unwrap_or(wrapper);
            if m.programs.iter().any(|p| p == name)
                && !m.unless_programs.iter().any(|w| w == wrapper)
            {
                m.unless_programs.push(wrapper.to_string());
            }
        }
    }
}

/// A verb in any form ("creating", "mocked"): prose, not a module name.
fn is_verb_form(word: &str, lex: &super::lexicon::Lexicon) -> bool {
    verb_in(&lex.verbs.imperative, word).is_some()
}

/// A noun English builds for a quality or an action ("brevity", "readability",
/// "completeness", "validation", "performance"), which names no module or package.
fn is_abstract_word(word: &str) -> bool {
    let plain = word.chars().all(|c| c.is_ascii_lowercase());
    plain
        && word.len() > 5
        && ["ity", "ness", "tion", "sion", "ance", "ence"]
            .iter()
            .any(|suffix| word.ends_with(suffix))
}

/// "instead of duplicating the body": an "-ing" word followed by a determiner is a verb
/// acting on an object, not a module (`logging` alone may be one).
fn is_gerund_with_object(word: &str, text: &str) -> bool {
    if !word.ends_with("ing") {
        return false;
    }
    let mut words = text.split_whitespace().skip_while(|w| *w != word);
    words.next();
    words.next().is_some_and(|next| {
        matches!(
            next,
            "the"
                | "a"
                | "an"
                | "your"
                | "each"
                | "every"
                | "all"
                | "any"
                | "it"
                | "them"
                | "this"
                | "these"
                | "those"
        )
    })
}

fn is_identifier(word: &str) -> bool {
    word.len() > 1
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

fn import_matcher(module: &str) -> CodeMatcher {
    import_pattern_matcher(&regex::escape(module))
}

/// Imports of modules matching a regex fragment, in the import syntaxes of the common
/// languages (Java/Kotlin/Python/Go `import`, Python `from`, Rust `use`, JS `require`/`from`).
fn import_pattern_matcher(w: &str) -> CodeMatcher {
    CodeMatcher::new(format!(
        r#"^\s*(import\s+(?:static\s+)?{w}\b|from\s+{w}(\.|\s)|use\s+{w}::)|require\(["']{w}["']\)|from\s+["']{w}["']"#
    ))
}

/// Objects that are not what the rule is about: kept ones, places, exceptions, descriptors
/// ("`fmt.Sprintf`-style"), and objects in a condition ("unless `x`").
fn skip_object(rule: &Rule, i: usize) -> bool {
    if rule.is_kept(i) || rule.place_objects.contains(&i) || rule.excepted_objects().contains(&i) {
        return true;
    }
    let marker = format!("§{i}§");
    let Some(at) = rule.text.find(&marker) else {
        return true;
    };
    let after = rule.text[at + marker.len()..].trim_start();
    let descriptor = [
        "-style",
        "style",
        "prefix",
        "suffix",
        "-like",
        "syntax",
        "-formatted",
        "format",
    ]
    .iter()
    .any(|d| after.starts_with(d));
    let in_condition = condition_start(&rule.text).is_some_and(|c| at > c);
    let in_purpose = purpose_start(&rule.text).is_some_and(|p| at > p);
    descriptor || in_condition || in_purpose || after.starts_with("instead")
}

/// Where a purpose starts in a clause that named an object before it ("avoid `bind()` solely
/// to control `this`", "don't use `x` in order to reach `y`"): what follows says why, not what.
fn purpose_start(text: &str) -> Option<usize> {
    static PURPOSE: OnceLock<Regex> = OnceLock::new();
    let re = PURPOSE.get_or_init(|| {
        Regex::new(
            r"\b((?:solely|only|just|merely|simply|purely)\s+|in\s+order\s+)?to\s+([a-z]+)\b",
        )
        .unwrap()
    });
    let first_object = text.find('§')?;
    let verbs = &lexicon().verbs.imperative;
    // "to" and a verb the lexicon knows, or any word after "solely", "in order" and the like.
    re.captures_iter(text)
        .filter(|c| c.get(0).is_some_and(|m| m.start() > first_object))
        .find(|c| c.get(1).is_some() || c[2] != *"be" && verb_in(verbs, &c[2]).is_some())
        .and_then(|c| c.get(0).map(|m| m.start()))
}

/// Where a condition starts in a clause ("… unless …", "… when …", "… if …").
fn condition_start(text: &str) -> Option<usize> {
    static COND: OnceLock<Regex> = OnceLock::new();
    let re = COND.get_or_init(|| {
        Regex::new(r"\b(?:unless|except|when|whenever|where|wherever|if|because|so\s+that|until|without|since|as\s+long\s+as)\b").unwrap()
    });
    re.find(text).map(|m| m.start())
}

/// Grounds one object as a prohibition (or, with `permit`, a permission).
fn object(rule: &Rule, masked: &Masked, i: usize, ctx: &Context, permit: bool, out: &mut Out) {
    let obj = &masked.objects[i];
    if rule.verb_class.speech {
        said_object(rule, obj, ctx, permit, out);
        return;
    }
    if modified_declaration(rule, i, &obj.text, permit, out) {
        return;
    }
    match &obj.kind {
        ObjectKind::Command(words) => command_object(rule, words, &obj.text, permit, out),
        ObjectKind::Program(p) => {
            if rule.verb_class.code && !rule.verb_class.run {
                code_object(rule, &obj.text, ctx, permit, true, out);
            } else {
                add_program(p, rule, format!("`{p}`"), true, permit, out);
            }
        }
        ObjectKind::Flag(flag, value) => {
            flag_object(rule, masked, flag, value.as_deref(), ctx, permit, out)
        }
        ObjectKind::Path(p) if follows_outside(rule, i) => {
            outside_path(rule, masked, p, ctx, permit, out)
        }
        ObjectKind::Path(p) => path_object(rule, p, ctx, permit, out),
        ObjectKind::Code(c) if staged_file_name(rule, masked, c) => {
            path_object(rule, c, ctx, permit, out)
        }
        ObjectKind::Code(c) if c.ends_with('*') && names_calls(rule, i) => {
            // "instead of enif_* functions": calls of the names the wildcard stands for.
            code_object(rule, &format!("{c}()"), ctx, permit, true, out)
        }
        ObjectKind::Code(c) => {
            let qualifier = qualifies_a_noun(rule, i);
            code_object(rule, c, ctx, permit, !qualifier, out)
        }
        ObjectKind::Trailer(key) => {
            let pattern = format!("(?m)^{}:", regex::escape(key));
            published_text(
                rule,
                ctx,
                &pattern,
                &format!("trailer `{key}:`"),
                permit,
                out,
            );
        }
        ObjectKind::Quote(q) if !q.trim().is_empty() => {
            let pattern = prose_pattern(q);
            published_text(rule, ctx, &pattern, &format!("\"{q}\""), permit, out);
        }
        _ => {}
    }
}

/// True when object `i` comes right before a noun for callables ("`mock_*` functions",
/// "enif_* calls").
fn names_calls(rule: &Rule, i: usize) -> bool {
    let marker = format!("§{i}§");
    rule.text.find(&marker).is_some_and(|at| {
        let next = rule.text[at + marker.len()..].split_whitespace().next();
        next.is_some_and(|w| {
            let w = w.trim_end_matches(|c: char| !c.is_alphanumeric());
            matches!(
                w,
                "function"
                    | "functions"
                    | "call"
                    | "calls"
                    | "method"
                    | "methods"
                    | "macro"
                    | "macros"
            )
        })
    })
}

/// "Do not commit `dump.rdb`, `nodes.conf`": a one-token span shaped like a file name
/// (`name.ext`), listed with paths as what a commit may not stage, is a file too, whatever
/// its extension.
fn staged_file_name(rule: &Rule, masked: &Masked, code: &str) -> bool {
    static FILE_NAME: OnceLock<Regex> = OnceLock::new();
    let file_name =
        FILE_NAME.get_or_init(|| Regex::new(r"^[\w-]+(?:\.[\w-]+)*\.[a-z0-9]{1,8}$").unwrap());
    let staging = matches!(rule.verb.as_deref(), Some("stage" | "commit"));
    let with_paths = rule
        .objects
        .iter()
        .any(|&i| matches!(masked.objects[i].kind, ObjectKind::Path(_)));
    staging && with_paths && file_name.is_match(code.trim())
}

/// A regex for quoted prose as it appears in a message written in Markdown: its words in
/// order, any case, with spaces, brackets or emphasis between them ("Generated with Claude
/// Code" finds "Generated with [Claude Code](…)").
fn prose_pattern(quote: &str) -> String {
    let words: Vec<String> = quote.split_whitespace().map(regex::escape).collect();
    format!("(?i){}", words.join(r"[\s\[\]*_`]+"))
}

/// Text a rule forbids in what the agent publishes: commit messages when the rule is about
/// commits, pull-request titles and descriptions (`gh pr create|edit`, `glab mr
/// create|update`) when it is about pull requests; nothing else.
fn published_text(
    rule: &Rule,
    ctx: &Context,
    pattern: &str,
    what: &str,
    permit: bool,
    out: &mut Out,
) {
    if about_commits(rule, ctx) {
        out.add(
            Matcher::Git(GitMatcher::commit_message(Some(pattern.to_string()), None)),
            format!("{what} in commit messages"),
            true,
            permit,
        );
    }
    if about_pull_requests(ctx) {
        for m in pull_request_text(Some(pattern.to_string()), None, PR_TEXT_FLAGS) {
            out.add(m, format!("{what} in pull requests"), true, permit);
        }
    }
}

/// The flags that carry a pull request's title and description, per program.
const PR_TEXT_FLAGS: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "gh",
        "pr",
        &["create", "edit"],
        &["--title", "-t", "--body", "-b"],
    ),
    (
        "glab",
        "mr",
        &["create", "update"],
        &["--title", "-t", "--description", "-d"],
    ),
];

/// The flags that carry a pull request's title, per program.
const PR_TITLE_FLAGS: &[(&str, &str, &[&str], &[&str])] = &[
    ("gh", "pr", &["create", "edit"], &["--title", "-t"]),
    ("glab", "mr", &["create", "update"], &["--title", "-t"]),
];

/// Command matchers judging the text flags of `flags` (program, noun, verbs, flags).
fn pull_request_text(
    forbid: Option<String>,
    require: Option<String>,
    flags: &[(&str, &str, &[&str], &[&str])],
) -> Vec<Matcher> {
    flags
        .iter()
        .flat_map(|(program, noun, verbs, flags)| {
            let value = FlagValue::new(flags, forbid.clone(), require.clone());
            verbs.iter().map(move |verb| {
                let mut m = CommandMatcher::programs(&[program]);
                m.subcommand = vec![noun.to_string(), verb.to_string()];
                m.flag_value = Some(value.clone());
                Matcher::Command(m)
            })
        })
        .collect()
}

/// True when a rule speaks of commits: its clause names them or a trailer (a part of a
/// commit message: "a `Co-Authored-By:` trailer"), or its sentence or section names commit
/// messages.
fn about_commits(rule: &Rule, ctx: &Context) -> bool {
    let sentence = main_part(ctx.sentence);
    let own = main_part(&rule.text);
    own.contains("commit")
        || own.contains("trailer")
        || sentence.contains("commit message")
        || sentence.contains("commit title")
        || ctx
            .section
            .last()
            .is_some_and(|h| h.to_lowercase().contains("commit"))
}

/// True when a rule's sentence (its label included) or its section speaks of pull requests.
fn about_pull_requests(ctx: &Context) -> bool {
    static PRS: OnceLock<Regex> = OnceLock::new();
    let prs = PRS.get_or_init(|| {
        Regex::new(r"(?i)\b(?:prs?|pull[\s-]requests?|merge[\s-]requests?|mrs?)\b").unwrap()
    });
    prs.is_match(main_part(ctx.sentence)) || ctx.section.last().is_some_and(|h| prs.is_match(h))
}

/// The text before a non-restrictive relative clause ("no `fix:` prefix, which belongs on
/// the commit subject"): such a clause describes, it does not extend the rule.
fn main_part(text: &str) -> &str {
    [", which ", "— which ", "; which ", "(which "]
        .iter()
        .filter_map(|m| text.find(m))
        .min()
        .map_or(text, |at| &text[..at])
}

/// A command exactly as named: program, subcommand, flags and arguments.
fn command_object(rule: &Rule, words: &[String], text: &str, permit: bool, out: &mut Out) {
    let Some(mut m) = command_matcher(words) else {
        return;
    };
    m.direct_only = rule.directly;
    out.add(Matcher::Command(m), format!("`{text}`"), true, permit);
}

/// The matcher for a command as written: program names with aliases, subcommand words,
/// each flag with its equivalent spellings when it is the only one.
pub fn command_matcher(words: &[String]) -> Option<CommandMatcher> {
    let words: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .take_while(|w| !matches!(*w, "|" | "&&" | "||" | ";" | ">" | "2>&1"))
        .filter(|w| !w.contains('$'))
        .collect();
    let program = words.first()?.trim_start_matches("./");
    let mut m = CommandMatcher::from_shorthand(&words.join(" ")).ok()?;
    let lex = lexicon();
    m.programs = if program.contains('/') {
        vec![program.to_string()]
    } else {
        lex.program_names(program)
    };
    if m.all_flags.len() == 1 {
        let flag = m.all_flags.remove(0);
        m.any_flags = lex.flag_spellings(program, &m.subcommand, &flag);
    }
    Some(m)
}

fn add_program(
    program: &str,
    rule: &Rule,
    why: String,
    literal: bool,
    permit: bool,
    out: &mut Out,
) {
    let lex = lexicon();
    let names = lex.program_names(program);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let subcommands = match for_package_management(&rule.text) {
        true => lex.programs.package_subcommands.get(program),
        false => None,
    };
    let Some(subcommands) = subcommands else {
        let mut m = CommandMatcher::programs(&refs);
        m.direct_only = rule.directly;
        out.add(Matcher::Command(m), why, literal, permit);
        return;
    };
    for (m, subcommand) in package_commands(&refs, subcommands, rule) {
        let why = format!("{why}, for package management: {program} {subcommand}");
        out.add(Matcher::Command(m), why, literal, permit);
    }
}

/// One matcher per package subcommand of the programs named `names`.
fn package_commands<'s>(
    names: &[&str],
    subcommands: &'s [String],
    rule: &Rule,
) -> Vec<(CommandMatcher, &'s str)> {
    subcommands
        .iter()
        .map(|subcommand| {
            let mut m = CommandMatcher::programs(names);
            m.subcommand = vec![subcommand.clone()];
            m.direct_only = rule.directly;
            (m, subcommand.as_str())
        })
        .collect()
}

/// True when a clause says its tools are for managing packages ("always use `pnpm` instead
/// of `npm` for package management"): a package manager it gives up is forbidden only its
/// package commands.
fn for_package_management(text: &str) -> bool {
    static PURPOSE: OnceLock<Regex> = OnceLock::new();
    PURPOSE
        .get_or_init(|| {
            Regex::new(r"\bfor\s+(?:all\s+)?(?:package\s+management|dependency\s+management|managing\s+(?:packages|dependencies)|(?:installing|adding)\s+(?:packages|dependencies))\b").unwrap()
        })
        .is_match(text)
}

/// "NEVER pip", "never use npm": a known program written bare right after the trigger or a
/// run verb. A clause that goes on to qualify it ("never run pytest with coverage") names a
/// variant ctx cannot see, so the whole program is only an inferred object (ask); a qualifier
/// ctx can see (a flag object, a target such as "from `/`") narrows the matcher instead.
fn bare_programs(rule: &Rule, masked: &Masked, permit: bool, out: &mut Out) {
    static BARE: OnceLock<Regex> = OnceLock::new();
    let re = BARE.get_or_init(|| {
        Regex::new(r"\b(?:never|not|don't|avoid|no|forbidden|banned)\s+(?:(?:ever|directly|manually)\s+)?(?:(use|using|run|running|call|calling|invoke|invoking|execute|executing)\s+)?(?:the\s+)?([a-z][\w.+-]*)\b").unwrap()
    });
    let lex = lexicon();
    let has_flag = rule
        .objects
        .iter()
        .any(|i| matches!(masked.objects[*i].kind, ObjectKind::Flag(..)));
    for cap in re.captures_iter(&rule.text) {
        let run_verb = cap.get(1).is_some();
        let (words, end) = listed_words(&rule.text, &cap[2], cap.get(0).unwrap().end());
        // "do not use npm or yarn": a word that is also a common noun is a program in a list
        // with one that is only a program.
        let sure = run_verb
            || words
                .iter()
                .any(|w| lex.is_program(w) && !lex.is_ambiguous_program(w));
        let rest = rule.text[end..].trim();
        for word in &words {
            if !lex.is_program(word) || lex.is_ambiguous_program(word) && !sure || has_flag {
                continue;
            }
            if rule.kept.contains(&Item::Word(word.to_string())) {
                continue;
            }
            let names = lex.program_names(word);
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let mut m = CommandMatcher::programs(&refs);
            m.direct_only = rule.directly;
            m.targets = targets(rule, masked);
            let literal = !m.targets.is_empty() || is_unqualified(rest);
            out.add(
                Matcher::Command(m),
                format!("never {word}"),
                literal,
                permit,
            );
        }
    }
}

/// `first` and the words listed after it from `end` on ("npm, pnpm or yarn"), with the end
/// of the list.
fn listed_words<'t>(text: &'t str, first: &'t str, mut end: usize) -> (Vec<&'t str>, usize) {
    static NEXT: OnceLock<Regex> = OnceLock::new();
    let next = NEXT.get_or_init(|| {
        Regex::new(r"^(?:\s*,\s*(?:or\s+|and\s+|nor\s+)?|\s+or\s+|\s+and\s+|\s+nor\s+)(?:the\s+)?([a-z][\w.+-]*)\b").unwrap()
    });
    let mut words = vec![first];
    while let Some(c) = next.captures(&text[end..]) {
        words.push(c.get(1).unwrap().as_str());
        end += c.get(0).unwrap().end();
    }
    (words, end)
}

/// True when nothing after a program narrows what the rule forbids (punctuation, "directly",
/// another program of a list, an exception).
fn is_unqualified(rest: &str) -> bool {
    static QUALIFIER: OnceLock<Regex> = OnceLock::new();
    let re = QUALIFIER.get_or_init(|| {
        Regex::new(r"^(?:\W*|(?:directly|ever|at\s+all|yourself)\b.*|(?:,|or|and|nor)\b.*|(?:unless|except|without)\b.*|(?:for|to)\s+(?:install|add|manag|run)\w*.*)$").unwrap()
    });
    re.is_match(rest)
}

/// Kinds of path a clause names as a command's target: "from `/`", "outside the project",
/// "your home directory".
fn targets(rule: &Rule, masked: &Masked) -> Vec<TargetClass> {
    let t = &rule.text;
    let mut out = Vec::new();
    let root_object = rule
        .objects
        .iter()
        .any(|i| matches!(masked.objects[*i].text.as_str(), "/" | "/*"));
    if root_object || t.contains("root directory") || t.contains("filesystem root") {
        out.push(TargetClass::Root);
    }
    if [
        "outside the project",
        "outside the repo",
        "outside the working tree",
        "outside the workspace",
        "outside of the project",
        "outside this repo",
    ]
    .iter()
    .any(|p| t.contains(p))
    {
        out.extend([
            TargetClass::OutsideRepo,
            TargetClass::Home,
            TargetClass::Root,
        ]);
    }
    let home_object = rule
        .objects
        .iter()
        .any(|i| masked.objects[*i].text.starts_with('~'));
    if home_object || t.contains("home directory") {
        out.push(TargetClass::Home);
    }
    out.sort_by_key(|c| format!("{c:?}"));
    out.dedup();
    out
}

/// A flag: the program it belongs to comes from the same clause (literal), the code line the
/// rule comments on (literal), a command named nearby (inferred) or the lexicon (inferred).
fn flag_object(
    rule: &Rule,
    masked: &Masked,
    flag: &str,
    value: Option<&str>,
    ctx: &Context,
    permit: bool,
    out: &mut Out,
) {
    let Some(owner) = flag_owner(rule, masked, flag, ctx) else {
        return;
    };
    let lex = lexicon();
    let mut m = owner.matcher();
    m.direct_only = rule.directly;
    m.any_flags = lex.flag_spellings(&owner.programs[0], &owner.subcommand, flag);
    if let Some(v) = value {
        m.arg_pattern = Some(format!("(^|=){}$", regex::escape(v)));
    }
    out.add(
        Matcher::Command(m),
        format!("`{flag}` ({})", owner.from),
        owner.literal,
        permit,
    );
}

/// The program (and subcommand) a flag belongs to, and where that was found.
struct Owner {
    programs: Vec<String>,
    subcommand: Vec<String>,
    from: String,
    literal: bool,
}

impl Owner {
    /// A command matcher for the owner's programs and subcommand, flags still open.
    fn matcher(&self) -> CommandMatcher {
        let programs: Vec<&str> = self.programs.iter().map(String::as_str).collect();
        let mut m = CommandMatcher::programs(&programs);
        m.subcommand = self.subcommand.clone();
        m
    }
}

fn flag_owner(rule: &Rule, masked: &Masked, flag: &str, ctx: &Context) -> Option<Owner> {
    let lex = lexicon();
    let split = |words: &[String]| -> (Vec<String>, Vec<String>) {
        let program = words[0].trim_start_matches("./").to_string();
        let sub: Vec<String> = words[1..]
            .iter()
            .take_while(|w| {
                !w.starts_with('-') && !w.contains('=') && !w.contains('/') && !w.contains('.')
            })
            .cloned()
            .collect();
        (lex.program_names(&program), sub)
    };
    for &i in &rule.objects {
        if let ObjectKind::Command(words) = &masked.objects[i].kind {
            let (programs, subcommand) = split(words);
            return Some(Owner {
                programs,
                subcommand,
                from: format!("`{}` in the rule", masked.objects[i].text),
                literal: true,
            });
        }
        if let ObjectKind::Program(p) = &masked.objects[i].kind {
            return Some(Owner {
                programs: lex.program_names(p),
                subcommand: Vec::new(),
                from: format!("`{p}` in the rule"),
                literal: true,
            });
        }
    }
    if let Some(word) = rule
        .text
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '.'))
        .find(|w| lex.is_program(w) && !lex.is_ambiguous_program(w))
    {
        return Some(Owner {
            programs: lex.program_names(word),
            subcommand: Vec::new(),
            from: format!("{word} in the rule"),
            literal: true,
        });
    }
    if let Some(code) = ctx.code_context {
        let words: Vec<String> = code
            .split_whitespace()
            .skip_while(|w| w.contains('=') && !w.starts_with('-'))
            .map(String::from)
            .collect();
        if words
            .first()
            .is_some_and(|w| super::objects::is_program_name(w) || words.len() > 1)
        {
            let (programs, subcommand) = split(&words);
            return Some(Owner {
                programs,
                subcommand,
                from: format!("the command on the same line: {code}"),
                literal: true,
            });
        }
    }
    for words in ctx.nearby_commands {
        if words.iter().any(|w| w.split('=').next() == Some(flag)) {
            let (programs, subcommand) = split(words);
            return Some(Owner {
                programs,
                subcommand,
                from: format!("`{}` nearby", words.join(" ")),
                literal: false,
            });
        }
    }
    let tables: Vec<&super::lexicon::FlagSpellings> = lex
        .flags
        .iter()
        .filter(|f| f.same.iter().flatten().any(|s| s == flag))
        .collect();
    let mut owners: Vec<&str> = tables.iter().map(|f| f.program.as_str()).collect();
    owners.dedup();
    let [one] = owners.as_slice() else {
        return None;
    };
    // "never commit with `--no-verify`": the verb names the subcommand whose flag it is.
    let named = tables.iter().find(|f| {
        f.subcommand.len() == 1 && rule.verb.as_deref() == Some(f.subcommand[0].as_str())
    });
    Some(match named {
        Some(table) => Owner {
            programs: lex.program_names(one),
            subcommand: table.subcommand.clone(),
            from: format!("{flag} of {one} {}", table.subcommand.join(" ")),
            literal: true,
        },
        // "do not bypass the checks (`--no-verify`)": a long flag found as written is named
        // literally; requiring it of every command of its program is a guess.
        None => Owner {
            programs: lex.program_names(one),
            subcommand: Vec::new(),
            from: format!("{flag} is a {one} flag"),
            literal: rule.polarity == Polarity::Never && flag.starts_with("--"),
        },
    })
}

/// A path: what the verb does to it decides the operations; a run verb on an executable path
/// forbids running it.
fn path_object(rule: &Rule, path: &str, ctx: &Context, permit: bool, out: &mut Out) {
    let class = rule.verb_class;
    if matches!(rule.verb.as_deref(), Some("stage" | "commit")) {
        let m = GitMatcher::AddPath {
            globs: GlobList::new(staged_globs(path)),
            except: GlobList::default(),
        };
        out.add(Matcher::Git(m), format!("stage `{path}`"), true, permit);
        return;
    }
    if rule.verb.as_deref() == Some("import") {
        if let Some(module) = module_glob_regex(path) {
            let m = import_pattern_matcher(&module);
            out.add(
                Matcher::Code(m),
                format!("imports of `{path}`"),
                true,
                permit,
            );
            return;
        }
    }
    if rule.verb.as_deref() == Some("use") && !looks_executable(path) && !path.contains('*') {
        used_file(path, ctx, permit, out);
        return;
    }
    if class.run && !class.files() || rule.verb.as_deref() == Some("use") && looks_executable(path)
    {
        let glob = path.trim_start_matches("./").to_string();
        out.add(
            Matcher::Command(CommandMatcher::programs(&[&glob])),
            format!("run `{path}`"),
            true,
            permit,
        );
        return;
    }
    let about_files = class.touches_files()
        || rule.by_hand
        || rule.verb.is_none()
        || matches!(rule.form.as_str(), "prohibition-label" | "absence");
    if !about_files {
        return;
    }
    let mut m = PathMatcher::new(vec![join_base(ctx.base_dir, &dir_glob(path))]);
    m.ops = path_ops(&class);
    let verb = rule.verb.clone().unwrap_or_else(|| "touch".into());
    out.add(
        Matcher::Path(m),
        format!("\"{verb}\" `{path}`"),
        true,
        permit,
    );
}

/// "Do not use `old-key.pem`": a file that is used, not run. Giving it to any command, naming
/// it in added lines (a config that points at it) and reading or writing it all use it;
/// deleting it does not.
fn used_file(path: &str, ctx: &Context, permit: bool, out: &mut Out) {
    let path = path.trim_start_matches("./").trim_end_matches('/');
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut command = CommandMatcher::programs(&["*"]);
    command.arg_pattern = Some(format!(r"(?:^|[/=]){}$", regex::escape(path)));
    out.add(
        Matcher::Command(command),
        format!("`{path}` given to a command"),
        true,
        permit,
    );
    let code = code_outside_prose(format!(r"(?:^|[^\w.-]){}(?:$|[^\w-])", regex::escape(name)));
    out.add(
        Matcher::Code(code),
        format!("`{name}` named in added lines"),
        true,
        permit,
    );
    let glob = if path.contains('/') {
        join_base(ctx.base_dir, path)
    } else {
        format!("**/{path}")
    };
    let mut file = PathMatcher::new(vec![glob]);
    file.ops = vec![FileOp::Read, FileOp::Write, FileOp::Edit];
    out.add(
        Matcher::Path(file),
        format!("`{path}` read or written"),
        true,
        permit,
    );
}

/// True when object `i` follows "outside (of) (the)": the place is where the rule's files
/// belong, not what it forbids.
fn follows_outside(rule: &Rule, i: usize) -> bool {
    let marker = format!("§{i}§");
    rule.text.find(&marker).is_some_and(|at| {
        let before = rule.text[..at].trim_end();
        let before = before.strip_suffix("the").unwrap_or(before).trim_end();
        let before = before.strip_suffix("of").unwrap_or(before).trim_end();
        before.ends_with("outside")
    })
}

/// "Don't put unit tests outside `tests/strands/`": files of the kind the rule names (tests,
/// "Java files", `.kt`; else any file) written anywhere but under the place.
fn outside_path(
    rule: &Rule,
    masked: &Masked,
    path: &str,
    ctx: &Context,
    permit: bool,
    out: &mut Out,
) {
    let mut kinds = named_file_kinds(rule, masked);
    let about_tests = contains_word(&rule.text, "tests") || contains_word(&rule.text, "test");
    if kinds.is_empty() && about_tests {
        // Test files by their names: fixtures and `__init__.py` in a test folder are not tests.
        kinds = lexicon()
            .tests
            .globs
            .iter()
            .filter(|g| !g.ends_with("/**"))
            .cloned()
            .collect();
    }
    if kinds.is_empty() {
        kinds = vec!["**".to_string()];
    }
    let place = join_base(ctx.base_dir, &dir_glob(path));
    let mut m = PathMatcher {
        globs: GlobList::new(kinds),
        except: GlobList::new(vec![place]),
        ..PathMatcher::default()
    };
    m.ops = path_ops(&rule.verb_class);
    out.add(Matcher::Path(m), format!("outside `{path}`"), true, permit);
}

/// The file operations a verb forbids: only the ones it names ("delete" deletes, "create"
/// writes, "read" reads), every change for the other file verbs, reads too when a read verb
/// is among them ("read or modify", "access").
fn path_ops(class: &VerbClass) -> Vec<FileOp> {
    let changes = vec![FileOp::Write, FileOp::Edit, FileOp::Delete];
    match (class.read, class.edit, class.create, class.delete) {
        (true, false, false, false) => vec![FileOp::Read],
        (true, ..) => [vec![FileOp::Read], changes].concat(),
        (false, false, false, true) => vec![FileOp::Delete],
        (false, false, true, false) => vec![FileOp::Write],
        _ => Vec::new(),
    }
}

/// A dotted module glob (`*.shaded.*`, `com.acme.internal.*`) as a regex fragment over a
/// module path: `*` stands for any dotted run of names. `None` for a file path.
fn module_glob_regex(path: &str) -> Option<String> {
    let extension_glob = path
        .strip_prefix("*.")
        .is_some_and(|ext| !ext.contains(['.', '*']));
    let dotted = path.contains('.') && !path.contains('/') && path.contains('*') && !extension_glob;
    let chars_ok = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '*'));
    if !dotted || !chars_ok {
        return None;
    }
    let parts: Vec<String> = path.split('*').map(regex::escape).collect();
    Some(parts.join(r"[\w.]*"))
}

fn looks_executable(path: &str) -> bool {
    path.contains(".bin/") || path.ends_with(".sh") || path.starts_with("./") && !path.contains('.')
}

/// `generated/` and bare directory names become `dir/**`.
pub fn dir_glob(path: &str) -> String {
    let p = path.trim_start_matches("./");
    // Prose writes `*/mocks/mocks.go` for "a mocks.go under any directory".
    if let Some(rest) = p.strip_prefix("*/") {
        return dir_glob(&format!("**/{rest}"));
    }
    if p.ends_with('/') {
        format!("{p}**")
    } else {
        p.to_string()
    }
}

/// A glob relative to the document's directory, for nested instruction files.
pub fn join_base(base: &str, glob: &str) -> String {
    if base.is_empty() || glob.starts_with("**") || glob.starts_with('/') {
        glob.trim_start_matches('/').to_string()
    } else {
        format!("{}/{}", base.trim_end_matches('/'), glob)
    }
}

/// True when object `i` only qualifies a noun the rule is about ("no wrappers for `int8`",
/// "avoid imports from `internal`"): what is forbidden is the wrapper or the import, so the
/// span alone is part of the object. Examples ("like `x`", "such as `x`") are not qualifiers,
/// nor is the place a verb acts on ("write to `x`").
fn qualifies_a_noun(rule: &Rule, i: usize) -> bool {
    static QUALIFIED: OnceLock<Regex> = OnceLock::new();
    let re = QUALIFIED.get_or_init(|| {
        Regex::new(r"\b([a-z]{3,})\s+(?:for|of|around|about|between|over|from|on|into|inside|within)\s+(?:the\s+|a\s+|an\s+|any\s+)?$").unwrap()
    });
    let marker = format!("§{i}§");
    let Some(at) = rule.text.find(&marker) else {
        return false;
    };
    re.captures(&rule.text[..at]).is_some_and(|c| {
        let verbs = &lexicon().verbs.imperative;
        // "instead of `x`", "because of `x`" relate, they qualify no noun.
        let relation = matches!(&c[1], "instead" | "because");
        !relation && rule.verb.as_deref() != Some(&c[1]) && verb_in(verbs, &c[1]).is_none()
    })
}

/// "Do not use `final` or `readonly` classes", "no `async` functions", "avoid `unsafe`
/// blocks": a keyword span, alone or in a list of them, right before a noun naming a kind of
/// declaration (`lexicon.toml` `declarations`) is that declaration's modifier. The pattern
/// is the keyword before the declaration (`final class`, `async def f(`), named whole, so
/// the bare word elsewhere (`final` in a comment, a `readonly` property) is no hit. Returns
/// true when grounded.
fn modified_declaration(rule: &Rule, i: usize, code: &str, permit: bool, out: &mut Out) -> bool {
    static KEYWORD: OnceLock<Regex> = OnceLock::new();
    static NOUN: OnceLock<Regex> = OnceLock::new();
    let keyword = KEYWORD.get_or_init(|| Regex::new(r"^[a-z][a-z_]*$").unwrap());
    let noun = NOUN.get_or_init(|| {
        Regex::new(r"^(?:\s*(?:,|/|,?\s*(?:or|and))\s*§\d+§)*\s+([a-z]+)\b").unwrap()
    });
    let code = code.trim();
    if !keyword.is_match(code) || !code_rule(rule) {
        return false;
    }
    let marker = format!("§{i}§");
    let Some(at) = rule.text.find(&marker) else {
        return false;
    };
    let Some(declaration) = noun
        .captures(&rule.text[at + marker.len()..])
        .and_then(|c| lexicon().declaration(&c[1]))
    else {
        return false;
    };
    let m = code_outside_prose(format!(r"\b{code}\b\s*{}", declaration.follows));
    out.add(
        Matcher::Code(m),
        format!("`{code}` modifying a declaration the rule names"),
        true,
        permit,
    );
    true
}

/// True when the rule's verb acts on code: a code verb ("use", "add"), one that creates, none
/// ("No `x`"), a choice between two things ("favor X instead of `y`"), or a prohibition
/// written as a label or an absence.
fn code_rule(rule: &Rule) -> bool {
    let chooses = matches!(
        rule.verb.as_deref(),
        Some("prefer" | "favor" | "favour" | "choose" | "pick")
    );
    rule.verb_class.code
        || chooses && rule.relation.is_some()
        || rule.verb_class.create
        || rule.verb.is_none()
        || matches!(rule.form.as_str(), "prohibition-label" | "absence")
}

/// Code: a pattern over added lines (prose files never read), over removed lines for a
/// delete verb, or a commit-message pattern when the rule is about commits. `named_whole` is
/// false when the span is only part of the object (a qualifier): the matcher then asks; so
/// does a lone lowercase word (`if`, `any`, `final`), a keyword the rule qualifies
/// ("negation in `if` statements") that also matches ordinary words in comments and names.
fn code_object(
    rule: &Rule,
    code: &str,
    ctx: &Context,
    permit: bool,
    named_whole: bool,
    out: &mut Out,
) {
    // An operator (`==`) is code too, but so common that it only asks.
    let (pattern, operator) = match code_pattern(code) {
        Some(pattern) => (pattern, false),
        None => match operator_pattern(code) {
            Some(pattern) => (pattern, true),
            None => return,
        },
    };
    if about_commits(rule, ctx) && !operator {
        out.add(
            Matcher::Git(GitMatcher::commit_message(
                Some(format!("(?i){pattern}")),
                None,
            )),
            format!("`{code}` in commit messages"),
            true,
            permit,
        );
        return;
    }
    let whole = named_whole && !operator && !code.chars().all(|c| c.is_ascii_lowercase());
    if rule.verb_class.delete && rule.polarity != Polarity::Always {
        // "Never remove the `// SAFETY:` comments": the code must stay.
        let mut m = code_outside_prose(pattern.clone());
        m.removed = true;
        out.add(
            Matcher::Code(m),
            format!("`{code}` removed from code"),
            whole,
            permit,
        );
    }
    // "Do not create `cloud_run_sa`": code is created by adding it.
    if !code_rule(rule) {
        return;
    }
    let m = code_outside_prose(pattern);
    let why = if named_whole {
        format!("`{code}` in added code")
    } else {
        format!("`{code}` in added code (it qualifies what the rule is about)")
    };
    out.add(Matcher::Code(m), why, whole, permit);
}

/// "Never state that `go test` passes", "never mention `Claude` in commits": the object is
/// what is said, checkable only where the saying is text ctx sees (a commit message).
fn said_object(rule: &Rule, obj: &Object, ctx: &Context, permit: bool, out: &mut Out) {
    if !about_commits(rule, ctx) || obj.text.trim().is_empty() {
        return;
    }
    let pattern = format!("(?i){}", regex::escape(obj.text.trim()));
    out.add(
        Matcher::Git(GitMatcher::commit_message(Some(pattern), None)),
        format!("`{}` in commit messages", obj.text),
        true,
        permit,
    );
}

/// A code matcher for `pattern` that never reads prose files (documents quote code).
fn code_outside_prose(pattern: String) -> CodeMatcher {
    let mut m = CodeMatcher::new(pattern);
    m.except_files = GlobList::new(lexicon().prose.files.clone());
    m
}

/// A regex for a piece of code: calls by name (`vi.mock()` → `\bvi\.mock\(`), globs expanded
/// (`logger.*` → any member of `logger`), runs of spaces flexible, word boundaries where the
/// code starts or ends with a word character, ticket-like ids generalised to any number, a
/// Gradle project path (`:core:internal`) also as its type-safe accessor.
pub fn code_pattern(code: &str) -> Option<String> {
    let code = code.trim();
    if code.len() > 120 || !code.chars().any(char::is_alphanumeric) {
        return None;
    }
    if let Some(accessor) = gradle_accessor(code) {
        let path = code_pattern_of_text(code);
        return Some(format!(r"(?:{path}|\bprojects\.(?:\w+\.)*{accessor}\b)"));
    }
    Some(code_pattern_of_text(code))
}

/// A Gradle project path (`:internal`, `:feature:account-api`, `:internal-*`) as the tail of
/// its type-safe accessor (`projects.feature.accountApi`): segments joined by dots, kebab
/// case in camel case, a glob's `*` any word characters.
fn gradle_accessor(code: &str) -> Option<String> {
    static PATH: OnceLock<Regex> = OnceLock::new();
    let path = PATH.get_or_init(|| Regex::new(r"^(?::[A-Za-z][\w*-]*)+$").unwrap());
    if !path.is_match(code) {
        return None;
    }
    let segments: Vec<String> = code[1..]
        .split(':')
        .map(|segment| {
            let mut out = String::new();
            for (i, part) in segment.split('-').enumerate() {
                let mut chars = part.chars();
                let first = chars.next();
                let part = match (i, first) {
                    (0, _) | (_, None) => part.to_string(),
                    (_, Some(c)) => format!("{}{}", c.to_uppercase(), chars.as_str()),
                };
                out.push_str(&regex::escape(&part).replace(r"\*", r"\w*"));
            }
            out
        })
        .collect();
    Some(segments.join(r"\."))
}

/// [`code_pattern`] of code that is not a Gradle project path.
fn code_pattern_of_text(code: &str) -> String {
    // An element named as `<img>` or `<img />` is any `<img …>` tag.
    if let Some(tag) = code
        .strip_prefix('<')
        .and_then(|c| c.strip_suffix('>'))
        .map(|c| c.trim_end_matches('/').trim())
        .filter(|t| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '_'))
        })
    {
        return format!("<{}\\b", regex::escape(tag));
    }
    if let Some(name) = call_name(code) {
        let start = if name.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            r"\b"
        } else {
            ""
        };
        let name = regex::escape(name).replace(r"\*", r"\w*");
        return format!("{start}{name}\\(");
    }
    let import_like = code
        .split_whitespace()
        .next()
        .is_some_and(|w| matches!(w, "import" | "from" | "use" | "using" | "#include"));
    let mut body = String::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if !import_like => body.push_str(r"\w*"),
            ' ' | '\t' => {
                while chars.peek().is_some_and(|n| *n == ' ' || *n == '\t') {
                    chars.next();
                }
                body.push_str(r"\s+");
            }
            _ => body.push_str(&regex::escape(&c.to_string())),
        }
    }
    // A field written `:param:` stands for the field with its argument (`:param x:`).
    static FIELD: OnceLock<Regex> = OnceLock::new();
    let field = FIELD.get_or_init(|| Regex::new(r"^:[a-z][\w-]*:$").unwrap());
    if field.is_match(code) {
        return format!(r"{}(?:\s[^:\n]*)?:", regex::escape(&code[..code.len() - 1]));
    }
    static TICKET: OnceLock<Regex> = OnceLock::new();
    let ticket = TICKET.get_or_init(|| Regex::new(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$").unwrap());
    if ticket.is_match(code) && code.chars().any(|c| c.is_ascii_digit()) {
        static DIGITS: OnceLock<Regex> = OnceLock::new();
        body = DIGITS
            .get_or_init(|| Regex::new(r"[0-9]+").unwrap())
            .replace_all(&body, r"\d+")
            .to_string();
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    // `\RuntimeException` names the global class: `\App\Exception\RuntimeException` is another.
    let global_name = code.starts_with('\\') && word(code.chars().nth(1));
    let start = if word(code.chars().next()) {
        r"\b"
    } else if global_name {
        r"(?:^|[^\w\\])"
    } else {
        ""
    };
    let end = if word(code.chars().last()) { r"\b" } else { "" };
    format!("{start}{body}{end}")
}

/// Characters operators are made of.
const OPERATOR_CHARS: &str = "=!<>&|+-*/%^~?:.";

/// A regex for a comparison operator written alone (`==`, `!=`, `===`, `<=`): the operator
/// with no other operator character on either side, so `==` does not find `===` or `!==`.
/// Other runs of punctuation (`--`, `//`, `#`) are comment markers, flags or prose as often
/// as operators, and name nothing.
fn operator_pattern(code: &str) -> Option<String> {
    let code = code.trim();
    let operator = (2..=3).contains(&code.chars().count())
        && code.contains('=')
        && code.chars().all(|c| "=!<>".contains(c));
    let class = regex::escape(OPERATOR_CHARS);
    operator.then(|| format!("(?:^|[^{class}]){}(?:[^{class}]|$)", regex::escape(code)))
}

/// The name of a call written as `name(…)`.
fn call_name(code: &str) -> Option<&str> {
    let open = code.find('(')?;
    let name = &code[..open];
    (!name.is_empty()
        && code.ends_with(')')
        && !code.contains(' ')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | ':' | '!' | '$' | '*')))
    .then_some(name)
}

/// Pronouns and subjects: "`gen/` — do not hand-edit", "Never edit it by hand", "Do not
/// modify these:" followed by a list.
fn referents(rule: &Rule, masked: &Masked, ctx: &Context, permit: bool, out: &mut Out) {
    let file_rule = rule.verb_class.touches_files() || rule.by_hand;
    if !file_rule {
        return;
    }
    let pronoun = [
        "it",
        "them",
        "these",
        "those",
        "this",
        "that",
        "this file",
        "these files",
        "the following",
        "such files",
        "they",
        "this directory",
    ]
    .iter()
    .any(|p| contains_word(&rule.text, p))
        || ctx.referents_enumerate;
    // Code named before is what "remove these" keeps; any other verb acts on paths only.
    let keeps_code = rule.verb_class.delete && !rule.verb_class.code;
    let referents: Vec<&Object> = ctx
        .referents
        .iter()
        .filter(|o| match &o.kind {
            ObjectKind::Path(_) => true,
            ObjectKind::Code(c) => keeps_code && looks_like_code(c),
            _ => false,
        })
        .collect();
    let candidates: Vec<&Object> = match ctx.subject {
        Some(subject) if !pronoun || referents.is_empty() => vec![subject],
        _ if pronoun => referents,
        _ if rule.objects.is_empty() => described_before(rule, masked).into_iter().collect(),
        _ => Vec::new(),
    };
    for obj in candidates {
        match &obj.kind {
            ObjectKind::Path(p) => {
                let mut m = PathMatcher::new(vec![join_base(ctx.base_dir, &dir_glob(p))]);
                m.ops = path_ops(&rule.verb_class);
                out.add(
                    Matcher::Path(m),
                    format!(
                        "\"{}\" → `{p}` (named before)",
                        rule.verb.clone().unwrap_or_default()
                    ),
                    true,
                    permit,
                );
            }
            // "`@objc(RC…)` names … Don't remove these": the code named before must stay (a
            // bold lead in prose, "**Fix root causes**", is no code).
            ObjectKind::Code(c) if keeps_code && looks_like_code(c) => {
                code_object(rule, c, ctx, permit, true, out)
            }
            _ => {}
        }
    }
}

/// The object a verb left without one acts on: the last one the sentence names before the
/// clause ("explicit `self` is intentional—do not remove").
fn described_before<'m>(rule: &Rule, masked: &'m Masked) -> Option<&'m Object> {
    let clause_start = masked.text.find(rule.text.trim())?;
    masked
        .objects
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            masked
                .text
                .find(&format!("§{i}§"))
                .is_some_and(|at| at < clause_start)
        })
        .map(|(_, o)| o)
        .next_back()
}

/// "Never read CSV files", "do not commit log files", "don't edit Java files": a kind of
/// file named in words stands for the glob of its files. Not when a place narrows it ("Python
/// files in the root"): the glob would be wider than the rule.
fn file_kinds(rule: &Rule, ctx: &Context, permit: bool, out: &mut Out) {
    static PLACED: OnceLock<Regex> = OnceLock::new();
    let placed = PLACED.get_or_init(|| {
        Regex::new(
            r"\bfiles?\s+(?:in|under|inside|within|outside|at|from|of|for|that|which|with)\b",
        )
        .unwrap()
    });
    if placed.is_match(&rule.text) {
        return;
    }
    for glob in kinds_named_in_words(rule) {
        path_object(rule, glob, ctx, permit, out);
    }
}

/// A directory the document names elsewhere, named here by its name in words right after
/// the verb: "never read scripts" in a document that shows `scripts/<name>.sh`. The place is
/// inferred from words, so it asks.
fn directories_named_in_words(rule: &Rule, ctx: &Context, permit: bool, out: &mut Out) {
    let Some(verb) = rule.verb.as_deref() else {
        return;
    };
    let words: Vec<String> = rule
        .text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    let Some(at) = words.iter().position(|w| w.starts_with(verb)) else {
        return;
    };
    let Some(k) = (at + 1..words.len().min(at + 4)).find(|&k| {
        !matches!(
            words[k].as_str(),
            "the" | "any" | "these" | "those" | "existing" | "our"
        )
    }) else {
        return;
    };
    // "never read scripts", not "never commit API keys": the name is the whole object.
    let ends_object = words.get(k + 1).is_none_or(|next| {
        matches!(
            next.as_str(),
            "in" | "under"
                | "inside"
                | "from"
                | "to"
                | "or"
                | "and"
                | "unless"
                | "without"
                | "directly"
                | "manually"
                | "by"
                | "except"
                | "on"
                | "at"
                | "for"
                | "with"
        )
    });
    if !ends_object {
        return;
    }
    let named = &words[k];
    let before = out.items.len();
    for dir in ctx.directories {
        let last = dir.rsplit('/').next().unwrap_or(dir);
        if last.eq_ignore_ascii_case(named) && last.len() > 2 {
            path_object(rule, &format!("{dir}/"), ctx, permit, out);
        }
    }
    for item in &mut out.items[before..] {
        item.literal = false;
        item.why = format!("\"{named}\" (a directory the document names): {}", item.why);
    }
}

/// The globs of the kinds of file the rule names in words: "CSV files", "a Go file".
fn kinds_named_in_words(rule: &Rule) -> Vec<&'static String> {
    let lex = lexicon();
    let kinds = lex.file_kinds.iter().map(|k| (&k.names, &k.files));
    let languages = lex.languages.iter().map(|l| (&l.names, &l.files));
    let mut globs = Vec::new();
    for (names, files) in kinds.chain(languages) {
        let named = names.iter().any(|n| {
            contains_word(&rule.text, &format!("{n} files"))
                || contains_word(&rule.text, &format!("{n} file"))
        });
        if named {
            globs.extend(files);
        }
    }
    globs
}

/// The kinds of file a rule names, in words ("C# files") or as extensions (`.java`,
/// `*.properties`), as globs. Extensions come from the clause, else from the rest of its
/// sentence ("… the license header — copy it from X for `.java` and `.kts` files").
fn named_file_kinds(rule: &Rule, masked: &Masked) -> Vec<String> {
    let mut globs: Vec<String> = kinds_named_in_words(rule).into_iter().cloned().collect();
    let extensions = |objects: &mut dyn Iterator<Item = &Object>| -> Vec<String> {
        objects
            .filter_map(|o| file_extension_named(&o.text))
            .map(|ext| format!("**/*.{ext}"))
            .collect()
    };
    let mut named = extensions(&mut rule.objects.iter().map(|&i| &masked.objects[i]));
    if named.is_empty() {
        named = extensions(&mut masked.objects.iter());
    }
    globs.extend(named);
    globs.sort();
    globs.dedup();
    globs
}

/// True when a span reads as code rather than words: one token, or a sigil of code in it.
fn looks_like_code(text: &str) -> bool {
    !text.trim().contains(char::is_whitespace)
        || text.contains(['(', '@', '.', '_', ':', '#', '<', '[', '{', '=', '/'])
}

fn contains_word(text: &str, phrase: &str) -> bool {
    let mut start = 0;
    while let Some(pos) = text[start..].find(phrase) {
        let at = start + pos;
        let before_ok = at == 0 || !text[..at].ends_with(|c: char| c.is_alphanumeric());
        let after = &text[at + phrase.len()..];
        let after_ok = !after.starts_with(|c: char| c.is_alphanumeric());
        if before_ok && after_ok {
            return true;
        }
        start = at + phrase.len();
    }
    false
}

/// Requirements: a flag a command must carry, the paths "only" leaves open, the tools a
/// category leaves out, commit trailers a message must carry.
fn requirements(rule: &Rule, masked: &Masked, ctx: &Context, out: &mut Out) {
    required_shown_header(rule, masked, ctx, out);
    if code_required_with_other_code(rule, masked, ctx, out) {
        return;
    }
    let forms = required_forms(&rule.text, masked);
    if !forms.is_empty() {
        for (matcher, why) in forms {
            out.add(matcher, why, true, false);
        }
        return;
    }
    if run_from_root(rule, masked, ctx, out)
        || run_in_directory(rule, masked, out)
        || qualifier_shown(rule, ctx, out)
        || wrapper_required(rule, masked, out)
        || glossed_variant(rule, masked, out)
    {
        return;
    }
    let only = rule.form == "restriction" || rule.text.contains(" only ");
    let prefixes = commit_prefixes(rule, masked, ctx, out);
    for &i in &rule.objects {
        if rule.place_objects.contains(&i) && !(only && rule.verb_class.files())
            || rule.is_forbidden(i)
            || prefixes.contains(&i)
        {
            continue;
        }
        let obj = &masked.objects[i];
        match &obj.kind {
            ObjectKind::Command(words) if requires(rule, i) && universal(rule) => {
                required_flags(words, &obj.text, rule, out)
            }
            ObjectKind::Flag(flag, value)
                if (requires(rule, i) || rule.verb.is_none()) && universal(rule) =>
            {
                required_flag(rule, masked, flag, value.as_deref(), ctx, out)
            }
            ObjectKind::Path(p) if only && rule.verb_class.files() => only_paths(p, ctx, out),
            ObjectKind::Trailer(key) if about_commits(rule, ctx) => {
                let m = GitMatcher::commit_message(
                    None,
                    Some(format!("(?mi)^{}:", regex::escape(key))),
                );
                out.add(
                    Matcher::Git(m),
                    format!("commit trailer `{key}:` required"),
                    true,
                    false,
                );
            }
            ObjectKind::Code(c) | ObjectKind::Quote(c) => required_code(rule, c, ctx, out),
            ObjectKind::Program(p) if only || rule.verb.as_deref() == Some("use") => {
                category_alternatives(p, rule, out)
            }
            _ => {}
        }
    }
    for item in &rule.kept {
        if let Item::Word(w) = item {
            if only {
                category_alternatives(w, rule, out);
            }
        }
    }
    if only && rule.objects.is_empty() {
        static ONLY_USE: OnceLock<Regex> = OnceLock::new();
        let re = ONLY_USE.get_or_init(|| Regex::new(r"^only\s+use\s+([a-z][\w.+-]*)\b").unwrap());
        if let Some(c) = re.captures(&rule.text) {
            category_alternatives(&c[1], rule, out);
        }
    }
}

/// The commit types of the Conventional Commits convention (with the Angular set).
const CONVENTIONAL_TYPES: &[&str] = &[
    "feat", "fix", "docs", "style", "refactor", "perf", "test", "build", "ci", "chore", "revert",
];

/// "Use prefixes (`feat:`, `fix:`, `chore:`)" said of commits (in the sentence or its
/// section's heading): the message must open with one of them, `type(scope):` and `type!:`
/// included. Needs two prefixes or more: one alone may be an example. Returns the objects used.
fn commit_prefixes(rule: &Rule, masked: &Masked, ctx: &Context, out: &mut Out) -> Vec<usize> {
    let of_commits = about_commits(rule, ctx)
        || ctx
            .section
            .iter()
            .any(|h| h.to_lowercase().contains("commit"));
    if !of_commits {
        return Vec::new();
    }
    let prefix = |i: &usize| match &masked.objects[*i].kind {
        ObjectKind::Code(c) => {
            let name = c.trim().strip_suffix(':')?;
            let name = name.split('(').next().unwrap_or(name).trim_end_matches('!');
            (!name.is_empty() && name.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'))
                .then(|| (*i, name.to_string()))
        }
        _ => None,
    };
    let found: Vec<(usize, String)> = rule.objects.iter().filter_map(prefix).collect();
    if found.len() < 2 {
        return Vec::new();
    }
    let mut names: Vec<String> = found.iter().map(|(_, n)| regex::escape(n)).collect();
    // "(`feat:`, `fix:`, etc.)", "such as `feat:`": the list is open, so every conventional
    // type is allowed besides the ones named.
    let open_list = ["etc", "e.g.", "such as", "for example", "like "]
        .iter()
        .any(|m| rule.text.contains(m) || ctx.sentence.contains(m));
    if open_list {
        for t in CONVENTIONAL_TYPES {
            if !names.iter().any(|n| n == t) {
                names.push(t.to_string());
            }
        }
    }
    let require = format!(r"^(?:{})(?:\([^)]*\))?!?: \S", names.join("|"));
    out.add(
        Matcher::Git(GitMatcher::commit_message(None, Some(require))),
        format!("commit messages open with one of {} prefixes", found.len()),
        true,
        false,
    );
    found.into_iter().map(|(i, _)| i).collect()
}

/// "Every new file must start with `// SPDX-License-Identifier:`", "each test file must
/// import `pytest`": a span every file of a kind must carry, checked on whole-file writes. The
/// kind is any file, a language's files or test files; "tests" is a reading of the words (ask).
/// "All C# files require this header:" above the header itself: a file of that kind written
/// whole must hold the block's first line. The files are the kinds the rule names, else the
/// block's language; years and placeholders in the line match any value.
/// "Always run from the repository root:" above a code block, "run `make lint` from the repo
/// root": the commands the rule names (else those of the block shown below it) are judged by
/// the directory they run in: run elsewhere (`cd src/x && …`), they break the rule. True when
/// the rule says so (its commands are then handled here).
fn run_from_root(rule: &Rule, masked: &Masked, ctx: &Context, out: &mut Out) -> bool {
    // "…, not from the repo root" (a part of the sentence of its own, or in the clause): the
    // root is where they must not run.
    let negated = |text: &str, at: usize| {
        let before = text[..at].trim_end();
        before.ends_with("not") || before.ends_with("never")
    };
    let said = |text: &str| {
        patterns()
            .from_root
            .iter()
            .find_map(|p| p.regex().find(text))
            .map(|m| m.start())
    };
    let not_root = match said(&rule.text) {
        Some(at) => negated(&rule.text, at),
        None => match said(ctx.sentence) {
            Some(at) if negated(ctx.sentence, at) => true,
            _ => return false,
        },
    };
    if !rule.verb_class.run {
        return false;
    }
    let mut commands: Vec<Vec<String>> = rule
        .objects
        .iter()
        .filter_map(|&i| match &masked.objects[i].kind {
            ObjectKind::Command(words) => Some(past_cd(words).to_vec()),
            ObjectKind::Code(line) if line.starts_with("cd ") => {
                let words: Vec<String> = line.split_whitespace().map(String::from).collect();
                Some(past_cd(&words).to_vec()).filter(|w| w.len() < words.len())
            }
            ObjectKind::Program(p) => Some(vec![p.clone()]),
            _ => None,
        })
        .collect();
    if commands.is_empty() {
        commands = ctx.shown_code.map(shown_commands).unwrap_or_default();
    }
    let place = if not_root { "at" } else { "away from" };
    add_head_matchers(
        out,
        &commands,
        |m| {
            m.away_from_root = !not_root;
            m.at_root = not_root;
        },
        |head| format!("`{head}` {place} the repository root"),
    );
    !commands.is_empty()
}

/// Adds, for each command, a literal matcher on its program and subcommand, shaped by
/// `refine` and explained by `why` (given the head, such as `cargo test`).
fn add_head_matchers(
    out: &mut Out,
    commands: &[Vec<String>],
    refine: impl Fn(&mut CommandMatcher),
    why: impl Fn(&str) -> String,
) {
    for words in commands {
        let head = program_and_subcommand(words);
        let Some(mut m) = command_matcher(&head) else {
            continue;
        };
        refine(&mut m);
        out.add(Matcher::Command(m), why(&head.join(" ")), true, false);
    }
}

/// The command after a leading `cd DIR &&` (`cd nx && mix test` → `mix test`; the shell
/// line is a code object rather than a command).
fn past_cd(words: &[String]) -> &[String] {
    match words.iter().position(|w| w == "&&") {
        Some(at) if words.first().is_some_and(|w| w == "cd") => &words[at + 1..],
        _ => words,
    }
}

/// "Run cargo commands from `core/`", "always run `npm install` in the `web/` directory": the
/// commands the rule names right before the directory (in code, or a known program named
/// in words) are judged by whether they run inside that directory or are pointed at it by
/// an argument. True when the rule says so.
fn run_in_directory(rule: &Rule, masked: &Masked, out: &mut Out) -> bool {
    if !rule.verb_class.run {
        return false;
    }
    let Some((dir, prep_start)) = working_directory(masked) else {
        return false;
    };
    let before = &masked.text[..prep_start];
    let mut commands: Vec<Vec<String>> = Vec::new();
    for (end, words) in commands_named(masked) {
        if end <= prep_start && attached(&before[end..]) && !commands.contains(&words) {
            commands.push(words);
        }
    }
    add_head_matchers(
        out,
        &commands,
        |m| m.outside_directory = Some(dir.clone()),
        |head| format!("`{head}` outside `{dir}`"),
    );
    !commands.is_empty()
}

/// "Always use nightly rustfmt" above `cargo +nightly fmt --all`: a word of the rule that the
/// document's own command for the tool the rule names spells as an option (`+nightly`,
/// `--release`, `--strict`) is required of every run of that command. Without such an
/// example the word says nothing ctx can check. True when the rule says so.
fn qualifier_shown(rule: &Rule, ctx: &Context, out: &mut Out) -> bool {
    let uses = rule.verb_class.run || rule.verb.as_deref() == Some("use");
    if !uses || !universal(rule) {
        return false;
    }
    let lex = lexicon();
    let words: Vec<&str> = rule
        .text
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| w.len() >= 3 && !QUALIFIER_STOP_WORDS.contains(w))
        .collect();
    let tools: Vec<Vec<String>> = words.iter().flat_map(|w| lex.commands_running(w)).collect();
    let mut found = false;
    for shown in ctx.nearby_commands {
        let head = head_past_toolchain(shown);
        if !tools.contains(&head) {
            continue;
        }
        let Some(token) = shown.iter().find(|t| option_spelling_any(t, &words)) else {
            continue;
        };
        let Some(mut m) = command_matcher(&head) else {
            continue;
        };
        m.unless_pattern = Some(format!(r"(?:^|\s){}(?:$|[\s=])", regex::escape(token)));
        out.add(
            Matcher::Command(m),
            format!(
                "`{}` without `{token}`, as the document runs it",
                head.join(" ")
            ),
            true,
            false,
        );
        found = true;
    }
    found
}

/// "Use `fvm flutter` instead of the system-wide toolchain", "always run `uv run pytest`",
/// "use `pnpm bazel test //target` to run tests": a required command that runs a known program
/// through a runner (`fvm`, `uv run`, `bundle exec`, `direnv exec .`, `mise exec --`) is
/// broken by that program run on its own. A runner here is a program followed only by
/// runner words (`run`, `exec`, `x`, `dlx`, `.`, `--`), so `pip install black` requires
/// nothing of `black`. True when the rule says so.
fn wrapper_required(rule: &Rule, masked: &Masked, out: &mut Out) -> bool {
    // "Use X" chooses a tool; "run X" alone is a recipe ("run a single test: `uv run pytest
    // path::name`") unless it says always.
    let chooses = rule.verb.as_deref() == Some("use") || rule.verb_class.run && universal(rule);
    if !chooses || rule.strength != Strength::Hard {
        return false;
    }
    let mut found = false;
    for &i in &rule.objects {
        let ObjectKind::Command(words) = &masked.objects[i].kind else {
            continue;
        };
        if rule.is_forbidden(i) {
            continue;
        }
        let Some(inner) = program_behind_runner(words) else {
            continue;
        };
        let head = program_and_subcommand(inner);
        let Some(mut m) = command_matcher(&head) else {
            continue;
        };
        m.direct_only = true;
        out.add(
            Matcher::Command(m),
            format!(
                "`{}` run without `{}`",
                head.join(" "),
                masked.objects[i].text
            ),
            true,
            false,
        );
        found = true;
    }
    found
}

/// "Use `sbtn` (sbt with native thin client)", "use `pnpmx` (pnpm's runner)": a variant of a
/// program, glossed by that program's own name, is the one to use; running the program itself
/// breaks the rule. The variant's name must start with the program's (a thin client, a
/// wrapper), so that a gloss naming the variant's kind ("`pytest` (python test runner)") is
/// no alternative. True when the rule says so.
fn glossed_variant(rule: &Rule, masked: &Masked, out: &mut Out) -> bool {
    static GLOSS: OnceLock<Regex> = OnceLock::new();
    let re = GLOSS.get_or_init(|| {
        Regex::new(r"§(\d+)§\s*\((?:the\s+|a\s+)?([a-z][\w.+-]*?)(?:'s)?[\s),]").unwrap()
    });
    if rule.verb.as_deref() != Some("use") || rule.strength != Strength::Hard {
        return false;
    }
    let lex = lexicon();
    let mut found = false;
    for caps in re.captures_iter(&rule.text) {
        let Some(i) = caps[1]
            .parse::<usize>()
            .ok()
            .filter(|i| *i < masked.objects.len())
        else {
            continue;
        };
        let variant = masked.objects[i].text.trim().trim_start_matches("./");
        let program = &caps[2];
        let names = lex.program_names(program);
        let same = names.iter().any(|n| n.trim_start_matches("./") == variant);
        if !lex.is_program(program) || same || !variant.starts_with(program) {
            continue;
        }
        let Some(mut m) = command_matcher(&[program.to_string()]) else {
            continue;
        };
        m.direct_only = true;
        out.add(
            Matcher::Command(m),
            format!("`{program}` itself where the rule uses its variant `{variant}`"),
            true,
            false,
        );
        found = true;
    }
    found
}

/// The words from the known program a runner starts (`fvm flutter` → `flutter`, `direnv
/// exec . cabal build` → `cabal build`), or `None` when the command is no runner's.
fn program_behind_runner(words: &[String]) -> Option<&[String]> {
    const RUNNER_WORDS: &[&str] = &["run", "exec", "x", "dlx", ".", "--"];
    let lex = lexicon();
    let first = words.first()?.trim_start_matches("./");
    let k = words
        .iter()
        .skip(1)
        .position(|w| !RUNNER_WORDS.contains(&w.as_str()))?
        + 1;
    let program = words[k].as_str();
    let known = lex.is_program(program) && !lex.is_ambiguous_program(program);
    (known && program != first).then(|| &words[k..])
}

/// Words of a rule that qualify nothing ("always run all tests" says nothing of `--all`).
const QUALIFIER_STOP_WORDS: &[&str] = &[
    "all", "always", "and", "any", "each", "every", "for", "new", "only", "run", "the", "use",
    "with",
];

/// A command's program and subcommand, past a toolchain selector (`cargo +nightly fmt` →
/// `cargo fmt`).
fn head_past_toolchain(words: &[String]) -> Vec<String> {
    let rest: Vec<String> = words
        .iter()
        .skip(1)
        .filter(|w| !w.starts_with('+'))
        .cloned()
        .collect();
    let mut command: Vec<String> = words.first().cloned().into_iter().collect();
    command.extend(rest);
    program_and_subcommand(&command)
}

/// True when an option token spells one of the words: `+nightly`, `--release`,
/// `--profile=strict` for "nightly", "release", "strict".
fn option_spelling_any(token: &str, words: &[&str]) -> bool {
    let Some(name) = token.strip_prefix('+').or_else(|| token.strip_prefix("--")) else {
        return false;
    };
    let name = name.rsplit('=').next().unwrap_or(name).to_lowercase();
    words.iter().any(|w| *w == name)
}

/// The directory a clause says to run in: "from `core/`", "in the `web/` directory",
/// "inside `app`" followed by "directory" or "folder". A relative directory only (no glob,
/// no file), with where its preposition starts in the masked text.
fn working_directory(masked: &Masked) -> Option<(String, usize)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"\b(from|in|inside|within)\s+(?:the\s+)?§(\d+)§(\s+(?:directory|folder|dir|subdirectory)\b)?")
            .unwrap()
    });
    re.captures_iter(&masked.text).find_map(|c| {
        let obj = masked.objects.get(c[2].parse::<usize>().ok()?)?;
        let text = obj.text.as_str();
        let named_dir = c.get(3).is_some() || text.ends_with('/') || &c[1] == "from";
        let relative = !text.starts_with(['/', '~', '$']) && !text.contains("..");
        let plain = !text.contains(['*', '?', '{', '<', ' ', '.', '`']) || text.starts_with("./");
        let is_path = matches!(obj.kind, ObjectKind::Path(_) | ObjectKind::Other(_))
            || text.ends_with('/')
            || c.get(3).is_some();
        (obj.literal && named_dir && relative && plain && is_path).then(|| {
            let dir = text.trim_start_matches("./").to_string();
            (dir, c.get(0).unwrap().start())
        })
    })
}

/// The commands a clause names, each with where its mention ends in the masked text: code
/// objects that are commands or programs, and known programs named in words ("run core
/// cargo commands"; one that is also an everyday word only before "command(s)").
fn commands_named(masked: &Masked) -> Vec<(usize, Vec<String>)> {
    static WORD: OnceLock<Regex> = OnceLock::new();
    let word = WORD.get_or_init(|| Regex::new(r"[a-z][a-z0-9.+-]*[a-z0-9]").unwrap());
    let lex = lexicon();
    let mut out = Vec::new();
    for c in placeholder_regex().captures_iter(&masked.text) {
        let Some(obj) = c[1]
            .parse::<usize>()
            .ok()
            .and_then(|i| masked.objects.get(i))
        else {
            continue;
        };
        let end = c.get(0).unwrap().end();
        match &obj.kind {
            ObjectKind::Command(words) => out.push((end, words.clone())),
            ObjectKind::Program(p) => out.push((end, vec![p.clone()])),
            _ => {}
        }
    }
    for m in word.find_iter(&masked.text) {
        let next = masked.text[m.end()..]
            .split_whitespace()
            .next()
            .unwrap_or("");
        let before_commands = next.starts_with("command");
        let w = m.as_str();
        if lex.is_program(w) && (!lex.is_ambiguous_program(w) || before_commands) {
            out.push((m.end(), vec![w.to_string()]));
        }
    }
    out
}

/// True when the words between a command and "from `dir/`" leave the directory about the
/// command: at most three words ("cargo commands", "`pytest` always"), none a preposition
/// that starts another phrase ("`eslint` on files in `src/`").
fn attached(gap: &str) -> bool {
    let words: Vec<&str> = gap.split_whitespace().collect();
    words.len() <= 3
        && !words.iter().any(|w| {
            matches!(
                w.trim_matches(|c: char| !c.is_alphanumeric()),
                "on" | "to" | "for" | "against" | "of" | "at" | "over" | "into"
            )
        })
}

/// "Release script: keep it in the foreground; do not background it", "never run `make
/// check` in the background": the commands named (else the document's scripts the sentence
/// names by what they do) are judged by whether they run in the background. True when the
/// rule says so.
fn run_in_foreground(rule: &Rule, masked: &Masked, ctx: &Context, out: &mut Out) -> bool {
    let p = patterns();
    let says = match rule.polarity {
        Polarity::Never => &p.background,
        Polarity::Always => &p.foreground,
        Polarity::Allowed => return false,
    };
    if !says.iter().any(|pat| pat.regex().is_match(&rule.text)) {
        return false;
    }
    let mut commands: Vec<Vec<String>> = rule
        .objects
        .iter()
        .filter_map(|&i| match &masked.objects[i].kind {
            ObjectKind::Command(words) => Some(program_and_subcommand(words)),
            ObjectKind::Program(p) => Some(vec![p.clone()]),
            ObjectKind::Path(p) if looks_executable(p) => Some(vec![p.clone()]),
            _ => None,
        })
        .collect();
    if commands.is_empty() {
        commands = scripts_named_by_purpose(ctx)
            .into_iter()
            .map(|s| vec![s])
            .collect();
    }
    for words in &commands {
        let Some(mut m) = command_matcher(words) else {
            continue;
        };
        m.backgrounded = true;
        out.add(
            Matcher::Command(m),
            format!("`{}` run in the background", words.join(" ")),
            true,
            false,
        );
    }
    !out.items.is_empty()
}

/// The document's scripts a sentence names by what they do: "the release script" is a
/// script whose file name holds "release" (`./Scripts/release.sh`).
fn scripts_named_by_purpose(ctx: &Context) -> Vec<String> {
    static NAMED: OnceLock<Regex> = OnceLock::new();
    let re = NAMED.get_or_init(|| Regex::new(r"\b([a-z][a-z0-9-]{2,})\s+script\b").unwrap());
    let purposes: Vec<&str> = re
        .captures_iter(ctx.sentence)
        .map(|c| c.get(1).map_or("", |m| m.as_str()))
        .filter(|w| !matches!(*w, "the" | "this" | "that" | "a" | "any" | "shell" | "bash"))
        .collect();
    ctx.scripts
        .iter()
        .filter(|s| {
            let name = s.rsplit('/').next().unwrap_or(s).to_lowercase();
            purposes.iter().any(|p| name.contains(p))
        })
        .cloned()
        .collect()
}

/// The commands of a shell block shown below a rule: each line's program and its first word
/// when that word is a subcommand (`make lint`, `vendor/bin/php-cs-fixer fix`); prompts,
/// comments, `cd` lines and lines of other languages are left out.
fn shown_commands((lang, text): (&str, &str)) -> Vec<Vec<String>> {
    let shell = matches!(
        lang,
        "" | "bash" | "sh" | "shell" | "console" | "zsh" | "shell-session"
    );
    if !shell {
        return Vec::new();
    }
    let mut out: Vec<Vec<String>> = Vec::new();
    for line in text.lines() {
        let line = line.trim().trim_start_matches("$ ");
        if line.is_empty() || line.starts_with('#') || line.contains("cd ") {
            continue;
        }
        let words: Vec<String> = line
            .split_whitespace()
            .skip_while(|w| w.contains('=') && !w.starts_with('-'))
            .take_while(|w| !w.starts_with('#'))
            .map(String::from)
            .collect();
        let command = program_and_subcommand(&words);
        if !command.is_empty() && !out.contains(&command) {
            out.push(command);
        }
    }
    out
}

/// A command's program and, when its next word is a subcommand (`lint`, `test:unit`), that
/// word: what a rule on where the command runs names, whatever its flags and paths.
fn program_and_subcommand(words: &[String]) -> Vec<String> {
    let mut out: Vec<String> = words.first().cloned().into_iter().collect();
    if let Some(sub) = words.get(1).filter(|w| is_subcommand_word(w)) {
        out.push(sub.clone());
    }
    out
}

fn is_subcommand_word(word: &str) -> bool {
    word.chars()
        .all(|c| c.is_ascii_lowercase() || c == '-' || c == ':' || c.is_ascii_digit())
        && word.chars().next().is_some_and(|c| c.is_ascii_lowercase())
}

fn required_shown_header(rule: &Rule, masked: &Masked, ctx: &Context, out: &mut Out) {
    static SHOWN: OnceLock<Regex> = OnceLock::new();
    let shown = SHOWN.get_or_init(|| {
        Regex::new(r"\b(?:this|these|the\s+following|following)\s+(?:[\w-]+\s+)?(?:header|preamble|banner|notice|boilerplate)s?\b|\b(?:start|begin)s?\s+with\s*$").unwrap()
    });
    let Some((lang, text)) = ctx.shown_code else {
        return;
    };
    let said = rule.text.trim_end_matches([':', ' ']);
    let header_follows = requires_what_follows(said) && speaks_of_headers(rule, ctx);
    if !shown.is_match(said) && !header_follows {
        return;
    }
    // The first line that says something: a comment's opening `/*` alone is in every file.
    let Some(first) = text
        .lines()
        .map(str::trim)
        .find(|l| l.chars().any(char::is_alphanumeric))
    else {
        return;
    };
    let mut files = named_file_kinds(rule, masked);
    if files.is_empty() {
        files = lexicon()
            .language_files(lang)
            .map(<[String]>::to_vec)
            .unwrap_or_default();
    }
    if files.is_empty() {
        return;
    }
    let mut m = CodeMatcher::new(line_pattern(first)).in_files(files);
    m.required = true;
    out.add(
        Matcher::Code(m),
        format!("the header shown below: `{first}`"),
        true,
        false,
    );
}

/// "… must include:", "… should always contain:": a requirement whose object is what the
/// document shows next.
fn requires_what_follows(said: &str) -> bool {
    static REQUIRING: OnceLock<Regex> = OnceLock::new();
    REQUIRING
        .get_or_init(|| {
            Regex::new(r"\b(?:must|should|shall|need\s+to|have\s+to)\s+(?:always\s+)?(?:include|contain|carry|have|start\s+with|begin\s+with)$").unwrap()
        })
        .is_match(said)
}

/// True when the rule's sentence (with its label) or its section speaks of a file header: a
/// licence or copyright header, a preamble, a banner.
fn speaks_of_headers(rule: &Rule, ctx: &Context) -> bool {
    static HEADER: OnceLock<Regex> = OnceLock::new();
    let re = HEADER.get_or_init(|| {
        Regex::new(r"(?i)\b(?:headers?|preambles?|banners?|licen[cs]e|copyright|spdx)\b").unwrap()
    });
    re.is_match(&rule.text)
        || re.is_match(ctx.sentence)
        || ctx.section.last().is_some_and(|h| re.is_match(h))
}

/// A regex for one line of a template: whitespace runs match any whitespace, a year or a
/// placeholder (`<year>`, `{name}`, `${owner}`, `[yyyy]`) matches any value.
fn line_pattern(line: &str) -> String {
    static VARIABLE: OnceLock<Regex> = OnceLock::new();
    let variable = VARIABLE.get_or_init(|| {
        Regex::new(r"\b(?:19|20)\d\d\b|\$?\{[^}\n]*\}|<[^>\n]*>|\[[^\]\n]*\]").unwrap()
    });
    let mut pattern = String::new();
    let mut last = 0;
    for m in variable.find_iter(line) {
        pattern.push_str(&literal_words(&line[last..m.start()]));
        pattern.push_str(".*");
        last = m.end();
    }
    pattern.push_str(&literal_words(&line[last..]));
    pattern
}

/// `text` escaped, with each whitespace run matching any whitespace.
fn literal_words(text: &str) -> String {
    let words: Vec<String> = text.split_whitespace().map(regex::escape).collect();
    let mut joined = words.join(r"\s+");
    if text.starts_with(char::is_whitespace) && !joined.is_empty() {
        joined.insert_str(0, r"\s*");
    }
    if text.ends_with(char::is_whitespace) && !joined.is_empty() {
        joined.push_str(r"\s*");
    }
    joined
}

/// "Every new Python file must start with `x`", "use `x` at top of all files": code every
/// whole-file write of the named kind must carry. Files named by no kind ("all files") are
/// those of the languages the document's examples are written in, when it shows any
/// (scripts and modules named by no kind stay any file).
fn required_code(rule: &Rule, code: &str, ctx: &Context, out: &mut Out) {
    if file_extension_named(code).is_some() {
        // "… for `.java` files": the extension says which files, not what they contain.
        return;
    }
    let p = patterns();
    let Some(caps) = p
        .file_subject
        .iter()
        .find_map(|s| s.regex().captures(&rule.text))
    else {
        return;
    };
    if !p.carry_verb.iter().any(|v| v.regex().is_match(&rule.text)) {
        return;
    }
    let Some(pattern) = code_pattern(code) else {
        return;
    };
    let lex = lexicon();
    let kind = caps.name("kind").map_or("", |m| m.as_str());
    let tests = caps["noun"].starts_with("test") || lex.tests.words.iter().any(|w| w == kind);
    let mut files = match lex.language_files(kind) {
        Some(globs) => globs.to_vec(),
        None if tests => Vec::new(),
        None if matches!(kind, "" | "source" | "code" | "new")
            && caps["noun"].starts_with("file") =>
        {
            ctx.source_files.to_vec()
        }
        None if matches!(kind, "" | "source" | "code" | "new") => Vec::new(),
        None => return,
    };
    if tests && files.is_empty() {
        files = lex.tests.globs.clone();
    }
    let mut m = code_outside_prose(pattern).in_files(files);
    m.required = true;
    out.add(
        Matcher::Code(m),
        format!("`{code}` required in every {}", &caps[0]),
        !tests,
        false,
    );
}

/// "Always define `RESTRICT_ON_SEND` when using `on_send`", "… required whenever you define
/// `Y`", "When using `CreateArgSlice`, always call `RewindScratchBuffer`": code required
/// wherever other code the rule names appears. A whole-file write that has the trigger and
/// lacks the required code breaks the rule. The required code is the clause's own; for a
/// clause that names none ("always define this …", "Required when using `on_send`") it is
/// the code the sentence names outside the clause (its label: "**Missing `X`** — always
/// define this …"), else the first code of the sentence before. Returns true when grounded.
fn code_required_with_other_code(
    rule: &Rule,
    masked: &Masked,
    ctx: &Context,
    out: &mut Out,
) -> bool {
    static TRIGGER: OnceLock<Regex> = OnceLock::new();
    let trigger_re = TRIGGER.get_or_init(|| {
        Regex::new(r"\b(?:when|whenever|wherever|if)\s+(?:(?:you|we|it|they|(?:the|a|an|your)\s+[\w-]+)\s+)?(?:are\s+|is\s+)?(?:us|defin|call|overrid|implement|check|handl|provid|add)\w*\s+(?:[\w'-]+\s+){0,2}?§(\d+)§")
            .unwrap()
    });
    let Some(caps) = trigger_re
        .captures(&rule.text)
        .or_else(|| trigger_re.captures(ctx.sentence))
    else {
        return false;
    };
    let Some(trigger) = caps[1]
        .parse::<usize>()
        .ok()
        .and_then(|i| masked.objects.get(i))
        .filter(|o| matches!(o.kind, ObjectKind::Code(_)))
    else {
        return false;
    };
    let Some(when) = code_pattern(&trigger.text) else {
        return false;
    };
    let mut grounded = false;
    for code in required_with(rule, masked, ctx, &trigger.text) {
        let Some(pattern) = code_pattern(&code) else {
            continue;
        };
        let mut m = code_outside_prose(pattern);
        m.required = true;
        m.required_when = Some(when.clone());
        out.add(
            Matcher::Code(m),
            format!("`{code}` required wherever `{}` is", trigger.text),
            true,
            false,
        );
        grounded = true;
    }
    grounded
}

/// The code a conditional requirement asks for (see [`code_required_with_other_code`]):
/// code, or a command when the verb does not run it ("add `alias on_csend on_send`"). For
/// "these" the leading referents of one kind ("`alias a b` and `alias c d` — …").
fn required_with(rule: &Rule, masked: &Masked, ctx: &Context, trigger: &str) -> Vec<String> {
    let code = |o: &Object| -> Option<String> {
        let text = match &o.kind {
            ObjectKind::Code(c) => c,
            ObjectKind::Command(_) if !rule.verb_class.run => &o.text,
            _ => return None,
        };
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        (text != trigger && letters > 1).then(|| text.clone())
    };
    let own: Vec<String> = rule
        .objects
        .iter()
        .filter(|&&i| !rule.is_forbidden(i))
        .filter_map(|&i| code(&masked.objects[i]))
        .collect();
    if !own.is_empty() {
        return own;
    }
    let outside = masked
        .objects
        .iter()
        .enumerate()
        .filter(|(i, _)| !rule.objects.contains(i))
        .find_map(|(_, o)| code(o));
    if let Some(label) = outside {
        return vec![label];
    }
    let mut referents = ctx.referents.iter().filter(|o| code(o).is_some());
    let Some(first) = referents.next() else {
        return Vec::new();
    };
    let plural = ["these", "them", "those"]
        .iter()
        .any(|p| contains_word(&rule.text, p));
    let mut out = vec![first.text.clone()];
    if plural {
        let kind = std::mem::discriminant(&first.kind);
        out.extend(
            referents
                .take_while(|o| std::mem::discriminant(&o.kind) == kind)
                .map(|o| o.text.clone()),
        );
    }
    out
}

/// True when a requirement holds every time ("always pass `--frozen`", "sign off every
/// commit with `git commit -s`", "only run … with"), not for one step of a procedure ("run
/// `git diff --check`", "use `--dry-run` to print the commands"): only then does a command
/// without the flag break it.
fn universal(rule: &Rule) -> bool {
    patterns()
        .universal
        .iter()
        .any(|p| p.regex().is_match(&rule.text))
}

/// "always use/run/pass/include `x`": the requirement governs the object.
fn requires(rule: &Rule, i: usize) -> bool {
    let marker = format!("§{i}§");
    let Some(at) = rule.text.find(&marker) else {
        return false;
    };
    let before = rule.text[..at].trim_end();
    [
        "use", "run", "pass", "include", "add", "call", "invoke", "with", "using", "specify",
        "set", "append",
    ]
    .iter()
    .any(|w| before.ends_with(w))
}

/// `cargo update --precise` required: `cargo update` without `--precise` is the violation.
fn required_flags(words: &[String], text: &str, rule: &Rule, out: &mut Out) {
    let flags: Vec<&String> = words.iter().filter(|w| w.starts_with('-')).collect();
    if flags.is_empty() {
        return;
    }
    let lex = lexicon();
    let program = words[0].trim_start_matches("./");
    let sub: Vec<String> = words[1..]
        .iter()
        .take_while(|w| !w.starts_with('-'))
        .cloned()
        .collect();
    let mut m = CommandMatcher::programs(
        &lex.program_names(program)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    m.subcommand = sub.clone();
    m.direct_only = rule.directly;
    for f in &flags {
        m.unless_flags.extend(lex.flag_spellings(program, &sub, f));
    }
    m.unless_flags.sort();
    m.unless_flags.dedup();
    let names: Vec<&str> = flags.iter().map(|f| f.as_str()).collect();
    out.add(
        Matcher::Command(m),
        format!("always `{text}` (runs without {})", names.join(" ")),
        true,
        false,
    );
}

/// "Always pass `--frozen`": the flag's program without it.
fn required_flag(
    rule: &Rule,
    masked: &Masked,
    flag: &str,
    value: Option<&str>,
    ctx: &Context,
    out: &mut Out,
) {
    let Some(owner) = flag_owner(rule, masked, flag, ctx) else {
        return;
    };
    let lex = lexicon();
    let mut m = owner.matcher();
    match value {
        Some(v) => {
            let name = regex::escape(flag.trim_start_matches('-'));
            m.unless_pattern = Some(format!(r"(^|\s)-{{1,2}}{name}[ =]\S*{}", regex::escape(v)));
        }
        None => m.unless_flags = lex.flag_spellings(&owner.programs[0], &owner.subcommand, flag),
    }
    out.add(
        Matcher::Command(m),
        format!("always `{flag}` ({})", owner.from),
        owner.literal,
        false,
    );
}

/// "Only edit pages under `docs/dev/`": the sibling directories are off limits.
fn only_paths(path: &str, ctx: &Context, out: &mut Out) {
    let glob = join_base(ctx.base_dir, &dir_glob(path));
    let dir = glob.trim_end_matches("/**").trim_end_matches('/');
    let Some((parent, _)) = dir.rsplit_once('/') else {
        return;
    };
    let m = PathMatcher {
        globs: GlobList::new(vec![format!("{parent}/**")]),
        except: GlobList::new(vec![glob.clone()]),
        ..PathMatcher::default()
    };
    out.add(
        Matcher::Path(m),
        format!("only … `{path}` (the rest of {parent}/ is off limits)"),
        true,
        false,
    );
}

/// "Only use `uv`": the other tools of its category, implied, not named.
fn category_alternatives(program: &str, rule: &Rule, out: &mut Out) {
    let lex = lexicon();
    let Some(category) = lex.category_of(program) else {
        return;
    };
    let kept: Vec<String> = rule
        .kept
        .iter()
        .filter_map(|k| match k {
            Item::Word(w) => Some(w.clone()),
            _ => None,
        })
        .collect();
    let others: Vec<&str> = category
        .members
        .iter()
        .map(String::as_str)
        .filter(|m| {
            *m != program
                && !kept.iter().any(|k| k == m)
                && !m.contains(' ')
                && !lex.program_names(program).iter().any(|n| n == m)
        })
        .collect();
    if others.is_empty() {
        return;
    }
    let why = format!(
        "use {program}: other {}s ({}) implied",
        category.name,
        others.join(", ")
    );
    if for_package_management(&rule.text) {
        for other in others {
            let subcommands = lex.programs.package_subcommands.get(other);
            let subcommands = subcommands.map_or(&[][..], Vec::as_slice);
            for (m, subcommand) in package_commands(&[other], subcommands, rule) {
                let why = format!("{why}: {other} {subcommand}");
                out.add(Matcher::Command(m), why, false, false);
            }
        }
        return;
    }
    let mut m = CommandMatcher::programs(&others);
    m.direct_only = rule.directly;
    out.add(Matcher::Command(m), why, false, false);
}

/// Dependencies a rule names by package (`lodash`) when it is about dependencies.
pub fn named_dependencies(rule: &Rule, masked: &Masked) -> Option<DependencyMatcher> {
    let about = ["dependenc", "package", "librar", "crate", "gem", "module"]
        .iter()
        .any(|w| rule.text.contains(w));
    // A requirement names what to use ("use `x` via dependency injection"): adding it is
    // what the rule asks for, never a violation.
    if !about || !rule.verb_class.depend || rule.polarity == Polarity::Always {
        return None;
    }
    let names: Vec<String> = rule
        .objects
        .iter()
        .filter(|i| !rule.is_kept(**i))
        .filter_map(|i| match &masked.objects[*i].kind {
            ObjectKind::Code(c) | ObjectKind::Program(c)
                if is_identifier(c) || c.contains('/') || c.contains('@') =>
            {
                Some(c.clone())
            }
            _ => None,
        })
        .collect();
    (!names.is_empty()).then(|| DependencyMatcher {
        names,
        ..DependencyMatcher::default()
    })
}
