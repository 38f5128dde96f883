//! Memory of the router's table: heap per group, per source, and a table
//! of 100,000 groups, measured with a counting allocator, for IGMP and for
//! MLD (`Router<Mld>`: 16-octet addresses in the keys and source records). The figures are
//! printed (README quotes them); the asserts are loose bounds that catch a
//! layout gone wrong, not timings.
//!
//! `cargo test -p ipv4kit-gmp --release --test router_memory -- --nocapture`

mod router_common;

use std::net::{Ipv4Addr, Ipv6Addr};

use ipv4kit_gmp::{Igmp, Instant, Mld, Router, RouterConfig, RouterProtocol, RouterRxMeta};
use ipv4kit_wire::igmp::GroupRecordType::{ModeIsExclude, ModeIsInclude};
use ipv4kit_wire::mld;
use router_common::*;

fn big(max_groups: usize, max_sources: usize) -> Router<Igmp> {
    let mut c = RouterConfig::new(ME);
    c.max_groups = max_groups;
    c.max_sources_per_group = max_sources;
    router_with(c)
}

/// Heap held by the router after `fill` (bytes allocated and not freed).
fn heap<P: RouterProtocol>(r: Router<P>, fill: impl FnOnce(&mut Router<P>)) -> (u64, Router<P>) {
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

const ME6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 5);

fn big6(max_groups: usize, max_sources: usize) -> Router<Mld> {
    let mut c = RouterConfig::new(ME6);
    c.max_groups = max_groups;
    c.max_sources_per_group = max_sources;
    let mut r = Router::new(c, Instant::ZERO);
    r.handle_timeout(Instant::ZERO);
    let mut buf = [0u8; 1500];
    while r.poll_transmit(&mut buf).is_some() {}
    r
}

/// One MLDv2 report from fe80::100 of IS_IN/IS_EX records for `groups`.
fn feed6(r: &mut Router<Mld>, rt: mld::GroupRecordType, groups: &[Ipv6Addr], sources: &[Ipv6Addr]) {
    let records: Vec<_> = groups
        .iter()
        .map(|&group| mld::GroupRecordRepr {
            record_type: rt,
            group,
            sources,
            aux_data: &[],
        })
        .collect();
    let report = mld::ReportV2 { records: &records };
    let meta = RouterRxMeta {
        source: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100),
        destination: mld::ALL_MLDV2_ROUTERS,
        ttl: 1,
        router_alert: true,
    };
    let mut buf = vec![0; report.buffer_len()];
    report
        .emit(meta.source, meta.destination, &mut buf)
        .unwrap();
    r.handle_bytes(Instant::from_secs(1), &buf, meta);
}

fn group6(i: u32) -> Ipv6Addr {
    Ipv6Addr::from_bits(Ipv6Addr::new(0xff1e, 0, 0, 0, 0, 0, 0, 0).to_bits() + u128::from(i))
}

#[test]
fn an_mld_table_of_100_000_groups_and_the_heap_per_group_and_per_source() {
    let (g100k, r) = heap(big6(100_000, 1024), |r| {
        for chunk in (0..100_000).collect::<Vec<u32>>().chunks(500) {
            let gs: Vec<Ipv6Addr> = chunk.iter().map(|&i| group6(i)).collect();
            feed6(r, mld::GroupRecordType::ModeIsExclude, &gs, &[]);
        }
    });
    assert_eq!(r.group_count(), 100_000);
    let per_group = g100k as f64 / 100_000.0;
    let sourced = |n: u16| {
        let all: Vec<Ipv6Addr> = (0..n)
            .map(|i| Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, i))
            .collect();
        heap(big6(100_000, 1024), |r| {
            for g in 0..1_000 {
                feed6(r, mld::GroupRecordType::ModeIsInclude, &[group6(g)], &all);
            }
        })
        .0
    };
    let (with, one) = (sourced(64), sourced(1));
    let per_source = with.saturating_sub(one) as f64 / 63_000.0;
    println!(
        "MLD, 100,000 groups: {g100k} B of heap ({per_group:.0} B a group); \
         per source: {per_source:.0} B (1,000 groups × 64 sources: {with} B, × 1 source: {one} B)"
    );
    assert!(per_group < 768.0, "{per_group} B a group");
    assert!(per_source < 192.0, "{per_source} B a source");
}
