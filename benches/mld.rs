//! IPv6 and MLD: the IPv6 fixed header and the walk to the upper layer,
//! and walking MLDv2 reports (checksum over the pseudo-header verified, every
//! record and source touched), ipv4kit against etherparse 0.21, smoltcp 0.14
//! and pnet_packet 0.35 where they have the message.
//!
//! etherparse has no MLDv2 record view: its row is its ICMPv6 slice with the
//! checksum check and the record walk a user of it would write.
//!
//! `cargo bench --bench mld`

#[path = "support/mld_cases.rs"]
mod mld_cases;
#[path = "support/cpu_time.rs"]
mod thread_cpu;
use mld_cases::*;
use std::hint::black_box;
use thread_cpu::ThreadCpu;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn bench_walk(c: &mut Criterion<ThreadCpu>) {
    let mut group = c.benchmark_group("mldv2_report_walk");
    for (n_records, n_sources) in SIZES {
        let bytes = report(n_records, n_sources);
        assert_eq!(walk_ours(&bytes), walk_etherparse(&bytes));
        assert_eq!(walk_ours(&bytes), walk_smoltcp(&bytes));
        let case = format!("{n_records}x{n_sources}");
        group.bench_with_input(BenchmarkId::new("ipv4kit", &case), &bytes, |b, d| {
            b.iter(|| walk_ours(black_box(d)))
        });
        group.bench_with_input(BenchmarkId::new("etherparse", &case), &bytes, |b, d| {
            b.iter(|| walk_etherparse(black_box(d)))
        });
        group.bench_with_input(BenchmarkId::new("smoltcp", &case), &bytes, |b, d| {
            b.iter(|| walk_smoltcp(black_box(d)))
        });
    }
    group.finish();
}

fn bench_ipv6(c: &mut Criterion<ThreadCpu>) {
    let bytes = datagram();
    let mut group = c.benchmark_group("ipv6_parse");
    // Each a direct call, so it can be inlined into the timed loop as before.
    group.bench_with_input(BenchmarkId::new("ipv4kit", "40"), &bytes, |b, d| {
        b.iter(|| ipv6_ours(black_box(d)))
    });
    group.bench_with_input(BenchmarkId::new("etherparse", "40"), &bytes, |b, d| {
        b.iter(|| ipv6_etherparse(black_box(d)))
    });
    group.bench_with_input(BenchmarkId::new("smoltcp", "40"), &bytes, |b, d| {
        b.iter(|| ipv6_smoltcp(black_box(d)))
    });
    group.bench_with_input(BenchmarkId::new("pnet", "40"), &bytes, |b, d| {
        b.iter(|| ipv6_pnet(black_box(d)))
    });
    // Through the hop-by-hop header to the ICMPv6 message.
    group.bench_with_input(
        BenchmarkId::new("ipv4kit", "to_upper_hbh"),
        &bytes,
        |b, d| b.iter(|| to_upper_ours(black_box(d))),
    );
    group.bench_with_input(
        BenchmarkId::new("etherparse", "to_upper_hbh"),
        &bytes,
        |b, d| b.iter(|| to_upper_etherparse(black_box(d))),
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = bench_walk, bench_ipv6
}
criterion_main!(benches);
