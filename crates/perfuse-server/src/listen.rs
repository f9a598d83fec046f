//! The accept loop: HTTP/1.1 connections (optionally over TLS, rustls) served by hyper with a
//! cap on open connections, a header-read timeout that also closes idle keep-alive connections
//! (slowloris), a timeout per request, the peer address for the rate limits, and a graceful
//! shutdown.
//!
//! `axum::serve` offers none of these knobs, so the loop is ours; everything above a
//! connection (routing, guards, handlers) is the axum [`Router`].

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
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
use tokio_rustls::TlsAcceptor;
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
    tls: Option<TlsAcceptor>,
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
    let handshake_timeout = limits.header_timeout;
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
        let (builder, stop, tls) = (builder.clone(), stop.clone(), tls.clone());
        tokio::spawn(async move {
            match tls {
                None => serve_connection(&builder, TokioIo::new(stream), service, stop).await,
                Some(tls) => {
                    // The handshake has the header's deadline: a silent TLS client is a
                    // slowloris too.
                    if let Ok(Ok(stream)) =
                        tokio::time::timeout(handshake_timeout, tls.accept(stream)).await
                    {
                        serve_connection(&builder, TokioIo::new(stream), service, stop).await;
                    }
                }
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

/// Serves one connection (plain or TLS) until it closes or the server stops.
async fn serve_connection<I, S>(
    builder: &hyper::server::conn::http1::Builder,
    io: I,
    service: S,
    mut stop: watch::Receiver<bool>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: hyper::service::HttpService<Incoming, ResBody = axum::body::Body>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let connection = builder.serve_connection(io, service).with_upgrades();
    tokio::pin!(connection);
    let stopped = tokio::select! {
        _ = connection.as_mut() => false,
        stopped = stop.wait_for(|stopping| *stopping) => stopped.is_ok(),
    };
    if stopped {
        connection.as_mut().graceful_shutdown();
        let _ = connection.await;
    }
}

/// The TLS acceptor of a certificate chain and its private key (PEM files, as
/// `perfuse serve --tls-cert --tls-key` names them).
pub fn tls_acceptor(cert_pem: &Path, key_pem: &Path) -> std::io::Result<TlsAcceptor> {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let invalid = |path: &Path, e: &dyn std::fmt::Display| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{}: {e}", path.display()),
        )
    };
    let chain = CertificateDer::pem_file_iter(cert_pem)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| invalid(cert_pem, &e))?;
    if chain.is_empty() {
        return Err(invalid(cert_pem, &"no certificate in this PEM file"));
    }
    let key = PrivateKeyDer::from_pem_file(key_pem).map_err(|e| invalid(key_pem, &e))?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(cert_pem, &e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| invalid(key_pem, &e))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
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
