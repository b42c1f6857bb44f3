#!/usr/bin/env python3
"""Builds the second retrieval development set (see benches/evals/README.md).

Reads SWE-bench rows stored one per Markdown file (`# <instance_id>`, `**Repository**`,
`## Problem Statement`, optional `## Hints`, `## Patch` with a diff, `**Base Commit**`),
keeps the rows of the projects given, and writes score_pack.py's manifest format:
instance_id, repo, base_commit, problem_statement, gold_files (files the fix changed) and
gold_spans (per Python file, the innermost functions/classes whose lines the fix changed,
found with ast at base_commit).

Usage:
  second_set.py --rows-git DIR --rows-under evals/bench/dev --mirror-root DIR \
      --project owner/name [--project ...] > manifest.jsonl
  second_set.py --export MANIFEST --mirror-root DIR --work DIR

--export lays out each row's tree at base_commit where score_pack.py looks for it
(WORK/<owner>+<name>/<commit[:12]>), leaving out blobs the mirror lacks (snapshots hold no
file of 4 MiB or more, so `git archive`, which score_pack.py uses, fails on such trees);
the files left out are listed on stderr.
"""
import argparse, ast, json, os, re, subprocess, sys


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir", gitdir, *args], capture_output=True, check=True).stdout


def parse_row(text):
    instance = re.search(r"^# (\S+)", text, re.M).group(1)
    repo = re.search(r"^\*\*Repository\*\*: (\S+)", text, re.M).group(1)
    base = re.search(r"^\*\*Base Commit\*\*: ([0-9a-f]{40})", text, re.M).group(1)
    start = text.index("## Problem Statement\n") + len("## Problem Statement\n")
    patch_at = text.rindex("\n## Patch\n")
    end = text.rfind("\n## Hints\n", start, patch_at)
    statement = text[start : end if end >= 0 else patch_at].strip("\n")
    diff = text[patch_at:].split("```diff", 1)[1].split("\n```", 1)[0]
    return instance, repo, base, statement, diff


def changed_lines(diff):
    """{path: set of old-side line numbers the patch touches}."""
    out, path, old = {}, None, 0
    for line in diff.splitlines():
        if line.startswith("--- "):
            continue
        if line.startswith("+++ "):
            path = line[4:].strip()
            path = path[2:] if path.startswith("b/") else path
            out.setdefault(path, set())
            continue
        m = re.match(r"@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@", line)
        if m:
            old = int(m.group(1))
            continue
        if path is None or line.startswith("diff --git"):
            continue
        if line.startswith("-"):
            out[path].add(old)
            old += 1
        elif line.startswith("+"):
            out[path].add(max(old - 1, 1))  # an insertion belongs with the line before
        else:
            old += 1
    return out


def spans(source, lines):
    """Qualified names of the innermost def/class holding each line."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    def innermost(line):
        best, depth_best = None, -1
        def visit(nodes, prefix, depth):
            nonlocal best, depth_best
            for n in nodes:
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    first = min([n.lineno] + [d.lineno for d in n.decorator_list])
                    if first <= line <= n.end_lineno:
                        if depth > depth_best:
                            best, depth_best = prefix + n.name, depth
                        visit(n.body, prefix + n.name + ".", depth + 1)
        visit(tree.body, "", 0)
        return best

    names = []
    for line in sorted(lines):
        name = innermost(line)
        if name and name not in names:
            names.append(name)
    return names


def export(manifest, mirror_root, work):
    for line in open(manifest):
        row = json.loads(line)
        mirror = os.path.join(mirror_root, row["repo"].replace("/", "+"), "repo")
        dest = os.path.join(work, row["repo"].replace("/", "+"), row["base_commit"][:12])
        if os.path.isdir(dest) and os.listdir(dest):
            continue
        listing = git(mirror, "ls-tree", "-r", "-z", row["base_commit"]).decode().split("\0")
        for entry in filter(None, listing):
            meta, path = entry.split("\t", 1)
            mode, kind, sha = meta.split()
            if kind != "blob" or mode == "120000":
                continue
            try:
                data = git(mirror, "cat-file", "blob", sha)
            except subprocess.CalledProcessError:
                print(f"{row['instance_id']}: {path} not in the mirror, left out", file=sys.stderr)
                continue
            full = os.path.join(dest, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows-git", help="git dir holding the Markdown rows")
    ap.add_argument("--rows-under")
    ap.add_argument("--mirror-root", required=True)
    ap.add_argument("--project", action="append")
    ap.add_argument("--export", help="a manifest whose trees to lay out under --work")
    ap.add_argument("--work")
    a = ap.parse_args()
    if a.export:
        return export(a.export, a.mirror_root, a.work)
    names = git(a.rows_git, "ls-tree", "-r", "--name-only", "HEAD", a.rows_under).decode().split()
    for name in sorted(names):
        text = git(a.rows_git, "show", f"HEAD:{name}").decode("utf-8", "replace")
        instance, repo, base, statement, diff = parse_row(text)
        if repo not in a.project:
            continue
        mirror = os.path.join(a.mirror_root, repo.replace("/", "+"), "repo")
        touched = changed_lines(diff)
        gold_spans = {}
        for path, lines in touched.items():
            if not path.endswith(".py"):
                continue
            try:
                source = git(mirror, "show", f"{base}:{path}").decode("utf-8", "replace")
            except subprocess.CalledProcessError:
                continue  # a file the fix added
            gold_spans[path] = spans(source, lines)
        row = {"instance_id": instance, "repo": repo, "base_commit": base,
               "problem_statement": statement, "gold_files": sorted(touched),
               "gold_spans": gold_spans}
        print(json.dumps(row))


if __name__ == "__main__":
    main()
