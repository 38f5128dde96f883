//! The multicast-routing socket on tokio: kernel upcalls arrive as a stream,
//! through `recv_message` and in batches; a dropped `next()` loses nothing.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use common::*;
use ipv4kit_net::{
    interface_index, DatagramOptions, MrouteMessage, MrouteSocket, PacketConn, RecvBatch,
    UpcallKind,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR_B};
use ipv4kit_tokio::{AsyncPacketConn, AsyncSocket};

/// A UDP sender in b, multicasting out of b's end of the link with TTL 8.
fn multicast_sender(link: &Link) -> AsyncPacketConn {
    let c = link.b.run(|| {
        let c = PacketConn::bind_udp(SocketAddrV4::new(ADDR_B, 0)).unwrap();
        c.set_multicast_interface_index(interface_index(&link.if_b).unwrap())
            .unwrap();
        c.set_multicast_ttl(8).unwrap();
        c
    });
    AsyncSocket::new(c).unwrap()
}

#[test]
fn nocache_upcalls_arrive_as_a_stream_one_by_one_and_in_batches() {
    require_privileges!();
    on_both_runtimes(|rt| async move {
        // A fresh link per runtime: one routing socket per namespace.
        let link = Link::new().unwrap();
        let m = link.a.run(|| {
            let m = MrouteSocket::new().unwrap();
            m.add_vif(3, interface_index(&link.if_a).unwrap()).unwrap();
            m
        });
        let m = AsyncSocket::new(m).unwrap();
        let tx = multicast_sender(&link);

        // The stream: a pending next() is dropped first (nothing sent yet).
        let mut messages = m.messages(2048);
        let r = tokio::time::timeout(Duration::from_millis(20), next(&mut messages)).await;
        assert!(r.is_err(), "{rt}: no upcall before any data");
        let group = Ipv4Addr::new(239, 88, 1, 1);
        for _ in 0..3 {
            tx.send_to(b"data", SocketAddrV4::new(group, 5000), None)
                .await
                .unwrap();
        }
        let upcall = patiently(rt, async {
            loop {
                let msg = next(&mut messages).await.expect("the stream never ends");
                let msg = msg.unwrap();
                if let MrouteMessage::Upcall(u) = msg.message() {
                    if u.dst == group {
                        return (u.kind, u.src, u.vif);
                    }
                }
            }
        })
        .await;
        assert_eq!(upcall, (UpcallKind::NoCache, ADDR_B, 3), "{rt}");
        drop(messages);

        // One by one, without allocating: another group's first packet.
        let group = Ipv4Addr::new(239, 88, 1, 2);
        tx.send_to(b"data", SocketAddrV4::new(group, 5000), None)
            .await
            .unwrap();
        let mut buf = [0u8; 2048];
        let upcall = patiently(rt, async {
            loop {
                let (msg, _meta) = m.recv_message(&mut buf).await.unwrap();
                if let MrouteMessage::Upcall(u) = msg {
                    if u.dst == group {
                        return (u.kind, u.src, u.vif);
                    }
                }
            }
        })
        .await;
        assert_eq!(upcall, (UpcallKind::NoCache, ADDR_B, 3), "{rt}");

        // In batches, as the sync socket's recv_batch gives them.
        let group = Ipv4Addr::new(239, 88, 1, 3);
        tx.send_to(b"data", SocketAddrV4::new(group, 5000), None)
            .await
            .unwrap();
        let mut batch = RecvBatch::new(8, 2048);
        let upcall = patiently(rt, async {
            loop {
                m.recv_batch(&mut batch).await.unwrap();
                for d in &batch {
                    if let MrouteMessage::Upcall(u) = MrouteMessage::classify(d.data) {
                        if u.dst == group {
                            return (u.kind, u.src, u.vif);
                        }
                    }
                }
            }
        })
        .await;
        assert_eq!(upcall, (UpcallKind::NoCache, ADDR_B, 3), "{rt}");
    });
}
