//! The Linux kernel as MLD peer between two namespaces: joins in b make b's
//! kernel send MLDv2 reports that a raw ICMPv6 socket in a receives; a query
//! a sends (sticky hop-by-hop Router Alert, link-local source, hop limit 1)
//! gets answered; with `force_mld_version=1` the answers are MLDv1. tshark
//! decodes the queries we send without complaint.
//!
//! MLD messages are checked by hand (type, record type, address) until the
//! codec's MLD views land; see `common6`.

mod common6;

use std::net::{Ipv6Addr, SocketAddrV6};
use std::time::Duration;

use common6::*;
use ipv4kit_net::{
    interface_index, ControlFlags, ControlMessage6, Datagram6Options, HopByHopOptions, Icmp6Filter,
    Ipv6Options, PacketConn6, IPPROTO_ICMPV6,
};
use ipv4kit_testnet::{require_privileges, Link, LINK_LOCAL_A, LINK_LOCAL_B};

const WAIT: Duration = Duration::from_secs(3);
/// An any-source group and a source-specific one (ff3e::/96 is SSM).
const ASM: Ipv6Addr = Ipv6Addr::new(0xff15, 0, 0, 0, 0, 0, 0x4b, 0x100);
const SSM: Ipv6Addr = Ipv6Addr::new(0xff3e, 0, 0, 0, 0, 0, 0x4b, 0x101);
const SOURCE: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 0x99);

/// A raw ICMPv6 socket in the calling namespace that hears MLD on `ifindex`:
/// only MLD types pass its filter; it is a member of `groups` (reports go
/// to ff02::16, v1 reports to the group, done to ff02::2: the host must be
/// a member to receive them); hop limit, destination and interface on.
fn mld_listener(ifindex: u32, groups: &[Ipv6Addr]) -> PacketConn6 {
    let c = PacketConn6::raw(IPPROTO_ICMPV6).unwrap();
    let mut f = Icmp6Filter::block_all();
    for t in [MLD_QUERY, MLD_V1_REPORT, MLD_V1_DONE, MLD_V2_REPORT] {
        f.pass(t);
    }
    c.set_icmp6_filter(&f).unwrap();
    for g in groups {
        c.join_group(ifindex, *g).unwrap();
    }
    c.set_control_message(ControlFlags::ALL, true).unwrap();
    c
}

/// A raw ICMPv6 socket that sends MLD as RFC 3810 §5 says: sticky
/// hop-by-hop Router Alert, hop limit 1, out of `ifindex`, from its
/// link-local address, loopback off.
fn mld_sender(ifindex: u32) -> PacketConn6 {
    let c = PacketConn6::raw(IPPROTO_ICMPV6).unwrap();
    c.set_hop_by_hop_options(HopByHopOptions::ROUTER_ALERT_MLD.as_bytes())
        .unwrap();
    c.set_multicast_interface(ifindex).unwrap();
    c.set_multicast_loop(false).unwrap();
    assert_eq!(c.multicast_hops().unwrap(), 1);
    c
}

fn from_link_local_a(ifindex: u32) -> ControlMessage6 {
    ControlMessage6 {
        src: Some(LINK_LOCAL_A),
        ifindex: Some(ifindex),
        ..Default::default()
    }
}

fn to(a: Ipv6Addr, ifindex: u32) -> SocketAddrV6 {
    SocketAddrV6::new(a, 0, 0, ifindex)
}

/// A UDP socket in the calling namespace that joins ASM (any source) and
/// SSM from SOURCE on `ifindex` and keeps the memberships while it lives.
fn member_of_both(ifindex: u32) -> PacketConn6 {
    let m = PacketConn6::udp().unwrap();
    m.join_group(ifindex, ASM).unwrap();
    m.join_source_group(ifindex, SSM, SOURCE).unwrap();
    m
}

/// Collects the records of MLDv2 reports from b's link-local address until
/// `done` holds or the wait is over.
fn v2_records_until(rx: &PacketConn6, mut done: impl FnMut(&[Record]) -> bool) -> Vec<Record> {
    let mut all = Vec::new();
    recv_until(rx, WAIT, |d, m| {
        if *m.src.ip() != LINK_LOCAL_B || d[0] != MLD_V2_REPORT {
            return false;
        }
        // RFC 3810 §5.2.13-14 and §7.4: to ff02::16, hop limit 1.
        assert_eq!(m.cm.dst, Some(ALL_MLDV2_ROUTERS));
        assert_eq!(m.cm.hop_limit, Some(1));
        all.extend(mld_v2_records(d).expect("a well-formed MLDv2 report"));
        done(&all)
    });
    all
}

fn has(records: &[Record], kind: u8, group: Ipv6Addr, sources: &[Ipv6Addr]) -> bool {
    records
        .iter()
        .any(|r| r.kind == kind && r.group == group && r.sources == sources)
}

/// Record types (RFC 3810 §5.2.12).
const MODE_IS_INCLUDE: u8 = 1;
const MODE_IS_EXCLUDE: u8 = 2;
const CHANGE_TO_EXCLUDE: u8 = 4;
const ALLOW_NEW_SOURCES: u8 = 5;

#[test]
fn joins_make_the_kernel_send_mldv2_state_change_reports() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let ia = link.a.run(|| interface_index(&link.if_a).unwrap());
    let ib = link.b.run(|| interface_index(&link.if_b).unwrap());
    let rx = link.a.run(|| mld_listener(ia, &[ALL_MLDV2_ROUTERS]));
    let _member = link.b.run(|| member_of_both(ib));
    let records = v2_records_until(&rx, |r| {
        has(r, CHANGE_TO_EXCLUDE, ASM, &[]) && has(r, ALLOW_NEW_SOURCES, SSM, &[SOURCE])
    });
    assert!(has(&records, CHANGE_TO_EXCLUDE, ASM, &[]), "{records:?}");
    assert!(
        has(&records, ALLOW_NEW_SOURCES, SSM, &[SOURCE]),
        "{records:?}"
    );
}

#[test]
fn a_general_query_we_send_is_answered_with_current_state_records() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let ia = link.a.run(|| interface_index(&link.if_a).unwrap());
    let ib = link.b.run(|| interface_index(&link.if_b).unwrap());
    let rx = link.a.run(|| mld_listener(ia, &[ALL_MLDV2_ROUTERS]));
    let tx = link.a.run(|| mld_sender(ia));
    let _member = link.b.run(|| member_of_both(ib));
    // Let the state-change reports pass (sent at once and once more
    // within the 1 s unsolicited report interval).
    v2_records_until(&rx, |r| has(r, ALLOW_NEW_SOURCES, SSM, &[SOURCE]));
    std::thread::sleep(Duration::from_millis(1200));
    rx.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 2048];
    while rx.recv_from(&mut buf).is_ok() {}
    rx.set_nonblocking(false).unwrap();

    let cap = Capture::start(&link.b, &link.if_b, "ip6");
    let query = mld_query_v2(500); // answer within 0.5 s
    tx.send_to(&query, to(ALL_NODES, ia), Some(&from_link_local_a(ia)))
        .unwrap();
    let records = v2_records_until(&rx, |r| {
        has(r, MODE_IS_EXCLUDE, ASM, &[]) && has(r, MODE_IS_INCLUDE, SSM, &[SOURCE])
    });
    assert!(has(&records, MODE_IS_EXCLUDE, ASM, &[]), "{records:?}");
    assert!(
        has(&records, MODE_IS_INCLUDE, SSM, &[SOURCE]),
        "{records:?}"
    );
    // tshark reads our query as an MLDv2 query with Router Alert, hop limit
    // 1, from our link-local address, checksum good, and nothing to warn of.
    let text = cap.decode();
    assert!(!tshark_complains(&text), "{text}");
    let ours = text
        .split("\nFrame ")
        .find(|f| f.contains("Multicast Listener Query"))
        .unwrap_or_else(|| panic!("no query in {text}"));
    for want in [
        "Router Alert: MLD (0)",
        "Hop Limit: 1",
        "Source Address: fe80::1",
        "Destination Address: ff02::1",
        "[Checksum Status: Good]",
        "Maximum Response Code: 500",
    ] {
        assert!(ours.contains(want), "{want} missing in {ours}");
    }
}

#[test]
fn with_force_mld_version_1_the_kernel_answers_and_leaves_in_mldv1() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let ia = link.a.run(|| interface_index(&link.if_a).unwrap());
    let ib = link.b.run(|| interface_index(&link.if_b).unwrap());
    link.b
        .sysctl(
            &format!("net.ipv6.conf.{}.force_mld_version", link.if_b),
            "1",
        )
        .unwrap();
    // MLDv1 reports go to the group, done to ff02::2 (RFC 2710 §5); the
    // listener is also in ff02::16 to see any MLDv2 report (there must be none).
    let rx = link
        .a
        .run(|| mld_listener(ia, &[ASM, ALL_ROUTERS, ALL_MLDV2_ROUTERS]));
    let tx = link.a.run(|| mld_sender(ia));
    let member = link.b.run(|| {
        let m = PacketConn6::udp().unwrap();
        m.join_group(ib, ASM).unwrap();
        m
    });
    let v1_report = |d: &[u8], m: &ipv4kit_net::RecvMeta6| {
        let from_b = *m.src.ip() == LINK_LOCAL_B;
        // Only reports naming the group count: the MLDv2 reports b's kernel
        // queued for its solicited-node group when the link came up (before
        // the sysctl) may still go out in v2 (seen under load).
        let names_group = d.windows(16).any(|w| w == ASM.octets());
        assert!(
            !(from_b && d[0] == MLD_V2_REPORT && names_group),
            "an MLDv2 report for the group in v1 mode"
        );
        from_b
            && d[0] == MLD_V1_REPORT
            && mld_v1_group(d) == Some(ASM)
            && m.cm.dst == Some(ASM)
            && m.cm.hop_limit == Some(1)
    };
    assert!(
        recv_until(&rx, WAIT, v1_report).is_some(),
        "no unsolicited v1 report"
    );
    // The unsolicited report is repeated within 10 s (RFC 2710 §7.10); a
    // query with a 500 ms Maximum Response Delay brings the report forward.
    let sent = std::time::Instant::now();
    tx.send_to(
        &mld_query_v1(500),
        to(ALL_NODES, ia),
        Some(&from_link_local_a(ia)),
    )
    .unwrap();
    assert!(
        recv_until(&rx, WAIT, v1_report).is_some(),
        "the v1 query was not answered"
    );
    assert!(
        sent.elapsed() < Duration::from_millis(2500),
        "too late to be the answer"
    );
    member.leave_group(ib, ASM).unwrap();
    let done = recv_until(&rx, WAIT, |d, m| {
        *m.src.ip() == LINK_LOCAL_B && d[0] == MLD_V1_DONE
    });
    let (d, m) = done.expect("no done message");
    assert_eq!(mld_v1_group(&d), Some(ASM));
    assert_eq!(m.cm.dst, Some(ALL_ROUTERS));
}
