//! Self-consistency: a rule never denies what its own document recommends, or what the
//! repository's own CI workflows, Makefile, `package.json` scripts, justfile or pre-commit
//! hooks run.
//!
//! A document recommends what its code blocks show (shell blocks as commands, other blocks as
//! code written to a file of their language; blocks introduced as what not to do are left
//! out) and what its sentences tell the reader to run ("Run `make lint`", "use `pnpm test`
//! instead"). A deny or ask matcher that hits any of these is demoted to a reminder, and the
//! contradiction is reported by `ctx anchors coverage`: either the extraction misread the rule
//! or the document contradicts itself, and both are worth a human look.

use super::segment::Document;
use crate::shell;
use ctx_engine::anchor::{evaluate_anchor, Anchor, Polarity, Severity};
use ctx_engine::check::{ActionFacts, AddedLine, FileEffect, FileOp, PathContext};
use std::path::Path;

/// Most recommendations read from one repository's build files.
const MAX_REPOSITORY_COMMANDS: usize = 2_000;

/// Something a document or the repository recommends doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommended {
    /// What to do.
    pub action: Action,
    /// Where it is recommended (`AGENTS.md:12`, `.github/workflows/ci.yml:40`).
    pub source: String,
}

/// A recommended action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A shell command.
    Command(String),
    /// Code of a language (a code block's info string).
    Code {
        /// The language (`python`, `ts`).
        lang: String,
        /// The code.
        text: String,
    },
}

impl Recommended {
    /// A recommended command at `path:line`.
    pub fn command(command: &str, path: &str, line: u32) -> Recommended {
        Recommended {
            action: Action::Command(command.to_string()),
            source: format!("{path}:{line}"),
        }
    }

    /// The action as one line, for reports.
    pub fn display(&self) -> String {
        match &self.action {
            Action::Command(c) => format!("`{c}`"),
            Action::Code { lang, text } => {
                let first = text
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("")
                    .trim();
                format!("{lang} example `{first}`")
            }
        }
    }
}

/// A rule that would have denied a recommended action, and was demoted for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contradiction {
    /// The anchor demoted.
    pub anchor_id: String,
    /// The action it would have denied.
    pub action: String,
    /// Where that action is recommended.
    pub source: String,
}

/// What a document's code blocks recommend.
pub fn document_recommendations(rel_path: &str, doc: &Document) -> Vec<Recommended> {
    let mut out = Vec::new();
    for block in doc.code_blocks.iter().filter(|b| !b.counter_example) {
        if is_shell(&block.lang) {
            let commands = shell_commands(&block.text, block.lang.is_empty(), true);
            for (offset, command) in commands {
                out.push(Recommended::command(
                    &command,
                    rel_path,
                    block.line + offset,
                ));
            }
        } else if extension(&block.lang).is_some() {
            out.push(Recommended {
                action: Action::Code {
                    lang: block.lang.clone(),
                    text: block.text.clone(),
                },
                source: format!("{rel_path}:{}", block.line),
            });
        }
    }
    out
}

fn is_shell(lang: &str) -> bool {
    matches!(
        lang,
        "" | "bash"
            | "sh"
            | "shell"
            | "console"
            | "zsh"
            | "shell-session"
            | "sh-session"
            | "terminal"
            | "fish"
            | "shellsession"
    )
}

/// The commands of a shell block with their line offsets: prompts and comments dropped,
/// continuation lines joined, output lines of a session skipped. In a block without a
/// language, only lines that start with a known program count. With `marked` (a document's
/// block), lines under a comment that marks what not to do ("# ❌ DO NOT USE") are left out
/// until a comment that does not.
fn shell_commands(text: &str, untyped: bool, marked: bool) -> Vec<(u32, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let prompted = lines.iter().any(|l| l.trim_start().starts_with("$ "));
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    // "# ❌ DO NOT USE" over some lines and "# ✅ Correct" over others: a comment line
    // starts a part that shows what not to do, or ends one.
    let mut counter = false;
    for (i, raw) in lines.iter().enumerate() {
        let mut line = raw.trim();
        if marked && current.is_empty() && line.starts_with('#') {
            counter = super::segment::marks_counter_example(line);
            continue;
        }
        if counter {
            continue;
        }
        if current.is_empty() {
            if prompted {
                match line.strip_prefix("$ ") {
                    Some(rest) => line = rest,
                    None => continue,
                }
            }
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            start = i as u32;
        }
        let line = strip_comment(line);
        if let Some(cont) = line.strip_suffix('\\') {
            current.push_str(cont);
            current.push(' ');
            continue;
        }
        current.push_str(line);
        let command = std::mem::take(&mut current);
        let command = command.trim();
        let first = command.split_whitespace().next().unwrap_or("");
        if untyped && !super::objects::is_program_name(first) {
            continue;
        }
        if !command.is_empty() {
            out.push((start, command.to_string()));
        }
    }
    out
}

fn strip_comment(line: &str) -> &str {
    match line.find(" # ") {
        Some(i) => line[..i].trim_end(),
        None => line,
    }
}

/// The file extension for a code block's language.
fn extension(lang: &str) -> Option<&'static str> {
    Some(match lang {
        "python" | "py" | "python3" => "py",
        "rust" | "rs" => "rs",
        "go" | "golang" => "go",
        "typescript" | "ts" => "ts",
        "tsx" => "tsx",
        "javascript" | "js" | "jsx" | "mjs" => "js",
        "java" => "java",
        "kotlin" | "kt" => "kt",
        "csharp" | "cs" | "c#" => "cs",
        "cpp" | "c++" | "cc" => "cpp",
        "c" => "c",
        "ruby" | "rb" => "rb",
        "swift" => "swift",
        "php" => "php",
        "elixir" | "ex" => "ex",
        "scala" => "scala",
        "yaml" | "yml" => "yml",
        "toml" => "toml",
        "json" => "json",
        _ => return None,
    })
}

/// True for the build files [`repository_recommendations`] reads (a change to one can change
/// which rules contradict the repository).
pub fn is_build_file(rel_path: &str) -> bool {
    let name = rel_path.rsplit('/').next().unwrap_or(rel_path);
    rel_path.starts_with(".github/workflows/")
        && (name.ends_with(".yml") || name.ends_with(".yaml"))
        || !rel_path.contains('/')
            && matches!(
                name,
                "Makefile"
                    | "makefile"
                    | "GNUmakefile"
                    | "justfile"
                    | "Justfile"
                    | ".justfile"
                    | "package.json"
                    | ".pre-commit-config.yaml"
            )
}

/// What the repository's own build files run: CI workflow `run:` steps, Makefile and
/// justfile recipes, `package.json` scripts, pre-commit hook entries.
pub fn repository_recommendations(root: &Path) -> Vec<Recommended> {
    let mut out = Vec::new();
    let workflows = root.join(".github/workflows");
    if let Ok(entries) = std::fs::read_dir(&workflows) {
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for path in files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
            .take(50)
        {
            read_into(root, path, yaml_run_steps, &mut out);
        }
    }
    for name in ["Makefile", "makefile", "GNUmakefile"] {
        read_into(root, &root.join(name), makefile_recipes, &mut out);
    }
    for name in ["justfile", "Justfile", ".justfile"] {
        read_into(root, &root.join(name), justfile_recipes, &mut out);
    }
    read_into(root, &root.join("package.json"), package_scripts, &mut out);
    read_into(
        root,
        &root.join(".pre-commit-config.yaml"),
        pre_commit_entries,
        &mut out,
    );
    out.truncate(MAX_REPOSITORY_COMMANDS);
    out
}

fn read_into(
    root: &Path,
    path: &Path,
    parse: fn(&str) -> Vec<(u32, String)>,
    out: &mut Vec<Recommended>,
) {
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    if !meta.is_file() || meta.len() > 1024 * 1024 {
        return;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let rel = path
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    for (line, command) in parse(&text) {
        out.push(Recommended::command(&command, &rel, line));
    }
}

/// `run: cmd` and `run: |` blocks of a GitHub Actions workflow.
fn yaml_run_steps(text: &str) -> Vec<(u32, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start().trim_start_matches("- ");
        if let Some(value) = trimmed.strip_prefix("run:") {
            let value = value.trim();
            if value.starts_with('|') || value.starts_with('>') || value.is_empty() {
                let indent = line.len() - line.trim_start().len();
                let mut block = String::new();
                let first = i + 1;
                i += 1;
                while i < lines.len()
                    && (lines[i].trim().is_empty()
                        || lines[i].len() - lines[i].trim_start().len() > indent)
                {
                    block.push_str(lines[i].trim());
                    block.push('\n');
                    i += 1;
                }
                out.extend(
                    shell_commands(&block, false, false)
                        .into_iter()
                        .map(|(o, c)| (first as u32 + 1 + o, c)),
                );
                continue;
            }
            out.push((i as u32 + 1, value.trim_matches(['"', '\'']).to_string()));
        }
        i += 1;
    }
    out
}

fn makefile_recipes(text: &str) -> Vec<(u32, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with('\t'))
        .map(|(i, l)| {
            (
                i as u32 + 1,
                l.trim()
                    .trim_start_matches(['@', '-', '+'])
                    .trim()
                    .to_string(),
            )
        })
        .filter(|(_, c)| !c.is_empty() && !c.starts_with('#'))
        .collect()
}

fn justfile_recipes(text: &str) -> Vec<(u32, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with(' ') || l.starts_with('\t'))
        .map(|(i, l)| {
            (
                i as u32 + 1,
                l.trim().trim_start_matches(['@', '-']).to_string(),
            )
        })
        .filter(|(_, c)| !c.is_empty() && !c.starts_with('#'))
        .collect()
}

fn package_scripts(text: &str) -> Vec<(u32, String)> {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let Some(scripts) = json.get("scripts").and_then(|s| s.as_object()) else {
        return Vec::new();
    };
    scripts
        .values()
        .filter_map(|v| v.as_str())
        .map(|c| {
            let line = text
                .find(c)
                .map_or(1, |at| text[..at].lines().count() as u32);
            (line, c.to_string())
        })
        .collect()
}

fn pre_commit_entries(text: &str) -> Vec<(u32, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let v = l.trim().trim_start_matches("- ").strip_prefix("entry:")?;
            Some((i as u32 + 1, v.trim().trim_matches(['"', '\'']).to_string()))
        })
        .filter(|(_, c)| !c.is_empty())
        .collect()
}

/// Demotes to a reminder every deny or ask anchor that hits a recommended action, and
/// returns what was demoted.
pub fn demote(anchors: &mut [Anchor], recommended: &[Recommended]) -> Vec<Contradiction> {
    let mut out = Vec::new();
    if recommended.is_empty() {
        return out;
    }
    let ctx = PathContext::new(Path::new("/repo"), Path::new("/repo"));
    let commands: Vec<(&Recommended, ActionFacts)> = recommended
        .iter()
        .filter_map(|r| match &r.action {
            Action::Command(c) => Some((r, shell::analyze(c, &ctx))),
            Action::Code { .. } => None,
        })
        .collect();
    for anchor in anchors.iter_mut() {
        if anchor.polarity == Polarity::Allowed
            || anchor.matchers.is_empty()
            || anchor.severity == Severity::Warn
        {
            continue;
        }
        let hit = commands
            .iter()
            .find(|(_, facts)| !evaluate_anchor(anchor, None, facts).is_empty())
            .map(|(r, _)| *r)
            .or_else(|| {
                let content = without_own_place(anchor);
                recommended.iter().find(|r| match &r.action {
                    Action::Code { lang, text } => {
                        !content.matchers.is_empty()
                            && !evaluate_anchor(&content, None, &code_facts(anchor, lang, text))
                                .is_empty()
                    }
                    Action::Command(_) => false,
                })
            });
        let Some(rec) = hit else { continue };
        let action = rec.display();
        anchor.severity = Severity::Warn;
        anchor.tier_reason = Some(format!(
            "remind: it would deny {action}, which {} recommends",
            rec.source
        ));
        out.push(Contradiction {
            anchor_id: anchor.id.clone(),
            action,
            source: rec.source.clone(),
        });
    }
    out
}

/// The anchor without the matchers on its own scope: the file a code example is written to
/// is made up inside the anchor's scope, so a rule whose place is both its scope and its
/// object ("never modify files in `vendor/`") would always fire on it.
fn without_own_place(anchor: &Anchor) -> Anchor {
    let mut content = anchor.clone();
    content.matchers.retain(|m| match m {
        ctx_engine::anchor::Matcher::Path(p) => {
            anchor.scope.is_empty() || !p.globs.globs().iter().all(|g| anchor.scope.contains(g))
        }
        _ => true,
    });
    content
}

/// A code example added to a file of its language inside the anchor's scope. An example is a
/// snippet, not a whole file: it is added as an edit, so a span every whole file must carry
/// (a licence header) is not demanded of it.
fn code_facts(anchor: &Anchor, lang: &str, text: &str) -> ActionFacts {
    let ext = extension(lang).unwrap_or("txt");
    let path = example_path(anchor.scope.first().map(String::as_str), ext);
    ActionFacts {
        command: None,
        invocations: Vec::new(),
        effects: vec![FileEffect {
            path,
            op: FileOp::Edit,
            added: text
                .lines()
                .enumerate()
                .map(|(i, l)| AddedLine {
                    line: Some(i as u32 + 1),
                    text: l.to_string(),
                })
                .collect(),
            removed: Vec::new(),
            via: "documented example".into(),
        }],
    }
}

/// A file path inside a scope glob: `**/tests/**` → `tests/x/example.py`.
fn example_path(scope: Option<&str>, ext: &str) -> String {
    let Some(glob) = scope else {
        return format!("example.{ext}");
    };
    let mut path = glob
        .replace("**/", "")
        .replace("**", "x")
        .replace('*', "example");
    if path.is_empty() || path.ends_with('/') || path.ends_with("/x") || !path.contains('.') {
        path = format!("{}/example.{ext}", path.trim_end_matches('/'));
    }
    path.trim_start_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_blocks_give_commands() {
        let text = "$ make lint\nok\n$ cargo test \\\n  --workspace # all\n";
        assert_eq!(
            shell_commands(text, false, true),
            [
                (0, "make lint".to_string()),
                (2, "cargo test  --workspace".to_string())
            ]
        );
        let untyped = "hatch run test:unit\nSome prose line\n";
        assert_eq!(
            shell_commands(untyped, true, true),
            [(0, "hatch run test:unit".to_string())]
        );
        let marked = "# ✅ Correct way\npnpm add x\n\n# ❌ DO NOT USE\nnpm install x\nyarn add x\n# Then\npnpm build\n";
        let commands: Vec<String> = shell_commands(marked, false, true)
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        assert_eq!(commands, ["pnpm add x", "pnpm build"]);
        assert_eq!(
            shell_commands(marked, false, false).len(),
            4,
            "a script's comments mark nothing"
        );
    }

    #[test]
    fn workflows_makefiles_and_scripts() {
        let yaml = "jobs:\n  t:\n    steps:\n      - run: cargo test --locked\n      - run: |\n          npm ci\n          npm test\n";
        let steps: Vec<String> = yaml_run_steps(yaml).into_iter().map(|(_, c)| c).collect();
        assert_eq!(steps, ["cargo test --locked", "npm ci", "npm test"]);
        assert_eq!(
            makefile_recipes("lint:\n\t@ruff check .\n")[0].1,
            "ruff check ."
        );
        assert_eq!(
            package_scripts(r#"{"scripts":{"test":"vitest run"}}"#)[0].1,
            "vitest run"
        );
        assert_eq!(
            example_path(Some("**/tests/**"), "py"),
            "tests/x/example.py"
        );
        assert_eq!(example_path(Some("src/**"), "rs"), "src/x/example.rs");
        assert_eq!(example_path(None, "go"), "example.go");
    }
}
