use super::*;
use crate::ipv4::options::tests::arb_options;
use crate::ipv4::{Ipv4Error, Ipv4Option, ROUTER_ALERT};
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

#[test]
fn fuchsia_igmpv2_packets_round_trip_byte_for_byte() {
    // Fuchsia packet-formats igmpv2_membership::{report,query,leave}::IP_PACKET_BYTES
    // (tests/data/vectors/other-igmp-vectors.md §A.2): upstream asserts that
    // re-serializing reproduces them; so must we.
    for s in [
        "4600002000000000010272c8c0a80165ef010101940400001600f9fcef010101",
        "46000020000000000102732cc0a80101ef01010194040000110afef2ef010101",
        "4600002000000000010282c7c0a80166e0000002940400001700f8fcef010101",
    ] {
        let bytes = hex(s);
        let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        let repr = Ipv4Repr::parse(&packet);
        assert_eq!(repr.ttl, 1);
        assert_eq!(repr.options, &ROUTER_ALERT);
        assert_eq!(repr.payload_len, 8);
        let mut out = [0u8; 24];
        assert_eq!(repr.emit(&mut out), Ok(24));
        assert_eq!(&out[..], &bytes[..24]);
    }
}

#[test]
fn tcpdump_v3_query_round_trips() {
    // tcpdump igmpv3-queries.pcap frame 1: TOS 0xc0, ident 1.
    let bytes = hex("46c00024000100000102840dc0020002e0000001940400001164ec1e00000000027d0000");
    let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
    let repr = Ipv4Repr::parse(&packet);
    assert_eq!((repr.dscp, repr.ecn, repr.ident), (48, 0, 1));
    let mut out = [0u8; 24];
    repr.emit(&mut out).unwrap();
    assert_eq!(&out[..], &bytes[..24]);
}

#[test]
fn new_gives_rfc_defaults_and_setters_chain() {
    let src = Ipv4Addr::new(198, 18, 0, 1);
    let dst = Ipv4Addr::new(198, 18, 0, 2);
    let repr = Ipv4Repr::new(src, dst, 17, 100);
    assert_eq!(repr.ttl, 64);
    assert_eq!(repr.protocol, IpProtocol::UDP);
    assert_eq!(repr.header_len(), 20);
    assert_eq!(repr.total_len(), 120);
    let repr = repr
        .with_ttl(3)
        .with_dscp_ecn(46, 1)
        .with_ident(7)
        .with_dont_frag(true)
        .with_fragment(true, 185)
        .with_options(&[1]);
    assert_eq!(repr.header_len(), 24);
    let mut buf = [0xffu8; 24];
    assert_eq!(repr.emit(&mut buf), Ok(24));
    // One NOP, then three End-of-List padding bytes (RFC 791 §3.1).
    assert_eq!(&buf[20..], &[1, 0, 0, 0]);
    let p = Ipv4Packet::new_lenient(&buf[..]).unwrap_err();
    assert_eq!(
        p,
        Ipv4Error::TotalLenBeyondBuffer {
            total_len: 124,
            available: 24
        }
    );
    let p = Ipv4Packet::new_unchecked(&buf[..]);
    assert!(p.verify_checksum());
    assert_eq!(p.tos(), (46 << 2) | 1);
    assert!(p.dont_frag() && p.more_frags() && !p.reserved_flag());
    assert_eq!(p.frag_offset(), 185);
    assert_eq!(p.ttl(), 3);
}

#[test]
fn emit_errors_carry_the_numbers() {
    let a = Ipv4Addr::LOCALHOST;
    let base = Ipv4Repr::new(a, a, 0, 0);
    let mut buf = [0u8; 60];
    assert_eq!(
        base.emit(&mut buf[..19]),
        Err(Ipv4EmitError::BufferTooShort {
            needed: 20,
            available: 19
        })
    );
    assert_eq!(
        base.with_options(&[1; 5]).emit(&mut buf[..24]),
        Err(Ipv4EmitError::BufferTooShort {
            needed: 28,
            available: 24
        })
    );
    assert_eq!(
        base.with_options(&[1; 41]).emit(&mut buf),
        Err(Ipv4EmitError::OptionsTooLong { len: 41 })
    );
    assert_eq!(
        Ipv4Repr::new(a, a, 0, 65516).emit(&mut buf),
        Err(Ipv4EmitError::TotalLenTooLong { total_len: 65536 })
    );
    assert_eq!(Ipv4Repr::new(a, a, 0, 65515).emit(&mut buf), Ok(20));
    assert_eq!(
        base.with_fragment(false, 8192).emit(&mut buf),
        Err(Ipv4EmitError::FragOffsetTooLarge { frag_offset: 8192 })
    );
    assert_eq!(
        base.with_dscp_ecn(64, 0).emit(&mut buf),
        Err(Ipv4EmitError::DscpOutOfRange { dscp: 64 })
    );
    assert_eq!(
        base.with_dscp_ecn(0, 4).emit(&mut buf),
        Err(Ipv4EmitError::EcnOutOfRange { ecn: 4 })
    );
}

fn hash_of<T: Hash>(t: &T) -> u64 {
    let mut h = DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

#[test]
fn emit_error_display_clone_hash() {
    let cases = [
        (
            Ipv4EmitError::BufferTooShort {
                needed: 24,
                available: 10,
            },
            "IPv4 header needs 24 bytes but the buffer holds 10",
        ),
        (
            Ipv4EmitError::OptionsTooLong { len: 41 },
            "IPv4 options of 41 bytes exceed the 40-byte options area",
        ),
        (
            Ipv4EmitError::TotalLenTooLong { total_len: 70000 },
            "IPv4 total length 70000 exceeds the maximum of 65535",
        ),
        (
            Ipv4EmitError::FragOffsetTooLarge { frag_offset: 9000 },
            "IPv4 fragment offset 9000 exceeds the 13-bit maximum of 8191",
        ),
        (
            Ipv4EmitError::DscpOutOfRange { dscp: 70 },
            "IPv4 DSCP 70 exceeds the 6-bit maximum of 63",
        ),
        (
            Ipv4EmitError::EcnOutOfRange { ecn: 5 },
            "IPv4 ECN 5 exceeds the 2-bit maximum of 3",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(e.to_string(), text);
        #[allow(clippy::clone_on_copy)]
        let c = e.clone();
        assert_eq!(c, e);
        assert_eq!(hash_of(&c), hash_of(&e));
        let _: &dyn core::error::Error = &e;
    }
}

prop_compose! {
    fn arb_repr_fields()(
        src in any::<[u8; 4]>(),
        dst in any::<[u8; 4]>(),
        protocol in any::<u8>(),
        ttl in any::<u8>(),
        dscp in 0u8..64,
        ecn in 0u8..4,
        ident in any::<u16>(),
        dont_frag in any::<bool>(),
        more_frags in any::<bool>(),
        frag_offset in 0u16..8192,
        payload_len in 0usize..=(65535 - 60),
    ) -> (Ipv4Addr, Ipv4Addr, u8, u8, u8, u8, u16, bool, bool, u16, usize) {
        (src.into(), dst.into(), protocol, ttl, dscp, ecn, ident, dont_frag, more_frags, frag_offset, payload_len)
    }
}

proptest! {
    #[test]
    fn parse_of_emit_is_identity(fields in arb_repr_fields(), options in arb_options()) {
        let (src, dst, protocol, ttl, dscp, ecn, ident, dont_frag, more_frags, frag_offset, payload_len) = fields;
        // Encode the options, then pad them to a whole number of words with
        // End of List, as RFC 791 §3.1 wants and as parse returns them.
        let options: Vec<Ipv4Option<'_>> = options.iter().map(|o| o.as_option()).collect();
        let mut opt_bytes = [0u8; 40];
        let n = Ipv4Option::emit_all(&options, &mut opt_bytes).unwrap();
        let padded = &opt_bytes[..n.next_multiple_of(4)];
        let repr = Ipv4Repr {
            src, dst, protocol: IpProtocol(protocol), ttl, dscp, ecn, ident, dont_frag,
            more_frags, frag_offset, options: padded, payload_len,
        };
        let mut buf = std::vec![0u8; repr.total_len()];
        let header_len = repr.emit(&mut buf).unwrap();
        prop_assert_eq!(header_len, repr.header_len());
        let packet = Ipv4Packet::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(Ipv4Repr::parse(&packet), repr);
        // The options read back as the sequence that was encoded (then End of List if padded).
        let parsed: Vec<_> = packet.options().collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(&parsed[..options.len()], &options[..]);
        // The unpadded form emits the same header.
        let mut buf2 = std::vec![0u8; header_len];
        repr.with_options(&opt_bytes[..n]).emit(&mut buf2).unwrap();
        prop_assert_eq!(&buf2[..], &buf[..header_len]);
    }
}
