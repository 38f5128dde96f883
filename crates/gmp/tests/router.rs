//! The router engine against RFC 3376 §6: every row of the tables in
//! §6.4.1 and §6.4.2, the switch of §6.5, the queries of §6.6.3 with the
//! S flag, on a virtual clock.

mod router_common;

use std::net::Ipv4Addr;

use ipv4kit_gmp::{Compat, FilterMode, Igmp, Instant, Router, RouterEvent};
use ipv4kit_wire::igmp::GroupRecordType::{self, *};
use router_common::*;

/// What a source's timer must be after the row.
#[derive(Clone, Copy, Debug)]
enum T {
    /// Unchanged from the setup.
    Old,
    /// Group Membership Interval from the row's time.
    Gmi,
    /// Last Member Query Time from the row's time.
    Lmqt,
    /// The group timer's value before the row.
    GroupOld,
    /// Zero: the source is in the Exclude List.
    Zero,
}

struct Row {
    /// `None`: INCLUDE (A = `x`); `Some(y)`: EXCLUDE (X = `x`, Y = `y`).
    before_y: Option<&'static [u8]>,
    before_x: &'static [u8],
    record: GroupRecordType,
    b: &'static [u8],
    mode: FilterMode,
    sources: &'static [(u8, T)],
    group_timer: Option<T>,
    /// Queries sent at once: (group-specific without sources?, sources).
    queries: &'static [&'static [u8]],
}

const SETUP_Y: u64 = 5;
const SETUP_X: u64 = 10;
const AT: u64 = 20;

fn set_up(row: &Row) -> Router<Igmp> {
    let mut r = router();
    if let Some(y) = row.before_y {
        feed(&mut r, secs(SETUP_Y), &record(ModeIsExclude, G, y));
    }
    feed(
        &mut r,
        secs(SETUP_X),
        &record(ModeIsInclude, G, row.before_x),
    );
    assert!(drain(&mut r).is_empty());
    r
}

#[test]
fn every_row_of_the_record_tables_acts_as_rfc_3376_section_6_4_says() {
    use FilterMode::*;
    let rows = [
        // §6.4.1, INCLUDE (A)
        Row {
            before_y: None,
            before_x: &[1, 2],
            record: ModeIsInclude,
            b: &[2, 3],
            mode: Include,
            sources: &[(1, T::Old), (2, T::Gmi), (3, T::Gmi)],
            group_timer: None,
            queries: &[],
        },
        Row {
            before_y: None,
            before_x: &[1, 2],
            record: ModeIsExclude,
            b: &[2, 3],
            mode: Exclude,
            sources: &[(2, T::Old), (3, T::Zero)],
            group_timer: Some(T::Gmi),
            queries: &[],
        },
        // §6.4.1, EXCLUDE (X, Y)
        Row {
            before_y: Some(&[3, 4]),
            before_x: &[1, 2],
            record: ModeIsInclude,
            b: &[2, 3, 5],
            mode: Exclude,
            sources: &[
                (1, T::Old),
                (2, T::Gmi),
                (3, T::Gmi),
                (4, T::Zero),
                (5, T::Gmi),
            ],
            group_timer: Some(T::Old),
            queries: &[],
        },
        Row {
            before_y: Some(&[3, 4]),
            before_x: &[1, 2],
            record: ModeIsExclude,
            b: &[2, 3, 5],
            mode: Exclude,
            sources: &[(2, T::Old), (3, T::Zero), (5, T::Gmi)],
            group_timer: Some(T::Gmi),
            queries: &[],
        },
        // §6.4.2, INCLUDE (A)
        Row {
            before_y: None,
            before_x: &[1, 2],
            record: AllowNewSources,
            b: &[2, 3],
            mode: Include,
            sources: &[(1, T::Old), (2, T::Gmi), (3, T::Gmi)],
            group_timer: None,
            queries: &[],
        },
        Row {
            before_y: None,
            before_x: &[1, 2],
            record: BlockOldSources,
            b: &[2, 3],
            mode: Include,
            sources: &[(1, T::Old), (2, T::Lmqt)],
            group_timer: None,
            queries: &[&[2]],
        },
        Row {
            before_y: None,
            before_x: &[1, 2],
            record: ChangeToExclude,
            b: &[2, 3],
            mode: Exclude,
            sources: &[(2, T::Lmqt), (3, T::Zero)],
            group_timer: Some(T::Gmi),
            queries: &[&[2]],
        },
        Row {
            before_y: None,
            before_x: &[1, 2],
            record: ChangeToInclude,
            b: &[2, 3],
            mode: Include,
            sources: &[(1, T::Lmqt), (2, T::Gmi), (3, T::Gmi)],
            group_timer: None,
            queries: &[&[1]],
        },
        // §6.4.2, EXCLUDE (X, Y)
        Row {
            before_y: Some(&[3, 4]),
            before_x: &[1, 2],
            record: AllowNewSources,
            b: &[2, 3, 5],
            mode: Exclude,
            sources: &[
                (1, T::Old),
                (2, T::Gmi),
                (3, T::Gmi),
                (4, T::Zero),
                (5, T::Gmi),
            ],
            group_timer: Some(T::Old),
            queries: &[],
        },
        Row {
            before_y: Some(&[3, 4]),
            before_x: &[1, 2],
            record: BlockOldSources,
            b: &[2, 3, 5],
            mode: Exclude,
            sources: &[
                (1, T::Old),
                (2, T::Lmqt),
                (3, T::Zero),
                (4, T::Zero),
                (5, T::Lmqt),
            ],
            group_timer: Some(T::Old),
            queries: &[&[2, 5]],
        },
        Row {
            before_y: Some(&[3, 4]),
            before_x: &[1, 2],
            record: ChangeToExclude,
            b: &[2, 3, 5],
            mode: Exclude,
            sources: &[(2, T::Lmqt), (3, T::Zero), (5, T::Lmqt)],
            group_timer: Some(T::Gmi),
            queries: &[&[2, 5]],
        },
        Row {
            before_y: Some(&[3, 4]),
            before_x: &[1, 2],
            record: ChangeToInclude,
            b: &[2, 3, 5],
            mode: Exclude,
            sources: &[
                (1, T::Lmqt),
                (2, T::Gmi),
                (3, T::Gmi),
                (4, T::Zero),
                (5, T::Gmi),
            ],
            group_timer: Some(T::Lmqt),
            queries: &[&[], &[1]],
        },
    ];
    // A BLOCK on EXCLUDE, new sources get the group timer before the query
    // lowers them: checked apart with a source not queried (timer ≤ LMQT
    // is impossible here), so the table's (A−X−Y)=Group Timer shows in
    // the TO_EX row through the query instead.
    for (i, row) in rows.iter().enumerate() {
        let mut r = set_up(row);
        let at = secs(AT);
        let value = |t: T, old: Option<Instant>| match t {
            T::Old => old,
            T::Gmi => Some(at + r.group_membership_interval()),
            T::Lmqt => Some(at + r.last_member_query_time()),
            T::GroupOld => Some(secs(SETUP_Y) + r.group_membership_interval()),
            T::Zero => None,
        };
        let old_group = r.group(G).unwrap().group_timer();
        let old_src: Vec<_> = (1..=5u8)
            .map(|n| r.group(G).unwrap().source_timer(src(n)).flatten())
            .collect();
        let want_sources: Vec<_> = row
            .sources
            .iter()
            .map(|&(n, t)| (src(n), value(t, old_src[usize::from(n) - 1])))
            .collect();
        let want_group = row.group_timer.and_then(|t| value(t, old_group));
        feed(&mut r, at, &record(row.record, G, row.b));
        let g = r.group(G).expect("group state");
        let ctx = format!(
            "row {i}: {:?} {:?} on {:?}/{:?}",
            row.record, row.b, row.before_x, row.before_y
        );
        assert_eq!(g.filter_mode(), row.mode, "{ctx}");
        let got: Vec<_> = (1..=5u8)
            .filter_map(|n| g.source_timer(src(n)).map(|t| (src(n), t)))
            .collect();
        assert_eq!(got, want_sources, "{ctx}");
        assert_eq!(g.group_timer(), want_group, "{ctx}");
        let sent = drain(&mut r);
        let want: Vec<Q> = row
            .queries
            .iter()
            .map(|s| Q {
                version: Compat::V3,
                group: G,
                s_flag: false,
                sources: srcs(s),
                destination: G,
            })
            .collect();
        assert_eq!(sent, want, "{ctx}");
    }
    let _ = T::GroupOld;
}

#[test]
fn block_on_exclude_gives_new_sources_the_group_timer() {
    // A non-querier applies the table without the query's lowering, so
    // (A−X−Y)=Group Timer shows as it is.
    let mut r = router();
    feed_from(
        &mut r,
        secs(1),
        Ipv4Addr::new(198, 18, 0, 1),
        &query_v3(Ipv4Addr::UNSPECIFIED, false, 2, 125, &[]),
    );
    assert!(!r.is_querier());
    feed(&mut r, secs(5), &record(ModeIsExclude, G, &[3]));
    let gt = r.group(G).unwrap().group_timer();
    feed(&mut r, secs(20), &record(BlockOldSources, G, &[7]));
    assert_eq!(r.group(G).unwrap().source_timer(src(7)), Some(gt));
    feed(&mut r, secs(30), &record(ChangeToExclude, G, &[3, 8]));
    let g = r.group(G).unwrap();
    assert_eq!(
        g.source_timer(src(8)),
        Some(gt),
        "TO_EX: (A−X−Y)=Group Timer, the old one"
    );
    assert_eq!(g.source_timer(src(7)), None, "TO_EX: Delete (X−A)");
    assert_eq!(
        g.group_timer(),
        Some(secs(30) + r.group_membership_interval())
    );
}

#[test]
fn group_timer_expiry_switches_to_include_with_the_requested_list() {
    let mut r = router();
    feed(&mut r, secs(1), &record(ModeIsExclude, G, &[3]));
    feed(&mut r, secs(100), &record(AllowNewSources, G, &[1]));
    // Group timer runs out at 1 + 260; source 1 at 100 + 260.
    run(&mut r, secs(262));
    let g = r.group(G).unwrap();
    assert_eq!(g.filter_mode(), FilterMode::Include);
    assert_eq!(g.forwarded_sources().collect::<Vec<_>>(), srcs(&[1]));
    assert_eq!(
        g.excluded_sources().count(),
        0,
        "§6.5: the Exclude List is deleted"
    );
    run(&mut r, secs(400));
    assert!(
        r.group(G).is_none(),
        "INCLUDE with no sources left: no state"
    );
    let events: Vec<_> = std::iter::from_fn(|| r.poll_event()).collect();
    assert!(events.contains(&RouterEvent::GroupAdded { group: G }));
    assert!(events.contains(&RouterEvent::SourceRemoved {
        group: G,
        source: src(3)
    }));
    assert_eq!(events.last(), Some(&RouterEvent::GroupExpired { group: G }));
}

#[test]
fn a_leave_removes_the_group_within_the_last_member_query_time() {
    let mut r = router();
    feed(&mut r, secs(10), &v2_report(G));
    assert_eq!(r.group(G).unwrap().compat(), Compat::V2);
    feed(&mut r, secs(20), &leave(G));
    let first = drain(&mut r);
    assert_eq!(
        first,
        [Q {
            version: Compat::V3,
            group: G,
            s_flag: false,
            sources: vec![],
            destination: G
        }]
    );
    let later = run(&mut r, secs(30));
    let gsq: Vec<_> = later
        .iter()
        .filter(|(_, q)| q.group == G)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(gsq, [secs(21)], "LMQC = 2: one retransmission after LMQI");
    assert!(r.group(G).is_none());
    // Expired at 20 + LMQT = 22.
    let mut r = router();
    feed(&mut r, secs(10), &v2_report(G));
    feed(&mut r, secs(20), &leave(G));
    run(&mut r, Instant::from_millis(21_999));
    assert!(r.group(G).is_some());
    run(&mut r, secs(22));
    assert!(r.group(G).is_none());
}

#[test]
fn a_report_during_the_last_member_queries_sets_the_s_flag() {
    let mut r = router();
    feed(&mut r, secs(10), &record(ModeIsExclude, G, &[]));
    feed(&mut r, secs(10), &record(AllowNewSources, G, &[1]));
    feed(&mut r, secs(20), &record(ChangeToInclude, G, &[]));
    let first = drain(&mut r);
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|q| !q.s_flag));
    // A member of source 1 answers: its timer goes back up to GMI.
    feed(
        &mut r,
        Instant::from_millis(20_500),
        &record(ModeIsInclude, G, &[1]),
    );
    let again: Vec<_> = run(&mut r, secs(21)).into_iter().map(|(_, q)| q).collect();
    assert_eq!(
        again,
        [
            Q {
                version: Compat::V3,
                group: G,
                s_flag: false,
                sources: vec![],
                destination: G
            },
            Q {
                version: Compat::V3,
                group: G,
                s_flag: true,
                sources: srcs(&[1]),
                destination: G
            },
        ],
        "§6.6.3: S set for the sources whose timers are above LMQT"
    );
    run(&mut r, secs(40));
    let g = r.group(G).unwrap();
    assert_eq!(
        g.filter_mode(),
        FilterMode::Include,
        "§6.5: no EXCLUDE member answered"
    );
    assert!(g.forwards(&src(1)));

    // An EXCLUDE member answers a Q(G): the group timer goes up, S is set.
    let mut r = router();
    feed(&mut r, secs(10), &record(ModeIsExclude, G, &[]));
    feed(&mut r, secs(20), &record(ChangeToInclude, G, &[]));
    assert_eq!(drain(&mut r).len(), 1);
    feed(
        &mut r,
        Instant::from_millis(20_500),
        &record(ModeIsExclude, G, &[]),
    );
    let again: Vec<_> = run(&mut r, secs(21)).into_iter().map(|(_, q)| q).collect();
    assert_eq!(
        again,
        [Q {
            version: Compat::V3,
            group: G,
            s_flag: true,
            sources: vec![],
            destination: G
        }]
    );
    run(&mut r, secs(40));
    assert_eq!(r.group(G).unwrap().filter_mode(), FilterMode::Exclude);
}

#[test]
fn a_received_specific_query_with_s_clear_lowers_the_timers_of_a_non_querier() {
    let other = Ipv4Addr::new(198, 18, 0, 1);
    let mut r = router();
    feed_from(
        &mut r,
        secs(1),
        other,
        &query_v3(Ipv4Addr::UNSPECIFIED, false, 2, 125, &[]),
    );
    feed(&mut r, secs(10), &record(ModeIsExclude, G, &[]));
    feed(&mut r, secs(10), &record(AllowNewSources, G, &[1, 2]));
    feed(&mut r, secs(20), &record(ChangeToInclude, G, &[]));
    assert!(drain(&mut r).is_empty(), "a non-querier sends no queries");
    assert_eq!(
        r.group(G).unwrap().group_timer(),
        Some(secs(10) + r.group_membership_interval())
    );
    feed_from(&mut r, secs(20), other, &query_v3(G, true, 2, 125, &[]));
    assert_eq!(
        r.group(G).unwrap().group_timer(),
        Some(secs(10) + r.group_membership_interval()),
        "S set: no change"
    );
    feed_from(&mut r, secs(20), other, &query_v3(G, false, 2, 125, &[]));
    assert_eq!(r.group(G).unwrap().group_timer(), Some(secs(22)));
    feed_from(
        &mut r,
        secs(20),
        other,
        &query_v3(G, false, 2, 125, &[src(1)]),
    );
    let g = r.group(G).unwrap();
    assert_eq!(g.source_timer(src(1)), Some(Some(secs(22))));
    assert_eq!(
        g.source_timer(src(2)),
        Some(Some(secs(10) + r.group_membership_interval()))
    );
}

#[test]
fn source_queries_are_split_to_the_mtu() {
    let mut r = router();
    let many: Vec<Ipv4Addr> = (0..800u32)
        .map(|i| Ipv4Addr::from(0xcb00_0000 + i))
        .collect();
    feed(&mut r, secs(1), &report(&[(ModeIsInclude, G, &many)]));
    feed(&mut r, secs(2), &report(&[(BlockOldSources, G, &many)]));
    let sent = drain(&mut r);
    assert_eq!(
        sent.len(),
        3,
        "800 sources at (1500 − 24 − 12) / 4 = 366 a query"
    );
    assert!(sent.iter().all(|q| q.sources.len() <= 366));
    assert_eq!(sent.iter().map(|q| q.sources.len()).sum::<usize>(), 800);
}

#[test]
fn unknown_record_types_are_ignored_and_the_rest_processed() {
    let mut r = router();
    let g2 = Ipv4Addr::new(239, 1, 1, 2);
    feed(
        &mut r,
        secs(1),
        &report(&[
            (GroupRecordType::Unknown(9), G, &[]),
            (ModeIsExclude, g2, &[]),
        ]),
    );
    assert!(r.group(G).is_none());
    assert!(r.group(g2).is_some());
    assert_eq!(r.counters().ignored_records, 1);
}
