//! The accept loop: HTTP/1.1 connections served by hyper with a cap on open connections, a
//! header-read timeout that also closes idle keep-alive connections (slowloris), a timeout per
//! request, the peer address for the rate limits, and a graceful shutdown.
//!
//! `axum::serve` offers none of these knobs, so the loop is ours; everything above a
//! connection (routing, guards, handlers) is the axum [`Router`].

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower_service::Service;

use crate::Limits;
use crate::error::ApiError;

/// Kernel send buffer of each connection, bytes (≈ 3 s of frames at × 20 for a WebSocket).
const SEND_BUFFER_BYTES: usize = 256 * 1024;
/// How long open connections get to finish their request after a shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves `app` on `listener` until `shutdown` completes, then lets open requests finish (at
/// most [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &Limits,
    shutdown: impl Future<Output = ()>,
) {
    let max_connections = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let permits = Arc::new(Semaphore::new(max_connections));
    let (stopping, stop) = watch::channel(false);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(64 * 1024);
    let request_timeout = limits.request_timeout;
    tokio::pin!(shutdown);
    loop {
        // Wait for a free slot before accepting: excess clients wait in the kernel's queue
        // instead of costing this process memory.
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => {
                    // Out of file descriptors or an aborted handshake: back off, go on.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // A fixed send buffer instead of the kernel's autotuning (up to 4 MiB a socket): what a
        // client that does not read can pin in the kernel is bounded too, and it is noticed in
        // seconds (see `ws_send_timeout`).
        let _ = socket2::SockRef::from(&stream).set_send_buffer_size(SEND_BUFFER_BYTES);
        let router = app.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            respond(router.clone(), request, peer, request_timeout)
        });
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            tokio::pin!(connection);
            let stopped = tokio::select! {
                _ = connection.as_mut() => false,
                stopped = stop.wait_for(|stopping| *stopping) => stopped.is_ok(),
            };
            if stopped {
                connection.as_mut().graceful_shutdown();
                let _ = connection.await;
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    // Every connection returns its permit when it is done.
    let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, permits.acquire_many(all)).await;
}

/// One request through the router, with the peer address attached and a deadline.
async fn respond(
    mut router: Router,
    mut request: Request<Incoming>,
    peer: SocketAddr,
    timeout: Duration,
) -> Result<Response, Infallible> {
    request.extensions_mut().insert(ConnectInfo(peer));
    match tokio::time::timeout(timeout, router.call(request)).await {
        Ok(response) => response,
        Err(_) => Ok(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request",
            format!(
                "the request was not received and answered within {} s",
                timeout.as_secs()
            ),
        )
        .into_response()),
    }
}

/// Completes on SIGTERM or Ctrl-C (SIGINT).
pub async fn signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
