//! The Linux kernel as an IGMP peer: host b's kernel reports its joins and
//! answers queries that host a sends through a RawConn for protocol 2.
//! Queries are built and reports parsed with ipv4kit-wire's IGMP codec.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use common::{drain, recv_raw_until};
use ipv4kit_net::wire::igmp::{
    ipv4_repr, GroupRecordType, IgmpMessage, IgmpVersion, MaxRespCode, Qqic, QueryV1, QueryV2,
    QueryV3, ALL_ROUTERS, ALL_SYSTEMS, IGMP_TTL,
};
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Packet};
use ipv4kit_net::{
    interface_index, ControlFlags, ControlMessage, DatagramOptions, PacketConn, RawConn,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B};

const V3_REPORTS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 22);
const WAIT: Duration = Duration::from_secs(4);
/// IGMPv1 queries have no Max Resp Time: hosts answer within 10 s (RFC 1112).
const WAIT_V1: Duration = Duration::from_secs(12);

/// Host a's IGMP socket, member of `groups` on its link, with interface
/// index; and the index of b's interface.
fn setup(link: &Link, groups: &[Ipv4Addr]) -> (RawConn, u32, u32) {
    let (rx, ia) = link.a.run(|| {
        let ia = interface_index(&link.if_a).unwrap();
        let c = RawConn::new(IpProtocol::IGMP).unwrap();
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

/// Sends an IGMP query from a: TTL 1, TOS 0xc0, Router Alert, to
/// 224.0.0.1 out of a's link (`IP_PKTINFO`), header by `Ipv4Repr`, message
/// by `emit`.
///
/// Multicast loopback is off: a is itself a member of the group in some
/// tests, and a query looped back to a's own kernel makes a answer it,
/// which suppresses b's v1/v2 report (and later b's leave, since b is then
/// no longer the last reporter).
fn send_query(link: &Link, ia: u32, emit: impl Fn(&mut [u8]) -> usize) {
    let tx = link.a.run(|| RawConn::new(IpProtocol::IGMP).unwrap());
    tx.set_multicast_loop(false).unwrap();
    let mut msg = [0u8; 64];
    let n = emit(&mut msg);
    let repr = ipv4_repr(IgmpVersion::V3, ADDR_A, ALL_SYSTEMS, n);
    let cm = ControlMessage {
        ifindex: Some(ia),
        ..Default::default()
    };
    tx.send_repr(&repr, &msg[..n], Some(&cm)).unwrap();
}

/// IGMPv3 general query (RFC 3376 §4.1): 1 s to answer, QRV 2, QQIC 125 s.
fn query_v3(buf: &mut [u8]) -> usize {
    QueryV3 {
        max_resp_code: MaxRespCode::from_tenths(10),
        group: Ipv4Addr::UNSPECIFIED,
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_secs(125),
        sources: &[],
    }
    .emit(buf)
    .unwrap()
}

/// IGMPv2 general query (RFC 2236 §2): 1 s to answer.
fn query_v2(buf: &mut [u8]) -> usize {
    QueryV2 {
        max_resp_time: 10,
        group: Ipv4Addr::UNSPECIFIED,
    }
    .emit(buf)
    .unwrap()
}

fn query_v1(buf: &mut [u8]) -> usize {
    QueryV1.emit(buf).unwrap()
}

/// Waits up to `within` for an IGMP message from b that `pred` accepts
/// (parsed by the codec, checksum verified); checks what every IGMP message
/// the kernel sends has: TTL 1 and Router Alert. Returns the IPv4
/// destination and the receive control messages.
fn expect_from_b(
    rx: &RawConn,
    within: Duration,
    what: &str,
    pred: impl Fn(&IgmpMessage<'_>) -> bool,
) -> (Ipv4Addr, ControlMessage) {
    let (d, m) = recv_raw_until(rx, within, |d, _| {
        let p = Ipv4Packet::new_checked(d).expect("valid IPv4 from the kernel");
        p.src() == ADDR_B && IgmpMessage::parse(p.payload()).is_ok_and(|msg| pred(&msg))
    })
    .unwrap_or_else(|| panic!("no {what} from host b within {within:?}"));
    let p = Ipv4Packet::new_checked(&d[..]).unwrap();
    assert_eq!(p.ttl(), IGMP_TTL);
    assert_eq!(p.router_alert(), Some(0));
    (p.dst(), m.cm)
}

fn v3_record(msg: &IgmpMessage<'_>, ty: GroupRecordType, group: Ipv4Addr) -> bool {
    matches!(msg, IgmpMessage::ReportV3(r)
        if r.records().any(|rec| rec.record_type() == ty && rec.group() == group))
}

#[test]
fn join_in_b_makes_its_kernel_send_an_igmpv3_report_that_a_receives() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (rx, ia, ib) = setup(&link, &[V3_REPORTS]);
    let g = Ipv4Addr::new(239, 9, 9, 1);
    let _member = join_in_b(&link, ib, g);
    let (dst, cm) = expect_from_b(&rx, WAIT, "v3 TO_EX report", |m| {
        v3_record(m, GroupRecordType::ChangeToExclude, g)
    });
    assert_eq!(dst, V3_REPORTS);
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
    send_query(&link, ia, query_v3);
    // MODE_IS_EXCLUDE records appear only in answers to queries; the join
    // itself sends CHANGE_TO_EXCLUDE.
    expect_from_b(&rx, WAIT, "v3 IS_EX report", |m| {
        v3_record(m, GroupRecordType::ModeIsExclude, g)
    });
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
    let report = |m: &IgmpMessage<'_>| matches!(m, IgmpMessage::ReportV2(r) if r.group() == g);
    let (dst, _) = expect_from_b(&rx, WAIT, "v2 report", report);
    assert_eq!(dst, g);

    std::thread::sleep(Duration::from_millis(200));
    drain(&rx, |b| rx.recv(b));
    send_query(&link, ia, query_v2);
    expect_from_b(&rx, WAIT, "v2 report answering the query", report);

    drop(member);
    let (dst, _) = expect_from_b(
        &rx,
        WAIT,
        "v2 leave",
        |m| matches!(m, IgmpMessage::LeaveV2(l) if l.group() == g),
    );
    assert_eq!(dst, ALL_ROUTERS);
}

#[test]
fn forced_v1_host_sends_v1_reports_and_answers_v1_queries() {
    require_privileges!();
    let link = Link::new().unwrap();
    forced(&link, "1");
    let g = Ipv4Addr::new(239, 9, 9, 4);
    let (rx, ia, ib) = setup(&link, &[g]);
    let _member = join_in_b(&link, ib, g);
    let report = |m: &IgmpMessage<'_>| matches!(m, IgmpMessage::ReportV1(r) if r.group() == g);
    let (dst, _) = expect_from_b(&rx, WAIT, "v1 report", report);
    assert_eq!(dst, g);

    std::thread::sleep(Duration::from_millis(200));
    drain(&rx, |b| rx.recv(b));
    send_query(&link, ia, query_v1);
    expect_from_b(&rx, WAIT_V1, "v1 report answering the query", report);
}
