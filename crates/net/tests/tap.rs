//! The tap between namespaces: host b's kernel (forced to IGMPv1, v2 or left
//! at v3) joins and leaves groups, b sends a query, and a tap on host a's
//! end of the link sees every message, on the ring and on the recvmmsg
//! path alike, while host a sends nothing. Drops under a flood are counted,
//! and a deleted or downed interface ends `recv` with a typed error.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant, SystemTime};

use ipv4kit_net::wire::igmp::{
    IgmpMessage, MaxRespCode, Qqic, QueryV3, ReportV2, ALL_ROUTERS, ALL_SYSTEMS,
};
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Repr};
use ipv4kit_net::{
    interface_index, multicast_mac, ControlMessage, DatagramOptions, FrameSender, InterfaceLost,
    PacketConn, PacketType, RawConn, RingMode, RxPath, SendBatch, Tap, TapConfig, TapPacket,
    TxPath,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B};

const V3_REPORTS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 22);

/// A frame as the tests compare it: bytes and the link-layer facts.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    data: Vec<u8>,
    packet_type: PacketType,
    src_mac: Vec<u8>,
    orig_len: usize,
    timestamp: SystemTime,
}

impl Seen {
    fn of(p: &TapPacket<'_>) -> Seen {
        Seen {
            data: p.data.to_vec(),
            packet_type: p.meta.packet_type,
            src_mac: p.meta.src.as_bytes().to_vec(),
            orig_len: p.meta.orig_len,
            timestamp: p.meta.timestamp,
        }
    }

    fn src(&self) -> Ipv4Addr {
        Ipv4Addr::new(self.data[12], self.data[13], self.data[14], self.data[15])
    }

    fn dst(&self) -> Ipv4Addr {
        Ipv4Addr::new(self.data[16], self.data[17], self.data[18], self.data[19])
    }

    fn igmp(&self) -> IgmpMessage<'_> {
        let hl = usize::from(self.data[0] & 0x0f) * 4;
        IgmpMessage::parse(&self.data[hl..]).expect("valid IGMP")
    }
}

fn open_tap(link: &Link, mode: RingMode) -> Tap {
    link.a
        .run(|| Tap::with_config(&link.if_a, &TapConfig::default().with_ring(mode)).unwrap())
}

/// Collects frames until `done` says so or `within` passes.
fn collect(tap: &mut Tap, within: Duration, mut done: impl FnMut(&[Seen]) -> bool) -> Vec<Seen> {
    let end = Instant::now() + within;
    let mut seen = Vec::new();
    while Instant::now() < end && !done(&seen) {
        for p in tap.recv(Some(Duration::from_millis(50))).unwrap() {
            seen.push(Seen::of(&p));
        }
    }
    seen
}

fn sysctl_b(link: &Link, key: &str, v: &str) {
    link.b
        .sysctl(&format!("net.ipv4.conf.{}.{key}", link.if_b), v)
        .unwrap();
}

/// Host b joins `group` (its kernel reports it); the membership lasts as
/// long as the socket.
fn join_in_b(link: &Link, group: Ipv4Addr) -> PacketConn {
    link.b.run(|| {
        let ib = interface_index(&link.if_b).unwrap();
        let c = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).unwrap();
        c.join_group(ib, group).unwrap();
        c
    })
}

/// Host b sends an IGMPv3 general query out of its link.
fn query_from_b(link: &Link) {
    link.b.run(|| {
        let ib = interface_index(&link.if_b).unwrap();
        let tx = RawConn::new(IpProtocol::IGMP).unwrap();
        let mut msg = [0u8; 12];
        let query = QueryV3 {
            max_resp_code: MaxRespCode::from_tenths(10),
            group: Ipv4Addr::UNSPECIFIED,
            s_flag: false,
            qrv: 2,
            qqic: Qqic::from_secs(125),
            sources: &[],
        };
        let n = query.emit(&mut msg).unwrap();
        let repr = query.ipv4_repr(ADDR_B);
        let cm = ControlMessage {
            ifindex: Some(ib),
            ..Default::default()
        };
        tx.send_repr(&repr, &msg[..n], Some(&cm)).unwrap();
    });
}

fn has(seen: &[Seen], pred: impl Fn(&Seen) -> bool) -> bool {
    seen.iter().any(pred)
}

fn v1_v2_v3_reports_leaves_and_queries_are_seen(mode: RingMode, path: RxPath) {
    let link = Link::new().unwrap();
    let mut tap = open_tap(&link, mode);
    assert_eq!(tap.path(), path);
    let mut seen = Vec::new();
    let mut wait_for = |what: &str, pred: &dyn Fn(&Seen) -> bool| {
        let got = collect(&mut tap, Duration::from_secs(5), |s| has(s, pred));
        assert!(has(&got, pred), "no {what}: {got:?}");
        seen.extend(got);
    };
    let from_b = |s: &Seen| s.src() == ADDR_B;
    // Host b's kernel is the peer, forced to v2 with quick repeats.
    sysctl_b(&link, "igmpv2_unsolicited_report_interval", "10");
    sysctl_b(&link, "force_igmp_version", "2");
    let mdns = Ipv4Addr::new(224, 0, 0, 251);
    let admin2 = Ipv4Addr::new(239, 1, 2, 2);
    for g in [mdns, admin2] {
        let member = join_in_b(&link, g);
        wait_for(&format!("v2 report to {g}"), &|s: &Seen| {
            from_b(s)
                && s.dst() == g
                && matches!(s.igmp(), IgmpMessage::ReportV2(r) if r.group() == g)
        });
        drop(member);
        wait_for(&format!("v2 leave of {g}"), &|s: &Seen| {
            from_b(s)
                && s.dst() == ALL_ROUTERS
                && matches!(s.igmp(), IgmpMessage::LeaveV2(l) if l.group() == g)
        });
    }
    sysctl_b(&link, "force_igmp_version", "1");
    let admin1 = Ipv4Addr::new(239, 1, 2, 1);
    let _m1 = join_in_b(&link, admin1);
    wait_for("v1 report", &|s: &Seen| {
        from_b(s)
            && s.dst() == admin1
            && matches!(s.igmp(), IgmpMessage::ReportV1(r) if r.group() == admin1)
    });
    sysctl_b(&link, "force_igmp_version", "0");
    let admin3 = Ipv4Addr::new(239, 1, 2, 3);
    let _m3 = join_in_b(&link, admin3);
    wait_for("v3 report", &|s: &Seen| {
        from_b(s)
            && s.dst() == V3_REPORTS
            && matches!(s.igmp(), IgmpMessage::ReportV3(r) if r.records().any(|rec| rec.group() == admin3))
    });
    query_from_b(&link);
    wait_for("query from b", &|s: &Seen| {
        from_b(s) && s.dst() == ALL_SYSTEMS && matches!(s.igmp(), IgmpMessage::QueryV3(_))
    });
    // Frames from b are multicast to a, with b's MAC and a kernel time.
    let shown = link
        .b
        .ip(&["-o", "link", "show", "dev", &link.if_b])
        .unwrap();
    let b_mac = shown
        .split_whitespace()
        .skip_while(|w| *w != "link/ether")
        .nth(1)
        .unwrap_or_else(|| panic!("no MAC in {shown}"));
    let first = seen.iter().find(|s| from_b(s)).unwrap();
    assert_eq!(first.packet_type, PacketType::Multicast);
    let mac: Vec<String> = first.src_mac.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(mac.join(":"), b_mac);
    let age = SystemTime::now().duration_since(first.timestamp).unwrap();
    assert!(age < Duration::from_secs(60), "{age:?}");
    // Host a sent no IGMP while tapping.
    assert!(
        !seen
            .iter()
            .any(|s| s.src() == ADDR_A || s.packet_type == PacketType::Outgoing),
        "host a sent IGMP: {seen:?}"
    );
}

#[test]
fn ring_tap_sees_v1_v2_v3_reports_to_any_group_leaves_and_queries() {
    require_privileges!();
    v1_v2_v3_reports_leaves_and_queries_are_seen(RingMode::Required, RxPath::Ring);
}

#[test]
fn recvmmsg_tap_sees_v1_v2_v3_reports_to_any_group_leaves_and_queries() {
    require_privileges!();
    v1_v2_v3_reports_leaves_and_queries_are_seen(RingMode::Off, RxPath::Recvmmsg);
}

/// `n` IGMPv2 reports from b to 239.7.x.y, each group different, sent in
/// batches; UDP to the same link is sent too (the filter must drop it).
fn send_reports_from_b(link: &Link, n: usize) {
    link.b.run(|| {
        let ib = interface_index(&link.if_b).unwrap();
        let tx = RawConn::new(IpProtocol::IGMP).unwrap();
        let udp = std::net::UdpSocket::bind((ADDR_B, 0)).unwrap();
        let cm = ControlMessage {
            ifindex: Some(ib),
            ..Default::default()
        };
        let mut batch = SendBatch::new(64, 64);
        let mut sent = 0;
        while sent < n {
            batch.clear();
            while !batch.is_full() && sent + batch.len() < n {
                let i = sent + batch.len();
                let g = Ipv4Addr::new(239, 7, (i >> 8) as u8, i as u8);
                let mut msg = [0u8; 8];
                ReportV2 { group: g }.emit(&mut msg).unwrap();
                let repr = Ipv4Repr::new(ADDR_B, g, IpProtocol::IGMP, 8).with_ttl(1);
                let mut d = [0u8; 28];
                let hl = repr.emit(&mut d).unwrap();
                d[hl..hl + 8].copy_from_slice(&msg);
                batch.push_datagram(&d[..hl + 8], Some(&cm)).unwrap();
            }
            let mut from = 0;
            while from < batch.len() {
                from += tx.send_batch(&mut batch, from).unwrap();
            }
            sent += batch.len();
            let _ = udp.send_to(b"not igmp", (ADDR_A, 9));
        }
    });
}

#[test]
fn ring_and_recvmmsg_give_the_same_packets() {
    require_privileges!();
    let link = Link::new().unwrap();
    let mut ring = open_tap(&link, RingMode::Required);
    let mut mmsg = link.a.run(|| {
        let c = TapConfig::default()
            .with_ring(RingMode::Off)
            .with_recv_buffer(8 << 20);
        Tap::with_config(&link.if_a, &c).unwrap()
    });
    assert_eq!((ring.path(), mmsg.path()), (RxPath::Ring, RxPath::Recvmmsg));
    let n = 300;
    send_reports_from_b(&link, n);
    let ours = |s: &Seen| s.src() == ADDR_B && s.dst().octets()[..2] == [239, 7];
    let enough = |seen: &[Seen]| seen.iter().filter(|s| ours(s)).count() >= n;
    let a: Vec<Seen> = collect(&mut ring, Duration::from_secs(5), enough)
        .into_iter()
        .filter(ours)
        .collect();
    let b: Vec<Seen> = collect(&mut mmsg, Duration::from_secs(5), enough)
        .into_iter()
        .filter(ours)
        .collect();
    assert_eq!((a.len(), b.len()), (n, n));
    let strip = |v: &[Seen]| -> Vec<(Vec<u8>, PacketType, Vec<u8>, usize)> {
        v.iter()
            .map(|s| (s.data.clone(), s.packet_type, s.src_mac.clone(), s.orig_len))
            .collect()
    };
    assert_eq!(strip(&a), strip(&b));
    // Both stamped by the kernel on arrival, a moment apart at most.
    for (x, y) in a.iter().zip(&b) {
        let d = x
            .timestamp
            .duration_since(y.timestamp)
            .or_else(|e| Ok::<_, ()>(e.duration()))
            .unwrap();
        assert!(d < Duration::from_millis(100), "{d:?}");
    }
    assert_eq!(ring.stats().unwrap().drops, 0);
    assert_eq!(mmsg.stats().unwrap().drops, 0);
}

fn flood_drops_are_counted(config: TapConfig) {
    let link = Link::new().unwrap();
    let mut tap = link
        .a
        .run(|| Tap::with_config(&link.if_a, &config).unwrap());
    let n = 5000;
    // Nobody reads while b floods: the small ring (or queue) overflows.
    send_reports_from_b(&link, n);
    std::thread::sleep(Duration::from_millis(100));
    let mut delivered = 0u64;
    loop {
        let got = tap.recv(Some(Duration::from_millis(100))).unwrap().count();
        if got == 0 {
            break;
        }
        delivered += got as u64;
    }
    let s = tap.stats().unwrap();
    assert!(
        s.drops > 0,
        "no drops counted: {s:?}, {delivered} delivered"
    );
    assert!(delivered < n as u64);
    // Every frame that passed the filter was either delivered or dropped.
    assert!(
        s.packets >= delivered + s.drops && s.packets <= delivered + s.drops + 10,
        "{s:?}, {delivered} delivered"
    );
}

#[test]
fn drops_in_a_full_ring_are_counted() {
    require_privileges!();
    flood_drops_are_counted(
        TapConfig::default()
            .with_ring(RingMode::Required)
            .with_ring_size(4096, 2),
    );
}

#[test]
fn drops_in_a_full_receive_queue_are_counted() {
    require_privileges!();
    flood_drops_are_counted(
        TapConfig::default()
            .with_ring(RingMode::Off)
            .with_recv_buffer(4096),
    );
}

fn lost_interface_ends_recv(mode: RingMode, delete: bool) {
    let link = Link::new().unwrap();
    let mut tap = open_tap(&link, mode);
    let waiter = std::thread::spawn(move || {
        let start = Instant::now();
        loop {
            match tap.recv(None) {
                Ok(b) => {
                    b.count();
                }
                Err(e) => return (e, start.elapsed()),
            }
        }
    });
    std::thread::sleep(Duration::from_millis(200));
    if delete {
        link.a.ip(&["link", "del", &link.if_a]).unwrap();
    } else {
        link.a.ip(&["link", "set", &link.if_a, "down"]).unwrap();
    }
    let (e, took) = waiter.join().unwrap();
    let want = if delete {
        InterfaceLost::Gone
    } else {
        InterfaceLost::Down
    };
    assert_eq!(e.interface_lost(), Some(want), "{e}");
    assert_eq!(e.object(), Some(link.if_a.as_str()));
    assert!(e.to_string().contains(&link.if_a), "{e}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn deleting_the_veth_ends_ring_recv_with_interface_gone() {
    require_privileges!();
    lost_interface_ends_recv(RingMode::Required, true);
}

#[test]
fn deleting_the_veth_ends_recvmmsg_recv_with_interface_gone() {
    require_privileges!();
    lost_interface_ends_recv(RingMode::Off, true);
}

#[test]
fn taking_the_link_down_ends_recv_with_interface_down() {
    require_privileges!();
    lost_interface_ends_recv(RingMode::Required, false);
}

#[test]
fn opening_a_tap_on_a_missing_interface_names_it() {
    require_privileges!();
    let e = Tap::open("nope0").unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc_enodev()));
    assert!(e.to_string().contains("nope0"), "{e}");
}

fn libc_enodev() -> i32 {
    19
}

#[test]
fn a_bad_ring_geometry_is_refused_when_the_ring_is_required() {
    require_privileges!();
    let link = Link::new().unwrap();
    let e = link
        .a
        .run(|| {
            Tap::with_config(
                &link.if_a,
                &TapConfig::default()
                    .with_ring(RingMode::Required)
                    .with_ring_size(5000, 2),
            )
        })
        .unwrap_err();
    assert!(e.to_string().contains("PACKET_RX_RING"), "{e}");
    // Auto falls back to recvmmsg instead.
    let tap = link.a.run(|| {
        Tap::with_config(&link.if_a, &TapConfig::default().with_ring_size(5000, 2)).unwrap()
    });
    assert_eq!(tap.path(), RxPath::Recvmmsg);
}

#[test]
fn frame_sender_puts_whole_frames_on_the_link_for_the_peer_to_receive() {
    require_privileges!();
    frames_reach_the_peer(TxPath::Sendmmsg, 100);
}

#[test]
fn frame_sender_through_the_tx_ring_puts_the_same_frames_on_the_link() {
    require_privileges!();
    // More frames than the ring's 256 slots: every slot is used again.
    frames_reach_the_peer(TxPath::Ring, 600);
}

/// `count` copies of one v2 report frame sent by a's `FrameSender` on
/// `path` all reach b's tap as sent; a frame longer than the ring's slots
/// is refused with `EMSGSIZE`.
fn frames_reach_the_peer(path: TxPath, count: usize) {
    let link = Link::new().unwrap();
    let mut tap = link.b.run(|| Tap::open(&link.if_b).unwrap());
    let mut tx = link
        .a
        .run(|| FrameSender::with_path(&link.if_a, path).unwrap());
    assert_eq!(tx.path(), path);
    let g = Ipv4Addr::new(239, 8, 8, 8);
    let mut frame = [0u8; 14 + 28];
    frame[..6].copy_from_slice(&multicast_mac(g));
    frame[6..12].copy_from_slice(&tx.mac());
    frame[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let repr = Ipv4Repr::new(ADDR_A, g, IpProtocol::IGMP, 8).with_ttl(1);
    let hl = repr.emit(&mut frame[14..]).unwrap();
    ReportV2 { group: g }.emit(&mut frame[14 + hl..]).unwrap();
    let frames = vec![&frame[..]; 64];
    let mut sent = 0;
    while sent < count {
        sent += tx.send(&frames[..(count - sent).min(64)]).unwrap();
    }
    let ours = |s: &Seen| s.data == frame[14..];
    let seen = collect(&mut tap, Duration::from_secs(5), |s| {
        s.iter().filter(|s| ours(s)).count() >= count
    });
    let got: Vec<&Seen> = seen.iter().filter(|s| ours(s)).collect();
    assert_eq!(got.len(), count);
    assert_eq!(got[0].src_mac, tx.mac());
    assert_eq!(got[0].packet_type, PacketType::Multicast);
    if path == TxPath::Ring {
        let jumbo = vec![0u8; 70_000];
        let e = tx.send(&[&jumbo[..]]).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EMSGSIZE), "{e}");
        assert!(e.to_string().contains("PACKET_TX_RING"), "{e}");
    }
}

#[test]
fn frame_sender_on_a_missing_interface_names_it() {
    require_privileges!();
    let e = FrameSender::open("nope1").unwrap_err();
    assert!(e.to_string().contains("nope1"), "{e}");
}

/// `try_recv` never waits: `None` while nothing is queued, then (after b
/// joins a group) the batch with b's report, which `last_batch` shows again.
fn try_recv_takes_without_waiting_and_last_batch_repeats_it(mode: RingMode, path: RxPath) {
    let link = Link::new().unwrap();
    let config = TapConfig::default()
        .with_ring(mode)
        .with_retire_timeout(Duration::from_millis(10));
    let mut tap = link
        .a
        .run(|| Tap::with_config(&link.if_a, &config).unwrap());
    assert_eq!(tap.path(), path);
    // Whatever the link said while coming up, then the quiet.
    while tap.try_recv().unwrap().is_some() {}
    let started = Instant::now();
    assert!(tap.try_recv().unwrap().is_none());
    assert!(started.elapsed() < Duration::from_millis(500), "it waited");
    assert_eq!(tap.last_batch().count(), 0);
    let group = Ipv4Addr::new(239, 1, 2, 9);
    let _member = join_in_b(&link, group);
    let end = Instant::now() + Duration::from_secs(5);
    let first = loop {
        assert!(Instant::now() < end, "no report through try_recv");
        match tap.try_recv().unwrap() {
            Some(batch) => {
                let frames: Vec<Seen> = batch.map(|p| Seen::of(&p)).collect();
                if frames.iter().any(|s| s.src() == ADDR_B) {
                    break frames;
                }
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let again: Vec<Seen> = tap.last_batch().map(|p| Seen::of(&p)).collect();
    assert_eq!(again, first);
}

#[test]
fn ring_try_recv_takes_without_waiting_and_last_batch_repeats_it() {
    require_privileges!();
    try_recv_takes_without_waiting_and_last_batch_repeats_it(RingMode::Required, RxPath::Ring);
}

#[test]
fn recvmmsg_try_recv_takes_without_waiting_and_last_batch_repeats_it() {
    require_privileges!();
    try_recv_takes_without_waiting_and_last_batch_repeats_it(RingMode::Off, RxPath::Recvmmsg);
}
