//! Global options and the way results and errors reach the terminal.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options every command takes.
#[derive(Debug, clap::Args)]
pub struct Global {
    /// Print machine-readable JSON instead of human text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Repository root (default: the nearest directory upwards holding `.ctx/`, else the
    /// current directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

impl Global {
    /// The repository root this command works on.
    pub fn root(&self) -> anyhow::Result<PathBuf> {
        if let Some(root) = &self.root {
            return Ok(root.clone());
        }
        let cwd = std::env::current_dir()?;
        Ok(find_root(&cwd).unwrap_or(cwd))
    }
}

impl Global {
    /// [`Global::root`], canonicalised; an error when it does not exist.
    pub fn canonical_root(&self) -> anyhow::Result<PathBuf> {
        let root = self.root()?;
        root.canonicalize().map_err(|e| {
            anyhow::anyhow!(
                "the repository root {:?} does not exist: {e}",
                root.display().to_string()
            )
        })
    }
}

/// The nearest directory at or above `start` that holds a `.ctx` directory.
pub fn find_root(start: &std::path::Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(".ctx").is_dir())
        .map(|dir| dir.to_path_buf())
}

/// Prints a JSON value on one line to stdout, with every secret in its strings masked
/// (see [`ctx_engine::secrets`]).
pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut value = serde_json::to_value(value)?;
    ctx_engine::secrets::redact_json(&mut value);
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &value)?;
    writeln!(out)?;
    Ok(())
}

/// Turns a command's result into the process exit code, printing errors once.
///
/// Exit 0 on success, 1 on a negative answer (the command's own `ExitCode`), 2 on error,
/// and 0 when stdout was closed early (a broken pipe).
pub fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("ctx: {}", ctx_engine::secrets::redact(&error_message(&err)));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line, each cause once (library errors often quote their
/// source already), with a hint when the file system refused access.
fn error_message(err: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if message.ends_with(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    if is_permission_denied(err) {
        message.push_str(
            "\nhint: permission denied: ctx reads the repository and writes its index in .ctx/ \
             (and any -o file); fix the permissions or work on a writable copy",
        );
    }
    message
}

fn is_permission_denied(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::PermissionDenied)
    })
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
