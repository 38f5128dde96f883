//! Settings, counters and events of the router engine.

use core::time::Duration;

use crate::protocol::{Compat, Protocol};

/// Settings of a [`Router`](super::Router). Defaults follow RFC 3376 §8.
#[derive(Clone, Copy, Debug)]
pub struct RouterConfig<P: Protocol> {
    /// This router's address on the link: the querier election compares it
    /// (RFC 3376 §6.6.2: the lowest address wins).
    pub address: P::Addr,
    /// The interface's subnet (`address`, prefix length): reports from
    /// other sources are ignored (RFC 3376 §9.2). `None`: no check.
    pub subnet_prefix: Option<u8>,
    /// The version run as querier (RFC 3376 §7.3.1: an administrative
    /// setting); lowered while an older querier is heard. Default v3.
    pub version: Compat,
    /// Passive: track the membership table, never send and never become
    /// Querier. Default off.
    pub passive: bool,
    /// [Robustness Variable] (RFC 3376 §8.1). Default 2; 0 is read as 1.
    pub robustness: u8,
    /// [Query Interval] (RFC 3376 §8.2). Default 125 s.
    pub query_interval: Duration,
    /// [Query Response Interval] (RFC 3376 §8.3). Default 10 s.
    pub query_response_interval: Duration,
    /// [Startup Query Interval] (RFC 3376 §8.6). Default ¼ Query Interval.
    pub startup_query_interval: Option<Duration>,
    /// [Startup Query Count] (RFC 3376 §8.7). Default: the Robustness Variable.
    pub startup_query_count: Option<u8>,
    /// [Last Member Query Interval] (RFC 3376 §8.8). Default 1 s.
    pub last_member_query_interval: Duration,
    /// [Last Member Query Count] (RFC 3376 §8.9). Default: the Robustness Variable.
    pub last_member_query_count: Option<u8>,
    /// Which groups are SSM groups (RFC 4604). Default 232.0.0.0/8.
    pub ssm_range: fn(&P::Addr) -> bool,
    /// Ignore reports without Router Alert (RFC 3376 §9.2: MAY; breaks
    /// IGMPv1 hosts). Default off.
    pub require_router_alert: bool,
    /// Ignore messages not sent with TTL 1 (RFC 3376 §4). Default on.
    pub require_ttl_1: bool,
    /// Accept reports from the unspecified address (RFC 3376 §4.2.13:
    /// MUST). Default on.
    pub accept_unspecified_source: bool,
    /// Groups tracked; reports for more are refused and counted. Default 4096.
    pub max_groups: usize,
    /// Sources tracked per group; more are refused and counted. Default 1024.
    pub max_sources_per_group: usize,
    /// Largest IP datagram a query may take: source queries are split to
    /// fit (RFC 3376 §4.1.8). Default 1500.
    pub mtu: usize,
}

impl<P: Protocol> RouterConfig<P> {
    /// Defaults for a router at `address`.
    pub fn new(address: P::Addr) -> Self {
        RouterConfig {
            address,
            subnet_prefix: None,
            version: Compat::V3,
            passive: false,
            robustness: 2,
            query_interval: P::QUERY_INTERVAL,
            query_response_interval: P::QUERY_RESPONSE_INTERVAL,
            startup_query_interval: None,
            startup_query_count: None,
            last_member_query_interval: Duration::from_secs(1),
            last_member_query_count: None,
            ssm_range: P::is_default_ssm,
            require_router_alert: false,
            require_ttl_1: true,
            accept_unspecified_source: true,
            max_groups: 4096,
            max_sources_per_group: 1024,
            mtu: 1500,
        }
    }
}

/// How a message arrived: what the IP header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RouterRxMeta<A> {
    /// IP source address.
    pub source: A,
    /// IP destination address.
    pub destination: A,
    /// IP TTL.
    pub ttl: u8,
    /// Whether the IP header carried Router Alert (RFC 2113).
    pub router_alert: bool,
}

/// Messages and records the engine refused or ignored, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Counters {
    /// Messages that did not parse (length, checksum).
    pub malformed: u64,
    /// Messages without Router Alert, with [`RouterConfig::require_router_alert`].
    pub no_router_alert: u64,
    /// Messages with TTL ≠ 1, with [`RouterConfig::require_ttl_1`].
    pub bad_ttl: u64,
    /// Reports from 0.0.0.0 with [`RouterConfig::accept_unspecified_source`] off.
    pub unspecified_source: u64,
    /// Reports from off-subnet sources (RFC 3376 §9.2).
    pub off_subnet: u64,
    /// MLD messages from a source that is not link-local, `::` included
    /// (RFC 3810 §5.1.14, §5.2.13).
    pub not_link_local: u64,
    /// Records or reports for addresses that are not multicast, or not
    /// reported at all (all-nodes; for MLD also scopes 0 and 1, RFC 3810 §6).
    pub not_multicast: u64,
    /// IS_EX/TO_EX records for SSM groups (RFC 4604 §2.2.2).
    pub ssm_exclude: u64,
    /// IGMPv1/v2 reports and leaves for SSM groups (RFC 4604 §2.2.2).
    pub ssm_old: u64,
    /// Records ignored in a compatibility mode (RFC 3376 §7.3.2) or of unknown type.
    pub ignored_records: u64,
    /// New groups refused at [`RouterConfig::max_groups`].
    pub groups_refused: u64,
    /// New sources refused at [`RouterConfig::max_sources_per_group`].
    pub sources_refused: u64,
    /// Queries heard from other routers.
    pub queries_received: u64,
    /// Records processed.
    pub records: u64,
    /// Queries sent.
    pub queries_sent: u64,
    /// Events dropped because the event queue was full.
    pub events_dropped: u64,
}

/// Something that changed in the router engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RouterEvent<A> {
    /// A group got state.
    GroupAdded {
        /// The group.
        group: A,
    },
    /// A group's state ended: its timers ran out (RFC 3376 §6.5, §6.3).
    GroupExpired {
        /// The group.
        group: A,
    },
    /// A source record was created.
    SourceAdded {
        /// The group.
        group: A,
        /// The source.
        source: A,
    },
    /// A source record was deleted by a record or its timer (RFC 3376 §6.3, §6.4).
    SourceRemoved {
        /// The group.
        group: A,
        /// The source.
        source: A,
    },
    /// The querier changed (RFC 3376 §6.6.2).
    QuerierChanged {
        /// The new querier, `None` when unknown (a passive router).
        querier: Option<A>,
        /// Whether this router is now the Querier.
        is_self: bool,
    },
    /// A group's compatibility mode changed (RFC 3376 §7.3.2).
    GroupCompatChanged {
        /// The group.
        group: A,
        /// Old mode.
        from: Compat,
        /// New mode.
        to: Compat,
    },
    /// The version run as querier changed (RFC 3376 §7.3.1).
    QuerierCompatChanged {
        /// Old version.
        from: Compat,
        /// New version.
        to: Compat,
    },
}
