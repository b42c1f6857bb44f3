#!/usr/bin/env python3
"""A scripted fake model server for driving real coding-agent CLIs offline.

Speaks just enough of three provider APIs for an agent to run non-interactively:

- Anthropic Messages API (`POST /v1/messages`, streaming SSE or plain JSON) for Claude Code
  (ANTHROPIC_BASE_URL=http://127.0.0.1:PORT);
- OpenAI Responses API (`POST .../responses`, SSE) and Chat Completions
  (`POST .../chat/completions`, SSE) for Codex CLI (a custom model_provider with base_url);
- Gemini `models/M:streamGenerateContent?alt=sse`, `:generateContent`, `:countTokens` for
  Gemini CLI (GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:PORT).

It listens on 127.0.0.1 only, logs every request (method, path, headers, parsed body) and what
it answered as one JSON line per request, and plays a script (JSON file):

    {"cases": {"deny": [{"shell": "terraform destroy -auto-approve"}],
               "write": [{"write": {"path": "/abs/tests/test_db.py", "content": "..."}}]},
     "usage_input_tokens": 1000}

The prompt the agent sends must contain the tag `[case:NAME]`. The server finds the LAST
message carrying a tag, counts the tool results after it (k), and answers with step k of that
case as a tool call (shell command or file write, expressed with whatever tool the agent
offered), or, once the steps are used up, with a final text `CASE NAME DONE`. Requests without
tools, or that look like a summarisation / classification side request, get a short text (or
JSON for Gemini's JSON-schema requests). Everything is bounded: --max-requests and
--max-seconds stop the server.

stdlib only. Usage:
    python3 fake_model_server.py --script S.json --log L.jsonl --port-file P [--max-seconds 900]
"""

import argparse
import json
import os
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TAG = re.compile(r"\[case:([A-Za-z0-9_\-.]+)\]")
SUMMARY_HINTS = (
    "create a detailed summary",
    "summary of the conversation",
    "summarize the conversation",
    "your task is to create a detailed summary",
    "context checkpoint compaction",
    "handoff summary",
    "compact",
)

STATE = {"script": {}, "log": None, "lock": threading.Lock(), "count": 0, "max": 400,
         "issued": {}}
LOCAL = threading.local()  # per request: the usage a step asked for


def log_line(entry):
    with STATE["lock"]:
        STATE["count"] += 1
        entry["n"] = STATE["count"]
        with open(STATE["log"], "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def flat_text(value):
    """All the text in a JSON value, joined (used to look for tags and hints)."""
    out = []

    def walk(v):
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)

    walk(value)
    return "\n".join(out)


def plan(case, k):
    """Step k of a case: ("shell", cmd) / ("write", {path, content}) / ("text", str).

    `case` may carry a run suffix (`ls.3`): the script is looked up without it, and the
    server remembers per full name how many steps it already handed out, so a conversation
    that lost its tool results (compaction) does not replay the case from the start."""
    base = case.split(".")[0]
    steps = STATE["script"].get("cases", {}).get(base)
    if steps is None:
        return ("text", f"CASE {case} UNKNOWN")
    with STATE["lock"]:
        k = max(k, STATE["issued"].get(case, 0))
        LOCAL.step = k
        if k < len(steps) and any(key in steps[k] for key in ("shell", "write", "stdin", "agent")):
            STATE["issued"][case] = k + 1
    if k < len(steps):
        step = steps[k]
        LOCAL.usage = step.get("usage")
        if "shell" in step and step.get("tty"):
            return ("shell_tty", step["shell"])
        if "shell" in step:
            return ("shell", step["shell"])
        if "write" in step:
            return ("write", step["write"])
        if "text" in step:
            return ("text", step["text"])
        if "stdin" in step:
            return ("stdin", step["stdin"])
        if "agent" in step:
            return ("agent", step["agent"])
    return ("text", f"CASE {case} DONE")


def usage_tokens():
    """Input tokens to report: a step's own `usage` (to push an agent into compaction), else
    the script's default."""
    own = getattr(LOCAL, "usage", None)
    return int(own if own is not None else STATE["script"].get("usage_input_tokens", 1000))


def find_case(messages, is_tag_message, count_results):
    """(case, tool results after the last tagged message) over a list of messages."""
    case, k = None, 0
    for m in messages:
        if is_tag_message(m):
            t = TAG.findall(flat_text(m))
            if t:
                case, k = t[-1], 0
                continue
        k += count_results(m)
    return case, k


# ---------------------------------------------------------------- Anthropic


def anthropic_case(body):
    def is_tag(m):
        if m.get("role") != "user":
            return False
        c = m.get("content")
        if isinstance(c, str):
            return True
        # a user message made only of tool results is not a prompt
        texts = [b for b in c if isinstance(b, dict) and b.get("type") == "text"]
        results = [b for b in c if isinstance(b, dict) and b.get("type") == "tool_result"]
        return bool(texts) and not results

    def count(m):
        c = m.get("content")
        if m.get("role") != "user" or not isinstance(c, list):
            return 0
        return sum(1 for b in c if isinstance(b, dict) and b.get("type") == "tool_result")

    return find_case(body.get("messages", []), is_tag, count)


def last_user_text(messages):
    for m in reversed(messages):
        if m.get("role") == "user":
            return flat_text(m.get("content"))
    return ""


def anthropic_answer(body):
    tools = [t.get("name") for t in body.get("tools", []) or [] if isinstance(t, dict)]
    msgs = body.get("messages", [])
    last = last_user_text(msgs).lower()
    if "Bash" not in tools:
        if any(h in last for h in SUMMARY_HINTS):
            return ("text", "<summary>Fake summary: the user ran scripted ctx hook cases.</summary>"), "summary"
        return ("text", "OK"), "side"
    if any(h in last for h in SUMMARY_HINTS[:5]):
        return ("text", "<summary>Fake summary: the user ran scripted ctx hook cases.</summary>"), "summary"
    case, k = anthropic_case(body)
    if case is None:
        return ("text", "NO CASE TAG"), "main"
    step = plan(case, k)
    return step, f"main case={case} step={LOCAL.step}"


def anthropic_blocks(step):
    kind, arg = step
    if kind == "shell":
        return [{"type": "tool_use", "id": "toolu_" + uuid.uuid4().hex[:20], "name": "Bash",
                 "input": {"command": arg, "description": "scripted step"}}], "tool_use"
    if kind == "write":
        return [{"type": "tool_use", "id": "toolu_" + uuid.uuid4().hex[:20], "name": "Write",
                 "input": {"file_path": arg["path"], "content": arg["content"]}}], "tool_use"
    if kind == "agent":  # start a sub-agent with the Agent (Task) tool
        return [{"type": "tool_use", "id": "toolu_" + uuid.uuid4().hex[:20], "name": "Agent",
                 "input": {"description": "scripted sub-agent", "prompt": arg,
                           "subagent_type": "general-purpose"}}], "tool_use"
    return [{"type": "text", "text": arg}], "end_turn"


def anthropic_sse(body, blocks, stop):
    model = body.get("model", "claude-fake")
    mid = "msg_" + uuid.uuid4().hex[:20]
    ev = []

    def add(name, data):
        ev.append(f"event: {name}\ndata: {json.dumps(data)}\n\n")

    add("message_start", {"type": "message_start", "message": {
        "id": mid, "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": usage_tokens(), "output_tokens": 1,
                  "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}})
    for i, b in enumerate(blocks):
        if b["type"] == "text":
            add("content_block_start", {"type": "content_block_start", "index": i,
                                        "content_block": {"type": "text", "text": ""}})
            add("content_block_delta", {"type": "content_block_delta", "index": i,
                                        "delta": {"type": "text_delta", "text": b["text"]}})
        else:
            add("content_block_start", {"type": "content_block_start", "index": i,
                                        "content_block": {"type": "tool_use", "id": b["id"],
                                                          "name": b["name"], "input": {}}})
            add("content_block_delta", {"type": "content_block_delta", "index": i,
                                        "delta": {"type": "input_json_delta",
                                                  "partial_json": json.dumps(b["input"])}})
        add("content_block_stop", {"type": "content_block_stop", "index": i})
    add("message_delta", {"type": "message_delta",
                          "delta": {"stop_reason": stop, "stop_sequence": None},
                          "usage": {"output_tokens": 20}})
    add("message_stop", {"type": "message_stop"})
    return "".join(ev)


def anthropic_json(body, blocks, stop):
    return {"id": "msg_" + uuid.uuid4().hex[:20], "type": "message", "role": "assistant",
            "model": body.get("model", "claude-fake"), "content": blocks,
            "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": usage_tokens(), "output_tokens": 20}}


# ---------------------------------------------------------------- OpenAI (Codex)


def openai_tool_names(body):
    names = []
    for t in body.get("tools", []) or []:
        if not isinstance(t, dict):
            continue
        if t.get("type") == "function":
            names.append(t.get("name") or (t.get("function") or {}).get("name"))
        elif t.get("type") == "custom":
            names.append("custom:" + str(t.get("name")))
        elif t.get("type") == "local_shell":
            names.append("local_shell")
        else:
            names.append(str(t.get("type")) + ":" + str(t.get("name")))
    return names


def responses_case(body):
    items = body.get("input", []) or []

    def is_tag(m):
        return m.get("type", "message") == "message" and m.get("role") == "user" and TAG.search(flat_text(m.get("content")))

    def count(m):
        return 1 if m.get("type") in ("function_call_output", "custom_tool_call_output",
                                      "local_shell_call_output") else 0

    return find_case(items, is_tag, count)


def shell_item(names, cmd):
    cid = "call_" + uuid.uuid4().hex[:20]
    if "shell_command" in names:
        return {"type": "function_call", "id": "fc_" + cid, "call_id": cid, "name": "shell_command",
                "arguments": json.dumps({"command": cmd}), "status": "completed"}
    if "exec_command" in names:
        return {"type": "function_call", "id": "fc_" + cid, "call_id": cid, "name": "exec_command",
                "arguments": json.dumps({"cmd": cmd}), "status": "completed"}
    if "shell" in names:
        return {"type": "function_call", "id": "fc_" + cid, "call_id": cid, "name": "shell",
                "arguments": json.dumps({"command": ["bash", "-lc", cmd]}), "status": "completed"}
    if "local_shell" in names:
        return {"type": "local_shell_call", "id": "lsh_" + cid, "call_id": cid, "status": "completed",
                "action": {"type": "exec", "command": ["bash", "-lc", cmd]}}
    return None


def write_item(names, arg, cwd=None):
    cid = "call_" + uuid.uuid4().hex[:20]
    path = arg["path"]
    rel = arg.get("rel", path)
    patch = "*** Begin Patch\n*** Add File: " + rel + "\n" + "".join(
        "+" + line + "\n" for line in arg["content"].rstrip("\n").split("\n")) + "*** End Patch\n"
    if "custom:apply_patch" in names:
        return {"type": "custom_tool_call", "id": "ctc_" + cid, "call_id": cid, "name": "apply_patch",
                "input": patch, "status": "completed"}
    if "apply_patch" in names:
        return {"type": "function_call", "id": "fc_" + cid, "call_id": cid, "name": "apply_patch",
                "arguments": json.dumps({"input": patch}), "status": "completed"}
    # no patch tool: write through the shell with a heredoc
    return shell_item(names, f"mkdir -p $(dirname {rel}) && cat > {rel} <<'EOF'\n{arg['content']}EOF")


def text_item(text):
    return {"type": "message", "id": "msg_" + uuid.uuid4().hex[:20], "role": "assistant",
            "status": "completed", "content": [{"type": "output_text", "text": text, "annotations": []}]}


def responses_answer(body):
    names = openai_tool_names(body)
    whole = flat_text(body.get("input", []))[-4000:].lower()
    if not names or not any(n in names for n in ("shell_command", "exec_command", "shell", "local_shell")):
        if any(h in whole for h in SUMMARY_HINTS):
            return [text_item("Fake summary: the user ran scripted ctx hook cases.")], "summary"
        return [text_item("OK")], "side"
    case, k = responses_case(body)
    items = body.get("input", []) or []
    last = items[-1] if items else {}
    if last.get("role") == "user" and any(h in flat_text(last.get("content")).lower() for h in SUMMARY_HINTS[:5]):
        return [text_item("Fake summary: the user ran scripted ctx hook cases.")], "summary"
    if case is None:
        return [text_item("NO CASE TAG")], "main"
    kind, arg = plan(case, k)
    note = f"main case={case} step={getattr(LOCAL, 'step', k)} tools={names}"
    if kind == "shell":
        it = shell_item(names, arg)
        return ([it] if it else [text_item("NO SHELL TOOL")]), note
    if kind == "write":
        it = write_item(names, arg)
        return ([it] if it else [text_item("NO WRITE TOOL")]), note
    if kind == "shell_tty" and "exec_command" in names:  # Codex: an interactive session
        cid = "call_" + uuid.uuid4().hex[:20]
        return [{"type": "function_call", "id": "fc_" + cid, "call_id": cid, "name": "exec_command",
                 "arguments": json.dumps({"cmd": arg, "tty": True, "yield_time_ms": 1000}),
                 "status": "completed"}], note
    if kind == "agent":  # Codex: start a sub-agent, when the spawn_agent tool is offered
        cid = "call_" + uuid.uuid4().hex[:20]
        call = {"type": "function_call", "id": "fc_" + cid, "call_id": cid, "name": "spawn_agent",
                "arguments": json.dumps({"message": arg, "task_name": "scripted_sub", "fork_turns": "none"}),
                "status": "completed"}
        if "namespace:collaboration" in names:  # multi_agent_v2: the tool sits in a namespace
            call["namespace"] = "collaboration"
        elif "spawn_agent" not in names:
            return [text_item("NO AGENT TOOL")], note
        return [call], note
    if kind == "stdin":  # Codex: type into the interactive session a previous step opened
        outs = [flat_text(it.get("output")) for it in items if it.get("type") == "function_call_output"]
        sid = next((m.group(1) for o in reversed(outs) for m in [re.search(r"session ID (\d+)", o)] if m), None)
        if "write_stdin" not in names or sid is None:
            return [text_item("NO STDIN SESSION")], note
        cid = "call_" + uuid.uuid4().hex[:20]
        return [{"type": "function_call", "id": "fc_" + cid, "call_id": cid, "name": "write_stdin",
                 "arguments": json.dumps({"session_id": int(sid), "chars": arg, "yield_time_ms": 1500}),
                 "status": "completed"}], note
    return [text_item(arg)], note


def responses_sse(body, items):
    rid = "resp_" + uuid.uuid4().hex[:20]
    model = body.get("model", "gpt-fake")
    base = {"id": rid, "object": "response", "created_at": int(time.time()), "model": model}
    ev = []

    def add(name, data):
        ev.append(f"event: {name}\ndata: {json.dumps(data)}\n\n")

    add("response.created", {"type": "response.created", "response": dict(base, status="in_progress", output=[])})
    for i, it in enumerate(items):
        add("response.output_item.added", {"type": "response.output_item.added", "output_index": i, "item": it})
        if it["type"] == "message":
            add("response.output_text.delta", {"type": "response.output_text.delta", "item_id": it["id"],
                                               "output_index": i, "content_index": 0,
                                               "delta": it["content"][0]["text"]})
        add("response.output_item.done", {"type": "response.output_item.done", "output_index": i, "item": it})
    tok = usage_tokens()
    add("response.completed", {"type": "response.completed", "response": dict(
        base, status="completed", output=items,
        usage={"input_tokens": tok, "input_tokens_details": {"cached_tokens": 0},
               "output_tokens": 20, "output_tokens_details": {"reasoning_tokens": 0},
               "total_tokens": tok + 20})})
    return "".join(ev)


def chat_answer(body):
    """Chat Completions: the same script over `messages` with role=tool results."""
    msgs = body.get("messages", [])
    names = [(t.get("function") or {}).get("name") for t in body.get("tools", []) or []]

    def is_tag(m):
        return m.get("role") == "user" and TAG.search(flat_text(m.get("content")))

    case, k = find_case(msgs, is_tag, lambda m: 1 if m.get("role") == "tool" else 0)
    if not names or case is None:
        return {"content": "OK"}, "side"
    kind, arg = plan(case, k)
    cid = "call_" + uuid.uuid4().hex[:20]
    if kind == "shell":
        if "shell" in names:
            args = {"command": ["bash", "-lc", arg]}
            name = "shell"
        else:
            args, name = {"command": arg}, names[0]
        return {"tool_calls": [{"index": 0, "id": cid, "type": "function",
                                "function": {"name": name, "arguments": json.dumps(args)}}]}, f"main case={case} step={k}"
    return {"content": arg if kind == "text" else "NO WRITE"}, f"main case={case} step={k}"


def chat_sse(body, delta):
    tok = usage_tokens()
    cid = "chatcmpl-" + uuid.uuid4().hex[:20]
    chunk = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
             "model": body.get("model", "gpt-fake"),
             "choices": [{"index": 0, "delta": dict({"role": "assistant"}, **delta), "finish_reason": None}]}
    fin = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
           "model": body.get("model", "gpt-fake"),
           "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls" if "tool_calls" in delta else "stop"}],
           "usage": {"prompt_tokens": tok, "completion_tokens": 20, "total_tokens": tok + 20}}
    return f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(fin)}\n\ndata: [DONE]\n\n"


# ---------------------------------------------------------------- Gemini


def gemini_case(body):
    def is_tag(m):
        if m.get("role") != "user":
            return False
        parts = m.get("parts", [])
        if any("functionResponse" in p for p in parts if isinstance(p, dict)):
            return False
        return bool(TAG.search(flat_text(parts)))

    def count(m):
        return sum(1 for p in m.get("parts", []) if isinstance(p, dict) and "functionResponse" in p)

    return find_case(body.get("contents", []), is_tag, count)


def gemini_tool_names(body):
    names = []
    for t in body.get("tools", []) or []:
        for fd in t.get("functionDeclarations", []) or []:
            names.append(fd.get("name"))
    return names


def gemini_answer(body):
    gen = body.get("generationConfig", {}) or body.get("config", {}) or {}
    names = gemini_tool_names(body)
    if gen.get("responseMimeType") == "application/json" or gen.get("responseJsonSchema") or gen.get("responseSchema"):
        # side classifiers (routing, next speaker, loop detection, ...): one JSON that fits them all
        return [{"text": json.dumps({"reasoning": "fake", "model_choice": "flash", "next_speaker": "user",
                                     "complexity_reasoning": "fake", "complexity_score": 1,
                                     "unproductive_state_confidence": 0.0,
                                     "unproductive_state_analysis": "fake"})}], "side-json"
    contents = body.get("contents", [])
    last = flat_text(contents[-1]).lower() if contents else ""
    if any(h in last[-3000:] for h in SUMMARY_HINTS[:5]) or "state_snapshot" in last:
        return [{"text": "<state_snapshot>Fake summary: scripted ctx hook cases.</state_snapshot>"}], "summary"
    if "run_shell_command" not in names:
        return [{"text": "OK"}], "side"
    case, k = gemini_case(body)
    if case is None:
        return [{"text": "NO CASE TAG"}], "main"
    kind, arg = plan(case, k)
    note = f"main case={case} step={getattr(LOCAL, 'step', k)}"
    if kind == "shell":
        return [{"functionCall": {"name": "run_shell_command",
                                  "args": {"command": arg, "description": "scripted step"}}}], note
    if kind == "write":
        return [{"functionCall": {"name": "write_file",
                                  "args": {"file_path": arg["path"], "content": arg["content"]}}}], note
    return [{"text": arg}], note


def gemini_response(body, parts, model):
    tok = usage_tokens()
    return {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": tok, "candidatesTokenCount": 20,
                              "totalTokenCount": tok + 20},
            "modelVersion": model}


# ---------------------------------------------------------------- HTTP


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-model/1"

    def log_message(self, fmt, *args):  # keep stderr quiet
        pass

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline().strip()
                size = int(line.split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
            return data
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, code, payload, ctype="application/json"):
        data = payload.encode() if isinstance(payload, str) else payload
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        if ctype == "text/event-stream":
            self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _json(self, code, obj):
        self._send(code, json.dumps(obj))

    def _handle(self):
        LOCAL.usage = None
        LOCAL.step = None
        try:  # the driver rewrites the script between sessions: read it per request
            with open(STATE["script_path"], encoding="utf-8") as f:
                STATE["script"] = json.load(f)
        except Exception:
            pass
        raw = self._body()
        enc = self.headers.get("Content-Encoding", "")
        try:
            body = json.loads(raw) if raw else {}
        except Exception:
            body = {"_raw": raw[:2000].decode("utf-8", "replace"), "_encoding": enc}
        path = self.path
        entry = {"t": time.time(), "method": self.command, "path": path,
                 "headers": {k: v for k, v in self.headers.items()
                             if k.lower() not in ("authorization", "x-api-key", "x-goog-api-key")},
                 "body": body}
        if STATE["count"] >= STATE["max"]:
            entry["answer"] = "refused: max requests"
            log_line(entry)
            return self._json(429, {"error": {"message": "fake server: request budget used up"}})
        try:
            return self._route(path, body, entry)
        except Exception as e:  # never hang the agent
            entry["answer"] = f"error: {e!r}"
            log_line(entry)
            return self._json(500, {"error": {"type": "api_error", "message": f"fake server error: {e!r}"}})

    def _route(self, path, body, entry):
        p = path.split("?")[0]
        if self.command == "POST" and p.endswith("/v1/messages/count_tokens"):
            entry["answer"] = "count_tokens"
            log_line(entry)
            return self._json(200, {"input_tokens": 1000})
        if self.command == "POST" and p.endswith("/v1/messages"):
            step, note = anthropic_answer(body)
            blocks, stop = anthropic_blocks(step)
            entry["answer"] = {"kind": note, "blocks": blocks}
            log_line(entry)
            if body.get("stream"):
                return self._send(200, anthropic_sse(body, blocks, stop), "text/event-stream")
            return self._json(200, anthropic_json(body, blocks, stop))
        if self.command == "POST" and p.endswith("/responses"):
            items, note = responses_answer(body)
            entry["answer"] = {"kind": note, "items": items}
            log_line(entry)
            return self._send(200, responses_sse(body, items), "text/event-stream")
        if self.command == "POST" and p.endswith("/chat/completions"):
            delta, note = chat_answer(body)
            entry["answer"] = {"kind": note, "delta": delta}
            log_line(entry)
            return self._send(200, chat_sse(body, delta), "text/event-stream")
        m = re.search(r"/models/([^/:]+):(streamGenerateContent|generateContent|countTokens)", p)
        if self.command == "POST" and m:
            model, op = m.group(1), m.group(2)
            if op == "countTokens":
                entry["answer"] = "countTokens"
                log_line(entry)
                return self._json(200, {"totalTokens": 1000})
            parts, note = gemini_answer(body)
            entry["answer"] = {"kind": note, "parts": parts}
            log_line(entry)
            resp = gemini_response(body, parts, model)
            if op == "streamGenerateContent":
                return self._send(200, f"data: {json.dumps(resp)}\r\n\r\n", "text/event-stream")
            return self._json(200, resp)
        if self.command == "GET" and p.rstrip("/").endswith("/models"):
            entry["answer"] = "models"
            log_line(entry)
            return self._json(200, {"object": "list", "data": [], "models": []})
        entry["answer"] = "404"
        log_line(entry)
        return self._json(404, {"error": {"message": f"fake server: no route for {self.command} {p}"}})

    do_POST = _handle
    do_GET = _handle
    do_PUT = _handle
    do_DELETE = _handle

    def do_HEAD(self):
        log_line({"t": time.time(), "method": "HEAD", "path": self.path, "answer": "200"})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--max-seconds", type=float, default=900)
    ap.add_argument("--max-requests", type=int, default=400)
    a = ap.parse_args()
    with open(a.script, encoding="utf-8") as f:
        STATE["script"] = json.load(f)
    STATE["log"] = a.log
    STATE["script_path"] = a.script
    STATE["max"] = a.max_requests
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(tmp, a.port_file)
    deadline = threading.Timer(a.max_seconds, srv.shutdown)
    deadline.daemon = True
    deadline.start()

    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
