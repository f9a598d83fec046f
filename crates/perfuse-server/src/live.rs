//! The instructor's tools on a live session beyond its controls: rewinding to an earlier
//! second and playing on from there as a branch ([`crate::session::Session::rewind`]), and
//! rating the student's non-technical skills with PINTS ([`crate::session::Session::rate`]).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::parse_body;
use crate::error::{ApiError, ErrorBody};
use crate::session::{RewindError, Status};
use perfuse_record::model::Pints;

/// The live-session routes of this module, annotated for the OpenAPI document.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_rewind))
        .routes(routes!(put_pints))
}

/// Where to rewind to.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Rewind {
    /// Simulated time to go back to, s (0 to the session's time now).
    to_s: f64,
}

/// A refused rewind: the error, and the range a rewind may go to.
#[derive(Serialize, ToSchema)]
struct RewindRefused {
    error: RewindRefusedDetail,
}

#[derive(Serialize, ToSchema)]
struct RewindRefusedDetail {
    /// `to_s` or `session`.
    field: &'static str,
    /// What is wrong.
    message: String,
    /// Simulated times a rewind may go to now, s: `[0, now]`.
    range_s: [f64; 2],
}

/// Rewinds the session to `to_s` (instructor only): it is as it was then, paused, and what
/// followed is kept as a branch of the debrief. Connected consoles start over from a `hello`.
#[utoipa::path(
    post, path = "/api/sessions/{code}/rewind", tag = "sessions", request_body = Rewind,
    params(("code" = String, Path, description = "Join code")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Status), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = RewindRefused, description = "Beyond the recorded range, the session ended, or it already keeps 8 branches"),
    )
)]
async fn post_rewind(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let (session, role) =
        crate::auth::session_role(&state.registry, &code, crate::auth::bearer(&headers))?;
    session.touch();
    crate::auth::require_instructor(role)?;
    let rewind: Rewind = parse_body(body)?;
    // A rewind replays up to one checkpoint spacing of simulation: not on the async workers.
    let replaying = std::sync::Arc::clone(&session);
    let result = tokio::task::spawn_blocking(move || replaying.rewind(rewind.to_s))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "session", e.to_string()))?;
    Ok(match result {
        Ok(status) => Json(status).into_response(),
        Err(error) => {
            let field = match error {
                RewindError::OutOfRange { .. } => "to_s",
                _ => "session",
            };
            let body = RewindRefused {
                error: RewindRefusedDetail {
                    field,
                    message: error.to_string(),
                    range_s: [0.0, session.status().sim_time_s],
                },
            };
            (StatusCode::CONFLICT, Json(body)).into_response()
        }
    })
}

/// A PINTS rating: the four categories of Dias et al. (J Thorac Cardiovasc Surg 2023), each
/// 0.5 to 4.0 in steps of 0.5.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PintsRating {
    /// Decision making.
    decision_making: f64,
    /// Situation awareness.
    situation_awareness: f64,
    /// Task management and leadership.
    task_management_leadership: f64,
    /// Teamwork and communication.
    teamwork_communication: f64,
}

/// Rates the student's non-technical skills with PINTS (instructor only; the debrief shows the
/// rating to everyone, and a training record saved from the session keeps it).
#[utoipa::path(
    put, path = "/api/sessions/{code}/pints", tag = "sessions", request_body = PintsRating,
    params(("code" = String, Path, description = "Join code")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = PintsRating), (status = 400, body = ErrorBody, description = "A rating off the scale: the field names the category"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
async fn put_pints(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<PintsRating>, ApiError> {
    let (session, role) =
        crate::auth::session_role(&state.registry, &code, crate::auth::bearer(&headers))?;
    session.touch();
    crate::auth::require_instructor(role)?;
    let rating: PintsRating = parse_body(body)?;
    let pints = Pints {
        decision_making: rating.decision_making,
        situation_awareness: rating.situation_awareness,
        task_management_leadership: rating.task_management_leadership,
        teamwork_communication: rating.teamwork_communication,
    };
    session.rate(pints).map_err(|error| match error {
        perfuse_record::Error::Invalid { field, message } => ApiError::bad_request(field, message),
        other => ApiError::bad_request("body", other.to_string()),
    })?;
    Ok(Json(rating))
}
