//! What ctx puts in the model's context: the anchors block, and when to send it again.

use crate::EventKind;
use crate::HookEvent;
use ctx_engine::anchor::{Anchor, AnchorSet, AnchorSource, Polarity};
use ctx_engine::check::{CheckConfig, SessionState};
use std::path::Path;

/// The anchors block sent to agents stops after this many characters.
const MAX_CONTEXT_CHARS: usize = 8_000;

/// The anchors block for a session-start or prompt event, when the session's state says it
/// is due (session start, first prompt seen, after a deny, every `reanchor_every` prompts).
pub fn reanchor(root: &Path, event: &HookEvent, config: &CheckConfig) -> Option<String> {
    let session = event.session.as_deref().unwrap_or("(no session)");
    let mut state = SessionState::load(root, session);
    let reason = match event.kind {
        EventKind::SessionStart => Some(state.on_session_start()),
        _ => state.on_prompt(config.reanchor_every),
    };
    let _ = state.save(root, session);
    reason?;
    let set = AnchorSet::load(root).ok()?;
    anchors_block(set.anchors())
}

/// Records a denial in the session's state, so the next prompt re-sends the anchors.
pub fn remember_denial(root: &Path, session: Option<&str>) {
    if let Some(session) = session {
        let mut state = SessionState::load(root, session);
        state.denied_since = true;
        let _ = state.save(root, session);
    }
}

/// The active anchors as a compact block for the agent's context.
pub fn anchors_block(anchors: &[Anchor]) -> Option<String> {
    let mut active: Vec<&Anchor> = anchors.iter().filter(|a| a.enabled).collect();
    if active.is_empty() {
        return None;
    }
    active.sort_by_key(|a| match a.source {
        AnchorSource::Pinned => 0,
        AnchorSource::Plan => 1,
        AnchorSource::Doc { .. } => 2,
        AnchorSource::Builtin => 3,
    });
    let mut text = format!(
        "Project rules (ctx anchors, {} active). They apply to every action; ctx checks them:\n",
        active.len()
    );
    for (shown, anchor) in active.iter().enumerate() {
        let kind = match anchor.polarity {
            Polarity::Never => "never",
            Polarity::Always => "always",
            Polarity::Allowed => "allowed",
        };
        let line = format!(
            "- ({kind}) {} [{}; {}]\n",
            anchor.text.trim(),
            anchor.id,
            anchor.source.label()
        );
        if text.len() + line.len() > MAX_CONTEXT_CHARS {
            text.push_str(&format!(
                "- … and {} more: `ctx anchors list`\n",
                active.len() - shown
            ));
            break;
        }
        text.push_str(&line);
    }
    Some(text)
}
