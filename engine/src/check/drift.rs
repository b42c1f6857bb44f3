//! The drift log `.ctx/drift.jsonl`: one line per checked action, and the report built on it.
//!
//! The log is append-only. Each record is written with a single `write` on a file opened with
//! `O_APPEND`, so concurrent hooks (agents run matching hooks in parallel) never interleave
//! partial lines.

use super::verdict::Decision;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One checked action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftRecord {
    /// When, as RFC 3339 UTC.
    pub time: String,
    /// The agent's session id, when the action came from a hook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// `claude`, `codex`, `gemini`, `cursor`, `git` or `cli`.
    pub agent: String,
    /// The verdict.
    pub verdict: Decision,
    /// The anchors that decided it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anchors: Vec<String>,
    /// A one-line summary of the action (`Bash: git push --force`).
    pub action: String,
}

/// The path of the drift log.
pub fn drift_path(root: &Path) -> PathBuf {
    root.join(".ctx").join("drift.jsonl")
}

/// Appends a record to the drift log (creating `.ctx/` and the log, owner-only, when
/// missing), with secrets in it masked; never through a symbolic link.
pub fn append_record(root: &Path, record: &DriftRecord) -> Result<()> {
    let path = drift_path(root);
    if let Some(dir) = path.parent() {
        crate::private_fs::create_dir(dir)?;
    }
    let mut value = serde_json::to_value(record).map_err(|e| Error::Invalid(e.to_string()))?;
    crate::secrets::redact_json(&mut value);
    let mut line = value.to_string();
    line.push('\n');
    let mut file = crate::private_fs::open_append(&path)?;
    file.write_all(line.as_bytes())
        .map_err(|e| Error::io("appending to", &path, e))
}

/// Reads every well-formed record; returns them with the number of lines that were not.
pub fn read_records(root: &Path) -> Result<(Vec<DriftRecord>, usize)> {
    let path = drift_path(root);
    let text = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(Error::io("reading", path, e)),
    };
    let mut records = Vec::new();
    let mut bad = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str(line) {
            Ok(record) => records.push(record),
            Err(_) => bad += 1,
        }
    }
    Ok((records, bad))
}

/// Violations of one anchor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnchorCount {
    /// The anchor id.
    pub anchor: String,
    /// Denials it caused.
    pub denied: usize,
    /// Warnings it caused.
    pub warned: usize,
}

/// Whether violations grow over a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Share of checks that were violations in the first half of the timeline.
    pub first_half_rate: f64,
    /// The same in the second half.
    pub second_half_rate: f64,
    /// Least-squares slope of the violation indicator over the check index (per 100 checks).
    pub slope_per_100: f64,
    /// `growing`, `shrinking`, `flat`, or `too few checks` (fewer than 4).
    pub direction: String,
}

/// The drift report of one session (or all of them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// The session reported on, or `None` for every session.
    pub session: Option<String>,
    /// Sessions seen in the log, with their number of checks.
    pub sessions: BTreeMap<String, usize>,
    /// Checked actions, in time order.
    pub timeline: Vec<DriftRecord>,
    /// Checks in total, and denials and warnings among them.
    pub checks: usize,
    /// Denied actions.
    pub denied: usize,
    /// Warned actions.
    pub warned: usize,
    /// Violations per anchor, most violated first.
    pub per_anchor: Vec<AnchorCount>,
    /// Whether violations grow as the session goes on.
    pub trend: Trend,
    /// Log lines that could not be read.
    pub unreadable_lines: usize,
}

/// Builds the report over `records`, restricted to `session` when given.
pub fn build_report(
    records: Vec<DriftRecord>,
    session: Option<&str>,
    unreadable: usize,
) -> DriftReport {
    let mut sessions = BTreeMap::new();
    for r in &records {
        *sessions
            .entry(r.session.clone().unwrap_or_else(|| "(none)".into()))
            .or_insert(0) += 1;
    }
    let mut timeline: Vec<DriftRecord> = records
        .into_iter()
        .filter(|r| session.is_none_or(|s| r.session.as_deref() == Some(s)))
        .collect();
    timeline.sort_by(|a, b| a.time.cmp(&b.time));
    let mut per_anchor: BTreeMap<String, AnchorCount> = BTreeMap::new();
    for r in &timeline {
        for id in &r.anchors {
            let entry = per_anchor.entry(id.clone()).or_insert_with(|| AnchorCount {
                anchor: id.clone(),
                denied: 0,
                warned: 0,
            });
            match r.verdict {
                Decision::Deny => entry.denied += 1,
                Decision::Warn | Decision::Ask => entry.warned += 1,
                Decision::Allow => {}
            }
        }
    }
    let mut per_anchor: Vec<AnchorCount> = per_anchor.into_values().collect();
    per_anchor.sort_by_key(|a| std::cmp::Reverse(a.denied + a.warned));
    let flags: Vec<bool> = timeline
        .iter()
        .map(|r| r.verdict != Decision::Allow)
        .collect();
    DriftReport {
        session: session.map(String::from),
        sessions,
        checks: timeline.len(),
        denied: timeline
            .iter()
            .filter(|r| r.verdict == Decision::Deny)
            .count(),
        warned: timeline
            .iter()
            .filter(|r| matches!(r.verdict, Decision::Warn | Decision::Ask))
            .count(),
        trend: trend(&flags),
        timeline,
        per_anchor,
        unreadable_lines: unreadable,
    }
}

fn trend(violations: &[bool]) -> Trend {
    let n = violations.len();
    let rate = |part: &[bool]| {
        if part.is_empty() {
            0.0
        } else {
            part.iter().filter(|v| **v).count() as f64 / part.len() as f64
        }
    };
    let (first, second) = violations.split_at(n / 2);
    let (first_rate, second_rate) = (rate(first), rate(second));
    let slope = slope(violations) * 100.0;
    let direction = if n < 4 {
        "too few checks"
    } else if second_rate - first_rate > 0.05 && slope > 0.0 {
        "growing"
    } else if first_rate - second_rate > 0.05 && slope < 0.0 {
        "shrinking"
    } else {
        "flat"
    };
    Trend {
        first_half_rate: first_rate,
        second_half_rate: second_rate,
        slope_per_100: slope,
        direction: direction.to_string(),
    }
}

fn slope(values: &[bool]) -> f64 {
    let n = values.len() as f64;
    if values.len() < 2 {
        return 0.0;
    }
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = values.iter().filter(|v| **v).count() as f64 / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (i, v) in values.iter().enumerate() {
        let dx = i as f64 - mean_x;
        num += dx * (f64::from(u8::from(*v)) - mean_y);
        den += dx * dx;
    }
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// The current time as RFC 3339 UTC with milliseconds (`2026-11-21T09:42:01.123Z`).
pub fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_millis()
    )
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: usize, session: &str, verdict: Decision, anchors: &[&str]) -> DriftRecord {
        DriftRecord {
            time: format!("2026-01-01T00:00:{i:02}.000Z"),
            session: Some(session.into()),
            agent: "claude".into(),
            verdict,
            anchors: anchors.iter().map(|s| s.to_string()).collect(),
            action: format!("Bash: step {i}"),
        }
    }

    #[test]
    fn appends_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let r = record(1, "s1", Decision::Deny, &["d-1"]);
        append_record(dir.path(), &r).unwrap();
        append_record(dir.path(), &r).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(drift_path(dir.path()))
            .unwrap()
            .write_all(b"{broken\n")
            .unwrap();
        let (records, bad) = read_records(dir.path()).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(bad, 1);
    }

    #[test]
    fn concurrent_appends_never_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let root = root.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        let mut r = record(i % 60, &format!("s{t}"), Decision::Allow, &[]);
                        r.action = "x".repeat(500);
                        append_record(&root, &r).unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let (records, bad) = read_records(&root).unwrap();
        assert_eq!((records.len(), bad), (400, 0));
    }

    #[test]
    fn report_counts_per_anchor_and_sees_growth() {
        let mut records = Vec::new();
        for i in 0..10 {
            let verdict = if i >= 6 {
                Decision::Deny
            } else {
                Decision::Allow
            };
            let anchors: &[&str] = if i >= 6 { &["d-push"] } else { &[] };
            records.push(record(i, "s1", verdict, anchors));
        }
        records.push(record(30, "s2", Decision::Warn, &["d-other"]));
        let report = build_report(records, Some("s1"), 0);
        assert_eq!(report.checks, 10);
        assert_eq!(report.denied, 4);
        assert_eq!(report.per_anchor[0].anchor, "d-push");
        assert_eq!(report.per_anchor[0].denied, 4);
        assert_eq!(report.trend.direction, "growing");
        assert_eq!(report.sessions.len(), 2);
    }

    #[test]
    fn flat_sessions_are_flat() {
        let records: Vec<_> = (0..8)
            .map(|i| {
                let v = if i % 2 == 0 {
                    Decision::Deny
                } else {
                    Decision::Allow
                };
                record(i, "s", v, &["a"])
            })
            .collect();
        assert_eq!(build_report(records, None, 0).trend.direction, "flat");
    }

    #[test]
    fn time_is_rfc3339() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 24, "{t}");
        assert!(t.ends_with('Z'));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    }
}
