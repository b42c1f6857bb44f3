//! Dependency matchers: new entries in manifests, or package-manager commands that add them.

use super::argv::{views, Argv};
use super::{EvalContext, Hit};
use crate::check::{ActionFacts, FileOp};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Matches new dependencies: added manifest lines that declare one, and commands that add one
/// (`cargo add`, `npm install x`, `pip install x`, `uv add`, `go get`, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DependencyMatcher {
    /// Only dependencies whose name contains one of these (case-insensitive); empty = any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Only these ecosystems (`cargo`, `npm`, `python`, `go`, `gradle`, `maven`, `ruby`);
    /// empty = all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ecosystems: Vec<String>,
}

/// A manifest file: its ecosystem, how to recognise it, and what a dependency line looks like.
struct Manifest {
    ecosystem: &'static str,
    file: fn(&str) -> bool,
    line: &'static str,
}

const MANIFESTS: &[Manifest] = &[
    Manifest {
        ecosystem: "cargo",
        file: |f| f == "Cargo.toml",
        line: r#"^\s*([A-Za-z0-9_-]+)\s*=\s*(\{|"[~^=<>]?\d)"#,
    },
    Manifest {
        ecosystem: "npm",
        file: |f| f == "package.json",
        line: r#"^\s*"(@?[A-Za-z0-9._/-]+)"\s*:\s*"(\^|~|>=?|<=?|=|\d|workspace:|npm:|latest|\*|git|github:|file:)"#,
    },
    Manifest {
        ecosystem: "python",
        file: |f| f == "pyproject.toml" || f == "setup.cfg",
        line: r#"^\s*"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([<>=!~]=?[^"]*)?(;[^"]*)?",?\s*$"#,
    },
    Manifest {
        ecosystem: "python",
        file: |f| f.starts_with("requirements") && f.ends_with(".txt"),
        line: r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([<>=!~]=?.*)?$",
    },
    Manifest {
        ecosystem: "go",
        file: |f| f == "go.mod",
        line: r"^\s*(?:require\s+)?([a-z0-9.-]+\.[a-z]+/[^\s]+)\s+v\d",
    },
    Manifest {
        ecosystem: "gradle",
        file: |f| f.starts_with("build.gradle"),
        line: r#"^\s*(?:implementation|api|compileOnly|runtimeOnly|testImplementation|testRuntimeOnly|annotationProcessor|kapt|compile)\s*[\( ]\s*["']?([^"'\)\s]+)"#,
    },
    Manifest {
        // Gradle version catalogs: `guava = "33.0.0-jre"`, `okio = { module = "…", … }`.
        ecosystem: "gradle",
        file: |f| f.ends_with(".versions.toml"),
        line: r#"^\s*([A-Za-z0-9_.-]+)\s*=\s*(\{|"[~^=<>\[]?\d)"#,
    },
    Manifest {
        ecosystem: "maven",
        file: |f| f == "pom.xml",
        line: r"<artifactId>([^<]+)</artifactId>",
    },
    Manifest {
        ecosystem: "ruby",
        file: |f| f == "Gemfile",
        line: r#"^\s*gem\s+["']([^"']+)"#,
    },
];

fn manifest_regexes() -> &'static Vec<Regex> {
    static CELL: OnceLock<Vec<Regex>> = OnceLock::new();
    CELL.get_or_init(|| {
        MANIFESTS
            .iter()
            .map(|m| Regex::new(m.line).expect("manifest regex"))
            .collect()
    })
}

/// Package-manager commands that add dependencies: program, subcommands, ecosystem.
const ADD_COMMANDS: &[(&str, &[&str], &str)] = &[
    ("cargo", &["add"], "cargo"),
    ("npm", &["install", "i", "add"], "npm"),
    ("pnpm", &["add", "install", "i"], "npm"),
    ("yarn", &["add"], "npm"),
    ("bun", &["add", "install", "i"], "npm"),
    ("pip", &["install"], "python"),
    ("pip3", &["install"], "python"),
    ("uv", &["add"], "python"),
    ("poetry", &["add"], "python"),
    ("pdm", &["add"], "python"),
    ("go", &["get"], "go"),
    ("gem", &["install"], "ruby"),
    ("bundle", &["add"], "ruby"),
];

impl DependencyMatcher {
    /// One line saying what this matcher catches.
    pub fn describe(&self) -> String {
        let what = if self.names.is_empty() {
            "any new dependency".to_string()
        } else {
            format!("new dependency named like {}", self.names.join("|"))
        };
        if self.ecosystems.is_empty() {
            what
        } else {
            format!("{what} ({})", self.ecosystems.join("|"))
        }
    }

    fn wants(&self, ecosystem: &str, name: &str) -> bool {
        let eco_ok = self.ecosystems.is_empty() || self.ecosystems.iter().any(|e| e == ecosystem);
        let lower = name.to_lowercase();
        let name_ok =
            self.names.is_empty() || self.names.iter().any(|n| lower.contains(&n.to_lowercase()));
        eco_ok && name_ok
    }

    /// Every added dependency line and every adding command.
    pub fn hits(&self, ctx: &EvalContext, facts: &ActionFacts) -> Vec<Hit> {
        let mut out = self.manifest_hits(ctx, facts);
        for inv in &facts.invocations {
            if views(inv).iter().any(|argv| self.command_adds(argv)) {
                out.push(Hit::command(format!(
                    "`{}` adds a dependency",
                    inv.raw.trim()
                )));
            }
        }
        out
    }

    fn manifest_hits(&self, ctx: &EvalContext, facts: &ActionFacts) -> Vec<Hit> {
        let mut out = Vec::new();
        for effect in facts
            .effects
            .iter()
            .filter(|e| e.op != FileOp::Delete && !e.added.is_empty() && ctx.in_scope(&e.path))
        {
            let file = effect.path.rsplit('/').next().unwrap_or(&effect.path);
            for (i, manifest) in MANIFESTS.iter().enumerate() {
                if !(manifest.file)(file) {
                    continue;
                }
                // Compiled only once a manifest with added lines is in the action.
                let re = &manifest_regexes()[i];
                // Quoted lines are masked where they stood, before the path prefixes them.
                let mut masked: Option<Vec<String>> = None;
                for (j, added) in effect.added.iter().enumerate() {
                    let text = added.text.as_str();
                    let already = effect.removed.iter().any(|r| r.trim() == text.trim());
                    let Some(caps) = re.captures(text) else {
                        continue;
                    };
                    let name = caps.get(1).map_or("", |m| m.as_str());
                    if !already && !is_manifest_key(name) && self.wants(manifest.ecosystem, text) {
                        let quoted = &masked.get_or_insert_with(|| {
                            crate::secrets::redact_lines(
                                effect.added.iter().map(|l| l.text.as_str()),
                            )
                        })[j];
                        out.push(Hit {
                            evidence: format!("{}: adds `{}`", effect.path, quoted.trim()),
                            path: Some(effect.path.clone()),
                            line: added.line,
                        });
                    }
                }
            }
        }
        out
    }

    fn command_adds(&self, argv: &Argv) -> bool {
        ADD_COMMANDS.iter().any(|(program, subs, eco)| {
            if argv.program != *program {
                return false;
            }
            let positionals = argv.positionals();
            let Some((_, sub)) = positionals.first() else {
                return false;
            };
            if !subs.contains(sub) {
                return false;
            }
            let packages: Vec<&str> = positionals[1..]
                .iter()
                .map(|(_, p)| *p)
                .filter(|p| !p.starts_with('.') && !p.starts_with('/'))
                .collect();
            // `npm install` alone installs the lockfile, `pip install -r x` a file.
            !packages.is_empty() && packages.iter().any(|p| self.wants(eco, p))
        })
    }
}

/// Keys of manifests that look like dependency lines but are metadata.
fn is_manifest_key(name: &str) -> bool {
    matches!(
        name,
        "name"
            | "version"
            | "edition"
            | "description"
            | "license"
            | "authors"
            | "readme"
            | "repository"
            | "homepage"
            | "main"
            | "module"
            | "types"
            | "type"
            | "private"
            | "rust-version"
            | "resolver"
            | "requires-python"
            | "build-backend"
            | "publish"
            | "workspace"
            | "path"
            | "go"
    )
}

#[cfg(test)]
mod tests {
    use super::super::argv::split_command;
    use super::super::GlobList;
    use super::*;
    use crate::check::{AddedLine, FileEffect};

    fn ctx_hits(m: &DependencyMatcher, facts: &ActionFacts) -> usize {
        let scope = GlobList::default();
        m.hits(
            &EvalContext {
                root: None,
                scope: &scope,
            },
            facts,
        )
        .len()
    }

    fn edit(path: &str, lines: &[&str]) -> ActionFacts {
        ActionFacts {
            effects: vec![FileEffect {
                path: path.into(),
                op: FileOp::Edit,
                added: lines
                    .iter()
                    .map(|l| AddedLine {
                        line: None,
                        text: l.to_string(),
                    })
                    .collect(),
                removed: vec![],
                via: "Edit tool".into(),
            }],
            ..ActionFacts::default()
        }
    }

    #[test]
    fn manifests_and_commands() {
        let any = DependencyMatcher::default();
        assert_eq!(
            ctx_hits(
                &any,
                &edit("go.mod", &["\tgithub.com/hashicorp/golang-lru/v2 v2.0.7"])
            ),
            1
        );
        assert_eq!(
            ctx_hits(
                &any,
                &edit("Cargo.toml", &["serde = \"1\"", "version = \"0.2.0\""])
            ),
            1
        );
        assert_eq!(
            ctx_hits(
                &any,
                &edit("web/package.json", &["    \"left-pad\": \"^1.3.0\","])
            ),
            1
        );
        assert_eq!(ctx_hits(&any, &edit("src/main.go", &["import \"fmt\""])), 0);
        assert_eq!(
            ctx_hits(&any, &split_command("go get github.com/samber/lo@v1.47.0")),
            1
        );
        assert_eq!(
            ctx_hits(
                &any,
                &edit("gradle/libs.versions.toml", &["okio = \"3.9.1\""])
            ),
            1,
            "a version catalog entry"
        );
        assert_eq!(ctx_hits(&any, &split_command("npm install")), 0);
        assert_eq!(ctx_hits(&any, &split_command("pnpm add -D vitest")), 1);
        let hadoop = DependencyMatcher {
            names: vec!["hadoop".into()],
            ..Default::default()
        };
        assert_eq!(
            ctx_hits(
                &hadoop,
                &edit("build.gradle", &["    compileOnly libs.hadoop.common"])
            ),
            1
        );
        assert_eq!(
            ctx_hits(
                &hadoop,
                &edit("build.gradle", &["    compileOnly libs.gcs.core"])
            ),
            0
        );
    }
}
