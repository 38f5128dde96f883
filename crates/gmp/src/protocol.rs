//! What differs between IGMP and MLD, behind one trait: the address type,
//! the message codec, the timer units and defaults. The state machines in
//! [`host`](crate::host) are written once against [`Protocol`].

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::fmt::Debug;
use core::net::Ipv4Addr;
use core::time::Duration;

use ipv4kit_wire::gmp::{self, GroupAddress, ReportFormat, ReportSplitter};
use ipv4kit_wire::igmp::{
    max_igmp_len, GroupRecordRepr, GroupRecordType, IgmpEmitError, IgmpMessage, LeaveV2, ReportV1,
    ReportV2, ReportV3Splitter, ALL_IGMPV3_ROUTERS, ALL_ROUTERS, ALL_SYSTEMS,
    V1_MAX_RESP_TIME_TENTHS,
};

use crate::filter::RecordType;

/// Host Compatibility Mode (RFC 3376 §7.2.1, RFC 3810 §8.2.1), named by the
/// IGMP versions. For MLD, [`V2`](Compat::V2) is MLDv1 and
/// [`V3`](Compat::V3) is MLDv2; MLD has no counterpart of
/// [`V1`](Compat::V1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Compat {
    /// IGMPv1 (RFC 1112): reports, no leaves.
    V1,
    /// IGMPv2 (RFC 2236) / MLDv1 (RFC 2710): reports and leaves, no sources.
    V2,
    /// IGMPv3 (RFC 3376) / MLDv2 (RFC 3810): source filtering.
    V3,
}

/// A received query, reduced to what the host engine needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryInfo<A> {
    /// The querier's version (RFC 3376 §7.1, by length and Max Resp Code).
    pub version: Compat,
    /// The queried group; `None` for a General Query.
    pub group: Option<A>,
    /// Number of sources (a Group-and-Source-Specific Query when > 0).
    pub num_sources: usize,
    /// Max Resp Time, decoded (an IGMPv1 query's 0 read as 10 s, RFC 3376 §7.2.1).
    pub max_resp: Duration,
    /// Querier's Robustness Variable (0 if absent or not given).
    pub qrv: u8,
    /// Querier's Query Interval, if the query carries one.
    pub qqi: Option<Duration>,
}

/// What a received message is, as the host engine sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received<A> {
    /// A Membership Query.
    Query(QueryInfo<A>),
    /// Another host's IGMPv1/v2 (MLDv1) report for `group`: report
    /// suppression in v1/v2 mode (RFC 2236 §3).
    OldReport {
        /// The reported group.
        group: A,
    },
    /// Anything else: hosts ignore it (RFC 3376 §4).
    Other,
}

/// One group record as the engine builds it, before encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a, A> {
    /// The record type.
    pub record_type: RecordType,
    /// The group.
    pub group: A,
    /// The sources, sorted.
    pub sources: &'a [A],
}

/// The kind of a message the engine sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// IGMPv3 / MLDv2 report (state-change or current-state records).
    Report,
    /// IGMPv1 report.
    ReportV1,
    /// IGMPv2 report / MLDv1 report.
    ReportV2,
    /// IGMPv2 leave / MLDv1 done.
    Leave,
}

/// One encoded message waiting in the engine's output queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Queued<A> {
    pub(crate) destination: A,
    pub(crate) kind: MessageKind,
    pub(crate) start: u32,
    pub(crate) len: u32,
}

/// The engine's queue of encoded messages, which a [`Protocol`]'s encoder
/// appends to. Its storage is reused: steady-state encoding allocates nothing.
#[derive(Clone, Debug)]
pub struct Output<A> {
    pub(crate) bytes: Vec<u8>,
    pub(crate) queue: VecDeque<Queued<A>>,
}

impl<A> Default for Output<A> {
    fn default() -> Self {
        Output {
            bytes: Vec::new(),
            queue: VecDeque::new(),
        }
    }
}

impl<A> Output<A> {
    /// Appends one message: `write` gets a zeroed buffer of `max_len` octets
    /// and returns the length it wrote, or `None` to append nothing (then
    /// `push_with` returns `false`).
    pub fn push_with(
        &mut self,
        destination: A,
        kind: MessageKind,
        max_len: usize,
        write: impl FnOnce(&mut [u8]) -> Option<usize>,
    ) -> bool {
        let start = self.bytes.len();
        // Exact for the first message (a small host stays small), doubling
        // after (a big batch reaches its size in a few steps).
        if start == 0 {
            self.bytes.reserve_exact(max_len);
        } else {
            self.bytes.reserve(max_len);
        }
        self.bytes.resize(start + max_len, 0);
        match write(&mut self.bytes[start..]) {
            Some(n) if n <= max_len => {
                self.bytes.truncate(start + n);
                if self.queue.len() == self.queue.capacity() {
                    self.queue.reserve_exact(self.queue.len().max(1));
                }
                self.queue.push_back(Queued {
                    destination,
                    kind,
                    start: start as u32,
                    len: n as u32,
                });
                true
            }
            _ => {
                self.bytes.truncate(start);
                false
            }
        }
    }

    /// Messages queued.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

/// What differs between IGMP and MLD.
///
/// Implemented by [`Igmp`] and [`Mld`](crate::Mld).
pub trait Protocol: 'static {
    /// Group and source address type.
    type Addr: Copy + Ord + Eq + core::hash::Hash + Debug;
    /// A received message, as the wire crate's view.
    type Message<'a>;
    /// Scratch space the encoder keeps between calls, so steady-state
    /// encoding does not allocate.
    type Scratch: Default + Debug;

    /// The all-nodes group, never reported (RFC 3376 §5: 224.0.0.1).
    const ALL_NODES: Self::Addr;
    /// Oldest compatibility mode the protocol has.
    const OLDEST: Compat;
    /// [Unsolicited Report Interval] in v3 mode (RFC 3376 §8.11: 1 s).
    const UNSOLICITED_REPORT_INTERVAL: Duration;
    /// Unsolicited Report Interval in v1/v2 mode (RFC 2236 §8.10: 10 s).
    const OLD_UNSOLICITED_REPORT_INTERVAL: Duration;
    /// [Query Interval] default (RFC 3376 §8.2: 125 s).
    const QUERY_INTERVAL: Duration;
    /// [Query Response Interval] default (RFC 3376 §8.3: 10 s).
    const QUERY_RESPONSE_INTERVAL: Duration;
    /// The smallest IP MTU the protocol's link layer may have: reports are
    /// never split below it (IPv4: 68, RFC 791; IPv6: 1280, RFC 8200 §5).
    const MIN_MTU: usize = 68;
    /// Default of [`Config::require_general_query_to_all_nodes`](crate::Config::require_general_query_to_all_nodes):
    /// IGMP hosts SHOULD ignore General Queries not sent to 224.0.0.1
    /// (RFC 3376 §9.1); MLD hosts MUST accept queries sent to any address of
    /// the interface (RFC 3810 §5.1.15), so `false` there.
    const GENERAL_QUERY_TO_ALL_NODES_ONLY: bool = true;

    /// Orders two addresses as the address order (`Ord`) does. IGMP and MLD
    /// compare each address as one integer: the standard library's `Ord`
    /// for IP addresses compares octet arrays, and the router's group map
    /// compares addresses on every record it looks up.
    fn cmp_addr(a: &Self::Addr, b: &Self::Addr) -> core::cmp::Ordering {
        a.cmp(b)
    }

    /// Whether `addr` is a multicast group address.
    fn is_multicast(addr: &Self::Addr) -> bool;
    /// The default SSM range (RFC 4607: 232.0.0.0/8).
    fn is_default_ssm(addr: &Self::Addr) -> bool;
    /// Whether a listener reports `group` at all (IGMP: all but
    /// 224.0.0.1, RFC 3376 §5; MLD: scope 2 or more but ff02::1, RFC 3810 §6).
    fn is_reported(group: &Self::Addr) -> bool {
        *group != Self::ALL_NODES
    }
    /// Whether a query's IP source is one a host accepts (MLD: link-local,
    /// RFC 3810 §5.1.14; IGMP checks none). Consulted when
    /// [`Config::require_link_local_query_source`](crate::Config::require_link_local_query_source) is on.
    fn query_source_ok(_msg: &Self::Message<'_>) -> bool {
        true
    }
    /// Classifies a received message.
    fn classify(msg: &Self::Message<'_>) -> Received<Self::Addr>;
    /// The sources of a query (empty for anything else).
    fn query_sources<'a>(msg: &Self::Message<'a>) -> impl Iterator<Item = Self::Addr> + 'a
    where
        Self: 'a;
    /// Encodes `records` as reports of at most `mtu` octets of IP datagram,
    /// appending each to `out` and queueing it in `queue`.
    fn encode_reports(
        records: &[Record<'_, Self::Addr>],
        mtu: usize,
        scratch: &mut Self::Scratch,
        out: &mut Output<Self::Addr>,
    );
    /// Encodes a v1/v2 report or leave for `group` and queues it.
    fn encode_old(kind: MessageKind, group: Self::Addr, out: &mut Output<Self::Addr>);
    /// [`encode_old`](Self::encode_old) with the encoder's scratch space
    /// (MLD keeps the source address its checksums cover there). The host
    /// engine calls this one.
    fn encode_old_with(
        kind: MessageKind,
        group: Self::Addr,
        _scratch: &mut Self::Scratch,
        out: &mut Output<Self::Addr>,
    ) {
        Self::encode_old(kind, group, out)
    }
}

/// IGMP over IPv4 (RFC 1112, RFC 2236, RFC 3376).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Igmp;

/// Reuses a vector's allocation for a type of the same layout (here: the same
/// type under another lifetime). In-place collection keeps the buffer.
pub(crate) fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter()
        .map(|_| unreachable!("the vector is empty"))
        .collect()
}

/// The wire crate's reprs of `records` (no aux data), in `buf`'s
/// allocation.
pub(crate) fn record_reprs<'a, A: GroupAddress>(
    records: &[Record<'a, A>],
    buf: Vec<gmp::GroupRecordRepr<'static, A>>,
) -> Vec<gmp::GroupRecordRepr<'a, A>> {
    let mut reprs: Vec<gmp::GroupRecordRepr<'a, A>> = recycle(buf);
    reprs.reserve_exact(records.len());
    reprs.extend(records.iter().map(|r| gmp::GroupRecordRepr {
        record_type: wire_type(r.record_type),
        group: r.group,
        sources: r.sources,
        aux_data: &[],
    }));
    reprs
}

/// Queues the IGMPv3/MLDv2 reports `splitter` packs `reprs` into, to
/// `destination`, each at most `max_len` octets (RFC 3376 §4.2.16, RFC
/// 3810 §5.2.15). A first report that holds everything needs no more than
/// the records' length: the output buffer grows only as far as the reports
/// need; a report that does not fit it (`is_short`) is retried at
/// `max_len`.
///
/// The engine keeps the MTU at the protocol's minimum (68, 1280) or more
/// and the records carry no aux data, so the splitter cannot fail; if it
/// did, the rest of the batch would be dropped rather than sent broken.
pub(crate) fn push_reports<F: ReportFormat>(
    reprs: &[gmp::GroupRecordRepr<'_, F::Addr>],
    splitter: &mut ReportSplitter<'_, F>,
    max_len: usize,
    destination: F::Addr,
    is_short: fn(&F::Error) -> bool,
    out: &mut Output<F::Addr>,
) {
    let total = 8 + reprs
        .iter()
        .map(gmp::GroupRecordRepr::buffer_len)
        .sum::<usize>();
    let mut len = total.min(max_len);
    while !splitter.is_done() {
        let mut short = false;
        let pushed = out.push_with(destination, MessageKind::Report, len, |buf| match splitter
            .next_into(buf)
        {
            Some(Ok(n)) => Some(n),
            Some(Err(e)) if is_short(&e) => {
                short = true;
                None
            }
            _ => None,
        });
        if !(pushed || short && len < max_len) {
            break;
        }
        len = max_len;
    }
}

pub(crate) fn wire_type(t: RecordType) -> GroupRecordType {
    match t {
        RecordType::IsInclude => GroupRecordType::ModeIsInclude,
        RecordType::IsExclude => GroupRecordType::ModeIsExclude,
        RecordType::ToInclude => GroupRecordType::ChangeToInclude,
        RecordType::ToExclude => GroupRecordType::ChangeToExclude,
        RecordType::Allow => GroupRecordType::AllowNewSources,
        RecordType::Block => GroupRecordType::BlockOldSources,
    }
}

impl Protocol for Igmp {
    type Addr = Ipv4Addr;
    type Message<'a> = IgmpMessage<'a>;
    type Scratch = Vec<GroupRecordRepr<'static>>;

    fn cmp_addr(a: &Ipv4Addr, b: &Ipv4Addr) -> core::cmp::Ordering {
        a.to_bits().cmp(&b.to_bits())
    }

    const ALL_NODES: Ipv4Addr = ALL_SYSTEMS;
    const OLDEST: Compat = Compat::V1;
    const UNSOLICITED_REPORT_INTERVAL: Duration = Duration::from_secs(1);
    const OLD_UNSOLICITED_REPORT_INTERVAL: Duration = Duration::from_secs(10);
    const QUERY_INTERVAL: Duration = Duration::from_secs(125);
    const QUERY_RESPONSE_INTERVAL: Duration = Duration::from_secs(10);

    fn is_multicast(addr: &Ipv4Addr) -> bool {
        addr.is_multicast()
    }

    fn is_default_ssm(addr: &Ipv4Addr) -> bool {
        addr.octets()[0] == 232
    }

    fn classify(msg: &IgmpMessage<'_>) -> Received<Ipv4Addr> {
        let group = |g: Ipv4Addr| (!g.is_unspecified()).then_some(g);
        match msg {
            IgmpMessage::QueryV1(_) => Received::Query(QueryInfo {
                version: Compat::V1,
                group: None,
                num_sources: 0,
                max_resp: Duration::from_millis(u64::from(V1_MAX_RESP_TIME_TENTHS) * 100),
                qrv: 0,
                qqi: None,
            }),
            IgmpMessage::QueryV2(q) => Received::Query(QueryInfo {
                version: Compat::V2,
                group: group(q.group()),
                num_sources: 0,
                max_resp: q.max_resp_duration(),
                qrv: 0,
                qqi: None,
            }),
            IgmpMessage::QueryV3(q) => Received::Query(QueryInfo {
                version: Compat::V3,
                group: group(q.group()),
                num_sources: usize::from(q.num_sources()),
                max_resp: q.max_resp_code().duration(),
                qrv: q.qrv(),
                qqi: Some(q.qqic().duration()),
            }),
            IgmpMessage::ReportV1(r) => Received::OldReport { group: r.group() },
            IgmpMessage::ReportV2(r) => Received::OldReport { group: r.group() },
            _ => Received::Other,
        }
    }

    fn query_sources<'a>(msg: &IgmpMessage<'a>) -> impl Iterator<Item = Ipv4Addr> + 'a
    where
        Self: 'a,
    {
        let sources = match msg {
            IgmpMessage::QueryV3(q) => Some(q.sources()),
            _ => None,
        };
        sources.into_iter().flatten()
    }

    fn encode_reports(
        records: &[Record<'_, Ipv4Addr>],
        mtu: usize,
        scratch: &mut Vec<GroupRecordRepr<'static>>,
        out: &mut Output<Ipv4Addr>,
    ) {
        let reprs = record_reprs(records, core::mem::take(scratch));
        let max_len = max_igmp_len(mtu);
        let mut splitter = ReportV3Splitter::new(&reprs, max_len);
        let is_short = |e: &IgmpEmitError| matches!(e, IgmpEmitError::BufferTooShort { .. });
        push_reports(
            &reprs,
            &mut splitter,
            max_len,
            ALL_IGMPV3_ROUTERS,
            is_short,
            out,
        );
        *scratch = recycle(reprs);
    }

    fn encode_old(kind: MessageKind, group: Ipv4Addr, out: &mut Output<Ipv4Addr>) {
        let destination = if kind == MessageKind::Leave {
            ALL_ROUTERS
        } else {
            group
        };
        out.push_with(destination, kind, 8, |buf| {
            match kind {
                MessageKind::ReportV1 => ReportV1 { group }.emit(buf),
                MessageKind::Leave => LeaveV2 { group }.emit(buf),
                _ => ReportV2 { group }.emit(buf),
            }
            .ok()
        });
    }
}
