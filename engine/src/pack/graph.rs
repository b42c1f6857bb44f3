//! The definition/reference graph over chunks, and PageRank on it.
//!
//! A chunk *defines* the last segment of its symbol (`handle` for `Server::handle`). A chunk
//! *references* a definition when its text holds that name as a whole identifier. Edges go
//! from the referencing chunk to every chunk defining the name, weighted by how specific
//! the name is: `specificity / definitions`, where specificity is the name's inverse
//! document frequency over the chunks that use it, scaled to 0..1 (`ln(N / users) / ln N`).
//! A name defined in many places (`new`, `__init__`) spreads its weight thin, and a name
//! used everywhere (`ctx`, `self`, `config`) links next to nothing; names defined in more
//! than [`MAX_DEFINITIONS`] places, or too common to reach [`MIN_SPECIFICITY`], carry no
//! edges at all.

use crate::Chunk;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// Names defined in more places than this are too ambiguous to link.
pub const MAX_DEFINITIONS: usize = 24;
/// Names less specific than this carry no edges (with 8,000 chunks: used by more than
/// about 1,000 of them).
pub const MIN_SPECIFICITY: f32 = 0.25;
/// Names shorter than this are not linked (`x`, `id`).
const MIN_NAME_LEN: usize = 3;
const DAMPING: f64 = 0.85;
const ITERATIONS: usize = 40;

/// The definition/reference graph of a set of chunks (indexes into that slice).
#[derive(Debug, Default)]
pub struct Graph {
    /// Outgoing edges: chunk → (defining chunk, weight), sorted by target.
    out: Vec<Vec<(u32, f32)>>,
    /// Incoming edges: defining chunk → referencing chunks, sorted.
    inc: Vec<Vec<u32>>,
    /// The chunk defining each chunk's parent symbol, in the same file.
    parent: Vec<Option<u32>>,
    /// Defining chunks by name (the symbol's last segment).
    defs: FxHashMap<String, Vec<u32>>,
    /// Specificity (0..1) of each defined name, by name.
    specificity: FxHashMap<String, f32>,
}

/// The last segment of a qualified symbol: `handle` for `Server::handle` or `Server.handle`.
pub fn last_segment(symbol: &str) -> &str {
    symbol
        .rsplit([':', '.', '#', '/', '\\'])
        .find(|s| !s.is_empty())
        .unwrap_or(symbol)
}

/// The identifiers (`[A-Za-z_][A-Za-z0-9_]*`) in a text, in order, with repeats.
pub fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let b = bytes[at];
            if b.is_ascii_alphabetic() || b == b'_' {
                let start = at;
                while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
                    at += 1;
                }
                return Some(&text[start..at]);
            }
            if b.is_ascii_digit() {
                while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
                    at += 1;
                }
                continue;
            }
            at += 1;
        }
        None
    })
}

impl Graph {
    /// Builds the graph of `chunks`.
    pub fn build(chunks: &[Chunk]) -> Graph {
        let defs = definitions(chunks);
        let names = NameTable::new(&defs);
        let used: Vec<Vec<u32>> = parallel_map(chunks, |first, part| {
            let mut seen = vec![u32::MAX; names.targets.len()];
            let at = first..first + part.len();
            at.zip(part)
                .map(|(i, chunk)| names.used_names(i, chunk, &mut seen))
                .collect()
        });
        let specificity = names.specificity(&used, chunks.len());
        let out: Vec<Vec<(u32, f32)>> = used
            .iter()
            .enumerate()
            .map(|(i, slots)| names.edges(i, slots, &specificity))
            .collect();
        let specificity = names.by_name(&specificity);
        let mut inc = vec![Vec::new(); chunks.len()];
        for (i, edges) in out.iter().enumerate() {
            for &(t, _) in edges {
                inc[t as usize].push(i as u32);
            }
        }
        let parent = parents(chunks);
        Graph {
            out,
            inc,
            parent,
            defs,
            specificity,
        }
    }

    /// How specific a defined name is, 0 (used everywhere) to 1 (used once); 0 for names
    /// the graph does not link.
    pub fn specificity(&self, name: &str) -> f32 {
        self.specificity.get(name).copied().unwrap_or(0.0)
    }

    /// Outgoing edges of chunk `i` with their weights (specificity / definitions).
    pub fn callee_edges(&self, i: usize) -> &[(u32, f32)] {
        &self.out[i]
    }

    /// Number of chunks (nodes).
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// True when the graph has no nodes.
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// Chunks whose symbols chunk `i` references (what it calls or uses).
    pub fn callees(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.out[i].iter().map(|e| e.0 as usize)
    }

    /// Chunks that reference chunk `i`'s symbol (its callers and users).
    pub fn callers(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.inc[i].iter().map(|&c| c as usize)
    }

    /// The chunk defining chunk `i`'s enclosing symbol (class, impl), if indexed.
    pub fn parent(&self, i: usize) -> Option<usize> {
        self.parent[i].map(|p| p as usize)
    }

    /// Chunks that define `name` (a symbol's last segment), in chunk order.
    pub fn definitions_of(&self, name: &str) -> &[u32] {
        self.defs.get(name).map_or(&[], |v| v.as_slice())
    }

    /// PageRank over the reference edges, personalised to `seeds` (chunk, weight); uniform
    /// when `seeds` is empty. Scores sum to 1. Deterministic: fixed iteration order.
    pub fn pagerank(&self, seeds: &[(usize, f64)]) -> Vec<f64> {
        let n = self.len();
        if n == 0 {
            return Vec::new();
        }
        let teleport = teleport_vector(n, seeds);
        let out_weight: Vec<f64> = self
            .out
            .iter()
            .map(|edges| edges.iter().map(|e| f64::from(e.1)).sum())
            .collect();
        let mut rank = teleport.clone();
        let mut next = vec![0.0; n];
        for _ in 0..ITERATIONS {
            next.iter_mut().for_each(|v| *v = 0.0);
            let mut dangling = 0.0;
            for (i, edges) in self.out.iter().enumerate() {
                if edges.is_empty() {
                    dangling += rank[i];
                    continue;
                }
                let share = rank[i] / out_weight[i];
                for &(t, w) in edges {
                    next[t as usize] += share * f64::from(w);
                }
            }
            let mut delta = 0.0;
            for i in 0..n {
                let v =
                    (1.0 - DAMPING) * teleport[i] + DAMPING * (next[i] + dangling * teleport[i]);
                delta += (v - rank[i]).abs();
                rank[i] = v;
            }
            if delta < 1e-9 {
                break;
            }
        }
        rank
    }
}

/// The defined names, numbered, for one hash lookup per identifier.
struct NameTable<'a> {
    slot: FxHashMap<&'a str, u32>,
    targets: Vec<&'a [u32]>,
}

impl<'a> NameTable<'a> {
    fn new(defs: &'a FxHashMap<String, Vec<u32>>) -> NameTable<'a> {
        let mut slot = FxHashMap::default();
        let mut targets = Vec::with_capacity(defs.len());
        for (name, list) in defs {
            slot.insert(name.as_str(), targets.len() as u32);
            targets.push(list.as_slice());
        }
        NameTable { slot, targets }
    }

    /// The slots of the defined names chunk `i` uses (each once, not its own name).
    /// `seen` holds, per name, the last chunk that used it.
    fn used_names(&self, i: usize, chunk: &Chunk, seen: &mut [u32]) -> Vec<u32> {
        let own = chunk.symbol.as_deref().map(last_segment);
        let mut slots = Vec::new();
        for name in identifiers(&chunk.text) {
            let Some(&k) = self.slot.get(name) else {
                continue;
            };
            if seen[k as usize] == i as u32 || Some(name) == own {
                continue;
            }
            seen[k as usize] = i as u32;
            slots.push(k);
        }
        slots
    }

    /// Specificity of each name slot: `ln(N / users) / ln(N)`, 0 below [`MIN_SPECIFICITY`].
    fn specificity(&self, used: &[Vec<u32>], chunks: usize) -> Vec<f32> {
        let mut users = vec![0u32; self.targets.len()];
        for slots in used {
            for &k in slots {
                users[k as usize] += 1;
            }
        }
        let n = (chunks.max(2)) as f32;
        users
            .iter()
            .map(|&u| {
                let s = (n / u.max(1) as f32).ln() / n.ln();
                if s < MIN_SPECIFICITY {
                    0.0
                } else {
                    s.min(1.0)
                }
            })
            .collect()
    }

    /// The outgoing edges of chunk `i` (which uses the names `slots`), sorted by target.
    fn edges(&self, i: usize, slots: &[u32], specificity: &[f32]) -> Vec<(u32, f32)> {
        let mut edges = Vec::new();
        for &k in slots {
            let spec = specificity[k as usize];
            if spec <= 0.0 {
                continue;
            }
            let targets = self.targets[k as usize];
            let weight = spec / targets.len() as f32;
            edges.extend(
                targets
                    .iter()
                    .filter(|&&t| t as usize != i)
                    .map(|&t| (t, weight)),
            );
        }
        edges.sort_by_key(|e| e.0);
        edges
    }

    /// Specificity by name.
    fn by_name(&self, specificity: &[f32]) -> FxHashMap<String, f32> {
        self.slot
            .iter()
            .map(|(name, &k)| (name.to_string(), specificity[k as usize]))
            .collect()
    }
}

/// `f(first index, part)` over the parts of `items`, on as many threads as there are
/// cores (at most 8), concatenated in order.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(usize, &[T]) -> Vec<R> + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads < 2 || items.len() < 1024 {
        return f(0, items);
    }
    let per = items.len().div_ceil(threads);
    let (first, rest) = items.split_at(per);
    std::thread::scope(|scope| {
        let handles: Vec<_> = rest
            .chunks(per)
            .enumerate()
            .map(|(k, part)| {
                let f = &f;
                scope.spawn(move || f((k + 1) * per, part))
            })
            .collect();
        // This thread does the first part while the others do the rest.
        let mut out = f(0, first);
        for h in handles {
            out.extend(h.join().expect("graph thread panicked"));
        }
        out
    })
}

fn teleport_vector(n: usize, seeds: &[(usize, f64)]) -> Vec<f64> {
    let total: f64 = seeds.iter().filter(|s| s.0 < n).map(|s| s.1.max(0.0)).sum();
    if total <= 0.0 {
        return vec![1.0 / n as f64; n];
    }
    let mut v = vec![0.0; n];
    for &(i, w) in seeds {
        if i < n {
            v[i] += w.max(0.0) / total;
        }
    }
    v
}

fn definitions(chunks: &[Chunk]) -> FxHashMap<String, Vec<u32>> {
    let mut defs: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (i, chunk) in chunks.iter().enumerate() {
        if !chunk.kind.is_symbol() {
            continue;
        }
        let Some(symbol) = chunk.symbol.as_deref() else {
            continue;
        };
        let name = last_segment(symbol);
        if name.len() < MIN_NAME_LEN {
            continue;
        }
        let list = defs.entry(name).or_default();
        // A split symbol has several parts; link to its first.
        if chunk.part.is_some_and(|(part, _)| part > 1) {
            continue;
        }
        list.push(i as u32);
    }
    defs.into_iter()
        .filter(|(_, list)| !list.is_empty() && list.len() <= MAX_DEFINITIONS)
        .map(|(name, list)| (name.to_string(), list))
        .collect()
}

fn parents(chunks: &[Chunk]) -> Vec<Option<u32>> {
    let mut by_symbol: FxHashMap<(&str, &str), u32> = FxHashMap::default();
    for (i, chunk) in chunks.iter().enumerate() {
        if let Some(symbol) = chunk.symbol.as_deref() {
            if chunk.part.is_none_or(|(part, _)| part == 1) {
                by_symbol
                    .entry((chunk.path.as_str(), symbol))
                    .or_insert(i as u32);
            }
        }
    }
    chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            let parent = chunk.parent.as_deref()?;
            by_symbol
                .get(&(chunk.path.as_str(), parent))
                .copied()
                .filter(|&p| p as usize != i)
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ChunkKind;

    /// A chunk for tests: `text` at `start..=end` of `path`.
    pub fn chunk(
        path: &str,
        kind: ChunkKind,
        symbol: Option<&str>,
        start: u32,
        text: &str,
    ) -> Chunk {
        let lines = text.lines().count().max(1) as u32;
        Chunk {
            path: path.to_string(),
            language: "python".to_string(),
            kind,
            symbol: symbol.map(str::to_string),
            signature: text.lines().next().map(|l| l.trim().to_string()),
            parent: symbol
                .and_then(|s| s.rsplit_once('.'))
                .map(|(p, _)| p.to_string()),
            breadcrumb: None,
            part: None,
            start_line: start,
            end_line: start + lines - 1,
            start_byte: 0,
            end_byte: text.len() as u64,
            content_hash: crate::content_hash(text.as_bytes()),
            tokens: (text.len() / 4) as u32,
            text: text.to_string(),
            front_matter: Default::default(),
        }
    }

    fn sample() -> Vec<Chunk> {
        vec![
            chunk(
                "a.py",
                ChunkKind::Class,
                Some("Session"),
                1,
                "class Session:\n",
            ),
            chunk(
                "a.py",
                ChunkKind::Method,
                Some("Session.send"),
                2,
                "    def send(self):\n        return prepare_body(self)\n",
            ),
            chunk(
                "b.py",
                ChunkKind::Function,
                Some("prepare_body"),
                1,
                "def prepare_body(x):\n    return encode(x)\n",
            ),
            chunk(
                "b.py",
                ChunkKind::Function,
                Some("encode"),
                3,
                "def encode(x):\n    return x\n",
            ),
            chunk(
                "c.py",
                ChunkKind::Code,
                None,
                1,
                "s = Session()\ns.send()\n",
            ),
        ]
    }

    #[test]
    fn links_references_to_definitions() {
        let chunks = sample();
        let g = Graph::build(&chunks);
        assert_eq!(g.callees(1).collect::<Vec<_>>(), vec![2]);
        assert_eq!(g.callees(2).collect::<Vec<_>>(), vec![3]);
        assert_eq!(g.callers(0).collect::<Vec<_>>(), vec![4]);
        assert_eq!(g.callers(1).collect::<Vec<_>>(), vec![4]);
        assert_eq!(g.parent(1), Some(0));
        assert_eq!(g.parent(2), None);
        assert_eq!(g.definitions_of("encode"), &[3]);
    }

    #[test]
    fn pagerank_follows_the_seeds() {
        let chunks = sample();
        let g = Graph::build(&chunks);
        let uniform = g.pagerank(&[]);
        assert!((uniform.iter().sum::<f64>() - 1.0).abs() < 1e-6);
        let seeded = g.pagerank(&[(1, 1.0)]);
        // what `send` calls ranks above what nothing reaches
        assert!(seeded[2] > seeded[4]);
        assert!(seeded[3] > seeded[4]);
        assert_eq!(g.pagerank(&[(1, 1.0)]), seeded, "deterministic");
    }

    #[test]
    fn identifiers_skip_numbers_and_punctuation() {
        let ids: Vec<_> = identifiers("x1 = foo_bar(2abc, self.z) # é").collect();
        assert_eq!(ids, vec!["x1", "foo_bar", "self", "z"]);
        assert_eq!(last_segment("Server::handle"), "handle");
        assert_eq!(last_segment("Session.send"), "send");
        assert_eq!(last_segment("plain"), "plain");
    }
}
