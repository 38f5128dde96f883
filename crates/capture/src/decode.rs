//! Turning bytes into the [`model`](crate::model) form with the ipv4kit-wire
//! views: IPv4 and IGMP here, IPv6, ICMPv6 and MLD in [`ipv6_packet`].

use std::fmt::Write as _;

use ipv4kit_wire::gmp::{GroupAddress, GroupRecords};
use ipv4kit_wire::igmp::{GroupRecordType, IgmpError, IgmpMessage};
use ipv4kit_wire::ipv4::{Ipv4Error, Ipv4Option, Ipv4Packet};

use crate::link::{self, linktype_name, Link};
use crate::model::{
    Encap, Gmp, GroupRecord, Igmp, Ipv4, Ipv4Option as OptionModel, LayerError, Packet,
};
use crate::read::Frame;

#[path = "decode6.rs"]
mod v6;
pub use v6::{icmpv6_type_name, ipv6_packet, mld_message};

/// Decodes one IP packet, IPv4 or IPv6 by its version nibble (an IPv4
/// datagram, and anything that is neither, goes to [`ipv4_packet`], which
/// names what is wrong).
pub fn ip_packet(bytes: &[u8]) -> Packet {
    match bytes.first() {
        Some(b) if b >> 4 == 6 => ipv6_packet(bytes),
        _ => ipv4_packet(bytes),
    }
}

/// Decodes one IPv4 datagram (link padding may follow it).
///
/// A header with a bad checksum is still decoded, with `checksum_ok: false`
/// and both checksums; one whose lengths are inconsistent is an `ipv4`
/// error. A datagram whose bytes end before its Total Length (a snap length
/// cut it) is decoded as far as the bytes go and marked `cut`, as tcpdump
/// marks it `[|igmp]`. Likewise an IGMP message with a bad checksum is
/// decoded and flagged; a malformed one is an `igmp` error.
pub fn ipv4_packet(bytes: &[u8]) -> Packet {
    ipv4_packet_at(bytes, 0)
}

/// [`ipv4_packet`] inside `depth` tunnels.
fn ipv4_packet_at(bytes: &[u8], depth: u8) -> Packet {
    let mut out = Packet::default();
    // A datagram cut short: decode a copy padded to Total Length, then keep
    // only what the captured bytes hold.
    let mut padded = Vec::new();
    let mut header_cut = false;
    let captured = bytes.len();
    let bytes = match Ipv4Packet::new_lenient(bytes) {
        Err(Ipv4Error::TotalLenBeyondBuffer { total_len, .. }) => {
            padded.extend_from_slice(bytes);
            padded.resize(usize::from(total_len), 0);
            out.cut = Some("ipv4");
            &padded[..]
        }
        // The fixed header is there, its options are not all: the fields,
        // without options.
        Err(Ipv4Error::HeaderBeyondBuffer { .. }) if bytes.len() >= 20 => {
            let total_len = usize::from(u16::from_be_bytes([bytes[2], bytes[3]]));
            padded.extend_from_slice(bytes);
            padded.resize(total_len.max(usize::from(bytes[0] & 0x0f) * 4), 0);
            header_cut = true;
            out.cut = Some("ipv4");
            &padded[..]
        }
        Err(Ipv4Error::BufferTooShort { .. } | Ipv4Error::HeaderBeyondBuffer { .. })
            if bytes.first().is_none_or(|b| b >> 4 == 4) =>
        {
            out.cut = Some("ipv4");
            return out;
        }
        _ => bytes,
    };
    let (packet, checksum_ok, sums) = match Ipv4Packet::new_checked(bytes) {
        // A header cut short cannot be checked; say nothing against it.
        _ if header_cut => match Ipv4Packet::new_lenient(bytes) {
            Ok(p) => (p, true, None),
            Err(e) => return with_error(out, "ipv4", e.to_string()),
        },
        Ok(p) => (p, true, None),
        Err(Ipv4Error::BadChecksum { stored, computed }) => match Ipv4Packet::new_lenient(bytes) {
            Ok(p) => (p, false, Some((stored, computed))),
            Err(e) => return with_error(out, "ipv4", e.to_string()),
        },
        Err(e) => return with_error(out, "ipv4", e.to_string()),
    };
    let mut options = Vec::new();
    let mut option_error = None;
    for option in packet.options().take_while(|_| !header_cut) {
        match option {
            Ok(o) => options.push(option_model(&o)),
            Err(e) => option_error = Some(e.to_string()),
        }
    }
    let protocol = packet.protocol().0;
    out.ipv4 = Some(Ipv4 {
        src: packet.src(),
        dst: packet.dst(),
        ttl: packet.ttl(),
        protocol,
        protocol_name: protocol_name(protocol),
        tos: packet.tos(),
        ihl: packet.ihl(),
        total_len: packet.total_len(),
        id: packet.ident(),
        df: packet.dont_frag(),
        mf: packet.more_frags(),
        frag_offset: packet.frag_offset(),
        checksum_ok,
        checksum: sums.map(|s| s.0),
        checksum_computed: sums.map(|s| s.1),
        options,
    });
    if let Some(message) = option_error {
        out.error = Some(LayerError {
            layer: "ipv4",
            message,
        });
    }
    let header_len = usize::from(packet.ihl()) * 4;
    let payload = packet.payload();
    // The payload octets that were captured.
    let present = &payload[..captured.saturating_sub(header_len).min(payload.len())];
    let cut = header_cut || present.len() < payload.len();
    if header_cut {
        out.payload_len = Some(payload.len());
        return out;
    }
    // Only a first fragment starts with the IGMP header.
    if protocol == ipv4kit_wire::ipv4::IpProtocol::IGMP && packet.frag_offset() == 0 {
        out.cut = None;
        out.igmp = gmp_message(
            &mut out,
            "igmp",
            payload,
            present.len(),
            &IGMP_LAYOUT,
            igmp_message,
        );
    } else {
        out.payload_len = Some(payload.len());
        if cut {
            out.cut = Some(protocol_name(protocol));
        } else {
            out.cut = None;
            if packet.frag_offset() == 0 && !packet.more_frags() {
                out.encap = tunnel(protocol, payload, depth);
            }
        }
    }
    out
}

/// Tunnels inside tunnels are decoded this deep, no deeper.
const MAX_TUNNEL_DEPTH: u8 = 4;

/// What a tunnel header carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TunnelPayload<'a> {
    /// An Ethernet frame (VXLAN; GRE's Transparent Ethernet Bridging, 0x6558).
    Ethernet(&'a [u8]),
    /// An IPv4 datagram (GRE protocol type 0x0800).
    Ipv4(&'a [u8]),
    /// An IPv6 packet (GRE protocol type 0x86dd).
    Ipv6(&'a [u8]),
}

/// A VXLAN or GRE header at the start of an IPv4 payload, and what follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tunnel<'a> {
    /// `vxlan` or `gre`, as [`Encap::kind`].
    pub kind: &'static str,
    /// VXLAN Network Identifier.
    pub vni: Option<u32>,
    /// GRE: the protocol type (an EtherType).
    pub protocol: Option<u16>,
    /// GRE: the key, when present (RFC 2890 §2.1).
    pub key: Option<u32>,
    /// The frame or datagram inside.
    pub inner: TunnelPayload<'a>,
}

/// The tunnel an IPv4 payload of `protocol` starts with: VXLAN (UDP to port
/// 4789 with the I flag set, RFC 7348 §5) or GRE version 0 (RFC 2784 §2,
/// with RFC 2890's key and sequence number) carrying Ethernet, IPv4 or
/// IPv6. `None` for anything else, or a header cut short.
///
/// ```
/// use ipv4kit_capture::decode::{tunnel_header, TunnelPayload};
///
/// // GRE with the K flag, key 7, carrying IPv4.
/// let gre = [0x20, 0, 0x08, 0x00, 0, 0, 0, 7, 0x45];
/// let t = tunnel_header(47, &gre).unwrap();
/// assert_eq!((t.kind, t.key), ("gre", Some(7)));
/// assert_eq!(t.inner, TunnelPayload::Ipv4(&[0x45]));
/// ```
pub fn tunnel_header(protocol: u8, payload: &[u8]) -> Option<Tunnel<'_>> {
    match protocol {
        17 => {
            let dport = u16::from_be_bytes([*payload.get(2)?, *payload.get(3)?]);
            // The I flag says the VNI is valid.
            let vx = payload.get(8..16)?;
            if dport != 4789 || vx[0] & 0x08 == 0 {
                return None;
            }
            Some(Tunnel {
                kind: "vxlan",
                vni: Some(u32::from_be_bytes([0, vx[4], vx[5], vx[6]])),
                protocol: None,
                key: None,
                inner: TunnelPayload::Ethernet(&payload[16..]),
            })
        }
        47 => {
            let flags = *payload.first()?;
            let proto = u16::from_be_bytes([*payload.get(2)?, *payload.get(3)?]);
            // Version 0 only; C, K, S add 4 octets each.
            if payload[1] & 0x07 != 0 {
                return None;
            }
            let mut at = 4;
            if flags & 0x80 != 0 {
                at += 4;
            }
            let key = if flags & 0x20 != 0 {
                let k = payload.get(at..at + 4)?;
                at += 4;
                Some(u32::from_be_bytes([k[0], k[1], k[2], k[3]]))
            } else {
                None
            };
            if flags & 0x10 != 0 {
                at += 4;
            }
            let body = payload.get(at..)?;
            let inner = match proto {
                0x0800 => TunnelPayload::Ipv4(body),
                0x86dd => TunnelPayload::Ipv6(body),
                // Transparent Ethernet Bridging.
                0x6558 => TunnelPayload::Ethernet(body),
                _ => return None,
            };
            Some(Tunnel {
                kind: "gre",
                vni: None,
                protocol: Some(proto),
                key,
                inner,
            })
        }
        _ => None,
    }
}

/// VXLAN and GRE ([`tunnel_header`]): the inner packet decoded, as tcpdump
/// does.
fn tunnel(protocol: u8, payload: &[u8], depth: u8) -> Option<Encap> {
    if depth >= MAX_TUNNEL_DEPTH {
        return None;
    }
    let t = tunnel_header(protocol, payload)?;
    let inner = match t.inner {
        TunnelPayload::Ethernet(b) => inner_frame(crate::link::linktype::ETHERNET, b, depth),
        TunnelPayload::Ipv4(b) => ipv4_packet_at(b, depth + 1),
        TunnelPayload::Ipv6(b) => ipv6_packet(b),
    };
    Some(Encap {
        kind: t.kind,
        vni: t.vni,
        protocol: t.protocol,
        key: t.key,
        inner: Box::new(inner),
    })
}

fn inner_frame(linktype: u32, data: &[u8], depth: u8) -> Packet {
    let (header, link) = link::dissect(linktype, data);
    let mut p = link_packet(link, depth + 1);
    p.link = Some(header);
    p
}

/// Where a group-membership message's fields end: the octets a message cut
/// short must hold for each.
pub(crate) struct Layout {
    /// The Max Resp Code.
    pub(crate) code_end: usize,
    /// The group address.
    pub(crate) group_end: usize,
    /// A report's record count (records start here).
    pub(crate) records_start: usize,
    /// A v3/MLDv2 query's S flag and QRV.
    pub(crate) flags_end: usize,
    /// A v3/MLDv2 query's QQIC.
    pub(crate) qqic_end: usize,
    /// A v3/MLDv2 query's first source.
    pub(crate) sources_start: usize,
    /// An address's octets.
    pub(crate) addr_len: usize,
}

/// Where IGMP's fields end (RFC 2236 §2, RFC 3376 §4.1 and §4.2).
const IGMP_LAYOUT: Layout = Layout {
    code_end: 2,
    group_end: 8,
    records_start: 8,
    flags_end: 9,
    qqic_end: 10,
    sources_start: 12,
    addr_len: 4,
};

/// Decodes a group-membership message (`layer`: `igmp` or `mld`) of which
/// only the first `present` octets were captured (the rest of `message` is
/// zero padding) with `decode`, trimmed to what was captured. A message
/// cut short marks `out` cut at `layer`; one with no octet captured, or
/// one that does not decode (an error at `layer`), is `None` with its
/// length in `out.payload_len`.
pub(crate) fn gmp_message<A, E: std::fmt::Display>(
    out: &mut Packet,
    layer: &'static str,
    message: &[u8],
    present: usize,
    layout: &Layout,
    decode: impl FnOnce(&[u8]) -> Result<Gmp<A>, E>,
) -> Option<Gmp<A>> {
    let cut = present < message.len();
    if cut {
        out.cut = Some(layer);
        if present == 0 {
            out.payload_len = Some(message.len());
            return None;
        }
    }
    match decode(message) {
        Ok(mut m) => {
            if cut {
                trim_to_captured(&mut m, present, layout);
            }
            Some(m)
        }
        Err(e) => {
            out.payload_len = Some(message.len());
            out.error = Some(LayerError {
                layer,
                message: e.to_string(),
            });
            None
        }
    }
}

/// A group-membership message of `kind` and `version` whose checksum did
/// (`checksum_ok`) or did not verify (`sums`: stored, computed), every
/// other field empty for the message to fill.
pub(crate) fn gmp_base<A>(
    kind: &'static str,
    version: u8,
    checksum_ok: bool,
    sums: Option<(u16, u16)>,
) -> Gmp<A> {
    Gmp {
        kind,
        type_code: None,
        version: Some(version),
        checksum_ok: Some(checksum_ok),
        checksum: sums.map(|s| s.0),
        checksum_computed: sums.map(|s| s.1),
        group: None,
        max_resp_code: None,
        max_resp_time_ms: None,
        s_flag: None,
        qrv: None,
        qqic: None,
        qqi_s: None,
        sources: None,
        records: None,
        extra_len: None,
    }
}

/// The octets after a message proper, only when there are any (so that
/// well-formed messages print as before).
pub(crate) fn extra_len(octets: &[u8]) -> Option<usize> {
    (!octets.is_empty()).then_some(octets.len())
}

/// An IGMPv3 or MLDv2 report's records in the model.
pub(crate) fn records_model<A: GroupAddress>(records: GroupRecords<'_, A>) -> Vec<GroupRecord<A>> {
    records
        .map(|rec| GroupRecord {
            record_type: u8::from(rec.record_type()),
            record_type_name: record_type_name(rec.record_type()),
            group: rec.group(),
            sources: rec.sources().collect(),
            aux_data_len: rec.aux_data_len(),
        })
        .collect()
}

/// Leaves out what a cut-short IGMP or MLD message does not hold: `m` was
/// decoded from a copy padded with zeros, of which only `present` octets
/// are real.
pub(crate) fn trim_to_captured<A>(m: &mut Gmp<A>, present: usize, l: &Layout) {
    m.checksum_ok = None;
    m.checksum = None;
    m.checksum_computed = None;
    m.extra_len = None;
    if present < l.group_end {
        m.group = None;
    }
    if present < l.records_start {
        // A report's record count is in the octets before the records.
        m.records = None;
    }
    if present < l.code_end {
        m.max_resp_code = None;
        m.max_resp_time_ms = None;
    }
    if present < l.flags_end {
        m.s_flag = None;
        m.qrv = None;
    }
    if present < l.qqic_end {
        m.qqic = None;
        m.qqi_s = None;
    }
    if let Some(sources) = &mut m.sources {
        sources.truncate(present.saturating_sub(l.sources_start) / l.addr_len);
    }
    if let Some(records) = &mut m.records {
        // Keep the records whose every octet was captured.
        let mut end = l.records_start;
        let mut keep = 0;
        for r in records.iter() {
            end += 4 + l.addr_len + l.addr_len * r.sources.len() + 4 * usize::from(r.aux_data_len);
            if end > present {
                break;
            }
            keep += 1;
        }
        records.truncate(keep);
    }
}

/// The IANA keyword (lower case) of an IP protocol number.
pub fn protocol_name(p: u8) -> &'static str {
    match p {
        0 => "hopopt",
        1 => "icmp",
        2 => "igmp",
        4 => "ipip",
        6 => "tcp",
        17 => "udp",
        41 => "ipv6",
        46 => "rsvp",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        58 => "ipv6-icmp",
        88 => "eigrp",
        89 => "ospf",
        103 => "pim",
        112 => "vrrp",
        115 => "l2tp",
        132 => "sctp",
        136 => "udplite",
        137 => "mpls-in-ip",
        _ => "unknown",
    }
}

fn with_error(mut out: Packet, layer: &'static str, message: String) -> Packet {
    out.error = Some(LayerError { layer, message });
    out
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn option_model(option: &Ipv4Option<'_>) -> OptionModel {
    let plain = |kind| OptionModel {
        kind,
        value: None,
        type_code: None,
        data: None,
        pointer: None,
        addrs: None,
        timestamps: None,
        flags: None,
        overflow: None,
    };
    let route = |kind, r: &ipv4kit_wire::ipv4::RouteOption<'_>| OptionModel {
        pointer: Some(r.pointer),
        addrs: Some(r.addresses().collect()),
        ..plain(kind)
    };
    match option {
        Ipv4Option::EndOfList => plain("end"),
        Ipv4Option::Nop => plain("nop"),
        Ipv4Option::RouterAlert { value } => OptionModel {
            value: Some(*value),
            ..plain("router_alert")
        },
        Ipv4Option::RecordRoute(r) => route("record_route", r),
        Ipv4Option::LooseSourceRoute(r) => route("lsrr", r),
        Ipv4Option::StrictSourceRoute(r) => route("ssrr", r),
        Ipv4Option::Timestamp(t) => {
            // RFC 791 §3.1: flags 0 hold timestamps, 1 and 3 address and
            // timestamp pairs.
            let with_addrs = t.flags != 0;
            let step = if with_addrs { 8 } else { 4 };
            let mut addrs = Vec::new();
            let mut stamps = Vec::new();
            for chunk in t.data.chunks_exact(step) {
                let (a, ts) = chunk.split_at(step - 4);
                if with_addrs {
                    addrs.push(std::net::Ipv4Addr::new(a[0], a[1], a[2], a[3]));
                }
                stamps.push(u32::from_be_bytes([ts[0], ts[1], ts[2], ts[3]]));
            }
            OptionModel {
                pointer: Some(t.pointer),
                addrs: with_addrs.then_some(addrs),
                timestamps: Some(stamps),
                flags: Some(t.flags),
                overflow: Some(t.overflow),
                ..plain("timestamp")
            }
        }
        Ipv4Option::Security { .. } => plain("security"),
        Ipv4Option::Unknown { kind, data } => OptionModel {
            type_code: Some(*kind),
            data: Some(hex(data)),
            ..plain("unknown")
        },
        // Ipv4Option is non-exhaustive: a kind this build does not name.
        #[allow(unreachable_patterns)]
        _ => OptionModel {
            type_code: Some(option.kind()),
            ..plain("unknown")
        },
    }
}

/// The RFC 3376 §4.2.12 name of a record type.
pub fn record_type_name(t: GroupRecordType) -> &'static str {
    match t {
        GroupRecordType::ModeIsInclude => "MODE_IS_INCLUDE",
        GroupRecordType::ModeIsExclude => "MODE_IS_EXCLUDE",
        GroupRecordType::ChangeToInclude => "CHANGE_TO_INCLUDE_MODE",
        GroupRecordType::ChangeToExclude => "CHANGE_TO_EXCLUDE_MODE",
        GroupRecordType::AllowNewSources => "ALLOW_NEW_SOURCES",
        GroupRecordType::BlockOldSources => "BLOCK_OLD_SOURCES",
        _ => "UNKNOWN",
    }
}

/// Decodes one IGMP message (the IPv4 payload up to Total Length).
pub fn igmp_message(bytes: &[u8]) -> Result<Igmp, IgmpError> {
    let (message, checksum_ok, sums) = match IgmpMessage::parse(bytes) {
        Ok(m) => (m, true, None),
        Err(IgmpError::BadChecksum { computed, stored }) => (
            IgmpMessage::parse_lenient(bytes)?,
            false,
            Some((stored, computed)),
        ),
        Err(e) => return Err(e),
    };
    let base = |kind, version| gmp_base(kind, version, checksum_ok, sums);
    Ok(match message {
        IgmpMessage::QueryV1(q) => Igmp {
            group: Some(q.group()),
            ..base("query", 1)
        },
        IgmpMessage::QueryV2(q) => Igmp {
            group: Some(q.group()),
            max_resp_code: Some(q.max_resp_time().into()),
            max_resp_time_ms: Some(u32::from(q.max_resp_time()) * 100),
            ..base("query", 2)
        },
        IgmpMessage::QueryV3(q) => Igmp {
            group: Some(q.group()),
            max_resp_code: Some(q.max_resp_code().0.into()),
            max_resp_time_ms: Some(u32::from(q.max_resp_code().tenths()) * 100),
            s_flag: Some(q.s_flag()),
            qrv: Some(q.qrv()),
            qqic: Some(q.qqic().0),
            qqi_s: Some(u32::from(q.qqic().secs())),
            sources: Some(q.sources().collect()),
            extra_len: extra_len(q.extra()),
            ..base("query", 3)
        },
        IgmpMessage::ReportV1(r) => Igmp {
            group: Some(r.group()),
            extra_len: extra_len(r.extra()),
            ..base("report", 1)
        },
        IgmpMessage::ReportV2(r) => Igmp {
            group: Some(r.group()),
            extra_len: extra_len(r.extra()),
            ..base("report", 2)
        },
        IgmpMessage::LeaveV2(l) => Igmp {
            group: Some(l.group()),
            extra_len: extra_len(l.extra()),
            ..base("leave", 2)
        },
        IgmpMessage::ReportV3(r) => Igmp {
            records: Some(records_model(r.records())),
            extra_len: extra_len(r.extra()),
            ..base("report", 3)
        },
        other => {
            // IGMP types that carry other protocols (IANA igmp-type-numbers).
            let kind = match other.msg_type() {
                0x13 => "dvmrp",
                0x14 => "pimv1",
                0x1e => "mtrace_resp",
                0x1f => "mtrace",
                _ => "unknown",
            };
            Igmp {
                type_code: Some(other.msg_type()),
                version: None,
                ..base(kind, 0)
            }
        }
    })
}

/// Decodes one captured frame: its link layer, then the IPv4 or IPv6 packet
/// in it. Frames that hold no IP say why in `not_decoded`; a link header cut
/// short also has `cut: "link"`. The caller adds `file`.
pub fn frame(frame: &Frame<'_>) -> Packet {
    let (header, link) = link::dissect(frame.linktype, frame.data);
    let mut packet = link_packet(link, 0);
    packet.frame = Some(frame.index);
    packet.ts = frame.ts;
    packet.ts_epoch = frame.ts;
    packet.iface = frame.interface.map(str::to_owned);
    if (frame.orig_len as usize) > frame.data.len() {
        packet.orig_len = Some(frame.orig_len);
    }
    if header.kind != "unsupported" {
        packet.link = Some(header);
    }
    packet
}

/// The packet a link layer holds, `depth` tunnels deep.
fn link_packet(link: Link<'_>, depth: u8) -> Packet {
    match link {
        Link::Ipv4(bytes) => ipv4_packet_at(bytes, depth),
        Link::Ipv6(bytes) => ipv6_packet(bytes),
        Link::NotIp(what) => Packet {
            not_decoded: Some(format!("{what}, not IP")),
            ..Packet::default()
        },
        Link::Unsupported(lt) => Packet {
            not_decoded: Some(format!(
                "link type {lt} ({}) not supported",
                linktype_name(lt)
            )),
            ..Packet::default()
        },
        Link::Truncated(what) => Packet {
            not_decoded: Some(format!("{what} cut short")),
            cut: Some("link"),
            ..Packet::default()
        },
    }
}
