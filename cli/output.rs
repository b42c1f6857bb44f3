//! Global options and the way results, logs and errors reach the terminal.
//!
//! # Conventions
//!
//! - **stdout carries results, stderr carries logs** (progress, warnings, notes). `-q`
//!   silences notes and progress (warnings and errors stay); `-v` adds detail.
//! - **Exit codes**: 0 success, 1 a negative answer (no hits, a denied check, nothing to
//!   report), 2 an error. A closed stdout (`ctx search … | head -1`) is not an error: the
//!   command stops and exits 0.
//! - **Colour** only where the stream is a terminal, unless `--color always|never` says
//!   otherwise; a non-empty `NO_COLOR` turns it off in `auto` mode.
//! - **The repository root** is `--root DIR` when given; otherwise the nearest directory at
//!   or above the current one that holds `.ctx/`, else the nearest one that holds `.git`
//!   (the git work tree's top), else the current directory. Every command finds it the same
//!   way, so `ctx` works from any subdirectory.
//!
//! # JSON output (`--json`)
//!
//! With `--json`, every command prints [JSON Lines](https://jsonlines.org) on stdout, each
//! line one object of the same shape:
//!
//! ```json
//! {"type": "<record type>", "data": <the record>}
//! ```
//!
//! A run prints zero or more *item* records, then exactly one *final* record: `summary` when
//! the command ran (exit 0, or 1 for a negative answer), `error` when it failed (exit 2). So
//! the last line always says how the run ended, and an empty result is a `summary` with a
//! zero count, never silence.
//!
//! | type | printed by | data |
//! |---|---|---|
//! | `hit` | `search` | one search hit: `path`, `start_line`, `end_line`, `symbol`, `kind`, `score`, … |
//! | `file` | `index --dry-run` | a file that would be indexed: `path`, `bytes`, `tokens` |
//! | `change` | `status` | a file changed since the last index: `path`, `change` (`modified`, `added`, `deleted`) |
//! | `anchor` | `anchors list/show/explain/add` | one anchor (`id`, `text`, `source`, `polarity`, `severity`, `scope`, `matchers`, …) |
//! | `verdict` | `check` | the decision (`allow`, `warn`, `ask`, `deny`), the anchors that fired, the action |
//! | `pack` | `pack --json` without `-o` | the whole pack (what `--format json` writes) |
//! | `hook` | `hook status` | one agent (or git) in one configuration file: `target`, `scope`, `config`, `events`, `missing`, `ctx` (each binary the hooks call, probed), `trust`, `next`, `ok` |
//! | `summary` | every command, last | the command's result or totals (below) |
//! | `error` | any command that fails, last | `message` (the error and its causes on one line), `causes` (each), `exit_code` (2) |
//!
//! The `summary` of each command: `index` the run's counts (`indexed`, `unchanged`,
//! `deleted`, `skipped`, `chunks`, `embedded`, `problems`, …); `index --dry-run` the totals
//! (`file_count`, `bytes`, `tokens`, `skipped`); `search` `query`, `mode`, `hits`, `stale`;
//! `status` the index figures and change counts; `pack` the budget, tokens and counts;
//! `check` the decision; `anchors list` the counts; `hook status` the counts of `installed`
//! and `broken` targets; `model`, `hook`, `mcp`, `plan`, `drift`,
//! `serve` their report. `stale`, where present, is `null` for a fresh index (or one
//! re-indexed before the answer), else the
//! counts of `modified`, `added` and `deleted` files since the last index.
//!
//! Exceptions, by design: `ctx check --hook AGENT` answers in the agent's hook protocol,
//! `ctx mcp` speaks JSON-RPC, and `ctx pack --format json` writes the pack object itself
//! (a file format, not a record stream).

use serde::Serialize;
use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;

/// Options every command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// Print JSON Lines (`{"type","data"}` records ending with a `summary` or `error`)
    /// instead of human text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Repository root (default: the nearest directory upwards holding `.ctx/`, else the
    /// git work tree's top, else the current directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// When to colour the output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: ColorChoice,
    /// Print results and errors only: no progress, notes or summaries on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more on stderr (repeat for more detail).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// When to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether a stream that `is_terminal` gets colour.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        }
    }
}

impl Global {
    /// The repository root this command works on (see the module docs).
    pub fn root(&self) -> anyhow::Result<PathBuf> {
        if let Some(root) = &self.root {
            return Ok(root.clone());
        }
        let cwd = std::env::current_dir()
            .map_err(|e| anyhow::anyhow!("reading the current directory: {e}"))?;
        Ok(discover_root(&cwd))
    }

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
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(".ctx").is_dir())
        .map(Path::to_path_buf)
}

/// The nearest directory at or above `start` that holds `.git` (a directory, or the file
/// of a linked work tree or submodule).
pub fn git_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The repository root for a command started in `start`: the nearest `.ctx`, else the git
/// root, else `start` itself.
pub fn discover_root(start: &Path) -> PathBuf {
    find_root(start)
        .or_else(|| git_root(start))
        .unwrap_or_else(|| start.to_path_buf())
}

/// What [`init`] decided from the global options.
#[derive(Debug, Clone, Copy, Default)]
struct Settings {
    json: bool,
    quiet: bool,
    verbose: u8,
    color_stdout: bool,
    color_stderr: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

fn settings() -> Settings {
    SETTINGS.get().copied().unwrap_or_default()
}

/// Records the global options for the logging and colour helpers; call once, first.
pub fn init(global: &Global) {
    let _ = SETTINGS.set(Settings {
        json: global.json,
        quiet: global.quiet,
        verbose: global.verbose,
        color_stdout: global.color.enabled(std::io::stdout().is_terminal()),
        color_stderr: global.color.enabled(std::io::stderr().is_terminal()),
    });
}

/// Whether stderr is a terminal that may show progress (and `-q` / `--json` are off).
pub fn progress_visible() -> bool {
    let s = settings();
    !s.quiet && !s.json && std::io::stderr().is_terminal()
}

/// Writes one line to stdout; an error (a closed pipe above all) goes back to the caller,
/// which returns it, and [`finish`] turns a broken pipe into exit 0.
macro_rules! outln {
    () => {
        $crate::output::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;

/// Writes formatted text to stdout (see [`outln!`]).
pub fn write_stdout(args: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)?;
    out.flush()
}

/// Prints one JSON Lines record `{"type": kind, "data": data}` on stdout.
pub fn record(kind: &str, data: &impl Serialize) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct Record<'a, T: Serialize> {
        #[serde(rename = "type")]
        kind: &'a str,
        data: &'a T,
    }
    // Every secret in the record's strings is masked (see [`ctx_engine::secrets`]).
    let mut data = serde_json::to_value(data)?;
    ctx_engine::secrets::redact_json(&mut data);
    let line = serde_json::to_string(&Record { kind, data: &data })?;
    outln!("{line}")?;
    Ok(())
}

/// Prints the final `summary` record of a `--json` run.
pub fn summary(data: &impl Serialize) -> anyhow::Result<()> {
    record("summary", data)
}

/// A note on stderr (`ctx: …`), hidden by `-q`.
pub fn info(message: impl Display) {
    if !settings().quiet {
        log_line(None, &message.to_string());
    }
}

/// A warning on stderr (`ctx: warning: …`), shown even with `-q`.
pub fn warn(message: impl Display) {
    log_line(Some(("warning", Style::Warn)), &message.to_string());
}

/// Detail on stderr, shown with `-v`.
pub fn debug(message: impl Display) {
    if settings().verbose > 0 {
        log_line(Some(("debug", Style::Dim)), &message.to_string());
    }
}

fn log_line(label: Option<(&str, Style)>, message: &str) {
    let s = settings();
    let prefix = match label {
        Some((label, style)) => format!("ctx: {}: ", paint_if(s.color_stderr, label, style)),
        None => "ctx: ".to_string(),
    };
    // A closed stderr leaves nowhere to report to: drop the line.
    let _ = writeln!(std::io::stderr().lock(), "{prefix}{message}");
}

/// Text styles of human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A file path.
    Path,
    /// Line numbers.
    Line,
    /// A symbol name.
    Symbol,
    /// A denial, an error.
    Deny,
    /// A warning or an ask.
    Warn,
    /// An allowed action, a success.
    Ok,
    /// Headings.
    Bold,
    /// Secondary detail.
    Dim,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Path => "35",
            Style::Line => "32",
            Style::Symbol => "1;33",
            Style::Deny => "1;31",
            Style::Warn => "1;33",
            Style::Ok => "1;32",
            Style::Bold => "1",
            Style::Dim => "2",
        }
    }
}

/// `text` styled for stdout: ANSI colour when stdout gets colour, else unchanged.
pub fn paint(text: impl Display, style: Style) -> String {
    paint_if(settings().color_stdout, text, style)
}

fn paint_if(enabled: bool, text: impl Display, style: Style) -> String {
    if enabled {
        format!("\x1b[{}m{text}\x1b[0m", style.code())
    } else {
        text.to_string()
    }
}

/// Unix seconds as `2026-11-21 08:12:03 UTC`.
pub fn utc_time(unix_secs: u64) -> String {
    let days = (unix_secs / 86_400) as i64;
    let secs = unix_secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// " (5 min ago)" for a time in Unix seconds; empty for a time in the future.
pub fn ago(unix_secs: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let Some(elapsed) = now.checked_sub(unix_secs) else {
        return String::new();
    };
    let text = match elapsed {
        0..=59 => format!("{elapsed} s"),
        60..=3599 => format!("{} min", elapsed / 60),
        3600..=172_799 => format!("{} h", elapsed / 3600),
        _ => format!("{} days", elapsed / 86_400),
    };
    format!(" ({text} ago)")
}

/// Turns a command's result into the process exit code, reporting errors once.
///
/// Exit 0 on success, 1 on a negative answer (the command's own `ExitCode`), 2 on error,
/// and 0 when stdout was closed early (a broken pipe). With `--json` an error is also an
/// `error` record on stdout.
pub fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let message = ctx_engine::secrets::redact(&error_message(&err)).into_owned();
            let causes: Vec<String> = err
                .chain()
                .map(|cause| ctx_engine::secrets::redact(&cause.to_string()).into_owned())
                .collect();
            report_error(&message, &causes, 2);
            ExitCode::from(2)
        }
    }
}

/// Reports an error on stderr and, with `--json`, as an `error` record on stdout.
pub fn report_error(message: &str, causes: &[String], exit_code: u8) {
    if settings().json {
        let data = serde_json::json!({
            "message": message, "causes": causes, "exit_code": exit_code,
        });
        // Nothing more can be done if stdout is gone too.
        let _ = record("error", &data);
    }
    let _ = writeln!(
        std::io::stderr().lock(),
        "{} {message}",
        paint_if(settings().color_stderr, "ctx:", Style::Deny)
    );
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

/// Whether the error is (or was caused by) writing to a closed pipe.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_the_nearest_ctx_else_the_git_top_else_the_start() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        let deep = repo.join("src/a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(discover_root(&deep), deep);
        std::fs::create_dir(repo.join(".git")).unwrap();
        assert_eq!(discover_root(&deep), repo);
        std::fs::create_dir(repo.join("src/.ctx")).unwrap();
        assert_eq!(discover_root(&deep), repo.join("src"));
    }

    #[test]
    fn unix_times_read_as_utc_dates() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_time(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc_time(1_795_000_000), "2026-11-18 11:06:40 UTC");
    }

    #[test]
    fn colour_follows_the_choice_and_the_terminal() {
        assert!(ColorChoice::Always.enabled(false));
        assert!(!ColorChoice::Never.enabled(true));
        assert!(!ColorChoice::Auto.enabled(false));
    }

    #[test]
    fn broken_pipes_are_recognised_through_context() {
        let err = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("writing hits");
        assert!(is_broken_pipe(&err));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }
}
