#!/usr/bin/env python3
"""Where `ctx pack` ranks each fixed file of a score_pack.py manifest: one `ctx pack
--explain --format json` per issue (at --budget, 16k by default), the file ranks read from
the explain lines and the dropped list (files beyond what either lists count as rank 999).

A finer measure than score_pack.py's hit rates for comparing two rankings: per project,
the mean reciprocal rank of the worst-ranked fixed file of each issue, and the share of
issues whose fixed files all rank within the top 1 / 3 / 5 / 10. It reuses the indexes
score_pack.py left in --work (run that first). --verbose prints each issue's ranks;
--out writes them as JSON, to diff two binaries issue by issue.

Usage: file_ranks.py --manifest M --work WORK --ctx BIN [--budget 16000] [--jobs 2]
"""
import argparse, collections, json, os, re, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

ap = argparse.ArgumentParser()
ap.add_argument("--manifest", required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--ctx", required=True)
ap.add_argument("--budget", default="16000")
ap.add_argument("--jobs", type=int, default=2)
ap.add_argument("--verbose", action="store_true")
ap.add_argument("--out")
a = ap.parse_args()
rows = [json.loads(l) for l in open(a.manifest) if l.strip()]

def run(r):
    root = os.path.join(a.work, r["repo"].replace("/", "+"), r["base_commit"][:12])
    q = os.path.join(a.work, r["instance_id"] + ".query.txt")
    open(q, "w").write(r["problem_statement"])
    env = dict(os.environ, CTX_EMBEDDER=os.environ.get("CTX_EMBEDDER", "none"))
    p = subprocess.run([a.ctx, "pack", "--budget", a.budget, "--query-file", q, "--format", "json", "--explain"],
                       cwd=root, capture_output=True, text=True, env=env)
    if p.returncode:
        return r, None
    pack = json.loads(p.stdout)
    rank = {}
    for line in pack.get("explain", []):
        m = re.match(r"(\S+):\d+-\d+ \w+ \(file rank (\d+),", line)
        if m:
            rank[m.group(1)] = int(m.group(2))
    for d in pack.get("dropped", []):
        rank.setdefault(d["path"], d["rank"])
    gold = [g for g in r["gold_files"] if os.path.exists(os.path.join(root, g))]
    return r, {g: rank.get(g, 999) for g in gold}

with ThreadPoolExecutor(a.jobs) as ex:
    results = list(ex.map(run, rows))
per = collections.defaultdict(list)
out = {}
for r, ranks in results:
    worst = max(ranks.values()) if ranks else 999
    per[r["repo"]].append(worst)
    out[r["instance_id"]] = ranks
    if a.verbose:
        print(f"{r['instance_id']:40s} {ranks}")
def line(name, ws):
    n = len(ws)
    cells = " ".join(f"@{k}:{sum(w <= k for w in ws) / n:.2f}" for k in (1, 3, 5, 10))
    mrr = sum(1 / w for w in ws) / n
    return f"{name:28s} n={n:3d} mrr {mrr:.3f} {cells}"
allw = []
for repo, ws in sorted(per.items()):
    print(line(repo, ws)); allw += ws
print(line("ALL", allw))
if a.out:
    json.dump(out, open(a.out, "w"), indent=0)
