//! Plan anchors: a pinned task plan whose files and globs bound what an action may change.
//!
//! `.ctx/plan.json`:
//! ```json
//! {"goal": "Add retries to the HTTP client",
//!  "files": ["src/http/**"],
//!  "steps": [{"description": "add a backoff policy", "files": ["src/http/backoff.rs"]},
//!            "wire it into the client"]}
//! ```
//! Steps may be strings or objects (`description`, `title` or `text`, plus `files`). Writing a
//! file outside every listed file or glob is drift: a warn finding from the anchor `plan-scope`.

use super::files::{json_error, plan_path, read_optional, write_atomic};
use super::matcher::{GlobList, Matcher, PathMatcher};
use super::record::{Anchor, AnchorSource, Polarity, Severity};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The id of the plan's scope anchor.
pub const PLAN_ANCHOR_ID: &str = "plan-scope";

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PlanStep {
    /// A step in words.
    Text(String),
    /// A step with the files it changes.
    Detailed {
        /// What the step does.
        #[serde(alias = "title", alias = "text", alias = "step")]
        description: String,
        /// Files or globs the step changes.
        #[serde(default)]
        files: Vec<String>,
    },
}

impl PlanStep {
    /// The step's words.
    pub fn description(&self) -> &str {
        match self {
            PlanStep::Text(t) => t,
            PlanStep::Detailed { description, .. } => description,
        }
    }
}

/// A task plan handed from a planning model to a building model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// What the plan achieves.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "title",
        alias = "task"
    )]
    pub goal: Option<String>,
    /// Files or globs the whole plan may change.
    #[serde(default, skip_serializing_if = "Vec::is_empty", alias = "scope")]
    pub files: Vec<String>,
    /// The steps, in order.
    #[serde(default)]
    pub steps: Vec<PlanStep>,
}

impl Plan {
    /// Parses plan JSON, with line and column on syntax errors, and checks it names files.
    pub fn parse(path: &Path, text: &str) -> Result<Plan> {
        let plan: Plan = serde_json::from_str(text).map_err(|e| json_error(path, &e))?;
        if plan.scope().is_empty() {
            return Err(Error::Invalid(format!(
                "{}: the plan names no files or globs: add a \"files\" list to the plan or to its steps",
                path.display()
            )));
        }
        GlobList::new(plan.scope())
            .validate()
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        Ok(plan)
    }

    /// Every file and glob of the plan and its steps.
    pub fn scope(&self) -> Vec<String> {
        let mut out = self.files.clone();
        for step in &self.steps {
            if let PlanStep::Detailed { files, .. } = step {
                out.extend(files.iter().cloned());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The warn anchor: writes outside the plan's scope are drift.
    pub fn anchor(&self) -> Anchor {
        let scope = self.scope();
        let goal = self.goal.as_deref().unwrap_or("the pinned plan");
        let mut anchor = Anchor::new(
            format!(
                "Stay within the plan ({goal}): change only {}",
                scope.join(", ")
            ),
            Polarity::Never,
            AnchorSource::Plan,
        );
        anchor.id = PLAN_ANCHOR_ID.into();
        anchor.severity = Severity::Warn;
        let mut except = scope;
        except.push(".ctx/**".into());
        anchor.matchers = vec![Matcher::Path(PathMatcher {
            globs: GlobList::new(vec!["**".into()]),
            except: GlobList::new(except),
            ..PathMatcher::default()
        })];
        anchor.notes = vec!["plan files and globs → path matcher on everything else (warn)".into()];
        anchor
    }
}

/// Reads and validates plan JSON from `source`, then pins it as `.ctx/plan.json`.
pub fn pin_plan(root: &Path, source: &Path, text: &str) -> Result<Plan> {
    let plan = Plan::parse(source, text)?;
    let json = serde_json::to_string_pretty(&plan).map_err(|e| Error::Invalid(e.to_string()))?;
    write_atomic(&plan_path(root), &json)?;
    Ok(plan)
}

/// The pinned plan, if any.
pub fn load_plan(root: &Path) -> Result<Option<Plan>> {
    let path = plan_path(root);
    match read_optional(&path)? {
        None => Ok(None),
        Some(text) => Plan::parse(&path, &text).map(Some),
    }
}

/// Removes the pinned plan; returns whether there was one.
pub fn clear_plan(root: &Path) -> Result<bool> {
    let path = plan_path(root);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("removing", path, e)),
    }
}

/// The anchor of plan JSON read from `path` (`None` = no plan pinned).
pub(crate) fn plan_anchor_from_text(path: &Path, text: Option<&str>) -> Result<Option<Anchor>> {
    text.map(|text| Plan::parse(path, text).map(|plan| plan.anchor()))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{ActionFacts, FileEffect, FileOp};

    fn write(path: &str) -> ActionFacts {
        ActionFacts {
            effects: vec![FileEffect {
                path: path.into(),
                op: FileOp::Write,
                added: vec![],
                removed: vec![],
                via: "Write tool".into(),
            }],
            ..ActionFacts::default()
        }
    }

    #[test]
    fn writes_outside_the_plan_warn() {
        let plan = Plan::parse(
            Path::new("plan.json"),
            r#"{"goal":"g","steps":[{"description":"a","files":["src/http/**"]},"b"]}"#,
        )
        .unwrap();
        let anchor = plan.anchor();
        assert!(
            super::super::set::evaluate_anchor(&anchor, None, &write("src/http/a.rs")).is_empty()
        );
        let f = super::super::set::evaluate_anchor(&anchor, None, &write("src/db/a.rs"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].effect, super::super::Effect::Warn);
    }

    #[test]
    fn bad_plans_are_rejected_with_position() {
        let err = Plan::parse(Path::new("plan.json"), "{\n  \"steps\": [\n    1,\n}")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("plan.json:3:") || err.starts_with("plan.json:4:"),
            "{err}"
        );
        let err = Plan::parse(Path::new("plan.json"), r#"{"steps":["a"]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no files"), "{err}");
    }
}
