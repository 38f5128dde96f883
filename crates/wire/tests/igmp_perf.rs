//! A rough timing of the hot path, beside etherparse 0.21 on the same bytes:
//! parse a v3 report of 16 records × 4 sources with checksum verification and
//! walk every record and source. Not a criterion bench (the workspace's
//! `benches/` is the place for one); run it with
//! `cargo test --release -p ipv4kit-wire --test igmp_perf -- --ignored --nocapture`.

use core::hint::black_box;
use core::net::Ipv4Addr;
use std::time::Instant;

use etherparse::IgmpSlice;
use ipv4kit_wire::igmp::{GroupRecordRepr, GroupRecordType, IgmpMessage, ReportV3};

fn report_16x4() -> Vec<u8> {
    let srcs: Vec<Ipv4Addr> = (0..4u32).map(|i| Ipv4Addr::from(0x0a00_0001 + i)).collect();
    let recs: Vec<GroupRecordRepr<'_>> = (0..16u32)
        .map(|g| GroupRecordRepr {
            record_type: GroupRecordType::ModeIsInclude,
            group: Ipv4Addr::from(0xe800_0000 + g),
            sources: &srcs,
            aux_data: &[],
        })
        .collect();
    let r = ReportV3 { records: &recs };
    let mut buf = vec![0u8; r.buffer_len()];
    r.emit(&mut buf).unwrap();
    buf
}

#[inline(never)]
fn ours(bytes: &[u8]) -> u32 {
    let Ok(IgmpMessage::ReportV3(r)) = IgmpMessage::parse(bytes) else {
        return 0;
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

/// The least a record walk can do: follow the lengths, touch each group.
#[inline(never)]
fn floor(b: &[u8]) -> u32 {
    let mut rest = b.get(8..).unwrap_or(&[]);
    let mut acc = 0u32;
    while let Some((h, t)) = rest.split_first_chunk::<8>() {
        let n = 4 * usize::from(u16::from_be_bytes([h[2], h[3]])) + 4 * usize::from(h[1]);
        acc ^= u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
        rest = t.get(n..).unwrap_or(&[]);
    }
    acc
}

#[inline(never)]
fn records_only(bytes: &[u8]) -> u32 {
    let Ok(IgmpMessage::ReportV3(r)) = IgmpMessage::parse_lenient(bytes) else {
        return 0;
    };
    let mut acc = 0u32;
    for rec in r.records() {
        acc ^= u32::from(rec.group()) ^ u32::from(rec.num_sources());
    }
    acc
}

#[inline(never)]
fn theirs(bytes: &[u8]) -> u32 {
    let Ok(IgmpSlice::MembershipReportV3(r)) = IgmpSlice::from_slice(bytes) else {
        return 0;
    };
    if !IgmpSlice::MembershipReportV3(r.clone()).is_checksum_valid() {
        return 0;
    }
    let mut acc = 0u32;
    for rec in r.group_records() {
        let Ok(rec) = rec else { return 0 };
        acc ^= u32::from_be_bytes(rec.multicast_address());
        for s in rec.source_addresses() {
            acc = acc.wrapping_add(u32::from_be_bytes(s));
        }
    }
    acc
}

fn time(name: &str, f: fn(&[u8]) -> u32, bytes: &[u8]) -> f64 {
    const N: u32 = 200_000;
    let mut best = f64::MAX;
    for _ in 0..50 {
        let t = Instant::now();
        let mut acc = 0u32;
        for _ in 0..N {
            acc = acc.wrapping_add(f(black_box(bytes)));
        }
        black_box(acc);
        best = best.min(t.elapsed().as_nanos() as f64 / f64::from(N));
    }
    println!("{name}: {best:.1} ns per report ({} octets)", bytes.len());
    best
}

#[test]
#[ignore = "timing; run in release with --ignored --nocapture"]
fn v3_report_16x4_parse_and_walk_timing() {
    let b = report_16x4();
    assert_eq!(ours(&b), theirs(&b));
    assert_ne!(ours(&b), 0);
    time("ipv4kit-wire", ours, &b);
    time("etherparse 0.21", theirs, &b);
    time(
        "  checksum only",
        |b| u32::from(ipv4kit_wire::checksum::verify(b)),
        &b,
    );
    time(
        "  strict parse only",
        |b| u32::from(IgmpMessage::parse(b).is_ok()),
        &b,
    );
    time(
        "  lenient parse only",
        |b| u32::from(IgmpMessage::parse_lenient(b).is_ok()),
        &b,
    );
    time("  floor: bare chain walk, 16 records", floor, &b);
    time(
        "  lenient parse twice",
        |b| {
            u32::from(IgmpMessage::parse_lenient(b).is_ok())
                + u32::from(IgmpMessage::parse_lenient(black_box(b)).is_ok())
        },
        &b,
    );
    time("  lenient parse + records only", records_only, &b);
    time(
        "  lenient parse + floor walk",
        |b| {
            let Ok(IgmpMessage::ReportV3(_)) = IgmpMessage::parse_lenient(b) else {
                return 0;
            };
            floor(b)
        },
        &b,
    );
    time(
        "  lenient parse + walk",
        |b| {
            let Ok(IgmpMessage::ReportV3(r)) = IgmpMessage::parse_lenient(b) else {
                return 0;
            };
            let mut acc = 0u32;
            for rec in r.records() {
                acc ^= u32::from(rec.group());
                for s in rec.sources() {
                    acc = acc.wrapping_add(u32::from(s));
                }
            }
            acc
        },
        &b,
    );
}
