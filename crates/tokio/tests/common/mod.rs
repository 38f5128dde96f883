//! Helpers shared by the async socket tests: the two runtimes, numbered
//! datagrams that check themselves, and the next item of a stream.
#![allow(dead_code)]

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::pin::Pin;
use std::time::Duration;

use ipv4kit_net::wire::checksum::checksum;
use ipv4kit_net::SendBatch;
use ipv4kit_tokio::Stream;

/// Raw IP protocol number for experiments (RFC 3692).
pub const PROTO: u8 = 253;

/// How long a test waits for traffic before it fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Runs `body` on a current-thread runtime, then on a multi-thread one
/// (two workers), each with I/O and time enabled.
pub fn on_both_runtimes<F, Fut>(mut body: F)
where
    F: FnMut(&'static str) -> Fut,
    Fut: Future<Output = ()>,
{
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    current.block_on(body("current-thread"));
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    multi.block_on(body("multi-thread"));
}

/// Writes datagram `seq`'s payload into `out`: its number, a pattern of
/// varying length, and the internet checksum of both; returns its length.
pub fn payload(seq: u32, out: &mut [u8]) -> usize {
    let n = 4 + (seq as usize * 37) % 700;
    out[..4].copy_from_slice(&seq.to_be_bytes());
    for (i, b) in out[4..n].iter_mut().enumerate() {
        *b = (seq as usize).wrapping_mul(7).wrapping_add(i) as u8;
    }
    let c = checksum(&out[..n]);
    out[n..n + 2].copy_from_slice(&c.to_be_bytes());
    n + 2
}

/// Checks a received payload against [`payload`] and returns its number.
pub fn check_payload(body: &[u8]) -> u32 {
    assert!(body.len() >= 6, "payload of {} bytes", body.len());
    let seq = u32::from_be_bytes(body[..4].try_into().unwrap());
    let mut expect = [0u8; 800];
    let n = payload(seq, &mut expect);
    assert_eq!(body, &expect[..n], "datagram {seq} intact");
    seq
}

/// A 20-byte IPv4 header for a raw datagram of `PROTO` from `src` to `dst`
/// (length and checksum left to the kernel), with `id`.
pub fn header(src: Ipv4Addr, dst: Ipv4Addr, id: u16) -> [u8; 20] {
    let mut h = [0u8; 20];
    h[0] = 0x45;
    h[4..6].copy_from_slice(&id.to_be_bytes());
    h[8] = 64;
    h[9] = PROTO;
    h[12..16].copy_from_slice(&src.octets());
    h[16..20].copy_from_slice(&dst.octets());
    h
}

/// Queues raw datagram `seq` (header + [`payload`]) from `src` to `dst`.
pub fn push_raw(batch: &mut SendBatch, src: Ipv4Addr, dst: Ipv4Addr, seq: u32) {
    batch
        .push_with(SocketAddrV4::new(dst, 0), None, |slot| {
            slot[..20].copy_from_slice(&header(src, dst, seq as u16 | 1));
            20 + payload(seq, &mut slot[20..])
        })
        .unwrap();
}

/// Queues UDP datagram `seq` ([`payload`]) for `dst`.
pub fn push_udp(batch: &mut SendBatch, dst: SocketAddrV4, seq: u32) {
    batch
        .push_with(dst, None, |slot| payload(seq, slot))
        .unwrap();
}

/// The next item of `stream`.
pub async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

/// `fut`, failing the test when it takes longer than [`PATIENCE`].
pub async fn patiently<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, fut)
        .await
        .unwrap_or_else(|_| panic!("{what}: nothing after {PATIENCE:?}"))
}
