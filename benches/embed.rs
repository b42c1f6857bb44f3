//! Embedding throughput benchmark (being written).

fn main() {}
