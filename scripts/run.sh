#!/usr/bin/env bash
# The main job on a fresh clone: provision the model, build ctx, index this repository,
# search it and pack a 400k prompt. Prints where the pack went.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked
ctx="${CARGO_TARGET_DIR:-target}/release/ctx"
$ctx model install       # for the semantic tier of `ctx check`, and for embeddings when opted in
$ctx index .             # lexical (BM25), the default; `ctx index --embeddings .` adds vectors
$ctx status
$ctx search "hybrid search reciprocal rank fusion" -k 5
out=${CTX_PACK_OUT:-${TMPDIR:-/tmp}/ctx-pack.xml}
$ctx pack --budget 400k --model codex-5.3 --query "how does ctx check decide to deny a command" -o "$out" --explain
echo "pack written to $out"
