//! The answer a hook command gives its agent.

use serde_json::Value;
use std::io::Write;

/// What to write back: stdout, stderr and the exit code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer {
    /// Printed on stdout (a JSON object for most protocols).
    pub stdout: Option<String>,
    /// Printed on stderr.
    pub stderr: Option<String>,
    /// The process exit code.
    pub exit: u8,
}

impl Answer {
    /// A JSON answer on stdout with exit 0.
    pub fn json(value: Value) -> Answer {
        Answer {
            stdout: Some(value.to_string()),
            stderr: None,
            exit: 0,
        }
    }

    /// No output, exit 0: the agent goes on as if ctx were not there.
    pub fn silent() -> Answer {
        Answer::default()
    }

    /// Writes the answer to `out` and `err`, secrets masked (a JSON answer in its values,
    /// other text as a whole): what every hook binary prints. The exit code is the caller's.
    pub fn write_masked(&self, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<()> {
        use ctx_engine::secrets::{redact, redact_json};
        if let Some(text) = &self.stdout {
            let masked = match serde_json::from_str::<Value>(text) {
                Ok(mut value) => {
                    redact_json(&mut value);
                    value.to_string()
                }
                Err(_) => redact(text).into_owned(),
            };
            writeln!(out, "{masked}")?;
            out.flush()?;
        }
        if let Some(text) = &self.stderr {
            writeln!(err, "{}", redact(text))?;
        }
        Ok(())
    }
}
