//! The router engine as an MLD router (RFC 3810 §7, RFC 9777): the record
//! tables of §7.4 on IPv6 addresses, the checksum over the pseudo-header,
//! the link-local rule, the election among link-local addresses (§7.6.2),
//! MLDv1 compatibility (§8), SSM, caps and the RFC 8652 table.

use std::net::Ipv6Addr;
use std::time::Duration;

use ipv4kit_gmp::{
    Compat, FilterMode, Instant, Mld, Router, RouterConfig, RouterEvent, RouterRxMeta,
};
use ipv4kit_wire::mld::GroupRecordType::{self, *};
use ipv4kit_wire::mld::{
    DoneV1, GroupRecordRepr, MaxRespCode, MldMessage, Qqic, QueryV1, QueryV2, ReportV1, ReportV2,
    ALL_MLDV2_ROUTERS, ALL_NODES, ALL_ROUTERS,
};

const ME: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 5);
const HOST: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100);
const G: Ipv6Addr = Ipv6Addr::new(0xff15, 0, 0, 0, 0, 0, 0, 0x1234);

fn src(n: u8) -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(n))
}

fn srcs(ns: &[u8]) -> Vec<Ipv6Addr> {
    ns.iter().map(|&n| src(n)).collect()
}

fn secs(s: u64) -> Instant {
    Instant::from_secs(s)
}

fn router_with(config: RouterConfig<Mld>) -> Router<Mld> {
    let mut r = Router::new(config, Instant::ZERO);
    r.handle_timeout(Instant::ZERO);
    drain(&mut r);
    r
}

fn router() -> Router<Mld> {
    router_with(RouterConfig::new(ME))
}

fn meta(source: Ipv6Addr, destination: Ipv6Addr) -> RouterRxMeta<Ipv6Addr> {
    RouterRxMeta {
        source,
        destination,
        ttl: 1,
        router_alert: true,
    }
}

/// A datagram as received: its bytes, checksummed for `from` → `to`.
struct Msg {
    bytes: Vec<u8>,
    from: Ipv6Addr,
    to: Ipv6Addr,
}

fn feed(r: &mut Router<Mld>, now: Instant, m: &Msg) {
    r.handle_bytes(now, &m.bytes, meta(m.from, m.to));
}

fn report_from(from: Ipv6Addr, records: &[(GroupRecordType, Ipv6Addr, &[Ipv6Addr])]) -> Msg {
    let reprs: Vec<_> = records
        .iter()
        .map(|&(record_type, group, sources)| GroupRecordRepr {
            record_type,
            group,
            sources,
            aux_data: &[],
        })
        .collect();
    let r = ReportV2 { records: &reprs };
    let mut bytes = vec![0; r.buffer_len()];
    r.emit(from, ALL_MLDV2_ROUTERS, &mut bytes).unwrap();
    Msg {
        bytes,
        from,
        to: ALL_MLDV2_ROUTERS,
    }
}

fn record(t: GroupRecordType, group: Ipv6Addr, sources: &[u8]) -> Msg {
    report_from(HOST, &[(t, group, &srcs(sources))])
}

fn v1_report(group: Ipv6Addr) -> Msg {
    let mut bytes = vec![0; 24];
    ReportV1 { group }.emit(HOST, group, &mut bytes).unwrap();
    Msg {
        bytes,
        from: HOST,
        to: group,
    }
}

fn done(group: Ipv6Addr) -> Msg {
    let mut bytes = vec![0; 24];
    DoneV1 { group }
        .emit(HOST, ALL_ROUTERS, &mut bytes)
        .unwrap();
    Msg {
        bytes,
        from: HOST,
        to: ALL_ROUTERS,
    }
}

fn general_query_v2(from: Ipv6Addr, qrv: u8, qqi: u32) -> Msg {
    let q = QueryV2 {
        max_resp_code: MaxRespCode::from_millis(10_000),
        group: Ipv6Addr::UNSPECIFIED,
        s_flag: false,
        qrv,
        qqic: Qqic::from_secs(qqi),
        sources: &[],
    };
    let mut bytes = vec![0; q.buffer_len()];
    q.emit(from, ALL_NODES, &mut bytes).unwrap();
    Msg {
        bytes,
        from,
        to: ALL_NODES,
    }
}

fn general_query_v1(from: Ipv6Addr) -> Msg {
    let mut bytes = vec![0; 24];
    QueryV1 {
        max_resp_delay: 10_000,
        group: Ipv6Addr::UNSPECIFIED,
    }
    .emit(from, ALL_NODES, &mut bytes)
    .unwrap();
    Msg {
        bytes,
        from,
        to: ALL_NODES,
    }
}

/// A query the router sent, as the tests compare them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Q {
    version: Compat,
    group: Ipv6Addr,
    s_flag: bool,
    sources: Vec<Ipv6Addr>,
    destination: Ipv6Addr,
}

/// The queued queries, each parsed with its checksum verified for ME → destination.
fn drain(r: &mut Router<Mld>) -> Vec<Q> {
    let mut buf = [0u8; 1500];
    let mut out = Vec::new();
    while let Some(t) = r.poll_transmit(&mut buf) {
        let t = t.unwrap();
        let q = match MldMessage::parse(&buf[..t.len], ME, t.destination).unwrap() {
            MldMessage::QueryV2(q) => Q {
                version: Compat::V3,
                group: q.group(),
                s_flag: q.s_flag(),
                sources: q.sources().collect(),
                destination: t.destination,
            },
            MldMessage::QueryV1(q) => Q {
                version: Compat::V2,
                group: q.group(),
                s_flag: false,
                sources: vec![],
                destination: t.destination,
            },
            m => panic!("router sent {m:?}"),
        };
        assert_eq!(t.version, q.version);
        out.push(q);
    }
    out
}

fn run(r: &mut Router<Mld>, end: Instant) -> Vec<(Instant, Q)> {
    let mut out = Vec::new();
    while let Some(at) = r.poll_timeout().filter(|&t| t <= end) {
        r.handle_timeout(at);
        out.extend(drain(r).into_iter().map(|q| (at, q)));
    }
    out
}

/// What a source's (or the group's) timer must be after the row.
#[derive(Clone, Copy, Debug)]
enum T {
    Old,
    Mali,
    Lmqt,
    Zero,
}

/// (Y before or None for INCLUDE, X or A before, record, B, mode after,
/// sources after, group timer after, queries sent).
type Row = (
    Option<&'static [u8]>,
    &'static [u8],
    GroupRecordType,
    &'static [u8],
    FilterMode,
    &'static [(u8, T)],
    Option<T>,
    &'static [&'static [u8]],
);

/// The rows of RFC 3810 §7.4.1 and §7.4.2, sources 1..=5 as `src(n)`.
#[rustfmt::skip]
const ROWS: [Row; 14] = {
    use FilterMode::{Exclude as Ex, Include as In};
    use T::*;
    const Y: Option<&[u8]> = Some(&[3, 4]);
    [
        // §7.4.1, INCLUDE (A)
        (None, &[1, 2], ModeIsInclude, &[2, 3], In, &[(1, Old), (2, Mali), (3, Mali)], None, &[]),
        (None, &[1, 2], ModeIsExclude, &[2, 3], Ex, &[(2, Old), (3, Zero)], Some(Mali), &[]),
        // §7.4.1, EXCLUDE (X, Y)
        (Y, &[1, 2], ModeIsInclude, &[2, 3, 5], Ex,
            &[(1, Old), (2, Mali), (3, Mali), (4, Zero), (5, Mali)], Some(Old), &[]),
        (Y, &[1, 2], ModeIsExclude, &[2, 3, 5], Ex,
            &[(2, Old), (3, Zero), (5, Mali)], Some(Mali), &[]),
        // §7.4.2, INCLUDE (A)
        (None, &[1, 2], AllowNewSources, &[2, 3], In, &[(1, Old), (2, Mali), (3, Mali)], None, &[]),
        (None, &[1, 2], BlockOldSources, &[2, 3], In, &[(1, Old), (2, Lmqt)], None, &[&[2]]),
        (None, &[1, 2], ChangeToExclude, &[2, 3], Ex, &[(2, Lmqt), (3, Zero)], Some(Mali), &[&[2]]),
        (None, &[1, 2], ChangeToInclude, &[2, 3], In,
            &[(1, Lmqt), (2, Mali), (3, Mali)], None, &[&[1]]),
        // §7.4.2, EXCLUDE (X, Y)
        (Y, &[1, 2], AllowNewSources, &[2, 3, 5], Ex,
            &[(1, Old), (2, Mali), (3, Mali), (4, Zero), (5, Mali)], Some(Old), &[]),
        (Y, &[1, 2], BlockOldSources, &[2, 3, 5], Ex,
            &[(1, Old), (2, Lmqt), (3, Zero), (4, Zero), (5, Lmqt)], Some(Old), &[&[2, 5]]),
        (Y, &[1, 2], ChangeToExclude, &[2, 3, 5], Ex,
            &[(2, Lmqt), (3, Zero), (5, Lmqt)], Some(Mali), &[&[2, 5]]),
        (Y, &[1, 2], ChangeToInclude, &[2, 3, 5], Ex,
            &[(1, Lmqt), (2, Mali), (3, Mali), (4, Zero), (5, Mali)], Some(Lmqt), &[&[], &[1]]),
        // INCLUDE {} is no state; an empty TO_IN on INCLUDE asks nothing.
        (None, &[1], ChangeToInclude, &[], In, &[(1, Lmqt)], None, &[&[1]]),
        (Y, &[1], ModeIsExclude, &[], Ex, &[], Some(Mali), &[]),
    ]
};

#[test]
fn every_row_of_the_record_tables_acts_as_rfc_3810_section_7_4_says() {
    use T::*;
    for (i, &(before_y, before_x, rt, b, mode, sources, group_timer, queries)) in
        ROWS.iter().enumerate()
    {
        let mut r = router();
        if let Some(y) = before_y {
            feed(&mut r, secs(5), &record(ModeIsExclude, G, y));
        }
        feed(&mut r, secs(10), &record(ModeIsInclude, G, before_x));
        assert!(drain(&mut r).is_empty());
        let at = secs(20);
        // Multicast Listener Interval (RFC 3810 §9.4) and LLQT (§9.14.2).
        let mali = r.group_membership_interval();
        assert_eq!(mali, Duration::from_secs(260));
        let value = |t: T, old: Option<Instant>| match t {
            Old => old,
            Mali => Some(at + mali),
            Lmqt => Some(at + r.last_member_query_time()),
            Zero => None,
        };
        let old_group = r.group(G).unwrap().group_timer();
        let old_src: Vec<_> = (1..=5u8)
            .map(|n| r.group(G).unwrap().source_timer(src(n)).flatten())
            .collect();
        let want_sources: Vec<_> = sources
            .iter()
            .map(|&(n, t)| (src(n), value(t, old_src[usize::from(n) - 1])))
            .collect();
        let want_group = group_timer.and_then(|t| value(t, old_group));
        feed(&mut r, at, &record(rt, G, b));
        let ctx = format!("row {i}: {rt:?} {b:?} on {before_x:?}/{before_y:?}");
        let g = r.group(G).expect("group state");
        assert_eq!(g.filter_mode(), mode, "{ctx}");
        let got: Vec<_> = (1..=5u8)
            .filter_map(|n| g.source_timer(src(n)).map(|t| (src(n), t)))
            .collect();
        assert_eq!(got, want_sources, "{ctx}");
        assert_eq!(g.group_timer(), want_group, "{ctx}");
        let want: Vec<Q> = queries
            .iter()
            .map(|s| Q {
                version: Compat::V3,
                group: G,
                s_flag: false,
                sources: srcs(s),
                destination: G,
            })
            .collect();
        assert_eq!(drain(&mut r), want, "{ctx}");
    }
}

#[test]
fn handle_bytes_verifies_the_icmpv6_checksum_over_the_pseudo_header() {
    let mut r = router();
    let m = record(ModeIsExclude, G, &[]);
    // The same octets claimed from another link-local source: the
    // pseudo-header differs, so the checksum fails (RFC 3810 §5.2.2).
    r.handle_bytes(secs(1), &m.bytes, meta(ME, ALL_MLDV2_ROUTERS));
    let mut bad = m.bytes.clone();
    bad[2] ^= 1;
    r.handle_bytes(secs(1), &bad, meta(HOST, ALL_MLDV2_ROUTERS));
    r.handle_bytes(secs(1), &m.bytes[..7], meta(HOST, ALL_MLDV2_ROUTERS));
    assert_eq!(r.counters().malformed, 3);
    assert_eq!(r.group_count(), 0);
    feed(&mut r, secs(1), &m);
    assert_eq!(r.group(G).unwrap().filter_mode(), FilterMode::Exclude);
}

#[test]
fn messages_from_sources_that_are_not_link_local_are_dropped_without_action() {
    let mut r = router();
    for from in [
        Ipv6Addr::UNSPECIFIED,
        "2001:db8::100".parse().unwrap(),
        "fd00::1".parse().unwrap(),
    ] {
        feed(
            &mut r,
            secs(1),
            &report_from(from, &[(ModeIsExclude, G, &[])]),
        );
        // A query from a lower, non-link-local address elects nobody.
        feed(&mut r, secs(1), &general_query_v2(from, 2, 125));
    }
    assert_eq!(r.counters().not_link_local, 6);
    assert_eq!(r.group_count(), 0);
    assert!(r.is_querier());
}

#[test]
fn hop_limit_other_than_1_and_missing_router_alert_are_counted() {
    let mut r = router_with(RouterConfig {
        require_router_alert: true,
        ..RouterConfig::new(ME)
    });
    let m = record(ModeIsExclude, G, &[]);
    let mut hl = meta(HOST, ALL_MLDV2_ROUTERS);
    hl.ttl = 255;
    r.handle_bytes(secs(1), &m.bytes, hl);
    let mut ra = meta(HOST, ALL_MLDV2_ROUTERS);
    ra.router_alert = false;
    r.handle_bytes(secs(1), &m.bytes, ra);
    assert_eq!((r.counters().bad_ttl, r.counters().no_router_alert), (1, 1));
    assert_eq!(r.group_count(), 0);
}

#[test]
fn groups_not_reported_by_scope_are_ignored() {
    let mut r = router();
    for g in ["ff02::1", "ff01::2", "ff00::5", "fe80::1"] {
        let g: Ipv6Addr = g.parse().unwrap();
        feed(&mut r, secs(1), &record(ModeIsExclude, g, &[]));
    }
    assert_eq!(r.counters().not_multicast, 4);
    assert_eq!(r.group_count(), 0);
}

#[test]
fn the_lowest_link_local_address_is_querier_and_the_other_takes_over_later() {
    let mut r = router();
    let higher: Ipv6Addr = "fe80::9".parse().unwrap();
    let lower: Ipv6Addr = "fe80::1".parse().unwrap();
    feed(&mut r, secs(1), &general_query_v2(higher, 2, 125));
    assert!(r.is_querier());
    assert_eq!(r.querier(), Some(ME));
    feed(&mut r, secs(2), &general_query_v2(lower, 3, 60));
    assert!(!r.is_querier());
    assert_eq!(r.querier(), Some(lower));
    // Non-queriers adopt QRV and QQI (RFC 3810 §5.1.8, §5.1.9).
    assert_eq!(
        (r.robustness(), r.query_interval()),
        (3, Duration::from_secs(60))
    );
    let oqpi = r.other_querier_present_interval();
    assert_eq!(oqpi, Duration::from_secs(3 * 60 + 5));
    // A non-querier ignores Done (RFC 3810 §7.6.2) and sends nothing.
    feed(&mut r, secs(3), &v1_report(G));
    feed(&mut r, secs(4), &done(G));
    assert!(run(&mut r, secs(2) + (oqpi - Duration::from_millis(1))).is_empty());
    let events: Vec<_> = std::iter::from_fn(|| r.poll_event()).collect();
    assert!(events.contains(&RouterEvent::QuerierChanged {
        querier: Some(lower),
        is_self: false
    }));
    // The querier went quiet: this router takes over with a General Query.
    let sent = run(&mut r, secs(2) + oqpi);
    assert!(r.is_querier());
    assert_eq!(
        sent.first().map(|(_, q)| q.clone()),
        Some(Q {
            version: Compat::V3,
            group: Ipv6Addr::UNSPECIFIED,
            s_flag: false,
            sources: vec![],
            destination: ALL_NODES,
        })
    );
}

#[test]
fn an_mldv1_host_puts_the_group_in_mldv1_mode_and_done_removes_it() {
    let mut r = router();
    feed(&mut r, secs(1), &record(ModeIsInclude, G, &[1]));
    feed(&mut r, secs(2), &v1_report(G));
    let g = r.group(G).unwrap();
    assert_eq!(
        (g.compat(), g.filter_mode()),
        (Compat::V2, FilterMode::Exclude)
    );
    // In MLDv1 mode BLOCK is ignored and TO_EX's sources are dropped (§8.3.2).
    feed(&mut r, secs(3), &record(BlockOldSources, G, &[1]));
    assert_eq!(r.counters().ignored_records, 1);
    feed(&mut r, secs(4), &record(ChangeToExclude, G, &[7]));
    assert_eq!(r.group(G).unwrap().excluded_sources().count(), 0);
    drain(&mut r);
    // A Done: LLQC Multicast-Address-Specific Queries,
    // then the group is gone within the Last Listener Query Time.
    let at = secs(10);
    feed(&mut r, at, &done(G));
    let mut sent: Vec<_> = drain(&mut r).into_iter().map(|q| (at, q)).collect();
    let lmqt = r.last_member_query_time();
    sent.extend(run(&mut r, at + lmqt));
    // MLDv2 queries: an MLDv1 host reads them as MLDv1 (RFC 3810 §8.2.1).
    let v1q = Q {
        version: Compat::V3,
        group: G,
        s_flag: false,
        sources: vec![],
        destination: G,
    };
    assert_eq!(
        sent,
        vec![(at, v1q.clone()), (at + Duration::from_secs(1), v1q)]
    );
    assert!(r.group(G).is_none());
}

#[test]
fn the_older_version_host_present_timer_returns_the_group_to_mldv2() {
    let mut r = router();
    feed(&mut r, secs(1), &v1_report(G));
    let ohpi = r.older_host_present_interval();
    feed(&mut r, secs(2), &record(ModeIsExclude, G, &[]));
    run(&mut r, secs(1) + ohpi);
    assert_eq!(r.group(G).unwrap().compat(), Compat::V3);
}

#[test]
fn an_mldv1_querier_makes_this_querier_send_mldv1_queries() {
    let mut r = router();
    let higher: Ipv6Addr = "fe80::9".parse().unwrap();
    feed(&mut r, secs(1), &general_query_v1(higher));
    assert!(r.is_querier());
    assert_eq!(r.version(), Compat::V2);
    // Older Version Querier Present Timeout: RV·QI + QRI = 260 s (§9.12).
    let sent = run(&mut r, secs(260));
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter().all(|(_, q)| q.version == Compat::V2),
        "{sent:?}"
    );
    // After the Older Version Querier Present timeout, MLDv2 again (§8.3.1).
    let sent = run(&mut r, secs(300));
    assert_eq!(r.version(), Compat::V3);
    assert_eq!(
        sent.iter().map(|(_, q)| q.version).collect::<Vec<_>>(),
        [Compat::V3]
    );
}

#[test]
fn ssm_range_exclude_records_and_mldv1_reports_are_ignored_and_counted() {
    let mut r = router();
    let ssm: Ipv6Addr = "ff3e::8000:1".parse().unwrap();
    feed(&mut r, secs(1), &record(ModeIsExclude, ssm, &[]));
    feed(&mut r, secs(1), &v1_report(ssm));
    assert_eq!((r.counters().ssm_exclude, r.counters().ssm_old), (1, 1));
    assert_eq!(r.group_count(), 0);
    feed(&mut r, secs(1), &record(AllowNewSources, ssm, &[1]));
    assert_eq!(
        r.group(ssm)
            .unwrap()
            .forwarded_sources()
            .collect::<Vec<_>>(),
        srcs(&[1])
    );
}

#[test]
fn groups_and_sources_beyond_the_caps_are_refused_and_counted() {
    let mut r = router_with(RouterConfig {
        max_groups: 3,
        max_sources_per_group: 4,
        ..RouterConfig::new(ME)
    });
    for i in 0..10u16 {
        let g = Ipv6Addr::new(0xff15, 0, 0, 0, 0, 0, 1, i);
        feed(
            &mut r,
            secs(1),
            &record(ModeIsInclude, g, &[1, 2, 3, 4, 5, 6]),
        );
    }
    assert_eq!(r.group_count(), 3);
    assert_eq!(r.source_count(), 12);
    assert_eq!(r.counters().groups_refused, 7);
    assert_eq!(r.counters().sources_refused, 6);
}

#[test]
fn source_specific_queries_are_split_to_fit_the_mtu() {
    let mut r = router();
    let many: Vec<u8> = (1..=200).collect();
    feed(&mut r, secs(1), &record(ModeIsInclude, G, &many));
    feed(&mut r, secs(2), &record(BlockOldSources, G, &many));
    let sent = drain(&mut r);
    // 1500 − 40 (IPv6) − 8 (Router Alert) − 28 = 1424 octets: 89 sources.
    let sizes: Vec<_> = sent.iter().map(|q| q.sources.len()).collect();
    assert_eq!(sizes, [89, 89, 22]);
}

#[test]
fn the_table_has_the_rfc_8652_mld_data() {
    let mut r = router();
    feed(&mut r, secs(1), &record(ModeIsInclude, G, &[1, 2]));
    let other: Ipv6Addr = "fe80::77".parse().unwrap();
    feed(
        &mut r,
        secs(3),
        &report_from(other, &[(AllowNewSources, G, &[src(2)])]),
    );
    let t = r.table(secs(4));
    assert_eq!(t.version, Compat::V3);
    assert_eq!((t.querier, t.is_querier), (Some(ME), true));
    assert_eq!(t.query_interval, Duration::from_secs(125));
    assert_eq!(t.query_max_response_time, Duration::from_secs(10));
    assert_eq!(t.up_time, Duration::from_secs(4));
    let [g] = &t.groups[..] else { panic!("{t:?}") };
    assert_eq!((g.group, g.filter_mode), (G, FilterMode::Include));
    assert_eq!((g.version, g.last_reporter), (Compat::V3, other));
    assert_eq!(g.up_time, Duration::from_secs(3));
    let s: Vec<_> = g
        .sources
        .iter()
        .map(|s| (s.source, s.last_reporter, s.up_time, s.expire))
        .collect();
    assert_eq!(
        s,
        [
            (
                src(1),
                HOST,
                Duration::from_secs(3),
                Some(Duration::from_secs(257))
            ),
            (
                src(2),
                other,
                Duration::from_secs(3),
                Some(Duration::from_secs(259))
            ),
        ]
    );
}
