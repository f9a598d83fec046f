//! Load benchmark (not a test): live sessions at 20 Hz on loopback for a fixed time.
//!
//! `cargo run --release -p perfuse-server --example load [-- SESSIONS SECONDS [--hostile]]`
//! (defaults 1,000 sessions, 30 s).
//!
//! Starts the server as a child process (this same executable with `--serve`, its per-address
//! limits raised since every client here is 127.0.0.1), measures its idle RSS, creates the
//! sessions at × 1, connects one WebSocket client per session, and reports the server's CPU
//! use, its RSS under load, and the delay between each frame's server timestamp (taken right
//! after the simulation tick) and its receipt by the client (median, p99, max).
//!
//! `--hostile` adds, alongside the honest sessions, the attacks of the review that found the
//! server unbounded: 6 sessions with a 1 MiB event log, each with 64 WebSocket clients that
//! never read; one client flooding WebSocket messages; 500 slowloris connections; and a client
//! requesting the debrief of a full-log session in a loop. Bounded in time; loopback only.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

fn unix_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Resident set size of a process, MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// User + system CPU time of a process, s.
fn cpu_s(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted from after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn serve() {
    let config = perfuse_server::ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        limits: perfuse_server::Limits {
            max_sessions: 1_200,
            max_websockets: 2_048,
            max_connections: 2_048,
            creates_per_min: 1_000_000,
            joins_per_min: 1_000_000,
            requests_per_s: 1_000_000,
            ..perfuse_server::Limits::default()
        },
        ..Default::default()
    };
    perfuse_server::run_blocking(config, |server| println!("{}", server.local_addr())).unwrap();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        return tokio::task::block_in_place(serve);
    }
    let sessions: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000)
        .min(1_100);
    let seconds: u64 = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30)
        .min(120);

    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("--serve")
        .stdout(Stdio::piped())
        .spawn()
        .expect("server starts");
    let pid = child.id();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().to_owned();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss = rss_mib(pid);

    let hostile = args.iter().any(|a| a == "--hostile");
    let http = reqwest::Client::new();
    if hostile {
        attack(&http, &addr, seconds).await;
    }
    let mut tokens = Vec::new();
    for _ in 0..sessions {
        let created: serde_json::Value = http
            .post(format!("http://{addr}/api/sessions"))
            .json(&serde_json::json!({"scenario_id": "adult-cabg-routine"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokens.push((
            created["code"].as_str().unwrap().to_owned(),
            created["student_token"].as_str().unwrap().to_owned(),
        ));
    }

    // Every client connects first; frames count from 2 s after the last one, for `seconds`.
    let mut sockets = Vec::new();
    for (code, token) in tokens {
        let url = format!("ws://{addr}/api/sessions/{code}/ws?token={token}");
        sockets.push(tokio_tungstenite::connect_async(url).await.unwrap().0);
    }
    let start = Instant::now() + Duration::from_secs(2);
    let deadline = start + Duration::from_secs(seconds);
    let mut clients = Vec::new();
    for mut socket in sockets {
        clients.push(tokio::spawn(async move {
            let mut delays_ms = Vec::new();
            while let Ok(Some(Ok(message))) =
                tokio::time::timeout_at(deadline.into(), socket.next()).await
            {
                let received = unix_ms();
                let Message::Text(text) = message else {
                    continue;
                };
                if Instant::now() < start {
                    continue;
                }
                let Some(at) = text.find("\"server_time_ms\":") else {
                    continue;
                };
                let rest = &text[at + 17..];
                let end = rest.find(',').unwrap_or(rest.len());
                if let Ok(sent) = rest[..end].parse::<f64>() {
                    delays_ms.push(received - sent);
                }
            }
            delays_ms
        }));
    }
    tokio::time::sleep_until(start.into()).await;
    let (cpu_start, wall_start) = (cpu_s(pid), Instant::now());
    tokio::time::sleep_until((deadline - Duration::from_secs(1)).into()).await;
    let cpu_pct = (cpu_s(pid) - cpu_start) / wall_start.elapsed().as_secs_f64() * 100.0;
    let load_rss = rss_mib(pid);

    let mut delays: Vec<f64> = Vec::new();
    for client in clients {
        delays.extend(client.await.unwrap());
    }
    let _ = child.kill();
    let _ = child.wait();
    delays.sort_by(f64::total_cmp);
    let pick = |q: f64| {
        delays
            .get(((delays.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "sessions: {sessions} at x1, one WebSocket client each, {seconds} s{}",
        if hostile {
            ", with the hostile mix"
        } else {
            ""
        }
    );
    println!(
        "frames received: {} ({:.1} per session per second)",
        delays.len(),
        delays.len() as f64 / sessions as f64 / seconds as f64
    );
    println!(
        "tick-to-receipt delay: median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pick(0.5),
        pick(0.99),
        pick(1.0)
    );
    println!("server CPU: {cpu_pct:.0} % of one core");
    println!("server RSS: idle {idle_rss:.1} MiB, with {sessions} sessions {load_rss:.1} MiB");
}

async fn create(http: &reqwest::Client, addr: &str) -> serde_json::Value {
    http.post(format!("http://{addr}/api/sessions"))
        .json(&serde_json::json!({"scenario_id": "adult-cabg-routine"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Starts the hostile clients; they run until the process ends.
async fn attack(http: &reqwest::Client, addr: &str, seconds: u64) {
    let until = Instant::now() + Duration::from_secs(seconds + 5);
    // Six sessions with a full (1 MiB) log, 64 clients each that never read.
    let note = "n".repeat(500);
    for session in 0..6 {
        let created = create(http, addr).await;
        let code = created["code"].as_str().unwrap().to_owned();
        let instructor = created["instructor_token"].as_str().unwrap().to_owned();
        for _ in 0..2_100 {
            let _ = http
                .post(format!("http://{addr}/api/sessions/{code}/annotations"))
                .bearer_auth(&instructor)
                .json(&serde_json::json!({ "text": note }))
                .send()
                .await;
        }
        for _ in 0..64 {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.set_recv_buffer_size(4096).unwrap();
            let stream = socket.connect(addr.parse().unwrap()).await.unwrap();
            let url = format!("ws://{addr}/api/sessions/{code}/ws?token={instructor}");
            if let Ok((silent, _)) = tokio_tungstenite::client_async(url, stream).await {
                // Held, never read, until the end.
                tokio::spawn(async move {
                    tokio::time::sleep_until(until.into()).await;
                    drop(silent);
                });
            }
        }
        // The debrief of a full-log session, in a loop.
        if session == 0 {
            let (http, addr, code, token) = (
                http.clone(),
                addr.to_owned(),
                code.clone(),
                instructor.clone(),
            );
            tokio::spawn(async move {
                while Instant::now() < until {
                    let _ = http
                        .get(format!("http://{addr}/api/sessions/{code}/debrief"))
                        .bearer_auth(&token)
                        .send()
                        .await;
                }
            });
        }
    }
    // A WebSocket message flood.
    let created = create(http, addr).await;
    let url = format!(
        "ws://{addr}/api/sessions/{}/ws?token={}",
        created["code"].as_str().unwrap(),
        created["student_token"].as_str().unwrap()
    );
    tokio::spawn(async move {
        while Instant::now() < until {
            let Ok((mut socket, _)) = tokio_tungstenite::connect_async(&url).await else {
                break;
            };
            use futures_util::SinkExt;
            while socket
                .send(Message::text(r#"{"type":"ping"}"#))
                .await
                .is_ok()
            {}
        }
    });
    // Slowloris: 500 connections sending half a header, a byte every 5 s.
    let addr = addr.to_owned();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let mut held = Vec::new();
        for _ in 0..500 {
            if let Ok(mut stream) = tokio::net::TcpStream::connect(&addr).await {
                let _ = stream.write_all(b"GET / HTTP/1.1\r\n").await;
                held.push(stream);
            }
        }
        while Instant::now() < until {
            tokio::time::sleep(Duration::from_secs(5)).await;
            for stream in &mut held {
                let _ = stream.write_all(b"X").await;
            }
        }
    });
}
