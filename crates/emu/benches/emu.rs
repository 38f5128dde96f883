//! 100,000 emulated hosts holding one group each, sans-IO (no socket):
//! all of them joining (the call, the State-Change Report written as an
//! IPv4 datagram), and all of them answering one General Query (the query
//! handed to every host, every timer run from the one heap, every report
//! written). Memory per host is printed first (allocation-counter: bytes
//! held by the emulator with every host joined and settled, divided by the
//! hosts).
//!
//! The same for 100,000 MLD hosts (`emu6/...`): link-local addresses, the
//! MLDv2 report in an IPv6 datagram with its hop-by-hop header, the
//! ICMPv6 checksum over each host's own pseudo-header.
//!
//! cargo bench -p ipv4kit-emu --bench emu

use std::hint::black_box;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ipv4kit_emu::{EmuConfig, Emulator, Family, HostOp};
use ipv4kit_gmp::{Config, Igmp, Instant, Mld, RxMeta};
use ipv4kit_wire::igmp::{IgmpMessage, MaxRespCode, Qqic, QueryV3, ALL_SYSTEMS};

const HOSTS: u32 = 100_000;
const GROUP: Ipv4Addr = Ipv4Addr::new(239, 1, 1, 1);

fn fresh() -> Emulator<Igmp> {
    Emulator::new(EmuConfig {
        hosts: HOSTS,
        first_address: Ipv4Addr::new(198, 18, 0, 1),
        host: Config::default(),
        seed: 1,
    })
    .unwrap()
}

const GROUP6: Ipv6Addr = Ipv6Addr::new(0xff1e, 0, 0, 0, 0, 0, 0x8000, 1);

fn fresh6() -> Emulator<Mld> {
    Emulator::new(EmuConfig {
        hosts: HOSTS,
        first_address: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 1, 0),
        host: Config::default(),
        seed: 1,
    })
    .unwrap()
}

/// Every host joins `group`; returns the reports written.
fn join_all<F: Family>(e: &mut Emulator<F>, group: F::Addr, buf: &mut [u8]) -> u64 {
    let mut n = 0;
    for h in 0..HOSTS {
        e.apply(Instant::ZERO, h, HostOp::Join(group)).unwrap();
        while let Some(d) = e.poll_transmit(buf) {
            black_box(d.unwrap());
            n += 1;
        }
    }
    n
}

/// Runs every timer up to `end`; returns the reports written.
fn run_until<F: Family>(e: &mut Emulator<F>, buf: &mut [u8], end: Instant) -> u64 {
    let mut n = 0;
    while let Some(t) = e.poll_timeout().filter(|t| *t <= end) {
        e.handle_timeout(t);
        while let Some(d) = e.poll_transmit(buf) {
            black_box(d.unwrap());
            n += 1;
        }
    }
    n
}

fn joined() -> Emulator<Igmp> {
    let mut e = fresh();
    let mut buf = [0u8; 1600];
    join_all(&mut e, GROUP, &mut buf);
    run_until(&mut e, &mut buf, Instant::from_secs(5));
    e
}

fn joined6() -> Emulator<Mld> {
    let mut e = fresh6();
    let mut buf = [0u8; 1600];
    join_all(&mut e, GROUP6, &mut buf);
    run_until(&mut e, &mut buf, Instant::from_secs(5));
    e
}

fn general_query() -> Vec<u8> {
    let q = QueryV3 {
        max_resp_code: MaxRespCode::from_tenths(100),
        group: Ipv4Addr::UNSPECIFIED,
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_secs(125),
        sources: &[],
    };
    let mut b = vec![0; q.buffer_len()];
    q.emit(&mut b).unwrap();
    b
}

fn memory_per_host() {
    let info = allocation_counter::measure(|| {
        let e = joined();
        assert_eq!(e.stats().hosts_joined, HOSTS);
        std::mem::forget(e);
    });
    println!(
        "emu: memory with {HOSTS} hosts joined to one group: {} bytes, {} bytes per host",
        info.bytes_current,
        info.bytes_current / i64::from(HOSTS)
    );
    let info = allocation_counter::measure(|| {
        let e = joined6();
        assert_eq!(e.stats().hosts_joined, HOSTS);
        std::mem::forget(e);
    });
    println!(
        "emu6: memory with {HOSTS} MLD hosts joined to one group: {} bytes, {} bytes per host",
        info.bytes_current,
        info.bytes_current / i64::from(HOSTS)
    );
}

fn mld_general_query() -> Vec<u8> {
    let q = ipv4kit_wire::mld::QueryV2 {
        max_resp_code: ipv4kit_wire::mld::MaxRespCode::from_duration(Duration::from_secs(10)),
        group: Ipv6Addr::UNSPECIFIED,
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_secs(125),
        sources: &[],
    };
    let mut b = vec![0; q.buffer_len()];
    q.emit(QUERIER6, ipv4kit_wire::mld::ALL_NODES, &mut b)
        .unwrap();
    b
}

const QUERIER6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2);

fn benches6(c: &mut Criterion) {
    let mut g = c.benchmark_group("emu6");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(u64::from(HOSTS)));
    g.bench_function("join_100k_mld_hosts", |b| {
        let mut buf = [0u8; 1600];
        b.iter_batched(
            fresh6,
            |mut e| {
                assert_eq!(join_all(&mut e, GROUP6, &mut buf), u64::from(HOSTS));
                e
            },
            BatchSize::PerIteration,
        )
    });
    let q = mld_general_query();
    g.bench_function("general_query_100k_mld_hosts", |b| {
        let mut buf = [0u8; 1600];
        let all = ipv4kit_wire::mld::ALL_NODES;
        let msg = ipv4kit_gmp::MldRx::new(
            ipv4kit_wire::mld::MldMessage::parse(&q, QUERIER6, all).unwrap(),
            QUERIER6,
        );
        let meta = RxMeta {
            destination: all,
            router_alert: true,
        };
        b.iter_batched(
            joined6,
            |mut e| {
                let t0 = Instant::from_secs(10);
                assert_eq!(e.handle_message(t0, &msg, meta), HOSTS as usize);
                let sent = run_until(&mut e, &mut buf, t0 + Duration::from_secs(10));
                assert_eq!(sent, u64::from(HOSTS), "every host answers once");
                e
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    memory_per_host();
    let mut g = c.benchmark_group("emu");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(u64::from(HOSTS)));
    g.bench_function("join_100k_hosts", |b| {
        let mut buf = [0u8; 1600];
        b.iter_batched(
            fresh,
            |mut e| {
                assert_eq!(join_all(&mut e, GROUP, &mut buf), u64::from(HOSTS));
                e
            },
            BatchSize::PerIteration,
        )
    });
    let q = general_query();
    g.bench_function("general_query_100k_hosts", |b| {
        let mut buf = [0u8; 1600];
        let msg = IgmpMessage::parse(&q).unwrap();
        let meta = RxMeta {
            destination: ALL_SYSTEMS,
            router_alert: true,
        };
        b.iter_batched(
            joined,
            |mut e| {
                let t0 = Instant::from_secs(10);
                assert_eq!(e.handle_message(t0, &msg, meta), HOSTS as usize);
                let sent = run_until(&mut e, &mut buf, t0 + Duration::from_secs(10));
                assert_eq!(sent, u64::from(HOSTS), "every host answers once");
                e
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(emu, benches, benches6);
criterion_main!(emu);
