//! Every IGMP message in the tcpdump and Zeek test captures, parsed and
//! checked against the tables in `tests/data/{tcpdump,zeek}/IGMP-MESSAGES.md`
//! (and the upstream `.out` files those tables point at).
//!
//! The captures live in the workspace's `tests/data` (origin and licenses in
//! `tests/data/README.md`); `IPV4KIT_TEST_DATA` overrides the location. The
//! IPv4 layer is cut by hand here (Ethernet, optional 802.1Q tag, IPv4 IHL and
//! Total Length), so this test depends on nothing but the IGMP module.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use ipv4kit_wire::igmp::{IgmpError, IgmpMessage};
use pcap_file::pcap::PcapReader;

fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("IPV4KIT_TEST_DATA") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data")
}

/// What one IPv4 protocol-2 packet in a capture turned into.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// A strict parse succeeded: a one-line summary of the fields.
    Ok(String),
    /// A strict parse failed; the error and, if lenient parsing works, its summary.
    Err(IgmpError, Option<String>),
    /// The capture holds fewer octets than the IPv4 Total Length says.
    TruncatedCapture { captured: usize, total_len: usize },
}

fn summary(m: &IgmpMessage<'_>) -> String {
    match m {
        IgmpMessage::QueryV1(q) => format!("QueryV1 group={}", q.group()),
        IgmpMessage::QueryV2(q) => format!("QueryV2 mrt={} group={}", q.max_resp_time(), q.group()),
        IgmpMessage::QueryV3(q) => format!(
            "QueryV3 mrc={:#04x} group={} s={} qrv={} qqic={} n={} extra={}",
            q.max_resp_code().0,
            q.group(),
            u8::from(q.s_flag()),
            q.qrv(),
            q.qqic().secs(),
            q.num_sources(),
            q.extra().len()
        ),
        IgmpMessage::ReportV1(r) => format!("ReportV1 group={}", r.group()),
        IgmpMessage::ReportV2(r) => format!("ReportV2 group={}", r.group()),
        IgmpMessage::LeaveV2(r) => format!("LeaveV2 group={}", r.group()),
        IgmpMessage::ReportV3(r) => {
            let recs: Vec<String> = r
                .records()
                .map(|g| {
                    let srcs: Vec<String> = g.sources().map(|s| s.to_string()).collect();
                    format!("{:?}({}){{{}}}", g.record_type(), g.group(), srcs.join(","))
                })
                .collect();
            format!("ReportV3 [{}] extra={}", recs.join("; "), r.extra().len())
        }
        IgmpMessage::Unknown { msg_type, bytes } => {
            format!("Unknown type={msg_type:#04x} len={}", bytes.len())
        }
        _ => "?".into(),
    }
}

fn classify(igmp: &[u8]) -> Outcome {
    match IgmpMessage::parse(igmp) {
        Ok(m) => {
            assert!(m.checksum_ok());
            assert_eq!(m.as_bytes(), igmp);
            Outcome::Ok(summary(&m))
        }
        Err(e) => Outcome::Err(
            e,
            IgmpMessage::parse_lenient(igmp).ok().map(|m| summary(&m)),
        ),
    }
}

/// Walks an Ethernet frame to the IGMP message, if it holds one. VXLAN
/// (UDP port 4789) is unwrapped: the inner frame is Ethernet again.
fn igmp_in_ethernet(frame: &[u8]) -> Option<Outcome> {
    let mut ethertype = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
    let mut off = 14;
    if ethertype == 0x8100 {
        ethertype = u16::from_be_bytes([*frame.get(16)?, *frame.get(17)?]);
        off = 18;
    }
    if ethertype != 0x0800 {
        return None;
    }
    let ip = frame.get(off..)?;
    if ip.first()? >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(ip[0] & 0x0f) * 4;
    let total_len = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
    let proto = *ip.get(9)?;
    if proto == 17 {
        // UDP: VXLAN on 4789 carries another Ethernet frame after 8 octets.
        let udp = ip.get(ihl..total_len.min(ip.len()))?;
        let dport = u16::from_be_bytes([*udp.get(2)?, *udp.get(3)?]);
        return if dport == 4789 {
            igmp_in_ethernet(udp.get(16..)?)
        } else {
            None
        };
    }
    if proto != 2 {
        return None;
    }
    if total_len > ip.len() {
        return Some(Outcome::TruncatedCapture {
            captured: ip.len(),
            total_len,
        });
    }
    // Cut at the Total Length: what follows is link-layer padding.
    Some(classify(ip.get(ihl..total_len)?))
}

/// Frame number (1-based) → outcome, for every IGMP packet in the capture.
fn read_capture(path: &Path) -> BTreeMap<usize, Outcome> {
    let mut reader = PcapReader::new(File::open(path).unwrap()).unwrap();
    // The link type's low 16 bits; hoobr_pimv1.pcap (fuzzed) sets the FCS
    // bits above them (0x3000_0001 = Ethernet, 2-octet FCS).
    let link = u32::from(reader.header().datalink) & 0xffff;
    assert_eq!(
        link,
        1,
        "{}: only Ethernet captures are expected",
        path.display()
    );
    let mut out = BTreeMap::new();
    let mut n = 0;
    // Raw packets: relts-0x80000000.pcap has a timestamp the typed reader refuses.
    while let Some(pkt) = reader.next_raw_packet() {
        let Ok(pkt) = pkt else { break };
        n += 1;
        if let Some(o) = igmp_in_ethernet(&pkt.data) {
            out.insert(n, o);
        }
    }
    out
}

fn all_captures() -> BTreeMap<String, BTreeMap<usize, Outcome>> {
    let base = data_dir();
    let mut all = BTreeMap::new();
    for dir in ["tcpdump", "zeek"] {
        let d = base.join(dir);
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; the captures belong in the workspace's tests/data (set IPV4KIT_TEST_DATA to point elsewhere)",
                d.display()
            )
        });
        for entry in entries {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|e| e == "pcap") {
                let name = format!("{dir}/{}", p.file_name().unwrap().to_string_lossy());
                all.insert(name, read_capture(&p));
            }
        }
    }
    all
}

fn ok(s: &str) -> Outcome {
    Outcome::Ok(s.to_string())
}

fn kinds(caps: &BTreeMap<usize, Outcome>) -> BTreeMap<String, usize> {
    let mut k = BTreeMap::new();
    for o in caps.values() {
        let key = match o {
            Outcome::Ok(s) => s.split(' ').next().unwrap().to_string(),
            Outcome::Err(e, _) => format!("Err {e:?}"),
            Outcome::TruncatedCapture { .. } => "TruncatedCapture".into(),
        };
        *k.entry(key).or_insert(0) += 1;
    }
    k
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn every_capture_gives_the_igmp_messages_the_tables_list() {
    let all = all_captures();
    let c = |name: &str| all.get(name).unwrap_or_else(|| panic!("{name} missing"));

    // tcpdump IGMP_V1.pcap: 3 v1 queries and 24 v1 reports (igmpv1.out).
    let v1 = c("tcpdump/IGMP_V1.pcap");
    assert_eq!(kinds(v1), counts(&[("QueryV1", 3), ("ReportV1", 24)]));
    for f in [1, 9, 20] {
        assert_eq!(v1[&f], ok("QueryV1 group=0.0.0.0"));
    }
    assert_eq!(v1[&3], ok("ReportV1 group=239.255.255.250"));
    assert_eq!(v1[&8], ok("ReportV1 group=224.0.0.251"));

    // tcpdump IGMP_V2.pcap: 18 messages (igmpv2.out).
    let v2 = c("tcpdump/IGMP_V2.pcap");
    assert_eq!(
        kinds(v2),
        counts(&[("QueryV2", 4), ("ReportV2", 12), ("LeaveV2", 2)])
    );
    assert_eq!(v2[&1], ok("QueryV2 mrt=100 group=0.0.0.0"));
    assert_eq!(v2[&5], ok("LeaveV2 group=225.1.1.3"));
    assert_eq!(v2[&6], ok("QueryV2 mrt=10 group=225.1.1.3"));
    assert_eq!(v2[&11], ok("QueryV2 mrt=10 group=225.1.1.4"));
    assert_eq!(v2[&18], ok("ReportV2 group=225.1.1.5"));

    // tcpdump igmpv3-queries.pcap: 6 general queries, MRC 0x64, 0xfe x2, 0x0a x3.
    let q3 = c("tcpdump/igmpv3-queries.pcap");
    let mrcs = ["0x64", "0xfe", "0xfe", "0x0a", "0x0a", "0x0a"];
    assert_eq!(q3.len(), 6);
    for (f, mrc) in (1..=6).zip(mrcs) {
        assert_eq!(
            q3[&f],
            ok(&format!(
                "QueryV3 mrc={mrc} group=0.0.0.0 s=0 qrv=2 qqic=125 n=0 extra=0"
            ))
        );
    }

    // tcpdump eapon1.pcap frames 44 and 46: TO_EX(239.255.255.250){}.
    let ea = c("tcpdump/eapon1.pcap");
    assert_eq!(ea.keys().copied().collect::<Vec<_>>(), [44, 46]);
    for o in ea.values() {
        assert_eq!(
            *o,
            ok("ReportV3 [ChangeToExclude(239.255.255.250){}] extra=0")
        );
    }

    // Other IGMP types are kept as Unknown, not errors.
    let mr = c("tcpdump/mrinfo_query.pcap");
    assert_eq!(mr[&1], ok("Unknown type=0x13 len=8"));
    assert_eq!(mr[&2], ok("Unknown type=0x13 len=32"));
    let mt = c("tcpdump/mtrace.pcap");
    assert_eq!(mt[&1], ok("Unknown type=0x1f len=24"));
    assert_eq!(mt[&2], ok("Unknown type=0x1f len=88"));
    let pim1 = c("tcpdump/PIM-SM_join_prune.pcap");
    assert_eq!(pim1.keys().copied().collect::<Vec<_>>(), [11, 20, 28, 37]);
    assert!(pim1.values().all(|o| *o == ok("Unknown type=0x14 len=24")));

    // Fuzzed, truncated captures: the IPv4 Total Length (0x3030 = 12336, so
    // 12316 IGMP octets after a 20-octet header, as the table says) runs past
    // the captured octets, so there is no whole IGMP message to parse.
    assert_eq!(
        c("tcpdump/relts-0x80000000.pcap")[&1],
        Outcome::TruncatedCapture {
            captured: 290,
            total_len: 12336
        }
    );
    let hoobr = c("tcpdump/hoobr_pimv1.pcap");
    assert_eq!(hoobr.len(), 1);
    assert!(matches!(
        hoobr[&9],
        Outcome::TruncatedCapture {
            total_len: 12336,
            ..
        }
    ));

    // The PIMv2 captures carry no IGMP.
    for name in [
        "tcpdump/PIMv2_hellos.pcap",
        "tcpdump/PIMv2_bootstrap.pcap",
        "tcpdump/PIM-DM_pruning.pcap",
        "tcpdump/PIM_register_register-stop.pcap",
        "tcpdump/pim-packet-assortment.pcap",
    ] {
        assert!(c(name).is_empty(), "{name}: {:?}", c(name));
    }

    // zeek home-multicast-short.pcap: extra octets, checksummed, then ignored.
    let home = c("zeek/home-multicast-short.pcap");
    assert_eq!(
        home[&1],
        ok("QueryV3 mrc=0x64 group=0.0.0.0 s=0 qrv=2 qqic=125 n=0 extra=10")
    );
    assert_eq!(
        home[&2],
        ok("ReportV3 [ModeIsExclude(224.0.0.251){}] extra=6")
    );
    assert_eq!(
        home[&3],
        ok("ReportV3 [ModeIsExclude(239.255.255.250){}; ModeIsExclude(224.0.0.251){}] extra=0")
    );

    // zeek igmp-bad-checksum.pcap frame 5: checksum off by one; lenient parse works.
    let bad = c("zeek/igmp-bad-checksum.pcap");
    assert_eq!(
        bad[&5],
        Outcome::Err(
            IgmpError::BadChecksum {
                computed: 0x0904,
                stored: 0x0905
            },
            Some("ReportV2 group=224.0.0.251".into())
        )
    );
    assert_eq!(
        kinds(bad),
        counts(&[
            ("ReportV3", 4),
            ("ReportV2", 5),
            ("LeaveV2", 2),
            ("Err BadChecksum { computed: 2308, stored: 2309 }", 1)
        ])
    );
    let good = c("zeek/igmp.pcap");
    assert_eq!(
        kinds(good),
        counts(&[("ReportV3", 4), ("ReportV2", 6), ("LeaveV2", 2)])
    );
    assert_eq!(good[&7], ok("LeaveV2 group=224.0.0.251"));

    // zeek v1 queries without Router Alert: parsed all the same (RA is policy).
    let zv1 = c("zeek/multicast-igmp-version-membership-query-and-report.pcap");
    assert_eq!(kinds(zv1), counts(&[("QueryV1", 8), ("ReportV1", 8)]));
    assert_eq!(zv1[&2], ok("ReportV1 group=239.1.1.1"));

    // zeek VXLAN: three v2 reports inside UDP/4789.
    let vx = c("zeek/vxlan-encapsulated-igmp-v2.pcap");
    assert_eq!(vx.len(), 3);
    assert!(vx.values().all(|o| *o == ok("ReportV2 group=224.0.0.251")));

    // zeek synthetic many-groups / many-sources: v2 reports with byte 1 = 0x14.
    assert_eq!(
        kinds(c("zeek/igmp-many-groups.pcap")),
        counts(&[("ReportV2", 450)])
    );
    assert_eq!(
        kinds(c("zeek/igmp-many-sources.pcap")),
        counts(&[("ReportV2", 150)])
    );
    assert_eq!(
        c("zeek/igmp-many-groups.pcap")[&1],
        ok("ReportV2 group=239.0.0.1")
    );
}

#[test]
fn truncated_pimv1_fragment_is_too_short_for_igmp() {
    // tcpdump hoobr_pimv1.pcap frame 9: the 4 captured IGMP octets alone.
    assert_eq!(
        IgmpMessage::parse(&[0x14, 0x30, 0x30, 0x30]),
        Err(IgmpError::MessageTooShort { len: 4 })
    );
}
