//! Tests of the real embedding model (all-MiniLM-L6-v2, int8) through `FastEmbedder`.
//!
//! They need the model installed (`ctx model install`) and FAIL when it is missing.
//! Set `CTX_SKIP_MODEL_TESTS=1` to skip them explicitly on a machine without it.

use ctx_engine::embed::Embedder;
use ctx_indexers::embed::{FastEmbedder, ModelPaths, PathOrigin};
use std::sync::OnceLock;

/// The loaded model, shared by every test; `None` only when skipping was asked for.
fn model() -> Option<&'static FastEmbedder> {
    static MODEL: OnceLock<Option<FastEmbedder>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            if std::env::var("CTX_SKIP_MODEL_TESTS").is_ok_and(|v| v == "1") {
                eprintln!("CTX_SKIP_MODEL_TESTS=1: skipping the real-model tests");
                return None;
            }
            let paths = ModelPaths::resolve(None, None).unwrap_or_else(|e| {
                panic!(
                    "the embedding model is required for these tests: {e}\n\
                     (install it with `ctx model install`, or set CTX_SKIP_MODEL_TESTS=1 to skip)"
                )
            });
            Some(FastEmbedder::load(&paths).unwrap_or_else(|e| panic!("{e}")))
        })
        .as_ref()
}

fn strings(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| t.to_string()).collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn model_has_the_pinned_id_and_384_dims() {
    let Some(model) = model() else { return };
    assert_eq!(model.model_id(), "all-MiniLM-L6-v2-int8");
    assert_eq!(model.dim(), 384);
    assert!(model.load_time().as_secs_f64() > 0.0);
}

#[test]
fn vectors_are_unit_length_one_per_text_in_order() {
    let Some(model) = model() else { return };
    let texts = strings(&["fn main() {}", "", "a much longer sentence about databases"]);
    let vectors = model.embed(&texts).unwrap();
    assert_eq!(vectors.len(), 3);
    for v in &vectors {
        assert_eq!(v.len(), 384);
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "norm {norm}");
    }
    let alone = model.embed(&texts[2..]).unwrap();
    assert!(
        cosine(&alone[0], &vectors[2]) > 0.999,
        "order or batching changed a vector"
    );
}

#[test]
fn similar_sentences_are_closer_than_unrelated_ones() {
    let Some(model) = model() else { return };
    let texts = strings(&[
        "How do I open a connection to the database?",
        "Connecting to a SQL database server",
        "The cat sat on the warm windowsill in the sun.",
        "fn parse_config(path: &Path) -> Result<Config> { let text = fs::read_to_string(path)?; toml::from_str(&text) }",
        "read the configuration file and parse it as TOML",
    ]);
    let v = model.embed(&texts).unwrap();
    let related = cosine(&v[0], &v[1]);
    let unrelated = cosine(&v[0], &v[2]);
    assert!(
        related > unrelated + 0.3,
        "related {related}, unrelated {unrelated}"
    );
    let code_to_doc = cosine(&v[3], &v[4]);
    let code_to_cat = cosine(&v[3], &v[2]);
    assert!(
        code_to_doc > code_to_cat + 0.2,
        "code/doc {code_to_doc}, code/cat {code_to_cat}"
    );
}

#[test]
fn embedding_is_deterministic_and_independent_of_batch_company() {
    let Some(model) = model() else { return };
    let target = "impl Server { fn handle(&self, request: Request) -> Response { todo!() } }";
    let first = model.embed(&strings(&[target])).unwrap();
    let again = model.embed(&strings(&[target])).unwrap();
    assert_eq!(first, again, "the same input gave different vectors");
    let long_company = "x ".repeat(400);
    let mixed = model
        .embed(&strings(&["short", target, &long_company]))
        .unwrap();
    assert!(
        cosine(&first[0], &mixed[1]) > 0.999,
        "padding in a batch changed the vector"
    );
}

#[test]
fn long_texts_are_truncated_not_rejected() {
    let Some(model) = model() else { return };
    let long = "let value = compute(input); ".repeat(2_000);
    let vectors = model.embed(&strings(&[&long])).unwrap();
    assert_eq!(vectors[0].len(), 384);
    assert!(vectors[0].iter().all(|x| x.is_finite()));
}

#[test]
fn sorted_and_raw_batching_agree() {
    let Some(model) = model() else { return };
    let texts: Vec<String> = (0..40)
        .map(|i| format!("fn item_{i}() {{ {} }}", "step(); ".repeat(i % 7 * 5)))
        .collect();
    let raw = model.embed_batched(&texts, 8, false).unwrap();
    let sorted = model.embed_batched(&texts, 8, true).unwrap();
    for (a, b) in raw.iter().zip(&sorted) {
        assert!(cosine(a, b) > 0.999);
    }
}

#[test]
fn the_cache_is_where_the_model_was_found() {
    if model().is_none() {
        return;
    }
    let paths = ModelPaths::resolve(None, None).unwrap();
    if std::env::var_os("CTX_MODEL_DIR").is_none() {
        assert_eq!(paths.model_origin, PathOrigin::Cache);
    }
}

#[test]
fn documents_are_read_to_their_window_and_queries_to_the_model_s() {
    let Some(model) = model() else { return };
    assert_eq!(
        model.document_tokens(),
        ctx_indexers::embed::DEFAULT_DOCUMENT_TOKENS
    );
    // A text whose end lies past 64 word pieces: a document's vector does not see it,
    // a query's does; a short text is read whole either way.
    let head = "parse the configuration file and return the settings it holds ".repeat(8);
    let long = strings(&[
        &format!("{head} network sockets"),
        &format!("{head} image pixels"),
    ]);
    let docs = model.embed_documents(&long).unwrap();
    let queries = model.embed(&long).unwrap();
    assert!(
        cosine(&docs[0], &docs[1]) > 0.999,
        "the tail reached a document vector"
    );
    assert!(
        cosine(&queries[0], &queries[1]) < 0.999,
        "the tail did not reach a query vector"
    );
    let short = strings(&["open the database connection"]);
    let (doc, query) = (
        model.embed_documents(&short).unwrap(),
        model.embed(&short).unwrap(),
    );
    assert!(cosine(&doc[0], &query[0]) > 0.999);
    // The query window is restored after documents: the same query gives the same vector.
    let again = model.embed(&long).unwrap();
    assert!(cosine(&again[0], &queries[0]) > 0.999);
}

#[test]
fn another_document_window_changes_the_model_id() {
    if model().is_none() {
        return;
    }
    let paths = ModelPaths::resolve(None, None).unwrap();
    let embedder = FastEmbedder::load(&paths).unwrap().with_document_tokens(32);
    assert_eq!(embedder.model_id(), "all-MiniLM-L6-v2-int8-d32");
    let embedder = embedder.with_document_tokens(64);
    assert_eq!(embedder.model_id(), "all-MiniLM-L6-v2-int8");
    let embedder = embedder.with_document_tokens(1_000);
    assert_eq!(
        embedder.document_tokens(),
        128,
        "clamped to the query window"
    );
    assert_eq!(embedder.model_id(), "all-MiniLM-L6-v2-int8-d128");
}
