//! Hostile clients against a real server: every bound holds and every refusal is a 4xx with a
//! JSON body (issue 14). Limits are lowered so each bound is reached in a second or two.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use perfuse_server::{Limits, Server, ServerConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn start(limits: Limits) -> SocketAddr {
    let server = Server::bind(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        limits,
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let addr = server.local_addr();
    tokio::spawn(server.run_until(std::future::pending()));
    addr
}

async fn create(http: &reqwest::Client, addr: SocketAddr, speed: u32) -> Value {
    let response = http
        .post(format!("http://{addr}/api/sessions"))
        .json(&json!({"scenario_id": "adult-cabg-routine", "speed": speed}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

/// A 4xx whose body is the API's JSON error naming `field`.
async fn assert_json_error(response: reqwest::Response, status: u16, field: &str) {
    assert_eq!(response.status().as_u16(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["field"], field, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().len() > 3,
        "{body}"
    );
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let addr = start(Limits {
        creates_per_min: 2,
        joins_per_min: 4,
        ..Limits::default()
    })
    .await;
    let http = reqwest::Client::new();
    create(&http, addr, 1).await;
    create(&http, addr, 1).await;
    let third = http
        .post(format!("http://{addr}/api/sessions"))
        .json(&json!({"scenario_id": "adult-cabg-routine"}))
        .send()
        .await
        .unwrap();
    let retry_after: u64 = third.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    assert_json_error(third, 429, "rate").await;

    // Guessing codes: the burst (half the per-minute quota), then 429.
    let mut statuses = Vec::new();
    for guess in ["AAAAAAAA", "BBBBBBBB", "CCCCCCCC"] {
        let response = http
            .post(format!("http://{addr}/api/sessions/{guess}/join"))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [404, 404, 429]);
}

#[tokio::test]
async fn without_a_token_unknown_and_existing_codes_look_the_same() {
    let addr = start(Limits::default()).await;
    let http = reqwest::Client::new();
    let created = create(&http, addr, 1).await;
    let code = created["code"].as_str().unwrap();
    assert_eq!(code.len(), 8);
    for (path, token, status) in [
        (format!("/api/sessions/{code}"), None, 401),
        ("/api/sessions/ZZZZZZZZ".to_owned(), None, 401),
        (format!("/api/sessions/{code}"), Some("0123"), 403),
        ("/api/sessions/ZZZZZZZZ".to_owned(), Some("0123"), 403),
    ] {
        let mut request = http.get(format!("http://{addr}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_json_error(response, status, "authorization").await;
    }
}

#[tokio::test]
async fn every_response_has_security_headers_and_errors_are_json() {
    let addr = start(Limits::default()).await;
    let http = reqwest::Client::new();
    for path in [
        "/",
        "/js/console.js",
        "/api/health",
        "/nowhere",
        "/api/nowhere",
    ] {
        let response = http
            .get(format!("http://{addr}{path}"))
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
    }
    let missing = http
        .get(format!("http://{addr}/nowhere"))
        .send()
        .await
        .unwrap();
    assert_json_error(missing, 404, "path").await;
    let wrong_method = http
        .delete(format!("http://{addr}/api/health"))
        .send()
        .await
        .unwrap();
    assert_json_error(wrong_method, 405, "method").await;
    let not_a_websocket = http
        .get(format!("http://{addr}/api/sessions/AAAAAAAA/ws?token=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(not_a_websocket.status().as_u16() / 100, 4);
    assert!(not_a_websocket.headers()["content-type"] == "application/json");
}

#[tokio::test]
async fn host_and_origin_are_checked() {
    let addr = start(Limits::default()).await;
    let http = reqwest::Client::new();
    let rebound = http
        .get(format!("http://{addr}/api/health"))
        .header("host", "attacker.example:7070")
        .send()
        .await
        .unwrap();
    assert_json_error(rebound, 421, "host").await;
    let by_name = http
        .get(format!("http://{addr}/api/health"))
        .header("host", format!("localhost:{}", addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.status(), 200);

    let created = create(&http, addr, 1).await;
    let (code, token) = (
        created["code"].as_str().unwrap(),
        created["student_token"].as_str().unwrap(),
    );
    let url = format!("ws://{addr}/api/sessions/{code}/ws?token={token}");
    let mut foreign = url.as_str().into_client_request().unwrap();
    foreign
        .headers_mut()
        .insert("origin", "http://attacker.example".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(foreign).await.is_err());
    let mut own = url.as_str().into_client_request().unwrap();
    own.headers_mut()
        .insert("origin", format!("http://{addr}").parse().unwrap());
    assert!(tokio_tungstenite::connect_async(own).await.is_ok());
}

/// Reads until the server closes the connection; how long that took.
async fn closed_after(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((start + within).into(), stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => {}
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed() {
    let addr = start(Limits {
        header_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(1),
        ..Limits::default()
    })
    .await;
    // Slowloris: half a header, then nothing.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let closed = closed_after(&mut slow, Duration::from_secs(5)).await;
    assert!(
        closed.is_some(),
        "a half-sent header keeps no connection open"
    );

    // Idle keep-alive after a whole request.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET /api/health HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    idle.write_all(request.as_bytes()).await.unwrap();
    let closed = closed_after(&mut idle, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "an idle keep-alive connection is closed");

    // A body that never arrives: 408 with a JSON body.
    let mut stalled = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /api/sessions HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"scen"
    );
    stalled.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stalled.read_to_string(&mut answer)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"field\":\"request\""), "{answer}");
}

#[tokio::test]
async fn a_client_that_does_not_read_is_dropped() {
    let addr = start(Limits {
        ws_send_timeout: Duration::from_secs(1),
        ..Limits::default()
    })
    .await;
    let http = reqwest::Client::new();
    let created = create(&http, addr, 20).await;
    let (code, token) = (
        created["code"].as_str().unwrap().to_owned(),
        created["student_token"].as_str().unwrap().to_owned(),
    );
    // A tiny receive window, and then never read.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let url = format!("ws://{addr}/api/sessions/{code}/ws?token={token}");
    let (_silent, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
    let clients = || async {
        let status: Value = http
            .get(format!("http://{addr}/api/sessions/{code}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        status["clients"].as_u64().unwrap()
    };
    assert_eq!(clients().await, 1);
    let deadline = Instant::now() + Duration::from_secs(30);
    while clients().await > 0 {
        assert!(
            Instant::now() < deadline,
            "the non-reading client is still connected"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_flooding_client_is_closed_and_the_hello_is_bounded() {
    let addr = start(Limits {
        ws_messages_per_s: 5,
        requests_per_s: 1_000,
        ..Limits::default()
    })
    .await;
    let http = reqwest::Client::new();
    let created = create(&http, addr, 1).await;
    let (code, instructor) = (
        created["code"].as_str().unwrap(),
        created["instructor_token"].as_str().unwrap(),
    );
    // A long log: 300 notes of 500 characters.
    let note = "n".repeat(500);
    for _ in 0..300 {
        let response = http
            .post(format!("http://{addr}/api/sessions/{code}/annotations"))
            .bearer_auth(instructor)
            .json(&json!({ "text": note }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }
    let url = format!("ws://{addr}/api/sessions/{code}/ws?token={instructor}");
    let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let hello: Value = loop {
        if let Some(Ok(Message::Text(text))) = socket.next().await {
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] == "hello" {
                break value;
            }
        }
    };
    let total = hello["log_total"].as_u64().unwrap();
    assert!(total > 300, "{total}");
    assert_eq!(hello["log"].as_array().unwrap().len(), 200);
    assert_eq!(hello["log_from"].as_u64().unwrap(), total - 200);
    // The rest of the log, over HTTP.
    let page: Value = http
        .get(format!(
            "http://{addr}/api/sessions/{code}/log?from=0&limit=50"
        ))
        .bearer_auth(instructor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["entries"].as_array().unwrap().len(), 50);
    assert_eq!(page["total"].as_u64().unwrap(), total);

    // 500 pings as fast as possible: the connection is closed (policy violation).
    for _ in 0..500 {
        if socket
            .send(Message::text(r#"{"type":"ping"}"#))
            .await
            .is_err()
        {
            break;
        }
    }
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(message) = socket.next().await {
            match message {
                Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Err(_) => return None,
                Ok(_) => {}
            }
        }
        None
    })
    .await
    .expect("the flooding client is closed");
    assert_eq!(closed, Some(1008));
}

#[tokio::test]
async fn shutdown_finishes() {
    let server = Server::bind(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    let _idle = TcpStream::connect(addr).await.unwrap();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the server stops within its grace period")
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}
