//! Front matter of rule files (`.mdc`, `.claude/rules/*.md`, `*.instructions.md`): the globs a
//! rule file applies to.

/// What a rule file's front matter says about its scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontMatter {
    /// Globs from `paths`, `globs` or `applyTo`.
    pub globs: Vec<String>,
    /// `alwaysApply: true`.
    pub always_apply: bool,
    /// Number of lines the front matter takes (including both `---` fences).
    pub lines: usize,
}

/// Parses a leading `---` … `---` block. Only the keys ctx needs are read, in the simple YAML
/// forms rule files use: `key: value`, `key: "a, b"`, `key: [a, b]` and `- item` lists.
pub fn parse_front_matter(text: &str) -> Option<FrontMatter> {
    let mut lines = text.lines();
    if lines.next()?.trim() != "---" {
        return None;
    }
    let mut fm = FrontMatter::default();
    let mut current_key = String::new();
    for (i, line) in lines.enumerate() {
        if line.trim() == "---" {
            fm.lines = i + 2;
            return Some(fm);
        }
        if let Some(item) = line.trim_start().strip_prefix("- ") {
            if is_glob_key(&current_key) {
                fm.globs.extend(split_values(item));
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        current_key = key.trim().to_string();
        let value = value.trim();
        if current_key == "alwaysApply" {
            fm.always_apply = value.eq_ignore_ascii_case("true");
        } else if is_glob_key(&current_key) && !value.is_empty() {
            fm.globs.extend(split_values(value));
        }
    }
    None
}

fn is_glob_key(key: &str) -> bool {
    matches!(key, "paths" | "globs" | "applyTo" | "apply_to")
}

fn split_values(value: &str) -> Vec<String> {
    value
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|v| {
            v.trim()
                .trim_matches(|c| c == '"' || c == '\'')
                .trim()
                .to_string()
        })
        .filter(|v| !v.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_styles() {
        let mdc = parse_front_matter(
            "---\ndescription: x\nglobs: src/**/*.ts, tests/**\nalwaysApply: false\n---\n# body",
        )
        .unwrap();
        assert_eq!(mdc.globs, ["src/**/*.ts", "tests/**"]);
        assert_eq!(mdc.lines, 5);
        let claude =
            parse_front_matter("---\npaths:\n  - \"src/api/**\"\n  - lib/**\n---\n").unwrap();
        assert_eq!(claude.globs, ["src/api/**", "lib/**"]);
        let copilot = parse_front_matter("---\napplyTo: \"**/*.py\"\n---\n").unwrap();
        assert_eq!(copilot.globs, ["**/*.py"]);
        assert!(parse_front_matter("# no front matter").is_none());
        assert!(parse_front_matter("---\nunterminated: yes\n").is_none());
    }
}
