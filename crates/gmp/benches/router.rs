//! The router engine's report path (issue 14): IGMPv3 and MLDv2 reports of
//! 16 records × 4 sources (IS_IN) into a table of 10,000 and of 100,000
//! groups, bytes in through `Router::handle_bytes` (parse, checksum — MLD's
//! over the pseudo-header —, policy, the §6.4.1 action, timers), counted in
//! records; and filling an empty table with 100,000 such groups. Memory per
//! group and per source is a test (`tests/router_memory.rs`), not a bench.
//!
//! cargo bench -p ipv4kit-gmp --bench router

use std::hint::black_box;
use std::net::{Ipv4Addr, Ipv6Addr};

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use ipv4kit_gmp::{Igmp, Instant, Mld, Router, RouterConfig, RouterProtocol, RouterRxMeta};
use ipv4kit_wire::gmp::GroupRecordType::ModeIsInclude;
use ipv4kit_wire::{igmp, mld};

const RECORDS: usize = 16;
const SOURCES: usize = 4;

/// One report's bytes and how it was received.
struct Rx<A> {
    bytes: Vec<u8>,
    meta: RouterRxMeta<A>,
}

/// IGMPv3 reports covering `groups` groups (239.0.0.0 + i), 16 IS_IN
/// records of 4 sources each.
fn igmp_reports(groups: usize) -> Vec<Rx<Ipv4Addr>> {
    let sources: Vec<Ipv4Addr> = (1..=SOURCES as u8)
        .map(|n| Ipv4Addr::new(198, 19, 0, n))
        .collect();
    let meta = RouterRxMeta {
        source: Ipv4Addr::new(198, 18, 0, 100),
        destination: Ipv4Addr::new(224, 0, 0, 22),
        ttl: 1,
        router_alert: true,
    };
    let base = u32::from(Ipv4Addr::new(239, 0, 0, 0));
    (0..groups)
        .step_by(RECORDS)
        .map(|first| {
            let records: Vec<_> = (first..first + RECORDS)
                .map(|i| igmp::GroupRecordRepr {
                    record_type: ModeIsInclude,
                    group: Ipv4Addr::from(base + i as u32),
                    sources: &sources,
                    aux_data: &[],
                })
                .collect();
            let r = igmp::ReportV3 { records: &records };
            let mut bytes = vec![0; r.buffer_len()];
            r.emit(&mut bytes).unwrap();
            Rx { bytes, meta }
        })
        .collect()
}

/// MLDv2 reports covering `groups` groups (ff1e::i), 16 IS_IN records of
/// 4 sources each, checksummed from fe80::100 to ff02::16.
fn mld_reports(groups: usize) -> Vec<Rx<Ipv6Addr>> {
    let sources: Vec<Ipv6Addr> = (1..=SOURCES as u16)
        .map(|n| Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, n))
        .collect();
    let meta = RouterRxMeta {
        source: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100),
        destination: mld::ALL_MLDV2_ROUTERS,
        ttl: 1,
        router_alert: true,
    };
    let base = Ipv6Addr::new(0xff1e, 0, 0, 0, 0, 0, 0, 0).to_bits();
    (0..groups)
        .step_by(RECORDS)
        .map(|first| {
            let records: Vec<_> = (first..first + RECORDS)
                .map(|i| mld::GroupRecordRepr {
                    record_type: ModeIsInclude,
                    group: Ipv6Addr::from_bits(base + i as u128),
                    sources: &sources,
                    aux_data: &[],
                })
                .collect();
            let r = mld::ReportV2 { records: &records };
            let mut bytes = vec![0; r.buffer_len()];
            r.emit(meta.source, meta.destination, &mut bytes).unwrap();
            Rx { bytes, meta }
        })
        .collect()
}

/// A querier whose startup query is sent, caps raised for `groups`.
fn router<P: RouterProtocol>(me: P::Addr, groups: usize) -> Router<P> {
    let mut c = RouterConfig::<P>::new(me);
    c.max_groups = groups;
    let mut r = Router::new(c, Instant::ZERO);
    r.handle_timeout(Instant::ZERO);
    let mut buf = [0u8; 1500];
    while r.poll_transmit(&mut buf).is_some() {}
    r
}

/// Feeds every report at `now` (no timer is due then).
fn feed<P: RouterProtocol>(r: &mut Router<P>, reports: &[Rx<P::Addr>], now: Instant) {
    for rx in reports {
        r.handle_bytes(now, black_box(&rx.bytes), rx.meta);
    }
}

fn family<P: RouterProtocol>(
    c: &mut Criterion,
    name: &str,
    me: P::Addr,
    reports: fn(usize) -> Vec<Rx<P::Addr>>,
) {
    let now = Instant::from_secs(1);
    let mut g = c.benchmark_group(format!("router_{name}_reports_16x4"));
    g.sample_size(20);
    for groups in [10_000, 100_000] {
        let rx = reports(groups);
        let mut r = router::<P>(me, groups);
        feed(&mut r, &rx, now);
        assert_eq!(r.group_count(), groups);
        assert_eq!(r.source_count(), groups * SOURCES);
        g.throughput(Throughput::Elements(groups as u64));
        // Steady state: every record refreshes a group that is there.
        g.bench_function(BenchmarkId::new("into_table_of", groups), |b| {
            b.iter(|| feed(&mut r, &rx, now));
        });
    }
    let groups = 100_000;
    let rx = reports(groups);
    g.throughput(Throughput::Elements(groups as u64));
    g.bench_function(BenchmarkId::new("fill_empty_table_to", groups), |b| {
        b.iter_batched(
            || router::<P>(me, groups),
            |mut r| {
                feed(&mut r, &rx, now);
                r
            },
            BatchSize::PerIteration,
        );
    });
    g.finish();
}

fn reports(c: &mut Criterion) {
    family::<Igmp>(c, "igmp", Ipv4Addr::new(198, 18, 0, 1), igmp_reports);
    family::<Mld>(
        c,
        "mld",
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1),
        mld_reports,
    );
}

criterion_group!(benches, reports);
criterion_main!(benches);
