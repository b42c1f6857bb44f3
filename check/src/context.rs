//! What ctx puts in the model's context: the anchors digest and when to send it again, and
//! the rules reminded right after a tool touched what they govern.

use crate::action::{self, Action};
use crate::EventKind;
use crate::{HookEvent, ModelMessage};
use ctx_engine::anchor::{concerns, Anchor, AnchorSet, AnchorSource, Polarity, Severity};
use ctx_engine::check::{CheckConfig, PathContext, SessionState, Verdict};
use std::path::Path;

/// Characters counted per token when a block is fitted to a token budget: code-like rule
/// text runs at 3 to 4 characters a token, so 3 keeps a block within its budget.
const CHARS_PER_TOKEN: usize = 3;

/// The anchors digest for a session-start or prompt event, when the session's state says it
/// is due (session start, first prompt seen, after a deny, every `reanchor_every` prompts).
pub fn reanchor(root: &Path, event: &HookEvent, config: &CheckConfig) -> Option<String> {
    let session = event.session.as_deref().unwrap_or("(no session)");
    let mut state = SessionState::load(root, session);
    let reason = match event.kind {
        EventKind::SessionStart { fresh_context } => Some(state.on_session_start(fresh_context)),
        _ => state.on_prompt(config.reanchor_every),
    };
    let _ = state.save(root, session);
    reason?;
    let set = AnchorSet::load(root).ok()?;
    anchors_block(set.anchors(), config.digest_tokens)
}

/// The anchors digest for a sub-agent that starts. Always sent: the sub-agent's context is
/// its own and holds none of the rules its parent was given. The session's state is left as
/// it is: Claude Code sends the parent's session id with the event (Codex's may be either),
/// and the parent's own context has not changed.
pub fn digest(root: &Path, config: &CheckConfig) -> Option<String> {
    let set = AnchorSet::load(root).ok()?;
    anchors_block(set.anchors(), config.digest_tokens)
}

/// The first message of a model request with the anchors digest put in front of it, when
/// the request holds the digest nowhere (Gemini CLI after compressing its history or after
/// `/clear`); `None` when it does, when there are no active anchors, or when the request
/// does not start with a user message (the digest is never put into a model message). A
/// request without the digest also marks the session's context as fresh: reminders may come
/// again and the next prompt re-sends the digest into the history, after which the requests
/// hold it and go unchanged. The digest is looked for as sent and as Gemini CLI stores hook
/// context (`<` and `>` escaped); anchors edited since it was sent count as missing.
pub fn restore(
    root: &Path,
    event: &HookEvent,
    config: &CheckConfig,
    messages: &[ModelMessage],
) -> Option<ModelMessage> {
    let set = AnchorSet::load(root).ok()?;
    let digest = anchors_block(set.anchors(), config.digest_tokens)?;
    let held = holds_digest(messages, &digest);
    let session = event.session.as_deref().unwrap_or("(no session)");
    let mut state = SessionState::load(root, session);
    if state.on_model_request(held) {
        let _ = state.save(root, session);
    }
    if held {
        return None;
    }
    let first = messages.first().filter(|m| m.role == "user")?;
    Some(ModelMessage {
        role: first.role.clone(),
        content: format!("{digest}\n{}", first.content),
    })
}

/// True when one of `messages` holds `digest`, as sent or with `<` and `>` escaped.
fn holds_digest(messages: &[ModelMessage], digest: &str) -> bool {
    let escaped = digest.replace('<', "&lt;").replace('>', "&gt;");
    messages
        .iter()
        .any(|m| m.content.contains(digest) || m.content.contains(&escaped))
}

/// Records a denial in the session's state, so the next prompt re-sends the anchors.
pub fn remember_denial(root: &Path, session: Option<&str>) {
    if let Some(session) = session {
        let mut state = SessionState::load(root, session);
        state.denied_since = true;
        let _ = state.save(root, session);
    }
}

/// Keeps a pre-tool warning for the answer after the same tool call (`key`), for agents
/// that do not give the model a pre-tool answer's context. Its rules count as reminded: the
/// model reads them with that answer.
pub fn carry_warning(root: &Path, event: &HookEvent, key: &str, verdict: &Verdict) {
    let session = event.session.as_deref().unwrap_or("(no session)");
    let mut state = SessionState::load(root, session);
    state.carry_warning(key, &verdict.reason());
    for id in verdict.anchor_ids() {
        state.remember_reminder(&id);
    }
    let _ = state.save(root, session);
}

/// What follows a tool call that ran: the warning kept for it before it ran (`carried`, the
/// call's key; see [`carry_warning`]), then the rules for what it touched not reminded in
/// the last `remind_every` tool calls of the session, within `remind_tokens`.
pub fn after_tool(
    root: &Path,
    event: &HookEvent,
    action: &Action,
    config: &CheckConfig,
    carried: Option<&str>,
) -> Option<String> {
    let session = event.session.as_deref().unwrap_or("(no session)");
    let mut state = SessionState::load(root, session);
    let before = state.clone();
    state.on_tool_call();
    let warning = carried.and_then(|key| state.take_warning(key));
    let reminders = match config.remind_tokens {
        0 => None,
        _ => reminders(root, event, action, config, &mut state),
    };
    // Most tool calls change nothing (no reminder on record, none due, nothing carried):
    // they write nothing.
    if state != before {
        let _ = state.save(root, session);
    }
    match (warning, reminders) {
        (Some(warning), Some(reminders)) => Some(format!("{warning}\n\n{reminders}")),
        (warning, reminders) => warning.or(reminders),
    }
}

/// The rules for what a tool call just touched, not reminded in the last `remind_every`
/// tool calls of the session, within `remind_tokens`; recorded in `state` as reminded.
fn reminders(
    root: &Path,
    event: &HookEvent,
    action: &Action,
    config: &CheckConfig,
    state: &mut SessionState,
) -> Option<String> {
    let cwd = event.cwd.clone().unwrap_or_else(|| root.to_path_buf());
    let facts = action::facts(action, &PathContext::new(root, &cwd)).ok();
    let set = AnchorSet::load(root).ok();
    facts.zip(set).and_then(|(facts, set)| {
        let due: Vec<&Anchor> = ranked(set.anchors())
            .into_iter()
            .filter(|a| concerns(a, &facts) && state.reminder_due(&a.id, config.remind_every))
            .collect();
        let heading = "Project rules for what you just touched (ctx):\n";
        let (text, shown) = fit(heading, &due, config.remind_tokens, None);
        for anchor in &due[..shown] {
            state.remember_reminder(&anchor.id);
        }
        (shown > 0).then_some(text)
    })
}

/// The active anchors as a digest within `tokens`: hard rules first, then the rules that
/// ask, then the reminders; each with its scope; a pointer to the rest when they do not fit.
pub fn anchors_block(anchors: &[Anchor], tokens: usize) -> Option<String> {
    let active = ranked(anchors);
    if active.is_empty() {
        return None;
    }
    let heading = format!(
        "Project rules (ctx anchors, {} active). They apply to every action; ctx checks them:\n",
        active.len()
    );
    Some(fit(&heading, &active, tokens, Some("`ctx anchors list`")).0)
}

/// Enabled anchors by tier (deny, ask, remind), then source (pinned, plan, documents,
/// built-in), keeping their order otherwise.
fn ranked(anchors: &[Anchor]) -> Vec<&Anchor> {
    let mut active: Vec<&Anchor> = anchors.iter().filter(|a| a.enabled).collect();
    active.sort_by_key(|a| {
        let tier = match a.severity {
            Severity::Block => 0,
            Severity::Ask => 1,
            Severity::Warn => 2,
        };
        let source = match a.source {
            AnchorSource::Pinned => 0,
            AnchorSource::Plan => 1,
            AnchorSource::Doc { .. } => 2,
            AnchorSource::Builtin => 3,
        };
        (tier, source)
    });
    active
}

/// `heading` and as many anchor lines as fit in `tokens`; with `rest`, a last line naming
/// how many were left out and where to see them. Returns the text and the lines shown.
fn fit(heading: &str, anchors: &[&Anchor], tokens: usize, rest: Option<&str>) -> (String, usize) {
    let budget = tokens * CHARS_PER_TOKEN;
    let mut text = heading.to_string();
    for (shown, anchor) in anchors.iter().enumerate() {
        let line = anchor_line(anchor);
        let left = anchors.len() - shown;
        let pointer = rest.map_or(0, |where_| format!("- … and {left} more: {where_}\n").len());
        let last = shown + 1 == anchors.len();
        if text.len() + line.len() + if last { 0 } else { pointer } > budget {
            if let Some(where_) = rest {
                text.push_str(&format!("- … and {left} more: {where_}\n"));
            }
            return (text, shown);
        }
        text.push_str(&line);
    }
    (text, anchors.len())
}

/// One rule as a line: polarity, text, where it applies, id and source.
fn anchor_line(anchor: &Anchor) -> String {
    let kind = match anchor.polarity {
        Polarity::Never => "never",
        Polarity::Always => "always",
        Polarity::Allowed => "allowed",
    };
    let scope = match anchor.scope.is_empty() {
        true => String::new(),
        false => format!(" (in {})", anchor.scope.join(", ")),
    };
    format!(
        "- ({kind}) {}{scope} [{}; {}]\n",
        anchor.text.trim(),
        anchor.id,
        anchor.source.label()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor(id: &str, severity: Severity, text: &str) -> Anchor {
        let mut a = Anchor::new(text, Polarity::Never, AnchorSource::Pinned);
        a.id = id.into();
        a.severity = severity;
        a
    }

    #[test]
    fn the_digest_is_found_as_sent_and_as_gemini_escapes_it() {
        let digest = anchors_block(
            &[anchor("a", Severity::Block, "Never use Vec<u8> here")],
            1500,
        )
        .unwrap();
        let message = |content: String| ModelMessage {
            role: "user".into(),
            content,
        };
        let escaped = digest.replace('<', "&lt;").replace('>', "&gt;");
        assert_ne!(escaped, digest);
        for held in [
            digest.clone(),
            format!("<hook_context>{escaped}</hook_context>\n\nhi"),
        ] {
            assert!(holds_digest(&[message("x".into()), message(held)], &digest));
        }
        assert!(!holds_digest(
            &[message("<state_snapshot>…".into())],
            &digest
        ));
        let cut = digest[..digest.len() - 3].to_string();
        assert!(
            !holds_digest(&[message(cut)], &digest),
            "a partial copy is not the digest"
        );
    }

    #[test]
    fn the_digest_puts_hard_rules_first_and_stays_within_its_budget() {
        let mut anchors: Vec<Anchor> = (0..200)
            .map(|i| {
                anchor(
                    &format!("r{i}"),
                    Severity::Warn,
                    &"a reminder rule ".repeat(4),
                )
            })
            .collect();
        anchors.push(anchor("hard", Severity::Block, "Never push to main"));
        let mut scoped = anchor("scoped", Severity::Ask, "Prefer fixtures");
        scoped.scope = vec!["tests/**".into()];
        anchors.push(scoped);
        let text = anchors_block(&anchors, 1500).unwrap();
        assert!(text.len() <= 1500 * CHARS_PER_TOKEN, "{}", text.len());
        let hard = text.find("Never push to main").unwrap();
        let ask = text.find("Prefer fixtures (in tests/**)").unwrap();
        assert!(hard < ask && ask < text.find("a reminder rule").unwrap());
        assert!(
            text.trim_end().ends_with("more: `ctx anchors list`"),
            "{text}"
        );
        let small = anchors_block(&anchors[..3], 1500).unwrap();
        assert!(!small.contains("more:"), "{small}");
    }
}
