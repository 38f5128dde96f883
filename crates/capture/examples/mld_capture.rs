//! Writes an Ethernet pcap of MLD traffic of a given size, with the crate's
//! [`PcapWriter`]: the MLD-heavy capture `decode` is benchmarked on
//! (`benches/decode_vs_tcpdump.sh MEGABYTES mld`).
//!
//! ```text
//! cargo run --release -p ipv4kit-capture --example mld_capture -- OUT.pcap [MEGABYTES]
//! ```
//!
//! The frames cycle through an MLDv1 report, an MLDv2 report with two
//! records and three sources, an MLDv2 general query and an MLDv1 done, all
//! with the hop-by-hop Router Alert header, from 254 link-local hosts, one
//! every 100 µs.

use std::fs::File;
use std::io::BufWriter;
use std::net::Ipv6Addr;
use std::time::Duration;

use ipv4kit_capture::write::PcapWriter;
use ipv4kit_wire::checksum::icmpv6_checksum;

/// Next Header ICMPv6, Router Alert 0 (MLD), PadN: RFC 3810 §5.
const HBH_RA: [u8; 8] = [58, 0, 5, 2, 0, 0, 1, 0];

fn ipv6_mld(src: Ipv6Addr, dst: Ipv6Addr, mld: &[u8]) -> Vec<u8> {
    let len = (HBH_RA.len() + mld.len()) as u16;
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&len.to_be_bytes());
    p.extend_from_slice(&[0, 1]);
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&dst.octets());
    p.extend_from_slice(&HBH_RA);
    let mut m = mld.to_vec();
    let sum = icmpv6_checksum(src, dst, &m);
    m[2..4].copy_from_slice(&sum.to_be_bytes());
    p.extend_from_slice(&m);
    p
}

fn ether(ip: &[u8]) -> Vec<u8> {
    // 33:33 and the destination's last four octets (RFC 2464 §7).
    let mut f = vec![0x33, 0x33, ip[36], ip[37], ip[38], ip[39]];
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, ip[23]]);
    f.extend_from_slice(&[0x86, 0xdd]);
    f.extend_from_slice(ip);
    f
}

fn v1(msg_type: u8, group: Ipv6Addr) -> Vec<u8> {
    let mut m = vec![msg_type, 0, 0, 0, 0, 0, 0, 0];
    m.extend_from_slice(&group.octets());
    m
}

fn frames(host: u8) -> [Vec<u8>; 4] {
    let h = u16::from(host);
    let src = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, h);
    let group = Ipv6Addr::new(0xff0e, 0, 0, 0, 0, 0, 1, h);
    let mut report_v2 = vec![143, 0, 0, 0, 0, 0, 0, 2];
    report_v2.extend_from_slice(&[4, 0, 0, 0]);
    report_v2.extend_from_slice(&Ipv6Addr::new(0xff0e, 0, 0, 0, 0, 0, 2, h).octets());
    report_v2.extend_from_slice(&[1, 0, 0, 3]);
    report_v2.extend_from_slice(&Ipv6Addr::new(0xff3e, 0, 0, 0, 0, 0, 3, h).octets());
    for s in 1..=3 {
        report_v2.extend_from_slice(&Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, s).octets());
    }
    let mut query_v2 = vec![130, 0, 0, 0, 0x27, 0x10, 0, 0];
    query_v2.extend_from_slice(&[0; 16]);
    query_v2.extend_from_slice(&[2, 125, 0, 0]);
    let all_nodes = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
    let all_routers = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);
    let mldv2_routers = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x16);
    [
        ether(&ipv6_mld(src, group, &v1(131, group))),
        ether(&ipv6_mld(src, mldv2_routers, &report_v2)),
        ether(&ipv6_mld(src, all_nodes, &query_v2)),
        ether(&ipv6_mld(src, all_routers, &v1(132, group))),
    ]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .ok_or("usage: mld_capture OUT.pcap [MEGABYTES]")?;
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
