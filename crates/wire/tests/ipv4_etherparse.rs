//! Differential tests against etherparse 0.21 (`Ipv4HeaderSlice::from_slice`
//! for parsing, `Ipv4Header::to_bytes` for emitting) on generated headers.
//!
//! Where the two disagree, it is because etherparse's header slice checks
//! less than RFC 791/1122 ask of a received datagram, and each such case is
//! named below with its reason:
//!
//! - etherparse does not look at Total Length at all. RFC 791 §3.1 defines it
//!   as the length of the datagram *including* the header, so a value below
//!   IHL × 4 describes no datagram (`TotalLenTooShort`); a value beyond the
//!   buffer means the datagram was truncated (`TotalLenBeyondBuffer`).
//! - etherparse does not verify the header checksum; RFC 1122 §3.2.1.2 says a
//!   host MUST verify it and silently discard a datagram that fails
//!   (`BadChecksum`, from `new_checked` only; `new_lenient` skips it).

use std::net::Ipv4Addr;

use etherparse::err::ipv4::{HeaderError, HeaderSliceError};
use etherparse::{IpDscp, IpEcn, IpFragOffset, IpNumber, Ipv4HeaderSlice};
use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Error, Ipv4Packet, Ipv4Repr};
use proptest::prelude::*;

/// Field-for-field agreement of an accepted header.
fn assert_same_fields(bytes: &[u8], theirs: &Ipv4HeaderSlice<'_>) {
    let ours = Ipv4Packet::new_unchecked(bytes);
    assert_eq!(ours.version(), theirs.version());
    assert_eq!(ours.ihl(), theirs.ihl());
    assert_eq!(ours.header_len(), theirs.slice().len());
    assert_eq!(ours.dscp(), theirs.dcp().value());
    assert_eq!(ours.ecn(), theirs.ecn().value());
    assert_eq!(ours.total_len(), theirs.total_len());
    assert_eq!(ours.ident(), theirs.identification());
    assert_eq!(ours.dont_frag(), theirs.dont_fragment());
    assert_eq!(ours.more_frags(), theirs.more_fragments());
    assert_eq!(ours.frag_offset(), theirs.fragments_offset().value());
    assert_eq!(ours.is_fragment(), theirs.is_fragmenting_payload());
    assert_eq!(ours.ttl(), theirs.ttl());
    assert_eq!(ours.protocol().0, theirs.protocol().0);
    assert_eq!(ours.checksum(), theirs.header_checksum());
    assert_eq!(ours.src(), theirs.source_addr());
    assert_eq!(ours.dst(), theirs.destination_addr());
    assert_eq!(ours.options_bytes(), theirs.options());
    assert_eq!(ours.header_bytes(), theirs.slice());
    if let Ok(payload_len) = theirs.payload_len() {
        if usize::from(ours.total_len()) <= bytes.len() {
            assert_eq!(ours.payload().len(), usize::from(payload_len));
        }
    }
}

/// Compares one byte string; returns which side accepted for coverage counts.
fn compare(bytes: &[u8]) -> (bool, bool) {
    let theirs = Ipv4HeaderSlice::from_slice(bytes);
    let checked = Ipv4Packet::new_checked(bytes);
    let lenient = Ipv4Packet::new_lenient(bytes);
    match &theirs {
        Err(HeaderSliceError::Len(e)) => {
            // Too short for 20 bytes, or for IHL × 4.
            let expected = if e.required_len == 20 {
                Ipv4Error::BufferTooShort { available: e.len }
            } else {
                Ipv4Error::HeaderBeyondBuffer {
                    header_len: e.required_len,
                    available: e.len,
                }
            };
            assert_eq!(checked, Err(expected));
            assert_eq!(lenient, Err(expected));
        }
        Err(HeaderSliceError::Content(HeaderError::UnexpectedVersion { version_number })) => {
            let expected = Ipv4Error::UnexpectedVersion {
                version: *version_number,
            };
            assert_eq!(checked, Err(expected));
            assert_eq!(lenient, Err(expected));
        }
        Err(HeaderSliceError::Content(HeaderError::HeaderLengthSmallerThanHeader { ihl })) => {
            let expected = Ipv4Error::IhlTooSmall { ihl: *ihl };
            assert_eq!(checked, Err(expected));
            assert_eq!(lenient, Err(expected));
        }
        Ok(slice) => {
            assert_same_fields(bytes, slice);
            let total_len = usize::from(slice.total_len());
            let header_len = slice.slice().len();
            match lenient {
                Ok(_) => {}
                // RFC 791 §3.1: Total Length counts the header; etherparse does not check.
                Err(Ipv4Error::TotalLenTooShort { .. }) => assert!(total_len < header_len),
                // Truncated datagram; etherparse's header slice does not look past the header.
                Err(Ipv4Error::TotalLenBeyondBuffer { .. }) => assert!(total_len > bytes.len()),
                Err(e) => panic!("etherparse accepts, new_lenient says {e}"),
            }
            match checked {
                Ok(_) => assert!(lenient.is_ok()),
                // RFC 1122 §3.2.1.2: MUST verify; etherparse's slice does not.
                Err(Ipv4Error::BadChecksum { stored, computed }) => {
                    assert!(lenient.is_ok());
                    assert_eq!(stored, slice.header_checksum());
                    // etherparse's Ipv4Header has no reserved ("evil") flag:
                    // to_header() drops bit 0x8000 of the flags word, so its
                    // sum differs by exactly that bit when it is set.
                    let reserved = u16::from_be_bytes([bytes[6], bytes[7]]) & 0x8000;
                    let theirs = slice.to_header().calc_header_checksum();
                    if reserved == 0 {
                        assert_eq!(computed, theirs);
                    } else {
                        let mut sum = ipv4kit_wire::checksum::Checksum::new();
                        sum.add_u16(!theirs).add_u16(reserved);
                        assert_eq!(computed, !sum.sum());
                    }
                    assert_ne!(stored, computed);
                }
                Err(e) => assert_eq!(Err(e), lenient),
            }
        }
    }
    (theirs.is_ok(), checked.is_ok())
}

#[derive(Clone, Debug)]
struct Generated {
    bytes: Vec<u8>,
}

prop_compose! {
    /// A valid datagram, then (sometimes) a broken version/IHL byte, a
    /// different Total Length, a stale checksum, or a cut buffer.
    fn arb_datagram()(
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
        option_words in 0usize..=10,
        option_seed in any::<u8>(),
        payload_len in 0usize..48,
        trailer in 0usize..8,
        version_ihl in prop::option::weighted(0.2, any::<u8>()),
        total_len in prop::option::weighted(0.2, any::<u16>()),
        refresh_checksum in prop::option::weighted(0.8, Just(())),
        cut in prop::option::weighted(0.2, any::<prop::sample::Index>()),
    ) -> Generated {
        // Options as NOPs plus seed bytes; etherparse treats them as opaque.
        let options: Vec<u8> = (0..option_words * 4).map(|i| if i % 3 == 0 { 1 } else { option_seed }).collect();
        let repr = Ipv4Repr {
            src: src.into(), dst: dst.into(), protocol: IpProtocol(protocol), ttl, dscp, ecn,
            ident, dont_frag, more_frags, frag_offset, options: &options, payload_len,
        };
        let mut bytes = vec![0xa5u8; repr.total_len() + trailer];
        repr.emit(&mut bytes).unwrap();
        let mut changed = false;
        if let Some(vi) = version_ihl {
            bytes[0] = vi;
            changed = true;
        }
        if let Some(t) = total_len {
            // Small values, so they land around the header and buffer lengths.
            bytes[2..4].copy_from_slice(&(t % 128).to_be_bytes());
            changed = true;
        }
        if changed && refresh_checksum.is_some() {
            let hl = (usize::from(bytes[0] & 0x0f) * 4).clamp(20, bytes.len());
            bytes[10..12].fill(0);
            let c = ipv4kit_wire::checksum::checksum(&bytes[..hl]);
            bytes[10..12].copy_from_slice(&c.to_be_bytes());
        }
        if let Some(cut) = cut {
            let n = cut.index(bytes.len() + 1);
            bytes.truncate(n);
        }
        Generated { bytes }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn agrees_with_etherparse_on_generated_headers(g in arb_datagram()) {
        compare(&g.bytes);
    }

    #[test]
    fn agrees_with_etherparse_on_arbitrary_bytes(mut bytes in prop::collection::vec(any::<u8>(), 0..72), v4 in any::<bool>()) {
        if v4 && !bytes.is_empty() {
            bytes[0] = 0x40 | (bytes[0] & 0x0f);
        }
        compare(&bytes);
    }

    #[test]
    fn emit_matches_etherparse_to_bytes(
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
        option_words in prop::collection::vec(any::<[u8; 4]>(), 0..=10),
        payload_len in 0u16..=(65535 - 60),
    ) {
        let options = option_words.concat();
        let repr = Ipv4Repr {
            src: Ipv4Addr::from(src), dst: Ipv4Addr::from(dst), protocol: IpProtocol(protocol),
            ttl, dscp, ecn, ident, dont_frag, more_frags, frag_offset, options: &options,
            payload_len: usize::from(payload_len),
        };
        let mut ours = [0u8; 60];
        let n = repr.emit(&mut ours).unwrap();

        let mut theirs = etherparse::Ipv4Header::new(payload_len, ttl, IpNumber(protocol), src, dst).unwrap();
        theirs.dscp = IpDscp::try_new(dscp).unwrap();
        theirs.ecn = IpEcn::try_new(ecn).unwrap();
        theirs.identification = ident;
        theirs.dont_fragment = dont_frag;
        theirs.more_fragments = more_frags;
        theirs.fragment_offset = IpFragOffset::try_new(frag_offset).unwrap();
        theirs.options = etherparse::Ipv4Options::try_from(&options[..]).unwrap();
        theirs.set_payload_len(usize::from(payload_len)).unwrap();
        theirs.header_checksum = theirs.calc_header_checksum();
        prop_assert_eq!(&ours[..n], &theirs.to_bytes()[..]);
    }
}

#[test]
fn every_disagreement_kind_is_reached() {
    // Hand-made cases so the reasons above are exercised on every run, not
    // only when the generator happens to hit them.
    let repr = Ipv4Repr::new(
        Ipv4Addr::new(198, 18, 0, 1),
        Ipv4Addr::new(198, 18, 0, 2),
        IpProtocol::UDP,
        8,
    );
    let mut good = vec![0u8; 28];
    repr.emit(&mut good).unwrap();
    assert_eq!(compare(&good), (true, true));

    let mut short_total = good.clone();
    short_total[3] = 19;
    let c = ipv4kit_wire::checksum::checksum(&{
        let mut h = short_total[..20].to_vec();
        h[10..12].fill(0);
        h
    });
    short_total[10..12].copy_from_slice(&c.to_be_bytes());
    assert_eq!(compare(&short_total), (true, false));

    assert_eq!(compare(&good[..27]), (true, false)); // truncated
    let mut bad_sum = good.clone();
    bad_sum[11] ^= 1;
    assert_eq!(compare(&bad_sum), (true, false));
    assert_eq!(compare(&good[..19]), (false, false));
}
