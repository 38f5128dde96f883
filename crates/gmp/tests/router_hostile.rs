//! Hostile input: reports naming a million distinct groups and ten
//! thousand sources per group. The caps hold and memory stays flat: the
//! router's heap after a flood ten times larger is the same.

mod router_common;

use std::net::Ipv4Addr;

use ipv4kit_gmp::{Igmp, Instant, Router, RouterConfig};
use ipv4kit_wire::igmp::GroupRecordType::{ModeIsExclude, ModeIsInclude};
use router_common::*;

const MAX_GROUPS: usize = 1000;
const MAX_SOURCES: usize = 64;

fn capped() -> Router<Igmp> {
    let mut c = RouterConfig::new(ME);
    c.max_groups = MAX_GROUPS;
    c.max_sources_per_group = MAX_SOURCES;
    router_with(c)
}

/// `groups` distinct groups, 1000 IS_EX {} records a report.
fn group_flood(r: &mut Router<Igmp>, groups: u32) {
    let base = u32::from(Ipv4Addr::new(239, 0, 0, 0));
    let mut n = 0;
    while n < groups {
        let addrs: Vec<Ipv4Addr> = (n..(n + 1000).min(groups))
            .map(|i| Ipv4Addr::from(base + i))
            .collect();
        let records: Vec<_> = addrs.iter().map(|&g| (ModeIsExclude, g, &[][..])).collect();
        feed(r, Instant::from_secs(1), &report(&records));
        n += 1000;
    }
}

/// `groups` groups with `sources` distinct sources each, one record each.
fn source_flood(r: &mut Router<Igmp>, groups: u32, sources: u32) {
    let all: Vec<Ipv4Addr> = (0..sources)
        .map(|i| Ipv4Addr::from(0xc612_0000 + i))
        .collect();
    for g in 0..groups {
        let group = Ipv4Addr::from(u32::from(Ipv4Addr::new(238, 0, 0, 0)) + g);
        feed(
            r,
            Instant::from_secs(1),
            &report(&[(ModeIsInclude, group, &all)]),
        );
    }
}

fn heap_after(flood: impl FnOnce(&mut Router<Igmp>)) -> (u64, Router<Igmp>) {
    let mut out = None;
    let info = allocation_counter::measure(|| {
        let mut r = capped();
        flood(&mut r);
        out = Some(r);
    });
    (info.bytes_current.max(0) as u64, out.unwrap())
}

#[test]
fn a_million_groups_stay_within_the_group_cap_and_memory_is_flat() {
    let (small, r) = heap_after(|r| group_flood(r, 100_000));
    assert_eq!(r.group_count(), MAX_GROUPS);
    let (large, r) = heap_after(|r| group_flood(r, 1_000_000));
    assert_eq!(r.group_count(), MAX_GROUPS);
    assert_eq!(r.counters().groups_refused, 1_000_000 - MAX_GROUPS as u64);
    println!("heap after 10^5 groups: {small} B, after 10^6: {large} B");
    assert!(large <= small + small / 10, "{small} -> {large}");
    assert!(large < 1 << 20, "{large} B for {MAX_GROUPS} groups");
}

#[test]
fn ten_thousand_sources_a_group_stay_within_the_source_cap_and_memory_is_flat() {
    let (small, r) = heap_after(|r| source_flood(r, 100, 1_000));
    assert_eq!(r.source_count(), 100 * MAX_SOURCES);
    let (large, r) = heap_after(|r| source_flood(r, 100, 10_000));
    assert_eq!(r.source_count(), 100 * MAX_SOURCES);
    assert_eq!(
        r.counters().sources_refused,
        100 * (10_000 - MAX_SOURCES as u64)
    );
    println!("heap after 10^3 sources a group: {small} B, after 10^4: {large} B");
    // The scratch buffer for one record's sources grows with the largest
    // record (at most 65535 sources by the wire format), nothing else.
    assert!(large <= small + 4 * 10_000 + 4096, "{small} -> {large}");
}
