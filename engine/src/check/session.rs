//! Per-session re-anchoring state under `.ctx/sessions/`: how many prompts a session has sent,
//! when the anchors were last re-sent, and whether a denial happened since.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
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
}

/// Why the anchors are being re-sent, if they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reanchor {
    /// The session starts.
    SessionStart,
    /// The first prompt of a session whose start ctx did not see.
    FirstPrompt,
    /// An action was denied since the last time.
    AfterDeny,
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

    /// Writes a session's state atomically.
    pub fn save(&self, root: &Path, session: &str) -> Result<()> {
        let path = state_path(root, session);
        let dir = path.parent().unwrap_or(root);
        crate::private_fs::create_dir(dir)?;
        let json = serde_json::to_vec(self).map_err(|e| Error::Invalid(e.to_string()))?;
        crate::private_fs::write_atomic(&path, &json)
    }

    /// Records a session start: anchors are sent.
    pub fn on_session_start(&mut self) -> Reanchor {
        self.last_anchored = Some(self.prompts);
        self.denied_since = false;
        Reanchor::SessionStart
    }

    /// Records a user prompt; returns why the anchors should be re-sent now, if they should.
    pub fn on_prompt(&mut self, every: u32) -> Option<Reanchor> {
        self.prompts += 1;
        let reason = match self.last_anchored {
            None => Some(Reanchor::FirstPrompt),
            Some(_) if self.denied_since => Some(Reanchor::AfterDeny),
            Some(last) if every > 0 && self.prompts - last >= every => Some(Reanchor::Periodic),
            Some(_) => None,
        };
        if reason.is_some() {
            self.last_anchored = Some(self.prompts);
            self.denied_since = false;
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
        assert_eq!(s.on_session_start(), Reanchor::SessionStart);
        assert_eq!(s.on_prompt(3), None);
        assert_eq!(s.on_prompt(3), None);
        assert_eq!(s.on_prompt(3), Some(Reanchor::Periodic));
        s.denied_since = true;
        assert_eq!(s.on_prompt(3), Some(Reanchor::AfterDeny));
        assert_eq!(s.on_prompt(3), None);
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
