//! The link layers in front of IPv4 (etherparse): Ethernet with
//! 802.1Q/802.1ad tags, raw IPv4, Linux cooked capture v1 and v2.

use etherparse::{EtherType, Ethernet2Slice, LinuxSllProtocolType, LinuxSllSlice, SingleVlanSlice};

/// Link-layer type codes (tcpdump.org's LINKTYPE registry) this reader knows.
pub mod linktype {
    /// Ethernet (DLT_EN10MB).
    pub const ETHERNET: u32 = 1;
    /// Raw IP, as OpenBSD numbers DLT_RAW.
    pub const RAW_OPENBSD: u32 = 12;
    /// Raw IP (LINKTYPE_RAW).
    pub const RAW: u32 = 101;
    /// Linux cooked capture v1 (SLL).
    pub const LINUX_SLL: u32 = 113;
    /// Raw IPv4 (LINKTYPE_IPV4).
    pub const IPV4: u32 = 228;
    /// Linux cooked capture v2 (SLL2).
    pub const LINUX_SLL2: u32 = 276;
}

/// What the link layer of a frame holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Link<'a> {
    /// An IPv4 datagram (the bytes from the IPv4 header on, link padding included).
    Ipv4(&'a [u8]),
    /// Something other than IPv4 (ARP, IPv6, ...), or a link type this reader doesn't know.
    Other,
    /// The link-layer header itself is cut short.
    Truncated(&'static str),
}

/// Finds the IPv4 datagram in a frame of the given link type.
pub fn ipv4_of(linktype: u32, data: &[u8]) -> Link<'_> {
    match linktype {
        linktype::ETHERNET => match Ethernet2Slice::from_slice_without_fcs(data) {
            Ok(eth) => after_ether_type(eth.ether_type(), eth.payload_slice()),
            Err(_) => Link::Truncated("Ethernet header"),
        },
        linktype::RAW | linktype::RAW_OPENBSD | linktype::IPV4 => match data.first() {
            Some(b) if b >> 4 == 4 => Link::Ipv4(data),
            Some(_) => Link::Other,
            None => Link::Truncated("raw IP frame"),
        },
        linktype::LINUX_SLL => match LinuxSllSlice::from_slice(data) {
            Ok(sll) => match sll.protocol_type() {
                LinuxSllProtocolType::EtherType(t) => after_ether_type(t, sll.payload_slice()),
                _ => Link::Other,
            },
            Err(_) => Link::Truncated("Linux cooked (SLL) header"),
        },
        linktype::LINUX_SLL2 => {
            // SLL2: protocol type (2), reserved (2), ifindex (4), ARPHRD (2),
            // packet type (1), address length (1), address (8); 20 bytes.
            match (data.get(..2), data.get(20..)) {
                (Some(proto), Some(payload)) => {
                    after_ether_type(EtherType(u16::from_be_bytes([proto[0], proto[1]])), payload)
                }
                _ => Link::Truncated("Linux cooked v2 (SLL2) header"),
            }
        }
        _ => Link::Other,
    }
}

/// Steps over any 802.1Q/802.1ad tags and returns the IPv4 payload.
fn after_ether_type(mut ether_type: EtherType, mut payload: &[u8]) -> Link<'_> {
    // Bounded: every tag consumes 4 bytes of a finite slice.
    loop {
        match ether_type {
            EtherType::IPV4 => return Link::Ipv4(payload),
            EtherType::VLAN_TAGGED_FRAME
            | EtherType::PROVIDER_BRIDGING
            | EtherType::VLAN_DOUBLE_TAGGED_FRAME => match SingleVlanSlice::from_slice(payload) {
                Ok(vlan) => {
                    ether_type = vlan.ether_type();
                    payload = vlan.payload_slice();
                }
                Err(_) => return Link::Truncated("802.1Q tag"),
            },
            _ => return Link::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethernet_with_two_vlan_tags_reaches_ipv4() {
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x08, 0x00]);
        frame.extend_from_slice(&[0x45, 0, 0, 20]);
        assert_eq!(
            ipv4_of(linktype::ETHERNET, &frame),
            Link::Ipv4(&[0x45, 0, 0, 20])
        );
    }

    #[test]
    fn sll2_frame_reaches_ipv4() {
        let mut frame = vec![0x08, 0x00];
        frame.extend_from_slice(&[0u8; 18]);
        frame.push(0x46);
        assert_eq!(ipv4_of(linktype::LINUX_SLL2, &frame), Link::Ipv4(&[0x46]));
        assert_eq!(
            ipv4_of(linktype::LINUX_SLL2, &frame[..10]),
            Link::Truncated("Linux cooked v2 (SLL2) header")
        );
    }

    #[test]
    fn arp_is_other_and_short_ethernet_is_truncated() {
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x08, 0x06, 0, 1]);
        assert_eq!(ipv4_of(linktype::ETHERNET, &frame), Link::Other);
        assert_eq!(
            ipv4_of(linktype::ETHERNET, &frame[..10]),
            Link::Truncated("Ethernet header")
        );
    }
}
