//! What the router engine needs of a protocol beyond [`Protocol`]: reading
//! reports into records and queries into election facts, and building
//! queries (RFC 3376 §4.1, §6.6). [`Igmp`] implements it here.

use alloc::vec::Vec;
use core::net::Ipv4Addr;
use core::time::Duration;

use ipv4kit_wire::gmp::{self, GroupAddress, GroupRecords};
use ipv4kit_wire::igmp::{
    GroupRecordType, IgmpMessage, MaxRespCode, Qqic, QueryV1, QueryV2, QueryV3, Sources,
};

use super::RouterRxMeta;
use crate::filter::RecordType;
use crate::protocol::{Compat, Igmp, Protocol};

/// A received message as the router engine sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouterReceived<A> {
    /// A Membership Query from another router.
    Query {
        /// The querier's version (RFC 3376 §7.1).
        version: Compat,
        /// The queried group; `None` for a General Query.
        group: Option<A>,
        /// Suppress Router-Side Processing (RFC 3376 §4.1.5).
        s_flag: bool,
        /// Querier's Robustness Variable (0: not given).
        qrv: u8,
        /// Querier's Query Interval (`None` or zero: not given).
        qqi: Option<Duration>,
    },
    /// A v3 report: its records come from [`RouterProtocol::records`].
    Report,
    /// An IGMPv1 (`Compat::V1`) or IGMPv2 (`Compat::V2`) report for `group`.
    OldReport {
        /// The report's version.
        version: Compat,
        /// The reported group.
        group: A,
    },
    /// An IGMPv2 Leave Group (RFC 2236 §3).
    Leave {
        /// The group left.
        group: A,
    },
    /// Anything else (RFC 3376 §4: ignored).
    Other,
}

/// The parts of a query the engine asks to be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuerySpec<'a, A> {
    /// The version to encode (RFC 3376 §7.3.1).
    pub version: Compat,
    /// `None` for a General Query.
    pub group: Option<A>,
    /// Suppress Router-Side Processing (RFC 3376 §4.1.5).
    pub s_flag: bool,
    /// Max Resp Time.
    pub max_resp: Duration,
    /// Querier's Robustness Variable (RFC 3376 §4.1.6).
    pub qrv: u8,
    /// Querier's Query Interval (RFC 3376 §4.1.7).
    pub qqi: Duration,
    /// Sources of a Group-and-Source-Specific Query.
    pub sources: &'a [A],
    /// The router's address, the IP source the query is sent from (MLD's
    /// ICMPv6 checksum covers it, RFC 3810 §5.1.2).
    pub source: A,
    /// The IP destination: the all-nodes address for a General Query, the
    /// group otherwise (RFC 3376 §4.1.12, RFC 3810 §5.1.15).
    pub destination: A,
}

/// What the router engine needs of a protocol (RFC 3376 §6 / RFC 3810 §7).
pub trait RouterProtocol: Protocol {
    /// The sources of one group record.
    type RecordSources<'a>: Iterator<Item = Self::Addr> + ExactSizeIterator;

    /// Octets of a query with no sources; each source adds
    /// `size_of::<Self::Addr>()`-ish octets, see [`QUERY_SOURCE_LEN`](Self::QUERY_SOURCE_LEN).
    const QUERY_FIXED_LEN: usize;
    /// Octets per source in a query.
    const QUERY_SOURCE_LEN: usize;
    /// Octets of IP header (with Router Alert) in front of a query.
    const IP_HEADER_LEN: usize;

    /// Parses a message (checksum verified where the message alone allows
    /// it: IGMP's; MLD's ICMPv6 checksum needs the IPv6 addresses, see
    /// [`parse_with`](Self::parse_with)); `None` if it is malformed.
    fn parse(bytes: &[u8]) -> Option<Self::Message<'_>>;
    /// Parses a message received as `meta` says, verifying every checksum
    /// (MLD: over the IPv6 pseudo-header of `meta.source` →
    /// `meta.destination`, RFC 3810 §5.1.2, §5.2.2). The default is
    /// [`parse`](Self::parse). [`Router::handle_bytes`](super::Router::handle_bytes) calls this.
    fn parse_with<'a>(
        bytes: &'a [u8],
        meta: &RouterRxMeta<Self::Addr>,
    ) -> Option<Self::Message<'a>> {
        let _ = meta;
        Self::parse(bytes)
    }
    /// Whether a message from IP source `source` may be processed at all
    /// (MLD: only from a link-local address, RFC 3810 §5.1.14 and §5.2.13:
    /// routers discard reports from `::` too). The default accepts every
    /// source; IGMP's checks are [`in_subnet`](Self::in_subnet) and
    /// [`is_unspecified`](Self::is_unspecified) under the router's settings.
    fn source_ok(source: &Self::Addr) -> bool {
        let _ = source;
        true
    }
    /// Classifies a received message for the router.
    fn router_classify(msg: &Self::Message<'_>) -> RouterReceived<Self::Addr>;
    /// The group records of a v3 report (nothing for other messages); an
    /// unknown record type is `None` (RFC 3376 §4.2.12: ignored).
    fn records<'a>(
        msg: &Self::Message<'a>,
    ) -> impl Iterator<Item = (Option<RecordType>, Self::Addr, Self::RecordSources<'a>)> + 'a
    where
        Self: 'a;
    /// Whether `addr` is in `net`/`prefix` (RFC 3376 §9.2's subnet check).
    fn in_subnet(addr: &Self::Addr, net: &Self::Addr, prefix: u8) -> bool;
    /// The unspecified address (0.0.0.0), a report source RFC 3376 §4.2.13 accepts.
    fn is_unspecified(addr: &Self::Addr) -> bool;
    /// Appends the encoded query to `out` and returns its length; 0 when
    /// the version cannot carry it (a source query in v1/v2).
    fn encode_query(q: &QuerySpec<'_, Self::Addr>, out: &mut Vec<u8>) -> usize;
}

/// A record type as the §6.4 tables name it; `None` for the unknown types
/// RFC 3376 §4.2.12 and RFC 3810 §5.2.12 say to ignore (IGMP and MLD share
/// `wire::gmp::GroupRecordType`).
pub(super) fn record_type(t: GroupRecordType) -> Option<RecordType> {
    Some(match t {
        GroupRecordType::ModeIsInclude => RecordType::IsInclude,
        GroupRecordType::ModeIsExclude => RecordType::IsExclude,
        GroupRecordType::ChangeToInclude => RecordType::ToInclude,
        GroupRecordType::ChangeToExclude => RecordType::ToExclude,
        GroupRecordType::AllowNewSources => RecordType::Allow,
        GroupRecordType::BlockOldSources => RecordType::Block,
        _ => return None,
    })
}

/// The records of an IGMPv3 or MLDv2 report (`None` for any other
/// message), their types as [`record_type`] names them.
pub(super) fn report_records<'a, A: GroupAddress>(
    records: Option<GroupRecords<'a, A>>,
) -> impl Iterator<Item = (Option<RecordType>, A, gmp::Sources<'a, A>)> + 'a {
    records
        .into_iter()
        .flatten()
        .map(|r| (record_type(r.record_type()), r.group(), r.sources()))
}

/// Appends a query of `len` octets to `out`, written by `emit`, and
/// returns the length `emit` wrote; on an error nothing is kept and the
/// result is 0.
pub(super) fn append_query<E>(
    out: &mut Vec<u8>,
    len: usize,
    emit: impl FnOnce(&mut [u8]) -> Result<usize, E>,
) -> usize {
    let start = out.len();
    out.resize(start + len, 0);
    match emit(&mut out[start..]) {
        Ok(n) => {
            out.truncate(start + n);
            n
        }
        Err(_) => {
            out.truncate(start);
            0
        }
    }
}

impl RouterProtocol for Igmp {
    type RecordSources<'a> = Sources<'a>;
    const QUERY_FIXED_LEN: usize = 12;
    const QUERY_SOURCE_LEN: usize = 4;
    const IP_HEADER_LEN: usize = 24;

    fn parse(bytes: &[u8]) -> Option<IgmpMessage<'_>> {
        IgmpMessage::parse(bytes).ok()
    }

    fn router_classify(msg: &IgmpMessage<'_>) -> RouterReceived<Ipv4Addr> {
        let group = |g: Ipv4Addr| (!g.is_unspecified()).then_some(g);
        match msg {
            IgmpMessage::QueryV1(_) => RouterReceived::Query {
                version: Compat::V1,
                group: None,
                s_flag: false,
                qrv: 0,
                qqi: None,
            },
            IgmpMessage::QueryV2(q) => RouterReceived::Query {
                version: Compat::V2,
                group: group(q.group()),
                s_flag: false,
                qrv: 0,
                qqi: None,
            },
            IgmpMessage::QueryV3(q) => RouterReceived::Query {
                version: Compat::V3,
                group: group(q.group()),
                s_flag: q.s_flag(),
                qrv: q.qrv(),
                qqi: Some(q.qqic().duration()).filter(|d| !d.is_zero()),
            },
            IgmpMessage::ReportV1(r) => RouterReceived::OldReport {
                version: Compat::V1,
                group: r.group(),
            },
            IgmpMessage::ReportV2(r) => RouterReceived::OldReport {
                version: Compat::V2,
                group: r.group(),
            },
            IgmpMessage::LeaveV2(l) => RouterReceived::Leave { group: l.group() },
            IgmpMessage::ReportV3(_) => RouterReceived::Report,
            _ => RouterReceived::Other,
        }
    }

    fn records<'a>(
        msg: &IgmpMessage<'a>,
    ) -> impl Iterator<Item = (Option<RecordType>, Ipv4Addr, Sources<'a>)> + 'a
    where
        Self: 'a,
    {
        report_records(match msg {
            IgmpMessage::ReportV3(r) => Some(r.records()),
            _ => None,
        })
    }

    fn in_subnet(addr: &Ipv4Addr, net: &Ipv4Addr, prefix: u8) -> bool {
        let mask = u32::MAX
            .checked_shl(32 - u32::from(prefix.min(32)))
            .unwrap_or(0);
        u32::from(*addr) & mask == u32::from(*net) & mask
    }

    fn is_unspecified(addr: &Ipv4Addr) -> bool {
        addr.is_unspecified()
    }

    fn encode_query(q: &QuerySpec<'_, Ipv4Addr>, out: &mut Vec<u8>) -> usize {
        let group = q.group.unwrap_or(Ipv4Addr::UNSPECIFIED);
        let len = match q.version {
            Compat::V1 if q.group.is_none() => 8,
            Compat::V2 if q.sources.is_empty() => 8,
            Compat::V3 => 12 + 4 * q.sources.len(),
            _ => return 0,
        };
        let tenths = q.max_resp.as_millis() / 100;
        append_query(out, len, |buf| match q.version {
            Compat::V1 => QueryV1.emit(buf),
            Compat::V2 => QueryV2 {
                max_resp_time: u8::try_from(tenths).unwrap_or(u8::MAX).max(1),
                group,
            }
            .emit(buf),
            Compat::V3 => QueryV3 {
                max_resp_code: MaxRespCode::from_duration(q.max_resp),
                group,
                s_flag: q.s_flag,
                qrv: q.qrv,
                qqic: Qqic::from_duration(q.qqi),
                sources: q.sources,
            }
            .emit(buf),
        })
    }
}
