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
use std::net::Ipv6Addr;
use std::time::Duration;

use ipv4kit_gmp::{Compat, Mld, RouterTransmit};
use ipv4kit_net::wire::mld::{ALL_NODES, MAX_RESP_DELAY_MAX_MS, MLD_HOP_LIMIT};
use ipv4kit_net::{iface, Tap, TapConfig, TapProtocols};
use serde_json::{Map, Value};

use crate::args::{usage, QuerierArgs};
use crate::igmp_send::interface_error;
use crate::mld_send::MldSender;
use crate::querier::{config, serve, QuerierProtocol, QuerySender};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// `--version 1` is MLDv1, 2 (and the default 3) MLDv2.
impl QuerierProtocol for Mld {
    const INTERVALS_RFC: &'static str = "RFC 3810 §9.3";
    fn compat(version: u8) -> Compat {
        if version == 1 {
            Compat::V2
        } else {
            Compat::V3
        }
    }
    fn query_response_interval(ms: u32, version: u8) -> Result<Duration> {
        max_resp6("--max-resp-ms", ms, version != 1)
    }
    fn last_member_query_interval(ms: u32, version: u8) -> Result<Duration> {
        max_resp6("--last-member-interval-ms", ms, version != 1)
    }
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

/// Queries go out as [`MldSender`] sends them, printed as it describes them.
impl QuerySender<Ipv6Addr> for MldSender {
    fn send_query(
        &mut self,
        msg: &[u8],
        t: &RouterTransmit<Ipv6Addr>,
        fields: &mut Map<String, Value>,
    ) -> Result<String> {
        self.send_payload_to(msg, t.destination)
            .map_err(|e| format!("sending a query to {}: {e}", t.destination))?;
        let text = self.describe_to(msg, t.destination);
        fields.insert("message".into(), text.clone().into());
        Ok(text)
    }
}

/// `ipv4kit querier -6`.
pub fn run_querier6(args: &QuerierArgs) -> Result<()> {
    config::<Mld>(args, Ipv6Addr::UNSPECIFIED, None)?;
    let name = &args.iface;
    let i = iface::interface_by_name(name).map_err(|e| interface_error(name, e))?;
    let ll = ipv4kit_net::link_local_addr(i.index)
        .map_err(|e| {
            format!(
                "interface {name} has no link-local IPv6 address: an MLD querier needs one \
                 (RFC 3810 §5, §7.6.2 elects by it) ({e})"
            )
        })?
        .addr;
    let mut cfg = config::<Mld>(args, ll, None)?;
    cfg.mtu = i.mtu.map_or(1280, |m| m as usize).clamp(1280, 65_535);
    let config = TapConfig::default().with_protocols(TapProtocols::MLD);
    let tap = Tap::with_config(name, &config).map_err(|e| format!("opening the tap: {e}"))?;
    let mut sender = MldSender::open(name, ALL_NODES, Some(ll), MLD_HOP_LIMIT, true)
        .map_err(|e| format!("opening the raw ICMPv6 socket to send queries: {e}"))?;
    serve(args, cfg, i.index, &ll.to_string(), tap, &mut sender)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;

    fn cfg(extra: &[&str]) -> Result<ipv4kit_gmp::RouterConfig<Mld>> {
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
        config(&a, "fe80::1".parse().unwrap(), None)
    }

    #[test]
    fn defaults_are_rfc_3810_section_9_and_version_1_is_mldv1() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.version, Compat::V3);
        assert_eq!(c.query_interval, Duration::from_secs(125));
        assert_eq!(c.query_response_interval, Duration::from_secs(10));
        assert_eq!(cfg(&["--version", "1"]).unwrap().version, Compat::V2);
        assert!(crate::querier::in_ssm_range::<Ipv6Addr>(
            &"ff3e::8000:1".parse().unwrap()
        ));
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
