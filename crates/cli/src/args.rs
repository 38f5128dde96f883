//! The command line (clap): every subcommand, its flags and its help text.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::emulate::{JoinSpec, MacAddr};
use crate::records::AnyRecordSpec;

/// A command line that parsed but asks for something impossible (a value
/// out of range for the version chosen, flags that do not go together).
/// `main` exits 2 for it, as for clap's own errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A [`UsageError`] boxed as the subcommands return errors.
pub fn usage(msg: impl Into<String>) -> Box<dyn std::error::Error> {
    Box::new(UsageError(msg.into()))
}

/// Whether `e` is a [`UsageError`] (exit status 2).
pub fn is_usage(e: &(dyn std::error::Error + 'static)) -> bool {
    e.downcast_ref::<UsageError>().is_some()
}

/// `--group`: a multicast group one can report, leave or query by name,
/// so not 224.0.0.1 (all systems: never reported or left, RFC 2236 §6; a
/// general query goes to it without --group).
fn group(s: &str) -> Result<Ipv4Addr, String> {
    let g: Ipv4Addr = s.parse().map_err(|e| format!("{e}"))?;
    if !g.is_multicast() {
        return Err(format!("{g} is not a multicast address (224.0.0.0/4)"));
    }
    if g == Ipv4Addr::new(224, 0, 0, 1) {
        return Err(
            "224.0.0.1 (all systems) is never reported, left or queried by name (RFC 2236 §6)"
                .into(),
        );
    }
    Ok(g)
}

/// `--group` of either family: an IPv4 group as [`group`] takes it, or an
/// IPv6 multicast address a listener reports (link scope or wider, not
/// ff02::1, all nodes: RFC 3810 §6, the twin of 224.0.0.1).
fn group_any(s: &str) -> Result<IpAddr, String> {
    let Ok(g) = s.parse::<std::net::Ipv6Addr>() else {
        return group(s).map(IpAddr::V4);
    };
    if !g.is_multicast() {
        return Err(format!("{g} is not a multicast address (ff00::/8)"));
    }
    if g == ipv4kit_wire::mld::ALL_NODES {
        return Err(
            "ff02::1 (all nodes) is never reported, left or queried by name (RFC 3810 §6)".into(),
        );
    }
    if !ipv4kit_wire::mld::is_reported(g) {
        return Err(format!(
            "{g} has interface-local or reserved scope: MLD never reports it (RFC 3810 §6)"
        ));
    }
    Ok(IpAddr::V6(g))
}

/// Seconds as a positive, finite number of at most 1e6.
fn seconds(s: &str) -> Result<f64, String> {
    let d: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if d > 0.0 && d <= 1e6 {
        Ok(d)
    } else {
        Err(format!("want seconds in (0, 1e6], not {d}"))
    }
}

/// IPv4 and IGMP at the packet level.
#[derive(Debug, Parser)]
#[command(name = "ipv4kit", version, about, long_about = None)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands. Each one's help (`ipv4kit query --help`) is the doc
/// comment of its arguments struct, long description included; the list in
/// `ipv4kit --help` shows the first line of each.
#[derive(Debug, Subcommand)]
#[allow(missing_docs)]
pub enum Command {
    Decode(DecodeArgs),
    Query(QueryArgs),
    Report(ReportArgs),
    Leave(LeaveArgs),
    Monitor(MonitorArgs),
    Send(SendArgs),
    Sink(SinkArgs),
    Querier(QuerierArgs),
    Emulate(EmulateArgs),
    Analyze(AnalyzeArgs),
}

/// Rebuild queriers, membership and RFC violations from IGMP/MLD captures.
///
/// Replays IGMP and MLD from pcap/pcapng files (every link layer `decode`
/// reads) through the router engine in passive mode, one engine per link
/// (pcapng interface × VLAN) and protocol, with the capture timestamps as
/// its clock. Reports, summary first:
///
/// - queriers: each router that queried, when it was the elected Querier
///   (RFC 3376 §6.6.2), elections and take-overs, its version, QRV, QQI and
///   Max Resp Time as announced and the query interval as observed, and the
///   startup queries;
///
/// - membership: the table (RFC 8652's data) at the end of the capture or
///   at --at, with each holder's last report, and per group the timeline of
///   joins, changes, leaves and expiries;
///
/// - latency: leave → last-member queries → removal; join → first data
///   packet to the group; answers against the query's Max Resp Time;
///
/// - violations, each with its frame number (1-based, as `decode` counts),
///   time, RFC section and reason: queries from a non-querier, from
///   0.0.0.0 or off-link sources, wrong destinations, missing Router Alert
///   or TTL ≠ 1, Max Resp Time not below the QQI, intervals not matching the
///   QQI, EXCLUDE or v1/v2 reports for SSM groups, reports of 224.0.0.1 or
///   ff02::1, bad checksums, query lengths to be ignored, late answers,
///   mixed versions without compatibility behaviour, source-specific queries
///   answering a BLOCK (and in IGMPv1 mode queries answering a leave) while
///   older hosts hold the group, a Querier sending no Group-Specific Query
///   after a leave (within its Last Member Query Interval + 1 s). Queries
///   from off the link are found only with --link-prefix.
///
/// Frames that do not parse are counted and listed; state is capped (4096
/// groups per link and protocol), so hostile captures cannot exhaust memory.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ipv4kit analyze capture.pcapng
  ipv4kit analyze --json capture.pcapng | jq '.violations[]'
  ipv4kit analyze --iface eth0 --at 120 --svg membership.svg capture.pcapng
  ipv4kit analyze --link-prefix 198.18.0.0/24 capture.pcap
  ipv4kit analyze --at 2024-05-01T10:00:00Z rotated-1.pcap rotated-2.pcap")]
pub struct AnalyzeArgs {
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
    /// Only frames captured on this pcapng interface (its if_name).
    #[arg(long, value_name = "NAME")]
    pub iface: Option<String>,
    /// Take the membership tables at this time: seconds after the first
    /// frame (30, 12.5) or an RFC 3339 UTC time (2024-05-01T10:00:00Z).
    #[arg(long, value_name = "TIME")]
    pub at: Option<ipv4kit_analyze::AtTime>,
    /// Also write an SVG: the Querier over time and each group's holders.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// The link's IPv4 prefix (repeatable, e.g. 198.18.0.0/24): a query
    /// from outside every one given is off-link (RFC 3376 §9.1). Without
    /// it, IPv4 sources are not checked against a prefix (a capture does not
    /// say the link's).
    #[arg(long, value_name = "PREFIX", value_parser = ipv4kit_analyze::parse_link_prefix)]
    pub link_prefix: Vec<ipv4kit_analyze::Ipv4Net>,
    /// pcap or pcapng files, analysed as one capture; `-` reads one from
    /// standard input.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

/// Decode IPv4 and IPv6 packets, with IGMP and MLD in full, from pcap/pcapng files or hex.
///
/// Link types: Ethernet (with 802.1Q/802.1ad tags), raw IP (12, 14, 101,
/// 228, 229), Linux cooked capture v1 and v2 (113, 276) with any hardware
/// type, BSD loopback (0, 108), PPP (9, 50, 204), Cisco HDLC (104). Every
/// frame gets a line, timestamp first (UTC); frames that are neither IPv4
/// nor IPv6 say why; IPv6 extension headers are walked to ICMPv6/MLD. A damaged packet prints its error and decoding goes on; a file that
/// cannot be read to its end is reported and the next file is read (the
/// exit status is then 1).
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ipv4kit decode tests/data/tcpdump/IGMP_V2.pcap
  ipv4kit decode --json capture.pcapng
  tcpdump -i eth0 -U -w - igmp | ipv4kit decode -
  ipv4kit decode --hex '46000020 00000000 0102 72c8 c0a80165 ef010101 94040000 1600f9fcef010101'")]
pub struct DecodeArgs {
    /// Print JSON Lines (one object per packet) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print the link-layer header (MAC addresses, Linux cooked fields), as
    /// `tcpdump -e` does (JSON always has it).
    #[arg(short = 'e')]
    pub link_header: bool,
    /// An IPv4 datagram as hex (spaces and colons allowed); may repeat.
    #[arg(long = "hex", value_name = "HEX")]
    pub hex: Vec<String>,
    /// pcap or pcapng files; `-` reads one from standard input.
    #[arg(value_name = "FILE", required_unless_present = "hex")]
    pub files: Vec<PathBuf>,
}

/// Send IGMP or MLD Membership Queries out of an interface (a querier's job).
///
/// Without --group: a General Query to 224.0.0.1. With --group: a
/// Group-Specific Query, and with --source (v3 only) a
/// Group-and-Source-Specific Query, sent to the group (RFC 3376 §4.1.12).
/// Every query goes out with TTL 1 and, for v2 and v3, the Router Alert
/// option (v3 also with TOS 0xc0; v1 queries carry no Router Alert, which
/// RFC 1112 predates); the kernel fills in the source address unless
/// --source-address gives one. Each query sent is
/// printed as `decode` prints it, with the source address the kernel
/// chose (asked with getsockname on the connected socket). Needs CAP_NET_RAW.
///
/// IPv6 (-6, or implied by an IPv6 --group, --source or --source-address):
/// MLD queries (RFC 3810; --version 1 for RFC 2710), ICMPv6 from the
/// interface's link-local address unless --source-address says otherwise,
/// hop limit 1, a hop-by-hop header with Router Alert 0 (MLD), to ff02::1
/// for a General Query, to the group otherwise. The kernel computes the
/// ICMPv6 checksum. MLDv2 max response: 0..=8387584 ms (16-bit code,
/// rounded down to what it can express); MLDv1: 0..=65535 ms.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ipv4kit query --iface eth0                              # v3 general query
  ipv4kit query --iface eth0 --version 2 --max-resp-ms 2000
  ipv4kit query --iface eth0 --group 239.1.1.1 --source 10.0.0.1 --source 10.0.0.2
  ipv4kit query --iface eth0 --count 3 --interval-ms 1000 --qrv 2 --qqi 125
  ipv4kit query --iface eth0 --source-address 192.0.2.1
  ipv4kit query -6 --iface eth0                           # MLDv2 general query
  ipv4kit query -6 --iface eth0 --version 1 --max-resp-ms 2000
  ipv4kit query --iface eth0 --group ff3e::8000:1 --source 2001:db8::1 --s-flag")]
pub struct QueryArgs {
    /// The interface to send out of.
    #[arg(long, value_name = "IF")]
    pub iface: String,
    /// Send MLD over IPv6 instead of IGMP (implied by an IPv6 --group,
    /// --source or --source-address).
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,
    /// Version of the query: IGMP 1..=3 (default 3), MLD 1 or 2 (default 2).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub version: Option<u8>,
    /// The group of a Group-Specific Query (default: a General Query).
    #[arg(long, value_name = "G", value_parser = group_any)]
    pub group: Option<IpAddr>,
    /// A source of a Group-and-Source-Specific Query (IGMPv3/MLDv2, needs
    /// --group); may repeat.
    #[arg(long = "source", value_name = "S")]
    pub sources: Vec<IpAddr>,
    /// Maximum response time in milliseconds (v2: 100..=25500 in steps of 100;
    /// v3: 0 or 100..=3174400, encoded as Max Resp Code, rounded down to what
    /// the code can express; MLDv1 0..=65535; MLDv2 0..=8387584). Default 10000.
    #[arg(long, value_name = "N")]
    pub max_resp_ms: Option<u32>,
    /// Set the S flag, Suppress Router-Side Processing (IGMPv3, MLDv2).
    #[arg(long)]
    pub s_flag: bool,
    /// Querier's Robustness Variable, 0..=7 (IGMPv3, MLDv2). Default 2.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=7))]
    pub qrv: Option<u8>,
    /// Querier's Query Interval in seconds, 0..=31744, encoded as QQIC (IGMPv3, MLDv2),
    /// rounded down to what the code can express. Default 125.
    #[arg(long, value_name = "SECS")]
    pub qqi: Option<u32>,
    /// Leave the Router Alert option out (IGMPv2, v3; MLD: the hop-by-hop header).
    #[arg(long)]
    pub no_router_alert: bool,
    /// IP time to live (IPv6: hop limit).
    #[arg(long, alias = "hop-limit", default_value_t = 1, value_name = "N")]
    pub ttl: u8,
    /// The source address of the queries (default: the one the kernel
    /// picks for the interface; MLD: its link-local address). RFC 3376
    /// §6.6.2 and RFC 3810 §7.6.2 elect the querier with the lowest address,
    /// so this chooses who wins. One of the interface's own, usually.
    #[arg(long, value_name = "ADDR")]
    pub source_address: Option<IpAddr>,
    /// How many queries to send.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: u64,
    /// Milliseconds between queries.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub interval_ms: u64,
}

/// Send IGMP or MLD Membership Reports out of an interface, as a host would.
///
/// v1 and v2: one report for --group, sent to the group (TTL 1; v2 with
/// Router Alert). v3: one or more reports to 224.0.0.22 (TTL 1, TOS 0xc0,
/// Router Alert) carrying the --record group records, split across reports
/// to fit the interface MTU (RFC 3376 §4.2.16); --group G is short for
/// --record to-ex:G, a join. Record TYPE is one of is-in, is-ex, to-in,
/// to-ex, allow, block. The source address is the one the kernel chooses
/// for the interface (asked with getsockname on the connected socket),
/// printed and put in the header; the interface's own membership state is
/// not changed. Needs CAP_NET_RAW.
///
/// IPv6 groups make MLD reports (ICMPv6 from the interface's link-local
/// address, hop limit 1, hop-by-hop Router Alert): --version 1 one MLDv1
/// report to the group (RFC 2710), --version 2 MLDv2 reports to ff02::16
/// (RFC 3810 §5.2) carrying the records, split to fit the MTU. IPv6
/// records are written TYPE/GROUP[/SRC,SRC...] (the slash form works for
/// IPv4 too): `--record allow/ff3e::1/2001:db8::1,2001:db8::2`. One
/// invocation sends one family.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ipv4kit report --iface eth0 --version 2 --group ff3e::8000:1      # MLDv2 join
  ipv4kit report --iface eth0 --version 2 --record is-ex/ff05::1:3 \\
                 --record allow/ff3e::1/2001:db8::1,2001:db8::2
  ipv4kit report --iface eth0 --version 1 --group ff05::1:3         # MLDv1
  ipv4kit report --iface eth0 --version 2 --group 239.1.1.1
  ipv4kit report --iface eth0 --version 3 --record to-ex:239.1.1.1
  ipv4kit report --iface eth0 --version 3 --record allow:232.1.1.1:10.0.0.1,10.0.0.2 \\
                 --record block:232.1.1.2:10.0.0.3")]
pub struct ReportArgs {
    /// The interface to send out of.
    #[arg(long, value_name = "IF")]
    pub iface: String,
    /// Version of the report: IGMP 1..=3, MLD 1 or 2.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub version: u8,
    /// The group reported (IGMPv1/v2, MLDv1; with IGMPv3 and MLDv2 a TO_EX
    /// record with no sources).
    #[arg(long, value_name = "G", value_parser = group_any)]
    pub group: Option<IpAddr>,
    /// An IGMPv3 group record TYPE:GROUP[:SRC,SRC...], or an MLDv2 (or
    /// IGMPv3) one TYPE/GROUP[/SRC,SRC...]; may repeat.
    #[arg(long = "record", value_name = "TYPE/GROUP[/SRC,...]")]
    pub records: Vec<AnyRecordSpec>,
}

/// Send an IGMPv2 Leave Group or MLDv1 Done message out of an interface.
///
/// The message goes to 224.0.0.2 (RFC 2236 §3), TTL 1, with Router Alert,
/// from the source address the kernel chooses for the interface (asked
/// with getsockname on the connected socket), which is printed. Needs
/// CAP_NET_RAW. An IPv6 group sends an MLDv1 Done (RFC 2710 §3) to ff02::2
/// from the interface's link-local address, hop limit 1, with a hop-by-hop
/// Router Alert.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ipv4kit leave --iface eth0 --group 239.1.1.1
  ipv4kit leave --iface eth0 --group ff3e::8000:1")]
pub struct LeaveArgs {
    /// The interface to send out of.
    #[arg(long, value_name = "IF")]
    pub iface: String,
    /// The group being left (IPv4 or IPv6).
    #[arg(long, value_name = "G", value_parser = group_any)]
    pub group: IpAddr,
}

/// Print every IGMP and MLD message on an interface's link, with kernel timestamps.
///
/// Each message is printed as `decode` prints it, with the kernel's
/// timestamp, the interface's name and index.
///
/// By default monitor uses a tap: an AF_PACKET socket bound to IF with a
/// kernel filter for IGMP and an all-multicast membership. It sees every
/// IGMP message on the link (reports to any group, 224.0.0.x included,
/// leaves, other hosts' queries, this host's own messages) and sends
/// nothing: no join, no report. Needs CAP_NET_RAW only.
///
/// The tap shows MLD (IPv6: MLDv1 queries, reports and dones, MLDv2 queries
/// and reports, RFC 2710 and 3810) beside IGMP, under the same JSON keys
/// (`mld` beside `igmp`, `ipv6` beside `ipv4`); other ICMPv6 messages are
/// left out. -4 shows IGMP only, -6 MLD only. --via mroute sees IGMP only.
///
/// Text lines read like tcpdump's (with --nano): the time (UTC,
/// nanoseconds), the interface, the direction (In, M multicast, B
/// broadcast, Out sent by this host), then the packet. --json prints JSON
/// Lines as `decode --json` does (`time` RFC 3339 and `time_epoch`, UTC,
/// nanoseconds), with `packet_type` and `src_mac` added. When the kernel
/// drops messages (the reader fell behind) monitor says so on stderr as it
/// happens. At the end a summary goes to stderr: messages by version and
/// type, and drops.
///
/// --via mroute uses the multicast-routing socket instead (MRT_INIT, one
/// VIF on IF, memberships of 224.0.0.22 and 224.0.0.2), as a router daemon
/// would: it misses v1/v2 reports to 224.0.0.0/24, its joins make this host
/// send reports, and its times are when monitor read the message. Needs
/// CAP_NET_RAW; when another program holds the routing socket it says so
/// and goes on with the memberships alone.
///
/// -w FILE also writes every message seen, with the kernel's timestamp, as
/// a capture that tcpdump and `ipv4kit decode` read: nanosecond pcap, or
/// pcapng (recording IF's name) when FILE ends in `.pcapng`; the packets
/// begin at their IPv4 or IPv6 header (LINKTYPE_RAW). The file is flushed after
/// every batch of packets and at exit, so it is complete whenever monitor
/// ends. `-w -` writes the pcap to standard output and prints no lines.
///
/// Runs until --count, --timeout-s, or SIGINT (Ctrl-C)/SIGTERM, then exits
/// 0. If IF goes down or is deleted, monitor exits 1 saying so.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ipv4kit monitor --iface eth0
  ipv4kit monitor --iface eth0 --json --count 10 --timeout-s 30
  ipv4kit monitor --iface eth0 --via mroute
  ipv4kit monitor --iface eth0 -w igmp.pcapng
  ipv4kit monitor --iface eth0 -w - | tcpdump -n -v -r -
  ipv4kit monitor --iface eth0 -6 --json")]
pub struct MonitorArgs {
    /// The interface to watch.
    #[arg(long, value_name = "IF")]
    pub iface: String,
    /// Print JSON Lines instead of text.
    #[arg(long)]
    pub json: bool,
    /// Stop after printing this many messages.
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "N")]
    pub timeout_s: Option<u64>,
    /// How to see the link: an AF_PACKET tap, or the multicast-routing socket.
    #[arg(long, value_enum, default_value_t = MonitorVia::Tap, value_name = "HOW")]
    pub via: MonitorVia,
    /// Also write every message seen to FILE: pcapng (with IF's name) when
    /// FILE ends in `.pcapng`, else nanosecond pcap; raw IP (LINKTYPE_RAW).
    /// `-` writes pcap to standard output and prints no lines.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// Also keep the membership table passively, as `querier` keeps it but
    /// never sending (the router engine in passive mode, fed from the tap),
    /// and print it at exit and on SIGUSR1 (JSON with --json: RFC 8652's
    /// names, as `querier` prints it). One table per family shown: IGMP's,
    /// then MLD's (`-4`/`-6` keep one).
    #[arg(long)]
    pub table: bool,
    /// IGMP (IPv4) only.
    #[arg(short = '4', conflicts_with = "mld_only")]
    pub igmp_only: bool,
    /// MLD (IPv6) only (the tap; not with --via mroute).
    #[arg(short = '6')]
    pub mld_only: bool,
}

/// How `monitor` sees the link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MonitorVia {
    /// An AF_PACKET tap: every IGMP message, nothing sent.
    Tap,
    /// The multicast-routing socket and memberships of 224.0.0.22/224.0.0.2.
    Mroute,
}

/// Generate raw IPv4 traffic with batched sends and report packets/s.
///
/// One datagram of --size bytes (a 20-byte header
/// and a payload of bytes 0, 1, 2, ...), sent --batch at a time with
/// sendmmsg on an IP_HDRINCL raw socket, until --count datagrams or
/// --duration-s seconds (default: 5 s). The kernel fills in source, ID and
/// checksum.
///
/// Prints `packets=N seconds=S pps=P` at the end (seconds spent sending,
/// packets the kernel accepted), or a JSON object with --json, and a
/// progress line on stderr every second when stderr is a terminal.
/// SIGINT (Ctrl-C) or SIGTERM stops it early; it still prints the summary,
/// as it does when a send fails part-way (then it exits 1 saying why).
/// Needs CAP_NET_RAW.
///
/// A multicast --dst needs --iface (the interface to send out of). An
/// IPv6 --dst sends over a raw IPv6 socket for --protocol: the kernel
/// writes the 40-byte IPv6 header (counted in --size) and the datagram
/// carries the payload pattern; multicast goes out of --iface
/// (IPV6_MULTICAST_IF), --ttl is the hop limit (--hop-limit).
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ipv4kit send --dst 2001:db8::2 --count 10000
  ipv4kit send --dst ff3e::1 --iface eth0 --hop-limit 4 --count 1000
  ipv4kit send --dst 198.18.0.2 --count 10000
  ipv4kit send --dst 198.18.0.2 --duration-s 10 --size 1500 --batch 64 --json
  ipv4kit send --dst 198.18.0.2 --via packet --iface eth0 --count 100000")]
pub struct SendArgs {
    /// Destination address, IPv4 or IPv6.
    #[arg(long, value_name = "ADDR")]
    pub dst: IpAddr,
    /// IP protocol number (253: RFC 3692 experimentation).
    #[arg(long, default_value_t = 253, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
    pub protocol: u8,
    /// Datagram size in bytes, header included (at most the interface MTU).
    #[arg(long, default_value_t = 48, value_name = "BYTES", value_parser = clap::value_parser!(u16).range(20..))]
    pub size: u16,
    /// Datagrams per sendmmsg call.
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub batch: u16,
    /// Send this many datagrams.
    #[arg(long, value_name = "N", conflicts_with = "duration_s", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Send for this many seconds.
    #[arg(long, value_name = "S", value_parser = seconds)]
    pub duration_s: Option<f64>,
    /// Send out of this interface (IP_PKTINFO).
    #[arg(long, value_name = "IF")]
    pub iface: Option<String>,
    /// IP time to live (IPv6: hop limit).
    #[arg(long, alias = "hop-limit", default_value_t = 64, value_name = "N")]
    pub ttl: u8,
    /// Print the summary as a JSON object.
    #[arg(long)]
    pub json: bool,
    /// Allow a broadcast destination (SO_BROADCAST); without it the
    /// kernel refuses to send to one.
    #[arg(long)]
    pub broadcast: bool,
    /// The send path: a raw IPv4 socket (IP_HDRINCL, the kernel's IP output
    /// path), or whole Ethernet frames through AF_PACKET with
    /// PACKET_QDISC_BYPASS (needs --iface; the destination must be on IF's
    /// link or multicast; source address and checksum are written here),
    /// through a PACKET_TX_RING (packet, measured the faster) or by
    /// sendmmsg (packet-sendmmsg).
    #[arg(long, value_enum, default_value_t = SendVia::Raw, value_name = "PATH")]
    pub via: SendVia,
}

/// How `send` puts datagrams on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SendVia {
    /// A raw IPv4 socket with IP_HDRINCL and sendmmsg.
    Raw,
    /// Ethernet frames through AF_PACKET (PACKET_QDISC_BYPASS) and a
    /// TPACKET_V2 transmit ring (PACKET_TX_RING).
    Packet,
    /// As packet, by sendmmsg instead of the ring.
    PacketSendmmsg,
}

impl SendVia {
    /// Whether the frames go through AF_PACKET (either way).
    pub fn is_packet(self) -> bool {
        matches!(self, SendVia::Packet | SendVia::PacketSendmmsg)
    }
}

/// Count raw IPv4 traffic with batched receives and report packets/s.
///
/// Datagrams of one protocol arrive with recvmmsg, --batch at a time,
/// into a 64 MiB receive buffer. Stops after --duration-s, or once traffic
/// has come and none arrived for --idle-timeout-ms.
///
/// Every datagram is validated: the IPv4 header (version, lengths,
/// checksum), the protocol, no truncation, and the payload `send` writes
/// (bytes 0, 1, 2, ...). Prints `packets=N seconds=S pps=P invalid=N drops=N` at
/// the end (packets counts every datagram, invalid the ones that failed,
/// drops those the kernel dropped for a full receive queue, SO_RXQ_OVFL;
/// seconds runs from the first batch to the last), or a JSON object with
/// --json, and a progress line on stderr every second when stderr is a
/// terminal. SIGINT (Ctrl-C) or SIGTERM stops it early; it still prints the
/// summary. Needs CAP_NET_RAW.
///
/// -6 counts IPv6 datagrams of the protocol (raw IPv6 socket: the payload
/// is checked, the kernel has taken the header off). --group G --iface IF
/// joins G on IF first (either family; IPv6 implied by an IPv6 G), so
/// multicast sent to it is counted.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ipv4kit sink -6 --idle-timeout-ms 1000
  ipv4kit sink --group ff3e::1 --iface eth0 --json
  ipv4kit sink --idle-timeout-ms 1000
  ipv4kit sink --protocol 253 --batch 64 --duration-s 30 --json")]
pub struct SinkArgs {
    /// IP protocol number to count.
    #[arg(long, default_value_t = 253, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
    pub protocol: u8,
    /// Datagrams per recvmmsg call.
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub batch: u16,
    /// Stop after this many seconds.
    #[arg(long, value_name = "S", value_parser = seconds)]
    pub duration_s: Option<f64>,
    /// Count IPv6 datagrams (implied by an IPv6 --group).
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,
    /// Join this multicast group on --iface before counting.
    #[arg(long, value_name = "G", requires = "iface")]
    pub group: Option<IpAddr>,
    /// The interface to join --group on.
    #[arg(long, value_name = "IF", requires = "group")]
    pub iface: Option<String>,
    /// Once traffic has come, stop when none arrived for this long.
    #[arg(long, default_value_t = 1000, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_ms: u64,
    /// Print the summary as a JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Run an IGMP querier (a multicast router's half of RFC 3376) on an interface.
///
/// The router engine of ipv4kit-gmp keeps the link's membership state
/// (RFC 3376 §6): groups and sources with their timers, filter modes,
/// compatibility with older hosts and queriers (§7.3), the SSM range (RFC
/// 4604). It takes part in the querier election (§6.6.2: the lowest address
/// wins; IF's first IPv4 address is ours), and while it is the Querier
/// sends General Queries every --query-interval-s, and Group-Specific and
/// Group-and-Source-Specific Queries when hosts leave (§6.6.3).
///
/// Receive path: the tap (an AF_PACKET socket on IF with a kernel IGMP
/// filter and an all-multicast membership), which sees every report on the
/// link and sends nothing. The multicast-routing socket would miss IGMPv1/v2
/// reports to 224.0.0.0/24 and needs memberships that make this host report;
/// a raw IGMP socket sees only groups this host joined. Queries go out of a
/// raw IPv4 socket (IP_HDRINCL) from IF's address with TTL 1 and Router Alert
/// (not on v1 queries, which RFC 1112 predates), TOS 0xc0 for v3, multicast
/// loop off.
///
/// Output: one line per event as it happens (group or source added,
/// removed or expired, querier or compatibility mode changed, query sent),
/// timestamp first; JSON Lines with --json. The whole table goes to
/// standard output on SIGUSR1 and at exit (SIGINT/SIGTERM); with --json
/// one object whose names follow RFC 8652's ietf-igmp-mld module (times in
/// seconds), what it lacks prefixed `ipv4kit:`. Needs CAP_NET_RAW.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ipv4kit querier --iface eth0
  ipv4kit querier --iface eth0 --version 2 --query-interval-s 30 --json
  ipv4kit querier --iface eth0 --ssm-range 232.0.0.0/8 --max-groups 1000 --max-sources 64
  kill -USR1 $(pidof ipv4kit)          # print the table now")]
pub struct QuerierArgs {
    /// The interface to run on (it needs an IPv4 address; with -6 a
    /// link-local IPv6 address).
    #[arg(long, value_name = "IF")]
    pub iface: String,
    /// MLD (IPv6, RFC 3810 §7) instead of IGMP.
    #[arg(short = '6')]
    pub ipv6: bool,
    /// The version run as querier (RFC 3376 §7.3.1); lowered while an older
    /// querier is heard. With -6: 1 is MLDv1, 2 (and the default 3) MLDv2.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub version: u8,
    /// [Query Interval] in seconds (RFC 3376 §8.2), 1..=31744.
    #[arg(long, default_value_t = 125, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=31744))]
    pub query_interval_s: u32,
    /// [Robustness Variable] (RFC 3376 §8.1), 1..=7.
    #[arg(long, default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=7))]
    pub robustness: u8,
    /// [Query Response Interval] in milliseconds (RFC 3376 §8.3): less than
    /// the query interval; v2 whole tenths up to 25500, v3 up to 3174400.
    /// Not for v1 (fixed 10 s). Default 10000.
    #[arg(long, value_name = "N")]
    pub max_resp_ms: Option<u32>,
    /// [Last Member Query Interval] in milliseconds (RFC 3376 §8.8), the
    /// Max Resp Time of Group-Specific Queries; the same limits as --max-resp-ms.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub last_member_interval_ms: u32,
    /// [Last Member Query Count] (RFC 3376 §8.9), 1..=255. Default: the
    /// robustness.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
    pub last_member_count: Option<u8>,
    /// The SSM range (RFC 4604), a multicast prefix. Default 232.0.0.0/8.
    #[arg(long, value_name = "PREFIX")]
    pub ssm_range: Option<String>,
    /// Ignore messages without the Router Alert option (RFC 3376 §9.2;
    /// IGMPv1 hosts send none).
    #[arg(long)]
    pub require_router_alert: bool,
    /// Groups kept; reports for more are refused and counted.
    #[arg(long, default_value_t = 4096, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub max_groups: u64,
    /// Sources kept per group; more are refused and counted.
    #[arg(long, default_value_t = 1024, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_sources: u64,
    /// Print JSON Lines (events) and a JSON object (the table).
    #[arg(long)]
    pub json: bool,
}

/// Emulate many IGMP or MLD hosts on one interface, each with its own address and state.
///
/// Each of --hosts hosts is a host engine (RFC 3376, and RFC 2236/1112 in
/// the compatibility modes) with its own source address, counting up from
/// --first-address (default: the address after IF's first IPv4 address),
/// its own groups and filters, and its own random report delays. Their
/// reports go out of one raw socket (IP_HDRINCL, sendmmsg batches) with TTL
/// 1, Router Alert and, for v3, ToS 0xc0; queries heard on the link (an
/// AF_PACKET tap) reach every host (a General Query) or the hosts holding
/// the group, and each answers on its own.
///
/// --join G makes every host join G at the start (any source); --join
/// G@S1,S2 a source-specific join (INCLUDE {S1,S2}; the only way into an
/// SSM group, 232/8, RFC 4604). --leave-after-s S makes every host leave
/// them S seconds in. --scenario FILE plays timed steps, one per line
/// (`#` comments):
///
///   <seconds> <hosts> <op> <group> [<src>,...]
///
/// hosts `all`, `K` or `K-M` (1-based); op join, leave, join-source,
/// leave-source, block, unblock (the RFC 3678 socket calls, each on one
/// socket of the host, one call per source), or `zap <from> <to>` (leave
/// one group, join the next). The whole scenario is checked before
/// anything is sent: a line that does not parse, a host range beyond
/// --hosts, an SSM group in EXCLUDE mode, 224.0.0.1, a call the host's
/// state refuses (a leave before a join) end it with status 2, naming the
/// file and line.
///
/// --join-rate N caps membership changes at N per second across hosts.
/// Runs until --duration-s, or SIGINT/SIGTERM (exit 0). A progress line
/// goes to stderr every second when it is a terminal; a summary to stdout
/// at the end (JSON with --json). Needs CAP_NET_RAW.
///
/// IPv6 (-6, or implied by an IPv6 --first-address or --join): MLD hosts
/// (RFC 3810 MLDv2, RFC 2710 MLDv1 with --version 1 or an MLDv1 querier),
/// on consecutive link-local addresses (fe80::/64; default: the address
/// after IF's link-local one), every message with hop limit 1 and a
/// hop-by-hop Router Alert 0, its ICMPv6 checksum over the pseudo-header
/// with the host's address, sent whole out of an IPv6 IPPROTO_RAW socket.
/// Groups and sources of --join and of the scenario are IPv6; ff02::1 is
/// never reported and the SSM range ff3x::/32 takes only source-specific
/// joins (RFC 4604).
///
/// --mac-base MAC gives each host its own Ethernet address, counting up
/// from MAC (all unicast, with MAC's first octet): datagrams then go out as
/// whole frames through an AF_PACKET socket (source the host's MAC,
/// destination the group's: 01:00:5e:... for IPv4, 33:33:... for IPv6),
/// for switches that snoop per port and MAC; queries still come in through
/// the tap.
///
/// --measure adds the RFC 3918 figures to the summary: join delay (a host's
/// joining report sent → the group's first data packet on IF) and leave
/// delay (its leaving report → the group's last data packet), per group and
/// overall as count, min, median, p95, p99, max and a histogram, plus joins
/// that never received data, packets after leave and group capacity (the
/// most groups flowing at once). Data is any UDP to the groups, heard with a
/// second AF_PACKET tap (kernel timestamps on reports and data alike).
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ipv4kit emulate --iface eth0 --hosts 1000 --join 239.1.1.1 --duration-s 60
  ipv4kit emulate --iface eth0 --hosts 100 --first-address 198.18.1.1 \\
                  --join 232.1.1.1@198.18.0.9,198.18.0.10 --join-rate 500 --leave-after-s 30
  ipv4kit emulate --iface eth0 --hosts 50 --scenario zapping.txt --json
  ipv4kit emulate -6 --iface eth0 --hosts 1000 --first-address fe80::1:0 --join ff3e::8000:1@2001:db8::9
  ipv4kit emulate --iface eth0 --hosts 100 --mac-base 02:00:00:00:01:00 --join 239.1.1.1
  ipv4kit emulate --iface eth0 --hosts 10 --join 239.1.1.1 --leave-after-s 5 --duration-s 8 --measure")]
pub struct EmulateArgs {
    /// The interface the hosts are on.
    #[arg(long, value_name = "IF")]
    pub iface: String,
    /// Number of hosts.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub hosts: u32,
    /// Emulate MLD hosts on IPv6 (implied by an IPv6 --first-address or --join).
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,
    /// The first host's address; the others follow it (IPv6: link-local).
    #[arg(long, value_name = "ADDR")]
    pub first_address: Option<IpAddr>,
    /// Each host its own MAC address, counting up from this one; frames go
    /// out through AF_PACKET.
    #[arg(long, value_name = "MAC")]
    pub mac_base: Option<MacAddr>,
    /// Run every host in this version, IGMP 1..=3 or MLD 1..=2 (default:
    /// the newest, falling back to an older querier's version as RFC 3376
    /// §7.2.1 and RFC 3810 §8.2.1 say).
    #[arg(long, value_name = "V", value_parser = clap::value_parser!(u8).range(1..=3))]
    pub version: Option<u8>,
    /// A group every host joins at the start, GROUP or GROUP@SRC,SRC...; may repeat.
    #[arg(long = "join", value_name = "GROUP[@SRC,...]")]
    pub joins: Vec<JoinSpec>,
    /// At most this many membership changes per second across hosts.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub join_rate: Option<u32>,
    /// Every host leaves the --join groups this many seconds in.
    #[arg(long, value_name = "S", value_parser = seconds, requires = "joins")]
    pub leave_after_s: Option<f64>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "S", value_parser = seconds)]
    pub duration_s: Option<f64>,
    /// A scenario file of timed steps.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Measure join and leave delays (RFC 3918) of the multicast data heard.
    #[arg(long)]
    pub measure: bool,
    /// Print the summary (and progress) as JSON.
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("ipv4kit").chain(args.iter().copied()))
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_subcommand_has_examples_in_its_help() {
        let mut cmd = Cli::command();
        for sub in cmd.get_subcommands_mut() {
            let help = sub.render_long_help().to_string();
            assert!(help.contains("Examples:"), "{}: {help}", sub.get_name());
            assert!(
                help.contains(&format!("ipv4kit {}", sub.get_name())),
                "{help}"
            );
        }
    }

    #[test]
    fn query_defaults_are_a_v3_general_query_with_ttl_1_once() {
        let Command::Query(q) = parse(&["query", "--iface", "eth0"]).unwrap().command else {
            panic!()
        };
        assert_eq!((q.version, q.ttl, q.count), (None, 1, 1));
        assert!(q.group.is_none() && q.sources.is_empty() && !q.no_router_alert);
    }

    #[test]
    fn query_takes_repeated_sources_and_rejects_bad_values() {
        let Command::Query(q) = parse(&[
            "query",
            "--iface",
            "e",
            "--group",
            "239.1.1.1",
            "--source",
            "10.0.0.1",
            "--source",
            "10.0.0.2",
            "--qrv",
            "7",
        ])
        .unwrap()
        .command
        else {
            panic!()
        };
        assert_eq!(q.sources.len(), 2);
        assert!(parse(&["query", "--iface", "e", "--version", "4"]).is_err());
        assert!(parse(&["query", "--iface", "e", "--qrv", "8"]).is_err());
        assert!(parse(&["query", "--iface", "e", "--group", "239.1.1"]).is_err());
        assert!(parse(&["query"]).is_err(), "--iface is required");
    }

    #[test]
    fn report_parses_records_and_needs_a_version() {
        let Command::Report(r) = parse(&[
            "report",
            "--iface",
            "e",
            "--version",
            "3",
            "--record",
            "allow:232.1.1.1:10.0.0.1",
            "--record",
            "to-ex:239.1.1.1",
        ])
        .unwrap()
        .command
        else {
            panic!()
        };
        assert_eq!(r.records.len(), 2);
        assert!(parse(&["report", "--iface", "e", "--group", "239.1.1.1"]).is_err());
        let e = parse(&[
            "report",
            "--iface",
            "e",
            "--version",
            "3",
            "--record",
            "join:239.1.1.1",
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("record type"), "{e}");
    }

    #[test]
    fn send_and_sink_defaults_match_the_c_peer() {
        let Command::Send(s) = parse(&["send", "--dst", "198.18.0.2"]).unwrap().command else {
            panic!()
        };
        assert_eq!((s.protocol, s.size, s.batch, s.ttl), (253, 48, 64, 64));
        assert!(s.count.is_none() && s.duration_s.is_none());
        let Command::Sink(k) = parse(&["sink"]).unwrap().command else {
            panic!()
        };
        assert_eq!((k.protocol, k.batch, k.idle_timeout_ms), (253, 64, 1000));
    }

    #[test]
    fn send_refuses_count_with_duration_and_out_of_range_values() {
        let e = parse(&[
            "send",
            "--dst",
            "1.2.3.4",
            "--count",
            "1",
            "--duration-s",
            "1",
        ])
        .unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::ArgumentConflict);
        assert!(parse(&["send", "--dst", "1.2.3.4", "--size", "19"]).is_err());
        assert!(parse(&["send", "--dst", "1.2.3.4", "--batch", "1025"]).is_err());
        assert!(parse(&["send", "--dst", "1.2.3.4", "--batch", "0"]).is_err());
        assert!(parse(&["send", "--dst", "1.2.3.4", "--protocol", "0"]).is_err());
        assert!(parse(&["sink", "--idle-timeout-ms", "0"]).is_err());
    }
}
