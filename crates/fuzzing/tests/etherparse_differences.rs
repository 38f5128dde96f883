//! Facts about etherparse 0.21 that the differential body relies on, each
//! from a fuzzer finding (see `differential::DELIBERATE_DIFFERENCES`).

use etherparse::Ipv4HeaderSlice;
use ipv4kit_wire::ipv4::{Ipv4Error, Ipv4Packet};

/// fuzz/regressions/differential_etherparse/reserved-flag-etherparse-to-header:
/// a header with the reserved flag set and a stale checksum. etherparse's
/// `Ipv4Header` has no reserved-flag field, so `to_header()` loses the bit and
/// its `calc_header_checksum()` is not the checksum of the received header;
/// ours is. (`crates/wire/tests/ipv4_etherparse.rs` compares the two without
/// this exception, so its arbitrary-bytes proptest fails on such inputs when
/// it generates one.)
#[test]
fn etherparse_to_header_drops_the_reserved_flag_and_its_checksum_differs() {
    let bytes: &[u8] = &[
        0x46, 0x00, 0x00, 0x20, 0x9a, 0x71, 0x9a, 0x71, 0x00, 0x00, 0x01, 0x02, 0xd6, 0x00, 0xc8,
        0x64, 0xe0, 0x00, 0x01, 0x3c, 0x94, 0x04, 0x00, 0x00, 0x12, 0x00, 0x0c, 0xc3, 0xe0, 0x00,
        0x01, 0x3c,
    ];
    assert_eq!(bytes[6] & 0x80, 0x80, "reserved flag set");
    let slice = Ipv4HeaderSlice::from_slice(bytes).unwrap();
    let theirs = slice.to_header().calc_header_checksum();
    let Err(Ipv4Error::BadChecksum { computed, .. }) = Ipv4Packet::new_checked(bytes) else {
        panic!("stale checksum");
    };
    assert_ne!(computed, theirs);
    assert_eq!(
        computed ^ theirs,
        0x8000,
        "they differ by exactly the reserved bit"
    );
    // Ours is the one that makes the received header verify.
    let mut fixed = bytes.to_vec();
    fixed[10..12].copy_from_slice(&computed.to_be_bytes());
    assert!(Ipv4Packet::new_checked(&fixed[..]).is_ok());
}
