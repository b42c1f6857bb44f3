//! The binary only wires its libraries: no file of `cli/` depends, through `crate::` and
//! `super::` paths, on a file that depends back on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, relative to the cli directory, as module paths
/// (`serve/client.rs` -> `serve::client`, `serve/mod.rs` -> `serve`, `main.rs` -> ``).
fn modules(cli: &Path, dir: &Path, out: &mut BTreeMap<String, PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            modules(cli, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(cli).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "main")) {
                parts.pop();
            }
            out.insert(parts.join("::"), path);
        }
    }
}

/// The module paths a file refers to (`crate::a::b::c` and `super::x`), resolved to the
/// longest module that exists; test modules are skipped.
fn references(module: &str, text: &str, known: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let parent: Vec<&str> = if module.is_empty() {
        Vec::new()
    } else {
        let mut p: Vec<&str> = module.split("::").collect();
        p.pop();
        p
    };
    let mut found = BTreeSet::new();
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    for (start, _) in code
        .match_indices("crate::")
        .chain(code.match_indices("super::"))
    {
        let path: String = code[start..].chars().take_while(|c| word(*c)).collect();
        let mut parts: Vec<String> = path.split("::").map(String::from).collect();
        let head = parts.remove(0);
        let mut full: Vec<String> = if head == "crate" {
            Vec::new()
        } else {
            parent.iter().map(|s| s.to_string()).collect()
        };
        full.extend(parts.into_iter().filter(|p| !p.is_empty()));
        while !full.is_empty() && !known.contains_key(&full.join("::")) {
            full.pop();
        }
        let target = full.join("::");
        if !target.is_empty() && target != module && !module.starts_with(&format!("{target}::")) {
            found.insert(target);
        }
    }
    found
}

#[test]
fn cli_files_import_no_circle() {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("cli");
    let mut known = BTreeMap::new();
    modules(&cli, &cli, &mut known);
    let graph: BTreeMap<String, BTreeSet<String>> = known
        .iter()
        .map(|(module, path)| {
            let text = std::fs::read_to_string(path).unwrap();
            (module.clone(), references(module, &text, &known))
        })
        .collect();
    for start in graph.keys() {
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, trail)) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if next == start {
                    panic!("import circle in cli/: {} -> {start}", trail.join(" -> "));
                }
                if seen.insert(next.clone()) {
                    let mut longer = trail.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    assert!(graph.len() > 10, "cli/ modules not found: {graph:?}");
}
