//! Which anchors an action falls under: the rules to remind right after it ran.
//!
//! An anchor concerns an action when the action touches (reads or changes) a file in the
//! anchor's scope or in the files one of its matchers watches, or runs a program one of its
//! command or git matchers names. Rules without scope or files (most semantic-only rules)
//! concern no action in particular: the session-start digest carries them.

use super::matcher::{GlobList, Matcher};
use super::record::{Anchor, AnchorSource};
use crate::check::ActionFacts;

/// True when `anchor` concerns what `facts` did. Built-in anchors never do: they are
/// universal and the digest always carries them.
pub fn concerns(anchor: &Anchor, facts: &ActionFacts) -> bool {
    if anchor.source == AnchorSource::Builtin {
        return false;
    }
    let paths: Vec<&str> = facts.effects.iter().map(|e| e.path.as_str()).collect();
    let in_scope = !anchor.scope.is_empty() && {
        let scope = GlobList::new(anchor.scope.clone());
        paths.iter().any(|p| scope.is_match(p))
    };
    in_scope || anchor.matchers.iter().any(|m| watches(m, &paths, facts))
}

/// True when a matcher watches one of `paths` or a program `facts` ran.
fn watches(matcher: &Matcher, paths: &[&str], facts: &ActionFacts) -> bool {
    let ran = |program: &str| facts.invocations.iter().any(|i| i.program == program);
    match matcher {
        Matcher::Path(m) => !m.globs.is_empty() && paths.iter().any(|p| m.globs.is_match(p)),
        Matcher::Code(m) => {
            !m.files.is_empty()
                && paths
                    .iter()
                    .any(|p| m.files.is_match(p) && !m.except_files.is_match(p))
        }
        Matcher::Command(m) => m.programs.iter().any(|p| ran(p)),
        Matcher::Git(_) => ran("git"),
        Matcher::Dependency(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anchor::{CodeMatcher, CommandMatcher, PathMatcher, Polarity};
    use crate::check::{FileEffect, FileOp, Invocation};

    fn doc_anchor(matchers: Vec<Matcher>, scope: &[&str]) -> Anchor {
        let mut a = Anchor::new(
            "rule",
            Polarity::Never,
            AnchorSource::Doc {
                path: "AGENTS.md".into(),
                line: 1,
            },
        );
        a.matchers = matchers;
        a.scope = scope.iter().map(|s| s.to_string()).collect();
        a
    }

    fn touching(path: &str, program: Option<&str>) -> ActionFacts {
        ActionFacts {
            command: None,
            invocations: program
                .map(|p| Invocation {
                    program: p.into(),
                    args: Vec::new(),
                    raw: p.into(),
                    wrappers: Vec::new(),
                    piped_input: false,
                    cwd: None,
                    from_code: false,
                    background: false,
                })
                .into_iter()
                .collect(),
            effects: vec![FileEffect {
                path: path.into(),
                op: FileOp::Read,
                added: Vec::new(),
                removed: Vec::new(),
                via: "read tool".into(),
            }],
        }
    }

    #[test]
    fn scope_files_and_programs_make_a_rule_concern_an_action() {
        let tests_rule = doc_anchor(Vec::new(), &["tests/**"]);
        assert!(concerns(&tests_rule, &touching("tests/db_test.py", None)));
        assert!(!concerns(&tests_rule, &touching("src/db.py", None)));
        let generated = doc_anchor(
            vec![Matcher::Path(PathMatcher::new(vec!["generated/**".into()]))],
            &[],
        );
        assert!(concerns(&generated, &touching("generated/a.ts", None)));
        let go_code = doc_anchor(
            vec![Matcher::Code(
                CodeMatcher::new("x").in_files(vec!["**/*.go".into()]),
            )],
            &[],
        );
        assert!(concerns(&go_code, &touching("pkg/a.go", None)));
        assert!(!concerns(&go_code, &touching("pkg/a.rs", None)));
        let everywhere = doc_anchor(vec![Matcher::Code(CodeMatcher::new("x"))], &[]);
        assert!(!concerns(&everywhere, &touching("pkg/a.go", None)));
        let pytest = doc_anchor(
            vec![Matcher::Command(CommandMatcher::programs(&["pytest"]))],
            &[],
        );
        assert!(concerns(&pytest, &touching("x", Some("pytest"))));
        assert!(!concerns(&pytest, &touching("x", Some("cargo"))));
        let semantic = doc_anchor(Vec::new(), &[]);
        assert!(!concerns(
            &semantic,
            &touching("tests/a.py", Some("pytest"))
        ));
    }
}
