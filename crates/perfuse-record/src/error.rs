//! The one error type of the crate, shaped so a front end can map it without string matching.
//!
//! | variant | CLI exit | HTTP status |
//! |---|---|---|
//! | [`Error::Invalid`] | 2 | 422 `{"error":{"field":…,"message":…}}` |
//! | [`Error::NotFound`] | 2 | 404 |
//! | [`Error::Unauthenticated`] | 1 | 401 |
//! | [`Error::Forbidden`] | 1 | 403 |
//! | [`Error::Conflict`] | 1 | 409 |
//! | [`Error::VersionMismatch`] | 1 | 412 `{"error":{"field":"version",…}}` |
//! | [`Error::Storage`] | 1 | 500 |

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an operation on records failed. Nothing is written when any of these is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A field of the input is missing, malformed or out of range.
    #[error("{field}: {message}")]
    Invalid {
        /// Path of the offending field, e.g. `case.patient.weight_kg` or `timeline[3].volume_ml`.
        field: String,
        /// What is wrong and what is accepted.
        message: String,
    },
    /// No record (or other object) with that id.
    #[error("{what} {id}: not found")]
    NotFound {
        /// Kind of object looked up (`record`).
        what: &'static str,
        /// The id that was asked for.
        id: i64,
    },
    /// No valid credentials: a missing, malformed or unknown API token.
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// The actor's role does not allow the operation.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The operation does not fit the object's current state (e.g. editing a finalised record).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The record is no longer at the version the writer last read (someone changed it
    /// meanwhile): nothing was written; reload and retry.
    #[error("record {id} is at version {actual}, not {expected}; reload it and retry")]
    VersionMismatch {
        /// The record.
        id: i64,
        /// The version the writer read.
        expected: i64,
        /// The version stored now.
        actual: i64,
    },
    /// The database failed (connection, I/O, constraint).
    #[error("storage: {0}")]
    Storage(#[from] sqlx::Error),
    /// The database schema could not be brought up to date.
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl Error {
    /// Builds an [`Error::Invalid`].
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The HTTP status a web layer should answer with.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::Invalid { .. } => 422,
            Error::NotFound { .. } => 404,
            Error::Unauthenticated(_) => 401,
            Error::Forbidden(_) => 403,
            Error::Conflict(_) => 409,
            Error::VersionMismatch { .. } => 412,
            Error::Storage(_) | Error::Migration(_) => 500,
        }
    }

    /// The JSON body a web layer should answer with: `{"error":{"field":…,"message":…}}`
    /// (`field` is null when the error is not about one input field).
    pub fn to_json(&self) -> serde_json::Value {
        let (field, message) = match self {
            Error::Invalid { field, message } => (Some(field.clone()), message.clone()),
            Error::NotFound { .. } => (Some("id".to_owned()), self.to_string()),
            Error::VersionMismatch { .. } => (Some("version".to_owned()), self.to_string()),
            other => (None, other.to_string()),
        };
        serde_json::json!({ "error": { "field": field, "message": message } })
    }

    /// True when the caller's input is at fault (CLI exit code 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Error::Invalid { .. } | Error::NotFound { .. })
    }
}
