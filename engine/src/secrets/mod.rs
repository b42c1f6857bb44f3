//! The secret filter: one function that masks secrets in any text before it leaves ctx.
//!
//! Every exit calls it: packs, search results (command line, MCP, daemon), MCP tool
//! results, `--explain`, check reports (human, JSON, SARIF, GitHub), the drift log and
//! the daemon's replies. What it finds:
//!
//! - the shapes of `rules.toml`: private keys, cloud and SaaS keys and tokens (AWS, GCP,
//!   Azure, GitHub, GitLab, Slack, Stripe, OpenAI, Anthropic...), JWTs, connection-string
//!   passwords, `Authorization` headers, passwords on command lines, password hashes;
//! - secrets given to a name (`SECRET_KEY = '…'`, `MYSQL_ROOT_PASSWORD: …`,
//!   `"client_secret": "…"`): see [`assignment`];
//! - any provider's token given to a key-ish name (`airbrakeProjectKey: "…"`,
//!   `token for pagerduty: …`): the `generic-secret` rule, by entropy, alphabet and length,
//!   with stopwords and allow patterns for identifiers and paths.
//!
//! A secret is replaced by `[redacted:KIND]`; the text keeps its number of lines, so line
//! numbers stay right. Files that hold secrets as a whole ([`is_secret_file`]) are not
//! indexed at all.

mod assignment;
mod files;
mod rules;
#[cfg(test)]
mod tests;

pub use files::is_secret_file;

use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

/// The kind of the generic detector of `rules.toml` (a key-ish name given a high-entropy
/// token), which gives way to any other detector finding the same secret.
const GENERIC: &str = "generic-secret";

/// Counts of masked secrets by kind.
pub type SecretCounts = BTreeMap<String, u32>;

/// One secret found in a text: its kind and byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule that found it (`aws-access-key`, `private-key`, `secret-assignment`...).
    pub kind: String,
    /// Where the secret is in the text.
    pub range: Range<usize>,
}

/// Every secret in `text`, in order, without overlaps (the earliest, then the longest, wins).
pub fn find_secrets(text: &str) -> Vec<Finding> {
    find_with(rules::rules(), text)
}

/// [`find_secrets`] with the rules given: only the rules `text` wakes are compiled and run.
fn find_with(rules: &rules::Rules, text: &str) -> Vec<Finding> {
    let active = rules.active(text);
    let mut found = Vec::new();
    for (rule, _) in rules.table.iter().zip(&active).filter(|(_, on)| **on) {
        for caps in rule.regex().captures_iter(text) {
            let target = caps
                .name("secret")
                .unwrap_or_else(|| caps.get(0).expect("group 0 always exists"));
            if target.is_empty()
                || target.as_str().contains("redacted:")
                || !rule.accepts(&caps, target.as_str())
            {
                continue;
            }
            found.push(Finding {
                kind: rule.id.clone(),
                range: target.range(),
            });
        }
    }
    if active[rules.table.len()] {
        found.extend(assignment::find(text).into_iter().map(|range| Finding {
            kind: assignment::KIND.to_string(),
            range,
        }));
    }
    // The earliest, then the longest; at the same place a named detector before the
    // generic one, so the kind says what the secret is when both find it.
    found.sort_by(|a, b| {
        a.range
            .start
            .cmp(&b.range.start)
            .then(b.range.end.cmp(&a.range.end))
            .then((a.kind == GENERIC).cmp(&(b.kind == GENERIC)))
    });
    let mut kept: Vec<Finding> = Vec::with_capacity(found.len());
    for finding in found {
        if kept
            .last()
            .is_none_or(|last| finding.range.start >= last.range.end)
        {
            kept.push(finding);
        }
    }
    kept
}

/// Masks every secret in `text`; returns the masked text (borrowed when there was none)
/// and adds what was masked to `counts`.
pub fn mask_secrets<'t>(text: &'t str, counts: &mut SecretCounts) -> Cow<'t, str> {
    let found = find_secrets(text);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for finding in &found {
        out.push_str(&text[last..finding.range.start]);
        out.push_str(&redaction(&finding.kind, &text[finding.range.clone()]));
        last = finding.range.end;
        *counts.entry(finding.kind.clone()).or_default() += 1;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// [`mask_secrets`] without counts.
pub fn redact(text: &str) -> Cow<'_, str> {
    mask_secrets(text, &mut SecretCounts::new())
}

/// [`redact`] for an owned text.
pub fn redact_owned(text: String) -> String {
    match redact(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(masked) => masked,
    }
}

/// Masks secrets in consecutive `lines` read as one text, and returns them line by line
/// (as many as were given).
///
/// Use it before a line is quoted after a prefix (`PATH:LINE: …` in a check report): the
/// filter then sees each line where it stood, with its neighbours (a private key's body,
/// `password: hunter` alone on its line), not behind text that changes its meaning.
pub fn redact_lines<'l>(lines: impl IntoIterator<Item = &'l str>) -> Vec<String> {
    let lines: Vec<&str> = lines.into_iter().collect();
    if lines.iter().any(|line| line.contains('\n')) {
        // Not lines: mask each text alone, so that the count still matches.
        return lines.iter().map(|line| redact(line).into_owned()).collect();
    }
    let joined = lines.join("\n");
    match redact(&joined) {
        Cow::Borrowed(_) => lines.iter().map(|line| line.to_string()).collect(),
        // A redaction keeps its secret's newlines: the count of lines is unchanged.
        Cow::Owned(masked) => masked.split('\n').map(str::to_string).collect(),
    }
}

/// Masks secrets in `text` in place; returns how many were masked.
pub fn redact_string(text: &mut String) -> u32 {
    let mut counts = SecretCounts::new();
    if let Cow::Owned(masked) = mask_secrets(text, &mut counts) {
        *text = masked;
    }
    counts.values().sum()
}

/// Masks secrets in every string of a JSON value (not in object keys); returns how many
/// were masked. Use it on structured output before it is serialised: masking the
/// serialised text could break its escapes.
pub fn redact_json(value: &mut Value) -> u32 {
    match value {
        Value::String(text) => redact_string(text),
        Value::Array(items) => items.iter_mut().map(redact_json).sum(),
        Value::Object(map) => map.values_mut().map(redact_json).sum(),
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
    }
}

/// The replacement for one secret: a marker, then as many newlines as the secret held.
fn redaction(kind: &str, secret: &str) -> String {
    let newlines = secret.matches('\n').count();
    if newlines == 0 {
        return format!("[redacted:{kind}]");
    }
    let mut out = format!("\n[redacted:{kind}]");
    out.push_str(&"\n".repeat(newlines - 1));
    out
}
