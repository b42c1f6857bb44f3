#!/usr/bin/env python3
"""Each benign action once per round through each binary, log on and off. usage: corpus.py ROUNDS BIN..."""
import json, os, subprocess, sys, time, statistics
rounds = int(sys.argv[1]); bins = sys.argv[2:]
repo = os.environ.get("REPO", "/tmp/sf/repo")
events = []
for line in open("/work/shared/evals/drift/corpus/benign-actions.jsonl"):
    e = json.loads(line)["event"]; e["cwd"] = repo; e["session_id"] = "sf"
    events.append(json.dumps(e).encode())
res = {}
for r in range(rounds):
    for b in bins:
        for extra in ([], ["--no-log"]):
            key = (b, " ".join(extra) or "log on")
            for ev in events:
                t = time.perf_counter()
                subprocess.run([b, "check", "--hook", "claude", *extra], input=ev, cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                res.setdefault(key, []).append((time.perf_counter() - t) * 1000)
for (b, mode), t in res.items():
    t.sort(); n = len(t)
    print(f"{os.path.basename(b):12} {mode:8} n={n} median {statistics.median(t):6.2f} ms p90 {t[int(n*.9)]:6.2f} p99 {t[int(n*.99)]:6.2f} max {t[-1]:6.2f}")
print(f"load {os.getloadavg()}")
