//! `perfuse serve`: the live console (HTTP + WebSocket) of `perfuse-server`.

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
}

/// Serves until interrupted.
pub fn run(args: &ServeArgs) -> Result<(), Failure> {
    if !args.addr.ip().is_loopback() {
        eprintln!(
            "warning: listening on {}, not loopback: anyone who can reach it can create sessions",
            args.addr
        );
    }
    let config = perfuse_server::ServerConfig {
        addr: args.addr,
        records_db: Some(args.db.clone()),
        ..Default::default()
    };
    perfuse_server::run_blocking(config, |addr| println!("perfuse console: http://{addr}/"))
        .with_context(|| format!("cannot serve on {}", args.addr))?;
    Ok(())
}
