//! IGMP or MLD on one link: the passive router engine fed with the
//! capture's messages, and what the analysis tracks beside it (queriers,
//! holders per group, latencies) and checks (the violations).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use ipv4kit_capture::model::Gmp;
use ipv4kit_gmp::router::RouterProtocol;
use ipv4kit_gmp::{FilterMode, Instant, Router, RouterConfig, RouterEvent, RouterRxMeta};
use smallvec::SmallVec;

use crate::addr::{Addr, Rule};
use crate::report::{
    Answers, EngineCounts, GroupReport, Holder, JoinLatency, Latency, LeaveLatency, Messages,
    ProtocolReport, QuerierPeriod, QuerierReport, Stats, Table, TableGroup, TableSource,
    TimelineEntry,
};
use crate::{Env, MAX_GROUPS, MAX_HOLDERS, MAX_LATENCIES, MAX_PERIODS, MAX_QUERIERS, MAX_TIMELINE};

#[path = "checks.rs"]
pub(crate) mod checks;

/// Sources kept per holder.
const MAX_HOLDER_SOURCES: usize = 64;
/// Slack for clock and scheduling jitter in the timing checks.
const SLACK: Duration = Duration::from_millis(500);
/// Query Interval when none is announced (RFC 3376 §8.2, RFC 3810 §9.2).
const DEFAULT_QI: Duration = Duration::from_secs(125);
/// Query Response Interval when none is known (RFC 3376 §8.3).
const DEFAULT_QRI: Duration = Duration::from_secs(10);

/// One message of the family, with what the IP header said.
pub(crate) struct Msg<'a, A> {
    pub(crate) frame: u64,
    pub(crate) now: Instant,
    pub(crate) src: A,
    pub(crate) dst: A,
    pub(crate) ttl: u8,
    /// The Router Alert value, if the option is there.
    pub(crate) router_alert: Option<u16>,
    pub(crate) gmp: &'a Gmp<A>,
    /// The message's octets (IP payload up to its length).
    pub(crate) raw: &'a [u8],
}

struct QTrack {
    first: Instant,
    last: Instant,
    versions: u8,
    general: u64,
    specific: u64,
    startup: u64,
    qrv: Option<u8>,
    qqi_s: Option<u32>,
    mrt_ms: Option<u32>,
    lmq_ms: Option<u32>,
    intervals: Stats,
    last_general: Option<Instant>,
    run_start: Instant,
    run_general: u32,
    /// (Max Resp ms, QQI s) already flagged by the Max Resp rule, and the
    /// QQI already flagged by the interval rule: one violation per setting.
    flagged_mrt: Option<(u32, u32)>,
    flagged_qqi: Option<u32>,
}

impl QTrack {
    /// [Other Querier Present Interval] from what it announced (RFC 3376 §8.5).
    fn oqpi(&self) -> Duration {
        let rv = u32::from(self.qrv.filter(|&r| r > 0).unwrap_or(2));
        let qi = self.qi();
        let qri = self
            .mrt_ms
            .map_or(DEFAULT_QRI, |m| Duration::from_millis(u64::from(m)));
        qi * rv + qri / 2
    }

    fn qi(&self) -> Duration {
        self.qqi_s
            .filter(|&q| q > 0)
            .map_or(DEFAULT_QI, |q| Duration::from_secs(u64::from(q)))
    }
}

struct Period<A> {
    querier: Option<A>,
    from: Instant,
    frame: Option<u64>,
}

struct HState<A> {
    exclude: bool,
    version: u8,
    sources: Sources<A>,
    since: Instant,
    last: Instant,
}

/// A holder's sources, sorted: nothing on the heap when there are none
/// (most holders), one thin pointer otherwise, so that a group's usual
/// single holder fits in its `GTrack`'s cache line (a `Vec` or a boxed
/// slice takes two or three words).
#[derive(Clone, PartialEq, Eq)]
#[allow(clippy::box_collection)]
struct Sources<A>(Option<Box<Vec<A>>>);

impl<A> Sources<A> {
    fn new(v: Vec<A>) -> Self {
        Sources((!v.is_empty()).then(|| Box::new(v)))
    }

    fn as_slice(&self) -> &[A] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

/// A leave waiting for its outcome (boxed: read only by a query for the
/// group and at the outcome).
struct PendingLeave<A> {
    host: A,
    at: Instant,
    frame: u64,
    queries: u64,
    first_query: Option<Instant>,
}

/// What the analysis reads and writes for every report of a group: one
/// cache line for IGMP (64 octets, aligned; two for MLD's longer
/// addresses). The rest is in its [`GCold`].
#[repr(C, align(64))]
struct GTrack<A> {
    /// Messages about the group, modulo 2^32 (`GCold::messages_carry`
    /// has the rest).
    messages: u32,
    /// Its place in `Groups::hot` and `Groups::cold`, and the key of its
    /// entries in `Family::timeline`.
    id: u16,
    /// Its entries in `Family::timeline` (at most `MAX_TIMELINE`).
    timeline_len: u8,
    pending_leave: Option<Box<PendingLeave<A>>>,
    holders: Holders<A>,
}

// One cache line for IGMP.
const _: () = assert!(std::mem::size_of::<GTrack<std::net::Ipv4Addr>>() == 64);
// `GTrack::id` and `GTrack::timeline_len` count to these.
const _: () = assert!(MAX_GROUPS <= u16::MAX as usize + 1);
const _: () = assert!(MAX_TIMELINE <= u8::MAX as usize);

/// What the analysis keeps per group beside its [`GTrack`], read on a
/// join, a data packet or at the end.
struct GCold {
    first: Instant,
    messages_carry: u64,
    hosts_seen: u64,
    timeline_dropped: u64,
    pending_join: Option<(Instant, u64)>,
}

impl GCold {
    fn messages<A>(&self, t: &GTrack<A>) -> u64 {
        self.messages_carry + u64::from(t.messages)
    }
}

/// The tracked groups (at most `MAX_GROUPS`; none is ever dropped, so ids
/// are `0..len`): an index by address, hashed with foldhash, into the
/// per-group state in two lists. A capture that cycles through thousands
/// of groups misses the cache about once per report here (the index stays
/// in cache), and 4096 groups' `GTrack`s (256 KiB for IGMP) fit in a
/// 1 MiB cache beside the engine's own state.
struct Groups<A> {
    index: HashMap<A, u16, foldhash::fast::RandomState>,
    hot: Vec<GTrack<A>>,
    cold: Vec<GCold>,
    /// Groups not tracked because `MAX_GROUPS` were.
    untracked: u64,
}

impl<A: Addr> Groups<A> {
    fn new() -> Self {
        Groups {
            index: HashMap::default(),
            hot: Vec::new(),
            cold: Vec::new(),
            untracked: 0,
        }
    }

    fn id(&self, group: &A) -> Option<usize> {
        self.index.get(group).map(|&i| usize::from(i))
    }

    fn get(&self, group: &A) -> Option<&GTrack<A>> {
        self.hot.get(self.id(group)?)
    }

    fn get_mut(&mut self, group: &A) -> Option<(&mut GTrack<A>, &mut GCold)> {
        let i = self.id(group)?;
        Some((self.hot.get_mut(i)?, self.cold.get_mut(i)?))
    }

    /// The group's state, made if it is new and there is room.
    fn track(&mut self, group: A, now: Instant) -> Option<(&mut GTrack<A>, &mut GCold)> {
        let i = match self.index.entry(group) {
            Entry::Occupied(o) => usize::from(*o.get()),
            Entry::Vacant(e) => {
                let id = match u16::try_from(self.hot.len()) {
                    Ok(id) if self.hot.len() < MAX_GROUPS => id,
                    _ => {
                        self.untracked += 1;
                        return None;
                    }
                };
                e.insert(id);
                self.hot.push(GTrack {
                    messages: 0,
                    id,
                    timeline_len: 0,
                    pending_leave: None,
                    holders: Holders(SmallVec::new()),
                });
                self.cold.push(GCold {
                    first: now,
                    messages_carry: 0,
                    hosts_seen: 0,
                    timeline_dropped: 0,
                    pending_join: None,
                });
                self.hot.len() - 1
            }
        };
        Some((self.hot.get_mut(i)?, self.cold.get_mut(i)?))
    }
}

/// A group's holders by address: sorted, at most `MAX_HOLDERS`. Most groups
/// have one, kept inline: looking it up then touches no other memory (a
/// B-tree node, or a `Vec`'s heap block, is one more cache miss per report
/// when a capture cycles through thousands of groups).
struct Holders<A>(SmallVec<[(A, HState<A>); 1]>);

impl<A: Ord + Copy> Holders<A> {
    fn get_mut(&mut self, host: &A) -> Option<&mut HState<A>> {
        let i = self.0.binary_search_by(|(a, _)| a.cmp(host)).ok()?;
        Some(&mut self.0[i].1)
    }

    fn insert(&mut self, host: A, state: HState<A>) {
        match self.0.binary_search_by(|(a, _)| a.cmp(&host)) {
            Ok(i) => self.0[i].1 = state,
            Err(i) => self.0.insert(i, (host, state)),
        }
    }

    fn remove(&mut self, host: &A) {
        if let Ok(i) = self.0.binary_search_by(|(a, _)| a.cmp(host)) {
            self.0.remove(i);
        }
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn clear(&mut self) {
        self.0.clear();
    }

    /// In address order.
    fn iter(&self) -> impl Iterator<Item = (&A, &HState<A>)> {
        self.0.iter().map(|(a, s)| (a, s))
    }
}

/// A timeline entry as kept during the analysis: a third of the size of
/// the [`TimelineEntry`] it becomes at the end (a capture of thousands of
/// busy groups keeps `MAX_TIMELINE` of these for each).
struct Change<A> {
    at: Instant,
    frame: u64,
    event: Event,
    host: Option<A>,
    /// The filter mode after the change, `None` when the host left.
    exclude: Option<bool>,
    sources: Box<[A]>,
    version: Option<u8>,
    holders: u16,
}

impl<A: Addr> Change<A> {
    fn entry(self, env: &Env<'_>) -> TimelineEntry {
        TimelineEntry {
            time: env.clock.at(self.at),
            frame: self.frame,
            event: self.event.name(),
            host: self.host.map(Into::into),
            filter_mode: self.exclude.map(|x| if x { "exclude" } else { "include" }),
            sources: self.sources.iter().map(|&a| a.into()).collect(),
            version: self.version,
            holders: usize::from(self.holders),
        }
    }
}

/// What a timeline entry says happened.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Event {
    Join,
    Change,
    Leave,
    Expired,
}

impl Event {
    fn name(self) -> &'static str {
        match self {
            Event::Join => "join",
            Event::Change => "change",
            Event::Leave => "leave",
            Event::Expired => "expired",
        }
    }
}

/// What a report says about one host's membership of one group.
enum Op<'a, A> {
    Exclude(&'a [A]),
    Include(&'a [A]),
    Allow(&'a [A]),
    Block(&'a [A]),
}

#[derive(Clone, Copy)]
struct LastQuery<A> {
    at: Instant,
    mrt: Duration,
    source: A,
}

/// IGMP or MLD on one link.
pub(crate) struct Family<P: RouterProtocol>
where
    P::Addr: Addr,
{
    router: Router<P>,
    messages: Messages,
    queriers: BTreeMap<P::Addr, QTrack>,
    periods: Vec<Period<P::Addr>>,
    last_known: Option<P::Addr>,
    elections: u64,
    takeovers: u64,
    groups: Groups<P::Addr>,
    /// The last Group-Specific Query of each tracked group since the last
    /// General Query (a General Query makes them all older than itself,
    /// so it empties this): few at a time, and kept out of `GTrack`.
    last_specific: HashMap<P::Addr, (Instant, Duration), foldhash::fast::RandomState>,
    /// Every group's timeline entries, in the order they happened, each
    /// with its group's `GTrack::id`: appended in one place rather than at
    /// the end of a list per group (a capture cycling through thousands of
    /// groups would miss the cache on each of those ends); sorted out by
    /// group at the end.
    timeline: Vec<(u16, Change<P::Addr>)>,
    last_general: Option<LastQuery<P::Addr>>,
    /// The last General Query of version 1 and 2 (IGMP) or 1 (MLD).
    older: [Option<LastQuery<P::Addr>>; 2],
    /// The last General Query of each version, from any router.
    by_version: [Option<LastQuery<P::Addr>>; 3],
    /// (router, other router) pairs already flagged for mixed versions.
    mixed_flagged: Vec<(P::Addr, P::Addr)>,
    latency: Latency,
    answers: Answers,
    snapshot: Option<Table>,
    /// The checks across messages (`checks.rs`).
    checks: checks::Checks<P::Addr>,
}

fn ms(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

impl<P: RouterProtocol> Family<P>
where
    P::Addr: Addr,
{
    pub(crate) fn new(now: Instant) -> Self {
        let mut config = RouterConfig::<P>::new(<P::Addr as Addr>::UNSPECIFIED);
        config.passive = true;
        config.max_groups = MAX_GROUPS;
        // MLD routers discard messages without Router Alert (RFC 3810 §5,
        // §10); IGMP ones accept them (IGMPv1 hosts send none).
        config.require_router_alert = <P::Addr as Addr>::PROTOCOL == "mld";
        Family {
            router: Router::new(config, now),
            messages: Messages::default(),
            queriers: BTreeMap::new(),
            periods: Vec::new(),
            last_known: None,
            elections: 0,
            takeovers: 0,
            groups: Groups::new(),
            last_specific: HashMap::default(),
            timeline: Vec::new(),
            last_general: None,
            older: [None, None],
            by_version: [None, None, None],
            mixed_flagged: Vec::new(),
            latency: Latency::default(),
            answers: Answers::default(),
            snapshot: None,
            checks: checks::Checks::default(),
        }
    }

    /// Runs the engine's timers up to `now`, each at its own deadline so
    /// that expiries get their true times.
    pub(crate) fn advance(&mut self, env: &mut Env<'_>, now: Instant) {
        for _ in 0..100_000 {
            match self.router.poll_timeout() {
                Some(t) if t <= now => {
                    self.router.handle_timeout(t);
                    self.drain(env, t, None);
                }
                _ => return,
            }
        }
    }

    fn drain(&mut self, env: &mut Env<'_>, now: Instant, frame: Option<u64>) {
        while let Some(e) = self.router.poll_event() {
            match e {
                RouterEvent::QuerierChanged { querier, .. } => {
                    self.checks.querier_changed(now);
                    if let Some(q) = querier {
                        self.elections += 1;
                        if self.last_known.is_some_and(|l| l != q) {
                            self.takeovers += 1;
                        }
                        self.last_known = Some(q);
                    }
                    if self.periods.len() < MAX_PERIODS {
                        self.periods.push(Period {
                            querier,
                            from: now,
                            frame: frame.filter(|_| querier.is_some()),
                        });
                    }
                }
                RouterEvent::GroupExpired { group } => self.expired(env, now, group),
                _ => {}
            }
        }
    }

    fn expired(&mut self, env: &mut Env<'_>, now: Instant, group: P::Addr) {
        let Some((g, c)) = self.groups.get_mut(&group) else {
            return;
        };
        if !g.holders.is_empty() {
            g.holders.clear();
            push_timeline(&mut self.timeline, g, c, |_| Change {
                at: now,
                frame: 0,
                event: Event::Expired,
                host: None,
                exclude: None,
                sources: Box::default(),
                version: None,
                holders: 0,
            });
        }
        c.pending_join = None;
        if let Some(p) = g.pending_leave.take() {
            let entry = leave_entry(env, group, *p, "removed", Some(now));
            push_latency(&mut self.latency.leaves, &mut self.latency.dropped, entry);
        }
    }

    fn violate(&self, env: &mut Env<'_>, m: &Msg<'_, P::Addr>, rule: Rule, v: u8, reason: String) {
        env.violation(
            m.frame,
            m.now,
            m.src.into(),
            <P::Addr as Addr>::rfc(rule, v),
            reason,
        );
    }

    /// A message whose length the RFC says to ignore (a 9–11-octet IGMP
    /// query, an MLD query neither 24 nor 28+ octets).
    pub(crate) fn bad_length(
        &mut self,
        env: &mut Env<'_>,
        frame: u64,
        now: Instant,
        src: P::Addr,
        len: usize,
    ) {
        self.advance(env, now);
        self.messages.other += 1;
        env.violation(
            frame,
            now,
            src.into(),
            <P::Addr as Addr>::rfc(Rule::QueryLength, <P::Addr as Addr>::NEWEST),
            format!("query of {len} octets: neither a v1/v2 nor a v3 length, to be ignored"),
        );
    }

    /// A data packet to `group`.
    pub(crate) fn data(&mut self, env: &mut Env<'_>, frame: u64, now: Instant, group: P::Addr) {
        let Some((_, c)) = self.groups.get_mut(&group) else {
            return;
        };
        self.messages.data += 1;
        if let Some((at, jframe)) = c.pending_join.take() {
            let entry = JoinLatency {
                group: group.into(),
                frame: jframe,
                time: env.clock.at(at),
                data_frame: frame,
                data_after_s: secs(now.saturating_duration_since(at)),
            };
            push_latency(&mut self.latency.joins, &mut self.latency.dropped, entry);
        }
    }

    /// One IGMP or MLD message.
    pub(crate) fn message(&mut self, env: &mut Env<'_>, m: &Msg<'_, P::Addr>) {
        self.advance(env, m.now);
        self.checks_due(env, m.now);
        let g = m.gmp;
        let v = g.version.unwrap_or(0);
        let known = matches!(g.kind, "query" | "report" | "leave" | "done");
        if !known {
            self.messages.other += 1;
            return;
        }
        if m.ttl != 1 {
            let what = if <P::Addr as Addr>::PROTOCOL == "igmp" {
                "TTL"
            } else {
                "hop limit"
            };
            self.violate(
                env,
                m,
                Rule::Encapsulation,
                v,
                format!("{what} {}, not 1", m.ttl),
            );
        }
        let needs_ra = !(<P::Addr as Addr>::PROTOCOL == "igmp" && v == 1);
        match m.router_alert {
            None if needs_ra => self.violate(
                env,
                m,
                Rule::Encapsulation,
                v,
                "no Router Alert option".into(),
            ),
            Some(x) if x != 0 && needs_ra => self.violate(
                env,
                m,
                Rule::Encapsulation,
                v,
                format!("Router Alert value {x}, not 0"),
            ),
            _ => {}
        }
        if g.checksum_ok == Some(false) {
            let rule = if g.kind == "report" && v == <P::Addr as Addr>::NEWEST {
                Rule::ReportChecksum
            } else {
                Rule::Checksum
            };
            let rfc = <P::Addr as Addr>::rfc(rule, v);
            env.violation(
                m.frame,
                m.now,
                m.src.into(),
                rfc,
                format!(
                    "bad checksum 0x{:04x} (should be 0x{:04x}): the message is to be discarded",
                    g.checksum.unwrap_or(0),
                    g.checksum_computed.unwrap_or(0)
                ),
            );
            self.messages.other += 1;
            return;
        }
        let general = g.group.is_none_or(|a| a == <P::Addr as Addr>::UNSPECIFIED);
        match g.kind {
            "query" => self.query(env, m, v, general),
            "report" => self.report(env, m, v),
            _ => self.leave(env, m, v),
        }
    }

    fn feed(&mut self, env: &mut Env<'_>, m: &Msg<'_, P::Addr>) {
        let meta = RouterRxMeta {
            source: m.src,
            destination: m.dst,
            ttl: m.ttl,
            router_alert: m.router_alert.is_some(),
        };
        self.router.handle_bytes(m.now, m.raw, meta);
        self.drain(env, m.now, Some(m.frame));
    }

    fn query(&mut self, env: &mut Env<'_>, m: &Msg<'_, P::Addr>, v: u8, general: bool) {
        let g = m.gmp;
        let now = m.now;
        let mrt = match (g.max_resp_time_ms, v) {
            (Some(ms), _) => Duration::from_millis(u64::from(ms)),
            // IGMPv1: hosts use 10 s (RFC 2236 §4).
            _ => DEFAULT_QRI,
        };
        let bad_source = m.src.bad_query_source();
        if let Some(why) = bad_source {
            self.violate(env, m, Rule::QuerySource, v, format!("query {why}"));
        }
        let off_link = bad_source.is_none() && self.off_link(env, m, v);
        let want = if general {
            <P::Addr as Addr>::ALL_NODES
        } else {
            g.group.unwrap_or(m.dst)
        };
        if m.dst != want {
            let what = if general {
                "General Query"
            } else {
                "group-specific query"
            };
            self.violate(
                env,
                m,
                Rule::QueryDestination,
                v,
                format!("{what} sent to {}, not {want}", m.dst),
            );
        }
        let mut mrt_flagged = None;
        if general {
            let flagged = self.queriers.get(&m.src).and_then(|q| q.flagged_mrt);
            if let (Some(q), Some(r)) = (g.qqi_s.filter(|&q| q > 0), g.max_resp_time_ms) {
                if u64::from(r) >= u64::from(q) * 1000 && flagged != Some((r, q)) {
                    mrt_flagged = Some((r, q));
                    self.violate(
                        env,
                        m,
                        Rule::MaxResp,
                        v,
                        format!(
                            "Max Resp Time {} s is not below the Query Interval {q} s it announces (QQIC {})",
                            f64::from(r) / 1000.0,
                            g.qqic.unwrap_or(0)
                        ),
                    );
                }
            }
        }
        // A source no router has takes no part in the election; one off
        // the link is not even given to the engine (it would win it).
        if bad_source.is_some() || off_link {
            if general {
                self.messages.general_queries += 1;
            } else {
                self.messages.specific_queries += 1;
            }
            if !off_link {
                self.feed(env, m);
            }
            return;
        }
        // The sender's run: a router silent longer than its Other Querier
        // Present Interval starts again (as Querier, RFC 3376 §6.6.2).
        let known = self.queriers.contains_key(&m.src);
        if !known && self.queriers.len() >= MAX_QUERIERS {
            self.feed(env, m);
            return;
        }
        let run_start = match self.queriers.get(&m.src) {
            Some(q) if now.saturating_duration_since(q.last) <= q.oqpi() => Some(q.run_start),
            _ => None,
        };
        // Only the Querier queries: a router that heard a lower address
        // query since it started must stay silent for the Other Querier
        // Present Interval (RFC 3376 §6.6.2; IGMPv1 has no election).
        if v >= 2 {
            if let Some(rs) = run_start {
                let lower = self.queriers.range(..m.src).find_map(|(a, q)| {
                    let tq = q.last_general?;
                    let since = now.saturating_duration_since(tq);
                    (q.versions & !1 != 0 && tq > rs && since > SLACK && since < q.oqpi())
                        .then_some((*a, tq, since))
                });
                if let Some((a, tq, since)) = lower {
                    self.violate(
                        env,
                        m,
                        Rule::Election,
                        v,
                        format!(
                            "query from {}, not the Querier: {a} (lower address) queried {:.1} s before, at {} (Other Querier Present Interval not over)",
                            m.src,
                            secs(since),
                            env.clock.at(tq).ts.time_of_day()
                        ),
                    );
                }
            }
        }
        // Routers run the lowest version present (RFC 3376 §7.3.1): a
        // query of another version than a router heard recently.
        for w in 1..=3u8 {
            if w == v {
                continue;
            }
            if let Some(o) = self.by_version[usize::from(w - 1)] {
                let window = self
                    .queriers
                    .get(&m.src)
                    .map_or(DEFAULT_QI * 2, |q| q.qi() * 2)
                    + DEFAULT_QRI;
                let since = now.saturating_duration_since(o.at);
                let pair = (m.src, o.source);
                if o.source != m.src && since < window && !self.mixed_flagged.contains(&pair) {
                    if self.mixed_flagged.len() < MAX_QUERIERS * 4 {
                        self.mixed_flagged.push(pair);
                    }
                    self.violate(
                        env,
                        m,
                        Rule::RouterCompat,
                        v,
                        format!(
                            "v{v} query while a v{w} router ({}) queried {:.1} s before: routers must run the lowest version present",
                            o.source,
                            secs(since)
                        ),
                    );
                    break;
                }
            }
        }
        let consecutive = self.last_general.is_some_and(|l| l.source == m.src);
        let q = self.queriers.entry(m.src).or_insert_with(|| QTrack {
            first: now,
            last: now,
            versions: 0,
            general: 0,
            specific: 0,
            startup: 0,
            qrv: None,
            qqi_s: None,
            mrt_ms: None,
            lmq_ms: None,
            intervals: Stats::default(),
            last_general: None,
            run_start: now,
            run_general: 0,
            flagged_mrt: None,
            flagged_qqi: None,
        });
        if run_start.is_none() {
            q.run_start = now;
            q.run_general = 0;
        }
        q.last = now;
        q.versions |= 1 << v.min(7);
        if mrt_flagged.is_some() {
            q.flagged_mrt = mrt_flagged;
        }
        let mut qqi_violation = None;
        if general {
            q.general += 1;
            q.run_general += 1;
            let announced = q.qqi_s.filter(|&s| s > 0);
            let qi = q.qi();
            let sqc = u32::from(q.qrv.filter(|&r| r > 0).unwrap_or(2));
            if q.run_general == 1 {
                q.startup += 1;
            }
            if let (true, Some(prev)) = (consecutive, q.last_general) {
                let iv = now.saturating_duration_since(prev);
                q.intervals.add(secs(iv));
                let startup = q.run_general <= sqc + 1 && iv < qi * 3 / 4;
                if startup && q.run_general > 1 {
                    q.startup += 1;
                }
                if let Some(qqi_s) = announced {
                    // Too long even across a restart (the link had no
                    // Querier); too short outside startup, or shorter
                    // than the Startup Query Interval (QI/4, RFC 3376 §8.6).
                    let qqi = Duration::from_secs(u64::from(qqi_s));
                    let short = if startup { qqi * 3 / 16 } else { qqi * 3 / 4 };
                    if (iv > qqi * 5 / 4 + 2 * SLACK || iv + SLACK < short)
                        && q.flagged_qqi != Some(qqi_s)
                    {
                        q.flagged_qqi = Some(qqi_s);
                        qqi_violation = Some((iv, qqi));
                    }
                }
            }
            q.last_general = Some(now);
            if let Some(r) = g.qrv {
                q.qrv = Some(r);
            }
            if let Some(s) = g.qqi_s {
                q.qqi_s = Some(s);
            }
            q.mrt_ms = Some(ms(mrt));
        } else {
            q.specific += 1;
            q.lmq_ms = Some(ms(mrt));
        }
        if let Some((iv, qqi)) = qqi_violation {
            self.violate(
                env,
                m,
                Rule::Qqi,
                v,
                format!(
                    "General Queries {:.1} s apart, but the Querier's Query Interval (QQIC) says {} s",
                    secs(iv),
                    qqi.as_secs()
                ),
            );
        }
        if general {
            self.messages.general_queries += 1;
            let last = LastQuery {
                at: now,
                mrt,
                source: m.src,
            };
            self.last_general = Some(last);
            // Every Group-Specific Query so far is now older than the
            // General Query: none of them is the one a report answers.
            self.last_specific.clear();
            if let Some(slot) = self.by_version.get_mut(usize::from(v.clamp(1, 3) - 1)) {
                *slot = Some(last);
            }
            if v < <P::Addr as Addr>::NEWEST {
                if let Some(slot) = self.older.get_mut(usize::from(v.max(1) - 1)) {
                    *slot = Some(last);
                }
            }
        } else {
            self.messages.specific_queries += 1;
            if let Some(group) = g.group {
                if let Some((t, _)) = self.groups.track(group, now) {
                    if let Some(p) = t.pending_leave.as_mut() {
                        p.queries += 1;
                        p.first_query.get_or_insert(now);
                    }
                    self.last_specific.insert(group, (now, mrt));
                }
                self.specific_query(env, m, v, group);
            }
        }
        self.feed(env, m);
    }

    /// The query a report at `now` about `group` answers: the later of the
    /// last General Query and the group's last specific query.
    fn covering(&self, group: P::Addr) -> Option<(Instant, Duration)> {
        let general = self.last_general.map(|l| (l.at, l.mrt));
        let specific = if self.last_specific.is_empty() {
            None
        } else {
            self.last_specific.get(&group).copied()
        };
        match (general, specific) {
            (Some(a), Some(b)) => Some(if b.0 > a.0 { b } else { a }),
            (a, b) => a.or(b),
        }
    }

    fn report(&mut self, env: &mut Env<'_>, m: &Msg<'_, P::Addr>, v: u8) {
        let g = m.gmp;
        let now = m.now;
        if let Some(why) = m.src.bad_report_source() {
            self.violate(env, m, Rule::ReportSource, v, format!("report {why}"));
        }
        let newest = <P::Addr as Addr>::NEWEST;
        if v == newest {
            self.messages.reports += 1;
            if m.dst != <P::Addr as Addr>::V3_REPORTS {
                self.violate(
                    env,
                    m,
                    Rule::ReportDestination,
                    v,
                    format!(
                        "v{v} report sent to {}, not {}",
                        m.dst,
                        <P::Addr as Addr>::V3_REPORTS
                    ),
                );
            }
            // A host falls back while an older General Query is recent
            // (RFC 3376 §7.2.1; the timeout is at least its Max Resp Time).
            for w in 1..newest {
                if let Some(o) = self.older[usize::from(w - 1)] {
                    let since = now.saturating_duration_since(o.at);
                    if since > SLACK && since <= o.mrt.max(Duration::from_secs(1)) {
                        self.violate(
                            env,
                            m,
                            Rule::HostCompat,
                            v,
                            format!(
                                "v{v} report {:.1} s after a v{w} General Query from {}: the host must fall back to v{w}",
                                secs(since),
                                o.source
                            ),
                        );
                        break;
                    }
                }
            }
            let records = g.records.as_deref().unwrap_or(&[]);
            let mut late = None;
            let mut answered = None;
            for r in records {
                if r.group.never_reported() {
                    self.violate(
                        env,
                        m,
                        Rule::NeverReported,
                        v,
                        format!("record for {}, an address never reported", r.group),
                    );
                    continue;
                }
                if r.group.is_ssm() && matches!(r.record_type, 2 | 4) {
                    self.violate(
                        env,
                        m,
                        Rule::Ssm,
                        v,
                        format!("{} record for SSM group {}", r.record_type_name, r.group),
                    );
                }
                if matches!(r.record_type, 1 | 2) {
                    if let Some((tq, mrt)) = self.covering(r.group) {
                        let delay = now.saturating_duration_since(tq);
                        if !mrt.is_zero() {
                            let frac = secs(delay) / secs(mrt);
                            answered = Some(answered.map_or(frac, |a: f64| a.max(frac)));
                        }
                        if delay > mrt + (mrt / 10).max(SLACK) && late.is_none() {
                            late = Some((r.group, delay, mrt));
                        }
                    }
                }
                self.note_record(m, r.group, r.record_type);
                let op = match r.record_type {
                    1 | 3 => Op::Include(&r.sources),
                    2 | 4 => Op::Exclude(&r.sources),
                    5 => Op::Allow(&r.sources),
                    6 => Op::Block(&r.sources),
                    _ => continue,
                };
                self.holder(env, m, r.group, v, op);
            }
            if let Some(f) = answered {
                self.answers.count += 1;
                self.answers.delay_fraction.add(f);
            }
            if let Some((group, delay, mrt)) = late {
                self.answers.late += 1;
                self.violate(
                    env,
                    m,
                    Rule::ResponseDelay,
                    v,
                    format!(
                        "current-state record for {group} {:.1} s after the query it answers, later than its Max Resp Time {:.1} s",
                        secs(delay),
                        secs(mrt)
                    ),
                );
            }
        } else {
            self.messages.old_reports += 1;
            let Some(group) = g.group else {
                self.feed(env, m);
                return;
            };
            if self.old_group_checks(env, m, group, v, "report") {
                if m.dst != group {
                    self.violate(
                        env,
                        m,
                        Rule::ReportDestination,
                        v,
                        format!(
                            "v{v} report for {group} sent to {}, not to the group",
                            m.dst
                        ),
                    );
                }
                if let Some((tq, mrt)) = self.covering(group) {
                    let delay = now.saturating_duration_since(tq);
                    if <P::Addr as Addr>::PROTOCOL == "igmp" && v == 1 {
                        // RFC 1112 hosts answer within 10 s whatever the
                        // Max Resp Time says: counted apart, not timed.
                        if delay <= DEFAULT_QRI + SLACK {
                            self.answers.v1_untimed += 1;
                        }
                    } else if delay <= mrt + SLACK && !mrt.is_zero() {
                        self.answers.count += 1;
                        self.answers.delay_fraction.add(secs(delay) / secs(mrt));
                    }
                }
                self.holder(env, m, group, v, Op::Exclude(&[]));
            }
        }
        self.feed(env, m);
    }

    /// Checks shared by v1/v2 reports and leaves; whether to track it.
    fn old_group_checks(
        &mut self,
        env: &mut Env<'_>,
        m: &Msg<'_, P::Addr>,
        group: P::Addr,
        v: u8,
        what: &str,
    ) -> bool {
        if group.never_reported() {
            self.violate(
                env,
                m,
                Rule::NeverReported,
                v,
                format!("{what} of {group}, an address never reported"),
            );
            return false;
        }
        if !Into::<std::net::IpAddr>::into(group).is_multicast() {
            self.violate(
                env,
                m,
                Rule::NeverReported,
                v,
                format!("{what} of {group}, not a multicast address"),
            );
            return false;
        }
        if group.is_ssm() {
            self.violate(
                env,
                m,
                Rule::Ssm,
                v,
                format!("v{v} {what} for SSM group {group}"),
            );
        }
        true
    }

    fn leave(&mut self, env: &mut Env<'_>, m: &Msg<'_, P::Addr>, v: u8) {
        self.messages.leaves += 1;
        if let Some(group) = m.gmp.group {
            if let Some(why) = m.src.bad_report_source() {
                self.violate(
                    env,
                    m,
                    Rule::ReportSource,
                    v,
                    format!("{} {why}", m.gmp.kind),
                );
            }
            if self.old_group_checks(env, m, group, v, m.gmp.kind) {
                if m.dst != <P::Addr as Addr>::ALL_ROUTERS && m.dst != group {
                    self.violate(
                        env,
                        m,
                        Rule::ReportDestination,
                        v,
                        format!(
                            "{} for {group} sent to {}, not {}",
                            m.gmp.kind,
                            m.dst,
                            <P::Addr as Addr>::ALL_ROUTERS
                        ),
                    );
                }
                self.note_leave(m, group);
                self.holder(env, m, group, v, Op::Include(&[]));
            }
        }
        self.feed(env, m);
    }

    /// Applies what `m.src` reported about `group` to its holder entry.
    ///
    /// The hot path of the analysis (every record of every report): one
    /// lookup of the group, one of the holder, and no allocation when a
    /// holder repeats what it said before.
    fn holder(
        &mut self,
        env: &mut Env<'_>,
        m: &Msg<'_, P::Addr>,
        group: P::Addr,
        v: u8,
        op: Op<'_, P::Addr>,
    ) {
        let now = m.now;
        let Some((t, c)) = self.groups.track(group, now) else {
            return;
        };
        if let Some(n) = t.messages.checked_add(1) {
            t.messages = n;
        } else {
            c.messages_carry += 1 << 32;
            t.messages = 0;
        }
        let before = t.holders.get_mut(&m.src);
        let had = before.is_some();
        let (mut exclude, mut sources) = before.as_ref().map_or((false, Vec::new()), |b| {
            (b.exclude, b.sources.as_slice().to_vec())
        });
        let sorted = |s: &[P::Addr]| {
            let mut v: Vec<P::Addr> = s.iter().copied().take(MAX_HOLDER_SOURCES).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        match op {
            Op::Exclude(s) => {
                exclude = true;
                sources = sorted(s);
            }
            Op::Include(s) => {
                exclude = false;
                sources = sorted(s);
            }
            Op::Allow(s) | Op::Block(s) => {
                // ALLOW adds to an INCLUDE list and removes from an EXCLUDE
                // list; BLOCK the reverse.
                let adds = matches!(op, Op::Allow(_)) != exclude;
                for a in s {
                    if !adds {
                        sources.retain(|x| x != a);
                    } else if sources.len() < MAX_HOLDER_SOURCES && !sources.contains(a) {
                        sources.push(*a);
                    }
                }
                sources.sort_unstable();
            }
        }
        let holds = exclude || !sources.is_empty();
        let event = match (before, holds) {
            (None, false) => return,
            (None, true) => Some(Event::Join),
            (Some(_), false) => Some(Event::Leave),
            (Some(h), true) => {
                let same =
                    h.exclude == exclude && h.sources.as_slice() == sources && h.version == v;
                h.last = now;
                (!same).then_some(Event::Change)
            }
        };
        // A member's report ends a pending leave: another member's keeps
        // the group, the leaving host's own is a rejoin (without it, a
        // later leave of the same host would go uncounted and its queries
        // be added to this one).
        if holds {
            if let Some(p) = t.pending_leave.take() {
                let outcome = if p.host == m.src { "rejoined" } else { "kept" };
                let entry = leave_entry(env, group, *p, outcome, Some(now));
                push_latency(&mut self.latency.leaves, &mut self.latency.dropped, entry);
            }
        }
        let Some(event) = event else {
            return;
        };
        if holds {
            if had {
                if let Some(h) = t.holders.get_mut(&m.src) {
                    h.exclude = exclude;
                    h.sources = Sources::new(sources.clone());
                    h.version = v;
                }
            } else {
                if t.holders.len() >= MAX_HOLDERS {
                    return;
                }
                c.hosts_seen += 1;
                if t.holders.is_empty() && c.pending_join.is_none() {
                    c.pending_join = Some((now, m.frame));
                }
                t.holders.insert(
                    m.src,
                    HState {
                        exclude,
                        sources: Sources::new(sources.clone()),
                        version: v,
                        since: now,
                        last: now,
                    },
                );
            }
        } else {
            t.holders.remove(&m.src);
            if t.pending_leave.is_none() && self.router.group(group).is_some() {
                t.pending_leave = Some(Box::new(PendingLeave {
                    host: m.src,
                    at: now,
                    frame: m.frame,
                    queries: 0,
                    first_query: None,
                }));
            }
        }
        push_timeline(&mut self.timeline, t, c, |t| Change {
            at: now,
            frame: m.frame,
            event,
            host: Some(m.src),
            exclude: holds.then_some(exclude),
            sources: sources.into_boxed_slice(),
            version: Some(v),
            holders: u16::try_from(t.holders.len()).unwrap_or(u16::MAX),
        });
    }

    /// The membership table at `now` (timers run up to it first).
    pub(crate) fn table(&mut self, env: &mut Env<'_>, now: Instant) -> Table {
        self.advance(env, now);
        let t = self.router.table(now);
        let groups = t
            .groups
            .iter()
            .map(|e| {
                let hosts = self.groups.get(&e.group).map_or_else(Vec::new, |g| {
                    g.holders
                        .iter()
                        .map(|(h, s)| Holder {
                            host: (*h).into(),
                            filter_mode: if s.exclude { "exclude" } else { "include" },
                            sources: s.sources.as_slice().iter().map(|&a| a.into()).collect(),
                            version: s.version,
                            since: env.clock.at(s.since),
                            last_report: env.clock.at(s.last),
                        })
                        .collect()
                });
                TableGroup {
                    group: e.group.into(),
                    filter_mode: match e.filter_mode {
                        FilterMode::Include => "include",
                        FilterMode::Exclude => "exclude",
                    },
                    version: compat(e.version, <P::Addr as Addr>::NEWEST),
                    up_s: secs(e.up_time),
                    expires_s: e.expire.map(secs),
                    last_reporter: e.last_reporter.into(),
                    sources: e
                        .sources
                        .iter()
                        .map(|s| TableSource {
                            source: s.source.into(),
                            expires_s: s.expire.map(secs),
                        })
                        .collect(),
                    hosts,
                }
            })
            .collect();
        Table {
            at: Some(env.clock.at(now)),
            querier: t.querier.map(Into::into),
            version: compat(t.version, <P::Addr as Addr>::NEWEST),
            robustness: t.robustness,
            query_interval_s: secs(t.query_interval),
            groups,
        }
    }

    /// Takes the table for `--at`.
    pub(crate) fn snapshot(&mut self, env: &mut Env<'_>, at: Instant) {
        if self.snapshot.is_none() {
            let t = self.table(env, at);
            self.snapshot = Some(t);
        }
    }

    /// The report at the end of the capture.
    pub(crate) fn finish(mut self, env: &mut Env<'_>, end: Instant) -> ProtocolReport {
        let table = match self.snapshot.take() {
            Some(t) => {
                self.advance(env, end);
                t
            }
            None => self.table(env, end),
        };
        self.checks_due(env, end);
        // Time as Querier, from the engine's periods.
        let mut querier_ns: HashMap<P::Addr, u64> = HashMap::new();
        let periods: Vec<QuerierPeriod> = self
            .periods
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let to = self.periods.get(i + 1).map_or(end, |n| n.from);
                if let Some(q) = p.querier {
                    *querier_ns.entry(q).or_default() +=
                        to.saturating_duration_since(p.from).as_nanos() as u64;
                }
                QuerierPeriod {
                    querier: p.querier.map(Into::into),
                    from: env.clock.at(p.from),
                    to: env.clock.at(to),
                    frame: p.frame,
                }
            })
            .collect();
        let queriers = self
            .queriers
            .iter()
            .map(|(a, q)| QuerierReport {
                address: (*a).into(),
                first_seen: env.clock.at(q.first),
                last_seen: env.clock.at(q.last),
                versions: (1..=3).filter(|v| q.versions & (1 << v) != 0).collect(),
                general_queries: q.general,
                specific_queries: q.specific,
                startup_queries: q.startup,
                querier_s: querier_ns.get(a).copied().unwrap_or(0) as f64 / 1e9,
                qrv: q.qrv,
                qqi_s: q.qqi_s,
                max_resp_ms: q.mrt_ms,
                last_member_max_resp_ms: q.lmq_ms,
                observed_interval: q.intervals,
            })
            .collect();
        let mut latency = std::mem::take(&mut self.latency);
        let mut groups = std::mem::replace(&mut self.groups, Groups::new());
        let groups_untracked = groups.untracked;
        // Each group's timeline out of the common one, by id.
        let mut timelines: Vec<Vec<TimelineEntry>> = groups
            .hot
            .iter()
            .map(|g| Vec::with_capacity(usize::from(g.timeline_len)))
            .collect();
        for (id, c) in std::mem::take(&mut self.timeline) {
            if let Some(t) = timelines.get_mut(usize::from(id)) {
                t.push(c.entry(env));
            }
        }
        let mut order: Vec<(P::Addr, usize)> = groups
            .index
            .iter()
            .map(|(&a, &i)| (a, usize::from(i)))
            .collect();
        order.sort_unstable_by_key(|&(a, _)| a);
        let mut group_reports = Vec::with_capacity(order.len());
        for (a, i) in order {
            let (Some(g), Some(c)) = (groups.hot.get_mut(i), groups.cold.get(i)) else {
                continue;
            };
            if let Some(p) = g.pending_leave.take() {
                let entry = leave_entry(env, a, *p, "pending", None);
                push_latency(&mut latency.leaves, &mut latency.dropped, entry);
            }
            group_reports.push(GroupReport {
                group: a.into(),
                first_seen: env.clock.at(c.first),
                messages: c.messages(g),
                hosts_seen: c.hosts_seen,
                timeline: timelines.get_mut(i).map(std::mem::take).unwrap_or_default(),
                timeline_dropped: c.timeline_dropped,
            });
        }
        latency.leaves.sort_by_key(|l| l.time);
        latency.answers = self.answers;
        let c = self.router.counters();
        ProtocolReport {
            protocol: <P::Addr as Addr>::PROTOCOL,
            messages: self.messages,
            queriers,
            querier_timeline: periods,
            elections: self.elections,
            takeovers: self.takeovers,
            table,
            groups: group_reports,
            groups_untracked,
            latency,
            engine: EngineCounts {
                malformed: c.malformed,
                bad_ttl: c.bad_ttl,
                not_link_local: c.not_link_local,
                not_multicast: c.not_multicast,
                ssm_ignored: c.ssm_exclude + c.ssm_old,
                ignored_records: c.ignored_records,
                groups_refused: c.groups_refused,
                sources_refused: c.sources_refused,
                records: c.records,
            },
        }
    }
}

fn compat(c: ipv4kit_gmp::Compat, newest: u8) -> u8 {
    let v: u8 = match c {
        ipv4kit_gmp::Compat::V1 => 1,
        ipv4kit_gmp::Compat::V2 => 2,
        _ => 3,
    };
    // MLD: Compat::V2 is MLDv1, V3 is MLDv2.
    if newest == 2 {
        v.saturating_sub(1).max(1)
    } else {
        v
    }
}

/// The group's entry, made if there is room (counted in `untracked` if not).
/// Adds the entry `e` makes to `log` for group `g`, if the group's
/// timeline has room (it is made only then: most changes of a busy group
/// are only counted).
fn push_timeline<A>(
    log: &mut Vec<(u16, Change<A>)>,
    g: &mut GTrack<A>,
    c: &mut GCold,
    e: impl FnOnce(&GTrack<A>) -> Change<A>,
) {
    if usize::from(g.timeline_len) < MAX_TIMELINE {
        g.timeline_len += 1;
        log.push((g.id, e(g)));
    } else {
        c.timeline_dropped += 1;
    }
}

fn push_latency<T>(list: &mut Vec<T>, dropped: &mut u64, e: T) {
    if list.len() < MAX_LATENCIES {
        list.push(e);
    } else {
        *dropped += 1;
    }
}

fn leave_entry<A: Addr>(
    env: &Env<'_>,
    group: A,
    p: PendingLeave<A>,
    outcome: &'static str,
    end: Option<Instant>,
) -> LeaveLatency {
    LeaveLatency {
        group: group.into(),
        host: p.host.into(),
        frame: p.frame,
        time: env.clock.at(p.at),
        last_member_queries: p.queries,
        first_query_after_s: p
            .first_query
            .map(|q| secs(q.saturating_duration_since(p.at))),
        outcome,
        after_s: end.map(|e| secs(e.saturating_duration_since(p.at))),
    }
}
