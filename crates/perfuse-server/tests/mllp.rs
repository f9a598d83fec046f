//! The MLLP listener over a real TCP socket: framing, ACKs (MSA-2 = the message's control id),
//! results attached to the record, refusals logged, size and connection bounds, loopback only.

use std::time::Duration;

use perfuse_record::{Actor, Record, Role, Store};
use perfuse_server::{Limits, Server, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const RECORD: &str = include_str!("../../../docs/examples/case.toml");
const ABG: &str = include_str!("../../../docs/examples/abg.hl7");

/// A fresh SQLite database holding the sample record (MRN DEMO-0000001, 2026-03-14, 08:00).
async fn database(name: &str) -> (String, i64) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("mllp-{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let db = path.to_str().unwrap().to_owned();
    let store = Store::open(&db).await.unwrap();
    let author = Actor::new("A. Perfusionist", Role::Perfusionist).unwrap();
    let record = Record::from_toml_str(RECORD).unwrap();
    let id = store.add(&author, &record, true).await.unwrap();
    store.close().await;
    (db, id)
}

async fn start(db: &str, limits: Limits) -> std::net::SocketAddr {
    let server = Server::bind(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        records_db: Some(db.to_owned()),
        mllp: Some("127.0.0.1:0".parse().unwrap()),
        limits,
        ..Default::default()
    })
    .await
    .unwrap();
    let mllp = server.mllp_addr().expect("an MLLP listener");
    tokio::spawn(server.run_until(std::future::pending()));
    mllp
}

fn framed(message: &str) -> Vec<u8> {
    let mut bytes = vec![0x0b];
    bytes.extend_from_slice(message.as_bytes());
    bytes.extend_from_slice(&[0x1c, 0x0d]);
    bytes
}

/// Reads one framed ACK (or `None` when the server closes the connection).
async fn read_ack(stream: &mut TcpStream) -> Option<String> {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut byte))
            .await
            .expect("an answer within 10 s");
        match read {
            Ok(1) => bytes.push(byte[0]),
            _ => return None,
        }
        if bytes.ends_with(&[0x1c, 0x0d]) {
            assert_eq!(bytes[0], 0x0b, "an ACK starts with the start block");
            return Some(String::from_utf8(bytes[1..bytes.len() - 2].to_vec()).unwrap());
        }
    }
}

/// MSA-1 and MSA-2 of an ACK.
fn msa(ack: &str) -> (String, String) {
    let segment = ack
        .split('\r')
        .find(|segment| segment.starts_with("MSA|"))
        .expect("an MSA segment");
    let fields: Vec<&str> = segment.split('|').collect();
    (fields[1].to_owned(), fields[2].to_owned())
}

#[tokio::test]
async fn results_arrive_over_mllp_and_each_message_is_acknowledged() {
    let (db, id) = database("abg").await;
    let addr = start(&db, Limits::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The file's LF line ends, framed; sent in two writes to cross a read boundary.
    let bytes = framed(ABG);
    stream.write_all(&bytes[..100]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    stream.write_all(&bytes[100..]).await.unwrap();
    let ack = read_ack(&mut stream).await.unwrap();
    assert!(
        ack.starts_with("MSH|^~\\&|PERFUSE|PERFUSE|GEM5000|OR-3|"),
        "{ack}"
    );
    assert_eq!(
        msa(&ack),
        ("AA".into(), "ABG-20260314-0042".into()),
        "{ack}"
    );

    // Unknown MRN, then a malformed message, on the same connection.
    let unknown = ABG
        .replace("DEMO-0000001", "DEMO-9999999")
        .replace("0042", "0043");
    stream.write_all(&framed(&unknown)).await.unwrap();
    let ack = read_ack(&mut stream).await.unwrap();
    assert_eq!(
        msa(&ack),
        ("AE".into(), "ABG-20260314-0043".into()),
        "{ack}"
    );
    assert!(
        ack.contains("\rERR|||204^Unknown key identifier^HL70357|E|"),
        "{ack}"
    );
    let adt = ABG
        .replace("ORU^R01^ORU_R01", "ADT^A01^ADT_A01")
        .replace("0042", "0044");
    stream.write_all(&framed(&adt)).await.unwrap();
    let ack = read_ack(&mut stream).await.unwrap();
    assert_eq!(
        msa(&ack),
        ("AR".into(), "ABG-20260314-0044".into()),
        "{ack}"
    );
    assert!(ack.contains("MSH-9"), "{ack}");

    let store = Store::open(&db).await.unwrap();
    let reader = Actor::new("Quinn Auditor", Role::ReadOnly).unwrap();
    let stored = store.get(&reader, id).await.unwrap();
    // 09:05 on a record started at 08:00: time_s 3900; 28.0 kPa = 210.0 mmHg; 82 g/L.
    let panel = stored
        .record
        .labs
        .iter()
        .find(|s| s.time_s == 3900.0)
        .unwrap();
    assert!((panel.pao2_mmhg.unwrap() - 210.017).abs() < 0.001);
    assert_eq!(panel.hb_g_dl, Some(8.2));
    let trail = store.audit_trail(&reader, id).await.unwrap();
    let last = trail.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor_role.as_str()),
        ("amend", "chief")
    );
    assert!(
        last.actor.starts_with("HL7 MLLP listener"),
        "{}",
        last.actor
    );
    let refusals = store.refusals(&reader, None).await.unwrap();
    let logged: Vec<(&str, u16, &str)> = refusals
        .iter()
        .map(|r| (r.action.as_str(), r.http_status, r.field.as_str()))
        .collect();
    assert_eq!(
        logged,
        [("hl7_attach", 422, "PID-3"), ("hl7_attach", 400, "MSH-9")]
    );
    store.close().await;
}

#[tokio::test]
async fn oversize_messages_and_extra_connections_are_refused() {
    let (db, id) = database("bounds").await;
    let limits = Limits {
        mllp_max_connections: 2,
        mllp_max_message_bytes: 4096,
        ..Limits::default()
    };
    let addr = start(&db, limits).await;
    // Too large: AR echoing the control id, then the connection is closed.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let padded = format!("{ABG}NTE|1||{}\n", "x".repeat(5000));
    stream.write_all(&framed(&padded)).await.unwrap();
    let ack = read_ack(&mut stream).await.unwrap();
    assert_eq!(
        msa(&ack),
        ("AR".into(), "ABG-20260314-0042".into()),
        "{ack}"
    );
    assert!(ack.contains("larger than 4096 bytes"), "{ack}");
    assert_eq!(
        read_ack(&mut stream).await,
        None,
        "closed after an oversize message"
    );
    drop(stream);
    tokio::time::sleep(Duration::from_millis(100)).await;

    // Two connections are served; a third is closed without an answer.
    let mut first = TcpStream::connect(addr).await.unwrap();
    let mut second = TcpStream::connect(addr).await.unwrap();
    // Make sure both are accepted (and hold their slots) before the third arrives.
    let adt = ABG.replace("ORU^R01^ORU_R01", "ADT^A01^ADT_A01");
    for stream in [&mut first, &mut second] {
        stream.write_all(&framed(&adt)).await.unwrap();
        assert_eq!(msa(&read_ack(stream).await.unwrap()).0, "AR");
    }
    let mut third = TcpStream::connect(addr).await.unwrap();
    let _ = third.write_all(&framed(ABG)).await;
    assert_eq!(
        read_ack(&mut third).await,
        None,
        "a third connection is refused"
    );
    // A slot freed is usable again.
    drop(first);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = TcpStream::connect(addr).await.unwrap();
    again.write_all(&framed(ABG)).await.unwrap();
    assert_eq!(msa(&read_ack(&mut again).await.unwrap()).0, "AA");

    let store = Store::open(&db).await.unwrap();
    let reader = Actor::new("Quinn Auditor", Role::ReadOnly).unwrap();
    assert_eq!(
        store.get(&reader, id).await.unwrap().version,
        2,
        "one amendment"
    );
    store.close().await;
}

#[tokio::test]
async fn a_remote_bind_needs_the_explicit_flag_and_mllp_needs_records() {
    let (db, _) = database("bind").await;
    let remote = ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        records_db: Some(db.clone()),
        mllp: Some("0.0.0.0:0".parse().unwrap()),
        ..Default::default()
    };
    let Err(error) = Server::bind(remote.clone()).await else {
        panic!("a non-loopback MLLP bind without --mllp-allow-remote");
    };
    assert!(error.to_string().contains("--mllp-allow-remote"), "{error}");
    let allowed = ServerConfig {
        mllp_allow_remote: true,
        ..remote
    };
    assert!(Server::bind(allowed).await.is_ok());
    let no_records = ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        mllp: Some("127.0.0.1:0".parse().unwrap()),
        ..Default::default()
    };
    assert!(Server::bind(no_records).await.is_err());
}
