//! Is a sentence a directive addressed to the reader, and which clauses does it state?
//!
//! A directive opens with a trigger ("Never …", "Do not …", "Always …", "Only …", "Avoid …",
//! "Prefer …"), says what someone must, shall or may (not) do ("Contributors must not …",
//! "Generated files must never be edited", "You may not merge …"), or is an imperative (a
//! sentence opening with a verb in its base form: "Run `make lint` before you push"). A short
//! label may come first ("Tests: …", "FORBIDDEN: `a`, `b`"), and a leading subordinate clause
//! states a condition ("When writing tests, never …"). Everything else describes: "X is never
//! released", "you may not find one that fits", "the pipeline only runs on tags" are not
//! rules, in any file.

use super::concepts::concepts;
use super::lexicon::{lexicon, verb_in, Lexicon};
use super::objects::Masked;
use super::patterns::{patterns, Pattern, Strength, Subject};
use ctx_engine::anchor::Polarity;
use regex::Regex;
use std::sync::OnceLock;

/// One clause of a directive, with its own polarity ("ONLY use uv, NEVER pip" has two).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// The clause's masked, lowercased text, trigger included.
    pub text: String,
    /// Forbids, requires or allows.
    pub polarity: Polarity,
    /// Hard or soft.
    pub strength: Strength,
    /// The pattern that made it a directive (`prohibition`, `imperative`, `obligation-modal` …).
    pub form: String,
}

/// A directive: its clauses, and what comes before the main clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The clauses that command something, in order.
    pub clauses: Vec<Clause>,
    /// A leading condition ("when writing tests"), masked.
    pub condition: Option<String>,
    /// A neutral label before a colon ("tests", "python").
    pub label: Option<String>,
    /// Parts of the sentence that command nothing themselves ("— unless in top-level
    /// handlers"): read for exceptions only.
    pub dropped: Vec<String>,
}

/// Reads a masked sentence as a directive, or `None` when it describes.
pub fn parse(masked: &Masked) -> Option<Directive> {
    if masked.text.trim_end().ends_with('?') {
        // A question ("Have the tests been run on all platforms?") asks; it does not command.
        return None;
    }
    let text = masked
        .text
        .trim()
        .trim_start_matches(['-', '*', '>', '+', '!', ' '])
        .trim_end_matches(['.', '!', ':', ' ']);
    let (mark, text) = marker(text);
    let directive = parse_text(text);
    match mark {
        Some(Polarity::Never) => marked_prohibition(directive, text),
        _ => directive,
    }
}

/// Reads a masked sentence, markers stripped, as a directive.
fn parse_text(text: &str) -> Option<Directive> {
    let (label, rest) = split_label(without_tags(text));
    if let Some(reordered) = fronted_contrast(rest) {
        let mut directive = parse_text(&reordered)?;
        directive.label = label.or(directive.label);
        return Some(directive);
    }
    let (condition, main, first) = match label_directive(label.as_deref(), rest) {
        Some((label_clause, rest)) => (None, rest, label_clause),
        None => match main_clause(rest) {
            Some(found) => found,
            None => return absence_in_values(label.as_deref()?, rest),
        },
    };
    let (clauses, dropped) = split_clauses(main, &first);
    Some(Directive {
        clauses,
        condition,
        label,
        dropped,
    })
}

/// "Indentation: 4 spaces, no tabs": a short label whose values end with "no X" (one to
/// three words after a comma) forbids X; the values before it describe.
fn absence_in_values(label: &str, rest: &str) -> Option<Directive> {
    static NO: OnceLock<Regex> = OnceLock::new();
    let re =
        NO.get_or_init(|| Regex::new(r",\s*(no\s+[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2})$").unwrap());
    if label.split_whitespace().count() > 3 {
        return None;
    }
    let rest = rest.trim();
    let caps = re.captures(rest)?;
    let values = rest[..caps.get(0)?.start()].trim();
    Some(Directive {
        clauses: vec![Clause {
            text: caps[1].to_string(),
            polarity: Polarity::Never,
            strength: Strength::Hard,
            form: "absence".into(),
        }],
        condition: None,
        label: Some(label.to_string()),
        dropped: vec![values.to_string()],
    })
}

/// "Instead of `a()` or `b()` use the following APIs …", "Instead of calling `x()`, use
/// `y()`": a contrast fronted before the directive it qualifies, written in the usual order
/// ("use the following APIs … instead of `a()` or `b()`") so that the relation reads it. Only
/// when the fronted part names an object and what follows is a requirement or an imperative
/// ("Instead of `x`, the scheduler uses …" describes).
fn fronted_contrast(text: &str) -> Option<String> {
    static FRONT: OnceLock<Regex> = OnceLock::new();
    let re = FRONT.get_or_init(|| Regex::new(r"^instead\s+of\s+").unwrap());
    let body = &text[re.find(text)?.end()..];
    // The given-up part ends where a directive opens: try each word boundary in turn.
    for (at, _) in body.match_indices(' ') {
        let (given, rest) = (body[..at].trim_end_matches([',', ' ']), body[at..].trim());
        if !given.contains('§') {
            continue;
        }
        if given.contains([';', ':']) {
            return None;
        }
        let Some(clause) = opening(rest) else {
            continue;
        };
        return (clause.polarity == Polarity::Always).then(|| format!("{rest} instead of {given}"));
    }
    None
}

/// Marks that open an item of a do/don't list: a cross (`❌`, `✗`, `⛔`, `🚫` …) shows what
/// not to do, a check mark (`✅`, `✔`, `✓` …) what to do.
const MARKS: &[(char, Polarity)] = &[
    ('❌', Polarity::Never),
    ('❎', Polarity::Never),
    ('✖', Polarity::Never),
    ('✗', Polarity::Never),
    ('✘', Polarity::Never),
    ('⛔', Polarity::Never),
    ('🚫', Polarity::Never),
    ('🛑', Polarity::Never),
    ('👎', Polarity::Never),
    ('✅', Polarity::Always),
    ('✔', Polarity::Always),
    ('✓', Polarity::Always),
    ('☑', Polarity::Always),
    ('👍', Polarity::Always),
];

/// Marks that open the middle item of a do/ask/don't list ("⚠️ **Ask first:** …"): they
/// say nothing themselves, the label after them does.
const CAUTION_MARKS: &[char] = &['⚠'];

/// The do/don't mark a text opens with, and the text after it ("❌ Don't bypass hooks" →
/// (never, "Don't bypass hooks")).
fn marker(text: &str) -> (Option<Polarity>, &str) {
    let Some(first) = text.chars().next() else {
        return (None, text);
    };
    let polarity = match MARKS.iter().find(|(m, _)| *m == first) {
        Some(&(_, polarity)) => Some(polarity),
        None if CAUTION_MARKS.contains(&first) => None,
        None => return (None, text),
    };
    let rest = text[first.len_utf8()..]
        .trim_start_matches(['\u{fe0f}', ' ', '*', '_', ':', '-', '—', '–'])
        .trim_start();
    (polarity, rest)
}

/// True when a text without a verb of its own names what someone could do: an object
/// ("`git push --force`") or an action in its -ing form ("Using `any`", "Skipping tests").
fn names_an_action_or_object(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("");
    text.contains('§') || first.len() > 4 && first.ends_with("ing")
}

/// The do/don't mark a cleaned text opens with: never for a cross, always for a check mark.
pub fn mark(text: &str) -> Option<Polarity> {
    marker(text.trim()).0
}

/// True when `text` (a list's lead-in, its colon dropped) is a label that forbids what its
/// items name, a mark aside: "Bad", "❌ Wrong", "Anti-patterns", "Forbidden".
pub fn is_prohibition_label(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    let (_, rest) = marker(&lower);
    rest.split_whitespace().count() <= 3
        && label_pattern(rest).is_some_and(|p| p.polarity() == Polarity::Never)
}

/// The form of a clause under an "Ask first:" label (`patterns.toml`): the document allows
/// its action once someone approves it.
pub const APPROVAL_LABEL: &str = "approval-label";

/// True when `text` (a lead-in or heading, its colon dropped) is the label of a permission
/// list's middle tier, a mark aside: "Ask first", "⚠️ Ask before", "Requires approval".
pub fn is_approval_label(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    let (_, rest) = marker(&lower);
    label_pattern(rest).is_some_and(|p| p.name == APPROVAL_LABEL)
}

/// What a cross-marked text forbids: a prohibition as written; an imperative ("❌ Use
/// `npm`") or a bare action or object ("❌ Using `any`", "❌ `git push --force`") as its
/// prohibition. A marked description ("❌ Windows is not supported") or a bare label ("❌ BAD -
/// too long") states no rule.
fn marked_prohibition(directive: Option<Directive>, text: &str) -> Option<Directive> {
    match directive {
        Some(d) if d.clauses.first()?.polarity == Polarity::Never => Some(d),
        Some(d) if d.clauses.first()?.form == "imperative" && d.label.is_none() => {
            parse_text(&format!("never {text}"))
        }
        Some(d) => Some(d),
        None if names_an_action_or_object(text) && !has_finite_verb(text) => {
            parse_text(&format!("never {text}"))
        }
        None => None,
    }
}

/// The condition, the main clause and its opening of a sentence after its label: the clause
/// the sentence opens with (after a leading condition), else a prohibition in a later clause.
fn main_clause(rest: &str) -> Option<(Option<String>, &str, Clause)> {
    let (condition, main) = split_condition(rest);
    if let Some(first) = opening(main) {
        return Some((condition, main, first));
    }
    let tail = trailing_prohibition(main).or_else(|| directive_after_dash(main))?;
    Some((None, tail, opening(tail)?))
}

/// A hard directive after a dash or semicolon that ends a describing clause ("`X` is
/// enabled — all warnings must be resolved", "The project uses `golangci-lint`; fix its
/// findings rather than suppressing them"). What comes before must be a clause with a verb:
/// after a bare term ("`make test` - run the tests", "`storage/` - release backends") the
/// dash introduces a description. Soft advice and permissions there stay prose.
fn directive_after_dash(text: &str) -> Option<&str> {
    static DASH: OnceLock<Regex> = OnceLock::new();
    let re = DASH.get_or_init(|| Regex::new(r"(?:\s[—–-]|—|;)\s+(\S.*)$").unwrap());
    let caps = re.captures(text)?;
    let tail = caps.get(1)?.as_str().trim_end();
    if !has_finite_verb(&text[..caps.get(0)?.start()]) {
        return None;
    }
    let clause = opening(tail)?;
    let hard = clause.strength == Strength::Hard && clause.polarity != Polarity::Allowed;
    hard.then_some(tail)
}

/// True when `text` states something: an auxiliary ("is", "are", "can" …) or a verb in its
/// third-person form ("uses", "requires").
fn has_finite_verb(text: &str) -> bool {
    const AUXILIARIES: &[&str] = &[
        "is", "are", "was", "were", "has", "have", "had", "can", "could", "will", "would", "may",
        "might", "must", "should", "does", "do",
    ];
    let lex = lexicon();
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .any(|w| {
            AUXILIARIES.contains(&w)
                || w.len() > 3
                    && w.ends_with('s')
                    && verb_in(&lex.verbs.imperative, w).is_some_and(|base| base != w)
        })
}

/// The text after leading bracketed tags ("[HARD GATE] Run …" → "Run …").
fn without_tags(text: &str) -> &str {
    static TAGS: OnceLock<Regex> = OnceLock::new();
    let re = TAGS.get_or_init(|| Regex::new(r"^(?:\[[^\]§]{1,30}\]\s*)+").unwrap());
    re.find(text).map_or(text, |m| &text[m.end()..])
}

/// "Tests: …" → (`tests`, rest). Labels are short and hold no object and no verb phrase, or
/// come before a directive of their own ("Note: never …", "Builds — never …"). A trigger
/// label needs no colon when an object follows it ("FORBIDDEN `x` …").
fn split_label(text: &str) -> (Option<String>, &str) {
    static LABEL: OnceLock<Regex> = OnceLock::new();
    static BARE: OnceLock<Regex> = OnceLock::new();
    static DASHED: OnceLock<Regex> = OnceLock::new();
    let re = LABEL
        .get_or_init(|| Regex::new(r"^((?:§\d+§[\s,]*)+|[^:§]{1,40}?)\s*:\s+(\S.*)$").unwrap());
    let bare = BARE.get_or_init(|| Regex::new(r"^([a-z][a-z ']{1,20}?)\s+(§.*)$").unwrap());
    if let Some(c) = bare.captures(text) {
        if label_pattern(&c[1]).is_some() && opening(text).is_none() {
            return label_and_rest(text, &c);
        }
    }
    let short_label = |c: &regex::Captures| {
        c[1].split_whitespace().count() <= 5
            && (opening(&c[1]).is_none() || opening(&c[2]).is_some())
    };
    let dashed = DASHED.get_or_init(|| Regex::new(r"^([^:§—–]{1,40}?)\s+[—–-]\s+(\S.*)$").unwrap());
    if let Some(c) = dashed.captures(text) {
        if c[1].split_whitespace().count() <= 5
            && opening(&c[1]).is_none()
            && opening(&c[2]).is_some()
        {
            return label_and_rest(text, &c);
        }
    }
    if let Some(c) = dashed_object_label(text) {
        return label_and_rest(text, &c);
    }
    match re.captures(text) {
        Some(c) if prohibition_with_its_list(&c[1], &c[2]) => (None, text),
        Some(c) if short_label(&c) || label_pattern(&c[1]).is_some() => label_and_rest(text, &c),
        _ => (None, text),
    }
}

/// "Do not commit runtime artifacts: `dump.rdb`, `nodes.conf`": a prohibition with its own
/// verb before a colon, and after it the list of what it forbids (no directive of its own).
/// The sentence is one clause, its verb the lead-in's, not a label over a bare list.
fn prohibition_with_its_list(lead: &str, rest: &str) -> bool {
    let Some(trigger) = label_pattern(lead).and_then(|p| p.regex().find(lead.trim())) else {
        return false;
    };
    let after = &lead.trim()[trigger.end()..];
    let verb = after
        .split_whitespace()
        .next()
        .is_some_and(|w| verb_in(&lexicon().verbs.imperative, w) == Some(w));
    verb && opening(rest).is_none()
}

/// "**Missing `RESTRICT_ON_SEND`** — always define this when using `on_send`": a short label
/// naming code before a dash, then a hard requirement (a bare imperative there says what the
/// named thing does: "`make test` - run the tests"; prohibitions after a dash are read by
/// [`trailing_prohibition`]).
fn dashed_object_label(text: &str) -> Option<regex::Captures<'_>> {
    static DASHED_OBJECT: OnceLock<Regex> = OnceLock::new();
    let re = DASHED_OBJECT
        .get_or_init(|| Regex::new(r"^([^:—–]{1,60}?§[^:—–]{0,40}?)\s+[—–-]\s+(\S.*)$").unwrap());
    let c = re.captures(text)?;
    let label = &c[1];
    if label.split_whitespace().count() > 6 || opening(label).is_some() || has_finite_verb(label) {
        return None;
    }
    let rest = opening(&c[2])?;
    let required = rest.polarity == Polarity::Always
        && rest.strength == Strength::Hard
        && rest.form != "imperative";
    required.then_some(c)
}

/// The label a label regex captured (group 1) and the text after it (group 2).
fn label_and_rest<'t>(text: &'t str, c: &regex::Captures) -> (Option<String>, &'t str) {
    let rest = c.get(2).expect("label regexes capture the rest as group 2");
    (Some(c[1].trim().to_string()), &text[rest.start()..])
}

fn label_pattern(label: &str) -> Option<&'static Pattern> {
    patterns()
        .label
        .iter()
        .find(|p| p.regex().is_match(label.trim()))
}

/// A label that is itself a trigger ("FORBIDDEN: `x`, `y`") gives the polarity of what
/// follows when that is not a directive of its own.
fn label_directive<'a>(label: Option<&str>, rest: &'a str) -> Option<(Clause, &'a str)> {
    let label = label?;
    let pattern = label_pattern(label)?;
    if let Some(own) = opening(rest) {
        // "Don't: Run `x`", "Bad: use `npm`": a label that is only a prohibition forbids the
        // action the rest names ("Don't block async tasks: use `x`" says what to do instead).
        let bare = pattern
            .regex()
            .find(label.trim())
            .is_some_and(|m| m.end() == label.trim().len());
        let forbids = bare
            && pattern.polarity() == Polarity::Never
            && own.form == "imperative"
            && own.polarity == Polarity::Always;
        if !forbids {
            return None;
        }
        return Some((
            Clause {
                text: rest.to_string(),
                polarity: Polarity::Never,
                strength: pattern.strength(),
                form: pattern.name.clone(),
            },
            rest,
        ));
    }
    Some((
        Clause {
            text: rest.to_string(),
            polarity: pattern.polarity(),
            strength: pattern.strength(),
            form: pattern.name.clone(),
        },
        rest,
    ))
}

/// A hard prohibition in a later clause of a sentence that opens by describing ("`x` - shared
/// types - deprecated, never modify this package", "… a flat layout (do not re-introduce
/// `src/<p>Main/`)", "explicit `self` is intentional—do not remove"): the clause after a
/// comma, semicolon, dash (spaced or not) or opening parenthesis that
/// opens with "never", "do not", "don't" or "must not" and an action verb, up to the closing
/// parenthesis when a parenthesis opened it.
fn trailing_prohibition(text: &str) -> Option<&str> {
    static TAIL: OnceLock<Regex> = OnceLock::new();
    let re = TAIL.get_or_init(|| {
        Regex::new(r"(,|;|\s[-—–]\s|[—–]|\()\s*((?:never|do\s+not|don\x27t|must\s+not)\s+(\S+).*)$")
            .unwrap()
    });
    let caps = re.captures(text)?;
    let verb = caps[3].strip_prefix("re-").unwrap_or(&caps[3]);
    if !is_verb_word(verb, lexicon()) {
        return None;
    }
    let clause = caps.get(2)?.as_str();
    let clause = match &caps[1] {
        "(" => clause.split(')').next().unwrap_or(clause),
        _ => clause,
    };
    Some(clause.trim_end())
}

/// "When writing tests, never …", "Based on past reviews, avoid …" → (condition, main
/// clause); only when the main clause is a directive ("In general, X is Y" keeps its whole text).
fn split_condition(text: &str) -> (Option<String>, &str) {
    static COND: OnceLock<Regex> = OnceLock::new();
    let re = COND.get_or_init(|| {
        Regex::new(r"^((?:when|whenever|if|before|after|while|once|during|for|in|on|within|inside|under|to|unless|outside|based\s+on|according\s+to|as\s+per|per|given)\b[^,:;]{1,120}?)[,:]\s+(\S.*)$").unwrap()
    });
    if let Some(c) = re.captures(text) {
        let main = c.get(2).unwrap();
        if opening(main.as_str()).is_some() {
            return (Some(c[1].to_string()), &text[main.start()..]);
        }
    }
    (None, text)
}

/// "Only use `uv`", "only maintainers may merge": a verb right after "only", or a modal
/// later. "Only a non-local miss publishes metadata" describes.
fn restricts_an_action(text: &str) -> bool {
    static MODAL: OnceLock<Regex> = OnceLock::new();
    let modal = MODAL.get_or_init(|| {
        Regex::new(r"\b(?:may|can|must|should|shall|is\s+allowed|are\s+allowed|is\s+permitted|are\s+permitted)\b").unwrap()
    });
    let lex = lexicon();
    let after = text
        .trim_start_matches("please ")
        .trim_start_matches("only")
        .split_whitespace()
        .find(|w| !matches!(*w, "ever" | "ever,"));
    after.is_some_and(|w| is_verb_word(w, lex)) || modal.is_match(text)
}

/// An imperative of the lexicon or an action verb ("modify", "introduce").
fn is_verb_word(word: &str, lex: &Lexicon) -> bool {
    Lexicon::is_verb(&lex.verbs.imperative, word) || is_action_verb(word, lex)
}

/// The directive form a clause opens with, if any.
pub fn opening(text: &str) -> Option<Clause> {
    let text = text.trim();
    let p = patterns();
    if let Some(pattern) = p.directive.iter().find(|d| d.regex().is_match(text)) {
        if pattern.name == "restriction" && !restricts_an_action(text) {
            return None;
        }
        return Some(clause(pattern, text, negated_requirement(text)));
    }
    if let Some(clause) = modal(text) {
        return Some(clause);
    }
    imperative(text)
}

/// The clause a matched opening or modal pattern gives; a requirement stated negatively
/// (`negated`: "make sure not to …") forbids.
fn clause(pattern: &Pattern, text: &str, negated: bool) -> Clause {
    let mut polarity = pattern.polarity();
    if polarity == Polarity::Always && negated {
        polarity = Polarity::Never;
    }
    Clause {
        text: text.to_string(),
        polarity,
        strength: pattern.strength(),
        form: pattern.name.clone(),
    }
}

/// "Make sure not to …", "always avoid …": a requirement that forbids.
fn negated_requirement(text: &str) -> bool {
    static NEG: OnceLock<Regex> = OnceLock::new();
    let re = NEG.get_or_init(|| {
        Regex::new(r"^(?:please\s+)?(?:always|must|make\s+sure|be\s+sure|ensure|remember)\b(?:\s+\w+){0,2}?\s+(?:not|never|avoid|no)\b").unwrap()
    });
    re.is_match(text)
}

fn modal(text: &str) -> Option<Clause> {
    let lex = lexicon();
    for pattern in &patterns().modal {
        let Some(caps) = pattern.regex().captures(text) else {
            continue;
        };
        let subject = caps.name("subject").map_or("", |m| m.as_str()).trim();
        let wanted = pattern.subject.unwrap_or(Subject::Any);
        if !subject_fits(subject, wanted, lex)
            || wanted == Subject::Concept && !names_a_required_practice(text)
        {
            continue;
        }
        if let Some(verb) = caps.name("verb") {
            if !is_action_verb(verb.as_str(), lex) {
                continue;
            }
        }
        return Some(clause(pattern, text, negated_modal(text)));
    }
    None
}

/// True when a concept that can be required finds its phrase in the clause.
fn names_a_required_practice(text: &str) -> bool {
    concepts()
        .iter()
        .any(|c| !c.matchers(Polarity::Always).is_empty() && c.find(text).is_some())
}

/// "You must never …", "tests should not …" read as prohibitions even through an obligation
/// modal pattern.
fn negated_modal(text: &str) -> bool {
    static NEG: OnceLock<Regex> = OnceLock::new();
    let re = NEG.get_or_init(|| {
        Regex::new(
            r"\b(?:must|shall|should|need\s+to|have\s+to)\s+(?:always\s+)?(?:never|not|avoid)\b",
        )
        .unwrap()
    });
    re.is_match(text)
}

/// Whether a modal's subject is one the pattern accepts. `Any` takes an artifact or the
/// reader but not a descriptive subject built around a verb ("the script that runs …").
fn subject_fits(subject: &str, wanted: Subject, lex: &Lexicon) -> bool {
    let words: Vec<&str> = subject.split_whitespace().collect();
    let Some(head) = words.last() else {
        return false;
    };
    let head = head.trim_matches(|c: char| !c.is_alphanumeric());
    let reader = lex.subjects.reader.iter().any(|r| r == head)
        || words
            .iter()
            .any(|w| matches!(*w, "you" | "agents" | "agent" | "ai"));
    match wanted {
        Subject::Reader => reader,
        Subject::Any | Subject::Concept => {
            reader
                || !words.iter().any(|w| {
                    matches!(
                        *w,
                        "that" | "which" | "who" | "when" | "if" | "because" | "while"
                    )
                })
        }
    }
}

/// A verb naming something the reader does to the project (edit, run, commit, add …), as
/// opposed to one that describes what they may find or see.
fn is_action_verb(verb: &str, lex: &Lexicon) -> bool {
    const GIT: &[&str] = &[
        "commit",
        "push",
        "merge",
        "rebase",
        "amend",
        "publish",
        "release",
        "deploy",
        "squash",
        "tag",
        "skip",
        "bypass",
        "disable",
        "rename",
        "move",
        "uninstall",
        "force-push",
    ];
    let v = &lex.verbs;
    [&v.run, &v.edit, &v.create, &v.delete, &v.code, &v.depend]
        .iter()
        .any(|list| verb_in(list, verb).is_some())
        || GIT.contains(&verb)
}

/// "Run `make lint` before you push": a clause opening with a base-form verb, unless the next
/// word shows that verb was a noun ("Test files live in …").
fn imperative(text: &str) -> Option<Clause> {
    let lex = lexicon();
    let mut words = text.split_whitespace().skip_while(|w| *w == "please");
    let first = words.next()?;
    if !Lexicon::is_verb(&lex.verbs.imperative, first) {
        return None;
    }
    // A verb alone ("Extract", a label) commands nothing.
    let next = words.next()?;
    if Lexicon::is_verb(&lex.verbs.noun_followers, next) && !verb_then_place(words, lex) {
        return None;
    }
    let (polarity, strength) = match first {
        "avoid" | "refrain" => (Polarity::Never, Strength::Soft),
        "prefer" | "consider" | "try" | "favor" | "favour" => (Polarity::Always, Strength::Soft),
        _ => (Polarity::Always, Strength::Hard),
    };
    Some(Clause {
        text: text.to_string(),
        polarity,
        strength,
        form: "imperative".into(),
    })
}

/// After "Run commands", "Build scripts": true when a place or means follows ("… from inside
/// the project directory", "… with `make`") and no verb comes later, so the first word
/// commands ("Run commands from `app/`") rather than naming a kind of thing ("Build
/// scripts in `ci/` use bash").
fn verb_then_place<'w>(mut rest: impl Iterator<Item = &'w str>, lex: &Lexicon) -> bool {
    const PLACE: &[&str] = &[
        "from", "inside", "within", "with", "using", "via", "through", "in",
    ];
    if !rest.next().is_some_and(|w| PLACE.contains(&w)) {
        return false;
    }
    !rest.any(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        Lexicon::is_verb(&lex.verbs.imperative, w) || has_finite_verb(w)
    })
}

/// Splits a main clause where a new trigger starts ("ONLY use uv, NEVER pip"; "Don't edit
/// it directly, regenerate with `x`"; "do X; never Y"). A later part without a trigger of its
/// own explains ("— that wastes time") and is dropped. A prohibition's negation carries over
/// "or" to the verb phrase after it ("Never run `npm install` or create
/// `package-lock.json`": never create it either).
fn split_clauses(text: &str, first: &Clause) -> (Vec<Clause>, Vec<String>) {
    static SPLIT: OnceLock<Regex> = OnceLock::new();
    let re = SPLIT.get_or_init(|| {
        Regex::new(
            r"\s*(?:;|\s[—–]\s|\s-\s|,\s+(?:and\s+|but\s+|or\s+|nor\s+)?|\s+(?:and|but|or|nor)\s+)\s*",
        )
        .unwrap()
    });
    let label_led = is_tier_label(&first.form);
    // (start, end, whether "or" / "nor" joins the part to the one before, whether it is an
    // item of a tier label's list)
    let mut parts: Vec<(usize, usize, bool, bool)> = Vec::new();
    let mut start = 0;
    let mut joined_by_or = false;
    let mut listed = false;
    for m in re.find_iter(text) {
        let next = &text[m.end()..];
        let sep = m.as_str();
        let hard = sep.contains([';', '—', '–']) || sep.trim() == "-";
        let or = sep.split([' ', ',']).any(|w| w == "or" || w == "nor");
        let bare_or = or && !sep.contains(',');
        // A bare "or" splits only verb phrases that each name an object ("run `x` or create
        // `y`"), never a list of verbs sharing one ("edit or delete `x`").
        let item = label_led && !bare_or && sep.contains(',') && starts_listed_clause(next);
        let splits = match bare_or {
            true => text[start..m.start()].contains('§') && starts_new_clause(next),
            false => hard || starts_new_clause(next) || item,
        };
        if splits {
            parts.push((start, m.start(), joined_by_or, listed));
            start = m.end();
            joined_by_or = or;
            listed = item && !hard;
        }
    }
    parts.push((start, text.len(), joined_by_or, listed));
    let first_text = text[parts[0].0..parts[0].1].trim();
    let mut clauses = vec![Clause {
        text: match label_led {
            true => as_imperative(first_text),
            false => first_text.to_string(),
        },
        ..first.clone()
    }];
    let mut dropped = Vec::new();
    for &(s, e, or, listed) in &parts[1..] {
        let part = text[s..e].trim();
        if listed && opening(part).is_none_or(|c| c.form == "imperative") {
            clauses.push(Clause {
                text: as_imperative(part),
                ..first.clone()
            });
            continue;
        }
        match opening(part) {
            Some(clause)
                if or && clause.form == "imperative" && first.polarity == Polarity::Never =>
            {
                clauses.push(Clause {
                    text: format!("never {part}"),
                    ..first.clone()
                })
            }
            Some(clause) => clauses.push(clause),
            None => dropped.push(part.to_string()),
        }
    }
    clauses.retain(|c| !c.text.is_empty());
    (clauses, dropped)
}

/// True for the form of a clause a tier label gives ("Never: …", "Ask first: …"): the items
/// after the label are each a clause with the label's force.
fn is_tier_label(form: &str) -> bool {
    patterns().label.iter().any(|p| p.name == form)
}

/// True when an item after a comma in a tier label's list opens a clause of its own: an
/// imperative ("edit `vendor/`", "run tests") or its -ing form ("adding dependencies"). A
/// noun ("Write to `src/`, `tests/`") continues the item before it.
fn starts_listed_clause(next: &str) -> bool {
    let first = next.split_whitespace().next().unwrap_or("");
    verb_in(&lexicon().verbs.imperative, first).is_some_and(|base| {
        first == base || first.ends_with("ing") && !matches!(base, "be" | "have" | "let" | "see")
    })
}

/// A listed item as an imperative clause: its leading -ing form becomes the verb's base form
/// ("adding dependencies" → "add dependencies"); anything else is kept.
fn as_imperative(item: &str) -> String {
    let mut words = item.splitn(2, ' ');
    let first = words.next().unwrap_or("");
    let rest = words.next().unwrap_or("");
    match verb_in(&lexicon().verbs.imperative, first) {
        Some(base) if first.ends_with("ing") && base != first => {
            format!("{base} {rest}").trim_end().to_string()
        }
        _ => item.to_string(),
    }
}

/// True when the text after a comma or "and" opens a clause of its own: a trigger, or an
/// imperative that names an object ("regenerate with `x`").
fn starts_new_clause(next: &str) -> bool {
    let lex = lexicon();
    let first = next.split_whitespace().next().unwrap_or("");
    patterns()
        .directive
        .iter()
        .any(|d| d.regex().is_match(next))
        || Lexicon::is_verb(&lex.verbs.imperative, first)
            && next.contains('§')
            && !matches!(first, "be" | "have" | "let" | "see" | "note")
}

#[cfg(test)]
mod tests {
    use super::super::objects::mask;
    use super::*;

    fn read(s: &str) -> Option<Directive> {
        parse(&mask(s))
    }

    impl Directive {
        fn polarity(&self) -> Polarity {
            self.clauses[0].polarity
        }

        fn strength(&self) -> Strength {
            self.clauses[0].strength
        }
    }

    #[test]
    fn directives_in_every_form() {
        let cases: &[(&str, Polarity, Strength)] = &[
            ("NEVER use pip", Polarity::Never, Strength::Hard),
            (
                "Do not run `python` or `pip` directly.",
                Polarity::Never,
                Strength::Hard,
            ),
            (
                "Avoid `T.must` where possible",
                Polarity::Never,
                Strength::Soft,
            ),
            ("Always pass `--frozen`", Polarity::Always, Strength::Hard),
            (
                "Only edit pages under `docs/dev/`",
                Polarity::Always,
                Strength::Hard,
            ),
            (
                "Prefer `require` over `assert`",
                Polarity::Always,
                Strength::Soft,
            ),
            (
                "Contributors must not modify `vendor/`.",
                Polarity::Never,
                Strength::Hard,
            ),
            (
                "Generated files must never be edited by hand.",
                Polarity::Never,
                Strength::Hard,
            ),
            (
                "You may not merge your own pull requests.",
                Polarity::Never,
                Strength::Hard,
            ),
            (
                "Tests should not touch the network.",
                Polarity::Never,
                Strength::Soft,
            ),
            (
                "All tests must pass before you commit.",
                Polarity::Always,
                Strength::Hard,
            ),
            (
                "Run `make lint` before you push.",
                Polarity::Always,
                Strength::Hard,
            ),
            (
                "You may edit files under `docs/`.",
                Polarity::Allowed,
                Strength::Hard,
            ),
            (
                "Make sure not to commit `.env`.",
                Polarity::Never,
                Strength::Hard,
            ),
            (
                "No `print` statements in library code.",
                Polarity::Never,
                Strength::Hard,
            ),
        ];
        for (s, polarity, strength) in cases {
            let d = read(s).unwrap_or_else(|| panic!("{s} is a directive"));
            assert_eq!(d.polarity(), *polarity, "{s}");
            assert_eq!(d.strength(), *strength, "{s}");
        }
    }

    #[test]
    fn a_later_clause_can_prohibit() {
        let d = read("`packages/types/` - shared type definitions - this is deprecated, never modify this package").unwrap();
        assert_eq!(d.polarity(), Polarity::Never);
        assert_eq!(d.clauses[0].text, "never modify this package");
        let d = read("Sources use a flat layout (do not re-introduce `src/<platform>Main/...`).")
            .unwrap();
        assert_eq!(d.clauses[0].text, "do not re-introduce §0§");
        assert!(read("The cache is rebuilt on demand, never on startup.").is_none());
        assert!(read("It is fast, never slow.").is_none());
    }

    #[test]
    fn a_requirement_after_a_label_naming_code_is_the_rule() {
        let d = read("Missing `RESTRICT_ON_SEND` — always define this when using `on_send`.")
            .expect("a directive");
        assert_eq!(d.label.as_deref(), Some("missing §0§"));
        assert_eq!(d.polarity(), Polarity::Always);
        assert!(
            read("`make test` - run the tests").is_none_or(|d| d.label.is_none()),
            "an imperative after a bare term says what it does"
        );
    }

    #[test]
    fn a_hard_directive_after_a_dash_is_the_rule() {
        let d = read("`TreatWarningsAsErrors` is enabled — all warnings must be resolved").unwrap();
        assert_eq!(d.polarity(), Polarity::Always);
        assert_eq!(d.clauses[0].text, "all warnings must be resolved");
        let d = read("The project uses `golangci-lint` with strict rules — fix linter findings rather than suppressing them.").unwrap();
        assert!(d.clauses[0].text.starts_with("fix linter findings"));
        let d = read("The schema lives in one file; never edit the generated copy.").unwrap();
        assert_eq!(d.polarity(), Polarity::Never);
        assert!(read(
            "The release build takes a long time on CI runners — consider using the cache."
        )
        .is_none());
        assert!(read("The parser in this crate is fast - it handles large files well.").is_none());
        assert!(read("`make build` - build the Go binary only").is_none());
        assert!(read("`storage/` - release backends (secrets, config maps)").is_none());
    }

    #[test]
    fn a_cross_marks_what_not_to_do_and_a_check_mark_what_to_do() {
        for s in [
            "❌ Don't bypass pre-commit hooks",
            "✗ Use `npm install`",
            "🚫 `git push --force`",
            "⛔ Using `any` in public APIs",
            "✘ Never edit `gen/`",
            "❌ Bad: use `var`",
        ] {
            let d = read(s).unwrap_or_else(|| panic!("{s} is a directive"));
            assert_eq!(d.polarity(), Polarity::Never, "{s}: {d:?}");
            assert_eq!(d.strength(), Strength::Hard, "{s}");
        }
        for s in [
            "✅ Run `make lint` before committing",
            "✔️ Use `pnpm install`",
            "✓ Always pass `--frozen`",
        ] {
            let d = read(s).unwrap_or_else(|| panic!("{s} is a directive"));
            assert_eq!(d.polarity(), Polarity::Always, "{s}");
        }
        for s in [
            "❌ Windows is not supported",
            "❌ BAD - PR-specific context",
            "✅ Linux",
            "✅ `make test`",
            "❌",
        ] {
            assert!(read(s).is_none(), "{s} states no rule: {:?}", read(s));
        }
    }

    #[test]
    fn a_label_that_only_forbids_negates_the_action_after_it() {
        for s in [
            "Don't: run `make deploy`",
            "Bad: use `var`",
            "Wrong: call `eval`",
        ] {
            let d = read(s).unwrap_or_else(|| panic!("{s} is a directive"));
            assert_eq!(d.polarity(), Polarity::Never, "{s}");
        }
        for s in [
            "Don't Block Async Tasks: use `spawn_blocking` for CPU-bound work",
            "Avoid allocations in hot paths: use references",
            "Tests: run `make test`",
        ] {
            let d = read(s).unwrap_or_else(|| panic!("{s} is a directive"));
            assert_eq!(
                d.polarity(),
                Polarity::Always,
                "{s}: the rest says what to do"
            );
        }
    }

    #[test]
    fn each_item_of_a_tier_labels_list_is_a_clause_with_its_force() {
        let texts = |d: &Directive| d.clauses.iter().map(|c| c.text.clone()).collect::<Vec<_>>();
        let d =
            read("Never: Commit secrets or API keys, edit `node_modules/` or `vendor/`").unwrap();
        assert_eq!(texts(&d), ["commit secrets or api keys", "edit §0§ or §1§"]);
        assert!(
            d.clauses.iter().all(|c| c.polarity == Polarity::Never),
            "{d:?}"
        );
        for s in [
            "Ask first: adding dependencies, modifying CI, changing public APIs, large refactors.",
            "⚠️ Ask first: adding dependencies, modifying CI, changing public APIs, large refactors",
            "Requires approval: add dependencies, modify CI, change public APIs, large refactors",
            "Ask before: Adding dependencies, modifying CI, changing public APIs, large refactors",
        ] {
            let d = read(s).unwrap_or_else(|| panic!("{s} is a directive"));
            assert_eq!(
                texts(&d),
                ["add dependencies", "modify ci", "change public apis, large refactors"],
                "{s}"
            );
            assert!(d.clauses.iter().all(|c| c.form == APPROVAL_LABEL), "{s}: {d:?}");
            assert!(d.clauses.iter().all(|c| c.polarity == Polarity::Never), "{s}");
        }
        let d = read("Ask first: Database schema changes, adding dependencies").unwrap();
        assert_eq!(texts(&d), ["database schema changes", "add dependencies"]);
    }

    #[test]
    fn a_tier_labels_noun_list_stays_one_clause() {
        let d = read("Never: edit `a/`, `b/` or `c/`").unwrap();
        assert_eq!(d.clauses.len(), 1, "{d:?}");
        let d = read("Always: Write to `src/` and `tests/`, follow naming conventions").unwrap();
        assert_eq!(d.polarity(), Polarity::Always);
        assert_ne!(d.clauses[0].form, "restriction", "only \"only\" restricts");
        // A neutral label is no tier: its list is not split.
        let d = read("Notes: adding tests, running linters").map(|d| d.clauses.len());
        assert!(d.is_none_or(|n| n <= 1), "{d:?}");
        for s in ["ask for help", "approval process", "asking questions"] {
            assert!(!is_approval_label(s), "{s}");
        }
        for s in [
            "Ask first",
            "**Ask first**",
            "⚠️ Ask before",
            "Requires approval",
        ] {
            assert!(is_approval_label(s.trim_matches('*')), "{s}");
        }
    }

    #[test]
    fn not_forgetting_is_a_requirement() {
        let d = read("Don't forget to regenerate the fixtures after grammar changes").unwrap();
        assert_eq!(d.polarity(), Polarity::Always);
        let d = read("Don't run `make deploy`").unwrap();
        assert_eq!(d.polarity(), Polarity::Never);
    }

    #[test]
    fn a_leading_phrase_of_what_the_rule_rests_on_is_a_condition() {
        let d = read("Based on past reviews, never modify `vendor/`").unwrap();
        assert_eq!(d.condition.as_deref(), Some("based on past reviews"));
        assert_eq!(d.polarity(), Polarity::Never);
        let d = read("According to the style guide, avoid `unwrap()`").unwrap();
        assert_eq!(d.polarity(), Polarity::Never);
        assert!(read("Based on the old parser, this one is faster.").is_none());
    }

    #[test]
    fn only_restricts_an_action() {
        assert!(read("Only use `uv` for Python").is_some());
        assert!(read("Only maintainers may merge to main").is_some());
        assert!(read("Only a non-local miss publishes remote metadata to the cache.").is_none());
    }

    #[test]
    fn a_requirement_a_concept_knows_is_a_directive() {
        let kdoc = read("Public API requires KDoc (parameters, return, and notable exceptions).")
            .expect("a rule");
        assert_eq!(kdoc.polarity(), Polarity::Always);
        assert!(read("Exported functions need doc comments.").is_some());
    }

    #[test]
    fn questions_and_lone_verbs_are_not_directives() {
        assert!(read("Have the tests been run on all supported platforms?").is_none());
        assert!(read("Extract").is_none());
        assert!(read("Extract the helper").is_some());
    }

    #[test]
    fn descriptions_are_not_directives() {
        for s in [
            "While PyPI contains many Flask extensions, you may not find one that fits your need.",
            "Mmap objects were never released.",
            "The release pipeline only runs on tags.",
            "Test files live in `tests/`.",
            "Individual files/directories cannot be checked.",
            "This is a Ruby based repository with Bash scripts for faster execution.",
            "`RangeQuery` requires a fast field.",
            "Build output goes to `target/`.",
            "It may not be needed.",
            "The build requires Java 17.",
            "Flask requires Python 3.9 or newer.",
            "This needs work.",
        ] {
            assert!(read(s).is_none(), "{s} is not a directive: {:?}", read(s));
        }
    }

    #[test]
    fn a_verb_before_a_plural_noun_commands_when_a_place_follows() {
        assert!(
            read("Run commands from inside the project directory, not from the repo root")
                .is_some()
        );
        assert!(read("Run tests with `pytest` in CI").is_some());
        assert!(read("Build scripts in `ci/` use bash").is_none());
        assert!(read("Test files in `tests/` are collected by pytest").is_none());
        assert!(read("Run commands").is_none());
    }

    #[test]
    fn labels_conditions_and_clauses() {
        let d = read("FORBIDDEN: `uv pip install`, `@latest` syntax").unwrap();
        assert_eq!(d.polarity(), Polarity::Never);
        let d = read("Tests: never use the real database").unwrap();
        assert_eq!(d.label.as_deref(), Some("tests"));
        let d = read("When writing tests, never call `time.sleep`").unwrap();
        assert_eq!(d.condition.as_deref(), Some("when writing tests"));
        assert_eq!(d.polarity(), Polarity::Never);
        let d = read("ONLY use uv, NEVER pip").unwrap();
        assert_eq!(d.clauses.len(), 2);
        assert_eq!(d.clauses[0].polarity, Polarity::Always);
        assert_eq!(d.clauses[1].polarity, Polarity::Never);
        let d = read("Don't edit directly, regenerate with `./bin/brew generate-man-completions`")
            .unwrap();
        assert_eq!(d.clauses.len(), 2);
        assert_eq!(d.clauses[1].polarity, Polarity::Always);
        let d =
            read("Never stash/revert to \"check\" — that wastes time and is categorically banned.")
                .unwrap();
        assert_eq!(d.clauses.len(), 1, "{d:?}");
    }
}
