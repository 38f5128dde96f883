//! The facade end to end: a querier built from `ipv4kit::wire` and
//! `ipv4kit::net` in one namespace, and the Linux kernel as the IGMPv3 host
//! in the other. The host's sockets join an any-source group and a
//! source-specific one; the querier's general query and its
//! group-and-source-specific query come back as the IGMPv3 reports RFC 3376
//! §5.2 says the host sends.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use ipv4kit::net::{interface_index, DatagramOptions, IpOptions, PacketConn, RawConn, RecvBatch};
use ipv4kit::wire::igmp::{
    GroupRecordType, IgmpMessage, MaxRespCode, Qqic, QueryV3, ALL_IGMPV3_ROUTERS,
};
use ipv4kit::wire::ipv4::IpProtocol;
use ipv4kit_testnet::{require_privileges, Link, ADDR_B};

const ASM_GROUP: Ipv4Addr = Ipv4Addr::new(239, 1, 2, 3);
const SSM_GROUP: Ipv4Addr = Ipv4Addr::new(232, 1, 1, 1);
const SSM_SOURCE: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 10);

/// One group record as the querier saw it.
type Record = (GroupRecordType, Ipv4Addr, Vec<Ipv4Addr>);

/// The querier's raw IGMP socket: sends out of `ifindex` without hearing
/// itself, and is a member of 224.0.0.22 so v3 reports reach it.
fn querier(ifindex: u32) -> RawConn {
    let q = RawConn::new(IpProtocol::IGMP).unwrap();
    q.set_multicast_interface_index(ifindex).unwrap();
    q.set_multicast_loop(false).unwrap();
    q.join_group(ifindex, ALL_IGMPV3_ROUTERS).unwrap();
    q.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    q
}

/// Sends `query` (TTL 1, TOS 0xc0, Router Alert; the kernel fills in the
/// source) about once a second until a v3 report from `from` has records
/// `want` accepts, and returns them. Reports it does not accept (the
/// host's unsolicited state-change reports after a join, a late answer to an
/// earlier query) are passed over but named if none is accepted.
fn ask(
    q: &RawConn,
    query: &QueryV3<'_>,
    from: Ipv4Addr,
    want: impl Fn(&[Record]) -> bool,
) -> Vec<Record> {
    let mut igmp = [0u8; 64];
    let len = query.emit(&mut igmp).unwrap();
    let header = query.ipv4_repr(Ipv4Addr::UNSPECIFIED);

    let mut batch = RecvBatch::new(16, 2048);
    let end = Instant::now() + Duration::from_secs(10);
    let mut next_query = Instant::now();
    let mut passed_over = Vec::new();
    while Instant::now() < end {
        if Instant::now() >= next_query {
            q.send_repr(&header, &igmp[..len], None).unwrap();
            next_query = Instant::now() + Duration::from_secs(1);
        }
        match q.recv_batch(&mut batch) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => panic!("{e}"),
        }
        for d in batch.packets() {
            let Ok(p) = d.packet else { continue };
            if p.src() != from || p.protocol() != IpProtocol::IGMP {
                continue;
            }
            // What RFC 3376 §4.2.13 asks of a v3 report on the wire.
            assert_eq!(p.dst(), ALL_IGMPV3_ROUTERS);
            assert_eq!(p.ttl(), 1);
            assert!(p.router_alert().is_some(), "report without Router Alert");
            let Ok(IgmpMessage::ReportV3(r)) = IgmpMessage::parse(p.payload()) else {
                continue;
            };
            let records: Vec<Record> = r
                .records()
                .map(|rec| (rec.record_type(), rec.group(), rec.sources().collect()))
                .collect();
            if want(&records) {
                return records;
            }
            passed_over.push(records);
        }
    }
    panic!("no v3 report from {from} with the records asked for; saw {passed_over:?}");
}

#[test]
fn the_kernel_answers_a_querier_built_from_the_facade() {
    require_privileges!();
    let link = Link::new().unwrap();
    // The host: one any-source and one source-specific membership.
    let _host = link.b.run(|| {
        let ifindex = interface_index(&link.if_b).unwrap();
        let s = PacketConn::udp().unwrap();
        s.join_group(ifindex, ASM_GROUP).unwrap();
        s.join_source_group(ifindex, SSM_GROUP, SSM_SOURCE).unwrap();
        s
    });
    let q = link.a.run(|| querier(interface_index(&link.if_a).unwrap()));

    // A General Query: one report with the state of every membership.
    let general = QueryV3 {
        max_resp_code: MaxRespCode::from_tenths(5),
        group: Ipv4Addr::UNSPECIFIED,
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_secs(125),
        sources: &[],
    };
    let asm = (GroupRecordType::ModeIsExclude, ASM_GROUP, vec![]);
    let ssm = (GroupRecordType::ModeIsInclude, SSM_GROUP, vec![SSM_SOURCE]);
    let current_state = |r: &[Record]| r.contains(&asm) && r.contains(&ssm);
    let records = ask(&q, &general, ADDR_B, current_state);
    assert_eq!(records.len(), 2, "{records:?}");

    // A Group-and-Source-Specific Query for the SSM channel and one source
    // the host does not listen to: the report names only the one it does
    // (RFC 3376 §5.2, INCLUDE mode: the intersection).
    let sources = [SSM_SOURCE, Ipv4Addr::new(198, 18, 0, 11)];
    let specific = QueryV3 {
        group: SSM_GROUP,
        sources: &sources,
        ..general
    };
    assert_eq!(specific.destination(), SSM_GROUP);
    // Current-State Records only: a state-change report (ALLOW, TO_EX) is
    // not an answer.
    let answer = |r: &[Record]| {
        r.iter().all(|(t, g, _)| {
            *g == SSM_GROUP
                && matches!(
                    t,
                    GroupRecordType::ModeIsInclude | GroupRecordType::ModeIsExclude
                )
        })
    };
    let records = ask(&q, &specific, ADDR_B, answer);
    assert_eq!(records, [ssm]);
}
