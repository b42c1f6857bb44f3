//! Per-session re-anchoring state under `.ctx/sessions/`: how many prompts a session has sent,
//! when the anchors were last re-sent, whether a denial happened since, and which rules were
//! reminded after which tool call.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The state of one agent session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionState {
    /// User prompts seen.
    pub prompts: u32,
    /// The prompt number at which the anchors were last sent (0 = at session start).
    pub last_anchored: Option<u32>,
    /// A denial happened after the last re-anchoring.
    pub denied_since: bool,
    /// Tool calls seen after they ran while a reminder was on record: the clock of
    /// [`SessionState::reminded`]. Only distances from a reminder are read, so calls made
    /// while none is on record are not counted, and such a call leaves the state unchanged.
    #[serde(default)]
    pub tool_calls: u32,
    /// Anchors reminded after a tool call, with the tool-call count at that moment.
    #[serde(default)]
    pub reminded: BTreeMap<String, u32>,
    /// Warnings given before a tool ran that the agent shows the user but not the model
    /// (Gemini CLI's BeforeTool), keyed by the call, to be carried to the model by the answer
    /// after the tool ran; oldest first, at most [`CARRIED_WARNINGS`].
    #[serde(default)]
    pub carried: Vec<(String, String)>,
    /// The last model request did not hold the anchors digest: the agent rewrote its history
    /// (Gemini CLI's history compression, or `/clear`) and sent no session start ctx could
    /// answer into it. The next prompt re-sends the digest into the history.
    #[serde(default)]
    pub context_lost: bool,
}

/// Warnings kept for tool calls that have not reported back (a call the user refused never
/// does): the oldest go first.
pub const CARRIED_WARNINGS: usize = 8;

/// Why the anchors are being re-sent, if they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reanchor {
    /// The session starts.
    SessionStart,
    /// The first prompt of a session whose start ctx did not see.
    FirstPrompt,
    /// An action was denied since the last time.
    AfterDeny,
    /// A model request was seen without the digest (see [`SessionState::context_lost`]).
    ContextLost,
    /// `reanchor_every` prompts have passed.
    Periodic,
}

fn state_path(root: &Path, session: &str) -> PathBuf {
    let name = blake3::hash(session.as_bytes()).to_hex();
    root.join(".ctx")
        .join("sessions")
        .join(format!("{}.json", &name[..16]))
}

impl SessionState {
    /// Reads a session's state (default when new or unreadable: the state is advisory).
    pub fn load(root: &Path, session: &str) -> SessionState {
        std::fs::read(state_path(root, session))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Writes a session's state atomically, not durably.
    ///
    /// Not synced, by design: the state is written by hook calls on the agent's path
    /// (every prompt, and every tool call while a reminder is on record), where a sync
    /// waits for the file system's journal (2-10 ms on a busy disk, measured in
    /// benches/runs/2026-12-06-hooks2/). What a crash can lose is harmless: an old or
    /// unreadable state reads as an older or new session ([`SessionState::load`]), so the
    /// anchors digest or a reminder is sent again; no check depends on it.
    pub fn save(&self, root: &Path, session: &str) -> Result<()> {
        let path = state_path(root, session);
        let dir = path.parent().unwrap_or(root);
        crate::private_fs::create_dir(dir)?;
        let json = serde_json::to_vec(self).map_err(|e| Error::Invalid(e.to_string()))?;
        crate::private_fs::write_atomic_volatile(&path, &json)
    }

    /// Records a session start: anchors are sent. After a compaction or a cleared context
    /// (`fresh_context`) the model has lost the reminders too, so each may come again.
    pub fn on_session_start(&mut self, fresh_context: bool) -> Reanchor {
        self.last_anchored = Some(self.prompts);
        self.denied_since = false;
        self.context_lost = false;
        if fresh_context {
            self.reminded.clear();
        }
        Reanchor::SessionStart
    }

    /// Keeps `warning` for the tool call `key` until it has run (see [`SessionState::carried`]).
    pub fn carry_warning(&mut self, key: &str, warning: &str) {
        self.carried.retain(|(k, _)| k != key);
        self.carried.push((key.to_string(), warning.to_string()));
        let over = self.carried.len().saturating_sub(CARRIED_WARNINGS);
        self.carried.drain(..over);
    }

    /// The warning kept for the tool call `key`, removed: it is delivered once.
    pub fn take_warning(&mut self, key: &str) -> Option<String> {
        let at = self.carried.iter().position(|(k, _)| k == key)?;
        Some(self.carried.remove(at).1)
    }

    /// Records a model request that holds the anchors digest (`holds_digest`) or not. The
    /// first request without it starts a fresh context: the reminders may come again, and
    /// the next prompt re-sends the digest. Returns true when the state changed.
    pub fn on_model_request(&mut self, holds_digest: bool) -> bool {
        let lost = !holds_digest;
        if lost == self.context_lost {
            return false;
        }
        if lost {
            self.reminded.clear();
        }
        self.context_lost = lost;
        true
    }

    /// Records a tool call that ran (counted only while a reminder is on record: see
    /// [`SessionState::tool_calls`]).
    pub fn on_tool_call(&mut self) {
        if !self.reminded.is_empty() {
            self.tool_calls += 1;
        }
    }

    /// True when anchor `id` may be reminded now: never reminded, or `every` tool calls ago.
    pub fn reminder_due(&self, id: &str, every: u32) -> bool {
        self.reminded
            .get(id)
            .is_none_or(|&at| self.tool_calls.saturating_sub(at) >= every)
    }

    /// Records that anchor `id` was reminded now.
    pub fn remember_reminder(&mut self, id: &str) {
        self.reminded.insert(id.to_string(), self.tool_calls);
    }

    /// Records a user prompt; returns why the anchors should be re-sent now, if they should.
    pub fn on_prompt(&mut self, every: u32) -> Option<Reanchor> {
        self.prompts += 1;
        let reason = match self.last_anchored {
            None => Some(Reanchor::FirstPrompt),
            Some(_) if self.denied_since => Some(Reanchor::AfterDeny),
            Some(_) if self.context_lost => Some(Reanchor::ContextLost),
            Some(last) if every > 0 && self.prompts - last >= every => Some(Reanchor::Periodic),
            Some(_) => None,
        };
        if reason.is_some() {
            self.last_anchored = Some(self.prompts);
            self.denied_since = false;
            self.context_lost = false;
        }
        reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reanchors_at_start_after_denials_and_every_n_prompts() {
        let mut s = SessionState::default();
        assert_eq!(s.on_session_start(false), Reanchor::SessionStart);
        assert_eq!(s.on_prompt(3), None);
        assert_eq!(s.on_prompt(3), None);
        assert_eq!(s.on_prompt(3), Some(Reanchor::Periodic));
        s.denied_since = true;
        assert_eq!(s.on_prompt(3), Some(Reanchor::AfterDeny));
        assert_eq!(s.on_prompt(3), None);
    }

    #[test]
    fn reminders_wait_n_tool_calls_or_a_fresh_context() {
        let mut s = SessionState::default();
        assert!(s.reminder_due("a", 3));
        s.remember_reminder("a");
        s.on_tool_call();
        s.on_tool_call();
        assert!(!s.reminder_due("a", 3));
        s.on_tool_call();
        assert!(s.reminder_due("a", 3));
        s.remember_reminder("a");
        s.on_session_start(false);
        assert!(!s.reminder_due("a", 3));
        s.on_session_start(true);
        assert!(s.reminder_due("a", 3));
    }

    proptest::proptest! {
        /// r11: counting tool calls only while a reminder is on record gives every
        /// reminder the same due time as counting every call.
        #[test]
        fn r11_reminders_fall_due_as_when_every_call_is_counted(
            steps in proptest::collection::vec((0u8..6, 0u8..3), 0..200),
            every in 0u32..6,
        ) {
            let mut state = SessionState::default();
            // The reference: every call counted, as before.
            let mut calls = 0u32;
            let mut at: BTreeMap<String, u32> = BTreeMap::new();
            for (op, id) in steps {
                let id = format!("a{id}");
                match op {
                    0 | 1 => {
                        let before = state.clone();
                        state.on_tool_call();
                        calls += 1;
                        if at.is_empty() {
                            proptest::prop_assert_eq!(&state, &before, "a call with no reminder on record changes nothing");
                        }
                    }
                    2 => {
                        let due = at.get(&id).is_none_or(|&t| calls - t >= every);
                        proptest::prop_assert_eq!(state.reminder_due(&id, every), due);
                        if due {
                            state.remember_reminder(&id);
                            at.insert(id, calls);
                        }
                    }
                    3 => {
                        state.on_session_start(true);
                        at.clear();
                    }
                    4 => {
                        if state.on_model_request(false) {
                            at.clear();
                        }
                    }
                    _ => {
                        state.on_model_request(true);
                    }
                }
                for id in ["a0", "a1", "a2"] {
                    let due = at.get(id).is_none_or(|&t| calls - t >= every);
                    proptest::prop_assert_eq!(state.reminder_due(id, every), due);
                }
            }
        }
    }

    #[test]
    fn carried_warnings_are_delivered_once_and_bounded() {
        let mut s = SessionState::default();
        s.carry_warning("run: make deploy", "ctx warn: a");
        s.carry_warning("run: make deploy", "ctx warn: b");
        assert_eq!(s.carried.len(), 1, "one per call");
        assert_eq!(s.take_warning("run: ls"), None);
        assert_eq!(
            s.take_warning("run: make deploy").as_deref(),
            Some("ctx warn: b")
        );
        assert_eq!(s.take_warning("run: make deploy"), None);
        for i in 0..CARRIED_WARNINGS + 3 {
            s.carry_warning(&format!("k{i}"), "w");
        }
        assert_eq!(s.carried.len(), CARRIED_WARNINGS);
        assert_eq!(s.take_warning("k0"), None, "the oldest went first");
        assert!(s
            .take_warning(&format!("k{}", CARRIED_WARNINGS + 2))
            .is_some());
    }

    #[test]
    fn a_model_request_without_the_digest_refreshes_reminders_and_the_next_prompt() {
        let mut s = SessionState::default();
        s.on_session_start(false);
        s.remember_reminder("a");
        assert!(
            !s.on_model_request(true),
            "the digest is there: nothing changes"
        );
        assert_eq!(s.on_prompt(0), None);
        assert!(s.on_model_request(false));
        assert!(
            s.reminder_due("a", 50),
            "the reminders went with the history"
        );
        s.remember_reminder("a");
        assert!(
            !s.on_model_request(false),
            "still lost: reminders are not cleared again"
        );
        assert!(!s.reminder_due("a", 50));
        assert_eq!(s.on_prompt(0), Some(Reanchor::ContextLost));
        assert_eq!(s.on_prompt(0), None);
        assert!(s.on_model_request(false));
        s.on_session_start(true);
        assert!(!s.context_lost);
    }

    #[test]
    fn a_session_first_seen_at_a_prompt_is_anchored() {
        let mut s = SessionState::default();
        assert_eq!(s.on_prompt(0), Some(Reanchor::FirstPrompt));
        assert_eq!(s.on_prompt(0), None);
    }

    #[test]
    fn state_survives_a_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SessionState::default();
        s.on_prompt(5);
        s.save(dir.path(), "abc").unwrap();
        assert_eq!(SessionState::load(dir.path(), "abc"), s);
        assert_eq!(
            SessionState::load(dir.path(), "other"),
            SessionState::default()
        );
    }
}
