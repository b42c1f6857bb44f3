//! BM25 search over chunks with tantivy and the [`CodeTokenizer`].

use super::published_directory::PublishedDirectory;
use super::tokenizer::{terms, CodeTokenizer, CODE_TOKENIZER};
use crate::{Chunk, ChunkKind, Error, Result};
use std::collections::BTreeMap;
use std::path::Path;
use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Boost of a query term found in a chunk's symbol.
const SYMBOL_BOOST: f32 = 3.0;
/// Boost of a query term found in a chunk's path.
const PATH_BOOST: f32 = 1.5;
/// Weight of a query term in the query's first line (its title), relative to the rest.
const TITLE_WEIGHT: f32 = 2.0;
/// Weight of a query term found only inside a fenced block the query quotes.
const QUOTED_WEIGHT: f32 = 0.5;
/// Memory the writer may buffer before flushing a segment.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// A lexical hit: which chunk, where, and its BM25 score.
#[derive(Debug, Clone, PartialEq)]
pub struct LexicalHit {
    /// Path of the chunk's file.
    pub path: String,
    /// Ordinal of the chunk in its file.
    pub ordinal: u32,
    /// First line (1-based).
    pub start_line: u32,
    /// Last line (1-based, inclusive).
    pub end_line: u32,
    /// The chunk's symbol, if any.
    pub symbol: Option<String>,
    /// The chunk's kind.
    pub kind: ChunkKind,
    /// The chunk's vector key.
    pub vector_key: u64,
    /// BM25 score.
    pub score: f32,
}

#[derive(Clone, Copy)]
struct Fields {
    path: Field,
    path_exact: Field,
    symbol: Field,
    content: Field,
    kind: Field,
    ordinal: Field,
    start_line: Field,
    end_line: Field,
    vector_key: Field,
}

/// The tantivy index of chunks.
pub struct LexicalIndex {
    index: Index,
    reader: IndexReader,
    writer: Option<IndexWriter>,
    fields: Fields,
}

fn schema() -> (Schema, Fields) {
    let code = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(CODE_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let mut builder = Schema::builder();
    let fields = Fields {
        path: builder.add_text_field("path", code.clone()),
        path_exact: builder.add_text_field("path_exact", STRING | STORED),
        symbol: builder.add_text_field("symbol", code.clone() | STORED),
        content: builder.add_text_field("content", code),
        kind: builder.add_text_field("kind", STRING | STORED),
        ordinal: builder.add_u64_field("ordinal", STORED),
        start_line: builder.add_u64_field("start_line", STORED),
        end_line: builder.add_u64_field("end_line", STORED),
        vector_key: builder.add_u64_field("vector_key", INDEXED | STORED | FAST),
    };
    (builder.build(), fields)
}

impl LexicalIndex {
    /// Opens the index in `dir`, creating it if absent.
    pub fn open_in_dir(dir: &Path) -> Result<LexicalIndex> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
        let directory = MmapDirectory::open(dir).map_err(|e| Error::Lexical(e.to_string()))?;
        let (schema, fields) = schema();
        let index = Index::open_or_create(directory, schema)?;
        LexicalIndex::from_index(index, fields)
    }

    /// Opens the existing index in `dir` for reading; an error when there is none (nothing
    /// is created). `dir` must belong to a published generation, which is never written
    /// again: the reader takes no lock file there and writes nothing, so an index its user
    /// cannot write is still readable (see [`PublishedDirectory`]).
    pub fn open_existing(dir: &Path) -> Result<LexicalIndex> {
        let directory = PublishedDirectory::open(dir).map_err(|e| Error::Lexical(e.to_string()))?;
        let index = Index::open(directory)?;
        let (schema, fields) = schema();
        if index.schema() != schema {
            return Err(Error::Lexical(format!(
                "{} was written with another schema",
                dir.display()
            )));
        }
        LexicalIndex::from_index(index, fields)
    }

    /// A fresh index in memory, for tests.
    pub fn in_ram() -> Result<LexicalIndex> {
        let (schema, fields) = schema();
        LexicalIndex::from_index(Index::create_in_ram(schema), fields)
    }

    fn from_index(index: Index, fields: Fields) -> Result<LexicalIndex> {
        index
            .tokenizers()
            .register(CODE_TOKENIZER, CodeTokenizer::default());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(LexicalIndex {
            index,
            reader,
            writer: None,
            fields,
        })
    }

    fn writer(&mut self) -> Result<&mut IndexWriter> {
        if self.writer.is_none() {
            let writer = self.index.writer_with_num_threads(1, WRITER_MEMORY)?;
            self.writer = Some(writer);
        }
        Ok(self.writer.as_mut().expect("writer just set"))
    }

    /// Queues the removal of every chunk of `path`.
    pub fn delete_path(&mut self, path: &str) -> Result<()> {
        let term = Term::from_field_text(self.fields.path_exact, path);
        self.writer()?.delete_term(term);
        Ok(())
    }

    /// Queues a chunk for indexing.
    pub fn add_chunk(&mut self, chunk: &Chunk, ordinal: u32, vector_key: u64) -> Result<()> {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.path, &chunk.path);
        doc.add_text(f.path_exact, &chunk.path);
        if let Some(symbol) = &chunk.symbol {
            doc.add_text(f.symbol, symbol);
        }
        // Two values of one field count as one text for BM25 (no positions are indexed).
        doc.add_text(f.content, &chunk.text);
        if let Some(crumb) = &chunk.breadcrumb {
            doc.add_text(f.content, crumb);
        }
        doc.add_text(f.kind, chunk.kind.as_str());
        doc.add_u64(f.ordinal, ordinal as u64);
        doc.add_u64(f.start_line, chunk.start_line as u64);
        doc.add_u64(f.end_line, chunk.end_line as u64);
        doc.add_u64(f.vector_key, vector_key);
        self.writer()?.add_document(doc)?;
        Ok(())
    }

    /// Commits queued changes, waits for the segment merges they started, and makes them
    /// visible to searches. The directory then stays unchanged until the next write, so
    /// other processes can read it (see [`crate::index::generation`]).
    pub fn commit(&mut self) -> Result<()> {
        if let Some(mut writer) = self.writer.take() {
            writer.commit()?;
            writer.wait_merging_threads()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Number of chunks indexed (after the last commit).
    pub fn num_chunks(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The `k` best chunks for `query` by BM25 over content, symbol and path, each term
    /// weighted by where the query says it (see [`weighted_terms`]).
    pub fn search(&self, query: &str, k: usize) -> Result<Vec<LexicalHit>> {
        let Some(query) = self.build_query(query) else {
            return Ok(Vec::new());
        };
        self.collect(&query, k)
    }

    /// Chunks whose vector key is `key`.
    pub fn chunks_with_vector_key(&self, key: u64) -> Result<Vec<LexicalHit>> {
        let term = Term::from_field_u64(self.fields.vector_key, key);
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        self.collect(&query, 64)
    }

    fn build_query(&self, text: &str) -> Option<BooleanQuery> {
        let weighted = weighted_terms(text);
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (term, weight) in &weighted {
            for (field, boost) in [
                (f.content, 1.0),
                (f.symbol, SYMBOL_BOOST),
                (f.path, PATH_BOOST),
            ] {
                let boost = boost * weight;
                let query = TermQuery::new(
                    Term::from_field_text(field, term),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), boost)),
                ));
            }
        }
        (!clauses.is_empty()).then(|| BooleanQuery::new(clauses))
    }

    fn collect(&self, query: &dyn Query, k: usize) -> Result<Vec<LexicalHit>> {
        let searcher = self.reader.searcher();
        let top = searcher.search(query, &TopDocs::with_limit(k.max(1)).order_by_score())?;
        top.into_iter()
            .map(|(score, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                Ok(self.hit_from(&doc, score))
            })
            .collect()
    }

    fn hit_from(&self, doc: &TantivyDocument, score: f32) -> LexicalHit {
        let f = self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str().map(str::to_string))
        };
        let number = |field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
        LexicalHit {
            path: text(f.path_exact).unwrap_or_default(),
            ordinal: number(f.ordinal) as u32,
            start_line: number(f.start_line) as u32,
            end_line: number(f.end_line) as u32,
            symbol: text(f.symbol),
            kind: text(f.kind)
                .and_then(|k| ChunkKind::parse(&k))
                .unwrap_or(ChunkKind::Code),
            vector_key: number(f.vector_key),
            score,
        }
    }
}

/// How much a query term says, by where the query says it: a task's first line is its
/// title and states the problem ([`TITLE_WEIGHT`]); what it quotes in fenced blocks (logs,
/// configuration, the writer's own code) is evidence at second hand ([`QUOTED_WEIGHT`]),
/// and a long paste would otherwise outweigh the few sentences that describe the problem.
/// A term takes the highest weight among the places it occurs. A one-line query weighs
/// every term alike.
fn weighted_terms(text: &str) -> BTreeMap<String, f32> {
    let mut out: BTreeMap<String, f32> = BTreeMap::new();
    let mut fenced = false;
    let mut title_seen = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        let weight = if fenced {
            QUOTED_WEIGHT
        } else if !title_seen && !trimmed.is_empty() {
            TITLE_WEIGHT
        } else {
            1.0
        };
        title_seen |= !trimmed.is_empty();
        for term in terms(line) {
            let w = out.entry(term).or_insert(0.0);
            *w = w.max(weight);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_s_title_weighs_most_and_what_it_quotes_least() {
        let text = "Symlinked dirs not collected\nWhen a dir is a symlink it is skipped.\n```\n$ pytest -v\ncollected 0 items\n```\nafter upgrading\n";
        let w = weighted_terms(text);
        assert_eq!(w["symlinked"], TITLE_WEIGHT);
        assert_eq!(
            w["collected"], TITLE_WEIGHT,
            "the highest weight of its places"
        );
        assert_eq!(w["skipped"], 1.0);
        assert_eq!(w["upgrading"], 1.0, "prose after a fenced block");
        assert_eq!(w["items"], QUOTED_WEIGHT);
        assert_eq!(w["pytest"], QUOTED_WEIGHT);
    }

    #[test]
    fn a_one_line_query_weighs_every_term_alike() {
        let w = weighted_terms("retry bug in the client");
        assert!(w.values().all(|&v| v == TITLE_WEIGHT), "{w:?}");
        let w = weighted_terms("```\nquoted only\n```\n");
        assert!(w.values().all(|&v| v == QUOTED_WEIGHT), "{w:?}");
    }
}
