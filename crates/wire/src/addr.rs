//! Multicast address knowledge: IPv4 multicast blocks (RFC 5771), well-known
//! groups, TTL scoping (RFC 1112 §6.1, the mrouted threshold convention), the
//! IPv6 multicast scope field (RFC 4291 §2.7, RFC 7346) and the Ethernet
//! mapping of IPv4 groups (RFC 1112 §6.4).
//!
//! ```
//! use core::net::Ipv4Addr;
//! use ipv4kit_wire::addr::{self, MulticastClass, TtlScope};
//!
//! assert_eq!(addr::classify(addr::ALL_SYSTEMS), Some(MulticastClass::LocalNetworkControl));
//! assert_eq!(addr::classify(Ipv4Addr::new(232, 1, 1, 1)), Some(MulticastClass::SourceSpecific));
//! assert_eq!(addr::classify(Ipv4Addr::new(10, 0, 0, 1)), None);
//! assert_eq!(addr::scope_for_ttl(16), TtlScope::Site);
//! assert_eq!(addr::multicast_mac(Ipv4Addr::new(239, 255, 255, 250)), [0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa]);
//! ```

use core::net::{Ipv4Addr, Ipv6Addr};

/// 224.0.0.1, all systems on this subnet: destination of General Queries
/// (RFC 1112 §4, RFC 2236 §9, RFC 3376 §4.1.12). Also
/// [`igmp::ALL_SYSTEMS`](crate::igmp::ALL_SYSTEMS), the same item.
pub const ALL_SYSTEMS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 1);
/// 224.0.0.2, all routers on this subnet: destination of IGMPv2 Leave Group
/// messages (RFC 2236 §9). Also [`igmp::ALL_ROUTERS`](crate::igmp::ALL_ROUTERS),
/// the same item.
pub const ALL_ROUTERS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 2);
/// 224.0.0.4, DVMRP routers (RFC 1075).
pub const DVMRP_ROUTERS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 4);
/// 224.0.0.5, OSPF AllSPFRouters (RFC 2328 §A.1).
pub const OSPF_ALL_SPF_ROUTERS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 5);
/// 224.0.0.6, OSPF AllDRouters (RFC 2328 §A.1).
pub const OSPF_ALL_D_ROUTERS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 6);
/// 224.0.0.9, RIPv2 routers (RFC 2453 §4.5).
pub const RIP2_ROUTERS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 9);
/// 224.0.0.13, ALL-PIM-ROUTERS (RFC 7761 §4.3.1).
pub const ALL_PIM_ROUTERS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 13);
/// 224.0.0.18, VRRP (RFC 9568 §5.1.1.2).
pub const VRRP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// 224.0.0.22, all IGMPv3-capable multicast routers: destination of IGMPv3
/// Reports (RFC 3376 §4.2.14). Also [`igmp::ALL_IGMPV3_ROUTERS`](crate::igmp::ALL_IGMPV3_ROUTERS),
/// the same item.
pub const ALL_IGMPV3_ROUTERS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 22);
/// 224.0.0.22 under its former name.
#[deprecated(
    since = "0.1.0",
    note = "one name per constant: use `addr::ALL_IGMPV3_ROUTERS` (also `igmp::ALL_IGMPV3_ROUTERS`)"
)]
pub const IGMPV3_ROUTERS: Ipv4Addr = ALL_IGMPV3_ROUTERS;
/// 224.0.0.251, multicast DNS (RFC 6762 §3).
pub const MDNS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 251);
/// 224.0.0.252, LLMNR (RFC 4795 §2).
pub const LLMNR: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 252);

/// The IANA block an IPv4 multicast address belongs to (RFC 5771 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MulticastClass {
    /// 224.0.0.0/24, Local Network Control Block: never forwarded (RFC 5771 §4).
    LocalNetworkControl,
    /// 224.0.1.0/24, Internetwork Control Block (RFC 5771 §5).
    InternetworkControl,
    /// 232.0.0.0/8, Source-Specific Multicast (RFC 4607 §1, RFC 5771 §7).
    SourceSpecific,
    /// 233.0.0.0–233.251.255.255, GLOP, an AS number in the middle octets (RFC 3180, RFC 5771 §8).
    Glop,
    /// 239.0.0.0/8, administratively scoped (RFC 2365 §6, RFC 5771 §10).
    AdminScoped,
    /// Any other multicast address (ad hoc blocks, SDP/SAP, 233.252/14, 234/8, ...).
    Other,
}

/// The multicast block of `addr`, or `None` when it is not in 224.0.0.0/4 (RFC 5771 §3).
#[inline]
pub const fn classify(addr: Ipv4Addr) -> Option<MulticastClass> {
    let [a, b, c, _] = addr.octets();
    Some(match (a, b, c) {
        (224, 0, 0) => MulticastClass::LocalNetworkControl,
        (224, 0, 1) => MulticastClass::InternetworkControl,
        (232, _, _) => MulticastClass::SourceSpecific,
        (233, 0..=251, _) => MulticastClass::Glop,
        (239, _, _) => MulticastClass::AdminScoped,
        (224..=239, _, _) => MulticastClass::Other,
        _ => return None,
    })
}

/// A multicast scope by TTL threshold, the convention of RFC 1112 §6.1's
/// TTL-scoped multicast as mrouted configured it: 0 host, 1 subnet, 32 site,
/// 64 region, 128 continent, 255 unrestricted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TtlScope {
    /// TTL 0: restricted to the same host.
    Host,
    /// TTL 1: restricted to the same subnet.
    Subnet,
    /// TTL up to 32: restricted to the same site.
    Site,
    /// TTL up to 64: restricted to the same region.
    Region,
    /// TTL up to 128: restricted to the same continent.
    Continent,
    /// TTL up to 255: unrestricted in scope.
    Unrestricted,
}

/// The scope a datagram sent with `ttl` is confined to (RFC 1112 §6.1
/// convention).
///
/// A boundary router with threshold *t* forwards only datagrams whose TTL
/// exceeds *t*, so a TTL between two thresholds belongs to the narrower scope
/// whose threshold it does not exceed: 0 → Host, 1 → Subnet, 2–32 → Site,
/// 33–64 → Region, 65–128 → Continent, 129–255 → Unrestricted.
#[inline]
pub const fn scope_for_ttl(ttl: u8) -> TtlScope {
    match ttl {
        0 => TtlScope::Host,
        1 => TtlScope::Subnet,
        2..=32 => TtlScope::Site,
        33..=64 => TtlScope::Region,
        65..=128 => TtlScope::Continent,
        _ => TtlScope::Unrestricted,
    }
}

/// The conventional TTL for `scope` (its threshold): 0, 1, 32, 64, 128 or 255
/// (RFC 1112 §6.1 convention). `scope_for_ttl(ttl_for_scope(s)) == s`.
#[inline]
pub const fn ttl_for_scope(scope: TtlScope) -> u8 {
    match scope {
        TtlScope::Host => 0,
        TtlScope::Subnet => 1,
        TtlScope::Site => 32,
        TtlScope::Region => 64,
        TtlScope::Continent => 128,
        TtlScope::Unrestricted => 255,
    }
}

/// The 4-bit scope field of an IPv6 multicast address, `ffXs::` (RFC 4291 §2.7, RFC 7346 §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ipv6MulticastScope {
    /// 1: interface-local (loopback only).
    InterfaceLocal,
    /// 2: link-local.
    LinkLocal,
    /// 3: realm-local (RFC 7346).
    RealmLocal,
    /// 4: admin-local, the smallest administratively configured scope.
    AdminLocal,
    /// 5: site-local.
    SiteLocal,
    /// 8: organization-local.
    OrganizationLocal,
    /// 0xE: global.
    Global,
    /// 0 or 0xF: reserved.
    Reserved(u8),
    /// 6, 7, 9–0xD: unassigned, available for administrators (RFC 7346 §2).
    Unassigned(u8),
}

impl Ipv6MulticastScope {
    /// The scope for a nibble value (RFC 4291 §2.7); only the low 4 bits of `nibble` are used.
    #[inline]
    pub const fn from_nibble(nibble: u8) -> Self {
        match nibble & 0x0f {
            1 => Self::InterfaceLocal,
            2 => Self::LinkLocal,
            3 => Self::RealmLocal,
            4 => Self::AdminLocal,
            5 => Self::SiteLocal,
            8 => Self::OrganizationLocal,
            0x0e => Self::Global,
            n @ (0 | 0x0f) => Self::Reserved(n),
            n => Self::Unassigned(n),
        }
    }

    /// The nibble value, 0–15 (RFC 4291 §2.7).
    #[inline]
    pub const fn to_nibble(self) -> u8 {
        match self {
            Self::InterfaceLocal => 1,
            Self::LinkLocal => 2,
            Self::RealmLocal => 3,
            Self::AdminLocal => 4,
            Self::SiteLocal => 5,
            Self::OrganizationLocal => 8,
            Self::Global => 0x0e,
            Self::Reserved(n) | Self::Unassigned(n) => n & 0x0f,
        }
    }

    /// The scope of `addr`, or `None` when it is not multicast (ff00::/8, RFC 4291 §2.7).
    ///
    /// ```
    /// use core::net::Ipv6Addr;
    /// use ipv4kit_wire::addr::Ipv6MulticastScope;
    ///
    /// let all_nodes = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
    /// assert_eq!(Ipv6MulticastScope::of(all_nodes), Some(Ipv6MulticastScope::LinkLocal));
    /// assert_eq!(Ipv6MulticastScope::of(Ipv6Addr::LOCALHOST), None);
    /// ```
    #[inline]
    pub const fn of(addr: Ipv6Addr) -> Option<Self> {
        let [first, flags_scope, ..] = addr.octets();
        if first != 0xff {
            return None;
        }
        Some(Self::from_nibble(flags_scope))
    }
}

/// The Ethernet multicast MAC address for an IPv4 group: 01:00:5e followed by
/// the low 23 bits of the group (RFC 1112 §6.4).
#[inline]
pub const fn multicast_mac(group: Ipv4Addr) -> [u8; 6] {
    let [_, b, c, d] = group.octets();
    [0x01, 0x00, 0x5e, b & 0x7f, c, d]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_block_edges() {
        let cases = [
            ([223, 255, 255, 255], None),
            ([224, 0, 0, 0], Some(MulticastClass::LocalNetworkControl)),
            ([224, 0, 0, 255], Some(MulticastClass::LocalNetworkControl)),
            ([224, 0, 1, 0], Some(MulticastClass::InternetworkControl)),
            ([224, 0, 1, 255], Some(MulticastClass::InternetworkControl)),
            ([224, 0, 2, 0], Some(MulticastClass::Other)),
            ([231, 255, 255, 255], Some(MulticastClass::Other)),
            ([232, 0, 0, 0], Some(MulticastClass::SourceSpecific)),
            ([232, 255, 255, 255], Some(MulticastClass::SourceSpecific)),
            ([233, 0, 0, 0], Some(MulticastClass::Glop)),
            ([233, 251, 255, 255], Some(MulticastClass::Glop)),
            ([233, 252, 0, 0], Some(MulticastClass::Other)),
            ([234, 0, 0, 0], Some(MulticastClass::Other)),
            ([239, 0, 0, 0], Some(MulticastClass::AdminScoped)),
            ([239, 255, 255, 255], Some(MulticastClass::AdminScoped)),
            ([240, 0, 0, 0], None),
            ([10, 0, 0, 1], None),
        ];
        for (octets, class) in cases {
            assert_eq!(classify(Ipv4Addr::from(octets)), class, "{octets:?}");
        }
    }

    #[test]
    fn classify_agrees_with_std_is_multicast() {
        for a in 0..=255u8 {
            let addr = Ipv4Addr::new(a, 0, 1, 2);
            assert_eq!(classify(addr).is_some(), addr.is_multicast());
        }
    }

    #[test]
    fn well_known_groups_are_local_network_control() {
        for g in [
            ALL_SYSTEMS,
            ALL_ROUTERS,
            DVMRP_ROUTERS,
            OSPF_ALL_SPF_ROUTERS,
            OSPF_ALL_D_ROUTERS,
            RIP2_ROUTERS,
            ALL_PIM_ROUTERS,
            VRRP,
            ALL_IGMPV3_ROUTERS,
            MDNS,
            LLMNR,
        ] {
            assert_eq!(classify(g), Some(MulticastClass::LocalNetworkControl));
        }
    }

    #[test]
    fn ttl_scope_thresholds_and_between_values() {
        assert_eq!(scope_for_ttl(0), TtlScope::Host);
        assert_eq!(scope_for_ttl(1), TtlScope::Subnet);
        assert_eq!(scope_for_ttl(2), TtlScope::Site);
        assert_eq!(scope_for_ttl(32), TtlScope::Site);
        assert_eq!(scope_for_ttl(33), TtlScope::Region);
        assert_eq!(scope_for_ttl(64), TtlScope::Region);
        assert_eq!(scope_for_ttl(65), TtlScope::Continent);
        assert_eq!(scope_for_ttl(128), TtlScope::Continent);
        assert_eq!(scope_for_ttl(129), TtlScope::Unrestricted);
        assert_eq!(scope_for_ttl(255), TtlScope::Unrestricted);
    }

    #[test]
    fn ttl_for_scope_round_trips_and_is_monotonic() {
        let mut last = None;
        for ttl in 0..=255u8 {
            let scope = scope_for_ttl(ttl);
            assert_eq!(scope_for_ttl(ttl_for_scope(scope)), scope);
            assert!(ttl <= ttl_for_scope(scope));
            if let Some(prev) = last {
                assert!(scope >= prev);
            }
            last = Some(scope);
        }
    }

    #[test]
    fn ipv6_scope_nibbles_round_trip() {
        for n in 0..16u8 {
            assert_eq!(Ipv6MulticastScope::from_nibble(n).to_nibble(), n);
        }
        assert_eq!(
            Ipv6MulticastScope::from_nibble(0x1e),
            Ipv6MulticastScope::Global
        );
        let named = [
            (0xff01, Ipv6MulticastScope::InterfaceLocal),
            (0xff02, Ipv6MulticastScope::LinkLocal),
            (0xff03, Ipv6MulticastScope::RealmLocal),
            (0xff04, Ipv6MulticastScope::AdminLocal),
            (0xff05, Ipv6MulticastScope::SiteLocal),
            (0xff08, Ipv6MulticastScope::OrganizationLocal),
            (0xff0e, Ipv6MulticastScope::Global),
            (0xff00, Ipv6MulticastScope::Reserved(0)),
            (0xff0f, Ipv6MulticastScope::Reserved(0xf)),
            (0xff06, Ipv6MulticastScope::Unassigned(6)),
            // Flags (T, P, R bits) do not change the scope.
            (0xff35, Ipv6MulticastScope::SiteLocal),
        ];
        for (first, scope) in named {
            let a = Ipv6Addr::new(first, 0, 0, 0, 0, 0, 0, 1);
            assert_eq!(Ipv6MulticastScope::of(a), Some(scope), "{a}");
        }
        assert_eq!(Ipv6MulticastScope::of(Ipv6Addr::UNSPECIFIED), None);
    }

    #[test]
    fn multicast_mac_drops_the_25th_bit() {
        // RFC 1112 §6.4: 224.128.1.2 and 224.0.1.2 share a MAC.
        assert_eq!(
            multicast_mac(Ipv4Addr::new(224, 128, 1, 2)),
            multicast_mac(Ipv4Addr::new(224, 0, 1, 2))
        );
        assert_eq!(multicast_mac(ALL_SYSTEMS), [1, 0, 0x5e, 0, 0, 1]);
        assert_eq!(
            multicast_mac(ALL_IGMPV3_ROUTERS),
            [0x01, 0x00, 0x5e, 0x00, 0x00, 0x16]
        );
    }
}
