//! The parts of one rule clause: its verb, its objects, which objects it keeps and which it
//! forbids, its exceptions and its scope.

use super::directive::Directive;
use super::lexicon::{lexicon, verb_in};
use super::objects::{placeholder_regex, Masked, ObjectKind};
use super::patterns::{patterns, ExceptionKind, ScopeKind, Strength};
use ctx_engine::anchor::Polarity;
use regex::Regex;
use std::sync::OnceLock;

/// What a rule's main verb says its objects are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VerbClass {
    /// A program to run.
    pub run: bool,
    /// A file that changes.
    pub edit: bool,
    /// A file that is created.
    pub create: bool,
    /// A file that goes away.
    pub delete: bool,
    /// A file whose content is read.
    pub read: bool,
    /// Code in a file.
    pub code: bool,
    /// A dependency.
    pub depend: bool,
    /// Something said to people: its objects are content, not actions.
    pub speech: bool,
}

impl VerbClass {
    /// True when the verb changes files.
    pub fn files(&self) -> bool {
        self.edit || self.create || self.delete
    }

    /// True when the verb changes or reads files.
    pub fn touches_files(&self) -> bool {
        self.files() || self.read
    }

    /// The class of a verb and the verbs joined to it ("read or modify"): every one counts.
    fn join(self, other: VerbClass) -> VerbClass {
        VerbClass {
            run: self.run || other.run,
            edit: self.edit || other.edit,
            create: self.create || other.create,
            delete: self.delete || other.delete,
            read: self.read || other.read,
            code: self.code || other.code,
            depend: self.depend || other.depend,
            speech: self.speech || other.speech,
        }
    }
}

/// A word in a relation that is not an object ("use uv, not pip").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// Object N of the sentence.
    Object(usize),
    /// A plain word.
    Word(String),
}

/// An exception the rule states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// What kind.
    pub kind: ExceptionKind,
    /// The words that state it.
    pub text: String,
    /// Objects it names (for path exceptions).
    pub objects: Vec<usize>,
}

/// One rule clause, read.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Forbids, requires or allows.
    pub polarity: Polarity,
    /// Hard or soft.
    pub strength: Strength,
    /// The directive form.
    pub form: String,
    /// The clause's masked text.
    pub text: String,
    /// The main verb's base form, when one follows the trigger.
    pub verb: Option<String>,
    /// What the verb says about its objects.
    pub verb_class: VerbClass,
    /// Objects in the clause (indexes into the sentence's objects), in order.
    pub objects: Vec<usize>,
    /// Objects and words the rule keeps (the recommended side of a relation).
    pub kept: Vec<Item>,
    /// Objects and words a relation rules out.
    pub forbidden: Vec<Item>,
    /// The relation pattern, when one matched.
    pub relation: Option<String>,
    /// Exceptions and conditions.
    pub exceptions: Vec<Exception>,
    /// Objects that say where the rule applies (`in src/`), not what it is about.
    pub place_objects: Vec<usize>,
    /// Scope words found: `tests`, a language's name, `production`.
    pub scope_words: Vec<String>,
    /// "not X directly": only direct invocations count.
    pub directly: bool,
    /// "by hand", "manually", "directly" with a file verb.
    pub by_hand: bool,
    /// The places an "only" restriction names as its subject ("Only `app-common` and
    /// `app-k9mail` may depend on `:internal` modules"): the rule forbids the rest elsewhere
    /// and allows it there.
    pub allowed_in: Vec<usize>,
}

/// Reads clause `index` of a directive. The directive's leading condition and label are read
/// for scope, and its parts that command nothing ("— unless in top-level handlers") for
/// exceptions.
pub fn read(directive: &Directive, index: usize, masked: &Masked) -> Rule {
    let clause = &directive.clauses[index];
    let condition = directive.condition.as_deref();
    let label = directive.label.as_deref();
    let text = clause.text.clone();
    let objects = masked.objects_in(&text);
    let (verb, verb_class) = main_verb(&text);
    let mut rule = Rule {
        polarity: clause.polarity,
        strength: clause.strength,
        form: clause.form.clone(),
        verb,
        verb_class,
        objects,
        kept: Vec::new(),
        forbidden: Vec::new(),
        relation: None,
        exceptions: Vec::new(),
        place_objects: Vec::new(),
        scope_words: Vec::new(),
        directly: false,
        by_hand: false,
        allowed_in: Vec::new(),
        text,
    };
    subject_restriction(&mut rule, masked);
    relations(&mut rule, masked);
    let mut exception_texts = vec![rule.text.clone()];
    exception_texts.extend(directive.dropped.iter().cloned());
    exception_texts.extend(condition.map(String::from));
    exceptions(&mut rule, masked, &exception_texts);
    situation_label(&mut rule, label);
    restriction_to_when_asked(&mut rule);
    scopes(&mut rule, masked, condition, label);
    modifiers(&mut rule);
    rule
}

/// The first verb after the trigger words: "never [run] …", "do not [edit] …", "you must not
/// [add] …". Inflected forms count ("avoid [using]").
fn main_verb(text: &str) -> (Option<String>, VerbClass) {
    const SKIP: &[&str] = &[
        "never",
        "not",
        "do",
        "don't",
        "dont",
        "always",
        "only",
        "must",
        "mustn't",
        "should",
        "shouldn't",
        "shall",
        "avoid",
        "please",
        "ever",
        "directly",
        "you",
        "we",
        "also",
        "make",
        "sure",
        "to",
        "be",
        "ensure",
        "try",
        "refrain",
        "from",
        "prefer",
        "no",
        "any",
        "manually",
        "explicitly",
        "yourself",
    ];
    let raw: Vec<&str> = text.split_whitespace().take(8).collect();
    fn trim<'w>(word: &&'w str) -> &'w str {
        word.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'')
    }
    // An object right after the trigger words is what the rule is about, and no verb comes
    // later: "Never `git commit` unless I tell you" ("tell" belongs to the exception).
    let first_object = raw.iter().position(|word| word.contains('§'));
    if first_object.is_some_and(|at| raw[..at].iter().all(|w| SKIP.contains(&trim(w)))) {
        return (None, VerbClass::default());
    }
    let words: Vec<&str> = raw.iter().map(trim).collect();
    for (i, &w) in words.iter().enumerate() {
        if w.is_empty() {
            break;
        }
        if SKIP.contains(&w) {
            continue;
        }
        let Some(base) = verb_base(w) else {
            continue;
        };
        let mut class = verb_class(base);
        // "read or modify", "create and delete": the joined verb's class counts too.
        if let (Some(&("or" | "and" | "nor")), Some(next)) = (words.get(i + 1), words.get(i + 2)) {
            if let Some(joined) = verb_base(next) {
                class = class.join(verb_class(joined));
            }
        }
        return (Some(base.to_string()), class);
    }
    (None, VerbClass::default())
}

/// The base form of `word` when it is a verb a directive can use.
fn verb_base(word: &str) -> Option<&'static str> {
    let v = &lexicon().verbs;
    verb_in(&v.imperative, word)
        .or_else(|| verb_in(&v.depend, word))
        .or_else(|| verb_in(&v.speech, word))
}

/// What a verb's object is.
fn verb_class(base: &str) -> VerbClass {
    let v = &lexicon().verbs;
    VerbClass {
        run: verb_in(&v.run, base).is_some(),
        edit: verb_in(&v.edit, base).is_some(),
        create: verb_in(&v.create, base).is_some(),
        delete: verb_in(&v.delete, base).is_some(),
        read: verb_in(&v.read, base).is_some(),
        code: verb_in(&v.code, base).is_some(),
        depend: verb_in(&v.depend, base).is_some(),
        speech: verb_in(&v.speech, base).is_some(),
    }
}

/// Kept and forbidden sides of "X instead of Y", "X, not Y", "prefer X over Y" …
fn relations(rule: &mut Rule, masked: &Masked) {
    for pattern in &patterns().relation {
        let Some(caps) = pattern.regex().captures(&rule.text) else {
            continue;
        };
        if opens_with_a_preposition(&caps["forbid"]) {
            // "exceptions for errors, not for control flow": a contrast of purposes or
            // places, not of names.
            continue;
        }
        let keep = items(&caps["keep"], masked);
        let mut forbid = items(&caps["forbid"], masked);
        let (start, end) = caps.name("forbid").map_or((0, 0), |m| (m.start(), m.end()));
        if contrasts_actions(&forbid, &rule.text[end..]) {
            // "instead of manually editing the files": a way of working, not a name.
            continue;
        }
        if follows_a_determiner(&rule.text[..start]) {
            // "not the entire project": a noun phrase, not a name; only objects count.
            forbid.retain(|item| matches!(item, Item::Object(_)));
        }
        // "instead of global isFinite": the qualifier is not what is given up.
        forbid.retain(|item| !matches!(item, Item::Word(w) if is_determiner(w)));
        let examples = class_examples(&rule.text[end..], masked);
        if !examples.is_empty() {
            // "not Sphinx fields (`:param:`, `:return:`)": the words name a class, the
            // parenthesis lists what it is.
            forbid.retain(|item| matches!(item, Item::Object(_)));
            forbid.extend(examples.into_iter().map(Item::Object));
        }
        if forbid.is_empty() {
            continue;
        }
        rule.kept.extend(keep);
        rule.forbidden.extend(forbid);
        rule.relation = Some(pattern.name.clone());
        if caps[0].contains("directly") {
            rule.directly = true;
        }
        return;
    }
    loose_contrast(rule, masked);
}

/// "Avoid `npx`: strongly prefer package scripts (e.g. `pnpm lint`) over invoking tools
/// directly via `npx`": when no relation pattern fits, a positive clause (after the last
/// colon) with a contrast word splits its objects: those before the word are kept, those
/// after it given up ("over" contrasts only after "prefer").
fn loose_contrast(rule: &mut Rule, masked: &Masked) {
    static OPENS: OnceLock<Regex> = OnceLock::new();
    static MARK: OnceLock<Regex> = OnceLock::new();
    let opens = OPENS.get_or_init(|| {
        Regex::new(r"^(?:strongly\s+|always\s+|please\s+)?(?:prefer|use|favou?r|choose|call|run)\b")
            .unwrap()
    });
    let mark = MARK.get_or_init(|| {
        Regex::new(
            r"\b(?:instead\s+of|rather\s+than)\b|^(?:strongly\s+)?prefer\w*\b.*?\b(?P<over>over)\b",
        )
        .unwrap()
    });
    let start = rule.text.rfind(':').map_or(0, |i| i + 1);
    let tail = rule.text[start..].trim_start();
    if !opens.is_match(tail) {
        return;
    }
    let Some(caps) = mark.captures(tail) else {
        return;
    };
    let at = caps
        .name("over")
        .unwrap_or_else(|| caps.get(0).unwrap())
        .start();
    let kept = masked.objects_in(&tail[..at]);
    // Only tools are given up this loosely: code named after the word may be the kept code's
    // own part ("prefer `import a.B;` over using `a.B` inline").
    let forbidden: Vec<usize> = masked
        .objects_in(&tail[at..])
        .into_iter()
        .filter(|&i| {
            matches!(
                masked.objects[i].kind,
                ObjectKind::Command(_) | ObjectKind::Program(_)
            )
        })
        .collect();
    if kept.is_empty() || forbidden.is_empty() {
        return;
    }
    rule.directly |= tail[at..].contains("directly");
    rule.kept = kept.into_iter().map(Item::Object).collect();
    rule.forbidden = forbidden.into_iter().map(Item::Object).collect();
    rule.relation = Some("contrast".into());
}

/// The objects a parenthesis right after a given-up class lists as its members ("not Sphinx
/// fields (`:param:`, `:return:`)", "instead of raw calls (e.g. `enif_make_atom`)"): a
/// noun or two, then a parenthesis holding only objects.
fn class_examples(after: &str, masked: &Masked) -> Vec<usize> {
    static EXAMPLES: OnceLock<Regex> = OnceLock::new();
    let re = EXAMPLES.get_or_init(|| {
        Regex::new(r"^\s*(?:[a-z][\w-]*\s+){0,2}\(\s*(?:e\.g\.,?\s*|such\s+as\s+|like\s+)?(?P<list>§\d+§(?:\s*(?:,|/|\bor\b|\band\b)\s*§\d+§)*)\s*(?:,?\s*etc\.?)?\s*\)")
            .unwrap()
    });
    re.captures(after)
        .map(|c| masked.objects_in(&c["list"]))
        .unwrap_or_default()
}

/// True when the given-up side of a relation is an action rather than a name: one word that
/// is an adverb ("manually") or is followed by a verb's -ing form ("hand editing").
fn contrasts_actions(forbid: &[Item], after: &str) -> bool {
    let [Item::Word(word)] = forbid else {
        return false;
    };
    let next = after.split_whitespace().next().unwrap_or("");
    word.len() > 4 && word.ends_with("ly") || next.len() > 4 && next.ends_with("ing")
}

/// True when the last word of `before` is an article or a qualifier ("the", "a system").
fn follows_a_determiner(before: &str) -> bool {
    is_determiner(before.split_whitespace().next_back().unwrap_or(""))
}

/// True when `group` opens with a preposition ("for control flow", "in tests").
fn opens_with_a_preposition(group: &str) -> bool {
    const PREPOSITIONS: &[&str] = &[
        "for", "in", "on", "at", "to", "from", "with", "by", "of", "as", "into", "during",
        "inside", "within", "under", "via", "through", "about",
    ];
    group
        .split_whitespace()
        .next()
        .is_some_and(|w| PREPOSITIONS.contains(&w))
}

/// An article or a qualifier of the noun after it ("the", "global", "system").
fn is_determiner(word: &str) -> bool {
    super::patterns::QUALIFIERS.contains(&word)
}

/// The objects and words of an `OBJS` group.
fn items(group: &str, masked: &Masked) -> Vec<Item> {
    static SPLIT: OnceLock<Regex> = OnceLock::new();
    let split = SPLIT.get_or_init(|| Regex::new(r"\s*(?:,|/|\bor\b|\band\b|\bnor\b)\s*").unwrap());
    let mut out = Vec::new();
    for part in split.split(group) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        if let Some(c) = placeholder_regex().captures(part) {
            if let Ok(i) = c[1].parse::<usize>() {
                if i < masked.objects.len() {
                    out.push(Item::Object(i));
                }
            }
        } else if !is_filler(part) {
            out.push(Item::Word(part.to_string()));
        }
    }
    out
}

fn is_filler(word: &str) -> bool {
    matches!(
        word,
        "the"
            | "a"
            | "an"
            | "it"
            | "them"
            | "this"
            | "that"
            | "these"
            | "those"
            | "use"
            | "using"
            | "only"
            | "just"
            | "directly"
            | "always"
            | "never"
    )
}

/// Exceptions in the clause, the condition before it and the sentence's other parts.
fn exceptions(rule: &mut Rule, masked: &Masked, texts: &[String]) {
    for pattern in &patterns().exception {
        let kind = pattern.exception_kind();
        for m in texts.iter().flat_map(|t| pattern.regex().captures_iter(t)) {
            let whole = m.get(0).unwrap();
            if kind == ExceptionKind::Condition
                && rule.exceptions.iter().any(|e| {
                    e.text.contains(whole.as_str().trim()) || whole.as_str().contains(e.text.trim())
                })
            {
                continue;
            }
            let objects = m
                .name("objs")
                .map(|g| masked.objects_in(g.as_str()))
                .unwrap_or_default();
            rule.exceptions.push(Exception {
                kind,
                text: whole.as_str().to_string(),
                objects,
            });
        }
    }
    // A condition already stated as an approval, a judgment or a place is not a second one.
    let specific: Vec<String> = rule
        .exceptions
        .iter()
        .filter(|e| e.kind != ExceptionKind::Condition)
        .map(|e| e.text.clone())
        .collect();
    let joined = texts.join(" | ");
    rule.exceptions.retain(|e| {
        e.kind != ExceptionKind::Condition
            || !specific.iter().any(|s| overlaps(&joined, s, &e.text))
    });
}

/// "Review-only tasks are read-only: do not run tests …": a label that names the kind of task
/// or session the rule holds in states a circumstance ctx cannot see (a condition).
fn situation_label(rule: &mut Rule, label: Option<&str>) {
    let Some(label) = label else {
        return;
    };
    if let Some(m) = patterns()
        .situation
        .iter()
        .find_map(|p| p.regex().find(label))
    {
        rule.exceptions.push(Exception {
            kind: ExceptionKind::Condition,
            text: m.as_str().to_string(),
            objects: Vec::new(),
        });
    }
}

/// "Only `app-common` and `app-k9mail` may depend on `:internal` modules": the code spans
/// before the modal are the places where the rest is allowed, the verb after it is the rule's
/// verb, and what the rest names is forbidden everywhere else. "Only maintainers may merge"
/// names people, not places, and stays a plain restriction.
fn subject_restriction(rule: &mut Rule, masked: &Masked) {
    static SUBJECT: OnceLock<Regex> = OnceLock::new();
    let re = SUBJECT.get_or_init(|| {
        Regex::new(r"(?i)(?:^|:\s*|\b(?:must|shall|should)\s+)(?:please\s+)?only\s+(?P<places>(?:§\d+§|,|\s|\b(?:and|or|the|modules?|packages?|crates?|projects?|directories|folders|apps?)\b)+?)\s+(?:may|can|is\s+allowed\s+to|are\s+allowed\s+to|should)\s+(?P<verb>[a-z][\w-]*)").unwrap()
    });
    let Some(caps) = re.captures(&rule.text) else {
        return;
    };
    let places = masked.objects_in(&caps["places"]);
    if places.is_empty() {
        return;
    }
    rule.objects.retain(|i| !places.contains(i));
    rule.allowed_in = places;
    // A verb the lexicon does not know ("depend") leaves the objects to say what they are.
    rule.verb = verb_base(&caps["verb"].to_lowercase()).map(String::from);
    rule.verb_class = rule.verb.as_deref().map(verb_class).unwrap_or_default();
    rule.polarity = Polarity::Never;
}

/// "Only run linting when explicitly requested", "Update the docs only when asked to": a
/// restriction to the times someone asks forbids until they do (a prohibition with the
/// approval exception). Any other requirement that holds only when asked ("add a changelog
/// entry if requested") depends on a request ctx cannot see: a condition.
fn restriction_to_when_asked(rule: &mut Rule) {
    static ONLY_WHEN: OnceLock<Regex> = OnceLock::new();
    if rule.polarity != Polarity::Always {
        return;
    }
    let only_when = ONLY_WHEN
        .get_or_init(|| Regex::new(r"\bonly\s+(?:when|if|once|after)\b").unwrap())
        .is_match(&rule.text);
    let restriction = rule.form == "restriction" || only_when;
    let mut asked = false;
    for e in rule.exceptions.iter_mut() {
        let when = ["when ", "if ", "once ", "after "]
            .iter()
            .any(|w| e.text.trim_start().starts_with(w));
        if e.kind == ExceptionKind::Approval && when {
            asked = true;
            if !restriction {
                e.kind = ExceptionKind::Condition;
            }
        }
    }
    if asked && restriction {
        rule.polarity = Polarity::Never;
    }
}

/// True when two matched phrases overlap in the text.
fn overlaps(text: &str, a: &str, b: &str) -> bool {
    let (Some(ia), Some(ib)) = (text.find(a), text.find(b)) else {
        return false;
    };
    ia < ib + b.len() && ib < ia + a.len()
}

/// Scope phrases of the clause, its condition and its label.
fn scopes(rule: &mut Rule, masked: &Masked, condition: Option<&str>, label: Option<&str>) {
    let texts = [
        Some(rule.text.clone()),
        condition.map(String::from),
        label.map(String::from),
    ];
    for text in texts.iter().flatten() {
        for pattern in &patterns().scope {
            for caps in pattern.regex().captures_iter(text) {
                match pattern.scope_kind() {
                    ScopeKind::Tests => rule.scope_words.push("tests".into()),
                    ScopeKind::Language => {
                        let lang = caps.name("lang").map_or("", |m| m.as_str());
                        if lexicon().language_files(lang).is_some() {
                            rule.scope_words.push(lang.to_string());
                        } else if matches!(
                            lang,
                            "production" | "library" | "source" | "non-test" | "runtime" | "src"
                        ) {
                            rule.scope_words.push("production".into());
                        }
                    }
                    ScopeKind::Place
                        if annotates_kept(rule, text, caps.get(0).map_or(0, |m| m.start())) => {}
                    ScopeKind::Place => {
                        let objs = masked.objects_in(caps.name("objs").map_or("", |m| m.as_str()));
                        let paths: Vec<usize> = objs
                            .into_iter()
                            .filter(|i| matches!(masked.objects[*i].kind, ObjectKind::Path(_)))
                            .collect();
                        rule.place_objects.extend(paths);
                    }
                }
            }
        }
    }
    if let Some(label) = label {
        let l = label.trim().to_lowercase();
        if lexicon().tests.words.contains(&l) {
            rule.scope_words.push("tests".into());
        } else if lexicon().language_files(&l).is_some() {
            rule.scope_words.push(l);
        }
    }
    rule.scope_words.sort();
    rule.scope_words.dedup();
    rule.place_objects.sort();
    rule.place_objects.dedup();
}

/// True when byte `at` of `text` lies in a parenthesis right after an object the rule keeps
/// ("use `assert_equal/2` (also in `helpers.ex`), not `==`"): it says where the kept thing
/// lives, not where the rule applies.
fn annotates_kept(rule: &Rule, text: &str, at: usize) -> bool {
    let before = &text[..at];
    let Some(open) = before.rfind('(') else {
        return false;
    };
    if before[open..].contains(')') {
        return false;
    }
    let lead = before[..open].trim_end();
    let Some(marker) = lead
        .strip_suffix('§')
        .and_then(|l| l.rfind('§').map(|i| &l[i + '§'.len_utf8()..]))
    else {
        return false;
    };
    marker.parse::<usize>().is_ok_and(|i| rule.is_kept(i))
}

/// "directly", "by hand", "manually".
fn modifiers(rule: &mut Rule) {
    let t = &rule.text;
    if t.contains(" directly") {
        rule.directly = rule.directly || rule.verb_class.run || rule.verb.is_none();
        rule.by_hand = rule.verb_class.files();
    }
    if t.contains("by hand")
        || t.contains("manually")
        || t.contains("hand-edit")
        || t.contains("hand edit")
    {
        rule.by_hand = true;
    }
}

impl Rule {
    /// Objects excepted by "except in `x`".
    pub fn excepted_objects(&self) -> Vec<usize> {
        self.exceptions
            .iter()
            .filter(|e| e.kind == ExceptionKind::Path)
            .flat_map(|e| e.objects.iter().copied())
            .collect()
    }

    /// True when object `i` is on the kept side of a relation, or follows a kept marker
    /// ("regenerate with `x`", "use `x` instead").
    pub fn is_kept(&self, i: usize) -> bool {
        self.kept.contains(&Item::Object(i))
    }

    /// True when object `i` is ruled out by a relation.
    pub fn is_forbidden(&self, i: usize) -> bool {
        self.forbidden.contains(&Item::Object(i))
    }
}

#[cfg(test)]
mod tests {
    use super::super::directive::parse;
    use super::super::objects::mask;
    use super::*;

    impl Rule {
        fn has_exception(&self, kind: ExceptionKind) -> bool {
            self.exceptions.iter().any(|e| e.kind == kind)
        }
    }

    fn rules(s: &str) -> (Masked, Vec<Rule>) {
        let m = mask(s);
        let d = parse(&m).unwrap_or_else(|| panic!("{s} is a directive"));
        let rules = (0..d.clauses.len()).map(|i| read(&d, i, &m)).collect();
        (m, rules)
    }

    #[test]
    fn an_only_restriction_on_places_allows_there_and_forbids_elsewhere() {
        let (m, r) =
            rules("Only `app-common` and `app-k9mail` may depend on `:internal` modules (for DI)");
        assert_eq!(r[0].allowed_in, [0, 1]);
        assert_eq!(r[0].objects, [2]);
        assert_eq!(r[0].verb, None, "\"depend\" is no verb of the lexicon");
        assert_eq!(r[0].polarity, Polarity::Never);
        assert_eq!(m.objects[2].text, ":internal");
        let (_, r) = rules("Agents MUST: Only `app-common` may depend on `:internal` modules");
        assert_eq!(r[0].allowed_in, [0], "after a label");
        let (_, r) = rules("Agents MUST only `app-common` may depend on `:internal` modules");
        assert_eq!(r[0].allowed_in, [0], "after a lead-in");
        let (_, r) = rules("Only maintainers may merge release branches");
        assert!(r[0].allowed_in.is_empty(), "people are not places");
        let (_, r) = rules("Only use `uv` to install packages");
        assert!(r[0].allowed_in.is_empty());
        assert_eq!(r[0].objects, [0]);
    }

    #[test]
    fn a_loose_contrast_keeps_the_examples_before_it() {
        let (_, r) = rules("Avoid `npx`: Strongly prefer using package scripts defined in `package.json` (e.g., `pnpm lint`, `pnpm db:generate`) over invoking tools directly via `npx`.");
        assert_eq!(
            r[0].kept,
            [Item::Object(1), Item::Object(2), Item::Object(3)]
        );
        assert_eq!(r[0].forbidden, [Item::Object(4)]);
        assert!(r[0].directly);
        let (_, r) = rules("Never iterate over `items` with `forEach`");
        assert!(
            r[0].kept.is_empty(),
            "\"over\" without \"prefer\" contrasts nothing"
        );
        let (_, r) = rules("Prefer `import a.b.C;` over using `a.b.C` inline");
        assert!(r[0].forbidden.is_empty(), "code is not given up loosely");
    }

    #[test]
    fn a_contrast_of_ways_of_working_names_nothing_to_forbid() {
        let (_, r) = rules("Always use package managers instead of manually editing package files (`package.json`)");
        assert!(r[0].forbidden.is_empty(), "{:?}", r[0].forbidden);
        let (_, r) = rules("Use uv instead of pip");
        assert_eq!(r[0].forbidden, [Item::Word("pip".into())]);
    }

    #[test]
    fn verbs_relations_and_objects() {
        let (_, r) = rules("Never run `git push --force`");
        assert_eq!(r[0].verb.as_deref(), Some("run"));
        assert!(r[0].verb_class.run);
        assert_eq!(r[0].objects, [0]);
        let (_, r) = rules("Use `pnpm` instead of `npm` or `yarn`");
        assert_eq!(r[0].kept, [Item::Object(0)]);
        assert_eq!(r[0].forbidden, [Item::Object(1), Item::Object(2)]);
        let (_, r) = rules("Use uv, not pip or poetry");
        assert_eq!(
            r[0].forbidden,
            [Item::Word("pip".into()), Item::Word("poetry".into())]
        );
        let (_, r) = rules("Use **tox** for testing (not pytest directly):");
        assert_eq!(r[0].forbidden, [Item::Word("pytest".into())]);
        assert!(r[0].directly);
        let (_, r) = rules("Avoid using `eval`");
        assert_eq!(r[0].verb.as_deref(), Some("use"));
        let (_, r) = rules("Use `./bin/brew` (not a system `brew` on `PATH`)");
        assert_eq!(r[0].kept, [Item::Object(0)]);
        assert_eq!(r[0].forbidden, [Item::Object(1)]);
        let (_, r) = rules("Always run tasks on the module you touched, not the entire project");
        assert!(r[0].forbidden.is_empty(), "{r:?}");
        let (_, r) = rules("Use exceptions for exceptional conditions, not for control flow");
        assert!(r[0].forbidden.is_empty(), "{r:?}");
        let (_, r) = rules("Use Number.isFinite instead of global isFinite");
        assert!(
            !r[0].forbidden.contains(&Item::Word("global".into())),
            "{r:?}"
        );
    }

    #[test]
    fn what_must_be_asked_for_is_forbidden_until_asked() {
        let (_, r) = rules("Only run `ruff` when explicitly requested by the user.");
        assert_eq!(r[0].polarity, Polarity::Never);
        assert!(r[0].has_exception(ExceptionKind::Approval));
        let (_, r) = rules(
            "Live probes and `codexbar usage` against real accounts must be explicitly requested",
        );
        assert_eq!(r[0].polarity, Polarity::Never);
        assert!(r[0].has_exception(ExceptionKind::Approval));
        let (_, r) = rules("Add a changelog entry to `CHANGES.md` if the user asks.");
        assert_eq!(r[0].polarity, Polarity::Always);
        assert!(r[0].has_exception(ExceptionKind::Condition), "{r:?}");
        assert!(!r[0].has_exception(ExceptionKind::Approval), "{r:?}");
    }

    #[test]
    fn a_label_naming_a_kind_of_task_is_a_condition() {
        let (_, r) = rules("Review-only tasks are read-only: do not run linters unless the user explicitly starts an implementation task.");
        assert!(r[0].has_exception(ExceptionKind::Condition), "{r:?}");
        let (_, r) = rules("Tests: never use the real database.");
        assert!(!r[0].has_exception(ExceptionKind::Condition), "{r:?}");
    }

    #[test]
    fn exceptions_and_scopes() {
        let (_, r) = rules("Never create PRs unless explicitly asked");
        assert!(r[0].has_exception(ExceptionKind::Approval));
        assert!(!r[0].has_exception(ExceptionKind::Condition));
        let (_, r) = rules("**Never** modify `.asf.yaml` without explicit discussion.");
        assert!(r[0].has_exception(ExceptionKind::Approval));
        let (_, r) = rules("FORBIDDEN `except Exception:` - unless in top-level handlers");
        assert!(r[0].has_exception(ExceptionKind::Condition), "{r:?}");
        let (_, r) = rules("Don't use `unwrap()` in `src/` or in tests");
        assert_eq!(r[0].place_objects, [1]);
        assert_eq!(r[0].scope_words, ["tests"]);
        let (_, r) = rules("When writing Python code, never use `print()`");
        assert_eq!(r[0].scope_words, ["python"]);
    }
}
