//! `querier -6`: the router engine as an MLD router (RFC 3810 §7) on a
//! live interface.
//!
//! Receives on the tap with the MLD filter ([`TapProtocols::MLD`]: every
//! MLD message on the link, reports to ff02::16 and MLDv1 reports to any
//! group alike, no membership needed), verifies the ICMPv6 checksum over
//! the pseudo-header in the engine, sends queries from a raw ICMPv6 socket
//! ([`MldSender`]: hop limit 1, hop-by-hop Router Alert 0, the interface's
//! link-local address as source, RFC 3810 §5) and prints through
//! [`Tracker`].

use std::error::Error;
use std::io;
use std::net::Ipv6Addr;
use std::sync::OnceLock;
use std::time::Duration;

use ipv4kit_gmp::{Compat, Mld, RouterConfig};
use ipv4kit_net::wire::mld::{ALL_NODES, MAX_RESP_DELAY_MAX_MS, MLD_HOP_LIMIT};
use ipv4kit_net::{iface, Tap, TapConfig, TapProtocols};
use serde_json::Map;

use crate::args::{usage, QuerierArgs};
use crate::mld_send::MldSender;
use crate::querier::lost;
use crate::stop;
use crate::table::{Tracker, Usr1};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const TICK: Duration = Duration::from_millis(100);

/// The `--ssm-range` of this process for MLD (default ff3x::/32, RFC 4607).
static SSM_RANGE6: OnceLock<(u128, u8)> = OnceLock::new();

/// Whether `g` is in the `--ssm-range` prefix, or in ff3x::/32 by default.
pub fn in_ssm_range6(g: &Ipv6Addr) -> bool {
    match SSM_RANGE6.get() {
        Some(&(net, len)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            g.to_bits() & mask == net & mask
        }
        None => <Mld as ipv4kit_gmp::Protocol>::is_default_ssm(g),
    }
}

/// Parses an IPv6 `--ssm-range`: a multicast prefix `ff3e::/32`, length
/// 8..=128, no host bits set.
pub fn parse_ssm_range6(s: &str) -> std::result::Result<(Ipv6Addr, u8), String> {
    let (a, l) = s
        .split_once('/')
        .ok_or_else(|| format!("--ssm-range {s:?}: want a prefix like ff3e::/32"))?;
    let addr: Ipv6Addr = a
        .parse()
        .map_err(|e| format!("--ssm-range {s:?}: address: {e}"))?;
    let len: u8 = l
        .parse()
        .ok()
        .filter(|l| (8..=128).contains(l))
        .ok_or_else(|| format!("--ssm-range {s:?}: prefix length must be 8..=128"))?;
    if !addr.is_multicast() {
        return Err(format!("--ssm-range {s:?}: not in ff00::/8"));
    }
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    if addr.to_bits() & !mask != 0 {
        return Err(format!("--ssm-range {s:?}: host bits set past /{len}"));
    }
    Ok((addr, len))
}

/// A Maximum Response Delay for MLDv1 (16 bits of ms, RFC 2710 §3.4) or
/// MLDv2 (the Maximum Response Code's range, RFC 3810 §5.1.3).
fn max_resp6(flag: &str, ms: u32, v2: bool) -> Result<Duration> {
    let max = if v2 {
        MAX_RESP_DELAY_MAX_MS
    } else {
        u32::from(u16::MAX)
    };
    if !(1..=max).contains(&ms) {
        let v = if v2 { "MLDv2" } else { "MLDv1" };
        return Err(usage(format!("{flag} {ms}: {v} holds 1..={max} ms")));
    }
    Ok(Duration::from_millis(u64::from(ms)))
}

/// The engine's settings for `args` on an interface whose link-local
/// address is `addr`. `--version 1` is MLDv1, 2 (and the default 3) MLDv2.
pub fn config6(args: &QuerierArgs, addr: Ipv6Addr) -> Result<RouterConfig<Mld>> {
    let mut c = RouterConfig::<Mld>::new(addr);
    let v2 = args.version != 1;
    c.version = if v2 { Compat::V3 } else { Compat::V2 };
    c.robustness = args.robustness;
    c.query_interval = Duration::from_secs(u64::from(args.query_interval_s));
    if let Some(ms) = args.max_resp_ms {
        c.query_response_interval = max_resp6("--max-resp-ms", ms, v2)?;
    }
    if c.query_response_interval >= c.query_interval {
        return Err(usage(format!(
            "the query response interval ({} ms) must be less than the query interval ({} s) \
             (RFC 3810 §9.3)",
            c.query_response_interval.as_millis(),
            args.query_interval_s
        )));
    }
    c.last_member_query_interval = max_resp6(
        "--last-member-interval-ms",
        args.last_member_interval_ms,
        v2,
    )?;
    c.last_member_query_count = args.last_member_count;
    c.require_router_alert = args.require_router_alert;
    c.max_groups = usize::try_from(args.max_groups).unwrap_or(usize::MAX);
    c.max_sources_per_group = usize::try_from(args.max_sources).unwrap_or(usize::MAX);
    if let Some(s) = &args.ssm_range {
        let (net, len) = parse_ssm_range6(s).map_err(usage)?;
        let _ = SSM_RANGE6.set((net.to_bits(), len));
    }
    c.ssm_range = in_ssm_range6;
    Ok(c)
}

/// `ipv4kit querier -6`.
pub fn run_querier6(args: &QuerierArgs) -> Result<()> {
    config6(args, Ipv6Addr::UNSPECIFIED)?;
    let name = &args.iface;
    let i = iface::interface_by_name(name).map_err(|e| format!("interface {name:?}: {e}"))?;
    let ll = ipv4kit_net::link_local_addr(i.index)
        .map_err(|e| {
            format!(
                "interface {name} has no link-local IPv6 address: an MLD querier needs one \
                 (RFC 3810 §5, §7.6.2 elects by it) ({e})"
            )
        })?
        .addr;
    let mut cfg = config6(args, ll)?;
    cfg.mtu = i.mtu.map_or(1280, |m| m as usize).clamp(1280, 65_535);
    let config = TapConfig::default().with_protocols(TapProtocols::MLD);
    let mut tap = Tap::with_config(name, &config).map_err(|e| format!("opening the tap: {e}"))?;
    let sender = MldSender::open(name, ALL_NODES, Some(ll), MLD_HOP_LIMIT, true)
        .map_err(|e| format!("opening the raw ICMPv6 socket to send queries: {e}"))?;
    eprintln!(
        "ipv4kit: querier on {name} (ifindex {}) as {ll}, MLDv{}, receiving on an AF_PACKET \
         tap; SIGUSR1 prints the table",
        i.index,
        if args.version == 1 { 1 } else { 2 }
    );
    let mut usr1 = Usr1::open();
    let mut tracker = Tracker::new(name, cfg, args.json);
    let out = &mut io::stdout();
    let result = run_loop(args, &mut tap, &sender, &mut tracker, &mut usr1, out);
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

fn run_loop(
    args: &QuerierArgs,
    tap: &mut Tap,
    sender: &MldSender,
    tracker: &mut Tracker<Mld>,
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
            let payload = &msg[..t.len];
            sender
                .send_payload_to(payload, t.destination)
                .map_err(|e| format!("sending a query to {}: {e}", t.destination))?;
            let text = sender.describe_to(payload, t.destination);
            let mut f = Map::new();
            f.insert("destination".into(), t.destination.to_string().into());
            f.insert("message".into(), text.clone().into());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;

    fn cfg(extra: &[&str]) -> Result<RouterConfig<Mld>> {
        let cli = Cli::try_parse_from(
            ["ipv4kit", "querier", "-6", "--iface", "eth0"]
                .iter()
                .chain(extra)
                .copied(),
        )
        .unwrap();
        let Command::Querier(a) = cli.command else {
            panic!()
        };
        config6(&a, "fe80::1".parse().unwrap())
    }

    #[test]
    fn defaults_are_rfc_3810_section_9_and_version_1_is_mldv1() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.version, Compat::V3);
        assert_eq!(c.query_interval, Duration::from_secs(125));
        assert_eq!(c.query_response_interval, Duration::from_secs(10));
        assert_eq!(cfg(&["--version", "1"]).unwrap().version, Compat::V2);
        assert!(in_ssm_range6(&"ff3e::8000:1".parse().unwrap()));
    }

    #[test]
    fn impossible_mld_settings_are_usage_errors() {
        for bad in [
            &["--version", "1", "--max-resp-ms", "70000"][..],
            &["--query-interval-s", "5", "--max-resp-ms", "5000"],
            &["--ssm-range", "2001:db8::/32"],
            &["--ssm-range", "ff3e::1/32"],
            &["--ssm-range", "232.0.0.0/8"],
        ] {
            let e = cfg(bad).unwrap_err();
            assert!(crate::args::is_usage(&*e), "{bad:?}: {e}");
        }
    }
}
