//! `querier`: the router engine of `ipv4kit-gmp` on a live interface.
//!
//! Receives on the tap ([`Tap`]: every IGMP message on the link, nothing
//! sent, no membership needed; the multicast-routing socket would miss
//! IGMPv1/v2 reports to 224.0.0.0/24, a raw socket sees only groups this
//! host joined), sends queries from a raw IPv4 socket with the headers RFC
//! 3376 §4 asks for, and prints through [`Tracker`].

use std::error::Error;
use std::io;
use std::net::Ipv4Addr;
use std::sync::OnceLock;
use std::time::Duration;

use ipv4kit_gmp::{Compat, Igmp, RouterConfig};
use ipv4kit_net::wire::igmp::{IGMPV3_TOS, IGMP_TTL};
use ipv4kit_net::wire::ipv4::IpProtocol;
use ipv4kit_net::{iface, ControlMessage, DatagramOptions, InterfaceLost, RawConn, Tap};
use serde_json::Map;

use crate::args::{usage, QuerierArgs};
use crate::decode;
use crate::igmp_send::{datagram, Encapsulation};
use crate::stop;
use crate::table::{Tracker, Usr1};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// How often a waiting querier looks at SIGINT/SIGTERM/SIGUSR1.
const TICK: Duration = Duration::from_millis(100);

/// The SSM range of this process (`--ssm-range`), read by [`in_ssm_range`]:
/// the engine takes a plain `fn`, so the prefix lives here.
static SSM_RANGE: OnceLock<(u32, u8)> = OnceLock::new();

/// Whether `g` is in the `--ssm-range` prefix (default 232.0.0.0/8).
pub fn in_ssm_range(g: &Ipv4Addr) -> bool {
    let (net, len) = *SSM_RANGE.get().unwrap_or(&(0xe800_0000, 8));
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    u32::from(*g) & mask == net & mask
}

/// Parses `--ssm-range`: a multicast prefix `A.B.C.D/N`, N in 4..=32, no
/// host bits set.
pub fn parse_ssm_range(s: &str) -> std::result::Result<(Ipv4Addr, u8), String> {
    let (a, l) = s
        .split_once('/')
        .ok_or_else(|| format!("--ssm-range {s:?}: want a prefix like 232.0.0.0/8"))?;
    let addr: Ipv4Addr = a
        .parse()
        .map_err(|e| format!("--ssm-range {s:?}: address: {e}"))?;
    let len: u8 = l
        .parse()
        .ok()
        .filter(|l| (4..=32).contains(l))
        .ok_or_else(|| format!("--ssm-range {s:?}: prefix length must be 4..=32"))?;
    if !addr.is_multicast() {
        return Err(format!("--ssm-range {s:?}: not in 224.0.0.0/4"));
    }
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    if u32::from(addr) & !mask != 0 {
        return Err(format!("--ssm-range {s:?}: host bits set past /{len}"));
    }
    Ok((addr, len))
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

/// The engine's settings for `args` on an interface at `addr`/`prefix`.
pub fn config(args: &QuerierArgs, addr: Ipv4Addr, prefix: u8) -> Result<RouterConfig<Igmp>> {
    let mut c = RouterConfig::<Igmp>::new(addr);
    c.subnet_prefix = Some(prefix);
    c.version = match args.version {
        1 => Compat::V1,
        2 => Compat::V2,
        _ => Compat::V3,
    };
    c.robustness = args.robustness;
    c.query_interval = Duration::from_secs(u64::from(args.query_interval_s));
    if let Some(ms) = args.max_resp_ms {
        if args.version == 1 {
            return Err(usage(
                "--max-resp-ms: IGMPv1 queries carry no max response time (10 s)",
            ));
        }
        c.query_response_interval = max_resp("--max-resp-ms", ms, args.version)?;
    }
    if c.query_response_interval >= c.query_interval {
        return Err(usage(format!(
            "the query response interval ({} ms) must be less than the query interval ({} s) \
             (RFC 3376 §8.3)",
            c.query_response_interval.as_millis(),
            args.query_interval_s
        )));
    }
    c.last_member_query_interval = max_resp(
        "--last-member-interval-ms",
        args.last_member_interval_ms,
        args.version.max(2),
    )?;
    c.last_member_query_count = args.last_member_count;
    c.require_router_alert = args.require_router_alert;
    c.max_groups = usize::try_from(args.max_groups).unwrap_or(usize::MAX);
    c.max_sources_per_group = usize::try_from(args.max_sources).unwrap_or(usize::MAX);
    if let Some(s) = &args.ssm_range {
        let (net, len) = parse_ssm_range(s).map_err(usage)?;
        let _ = SSM_RANGE.set((u32::from(net), len));
    }
    c.ssm_range = in_ssm_range;
    Ok(c)
}

/// IF's first IPv4 address and prefix, and its MTU.
fn interface_address(name: &str) -> Result<(u32, Ipv4Addr, u8, usize)> {
    let i = iface::interface_by_name(name).map_err(|e| format!("interface {name:?}: {e}"))?;
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
    config(args, Ipv4Addr::UNSPECIFIED, 0)?;
    let (ifindex, addr, prefix, mtu) = interface_address(&args.iface)?;
    let mut cfg = config(args, addr, prefix)?;
    cfg.mtu = mtu;
    let mut tap = Tap::open(&args.iface).map_err(|e| format!("opening the tap: {e}"))?;
    let conn = RawConn::new(IpProtocol::IGMP)
        .map_err(|e| format!("opening the raw IGMP socket to send queries: {e}"))?;
    conn.set_multicast_interface_index(ifindex)?;
    conn.set_multicast_loop(false)?;
    eprintln!(
        "ipv4kit: querier on {} (ifindex {ifindex}) as {addr}/{prefix}, IGMPv{}, receiving on \
         an AF_PACKET tap; SIGUSR1 prints the table",
        args.iface, args.version
    );
    let mut usr1 = Usr1::open();
    let mut tracker = Tracker::new(&args.iface, cfg, args.json);
    let out = &mut io::stdout();
    let result = run_loop(
        args,
        &mut tap,
        &conn,
        ifindex,
        addr,
        &mut tracker,
        &mut usr1,
        out,
    );
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

#[allow(clippy::too_many_arguments)]
fn run_loop(
    args: &QuerierArgs,
    tap: &mut Tap,
    conn: &RawConn,
    ifindex: u32,
    addr: Ipv4Addr,
    tracker: &mut Tracker,
    usr1: &mut Usr1,
    out: &mut io::Stdout,
) -> Result<()> {
    let mut msg = vec![0u8; 65_535];
    let mut dgram = vec![0u8; 65_535];
    while !stop::requested() {
        if usr1.take() {
            tracker.print_table(out)?;
        }
        tracker.run_timers();
        while let Some(t) = tracker.router.poll_transmit(&mut msg) {
            let t = t.map_err(|e| format!("building a query: {e}"))?;
            let enc = Encapsulation {
                src: addr,
                dst: t.destination,
                ttl: IGMP_TTL,
                tos: if t.version == Compat::V3 {
                    IGMPV3_TOS
                } else {
                    0
                },
                router_alert: t.version != Compat::V1,
            };
            let n = datagram(&enc, &msg[..t.len], &mut dgram)?;
            let cm = ControlMessage {
                ifindex: Some(ifindex),
                ..Default::default()
            };
            conn.send_datagram(&dgram[..n], Some(&cm))
                .map_err(|e| format!("sending a query to {}: {e}", t.destination))?;
            let packet = decode::ipv4_packet(&dgram[..n]);
            let mut f = Map::new();
            f.insert("destination".into(), t.destination.to_string().into());
            let mut p = Vec::new();
            packet.write_json(&mut p)?;
            f.insert("packet".into(), serde_json::from_slice(&p)?);
            tracker.line(out, "query-sent", f, &format!("sent {packet}"))?;
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
        config(&args(extra), Ipv4Addr::new(198, 18, 0, 1), 24)
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
    fn the_ssm_range_is_the_given_prefix() {
        assert_eq!(
            parse_ssm_range("232.0.0.0/8"),
            Ok((Ipv4Addr::new(232, 0, 0, 0), 8))
        );
        assert!(in_ssm_range(&Ipv4Addr::new(232, 1, 1, 1)));
        assert!(!in_ssm_range(&Ipv4Addr::new(239, 1, 1, 1)));
    }
}
