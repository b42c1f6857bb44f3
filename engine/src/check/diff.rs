//! Parsers for patch formats: unified diffs (`git diff`, `diff -u`) and Codex's
//! `*** Begin Patch` format. Both produce [`FileEffect`]s with the added and removed lines.
//!
//! Paths are returned as the patch spells them (git's `a/` and `b/` prefixes removed);
//! callers normalise them against the repository root.

use super::{AddedLine, FileEffect, FileOp};
use crate::{Error, Result};

/// Parses a unified diff (one or many files). New files are writes, deleted files deletes,
/// renames a delete of the old path plus an edit of the new one, other files edits.
pub fn parse_unified_diff(text: &str) -> Result<Vec<FileEffect>> {
    let mut files: Vec<FileDiff> = Vec::new();
    let mut lines = text.lines().peekable();
    let mut line_no = 0usize;
    while let Some(line) = lines.next() {
        line_no += 1;
        if let Some(rest) = line.strip_prefix("diff --git ") {
            files.push(FileDiff::from_git_header(rest));
        } else if let Some(rest) = line.strip_prefix("--- ") {
            let next = lines.peek().copied().unwrap_or_default();
            if let Some(new) = next.strip_prefix("+++ ") {
                lines.next();
                line_no += 1;
                let starts_new = files.last().is_none_or(|f| f.saw_markers || f.hunks_seen);
                if starts_new {
                    files.push(FileDiff::default());
                }
                let file = files.last_mut().expect("a file section was just ensured");
                file.set_markers(rest, new);
            }
        } else if let Some(file) = files.last_mut() {
            if line.starts_with("@@") {
                let (old_start, old_len, new_start, new_len) = parse_hunk_header(line)
                    .ok_or_else(|| {
                        Error::Invalid(format!(
                            "diff line {line_no}: malformed hunk header {line:?}: expected `@@ -A,B +C,D @@`"
                        ))
                    })?;
                let _ = old_start;
                file.hunks_seen = true;
                let (mut old_left, mut new_left, mut new_line) = (old_len, new_len, new_start);
                while old_left > 0 || new_left > 0 {
                    let Some(body) = lines.next() else { break };
                    line_no += 1;
                    match body.chars().next() {
                        Some('+') => {
                            file.added.push(AddedLine {
                                line: Some(new_line),
                                text: body[1..].to_string(),
                            });
                            new_line += 1;
                            new_left = new_left.saturating_sub(1);
                        }
                        Some('-') => {
                            file.removed.push(body[1..].to_string());
                            old_left = old_left.saturating_sub(1);
                        }
                        Some('\\') => {}
                        _ => {
                            new_line += 1;
                            old_left = old_left.saturating_sub(1);
                            new_left = new_left.saturating_sub(1);
                        }
                    }
                }
            } else {
                file.header_line(line);
            }
        }
    }
    if files.is_empty() && !text.trim().is_empty() {
        return Err(Error::Invalid(
            "the input is not a unified diff: no `diff --git` or `--- `/`+++ ` header found; pass the output of `git diff` or `diff -u`".into(),
        ));
    }
    Ok(files.into_iter().flat_map(FileDiff::into_effects).collect())
}

#[derive(Debug, Default)]
struct FileDiff {
    old_path: Option<String>,
    new_path: Option<String>,
    new_file: bool,
    deleted: bool,
    renamed_from: Option<String>,
    binary: bool,
    saw_markers: bool,
    hunks_seen: bool,
    added: Vec<AddedLine>,
    removed: Vec<String>,
}

impl FileDiff {
    fn from_git_header(rest: &str) -> FileDiff {
        let (old, new) = split_git_header(rest);
        FileDiff {
            old_path: old,
            new_path: new,
            ..FileDiff::default()
        }
    }

    fn set_markers(&mut self, old: &str, new: &str) {
        self.saw_markers = true;
        match marker_path(old) {
            Some(path) => self.old_path = Some(path),
            None => self.new_file = true,
        }
        match marker_path(new) {
            Some(path) => self.new_path = Some(path),
            None => self.deleted = true,
        }
    }

    fn header_line(&mut self, line: &str) {
        if line.starts_with("new file mode") {
            self.new_file = true;
        } else if line.starts_with("deleted file mode") {
            self.deleted = true;
        } else if let Some(from) = line.strip_prefix("rename from ") {
            self.renamed_from = Some(unquote_path(from));
        } else if let Some(to) = line.strip_prefix("rename to ") {
            self.new_path = Some(unquote_path(to));
        } else if line.starts_with("Binary files ") || line == "GIT binary patch" {
            self.binary = true;
        }
    }

    fn into_effects(self) -> Vec<FileEffect> {
        let mut out = Vec::new();
        let via = if self.binary { "diff (binary)" } else { "diff" };
        if let Some(from) = &self.renamed_from {
            out.push(effect(
                from,
                FileOp::Delete,
                Vec::new(),
                Vec::new(),
                "diff (rename)",
            ));
        }
        if self.deleted {
            if let Some(path) = self.old_path.or(self.new_path) {
                out.push(effect(&path, FileOp::Delete, Vec::new(), self.removed, via));
            }
            return out;
        }
        let Some(path) = self.new_path.or(self.old_path) else {
            return out;
        };
        let op = if self.new_file {
            FileOp::Write
        } else {
            FileOp::Edit
        };
        out.push(effect(&path, op, self.added, self.removed, via));
        out
    }
}

fn effect(
    path: &str,
    op: FileOp,
    added: Vec<AddedLine>,
    removed: Vec<String>,
    via: &str,
) -> FileEffect {
    FileEffect {
        path: path.to_string(),
        op,
        added,
        removed,
        via: via.to_string(),
    }
}

/// `a/x b/y` (possibly quoted) into the two paths without their prefixes.
fn split_git_header(rest: &str) -> (Option<String>, Option<String>) {
    if rest.starts_with('"') {
        let parts: Vec<&str> = rest.split("\" ").collect();
        if parts.len() == 2 {
            return (
                Some(strip_prefix_dir(&unquote_path(&format!("{}\"", parts[0])))),
                Some(strip_prefix_dir(&unquote_path(parts[1]))),
            );
        }
    }
    // Without quotes, split at " b/" (paths with spaces are ambiguous otherwise).
    match rest.find(" b/") {
        Some(at) => (
            Some(strip_prefix_dir(&rest[..at])),
            Some(strip_prefix_dir(&rest[at + 1..])),
        ),
        None => (None, None),
    }
}

/// The path of a `---`/`+++` marker; `None` for `/dev/null`.
fn marker_path(marker: &str) -> Option<String> {
    let path = marker.split('\t').next().unwrap_or(marker).trim_end();
    if path == "/dev/null" {
        return None;
    }
    Some(strip_prefix_dir(&unquote_path(path)))
}

fn strip_prefix_dir(path: &str) -> String {
    for prefix in ["a/", "b/", "i/", "w/", "c/", "o/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    path.to_string()
}

/// A path as git quotes it (`"caf\303\251.py"`: C escapes, non-ASCII bytes in octal)
/// back to its UTF-8 text; an unquoted path as it is.
fn unquote_path(path: &str) -> String {
    let Some(inner) = path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) else {
        return path.to_string();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut chars = inner.bytes().peekable();
    while let Some(b) = chars.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match chars.next() {
            Some(d @ b'0'..=b'7') => {
                let mut value = u32::from(d - b'0');
                for _ in 0..2 {
                    match chars.peek() {
                        Some(&o @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(o - b'0');
                            chars.next();
                        }
                        _ => break,
                    }
                }
                bytes.push(value as u8);
            }
            Some(b'a') => bytes.push(0x07),
            Some(b'b') => bytes.push(0x08),
            Some(b'f') => bytes.push(0x0c),
            Some(b'n') => bytes.push(b'\n'),
            Some(b'r') => bytes.push(b'\r'),
            Some(b't') => bytes.push(b'\t'),
            Some(b'v') => bytes.push(0x0b),
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `@@ -A,B +C,D @@` into (A, B, C, D); a missing count is 1.
fn parse_hunk_header(line: &str) -> Option<(u32, u32, u32, u32)> {
    let inner = line.strip_prefix("@@ ")?;
    let end = inner.find(" @@")?;
    let mut parts = inner[..end].split_whitespace();
    let old = parts.next()?.strip_prefix('-')?;
    let new = parts.next()?.strip_prefix('+')?;
    let range = |spec: &str| -> Option<(u32, u32)> {
        match spec.split_once(',') {
            Some((start, len)) => Some((start.parse().ok()?, len.parse().ok()?)),
            None => Some((spec.parse().ok()?, 1)),
        }
    };
    let (a, b) = range(old)?;
    let (c, d) = range(new)?;
    Some((a, b, c, d))
}

/// Parses a Codex `apply_patch` patch (`*** Begin Patch` … `*** End Patch`).
pub fn parse_apply_patch(text: &str) -> Result<Vec<FileEffect>> {
    let body = text.trim();
    if !body.starts_with("*** Begin Patch") {
        return Err(Error::Invalid(format!(
            "the patch does not start with `*** Begin Patch` (it starts with {:?}); pass a Codex apply_patch patch",
            body.lines().next().unwrap_or_default()
        )));
    }
    let mut out: Vec<FileEffect> = Vec::new();
    for (index, line) in body.lines().enumerate().skip(1) {
        if let Some(path) = line.strip_prefix("*** Add File: ") {
            out.push(effect(
                path.trim(),
                FileOp::Write,
                Vec::new(),
                Vec::new(),
                "apply_patch",
            ));
        } else if let Some(path) = line.strip_prefix("*** Update File: ") {
            out.push(effect(
                path.trim(),
                FileOp::Edit,
                Vec::new(),
                Vec::new(),
                "apply_patch",
            ));
        } else if let Some(path) = line.strip_prefix("*** Delete File: ") {
            out.push(effect(
                path.trim(),
                FileOp::Delete,
                Vec::new(),
                Vec::new(),
                "apply_patch",
            ));
        } else if let Some(target) = line.strip_prefix("*** Move to: ") {
            let Some(current) = out.last_mut() else {
                return Err(patch_error(
                    index,
                    line,
                    "`*** Move to:` without `*** Update File:`",
                ));
            };
            let source = std::mem::replace(&mut current.path, target.trim().to_string());
            let moved_from = effect(
                &source,
                FileOp::Delete,
                Vec::new(),
                Vec::new(),
                "apply_patch (move)",
            );
            let position = out.len() - 1;
            out.insert(position, moved_from);
        } else if line.starts_with("*** End Patch")
            || line.starts_with("*** End of File")
            || line.starts_with("@@")
        {
            continue;
        } else if let Some(current) = out.last_mut() {
            add_patch_line(current, line);
        } else if !line.trim().is_empty() {
            return Err(patch_error(
                index,
                line,
                "text before the first file header",
            ));
        }
    }
    Ok(out)
}

fn add_patch_line(effect: &mut FileEffect, line: &str) {
    if let Some(added) = line.strip_prefix('+') {
        let number = (effect.op == FileOp::Write).then(|| effect.added.len() as u32 + 1);
        effect.added.push(AddedLine {
            line: number,
            text: added.to_string(),
        });
    } else if let Some(removed) = line.strip_prefix('-') {
        effect.removed.push(removed.to_string());
    }
}

fn patch_error(index: usize, line: &str, what: &str) -> Error {
    Error::Invalid(format!(
        "patch line {}: {what} in {line:?}; see Codex's apply_patch format",
        index + 1
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn git_quoted_paths_are_decoded_to_utf8() {
        assert_eq!(unquote_path("\"caf\\303\\251.py\""), "café.py");
        assert_eq!(unquote_path("\"a\\tb\\\"c\\\\d\""), "a\tb\"c\\d");
        assert_eq!(unquote_path("plain/path.rs"), "plain/path.rs");
        let diff = "diff --git \"a/caf\\303\\251.py\" \"b/caf\\303\\251.py\"\n--- \"a/caf\\303\\251.py\"\n+++ \"b/caf\\303\\251.py\"\n@@ -1 +1 @@\n-x\n+y\n";
        let effects = parse_unified_diff(diff).unwrap();
        assert_eq!(effects[0].path, "café.py");
    }

    use super::*;

    fn summary(effects: &[FileEffect]) -> Vec<(String, FileOp, usize, usize)> {
        effects
            .iter()
            .map(|e| (e.path.clone(), e.op, e.added.len(), e.removed.len()))
            .collect()
    }

    const GIT_DIFF: &str = "\
diff --git a/src/lib.rs b/src/lib.rs
index 83db48f..bf269f4 100644
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -1,3 +1,4 @@
 fn a() {}
-fn b() {}
+fn b() { x.unwrap() }
+fn c() {}
 fn d() {}
diff --git a/new.txt b/new.txt
new file mode 100644
index 0000000..3b18e51
--- /dev/null
+++ b/new.txt
@@ -0,0 +1,2 @@
+hello
+--- not a header
diff --git a/old.txt b/old.txt
deleted file mode 100644
index 3b18e51..0000000
--- a/old.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
diff --git a/x.rs b/generated/x.rs
similarity index 100%
rename from x.rs
rename to generated/x.rs
diff --git a/logo.png b/logo.png
index 1..2 100644
Binary files a/logo.png and b/logo.png differ
";

    #[test]
    fn git_diffs_give_every_kind_of_change() {
        let effects = parse_unified_diff(GIT_DIFF).unwrap();
        assert_eq!(
            summary(&effects),
            vec![
                ("src/lib.rs".into(), FileOp::Edit, 2, 1),
                ("new.txt".into(), FileOp::Write, 2, 0),
                ("old.txt".into(), FileOp::Delete, 0, 1),
                ("x.rs".into(), FileOp::Delete, 0, 0),
                ("generated/x.rs".into(), FileOp::Edit, 0, 0),
                ("logo.png".into(), FileOp::Edit, 0, 0),
            ]
        );
        assert_eq!(effects[0].added[0].line, Some(2));
        assert_eq!(effects[0].added[0].text, "fn b() { x.unwrap() }");
        assert_eq!(effects[1].added[1].text, "--- not a header");
    }

    #[test]
    fn plain_diff_u_output_parses() {
        let text = "--- a.txt\t2024-01-01\n+++ a.txt\t2024-01-02\n@@ -1,2 +1,2 @@\n x\n-y\n+z\n";
        let effects = parse_unified_diff(text).unwrap();
        assert_eq!(
            summary(&effects),
            vec![("a.txt".into(), FileOp::Edit, 1, 1)]
        );
    }

    #[test]
    fn hunks_without_counts_default_to_one() {
        let text = "--- a/f\n+++ b/f\n@@ -3 +3 @@\n-a\n+b\n";
        let effects = parse_unified_diff(text).unwrap();
        assert_eq!(effects[0].added[0].line, Some(3));
    }

    #[test]
    fn malformed_hunks_are_errors() {
        let err = parse_unified_diff("--- a/f\n+++ b/f\n@@ nonsense\n").unwrap_err();
        assert!(err.to_string().contains("malformed hunk header"), "{err}");
    }

    #[test]
    fn text_that_is_not_a_diff_is_an_error() {
        assert!(parse_unified_diff("hello world\n").is_err());
        assert!(parse_unified_diff("").unwrap().is_empty());
    }

    #[test]
    fn apply_patch_covers_add_update_move_delete() {
        let patch = "\
*** Begin Patch
*** Add File: src/new.py
+import os
+print(os.environ['KEY'])
*** Update File: src/app.py
*** Move to: src/main.py
@@ def main():
-    pass
+    run()
*** Delete File: generated/api.py
*** End Patch";
        let effects = parse_apply_patch(patch).unwrap();
        assert_eq!(
            summary(&effects),
            vec![
                ("src/new.py".into(), FileOp::Write, 2, 0),
                ("src/app.py".into(), FileOp::Delete, 0, 0),
                ("src/main.py".into(), FileOp::Edit, 1, 1),
                ("generated/api.py".into(), FileOp::Delete, 0, 0),
            ]
        );
        assert_eq!(effects[0].added[1].line, Some(2));
        assert_eq!(effects[2].added[0].line, None);
    }

    #[test]
    fn apply_patch_needs_its_header() {
        let err = parse_apply_patch("--- a/x\n").unwrap_err();
        assert!(err.to_string().contains("*** Begin Patch"), "{err}");
    }
}
