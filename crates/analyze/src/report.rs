//! The analysis as data: what [`crate::Analyzer::finish`] returns, serialised
//! as the JSON document of `ipv4kit analyze --json` and printed as its text.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipv4kit_capture::time::Timestamp;
use serde::{Serialize, Serializer};

/// A point in the capture: its timestamp (RFC 3339 in JSON) and the
/// seconds since the first frame analysed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct At {
    /// The capture timestamp.
    pub ts: Timestamp,
    /// Nanoseconds since the first frame analysed.
    pub offset_ns: u64,
}

impl At {
    /// Seconds since the first frame analysed.
    pub fn secs(&self) -> f64 {
        self.offset_ns as f64 / 1e9
    }
}

impl Serialize for At {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.ts.rfc3339())
    }
}

/// The whole analysis.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Counts over every file.
    pub summary: Summary,
    /// One entry per link (pcapng interface × VLAN), with its IGMP and MLD.
    pub links: Vec<LinkReport>,
    /// The violations found, in frame order per file (at most
    /// [`crate::MAX_VIOLATIONS_LISTED`]; `summary.violations` counts all).
    pub violations: Vec<Violation>,
    /// Frames that did not parse (at most [`crate::MAX_UNPARSABLE_LISTED`];
    /// `summary.unparsable` counts all).
    pub unparsable: Vec<Unparsable>,
}

/// Counts over every file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// The files, in the order read.
    pub files: Vec<String>,
    /// Files that could not be read to the end, with the reason.
    pub file_errors: Vec<String>,
    /// Frames read.
    pub frames: u64,
    /// IGMP messages.
    pub igmp: u64,
    /// MLD messages.
    pub mld: u64,
    /// Other IP packets to a multicast group (data).
    pub data: u64,
    /// Frames that did not parse.
    pub unparsable: u64,
    /// Frames skipped: other interfaces (`--iface`), links beyond
    /// [`crate::MAX_LINKS`], tunnels inside tunnels.
    pub skipped: u64,
    /// The first frame's time.
    pub start: Option<At>,
    /// The last frame's time.
    pub end: Option<At>,
    /// Seconds from `start` to `end`.
    pub duration_s: f64,
    /// When the membership tables are taken (`--at`, else `end`).
    pub table_at: Option<At>,
    /// Links with IGMP or MLD.
    pub links: usize,
    /// Queriers seen over all links.
    pub queriers: usize,
    /// Groups with state in the tables.
    pub groups: usize,
    /// Violations found (all of them, listed or not).
    pub violations: u64,
    /// Violations by RFC section.
    pub violations_by_rfc: BTreeMap<&'static str, u64>,
}

/// One link.
#[derive(Clone, Debug, Serialize)]
pub struct LinkReport {
    /// A name: the file (when several), the interface, the VLAN, and for a
    /// tunnel's link the tunnel (`vxlan 4242`, `gre key 7`, `gre
    /// 198.18.0.1>198.18.0.2`) and the inner frame's VLAN.
    pub name: String,
    /// The pcapng interface name, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// The outermost VLAN id, if tagged (a tunnel's link: the outer frame's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vlan: Option<u16>,
    /// IGMP, then MLD, where present.
    pub protocols: Vec<ProtocolReport>,
}

/// IGMP or MLD on one link.
#[derive(Clone, Debug, Serialize)]
pub struct ProtocolReport {
    /// `igmp` or `mld`.
    pub protocol: &'static str,
    /// Messages by kind.
    pub messages: Messages,
    /// Every router that sent a query, by address.
    pub queriers: Vec<QuerierReport>,
    /// Who was Querier when, as the passive engine elected (RFC 3376 §6.6.2).
    pub querier_timeline: Vec<QuerierPeriod>,
    /// Times a querier was elected (the first one included).
    pub elections: u64,
    /// Times the Querier changed from one router to another.
    pub takeovers: u64,
    /// The membership table at `summary.table_at`.
    pub table: Table,
    /// Per group: who held it over time.
    pub groups: Vec<GroupReport>,
    /// Groups not tracked beyond [`crate::MAX_GROUPS`].
    pub groups_untracked: u64,
    /// Leave and join latencies, answers against Max Resp Time.
    pub latency: Latency,
    /// What the engine refused or ignored.
    pub engine: EngineCounts,
}

/// Messages by kind.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Messages {
    /// General queries.
    pub general_queries: u64,
    /// Group- and group-and-source-specific queries.
    pub specific_queries: u64,
    /// v1/v2 reports (MLDv1 reports).
    pub old_reports: u64,
    /// v3 (MLDv2) reports.
    pub reports: u64,
    /// Leaves (MLD: done).
    pub leaves: u64,
    /// Other types (DVMRP, mtrace, unknown).
    pub other: u64,
    /// Data packets to groups this link tracks.
    pub data: u64,
}

/// One router that sent queries.
#[derive(Clone, Debug, Serialize)]
pub struct QuerierReport {
    /// Its address.
    pub address: IpAddr,
    /// Its first and last query.
    pub first_seen: At,
    /// See `first_seen`.
    pub last_seen: At,
    /// Query versions it sent.
    pub versions: Vec<u8>,
    /// General queries sent.
    pub general_queries: u64,
    /// Specific queries sent.
    pub specific_queries: u64,
    /// General queries sent at startup (RFC 3376 §8.6, §8.7): the first of
    /// each run and those that follow at less than ¾ of the Query Interval.
    pub startup_queries: u64,
    /// Seconds it was the elected Querier.
    pub querier_s: f64,
    /// The last QRV announced (v3/MLDv2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qrv: Option<u8>,
    /// The last QQI announced, seconds (v3/MLDv2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qqi_s: Option<u32>,
    /// The last General Query's Max Resp Time, milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_resp_ms: Option<u32>,
    /// The last specific query's Max Resp Time (its Last Member Query
    /// Interval), milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_member_max_resp_ms: Option<u32>,
    /// Intervals between its consecutive General Queries.
    pub observed_interval: Stats,
}

/// Minimum, mean and maximum of some seconds.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Stats {
    /// How many.
    pub count: u64,
    /// Smallest, seconds.
    pub min_s: f64,
    /// Mean, seconds.
    pub mean_s: f64,
    /// Largest, seconds.
    pub max_s: f64,
}

impl Stats {
    pub(crate) fn add(&mut self, s: f64) {
        if self.count == 0 {
            self.min_s = s;
            self.max_s = s;
        }
        self.min_s = self.min_s.min(s);
        self.max_s = self.max_s.max(s);
        self.mean_s += (s - self.mean_s) / (self.count + 1) as f64;
        self.count += 1;
    }
}

/// A stretch of time with one Querier (or none known).
#[derive(Clone, Debug, Serialize)]
pub struct QuerierPeriod {
    /// The Querier; `None` after the Other Querier Present timer ran out.
    pub querier: Option<IpAddr>,
    /// From.
    pub from: At,
    /// To (the end of the capture for the last one).
    pub to: At,
    /// The frame that started it (the query that won the election).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
}

/// The membership table (RFC 8652's data) at one time.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Table {
    /// When.
    pub at: Option<At>,
    /// The Querier then.
    pub querier: Option<IpAddr>,
    /// The version the link runs (the Querier's, lowered for older ones).
    pub version: u8,
    /// Robustness Variable in use.
    pub robustness: u8,
    /// Query Interval in use, seconds.
    pub query_interval_s: f64,
    /// Groups with state.
    pub groups: Vec<TableGroup>,
}

/// One group in the table.
#[derive(Clone, Debug, Serialize)]
pub struct TableGroup {
    /// The group.
    pub group: IpAddr,
    /// `include` or `exclude`.
    pub filter_mode: &'static str,
    /// Group compatibility mode (1, 2, 3; MLD 1, 2).
    pub version: u8,
    /// Seconds since it got state.
    pub up_s: f64,
    /// Seconds until its timer runs out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_s: Option<f64>,
    /// The host that reported it last.
    pub last_reporter: IpAddr,
    /// Sources: forwarded (`expires_s` set) or excluded.
    pub sources: Vec<TableSource>,
    /// The hosts holding it then, as their last reports say.
    pub hosts: Vec<Holder>,
}

/// One source of a group in the table.
#[derive(Clone, Debug, Serialize)]
pub struct TableSource {
    /// The source.
    pub source: IpAddr,
    /// Seconds until its timer runs out; absent for an excluded source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_s: Option<f64>,
}

/// A host's membership as its last report says.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Holder {
    /// The host.
    pub host: IpAddr,
    /// `include` or `exclude`.
    pub filter_mode: &'static str,
    /// The source list.
    pub sources: Vec<IpAddr>,
    /// The version of its last report.
    pub version: u8,
    /// Since when it holds the group.
    pub since: At,
    /// Its last report.
    pub last_report: At,
}

/// One group's history.
#[derive(Clone, Debug, Serialize)]
pub struct GroupReport {
    /// The group.
    pub group: IpAddr,
    /// Its first message.
    pub first_seen: At,
    /// Reports and leaves about it.
    pub messages: u64,
    /// Distinct hosts that reported it (up to the cap).
    pub hosts_seen: u64,
    /// What changed, in order (at most [`crate::MAX_TIMELINE`] entries).
    pub timeline: Vec<TimelineEntry>,
    /// Entries left out beyond the cap.
    pub timeline_dropped: u64,
}

/// One change of a group's holders.
#[derive(Clone, Debug, Serialize)]
pub struct TimelineEntry {
    /// When.
    pub time: At,
    /// The frame (0 for a timer).
    pub frame: u64,
    /// `join`, `change`, `leave`, or `expired` (the router's timers ran
    /// out: every holder gone).
    pub event: &'static str,
    /// The host; absent for `expired`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<IpAddr>,
    /// `include` or `exclude` after the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_mode: Option<&'static str>,
    /// Sources after the change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<IpAddr>,
    /// The report's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    /// Holders after the change.
    pub holders: usize,
}

/// Latencies.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Latency {
    /// Leave → last-member queries → removal (or another member's answer).
    pub leaves: Vec<LeaveLatency>,
    /// First report → first data packet of the group.
    pub joins: Vec<JoinLatency>,
    /// Entries left out beyond [`crate::MAX_LATENCIES`].
    pub dropped: u64,
    /// Answers to queries against their Max Resp Time.
    pub answers: Answers,
}

/// One leave.
#[derive(Clone, Debug, Serialize)]
pub struct LeaveLatency {
    /// The group.
    pub group: IpAddr,
    /// The host that left.
    pub host: IpAddr,
    /// The leave's frame and time.
    pub frame: u64,
    /// See `frame`.
    pub time: At,
    /// Group-specific queries seen after it.
    pub last_member_queries: u64,
    /// Seconds to the first of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_query_after_s: Option<f64>,
    /// `removed` (the router's group timer ran out), `kept` (another member
    /// answered), `rejoined` (the host that left reported the group again
    /// before it was removed) or `pending` (the capture ended first).
    pub outcome: &'static str,
    /// Seconds from the leave to the removal or the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_s: Option<f64>,
}

/// One join and the first data after it.
#[derive(Clone, Debug, Serialize)]
pub struct JoinLatency {
    /// The group.
    pub group: IpAddr,
    /// The report's frame and time.
    pub frame: u64,
    /// See `frame`.
    pub time: At,
    /// The first data packet's frame.
    pub data_frame: u64,
    /// Seconds from the report to the data.
    pub data_after_s: f64,
}

/// Answers (current-state records, v2 and MLDv1 reports after a query)
/// against the Max Resp Time of the query they answer.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Answers {
    /// Answers seen and timed.
    pub count: u64,
    /// Answers later than the Max Resp Time (v3/MLDv2 current-state records).
    pub late: u64,
    /// Delay after the query, as a fraction of its Max Resp Time.
    pub delay_fraction: Stats,
    /// IGMPv1 reports within 10 s of a query, not timed: RFC 1112 hosts
    /// wait up to 10 s whatever the query's Max Resp Time says (RFC 1112
    /// App. I, RFC 3376 §7.1), so they are neither in `count` nor in
    /// `delay_fraction`.
    pub v1_untimed: u64,
}

/// What the engine refused or ignored (its counters).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct EngineCounts {
    /// Messages that did not parse (length, checksum).
    pub malformed: u64,
    /// Messages with TTL ≠ 1.
    pub bad_ttl: u64,
    /// MLD messages from sources that are not link-local.
    pub not_link_local: u64,
    /// Records for addresses never reported.
    pub not_multicast: u64,
    /// EXCLUDE records and v1/v2 messages for SSM groups.
    pub ssm_ignored: u64,
    /// Records ignored in a compatibility mode.
    pub ignored_records: u64,
    /// Groups refused at the engine's cap.
    pub groups_refused: u64,
    /// Sources refused at the engine's cap.
    pub sources_refused: u64,
    /// Records processed.
    pub records: u64,
}

/// A message that breaks an RFC rule.
#[derive(Clone, Debug, Serialize)]
pub struct Violation {
    /// The file, when several were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The frame number in its file, 1-based as `decode` counts.
    pub frame: u64,
    /// When.
    pub time: At,
    /// The link.
    pub link: String,
    /// The sender.
    pub source: IpAddr,
    /// The rule, e.g. "RFC 3376 §6.6.2".
    pub rfc: &'static str,
    /// What is wrong, as a sentence.
    pub reason: String,
}

/// A frame that did not parse.
#[derive(Clone, Debug, Serialize)]
pub struct Unparsable {
    /// The file, when several were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The frame number in its file.
    pub frame: u64,
    /// When, if the frame has a time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<At>,
    /// The layer that failed (`link`, `ipv4`, `ipv6`, `igmp`, `mld`, ...).
    pub layer: &'static str,
    /// Why.
    pub reason: String,
}
