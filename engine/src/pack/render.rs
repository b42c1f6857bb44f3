//! The text of a pack, in pieces whose token counts add up.
//!
//! Every piece starts with a character that is neither whitespace nor `/` and ends with a
//! newline, so the places where pieces join are safe boundaries
//! ([`is_safe_boundary`](super::tokens::is_safe_boundary)): the token count of the whole
//! pack is exactly the sum of the counts of its pieces. Code lines are numbered (`12| `),
//! which also keeps them safe to join.

use crate::secrets::redact_owned;
use serde::{Deserialize, Serialize};

/// Output formats of `ctx pack`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// XML-tagged sections (the default; what most models follow best).
    #[default]
    Xml,
    /// Markdown headings and fenced code.
    Markdown,
    /// A JSON object describing the pack, with the XML prompt in `prompt`.
    Json,
}

impl Format {
    /// Parses `xml`, `markdown` (or `md`) and `json`.
    pub fn parse(name: &str) -> Option<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "xml" => Some(Format::Xml),
            "markdown" | "md" => Some(Format::Markdown),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// The format of the prompt text itself (JSON wraps XML).
    fn prompt(self) -> Format {
        match self {
            Format::Json => Format::Xml,
            other => other,
        }
    }
}

/// An anchor as a pack shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackAnchor {
    /// Stable id.
    pub id: String,
    /// The rule's text.
    pub text: String,
    /// `never`, `always` or `allow`.
    pub polarity: String,
    /// `deny` or `warn`.
    pub severity: String,
    /// Globs the rule applies to; empty = everywhere.
    pub scope: Vec<String>,
    /// Where the rule comes from (`AGENTS.md:12`, `pinned`).
    pub source: String,
    /// True for rules extracted from general documentation (not an agent-instruction
    /// file, not pinned, not the plan) that ctx cannot enforce: they go in while they fit
    /// in a small share of the budget, the rest are counted in the manifest.
    pub advisory: bool,
}

/// Makes the pieces of a pack in one format.
#[derive(Debug, Clone, Copy)]
pub struct Renderer {
    format: Format,
}

fn attr(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('\n', " ")
}

/// Makes a text start safely (not with whitespace or `/`) and end with a newline.
fn safe_block(text: &str) -> String {
    let trimmed = text.trim_matches(|c: char| c == '\n' || c == '\r');
    let mut out = String::with_capacity(trimmed.len() + 4);
    if trimmed
        .chars()
        .next()
        .is_some_and(|c| c.is_whitespace() || c == '/')
    {
        out.push_str("> ");
    }
    out.push_str(trimmed);
    out.push('\n');
    out
}

impl Renderer {
    /// A renderer for `format`.
    pub fn new(format: Format) -> Renderer {
        Renderer {
            format: format.prompt(),
        }
    }

    fn xml(&self) -> bool {
        self.format == Format::Xml
    }

    /// The first piece: what this pack is.
    pub fn header(&self, model: &str, tokenizer: &str) -> String {
        if self.xml() {
            format!(
                "<ctx-pack model=\"{}\" tokenizer=\"{}\">\n",
                attr(model),
                attr(tokenizer)
            )
        } else {
            format!("# Context pack (model {model}, tokenizer {tokenizer})\n")
        }
    }

    /// The anchors section: every rule in full, first in the pack.
    pub fn anchors(&self, anchors: &[PackAnchor]) -> String {
        let mut out = String::new();
        if self.xml() {
            out.push_str("<anchors note=\"project rules: always follow them\">\n");
            for a in anchors {
                let scope = if a.scope.is_empty() {
                    String::new()
                } else {
                    format!(" scope=\"{}\"", attr(&a.scope.join(", ")))
                };
                out.push_str(&format!(
                    "<anchor id=\"{}\" rule=\"{}\" severity=\"{}\"{scope} source=\"{}\">\n",
                    attr(&a.id),
                    attr(&a.polarity),
                    attr(&a.severity),
                    attr(&a.source)
                ));
                out.push_str(&safe_block(&a.text));
                out.push_str("</anchor>\n");
            }
            out.push_str("</anchors>\n");
        } else {
            out.push_str("## Rules (always follow them)\n");
            for a in anchors {
                let scope = if a.scope.is_empty() {
                    String::new()
                } else {
                    format!(" (in {})", a.scope.join(", "))
                };
                out.push_str(&format!(
                    "- [{}] {} {}{scope}: {}\n",
                    a.id,
                    a.severity,
                    a.polarity,
                    a.text.replace('\n', " ")
                ));
            }
        }
        // secret filter: rules quote their documents
        redact_owned(out)
    }

    /// Opens the repository map.
    pub fn map_open(&self) -> String {
        if self.xml() {
            "<repo-map note=\"files around the task first, then the most central files, with their main symbols\">\n".into()
        } else {
            "## Repository map (files around the task first, then the most central files)\n".into()
        }
    }

    /// Closes the map.
    pub fn map_close(&self) -> String {
        if self.xml() {
            "</repo-map>\n".into()
        } else {
            String::new()
        }
    }

    /// One map entry: a file and its most important symbols.
    pub fn map_entry(&self, path: &str, symbols: &[&str]) -> String {
        let bullet = if self.xml() { "" } else { "- " };
        if symbols.is_empty() {
            format!("{bullet}{path}\n")
        } else {
            redact_owned(format!("{bullet}{path}: {}\n", symbols.join(", ")))
        }
    }

    /// The task: the query and the pinned plan (pretty JSON).
    pub fn task(&self, query: &str, plan: Option<&str>) -> String {
        let mut out = String::new();
        if self.xml() {
            out.push_str("<task>\n");
            if !query.trim().is_empty() {
                out.push_str("<query>\n");
                out.push_str(&safe_block(query));
                out.push_str("</query>\n");
            }
            if let Some(plan) = plan {
                out.push_str("<plan>\n");
                out.push_str(&safe_block(plan));
                out.push_str("</plan>\n");
            }
            out.push_str("</task>\n");
        } else {
            out.push_str("## Task\n");
            if !query.trim().is_empty() {
                out.push_str(&safe_block(query));
            }
            if let Some(plan) = plan {
                out.push_str("### Plan\n```json\n");
                out.push_str(&safe_block(plan));
                out.push_str("```\n");
            }
        }
        redact_owned(out)
    }

    /// The task again, after the code (`query` already cut to length; empty: nothing).
    pub fn task_restated(&self, query: &str) -> String {
        if query.trim().is_empty() {
            return String::new();
        }
        let mut out = String::new();
        if self.xml() {
            out.push_str("<task note=\"the task again, now that the code has been read\">\n");
            out.push_str(&safe_block(query));
            out.push_str("</task>\n");
        } else {
            out.push_str("## Task (again, after the code)\n");
            out.push_str(&safe_block(query));
        }
        out
    }

    /// Opens the code section.
    pub fn code_open(&self) -> String {
        if self.xml() {
            "<code note=\"most relevant files last; numbered lines; ⋮ marks lines left out\">\n"
                .into()
        } else {
            "## Code (most relevant files last)\n".into()
        }
    }

    /// Closes the code section.
    pub fn code_close(&self) -> String {
        if self.xml() {
            "</code>\n".into()
        } else {
            String::new()
        }
    }

    /// Opens one file.
    pub fn file_open(&self, path: &str, language: &str) -> String {
        if self.xml() {
            format!("<file path=\"{}\">\n", attr(path))
        } else {
            format!("### {path}\n```{}\n", fence_language(language))
        }
    }

    /// Closes one file.
    pub fn file_close(&self) -> String {
        if self.xml() {
            "</file>\n".into()
        } else {
            "```\n".into()
        }
    }

    /// Marks lines left out.
    pub fn gap(&self) -> String {
        "⋮\n".into()
    }

    /// Numbered lines of a chunk's (masked) text starting at `first_line`.
    pub fn lines(&self, text: &str, first_line: u32) -> String {
        let mut out = String::with_capacity(text.len() + text.len() / 8 + 8);
        for (i, line) in text.lines().enumerate() {
            numbered(&mut out, first_line + i as u32, line);
        }
        if out.is_empty() {
            numbered(&mut out, first_line, "");
        }
        out
    }

    /// The anchors again, briefly, at the end of the pack.
    pub fn reminder(&self, anchors: &[PackAnchor]) -> String {
        let mut out = String::new();
        if anchors.is_empty() {
            return out;
        }
        if self.xml() {
            out.push_str("<reminder note=\"the rules above still apply\">\n");
        } else {
            out.push_str("## Reminder: the rules above still apply\n");
        }
        for a in anchors {
            out.push_str(&format!("- [{}] {}\n", a.id, brief(&a.text)));
        }
        if self.xml() {
            out.push_str("</reminder>\n");
        }
        redact_owned(out)
    }

    /// Opens the manifest of what was left out.
    pub fn manifest_open(&self) -> String {
        if self.xml() {
            "<omitted>\n".into()
        } else {
            "## Left out\n".into()
        }
    }

    /// One manifest line.
    pub fn manifest_line(&self, text: &str) -> String {
        format!("- {}\n", text.replace('\n', " "))
    }

    /// Closes the manifest.
    pub fn manifest_close(&self) -> String {
        if self.xml() {
            "</omitted>\n".into()
        } else {
            String::new()
        }
    }

    /// The last piece.
    pub fn footer(&self) -> String {
        if self.xml() {
            "</ctx-pack>\n".into()
        } else {
            String::new()
        }
    }
}

fn numbered(out: &mut String, number: u32, line: &str) {
    use std::fmt::Write;
    if line.is_empty() {
        let _ = writeln!(out, "{number}|");
    } else {
        let _ = writeln!(out, "{number}| {line}");
    }
}

/// The first sentence of a rule, at most 160 characters.
fn brief(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = one_line.find(". ").map(|i| i + 1).unwrap_or(one_line.len());
    let sentence = &one_line[..end];
    if sentence.chars().count() <= 160 {
        return sentence.to_string();
    }
    let cut: String = sentence.chars().take(157).collect();
    format!("{cut}...")
}

fn fence_language(language: &str) -> &str {
    match language {
        "text" | "unknown" | "" => "",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor() -> PackAnchor {
        PackAnchor {
            id: "d1a2".into(),
            text: "Never call the network in tests. Use fixtures instead.".into(),
            polarity: "never".into(),
            severity: "deny".into(),
            scope: vec!["tests/**".into()],
            source: "AGENTS.md:3".into(),
            advisory: false,
        }
    }

    #[test]
    fn every_piece_joins_at_a_safe_boundary() {
        for format in [Format::Xml, Format::Markdown] {
            let r = Renderer::new(format);
            let pieces = [
                r.header("m", "o200k_base"),
                r.anchors(&[anchor()]),
                r.map_open(),
                r.map_entry("src/a.py", &["A", "A.run"]),
                r.map_close(),
                r.task("  /indented query\n", Some("{\n  \"goal\": \"x\"\n}")),
                r.code_open(),
                r.file_open("src/a.py", "python"),
                r.lines("def f():\n\n    return 1\n", 10),
                r.gap(),
                r.file_close(),
                r.code_close(),
                r.task_restated("  /indented query\n"),
                r.reminder(&[anchor()]),
                r.manifest_open(),
                r.manifest_line("12 files"),
                r.manifest_close(),
                r.footer(),
            ];
            for p in pieces.iter().filter(|p| !p.is_empty()) {
                assert!(p.ends_with('\n'), "{p:?}");
                let first = p.chars().next().unwrap();
                assert!(!first.is_whitespace() && first != '/', "{format:?}: {p:?}");
            }
        }
    }

    #[test]
    fn numbers_lines_and_keeps_blank_ones() {
        let r = Renderer::new(Format::Xml);
        assert_eq!(r.lines("a\n\nb", 7), "7| a\n8|\n9| b\n");
        assert_eq!(r.lines("", 3), "3|\n");
    }

    #[test]
    fn reminder_is_brief() {
        let r = Renderer::new(Format::Markdown);
        assert_eq!(
            r.reminder(&[anchor()]),
            "## Reminder: the rules above still apply\n- [d1a2] Never call the network in tests.\n"
        );
    }
}
