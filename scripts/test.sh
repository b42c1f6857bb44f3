#!/usr/bin/env bash
# The whole test suite, as CI runs it: build, provision the embedding model (idempotent,
# cached outside the repo), then every test with the model present, plus fmt and clippy.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked
"${CARGO_TARGET_DIR:-target}/release/ctx" model install
# The hook tests validate Codex answers against Codex's JSON Schemas with Python's jsonschema.
python3 -c "import jsonschema" 2>/dev/null || python3 -m pip install --quiet jsonschema
# Tests that need the real model fail loudly when it is missing; never skip them here.
unset CTX_SKIP_MODEL_TESTS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --release --locked --workspace 2>&1 | tee "$log"
cargo fmt --all -- --check
cargo clippy --release --locked --workspace --all-targets -- -D warnings
# One closing line for the whole suite (cargo's last line is a doc-test run with 0 tests).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
