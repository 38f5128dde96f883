//! IGMP carried in VXLAN (RFC 7348) and GRE (RFC 2784, RFC 2890) is
//! analysed on a link of its own: the outer link × the tunnel (VNI; GRE key,
//! or the outer addresses) × the inner frame's VLAN, one level deep.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use common::*;
use ipv4kit_analyze::{analyze_files, Options, Report};
use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Repr};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data")
}

fn link<'a>(r: &'a Report, suffix: &str) -> &'a ipv4kit_analyze::report::LinkReport {
    let names: Vec<&str> = r.links.iter().map(|l| l.name.as_str()).collect();
    r.links
        .iter()
        .find(|l| l.name.ends_with(suffix))
        .unwrap_or_else(|| panic!("no link {suffix:?} in {names:?}"))
}

const VTEP1: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 1);
const VTEP2: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 2);

/// `inner` in GRE (protocol type `proto`, optional key) in IPv4 from VTEP1 to VTEP2.
fn gre(proto: u16, key: Option<u32>, inner: &[u8]) -> Vec<u8> {
    let mut g = vec![if key.is_some() { 0x20 } else { 0 }, 0];
    g.extend_from_slice(&proto.to_be_bytes());
    if let Some(k) = key {
        g.extend_from_slice(&k.to_be_bytes());
    }
    g.extend_from_slice(inner);
    let ip = Ipv4Repr::new(VTEP1, VTEP2, IpProtocol::GRE, g.len()).with_ttl(64);
    let mut buf = vec![0u8; ip.total_len()];
    let n = ip.emit(&mut buf).unwrap();
    buf[n..].copy_from_slice(&g);
    buf
}

/// An Ethernet frame with an 802.1Q tag `vlan` around an IPv4 datagram.
fn ether_vlan(vlan: u16, ip: &[u8]) -> Vec<u8> {
    let mut e = vec![1, 0, 0x5e, 0, 0, 1, 2, 0, 0, 0, 0, 0x11, 0x81, 0];
    e.extend_from_slice(&vlan.to_be_bytes());
    e.extend_from_slice(&[0x08, 0x00]);
    e.extend_from_slice(ip);
    e
}

#[test]
fn zeeks_vxlan_capture_has_three_igmpv2_reports_for_mdns_on_vni_4242() {
    let r = analyze_files(
        &[data().join("zeek/vxlan-encapsulated-igmp-v2.pcap")],
        Options::default(),
    );
    assert_eq!(r.summary.igmp, 3);
    assert_eq!(r.links.len(), 1);
    let l = link(&r, "vxlan-encapsulated-igmp-v2.pcap vxlan 4242");
    let p = &l.protocols[0];
    assert_eq!(p.messages.old_reports, 3);
    // 224.0.0.251 (mDNS) is link-local, yet reported as any group: only
    // 224.0.0.1 is never reported (RFC 2236 §6, RFC 3376 §5). The reports
    // carry TTL 1 and Router Alert, so no violation.
    assert!(r.violations.is_empty(), "{:?}", r.violations);
    let g = &p.table.groups[0];
    assert_eq!(g.group, IpAddr::V4(Ipv4Addr::new(224, 0, 0, 251)));
    assert_eq!((g.filter_mode, g.version), ("exclude", 2));
    assert_eq!(g.hosts.len(), 2);
    assert_eq!(g.last_reporter, IpAddr::V4(Ipv4Addr::new(192, 168, 9, 80)));
}

#[test]
fn the_gre_capture_has_a_link_for_the_keyless_tunnel_and_one_for_key_77() {
    let r = analyze_files(&[data().join("built/gre.pcap")], Options::default());
    assert_eq!(r.summary.igmp, 2);
    assert_eq!(r.links.len(), 2);
    for suffix in ["gre.pcap gre 198.18.1.1>198.18.1.2", "gre.pcap gre key 77"] {
        let p = &link(&r, suffix).protocols[0];
        assert_eq!(p.messages.old_reports, 1, "{suffix}");
        let g = &p.table.groups[0];
        assert_eq!(g.group, IpAddr::V4(Ipv4Addr::new(239, 1, 1, 1)));
        assert_eq!(g.last_reporter, IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1)));
    }
}

#[test]
fn two_vnis_with_the_same_group_and_addresses_are_two_links_each_with_its_querier() {
    let r = analyze_files(
        &[data().join("analyze/tunnel-vxlan-vnis.pcap")],
        Options::default(),
    );
    // Merged into one link, 198.18.0.2 would be a non-querier (RFC 3376 §6.6.2).
    assert!(r.violations.is_empty(), "{:?}", r.violations);
    assert_eq!(r.links.len(), 2);
    for (vni, querier, host) in [(100, Q, "198.18.0.21"), (200, Q2, "198.18.0.22")] {
        let p = &link(&r, &format!(" vxlan {vni}")).protocols[0];
        assert_eq!(p.queriers.len(), 1, "vni {vni}");
        assert_eq!(p.queriers[0].address, IpAddr::V4(querier), "vni {vni}");
        assert_eq!(p.table.groups.len(), 1, "vni {vni}");
        let g = &p.table.groups[0];
        assert_eq!(g.group, IpAddr::V4(Ipv4Addr::new(239, 1, 2, 3)));
        assert_eq!(g.hosts.len(), 1, "vni {vni}");
        assert_eq!(g.last_reporter, host.parse::<IpAddr>().unwrap());
    }
}

#[test]
fn the_inner_vlan_is_part_of_the_tunnel_links_key_and_the_outer_igmp_stays_on_its_link() {
    let report = |src| datagram(&f(0, src, G1, r2(G1)));
    let frames = vec![
        // Untunnelled IGMP: the capture's own link.
        (0, report(H1)),
        (1, gre(0x6558, Some(7), &ether_vlan(10, &report(H1)))),
        (2, gre(0x6558, Some(7), &ether_vlan(20, &report(H2)))),
        (3, gre(0x0800, Some(7), &report(H2))),
    ];
    let r = analyze_raw(&frames, Options::default());
    assert_eq!(r.summary.igmp, 4);
    let names: Vec<&str> = r.links.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "test",
            "test gre key 7 vlan 10",
            "test gre key 7 vlan 20",
            "test gre key 7"
        ]
    );
    for l in &r.links {
        assert_eq!(l.protocols[0].table.groups.len(), 1, "{}", l.name);
    }
}

#[test]
fn a_tunnel_in_a_tunnel_is_skipped_and_an_inner_packet_cut_short_is_unparsable() {
    let report = datagram(&f(0, H1, G1, r2(G1)));
    let nested = gre(0x0800, Some(1), &gre(0x0800, Some(2), &report));
    // Total Length says 32 octets, 24 are there.
    let cut = gre(0x0800, Some(3), &report[..24]);
    let r = analyze_raw(&[(0, nested), (1, cut)], Options::default());
    // The cut one counts as IGMP on its link, as an untunnelled one would.
    assert_eq!(r.summary.igmp, 1);
    assert_eq!(r.summary.skipped, 1);
    assert_eq!(r.summary.unparsable, 1);
    assert_eq!(r.unparsable[0].frame, 2);
    let names: Vec<&str> = r.links.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["test gre key 3"]);
    assert!(r.links[0].protocols[0].table.groups.is_empty());
}
