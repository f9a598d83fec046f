//! The MLLP listener (`perfuse serve --mllp`): HL7 v2 lab results from a lab system or blood
//! gas analyser, each message framed `0x0B … 0x1C 0x0D` on a TCP connection and answered with
//! its ACK in the same framing.
//!
//! The framing is a small loop over a bounded buffer rather than a codec crate: the published
//! MLLP codecs (`hl7-mllp-codec`, `mllp-rs`) are small, long-unreleased crates, and a codec
//! would still need the bounds below written around it. Each message goes to
//! [`perfuse_record::Store::receive_hl7`], which parses it, finds the record and writes the
//! results in one audited transaction or refuses the whole message.
//!
//! MLLP has no authentication: whoever reaches the port can add results. So it binds loopback
//! unless told otherwise (`--mllp-allow-remote`), and every cost is bounded ([`crate::Limits`]):
//! open connections (one more is closed at once), message size (a larger one is answered `AR`
//! and the connection closed, since the rest of it cannot be resynchronised), idle time, and
//! messages per minute on a connection (beyond, `AR`). Every message is logged (`tracing`) and
//! every refusal written to the records database's refusal log.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use perfuse_record::hl7::{Hl7Error, read_header};
use perfuse_record::store::Received;
use perfuse_record::time::now_hl7_utc;
use perfuse_record::{Actor, Role, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use crate::Limits;

/// Start and end of an MLLP frame.
const START_BLOCK: u8 = 0x0b;
const END_BLOCK: [u8; 2] = [0x1c, 0x0d];
/// How long a connection closed for an oversize message is drained before it is dropped.
const LINGER: Duration = Duration::from_secs(2);
/// How long open connections get to finish the message they are on after a shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The actor results from MLLP are written as: the interface, with the chief's right to add
/// results to any record (the audit entry names it and the message's control id).
pub fn actor(addr: SocketAddr) -> Actor {
    Actor::new(format!("HL7 MLLP listener {addr}"), Role::Chief)
        .expect("an address is a valid actor name")
}

/// Serves MLLP on `listener` until `stop` turns true, then lets open connections finish the
/// message they are on (at most [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    store: Store,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let max_connections = limits.mllp_max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let permits = Arc::new(Semaphore::new(max_connections));
    let actor = actor(
        listener
            .local_addr()
            .unwrap_or(SocketAddr::from(([0; 4], 0))),
    );
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|stopping| *stopping) => break,
        };
        let Ok((stream, peer)) = accepted else {
            // Out of file descriptors or an aborted handshake: back off, go on.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        while connections.try_join_next().is_some() {}
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            tracing::warn!(%peer, max_connections, "MLLP connection refused: too many open");
            drop(stream);
            continue;
        };
        tracing::info!(%peer, "MLLP connection opened");
        connections.spawn(connection(
            stream,
            peer,
            store.clone(),
            actor.clone(),
            limits.clone(),
            stop.clone(),
            permit,
        ));
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}

/// What the buffer holds next.
enum Frame {
    /// A whole message (the bytes between the start and end blocks).
    Message(Vec<u8>),
    /// More than the size limit without an end block: the start of the message.
    TooLarge(Vec<u8>),
    /// Not a whole frame yet.
    Incomplete,
}

/// Takes the next frame off `buffer`; bytes before a start block are dropped.
fn next_frame(buffer: &mut Vec<u8>, max_bytes: usize) -> Frame {
    let Some(start) = buffer.iter().position(|&b| b == START_BLOCK) else {
        buffer.clear();
        return Frame::Incomplete;
    };
    buffer.drain(..start);
    match buffer.windows(2).position(|pair| pair == END_BLOCK) {
        Some(end) if end - 1 <= max_bytes => {
            let message = buffer[1..end].to_vec();
            buffer.drain(..end + 2);
            Frame::Message(message)
        }
        Some(_) => Frame::TooLarge(buffer[1..].to_vec()),
        None if buffer.len() - 1 > max_bytes => Frame::TooLarge(buffer[1..].to_vec()),
        None => Frame::Incomplete,
    }
}

/// Messages of one connection per minute (a fixed one-minute window).
struct Rate {
    per_min: u32,
    window_start: Instant,
    count: u32,
}

impl Rate {
    fn allow(&mut self, now: Instant) -> bool {
        if now.duration_since(self.window_start) >= Duration::from_secs(60) {
            self.window_start = now;
            self.count = 0;
        }
        self.count += 1;
        self.count <= self.per_min
    }
}

/// Serves one connection until it closes, idles out, breaks the size limit or the server stops.
async fn connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    store: Store,
    actor: Actor,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let max_bytes = limits.mllp_max_message_bytes;
    let mut rate = Rate {
        per_min: limits.mllp_messages_per_min,
        window_start: Instant::now(),
        count: 0,
    };
    let mut buffer = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    'connection: loop {
        let read = tokio::select! {
            read = tokio::time::timeout(limits.mllp_idle_timeout, stream.read(&mut chunk)) => read,
            _ = stop.wait_for(|stopping| *stopping) => break,
        };
        match read {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Err(_) => {
                tracing::info!(%peer, "MLLP connection closed: idle");
                break;
            }
            Ok(Ok(n)) => buffer.extend_from_slice(&chunk[..n]),
        }
        loop {
            let (received, close) = match next_frame(&mut buffer, max_bytes) {
                Frame::Incomplete => break,
                Frame::TooLarge(start) => {
                    let first_segment = start
                        .split(|&b| b == b'\r' || b == b'\n')
                        .next()
                        .unwrap_or_default();
                    let refusal = Hl7Error::rejected(
                        "MSH",
                        format!("message larger than {max_bytes} bytes; the connection is closed"),
                    );
                    let header = read_header(&String::from_utf8_lossy(first_segment));
                    (refused(header, refusal), true)
                }
                Frame::Message(bytes) => (receive(&store, &actor, bytes, &mut rate).await, false),
            };
            log(&store, &actor, peer, &received).await;
            let ack = received.ack(&now_hl7_utc());
            let mut framed = Vec::with_capacity(ack.len() + 3);
            framed.push(START_BLOCK);
            framed.extend_from_slice(ack.as_bytes());
            framed.extend_from_slice(&END_BLOCK);
            let written = tokio::time::timeout(limits.mllp_idle_timeout, stream.write_all(&framed));
            if !matches!(written.await, Ok(Ok(()))) {
                break 'connection;
            }
            if close {
                // Close after the ACK without a reset (which could discard the ACK): send FIN,
                // then drop what the client is still sending, for a short while.
                let _ = stream.shutdown().await;
                let _ = tokio::time::timeout(LINGER, async {
                    while matches!(stream.read(&mut chunk).await, Ok(n) if n > 0) {}
                })
                .await;
                break 'connection;
            }
        }
    }
    tracing::info!(%peer, "MLLP connection closed");
}

/// One whole message: checked for its rate and encoding, then given to the store.
async fn receive(store: &Store, actor: &Actor, bytes: Vec<u8>, rate: &mut Rate) -> Received {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let header = read_header(&String::from_utf8_lossy(error.as_bytes()));
            let refusal = Hl7Error::rejected("MSH-18", "not UTF-8 (or ASCII) text");
            return refused(header, refusal);
        }
    };
    if !rate.allow(Instant::now()) {
        let refusal = Hl7Error::rejected(
            "MSH",
            format!(
                "more than {} messages a minute on this connection; resend later",
                rate.per_min
            ),
        );
        return refused(read_header(&text), refusal);
    }
    store.receive_hl7(actor, &text).await
}

fn refused(header: Option<perfuse_record::hl7::Header>, refusal: Hl7Error) -> Received {
    Received {
        header,
        outcome: Err(refusal),
    }
}

/// Logs a message's outcome, and writes a refusal to the refusal log.
async fn log(store: &Store, actor: &Actor, peer: SocketAddr, received: &Received) {
    let control_id = received
        .header
        .as_ref()
        .map_or("", |header| header.control_id.as_str());
    match &received.outcome {
        Ok(attached) => tracing::info!(
            %peer,
            control_id,
            record_id = attached.record_id,
            new_values = attached.new_values,
            "HL7 message accepted (AA)"
        ),
        Err(refusal) => {
            tracing::warn!(
                %peer,
                control_id,
                ack = refusal.ack.code(),
                field = %refusal.field,
                reason = %refusal.message,
                "HL7 message refused"
            );
            let reason = format!("message {control_id:?}: {}", refusal.message);
            if let Err(error) = store
                .log_refusal(
                    actor,
                    "hl7_attach",
                    None,
                    refusal.status(),
                    &refusal.field,
                    &reason,
                )
                .await
            {
                tracing::error!(%error, "refusal log write failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_cut_at_the_end_block_and_bounded() {
        let mut buffer = b"junk\x0bMSH|a\rPID|b\x1c\x0d\x0bMSH|c".to_vec();
        assert!(matches!(next_frame(&mut buffer, 100), Frame::Message(m) if m == b"MSH|a\rPID|b"));
        assert!(matches!(next_frame(&mut buffer, 100), Frame::Incomplete));
        buffer.extend_from_slice(b"\x1c");
        assert!(matches!(next_frame(&mut buffer, 100), Frame::Incomplete));
        buffer.extend_from_slice(b"\x0d");
        assert!(matches!(next_frame(&mut buffer, 100), Frame::Message(m) if m == b"MSH|c"));
        assert!(buffer.is_empty());
        let mut large = vec![START_BLOCK];
        large.extend_from_slice(&[b'x'; 11]);
        assert!(matches!(next_frame(&mut large, 10), Frame::TooLarge(_)));
        let mut exact = vec![START_BLOCK];
        exact.extend_from_slice(&[b'x'; 10]);
        exact.extend_from_slice(&END_BLOCK);
        assert!(matches!(next_frame(&mut exact, 10), Frame::Message(m) if m.len() == 10));
    }

    #[test]
    fn rate_window_allows_the_limit_then_refuses_until_the_minute_is_over() {
        let start = Instant::now();
        let mut rate = Rate {
            per_min: 2,
            window_start: start,
            count: 0,
        };
        assert!(rate.allow(start));
        assert!(rate.allow(start));
        assert!(!rate.allow(start + Duration::from_secs(59)));
        assert!(rate.allow(start + Duration::from_secs(60)));
    }
}
