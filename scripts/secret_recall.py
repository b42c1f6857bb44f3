#!/usr/bin/env python3
"""Held-out secret recall of ctx's secret filter, at every exit.

Reads the corpus `scripts/heldout_secrets.py` builds (JSON Lines of cases, each an input
text and the secrets in it), writes each case into a repository as `cases/cNNNN.txt`
(its first line names the case so that a search finds it), indexes it with the real
binary, and sends every case through each exit:

- pack: `--format xml|markdown|json` (one pack holding every case) and `--explain`
- search: `ctx search --json` (CLI) and the MCP `search` tool (`ctx mcp`), per case
- check: `ctx check --write secrets/cNNNN.txt --format human|json|sarif|github` with the
  case as the content, against an anchor that forbids any line under `secrets/` (so the
  report quotes it), and the drift log those checks write

A secret leaks at an exit when that exit's output still holds it verbatim. Recall is the
share of cases none of whose secrets leaked; the cases an exit did not show at all
(search found another chunk, the pack left it out) are counted apart, never as caught.
Two exits carry no case text and so measure nothing about the filter: `ctx search
--json` (hits name places, not text) and the drift log of `--write` checks (it logs the
path); they are printed for completeness.

    python3 scripts/secret_recall.py CORPUS.jsonl [CTX_BINARY] > report.txt

Nothing here is tuned to the corpus: it only measures.
"""

import collections
import json
import os
import subprocess
import sys
import tempfile

ANCHORS = """
[[anchor]]
id = "no-secrets-dir"
text = "Never write any line under secrets/"
scope = ["secrets/**"]
forbid_pattern = ['.+']
"""


def env(home):
    e = dict(os.environ)
    e.update({
        "CTX_EMBEDDER": "none",
        "CTX_HOME": home,
        "CTX_CONFIG": os.path.join(home, "user-config.toml"),
        "CTX_NO_DAEMON": "1",
        "NO_COLOR": "1",
    })
    return e


def strings(value):
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)


def readable(text):
    """`text` followed by every JSON string in it, unescaped (a secret with a quote or a
    backslash is escaped in JSON output: it must be found there too)."""
    parts = [text]
    for chunk in [text] + text.splitlines():
        try:
            parts.extend(strings(json.loads(chunk)))
        except ValueError:
            pass
    return "\n".join(parts)


def run(binary, root, home, args, stdin=None):
    p = subprocess.run([binary] + args, cwd=root, env=env(home), input=stdin,
                       capture_output=True, text=True)
    return readable(p.stdout + p.stderr) if "--json" in args or "json" in args or "sarif" in args \
        else p.stdout + p.stderr


def mcp_search(binary, root, home, queries):
    """One `ctx mcp` session: the text of each search result."""
    lines = [json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "secret_recall", "version": "0"}}}),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})]
    for i, q in enumerate(queries, 1):
        lines.append(json.dumps({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {
            "name": "search", "arguments": {"query": q, "mode": "lexical", "k": 1}}}))
    p = subprocess.run([binary, "mcp"], cwd=root, env=env(home), capture_output=True,
                       text=True, input="\n".join(lines) + "\n")
    answers = {}
    for line in p.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if isinstance(msg.get("id"), int) and msg["id"] > 0:
            answers[msg["id"]] = line + "\n" + "\n".join(strings(msg))
    return [answers.get(i, "") for i in range(1, len(queries) + 1)]


def main():
    corpus = sys.argv[1]
    binary = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "target/release/ctx")
    cases = [json.loads(line) for line in open(corpus, encoding="utf-8")]
    base = tempfile.mkdtemp(prefix="ctx-secret-recall-")
    root, home = os.path.join(base, "repo"), os.path.join(base, "home")
    os.makedirs(os.path.join(root, "cases"))
    os.makedirs(os.path.join(root, ".ctx"))
    os.makedirs(home)
    open(os.path.join(root, ".ctx", "anchors.toml"), "w").write(ANCHORS)
    names = []
    for i, case in enumerate(cases):
        name = f"c{i:04d}"
        names.append(name)
        with open(os.path.join(root, "cases", name + ".txt"), "w", encoding="utf-8") as f:
            f.write(f"recallcase {name}\n{case['input']}\n")
    run(binary, root, home, ["index"])

    shown = collections.defaultdict(dict)  # exit -> case index -> output text

    def by_case(exit_name, text):
        # A pack holds every case: cut it at each case's marker line.
        for i, name in enumerate(names):
            at = text.find(f"recallcase {name}\n")
            if at < 0:
                continue
            ends = [p for p in (text.find("recallcase c", at + 1),) if p >= 0]
            shown[exit_name][i] = text[at:ends[0] if ends else len(text)]

    for fmt in ["xml", "markdown", "json"]:
        out = run(binary, root, home, ["pack", "--budget", "5M", "--format", fmt, "--query", "recallcase"])
        by_case(f"pack {fmt}", out)
    explained = run(binary, root, home, ["pack", "--budget", "5M", "--explain", "--query", "recallcase"])
    by_case("pack --explain (stdout+stderr)", explained)

    for i, name in enumerate(names):
        out = run(binary, root, home, ["search", name, "--json", "-k", "1", "--mode", "lexical"])
        if f"cases/{name}.txt" in out:
            shown["search --json"][i] = out
    for i, answer in enumerate(mcp_search(binary, root, home, names)):
        if f"cases/{names[i]}.txt" in answer:
            shown["MCP search"][i] = answer

    for i, case in enumerate(cases):
        for fmt in ["human", "json", "sarif", "github"]:
            out = run(binary, root, home, ["check", "--format", fmt, "--write",
                                           f"secrets/{names[i]}.txt"], stdin=case["input"])
            shown[f"check {fmt}"][i] = out
    drift = os.path.join(root, ".ctx", "drift.jsonl")
    log = open(drift, encoding="utf-8").read() if os.path.exists(drift) else ""
    # The drift log: every check wrote a line; find the lines of each case by its path.
    for i, name in enumerate(names):
        lines = [line for line in log.splitlines() if f"secrets/{name}.txt" in line]
        if lines:
            shown["drift log"][i] = "\n".join(lines)

    sources = sorted({c["source"] for c in cases})
    print(f"corpus: {corpus}, {len(cases)} cases")
    for s in sources:
        commits = sorted({c["commit"] for c in cases if c["source"] == s})
        print(f"  {s} @ {', '.join(commits)}: {sum(c['source'] == s for c in cases)} cases")
    print()
    print("exit | shown | caught | recall | by source (caught/shown)")
    leaks = collections.Counter()
    for exit_name in shown:
        got = shown[exit_name]
        caught = {i for i, text in got.items()
                  if not any(secret in text for secret in cases[i]["secrets"])}
        for i in set(got) - caught:
            leaks[i] += 1
        per = []
        for s in sources:
            idx = [i for i in got if cases[i]["source"] == s]
            per.append(f"{s.split('/')[1]} {sum(i in caught for i in idx)}/{len(idx)}")
        recall = len(caught) / len(got) if got else 0.0
        print(f"{exit_name} | {len(got)} | {len(caught)} | {recall:.3f} | {', '.join(per)}")
    print()
    print("missed cases (leaked at any exit), by detector file:")
    files = collections.Counter(cases[i]["file"] for i in leaks)
    for f, n in sorted(files.items()):
        print(f"  {n} {f}")


if __name__ == "__main__":
    main()
