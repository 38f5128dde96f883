//! IP protocol numbers (RFC 791 §3.1 "Protocol"; IANA "Assigned Internet Protocol Numbers").

use core::fmt;

/// The IPv4 Protocol field: a plain `u8` with names for the numbers this
/// workspace meets (IANA "Assigned Internet Protocol Numbers", RFC 5237).
///
/// Any `u8` converts into it and compares equal to it, so plain numbers stay
/// accepted everywhere.
///
/// ```
/// use ipv4kit_wire::ipv4::IpProtocol;
///
/// assert_eq!(IpProtocol::IGMP, 2);
/// assert_eq!(IpProtocol::from(89), IpProtocol::OSPF);
/// assert_eq!(u8::from(IpProtocol::PIM), 103);
/// assert_eq!(IpProtocol::VRRP.to_string(), "VRRP (112)");
/// assert_eq!(IpProtocol(200).to_string(), "200");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IpProtocol(pub u8);

impl IpProtocol {
    /// Internet Control Message Protocol (RFC 792).
    pub const ICMP: IpProtocol = IpProtocol(1);
    /// Internet Group Management Protocol (RFC 1112, RFC 2236, RFC 3376).
    pub const IGMP: IpProtocol = IpProtocol(2);
    /// Transmission Control Protocol (RFC 9293).
    pub const TCP: IpProtocol = IpProtocol(6);
    /// User Datagram Protocol (RFC 768).
    pub const UDP: IpProtocol = IpProtocol(17);
    /// Generic Routing Encapsulation (RFC 2784).
    pub const GRE: IpProtocol = IpProtocol(47);
    /// Open Shortest Path First (RFC 2328).
    pub const OSPF: IpProtocol = IpProtocol(89);
    /// Protocol Independent Multicast (RFC 7761).
    pub const PIM: IpProtocol = IpProtocol(103);
    /// Virtual Router Redundancy Protocol (RFC 9568).
    pub const VRRP: IpProtocol = IpProtocol(112);
    /// For experimentation and testing (RFC 3692, RFC 4727).
    pub const EXPERIMENTAL_253: IpProtocol = IpProtocol(253);
    /// For experimentation and testing (RFC 3692, RFC 4727).
    pub const EXPERIMENTAL_254: IpProtocol = IpProtocol(254);

    /// The IANA keyword ("Assigned Internet Protocol Numbers") for the numbers named above, `None` for the rest.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "ICMP",
            2 => "IGMP",
            6 => "TCP",
            17 => "UDP",
            47 => "GRE",
            89 => "OSPF",
            103 => "PIM",
            112 => "VRRP",
            253 | 254 => "experimental",
            _ => return None,
        })
    }
}

impl From<u8> for IpProtocol {
    #[inline]
    fn from(value: u8) -> Self {
        IpProtocol(value)
    }
}

impl From<IpProtocol> for u8 {
    #[inline]
    fn from(value: IpProtocol) -> Self {
        value.0
    }
}

impl PartialEq<u8> for IpProtocol {
    #[inline]
    fn eq(&self, other: &u8) -> bool {
        self.0 == *other
    }
}

impl PartialEq<IpProtocol> for u8 {
    #[inline]
    fn eq(&self, other: &IpProtocol) -> bool {
        *self == other.0
    }
}

impl fmt::Display for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn named_numbers_match_iana() {
        let table = [
            (IpProtocol::ICMP, 1),
            (IpProtocol::IGMP, 2),
            (IpProtocol::TCP, 6),
            (IpProtocol::UDP, 17),
            (IpProtocol::GRE, 47),
            (IpProtocol::OSPF, 89),
            (IpProtocol::PIM, 103),
            (IpProtocol::VRRP, 112),
            (IpProtocol::EXPERIMENTAL_253, 253),
            (IpProtocol::EXPERIMENTAL_254, 254),
        ];
        for (p, n) in table {
            assert_eq!(p, n);
            assert_eq!(n, p);
            assert!(p.name().is_some());
        }
    }

    #[test]
    fn display_names_known_and_numbers_unknown() {
        assert_eq!(IpProtocol::IGMP.to_string(), "IGMP (2)");
        assert_eq!(IpProtocol(254).to_string(), "experimental (254)");
        assert_eq!(IpProtocol(0).to_string(), "0");
    }
}
