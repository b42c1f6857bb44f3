#!/usr/bin/env python3
"""Median wall time of N fresh `ctx check --hook claude` PreToolUse calls. usage: loop.py CTX REPO N [extra args...]"""
import json, os, subprocess, sys, time, statistics
ctx, repo, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
extra = sys.argv[4:]
event = json.dumps({"session_id": "sf", "cwd": repo, "hook_event_name": "PreToolUse",
                    "tool_name": "Bash", "tool_input": {"command": "echo step1 && git status"}}).encode()
times = []
for i in range(n + 3):
    t = time.perf_counter()
    p = subprocess.run([ctx, "check", "--hook", "claude", *extra], input=event, cwd=repo,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = (time.perf_counter() - t) * 1000
    if p.returncode != 0:
        print("exit", p.returncode, p.stdout[:300], p.stderr[:300]); sys.exit(1)
    if i >= 3: times.append(dt)
times.sort()
print(f"{' '.join(extra) or '(log on)':10} n={n} median {statistics.median(times):.2f} ms  p90 {times[int(n*0.9)]:.2f}  min {times[0]:.2f}  load {os.getloadavg()[0]:.2f}")
