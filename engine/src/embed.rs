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
    /// Embeds a batch of texts, one vector per text, in order: queries and other texts
    /// read whole (up to the model's window).
    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>>;
    /// Embeds a batch of indexed documents (chunks' [`crate::Chunk::embed_text`]), one
    /// vector per text, in order. An implementation may read less of a document than of a
    /// query (`FastEmbedder` reads its first 64 word pieces against 128 for a query); by
    /// default, the same as [`Embedder::embed`].
    fn embed_documents(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        self.embed(texts)
    }
}
