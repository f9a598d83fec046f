//! Who is calling: the bearer token of a request (or `?token=` for the WebSocket, which
//! browsers cannot give headers) resolved to a session [`Role`].

use axum::http::{HeaderMap, StatusCode, header};

use crate::error::ApiError;
use crate::session::{Role, Session};

/// The bearer token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(str::trim)
}

/// The role `token` grants in `session`: 401 without a token, 403 with a wrong one.
pub fn role(session: &Session, token: Option<&str>) -> Result<Role, ApiError> {
    let token = token.filter(|t| !t.is_empty()).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authorization",
            "missing bearer token of the session",
        )
    })?;
    session.role_of(token).ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "authorization",
            "this token is not valid for this session",
        )
    })
}

/// Only the instructor passes.
pub fn require_instructor(role: Role) -> Result<(), ApiError> {
    match role {
        Role::Instructor => Ok(()),
        Role::Student => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "authorization",
            "only the session's instructor may do this",
        )),
    }
}
