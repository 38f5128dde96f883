//! The membership table: what RFC 8652 (ietf-igmp-mld) models per
//! interface, group and source, as plain structs (no serde in this
//! `no_std` crate; the command serialises them).

use alloc::vec::Vec;
use core::time::Duration;

use super::group::GroupState;
use super::{Router, RouterProtocol};
use crate::filter::FilterMode;
use crate::protocol::Compat;
use crate::time::Instant;

/// A borrowed view of one group's router state (RFC 3376 §6.2).
#[derive(Clone, Copy, Debug)]
pub struct GroupView<'a, A> {
    pub(crate) addr: A,
    pub(crate) state: &'a GroupState<A>,
}

impl<'a, A: Ord + Copy> GroupView<'a, A> {
    /// The group address.
    pub fn address(&self) -> A {
        self.addr
    }

    /// The router filter mode (§6.2.1).
    pub fn filter_mode(&self) -> FilterMode {
        self.state.mode
    }

    /// The group timer's expiry (EXCLUDE mode only).
    pub fn group_timer(&self) -> Option<Instant> {
        self.state.timer
    }

    /// Group Compatibility Mode (§7.3.2).
    pub fn compat(&self) -> Compat {
        self.state.compat()
    }

    /// Sources with a running timer: INCLUDE mode's list, or EXCLUDE
    /// mode's Requested List X.
    pub fn forwarded_sources(&self) -> impl Iterator<Item = A> + 'a {
        self.state
            .sources
            .iter()
            .filter(|s| s.timer.is_some())
            .map(|s| s.addr)
    }

    /// EXCLUDE mode's Exclude List Y: sources with a zero timer.
    pub fn excluded_sources(&self) -> impl Iterator<Item = A> + 'a {
        self.state
            .sources
            .iter()
            .filter(|s| s.timer.is_none())
            .map(|s| s.addr)
    }

    /// A source's timer expiry: `Some(None)` for a zero timer (in Y),
    /// `None` when the source has no record.
    pub fn source_timer(&self, source: A) -> Option<Option<Instant>> {
        let i = self
            .state
            .sources
            .binary_search_by(|s| s.addr.cmp(&source))
            .ok()?;
        Some(self.state.sources[i].timer)
    }

    /// Whether traffic from `source` is to be forwarded (§6.3).
    pub fn forwards(&self, source: &A) -> bool {
        self.state.forwards(source)
    }

    /// Whether a Group-Specific or Group-and-Source-Specific Query is still
    /// to be retransmitted (§6.6.3).
    pub fn query_pending(&self) -> bool {
        self.state.query_due.is_some()
    }
}

/// One source of a group (RFC 8652 `source` list).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceEntry<A> {
    /// Source address.
    pub source: A,
    /// Time since the record was created.
    pub up_time: Duration,
    /// Time until the source timer runs out; `None` when it is zero (the
    /// source is excluded).
    pub expire: Option<Duration>,
    /// The host that last reported the source.
    pub last_reporter: A,
}

/// One group (RFC 8652 `group` list).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupEntry<A> {
    /// Group address.
    pub group: A,
    /// Router filter mode.
    pub filter_mode: FilterMode,
    /// Group Compatibility Mode.
    pub version: Compat,
    /// Time since the group got state.
    pub up_time: Duration,
    /// Time until the group timer runs out (EXCLUDE), else until the last
    /// source timer does.
    pub expire: Option<Duration>,
    /// The host that last reported the group.
    pub last_reporter: A,
    /// The sources.
    pub sources: Vec<SourceEntry<A>>,
}

/// One interface (RFC 8652 `interface`): the querier and its timers, and
/// the groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipTable<A> {
    /// The version run as querier (`version`).
    pub version: Compat,
    /// The Querier's address (`querier`), if known.
    pub querier: Option<A>,
    /// Whether this router is the Querier.
    pub is_querier: bool,
    /// Time until the Other Querier Present timer runs out.
    pub other_querier_expire: Option<Duration>,
    /// Robustness Variable in use (`robustness-variable`).
    pub robustness: u8,
    /// Query Interval in use (`query-interval`).
    pub query_interval: Duration,
    /// Query Response Interval (`query-max-response-time`).
    pub query_max_response_time: Duration,
    /// Last Member Query Interval (`last-member-query-interval`).
    pub last_member_query_interval: Duration,
    /// Time since the engine started (`up-time`).
    pub up_time: Duration,
    /// Groups, in address order.
    pub groups: Vec<GroupEntry<A>>,
}

pub(crate) fn build<P: RouterProtocol>(r: &Router<P>, now: Instant) -> MembershipTable<P::Addr> {
    let left = |t: Option<Instant>| t.map(|t| t.saturating_duration_since(now));
    let groups = r
        .groups
        .iter()
        .map(|(&super::Key(group), g)| {
            let expire = match g.mode {
                FilterMode::Exclude => left(g.timer),
                FilterMode::Include => left(g.sources.iter().filter_map(|s| s.timer).max()),
            };
            GroupEntry {
                group,
                filter_mode: g.mode,
                version: g.compat(),
                up_time: now.saturating_duration_since(g.since),
                expire,
                last_reporter: g.reporter,
                sources: g
                    .sources
                    .iter()
                    .map(|s| SourceEntry {
                        source: s.addr,
                        up_time: now.saturating_duration_since(s.since),
                        expire: left(s.timer),
                        last_reporter: s.reporter,
                    })
                    .collect(),
            }
        })
        .collect();
    MembershipTable {
        version: r.version,
        querier: r.querier,
        is_querier: r.is_querier,
        other_querier_expire: left(r.other_querier_until),
        robustness: r.robustness,
        query_interval: r.query_interval,
        query_max_response_time: r.config.query_response_interval,
        last_member_query_interval: r.config.last_member_query_interval,
        up_time: now.saturating_duration_since(r.started),
        groups,
    }
}
