//! The lexicon (`lexicon.toml`, embedded): verbs, reader subjects, programs and their
//! categories and flag spellings, languages, test and prose files.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

const LEXICON_TOML: &str = include_str!("lexicon.toml");

/// Verb classes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verbs {
    /// Base forms a directive can open with.
    pub imperative: Vec<String>,
    /// Verbs whose object is a program.
    pub run: Vec<String>,
    /// Verbs whose object is a file that changes.
    pub edit: Vec<String>,
    /// Verbs whose object is a file that is created.
    pub create: Vec<String>,
    /// Verbs whose object is a file whose content is read.
    pub read: Vec<String>,
    /// Verbs whose object is a file that goes away.
    pub delete: Vec<String>,
    /// Verbs whose object is code.
    pub code: Vec<String>,
    /// Verbs whose object is something said to people (content, not an action).
    pub speech: Vec<String>,
    /// Verbs whose object is a dependency.
    pub depend: Vec<String>,
    /// Words that show a sentence's first word was a noun.
    pub noun_followers: Vec<String>,
}

/// Whom a rule can address.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subjects {
    /// Nouns and pronouns for the reader.
    pub reader: Vec<String>,
}

/// Tools that do the same job.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// What the tools do.
    pub name: String,
    /// The tools.
    pub members: Vec<String>,
}

/// Known programs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programs {
    /// Program names recognised bare in prose.
    pub known: Vec<String>,
    /// Programs that are also everyday words.
    pub ambiguous: Vec<String>,
    /// Other names of a program.
    #[serde(default)]
    pub aliases: HashMap<String, Vec<String>>,
    /// Tools that do the same job.
    #[serde(default, rename = "category")]
    pub categories: Vec<Category>,
    /// A package manager's subcommands that manage packages (install, add, remove, update):
    /// what "use X, not Y, for package management" forbids of Y.
    #[serde(default)]
    pub package_subcommands: HashMap<String, Vec<String>>,
    /// Tools another program's subcommand runs (`rustfmt` by `cargo fmt`): a rule naming the
    /// tool speaks of those commands too.
    #[serde(default)]
    pub run_by: HashMap<String, Vec<String>>,
}

/// Equivalent spellings of a program's flags.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagSpellings {
    /// The program.
    pub program: String,
    /// The subcommand the spellings hold for (empty: any).
    #[serde(default)]
    pub subcommand: Vec<String>,
    /// Groups of equivalent spellings, canonical first.
    pub same: Vec<Vec<String>>,
}

/// A programming language.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    /// Words naming it.
    pub names: Vec<String>,
    /// Its files.
    pub files: Vec<String>,
    /// True for a language whose code blocks in a document are commands to run (a shell),
    /// not the project's source.
    #[serde(default)]
    pub commands: bool,
}

/// A kind of file named in words ("CSV files").
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileKind {
    /// Words naming it before "file(s)".
    pub names: Vec<String>,
    /// Its files.
    pub files: Vec<String>,
}

/// Test files.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tests {
    /// Words naming tests (section headings, scope words).
    pub words: Vec<String>,
    /// Globs of test files.
    pub globs: Vec<String>,
}

/// Prose files.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prose {
    /// Globs of files that hold prose.
    pub files: Vec<String>,
    /// Names of products spelt like a file ("Node.js", "Next.js"): words in prose, never
    /// paths.
    pub products: Vec<String>,
}

/// The whole lexicon.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lexicon {
    /// Verb classes.
    pub verbs: Verbs,
    /// Reader subjects.
    pub subjects: Subjects,
    /// Programs.
    pub programs: Programs,
    /// Flag spellings.
    pub flags: Vec<FlagSpellings>,
    /// Languages.
    pub languages: Vec<Language>,
    /// Kinds of file named in words.
    pub file_kinds: Vec<FileKind>,
    /// Test files.
    pub tests: Tests,
    /// Prose files.
    pub prose: Prose,
    /// Kinds of declaration a keyword modifies ("`final` classes").
    pub declarations: Vec<Declaration>,
}

/// A kind of declaration named by a noun after a modifier keyword ("`final` classes",
/// "`async` functions", "`unsafe` blocks").
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    /// The nouns naming it, singular and plural.
    pub nouns: Vec<String>,
    /// A regex for what follows the keyword (and any further modifiers) in such a
    /// declaration.
    pub follows: String,
}

impl Lexicon {
    /// Parses the lexicon, naming the problem on error.
    pub fn parse(text: &str) -> Result<Lexicon, String> {
        toml::from_str(text).map_err(|e| format!("lexicon.toml: {e}"))
    }

    /// True when the word names a known program (by name or alias).
    pub fn is_program(&self, word: &str) -> bool {
        let w = word.trim_start_matches("./");
        self.programs.known.iter().any(|p| p == w)
            || self
                .programs
                .aliases
                .values()
                .flatten()
                .any(|a| a.trim_start_matches("./") == w)
    }

    /// True for programs that are also everyday words ("find", "make").
    pub fn is_ambiguous_program(&self, word: &str) -> bool {
        self.programs.ambiguous.iter().any(|p| p == word)
    }

    /// The names a program goes by (itself and its aliases).
    pub fn program_names(&self, program: &str) -> Vec<String> {
        let program = program.trim_start_matches("./");
        for (canonical, names) in &self.programs.aliases {
            if canonical == program || names.iter().any(|n| n.trim_start_matches("./") == program) {
                return names.clone();
            }
        }
        vec![program.to_string()]
    }

    /// The commands (program, then subcommand words) that run a tool a word names: the
    /// program itself and the subcommands of [`Programs::run_by`] (`rustfmt` → `rustfmt`,
    /// `cargo fmt`). Empty when the word names no known program or tool.
    pub fn commands_running(&self, word: &str) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        if self.is_program(word) && !self.is_ambiguous_program(word) {
            out.push(vec![word.to_string()]);
        }
        if let Some(commands) = self.programs.run_by.get(word) {
            out.extend(
                commands
                    .iter()
                    .map(|c| c.split_whitespace().map(String::from).collect()),
            );
        }
        out
    }

    /// The category a program belongs to, if any.
    pub fn category_of(&self, program: &str) -> Option<&Category> {
        self.programs
            .categories
            .iter()
            .find(|c| c.members.iter().any(|m| m == program))
    }

    /// Every spelling of a flag for a program and subcommand (the flag itself at least).
    pub fn flag_spellings(&self, program: &str, subcommand: &[String], flag: &str) -> Vec<String> {
        let flag = flag.split('=').next().unwrap_or(flag);
        let mut out = vec![flag.to_string()];
        for entry in self.flags.iter().filter(|f| f.program == program) {
            let sub_ok = entry.subcommand.is_empty()
                || subcommand
                    .iter()
                    .zip(&entry.subcommand)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
                    && subcommand.len() >= entry.subcommand.len();
            if !sub_ok {
                continue;
            }
            if let Some(group) = entry.same.iter().find(|g| g.iter().any(|s| s == flag)) {
                out.extend(group.iter().cloned());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The files of the language a word names ("python", "Go", "TypeScript").
    pub fn language_files(&self, word: &str) -> Option<&[String]> {
        let w = word.to_ascii_lowercase();
        self.languages
            .iter()
            .find(|l| l.names.contains(&w))
            .map(|l| l.files.as_slice())
    }

    /// The files of the programming languages of these code blocks (info strings), in
    /// order, without shells: the languages a document's examples are written in.
    pub fn source_files_of(&self, block_langs: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for lang in block_langs {
            let w = lang.to_ascii_lowercase();
            let Some(l) = self.languages.iter().find(|l| l.names.contains(&w)) else {
                continue;
            };
            for f in l.files.iter().filter(|_| !l.commands) {
                if !out.contains(f) {
                    out.push(f.clone());
                }
            }
        }
        out
    }

    /// The declaration a noun names ("classes" → the class declarations).
    pub fn declaration(&self, noun: &str) -> Option<&Declaration> {
        let w = noun.to_ascii_lowercase();
        self.declarations.iter().find(|d| d.nouns.contains(&w))
    }

    /// True when the word is in the verb list.
    pub fn is_verb(list: &[String], word: &str) -> bool {
        list.iter().any(|v| v == word)
    }
}

/// The embedded lexicon, parsed once.
pub fn lexicon() -> &'static Lexicon {
    static CELL: OnceLock<Lexicon> = OnceLock::new();
    CELL.get_or_init(|| Lexicon::parse(LEXICON_TOML).expect("lexicon.toml is valid (tested)"))
}

/// The base form of an inflected verb that is in `list` (`runs`, `running`, `used` → itself
/// when listed), or `None`.
pub fn verb_in<'a>(list: &'a [String], word: &str) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    // "re-introduce", "re-enable": the verb again.
    let w = lower.strip_prefix("re-").unwrap_or(&lower);
    list.iter().map(String::as_str).find(|v| {
        let stem = v.strip_suffix('e').unwrap_or(v);
        w == *v
            || w == format!("{v}s")
            || w == format!("{v}es")
            || w == format!("{v}d")
            || w == format!("{v}ed")
            || w == format!("{v}ing")
            || w == format!("{stem}ing")
            || w == format!("{stem}ed")
            || (v.len() >= 3
                && doubled(v).is_some_and(|d| w == format!("{d}ing") || w == format!("{d}ed")))
    })
}

/// `run` → `runn` (for `running`), `commit` → `committ`.
fn doubled(verb: &str) -> Option<String> {
    let last = verb.chars().last()?;
    let before = verb.chars().rev().nth(1)?;
    let vowel = |c: char| "aeiou".contains(c);
    (!vowel(last) && vowel(before) && !"wxy".contains(last)).then(|| format!("{verb}{last}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicon_parses_without_duplicates() {
        let lex = Lexicon::parse(LEXICON_TOML).unwrap();
        let lists: [(&str, &Vec<String>); 9] = [
            ("imperative", &lex.verbs.imperative),
            ("run", &lex.verbs.run),
            ("edit", &lex.verbs.edit),
            ("create", &lex.verbs.create),
            ("read", &lex.verbs.read),
            ("delete", &lex.verbs.delete),
            ("code", &lex.verbs.code),
            ("known programs", &lex.programs.known),
            ("reader", &lex.subjects.reader),
        ];
        for (name, list) in lists {
            let mut sorted = list.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), list.len(), "{name} has duplicates");
        }
        for class in [
            &lex.verbs.run,
            &lex.verbs.edit,
            &lex.verbs.create,
            &lex.verbs.read,
            &lex.verbs.delete,
            &lex.verbs.code,
        ] {
            for verb in class {
                assert!(
                    lex.verbs.imperative.contains(verb),
                    "{verb} is not an imperative verb"
                );
            }
        }
    }

    #[test]
    fn programs_aliases_and_flags() {
        let lex = lexicon();
        assert!(lex.is_program("pip") && lex.is_program("./gradlew") && !lex.is_program("asyncio"));
        assert!(lex.program_names("pip3").contains(&"pip".to_string()));
        assert_eq!(
            lex.category_of("poetry").unwrap().name,
            "Python package manager"
        );
        assert_eq!(
            lex.flag_spellings("git", &["push".into(), "origin".into()], "--force"),
            ["--force", "-f"]
        );
        assert_eq!(
            lex.flag_spellings("git", &["commit".into()], "--force"),
            ["--force"]
        );
        assert_eq!(
            lex.flag_spellings("cargo", &["build".into()], "-r"),
            ["--release", "-r"]
        );
        assert_eq!(lex.language_files("Python").unwrap()[0], "**/*.py");
    }

    #[test]
    fn declarations_follow_their_modifier() {
        let lex = lexicon();
        let decl = |noun: &str, kw: &str| {
            let follows = &lex.declaration(noun).unwrap().follows;
            regex::Regex::new(&format!(r"\b{kw}\b\s*{follows}")).unwrap()
        };
        assert!(decl("classes", "final").is_match("final class A extends B"));
        assert!(decl("class", "readonly").is_match("abstract readonly class Color"));
        assert!(!decl("classes", "final").is_match("final public function x() {}"));
        let f = decl("functions", "async");
        assert!(f.is_match("export async function load(url) {"));
        assert!(f.is_match("    async def fetch(self):"));
        assert!(f.is_match("pub async fn run(&self) {"));
        assert!(!f.is_match("const x = async;"));
        let m = decl("methods", "static");
        assert!(m.is_match("    public static void main(String[] args) {"));
        assert!(m.is_match("  static create<T>(x: T) {"));
        assert!(!m.is_match("    private static int count = compute();"));
        let b = decl("blocks", "unsafe");
        assert!(b.is_match("    let p = unsafe { *ptr };"));
        assert!(!b.is_match("pub unsafe fn raw() {"));
        assert!(decl("block", "synchronized").is_match("synchronized (lock) {"));
        assert!(
            lex.declaration("types").is_none(),
            "`any` types are no declaration"
        );
    }

    #[test]
    fn inflections_reach_the_base_form() {
        let run = &lexicon().verbs.run;
        for w in [
            "run", "runs", "running", "executes", "used", "using", "invoking",
        ] {
            assert!(verb_in(run, w).is_some(), "{w}");
        }
        assert!(verb_in(run, "runner").is_none());
        assert_eq!(verb_in(&lexicon().verbs.edit, "committed"), None);
        assert_eq!(
            verb_in(&lexicon().verbs.imperative, "committed"),
            Some("commit")
        );
    }
}
