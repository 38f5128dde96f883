//! The host engine against RFC 3376's tables: state-change reports (§5.1),
//! query answers (§5.2), compatibility (§7.2), SSM (RFC 4604), limits and
//! §9's checks. The Linux kernel comparisons are in `kernel.rs`.

mod common;

use std::net::Ipv4Addr;
use std::time::Duration;

use common::*;
use ipv4kit_gmp::{
    Compat, Config, Error, Event, FilterMode::*, IgnoreReason, Instant, Requester, RxMeta,
};
use ipv4kit_wire::igmp::{IgmpMessage, ALL_SYSTEMS};

const T0: Instant = Instant::from_secs(100);
const R1: Requester = Requester(1);
const R2: Requester = Requester(2);
const R3: Requester = Requester(3);

fn secs(s: u64) -> Instant {
    T0 + Duration::from_secs(s)
}

/// The records of each report a change sends: at once, then [RV]−1 = 1
/// retransmission within the Unsolicited Report Interval (§5.1, §8.11).
fn sent_twice(h: &mut TestHost, now: Instant, records: Vec<Rec>) {
    let sent = run(h, now, now + Duration::from_secs(5));
    assert_eq!(
        msgs(&sent),
        vec![Msg::V3(records.clone()), Msg::V3(records)]
    );
    assert_eq!(sent[0].0, now, "the first report goes at once");
    assert!(
        sent[1].0 < now + Duration::from_secs(1),
        "retransmission within the interval"
    );
}

#[test]
fn any_source_join_and_leave_send_to_ex_and_to_in_twice() {
    let mut h = host();
    h.join(T0, R1, g(1)).unwrap();
    sent_twice(&mut h, T0, vec![(TO_EX, g(1), vec![])]);
    h.leave(secs(10), R1, g(1)).unwrap();
    sent_twice(&mut h, secs(10), vec![(TO_IN, g(1), vec![])]);
    assert_eq!(
        h.tracked_groups(),
        0,
        "nothing left after the retransmissions"
    );
}

/// §5.1's four rows, each reached with two or three requesters merging (§3.2).
#[test]
fn every_row_of_the_state_change_table_with_merging_requesters() {
    // INCLUDE -> INCLUDE: ALLOW (B-A), BLOCK (A-B).
    let mut h = host();
    h.join_source(T0, R1, g(1), s(1)).unwrap();
    sent_twice(&mut h, T0, vec![(ALLOW, g(1), vec![s(1)])]);
    h.set_filter(secs(10), R2, g(1), Include, &[s(1), s(2)])
        .unwrap();
    sent_twice(&mut h, secs(10), vec![(ALLOW, g(1), vec![s(2)])]);
    h.leave_source(secs(20), R1, g(1), s(1)).unwrap();
    assert!(drain(&mut h).is_empty(), "R2 still includes s1: no change");
    h.set_filter(secs(30), R2, g(1), Include, &[s(3)]).unwrap();
    sent_twice(
        &mut h,
        secs(30),
        vec![(ALLOW, g(1), vec![s(3)]), (BLOCK, g(1), vec![s(1), s(2)])],
    );

    // INCLUDE -> EXCLUDE: TO_EX (B), B = ⋂ excludes − ⋃ includes.
    h.set_filter(secs(40), R3, g(1), Exclude, &[s(3), s(4)])
        .unwrap();
    sent_twice(&mut h, secs(40), vec![(TO_EX, g(1), vec![s(4)])]);

    // EXCLUDE -> EXCLUDE: ALLOW (A−B), BLOCK (B−A).
    h.set_filter(secs(50), R2, g(1), Include, &[]).unwrap();
    sent_twice(&mut h, secs(50), vec![(BLOCK, g(1), vec![s(3)])]);
    // Three requesters: ⋂ {s3,s4} {s4,s5} = {s4}.
    h.set_filter(secs(60), R1, g(1), Exclude, &[s(4), s(5)])
        .unwrap();
    sent_twice(&mut h, secs(60), vec![(ALLOW, g(1), vec![s(3)])]);
    h.unblock(secs(70), R3, g(1), s(3)).unwrap();
    assert!(drain(&mut h).is_empty(), "still {{s4}}: no change");
    h.unblock(secs(70), R3, g(1), s(4)).unwrap();
    sent_twice(&mut h, secs(70), vec![(ALLOW, g(1), vec![s(4)])]);
    assert_eq!(
        h.interface_state(g(1)).unwrap().sources,
        Vec::<Ipv4Addr>::new()
    );

    // EXCLUDE -> INCLUDE: TO_IN (B).
    h.set_filter(secs(80), R2, g(1), Include, &[s(7)]).unwrap();
    assert!(drain(&mut h).is_empty());
    h.leave(secs(90), R1, g(1)).unwrap();
    h.leave(secs(90), R3, g(1)).unwrap();
    let sent = msgs(&run(&mut h, secs(90), secs(95)));
    // Two leaves in one call sequence at the same instant: the second
    // change merges into the pending report (§5.1).
    assert_eq!(
        sent.last().unwrap(),
        &Msg::V3(vec![(TO_IN, g(1), vec![s(7)])])
    );
}

/// §5.1: a change while retransmissions are pending sends a report at once
/// that merges the pending records; the filter-mode record repeats [RV]
/// times even if source changes follow (RFC 3810 §6.1's counters).
#[test]
fn changes_while_retransmissions_pend_merge_into_the_next_report() {
    let mut h = host();
    h.join(T0, R1, g(1)).unwrap();
    assert_eq!(drain(&mut h), vec![Msg::V3(vec![(TO_EX, g(1), vec![])])]);
    let t = T0 + Duration::from_millis(10);
    h.block(t, R1, g(1), s(1)).unwrap();
    // The mode counter is still 1: TO_EX with the new list, not BLOCK.
    assert_eq!(
        drain(&mut h),
        vec![Msg::V3(vec![(TO_EX, g(1), vec![s(1)])])]
    );
    let t2 = t + Duration::from_millis(10);
    h.join(t2, R1, g(2)).unwrap();
    // Another group's change: one report with every group's pending
    // records. s1's counter was set to [RV] by the block and only one
    // filter-mode record carried it, so one BLOCK is still due.
    let sent = msgs(&run(&mut h, t2, t2 + Duration::from_secs(5)));
    assert_eq!(
        sent,
        vec![
            Msg::V3(vec![(BLOCK, g(1), vec![s(1)]), (TO_EX, g(2), vec![])]),
            Msg::V3(vec![(TO_EX, g(2), vec![])]),
        ]
    );
    // Source changes on their own: ALLOW/BLOCK with per-source counters.
    let t3 = t2 + Duration::from_secs(10);
    h.block(t3, R1, g(2), s(2)).unwrap();
    h.unblock(t3 + Duration::from_millis(1), R1, g(1), s(1))
        .unwrap();
    let sent = msgs(&run(&mut h, t3, t3 + Duration::from_secs(5)));
    assert_eq!(
        sent,
        vec![
            Msg::V3(vec![(BLOCK, g(2), vec![s(2)])]),
            Msg::V3(vec![(ALLOW, g(1), vec![s(1)]), (BLOCK, g(2), vec![s(2)])]),
            Msg::V3(vec![(ALLOW, g(1), vec![s(1)])]),
        ]
    );
}

#[test]
fn general_query_is_answered_once_within_max_resp_time_with_current_state() {
    let mut h = host();
    h.join(T0, R1, g(1)).unwrap();
    h.set_filter(T0, R1, g(2), Include, &[s(1), s(2)]).unwrap();
    h.join_source(T0, R1, g(3), s(3)).unwrap();
    h.leave_source(T0, R1, g(3), s(3)).unwrap();
    run(&mut h, T0, secs(5));
    let q = query_v3(Ipv4Addr::UNSPECIFIED, &[], Duration::from_secs(2));
    feed(&mut h, secs(10), &q);
    assert!(drain(&mut h).is_empty(), "never at once (§5.2)");
    // Rule 1: a second query whose delay is later changes nothing; either
    // way there is one answer.
    feed(&mut h, secs(10) + Duration::from_millis(5), &q);
    let sent = run(&mut h, secs(10), secs(20));
    assert_eq!(
        msgs(&sent),
        vec![Msg::V3(vec![
            (IS_EX, g(1), vec![]),
            (IS_IN, g(2), vec![s(1), s(2)])
        ])]
    );
    assert!(sent[0].0 < secs(12));
}

/// §5.2's rules 3–5 and the table for group-and-source responses.
#[test]
fn group_and_source_queries_follow_the_rules_and_the_table() {
    let mut h = host();
    h.set_filter(T0, R1, g(1), Include, &[s(1), s(2)]).unwrap();
    h.set_filter(T0, R1, g(2), Exclude, &[s(1)]).unwrap();
    run(&mut h, T0, secs(5));
    let mrt = Duration::from_secs(1);
    // INCLUDE (A): IS_IN (A*B); rule 5 adds sources.
    feed(&mut h, secs(10), &query_v3(g(1), &[s(1), s(9)], mrt));
    feed(&mut h, secs(10), &query_v3(g(1), &[s(2)], mrt));
    // EXCLUDE (A): IS_IN (B−A).
    feed(&mut h, secs(10), &query_v3(g(2), &[s(1), s(2)], mrt));
    let sent = msgs(&run(&mut h, secs(10), secs(12)));
    let mut recs: Vec<Rec> = sent
        .into_iter()
        .flat_map(|m| match m {
            Msg::V3(r) => r,
            _ => vec![],
        })
        .collect();
    recs.sort();
    assert_eq!(
        recs,
        vec![(IS_IN, g(1), vec![s(1), s(2)]), (IS_IN, g(2), vec![s(2)])]
    );
    // Rule 4: a group query while a source query pends answers for the group.
    feed(&mut h, secs(20), &query_v3(g(1), &[s(1)], mrt));
    feed(&mut h, secs(20), &query_v3(g(1), &[], mrt));
    assert_eq!(
        msgs(&run(&mut h, secs(20), secs(22))),
        vec![Msg::V3(vec![(IS_IN, g(1), vec![s(1), s(2)])])]
    );
    // Nothing to report: no sources in common, a group without state.
    feed(&mut h, secs(30), &query_v3(g(1), &[s(9)], mrt));
    feed(&mut h, secs(30), &query_v3(g(7), &[], mrt));
    assert!(run(&mut h, secs(30), secs(32)).is_empty());
}

#[test]
fn older_queriers_switch_the_host_to_v2_and_v1_and_back() {
    let mut h = host();
    h.join(T0, R1, g(1)).unwrap();
    run(&mut h, T0, secs(5));
    feed(
        &mut h,
        secs(10),
        &query_v2(Ipv4Addr::UNSPECIFIED, Duration::from_secs(1)),
    );
    assert_eq!(h.compat(), Compat::V2);
    assert_eq!(
        h.poll_event(),
        Some(Event::CompatChanged {
            from: Compat::V3,
            to: Compat::V2
        })
    );
    assert_eq!(msgs(&run(&mut h, secs(10), secs(12))), vec![Msg::V2(g(1))]);
    // v2 join: report at once, once more within 10 s; v2 leave to 224.0.0.2.
    h.join(secs(20), R1, g(2)).unwrap();
    let sent = run(&mut h, secs(20), secs(31));
    assert_eq!(msgs(&sent), vec![Msg::V2(g(2)), Msg::V2(g(2))]);
    h.leave(secs(40), R1, g(2)).unwrap();
    assert_eq!(drain(&mut h), vec![Msg::Leave(g(2))]);
    // Another host's report suppresses ours (RFC 2236 §3), and then we do
    // not send the leave: we were not the last reporter.
    feed(
        &mut h,
        secs(50),
        &query_v2(Ipv4Addr::UNSPECIFIED, Duration::from_secs(5)),
    );
    let mut other = [0u8; 8];
    ipv4kit_wire::igmp::ReportV2 { group: g(1) }
        .emit(&mut other)
        .unwrap();
    let msg = IgmpMessage::parse(&other).unwrap();
    h.handle_message(secs(50), &msg, meta(g(1)));
    assert!(run(&mut h, secs(50), secs(56)).is_empty());
    h.leave(secs(57), R1, g(1)).unwrap();
    assert!(drain(&mut h).is_empty());
    // v1: reports only. Older Version Querier Present Timeout: 2·125 + 10 s.
    h.join(secs(60), R1, g(3)).unwrap();
    drain(&mut h);
    feed(&mut h, secs(70), &query_v1());
    assert_eq!(h.compat(), Compat::V1);
    assert_eq!(msgs(&run(&mut h, secs(70), secs(81))), vec![Msg::V1(g(3))]);
    h.leave(secs(90), R1, g(3)).unwrap();
    assert!(drain(&mut h).is_empty(), "IGMPv1 has no leave");
    // The v2 timer (from the query at 50 s) ends at 310 s, the v1 timer at 330 s.
    h.handle_timeout(secs(320));
    assert_eq!(h.compat(), Compat::V1);
    h.handle_timeout(secs(330));
    assert_eq!(h.compat(), Compat::V3);
}

/// RFC 2236 §3 (and RFC 2710 §4): on a General Query a v2 host sets a
/// timer per group, "each timer set to a different random value"; the
/// reports do not all leave at one moment.
#[test]
fn a_v2_host_answers_a_general_query_at_a_random_time_per_group() {
    let mut h = host();
    for i in 1..=8 {
        h.join(T0, R1, g(i)).unwrap();
    }
    run(&mut h, T0, secs(5));
    feed(
        &mut h,
        secs(10),
        &query_v2(Ipv4Addr::UNSPECIFIED, Duration::from_secs(10)),
    );
    let sent = run(&mut h, secs(10), secs(21));
    assert_eq!(sent.len(), 8, "one v2 report per group");
    let mut times: Vec<Instant> = sent.iter().map(|(t, _)| *t).collect();
    assert!(times.iter().all(|t| *t >= secs(10) && *t < secs(20)));
    times.dedup();
    assert!(times.len() > 1, "all eight reports at one moment: {sent:?}");
}

#[test]
fn ssm_groups_refuse_exclude_and_limits_are_errors() {
    let mut h = host();
    let ssm = Ipv4Addr::new(232, 1, 1, 1);
    assert_eq!(h.join(T0, R1, ssm), Err(Error::SsmExclude));
    assert_eq!(
        h.set_filter(T0, R1, ssm, Exclude, &[s(1)]),
        Err(Error::SsmExclude)
    );
    h.join_source(T0, R1, ssm, s(1)).unwrap();
    assert_eq!(
        h.join(T0, R1, Ipv4Addr::new(10, 0, 0, 1)),
        Err(Error::NotMulticast)
    );
    assert_eq!(h.block(T0, R1, ssm, s(2)), Err(Error::ModeMismatch));
    assert_eq!(h.leave(T0, R2, g(1)), Err(Error::NotMember));
    let many: Vec<Ipv4Addr> = (0..11).map(s).collect();
    assert_eq!(
        h.set_filter(T0, R1, g(1), Include, &many),
        Err(Error::TooManySources { limit: 10 })
    );
    for i in 0..19 {
        h.join(T0, R1, g(10 + i)).unwrap();
    }
    assert_eq!(
        h.join(T0, R1, g(40)),
        Err(Error::TooManyGroups { limit: 20 })
    );
    h.join(T0, R2, g(40)).unwrap();
    // With the SSM check off, the join goes through.
    let mut open = host_with(
        Config {
            refuse_ssm_exclude: false,
            ..Config::default()
        },
        2,
    );
    open.join(T0, R1, ssm).unwrap();
}

/// §9.1: queries without Router Alert, and General Queries not to 224.0.0.1,
/// are ignored (both SHOULDs, each a setting).
#[test]
fn queries_failing_section_9_checks_are_ignored() {
    let mut h = host();
    h.join(T0, R1, g(1)).unwrap();
    run(&mut h, T0, secs(5));
    let q = query_v3(Ipv4Addr::UNSPECIFIED, &[], Duration::from_secs(1));
    let msg = IgmpMessage::parse(&q).unwrap();
    h.handle_message(
        secs(10),
        &msg,
        RxMeta {
            destination: ALL_SYSTEMS,
            router_alert: false,
        },
    );
    h.handle_message(secs(10), &msg, meta(Ipv4Addr::new(198, 18, 0, 1)));
    assert_eq!(
        h.poll_event(),
        Some(Event::QueryIgnored(IgnoreReason::NoRouterAlert))
    );
    assert_eq!(
        h.poll_event(),
        Some(Event::QueryIgnored(IgnoreReason::GeneralQueryDestination))
    );
    assert!(run(&mut h, secs(10), secs(12)).is_empty());
    let mut lax = host_with(
        Config {
            require_router_alert: false,
            require_general_query_to_all_nodes: false,
            ..Config::default()
        },
        3,
    );
    lax.join(T0, R1, g(1)).unwrap();
    run(&mut lax, T0, secs(5));
    lax.handle_message(
        secs(10),
        &msg,
        RxMeta {
            destination: Ipv4Addr::new(198, 18, 0, 1),
            router_alert: false,
        },
    );
    assert_eq!(
        msgs(&run(&mut lax, secs(10), secs(12))),
        vec![Msg::V3(vec![(IS_EX, g(1), vec![])])]
    );
}

/// Bytes a host takes (struct + heap, measured with allocation-counter)
/// holding `n` any-source groups, after joins and a query answered.
fn memory_per_host(n: u8) -> usize {
    let mut h = None;
    let config = Config {
        max_groups_per_requester: 200,
        ..Config::default()
    };
    let info = allocation_counter::measure(|| {
        let mut x = host_with(config, 1);
        for i in 0..n {
            x.join(T0, R1, Ipv4Addr::new(239, 2, 0, i)).unwrap();
        }
        run(&mut x, T0, secs(5));
        let q = query_v3(Ipv4Addr::UNSPECIFIED, &[], Duration::from_secs(1));
        feed(&mut x, secs(10), &q);
        run(&mut x, secs(10), secs(12));
        h = Some(x);
    });
    let h: TestHost = h.unwrap();
    let heap = info.bytes_current as usize;
    let size = std::mem::size_of_val(&h);
    println!(
        "memory per host with {n} ASM groups: {size} B struct + {heap} B heap = {} B",
        size + heap
    );
    size + heap
}

/// Issue 13: a host holding one any-source group costs at most 1 KiB.
#[test]
fn a_host_with_one_any_source_group_takes_at_most_one_kib() {
    let one = memory_per_host(1);
    assert!(one <= 1024, "{one} B");
    let hundred = memory_per_host(100);
    assert!(hundred <= 100 * 1024, "{hundred} B");
}
