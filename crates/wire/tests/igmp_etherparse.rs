//! Differential test against etherparse 0.21's IGMP slices.
//!
//! On generated messages (valid ones from our reprs, then mutated, cut short
//! and re-checksummed) both parsers must accept or both reject, and agree on
//! every field they both have. Two differences in what "accept" means are
//! bridged here, not papered over:
//!
//! - etherparse's `IgmpSlice::from_slice` does not verify the checksum; we do
//!   by default, because RFC 3376/9776 §4.1.2 and §4.2.2 say the checksum
//!   "MUST be verified before processing". The etherparse side therefore
//!   counts as accepting only when `is_checksum_valid()` is true too.
//! - etherparse validates v3 report group records lazily (its record iterator
//!   yields `Err` at the first truncated record); we walk the chain at parse
//!   time so iteration afterwards cannot fail. The etherparse side counts as
//!   accepting a v3 report only when every record iterates `Ok`.
//!
//! With those two, the parsers agree everywhere, including on the two places
//! readers of the RFCs often differ: a 9–11-octet query is rejected by both
//! (RFC 3376/9776 §7.1: "Query messages that do not match any of the above
//! conditions ... MUST be silently ignored"), and octets past an 8-octet
//! report or leave, or past a v3 query's sources or a v3 report's records,
//! are accepted and ignored by both (RFC 2236 §2.5, "Additional Data", RFC 3376 §4.1.10/§4.2.11, kept by RFC 9776).

use core::net::Ipv4Addr;

use etherparse::IgmpSlice;
use ipv4kit_wire::checksum;
use ipv4kit_wire::igmp::{
    GroupRecordRepr, GroupRecordType, IgmpMessage, LeaveV2, MaxRespCode, Qqic, QueryV2, QueryV3,
    ReportV1, ReportV2, ReportV3,
};
use proptest::prelude::*;

/// etherparse's verdict, made comparable with ours (see the module docs).
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

fn compare(bytes: &[u8]) -> Result<(), TestCaseError> {
    let ours = IgmpMessage::parse(bytes);
    let theirs = etherparse_accepts(bytes);
    let (m, s) = match (ours, theirs) {
        (Ok(m), Some(s)) => (m, s),
        (Err(_), None) => return Ok(()),
        (o, t) => {
            return Err(TestCaseError::fail(format!(
                "disagree on {bytes:02x?}: ours {o:?}, etherparse {t:?}"
            )))
        }
    };
    prop_assert_eq!(m.checksum(), s.checksum());
    prop_assert_eq!(m.msg_type(), s.type_u8());
    match (m, s) {
        (IgmpMessage::QueryV1(q), IgmpSlice::MembershipQuery(e)) => {
            prop_assert_eq!(e.max_response_time(), 0);
            prop_assert_eq!(q.group().octets(), e.group_address().octets);
        }
        (IgmpMessage::QueryV2(q), IgmpSlice::MembershipQuery(e)) => {
            prop_assert_eq!(q.max_resp_time(), e.max_response_time());
            prop_assert_eq!(q.group().octets(), e.group_address().octets);
        }
        (IgmpMessage::QueryV3(q), IgmpSlice::MembershipQueryWithSources(e)) => {
            prop_assert_eq!(q.max_resp_code().0, e.max_response_code().0);
            prop_assert_eq!(
                q.max_resp_code().tenths(),
                e.max_response_code().as_10th_secs()
            );
            prop_assert_eq!(q.group().octets(), e.group_address().octets);
            prop_assert_eq!(q.flags(), e.flags());
            prop_assert_eq!(q.s_flag(), e.s_flag());
            prop_assert_eq!(q.qrv(), e.qrv().value());
            prop_assert_eq!(q.qqic().0, e.qqic());
            prop_assert_eq!(q.num_sources(), e.num_of_sources());
            prop_assert!(q.sources().map(|a| a.octets()).eq(e.source_addresses()));
        }
        (IgmpMessage::ReportV1(r), IgmpSlice::MembershipReportV1(e)) => {
            prop_assert_eq!(r.group().octets(), e.group_address().octets);
        }
        (IgmpMessage::ReportV2(r), IgmpSlice::MembershipReportV2(e)) => {
            prop_assert_eq!(r.group().octets(), e.group_address().octets);
        }
        (IgmpMessage::LeaveV2(r), IgmpSlice::LeaveGroup(e)) => {
            prop_assert_eq!(r.group().octets(), e.group_address().octets);
        }
        (IgmpMessage::ReportV3(r), IgmpSlice::MembershipReportV3(e)) => {
            prop_assert_eq!(r.flags().to_be_bytes(), e.flags());
            prop_assert_eq!(r.num_records(), e.num_of_records());
            let mut theirs = e.group_records();
            for ours in r.records() {
                let t = theirs.next().unwrap().unwrap();
                prop_assert_eq!(u8::from(ours.record_type()), t.record_type().0);
                prop_assert_eq!(ours.aux_data_len(), t.aux_data_len());
                prop_assert_eq!(ours.num_sources(), t.num_of_sources());
                prop_assert_eq!(ours.group().octets(), t.multicast_address());
                prop_assert!(ours.sources().map(|a| a.octets()).eq(t.source_addresses()));
                prop_assert_eq!(ours.aux_data(), t.aux_data());
            }
            prop_assert!(theirs.next().is_none());
        }
        (IgmpMessage::Unknown { msg_type, bytes: b }, IgmpSlice::Unknown(e)) => {
            prop_assert_eq!(msg_type, e.type_u8());
            prop_assert_eq!(b, e.slice());
        }
        (m, s) => {
            return Err(TestCaseError::fail(format!(
                "different kinds: ours {m:?}, etherparse {s:?}"
            )))
        }
    }
    Ok(())
}

fn addr() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

/// A valid message from one of our reprs.
fn valid_message() -> impl Strategy<Value = Vec<u8>> {
    let simple = (0u8..4, any::<u8>(), addr()).prop_map(|(kind, code, group)| {
        let mut buf = vec![0u8; 8];
        match kind {
            0 => QueryV2 {
                max_resp_time: code,
                group,
            }
            .emit(&mut buf),
            1 => ReportV1 { group }.emit(&mut buf),
            2 => ReportV2 { group }.emit(&mut buf),
            _ => LeaveV2 { group }.emit(&mut buf),
        }
        .unwrap();
        buf
    });
    let query = (
        any::<u8>(),
        addr(),
        any::<bool>(),
        0u8..8,
        any::<u8>(),
        proptest::collection::vec(addr(), 0..8),
    )
        .prop_map(|(c, group, s_flag, qrv, qqic, sources)| {
            let q = QueryV3 {
                max_resp_code: MaxRespCode(c),
                group,
                s_flag,
                qrv,
                qqic: Qqic(qqic),
                sources: &sources,
            };
            let mut buf = vec![0u8; q.buffer_len()];
            q.emit(&mut buf).unwrap();
            buf
        });
    let report = proptest::collection::vec(
        (
            any::<u8>(),
            addr(),
            proptest::collection::vec(addr(), 0..5),
            0usize..2,
        ),
        0..6,
    )
    .prop_map(|owned| {
        let aux = [0x5au8; 4];
        let recs: Vec<GroupRecordRepr<'_>> = owned
            .iter()
            .map(|(t, g, s, a)| GroupRecordRepr {
                record_type: GroupRecordType::from(*t),
                group: *g,
                sources: s,
                aux_data: &aux[..a * 4],
            })
            .collect();
        let r = ReportV3 { records: &recs };
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(&mut buf).unwrap();
        buf
    });
    let unknown = (
        prop::sample::select(vec![0x13u8, 0x14, 0x1e, 0x1f, 0x30, 0x31, 0x32, 0x00, 0xff]),
        proptest::collection::vec(any::<u8>(), 7..40),
    )
        .prop_map(|(t, mut rest)| {
            rest.insert(0, t);
            rest[2] = 0;
            rest[3] = 0;
            let c = checksum::checksum(&rest);
            rest[2..4].copy_from_slice(&c.to_be_bytes());
            rest
        });
    prop_oneof![simple, query, report, unknown]
}

/// A change to a valid message: flip octets, cut, append, then maybe fix the
/// checksum so the structural checks are what decides.
#[derive(Debug, Clone)]
struct Mutation {
    flips: Vec<(usize, u8)>,
    cut: Option<usize>,
    append: Vec<u8>,
    fix_checksum: bool,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        proptest::collection::vec((any::<usize>(), any::<u8>()), 0..3),
        proptest::option::of(any::<usize>()),
        proptest::collection::vec(any::<u8>(), 0..6),
        any::<bool>(),
    )
        .prop_map(|(flips, cut, append, fix_checksum)| Mutation {
            flips,
            cut,
            append,
            fix_checksum,
        })
}

fn apply(mut b: Vec<u8>, m: &Mutation) -> Vec<u8> {
    for &(i, v) in &m.flips {
        let len = b.len();
        b[i % len] = v;
    }
    if let Some(c) = m.cut {
        let len = b.len();
        b.truncate(c % (len + 1));
    }
    b.extend_from_slice(&m.append);
    if m.fix_checksum && b.len() >= 4 {
        b[2] = 0;
        b[3] = 0;
        let c = checksum::checksum(&b);
        b[2..4].copy_from_slice(&c.to_be_bytes());
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn valid_messages_parse_alike(b in valid_message()) {
        prop_assert!(IgmpMessage::parse(&b).is_ok());
        compare(&b)?;
    }

    #[test]
    fn mutated_messages_parse_alike(b in valid_message(), m in mutation()) {
        compare(&apply(b, &m))?;
    }

    #[test]
    fn arbitrary_bytes_parse_alike(b in proptest::collection::vec(any::<u8>(), 0..64), fix in any::<bool>()) {
        let b = apply(b, &Mutation { flips: vec![], cut: None, append: vec![], fix_checksum: fix });
        compare(&b)?;
    }
}

#[test]
fn query_lengths_nine_to_eleven_are_rejected_by_both() {
    // RFC 3376/9776 §7.1: neither 8 nor at least 12 octets → silently ignore.
    for len in 9..=11 {
        let mut b = vec![0u8; len];
        b[0] = 0x11;
        b[1] = 0x64;
        let c = checksum::checksum(&b);
        b[2..4].copy_from_slice(&c.to_be_bytes());
        assert!(IgmpMessage::parse(&b).is_err());
        assert!(etherparse_accepts(&b).is_none());
    }
}

#[test]
fn zeek_extra_octet_messages_are_accepted_by_both() {
    // zeek home-multicast-short.pcap frames 1 and 2.
    let query = [
        0x11, 0x64, 0xec, 0x1e, 0, 0, 0, 0, 0x02, 0x7d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    let report = [
        0x22, 0x00, 0xfb, 0x02, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x00,
        0xfb, 0, 0, 0, 0, 0, 0,
    ];
    compare(&query).unwrap();
    compare(&report).unwrap();
    assert!(etherparse_accepts(&query).is_some());
}
