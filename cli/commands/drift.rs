//! `ctx drift report`: the checked actions of a session, violations per anchor, and whether
//! violations grow as the session goes on (read from `.ctx/drift.jsonl`).

use crate::output::{self, Global};
use ctx_engine::check::{self, Decision, DriftReport};
use std::process::ExitCode;

/// Arguments of `ctx drift`.
#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    #[command(subcommand)]
    command: DriftCommand,
}

#[derive(Debug, clap::Subcommand)]
enum DriftCommand {
    /// Timeline, violations per anchor and trend of a session (or all sessions).
    Report {
        /// Only this session (the agent's session id).
        #[arg(long, value_name = "ID")]
        session: Option<String>,
        /// Show at most this many timeline entries (the latest ones).
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

/// Runs `ctx drift`.
pub fn run(args: DriftArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let DriftCommand::Report { session, limit } = args.command;
    let root = global.root()?;
    let (records, unreadable) = check::read_records(&root)?;
    if let Some(id) = &session {
        if !records
            .iter()
            .any(|r| r.session.as_deref() == Some(id.as_str()))
        {
            let known: Vec<String> = records
                .iter()
                .filter_map(|r| r.session.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .take(5)
                .collect();
            anyhow::bail!(
                "no checks recorded for session \"{id}\" in {}; known sessions: {}",
                check::drift_path(&root).display(),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            );
        }
    }
    let report = check::build_report(records, session.as_deref(), unreadable);
    if global.json {
        output::summary(&report)?;
    } else {
        output::write_stdout(format_args!("{}", human(&report, limit)))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn human(report: &DriftReport, limit: usize) -> String {
    let mut text = String::new();
    let scope = report
        .session
        .as_deref()
        .map_or("all sessions".to_string(), |s| format!("session {s}"));
    text.push_str(&format!(
        "drift report, {scope}: {} checks, {} denied, {} warned\n",
        report.checks, report.denied, report.warned
    ));
    if report.checks == 0 {
        text.push_str("no checks recorded yet: install a hook with `ctx hook install claude`\n");
        return text;
    }
    text.push_str("\ntimeline:\n");
    let skip = report.timeline.len().saturating_sub(limit);
    if skip > 0 {
        text.push_str(&format!("  … {skip} earlier checks\n"));
    }
    for r in report.timeline.iter().skip(skip) {
        let mark = match r.verdict {
            Decision::Deny => "DENY ",
            Decision::Ask => "ask  ",
            Decision::Warn => "warn ",
            Decision::Allow => "allow",
        };
        let anchors = if r.anchors.is_empty() {
            String::new()
        } else {
            format!("  [{}]", r.anchors.join(", "))
        };
        text.push_str(&format!(
            "  {} {mark} {}{anchors}\n",
            &r.time[..r.time.len().min(19)],
            r.action
        ));
    }
    if !report.per_anchor.is_empty() {
        text.push_str("\nviolations per anchor:\n");
        for a in &report.per_anchor {
            text.push_str(&format!(
                "  {:<16} {} denied, {} warned\n",
                a.anchor, a.denied, a.warned
            ));
        }
    }
    let t = &report.trend;
    text.push_str(&format!(
        "\ntrend: {} (violation rate {:.0}% in the first half, {:.0}% in the second; slope {:+.1} per 100 checks)\n",
        t.direction,
        t.first_half_rate * 100.0,
        t.second_half_rate * 100.0,
        t.slope_per_100
    ));
    if report.sessions.len() > 1 && report.session.is_none() {
        text.push_str(&format!(
            "sessions: {} (narrow with --session ID)\n",
            report.sessions.len()
        ));
    }
    if report.unreadable_lines > 0 {
        text.push_str(&format!(
            "note: {} unreadable lines in the log were skipped\n",
            report.unreadable_lines
        ));
    }
    text
}
