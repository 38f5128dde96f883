//! Unit tests for [`super`].

use super::super::IgmpMessage;
use super::*;

fn v3(bytes: &[u8]) -> QueryV3View<'_> {
    match IgmpMessage::parse(bytes).unwrap() {
        IgmpMessage::QueryV3(q) => q,
        other => panic!("{other:?}"),
    }
}

#[test]
fn tcpdump_igmpv3_queries_decode() {
    // tcpdump igmpv3-queries.pcap frames 1, 2, 4.
    for (hex, code, tenths) in [
        ([0x11, 0x64, 0xec, 0x1e], 0x64, 100),
        ([0x11, 0xfe, 0xeb, 0x84], 0xfe, 30720),
        ([0x11, 0x0a, 0xec, 0x78], 0x0a, 10),
    ] {
        let mut b = [0u8; 12];
        b[..4].copy_from_slice(&hex);
        b[8..12].copy_from_slice(&[0x02, 0x7d, 0, 0]);
        let q = v3(&b);
        assert_eq!(q.max_resp_code(), MaxRespCode(code));
        assert_eq!(q.max_resp_code().tenths(), tenths);
        assert!(q.is_general());
        assert!(!q.s_flag());
        assert_eq!((q.qrv(), q.qqic().secs(), q.num_sources()), (2, 125, 0));
        assert!(q.extra().is_empty());
    }
}

#[test]
fn extra_octets_after_sources_are_kept_apart_and_checksummed() {
    // zeek home-multicast-short.pcap frame 1: 10 extra zero octets.
    let b = [
        0x11, 0x64, 0xec, 0x1e, 0, 0, 0, 0, 0x02, 0x7d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    let q = v3(&b);
    assert_eq!(q.extra().len(), 10);
    assert_eq!(q.num_sources(), 0);
    let mut bad = b;
    bad[21] = 1; // the checksum covers the extra octets
    assert!(matches!(
        IgmpMessage::parse(&bad),
        Err(IgmpError::BadChecksum { .. })
    ));
}

#[test]
fn hostile_source_count_is_a_length_error() {
    let mut b = [0u8; 16];
    b[0] = 0x11;
    b[10] = 0xff;
    b[11] = 0xff;
    assert_eq!(
        IgmpMessage::parse_lenient(&b),
        Err(IgmpError::SourcesTruncated {
            declared: 65535,
            available: 1
        })
    );
}

#[test]
fn flags_nibble_is_exposed_raw_and_ignored() {
    let mut b = [0x11, 0x64, 0, 0, 0, 0, 0, 0, 0xfa, 0x7d, 0, 0];
    fill_checksum(&mut b);
    let q = v3(&b);
    assert_eq!((q.flags(), q.s_flag(), q.qrv()), (0xf, true, 2));
}

#[test]
fn qrv_above_seven_is_sent_as_zero() {
    let q = QueryV3 {
        max_resp_code: MaxRespCode::DEFAULT,
        group: Ipv4Addr::UNSPECIFIED,
        s_flag: true,
        qrv: 9,
        qqic: Qqic::DEFAULT,
        sources: &[],
    };
    let mut buf = [0u8; 12];
    q.emit(&mut buf).unwrap();
    assert_eq!(buf[8], 0x08);
    assert_eq!(v3(&buf).qrv(), 0);
}

#[test]
fn emit_reports_short_buffers_with_numbers() {
    let src = [Ipv4Addr::new(10, 0, 0, 1); 3];
    let q = QueryV3 {
        max_resp_code: MaxRespCode(10),
        group: Ipv4Addr::new(232, 1, 1, 1),
        s_flag: false,
        qrv: 2,
        qqic: Qqic(125),
        sources: &src,
    };
    let mut buf = [0u8; 23];
    assert_eq!(
        q.emit(&mut buf),
        Err(IgmpEmitError::BufferTooShort {
            needed: 24,
            available: 23
        })
    );
    assert_eq!(q.destination(), Ipv4Addr::new(232, 1, 1, 1));
    assert_eq!(
        QueryV2 {
            max_resp_time: 1,
            group: Ipv4Addr::UNSPECIFIED
        }
        .emit(&mut buf[..7]),
        Err(IgmpEmitError::BufferTooShort {
            needed: 8,
            available: 7
        })
    );
}

#[test]
fn too_many_sources_is_an_emit_error() {
    let src = std::vec![Ipv4Addr::LOCALHOST; 65536];
    let q = QueryV3 {
        max_resp_code: MaxRespCode(10),
        group: Ipv4Addr::new(232, 1, 1, 1),
        s_flag: false,
        qrv: 2,
        qqic: Qqic(125),
        sources: &src,
    };
    let mut buf = std::vec![0u8; q.buffer_len()];
    assert_eq!(
        q.emit(&mut buf),
        Err(IgmpEmitError::TooManySources { count: 65536 })
    );
}

#[test]
fn v2_query_code_is_literal_not_float() {
    let q = QueryV2 {
        max_resp_time: 200,
        group: Ipv4Addr::UNSPECIFIED,
    };
    let mut buf = [0u8; 8];
    q.emit(&mut buf).unwrap();
    let IgmpMessage::QueryV2(v) = IgmpMessage::parse(&buf).unwrap() else {
        panic!()
    };
    assert_eq!(v.max_resp_time(), 200);
    assert_eq!(v.max_resp_duration(), Duration::from_secs(20));
    assert_eq!(v, q);
    assert_eq!(q.destination(), ALL_SYSTEMS);
}
