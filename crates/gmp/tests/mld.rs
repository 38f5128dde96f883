//! `Host<Mld>` on a virtual clock: the RFC 3810 behaviour that differs from
//! IGMP's (addresses, destinations, link-local sources, MLDv1 fall-back,
//! the SSM range), and the §5.1 / §5.2 machinery through the MLD codec.

mod common_mld;

use std::net::Ipv6Addr;
use std::time::Duration;

use common_mld::*;
use ipv4kit_gmp::{
    Compat, Config, Error, Event, FilterMode, IgnoreReason, Instant, Mld, MldRx, Requester,
};
use ipv4kit_wire::mld::{MldDatagram, MldMessage, ALL_NODES};

const T0: Instant = Instant::from_secs(1);

fn at(ms: u64) -> Instant {
    T0 + Duration::from_millis(ms)
}

#[test]
fn a_join_sends_to_ex_to_ff02_16_from_the_link_local_source_and_repeats_it() {
    let mut h = host();
    h.join(T0, Requester(1), g(1)).unwrap();
    let sent = run(&mut h, T0, at(5000));
    assert_eq!(
        msgs(&sent),
        vec![Msg::V2(vec![(TO_EX, g(1), vec![])]); 2],
        "[Robustness Variable] = 2 (RFC 3810 §9.1)"
    );
    assert_eq!(sent[0].0, T0, "at once (RFC 3810 §6.1)");
    assert!(
        sent[1].0 < T0 + Duration::from_secs(1),
        "within [URI] = 1 s (§9.11)"
    );
}

#[test]
fn every_row_of_the_state_change_table_is_reported() {
    let mut h = host();
    let (a, b) = (s(1), s(2));
    let mut t = 0;
    let mut step = |h: &mut MldHost, f: &dyn Fn(&mut MldHost, Instant)| {
        t += 5000;
        f(h, at(t));
        msgs(&run(h, at(t), at(t + 4000)))
    };
    // INCLUDE {} -> INCLUDE {a}: ALLOW (a).
    let out = step(&mut h, &|h, n| {
        h.join_source(n, Requester(1), g(2), a).unwrap()
    });
    assert_eq!(out[0], Msg::V2(vec![(ALLOW, g(2), vec![a])]));
    // INCLUDE {a} -> EXCLUDE {b}: TO_EX (b).
    let out = step(&mut h, &|h, n| {
        h.set_filter(n, Requester(1), g(2), FilterMode::Exclude, &[b])
            .unwrap()
    });
    assert_eq!(out[0], Msg::V2(vec![(TO_EX, g(2), vec![b])]));
    // EXCLUDE {b} -> EXCLUDE {a}: ALLOW (b), BLOCK (a) — BLOCK first in EXCLUDE mode.
    let out = step(&mut h, &|h, n| {
        h.set_filter(n, Requester(1), g(2), FilterMode::Exclude, &[a])
            .unwrap()
    });
    assert_eq!(
        out[0],
        Msg::V2(vec![(BLOCK, g(2), vec![a]), (ALLOW, g(2), vec![b])])
    );
    // EXCLUDE {a} -> INCLUDE {b}: TO_IN (b).
    let out = step(&mut h, &|h, n| {
        h.set_filter(n, Requester(1), g(2), FilterMode::Include, &[b])
            .unwrap()
    });
    assert_eq!(out[0], Msg::V2(vec![(TO_IN, g(2), vec![b])]));
    assert_eq!(out.len(), 2);
}

#[test]
fn general_group_and_source_queries_are_answered() {
    let mut h = host();
    h.join(T0, Requester(1), g(3)).unwrap();
    h.block(T0, Requester(1), g(3), s(1)).unwrap();
    h.join_source(T0, Requester(2), g(4), s(2)).unwrap();
    run(&mut h, T0, at(3000));
    let mrt = Duration::from_secs(1);
    feed(&mut h, at(3000), &query_v2(Ipv6Addr::UNSPECIFIED, &[], mrt));
    assert!(drain(&mut h).is_empty(), "never at once (§6.2)");
    let out = msgs(&run(&mut h, at(3000), at(5000)));
    assert_eq!(
        out,
        vec![Msg::V2(vec![
            (IS_EX, g(3), vec![s(1)]),
            (IS_IN, g(4), vec![s(2)])
        ])]
    );
    feed(&mut h, at(5000), &query_v2(g(4), &[s(1), s(2)], mrt));
    let out = msgs(&run(&mut h, at(5000), at(7000)));
    assert_eq!(out, vec![Msg::V2(vec![(IS_IN, g(4), vec![s(2)])])]);
    // EXCLUDE (A) asked about B: IS_IN (B−A) (RFC 3810 §6.3).
    feed(&mut h, at(7000), &query_v2(g(3), &[s(1), s(2)], mrt));
    let out = msgs(&run(&mut h, at(7000), at(9000)));
    assert_eq!(out, vec![Msg::V2(vec![(IS_IN, g(3), vec![s(2)])])]);
}

#[test]
fn a_query_from_a_non_link_local_source_is_ignored_unless_allowed() {
    let mut h = host();
    h.join(T0, Requester(1), g(5)).unwrap();
    run(&mut h, T0, at(3000));
    let global = Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 2);
    let q = {
        let mut b = query_v2(Ipv6Addr::UNSPECIFIED, &[], Duration::from_secs(1));
        b[2..4].fill(0);
        let c = ipv4kit_wire::checksum::icmpv6_checksum(global, ALL_NODES, &b);
        b[2..4].copy_from_slice(&c.to_be_bytes());
        b
    };
    feed_from(&mut h, at(3000), &q, global, ALL_NODES);
    assert_eq!(
        h.poll_event(),
        Some(Event::QueryIgnored(IgnoreReason::SourceNotLinkLocal)),
        "RFC 3810 §5.1.14: MUST discard"
    );
    assert!(run(&mut h, at(3000), at(6000)).is_empty());
    // The strictness is a setting.
    let mut h = host_with(
        Config {
            require_link_local_query_source: false,
            ..Config::default()
        },
        2,
    );
    h.join(T0, Requester(1), g(5)).unwrap();
    run(&mut h, T0, at(3000));
    feed_from(&mut h, at(3000), &q, global, ALL_NODES);
    assert_eq!(run(&mut h, at(3000), at(6000)).len(), 1);
}

#[test]
fn a_query_without_router_alert_is_ignored_and_one_to_a_unicast_address_is_not() {
    let mut h = host();
    h.join(T0, Requester(1), g(6)).unwrap();
    run(&mut h, T0, at(3000));
    let q = query_v2(Ipv6Addr::UNSPECIFIED, &[], Duration::from_secs(1));
    let msg = MldMessage::parse(&q, QUERIER, ALL_NODES).unwrap();
    let mut m = meta(ALL_NODES);
    m.router_alert = false;
    h.handle_message(at(3000), &MldRx::new(msg, QUERIER), m);
    assert_eq!(
        h.poll_event(),
        Some(Event::QueryIgnored(IgnoreReason::NoRouterAlert))
    );
    assert!(run(&mut h, at(3000), at(6000)).is_empty());
    // RFC 3810 §5.1.15: a query sent to any address of the interface counts.
    let unicast = Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 1);
    let q = {
        let mut b = q.clone();
        b[2..4].fill(0);
        let c = ipv4kit_wire::checksum::icmpv6_checksum(QUERIER, unicast, &b);
        b[2..4].copy_from_slice(&c.to_be_bytes());
        b
    };
    feed_from(&mut h, at(6000), &q, QUERIER, unicast);
    assert_eq!(run(&mut h, at(6000), at(9000)).len(), 1);
}

#[test]
fn an_mldv1_querier_switches_the_host_to_mldv1_reports_and_done() {
    let mut h = host();
    h.join(T0, Requester(1), g(7)).unwrap();
    run(&mut h, T0, at(3000));
    feed(
        &mut h,
        at(3000),
        &query_v1(Ipv6Addr::UNSPECIFIED, Duration::from_secs(1)),
    );
    assert_eq!(
        h.compat(),
        Compat::V2,
        "Older Version Querier Present (§8.2.1)"
    );
    assert_eq!(
        h.poll_event(),
        Some(Event::CompatChanged {
            from: Compat::V3,
            to: Compat::V2
        })
    );
    let out = msgs(&run(&mut h, at(3000), at(5000)));
    assert_eq!(out, vec![Msg::V1(g(7))], "to the group (RFC 2710 §8)");
    h.leave(at(5000), Requester(1), g(7)).unwrap();
    assert_eq!(drain(&mut h), vec![Msg::Done(g(7))], "to ff02::2");
    // RV × QI + QRI = 2 × 125 + 10 s later the host is MLDv2 again (§9.12).
    run(&mut h, at(5000), at(3000 + 260_000));
    assert_eq!(h.compat(), Compat::V3);
}

#[test]
fn mldv2_exclude_is_refused_in_the_ssm_range() {
    let mut h = host();
    let ssm = Ipv6Addr::new(0xff3e, 0, 0, 0, 0, 0, 0x4b, 1);
    assert_eq!(h.join(T0, Requester(1), ssm), Err(Error::SsmExclude));
    assert_eq!(
        h.set_filter(T0, Requester(1), ssm, FilterMode::Exclude, &[s(1)]),
        Err(Error::SsmExclude)
    );
    h.join_source(T0, Requester(1), ssm, s(1)).unwrap();
    assert_eq!(drain(&mut h), vec![Msg::V2(vec![(ALLOW, ssm, vec![s(1)])])]);
    // ff3x::/32 only: ff3e:1:: is not SSM (RFC 4607 §1).
    h.join(T0, Requester(1), Ipv6Addr::new(0xff3e, 1, 0, 0, 0, 0, 0, 1))
        .unwrap();
}

#[test]
fn all_nodes_and_interface_local_groups_are_never_reported() {
    let mut h = host();
    h.join(T0, Requester(1), ALL_NODES).unwrap();
    h.join(T0, Requester(1), Ipv6Addr::new(0xff01, 0, 0, 0, 0, 0, 0, 7))
        .unwrap();
    assert!(run(&mut h, T0, at(5000)).is_empty());
    feed(
        &mut h,
        at(5000),
        &query_v2(Ipv6Addr::UNSPECIFIED, &[], Duration::from_secs(1)),
    );
    assert!(run(&mut h, at(5000), at(8000)).is_empty());
}

#[test]
fn the_source_must_be_link_local_or_unspecified_and_messages_carry_its_checksum() {
    let mut h: MldHost = host();
    assert!(h
        .set_source(Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 1))
        .is_err());
    h.set_source(Ipv6Addr::UNSPECIFIED).unwrap();
    h.join(T0, Requester(1), g(8)).unwrap();
    assert_eq!(drain(&mut h).len(), 1, "checksum over :: → ff02::16");
}

#[test]
fn a_whole_datagram_converts_into_what_the_host_takes() {
    let q = query_v2(g(9), &[], Duration::from_secs(1));
    let mut buf = [0u8; 128];
    let n = ipv4kit_wire::mld::emit_datagram_to(
        &ipv4kit_wire::mld::QueryV2 {
            max_resp_code: ipv4kit_wire::mld::MaxRespCode::from_millis(1000),
            group: g(9),
            s_flag: false,
            qrv: 2,
            qqic: ipv4kit_wire::mld::Qqic::from_secs(125),
            sources: &[],
        },
        QUERIER,
        g(9),
        &mut buf,
    )
    .unwrap();
    let d = MldDatagram::parse(&buf[..n]).unwrap();
    let rx = MldRx::from(&d);
    assert_eq!(rx.source, QUERIER);
    assert_eq!(rx.message.as_bytes(), &q[..]);
    let mut h = host();
    h.join(T0, Requester(1), g(9)).unwrap();
    run(&mut h, T0, at(3000));
    h.handle_message(at(3000), &rx, meta(g(9)));
    assert_eq!(
        msgs(&run(&mut h, at(3000), at(5000))),
        vec![Msg::V2(vec![(IS_EX, g(9), vec![])])]
    );
}

#[test]
fn the_default_config_follows_rfc_3810() {
    let c = Config::<Mld>::default();
    assert!(!c.require_general_query_to_all_nodes);
    assert!(c.require_router_alert && c.require_link_local_query_source);
    assert_eq!(c.unsolicited_report_interval, Duration::from_secs(1));
    assert_eq!(c.old_unsolicited_report_interval, Duration::from_secs(10));
}

#[test]
fn reports_split_to_the_1280_octet_minimum_mtu() {
    let mut h = host_with(
        Config {
            mtu: 100,
            max_groups_per_requester: 200,
            ..Config::default()
        },
        3,
    );
    for n in 0..100 {
        h.join(T0, Requester(1), g(100 + n)).unwrap();
    }
    run(&mut h, T0, at(3000));
    feed(
        &mut h,
        at(3000),
        &query_v2(Ipv6Addr::UNSPECIFIED, &[], Duration::from_secs(1)),
    );
    let at_end = at(5000);
    let mut lens = Vec::new();
    let mut buf = [0u8; 1500];
    let mut now = at(3000);
    while let Some(t) = h.poll_timeout() {
        if t > at_end {
            break;
        }
        now = t.max(now);
        h.handle_timeout(now);
        while let Some(t) = h.poll_transmit(&mut buf) {
            lens.push(t.unwrap().len);
        }
    }
    // 1280 − 40 − 8 = 1232 octets: 8 + 61 × 20 = 1228 per report.
    assert_eq!(lens, vec![8 + 61 * 20, 8 + 39 * 20]);
}
