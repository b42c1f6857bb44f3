#!/usr/bin/env python3
"""ctx's own time per hook call, per event, each call a fresh process.

usage: events.py N EVENTS_DIR LABEL=CTX [LABEL=CTX ...]

EVENTS_DIR holds `<agent>.<Event>.json` (real payloads from the agents harness's hooklog,
cwd pointing at a copy of the harness repo). Each binary works on its own copy of those
repos (`<repo>.<LABEL>`, made fresh here): the compiled-anchor cache is keyed by the binary,
so two binaries sharing a repo would rebuild it on every call. Every round runs every event
once with every binary, in a rotating order, so load changes hit all of them alike. Prints per binary and
event: median wall ms, p90 wall, median CPU ms (user+sys of the child, from RUSAGE_CHILDREN), and the
1-minute load before and after. 3 warm-up rounds are not counted.
"""
import glob, json, os, shutil, statistics, subprocess, sys, time

n, events_dir = int(sys.argv[1]), sys.argv[2]
bins = [a.split("=", 1) for a in sys.argv[3:]]
events = []
for f in sorted(glob.glob(os.path.join(events_dir, "*.json"))):
    agent, name = os.path.basename(f)[:-5].split(".", 1)
    body = open(f, "rb").read()
    cwd = json.loads(body)["cwd"]
    events.append((agent, name, body, cwd))
repos = {cwd for _, _, _, cwd in events}
for label, _ in bins:
    for repo in repos:
        shutil.rmtree(f"{repo}.{label}", ignore_errors=True)
        shutil.copytree(repo, f"{repo}.{label}", symlinks=True)

def for_label(label, body, cwd):
    """The event as sent to the binary `label`: its own copy of the repo."""
    return body.replace(cwd.encode(), f"{cwd}.{label}".encode()), f"{cwd}.{label}"

def run(ctx, agent, body, cwd):
    t = time.perf_counter()
    p = subprocess.Popen([ctx, "check", "--hook", agent], cwd=cwd, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(body)
    dt = (time.perf_counter() - t) * 1000
    return dt, out, err, p.returncode

# communicate() reaps the child, so take CPU from RUSAGE_CHILDREN deltas instead.
import resource
def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * 1000

wall = {(l, a, e): [] for l, _ in bins for a, e, _, _ in events}
cpu = {k: [] for k in wall}
outs = {}
load0 = os.getloadavg()
for i in range(n + 3):
    order = bins[i % len(bins):] + bins[:i % len(bins)]
    for agent, name, body, cwd in events:
        for label, ctx in order:
            c0 = cpu_children()
            dt, out, err, rc = run(ctx, agent, *for_label(label, body, cwd))
            dc = cpu_children() - c0
            if rc != 0:
                sys.exit(f"{label} {agent} {name}: exit {rc}: {err[:300]!r}")
            outs.setdefault((label, agent, name), (out.replace(f"{cwd}.{label}".encode(), cwd.encode()), err))
            if i >= 3:
                wall[(label, agent, name)].append(dt)
                cpu[(label, agent, name)].append(dc)
load1 = os.getloadavg()
print(f"n={n} per cell; load(1m,5m,15m) before {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, after {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}; {os.cpu_count()} cpus")
print(f"{'binary':10} {'agent':7} {'event':17} {'wall_med':>8} {'wall_p90':>8} {'cpu_med':>8}  answer")
for label, _ in bins:
    for agent, name, _, _ in events:
        w = sorted(wall[(label, agent, name)]); c = cpu[(label, agent, name)]
        out, err = outs[(label, agent, name)]
        ans = (out.strip()[:40] or b"(silent)").decode(errors="replace")
        print(f"{label:10} {agent:7} {name:17} {statistics.median(w):8.2f} {w[int(len(w)*0.9)-1]:8.2f} {statistics.median(c):8.2f}  {ans}")
# Same answers across binaries (first call of each)
for agent, name, _, _ in events:
    answers = {outs[(l, agent, name)] for l, _ in bins}
    if len(answers) > 1:
        print(f"ANSWERS DIFFER: {agent} {name}")
