//! Memory of the router's table: heap per group, per source, and a table
//! of 100,000 groups, measured with a counting allocator. The figures are
//! printed (README quotes them); the asserts are loose bounds that catch a
//! layout gone wrong, not timings.
//!
//! `cargo test -p ipv4kit-gmp --release --test router_memory -- --nocapture`

mod router_common;

use std::net::Ipv4Addr;

use ipv4kit_gmp::{Igmp, Instant, Router, RouterConfig};
use ipv4kit_wire::igmp::GroupRecordType::{ModeIsExclude, ModeIsInclude};
use router_common::*;

fn big(max_groups: usize, max_sources: usize) -> Router<Igmp> {
    let mut c = RouterConfig::new(ME);
    c.max_groups = max_groups;
    c.max_sources_per_group = max_sources;
    router_with(c)
}

/// Heap held by the router after `fill` (bytes allocated and not freed).
fn heap(r: Router<Igmp>, fill: impl FnOnce(&mut Router<Igmp>)) -> (u64, Router<Igmp>) {
    let mut out = None;
    let info = allocation_counter::measure(|| {
        let mut r = r;
        fill(&mut r);
        out = Some(r);
    });
    (info.bytes_current.max(0) as u64, out.unwrap())
}

/// `n` EXCLUDE {} groups (what a v2 report or an any-source join makes),
/// 500 records a report.
fn groups(r: &mut Router<Igmp>, n: u32) {
    let base = u32::from(Ipv4Addr::new(239, 0, 0, 0));
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let addrs: Vec<Ipv4Addr> = chunk.iter().map(|&i| Ipv4Addr::from(base + i)).collect();
        let records: Vec<_> = addrs.iter().map(|&g| (ModeIsExclude, g, &[][..])).collect();
        feed(r, Instant::from_secs(1), &report(&records));
    }
}

/// `groups` INCLUDE groups of `sources` sources each.
fn sourced(r: &mut Router<Igmp>, groups: u32, sources: u32) {
    let all: Vec<Ipv4Addr> = (0..sources)
        .map(|i| Ipv4Addr::from(0xc612_0000 + i))
        .collect();
    for g in 0..groups {
        let group = Ipv4Addr::from(u32::from(Ipv4Addr::new(232, 0, 0, 0)) + g);
        feed(
            r,
            Instant::from_secs(1),
            &report(&[(ModeIsInclude, group, &all)]),
        );
    }
}

#[test]
fn a_table_of_100_000_groups_and_the_heap_per_group_and_per_source() {
    let (g100k, r) = heap(big(100_000, 1024), |r| groups(r, 100_000));
    assert_eq!(r.group_count(), 100_000);
    let per_group = g100k as f64 / 100_000.0;
    let (table_bytes, t) = {
        let mut t = None;
        let info = allocation_counter::measure(|| t = Some(r.table(Instant::from_secs(2))));
        (info.bytes_current.max(0) as u64, t.unwrap())
    };
    assert_eq!(t.groups.len(), 100_000);
    // Sources: 1,000 INCLUDE groups of 64 sources against 1,000 of one
    // (IS_IN {} makes no group), so the groups' own heap cancels out.
    let (with, _) = heap(big(100_000, 1024), |r| sourced(r, 1_000, 64));
    let (one, _) = heap(big(100_000, 1024), |r| sourced(r, 1_000, 1));
    let per_source = with.saturating_sub(one) as f64 / 63_000.0;
    println!(
        "100,000 groups: {g100k} B of heap ({per_group:.0} B a group); \
         its RFC 8652 table (Router::table): {table_bytes} B; \
         per source: {per_source:.0} B (1,000 groups × 64 sources: {with} B, × 1 source: {one} B)"
    );
    assert!(per_group < 512.0, "{per_group} B a group");
    assert!(per_source < 128.0, "{per_source} B a source");
}
