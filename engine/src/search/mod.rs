//! Search: lexical (tantivy), vector (usearch) and their fusion.
