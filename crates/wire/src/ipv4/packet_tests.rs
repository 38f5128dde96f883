use super::*;
use proptest::prelude::*;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::string::ToString;
use std::vec::Vec;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Fuchsia packet-formats `igmpv2_membership::report::IP_PACKET_BYTES`
/// (tests/data/vectors/other-igmp-vectors.md §A.2).
const FUCHSIA_REPORT: &str = "4600002000000000010272c8c0a80165ef010101940400001600f9fcef010101";
/// Fuchsia `igmpv2_membership::query::IP_PACKET_BYTES` (§A.2).
const FUCHSIA_QUERY: &str = "46000020000000000102732cc0a80101ef01010194040000110afef2ef010101";
/// Fuchsia `igmpv2_membership::leave::IP_PACKET_BYTES` (§A.2).
const FUCHSIA_LEAVE: &str = "4600002000000000010282c7c0a80166e0000002940400001700f8fcef010101";
/// tcpdump IGMP_V2.pcap frame 1 (Ethernet stripped): v2 general query, no
/// Router Alert; the first 40 of its 46 IP-layer bytes, so 12 bytes of
/// Ethernet padding follow Total Length here.
const TCPDUMP_V2_QUERY: &str =
    "4500001c655100000102b2e3c0a80102e00000011164ee9b00000000000000000000000000000000";
/// tcpdump igmpv3-queries.pcap frame 1: TOS 0xc0, ident 1, Router Alert.
const TCPDUMP_V3_QUERY: &str =
    "46c00024000100000102840dc0020002e0000001940400001164ec1e00000000027d0000";
/// tcpdump mtrace.pcap frame 1: TTL 64, no options, 2 bytes of trailer.
const TCPDUMP_MTRACE_PREFIX: &str = "4500002c02f800004002adc20a000005ac101401";

#[test]
fn fuchsia_igmpv2_packets_parse_with_router_alert() {
    let cases = [
        (FUCHSIA_REPORT, [192, 168, 1, 101], [239, 1, 1, 1], 0x72c8),
        (FUCHSIA_QUERY, [192, 168, 1, 1], [239, 1, 1, 1], 0x732c),
        (FUCHSIA_LEAVE, [192, 168, 1, 102], [224, 0, 0, 2], 0x82c7),
    ];
    for (bytes, src, dst, csum) in cases {
        let bytes = hex(bytes);
        let p = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(p.version(), 4);
        assert_eq!(p.ihl(), 6);
        assert_eq!(p.header_len(), 24);
        assert_eq!(p.tos(), 0);
        assert_eq!(p.total_len(), 32);
        assert_eq!(p.ident(), 0);
        assert!(!p.dont_frag() && !p.more_frags() && !p.reserved_flag());
        assert_eq!(p.ttl(), 1);
        assert_eq!(p.protocol(), IpProtocol::IGMP);
        assert_eq!(p.checksum(), csum);
        assert_eq!(p.src(), Ipv4Addr::from(src));
        assert_eq!(p.dst(), Ipv4Addr::from(dst));
        assert_eq!(p.options_bytes(), &[0x94, 4, 0, 0]);
        assert_eq!(p.router_alert(), Some(0));
        assert_eq!(p.payload().len(), 8);
        assert_eq!(p.header_bytes(), &bytes[..24]);
        assert!(p.verify_checksum());
    }
}

#[test]
fn tcpdump_v2_query_has_no_router_alert_and_padding_is_cut() {
    let bytes = hex(TCPDUMP_V2_QUERY);
    let p = Ipv4Packet::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.header_len(), 20);
    assert_eq!(p.src(), Ipv4Addr::new(192, 168, 1, 2));
    assert_eq!(p.dst(), Ipv4Addr::new(224, 0, 0, 1));
    assert_eq!(p.ident(), 0x6551);
    assert_eq!(p.router_alert(), None);
    assert_eq!(p.options().count(), 0);
    assert_eq!(p.payload(), &hex("1164ee9b00000000")[..]);
    assert_eq!(p.datagram_bytes().len(), 28);
    assert_eq!(p.as_bytes().len(), 40);
}

#[test]
fn tcpdump_v3_query_tos_and_router_alert() {
    let bytes = hex(TCPDUMP_V3_QUERY);
    let p = Ipv4Packet::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.tos(), 0xc0);
    assert_eq!(p.dscp(), 48); // CS6, network control
    assert_eq!(p.ecn(), 0);
    assert_eq!(p.ident(), 1);
    assert_eq!(p.router_alert(), Some(0));
    assert_eq!(p.payload().len(), 12);
}

#[test]
fn tcpdump_mtrace_header_ttl_64() {
    // Only the header: Total Length 44 reaches past these 20 bytes.
    let bytes = hex(TCPDUMP_MTRACE_PREFIX);
    assert_eq!(
        Ipv4Packet::new_checked(&bytes[..]),
        Err(Ipv4Error::TotalLenBeyondBuffer {
            total_len: 44,
            available: 20
        })
    );
    let p = Ipv4Packet::new_unchecked(&bytes[..]);
    assert_eq!(p.ttl(), 64);
    assert!(p.verify_checksum());
    assert_eq!(p.payload(), &[] as &[u8]);
}

#[test]
fn flags_and_fragment_offset() {
    let mut bytes = hex(TCPDUMP_V2_QUERY);
    // Reserved + MF, offset 0x1234 & 0x1fff.
    bytes[6..8].copy_from_slice(&(0x8000u16 | 0x2000 | 0x1234).to_be_bytes());
    let mut p = Ipv4Packet::new_unchecked(&mut bytes[..]);
    p.fill_checksum();
    let p = Ipv4Packet::new_checked(p.into_inner()).unwrap();
    assert_eq!(p.flags(), 0b101);
    assert!(p.reserved_flag());
    assert!(!p.dont_frag());
    assert!(p.more_frags());
    assert!(p.is_fragment());
    assert_eq!(p.frag_offset(), 0x1234);
    assert_eq!(p.frag_offset_bytes(), 0x1234 * 8);
}

#[test]
fn each_length_error_is_reported_with_its_numbers() {
    let good = hex(FUCHSIA_REPORT);
    assert_eq!(
        Ipv4Packet::new_checked(&good[..19]),
        Err(Ipv4Error::BufferTooShort { available: 19 })
    );
    assert_eq!(
        Ipv4Packet::new_checked(&[][..]),
        Err(Ipv4Error::BufferTooShort { available: 0 })
    );
    let mut b = good.clone();
    b[0] = 0x66;
    assert_eq!(
        Ipv4Packet::new_checked(&b[..]),
        Err(Ipv4Error::UnexpectedVersion { version: 6 })
    );
    b[0] = 0x44;
    assert_eq!(
        Ipv4Packet::new_checked(&b[..]),
        Err(Ipv4Error::IhlTooSmall { ihl: 4 })
    );
    b[0] = 0x4f;
    assert_eq!(
        Ipv4Packet::new_checked(&b[..]),
        Err(Ipv4Error::HeaderBeyondBuffer {
            header_len: 60,
            available: 32
        })
    );
    let mut b = good.clone();
    b[3] = 23;
    assert_eq!(
        Ipv4Packet::new_checked(&b[..]),
        Err(Ipv4Error::TotalLenTooShort {
            total_len: 23,
            header_len: 24
        })
    );
    b[3] = 33;
    assert_eq!(
        Ipv4Packet::new_checked(&b[..]),
        Err(Ipv4Error::TotalLenBeyondBuffer {
            total_len: 33,
            available: 32
        })
    );
    // Total length equal to the header: an empty payload is fine.
    let mut b = good.clone();
    b[3] = 24;
    let mut p = Ipv4Packet::new_unchecked(&mut b[..]);
    p.fill_checksum();
    assert_eq!(
        Ipv4Packet::new_checked(&b[..]).map(|p| p.payload().len()),
        Ok(0)
    );
}

#[test]
fn bad_checksum_names_stored_and_computed() {
    let mut b = hex(FUCHSIA_REPORT);
    b[10] = 0x12;
    b[11] = 0x34;
    assert_eq!(
        Ipv4Packet::new_checked(&b[..]),
        Err(Ipv4Error::BadChecksum {
            stored: 0x1234,
            computed: 0x72c8
        })
    );
    // Lenient skips the checksum only.
    let p = Ipv4Packet::new_lenient(&b[..]).unwrap();
    assert!(!p.verify_checksum());
    // Lenient still checks every length.
    b[3] = 40;
    assert_eq!(
        Ipv4Packet::new_lenient(&b[..]),
        Err(Ipv4Error::TotalLenBeyondBuffer {
            total_len: 40,
            available: 32
        })
    );
}

#[test]
fn relts_capture_reports_total_length_beyond_capture() {
    // tcpdump relts-0x80000000.pcap frame 1 (fuzzed): bytes 0x30 everywhere,
    // Total Length 0x3030 = 12336 but 290 IP bytes captured.
    let mut b = std::vec![0x30u8; 290];
    b[0] = 0x45;
    b[6] = 0;
    b[7] = 0;
    assert_eq!(
        Ipv4Packet::new_checked(&b[..]),
        Err(Ipv4Error::TotalLenBeyondBuffer {
            total_len: 12336,
            available: 290
        })
    );
}

#[test]
fn unchecked_views_of_short_buffers_read_zeros() {
    for len in 0..24 {
        let bytes = &hex(FUCHSIA_REPORT)[..len];
        let p = Ipv4Packet::new_unchecked(bytes);
        if len < 20 {
            assert_eq!(p.version(), 0);
            assert_eq!(p.src(), Ipv4Addr::UNSPECIFIED);
            assert_eq!(p.total_len(), 0);
            assert!(!p.verify_checksum());
        }
        assert_eq!(p.header_bytes(), &[] as &[u8]);
        assert_eq!(p.options_bytes(), &[] as &[u8]);
        assert_eq!(p.payload(), &[] as &[u8]);
        assert_eq!(p.router_alert(), None);
    }
    let mut short = [0x46u8; 10];
    let mut p = Ipv4Packet::new_unchecked(&mut short[..]);
    p.fill_checksum();
    assert_eq!(p.decrement_ttl(), None);
    assert!(p.header_mut().is_none());
    assert_eq!(short, [0x46u8; 10]);
}

#[test]
fn decrement_ttl_keeps_checksum_valid() {
    let mut b = hex(TCPDUMP_V3_QUERY);
    b[8] = 2;
    let mut p = Ipv4Packet::new_unchecked(&mut b[..]);
    p.fill_checksum();
    assert_eq!(p.decrement_ttl(), Some(1));
    assert_eq!(p.decrement_ttl(), Some(0));
    assert_eq!(p.decrement_ttl(), None);
    let p = Ipv4Packet::new_checked(&b[..]).unwrap();
    assert_eq!(p.ttl(), 0);
}

#[test]
fn router_alert_after_other_options_and_stops_at_errors() {
    fn with_options(opts: &[u8]) -> Vec<u8> {
        let header_len = 20 + opts.len();
        let mut b = std::vec![0u8; header_len];
        b[0] = 0x40 | (header_len / 4) as u8;
        b[3] = header_len as u8;
        b[20..].copy_from_slice(opts);
        let mut p = Ipv4Packet::new_unchecked(&mut b[..]);
        p.fill_checksum();
        b
    }
    let b = with_options(&[1, 1, 1, 1, 0x94, 4, 0x12, 0x34]);
    let p = Ipv4Packet::new_checked(&b[..]).unwrap();
    assert_eq!(p.router_alert(), Some(0x1234));
    // After End of List nothing counts.
    let b = with_options(&[0, 0, 0, 0, 0x94, 4, 0, 0]);
    assert_eq!(
        Ipv4Packet::new_checked(&b[..]).unwrap().router_alert(),
        None
    );
    // A malformed option before it hides it.
    let b = with_options(&[7, 1, 0, 0, 0x94, 4, 0, 0]);
    assert_eq!(
        Ipv4Packet::new_checked(&b[..]).unwrap().router_alert(),
        None
    );
}

fn hash_of<T: Hash>(t: &T) -> u64 {
    let mut h = DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

#[test]
fn ipv4_error_display_clone_hash() {
    let cases = [
        (
            Ipv4Error::BufferTooShort { available: 7 },
            "IPv4 header needs at least 20 bytes but the buffer holds 7",
        ),
        (
            Ipv4Error::UnexpectedVersion { version: 6 },
            "IPv4 version field is 6, expected 4",
        ),
        (
            Ipv4Error::IhlTooSmall { ihl: 3 },
            "IPv4 IHL field is 3 words, below the minimum of 5 (20 bytes)",
        ),
        (
            Ipv4Error::HeaderBeyondBuffer {
                header_len: 60,
                available: 40,
            },
            "IPv4 header length (IHL) is 60 bytes but the buffer holds only 40",
        ),
        (
            Ipv4Error::TotalLenTooShort {
                total_len: 10,
                header_len: 20,
            },
            "IPv4 total length 10 is smaller than the header length 20",
        ),
        (
            Ipv4Error::TotalLenBeyondBuffer {
                total_len: 100,
                available: 60,
            },
            "IPv4 total length 100 exceeds the 60 bytes in the buffer",
        ),
        (
            Ipv4Error::BadChecksum {
                stored: 0x1234,
                computed: 0xabcd,
            },
            "IPv4 header checksum is 0x1234 but the header sums to 0xabcd",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(e.to_string(), text);
        #[allow(clippy::clone_on_copy)]
        let c = e.clone();
        assert_eq!(c, e);
        assert_eq!(hash_of(&c), hash_of(&e));
        let _: &dyn core::error::Error = &e;
        assert!(!std::format!("{e:?}").is_empty());
    }
}

proptest! {
    #[test]
    fn new_checked_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
        let _ = Ipv4Packet::new_checked(&bytes[..]);
        let _ = Ipv4Packet::new_lenient(&bytes[..]);
    }

    #[test]
    fn accessors_never_panic_on_any_buffer(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
        let p = Ipv4Packet::new_unchecked(&bytes[..]);
        let _ = (p.version(), p.ihl(), p.header_len(), p.tos(), p.dscp(), p.ecn());
        let _ = (p.total_len(), p.ident(), p.flags(), p.dont_frag(), p.more_frags());
        let _ = (p.reserved_flag(), p.frag_offset(), p.frag_offset_bytes(), p.is_fragment());
        let _ = (p.ttl(), p.protocol(), p.checksum(), p.verify_checksum(), p.src(), p.dst());
        let _ = (p.header_bytes(), p.options_bytes(), p.payload(), p.datagram_bytes());
        let _ = p.router_alert();
        prop_assert!(p.options().count() <= 40);
        let mut owned = bytes.clone();
        let mut m = Ipv4Packet::new_unchecked(&mut owned[..]);
        m.fill_checksum();
        let _ = m.decrement_ttl();
    }

    #[test]
    fn accepted_packets_satisfy_the_length_invariants(
        mut bytes in proptest::collection::vec(any::<u8>(), 20..80),
        ihl in 5u8..16,
        total in any::<u16>(),
    ) {
        bytes[0] = 0x40 | ihl;
        let total = total % (bytes.len() as u16 + 8);
        bytes[2..4].copy_from_slice(&total.to_be_bytes());
        let mut p = Ipv4Packet::new_unchecked(&mut bytes[..]);
        p.fill_checksum();
        if let Ok(p) = Ipv4Packet::new_checked(&bytes[..]) {
            prop_assert!(p.header_len() <= usize::from(p.total_len()));
            prop_assert!(usize::from(p.total_len()) <= bytes.len());
            prop_assert_eq!(p.header_len() + p.payload().len(), usize::from(p.total_len()));
            prop_assert_eq!(p.options_bytes().len(), p.header_len() - 20);
        } else {
            let header_len = usize::from(ihl) * 4;
            prop_assert!(header_len > bytes.len() || usize::from(total) < header_len || usize::from(total) > bytes.len());
        }
    }
}

proptest! {
    #[test]
    fn router_alert_fast_path_equals_the_walk(options in proptest::collection::vec(any::<u8>(), 0..40)) {
        let walked = Ipv4Options::new(&options)
            .map_while(Result::ok)
            .find_map(|o| match o {
                Ipv4Option::RouterAlert { value } => Some(value),
                _ => None,
            });
        prop_assert_eq!(router_alert_in(&options), walked);
        let mut with_ra = std::vec![0x94, 4];
        with_ra.extend_from_slice(&options);
        if options.len() >= 2 {
            prop_assert_eq!(router_alert_in(&with_ra), Some(u16::from_be_bytes([options[0], options[1]])));
        }
    }
}
