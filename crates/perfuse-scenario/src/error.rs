//! Errors that point into the scenario file: `file:line: field: message`.

use std::fmt;

/// A scenario that cannot be run, located in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// File name as given by the caller.
    pub file: String,
    /// 1-based line of the offending key or value (0 when the whole file is at fault).
    pub line: usize,
    /// Dotted path of the field, e.g. `events[2].action` or `patient.weight_kg`.
    pub field: String,
    /// What is wrong and what would be accepted.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.field.is_empty()) {
            (0, true) => write!(f, "{}: {}", self.file, self.message),
            (0, false) => write!(f, "{}: {}: {}", self.file, self.field, self.message),
            (line, true) => write!(f, "{}:{line}: {}", self.file, self.message),
            (line, false) => write!(f, "{}:{line}: {}: {}", self.file, self.field, self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}
