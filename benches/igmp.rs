//! IGMP: walking IGMPv3 reports (checksum verified, every record and source
//! touched) and emitting queries and reports, ipv4kit against etherparse 0.21
//! and smoltcp 0.14 where they have the message.
//!
//! `cargo bench --bench igmp`

#[path = "support/cpu_time.rs"]
mod thread_cpu;
use std::hint::black_box;
use std::net::Ipv4Addr;
use thread_cpu::ThreadCpu;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use etherparse::IgmpSlice;
use ipv4kit::wire::igmp::{
    GroupRecordRepr, GroupRecordType, IgmpMessage, MaxRespCode, Qqic, QueryV3, ReportV2, ReportV3,
};

fn sources(n: u32) -> Vec<Ipv4Addr> {
    (0..n).map(|i| Ipv4Addr::from(0xc612_0001 + i)).collect()
}

fn records<'a>(n: u32, srcs: &'a [Ipv4Addr]) -> Vec<GroupRecordRepr<'a>> {
    (0..n)
        .map(|g| GroupRecordRepr {
            record_type: GroupRecordType::ModeIsInclude,
            group: Ipv4Addr::from(0xe800_0100 + g),
            sources: srcs,
            aux_data: &[],
        })
        .collect()
}

fn report(n_records: u32, n_sources: u32) -> Vec<u8> {
    let srcs = sources(n_sources);
    let recs = records(n_records, &srcs);
    let r = ReportV3 { records: &recs };
    let mut buf = vec![0u8; r.buffer_len()];
    r.emit(&mut buf).unwrap();
    buf
}

fn walk_ours(bytes: &[u8]) -> u32 {
    let Ok(IgmpMessage::ReportV3(r)) = IgmpMessage::parse(bytes) else {
        panic!("not a valid v3 report");
    };
    let mut acc = 0u32;
    for rec in r.records() {
        acc ^= u32::from(rec.group());
        for s in rec.sources() {
            acc = acc.wrapping_add(u32::from(s));
        }
    }
    acc
}

fn walk_etherparse(bytes: &[u8]) -> u32 {
    let Ok(slice) = IgmpSlice::from_slice(bytes) else {
        panic!("etherparse rejected the report");
    };
    assert!(slice.is_checksum_valid());
    let IgmpSlice::MembershipReportV3(r) = slice else {
        panic!("not a v3 report");
    };
    let mut acc = 0u32;
    for rec in r.group_records() {
        let rec = rec.expect("record");
        acc ^= u32::from_be_bytes(rec.multicast_address());
        for s in rec.source_addresses() {
            acc = acc.wrapping_add(u32::from_be_bytes(s));
        }
    }
    acc
}

fn bench_walk(c: &mut Criterion<ThreadCpu>) {
    let mut group = c.benchmark_group("igmpv3_report_walk");
    for (n_records, n_sources) in [(1, 0), (1, 8), (16, 0), (16, 4), (16, 8), (64, 4), (64, 8)] {
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
