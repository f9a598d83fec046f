//! Who is calling: the bearer token of a request (or `?token=` for the WebSocket, which
//! browsers cannot give headers) resolved to a session [`Role`].

use axum::http::{HeaderMap, StatusCode, header};

use std::sync::Arc;

use crate::Registry;
use crate::error::ApiError;
use crate::session::{Role, Session};

/// The bearer token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(str::trim)
}

/// The session of `code` and the role `token` grants in it: 401 without a token, 403 with a
/// wrong one *or an unknown code*, so that without a valid token nobody learns which codes
/// exist (only `POST …/join`, rate-limited, answers that). Does not count as activity: the
/// caller marks the session as used once the request is authorised.
pub fn session_role(
    registry: &Registry,
    code: &str,
    token: Option<&str>,
) -> Result<(Arc<Session>, Role), ApiError> {
    let token = token.filter(|t| !t.is_empty()).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authorization",
            "missing bearer token of the session",
        )
    })?;
    let forbidden = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "authorization",
            "this token is not valid for this session",
        )
    };
    let session = registry.get(code).map_err(|_| forbidden())?;
    let role = session.role_of(token).ok_or_else(forbidden)?;
    Ok((session, role))
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
