//! The RFC 3918 measurements without a network: reports and data fed with
//! chosen timestamps give the delays, the never-received joins, the
//! packets after leave and the group capacity they imply.

use std::net::Ipv4Addr;

use ipv4kit_emu::measure::{Effect, Measure};

const MS: u64 = 1_000_000;
const G1: Ipv4Addr = Ipv4Addr::new(239, 1, 1, 1);
const G2: Ipv4Addr = Ipv4Addr::new(239, 1, 1, 2);

fn measure() -> Measure<Ipv4Addr> {
    Measure::new(1000 * MS)
}

/// Data of `g` every 10 ms from `from` to `to` (ns).
fn stream(m: &mut Measure<Ipv4Addr>, g: Ipv4Addr, from: u64, to: u64) {
    let mut t = from;
    while t <= to {
        m.data(t, g);
        t += 10 * MS;
    }
}

#[test]
fn join_delay_runs_from_the_join_report_to_the_first_packet_after_it() {
    let mut m = measure();
    m.report(100 * MS, 0, G1, Effect::Join);
    // A retransmission of the join changes nothing.
    m.report(120 * MS, 0, G1, Effect::Join);
    m.report(130 * MS, 1, G1, Effect::Join);
    stream(&mut m, G1, 150 * MS, 400 * MS);
    let r = m.report_now();
    let g = &r.groups[0];
    assert_eq!(g.group, Some(G1));
    assert_eq!(g.join.count, 2);
    assert_eq!(g.join.min_us, Some(20_000));
    assert_eq!(g.join.max_us, Some(50_000));
    assert_eq!(r.overall.join.count, 2);
    assert_eq!(g.packets, 26);
}

#[test]
fn leave_delay_runs_from_the_leave_to_the_last_packet_and_counts_the_overlap() {
    let mut m = measure();
    m.report(0, 0, G1, Effect::Join);
    stream(&mut m, G1, 10 * MS, 500 * MS);
    m.report(505 * MS, 0, G1, Effect::Leave);
    // The router stops 40 ms later: packets at 510, 520, 530, 540 ms.
    stream(&mut m, G1, 510 * MS, 540 * MS);
    m.finish(5000 * MS);
    let r = m.report_now();
    let g = &r.groups[0];
    assert_eq!(g.leave.count, 1);
    assert_eq!(g.leave.max_us, Some(35_000));
    assert_eq!(g.packets_after_leave, 4);
    assert_eq!(g.leaves_not_stopped, 0);
    assert_eq!(r.overall.packets_after_leave, 4);
}

#[test]
fn a_leave_before_any_data_counts_as_never_received_and_so_does_the_end() {
    let mut m = measure();
    m.report(0, 0, G1, Effect::Join);
    m.report(50 * MS, 0, G1, Effect::Leave);
    m.report(60 * MS, 1, G2, Effect::Join);
    m.finish(1000 * MS);
    let r = m.report_now();
    assert_eq!(r.overall.never_received, 2);
    assert_eq!(r.overall.join.count, 0);
    assert_eq!(r.overall.leave.count, 0);
}

#[test]
fn data_that_never_stops_after_a_leave_is_no_leave_delay() {
    let mut m = measure();
    m.report(0, 0, G1, Effect::Join);
    stream(&mut m, G1, 10 * MS, 1000 * MS);
    m.report(1005 * MS, 0, G1, Effect::Leave);
    stream(&mut m, G1, 1010 * MS, 3000 * MS);
    m.finish(3000 * MS);
    let g = &m.report_now().groups[0];
    assert_eq!(g.leave.count, 0);
    assert_eq!(g.leaves_not_stopped, 1);
    assert_eq!(g.packets_after_leave, 200);
}

#[test]
fn a_rejoin_settles_the_previous_leave_and_measures_a_new_join() {
    let mut m = measure();
    m.report(0, 0, G1, Effect::Join);
    stream(&mut m, G1, 10 * MS, 100 * MS);
    m.report(100 * MS, 0, G1, Effect::Leave);
    // Silence for 2 s, then a rejoin (zapping back) and data 30 ms later.
    m.report(2100 * MS, 0, G1, Effect::Join);
    stream(&mut m, G1, 2130 * MS, 2200 * MS);
    let g = &m.report_now().groups[0];
    assert_eq!(g.leave.count, 1);
    assert_eq!(g.leave.max_us, Some(0));
    assert_eq!(g.join.count, 2);
    assert_eq!(g.join.max_us, Some(30_000));
}

#[test]
fn capacity_is_the_most_groups_with_members_and_data_at_once() {
    let mut m = measure();
    m.report(0, 0, G1, Effect::Join);
    m.report(0, 0, G2, Effect::Join);
    stream(&mut m, G1, 10 * MS, 100 * MS);
    m.sample(100 * MS);
    assert_eq!(m.report_now().group_capacity, 1);
    stream(&mut m, G2, 110 * MS, 200 * MS);
    m.sample(200 * MS);
    assert_eq!(m.report_now().group_capacity, 2);
    // Long silence: nothing flows, the maximum stays.
    m.sample(10_000 * MS);
    assert_eq!(m.report_now().group_capacity, 2);
}

#[test]
fn data_of_a_group_nobody_joined_is_counted_apart() {
    let mut m = measure();
    m.data(0, G1);
    // A leave of a group never joined makes no group either.
    m.report(0, 0, G2, Effect::Leave);
    let r = m.report_now();
    assert_eq!((r.unjoined_packets, r.groups.len()), (1, 0));
}

#[test]
fn data_packets_allocate_nothing_once_groups_are_known() {
    let mut m = measure();
    for h in 0..1000 {
        m.report(0, h, G1, Effect::Join);
    }
    m.data(MS, G1); // the join histogram is made here, once
    let info = allocation_counter::measure(|| {
        for i in 0..10_000u64 {
            m.data(2 * MS + i, G1);
            m.data(2 * MS + i, G2);
        }
    });
    assert_eq!(info.count_total, 0);
    assert_eq!(m.report_now().groups[0].join.count, 1000);
}

#[test]
fn the_report_serializes_with_per_group_and_overall_figures() {
    let mut m = measure();
    m.report(0, 0, G1, Effect::Join);
    m.data(3 * MS, G1);
    let r = m.report_now();
    assert_eq!(r.overall.join.median_us, Some(3000));
    assert!(r.overall.join.line().contains("median=3.000ms"));
    assert_eq!(r.overall.join.histogram.len(), 1);
    assert_eq!(r.overall.join.histogram[0].le_us, 4096);
}
