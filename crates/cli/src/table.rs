//! The membership table shared by `querier` and `monitor --table`: the
//! router engine of `ipv4kit-gmp` ([`Router`]) fed from the tap, its events
//! printed as they happen, its table (RFC 8652's data) printed on SIGUSR1
//! and at exit.
//!
//! Text lines read like tcpdump's, timestamp first; `--json` gives one JSON
//! object per line. The table's JSON follows the `ietf-igmp-mld` YANG
//! module (RFC 8652) as RFC 7951 encodes it: `ietf-igmp-mld:igmp` (or
//! `ietf-igmp-mld:mld` for MLD) →
//! `interfaces` → `interface` → `group` → `source`, with the module's leaf
//! names and units (seconds); what the module has no leaf for is named
//! `ipv4kit:…`, as an augmentation would be.

use std::fmt::Display;
use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant as WallClock, SystemTime};

use ipv4kit_gmp::{
    Compat, FilterMode, Igmp, Instant, MembershipTable, Mld, Router, RouterConfig, RouterEvent,
    RouterProtocol, RouterRxMeta,
};
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Packet};
use ipv4kit_net::wire::ipv6::{self, Ipv6Packet};
#[cfg(target_os = "linux")]
use nix::sys::signal::{SigSet, Signal};
#[cfg(target_os = "linux")]
use nix::sys::signalfd::{SfdFlags, SignalFd};
use serde_json::{json, Map, Value};

use crate::args::{usage, MonitorArgs, MonitorVia};
use crate::monitor::timestamp;

/// Blocks SIGUSR1 in the calling thread, so that [`Usr1`] can read it from a
/// signalfd. Call it in `main` before any thread starts (the ctrlc handler
/// thread inherits the mask; a thread that did not block it would take the
/// signal's default action, which ends the process). *Linux*; elsewhere
/// SIGUSR1 keeps its default action.
pub fn block_sigusr1() {
    #[cfg(target_os = "linux")]
    {
        let mut mask = SigSet::empty();
        mask.add(Signal::SIGUSR1);
        if let Err(e) = mask.thread_block() {
            eprintln!("ipv4kit: cannot block SIGUSR1 ({e}); SIGUSR1 will end the program");
        }
    }
}

/// SIGUSR1, read without blocking from a signalfd (no handler, no unsafe).
/// *Linux*; elsewhere it never fires.
pub struct Usr1 {
    #[cfg(target_os = "linux")]
    fd: Option<SignalFd>,
}

impl Usr1 {
    /// Opens the signalfd; without one SIGUSR1 is never seen.
    pub fn open() -> Usr1 {
        #[cfg(target_os = "linux")]
        {
            let mut mask = SigSet::empty();
            mask.add(Signal::SIGUSR1);
            let fd = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
                .map_err(|e| eprintln!("ipv4kit: no signalfd for SIGUSR1 ({e})"))
                .ok();
            Usr1 { fd }
        }
        #[cfg(not(target_os = "linux"))]
        Usr1 {}
    }

    /// Whether SIGUSR1 arrived since the last call.
    pub fn take(&mut self) -> bool {
        #[cfg(target_os = "linux")]
        {
            let Some(fd) = &mut self.fd else {
                return false;
            };
            let mut got = false;
            while let Ok(Some(_)) = fd.read_signal() {
                got = true;
            }
            got
        }
        #[cfg(not(target_os = "linux"))]
        false
    }
}

/// What the table needs of a protocol beyond the engine's
/// [`RouterProtocol`]: its names and how a tapped packet reaches it.
pub trait TableProtocol: RouterProtocol<Addr: Display> {
    /// `IGMP` or `MLD`.
    const NAME: &'static str;
    /// The RFC 8652 container: `ietf-igmp-mld:igmp` or `ietf-igmp-mld:mld`.
    const CONTAINER: &'static str;
    /// The protocol's own version number of a compatibility mode (MLD:
    /// `Compat::V2` is MLDv1).
    fn version_number(c: Compat) -> u8;
    /// The IP facts and the message of a tapped packet (IP header first),
    /// or `None` if it is not an unfragmented message of this protocol.
    fn split(data: &[u8]) -> Option<(RouterRxMeta<Self::Addr>, &[u8])>;
}

impl TableProtocol for Igmp {
    const NAME: &'static str = "IGMP";
    const CONTAINER: &'static str = "ietf-igmp-mld:igmp";
    fn version_number(c: Compat) -> u8 {
        match c {
            Compat::V1 => 1,
            Compat::V2 => 2,
            Compat::V3 => 3,
        }
    }
    fn split(data: &[u8]) -> Option<(RouterRxMeta<Ipv4Addr>, &[u8])> {
        let p = Ipv4Packet::new_checked(data).ok()?;
        if p.protocol() != IpProtocol::IGMP || p.is_fragment() {
            return None;
        }
        let meta = RouterRxMeta {
            source: p.src(),
            destination: p.dst(),
            ttl: p.ttl(),
            router_alert: p.router_alert().is_some(),
        };
        let (start, end) = (p.header_len(), usize::from(p.total_len()));
        Some((meta, data.get(start..end)?))
    }
}

/// ICMPv6 (RFC 4443).
const NEXT_HEADER_ICMPV6: u8 = 58;

impl TableProtocol for Mld {
    const NAME: &'static str = "MLD";
    const CONTAINER: &'static str = "ietf-igmp-mld:mld";
    fn version_number(c: Compat) -> u8 {
        match c {
            Compat::V3 => 2,
            _ => 1,
        }
    }
    /// The extension headers walked (a fragment header ends the walk short
    /// of ICMPv6); Router Alert counts only with value 0, MLD (RFC 2711).
    fn split(data: &[u8]) -> Option<(RouterRxMeta<Ipv6Addr>, &[u8])> {
        let p = Ipv6Packet::new_checked(data).ok()?;
        let upper = ipv6::walk(p.next_header(), p.payload()).ok()?;
        if upper.next_header != NEXT_HEADER_ICMPV6 {
            return None;
        }
        let meta = RouterRxMeta {
            source: p.src(),
            destination: p.dst(),
            ttl: p.hop_limit(),
            router_alert: upper.router_alert == Some(0),
        };
        let start = ipv6::HEADER_LEN + upper.offset;
        let end = start + upper.payload.len();
        Some((meta, data.get(start..end)?))
    }
}

/// One interface's router engine on the wall clock, and how to print it.
pub struct Tracker<P: TableProtocol = Igmp> {
    /// The engine.
    pub router: Router<P>,
    start: WallClock,
    iface: String,
    json: bool,
    buf: Vec<u8>,
}

impl<P: TableProtocol> Tracker<P> {
    /// A tracker for `iface` running `config`, printing JSON or text.
    pub fn new(iface: &str, config: RouterConfig<P>, json: bool) -> Tracker<P> {
        Tracker {
            router: Router::new(config, Instant::ZERO),
            start: WallClock::now(),
            iface: iface.to_owned(),
            json,
            buf: Vec::with_capacity(512),
        }
    }

    /// The engine's time: since the tracker started, on the monotonic clock.
    pub fn now(&self) -> Instant {
        Instant::from_nanos(u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX))
    }

    /// How long until the engine must run, at most `cap`.
    pub fn wait(&self, cap: Duration) -> Duration {
        match self.router.poll_timeout() {
            Some(t) => t.saturating_duration_since(self.now()).min(cap),
            None => cap,
        }
    }

    /// Runs the engine's timers if one is due.
    pub fn run_timers(&mut self) {
        let now = self.now();
        if self.router.poll_timeout().is_some_and(|t| t <= now) {
            self.router.handle_timeout(now);
        }
    }

    /// Feeds one packet from the tap (IP header first). Anything but an
    /// unfragmented IGMP datagram (or ICMPv6 packet, for MLD) with a good
    /// header is left alone; the engine counts messages that do not parse
    /// (for MLD: with the checksum over the pseudo-header, and ICMPv6
    /// types other than MLD's are ignored).
    pub fn feed(&mut self, data: &[u8]) {
        let Some((meta, msg)) = P::split(data) else {
            return;
        };
        let now = self.now();
        self.router.handle_bytes(now, msg, meta);
    }

    /// Prints the engine's pending events.
    pub fn print_events(&mut self, out: &mut impl Write) -> io::Result<()> {
        while let Some(e) = self.router.poll_event() {
            let (name, fields, text) = describe::<P>(&e);
            self.line(out, name, fields, &text)?;
        }
        Ok(())
    }

    /// Prints one event line: `TIME IF TEXT`, or a JSON object with
    /// `time`, `time_epoch`, `iface`, `event` and `fields`.
    pub fn line(
        &mut self,
        out: &mut impl Write,
        event: &str,
        fields: Map<String, Value>,
        text: &str,
    ) -> io::Result<()> {
        let ts = timestamp(SystemTime::now());
        self.buf.clear();
        if self.json {
            let mut o = Map::new();
            o.insert("time".into(), ts.rfc3339().to_string().into());
            o.insert("time_epoch".into(), json_epoch(&ts.epoch().to_string()));
            o.insert("iface".into(), self.iface.clone().into());
            o.insert("event".into(), event.into());
            o.extend(fields);
            serde_json::to_writer(&mut self.buf, &Value::Object(o))?;
            self.buf.push(b'\n');
        } else {
            writeln!(self.buf, "{} {} {text}", ts.time_of_day(), self.iface)?;
        }
        out.write_all(&self.buf)?;
        out.flush()
    }

    /// Prints the whole table: one JSON object (RFC 8652's names), or
    /// text lines.
    pub fn print_table(&mut self, out: &mut impl Write) -> io::Result<()> {
        let t = self.router.table(self.now());
        let ts = timestamp(SystemTime::now());
        self.buf.clear();
        if self.json {
            let mut o = Map::new();
            o.insert("time".into(), ts.rfc3339().to_string().into());
            o.insert("time_epoch".into(), json_epoch(&ts.epoch().to_string()));
            o.insert(
                P::CONTAINER.into(),
                table_json(&self.iface, &self.router, &t),
            );
            serde_json::to_writer(&mut self.buf, &Value::Object(o))?;
            self.buf.push(b'\n');
        } else {
            let tod = ts.time_of_day().to_string();
            let querier = match (t.querier, t.is_querier) {
                (Some(q), true) => format!("querier {q} (this router)"),
                (Some(q), false) => format!("querier {q}"),
                (None, _) => "querier unknown".to_string(),
            };
            writeln!(
                self.buf,
                "{tod} {} table: {}{}, {querier}, {} groups, {} sources",
                self.iface,
                P::NAME,
                version::<P>(t.version),
                t.groups.len(),
                t.groups.iter().map(|g| g.sources.len()).sum::<usize>()
            )?;
            for g in &t.groups {
                writeln!(
                    self.buf,
                    "{tod} {}   {} {} {} up {}s expires {} reporter {}",
                    self.iface,
                    g.group,
                    mode(g.filter_mode),
                    version::<P>(g.version),
                    g.up_time.as_secs(),
                    expire_text(g.expire),
                    g.last_reporter
                )?;
                for s in &g.sources {
                    writeln!(
                        self.buf,
                        "{tod} {}     source {} up {}s expires {} reporter {}",
                        self.iface,
                        s.source,
                        s.up_time.as_secs(),
                        expire_text(s.expire),
                        s.last_reporter
                    )?;
                }
            }
        }
        out.write_all(&self.buf)?;
        out.flush()
    }
}

/// `monitor --table`: the engine in passive mode (never sending, never
/// Querier) fed from monitor's tap; the table printed on SIGUSR1 and at exit.
pub struct MonitorTable {
    /// IGMP's table, unless `-6`.
    igmp: Option<Tracker<Igmp>>,
    /// MLD's table, unless `-4`.
    mld: Option<Tracker<Mld>>,
    usr1: Usr1,
}

impl MonitorTable {
    /// Refuses `--table` where it cannot work (exit status 2).
    pub fn check(args: &MonitorArgs) -> Result<(), Box<dyn std::error::Error>> {
        if !args.table {
            return Ok(());
        }
        if args.via != MonitorVia::Tap {
            return Err(usage("--table needs the tap (not --via mroute)"));
        }
        if args.write.as_deref().is_some_and(|p| p.as_os_str() == "-") {
            return Err(usage(
                "--table prints to standard output, where -w - writes the capture",
            ));
        }
        Ok(())
    }

    /// The table for `args`, or `None` without `--table`.
    pub fn open(args: &MonitorArgs) -> Result<Option<MonitorTable>, Box<dyn std::error::Error>> {
        Self::check(args)?;
        if !args.table {
            return Ok(None);
        }
        // The address only names this router; a passive one never takes
        // part in the election, and it checks no subnet (it sees the link).
        // One table per family the monitor shows.
        let igmp = (!args.mld_only).then(|| {
            let mut c = RouterConfig::<Igmp>::new(Ipv4Addr::UNSPECIFIED);
            c.passive = true;
            Tracker::new(&args.iface, c, args.json)
        });
        let mld = (!args.igmp_only).then(|| {
            let mut c = RouterConfig::<Mld>::new(Ipv6Addr::UNSPECIFIED);
            c.passive = true;
            Tracker::new(&args.iface, c, args.json)
        });
        Ok(Some(MonitorTable {
            igmp,
            mld,
            usr1: Usr1::open(),
        }))
    }

    /// Feeds one packet from the tap (IPv4 or IPv6 header first); each
    /// table takes its own family's messages.
    pub fn feed(&mut self, data: &[u8]) {
        if let Some(t) = &mut self.igmp {
            t.run_timers();
            t.feed(data);
            while t.router.poll_event().is_some() {}
        }
        if let Some(t) = &mut self.mld {
            t.run_timers();
            t.feed(data);
            while t.router.poll_event().is_some() {}
        }
    }

    /// Runs the timers; prints the tables if SIGUSR1 came.
    pub fn tick(&mut self, out: &mut impl Write) -> io::Result<()> {
        self.run_timers();
        if self.usr1.take() {
            self.print(out)?;
        }
        Ok(())
    }

    /// Prints the tables (at exit).
    pub fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        self.run_timers();
        self.print(out)
    }

    fn run_timers(&mut self) {
        if let Some(t) = &mut self.igmp {
            t.run_timers();
            while t.router.poll_event().is_some() {}
        }
        if let Some(t) = &mut self.mld {
            t.run_timers();
            while t.router.poll_event().is_some() {}
        }
    }

    /// IGMP's table, then MLD's.
    fn print(&mut self, out: &mut impl Write) -> io::Result<()> {
        if let Some(t) = &mut self.igmp {
            t.print_table(out)?;
        }
        if let Some(t) = &mut self.mld {
            t.print_table(out)?;
        }
        Ok(())
    }
}

/// `"1764562800.123456789"`: a string, as `decode --json` writes it (a
/// JSON number would lose the nanoseconds in most readers).
fn json_epoch(s: &str) -> Value {
    s.into()
}

fn version<P: TableProtocol>(c: Compat) -> String {
    format!("v{}", P::version_number(c))
}

fn mode(m: FilterMode) -> &'static str {
    match m {
        FilterMode::Include => "include",
        FilterMode::Exclude => "exclude",
    }
}

fn expire_text(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("{}s", seconds_up(d)),
        None => "never (excluded)".to_string(),
    }
}

/// Whole seconds, rounded up: a timer with 0.2 s left is not yet expired.
fn seconds_up(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// Seconds as RFC 8652 gives them (uint16 seconds): whole seconds when the
/// value is whole, else the exact fraction (the model cannot say 100 ms).
fn seconds(d: Duration) -> Value {
    if d.subsec_nanos() == 0 {
        d.as_secs().into()
    } else {
        json!(d.as_secs_f64())
    }
}

/// RFC 8652 `expire` (rt-types:timer-value-seconds16): seconds left, or
/// `not-set` for a timer that is not running (an excluded source).
fn expire(d: Option<Duration>) -> Value {
    match d {
        Some(d) => seconds_up(d).into(),
        None => "not-set".into(),
    }
}

/// The `ietf-igmp-mld:igmp` (or `:mld`) container for one interface.
fn table_json<P: TableProtocol>(iface: &str, r: &Router<P>, t: &MembershipTable<P::Addr>) -> Value {
    let c = r.config();
    let n = r.counters();
    let groups: Vec<Value> = t
        .groups
        .iter()
        .map(|g| {
            let sources: Vec<Value> = g
                .sources
                .iter()
                .map(|s| {
                    json!({
                        "source-address": s.source.to_string(),
                        "expire": expire(s.expire),
                        "up-time": s.up_time.as_secs(),
                        "last-reporter": s.last_reporter.to_string(),
                    })
                })
                .collect();
            json!({
                "group-address": g.group.to_string(),
                "expire": expire(g.expire),
                "filter-mode": mode(g.filter_mode),
                "up-time": g.up_time.as_secs(),
                "last-reporter": g.last_reporter.to_string(),
                "ipv4kit:version": P::version_number(g.version),
                "source": sources,
            })
        })
        .collect();
    let entries: usize = t.groups.iter().map(|g| g.sources.len().max(1)).sum();
    json!({
        "global": {
            "enabled": true,
            "max-groups": c.max_groups,
            "groups-count": t.groups.len(),
            "entries-count": entries,
        },
        "interfaces": {
            "interface": [{
                "name": iface,
                "enabled": true,
                "version": P::version_number(t.version),
                "query-interval": seconds(t.query_interval),
                "query-max-response-time": seconds(t.query_max_response_time),
                "robustness-variable": t.robustness,
                "last-member-query-interval": seconds(t.last_member_query_interval),
                "require-router-alert": c.require_router_alert,
                "max-groups-per-interface": c.max_groups,
                "oper-status": "up",
                "querier": t.querier.map(|q| q.to_string()),
                "group": groups,
                "ipv4kit:is-querier": t.is_querier,
                "ipv4kit:passive": c.passive,
                "ipv4kit:other-querier-expire": t.other_querier_expire.map(seconds_up),
                "ipv4kit:up-time": t.up_time.as_secs(),
                "ipv4kit:max-sources-per-group": c.max_sources_per_group,
                "ipv4kit:statistics": {
                    "malformed": n.malformed,
                    "no-router-alert": n.no_router_alert,
                    "bad-ttl": n.bad_ttl,
                    "unspecified-source": n.unspecified_source,
                    "off-subnet": n.off_subnet,
                    "not-link-local": n.not_link_local,
                    "not-multicast": n.not_multicast,
                    "ssm-exclude": n.ssm_exclude,
                    "ssm-old-version": n.ssm_old,
                    "ignored-records": n.ignored_records,
                    "groups-refused": n.groups_refused,
                    "sources-refused": n.sources_refused,
                    "queries-received": n.queries_received,
                    "records": n.records,
                    "queries-sent": n.queries_sent,
                    "events-dropped": n.events_dropped,
                },
            }],
        },
    })
}

/// An event's JSON name, fields and text.
fn describe<P: TableProtocol>(
    e: &RouterEvent<P::Addr>,
) -> (&'static str, Map<String, Value>, String) {
    let mut f = Map::new();
    let mut put = |k: &str, v: Value| {
        f.insert(k.into(), v);
    };
    let (name, text) = match *e {
        RouterEvent::GroupAdded { group } => {
            put("group", group.to_string().into());
            ("group-added", format!("group {group} added"))
        }
        RouterEvent::GroupExpired { group } => {
            put("group", group.to_string().into());
            ("group-expired", format!("group {group} expired"))
        }
        RouterEvent::SourceAdded { group, source } => {
            put("group", group.to_string().into());
            put("source", source.to_string().into());
            ("source-added", format!("source {source} added to {group}"))
        }
        RouterEvent::SourceRemoved { group, source } => {
            put("group", group.to_string().into());
            put("source", source.to_string().into());
            (
                "source-removed",
                format!("source {source} removed from {group}"),
            )
        }
        RouterEvent::QuerierChanged { querier, is_self } => {
            put("querier", querier.map(|q| q.to_string()).into());
            put("is_self", is_self.into());
            let text = match querier {
                Some(q) if is_self => format!("querier {q} (this router)"),
                Some(q) => format!("querier {q}"),
                None => "querier unknown (the other querier went silent)".into(),
            };
            ("querier-changed", text)
        }
        RouterEvent::GroupCompatChanged { group, from, to } => {
            put("group", group.to_string().into());
            put("from", P::version_number(from).into());
            put("to", P::version_number(to).into());
            (
                "group-version-changed",
                format!(
                    "group {group} compatibility {} -> {}",
                    version::<P>(from),
                    version::<P>(to)
                ),
            )
        }
        RouterEvent::QuerierCompatChanged { from, to } => {
            put("from", P::version_number(from).into());
            put("to", P::version_number(to).into());
            (
                "version-changed",
                format!(
                    "querier version {} -> {}",
                    version::<P>(from),
                    version::<P>(to)
                ),
            )
        }
        _ => ("other", format!("{e:?}")),
    };
    (name, f, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expire_rounds_up_and_excluded_sources_are_not_set() {
        assert_eq!(expire(Some(Duration::from_millis(200))), json!(1));
        assert_eq!(expire(Some(Duration::from_secs(3))), json!(3));
        assert_eq!(expire(None), json!("not-set"));
        assert_eq!(seconds(Duration::from_millis(500)), json!(0.5));
    }

    #[test]
    fn a_v2_report_shows_as_an_exclude_group_in_the_rfc_8652_table() {
        let me = Ipv4Addr::new(198, 18, 0, 1);
        let mut t = Tracker::new("eth0", RouterConfig::<Igmp>::new(me), true);
        // 198.18.0.2 > 239.1.1.1: IGMPv2 report, TTL 1, Router Alert.
        let group = Ipv4Addr::new(239, 1, 1, 1);
        let mut msg = [0u8; 8];
        ipv4kit_net::wire::igmp::ReportV2 { group }
            .emit(&mut msg)
            .unwrap();
        let enc = crate::igmp_send::Encapsulation {
            src: Ipv4Addr::new(198, 18, 0, 2),
            dst: group,
            ttl: 1,
            tos: 0,
            router_alert: true,
        };
        let mut d = [0u8; 64];
        let n = crate::igmp_send::datagram(&enc, &msg, &mut d).unwrap();
        let d = &d[..n];
        t.feed(d);
        let mut out = Vec::new();
        t.print_events(&mut out).unwrap();
        let line: Value =
            serde_json::from_slice(out.split(|&b| b == b'\n').next().unwrap()).unwrap();
        assert_eq!(line["event"], "group-added");
        assert_eq!(line["group"], "239.1.1.1");
        out.clear();
        t.print_table(&mut out).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        let i = &v["ietf-igmp-mld:igmp"]["interfaces"]["interface"][0];
        assert_eq!(i["name"], "eth0");
        let g = &i["group"][0];
        assert_eq!(g["group-address"], "239.1.1.1");
        assert_eq!(g["filter-mode"], "exclude");
        assert_eq!(g["last-reporter"], "198.18.0.2");
        assert_eq!(g["ipv4kit:version"], 2);
        assert_eq!(g["expire"], 260, "GMI = 2 × 125 s + 10 s");
    }

    #[test]
    fn an_mldv1_report_shows_in_the_mld_container_and_a_bad_checksum_is_counted() {
        use ipv4kit_net::wire::mld::{emit_datagram, ReportV1};
        let me: Ipv6Addr = "fe80::1".parse().unwrap();
        let host: Ipv6Addr = "fe80::2".parse().unwrap();
        let group: Ipv6Addr = "ff1e::1234".parse().unwrap();
        let mut t = Tracker::new("eth0", RouterConfig::<Mld>::new(me), true);
        let mut d = [0u8; 72];
        let n = emit_datagram(&ReportV1 { group }, host, &mut d).unwrap();
        let mut bad = d;
        bad[n - 1] ^= 1;
        t.feed(&bad[..n]);
        assert_eq!(t.router.counters().malformed, 1);
        t.feed(&d[..n]);
        let mut out = Vec::new();
        t.print_table(&mut out).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        let i = &v["ietf-igmp-mld:mld"]["interfaces"]["interface"][0];
        assert_eq!(i["version"], 2);
        let g = &i["group"][0];
        assert_eq!(g["group-address"], "ff1e::1234");
        assert_eq!(g["last-reporter"], "fe80::2");
        assert_eq!(g["ipv4kit:version"], 1, "MLDv1 compatibility mode");
    }
}
