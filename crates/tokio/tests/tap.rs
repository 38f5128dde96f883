//! The tap on tokio, on the ring and on the `recvmmsg` path: the kernel of
//! the peer namespace joins a group and its IGMP report reaches the async
//! tap; frames sent by the async frame sender arrive intact and in order;
//! receives dropped while pending lose no frame.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use common::*;
use ipv4kit_net::wire::checksum::checksum;
use ipv4kit_net::{
    interface_index, multicast_mac, DatagramOptions, FrameSender, PacketConn, PacketType, RingMode,
    RxPath, Tap, TapConfig,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR_B};
use ipv4kit_tokio::{AsyncFrameSender, AsyncSocket, AsyncTap};

fn open_tap(link: &Link, mode: RingMode, path: RxPath) -> AsyncTap {
    let tap = link.a.run(|| {
        // Room for every frame a test sends before it reads (the ring's
        // default blocks hold them already).
        let config = TapConfig::default()
            .with_ring(mode)
            .with_recv_buffer(4 << 20);
        Tap::with_config(&link.if_a, &config).unwrap()
    });
    assert_eq!(tap.path(), path);
    AsyncSocket::new(tap).unwrap()
}

/// An IGMPv2 report (RFC 2236 §2) from b for 239.2.x.y, `seq` in the
/// group's low 16 bits, as an Ethernet frame from b's MAC.
fn report_frame(mac: [u8; 6], seq: u16) -> [u8; 42] {
    let group = Ipv4Addr::new(239, 2, (seq >> 8) as u8, seq as u8);
    let mut f = [0u8; 42];
    f[..6].copy_from_slice(&multicast_mac(group));
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let ip = &mut f[14..];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&28u16.to_be_bytes());
    ip[4..6].copy_from_slice(&seq.to_be_bytes());
    ip[8] = 1;
    ip[9] = 2;
    ip[12..16].copy_from_slice(&ADDR_B.octets());
    ip[16..20].copy_from_slice(&group.octets());
    let c = checksum(&ip[..20]);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    ip[20] = 0x16;
    ip[24..28].copy_from_slice(&group.octets());
    let c = checksum(&ip[20..28]);
    ip[22..24].copy_from_slice(&c.to_be_bytes());
    f
}

/// The sequence number of a report [`report_frame`] built, if `data` (an
/// IPv4 packet) is one.
fn report_seq(data: &[u8]) -> Option<u16> {
    (data.len() == 28 && data[20] == 0x16 && data[24..26] == [239, 2])
        .then(|| u16::from_be_bytes([data[26], data[27]]))
}

fn the_kernels_report_reaches_the_async_tap(mode: RingMode, path: RxPath) {
    on_both_runtimes(|rt| async move {
        let link = Link::new().unwrap();
        let mut tap = open_tap(&link, mode, path);
        let group = Ipv4Addr::new(239, 1, 7, 7);
        let _member = link.b.run(|| {
            let c = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).unwrap();
            c.join_group(interface_index(&link.if_b).unwrap(), group)
                .unwrap();
            c
        });
        // IGMPv3 (RFC 3376 §4.2): a report to 224.0.0.22 naming the group.
        let (packet_type, frames) = patiently(rt, async {
            let mut frames = 0;
            loop {
                let batch = tap.recv().await.unwrap();
                for p in batch {
                    frames += 1;
                    let ip = p.ipv4().unwrap();
                    let igmp = &p.data[usize::from(p.data[0] & 0x0f) * 4..];
                    if ip.src() == ADDR_B
                        && ip.dst() == Ipv4Addr::new(224, 0, 0, 22)
                        && igmp[0] == 0x22
                        && igmp[8..].windows(4).any(|w| w == group.octets())
                    {
                        return (p.meta.packet_type, frames);
                    }
                }
            }
        })
        .await;
        assert_eq!(packet_type, PacketType::Multicast, "{rt}");
        assert!(frames >= 1);
        // The tap's counters are reachable through the adapter.
        assert!(tap.get_mut().stats().unwrap().packets >= 1, "{rt}");
    });
}

#[test]
fn the_kernels_igmp_report_reaches_the_async_ring_tap() {
    require_privileges!();
    the_kernels_report_reaches_the_async_tap(RingMode::Required, RxPath::Ring);
}

#[test]
fn the_kernels_igmp_report_reaches_the_async_recvmmsg_tap() {
    require_privileges!();
    the_kernels_report_reaches_the_async_tap(RingMode::Off, RxPath::Recvmmsg);
}

fn sent_frames_arrive_intact_and_cancelled_receives_lose_none(mode: RingMode, path: RxPath) {
    const N: u16 = 300;
    on_both_runtimes(|rt| async move {
        let link = Link::new().unwrap();
        let mut tap = open_tap(&link, mode, path);
        let tx = link.b.run(|| FrameSender::open(&link.if_b).unwrap());
        let mac = tx.mac();
        let mut tx: AsyncFrameSender = AsyncSocket::new(tx).unwrap();
        // Receives dropped while pending, before anything is sent.
        for _ in 0..3 {
            let _ = tokio::time::timeout(Duration::from_millis(20), tap.recv()).await;
        }
        let frames: Vec<[u8; 42]> = (0..N).map(|s| report_frame(mac, s)).collect();
        let refs: Vec<&[u8]> = frames.iter().map(|f| &f[..]).collect();
        let mut from = 0;
        while from < refs.len() {
            let end = (from + 32).min(refs.len());
            from += tx.send(&refs[from..end]).await.unwrap();
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // Receives raced against a timer that often wins: whatever a
        // cancelled receive did not return, a later one does, in order.
        let mut next = 0u16;
        let mut timer_won = 0u32;
        patiently(rt, async {
            while next < N {
                match tokio::time::timeout(Duration::from_micros(1), tap.recv()).await {
                    Ok(batch) => {
                        for p in batch.unwrap() {
                            if let Some(seq) = report_seq(p.data) {
                                assert_eq!(seq, next, "{rt}");
                                assert_eq!(p.data, &frames[usize::from(seq)][14..], "{rt}");
                                next += 1;
                            }
                        }
                    }
                    Err(_) => {
                        timer_won += 1;
                        tokio::task::yield_now().await;
                    }
                }
            }
        })
        .await;
        assert_eq!(tap.get_mut().stats().unwrap().drops, 0, "{rt}");
    });
}

#[test]
fn frames_sent_async_reach_the_async_ring_tap_intact_and_cancellation_loses_none() {
    require_privileges!();
    sent_frames_arrive_intact_and_cancelled_receives_lose_none(RingMode::Required, RxPath::Ring);
}

#[test]
fn frames_sent_async_reach_the_async_recvmmsg_tap_intact_and_cancellation_loses_none() {
    require_privileges!();
    sent_frames_arrive_intact_and_cancelled_receives_lose_none(RingMode::Off, RxPath::Recvmmsg);
}
