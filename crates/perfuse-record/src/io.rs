//! Reading and writing record documents (TOML or JSON); parse errors name the field path.

use crate::error::{Error, Result};
use crate::model::Record;
use crate::validate::validate;

impl Record {
    /// Parses and validates a JSON record document.
    pub fn from_json_str(text: &str) -> Result<Record> {
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        let record: Record = serde_path_to_error::deserialize(deserializer)
            .map_err(|error| path_error(error.path(), error.inner().to_string()))?;
        validate(&record)?;
        Ok(record)
    }

    /// Parses and validates a TOML record document. Dates may be TOML dates or strings.
    pub fn from_toml_str(text: &str) -> Result<Record> {
        let mut value: toml::Value = toml::from_str(text).map_err(|error| {
            let line = error
                .span()
                .map(|span| 1 + text[..span.start].matches('\n').count());
            let field = line.map_or_else(|| "record".to_owned(), |line| format!("line {line}"));
            Error::invalid(field, error.message().to_owned())
        })?;
        dates_to_strings(&mut value);
        let record: Record = serde_path_to_error::deserialize(value)
            .map_err(|error| path_error(error.path(), error.inner().to_string()))?;
        validate(&record)?;
        Ok(record)
    }

    /// Parses a file's contents by its extension (`.toml`, otherwise JSON).
    pub fn from_file_text(file_name: &str, text: &str) -> Result<Record> {
        if file_name.ends_with(".toml") {
            Record::from_toml_str(text)
        } else {
            Record::from_json_str(text)
        }
    }

    /// The record as pretty JSON (the export format; [`Record::from_json_str`] reads it back exactly).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a record always serialises")
    }
}

/// Names the field as a path (`case.patient.weight_kg`, `timeline[3].event.volume_ml`), with a
/// missing field's own name appended to its parent's path.
fn path_error(path: &serde_path_to_error::Path, message: String) -> Error {
    let parent = path.to_string();
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    let field = match (parent.as_str(), missing) {
        (".", Some(name)) => name.to_owned(),
        (".", None) => "record".to_owned(),
        (_, Some(name)) => format!("{parent}.{name}"),
        (_, None) => parent,
    };
    Error::invalid(field, message)
}

fn dates_to_strings(value: &mut toml::Value) {
    match value {
        toml::Value::Datetime(datetime) => *value = toml::Value::String(datetime.to_string()),
        toml::Value::Array(items) => items.iter_mut().for_each(dates_to_strings),
        toml::Value::Table(table) => table
            .iter_mut()
            .for_each(|(_, value)| dates_to_strings(value)),
        _ => {}
    }
}
