//! IGMP: walking IGMPv3 reports (checksum verified, every record and source
//! touched) and emitting queries and reports, ipv4kit against etherparse 0.21
//! and smoltcp 0.14 where they have the message.
//!
//! `cargo bench --bench igmp`

#[path = "support/igmp_cases.rs"]
mod igmp_cases;
#[path = "support/cpu_time.rs"]
mod thread_cpu;
use std::hint::black_box;
use std::net::Ipv4Addr;
use thread_cpu::ThreadCpu;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use igmp_cases::*;
use ipv4kit::wire::igmp::{MaxRespCode, Qqic, QueryV3, ReportV2, ReportV3};

fn bench_walk(c: &mut Criterion<ThreadCpu>) {
    let mut group = c.benchmark_group("igmpv3_report_walk");
    for (n_records, n_sources) in SIZES {
        let bytes = report(n_records, n_sources);
        assert_eq!(walk_ours(&bytes), walk_etherparse(&bytes));
        let case = format!("{n_records}x{n_sources}");
        group.bench_with_input(BenchmarkId::new("ipv4kit", &case), &bytes, |b, d| {
            b.iter(|| walk_ours(black_box(d)))
        });
        group.bench_with_input(BenchmarkId::new("etherparse", &case), &bytes, |b, d| {
            b.iter(|| walk_etherparse(black_box(d)))
        });
    }
    group.finish();
}

fn bench_emit(c: &mut Criterion<ThreadCpu>) {
    let mut group = c.benchmark_group("igmp_emit");
    let mut buf = [0u8; 1500];

    for n in [0u32, 4] {
        let srcs = sources(n);
        let case = format!("v3_query_{n}src");
        let q = QueryV3 {
            max_resp_code: MaxRespCode(100),
            group: Ipv4Addr::new(232, 1, 1, 1),
            s_flag: false,
            qrv: 2,
            qqic: Qqic(125),
            sources: &srcs,
        };
        group.bench_function(BenchmarkId::new("ipv4kit", &case), |b| {
            b.iter(|| black_box(&q).emit(black_box(&mut buf)).unwrap())
        });
        group.bench_function(BenchmarkId::new("etherparse", &case), |b| {
            b.iter(|| {
                let srcs = black_box(&srcs);
                let mut payload = [0u8; 16];
                for (chunk, s) in payload.chunks_exact_mut(4).zip(srcs.iter()) {
                    chunk.copy_from_slice(&s.octets());
                }
                let payload = &payload[..4 * srcs.len()];
                let h = etherparse::IgmpHeader::with_checksum(
                    etherparse::IgmpType::MembershipQueryWithSources(
                        etherparse::igmp::MembershipQueryWithSourcesHeader {
                            max_response_code: etherparse::igmp::MaxResponseCode(100),
                            group_address: Ipv4Addr::new(232, 1, 1, 1).into(),
                            raw_byte_8: 2,
                            qqic: 125,
                            num_of_sources: srcs.len() as u16,
                        },
                    ),
                    payload,
                );
                let bytes = h.to_bytes();
                buf[..bytes.len()].copy_from_slice(&bytes);
                buf[bytes.len()..bytes.len() + payload.len()].copy_from_slice(payload);
                bytes.len() + payload.len()
            })
        });
    }

    let srcs = sources(4);
    let recs = records(16, &srcs);
    let r = ReportV3 { records: &recs };
    group.bench_function(BenchmarkId::new("ipv4kit", "v3_report_16x4"), |b| {
        b.iter(|| black_box(&r).emit(black_box(&mut buf)).unwrap())
    });

    let v2 = ReportV2 {
        group: Ipv4Addr::new(239, 1, 1, 1),
    };
    group.bench_function(BenchmarkId::new("ipv4kit", "v2_report"), |b| {
        b.iter(|| black_box(&v2).emit(black_box(&mut buf)).unwrap())
    });
    group.bench_function(BenchmarkId::new("smoltcp", "v2_report"), |b| {
        b.iter(|| {
            let repr = smoltcp::wire::IgmpRepr::MembershipReport {
                group_addr: black_box(Ipv4Addr::new(239, 1, 1, 1)),
                version: smoltcp::wire::IgmpVersion::Version2,
            };
            let mut packet = smoltcp::wire::IgmpPacket::new_unchecked(&mut buf[..8]);
            repr.emit(&mut packet);
            8
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = bench_walk, bench_emit
}
criterion_main!(benches);
