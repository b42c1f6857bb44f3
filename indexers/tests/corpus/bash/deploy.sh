#!/usr/bin/env bash
# Deploys the app (chunker fixture).
set -euo pipefail

readonly TARGET="${1:-staging}"

# Prints a message to stderr.
log() {
  echo "[deploy] $*" >&2
}

function build {
  log "building"
  cargo build --release
}

deploy_to() {
  local host="$1"
  for f in dist/*; do
    scp "$f" "$host:/srv/app/"
  done
  if [[ "$TARGET" == "production" ]]; then
    log "restarting"
  fi
}

build
deploy_to "$TARGET.example.com"
log "done"
