import json, os, statistics, subprocess, sys, time
repo = sys.argv[1]
bins = [a.split("=", 1) for a in sys.argv[2:]]
texts = ["echo 'x-apx-key: abc'", "echo 'sort_key: name'", "echo step1 && git status"]
res = {}
print("load before: %.2f" % os.getloadavg()[0])
for i in range(23):
    for text in texts:
        for label, ctx in (bins[i % 2:] + bins[:i % 2]):
            ev = json.dumps({"session_id": "k", "cwd": repo, "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": text}})
            t = time.perf_counter()
            subprocess.run([ctx, "check", "--hook", "claude"], input=ev.encode(), cwd=repo, capture_output=True)
            if i >= 3:
                res.setdefault((label, text), []).append((time.perf_counter() - t) * 1000)
for (label, text), v in sorted(res.items()):
    print(f"{label:5} {text:30} median {statistics.median(v):6.1f} ms (n={len(v)}, drift log on)")
print("load after: %.2f" % os.getloadavg()[0])
