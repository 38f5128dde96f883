//! [`RouterProtocol`] for [`Mld`]: RFC 3810 §7 (RFC 9777 where it changed
//! the text) on the wire crate's MLD codec.
//!
//! Where the ICMPv6 checksum is verified: it covers the IPv6 pseudo-header
//! (RFC 3810 §5.1.2, §5.2.2), so [`RouterProtocol::parse_with`] (what
//! [`Router::handle_bytes`](super::Router::handle_bytes) calls) verifies it
//! with the addresses of [`RouterRxMeta`]; [`RouterProtocol::parse`] has no
//! addresses and does not, so a caller of it (or of
//! [`Router::handle_message`](super::Router::handle_message) with its own
//! [`MldRx`]) is responsible — a raw ICMPv6 socket's kernel has verified it,
//! a capture or a tap has not. Queries are built with their checksum for
//! [`QuerySpec::source`] → [`QuerySpec::destination`].
//!
//! Only messages from link-local sources are processed (RFC 3810 §5.1.14,
//! §5.2.13: routers discard reports from `::` too), counted as
//! [`Counters::not_link_local`](super::Counters::not_link_local); the
//! election compares link-local addresses, the lowest wins (§7.6.2).
//! MLDv1 is [`Compat::V2`] (RFC 3810 §8): an MLDv1 Report maps to IS_EX({})
//! and a Done to TO_IN({}) in MLDv1 compatibility mode, as IGMPv2's do.

use alloc::vec::Vec;
use core::net::Ipv6Addr;

use ipv4kit_wire::mld::{
    self, MaxRespCode, MldMessage, Qqic, QueryV1, QueryV2, Sources, HOP_BY_HOP_RA_LEN, MLDV1_LEN,
    QUERY_V2_MIN_LEN,
};

use super::wire::{append_query, report_records, QuerySpec, RouterProtocol, RouterReceived};
use super::RouterRxMeta;
use crate::filter::RecordType;
use crate::mld::{Mld, MldRx};
use crate::protocol::Compat;

impl RouterProtocol for Mld {
    type RecordSources<'a> = Sources<'a>;
    const QUERY_FIXED_LEN: usize = QUERY_V2_MIN_LEN;
    const QUERY_SOURCE_LEN: usize = 16;
    /// The IPv6 header and the hop-by-hop header with Router Alert (RFC 3810 §5).
    const IP_HEADER_LEN: usize = 40 + HOP_BY_HOP_RA_LEN;

    /// Parses without the checksum (no addresses here): the source is
    /// `::` in the result and the caller vouches for the checksum.
    fn parse(bytes: &[u8]) -> Option<MldRx<'_>> {
        MldMessage::parse_lenient(bytes)
            .ok()
            .map(|m| MldRx::new(m, Ipv6Addr::UNSPECIFIED))
    }

    fn parse_with<'a>(bytes: &'a [u8], meta: &RouterRxMeta<Ipv6Addr>) -> Option<MldRx<'a>> {
        MldMessage::parse(bytes, meta.source, meta.destination)
            .ok()
            .map(|m| MldRx::new(m, meta.source))
    }

    fn source_ok(source: &Ipv6Addr) -> bool {
        mld::is_link_local(*source)
    }

    fn router_classify(msg: &MldRx<'_>) -> RouterReceived<Ipv6Addr> {
        let group = |g: Ipv6Addr| (!g.is_unspecified()).then_some(g);
        match msg.message {
            // RFC 3810 §8.1: a 24-octet query is MLDv1.
            MldMessage::QueryV1(q) => RouterReceived::Query {
                version: Compat::V2,
                group: group(q.group()),
                s_flag: false,
                qrv: 0,
                qqi: None,
            },
            MldMessage::QueryV2(q) => RouterReceived::Query {
                version: Compat::V3,
                group: group(q.group()),
                s_flag: q.s_flag(),
                qrv: q.qrv(),
                qqi: Some(q.qqic().duration()).filter(|d| !d.is_zero()),
            },
            MldMessage::ReportV1(r) => RouterReceived::OldReport {
                version: Compat::V2,
                group: r.group(),
            },
            MldMessage::DoneV1(d) => RouterReceived::Leave { group: d.group() },
            MldMessage::ReportV2(_) => RouterReceived::Report,
            _ => RouterReceived::Other,
        }
    }

    fn records<'a>(
        msg: &MldRx<'a>,
    ) -> impl Iterator<Item = (Option<RecordType>, Ipv6Addr, Sources<'a>)> + 'a
    where
        Self: 'a,
    {
        report_records(match msg.message {
            MldMessage::ReportV2(r) => Some(r.records()),
            _ => None,
        })
    }

    /// The first `prefix` bits agree (`RouterConfig::subnet_prefix` is
    /// rarely useful for MLD: every accepted source is link-local already).
    fn in_subnet(addr: &Ipv6Addr, net: &Ipv6Addr, prefix: u8) -> bool {
        let mask = u128::MAX
            .checked_shl(128 - u32::from(prefix.min(128)))
            .unwrap_or(0);
        addr.to_bits() & mask == net.to_bits() & mask
    }

    fn is_unspecified(addr: &Ipv6Addr) -> bool {
        addr.is_unspecified()
    }

    /// MLDv1 (`Compat::V2`, RFC 2710 §3: Maximum Response Delay in ms, no
    /// sources) or MLDv2 (`Compat::V3`, RFC 3810 §5.1: Maximum Response
    /// Code, S flag, QRV, QQIC, sources); MLD has no `Compat::V1`.
    fn encode_query(q: &QuerySpec<'_, Ipv6Addr>, out: &mut Vec<u8>) -> usize {
        let group = q.group.unwrap_or(Ipv6Addr::UNSPECIFIED);
        let len = match q.version {
            Compat::V2 if q.sources.is_empty() => MLDV1_LEN,
            Compat::V3 => QUERY_V2_MIN_LEN + 16 * q.sources.len(),
            _ => return 0,
        };
        append_query(out, len, |buf| {
            if q.version == Compat::V2 {
                QueryV1 {
                    max_resp_delay: u16::try_from(q.max_resp.as_millis()).unwrap_or(u16::MAX),
                    group,
                }
                .emit(q.source, q.destination, buf)
            } else {
                QueryV2 {
                    max_resp_code: MaxRespCode::from_duration(q.max_resp),
                    group,
                    s_flag: q.s_flag,
                    qrv: q.qrv,
                    qqic: Qqic::from_duration(q.qqi),
                    sources: q.sources,
                }
                .emit(q.source, q.destination, buf)
            }
        })
    }
}
