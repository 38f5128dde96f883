//! The IPv6 multicast-routing socket on tokio: NOCACHE upcalls for data
//! from the peer namespace arrive as a stream, through `recv_message` and
//! in batches; a dropped `next()` loses nothing.

mod common;

use std::net::{Ipv6Addr, SocketAddrV6};
use std::time::Duration;

use common::*;
use ipv4kit_net::{
    interface_index, Datagram6Options, Mroute6Message, Mroute6Socket, PacketConn6, RecvBatch,
    UpcallKind,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR6_B};
use ipv4kit_tokio::{AsyncPacketConn6, AsyncSocket};

/// A UDP sender in b, multicasting out of b's end of the link, 8 hops.
fn multicast_sender(link: &Link) -> AsyncPacketConn6 {
    let c = link.b.run(|| {
        let c = PacketConn6::bind_udp(SocketAddrV6::new(ADDR6_B, 0, 0, 0)).unwrap();
        c.set_multicast_interface(interface_index(&link.if_b).unwrap())
            .unwrap();
        c.set_multicast_hops(8).unwrap();
        c
    });
    AsyncSocket::new(c).unwrap()
}

fn group(n: u16) -> Ipv6Addr {
    Ipv6Addr::new(0xff15, 0, 0, 0, 0, 0, 0x88, n)
}

#[test]
fn mrt6_nocache_upcalls_arrive_as_a_stream_one_by_one_and_in_batches() {
    require_privileges!();
    on_both_runtimes(|rt| async move {
        // A fresh link per runtime: one routing socket per namespace.
        let link = Link::with_ipv6().unwrap();
        let m = link.a.run(|| {
            let m = Mroute6Socket::new().unwrap();
            m.add_mif(3, interface_index(&link.if_a).unwrap()).unwrap();
            m
        });
        let m = AsyncSocket::new(m).unwrap();
        let tx = multicast_sender(&link);
        let upcall_for = |msg: Mroute6Message<'_>, g: Ipv6Addr| match msg {
            Mroute6Message::Upcall(u) if u.dst == g => Some((u.kind, u.src, u.mif)),
            _ => None,
        };

        // The stream: what the link says while coming up (MLD from b's
        // kernel) is read until a pending next() times out and is dropped.
        let mut messages = m.messages(2048);
        while let Ok(msg) =
            tokio::time::timeout(Duration::from_millis(50), next(&mut messages)).await
        {
            let msg = msg.expect("the stream never ends").unwrap();
            assert!(
                upcall_for(msg.message(), group(1)).is_none(),
                "{rt}: before any data"
            );
        }
        let g = group(1);
        for _ in 0..3 {
            tx.send_to(b"data", SocketAddrV6::new(g, 5000, 0, 0), None)
                .await
                .unwrap();
        }
        let upcall = patiently(rt, async {
            loop {
                let msg = next(&mut messages).await.expect("the stream never ends");
                if let Some(u) = upcall_for(msg.unwrap().message(), g) {
                    return u;
                }
            }
        })
        .await;
        assert_eq!(upcall, (UpcallKind::NoCache, ADDR6_B, 3), "{rt}");
        drop(messages);

        // One by one, without allocating: another group's first packet.
        let g = group(2);
        tx.send_to(b"data", SocketAddrV6::new(g, 5000, 0, 0), None)
            .await
            .unwrap();
        let mut buf = [0u8; 2048];
        let upcall = patiently(rt, async {
            loop {
                let (msg, _meta) = m.recv_message(&mut buf).await.unwrap();
                if let Some(u) = upcall_for(msg, g) {
                    return u;
                }
            }
        })
        .await;
        assert_eq!(upcall, (UpcallKind::NoCache, ADDR6_B, 3), "{rt}");

        // In batches, read with iter6 as after the sync recv_batch.
        let g = group(3);
        tx.send_to(b"data", SocketAddrV6::new(g, 5000, 0, 0), None)
            .await
            .unwrap();
        let mut batch = RecvBatch::new(8, 2048);
        let upcall = patiently(rt, async {
            loop {
                m.recv_batch(&mut batch).await.unwrap();
                for d in batch.iter6() {
                    if let Some(u) = upcall_for(Mroute6Message::classify(d.data), g) {
                        return u;
                    }
                }
            }
        })
        .await;
        assert_eq!(upcall, (UpcallKind::NoCache, ADDR6_B, 3), "{rt}");
    });
}
