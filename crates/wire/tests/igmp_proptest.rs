//! Property tests for the IGMP codec: `parse(emit(x)) == x` for every repr,
//! parsing and iteration of arbitrary bytes never panic and always end, the
//! float codes are monotonic, and the v3 report splitter accounts for every
//! record and source (RFC 3376 §4.2.16).

use core::net::Ipv4Addr;

use ipv4kit_wire::igmp::{
    GroupRecordRepr, GroupRecordType, GroupRecords, IgmpMessage, LeaveV2, MaxRespCode, Qqic,
    QueryV1, QueryV2, QueryV3, ReportV1, ReportV2, ReportV3, ReportV3Splitter, ALL_IGMPV3_ROUTERS,
    ALL_ROUTERS, ALL_SYSTEMS,
};
use proptest::prelude::*;

fn addr() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn addrs(max: usize) -> impl Strategy<Value = Vec<Ipv4Addr>> {
    proptest::collection::vec(addr(), 0..max)
}

/// An owned group record: type, group, sources, aux data.
type OwnedRecord = (u8, Ipv4Addr, Vec<Ipv4Addr>, Vec<u8>);

fn owned_record(max_sources: usize) -> impl Strategy<Value = OwnedRecord> {
    (
        any::<u8>(),
        addr(),
        addrs(max_sources),
        (0usize..3).prop_flat_map(|w| proptest::collection::vec(any::<u8>(), w * 4)),
    )
}

fn reprs(owned: &[OwnedRecord]) -> Vec<GroupRecordRepr<'_>> {
    owned
        .iter()
        .map(|(t, g, s, a)| GroupRecordRepr {
            record_type: GroupRecordType::from(*t),
            group: *g,
            sources: s,
            aux_data: a,
        })
        .collect()
}

/// Consumes every record and source of whatever parsed, so that lazily
/// evaluated parts are exercised too.
fn walk(m: &IgmpMessage<'_>) -> usize {
    match m {
        IgmpMessage::QueryV3(q) => q.sources().count() + q.extra().len(),
        IgmpMessage::ReportV3(r) => r
            .records()
            .map(|g| g.sources().count() + g.aux_data().len() + usize::from(g.num_sources()))
            .sum(),
        other => other.as_bytes().len(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn query_v1_round_trips(_x in any::<u8>()) {
        let mut buf = [0u8; 8];
        prop_assert_eq!(QueryV1.emit(&mut buf), Ok(8));
        let IgmpMessage::QueryV1(v) = IgmpMessage::parse(&buf).unwrap() else { panic!() };
        prop_assert_eq!(QueryV1::from_view(&v), QueryV1);
        prop_assert_eq!(QueryV1.destination(), ALL_SYSTEMS);
    }

    #[test]
    fn query_v2_round_trips(max_resp_time in 1u8..=255, group in addr()) {
        let x = QueryV2 { max_resp_time, group };
        let mut buf = [0u8; 8];
        prop_assert_eq!(x.emit(&mut buf), Ok(x.buffer_len()));
        let IgmpMessage::QueryV2(v) = IgmpMessage::parse(&buf).unwrap() else { panic!() };
        prop_assert_eq!(QueryV2::from_view(&v), x);
        prop_assert_eq!(v, x);
        let dest = if group.is_unspecified() { ALL_SYSTEMS } else { group };
        prop_assert_eq!(x.destination(), dest);
    }

    #[test]
    fn query_v3_round_trips(code in any::<u8>(), group in addr(), s_flag in any::<bool>(),
                            qrv in 0u8..=7, qqic in any::<u8>(), sources in addrs(64)) {
        let x = QueryV3 {
            max_resp_code: MaxRespCode(code), group, s_flag, qrv, qqic: Qqic(qqic), sources: &sources,
        };
        let mut buf = vec![0u8; x.buffer_len()];
        prop_assert_eq!(x.emit(&mut buf), Ok(x.buffer_len()));
        let IgmpMessage::QueryV3(v) = IgmpMessage::parse(&buf).unwrap() else { panic!() };
        prop_assert_eq!(v, x);
        prop_assert_eq!(v.flags(), 0);
        prop_assert!(v.extra().is_empty());
        let dest = if group.is_unspecified() { ALL_SYSTEMS } else { group };
        prop_assert_eq!(x.destination(), dest);
    }

    #[test]
    fn v1_v2_reports_and_leaves_round_trip(group in addr()) {
        let mut buf = [0u8; 8];
        let r1 = ReportV1 { group };
        r1.emit(&mut buf).unwrap();
        let IgmpMessage::ReportV1(v) = IgmpMessage::parse(&buf).unwrap() else { panic!() };
        prop_assert_eq!(ReportV1::from_view(&v), r1);
        prop_assert_eq!(r1.destination(), group);

        let r2 = ReportV2 { group };
        r2.emit(&mut buf).unwrap();
        let IgmpMessage::ReportV2(v) = IgmpMessage::parse(&buf).unwrap() else { panic!() };
        prop_assert_eq!(ReportV2::from_view(&v), r2);
        prop_assert_eq!(r2.destination(), group);

        let l = LeaveV2 { group };
        l.emit(&mut buf).unwrap();
        let IgmpMessage::LeaveV2(v) = IgmpMessage::parse(&buf).unwrap() else { panic!() };
        prop_assert_eq!(LeaveV2::from_view(&v), l);
        prop_assert_eq!(l.destination(), ALL_ROUTERS);
    }

    #[test]
    fn report_v3_round_trips(owned in proptest::collection::vec(owned_record(20), 0..12)) {
        let recs = reprs(&owned);
        let x = ReportV3 { records: &recs };
        let mut buf = vec![0u8; x.buffer_len()];
        prop_assert_eq!(x.emit(&mut buf), Ok(x.buffer_len()));
        let IgmpMessage::ReportV3(v) = IgmpMessage::parse(&buf).unwrap() else { panic!() };
        prop_assert_eq!(v, x);
        prop_assert_eq!(v.records().count(), recs.len());
        prop_assert!(v.extra().is_empty());
        prop_assert_eq!(x.destination(), ALL_IGMPV3_ROUTERS);
    }

    #[test]
    fn emit_into_short_buffers_fails_cleanly(owned in proptest::collection::vec(owned_record(8), 1..5),
                                             cut in any::<usize>()) {
        let recs = reprs(&owned);
        let x = ReportV3 { records: &recs };
        let len = x.buffer_len();
        let short = cut % len;
        let mut buf = vec![0u8; short];
        let res = x.emit(&mut buf);
        prop_assert!(
            matches!(res, Err(ipv4kit_wire::igmp::IgmpEmitError::BufferTooShort { needed, available })
                if needed == len && available == short),
            "{:?}", res
        );
    }

    #[test]
    fn parse_of_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = IgmpMessage::parse(&bytes);
        if let Ok(m) = IgmpMessage::parse_lenient(&bytes) {
            walk(&m);
            prop_assert_eq!(m.as_bytes(), &bytes[..]);
        }
    }

    #[test]
    fn parse_of_arbitrary_typed_bytes_never_panics(
        t in prop::sample::select(vec![0x11u8, 0x12, 0x16, 0x17, 0x22]),
        mut bytes in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        if let Some(b) = bytes.first_mut() { *b = t; }
        if let Ok(m) = IgmpMessage::parse_lenient(&bytes) {
            walk(&m);
            // A parsed v3 report yields exactly M records.
            if let IgmpMessage::ReportV3(r) = m {
                prop_assert_eq!(r.records().count(), usize::from(r.num_records()));
            }
        }
        let _ = IgmpMessage::parse(&bytes);
    }

    #[test]
    fn mutated_valid_messages_never_panic(owned in proptest::collection::vec(owned_record(6), 0..6),
                                          flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
                                          cut in any::<usize>()) {
        // Valid v3 reports with a few octets changed and the tail cut: these
        // reach deep into the record walk, unlike uniformly random bytes.
        let recs = reprs(&owned);
        let x = ReportV3 { records: &recs };
        let mut buf = vec![0u8; x.buffer_len()];
        x.emit(&mut buf).unwrap();
        for (i, v) in flips {
            let len = buf.len();
            buf[i % len] = v;
        }
        buf.truncate(cut % (buf.len() + 1));
        if let Ok(m) = IgmpMessage::parse_lenient(&buf) {
            walk(&m);
            if let IgmpMessage::ReportV3(r) = m {
                prop_assert_eq!(r.records().count(), usize::from(r.num_records()));
            }
        }
    }

    #[test]
    fn group_record_iteration_of_arbitrary_bytes_ends(bytes in proptest::collection::vec(any::<u8>(), 0..400),
                                                      count in any::<u16>()) {
        let mut n = 0usize;
        for rec in GroupRecords::new(&bytes, count) {
            n += 1;
            prop_assert!(rec.len() <= bytes.len());
            let _ = rec.sources().count();
        }
        prop_assert!(n <= bytes.len() / 8);
    }

    #[test]
    fn float_codes_are_monotonic_and_round_down(a in any::<u32>(), b in any::<u32>()) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(MaxRespCode::from_tenths(lo) <= MaxRespCode::from_tenths(hi));
        prop_assert!(Qqic::from_secs(lo) <= Qqic::from_secs(hi));
        let c = MaxRespCode::from_tenths(a);
        prop_assert!(u32::from(c.tenths()) <= a);
        if c.0 < 0xff {
            prop_assert!(u32::from(MaxRespCode(c.0 + 1).tenths()) > a);
        }
        let q = Qqic::from_secs(a);
        prop_assert!(u32::from(q.secs()) <= a);
        if q.0 < 0xff {
            prop_assert!(u32::from(Qqic(q.0 + 1).secs()) > a);
        }
    }

    #[test]
    fn splitter_accounts_for_every_record_and_source(
        owned in proptest::collection::vec(
            (1u8..=6, addr(), (0usize..500).prop_map(|n| (0..n as u32).map(Ipv4Addr::from).collect::<Vec<_>>()),
             prop::sample::select(vec![0usize, 0, 0, 4])
                 .prop_map(|n| vec![0xaau8; n])),
            0..25),
        max_len in 28usize..3000,
    ) {
        let recs = reprs(&owned);
        check_split(&recs, max_len)?;
    }
}

/// Runs the splitter and checks the RFC 3376 §4.2.16 rules on the output.
fn check_split(recs: &[GroupRecordRepr<'_>], max_len: usize) -> Result<(), TestCaseError> {
    let mut s = ReportV3Splitter::new(recs, max_len);
    let mut buf = vec![0u8; max_len];
    let (mut idx, mut off, mut dropped, mut pieces) =
        (0usize, 0usize, 0usize, vec![0usize; recs.len()]);
    while let Some(res) = s.next_into(&mut buf) {
        let n = res.map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert!(n <= max_len);
        let IgmpMessage::ReportV3(r) = IgmpMessage::parse(&buf[..n]).unwrap() else {
            panic!()
        };
        prop_assert!(r.num_records() > 0);
        for e in r.records() {
            let want = &recs[idx];
            prop_assert_eq!(e.record_type(), want.record_type);
            prop_assert_eq!(e.group(), want.group);
            prop_assert_eq!(e.aux_data(), want.aux_data);
            let got: Vec<Ipv4Addr> = e.sources().collect();
            prop_assert_eq!(&got[..], &want.sources[off..off + got.len()]);
            off += got.len();
            pieces[idx] += 1;
            if off == want.sources.len() || want.record_type.is_exclude() {
                dropped += want.sources.len() - off;
                idx += 1;
                off = 0;
            }
        }
    }
    prop_assert_eq!(idx, recs.len(), "every record appears");
    prop_assert_eq!(dropped, s.dropped_sources());
    for (r, p) in recs.iter().zip(&pieces) {
        if 8 + r.buffer_len() <= max_len {
            prop_assert_eq!(*p, 1, "a record that fits alone is never split");
        } else if !r.record_type.is_exclude() {
            let per = (max_len - 16 - r.aux_data.len()) / 4;
            prop_assert_eq!(*p, r.sources.len().div_ceil(per));
        }
    }
    Ok(())
}

#[test]
fn splitter_handles_thousands_of_records_and_sources() {
    // 2000 records of 0..=40 sources each, plus two records too big for any report.
    let pool: Vec<Ipv4Addr> = (0..5000u32)
        .map(|i| Ipv4Addr::from(0x0a00_0000 + i))
        .collect();
    let mut recs: Vec<GroupRecordRepr<'_>> = (0..2000u32)
        .map(|g| GroupRecordRepr {
            record_type: GroupRecordType::from((g % 6) as u8 + 1),
            group: Ipv4Addr::from(0xe900_0000 + g),
            sources: &pool[..(g % 41) as usize],
            aux_data: &[],
        })
        .collect();
    recs.insert(
        700,
        GroupRecordRepr {
            record_type: GroupRecordType::AllowNewSources,
            group: Ipv4Addr::new(232, 9, 9, 9),
            sources: &pool,
            aux_data: &[],
        },
    );
    recs.insert(
        1400,
        GroupRecordRepr {
            record_type: GroupRecordType::ModeIsExclude,
            group: Ipv4Addr::new(239, 9, 9, 9),
            sources: &pool,
            aux_data: &[],
        },
    );
    check_split(&recs, 1476).unwrap();
    let mut s = ReportV3Splitter::new(&recs, 1476);
    let mut buf = [0u8; 1476];
    let mut reports = 0;
    let mut sources = 0usize;
    while let Some(n) = s.next_into(&mut buf) {
        let n = n.unwrap();
        let IgmpMessage::ReportV3(r) = IgmpMessage::parse(&buf[..n]).unwrap() else {
            panic!()
        };
        sources += r.records().map(|g| g.sources().count()).sum::<usize>();
        reports += 1;
    }
    let total: usize = recs.iter().map(|r| r.sources.len()).sum();
    // Only the IS_EX record loses sources: 5000 − 365 of them.
    assert_eq!(s.dropped_sources(), 5000 - 365);
    assert_eq!(sources, total - (5000 - 365));
    assert!(reports > 30, "{reports}");
}
