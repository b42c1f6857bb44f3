#!/usr/bin/env python3
"""For each issue and budget of a score_pack.py manifest whose trees are indexed under WORK:
are all gold files in the pack (any item), and are they all there with at least one item
that is not only a signature line?

Usage: CTX_EMBEDDER=none full_items.py MANIFEST WORK 8k,16k,32k,64k  (CTX=path to ctx)"""
import json, os, subprocess, sys, collections
manifest, work = sys.argv[1], sys.argv[2]
budgets = sys.argv[3].split(",")
ctx = os.path.abspath(os.environ.get("CTX", "target/release/ctx"))
tot = collections.Counter()
for l in open(manifest):
    r = json.loads(l)
    root = os.path.join(work, r["repo"].replace("/", "+"), r["base_commit"][:12])
    q = os.path.join(work, r["instance_id"] + ".query.txt")
    gold = [g for g in r["gold_files"] if os.path.exists(os.path.join(root, g))]
    for b in budgets:
        d = json.loads(subprocess.run([ctx, "pack", "--budget", b, "--query-file", q, "--format", "json"], cwd=root, capture_output=True, text=True).stdout)
        anyp = {it["path"] for it in d["items"]}
        fullp = {it["path"] for it in d["items"] if it.get("mode") != "signature"}
        tot[b, "n"] += 1
        tot[b, "any"] += all(g in anyp for g in gold)
        tot[b, "full"] += all(g in fullp for g in gold)
for b in budgets:
    n = tot[b, "n"]
    print(f"{b}: all gold files in the pack {tot[b,'any']}/{n} = {tot[b,'any']/n:.2f}; with a full item {tot[b,'full']}/{n} = {tot[b,'full']/n:.2f}")
