//! Unit tests for [`super`].

use super::super::IgmpMessage;
use super::*;
use std::vec::Vec;

fn report(bytes: &[u8]) -> ReportV3View<'_> {
    match IgmpMessage::parse(bytes).unwrap() {
        IgmpMessage::ReportV3(r) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
fn fuchsia_member_report_decodes_and_reemits() {
    let bytes = [
        0x22, 0x00, 0x7a, 0xe7, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x00, 0x02, 0xe0, 0x00, 0x00,
        0x01, 0xe0, 0x00, 0x00, 0x02, 0xe0, 0x00, 0x00, 0x03, 0x02, 0x00, 0x00, 0x01, 0xe0, 0x00,
        0x00, 0x04, 0xe0, 0x00, 0x00, 0x05,
    ];
    let r = report(&bytes);
    let recs: Vec<_> = r.records().collect();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].record_type(), GroupRecordType::ModeIsInclude);
    assert_eq!(recs[0].group(), Ipv4Addr::new(224, 0, 0, 1));
    assert_eq!(
        recs[0].sources().collect::<Vec<_>>(),
        [Ipv4Addr::new(224, 0, 0, 2), Ipv4Addr::new(224, 0, 0, 3)]
    );
    assert_eq!(recs[1].record_type(), GroupRecordType::ModeIsExclude);
    assert_eq!(recs[1].num_sources(), 1);

    let s0 = [Ipv4Addr::new(224, 0, 0, 2), Ipv4Addr::new(224, 0, 0, 3)];
    let s1 = [Ipv4Addr::new(224, 0, 0, 5)];
    let reprs = [
        GroupRecordRepr {
            record_type: GroupRecordType::ModeIsInclude,
            group: Ipv4Addr::new(224, 0, 0, 1),
            sources: &s0,
            aux_data: &[],
        },
        GroupRecordRepr {
            record_type: GroupRecordType::ModeIsExclude,
            group: Ipv4Addr::new(224, 0, 0, 4),
            sources: &s1,
            aux_data: &[],
        },
    ];
    let rep = ReportV3 { records: &reprs };
    assert_eq!(r, rep);
    let mut out = [0u8; 36];
    assert_eq!(rep.emit(&mut out), Ok(36));
    assert_eq!(out, bytes);
}

#[test]
fn aux_data_is_skipped_and_exposed() {
    let aux = [1, 2, 3, 4, 5, 6, 7, 8];
    let src = [Ipv4Addr::new(10, 0, 0, 1)];
    let recs = [
        GroupRecordRepr {
            record_type: GroupRecordType::Unknown(9),
            group: Ipv4Addr::new(232, 0, 0, 1),
            sources: &src,
            aux_data: &aux,
        },
        GroupRecordRepr {
            record_type: GroupRecordType::BlockOldSources,
            group: Ipv4Addr::new(232, 0, 0, 2),
            sources: &src,
            aux_data: &[],
        },
    ];
    let rep = ReportV3 { records: &recs };
    let mut buf = [0u8; 64];
    let n = rep.emit(&mut buf).unwrap();
    let r = report(&buf[..n]);
    let got: Vec<_> = r.records().collect();
    assert_eq!(got[0].aux_data_len(), 2);
    assert_eq!(got[0].aux_data(), aux);
    assert_eq!(got[0].len(), 8 + 4 + 8);
    assert_eq!(got[1].group(), Ipv4Addr::new(232, 0, 0, 2));
    assert_eq!(r, rep);
}

#[test]
fn truncated_records_are_length_errors_with_numbers() {
    // Declares 2 records but holds one 8-octet record and 3 stray octets.
    let mut b = [0u8; 19];
    b[0] = 0x22;
    b[7] = 2;
    b[8] = 1;
    assert_eq!(
        IgmpMessage::parse_lenient(&b),
        Err(IgmpError::RecordHeaderTruncated {
            index: 1,
            available: 3
        })
    );
    // A record whose 65535 sources cannot be there.
    let mut b = [0u8; 24];
    b[0] = 0x22;
    b[7] = 1;
    b[8] = 2;
    b[10] = 0xff;
    b[11] = 0xff;
    assert_eq!(
        IgmpMessage::parse_lenient(&b),
        Err(IgmpError::RecordTruncated {
            index: 0,
            needed: 8 + 4 * 65535,
            available: 16
        })
    );
    // A hostile record count in a short message stops at the bytes.
    let mut b = [0u8; 8];
    b[0] = 0x22;
    b[6] = 0xff;
    b[7] = 0xff;
    assert_eq!(
        IgmpMessage::parse_lenient(&b),
        Err(IgmpError::RecordHeaderTruncated {
            index: 0,
            available: 0
        })
    );
}

#[test]
fn zeek_report_with_extra_octets_parses() {
    // zeek home-multicast-short.pcap frame 2: IS_EX(224.0.0.251){} + 6 octets.
    let b = [
        0x22, 0x00, 0xfb, 0x02, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x00,
        0xfb, 0, 0, 0, 0, 0, 0,
    ];
    let r = report(&b);
    assert_eq!(r.extra().len(), 6);
    let rec = r.records().next().unwrap();
    assert_eq!(rec.record_type(), GroupRecordType::ModeIsExclude);
    assert_eq!(rec.group(), Ipv4Addr::new(224, 0, 0, 251));
}

#[test]
fn emit_rejects_bad_aux_and_counts() {
    let bad_aux = [GroupRecordRepr {
        record_type: GroupRecordType::ModeIsInclude,
        group: Ipv4Addr::new(232, 0, 0, 1),
        sources: &[],
        aux_data: &[1, 2, 3],
    }];
    let mut buf = [0u8; 64];
    assert_eq!(
        ReportV3 { records: &bad_aux }.emit(&mut buf),
        Err(IgmpEmitError::AuxDataInvalid { len: 3 })
    );
    let many = std::vec![bad_aux[0]; 65536];
    assert_eq!(
        ReportV3 { records: &many }.emit(&mut buf),
        Err(IgmpEmitError::TooManyRecords { count: 65536 })
    );
    assert_eq!(
        ReportV3 { records: &[] }.destination(),
        Ipv4Addr::new(224, 0, 0, 22)
    );
}

#[test]
fn group_records_over_arbitrary_bytes_stop_at_the_first_cut() {
    let bytes = [1u8, 0, 0, 0, 232, 0, 0, 1, 2, 0, 0, 9, 232, 0, 0, 2];
    let recs: Vec<_> = GroupRecords::new(&bytes, 500).collect();
    assert_eq!(recs.len(), 1);
    assert_eq!(GroupRecords::new(&bytes, 0).count(), 0);
}
