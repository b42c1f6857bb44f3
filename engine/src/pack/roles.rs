//! What part a file plays in its repository, read from its path alone: source, tests,
//! fixtures and test data, vendored code, generated code, a change log, examples or
//! prose documentation. The ranker
//! down-weights everything but source unless the task points at the file, and a test file
//! the task points at leads to the source file it tests.

/// The part a file plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Ordinary source or documentation.
    Source,
    /// A test (`tests/`, `test_x.py`, `x_test.go`, `x.spec.ts`, `XTest.java`).
    Test,
    /// Test data, fixtures, snapshots, examples of input (`fixtures/`, `testdata/`).
    Fixture,
    /// Someone else's code kept in the tree (`vendor/`, `third_party/`, `node_modules/`).
    Vendored,
    /// Written by a tool (`*_pb2.py`, `*.pb.go`, `*.min.js`, `generated/`, lock files).
    Generated,
    /// A change log or release notes (`CHANGES.rst`, `docs/changelog.md`, `HISTORY`,
    /// `doc/announce/release-2.6.0.rst`).
    ChangeLog,
    /// Example or demo code (`examples/`, `docs/example/`, `demo/`).
    Example,
    /// Prose: documentation and other text that is not code (`docs/usage.rst`,
    /// `README.md`).
    Prose,
}

impl Role {
    /// The factor a chunk's relevance is multiplied by when the task does not point at
    /// its file. These are priors from what a fix touches in general, not fitted to any
    /// evaluation: a test rarely is the place to fix, test data and vendored or generated
    /// code almost never, and a change log only restates. Prose documentation explains
    /// the code a task is about but is rarely where the change lands; it also shares the
    /// most words with a task written in prose, so undamped it crowds the code out of
    /// the search hits.
    pub fn weight(self) -> f64 {
        match self {
            Role::Source => 1.0,
            Role::Prose => 0.5,
            Role::Test | Role::Example => 0.5,
            Role::ChangeLog => 0.4,
            Role::Fixture | Role::Vendored | Role::Generated => 0.25,
        }
    }

    /// A short name for `--explain`.
    pub fn label(self) -> &'static str {
        match self {
            Role::Source => "source",
            Role::Test => "test",
            Role::Fixture => "test data",
            Role::Vendored => "vendored",
            Role::Generated => "generated",
            Role::ChangeLog => "change log",
            Role::Example => "example",
            Role::Prose => "prose",
        }
    }
}

const FIXTURE_DIRS: &[&str] = &[
    "fixtures",
    "fixture",
    "testdata",
    "test_data",
    "test-data",
    "__snapshots__",
    "snapshots",
    "testing_data",
];
const TEST_DIRS: &[&str] = &["test", "tests", "testing", "__tests__", "spec", "specs"];
const VENDOR_DIRS: &[&str] = &[
    "vendor",
    "vendored",
    "_vendor",
    "third_party",
    "third-party",
    "thirdparty",
    "external",
    "extern",
    "node_modules",
    "deps",
];
const GENERATED_DIRS: &[&str] = &["generated", "gen", "__generated__", "autogen"];
const EXAMPLE_DIRS: &[&str] = &["example", "examples", "demo", "demos", "sample", "samples"];
const CHANGE_LOG_DIRS: &[&str] = &[
    "changelog",
    "changelogs",
    "changes",
    "announce",
    "releases",
    "release-notes",
    "release_notes",
    "whatsnew",
    "news",
];
const CHANGE_LOG_STEMS: &[&str] = &[
    "changes",
    "changelog",
    "change_log",
    "history",
    "news",
    "release_notes",
    "releasenotes",
    "whatsnew",
];

/// The role of the file at `path` (relative, `/`-separated).
pub fn role(path: &str) -> Role {
    let lower = path.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('/').collect();
    let (dirs, name) = parts.split_at(parts.len() - 1);
    let name = name[0];
    let in_dir = |set: &[&str]| dirs.iter().any(|d| set.contains(d));
    if in_dir(VENDOR_DIRS) {
        return Role::Vendored;
    }
    if is_generated_name(name) || in_dir(GENERATED_DIRS) {
        return Role::Generated;
    }
    if in_dir(FIXTURE_DIRS) {
        return Role::Fixture;
    }
    if is_test_name(name) || in_dir(TEST_DIRS) {
        // Data files inside a test tree are fixtures; code there is tests.
        return if is_code_name(name) {
            Role::Test
        } else {
            Role::Fixture
        };
    }
    let stem = name.split('.').next().unwrap_or(name);
    let prose = !is_code_name(name);
    if CHANGE_LOG_STEMS.contains(&stem)
        || (prose && (in_dir(CHANGE_LOG_DIRS) || stem.starts_with("release-")))
    {
        return Role::ChangeLog;
    }
    if in_dir(EXAMPLE_DIRS) {
        return Role::Example;
    }
    if is_prose_name(name) {
        return Role::Prose;
    }
    Role::Source
}

/// Documentation formats.
fn is_prose_name(name: &str) -> bool {
    const PROSE: &[&str] = &["md", "rst", "adoc", "markdown", "mdx", "rdoc", "org"];
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| PROSE.contains(&ext))
}

fn is_code_name(name: &str) -> bool {
    const CODE: &[&str] = &[
        "py", "pyi", "rs", "js", "jsx", "ts", "tsx", "mjs", "cjs", "go", "java", "kt", "rb", "php",
        "c", "h", "cc", "cpp", "hpp", "cs", "swift", "scala", "sh",
    ];
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| CODE.contains(&ext))
}

fn is_generated_name(name: &str) -> bool {
    name.ends_with("_pb2.py")
        || name.ends_with("_pb2_grpc.py")
        || name.ends_with(".pb.go")
        || name.ends_with(".pb.rs")
        || name.ends_with(".min.js")
        || name.ends_with(".min.css")
        || name.ends_with(".generated.ts")
        || name.ends_with("_generated.go")
        || name.ends_with(".lock")
        || name == "package-lock.json"
        || name == "pnpm-lock.yaml"
}

/// True for file names that are tests by convention in some language.
fn is_test_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem == "conftest"
        || name.contains(".test.")
        || name.contains(".spec.")
        || (stem.ends_with("test") && stem.len() > 4 && name.ends_with(".java"))
        || (stem.ends_with("tests") && stem.len() > 5 && name.ends_with(".cs"))
}

/// The file name a test file tests, by the naming conventions of its language:
/// `test_models.py` → `models.py`, `server_test.go` → `server.go`, `app.spec.ts` →
/// `app.ts`, `ParserTest.java` → `Parser.java`. `None` when the name follows none.
pub fn tested_name(path: &str) -> Option<String> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let (stem, ext) = name.split_once('.')?;
    let ext = ext.rsplit('.').next().unwrap_or(ext);
    let subject = if let Some(rest) = stem.strip_prefix("test_") {
        rest.to_string()
    } else if let Some(rest) = stem.strip_suffix("_test").or(stem.strip_suffix("_tests")) {
        rest.to_string()
    } else if name.contains(".test.") || name.contains(".spec.") {
        stem.to_string()
    } else if let Some(rest) = stem.strip_suffix("Tests").or(stem.strip_suffix("Test")) {
        rest.to_string()
    } else if role(path) == Role::Test && stem != "mod" && stem != "lib" && stem != "__init__" {
        // `tests/parser.rs` tests `parser.rs`.
        stem.to_string()
    } else {
        return None;
    };
    (!subject.is_empty()).then(|| format!("{subject}.{ext}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_roles_from_paths() {
        for (path, want) in [
            ("requests/models.py", Role::Source),
            ("tests/test_models.py", Role::Test),
            ("src/server_test.go", Role::Test),
            ("web/app.spec.ts", Role::Test),
            ("src/test/java/a/ParserTest.java", Role::Test),
            ("tests/fixtures/config.yaml", Role::Fixture),
            ("tests/data/sample.json", Role::Fixture),
            ("pkg/testdata/input.go", Role::Fixture),
            ("vendor/github.com/x/y.go", Role::Vendored),
            ("api/service_pb2.py", Role::Generated),
            ("Cargo.lock", Role::Generated),
            ("CHANGES.rst", Role::ChangeLog),
            ("docs/changelog.md", Role::ChangeLog),
            ("doc/en/announce/release-2.6.0.rst", Role::ChangeLog),
            ("changelog/1234.bugfix.rst", Role::ChangeLog),
            ("doc/en/example/multipython.py", Role::Example),
            ("src/changes/model.py", Role::Source),
            ("docs/usage.md", Role::Prose),
            ("README.rst", Role::Prose),
            ("requirements.txt", Role::Source),
            ("contest/x.py", Role::Source),
        ] {
            assert_eq!(role(path), want, "{path}");
        }
    }

    #[test]
    fn a_test_name_leads_to_its_subject() {
        for (test, subject) in [
            ("tests/test_models.py", Some("models.py")),
            ("pkg/server_test.go", Some("server.go")),
            ("web/app.spec.ts", Some("app.ts")),
            ("src/test/java/ParserTest.java", Some("Parser.java")),
            ("tests/parser.rs", Some("parser.rs")),
            ("tests/mod.rs", None),
            ("src/models.py", None),
        ] {
            assert_eq!(tested_name(test).as_deref(), subject, "{test}");
        }
    }
}
