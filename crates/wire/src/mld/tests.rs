//! Unit tests for [`super`].

use super::*;
use std::string::ToString;
use std::vec::Vec;

fn ll(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn with_checksum(mut msg: Vec<u8>, src: Ipv6Addr, dst: Ipv6Addr) -> Vec<u8> {
    fill_checksum(src, dst, &mut msg);
    msg
}

#[test]
fn query_version_follows_length_as_rfc3810_section_8_1_says() {
    let (src, dst) = (ll("fe80::1"), ALL_NODES);
    for len in [24usize, 25, 26, 27, 28, 44] {
        let mut m = std::vec![0u8; len];
        m[0] = TYPE_QUERY;
        if len == 44 {
            m[27] = 1;
        }
        let m = with_checksum(m, src, dst);
        let got = MldMessage::parse(&m, src, dst);
        match len {
            24 => assert!(matches!(got, Ok(MldMessage::QueryV1(_)))),
            25..=27 => assert_eq!(got, Err(MldError::QueryLengthInvalid { len })),
            _ => assert!(matches!(got, Ok(MldMessage::QueryV2(_)))),
        }
    }
    assert_eq!(
        MldMessage::parse_lenient(&[TYPE_QUERY; 23]),
        Err(MldError::MessageTooShort {
            len: 23,
            needed: 24
        })
    );
}

#[test]
fn short_messages_of_every_type_are_errors() {
    assert_eq!(
        MldMessage::parse_lenient(&[]),
        Err(MldError::MessageTooShort { len: 0, needed: 4 })
    );
    assert_eq!(
        MldMessage::parse_lenient(&[TYPE_REPORT_V1, 0, 0]),
        Err(MldError::MessageTooShort { len: 3, needed: 24 })
    );
    assert_eq!(
        MldMessage::parse_lenient(&[TYPE_REPORT_V2, 0, 0, 0, 0, 0, 0]),
        Err(MldError::MessageTooShort { len: 7, needed: 8 })
    );
    assert_eq!(
        MldMessage::parse_lenient(&[135, 0, 0]),
        Err(MldError::MessageTooShort { len: 3, needed: 4 })
    );
    assert!(matches!(
        MldMessage::parse_lenient(&[135, 0, 0, 0]),
        Ok(MldMessage::Unknown { msg_type: 135, .. })
    ));
}

#[test]
fn sources_beyond_the_message_are_an_error() {
    let mut m = std::vec![0u8; 44];
    m[0] = TYPE_QUERY;
    m[27] = 2;
    assert_eq!(
        MldMessage::parse_lenient(&m),
        Err(MldError::SourcesTruncated {
            declared: 2,
            available: 1
        })
    );
}

#[test]
fn bad_checksum_names_both_values_and_depends_on_the_addresses() {
    let r = ReportV1 {
        group: ll("ff02::1:ff00:1"),
    };
    let src = ll("fe80::1");
    let mut buf = [0u8; 24];
    r.emit(src, r.group, &mut buf).unwrap();
    let good = u16::from_be_bytes([buf[2], buf[3]]);
    // The same bytes from another source do not verify.
    let other = ll("fe80::2");
    match MldMessage::parse(&buf, other, r.group) {
        Err(MldError::BadChecksum { stored, computed }) => {
            assert_eq!(stored, good);
            let mut again = [0u8; 24];
            r.emit(other, r.group, &mut again).unwrap();
            assert_eq!(computed, u16::from_be_bytes([again[2], again[3]]));
        }
        other => panic!("{other:?}"),
    }
    let lenient = MldMessage::parse_lenient(&buf).unwrap();
    assert!(lenient.checksum_ok(src, r.group));
    assert!(!lenient.checksum_ok(other, r.group));
}

#[test]
fn v2_query_round_trips_with_sources_s_flag_and_clamped_qrv() {
    let sources = [ll("2001:db8::1"), ll("2001:db8::2")];
    let q = QueryV2 {
        max_resp_code: MaxRespCode::from_millis(1000),
        group: ll("ff3e::8000:1"),
        s_flag: true,
        qrv: 9,
        qqic: Qqic(125),
        sources: &sources,
    };
    assert_eq!(q.destination(), q.group);
    let src = ll("fe80::1");
    let mut buf = [0xa5u8; 60];
    assert_eq!(q.emit(src, q.destination(), &mut buf), Ok(60));
    let MldMessage::QueryV2(v) = MldMessage::parse(&buf, src, q.group).unwrap() else {
        panic!()
    };
    assert_eq!(v, q);
    assert_eq!(v.qrv(), 0);
    assert!(v.s_flag());
    assert!(v.extra().is_empty());
    let mut back = [Ipv6Addr::UNSPECIFIED; 4];
    let r = QueryV2::from_view(&v, &mut back).unwrap();
    assert_eq!(r.sources, sources);
    assert!(QueryV2::from_view(&v, &mut [Ipv6Addr::UNSPECIFIED; 1]).is_none());
}

#[test]
fn destinations_follow_rfc2710_and_rfc3810() {
    let g = ll("ff05::1:3");
    assert_eq!(
        QueryV1 {
            max_resp_delay: 1000,
            group: Ipv6Addr::UNSPECIFIED
        }
        .destination(),
        ALL_NODES
    );
    assert_eq!(
        QueryV1 {
            max_resp_delay: 1000,
            group: g
        }
        .destination(),
        g
    );
    assert_eq!(ReportV1 { group: g }.destination(), g);
    assert_eq!(DoneV1 { group: g }.destination(), ALL_ROUTERS);
    assert_eq!(ReportV2 { records: &[] }.destination(), ALL_MLDV2_ROUTERS);
    assert!(is_link_local(ll("fe80::1")) && is_link_local(ll("febf::1")));
    assert!(!is_link_local(ll("fec0::1")) && !is_link_local(Ipv6Addr::UNSPECIFIED));
}

#[test]
fn v2_splitter_splits_include_and_truncates_exclude_at_89_sources() {
    let sources: Vec<Ipv6Addr> = (1..=100u128)
        .map(|i| Ipv6Addr::from((0x2001_0db8 << 96) | i))
        .collect();
    let records = [
        GroupRecordRepr {
            record_type: GroupRecordType::ModeIsInclude,
            group: ll("ff3e::8000:1"),
            sources: &sources,
            aux_data: &[],
        },
        GroupRecordRepr {
            record_type: GroupRecordType::ModeIsExclude,
            group: ll("ff0e::1"),
            sources: &sources,
            aux_data: &[],
        },
    ];
    let src = ll("fe80::1");
    let mut s = ReportV2Splitter::new(&records, max_mld_len(1500), src);
    let mut buf = [0u8; 1452];
    let mut shape = Vec::new();
    while let Some(n) = s.next_into(&mut buf) {
        let n = n.unwrap();
        let MldMessage::ReportV2(r) = MldMessage::parse(&buf[..n], src, ALL_MLDV2_ROUTERS).unwrap()
        else {
            panic!()
        };
        shape.push(r.records().map(|g| g.sources().count()).collect::<Vec<_>>());
    }
    // 8 + 20 + 16·89 = 1452: 89 sources fill an Ethernet-sized report.
    assert_eq!(shape, [std::vec![89], std::vec![11], std::vec![89]]);
    assert_eq!(s.dropped_sources(), 11);
}

#[test]
fn datagram_builder_refuses_short_buffers_and_giant_messages() {
    let r = ReportV1 {
        group: ll("ff02::1:ff00:1"),
    };
    assert_eq!(
        emit_datagram(&r, ll("fe80::1"), &mut [0u8; 71]),
        Err(MldEmitError::BufferTooShort {
            needed: 72,
            available: 71
        })
    );
    let sources = std::vec![ll("2001:db8::1"); 4096];
    let q = QueryV2 {
        max_resp_code: MaxRespCode::DEFAULT,
        group: ll("ff3e::1"),
        s_flag: false,
        qrv: 2,
        qqic: Qqic::DEFAULT,
        sources: &sources,
    };
    assert_eq!(
        emit_datagram(&q, ll("fe80::1"), &mut []),
        Err(MldEmitError::MessageTooLong {
            len: 28 + 16 * 4096
        })
    );
}

#[test]
fn datagram_receive_checks_name_hop_limit_router_alert_and_source() {
    let q = QueryV1 {
        max_resp_delay: 10_000,
        group: Ipv6Addr::UNSPECIFIED,
    };
    let mut buf = [0u8; 72];
    emit_datagram(&q, ll("fe80::1"), &mut buf).unwrap();
    assert!(MldDatagram::parse(&buf).unwrap().is_valid_for_receiver());
    let mut hop = buf;
    hop[7] = 2;
    assert!(!MldDatagram::parse(&hop).unwrap().is_valid_for_receiver());
    let mut ra = buf;
    ra[45] = 1; // Router Alert value 1 (RSVP)
    assert_eq!(MldDatagram::parse(&ra).unwrap().router_alert, Some(1));
    assert!(!MldDatagram::parse(&ra).unwrap().is_valid_for_receiver());
    // A query from :: is never valid; a report from :: is (RFC 3810 §5.2.13).
    let mut from_unspec = [0u8; 72];
    emit_datagram(&q, Ipv6Addr::UNSPECIFIED, &mut from_unspec).unwrap();
    assert!(!MldDatagram::parse(&from_unspec)
        .unwrap()
        .is_valid_for_receiver());
    let r = ReportV1 {
        group: ll("ff02::1:ff00:1"),
    };
    emit_datagram(&r, Ipv6Addr::UNSPECIFIED, &mut from_unspec).unwrap();
    assert!(MldDatagram::parse(&from_unspec)
        .unwrap()
        .is_valid_for_receiver());
    // Not ICMPv6.
    let mut udp = buf;
    udp[40] = 17;
    assert_eq!(
        MldDatagram::parse(&udp),
        Err(MldError::NotIcmpv6 { next_header: 17 })
    );
}

#[test]
fn display_summarises_each_kind() {
    let src = ll("fe80::1");
    let mut buf = [0u8; 28];
    let q = QueryV2 {
        max_resp_code: MaxRespCode(10_000),
        group: Ipv6Addr::UNSPECIFIED,
        s_flag: false,
        qrv: 2,
        qqic: Qqic(125),
        sources: &[],
    };
    q.emit(src, ALL_NODES, &mut buf).unwrap();
    assert_eq!(
        MldMessage::parse(&buf, src, ALL_NODES).unwrap().to_string(),
        "mld query v2 group :: max resp code 0x2710 (10000 ms) s 0 qrv 2 qqic 125 s sources 0"
    );
    DoneV1 {
        group: ll("ff02::db8:1"),
    }
    .emit(src, ALL_ROUTERS, &mut buf)
    .unwrap();
    assert_eq!(
        MldMessage::parse(&buf[..24], src, ALL_ROUTERS)
            .unwrap()
            .to_string(),
        "mld done v1 group ff02::db8:1"
    );
}
