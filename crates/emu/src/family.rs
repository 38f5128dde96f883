//! What the emulator needs of a protocol beyond the engine's [`Protocol`]:
//! host addresses counted from a first one, the IP header a host's message
//! goes out in, the Ethernet address a group maps to, and which groups and
//! sources a scenario may name. [`Igmp`] here, [`Mld`](ipv4kit_gmp::Mld)
//! in `family6`.

use core::net::Ipv4Addr;

use ipv4kit_gmp::{Host, Igmp, MessageKind, Protocol, Transmit};
use ipv4kit_wire::igmp::{IGMPV3_TOS, IGMP_TTL};
use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Repr, ROUTER_ALERT};

/// A group-management protocol the emulator can run: the engine's
/// [`Protocol`] plus addressing and the IP header. [`Igmp`] and
/// [`Mld`](ipv4kit_gmp::Mld) implement it.
pub trait Family: Protocol + Copy {
    /// Octets of IP header written before each message.
    const HEADER_LEN: usize;
    /// The EtherType of the family's frames (0x0800, 0x86dd).
    const ETHERTYPE: u16;
    /// The address `n` places after `first`, if the family has it and it is
    /// a usable unicast host address.
    fn nth_address(first: Self::Addr, n: u32) -> Option<Self::Addr>;
    /// Whether `addr` can be a host's own source address.
    fn is_host_address(addr: &Self::Addr) -> bool;
    /// Writes the IP header of a message `t` from `source` into
    /// `buf[..HEADER_LEN]`.
    fn emit_header(source: Self::Addr, t: &Transmit<Self::Addr>, buf: &mut [u8]);
    /// Why `group` cannot be joined by a scenario, if it cannot.
    fn check_group(group: &Self::Addr) -> Result<(), &'static str>;
    /// Why `source` cannot be a source of a filter, if it cannot.
    fn check_source(source: &Self::Addr) -> Result<(), &'static str>;
    /// The Ethernet destination of a datagram to `group`.
    fn multicast_mac(group: &Self::Addr) -> [u8; 6];
    /// Tells a new host engine its own address, where the protocol needs
    /// it (MLD checksums cover the source address); nothing by default.
    fn init_host<R: rand_core::Rng>(host: &mut Host<Self, R>, source: Self::Addr) {
        let _ = (host, source);
    }
}

impl Family for Igmp {
    /// 20 octets of fixed header and the 4-octet Router Alert option.
    const HEADER_LEN: usize = 24;
    const ETHERTYPE: u16 = 0x0800;

    fn nth_address(first: Ipv4Addr, n: u32) -> Option<Ipv4Addr> {
        let a = Ipv4Addr::from(u32::from(first).checked_add(n)?);
        Self::is_host_address(&a).then_some(a)
    }

    fn is_host_address(a: &Ipv4Addr) -> bool {
        !(a.is_unspecified()
            || a.is_multicast()
            || a.is_broadcast()
            || a.is_loopback()
            || a.octets()[0] >= 240)
    }

    /// TTL 1 and Router Alert for every message (RFC 3376 §4, RFC 2236 §2),
    /// ToS 0xc0 (Internetwork Control) for IGMPv3 reports (RFC 3376 §4).
    fn emit_header(source: Ipv4Addr, t: &Transmit<Ipv4Addr>, buf: &mut [u8]) {
        let dscp = if t.kind == MessageKind::Report {
            IGMPV3_TOS >> 2
        } else {
            0
        };
        let n = Ipv4Repr::new(source, t.destination, IpProtocol::IGMP, t.len)
            .with_ttl(IGMP_TTL)
            .with_dscp_ecn(dscp, 0)
            .with_options(&ROUTER_ALERT)
            .emit(&mut buf[..Self::HEADER_LEN])
            .expect("a 24-octet header fits the 24 octets given");
        debug_assert_eq!(n, Self::HEADER_LEN);
    }

    fn check_group(g: &Ipv4Addr) -> Result<(), &'static str> {
        if !g.is_multicast() {
            Err("not a multicast address (224.0.0.0/4)")
        } else if *g == Igmp::ALL_NODES {
            Err("224.0.0.1 (all systems) is never reported (RFC 3376 §5)")
        } else {
            Ok(())
        }
    }

    fn check_source(s: &Ipv4Addr) -> Result<(), &'static str> {
        if Self::is_host_address(s) {
            Ok(())
        } else {
            Err("not a unicast source address")
        }
    }

    /// 01:00:5e and the group's low 23 bits (RFC 1112 §6.4).
    fn multicast_mac(group: &Ipv4Addr) -> [u8; 6] {
        ipv4kit_net::multicast_mac(*group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_count_up_and_stop_at_the_unicast_space() {
        let first = Ipv4Addr::new(198, 18, 0, 255);
        assert_eq!(
            Igmp::nth_address(first, 1),
            Some(Ipv4Addr::new(198, 18, 1, 0))
        );
        assert_eq!(
            Igmp::nth_address(Ipv4Addr::new(223, 255, 255, 255), 1),
            None
        );
        assert_eq!(
            Igmp::nth_address(Ipv4Addr::new(255, 255, 255, 254), 5),
            None
        );
    }

    #[test]
    fn all_systems_and_unicast_groups_are_refused() {
        assert!(Igmp::check_group(&Ipv4Addr::new(224, 0, 0, 1)).is_err());
        assert!(Igmp::check_group(&Ipv4Addr::new(10, 0, 0, 1)).is_err());
        assert!(Igmp::check_group(&Ipv4Addr::new(224, 0, 0, 2)).is_ok());
        assert!(Igmp::check_source(&Ipv4Addr::new(239, 0, 0, 1)).is_err());
    }
}
