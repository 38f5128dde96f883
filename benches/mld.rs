//! IPv6 and MLD: the IPv6 fixed header and the walk to the upper layer,
//! and walking MLDv2 reports (checksum over the pseudo-header verified, every
//! record and source touched), ipv4kit against etherparse 0.21, smoltcp 0.14
//! and pnet_packet 0.35 where they have the message.
//!
//! etherparse has no MLDv2 record view: its row is its ICMPv6 slice with the
//! checksum check and the record walk a user of it would write.
//!
//! `cargo bench --bench mld`

#[path = "support/cpu_time.rs"]
mod thread_cpu;
use std::hint::black_box;
use std::net::Ipv6Addr;
use thread_cpu::ThreadCpu;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ipv4kit::wire::ipv6::Ipv6Packet;
use ipv4kit::wire::mld::{
    emit_datagram, GroupRecordRepr, GroupRecordType, MldMessage, ReportV2, ALL_MLDV2_ROUTERS,
};
use smoltcp::phy::ChecksumCapabilities;

const SRC: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0x215, 0x17ff, 0xfecc, 0xe546);

fn sources(n: u32) -> Vec<Ipv6Addr> {
    (0..n)
        .map(|i| Ipv6Addr::from((0x2001_0db8_u128 << 96) | (u128::from(i) + 1)))
        .collect()
}

fn report(n_records: u32, n_sources: u32) -> Vec<u8> {
    let srcs = sources(n_sources);
    let recs: Vec<GroupRecordRepr<'_>> = (0..n_records)
        .map(|g| GroupRecordRepr {
            record_type: GroupRecordType::ModeIsInclude,
            group: Ipv6Addr::from((0xff3e_u128 << 112) | 0x8000_0000 | u128::from(g)),
            sources: &srcs,
            aux_data: &[],
        })
        .collect();
    let r = ReportV2 { records: &recs };
    let mut buf = vec![0u8; r.buffer_len()];
    r.emit(SRC, ALL_MLDV2_ROUTERS, &mut buf).unwrap();
    buf
}

fn fold(acc: u32, a: &[u8]) -> u32 {
    acc.wrapping_add(u32::from_be_bytes([a[12], a[13], a[14], a[15]]))
}

fn walk_ours(bytes: &[u8]) -> u32 {
    let Ok(MldMessage::ReportV2(r)) = MldMessage::parse(bytes, SRC, ALL_MLDV2_ROUTERS) else {
        panic!("not a valid v2 report");
    };
    let mut acc = 0u32;
    for rec in r.records() {
        acc ^= fold(0, &rec.group().octets());
        for s in rec.sources() {
            acc = fold(acc, &s.octets());
        }
    }
    acc
}

fn walk_etherparse(bytes: &[u8]) -> u32 {
    let slice = etherparse::Icmpv6Slice::from_slice(bytes).expect("icmpv6");
    assert!(slice.is_checksum_valid(SRC.octets(), ALL_MLDV2_ROUTERS.octets()));
    assert_eq!(slice.type_u8(), 143);
    let body = slice.slice();
    let count = u16::from_be_bytes([body[6], body[7]]);
    let mut rest = &body[8..];
    let mut acc = 0u32;
    for _ in 0..count {
        assert!(rest.len() >= 20, "record header");
        let n = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        let len = 20 + 16 * n + 4 * usize::from(rest[1]);
        let rec = rest.get(..len).expect("record");
        acc ^= fold(0, &rec[4..20]);
        for s in rec[20..20 + 16 * n].chunks_exact(16) {
            acc = fold(acc, s);
        }
        rest = &rest[len..];
    }
    acc
}

fn walk_smoltcp(bytes: &[u8]) -> u32 {
    use smoltcp::wire::{Icmpv6Packet, Icmpv6Repr, MldAddressRecord, MldRepr};
    let packet = Icmpv6Packet::new_checked(bytes).expect("icmpv6");
    let repr = Icmpv6Repr::parse(
        &SRC,
        &ALL_MLDV2_ROUTERS,
        &packet,
        &ChecksumCapabilities::default(),
    )
    .expect("mld");
    let Icmpv6Repr::Mld(MldRepr::Report {
        nr_mcast_addr_rcrds,
        data,
    }) = repr
    else {
        panic!("not a report");
    };
    let mut rest = data;
    let mut acc = 0u32;
    for _ in 0..nr_mcast_addr_rcrds {
        let rec = MldAddressRecord::new_checked(rest).expect("record");
        let n = usize::from(rec.num_srcs());
        let len = 20 + 16 * n + 4 * usize::from(rec.aux_data_len());
        assert!(rest.len() >= len, "record");
        acc ^= fold(0, &rec.mcast_addr().octets());
        for s in rec.payload()[..16 * n].chunks_exact(16) {
            acc = fold(acc, s);
        }
        rest = &rest[len..];
    }
    acc
}

fn bench_walk(c: &mut Criterion<ThreadCpu>) {
    let mut group = c.benchmark_group("mldv2_report_walk");
    for (n_records, n_sources) in [(1, 0), (1, 8), (16, 0), (16, 4), (16, 8), (64, 4), (64, 8)] {
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

/// An MLDv1 report datagram: IPv6 header, hop-by-hop Router Alert, 24 octets.
fn datagram() -> Vec<u8> {
    let r = ipv4kit::wire::mld::ReportV1 {
        group: "ff02::1:ff0e:4c67".parse().unwrap(),
    };
    let mut buf = vec![0u8; 72];
    emit_datagram(&r, SRC, &mut buf).unwrap();
    buf
}

fn bench_ipv6(c: &mut Criterion<ThreadCpu>) {
    let bytes = datagram();
    let mut group = c.benchmark_group("ipv6_parse");
    group.bench_with_input(BenchmarkId::new("ipv4kit", "40"), &bytes, |b, d| {
        b.iter(|| {
            let p = Ipv6Packet::new_checked(black_box(&d[..])).unwrap();
            black_box(p.dst())
        })
    });
    group.bench_with_input(BenchmarkId::new("etherparse", "40"), &bytes, |b, d| {
        b.iter(|| {
            let h = etherparse::Ipv6HeaderSlice::from_slice(black_box(&d[..])).unwrap();
            assert!(usize::from(h.payload_length()) <= d.len() - 40);
            black_box(h.destination_addr())
        })
    });
    group.bench_with_input(BenchmarkId::new("smoltcp", "40"), &bytes, |b, d| {
        b.iter(|| {
            let p = smoltcp::wire::Ipv6Packet::new_checked(black_box(&d[..])).unwrap();
            assert_eq!(p.version(), 6);
            black_box(p.dst_addr())
        })
    });
    group.bench_with_input(BenchmarkId::new("pnet", "40"), &bytes, |b, d| {
        b.iter(|| {
            let p = pnet_packet::ipv6::Ipv6Packet::new(black_box(&d[..])).unwrap();
            assert!(p.get_version() == 6 && usize::from(p.get_payload_length()) <= d.len() - 40);
            black_box(p.get_destination())
        })
    });
    // Through the hop-by-hop header to the ICMPv6 message.
    group.bench_with_input(
        BenchmarkId::new("ipv4kit", "to_upper_hbh"),
        &bytes,
        |b, d| {
            b.iter(|| {
                let p = Ipv6Packet::new_checked(black_box(&d[..])).unwrap();
                let up = p.upper_layer().unwrap();
                black_box((up.next_header, up.payload.len(), up.router_alert))
            })
        },
    );
    group.bench_with_input(
        BenchmarkId::new("etherparse", "to_upper_hbh"),
        &bytes,
        |b, d| {
            b.iter(|| {
                let s = etherparse::Ipv6Slice::from_slice(black_box(&d[..])).unwrap();
                black_box((s.payload().ip_number, s.payload().payload.len()))
            })
        },
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = bench_walk, bench_ipv6
}
criterion_main!(benches);
