//! `perfuse serve`: the live console (HTTP + WebSocket) of `perfuse-server`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;

use crate::Failure;

/// Flags of `perfuse serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback by default; another address exposes the console to the network).
    #[arg(long, default_value = "127.0.0.1:7070")]
    addr: SocketAddr,
    /// Database file of perfusion records.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
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
        db_path: args.db.clone(),
        ..Default::default()
    };
    perfuse_server::run_blocking(config, |addr| println!("perfuse console: http://{addr}/"))
        .with_context(|| format!("cannot serve on {}", args.addr))?;
    Ok(())
}
