//! IPv6 UDP on tokio between two namespaces: single datagrams with their
//! control messages, batches both ways, every datagram intact and in order,
//! and receives dropped while pending lose nothing.

mod common;

use std::net::SocketAddrV6;
use std::time::Duration;

use common::*;
use ipv4kit_net::{
    ControlFlags, ControlMessage6, Datagram6Options, PacketConn6, RecvBatch, SendBatch,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR6_A, ADDR6_B};
use ipv4kit_tokio::{AsyncPacketConn6, AsyncSocket};

const SLOT: usize = 2048;

/// A UDP receiver in b (large buffer, hop limit and destination reported)
/// and a sender in a.
fn pair(link: &Link) -> (AsyncPacketConn6, AsyncPacketConn6, SocketAddrV6) {
    let rx = link.b.run(|| {
        let c = PacketConn6::bind_udp(SocketAddrV6::new(ADDR6_B, 0, 0, 0)).unwrap();
        c.set_recv_buffer_size(16 << 20).unwrap();
        c.set_control_message(ControlFlags::HOP_LIMIT | ControlFlags::DST, true)
            .unwrap();
        c
    });
    let tx = link
        .a
        .run(|| PacketConn6::bind_udp(SocketAddrV6::new(ADDR6_A, 0, 0, 0)).unwrap());
    let dst = rx.local_addr().unwrap();
    (
        AsyncSocket::new(rx).unwrap(),
        AsyncSocket::new(tx).unwrap(),
        dst,
    )
}

fn push6(batch: &mut SendBatch, dst: SocketAddrV6, seq: u32) {
    batch
        .push_with6(dst, None, |slot| payload(seq, slot))
        .unwrap();
}

#[test]
fn ipv6_datagrams_and_batches_arrive_intact_with_their_control_messages() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    on_both_runtimes(|rt| {
        let link = &link;
        async move {
            let (rx, tx, dst) = pair(link);
            let src_port = tx.get_ref().local_addr().unwrap().port();

            // One datagram, with a hop limit set per packet.
            let mut buf = [0u8; SLOT];
            let n = payload(7, &mut buf);
            let cm = ControlMessage6 {
                hop_limit: Some(9),
                ..Default::default()
            };
            let sent = tx.send_to(&buf[..n], dst, Some(&cm)).await.unwrap();
            assert_eq!(sent, n, "{rt}");
            let mut got = [0u8; SLOT];
            let meta = patiently(rt, rx.recv_from(&mut got)).await.unwrap();
            assert_eq!(check_payload(&got[..meta.len]), 7, "{rt}");
            assert_eq!(
                (*meta.src.ip(), meta.src.port()),
                (ADDR6_A, src_port),
                "{rt}"
            );
            assert_eq!(meta.cm.hop_limit, Some(9), "{rt}");
            assert_eq!(meta.cm.dst, Some(ADDR6_B), "{rt}");

            // 500 datagrams of varying length in batches of 64, received in
            // batches of 16: all of them, intact, in order.
            let mut out = SendBatch::new(64, SLOT);
            for seq in 0..500 {
                push6(&mut out, dst, seq);
                if out.is_full() {
                    tx.send_all(&mut out).await.unwrap();
                    out.clear();
                    tokio::task::yield_now().await;
                }
            }
            tx.send_all(&mut out).await.unwrap();
            let mut batch = RecvBatch::new(16, SLOT);
            let mut next = 0;
            while next < 500 {
                patiently(rt, rx.recv_batch(&mut batch)).await.unwrap();
                for d in batch.iter6() {
                    assert_eq!(check_payload(d.data), next, "{rt}");
                    assert_eq!(*d.meta.src.ip(), ADDR6_A, "{rt}");
                    assert_eq!(d.meta.cm.hop_limit, Some(64), "{rt}: default unicast hops");
                    next += 1;
                }
            }
        }
    });
}

#[test]
fn ipv6_receives_dropped_while_pending_lose_nothing() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    on_both_runtimes(|rt| {
        let link = &link;
        async move {
            let (rx, tx, dst) = pair(link);
            let mut batch = RecvBatch::new(16, SLOT);
            let mut buf = [0u8; SLOT];
            let short = Duration::from_millis(20);
            for _ in 0..3 {
                let r = tokio::time::timeout(short, rx.recv_batch(&mut batch)).await;
                assert!(r.is_err(), "{rt}: nothing was sent yet");
                let r = tokio::time::timeout(short, rx.recv_from(&mut buf)).await;
                assert!(r.is_err(), "{rt}: nothing was sent yet");
            }
            let mut out = SendBatch::new(64, SLOT);
            for seq in 0..64 {
                push6(&mut out, dst, seq);
            }
            tx.send_all(&mut out).await.unwrap();
            // Receives raced against a timer that often wins: whatever a
            // cancelled receive did not return, a later one does.
            let mut next = 0;
            let mut timer_won = 0;
            while next < 64 {
                let r =
                    tokio::time::timeout(Duration::from_micros(1), rx.recv_batch(&mut batch)).await;
                match r {
                    Ok(n) => {
                        n.unwrap();
                        for d in batch.iter6() {
                            assert_eq!(check_payload(d.data), next, "{rt}");
                            next += 1;
                        }
                    }
                    Err(_) => timer_won += 1,
                }
                assert!(timer_won < 100_000, "{rt}: stuck at {next}");
            }
        }
    });
}
