//! Ranking chunks and files for a task: search hits, names the task mentions, traceback
//! frames, plan files, graph expansion and personalised PageRank.

use super::corpus::Corpus;
use super::graph::{last_segment, Graph};
use super::query::{resolve_path, QueryTerms};
use std::collections::{BTreeMap, HashMap};

/// A search hit handed to the packer (from `Index::search`).
#[derive(Debug, Clone, PartialEq)]
pub struct Seed {
    /// Path relative to the index root.
    pub path: String,
    /// First line of the hit chunk.
    pub start_line: u32,
    /// Last line of the hit chunk.
    pub end_line: u32,
    /// 1-based rank among lexical hits, if it was one.
    pub lexical_rank: Option<u32>,
    /// 1-based rank among vector hits, if it was one.
    pub vector_rank: Option<u32>,
}

/// Weights of the ranking signals. Chunk scores are sums of these.
const HIT: f64 = 1.0;
const HIT_DECAY: f64 = 8.0;
const NAMED_DEFINITION: f64 = 1.2;
const NAMED_WORD: f64 = 0.25;
const DOTTED_SYMBOL: f64 = 1.0;
const FRAME_FUNCTION: f64 = 1.5;
const FRAME_LINE: f64 = 1.0;
const FILE_MENTIONED: f64 = 0.8;
const FILE_IN_FRAME: f64 = 1.0;
const FILE_IN_PLAN: f64 = 4.0;
const CALLEE: f64 = 0.3;
const CALLER: f64 = 0.15;
const PARENT: f64 = 0.35;
const PAGERANK: f64 = 0.3;
/// How many of the best chunks seed graph expansion.
const EXPANSION_SEEDS: usize = 24;
/// Names defined in more places than this are not boosted when mentioned.
const MAX_NAMED_DEFINITIONS: usize = 8;

/// Why a chunk or file ranks where it does (for `--explain`).
pub type Reasons = BTreeMap<usize, Vec<String>>;

/// The ranking of one pack's corpus.
#[derive(Debug, Default)]
pub struct Ranking {
    /// Relevance of each chunk (0 = none).
    pub chunk_score: Vec<f64>,
    /// Relevance of each file (by corpus file index).
    pub file_score: Vec<f64>,
    /// Files by rank: best first; files with no relevance follow, by global PageRank.
    pub file_order: Vec<usize>,
    /// Chunks with a score, best first (ties: path, then line).
    pub chunk_order: Vec<usize>,
    /// Why each chunk scored, by chunk index.
    pub chunk_reasons: Reasons,
    /// Why each file scored beyond its chunks, by file index.
    pub file_reasons: Reasons,
    /// Global (query-independent) importance of each file.
    pub file_importance: Vec<f64>,
    /// Global (query-independent) PageRank of each chunk.
    pub chunk_importance: Vec<f64>,
}

/// Inputs of [`rank`] beyond the corpus.
pub struct RankInput<'a> {
    /// Search hits, best first.
    pub seeds: &'a [Seed],
    /// Names the task mentions.
    pub terms: &'a QueryTerms,
    /// Files and globs the plan names (handoff); ranked first.
    pub plan_files: &'a [String],
}

/// Ranks the chunks and files of `corpus` for a task.
pub fn rank(corpus: &Corpus, graph: &Graph, input: &RankInput) -> Ranking {
    let n = corpus.chunks.len();
    let mut r = Ranking {
        chunk_score: vec![0.0; n],
        file_score: vec![0.0; corpus.files.len()],
        ..Ranking::default()
    };
    score_hits(corpus, input.seeds, &mut r);
    score_names(corpus, graph, input.terms, &mut r);
    score_paths(corpus, input.terms, input.plan_files, &mut r);
    expand(corpus, graph, &mut r);
    // The global PageRank does not depend on the task: compute it beside the seeded one.
    let global = std::thread::scope(|scope| {
        let global = scope.spawn(|| graph.pagerank(&[]));
        add_pagerank(graph, &mut r);
        global.join().expect("pagerank thread panicked")
    });
    finish(corpus, &global, &mut r);
    r
}

fn note(reasons: &mut Reasons, at: usize, why: String) {
    let list = reasons.entry(at).or_default();
    if list.len() < 6 && !list.contains(&why) {
        list.push(why);
    }
}

fn score_hits(corpus: &Corpus, seeds: &[Seed], r: &mut Ranking) {
    for (rank, seed) in seeds.iter().enumerate() {
        let Some(i) = corpus.chunk_at(&seed.path, seed.start_line) else {
            continue;
        };
        r.chunk_score[i] += HIT * HIT_DECAY / (HIT_DECAY + rank as f64);
        let mut why = format!("search hit #{}", rank + 1);
        if let Some(l) = seed.lexical_rank {
            why.push_str(&format!(" (bm25 #{l}"));
            why.push_str(
                &seed
                    .vector_rank
                    .map_or(")".into(), |v| format!(", vector #{v})")),
            );
        } else if let Some(v) = seed.vector_rank {
            why.push_str(&format!(" (vector #{v})"));
        }
        note(&mut r.chunk_reasons, i, why);
    }
}

fn score_names(corpus: &Corpus, graph: &Graph, terms: &QueryTerms, r: &mut Ranking) {
    let by_name = corpus.definitions_by_name();
    let boost = |name: &str, weight: f64, label: &str, r: &mut Ranking| {
        let Some(defs) = by_name.get(name) else {
            return;
        };
        if defs.len() > MAX_NAMED_DEFINITIONS {
            return;
        }
        let share = weight / (defs.len() as f64).sqrt();
        for &i in defs {
            r.chunk_score[i] += share;
            note(&mut r.chunk_reasons, i, format!("{label} `{name}`"));
        }
    };
    for name in &terms.code_identifiers {
        boost(name, NAMED_DEFINITION, "task names", r);
    }
    for word in &terms.words {
        boost(word, NAMED_WORD, "task word", r);
    }
    for dotted in &terms.dotted {
        score_dotted(corpus, graph, dotted, r);
    }
}

/// `Session.send` boosts the method `send` of `Session`; `requests.sessions` boosts the
/// file `requests/sessions.py`.
fn score_dotted(corpus: &Corpus, graph: &Graph, segments: &[String], r: &mut Ranking) {
    let [.., owner, name] = segments else {
        return;
    };
    for &d in graph.definitions_of(name) {
        let chunk = &corpus.chunks[d as usize];
        let symbol = chunk.symbol.as_deref().unwrap_or("");
        let parent = chunk.parent.as_deref().map(last_segment);
        if parent == Some(owner.as_str()) || symbol.ends_with(&format!("{owner}.{name}")) {
            r.chunk_score[d as usize] += DOTTED_SYMBOL;
            note(
                &mut r.chunk_reasons,
                d as usize,
                format!("task names `{owner}.{name}`"),
            );
        }
    }
    for take in (1..=segments.len()).rev() {
        let module = segments[..take].join("/");
        for candidate in [format!("{module}.py"), format!("{module}/__init__.py")] {
            for f in corpus.files_ending_with(&candidate) {
                r.file_score[f] += FILE_MENTIONED;
                note(
                    &mut r.file_reasons,
                    f,
                    format!("task names module `{}`", segments[..take].join(".")),
                );
            }
        }
    }
}

fn score_paths(corpus: &Corpus, terms: &QueryTerms, plan_files: &[String], r: &mut Ranking) {
    let paths = corpus.paths();
    for mentioned in &terms.paths {
        for path in resolve_path(mentioned, &paths) {
            let f = corpus.file_index(path).expect("resolved paths are indexed");
            r.file_score[f] += FILE_MENTIONED;
            note(
                &mut r.file_reasons,
                f,
                format!("task mentions `{mentioned}`"),
            );
        }
    }
    for frame in &terms.frames {
        for path in resolve_path(&frame.path, &paths) {
            let f = corpus.file_index(path).expect("resolved paths are indexed");
            r.file_score[f] += FILE_IN_FRAME;
            note(&mut r.file_reasons, f, "in the traceback".into());
            for i in corpus.files[f].chunks.clone() {
                let chunk = &corpus.chunks[i];
                let named = chunk.symbol.as_deref().map(last_segment);
                if frame.function.is_some() && named == frame.function.as_deref() {
                    r.chunk_score[i] += FRAME_FUNCTION;
                    note(&mut r.chunk_reasons, i, "function in the traceback".into());
                } else if frame
                    .line
                    .is_some_and(|l| (chunk.start_line..=chunk.end_line).contains(&l))
                {
                    r.chunk_score[i] += FRAME_LINE;
                    note(&mut r.chunk_reasons, i, "line in the traceback".into());
                }
            }
        }
    }
    if !plan_files.is_empty() {
        let globs = super::corpus::glob_set(plan_files);
        for (f, file) in corpus.files.iter().enumerate() {
            if globs.as_ref().is_some_and(|g| g.is_match(&file.path)) {
                r.file_score[f] += FILE_IN_PLAN;
                note(&mut r.file_reasons, f, "named by the plan".into());
            }
        }
    }
}

/// Definitions the best chunks use, their callers and their enclosing class or impl.
fn expand(corpus: &Corpus, graph: &Graph, r: &mut Ranking) {
    let seeds = best(&r.chunk_score, EXPANSION_SEEDS);
    let mut add: HashMap<usize, f64> = HashMap::new();
    let mut why: Vec<(usize, String)> = Vec::new();
    for &s in &seeds {
        let base = r.chunk_score[s];
        let callees: Vec<usize> = graph.callees(s).collect();
        for &c in &callees {
            *add.entry(c).or_default() += CALLEE * base / (callees.len() as f64).sqrt();
            why.push((c, format!("used by {}", chunk_label(corpus, s))));
        }
        let callers: Vec<usize> = graph.callers(s).collect();
        for &c in &callers {
            *add.entry(c).or_default() += CALLER * base / (callers.len() as f64).sqrt();
            why.push((c, format!("uses {}", chunk_label(corpus, s))));
        }
        if let Some(p) = graph.parent(s) {
            *add.entry(p).or_default() += PARENT * base;
            why.push((p, format!("encloses {}", chunk_label(corpus, s))));
        }
    }
    let mut add: Vec<(usize, f64)> = add.into_iter().collect();
    add.sort_by_key(|a| a.0);
    for (i, v) in add {
        r.chunk_score[i] += v;
    }
    for (i, w) in why {
        note(&mut r.chunk_reasons, i, w);
    }
}

/// How a chunk is named in `--explain`: its symbol and where it starts (`Index::search at
/// engine/src/index.rs:349`), or only where it starts.
fn chunk_label(corpus: &Corpus, i: usize) -> String {
    let c = &corpus.chunks[i];
    match &c.symbol {
        Some(symbol) => format!("{symbol} at {}:{}", c.path, c.start_line),
        None => format!("{}:{}", c.path, c.start_line),
    }
}

fn add_pagerank(graph: &Graph, r: &mut Ranking) {
    let seeds: Vec<(usize, f64)> = r
        .chunk_score
        .iter()
        .enumerate()
        .filter(|(_, s)| **s > 0.0)
        .map(|(i, s)| (i, *s))
        .collect();
    if seeds.is_empty() {
        return;
    }
    let pr = graph.pagerank(&seeds);
    let max = pr.iter().cloned().fold(0.0, f64::max);
    if max <= 0.0 {
        return;
    }
    let top = r.chunk_score.iter().cloned().fold(0.0, f64::max);
    for (i, p) in pr.iter().enumerate() {
        r.chunk_score[i] += PAGERANK * top * p / max;
    }
}

/// Indexes of the `k` best-scoring chunks (score > 0), ties by index.
fn best(scores: &[f64], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).filter(|&i| scores[i] > 0.0).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    order.truncate(k);
    order
}

fn finish(corpus: &Corpus, global: &[f64], r: &mut Ranking) {
    r.chunk_order = best(&r.chunk_score, usize::MAX);
    r.chunk_importance = global.to_vec();
    r.file_importance = corpus
        .files
        .iter()
        .map(|f| f.chunks.clone().map(|i| global[i]).sum())
        .collect();
    for (f, file) in corpus.files.iter().enumerate() {
        let mut scores: Vec<f64> = file.chunks.clone().map(|i| r.chunk_score[i]).collect();
        scores.sort_by(|a, b| b.total_cmp(a));
        let chunk_part: f64 = scores
            .iter()
            .take(3)
            .zip([1.0, 0.5, 0.25])
            .map(|(s, w)| s * w)
            .sum();
        r.file_score[f] += chunk_part;
    }
    let mut order: Vec<usize> = (0..corpus.files.len()).collect();
    order.sort_by(|&a, &b| {
        r.file_score[b]
            .total_cmp(&r.file_score[a])
            .then(r.file_importance[b].total_cmp(&r.file_importance[a]))
            .then(a.cmp(&b))
    });
    r.file_order = order;
}
