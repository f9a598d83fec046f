//! The WebSocket of a session: a `hello` with the tail of the log and the trend, then a
//! `frame` at 20 Hz; clients send actions and lab samples back as JSON. A malformed message
//! gets an `error` reply and the connection goes on. Every client is bounded: the server holds
//! at most one message for it, drops it when it does not read, and limits what it sends.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use utoipa::IntoParams;

use crate::error::{ApiError, ErrorBody};
use crate::session::{Role, Session};
use crate::wire::ClientMessage;
use crate::{AppState, api, auth};

/// Largest message a client may send, bytes.
const MAX_CLIENT_MESSAGE_BYTES: usize = 16 * 1024;
/// Most bytes waiting to be written to one client beyond the socket's own buffer.
const MAX_WRITE_BUFFER_BYTES: usize = 1024 * 1024;
/// Messages over the rate limit tolerated before the connection is closed.
const MAX_REFUSED_MESSAGES: u32 = 100;

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
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "Too many clients on this session or on the server"),
    )
)]
pub async fn websocket(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<WsQuery>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let (session, role) = auth::session_role(&state.registry, &code, query.token.as_deref())?;
    let limits = &state.config.limits;
    if session.clients() >= limits.max_clients_per_session {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "code",
            "too many clients on this session",
        ));
    }
    let permit = Arc::clone(&state.websockets)
        .try_acquire_owned()
        .map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "code",
                "the server has as many live connections as it accepts; try again later",
            )
        })?;
    let bounds = Bounds {
        send_timeout: limits.ws_send_timeout,
        messages: RateLimiter::direct(Quota::per_second(
            NonZeroU32::new(limits.ws_messages_per_s).unwrap_or(NonZeroU32::MIN),
        )),
    };
    Ok(upgrade
        .max_message_size(MAX_CLIENT_MESSAGE_BYTES)
        .max_frame_size(MAX_CLIENT_MESSAGE_BYTES)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| async move {
            connection(socket, session, role, bounds).await;
            drop(permit);
        }))
}

/// Per-connection bounds.
struct Bounds {
    /// Longest wait for the client to take one message.
    send_timeout: Duration,
    /// Messages the client may send.
    messages: DefaultDirectRateLimiter,
}

async fn connection(socket: WebSocket, session: Arc<Session>, role: Role, bounds: Bounds) {
    let _client = session.client_joined();
    let (mut sender, mut receiver) = socket.split();
    let mut frames = session.subscribe();
    let timeout = bounds.send_timeout;
    if !send(&mut sender, timeout, session.hello(role).into()).await {
        return;
    }
    let mut refused_messages = 0u32;
    loop {
        tokio::select! {
            frame = frames.recv() => {
                let text = match frame {
                    // Rewound: everything the client holds is of another line.
                    Ok(frame) if frame.resync => Utf8Bytes::from(session.hello(role)),
                    Ok(frame) => match role {
                        Role::Student => frame.student.clone(),
                        Role::Instructor => frame.instructor.clone(),
                    },
                    // A slow client missed frames (and their log lines): start it over with a
                    // fresh (bounded) hello.
                    Err(RecvError::Lagged(_)) => Utf8Bytes::from(session.hello(role)),
                    Err(RecvError::Closed) => break,
                };
                if !send(&mut sender, timeout, text).await {
                    break;
                }
            }
            message = receiver.next() => {
                if bounds.messages.check().is_err() {
                    refused_messages += 1;
                    if refused_messages > MAX_REFUSED_MESSAGES {
                        let _ = sender
                            .send(Message::Close(Some(CloseFrame {
                                code: close_code::POLICY,
                                reason: "too many messages".into(),
                            })))
                            .await;
                        break;
                    }
                    continue;
                }
                let reply = match message {
                    Some(Ok(Message::Text(text))) => handle(&session, role, text.as_str()),
                    Some(Ok(Message::Binary(_))) => Some(error_reply(&ApiError::bad_request("body", "send JSON text messages"))),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                if let Some(reply) = reply
                    && !send(&mut sender, timeout, reply.into()).await
                {
                    break;
                }
            }
        }
    }
}

/// Sends one message; false when the client is gone or did not take it within `timeout` (it
/// does not read: drop it, so that nothing piles up for it).
async fn send(
    sender: &mut SplitSink<WebSocket, Message>,
    timeout: Duration,
    text: Utf8Bytes,
) -> bool {
    matches!(
        tokio::time::timeout(timeout, sender.send(Message::Text(text))).await,
        Ok(Ok(()))
    )
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
        ClientMessage::Answer { question, answer } => {
            return Some(match api::answer_json(session, role, question, &answer) {
                Ok(given) => serde_json::json!({"type": "answer", "answer": given}).to_string(),
                Err(error) => error_reply(&error),
            });
        }
        ClientMessage::Ping => return None,
    };
    match result {
        Ok(time_s) => Some(serde_json::json!({"type": "ack", "time_s": time_s}).to_string()),
        Err(error) => Some(error_reply(&error)),
    }
}
