//! Queries (§5.2), compatibility (§7.2), timers and the report content of
//! §5.1 and §5.2.

use core::time::Duration;

use rand_core::Rng;

use super::{push_exact, random_delay, Host, Src};
use crate::config::{Event, IgnoreReason};
use crate::filter::{FilterMode, RecordType};
use crate::protocol::{Compat, MessageKind, Protocol, QueryInfo, Received};
use crate::time::Instant;

/// How a received message arrived: what the IP layer knows and the IGMP
/// message does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RxMeta<A> {
    /// IP destination address.
    pub destination: A,
    /// Whether the IP header carried the Router Alert option (RFC 2113).
    pub router_alert: bool,
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

impl<P: Protocol, R: Rng> Host<P, R> {
    /// When [`handle_timeout`](Self::handle_timeout) must next run; `None`
    /// when no timer runs.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut t = earliest(self.v1_until, self.v2_until);
        t = earliest(t, self.general_due);
        t = earliest(t, self.retx_due);
        for g in &self.groups {
            t = earliest(t, g.query_due);
        }
        t
    }

    /// Runs every timer due at `now`: compatibility timeouts (§7.2.1), the
    /// Interface Timer and group timers (§5.2), retransmissions (§5.1).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.v1_until.is_some_and(|t| t <= now) {
            self.v1_until = None;
        }
        if self.v2_until.is_some_and(|t| t <= now) {
            self.v2_until = None;
        }
        self.update_compat();
        if self.general_due.is_some_and(|t| t <= now) {
            self.general_due = None;
            self.answer_general();
        }
        self.expire_groups(now);
        if self.retx_due.is_some_and(|t| t <= now) {
            self.retx_due = None;
            self.send_state_change(now);
        }
        self.groups.retain(|g| !g.idle());
        self.cap_queue();
    }

    /// Takes a received message (checksum already verified, as the wire
    /// crate's parser does). Queries schedule responses (§5.2) and may change
    /// the compatibility mode (§7.2.1); other hosts' v1/v2 reports suppress
    /// ours in v1/v2 mode (RFC 2236 §3); the rest is ignored.
    pub fn handle_message(&mut self, now: Instant, msg: &P::Message<'_>, meta: RxMeta<P::Addr>) {
        match P::classify(msg) {
            Received::Query(q) => self.handle_query(now, q, msg, meta),
            Received::OldReport { group } => {
                if self.compat == Compat::V3 {
                    // No suppression in v3 mode (RFC 3376 App. A.2; RFC 4604 §2.2.1).
                    return;
                }
                if let Ok(i) = self.find(group) {
                    let g = &mut self.groups[i];
                    g.query_due = None;
                    g.old_retx = 0;
                    g.last_reporter = false;
                }
            }
            Received::Other => {}
        }
        self.cap_queue();
    }

    fn handle_query(
        &mut self,
        now: Instant,
        q: QueryInfo<P::Addr>,
        msg: &P::Message<'_>,
        meta: RxMeta<P::Addr>,
    ) {
        // §9.1: hosts SHOULD ignore v2/v3 queries without Router Alert and
        // General Queries not sent to the all-systems group.
        if q.version != Compat::V1 && self.config.require_router_alert && !meta.router_alert {
            return self.event(Event::QueryIgnored(IgnoreReason::NoRouterAlert));
        }
        if self.config.require_link_local_query_source && !P::query_source_ok(msg) {
            return self.event(Event::QueryIgnored(IgnoreReason::SourceNotLinkLocal));
        }
        if q.group.is_none()
            && self.config.require_general_query_to_all_nodes
            && meta.destination != P::ALL_NODES
        {
            return self.event(Event::QueryIgnored(IgnoreReason::GeneralQueryDestination));
        }
        if q.group.is_some_and(|g| !P::is_multicast(&g)) {
            return self.event(Event::QueryIgnored(IgnoreReason::BadGroup));
        }
        if q.version != Compat::V3 && q.group.is_some_and(|g| (self.config.ssm_range)(&g)) {
            self.event(Event::OldQueryForSsmGroup);
        }
        // §7.2.1, with RFC 9776's reading: only General Queries start the
        // older-querier timers (an IGMPv1 query is always general).
        if self.config.compatibility && self.config.force_version.is_none() && q.group.is_none() {
            let timeout = self.older_querier_timeout();
            match q.version {
                Compat::V1 => self.v1_until = Some(now + timeout),
                Compat::V2 => self.v2_until = Some(now + timeout),
                Compat::V3 => {}
            }
            self.update_compat();
        }
        if q.version == Compat::V3 {
            // §4.1.6, §4.1.7: adopt the querier's QRV and QQI (as Linux does).
            if self.config.learn_robustness && q.qrv != 0 {
                self.robustness = q.qrv;
            }
            if let Some(qqi) = q.qqi.filter(|d| !d.is_zero()) {
                self.query_interval = qqi;
            }
            self.query_response_interval = q.max_resp;
        }
        if self.compat != Compat::V3 {
            return self.schedule_old(now, q.max_resp, q.group);
        }
        let due = now + random_delay(&mut self.rng, q.max_resp);
        // §5.2 rule 1: a General-Query response due sooner covers this query.
        if self.general_due.is_some_and(|t| t <= due) {
            return;
        }
        let Some(group) = q.group else {
            // Rule 2, only if there is state to report.
            if self
                .groups
                .iter()
                .any(|g| !g.state.is_none() && P::is_reported(&g.addr))
            {
                self.general_due = Some(due);
            }
            return;
        };
        let Ok(i) = self.find(group) else { return };
        let limit = self.config.max_query_sources;
        let g = &mut self.groups[i];
        if g.state.is_none() || !P::is_reported(&g.addr) {
            return;
        }
        let source_query = q.version == Compat::V3 && q.num_sources > 0;
        match g.query_due {
            None => {
                // Rule 3.
                g.query_due = Some(due);
                g.query_sources.clear();
                if source_query {
                    add_sources(&mut g.query_sources, P::query_sources(msg), limit);
                }
            }
            Some(t) => {
                g.query_due = Some(t.min(due));
                if !source_query || g.query_sources.is_empty() {
                    // Rule 4.
                    g.query_sources.clear();
                } else {
                    // Rule 5.
                    add_sources(&mut g.query_sources, P::query_sources(msg), limit);
                }
            }
        }
    }

    /// v1/v2 mode: a report timer per group, each at its own random delay
    /// in [0, Max Resp Time) ("each timer is set to a different random
    /// value", RFC 2236 §3, RFC 2710 §4), kept if it runs out sooner.
    fn schedule_old(&mut self, now: Instant, max_resp: Duration, group: Option<P::Addr>) {
        for g in &mut self.groups {
            if group.is_some_and(|x| x != g.addr) || g.state.is_none() || !P::is_reported(&g.addr) {
                continue;
            }
            let due = now + random_delay(&mut self.rng, max_resp);
            // A query ends the unsolicited repeats (Linux does the same).
            g.old_retx = 0;
            if g.query_due.is_none_or(|t| t > due) {
                g.query_due = Some(due);
            }
        }
    }

    /// Older Version Querier Present Timeout (RFC 3376 §8.12): [Robustness
    /// Variable] × [Query Interval] + [Query Response Interval], with the
    /// values learned from the last IGMPv3 query (Linux does the same).
    fn older_querier_timeout(&self) -> Duration {
        self.query_interval * u32::from(self.robustness) + self.query_response_interval
    }

    /// Sets the Host Compatibility Mode from the timers (§7.2.1); on a
    /// change, cancels every pending response and retransmission.
    fn update_compat(&mut self) {
        let mode = if let Some(v) = self.config.force_version {
            v.max(P::OLDEST)
        } else if self.v1_until.is_some() && P::OLDEST == Compat::V1 {
            Compat::V1
        } else if self.v2_until.is_some() {
            Compat::V2
        } else {
            Compat::V3
        };
        if mode == self.compat {
            return;
        }
        let from = core::mem::replace(&mut self.compat, mode);
        self.general_due = None;
        self.retx_due = None;
        self.change_pending = false;
        for g in &mut self.groups {
            g.cancel_pending();
        }
        self.event(Event::CompatChanged { from, to: mode });
    }

    /// The Interface Timer ran out: one current-state record per group with
    /// state (§5.2), packed into as few reports as the MTU allows.
    fn answer_general(&mut self) {
        for (i, g) in self.groups.iter().enumerate() {
            if g.state.is_none() || !P::is_reported(&g.addr) {
                continue;
            }
            let t = match g.state.mode {
                FilterMode::Exclude => RecordType::IsExclude,
                FilterMode::Include => RecordType::IsInclude,
            };
            push_exact(&mut self.plan, (t, g.addr, Src::State(i)));
        }
        self.emit_plan();
    }

    /// Group timers that ran out: v3 current-state records (§5.2's last
    /// table), v1/v2 reports (with their unsolicited repeats).
    fn expire_groups(&mut self, now: Instant) {
        let old_kind = match self.compat {
            Compat::V1 => Some(MessageKind::ReportV1),
            Compat::V2 => Some(MessageKind::ReportV2),
            Compat::V3 => None,
        };
        for i in 0..self.groups.len() {
            let g = &mut self.groups[i];
            if g.query_due.is_none_or(|t| t > now) {
                continue;
            }
            g.query_due = None;
            if g.state.is_none() {
                g.query_sources.clear();
                continue;
            }
            if let Some(kind) = old_kind {
                g.last_reporter = true;
                P::encode_old_with(kind, g.addr, &mut self.scratch, &mut self.out);
                if g.old_retx > 0 {
                    g.old_retx -= 1;
                    let d =
                        random_delay(&mut self.rng, self.config.old_unsolicited_report_interval);
                    self.groups[i].query_due = Some(now + d);
                }
                continue;
            }
            if g.query_sources.is_empty() {
                let t = match g.state.mode {
                    FilterMode::Exclude => RecordType::IsExclude,
                    FilterMode::Include => RecordType::IsInclude,
                };
                if t == RecordType::IsExclude || !g.state.sources.is_empty() {
                    push_exact(&mut self.plan, (t, g.addr, Src::State(i)));
                }
                continue;
            }
            // INCLUDE (A): IS_IN (A*B); EXCLUDE (A): IS_IN (B-A).
            let start = self.plan_sources.len();
            let include = g.state.mode == FilterMode::Include;
            for s in g.query_sources.drain(..) {
                if g.state.sources.binary_search(&s).is_ok() == include {
                    self.plan_sources.push(s);
                }
            }
            let end = self.plan_sources.len();
            if end > start {
                push_exact(
                    &mut self.plan,
                    (RecordType::IsInclude, g.addr, Src::Scratch(start, end)),
                );
            }
        }
        self.emit_plan();
    }

    /// Sends one State-Change Report with every group's pending records
    /// (§5.1), decrements the counters, and schedules the next
    /// retransmission at random in [0, Unsolicited Report Interval).
    pub(super) fn send_state_change(&mut self, now: Instant) {
        if self.compat != Compat::V3 {
            return;
        }
        let mut pending = false;
        for (i, g) in self.groups.iter_mut().enumerate() {
            if g.mode_retx > 0 {
                let t = match g.state.mode {
                    FilterMode::Include => RecordType::ToInclude,
                    FilterMode::Exclude => RecordType::ToExclude,
                };
                push_exact(&mut self.plan, (t, g.addr, Src::State(i)));
                g.mode_retx -= 1;
                // The filter-mode record carries the source changes too.
                for r in &mut g.retx {
                    r.1 -= 1;
                }
            } else if !g.retx.is_empty() {
                // Sources in the state's list first, as Linux orders them:
                // ALLOW then BLOCK in INCLUDE mode, BLOCK then ALLOW in EXCLUDE.
                let (first, second) = match g.state.mode {
                    FilterMode::Include => (RecordType::Allow, RecordType::Block),
                    FilterMode::Exclude => (RecordType::Block, RecordType::Allow),
                };
                for (listed, t) in [(true, first), (false, second)] {
                    let start = self.plan_sources.len();
                    for r in &mut g.retx {
                        if g.state.sources.binary_search(&r.0).is_ok() == listed {
                            self.plan_sources.push(r.0);
                            r.1 -= 1;
                        }
                    }
                    let end = self.plan_sources.len();
                    if end > start {
                        push_exact(&mut self.plan, (t, g.addr, Src::Scratch(start, end)));
                    }
                }
            } else {
                continue;
            }
            g.retx.retain(|r| r.1 > 0);
            pending |= g.mode_retx > 0 || !g.retx.is_empty();
        }
        self.emit_plan();
        self.retx_due = if pending {
            Some(now + random_delay(&mut self.rng, self.config.unsolicited_report_interval))
        } else {
            None
        };
    }
}

/// Adds `sources` to the sorted list `list`; past `limit`, clears it so the
/// response covers the whole group (RFC 3376 §9: limit recorded sources).
fn add_sources<A: Ord + Copy>(
    list: &mut alloc::vec::Vec<A>,
    sources: impl Iterator<Item = A>,
    limit: usize,
) {
    let had = !list.is_empty();
    for s in sources {
        if let Err(k) = list.binary_search(&s) {
            if list.len() >= limit {
                list.clear();
                return;
            }
            list.insert(k, s);
        }
    }
    // A query whose sources were all already recorded leaves the list as is.
    let _ = had;
}
