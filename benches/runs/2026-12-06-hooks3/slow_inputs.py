#!/usr/bin/env python3
"""Wall time of one hook call per fuzzed 15 KB shell input of issue 12
(tests/fixtures/fuzz/shell-slow-*.bin, decoded as the fuzz harness does: UTF-8, lossy), sent
as a Claude Code PreToolUse Bash event to `ctx check --hook claude --no-log` in an empty git
repository, per binary. usage (from the repository root): slow_inputs.py LABEL=CTX..."""
import glob, json, os, subprocess, sys, tempfile, time

repo = tempfile.mkdtemp()
subprocess.run(["git", "init", "-q", repo], check=True)
print("load: %.2f %.2f %.2f" % os.getloadavg())
for label, ctx in (a.split("=", 1) for a in sys.argv[1:]):
    for path in sorted(glob.glob("tests/fixtures/fuzz/shell-slow-*.bin")):
        command = open(path, "rb").read().decode("utf-8", "replace")
        event = json.dumps({"session_id": "s", "cwd": repo, "hook_event_name": "PreToolUse",
                            "tool_name": "Bash", "tool_input": {"command": command}})
        t = time.perf_counter()
        p = subprocess.run([ctx, "check", "--hook", "claude", "--no-log"], input=event.encode(),
                           cwd=repo, capture_output=True)
        ms = (time.perf_counter() - t) * 1000
        answer = p.stdout.decode(errors="replace").strip()[:60] or "(silent: allow)"
        print(f"{label:6} {os.path.basename(path):18} {ms:8.1f} ms  exit {p.returncode}  {answer}")
print("load: %.2f %.2f %.2f" % os.getloadavg())
