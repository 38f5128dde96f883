//! `differential_etherparse`: the same bytes into our parsers and etherparse
//! 0.21's (`Ipv4HeaderSlice::from_slice`, `IgmpSlice::from_slice`).
//!
//! Any disagreement not listed in [`DELIBERATE_DIFFERENCES`] fails the body:
//! either we have a bug, or etherparse does and the RFC text goes in that list.

use etherparse::err::ipv4::{HeaderError, HeaderSliceError};
use etherparse::{IgmpSlice, Ipv4HeaderSlice};
use ipv4kit_wire::checksum;
use ipv4kit_wire::igmp::IgmpMessage;
use ipv4kit_wire::ipv4::{Ipv4Error, Ipv4Packet};

/// Where we deliberately differ from etherparse 0.21, and the RFC text that
/// settles each in our favour. The body bridges exactly these and nothing else.
pub const DELIBERATE_DIFFERENCES: &[(&str, &str)] = &[
    (
        "IPv4: etherparse's header slice does not check Total Length; we reject \
         Total Length < IHL × 4 (TotalLenTooShort) and Total Length > buffer \
         (TotalLenBeyondBuffer)",
        "RFC 791 §3.1: \"Total Length is the length of the datagram, measured in \
         octets, including internet header and data.\"",
    ),
    (
        "IPv4: etherparse's header slice does not verify the header checksum; \
         new_checked does (BadChecksum), new_lenient does not",
        "RFC 1122 §3.2.1.2: \"A host MUST verify the IP header checksum on every \
         received datagram and silently discard every datagram that has a bad \
         checksum.\"",
    ),
    (
        "IGMP: etherparse's IgmpSlice does not verify the checksum (it offers \
         is_checksum_valid); IgmpMessage::parse does, parse_lenient does not",
        "RFC 3376 §4.1.2 and §4.2.2 (kept by RFC 9776): \"When receiving \
         packets, the checksum MUST be verified before processing a packet.\"",
    ),
    (
        "IGMP v3 reports: etherparse validates group records lazily (its record \
         iterator yields Err at the first truncated record); we walk the chain at \
         parse time and reject the message (RecordHeaderTruncated, RecordTruncated)",
        "RFC 3376 §4.2.3: \"Number of Group Records (M) ... specifies how many \
         Group Records are present in this Report\"; a report whose records do not \
         fit is malformed as a whole, and §4.2.2 asks for validation before \
         processing. Not a disagreement on acceptance of well-formed input.",
    ),
    (
        "IPv4 (a limit of the comparison, not of either parser): etherparse's \
         Ipv4Header has no field for the reserved flag, so \
         Ipv4HeaderSlice::to_header() drops it and its calc_header_checksum() \
         differs from the checksum of the header as received whenever the flag \
         is set; our BadChecksum.computed is over the header as received",
        "RFC 791 §3.1: \"The checksum field is the 16 bit one's complement of \
         the one's complement sum of all 16 bit words in the header\" (bit 0 of \
         Flags included, which is \"reserved, must be zero\" but is on the wire).",
    ),
];

/// IPv4 header and IGMP message, each compared with etherparse on the bytes
/// as given and with their checksum made correct (so the comparison reaches
/// past the checksum check).
pub fn differential_etherparse(data: &[u8]) {
    compare_ipv4(data);
    if data.len() >= 20 {
        let mut fixed = data.to_vec();
        let mut p = Ipv4Packet::new_unchecked(&mut fixed[..]);
        p.fill_checksum();
        compare_ipv4(&fixed);
    }
    compare_igmp(data);
    if data.len() >= 4 {
        let mut fixed = data.to_vec();
        fixed[2..4].fill(0);
        let c = checksum::checksum(&fixed);
        fixed[2..4].copy_from_slice(&c.to_be_bytes());
        compare_igmp(&fixed);
    }
}

/// Field-for-field agreement of a header both accept.
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

fn compare_ipv4(bytes: &[u8]) {
    let theirs = Ipv4HeaderSlice::from_slice(bytes);
    let checked = Ipv4Packet::new_checked(bytes);
    let lenient = Ipv4Packet::new_lenient(bytes);
    match &theirs {
        Err(HeaderSliceError::Len(e)) => {
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
                // DELIBERATE_DIFFERENCES[0].
                Err(Ipv4Error::TotalLenTooShort { .. }) => assert!(total_len < header_len),
                Err(Ipv4Error::TotalLenBeyondBuffer { .. }) => assert!(total_len > bytes.len()),
                Err(e) => panic!("etherparse accepts, new_lenient says {e}"),
            }
            match checked {
                Ok(_) => assert!(lenient.is_ok()),
                // DELIBERATE_DIFFERENCES[1].
                Err(Ipv4Error::BadChecksum { stored, computed }) => {
                    assert!(lenient.is_ok());
                    assert_eq!(stored, slice.header_checksum());
                    // DELIBERATE_DIFFERENCES[4]: to_header() drops the reserved flag.
                    if bytes[6] & 0x80 == 0 {
                        assert_eq!(computed, slice.to_header().calc_header_checksum());
                    } else {
                        let mut zeroed = slice.slice().to_vec();
                        zeroed[10..12].fill(0);
                        assert_eq!(computed, checksum::checksum(&zeroed));
                    }
                    assert_ne!(stored, computed);
                }
                Err(e) => assert_eq!(Err(e), lenient),
            }
        }
        #[allow(unreachable_patterns)]
        Err(e) => panic!("etherparse error this body does not know: {e:?}"),
    }
}

/// etherparse's verdict, made comparable with ours (DELIBERATE_DIFFERENCES 2 and 3).
fn etherparse_accepts(bytes: &[u8]) -> Option<IgmpSlice<'_>> {
    let s = IgmpSlice::from_slice(bytes).ok()?;
    if !s.is_checksum_valid() {
        return None;
    }
    if let IgmpSlice::MembershipReportV3(r) = &s {
        if r.group_records().any(|rec| rec.is_err()) {
            return None;
        }
    }
    Some(s)
}

fn compare_igmp(bytes: &[u8]) {
    let ours = IgmpMessage::parse(bytes);
    let theirs = etherparse_accepts(bytes);
    let (m, s) = match (ours, theirs) {
        (Ok(m), Some(s)) => (m, s),
        (Err(_), None) => return,
        (o, t) => panic!("disagree on {bytes:02x?}: ours {o:?}, etherparse {t:?}"),
    };
    assert_eq!(m.checksum(), s.checksum());
    assert_eq!(m.msg_type(), s.type_u8());
    match (m, s) {
        (IgmpMessage::QueryV1(q), IgmpSlice::MembershipQuery(e)) => {
            assert_eq!(e.max_response_time(), 0);
            assert_eq!(q.group().octets(), e.group_address().octets);
        }
        (IgmpMessage::QueryV2(q), IgmpSlice::MembershipQuery(e)) => {
            assert_eq!(q.max_resp_time(), e.max_response_time());
            assert_eq!(q.group().octets(), e.group_address().octets);
        }
        (IgmpMessage::QueryV3(q), IgmpSlice::MembershipQueryWithSources(e)) => {
            assert_eq!(q.max_resp_code().0, e.max_response_code().0);
            assert_eq!(
                q.max_resp_code().tenths(),
                e.max_response_code().as_10th_secs()
            );
            assert_eq!(q.group().octets(), e.group_address().octets);
            assert_eq!(q.flags(), e.flags());
            assert_eq!(q.s_flag(), e.s_flag());
            assert_eq!(q.qrv(), e.qrv().value());
            assert_eq!(q.qqic().0, e.qqic());
            assert_eq!(q.num_sources(), e.num_of_sources());
            assert!(q.sources().map(|a| a.octets()).eq(e.source_addresses()));
        }
        (IgmpMessage::ReportV1(r), IgmpSlice::MembershipReportV1(e)) => {
            assert_eq!(r.group().octets(), e.group_address().octets);
        }
        (IgmpMessage::ReportV2(r), IgmpSlice::MembershipReportV2(e)) => {
            assert_eq!(r.group().octets(), e.group_address().octets);
        }
        (IgmpMessage::LeaveV2(r), IgmpSlice::LeaveGroup(e)) => {
            assert_eq!(r.group().octets(), e.group_address().octets);
        }
        (IgmpMessage::ReportV3(r), IgmpSlice::MembershipReportV3(e)) => {
            assert_eq!(r.flags().to_be_bytes(), e.flags());
            assert_eq!(r.num_records(), e.num_of_records());
            let mut theirs = e.group_records();
            for ours in r.records() {
                let t = theirs
                    .next()
                    .expect("etherparse has fewer records")
                    .expect("etherparse record error after accepting");
                assert_eq!(u8::from(ours.record_type()), t.record_type().0);
                assert_eq!(ours.aux_data_len(), t.aux_data_len());
                assert_eq!(ours.num_sources(), t.num_of_sources());
                assert_eq!(ours.group().octets(), t.multicast_address());
                assert!(ours.sources().map(|a| a.octets()).eq(t.source_addresses()));
                assert_eq!(ours.aux_data(), t.aux_data());
            }
            assert!(theirs.next().is_none(), "etherparse has more records");
        }
        (IgmpMessage::Unknown { msg_type, bytes: b }, IgmpSlice::Unknown(e)) => {
            assert_eq!(msg_type, e.type_u8());
            assert_eq!(b, e.slice());
        }
        (m, s) => panic!("different kinds: ours {m:?}, etherparse {s:?}"),
    }
}
