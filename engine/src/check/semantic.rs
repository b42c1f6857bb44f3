//! The semantic tier: embedding similarity between an action and the anchors that compiled to
//! no matcher. It only ever warns, and it only runs when an embedder is already loaded (the
//! `ctx serve` daemon) or explicitly passed: the rule path of `ctx check` never loads a model.

use crate::anchor::{AnchorSet, Effect, Finding};
use crate::embed::Embedder;
use crate::Result;

/// Warn findings for semantic-only anchors whose embedding is at least `threshold` similar
/// (cosine) to `action_text`. No embedder, no findings.
///
/// Anchors carry their embedding from `ctx index` when the model matched; otherwise their
/// text is embedded here in one batch.
pub fn semantic_findings(
    set: &AnchorSet,
    action_text: &str,
    embedder: Option<&dyn Embedder>,
    threshold: f32,
) -> Result<Vec<Finding>> {
    let Some(embedder) = embedder else {
        return Ok(Vec::new());
    };
    let candidates: Vec<_> = set
        .anchors()
        .iter()
        .filter(|a| a.enabled && a.is_semantic_only())
        .collect();
    if candidates.is_empty() || action_text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let action = embedder
        .embed(&[action_text.to_string()])?
        .pop()
        .unwrap_or_default();
    let missing: Vec<String> = candidates
        .iter()
        .filter(|a| a.embedding.as_ref().is_none_or(|e| e.len() != action.len()))
        .map(|a| a.text.clone())
        .collect();
    let mut fresh = if missing.is_empty() {
        Vec::new()
    } else {
        embedder.embed(&missing)?
    }
    .into_iter();
    let mut findings = Vec::new();
    for anchor in candidates {
        let vector = match &anchor.embedding {
            Some(e) if e.len() == action.len() => e.clone(),
            _ => fresh.next().unwrap_or_default(),
        };
        let similarity = cosine(&action, &vector);
        if similarity >= threshold {
            findings.push(Finding {
                anchor_id: anchor.id.clone(),
                effect: Effect::Warn,
                evidence: format!(
                    "the action is {similarity:.2} similar to this rule (semantic tier)"
                ),
                path: None,
                line: None,
            });
        }
    }
    Ok(findings)
}

/// Cosine similarity; 0 for empty or mismatched vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anchor::{Anchor, AnchorSource, Polarity};

    /// Embeds by counting a few keywords: enough to test the tier without a model.
    struct KeywordEmbedder;

    impl Embedder for KeywordEmbedder {
        fn model_id(&self) -> &str {
            "keywords"
        }
        fn dim(&self) -> usize {
            3
        }
        fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
            Ok(texts
                .iter()
                .map(|t| {
                    let t = t.to_lowercase();
                    ["database", "test", "deploy"]
                        .iter()
                        .map(|k| t.matches(k).count() as f32)
                        .collect()
                })
                .collect())
        }
    }

    fn set() -> AnchorSet {
        let a = Anchor::new(
            "never touch the production database in a test",
            Polarity::Never,
            AnchorSource::Pinned,
        );
        AnchorSet::from_anchors(None, vec![a])
    }

    #[test]
    fn no_embedder_no_findings() {
        assert!(semantic_findings(&set(), "database test", None, 0.5)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn similar_actions_warn_and_others_do_not() {
        let hits = semantic_findings(
            &set(),
            "connect the test to the database",
            Some(&KeywordEmbedder),
            0.9,
        )
        .unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].effect, Effect::Warn);
        let none = semantic_findings(&set(), "deploy now", Some(&KeywordEmbedder), 0.9).unwrap();
        assert!(none.is_empty());
    }
}
