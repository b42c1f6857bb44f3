#!/usr/bin/env bash
# Runs ctx's hooks inside the real Claude Code, Codex CLI and Gemini CLI, each driven by a
# scripted fake model server on 127.0.0.1 (no network but the npm registry, for the install).
#
#   CTX_BIN=target/release/ctx bash tests/agents/run.sh [claude,codex,gemini]
#
# Environment:
#   CTX_BIN          the ctx binary under test (default: `ctx` on PATH)
#   AGENTS_PREFIX    npm prefix the agents are installed into (default: ~/.cache/ctx-agents-eval/npm)
#   WORK             scratch folder for repos, homes, logs (default: a new one under $TMPDIR or /tmp)
#   OVERHEAD_RUNS    sessions per mode (with / without hooks) for the timing (default 3; 0 = skip)
#   CLAUDE_CODE_VERSION, CODEX_VERSION, GEMINI_CLI_VERSION   pinned agent versions
# Prints one line per agent and ends with `agents: N passed, M failed`; exit 0 only if all pass.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
agents="${1:-claude,codex,gemini}"
ctx_bin="${CTX_BIN:-$(command -v ctx || true)}"
if [ -z "$ctx_bin" ] || [ ! -x "$ctx_bin" ]; then
  echo "run.sh: set CTX_BIN to the ctx binary (none on PATH)" >&2
  exit 2
fi
ctx_bin="$(cd "$(dirname "$ctx_bin")" && pwd)/$(basename "$ctx_bin")"
prefix="${AGENTS_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/ctx-agents-eval/npm}"
work="${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/ctx-agents-eval.XXXXXX")}"
claude_v="${CLAUDE_CODE_VERSION:-2.1.197}"
codex_v="${CODEX_VERSION:-0.171.0}"
gemini_v="${GEMINI_CLI_VERSION:-0.61.0}"

for tool in node npm git python3; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 2; }
done

installed_version() { # package -> version in the prefix, or nothing
  local pj="$prefix/node_modules/$1/package.json"
  [ -f "$pj" ] && node -e "console.log(require(process.argv[1]).version)" "$pj"
}
need=()
[ "$(installed_version @anthropic-ai/claude-code)" = "$claude_v" ] || need+=("@anthropic-ai/claude-code@$claude_v")
[ "$(installed_version @openai/codex)" = "$codex_v" ] || need+=("@openai/codex@$codex_v")
[ "$(installed_version @google/gemini-cli)" = "$gemini_v" ] || need+=("@google/gemini-cli@$gemini_v")
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing ${need[*]} into $prefix" >&2
  mkdir -p "$prefix"
  # --ignore-scripts: Claude Code's postinstall only copies its native binary over a stub;
  # the driver runs the native binary from its platform package directly.
  timeout 900 npm install --prefix "$prefix" --no-audit --no-fund --ignore-scripts "${need[@]}" >&2 \
    || { echo "run.sh: npm install failed" >&2; exit 2; }
fi

echo "ctx: $ctx_bin ($("$ctx_bin" --version 2>/dev/null))" >&2
echo "work: $work" >&2
exec python3 "$here/lib/eval_agents.py" --ctx "$ctx_bin" --prefix "$prefix" --work "$work" \
  --agents "$agents" --overhead-runs "${OVERHEAD_RUNS:-3}"
