//! `querier`: the router engine of `ipv4kit-gmp` on a live interface, for
//! IGMP (here) and MLD ([`crate::querier6`]).
//!
//! Receives on the tap ([`Tap`]: every IGMP message on the link, nothing
//! sent, no membership needed; the multicast-routing socket would miss
//! IGMPv1/v2 reports to 224.0.0.0/24, a raw socket sees only groups this
//! host joined), sends queries from a raw IPv4 socket with the headers RFC
//! 3376 §4 asks for, and prints through [`Tracker`].
//!
//! What differs between the families is a [`QuerierProtocol`] (the timer
//! ranges of each version, the RFC that bounds them) and a [`QuerySender`]
//! (how a query leaves and how it is printed); the settings ([`config`]),
//! the `--ssm-range` prefix ([`parse_ssm_range`]) and the run loop
//! ([`serve`]) are written once over them.

use std::error::Error;
use std::io;
use std::net::{AddrParseError, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use ipv4kit_gmp::{Compat, Igmp, RouterConfig, RouterTransmit};
use ipv4kit_net::wire::igmp::{IGMPV3_TOS, IGMP_TTL};
use ipv4kit_net::wire::ipv4::IpProtocol;
use ipv4kit_net::{iface, ControlMessage, DatagramOptions, InterfaceLost, RawConn, Tap};
use serde_json::{Map, Value};

use crate::args::{usage, QuerierArgs};
use crate::decode;
use crate::igmp_send::{datagram, interface_error, Encapsulation};
use crate::stop;
use crate::table::{TableProtocol, Tracker, Usr1};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// How often a waiting querier looks at SIGINT/SIGTERM/SIGUSR1.
const TICK: Duration = Duration::from_millis(100);

/// An address family's addresses as prefixes, for `--ssm-range`: one
/// parser and one membership test for 32- and 128-bit addresses.
pub trait PrefixAddr: Copy + FromStr<Err = AddrParseError> + Send + Sync + 'static {
    /// Address width in bits.
    const BITS: u8;
    /// The shortest `--ssm-range` accepted: the multicast block's own prefix.
    const MIN_LEN: u8;
    /// A prefix to show in the error for a string without `/`.
    const EXAMPLE: &'static str;
    /// The multicast block, for the error for a unicast prefix.
    const MULTICAST: &'static str;
    /// The address as an integer (right-aligned in a `u128`).
    fn bits(self) -> u128;
    /// Whether the address is multicast.
    fn multicast(self) -> bool;
    /// Whether the address is in the default SSM range (232/8, ff3x::/32).
    fn default_ssm(&self) -> bool;
    /// This process's `--ssm-range`, set once by [`config`].
    fn ssm_range() -> &'static OnceLock<(Self, u8)>;
}

impl PrefixAddr for Ipv4Addr {
    const BITS: u8 = 32;
    const MIN_LEN: u8 = 4;
    const EXAMPLE: &'static str = "232.0.0.0/8";
    const MULTICAST: &'static str = "224.0.0.0/4";
    fn bits(self) -> u128 {
        u128::from(self.to_bits())
    }
    fn multicast(self) -> bool {
        self.is_multicast()
    }
    fn default_ssm(&self) -> bool {
        <Igmp as ipv4kit_gmp::Protocol>::is_default_ssm(self)
    }
    fn ssm_range() -> &'static OnceLock<(Ipv4Addr, u8)> {
        static SSM_RANGE: OnceLock<(Ipv4Addr, u8)> = OnceLock::new();
        &SSM_RANGE
    }
}

impl PrefixAddr for Ipv6Addr {
    const BITS: u8 = 128;
    const MIN_LEN: u8 = 8;
    const EXAMPLE: &'static str = "ff3e::/32";
    const MULTICAST: &'static str = "ff00::/8";
    fn bits(self) -> u128 {
        self.to_bits()
    }
    fn multicast(self) -> bool {
        self.is_multicast()
    }
    fn default_ssm(&self) -> bool {
        <ipv4kit_gmp::Mld as ipv4kit_gmp::Protocol>::is_default_ssm(self)
    }
    fn ssm_range() -> &'static OnceLock<(Ipv6Addr, u8)> {
        static SSM_RANGE: OnceLock<(Ipv6Addr, u8)> = OnceLock::new();
        &SSM_RANGE
    }
}

/// The network mask of a `len`-bit prefix of `A` (right-aligned).
fn mask<A: PrefixAddr>(len: u8) -> u128 {
    let all = u128::MAX >> (128 - u32::from(A::BITS));
    all & !all.checked_shr(u32::from(len)).unwrap_or(0)
}

/// Whether `g` is in the `--ssm-range` prefix, or else in the family's
/// default SSM range (232.0.0.0/8, ff3x::/32; RFC 4607 §1).
pub fn in_ssm_range<A: PrefixAddr>(g: &A) -> bool {
    match A::ssm_range().get() {
        Some(&(net, len)) => g.bits() & mask::<A>(len) == net.bits() & mask::<A>(len),
        None => g.default_ssm(),
    }
}

/// Parses `--ssm-range`: a multicast prefix (`232.0.0.0/8`, `ff3e::/32`),
/// its length from the multicast block's (4, 8) to the address width, no
/// host bits set.
pub fn parse_ssm_range<A: PrefixAddr>(s: &str) -> std::result::Result<(A, u8), String> {
    let (a, l) = s
        .split_once('/')
        .ok_or_else(|| format!("--ssm-range {s:?}: want a prefix like {}", A::EXAMPLE))?;
    let addr: A = a
        .parse()
        .map_err(|e| format!("--ssm-range {s:?}: address: {e}"))?;
    let len: u8 = l
        .parse()
        .ok()
        .filter(|l| (A::MIN_LEN..=A::BITS).contains(l))
        .ok_or_else(|| {
            format!(
                "--ssm-range {s:?}: prefix length must be {}..={}",
                A::MIN_LEN,
                A::BITS
            )
        })?;
    if !addr.multicast() {
        return Err(format!("--ssm-range {s:?}: not in {}", A::MULTICAST));
    }
    if addr.bits() & !mask::<A>(len) != 0 {
        return Err(format!("--ssm-range {s:?}: host bits set past /{len}"));
    }
    Ok((addr, len))
}

/// What the querier's settings need of a protocol beyond the table's.
pub trait QuerierProtocol: TableProtocol<Addr: PrefixAddr> {
    /// Where the RFC says the query response interval is shorter than the
    /// query interval.
    const INTERVALS_RFC: &'static str;
    /// The engine's compatibility mode for `--version`.
    fn compat(version: u8) -> Compat;
    /// `--max-resp-ms` as the Query Response Interval of `version`, or why
    /// that version's queries cannot say it.
    fn query_response_interval(ms: u32, version: u8) -> Result<Duration>;
    /// `--last-member-interval-ms` as the Last Member Query Interval (the
    /// Max Resp of group-specific queries) of `version`, or why not.
    fn last_member_query_interval(ms: u32, version: u8) -> Result<Duration>;
}

impl QuerierProtocol for Igmp {
    const INTERVALS_RFC: &'static str = "RFC 3376 §8.3";
    fn compat(version: u8) -> Compat {
        match version {
            1 => Compat::V1,
            2 => Compat::V2,
            _ => Compat::V3,
        }
    }
    fn query_response_interval(ms: u32, version: u8) -> Result<Duration> {
        if version == 1 {
            return Err(usage(
                "--max-resp-ms: IGMPv1 queries carry no max response time (10 s)",
            ));
        }
        max_resp("--max-resp-ms", ms, version)
    }
    fn last_member_query_interval(ms: u32, version: u8) -> Result<Duration> {
        // Group-specific queries are IGMPv2's at the least.
        max_resp("--last-member-interval-ms", ms, version.max(2))
    }
}

/// A Max Resp Time for `version`, as a [`Duration`], or why not.
fn max_resp(flag: &str, ms: u32, version: u8) -> Result<Duration> {
    match version {
        2 if !(100..=25_500).contains(&ms) || !ms.is_multiple_of(100) => Err(usage(format!(
            "{flag} {ms}: IGMPv2 sends whole tenths of a second, 100..=25500"
        ))),
        3 if !(100..=3_174_400).contains(&ms) => Err(usage(format!(
            "{flag} {ms}: IGMPv3's Max Resp Code holds 100..=3174400 ms"
        ))),
        _ => Ok(Duration::from_millis(u64::from(ms))),
    }
}

/// The engine's settings for `args` on an interface at `addr` (for MLD
/// its link-local address) with subnet prefix `prefix` (IGMP's, which
/// RFC 3376 §6.6.2 elections compare within; MLD has none).
pub fn config<P: QuerierProtocol>(
    args: &QuerierArgs,
    addr: P::Addr,
    prefix: Option<u8>,
) -> Result<RouterConfig<P>> {
    let mut c = RouterConfig::<P>::new(addr);
    c.subnet_prefix = prefix;
    c.version = P::compat(args.version);
    c.robustness = args.robustness;
    c.query_interval = Duration::from_secs(u64::from(args.query_interval_s));
    if let Some(ms) = args.max_resp_ms {
        c.query_response_interval = P::query_response_interval(ms, args.version)?;
    }
    if c.query_response_interval >= c.query_interval {
        return Err(usage(format!(
            "the query response interval ({} ms) must be less than the query interval ({} s) \
             ({})",
            c.query_response_interval.as_millis(),
            args.query_interval_s,
            P::INTERVALS_RFC
        )));
    }
    c.last_member_query_interval =
        P::last_member_query_interval(args.last_member_interval_ms, args.version)?;
    c.last_member_query_count = args.last_member_count;
    c.require_router_alert = args.require_router_alert;
    c.max_groups = usize::try_from(args.max_groups).unwrap_or(usize::MAX);
    c.max_sources_per_group = usize::try_from(args.max_sources).unwrap_or(usize::MAX);
    if let Some(s) = &args.ssm_range {
        let prefix = parse_ssm_range::<P::Addr>(s).map_err(usage)?;
        let _ = P::Addr::ssm_range().set(prefix);
    }
    c.ssm_range = in_ssm_range::<P::Addr>;
    Ok(c)
}

/// How a querier's queries leave, and how each is printed.
pub trait QuerySender<A> {
    /// Sends the encoded query `msg` the engine handed out as `t`; returns
    /// the text after `sent` and puts the JSON fields (beside
    /// `destination`) in `fields`.
    fn send_query(
        &mut self,
        msg: &[u8],
        t: &RouterTransmit<A>,
        fields: &mut Map<String, Value>,
    ) -> Result<String>;
}

/// IGMP queries from a raw IPv4 socket (`IP_HDRINCL`): TTL 1, Router Alert
/// from v2 on, TOS 0xc0 for v3 (RFC 3376 §4), from the interface's address.
struct IgmpQuerySender {
    conn: RawConn,
    ifindex: u32,
    addr: Ipv4Addr,
    dgram: Vec<u8>,
}

impl QuerySender<Ipv4Addr> for IgmpQuerySender {
    fn send_query(
        &mut self,
        msg: &[u8],
        t: &RouterTransmit<Ipv4Addr>,
        fields: &mut Map<String, Value>,
    ) -> Result<String> {
        let enc = Encapsulation {
            src: self.addr,
            dst: t.destination,
            ttl: IGMP_TTL,
            tos: if t.version == Compat::V3 {
                IGMPV3_TOS
            } else {
                0
            },
            router_alert: t.version != Compat::V1,
        };
        let n = datagram(&enc, msg, &mut self.dgram)?;
        let cm = ControlMessage {
            ifindex: Some(self.ifindex),
            ..Default::default()
        };
        self.conn
            .send_datagram(&self.dgram[..n], Some(&cm))
            .map_err(|e| format!("sending a query to {}: {e}", t.destination))?;
        let packet = decode::ipv4_packet(&self.dgram[..n]);
        let mut p = Vec::new();
        packet.write_json(&mut p)?;
        fields.insert("packet".into(), serde_json::from_slice(&p)?);
        Ok(packet.to_string())
    }
}

/// IF's first IPv4 address and prefix, and its MTU.
fn interface_address(name: &str) -> Result<(u32, Ipv4Addr, u8, usize)> {
    let i = iface::interface_by_name(name).map_err(|e| interface_error(name, e))?;
    let a = i.addrs.first().ok_or_else(|| {
        format!(
            "interface {name} has no IPv4 address: a querier needs one (RFC 3376 §6.6.2 elects \
             by it; add one with ip addr add ADDR/LEN dev {name})"
        )
    })?;
    let mtu = i.mtu.map_or(1500, |m| m as usize).clamp(576, 65_535);
    Ok((i.index, a.addr, a.prefix_len, mtu))
}

/// `ipv4kit querier`.
pub fn run_querier(args: &QuerierArgs) -> Result<()> {
    if args.ipv6 {
        return crate::querier6::run_querier6(args);
    }
    // Every argument is checked before the interface or a socket is.
    config::<Igmp>(args, Ipv4Addr::UNSPECIFIED, Some(0))?;
    let (ifindex, addr, prefix, mtu) = interface_address(&args.iface)?;
    let mut cfg = config::<Igmp>(args, addr, Some(prefix))?;
    cfg.mtu = mtu;
    let tap = Tap::open(&args.iface).map_err(|e| format!("opening the tap: {e}"))?;
    let conn = RawConn::new(IpProtocol::IGMP)
        .map_err(|e| format!("opening the raw IGMP socket to send queries: {e}"))?;
    conn.set_multicast_interface_index(ifindex)?;
    conn.set_multicast_loop(false)?;
    let mut sender = IgmpQuerySender {
        conn,
        ifindex,
        addr,
        dgram: vec![0u8; 65_535],
    };
    serve(
        args,
        cfg,
        ifindex,
        &format!("{addr}/{prefix}"),
        tap,
        &mut sender,
    )
}

/// Runs the engine `cfg` on interface `args.iface` (index `ifindex`, this
/// router `me`) until SIGINT/SIGTERM: the tap in, `sender` out, events
/// printed as they come, the table on SIGUSR1 and at the end. A closed
/// standard output ends it quietly.
pub fn serve<P: QuerierProtocol>(
    args: &QuerierArgs,
    cfg: RouterConfig<P>,
    ifindex: u32,
    me: &str,
    mut tap: Tap,
    sender: &mut impl QuerySender<P::Addr>,
) -> Result<()> {
    eprintln!(
        "ipv4kit: querier on {} (ifindex {ifindex}) as {me}, {}v{}, receiving on an AF_PACKET \
         tap; SIGUSR1 prints the table",
        args.iface,
        P::NAME,
        P::version_number(cfg.version)
    );
    let mut usr1 = Usr1::open();
    let mut tracker = Tracker::new(&args.iface, cfg, args.json);
    let out = &mut io::stdout();
    let result = run_loop(args, &mut tap, sender, &mut tracker, &mut usr1, out);
    let result = match result {
        Err(e) if is_broken_pipe(&*e) => return Ok(()),
        r => r,
    };
    match tracker.print_table(out) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(e.into()),
        Ok(()) => {}
    }
    result
}

fn is_broken_pipe(e: &(dyn Error + 'static)) -> bool {
    e.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

fn run_loop<P: QuerierProtocol>(
    args: &QuerierArgs,
    tap: &mut Tap,
    sender: &mut impl QuerySender<P::Addr>,
    tracker: &mut Tracker<P>,
    usr1: &mut Usr1,
    out: &mut io::Stdout,
) -> Result<()> {
    let mut msg = vec![0u8; 65_535];
    while !stop::requested() {
        if usr1.take() {
            tracker.print_table(out)?;
        }
        tracker.run_timers();
        while let Some(t) = tracker.router.poll_transmit(&mut msg) {
            let t = t.map_err(|e| format!("building a query: {e}"))?;
            let mut f = Map::new();
            f.insert("destination".into(), t.destination.to_string().into());
            let text = sender.send_query(&msg[..t.len], &t, &mut f)?;
            tracker.line(out, "query-sent", f, &format!("sent {text}"))?;
        }
        tracker.print_events(out)?;
        let wait = tracker.wait(TICK);
        let batch = match tap.recv(Some(wait)) {
            Ok(b) => b,
            Err(e) => return Err(lost(&args.iface, &e).into()),
        };
        for p in batch {
            tracker.feed(p.data);
        }
        tracker.print_events(out)?;
    }
    Ok(())
}

/// What to say when the tap fails: the interface went down or away, or else.
pub fn lost(iface: &str, e: &ipv4kit_net::Error) -> String {
    match e.interface_lost() {
        Some(InterfaceLost::Gone) => {
            format!("interface {iface} disappeared; nothing more can be seen there ({e})")
        }
        Some(InterfaceLost::Down) => format!("interface {iface} went down ({e})"),
        _ => format!("receiving on the tap: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;

    fn args(extra: &[&str]) -> QuerierArgs {
        let cli = Cli::try_parse_from(
            ["ipv4kit", "querier", "--iface", "eth0"]
                .iter()
                .chain(extra)
                .copied(),
        )
        .unwrap();
        let Command::Querier(a) = cli.command else {
            panic!()
        };
        a
    }

    fn cfg(extra: &[&str]) -> Result<RouterConfig<Igmp>> {
        config(&args(extra), Ipv4Addr::new(198, 18, 0, 1), Some(24))
    }

    #[test]
    fn defaults_are_rfc_3376_section_8() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.version, Compat::V3);
        assert_eq!(c.query_interval, Duration::from_secs(125));
        assert_eq!(c.query_response_interval, Duration::from_secs(10));
        assert_eq!(c.last_member_query_interval, Duration::from_secs(1));
        assert_eq!((c.robustness, c.subnet_prefix), (2, Some(24)));
    }

    #[test]
    fn impossible_timers_are_usage_errors() {
        for bad in [
            &["--version", "2", "--max-resp-ms", "150"][..],
            &["--version", "1", "--max-resp-ms", "1000"],
            &["--max-resp-ms", "50"],
            &["--query-interval-s", "5", "--max-resp-ms", "5000"],
            &["--last-member-interval-ms", "0"],
            &["--ssm-range", "10.0.0.0/8"],
            &["--ssm-range", "232.1.0.0/8"],
            &["--ssm-range", "232.0.0.0"],
        ] {
            let e = cfg(bad).unwrap_err();
            assert!(crate::args::is_usage(&*e), "{bad:?}: {e}");
        }
        for bad in [
            &["--robustness", "0"][..],
            &["--robustness", "8"],
            &["--version", "4"],
            &["--query-interval-s", "0"],
            &["--last-member-count", "0"],
            &["--max-groups", "0"],
        ] {
            let v: Vec<&str> = ["ipv4kit", "querier", "--iface", "e"]
                .iter()
                .chain(bad)
                .copied()
                .collect();
            assert!(Cli::try_parse_from(v).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn one_prefix_parser_serves_both_address_widths() {
        let v6 = |s| parse_ssm_range::<Ipv6Addr>(s);
        assert_eq!(v6("ff3e::/32"), Ok(("ff3e::".parse().unwrap(), 32)));
        assert_eq!(v6("ff3e::1/128").map(|p| p.1), Ok(128));
        assert!(v6("ff3e::1/127").unwrap_err().contains("host bits"));
        assert!(v6("ff00::/7").unwrap_err().contains("8..=128"));
        assert!(v6("2001:db8::/32").unwrap_err().contains("ff00::/8"));
        let v4 = |s| parse_ssm_range::<Ipv4Addr>(s);
        assert_eq!(v4("232.1.2.3/32"), Ok((Ipv4Addr::new(232, 1, 2, 3), 32)));
        assert_eq!(v4("224.0.0.0/4").map(|p| p.1), Ok(4));
        assert!(v4("224.0.0.0/3").unwrap_err().contains("4..=32"));
        assert!(v4("ff3e::/32").unwrap_err().contains("address"));
    }

    #[test]
    fn the_ssm_range_is_the_given_prefix() {
        assert_eq!(
            parse_ssm_range("232.0.0.0/8"),
            Ok((Ipv4Addr::new(232, 0, 0, 0), 8))
        );
        assert!(in_ssm_range(&Ipv4Addr::new(232, 1, 1, 1)));
        assert!(!in_ssm_range(&Ipv4Addr::new(239, 1, 1, 1)));
    }
}
