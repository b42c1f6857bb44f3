//! Compiling a rule sentence into matchers.
//!
//! Honest by construction: a matcher is produced only when a recognised structure is found —
//! a concept phrase from `vocabulary.toml`, or a code span that names a command, program,
//! flag, path or piece of code in a clause whose verb says what to do with it. Everything else
//! leaves the anchor semantic-only. Every matcher comes with a note saying which words made it.

use super::spans::{find_spans, Span, SpanKind};
use super::vocabulary::{vocabulary, Vocabulary};
use ctx_engine::anchor::{
    CodeMatcher, CommandMatcher, GitMatcher, GlobList, Matcher, PathMatcher, Polarity, TargetClass,
};
use regex::Regex;
use std::sync::OnceLock;

/// What surrounds a rule sentence in its document.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleContext<'a> {
    /// The sentence before it in the same block, for "Never edit it by hand".
    pub previous: Option<&'a str>,
    /// List items that follow the sentence's block, for "Do not edit these:".
    pub following_items: &'a [String],
    /// The whole block (bullet or paragraph), for commands named nearby.
    pub block: &'a str,
    /// The command on the same line, for comments in code blocks.
    pub code_context: Option<&'a str>,
    /// The directory of a nested instruction file (`web/` for `web/AGENTS.md`), or "".
    pub base_dir: &'a str,
    /// The whole sentence, markdown removed (set by [`compile`]).
    pub sentence: &'a str,
}

/// The result of compiling one rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compiled {
    /// Checkable conditions.
    pub matchers: Vec<Matcher>,
    /// One line per recognised phrase: which words produced which matcher.
    pub notes: Vec<String>,
    /// Scope globs the text itself gives ("in tests", "in `pkg/x.go`").
    pub scope: Vec<String>,
}

impl Compiled {
    fn add(&mut self, matcher: Matcher, why: String) {
        if self.matchers.contains(&matcher) {
            return;
        }
        self.notes.push(format!("{why} → {}", matcher.describe()));
        self.matchers.push(matcher);
    }
}

/// Compiles rule text without document context (as for `ctx anchors add`).
pub fn compile_text(text: &str, polarity: Polarity) -> Compiled {
    compile(text, polarity, &RuleContext::default())
}

/// Compiles a rule sentence with its polarity and context.
pub fn compile(text: &str, polarity: Polarity, ctx: &RuleContext) -> Compiled {
    let vocab = vocabulary();
    let clean = clean_markdown(text);
    let ctx = &RuleContext {
        sentence: &clean,
        ..*ctx
    };
    let mut out = Compiled::default();
    let sentence_lower = clean.to_lowercase();
    let mut current = polarity;
    for (i, clause) in split_clauses(&clean).iter().enumerate() {
        // A later clause without a trigger of its own ("— they are rebuilt by `make gen`")
        // explains; it does not command.
        if i > 0 && !has_own_trigger(clause) {
            continue;
        }
        current = clause_polarity(clause, current);
        compile_clause(clause, current, &sentence_lower, ctx, vocab, &mut out);
    }
    out.scope = text_scope(&clean, &sentence_lower, vocab, &out.matchers, ctx.base_dir);
    out
}

fn compile_clause(
    clause: &str,
    polarity: Polarity,
    sentence: &str,
    ctx: &RuleContext,
    vocab: &Vocabulary,
    out: &mut Compiled,
) {
    let lower = clause.to_lowercase();
    let spans = find_spans(clause, vocab);
    let concept_hit = concepts(&lower, polarity, out, vocab);
    if lower.contains("branch") {
        branch_names(&spans, polarity, out);
    } else {
        paths(clause, &lower, &spans, polarity, ctx, vocab, out);
    }
    commands(clause, &lower, &spans, polarity, ctx, vocab, out);
    flags(clause, &lower, &spans, polarity, ctx, vocab, out);
    alternatives(clause, &lower, &spans, concept_hit, vocab, out);
    if !concept_hit {
        literals(clause, &lower, &spans, polarity, sentence, vocab, out);
    }
    trailers(&lower, &spans, polarity, sentence, out);
    bare_programs(&lower, polarity, vocab, out);
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
        if !in_code && (c == '*' || (c == '_' && is_emphasis_underscore(&chars, i))) {
            continue;
        }
        out.push(c);
    }
    link.replace_all(&out, "$1").trim().to_string()
}

fn is_emphasis_underscore(chars: &[char], i: usize) -> bool {
    let before = i.checked_sub(1).map(|j| chars[j]);
    let after = chars.get(i + 1).copied();
    !(before.is_some_and(char::is_alphanumeric) && after.is_some_and(char::is_alphanumeric))
}

/// Splits a sentence into clauses at `;`, dashes, and before a comma or "and" that starts a new
/// trigger ("ONLY use uv, NEVER pip"; "NEVER update … and ALWAYS use …").
fn split_clauses(text: &str) -> Vec<String> {
    static SPLIT: OnceLock<Regex> = OnceLock::new();
    let re = SPLIT.get_or_init(|| {
        Regex::new(r"(?i)(;\s+|\s+[—–]\s+|\s+-\s+|,\s+(?:and\s+)?|\s+and\s+)(never|always|do not|don't|only|avoid|must|use|not)\b").unwrap()
    });
    let masked = mask_spans(text);
    let mut cuts = Vec::new();
    for m in re.captures_iter(&masked) {
        let sep = m.get(1).unwrap();
        let word = m.get(2).unwrap();
        let hard = sep.as_str().contains(';')
            || sep.as_str().contains('—')
            || sep.as_str().contains('–')
            || sep.as_str().trim() == "-";
        if hard || !matches!(word.as_str().to_lowercase().as_str(), "use" | "not") {
            cuts.push((sep.start(), word.start()));
        }
    }
    // Hard separators followed by anything also split.
    static HARD: OnceLock<Regex> = OnceLock::new();
    let hard = HARD.get_or_init(|| Regex::new(r";\s+|\s+[—–]\s+|\s+-\s+").unwrap());
    for m in hard.find_iter(&masked) {
        if !cuts.iter().any(|(s, _)| *s == m.start()) {
            cuts.push((m.start(), m.end()));
        }
    }
    cuts.sort();
    let mut out = Vec::new();
    let mut start = 0;
    for (sep_start, next_start) in cuts {
        if sep_start >= start {
            out.push(text[start..sep_start].trim().to_string());
            start = next_start;
        }
    }
    out.push(text[start..].trim().to_string());
    out.retain(|c| !c.is_empty());
    out
}

/// Replaces code spans with `x` characters of the same byte length, so regexes over prose
/// ignore what is inside them.
fn mask_spans(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push('`');
        } else if in_code {
            out.extend(std::iter::repeat_n('x', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

fn has_own_trigger(clause: &str) -> bool {
    let lower = clause.to_lowercase();
    super::detect::is_negative(clause)
        || super::detect::is_positive(clause)
        || lower.contains("instead")
        || lower.contains("rather than")
}

fn clause_polarity(clause: &str, inherited: Polarity) -> Polarity {
    let lower = clause.to_lowercase();
    if super::detect::is_negative(clause) {
        Polarity::Never
    } else if lower.contains("instead") || lower.contains("rather than") {
        Polarity::Always
    } else if super::detect::is_positive(clause) {
        if inherited == Polarity::Allowed {
            Polarity::Allowed
        } else {
            Polarity::Always
        }
    } else {
        inherited
    }
}

fn words(lower: &str) -> Vec<&str> {
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// True when a word is an inflection of a verb in the list (use/uses/used/using).
fn has_verb(lower: &str, verbs: &[String]) -> Option<String> {
    let ws = words(lower);
    for v in verbs {
        if v.contains(' ') {
            if lower.contains(v.as_str()) {
                return Some(v.clone());
            }
            continue;
        }
        let stem = v.strip_suffix('e').unwrap_or(v);
        for w in &ws {
            let inflected = *w == v
                || *w == format!("{v}s")
                || *w == format!("{v}d")
                || *w == format!("{v}ed")
                || *w == format!("{v}ing")
                || *w == format!("{stem}ing")
                || *w == format!("{v}es");
            if inflected {
                return Some(w.to_string());
            }
        }
    }
    None
}

fn concepts(lower: &str, polarity: Polarity, out: &mut Compiled, vocab: &Vocabulary) -> bool {
    let mut hit = false;
    for concept in &vocab.concepts {
        let Some(found) = concept.regexes.iter().find_map(|r| r.find(lower)) else {
            continue;
        };
        let list = match polarity {
            Polarity::Always if !concept.always.is_empty() => &concept.always,
            _ if !concept.never.is_empty() => &concept.never,
            _ => &concept.always,
        };
        for matcher in list {
            let matcher = refine_concept(matcher.clone(), lower);
            out.add(
                matcher,
                format!("\"{}\" ({})", found.as_str(), concept.name),
            );
            hit = true;
        }
    }
    hit
}

/// Fills concept matchers with details the clause gives: protected branches for force-push,
/// package names for dependencies.
fn refine_concept(matcher: Matcher, lower: &str) -> Matcher {
    match matcher {
        Matcher::Git(GitMatcher::ForcePush { .. }) => {
            let mut branches: Vec<String> = ["main", "master", "develop", "trunk"]
                .iter()
                .filter(|b| words(lower).contains(b))
                .map(|b| b.to_string())
                .collect();
            if lower.contains("protected") || lower.contains("default branch") {
                branches.extend(["main".to_string(), "master".to_string()]);
            }
            branches.dedup();
            Matcher::Git(GitMatcher::ForcePush { branches })
        }
        Matcher::Dependency(mut d) => {
            static NAMED: OnceLock<Regex> = OnceLock::new();
            let re = NAMED.get_or_init(|| {
                Regex::new(r"\b([a-z][\w.-]*)\s+(dependenc|librar|packages?\b|crates?\b)").unwrap()
            });
            const GENERIC: &[&str] = &[
                "add",
                "adding",
                "introduce",
                "introducing",
                "install",
                "installing",
                "bring",
                "pull",
                "use",
                "using",
                "no",
                "update",
                "upgrade",
                "new",
                "third-party",
                "party",
                "any",
                "external",
                "extra",
                "the",
                "all",
                "optional",
                "dev",
                "runtime",
                "more",
                "additional",
                "unnecessary",
                "other",
                "a",
                "your",
                "these",
                "those",
            ];
            for cap in re.captures_iter(lower) {
                let name = &cap[1];
                if !GENERIC.contains(&name) {
                    d.names.push(name.to_string());
                }
            }
            Matcher::Dependency(d)
        }
        other => other,
    }
}

const PRONOUNS: &[&str] = &[
    "these",
    "them",
    "it",
    "those",
    "this file",
    "these files",
    "the following",
    "that file",
    "such files",
];

fn paths(
    clause: &str,
    lower: &str,
    spans: &[Span],
    polarity: Polarity,
    ctx: &RuleContext,
    vocab: &Vocabulary,
    out: &mut Compiled,
) {
    if polarity == Polarity::Always && !lower.contains("only") {
        return;
    }
    let Some(verb) = has_verb(lower, &vocab.verbs.edit)
        .or_else(|| lower.contains("by hand").then(|| "by hand".to_string()))
    else {
        return;
    };
    let mut globs: Vec<String> = spans
        .iter()
        .filter_map(|s| match &s.kind {
            SpanKind::Path(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    let mut why = format!("\"{verb}\" + paths");
    if globs.is_empty() {
        let ws = words(lower);
        let pronoun = PRONOUNS.iter().find(|p| {
            if p.contains(' ') {
                lower.contains(*p)
            } else {
                ws.contains(p)
            }
        });
        let Some(pronoun) = pronoun else { return };
        globs = sentence_paths(ctx.sentence, clause, vocab);
        if globs.is_empty() {
            globs = referenced_paths(ctx, vocab);
        }
        why = format!("\"{verb} {pronoun}\" (paths named before)");
        if globs.is_empty() {
            return;
        }
        if polarity == Polarity::Always {
            return;
        }
    }
    let globs: Vec<String> = globs
        .iter()
        .map(|g| join_base(ctx.base_dir, &dir_glob(g)))
        .collect();
    if polarity == Polarity::Always {
        only_paths(clause, &globs, out);
        return;
    }
    out.add(Matcher::Path(PathMatcher::new(globs)), why);
}

/// "Only edit pages under `docs/content/dev/`": the sibling directories are off limits.
fn only_paths(clause: &str, globs: &[String], out: &mut Compiled) {
    static ONLY_UNDER: OnceLock<Regex> = OnceLock::new();
    let re = ONLY_UNDER.get_or_init(|| {
        Regex::new(r"(?i)\bonly\b[^`]{0,40}\b(under|in|inside|within)\s+`").unwrap()
    });
    if !re.is_match(clause) {
        return;
    }
    for glob in globs {
        let dir = glob.trim_end_matches("/**").trim_end_matches('/');
        let Some((parent, _)) = dir.rsplit_once('/') else {
            continue;
        };
        let matcher = PathMatcher {
            globs: GlobList::new(vec![format!("{parent}/**")]),
            except: GlobList::new(vec![glob.clone()]),
            ops: Vec::new(),
        };
        out.add(
            Matcher::Path(matcher),
            format!("\"only … under {dir}\" (siblings under {parent}/ are off limits)"),
        );
    }
}

/// Paths a pronoun refers to: the list after an intro, else the sentence before.
fn referenced_paths(ctx: &RuleContext, vocab: &Vocabulary) -> Vec<String> {
    let from_items: Vec<String> = ctx
        .following_items
        .iter()
        .filter(|item| item.trim_start().starts_with('`'))
        .filter_map(|item| find_spans(item, vocab).into_iter().next())
        .filter_map(|s| match s.kind {
            SpanKind::Path(p) => Some(p),
            _ => None,
        })
        .collect();
    if !from_items.is_empty() {
        return from_items;
    }
    ctx.previous
        .map(|prev| {
            find_spans(prev, vocab)
                .into_iter()
                .filter_map(|s| match s.kind {
                    SpanKind::Path(p) => Some(p),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `generated/` and bare directory names become `dir/**`.
fn dir_glob(path: &str) -> String {
    let p = path.trim_start_matches("./");
    if p.ends_with('/') {
        format!("{p}**")
    } else {
        p.to_string()
    }
}

fn join_base(base: &str, glob: &str) -> String {
    if base.is_empty() || glob.starts_with("**") || glob.starts_with('/') {
        glob.trim_start_matches('/').to_string()
    } else {
        format!("{}/{}", base.trim_end_matches('/'), glob)
    }
}

fn branch_names(spans: &[Span], polarity: Polarity, out: &mut Compiled) {
    if polarity != Polarity::Never {
        return;
    }
    let globs: Vec<String> = spans
        .iter()
        .filter(|s| s.text.ends_with('/') || s.text.ends_with("/*"))
        .map(|s| format!("{}*", s.text.trim_end_matches('*')))
        .collect();
    if !globs.is_empty() {
        out.add(
            Matcher::Git(GitMatcher::BranchName {
                forbid: GlobList::new(globs.clone()),
            }),
            format!("\"{}\" + branch", globs.join(", ")),
        );
    }
}

fn commands(
    clause: &str,
    lower: &str,
    spans: &[Span],
    polarity: Polarity,
    ctx: &RuleContext,
    vocab: &Vocabulary,
    out: &mut Compiled,
) {
    let run_verb = has_verb(lower, &vocab.verbs.run);
    for span in spans {
        match (&span.kind, polarity) {
            (SpanKind::Command(words), Polarity::Never | Polarity::Allowed) => {
                if let Ok(m) = CommandMatcher::from_shorthand(&words.join(" ")) {
                    out.add(Matcher::Command(m), format!("`{}`", span.text));
                }
            }
            (SpanKind::Command(words), Polarity::Always)
                if governed_by_requirement(clause, span) =>
            {
                let flags: Vec<String> = words
                    .iter()
                    .filter(|w| w.starts_with('-'))
                    .cloned()
                    .collect();
                if flags.is_empty() {
                    continue;
                }
                let sub: Vec<String> = words[1..]
                    .iter()
                    .take_while(|w| !w.starts_with('-'))
                    .cloned()
                    .collect();
                let mut m = CommandMatcher::programs(&[&words[0]]);
                m.subcommand = sub;
                m.unless_flags = flag_aliases(&flags, vocab);
                out.add(
                    Matcher::Command(m),
                    format!("always `{}` (runs without {})", span.text, flags.join(" ")),
                );
            }
            (SpanKind::Program(p), Polarity::Never) if !in_alternative(clause, span) => {
                let names = vocab.program_names(p);
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                let mut m = CommandMatcher::programs(&refs);
                m.targets = targets(lower, clause, spans);
                out.add(Matcher::Command(m), format!("never `{p}`"));
            }
            (SpanKind::Path(p), Polarity::Never)
                if run_verb.is_some() && p.contains('/') && !lower.contains("branch") =>
            {
                let glob = p.trim_start_matches("./").to_string();
                if glob.contains('*') || glob.contains(".bin") {
                    let m = CommandMatcher::programs(&[&glob]);
                    out.add(
                        Matcher::Command(m),
                        format!("\"{}\" + `{p}`", run_verb.clone().unwrap_or_default()),
                    );
                }
            }
            _ => {}
        }
    }
    let _ = ctx;
}

/// "always use/run/pass/include `X`": the requirement word governs the span.
fn governed_by_requirement(clause: &str, span: &Span) -> bool {
    static GOV: OnceLock<Regex> = OnceLock::new();
    let re = GOV.get_or_init(|| {
        Regex::new(r"(?i)\b(always|must|only)\s+(use|run|pass|include|call|invoke|add)\s*$")
            .unwrap()
    });
    re.is_match(clause[..span.start].trim_end())
}

fn in_alternative(clause: &str, span: &Span) -> bool {
    let before = clause[..span.start].to_lowercase();
    before.trim_end().ends_with("use")
        || before.trim_end().ends_with("through")
        || before.trim_end().ends_with("via")
}

fn targets(lower: &str, _clause: &str, spans: &[Span]) -> Vec<TargetClass> {
    let mut out = Vec::new();
    if spans.iter().any(|s| s.text == "/")
        || lower.contains("from /")
        || lower.contains("root directory")
    {
        out.push(TargetClass::Root);
    }
    if lower.contains("outside the project")
        || lower.contains("outside the repo")
        || lower.contains("outside the working tree")
        || lower.contains("outside the workspace")
    {
        out.push(TargetClass::OutsideRepo);
        out.push(TargetClass::Home);
    }
    if lower.contains("home directory") || spans.iter().any(|s| s.text == "~") {
        out.push(TargetClass::Home);
    }
    out.dedup();
    out
}

fn flag_aliases(flags: &[String], vocab: &Vocabulary) -> Vec<String> {
    let mut out = Vec::new();
    for f in flags {
        let f = f.split('=').next().unwrap_or(f).to_string();
        if let Some(owner) = vocab.flags.get(&f) {
            out.extend(owner.aliases.iter().cloned());
        }
        out.push(f);
    }
    out.sort();
    out.dedup();
    out
}

/// Flags named in a rule: in spans or bare (`never build with --release`).
fn flags(
    clause: &str,
    lower: &str,
    spans: &[Span],
    polarity: Polarity,
    ctx: &RuleContext,
    vocab: &Vocabulary,
    out: &mut Compiled,
) {
    static BARE: OnceLock<Regex> = OnceLock::new();
    let bare = BARE.get_or_init(|| Regex::new(r"(?:^|\s)(--?[a-z][a-z0-9-]+)").unwrap());
    let mut named: Vec<(String, Option<String>)> = spans
        .iter()
        .filter_map(|s| match &s.kind {
            SpanKind::Flag(f, v) => Some((f.clone(), v.clone())),
            _ => None,
        })
        .collect();
    let masked = mask_spans(clause);
    for cap in bare.captures_iter(&masked) {
        named.push((cap[1].to_string(), None));
    }
    if named.is_empty() {
        return;
    }
    let in_command_span = |flag: &str| {
        spans
            .iter()
            .any(|s| matches!(&s.kind, SpanKind::Command(w) if w.iter().any(|x| x == flag)))
    };
    for (flag, value) in named {
        if in_command_span(&flag) {
            continue;
        }
        let Some((programs, sub, from)) = flag_program(&flag, lower, ctx, vocab) else {
            continue;
        };
        let mut m = CommandMatcher::default();
        m.subcommand = sub;
        m.programs = programs;
        match (polarity, value) {
            (Polarity::Never, _) => {
                m.any_flags = flag_aliases(std::slice::from_ref(&flag), vocab);
                out.add(Matcher::Command(m), format!("never {flag} ({from})"));
            }
            (Polarity::Always, Some(value)) if requirement_word(lower) => {
                let name = regex::escape(flag.trim_start_matches('-'));
                m.unless_pattern = Some(format!(
                    r"(^|\s)-{{1,2}}{name}[ =]\S*{}",
                    regex::escape(&value)
                ));
                out.add(
                    Matcher::Command(m),
                    format!("always {flag} {value} ({from})"),
                );
            }
            (Polarity::Always, None) if requirement_word(lower) => {
                m.unless_flags = flag_aliases(std::slice::from_ref(&flag), vocab);
                out.add(Matcher::Command(m), format!("always {flag} ({from})"));
            }
            _ => {}
        }
    }
}

fn requirement_word(lower: &str) -> bool {
    words(lower)
        .iter()
        .any(|w| matches!(*w, "always" | "must" | "required" | "include" | "pass"))
}

/// The program (and subcommand) a flag belongs to: a command on the same code line, a command
/// span in the same block containing the flag, or the vocabulary's flag owner.
fn flag_program(
    flag: &str,
    lower: &str,
    ctx: &RuleContext,
    vocab: &Vocabulary,
) -> Option<(Vec<String>, Vec<String>, String)> {
    let from_words = |words: &[String]| -> (Vec<String>, Vec<String>) {
        let sub: Vec<String> = words[1..]
            .iter()
            .take_while(|w| !w.starts_with('-') && !w.contains('='))
            .cloned()
            .collect();
        (vec![words[0].trim_start_matches("./").to_string()], sub)
    };
    if let Some(code) = ctx.code_context {
        let words: Vec<String> = code
            .split_whitespace()
            .filter(|w| !w.contains('=') || w.starts_with('-'))
            .map(String::from)
            .collect();
        if words.first().is_some_and(|w| vocab.is_program(w)) {
            let (p, s) = from_words(&words);
            return Some((p, s, format!("command on the same line: {code}")));
        }
    }
    for span in find_spans(ctx.block, vocab) {
        if let SpanKind::Command(words) = &span.kind {
            if words.iter().any(|w| w == flag) {
                let (p, s) = from_words(words);
                return Some((p, s, format!("`{}` nearby", span.text)));
            }
        }
    }
    let owner = vocab.flags.get(flag)?;
    let sub = if !owner.subcommand.is_empty() {
        owner.subcommand.clone()
    } else if lower.contains("test") {
        vec!["test".into()]
    } else if lower.contains("build") {
        vec!["build".into()]
    } else {
        Vec::new()
    };
    Some((
        owner.programs.clone(),
        sub,
        format!("{flag} belongs to {}", owner.programs.join("|")),
    ))
}

/// "use X instead of Y", "use X, not Y", "(not Y directly)", "rather than Y".
fn alternatives(
    clause: &str,
    lower: &str,
    spans: &[Span],
    concept_hit: bool,
    vocab: &Vocabulary,
    out: &mut Compiled,
) {
    static ALT: OnceLock<Regex> = OnceLock::new();
    let re = ALT.get_or_init(|| {
        Regex::new(r"(?i)(?:instead of|rather than|,\s*not|\(not|\bnot)\s+(?:adding\s+|using\s+|calling\s+|the\s+)?(`[^`]+`|[a-z][\w.-]*)(\s+directly)?").unwrap()
    });
    for cap in re.captures_iter(clause) {
        let object = cap.get(1).unwrap();
        let text = object.as_str();
        if let Some(inner) = text.strip_prefix('`').and_then(|t| t.strip_suffix('`')) {
            let Some(span) = spans.iter().find(|s| s.text == inner) else {
                continue;
            };
            match &span.kind {
                SpanKind::Program(p) => add_program(p, "instead of", vocab, out),
                SpanKind::Command(words) => {
                    if let Ok(m) = CommandMatcher::from_shorthand(&words.join(" ")) {
                        out.add(Matcher::Command(m), format!("instead of `{inner}`"));
                    }
                }
                SpanKind::Call(c) => out.add(
                    Matcher::Code(CodeMatcher::new(call_pattern(c))),
                    format!("instead of `{c}`"),
                ),
                SpanKind::Literal(l)
                    if l.chars()
                        .any(|c| matches!(c, '.' | '(' | '_' | ':' | '-' | '@' | '#')) =>
                {
                    out.add(
                        Matcher::Code(CodeMatcher::new(literal_pattern(l))),
                        format!("instead of `{l}`"),
                    )
                }
                _ => {}
            }
            continue;
        }
        let word = text.to_lowercase().trim_end_matches('.').to_string();
        if vocab.is_program(&word) {
            add_program(
                &word,
                if cap.get(2).is_some() {
                    "not … directly"
                } else {
                    "not"
                },
                vocab,
                out,
            );
        } else if !concept_hit && is_swap(lower, &word) {
            let pattern = format!(
                r#"^\s*(import\s+{w}\b|from\s+{w}(\.|\s)|use\s+{w}::)|require\(["']{w}["']\)|from\s+["']{w}["']"#,
                w = regex::escape(&word)
            );
            out.add(
                Matcher::Code(CodeMatcher::new(pattern)),
                format!("use …, not {word} (import of {word})"),
            );
        }
    }
    let _ = lower;
}

/// "use anyio, not asyncio": both sides single identifiers.
fn is_swap(lower: &str, other: &str) -> bool {
    static SWAP: OnceLock<Regex> = OnceLock::new();
    let re = SWAP.get_or_init(|| {
        Regex::new(
            r"\buse\s+([a-z][\w.-]*)\s*,?\s*(?:not|instead of|rather than)\s+([a-z][\w.-]*)\b",
        )
        .unwrap()
    });
    re.captures_iter(lower)
        .any(|c| &c[2] == other && c[1].len() > 1)
}

fn add_program(program: &str, why: &str, vocab: &Vocabulary, out: &mut Compiled) {
    let names = vocab.program_names(program);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    out.add(
        Matcher::Command(CommandMatcher::programs(&refs)),
        format!("{why} {program}"),
    );
}

/// Code literals a prohibition names as its object: `%s`, `except Exception:`, `vi.mock()`.
fn literals(
    clause: &str,
    lower: &str,
    spans: &[Span],
    polarity: Polarity,
    sentence: &str,
    vocab: &Vocabulary,
    out: &mut Compiled,
) {
    if polarity != Polarity::Never {
        restricted_uses(clause, spans, out);
        return;
    }
    let direct = words(lower)
        .iter()
        .any(|w| matches!(*w, "forbidden" | "prohibited" | "banned" | "avoid"));
    let Some(verb) =
        has_verb(lower, &vocab.verbs.code).or_else(|| direct.then(|| "forbidden".to_string()))
    else {
        return;
    };
    let cutoff = condition_cutoff(clause);
    let mut patterns = Vec::new();
    for span in spans.iter().filter(|s| s.start < cutoff) {
        if is_descriptor(&clause[span.end..]) || is_preferred(&clause[span.end..]) {
            continue;
        }
        match &span.kind {
            SpanKind::Call(c) => patterns.push(call_pattern(c)),
            SpanKind::Literal(l) => patterns.push(literal_pattern(l)),
            _ => {}
        }
    }
    if patterns.is_empty() {
        return;
    }
    let joined = patterns.join("|");
    out.add(
        Matcher::Code(CodeMatcher::new(joined.clone())),
        format!("\"{verb}\" + code spans"),
    );
    if sentence.contains("commit message") {
        out.add(
            Matcher::Git(GitMatcher::commit_message(Some(joined), None)),
            "\"commit messages\" + code spans".into(),
        );
    }
}

/// A span followed by "not …", "instead of …" or "over …" is the alternative to use.
fn is_preferred(after: &str) -> bool {
    let a = after.trim_start_matches([',', ' ', ')']).to_lowercase();
    ["not ", "instead of", "rather than", "over "]
        .iter()
        .any(|d| a.starts_with(d))
}

/// "Use `vi.mock()` only when dependency injection is not feasible": a use restricted to a
/// condition ctx cannot verify is checked as a prohibition.
fn restricted_uses(clause: &str, spans: &[Span], out: &mut Compiled) {
    for span in spans {
        let before = clause[..span.start].trim_end().to_lowercase();
        let after = clause[span.end..].trim_start().to_lowercase();
        let restricted = before.ends_with("use")
            && (after.starts_with("only when") || after.starts_with("only if"));
        let pattern = match &span.kind {
            SpanKind::Call(c) => call_pattern(c),
            SpanKind::Literal(l) => literal_pattern(l),
            _ => continue,
        };
        if restricted {
            out.add(
                Matcher::Code(CodeMatcher::new(pattern)),
                format!("use `{}` only when … (unverifiable condition)", span.text),
            );
        }
    }
}

/// Path spans of the sentence before this clause ("The files under `x/` are synced — never
/// edit them by hand").
fn sentence_paths(sentence: &str, clause: &str, vocab: &Vocabulary) -> Vec<String> {
    let end = sentence.find(clause).unwrap_or(0);
    find_spans(&sentence[..end], vocab)
        .into_iter()
        .filter_map(|s| match s.kind {
            SpanKind::Path(p) => Some(p),
            _ => None,
        })
        .collect()
}

/// Where conditions start ("where", "unless", "when" …), outside spans.
fn condition_cutoff(clause: &str) -> usize {
    static COND: OnceLock<Regex> = OnceLock::new();
    let re = COND.get_or_init(|| {
        Regex::new(
            r"(?i)\b(where|when|if|unless|except|because|so that|while|until|without|even)\b",
        )
        .unwrap()
    });
    re.find(&mask_spans(clause))
        .map_or(clause.len(), |m| m.start())
}

/// A span followed by "-style", "prefix", "syntax" … describes a kind of thing, not itself.
fn is_descriptor(after: &str) -> bool {
    let a = after.trim_start().to_lowercase();
    [
        "-style",
        "style",
        "prefix",
        "suffix",
        "-like",
        "syntax",
        "-formatted",
        "formatted",
    ]
    .iter()
    .any(|d| a.starts_with(d))
}

/// A regex for a call: its name followed by an opening parenthesis (`.unwrap()` →
/// `\.unwrap\(`), whatever the arguments.
fn call_pattern(call: &str) -> String {
    let name = call.split('(').next().unwrap_or(call);
    let start = if name.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        r"\b"
    } else {
        ""
    };
    format!("{start}{}\\(", regex::escape(name))
}

/// A regex for a literal: escaped, word-bounded where it starts or ends with a word character,
/// ticket-like ids (`LFE-1234`) generalised to any number.
fn literal_pattern(text: &str) -> String {
    static TICKET: OnceLock<Regex> = OnceLock::new();
    let ticket = TICKET.get_or_init(|| Regex::new(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$").unwrap());
    let mut body = regex::escape(text);
    if ticket.is_match(text) && text.chars().any(|c| c.is_ascii_digit()) {
        static DIGITS: OnceLock<Regex> = OnceLock::new();
        body = DIGITS
            .get_or_init(|| Regex::new(r"[0-9]+").unwrap())
            .replace_all(&body, r"\d+")
            .to_string();
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let start = if word(text.chars().next()) { r"\b" } else { "" };
    let end = if word(text.chars().last()) { r"\b" } else { "" };
    format!("{start}{body}{end}")
}

/// "always include a trailer `Co-authored-by: …`" in commit rules.
fn trailers(lower: &str, spans: &[Span], polarity: Polarity, sentence: &str, out: &mut Compiled) {
    if polarity != Polarity::Always || !(sentence.contains("commit") || lower.contains("commit")) {
        return;
    }
    for span in spans {
        if let SpanKind::Trailer(key) = &span.kind {
            let m = GitMatcher::commit_message(None, Some(format!("(?m)^{}:", regex::escape(key))));
            out.add(Matcher::Git(m), format!("commit trailer `{key}:` required"));
        }
    }
}

/// "NEVER pip", "never use npm": a known program right after the prohibition.
fn bare_programs(lower: &str, polarity: Polarity, vocab: &Vocabulary, out: &mut Compiled) {
    if polarity != Polarity::Never {
        return;
    }
    static BARE: OnceLock<Regex> = OnceLock::new();
    let re = BARE.get_or_init(|| {
        Regex::new(r"\b(?:never|not|don't|avoid)\s+(?:use|run|call|invoke|using|running)?\s*([a-z][\w.-]*)\b").unwrap()
    });
    for cap in re.captures_iter(&mask_spans(lower)) {
        let word = &cap[1];
        if vocab.is_program(word)
            && !matches!(word, "find" | "make" | "just" | "sudo" | "kill" | "start")
        {
            add_program(word, "never", vocab, out);
        }
    }
}

/// Scope from the text: test phrases, and "in/under `path`" for rules that are not about paths.
fn text_scope(
    clean: &str,
    lower: &str,
    vocab: &Vocabulary,
    matchers: &[Matcher],
    base_dir: &str,
) -> Vec<String> {
    let mut scope = Vec::new();
    let path_rule = matchers.iter().any(|m| matches!(m, Matcher::Path(_)));
    let file_rule = matchers
        .iter()
        .any(|m| matches!(m, Matcher::Code(_) | Matcher::Dependency(_)));
    if !file_rule || path_rule {
        return scope;
    }
    if vocab.test_regexes.iter().any(|r| r.is_match(lower)) {
        scope.extend(vocab.scopes.test_globs.iter().cloned());
    }
    static LOCATION: OnceLock<Regex> = OnceLock::new();
    let re = LOCATION
        .get_or_init(|| Regex::new(r"(?i)\b(?:in|under|within|inside)\s+`([^`]+)`").unwrap());
    for cap in re.captures_iter(clean) {
        let p = &cap[1];
        if super::spans::is_path(p) {
            scope.push(join_base(base_dir, &dir_glob(p)));
        }
    }
    scope
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(c: &Compiled) -> Vec<&'static str> {
        c.matchers.iter().map(|m| m.kind()).collect()
    }

    #[test]
    fn clauses_split_at_new_triggers() {
        assert_eq!(
            split_clauses("ONLY use uv, NEVER pip"),
            ["ONLY use uv", "NEVER pip"]
        );
        assert_eq!(
            split_clauses("NEVER update all deps and ALWAYS use `cargo update --precise`").len(),
            2
        );
        assert_eq!(
            split_clauses("Do not edit `a - b`"),
            ["Do not edit `a - b`"]
        );
    }

    #[test]
    fn honest_compilation() {
        let c = compile_text("Never force-push to main", Polarity::Never);
        assert_eq!(
            c.matchers,
            vec![Matcher::Git(GitMatcher::ForcePush {
                branches: vec!["main".into()]
            })]
        );
        let c = compile_text("Do not edit files under `generated/`", Polarity::Never);
        assert_eq!(
            c.matchers,
            vec![Matcher::Path(PathMatcher::new(vec!["generated/**".into()]))]
        );
        let c = compile_text("Don't use `unwrap()` in `src/`", Polarity::Never);
        assert_eq!(kinds(&c), ["code"]);
        assert_eq!(c.scope, ["src/**"]);
        let c = compile_text("Never add dependencies without asking", Polarity::Never);
        assert_eq!(kinds(&c), ["dependency"]);
        let c = compile_text("Use `uv`, not pip", Polarity::Always);
        assert_eq!(kinds(&c), ["command"]);
        let c = compile_text("Never commit with --no-verify", Polarity::Never);
        assert!(kinds(&c).contains(&"git"));
        let c = compile_text("Be kind to reviewers and never rush.", Polarity::Never);
        assert!(c.matchers.is_empty(), "{:?}", c.notes);
    }
}
