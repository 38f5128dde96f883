//! Turning bytes into the [`model`](crate::model) form with the ipv4kit-wire views.

use std::fmt::Write as _;

use ipv4kit_wire::igmp::{GroupRecordType, IgmpError, IgmpMessage};
use ipv4kit_wire::ipv4::{Ipv4Error, Ipv4Option, Ipv4Packet};

use crate::model::{GroupRecord, Igmp, Ipv4, Ipv4Option as OptionModel, LayerError, Packet};

/// Decodes one IPv4 datagram (link padding may follow it).
///
/// A header with a bad checksum is still decoded, with `checksum_ok: false`;
/// one whose lengths are inconsistent is an `ipv4` error. Likewise an IGMP
/// message with a bad checksum is decoded and flagged; a malformed one is an
/// `igmp` error.
pub fn ipv4_packet(bytes: &[u8]) -> Packet {
    let mut out = Packet::default();
    let (packet, checksum_ok) = match Ipv4Packet::new_checked(bytes) {
        Ok(p) => (p, true),
        Err(Ipv4Error::BadChecksum { .. }) => match Ipv4Packet::new_lenient(bytes) {
            Ok(p) => (p, false),
            Err(e) => return with_error(out, "ipv4", e.to_string()),
        },
        Err(e) => return with_error(out, "ipv4", e.to_string()),
    };
    let mut options = Vec::new();
    let mut option_error = None;
    for option in packet.options() {
        match option {
            Ok(o) => options.push(option_model(&o)),
            Err(e) => option_error = Some(e.to_string()),
        }
    }
    out.ipv4 = Some(Ipv4 {
        src: packet.src(),
        dst: packet.dst(),
        ttl: packet.ttl(),
        protocol: packet.protocol().0,
        tos: packet.tos(),
        ihl: packet.ihl(),
        total_len: packet.total_len(),
        id: packet.ident(),
        df: packet.dont_frag(),
        mf: packet.more_frags(),
        frag_offset: packet.frag_offset(),
        checksum_ok,
        options,
    });
    if let Some(message) = option_error {
        out.error = Some(LayerError {
            layer: "ipv4",
            message,
        });
    }
    let payload = packet.payload();
    // Only a first fragment starts with the IGMP header.
    if packet.protocol().0 == ipv4kit_wire::igmp::IP_PROTOCOL_IGMP && packet.frag_offset() == 0 {
        match igmp_message(payload) {
            Ok(igmp) => out.igmp = Some(igmp),
            Err(e) => {
                out.payload_len = Some(payload.len());
                out.error = Some(LayerError {
                    layer: "igmp",
                    message: e.to_string(),
                })
            }
        }
    } else {
        out.payload_len = Some(payload.len());
    }
    out
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
    };
    match option {
        Ipv4Option::EndOfList => plain("end"),
        Ipv4Option::Nop => plain("nop"),
        Ipv4Option::RouterAlert { value } => OptionModel {
            value: Some(*value),
            ..plain("router_alert")
        },
        Ipv4Option::RecordRoute(_) => plain("record_route"),
        Ipv4Option::LooseSourceRoute(_) => plain("lsrr"),
        Ipv4Option::StrictSourceRoute(_) => plain("ssrr"),
        Ipv4Option::Timestamp(_) => plain("timestamp"),
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
    let (message, checksum_ok) = match IgmpMessage::parse(bytes) {
        Ok(m) => (m, true),
        Err(IgmpError::BadChecksum { .. }) => (IgmpMessage::parse_lenient(bytes)?, false),
        Err(e) => return Err(e),
    };
    let base = |kind, version| Igmp {
        kind,
        type_code: None,
        version: Some(version),
        checksum_ok,
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
    };
    // Only when there are any, so well-formed messages print as before.
    let extra = |octets: &[u8]| (!octets.is_empty()).then_some(octets.len());
    Ok(match message {
        IgmpMessage::QueryV1(q) => Igmp {
            group: Some(q.group()),
            ..base("query", 1)
        },
        IgmpMessage::QueryV2(q) => Igmp {
            group: Some(q.group()),
            max_resp_code: Some(q.max_resp_time()),
            max_resp_time_ms: Some(u32::from(q.max_resp_time()) * 100),
            ..base("query", 2)
        },
        IgmpMessage::QueryV3(q) => Igmp {
            group: Some(q.group()),
            max_resp_code: Some(q.max_resp_code().0),
            max_resp_time_ms: Some(u32::from(q.max_resp_code().tenths()) * 100),
            s_flag: Some(q.s_flag()),
            qrv: Some(q.qrv()),
            qqic: Some(q.qqic().0),
            qqi_s: Some(u32::from(q.qqic().secs())),
            sources: Some(q.sources().collect()),
            extra_len: extra(q.extra()),
            ..base("query", 3)
        },
        IgmpMessage::ReportV1(r) => Igmp {
            group: Some(r.group()),
            extra_len: extra(r.extra()),
            ..base("report", 1)
        },
        IgmpMessage::ReportV2(r) => Igmp {
            group: Some(r.group()),
            extra_len: extra(r.extra()),
            ..base("report", 2)
        },
        IgmpMessage::LeaveV2(l) => Igmp {
            group: Some(l.group()),
            extra_len: extra(l.extra()),
            ..base("leave", 2)
        },
        IgmpMessage::ReportV3(r) => Igmp {
            records: Some(
                r.records()
                    .map(|rec| GroupRecord {
                        record_type: u8::from(rec.record_type()),
                        record_type_name: record_type_name(rec.record_type()),
                        group: rec.group(),
                        sources: rec.sources().collect(),
                        aux_data_len: rec.aux_data_len(),
                    })
                    .collect(),
            ),
            extra_len: extra(r.extra()),
            ..base("report", 3)
        },
        other => Igmp {
            type_code: Some(other.msg_type()),
            version: None,
            ..base("unknown", 0)
        },
    })
}
