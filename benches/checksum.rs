//! The internet checksum over 20 to 9000 bytes: ipv4kit against etherparse,
//! smoltcp and pnet, same buffers, one run.
//!
//! Timed in thread CPU time (`benches/support/cpu_time.rs`), so a busy
//! machine skews the comparison less.
//!
//! `cargo bench --bench checksum` (add `RUSTFLAGS="-C target-cpu=native"` for the
//! vectorised build on this CPU).

#[path = "support/cpu_time.rs"]
mod thread_cpu;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use thread_cpu::ThreadCpu;

fn buffer(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

fn bench_checksum(c: &mut Criterion<ThreadCpu>) {
    let mut group = c.benchmark_group("checksum");
    for len in [20usize, 64, 576, 1500, 9000] {
        let data = buffer(len);
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_with_input(BenchmarkId::new("ipv4kit", len), &data, |b, d| {
            b.iter(|| ipv4kit::wire::checksum::checksum(black_box(d)))
        });
        group.bench_with_input(BenchmarkId::new("etherparse", len), &data, |b, d| {
            b.iter(|| {
                etherparse::checksum::Sum16BitWords::new()
                    .add_slice(black_box(d))
                    .ones_complement()
            })
        });
        group.bench_with_input(BenchmarkId::new("smoltcp", len), &data, |b, d| {
            b.iter(|| !smoltcp::wire::checksum::data(black_box(d)))
        });
        group.bench_with_input(BenchmarkId::new("pnet", len), &data, |b, d| {
            // skipword beyond the data: nothing skipped.
            b.iter(|| pnet_packet::util::checksum(black_box(d), usize::MAX / 2))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = bench_checksum
}
criterion_main!(benches);
