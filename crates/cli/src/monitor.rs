//! `monitor`: every IGMP message on one interface.
//!
//! By default on the tap ([`ipv4kit_net::Tap`]): an `AF_PACKET` socket with a
//! kernel filter for IGMP and an all-multicast membership, which sees every
//! message on the link (reports to any group, 224.0.0.x included, leaves,
//! queries, this host's own) and sends nothing. Each line carries the
//! kernel's timestamp; drops are reported as they happen and in the summary.
//!
//! `--via mroute` keeps the older way, what a router daemon does: one raw
//! IGMP socket that becomes the namespace's multicast-routing socket with a
//! VIF on the interface (for IGMPv1/v2 reports to routable groups) and joins
//! 224.0.0.22 and 224.0.0.2 there (for v3 reports and leaves). It misses
//! v1/v2 reports to 224.0.0.0/24, and its joins make this host send reports
//! of its own. Upcalls (`struct igmpmsg`) are not IGMP messages and are skipped.

use std::collections::BTreeMap;
use std::error::Error;
use std::io::Write;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use ipv4kit_net::wire::igmp::{ALL_IGMPV3_ROUTERS, ALL_ROUTERS, IP_PROTOCOL_IGMP};
use ipv4kit_net::{
    ControlFlags, DatagramOptions, InterfaceLost, IpOptions, MrouteMessage, MrouteSocket, RawConn,
    Tap,
};

use crate::args::{MonitorArgs, MonitorVia};
use crate::decode;
use crate::igmp_send::iface_index;
use crate::model::Packet;
use crate::stop;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The groups `--via mroute` joins on the interface: where IGMPv3 reports
/// (224.0.0.22) and v2 leaves (224.0.0.2) go.
pub const JOINED: [Ipv4Addr; 2] = [ALL_IGMPV3_ROUTERS, ALL_ROUTERS];

/// How often a waiting monitor checks for SIGINT/SIGTERM.
const STOP_TICK: Duration = Duration::from_millis(200);

/// The VIF number `--via mroute` adds on its interface.
pub const VIF: u16 = 0;

/// `ipv4kit monitor`.
pub fn run_monitor(args: &MonitorArgs) -> Result<()> {
    // A timeout too large to add to the clock means none.
    let deadline = args
        .timeout_s
        .and_then(|s| Instant::now().checked_add(Duration::from_secs(s)));
    let mut out = Printer::new(args);
    let result = match args.via {
        MonitorVia::Tap => run_tap(args, deadline, &mut out),
        MonitorVia::Mroute => run_mroute(args, deadline, &mut out),
    };
    // A closed pipe ends quietly; anything else is reported after the summary.
    let result = match result {
        Err(e) if is_broken_pipe(&*e) => return Ok(()),
        r => r,
    };
    eprintln!("ipv4kit: monitor: {}", out.summary());
    result
}

fn is_broken_pipe(e: &(dyn Error + 'static)) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Whether to go on: no stop asked for, count not reached, time left.
fn go_on(args: &MonitorArgs, out: &Printer, deadline: Option<Instant>) -> Option<Duration> {
    if stop::requested() || args.count.is_some_and(|c| out.printed >= c) {
        return None;
    }
    match deadline {
        None => Some(STOP_TICK),
        Some(d) => {
            let left = d.saturating_duration_since(Instant::now());
            (!left.is_zero()).then(|| left.min(STOP_TICK))
        }
    }
}

fn run_tap(args: &MonitorArgs, deadline: Option<Instant>, out: &mut Printer) -> Result<()> {
    let mut tap = Tap::open(&args.iface).map_err(|e| format!("opening the tap: {e}"))?;
    eprintln!(
        "ipv4kit: monitoring {} (ifindex {}) on an AF_PACKET tap ({:?} path), sending nothing",
        args.iface,
        tap.ifindex(),
        tap.path()
    );
    let ifindex = tap.ifindex();
    let mut drops = 0;
    while let Some(wait) = go_on(args, out, deadline) {
        let batch = match tap.recv(Some(wait)) {
            Ok(b) => b,
            Err(e) => {
                return Err(lost_message(&args.iface, &e)
                    .unwrap_or(e.to_string())
                    .into())
            }
        };
        for p in batch {
            if args.count.is_some_and(|c| out.printed >= c) {
                break;
            }
            let mut packet = decode::ipv4_packet(p.data);
            packet.iface = Some(args.iface.clone());
            packet.ifindex = Some(ifindex);
            let link = LinkInfo {
                packet_type: p.meta.packet_type.as_str(),
                src_mac: p.meta.src.to_string(),
            };
            out.print(p.meta.timestamp, Some(&link), &packet)?;
        }
        let s = tap.stats()?;
        if s.drops > drops {
            eprintln!(
                "{} ipv4kit: monitor: the kernel dropped {} messages on {} ({} in all)",
                tcpdump_time(SystemTime::now()),
                s.drops - drops,
                args.iface,
                s.drops
            );
            drops = s.drops;
        }
        out.drops = drops;
    }
    Ok(())
}

/// What to say when the tap's interface went down or away.
fn lost_message(iface: &str, e: &ipv4kit_net::Error) -> Option<String> {
    Some(match e.interface_lost()? {
        InterfaceLost::Gone => format!(
            "interface {iface} disappeared (deleted, or moved to another network namespace); \
             nothing more can be seen there ({e})"
        ),
        InterfaceLost::Down => format!(
            "interface {iface} went down; bring it up (ip link set {iface} up) and start \
             monitor again ({e})"
        ),
        _ => e.to_string(),
    })
}

/// The receiving socket of `--via mroute`: the routing socket when we could
/// have it.
enum Socket {
    Routing(MrouteSocket),
    Plain(RawConn),
}

impl Socket {
    fn conn(&self) -> &RawConn {
        match self {
            Socket::Routing(m) => m.conn(),
            Socket::Plain(c) => c,
        }
    }
}

/// Opens the `--via mroute` socket for interface `ifindex`: the routing
/// socket with a VIF, or (with a message on stderr) a plain raw IGMP socket
/// when another program holds the routing socket or the kernel has none.
fn open_mroute(iface: &str, ifindex: u32) -> Result<Socket> {
    let socket = match MrouteSocket::new() {
        Ok(m) => {
            m.add_vif(VIF, ifindex)
                .map_err(|e| format!("adding VIF {VIF} on {iface}: {e}"))?;
            Socket::Routing(m)
        }
        // MRT_INIT refused: another program holds the routing socket
        // (EADDRINUSE), or the kernel has no multicast routing. Failing to
        // open a raw socket at all (no CAP_NET_RAW) ends monitor instead.
        Err(e) if e.is_mroute_in_use() || e.op() == "setsockopt(MRT_INIT)" => {
            eprintln!(
                "ipv4kit: monitor: cannot be the multicast-routing socket ({e}); going on with \
                 memberships of 224.0.0.22 and 224.0.0.2 alone: IGMPv1/v2 reports for groups \
                 no one on this host joined will not be seen"
            );
            Socket::Plain(RawConn::new(IP_PROTOCOL_IGMP)?)
        }
        Err(e) => return Err(e.into()),
    };
    let conn = socket.conn();
    for g in JOINED {
        conn.join_group(ifindex, g)
            .map_err(|e| format!("joining {g} on {iface}: {e}"))?;
    }
    conn.set_control_message(ControlFlags::INTERFACE, true)?;
    Ok(socket)
}

fn run_mroute(args: &MonitorArgs, deadline: Option<Instant>, out: &mut Printer) -> Result<()> {
    let ifindex = iface_index(&args.iface)?;
    let socket = open_mroute(&args.iface, ifindex)?;
    let conn = socket.conn();
    eprintln!(
        "ipv4kit: monitoring {} (ifindex {ifindex}){}",
        args.iface,
        match socket {
            Socket::Routing(_) => " as the multicast-routing socket, VIF 0",
            Socket::Plain(_) => "",
        }
    );
    let mut buf = vec![0u8; 65536];
    while let Some(wait) = go_on(args, out, deadline) {
        conn.set_read_timeout(Some(wait))?;
        let meta = match conn.recv(&mut buf) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e.into()),
        };
        // No kernel timestamp on this path: the time of reading.
        let now = SystemTime::now();
        let bytes = &buf[..meta.len];
        if matches!(MrouteMessage::classify(bytes), MrouteMessage::Upcall(_)) {
            continue;
        }
        // A raw socket gets IGMP from every interface; keep ours.
        if meta.cm.ifindex.is_some_and(|i| i != ifindex) {
            continue;
        }
        let mut packet = decode::ipv4_packet(bytes);
        packet.iface = Some(args.iface.clone());
        packet.ifindex = Some(ifindex);
        out.print(now, None, &packet)?;
    }
    Ok(())
}

/// The link-layer facts the tap adds to a line.
struct LinkInfo {
    packet_type: &'static str,
    src_mac: String,
}

/// One JSON line: the time and link facts, then the decoded packet.
#[derive(Serialize)]
struct JsonLine<'a> {
    /// RFC 3339, UTC, nanoseconds.
    ts: String,
    /// `In`, `M`, `B`, `Out`... (tap only).
    #[serde(skip_serializing_if = "Option::is_none")]
    packet_type: Option<&'static str>,
    /// The link-layer source address (tap only).
    #[serde(skip_serializing_if = "Option::is_none")]
    src_mac: Option<&'a str>,
    #[serde(flatten)]
    packet: &'a Packet,
}

/// Prints lines and keeps the counts for the summary.
struct Printer {
    json: bool,
    out: std::io::Stdout,
    printed: u64,
    by_kind: BTreeMap<String, u64>,
    drops: u64,
}

impl Printer {
    fn new(args: &MonitorArgs) -> Printer {
        Printer {
            json: args.json,
            out: std::io::stdout(),
            printed: 0,
            by_kind: BTreeMap::new(),
            drops: 0,
        }
    }

    fn print(&mut self, ts: SystemTime, link: Option<&LinkInfo>, packet: &Packet) -> Result<()> {
        let mut out = self.out.lock();
        if self.json {
            let line = JsonLine {
                ts: rfc3339(ts),
                packet_type: link.map(|l| l.packet_type),
                src_mac: link.map(|l| l.src_mac.as_str()),
                packet,
            };
            writeln!(out, "{}", serde_json::to_string(&line)?)?;
        } else {
            // `12:00:00.123456 eth0 M 198.18.0.2 > 224.0.0.22: ...`
            let mut bare = packet.clone();
            let iface = bare.iface.take().unwrap_or_default();
            match link {
                Some(l) => writeln!(out, "{} {iface} {} {bare}", tcpdump_time(ts), l.packet_type)?,
                None => writeln!(out, "{} {iface} {bare}", tcpdump_time(ts))?,
            }
        }
        out.flush()?;
        self.printed += 1;
        *self.by_kind.entry(kind(packet)).or_default() += 1;
        Ok(())
    }

    /// `12 messages (3 v3 report, 2 v2 report, 1 v2 leave); 0 dropped by the kernel`.
    fn summary(&self) -> String {
        let kinds: Vec<String> = self
            .by_kind
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        format!(
            "{} messages{}; {} dropped by the kernel",
            self.printed,
            if kinds.is_empty() {
                String::new()
            } else {
                format!(" ({})", kinds.join(", "))
            },
            self.drops
        )
    }
}

/// `v3 report`, `v2 leave`, `v1 query`, `unknown`, `invalid`.
fn kind(p: &Packet) -> String {
    match &p.igmp {
        Some(i) => match i.version {
            Some(v) => format!("v{v} {}", i.kind),
            None => i.kind.to_string(),
        },
        None => "invalid".to_string(),
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (H. Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn since_epoch(t: SystemTime) -> Duration {
    t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default()
}

/// `HH:MM:SS.uuuuuu`, UTC: tcpdump's default form.
pub fn tcpdump_time(t: SystemTime) -> String {
    let d = since_epoch(t);
    let s = d.as_secs() % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        d.subsec_micros()
    )
}

/// `2026-12-01T00:29:28.123456789Z` (RFC 3339, UTC).
pub fn rfc3339(t: SystemTime) -> String {
    let d = since_epoch(t);
    let secs = d.as_secs() as i64;
    let (y, m, day) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        d.subsec_nanos()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_tcpdump_and_rfc_3339_do() {
        let t = SystemTime::UNIX_EPOCH + Duration::new(1_796_084_926, 929_431_735);
        assert_eq!(tcpdump_time(t), "00:28:46.929431");
        assert_eq!(rfc3339(t), "2026-12-01T00:28:46.929431735Z");
        assert_eq!(
            rfc3339(SystemTime::UNIX_EPOCH),
            "1970-01-01T00:00:00.000000000Z"
        );
        let leap = SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(&rfc3339(leap)[..10], "2000-02-29");
    }

    #[test]
    fn the_summary_counts_messages_by_version_and_type() {
        let mut p = Printer {
            json: false,
            out: std::io::stdout(),
            printed: 0,
            by_kind: BTreeMap::new(),
            drops: 3,
        };
        assert_eq!(p.summary(), "0 messages; 3 dropped by the kernel");
        p.printed = 3;
        p.by_kind.insert("v3 report".into(), 2);
        p.by_kind.insert("v2 leave".into(), 1);
        assert_eq!(
            p.summary(),
            "3 messages (1 v2 leave, 2 v3 report); 3 dropped by the kernel"
        );
    }
}
