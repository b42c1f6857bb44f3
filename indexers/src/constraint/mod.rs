//! Constraint extraction: finding a project's rules in its documentation and compiling them
//! into anchors.
//!
//! [`extract_anchors`] reads one document (agent-instruction file or any markdown/text doc),
//! finds sentences stating a constraint (never, do not, must, always, only, avoid, forbidden,
//! required, "use X, not Y" … in bullets, tables, bold text, prose and comments in code blocks),
//! keeps each verbatim with its line, derives its scope from where it lives (nested
//! `AGENTS.md`, front matter `paths`/`globs`/`applyTo`) and from what it says ("in tests",
//! "under `src/api`"), and compiles what it can into matchers ([`compile`]). Sentences in
//! instruction files that are plain imperatives ("Follow Conventional Commits") become anchors
//! only when something checkable compiles from them.
//!
//! The lead's `ctx index` calls [`extract_anchors`] for every changed documentation file and
//! saves the union with `ctx_engine::anchor::write_extracted`.

mod compile;
mod detect;
mod frontmatter;
mod segment;
mod spans;
mod vocabulary;

#[cfg(test)]
mod fixture_tests;

pub use compile::{compile, compile_text, Compiled, RuleContext};
pub use detect::{detect, Trigger};
pub use frontmatter::{parse_front_matter, FrontMatter};

use ctx_engine::anchor::{Anchor, AnchorSource};
use std::collections::HashSet;

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
    ".cursorrules",
    ".windsurfrules",
    ".clinerules",
    "copilot-instructions.md",
];

/// True for agent-instruction files: `AGENTS.md` (any directory), `CLAUDE.md`,
/// `.claude/CLAUDE.md`, `CLAUDE.local.md`, `.claude/rules/*.md`, `.cursorrules`,
/// `.cursor/rules/*.mdc`, `.github/copilot-instructions.md`,
/// `.github/instructions/*.instructions.md`, `GEMINI.md`, `CONVENTIONS.md`, `CONTRIBUTING.md`.
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

/// Every anchor stated in one document. `rel_path` is relative to the repository root.
pub fn extract_anchors(rel_path: &str, text: &str) -> Vec<Anchor> {
    if text.as_bytes().contains(&0) || is_record_document(rel_path) {
        return Vec::new();
    }
    let text = truncate(text, MAX_DOC_BYTES);
    let instruction = is_instruction_file(rel_path);
    if !instruction && is_in_data_directory(rel_path) {
        return Vec::new();
    }
    let front = frontmatter::parse_front_matter(text);
    let skip = front.as_ref().map_or(0, |f| f.lines);
    let body: String = text.lines().skip(skip).collect::<Vec<_>>().join("\n");
    let doc = segment::segment(&body, skip as u32 + 1);
    let base = base_dir(rel_path);
    let location_scope = location_scope(&base, front.as_ref());
    let mut seen = HashSet::new();
    let mut anchors = Vec::new();
    for (i, sentence) in doc.sentences.iter().enumerate() {
        let block = &doc.blocks[sentence.block];
        let rule_text = if sentence.code_context.is_some() {
            block.text.as_str()
        } else {
            sentence.text.as_str()
        };
        let plain = compile::clean_markdown(rule_text);
        let Some(trigger) = detect::detect(&plain) else {
            continue;
        };
        let is_rule = instruction || (trigger.strong && detect::is_directive(&plain));
        if !is_rule {
            continue;
        }
        let previous = (i > 0 && doc.sentences[i - 1].block == sentence.block)
            .then(|| doc.sentences[i - 1].text.as_str());
        let ctx = RuleContext {
            previous,
            following_items: &block.following_items,
            block: &block.text,
            code_context: sentence.code_context.as_deref(),
            base_dir: &base,
            sentence: "",
        };
        let compiled = compile::compile(rule_text, trigger.polarity, &ctx);
        if !trigger.strong && compiled.matchers.is_empty() {
            continue;
        }
        if !instruction && is_unscoped_permission(trigger.polarity, &compiled) {
            continue;
        }
        let mut anchor = Anchor::new(
            sentence.text.clone(),
            trigger.polarity,
            AnchorSource::Doc {
                path: rel_path.to_string(),
                line: sentence.line,
            },
        );
        if !seen.insert(anchor.id.clone()) {
            continue;
        }
        anchor.severity = trigger.severity;
        anchor.scope = merge_scopes(&location_scope, &compiled.scope);
        anchor.matchers = compiled.matchers;
        anchor.notes = if compiled.notes.is_empty() {
            vec!["semantic-only: no checkable phrase recognised".to_string()]
        } else {
            compiled.notes
        };
        anchors.push(anchor);
        if anchors.len() >= MAX_ANCHORS_PER_DOC {
            break;
        }
    }
    anchors
}

/// A permission in general documentation that names nothing checkable and no scope ("you
/// may want to tune the merge policy") grants nothing, so it is not kept.
fn is_unscoped_permission(polarity: ctx_engine::anchor::Polarity, compiled: &Compiled) -> bool {
    polarity == ctx_engine::anchor::Polarity::Allowed
        && compiled.matchers.is_empty()
        && compiled.scope.is_empty()
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
