//! Machine formats of a verdict for CI: SARIF 2.1.0 and GitHub workflow annotations.

use super::verdict::{Decision, Verdict};
use serde_json::{json, Value};

/// The verdict as a SARIF 2.1.0 log with one run: one rule per violated anchor and one result
/// per violation (`error` for deny, `warning` for warn), located at its file and line.
pub fn to_sarif(verdict: &Verdict, tool_version: &str) -> Value {
    let mut rules: Vec<Value> = Vec::new();
    let mut rule_ids: Vec<&str> = Vec::new();
    for v in &verdict.violations {
        if !rule_ids.contains(&v.anchor_id.as_str()) {
            rule_ids.push(&v.anchor_id);
            rules.push(json!({
                "id": v.anchor_id,
                "shortDescription": {"text": v.text},
                "properties": {"source": v.source},
            }));
        }
    }
    let results: Vec<Value> = verdict
        .violations
        .iter()
        .map(|v| {
            let mut result = json!({
                "ruleId": v.anchor_id,
                "ruleIndex": rule_ids.iter().position(|id| *id == v.anchor_id).unwrap_or(0),
                "level": if v.decision == Decision::Deny { "error" } else { "warning" },
                "message": {"text": format!("{} (matched: {})", v.text, v.evidence)},
            });
            if let Some(path) = &v.path {
                let mut location = json!({"artifactLocation": {"uri": path}});
                if let Some(line) = v.line {
                    location["region"] = json!({"startLine": line});
                }
                result["locations"] = json!([{"physicalLocation": location}]);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ctx",
                "version": tool_version,
                "informationUri": "https://github.com/ctx-dev/ctx",
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

/// The verdict as GitHub workflow commands (`::error file=…,line=…,title=…::message`), one
/// line per violation.
pub fn to_github(verdict: &Verdict) -> String {
    let mut out = String::new();
    for v in &verdict.violations {
        let level = if v.decision == Decision::Deny {
            "error"
        } else {
            "warning"
        };
        let mut props = Vec::new();
        if let Some(path) = &v.path {
            props.push(format!("file={}", escape_property(path)));
        }
        if let Some(line) = v.line {
            props.push(format!("line={line}"));
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("ctx {}", v.anchor_id))
        ));
        let message = format!("{} ({}) matched: {}", v.text, v.source, v.evidence);
        out.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            escape_data(&message)
        ));
    }
    for note in &verdict.notes {
        out.push_str(&format!("::notice title=ctx::{}\n", escape_data(note)));
    }
    out
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::verdict::Violation;

    fn verdict() -> Verdict {
        Verdict {
            decision: Decision::Deny,
            violations: vec![Violation {
                anchor_id: "d-1".into(),
                text: "never call unwrap() in src".into(),
                source: "AGENTS.md:3".into(),
                decision: Decision::Deny,
                evidence: "x.unwrap()".into(),
                path: Some("src/a,b.rs".into()),
                line: Some(7),
            }],
            permitted: Vec::new(),
            notes: vec!["50% done\nnext".into()],
        }
    }

    #[test]
    fn sarif_has_the_required_structure() {
        let log = to_sarif(&verdict(), "0.1.0");
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "ctx");
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "d-1");
        let result = &run["results"][0];
        assert_eq!(result["level"], "error");
        assert_eq!(result["ruleId"], "d-1");
        let loc = &result["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "src/a,b.rs");
        assert_eq!(loc["region"]["startLine"], 7);
    }

    #[test]
    fn github_annotations_escape_their_fields() {
        let text = to_github(&verdict());
        let first = text.lines().next().unwrap();
        assert!(
            first.starts_with("::error file=src/a%2Cb.rs,line=7,title=ctx d-1::never call"),
            "{first}"
        );
        assert!(text.contains("50%25 done%0Anext"), "{text}");
    }
}
