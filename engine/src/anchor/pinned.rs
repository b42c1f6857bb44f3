//! `.ctx/anchors.toml`: pinned anchors with verified examples, and per-anchor overrides.
//!
//! ```toml
//! [[anchor]]
//! text = "Never force-push to main"
//! severity = "block"                 # block (default) | warn
//! polarity = "never"                 # never (default) | always | allowed
//! scope = ["src/**"]                 # optional globs; empty = whole repo
//! forbid_command = ["git push --force"]   # program, subcommand words, flags (any order)
//! forbid_path = ["generated/**"]     # files that may not be written, edited or deleted
//! forbid_pattern = ['\.unwrap\(\)']  # regex on added lines
//! match = ["git push --force origin main"]      # examples that must hit
//! not_match = ["git push origin main", "path:src/lib.rs"]  # examples that must not
//!
//! [[anchor.matcher]]                 # full matcher form (see `Matcher`)
//! kind = "git"
//! rule = "force_push"
//! branches = ["main"]
//!
//! [disable]
//! ids = ["b-rm-root"]                # built-in or extracted anchors turned off
//! ```
//!
//! Examples are shell commands (simple ones: words, quotes, `&&`, `;`, `|`), `path:FILE` (a
//! write to FILE), `read:FILE` (a read of FILE) or `line:FILE:TEXT` (TEXT added to FILE).

use super::files::{pinned_path, read_optional, toml_error, write_atomic};
use super::matcher::{split_command, CodeMatcher, CommandMatcher, GlobList, Matcher, PathMatcher};
use super::record::{anchor_id, Anchor, AnchorSource, Polarity, Severity};
use super::set::evaluate_anchor;
use crate::check::{ActionFacts, AddedLine, FileEffect, FileOp};
use crate::{Error, Result};
use serde::Deserialize;
use std::path::Path;

/// One `[[anchor]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PinnedAnchor {
    id: Option<String>,
    text: String,
    #[serde(default)]
    polarity: Polarity,
    #[serde(default)]
    severity: Severity,
    #[serde(default)]
    scope: Vec<String>,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    forbid_command: Vec<String>,
    #[serde(default)]
    forbid_path: Vec<String>,
    #[serde(default)]
    forbid_pattern: Vec<String>,
    #[serde(default)]
    matcher: Vec<Matcher>,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default, rename = "match")]
    match_examples: Vec<String>,
    #[serde(default)]
    not_match: Vec<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Overrides {
    #[serde(default)]
    ids: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PinnedFileToml {
    #[serde(default)]
    anchor: Vec<toml::Spanned<PinnedAnchor>>,
    #[serde(default)]
    disable: Overrides,
}

/// An anchor together with the examples it must (not) match.
#[derive(Debug, Clone)]
pub struct ExampleSet {
    /// Examples that must produce a hit.
    pub matching: Vec<String>,
    /// Examples that must produce none.
    pub not_matching: Vec<String>,
}

/// The parsed content of an anchors file.
#[derive(Debug, Default)]
pub struct PinnedFile {
    /// Anchors in file order, each with its examples and 1-based line.
    pub anchors: Vec<(Anchor, ExampleSet, usize)>,
    /// Ids listed under `[disable]`.
    pub disabled: Vec<String>,
}

/// Parses anchors-file text. `source` is [`AnchorSource::Pinned`] for `.ctx/anchors.toml`
/// and [`AnchorSource::Builtin`] for ctx's defaults. Nothing is returned half-loaded: the first
/// error (syntax with line and column, or an invalid matcher naming the anchor) fails it all.
pub fn parse_pinned(path: &Path, text: &str, source: AnchorSource) -> Result<PinnedFile> {
    let parsed: PinnedFileToml = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    let mut file = PinnedFile {
        disabled: parsed.disable.ids,
        ..PinnedFile::default()
    };
    let lines = super::files::LineIndex::new(text);
    for spanned in parsed.anchor {
        let line = lines.line_of(spanned.span().start);
        let pinned = spanned.into_inner();
        let at = |message: String| Error::Syntax {
            path: path.to_path_buf(),
            line,
            column: 1,
            message,
        };
        let (anchor, examples) = build_anchor(pinned, source.clone()).map_err(at)?;
        file.anchors.push((anchor, examples, line));
    }
    Ok(file)
}

fn build_anchor(p: PinnedAnchor, source: AnchorSource) -> Result<(Anchor, ExampleSet), String> {
    if p.text.trim().is_empty() {
        return Err("an anchor has an empty `text`: write the rule in words".into());
    }
    let mut matchers = Vec::new();
    for cmd in &p.forbid_command {
        matchers.push(Matcher::Command(CommandMatcher::from_shorthand(cmd)?));
    }
    if !p.forbid_path.is_empty() {
        matchers.push(Matcher::Path(PathMatcher::new(p.forbid_path.clone())));
    }
    for pattern in &p.forbid_pattern {
        matchers.push(Matcher::Code(CodeMatcher::new(pattern.clone())));
    }
    matchers.extend(p.matcher);
    let label = short(&p.text);
    for m in &matchers {
        m.validate().map_err(|e| format!("anchor {label}: {e}"))?;
    }
    GlobList::new(p.scope.clone())
        .validate()
        .map_err(|e| format!("anchor {label}: scope: {e}"))?;
    let id = match p.id {
        Some(id) if id.trim().is_empty() => {
            return Err(format!(
                "anchor {label} has an empty `id`: remove it or name it"
            ))
        }
        Some(id) => id,
        None => anchor_id(&p.text, &source),
    };
    let anchor = Anchor {
        id,
        text: p.text,
        polarity: p.polarity,
        scope: p.scope,
        severity: p.severity,
        source,
        enabled: p.enabled,
        matchers,
        notes: p.notes,
        tier_reason: None,
        embedding: None,
    };
    let examples = ExampleSet {
        matching: p.match_examples,
        not_matching: p.not_match,
    };
    Ok((anchor, examples))
}

fn short(text: &str) -> String {
    let t: String = text.chars().take(60).collect();
    format!("\"{t}\"")
}

/// Turns an example into facts: `path:FILE`, `read:FILE`, `line:FILE:TEXT`, or a shell command.
pub fn example_facts(example: &str) -> ActionFacts {
    if let Some(path) = example.strip_prefix("path:") {
        return file_facts(path.trim(), None);
    }
    if let Some(path) = example.strip_prefix("read:") {
        let mut facts = file_facts(path.trim(), None);
        facts.effects[0].op = FileOp::Read;
        return facts;
    }
    if let Some(rest) = example.strip_prefix("line:") {
        if let Some((path, text)) = rest.split_once(':') {
            return file_facts(path.trim(), Some(text));
        }
    }
    split_command(example)
}

fn file_facts(path: &str, line: Option<&str>) -> ActionFacts {
    ActionFacts {
        command: None,
        invocations: Vec::new(),
        effects: vec![FileEffect {
            path: path.trim_start_matches("./").to_string(),
            op: FileOp::Write,
            added: line
                .map(|t| {
                    vec![AddedLine {
                        line: Some(1),
                        text: t.to_string(),
                    }]
                })
                .unwrap_or_default(),
            removed: Vec::new(),
            via: "example".into(),
        }],
    }
}

/// Checks an anchor's examples: every `match` must hit, no `not_match` may. The error names the
/// anchor and the failing example.
pub fn verify_examples(
    anchor: &Anchor,
    examples: &ExampleSet,
    path: &Path,
    line: usize,
) -> Result<()> {
    let fail = |message: String| Error::Syntax {
        path: path.to_path_buf(),
        line,
        column: 1,
        message,
    };
    if anchor.matchers.is_empty()
        && !(examples.matching.is_empty() && examples.not_matching.is_empty())
    {
        return Err(fail(format!(
            "anchor {} ({}) has examples but no matcher: add forbid_command, forbid_path, forbid_pattern or [[anchor.matcher]]",
            anchor.id,
            short(&anchor.text)
        )));
    }
    for ex in &examples.matching {
        if evaluate_anchor(anchor, None, &example_facts(ex)).is_empty() {
            return Err(fail(format!(
                "anchor {} ({}): example \"{ex}\" should match but does not; fix the matcher or the example",
                anchor.id,
                short(&anchor.text)
            )));
        }
    }
    for ex in &examples.not_matching {
        if !evaluate_anchor(anchor, None, &example_facts(ex)).is_empty() {
            return Err(fail(format!(
                "anchor {} ({}): example \"{ex}\" should not match but does; narrow the matcher or fix the example",
                anchor.id,
                short(&anchor.text)
            )));
        }
    }
    Ok(())
}

/// Loads `.ctx/anchors.toml` (missing = empty) and verifies every anchor's examples.
pub fn load_pinned(root: &Path) -> Result<PinnedFile> {
    let path = pinned_path(root);
    let text = read_optional(&path)?;
    pinned_from_text(&path, text.as_deref())
}

/// Parses the text of an anchors file read from `path` (`None` = missing, an empty file),
/// rejects duplicate ids and verifies every anchor's examples.
pub(crate) fn pinned_from_text(path: &Path, text: Option<&str>) -> Result<PinnedFile> {
    let Some(text) = text else {
        return Ok(PinnedFile::default());
    };
    let path = path.to_path_buf();
    let file = parse_pinned(&path, text, AnchorSource::Pinned)?;
    let mut seen = std::collections::HashMap::new();
    for (anchor, examples, line) in &file.anchors {
        if let Some(first) = seen.insert(anchor.id.clone(), *line) {
            return Err(Error::Syntax {
                path: path.clone(),
                line: *line,
                column: 1,
                message: format!("duplicate anchor id \"{}\" (first at line {first}): give one of them a different `id`", anchor.id),
            });
        }
        verify_examples(anchor, examples, &path, *line)?;
    }
    Ok(file)
}

/// What `ctx anchors add` writes.
#[derive(Debug, Clone, Default)]
pub struct NewPinned {
    /// The rule in words.
    pub text: String,
    /// Explicit id; derived from the text when absent.
    pub id: Option<String>,
    /// Forbids, requires or allows.
    pub polarity: Polarity,
    /// Deny or warn.
    pub severity: Severity,
    /// Scope globs.
    pub scope: Vec<String>,
    /// `forbid_command` shorthands.
    pub forbid_command: Vec<String>,
    /// `forbid_path` globs.
    pub forbid_path: Vec<String>,
    /// `forbid_pattern` regexes.
    pub forbid_pattern: Vec<String>,
    /// Matchers compiled from the text.
    pub matchers: Vec<Matcher>,
    /// How they were compiled.
    pub notes: Vec<String>,
}

fn read_document(root: &Path) -> Result<(std::path::PathBuf, toml_edit::DocumentMut)> {
    let path = pinned_path(root);
    let text = read_optional(&path)?.unwrap_or_default();
    let doc = text.parse::<toml_edit::DocumentMut>().map_err(|e| {
        let (line, column) = e
            .span()
            .map_or((1, 1), |s| super::files::line_col(&text, s.start));
        Error::Syntax {
            path: path.clone(),
            line,
            column,
            message: e.message().trim().to_lowercase(),
        }
    })?;
    Ok((path, doc))
}

/// Validates an edited document exactly as a load would, then writes it atomically.
fn save_document(root: &Path, path: &Path, doc: &toml_edit::DocumentMut) -> Result<()> {
    let text = doc.to_string();
    let file = parse_pinned(path, &text, AnchorSource::Pinned)?;
    for (anchor, examples, line) in &file.anchors {
        verify_examples(anchor, examples, path, *line)?;
    }
    let _ = root;
    write_atomic(path, &text)
}

fn string_array(items: &[String]) -> toml_edit::Item {
    let mut array = toml_edit::Array::new();
    for item in items {
        array.push(item.as_str());
    }
    toml_edit::value(array)
}

/// Appends an anchor to `.ctx/anchors.toml`, keeping the file's formatting and comments, and
/// returns its id. Fails (writing nothing) when the id exists or the result would not load.
pub fn add_pinned(root: &Path, new: &NewPinned) -> Result<String> {
    let (path, mut doc) = read_document(root)?;
    let id = new
        .id
        .clone()
        .unwrap_or_else(|| anchor_id(&new.text, &AnchorSource::Pinned));
    if pinned_ids(&doc).contains(&id) {
        return Err(Error::Invalid(format!(
            "an anchor with id \"{id}\" is already pinned: see `ctx anchors show {id}`"
        )));
    }
    let mut table = toml_edit::Table::new();
    table.insert("id", toml_edit::value(id.as_str()));
    table.insert("text", toml_edit::value(new.text.as_str()));
    if new.polarity != Polarity::Never {
        table.insert("polarity", toml_edit::value(new.polarity.as_str()));
    }
    table.insert("severity", toml_edit::value(new.severity.as_str()));
    let lists = [
        ("scope", &new.scope),
        ("forbid_command", &new.forbid_command),
        ("forbid_path", &new.forbid_path),
        ("forbid_pattern", &new.forbid_pattern),
        ("notes", &new.notes),
    ];
    for (key, items) in lists {
        if !items.is_empty() {
            table.insert(key, string_array(items));
        }
    }
    if !new.matchers.is_empty() {
        table.insert("matcher", matcher_tables(&new.matchers)?);
    }
    let anchors = doc
        .entry("anchor")
        .or_insert(toml_edit::Item::ArrayOfTables(
            toml_edit::ArrayOfTables::new(),
        ));
    let Some(anchors) = anchors.as_array_of_tables_mut() else {
        return Err(Error::Invalid(format!(
            "{}: `anchor` must be an array of tables ([[anchor]])",
            path.display()
        )));
    };
    anchors.push(table);
    save_document(root, &path, &doc)?;
    Ok(id)
}

fn matcher_tables(matchers: &[Matcher]) -> Result<toml_edit::Item> {
    #[derive(serde::Serialize)]
    struct Wrapper<'a> {
        matcher: &'a [Matcher],
    }
    let text = toml::to_string(&Wrapper { matcher: matchers })
        .map_err(|e| Error::Invalid(format!("cannot write matchers: {e}")))?;
    let doc = text
        .parse::<toml_edit::DocumentMut>()
        .map_err(|e| Error::Invalid(format!("cannot write matchers: {e}")))?;
    doc.get("matcher")
        .map(without_positions)
        .ok_or_else(|| Error::Invalid("cannot write matchers".into()))
}

/// A copy of an item parsed from another document, with no document positions. Tables keep
/// the position they had in the document they were parsed from, and toml_edit prints tables
/// in position order: copied as they are, a new anchor's matcher tables would be printed
/// under an earlier anchor of the file they are inserted into.
fn without_positions(item: &toml_edit::Item) -> toml_edit::Item {
    match item {
        toml_edit::Item::Table(table) => toml_edit::Item::Table(fresh_table(table)),
        toml_edit::Item::ArrayOfTables(tables) => {
            let mut fresh = toml_edit::ArrayOfTables::new();
            for table in tables.iter() {
                fresh.push(fresh_table(table));
            }
            toml_edit::Item::ArrayOfTables(fresh)
        }
        other => other.clone(),
    }
}

fn fresh_table(table: &toml_edit::Table) -> toml_edit::Table {
    let mut fresh = toml_edit::Table::new();
    for (key, value) in table.iter() {
        fresh.insert(key, without_positions(value));
    }
    fresh
}

fn pinned_ids(doc: &toml_edit::DocumentMut) -> Vec<String> {
    doc.get("anchor")
        .and_then(|a| a.as_array_of_tables())
        .map(|tables| {
            tables
                .iter()
                .map(|t| match t.get("id").and_then(|v| v.as_str()) {
                    Some(id) => id.to_string(),
                    None => anchor_id(
                        t.get("text").and_then(|v| v.as_str()).unwrap_or(""),
                        &AnchorSource::Pinned,
                    ),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Turns an anchor on or off. A pinned anchor gets `enabled = …` in its table; any other
/// anchor (built-in, extracted, plan) is added to or removed from `[disable] ids`.
pub fn set_enabled(root: &Path, id: &str, enabled: bool) -> Result<()> {
    let (path, mut doc) = read_document(root)?;
    if let Some(index) = pinned_ids(&doc).iter().position(|p| p == id) {
        let tables = doc["anchor"]
            .as_array_of_tables_mut()
            .expect("checked by pinned_ids");
        let table = tables.get_mut(index).expect("index from pinned_ids");
        if enabled {
            table.remove("enabled");
        } else {
            table.insert("enabled", toml_edit::value(false));
        }
    } else {
        let disable = doc
            .entry("disable")
            .or_insert(toml_edit::Item::Table(toml_edit::Table::new()));
        let Some(disable) = disable.as_table_mut() else {
            return Err(Error::Invalid(format!(
                "{}: `disable` must be a table ([disable])",
                path.display()
            )));
        };
        let ids = disable
            .entry("ids")
            .or_insert(toml_edit::value(toml_edit::Array::new()));
        let Some(ids) = ids.as_array_mut() else {
            return Err(Error::Invalid(format!(
                "{}: `disable.ids` must be an array of ids",
                path.display()
            )));
        };
        ids.retain(|v| v.as_str() != Some(id));
        if !enabled {
            ids.push(id);
        }
    }
    save_document(root, &path, &doc)
}

/// Removes a pinned anchor. Anchors from other sources cannot be removed, only disabled.
pub fn remove_pinned(root: &Path, id: &str) -> Result<()> {
    let (path, mut doc) = read_document(root)?;
    let Some(index) = pinned_ids(&doc).iter().position(|p| p == id) else {
        return Err(Error::Invalid(format!(
            "\"{id}\" is not a pinned anchor: only anchors in .ctx/anchors.toml can be removed; use `ctx anchors disable {id}` for the others"
        )));
    };
    doc["anchor"]
        .as_array_of_tables_mut()
        .expect("checked")
        .remove(index);
    save_document(root, &path, &doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PinnedFile> {
        parse_pinned(Path::new("anchors.toml"), text, AnchorSource::Pinned)
    }

    #[test]
    fn shorthands_compile_and_examples_verify() {
        let text = r#"
[[anchor]]
text = "Never force-push"
forbid_command = ["git push --force"]
match = ["git push --force origin main"]
not_match = ["git push origin main"]

[[anchor]]
text = "Do not edit generated files"
forbid_path = ["generated/"]
match = ["path:generated/a.py"]
not_match = ["path:src/a.py", "read:generated/a.py"]

[[anchor]]
text = "Never read .env"
match = ["read:.env"]
not_match = ["path:.env", "read:src/a.py"]
[[anchor.matcher]]
kind = "path"
globs = [".env"]
ops = ["read"]
"#;
        let file = parse(text).unwrap();
        assert_eq!(file.anchors.len(), 3);
        for (a, ex, line) in &file.anchors {
            verify_examples(a, ex, Path::new("anchors.toml"), *line).unwrap();
        }
        assert_eq!(file.anchors[1].2, 8);
    }

    /// Five anchors of different families added in a row: each keeps its own matchers and
    /// matches its own examples only (r10: a later anchor's matcher tables were written under
    /// the first anchor of the file).
    #[test]
    fn r10_anchors_added_in_a_row_keep_their_own_matchers() {
        use crate::anchor::GitMatcher;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join(".ctx")).unwrap();
        let command = |text: &str| Matcher::Command(CommandMatcher::from_shorthand(text).unwrap());
        let cases: Vec<(&str, Matcher, &str, &str)> = vec![
            (
                "Never run pytest",
                command("pytest"),
                "pytest -q",
                "git status",
            ),
            (
                "Never run git push --force",
                command("git push --force"),
                "git push --force origin x",
                "git status",
            ),
            (
                "Never edit generated files",
                Matcher::Path(PathMatcher::new(vec!["generated/**".into()])),
                "path:generated/a.py",
                "path:src/a.py",
            ),
            (
                "No unwrap",
                Matcher::Code(CodeMatcher::new(r"\.unwrap\(")),
                "line:src/a.rs:x.unwrap()",
                "line:src/a.rs:x?",
            ),
            (
                "Never amend commits",
                Matcher::Git(GitMatcher::Amend),
                "git commit --amend",
                "git commit -m x",
            ),
        ];
        for (text, matcher, _, _) in &cases {
            let new = NewPinned {
                text: text.to_string(),
                matchers: vec![matcher.clone()],
                ..NewPinned::default()
            };
            add_pinned(root, &new).unwrap();
        }
        let file = load_pinned(root).unwrap();
        assert_eq!(file.anchors.len(), cases.len());
        for ((anchor, _, _), (text, matcher, hit, miss)) in file.anchors.iter().zip(&cases) {
            assert_eq!(anchor.text, *text);
            assert_eq!(anchor.matchers, vec![matcher.clone()], "{text}");
            let hits =
                |example: &str| !evaluate_anchor(anchor, None, &example_facts(example)).is_empty();
            assert!(hits(hit), "{text} must match {hit}");
            assert!(!hits(miss), "{text} must not match {miss}");
            for (other, _, other_hit, _) in &cases {
                if other != text {
                    assert!(
                        !hits(other_hit),
                        "{text} must not match {other}'s example {other_hit}"
                    );
                }
            }
        }
    }

    #[test]
    fn failing_example_names_the_anchor() {
        let text = "[[anchor]]\nid = \"no-rm\"\ntext = \"No rm\"\nforbid_command = [\"rm -rf\"]\nmatch = [\"rm -r x\"]\n";
        let file = parse(text).unwrap();
        let (a, ex, line) = &file.anchors[0];
        let err = verify_examples(a, ex, Path::new("anchors.toml"), *line)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no-rm") && err.contains("rm -r x"), "{err}");
    }

    #[test]
    fn malformed_toml_has_line_and_column() {
        let err = parse("[[anchor]]\ntext = \"x\"\nseverity = block\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("anchors.toml:3:"), "{err}");
        let err = parse("[[anchor]]\ntext = \"x\"\nseverity = \"loud\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains(":3:") && err.contains("loud"), "{err}");
        let err = parse("[[anchor]]\ntext = \"x\"\nforbid_pattern = [\"(\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(":1:") && err.contains("invalid regex"),
            "{err}"
        );
    }
}
