//! The host engine's steady-state paths: answering a General Query for a
//! host with 1, 100 and 10,000 groups (query in, timer, every report out),
//! for IGMP and for MLD (`gmp_mld_general_query`), and a state change of
//! 64 sources (the call, the report, its retransmission). Memory per host is a test (`tests/host.rs`,
//! `memory_per_host`), not a bench.
//!
//! cargo bench -p ipv4kit-gmp --bench host

use std::hint::black_box;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ipv4kit_gmp::{Config, FilterMode, Host, Igmp, Instant, Mld, MldRx, Requester, RxMeta};
use ipv4kit_wire::igmp::{IgmpMessage, MaxRespCode, Qqic, QueryV3, ALL_SYSTEMS};
use rand_core::SeedableRng;
use rand_xorshift::XorShiftRng;

type H = Host<Igmp, XorShiftRng>;

fn host(groups: u32) -> H {
    let config = Config {
        max_groups: 20_000,
        max_groups_per_requester: 20_000,
        max_sources_per_filter: 64,
        ..Config::default()
    };
    let mut h = Host::new(config, XorShiftRng::seed_from_u64(1));
    let t = Instant::from_secs(1);
    for i in 0..groups {
        h.join(
            t,
            Requester(1),
            Ipv4Addr::from(0xe801_0000 ^ 0x0f00_0000 | i),
        )
        .unwrap();
    }
    settle(&mut h, &mut [0u8; 1500]);
    h
}

/// Runs every timer and takes out every message; returns the count.
fn settle(h: &mut H, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while let Some(at) = h.poll_timeout() {
        h.handle_timeout(at);
        while let Some(t) = h.poll_transmit(buf) {
            black_box(t.unwrap());
            n += 1;
        }
    }
    while h.poll_transmit(buf).is_some() {
        n += 1;
    }
    n
}

fn general_query(c: &mut Criterion) {
    let mut q = [0u8; 12];
    QueryV3 {
        max_resp_code: MaxRespCode::from_tenths(100),
        group: Ipv4Addr::UNSPECIFIED,
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_secs(125),
        sources: &[],
    }
    .emit(&mut q)
    .unwrap();
    let msg = IgmpMessage::parse(&q).unwrap();
    let meta = RxMeta {
        destination: ALL_SYSTEMS,
        router_alert: true,
    };
    let mut group = c.benchmark_group("gmp_general_query");
    for n in [1u32, 100, 10_000] {
        let mut h = host(n);
        let mut buf = [0u8; 1500];
        let mut now = Instant::from_secs(100);
        group.throughput(Throughput::Elements(u64::from(n)));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                now = now + Duration::from_secs(20);
                h.handle_message(now, &msg, meta);
                settle(&mut h, &mut buf)
            })
        });
    }
    group.finish();
}

fn state_change_64_sources(c: &mut Criterion) {
    let mut h = host(0);
    let g = Ipv4Addr::new(239, 9, 9, 9);
    let a: Vec<Ipv4Addr> = (0..64u32)
        .map(|i| Ipv4Addr::from(0xc612_0100 + i))
        .collect();
    let b: Vec<Ipv4Addr> = (0..64u32)
        .map(|i| Ipv4Addr::from(0xc612_0200 + i))
        .collect();
    let mut buf = [0u8; 1500];
    let mut now = Instant::from_secs(100);
    let mut flip = false;
    c.bench_function("gmp_state_change_64_sources", |bench| {
        bench.iter(|| {
            now = now + Duration::from_secs(5);
            flip = !flip;
            let sources = if flip { &a } else { &b };
            h.set_filter(now, Requester(1), g, FilterMode::Include, sources)
                .unwrap();
            settle(&mut h, &mut buf)
        })
    });
}

type H6 = Host<Mld, XorShiftRng>;

fn mld_host(groups: u32) -> H6 {
    let config = Config {
        max_groups: 20_000,
        max_groups_per_requester: 20_000,
        ..Config::default()
    };
    let mut h: H6 = Host::new(config, XorShiftRng::seed_from_u64(1));
    h.set_source(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1))
        .unwrap();
    let t = Instant::from_secs(1);
    for i in 0..groups {
        let g = Ipv6Addr::new(0xff15, 0, 0, 0, 0, 0x4d, (i >> 16) as u16, i as u16);
        h.join(t, Requester(1), g).unwrap();
    }
    let mut buf = [0u8; 1500];
    while let Some(at) = h.poll_timeout() {
        h.handle_timeout(at);
        while h.poll_transmit(&mut buf).is_some() {}
    }
    h
}

fn mld_general_query(c: &mut Criterion) {
    use ipv4kit_wire::mld::{self, MldMessage};
    let querier = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2);
    let mut q = [0u8; 28];
    mld::QueryV2 {
        max_resp_code: mld::MaxRespCode::from_millis(10_000),
        group: Ipv6Addr::UNSPECIFIED,
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_secs(125),
        sources: &[],
    }
    .emit(querier, mld::ALL_NODES, &mut q)
    .unwrap();
    let msg = MldRx::new(
        MldMessage::parse(&q, querier, mld::ALL_NODES).unwrap(),
        querier,
    );
    let meta = RxMeta {
        destination: mld::ALL_NODES,
        router_alert: true,
    };
    let mut group = c.benchmark_group("gmp_mld_general_query");
    for n in [1u32, 100, 10_000] {
        let mut h = mld_host(n);
        let mut buf = [0u8; 1500];
        let mut now = Instant::from_secs(100);
        group.throughput(Throughput::Elements(u64::from(n)));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                now = now + Duration::from_secs(20);
                h.handle_message(now, &msg, meta);
                let mut sent = 0;
                while let Some(at) = h.poll_timeout() {
                    h.handle_timeout(at);
                    while let Some(t) = h.poll_transmit(&mut buf) {
                        black_box(t.unwrap());
                        sent += 1;
                    }
                }
                sent
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    general_query,
    mld_general_query,
    state_change_64_sources
);
criterion_main!(benches);
