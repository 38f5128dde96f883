//! What differs between IGMP (IPv4) and MLD (IPv6) for the checks: the
//! well-known addresses, the ranges, and which RFC section each rule cites.

use core::fmt::{Debug, Display};
use core::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A rule the analysis checks; [`Addr::rfc`] names its RFC section per
/// protocol and version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rule {
    /// TTL / hop limit 1 and Router Alert on every message.
    Encapsulation,
    /// Where a query is sent (all-nodes or the group).
    QueryDestination,
    /// Where a report or leave/done is sent.
    ReportDestination,
    /// The IP source a query may have.
    QuerySource,
    /// The IP source a report may have (MLD: link-local or ::).
    ReportSource,
    /// The querier election: only the Querier queries.
    Election,
    /// The message checksum (queries, v1/v2 messages).
    Checksum,
    /// A v3 (MLDv2) report's checksum.
    ReportChecksum,
    /// Query lengths that are to be ignored.
    QueryLength,
    /// QQI announced vs the interval observed.
    Qqi,
    /// Max Resp Time below the Query Interval.
    MaxResp,
    /// Answers within the Max Resp Time.
    ResponseDelay,
    /// The all-nodes group (and MLD's small scopes) is never reported.
    NeverReported,
    /// EXCLUDE (and v1/v2 reports) for SSM groups.
    Ssm,
    /// Routers use the lowest version present.
    RouterCompat,
    /// Hosts fall back to the older querier's version.
    HostCompat,
    /// Queries come from the link (an IPv4 source in a given prefix).
    OffLink,
    /// A querier in a group's compatibility mode ignores what that mode
    /// ignores (BLOCK; in IGMPv1 mode also leaves).
    CompatQuery,
    /// The Querier answers a leave (TO_IN) with a Group-Specific Query.
    MissingQuery,
}

/// An IGMP or MLD address with the family's facts.
pub(crate) trait Addr: Copy + Ord + Hash + Display + Debug + Into<IpAddr> + 'static {
    /// `igmp` or `mld`.
    const PROTOCOL: &'static str;
    /// 0.0.0.0 / ::.
    const UNSPECIFIED: Self;
    /// 224.0.0.1 / ff02::1.
    const ALL_NODES: Self;
    /// 224.0.0.2 / ff02::2.
    const ALL_ROUTERS: Self;
    /// 224.0.0.22 / ff02::16.
    const V3_REPORTS: Self;
    /// The newest version (3 for IGMP, 2 for MLD).
    const NEWEST: u8;

    /// SSM range (232/8, ff3x::/32; RFC 4607).
    fn is_ssm(&self) -> bool;
    /// Never reported: 224.0.0.1; ff02::1 and scopes 0 and 1.
    fn never_reported(&self) -> bool;
    /// Why a query's source is impossible, if it is.
    fn bad_query_source(&self) -> Option<&'static str>;
    /// Why a report's source is impossible, if it is.
    fn bad_report_source(&self) -> Option<&'static str>;
    /// The section a rule comes from, for this family and message version.
    fn rfc(rule: Rule, version: u8) -> &'static str;
}

impl Addr for Ipv4Addr {
    const PROTOCOL: &'static str = "igmp";
    const UNSPECIFIED: Self = Ipv4Addr::UNSPECIFIED;
    const ALL_NODES: Self = Ipv4Addr::new(224, 0, 0, 1);
    const ALL_ROUTERS: Self = Ipv4Addr::new(224, 0, 0, 2);
    const V3_REPORTS: Self = Ipv4Addr::new(224, 0, 0, 22);
    const NEWEST: u8 = 3;

    fn is_ssm(&self) -> bool {
        self.octets()[0] == 232
    }

    fn never_reported(&self) -> bool {
        *self == Self::ALL_NODES
    }

    fn bad_query_source(&self) -> Option<&'static str> {
        if self.is_unspecified() {
            Some("from 0.0.0.0: a querier sends from its address on the link, which the election compares")
        } else if self.is_multicast() || self.is_broadcast() {
            Some("from a multicast or broadcast address, which no router has")
        } else if self.is_loopback() {
            Some("from a loopback address (127/8), which is not on any link")
        } else {
            None
        }
    }

    fn bad_report_source(&self) -> Option<&'static str> {
        if self.is_multicast() || self.is_broadcast() {
            Some("from a multicast or broadcast address, which no host has")
        } else if self.is_loopback() {
            Some("from a loopback address (127/8), which is not on any link")
        } else {
            None
        }
    }

    fn rfc(rule: Rule, version: u8) -> &'static str {
        match (rule, version) {
            (Rule::Encapsulation, 1) => "RFC 1112 App. I",
            (Rule::Encapsulation, 2) => "RFC 2236 §2",
            (Rule::Encapsulation, _) => "RFC 3376 §4",
            (Rule::QueryDestination | Rule::ReportDestination, 1) => "RFC 1112 App. I",
            (Rule::QueryDestination | Rule::ReportDestination, 2) => "RFC 2236 §9",
            (Rule::QueryDestination, _) => "RFC 3376 §4.1.12",
            (Rule::ReportDestination, _) => "RFC 3376 §4.2.14",
            (Rule::QuerySource | Rule::Election, _) => "RFC 3376 §6.6.2",
            (Rule::ReportSource, _) => "RFC 3376 §9.2",
            (Rule::Checksum, 1 | 2) => "RFC 2236 §2.3",
            (Rule::Checksum, _) => "RFC 3376 §4.1.2",
            (Rule::ReportChecksum, _) => "RFC 3376 §4.2.2",
            (Rule::QueryLength, _) => "RFC 3376 §7.1",
            (Rule::Qqi, _) => "RFC 3376 §4.1.7",
            (Rule::MaxResp, _) => "RFC 3376 §8.3",
            (Rule::ResponseDelay, _) => "RFC 3376 §5.2",
            (Rule::NeverReported, 1 | 2) => "RFC 2236 §6",
            (Rule::NeverReported, _) => "RFC 3376 §5",
            (Rule::Ssm, _) => "RFC 4604 §2.2.2",
            (Rule::RouterCompat, _) => "RFC 3376 §7.3.1",
            (Rule::HostCompat, _) => "RFC 3376 §7.2.1",
            (Rule::OffLink, _) => "RFC 3376 §9.1",
            (Rule::CompatQuery, _) => "RFC 3376 §7.3.2",
            (Rule::MissingQuery, 1 | 2) => "RFC 2236 §3",
            (Rule::MissingQuery, _) => "RFC 3376 §6.4.2",
        }
    }
}

impl Addr for Ipv6Addr {
    const PROTOCOL: &'static str = "mld";
    const UNSPECIFIED: Self = Ipv6Addr::UNSPECIFIED;
    const ALL_NODES: Self = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
    const ALL_ROUTERS: Self = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);
    const V3_REPORTS: Self = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x16);
    const NEWEST: u8 = 2;

    fn is_ssm(&self) -> bool {
        self.segments()[0] & 0xfff0 == 0xff30
    }

    fn never_reported(&self) -> bool {
        *self == Self::ALL_NODES || self.segments()[0] & 0x000f <= 1
    }

    fn bad_query_source(&self) -> Option<&'static str> {
        (self.segments()[0] & 0xffc0 != 0xfe80)
            .then_some("from a source that is not link-local (queries must come from fe80::/10)")
    }

    fn bad_report_source(&self) -> Option<&'static str> {
        (!self.is_unspecified() && self.segments()[0] & 0xffc0 != 0xfe80)
            .then_some("from a source that is neither link-local nor ::")
    }

    fn rfc(rule: Rule, version: u8) -> &'static str {
        match (rule, version) {
            (Rule::Encapsulation, 1) => "RFC 2710 §3",
            (Rule::Encapsulation, _) => "RFC 3810 §5",
            (Rule::QueryDestination | Rule::ReportDestination, 1) => "RFC 2710 §8",
            (Rule::QueryDestination, _) => "RFC 3810 §5.1.15",
            (Rule::ReportDestination, _) => "RFC 3810 §5.2.14",
            (Rule::QuerySource, 1) => "RFC 2710 §3",
            (Rule::QuerySource, _) => "RFC 3810 §5.1.14",
            (Rule::ReportSource, 1) => "RFC 2710 §3",
            (Rule::ReportSource, _) => "RFC 3810 §5.2.13",
            (Rule::Election, _) => "RFC 3810 §7.6.2",
            (Rule::Checksum, 1) => "RFC 2710 §3.3",
            (Rule::Checksum, _) => "RFC 3810 §5.1.2",
            (Rule::ReportChecksum, _) => "RFC 3810 §5.2.2",
            (Rule::QueryLength, _) => "RFC 3810 §8.1",
            (Rule::Qqi, _) => "RFC 3810 §5.1.9",
            (Rule::MaxResp, _) => "RFC 3810 §9.3",
            (Rule::ResponseDelay, _) => "RFC 3810 §6.2",
            (Rule::NeverReported, 1) => "RFC 2710 §5",
            (Rule::NeverReported, _) => "RFC 3810 §6",
            (Rule::Ssm, _) => "RFC 4604 §2.2.2",
            (Rule::RouterCompat, _) => "RFC 3810 §8.3.1",
            (Rule::HostCompat, _) => "RFC 3810 §8.2.1",
            (Rule::OffLink, _) => "RFC 3810 §5.1.14",
            (Rule::CompatQuery, _) => "RFC 3810 §8.3.2",
            (Rule::MissingQuery, 1) => "RFC 2710 §4",
            (Rule::MissingQuery, _) => "RFC 3810 §7.4.2",
        }
    }
}
