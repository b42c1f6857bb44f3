#!/usr/bin/env python3
"""Builds the held-out secret corpus for `cargo bench --bench secret_recall`.

ctx's secret rules (engine/src/secrets/rules.toml) were written from gitleaks' rule set.
This corpus comes from the test fixtures of two other scanners, which ctx's rules were not
written from, so it measures how ctx does on secrets it was not tuned to:

- trufflehog's detector pattern tests (pkg/detectors/**/*_test.go, integration tests
  excluded): every test case with an `input` and a `want: []string{...}` list whose name
  does not say invalid/false/negative; each wanted string that occurs verbatim in the input
  is a secret of the case (cases where none does are counted as unscorable and left out).
- detect-secrets' plugin tests (tests/plugins/*_test.py): every parametrized payload the
  test expects to be flagged (`should_flag` true, or a list of lines every one of which
  must be found); the secret is the payload's longest token the detector would report
  (its value after `=`/`:` when there is one, else the whole payload).

Neither repository is vendored: its content stays out of ctx's commits. Check both out
and run

    python3 scripts/heldout_secrets.py TRUFFLEHOG_DIR DETECT_SECRETS_DIR > corpus.jsonl

The output is JSON Lines, one case per line:
`{"source", "commit", "file", "case", "input", "secrets": [..]}`.
"""

import ast
import json
import os
import re
import subprocess
import sys


def git_head(repo):
    try:
        return subprocess.run(
            ["git", "-C", repo, "rev-parse", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get("HELDOUT_COMMIT", "unknown")


# ---- Go: string literals, package-level values, test cases ---------------------------

GO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'", "0": "\0"}


def go_string(src, i):
    """The Go string literal starting at src[i] and the index after it, or None."""
    if src[i] == "`":
        end = src.index("`", i + 1)
        return src[i + 1:end], end + 1
    if src[i] != '"':
        return None
    out, j = [], i + 1
    while j < len(src):
        c = src[j]
        if c == "\\":
            nxt = src[j + 1]
            if nxt in GO_ESCAPES:
                out.append(GO_ESCAPES[nxt])
                j += 2
            elif nxt in "xu":
                width = 2 if nxt == "x" else 4
                out.append(chr(int(src[j + 2:j + 2 + width], 16)))
                j += 2 + width
            else:
                out.append(nxt)
                j += 2
            continue
        if c == '"':
            return "".join(out), j + 1
        if c == "\n":
            return None
        out.append(c)
        j += 1
    return None


IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def go_expr(src, i, values):
    """A string expression (literals, known identifiers, `+`) at src[i]: its value and the
    index after it, or None when it is anything else."""
    parts = []
    while True:
        while i < len(src) and src[i] in " \t\n":
            i += 1
        if i >= len(src):
            return None
        lit = go_string(src, i) if src[i] in "`\"" else None
        if lit:
            parts.append(lit[0])
            i = lit[1]
        else:
            m = IDENT.match(src, i)
            if not m or m.group(0) not in values:
                return None
            parts.append(values[m.group(0)])
            i = m.end()
        j = i
        while j < len(src) and src[j] in " \t":
            j += 1
        if j < len(src) and src[j] == "+":
            i = j + 1
            continue
        return "".join(parts), i


DECL = re.compile(r"^\s*(?:var\s+|const\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?::?=)\s*", re.M)


def go_values(src):
    """Package-level `name = string expression` declarations, resolved in order."""
    values = {}
    for _ in range(3):
        for m in DECL.finditer(src):
            got = go_expr(src, m.end(), values)
            if got is not None:
                values.setdefault(m.group(1), got[0])
    return values


CASE_FIELD = re.compile(r"\b(name|input|want)\s*:\s*")
NEGATIVE = re.compile(r"invalid|false|negative|not |no match|without|empty|ignore", re.I)


def trufflehog_cases(path, src):
    values = go_values(src)
    cases, current = [], {}
    for m in CASE_FIELD.finditer(src):
        field, at = m.group(1), m.end()
        if field == "name":
            if current:
                cases.append(current)
            got = go_string(src, at) if at < len(src) and src[at] in "`\"" else None
            current = {"name": got[0] if got else ""}
        elif field == "input":
            got = go_expr(src, at, values)
            current["input"] = got[0] if got else None
        elif field == "want":
            if not src.startswith("[]string{", at):
                current["want"] = None
                continue
            i, wants = at + len("[]string{"), []
            while True:
                while src[i] in " \t\n,":
                    i += 1
                if src[i] == "}":
                    break
                got = go_expr(src, i, values)
                if got is None:
                    wants = None
                    break
                wants.append(got[0])
                i = got[1]
            current["want"] = wants
    if current:
        cases.append(current)
    return cases


def trufflehog(root, commit):
    kept = unscorable = 0
    base = os.path.join(root, "pkg", "detectors")
    for dirpath, _, names in sorted(os.walk(base)):
        for name in sorted(names):
            if not name.endswith("_test.go") or "integration" in name:
                continue
            path = os.path.join(dirpath, name)
            src = open(path, encoding="utf-8", errors="replace").read()
            if "_integration" in src[:200] or "//go:build detectors" in src[:200]:
                continue
            for case in trufflehog_cases(path, src):
                text, wants = case.get("input"), case.get("want")
                if not text or not wants or NEGATIVE.search(case["name"]):
                    continue
                secrets = sorted({w for w in wants if len(w) >= 8 and w in text})
                if not secrets:
                    unscorable += 1
                    continue
                kept += 1
                yield {
                    "source": "trufflesecurity/trufflehog",
                    "commit": commit,
                    "file": os.path.relpath(path, root),
                    "case": case["name"],
                    "input": text,
                    "secrets": secrets,
                }
    print(f"trufflehog: {kept} cases, {unscorable} unscorable", file=sys.stderr)


# ---- Python: detect-secrets' parametrized plugin tests --------------------------------

VALUE = re.compile(r"""[=:]\s*['"]?([^'"\s,;]+)""")


def payload_secret(payload):
    """The part of a flagged payload a detector reports: the value after `=`/`:` when the
    payload is an assignment, else the longest whitespace-free token."""
    m = None
    for m in VALUE.finditer(payload):
        pass
    tokens = re.findall(r"[^\s'\"]+", payload)
    candidates = ([m.group(1)] if m else []) + tokens
    candidates = [c for c in candidates if len(c) >= 8]
    return candidates[0] if candidates else None


def detect_secrets(root, commit):
    kept = 0
    base = os.path.join(root, "tests", "plugins")
    for name in sorted(os.listdir(base)):
        if not name.endswith("_test.py"):
            continue
        path = os.path.join(base, name)
        tree = ast.parse(open(path, encoding="utf-8").read())
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "parametrize"):
                continue
            if len(node.args) < 2 or not isinstance(node.args[0], ast.Constant):
                continue
            names = [n.strip() for n in str(node.args[0].value).split(",")]
            try:
                rows = ast.literal_eval(node.args[1])
            except ValueError:
                continue
            for n, row in enumerate(rows):
                row = row if isinstance(row, tuple) else (row,)
                fields = dict(zip(names, row))
                flag = fields.get("should_flag", fields.get("expected", True))
                payload = next(
                    (v for k, v in fields.items()
                     if k in ("payload", "line", "token", "secret", "content") and isinstance(v, str)),
                    None,
                )
                if payload is None or flag is not True:
                    continue
                secret = payload_secret(payload)
                if not secret:
                    continue
                kept += 1
                yield {
                    "source": "Yelp/detect-secrets",
                    "commit": commit,
                    "file": os.path.relpath(path, root),
                    "case": f"{name}:{node.lineno}:{n}",
                    "input": payload,
                    "secrets": [secret],
                }
    print(f"detect-secrets: {kept} cases", file=sys.stderr)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    th, ds = sys.argv[1], sys.argv[2]
    for case in trufflehog(th, git_head(th)):
        print(json.dumps(case))
    for case in detect_secrets(ds, git_head(ds)):
        print(json.dumps(case))


if __name__ == "__main__":
    main()
