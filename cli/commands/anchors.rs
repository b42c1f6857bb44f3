//! `ctx anchors`: list, pin and manage anchors (the project's constraints).

use crate::output::{self, outln, Global};
use anyhow::Context;
use ctx_engine::anchor::{pinned, Anchor, AnchorSet, AnchorSource, Matcher, Polarity, Severity};
use std::process::ExitCode;

/// Arguments of `ctx anchors`.
#[derive(Debug, clap::Args)]
pub struct AnchorsArgs {
    #[command(subcommand)]
    command: AnchorsCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AnchorsCommand {
    /// Pin a rule in .ctx/anchors.toml (compiled into matchers where ctx understands it).
    Add(AddArgs),
    /// List every anchor: built-in, pinned, extracted from docs, and the plan's, with its
    /// tier (deny, ask, remind) and why.
    List,
    /// Per document: how many rules are enforced (deny), asked and reminded, and why each
    /// one is not enforced.
    Coverage,
    /// Show one anchor in full (ID or a unique prefix of it).
    Show(IdArg),
    /// Explain what was compiled from an anchor's text, and why.
    Explain(IdArg),
    /// Turn an anchor off (recorded in .ctx/anchors.toml).
    Disable(IdArg),
    /// Turn a disabled anchor back on.
    Enable(IdArg),
    /// Remove a pinned anchor from .ctx/anchors.toml.
    Rm(IdArg),
}

#[derive(Debug, clap::Args)]
struct IdArg {
    /// Anchor id, or a unique prefix of one.
    id: String,
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    /// The rule in words, e.g. "Never use the real DB in tests".
    text: String,
    /// Globs the rule applies to (repeatable); default: the whole repository.
    #[arg(long, value_name = "GLOB")]
    scope: Vec<String>,
    /// The tier: deny (block) the action, ask the user to confirm it, or remind the model (warn).
    #[arg(long, default_value = "block", value_parser = ["block", "deny", "ask", "warn", "remind"])]
    severity: String,
    /// Whether the rule forbids, requires or explicitly allows.
    #[arg(long, default_value = "never", value_parser = ["never", "always", "allowed"])]
    polarity: String,
    /// A command to forbid: program, subcommand words and flags, e.g. "git push --force".
    #[arg(long, value_name = "CMD")]
    forbid_command: Vec<String>,
    /// A path glob that may not be written, edited or deleted, e.g. "generated/**".
    #[arg(long, value_name = "GLOB")]
    forbid_path: Vec<String>,
    /// A regex forbidden in added lines, e.g. '\.unwrap\(\)'.
    #[arg(long, value_name = "REGEX")]
    forbid_pattern: Vec<String>,
    /// An explicit id (default: derived from the text).
    #[arg(long)]
    id: Option<String>,
    /// Do not compile matchers from the text; keep only the explicit --forbid-* ones.
    #[arg(long)]
    no_compile: bool,
}

/// Runs `ctx anchors`.
pub fn run(args: AnchorsArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let root = global.root()?;
    match args.command {
        AnchorsCommand::Add(add) => run_add(&root, add, global),
        AnchorsCommand::List => run_list(&root, global),
        AnchorsCommand::Coverage => run_coverage(&root, global),
        AnchorsCommand::Show(id) => run_show(&root, &id.id, global, false),
        AnchorsCommand::Explain(id) => run_show(&root, &id.id, global, true),
        AnchorsCommand::Disable(id) => run_toggle(&root, &id.id, false, global),
        AnchorsCommand::Enable(id) => run_toggle(&root, &id.id, true, global),
        AnchorsCommand::Rm(id) => run_rm(&root, &id.id, global),
    }
}

fn load(root: &std::path::Path) -> anyhow::Result<AnchorSet> {
    let set =
        AnchorSet::load(root).with_context(|| format!("loading anchors of {}", root.display()))?;
    for diagnostic in set.diagnostics() {
        output::warn(diagnostic);
    }
    Ok(set)
}

fn resolve<'a>(set: &'a AnchorSet, id: &str) -> anyhow::Result<&'a Anchor> {
    set.find(id).map_err(anyhow::Error::msg)
}

fn run_add(root: &std::path::Path, add: AddArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let polarity = Polarity::parse(&add.polarity).expect("clap restricts values");
    let severity = Severity::parse(&add.severity).expect("clap restricts values");
    let compiled = if add.no_compile {
        ctx_indexers::constraint::CompiledRule::default()
    } else {
        ctx_indexers::constraint::compile_text(&add.text, polarity)
    };
    let mut scope = add.scope.clone();
    if scope.is_empty() {
        scope = compiled.scope.clone();
    }
    let new = pinned::NewPinned {
        text: add.text.clone(),
        id: add.id.clone(),
        polarity,
        severity,
        scope,
        forbid_command: add.forbid_command,
        forbid_path: add.forbid_path,
        forbid_pattern: add.forbid_pattern,
        matchers: compiled.matchers,
        notes: compiled.notes,
    };
    let id = pinned::add_pinned(root, &new).context("pinning the anchor")?;
    let set = load(root)?;
    let anchor = resolve(&set, &id)?;
    if global.json {
        output::record("anchor", &without_embedding(anchor))?;
        output::summary(&serde_json::json!({"pinned": anchor.id}))?;
    } else {
        outln!("pinned {} in .ctx/anchors.toml", anchor.id)?;
        print_matchers(anchor)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The anchor as JSON shows it (without its embedding vector).
fn without_embedding(anchor: &Anchor) -> Anchor {
    let mut anchor = anchor.clone();
    anchor.embedding = None;
    anchor
}

fn run_list(root: &std::path::Path, global: &Global) -> anyhow::Result<ExitCode> {
    let set = load(root)?;
    let checkable = set
        .anchors()
        .iter()
        .filter(|a| !a.matchers.is_empty())
        .count();
    if global.json {
        for anchor in set.anchors() {
            output::record("anchor", &without_embedding(anchor))?;
        }
        let enabled = set.anchors().iter().filter(|a| a.enabled).count();
        output::summary(&serde_json::json!({
            "anchors": set.anchors().len(), "enabled": enabled, "with_matchers": checkable,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    for anchor in set.anchors() {
        let kinds: Vec<&str> = anchor.matchers.iter().map(Matcher::kind).collect();
        let checks = if kinds.is_empty() {
            "semantic".to_string()
        } else {
            kinds.join(",")
        };
        let state = if anchor.enabled { "" } else { " (disabled)" };
        outln!(
            "{:<16} {:<7} {:<6} {:<20} {:<28} {}{state}",
            anchor.id,
            anchor.polarity.as_str(),
            anchor.severity.tier(),
            truncate(&checks, 20),
            truncate(&source_short(&anchor.source), 28),
            truncate(&anchor.text, 90)
        )?;
        outln!("{:<16} why: {}", "", truncate(&anchor.tier_why(), 140))?;
    }
    output::info(format!(
        "{} anchors, {checkable} with matchers",
        set.anchors().len()
    ));
    Ok(ExitCode::SUCCESS)
}

/// One document's rules by tier.
#[derive(Debug, Default, serde::Serialize)]
struct DocumentCoverage {
    document: String,
    deny: usize,
    ask: usize,
    remind: usize,
    /// The rules that are not enforced (ask and remind), with the reason.
    not_enforced: Vec<NotEnforced>,
}

#[derive(Debug, serde::Serialize)]
struct NotEnforced {
    id: String,
    tier: &'static str,
    line: u32,
    text: String,
    why: String,
}

fn run_coverage(root: &std::path::Path, global: &Global) -> anyhow::Result<ExitCode> {
    let set = load(root)?;
    let mut documents: std::collections::BTreeMap<String, DocumentCoverage> = Default::default();
    for anchor in set.anchors() {
        let AnchorSource::Doc { path, line } = &anchor.source else {
            continue;
        };
        let doc = documents
            .entry(path.clone())
            .or_insert_with(|| DocumentCoverage {
                document: path.clone(),
                ..DocumentCoverage::default()
            });
        match anchor.severity {
            Severity::Block => doc.deny += 1,
            Severity::Ask => doc.ask += 1,
            Severity::Warn => doc.remind += 1,
        }
        if anchor.severity != Severity::Block {
            doc.not_enforced.push(NotEnforced {
                id: anchor.id.clone(),
                tier: anchor.severity.tier(),
                line: *line,
                text: anchor.text.clone(),
                why: anchor.tier_why(),
            });
        }
    }
    if global.json {
        let (mut deny, mut ask, mut remind) = (0, 0, 0);
        for doc in documents.values() {
            deny += doc.deny;
            ask += doc.ask;
            remind += doc.remind;
            output::record("coverage", doc)?;
        }
        output::summary(&serde_json::json!({
            "documents": documents.len(), "deny": deny, "ask": ask, "remind": remind
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    if documents.is_empty() {
        outln!("no rules extracted from documents: run `ctx index` first, or add an AGENTS.md")?;
        return Ok(ExitCode::SUCCESS);
    }
    for doc in documents.values() {
        outln!(
            "{}: {} enforced (deny), {} ask, {} remind",
            doc.document,
            doc.deny,
            doc.ask,
            doc.remind
        )?;
        for rule in &doc.not_enforced {
            outln!(
                "  {:<6} line {:<4} {}",
                rule.tier,
                rule.line,
                truncate(&rule.text, 100)
            )?;
            outln!("         {}", truncate(&rule.why, 140))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn source_short(source: &AnchorSource) -> String {
    match source {
        AnchorSource::Doc { path, line } => format!("{path}:{line}"),
        AnchorSource::Pinned => "pinned".into(),
        AnchorSource::Builtin => "builtin".into(),
        AnchorSource::Plan => "plan".into(),
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut t: String = text.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn run_show(
    root: &std::path::Path,
    id: &str,
    global: &Global,
    explain: bool,
) -> anyhow::Result<ExitCode> {
    let set = load(root)?;
    let anchor = resolve(&set, id)?;
    if global.json {
        let mut value = serde_json::to_value(without_embedding(anchor))?;
        if explain {
            value["explanation"] = serde_json::json!(explanation(anchor));
        }
        output::record("anchor", &value)?;
        output::summary(&serde_json::json!({"anchors": 1}))?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("id:       {}", anchor.id)?;
    outln!("text:     {}", anchor.text)?;
    outln!("source:   {}", anchor.source.label())?;
    outln!("polarity: {}", anchor.polarity.as_str())?;
    outln!(
        "tier:     {} ({})",
        anchor.severity.tier(),
        anchor.tier_why()
    )?;
    outln!("enabled:  {}", anchor.enabled)?;
    if !anchor.scope.is_empty() {
        outln!("scope:    {}", anchor.scope.join(", "))?;
    }
    if explain {
        outln!("compiled:")?;
        for line in explanation(anchor) {
            outln!("  {line}")?;
        }
    } else {
        print_matchers(anchor)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What was compiled from the text and why, one line each.
fn explanation(anchor: &Anchor) -> Vec<String> {
    if anchor.matchers.is_empty() {
        return vec![
            "semantic-only: no checkable phrase recognised (checked by meaning only, warn at most)"
                .into(),
        ];
    }
    let mut lines: Vec<String> = anchor
        .notes
        .iter()
        .filter(|n| !n.starts_with("semantic-only"))
        .cloned()
        .collect();
    if lines.is_empty() {
        lines.push("explicit matchers (written in .ctx/anchors.toml or ctx's built-ins)".into());
    }
    for m in &anchor.matchers {
        lines.push(format!("matcher: {}", m.describe()));
    }
    lines
}

fn print_matchers(anchor: &Anchor) -> std::io::Result<()> {
    if anchor.matchers.is_empty() {
        outln!("matchers: none (semantic-only: no checkable phrase recognised)")?;
    }
    for m in &anchor.matchers {
        outln!("matcher:  {}", m.describe())?;
    }
    Ok(())
}

fn run_toggle(
    root: &std::path::Path,
    id: &str,
    enabled: bool,
    global: &Global,
) -> anyhow::Result<ExitCode> {
    let set = load(root)?;
    let anchor = resolve(&set, id)?;
    let id = anchor.id.clone();
    if anchor.enabled == enabled {
        let state = if enabled { "enabled" } else { "disabled" };
        anyhow::bail!("anchor {id} is already {state}");
    }
    pinned::set_enabled(root, &id, enabled)
        .with_context(|| format!("updating .ctx/anchors.toml for {id}"))?;
    let word = if enabled { "enabled" } else { "disabled" };
    if global.json {
        output::summary(&serde_json::json!({"id": id, "enabled": enabled}))?;
    } else {
        outln!("{word} {id}")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run_rm(root: &std::path::Path, id: &str, global: &Global) -> anyhow::Result<ExitCode> {
    let set = load(root)?;
    let id = resolve(&set, id)?.id.clone();
    pinned::remove_pinned(root, &id).with_context(|| format!("removing {id}"))?;
    if global.json {
        output::summary(&serde_json::json!({"removed": id}))?;
    } else {
        outln!("removed {id}")?;
    }
    Ok(ExitCode::SUCCESS)
}
