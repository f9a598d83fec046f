//! The one error shape of the API: `{"error": {"field": …, "message": …}}` with a 4xx status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A rejected request: which field (or `body`, `code`, `authorization`) and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ApiError {
    /// HTTP status (4xx).
    pub status: StatusCode,
    /// The offending field, e.g. `flow_l_min`, `scenario_toml`, `authorization`.
    pub field: String,
    /// What is wrong and what would be accepted.
    pub message: String,
    /// Seconds to wait before retrying (429), sent as `Retry-After`.
    pub retry_after_s: Option<u64>,
}

/// Body of every error response.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// Field and message of an error.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// The offending field.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// Line in an uploaded scenario file, when the error is located there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl ApiError {
    /// 400 Bad Request naming `field`.
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, field, message)
    }

    /// Any status.
    pub fn new(
        status: StatusCode,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            field: field.into(),
            message: message.into(),
            retry_after_s: None,
        }
    }

    /// The same error with a `Retry-After` of `seconds`.
    pub fn retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after_s = Some(seconds);
        self
    }

    /// 404 for an unknown session code.
    pub fn no_session(code: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "code",
            format!("no session with code {code:?}"),
        )
    }

    /// The JSON body of this error.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                field: self.field.clone(),
                message: self.message.clone(),
                line: None,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after_s {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// A scenario that failed validation: 422 with the file line.
pub fn scenario_error(error: &perfuse_scenario::ScenarioError) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            field: if error.field.is_empty() {
                "scenario_toml".to_owned()
            } else {
                error.field.clone()
            },
            message: error.to_string(),
            line: (error.line > 0).then_some(error.line),
        },
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// Names the field a serde error is about (`missing field `x``, `unknown field `x``,
/// `unknown variant` → the tag field), falling back to `fallback`.
pub fn field_of_serde_error(message: &str, tag_field: &str, fallback: &str) -> String {
    if message.contains("unknown variant") {
        return tag_field.to_owned();
    }
    for marker in ["missing field `", "unknown field `", "duplicate field `"] {
        if let Some(start) = message.find(marker) {
            let rest = &message[start + marker.len()..];
            if let Some(end) = rest.find('`') {
                return rest[..end].to_owned();
            }
        }
    }
    fallback.to_owned()
}

#[cfg(test)]
mod tests {
    use super::field_of_serde_error;

    #[test]
    fn serde_messages_name_their_field() {
        assert_eq!(
            field_of_serde_error("missing field `flow_l_min` at line 1", "action", "body"),
            "flow_l_min"
        );
        assert_eq!(
            field_of_serde_error("unknown variant `go-on-pump`, expected", "action", "body"),
            "action"
        );
        assert_eq!(
            field_of_serde_error("expected value at line 1 column 1", "action", "body"),
            "body"
        );
    }
}
