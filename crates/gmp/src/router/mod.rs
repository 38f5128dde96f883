//! The router side of RFC 3376 (and, through [`RouterProtocol`], RFC
//! 3810): one [`Router`] per interface keeps the membership state of the
//! link (§6), elects the Querier (§6.6.2), sends General, Group-Specific
//! and Group-and-Source-Specific Queries (§6.6), and falls back for older
//! hosts and queriers (§7.3). Sans-IO like [`Host`](crate::Host): the
//! caller passes the time in, runs [`handle_timeout`](Router::handle_timeout)
//! when [`poll_timeout`](Router::poll_timeout) says, feeds received messages
//! to [`handle_message`](Router::handle_message) and sends what
//! [`poll_transmit`](Router::poll_transmit) writes.
//!
//! ```
//! use core::net::Ipv4Addr;
//! use ipv4kit_gmp::{Igmp, Instant, Router, RouterConfig, RouterRxMeta};
//! use ipv4kit_wire::igmp::{IgmpMessage, ReportV2};
//!
//! let me = Ipv4Addr::new(198, 18, 0, 1);
//! let mut router: Router<Igmp> = Router::new(RouterConfig::new(me), Instant::ZERO);
//! let mut buf = [0u8; 1500];
//! // Startup: the first General Query goes at once (RFC 3376 §6.6.2).
//! router.handle_timeout(Instant::ZERO);
//! let t = router.poll_transmit(&mut buf).unwrap().unwrap();
//! assert_eq!(t.destination, Ipv4Addr::new(224, 0, 0, 1));
//!
//! // An IGMPv2 host reports 239.1.1.1: EXCLUDE {} in IGMPv2 mode (§7.3.2).
//! let mut msg = [0u8; 8];
//! ReportV2 { group: Ipv4Addr::new(239, 1, 1, 1) }.emit(&mut msg).unwrap();
//! let meta = RouterRxMeta {
//!     source: Ipv4Addr::new(198, 18, 0, 2),
//!     destination: Ipv4Addr::new(239, 1, 1, 1),
//!     ttl: 1,
//!     router_alert: true,
//! };
//! router.handle_message(Instant::from_secs(1), &IgmpMessage::parse(&msg).unwrap(), meta);
//! let g = router.group(Ipv4Addr::new(239, 1, 1, 1)).unwrap();
//! assert!(g.forwards(&Ipv4Addr::new(203, 0, 113, 9)));
//! ```

mod config;
mod group;
mod mld;
mod query;
mod table;
mod wire;

pub use config::{Counters, RouterConfig, RouterEvent, RouterRxMeta};
pub use table::{GroupEntry, GroupView, MembershipTable, SourceEntry};
pub use wire::{QuerySpec, RouterProtocol, RouterReceived};

use alloc::collections::btree_map::Entry;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use core::time::Duration;

use group::{Ctx, GroupState};

use crate::filter::RecordType;
use crate::protocol::Compat;
use crate::time::Instant;

/// Events kept for [`Router::poll_event`]; beyond this the oldest go.
pub const MAX_ROUTER_EVENTS: usize = 256;
/// Queries kept for [`Router::poll_transmit`]; beyond this new ones are dropped.
pub const MAX_ROUTER_QUEUED: usize = 1024;

/// A query [`Router::poll_transmit`] wrote into the caller's buffer. Send
/// it to `destination` with TTL 1 and Router Alert (RFC 3376 §4), ToS 0xc0
/// for v3, from the router's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouterTransmit<A> {
    /// 224.0.0.1 for General Queries, the group for specific ones.
    pub destination: A,
    /// The query's version.
    pub version: Compat,
    /// Octets written at the start of the buffer.
    pub len: usize,
}

/// [`Router::poll_transmit`] got a buffer too short; the query stays queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QueryBufferTooShort {
    /// Octets the query needs.
    pub needed: usize,
}

impl core::fmt::Display for QueryBufferTooShort {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "transmit buffer too short: the query needs {} octets",
            self.needed
        )
    }
}

impl core::error::Error for QueryBufferTooShort {}

#[derive(Debug)]
struct Tx<A> {
    bytes: Vec<u8>,
    queue: VecDeque<(A, Compat, u32, u32)>,
    sources: Vec<A>,
}

/// A group address as the groups map's key: in address order, compared
/// with [`Protocol::cmp_addr`](crate::protocol::Protocol::cmp_addr).
struct Key<P: RouterProtocol>(P::Addr);

impl<P: RouterProtocol> Clone for Key<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: RouterProtocol> Copy for Key<P> {}

impl<P: RouterProtocol> PartialEq for Key<P> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<P: RouterProtocol> Eq for Key<P> {}

impl<P: RouterProtocol> PartialOrd for Key<P> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<P: RouterProtocol> Ord for Key<P> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        P::cmp_addr(&self.0, &other.0)
    }
}

impl<P: RouterProtocol> core::fmt::Debug for Key<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

/// A multicast router's view of one interface: RFC 3376 §6 and §7.3, sans-IO.
#[derive(Debug)]
pub struct Router<P: RouterProtocol> {
    config: RouterConfig<P>,
    groups: BTreeMap<Key<P>, GroupState<P::Addr>>,
    is_querier: bool,
    querier: Option<P::Addr>,
    other_querier_until: Option<Instant>,
    general_due: Option<Instant>,
    startup_left: u8,
    version: Compat,
    older_querier_until: Option<Instant>,
    robustness: u8,
    query_interval: Duration,
    next_group_check: Option<Instant>,
    tx: Tx<P::Addr>,
    events: VecDeque<RouterEvent<P::Addr>>,
    counters: Counters,
    scratch: Vec<P::Addr>,
    started: Instant,
}

fn min_opt(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn push_event<A>(events: &mut VecDeque<A>, dropped: &mut u64, e: A) {
    if events.len() >= MAX_ROUTER_EVENTS {
        events.pop_front();
        *dropped += 1;
    }
    events.push_back(e);
}

impl<P: RouterProtocol> Router<P> {
    /// A router starting at `now` as Querier (RFC 3376 §6.6.2: "all routers
    /// start up as a Querier"), its first General Query due at once; or, in
    /// passive mode, a silent listener.
    pub fn new(config: RouterConfig<P>, now: Instant) -> Self {
        let robustness = config.robustness.max(1);
        let passive = config.passive;
        Router {
            is_querier: !passive,
            querier: (!passive).then_some(config.address),
            other_querier_until: None,
            general_due: (!passive).then_some(now),
            startup_left: config.startup_query_count.unwrap_or(robustness).max(1),
            version: config.version,
            older_querier_until: None,
            robustness,
            query_interval: config.query_interval,
            next_group_check: None,
            groups: BTreeMap::new(),
            tx: Tx {
                bytes: Vec::new(),
                queue: VecDeque::new(),
                sources: Vec::new(),
            },
            events: VecDeque::new(),
            counters: Counters::default(),
            scratch: Vec::new(),
            started: now,
            config,
        }
    }

    /// The settings.
    pub fn config(&self) -> &RouterConfig<P> {
        &self.config
    }

    /// Whether this router is the Querier (§6.6.2).
    pub fn is_querier(&self) -> bool {
        self.is_querier
    }

    /// The Querier's address, if known.
    pub fn querier(&self) -> Option<P::Addr> {
        self.querier
    }

    /// The version run as querier now (§7.3.1).
    pub fn version(&self) -> Compat {
        self.version
    }

    /// The Robustness Variable in use (the Querier's QRV when learned).
    pub fn robustness(&self) -> u8 {
        self.robustness
    }

    /// The Query Interval in use (the Querier's QQI when learned).
    pub fn query_interval(&self) -> Duration {
        self.query_interval
    }

    /// [Group Membership Interval] (RFC 3376 §8.4): RV·QI + QRI.
    pub fn group_membership_interval(&self) -> Duration {
        self.query_interval * u32::from(self.robustness) + self.config.query_response_interval
    }

    /// [Other Querier Present Interval] (RFC 3376 §8.5): RV·QI + QRI/2.
    pub fn other_querier_present_interval(&self) -> Duration {
        self.query_interval * u32::from(self.robustness) + self.config.query_response_interval / 2
    }

    /// [Last Member Query Count] (RFC 3376 §8.9).
    pub fn last_member_query_count(&self) -> u8 {
        self.config
            .last_member_query_count
            .unwrap_or(self.robustness)
            .max(1)
    }

    /// [Last Member Query Time] (RFC 3376 §8.10): LMQI·LMQC.
    pub fn last_member_query_time(&self) -> Duration {
        self.config.last_member_query_interval * u32::from(self.last_member_query_count())
    }

    /// [Older Host Present Interval] (RFC 3376 §8.13): RV·QI + QRI.
    pub fn older_host_present_interval(&self) -> Duration {
        self.group_membership_interval()
    }

    fn startup_query_interval(&self) -> Duration {
        self.config
            .startup_query_interval
            .unwrap_or(self.config.query_interval / 4)
    }

    /// Counters of what was refused or ignored, by reason.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Groups with state.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// Source records over all groups.
    pub fn source_count(&self) -> usize {
        self.groups.values().map(|g| g.sources.len()).sum()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<RouterEvent<P::Addr>> {
        self.events.pop_front()
    }

    fn event(&mut self, e: RouterEvent<P::Addr>) {
        push_event(&mut self.events, &mut self.counters.events_dropped, e);
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut t = min_opt(self.other_querier_until, self.older_querier_until);
        if self.is_querier {
            t = min_opt(t, self.general_due);
        }
        min_opt(t, self.next_group_check)
    }

    /// Writes the next query into `buf`.
    pub fn poll_transmit(
        &mut self,
        buf: &mut [u8],
    ) -> Option<Result<RouterTransmit<P::Addr>, QueryBufferTooShort>> {
        let (destination, version, start, len) = *self.tx.queue.front()?;
        let (start, len) = (start as usize, len as usize);
        let Some(dst) = buf.get_mut(..len) else {
            return Some(Err(QueryBufferTooShort { needed: len }));
        };
        dst.copy_from_slice(&self.tx.bytes[start..start + len]);
        self.tx.queue.pop_front();
        if self.tx.queue.is_empty() {
            self.tx.bytes.clear();
        }
        Some(Ok(RouterTransmit {
            destination,
            version,
            len,
        }))
    }

    /// Runs every timer due at `now`: Other Querier Present (§6.6.2), the
    /// General Query timer, group and source timers (§6.3, §6.5), query
    /// retransmissions (§6.6.3), older-host and older-querier timers (§7.3).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.other_querier_until.is_some_and(|t| t <= now) {
            self.other_querier_until = None;
            if self.config.passive {
                self.querier = None;
                self.event(RouterEvent::QuerierChanged {
                    querier: None,
                    is_self: false,
                });
            } else {
                self.become_querier(now);
            }
        }
        if self.older_querier_until.is_some_and(|t| t <= now) {
            self.older_querier_until = None;
            let from = self.version;
            self.version = self.config.version;
            if from != self.version {
                self.event(RouterEvent::QuerierCompatChanged {
                    from,
                    to: self.version,
                });
            }
        }
        if self.is_querier && self.general_due.is_some_and(|t| t <= now) {
            self.send(None, false, self.config.query_response_interval, &[]);
            self.startup_left = self.startup_left.saturating_sub(1);
            let next = if self.startup_left > 0 {
                self.startup_query_interval()
            } else {
                self.query_interval
            };
            self.general_due = Some(now + next);
        }
        if self.next_group_check.is_some_and(|t| t <= now) {
            self.run_group_timers(now);
        }
    }

    fn run_group_timers(&mut self, now: Instant) {
        let mut due_queries = Vec::new();
        let mut dead = Vec::new();
        let mut next = None;
        let events = &mut self.events;
        let dropped = &mut self.counters.events_dropped;
        for (&Key(addr), g) in self.groups.iter_mut() {
            if g.deadline().is_some_and(|t| t <= now) {
                let mut ev = |e| push_event(events, dropped, e);
                if let Some((from, to)) = g.expire(now, addr, &mut ev) {
                    ev(RouterEvent::GroupCompatChanged {
                        group: addr,
                        from,
                        to,
                    });
                }
                if !g.alive() {
                    dead.push(addr);
                    continue;
                }
                if g.query_due.is_some_and(|t| t <= now) {
                    g.query_due = None;
                    due_queries.push(addr);
                }
            }
            next = min_opt(next, g.deadline());
        }
        self.next_group_check = next;
        for addr in dead {
            self.groups.remove(&Key(addr));
            self.event(RouterEvent::GroupExpired { group: addr });
        }
        for addr in due_queries {
            self.send_group_queries(now, addr);
        }
    }

    /// Parses `bytes` (checksums verified, MLD's over the pseudo-header of
    /// `meta`'s addresses) and takes the message; malformed ones are counted.
    pub fn handle_bytes(&mut self, now: Instant, bytes: &[u8], meta: RouterRxMeta<P::Addr>) {
        match P::parse_with(bytes, &meta) {
            Some(msg) => self.handle_message(now, &msg, meta),
            None => self.counters.malformed += 1,
        }
    }

    /// Takes a received message (checksum verified): queries from other
    /// routers drive the election (§6.6.2), the version (§7.3.1) and timer
    /// lowering (§6.6.1); reports, v1/v2 reports and leaves drive the state
    /// (§6.4, §7.3.2). Policy (§9) and caps apply first.
    pub fn handle_message(
        &mut self,
        now: Instant,
        msg: &P::Message<'_>,
        meta: RouterRxMeta<P::Addr>,
    ) {
        self.handle_timeout(now);
        if self.config.require_ttl_1 && meta.ttl != 1 {
            self.counters.bad_ttl += 1;
            return;
        }
        let kind = P::router_classify(msg);
        if matches!(kind, RouterReceived::Other) {
            return;
        }
        if self.config.require_router_alert && !meta.router_alert {
            self.counters.no_router_alert += 1;
            return;
        }
        if !P::source_ok(&meta.source) {
            self.counters.not_link_local += 1;
            return;
        }
        if let RouterReceived::Query {
            version,
            group,
            s_flag,
            qrv,
            qqi,
        } = kind
        {
            self.handle_query(now, msg, meta.source, version, group, s_flag, qrv, qqi);
            return;
        }
        if P::is_unspecified(&meta.source) {
            if !self.config.accept_unspecified_source {
                self.counters.unspecified_source += 1;
                return;
            }
        } else if let Some(prefix) = self.config.subnet_prefix {
            if !P::in_subnet(&meta.source, &self.config.address, prefix) {
                self.counters.off_subnet += 1;
                return;
            }
        }
        match kind {
            RouterReceived::Report => {
                let mut scratch = core::mem::take(&mut self.scratch);
                for (rt, group, sources) in P::records(msg) {
                    let Some(rt) = rt else {
                        self.counters.ignored_records += 1;
                        continue;
                    };
                    scratch.clear();
                    scratch.extend(sources);
                    scratch.sort_unstable();
                    scratch.dedup();
                    self.record(now, meta.source, group, rt, &mut scratch, None);
                }
                self.scratch = scratch;
            }
            RouterReceived::OldReport { version, group } => {
                self.record(
                    now,
                    meta.source,
                    group,
                    RecordType::IsExclude,
                    &mut Vec::new(),
                    Some(version),
                );
            }
            RouterReceived::Leave { group } => {
                self.record(
                    now,
                    meta.source,
                    group,
                    RecordType::ToInclude,
                    &mut Vec::new(),
                    Some(Compat::V2),
                );
            }
            _ => {}
        }
    }

    /// One record (or a v1/v2 report / leave mapped to one, `old` giving
    /// its version) for `group`, after the SSM and compatibility rules.
    fn record(
        &mut self,
        now: Instant,
        reporter: P::Addr,
        group: P::Addr,
        rt: RecordType,
        sources: &mut Vec<P::Addr>,
        old: Option<Compat>,
    ) {
        if !P::is_multicast(&group) || !P::is_reported(&group) {
            self.counters.not_multicast += 1;
            return;
        }
        let ssm = (self.config.ssm_range)(&group);
        if ssm && old.is_some() {
            // RFC 4604 §2.2.2: v1/v2 messages for SSM groups are ignored.
            self.counters.ssm_old += 1;
            return;
        }
        if ssm && matches!(rt, RecordType::IsExclude | RecordType::ToExclude) {
            self.counters.ssm_exclude += 1;
            return;
        }
        // One map lookup per record: the entry serves the compatibility
        // check, the creation rule and the update.
        let groups_len = self.groups.len();
        let gmi = now + self.group_membership_interval();
        let ohpi = now + self.older_host_present_interval();
        let lmqt = now + self.last_member_query_time();
        let lmqc = self.last_member_query_count();
        let querier = self.is_querier && !self.config.passive;
        let max_sources = self.config.max_sources_per_group;
        let entry = self.groups.entry(Key(group));
        // §7.3.2: the group's compatibility mode, after this report's own
        // older-host timer.
        let mut compat = match &entry {
            Entry::Occupied(o) => o.get().compat(),
            Entry::Vacant(_) => Compat::V3,
        }
        .min(self.version);
        if let Some(v) = old.filter(|_| rt == RecordType::IsExclude) {
            compat = compat.min(v);
        }
        match (compat, rt) {
            (Compat::V3, _) => {}
            (Compat::V1, RecordType::ToInclude | RecordType::Block)
            | (Compat::V2, RecordType::Block) => {
                self.counters.ignored_records += 1;
                return;
            }
            (_, RecordType::ToExclude | RecordType::IsExclude) => sources.clear(),
            _ => {}
        }
        let added = matches!(entry, Entry::Vacant(_));
        let state = match entry {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => {
                let creates = matches!(rt, RecordType::IsExclude | RecordType::ToExclude)
                    || !sources.is_empty()
                        && matches!(
                            rt,
                            RecordType::IsInclude | RecordType::Allow | RecordType::ToInclude
                        );
                if !creates {
                    return;
                }
                if groups_len >= self.config.max_groups {
                    self.counters.groups_refused += 1;
                    return;
                }
                v.insert(GroupState::new(now, reporter))
            }
        };
        self.counters.records += 1;
        let events = &mut self.events;
        let dropped = &mut self.counters.events_dropped;
        let mut ev = |e| push_event(events, dropped, e);
        if added {
            ev(RouterEvent::GroupAdded { group });
        }
        let before = state.compat();
        match old {
            Some(Compat::V1) => state.v1_host = Some(ohpi),
            Some(Compat::V2) if rt == RecordType::IsExclude => state.v2_host = Some(ohpi),
            _ => {}
        }
        let after = state.compat();
        if before != after {
            ev(RouterEvent::GroupCompatChanged {
                group,
                from: before,
                to: after,
            });
        }
        let mut cx = Ctx {
            now,
            group,
            reporter,
            gmi,
            lmqt,
            lmqc,
            querier,
            max_sources,
            refused: &mut self.counters.sources_refused,
            events: &mut ev,
        };
        let send = state.apply(&mut cx, rt, sources);
        self.next_group_check = min_opt(self.next_group_check, state.deadline());
        if send {
            self.send_group_queries(now, group);
        }
    }

    /// The state of `group`, if it has any.
    pub fn group(&self, group: P::Addr) -> Option<GroupView<'_, P::Addr>> {
        self.groups.get(&Key(group)).map(|g| GroupView {
            addr: group,
            state: g,
        })
    }

    /// Every group with state, in address order.
    pub fn groups(&self) -> impl Iterator<Item = GroupView<'_, P::Addr>> {
        self.groups
            .iter()
            .map(|(&Key(addr), state)| GroupView { addr, state })
    }

    /// The membership table with the data of RFC 8652 (ietf-igmp-mld), as of `now`.
    pub fn table(&self, now: Instant) -> MembershipTable<P::Addr> {
        table::build(self, now)
    }
}
