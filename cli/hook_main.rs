//! `ctx-hook`: the binary agents' hook commands call, `ctx check --hook AGENT` and nothing
//! else.
//!
//! Agents start a fresh process for every hook event (Gemini CLI three per tool call), and
//! measured on a silent event most of a `ctx` call's time is the dynamic loader's start-up of
//! the whole `ctx` binary (relocations, page faults), before `main` runs: 1.5 of 1.9 ms CPU.
//! This binary links only the check path (ctx-check, the daemon's check request, the
//! protocol), so its start-up costs what that needs; it answers exactly as
//! `ctx check --hook` does, through the same [`ctx_check::hook::answer`], daemon first.
//! `ctx hook install` writes its path into the hook commands when it sits next to `ctx`
//! (see `hook_binary` in cli/commands/hook.rs), else `ctx`'s own.
//!
//! Usage (the arguments `ctx` takes for the same work, so an installed command can name
//! either binary): `ctx-hook check --hook AGENT [--no-log] [--root DIR]`, or `--version`.
//! Exit codes as `ctx check --hook`: the agent's protocol carries the decision (exit 0, or
//! the protocol's blocking code); 2 on a usage error or when the answer cannot be written.

/// The daemon's protocol and its check request: the files `ctx` uses, nothing else of
/// `serve` (items `ctx` uses and this binary does not are expected).
#[allow(dead_code)]
mod serve {
    pub mod connect;
    pub mod protocol;
}

use ctx_check::hook::{self, HookOptions};
use ctx_check::Agent;
use std::path::PathBuf;
use std::process::ExitCode;

/// The hook call `ctx-hook` was started for.
#[derive(Debug, PartialEq, Eq)]
struct HookCall {
    agent: Agent,
    root: Option<PathBuf>,
    log: bool,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Request {
    Hook(HookCall),
    Version,
}

/// Reads the arguments `ctx check --hook` takes; anything else is a usage error.
fn parse(args: &[String]) -> Result<Request, String> {
    if args.iter().any(|a| a == "--version" || a == "-V") {
        return Ok(Request::Version);
    }
    let (mut agent, mut root, mut log, mut check) = (None, None, true, false);
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "check" if !check => check = true,
            "--no-log" => log = false,
            "--hook" => agent = Some(iter.next().ok_or("--hook needs an agent name")?.clone()),
            "--root" => {
                root = Some(PathBuf::from(
                    iter.next().ok_or("--root needs a directory")?,
                ))
            }
            other => match (other.strip_prefix("--hook="), other.strip_prefix("--root=")) {
                (Some(name), _) => agent = Some(name.to_string()),
                (_, Some(dir)) => root = Some(PathBuf::from(dir)),
                _ => return Err(format!("unexpected argument {other:?}")),
            },
        }
    }
    let (true, Some(name)) = (check, agent) else {
        return Err("expected `check --hook AGENT`".into());
    };
    let agent = name.parse::<Agent>().map_err(|_| {
        format!(
            "unknown agent {name:?}: expected one of {}",
            Agent::NAMES.join(", ")
        )
    })?;
    Ok(Request::Hook(HookCall { agent, root, log }))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let call = match parse(&args) {
        Ok(Request::Hook(call)) => call,
        Ok(Request::Version) => {
            println!("ctx-hook {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!(
                "ctx-hook: {message}\nusage: ctx-hook check --hook AGENT [--no-log] [--root DIR] \
                 (ctx-hook answers agent hooks only; use ctx for everything else)"
            );
            return ExitCode::from(2);
        }
    };
    let start_dir = match std::env::current_dir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("ctx: reading the current directory: {e}");
            return ExitCode::from(2);
        }
    };
    let options = HookOptions {
        root: call.root,
        start_dir,
        log: call.log,
    };
    let answer = hook::answer(
        call.agent,
        &mut std::io::stdin().lock(),
        &options,
        &serve::connect::DaemonFirst,
    );
    let written = answer.write_masked(&mut std::io::stdout().lock(), &mut std::io::stderr());
    match written {
        Ok(()) => ExitCode::from(answer.exit),
        // The agent closed its end: nobody reads the answer, as for `ctx`.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ctx: writing the hook answer: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn reads_the_arguments_of_ctx_check_hook_and_nothing_else() {
        let hook = |agent, root: Option<&str>, log| {
            Ok(Request::Hook(HookCall {
                agent,
                root: root.map(PathBuf::from),
                log,
            }))
        };
        assert_eq!(
            parse(&args("check --hook gemini")),
            hook(Agent::Gemini, None, true)
        );
        assert_eq!(
            parse(&args("--root /r check --no-log --hook=claude")),
            hook(Agent::Claude, Some("/r"), false)
        );
        assert_eq!(
            parse(&args("check --hook codex --root=/x")),
            hook(Agent::Codex, Some("/x"), true)
        );
        assert_eq!(parse(&args("--version")), Ok(Request::Version));
        for bad in [
            "",
            "check",
            "--hook claude",
            "check --hook",
            "check --hook vim",
            "search --hook claude",
            "check check --hook claude",
            "check --hook claude --command ls",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad:?} was accepted");
        }
    }
}
