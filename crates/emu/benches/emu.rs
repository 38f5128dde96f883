//! 100,000 emulated hosts holding one group each, sans-IO (no socket):
//! all of them joining (the call, the State-Change Report written as an
//! IPv4 datagram), and all of them answering one General Query (the query
//! handed to every host, every timer run from the one heap, every report
//! written). Memory per host is printed first (allocation-counter: bytes
//! held by the emulator with every host joined and settled, divided by the
//! hosts).
//!
//! cargo bench -p ipv4kit-emu --bench emu

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ipv4kit_emu::{EmuConfig, Emulator, HostOp};
use ipv4kit_gmp::{Config, Igmp, Instant, RxMeta};
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

/// Every host joins; returns the reports written.
fn join_all(e: &mut Emulator<Igmp>, buf: &mut [u8]) -> u64 {
    let mut n = 0;
    for h in 0..HOSTS {
        e.apply(Instant::ZERO, h, HostOp::Join(GROUP)).unwrap();
        while let Some(d) = e.poll_transmit(buf) {
            black_box(d.unwrap());
            n += 1;
        }
    }
    n
}

/// Runs every timer up to `end`; returns the reports written.
fn run_until(e: &mut Emulator<Igmp>, buf: &mut [u8], end: Instant) -> u64 {
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
    join_all(&mut e, &mut buf);
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
                assert_eq!(join_all(&mut e, &mut buf), u64::from(HOSTS));
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

criterion_group!(emu, benches);
criterion_main!(emu);
