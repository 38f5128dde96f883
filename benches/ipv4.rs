//! IPv4 header parse with full validation (checksum included), 20- and
//! 24-byte headers: ipv4kit against etherparse, smoltcp and pnet_packet.
//!
//! Timed in thread CPU time (`benches/support/cpu_time.rs`), like the
//! checksum, IGMP and MLD benches.
//!
//! `cargo bench --bench ipv4`

#[path = "support/cpu_time.rs"]
mod thread_cpu;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pnet_packet::Packet as _;
use std::hint::black_box;
use thread_cpu::ThreadCpu;

/// tcpdump's IGMP_V2.pcap frame 3 without its Router Alert, and Fuchsia's v2 report
/// (Router Alert), each followed by its 8-byte IGMP message.
fn headers() -> [(&'static str, Vec<u8>); 2] {
    let plain = hex("4500001c000000000102d7d2c0a80bc9e10a0a0a1600feeae10a0a0a");
    let ra = hex("4600002000000000010272c8c0a80165ef010101940400001600f9fcef010101");
    [("20", fix(plain)), ("24", ra)]
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Recompute the header checksum so the vector is valid whatever its origin.
fn fix(mut p: Vec<u8>) -> Vec<u8> {
    let hl = usize::from(p[0] & 0xf) * 4;
    p[10..12].fill(0);
    let c = ipv4kit::wire::checksum::checksum(&p[..hl]);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p
}

fn bench_parse(c: &mut Criterion<ThreadCpu>) {
    let mut group = c.benchmark_group("ipv4_parse_verify");
    for (name, bytes) in headers() {
        group.bench_with_input(BenchmarkId::new("ipv4kit", name), &bytes, |b, d| {
            b.iter(|| {
                let p = ipv4kit::wire::ipv4::Ipv4Packet::new_checked(black_box(&d[..])).unwrap();
                black_box(p.dst())
            })
        });
        group.bench_with_input(BenchmarkId::new("etherparse", name), &bytes, |b, d| {
            b.iter(|| {
                let h = etherparse::Ipv4HeaderSlice::from_slice(black_box(&d[..])).unwrap();
                let ok = etherparse::checksum::Sum16BitWords::new()
                    .add_slice(h.slice())
                    .ones_complement()
                    == 0;
                assert!(ok);
                black_box(h.destination())
            })
        });
        group.bench_with_input(BenchmarkId::new("smoltcp", name), &bytes, |b, d| {
            b.iter(|| {
                let p = smoltcp::wire::Ipv4Packet::new_checked(black_box(&d[..])).unwrap();
                assert!(p.verify_checksum());
                black_box(p.dst_addr())
            })
        });
        group.bench_with_input(BenchmarkId::new("pnet", name), &bytes, |b, d| {
            b.iter(|| {
                let p = pnet_packet::ipv4::Ipv4Packet::new(black_box(&d[..])).unwrap();
                assert!(
                    p.get_version() == 4 && usize::from(p.get_total_length()) <= p.packet().len()
                );
                assert_eq!(pnet_packet::ipv4::checksum(&p), p.get_checksum());
                black_box(p.get_destination())
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = bench_parse
}
criterion_main!(benches);
