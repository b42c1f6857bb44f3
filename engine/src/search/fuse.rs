//! Hybrid ranking: reciprocal rank fusion of lexical and vector hits, plus a boost for
//! chunks whose symbol the query names exactly.

use super::lexical::LexicalHit;
use crate::ChunkKind;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// The RRF constant: a hit at rank r contributes 1 / (RRF_K + r).
pub const RRF_K: f32 = 60.0;
/// Added when the query names a hit's symbol (its last segment) as a word.
const SYMBOL_NAME_BOOST: f32 = 1.0 / RRF_K;
/// Added when the whole query is the hit's qualified symbol.
const SYMBOL_EXACT_BOOST: f32 = 2.0 / RRF_K;

/// How to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SearchMode {
    /// BM25 and vectors fused by reciprocal rank.
    #[default]
    Hybrid,
    /// BM25 only.
    Lexical,
    /// Vectors only (needs the embedding model).
    Semantic,
}

/// A search to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchRequest {
    /// The query text.
    pub query: String,
    /// How to search.
    pub mode: SearchMode,
    /// How many hits to return.
    pub k: usize,
}

/// One search result: a chunk, where it is, and why it ranks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Path relative to the index root.
    pub path: String,
    /// First line (1-based).
    pub start_line: u32,
    /// Last line (1-based, inclusive).
    pub end_line: u32,
    /// Qualified symbol, if the chunk defines one.
    pub symbol: Option<String>,
    /// Chunk kind.
    pub kind: ChunkKind,
    /// Final score (higher is better): BM25 in lexical mode, cosine in semantic mode,
    /// fused RRF score in hybrid mode.
    pub score: f32,
    /// Ordinal of the chunk in its file.
    pub ordinal: u32,
    /// 1-based rank among lexical hits, if it was one.
    pub lexical_rank: Option<u32>,
    /// 1-based rank among vector hits, if it was one.
    pub vector_rank: Option<u32>,
}

impl Hit {
    /// A hit from a lexical or vector result, scored by `score`.
    pub fn from_lexical(hit: &LexicalHit, score: f32) -> Hit {
        Hit {
            path: hit.path.clone(),
            start_line: hit.start_line,
            end_line: hit.end_line,
            symbol: hit.symbol.clone(),
            kind: hit.kind,
            score,
            ordinal: hit.ordinal,
            lexical_rank: None,
            vector_rank: None,
        }
    }
}

/// Fuses ranked lexical and vector hits (best first) into the `k` best hybrid hits.
pub fn fuse(query: &str, lexical: &[LexicalHit], vector: &[LexicalHit], k: usize) -> Vec<Hit> {
    let mut fused: HashMap<(String, u32), Hit> = HashMap::new();
    for (list, is_lexical) in [(lexical, true), (vector, false)] {
        for (rank, hit) in list.iter().enumerate() {
            let entry = fused
                .entry((hit.path.clone(), hit.ordinal))
                .or_insert_with(|| Hit::from_lexical(hit, 0.0));
            entry.score += 1.0 / (RRF_K + rank as f32 + 1.0);
            let rank = Some(rank as u32 + 1);
            if is_lexical {
                entry.lexical_rank = entry.lexical_rank.or(rank);
            } else {
                entry.vector_rank = entry.vector_rank.or(rank);
            }
        }
    }
    let words = query_words(query);
    let mut hits: Vec<Hit> = fused.into_values().collect();
    for hit in &mut hits {
        hit.score += symbol_boost(query, &words, hit.symbol.as_deref());
    }
    sort_hits(&mut hits);
    hits.truncate(k);
    hits
}

/// Sorts hits best first, ties broken by path and line so results are deterministic.
pub fn sort_hits(hits: &mut [Hit]) {
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.path.cmp(&b.path))
            .then(a.start_line.cmp(&b.start_line))
    });
}

fn query_words(query: &str) -> BTreeSet<String> {
    query
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn symbol_boost(query: &str, words: &BTreeSet<String>, symbol: Option<&str>) -> f32 {
    let Some(symbol) = symbol else { return 0.0 };
    let query = query.trim();
    if query.eq_ignore_ascii_case(symbol) {
        return SYMBOL_NAME_BOOST + SYMBOL_EXACT_BOOST;
    }
    let last = symbol
        .rsplit(['.', ':', '#', '/'])
        .next()
        .unwrap_or(symbol)
        .to_lowercase();
    if last.len() > 2 && words.contains(&last) {
        SYMBOL_NAME_BOOST
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(path: &str, ordinal: u32, symbol: Option<&str>) -> LexicalHit {
        LexicalHit {
            path: path.into(),
            ordinal,
            start_line: ordinal * 10 + 1,
            end_line: ordinal * 10 + 9,
            symbol: symbol.map(str::to_string),
            kind: ChunkKind::Function,
            vector_key: 0,
            score: 1.0,
        }
    }

    #[test]
    fn hits_in_both_lists_rank_above_hits_in_one() {
        let lexical = [hit("a", 0, None), hit("b", 0, None)];
        let vector = [hit("c", 0, None), hit("b", 0, None)];
        let fused = fuse("q", &lexical, &vector, 10);
        assert_eq!(fused[0].path, "b");
        assert_eq!(fused[0].lexical_rank, Some(2));
        assert_eq!(fused[0].vector_rank, Some(2));
        assert_eq!(fused.len(), 3);
    }

    #[test]
    fn naming_a_symbol_boosts_it() {
        let lexical = [
            hit("a", 0, Some("Other::thing")),
            hit("b", 0, Some("Server::handle")),
        ];
        let fused = fuse("where is handle defined", &lexical, &[], 10);
        assert_eq!(fused[0].path, "b");
        let fused = fuse("Server::handle", &lexical, &[], 10);
        assert_eq!(fused[0].symbol.as_deref(), Some("Server::handle"));
    }

    #[test]
    fn ties_are_deterministic() {
        let lexical = [hit("z", 0, None)];
        let vector = [hit("a", 0, None)];
        let fused = fuse("q", &lexical, &vector, 10);
        assert_eq!(fused[0].path, "a");
    }
}
