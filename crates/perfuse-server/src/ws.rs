//! The WebSocket of a session: a `hello` with the whole log and trend, then a `frame` at 20 Hz;
//! clients send actions and lab samples back as JSON. A malformed message gets an `error`
//! reply and the connection goes on.

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use utoipa::IntoParams;

use crate::error::{ApiError, ErrorBody};
use crate::session::{Role, Session};
use crate::wire::ClientMessage;
use crate::{AppState, api, auth};

/// Largest message a client may send, bytes.
const MAX_CLIENT_MESSAGE_BYTES: usize = 16 * 1024;

/// The token of a WebSocket request (browsers cannot set headers on one).
#[derive(Deserialize, IntoParams)]
pub struct WsQuery {
    /// Student or instructor token of the session.
    token: Option<String>,
}

/// Live observations of a session (WebSocket; protocol in docs/api.md).
#[utoipa::path(
    get, path = "/api/sessions/{code}/ws", tag = "sessions",
    params(("code" = String, Path, description = "Join code"), WsQuery),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "Too many clients on this session"),
    )
)]
pub async fn websocket(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<WsQuery>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let session = state.registry.get(&code)?;
    let role = auth::role(&session, query.token.as_deref())?;
    if session.clients() >= state.registry.limits().max_clients_per_session {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "code",
            "too many clients on this session",
        ));
    }
    Ok(upgrade
        .max_message_size(MAX_CLIENT_MESSAGE_BYTES)
        .max_frame_size(MAX_CLIENT_MESSAGE_BYTES)
        .on_upgrade(move |socket| connection(socket, session, role)))
}

async fn connection(socket: WebSocket, session: std::sync::Arc<Session>, role: Role) {
    let _client = session.client_joined();
    let (mut sender, mut receiver) = socket.split();
    let mut frames = session.subscribe();
    if sender
        .send(Message::Text(session.hello(role).into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            frame = frames.recv() => {
                let text = match frame {
                    Ok(frame) => match role {
                        Role::Student => frame.student.clone(),
                        Role::Instructor => frame.instructor.clone(),
                    },
                    // A slow client missed frames (and their log lines): start it over.
                    Err(RecvError::Lagged(_)) => Utf8Bytes::from(session.hello(role)),
                    Err(RecvError::Closed) => break,
                };
                if sender.send(Message::Text(text)).await.is_err() {
                    break;
                }
            }
            message = receiver.next() => {
                let reply = match message {
                    Some(Ok(Message::Text(text))) => handle(&session, role, text.as_str()),
                    Some(Ok(Message::Binary(_))) => Some(error_reply(&ApiError::bad_request("body", "send JSON text messages"))),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                if let Some(reply) = reply
                    && sender.send(Message::Text(reply.into())).await.is_err()
                {
                    break;
                }
            }
        }
    }
}

fn error_reply(error: &ApiError) -> String {
    let body = error.body();
    serde_json::json!({"type": "error", "error": body.error}).to_string()
}

/// Handles one client message; returns the reply, if any.
fn handle(session: &Session, role: Role, text: &str) -> Option<String> {
    session.touch();
    let message: ClientMessage = match serde_json::from_str(text) {
        Ok(message) => message,
        Err(e) => {
            return Some(error_reply(&ApiError::bad_request(
                "type",
                format!("{e}; expected {{\"type\": \"action\" | \"sample\" | \"ping\", …}}"),
            )));
        }
    };
    let result = match message {
        ClientMessage::Action { fields } => {
            api::apply_json(session, role, serde_json::Value::Object(fields))
        }
        ClientMessage::Sample { kind } => api::sample_json(session, role, &kind),
        ClientMessage::Ping => return None,
    };
    match result {
        Ok(time_s) => Some(serde_json::json!({"type": "ack", "time_s": time_s}).to_string()),
        Err(error) => Some(error_reply(&error)),
    }
}
