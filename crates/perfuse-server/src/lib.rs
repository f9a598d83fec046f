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
pub mod debrief;
mod error;
mod records;
mod registry;
mod session;
pub mod training;
pub mod wire;
mod ws;

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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_sessions: 200,
            max_upload_bytes: 256 * 1024,
            idle_timeout: Duration::from_secs(30 * 60),
            max_session_s: 6 * 3600,
            max_clients_per_session: 64,
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
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 7070)),
            records_db: None,
            limits: Limits::default(),
        }
    }
}

/// A bound, not yet serving, server.
pub struct Server {
    listener: tokio::net::TcpListener,
    state: AppState,
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The live sessions.
    pub registry: Arc<Registry>,
    /// The configuration the server was started with.
    pub config: Arc<ServerConfig>,
    /// The records database, when configured.
    pub records: Option<perfuse_record::Store>,
}

impl Server {
    /// Opens the records database (if configured) and binds the listening socket (use port 0
    /// for an ephemeral port).
    pub async fn bind(config: ServerConfig) -> std::io::Result<Server> {
        let records = match &config.records_db {
            Some(location) => {
                Some(perfuse_record::Store::open(location).await.map_err(|e| {
                    std::io::Error::other(format!("records database {location}: {e}"))
                })?)
            }
            None => None,
        };
        let listener = tokio::net::TcpListener::bind(config.addr).await?;
        let registry = Arc::new(Registry::new(config.limits.clone()));
        let state = AppState {
            registry,
            config: Arc::new(config),
            records,
        };
        Ok(Server { listener, state })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.state.config.addr)
    }

    /// Serves until the process stops; also reaps idle sessions once a minute.
    pub async fn run(self) -> std::io::Result<()> {
        let registry = Arc::downgrade(&self.state.registry);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                let Some(registry) = registry.upgrade() else {
                    break;
                };
                registry.reap_idle();
            }
        });
        let app = api::router(self.state);
        axum::serve(self.listener, app).await
    }
}

/// Runs a server on its own tokio runtime until the process stops, calling `bound` with the
/// address once it listens (for `perfuse serve`, which has no runtime of its own).
pub fn run_blocking(config: ServerConfig, bound: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let server = Server::bind(config).await?;
        bound(server.local_addr());
        server.run().await
    })
}
