//! Dropping a pending receive loses no datagram: after a timed-out receive,
//! and with receives cancelled mid-wait under load, the next
//! receives still get every datagram, in order.

mod common;

use std::future::Future;
use std::net::SocketAddrV4;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use common::*;
use ipv4kit_net::{DatagramOptions, PacketConn, RecvBatch, SendBatch};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B};
use ipv4kit_tokio::{AsyncPacketConn, AsyncSocket};

const SLOT: usize = 2048;

/// A UDP receiver in b (large buffer) and a sender in a.
fn pair(link: &Link) -> (AsyncPacketConn, AsyncPacketConn, SocketAddrV4) {
    let rx = link.b.run(|| {
        let c = PacketConn::bind_udp(SocketAddrV4::new(ADDR_B, 0)).unwrap();
        c.set_recv_buffer_size(64 << 20).unwrap();
        c
    });
    let tx = link
        .a
        .run(|| PacketConn::bind_udp(SocketAddrV4::new(ADDR_A, 0)).unwrap());
    let dst = rx.local_addr().unwrap();
    (
        AsyncSocket::new(rx).unwrap(),
        AsyncSocket::new(tx).unwrap(),
        dst,
    )
}

async fn send_numbered(tx: &AsyncPacketConn, dst: SocketAddrV4, range: std::ops::Range<u32>) {
    let mut batch = SendBatch::new(64, SLOT);
    for seq in range {
        push_udp(&mut batch, dst, seq);
        if batch.is_full() {
            tx.send_all(&mut batch).await.unwrap();
            batch.clear();
            tokio::task::yield_now().await;
        }
    }
    tx.send_all(&mut batch).await.unwrap();
}

#[test]
fn receives_dropped_while_pending_lose_nothing() {
    require_privileges!();
    let link = Link::new().unwrap();
    on_both_runtimes(|rt| {
        let link = &link;
        async move {
            let (rx, tx, dst) = pair(link);
            let mut batch = RecvBatch::new(16, SLOT);
            let mut buf = [0u8; SLOT];
            let short = Duration::from_millis(20);
            // Nothing queued: each receive is pending, then dropped.
            for _ in 0..3 {
                let r = tokio::time::timeout(short, rx.recv_batch(&mut batch)).await;
                assert!(r.is_err(), "{rt}: nothing was sent yet");
                let r = tokio::time::timeout(short, rx.recv_from(&mut buf)).await;
                assert!(r.is_err(), "{rt}: nothing was sent yet");
            }
            send_numbered(&tx, dst, 0..1000).await;
            // The first comes through the single receive, the rest in batches.
            let meta = patiently(rt, rx.recv_from(&mut buf)).await.unwrap();
            assert_eq!(check_payload(&buf[..meta.len]), 0, "{rt}");
            let mut next = 1;
            while next < 1000 {
                patiently(rt, rx.recv_batch(&mut batch)).await.unwrap();
                for d in &batch {
                    assert_eq!(check_payload(d.data), next, "{rt}");
                    next += 1;
                }
            }
            // And the queue is empty again.
            let r = tokio::time::timeout(short, rx.recv_batch(&mut batch)).await;
            assert!(r.is_err(), "{rt}: nothing more");
        }
    });
}

#[test]
fn receives_cancelled_mid_wait_under_load_lose_nothing() {
    require_privileges!();
    const TOTAL: u32 = 10_000;
    let link = Link::new().unwrap();
    on_both_runtimes(|rt| {
        let link = &link;
        async move {
            let (rx, tx, dst) = pair(link);
            let tx = Arc::new(tx);
            let sender = tokio::spawn({
                let tx = tx.clone();
                async move { send_numbered(&tx, dst, 0..TOTAL).await }
            });
            let mut batch = RecvBatch::new(32, SLOT);
            let (mut next, mut cancelled, mut rounds) = (0, 0u32, 0u32);
            let receive = async {
                while next < TOTAL {
                    rounds += 1;
                    // Every third receive is polled once and dropped if it
                    // is pending: cancelled while it waits for readiness.
                    let got = if rounds % 3 == 0 {
                        let mut fut = std::pin::pin!(rx.recv_batch(&mut batch));
                        match std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await {
                            Poll::Ready(r) => Some(r),
                            Poll::Pending => None,
                        }
                    } else {
                        Some(rx.recv_batch(&mut batch).await)
                    };
                    match got {
                        Some(r) => {
                            r.unwrap();
                            for d in &batch {
                                assert_eq!(check_payload(d.data), next, "{rt}");
                                next += 1;
                            }
                        }
                        None => {
                            cancelled += 1;
                            tokio::task::yield_now().await;
                        }
                    }
                }
            };
            patiently(rt, receive).await;
            sender.await.unwrap();
            eprintln!("{rt}: {TOTAL} datagrams in {rounds} receives, {cancelled} cancelled");
            assert!(cancelled > 0, "{rt}: no receive was cancelled");
        }
    });
}
