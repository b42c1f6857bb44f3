#!/usr/bin/env python3
"""One Claude PreToolUse hook call per text and binary (20 after 3 warm-ups, rotated), drift
log on, each binary in its own fresh git repository BASE.LABEL: wall and CPU medians.
usage: keylat.py BASE LABEL=CTX [LABEL=CTX ...]"""
import json, os, resource, statistics, subprocess, sys, time

def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * 1000
base = sys.argv[1]
bins = [a.split("=", 1) for a in sys.argv[2:]]
# One repository per binary: the compiled-anchor cache is keyed by the binary, so a shared
# one would be rebuilt at every call.
repos = {}
for label, _ in bins:
    repos[label] = f"{base}.{label}"
    subprocess.run(["rm", "-rf", repos[label]])
    subprocess.run(["git", "init", "-q", repos[label]], check=True)
texts = ["echo 'x-apx-key: abc'", "echo 'sort_key: name'", "echo step1 && git status"]
res = {}
print("load before: %.2f" % os.getloadavg()[0])
for i in range(23):
    for text in texts:
        for label, ctx in (bins[i % 2:] + bins[:i % 2]):
            repo = repos[label]
            ev = json.dumps({"session_id": "k", "cwd": repo, "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": text}})
            t, c = time.perf_counter(), cpu()
            subprocess.run([ctx, "check", "--hook", "claude"], input=ev.encode(), cwd=repo, capture_output=True)
            if i >= 3:
                res.setdefault((label, text), []).append(((time.perf_counter() - t) * 1000, cpu() - c))
for (label, text), v in sorted(res.items()):
    wall = statistics.median(w for w, _ in v)
    cpu_ms = statistics.median(c for _, c in v)
    print(f"{label:5} {text:30} wall median {wall:6.1f} ms, CPU median {cpu_ms:5.1f} ms (n={len(v)}, drift log on)")
print("load after: %.2f" % os.getloadavg()[0])
