#!/usr/bin/env bash
# The whole test suite, as CI runs it: build, provision the embedding model (idempotent,
# cached outside the repo), then every test with the model present, plus fmt and clippy.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked
"${CARGO_TARGET_DIR:-target}/release/ctx" model install
# Tests that need the real model fail loudly when it is missing; never skip them here.
unset CTX_SKIP_MODEL_TESTS
cargo test --release --locked --workspace
cargo fmt --all -- --check
cargo clippy --release --locked --workspace --all-targets -- -D warnings
