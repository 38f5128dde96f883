//! IPv6 (RFC 8200), its extension headers, ICMPv6 (RFC 4443) and MLD
//! (RFC 2710, RFC 3810) into the [`model`](crate::model), with the
//! ipv4kit-wire views.

use std::net::Ipv6Addr;

use ipv4kit_wire::checksum::icmpv6_checksum;
use ipv4kit_wire::ipv6::{
    ExtHeader, ExtHeaders, Ipv6Error, Ipv6Option as WireOption, Ipv6Packet, HEADER_LEN,
    NEXT_HEADER_DEST_OPTS, NEXT_HEADER_FRAGMENT, NEXT_HEADER_HOP_BY_HOP, NEXT_HEADER_ICMPV6,
    NEXT_HEADER_ROUTING,
};
use ipv4kit_wire::mld::{
    MldError, MldMessage, TYPE_DONE_V1, TYPE_QUERY, TYPE_REPORT_V1, TYPE_REPORT_V2,
};

use super::{extra_len, gmp_base, gmp_message, protocol_name, records_model, with_error, Layout};
use crate::model::{Icmpv6, Ipv6, Ipv6ExtHeader, Ipv6Option, LayerError, Mld, Packet};

/// Where MLD's fields end (RFC 2710 §3, RFC 3810 §5.1 and §5.2): what a
/// message cut short must hold for each.
const MLD_LAYOUT: Layout = Layout {
    code_end: 6,
    group_end: 24,
    records_start: 8,
    flags_end: 25,
    qqic_end: 26,
    sources_start: 28,
    addr_len: 16,
};

/// Decodes one IPv6 packet (link padding may follow it): the fixed header,
/// the extension headers to the upper layer (hop-by-hop Router Alert
/// included), and an ICMPv6 message (MLD in full, the rest named by type)
/// with its checksum over the pseudo-header checked.
///
/// As with IPv4, a packet whose bytes end before its Payload Length says is
/// decoded as far as they go and marked `cut`; a bad checksum is decoded
/// and flagged; a malformed layer is an error naming it.
///
/// ```
/// use ipv4kit_capture::decode::ipv6_packet;
///
/// // tcpdump's icmpv6.pcap frame 3: an MLDv2 General Query.
/// let mut bytes = vec![0x60, 0, 0, 0, 0, 36, 0, 1];
/// bytes.extend_from_slice(&"fe80::b2a8:6eff:fe0c:d4e8".parse::<std::net::Ipv6Addr>().unwrap().octets());
/// bytes.extend_from_slice(&"ff02::1".parse::<std::net::Ipv6Addr>().unwrap().octets());
/// bytes.extend_from_slice(&[58, 0, 5, 2, 0, 0, 1, 0]);
/// bytes.extend_from_slice(&[0x82, 0, 0x62, 0x3a, 0x27, 0x10, 0, 0]);
/// bytes.extend_from_slice(&[0; 16]);
/// bytes.extend_from_slice(&[0x02, 0x3c, 0, 0]);
/// let packet = ipv6_packet(&bytes);
/// let mld = packet.mld.as_ref().unwrap();
/// assert_eq!((mld.kind, mld.version, mld.max_resp_time_ms), ("query", Some(2), Some(10_000)));
/// assert_eq!(mld.checksum_ok, Some(true));
/// assert_eq!(packet.ipv6.as_ref().unwrap().router_alert, Some(0));
/// assert!(packet.to_string().contains("mld v2 query :: max resp 10.000s qrv 2 qqi 60s"));
/// ```
pub fn ipv6_packet(bytes: &[u8]) -> Packet {
    let mut out = Packet::default();
    let captured = bytes.len();
    let mut padded = Vec::new();
    let bytes = match Ipv6Packet::new_checked(bytes) {
        Ok(_) => bytes,
        Err(Ipv6Error::PayloadLenBeyondBuffer { payload_len, .. }) => {
            padded.extend_from_slice(bytes);
            padded.resize(HEADER_LEN + usize::from(payload_len), 0);
            out.cut = Some("ipv6");
            &padded[..]
        }
        Err(Ipv6Error::BufferTooShort { .. }) if bytes.first().is_none_or(|b| b >> 4 == 6) => {
            out.cut = Some("ipv6");
            return out;
        }
        Err(e) => return with_error(out, "ipv6", e.to_string()),
    };
    let packet = Ipv6Packet::new_unchecked(bytes);
    let payload = packet.payload();
    // The payload octets that were captured.
    let present = captured.saturating_sub(HEADER_LEN).min(payload.len());
    let mut ipv6 = Ipv6 {
        src: packet.src(),
        dst: packet.dst(),
        hop_limit: packet.hop_limit(),
        traffic_class: packet.traffic_class(),
        flow_label: packet.flow_label(),
        payload_len: packet.payload_len(),
        next_header: packet.next_header(),
        ext_headers: Vec::new(),
        protocol: packet.next_header(),
        protocol_name: protocol_name(packet.next_header()),
        router_alert: None,
    };
    let mut headers = ExtHeaders::new(packet.next_header(), payload);
    let mut fragmented = false;
    let mut error = None;
    let mut header_cut = false;
    for h in headers.by_ref() {
        match h {
            Ok(h) if h.offset + h.bytes.len() > present => {
                header_cut = true;
                break;
            }
            Ok(h) => {
                let (model, ra) = ext_header(&h);
                if let Err(e) = ra {
                    error = Some(e.to_string());
                } else if let Ok(Some(v)) = ra {
                    ipv6.router_alert = Some(v);
                }
                // A piece of a packet (not an atomic fragment, RFC 6946):
                // its upper layer is not whole, so it is not decoded.
                fragmented |= model.frag_offset.is_some_and(|o| o != 0) || model.mf == Some(true);
                ipv6.ext_headers.push(model);
                if error.is_some() || fragmented {
                    break;
                }
            }
            Err(_) if out.cut.is_some() => {
                header_cut = true;
                break;
            }
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
    }
    let protocol = headers.next_header();
    ipv6.protocol = protocol;
    ipv6.protocol_name = protocol_name(protocol);
    let offset = headers.offset();
    let upper = headers.rest();
    out.ipv6 = Some(ipv6);
    if let Some(message) = error {
        out.error = Some(LayerError {
            layer: "ipv6",
            message,
        });
        return out;
    }
    if header_cut {
        out.cut = Some("ipv6");
        return out;
    }
    let present = present.saturating_sub(offset).min(upper.len());
    let cut = present < upper.len();
    out.cut = None;
    if protocol != NEXT_HEADER_ICMPV6 || fragmented {
        out.payload_len = Some(upper.len());
        if cut {
            out.cut = Some(protocol_name(protocol));
        }
        return out;
    }
    let (src, dst) = (packet.src(), packet.dst());
    match upper.first() {
        Some(&(TYPE_QUERY | TYPE_REPORT_V1 | TYPE_DONE_V1 | TYPE_REPORT_V2)) => {
            out.mld = gmp_message(&mut out, "mld", upper, present, &MLD_LAYOUT, |m| {
                mld_message(m, src, dst)
            });
        }
        _ if upper.len() < 4 || present < 4 => {
            // Not even the ICMPv6 header (RFC 4443 §2.1).
            out.payload_len = Some(upper.len());
            if cut {
                out.cut = Some("icmp6");
            } else {
                out.error = Some(LayerError {
                    layer: "icmp6",
                    message: format!(
                        "an ICMPv6 message of {} octets is shorter than its 4-octet header",
                        upper.len()
                    ),
                });
            }
        }
        _ => {
            let stored = u16::from_be_bytes([upper[2], upper[3]]);
            let mut zeroed = upper.to_vec();
            zeroed[2..4].fill(0);
            let computed = icmpv6_checksum(src, dst, &zeroed);
            let ok = stored == computed;
            out.icmpv6 = Some(Icmpv6 {
                kind: icmpv6_type_name(upper[0]),
                type_code: upper[0],
                code: upper[1],
                checksum_ok: (!cut).then_some(ok),
                checksum: (!cut && !ok).then_some(stored),
                checksum_computed: (!cut && !ok).then_some(computed),
                len: upper.len(),
            });
            if cut {
                out.cut = Some("icmp6");
            }
        }
    }
    out
}

/// The model of one extension header and, for hop-by-hop, its Router Alert
/// (or why its options are malformed).
fn ext_header(h: &ExtHeader<'_>) -> (Ipv6ExtHeader, Result<Option<u16>, Ipv6Error>) {
    let mut model = Ipv6ExtHeader {
        kind: match h.header_type {
            NEXT_HEADER_HOP_BY_HOP => "hop_by_hop",
            NEXT_HEADER_ROUTING => "routing",
            NEXT_HEADER_FRAGMENT => "fragment",
            NEXT_HEADER_DEST_OPTS => "dest_opts",
            _ => "unknown",
        },
        len: h.bytes.len(),
        options: None,
        frag_offset: None,
        mf: None,
        id: None,
    };
    let mut ra = Ok(None);
    if let Some(f) = h.fragment() {
        model.frag_offset = Some(f.offset);
        model.mf = Some(f.more);
        model.id = Some(f.ident);
    }
    if matches!(
        h.header_type,
        NEXT_HEADER_HOP_BY_HOP | NEXT_HEADER_DEST_OPTS
    ) {
        let mut options = Vec::new();
        for o in h.options() {
            let o = match o {
                Ok(o) => o,
                Err(e) => {
                    ra = Err(e);
                    break;
                }
            };
            let plain = |kind| Ipv6Option {
                kind,
                value: None,
                type_code: None,
                len: None,
            };
            options.push(match o {
                WireOption::Pad1 => plain("pad1"),
                WireOption::PadN(n) => Ipv6Option {
                    len: Some(n),
                    ..plain("padn")
                },
                WireOption::RouterAlert(v) => {
                    if h.header_type == NEXT_HEADER_HOP_BY_HOP {
                        ra = match ra {
                            Ok(None) => Ok(Some(v)),
                            _ => Err(Ipv6Error::RouterAlertRepeated),
                        };
                    }
                    Ipv6Option {
                        value: Some(v),
                        ..plain("router_alert")
                    }
                }
                WireOption::Unknown { option_type, data } => Ipv6Option {
                    type_code: Some(option_type),
                    len: Some(u8::try_from(data.len()).unwrap_or(u8::MAX)),
                    ..plain("unknown")
                },
                // Ipv6Option is non-exhaustive.
                #[allow(unreachable_patterns)]
                _ => plain("unknown"),
            });
            if ra.is_err() {
                break;
            }
        }
        model.options = Some(options);
    }
    (model, ra)
}

/// Decodes one MLD message (the ICMPv6 payload) sent from `src` to `dst`,
/// its checksum checked over the pseudo-header (RFC 3810 §5.1.2).
pub fn mld_message(bytes: &[u8], src: Ipv6Addr, dst: Ipv6Addr) -> Result<Mld, MldError> {
    let (message, checksum_ok, sums) = match MldMessage::parse(bytes, src, dst) {
        Ok(m) => (m, true, None),
        Err(MldError::BadChecksum { computed, stored }) => (
            MldMessage::parse_lenient(bytes)?,
            false,
            Some((stored, computed)),
        ),
        Err(e) => return Err(e),
    };
    let base = |kind, version| gmp_base(kind, version, checksum_ok, sums);
    Ok(match message {
        MldMessage::QueryV1(q) => Mld {
            group: Some(q.group()),
            max_resp_code: Some(q.max_resp_delay()),
            max_resp_time_ms: Some(u32::from(q.max_resp_delay())),
            extra_len: extra_len(q.extra()),
            ..base("query", 1)
        },
        MldMessage::QueryV2(q) => Mld {
            group: Some(q.group()),
            max_resp_code: Some(q.max_resp_code().0),
            max_resp_time_ms: Some(q.max_resp_code().millis()),
            s_flag: Some(q.s_flag()),
            qrv: Some(q.qrv()),
            qqic: Some(q.qqic().0),
            qqi_s: Some(u32::from(q.qqic().secs())),
            sources: Some(q.sources().collect()),
            extra_len: extra_len(q.extra()),
            ..base("query", 2)
        },
        MldMessage::ReportV1(r) => Mld {
            group: Some(r.group()),
            extra_len: extra_len(r.extra()),
            ..base("report", 1)
        },
        MldMessage::DoneV1(d) => Mld {
            group: Some(d.group()),
            extra_len: extra_len(d.extra()),
            ..base("done", 1)
        },
        MldMessage::ReportV2(r) => Mld {
            records: Some(records_model(r.records())),
            extra_len: extra_len(r.extra()),
            ..base("report", 2)
        },
        other => Mld {
            type_code: Some(other.msg_type()),
            version: None,
            ..base("unknown", 0)
        },
    })
}

/// The IANA name of an ICMPv6 type (RFC 4443, 4861, 2710, 3810, 4286...),
/// in lower case with underscores.
pub fn icmpv6_type_name(t: u8) -> &'static str {
    match t {
        1 => "destination_unreachable",
        2 => "packet_too_big",
        3 => "time_exceeded",
        4 => "parameter_problem",
        128 => "echo_request",
        129 => "echo_reply",
        130 => "mld_query",
        131 => "mld_report",
        132 => "mld_done",
        133 => "router_solicitation",
        134 => "router_advertisement",
        135 => "neighbor_solicitation",
        136 => "neighbor_advertisement",
        137 => "redirect",
        138 => "router_renumbering",
        139 => "node_information_query",
        140 => "node_information_response",
        141 => "inverse_nd_solicitation",
        142 => "inverse_nd_advertisement",
        143 => "mldv2_report",
        144 => "home_agent_address_discovery_request",
        145 => "home_agent_address_discovery_reply",
        146 => "mobile_prefix_solicitation",
        147 => "mobile_prefix_advertisement",
        148 => "certification_path_solicitation",
        149 => "certification_path_advertisement",
        151 => "multicast_router_advertisement",
        152 => "multicast_router_solicitation",
        153 => "multicast_router_termination",
        155 => "rpl_control",
        157 => "duplicate_address_request",
        158 => "duplicate_address_confirmation",
        160 => "extended_echo_request",
        161 => "extended_echo_reply",
        _ => "unknown",
    }
}
