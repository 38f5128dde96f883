//! `monitor`: every IGMP and MLD message on one interface.
//!
//! By default on the tap ([`ipv4kit_net::Tap`]): an `AF_PACKET` socket with a
//! kernel filter for IGMP and ICMPv6 (`TapProtocols::BOTH`; `-4` IGMP only,
//! `-6` MLD only) and an all-multicast membership, which sees every
//! message on the link (reports to any group, 224.0.0.x and ff02::x
//! included, leaves and dones, queries, this host's own) and sends nothing.
//! ICMPv6 messages other than MLD (neighbor discovery...) pass the filter
//! but are not shown, counted or written. Each line carries the
//! kernel's timestamp; drops are reported as they happen and in the summary.
//!
//! `--via mroute` keeps the older way, what a router daemon does: one raw
//! IGMP socket that becomes the namespace's multicast-routing socket with a
//! VIF on the interface (for IGMPv1/v2 reports to routable groups) and joins
//! 224.0.0.22 and 224.0.0.2 there (for v3 reports and leaves). It misses
//! v1/v2 reports to 224.0.0.0/24, and its joins make this host send reports
//! of its own. Upcalls (`struct igmpmsg`) are not IGMP messages and are skipped.
//!
//! Lines and JSON come from `ipv4kit-capture`, as `decode` prints them, with
//! the time as a [`Timestamp`] of 9 digits (the kernel's nanoseconds). With
//! `-w FILE` every message also goes to a capture file ([`CaptureFile`]).

use std::collections::BTreeMap;
use std::error::Error;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use ipv4kit_capture::time::Timestamp;
use ipv4kit_capture::write::{PcapNgWriter, PcapWriter};

use ipv4kit_net::wire::igmp::{ALL_IGMPV3_ROUTERS, ALL_ROUTERS};
use ipv4kit_net::wire::ipv4::IpProtocol;
use ipv4kit_net::{
    ControlFlags, DatagramOptions, InterfaceLost, IpOptions, MrouteMessage, MrouteSocket, RawConn,
    Tap, TapConfig, TapProtocols,
};

use crate::args::{usage, MonitorArgs, MonitorVia};
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
    crate::table::MonitorTable::check(args)?;
    // A timeout too large to add to the clock means none.
    let deadline = args
        .timeout_s
        .and_then(|s| Instant::now().checked_add(Duration::from_secs(s)));
    let to_stdout = args.write.as_deref().is_some_and(|p| p.as_os_str() == "-");
    if to_stdout && args.json {
        return Err(usage(
            "-w - writes the capture to standard output, where --json lines cannot go too",
        ));
    }
    if args.mld_only && args.via == MonitorVia::Mroute {
        return Err(usage(
            "-6 needs the tap: --via mroute sees IGMP only (leave out --via)",
        ));
    }
    let mut out = Printer::new(args, !to_stdout);
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

/// What the tap keeps: IGMP and MLD, or one of them (`-4`, `-6`).
fn tap_protocols(args: &MonitorArgs) -> TapProtocols {
    match (args.igmp_only, args.mld_only) {
        (true, _) => TapProtocols::IGMP,
        (_, true) => TapProtocols::MLD,
        _ => TapProtocols::BOTH,
    }
}

fn run_tap(args: &MonitorArgs, deadline: Option<Instant>, out: &mut Printer) -> Result<()> {
    let config = TapConfig::default().with_protocols(tap_protocols(args));
    let mut tap =
        Tap::with_config(&args.iface, &config).map_err(|e| format!("opening the tap: {e}"))?;
    eprintln!(
        "ipv4kit: monitoring {} (ifindex {}) on an AF_PACKET tap ({:?} path), sending nothing",
        args.iface,
        tap.ifindex(),
        tap.path()
    );
    let ifindex = tap.ifindex();
    let mut file = open_capture(args)?;
    let mut table = crate::table::MonitorTable::open(args)?;
    let mut drops = 0;
    while let Some(wait) = go_on(args, out, deadline) {
        if let Some(t) = &mut table {
            t.tick(&mut io::stdout())?;
        }
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
            let mut packet = decode::ip_packet(p.data);
            // The filter keeps all of ICMPv6; MLD is what monitor shows.
            if packet.icmpv6.is_some() {
                continue;
            }
            if let Some(f) = &mut file {
                f.write(p.meta.timestamp, p.meta.orig_len, p.data)?;
            }
            if let Some(t) = &mut table {
                t.feed(p.data);
            }
            packet.iface = Some(args.iface.clone());
            packet.ifindex = Some(ifindex);
            let link = LinkInfo {
                packet_type: p.meta.packet_type.as_str(),
                src_mac: p.meta.src.to_string(),
            };
            out.print(p.meta.timestamp, Some(&link), packet)?;
        }
        if let Some(f) = &mut file {
            f.flush()?;
        }
        let s = tap.stats()?;
        if s.drops > drops {
            eprintln!(
                "{} ipv4kit: monitor: the kernel dropped {} messages on {} ({} in all)",
                timestamp(SystemTime::now()).time_of_day(),
                s.drops - drops,
                args.iface,
                s.drops
            );
            drops = s.drops;
        }
        out.drops = drops;
    }
    if let Some(t) = &mut table {
        t.finish(&mut io::stdout())?;
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
            Socket::Plain(RawConn::new(IpProtocol::IGMP)?)
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
    let mut file = open_capture(args)?;
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
        if let Some(f) = &mut file {
            f.write(now, bytes.len(), bytes)?;
            f.flush()?;
        }
        let mut packet = decode::ipv4_packet(bytes);
        packet.iface = Some(args.iface.clone());
        packet.ifindex = Some(ifindex);
        out.print(now, None, packet)?;
    }
    Ok(())
}

/// The kernel's time as the capture crate's [`Timestamp`]: nanoseconds, all
/// 9 digits shown (a time before 1970 shows as the epoch).
pub fn timestamp(t: SystemTime) -> Timestamp {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    Timestamp {
        secs: d.as_secs(),
        nanos: d.subsec_nanos(),
        digits: 9,
    }
}

/// The snap length written in capture headers: the largest IPv4 datagram.
const SNAPLEN: u32 = 65_535;

/// LINKTYPE_RAW: the packet begins at its IP header (the tap is
/// `SOCK_DGRAM`; the routing socket is raw IP). Chosen over LINKTYPE_IPV4
/// (228) because every reader knows it and it carries IPv6 (MLD) too.
const LINKTYPE_RAW: u16 = 101;

/// Where `-w` writes: nanosecond pcap (the default: every libpcap reads
/// it, and it keeps the kernel's nanoseconds) or pcapng (for a FILE named
/// `*.pcapng`: it records the interface's name).
pub enum CaptureFile {
    /// Nanosecond pcap, LINKTYPE_RAW.
    Pcap(PcapWriter<BufWriter<Box<dyn Write>>>),
    /// pcapng with one interface, LINKTYPE_RAW.
    PcapNg(PcapNgWriter<BufWriter<Box<dyn Write>>>),
}

impl CaptureFile {
    /// Creates `path` (`-`: standard output) for packets seen on `iface`.
    pub fn create(path: &Path, iface: &str) -> io::Result<CaptureFile> {
        let stdout = path.as_os_str() == "-";
        let out: Box<dyn Write> = if stdout {
            Box::new(io::stdout())
        } else {
            Box::new(File::create(path)?)
        };
        let out = BufWriter::with_capacity(1 << 16, out);
        let ng = !stdout
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("pcapng"));
        let mut file = if ng {
            let mut w = PcapNgWriter::new(out)?;
            w.add_interface(LINKTYPE_RAW, SNAPLEN, iface)?;
            CaptureFile::PcapNg(w)
        } else {
            CaptureFile::Pcap(PcapWriter::new_nanos(out, LINKTYPE_RAW.into(), SNAPLEN)?)
        };
        // The header goes out at once: a reader of `-w -` starts now.
        file.flush()?;
        Ok(file)
    }

    /// Writes one packet (from its IPv4 or IPv6 header) seen at `ts`, `orig_len`
    /// octets long before any snap length cut it.
    pub fn write(&mut self, ts: SystemTime, orig_len: usize, bytes: &[u8]) -> io::Result<()> {
        let ts = ts
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let orig_len = u32::try_from(orig_len).unwrap_or(u32::MAX);
        match self {
            CaptureFile::Pcap(w) => w.write_packet(ts, orig_len, bytes),
            CaptureFile::PcapNg(w) => w.write_packet(0, ts, orig_len, bytes),
        }
    }

    /// Flushes what was written to the file.
    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            CaptureFile::Pcap(w) => w.flush(),
            CaptureFile::PcapNg(w) => w.flush(),
        }
    }
}

/// Opens the `-w` file, if any, naming it in errors.
fn open_capture(args: &MonitorArgs) -> Result<Option<CaptureFile>> {
    let Some(path) = &args.write else {
        return Ok(None);
    };
    CaptureFile::create(path, &args.iface)
        .map(Some)
        .map_err(|e| format!("creating {}: {e}", path.display()).into())
}

/// The link-layer facts the tap adds to a line.
struct LinkInfo {
    packet_type: &'static str,
    src_mac: String,
}

/// Prints lines and keeps the counts for the summary.
struct Printer {
    json: bool,
    /// False for `-w -`: standard output carries the capture.
    lines: bool,
    out: io::Stdout,
    buf: Vec<u8>,
    printed: u64,
    by_kind: BTreeMap<String, u64>,
    drops: u64,
}

impl Printer {
    fn new(args: &MonitorArgs, lines: bool) -> Printer {
        Printer {
            json: args.json,
            lines,
            out: io::stdout(),
            buf: Vec::with_capacity(512),
            printed: 0,
            by_kind: BTreeMap::new(),
            drops: 0,
        }
    }

    /// Prints `packet` seen at `ts` (and counts it).
    fn print(&mut self, ts: SystemTime, link: Option<&LinkInfo>, mut packet: Packet) -> Result<()> {
        *self.by_kind.entry(kind(&packet)).or_default() += 1;
        self.printed += 1;
        if !self.lines {
            return Ok(());
        }
        let ts = timestamp(ts);
        self.buf.clear();
        if self.json {
            // `decode --json`'s object, with the tap's facts at its end.
            packet.ts = Some(ts);
            packet.ts_epoch = Some(ts);
            packet.write_json(&mut self.buf)?;
            if let Some(l) = link {
                self.buf.pop(); // the closing brace
                write!(
                    self.buf,
                    ",\"packet_type\":{},\"src_mac\":{}}}",
                    serde_json::to_string(l.packet_type)?,
                    serde_json::to_string(&l.src_mac)?
                )?;
            }
            self.buf.push(b'\n');
        } else {
            // `12:00:00.123456789 eth0 M 198.18.0.2 > 224.0.0.22: ...`: the
            // direction goes between the interface and the packet.
            let iface = packet.iface.take().unwrap_or_default();
            write!(self.buf, "{} {iface} ", ts.time_of_day())?;
            if let Some(l) = link {
                write!(self.buf, "{} ", l.packet_type)?;
            }
            writeln!(self.buf, "{packet}")?;
        }
        let mut out = self.out.lock();
        out.write_all(&self.buf)?;
        out.flush()?;
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

/// `v3 report`, `v2 leave`, `v1 query`, `unknown`, `mld v2 report`, `mld
/// v1 done`, `invalid`.
fn kind(p: &Packet) -> String {
    match (&p.igmp, &p.mld) {
        (Some(i), _) => match i.version {
            Some(v) => format!("v{v} {}", i.kind),
            None => i.kind.to_string(),
        },
        (None, Some(m)) => match m.version {
            Some(v) => format!("mld v{v} {}", m.kind),
            None => format!("mld {}", m.kind),
        },
        _ => "invalid".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_times_keep_all_nine_digits_in_text_and_json() {
        let t = timestamp(SystemTime::UNIX_EPOCH + Duration::new(1_796_084_926, 929_431_735));
        assert_eq!(t.time_of_day().to_string(), "00:28:46.929431735");
        assert_eq!(t.rfc3339().to_string(), "2026-12-01T00:28:46.929431735Z");
        assert_eq!(t.epoch().to_string(), "1796084926.929431735");
    }

    #[test]
    fn the_summary_counts_messages_by_version_and_type() {
        let mut p = Printer {
            json: false,
            lines: true,
            out: std::io::stdout(),
            buf: Vec::new(),
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
