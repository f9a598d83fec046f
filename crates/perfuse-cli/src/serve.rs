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
}

/// Serves until interrupted.
pub fn run(args: &ServeArgs) -> Result<(), Failure> {
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
        ..Default::default()
    };
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    perfuse_server::run_blocking(config, |addr, restored| {
        // Written, not printed: a closed stdout must not stop a running server.
        let mut out = std::io::stdout();
        let _ = writeln!(out, "perfuse console: {scheme}://{addr}/");
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
