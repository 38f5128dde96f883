//! IGMP bodies: `igmp_dispatch`, `igmp_query`, `igmp_report_v3`,
//! `igmp_roundtrip`.

use std::net::Ipv4Addr;
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use ipv4kit_wire::checksum;
use ipv4kit_wire::igmp::{
    GroupRecordRepr, GroupRecordType, GroupRecords, IgmpEmitError, IgmpError, IgmpMessage, LeaveV2,
    MaxRespCode, Qqic, QueryV1, QueryV2, QueryV3, ReportV1, ReportV2, ReportV3, ReportV3Splitter,
    FLOAT_CODE_MAX, MAX_IGMP_LEN,
};

/// `parse` and `parse_lenient` on arbitrary bytes: strict Ok ⇒ lenient Ok and
/// equal; `BadChecksum` ⇒ lenient Ok, the checksum flagged, and storing the
/// computed value makes it parse; any other error ⇒ the same from lenient.
/// Every accepted message is walked ([`walk`]).
pub fn igmp_dispatch(data: &[u8]) {
    let strict = IgmpMessage::parse(data);
    let lenient = IgmpMessage::parse_lenient(data);
    match strict {
        Ok(m) => {
            assert_eq!(Ok(m), lenient);
            assert!(m.checksum_ok());
            walk(data, &m, true);
        }
        Err(IgmpError::BadChecksum { computed, stored }) => {
            let m = lenient.expect("BadChecksum but lenient Err: structure was fine");
            assert!(!m.checksum_ok());
            assert_eq!(m.checksum(), stored);
            let mut fixed = data.to_vec();
            fixed[2..4].copy_from_slice(&computed.to_be_bytes());
            assert!(
                IgmpMessage::parse(&fixed).is_ok(),
                "the computed checksum {computed:#06x} does not verify"
            );
            walk(data, &m, false);
        }
        Err(e) => {
            assert_eq!(lenient, Err(e), "strict and lenient disagree on structure");
            let _ = e.to_string();
        }
    }
}

/// Sets the type octet and a correct checksum, so the structural checks decide.
fn with_type(data: &[u8], msg_type: u8) -> Vec<u8> {
    let mut b = data.to_vec();
    if let Some(t) = b.first_mut() {
        *t = msg_type;
    }
    if b.len() >= 4 {
        b[2..4].fill(0);
        let c = checksum::checksum(&b);
        b[2..4].copy_from_slice(&c.to_be_bytes());
    }
    b
}

/// Arbitrary bytes made a checksummed query (type 0x11): the parse result is
/// exactly the one RFC 3376 §7.1 prescribes for the length (v1/v2 at 8
/// octets, error at 9–11, v3 from 12 with the sources fitting), then walked.
pub fn igmp_query(data: &[u8]) {
    let b = with_type(data, 0x11);
    let parsed = IgmpMessage::parse(&b);
    let len = b.len();
    match (&parsed, len) {
        (Err(IgmpError::MessageTooShort { len: l }), 0..=7) => assert_eq!(*l, len),
        (Ok(IgmpMessage::QueryV1(_)), 8) => assert_eq!(b[1], 0),
        (Ok(IgmpMessage::QueryV2(_)), 8) => assert_ne!(b[1], 0),
        (Err(IgmpError::QueryLengthInvalid { len: l }), 9..=11) => assert_eq!(*l, len),
        (Ok(IgmpMessage::QueryV3(q)), 12..) => {
            assert!(12 + 4 * usize::from(q.num_sources()) <= len)
        }
        (
            Err(IgmpError::SourcesTruncated {
                declared,
                available,
            }),
            12..,
        ) => {
            assert_eq!(*declared, u16::from_be_bytes([b[10], b[11]]));
            assert_eq!(*available, (len - 12) / 4);
            assert!(12 + 4 * usize::from(*declared) > len);
        }
        (other, _) => panic!("a {len}-octet query parsed as {other:?}"),
    }
    if let Ok(m) = parsed {
        walk(&b, &m, true);
    }
    igmp_dispatch(data);
}

/// The first two octets are a record count, the rest raw record octets:
/// `GroupRecords::new` runs at most `min(count, len / 8)` times and never
/// reads past its octets; then the same octets as a checksummed v3 report:
/// the parse accepts exactly when the raw walk finds every counted record,
/// and reports the index of the first record that does not fit.
pub fn igmp_report_v3(data: &[u8]) {
    let Some((count, body)) = data.split_first_chunk::<2>() else {
        return;
    };
    let count = u16::from_be_bytes(*count);
    let found = walk_raw_records(body, count);

    // The same records behind a report header claiming `count`.
    let mut msg = vec![0x22, 0, 0, 0, 0, 0];
    msg.extend_from_slice(&count.to_be_bytes());
    msg.extend_from_slice(body);
    let msg = with_type(&msg, 0x22);
    match IgmpMessage::parse(&msg) {
        Ok(IgmpMessage::ReportV3(r)) => {
            assert_eq!(found, usize::from(count));
            assert_eq!(r.num_records(), count);
            walk(&msg, &IgmpMessage::ReportV3(r), true);
        }
        Err(IgmpError::RecordHeaderTruncated { index, available }) => {
            assert_eq!(found, usize::from(index));
            assert!(available < 8);
        }
        Err(IgmpError::RecordTruncated {
            index,
            needed,
            available,
        }) => {
            assert_eq!(found, usize::from(index));
            assert!(needed > available);
        }
        other => panic!("a v3 report parsed as {other:?}"),
    }
    igmp_dispatch(data);
}

/// Walks `GroupRecords::new(body, count)`; returns the records found.
fn walk_raw_records(body: &[u8], count: u16) -> usize {
    let bound = usize::from(count).min(body.len() / 8);
    let records = GroupRecords::new(body, count);
    let (_, upper) = records.size_hint();
    assert!(upper.is_some_and(|u| u <= bound));
    let mut at = 0usize;
    let mut found = 0usize;
    for rec in records {
        found += 1;
        assert!(found <= bound, "record walk exceeds min(count, len/8)");
        let len = rec.len();
        assert_eq!(
            len,
            8 + 4 * usize::from(rec.num_sources()) + 4 * usize::from(rec.aux_data_len())
        );
        assert!(at + len <= body.len());
        let raw = &body[at..at + len];
        assert_eq!(rec.group().octets(), raw[4..8]);
        assert_eq!(u8::from(rec.record_type()), raw[0]);
        assert_eq!(rec.sources().len(), usize::from(rec.num_sources()));
        assert_eq!(rec.aux_data(), &raw[len - rec.aux_data().len()..]);
        at += len;
    }
    found
}

/// Every check a parsed message allows. `checksum_ok` says whether the
/// checksum verified; when it did, a re-emitted repr reproduces the octets its
/// fields cover.
pub fn walk(data: &[u8], m: &IgmpMessage<'_>, checksum_ok: bool) {
    assert_eq!(m.as_bytes(), data);
    assert_eq!(m.msg_type(), data[0]);
    assert_eq!(m.checksum(), u16::from_be_bytes([data[2], data[3]]));
    assert_eq!(m.checksum_ok(), checksum_ok);
    let _ = format!("{m} {m:?}");
    let mut out = vec![0xa5u8; data.len().max(16) + 16];
    match m {
        IgmpMessage::QueryV1(q) => {
            assert_eq!((data.len(), data[1]), (8, 0));
            assert_eq!(q.max_resp_time_tenths(), 100);
            assert_eq!(q.max_resp_time(), Duration::from_secs(10));
            let n = QueryV1::from_view(q).emit(&mut out).unwrap();
            // A v1 query's group is zeroed when sent (RFC 1112 App. I).
            if checksum_ok && q.group().is_unspecified() {
                assert_reemitted(&out[..n], data);
            }
        }
        IgmpMessage::QueryV2(q) => {
            assert_eq!(data.len(), 8);
            assert_ne!(q.max_resp_time(), 0);
            assert_eq!(q.is_general(), q.group().is_unspecified());
            assert_eq!(
                q.max_resp_duration(),
                Duration::from_millis(100 * u64::from(q.max_resp_time()))
            );
            let repr = QueryV2::from_view(q);
            assert_eq!(*q, repr);
            let n = repr.emit(&mut out).unwrap();
            if checksum_ok {
                assert_reemitted(&out[..n], data);
            }
        }
        IgmpMessage::QueryV3(q) => {
            let n_src = usize::from(q.num_sources());
            assert!(data.len() >= 12);
            assert_eq!(q.sources().len(), n_src);
            assert_eq!(q.extra().len(), data.len() - 12 - 4 * n_src);
            assert_eq!(q.is_general(), q.group().is_unspecified());
            assert!(q.flags() <= 15 && q.qrv() <= 7);
            check_code(q.max_resp_code().0);
            check_code(q.qqic().0);
            let sources: Vec<Ipv4Addr> = q.sources().collect();
            let repr = QueryV3 {
                max_resp_code: q.max_resp_code(),
                group: q.group(),
                s_flag: q.s_flag(),
                qrv: q.qrv(),
                qqic: q.qqic(),
                sources: &sources,
            };
            assert_eq!(*q, repr);
            let n = repr.emit(&mut out).unwrap();
            assert_eq!(n, 12 + 4 * n_src);
            // Identical but for the Flags nibble (sent as 0) and the checksum
            // (which also covered the extra octets).
            let mut expected = data[..n].to_vec();
            expected[8] &= 0x0f;
            expected[2..4].copy_from_slice(&out[2..4]);
            assert_eq!(out[..n], expected[..]);
            reparse_equal(
                &out[..n],
                |m| matches!(m, IgmpMessage::QueryV3(v) if *v == repr),
            );
        }
        IgmpMessage::ReportV1(r) => {
            check_group_message(data, r.extra(), r.group(), r.unused());
            let repr = ReportV1::from_view(r);
            assert_eq!(*r, repr);
            let n = repr.emit(&mut out).unwrap();
            compare_group_message(data, &out[..n], checksum_ok);
            reparse_equal(
                &out[..n],
                |m| matches!(m, IgmpMessage::ReportV1(v) if *v == repr),
            );
        }
        IgmpMessage::ReportV2(r) => {
            check_group_message(data, r.extra(), r.group(), r.unused());
            let repr = ReportV2::from_view(r);
            assert_eq!(*r, repr);
            let n = repr.emit(&mut out).unwrap();
            compare_group_message(data, &out[..n], checksum_ok);
            reparse_equal(
                &out[..n],
                |m| matches!(m, IgmpMessage::ReportV2(v) if *v == repr),
            );
        }
        IgmpMessage::LeaveV2(r) => {
            check_group_message(data, r.extra(), r.group(), r.unused());
            let repr = LeaveV2::from_view(r);
            assert_eq!(*r, repr);
            let n = repr.emit(&mut out).unwrap();
            compare_group_message(data, &out[..n], checksum_ok);
            reparse_equal(
                &out[..n],
                |m| matches!(m, IgmpMessage::LeaveV2(v) if *v == repr),
            );
        }
        IgmpMessage::ReportV3(r) => {
            let body = &data[8..];
            // Termination within len/8 steps and exactly num_records records.
            let mut steps = 0usize;
            let mut records_len = 0usize;
            let mut sources: Vec<Vec<Ipv4Addr>> = Vec::new();
            let mut owned: Vec<(GroupRecordType, Ipv4Addr, Vec<u8>)> = Vec::new();
            for rec in r.records() {
                steps += 1;
                assert!(steps <= body.len() / 8, "record walk exceeds len/8 steps");
                records_len += rec.len();
                assert!(!rec.is_empty());
                sources.push(rec.sources().collect());
                owned.push((rec.record_type(), rec.group(), rec.aux_data().to_vec()));
                let _ = format!("{rec:?}");
            }
            assert_eq!(steps, usize::from(r.num_records()));
            assert_eq!(8 + records_len + r.extra().len(), data.len());
            assert_eq!(walk_raw_records(body, r.num_records()), steps);
            let reprs: Vec<GroupRecordRepr<'_>> = owned
                .iter()
                .zip(&sources)
                .map(|((t, g, aux), s)| GroupRecordRepr {
                    record_type: *t,
                    group: *g,
                    sources: s,
                    aux_data: aux,
                })
                .collect();
            let repr = ReportV3 { records: &reprs };
            assert_eq!(*r, repr);
            assert_eq!(repr.buffer_len(), 8 + records_len);
            let n = repr.emit(&mut out).unwrap();
            assert_eq!(n, 8 + records_len);
            // Identical but for Reserved (octet 1), Flags (4–5) and the checksum.
            let mut expected = data[..n].to_vec();
            expected[1] = 0;
            expected[4..6].fill(0);
            expected[2..4].copy_from_slice(&out[2..4]);
            assert_eq!(out[..n], expected[..]);
            reparse_equal(
                &out[..n],
                |m| matches!(m, IgmpMessage::ReportV3(v) if *v == repr),
            );
        }
        IgmpMessage::Unknown { msg_type, bytes } => {
            assert!(!matches!(*msg_type, 0x11 | 0x12 | 0x16 | 0x17 | 0x22));
            assert_eq!(*bytes, data);
        }
        _ => {}
    }
}

fn check_group_message(data: &[u8], extra: &[u8], group: Ipv4Addr, unused: u8) {
    assert!(data.len() >= 8);
    assert_eq!(extra, &data[8..]);
    assert_eq!(group.octets(), data[4..8]);
    assert_eq!(unused, data[1]);
}

/// A v1/v2 report or leave re-emitted: the same type and group; the same 8
/// octets exactly when the unused octet was 0, nothing followed and the
/// checksum verified.
fn compare_group_message(data: &[u8], out: &[u8], checksum_ok: bool) {
    assert_eq!(out.len(), 8);
    assert_eq!(out[0], data[0]);
    assert_eq!(out[4..8], data[4..8]);
    if checksum_ok && data.len() == 8 && data[1] == 0 {
        assert_reemitted(out, data);
    }
}

/// `out` is `data` re-emitted: the same octets, except that a stored checksum
/// of 0xffff may come back as 0x0000. Both are one's complement zeros and
/// both verify (RFC 1624 §3); emit computes the 0x0000 form, so a message
/// carrying 0xffff (its other words summing to 0xffff) cannot re-emit exactly.
fn assert_reemitted(out: &[u8], data: &[u8]) {
    assert_eq!(out.len(), data.len());
    assert_eq!(out[..2], data[..2], "re-emitted message differs");
    assert_eq!(out[4..], data[4..], "re-emitted message differs");
    let stored = u16::from_be_bytes([data[2], data[3]]);
    let emitted = u16::from_be_bytes([out[2], out[3]]);
    if stored != emitted {
        assert_eq!(
            (stored, emitted),
            (0xffff, 0x0000),
            "re-emitted checksum differs"
        );
    }
}

fn reparse_equal(bytes: &[u8], same: impl Fn(&IgmpMessage<'_>) -> bool) {
    match IgmpMessage::parse(bytes) {
        Ok(m) => assert!(same(&m), "re-emitted message parses differently: {m:?}"),
        Err(e) => panic!("re-emitted message does not parse: {e}"),
    }
}

/// The float-code contract (RFC 3376 §4.1.1, §4.1.7; RFC 9776 rounding):
/// every code decodes within range and encodes back to itself.
fn check_code(code: u8) {
    let t = MaxRespCode(code).tenths();
    assert!(t <= FLOAT_CODE_MAX);
    assert_eq!(MaxRespCode::from_tenths(u32::from(t)), MaxRespCode(code));
    assert_eq!(
        MaxRespCode::from_duration(MaxRespCode(code).duration()).0,
        code
    );
    assert_eq!(Qqic(code).secs(), t);
    assert_eq!(Qqic::from_secs(u32::from(t)), Qqic(code));
    assert_eq!(Qqic::from_duration(Qqic(code).duration()).0, code);
}

/// The encoder on an arbitrary value: the largest code not above it (0xFF
/// above the maximum).
fn check_encode(value: u32) {
    let c = MaxRespCode::from_tenths(value);
    if value >= u32::from(FLOAT_CODE_MAX) {
        assert_eq!(c.0, 0xff);
    } else {
        assert!(
            u32::from(c.tenths()) <= value,
            "{value} encodes above itself"
        );
        assert!(
            c.0 == 0xff || u32::from(MaxRespCode(c.0 + 1).tenths()) > value,
            "{value} does not get the largest code below it"
        );
    }
    assert_eq!(Qqic::from_secs(value).0, c.0);
}

/// A group record as plain values, for [`igmp_roundtrip`].
#[derive(Debug, Arbitrary)]
pub struct RecordInput {
    record_type: u8,
    group: [u8; 4],
    sources: Vec<[u8; 4]>,
    aux_words: Vec<[u8; 4]>,
    /// Extra aux octets (mod 4) that make the aux data invalid when non-zero.
    aux_tail: u8,
    /// Repeats the source list this many times (mod 64), to reach splits cheaply.
    repeat: u8,
}

/// One builder with its fields, for [`igmp_roundtrip`].
#[derive(Debug, Arbitrary)]
pub enum RoundTripInput {
    /// `QueryV1`.
    QueryV1,
    /// `QueryV2` (Max Resp Time, group).
    QueryV2(u8, [u8; 4]),
    /// `QueryV3` (code, group, S, QRV, QQIC, sources).
    QueryV3(u8, [u8; 4], bool, u8, u8, Vec<[u8; 4]>),
    /// `ReportV1`.
    ReportV1([u8; 4]),
    /// `ReportV2`.
    ReportV2([u8; 4]),
    /// `LeaveV2`.
    LeaveV2([u8; 4]),
    /// `ReportV3` with records.
    ReportV3(Vec<RecordInput>),
    /// `ReportV3Splitter` over records with a size budget.
    Split(Vec<RecordInput>, u16),
    /// The float codes: a code and a value.
    Codes(u8, u32),
}

/// Owned records, borrowed as reprs by [`records`].
struct OwnedRecords {
    items: Vec<(GroupRecordType, Ipv4Addr, Vec<Ipv4Addr>, Vec<u8>)>,
}

impl OwnedRecords {
    fn new(inputs: &[RecordInput]) -> Self {
        let items = inputs
            .iter()
            .map(|r| {
                let mut sources: Vec<Ipv4Addr> = Vec::new();
                for _ in 0..=(r.repeat % 64) {
                    sources.extend(r.sources.iter().map(|s| Ipv4Addr::from(*s)));
                }
                let mut aux: Vec<u8> = r.aux_words.iter().flatten().copied().collect();
                aux.extend(std::iter::repeat_n(0xaa, usize::from(r.aux_tail % 4)));
                (
                    GroupRecordType::from(r.record_type),
                    Ipv4Addr::from(r.group),
                    sources,
                    aux,
                )
            })
            .collect();
        OwnedRecords { items }
    }

    fn reprs(&self) -> Vec<GroupRecordRepr<'_>> {
        self.items
            .iter()
            .map(|(t, g, s, a)| GroupRecordRepr {
                record_type: *t,
                group: *g,
                sources: s,
                aux_data: a,
            })
            .collect()
    }
}

/// Builds a [`RoundTripInput`] from the bytes and runs [`igmp_roundtrip_input`].
pub fn igmp_roundtrip(data: &[u8]) {
    if let Ok(input) = RoundTripInput::arbitrary_take_rest(Unstructured::new(data)) {
        igmp_roundtrip_input(input);
    }
}

/// Arbitrary reprs of every builder → emit → parse → equal; the splitter
/// emits every record and source exactly once, in order, except the sources
/// it reports dropped from too-big IS_EX/TO_EX records.
pub fn igmp_roundtrip_input(input: RoundTripInput) {
    // Room for the largest message; 0xa5 as everywhere (see the crate docs).
    let mut buf = vec![0xa5u8; 70_000];
    match input {
        RoundTripInput::QueryV1 => {
            let n = QueryV1.emit(&mut buf).unwrap();
            assert!(matches!(
                IgmpMessage::parse(&buf[..n]),
                Ok(IgmpMessage::QueryV1(_))
            ));
        }
        RoundTripInput::QueryV2(mrt, group) => {
            let repr = QueryV2 {
                max_resp_time: mrt,
                group: Ipv4Addr::from(group),
            };
            let n = repr.emit(&mut buf).unwrap();
            match IgmpMessage::parse(&buf[..n]).unwrap() {
                // RFC 3376 §7.1: an 8-octet query with code 0 is IGMPv1.
                IgmpMessage::QueryV1(v) => assert!(mrt == 0 && v.group() == repr.group),
                IgmpMessage::QueryV2(v) => assert_eq!(v, repr),
                other => panic!("{repr:?} parsed as {other:?}"),
            }
        }
        RoundTripInput::QueryV3(code, group, s_flag, qrv, qqic, sources) => {
            let sources: Vec<Ipv4Addr> = sources.into_iter().map(Ipv4Addr::from).collect();
            let repr = QueryV3 {
                max_resp_code: MaxRespCode(code),
                group: Ipv4Addr::from(group),
                s_flag,
                qrv,
                qqic: Qqic(qqic),
                sources: &sources,
            };
            let n = repr.emit(&mut buf).unwrap();
            assert_eq!(n, repr.buffer_len());
            let IgmpMessage::QueryV3(v) = IgmpMessage::parse(&buf[..n]).unwrap() else {
                panic!("{repr:?} does not parse as a v3 query");
            };
            // QRV above 7 is sent as 0 (RFC 3376 §4.1.6).
            let expected = QueryV3 {
                qrv: if qrv > 7 { 0 } else { qrv },
                ..repr
            };
            assert_eq!(v, expected);
            // A short buffer is an error, not a panic.
            assert_eq!(
                repr.emit(&mut buf[..n - 1]),
                Err(IgmpEmitError::BufferTooShort {
                    needed: n,
                    available: n - 1
                })
            );
        }
        RoundTripInput::ReportV1(group) => {
            let repr = ReportV1 {
                group: Ipv4Addr::from(group),
            };
            let n = repr.emit(&mut buf).unwrap();
            let IgmpMessage::ReportV1(v) = IgmpMessage::parse(&buf[..n]).unwrap() else {
                panic!()
            };
            assert_eq!(v, repr);
        }
        RoundTripInput::ReportV2(group) => {
            let repr = ReportV2 {
                group: Ipv4Addr::from(group),
            };
            let n = repr.emit(&mut buf).unwrap();
            let IgmpMessage::ReportV2(v) = IgmpMessage::parse(&buf[..n]).unwrap() else {
                panic!()
            };
            assert_eq!(v, repr);
        }
        RoundTripInput::LeaveV2(group) => {
            let repr = LeaveV2 {
                group: Ipv4Addr::from(group),
            };
            let n = repr.emit(&mut buf).unwrap();
            let IgmpMessage::LeaveV2(v) = IgmpMessage::parse(&buf[..n]).unwrap() else {
                panic!()
            };
            assert_eq!(v, repr);
        }
        RoundTripInput::ReportV3(inputs) => {
            let owned = OwnedRecords::new(&inputs);
            let reprs = owned.reprs();
            let repr = ReportV3 { records: &reprs };
            let bad_aux = reprs
                .iter()
                .find(|r| r.aux_data.len() % 4 != 0 || r.aux_data.len() > 1020);
            match repr.emit(&mut buf) {
                Ok(n) => {
                    assert!(bad_aux.is_none());
                    assert_eq!(n, repr.buffer_len());
                    let IgmpMessage::ReportV3(v) = IgmpMessage::parse(&buf[..n]).unwrap() else {
                        panic!()
                    };
                    assert_eq!(v, repr);
                }
                Err(IgmpEmitError::AuxDataInvalid { len }) => {
                    assert_eq!(bad_aux.map(|r| r.aux_data.len()), Some(len));
                }
                Err(IgmpEmitError::BufferTooShort { needed, .. }) => {
                    assert!(bad_aux.is_none());
                    assert_eq!(needed, repr.buffer_len());
                    assert!(needed > buf.len());
                }
                Err(e) => panic!("ReportV3 emit: {e}"),
            }
        }
        RoundTripInput::Split(inputs, max_len) => {
            let owned = OwnedRecords::new(&inputs);
            let reprs = owned.reprs();
            check_splitter(&reprs, usize::from(max_len));
        }
        RoundTripInput::Codes(code, value) => {
            check_code(code);
            check_encode(value);
        }
    }
}

/// Runs the splitter to the end and accounts for every record and source.
fn check_splitter(records: &[GroupRecordRepr<'_>], max_len: usize) {
    let mut splitter = ReportV3Splitter::new(records, max_len);
    let mut buf = vec![0xa5u8; max_len.min(MAX_IGMP_LEN)];
    // Every record piece emitted, in order: (type, group, sources, aux).
    let mut pieces: Vec<(GroupRecordType, Ipv4Addr, Vec<Ipv4Addr>, Vec<u8>)> = Vec::new();
    let mut error = None;
    let mut reports = 0usize;
    while let Some(res) = splitter.next_into(&mut buf) {
        reports += 1;
        assert!(
            reports <= 1 + records.len() + records.iter().map(|r| r.sources.len()).sum::<usize>()
        );
        match res {
            Ok(n) => {
                assert!(
                    n <= max_len && n <= MAX_IGMP_LEN,
                    "report of {n} octets over {max_len}"
                );
                let m = IgmpMessage::parse(&buf[..n]).expect("a split report parses");
                let IgmpMessage::ReportV3(r) = m else {
                    panic!("splitter emitted {m:?}")
                };
                assert!(r.num_records() > 0, "an empty report");
                assert!(r.extra().is_empty());
                for rec in r.records() {
                    pieces.push((
                        rec.record_type(),
                        rec.group(),
                        rec.sources().collect(),
                        rec.aux_data().to_vec(),
                    ));
                }
            }
            Err(e) => {
                assert!(error.is_none());
                error = Some(e);
            }
        }
    }
    assert!(splitter.is_done());
    // Match pieces to records in order.
    let mut p = 0usize;
    let mut dropped = 0usize;
    let mut complete = true;
    for rec in records {
        let mut got: Vec<Ipv4Addr> = Vec::new();
        let mut first = true;
        while p < pieces.len() && (first || got.len() < rec.sources.len()) {
            let (t, g, s, a) = &pieces[p];
            if (*t, *g, a.as_slice()) != (rec.record_type, rec.group, rec.aux_data) {
                break;
            }
            if !first && rec.record_type.is_exclude() {
                break;
            }
            got.extend_from_slice(s);
            p += 1;
            first = false;
            if rec.sources.is_empty() {
                break;
            }
        }
        if first {
            // Nothing for this record: only allowed once the run ended in error.
            complete = false;
            break;
        }
        if rec.record_type.is_exclude() && got.len() < rec.sources.len() {
            assert_eq!(
                got[..],
                rec.sources[..got.len()],
                "IS_EX/TO_EX sources out of order"
            );
            dropped += rec.sources.len() - got.len();
        } else if got.len() < rec.sources.len() {
            assert_eq!(got[..], rec.sources[..got.len()]);
            complete = false;
            break;
        } else {
            assert_eq!(
                got[..],
                rec.sources[..],
                "a record's sources are not emitted exactly once"
            );
        }
    }
    assert_eq!(
        p,
        pieces.len(),
        "pieces left over: a record emitted twice or out of order"
    );
    match error {
        None => {
            assert!(complete, "the splitter stopped early without an error");
            assert_eq!(dropped, splitter.dropped_sources());
        }
        Some(IgmpEmitError::BudgetTooSmall { needed, .. }) => {
            assert!(needed > max_len.min(MAX_IGMP_LEN));
        }
        Some(IgmpEmitError::AuxDataInvalid { len }) => {
            assert!(len % 4 != 0 || len > 1020);
        }
        Some(e) => panic!("splitter: {e}"),
    }
}
