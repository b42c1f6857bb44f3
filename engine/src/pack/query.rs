//! What a task text names: code identifiers, file paths, dotted module paths and
//! traceback frames. The ranker matches these against paths and symbols exactly, which
//! catches what bag-of-words search misses (`Session.resolve_redirects`, `models.py:312`).

use super::graph::identifiers;
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// One frame of a traceback: `File "pkg/mod.py", line 12, in func` (Python) or
/// `at func (src/mod.js:12:5)` / `src/mod.rs:12:5` (others).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Frame {
    /// The path as written (possibly absolute or under site-packages).
    pub path: String,
    /// The line, when given.
    pub line: Option<u32>,
    /// The function, when given.
    pub function: Option<String>,
}

/// The code-like names a task text mentions. Sets are sorted, so results are deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryTerms {
    /// Identifiers that look like code: `snake_case`, `camelCase`, `CamelCase`, names
    /// followed by `(`, or inside backticks.
    pub code_identifiers: BTreeSet<String>,
    /// Every other word of three or more letters.
    pub words: BTreeSet<String>,
    /// File paths (`src/app.py`, `models.py`).
    pub paths: BTreeSet<String>,
    /// Dotted names (`requests.sessions.Session`), split into their segments.
    pub dotted: BTreeSet<Vec<String>>,
    /// Traceback frames.
    pub frames: Vec<Frame>,
    /// Literal fragments of messages the text quotes (error messages, quoted strings),
    /// to be found verbatim in the code that prints them.
    pub phrases: BTreeSet<String>,
    /// Names the text's own code defines (`def foo(`, `class Foo`), with the defining
    /// lines as written (trimmed). Such a name is the writer's (their test, their
    /// example), not evidence for a same-named definition in the repository, unless the
    /// quoted line is that definition's own first line (the task quotes the code).
    pub defined: BTreeMap<String, BTreeSet<String>>,
}

const EXTENSIONS: &str = "py|pyi|rs|js|jsx|ts|tsx|mjs|cjs|go|java|kt|rb|php|c|h|cc|cpp|hpp|cs|swift|scala|md|rst|txt|toml|yaml|yml|json|cfg|ini|sh";

fn path_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(
            r"(?:[A-Za-z]:)?[A-Za-z0-9_\-./\\]*[A-Za-z0-9_\-]\.(?:{EXTENSIONS})\b"
        ))
        .expect("valid path regex")
    })
}

fn python_frame_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"File "([^"]+)", line (\d+)(?:, in ([A-Za-z_][A-Za-z0-9_<>]*))?"#)
            .expect("valid frame regex")
    })
}

fn location_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(r"([A-Za-z0-9_\-./\\]+\.(?:{EXTENSIONS})):(\d+)"))
            .expect("valid location regex")
    })
}

fn dotted_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\b[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+\b").expect("valid regex")
    })
}

fn fence_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?s)```[^\n]*\n(.*?)```").expect("valid regex"))
}

/// `SomeError: message` or `error: message` lines, and quoted strings.
fn message_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"(?m)(?:\b[A-Za-z_.]*(?:Error|Exception|Warning|error|warning):[ \t]+([^\n]{8,300}))|"([^"\n]{8,200})"|'([^'\n]{8,200})'"#,
        )
        .expect("valid regex")
    })
}

/// Pieces of `message` that a program would hold as literal text: split where values are
/// usually formatted in (quotes, backticks, brackets, numbers, `:`), trimmed, of at least
/// [`MIN_PHRASE`] characters and two words.
fn literal_fragments(message: &str) -> impl Iterator<Item = String> + '_ {
    message
        .split(|c: char| {
            matches!(
                c,
                '\'' | '"' | '`' | '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>' | ':' | '='
            ) || c.is_ascii_digit()
        })
        .map(|f| f.trim_matches(|c: char| c.is_whitespace() || c == '.' || c == ','))
        .filter(|f| {
            f.len() >= MIN_PHRASE && f.contains(' ') && f.bytes().any(|b| b.is_ascii_alphabetic())
        })
        .map(str::to_string)
}

/// Shortest message fragment searched for verbatim.
const MIN_PHRASE: usize = 12;

/// `def name(`, `async def name(`, `class Name` (Python), `function name(` (JS),
/// `fn name(` (Rust) at the start of a line: a definition in code the text quotes.
fn definition_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?m)^[ \t>]*((?:async[ \t]+)?(?:def|class|function|fn)[ \t]+([A-Za-z_][A-Za-z0-9_]*)[^\n]*)",
        )
        .expect("valid regex")
    })
}

/// An HTML comment: invisible where the task was written (an issue template's
/// instructions), not the writer's words.
fn html_comment_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?s)<!--.*?-->").expect("valid regex"))
}

/// A line of an environment listing: `package  1.2.3  [location]` (`pip list`, `conda
/// list`) or `package==1.2.3` (`pip freeze`), or the dashes under such a table's header.
fn listing_line_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^\s*(?:[A-Za-z0-9][A-Za-z0-9_.\-\[\]]*(?:\s+|==|>=)v?\d+(?:\.[A-Za-z0-9]+)+(?:[\-+][A-Za-z0-9.]+)?(?:\s+\S+)?|-{3,}(?:\s+-{3,})*)\s*$",
        )
        .expect("valid regex")
    })
}

/// Shortest run of consecutive listing lines treated as an environment listing.
const MIN_LISTING_LINES: usize = 3;

/// The part of a task text that says something about the task: without HTML comments
/// (issue-template instructions nobody sees) and without environment listings (runs of
/// `package version` lines from `pip list` or `pip freeze`), whose dozens of package
/// names would otherwise match code that imports those packages. Used for both the
/// search and the names the ranker looks for.
pub fn task_text(text: &str) -> String {
    let text = html_comment_regex().replace_all(text, "");
    let lines: Vec<&str> = text.lines().collect();
    let listing: Vec<bool> = lines
        .iter()
        .map(|l| !l.trim().is_empty() && listing_line_regex().is_match(l))
        .collect();
    let mut keep = vec![true; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        if !listing[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && listing[i] {
            i += 1;
        }
        if i - start >= MIN_LISTING_LINES {
            keep[start..i].iter_mut().for_each(|k| *k = false);
        }
    }
    let mut out = String::with_capacity(text.len());
    for (line, keep) in lines.iter().zip(keep) {
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn backtick_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"`([^`\n]{1,200})`").expect("valid regex"))
}

/// Identifiers in a code block that are called (`name(`) or reached through a dot
/// (`.name`): in quoted code these are the program's names, not prose.
fn used_names(block: &str) -> impl Iterator<Item = &str> {
    let bytes = block.as_bytes();
    let mut offset = 0;
    identifiers(block).filter(move |word| {
        let start = block[offset..].find(word).map_or(offset, |i| offset + i);
        offset = start + word.len();
        let called = bytes.get(offset) == Some(&b'(');
        let dotted = start > 0 && bytes[start - 1] == b'.';
        called || dotted
    })
}

/// True for identifiers that read as code rather than prose.
fn looks_like_code(word: &str) -> bool {
    let has_lower = word.bytes().any(|b| b.is_ascii_lowercase());
    let inner_upper = word.bytes().skip(1).any(|b| b.is_ascii_uppercase());
    word.contains('_') || (has_lower && inner_upper) || word.bytes().any(|b| b.is_ascii_digit())
}

impl QueryTerms {
    /// Extracts the terms of `text` (after [`task_text`] cleaned it).
    pub fn parse(text: &str) -> QueryTerms {
        let text = &task_text(text);
        let mut terms = QueryTerms::default();
        for caps in definition_regex().captures_iter(text) {
            terms
                .defined
                .entry(caps[2].to_string())
                .or_default()
                .insert(normalize_line(&caps[1]));
        }
        for caps in python_frame_regex().captures_iter(text) {
            terms.frames.push(Frame {
                path: caps[1].replace('\\', "/"),
                line: caps[2].parse().ok(),
                function: caps.get(3).map(|m| m.as_str().to_string()),
            });
        }
        for caps in location_regex().captures_iter(text) {
            terms.frames.push(Frame {
                path: caps[1].replace('\\', "/"),
                line: caps[2].parse().ok(),
                function: None,
            });
        }
        terms.frames.sort();
        terms.frames.dedup();
        for m in path_regex().find_iter(text) {
            let path = m.as_str().replace('\\', "/");
            let path = path.trim_start_matches("./").to_string();
            if path.contains('/') || !path.starts_with('.') {
                terms.paths.insert(path);
            }
        }
        for m in dotted_regex().find_iter(text) {
            let segments: Vec<String> = m.as_str().split('.').map(str::to_string).collect();
            let is_file = segments
                .last()
                .is_some_and(|ext| EXTENSIONS.split('|').any(|e| e == ext));
            if !is_file && segments.len() <= 8 {
                terms.dotted.insert(segments);
            }
        }
        let mut code_marked: BTreeSet<&str> = BTreeSet::new();
        for caps in backtick_regex().captures_iter(text) {
            code_marked.extend(identifiers(caps.get(1).map_or("", |m| m.as_str())));
        }
        // Names in quoted code that are called or reached through a dot are code too.
        for caps in fence_regex().captures_iter(text) {
            let block = caps.get(1).map_or("", |m| m.as_str());
            code_marked.extend(used_names(block));
        }
        for caps in message_regex().captures_iter(text) {
            let message = (1..=3).find_map(|g| caps.get(g)).map_or("", |m| m.as_str());
            terms.phrases.extend(literal_fragments(message));
        }
        let bytes = text.as_bytes();
        let mut offset = 0;
        for word in identifiers(text) {
            let start = text[offset..].find(word).map_or(offset, |i| offset + i);
            offset = start + word.len();
            if word.len() < 3 {
                continue;
            }
            let called = bytes.get(offset) == Some(&b'(');
            if looks_like_code(word) || called || code_marked.contains(word) {
                terms.code_identifiers.insert(word.to_string());
            } else {
                terms.words.insert(word.to_string());
            }
        }
        terms
    }

    /// True when the text names nothing at all.
    pub fn is_empty(&self) -> bool {
        self.code_identifiers.is_empty()
            && self.words.is_empty()
            && self.paths.is_empty()
            && self.frames.is_empty()
            && self.phrases.is_empty()
    }
}

/// A line with its runs of whitespace made single spaces, trimmed: how a quoted
/// definition line is compared with a chunk's signature.
pub fn normalize_line(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The indexed path that `mentioned` refers to: an exact match, else the longest indexed
/// path that `mentioned` ends with or that ends with `mentioned` at a `/` boundary.
pub fn resolve_path<'a>(mentioned: &str, indexed: &'a [&'a str]) -> Vec<&'a str> {
    let mentioned = mentioned.trim_start_matches('/');
    if let Ok(i) = indexed.binary_search(&mentioned) {
        return vec![indexed[i]];
    }
    let boundary_suffix = |long: &str, short: &str| {
        long.ends_with(short)
            && (long.len() == short.len() || long.as_bytes()[long.len() - short.len() - 1] == b'/')
    };
    // An absolute or site-packages path: the indexed path is a suffix of it.
    let mut best: Vec<&str> = Vec::new();
    let mut best_len = 0;
    for &path in indexed {
        if boundary_suffix(mentioned, path) && path.contains('/') {
            if path.len() > best_len {
                best_len = path.len();
                best = vec![path];
            } else if path.len() == best_len {
                best.push(path);
            }
        }
    }
    if !best.is_empty() {
        return best;
    }
    // A short mention (`models.py`): indexed paths that end with it.
    let matches: Vec<&str> = indexed
        .iter()
        .copied()
        .filter(|path| boundary_suffix(path, mentioned))
        .collect();
    if matches.len() <= 4 {
        matches
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_code_identifiers_and_words() {
        let t = QueryTerms::parse("Calling `Session.send` with stream=True breaks resolve_redirects() and getPeer in HTTPAdapter");
        for id in [
            "resolve_redirects",
            "getPeer",
            "HTTPAdapter",
            "send",
            "Session",
        ] {
            assert!(t.code_identifiers.contains(id), "{id}: {t:?}");
        }
        assert!(t.words.contains("Calling") && t.words.contains("breaks"));
        assert!(t
            .dotted
            .contains(&vec!["Session".to_string(), "send".to_string()]));
    }

    #[test]
    fn finds_paths_and_traceback_frames() {
        let text = "Traceback (most recent call last):\n  File \"/usr/lib/python3/site-packages/requests/models.py\", line 312, in prepare_body\n    raise X\nsee src/app.rs:40:2 and utils.py";
        let t = QueryTerms::parse(text);
        assert_eq!(
            t.frames[0].path,
            "/usr/lib/python3/site-packages/requests/models.py"
        );
        assert_eq!(t.frames[0].line, Some(312));
        assert_eq!(t.frames[0].function.as_deref(), Some("prepare_body"));
        assert!(t
            .frames
            .iter()
            .any(|f| f.path == "src/app.rs" && f.line == Some(40)));
        assert!(t.paths.contains("utils.py"));
    }

    #[test]
    fn template_comments_and_environment_listings_are_not_the_task() {
        let text = "Proxy auth fails\n<!-- Summary. Thanks for submitting an issue! -->\nI get 407.\n```\n$ pip list\nPackage    Version   Location\n---------- --------- --------\naiohttp    3.6.2\nastropy    3.2.3\nnumpy      1.19.1    /usr/lib\n```\nPytest 6.0.1rc0 and MacOS 10.14.5\n";
        let cleaned = task_text(text);
        for gone in ["Thanks", "aiohttp", "astropy", "numpy", "-----"] {
            assert!(!cleaned.contains(gone), "{gone}: {cleaned}");
        }
        // one `name version` line is prose, not a listing
        for kept in [
            "Proxy auth fails",
            "I get 407.",
            "pip list",
            "Pytest 6.0.1rc0",
        ] {
            assert!(cleaned.contains(kept), "{kept}: {cleaned}");
        }
        let t = QueryTerms::parse(text);
        assert!(
            !t.words.contains("astropy") && !t.words.contains("Thanks"),
            "{t:?}"
        );
    }

    #[test]
    fn names_the_task_defines_are_recorded_with_their_lines() {
        let text = "```python\ndef test_xfail_test(request):\n    request.node.add_marker(mark)\n\nclass MyTestCase(unittest.TestCase):\n    def  setUp(self):\n        pass\n```\n";
        let t = QueryTerms::parse(text);
        assert_eq!(
            t.defined["test_xfail_test"].iter().next().unwrap(),
            "def test_xfail_test(request):"
        );
        assert_eq!(
            t.defined["setUp"].iter().next().unwrap(),
            "def setUp(self):"
        );
        assert!(t.defined.contains_key("MyTestCase"));
        assert!(!t.defined.contains_key("add_marker"));
    }

    #[test]
    fn finds_message_fragments_and_names_in_quoted_code() {
        let text = "It fails:\n```python\ng = sns.PairGrid(iris)\ng.map(sns.scatterplot, hue=x)\n```\nTypeError: Could not interpret value `x` for parameter `hue`\nand it says \"Avoid using aliases in join condition\".";
        let t = QueryTerms::parse(text);
        for id in ["PairGrid", "map", "scatterplot"] {
            assert!(t.code_identifiers.contains(id), "{id}: {t:?}");
        }
        assert!(!t.code_identifiers.contains("iris"), "{t:?}");
        assert!(t.phrases.contains("Could not interpret value"), "{t:?}");
        assert!(
            t.phrases.contains("Avoid using aliases in join condition"),
            "{t:?}"
        );
        assert!(!t.phrases.iter().any(|p| p.contains("hue")), "{t:?}");
    }

    #[test]
    fn resolves_mentioned_paths_against_the_index() {
        let indexed = [
            "docs/models.md",
            "requests/models.py",
            "requests/utils.py",
            "tests/test_utils.py",
        ];
        assert_eq!(
            resolve_path("/usr/lib/site-packages/requests/models.py", &indexed),
            vec!["requests/models.py"]
        );
        assert_eq!(
            resolve_path("utils.py", &indexed),
            vec!["requests/utils.py"]
        );
        assert_eq!(
            resolve_path("requests/utils.py", &indexed),
            vec!["requests/utils.py"]
        );
        assert!(resolve_path("nothing.py", &indexed).is_empty());
    }
}
