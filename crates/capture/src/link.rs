//! The link layers in front of IP, written out by hand from the LINKTYPE
//! registry (tcpdump.org `linktypes.html`) and Linux's `if_arp.h`:
//! Ethernet with any number of 802.1Q/802.1ad tags, raw IP, Linux cooked
//! capture v1 and v2 with every ARPHRD hardware type, BSD loopback (NULL and
//! LOOP), PPP (with and without HDLC framing or a direction octet) and Cisco
//! HDLC. A pcap link-type field may carry the FCS length in its top bits
//! (pcap draft §8.2.4); the FCS is stripped before the payload is found.

use std::fmt;

use serde::{Serialize, Serializer};

/// Link-layer type codes (tcpdump.org's LINKTYPE registry) this reader knows.
pub mod linktype {
    /// BSD loopback, AF value in the capturing host's byte order (DLT_NULL).
    pub const NULL: u32 = 0;
    /// Ethernet (DLT_EN10MB).
    pub const ETHERNET: u32 = 1;
    /// PPP, RFC 1661 protocol field, maybe with 0xff 0x03 in front.
    pub const PPP: u32 = 9;
    /// Raw IP, as OpenBSD numbers DLT_RAW.
    pub const RAW_OPENBSD: u32 = 12;
    /// Raw IP, as BSD/OS numbers DLT_RAW.
    pub const RAW_BSDOS: u32 = 14;
    /// PPP in HDLC-like framing (RFC 1662).
    pub const PPP_HDLC: u32 = 50;
    /// Raw IP (LINKTYPE_RAW).
    pub const RAW: u32 = 101;
    /// Cisco HDLC.
    pub const C_HDLC: u32 = 104;
    /// OpenBSD loopback: AF value in network byte order.
    pub const LOOP: u32 = 108;
    /// Linux cooked capture v1 (SLL).
    pub const LINUX_SLL: u32 = 113;
    /// PPP with a direction octet in front.
    pub const PPP_WITH_DIR: u32 = 204;
    /// Raw IPv4 (LINKTYPE_IPV4).
    pub const IPV4: u32 = 228;
    /// Raw IPv6 (LINKTYPE_IPV6).
    pub const IPV6: u32 = 229;
    /// Linux cooked capture v2 (SLL2).
    pub const LINUX_SLL2: u32 = 276;
}

/// A MAC address; prints and serialises as `aa:bb:cc:dd:ee:ff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Mac(pub [u8; 6]);

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

impl Serialize for Mac {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One 802.1Q or 802.1ad tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Vlan {
    /// The TPID: 0x8100 (802.1Q), 0x88a8 (802.1ad) or 0x9100.
    pub tpid: u16,
    /// VLAN identifier.
    pub id: u16,
    /// Priority code point.
    pub pcp: u8,
}

/// The link-layer header of a frame: what `-e` prints and JSON's `link`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LinkHeader {
    /// `ethernet`, `linux_sll`, `linux_sll2`, `raw`, `null`, `loop`, `ppp`,
    /// `c_hdlc` or `unsupported`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The LINKTYPE number (FCS bits removed).
    pub linktype: u32,
    /// Source MAC (Ethernet), or the SLL link-layer address when it has six
    /// octets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src: Option<Mac>,
    /// Destination MAC (Ethernet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst: Option<Mac>,
    /// VLAN tags, outermost first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vlans: Vec<Vlan>,
    /// The EtherType (or PPP/AF protocol mapped to one) of the payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ethertype: Option<u16>,
    /// Linux cooked: the ARPHRD hardware type (1 Ethernet, 512 PPP, 772
    /// loopback, 0xfffe none/tun...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hatype: Option<u16>,
    /// Linux cooked: packet type (0 to us, 1 broadcast, 2 multicast, 3 to
    /// another host, 4 sent by us).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pkttype: Option<u16>,
    /// Linux cooked v2: interface index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ifindex: Option<u32>,
    /// Octets of frame check sequence the link-type field declared (and
    /// that were stripped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fcs_len: Option<u8>,
}

/// What a frame's link layer holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Link<'a> {
    /// An IPv4 datagram (the bytes from the IPv4 header on, link padding included).
    Ipv4(&'a [u8]),
    /// An IPv6 packet (the bytes from the IPv6 header on, link padding
    /// included): [`decode::ipv6_packet`](crate::decode::ipv6_packet).
    Ipv6(&'a [u8]),
    /// Something other than IP, e.g. "ARP (ethertype 0x0806)".
    NotIp(String),
    /// A link type this reader does not decode.
    Unsupported(u32),
    /// The link-layer header itself is cut short.
    Truncated(&'static str),
}

/// The name of a LINKTYPE as tcpdump says it, for the messages about link
/// types that are not supported.
pub fn linktype_name(linktype: u32) -> &'static str {
    match linktype {
        0 => "BSD loopback",
        1 => "Ethernet",
        3 => "AX.25",
        6 => "IEEE 802.5 Token Ring",
        7 => "ARCNET",
        8 => "SLIP",
        9 => "PPP",
        10 => "FDDI",
        50 => "PPP over HDLC",
        51 => "PPPoE",
        100 => "RFC 1483 LLC/SNAP ATM",
        101 => "Raw IP",
        104 => "Cisco HDLC",
        105 => "IEEE 802.11",
        107 => "Frame Relay",
        108 => "OpenBSD loopback",
        113 => "Linux cooked v1",
        119 => "Prism",
        122 => "RFC 2625 IP-over-Fibre Channel",
        127 => "IEEE 802.11 plus radiotap header",
        143 => "DOCSIS",
        147..=162 => "user-defined",
        163 => "AVS 802.11",
        187 => "Bluetooth HCI H4",
        189 => "USB with Linux header",
        192 => "PPI",
        195 => "IEEE 802.15.4",
        201 => "Bluetooth HCI H4 with pseudo-header",
        204 => "PPP with direction",
        220 => "USB with padded Linux header",
        227 => "SocketCAN",
        228 => "Raw IPv4",
        229 => "Raw IPv6",
        249 => "netANALYZER",
        253 => "Linux netlink",
        263 => "Bluetooth LE LL",
        274 => "nflog",
        276 => "Linux cooked v2",
        _ => "unknown",
    }
}

fn ethertype_name(t: u16) -> &'static str {
    match t {
        0x0806 => "ARP",
        0x8035 => "RARP",
        0x86dd => "IPv6",
        0x8847 | 0x8848 => "MPLS",
        0x8863 => "PPPoE discovery",
        0x8864 => "PPPoE session",
        0x888e => "EAPOL",
        0x88cc => "LLDP",
        0x88f7 => "PTP",
        0x8809 => "slow protocols (LACP)",
        0x9000 => "loopback",
        0x88e5 => "MACsec",
        0x8100 | 0x88a8 | 0x9100 => "VLAN",
        _ => "unknown",
    }
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn mac(d: &[u8], at: usize) -> Option<Mac> {
    Some(Mac(d.get(at..at + 6)?.try_into().ok()?))
}

/// Finds the IP packet in a frame of the given link type (as the file gives
/// it, FCS bits included) and reads the link-layer header on the way.
///
/// ```
/// use ipv4kit_capture::link::{dissect, Link};
///
/// // Linux cooked v1 from `tcpdump -i any` on lo: ARPHRD_LOOPBACK (772).
/// let mut frame = vec![0, 0, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00];
/// frame.extend_from_slice(&[0x45, 0, 0, 20]);
/// let (header, link) = dissect(113, &frame);
/// assert_eq!(header.hatype, Some(772));
/// assert_eq!(link, Link::Ipv4(&[0x45, 0, 0, 20]));
///
/// let (_, link) = dissect(105, &frame);
/// assert_eq!(link, Link::Unsupported(105));
/// ```
pub fn dissect(linktype: u32, data: &[u8]) -> (LinkHeader, Link<'_>) {
    // pcap draft §8.2.4: bit 28 says bits 29-31 hold the FCS length in
    // 16-bit words; bits 16-27 are reserved.
    let mut data = data;
    let mut h = LinkHeader {
        linktype: linktype & 0xffff,
        ..LinkHeader::default()
    };
    if linktype & 0x1000_0000 != 0 {
        let fcs = ((linktype >> 29) & 7) as u8 * 2;
        h.fcs_len = Some(fcs);
        data = &data[..data.len().saturating_sub(usize::from(fcs))];
    }
    let link = match linktype & 0xffff {
        linktype::ETHERNET => {
            h.kind = "ethernet";
            match (mac(data, 0), mac(data, 6), be16(data, 12)) {
                (Some(dst), Some(src), Some(t)) => {
                    h.dst = Some(dst);
                    h.src = Some(src);
                    after_ether_type(&mut h, t, &data[14..])
                }
                _ => Link::Truncated("Ethernet header"),
            }
        }
        linktype::RAW
        | linktype::RAW_OPENBSD
        | linktype::RAW_BSDOS
        | linktype::IPV4
        | linktype::IPV6 => {
            h.kind = "raw";
            match data.first() {
                Some(b) if b >> 4 == 4 => Link::Ipv4(data),
                Some(b) if b >> 4 == 6 => Link::Ipv6(data),
                Some(b) => Link::NotIp(format!("raw IP frame of IP version {}", b >> 4)),
                None => Link::Truncated("raw IP frame"),
            }
        }
        linktype::LINUX_SLL => {
            h.kind = "linux_sll";
            // Packet type (2), ARPHRD (2), address length (2), address (8),
            // protocol (2).
            match (be16(data, 0), be16(data, 2), be16(data, 4), be16(data, 14)) {
                (Some(pkttype), Some(hatype), Some(halen), Some(proto)) => {
                    h.pkttype = Some(pkttype);
                    h.hatype = Some(hatype);
                    if halen == 6 {
                        h.src = mac(data, 6);
                    }
                    sll_protocol(&mut h, hatype, proto, &data[16..])
                }
                _ => Link::Truncated("Linux cooked (SLL) header"),
            }
        }
        linktype::LINUX_SLL2 => {
            h.kind = "linux_sll2";
            // Protocol (2), reserved (2), ifindex (4), ARPHRD (2), packet
            // type (1), address length (1), address (8): 20 octets.
            match (
                be16(data, 0),
                data.get(4..8),
                be16(data, 8),
                data.get(10..20),
            ) {
                (Some(proto), Some(ifindex), Some(hatype), Some(rest)) => {
                    h.ifindex = Some(u32::from_be_bytes([
                        ifindex[0], ifindex[1], ifindex[2], ifindex[3],
                    ]));
                    h.hatype = Some(hatype);
                    h.pkttype = Some(u16::from(rest[0]));
                    if rest[1] == 6 {
                        h.src = mac(rest, 2);
                    }
                    sll_protocol(&mut h, hatype, proto, &data[20..])
                }
                _ => Link::Truncated("Linux cooked v2 (SLL2) header"),
            }
        }
        linktype::NULL | linktype::LOOP => {
            let lt = linktype & 0xffff;
            h.kind = if lt == linktype::NULL { "null" } else { "loop" };
            match data.get(..4) {
                Some(af) => {
                    let af = [af[0], af[1], af[2], af[3]];
                    // NULL is in the capturing host's order: a small value
                    // in the first two octets means little-endian.
                    let family = if lt == linktype::LOOP || (af[0] == 0 && af[1] == 0) {
                        u32::from_be_bytes(af)
                    } else {
                        u32::from_le_bytes(af)
                    };
                    match family {
                        2 => Link::Ipv4(&data[4..]),
                        // AF_INET6 on NetBSD/OpenBSD, FreeBSD, macOS.
                        24 | 28 | 30 => Link::Ipv6(&data[4..]),
                        f => Link::NotIp(format!("address family {f}")),
                    }
                }
                None => Link::Truncated("BSD loopback header"),
            }
        }
        linktype::PPP | linktype::PPP_HDLC | linktype::PPP_WITH_DIR => {
            h.kind = "ppp";
            let body = if linktype & 0xffff == linktype::PPP_WITH_DIR {
                data.get(1..).unwrap_or(&[])
            } else {
                data
            };
            ppp(&mut h, body)
        }
        linktype::C_HDLC => {
            h.kind = "c_hdlc";
            // Address (1), control (1), protocol: an EtherType.
            match be16(data, 2) {
                Some(t) => after_ether_type(&mut h, t, &data[4..]),
                None => Link::Truncated("Cisco HDLC header"),
            }
        }
        other => {
            h.kind = "unsupported";
            Link::Unsupported(other)
        }
    };
    (h, link)
}

/// The IPv4 datagram of a frame, if it holds one (see [`dissect`]).
pub fn ipv4_of(linktype: u32, data: &[u8]) -> Link<'_> {
    dissect(linktype, data).1
}

/// PPP (RFC 1661 §2, RFC 1662 §3.1): optional 0xff 0x03, then a protocol
/// field of one octet (compressed, odd) or two.
fn ppp<'a>(h: &mut LinkHeader, data: &'a [u8]) -> Link<'a> {
    let data = match data {
        [0xff, 0x03, rest @ ..] => rest,
        d => d,
    };
    let (proto, rest) = match data {
        [p, rest @ ..] if p & 1 == 1 => (u16::from(*p), rest),
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
        _ => return Link::Truncated("PPP header"),
    };
    match proto {
        0x0021 => {
            h.ethertype = Some(0x0800);
            Link::Ipv4(rest)
        }
        0x0057 => {
            h.ethertype = Some(0x86dd);
            Link::Ipv6(rest)
        }
        p => Link::NotIp(format!("PPP protocol 0x{p:04x}")),
    }
}

/// Linux cooked: the protocol field is an EtherType except for a few values
/// (if_ether.h `ETH_P_802_3`, `ETH_P_802_2`, CAN) and for netlink captures.
fn sll_protocol<'a>(h: &mut LinkHeader, hatype: u16, proto: u16, payload: &'a [u8]) -> Link<'a> {
    const ARPHRD_NETLINK: u16 = 824;
    if hatype == ARPHRD_NETLINK {
        return Link::NotIp(format!("netlink (protocol {proto})"));
    }
    match proto {
        0x0001 => Link::NotIp("Novell 802.3".into()),
        0x0004 => Link::NotIp("802.2 LLC".into()),
        0x000c | 0x000d => Link::NotIp("CAN".into()),
        t => after_ether_type(h, t, payload),
    }
}

/// Steps over any 802.1Q/802.1ad tags and returns the IP payload.
fn after_ether_type<'a>(
    h: &mut LinkHeader,
    mut ether_type: u16,
    mut payload: &'a [u8],
) -> Link<'a> {
    // Bounded: every tag consumes 4 octets of a finite slice.
    loop {
        h.ethertype = Some(ether_type);
        match ether_type {
            0x0800 => return Link::Ipv4(payload),
            0x86dd => return Link::Ipv6(payload),
            0x8100 | 0x88a8 | 0x9100 => match (be16(payload, 0), be16(payload, 2)) {
                (Some(tci), Some(t)) => {
                    h.vlans.push(Vlan {
                        tpid: ether_type,
                        id: tci & 0x0fff,
                        pcp: (tci >> 13) as u8,
                    });
                    ether_type = t;
                    payload = &payload[4..];
                }
                _ => return Link::Truncated("802.1Q tag"),
            },
            t if t < 0x0600 => return Link::NotIp(format!("802.3 frame with LLC (length {t})")),
            t => return Link::NotIp(format!("{} (ethertype 0x{t:04x})", ethertype_name(t))),
        }
    }
}

#[cfg(test)]
#[path = "link_tests.rs"]
mod tests;
