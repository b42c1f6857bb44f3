//! False positives of the secret filter on ordinary code: `cargo bench --bench secret_fp
//! -- ROOT...` walks each repository as `ctx index` does (same ignore rules, secret files
//! and size limit), chunks every file as the index does, and runs the filter over each
//! chunk. It prints, per repository, the chunks and how many the filter would mask, by
//! kind, then every finding of the kinds named in `CTX_FP_SHOW` (default
//! `generic-secret`), with its place, its name and a shortened value, for review by hand:
//! whether the chunk holds a secret or not is a judgement, recorded with the run. It also
//! counts the chunks masked only by those kinds (what they add to the other detectors).

use ctx_engine::secrets::find_secrets;
use ctx_indexers::chunk::{chunk_file, ChunkLimits};
use ctx_indexers::walk::{read_file, walk, ReadOutcome, WalkOptions};
use std::collections::BTreeMap;
use std::path::Path;

fn shorten(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() <= 8 {
        return "…".repeat(chars.len().min(3));
    }
    format!(
        "{}…{} ({} chars)",
        chars[..4].iter().collect::<String>(),
        chars[chars.len() - 2..].iter().collect::<String>(),
        chars.len()
    )
}

fn main() {
    let roots: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let show: Vec<String> = std::env::var("CTX_FP_SHOW")
        .unwrap_or_else(|_| "generic-secret".to_string())
        .split(',')
        .map(str::to_string)
        .collect();
    let limits = ChunkLimits::default();
    for root in roots {
        let root = Path::new(&root);
        let walked = walk(root, &WalkOptions::default());
        let (mut files, mut chunks) = (0u64, 0u64);
        let mut masked_chunks: BTreeMap<String, u64> = BTreeMap::new();
        let mut shown = Vec::new();
        // Chunks whose every finding is of a shown kind: masked because of those kinds only.
        let mut only_shown = 0u64;
        for file in &walked.files {
            let ReadOutcome::Text(bytes) = read_file(file, WalkOptions::default().max_file_size)
            else {
                continue;
            };
            files += 1;
            for chunk in chunk_file(&file.rel_path, &bytes, &limits) {
                chunks += 1;
                let found = find_secrets(&chunk.text);
                let mut kinds: Vec<&str> = found.iter().map(|f| f.kind.as_str()).collect();
                kinds.sort();
                kinds.dedup();
                if !kinds.is_empty() && kinds.iter().all(|k| show.iter().any(|s| s == k)) {
                    only_shown += 1;
                }
                for kind in kinds {
                    *masked_chunks.entry(kind.to_string()).or_default() += 1;
                }
                for finding in found.iter().filter(|f| show.contains(&f.kind)) {
                    let before = &chunk.text[..finding.range.start];
                    let line = chunk.start_line as usize + before.matches('\n').count();
                    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                    let context: String = chunk.text[line_start..finding.range.start]
                        .chars()
                        .rev()
                        .take(60)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    shown.push(format!(
                        "  {}:{line}: [{}] {}{}",
                        file.rel_path,
                        finding.kind,
                        context.trim_start(),
                        shorten(&chunk.text[finding.range.clone()])
                    ));
                }
            }
        }
        let any: u64 = masked_chunks.values().sum();
        println!(
            "{}: {files} files, {chunks} chunks; chunks with a finding, by kind: {masked_chunks:?} ({any} in all); {only_shown} chunks masked only by {}",
            root.display(),
            show.join(",")
        );
        for line in shown {
            println!("{line}");
        }
    }
}
