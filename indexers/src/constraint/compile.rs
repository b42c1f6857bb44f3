//! Compiling one rule sentence: directive → clauses → grounded matchers → tiers.
//!
//! Honest by construction: a sentence that is not a directive gives nothing; a directive
//! whose objects ctx cannot check stays a reminder (semantic-only); a matcher denies only when
//! the rule is hard, names its object literally and leaves nobody a way to allow the action.
//! Every matcher comes with a note saying which words produced it, and every rule with the
//! reason for its tier.

use super::directive::{self, Directive, APPROVAL_LABEL};
use super::ground::{self, Context, Grounded};
use super::imports;
use super::lexicon::lexicon;
use super::objects::{mask, Masked, Object, ObjectKind};
use super::patterns::{ExceptionKind, Strength};
use super::rule::{self, Rule};
use ctx_engine::anchor::{Matcher, Polarity, Severity, LIFTED_BY_USER};
use regex::Regex;
use std::sync::OnceLock;

/// What surrounds a rule sentence in its document.
#[derive(Debug, Clone, Default)]
pub struct RuleContext<'a> {
    /// The block's subject as written ("`completions/`"), for "Don't edit directly".
    pub subject: Option<&'a str>,
    /// Objects a pronoun may refer to: the list after an intro, the parent item, the
    /// sentence before.
    pub referents: Vec<Object>,
    /// True when the referents are the list that enumerates the rule's own object ("Update
    /// documentation files only when asked to. This includes:" over the files): they stand
    /// for its object as a pronoun's referents would.
    pub referents_enumerate: bool,
    /// The command on the same line, for comments in code blocks.
    pub code_context: Option<&'a str>,
    /// Commands named near the rule (its block and section), for a flag's program.
    pub nearby_commands: Vec<Vec<String>>,
    /// The directory of a nested instruction file (`web` for `web/AGENTS.md`), or "".
    pub base_dir: &'a str,
    /// The headings the rule sits under.
    pub section: &'a [String],
    /// The code block the sentence introduces with a colon, as (language, text).
    pub shown_code: Option<(&'a str, &'a str)>,
    /// The scripts the document names anywhere (`./Scripts/release.sh`), for a rule that
    /// names one by what it does ("the release script").
    pub scripts: &'a [String],
    /// The directories the document names anywhere (`scripts` from `scripts/<name>.sh`), for
    /// a rule that names one in words ("never read scripts").
    pub directories: &'a [String],
    /// The files of the languages the document's code blocks are written in (shells aside),
    /// for a rule about "all files" that names no language.
    pub source_files: &'a [String],
}

/// One anchor's worth of a rule sentence: the matchers that share a tier.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompiledRule {
    /// Forbids, requires or allows.
    pub polarity: Polarity,
    /// The tier: deny (block), ask, or remind (warn).
    pub severity: Severity,
    /// Checkable conditions; empty for a semantic-only reminder.
    pub matchers: Vec<Matcher>,
    /// One line per matcher: which words produced it.
    pub notes: Vec<String>,
    /// Why this tier.
    pub tier_reason: String,
    /// Scope globs the text gives ("in tests", "in `src/`").
    pub scope: Vec<String>,
}

/// A rule sentence compiled: one entry per tier (usually one).
pub type Compiled = Vec<CompiledRule>;

/// A directive sentence compiled, with what it recommends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompiledSentence {
    /// One rule per tier.
    pub rules: Compiled,
    /// Commands the sentence recommends running ("Run `make lint`", "use `pnpm test`
    /// instead"): a rule of the same document must not deny them.
    pub recommends: Vec<String>,
    /// The directive form of the first clause (`prohibition`, `imperative` …).
    pub form: String,
    /// The main verb of the first clause.
    pub verb: Option<String>,
}

/// Compiles a sentence of a document. `None` when it is not a directive.
pub fn compile_sentence(text: &str, ctx: &RuleContext) -> Option<CompiledSentence> {
    let clean = clean_markdown(text);
    let masked = mask(&clean);
    if let Some(rule) = imports::import_direction(&masked) {
        return Some(CompiledSentence {
            rules: vec![rule],
            form: "prohibition".into(),
            verb: Some("import".into()),
            ..CompiledSentence::default()
        });
    }
    let directive = directive::parse(&masked)?;
    let first = rule::read(&directive, 0, &masked);
    Some(CompiledSentence {
        rules: compile_directive(&directive, &masked, ctx),
        recommends: recommended_commands(&directive, &masked),
        form: first.form,
        verb: first.verb,
    })
}

/// Command objects a directive recommends: kept objects of a relation, and commands named
/// by a requirement or an imperative that runs them.
fn recommended_commands(directive: &Directive, masked: &Masked) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..directive.clauses.len() {
        let rule = rule::read(directive, i, masked);
        for &o in &rule.objects {
            let ObjectKind::Command(words) = &masked.objects[o].kind else {
                continue;
            };
            let recommended = rule.is_kept(o)
                || rule.polarity == Polarity::Always
                    && (rule.verb_class.run || rule.verb.is_none())
                    && !rule.is_forbidden(o);
            if recommended {
                out.push(words.join(" "));
            }
        }
    }
    out
}

/// Compiles rule text without a document (as for `ctx anchors add`): every matcher, whatever
/// its tier, with the polarity the user gave. Text that is not a directive is read as the
/// object of one with that polarity ("git push --force" as "Never git push --force").
pub fn compile_text(text: &str, polarity: Polarity) -> CompiledRule {
    let ctx = RuleContext::default();
    let compiled = compile_sentence(text, &ctx).or_else(|| {
        let lead = match polarity {
            Polarity::Never => "Never",
            Polarity::Always => "Always",
            Polarity::Allowed => "You may",
        };
        compile_sentence(&format!("{lead} {text}"), &ctx)
    });
    let mut out = CompiledRule {
        polarity,
        ..CompiledRule::default()
    };
    for rule in compiled.map(|c| c.rules).unwrap_or_default() {
        for (m, note) in rule.matchers.into_iter().zip(rule.notes) {
            if !out.matchers.contains(&m) {
                out.matchers.push(m);
                out.notes.push(note);
            }
        }
        out.scope.extend(rule.scope);
    }
    out.scope.sort();
    out.scope.dedup();
    out
}

fn compile_directive(directive: &Directive, masked: &Masked, ctx: &RuleContext) -> Compiled {
    let subject = ctx.subject.map(|s| {
        let inner = s.trim_matches('`');
        Object {
            text: inner.to_string(),
            kind: super::objects::classify(inner),
            literal: true,
        }
    });
    let ground_ctx = Context {
        subject: subject.as_ref(),
        referents: &ctx.referents,
        referents_enumerate: ctx.referents_enumerate,
        code_context: ctx.code_context,
        nearby_commands: &ctx.nearby_commands,
        base_dir: ctx.base_dir,
        sentence: &masked.text,
        section: ctx.section,
        shown_code: ctx.shown_code,
        scripts: ctx.scripts,
        directories: ctx.directories,
        source_files: ctx.source_files,
    };
    let mut groups: Vec<CompiledRule> = Vec::new();
    let mut first_polarity = None;
    let rules: Vec<rule::Rule> = (0..directive.clauses.len())
        .map(|i| rule::read(directive, i, masked))
        .collect();
    let prescribed = prescribed_paths(&rules, masked);
    for rule in rules {
        first_polarity.get_or_insert(rule.polarity);
        let mut grounded = ground::ground(&rule, masked, &ground_ctx);
        if rule.polarity == Polarity::Never {
            grounded.retain(|g| !covers_any(&g.matcher, &prescribed));
        }
        if let Some(deps) = ground::named_dependencies(&rule, masked) {
            grounded.push(Grounded {
                matcher: Matcher::Dependency(deps),
                why: "named packages".into(),
                literal: true,
                permit: rule.polarity == Polarity::Allowed,
            });
        }
        let scope = rule_scope(&rule, masked, ctx);
        let places = allowed_places(&rule, masked, ctx);
        if !places.is_empty() {
            grounded = allowed_only_in(grounded, &places);
        }
        for g in grounded {
            let scope = if g.permit && !places.is_empty() {
                &places
            } else {
                &scope
            };
            let (severity, reason) = tier(&rule, &g);
            let polarity = if g.permit {
                Polarity::Allowed
            } else {
                rule.polarity
            };
            let matcher = scoped_matcher(g.matcher, &rule, ctx);
            let note = format!("{} → {}", g.why, matcher.describe());
            match groups
                .iter_mut()
                .find(|r| r.severity == severity && (r.polarity == Polarity::Allowed) == g.permit)
            {
                Some(group) => {
                    if !group.matchers.contains(&matcher) {
                        group.matchers.push(matcher);
                        group.notes.push(note);
                    }
                    group.scope.extend(scope.iter().cloned());
                }
                None => groups.push(CompiledRule {
                    polarity,
                    severity,
                    matchers: vec![matcher],
                    notes: vec![note],
                    tier_reason: reason,
                    scope: scope.clone(),
                }),
            }
        }
    }
    for g in &mut groups {
        g.scope.sort();
        g.scope.dedup();
    }
    if groups.is_empty() {
        groups.push(CompiledRule {
            polarity: first_polarity.unwrap_or_default(),
            severity: Severity::Warn,
            matchers: Vec::new(),
            notes: vec!["semantic-only: the rule names nothing ctx can check".into()],
            tier_reason: "remind: nothing checkable is named, so the rule is shown to the model and never blocks".into(),
            scope: Vec::new(),
        });
    }
    groups.sort_by_key(|g| std::cmp::Reverse(severity_rank(g.severity)));
    groups
}

/// The paths a sentence's requirements name ("— edit `proto/*.proto` instead"), as sample
/// repo-relative paths (`*` read as a name).
fn prescribed_paths(rules: &[rule::Rule], masked: &Masked) -> Vec<String> {
    rules
        .iter()
        .filter(|r| r.polarity == Polarity::Always)
        .flat_map(|r| r.objects.iter())
        .filter_map(|&i| match &masked.objects[i].kind {
            ObjectKind::Path(p) => Some(p.trim_start_matches("./").replace('*', "x")),
            _ => None,
        })
        .collect()
}

/// "Do not edit generated proto files by hand — edit `proto/*.proto`": a prohibition's path
/// matcher that also catches what the same sentence prescribes is wider than the rule (here
/// every `.proto`), so it is dropped.
fn covers_any(matcher: &Matcher, paths: &[String]) -> bool {
    match matcher {
        Matcher::Path(m) => paths.iter().any(|p| m.globs.is_match(p)),
        _ => false,
    }
}

fn severity_rank(s: Severity) -> u8 {
    match s {
        Severity::Block => 2,
        Severity::Ask => 1,
        Severity::Warn => 0,
    }
}

/// The tier of one grounded matcher, with the reason.
fn tier(rule: &Rule, g: &Grounded) -> (Severity, String) {
    if g.permit {
        return (
            Severity::Block,
            "permission: an exception the document grants".into(),
        );
    }
    // Listed under "Ask first:": allowed once someone approves, so it asks, never denies.
    if rule.form == APPROVAL_LABEL {
        return (
            Severity::Ask,
            "ask: an \"ask first\" item, allowed once someone approves it".into(),
        );
    }
    let exception = |kind| {
        rule.exceptions
            .iter()
            .find(|e| e.kind == kind)
            .map(|e| e.text.trim().to_string())
    };
    if rule.strength == Strength::Soft {
        return (Severity::Ask, format!("ask: soft wording ({})", rule.form));
    }
    if let Some(text) = exception(ExceptionKind::Soft) {
        return (Severity::Ask, format!("ask: a judgment call (\"{text}\")"));
    }
    if let Some(text) = unseen_condition(rule, g) {
        return (
            Severity::Ask,
            format!("ask: a condition ctx cannot see (\"{text}\")"),
        );
    }
    if !g.literal {
        return (
            Severity::Ask,
            format!("ask: the object is inferred, not named ({})", g.why),
        );
    }
    if let Some(text) = exception(ExceptionKind::Approval) {
        // The agent cannot grant itself the exception: it must stop and ask the person.
        return (
            Severity::Block,
            format!("{LIFTED_BY_USER} (\"{text}\"): ask them"),
        );
    }
    (
        Severity::Block,
        "deny: a hard rule naming its object literally".into(),
    )
}

/// The first condition the rule states that the matcher does not test itself: a code
/// requirement that holds where other code appears ("… when using `on_send`") tests its
/// "when"; an "unless" stays a condition ctx cannot see.
fn unseen_condition(rule: &Rule, g: &Grounded) -> Option<String> {
    let tests_when = matches!(&g.matcher, Matcher::Code(m) if m.required_when.is_some());
    rule.exceptions
        .iter()
        .filter(|e| e.kind == ExceptionKind::Condition)
        .map(|e| e.text.trim())
        .find(|t| {
            let word = t.split_whitespace().next().unwrap_or("");
            !(tests_when && matches!(word, "when" | "whenever" | "wherever" | "if"))
        })
        .map(String::from)
}

/// Where an "only" restriction allows what it restricts ([`Rule::allowed_in`]): each place
/// as a directory glob (`app-common` → `**/app-common/**`, `web/api` → `web/api/**`, a Gradle
/// project path `:core:api` → `**/core/api/**`).
fn allowed_places(rule: &Rule, masked: &Masked, ctx: &RuleContext) -> Vec<String> {
    rule.allowed_in
        .iter()
        .map(|&i| {
            masked.objects[i]
                .text
                .trim_matches(|c| matches!(c, '/' | ':' | '.'))
        })
        .filter(|place| !place.is_empty() && !place.contains(char::is_whitespace))
        .map(|place| {
            let dir = place.replace(':', "/");
            if place.contains('/') {
                ground::join_base(ctx.base_dir, &ground::dir_glob(&format!("{dir}/")))
            } else {
                format!("**/{dir}/**")
            }
        })
        .collect()
}

/// What an "only" restriction grounds to: code it names is forbidden outside `places` and
/// permitted inside them (the permission lifts the same document's other prohibitions of
/// that code there). Other matchers say nothing about places and are dropped.
fn allowed_only_in(grounded: Vec<Grounded>, places: &[String]) -> Vec<Grounded> {
    let mut out = Vec::new();
    for g in grounded {
        let Matcher::Code(mut code) = g.matcher else {
            continue;
        };
        out.push(Grounded {
            matcher: Matcher::Code(code.clone()),
            why: format!("{} where the rule allows it", g.why),
            literal: g.literal,
            permit: true,
        });
        let mut except = code.except_files.globs().to_vec();
        except.extend(places.iter().cloned());
        code.except_files = ctx_engine::anchor::GlobList::new(except);
        out.push(Grounded {
            matcher: Matcher::Code(code),
            ..g
        });
    }
    out
}

/// Scope from the rule's words and section: tests, places it names. Languages restrict code
/// matchers instead (see [`scoped_matcher`]), so "Python tests" means both.
fn rule_scope(rule: &Rule, masked: &Masked, ctx: &RuleContext) -> Vec<String> {
    let lex = lexicon();
    let mut scope = Vec::new();
    let words = scope_words(rule, ctx);
    if words.iter().any(|w| w == "tests") {
        scope.extend(lex.tests.globs.iter().cloned());
    }
    for &i in &rule.place_objects {
        if let ObjectKind::Path(p) = &masked.objects[i].kind {
            scope.push(ground::join_base(ctx.base_dir, &ground::dir_glob(p)));
        }
    }
    scope
}

/// The rule's scope words, with the section's when the rule names none.
fn scope_words(rule: &Rule, ctx: &RuleContext) -> Vec<String> {
    if !rule.scope_words.is_empty() || !rule.place_objects.is_empty() {
        return rule.scope_words.clone();
    }
    section_scope_words(ctx.section)
}

/// Scope words in headings: "Testing" → tests, "Python style" → python.
fn section_scope_words(section: &[String]) -> Vec<String> {
    static WORD: OnceLock<Regex> = OnceLock::new();
    let re = WORD.get_or_init(|| Regex::new(r"[A-Za-z][\w#+.]*").unwrap());
    let lex = lexicon();
    let mut out = Vec::new();
    for heading in section {
        for m in re.find_iter(heading) {
            let w = m.as_str().to_lowercase();
            if matches!(w.as_str(), "test" | "tests" | "testing" | "specs") {
                out.push("tests".to_string());
            } else if w.len() > 2 && lex.language_files(&w).is_some() {
                out.push(w);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Code matchers take the rule's language and "production code" restrictions.
fn scoped_matcher(matcher: Matcher, rule: &Rule, ctx: &RuleContext) -> Matcher {
    let Matcher::Code(mut code) = matcher else {
        return matcher;
    };
    let lex = lexicon();
    let words = scope_words(rule, ctx);
    let files: Vec<String> = words
        .iter()
        .filter_map(|w| lex.language_files(w))
        .flatten()
        .cloned()
        .collect();
    if !files.is_empty() && code.files.is_empty() {
        code.files = ctx_engine::anchor::GlobList::new(files);
    }
    if words.iter().any(|w| w == "production") {
        let mut except = code.except_files.globs().to_vec();
        except.extend(lex.tests.globs.iter().cloned());
        code.except_files = ctx_engine::anchor::GlobList::new(except);
    }
    Matcher::Code(code)
}

/// Strips emphasis and links outside code spans; keeps spans verbatim.
pub fn clean_markdown(text: &str) -> String {
    static LINK: OnceLock<Regex> = OnceLock::new();
    let link = LINK.get_or_init(|| Regex::new(r"\[([^\]]+)\]\([^)]*\)").unwrap());
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            continue;
        }
        let emphasis_star = c == '*' && !is_glob_star(&chars, i);
        if !in_code && (emphasis_star || (c == '_' && is_emphasis_underscore(&chars, i))) {
            continue;
        }
        out.push(c);
    }
    link.replace_all(&out, "$1").trim().replace(['’', '‘'], "'")
}

/// A `*` of a glob outside a code span (`/docs/*.md`, `*.lock`, `src/**/gen`), not emphasis:
/// its run of stars touches a slash, or is followed by a dot and a file extension.
fn is_glob_star(chars: &[char], i: usize) -> bool {
    let before = chars[..i].iter().rev().find(|&&c| c != '*');
    let mut after = chars[i..].iter().skip_while(|&&c| c == '*');
    let next = after.next();
    let extension = after.next().is_some_and(|c| c.is_alphanumeric());
    before == Some(&'/')
        || next == Some(&'/')
        || next == Some(&'.') && extension
        || is_name_wildcard(chars, i)
}

/// The `*` of a name prefix with a wildcard (`enif_*`, `mock_*`): right after an underscore
/// that follows a letter or digit, and before no word character.
fn is_name_wildcard(chars: &[char], i: usize) -> bool {
    let word = |j: Option<usize>| {
        j.and_then(|j| chars.get(j))
            .is_some_and(|c| c.is_alphanumeric())
    };
    chars.get(i) == Some(&'*')
        && i.checked_sub(1).is_some_and(|j| chars[j] == '_')
        && word(i.checked_sub(2))
        && !word(Some(i + 1))
}

fn is_emphasis_underscore(chars: &[char], i: usize) -> bool {
    let before = i.checked_sub(1).map(|j| chars[j]);
    let after = chars.get(i + 1).copied();
    let word = before.is_some_and(char::is_alphanumeric);
    let inside_a_name = after.is_some_and(char::is_alphanumeric) || is_name_wildcard(chars, i + 1);
    !(word && inside_a_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ctx_engine::anchor::pinned::example_facts;
    use ctx_engine::anchor::{evaluate_anchor, Anchor, AnchorSource, GitMatcher};

    fn anchor_of(rule: &CompiledRule) -> Anchor {
        let mut a = Anchor::new("t", rule.polarity, AnchorSource::Pinned);
        a.matchers = rule.matchers.clone();
        a.scope = rule.scope.clone();
        a.severity = rule.severity;
        a
    }

    /// Compiles `text` as a document sentence and says which tier each example lands in.
    fn verdict(text: &str, example: &str) -> Option<Severity> {
        let compiled = compile_sentence(text, &RuleContext::default())?.rules;
        compiled
            .iter()
            .filter(|r| r.polarity != Polarity::Allowed)
            .filter(|r| !evaluate_anchor(&anchor_of(r), None, &example_facts(example)).is_empty())
            .map(|r| r.severity)
            .max_by_key(|s| severity_rank(*s))
    }

    #[test]
    fn an_only_restriction_permits_its_places_and_forbids_the_rest() {
        let rule = "Only `app-common` and `app-k9mail` may depend on `:internal` modules";
        let compiled = compile_sentence(rule, &RuleContext::default())
            .unwrap()
            .rules;
        let permit = compiled
            .iter()
            .find(|r| r.polarity == Polarity::Allowed)
            .expect("a permission for the places");
        assert_eq!(permit.scope, ["**/app-common/**", "**/app-k9mail/**"]);
        let line = "  implementation(projects.core.internal)";
        let there = example_facts(&format!("line: app-common/build.gradle.kts: {line}"));
        let elsewhere = example_facts(&format!("line: feature/mail/build.gradle.kts: {line}"));
        assert!(!evaluate_anchor(&anchor_of(permit), None, &there).is_empty());
        assert!(evaluate_anchor(&anchor_of(permit), None, &elsewhere).is_empty());
        let deny = compiled
            .iter()
            .find(|r| r.polarity == Polarity::Never)
            .expect("a prohibition elsewhere");
        assert_ne!(
            deny.severity,
            Severity::Warn,
            "the rest is checked elsewhere"
        );
        assert!(evaluate_anchor(&anchor_of(deny), None, &there).is_empty());
        assert!(!evaluate_anchor(&anchor_of(deny), None, &elsewhere).is_empty());
    }

    #[test]
    fn a_forbidden_long_flag_is_named_literally_and_a_required_one_is_inferred() {
        let rule =
            "Do not skip or bypass these checks (e.g. `--no-verify`, commenting out linters).";
        assert_eq!(
            verdict(rule, "git commit -s --no-verify -m x"),
            Some(Severity::Block)
        );
        assert_eq!(verdict(rule, "git commit -s -m x"), None);
        let required = "Always pass `--release`.";
        assert_eq!(verdict(required, "cargo build"), Some(Severity::Ask));
    }

    #[test]
    fn a_purpose_after_the_concept_narrows_it_to_a_part_ctx_asks_about() {
        let create = "gh pr create --title x --body y";
        for rule in [
            "Do not open one-off PRs for tiny edits (single typo, isolated style change).",
            "Never create pull requests for typo fixes.",
        ] {
            assert_eq!(verdict(rule, create), Some(Severity::Ask), "{rule}");
        }
        assert_eq!(
            verdict("Never open pull requests.", create),
            Some(Severity::Block)
        );
    }

    #[test]
    fn a_prohibition_does_not_forbid_the_alternative_its_sentence_prescribes() {
        let rule = "Do not edit generated proto files by hand — edit `proto/*.proto` and run `make build_proto`.";
        assert_eq!(verdict(rule, "path: proto/pulumi/resource.proto"), None);
        let json = "Never edit JSON files directly; edit `config/*.yaml` instead.";
        assert_eq!(verdict(json, "path: data/a.json"), Some(Severity::Block));
        let same = "Do not edit YAML files by hand; edit `config/*.yaml` via the generator.";
        assert_eq!(verdict(same, "path: config/a.yaml"), None);
    }

    #[test]
    fn a_prohibition_before_its_list_keeps_its_verb() {
        for rule in [
            "Do not commit runtime artifacts: `dump.rdb`, `nodes.conf`, `*.log`, ad-hoc cluster directories.",
            "Never stage these files: `dump.rdb`, `nodes.conf`, `*.log`.",
        ] {
            assert_eq!(verdict(rule, "git add dump.rdb src/a.c"), Some(Severity::Block), "{rule}");
            assert_eq!(verdict(rule, "git add -f tests/tmp/x.log"), Some(Severity::Block), "{rule}");
            assert_eq!(verdict(rule, "rm -f dump.rdb nodes.conf"), None, "{rule}");
            assert_eq!(verdict(rule, "git add src/a.c"), None, "{rule}");
        }
        let bare = "Never: `git push --force`, `rm -rf /`.";
        assert_eq!(
            verdict(bare, "git push --force origin x"),
            Some(Severity::Block)
        );
        let dont = "Don't commit `console.log` calls.";
        assert_eq!(
            verdict(dont, "git add console.log"),
            None,
            "code, not a file"
        );
    }

    #[test]
    fn a_push_destination_is_the_branch_or_repository_named_not_every_push() {
        let branch = "Never push directly to the `unstable` branch.";
        assert_eq!(
            verdict(branch, "git push origin unstable"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict(branch, "git push fork HEAD:unstable"),
            Some(Severity::Block)
        );
        assert_eq!(verdict(branch, "git push origin fix-x"), None);
        for rule in [
            "**Never push directly to `acme/widget`.**",
            "Do not push your commits to `https://github.com/acme/widget.git`.",
            "You must not push to `git@github.com:acme/widget`; use your fork.",
        ] {
            let upstream = "git push https://github.com/acme/widget fix-x";
            assert_eq!(verdict(rule, upstream), Some(Severity::Block), "{rule}");
            assert_eq!(verdict(rule, "git push myfork fix-x"), None, "{rule}");
            assert_eq!(verdict(rule, "git push"), None, "{rule}");
        }
        let remote = "Never push to `upstream`.";
        assert_eq!(
            verdict(remote, "git push upstream fix-x"),
            Some(Severity::Block)
        );
        assert_eq!(verdict(remote, "git push origin fix-x"), None);
        assert_eq!(
            verdict("Never push directly to main.", "git push origin main"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict("Never push.", "git push myfork x"),
            Some(Severity::Block)
        );
    }

    #[test]
    fn a_list_of_verbs_reads_as_one_clause_per_verb() {
        assert_eq!(
            ground::per_verb_clauses("do not push, pull, or rebase unless explicitly requested."),
            [
                "do not push, pull, or rebase unless explicitly requested.",
                "do not pull unless explicitly requested.",
                "do not rebase unless explicitly requested.",
            ]
        );
        assert_eq!(
            ground::per_verb_clauses("never push code, docs or tests"),
            ["never push code, docs or tests"],
            "a list of objects stays one clause"
        );
        let rule = "Do not push, pull, or rebase unless explicitly requested.";
        assert_eq!(verdict(rule, "git push origin x"), Some(Severity::Block));
        assert_eq!(verdict(rule, "git pull --rebase"), Some(Severity::Block));
        assert!(verdict(rule, "git rebase main").is_some());
        assert_eq!(verdict(rule, "git status"), None);
    }

    #[test]
    fn a_command_given_up_in_words_is_forbidden_and_the_kept_one_is_not() {
        let rule = "Always use `pnpm install` (not npm install)";
        assert_eq!(verdict(rule, "npm install"), Some(Severity::Block));
        assert_eq!(verdict(rule, "npm test"), None);
        assert_eq!(verdict(rule, "pnpm install"), None);
        let examples = "Avoid `npx`: Strongly prefer using package scripts defined in `package.json` (e.g., `pnpm lint`) over invoking tools directly via `npx`.";
        assert!(verdict(examples, "npx eslint .").is_some());
        assert_eq!(
            verdict(examples, "pnpm lint"),
            None,
            "an example of what it prefers"
        );
    }

    #[test]
    fn every_program_of_a_list_is_forbidden() {
        let rule = "Do NOT use npm or yarn.";
        assert_eq!(verdict(rule, "npm install x"), Some(Severity::Block));
        assert_eq!(verdict(rule, "yarn add x"), Some(Severity::Block));
        assert_eq!(verdict(rule, "pnpm add x"), None);
    }

    #[test]
    fn a_requirement_forbids_the_concept_it_gives_up() {
        let rule = "Always use import statements instead of fully qualified class names in code.";
        let fqn = "line: src/main/java/a/B.java:     private final java.util.List<String> names;";
        assert_eq!(verdict(rule, fqn), Some(Severity::Block));
        let import = "line: src/main/java/a/B.java: import java.util.List;";
        assert_eq!(verdict(rule, import), None);
    }

    #[test]
    fn commands_compile_exactly_as_named() {
        let rule = "Never run `git push --force`";
        assert_eq!(
            verdict(rule, "git push --force origin x"),
            Some(Severity::Block)
        );
        assert_eq!(verdict(rule, "git push -f origin x"), Some(Severity::Block));
        assert_eq!(verdict(rule, "git status"), None);
        assert_eq!(verdict(rule, "git push origin x"), None);
        let plain = compile_text("Never run git push --force", Polarity::Never);
        let a = anchor_of(&plain);
        assert!(!evaluate_anchor(&a, None, &example_facts("git push --force")).is_empty());
        assert!(
            evaluate_anchor(&a, None, &example_facts("git status")).is_empty(),
            "{:?}",
            plain.notes
        );
        let pytest = compile_text("Never run pytest with -n auto", Polarity::Never);
        let a = anchor_of(&pytest);
        assert!(!evaluate_anchor(&a, None, &example_facts("pytest -n auto")).is_empty());
        assert!(
            evaluate_anchor(&a, None, &example_facts("pytest -x tests")).is_empty(),
            "{:?}",
            pytest.notes
        );
    }

    #[test]
    fn operations_named_in_words_across_ecosystems() {
        let bump = "Do not bump dependencies unless the task requires it.";
        assert_eq!(verdict(bump, "go get -u ./..."), Some(Severity::Block));
        assert_eq!(
            verdict(bump, "yarn upgrade left-pad"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict(bump, "line:gradle/libs.versions.toml:okio = \"3.9.1\""),
            Some(Severity::Block)
        );
        assert_eq!(verdict(bump, "go test ./..."), None);
        assert_eq!(verdict(bump, "yarn install --frozen-lockfile"), None);
        let merge = "Never merge directly into `master` (except emergency fixes)";
        assert!(verdict(merge, "git checkout master && git merge feat/x").is_some());
        assert!(verdict(merge, "git push origin feat/x:master").is_some());
        assert_eq!(
            verdict(merge, "git checkout develop && git merge feat/x"),
            None
        );
        assert_eq!(
            verdict(merge, "line:src/a.ts:const branch = 'master';"),
            None
        );
        let header = "New source files must include the repository copyright header.";
        assert_eq!(
            verdict(header, "line:src/Parser.kt:class Parser"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict(
                header,
                "line:src/Parser.kt:// Copyright 2024 JetBrains s.r.o."
            ),
            None
        );
        assert_eq!(verdict(header, "line:docs/guide.md:# Guide"), None);
        let trailer = "NEVER mention Claude as co-author in commits";
        assert_eq!(
            verdict(
                trailer,
                "git commit --trailer 'Co-authored-by: Claude <noreply@anthropic.com>' -m 'Fix x'"
            ),
            Some(Severity::Block)
        );
    }

    #[test]
    fn commit_prefixes_are_one_requirement() {
        let rule = "Use appropriate prefixes (`feat:`, `fix:`, `chore:`) in commit messages";
        assert_eq!(
            verdict(rule, "git commit -m 'Keep scroll position'"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict(rule, "git commit -m 'fix(list): keep scroll'"),
            None
        );
        assert_eq!(verdict(rule, "git commit -m 'chore: bump'"), None);
        assert_eq!(
            verdict(rule, "git commit -m 'docs: fix typo'"),
            Some(Severity::Block),
            "a closed list"
        );
        let open = "Follow conventional commits (`feat:`, `fix:`, `docs:`, etc.)";
        assert_eq!(verdict(open, "git commit -m 'test: add cases'"), None);
        assert_eq!(
            verdict(open, "git commit -m 'Add cases'"),
            Some(Severity::Block)
        );
        let conditional =
            "If you added an enterprise-only file, give it the enterprise license header.";
        assert_eq!(
            verdict(conditional, "line:src/a.py:import os"),
            Some(Severity::Ask),
            "a condition ctx cannot see"
        );
    }

    #[test]
    fn code_named_bare_or_as_an_element() {
        let rule = "Don't use the TypeScript directive @ts-ignore.";
        assert_eq!(
            verdict(rule, "line:src/a.ts:// @ts-ignore"),
            Some(Severity::Block)
        );
        assert_eq!(verdict(rule, "line:src/a.ts:// @ts-expect-error"), None);
        let img = "Don't use `<img>` elements in Next.js projects.";
        assert_eq!(
            verdict(img, "line:app/page.tsx:  <img src={logo} alt=\"\" />"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict(img, "line:app/page.tsx:  <Image src={logo} />"),
            None
        );
        let qualifier = "Do not add wrappers for `Int8Array` in the public API";
        assert_eq!(
            verdict(qualifier, "line:src/a.ts:const b = new Int8Array(4);"),
            Some(Severity::Ask),
            "the span qualifies what is forbidden (wrappers): it asks"
        );
    }

    #[test]
    fn kept_alternatives_are_never_denied() {
        let bare = "Use `RoaringBitmap` instead `HashSet<u32>`.";
        assert_eq!(
            verdict(bare, "line:src/a.rs:let s: HashSet<u32> = HashSet::new();"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict(bare, "line:src/a.rs:let s = RoaringBitmap::new();"),
            None
        );
        let rule = "Use `pnpm` instead of `npm` or `yarn`";
        assert_eq!(verdict(rule, "npm install"), Some(Severity::Block));
        assert_eq!(verdict(rule, "yarn add x"), Some(Severity::Block));
        assert_eq!(verdict(rule, "pnpm install"), None);
        let rule = "Use uv, not pip or poetry";
        assert_eq!(verdict(rule, "pip install x"), Some(Severity::Block));
        assert_eq!(verdict(rule, "poetry add x"), Some(Severity::Block));
        assert_eq!(verdict(rule, "uv add x"), None);
        let rule = "Run `make lint` before you commit";
        assert_eq!(verdict(rule, "make lint"), None);
        assert_eq!(verdict(rule, "git commit -m x"), None);
    }

    #[test]
    fn a_fronted_instead_of_forbids_the_code_it_names() {
        let rule = "Instead of `fixture.detectChanges()` or `TestBed.flushEffects()` use the following APIs to flush/wait as appropriate:";
        let spec = "line:src/a.spec.ts:    fixture.detectChanges();";
        assert_eq!(verdict(rule, spec), Some(Severity::Block));
        let other = "line:src/a.spec.ts:    TestBed.flushEffects();";
        assert_eq!(verdict(rule, other), Some(Severity::Block));
        assert_eq!(
            verdict(rule, "line:src/a.spec.ts:    TestBed.tick();"),
            None
        );
        let comma = "Instead of `os.path.join()`, use `pathlib.Path`.";
        assert_eq!(
            verdict(comma, "line:src/a.py:p = os.path.join(a, b)"),
            Some(Severity::Block)
        );
        assert_eq!(verdict(comma, "line:src/a.py:p = Path(a) / b"), None);
        let calling = "Instead of calling `time.sleep()` in tests use the fake clock.";
        assert_eq!(
            verdict(calling, "line:tests/test_a.py:    time.sleep(1)"),
            Some(Severity::Block)
        );
        // A way of working, or a description, forbids nothing.
        let way = "Instead of editing the generated files, regenerate them with `make gen`.";
        assert_eq!(verdict(way, "make gen"), None);
        let said = "Instead of `setTimeout()` the scheduler uses a timer wheel.";
        assert_eq!(verdict(said, "line:src/a.ts:setTimeout(f, 1)"), None);
    }

    #[test]
    fn the_examples_of_a_given_up_class_are_forbidden_code() {
        let rule = "Use Google-style docstrings (`Args:`/`Returns:` sections), not reStructuredText/Sphinx fields (`:param:`, `:return:`, `:rtype:`).";
        let field = "line:src/a.py:    :return: the rounded value.";
        assert_eq!(verdict(rule, field), Some(Severity::Block));
        let with_name = "line:src/a.py:    :param x: the value.";
        assert_eq!(verdict(rule, with_name), Some(Severity::Block));
        assert_eq!(verdict(rule, "line:src/a.py:    Returns:"), None);
        assert_eq!(verdict(rule, "line:src/a.py:    Args:"), None);
        let parenthesis = "Use `expect()` (with a message), not `unwrap()`.";
        assert_eq!(
            verdict(parenthesis, "line:src/a.rs:let x = y.unwrap();"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict(parenthesis, "line:src/a.rs:let x = y.expect(\"y\");"),
            None
        );
        // No examples: the words name nothing to match.
        let words = "Use Google-style docstrings, not Sphinx fields.";
        assert_eq!(verdict(words, field), None);
    }

    #[test]
    fn a_name_wildcard_before_a_noun_for_calls_is_those_calls() {
        let soft = "When writing NIFs, favor Fine APIs instead of enif_* functions.";
        let call = "line:c_src/a.cc:  return enif_make_atom(env, \"ok\");";
        assert_eq!(verdict(soft, call), Some(Severity::Ask));
        assert_eq!(
            verdict(soft, "line:c_src/a.cc:  return fine::encode(env, x);"),
            None
        );
        let hard = "Never call mock_* functions from production code.";
        assert_eq!(
            verdict(hard, "line:src/a.py:    mock_server(port)"),
            Some(Severity::Block)
        );
        assert_eq!(verdict(hard, "line:src/a.py:    mock_count = 1"), None);
        // Emphasis is not a wildcard.
        let emphasis = "Never use _any_ globals.";
        assert_eq!(mask(&clean_markdown(emphasis)).objects, Vec::new());
    }

    #[test]
    fn a_value_list_ending_with_no_x_forbids_x() {
        let rule = "Indentation: 4 spaces, no tabs";
        let tabbed = "line:src/t_string.c:\tif (incr == 0) {";
        assert_eq!(verdict(rule, tabbed), Some(Severity::Block));
        let spaced = "line:src/t_string.c:    if (incr == 0) {";
        assert_eq!(verdict(rule, spaced), None);
        assert_eq!(verdict(rule, "line:Makefile:\t$(CC) -o x x.c"), None);
        assert_eq!(
            verdict("Never indent with tabs.", tabbed),
            Some(Severity::Block)
        );
        let ui = "Do not use tabs for navigation.";
        assert_eq!(verdict(ui, tabbed), None);
        // Values that describe, and a long label, state no rule.
        assert!(compile_sentence("Indentation: 4 spaces", &RuleContext::default()).is_none());
        let long = "The way we indent code in this project: 4 spaces, no tabs";
        assert!(compile_sentence(long, &RuleContext::default()).is_none());
    }

    #[test]
    fn issue_references_in_code_comments() {
        let rule = "Don't reference issue or PR numbers in code comments.";
        let number = "line:lib/shape.ex:  # Fix for #1432: broadcasting scalars";
        assert_eq!(verdict(rule, number), Some(Severity::Block));
        let url = "line:lib/defn.ex:    # See https://github.com/o/r/pull/1501 for why";
        assert_eq!(verdict(rule, url), Some(Severity::Block));
        let why = "line:lib/shape.ex:  # Scalars broadcast to any shape.";
        assert_eq!(verdict(rule, why), None);
    }

    #[test]
    fn a_given_up_operator_asks() {
        let rule = "Compare tensors with `assert_equal/2` or `assert_all_close/3` (also in `helpers.ex`), not raw `==` or manual list comparisons";
        assert_eq!(
            verdict(rule, "line:test/a_test.exs:    assert a == b"),
            Some(Severity::Ask)
        );
        assert_eq!(
            verdict(rule, "line:test/a_test.exs:    assert_all_close(a, b)"),
            None
        );
        let strict = "Use `===`, not `==`.";
        assert_eq!(
            verdict(strict, "line:src/a.js:if (a == b) {}"),
            Some(Severity::Ask)
        );
        assert_eq!(verdict(strict, "line:src/a.js:if (a === b) {}"), None);
        assert_eq!(verdict(strict, "line:src/a.js:if (a !== b) {}"), None);
        // Comment markers and dashes are not operators: they name nothing.
        let marker = "Use a `#` comment prefix instead of `//` for shell fragments.";
        assert_eq!(verdict(marker, "line:src/a.c:x = 1; // one"), None);
        let dashes = "Use ASCII, not `--`.";
        assert_eq!(verdict(dashes, "line:run.sh:ls --all"), None);
    }

    #[test]
    fn descriptions_and_words_compile_to_nothing() {
        assert!(compile_sentence(
            "While PyPI contains many Flask extensions, you may not find one that fits your need.",
            &RuleContext::default()
        )
        .is_none());
        let c = compile_sentence(
            "Be kind to reviewers and never rush.",
            &RuleContext::default(),
        )
        .unwrap()
        .rules;
        assert!(c[0].matchers.is_empty());
        assert_eq!(c[0].severity, Severity::Warn);
    }

    #[test]
    fn tiers_follow_strength_exceptions_and_grounding() {
        assert_eq!(
            verdict(
                "Never add `console.log` calls",
                "line:src/a.ts:console.log(1)"
            ),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict(
                "Avoid `console.log` where possible",
                "line:src/a.ts:console.log(1)"
            ),
            Some(Severity::Ask)
        );
        assert_eq!(
            verdict(
                "Never create PRs unless explicitly asked",
                "gh pr create --fill"
            ),
            Some(Severity::Block),
            "the agent cannot grant itself the exception"
        );
        assert_eq!(
            verdict("Never force-push to main", "git push --force origin main"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict("Never force-push to `main`", "git push origin main"),
            None,
            "a plain push is not a force push"
        );
        assert_eq!(
            verdict("ONLY use uv, NEVER pip", "pip install x"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict("ONLY use uv, NEVER pip", "poetry add x"),
            Some(Severity::Ask)
        );
        assert_eq!(verdict("ONLY use uv, NEVER pip", "uv add x"), None);
    }

    #[test]
    fn globs_and_alternatives_in_code_spans() {
        let rule = "Never call `logger.*` or `print()` in library code";
        assert_eq!(
            verdict(rule, "line:src/a.py:logger.info('x')"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict(rule, "line:src/a.py:print('x')"),
            Some(Severity::Block)
        );
        assert_eq!(verdict(rule, "line:src/a.py:log = 1"), None);
        assert_eq!(
            verdict(rule, "line:README.md:print('x')"),
            None,
            "prose files hold no code"
        );
    }

    #[test]
    fn paths_flags_and_commits() {
        assert_eq!(
            verdict("Never hand-edit `generated/**`.", "path:generated/a.py"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict("Never hand-edit `generated/**`.", "path:src/a.py"),
            None
        );
        assert_eq!(
            verdict("Always pass `--frozen` to `uv run`", "uv run pytest"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict(
                "Always pass `--frozen` to `uv run`",
                "uv run --frozen pytest"
            ),
            None
        );
        let c = compile_sentence(
            "Do not use conventional commit prefixes such as `feat:` or `fix:`.",
            &RuleContext::default(),
        )
        .unwrap()
        .rules;
        assert!(
            c[0].matchers
                .iter()
                .any(|m| matches!(m, Matcher::Git(GitMatcher::CommitMessage { .. }))),
            "{:?}",
            c[0].notes
        );
        assert!(
            !c[0].matchers.iter().any(|m| matches!(m, Matcher::Code(_))),
            "{:?}",
            c[0].notes
        );
    }

    #[test]
    fn a_keyword_before_a_declaration_noun_forbids_the_modified_declaration() {
        let classes = "Do not use `final` or `readonly` classes - users need to extend them.";
        for line in [
            "final class A extends B",
            "readonly class Color",
            "abstract readonly class C",
        ] {
            let example = format!("line:src/A.php:{line}");
            assert_eq!(verdict(classes, &example), Some(Severity::Block), "{line}");
        }
        for line in [
            "class A extends B",
            "    final public function x() {}",
            "    public readonly string $name;",
        ] {
            assert_eq!(
                verdict(classes, &format!("line:src/A.php:{line}")),
                None,
                "{line}"
            );
        }
        let blocks = "Never add `unsafe` blocks.";
        assert_eq!(
            verdict(blocks, "line:src/lib.rs:    let x = unsafe { *p };"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict(blocks, "line:src/lib.rs:pub unsafe fn f() {}"),
            None
        );
        let functions = "Don't write `async` functions in the parser.";
        assert!(verdict(functions, "line:src/parse.py:async def parse(text):").is_some());
        assert_eq!(
            verdict(functions, "line:src/parse.py:# not async yet"),
            None
        );
        let methods = "No `static` methods.";
        assert!(verdict(methods, "line:src/A.java:  public static A of(int x) {").is_some());
        assert_eq!(
            verdict(methods, "line:src/A.java:  private static final int N = 3;"),
            None
        );
        // No declaration noun right after the keyword: the bare keyword, asked as before.
        for (rule, line) in [
            ("Do not use `final` for classes.", "final class A {}"),
            ("Do not use `any` types.", "let x: any = 1;"),
        ] {
            assert_eq!(
                verdict(rule, &format!("line:src/a.ts:{line}")),
                Some(Severity::Ask),
                "{rule}"
            );
        }
    }

    #[test]
    fn required_spans_hit_whole_file_writes_that_lack_them() {
        let rule = "Every new Rust file must start with `// SPDX-License-Identifier: MIT`.";
        assert_eq!(
            verdict(rule, "line:src/a.rs:fn main() {}"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict(rule, "line:src/a.rs:// SPDX-License-Identifier: MIT"),
            None
        );
        assert_eq!(
            verdict(rule, "line:src/a.py:x = 1"),
            None,
            "only Rust files"
        );
        let tests = "Every test must call `reset_db()`.";
        assert_eq!(
            verdict(tests, "line:tests/test_a.py:def test_x(): pass"),
            Some(Severity::Ask)
        );
        assert_eq!(verdict(tests, "line:tests/test_a.py:    reset_db()"), None);
        assert_eq!(verdict(tests, "line:src/a.py:x = 1"), None);
    }

    #[test]
    fn generated_files_are_recognised_by_their_header() {
        let c = compile_sentence(
            "Generated files must never be edited by hand.",
            &RuleContext::default(),
        )
        .unwrap()
        .rules;
        let generated = c
            .iter()
            .flat_map(|r| &r.matchers)
            .any(|m| matches!(m, Matcher::Path(p) if p.generated));
        assert!(
            generated,
            "{:?}",
            c.iter().map(|r| &r.notes).collect::<Vec<_>>()
        );
        assert_eq!(c[0].severity, Severity::Block);
    }

    #[test]
    fn one_step_of_a_procedure_requires_no_flag_everywhere() {
        let verify = "Run `git diff --stat` and check that only expected files appear.";
        assert_eq!(verdict(verify, "git diff --cached"), None);
        let format =
            "After editing Markdown files, run `prettier --write <file>` on each changed file.";
        assert_eq!(verdict(format, "prettier --check ."), None);
        let always = "Always use `git commit -s` when committing.";
        assert_eq!(verdict(always, "git commit -m x"), Some(Severity::Block));
        assert_eq!(
            verdict(
                "Inspect the diff and run `git diff --check`.",
                "git diff --stat"
            ),
            None
        );
        assert_eq!(
            verdict(
                "For agents: use `--dry-run` to print the git commands.",
                "git status"
            ),
            None
        );
        assert_eq!(
            verdict(
                "Sign off every commit with `git commit -s`.",
                "git commit -m x"
            ),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict(
                "Sign off every commit with `git commit -s`.",
                "git commit -s -m x"
            ),
            None
        );
    }

    #[test]
    fn what_is_said_is_content_not_an_action() {
        assert_eq!(
            verdict(
                "Never state that `go build` or `go test -race` pass.",
                "go build ./..."
            ),
            None
        );
        assert_eq!(
            verdict(
                "Never state that `go build` or `go test -race` pass.",
                "go test -race ./..."
            ),
            None
        );
    }

    #[test]
    fn keywords_alone_are_partial_objects() {
        let rule = "Don\'t use negation in `if` statements that have `else` clauses.";
        assert_eq!(verdict(rule, "line:src/a.ts:if (x) {"), Some(Severity::Ask));
        assert_eq!(
            verdict(
                "Never add `console.log` calls",
                "line:src/a.ts:console.log(1)"
            ),
            Some(Severity::Block)
        );
    }

    #[test]
    fn committing_named_paths_forbids_staging_them_not_committing() {
        let rule = "Never commit Claude-related files: do not stage or commit `.claude/` or `settings.local.json`.";
        assert_eq!(verdict(rule, "git commit -m fix"), None);
        assert_eq!(
            verdict(rule, "git add -f .claude/settings.json"),
            Some(Severity::Block)
        );
        assert_eq!(
            verdict(rule, "git add src/settings.local.json"),
            Some(Severity::Block)
        );
        assert_eq!(verdict(rule, "git add src/main.rs"), None);
    }

    #[test]
    fn ai_attribution_in_commit_messages() {
        let rule = "Never add Claude as co-author in the commits.";
        let tagged = "git commit -m 'Fix x' -m 'Co-authored-by: Claude <noreply@anthropic.com>'";
        assert_eq!(verdict(rule, tagged), Some(Severity::Block));
        assert_eq!(
            verdict(
                rule,
                "git commit -m 'Fix x' -m 'Co-authored-by: Ann <ann@example.com>'"
            ),
            None
        );
    }

    #[test]
    fn quoted_text_is_forbidden_in_the_messages_the_rule_speaks_of() {
        let pr = "**Pull requests:** Do NOT add \"Generated with Claude Code\" or similar footers";
        let body =
            "gh pr create -t 'fix: x' --body 'Done.\n\nGenerated with [Claude Code](https://x)'";
        assert_eq!(
            verdict(pr, body),
            Some(Severity::Block),
            "markdown between words"
        );
        assert_eq!(verdict(pr, "gh pr create -t 'fix: x' --body 'Done.'"), None);
        assert_eq!(
            verdict(pr, "git commit -m 'Generated with Claude Code'"),
            None,
            "pull requests only"
        );
        let commits = "Do not put \"WIP\" in commit messages.";
        assert_eq!(
            verdict(commits, "git commit -m 'WIP: x'"),
            Some(Severity::Block)
        );
        assert_eq!(verdict(commits, "gh pr create -t 'WIP: x' -b y"), None);
        let neither = "Do not write \"simply\" in the docs.";
        assert_eq!(verdict(neither, "git commit -m 'simply fix'"), None);
    }

    #[test]
    fn a_command_right_after_never_is_the_object_whatever_verb_comes_later() {
        let rule = "Never `git commit` unless I tell you to do it";
        assert_eq!(verdict(rule, "git commit -m 'fix'"), Some(Severity::Block));
        assert_eq!(verdict(rule, "git status"), None);
    }

    #[test]
    fn package_management_forbids_a_given_up_managers_package_commands_only() {
        let rule = "Always use `pnpm` instead of `npm` or `yarn` for package management";
        assert_eq!(verdict(rule, "npm install lodash"), Some(Severity::Block));
        assert_eq!(verdict(rule, "yarn add lodash"), Some(Severity::Block));
        assert_eq!(verdict(rule, "npm uninstall lodash"), Some(Severity::Block));
        assert_eq!(verdict(rule, "npm --version"), None);
        assert_eq!(verdict(rule, "pnpm install"), None);
        let plain = "Always use `pnpm` instead of `npm`";
        assert_eq!(
            verdict(plain, "npm --version"),
            Some(Severity::Block),
            "no purpose: all of npm"
        );
    }

    #[test]
    fn a_purpose_says_why_not_what() {
        let rule = "Avoid using `bind()`, `call()` and `apply()` solely to control `this` or partially apply arguments";
        assert_eq!(
            verdict(rule, "line:src/a.ts:const f = g.bind(this);"),
            Some(Severity::Ask)
        );
        assert_eq!(verdict(rule, "line:src/a.ts:this.count = 1;"), None);
        let matchers = |text: &str| -> Vec<String> {
            compile_sentence(text, &RuleContext::default())
                .map(|c| c.rules.into_iter().flat_map(|r| r.notes).collect())
                .unwrap_or_default()
        };
        for words in [
            "Favor readability over brevity.",
            "Use `pytest.mark.parametrize` for similar cases instead of duplicating the body.",
        ] {
            let notes = matchers(words);
            assert!(
                !notes
                    .iter()
                    .any(|n| n.contains("brevity") || n.contains("duplicating")),
                "{words}: {notes:?}"
            );
        }
    }

    #[test]
    fn relative_clauses_and_circumstances_narrow_nothing_into_a_deny() {
        let prefix = "Write one as an imperative sentence, no `fix:` prefix, which belongs on the commit subject.";
        assert_eq!(verdict(prefix, "git commit -m 'fix: x'"), None);
        let clamp = "Don\'t use `Math.min` to clamp values when the result is constant.";
        assert_eq!(
            verdict(clamp, "line:src/a.ts:Math.min(a, b)"),
            Some(Severity::Ask)
        );
    }
}
