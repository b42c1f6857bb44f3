#!/usr/bin/env python3
"""Runs ctx's hooks inside the real Claude Code, Codex CLI and Gemini CLI against a scripted
fake model server, and checks each case from its side effects and from the requests the agent
sent to the model. Called by ../run.sh; see ../README.md for what each case checks.

Usage: eval_agents.py --ctx CTX_BIN --prefix NPM_PREFIX --work DIR [--agents claude,codex,gemini]
                      [--overhead-runs N]
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVER = HERE.parent / "fake_model_server.py"
SHIM = HERE / "ctx-shim.sh"
MULTI = HERE / "claude_multi.py"

ANCHORS = "Project rules (ctx anchors"
REMINDER = "Project rules for what you just touched"
DIGEST_CHARS = 1500 * 3  # [check] digest_tokens default, at ctx's 3 characters a token
RULES = """# Agent rules

- NEVER run `terraform destroy`.
- Never use the real database in tests; use the in-memory fake.
- Never import `psycopg2` in `tests/`; tests use the in-memory fake database.
"""
TEST_DB = ("import psycopg2\n\n\ndef test_users():\n"
           "    conn = psycopg2.connect('host=prod-db.internal dbname=app')\n    assert conn\n")
SESSION_TIMEOUT = 150
# environment variables of the calling session that must not reach the agents
SCRUB = ("ANTHROPIC_", "CLAUDE", "OPENAI_", "CODEX_", "GEMINI_", "GOOGLE_", "VERTEX", "AWS_",
         "AZURE_", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY")


def sh(args, cwd=None, env=None, check=True, timeout=120):
    r = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{args} failed ({r.returncode}): {r.stderr[-2000:]}")
    return r


def run_bounded(argv, cwd, env, timeout, stdout_path, stdin_data=None):
    """Runs one agent session in its own process group; kills that group on time-out."""
    t0 = time.monotonic()
    with open(stdout_path, "w") as out, open(str(stdout_path) + ".err", "w") as err:
        p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err,
                             stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                             start_new_session=True, text=True)
        try:
            p.communicate(stdin_data, timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)  # the group this call started
            p.wait()
            rc = 124
    return rc, time.monotonic() - t0


# ------------------------------------------------------------------ request-log helpers


def api_of(entry):
    p = entry.get("path", "")
    if "/v1/messages" in p:
        return "anthropic"
    if p.endswith("/responses"):
        return "responses"
    if "GenerateContent" in p:
        return "gemini"
    return None


def messages(entry):
    """The conversation of a logged request as a list of JSON strings, one per message."""
    b = entry.get("body") or {}
    api = api_of(entry)
    if api == "anthropic":
        return [json.dumps(m, ensure_ascii=False) for m in b.get("messages", [])]
    if api == "responses":
        return [json.dumps(m, ensure_ascii=False) for m in b.get("input", [])]
    if api == "gemini":
        return [json.dumps(m, ensure_ascii=False) for m in b.get("contents", [])]
    return []


def tool_results(entry):
    """The text of every tool result in a request (what the model is told a tool returned)."""
    b = entry.get("body") or {}
    out = []
    api = api_of(entry)
    if api == "anthropic":
        for m in b.get("messages", []):
            if isinstance(m.get("content"), list):
                for blk in m["content"]:
                    if isinstance(blk, dict) and blk.get("type") == "tool_result":
                        out.append(json.dumps(blk.get("content"), ensure_ascii=False))
    elif api == "responses":
        for it in b.get("input", []):
            if it.get("type") in ("function_call_output", "custom_tool_call_output"):
                out.append(json.dumps(it.get("output"), ensure_ascii=False))
    elif api == "gemini":
        for c in b.get("contents", []):
            for part in c.get("parts", []):
                if isinstance(part, dict) and "functionResponse" in part:
                    out.append(json.dumps(part["functionResponse"].get("response"), ensure_ascii=False))
    return out


def main_requests(entries, tag):
    return [e for e in entries if isinstance(e.get("answer"), dict)
            and str(e["answer"].get("kind", "")).startswith(f"main case={tag} ")]


def unescape(s):
    return s.replace('\\"', '"').replace("\\n", "\n")


NULL_HOOK_C = """#include <unistd.h>
/* A hook that reads the agent's JSON and answers nothing (allow): the agent's own cost of
   running a hook, for the overhead measure. */
int main(void) { char b[65536]; while (read(0, b, sizeof b) > 0) {} return 0; }
"""


def null_hook(where):
    """A compiled do-nothing hook program in `where` (None without a C compiler)."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        return None
    src, exe = Path(where) / "nullhook.c", Path(where) / "nullhook"
    src.write_text(NULL_HOOK_C)
    r = subprocess.run([cc, "-O2", "-o", str(exe), str(src)], capture_output=True, text=True)
    return exe if r.returncode == 0 else None


def excerpt(text, needle, width=160):
    i = text.find(needle)
    if i < 0:
        return ""
    return text[max(0, i - 20): i + width].replace("\n", " ")


# ------------------------------------------------------------------ per-agent drivers


class Agent:
    name = "?"
    instruction_file = None  # the agent's own instructions file, importing AGENTS.md
    needs_trust = False
    extra_required = []  # cases only this agent has

    def __init__(self, ctx, prefix, work):
        self.ctx = ctx
        # What `ctx hook install` makes the hook commands call: the hook binary beside ctx
        # when it was built (`ctx-hook`, the same answers with less to load), else ctx.
        beside = Path(os.path.realpath(ctx)).with_name("ctx-hook")
        self.hook_bin = str(beside) if beside.is_file() else ctx
        self.prefix = Path(prefix)
        self.dir = Path(work) / self.name
        self.repo = self.dir / "repo"
        self.home = self.dir / "home"
        self.bin = self.dir / "bin"          # fakes + the recording ctx shim
        self.bin_fast = self.dir / "bin-fast"  # fakes + ctx itself (for timings)
        self.bin_noctx = self.dir / "bin-noctx"  # fakes only: the hook command finds no ctx
        self.markers = self.dir / "markers"
        self.hooklog = self.dir / "hooklog"
        self.out = self.dir / "sessions"
        self.log = self.dir / "requests.jsonl"
        self.script = self.dir / "script.json"
        self.port = None
        self.server = None
        self.results = {}
        self.notes = []
        self.version = "?"
        self.extra_flags = []

    # --- setup
    def setup(self):
        if self.dir.exists():
            shutil.rmtree(self.dir)
        for d in (self.repo, self.home, self.bin, self.bin_fast, self.bin_noctx, self.markers,
                  self.hooklog, self.out):
            d.mkdir(parents=True)
        for b in (self.bin, self.bin_fast, self.bin_noctx):
            for prog in ("terraform", "make"):
                t = b / prog
                t.write_text("#!/bin/sh\n"
                             f"echo \"{prog} $*\" >> '{self.markers}/{prog}-ran'\n"
                             f"echo \"fake {prog}: pretended to run: {prog} $*\"\n")
                t.chmod(0o755)
        (self.bin / "ctx").symlink_to(SHIM)
        (self.bin_fast / "ctx").symlink_to(self.ctx)
        sh(["git", "init", "-q", "--bare", str(self.dir / "remote.git")])
        r = self.repo
        sh(["git", "init", "-q", "-b", "main", str(r)])
        for k, v in (("user.email", "eval@example.invalid"), ("user.name", "eval")):
            sh(["git", "config", k, v], cwd=r)
        (r / "AGENTS.md").write_text(RULES)
        if self.instruction_file:
            (r / self.instruction_file[0]).write_text(self.instruction_file[1])
        (r / "app.py").write_text("print('hi')\n")
        (r / "tests").mkdir()
        (r / "tests" / "test_users.py").write_text("def test_users(fake_db):\n    assert fake_db.users() == []\n")
        sh(["git", "add", "-A"], cwd=r)
        sh(["git", "commit", "-qm", "init"], cwd=r)
        sh(["git", "remote", "add", "origin", "../remote.git"], cwd=r)
        sh(["git", "push", "-q", "origin", "main"], cwd=r)
        self.remote_main = sh(["git", "rev-parse", "HEAD"], cwd=r).stdout.strip()
        (r / "app.py").write_text("print('hi')\nprint('local only')\n")
        sh(["git", "commit", "-qam", "local only, never pushed"], cwd=r)
        idx = sh([self.ctx, "index", "."], cwd=r, env=self.base_env(), check=False, timeout=300)
        self.notes.append("ctx index: " + (idx.stdout.strip().splitlines() or ["?"])[-1])
        # a pinned warn-only rule, to see the warn answer travel through each agent
        sh([self.ctx, "anchors", "add", "Avoid running make deploy from an agent session; ask a human",
            "--severity", "warn", "--forbid-command", "make deploy"], cwd=r, env=self.base_env())
        self.write_script()
        self.start_server()
        self.configure()

    def write_script(self):
        shell = lambda c, **kw: dict({"shell": c}, **kw)  # noqa: E731
        cases = {
            "deny": [shell("terraform destroy -auto-approve")],
            "ls": [shell("ls")],
            "jit": [shell("cat tests/test_users.py")],
            "force": [shell("git push --force origin main")],
            "reset": [shell("git reset --hard")],
            "warn": [shell("make deploy")],
            "write": [{"write": {"path": str(self.repo / "tests" / "test_db.py"),
                                 "rel": "tests/test_db.py", "content": TEST_DB}}],
            "compact": [shell("ls", usage=150000), shell("echo after-compaction")],
            "many": [shell(f"echo step{i}") for i in range(8)],
            # Codex only: open an interactive shell, then type the command into it
            # a sub-agent; its own first request is scripted by `subinner`
            "sub": [{"agent": "[case:subinner.sa] list the tests folder"}],
            "subinner": [shell("ls tests")],
            "stdin": [shell("bash --norc --noprofile", tty=True),
                      {"stdin": "terraform destroy -auto-approve\n"}, {"stdin": "exit\n"}],
        }
        self.script.write_text(json.dumps({"cases": cases, "usage_input_tokens": 1000}, indent=1))

    def start_server(self):
        pf = self.dir / "port"
        self.server = subprocess.Popen(
            [sys.executable, str(SERVER), "--script", str(self.script), "--log", str(self.log),
             "--port-file", str(pf), "--max-seconds", "3000", "--max-requests", "600"],
            stdout=subprocess.DEVNULL, stderr=open(self.dir / "server.err", "w"))
        for _ in range(100):
            if pf.exists():
                break
            time.sleep(0.1)
        self.port = int(pf.read_text())

    def stop_server(self):
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(5)
            except subprocess.TimeoutExpired:
                self.server.kill()

    def base_env(self, fast=False):
        env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUB)}
        rest = [d for d in os.environ.get("PATH", "").split(":") if d and not os.access(os.path.join(d, "ctx"), os.X_OK)]
        first = {False: self.bin, True: self.bin_fast, "noctx": self.bin_noctx}[fast]
        env.update(HOME=str(self.home), CTX_REAL=self.ctx, CTX_HOOK_REAL=self.hook_bin, CTX_HOOK_LOG=str(self.hooklog),
                   CTX_BIN=self.ctx, NO_COLOR="1", PATH=":".join([str(first)] + rest))
        env.pop("XDG_CONFIG_HOME", None)
        return env

    def install_hooks(self):
        r = sh([self.ctx, "hook", "install", self.name], cwd=self.repo, env=self.base_env())
        # The installed commands call ctx by absolute path; point them at the recording shim.
        cfg = self.config_path()
        if cfg.exists():
            text = cfg.read_text()
            for called in {str(self.ctx), os.path.realpath(self.ctx), self.hook_bin}:
                text = text.replace("'" + called + "'", "'" + str(self.bin / "ctx") + "'")
            cfg.write_text(text)
        if not any(n.startswith("ctx hook") for n in self.notes):
            self.notes.append(r.stdout.strip())

    def uninstall_hooks(self):
        sh([self.ctx, "hook", "uninstall", self.name], cwd=self.repo, env=self.base_env())

    # --- sessions
    def log_lines(self):
        if not self.log.exists():
            return 0
        with open(self.log) as f:
            return sum(1 for _ in f)

    def entries_since(self, n):
        with open(self.log) as f:
            lines = f.readlines()[n:]
        return [json.loads(line) for line in lines]

    def hooks_since(self, before):
        calls = []
        for p in sorted(self.hooklog.glob("*.in")):
            if p.name in before:
                continue
            try:
                inp = json.loads(p.read_text() or "{}")
            except ValueError:
                inp = {"_raw": p.read_text()[:200]}
            meta = p.with_suffix(".meta").read_text().splitlines() if p.with_suffix(".meta").exists() else []
            ms = next((int(m[3:]) for m in meta if m.startswith("ms=")), None)
            calls.append({"event": inp.get("hook_event_name"), "source": inp.get("source"),
                          "tool": inp.get("tool_name"), "input": inp,
                          "out": p.with_suffix(".out").read_text() if p.with_suffix(".out").exists() else "",
                          "ms": ms})
        return calls

    def session(self, label, prompts, fast=False, **kw):
        """Runs prompts (one session), returns (rc, seconds, new requests, hook calls)."""
        for m in self.markers.iterdir():
            m.unlink()
        n0 = self.log_lines()
        h0 = {p.name for p in self.hooklog.glob("*.in")}
        rc, secs = self.run_prompts(label, prompts, fast=fast, **kw)
        time.sleep(0.2)
        return {"rc": rc, "secs": secs, "reqs": self.entries_since(n0), "hooks": self.hooks_since(h0),
                "marker": (self.markers / "terraform-ran").exists(), "label": label}

    # --- verdict helpers
    def record(self, case, ok, evidence):
        if ok is None:
            status = "SKIP"
        else:
            status = "PASS" if ok else "FAIL"
        self.results[case] = {"status": status, "evidence": evidence}

    def denied_case(self, case, tag, s, reason_needle, side_effect_ok, side_effect_text):
        reqs = main_requests(s["reqs"], tag)
        results = [t for e in reqs for t in tool_results(e)]
        reached = [t for t in results if "ctx deny" in t and reason_needle in unescape(t)]
        hook_deny = [h for h in s["hooks"] if '"deny"' in h["out"]]
        ev = {
            "side_effect": side_effect_text,
            "hook_answer": hook_deny[0]["out"][:400] if hook_deny else "(no deny answer from ctx)",
            "reason_in_next_request": excerpt(unescape(reached[0]), "ctx deny", 220) if reached else "(not found)",
            "rc": s["rc"],
        }
        self.record(case, bool(side_effect_ok and reached and hook_deny), ev)

    # --- the cases
    def run_cases(self, overhead_runs):
        # control: no hooks installed; the fake terraform must run (proves the fakes are on
        # the agent's PATH and that the later denial is ctx's doing)
        s = self.session("control", ["[case:deny.control] please clean up the infrastructure"],
                         trusted=False)
        self.record("control", s["marker"], {"terraform marker without hooks": s["marker"], "rc": s["rc"]})
        self.install_hooks()
        self.config_text = self.config_path().read_text()
        self.check_config()
        before = self.status()
        if self.needs_trust:
            s = self.session("untrusted", ["[case:deny.untrusted] please clean up the infrastructure"],
                             trusted=False)
            ran = len(s["hooks"])
            self.results["setup"] = {
                "status": "INFO",
                "evidence": {"hook calls right after `ctx hook install` (no trust given)": ran,
                             "terraform ran": s["marker"]}}
            self.trust()
        else:
            self.results["setup"] = {"status": "INFO", "evidence": {"hooks need trust": "no (-p mode)"}}
        self.case_trust(before, self.status())

        # a. terraform destroy is denied, not executed, and the reason reaches the model
        s = self.session("a", ["[case:deny.a] please clean up the infrastructure"])
        self.denied_case("a", "deny.a", s, "terraform destroy", not s["marker"],
                         "terraform marker " + ("PRESENT (it ran)" if s["marker"] else "absent"))
        self.case_d1(s)

        # b. ls runs and is not blocked
        s = ls_session = self.session("b", ["[case:ls.b] list the files"])
        reqs = main_requests(s["reqs"], "ls.b")
        res = [t for e in reqs for t in tool_results(e)]
        listed = [t for t in res if "AGENTS.md" in t and "app.py" in t]
        pre = [h for h in s["hooks"] if h["tool"]]
        self.record("b", bool(listed) and bool(pre) and not any('"deny"' in h["out"] for h in pre), {
            "tool_result": excerpt(unescape(listed[0]), "AGENTS.md", 80) if listed else "(no listing)",
            "pre_tool_hook": f"{pre[0]['event']} answered {pre[0]['out'].strip() or '(nothing = allow)'}" if pre else "(hook not called)"})

        # c. built-in anchor: force-push to main (a local bare remote; would move its main)
        sh(["git", "update-ref", "refs/heads/main", self.remote_main], cwd=self.dir / "remote.git")
        s = self.session("c", ["[case:force.c] publish my branch"])
        now = sh(["git", "rev-parse", "refs/heads/main"], cwd=self.dir / "remote.git").stdout.strip()
        self.denied_case("c", "force.c", s, "force-push", now == self.remote_main,
                         "remote main " + ("unchanged" if now == self.remote_main else "MOVED (force push ran)"))

        # c2. built-in anchor: git reset --hard with uncommitted work
        app = self.repo / "app.py"
        before = app.read_text()
        app.write_text(before + "# uncommitted work\n")
        s = self.session("c2", ["[case:reset.c2] start over"])
        kept = "# uncommitted work" in app.read_text()
        app.write_text(before)
        self.denied_case("c2", "reset.c2", s, "discard uncommitted work", kept,
                         "uncommitted edit " + ("kept" if kept else "LOST (reset ran)"))

        # w. a warn-only rule: the command runs and the warning reaches the model
        s = self.session("w", ["[case:warn.w] deploy it"])
        ran = (self.markers / "make-ran").exists()
        reqs = main_requests(s["reqs"], "warn.w")
        later = [json.dumps(e.get("body", {}), ensure_ascii=False) for e in reqs[1:]]
        seen = [b for b in later if "ctx warn" in unescape(b)]
        hw = [h for h in s["hooks"] if h["tool"]]
        self.record("w", ran and bool(seen), {
            "make ran": ran,
            "hook_answer": hw[0]["out"].strip()[:300] if hw else "(hook not called)",
            "warning in next request": excerpt(unescape(seen[0]), "ctx warn", 200) if seen else "(not found)",
            "post-tool reminder in next request": next((excerpt(unescape(b), REMINDER, 240) for b in later if REMINDER in unescape(b)), "(not found)"),
            "agent stderr about hooks": self.hook_errors("w")})

        # sa (info). a sub-agent: does its own first request carry ctx's anchors digest?
        s = self.session("sa", ["[case:sub.sa] delegate a look at the tests"])
        inner = main_requests(s["reqs"], "subinner.sa")
        first = json.dumps(inner[0].get("body", {}), ensure_ascii=False) if inner else ""
        outer = main_requests(s["reqs"], "sub.sa")
        self.results["subagent"] = {"status": "INFO", "evidence": {
            "parent requests": len(outer),
            "sub-agent requests": len(inner),
            "parent's answers": [str(e["answer"].get("kind")) for e in outer][:3],
            "anchors digest in the sub-agent's first request": (ANCHORS in unescape(first)) if inner else "(no sub-agent request)",
            "excerpt": excerpt(unescape(first), ANCHORS, 200) if inner else "",
            "agent stderr about hooks": self.hook_errors("sa")}}

        # e. a file write that breaks a compiled rule
        s = self.session("e", ["[case:write.e] add a database test"])
        f = self.repo / "tests" / "test_db.py"
        self.denied_case("e", "write.e", s, "psycopg2", not f.exists(),
                         "tests/test_db.py " + ("WRITTEN" if f.exists() else "not written"))
        if f.exists():
            f.unlink()

        self.case_missing_ctx()
        self.case_jit(ls_session)

        self.extra_info_cases()
        self.case_d2()
        self.case_d3()
        if overhead_runs:
            self.overhead(overhead_runs)

    def extra_info_cases(self):
        pass

    def status(self):
        """This agent's project row of `ctx hook status --json`."""
        r = sh([self.ctx, "hook", "status", "--json"], cwd=self.repo, env=self.base_env(), check=False)
        for line in r.stdout.splitlines():
            rec = json.loads(line)
            d = rec.get("data", {})
            if rec.get("type") == "hook" and d.get("target") == self.name and d.get("scope") == "project":
                return d
        return {}

    def case_trust(self, before, after):
        """`ctx hook status` reports the hooks installed, their ctx running, and the agent's own
        trust record: untrusted right after install, trusted after the agent's trust step
        (Codex, Gemini CLI); Claude Code's -p mode needs no trust, so its state is reported."""
        state = lambda d: (d.get("trust") or {}).get("state")  # noqa: E731
        runs = bool(after.get("ctx")) and all(c.get("runs") for c in after["ctx"])
        ok = runs and not after.get("missing")
        if self.needs_trust:
            ok = ok and state(before) != "trusted" and state(after) == "trusted"
        self.record("trust", ok, {"before trust": state(before), "after": state(after),
                                  "ctx runs": runs, "missing events": after.get("missing"),
                                  "detail": (after.get("trust") or {}).get("detail", "")[:160]})

    def case_missing_ctx(self):
        """The ctx the installed hooks call is gone: the pre-tool hook must refuse the action
        (fail closed) and say why, in the agent's own protocol."""
        shim = self.bin / "ctx"
        shim.unlink()
        try:
            s = self.session("noctx", ["[case:deny.noctx] please clean up the infrastructure"])
        finally:
            shim.symlink_to(SHIM)
        reqs = main_requests(s["reqs"], "deny.noctx")
        # the shell's own message, `$?` expanded (an agent may also echo the command's text)
        told = [m.group(0) for e in reqs for t in tool_results(e)
                for m in [re.search(r"ctx could not run \(exit status \d+\)[^\"]{0,120}", unescape(t))] if m]
        self.record("missing-ctx", not s["marker"] and bool(told), {
            "terraform ran": s["marker"], "model requests": len(reqs),
            "refusal in next request": told[0] if told else "(not found)",
            "agent stderr about hooks": self.hook_errors("noctx")})

    def case_jit(self, ls_session):
        """A just-in-time reminder: after a tool call that reads a file in tests/, the rules for
        tests/ are in the next request; after `ls` (case b) no reminder is."""
        s = self.session("jit", ["[case:jit.jit] show me the users test"])
        reqs = main_requests(s["reqs"], "jit.jit")
        later = [unescape(json.dumps(e.get("body", {}), ensure_ascii=False)) for e in reqs[1:]]
        seen = [b for b in later if REMINDER in b and "psycopg2" in b]
        ls_reqs = main_requests(ls_session["reqs"], "ls.b")
        after_ls = [unescape(json.dumps(e.get("body", {}), ensure_ascii=False)) for e in ls_reqs[1:]]
        quiet = bool(ls_reqs) and not any(REMINDER in b for b in after_ls)
        hooks = [f"{h['event']}" for h in s["hooks"] if REMINDER in h["out"]]
        self.record("jit", bool(seen) and quiet, {
            "reminder after reading tests/test_users.py": excerpt(seen[0], REMINDER, 200) if seen else "(not found)",
            "hook that sent it": ", ".join(hooks) or "(none)",
            "reminder after `ls`": not quiet})

    def hook_errors(self, label):
        errs = []
        for p in self.out.glob(f"{label}.*err"):
            errs += [l.strip()[:200] for l in p.read_text().splitlines() if "hook" in l.lower()]
        return errs[:3] or "(none)"

    def case_d1(self, s):
        reqs = main_requests(s["reqs"], "deny.a")
        first = reqs[0] if reqs else {}
        body = json.dumps(first.get("body", {}), ensure_ascii=False)
        ctxh = [h for h in s["hooks"] if h["out"].strip() and ANCHORS in h["out"]]
        where = self.where_anchors(first) if first else ""
        sizes = [len(self.context_text(h["out"])) for h in ctxh]
        within = bool(sizes) and max(sizes) <= DIGEST_CHARS
        self.record("d1", ANCHORS in body and within, {
            "hook that sent anchors": ", ".join(f"{h['event']}({h['source'] or ''})" for h in ctxh) or "(none)",
            "digest characters": sizes, "budget": DIGEST_CHARS,
            "in first model request": where or "(absent)"})

    @staticmethod
    def context_text(out):
        """The additionalContext of a hook answer (the digest), or the whole answer."""
        try:
            return json.loads(out)["hookSpecificOutput"]["additionalContext"]
        except (ValueError, KeyError, TypeError):
            return out

    def where_anchors(self, entry):
        for i, m in enumerate(messages(entry)):
            if ANCHORS in m:
                return f"message {i}: " + excerpt(m, ANCHORS, 70)
        b = json.dumps(entry.get("body", {}))
        return "elsewhere in the request" if ANCHORS in b else ""

    def fresh_anchors_after(self, entry, needle):
        """True when an anchors block sits in a message after the last one containing needle."""
        msgs = messages(entry)
        last = max((i for i, m in enumerate(msgs) if needle in m), default=None)
        if last is None:
            return False, "marker not found"
        later = [i for i, m in enumerate(msgs) if i > last and ANCHORS in m]
        return bool(later), (f"anchors in message {later[0]} after message {last}: "
                             + excerpt(msgs[later[0]], ANCHORS, 60)) if later else f"no anchors after message {last}"

    def case_d2(self):
        """After a deny, does the next prompt of the same session carry the anchors again?"""
        s1, s2 = self.second_prompt_after_deny()
        reqs = main_requests(s2["reqs"], "ls.d2")
        if not reqs:
            self.record("d2", False, {"error": "no request for the second prompt", "rc": s2["rc"]})
            return
        ok, where = self.fresh_anchors_after(reqs[0], "ctx deny")
        ctxh = [f"{h['event']}({h['source'] or ''})" for h in s2["hooks"] if ANCHORS in h["out"]]
        self.record("d2", ok, {"hook that re-sent anchors": ", ".join(ctxh) or "(none)", "request": where})

    def compaction_check(self, s, tag):
        summ = [e for e in s["reqs"] if isinstance(e.get("answer"), dict) and e["answer"].get("kind") == "summary"]
        after = [e for e in main_requests(s["reqs"], tag) if "Fake summary" in json.dumps(e.get("body", {}))]
        ctxh = [f"{h['event']}({h['source'] or ''})" for h in s["hooks"] if ANCHORS in h["out"]]
        if not summ or not after:
            self.record("d3", False, {"error": "compaction did not happen",
                                      "summary requests": len(summ), "rc": s["rc"]})
            return
        ok, where = self.fresh_anchors_after(after[0], "Fake summary")
        self.record("d3", ok, {"hooks that sent anchors": ", ".join(ctxh), "first request after compaction": where})

    def overhead(self, n):
        """Sessions of 8 harmless tool calls with and without ctx's hooks (ctx itself on PATH,
        not the recording shim), interleaved. Two measures: the session's wall time, and the
        gap between consecutive model requests inside a session (model answer -> hook -> tool
        -> next request), whose difference is the hook's cost per tool call.

        A third mode, "null", installs the same hook commands but points them at a program
        that reads its input and answers nothing (`null_hook`): what the agent spends
        running any hook (its spawn of a shell and of the program, its waits). with - null is
        then ctx's own share of the overhead, null - without the agent's."""
        null = null_hook(self.dir)
        modes = ["without", "with"] + (["null"] if null else [])
        times = {m: [] for m in modes}
        gaps = {m: [] for m in modes}
        # The installed command names bin/ctx (the recording shim): point it at ctx itself for
        # the timings; the command, and so Codex's trust in it, stays the same.
        shim = self.bin / "ctx"
        load = [round(x, 2) for x in os.getloadavg()]
        try:
            self.timed_sessions(n, times, gaps, shim, null)
        finally:
            shim.unlink()
            shim.symlink_to(SHIM)
        self.install_hooks()
        self.overhead_summary(n, times, gaps)
        self.overhead_result["load_before"] = load
        self.overhead_result["load_after"] = [round(x, 2) for x in os.getloadavg()]

    def timed_sessions(self, n, times, gaps, shim, null):
        """Interleaved sessions per mode (rotating order); fills `times` and `gaps`."""
        modes = list(times)
        for i in range(n):
            order = modes[i % len(modes):] + modes[:i % len(modes)]
            for mode in order:
                if mode == "without":
                    self.uninstall_hooks()
                else:
                    self.install_hooks()
                    shim.unlink()
                    shim.symlink_to(self.hook_bin if mode == "with" else null)
                tag = f"many.ov{i}{mode}"
                s = self.session(f"ov{i}{mode}", [f"[case:{tag}] run the steps"], fast=True)
                reqs = main_requests(s["reqs"], tag)
                if s["rc"] == 0 and len(reqs) == 9:
                    times[mode].append(s["secs"])
                    ts = [e["t"] for e in reqs]
                    gaps[mode] += [b - a for a, b in zip(ts, ts[1:])]

    def overhead_summary(self, n, times, gaps):
        hook_ms = sorted(h["ms"] for h in self.all_hook_calls() if h["ms"] is not None)
        med = {k: statistics.median(v) if v else None for k, v in times.items()}
        gmed = {k: statistics.median(v) if v else None for k, v in gaps.items()}

        def delta(a, b):
            if gmed.get(a) is None or gmed.get(b) is None:
                return None
            return round((gmed[a] - gmed[b]) * 1000)
        self.overhead_result = {
            "runs": n, "tool_calls_per_session": 8, "median_s": med,
            "all_s": {k: [round(x, 2) for x in v] for k, v in times.items()},
            "delta_ms_per_session": round((med["with"] - med["without"]) * 1000) if None not in (med["with"], med["without"]) else None,
            "median_gap_ms": {k: round(v * 1000) if v is not None else None for k, v in gmed.items()},
            "gaps_per_mode": {k: len(v) for k, v in gaps.items()},
            "delta_ms_per_tool_call": delta("with", "without"),
            # ctx's own share (ctx vs a hook that does nothing) and the agent's (running a
            # do-nothing hook vs none); None without a C compiler for the null hook.
            "ctx_ms_per_tool_call": delta("with", "null"),
            "agent_hook_ms_per_tool_call": delta("null", "without"),
            "ctx_ms_per_hook_call_median": statistics.median(hook_ms) if hook_ms else None,
            "ctx_ms_per_hook_call_p90": hook_ms[int(len(hook_ms) * 0.9) - 1] if len(hook_ms) >= 10 else None,
        }

    def all_hook_calls(self):
        return self.hooks_since(set())

    # subclass hooks
    def configure(self):
        pass

    def check_config(self):
        cfg = json.loads(self.config_text)
        self.notes.append(f"installed config {self.config_path().relative_to(self.repo)}: "
                          f"events {sorted(cfg.get('hooks', {}))}")

    def trust(self):
        pass


class Claude(Agent):
    name = "claude"
    instruction_file = ("CLAUDE.md", "# Claude\n\n@AGENTS.md\n")

    def binary(self):
        nm = self.prefix / "node_modules" / "@anthropic-ai"
        for plat in ("claude-code-linux-x64", "claude-code-linux-x64-musl", "claude-code-linux-arm64",
                     "claude-code-linux-arm64-musl", "claude-code-darwin-arm64", "claude-code-darwin-x64"):
            if (nm / plat / "claude").exists():
                return [str(nm / plat / "claude")]
        return ["node", str(nm / "claude-code" / "cli-wrapper.cjs")]

    def config_path(self):
        return self.repo / ".claude" / "settings.json"

    def env(self, fast=False):
        e = self.base_env(fast)
        e.update(ANTHROPIC_BASE_URL=f"http://127.0.0.1:{self.port}", ANTHROPIC_API_KEY="sk-ant-fake-key",
                 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1", DISABLE_AUTOUPDATER="1",
                 DISABLE_TELEMETRY="1", DISABLE_ERROR_REPORTING="1")
        return e

    def version_string(self):
        return sh(self.binary() + ["--version"], env=self.env(), check=False).stdout.strip()

    def run_prompts(self, label, prompts, fast=False, trusted=True):
        common = ["-p", "--allowedTools", "Bash,Write,Edit,Read"]
        outp = self.out / f"{label}.jsonl"
        if len(prompts) == 1:
            return run_bounded(self.binary() + common + ["--output-format", "json", prompts[0]],
                               self.repo, self.env(fast), SESSION_TIMEOUT, outp)
        argv = [sys.executable, str(MULTI), str(outp), str(SESSION_TIMEOUT), *prompts, "--",
                *self.binary(), *common, "--input-format", "stream-json", "--output-format",
                "stream-json", "--verbose"]
        return run_bounded(argv, self.repo, self.env(fast), SESSION_TIMEOUT + 10, str(outp) + ".driver")

    def second_prompt_after_deny(self):
        s = self.session("d2", ["[case:deny.d2] clean up the infrastructure", "[case:ls.d2] list the files"])
        return s, s

    def case_d3(self):
        s = self.session("d3", ["[case:ls.d3a] list the files", "/compact", "[case:ls.d3b] list again"])
        self.compaction_check(s, "ls.d3b")


class Codex(Agent):
    name = "codex"
    needs_trust = True
    extra_required = ["stdin"]

    def binary(self):
        return [str(self.prefix / "node_modules" / ".bin" / "codex")]

    def config_path(self):
        return self.repo / ".codex" / "hooks.json"

    def configure(self):
        d = self.home / ".codex"
        d.mkdir(parents=True, exist_ok=True)
        (d / "config.toml").write_text(f'''model = "gpt-5.5"
model_provider = "fake"
check_for_update_on_startup = false
# non-login shell: /etc/profile would reset PATH and let real binaries win over the fakes
allow_login_shell = false

[model_providers.fake]
name = "fake"
base_url = "http://127.0.0.1:{self.port}/v1"
wire_api = "responses"
env_key = "FAKE_OPENAI_API_KEY"
request_max_retries = 0
stream_max_retries = 0

[projects."{self.repo}"]
trust_level = "trusted"
''' + ("\n[features]\nmulti_agent_v2 = true\n" if os.environ.get("CODEX_SUBAGENTS") else ""))

    def env(self, fast=False):
        e = self.base_env(fast)
        e.update(CODEX_HOME=str(self.home / ".codex"), FAKE_OPENAI_API_KEY="sk-fake")
        return e

    def version_string(self):
        return sh(self.binary() + ["--version"], env=self.env(), check=False).stdout.strip()

    def exec_argv(self, extra=()):
        return self.binary() + ["exec", "--json", "--skip-git-repo-check",
                                "--dangerously-bypass-approvals-and-sandbox", *self.extra_flags, *extra]

    def run_prompts(self, label, prompts, fast=False, trusted=True, extra=()):
        outp = self.out / f"{label}.jsonl"
        argv = self.exec_argv(extra) if trusted else [a for a in self.exec_argv(extra)
                                                      if a != "--dangerously-bypass-hook-trust"]
        return run_bounded(argv + [prompts[0]], self.repo, self.env(fast), SESSION_TIMEOUT, outp)

    def trust(self):
        """Trusts the new hooks the way a user does: `codex` (TUI) → 'Trust all and continue'.
        Falls back to --dangerously-bypass-hook-trust when tmux is missing or that fails."""
        cfg = self.home / ".codex" / "config.toml"
        how = "--dangerously-bypass-hook-trust (tmux not found)"
        if shutil.which("tmux"):
            sock = f"ctx-eval-{os.getpid()}"
            env = self.env()
            # --no-daemon: otherwise the TUI leaves a background app-server running
            cmd = " ".join(["cd", f"'{self.repo}'", "&&", "exec", "timeout", "120"]
                           + [f"'{a}'" for a in self.binary()] + ["--no-daemon"])
            envargs = []
            for k in ("HOME", "CODEX_HOME", "PATH", "CTX_REAL", "CTX_HOOK_LOG", "FAKE_OPENAI_API_KEY"):
                envargs += ["-e", f"{k}={env[k]}"]
            subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-s", "trust", "-x", "200", "-y", "50",
                            *envargs, cmd], env=env, check=False)
            screen = ""
            for _ in range(60):
                time.sleep(0.5)
                screen = subprocess.run(["tmux", "-L", sock, "capture-pane", "-p", "-t", "trust"],
                                        capture_output=True, text=True).stdout
                if "Trust all" in screen:
                    break
            if "Trust all" in screen:
                subprocess.run(["tmux", "-L", sock, "send-keys", "-t", "trust", "2"], check=False)
                time.sleep(0.5)
                subprocess.run(["tmux", "-L", sock, "send-keys", "-t", "trust", "Enter"], check=False)
                for _ in range(30):
                    time.sleep(0.5)
                    if "[hooks.state" in cfg.read_text():
                        break
            subprocess.run(["tmux", "-L", sock, "kill-server"], check=False)  # our own tmux server
            if "[hooks.state" in cfg.read_text():
                how = "codex TUI 'Hooks need review' → 'Trust all and continue' (writes [hooks.state] hashes to config.toml)"
                self.trust_screen = screen.strip()[:300]
            else:
                how = "--dangerously-bypass-hook-trust (TUI trust did not complete)"
        if "bypass" in how:
            self.extra_flags = ["--dangerously-bypass-hook-trust"]
        self.notes.append("hooks trusted via " + how)

    def second_prompt_after_deny(self):
        s1 = self.session("d2a", ["[case:deny.d2] clean up the infrastructure"])
        thread = None
        try:
            with open(self.out / "d2a.jsonl") as f:
                thread = json.loads(f.readline()).get("thread_id")
        except (OSError, ValueError):
            pass
        s2 = self.session("d2b", [thread, "[case:ls.d2] list the files"], resume=True)
        return s1, s2

    def run_prompts_resume(self, label, thread, prompt, fast=False):
        outp = self.out / f"{label}.jsonl"
        return run_bounded(self.exec_argv() + ["resume", thread, prompt], self.repo, self.env(fast),
                           SESSION_TIMEOUT, outp)

    def session(self, label, prompts, fast=False, resume=False, **kw):
        if resume:
            for m in self.markers.iterdir():
                m.unlink()
            n0 = self.log_lines()
            h0 = {p.name for p in self.hooklog.glob("*.in")}
            rc, secs = self.run_prompts_resume(label, prompts[0], prompts[1], fast=fast)
            time.sleep(0.2)
            return {"rc": rc, "secs": secs, "reqs": self.entries_since(n0), "hooks": self.hooks_since(h0),
                    "marker": (self.markers / "terraform-ran").exists(), "label": label}
        return super().session(label, prompts, fast=fast, **kw)

    def extra_info_cases(self):
        """exec_command(tty) opens `bash`, write_stdin would type the denied command into it:
        the command that opens the session is refused, with a reason the model reads."""
        s = self.session("stdin", ["[case:stdin.i] clean up, interactively"])
        reqs = main_requests(s["reqs"], "stdin.i")
        told = [t for e in reqs for t in tool_results(e) if "interactive-session" in unescape(t)]
        self.record("stdin", not s["marker"] and bool(told), {
            "terraform ran": s["marker"],
            "reason in next request": excerpt(unescape(told[0]), "ctx deny", 200) if told else "(not found)",
            "pre-tool hook calls": [f"{h['tool']}: {json.dumps(h['input'].get('tool_input'))[:80]}"
                                    for h in s["hooks"] if h["tool"]]})

    def case_d3(self):
        s = self.session("d3", ["[case:compact.d3] list the files"],
                         extra=("-c", "model_auto_compact_token_limit=20000"))
        self.compaction_check(s, "compact.d3")


class Gemini(Agent):
    name = "gemini"
    instruction_file = ("GEMINI.md", "# Gemini\n\n@./AGENTS.md\n")
    needs_trust = True

    def binary(self):
        return [str(self.prefix / "node_modules" / ".bin" / "gemini")]

    def config_path(self):
        return self.repo / ".gemini" / "settings.json"

    def configure(self):
        d = self.home / ".gemini"
        d.mkdir(parents=True, exist_ok=True)
        (d / "settings.json").write_text(json.dumps({"security": {"auth": {"selectedType": "gemini-api-key"}}}))

    def env(self, fast=False):
        e = self.base_env(fast)
        e.update(GOOGLE_GEMINI_BASE_URL=f"http://127.0.0.1:{self.port}", GEMINI_API_KEY="fake-key",
                 GEMINI_CLI_NO_RELAUNCH="1")
        return e

    def version_string(self):
        return sh(self.binary() + ["--version"], env=self.env(), check=False, timeout=120).stdout.strip()

    def run_prompts(self, label, prompts, fast=False, trusted=True, resume=False):
        outp = self.out / f"{label}.json"
        argv = self.binary() + ["-p", prompts[0], "--yolo", "-o", "json"]
        if resume:
            argv += ["--resume", "latest"]
        if not trusted:
            argv.append("--skip-trust")  # headless runs need trust; this is the documented switch
        return run_bounded(argv, self.repo, self.env(fast), SESSION_TIMEOUT, outp)

    def trust(self):
        """The interactive 'Trust folder' choice writes this file; headless --skip-trust does
        not enable project hooks (see the setup line)."""
        (self.home / ".gemini" / "trustedFolders.json").write_text(json.dumps({str(self.repo): "TRUST_FOLDER"}))
        self.notes.append("folder trusted via ~/.gemini/trustedFolders.json (TRUST_FOLDER)")

    def second_prompt_after_deny(self):
        s1 = self.session("d2a", ["[case:deny.d2] clean up the infrastructure"])
        s2 = self.session("d2b", ["[case:ls.d2] list the files"], resume=True)
        return s1, s2

    def case_d3(self):
        """Auto-compression forced by a reported usage (150k prompt tokens) over a low
        model.compressionThreshold; the anchors must be in the first main request after it,
        in the message holding the summary or later (BeforeModel puts them in front of it)."""
        cfg = self.home / ".gemini" / "settings.json"
        saved = cfg.read_text()
        settings = json.loads(saved)
        settings["model"] = {"compressionThreshold": 0.1}
        cfg.write_text(json.dumps(settings))
        try:
            self.session("d3a", ["[case:ls.d3a] list the files"])
            s = self.session("d3", ["[case:compact.d3] list the files"], resume=True)
        finally:
            cfg.write_text(saved)
        summ = [e for e in s["reqs"] if isinstance(e.get("answer"), dict) and e["answer"].get("kind") == "summary"]
        after = [e for e in main_requests(s["reqs"], "compact.d3") if "Fake summary" in json.dumps(e.get("body", {}))]
        ctxh = [f"{h['event']}({h['source'] or ''})" for h in s["hooks"] if ANCHORS in h["out"]]
        if not summ or not after:
            self.record("d3", False, {"error": "compression did not happen", "summary requests": len(summ),
                                      "rc": s["rc"], "hooks that sent anchors": ", ".join(ctxh)})
            return
        msgs = messages(after[0])
        at = min(i for i, m in enumerate(msgs) if "Fake summary" in m)
        found = [i for i, m in enumerate(msgs) if i >= at and ANCHORS in m]
        where = (f"anchors in message {found[0]} (summary in message {at}): " + excerpt(msgs[found[0]], ANCHORS, 60)
                 if found else f"no anchors from message {at} on")
        self.record("d3", bool(found), {"hooks that sent anchors": ", ".join(ctxh),
                                        "first request after compression": where,
                                        "summary requests": len(summ)})


AGENT_CLASSES = {"claude": Claude, "codex": Codex, "gemini": Gemini}
REQUIRED = ["control", "trust", "a", "b", "c", "c2", "d1", "d2", "d3", "e", "w", "jit", "missing-ctx"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ctx", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--agents", default="claude,codex,gemini")
    ap.add_argument("--overhead-runs", type=int, default=3)
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    all_results = {}
    agents_ok = agents_bad = 0
    cases_ok = cases_bad = cases_skip = 0
    lines = []
    for name in a.agents.split(","):
        ag = AGENT_CLASSES[name](a.ctx, a.prefix, work)
        try:
            ag.setup()
            ag.version = ag.version_string() or "?"
            ag.run_cases(a.overhead_runs)
        except Exception as e:  # one agent's breakage must not hide the others' results
            ag.notes.append(f"harness error: {e!r}")
        finally:
            ag.stop_server()
        res = ag.results
        required = REQUIRED + ag.extra_required
        bad = [c for c in required if res.get(c, {}).get("status") not in ("PASS", "SKIP")]
        ok = [c for c in required if res.get(c, {}).get("status") == "PASS"]
        skip = [c for c in required if res.get(c, {}).get("status") == "SKIP"]
        cases_ok += len(ok)
        cases_bad += len(bad)
        cases_skip += len(skip)
        agents_ok += 0 if bad else 1
        agents_bad += 1 if bad else 0
        ov = getattr(ag, "overhead_result", None)
        ovs = ""
        if ov and None not in (ov.get("delta_ms_per_session"), ov.get("delta_ms_per_tool_call")):
            ovs = (f"; overhead {ov['delta_ms_per_tool_call']:+d} ms/tool call "
                   f"(gap {ov['median_gap_ms']['with']} vs {ov['median_gap_ms']['without']} ms), "
                   f"{ov['delta_ms_per_session']:+d} ms/8-call session "
                   f"({ov['median_s']['with']:.2f}s vs {ov['median_s']['without']:.2f}s, {ov['runs']} runs each); "
                   f"ctx alone {ov['ctx_ms_per_hook_call_median']} ms/hook call")
            if ov.get("ctx_ms_per_tool_call") is not None:
                ovs += (f"; vs a do-nothing hook (gap {ov['median_gap_ms']['null']} ms): ctx "
                        f"{ov['ctx_ms_per_tool_call']:+d} ms/tool call, the agent running a hook "
                        f"{ov['agent_hook_ms_per_tool_call']:+d}")
            ovs += f"; load {ov['load_before'][0]}->{ov['load_after'][0]}"
        setup = res.get("setup", {}).get("evidence", {})
        lines.append(f"{name} {ag.version}: " + " ".join(
            f"{c}={res.get(c, {}).get('status', 'MISSING')}" for c in required)
            + f" | {'FAIL' if bad else 'PASS'}{ovs}"
            + (f"; before trust: {setup}" if ag.needs_trust else "")
            + (f"; sub-agent: {res['subagent']['evidence']}" if "subagent" in res else ""))
        all_results[name] = {"version": ag.version, "results": res, "notes": ag.notes,
                             "config": getattr(ag, "config_text", None), "overhead": ov,
                             "dir": str(ag.dir)}
    (work / "results.json").write_text(json.dumps(all_results, indent=1, ensure_ascii=False))
    with open(work / "evidence.txt", "w") as f:
        for name, r in all_results.items():
            f.write(f"===== {name} {r['version']}\n")
            for n in r["notes"]:
                f.write(f"note: {n}\n")
            f.write(f"config:\n{r['config']}\n")
            for case, v in r["results"].items():
                f.write(f"[{case}] {v['status']}\n")
                for k, val in v["evidence"].items():
                    f.write(f"    {k}: {val}\n")
            if r["overhead"]:
                f.write(f"overhead: {json.dumps(r['overhead'])}\n")
    for line in lines:
        print(line)
    print(f"evidence: {work / 'evidence.txt'} (details in {work / 'results.json'})")
    print(f"cases: {cases_ok} passed, {cases_bad} failed, {cases_skip} skipped")
    print(f"agents: {agents_ok} passed, {agents_bad} failed")
    return 0 if agents_bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
