//! Every MLD message in the tcpdump and Zeek test captures
//! (`tests/data/mld/`, origin and licenses in `tests/data/README.md`),
//! parsed from the IPv6 header on and checked against the packet inventory
//! in `tests/data/mld/INDEX.md` (itself checked against the upstream `.out`
//! files and Zeek baselines).

use std::fs::File;
use std::path::{Path, PathBuf};

use ipv4kit_wire::ipv6::{Ipv6Packet, NEXT_HEADER_ICMPV6};
use ipv4kit_wire::mld::{MldDatagram, MldError, MldMessage};
use pcap_file::pcap::PcapReader;
use pcap_file::DataLink;

fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("IPV4KIT_TEST_DATA") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data")
}

/// The IPv6 packet in a frame, cut at the link layer (Ethernet with optional
/// 802.1Q tags, Linux cooked v1, raw IPv6).
fn ipv6_of(link: DataLink, frame: &[u8]) -> Option<&[u8]> {
    let (mut ethertype, mut rest) = match link {
        DataLink::ETHERNET => (u16::from_be_bytes([frame[12], frame[13]]), &frame[14..]),
        DataLink::LINUX_SLL => (u16::from_be_bytes([frame[14], frame[15]]), &frame[16..]),
        DataLink::IPV6 | DataLink::RAW => return Some(frame),
        other => panic!("link type {other:?}"),
    };
    while ethertype == 0x8100 {
        ethertype = u16::from_be_bytes([rest[2], rest[3]]);
        rest = &rest[4..];
    }
    (ethertype == 0x86dd).then_some(rest)
}

fn summary(m: &MldMessage<'_>) -> String {
    match m {
        MldMessage::QueryV1(q) => format!("QueryV1 mrd={} group={}", q.max_resp_delay(), q.group()),
        MldMessage::QueryV2(q) => format!(
            "QueryV2 mrc={} group={} s={} qrv={} qqic={} n={}",
            q.max_resp_code().millis(),
            q.group(),
            u8::from(q.s_flag()),
            q.qrv(),
            q.qqic().secs(),
            q.num_sources()
        ),
        MldMessage::ReportV1(r) => format!("ReportV1 group={}", r.group()),
        MldMessage::DoneV1(r) => format!("DoneV1 group={}", r.group()),
        MldMessage::ReportV2(r) => {
            let recs: Vec<String> = r
                .records()
                .map(|g| {
                    let srcs: Vec<String> = g.sources().map(|s| s.to_string()).collect();
                    format!(
                        "{:?}({}){{{}}}aux={}",
                        g.record_type(),
                        g.group(),
                        srcs.join(","),
                        g.aux_data().len()
                    )
                })
                .collect();
            format!("ReportV2 [{}]", recs.join("; "))
        }
        MldMessage::Unknown { msg_type, .. } => format!("Unknown {msg_type}"),
        _ => "?".into(),
    }
}

/// One MLD message found in a capture: frame number, then its summary and
/// whether the receive checks hold, or the error.
type Found = (usize, Result<(String, bool), MldError>);

/// Every MLD message (ICMPv6 types 130–132, 143) of a capture, by frame
/// number: its summary, or the error, and whether the receive checks hold.
fn mld_in(rel: &str) -> Vec<Found> {
    let mut reader = PcapReader::new(File::open(data_dir().join(rel)).unwrap()).unwrap();
    let link = reader.header().datalink;
    let mut out = Vec::new();
    let mut n = 0;
    while let Some(pkt) = reader.next_packet() {
        n += 1;
        let pkt = pkt.unwrap();
        let Some(ip) = ipv6_of(link, &pkt.data) else {
            continue;
        };
        let Ok(p) = Ipv6Packet::new_checked(ip) else {
            continue;
        };
        let Ok(up) = p.upper_layer() else { continue };
        if up.next_header != NEXT_HEADER_ICMPV6
            || !matches!(up.payload.first(), Some(130..=132 | 143))
        {
            continue;
        }
        let res = MldDatagram::parse(ip).map(|d| (summary(&d.message), d.is_valid_for_receiver()));
        out.push((n, res));
    }
    out
}

fn oks(v: &[Found]) -> Vec<(usize, &str, bool)> {
    v.iter()
        .map(|(n, r)| {
            let (s, valid) = r.as_ref().unwrap_or_else(|e| panic!("frame {n}: {e}"));
            (*n, s.as_str(), *valid)
        })
        .collect()
}

#[test]
fn tcpdump_icmpv6_has_a_join_a_general_query_an_answer_and_a_leave() {
    let got = mld_in("mld/tcpdump/icmpv6.pcap");
    assert_eq!(
        oks(&got),
        [
            (2, "ReportV2 [ChangeToExclude(ff02::db8:1122:3344){}aux=0]", true),
            (3, "QueryV2 mrc=10000 group=:: s=0 qrv=2 qqic=60 n=0", true),
            (
                4,
                "ReportV2 [ModeIsExclude(ff02::db8:1122:3344){}aux=0; ModeIsExclude(ff02::1:ffcc:e546){}aux=0; ModeIsExclude(ff02::1:ffa7:10ad){}aux=0; ModeIsExclude(ff02::1:ff00:2){}aux=0]",
                true
            ),
            (5, "ReportV2 [ChangeToInclude(ff02::db8:1122:3344){}aux=0]", true),
        ]
    );
}

#[test]
fn zeek_mldv1_reports_and_dones_parse_and_only_those_with_router_alert_are_valid() {
    let got = mld_in("mld/zeek/icmp6-mldv1.pcap");
    let g = "ff02::1:ff9a:3b7c";
    assert_eq!(
        oks(&got),
        [
            (1, &*format!("ReportV1 group={g}"), false),
            (2, &*format!("DoneV1 group={g}"), false),
            (3, &*format!("ReportV1 group={g}"), true),
            (4, &*format!("DoneV1 group={g}"), true),
        ]
    );
}

#[test]
fn zeek_malformed_mldv2_reports_are_length_errors() {
    let got = mld_in("mld/zeek/icmp6-mldv2.pcap");
    assert_eq!(got.len(), 5);
    let (s, valid) = got[0].1.as_ref().unwrap();
    // No hop-by-hop header and hop limit 64: parsed, but not valid to receive.
    assert!(!valid);
    assert!(s.starts_with("ReportV2 [ModeIsInclude("), "{s}");
    assert_eq!(s.matches("; ").count(), 3, "{s}");
    assert_eq!(got[1].1.as_ref().unwrap().0, "ReportV2 []");
    assert!(matches!(
        got[2].1,
        Err(MldError::RecordTruncated { index: 0, .. })
    ));
    let (s, _) = got[3].1.as_ref().unwrap();
    assert!(
        s.starts_with("ReportV2 [ModeIsExclude(") && s.ends_with("aux=8]"),
        "{s}"
    );
    assert!(matches!(
        got[4].1,
        Err(MldError::RecordTruncated { index: 0, .. })
    ));
}

#[test]
fn zeek_query_from_a_global_source_parses_but_is_not_valid() {
    let got = mld_in("mld/zeek/icmp6-mld-query.pcap");
    assert_eq!(oks(&got), [(1, "QueryV1 mrd=10000 group=::", false)]);
}

#[test]
fn zeek_nd_capture_reports_from_the_unspecified_address_are_valid_reports() {
    let got = mld_in("mld/zeek/icmp6-nd-options.pcap");
    let summaries: Vec<(usize, &str, bool)> = oks(&got);
    let frames: Vec<usize> = summaries.iter().map(|s| s.0).collect();
    assert_eq!(frames, [4, 5, 7, 8, 12, 16, 19, 20]);
    assert!(summaries.iter().all(|s| s.2));
    assert_eq!(summaries[0].1, "ReportV2 [ChangeToExclude(ff02::2){}aux=0]");
    assert_eq!(summaries[4].1, "ReportV1 group=ff02::1:ff0e:4c67");
}

#[test]
fn linux_dad_and_babel_reports_all_parse() {
    for (file, count) in [
        ("mld/tcpdump/dcb_ets.pcap", 13),
        ("mld/tcpdump/dcb_qcn.pcap", 3),
        ("mld/tcpdump/babel.pcap", 1),
    ] {
        let got = mld_in(file);
        let all = oks(&got);
        assert_eq!(all.len(), count, "{file}: {all:?}");
        assert!(
            all.iter()
                .all(|(_, s, valid)| s.starts_with("ReportV2 [") && *valid),
            "{file}"
        );
    }
    let babel = mld_in("mld/tcpdump/babel.pcap");
    assert_eq!(
        oks(&babel)[0].1,
        "ReportV2 [ChangeToExclude(ff02::1:6){}aux=0; ChangeToExclude(ff02::cca6:c0f9:e182:5359){}aux=0]"
    );
}
