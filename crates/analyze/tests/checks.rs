//! The checks across messages: queries from off the link (given its
//! prefix), a querier's queries in a group's compatibility mode, the
//! Group-Specific Query a querier owes a leave; and IGMPv1 answers kept out
//! of the Max Resp ratio.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use common::*;
use ipv4kit_analyze::{parse_link_prefix, Options, Report};
use ipv4kit_wire::igmp::{MaxRespCode, Qqic, QueryV3, ReportV1};

const S1: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 100);

fn found(r: &Report) -> Vec<(u64, &'static str)> {
    r.violations.iter().map(|v| (v.frame, v.rfc)).collect()
}

fn with_prefixes(frames: &[F], prefixes: &[&str]) -> Report {
    let raw: Vec<(u64, Vec<u8>)> = frames.iter().map(|x| (x.ms, datagram(x))).collect();
    let options = Options {
        link_prefixes: prefixes
            .iter()
            .map(|p| parse_link_prefix(p).unwrap())
            .collect(),
        ..Options::default()
    };
    analyze_raw(&raw, options)
}

/// A Group-and-Source-Specific Query (Max Resp 1 s, QRV 2, QQI 10 s).
fn q3s(group: Ipv4Addr, sources: &[Ipv4Addr]) -> Vec<u8> {
    let q = QueryV3 {
        max_resp_code: MaxRespCode::from_duration(Duration::from_secs(1)),
        group,
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_duration(Duration::from_secs(10)),
        sources,
    };
    let mut b = vec![0u8; q.buffer_len()];
    q.emit(&mut b).unwrap();
    b
}

fn r1(group: Ipv4Addr) -> Vec<u8> {
    let mut b = vec![0u8; 8];
    ReportV1 { group }.emit(&mut b).unwrap();
    b
}

fn general(ms: u64) -> F {
    f(ms, Q, ALL, q3(Ipv4Addr::UNSPECIFIED, 1000, 2, 10))
}

#[test]
fn link_prefixes_parse_and_bad_ones_say_what_is_wanted() {
    assert_eq!(
        parse_link_prefix("198.18.0.0/24").unwrap().to_string(),
        "198.18.0.0/24"
    );
    // Host bits name the same link.
    assert_eq!(
        parse_link_prefix("198.18.0.7/24").unwrap().to_string(),
        "198.18.0.0/24"
    );
    for bad in ["198.18.0.0", "198.18.0.0/33", "fe80::/64", "link"] {
        let e = parse_link_prefix(bad).unwrap_err();
        assert!(e.contains("IPv4 prefix"), "{bad}: {e}");
    }
}

#[test]
fn a_query_from_off_the_link_is_flagged_and_not_elected() {
    // 10.0.0.1 is lower than the querier: without the prefix it takes over.
    let mut v = clean();
    v.push(f(
        7000,
        Ipv4Addr::new(10, 0, 0, 1),
        ALL,
        q3(Ipv4Addr::UNSPECIFIED, 1000, 2, 10),
    ));
    let n = frame_of(&v, |x| x.ms == 7000);
    let r = with_prefixes(&v, &["198.18.0.0/24"]);
    assert_eq!(found(&r), vec![(n, "RFC 3376 §9.1")], "{:#?}", r.violations);
    assert!(r.violations[0].reason.contains("198.18.0.0/24"));
    let p = &r.links[0].protocols[0];
    let queriers: Vec<_> = p
        .querier_timeline
        .iter()
        .filter_map(|q| q.querier)
        .collect();
    assert!(queriers.iter().all(|q| *q == IpAddr::V4(Q)), "{queriers:?}");

    // Any of several prefixes makes a source on-link.
    let r = with_prefixes(&v, &["10.0.0.0/8", "198.18.0.0/24"]);
    assert!(!found(&r).iter().any(|(_, rfc)| *rfc == "RFC 3376 §9.1"));
    // Without a prefix nothing is checked: 10.0.0.1 wins the election (and
    // the real querier's next queries look like a non-querier's).
    let r = with_prefixes(&v, &[]);
    assert!(!found(&r).iter().any(|(_, rfc)| *rfc == "RFC 3376 §9.1"));
    let p = &r.links[0].protocols[0];
    assert!(p
        .querier_timeline
        .iter()
        .any(|q| q.querier == Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)))));
}

#[test]
fn reports_from_off_the_link_are_not_flagged() {
    // RFC 3376 §9.2 lets a router ignore them; no rule forbids them.
    let mut v = clean();
    v.push(f(
        8000,
        Ipv4Addr::new(10, 0, 0, 9),
        V3R,
        r3(&[(T::ChangeToExclude, G2, &[])]),
    ));
    let r = with_prefixes(&v, &["198.18.0.0/24"]);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
}

#[test]
fn a_leave_without_a_group_specific_query_is_flagged_at_the_leave() {
    // clean() without Q's two Q(G) after H1's TO_IN at 30 s (and its repeat at 30.5 s).
    let v: Vec<F> = clean()
        .into_iter()
        .filter(|x| x.dst != G1 || x.src != Q)
        .collect();
    let n = frame_of(&v, |x| x.ms == 30_000);
    let r = analyze(&v);
    assert_eq!(
        found(&r),
        vec![(n, "RFC 3376 §6.4.2")],
        "{:#?}",
        r.violations
    );
    let x = &r.violations[0];
    assert_eq!(x.time.secs(), 30.0);
    assert_eq!(x.source, IpAddr::V4(H1));
    assert!(x.reason.contains("no Group-Specific Query"), "{}", x.reason);

    // An IGMPv2 leave: RFC 2236 §3.
    let mut v = clean();
    v.push(f(35_000, H2, ROUTERS, leave(G2)));
    let n = frame_of(&v, |x| x.ms == 35_000);
    assert_eq!(found(&analyze(&v)), vec![(n, "RFC 2236 §3")]);
    // Answered by Q(G): nothing.
    v.push(f(35_005, Q, G2, q3(G2, 1000, 2, 10)));
    assert!(analyze(&v).violations.is_empty());
}

#[test]
fn a_violation_found_late_is_listed_in_frame_order() {
    let mut v: Vec<F> = clean()
        .into_iter()
        .filter(|x| x.dst != G1 || x.src != Q)
        .collect();
    // A report with TTL 2 inside the leave's window: found before the
    // missing query is known, listed after it.
    let mut x = f(30_200, H2, G2, r2(G2));
    x.ttl = 2;
    v.push(x);
    let leave = frame_of(&v, |x| x.ms == 30_000);
    let ttl = frame_of(&v, |x| x.ms == 30_200);
    let r = analyze(&v);
    assert_eq!(
        found(&r),
        vec![(leave, "RFC 3376 §6.4.2"), (ttl, "RFC 2236 §2")]
    );
    let text = ipv4kit_analyze::text::to_string(&r);
    let a = text.find("RFC 3376 §6.4.2").unwrap();
    let b = text.find("RFC 2236 §2 —").unwrap();
    assert!(a < b, "{text}");
}

#[test]
fn a_leave_is_not_flagged_without_a_querier_or_window_or_in_v1_mode() {
    // The capture ends 0.8 s after the leave: its window is not over.
    let mut v = clean();
    v.push(f(52_000, H2, ROUTERS, leave(G2)));
    assert!(analyze(&v).violations.is_empty());

    // No querier at all.
    let v = vec![
        f(1000, H1, V3R, r3(&[(T::ChangeToExclude, G1, &[])])),
        f(5000, H1, V3R, r3(&[(T::ChangeToInclude, G1, &[])])),
        f(9000, H2, G2, r2(G2)),
    ];
    assert!(analyze(&v).violations.is_empty());

    // The querier's Other Querier Present Interval (2 × 10 s + 10 s / 2,
    // the default Query Response Interval) ends inside the window of a
    // leave at 24 s; a leave at 10 s is its fault.
    let mut v = vec![
        general(0),
        f(1000, H1, V3R, r3(&[(T::ChangeToExclude, G1, &[])])),
        f(2000, H2, V3R, r3(&[(T::ChangeToExclude, G2, &[])])),
        f(24_000, H1, V3R, r3(&[(T::ChangeToInclude, G1, &[])])),
        f(30_000, H2, V3R, r3(&[(T::ChangeToExclude, G2, &[])])),
    ];
    assert!(
        analyze(&v).violations.is_empty(),
        "{:#?}",
        analyze(&v).violations
    );
    v.push(f(10_000, H2, V3R, r3(&[(T::ChangeToInclude, G2, &[])])));
    let n = frame_of(&v, |x| x.ms == 10_000);
    assert_eq!(found(&analyze(&v)), vec![(n, "RFC 3376 §6.4.2")]);

    // IGMPv1 mode: the leave is ignored, no query is owed.
    let v = vec![
        general(0),
        f(1000, H1, G1, r1(G1)),
        f(2000, H2, G1, r2(G1)),
        f(5000, H2, ROUTERS, leave(G1)),
        general(10_000),
        f(11_000, H1, G1, r1(G1)),
    ];
    assert!(
        analyze(&v).violations.is_empty(),
        "{:#?}",
        analyze(&v).violations
    );
}

#[test]
fn source_queries_answering_a_block_in_v2_mode_are_flagged_each() {
    // H2 (v2) reports G1: the group is in IGMPv2 mode; H1's BLOCK is to be ignored.
    let mut v = clean();
    v.push(f(5100, H2, G1, r2(G1)));
    v.push(f(8000, H1, V3R, r3(&[(T::BlockOldSources, G1, &[S1])])));
    v.push(f(8010, Q, G1, q3s(G1, &[S1])));
    v.push(f(9010, Q, G1, q3s(G1, &[S1])));
    let a = frame_of(&v, |x| x.ms == 8010);
    let b = frame_of(&v, |x| x.ms == 9010);
    let r = analyze(&v);
    assert_eq!(
        found(&r),
        vec![(a, "RFC 3376 §7.3.2"), (b, "RFC 3376 §7.3.2")],
        "{:#?}",
        r.violations
    );
    assert!(r.violations[0].reason.contains("IGMPv2 compatibility mode"));

    // In v3 mode the same queries are right.
    let mut v = clean();
    v.push(f(8000, H1, V3R, r3(&[(T::BlockOldSources, G1, &[S1])])));
    v.push(f(8010, Q, G1, q3s(G1, &[S1])));
    assert!(analyze(&v).violations.is_empty());
}

#[test]
fn source_queries_after_a_to_in_in_v2_mode_are_not_flagged() {
    // TO_IN is processed in IGMPv2 mode and may ask for Q(G, X).
    let mut v = clean();
    v.push(f(25_000, H2, G1, r2(G1)));
    v.push(f(29_900, H1, V3R, r3(&[(T::BlockOldSources, G1, &[S1])])));
    v.push(f(30_011, Q, G1, q3s(G1, &[S1])));
    assert!(
        analyze(&v).violations.is_empty(),
        "{:#?}",
        analyze(&v).violations
    );
}

#[test]
fn group_queries_after_a_v2_leave_in_v1_mode_are_flagged() {
    let base = vec![
        general(0),
        f(1000, H1, G1, r1(G1)),
        f(2000, H2, G1, r2(G1)),
        f(5000, H2, ROUTERS, leave(G1)),
        f(5010, Q, G1, q3(G1, 1000, 2, 10)),
        f(6010, Q, G1, q3(G1, 1000, 2, 10)),
        general(10_000),
        f(11_000, H1, G1, r1(G1)),
    ];
    let r = analyze(&base);
    assert_eq!(
        found(&r),
        vec![(5, "RFC 3376 §7.3.2"), (6, "RFC 3376 §7.3.2")],
        "{:#?}",
        r.violations
    );
    assert!(r.violations[0].reason.contains("IGMPv1 compatibility mode"));

    // A v3 host's TO_IN since: not flagged (the check stays on the safe side).
    let mut v = base.clone();
    v.push(f(
        5005,
        Ipv4Addr::new(198, 18, 0, 13),
        V3R,
        r3(&[(T::ChangeToInclude, G1, &[])]),
    ));
    assert!(
        analyze(&v).violations.is_empty(),
        "{:#?}",
        analyze(&v).violations
    );

    // The v1 host reported more than Robustness × Query Interval (20 s)
    // before: a querier may have left IGMPv1 mode already.
    let v = vec![
        general(0),
        f(1000, H1, G1, r1(G1)),
        f(2000, H2, V3R, r3(&[(T::ChangeToExclude, G1, &[])])),
        general(10_000),
        general(20_000),
        f(21_000, H2, G1, r2(G1)),
        f(25_000, H2, ROUTERS, leave(G1)),
        f(25_010, Q, G1, q3(G1, 1000, 2, 10)),
    ];
    let r = analyze(&v);
    assert!(
        !found(&r).iter().any(|(_, rfc)| *rfc == "RFC 3376 §7.3.2"),
        "{:#?}",
        r.violations
    );
}

#[test]
fn igmpv1_answers_are_counted_apart_from_the_max_resp_ratio() {
    // Max Resp 1 s; the v2 host answers after 0.5 s, the v1 host after 5 s
    // (within its 10 s): the ratio is the v2 host's alone.
    let v = vec![general(0), f(500, H2, G2, r2(G2)), f(5000, H1, G1, r1(G1))];
    let r = analyze(&v);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    let a = &r.links[0].protocols[0].latency.answers;
    assert_eq!((a.count, a.late, a.v1_untimed), (1, 0, 1));
    assert!((a.delay_fraction.max_s - 0.5).abs() < 1e-9, "{a:?}");
    let text = ipv4kit_analyze::text::to_string(&r);
    assert!(
        text.contains("max 0.50 (and 1 IGMPv1, not timed)"),
        "{text}"
    );
}

/// The frames of a capture in tests/data/analyze whose IPv6 packet `drop`
/// picks left out, as a pcap, with the frame numbers of the ones kept.
fn without(name: &str, drop: impl Fn(&[u8]) -> bool) -> (Vec<u8>, Vec<u64>) {
    use ipv4kit_capture::link::{dissect, Link};
    use ipv4kit_capture::write::PcapWriter;
    let path = format!(
        "{}/../../tests/data/analyze/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(path).unwrap();
    let mut w = None;
    let mut kept = Vec::new();
    ipv4kit_capture::read::for_each_frame_in(&bytes[..], name, |f| {
        let w = w.get_or_insert_with(|| PcapWriter::new(Vec::new(), f.linktype, 65535).unwrap());
        if let (_, Link::Ipv6(ip)) = dissect(f.linktype, f.data) {
            if drop(ip) {
                return std::ops::ControlFlow::Continue(());
            }
        }
        let ts = f.ts.unwrap();
        let at = Duration::new(ts.secs, ts.nanos);
        w.write_packet(at, f.orig_len, f.data).unwrap();
        kept.push(f.index);
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    (w.unwrap().into_inner().unwrap(), kept)
}

#[test]
fn an_mld_leave_without_a_query_is_flagged_in_a_real_capture() {
    // rec-mld.pcap without the querier's Multicast Address Specific Queries
    // for ff05::1:3: fe80::21's TO_IN {} (frame 123, and its repeat) is
    // answered by nothing.
    let group: std::net::Ipv6Addr = "ff05::1:3".parse().unwrap();
    let (pcap, kept) = without("rec-mld.pcap", |ip| {
        ip.len() > 48 && ip[24..40] == group.octets() && ip[48] == 130
    });
    let r = ipv4kit_analyze::analyze_reader(&pcap[..], "rec-mld", Options::default()).unwrap();
    let leave = kept.iter().position(|&i| i == 123).unwrap() as u64 + 1;
    // Once (its repeat 0.9 s later is the same leave); fe80::22's answers
    // to the queries left out now look late against the General Query.
    let missing: Vec<_> = found(&r)
        .into_iter()
        .filter(|(_, rfc)| *rfc != "RFC 3810 §6.2")
        .collect();
    assert_eq!(
        missing,
        vec![(leave, "RFC 3810 §7.4.2")],
        "{:#?}",
        r.violations
    );
    assert_eq!(
        r.violations[0].source,
        "fe80::21".parse::<IpAddr>().unwrap()
    );
    assert!(r.violations[0]
        .reason
        .contains("no Multicast Address Specific Query"));
}

#[test]
fn an_igmpv2_querier_owes_nothing_for_a_v3_to_in_but_a_query_for_a_leave() {
    // It ignores IGMPv3 reports (an unknown type to it, RFC 2236 §2.1).
    let v2q = |ms| f(ms, Q, ALL, q2(Ipv4Addr::UNSPECIFIED, 100));
    let mut v = vec![
        v2q(0),
        f(1000, H1, G1, r2(G1)),
        f(2000, H2, G2, r2(G2)),
        f(5000, H1, V3R, r3(&[(T::ChangeToInclude, G1, &[])])),
        v2q(10_000),
        f(11_000, H2, G2, r2(G2)),
    ];
    let r = analyze(&v);
    assert!(
        !found(&r).iter().any(|(_, rfc)| *rfc == "RFC 3376 §6.4.2"),
        "{:#?}",
        r.violations
    );
    v.push(f(6000, H2, ROUTERS, leave(G2)));
    let n = frame_of(&v, |x| x.ms == 6000);
    assert!(found(&analyze(&v)).contains(&(n, "RFC 2236 §3")));
}
