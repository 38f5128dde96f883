//! The decoded form of one IPv4 packet, as `decode` and `monitor` print it.
//!
//! One model, two renderings: JSON Lines (serde, the schema in the README) and
//! one readable text line per packet (in the spirit of `tcpdump -v`).

use std::fmt::{self, Write as _};
use std::net::Ipv4Addr;

use serde::Serialize;

/// One IPv4 packet and what it carries.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Packet {
    /// 1-based index of the frame in its file (decode of files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    /// The receiving interface's name (monitor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iface: Option<String>,
    /// The receiving interface's index (monitor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ifindex: Option<u32>,
    /// The IPv4 header, when it parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4: Option<Ipv4>,
    /// The IGMP message (protocol 2), when the header parsed and it is IGMP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub igmp: Option<Igmp>,
    /// The length of a non-IGMP payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_len: Option<usize>,
    /// Why a layer did not parse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<LayerError>,
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
}

/// An IGMP message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Igmp {
    /// `query`, `report`, `leave` or `unknown`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The type byte of an unknown message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_code: Option<u8>,
    /// 1, 2 or 3 (absent for unknown types).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    /// The IGMP checksum verifies.
    pub checksum_ok: bool,
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
    /// `ipv4` or `igmp`.
    pub layer: &'static str,
    /// What was wrong, as a sentence.
    pub message: String,
}

impl Packet {
    /// The JSON Lines form: one object, no newline.
    pub fn to_json(&self) -> String {
        // Serialising plain structs of strings, numbers and lists cannot fail.
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    let mut s = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{item}");
    }
    s
}

impl fmt::Display for Packet {
    /// One readable line, e.g.
    /// `3 192.168.11.201 > 225.10.10.10: ttl 1 id 0 len 32 [RA] igmp v2 report 225.10.10.10`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(frame) = self.frame {
            write!(f, "{frame} ")?;
        }
        if let Some(iface) = &self.iface {
            write!(f, "{iface} ")?;
        }
        if let Some(ip) = &self.ipv4 {
            write!(
                f,
                "{} > {}: ttl {} tos 0x{:02x} id {} len {}",
                ip.src, ip.dst, ip.ttl, ip.tos, ip.id, ip.total_len
            )?;
            if ip.df {
                f.write_str(" DF")?;
            }
            if ip.mf || ip.frag_offset != 0 {
                write!(
                    f,
                    " frag {}{}",
                    ip.frag_offset,
                    if ip.mf { "+" } else { "" }
                )?;
            }
            if !ip.checksum_ok {
                f.write_str(" [bad ip cksum]")?;
            }
            if !ip.options.is_empty() {
                let names: Vec<&str> = ip
                    .options
                    .iter()
                    .map(|o| match o.kind {
                        "router_alert" => "RA",
                        "record_route" => "RR",
                        "timestamp" => "TS",
                        "lsrr" => "LSRR",
                        "ssrr" => "SSRR",
                        "security" => "SEC",
                        "end" => "EOL",
                        "nop" => "NOP",
                        _ => "?",
                    })
                    .collect();
                write!(f, " [{}]", names.join(","))?;
            }
        }
        if let Some(igmp) = &self.igmp {
            f.write_str(" igmp")?;
            if let Some(v) = igmp.version {
                write!(f, " v{v}")?;
            }
            match igmp.kind {
                "unknown" => write!(f, " type 0x{:02x}", igmp.type_code.unwrap_or(0))?,
                kind => write!(f, " {kind}")?,
            }
            if let Some(g) = igmp.group {
                write!(f, " {g}")?;
            }
            if let Some(ms) = igmp.max_resp_time_ms {
                write!(f, " max resp {}.{:01}s", ms / 1000, (ms % 1000) / 100)?;
            }
            if igmp.s_flag == Some(true) {
                f.write_str(" S")?;
            }
            if let Some(q) = igmp.qrv {
                write!(f, " qrv {q}")?;
            }
            if let Some(q) = igmp.qqi_s {
                write!(f, " qqi {q}s")?;
            }
            if let Some(src) = &igmp.sources {
                if !src.is_empty() {
                    write!(f, " sources [{}]", join(src))?;
                }
            }
            if let Some(records) = &igmp.records {
                write!(f, " {} record(s)", records.len())?;
                for r in records {
                    write!(
                        f,
                        " [{} {} {{{}}}]",
                        r.record_type_name,
                        r.group,
                        join(&r.sources)
                    )?;
                }
            }
            if let Some(n) = igmp.extra_len {
                write!(f, " +{n} extra octet(s)")?;
            }
            if !igmp.checksum_ok {
                f.write_str(" [bad igmp cksum]")?;
            }
        } else if let (Some(ip), Some(len)) = (&self.ipv4, self.payload_len) {
            write!(f, " proto {} length {len}", ip.protocol)?;
        }
        if let Some(e) = &self.error {
            write!(f, " error ({}): {}", e.layer, e.message)?;
        }
        Ok(())
    }
}
