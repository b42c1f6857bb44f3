//! Import direction between areas of the code: "Client code NEVER imports server code",
//! "`core` layer cannot import `api`, `cli`, … or `utils`". The subject and the objects are
//! areas of the code base (a code span, or a word before a noun such as "code" or "layer",
//! `patterns.toml` `import_direction`); an import line naming an object area, added to a file
//! under the subject area, breaks the rule. Said with "should", the rule asks.

use super::compile::CompiledRule;
use super::lexicon::lexicon;
use super::objects::Masked;
use super::patterns::patterns;
use ctx_engine::anchor::{CodeMatcher, GlobList, Matcher, Polarity, Severity};
use regex::Regex;
use std::sync::OnceLock;

/// The rule a sentence states about imports between areas, if it states one.
pub fn import_direction(masked: &Masked) -> Option<CompiledRule> {
    let caps = patterns()
        .import_direction
        .iter()
        .find_map(|p| p.regex().captures(&masked.text))?;
    let subject = match (caps.name("subject"), caps.name("word")) {
        (Some(span), _) => area(&span_text(masked, span.as_str())?)?,
        (None, Some(word)) => area(word.as_str())?,
        (None, None) => return None,
    };
    let objects = &caps["objects"];
    let named_by_kind = caps.name("okind").is_some();
    let mut areas = Vec::new();
    for item in split_list(objects) {
        let text = match span_text(masked, item) {
            Some(span) => span,
            // A bare word is an area only before its noun ("server code").
            None if named_by_kind => item.to_string(),
            None => return None,
        };
        areas.push(area(&text)?);
    }
    if areas.is_empty() || areas.contains(&subject) {
        return None;
    }
    // The area wherever it lies: `core` is `src/pkg/core/`.
    let files = vec![format!("**/{}/**", subject.join("/"))];
    let mut out = CompiledRule {
        polarity: Polarity::Never,
        severity: if caps["modal"].starts_with("should") {
            Severity::Ask
        } else {
            Severity::Block
        },
        tier_reason: if caps["modal"].starts_with("should") {
            "ask: \"should\" makes the import rule a strong recommendation".into()
        } else {
            "deny: the rule names both areas and forbids the import outright".into()
        },
        ..CompiledRule::default()
    };
    for object in &areas {
        let mut m = CodeMatcher::new(import_of(object)).in_files(files.clone());
        m.except_files = GlobList::new(lexicon().prose.files.clone());
        let m = Matcher::Code(m);
        if m.validate().is_err() {
            continue;
        }
        out.notes.push(format!(
            "imports of `{}` in files under `{}/`",
            object.join("/"),
            subject.join("/")
        ));
        out.matchers.push(m);
    }
    (!out.matchers.is_empty()).then_some(out)
}

/// The text of the span a `§N§` placeholder stands for.
fn span_text(masked: &Masked, placeholder: &str) -> Option<String> {
    let n: usize = placeholder.trim().trim_matches('§').parse().ok()?;
    masked.objects.get(n).map(|o| o.text.clone())
}

/// The items of a list of objects ("§1§, §2§, or §3§", "server").
fn split_list(list: &str) -> Vec<&str> {
    static SEP: OnceLock<Regex> = OnceLock::new();
    let sep = SEP.get_or_init(|| Regex::new(r"\s*(?:,|/|\bor\b|\band\b|\bnor\b)\s*").unwrap());
    sep.split(list)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// An area's path segments (`src/server/` → `src`, `server`; `sqlfluff.cli` → `sqlfluff`,
/// `cli`), or `None` when the text is no name of one.
fn area(text: &str) -> Option<Vec<String>> {
    let text = text.trim().trim_start_matches("./").trim_matches('/');
    let segments: Vec<String> = text
        .split(['/', '.'])
        .flat_map(|s| s.split("::"))
        .map(str::to_ascii_lowercase)
        .collect();
    let name = |s: &String| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
            && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
    };
    (!segments.is_empty() && segments.iter().all(name)).then_some(segments)
}

/// A regex for an import line naming the area, in the import syntaxes of the common
/// languages: a module string holding it as path segments (JS/TS `from '…'`, `import '…'`,
/// `require(…)`, `import(…)`, a Go import path), or a dotted or `::` path holding it
/// (Python `from … import` and `import …`, Java `import …;`, Rust `use …`).
fn import_of(area: &[String]) -> String {
    let escaped: Vec<String> = area.iter().map(|s| regex::escape(s)).collect();
    let slashed = escaped.join("/");
    let dotted = escaped.join(r"\.");
    let rust = escaped.join("::");
    [
        format!(r#"\bfrom\s+["'](?:[^"'\s]*[/@])?{slashed}(?:/[^"'\s]*)?["']"#),
        format!(r#"^\s*import\s+["'](?:[^"'\s]*[/@])?{slashed}(?:/[^"'\s]*)?["']"#),
        format!(r#"\b(?:require|import)\(\s*["'](?:[^"'\s]*[/@])?{slashed}(?:/[^"'\s]*)?["']"#),
        format!(r#"^\s*(?:import\s+)?(?:[\w.]+\s+)?"[^"\s]*/{slashed}(?:/[^"\s]*)?"\s*$"#),
        format!(r"^\s*from\s+\.*(?:\w+\.)*{dotted}(?:\.\w+)*\s+import\b"),
        format!(r"^\s*import\s+(?:static\s+)?(?:\w+\.)*{dotted}(?:\.[\w*]+)*\s*(?:;|,|$|\s+as\b)"),
        format!(r"^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+(?:\w+::)*{rust}(?:::|;|\s)"),
    ]
    .join("|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::objects::mask;

    fn rule(text: &str) -> Option<CompiledRule> {
        import_direction(&mask(&crate::constraint::clean_markdown(text)))
    }

    fn hits(rule: &CompiledRule, path: &str, line: &str) -> bool {
        rule.matchers.iter().any(|m| match m {
            Matcher::Code(c) => {
                c.files.is_match(path) && Regex::new(&c.pattern).unwrap().is_match(line)
            }
            _ => false,
        })
    }

    #[test]
    fn an_area_that_never_imports_another_forbids_those_imports_under_it() {
        let r = rule("**Key rule**: Client code NEVER imports server code.").unwrap();
        assert_eq!(r.severity, Severity::Block);
        let client = "packages/core/src/client/page.ts";
        assert!(hits(&r, client, "import { Page } from '../server/page';"));
        assert!(hits(&r, client, "const s = require('../server/index')"));
        assert!(!hits(
            &r,
            client,
            "import type * as channels from '@protocol/channels';"
        ));
        assert!(!hits(
            &r,
            client,
            "import { serverSide } from './serverSide';"
        ));
        assert!(!hits(
            &r,
            "packages/core/src/server/page.ts",
            "import { x } from './server/y';"
        ));
        let layers =
            rule("`core` layer cannot import `api`, `cli`, `dialects`, or `utils`").unwrap();
        let linter = "src/pkg/core/linter/linter.py";
        assert!(hits(
            &layers,
            linter,
            "from pkg.cli.formatters import OutputStreamFormatter"
        ));
        assert!(hits(&layers, linter, "import pkg.utils as u"));
        assert!(hits(&layers, linter, "from ..dialects import ansi"));
        assert!(!hits(
            &layers,
            linter,
            "from pkg.core.config import FluffConfig"
        ));
        assert!(!hits(
            &layers,
            "src/pkg/cli/commands.py",
            "from pkg.cli.x import y"
        ));
        let rust = rule("The `engine` crate must not import from `cli`.").unwrap();
        assert!(hits(&rust, "engine/src/lib.rs", "use crate::cli::Args;"));
        assert!(hits(
            &rust,
            "engine/src/lib.rs",
            "pub use cli::{run, Args};"
        ));
        let should = rule("Code in `src/ui/` should never import `src/db`.").unwrap();
        assert_eq!(should.severity, Severity::Ask);
        assert!(hits(
            &should,
            "src/ui/a.ts",
            "import { q } from '../../src/db/query';"
        ));
        assert!(hits(
            &should,
            "app/src/ui/b.go",
            "\t\"example.com/app/src/db\""
        ));
    }

    #[test]
    fn descriptions_the_reader_and_bare_words_state_no_import_direction() {
        for text in [
            "The `core` package does not import `cli`.",
            "You must not import `server` modules.",
            "Never import dialect modules directly.",
            "Tests should not import private helpers.",
            "Client code never imports anything but the protocol.",
            "The `core` layer must not import `core`.",
        ] {
            assert!(rule(text).is_none(), "{text}");
        }
    }
}
