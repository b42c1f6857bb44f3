//! The embedding seam: turns texts into fixed-size vectors.

use crate::Result;

/// Turns texts into unit-length vectors of a fixed dimension.
///
/// Implementations: `FastEmbedder` (the real ONNX model, in ctx-indexers) and
/// `HashEmbedder` (deterministic, no model; for tests only, never a silent fallback).
pub trait Embedder: Send + Sync {
    /// A stable identifier of the model; a different id forces a re-embed.
    fn model_id(&self) -> &str;
    /// Vector dimension.
    fn dim(&self) -> usize;
    /// Embeds a batch of texts, one vector per text, in order.
    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>>;
}
