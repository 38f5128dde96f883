//! The router engine's roles and rules: querier election (RFC 3376
//! §6.6.2), startup and General Queries, older hosts and queriers (§7.3),
//! SSM (RFC 4604), the §9 policy checks, caps, passive mode, the table.

mod router_common;

use std::net::Ipv4Addr;

use ipv4kit_gmp::{Compat, FilterMode, Instant, RouterConfig, RouterEvent, RouterRxMeta};
use ipv4kit_wire::igmp::GroupRecordType::*;
use ipv4kit_wire::igmp::ALL_SYSTEMS;
use router_common::*;

const LOWER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const HIGHER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 9);
const GENERAL: Ipv4Addr = Ipv4Addr::UNSPECIFIED;

#[test]
fn startup_sends_startup_query_count_queries_a_quarter_interval_apart_then_one_per_interval() {
    let mut r = ipv4kit_gmp::Router::new(RouterConfig::new(ME), Instant::ZERO);
    assert!(r.is_querier());
    let sent = run(&mut r, secs(400));
    let times: Vec<_> = sent.iter().map(|(t, _)| *t).collect();
    let ms = |m| Instant::from_millis(m);
    assert_eq!(times, [ms(0), ms(31_250), ms(156_250), ms(281_250)]);
    for (_, q) in &sent {
        assert_eq!(
            (q.group, q.destination, q.version),
            (GENERAL, ALL_SYSTEMS, Compat::V3)
        );
    }
}

#[test]
fn a_query_from_a_lower_address_makes_the_router_a_non_querier_until_other_querier_present_runs_out(
) {
    let mut r = router();
    feed_from(
        &mut r,
        secs(10),
        HIGHER,
        &query_v3(GENERAL, false, 2, 125, &[]),
    );
    assert!(r.is_querier(), "a higher address does not win");
    feed_from(
        &mut r,
        secs(20),
        LOWER,
        &query_v3(GENERAL, false, 3, 60, &[]),
    );
    assert!(!r.is_querier());
    assert_eq!(r.querier(), Some(LOWER));
    assert_eq!(
        (r.robustness(), r.query_interval()),
        (3, dur(60)),
        "QRV and QQI learned"
    );
    assert_eq!(r.other_querier_present_interval(), dur(3 * 60 + 5));
    assert!(
        run(&mut r, secs(20 + 184)).is_empty(),
        "a non-querier is silent"
    );
    // The querier goes quiet: after 185 s this router takes over.
    let sent = run(&mut r, secs(20 + 186));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, secs(20 + 185));
    assert!(r.is_querier());
    assert_eq!(r.robustness(), 2, "back to its own settings");
    let events: Vec<_> = std::iter::from_fn(|| r.poll_event()).collect();
    assert_eq!(
        events,
        [
            RouterEvent::QuerierChanged {
                querier: Some(LOWER),
                is_self: false
            },
            RouterEvent::QuerierChanged {
                querier: Some(ME),
                is_self: true
            },
        ]
    );
}

#[test]
fn specific_queries_and_the_own_address_do_not_elect() {
    let mut r = router();
    feed_from(&mut r, secs(1), LOWER, &query_v3(G, true, 2, 125, &[]));
    feed_from(&mut r, secs(1), ME, &query_v3(GENERAL, false, 2, 125, &[]));
    assert!(r.is_querier());
}

#[test]
fn an_older_querier_switches_the_version_and_the_router_returns_after_the_timeout() {
    let mut r = router();
    feed_from(&mut r, secs(1), HIGHER, &query_v2(GENERAL));
    assert_eq!(r.version(), Compat::V2);
    assert!(r.is_querier(), "still the querier: the address decides");
    let sent = run(&mut r, secs(200));
    assert!(!sent.is_empty());
    assert!(
        sent.iter().all(|(_, q)| q.version == Compat::V2),
        "{sent:?}"
    );
    // v2 leave gets a v2 group-specific query.
    feed(&mut r, secs(200), &v2_report(G));
    feed(&mut r, secs(201), &leave(G));
    assert_eq!(
        drain(&mut r),
        [Q {
            version: Compat::V2,
            group: G,
            s_flag: false,
            sources: vec![],
            destination: G
        }]
    );
    run(&mut r, secs(262));
    assert_eq!(
        r.version(),
        Compat::V3,
        "Older Querier Present (260 s) ran out"
    );
    let events: Vec<_> = std::iter::from_fn(|| r.poll_event()).collect();
    assert!(events.contains(&RouterEvent::QuerierCompatChanged {
        from: Compat::V3,
        to: Compat::V2
    }));
    assert!(events.contains(&RouterEvent::QuerierCompatChanged {
        from: Compat::V2,
        to: Compat::V3
    }));
}

#[test]
fn an_igmpv2_host_puts_its_group_in_v2_mode_where_block_is_ignored_and_to_ex_loses_its_sources() {
    let mut r = router();
    feed(&mut r, secs(1), &v2_report(G));
    assert_eq!(r.group(G).unwrap().compat(), Compat::V2);
    feed(&mut r, secs(2), &record(ChangeToExclude, G, &[1]));
    let g = r.group(G).unwrap();
    assert_eq!(
        g.excluded_sources().count(),
        0,
        "TO_EX (S) read as TO_EX {{}}"
    );
    feed(&mut r, secs(3), &record(ModeIsInclude, G, &[2]));
    feed(&mut r, secs(4), &record(BlockOldSources, G, &[2]));
    assert!(drain(&mut r).is_empty(), "BLOCK ignored: no Q(G,S)");
    assert!(r.counters().ignored_records >= 1);
    // Older Host Present Interval (260 s) later the group is v3 again.
    run(&mut r, secs(262));
    assert_eq!(r.group(G).unwrap().compat(), Compat::V3);
    let events: Vec<_> = std::iter::from_fn(|| r.poll_event()).collect();
    assert!(events.contains(&RouterEvent::GroupCompatChanged {
        group: G,
        from: Compat::V3,
        to: Compat::V2
    }));
    assert!(events.contains(&RouterEvent::GroupCompatChanged {
        group: G,
        from: Compat::V2,
        to: Compat::V3
    }));
}

#[test]
fn an_igmpv1_host_makes_leaves_and_to_in_ignored() {
    let mut r = router();
    feed(&mut r, secs(1), &v1_report(G));
    assert_eq!(r.group(G).unwrap().compat(), Compat::V1);
    feed(&mut r, secs(2), &leave(G));
    feed(&mut r, secs(2), &record(ChangeToInclude, G, &[]));
    assert!(drain(&mut r).is_empty());
    run(&mut r, secs(10));
    assert_eq!(
        r.group(G).unwrap().filter_mode(),
        FilterMode::Exclude,
        "still forwarded"
    );
}

#[test]
fn ssm_groups_ignore_exclude_records_and_old_reports_but_take_include() {
    let ssm = Ipv4Addr::new(232, 1, 1, 1);
    let mut r = router();
    feed(
        &mut r,
        secs(1),
        &report(&[
            (ModeIsExclude, ssm, &[]),
            (ChangeToExclude, ssm, &srcs(&[1])),
            (AllowNewSources, ssm, &srcs(&[2])),
        ]),
    );
    feed(&mut r, secs(1), &v2_report(ssm));
    feed(&mut r, secs(1), &v1_report(ssm));
    feed(&mut r, secs(1), &leave(ssm));
    let g = r.group(ssm).unwrap();
    assert_eq!(g.filter_mode(), FilterMode::Include);
    assert_eq!(g.forwarded_sources().collect::<Vec<_>>(), srcs(&[2]));
    assert_eq!(
        g.compat(),
        Compat::V3,
        "RFC 4604 §4: no compatibility mode from SSM reports"
    );
    assert_eq!(r.counters().ssm_exclude, 2);
    assert_eq!(r.counters().ssm_old, 3);
    // A configured range.
    let mut c = RouterConfig::new(ME);
    c.ssm_range = |a: &Ipv4Addr| a.octets()[0] == 239;
    let mut r = router_with(c);
    feed(&mut r, secs(1), &v2_report(G));
    assert!(r.group(G).is_none());
}

#[test]
fn policy_checks_count_what_they_refuse() {
    let mut c = RouterConfig::new(ME);
    c.subnet_prefix = Some(24);
    c.require_router_alert = true;
    let mut r = router_with(c);
    let msg = v2_report(G);
    let parsed = ipv4kit_wire::igmp::IgmpMessage::parse(&msg).unwrap();
    let m = |source, ttl, router_alert| RouterRxMeta {
        source,
        destination: G,
        ttl,
        router_alert,
    };
    r.handle_message(secs(1), &parsed, m(HOST, 2, true));
    r.handle_message(secs(1), &parsed, m(HOST, 1, false));
    r.handle_message(secs(1), &parsed, m(Ipv4Addr::new(198, 19, 0, 1), 1, true));
    assert!(r.group(G).is_none());
    r.handle_message(secs(1), &parsed, m(Ipv4Addr::UNSPECIFIED, 1, true));
    assert!(r.group(G).is_some(), "0.0.0.0 accepted (RFC 3376 §4.2.13)");
    r.handle_bytes(secs(1), &msg[..7], m(HOST, 1, true));
    let mut bad = msg.clone();
    bad[7] ^= 1;
    r.handle_bytes(secs(1), &bad, m(HOST, 1, true));
    feed(
        &mut r,
        secs(1),
        &record(ModeIsExclude, Ipv4Addr::new(10, 0, 0, 1), &[]),
    );
    feed(&mut r, secs(1), &record(ModeIsExclude, ALL_SYSTEMS, &[]));
    let c = r.counters();
    assert_eq!(
        (
            c.bad_ttl,
            c.no_router_alert,
            c.off_subnet,
            c.malformed,
            c.not_multicast
        ),
        (1, 1, 1, 2, 2)
    );
    let mut c = RouterConfig::new(ME);
    c.accept_unspecified_source = false;
    let mut r = router_with(c);
    r.handle_message(secs(1), &parsed, m(Ipv4Addr::UNSPECIFIED, 1, true));
    assert_eq!(r.counters().unspecified_source, 1);
}

#[test]
fn caps_refuse_groups_and_sources_beyond_them() {
    let mut c = RouterConfig::new(ME);
    c.max_groups = 3;
    c.max_sources_per_group = 2;
    let mut r = router_with(c);
    for n in 1..=5 {
        feed(&mut r, secs(1), &v2_report(Ipv4Addr::new(239, 0, 0, n)));
    }
    assert_eq!(r.group_count(), 3);
    assert_eq!(r.counters().groups_refused, 2);
    feed(
        &mut r,
        secs(1),
        &record(ModeIsInclude, Ipv4Addr::new(239, 0, 0, 1), &[1, 2, 3, 4]),
    );
    assert_eq!(r.source_count(), 2);
    assert_eq!(r.counters().sources_refused, 2);
}

#[test]
fn a_passive_router_tracks_the_table_and_never_sends() {
    let mut c = RouterConfig::new(ME);
    c.passive = true;
    let mut r = ipv4kit_gmp::Router::new(c, Instant::ZERO);
    assert!(!r.is_querier());
    assert_eq!(r.querier(), None);
    feed(&mut r, secs(1), &v2_report(G));
    feed(&mut r, secs(2), &leave(G));
    feed_from(
        &mut r,
        secs(3),
        HIGHER,
        &query_v3(GENERAL, false, 2, 125, &[]),
    );
    assert_eq!(r.querier(), Some(HIGHER), "passive: learns whoever queries");
    assert!(run(&mut r, secs(1000)).is_empty());
    assert_eq!(r.counters().queries_sent, 0);
}

#[test]
fn the_table_carries_the_rfc_8652_data() {
    let mut r = router();
    feed(&mut r, secs(10), &record(ModeIsInclude, G, &[1]));
    feed_from(
        &mut r,
        secs(15),
        Ipv4Addr::new(198, 18, 0, 7),
        &record(AllowNewSources, G, &[2]),
    );
    let t = r.table(secs(20));
    assert_eq!(
        (t.version, t.querier, t.is_querier),
        (Compat::V3, Some(ME), true)
    );
    assert_eq!(t.up_time, dur(20));
    assert_eq!(t.groups.len(), 1);
    let g = &t.groups[0];
    assert_eq!(
        (g.group, g.filter_mode, g.version),
        (G, FilterMode::Include, Compat::V3)
    );
    assert_eq!(g.up_time, dur(10));
    assert_eq!(g.last_reporter, Ipv4Addr::new(198, 18, 0, 7));
    assert_eq!(g.expire, Some(dur(255)));
    assert_eq!(g.sources.len(), 2);
    assert_eq!(
        (
            g.sources[0].source,
            g.sources[0].up_time,
            g.sources[0].expire
        ),
        (src(1), dur(10), Some(dur(250)))
    );
    assert_eq!(g.sources[0].last_reporter, HOST);
}
