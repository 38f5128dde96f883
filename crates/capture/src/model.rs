//! The decoded form of one IPv4 or IPv6 packet, as `decode` and `monitor`
//! print it.
//!
//! One model, two renderings: JSON Lines (serde, the schema in the README) and
//! one readable text line per packet (in the spirit of `tcpdump -v`).

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::link::LinkHeader;
use crate::time::{self, Timestamp};

/// One IPv4 or IPv6 packet and what it carries.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Packet {
    /// The capture file the frame came from (decode of several files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based index of the frame in its file (decode of files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    /// When it was captured: `time` is RFC 3339 (UTC) with the capture's
    /// resolution, `time_epoch` the same instant as seconds since the epoch
    /// (a string, so nanoseconds stay exact).
    #[serde(
        rename = "time",
        serialize_with = "time::serialize_rfc3339",
        skip_serializing_if = "Option::is_none"
    )]
    pub ts: Option<Timestamp>,
    /// See `ts`.
    #[serde(
        rename = "time_epoch",
        serialize_with = "time::serialize_epoch",
        skip_serializing_if = "Option::is_none"
    )]
    pub ts_epoch: Option<Timestamp>,
    /// The receiving interface's name (monitor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iface: Option<String>,
    /// The receiving interface's index (monitor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ifindex: Option<u32>,
    /// The frame's length on the wire, when the capture kept less of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orig_len: Option<u32>,
    /// The link-layer header (capture files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<LinkHeader>,
    /// Why the frame is not decoded further: "ARP (ethertype 0x0806), not
    /// IP", "link type 105 (IEEE 802.11) not supported".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_decoded: Option<String>,
    /// The IPv4 header, when it parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4: Option<Ipv4>,
    /// The IPv6 header and its extension headers, when it parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<Ipv6>,
    /// The IGMP message (protocol 2), when the header parsed and it is IGMP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub igmp: Option<Igmp>,
    /// The MLD message (ICMPv6 types 130, 131, 132, 143), with the same
    /// keys as `igmp` where the meaning is the same.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mld: Option<Mld>,
    /// Any other ICMPv6 message, named by its type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmpv6: Option<Icmpv6>,
    /// The length of a payload not decoded further (not IGMP, MLD or
    /// ICMPv6; or a fragment after the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_len: Option<usize>,
    /// The layer at which the captured bytes end before the datagram does
    /// (`ipv4`, `ipv6`, `igmp`, `mld`, `icmp6`, or the protocol's name):
    /// everything before it is decoded, as tcpdump does with `[|igmp]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut: Option<&'static str>,
    /// Why a layer did not parse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<LayerError>,
    /// A tunnel this packet carries (VXLAN, GRE), as tcpdump decodes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encap: Option<Encap>,
}

/// A tunnel header and the packet inside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Encap {
    /// `vxlan` (UDP port 4789, RFC 7348) or `gre` (RFC 2784/2890).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// VXLAN Network Identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vni: Option<u32>,
    /// GRE: the protocol type (an EtherType).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<u16>,
    /// GRE: the key, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<u32>,
    /// The inner frame or datagram, decoded like any other (`link` for
    /// VXLAN's and GRE's Ethernet, none for GRE's IPv4).
    pub inner: Box<Packet>,
}

/// The IPv4 header fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ipv4 {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Time to live.
    pub ttl: u8,
    /// Protocol number.
    pub protocol: u8,
    /// Its IANA keyword in lower case (`igmp`, `udp`, `pim`, `ospf`...), or
    /// `unknown`.
    pub protocol_name: &'static str,
    /// The TOS byte (DSCP and ECN).
    pub tos: u8,
    /// Header length in 32-bit words.
    pub ihl: u8,
    /// Total length.
    pub total_len: u16,
    /// Identification.
    pub id: u16,
    /// Don't Fragment.
    pub df: bool,
    /// More Fragments.
    pub mf: bool,
    /// Fragment offset in 8-octet units.
    pub frag_offset: u16,
    /// The header checksum verifies.
    pub checksum_ok: bool,
    /// On a bad header checksum: the value the header carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<u16>,
    /// On a bad header checksum: the value it should carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum_computed: Option<u16>,
    /// The options, in order.
    pub options: Vec<Ipv4Option>,
}

/// One IPv4 option.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ipv4Option {
    /// `end`, `nop`, `router_alert`, `record_route`, `timestamp`, `lsrr`,
    /// `ssrr`, `security` or `unknown`.
    pub kind: &'static str,
    /// The Router Alert value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<u16>,
    /// The option type byte of an unknown option.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_code: Option<u8>,
    /// The data bytes of an unknown option, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Record Route, LSRR, SSRR: the pointer octet (RFC 791 §3.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<u8>,
    /// Record Route, LSRR, SSRR: every address slot, in order; Timestamp
    /// (flags 1 and 3): the addresses of the entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addrs: Option<Vec<Ipv4Addr>>,
    /// Timestamp: the timestamps, in milliseconds since midnight UT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamps: Option<Vec<u32>>,
    /// Timestamp: the flags (0 timestamps only, 1 with addresses, 3
    /// prespecified) and the overflow count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<u8>,
    /// Timestamp: the overflow count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overflow: Option<u8>,
}

/// An IGMP message (RFC 1112, 2236, 3376).
pub type Igmp = Gmp<Ipv4Addr>;

/// An MLD message (RFC 2710, 3810): the same fields as [`Igmp`] with IPv6
/// addresses. `max_resp_code` is the 16-bit Maximum Response Code
/// (`max_resp_time_ms` its value, RFC 3810 §5.1.3), `type` is `query`,
/// `report` or `done` and `version` 1 or 2 (MLDv1 = RFC 2710, MLDv2 = RFC
/// 3810; the query's version by its length, §8.1).
pub type Mld = Gmp<Ipv6Addr>;

/// A group-membership message: IGMP ([`Igmp`]) or MLD ([`Mld`]), whose
/// fields mean the same for both.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gmp<A> {
    /// `query`, `report`, `leave` (IGMP) or `done` (MLD), the IGMP types
    /// that carry other protocols (`dvmrp` 0x13, `pimv1` 0x14,
    /// `mtrace_resp` 0x1e, `mtrace` 0x1f), or `unknown`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The type byte of an unknown message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_code: Option<u8>,
    /// IGMP 1, 2 or 3, MLD 1 or 2 (absent for unknown types).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    /// The IGMP checksum, or MLD's ICMPv6 checksum over the pseudo-header,
    /// verifies (absent when the message is cut short).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum_ok: Option<bool>,
    /// On a bad checksum: the value the message carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<u16>,
    /// On a bad checksum: the value it should carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum_computed: Option<u16>,
    /// The group address (queries, v1/v2 reports, leaves, dones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<A>,
    /// The raw Max Resp Code (IGMP v2/v3 queries: 8 bits; MLD queries: the
    /// 16-bit Maximum Response Code, or v1's Maximum Response Delay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_resp_code: Option<u16>,
    /// The decoded maximum response time in milliseconds (queries but
    /// IGMPv1's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_resp_time_ms: Option<u32>,
    /// Suppress Router-Side Processing (IGMPv3, MLDv2 queries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s_flag: Option<bool>,
    /// Querier's Robustness Variable (IGMPv3, MLDv2 queries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qrv: Option<u8>,
    /// The raw QQIC byte (IGMPv3, MLDv2 queries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qqic: Option<u8>,
    /// The decoded querier's query interval in seconds (IGMPv3, MLDv2 queries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qqi_s: Option<u32>,
    /// Source addresses (IGMPv3, MLDv2 queries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<A>>,
    /// Group records (IGMPv3, MLDv2 reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<Vec<GroupRecord<A>>>,
    /// Octets after the message proper (after the 8 octets of a v1/v2
    /// report or leave, the 24 of an MLDv1 report or done, the last source
    /// of a v3/MLDv2 query, the last record of a v3/MLDv2 report): covered
    /// by the checksum, otherwise ignored (RFC 2236 §2.5, RFC 3376 §4.1.10
    /// and §4.2.11, RFC 3810 §5.1.12 and §5.2.12). Absent when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_len: Option<usize>,
}

/// One IGMPv3 group record (RFC 3376 §4.2.4) or MLDv2 multicast address
/// record (RFC 3810 §5.2.4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRecord<A = Ipv4Addr> {
    /// Record type, 1–6 (or another number for an unknown type).
    pub record_type: u8,
    /// `MODE_IS_INCLUDE` ... `BLOCK_OLD_SOURCES`, or `UNKNOWN`.
    pub record_type_name: &'static str,
    /// The multicast address.
    pub group: A,
    /// The sources.
    pub sources: Vec<A>,
    /// Auxiliary data length in 32-bit words.
    pub aux_data_len: u8,
}

/// A layer that did not parse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerError {
    /// `link`, `ipv4`, `ipv6`, `igmp`, `mld` or `icmp6`.
    pub layer: &'static str,
    /// What was wrong, as a sentence.
    pub message: String,
}

/// The IPv6 header fields (RFC 8200 §3) and the extension headers walked to
/// the upper layer (§4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ipv6 {
    /// Source address.
    pub src: Ipv6Addr,
    /// Destination address.
    pub dst: Ipv6Addr,
    /// Hop limit.
    pub hop_limit: u8,
    /// Traffic class (DSCP and ECN).
    pub traffic_class: u8,
    /// Flow label (20 bits).
    pub flow_label: u32,
    /// Payload length: the octets after the fixed header, extension headers
    /// included.
    pub payload_len: u16,
    /// The fixed header's Next Header.
    pub next_header: u8,
    /// The extension headers, in order (hop-by-hop, routing, fragment,
    /// destination options).
    pub ext_headers: Vec<Ipv6ExtHeader>,
    /// The upper-layer protocol after the extension headers (58 ICMPv6,
    /// 59 No Next Header, ...).
    pub protocol: u8,
    /// Its IANA keyword in lower case (`ipv6-icmp`, `udp`, `pim`...), or
    /// `unknown`.
    pub protocol_name: &'static str,
    /// The hop-by-hop Router Alert value (RFC 2711; 0 = MLD), when there is
    /// one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub router_alert: Option<u16>,
}

/// One IPv6 extension header (RFC 8200 §4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ipv6ExtHeader {
    /// `hop_by_hop`, `routing`, `fragment` or `dest_opts`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Its length in octets.
    pub len: usize,
    /// Hop-by-hop and destination options: the options, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<Ipv6Option>>,
    /// Fragment: the offset in 8-octet units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frag_offset: Option<u16>,
    /// Fragment: the M flag (more fragments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mf: Option<bool>,
    /// Fragment: the identification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
}

/// One option of a hop-by-hop or destination options header (RFC 8200
/// §4.2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ipv6Option {
    /// `pad1`, `padn`, `router_alert` or `unknown`.
    pub kind: &'static str,
    /// The Router Alert value (RFC 2711: 0 MLD, 1 RSVP, 2 active networks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<u16>,
    /// The option type octet of an unknown option.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_code: Option<u8>,
    /// PadN and unknown options: the data length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub len: Option<u8>,
}

/// An ICMPv6 message other than MLD (RFC 4443 §2.1), named by its type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Icmpv6 {
    /// The IANA name in lower case with underscores (`echo_request`,
    /// `neighbor_solicitation`, `router_advertisement`...), or `unknown`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The type octet.
    pub type_code: u8,
    /// The code octet.
    pub code: u8,
    /// The checksum over the pseudo-header verifies (absent when the
    /// message is cut short).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum_ok: Option<bool>,
    /// On a bad checksum: the value the message carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<u16>,
    /// On a bad checksum: the value it should carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum_computed: Option<u16>,
    /// The message's length in octets.
    pub len: usize,
}
