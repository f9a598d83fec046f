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

/// A TOML file being read (its name and text), so that byte offsets become the `file:line` of
/// a [`ScenarioError`]. Shared by every reader of perfuse's TOML files (scenarios, cohort specs,
/// validation targets), so their errors read alike.
#[derive(Clone, Copy, Debug)]
pub struct SourceText<'a> {
    /// File name as given by the caller.
    pub file: &'a str,
    /// The whole text.
    pub text: &'a str,
}

impl SourceText<'_> {
    /// 1-based line of byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        1 + self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
    }

    /// An error about `field`, at byte `offset`.
    pub fn error(
        &self,
        offset: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError {
            file: self.file.to_owned(),
            line: self.line(offset),
            field: field.into(),
            message: message.into(),
        }
    }

    /// Deserialises the whole text as TOML into `T` (serde, with `toml::Spanned` fields where
    /// the caller checks values itself); a mistake is located at its line and named by its
    /// dotted key path.
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, ScenarioError> {
        let deserializer =
            toml::Deserializer::parse(self.text).map_err(|e| self.toml_error(&e, ""))?;
        serde_path_to_error::deserialize(deserializer).map_err(|e| {
            // `Spanned` fields add a private segment to the path; the reader wants the keys.
            let path = e
                .path()
                .to_string()
                .replace(".$__serde_spanned_private_value", "")
                .replace("$__serde_spanned_private_value", "");
            self.toml_error(e.inner(), if path == "." { "" } else { &path })
        })
    }

    /// A TOML error met at dotted `path`. A missing key is reported on its table, so the key
    /// is named as the field.
    fn toml_error(&self, error: &toml::de::Error, path: &str) -> ScenarioError {
        let message = error.message().trim().to_owned();
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let field = match (path, missing) {
            ("", Some(key)) => key.to_owned(),
            (_, Some(key)) => format!("{path}.{key}"),
            _ => path.to_owned(),
        };
        ScenarioError {
            file: self.file.to_owned(),
            line: error.span().map_or(0, |s| self.line(s.start)),
            field,
            message,
        }
    }
}
