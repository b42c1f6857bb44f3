//! The literal objects a rule names, and the sentence with each one masked.
//!
//! An object is text the rule quotes rather than says: a code span, a flag or a path written
//! bare in prose, a quoted string. Each gets a kind from its *shape* (a command line, a
//! program, a flag, a path or glob, code, a commit trailer), never from a list of known
//! cases, so an object no one has seen before is still read. The sentence is then rewritten
//! with `§N§` in place of object N ([`Masked::text`]), so patterns over the prose cannot
//! trip over what the objects contain (`--only`, `never`, `a, not b`).

use super::lexicon::lexicon;
use regex::Regex;
use std::sync::OnceLock;

/// What an object is, by its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectKind {
    /// A command line: a program and its words (`cargo update --precise`, `./bin/brew lgtm`),
    /// placeholders (`<file>`, `...`) removed.
    Command(Vec<String>),
    /// A program named alone (`pnpm`); read as code when the clause is about code.
    Program(String),
    /// A flag with an optional value (`--frozen`, `-tags test_dep`).
    Flag(String, Option<String>),
    /// A file, directory or glob (`generated/**`, `tox.ini`, `.asf.yaml`).
    Path(String),
    /// A commit trailer, by its key (`Co-authored-by`).
    Trailer(String),
    /// A piece of code: a call, an identifier, a statement, an annotation (`.unwrap()`,
    /// `except Exception:`, `@Nullable`, `logger.*`).
    Code(String),
    /// Quoted prose (`"update"`, `'WIP'`): matched only where a rule is about text.
    Quote(String),
    /// Something ctx does not check (a URL, a bare placeholder).
    Other(String),
}

/// One object with its byte range in the sentence it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// The object's text, without backticks or quotes.
    pub text: String,
    /// What it is.
    pub kind: ObjectKind,
    /// True when it was written in backticks (or as a bare flag or path).
    pub literal: bool,
}

/// A sentence with its objects masked as `§N§`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Masked {
    /// The lowercased sentence, each object replaced by `§N§` (N indexes [`Masked::objects`]).
    pub text: String,
    /// The objects in order of appearance.
    pub objects: Vec<Object>,
}

impl Masked {
    /// The objects whose placeholders occur in `part` (a piece of [`Masked::text`]).
    pub fn objects_in(&self, part: &str) -> Vec<usize> {
        placeholder_regex()
            .captures_iter(part)
            .filter_map(|c| c[1].parse::<usize>().ok())
            .filter(|i| *i < self.objects.len())
            .collect()
    }
}

/// `§N§`.
pub fn placeholder_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"§(\d+)§").unwrap())
}

/// Finds the objects of a (markdown-cleaned) sentence and masks them.
pub fn mask(sentence: &str) -> Masked {
    let spans = quoted_spans(sentence);
    let mut text = String::with_capacity(sentence.len());
    let mut objects = Vec::new();
    let mut last = 0;
    for (start, end, inner, backtick) in spans {
        push_prose(&sentence[last..start], &mut text, &mut objects);
        let kind = if backtick && names_an_element(inner, &sentence[end..]) {
            ObjectKind::Code(inner.to_string())
        } else if backtick && names_a_file_kind(inner, &sentence[end..]) {
            ObjectKind::Path(format!("*{inner}"))
        } else if backtick && names_a_trailer(inner, &sentence[end..]) {
            ObjectKind::Trailer(inner.to_string())
        } else if backtick {
            classify(inner)
        } else {
            ObjectKind::Quote(inner.to_string())
        };
        text.push_str(&format!("§{}§", objects.len()));
        objects.push(Object {
            text: inner.to_string(),
            kind,
            literal: backtick,
        });
        last = end;
    }
    push_prose(&sentence[last..], &mut text, &mut objects);
    Masked { text, objects }
}

/// Prose between spans: bare flags and paths become objects, the rest is lowercased.
fn push_prose(prose: &str, text: &mut String, objects: &mut Vec<Object>) {
    static BARE: OnceLock<Regex> = OnceLock::new();
    let re = BARE.get_or_init(|| {
        Regex::new(r"(?:^|[\s(])(@[A-Za-z][\w-]*|\\[A-Z]\w*(?:\\\w+)*|[A-Za-z_][\w.]*\(\)|[A-Za-z][A-Za-z0-9]*_\*|(?:--[A-Za-z][\w-]*|-[A-Za-z](?:\b|$))|(?:\.{0,2}/)?[\w.*-]+(?:/[\w.*-]*)+|[\w*-]+\.[A-Za-z]\w*)")
            .unwrap()
    });
    let mut last = 0;
    for cap in re.captures_iter(prose) {
        let m = cap.get(1).unwrap();
        let word = if m.as_str().ends_with("()") {
            m.as_str()
        } else {
            m.as_str().trim_end_matches(['.', ',', ':', ')'])
        };
        let kind = if is_bare_code(word) {
            Some(ObjectKind::Code(word.to_string()))
        } else if word.starts_with('-') {
            Some(ObjectKind::Flag(word.to_string(), None))
        } else if is_bare_path(word) {
            Some(ObjectKind::Path(word.to_string()))
        } else {
            None
        };
        let Some(kind) = kind else { continue };
        text.push_str(&prose[last..m.start()].to_lowercase());
        text.push_str(&format!("§{}§", objects.len()));
        objects.push(Object {
            text: word.to_string(),
            kind,
            literal: true,
        });
        last = m.start() + word.len();
    }
    text.push_str(&prose[last..].to_lowercase());
}

/// Byte ranges of backtick spans and quoted strings: `(start, end, inner, is_backtick)`.
fn quoted_spans(s: &str) -> Vec<(usize, usize, &str, bool)> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'`' {
            let ticks = bytes[i..].iter().take_while(|b| **b == b'`').count();
            let fence = &s[i..i + ticks];
            if let Some(rel) = s[i + ticks..].find(fence) {
                let inner = s[i + ticks..i + ticks + rel].trim();
                let end = i + ticks + rel + ticks;
                if !inner.is_empty() {
                    out.push((i, end, inner, true));
                }
                i = end;
                continue;
            }
            i += ticks;
            continue;
        }
        if c == b'"' || s[i..].starts_with('“') {
            let open_len = if c == b'"' { 1 } else { '“'.len_utf8() };
            let rest = &s[i + open_len..];
            let close = rest.find(['"', '”']);
            if let Some(rel) = close.filter(|r| *r > 0 && *r < 200) {
                let close_len = rest[rel..].chars().next().map_or(1, char::len_utf8);
                out.push((i, i + open_len + rel + close_len, &rest[..rel], false));
                i += open_len + rel + close_len;
                continue;
            }
        }
        i += s[i..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// Classifies the text of a code span by its shape.
pub fn classify(span: &str) -> ObjectKind {
    let words: Vec<&str> = span.split_whitespace().collect();
    if span.contains("://") && words.len() == 1 {
        return ObjectKind::Other(span.to_string());
    }
    if span.starts_with('-') && !span.starts_with("- ") && words.len() <= 2 && !span.contains('(') {
        let value = words
            .get(1)
            .filter(|v| !v.starts_with('-'))
            .map(|v| v.to_string());
        let flag = words[0].split('=').next().unwrap_or(words[0]);
        return ObjectKind::Flag(flag.to_string(), value);
    }
    if let Some(key) = trailer_key(span) {
        return ObjectKind::Trailer(key);
    }
    if words.len() == 1 && is_placeholder(span) {
        return match path_template(span) {
            Some(glob) => ObjectKind::Path(glob),
            None => ObjectKind::Other(span.to_string()),
        };
    }
    if words.len() >= 2 && looks_like_command(&words) {
        let kept: Vec<String> = words
            .iter()
            .take_while(|w| !is_comment_start(w))
            .filter(|w| !is_placeholder(w) && !is_upper_placeholder(w))
            .map(|w| w.trim_end_matches(';').to_string())
            .collect();
        return ObjectKind::Command(kept);
    }
    if words.len() == 1 && is_program_name(span) {
        return ObjectKind::Program(span.trim_start_matches("./").to_string());
    }
    if words.len() == 1 && is_path(span) {
        return ObjectKind::Path(span.to_string());
    }
    ObjectKind::Code(span.to_string())
}

/// True for a word ctx knows as a program, or a path that runs something (`./gradlew`,
/// `bin/rails`, `scripts/check.sh`).
pub fn is_program_name(word: &str) -> bool {
    let lex = lexicon();
    let bare = word.trim_start_matches("./");
    lex.is_program(bare) || is_executable_path(word)
}

fn is_executable_path(word: &str) -> bool {
    let w = word.trim_end_matches(['/', ':']);
    (w.starts_with("./") || w.starts_with("bin/") || w.starts_with("scripts/"))
        && w.len() > 2
        && !w.contains('*')
        && w.rsplit('/').next().is_some_and(|n| {
            !n.is_empty() && !n.contains('.') || n.ends_with(".sh") || n.ends_with(".py")
        })
        || w.ends_with(".sh") && !w.contains(' ')
}

/// A multi-word span is a command when its first word is a program and nothing in it is code
/// punctuation: `cargo update --precise`, `hatch run test:unit`, `./bin/brew style --fix`.
fn looks_like_command(words: &[&str]) -> bool {
    let first = words[0];
    if is_code_keyword(first) || first.contains(['(', ')', '{', '}', '=', '"', '\'']) {
        return false;
    }
    let codeish = words.iter().any(|w| {
        w.contains(['{', '}', ';', '(', ')'])
            && !is_placeholder(w)
            && !w.starts_with('-')
            && !w.starts_with('$')
    });
    if codeish || first.ends_with(':') || first.ends_with(',') {
        return false;
    }
    if is_program_name(first) {
        return true;
    }
    // An unknown first word reads as a program when the words after it look like a
    // command's: subcommands, flags, paths, `key:value` targets.
    let program_like = first.chars().all(|c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.' | '/')
    }) && first
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '.');
    program_like
        && words[1..].iter().all(|w| {
            w.starts_with('-')
                || is_placeholder(w)
                || w.chars().all(|c| {
                    c.is_ascii_alphanumeric()
                        || matches!(c, '-' | '_' | '.' | '/' | ':' | '=' | '*' | '@' | ',' | '+')
                })
        })
        && words[1..].iter().any(|w| {
            w.starts_with('-')
                || w.chars()
                    .all(|c| c.is_ascii_lowercase() || matches!(c, '-' | ':' | '_'))
        })
}

fn is_code_keyword(word: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "import",
        "from",
        "return",
        "except",
        "catch",
        "throw",
        "raise",
        "def",
        "fn",
        "func",
        "function",
        "class",
        "struct",
        "const",
        "let",
        "var",
        "if",
        "else",
        "for",
        "while",
        "use",
        "using",
        "package",
        "#include",
        "#[derive",
        "pub",
        "private",
        "public",
        "static",
        "async",
        "await",
        "new",
        "type",
        "interface",
        "enum",
        "impl",
        "with",
        "assert",
        "yield",
        "try",
        "uses:",
        "print",
        "console.log",
        "debugger",
        "select",
        "insert",
        "update",
        "delete",
        "drop",
        "create",
        "alter",
        "require",
    ];
    KEYWORDS.contains(&word.to_ascii_lowercase().as_str())
        || word.starts_with('@')
        || word.starts_with('#')
}

fn is_comment_start(word: &str) -> bool {
    word == "#" || word == "//"
}

/// `.csproj` followed by "file" or "files" names a kind of file (the glob `*.csproj`), not
/// code that contains the extension.
fn names_a_file_kind(span: &str, after: &str) -> bool {
    let extension = span.strip_prefix('.').is_some_and(|e| {
        (1..=12).contains(&e.len())
            && e.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && e.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    });
    let next = after.trim_start().to_lowercase();
    extension && (next.starts_with("file ") || next.starts_with("files") || next == "file")
}

/// `Co-Authored-By` followed by "line", "trailer" or "footer" names a commit trailer by its
/// key alone (with the colon, [`classify`] already knows it).
fn names_a_trailer(span: &str, after: &str) -> bool {
    let next = next_word(after);
    let names_one = matches!(
        next.as_str(),
        "line" | "lines" | "trailer" | "trailers" | "footer" | "footers"
    );
    names_one && !span.contains(':') && trailer_key(&format!("{span}:")).is_some()
}

/// The first word of the text after a span, lowercased ("lines" in "` lines to all commits").
fn next_word(after: &str) -> String {
    after
        .trim_start()
        .split(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or("")
        .to_lowercase()
}

/// `<img>` followed by "element", "tag" or "component" names markup, not a placeholder such
/// as `<branch>`.
fn names_an_element(span: &str, after: &str) -> bool {
    let tag = span
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .map(|s| s.trim_end_matches('/').trim());
    let is_tag = tag.is_some_and(|t| {
        t.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
    });
    let next = next_word(after);
    is_tag
        && matches!(
            next.as_str(),
            "element" | "elements" | "tag" | "tags" | "component" | "components"
        )
}

/// A generic type (`HashSet<u32>`, `Map<String, T>`): a name right before `<`, code rather
/// than a stand-in.
fn is_generic_type(word: &str) -> bool {
    static GENERIC: OnceLock<Regex> = OnceLock::new();
    GENERIC
        .get_or_init(|| Regex::new(r"^[A-Za-z_][\w:.]*<[\w:, <>\[\]&']+>$").unwrap())
        .is_match(word.trim())
}

/// `<file>`, `{name}`, `...`, `…` are placeholders.
pub fn is_placeholder(word: &str) -> bool {
    word.contains('<') && word.contains('>') && !is_generic_type(word)
        || word.starts_with('{') && word.ends_with('}')
        || word.contains("...")
        || word.contains('…')
}

/// A path written with stand-ins (`src/<platform>Main/...`, `docs/<lang>/*.md`) as the glob it
/// stands for, at any depth (`**/src/*Main/**`, `**/docs/*/*.md`): a path with stand-ins names a
/// layout, which recurs in every module of a repository. Only with a path's shape (a trailing
/// `/...`, a file extension or a trailing `/`) and a literal name left; `feature/<name>` stays
/// a stand-in (a branch name as often as a path).
fn path_template(span: &str) -> Option<String> {
    static STAND_IN: OnceLock<Regex> = OnceLock::new();
    let stand_in = STAND_IN.get_or_init(|| Regex::new(r"<[^<>/]+>").unwrap());
    if !span.contains('/') || is_generic_type(span) {
        return None;
    }
    let glob = stand_in.replace_all(span, "*");
    let glob = glob.replace("/...", "/**").replace("/…", "/**");
    let last = glob.rsplit('/').next().unwrap_or("");
    let shaped = glob.ends_with("/**") || glob.ends_with('/') || has_file_extension(last);
    let literal = glob
        .split('/')
        .any(|part| part.chars().filter(|c| c.is_alphanumeric()).count() >= 2);
    let layout = format!(
        "**/{}",
        glob.trim_start_matches("./").trim_start_matches('/')
    );
    (shaped && literal && is_path(&glob) && !is_placeholder(&glob)).then_some(layout)
}

/// An upper-case stand-in among a command's words (`SCRIPT.py`, `PACKAGE`).
fn is_upper_placeholder(word: &str) -> bool {
    let stem = word.split('.').next().unwrap_or(word);
    stem.len() > 1 && stem.chars().all(|c| c.is_ascii_uppercase() || c == '_')
}

fn trailer_key(span: &str) -> Option<String> {
    let (key, _) = span.split_once(':')?;
    let parts: Vec<&str> = key.split('-').collect();
    let looks_like = parts.len() >= 2
        && key.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic()));
    looks_like.then(|| key.to_string())
}

const FILE_EXTENSIONS: &[&str] = &[
    "adoc",
    "bash",
    "bazel",
    "c",
    "cc",
    "cfg",
    "cjs",
    "conf",
    "cpp",
    "cs",
    "csproj",
    "css",
    "csv",
    "cts",
    "dart",
    "dockerfile",
    "env",
    "erb",
    "ex",
    "exs",
    "example",
    "gemspec",
    "go",
    "gradle",
    "h",
    "hcl",
    "hpp",
    "html",
    "ini",
    "ipynb",
    "java",
    "jinja",
    "js",
    "json",
    "jsonc",
    "jsx",
    "key",
    "kt",
    "kts",
    "lock",
    "lua",
    "md",
    "mdc",
    "mdx",
    "mjs",
    "mod",
    "mts",
    "nix",
    "pem",
    "php",
    "pom",
    "properties",
    "props",
    "proto",
    "py",
    "pyi",
    "rake",
    "rb",
    "rs",
    "rst",
    "sample",
    "scala",
    "scss",
    "sh",
    "sln",
    "snap",
    "sql",
    "sum",
    "svelte",
    "swift",
    "template",
    "tf",
    "toml",
    "ts",
    "tsx",
    "txt",
    "vue",
    "xml",
    "yaml",
    "yml",
    "zig",
];

const BARE_FILES: &[&str] = &[
    "AUTHORS",
    "CHANGELOG",
    "CODEOWNERS",
    "Dockerfile",
    "Gemfile",
    "Justfile",
    "LICENSE",
    "Makefile",
    "NOTICE",
    "Procfile",
    "README",
    "Rakefile",
    "VERSION",
    "justfile",
    "go.mod",
];

const DOTFILES: &[&str] = &[
    ".cargo",
    ".circleci",
    ".claude",
    ".ctx",
    ".cursor",
    ".devcontainer",
    ".dockerignore",
    ".editorconfig",
    ".env",
    ".envrc",
    ".eslintrc",
    ".git",
    ".gitattributes",
    ".github",
    ".gitignore",
    ".gitlab-ci",
    ".gitmodules",
    ".husky",
    ".idea",
    ".netrc",
    ".npmrc",
    ".nvmrc",
    ".prettierrc",
    ".python-version",
    ".ruby-version",
    ".tool-versions",
    ".vscode",
    ".yarnrc",
];

/// True for file names, directories and globs written in a span.
pub fn is_path(span: &str) -> bool {
    if span.contains(' ') || span.starts_with('@') || span.starts_with('$') || span.contains("://")
    {
        return false;
    }
    if span.contains(['(', ')', '{', '}', '"', '\'', '=', ';', ',', '<', '>']) {
        return false;
    }
    if BARE_FILES.contains(&span) {
        return true;
    }
    if span.starts_with('.') && !span.starts_with("./") && !span.starts_with("../") {
        let name = span.trim_end_matches('/');
        let stem = name.split(['/', '*']).next().unwrap_or(name);
        return DOTFILES
            .iter()
            .any(|d| stem == *d || stem.starts_with(&format!("{d}.")))
            || stem.ends_with("rc")
            || stem.ends_with("ignore")
            || has_file_extension(&stem[1..]) && stem[1..].contains('.');
    }
    if span.contains('/') && span.chars().any(|c| c.is_alphanumeric() || c == '*') {
        return !span.contains("::") && !span.ends_with(':');
    }
    if span.starts_with('*') && span.len() > 1 {
        return true;
    }
    has_file_extension(span)
}

/// The extension a span names as a kind of file (`.java`, `*.properties`), lowercased, when
/// it is one ctx knows.
pub fn file_extension_named(span: &str) -> Option<String> {
    let ext = span.trim().strip_prefix("**/").unwrap_or(span.trim());
    let ext = ext.strip_prefix('*').unwrap_or(ext).strip_prefix('.')?;
    let ext = ext.to_ascii_lowercase();
    FILE_EXTENSIONS.contains(&ext.as_str()).then_some(ext)
}

fn has_file_extension(name: &str) -> bool {
    match name.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty()
                && !stem.ends_with('.')
                && FILE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
                && stem
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '*' | '/'))
                && !(stem.chars().next().is_some_and(char::is_uppercase) && stem.len() == 1)
        }
        None => false,
    }
}

/// Code written bare in prose, marked by a sigil no ordinary word carries: an annotation,
/// decorator or directive (`@ts-ignore`, `@Override`), a namespaced class
/// (`\\RuntimeException`), a call (`empty()`).
fn is_bare_code(word: &str) -> bool {
    word.len() > 2
        && (word.starts_with('@')
            || word.starts_with('\\')
            || word.ends_with("()")
            || word.ends_with("_*"))
}

/// A path written bare in prose: it needs a mark no ordinary word has (an extension, a
/// trailing or leading slash, a glob, two slashes), so "and/or" or "stash/revert" stay words.
fn is_bare_path(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    if !is_path(word) || lexicon().prose.products.contains(&lower) {
        return false;
    }
    let slashes = word.matches('/').count();
    word.ends_with('/')
        || word.starts_with("./")
        || word.starts_with("../")
        || word.contains('*')
        || slashes >= 2
        || has_file_extension(word.rsplit('/').next().unwrap_or(word))
        || word.starts_with('.') && slashes == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(span: &str) -> ObjectKind {
        classify(span)
    }

    #[test]
    fn spans_are_read_by_their_shape() {
        assert_eq!(
            kind("cargo update --precise"),
            ObjectKind::Command(vec!["cargo".into(), "update".into(), "--precise".into()])
        );
        assert_eq!(
            kind("hatch run test:unit"),
            ObjectKind::Command(vec!["hatch".into(), "run".into(), "test:unit".into()])
        );
        assert_eq!(
            kind("./bin/brew style --fix --changed"),
            ObjectKind::Command(vec![
                "./bin/brew".into(),
                "style".into(),
                "--fix".into(),
                "--changed".into()
            ])
        );
        assert_eq!(
            kind("uv run --frozen <tool>"),
            ObjectKind::Command(vec!["uv".into(), "run".into(), "--frozen".into()])
        );
        assert_eq!(kind("pnpm"), ObjectKind::Program("pnpm".into()));
        assert_eq!(kind("./gradlew"), ObjectKind::Program("gradlew".into()));
        assert_eq!(
            kind("-tags test_dep"),
            ObjectKind::Flag("-tags".into(), Some("test_dep".into()))
        );
        assert_eq!(kind("--force"), ObjectKind::Flag("--force".into(), None));
        assert_eq!(
            kind("generated/**"),
            ObjectKind::Path("generated/**".into())
        );
        assert_eq!(kind(".asf.yaml"), ObjectKind::Path(".asf.yaml".into()));
        assert_eq!(kind("LICENSE"), ObjectKind::Path("LICENSE".into()));
        assert_eq!(
            kind("src/<platform>Main/..."),
            ObjectKind::Path("**/src/*Main/**".into())
        );
        assert_eq!(
            kind("docs/<lang>/index.md"),
            ObjectKind::Path("**/docs/*/index.md".into())
        );
        assert_eq!(kind("<file>"), ObjectKind::Other("<file>".into()));
        assert_eq!(
            kind("<dir>/<file>"),
            ObjectKind::Other("<dir>/<file>".into())
        );
        assert_eq!(kind("tox.ini"), ObjectKind::Path("tox.ini".into()));
        assert_eq!(
            kind(".env.example"),
            ObjectKind::Path(".env.example".into())
        );
        assert_eq!(
            kind("Co-authored-by: Claude <x@y>"),
            ObjectKind::Trailer("Co-authored-by".into())
        );
        for code in [
            ".unwrap()",
            "except Exception:",
            "import java.util.*",
            "@Nullable",
            "T.must",
            ".send",
            "fmt.Sprintf",
            "logger.*",
            "%s",
            "console.log",
            "uses: actions/checkout@<sha>",
            "type(scope): Description",
        ] {
            assert!(
                matches!(kind(code), ObjectKind::Code(_)),
                "{code}: {:?}",
                kind(code)
            );
        }
        assert!(matches!(kind("https://x.org"), ObjectKind::Other(_)));
    }

    #[test]
    fn bare_flags_and_paths_are_objects_and_words_are_not() {
        let m = mask("Never build with --release; do not edit docs/api/ or tox.ini by hand.");
        assert_eq!(m.objects.len(), 3, "{m:?}");
        assert_eq!(
            m.objects[0].kind,
            ObjectKind::Flag("--release".into(), None)
        );
        assert_eq!(m.objects[1].kind, ObjectKind::Path("docs/api/".into()));
        assert_eq!(m.objects[2].kind, ObjectKind::Path("tox.ini".into()));
        assert!(
            m.text
                .starts_with("never build with §0§; do not edit §1§ or §2§"),
            "{}",
            m.text
        );
        let code = mask("Don't use @ts-ignore, \\RuntimeException or empty(); email a@b.org.");
        let kinds: Vec<&ObjectKind> = code.objects.iter().map(|o| &o.kind).collect();
        assert_eq!(
            kinds[..3],
            [
                &ObjectKind::Code("@ts-ignore".into()),
                &ObjectKind::Code("\\RuntimeException".into()),
                &ObjectKind::Code("empty()".into()),
            ],
            "{code:?}"
        );
        assert!(
            !code
                .objects
                .iter()
                .any(|o| o.text.starts_with('@') && o.text != "@ts-ignore"),
            "an e-mail address is not an annotation: {code:?}"
        );
        let product = mask("Don't use `<img>` elements in Next.js projects.");
        assert_eq!(product.objects.len(), 1, "{product:?}");
        assert_eq!(product.objects[0].kind, ObjectKind::Code("<img>".into()));
        assert_eq!(
            mask("Check out `<branch>` first").objects[0].kind,
            ObjectKind::Other("<branch>".into())
        );
        assert_eq!(
            kind("HashSet<u32>"),
            ObjectKind::Code("HashSet<u32>".into())
        );
        assert!(matches!(kind("feature/<name>"), ObjectKind::Other(_)));
        let words = mask("Never stash/revert, e.g. and/or the issues/PRs.");
        assert!(words.objects.is_empty(), "{words:?}");
    }

    #[test]
    fn a_trailer_key_before_line_or_trailer_is_a_trailer() {
        for sentence in [
            "Add `Co-Authored-By` lines to all commits",
            "Always include a `Signed-off-by` trailer",
            "End every commit with a `Reviewed-by` footer.",
        ] {
            let key = sentence.split('`').nth(1).unwrap();
            assert_eq!(
                mask(sentence).objects[0].kind,
                ObjectKind::Trailer(key.into()),
                "{sentence}"
            );
        }
        for sentence in [
            "Use `Co-Authored-By` sparingly",
            "Add `Content-Type` headers",
            "Call `read-only` lines",
        ] {
            let kind = &mask(sentence).objects[0].kind;
            assert!(
                !matches!(kind, ObjectKind::Trailer(_)),
                "{sentence}: {kind:?}"
            );
        }
    }

    #[test]
    fn an_extension_before_files_is_a_kind_of_file() {
        let m = mask("NEVER hardcode package versions in `.csproj` files.");
        assert_eq!(m.objects[0].kind, ObjectKind::Path("*.csproj".into()));
        let m = mask("Do not edit `.lock` file by hand; `.env` holds secrets.");
        assert_eq!(m.objects[0].kind, ObjectKind::Path("*.lock".into()));
        assert_ne!(m.objects[1].kind, ObjectKind::Path("*.env".into()), "{m:?}");
        let m = mask("Use `.unwrap()` files sparingly");
        assert!(matches!(m.objects[0].kind, ObjectKind::Code(_)), "{m:?}");
    }

    #[test]
    fn spans_and_quotes_are_masked_in_order() {
        let m = mask("Use `uv`, not \"pip\" or ``poetry``");
        assert_eq!(m.text, "use §0§, not §1§ or §2§");
        assert_eq!(m.objects[1].kind, ObjectKind::Quote("pip".into()));
        assert_eq!(m.objects_in("not §1§ or §2§"), [1, 2]);
    }
}
