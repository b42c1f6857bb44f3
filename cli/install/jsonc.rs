//! JSON configuration files edited as JSONC: `//` and `/* */` comments and trailing commas
//! are accepted, and an edit changes only the values it touches: comments, key order,
//! indentation and the rest of the text stay as the author wrote them (jsonc-parser's
//! concrete syntax tree).

use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode};
use jsonc_parser::ParseOptions;
use serde_json::Value;
use std::path::Path;

/// A parsed configuration whose top level is an object.
pub struct Document {
    root: CstRootNode,
}

impl Document {
    /// Parses `text` (empty: a new, empty object); `path` names the file in errors.
    pub fn parse(text: &str, path: &Path) -> anyhow::Result<Document> {
        let source = if text.trim().is_empty() { "{}\n" } else { text };
        let options = ParseOptions {
            allow_comments: true,
            allow_trailing_commas: true,
            allow_loose_object_property_names: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            ..ParseOptions::default()
        };
        let root = CstRootNode::parse(source, &options).map_err(|e| {
            anyhow::anyhow!(
                "{}: not valid JSON ({e}); comments are fine, but fix the file first: ctx will not overwrite it",
                path.display()
            )
        })?;
        match root.value() {
            Some(value) if value.as_object().is_some() => Ok(Document { root }),
            _ => anyhow::bail!(
                "{}: the top level is not a JSON object; ctx will not overwrite it",
                path.display()
            ),
        }
    }

    /// The top-level object.
    pub fn object(&self) -> CstObject {
        self.root.object_value_or_set()
    }

    /// The document as plain JSON.
    pub fn value(&self) -> Value {
        self.root.to_serde_value().unwrap_or(Value::Null)
    }

    /// The text, ending with a newline.
    pub fn text(&self) -> String {
        let mut text = self.root.to_string();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }
}

/// The object under `key` in `object`, created empty when absent; an error naming `path`
/// when `key` holds something else.
pub fn object_at(object: &CstObject, key: &str, path: &Path) -> anyhow::Result<CstObject> {
    object.object_value_or_create(key).ok_or_else(|| {
        anyhow::anyhow!(
            "{}: \"{key}\" is not an object; fix it by hand first (ctx will not overwrite it)",
            path.display()
        )
    })
}

/// A serde value as jsonc-parser input, keys in their order.
pub fn input(value: &Value) -> CstInputValue {
    match value {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(items) => CstInputValue::Array(items.iter().map(input).collect()),
        Value::Object(map) => {
            CstInputValue::Object(map.iter().map(|(k, v)| (k.clone(), input(v))).collect())
        }
    }
}

/// An object input with its keys in the order given (serde_json's maps sort them).
pub fn ordered(members: Vec<(&str, CstInputValue)>) -> CstInputValue {
    CstInputValue::Object(
        members
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// Whether `text` holds a JSON object with no members besides those in `scaffold` (equal
/// to theirs) and no comments: what is left after ctx's entries are removed from a file
/// ctx created.
pub fn only_scaffold(text: &str, scaffold: &Value) -> bool {
    let Ok(doc) = Document::parse(text, Path::new("")) else {
        return false;
    };
    let has_comments = text.contains("//") || text.contains("/*");
    let Value::Object(map) = doc.value() else {
        return false;
    };
    !has_comments
        && map
            .iter()
            .all(|(k, v)| scaffold.get(k).is_some_and(|s| s == v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const COMMENTED: &str = r#"{
  // the theme I like
  "theme": "Dracula",
  /* keep these */
  "zeta": 1,
  "alpha": [1, 2,],
}
"#;

    #[test]
    fn an_added_key_leaves_comments_order_and_trailing_commas_alone() {
        let doc = Document::parse(COMMENTED, Path::new("s.json")).unwrap();
        let servers = object_at(&doc.object(), "mcpServers", Path::new("s.json")).unwrap();
        servers.append("ctx", input(&json!({"command": "ctx", "args": ["mcp"]})));
        let text = doc.text();
        assert!(text.starts_with("{\n  // the theme I like\n  \"theme\": \"Dracula\",\n  /* keep these */\n  \"zeta\": 1,\n  \"alpha\": [1, 2,],"), "{text}");
        assert!(
            text.find("\"zeta\"").unwrap() < text.find("\"alpha\"").unwrap(),
            "{text}"
        );
        let back = Document::parse(&text, Path::new("s.json")).unwrap();
        assert_eq!(back.value()["mcpServers"]["ctx"]["args"], json!(["mcp"]));
        back.object().get("mcpServers").unwrap().remove();
        assert_eq!(back.text(), COMMENTED);
    }

    #[test]
    fn broken_or_non_object_files_are_refused() {
        let err = Document::parse("{\"a\": }", Path::new("x.json"))
            .err()
            .unwrap();
        assert!(format!("{err}").contains("will not overwrite"), "{err}");
        assert!(Document::parse("[1]", Path::new("x.json")).is_err());
        let doc = Document::parse("{\"mcpServers\": 3}", Path::new("x.json")).unwrap();
        assert!(object_at(&doc.object(), "mcpServers", Path::new("x.json")).is_err());
        assert!(Document::parse("", Path::new("new.json")).is_ok());
    }

    #[test]
    fn scaffolding_is_told_from_user_content() {
        assert!(only_scaffold("{}\n", &json!({})));
        assert!(only_scaffold("{\"version\": 1}", &json!({"version": 1})));
        assert!(!only_scaffold("{\"theme\": 1}", &json!({})));
        assert!(!only_scaffold("{\n  // mine\n}", &json!({})));
    }
}
