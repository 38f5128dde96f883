//! `query -6`: an MLDv1 or MLDv2 query (RFC 2710 §3, RFC 3810 §5.1) from
//! the command line, checked before any socket is opened, then sent by
//! [`MldSender`].

use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use ipv4kit_wire::igmp::FLOAT_CODE_MAX;
use ipv4kit_wire::mld::{
    max_mld_len, MaxRespCode, MldRepr, Qqic, QueryV1, QueryV2, MAX_RESP_DELAY_MAX_MS,
    QUERY_V2_MIN_LEN,
};

use super::{MldSender, Result, HEADERS_LEN};
use crate::args::{usage, QueryArgs};

fn v6(a: IpAddr) -> Option<Ipv6Addr> {
    match a {
        IpAddr::V6(a) => Some(a),
        IpAddr::V4(_) => None,
    }
}

/// Whether a `query` invocation is MLD: `-6`, or any IPv6 address given.
/// Mixing the families is a usage error.
pub fn query_is_v6(args: &QueryArgs) -> Result<bool> {
    let addrs: Vec<IpAddr> = args
        .group
        .iter()
        .chain(&args.sources)
        .chain(&args.source_address)
        .copied()
        .collect();
    let any6 = args.ipv6 || addrs.iter().any(IpAddr::is_ipv6);
    if any6 {
        if let Some(a) = addrs.iter().find(|a| a.is_ipv4()) {
            return Err(usage(format!(
                "{a} is an IPv4 address in an MLD (IPv6) query: give IPv6 addresses with -6 \
                 (or leave -6 out for IGMP)"
            )));
        }
    }
    Ok(any6)
}

/// An MLD query a `query` invocation describes, checked before any socket
/// is opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query6 {
    /// MLDv1 (RFC 2710 §3): maximum response delay in milliseconds, group.
    V1 {
        /// Maximum Response Delay, ms.
        max_resp_delay: u16,
        /// `::` for a General Query.
        group: Ipv6Addr,
    },
    /// MLDv2 (RFC 3810 §5.1).
    V2 {
        /// Maximum Response Code.
        code: MaxRespCode,
        /// `::` for a General Query.
        group: Ipv6Addr,
        /// Suppress Router-Side Processing.
        s_flag: bool,
        /// Querier's Robustness Variable.
        qrv: u8,
        /// Querier's Query Interval Code.
        qqic: Qqic,
        /// Sources of a Multicast Address and Source Specific Query.
        sources: Vec<Ipv6Addr>,
    },
}

impl Query6 {
    /// The query's IPv6 destination: ff02::1 for a General Query, the group
    /// otherwise (RFC 2710 §8, RFC 3810 §5.1.15).
    pub fn destination(&self) -> Ipv6Addr {
        self.with_repr(|r| r.destination())
    }

    /// Octets of the message.
    pub fn len(&self) -> usize {
        self.with_repr(|r| r.buffer_len())
    }

    /// Never empty (kept for clippy's `len_without_is_empty`).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Runs `f` with the codec's repr of the query.
    pub fn with_repr<R>(&self, f: impl FnOnce(&dyn MldRepr) -> R) -> R {
        match self {
            Query6::V1 {
                max_resp_delay,
                group,
            } => f(&QueryV1 {
                max_resp_delay: *max_resp_delay,
                group: *group,
            }),
            Query6::V2 {
                code,
                group,
                s_flag,
                qrv,
                qqic,
                sources,
            } => f(&QueryV2 {
                max_resp_code: *code,
                group: *group,
                s_flag: *s_flag,
                qrv: *qrv,
                qqic: *qqic,
                sources,
            }),
        }
    }
}

/// The MLD query a `query` invocation describes, or why it cannot be sent.
pub fn build_query6(args: &QueryArgs) -> Result<Query6> {
    let version = args.version.unwrap_or(2);
    let group = args.group.and_then(v6).unwrap_or(Ipv6Addr::UNSPECIFIED);
    let sources: Vec<Ipv6Addr> = args.sources.iter().copied().filter_map(v6).collect();
    if let Some(s) = sources
        .iter()
        .find(|s| s.is_multicast() || s.is_unspecified())
    {
        return Err(usage(format!("--source {s} is not a unicast address")));
    }
    if let Some(IpAddr::V6(s)) = args.source_address {
        if s.is_multicast() || s.is_unspecified() {
            return Err(usage(format!(
                "--source-address {s}: a source is a unicast address (the interface's link-local one, usually)"
            )));
        }
    }
    if !sources.is_empty() && (version != 2 || group.is_unspecified()) {
        return Err(usage(
            "--source needs MLDv2 (--version 2) and --group (a multicast address and source specific query)",
        ));
    }
    match version {
        1 => {
            if args.s_flag || args.qrv.is_some() || args.qqi.is_some() {
                return Err(usage(
                    "--s-flag, --qrv and --qqi are MLDv2 fields (use --version 2)",
                ));
            }
            let ms = args.max_resp_ms.unwrap_or(10_000);
            let max_resp_delay = u16::try_from(ms).map_err(|_| {
                usage(format!(
                    "--max-resp-ms {ms}: MLDv1 sends 0..=65535 ms (RFC 2710 §3.4)"
                ))
            })?;
            Ok(Query6::V1 {
                max_resp_delay,
                group,
            })
        }
        2 => {
            let ms = args.max_resp_ms.unwrap_or(10_000);
            if ms > MAX_RESP_DELAY_MAX_MS {
                return Err(usage(format!(
                    "--max-resp-ms {ms}: MLDv2 sends 0..={MAX_RESP_DELAY_MAX_MS} ms (RFC 3810 §5.1.3)"
                )));
            }
            let qqi = args.qqi.unwrap_or(125);
            if qqi > u32::from(FLOAT_CODE_MAX) {
                return Err(usage(format!(
                    "--qqi {qqi}: the QQIC can say at most {FLOAT_CODE_MAX} s (RFC 3810 §5.1.9)"
                )));
            }
            Ok(Query6::V2 {
                code: MaxRespCode::from_millis(ms),
                group,
                s_flag: args.s_flag,
                qrv: args.qrv.unwrap_or(2),
                qqic: Qqic::from_secs(qqi),
                sources,
            })
        }
        v => Err(usage(format!(
            "MLD has versions 1 and 2, not {v} (--version 3 is IGMPv3's)"
        ))),
    }
}

/// `ipv4kit query -6`.
pub fn run_query6(args: &QueryArgs) -> Result<()> {
    let q = build_query6(args)?;
    let src = args.source_address.and_then(v6);
    let sender = MldSender::open(
        &args.iface,
        q.destination(),
        src,
        args.ttl,
        !args.no_router_alert,
    )?;
    if HEADERS_LEN + q.len() > sender.mtu() {
        let fit = (max_mld_len(sender.mtu()).saturating_sub(QUERY_V2_MIN_LEN)) / 16;
        return Err(usage(format!(
            "{} sources do not fit one query at {}'s MTU {} (at most {fit})",
            args.sources.len(),
            args.iface,
            sender.mtu()
        )));
    }
    let mut out = std::io::stdout().lock();
    for i in 0..args.count {
        if i > 0 {
            std::thread::sleep(Duration::from_millis(args.interval_ms));
        }
        q.with_repr(|r| sender.send(r, &mut out))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;
    use ipv4kit_wire::mld::MldMessage;

    fn query(args: &[&str]) -> Result<Query6> {
        let cli = Cli::try_parse_from(["ipv4kit", "query", "--iface", "x"].iter().chain(args))?;
        let Command::Query(q) = cli.command else {
            panic!()
        };
        assert!(query_is_v6(&q)?);
        build_query6(&q)
    }

    fn emitted(q: &Query6) -> Vec<u8> {
        let src: Ipv6Addr = "fe80::1".parse().unwrap();
        let mut buf = vec![0u8; q.len()];
        q.with_repr(|r| r.emit(src, r.destination(), &mut buf))
            .unwrap();
        buf
    }

    #[test]
    fn general_mldv2_query_goes_to_all_nodes_with_the_defaults() {
        let q = query(&["-6"]).unwrap();
        assert_eq!(q.destination(), ipv4kit_wire::mld::ALL_NODES);
        let src: Ipv6Addr = "fe80::1".parse().unwrap();
        let buf = emitted(&q);
        let Ok(MldMessage::QueryV2(v)) = MldMessage::parse(&buf, src, q.destination()) else {
            panic!("{buf:?}")
        };
        assert_eq!(
            (v.max_resp_code().millis(), v.qrv(), v.qqic().secs()),
            (10_000, 2, 125)
        );
        assert!(v.is_general() && !v.s_flag());
    }

    #[test]
    fn an_ipv6_group_implies_mld_and_sources_make_it_source_specific() {
        let q = query(&[
            "--group",
            "ff3e::8000:1",
            "--source",
            "2001:db8::1",
            "--s-flag",
            "--qrv",
            "3",
            "--qqi",
            "200",
            "--max-resp-ms",
            "40001",
        ])
        .unwrap();
        assert_eq!(q.destination(), "ff3e::8000:1".parse::<Ipv6Addr>().unwrap());
        let Query6::V2 { code, sources, .. } = &q else {
            panic!()
        };
        assert_eq!(code.millis(), 40_000, "rounded down to the code");
        assert_eq!(sources.len(), 1);
        let v1 = query(&["-6", "--version", "1", "--group", "ff05::1:3"]).unwrap();
        assert_eq!(emitted(&v1).len(), 24);
    }

    #[test]
    fn a_specific_query_is_described_with_the_destination_its_checksum_covers() {
        let group: Ipv6Addr = "ff1e::a1".parse().unwrap();
        let src: Ipv6Addr = "fe80::1".parse().unwrap();
        let q = query(&["--group", "ff1e::a1"]).unwrap();
        let buf = emitted(&q);
        let text = super::super::describe_sent(src, group, 1, true, &buf);
        assert_eq!(
            text,
            "fe80::1 > ff1e::a1: hlim 1 [RA] mld v2 query ff1e::a1 max resp 10000ms qrv 2 qqi 125s len 28"
        );
        // Over ff02::1's pseudo-header (what `querier -6` printed for every
        // query before) the checksum is wrong.
        let wrong = super::super::describe_sent(src, ipv4kit_wire::mld::ALL_NODES, 1, true, &buf);
        assert!(wrong.contains("does not parse"), "{wrong}");
    }

    #[test]
    fn impossible_mld_queries_are_refused_with_reasons() {
        let e = |a: &[&str]| query(a).unwrap_err().to_string();
        assert!(e(&["-6", "--version", "3"]).contains("MLD has versions 1 and 2"));
        assert!(e(&["-6", "--version", "1", "--qrv", "2"]).contains("MLDv2 fields"));
        assert!(e(&["-6", "--version", "1", "--max-resp-ms", "65536"]).contains("0..=65535"));
        assert!(e(&["-6", "--max-resp-ms", "8387585"]).contains("0..=8387584"));
        assert!(e(&["-6", "--qqi", "31745"]).contains("at most 31744"));
        assert!(e(&["-6", "--source", "2001:db8::1"]).contains("--group"));
        assert!(e(&["--group", "ff3e::1", "--source", "ff3e::2"]).contains("not a unicast"));
        assert!(e(&["-6", "--source-address", "ff02::2"]).contains("unicast"));
        let mixed = Cli::try_parse_from([
            "ipv4kit", "query", "--iface", "x", "--group", "ff3e::1", "--source", "10.0.0.1",
        ])
        .unwrap();
        let Command::Query(q) = mixed.command else {
            panic!()
        };
        assert!(query_is_v6(&q)
            .unwrap_err()
            .to_string()
            .contains("IPv4 address in an MLD"));
    }
}
