//! Writes an Ethernet pcap of IGMP traffic of a given size, with the
//! crate's [`PcapWriter`]: the capture `decode` is benchmarked on.
//!
//! ```text
//! cargo run --release -p ipv4kit-capture --example igmp_capture -- OUT.pcap [MEGABYTES]
//! ```
//!
//! The frames cycle through an IGMPv2 report, an IGMPv3 report with two
//! records and three sources, an IGMPv3 general query and an IGMPv2 leave,
//! all with Router Alert, from 254 hosts, one every 100 µs.

use std::fs::File;
use std::io::BufWriter;
use std::time::Duration;

use ipv4kit_capture::write::PcapWriter;
use ipv4kit_wire::checksum;

fn ipv4_igmp(src: [u8; 4], dst: [u8; 4], igmp: &[u8]) -> Vec<u8> {
    let total = 24 + igmp.len();
    let mut p = vec![0x46, 0xc0];
    p.extend_from_slice(&(total as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 0, 1, 2, 0, 0]);
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(&[0x94, 0x04, 0, 0]);
    let sum = checksum::checksum(&p);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    let mut m = igmp.to_vec();
    let sum = checksum::checksum(&m);
    m[2..4].copy_from_slice(&sum.to_be_bytes());
    p.extend_from_slice(&m);
    p
}

fn ether(ip: &[u8]) -> Vec<u8> {
    let mut f = vec![0x01, 0x00, 0x5e, ip[17] & 0x7f, ip[18], ip[19]];
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, ip[15]]);
    f.extend_from_slice(&[0x08, 0x00]);
    f.extend_from_slice(ip);
    f
}

fn frames(host: u8) -> [Vec<u8>; 4] {
    let src = [198, 18, 0, host];
    let report_v2 = [0x16, 0, 0, 0, 239, 1, 1, host];
    let mut report_v3 = vec![0x22, 0, 0, 0, 0, 0, 0, 2];
    report_v3.extend_from_slice(&[4, 0, 0, 0, 239, 2, 2, host]);
    report_v3.extend_from_slice(&[1, 0, 0, 3, 232, 1, 1, host]);
    for s in 1..=3 {
        report_v3.extend_from_slice(&[198, 18, 1, s]);
    }
    let query_v3 = [0x11, 100, 0, 0, 0, 0, 0, 0, 2, 125, 0, 0];
    let leave = [0x17, 0, 0, 0, 239, 1, 1, host];
    [
        ether(&ipv4_igmp(src, [239, 1, 1, host], &report_v2)),
        ether(&ipv4_igmp(src, [224, 0, 0, 22], &report_v3)),
        ether(&ipv4_igmp(src, [224, 0, 0, 1], &query_v3)),
        ether(&ipv4_igmp(src, [224, 0, 0, 2], &leave)),
    ]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .ok_or("usage: igmp_capture OUT.pcap [MEGABYTES]")?;
    let megabytes: u64 = args.next().map_or(Ok(200), |m| m.parse())?;
    let limit = megabytes * 1_000_000;
    let hosts: Vec<[Vec<u8>; 4]> = (1..=254).map(frames).collect();
    let mut w = PcapWriter::new(BufWriter::new(File::create(&out)?), 1, 65535)?;
    let (mut written, mut n) = (24u64, 0u64);
    while written < limit {
        let frame = &hosts[(n % 254) as usize][(n / 254 % 4) as usize];
        let ts = Duration::from_secs(1_700_000_000) + Duration::from_micros(100 * n);
        w.write_packet(ts, frame.len() as u32, frame)?;
        written += 16 + frame.len() as u64;
        n += 1;
    }
    w.into_inner()?;
    eprintln!("{out}: {n} frames, {written} octets");
    Ok(())
}
