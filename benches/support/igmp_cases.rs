//! The IGMPv3 report walks compared in `benches/igmp.rs` and counted in
//! `benches/callgrind.rs`: one definition, so criterion and callgrind
//! measure the same code.

use std::net::Ipv4Addr;

use etherparse::IgmpSlice;
use ipv4kit::wire::igmp::{GroupRecordRepr, GroupRecordType, IgmpMessage, ReportV3};

/// The walk sizes: (records, sources per record).
pub const SIZES: [(u32, u32); 7] = [(1, 0), (1, 8), (16, 0), (16, 4), (16, 8), (64, 4), (64, 8)];

/// `n` unicast sources.
pub fn sources(n: u32) -> Vec<Ipv4Addr> {
    (0..n).map(|i| Ipv4Addr::from(0xc612_0001 + i)).collect()
}

/// `n` MODE_IS_INCLUDE records, each with `srcs`.
pub fn records<'a>(n: u32, srcs: &'a [Ipv4Addr]) -> Vec<GroupRecordRepr<'a>> {
    (0..n)
        .map(|g| GroupRecordRepr {
            record_type: GroupRecordType::ModeIsInclude,
            group: Ipv4Addr::from(0xe800_0100 + g),
            sources: srcs,
            aux_data: &[],
        })
        .collect()
}

/// An IGMPv3 report of `n_records` records of `n_sources` sources each.
pub fn report(n_records: u32, n_sources: u32) -> Vec<u8> {
    let srcs = sources(n_sources);
    let recs = records(n_records, &srcs);
    let r = ReportV3 { records: &recs };
    let mut buf = vec![0u8; r.buffer_len()];
    r.emit(&mut buf).unwrap();
    buf
}

/// ipv4kit: parse (checksum verified), then every record and source.
pub fn walk_ours(bytes: &[u8]) -> u32 {
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

/// etherparse: its IGMP slice, checksum check, its record iterator.
pub fn walk_etherparse(bytes: &[u8]) -> u32 {
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
