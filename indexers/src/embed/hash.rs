//! A deterministic feature-hashing embedder over code-aware tokens, for tests only.

use ctx_engine::embed::Embedder;
use std::collections::HashMap;

/// Embeds texts by hashing their code-aware tokens (identifiers whole and split at
/// camelCase, snake_case and kebab-case boundaries, lowercased) into signed buckets,
/// with sublinear term weights, then normalising to unit length.
///
/// Deterministic and fast, with no model: texts sharing identifiers land close together.
/// It is selected only by `CTX_EMBEDDER=hash`, for tests; it is never a fallback for users.
#[derive(Debug, Clone)]
pub struct HashEmbedder {
    dim: usize,
    model_id: String,
}

/// The default dimension of [`HashEmbedder`], the same as the default model's.
pub const HASH_DEFAULT_DIM: usize = 384;

impl Default for HashEmbedder {
    fn default() -> Self {
        HashEmbedder::new(HASH_DEFAULT_DIM)
    }
}

impl HashEmbedder {
    /// An embedder producing `dim`-dimensional vectors (`dim` is at least 1).
    pub fn new(dim: usize) -> HashEmbedder {
        let dim = dim.max(1);
        HashEmbedder {
            dim,
            model_id: format!("hash-v1-{dim}"),
        }
    }

    /// The unit vector of one text.
    pub fn embed_one(&self, text: &str) -> Vec<f32> {
        let mut counts: HashMap<String, u32> = HashMap::new();
        for token in code_tokens(text) {
            *counts.entry(token).or_default() += 1;
        }
        if counts.is_empty() {
            counts.insert("\u{0}empty".to_string(), 1);
        }
        let mut vector = vec![0f32; self.dim];
        for (token, count) in counts {
            let hash = blake3::hash(token.as_bytes());
            let bytes: [u8; 8] = hash.as_bytes()[..8].try_into().expect("8 bytes");
            let h = u64::from_le_bytes(bytes);
            let bucket = (h % self.dim as u64) as usize;
            let sign = if h >> 63 == 0 { 1.0 } else { -1.0 };
            vector[bucket] += sign * (1.0 + (count as f32).ln());
        }
        normalise(&mut vector);
        vector
    }
}

impl Embedder for HashEmbedder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed(&self, texts: &[String]) -> ctx_engine::Result<Vec<Vec<f32>>> {
        Ok(texts.iter().map(|text| self.embed_one(text)).collect())
    }
}

/// Scales `vector` to unit length; a zero vector becomes the first basis vector.
fn normalise(vector: &mut [f32]) {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    } else if let Some(first) = vector.first_mut() {
        *first = 1.0;
    }
}

/// Code-aware tokens of `text`: each identifier-like run lowercased, then its parts split
/// at `_`, `-`, camelCase and letter/digit boundaries (parts equal to the whole are skipped).
pub fn code_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let words = text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'));
    for word in words.filter(|w| w.chars().any(char::is_alphanumeric)) {
        let whole = word.trim_matches(|c| c == '_' || c == '-').to_lowercase();
        let parts = split_identifier(word);
        let split = parts.len() > 1;
        tokens.push(whole);
        if split {
            tokens.extend(parts);
        }
    }
    tokens
}

/// Splits one identifier at `_`, `-`, lower→upper (`fooBar`), acronym ends (`HTTPServer`)
/// and letter/digit boundaries, lowercasing each part.
fn split_identifier(word: &str) -> Vec<String> {
    let mut parts = Vec::new();
    for piece in word.split(['_', '-']).filter(|p| !p.is_empty()) {
        let chars: Vec<char> = piece.chars().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            if is_boundary(chars[i - 1], chars[i], chars.get(i + 1).copied()) {
                parts.push(chars[start..i].iter().collect::<String>().to_lowercase());
                start = i;
            }
        }
        parts.push(chars[start..].iter().collect::<String>().to_lowercase());
    }
    parts
}

fn is_boundary(prev: char, cur: char, next: Option<char>) -> bool {
    let lower_to_upper = prev.is_lowercase() && cur.is_uppercase();
    let acronym_end =
        prev.is_uppercase() && cur.is_uppercase() && next.is_some_and(char::is_lowercase);
    let digit_change = prev.is_ascii_digit() != cur.is_ascii_digit();
    lower_to_upper || acronym_end || digit_change
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn tokens_split_code_identifiers_and_keep_the_whole() {
        let tokens = code_tokens("fn parseHTTPRequest(max_len: u32) -> kebab-case");
        for expected in [
            "fn",
            "parsehttprequest",
            "parse",
            "http",
            "request",
            "max_len",
            "max",
            "len",
            "u32",
            "u",
            "32",
            "kebab-case",
            "kebab",
            "case",
        ] {
            assert!(
                tokens.contains(&expected.to_string()),
                "{expected} in {tokens:?}"
            );
        }
    }

    #[test]
    fn vectors_are_unit_length_with_the_requested_dim() {
        let embedder = HashEmbedder::new(64);
        let texts = vec!["fn main() {}".to_string(), String::new(), "!!!".to_string()];
        let vectors = embedder.embed(&texts).unwrap();
        assert_eq!(vectors.len(), 3);
        for v in &vectors {
            assert_eq!(v.len(), 64);
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
        }
        assert_eq!(embedder.dim(), 64);
        assert_eq!(embedder.model_id(), "hash-v1-64");
    }

    #[test]
    fn embedding_is_deterministic() {
        let a = HashEmbedder::default().embed_one("impl Session { fn request(&self) }");
        let b = HashEmbedder::default().embed_one("impl Session { fn request(&self) }");
        assert_eq!(a, b);
    }

    #[test]
    fn shared_identifiers_are_closer_than_unrelated_text() {
        let e = HashEmbedder::default();
        let query = e.embed_one("session request");
        let related = e.embed_one("fn sessionRequest(req: &Request) -> Session");
        let unrelated = e.embed_one("let colour = palette.lookup(hue, saturation);");
        assert!(cosine(&query, &related) > cosine(&query, &unrelated) + 0.1);
    }
}
