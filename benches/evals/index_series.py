#!/usr/bin/env python3
"""Indexes every checkout of a score_pack.py manifest, each seeded with the index of the
previous checkout of the same repository (its `.ctx` copied in, then `ctx index
--embeddings .`: embeddings are opt-in since issue 13).

The incremental indexer re-chunks only files whose content changed and reuses the
embedding of every chunk whose text is unchanged (vectors are keyed by content), so the
result holds the chunks and vectors a fresh `ctx index .` would build, while the model
runs only on what differs between commits. BM25 scores differ slightly from a fresh
index's (tantivy keeps deleted documents in its statistics until segments merge): compare
hybrid and lexical packs on the same seeded indexes. This makes hybrid (embedding) runs over many commits of one
project affordable on a shared two-core machine; score_pack.py then finds each `.ctx`
in place and only packs.

Usage: index_series.py --manifest M --source-work LEXICAL_WORK --work WORK --ctx BIN
  --source-work: a score_pack.py work directory whose trees are copied (without .ctx).
Prints per checkout: seconds, chunks embedded, chunks reused; and the totals.
"""
import argparse, json, os, shutil, subprocess, sys, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--source-work", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--ctx", required=True)
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.manifest) if l.strip()]
    previous = {}
    total_s, total_embedded, total_reused = 0.0, 0, 0
    for r in rows:
        name = r["repo"].replace("/", "+")
        src = os.path.join(a.source_work, name, r["base_commit"][:12])
        dest = os.path.join(a.work, name, r["base_commit"][:12])
        if not os.path.isdir(dest):
            shutil.copytree(src, dest, symlinks=True, ignore=shutil.ignore_patterns(".ctx"))
        if not os.path.isdir(os.path.join(dest, ".ctx")) and name in previous:
            shutil.copytree(os.path.join(previous[name], ".ctx"), os.path.join(dest, ".ctx"))
            lock = os.path.join(dest, ".ctx", "lock")
            if os.path.exists(lock):
                os.remove(lock)
        started = time.time()
        p = subprocess.run([os.path.abspath(a.ctx), "--json", "index", "--embeddings", "."], cwd=dest,
                           capture_output=True, text=True)
        elapsed = time.time() - started
        if p.returncode != 0:
            sys.exit(f"{r['instance_id']}: ctx index failed: {p.stderr[-800:]}")
        summary = json.loads(p.stdout.strip().splitlines()[-1])
        summary = summary.get("data", summary)
        embedded, reused = summary.get("embedded", 0), summary.get("reused_embeddings", 0)
        total_s += elapsed
        total_embedded += embedded
        total_reused += reused
        print(f"{r['instance_id']:40s} {elapsed:7.1f} s  embedded {embedded:6d}  reused {reused:6d}", flush=True)
        previous[name] = dest
    print(f"total {total_s:.1f} s, embedded {total_embedded}, reused {total_reused}")


if __name__ == "__main__":
    main()
