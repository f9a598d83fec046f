//! The live console of perfuse: `perfuse serve`.
//!
//! # Brief overview
//! - [`Server::bind`] opens the listening socket (loopback by default) and [`Server::run`]
//!   serves until the process stops.
//! - Each session is a [`perfuse_sim::Simulation`] built from a scenario (shipped or uploaded,
//!   validated by [`perfuse_scenario::parse`]) and stepped in real time (× 1, 2, 5 or 20) by
//!   its own tokio task; observations are pushed over a WebSocket at 20 Hz with the arterial
//!   pressure and pump flow waveforms at 100 samples per second of wall time.
//! - The student console, instructor station and debrief (`web/`, plain ES modules and canvas)
//!   and the shipped scenarios are embedded in the binary.
//! - Every state-changing request carries the session's student or instructor token
//!   (`Authorization: Bearer …`; `?token=` for the WebSocket), errors are JSON
//!   `{"error": {"field": …, "message": …}}` with a 4xx status, and every resource is bounded
//!   ([`Limits`]).
//! - With `mllp` set, an HL7 v2 MLLP listener (loopback unless `mllp_allow_remote`) attaches lab
//!   results to the records database (`perfuse_record::Store::receive_hl7`).
//!
//! The HTTP API is described by the OpenAPI document served at `/api/openapi.json`, generated
//! from the handlers in [`api`]; the WebSocket protocol is in `docs/api.md`.
//!
//! # Example
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let server = perfuse_server::Server::bind(perfuse_server::ServerConfig::default()).await?;
//! println!("open http://{}/", server.local_addr());
//! server.run().await
//! # }
//! ```

pub mod api;
mod assets;
mod auth;
mod crisis;
pub mod debrief;
mod drill;
mod error;
mod guard;
mod listen;
mod live;
mod mllp;
mod records;
mod registry;
mod session;
pub mod training;
pub mod wire;
mod ws;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use error::ApiError;
pub use registry::Registry;

/// Resource bounds of one server.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Most sessions alive at once (running or ended, until reaped).
    pub max_sessions: usize,
    /// Largest accepted request body (an uploaded scenario), bytes.
    pub max_upload_bytes: usize,
    /// A session with no connected client and no request for this long is removed.
    pub idle_timeout: Duration,
    /// Longest simulated time of one session; the session ends there (bounds its recording).
    pub max_session_s: u64,
    /// Most WebSocket clients of one session.
    pub max_clients_per_session: usize,
    /// Most WebSocket clients of the whole server.
    pub max_websockets: usize,
    /// Most open HTTP connections (WebSockets excluded once upgraded); more wait in the
    /// kernel's accept queue.
    pub max_connections: usize,
    /// A connection that has not sent a whole request header this long after it opened, or
    /// after its previous response (idle keep-alive), is closed (slowloris).
    pub header_timeout: Duration,
    /// Longest time to read a request body and answer it; then 408.
    pub request_timeout: Duration,
    /// A WebSocket client that takes longer than this to accept one message (it does not
    /// read) is dropped.
    pub ws_send_timeout: Duration,
    /// Per client address: sessions created per minute (burst of the same size).
    pub creates_per_min: u32,
    /// Per client address: join attempts per minute (burst of half that).
    pub joins_per_min: u32,
    /// Per client address: other HTTP requests per second (burst of twice that).
    pub requests_per_s: u32,
    /// Per WebSocket client: messages per second; a client that keeps exceeding it is dropped.
    pub ws_messages_per_s: u32,
    /// Most open MLLP connections; one more is closed at once.
    pub mllp_max_connections: usize,
    /// Largest HL7 message over MLLP, bytes; a larger one is answered `AR` and its connection
    /// closed.
    pub mllp_max_message_bytes: usize,
    /// An MLLP connection that sends nothing this long (or does not read its ACK) is closed.
    pub mllp_idle_timeout: Duration,
    /// Per MLLP connection: messages per minute; beyond, each is answered `AR`.
    pub mllp_messages_per_min: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_sessions: 200,
            max_upload_bytes: 256 * 1024,
            idle_timeout: Duration::from_secs(30 * 60),
            max_session_s: 6 * 3600,
            max_clients_per_session: 64,
            max_websockets: 1_024,
            max_connections: 1_024,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            ws_send_timeout: Duration::from_secs(10),
            creates_per_min: 10,
            joins_per_min: 60,
            requests_per_s: 50,
            ws_messages_per_s: 50,
            mllp_max_connections: 16,
            mllp_max_message_bytes: perfuse_record::hl7::MAX_MESSAGE_BYTES,
            mllp_idle_timeout: Duration::from_secs(60),
            mllp_messages_per_min: 120,
        }
    }
}

/// How to run the server.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Address to listen on; `127.0.0.1:7070` by default (loopback only).
    pub addr: SocketAddr,
    /// Database of perfusion records for the `/api/records` endpoints: a SQLite file path or a
    /// `postgres://` URL. `None` serves no records (those endpoints answer 503).
    pub records_db: Option<String>,
    /// Resource bounds.
    pub limits: Limits,
    /// Origins (`https://perfusion.example.org`) whose pages may call the API and open
    /// WebSockets besides the server's own; their hosts are also accepted in `Host`. Empty:
    /// only the address bound (and `localhost` on loopback).
    pub allowed_origins: Vec<String>,
    /// Certificate chain and private key (PEM files) to serve HTTPS and WSS; `None`: plain HTTP
    /// (on loopback, or behind a proxy that terminates TLS).
    pub tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// Address of the HL7 MLLP listener for lab results (needs `records_db`); `None`: off.
    pub mllp: Option<SocketAddr>,
    /// Allow `mllp` on an address other than loopback. MLLP has no authentication, so this is
    /// for a trusted interface only (a lab network segment).
    pub mllp_allow_remote: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 7070)),
            records_db: None,
            limits: Limits::default(),
            allowed_origins: Vec::new(),
            tls: None,
            mllp: None,
            mllp_allow_remote: false,
        }
    }
}

/// A bound, not yet serving, server.
pub struct Server {
    listener: tokio::net::TcpListener,
    mllp: Option<tokio::net::TcpListener>,
    state: AppState,
    restored: Restored,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

/// Live sessions a previous run of the server left in the database.
#[derive(Clone, Debug, Default)]
pub struct Restored {
    /// Sessions resumed (paused).
    pub sessions: usize,
    /// Snapshots that could not be used, with the reason (left in the database).
    pub failures: Vec<String>,
}

/// How often live sessions are saved to the database.
const SAVE_EVERY: Duration = Duration::from_secs(5);

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The live sessions.
    pub registry: Arc<Registry>,
    /// The configuration the server was started with.
    pub config: Arc<ServerConfig>,
    /// The records database, when configured.
    pub records: Option<perfuse_record::Store>,
    /// Rate limits, Host and Origin checks.
    pub(crate) guard: Arc<guard::Guard>,
    /// One permit per open WebSocket ([`Limits::max_websockets`]).
    pub(crate) websockets: Arc<tokio::sync::Semaphore>,
}

impl Server {
    /// Opens the records database (if configured) and binds the listening socket (use port 0
    /// for an ephemeral port).
    pub async fn bind(config: ServerConfig) -> std::io::Result<Server> {
        let tls = match &config.tls {
            Some((cert, key)) => Some(listen::tls_acceptor(cert, key)?),
            None => None,
        };
        let records = match &config.records_db {
            Some(location) => {
                Some(perfuse_record::Store::open(location).await.map_err(|e| {
                    std::io::Error::other(format!("records database {location}: {e}"))
                })?)
            }
            None => None,
        };
        let mllp = match (config.mllp, &records) {
            (None, _) => None,
            (Some(addr), _) if !addr.ip().is_loopback() && !config.mllp_allow_remote => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!(
                        "MLLP on {addr}: not a loopback address, and MLLP has no authentication; \
                         allow it on a trusted interface explicitly (--mllp-allow-remote)"
                    ),
                ));
            }
            (Some(_), None) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "MLLP needs the records database (lab results are attached to records)",
                ));
            }
            (Some(addr), Some(_)) => Some(tokio::net::TcpListener::bind(addr).await?),
        };
        let listener = tokio::net::TcpListener::bind(config.addr).await?;
        let registry = Arc::new(Registry::new(config.limits.clone()));
        let mut restored = Restored::default();
        if let Some(store) = &records {
            let saved = store.live_sessions().await.map_err(|e| {
                std::io::Error::other(format!("live sessions in the records database: {e}"))
            })?;
            for (_, snapshot) in saved {
                match registry.restore(&snapshot) {
                    Ok(()) => restored.sessions += 1,
                    Err(reason) => restored.failures.push(reason),
                }
            }
        }
        let bound = listener.local_addr()?;
        let state = AppState {
            registry,
            guard: Arc::new(guard::Guard::new(&config, bound)),
            websockets: Arc::new(tokio::sync::Semaphore::new(config.limits.max_websockets)),
            config: Arc::new(config),
            records,
        };
        Ok(Server {
            listener,
            mllp,
            state,
            restored,
            tls,
        })
    }

    /// Live sessions resumed from the database when the server was bound.
    pub fn restored(&self) -> &Restored {
        &self.restored
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.state.config.addr)
    }

    /// The address of the MLLP listener, when one is configured.
    pub fn mllp_addr(&self) -> Option<SocketAddr> {
        self.mllp
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
    }

    /// Serves until SIGTERM or Ctrl-C.
    pub async fn run(self) -> std::io::Result<()> {
        self.run_until(listen::signal()).await
    }

    /// Serves until `shutdown` completes, then lets open requests finish; reaps idle sessions
    /// and forgets idle client addresses once a minute meanwhile.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> std::io::Result<()> {
        let registry = Arc::downgrade(&self.state.registry);
        let guard = Arc::downgrade(&self.state.guard);
        let reaper = tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                let (Some(registry), Some(guard)) = (registry.upgrade(), guard.upgrade()) else {
                    break;
                };
                registry.reap_idle();
                guard.forget_idle_clients();
            }
        });
        let saver = self.state.records.clone().map(|store| {
            let registry = Arc::clone(&self.state.registry);
            tokio::spawn(async move {
                let mut saved = HashMap::new();
                let mut every = tokio::time::interval(SAVE_EVERY);
                loop {
                    every.tick().await;
                    save_sessions(&registry, &store, &mut saved).await;
                }
            })
        });
        let limits = self.state.config.limits.clone();
        let registry = Arc::clone(&self.state.registry);
        let records = self.state.records.clone();
        let (stopping, stop) = tokio::sync::watch::channel(false);
        let mllp = self.mllp.zip(records.clone()).map(|(listener, store)| {
            tokio::spawn(mllp::serve(listener, store, limits.clone(), stop))
        });
        let shutdown = async move {
            shutdown.await;
            let _ = stopping.send(true);
        };
        let app = api::router(self.state);
        listen::serve(self.listener, app, &limits, self.tls, shutdown).await;
        if let Some(mllp) = mllp {
            let _ = mllp.await;
        }
        reaper.abort();
        if let (Some(saver), Some(store)) = (saver, records) {
            saver.abort();
            // Everything, once more, after the last request.
            save_sessions(&registry, &store, &mut HashMap::new()).await;
        }
        Ok(())
    }
}

/// Saves the snapshot of every session that changed since `saved` says it was saved, and
/// forgets the sessions that are gone. A failed write is retried at the next round.
async fn save_sessions(
    registry: &Registry,
    store: &perfuse_record::Store,
    saved: &mut HashMap<String, (u64, usize, bool)>,
) {
    let sessions = registry.sessions();
    for session in &sessions {
        let Some((key, json)) = session.snapshot() else {
            continue;
        };
        if saved.get(&session.code) != Some(&key)
            && store.save_live_session(&session.code, &json).await.is_ok()
        {
            saved.insert(session.code.clone(), key);
        }
    }
    let live: HashSet<&str> = sessions.iter().map(|s| s.code.as_str()).collect();
    let gone: Vec<String> = saved
        .keys()
        .filter(|code| !live.contains(code.as_str()))
        .cloned()
        .collect();
    for code in gone {
        if store.delete_live_session(&code).await.is_ok() {
            saved.remove(&code);
        }
    }
}

/// Runs a server on its own tokio runtime until the process stops, calling `bound` with the
/// server once it listens (for `perfuse serve`, which has no runtime of its own).
pub fn run_blocking(config: ServerConfig, bound: impl FnOnce(&Server)) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let server = Server::bind(config).await?;
        bound(&server);
        server.run().await
    })
}
