//! The MLDv2 report walks and IPv6 header parses compared in `benches/mld.rs`
//! and counted in `benches/callgrind.rs`: one definition, so criterion and
//! callgrind measure the same code. Every function takes the input bytes and
//! returns a `u32` folded from what it read, so nothing can be optimised away.

use std::net::Ipv6Addr;

use ipv4kit::wire::ipv6::Ipv6Packet;
use ipv4kit::wire::mld::{
    emit_datagram, GroupRecordRepr, GroupRecordType, MldMessage, ReportV2, ALL_MLDV2_ROUTERS,
};
use smoltcp::phy::ChecksumCapabilities;

/// The reports' source address.
pub const SRC: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0x215, 0x17ff, 0xfecc, 0xe546);

/// The walk sizes: (records, sources per record).
pub const SIZES: [(u32, u32); 7] = [(1, 0), (1, 8), (16, 0), (16, 4), (16, 8), (64, 4), (64, 8)];

fn sources(n: u32) -> Vec<Ipv6Addr> {
    (0..n)
        .map(|i| Ipv6Addr::from((0x2001_0db8_u128 << 96) | (u128::from(i) + 1)))
        .collect()
}

/// An MLDv2 report of `n_records` records of `n_sources` sources each.
pub fn report(n_records: u32, n_sources: u32) -> Vec<u8> {
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

/// ipv4kit: parse (checksum verified), then every record and source.
pub fn walk_ours(bytes: &[u8]) -> u32 {
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

/// etherparse: its ICMPv6 slice with the checksum check, and the record walk
/// a user of it would write (it has no MLDv2 record view).
pub fn walk_etherparse(bytes: &[u8]) -> u32 {
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

/// smoltcp: `Icmpv6Repr::parse` (checksum verified) and its record view.
pub fn walk_smoltcp(bytes: &[u8]) -> u32 {
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

/// An MLDv1 report datagram: IPv6 header, hop-by-hop Router Alert, 24 octets.
pub fn datagram() -> Vec<u8> {
    let r = ipv4kit::wire::mld::ReportV1 {
        group: "ff02::1:ff0e:4c67".parse().unwrap(),
    };
    let mut buf = vec![0u8; 72];
    emit_datagram(&r, SRC, &mut buf).unwrap();
    buf
}

/// ipv4kit: the fixed header validated (version, Payload Length within the
/// buffer), the destination read.
pub fn ipv6_ours(d: &[u8]) -> u32 {
    let p = Ipv6Packet::new_checked(d).unwrap();
    fold(0, &p.dst().octets())
}

/// etherparse: `Ipv6HeaderSlice` and the Payload Length check.
pub fn ipv6_etherparse(d: &[u8]) -> u32 {
    let h = etherparse::Ipv6HeaderSlice::from_slice(d).unwrap();
    assert!(usize::from(h.payload_length()) <= d.len() - 40);
    fold(0, &h.destination_addr().octets())
}

/// smoltcp: `Ipv6Packet::new_checked` and the version check.
pub fn ipv6_smoltcp(d: &[u8]) -> u32 {
    let p = smoltcp::wire::Ipv6Packet::new_checked(d).unwrap();
    assert_eq!(p.version(), 6);
    fold(0, &p.dst_addr().octets())
}

/// pnet: `Ipv6Packet::new`, the version and Payload Length checks.
pub fn ipv6_pnet(d: &[u8]) -> u32 {
    let p = pnet_packet::ipv6::Ipv6Packet::new(d).unwrap();
    assert!(p.get_version() == 6 && usize::from(p.get_payload_length()) <= d.len() - 40);
    fold(0, &p.get_destination().octets())
}

/// ipv4kit: through the hop-by-hop header to the upper layer.
pub fn to_upper_ours(d: &[u8]) -> u32 {
    let p = Ipv6Packet::new_checked(d).unwrap();
    let up = p.upper_layer().unwrap();
    u32::from(up.next_header) ^ up.payload.len() as u32 ^ u32::from(up.router_alert.is_some())
}

/// etherparse: `Ipv6Slice` (the extension headers walked) to its payload.
pub fn to_upper_etherparse(d: &[u8]) -> u32 {
    let s = etherparse::Ipv6Slice::from_slice(d).unwrap();
    u32::from(s.payload().ip_number.0) ^ s.payload().payload.len() as u32
}
