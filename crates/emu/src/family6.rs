//! MLD as an emulator [`Family`]: hosts on link-local addresses, each
//! message in an IPv6 header with hop limit 1 and a hop-by-hop header
//! carrying Router Alert 0 (RFC 3810 §5, RFC 2711 §2.1), Ethernet
//! destinations 33:33 and the group's low 32 bits (RFC 2464 §7).

use core::net::Ipv6Addr;

use ipv4kit_gmp::{Host, Mld, Protocol, Transmit};
use ipv4kit_wire::ipv6::{Ipv6Repr, HEADER_LEN, MLD_HOP_BY_HOP, NEXT_HEADER_HOP_BY_HOP};
use ipv4kit_wire::mld::{self, HOP_BY_HOP_RA_LEN, MLD_HOP_LIMIT};

use crate::family::Family;

impl Family for Mld {
    /// 40 octets of fixed header and the 8-octet hop-by-hop header.
    const HEADER_LEN: usize = HEADER_LEN + HOP_BY_HOP_RA_LEN;
    const ETHERTYPE: u16 = 0x86dd;

    /// Counts up within fe80::/64 (RFC 4291 §2.5.6: a link-local address
    /// is fe80::/64 and a 64-bit interface identifier).
    fn nth_address(first: Ipv6Addr, n: u32) -> Option<Ipv6Addr> {
        let a = Ipv6Addr::from_bits(first.to_bits().checked_add(u128::from(n))?);
        Self::is_host_address(&a).then_some(a)
    }

    /// A link-local unicast address, fe80::/64, with a non-zero interface
    /// identifier (RFC 3810 §5.2.13: reports come from link-local sources;
    /// fe80:: itself is the link's Subnet-Router anycast, RFC 4291 §2.6.1).
    fn is_host_address(a: &Ipv6Addr) -> bool {
        let bits = a.to_bits();
        bits >> 64 == 0xfe80_0000_0000_0000 && bits as u64 != 0
    }

    /// Hop limit 1, hop-by-hop Router Alert 0 (MLD), traffic class 0, for
    /// every message (RFC 3810 §5, RFC 2710 §3). The engine wrote the
    /// ICMPv6 checksum over the pseudo-header with `source` (the host's
    /// address, given to it by [`init_host`](Family::init_host)).
    fn emit_header(source: Ipv6Addr, t: &Transmit<Ipv6Addr>, buf: &mut [u8]) {
        let repr = Ipv6Repr {
            traffic_class: 0,
            flow_label: 0,
            // Messages are at most the 1280-octet MTU: no overflow.
            payload_len: (HOP_BY_HOP_RA_LEN + t.len) as u16,
            next_header: NEXT_HEADER_HOP_BY_HOP,
            hop_limit: MLD_HOP_LIMIT,
            src: source,
            dst: t.destination,
        };
        let (head, hbh) = buf[..Self::HEADER_LEN].split_at_mut(HEADER_LEN);
        repr.emit(head)
            .expect("a 40-octet header fits the 40 octets given");
        hbh.copy_from_slice(&MLD_HOP_BY_HOP);
    }

    fn check_group(g: &Ipv6Addr) -> Result<(), &'static str> {
        if !g.is_multicast() {
            Err("not a multicast address (ff00::/8)")
        } else if *g == Mld::ALL_NODES {
            Err("ff02::1 (all nodes) is never reported (RFC 3810 §6)")
        } else if !mld::is_reported(*g) {
            Err("interface-local or reserved scope: never reported (RFC 3810 §6)")
        } else {
            Ok(())
        }
    }

    fn check_source(s: &Ipv6Addr) -> Result<(), &'static str> {
        if s.is_multicast() || s.is_unspecified() || s.is_loopback() {
            Err("not a unicast source address")
        } else {
            Ok(())
        }
    }

    /// 33:33 and the group's low 32 bits (RFC 2464 §7).
    fn multicast_mac(group: &Ipv6Addr) -> [u8; 6] {
        let o = group.octets();
        [0x33, 0x33, o[12], o[13], o[14], o[15]]
    }

    fn init_host<R: rand_core::Rng>(host: &mut Host<Self, R>, source: Ipv6Addr) {
        host.set_source(source)
            .expect("host addresses are link-local (is_host_address)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_count_up_within_fe80_64() {
        assert_eq!(Mld::nth_address(a("fe80::ff"), 1), Some(a("fe80::100")));
        assert_eq!(Mld::nth_address(a("fe80::ffff:ffff:ffff:fffe"), 2), None);
        assert!(!Mld::is_host_address(&a("fe80::")));
        assert!(!Mld::is_host_address(&a("2001:db8::1")));
        assert!(!Mld::is_host_address(&a("fe80:0:0:1::1")));
    }

    #[test]
    fn all_nodes_unicast_and_interface_local_groups_are_refused() {
        assert!(Mld::check_group(&a("ff02::1")).is_err());
        assert!(Mld::check_group(&a("2001:db8::1")).is_err());
        assert!(Mld::check_group(&a("ff01::5")).is_err());
        assert!(Mld::check_group(&a("ff02::2")).is_ok());
        assert!(Mld::check_group(&a("ff3e::1")).is_ok());
        assert!(Mld::check_source(&a("ff3e::1")).is_err());
        assert!(Mld::check_source(&a("2001:db8::9")).is_ok());
    }

    #[test]
    fn groups_map_to_33_33_and_the_low_32_bits() {
        assert_eq!(
            Mld::multicast_mac(&a("ff3e::8000:1234")),
            [0x33, 0x33, 0x80, 0, 0x12, 0x34]
        );
    }
}
