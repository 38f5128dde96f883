//! MLD over IPv6 (RFC 2710, RFC 3810, RFC 9777 where it differs): the
//! [`Protocol`] the host engine runs as `Host<Mld, R>`.
//!
//! The state machines are IGMP's (RFC 3810 §6 and §7 restate RFC 3376 §5
//! and §7 for IPv6); what differs is here: IPv6 addresses, the codec, the
//! ICMPv6 checksum over a pseudo-header with the source address (so the
//! host knows its link-local source, [`Host::set_source`]), MLDv1 as the
//! oldest version (RFC 3810 §8), queries accepted only from link-local
//! sources (§5.1.14) but to any address of the interface (§5.1.15), the
//! SSM range ff3x::/32 (RFC 4607 §1), and the 1280-octet minimum MTU.

use alloc::vec::Vec;
use core::net::Ipv6Addr;
use core::time::Duration;

use ipv4kit_wire::mld::{
    self, max_mld_len, DoneV1, GroupRecordRepr, MldDatagram, MldEmitError, MldMessage, ReportV1,
    ReportV2Splitter, ALL_MLDV2_ROUTERS, ALL_NODES, ALL_ROUTERS,
};
use rand_core::Rng;

use crate::host::Host;
use crate::protocol::{push_reports, record_reprs, recycle, Received, Record};
use crate::protocol::{Compat, MessageKind, Output, Protocol, QueryInfo};

/// MLD over IPv6 (RFC 2710 MLDv1, RFC 3810 / RFC 9777 MLDv2).
///
/// [`Compat::V2`] is MLDv1 and [`Compat::V3`] MLDv2; there is no MLD
/// counterpart of IGMPv1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Mld;

/// A received MLD message with the IPv6 facts the host checks (RFC 3810
/// §5.1.14): the source address. Build it from a whole datagram
/// (`From<&MldDatagram>`) or, behind a raw ICMPv6 socket, from the message
/// and the sender's address ([`MldRx::new`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MldRx<'a> {
    /// The message, as the wire crate parsed it (checksum verified).
    pub message: MldMessage<'a>,
    /// IPv6 source address.
    pub source: Ipv6Addr,
}

impl<'a> MldRx<'a> {
    /// A message received from `source`.
    pub fn new(message: MldMessage<'a>, source: Ipv6Addr) -> Self {
        MldRx { message, source }
    }
}

impl<'a> From<&MldDatagram<'a>> for MldRx<'a> {
    fn from(d: &MldDatagram<'a>) -> Self {
        MldRx {
            message: d.message,
            source: d.header.src,
        }
    }
}

/// The MLD encoder's scratch space: the record list it reuses and the
/// source address the ICMPv6 checksums cover.
#[derive(Clone, Debug, Default)]
pub struct MldScratch {
    records: Vec<GroupRecordRepr<'static>>,
    source: Option<Ipv6Addr>,
}

/// What [`Host::set_source`] refuses: a source that is neither link-local
/// nor `::` (RFC 3810 §5.2.13, RFC 2710 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NotLinkLocal(pub Ipv6Addr);

impl core::fmt::Display for NotLinkLocal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "MLD source {} is not link-local (RFC 3810 §5.2.13)",
            self.0
        )
    }
}

impl core::error::Error for NotLinkLocal {}

impl<R: Rng> Host<Mld, R> {
    /// Sets the IPv6 source address the host's messages are checksummed for:
    /// the interface's link-local address, or `::` while it has none (RFC
    /// 3810 §5.2.13: a report MAY then be sent from `::`, as Linux does).
    /// Until set, `::` is used. Messages already queued keep their checksum.
    pub fn set_source(&mut self, source: Ipv6Addr) -> Result<(), NotLinkLocal> {
        if !(mld::is_link_local(source) || source.is_unspecified()) {
            return Err(NotLinkLocal(source));
        }
        self.scratch_mut().source = Some(source);
        Ok(())
    }

    /// The source address messages are checksummed for.
    pub fn source(&self) -> Ipv6Addr {
        self.scratch().source.unwrap_or(Ipv6Addr::UNSPECIFIED)
    }
}

fn source(scratch: &MldScratch) -> Ipv6Addr {
    scratch.source.unwrap_or(Ipv6Addr::UNSPECIFIED)
}

impl Protocol for Mld {
    type Addr = Ipv6Addr;
    type Message<'a> = MldRx<'a>;
    type Scratch = MldScratch;

    fn cmp_addr(a: &Ipv6Addr, b: &Ipv6Addr) -> core::cmp::Ordering {
        a.to_bits().cmp(&b.to_bits())
    }

    const ALL_NODES: Ipv6Addr = ALL_NODES;
    const OLDEST: Compat = Compat::V2;
    /// RFC 3810 §9.11: 1 s.
    const UNSOLICITED_REPORT_INTERVAL: Duration = Duration::from_secs(1);
    /// RFC 2710 §7.10: 10 s.
    const OLD_UNSOLICITED_REPORT_INTERVAL: Duration = Duration::from_secs(10);
    /// RFC 3810 §9.2: 125 s.
    const QUERY_INTERVAL: Duration = Duration::from_secs(125);
    /// RFC 3810 §9.3: 10 s.
    const QUERY_RESPONSE_INTERVAL: Duration = Duration::from_secs(10);
    /// RFC 8200 §5.
    const MIN_MTU: usize = 1280;
    const GENERAL_QUERY_TO_ALL_NODES_ONLY: bool = false;

    fn is_multicast(addr: &Ipv6Addr) -> bool {
        addr.is_multicast()
    }

    /// ff3x::/32 (RFC 4607 §1, RFC 4604 §1).
    fn is_default_ssm(addr: &Ipv6Addr) -> bool {
        let s = addr.segments();
        s[0] & 0xfff0 == 0xff30 && s[1] == 0
    }

    fn is_reported(group: &Ipv6Addr) -> bool {
        mld::is_reported(*group)
    }

    fn query_source_ok(msg: &MldRx<'_>) -> bool {
        mld::is_link_local(msg.source)
    }

    fn classify(msg: &MldRx<'_>) -> Received<Ipv6Addr> {
        let group = |g: Ipv6Addr| (!g.is_unspecified()).then_some(g);
        match msg.message {
            // RFC 3810 §8.1: a 24-octet query is MLDv1.
            MldMessage::QueryV1(q) => Received::Query(QueryInfo {
                version: Compat::V2,
                group: group(q.group()),
                num_sources: 0,
                max_resp: q.max_resp_duration(),
                qrv: 0,
                qqi: None,
            }),
            MldMessage::QueryV2(q) => Received::Query(QueryInfo {
                version: Compat::V3,
                group: group(q.group()),
                num_sources: usize::from(q.num_sources()),
                max_resp: q.max_resp_code().duration(),
                qrv: q.qrv(),
                qqi: Some(q.qqic().duration()),
            }),
            MldMessage::ReportV1(r) => Received::OldReport { group: r.group() },
            _ => Received::Other,
        }
    }

    fn query_sources<'a>(msg: &MldRx<'a>) -> impl Iterator<Item = Ipv6Addr> + 'a
    where
        Self: 'a,
    {
        let sources = match msg.message {
            MldMessage::QueryV2(q) => Some(q.sources()),
            _ => None,
        };
        sources.into_iter().flatten()
    }

    fn encode_reports(
        records: &[Record<'_, Ipv6Addr>],
        mtu: usize,
        scratch: &mut MldScratch,
        out: &mut Output<Ipv6Addr>,
    ) {
        let src = source(scratch);
        let reprs = record_reprs(records, core::mem::take(&mut scratch.records));
        let max_len = max_mld_len(mtu);
        let mut splitter = ReportV2Splitter::new(&reprs, max_len, src);
        let is_short = |e: &MldEmitError| matches!(e, MldEmitError::BufferTooShort { .. });
        push_reports(
            &reprs,
            &mut splitter,
            max_len,
            ALL_MLDV2_ROUTERS,
            is_short,
            out,
        );
        scratch.records = recycle(reprs);
    }

    fn encode_old(kind: MessageKind, group: Ipv6Addr, out: &mut Output<Ipv6Addr>) {
        encode_v1(kind, group, Ipv6Addr::UNSPECIFIED, out);
    }

    fn encode_old_with(
        kind: MessageKind,
        group: Ipv6Addr,
        scratch: &mut MldScratch,
        out: &mut Output<Ipv6Addr>,
    ) {
        encode_v1(kind, group, source(scratch), out);
    }
}

/// An MLDv1 Report (to the group) or Done (to ff02::2), RFC 2710 §3, §8.
fn encode_v1(kind: MessageKind, group: Ipv6Addr, src: Ipv6Addr, out: &mut Output<Ipv6Addr>) {
    let (dst, done) = match kind {
        MessageKind::Leave => (ALL_ROUTERS, true),
        _ => (group, false),
    };
    let kind = if done {
        MessageKind::Leave
    } else {
        MessageKind::ReportV2
    };
    out.push_with(dst, kind, mld::MLDV1_LEN, |buf| {
        if done {
            DoneV1 { group }.emit(src, dst, buf)
        } else {
            ReportV1 { group }.emit(src, dst, buf)
        }
        .ok()
    });
}
