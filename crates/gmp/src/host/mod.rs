//! The host side of RFC 3376 (and, through [`Protocol`], RFC 3810): one
//! [`Host`] per interface.
//!
//! Membership calls ([`join`](Host::join), [`set_filter`](Host::set_filter),
//! ...) change per-requester filters (§3.1); the interface state is their
//! merge (§3.2); a change of it queues a State-Change Report (§5.1).
//! [`handle_message`](Host::handle_message) takes queries (§5.2, §7.2);
//! [`handle_timeout`](Host::handle_timeout) runs the timers
//! [`poll_timeout`](Host::poll_timeout) announces;
//! [`poll_transmit`](Host::poll_transmit) hands out encoded messages.

mod timers;
pub use timers::RxMeta;

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::time::Duration;

use rand_core::Rng;

use crate::config::{Config, Error, Event};
use crate::filter::{merge, Filter, FilterMode};
use crate::protocol::{Compat, MessageKind, Output, Protocol, Record};
use crate::time::Instant;

/// Who asked for a filter: a socket, in the kernel's terms (RFC 3376 §3.1's
/// "socket" argument). Any number the caller keeps unique per interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Requester(pub u32);

/// A message [`Host::poll_transmit`] wrote into the caller's buffer.
///
/// Send it in an IPv4 datagram to `destination` with TTL 1 and the Router
/// Alert option (RFC 3376 §4: all IGMP messages a host sends), ToS 0xc0 for
/// IGMPv3 reports ([`MessageKind::Report`]; RFC 3376 §4), source the
/// interface address (or 0.0.0.0, RFC 3376 §4.2.13). For MLD
/// (`Host<Mld, _>`): an ICMPv6 message checksummed for the source set with
/// [`Host::set_source`], to send from that link-local address with hop
/// limit 1 and a hop-by-hop Router Alert (RFC 3810 §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transmit<A> {
    /// IP destination: 224.0.0.22 for v3 reports, the group for v1/v2
    /// reports, 224.0.0.2 for leaves (MLD: ff02::16, the group, ff02::2).
    pub destination: A,
    /// What the message is.
    pub kind: MessageKind,
    /// Octets written at the start of the buffer.
    pub len: usize,
}

/// [`Host::poll_transmit`] was given a buffer too short for the next message,
/// which stays queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BufferTooShort {
    /// Octets the message needs.
    pub needed: usize,
}

impl core::fmt::Display for BufferTooShort {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "transmit buffer too short: the message needs {} octets",
            self.needed
        )
    }
}

impl core::error::Error for BufferTooShort {}

/// Messages kept for [`Host::poll_transmit`]; beyond this, new ones are dropped.
pub const MAX_QUEUED: usize = 4096;
/// Events kept for [`Host::poll_event`]; beyond this, the oldest are dropped.
pub const MAX_EVENTS: usize = 64;

#[derive(Clone, Debug)]
struct Member<A> {
    requester: Requester,
    filter: Filter<A>,
}

/// Per-group state: the requesters' filters, the interface state, and the
/// report machinery of §5.1 and §5.2.
#[derive(Clone, Debug)]
struct Group<A> {
    addr: A,
    members: Vec<Member<A>>,
    /// Interface state (§3.2).
    state: Filter<A>,
    /// Filter Mode Retransmission Counter (§5.1, RFC 3810 §6.1).
    mode_retx: u8,
    /// Retransmission List with Source Retransmission Counters, by source.
    retx: Vec<(A, u8)>,
    /// v3: the group timer of §5.2; v1/v2: the report timer (RFC 2236 §3).
    query_due: Option<Instant>,
    /// Sources recorded for a pending group-and-source response (§5.2).
    query_sources: Vec<A>,
    /// v1/v2 unsolicited reports still to repeat.
    old_retx: u8,
    /// v2: this host sent the last report (RFC 2236 §3: it leaves).
    last_reporter: bool,
}

impl<A: Ord + Copy> Group<A> {
    fn new(addr: A) -> Self {
        Group {
            addr,
            members: Vec::new(),
            state: Filter::none(),
            mode_retx: 0,
            retx: Vec::new(),
            query_due: None,
            query_sources: Vec::new(),
            old_retx: 0,
            last_reporter: false,
        }
    }

    fn idle(&self) -> bool {
        self.members.is_empty() && self.mode_retx == 0 && self.retx.is_empty()
    }

    fn cancel_pending(&mut self) {
        self.query_due = None;
        self.query_sources.clear();
        self.mode_retx = 0;
        self.retx.clear();
        self.old_retx = 0;
    }
}

/// Where a planned record's sources are.
#[derive(Clone, Copy, Debug)]
enum Src {
    /// The interface state of group `i`.
    State(usize),
    /// `plan_sources[start..end]`.
    Scratch(usize, usize),
}

/// A host's group membership on one interface: RFC 3376's host side, sans-IO.
///
/// `P` is the protocol ([`Igmp`](crate::Igmp)), `R` the random number
/// generator the report delays come from (seed it for reproducible runs).
/// See the [crate documentation](crate) for the whole loop.
#[derive(Debug)]
pub struct Host<P: Protocol, R> {
    config: Config<P>,
    rng: R,
    /// Sorted by address.
    groups: Vec<Group<P::Addr>>,
    compat: Compat,
    v1_until: Option<Instant>,
    v2_until: Option<Instant>,
    /// The Interface Timer of §5.2 (pending General-Query response).
    general_due: Option<Instant>,
    /// State-change retransmission timer (one per interface, as in Linux).
    retx_due: Option<Instant>,
    /// A change happened in this call; a State-Change Report is due now.
    change_pending: bool,
    robustness: u8,
    query_interval: Duration,
    query_response_interval: Duration,
    out: Output<P::Addr>,
    scratch: P::Scratch,
    plan: Vec<(crate::RecordType, P::Addr, Src)>,
    plan_sources: Vec<P::Addr>,
    records: Vec<Record<'static, P::Addr>>,
    events: VecDeque<Event>,
    dropped: u64,
}

impl<P: Protocol, R: Rng> Host<P, R> {
    /// A host with no groups, in the newest mode (or `config.force_version`).
    pub fn new(config: Config<P>, rng: R) -> Self {
        let robustness = config.robustness.max(1);
        Host {
            compat: config.force_version.unwrap_or(Compat::V3).max(P::OLDEST),
            config,
            rng,
            groups: Vec::new(),
            v1_until: None,
            v2_until: None,
            general_due: None,
            retx_due: None,
            change_pending: false,
            robustness,
            query_interval: P::QUERY_INTERVAL,
            query_response_interval: P::QUERY_RESPONSE_INTERVAL,
            out: Output::default(),
            scratch: P::Scratch::default(),
            plan: Vec::new(),
            plan_sources: Vec::new(),
            records: Vec::new(),
            events: VecDeque::new(),
            dropped: 0,
        }
    }

    /// The encoder's scratch space (MLD keeps its source address there).
    pub(crate) fn scratch_mut(&mut self) -> &mut P::Scratch {
        &mut self.scratch
    }

    /// The encoder's scratch space.
    pub(crate) fn scratch(&self) -> &P::Scratch {
        &self.scratch
    }

    /// The settings.
    pub fn config(&self) -> &Config<P> {
        &self.config
    }

    /// Host Compatibility Mode (RFC 3376 §7.2.1).
    pub fn compat(&self) -> Compat {
        self.compat
    }

    /// The Robustness Variable in use (configured, or learned from queries).
    pub fn robustness(&self) -> u8 {
        self.robustness
    }

    /// Interface state of `group` (§3.2); `None` when no requester has it.
    pub fn interface_state(&self, group: P::Addr) -> Option<&Filter<P::Addr>> {
        self.find(group)
            .ok()
            .map(|i| &self.groups[i])
            .filter(|g| !g.members.is_empty())
            .map(|g| &g.state)
    }

    /// Every group with members and its interface state, by address.
    pub fn groups(&self) -> impl Iterator<Item = (P::Addr, &Filter<P::Addr>)> {
        self.groups
            .iter()
            .filter(|g| !g.members.is_empty())
            .map(|g| (g.addr, &g.state))
    }

    /// The filter `requester` holds for `group`, if any (§3.1).
    pub fn socket_filter(&self, requester: Requester, group: P::Addr) -> Option<&Filter<P::Addr>> {
        let g = &self.groups[self.find(group).ok()?];
        g.members
            .iter()
            .find(|m| m.requester == requester)
            .map(|m| &m.filter)
    }

    /// Groups the engine keeps state for (members, or retransmissions pending).
    pub fn tracked_groups(&self) -> usize {
        self.groups.len()
    }

    /// Messages dropped because the output queue was full ([`MAX_QUEUED`]).
    pub fn dropped_messages(&self) -> u64 {
        self.dropped
    }

    /// Any-source join (RFC 3678 `IP_ADD_MEMBERSHIP`): `EXCLUDE {}`.
    pub fn join(
        &mut self,
        now: Instant,
        requester: Requester,
        group: P::Addr,
    ) -> Result<(), Error> {
        self.update(now, requester, group, |f| match f {
            Some(_) => Err(Error::AlreadyMember),
            None => Ok(Filter::new(FilterMode::Exclude, Vec::new())),
        })
    }

    /// Leave (RFC 3678 `IP_DROP_MEMBERSHIP`): drops the requester's filter,
    /// whatever its mode.
    pub fn leave(
        &mut self,
        now: Instant,
        requester: Requester,
        group: P::Addr,
    ) -> Result<(), Error> {
        self.update(now, requester, group, |f| match f {
            Some(_) => Ok(Filter::none()),
            None => Err(Error::NotMember),
        })
    }

    /// Source-specific join (`IP_ADD_SOURCE_MEMBERSHIP`): adds `source` to an
    /// INCLUDE filter, creating it.
    pub fn join_source(
        &mut self,
        now: Instant,
        requester: Requester,
        group: P::Addr,
        source: P::Addr,
    ) -> Result<(), Error> {
        self.update(now, requester, group, |f| match f {
            None => Ok(Filter::new(FilterMode::Include, alloc::vec![source])),
            Some(f) if f.mode == FilterMode::Include => with(f, source, true),
            Some(_) => Err(Error::ModeMismatch),
        })
    }

    /// Source-specific leave (`IP_DROP_SOURCE_MEMBERSHIP`): removes `source`
    /// from an INCLUDE filter (the last one drops the filter).
    pub fn leave_source(
        &mut self,
        now: Instant,
        requester: Requester,
        group: P::Addr,
        source: P::Addr,
    ) -> Result<(), Error> {
        self.update(now, requester, group, |f| match f {
            None => Err(Error::NotMember),
            Some(f) if f.mode == FilterMode::Include => with(f, source, false),
            Some(_) => Err(Error::ModeMismatch),
        })
    }

    /// Block a source (`IP_BLOCK_SOURCE`) in an EXCLUDE filter.
    pub fn block(
        &mut self,
        now: Instant,
        requester: Requester,
        group: P::Addr,
        source: P::Addr,
    ) -> Result<(), Error> {
        self.update(now, requester, group, |f| match f {
            None => Err(Error::NotMember),
            Some(f) if f.mode == FilterMode::Exclude => with(f, source, true),
            Some(_) => Err(Error::ModeMismatch),
        })
    }

    /// Unblock a source (`IP_UNBLOCK_SOURCE`) of an EXCLUDE filter.
    pub fn unblock(
        &mut self,
        now: Instant,
        requester: Requester,
        group: P::Addr,
        source: P::Addr,
    ) -> Result<(), Error> {
        self.update(now, requester, group, |f| match f {
            None => Err(Error::NotMember),
            Some(f) if f.mode == FilterMode::Exclude => with(f, source, false),
            Some(_) => Err(Error::ModeMismatch),
        })
    }

    /// Full-state call (RFC 3376 §3.1 `IPMulticastListen`, RFC 3678
    /// `setsourcefilter`): replaces the requester's filter; `INCLUDE {}`
    /// deletes it.
    pub fn set_filter(
        &mut self,
        now: Instant,
        requester: Requester,
        group: P::Addr,
        mode: FilterMode,
        sources: &[P::Addr],
    ) -> Result<(), Error> {
        let filter = Filter::new(mode, sources.to_vec());
        self.update(now, requester, group, move |_| Ok(filter))
    }

    /// Drops every filter of `requester` (the socket closed), with one report.
    pub fn leave_all(&mut self, now: Instant, requester: Requester) {
        for i in 0..self.groups.len() {
            let g = &mut self.groups[i];
            let before = g.members.len();
            g.members.retain(|m| m.requester != requester);
            if g.members.len() != before {
                self.recompute(now, i);
            }
        }
        self.finish(now);
    }

    fn find(&self, group: P::Addr) -> Result<usize, usize> {
        self.groups.binary_search_by(|g| g.addr.cmp(&group))
    }

    /// Applies `change` to the requester's filter (`None`: absent; a
    /// result of `INCLUDE {}` deletes), checks the limits, recomputes the
    /// interface state and queues what the change calls for.
    fn update(
        &mut self,
        now: Instant,
        requester: Requester,
        group: P::Addr,
        change: impl FnOnce(Option<&Filter<P::Addr>>) -> Result<Filter<P::Addr>, Error>,
    ) -> Result<(), Error> {
        if !P::is_multicast(&group) {
            return Err(Error::NotMulticast);
        }
        let found = self.find(group);
        let current = found.ok().and_then(|i| {
            self.groups[i]
                .members
                .iter()
                .position(|m| m.requester == requester)
        });
        let filter = change(current.map(|m| &self.groups[found.unwrap_or(0)].members[m].filter))?;
        if filter.sources.len() > self.config.max_sources_per_filter {
            return Err(Error::TooManySources {
                limit: self.config.max_sources_per_filter,
            });
        }
        if filter.mode == FilterMode::Exclude
            && self.config.refuse_ssm_exclude
            && (self.config.ssm_range)(&group)
        {
            return Err(Error::SsmExclude);
        }
        if current.is_none() && !filter.is_none() {
            let held = self
                .groups
                .iter()
                .filter(|g| g.members.iter().any(|m| m.requester == requester))
                .count();
            if held >= self.config.max_groups_per_requester {
                return Err(Error::TooManyGroups {
                    limit: self.config.max_groups_per_requester,
                });
            }
            let live = self.groups.iter().filter(|g| !g.members.is_empty()).count();
            let has_members = found.is_ok_and(|i| !self.groups[i].members.is_empty());
            if !has_members && live >= self.config.max_groups {
                return Err(Error::TooManyGroups {
                    limit: self.config.max_groups,
                });
            }
        }
        let i = match found {
            Ok(i) => i,
            Err(_) if filter.is_none() => return Ok(()),
            Err(i) => {
                if self.groups.len() == self.groups.capacity() {
                    // Grow by half, not double: many engines in one process.
                    self.groups.reserve_exact(1 + self.groups.len() / 2);
                }
                self.groups.insert(i, Group::new(group));
                i
            }
        };
        let members = &mut self.groups[i].members;
        match (current, filter.is_none()) {
            (Some(m), true) => {
                members.remove(m);
            }
            (Some(m), false) => members[m].filter = filter,
            (None, true) => {}
            (None, false) => {
                members.reserve_exact(1);
                members.push(Member { requester, filter });
            }
        }
        self.recompute(now, i);
        self.finish(now);
        Ok(())
    }

    /// Recomputes group `i`'s interface state (§3.2) and, if it changed,
    /// does what §5.1 (v3) or RFC 2236 §3 (v1/v2) asks.
    fn recompute(&mut self, now: Instant, i: usize) {
        let rv = self.robustness;
        let g = &mut self.groups[i];
        let new = merge(g.members.iter().map(|m| &m.filter));
        if new == g.state {
            return;
        }
        let old = core::mem::replace(&mut g.state, new);
        if !P::is_reported(&g.addr) {
            return;
        }
        match self.compat {
            Compat::V3 => {
                if old.mode != g.state.mode {
                    // The filter-mode record carries the whole state: pending
                    // source changes are in it (Linux clears them too).
                    g.mode_retx = rv;
                    g.retx.clear();
                } else {
                    let (a, b) = (&old.sources, &g.state.sources);
                    for s in a
                        .iter()
                        .filter(|s| b.binary_search(s).is_err())
                        .chain(b.iter().filter(|s| a.binary_search(s).is_err()))
                    {
                        match g.retx.binary_search_by(|(x, _)| x.cmp(s)) {
                            Ok(k) => g.retx[k].1 = rv,
                            Err(k) => g.retx.insert(k, (*s, rv)),
                        }
                    }
                }
                self.change_pending = true;
            }
            old_mode => {
                let kind = if old_mode == Compat::V1 {
                    MessageKind::ReportV1
                } else {
                    MessageKind::ReportV2
                };
                if old.is_none() {
                    // RFC 2236 §3: report at once, repeat after a random
                    // delay; [RV] reports in all, `old_retx` counts those
                    // after the next timer run.
                    g.last_reporter = true;
                    g.old_retx = rv.saturating_sub(2);
                    g.query_due = None;
                    P::encode_old_with(kind, g.addr, &mut self.scratch, &mut self.out);
                    if rv > 1 {
                        let d = random_delay(
                            &mut self.rng,
                            self.config.old_unsolicited_report_interval,
                        );
                        self.groups[i].query_due = Some(now + d);
                    }
                } else if g.state.is_none() {
                    if old_mode == Compat::V2 && g.last_reporter {
                        P::encode_old_with(
                            MessageKind::Leave,
                            g.addr,
                            &mut self.scratch,
                            &mut self.out,
                        );
                    }
                    g.cancel_pending();
                }
            }
        }
    }

    /// Ends a membership call: sends the State-Change Report now (§5.1:
    /// immediately, merged with what is pending), drops idle groups.
    fn finish(&mut self, now: Instant) {
        if core::mem::take(&mut self.change_pending) {
            self.send_state_change(now);
        }
        self.groups.retain(|g| !g.idle());
        self.cap_queue();
    }

    /// Writes the next queued message into `buf` and returns what it is;
    /// `None` when nothing is queued.
    pub fn poll_transmit(
        &mut self,
        buf: &mut [u8],
    ) -> Option<Result<Transmit<P::Addr>, BufferTooShort>> {
        let q = *self.out.queue.front()?;
        let (start, len) = (q.start as usize, q.len as usize);
        let Some(dst) = buf.get_mut(..len) else {
            return Some(Err(BufferTooShort { needed: len }));
        };
        dst.copy_from_slice(&self.out.bytes[start..start + len]);
        self.out.queue.pop_front();
        if self.out.queue.is_empty() {
            self.out.bytes.clear();
        }
        Some(Ok(Transmit {
            destination: q.destination,
            kind: q.kind,
            len,
        }))
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn event(&mut self, e: Event) {
        if self.events.len() >= MAX_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(e);
    }

    fn cap_queue(&mut self) {
        while self.out.queue.len() > MAX_QUEUED {
            if let Some(q) = self.out.queue.pop_back() {
                self.out.bytes.truncate(q.start as usize);
                self.dropped += 1;
            }
        }
    }

    /// Encodes the planned records as reports and clears the plan.
    fn emit_plan(&mut self) {
        if self.plan.is_empty() {
            return;
        }
        let mut records: Vec<Record<'_, P::Addr>> =
            crate::protocol::recycle(core::mem::take(&mut self.records));
        records.reserve_exact(self.plan.len());
        for &(record_type, group, src) in &self.plan {
            let sources = match src {
                Src::State(i) => &self.groups[i].state.sources[..],
                Src::Scratch(a, b) => &self.plan_sources[a..b],
            };
            records.push(Record {
                record_type,
                group,
                sources,
            });
        }
        P::encode_reports(
            &records,
            self.config.mtu.max(P::MIN_MTU),
            &mut self.scratch,
            &mut self.out,
        );
        self.records = crate::protocol::recycle(records);
        self.plan.clear();
        self.plan_sources.clear();
        self.cap_queue();
    }
}

/// `f` with `source` added (`add`) or removed; an error if that changes nothing.
fn with<A: Ord + Copy>(f: &Filter<A>, source: A, add: bool) -> Result<Filter<A>, Error> {
    let mut sources = f.sources.clone();
    match (sources.binary_search(&source), add) {
        (Err(k), true) => sources.insert(k, source),
        (Ok(k), false) => {
            sources.remove(k);
        }
        _ => return Err(Error::Source),
    }
    Ok(Filter {
        mode: f.mode,
        sources,
    })
}

/// A delay chosen at random in [0, max).
fn random_delay<R: Rng>(rng: &mut R, max: Duration) -> Duration {
    let n = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    if n == 0 {
        Duration::ZERO
    } else {
        Duration::from_nanos(rng.next_u64() % n)
    }
}

/// `v.push(x)`, growing by half instead of doubling (and from 1, not 4):
/// scratch vectors stay the size the host needs.
pub(crate) fn push_exact<T>(v: &mut Vec<T>, x: T) {
    if v.len() == v.capacity() {
        v.reserve_exact(1 + v.len() / 2);
    }
    v.push(x);
}
