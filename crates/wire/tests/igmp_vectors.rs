//! IGMP messages from real captures and other projects' test suites, inline,
//! each with its origin (see `tests/data/*/IGMP-MESSAGES.md`,
//! `tests/data/vectors/other-igmp-vectors.md` and `scapy-igmp.md`). Expected
//! values are those tables' decodes and the upstream assertions they quote.

use core::net::Ipv4Addr;

use ipv4kit_wire::igmp::{
    GroupRecordRepr, GroupRecordType, IgmpError, IgmpMessage, LeaveV2, MaxRespCode, Qqic, QueryV1,
    QueryV2, QueryV3, ReportV1, ReportV2, ReportV3,
};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

/// Parses, then re-emits from the repr and expects the same octets.
fn reemit(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; bytes.len() + 64];
    let n = match IgmpMessage::parse(bytes).unwrap() {
        IgmpMessage::QueryV1(v) => QueryV1::from_view(&v).emit(&mut out),
        IgmpMessage::QueryV2(v) => QueryV2::from_view(&v).emit(&mut out),
        IgmpMessage::QueryV3(v) => {
            let sources: Vec<Ipv4Addr> = v.sources().collect();
            QueryV3 {
                max_resp_code: v.max_resp_code(),
                group: v.group(),
                s_flag: v.s_flag(),
                qrv: v.qrv(),
                qqic: v.qqic(),
                sources: &sources,
            }
            .emit(&mut out)
        }
        IgmpMessage::ReportV1(v) => ReportV1::from_view(&v).emit(&mut out),
        IgmpMessage::ReportV2(v) => ReportV2::from_view(&v).emit(&mut out),
        IgmpMessage::LeaveV2(v) => LeaveV2::from_view(&v).emit(&mut out),
        IgmpMessage::ReportV3(v) => {
            let owned: Vec<(GroupRecordType, Ipv4Addr, Vec<Ipv4Addr>, &[u8])> = v
                .records()
                .map(|r| {
                    (
                        r.record_type(),
                        r.group(),
                        r.sources().collect(),
                        r.aux_data(),
                    )
                })
                .collect();
            let recs: Vec<GroupRecordRepr<'_>> = owned
                .iter()
                .map(|(t, g, s, a)| GroupRecordRepr {
                    record_type: *t,
                    group: *g,
                    sources: s,
                    aux_data: a,
                })
                .collect();
            ReportV3 { records: &recs }.emit(&mut out)
        }
        other => panic!("no repr for {other:?}"),
    }
    .unwrap();
    out.truncate(n);
    out
}

#[test]
fn tcpdump_igmp_v1_messages_decode_and_reemit_identically() {
    // tcpdump IGMP_V1.pcap (igmpv1.out), every distinct message.
    let q = hex("1100eeff00000000");
    assert!(matches!(
        IgmpMessage::parse(&q),
        Ok(IgmpMessage::QueryV1(_))
    ));
    assert_eq!(reemit(&q), q);
    for (h, group) in [
        ("12000d03e00000fc", "224.0.0.252"),
        ("1200fe04effffffa", "239.255.255.250"),
        ("12000ce7e0000118", "224.0.1.24"),
        ("12000cc3e000013c", "224.0.1.60"),
        ("12000df6e0000009", "224.0.0.9"),
        ("1200fe00effffffe", "239.255.255.254"),
        ("12000d04e00000fb", "224.0.0.251"),
    ] {
        let b = hex(h);
        let IgmpMessage::ReportV1(r) = IgmpMessage::parse(&b).unwrap() else {
            panic!("{h}")
        };
        assert_eq!(r.group(), ip(group));
        assert_eq!(reemit(&b), b, "{h}");
    }
}

#[test]
fn tcpdump_igmp_v2_messages_decode_and_reemit_identically() {
    // tcpdump IGMP_V2.pcap (igmpv2.out).
    for (h, kind, group, mrt) in [
        ("1164ee9b00000000", "query", "0.0.0.0", 100),
        ("110a0cf1e1010103", "query", "225.1.1.3", 10),
        ("110a0cf0e1010104", "query", "225.1.1.4", 10),
        ("1600fa04effffffa", "report", "239.255.255.250", 0),
        ("1600feeae10a0a0a", "report", "225.10.10.10", 0),
        ("160007fbe1010103", "report", "225.1.1.3", 0),
        ("160007fae1010104", "report", "225.1.1.4", 0),
        ("160007f9e1010105", "report", "225.1.1.5", 0),
        ("170006fbe1010103", "leave", "225.1.1.3", 0),
        ("170006fae1010104", "leave", "225.1.1.4", 0),
    ] {
        let b = hex(h);
        match (IgmpMessage::parse(&b).unwrap(), kind) {
            (IgmpMessage::QueryV2(q), "query") => {
                assert_eq!((q.group(), q.max_resp_time()), (ip(group), mrt));
            }
            (IgmpMessage::ReportV2(r), "report") => assert_eq!(r.group(), ip(group)),
            (IgmpMessage::LeaveV2(l), "leave") => assert_eq!(l.group(), ip(group)),
            (m, k) => panic!("{h}: expected {k}, got {m:?}"),
        }
        assert_eq!(reemit(&b), b, "{h}");
    }
}

#[test]
fn tcpdump_igmpv3_queries_decode_and_reemit_identically() {
    // tcpdump igmpv3-queries.pcap (igmpv3-queries.out): MRC 0x64, 0xfe, 0x0a.
    for (h, code, tenths) in [
        ("1164ec1e00000000027d0000", 0x64, 100),
        ("11feeb8400000000027d0000", 0xfe, 30720),
        ("110aec7800000000027d0000", 0x0a, 10),
    ] {
        let b = hex(h);
        let IgmpMessage::QueryV3(q) = IgmpMessage::parse(&b).unwrap() else {
            panic!("{h}")
        };
        assert_eq!(q.max_resp_code(), MaxRespCode(code));
        assert_eq!(q.max_resp_code().tenths(), tenths);
        assert_eq!((q.qrv(), q.qqic(), q.qqic().secs()), (2, Qqic(125), 125));
        assert!(q.is_general() && !q.s_flag() && q.num_sources() == 0);
        assert_eq!(reemit(&b), b);
    }
}

#[test]
fn tcpdump_eapon1_v3_report_is_a_join() {
    // tcpdump eapon1.pcap frames 44/46: TO_EX(239.255.255.250){}.
    let b = hex("2200ea030000000104000000effffffa");
    let IgmpMessage::ReportV3(r) = IgmpMessage::parse(&b).unwrap() else {
        panic!()
    };
    let recs: Vec<_> = r.records().collect();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].record_type(), GroupRecordType::ChangeToExclude);
    assert_eq!(recs[0].group(), ip("239.255.255.250"));
    assert_eq!(recs[0].num_sources(), 0);
    assert_eq!(reemit(&b), b);
}

#[test]
fn zeek_home_multicast_short_extra_octets_are_checksummed_then_ignored() {
    // zeek home-multicast-short.pcap frame 1: v3 query + 10 extra octets.
    let q = hex("1164ec1e00000000027d000000000000000000000000");
    let IgmpMessage::QueryV3(v) = IgmpMessage::parse(&q).unwrap() else {
        panic!()
    };
    assert_eq!(v.extra().len(), 10);
    assert_eq!(reemit(&q), q[..12]); // we never send extra octets
                                     // Frame 2: IS_EX(224.0.0.251){} + 6 extra octets.
    let r = hex("2200fb020000000102000000e00000fb000000000000");
    let IgmpMessage::ReportV3(v) = IgmpMessage::parse(&r).unwrap() else {
        panic!()
    };
    assert_eq!(v.extra().len(), 6);
    assert_eq!(
        v.records().next().unwrap().record_type(),
        GroupRecordType::ModeIsExclude
    );
    // Frame 3: two IS_EX records, no extra.
    let r2 = hex("220009070000000202000000effffffa02000000e00000fb");
    let IgmpMessage::ReportV3(v) = IgmpMessage::parse(&r2).unwrap() else {
        panic!()
    };
    let groups: Vec<_> = v.records().map(|g| g.group()).collect();
    assert_eq!(groups, [ip("239.255.255.250"), ip("224.0.0.251")]);
    assert_eq!(reemit(&r2), r2);
}

#[test]
fn zeek_bad_checksum_frame_is_rejected_and_lenient_parse_reads_it() {
    // zeek igmp-bad-checksum.pcap frame 5 (bad-checksum.weird.log).
    let b = hex("16000905e00000fb");
    assert_eq!(
        IgmpMessage::parse(&b),
        Err(IgmpError::BadChecksum {
            computed: 0x0904,
            stored: 0x0905
        })
    );
    let IgmpMessage::ReportV2(r) = IgmpMessage::parse_lenient(&b).unwrap() else {
        panic!()
    };
    assert_eq!(r.group(), ip("224.0.0.251"));
    // Frame 6 is the same report with the right checksum.
    assert!(IgmpMessage::parse(&hex("16000904e00000fb")).is_ok());
}

#[test]
fn zeek_reports_with_nonzero_unused_byte_and_v1_reports_parse() {
    // zeek igmp-many-groups.pcap / igmp-many-sources.pcap: byte 1 = 0x14.
    for (h, g) in [
        ("1614fae9ef000001", "239.0.0.1"),
        ("1614f9e8ef010101", "239.1.1.1"),
    ] {
        let b = hex(h);
        let IgmpMessage::ReportV2(r) = IgmpMessage::parse(&b).unwrap() else {
            panic!()
        };
        assert_eq!((r.group(), r.unused()), (ip(g), 0x14));
    }
    // zeek multicast-igmp-version-membership-query-and-report.pcap frame 2.
    let b = hex("1200fdfcef010101");
    let IgmpMessage::ReportV1(r) = IgmpMessage::parse(&b).unwrap() else {
        panic!()
    };
    assert_eq!(r.group(), ip("239.1.1.1"));
}

#[test]
fn fuchsia_vectors_decode_as_upstream_asserts() {
    // other-igmp-vectors.md A.1: igmp_router_queries::v2::QUERY.
    let v2 = hex("1164ee9b00000000");
    let IgmpMessage::QueryV2(q) = IgmpMessage::parse(&v2).unwrap() else {
        panic!()
    };
    assert_eq!((q.max_resp_time(), q.group()), (100, Ipv4Addr::UNSPECIFIED));
    // igmp_router_queries::v3::QUERY; every strict prefix fails to parse.
    let v3 = hex("11642464e00000010a320001e0000002");
    assert_eq!(reemit(&v3), v3);
    for cut in 0..v3.len() {
        assert!(IgmpMessage::parse(&v3[..cut]).is_err(), "prefix {cut}");
    }
    // igmp_reports::v3::MEMBER_REPORT.
    let rep = hex("22007ae70000000201000002e0000001e0000002e000000302000001e0000004e0000005");
    let IgmpMessage::ReportV3(r) = IgmpMessage::parse(&rep).unwrap() else {
        panic!()
    };
    assert_eq!(r.num_records(), 2);
    assert_eq!(reemit(&rep), rep);
    // A.2: the IGMP parts of three IPv4 packets with Router Alert (IHL 6).
    for (packet, kind, group) in [
        (
            "4600002000000000010272c8c0a80165ef010101940400001600f9fcef010101",
            0x16,
            "239.1.1.1",
        ),
        (
            "46000020000000000102732cc0a80101ef01010194040000110afef2ef010101",
            0x11,
            "239.1.1.1",
        ),
        (
            "4600002000000000010282c7c0a80166e0000002940400001700f8fcef010101",
            0x17,
            "239.1.1.1",
        ),
    ] {
        let p = hex(packet);
        let igmp = &p[24..usize::from(u16::from_be_bytes([p[2], p[3]]))];
        let m = IgmpMessage::parse(igmp).unwrap();
        assert_eq!(m.msg_type(), kind);
        let g = match m {
            IgmpMessage::ReportV2(r) => r.group(),
            IgmpMessage::QueryV2(q) => {
                assert_eq!(q.max_resp_time(), 10);
                q.group()
            }
            IgmpMessage::LeaveV2(l) => l.group(),
            other => panic!("{other:?}"),
        };
        assert_eq!(g, ip(group));
        assert_eq!(reemit(igmp), igmp);
    }
}

#[test]
fn smoltcp_vectors_and_the_padding_hazard() {
    // other-igmp-vectors.md B.1.
    let leave = hex("17000269e0000696");
    assert_eq!(IgmpMessage::parse(&leave).unwrap().checksum(), 0x0269);
    assert_eq!(reemit(&leave), leave);
    let report = hex("160008dae1000025");
    assert_eq!(reemit(&report), report);
    // B.2: a v3 General Query (12 octets) followed by 10 octets of L2 padding
    // beyond the IPv4 Total Length (36). Cut at the Total Length, it is v3
    // with QQIC 12 s, not the v2 query smoltcp took it for.
    let packet = hex(
        "46c00024edb4000001024743ac166304e0000001940400001164ec8f00000000020c000000000000000000000000",
    );
    let total = usize::from(u16::from_be_bytes([packet[2], packet[3]]));
    let IgmpMessage::QueryV3(q) = IgmpMessage::parse(&packet[24..total]).unwrap() else {
        panic!()
    };
    assert_eq!(
        (q.max_resp_code().tenths(), q.qrv(), q.qqic().secs()),
        (100, 2, 12)
    );
    // Why the caller must cut: zero padding leaves the checksum valid, so an
    // uncut 8-octet v2 query with Ethernet padding would read as a v3 query.
    let mut padded = hex("1164ee9b00000000");
    padded.extend_from_slice(&[0; 18]); // tcpdump IGMP_V2.pcap frame 1's padding
    assert!(matches!(
        IgmpMessage::parse(&padded),
        Ok(IgmpMessage::QueryV3(_))
    ));
}

#[test]
fn etherparse_hand_computed_checksum_matches() {
    // other-igmp-vectors.md C: v2 report for 224.0.0.1 has checksum 0x09fe.
    let mut buf = [0u8; 8];
    ReportV2 {
        group: ip("224.0.0.1"),
    }
    .emit(&mut buf)
    .unwrap();
    assert_eq!(buf, hex("160009fee0000001")[..]);
}

#[test]
fn scapy_frames_decode_as_scapy_asserts_and_the_stale_checksum_is_caught() {
    // scapy-igmp.md S1: v3 query to 230.0.0.2 whose IGMP checksum is stale.
    let s1 = hex("140c768ffe28000102030405080046c00024000100000102e468c0a80001e00000169404000011140ee9e600000200000000");
    let igmp = &s1[14 + 24..14 + 36];
    assert_eq!(
        IgmpMessage::parse(igmp),
        Err(IgmpError::BadChecksum {
            computed: 0x08e9,
            stored: 0x0ee9
        })
    );
    let IgmpMessage::QueryV3(q) = IgmpMessage::parse_lenient(igmp).unwrap() else {
        panic!()
    };
    assert_eq!(q.group(), ip("230.0.0.2"));
    assert_eq!(
        (q.max_resp_code(), q.qrv(), q.qqic()),
        (MaxRespCode(0x14), 0, Qqic(0))
    );

    // S2: v3 report with 4 records, no Router Alert (IHL 5).
    let s2 = hex("01005e000016a8f94b000001080045c00044000100000102d6df01010101e000001622003ba60000000401000002e6000000c0a80001c0a884f701000000e600000101000000e600000201000000e6000003");
    let igmp = &s2[14 + 20..14 + 68];
    let IgmpMessage::ReportV3(r) = IgmpMessage::parse(igmp).unwrap() else {
        panic!()
    };
    let recs: Vec<_> = r.records().collect();
    assert_eq!(recs.len(), 4);
    assert_eq!(
        recs[0].sources().collect::<Vec<_>>(),
        [ip("192.168.0.1"), ip("192.168.132.247")]
    );
    assert_eq!(recs[1].group(), ip("230.0.0.1"));
    assert!(recs
        .iter()
        .all(|g| g.record_type() == GroupRecordType::ModeIsInclude));
    assert_eq!(reemit(igmp), igmp);

    // S3: Multicast Router Advertisement (RFC 4286, type 0x30): not misparsed.
    let s3 = hex("140c768ffe28000102030405080046c00020000100000102e46cc0a800017f000001940400003014cfe600030002");
    let igmp = &s3[14 + 24..];
    assert_eq!(
        IgmpMessage::parse(igmp),
        Ok(IgmpMessage::Unknown {
            msg_type: 0x30,
            bytes: igmp
        })
    );

    // "Build IGMPv3 - Basic": mrcode=154 encodes as 0x83.
    assert_eq!(MaxRespCode::from_tenths(154), MaxRespCode(0x83));
}

#[test]
fn other_igmp_types_are_kept_and_short_fragments_are_errors() {
    // tcpdump mrinfo_query.pcap frame 1 (DVMRP), mtrace.pcap frame 1,
    // PIM-SM_join_prune.pcap frame 11 (PIMv1).
    for (h, t) in [
        ("1305e8e4000a040c", 0x13),
        ("1f2038a300000000ac102801ac101401ac10280140000007", 0x1f),
        ("14046df410000000ef7b7b7bffffffff010101010000010e", 0x14),
    ] {
        let b = hex(h);
        assert_eq!(
            IgmpMessage::parse(&b),
            Ok(IgmpMessage::Unknown {
                msg_type: t,
                bytes: &b
            })
        );
    }
    // tcpdump hoobr_pimv1.pcap frame 9: 4 captured octets.
    assert_eq!(
        IgmpMessage::parse(&hex("14303030")),
        Err(IgmpError::MessageTooShort { len: 4 })
    );
}
