//! File actions from write and edit tools: which lines they add and remove.
//!
//! Code anchors apply to the lines an action adds or changes, not to lines it leaves alone, so
//! a write over an existing file and an edit are reduced to their changed lines with a line
//! diff (longest common subsequence).

use super::{AddedLine, FileEffect, FileOp};

/// Above this many line pairs the diff falls back to a multiset difference (linear).
const MAX_LCS_CELLS: usize = 4_000_000;

/// The effect of writing `content` to `path` (already normalised), given the file's current
/// text when it exists. Binary content (a NUL byte) adds no lines: only path anchors apply.
pub fn write_effect(path: &str, content: &str, current: Option<&str>, via: &str) -> FileEffect {
    let (added, removed) = if is_binary(content) {
        (Vec::new(), Vec::new())
    } else {
        match current.filter(|c| !is_binary(c)) {
            Some(old) => changed_lines(old, content, 1),
            None => (numbered(content, 1), Vec::new()),
        }
    };
    FileEffect {
        path: path.to_string(),
        op: FileOp::Write,
        added,
        removed,
        via: via.to_string(),
    }
}

/// The effect of replacing `old` with `new` in `path`; `current` (the file's text) places the
/// added lines at their line numbers when `old` is found in it.
pub fn edit_effect(
    path: &str,
    old: &str,
    new: &str,
    current: Option<&str>,
    via: &str,
) -> FileEffect {
    let first_line = current
        .filter(|_| !old.is_empty())
        .and_then(|text| text.find(old))
        .map(|at| current.unwrap_or_default()[..at].matches('\n').count() as u32 + 1);
    let (mut added, removed) = if is_binary(new) {
        (Vec::new(), Vec::new())
    } else {
        changed_lines(old, new, first_line.unwrap_or(1))
    };
    if first_line.is_none() {
        added.iter_mut().for_each(|l| l.line = None);
    }
    FileEffect {
        path: path.to_string(),
        op: FileOp::Edit,
        added,
        removed,
        via: via.to_string(),
    }
}

/// True when `text` holds a NUL byte (binary data, not source code).
pub fn is_binary(text: &str) -> bool {
    text.as_bytes().contains(&0)
}

fn numbered(content: &str, first: u32) -> Vec<AddedLine> {
    content
        .lines()
        .enumerate()
        .map(|(i, text)| AddedLine {
            line: Some(first + i as u32),
            text: text.to_string(),
        })
        .collect()
}

/// Lines of `new` not in the longest common subsequence with `old` (numbered from `first`),
/// and lines of `old` not in it.
pub fn changed_lines(old: &str, new: &str, first: u32) -> (Vec<AddedLine>, Vec<String>) {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a.len().saturating_mul(b.len()) > MAX_LCS_CELLS {
        return multiset_difference(&a, &b, first);
    }
    let (keep_a, keep_b) = lcs_marks(&a, &b);
    let added = b
        .iter()
        .enumerate()
        .filter(|(i, _)| !keep_b[*i])
        .map(|(i, text)| AddedLine {
            line: Some(first + i as u32),
            text: text.to_string(),
        })
        .collect();
    let removed = a
        .iter()
        .enumerate()
        .filter(|(i, _)| !keep_a[*i])
        .map(|(_, text)| text.to_string())
        .collect();
    (added, removed)
}

/// Marks the lines of `a` and `b` that belong to one longest common subsequence.
fn lcs_marks(a: &[&str], b: &[&str]) -> (Vec<bool>, Vec<bool>) {
    // Trim the common prefix and suffix first: edits are usually small.
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut keep_a = vec![true; a.len()];
    let mut keep_b = vec![true; b.len()];
    let (n, m) = (ma.len(), mb.len());
    let mut table = vec![0u32; (n + 1) * (m + 1)];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i * (m + 1) + j] = if ma[i] == mb[j] {
                table[(i + 1) * (m + 1) + j + 1] + 1
            } else {
                table[(i + 1) * (m + 1) + j].max(table[i * (m + 1) + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut matched_a = vec![false; n];
    let mut matched_b = vec![false; m];
    while i < n && j < m {
        if ma[i] == mb[j] {
            matched_a[i] = true;
            matched_b[j] = true;
            i += 1;
            j += 1;
        } else if table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    for (k, matched) in matched_a.into_iter().enumerate() {
        keep_a[prefix + k] = matched;
    }
    for (k, matched) in matched_b.into_iter().enumerate() {
        keep_b[prefix + k] = matched;
    }
    (keep_a, keep_b)
}

fn multiset_difference(a: &[&str], b: &[&str], first: u32) -> (Vec<AddedLine>, Vec<String>) {
    let mut counts: std::collections::HashMap<&str, isize> = std::collections::HashMap::new();
    for line in a {
        *counts.entry(line).or_default() += 1;
    }
    let mut added = Vec::new();
    for (i, line) in b.iter().enumerate() {
        let count = counts.entry(line).or_default();
        if *count > 0 {
            *count -= 1;
        } else {
            added.push(AddedLine {
                line: Some(first + i as u32),
                text: line.to_string(),
            });
        }
    }
    let mut removed = Vec::new();
    for line in a {
        if let Some(count) = counts.get_mut(line).filter(|c| **c > 0) {
            *count -= 1;
            removed.push(line.to_string());
        }
    }
    (added, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[AddedLine]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn a_new_file_adds_every_line() {
        let e = write_effect("a.rs", "fn a() {}\nfn b() {}\n", None, "Write tool");
        assert_eq!(e.op, FileOp::Write);
        assert_eq!(texts(&e.added), vec!["fn a() {}", "fn b() {}"]);
        assert_eq!(e.added[1].line, Some(2));
    }

    #[test]
    fn overwriting_adds_only_changed_lines() {
        let e = write_effect("a.rs", "a\nX\nc\n", Some("a\nb\nc\n"), "Write tool");
        assert_eq!(texts(&e.added), vec!["X"]);
        assert_eq!(e.added[0].line, Some(2));
        assert_eq!(e.removed, vec!["b"]);
    }

    #[test]
    fn edits_add_new_lines_and_remove_old_ones() {
        let current = "one\ntwo\nthree\nfour\n";
        let e = edit_effect(
            "f",
            "three\nfour",
            "three\nFOUR\nfive",
            Some(current),
            "Edit tool",
        );
        assert_eq!(texts(&e.added), vec!["FOUR", "five"]);
        assert_eq!(e.added[0].line, Some(4));
        assert_eq!(e.removed, vec!["four"]);
    }

    #[test]
    fn edits_without_the_file_have_no_line_numbers() {
        let e = edit_effect("f", "a", "b", None, "Edit tool");
        assert_eq!(e.added[0].line, None);
    }

    #[test]
    fn binary_content_adds_no_lines() {
        let e = write_effect("img.png", "\u{0}PNG\nrest", None, "Write tool");
        assert!(e.added.is_empty());
    }

    #[test]
    fn huge_inputs_use_the_linear_fallback() {
        let old: String = (0..3000).map(|i| format!("l{i}\n")).collect();
        let new = format!("{old}extra\n").replacen("l5\n", "", 1);
        let new = format!("z\n{new}");
        let (added, _) = changed_lines(&old, &new, 1);
        assert_eq!(texts(&added), vec!["z", "extra"]);
    }
}
