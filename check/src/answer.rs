//! The answer a hook command gives its agent.

use serde_json::Value;

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
}
