#!/usr/bin/env python3
# cmp.py VARIANT...: per-project mrr table + issues that moved vs none
import json, sys, collections
man = {}
for m in ("/work/shared/evals/swebench-dev.jsonl", "/work/wt/retrieval/benches/evals/swebench-second.jsonl"):
    for l in open(m):
        r = json.loads(l); man[r["instance_id"]] = r["repo"]
def load(v):
    d = {}
    for s in ("dev", "second"):
        d.update(json.load(open(f"/tmp/rt/fr-{s}-{v}.json")))
    return {k: (max(x.values()) if x else 999) for k, x in d.items()}
vs = sys.argv[1:]
data = {v: load(v) for v in ["none"] + vs}
repos = sorted(set(man.values()))
print(f"{'project':30s}" + "".join(f"{v[:14]:>15s}" for v in ["none"] + vs))
for rp in repos + ["ALL"]:
    ids = [i for i in data["none"] if rp == "ALL" or man[i] == rp]
    row = ""
    for v in ["none"] + vs:
        mrr = sum(1 / data[v][i] for i in ids) / len(ids)
        top10 = sum(data[v][i] <= 10 for i in ids)
        row += f"{mrr:9.3f} {top10:2d}/{len(ids):2d}"
    print(f"{rp:30s}{row}")
for v in vs:
    moved = [(i, data["none"][i], data[v][i]) for i in data["none"] if data["none"][i] != data[v][i]]
    print(v, " ".join(f"{i.split('__')[1]}:{a}->{b}" for i, a, b in moved))
