//! `perfuse serve`: the live console (HTTP + WebSocket) of `perfuse-server`.

use std::io::Write;
use std::net::SocketAddr;

use anyhow::Context;

use crate::Failure;

/// Flags of `perfuse serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback by default; another address exposes the console to the network).
    #[arg(long, default_value = "127.0.0.1:7070")]
    addr: SocketAddr,
    /// Perfusion records for the `/api/records` endpoints: a SQLite file (created if missing)
    /// or a `postgres://` URL.
    #[arg(
        long,
        value_name = "FILE|URL",
        env = "PERFUSE_DB",
        default_value = "perfuse.db"
    )]
    db: String,
    /// Another origin whose pages may use this server, e.g. `https://perfusion.example.org`
    /// behind a reverse proxy (repeatable); its host is then accepted in `Host` too.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origins: Vec<String>,
    /// Serve HTTPS (and WSS) with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// Receive HL7 v2 lab results (ORU^R01) over MLLP on this address, or on this port of
    /// loopback (e.g. 2575); they are attached to the matching record of --db. Off by default.
    #[arg(long, value_name = "[ADDR:]PORT", value_parser = parse_mllp_addr)]
    mllp: Option<SocketAddr>,
    /// Allow --mllp on an address other than loopback. MLLP has no authentication: use this
    /// only on a trusted interface (a lab network segment).
    #[arg(long, requires = "mllp")]
    mllp_allow_remote: bool,
}

/// `2575` (a port of loopback) or `ADDR:PORT`.
fn parse_mllp_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.parse().map_err(|_| {
        format!("{text:?}: expected a port (2575, on loopback) or ADDR:PORT (127.0.0.1:2575)")
    })
}

/// Serves until interrupted.
pub fn run(args: &ServeArgs) -> Result<(), Failure> {
    if let Some(addr) = args.mllp.filter(|addr| !addr.ip().is_loopback()) {
        if !args.mllp_allow_remote {
            return Err(Failure::Input(format!(
                "--mllp {addr}: not a loopback address, and MLLP has no authentication; \
                 add --mllp-allow-remote to accept lab results on a trusted interface"
            )));
        }
        eprintln!(
            "warning: MLLP on {addr}, not loopback: anyone who can reach it can add lab results"
        );
    }
    if !args.addr.ip().is_loopback() {
        eprintln!(
            "warning: listening on {}, not loopback: anyone who can reach it can create sessions",
            args.addr
        );
    }
    for origin in &args.allow_origins {
        let valid = origin.split_once("://").is_some_and(|(scheme, host)| {
            matches!(scheme, "http" | "https") && !host.is_empty() && !host.contains('/')
        });
        if !valid {
            return Err(Failure::Input(format!(
                "--allow-origin {origin:?}: expected scheme://host[:port], e.g. https://perfusion.example.org"
            )));
        }
    }
    let config = perfuse_server::ServerConfig {
        addr: args.addr,
        records_db: Some(args.db.clone()),
        allowed_origins: args.allow_origins.clone(),
        tls: args.tls_cert.clone().zip(args.tls_key.clone()),
        mllp: args.mllp,
        mllp_allow_remote: args.mllp_allow_remote,
        ..Default::default()
    };
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    init_logging();
    perfuse_server::run_blocking(config, |server| {
        let (addr, restored) = (server.local_addr(), server.restored());
        // Written, not printed: a closed stdout must not stop a running server.
        let mut out = std::io::stdout();
        let _ = writeln!(out, "perfuse console: {scheme}://{addr}/");
        if let Some(mllp) = server.mllp_addr() {
            let _ = writeln!(
                out,
                "HL7 MLLP listener: {mllp} (lab results into {})",
                args.db
            );
        }
        if restored.sessions > 0 {
            let _ = writeln!(
                out,
                "resumed {} live session(s) from {} (paused)",
                restored.sessions, args.db
            );
        }
        let _ = out.flush();
        for failure in &restored.failures {
            let _ = writeln!(
                std::io::stderr(),
                "warning: a saved live session was not resumed: {failure}"
            );
        }
    })
    .with_context(|| format!("cannot serve on {}", args.addr))?;
    Ok(())
}

/// Server events (each HL7 message, refusals) as lines on stderr, `info` and above.
fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::stderr)
        .try_init();
}
