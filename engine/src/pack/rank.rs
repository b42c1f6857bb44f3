//! Ranking chunks and files for a task, from signals every task text has: search hits,
//! the names it mentions (identifiers, dotted paths, names in quoted code), the files and
//! traceback frames it points at, messages it quotes, a test file it names (which leads to
//! the code it tests), plan files; then what the best chunks call and what calls them,
//! personalised PageRank over name-specificity-weighted edges, and a down-weighting of
//! tests, fixtures, vendored and generated files and prose the task does not point at.
//! File scores aggregate their chunks' evidence; a test file the search finds passes its
//! evidence on to the file it tests.

use super::corpus::Corpus;
use super::graph::{identifiers, last_segment, Graph};
use super::query::{normalize_line, resolve_path, QueryTerms};
use super::roles::{role, tested_name, Role};
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
/// A chunk using a specific name the task gives that no definition holds (split among
/// the chunks using it): half a named definition, since a use is weaker evidence.
const USED_NAME: f64 = 0.6;
/// Specificity from which a named definition keeps its full weight (a name used by at
/// most about √N of N chunks).
const FULL_SPECIFICITY: f64 = 0.5;
/// The share of its weight a named definition keeps when its name is used everywhere.
const COMMON_NAME_FACTOR: f64 = 0.25;
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
/// A chunk holding a message fragment the task quotes (split among the chunks holding it).
const QUOTED_MESSAGE: f64 = 1.2;
/// Fragments found in more chunks than this are too common to say anything.
const MAX_PHRASE_CHUNKS: usize = 8;
/// The file a test the task points at tests.
const TESTED_FILE: f64 = 0.8;
/// Definitions a test the task points at uses (split by specificity among them).
const TESTED_DEFINITION: f64 = 0.8;
/// How many of the best chunks seed graph expansion.
const EXPANSION_SEEDS: usize = 24;
/// Names defined in more places than this are not boosted when mentioned.
const MAX_NAMED_DEFINITIONS: usize = 8;

/// Why a chunk or file ranks where it does (for `--explain`): each reason with the score
/// it added, largest first once ranking is done.
pub type Reasons = BTreeMap<usize, Vec<(f64, String)>>;

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
    /// Each file's role, and whether the task points at it (then its role does not
    /// down-weight it).
    pub file_role: Vec<(Role, bool)>,
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
    score_phrases(corpus, input.terms, &mut r);
    let pointed = score_paths(corpus, input.terms, input.plan_files, &mut r);
    score_tested(corpus, graph, &pointed, &mut r);
    score_found_tests(corpus, &mut r);
    r.file_role = file_roles(corpus, &pointed, &r);
    down_weight(corpus, &mut r);
    expand(corpus, graph, &mut r);
    // The global PageRank does not depend on the task: compute it beside the seeded one.
    let global = std::thread::scope(|scope| {
        let global = scope.spawn(|| graph.pagerank(&[]));
        add_pagerank(corpus, graph, &mut r);
        global.join().expect("pagerank thread panicked")
    });
    finish(corpus, &global, &mut r);
    r
}

/// Records that `why` added `weight` to item `at` (summed when said twice).
fn note(reasons: &mut Reasons, at: usize, weight: f64, why: String) {
    let list = reasons.entry(at).or_default();
    match list.iter_mut().find(|(_, w)| *w == why) {
        Some(entry) => entry.0 += weight,
        None => list.push((weight, why)),
    }
}

fn score_hits(corpus: &Corpus, seeds: &[Seed], r: &mut Ranking) {
    for (rank, seed) in seeds.iter().enumerate() {
        let Some(i) = corpus.chunk_at(&seed.path, seed.start_line) else {
            continue;
        };
        let add = HIT * HIT_DECAY / (HIT_DECAY + rank as f64);
        r.chunk_score[i] += add;
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
        note(&mut r.chunk_reasons, i, add, why);
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
        // A name the task's own code defines is the writer's: only a definition whose
        // first line the task quotes is meant.
        let defs: Vec<usize> = match terms.defined.get(name) {
            None => defs.clone(),
            Some(lines) => defs
                .iter()
                .copied()
                .filter(|&i| {
                    corpus.chunks[i]
                        .signature
                        .as_deref()
                        .is_some_and(|s| lines.contains(&normalize_line(s)))
                })
                .collect(),
        };
        if defs.is_empty() {
            return;
        }
        let share =
            weight * specificity_factor(graph.specificity(name)) / (defs.len() as f64).sqrt();
        for &i in &defs {
            r.chunk_score[i] += share;
            note(&mut r.chunk_reasons, i, share, format!("{label} `{name}`"));
        }
    };
    for name in &terms.code_identifiers {
        boost(name, NAMED_DEFINITION, "task names", r);
    }
    for word in &terms.words {
        boost(word, NAMED_WORD, "task word", r);
    }
    score_used_names(corpus, &by_name, terms, r);
    for dotted in &terms.dotted {
        score_dotted(corpus, graph, dotted, r);
    }
}

/// How much of a named definition's weight its name keeps, by its specificity (see
/// [`Graph::specificity`]): all of it for a name used by at most about √N of the N chunks
/// (specificity 0.5), down to [`COMMON_NAME_FACTOR`] for a name used everywhere (`name`,
/// `path`): the task naming such a name says little about which definition it means.
fn specificity_factor(specificity: f32) -> f64 {
    (f64::from(specificity) / FULL_SPECIFICITY).clamp(COMMON_NAME_FACTOR, 1.0)
}

/// Chunks that use a code identifier the task names but the repository does not define
/// (a keyword argument `follow_symlinks=False`, a setting, an attribute): the code that
/// reads it. Only names used in at most [`MAX_NAMED_DEFINITIONS`] chunks count, split
/// among them; names the task's own code defines are the writer's.
fn score_used_names(
    corpus: &Corpus,
    by_name: &HashMap<&str, Vec<usize>>,
    terms: &QueryTerms,
    r: &mut Ranking,
) {
    let names: Vec<&str> = terms
        .code_identifiers
        .iter()
        .map(String::as_str)
        .filter(|n| !by_name.contains_key(n) && !terms.defined.contains_key(*n))
        .collect();
    if names.is_empty() {
        return;
    }
    let slot: HashMap<&str, usize> = names.iter().enumerate().map(|(k, n)| (*n, k)).collect();
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (i, chunk) in corpus.chunks.iter().enumerate() {
        for id in identifiers(&chunk.text) {
            if let Some(&k) = slot.get(id) {
                if users[k].last() != Some(&i) {
                    users[k].push(i);
                }
            }
        }
    }
    for (name, chunks) in names.iter().zip(&users) {
        if chunks.is_empty() || chunks.len() > MAX_NAMED_DEFINITIONS {
            continue;
        }
        let share = USED_NAME / (chunks.len() as f64).sqrt();
        for &i in chunks {
            r.chunk_score[i] += share;
            note(
                &mut r.chunk_reasons,
                i,
                share,
                format!("uses `{name}`, which the task names"),
            );
        }
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
                DOTTED_SYMBOL,
                format!("task names `{owner}.{name}`"),
            );
        }
    }
    for take in (1..=segments.len()).rev() {
        let module = segments[..take].join("/");
        let mut found = false;
        for candidate in [format!("{module}.py"), format!("{module}/__init__.py")] {
            for f in corpus.files_ending_with(&candidate) {
                found = true;
                r.file_score[f] += FILE_MENTIONED;
                note(
                    &mut r.file_reasons,
                    f,
                    FILE_MENTIONED,
                    format!("task names module `{}`", segments[..take].join(".")),
                );
            }
        }
        // `a.b.c` names the module `a.b.c`; its parent packages are only the way there.
        if found {
            break;
        }
    }
}

/// Scores files the task mentions, files in its traceback (and the frames' functions or
/// lines) and plan files; returns, per file, whether the task points at it.
fn score_paths(
    corpus: &Corpus,
    terms: &QueryTerms,
    plan_files: &[String],
    r: &mut Ranking,
) -> Vec<bool> {
    let paths = corpus.paths();
    let mut pointed = vec![false; corpus.files.len()];
    for mentioned in &terms.paths {
        let resolved = resolve_path(mentioned, &paths);
        let (share, points) = mention_share(resolved.len());
        for path in resolved {
            let f = corpus.file_index(path).expect("resolved paths are indexed");
            pointed[f] |= points;
            let add = FILE_MENTIONED * share;
            r.file_score[f] += add;
            note(
                &mut r.file_reasons,
                f,
                add,
                format!("task mentions `{mentioned}`"),
            );
        }
    }
    for frame in &terms.frames {
        let resolved = resolve_path(&frame.path, &paths);
        let (share, points) = mention_share(resolved.len());
        for path in resolved {
            let f = corpus.file_index(path).expect("resolved paths are indexed");
            pointed[f] |= points;
            let add = FILE_IN_FRAME * share;
            r.file_score[f] += add;
            let at = frame.line.map_or(String::new(), |l| format!(":{l}"));
            note(
                &mut r.file_reasons,
                f,
                add,
                format!("in the traceback ({path}{at})"),
            );
            for i in corpus.files[f].chunks.clone() {
                let chunk = &corpus.chunks[i];
                let named = chunk.symbol.as_deref().map(last_segment);
                if frame.function.is_some() && named == frame.function.as_deref() {
                    r.chunk_score[i] += FRAME_FUNCTION * share;
                    note(
                        &mut r.chunk_reasons,
                        i,
                        FRAME_FUNCTION * share,
                        format!("function `{}` in the traceback", named.unwrap_or("")),
                    );
                } else if frame
                    .line
                    .is_some_and(|l| (chunk.start_line..=chunk.end_line).contains(&l))
                {
                    r.chunk_score[i] += FRAME_LINE * share;
                    note(
                        &mut r.chunk_reasons,
                        i,
                        FRAME_LINE * share,
                        format!("line {path}{at} in the traceback"),
                    );
                }
            }
        }
    }
    if !plan_files.is_empty() {
        let globs = super::corpus::glob_set(plan_files);
        for (f, file) in corpus.files.iter().enumerate() {
            if globs.as_ref().is_some_and(|g| g.is_match(&file.path)) {
                pointed[f] = true;
                r.file_score[f] += FILE_IN_PLAN;
                note(
                    &mut r.file_reasons,
                    f,
                    FILE_IN_PLAN,
                    "named by the plan".into(),
                );
            }
        }
    }
    pointed
}

/// How much of a mention's weight each of the `n` files it resolves to gets, and whether
/// the mention points at them (lifts their role's down-weighting): a mention that fits
/// several files (`test_foo.py`, found in four fixture folders) is split among them and
/// points at none, since most likely it names the writer's own file.
fn mention_share(n: usize) -> (f64, bool) {
    if n <= 1 {
        return (1.0, true);
    }
    (1.0 / n as f64, false)
}

/// Chunks that hold, verbatim, a fragment of a message the task quotes (the code that
/// raises or prints it).
fn score_phrases(corpus: &Corpus, terms: &QueryTerms, r: &mut Ranking) {
    if terms.phrases.is_empty() {
        return;
    }
    let phrases: Vec<&str> = terms.phrases.iter().map(String::as_str).collect();
    let Ok(finder) = aho_corasick::AhoCorasick::new(&phrases) else {
        return;
    };
    let mut holders: Vec<Vec<usize>> = vec![Vec::new(); phrases.len()];
    for (i, chunk) in corpus.chunks.iter().enumerate() {
        let mut seen: Vec<usize> = Vec::new();
        for m in finder.find_overlapping_iter(&chunk.text) {
            let p = m.pattern().as_usize();
            if !seen.contains(&p) {
                seen.push(p);
                holders[p].push(i);
            }
        }
    }
    for (p, chunks) in holders.iter().enumerate() {
        if chunks.is_empty() || chunks.len() > MAX_PHRASE_CHUNKS {
            continue;
        }
        let share = QUOTED_MESSAGE / (chunks.len() as f64).sqrt();
        for &i in chunks {
            r.chunk_score[i] += share;
            note(
                &mut r.chunk_reasons,
                i,
                share,
                format!("holds the quoted message \"{}\"", phrases[p]),
            );
        }
    }
}

/// A test file the task points at (by path, traceback or a test it names) leads to the
/// code it tests: the file its name says it tests, and the specific definitions it uses.
fn score_tested(corpus: &Corpus, graph: &Graph, pointed: &[bool], r: &mut Ranking) {
    for (t, file) in corpus.files.iter().enumerate() {
        if !pointed[t] || role(&file.path) != Role::Test {
            continue;
        }
        if let Some(subject) = tested_name(&file.path) {
            let candidates = corpus.files_ending_with(&subject);
            let sources: Vec<usize> = candidates
                .into_iter()
                .filter(|&f| role(&corpus.files[f].path) == Role::Source)
                .collect();
            for &f in &sources {
                let add = TESTED_FILE / sources.len() as f64;
                r.file_score[f] += add;
                note(
                    &mut r.file_reasons,
                    f,
                    add,
                    format!("tested by {}", file.path),
                );
            }
        }
        let mut used: HashMap<usize, f64> = HashMap::new();
        for i in file.chunks.clone() {
            for &(d, w) in graph.callee_edges(i) {
                let d = d as usize;
                if corpus.chunks[d].path != file.path
                    && role(&corpus.chunks[d].path) == Role::Source
                {
                    *used.entry(d).or_default() += f64::from(w);
                }
            }
        }
        let total: f64 = used.values().sum();
        if total <= 0.0 {
            continue;
        }
        let mut used: Vec<(usize, f64)> = used.into_iter().collect();
        used.sort_by_key(|u| u.0);
        for (d, w) in used {
            let add = TESTED_DEFINITION * w / total;
            r.chunk_score[d] += add;
            note(
                &mut r.chunk_reasons,
                d,
                add,
                format!("used by the test {}", file.path),
            );
        }
    }
}

/// A test the task's words find leads to the file it tests: tests reproduce behaviour in
/// the words a report uses (the failing call, the expected output), so a test file that
/// ranks well says where that behaviour lives, even when the code itself shares few words
/// with the report. The file its name says it tests gets the test's file-level evidence
/// (its best chunks, as [`finish`] aggregates them) times the test role's weight, the same
/// share the test keeps for itself; split among the files the name fits.
fn score_found_tests(corpus: &Corpus, r: &mut Ranking) {
    let mut add: Vec<(usize, f64, usize)> = Vec::new();
    for (t, file) in corpus.files.iter().enumerate() {
        if role(&file.path) != Role::Test {
            continue;
        }
        let evidence = aggregate(file.chunks.clone().map(|i| r.chunk_score[i]));
        if evidence <= 0.0 {
            continue;
        }
        let Some(subject) = tested_name(&file.path) else {
            continue;
        };
        let sources: Vec<usize> = corpus
            .files_ending_with(&subject)
            .into_iter()
            .filter(|&f| role(&corpus.files[f].path) == Role::Source)
            .collect();
        for &f in &sources {
            add.push((f, evidence * Role::Test.weight() / sources.len() as f64, t));
        }
    }
    for (f, v, t) in add {
        r.file_score[f] += v;
        note(
            &mut r.file_reasons,
            f,
            v,
            format!("its test {} matches the task", corpus.files[t].path),
        );
    }
}

/// A file's evidence from its chunks' scores: the best counts fully, the next two half
/// and a quarter (one strong chunk beats many weak ones, several strong ones beat one).
fn aggregate(scores: impl Iterator<Item = f64>) -> f64 {
    let mut scores: Vec<f64> = scores.filter(|s| *s > 0.0).collect();
    scores.sort_by(|a, b| b.total_cmp(a));
    scores
        .iter()
        .take(3)
        .zip([1.0, 0.5, 0.25])
        .map(|(s, w)| s * w)
        .sum()
}

/// Each file's role and whether the task points at it: by path, traceback or plan, or by
/// naming a definition only that file holds.
fn file_roles(corpus: &Corpus, pointed: &[bool], r: &Ranking) -> Vec<(Role, bool)> {
    corpus
        .files
        .iter()
        .enumerate()
        .map(|(f, file)| {
            let named = file.chunks.clone().any(|i| {
                r.chunk_reasons
                    .get(&i)
                    .is_some_and(|why| why.iter().any(|(_, w)| w.starts_with("task names `")))
            });
            (role(&file.path), pointed[f] || named)
        })
        .collect()
}

/// Scales the evidence of tests, fixtures, vendored, generated and change-log files the
/// task does not point at by their role's weight.
fn down_weight(corpus: &Corpus, r: &mut Ranking) {
    for (f, file) in corpus.files.iter().enumerate() {
        let (role, pointed) = r.file_role[f];
        if pointed || role == Role::Source {
            continue;
        }
        let w = role.weight();
        r.file_score[f] *= w;
        for i in file.chunks.clone() {
            r.chunk_score[i] *= w;
        }
    }
}

/// Definitions the best chunks use, their callers and their enclosing class or impl,
/// each in proportion to how specific the linking name is.
fn expand(corpus: &Corpus, graph: &Graph, r: &mut Ranking) {
    let seeds = best(&r.chunk_score, EXPANSION_SEEDS);
    let mut add: HashMap<usize, f64> = HashMap::new();
    let mut why: Vec<(usize, f64, String)> = Vec::new();
    for &s in &seeds {
        let base = r.chunk_score[s];
        let edges = graph.callee_edges(s);
        let total: f64 = edges.iter().map(|e| f64::from(e.1)).sum::<f64>().max(1.0);
        for &(c, w) in edges {
            let v = CALLEE * base * f64::from(w) / total.sqrt();
            *add.entry(c as usize).or_default() += v;
            why.push((c as usize, v, format!("used by {}", chunk_label(corpus, s))));
        }
        let callers: Vec<usize> = graph.callers(s).collect();
        let name = corpus.chunks[s]
            .symbol
            .as_deref()
            .map(last_segment)
            .unwrap_or("");
        let spec = f64::from(graph.specificity(name));
        for &c in &callers {
            let v = CALLER * base * spec / (callers.len() as f64).sqrt();
            *add.entry(c).or_default() += v;
            why.push((c, v, format!("uses {}", chunk_label(corpus, s))));
        }
        if let Some(p) = graph.parent(s) {
            *add.entry(p).or_default() += PARENT * base;
            why.push((
                p,
                PARENT * base,
                format!("encloses {}", chunk_label(corpus, s)),
            ));
        }
    }
    let mut add: Vec<(usize, f64)> = add.into_iter().collect();
    add.sort_by_key(|a| a.0);
    for (i, v) in add {
        let (role, pointed) = r.file_role[file_of(corpus, i)];
        r.chunk_score[i] += if pointed { v } else { v * role.weight() };
    }
    for (i, v, w) in why {
        // A link through a name too common to carry weight explains nothing.
        if v > 0.0 {
            note(&mut r.chunk_reasons, i, v, w);
        }
    }
}

fn file_of(corpus: &Corpus, i: usize) -> usize {
    corpus
        .file_index(&corpus.chunks[i].path)
        .expect("chunks belong to files")
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

fn add_pagerank(corpus: &Corpus, graph: &Graph, r: &mut Ranking) {
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
    for (f, file) in corpus.files.iter().enumerate() {
        let (role, pointed) = r.file_role[f];
        let w = if pointed { 1.0 } else { role.weight() };
        for i in file.chunks.clone() {
            r.chunk_score[i] += PAGERANK * top * w * pr[i] / max;
        }
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
        .enumerate()
        .map(|(f, file)| {
            let sum: f64 = file.chunks.clone().map(|i| global[i]).sum();
            sum * r.file_role[f].0.weight()
        })
        .collect();
    for list in r
        .chunk_reasons
        .values_mut()
        .chain(r.file_reasons.values_mut())
    {
        list.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    }
    for (f, file) in corpus.files.iter().enumerate() {
        r.file_score[f] += aggregate(file.chunks.clone().map(|i| r.chunk_score[i]));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::corpus::FileFilter;
    use crate::pack::graph::tests::chunk;
    use crate::ChunkKind;

    fn corpus() -> Corpus {
        let f = |path: &str, symbol: &str, text: &str| {
            chunk(path, ChunkKind::Function, Some(symbol), 1, text)
        };
        let chunks = vec![
            f(
                "pkg/parser.py",
                "parse_header",
                "def parse_header(line):\n    raise ValueError(\"Malformed header line in input\")\n",
            ),
            f(
                "pkg/render.py",
                "render_page",
                "def render_page(doc):\n    return layout(doc)\n",
            ),
            f(
                "pkg/layout.py",
                "layout",
                "def layout(doc):\n    return doc\n",
            ),
            f(
                "tests/test_parser.py",
                "test_header",
                "def test_header():\n    assert parse_header('x')\n",
            ),
            f(
                "tests/test_render.py",
                "test_render_page",
                "def test_render_page():\n    render_page('x')  # header\n",
            ),
        ];
        Corpus::new(chunks, &FileFilter::default()).unwrap()
    }

    fn ranked(text: &str, seeds: &[Seed]) -> (Corpus, Ranking) {
        ranked_in(corpus(), text, seeds)
    }

    /// Ranks `c` for the task `text` with search hits `seeds` and no plan.
    fn ranked_in(c: Corpus, text: &str, seeds: &[Seed]) -> (Corpus, Ranking) {
        let g = Graph::build(&c.chunks);
        let terms = QueryTerms::parse(text);
        let r = rank(
            &c,
            &g,
            &RankInput {
                seeds,
                terms: &terms,
                plan_files: &[],
            },
        );
        (c, r)
    }

    /// One-line code chunks, one per path.
    fn files(paths: &[&str]) -> Corpus {
        let chunks = paths
            .iter()
            .map(|p| chunk(p, ChunkKind::Code, None, 1, "x = 1\n"))
            .collect();
        Corpus::new(chunks, &FileFilter::default()).unwrap()
    }

    fn first_file(c: &Corpus, r: &Ranking) -> String {
        c.files[r.file_order[0]].path.clone()
    }

    fn hit(path: &str) -> Seed {
        Seed {
            path: path.into(),
            start_line: 1,
            end_line: 2,
            lexical_rank: Some(1),
            vector_rank: None,
        }
    }

    #[test]
    fn a_quoted_error_message_finds_the_code_that_raises_it() {
        let (c, r) = ranked(
            "Loading fails with ValueError: Malformed header line in input (line 3)",
            &[],
        );
        assert_eq!(first_file(&c, &r), "pkg/parser.py");
    }

    #[test]
    fn tests_rank_below_the_code_unless_pointed_at() {
        // the search ranks the test first; its role puts the source above it
        let (c, r) = ranked(
            "render page",
            &[hit("tests/test_render.py"), hit("pkg/render.py")],
        );
        assert_eq!(first_file(&c, &r), "pkg/render.py");
        let rank_of = |path: &str| r.file_order.iter().position(|&f| c.files[f].path == path);
        assert!(rank_of("tests/test_render.py") > rank_of("pkg/render.py"));
    }

    #[test]
    fn a_test_the_search_finds_leads_to_the_code_it_tests() {
        // only the test matches the task's words; the code it tests shares none of them
        let (c, r) = ranked(
            "the header check rejects valid input",
            &[hit("tests/test_parser.py")],
        );
        let f = c.file_index("pkg/parser.py").unwrap();
        assert!(r.file_score[f] > 0.0);
        assert!(r.file_reasons[&f]
            .iter()
            .any(|(_, why)| why == "its test tests/test_parser.py matches the task"));
        let rank_of = |path: &str| r.file_order.iter().position(|&f| c.files[f].path == path);
        assert!(rank_of("pkg/parser.py") < rank_of("pkg/layout.py"));
    }

    #[test]
    fn a_name_the_task_defines_itself_is_not_the_repository_s() {
        // the writer's own `def layout(...)` in quoted code says nothing about pkg/layout.py
        let (c, r) = ranked(
            "```\ndef layout(page, margin):\n    return page\n```\n",
            &[],
        );
        let f = c.file_index("pkg/layout.py").unwrap();
        assert_eq!(r.file_score[f], 0.0, "{:?}", r.chunk_reasons);
        // quoting the repository's own definition line does point at it
        let (c, r) = ranked(
            "this is wrong:\n```\ndef layout(doc):\n    return doc\n```\n",
            &[],
        );
        assert_eq!(first_file(&c, &r), "pkg/layout.py");
    }

    #[test]
    fn a_mention_that_fits_several_files_is_split_and_points_at_none() {
        let c = files(&[
            "pkg/render.py",
            "tests/a/fixtures/test_foo.py",
            "tests/b/fixtures/test_foo.py",
            "tests/c/test_bar.py",
        ]);
        let (c, r) = ranked_in(
            c,
            "test_foo.py:7: AssertionError and tests/c/test_bar.py",
            &[],
        );
        let a = c.file_index("tests/a/fixtures/test_foo.py").unwrap();
        let bar = c.file_index("tests/c/test_bar.py").unwrap();
        assert!(!r.file_role[a].1, "an ambiguous mention points at nothing");
        assert!(r.file_role[bar].1, "a unique mention points at its file");
        assert!(r.file_score[a] < r.file_score[bar]);
    }

    #[test]
    fn a_dotted_name_boosts_its_module_not_every_parent_package() {
        let c = files(&[
            "requests/__init__.py",
            "requests/packages/urllib3/exceptions.py",
            "requests/packages/urllib3/__init__.py",
        ]);
        let (c, r) = ranked_in(
            c,
            "raises requests.packages.urllib3.exceptions.DecodeError",
            &[],
        );
        let score = |p: &str| r.file_score[c.file_index(p).unwrap()];
        assert!(score("requests/packages/urllib3/exceptions.py") > 0.0);
        assert_eq!(score("requests/__init__.py"), 0.0);
        assert_eq!(score("requests/packages/urllib3/__init__.py"), 0.0);
    }

    #[test]
    fn a_test_named_by_path_leads_to_the_code_it_tests() {
        let (c, r) = ranked("tests/test_parser.py fails since the last release", &[]);
        let top: Vec<&str> = r.file_order[..2]
            .iter()
            .map(|&f| c.files[f].path.as_str())
            .collect();
        assert!(top.contains(&"pkg/parser.py"), "{top:?}");
        assert!(top.contains(&"tests/test_parser.py"), "{top:?}");
        let f = c.file_index("pkg/parser.py").unwrap();
        assert!(r.file_reasons[&f]
            .iter()
            .any(|(_, why)| why == "tested by tests/test_parser.py"));
    }

    #[test]
    fn a_name_the_code_uses_but_never_defines_leads_to_its_users() {
        let f = |path: &str, symbol: &str, text: &str| {
            chunk(path, ChunkKind::Function, Some(symbol), 1, text)
        };
        let c = Corpus::new(
            vec![
                f(
                    "pkg/walk.py",
                    "visit",
                    "def visit(entry):\n    return entry.is_dir(follow_symlinks=False)\n",
                ),
                f(
                    "pkg/other.py",
                    "other",
                    "def other(entry):\n    return entry\n",
                ),
            ],
            &FileFilter::default(),
        )
        .unwrap();
        let (c, r) = ranked_in(c, "Symlinks are skipped since `follow_symlinks=False`", &[]);
        assert_eq!(first_file(&c, &r), "pkg/walk.py");
        let visit = c
            .chunks
            .iter()
            .position(|x| x.path == "pkg/walk.py")
            .unwrap();
        assert!(r.chunk_reasons[&visit]
            .iter()
            .any(|(_, why)| why == "uses `follow_symlinks`, which the task names"));
    }

    #[test]
    fn a_named_definition_weighs_by_how_specific_its_name_is() {
        assert_eq!(specificity_factor(1.0), 1.0);
        assert_eq!(specificity_factor(0.5), 1.0);
        assert!((specificity_factor(0.3) - 0.6).abs() < 1e-6);
        assert_eq!(specificity_factor(0.0), COMMON_NAME_FACTOR);
    }

    #[test]
    fn a_common_name_links_nothing() {
        // `helper` is used by every chunk but one: it carries no edges
        let mut chunks = vec![chunk(
            "a.py",
            ChunkKind::Function,
            Some("helper"),
            1,
            "def helper():\n    pass\n",
        )];
        for k in 0..40 {
            chunks.push(chunk(
                &format!("m{k:02}.py"),
                ChunkKind::Function,
                Some(&format!("f{k:02}")),
                1,
                &format!("def f{k:02}():\n    helper()\n"),
            ));
        }
        chunks.push(chunk(
            "z.py",
            ChunkKind::Function,
            Some("rare_user"),
            1,
            "def rare_user():\n    f03()\n",
        ));
        let g = Graph::build(&chunks);
        assert_eq!(g.specificity("helper"), 0.0);
        assert!(g.callee_edges(1).is_empty(), "{:?}", g.callee_edges(1));
        assert!(g.specificity("f03") > 0.9);
        assert_eq!(g.callee_edges(41).len(), 1);
    }
}
