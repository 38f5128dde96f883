//! Every IPv4 header in tcpdump's IGMP captures parses with the values
//! `tests/data/tcpdump/IGMP-MESSAGES.md` lists, and a fuzzed capture fails
//! with the precise error.
//!
//! The captures live in the workspace's `tests/data` (override with
//! `IPV4KIT_TEST_DATA=<dir holding tcpdump/>`); a missing directory fails.

use std::fs::File;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use ipv4kit_wire::checksum::Checksum;
use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Error, Ipv4Option, Ipv4Packet, Ipv4Repr};
use pcap_file::pcap::PcapReader;

const ETHERNET_HEADER_LEN: usize = 14;

fn data_dir() -> Option<PathBuf> {
    // The captures are part of the repository: their absence is a failure, not a skip.
    let dir = std::env::var_os("IPV4KIT_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data"));
    assert!(
        dir.join("tcpdump").is_dir(),
        "no captures under {}",
        dir.display()
    );
    Some(dir)
}

/// The IP-layer bytes (Ethernet header stripped) and original length of each frame.
fn frames(dir: &Path, file: &str) -> Vec<(Vec<u8>, u32)> {
    let path = dir.join("tcpdump").join(file);
    let mut reader = PcapReader::new(File::open(&path).unwrap()).unwrap();
    let mut out = Vec::new();
    while let Some(packet) = reader.next_packet() {
        let packet = packet.unwrap();
        out.push((packet.data[ETHERNET_HEADER_LEN..].to_vec(), packet.orig_len));
    }
    out
}

// Generated from tests/data/tcpdump/IGMP-MESSAGES.md (columns: file, frame,
// IP src, IP dst, TTL, TOS, IP opts = RA, IGMP len, bytes after IP payload).
/// (file, frame, src, dst, ttl, tos, router alert, IGMP length, trailer length)
type Row = (
    &'static str,
    usize,
    [u8; 4],
    [u8; 4],
    u8,
    u8,
    bool,
    usize,
    usize,
);

#[rustfmt::skip]
const EXPECTED: &[Row] = &[
    ("IGMP_V1.pcap", 1, [10, 0, 200, 151], [224, 0, 0, 1], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 2, [10, 0, 200, 163], [224, 0, 0, 252], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 3, [192, 168, 1, 3], [239, 255, 255, 250], 1, 0x00, true, 8, 0),
    ("IGMP_V1.pcap", 4, [10, 0, 200, 108], [224, 0, 1, 24], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 5, [10, 0, 200, 100], [224, 0, 1, 60], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 6, [10, 0, 200, 144], [224, 0, 0, 9], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 7, [10, 0, 200, 108], [239, 255, 255, 254], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 8, [10, 0, 200, 10], [224, 0, 0, 251], 1, 0xc0, true, 8, 14),
    ("IGMP_V1.pcap", 9, [10, 0, 200, 151], [224, 0, 0, 1], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 10, [10, 0, 200, 108], [239, 255, 255, 250], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 11, [10, 0, 200, 108], [239, 255, 255, 254], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 12, [10, 0, 200, 10], [224, 0, 0, 251], 1, 0xc0, true, 8, 14),
    ("IGMP_V1.pcap", 13, [10, 0, 200, 163], [224, 0, 0, 252], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 14, [10, 0, 200, 108], [224, 0, 1, 24], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 15, [10, 0, 200, 144], [224, 0, 0, 9], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 16, [10, 0, 200, 100], [224, 0, 1, 60], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 17, [10, 0, 200, 25], [239, 255, 255, 250], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 18, [10, 0, 200, 25], [239, 255, 255, 250], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 19, [10, 0, 200, 25], [239, 255, 255, 250], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 20, [10, 0, 200, 151], [224, 0, 0, 1], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 21, [10, 0, 200, 163], [239, 255, 255, 250], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 22, [10, 0, 200, 144], [224, 0, 0, 9], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 23, [10, 0, 200, 163], [224, 0, 0, 252], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 24, [10, 0, 200, 100], [224, 0, 1, 60], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 25, [10, 0, 200, 108], [224, 0, 1, 24], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 26, [10, 0, 200, 108], [239, 255, 255, 254], 1, 0x00, true, 8, 14),
    ("IGMP_V1.pcap", 27, [10, 0, 200, 10], [224, 0, 0, 251], 1, 0xc0, true, 8, 14),
    ("IGMP_V2.pcap", 1, [192, 168, 1, 2], [224, 0, 0, 1], 1, 0x00, false, 8, 18),
    ("IGMP_V2.pcap", 2, [192, 168, 1, 64], [239, 255, 255, 250], 1, 0x00, true, 8, 0),
    ("IGMP_V2.pcap", 3, [192, 168, 11, 201], [225, 10, 10, 10], 1, 0x00, true, 8, 14),
    ("IGMP_V2.pcap", 4, [192, 168, 11, 201], [225, 1, 1, 3], 1, 0x00, true, 8, 14),
    ("IGMP_V2.pcap", 5, [192, 168, 11, 201], [224, 0, 0, 2], 1, 0x00, true, 8, 14),
    ("IGMP_V2.pcap", 6, [192, 168, 1, 2], [225, 1, 1, 3], 1, 0x00, false, 8, 18),
    ("IGMP_V2.pcap", 7, [192, 168, 11, 201], [225, 1, 1, 4], 1, 0x00, true, 8, 14),
    ("IGMP_V2.pcap", 8, [192, 168, 11, 201], [225, 1, 1, 4], 1, 0x00, true, 8, 14),
    ("IGMP_V2.pcap", 9, [192, 168, 11, 201], [225, 1, 1, 4], 1, 0x00, true, 8, 14),
    ("IGMP_V2.pcap", 10, [192, 168, 11, 201], [224, 0, 0, 2], 1, 0x00, true, 8, 14),
    ("IGMP_V2.pcap", 11, [192, 168, 1, 2], [225, 1, 1, 4], 1, 0x00, false, 8, 18),
    ("IGMP_V2.pcap", 12, [192, 168, 11, 201], [225, 1, 1, 5], 1, 0x00, true, 8, 14),
    ("IGMP_V2.pcap", 13, [192, 168, 11, 201], [225, 1, 1, 5], 1, 0x00, true, 8, 14),
    ("IGMP_V2.pcap", 14, [192, 168, 11, 201], [225, 1, 1, 5], 1, 0x00, true, 8, 14),
    ("IGMP_V2.pcap", 15, [192, 168, 1, 2], [224, 0, 0, 1], 1, 0x00, false, 8, 18),
    ("IGMP_V2.pcap", 16, [192, 168, 11, 201], [225, 10, 10, 10], 1, 0x00, true, 8, 14),
    ("IGMP_V2.pcap", 17, [192, 168, 1, 64], [239, 255, 255, 250], 1, 0x00, true, 8, 0),
    ("IGMP_V2.pcap", 18, [192, 168, 11, 201], [225, 1, 1, 5], 1, 0x00, true, 8, 14),
    ("igmpv3-queries.pcap", 1, [192, 2, 0, 2], [224, 0, 0, 1], 1, 0xc0, true, 12, 0),
    ("igmpv3-queries.pcap", 2, [192, 2, 0, 2], [224, 0, 0, 1], 1, 0xc0, true, 12, 0),
    ("igmpv3-queries.pcap", 3, [192, 2, 0, 2], [224, 0, 0, 1], 1, 0xc0, true, 12, 0),
    ("igmpv3-queries.pcap", 4, [192, 2, 0, 2], [224, 0, 0, 1], 1, 0xc0, true, 12, 0),
    ("igmpv3-queries.pcap", 5, [192, 2, 0, 2], [224, 0, 0, 1], 1, 0xc0, true, 12, 0),
    ("igmpv3-queries.pcap", 6, [192, 2, 0, 2], [224, 0, 0, 1], 1, 0xc0, true, 12, 0),
];

#[test]
fn igmp_captures_parse_with_the_tabled_values() {
    let Some(dir) = data_dir() else { return };
    let mut checked = 0;
    for file in ["IGMP_V1.pcap", "IGMP_V2.pcap", "igmpv3-queries.pcap"] {
        let frames = frames(&dir, file);
        let expected: Vec<_> = EXPECTED.iter().filter(|e| e.0 == file).collect();
        assert_eq!(frames.len(), expected.len(), "{file}");
        for ((bytes, _), &&(_, frame, src, dst, ttl, tos, ra, igmp_len, trailer)) in
            frames.iter().zip(&expected)
        {
            let what = format!("{file} frame {frame}");
            let p = Ipv4Packet::new_checked(&bytes[..]).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(p.src(), Ipv4Addr::from(src), "{what}");
            assert_eq!(p.dst(), Ipv4Addr::from(dst), "{what}");
            assert_eq!(p.ttl(), ttl, "{what}");
            assert_eq!(p.tos(), tos, "{what}");
            assert_eq!(p.protocol(), IpProtocol::IGMP, "{what}");
            // IGMP_V2's queries carry no Router Alert; everything else here does.
            assert_eq!(p.router_alert(), ra.then_some(0), "{what}");
            assert_eq!(p.header_len(), if ra { 24 } else { 20 }, "{what}");
            let options: Vec<_> = p.options().collect();
            if ra {
                assert_eq!(
                    options,
                    [Ok(Ipv4Option::RouterAlert { value: 0 })],
                    "{what}"
                );
            } else {
                assert!(options.is_empty(), "{what}");
            }
            assert_eq!(p.payload().len(), igmp_len, "{what}");
            assert_eq!(bytes.len() - usize::from(p.total_len()), trailer, "{what}");
            // Re-emitting the parsed header reproduces it byte for byte.
            let mut header = [0u8; 60];
            let n = Ipv4Repr::parse(&p).emit(&mut header).unwrap();
            assert_eq!(&header[..n], p.header_bytes(), "{what}");
            checked += 1;
        }
    }
    assert_eq!(checked, 27 + 18 + 6);
}

#[test]
fn fuzzed_relts_capture_reports_total_length_beyond_capture() {
    let Some(dir) = data_dir() else { return };
    let frames = frames(&dir, "relts-0x80000000.pcap");
    let [(bytes, orig_len)] = &frames[..] else {
        panic!("one frame expected")
    };
    // Captured 304 of 262144 bytes; the header claims 0x3030 = 12336.
    assert_eq!(*orig_len, 262_144);
    assert_eq!(
        Ipv4Packet::new_checked(&bytes[..]),
        Err(Ipv4Error::TotalLenBeyondBuffer {
            total_len: 12336,
            available: 290
        })
    );
    // Lengths are checked before the checksum, so lenient parsing fails the same way.
    assert_eq!(
        Ipv4Packet::new_lenient(&bytes[..]),
        Ipv4Packet::new_checked(&bytes[..])
    );
    // The checksum is bad too: tcpdump prints "bad cksum 3030 (->69ac)!".
    let p = Ipv4Packet::new_unchecked(&bytes[..]);
    assert_eq!(p.checksum(), 0x3030);
    assert!(!p.verify_checksum());
    let header = p.header_bytes();
    let mut c = Checksum::new();
    c.add_bytes(&header[..10]).add_bytes(&header[12..]);
    assert_eq!(c.finish(), 0x69ac);
    // Cutting the buffer to the header leaves only the checksum to complain about.
    let mut short = header.to_vec();
    short[2..4].copy_from_slice(&20u16.to_be_bytes());
    let e = Ipv4Packet::new_checked(&short[..]).unwrap_err();
    assert!(
        matches!(e, Ipv4Error::BadChecksum { stored: 0x3030, .. }),
        "{e}"
    );
}
