//! Captures built with known faults: each expected violation is found at
//! the right frame with the right RFC section, and the clean capture has
//! none.

mod common;

use std::net::Ipv4Addr;

use common::*;
use ipv4kit_analyze::Report;

/// The violations as (frame, rfc).
fn found(r: &Report) -> Vec<(u64, &'static str)> {
    r.violations.iter().map(|v| (v.frame, v.rfc)).collect()
}

/// `frames` sorted, `x` added; returns the report and `x`'s frame number.
fn with(mut frames: Vec<F>, x: F) -> (Report, u64) {
    let marker = (x.ms, x.src, x.dst, x.igmp.clone());
    frames.push(x);
    frames.sort_by_key(|y| y.ms);
    let n = frame_of(&frames, |y| (y.ms, y.src, y.dst, y.igmp.clone()) == marker);
    (analyze(&frames), n)
}

fn only(r: &Report, frame: u64, rfc: &str) {
    let all: Vec<_> = r
        .violations
        .iter()
        .map(|v| (v.frame, v.rfc, v.reason.as_str()))
        .collect();
    assert_eq!(found(r), vec![(frame, rfc)], "{all:#?}");
}

#[test]
fn a_clean_capture_has_no_violations_and_the_expected_state() {
    let r = analyze(&clean());
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    let p = &r.links[0].protocols[0];
    assert_eq!(p.queriers.len(), 1);
    let q = &p.queriers[0];
    assert_eq!(q.address, Ipv4Addr::new(198, 18, 0, 1));
    assert_eq!(
        (q.general_queries, q.startup_queries, q.specific_queries),
        (7, 2, 2)
    );
    assert_eq!(
        (q.qrv, q.qqi_s, q.max_resp_ms),
        (Some(2), Some(10), Some(1000))
    );
    assert!((q.observed_interval.max_s - 10.0).abs() < 0.01);
    assert_eq!(p.elections, 1);
    // G1 left at 30 s and was removed after the last-member queries; G2 stays.
    let groups: Vec<_> = p.table.groups.iter().map(|g| g.group).collect();
    assert_eq!(groups, vec![std::net::IpAddr::V4(G2)]);
    assert_eq!(p.table.groups[0].version, 2);
    assert_eq!(p.table.groups[0].hosts[0].host, std::net::IpAddr::V4(H2));
    let g1 = p
        .groups
        .iter()
        .find(|g| g.group == std::net::IpAddr::V4(G1))
        .unwrap();
    let events: Vec<_> = g1.timeline.iter().map(|e| e.event).collect();
    assert_eq!(events, vec!["join", "leave"]);
    let leave = &p.latency.leaves[0];
    assert_eq!((leave.outcome, leave.last_member_queries), ("removed", 2));
    assert!((leave.after_s.unwrap() - 2.01).abs() < 0.01, "{leave:?}");
    assert!(p.latency.answers.count >= 8);
    assert_eq!(p.latency.answers.late, 0);
}

#[test]
fn the_table_at_a_time_holds_what_was_joined_then() {
    let raw: Vec<(u64, Vec<u8>)> = clean().iter().map(|x| (x.ms, datagram(x))).collect();
    let options = ipv4kit_analyze::Options {
        at: Some("20".parse().unwrap()),
        ..Default::default()
    };
    let r = analyze_raw(&raw, options);
    let t = &r.links[0].protocols[0].table;
    assert_eq!(t.groups.len(), 2);
    assert_eq!(t.at.unwrap().secs(), 20.0);
}

#[test]
fn a_query_from_a_higher_address_after_the_querier_spoke_is_flagged() {
    let mut v = clean();
    // Q2 starts first (legitimate), hears Q at 0 and 2.5 s, still queries.
    v.push(f(0, Q2, ALL, q3(Ipv4Addr::UNSPECIFIED, 1000, 2, 10)).with_ms(0));
    let (r, n) = with(v, f(5000, Q2, ALL, q3(Ipv4Addr::UNSPECIFIED, 1000, 2, 10)));
    only(&r, n, "RFC 3376 §6.6.2");
}

#[test]
fn a_second_querier_started_late_is_not_flagged() {
    let mut v = clean();
    // Q2 (higher) starts at 13 s: its startup queries come before it hears Q.
    v.push(f(13_000, Q2, ALL, q3(Ipv4Addr::UNSPECIFIED, 1000, 2, 10)));
    v.push(f(15_500, Q2, ALL, q3(Ipv4Addr::UNSPECIFIED, 1000, 2, 10)));
    let r = analyze(&v);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    assert_eq!(r.links[0].protocols[0].queriers.len(), 2);
}

#[test]
fn a_query_from_0_0_0_0_is_flagged() {
    let (r, n) = with(
        clean(),
        f(
            7000,
            Ipv4Addr::UNSPECIFIED,
            ALL,
            q3(Ipv4Addr::UNSPECIFIED, 1000, 2, 10),
        ),
    );
    only(&r, n, "RFC 3376 §6.6.2");
    assert!(r.violations[0].reason.contains("0.0.0.0"));
}

#[test]
fn a_general_query_to_the_wrong_destination_is_flagged() {
    let mut v = clean();
    let i = v.iter().position(|x| x.ms == 22_500 && x.src == Q).unwrap();
    v[i].dst = ROUTERS;
    let n = frame_of(&v, |x| x.ms == 22_500 && x.src == Q);
    only(&analyze(&v), n, "RFC 3376 §4.1.12");
}

#[test]
fn missing_router_alert_and_ttl_not_1_are_flagged() {
    let mut x = f(8000, H1, V3R, r3(&[(T::ChangeToExclude, G1, &[])]));
    x.ra = false;
    let (r, n) = with(clean(), x);
    only(&r, n, "RFC 3376 §4");
    let mut x = f(8000, H2, G2, r2(G2));
    x.ttl = 2;
    let (r, n) = with(clean(), x);
    only(&r, n, "RFC 2236 §2");
    assert!(r.violations[0].reason.contains("TTL 2"));
}

#[test]
fn query_intervals_that_do_not_match_the_qqi_are_flagged() {
    // Announces 10 s but queries every 30 s after startup.
    let v: Vec<F> = [0u64, 2500, 32_500, 62_500]
        .iter()
        .map(|&t| f(t, Q, ALL, q3(Ipv4Addr::UNSPECIFIED, 1000, 2, 10)))
        .collect();
    let r = analyze(&v);
    // Once per announced QQI, not at every query.
    assert_eq!(found(&r), vec![(3, "RFC 3376 §4.1.7")]);
}

#[test]
fn a_max_resp_time_not_below_the_qqi_is_flagged() {
    let (r, n) = with(
        clean(),
        f(7000, Q, ALL, q3(Ipv4Addr::UNSPECIFIED, 12_000, 2, 10)),
    );
    // The extra query also breaks the interval; the Max Resp rule is the one here.
    assert!(
        found(&r).contains(&(n, "RFC 3376 §8.3")),
        "{:#?}",
        r.violations
    );
}

#[test]
fn exclude_for_an_ssm_group_is_flagged() {
    let ssm = Ipv4Addr::new(232, 1, 1, 1);
    let (r, n) = with(
        clean(),
        f(8000, H1, V3R, r3(&[(T::ChangeToExclude, ssm, &[])])),
    );
    only(&r, n, "RFC 4604 §2.2.2");
}

#[test]
fn a_report_of_224_0_0_1_is_flagged() {
    let (r, n) = with(clean(), f(8000, H2, ALL, r2(ALL)));
    only(&r, n, "RFC 2236 §6");
}

#[test]
fn bad_checksums_are_flagged() {
    let mut b = r3(&[(T::ModeIsExclude, G1, &[])]);
    b[2] ^= 0xff;
    let (r, n) = with(clean(), f(8000, H1, V3R, b));
    only(&r, n, "RFC 3376 §4.2.2");
    let mut b = r2(G2);
    b[3] ^= 0x01;
    let (r, n) = with(clean(), f(8000, H2, G2, b));
    only(&r, n, "RFC 2236 §2.3");
}

#[test]
fn a_query_of_ten_octets_is_flagged() {
    let mut b = q2(Ipv4Addr::UNSPECIFIED, 100);
    b.extend_from_slice(&[0, 0]);
    let sum = ipv4kit_wire::checksum::checksum(&{
        let mut c = b.clone();
        c[2] = 0;
        c[3] = 0;
        c
    });
    b[2..4].copy_from_slice(&sum.to_be_bytes());
    let (r, n) = with(clean(), f(7000, Q, ALL, b));
    only(&r, n, "RFC 3376 §7.1");
}

#[test]
fn a_late_answer_is_flagged() {
    // Q's query at 42.5 s has Max Resp 1 s: an IS_EX at 45 s is late.
    let (r, n) = with(
        clean(),
        f(45_000, H1, V3R, r3(&[(T::ModeIsExclude, G2, &[])])),
    );
    only(&r, n, "RFC 3376 §5.2");
    assert_eq!(r.links[0].protocols[0].latency.answers.late, 1);
}

#[test]
fn mixed_versions_without_compatibility_are_flagged() {
    let old = Ipv4Addr::new(198, 18, 0, 5);
    let mut v = clean();
    v.push(f(20_000, old, ALL, q2(Ipv4Addr::UNSPECIFIED, 100)));
    let marker = |x: &F| x.ms == 22_500 && x.src == Q;
    let n_router = frame_of(&v, marker);
    // A v3 report 2 s after the v2 query: the host did not fall back.
    let (r, n_host) = with(v, f(22_000, H1, V3R, r3(&[(T::ModeIsExclude, G1, &[])])));
    let got = found(&r);
    assert!(got.contains(&(n_host, "RFC 3376 §7.2.1")), "{got:?}");
    assert!(got.contains(&(n_router + 1, "RFC 3376 §7.3.1")), "{got:?}");
}

trait WithMs {
    fn with_ms(self, ms: u64) -> Self;
}

impl WithMs for F {
    fn with_ms(mut self, ms: u64) -> Self {
        self.ms = ms;
        self
    }
}

#[test]
fn removal_after_a_leave_follows_the_queriers_last_member_query_interval() {
    // Q(G) with Max Resp 300 ms: the passive engine takes it as the LMQI,
    // so the group goes 2 × 300 ms after the first Q(G).
    let mut v = clean();
    for x in v.iter_mut().filter(|x| x.dst == G1 && x.src == Q) {
        x.igmp = q3(G1, 300, 2, 10);
    }
    let r = analyze(&v);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    let leave = &r.links[0].protocols[0].latency.leaves[0];
    assert_eq!(leave.outcome, "removed");
    assert!((leave.after_s.unwrap() - 0.61).abs() < 0.005, "{leave:?}");
}
