//! The querier's part of the router (RFC 3376 §6.6): sending queries,
//! the Q(G) and Q(G,S) retransmissions with the S flag, the election, and
//! the timer lowering on received queries.

use alloc::vec::Vec;
use core::time::Duration;

use super::{min_opt, Key, QuerySpec, Router, RouterEvent, RouterProtocol, MAX_ROUTER_QUEUED};
use crate::protocol::{Compat, Received};
use crate::time::Instant;

impl<P: RouterProtocol> Router<P> {
    pub(super) fn send(
        &mut self,
        group: Option<P::Addr>,
        s_flag: bool,
        max_resp: Duration,
        sources: &[P::Addr],
    ) {
        if self.config.passive || !self.is_querier || self.tx.queue.len() >= MAX_ROUTER_QUEUED {
            return;
        }
        let spec = QuerySpec {
            version: self.version,
            group,
            s_flag,
            max_resp,
            qrv: self.robustness,
            qqi: self.query_interval,
            sources,
            source: self.config.address,
            destination: group.unwrap_or(P::ALL_NODES),
        };
        let start = self.tx.bytes.len();
        let n = P::encode_query(&spec, &mut self.tx.bytes);
        if n > 0 {
            let dst = spec.destination;
            self.tx
                .queue
                .push_back((dst, self.version, start as u32, n as u32));
            self.counters.queries_sent += 1;
        }
    }

    /// Sends a group's due Q(G) and Q(G,S) (§6.6.3): S set on Q(G) while
    /// the group timer is above LMQT; the sources split by the same rule.
    pub(super) fn send_group_queries(&mut self, now: Instant, addr: P::Addr) {
        let lmqt = now + self.last_member_query_time();
        let lmqi = self.config.last_member_query_interval;
        let Some(g) = self.groups.get_mut(&Key(addr)) else {
            return;
        };
        let mut with_g = None;
        if g.group_retx > 0 {
            g.group_retx -= 1;
            with_g = Some(g.timer.is_some_and(|t| t > lmqt));
        }
        let mut sets: [Vec<P::Addr>; 2] = [Vec::new(), core::mem::take(&mut self.tx.sources)];
        sets[1].clear();
        for s in &mut g.sources {
            if s.retx > 0 {
                s.retx -= 1;
                let i = usize::from(s.timer.is_some_and(|t| t <= lmqt));
                sets[i].push(s.addr);
            }
        }
        let pending = g.group_retx > 0 || g.sources.iter().any(|s| s.retx > 0);
        g.query_due = pending.then_some(now + lmqi);
        if pending {
            self.next_group_check = min_opt(self.next_group_check, g.query_due);
        }
        if let Some(s) = with_g {
            self.send(Some(addr), s, lmqi, &[]);
        }
        let room = self
            .config
            .mtu
            .saturating_sub(P::IP_HEADER_LEN + P::QUERY_FIXED_LEN)
            / P::QUERY_SOURCE_LEN;
        for (s_flag, set) in [(true, &sets[0]), (false, &sets[1])] {
            for chunk in set.chunks(room.max(1)) {
                self.send(Some(addr), s_flag, lmqi, chunk);
            }
        }
        self.tx.sources = core::mem::take(&mut sets[1]);
    }

    pub(super) fn become_querier(&mut self, now: Instant) {
        self.is_querier = true;
        self.querier = Some(self.config.address);
        self.other_querier_until = None;
        self.robustness = self.config.robustness.max(1);
        self.query_interval = self.config.query_interval;
        self.general_due = Some(now);
        self.event(RouterEvent::QuerierChanged {
            querier: self.querier,
            is_self: true,
        });
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn handle_query(
        &mut self,
        now: Instant,
        msg: &P::Message<'_>,
        source: P::Addr,
        version: Compat,
        group: Option<P::Addr>,
        s_flag: bool,
        qrv: u8,
        qqi: Option<Duration>,
    ) {
        if source == self.config.address {
            return;
        }
        self.counters.queries_received += 1;
        let Some(g) = group else {
            // §6.6.2 (RFC 9776: General Queries): the lowest address wins.
            let current = if self.config.passive {
                self.querier
            } else {
                Some(self.querier.unwrap_or(self.config.address))
            };
            if current.is_none_or(|q| source <= q) {
                if self.querier != Some(source) {
                    self.querier = Some(source);
                    self.is_querier = false;
                    self.general_due = None;
                    self.event(RouterEvent::QuerierChanged {
                        querier: Some(source),
                        is_self: false,
                    });
                }
                // Non-queriers adopt the Querier's QRV and QQI (§4.1.6, §4.1.7).
                if qrv != 0 {
                    self.robustness = qrv;
                }
                if let Some(qqi) = qqi {
                    self.query_interval = qqi;
                }
                self.other_querier_until = Some(now + self.other_querier_present_interval());
            }
            // §7.3.1: an older querier on the link, run its version.
            if version < self.config.version {
                if version < self.version {
                    let from = self.version;
                    self.version = version;
                    self.event(RouterEvent::QuerierCompatChanged { from, to: version });
                }
                if version == self.version {
                    self.older_querier_until = Some(now + self.older_host_present_interval());
                }
            }
            return;
        };
        // §6.6.1: a received specific query with S clear lowers timers.
        if s_flag {
            return;
        }
        // A passive router (an observer) takes the Last Member Query
        // Interval from the query itself: its Max Resp Time is the
        // Querier's LMQI (RFC 3376 §4.1.1, §6.6.3).
        let lmqt = match P::classify(msg) {
            Received::Query(q) if self.config.passive && !q.max_resp.is_zero() => {
                now + q.max_resp * u32::from(self.last_member_query_count())
            }
            _ => now + self.last_member_query_time(),
        };
        if let Some(state) = self.groups.get_mut(&Key(g)) {
            let mut sources = P::query_sources(msg).peekable();
            let specific = sources.peek().is_some();
            state.lower_for_received(lmqt, sources, specific);
            self.next_group_check = min_opt(self.next_group_check, Some(lmqt));
        }
    }
}
