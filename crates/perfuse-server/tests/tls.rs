//! HTTPS with `--tls-cert/--tls-key`: a client that trusts the certificate gets the API over
//! TLS; a plain-HTTP client gets no answer.

use std::sync::Arc;
use std::time::Duration;

use perfuse_server::{Server, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

#[tokio::test]
async fn https_with_a_certificate_and_key() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let cert = dir.join(format!("tls-{}.crt", std::process::id()));
    let key = dir.join(format!("tls-{}.key", std::process::id()));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();

    let missing = Server::bind(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        tls: Some((cert.clone(), dir.join("no-such.key"))),
        ..ServerConfig::default()
    })
    .await;
    let error = missing
        .err()
        .expect("a missing key is an error")
        .to_string();
    assert!(error.contains("no-such.key"), "{error}");

    let server = Server::bind(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        tls: Some((cert.clone(), key.clone())),
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let addr = server.local_addr();
    tokio::spawn(server.run_until(std::future::pending()));

    let mut roots = RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let stream = TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), stream)
        .await
        .unwrap();
    let request = format!(
        "GET /api/health HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
        addr.port()
    );
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tls.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");

    // Plain HTTP to the TLS port: no HTTP answer.
    let mut plain = TcpStream::connect(addr).await.unwrap();
    plain.write_all(request.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut bytes)).await;
    assert!(!bytes.starts_with(b"HTTP/1.1 200"));
}
