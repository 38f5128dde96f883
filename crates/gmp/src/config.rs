//! Settings of a host engine, errors of its membership API, and its events.

use core::fmt;
use core::time::Duration;

use crate::protocol::{Compat, Protocol};

/// Settings of a [`Host`](crate::Host). Defaults follow RFC 3376 §8 and, where
/// the RFC leaves a choice, the Linux kernel.
#[derive(Clone, Copy, Debug)]
pub struct Config<P: Protocol> {
    /// [Robustness Variable] (RFC 3376 §8.1): state-change reports are sent
    /// this many times. Default 2. A value of 0 is treated as 1.
    pub robustness: u8,
    /// Adopt the QRV of IGMPv3 queries as the Robustness Variable, as Linux
    /// does (RFC 3376 §4.1.6). Default on.
    pub learn_robustness: bool,
    /// [Unsolicited Report Interval] in v3 mode (RFC 3376 §8.11). Default 1 s.
    pub unsolicited_report_interval: Duration,
    /// Unsolicited Report Interval in v1/v2 mode (RFC 2236 §8.10). Default 10 s.
    pub old_unsolicited_report_interval: Duration,
    /// IP MTU of the interface: reports are split to fit (RFC 3376 §4.2.16).
    /// Default 1500.
    pub mtu: usize,
    /// Which groups are SSM groups (RFC 4604). Default 232.0.0.0/8.
    pub ssm_range: fn(&P::Addr) -> bool,
    /// Refuse EXCLUDE-mode filters (any-source joins, blocks) for SSM groups
    /// (RFC 4604 §2.2.1: SHOULD). Default on.
    pub refuse_ssm_exclude: bool,
    /// Groups one requester may hold (Linux: `igmp_max_memberships`, 20).
    pub max_groups_per_requester: usize,
    /// Groups the interface may hold over all requesters. Default 4096.
    pub max_groups: usize,
    /// Sources in one requester's filter (Linux: `igmp_max_msf`, 10).
    pub max_sources_per_filter: usize,
    /// Sources a pending group-and-source response may record (RFC 3376 §9:
    /// limit them); beyond this the response covers the whole group. Default 1024.
    pub max_query_sources: usize,
    /// Ignore v2/v3 queries without Router Alert (RFC 3376 §9.1: SHOULD). Default on.
    pub require_router_alert: bool,
    /// Ignore General Queries not sent to the all-systems group (RFC 3376
    /// §9.1: SHOULD). Default on for IGMP; off for MLD, whose hosts MUST
    /// accept queries sent to any address of the interface (RFC 3810 §5.1.15).
    pub require_general_query_to_all_nodes: bool,
    /// Ignore queries whose IP source is not link-local (MLD: RFC 3810
    /// §5.1.14, MUST; IGMP has no such rule and ignores the setting).
    /// Default on.
    pub require_link_local_query_source: bool,
    /// Fall back to v1/v2 when an older querier is heard (RFC 3376 §7.2.1).
    /// Default on, as in RFC 3376 and Linux (RFC 9776 §7.2 suggests an option).
    pub compatibility: bool,
    /// Always run this version (Linux: `force_igmp_version`); `None` by default.
    pub force_version: Option<Compat>,
}

impl<P: Protocol> Default for Config<P> {
    fn default() -> Self {
        Config {
            robustness: 2,
            learn_robustness: true,
            unsolicited_report_interval: P::UNSOLICITED_REPORT_INTERVAL,
            old_unsolicited_report_interval: P::OLD_UNSOLICITED_REPORT_INTERVAL,
            mtu: 1500,
            ssm_range: P::is_default_ssm,
            refuse_ssm_exclude: true,
            max_groups_per_requester: 20,
            max_groups: 4096,
            max_sources_per_filter: 10,
            max_query_sources: 1024,
            require_router_alert: true,
            require_general_query_to_all_nodes: P::GENERAL_QUERY_TO_ALL_NODES_ONLY,
            require_link_local_query_source: true,
            compatibility: true,
            force_version: None,
        }
    }
}

/// Why a membership call was refused. Nothing changed when it is returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The group is not a multicast address.
    NotMulticast,
    /// An EXCLUDE filter for an SSM group (RFC 4604 §2.2.1).
    SsmExclude,
    /// An any-source join of a group the requester already has a filter for
    /// (RFC 3678 §4.1.1: use the source calls; Linux: EADDRINUSE).
    AlreadyMember,
    /// A leave, block or source call for a group the requester has no
    /// matching filter for (Linux: EADDRNOTAVAIL).
    NotMember,
    /// A source call that does not match the requester's filter mode
    /// (a source join on an EXCLUDE filter, a block on an INCLUDE one).
    ModeMismatch,
    /// The source is already in, or not in, the filter.
    Source,
    /// More sources than [`Config::max_sources_per_filter`] (RFC 3376 §3.1: SHOULD error).
    TooManySources {
        /// The limit.
        limit: usize,
    },
    /// More groups than [`Config::max_groups_per_requester`] or [`Config::max_groups`].
    TooManyGroups {
        /// The limit.
        limit: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotMulticast => f.write_str("group address is not multicast"),
            Error::SsmExclude => {
                f.write_str("EXCLUDE filter refused for an SSM group (RFC 4604 §2.2.1)")
            }
            Error::AlreadyMember => f.write_str("requester already has a filter for the group"),
            Error::NotMember => f.write_str("requester has no filter for the group"),
            Error::ModeMismatch => f.write_str("source call does not match the filter mode"),
            Error::Source => f.write_str("source already in, or not in, the filter"),
            Error::TooManySources { limit } => write!(f, "more than {limit} sources in one filter"),
            Error::TooManyGroups { limit } => write!(f, "more than {limit} groups"),
        }
    }
}

impl core::error::Error for Error {}

/// Why a received message was ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IgnoreReason {
    /// A v2/v3 query without Router Alert (RFC 3376 §9.1).
    NoRouterAlert,
    /// A General Query not sent to the all-nodes group (RFC 3376 §9.1).
    GeneralQueryDestination,
    /// A group-specific query for a group that is not multicast.
    BadGroup,
    /// An MLD query whose IP source is not link-local (RFC 3810 §5.1.14).
    SourceNotLinkLocal,
}

/// Something that changed in the engine, for the caller to log or act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Event {
    /// Host Compatibility Mode changed (RFC 3376 §7.2.1); pending responses
    /// and retransmissions were cancelled.
    CompatChanged {
        /// Old mode.
        from: Compat,
        /// New mode.
        to: Compat,
    },
    /// A query was ignored.
    QueryIgnored(IgnoreReason),
    /// An IGMPv1 / IGMPv2 query concerned an SSM group (RFC 9776 §7.2.1: SHOULD log).
    OldQueryForSsmGroup,
}
