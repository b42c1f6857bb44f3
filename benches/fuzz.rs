//! Fuzzing of the parsers that take outside input, in process, for a bounded time:
//!
//! - `hook`: hook JSON of every agent through [`ctx_check::hook::answer`] (parse, action,
//!   shell analysis, verdict against a repository with path and command anchors, answer);
//! - `shell`: shell parsing and analysis ([`ctx_indexers::shell::analyze`]);
//! - `chunk`: the chunkers ([`ctx_indexers::chunk::chunk_file`] under every language's
//!   extension, and the stream chunker of files over 1 MiB fed the same bytes line by line).
//!
//! Mutation-based and seeded (the same inputs every run, not coverage-guided): seeds are
//! the hook events of `benches/data/drift-corpus-labels.jsonl` (rewritten for each agent),
//! the commands of `benches/data/bypass-corpus.jsonl` and the files of
//! `tests/fixtures/small`; each input applies 1-8 mutations (byte flips, insertions,
//! deletions, repeated slices, splices of another seed, tokens of the target's syntax,
//! and for hook JSON changes to the parsed value: strings, types, nesting).
//!
//! A crash is a panic (caught, counted by place, and the input written under
//! `CTX_FUZZ_OUT`, default the temporary directory) or a call slower than 2 s (counted
//! as slow); each input is written to `CTX_FUZZ_OUT/TARGET-current.bin` before it is
//! tried, so an abort (stack overflow, memory exhausted: run under `ulimit -v`) leaves
//! the input that caused it. `CTX_FUZZ_SECS` seconds per target (default 60). `cargo bench --bench fuzz
//! -- shell` runs the targets whose names contain the words given. Exits non-zero on any
//! crash.

#[path = "support/machine.rs"]
#[allow(dead_code)]
mod machine;

use ctx_check::hook::{answer, HookOptions};
use ctx_check::{Agent, RulePath};
use ctx_engine::check::PathContext;
use ctx_indexers::chunk::stream::StreamChunker;
use ctx_indexers::chunk::{chunk_file, ChunkLimits};
use machine::load_average;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A call slower than this counts as slow.
const SLOW: Duration = Duration::from_secs(2);
/// A call still running after this is a hang: the run stops, naming the input.
const HANG: Duration = Duration::from_secs(60);

/// A small deterministic generator (no dependency, same inputs every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Byte-level mutations of `input`, 1-8 of them.
fn mutate(rng: &mut Lcg, input: &[u8], seeds: &[Vec<u8>], tokens: &[&str]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(out.len() + 1);
        match rng.below(8) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.insert(at, rng.next() as u8),
            2 if !out.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            3 if !out.is_empty() => {
                // A slice repeated: deep nesting, long lines.
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(8)).min(out.len());
                let piece = out[start..end].to_vec();
                let most = if rng.below(10) == 0 { 2000 } else { 20 };
                let times = 1 + rng.below(most);
                let repeated: Vec<u8> = piece
                    .iter()
                    .copied()
                    .cycle()
                    .take(piece.len() * times)
                    .collect();
                out.splice(at..at, repeated);
            }
            4 => {
                let other = rng.pick(seeds);
                if !other.is_empty() {
                    let start = rng.below(other.len());
                    let end = (start + 1 + rng.below(64)).min(other.len());
                    out.splice(at..at, other[start..end].iter().copied());
                }
            }
            5 if !out.is_empty() => out.truncate(rng.below(out.len())),
            _ => {
                let token = rng.pick(tokens).as_bytes().to_vec();
                let times = if rng.below(20) == 0 {
                    1 + rng.below(300)
                } else {
                    1
                };
                let repeated: Vec<u8> = token
                    .iter()
                    .copied()
                    .cycle()
                    .take(token.len() * times)
                    .collect();
                out.splice(at..at, repeated);
            }
        }
    }
    out
}

/// What a target did in its time.
#[derive(Default)]
struct Tally {
    runs: u64,
    /// Panics by message (place first), with how many and the first input's file.
    panics: BTreeMap<String, (u64, String)>,
    slow: u64,
    slowest: Duration,
}

/// The message of the last panic caught on this process's fuzz thread.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// When the call under way started, and where its input is.
static CALL_STARTED: Mutex<Option<(Instant, PathBuf)>> = Mutex::new(None);

/// Stops the process when one call runs longer than [`HANG`].
fn start_watchdog() {
    std::thread::spawn(|| loop {
        std::thread::sleep(Duration::from_secs(1));
        if let Some((started, input)) = CALL_STARTED.lock().unwrap().as_ref() {
            if started.elapsed() > HANG {
                println!(
                    "hang: a call has run {HANG:?}; its input is {}",
                    input.display()
                );
                std::process::exit(3);
            }
        }
    });
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let message: String = message.chars().take(200).collect();
        *LAST_PANIC.lock().unwrap() = Some(format!("{place}: {message}"));
    }));
}

/// Runs `call` on inputs from `next` for `secs` seconds.
fn fuzz(
    name: &str,
    secs: u64,
    out_dir: &Path,
    mut next: impl FnMut(&mut Lcg) -> Vec<u8>,
    call: impl Fn(&[u8]),
) -> Tally {
    let mut rng = Lcg(0x5eed ^ name.len() as u64);
    let mut tally = Tally::default();
    let current = out_dir.join(format!("{name}-current.bin"));
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        let input = next(&mut rng);
        // On disk before the call: an abort (stack overflow, memory exhausted) leaves it.
        std::fs::write(&current, &input).unwrap();
        let t = Instant::now();
        *CALL_STARTED.lock().unwrap() = Some((t, current.clone()));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call(&input)));
        *CALL_STARTED.lock().unwrap() = None;
        let took = t.elapsed();
        tally.runs += 1;
        tally.slowest = tally.slowest.max(took);
        if took > SLOW {
            tally.slow += 1;
            let file = out_dir.join(format!("{name}-slow-{}.bin", tally.slow));
            std::fs::write(&file, &input).unwrap();
            println!(
                "  {name}: slow input ({took:.1?}) written to {}",
                file.display()
            );
        }
        if result.is_err() {
            let message = LAST_PANIC.lock().unwrap().take().unwrap_or_default();
            let n = tally.panics.len();
            let entry = tally.panics.entry(message).or_insert_with(|| {
                let file = out_dir.join(format!("{name}-panic-{n}.bin"));
                std::fs::write(&file, &input).unwrap();
                (0, file.display().to_string())
            });
            entry.0 += 1;
        }
    }
    tally
}

fn report(name: &str, secs: u64, tally: &Tally) -> bool {
    let panics: u64 = tally.panics.values().map(|(n, _)| n).sum();
    println!(
        "{name}: {} inputs in {secs} s, {panics} panics ({} distinct), {} slower than {SLOW:?}, slowest {:.1?} (load {})",
        tally.runs,
        tally.panics.len(),
        tally.slow,
        tally.slowest,
        load_average()
    );
    for (message, (count, file)) in &tally.panics {
        println!("  {count} x {message}\n    first input: {file}");
    }
    panics == 0 && tally.slow == 0
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The JSON lines of a data file under `benches/data`.
fn data_lines(name: &str) -> Vec<Value> {
    std::fs::read_to_string(manifest_dir().join("benches/data").join(name))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Shell commands to start from: the bypass corpus and the drift corpus's Bash events.
fn shell_seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = data_lines("bypass-corpus.jsonl")
        .iter()
        .filter_map(|c| c["command"].as_str())
        .map(|c| c.as_bytes().to_vec())
        .collect();
    seeds.extend(
        data_lines("drift-corpus-labels.jsonl")
            .iter()
            .filter_map(|c| c["event"]["tool_input"]["command"].as_str())
            .map(|c| c.as_bytes().to_vec()),
    );
    seeds
}

const SHELL_TOKENS: &[&str] = &[
    "$(",
    ")",
    "`",
    "'",
    "\"",
    "\\",
    "<<EOF\n",
    "\nEOF\n",
    "<<-'X'\n",
    "\nX\n",
    "<<<",
    "|",
    "||",
    "&&",
    ";",
    "&",
    "{ ",
    " }",
    "(",
    "${",
    "${x:-",
    "${!x}",
    "${x//a/b}",
    "}",
    "$((",
    "))",
    "[[ ",
    " ]]",
    "for x in a b; do ",
    "; done",
    "while true; do ",
    "case $x in a) ",
    ";; esac",
    "if x; then ",
    "; fi",
    "function f { ",
    "f() { ",
    "f; ",
    "eval ",
    "bash -c '",
    "sh -c \"",
    "xargs ",
    "find . -exec ",
    " {} +",
    " \\;",
    "env -i ",
    "sudo ",
    "rm -rf ",
    "> /dev/null",
    "2>&1",
    "<(",
    ">(",
    "\n",
    "#",
    "~",
    "*",
    "?",
    "[a-z]",
    "!",
    "$@",
    "$1",
    "alias x=",
    "python3 -c '",
    "node -e '",
    "perl -e '",
    "git ",
    "-C ",
    "--",
    "\t",
    "\0",
    "é",
    "\u{202e}",
    "$'\\x72m'",
    "\"$x\"",
    "x=1 ",
    "export ",
    "source ",
    ". ",
    "exec ",
    "command ",
    "\\\n",
];

const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\u0000",
    "\\ud800",
    "null",
    "true",
    "1e999",
    "-0",
    "\"tool_input\":",
    "\"command\":",
    "\"file_path\":",
    "\"hook_event_name\":",
    "\"PreToolUse\"",
    "\"Bash\"",
    "\"Write\"",
    "\"Edit\"",
    "é",
    "\n",
];

const CODE_TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "'",
    "`",
    "/*",
    "*/",
    "//",
    "#",
    "```",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "    ",
    "fn ",
    "def ",
    "class ",
    "function ",
    "impl ",
    "struct ",
    "<<<",
    "\"\"\"",
    "\0",
    "\u{feff}",
    "é",
    "\u{10ffff}",
    "\n# ",
    "\n## ",
    "\n---\n",
    "<!--",
    "-->",
    "#!/bin/sh\n",
    "#!/usr/bin/env python3\n",
    "package main\n",
    "namespace X {",
    "=>",
];

/// Hook events to start from: the drift corpus's events (Claude's shape), each also in the
/// shapes of Codex, Gemini and Cursor.
fn hook_seeds(root: &Path) -> Vec<(Agent, Value)> {
    let cwd = root.display().to_string();
    let mut seeds = Vec::new();
    for case in data_lines("drift-corpus-labels.jsonl") {
        let mut event = case["event"].clone();
        if !event.is_object() {
            continue;
        }
        event["cwd"] = json!(cwd);
        event["session_id"] = json!("fuzz");
        let tool = event["tool_name"].clone();
        let input = event["tool_input"].clone();
        seeds.push((Agent::Claude, event.clone()));
        let mut codex = event.clone();
        codex["turn_id"] = json!("t1");
        seeds.push((Agent::Codex, codex));
        let gemini_tool = match tool.as_str() {
            Some("Bash") => "run_shell_command",
            Some("Write") => "write_file",
            Some("Edit") => "replace",
            Some("Read") => "read_file",
            _ => "unknown_tool",
        };
        seeds.push((
            Agent::Gemini,
            json!({"session_id": "fuzz", "cwd": cwd, "hook_event_name": "BeforeTool", "tool_name": gemini_tool, "tool_input": input}),
        ));
        let cursor = match input["command"].as_str() {
            Some(command) => {
                json!({"hook_event_name": "beforeShellExecution", "command": command, "cwd": cwd, "workspace_roots": [cwd]})
            }
            None => {
                json!({"hook_event_name": "beforeReadFile", "file_path": input["file_path"], "content": input["content"], "workspace_roots": [cwd]})
            }
        };
        seeds.push((Agent::Cursor, cursor));
    }
    for (agent, event) in [
        (
            Agent::Claude,
            json!({"session_id": "fuzz", "cwd": cwd, "hook_event_name": "UserPromptSubmit", "prompt": "fix the tests"}),
        ),
        (
            Agent::Claude,
            json!({"session_id": "fuzz", "cwd": cwd, "hook_event_name": "SessionStart", "source": "startup"}),
        ),
        (
            Agent::Claude,
            json!({"session_id": "fuzz", "cwd": cwd, "hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"}, "tool_response": {"stdout": "a"}}),
        ),
        (
            Agent::Claude,
            json!({"session_id": "fuzz", "cwd": cwd, "hook_event_name": "PreToolUse", "tool_name": "mcp__fs__write", "tool_input": {"path": "a.txt", "content": "x"}}),
        ),
        (
            Agent::Gemini,
            json!({"session_id": "fuzz", "cwd": cwd, "hook_event_name": "BeforeModel"}),
        ),
        (
            Agent::Cursor,
            json!({"hook_event_name": "beforeSubmitPrompt", "prompt": "hi", "workspace_roots": [cwd]}),
        ),
        (
            Agent::Cursor,
            json!({"hook_event_name": "stop", "status": "completed"}),
        ),
    ] {
        seeds.push((agent, event));
    }
    seeds
}

/// A change to one place of a JSON value: a node `depth` levels down (or the deepest on
/// the way) is replaced or loses a key.
fn mutate_value(rng: &mut Lcg, value: &mut Value, shell: &[Vec<u8>]) {
    let depth = rng.below(4);
    mutate_at(rng, value, depth, shell);
}

fn mutate_at(rng: &mut Lcg, node: &mut Value, depth: usize, shell: &[Vec<u8>]) {
    if depth > 0 {
        match node {
            Value::Object(map) if !map.is_empty() => {
                let keys: Vec<String> = map.keys().cloned().collect();
                let key = rng.pick(&keys).clone();
                return mutate_at(rng, map.get_mut(&key).unwrap(), depth - 1, shell);
            }
            Value::Array(items) if !items.is_empty() => {
                let i = rng.below(items.len());
                return mutate_at(rng, &mut items[i], depth - 1, shell);
            }
            _ => {}
        }
    }
    let replacement = match rng.below(10) {
        0 => Value::Null,
        1 => json!(rng.next() as i64 - (1 << 30)),
        2 => json!(true),
        3 => json!([]),
        4 => json!({}),
        5 => {
            let mut deep = json!("x");
            for _ in 0..rng.below(3000) {
                deep = json!([deep]);
            }
            deep
        }
        6 => {
            let seed = rng.pick(shell).clone();
            json!(String::from_utf8_lossy(&mutate(rng, &seed, shell, SHELL_TOKENS)).into_owned())
        }
        7 => json!("../../../../etc/passwd"),
        8 => json!("x".repeat(rng.below(100_000))),
        _ => {
            if let Value::Object(map) = node {
                let keys = [
                    "tool_input",
                    "command",
                    "file_path",
                    "content",
                    "cwd",
                    "hook_event_name",
                    "tool_name",
                    "edits",
                    "old_string",
                    "new_string",
                    "turn_id",
                ];
                map.remove(*rng.pick(&keys));
                return;
            }
            Value::Null
        }
    };
    *node = replacement;
}

fn hook_target(secs: u64, out_dir: &Path) -> bool {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    std::fs::create_dir_all(root.join(".ctx")).unwrap();
    std::fs::write(
        root.join(".ctx/anchors.toml"),
        r#"
[[anchor]]
id = "no-secrets"
text = "Never read .env files or anything under secrets/"
[[anchor.matcher]]
kind = "path"
globs = ["**/.env", "secrets/**"]
ops = ["read", "write"]

[[anchor]]
id = "no-rm-rf"
text = "Never delete the home directory or the repository"
[[anchor.matcher]]
kind = "command"
programs = ["rm"]
any_flags = ["-r", "-rf", "--recursive"]
targets = ["home", "root", "repo"]

[[anchor]]
id = "no-force-push"
text = "Never force-push"
[[anchor.matcher]]
kind = "command"
programs = ["git"]
subcommand = ["push"]
any_flags = ["--force", "-f"]
"#,
    )
    .unwrap();
    let seeds = hook_seeds(root);
    let shell = shell_seeds();
    let seed_bytes: Vec<Vec<u8>> = seeds
        .iter()
        .map(|(_, v)| v.to_string().into_bytes())
        .collect();
    let options = HookOptions {
        root: Some(root.to_path_buf()),
        start_dir: root.to_path_buf(),
        log: false,
    };
    let agent_of = Mutex::new(Agent::Claude);
    let tally = fuzz(
        "hook",
        secs,
        out_dir,
        |rng| {
            let (agent, seed) = rng.pick(&seeds);
            *agent_of.lock().unwrap() = if rng.below(10) == 0 {
                *rng.pick(&Agent::ALL)
            } else {
                *agent
            };
            let mut bytes = if rng.below(2) == 0 {
                let mut value = seed.clone();
                for _ in 0..1 + rng.below(3) {
                    mutate_value(rng, &mut value, &shell);
                }
                value.to_string().into_bytes()
            } else {
                seed.to_string().into_bytes()
            };
            if rng.below(2) == 0 {
                bytes = mutate(rng, &bytes, &seed_bytes, JSON_TOKENS);
            }
            bytes
        },
        |input| {
            let agent = *agent_of.lock().unwrap();
            let answer = answer(agent, &mut &input[..], &options, &RulePath);
            // The answer must be printable: stdout is JSON when it is one.
            if let Some(stdout) = &answer.stdout {
                if stdout.starts_with('{') {
                    serde_json::from_str::<Value>(stdout).expect("the answer is valid JSON");
                }
            }
        },
    );
    report("hook JSON", secs, &tally)
}

fn shell_target(secs: u64, out_dir: &Path) -> bool {
    let seeds = shell_seeds();
    let repo = tempfile::tempdir().unwrap();
    let context = PathContext::new(repo.path(), repo.path());
    let tally = fuzz(
        "shell",
        secs,
        out_dir,
        |rng| {
            let seed = rng.pick(&seeds).clone();
            mutate(rng, &seed, &seeds, SHELL_TOKENS)
        },
        |input| {
            let command = String::from_utf8_lossy(input);
            let _ = ctx_indexers::shell::analyze(&command, &context);
        },
    );
    report("shell parsing", secs, &tally)
}

/// Files to start from: the small fixture and the chunkers' own sources.
fn chunk_seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    let mut dirs = vec![
        manifest_dir().join("tests/fixtures/small"),
        manifest_dir().join("indexers/src/chunk"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                seeds.push(std::fs::read(path).unwrap());
            }
        }
    }
    seeds
}

const EXTENSIONS: &[&str] = &[
    "rs",
    "py",
    "js",
    "jsx",
    "ts",
    "tsx",
    "go",
    "java",
    "c",
    "h",
    "cpp",
    "hpp",
    "cs",
    "rb",
    "sh",
    "md",
    "mdc",
    "txt",
    "rst",
    "toml",
    "json",
    "yaml",
    "",
    "unknownext",
];

fn chunk_target(secs: u64, out_dir: &Path) -> bool {
    let seeds = chunk_seeds();
    let limits = ChunkLimits::default();
    let small = ChunkLimits {
        max_tokens: 8,
        max_lines: 3,
        window_lines: 2,
    };
    let tally = fuzz(
        "chunk",
        secs,
        out_dir,
        |rng| {
            // The first byte picks the extension and the limits; the rest is the file.
            let seed = rng.pick(&seeds).clone();
            let mut input = vec![rng.next() as u8];
            input.extend(mutate(rng, &seed, &seeds, CODE_TOKENS));
            input
        },
        |input| {
            let (&pick, bytes) = input.split_first().unwrap();
            let ext = EXTENSIONS[pick as usize % EXTENSIONS.len()];
            let path = if ext.is_empty() {
                "src/script".to_string()
            } else {
                format!("src/file.{ext}")
            };
            let limits = if pick >= 128 { &small } else { &limits };
            let check = |chunks: &[ctx_engine::Chunk]| {
                for chunk in chunks {
                    assert!(chunk.start_line <= chunk.end_line, "lines out of order");
                    assert!(chunk.start_byte <= chunk.end_byte, "bytes out of order");
                    assert!(chunk.end_byte <= bytes.len() as u64, "bytes past the end");
                }
            };
            check(&chunk_file(&path, bytes, limits));
            let mut chunks = Vec::new();
            let head = &bytes[..bytes.len().min(8192)];
            let mut chunker = StreamChunker::new(&path, head, limits);
            for line in bytes.split_inclusive(|b| *b == b'\n') {
                chunker.push(line.to_vec(), &mut |c| chunks.push(c));
            }
            chunker.finish(&mut |c| chunks.push(c));
            check(&chunks);
        },
    );
    report("chunkers", secs, &tally)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let secs: u64 = std::env::var("CTX_FUZZ_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let out_dir = std::env::var_os("CTX_FUZZ_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&out_dir).unwrap();
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let runs = |name: &str| wanted.is_empty() || wanted.iter().any(|w| name.contains(w.as_str()));
    install_panic_hook();
    start_watchdog();
    println!("fuzz: {secs} s per target, load {}", load_average());
    let targets: [(&str, &dyn Fn() -> bool); 3] = [
        ("hook", &|| hook_target(secs, &out_dir)),
        ("shell", &|| shell_target(secs, &out_dir)),
        ("chunk", &|| chunk_target(secs, &out_dir)),
    ];
    let failed: Vec<&str> = targets
        .iter()
        .filter(|(name, _)| runs(name))
        .filter(|(_, target)| !target())
        .map(|(name, _)| *name)
        .collect();
    if !failed.is_empty() {
        eprintln!("crashed: {}", failed.join(", "));
        std::process::exit(1);
    }
}
