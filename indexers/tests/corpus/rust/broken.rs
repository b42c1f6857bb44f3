// A file with syntax errors: chunked as far as tree-sitter recovers.
use std::fmt;

pub struct Good {
    value: u32,
}

impl Good {
    pub fn value(&self) -> u32 {
        self.value
    }

    pub fn broken(&self -> u32 {
        let x = ;
        x +
    }
}

fn after_error() -> bool {
    true
}

impl fmt::Display for Good {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value)
    }
