//! The Linux kernel as an IGMP peer: host b's kernel reports its joins and
//! answers queries that host a sends through a RawConn for protocol 2.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use common::{drain, parse, recv_raw_until, ROUTER_ALERT};
use ipv4kit_net::wire::checksum::checksum;
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Repr};
use ipv4kit_net::{
    interface_index, ControlFlags, ControlMessage, DatagramOptions, PacketConn, RawConn,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B};

const IGMP: u8 = 2;
const ALL_SYSTEMS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 1);
const ALL_ROUTERS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 2);
const V3_REPORTS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 22);
const WAIT: Duration = Duration::from_secs(4);
/// IGMPv1 queries have no Max Resp Time: hosts answer within 10 s (RFC 1112).
const WAIT_V1: Duration = Duration::from_secs(12);

/// Host a's IGMP socket, member of `groups` on its link, with interface
/// index; and the index of b's interface.
fn setup(link: &Link, groups: &[Ipv4Addr]) -> (RawConn, u32, u32) {
    let (rx, ia) = link.a.run(|| {
        let ia = interface_index(&link.if_a).unwrap();
        let c = RawConn::new(IGMP).unwrap();
        for g in groups {
            c.join_group(ia, *g).unwrap();
        }
        c.set_control_message(ControlFlags::INTERFACE | ControlFlags::DST, true)
            .unwrap();
        (c, ia)
    });
    let ib = link.b.run(|| interface_index(&link.if_b).unwrap());
    (rx, ia, ib)
}

/// Host b joins `group` on its link (the socket keeps the membership).
fn join_in_b(link: &Link, ib: u32, group: Ipv4Addr) -> PacketConn {
    link.b.run(|| {
        let c = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).unwrap();
        c.join_group(ib, group).unwrap();
        c
    })
}

/// An IGMP query as a complete datagram from a: TTL 1, TOS 0xc0 (CS6),
/// Router Alert, to 224.0.0.1, header by the codec's `Ipv4Repr`. `igmp` is
/// the message with its checksum field zero.
fn query(mut igmp: Vec<u8>) -> Vec<u8> {
    let c = checksum(&igmp);
    igmp[2..4].copy_from_slice(&c.to_be_bytes());
    let repr = Ipv4Repr::new(ADDR_A, ALL_SYSTEMS, IpProtocol::IGMP, igmp.len())
        .with_ttl(1)
        .with_dscp_ecn(0xc0 >> 2, 0)
        .with_options(&ROUTER_ALERT);
    let mut d = vec![0u8; repr.total_len()];
    let n = repr.emit(&mut d).unwrap();
    d[n..].copy_from_slice(&igmp);
    d
}

/// IGMPv3 general query (RFC 3376 §4.1), Max Resp Code 10 (1 s), QRV 2, QQIC 125.
fn query_v3() -> Vec<u8> {
    vec![0x11, 10, 0, 0, 0, 0, 0, 0, 0x02, 125, 0, 0]
}

/// IGMPv2 general query (RFC 2236 §2), Max Resp Time 10 (1 s).
fn query_v2() -> Vec<u8> {
    vec![0x11, 10, 0, 0, 0, 0, 0, 0]
}

/// IGMPv1 query (RFC 1112 appendix I): code 0.
fn query_v1() -> Vec<u8> {
    vec![0x11, 0, 0, 0, 0, 0, 0, 0]
}

/// Sends a query from a, with multicast loopback off: a is itself a member
/// of the group in some tests, and a query looped back to a's own kernel
/// makes a answer it, which suppresses b's v1/v2 report (and later b's
/// leave, since b is then no longer the last reporter).
fn send_query(link: &Link, ia: u32, igmp: Vec<u8>) {
    let tx = link.a.run(|| RawConn::new(IGMP).unwrap());
    tx.set_multicast_loop(false).unwrap();
    let cm = ControlMessage {
        ifindex: Some(ia),
        ..Default::default()
    };
    tx.send_datagram(&query(igmp), Some(&cm)).unwrap();
}

/// Record types with their groups in an IGMPv3 report (RFC 3376 §4.2).
fn v3_records(igmp: &[u8]) -> Vec<(u8, Ipv4Addr)> {
    let n = usize::from(u16::from_be_bytes([igmp[6], igmp[7]]));
    let mut out = Vec::new();
    let mut off = 8;
    for _ in 0..n {
        let r = &igmp[off..];
        let nsrc = usize::from(u16::from_be_bytes([r[2], r[3]]));
        out.push((r[0], Ipv4Addr::new(r[4], r[5], r[6], r[7])));
        off += 8 + 4 * nsrc + 4 * usize::from(r[1]);
    }
    out
}

/// Waits for an IGMP message from b of `ty` about `group`; checks what
/// every kernel-sent IGMP message has (TTL 1, Router Alert, checksums).
fn expect_from_b(rx: &RawConn, ty: u8, pred: impl Fn(&[u8]) -> bool) -> (Vec<u8>, ControlMessage) {
    expect_from_b_within(rx, WAIT, ty, pred)
}

fn expect_from_b_within(
    rx: &RawConn,
    within: Duration,
    ty: u8,
    pred: impl Fn(&[u8]) -> bool,
) -> (Vec<u8>, ControlMessage) {
    let (d, m) = recv_raw_until(rx, within, |d, _| {
        let p = parse(d);
        p.src == ADDR_B && p.payload.first() == Some(&ty) && pred(p.payload)
    })
    .unwrap_or_else(|| panic!("no IGMP type {ty:#04x} from host b"));
    let p = parse(&d);
    assert_eq!(p.ttl, 1);
    assert_eq!(p.options, &ROUTER_ALERT);
    assert!(p.checksum_ok);
    assert_eq!(checksum(p.payload), 0, "IGMP checksum");
    (d.clone(), m.cm)
}

#[test]
fn join_in_b_makes_its_kernel_send_an_igmpv3_report_that_a_receives() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (rx, ia, ib) = setup(&link, &[V3_REPORTS]);
    let g = Ipv4Addr::new(239, 9, 9, 1);
    let _member = join_in_b(&link, ib, g);
    let (d, cm) = expect_from_b(&rx, 0x22, |igmp| v3_records(igmp).contains(&(4, g)));
    assert_eq!(parse(&d).dst, V3_REPORTS);
    assert_eq!(cm.ifindex, Some(ia));
    assert_eq!(cm.dst, Some(V3_REPORTS));
}

#[test]
fn v3_query_with_router_alert_and_ttl_1_makes_b_report_its_state() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (rx, ia, ib) = setup(&link, &[V3_REPORTS]);
    let g = Ipv4Addr::new(239, 9, 9, 2);
    let _member = join_in_b(&link, ib, g);
    send_query(&link, ia, query_v3());
    // MODE_IS_EXCLUDE (2) records appear only in answers to queries; the
    // join itself sends CHANGE_TO_EXCLUDE (4).
    expect_from_b(&rx, 0x22, |igmp| v3_records(igmp).contains(&(2, g)));
}

/// Host b forced to IGMP version `v`, with its unsolicited reports repeated
/// quickly so they are over before the query.
fn forced(link: &Link, v: &str) {
    let conf = format!("net.ipv4.conf.{}", link.if_b);
    link.b
        .sysctl(&format!("{conf}.force_igmp_version"), v)
        .unwrap();
    link.b
        .sysctl(&format!("{conf}.igmpv2_unsolicited_report_interval"), "10")
        .unwrap();
}

#[test]
fn forced_v2_host_sends_v2_reports_to_the_group_answers_v2_queries_and_leaves_to_all_routers() {
    require_privileges!();
    let link = Link::new().unwrap();
    forced(&link, "2");
    let g = Ipv4Addr::new(239, 9, 9, 3);
    // v1/v2 reports go to the group itself: a must be a member to see them.
    let (rx, ia, ib) = setup(&link, &[g, ALL_ROUTERS]);
    let member = join_in_b(&link, ib, g);
    let is_g = |igmp: &[u8]| igmp[4..8] == g.octets();
    let (d, _) = expect_from_b(&rx, 0x16, is_g);
    assert_eq!(parse(&d).dst, g);

    std::thread::sleep(Duration::from_millis(200));
    drain(&rx, |b| rx.recv(b));
    send_query(&link, ia, query_v2());
    expect_from_b(&rx, 0x16, is_g);

    drop(member);
    let (d, _) = expect_from_b(&rx, 0x17, is_g);
    assert_eq!(parse(&d).dst, ALL_ROUTERS);
}

#[test]
fn forced_v1_host_sends_v1_reports_and_answers_v1_queries() {
    require_privileges!();
    let link = Link::new().unwrap();
    forced(&link, "1");
    let g = Ipv4Addr::new(239, 9, 9, 4);
    let (rx, ia, ib) = setup(&link, &[g]);
    let _member = join_in_b(&link, ib, g);
    let is_g = |igmp: &[u8]| igmp[4..8] == g.octets();
    let (d, _) = expect_from_b(&rx, 0x12, is_g);
    assert_eq!(parse(&d).dst, g);

    std::thread::sleep(Duration::from_millis(200));
    drain(&rx, |b| rx.recv(b));
    send_query(&link, ia, query_v1());
    expect_from_b_within(&rx, WAIT_V1, 0x12, is_g);
}
