//! Constraint extraction: finding a project's rules in its documentation and compiling them
//! into anchors.
//!
//! A rule is understood from its structure, not from phrases seen in known documents:
//! - [`segment`] splits markdown and reStructuredText into blocks (items, paragraphs, table
//!   rows, admonitions, code comments) with their section headings, parents and subjects;
//! - `directive` keeps only sentences addressed to the reader: imperatives, prohibitions,
//!   requirements, modal sentences ("Contributors must not …") and trigger labels
//!   ("FORBIDDEN: …"); descriptions ("X is never released", "you may not find one") are not
//!   rules in any file;
//! - `objects` finds what a rule names literally (code spans, bare flags and paths, quotes)
//!   and classifies each by its shape; `rule` reads polarity, strength, verb, relation
//!   ("X instead of Y"), exceptions ("unless asked") and scope ("in tests", "in `src/`");
//! - `ground` compiles matchers only from named objects; `compile` picks each matcher's tier:
//!   deny (hard and grounded), ask (soft, partly grounded, or open to someone's approval) or
//!   remind (nothing checkable: shown to the model, never blocking);
//! - [`consistency`] demotes to a reminder any matcher that would deny what the document
//!   itself recommends, or what the repository's CI, Makefile, scripts or hooks run.
//!
//! The vocabulary is data with its own tests: `lexicon.toml` (verbs, programs, categories,
//! flag spellings, languages), `patterns.toml` (sentence patterns, each with sentences it
//! must and must not match) and `concepts.toml` (operations named in words: force-push, new
//! dependencies, secrets …).

mod compile;
mod concepts;
pub mod consistency;
mod directive;
mod forms;
mod frontmatter;
mod ground;
mod imports;
mod lexicon;
mod objects;
mod patterns;
mod rule;
pub mod segment;

#[cfg(test)]
mod fixture_tests;

pub use compile::{
    clean_markdown, compile_sentence, compile_text, CompiledRule, CompiledSentence, RuleContext,
};
pub use consistency::{Contradiction, Recommended};
pub use frontmatter::{parse_front_matter, FrontMatter};

use ctx_engine::anchor::{Anchor, AnchorSource, Polarity, Severity};
use objects::{mask, Object, ObjectKind};
use regex::Regex;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Largest document read (bytes); the rest of an enormous file is ignored.
pub const MAX_DOC_BYTES: usize = 2 * 1024 * 1024;

/// Most anchors kept from one document.
pub const MAX_ANCHORS_PER_DOC: usize = 2_000;

const INSTRUCTION_NAMES: &[&str] = &[
    "AGENTS.md",
    "AGENT.md",
    "CLAUDE.md",
    "CLAUDE.local.md",
    "GEMINI.md",
    "CONVENTIONS.md",
    "CONTRIBUTING.md",
    "CONTRIBUTING.rst",
    "DEVELOPMENT.md",
    "DEVELOPING.md",
    "HACKING.md",
    ".cursorrules",
    ".windsurfrules",
    ".clinerules",
    "copilot-instructions.md",
];

/// True for agent-instruction and contributor files: `AGENTS.md` (any directory),
/// `CLAUDE.md`, `.claude/CLAUDE.md`, `CLAUDE.local.md`, `.claude/rules/*.md`,
/// `.cursorrules`, `.cursor/rules/*.mdc`, `.github/copilot-instructions.md`,
/// `.github/instructions/*.instructions.md`, `GEMINI.md`, `CONVENTIONS.md`,
/// `CONTRIBUTING.md`, `DEVELOPMENT.md`, `HACKING.md`.
pub fn is_instruction_file(rel_path: &str) -> bool {
    let path = rel_path.trim_start_matches("./").replace('\\', "/");
    let name = path.rsplit('/').next().unwrap_or(&path);
    INSTRUCTION_NAMES
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
        || (path.contains(".claude/rules/") && name.ends_with(".md"))
        || (path.contains(".cursor/rules/") && name.ends_with(".mdc"))
        || (path.contains(".github/instructions/") && name.ends_with(".instructions.md"))
}
/// File names (without extension, case-insensitive) of documents that record history or
/// legal terms rather than rules for the work: change logs, release notes, licences.
const RECORD_DOCUMENTS: &[&str] = &[
    "changelog",
    "changes",
    "history",
    "news",
    "release-notes",
    "release_notes",
    "releasenotes",
    "license",
    "licence",
    "copying",
    "notice",
    "authors",
    "code_of_conduct",
    "code-of-conduct",
];

/// True for change logs, release notes and licences: their "must" and "never" describe past
/// releases or legal terms, so no anchors are read from them.
pub fn is_record_document(rel_path: &str) -> bool {
    let name = rel_path.rsplit(['/', '\\']).next().unwrap_or(rel_path);
    let stem = name.split('.').next().unwrap_or(name).to_ascii_lowercase();
    RECORD_DOCUMENTS.contains(&stem.as_str())
}

/// Directory names whose documents are data or someone else's (test fixtures, snapshots,
/// vendored code): their general documentation states no rule for this project.
const DATA_DIRECTORIES: &[&str] = &[
    "fixtures",
    "fixture",
    "__fixtures__",
    "testdata",
    "test-data",
    "test_data",
    "snapshots",
    "__snapshots__",
    "corpus",
    "vendor",
    "third_party",
    "third-party",
    "node_modules",
];

/// True for a path inside a test-data or vendored directory ([`DATA_DIRECTORIES`]).
fn is_in_data_directory(rel_path: &str) -> bool {
    let path = rel_path.replace('\\', "/");
    let mut dirs: Vec<&str> = path.split('/').collect();
    dirs.pop();
    dirs.iter()
        .any(|d| DATA_DIRECTORIES.iter().any(|n| n.eq_ignore_ascii_case(d)))
}

/// The directory of a nested instruction file, as a scope prefix (`web/` for `web/AGENTS.md`,
/// "" at the root and for files under `.claude/`, `.cursor/`, `.github/`).
fn base_dir(rel_path: &str) -> String {
    let path = rel_path.trim_start_matches("./");
    let Some((dir, _)) = path.rsplit_once('/') else {
        return String::new();
    };
    let config_dirs = [".claude", ".cursor", ".github", ".agents"];
    if config_dirs
        .iter()
        .any(|c| dir == *c || dir.starts_with(&format!("{c}/")))
    {
        return String::new();
    }
    dir.to_string()
}

/// Every anchor stated in one document, checked against what the same document recommends
/// (see [`consistency`]). `rel_path` is relative to the repository root.
pub fn extract_anchors(rel_path: &str, text: &str) -> Vec<Anchor> {
    let reading = Reading {
        instruction: is_instruction_file(rel_path),
        base_dir: None,
    };
    let mut doc = extract_document(rel_path, text, reading);
    consistency::demote(&mut doc.anchors, &doc.recommended);
    doc.anchors
}

/// How to read a document.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reading<'a> {
    /// Written for whoever works on the project: an agent-instruction or contributor file, or
    /// a file one of those includes (`@docs/rules.md`). Other documentation gives reminders
    /// only, except in its contributor sections.
    pub instruction: bool,
    /// The directory the rules apply to, when not the document's own (an included file
    /// applies where its includer does).
    pub base_dir: Option<&'a str>,
}

/// The anchors of a repository's documents, and the rules demoted for contradicting what
/// their own document or the repository's build files recommend.
#[derive(Debug, Clone, Default)]
pub struct RepositoryRules {
    /// Every anchor, document by document.
    pub anchors: Vec<Anchor>,
    /// Rules demoted to reminders, with the action they would have denied.
    pub contradictions: Vec<Contradiction>,
}

/// Extracts every document of a repository (`(path, text)` pairs, paths relative to `root`):
/// files an instruction file includes with `@path` are read as instructions for the
/// includer's directory, and each document's rules are checked against what it and the
/// repository's CI workflows, Makefile, scripts and hooks recommend.
pub fn extract_repository(
    root: &std::path::Path,
    documents: &[(String, String)],
) -> RepositoryRules {
    let repository = consistency::repository_recommendations(root);
    let mut out = RepositoryRules::default();
    let mut read: HashSet<String> = HashSet::new();
    let mut queue: Vec<(String, String, Reading)> = documents
        .iter()
        .map(|(p, t)| {
            (
                p.clone(),
                t.clone(),
                Reading {
                    instruction: is_instruction_file(p),
                    base_dir: None,
                },
            )
        })
        .collect();
    let mut includes: Vec<(String, String)> = Vec::new();
    for (path, text, reading) in &queue {
        if reading.instruction {
            for target in included_files(path, text) {
                includes.push((target, base_dir(path)));
            }
        }
    }
    let mut included_docs = Vec::new();
    for (target, base) in includes {
        if is_instruction_file(&target)
            || documents
                .iter()
                .any(|(p, _)| *p == target && is_instruction_file(p))
        {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(root.join(&target)) else {
            continue;
        };
        included_docs.push((target, text, base));
    }
    queue.retain(|(p, _, _)| !included_docs.iter().any(|(t, _, _)| t == p));
    for (path, text, base) in &included_docs {
        queue.push((
            path.clone(),
            text.clone(),
            Reading {
                instruction: true,
                base_dir: Some(base.as_str()),
            },
        ));
    }
    for (path, text, reading) in &queue {
        if !read.insert(path.clone()) {
            continue;
        }
        let mut doc = extract_document(path, text, *reading);
        let mut recommended = doc.recommended;
        recommended.extend(repository.iter().cloned());
        out.contradictions
            .extend(consistency::demote(&mut doc.anchors, &recommended));
        out.anchors.extend(doc.anchors);
    }
    out
}

/// Files an instruction file includes: Claude Code's `@path/to/file.md` imports, relative to
/// the including file's directory.
fn included_files(path: &str, text: &str) -> Vec<String> {
    static INCLUDE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = INCLUDE.get_or_init(|| {
        regex::Regex::new(r"(?m)(?:^|\s)@(\.{0,2}/?[\w./-]+\.(?:md|mdc|markdown|txt|rst))\b")
            .unwrap()
    });
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = Vec::new();
    for cap in re.captures_iter(text) {
        let target = cap[1].trim_start_matches("./");
        if target.starts_with('/') || target.contains("..") {
            continue;
        }
        let joined = if dir.is_empty() {
            target.to_string()
        } else {
            format!("{dir}/{target}")
        };
        if !out.contains(&joined) {
            out.push(joined);
        }
    }
    out
}

/// The rules of one document and what it recommends, before the consistency check.
#[derive(Debug, Clone, Default)]
pub struct DocumentRules {
    /// The anchors, in document order.
    pub anchors: Vec<Anchor>,
    /// Commands and code the document recommends (its code blocks, "run `x`" sentences).
    pub recommended: Vec<Recommended>,
}

/// Extracts one document. `instruction` says whether it is written for whoever works on the
/// project (an agent-instruction or contributor file, or one such a file includes); other
/// documentation gives only reminders, except in its contributor sections.
pub fn extract_document(rel_path: &str, text: &str, reading: Reading) -> DocumentRules {
    let instruction = reading.instruction;
    let mut out = DocumentRules::default();
    if text.as_bytes().contains(&0) || is_record_document(rel_path) {
        return out;
    }
    if !instruction && is_in_data_directory(rel_path) {
        return out;
    }
    let text = truncate(text, MAX_DOC_BYTES);
    let front = frontmatter::parse_front_matter(text);
    let skip = front.as_ref().map_or(0, |f| f.lines);
    let body: String = text.lines().skip(skip).collect::<Vec<_>>().join("\n");
    let doc = segment::segment(&body, skip as u32 + 1);
    let base = reading
        .base_dir
        .map_or_else(|| base_dir(rel_path), str::to_string);
    let location = location_scope(&base, front.as_ref());
    out.recommended = consistency::document_recommendations(rel_path, &doc);
    let mut seen = HashSet::new();
    let scripts = document_scripts(&doc);
    let directories = document_directories(&doc, &scripts);
    let langs: Vec<&str> = doc.code_blocks.iter().map(|c| c.lang.as_str()).collect();
    let source_files = lexicon::lexicon().source_files_of(&langs);
    for (i, sentence) in doc.sentences.iter().enumerate() {
        let block = &doc.blocks[sentence.block];
        let addressed = instruction || is_contributor_section(&block.section);
        let (rule_text, shown) = match lead_in_rule(&doc, i) {
            Some((rule, shown)) => (rule, shown),
            None => match heading_rule(&doc, i) {
                Some(text) => (text.clone(), text),
                None => {
                    let rule = mistake_rule(&doc, i)
                        .or_else(|| contrast_rule(&doc, i))
                        .unwrap_or_else(|| sentence.text.clone());
                    (rule, sentence.text.clone())
                }
            },
        };
        let rule_text = rule_text.as_str();
        let anchor_text = match &sentence.code_context {
            Some(code) => format!("{code}  # {}", sentence.text),
            None => shown,
        };
        let source = AnchorSource::Doc {
            path: rel_path.to_string(),
            line: sentence.line,
        };
        if seen.contains(&ctx_engine::anchor::anchor_id(&anchor_text, &source)) {
            continue;
        }
        let enumerated = enumerated_below(&doc, i);
        let referents_enumerate = enumerated.is_some();
        let referents = referents(&doc, i, enumerated);
        let nearby = nearby_commands(&doc, sentence.block);
        let ctx = RuleContext {
            subject: block.subject.as_deref(),
            referents,
            referents_enumerate,
            code_context: sentence.code_context.as_deref(),
            nearby_commands: nearby,
            base_dir: &base,
            section: &block.section,
            shown_code: shown_code(&doc, sentence),
            scripts: &scripts,
            directories: &directories,
            source_files: &source_files,
        };
        // A check-marked item ("✅ Run `x` before committing") shows what to do: what it
        // names is recommended, and it forbids nothing.
        let checked = directive::mark(&clean_markdown(&sentence.text)) == Some(Polarity::Always);
        let Some(compiled) = compile_sentence(rule_text, &ctx) else {
            if checked {
                out.recommended
                    .extend(named_commands(&sentence.text, rel_path, sentence.line));
            }
            continue;
        };
        out.recommended.extend(
            compiled
                .recommends
                .iter()
                .map(|c| Recommended::command(c, rel_path, sentence.line)),
        );
        if checked {
            continue;
        }
        let lead_in = rule_text
            .trim_end()
            .trim_end_matches(['*', '_'])
            .ends_with(':')
            && !block.following_items.is_empty();
        let labels_code = sentence.code_context.is_some() || sentence.labels_next_line;
        let says_what_code_does = labels_code && compiled.form == "imperative";
        // A list's lead-in ("Make sure you never log:") speaks through its items, and a
        // comment beside or above a command ("just minsize  # Update size snapshots",
        // "# Apply license headers" over `./gradlew licenseFormat`) says what the command
        // does: neither is a rule of its own.
        if says_what_code_does || lead_in && compiled.rules.iter().all(|r| r.matchers.is_empty()) {
            continue;
        }
        if !worth_keeping(&compiled, addressed) {
            continue;
        }
        let several = compiled.rules.len() > 1;
        for rule in compiled.rules {
            let mut anchor = Anchor::new(anchor_text.clone(), rule.polarity, source.clone());
            if several && rule.severity != Severity::Block {
                anchor.id = format!("{}-{}", anchor.id, rule.severity.tier());
            }
            if !seen.insert(anchor.id.clone()) {
                continue;
            }
            anchor.severity = rule.severity;
            anchor.tier_reason = Some(rule.tier_reason);
            if !addressed && rule.severity != Severity::Warn {
                anchor.severity = Severity::Warn;
                anchor.tier_reason = Some("remind: general documentation speaks to the project's users, not to whoever works on it".into());
            }
            anchor.scope = merge_scopes(&location, &rule.scope);
            anchor.matchers = rule.matchers;
            anchor.notes = rule.notes;
            out.anchors.push(anchor);
        }
        if out.anchors.len() >= MAX_ANCHORS_PER_DOC {
            break;
        }
    }
    out
}

/// A directive becomes an anchor when it has matchers, or states a constraint (not a bare
/// imperative) — bare imperatives in agent-instruction files count too, but not pointers
/// ("See …", "Refer to …").
fn worth_keeping(compiled: &CompiledSentence, addressed: bool) -> bool {
    let has_matchers = compiled.rules.iter().any(|r| !r.matchers.is_empty());
    if has_matchers {
        return true;
    }
    if compiled.form != "imperative" {
        return addressed || compiled.form != "permission";
    }
    addressed
        && !matches!(
            compiled.verb.as_deref(),
            Some(
                "see"
                    | "refer"
                    | "note"
                    | "read"
                    | "look"
                    | "consult"
                    | "check"
                    | "visit"
                    | "open"
                    | "go"
                    | "find"
                    | "click"
            )
        )
}

/// True for a section of general documentation written for contributors.
fn is_contributor_section(section: &[String]) -> bool {
    section.iter().any(|h| {
        let h = h.to_lowercase();
        [
            "contribut",
            "development",
            "developing",
            "hacking",
            "coding guideline",
            "coding convention",
            "coding style",
            "style guide",
            "code style",
            "pull request",
            "commit message",
            "for agents",
            "ai agents",
            "llm",
        ]
        .iter()
        .any(|w| h.contains(w))
    })
}

/// An item under a lead-in that carries the rule's force is read with it:
/// - under a short lead-in ("Agents MUST NOT:", "Never:", "Avoid:", "❌ Bad:"), "- Change
///   licensing headers" means "Agents MUST NOT change licensing headers"; an item with a
///   run-in label ("**Modifying vendored code**: Never modify `x/`") is the lead-in's rule
///   about the label, then its own sentence; an item that is a rule of its own ("Never
///   modify `x/`") keeps its own force, with the lead-in as its label;
/// - under a lead-in whose verb takes the list as its object ("Never emit either of the
///   following, in any form:"), a bare noun phrase ("A `Co-Authored-By:` trailer") takes the
///   list's place: "Never emit a `Co-Authored-By:` trailer, in any form".
///
/// Returns the text to compile and the text to show.
fn lead_in_rule(doc: &segment::Document, i: usize) -> Option<(String, String)> {
    let sentence = &doc.sentences[i];
    let block = &doc.blocks[sentence.block];
    let starts_item = i == 0 || doc.sentences[i - 1].block != sentence.block;
    if !block.is_item || !starts_item || sentence.code_context.is_some() {
        return None;
    }
    let lead = match block
        .parent
        .or_else(|| bold_label_before(doc, sentence.block))
    {
        Some(parent) if doc.blocks[parent].is_item => return None,
        Some(parent) => clean_markdown(&doc.blocks[parent].text),
        None => approval_heading(block)?,
    };
    let lead = lead.trim().trim_end_matches(':').trim_end();
    let item = sentence.text.trim();
    let shown = format!("{lead}: {item}");
    if let Some(rule) = list_as_object(lead, item) {
        return Some((rule, shown));
    }
    let force = lead_force(lead)?;
    if let Some((label, rest)) = run_in_label(item) {
        let label = continued(&label);
        let rule = match rest.is_empty() {
            true => format!("{force} {label}."),
            false => format!("{force} {label}; {rest}"),
        };
        return Some((rule, shown));
    }
    if states_its_own_rule(item) {
        // The lead-in stays a label: its condition ("In tests, avoid:") still scopes.
        return Some((format!("{lead}: {item}"), shown));
    }
    Some((format!("{force} {}", continued(item)), shown))
}

/// The heading of a top-level item when it is an "Ask first" tier ("### Ask first" over its
/// list): a lead-in for each item.
fn approval_heading(block: &segment::Block) -> Option<String> {
    let heading = block.section.last()?;
    directive::is_approval_label(heading).then(|| heading.clone())
}

/// The words of a short lead-in that carry its force, put before each item: the lead-in
/// itself when it says "must", "never", "not", "avoid" … ("Agents MUST NOT", "Based on PR
/// patterns, avoid"), "Never" for a label that forbids ("❌ Bad", "Wrong"). `None` for a
/// lead-in without force, a long one, or one naming objects of its own.
fn lead_force(lead: &str) -> Option<String> {
    let lower = lead.to_lowercase();
    let forceful = lower
        .split(|c: char| !c.is_alphabetic() && c != '\'')
        .any(|w| {
            matches!(
                w,
                "must"
                    | "never"
                    | "not"
                    | "don't"
                    | "shall"
                    | "should"
                    | "avoid"
                    | "always"
                    | "only"
            )
        });
    let short = lead.split_whitespace().count() <= 6;
    if forceful {
        return (short && mask(lead).objects.is_empty()).then(|| lead.to_string());
    }
    if directive::is_approval_label(lead) {
        return Some("Ask first:".to_string());
    }
    directive::is_prohibition_label(lead).then(|| "Never".to_string())
}

/// A run-in label in emphasis that opens an item ("**Modifying libmdbx sources**: Never
/// modify …", "1. __Large changes__ — keep PRs focused"), and the text after it.
fn run_in_label(text: &str) -> Option<(String, String)> {
    static LABEL: OnceLock<Regex> = OnceLock::new();
    let re = LABEL.get_or_init(|| {
        Regex::new(r"^(?:\*\*|__)([^*_`]{3,80}?)[.:]?(?:\*\*|__)\s*[.:—–-]\s*(.*)$").unwrap()
    });
    let caps = re.captures(text)?;
    Some((caps[1].trim().to_string(), caps[2].trim().to_string()))
}

/// True when an item states a rule of its own, with its own trigger ("Never modify `x/`",
/// "Always run `make`"): a lead-in's force adds nothing to it. A bare imperative ("Run
/// `git push --force`") takes the lead-in's force.
fn states_its_own_rule(item: &str) -> bool {
    directive::parse(&mask(&clean_markdown(item)))
        .and_then(|d| d.clauses.into_iter().next())
        .is_some_and(|c| c.form != "imperative")
}

/// A list item read as the object of its lead-in: the lead-in is a rule whose verb takes
/// the list ("the following", "these", "either of the following" …) and the item a bare
/// noun phrase, which takes the list's place. A requirement to use one of several ("Use one
/// of the following:") requires none of them alone.
fn list_as_object(lead: &str, item: &str) -> Option<String> {
    static CATAPHOR: OnceLock<Regex> = OnceLock::new();
    let re = CATAPHOR.get_or_init(|| {
        Regex::new(r"(?i)\b(?:(any|either|each|all|none|one)\s+of\s+)?(?:the\s+following|these|the\s+items\s+below)(?:\s+[a-z]+s\b)?")
            .unwrap()
    });
    let caps = re.captures(lead)?;
    let directive = directive::parse(&mask(&clean_markdown(lead)))?;
    let polarity = directive.clauses.first()?.polarity;
    let choice = caps
        .get(1)
        .is_some_and(|q| !q.as_str().eq_ignore_ascii_case("all"));
    if polarity == Polarity::Allowed || polarity == Polarity::Always && choice {
        return None;
    }
    if directive::parse(&mask(&clean_markdown(item))).is_some() {
        return None;
    }
    let whole = caps.get(0)?;
    let object = continued(item.trim_end_matches(['.', ';', ',']));
    Some(format!(
        "{}{object}{}",
        &lead[..whole.start()],
        &lead[whole.end()..]
    ))
}

/// `text` as it reads after words put before it: its first letter lowercased, unless the
/// first word is an acronym or in capitals ("API", "NEVER").
fn continued(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if second.is_lowercase() => {
            format!("{}{}", first.to_lowercase(), &text[first.len_utf8()..])
        }
        _ => text.to_string(),
    }
}

/// The paragraph before the list holding item `block` when it is a bold label alone
/// ("**Never**"), which introduces the list as a lead-in ending in ':' would.
fn bold_label_before(doc: &segment::Document, block: usize) -> Option<usize> {
    let first_item = (0..=block)
        .rev()
        .take_while(|&b| doc.blocks[b].is_item)
        .last()?;
    let label = first_item.checked_sub(1)?;
    let text = doc.blocks[label].text.trim();
    let bold = |m: &str| text.len() > 2 * m.len() && text.starts_with(m) && text.ends_with(m);
    (!doc.blocks[label].is_item && (bold("**") || bold("__"))).then_some(label)
}

/// A list of bare objects under a heading that is a rule naming none ("## Do Not Edit" over
/// "- `*.pb.go`"): each item is the heading's rule about its object ("Do Not Edit `*.pb.go`").
/// Only the first sentence of an item with no directive of its own.
fn heading_rule(doc: &segment::Document, i: usize) -> Option<String> {
    let sentence = &doc.sentences[i];
    let block = &doc.blocks[sentence.block];
    let starts_item = i == 0 || doc.sentences[i - 1].block != sentence.block;
    if !block.is_item || !starts_item || sentence.code_context.is_some() {
        return None;
    }
    let heading = block.section.last()?;
    let item = mask(&clean_markdown(&sentence.text));
    if item.objects.is_empty() || directive::parse(&item).is_some() {
        return None;
    }
    let head = mask(&clean_markdown(heading));
    if !head.objects.is_empty() || directive::parse(&head).is_none() {
        return None;
    }
    Some(format!("{heading} {}", sentence.text))
}

/// A sentence opening an item or paragraph under a heading that lists mistakes ("## Common
/// Mistakes", "Pitfalls", "Anti-patterns", "Don'ts") with a label that names an action
/// ("**Manually creating changelog files** — use the rake tasks instead"): the label is what
/// not to do, read as "Never manually creating changelog files; use the rake tasks …".
/// Labels of omissions ("**Missing `X`**", "**Not running …**") and of things ("**Hardcoded
/// URLs**") are left to the rest of the sentence.
fn mistake_rule(doc: &segment::Document, i: usize) -> Option<String> {
    static MISTAKES: OnceLock<Regex> = OnceLock::new();
    static LABEL: OnceLock<Regex> = OnceLock::new();
    let mistakes = MISTAKES.get_or_init(|| {
        Regex::new(r"(?i)\b(?:mistakes|pitfalls|anti-?patterns|don'?ts|what\s+not\s+to\s+do|things\s+to\s+avoid)\b").unwrap()
    });
    let label_re = LABEL.get_or_init(|| {
        Regex::new(r"^(?:\d+[.)]\s*)?(?:\*\*|__)([^*_]{3,80}?)[.:]?(?:\*\*|__)\s*[.:—–-]?\s*(.*)$")
            .unwrap()
    });
    let sentence = &doc.sentences[i];
    let block = &doc.blocks[sentence.block];
    let starts_block = i == 0 || doc.sentences[i - 1].block != sentence.block;
    if !starts_block || sentence.code_context.is_some() {
        return None;
    }
    if !mistakes.is_match(block.section.last()?) {
        return None;
    }
    let caps = label_re.captures(sentence.text.trim())?;
    let label = continued(caps[1].trim());
    names_an_action(&label).then(|| {
        let rest = caps[2].trim();
        match rest.is_empty() {
            true => format!("Never {label}."),
            false => format!("Never {label}; {rest}"),
        }
    })
}

/// A place in a layout list with the place it is not ("`test/` - Test files (NOT `spec/` -
/// we use Minitest)"): what belongs in the first belongs nowhere in the second, read as
/// "Never put test files in `spec/`". Only for an item opening with a directory and naming
/// another in a parenthesis that opens with "not", and stating no rule of its own.
fn contrast_rule(doc: &segment::Document, i: usize) -> Option<String> {
    static CONTRAST: OnceLock<Regex> = OnceLock::new();
    let re = CONTRAST.get_or_init(|| {
        Regex::new(r"^`([^`]+)`\s*(?:[:—–|-]\s*([^(]*?))?\s*\((?i:but\s+)?(?i:not)\s+`([^`]+)`")
            .unwrap()
    });
    let sentence = &doc.sentences[i];
    let block = &doc.blocks[sentence.block];
    let starts_block = i == 0 || doc.sentences[i - 1].block != sentence.block;
    if !block.is_item || !starts_block || sentence.code_context.is_some() {
        return None;
    }
    let text = clean_markdown(&sentence.text);
    let caps = re.captures(&text)?;
    let directory = |s: &str| s.ends_with('/') && objects::is_path(s);
    if !directory(&caps[1]) || !directory(&caps[3]) {
        return None;
    }
    if directive::parse(&mask(&text)).is_some() {
        return None;
    }
    let what = caps.get(2).map_or("", |m| m.as_str().trim());
    let what = match what.is_empty() {
        true => "files".to_string(),
        false => continued(what),
    };
    Some(format!("Never put {what} in `{}`.", &caps[3]))
}

/// The commands a text names, as recommended by the document: for a check-marked item that
/// is no sentence of its own ("✅ `pnpm install`"), as for the commands of its code blocks.
fn named_commands(text: &str, rel_path: &str, line: u32) -> Vec<Recommended> {
    mask(&clean_markdown(text))
        .objects
        .into_iter()
        .filter_map(|o| match o.kind {
            ObjectKind::Command(words) => Some(words.join(" ")),
            _ => None,
        })
        .map(|c| Recommended::command(&c, rel_path, line))
        .collect()
}

/// True when `label` opens with an action in its -ing form, after an optional adverb
/// ("Manually creating …", "Using `X` instead of `Y`").
fn names_an_action(label: &str) -> bool {
    const ADVERBS: &[&str] = &[
        "manually",
        "directly",
        "blindly",
        "accidentally",
        "silently",
        "unnecessarily",
    ];
    let lex = lexicon::lexicon();
    let mut words = label
        .split_whitespace()
        .map(|w| w.to_ascii_lowercase())
        .skip_while(|w| ADVERBS.contains(&w.as_str()));
    // "Missing `X`", "Forgetting the changelog": omissions, whose rule is the requirement.
    const OMISSIONS: &[&str] = &["missing", "forgetting", "omitting", "lacking", "neglecting"];
    words.next().is_some_and(|w| {
        w.ends_with("ing")
            && !OMISSIONS.contains(&w.as_str())
            && lexicon::verb_in(&lex.verbs.imperative, &w).is_some()
    })
}

/// Objects a pronoun in sentence `i` may refer to: paths the sentence itself names ("… under
/// `x/` are synced — never edit them"); else, for a sentence left open ("Do not edit these:",
/// "Never touch the following files"), the items after it; else the list `enumerated` below
/// it (`enumerated_below`); else its block's parent and
/// subject and the sentence before it, and the items after it when those name nothing
/// ("NEVER edit these files directly." above a list). Paths and code (code only counts where
/// the verb keeps it: "don't remove these").
fn referents(doc: &segment::Document, i: usize, enumerated: Option<&[String]>) -> Vec<Object> {
    let sentence = &doc.sentences[i];
    let is_path = |o: &Object| matches!(o.kind, ObjectKind::Path(_));
    let named = |o: &Object| matches!(o.kind, ObjectKind::Path(_) | ObjectKind::Code(_));
    let own: Vec<Object> = mask(&clean_markdown(&sentence.text))
        .objects
        .into_iter()
        .filter(is_path)
        .collect();
    if !own.is_empty() {
        return own;
    }
    // Commands come along (a requirement may ask for the code they spell), but only paths
    // and code decide where the referents are.
    let objects_in = |texts: Vec<&str>| -> Vec<Object> {
        texts
            .into_iter()
            .flat_map(|t| mask(&clean_markdown(t)).objects)
            .filter(|o| named(o) || matches!(o.kind, ObjectKind::Command(_)))
            .collect()
    };
    let block = &doc.blocks[sentence.block];
    let last_in_block = doc
        .sentences
        .get(i + 1)
        .is_none_or(|next| next.block != sentence.block);
    let following: Vec<&str> = match last_in_block {
        true => block.following_items.iter().map(String::as_str).collect(),
        false => Vec::new(),
    };
    if !sentence.text.trim_end().ends_with(['.', '!', '?']) && !following.is_empty() {
        return objects_in(following);
    }
    if let Some(examples) = enumerated {
        return objects_in(examples.iter().map(String::as_str).collect());
    }
    let mut before: Vec<&str> = Vec::new();
    if let Some(parent) = block.parent {
        let p = &doc.blocks[parent];
        before.extend(p.subject.as_deref());
        if p.is_item {
            before.push(&p.text);
        }
    }
    if i > 0 && doc.sentences[i - 1].block == sentence.block {
        before.push(&doc.sentences[i - 1].text);
    } else if sentence.block > 0 && !block.is_item {
        before.push(&doc.blocks[sentence.block - 1].text);
    }
    let earlier = objects_in(before);
    match earlier.iter().any(named) {
        false => objects_in(following),
        true => earlier,
    }
}

/// The list that enumerates what sentence `i` is about: the items below its block when the
/// sentence after it, the block's last, only announces them ("Update documentation files
/// only when asked to. This includes:", "… These are:", "… For example:").
fn enumerated_below(doc: &segment::Document, i: usize) -> Option<&[String]> {
    static ANNOUNCES: OnceLock<Regex> = OnceLock::new();
    let announces = ANNOUNCES.get_or_init(|| {
        Regex::new(
            r"(?i)^(?:(?:this|these|that|those|they|it)(?:\s+\w+){0,2}?\s+(?:includes?|covers?|means?|contains?|applies\s+to|are|is)|for\s+example|for\s+instance|e\.g\.|examples?|such\s+as|including|namely)\s*:$",
        )
        .unwrap()
    });
    let next = doc.sentences.get(i + 1)?;
    let block = &doc.blocks[next.block];
    let last_in_block = doc
        .sentences
        .get(i + 2)
        .is_none_or(|after| after.block != next.block);
    let announced = announces.is_match(clean_markdown(&next.text).trim());
    (next.block == doc.sentences[i].block && last_in_block && announced)
        .then_some(block.following_items.as_slice())
        .filter(|items| !items.is_empty())
}

/// The code block a sentence ending with a colon introduces ("All C# files require this
/// header:" and the header below it), as (language, text).
fn shown_code<'d>(
    doc: &'d segment::Document,
    sentence: &segment::Sentence,
) -> Option<(&'d str, &'d str)> {
    if sentence.code_context.is_some() || !sentence.text.trim_end().ends_with(':') {
        return None;
    }
    doc.code_blocks
        .iter()
        .find(|c| c.line > sentence.line && c.line <= sentence.line + 4)
        .filter(|c| !c.counter_example)
        .map(|c| (c.lang.as_str(), c.text.as_str()))
}

/// The scripts a document names anywhere, in prose or code blocks (`./Scripts/release.sh`,
/// `scripts/check.py`): programs written as a path.
fn document_scripts(doc: &segment::Document) -> Vec<String> {
    let script = |p: &str| p.contains('/') || p.ends_with(".sh") || p.ends_with(".py");
    let mut out: Vec<String> = doc
        .blocks
        .iter()
        .flat_map(|b| mask(&clean_markdown(&b.text)).objects)
        .filter_map(|o| match o.kind {
            ObjectKind::Program(p) if script(&p) => Some(p),
            ObjectKind::Command(words) => words.into_iter().next().filter(|p| script(p)),
            _ => None,
        })
        .chain(doc.code_blocks.iter().flat_map(|c| {
            c.text
                .lines()
                .filter_map(|l| l.trim().trim_start_matches("$ ").split_whitespace().next())
                .filter(|w| script(w) && objects::is_program_name(w))
                .map(String::from)
                .collect::<Vec<_>>()
        }))
        .map(|p| p.trim_start_matches("./").to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The directories a document names anywhere, in prose or as the scripts it shows: each
/// parent of a path written in a code span (`scripts` and `tests/fixtures` from
/// `scripts/<name>.sh` and `tests/fixtures/a.json`), and of its `scripts` (see
/// [`document_scripts`]); parts holding placeholders or globs are not names.
fn document_directories(doc: &segment::Document, scripts: &[String]) -> Vec<String> {
    static SPAN: OnceLock<Regex> = OnceLock::new();
    let span = SPAN.get_or_init(|| Regex::new(r"`([^`\n]+)`").unwrap());
    let paths = doc
        .blocks
        .iter()
        .flat_map(|b| {
            span.captures_iter(&b.text)
                .flat_map(|c| {
                    c[1].split_whitespace()
                        .filter(|w| w.contains('/') && !w.contains("://"))
                        .map(String::from)
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
        .chain(scripts.iter().cloned());
    let mut out = Vec::new();
    for path in paths {
        let path = path.trim_start_matches("./");
        let parts: Vec<&str> = path.split('/').collect();
        for end in 1..parts.len() {
            let part = parts[end - 1];
            if matches!(part, "" | "." | "..") || part.contains(['*', '<', '{', '$']) {
                break;
            }
            out.push(parts[..end].join("/"));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Commands named in the sentence's block, its parent and the code blocks of its section,
/// for the program a bare flag belongs to.
fn nearby_commands(doc: &segment::Document, block_index: usize) -> Vec<Vec<String>> {
    let block = &doc.blocks[block_index];
    let mut texts = vec![block.text.clone()];
    if let Some(parent) = block.parent {
        texts.push(doc.blocks[parent].text.clone());
    }
    let mut out: Vec<Vec<String>> = texts
        .iter()
        .flat_map(|t| mask(&clean_markdown(t)).objects)
        .filter_map(|o| match o.kind {
            ObjectKind::Command(words) => Some(words),
            _ => None,
        })
        .collect();
    for code in doc.code_blocks.iter().filter(|c| !c.counter_example) {
        for line in code.text.lines() {
            let words: Vec<String> = line
                .trim()
                .trim_start_matches("$ ")
                .split_whitespace()
                .map(String::from)
                .collect();
            if words.len() > 1 && objects::is_program_name(&words[0]) {
                out.push(words);
            }
        }
    }
    out
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Scope from where the file lives: its directory, or its front matter globs.
fn location_scope(base: &str, front: Option<&FrontMatter>) -> Vec<String> {
    if let Some(fm) = front {
        if !fm.globs.is_empty() && !fm.always_apply {
            return fm.globs.clone();
        }
    }
    if base.is_empty() {
        Vec::new()
    } else {
        vec![format!("{base}/**")]
    }
}

/// A rule in `web/AGENTS.md` saying "in tests" applies to tests under `web/`; a rule at the
/// root keeps the text's scope as is.
fn merge_scopes(location: &[String], text: &[String]) -> Vec<String> {
    match (location.is_empty(), text.is_empty()) {
        (true, _) => text.to_vec(),
        (false, true) => location.to_vec(),
        (false, false) => {
            let prefix = location[0].trim_end_matches("/**");
            if location.len() == 1 && !prefix.contains('*') {
                text.iter()
                    .map(|t| {
                        if t.starts_with(prefix) {
                            t.clone()
                        } else {
                            format!("{prefix}/{}", t.trim_start_matches("**/"))
                        }
                    })
                    .collect()
            } else {
                text.to_vec()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ctx_engine::anchor::{evaluate_anchor, Matcher, Polarity};

    #[test]
    fn a_permission_in_another_sentence_lifts_the_prohibition_where_it_allows() {
        let text = "# Modules\n\nAgents MUST:\n\n- Never depend on another module's `:internal` modules\n- Only `app-common` and `app-k9mail` may depend on `:internal` modules (for DI wiring)\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let permit = anchors
            .iter()
            .find(|a| a.polarity == Polarity::Allowed)
            .unwrap_or_else(|| panic!("a permission: {anchors:#?}"));
        let line = "line: app-common/build.gradle.kts: implementation(projects.core.internal)";
        let facts = ctx_engine::anchor::pinned::example_facts(line);
        assert!(!evaluate_anchor(permit, None, &facts).is_empty());
        let set = ctx_engine::anchor::AnchorSet::from_anchors(None, anchors.clone());
        let verdict = ctx_engine::check::decide(&set, &set.evaluate(&facts));
        assert_eq!(
            verdict.decision,
            ctx_engine::check::Decision::Allow,
            "{verdict:?}"
        );
        let elsewhere =
            "line: feature/mail/build.gradle.kts: implementation(projects.core.internal)";
        let facts = ctx_engine::anchor::pinned::example_facts(elsewhere);
        let verdict = ctx_engine::check::decide(&set, &set.evaluate(&facts));
        assert_eq!(verdict.decision, ctx_engine::check::Decision::Deny);
    }

    #[test]
    fn a_directory_named_in_words_is_the_one_the_document_shows() {
        let text = "# Rules\n\n### NEVER READ SCRIPTS\n\nALWAYS run `scripts/<script_name>.sh help` instead of reading the script.\n\n- Never read logs.\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let scripts = anchors
            .iter()
            .find(|a| a.text.contains("NEVER READ SCRIPTS"))
            .expect("the heading rule");
        assert_eq!(scripts.severity, Severity::Ask, "{:?}", scripts.tier_reason);
        let read = |path: &str| {
            let mut facts = ctx_engine::anchor::pinned::example_facts(&format!("path: {path}"));
            facts.effects[0].op = ctx_engine::check::FileOp::Read;
            facts
        };
        assert!(!evaluate_anchor(scripts, None, &read("scripts/deploy.sh")).is_empty());
        assert!(evaluate_anchor(scripts, None, &read("src/deploy.sh")).is_empty());
        let logs = anchors
            .iter()
            .find(|a| a.text.contains("read logs"))
            .unwrap();
        assert!(
            logs.matchers.is_empty(),
            "no `logs/` is shown: {:?}",
            logs.matchers
        );
        let text = "# Rules\n\n- See `api/README.md`.\n- Never commit API keys or secrets.\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let keys = anchors
            .iter()
            .find(|a| a.text.contains("API keys"))
            .unwrap();
        assert!(
            !keys.matchers.iter().any(|m| m.describe().contains("api/")),
            "\"API keys\" is no directory: {:?}",
            keys.matchers
        );
    }

    #[test]
    fn a_snippet_in_the_document_does_not_demote_a_whole_file_requirement() {
        let text = "# Style\n\n- Every new source file must include the license header.\n\n```java\nclass A {}\n```\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let header = anchors
            .iter()
            .find(|a| a.text.contains("license header"))
            .expect("the header rule");
        assert_eq!(header.severity, Severity::Block, "{:?}", header.tier_reason);
    }

    #[test]
    fn a_header_requirement_holds_for_the_kinds_of_file_it_names() {
        let text = "# Style\n\n- Every new source file MUST include the ASF license header — copy it from `header.txt` for `.java` and `.properties` files.\n- All C# files need the copyright header.\n- New source files must include the repository copyright header.\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let files_of = |needle: &str| -> Vec<String> {
            let anchor = anchors
                .iter()
                .find(|a| a.text.contains(needle))
                .unwrap_or_else(|| panic!("no {needle:?} rule"));
            match &anchor.matchers[..] {
                [Matcher::Code(m)] if m.required => m.files.globs().to_vec(),
                other => panic!("{needle:?}: {other:?}"),
            }
        };
        assert_eq!(
            files_of("ASF license"),
            ["**/*.java", "**/*.properties"],
            "named extensions"
        );
        assert_eq!(
            files_of("C# files"),
            ["**/*.cs"],
            "a language named in words"
        );
        let default = files_of("repository copyright");
        assert!(
            default.contains(&"**/*.py".to_string()) && default.contains(&"**/*.kt".to_string()),
            "no kind named: every source file {default:?}"
        );
    }

    #[test]
    fn a_list_announced_after_a_rule_names_its_object() {
        let text = "# Docs\n\n- Update documentation files intended for humans only when asked to. This includes:\n    - Contributing.md\n    - Readme.md\n    - /docs/*.md\n- Add docstrings for non-obvious code. For example, see below.\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let docs = anchors
            .iter()
            .find(|a| a.text.starts_with("Update documentation"))
            .expect("the docs rule");
        assert_eq!(
            docs.polarity,
            Polarity::Never,
            "only when asked: forbidden until asked"
        );
        let globs: Vec<String> = docs
            .matchers
            .iter()
            .flat_map(|m| match m {
                Matcher::Path(p) => p.globs.globs().to_vec(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(globs, ["Contributing.md", "Readme.md", "docs/*.md"]);
        let docstrings = anchors
            .iter()
            .find(|a| a.text.starts_with("Add docstrings"));
        assert!(
            docstrings.is_none_or(|a| a.matchers.is_empty()),
            "{docstrings:?}"
        );
    }

    #[test]
    fn a_negation_carries_over_or_to_the_next_verb_phrase() {
        let text = "# Setup\n\n- Never run `npm install` or create `package-lock.json`.\n- Never edit or delete `schema.sql`.\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let kinds = |needle: &str| -> Vec<String> {
            let anchor = anchors.iter().find(|a| a.text.contains(needle)).unwrap();
            anchor
                .matchers
                .iter()
                .map(|m| match m {
                    Matcher::Path(p) => format!("path {} {:?}", p.globs.globs().join(","), p.ops),
                    Matcher::Command(c) => format!("command {}", c.programs.join(",")),
                    other => format!("{other:?}"),
                })
                .collect()
        };
        let lock = kinds("package-lock");
        assert!(
            lock.iter().any(|k| k.starts_with("command npm")),
            "{lock:?}"
        );
        assert!(
            lock.iter().any(|k| k.starts_with("path package-lock.json")),
            "create names a file: {lock:?}"
        );
        assert!(
            !lock.iter().any(|k| k.contains("command package-lock")),
            "{lock:?}"
        );
        let schema = kinds("schema.sql");
        assert_eq!(
            schema.len(),
            1,
            "one object shared by both verbs: {schema:?}"
        );
    }

    #[test]
    fn lead_ins_and_comments_saying_what_a_command_does_are_not_rules() {
        let text = "# Dev\n\nMake sure you never log:\n\n- passwords\n- tokens\n\n```sh\njust minsize  # Update size snapshots\ncargo build  # never pass --release here\n# Apply license headers to files\n./gradlew licenseFormat\n# Never run this against production\n./deploy.sh\n# Add the SPDX license header to new files\n```\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let texts: Vec<&str> = anchors.iter().map(|a| a.text.as_str()).collect();
        assert!(!texts.contains(&"Make sure you never log:"), "{texts:?}");
        assert!(
            !texts.iter().any(|t| t.contains("Update size snapshots")),
            "{texts:?}"
        );
        assert!(
            texts.iter().any(|t| t.contains("never pass --release")),
            "a prohibition in a comment stays: {texts:?}"
        );
        assert!(
            !texts.iter().any(|t| t.contains("Apply license headers")),
            "a comment over a command labels it: {texts:?}"
        );
        assert!(
            texts.iter().any(|t| t.contains("Never run this against")),
            "a prohibition over a command stays: {texts:?}"
        );
        assert!(
            texts.iter().any(|t| t.contains("SPDX license header")),
            "a comment over no code is read as written: {texts:?}"
        );
    }

    #[test]
    fn a_forceful_lead_in_gives_its_items_their_polarity() {
        let text = "# Guide\n\nAgents MUST NOT:\n\n- Change licensing headers\n- Run `git push --force`\n\nWhen you are done:\n\n- Run `make test`\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let texts: Vec<&str> = anchors.iter().map(|a| a.text.as_str()).collect();
        let push = anchors
            .iter()
            .find(|a| a.text == "Agents MUST NOT: Run `git push --force`")
            .unwrap_or_else(|| panic!("{texts:?}"));
        assert_eq!(push.polarity, Polarity::Never);
        assert_eq!(push.severity, Severity::Block);
        let headers = anchors
            .iter()
            .find(|a| a.text.ends_with("Change licensing headers"))
            .unwrap_or_else(|| panic!("{texts:?}"));
        assert_eq!(headers.polarity, Polarity::Never, "{texts:?}");
        let test = anchors.iter().find(|a| a.text.contains("make test"));
        assert!(
            test.is_none_or(|a| a.polarity != Polarity::Never),
            "a lead-in without force changes nothing: {texts:?}"
        );
    }

    /// The anchor whose text contains `needle`.
    fn anchor_with<'a>(anchors: &'a [Anchor], needle: &str) -> &'a Anchor {
        let texts: Vec<&str> = anchors.iter().map(|a| a.text.as_str()).collect();
        anchors
            .iter()
            .find(|a| a.text.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in {texts:?}"))
    }

    /// The globs of an anchor's path matchers.
    fn path_globs(anchor: &Anchor) -> Vec<String> {
        anchor
            .matchers
            .iter()
            .filter_map(|m| match m {
                Matcher::Path(p) => Some(p.globs.globs().join(",")),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_do_and_dont_list_forbids_its_crossed_items() {
        let text = "# Pitfalls\n\n- ❌ Don't bypass pre-commit hooks\n- ✅ Run `pre-commit run --all-files` before committing\n- ❌ Use `npm install`\n- ✅ Use `pnpm install`\n- 🚫 `git push --force`\n- ❌ Windows is not supported\n- ✅ Linux\n";
        let anchors = extract_anchors("AGENTS.md", text);
        for needle in ["bypass pre-commit", "npm install`", "git push --force"] {
            let rule = anchor_with(&anchors, needle);
            assert_eq!(rule.polarity, Polarity::Never, "{needle}");
            assert_eq!(rule.severity, Severity::Block, "{needle}: {rule:?}");
        }
        assert!(
            !anchors
                .iter()
                .any(|a| a.text.contains("pre-commit run") || a.text.contains("pnpm install")),
            "a check mark recommends, it forbids nothing: {anchors:?}"
        );
        let doc = extract_document("AGENTS.md", text, Reading::default());
        let recommended: Vec<String> = doc.recommended.iter().map(|r| r.display()).collect();
        assert!(
            recommended.contains(&"`pre-commit run --all-files`".to_string()),
            "{recommended:?}"
        );
        assert!(
            !anchors
                .iter()
                .any(|a| a.text.contains("Windows") || a.text.contains("Linux")),
            "a marked description is no rule: {anchors:?}"
        );
    }

    #[test]
    fn a_check_marked_command_is_recommended() {
        let text = "# Tests\n\n- ✅ `npm ci`\n- ❌ Never run `npm ci` by hand.\n";
        let doc = extract_document("AGENTS.md", text, Reading::default());
        assert!(
            doc.recommended.iter().any(|r| r.display() == "`npm ci`"),
            "{:?}",
            doc.recommended
        );
    }

    #[test]
    fn a_label_that_forbids_gives_its_list_the_prohibition() {
        let text = "# Style\n\n**❌ Bad:**\n- `console.log` in library code\n- Use `eval()` for parsing\n\n❌ **Don't:**\n- Run `make deploy`\n\n**✅ Good:**\n- `logger.debug` calls\n\n**Bad Allocations in Hot Paths**: use references\n";
        let anchors = extract_anchors("AGENTS.md", text);
        for needle in ["console.log", "eval()", "make deploy"] {
            let rule = anchor_with(&anchors, needle);
            assert_eq!(rule.polarity, Polarity::Never, "{needle}: {rule:?}");
        }
        assert!(
            anchors
                .iter()
                .filter(|a| a.text.contains("logger.debug") || a.text.contains("references"))
                .all(|a| a.polarity != Polarity::Never),
            "{anchors:?}"
        );
    }

    #[test]
    fn a_lead_in_whose_verb_takes_the_list_gives_each_item_its_verb() {
        let text = "# Commits\n\nNever emit either of the following, in any form:\n\n- A `Co-Authored-By:` trailer naming an agent.\n- A `Signed-off-by:` trailer for a bot.\n\nRun the following commands before you push:\n\n- `make lint`\n\nUse one of the following package managers:\n\n- `pnpm`\n- `yarn`\n\nThe following files are generated:\n\n- `schema.go`\n";
        let anchors = extract_anchors("AGENTS.md", text);
        for needle in ["Co-Authored-By", "Signed-off-by"] {
            let rule = anchor_with(&anchors, needle);
            assert_eq!(rule.polarity, Polarity::Never, "{needle}");
            assert_eq!(rule.severity, Severity::Block, "{needle}: {rule:?}");
            assert!(
                matches!(rule.matchers[..], [Matcher::Git(_)]),
                "{needle}: {rule:?}"
            );
        }
        let lint = anchors.iter().find(|a| a.text.contains("make lint"));
        assert!(
            lint.is_none_or(|a| a.polarity == Polarity::Always),
            "{lint:?}"
        );
        assert!(
            anchors
                .iter()
                .filter(|a| a.text.contains("pnpm") || a.text.contains("yarn"))
                .all(|a| a.severity == Severity::Warn),
            "a choice requires none of its options alone: {anchors:?}"
        );
        assert!(
            !anchors.iter().any(|a| a.text.contains("schema.go")),
            "a description governs nothing: {anchors:?}"
        );
    }

    #[test]
    fn an_item_with_a_run_in_label_keeps_its_own_rule_under_a_lead_in() {
        let text = "# Reviews\n\nBased on past reviews, avoid:\n\n1. **Large changes**: Keep PRs focused\n2. **Modifying vendored sources**: Never modify files in `third_party/zlib/` - this is vendored code\n\nAgents MUST NOT:\n\n- Never touch `secrets/`\n\nIn tests, avoid:\n\n- Never call `time.sleep`\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let zlib = anchor_with(&anchors, "third_party/zlib/");
        assert_eq!(zlib.polarity, Polarity::Never);
        assert_eq!(zlib.severity, Severity::Block, "{zlib:?}");
        assert_eq!(path_globs(zlib), ["third_party/zlib/**"]);
        let large = anchor_with(&anchors, "Large changes");
        assert!(large.matchers.is_empty(), "{large:?}");
        let secrets = anchor_with(&anchors, "secrets/");
        assert_eq!(secrets.polarity, Polarity::Never);
        assert_eq!(secrets.severity, Severity::Block, "{secrets:?}");
        let sleep = anchor_with(&anchors, "time.sleep");
        assert_eq!(sleep.polarity, Polarity::Never);
        assert!(
            sleep.scope.contains(&"**/tests/**".to_string()),
            "the lead-in's condition still scopes: {sleep:?}"
        );
    }

    #[test]
    fn a_code_example_does_not_excuse_a_rule_on_a_place() {
        let text = "# Vendor\n\n- Never modify files in `third_party/zlib/`.\n\n```rust\nfn main() {}\n```\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let zlib = anchor_with(&anchors, "third_party/zlib/");
        assert_eq!(zlib.severity, Severity::Block, "{zlib:?}");
    }

    #[test]
    fn a_layout_item_names_the_place_its_contents_do_not_go() {
        let text = "# Layout\n\n- `lib/` - Production code\n- `test/` - Test files (NOT `spec/` - we use Minitest)\n- `docs/` - Guides (not generated)\n- `pnpm` - the package manager (not `npm`)\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let spec = anchor_with(&anchors, "spec/");
        assert_eq!(spec.polarity, Polarity::Never);
        assert_eq!(spec.severity, Severity::Block, "{spec:?}");
        assert_eq!(path_globs(spec), ["spec/**"]);
        assert!(
            !anchors
                .iter()
                .any(|a| a.text.contains("lib/") || a.text.contains("docs/")),
            "{anchors:?}"
        );
        assert!(
            anchors
                .iter()
                .filter(|a| a.text.contains("pnpm"))
                .all(|a| a.severity == Severity::Warn),
            "only places: {anchors:?}"
        );
    }

    #[test]
    fn the_wrapper_a_rule_asks_for_stays_allowed() {
        let text = "# Tools\n\nUse `./bin/rails` (not a global `rails` on `PATH`).\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let rule = anchors
            .iter()
            .find(|a| a.text.contains("bin/rails"))
            .unwrap_or_else(|| panic!("{anchors:?}"));
        let wrapped = rule.matchers.iter().any(|m| {
            matches!(m, ctx_engine::anchor::Matcher::Command(c)
                if c.programs == ["rails"] && c.unless_programs == ["bin/rails"])
        });
        assert!(wrapped, "{:?}", rule.matchers);
        assert_eq!(rule.severity, Severity::Block);
    }

    #[test]
    fn a_language_for_new_code_rules_out_new_files_of_the_other() {
        let anchors = extract_anchors("AGENTS.md", "# Code\n\n- Use TypeScript for all new code\n");
        let rule = anchors.first().unwrap_or_else(|| panic!("{anchors:?}"));
        let new_js = rule.matchers.iter().any(|m| {
            matches!(m, ctx_engine::anchor::Matcher::Path(p)
                if p.new_only && p.globs.globs().contains(&"**/*.js".to_string()))
        });
        assert!(new_js, "{:?}", rule.matchers);
        assert_eq!(rule.severity, Severity::Block);
    }

    #[test]
    fn a_package_a_rule_asks_for_is_never_a_forbidden_dependency() {
        let text = "# Code\n\n- Use `net.example.core.Logger` via dependency injection\n- Never add the `left-pad` package\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let is_dependency = |m: &ctx_engine::anchor::Matcher| {
            matches!(m, ctx_engine::anchor::Matcher::Dependency(_))
        };
        let use_logger = anchors.iter().find(|a| a.text.contains("Logger"));
        assert!(
            use_logger.is_none_or(|a| !a.matchers.iter().any(is_dependency)),
            "{use_logger:?}"
        );
        let left_pad = anchors
            .iter()
            .find(|a| a.text.contains("left-pad"))
            .unwrap_or_else(|| panic!("{anchors:?}"));
        assert!(left_pad.matchers.iter().any(is_dependency), "{left_pad:?}");
    }

    #[test]
    fn a_pronoun_refers_to_the_path_its_own_sentence_names() {
        let text = "# Translations\n\n`i18n/en.go` is the file you edit. The other languages under `i18n/translations/` are synced automatically — never edit them by hand.\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let rule = anchors
            .iter()
            .find(|a| a.text.contains("never edit them"))
            .unwrap_or_else(|| panic!("{anchors:?}"));
        let globs: Vec<String> = rule
            .matchers
            .iter()
            .filter_map(|m| match m {
                ctx_engine::anchor::Matcher::Path(p) => Some(p.globs.globs().join(",")),
                _ => None,
            })
            .collect();
        assert_eq!(globs, ["i18n/translations/**"], "{rule:?}");
    }

    #[test]
    fn a_verb_given_up_is_not_a_module() {
        let text = "# Tests\n\n- When writing unit tests, prefer using the `memory://` URI instead of creating a temporary directory.\n";
        let anchors = extract_anchors("AGENTS.md", text);
        assert!(anchors.iter().all(|a| a.matchers.is_empty()), "{anchors:?}");
    }

    #[test]
    fn a_leading_label_does_not_hide_the_rule() {
        for line in [
            "**Builds.** Never run `rm -rf build` here.",
            "**Builds** Never run `rm -rf build` here.",
            "**Builds:** Never run `rm -rf build` here.",
            "Note: never run `rm -rf build` here.",
            "**Builds.** [HARD GATE] Never run `rm -rf build` here.",
            "- **Builds.** Never run `rm -rf build` here.",
            "1. __Builds__ — never run `rm -rf build` here.",
        ] {
            let anchors = extract_anchors("AGENTS.md", &format!("# Rules\n\n{line}\n"));
            let texts: Vec<&str> = anchors.iter().map(|a| a.text.as_str()).collect();
            let rule = anchors
                .iter()
                .find(|a| a.text.contains("rm -rf build"))
                .unwrap_or_else(|| panic!("{line}: {texts:?}"));
            assert_eq!(rule.polarity, Polarity::Never, "{line}");
            assert_eq!(rule.severity, Severity::Block, "{line}");
            assert_eq!(anchors.len(), 1, "{line}: {texts:?}");
        }
    }

    #[test]
    fn a_bold_label_alone_is_a_lead_in() {
        let text = "# API\n\n**Never**\n- Break the public API — keep changes backward-compatible.\n- Run `git push --force`\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let texts: Vec<&str> = anchors.iter().map(|a| a.text.as_str()).collect();
        let push = anchors
            .iter()
            .find(|a| a.text.ends_with("Run `git push --force`"))
            .unwrap_or_else(|| panic!("{texts:?}"));
        assert_eq!(push.polarity, Polarity::Never, "{texts:?}");
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("Never: Break the public API")),
            "{texts:?}"
        );
    }

    #[test]
    fn a_directive_heading_governs_its_list_of_bare_objects() {
        let text = "# Guide\n\n## Do Not Edit\n\n**Generated files:**\n- `*.pb.go`\n- `internal/proto-gen/`\n\n## Layout\n\n- `cmd/` holds the binaries\n";
        let anchors = extract_anchors("AGENTS.md", text);
        let texts: Vec<&str> = anchors.iter().map(|a| a.text.as_str()).collect();
        assert!(texts.contains(&"Do Not Edit `*.pb.go`"), "{texts:?}");
        assert!(
            texts.contains(&"Do Not Edit `internal/proto-gen/`"),
            "{texts:?}"
        );
        assert!(
            !texts.iter().any(|t| t.contains("cmd/")),
            "a descriptive heading governs nothing: {texts:?}"
        );
        let pb = anchors
            .iter()
            .find(|a| a.text.ends_with("`*.pb.go`"))
            .unwrap();
        assert_eq!(pb.severity, Severity::Block);
        assert_eq!(pb.matchers.len(), 1, "{:?}", pb.matchers);
    }

    #[test]
    fn instruction_files_are_recognised() {
        for p in [
            "AGENTS.md",
            "web/AGENTS.md",
            ".claude/CLAUDE.md",
            ".claude/rules/api.md",
            ".cursor/rules/base.mdc",
            ".github/instructions/py.instructions.md",
            ".github/copilot-instructions.md",
            "CONTRIBUTING.md",
            ".cursorrules",
        ] {
            assert!(is_instruction_file(p), "{p}");
        }
        for p in [
            "README.md",
            "docs/guide.md",
            ".cursor/rules/x.md",
            "src/agents.rs",
        ] {
            assert!(!is_instruction_file(p), "{p}");
        }
    }

    #[test]
    fn nested_files_scope_to_their_directory() {
        assert_eq!(base_dir("web/AGENTS.md"), "web");
        assert_eq!(base_dir(".claude/rules/a.md"), "");
        let anchors = extract_anchors("web/AGENTS.md", "- Never hand-edit `generated/`.\n");
        assert_eq!(anchors[0].scope, ["web/**"]);
        assert!(anchors[0].matchers[0]
            .describe()
            .contains("web/generated/**"));
    }

    #[test]
    fn change_logs_and_licences_give_no_anchors() {
        let text = "- Never push to prod.\n";
        for path in [
            "CHANGELOG.md",
            "docs/HISTORY.rst",
            "LICENSE",
            "NEWS.txt",
            "CODE_OF_CONDUCT.md",
        ] {
            assert!(is_record_document(path), "{path}");
            assert!(extract_anchors(path, text).is_empty(), "{path}");
        }
        assert!(!is_record_document("docs/changes-to-make.md"));
    }

    #[test]
    fn documents_in_test_data_and_vendored_code_state_no_rules() {
        let text = "- Never push to prod.\n";
        for path in [
            "tests/fixtures/guide.md",
            "pkg/testdata/README.md",
            "vendor/lib/README.md",
        ] {
            assert!(extract_anchors(path, text).is_empty(), "{path}");
        }
        assert_eq!(extract_anchors("docs/fixtures.md", text).len(), 1);
        let nested = extract_anchors("tests/fixtures/app/AGENTS.md", text);
        assert_eq!(
            nested[0].scope,
            ["tests/fixtures/app/**"],
            "instruction files keep their scope"
        );
        assert_eq!(extract_anchors("docs/guide.md", text).len(), 1);
    }

    #[test]
    fn binary_and_huge_input_are_safe() {
        assert!(extract_anchors("AGENTS.md", "never\0junk").is_empty());
        let huge = "- Never push to prod.\n".repeat(200_000);
        let anchors = extract_anchors("AGENTS.md", &huge);
        assert_eq!(anchors.len(), 1, "identical sentences share one id");
    }
}
