//! The decoded form of one IPv4 packet, as `decode` and `monitor` print it.
//!
//! One model, two renderings: JSON Lines (serde, the schema in the README) and
//! one readable text line per packet (in the spirit of `tcpdump -v`).

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::link::LinkHeader;
use crate::time::{self, Timestamp};

/// One IPv4 packet and what it carries.
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
    /// IP", "IPv6, not decoded yet", "link type 105 (IEEE 802.11) not
    /// supported".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_decoded: Option<String>,
    /// The IPv4 header, when it parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4: Option<Ipv4>,
    /// The IGMP message (protocol 2), when the header parsed and it is IGMP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub igmp: Option<Igmp>,
    /// The length of a non-IGMP payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_len: Option<usize>,
    /// The layer at which the captured bytes end before the datagram does
    /// (`ipv4`, `igmp`, or the protocol's name): everything before it is
    /// decoded, as tcpdump does with `[|igmp]`.
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

/// An IGMP message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Igmp {
    /// `query`, `report`, `leave`, the IGMP types that carry other
    /// protocols (`dvmrp` 0x13, `pimv1` 0x14, `mtrace_resp` 0x1e, `mtrace`
    /// 0x1f), or `unknown`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The type byte of an unknown message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_code: Option<u8>,
    /// 1, 2 or 3 (absent for unknown types).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    /// The IGMP checksum verifies (absent when the message is cut short).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum_ok: Option<bool>,
    /// On a bad checksum: the value the message carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<u16>,
    /// On a bad checksum: the value it should carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum_computed: Option<u16>,
    /// The group address (queries, v1/v2 reports, leaves).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<Ipv4Addr>,
    /// The raw Max Resp Code byte (v2/v3 queries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_resp_code: Option<u8>,
    /// The decoded maximum response time in milliseconds (v2/v3 queries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_resp_time_ms: Option<u32>,
    /// Suppress Router-Side Processing (v3 queries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s_flag: Option<bool>,
    /// Querier's Robustness Variable (v3 queries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qrv: Option<u8>,
    /// The raw QQIC byte (v3 queries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qqic: Option<u8>,
    /// The decoded querier's query interval in seconds (v3 queries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qqi_s: Option<u32>,
    /// Source addresses (v3 queries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<Ipv4Addr>>,
    /// Group records (v3 reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<Vec<GroupRecord>>,
    /// Octets after the message proper (after the 8 octets of a v1/v2
    /// report or leave, the last source of a v3 query, the last record of a
    /// v3 report): covered by the checksum, otherwise ignored (RFC 2236 §2.5,
    /// RFC 3376 §4.1.10 and §4.2.11). Absent when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_len: Option<usize>,
}

/// One IGMPv3 group record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRecord {
    /// Record type, 1–6 (or another number for an unknown type).
    pub record_type: u8,
    /// `MODE_IS_INCLUDE` ... `BLOCK_OLD_SOURCES`, or `UNKNOWN`.
    pub record_type_name: &'static str,
    /// The multicast address.
    pub group: Ipv4Addr,
    /// The sources.
    pub sources: Vec<Ipv4Addr>,
    /// Auxiliary data length in 32-bit words.
    pub aux_data_len: u8,
}

/// A layer that did not parse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerError {
    /// `link`, `ipv4` or `igmp`.
    pub layer: &'static str,
    /// What was wrong, as a sentence.
    pub message: String,
}
