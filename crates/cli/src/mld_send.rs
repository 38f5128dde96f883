//! `query -6`, `report` and `leave` with IPv6 groups: MLD messages (RFC 2710,
//! RFC 3810) built with the codec and sent with a raw ICMPv6 [`PacketConn6`]
//! out of one interface — hop limit 1, a hop-by-hop header with Router
//! Alert 0, from the interface's link-local address.

use std::error::Error;
use std::fmt::Write as _;
use std::io::Write;
use std::net::{IpAddr, Ipv6Addr, SocketAddrV6};
use std::time::Duration;

use ipv4kit_net::{
    ControlMessage6, Datagram6Options, HopByHopOptions, PacketConn6, IPPROTO_ICMPV6,
};
use ipv4kit_wire::igmp::FLOAT_CODE_MAX;
use ipv4kit_wire::mld::{
    emit_datagram_to, is_link_local, max_mld_len, DoneV1, GroupRecordRepr, GroupRecordType,
    MaxRespCode, MldMessage, MldRepr, Qqic, QueryV1, QueryV2, ReportV1, ReportV2Splitter,
    MAX_RESP_DELAY_MAX_MS, QUERY_V2_MIN_LEN,
};

use crate::args::{usage, LeaveArgs, QueryArgs, ReportArgs};
use crate::igmp_send::{explain_send_error, usable_interface};
use crate::records::{type_name, AnyRecordSpec};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// IPv6 header and the 8-octet hop-by-hop header before every MLD message.
const HEADERS_LEN: usize = 40 + 8;

/// A raw ICMPv6 socket bound for multicast to one interface and connected
/// to the destination, so the kernel has chosen the source before the
/// first message (and `getsockname` tells which).
pub struct MldSender {
    conn: PacketConn6,
    iface: String,
    ifindex: u32,
    mtu: usize,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: u8,
    router_alert: bool,
}

impl MldSender {
    /// Opens the socket for messages to `dst` out of `iface`: multicast
    /// interface by index, loopback off (this host's own MLD stack would
    /// answer a looped query), `hop_limit`, the Router Alert hop-by-hop
    /// header unless `router_alert` is false, bound to `source` if given or
    /// else to the interface's link-local address, then connected to `dst`
    /// (scope: the interface); the source printed is what `getsockname`
    /// then says (the kernel's choice when the interface has no link-local
    /// address).
    pub fn open(
        iface: &str,
        dst: Ipv6Addr,
        source: Option<Ipv6Addr>,
        hop_limit: u8,
        router_alert: bool,
    ) -> Result<MldSender> {
        let ifc = usable_interface(iface)?;
        let ifindex = ifc.index;
        let conn = PacketConn6::raw(IPPROTO_ICMPV6)?;
        conn.set_multicast_interface(ifindex)?;
        conn.set_multicast_loop(false)?;
        conn.set_multicast_hops(hop_limit)?;
        if router_alert {
            conn.set_hop_by_hop_options(HopByHopOptions::ROUTER_ALERT_MLD.as_bytes())?;
        }
        // RFC 3810 §5 and RFC 2710 §3: the source is link-local. The kernel
        // would pick a global address for a group of wider scope, so bind
        // the interface's link-local address unless told otherwise.
        let source = source.or_else(|| ipv4kit_net::link_local_addr(ifindex).ok().map(|a| a.addr));
        if let Some(s) = source {
            let scope = if is_link_local(s) { ifindex } else { 0 };
            conn.bind(SocketAddrV6::new(s, 0, 0, scope)).map_err(|e| {
                if e.raw_os_error() == Some(libc::EADDRNOTAVAIL) {
                    format!(
                        "--source-address {s} is not an address of this host \
                         (add it to {iface}, or leave the option out)"
                    )
                    .into()
                } else {
                    Box::<dyn Error>::from(e)
                }
            })?;
        }
        let to = socket2::SockAddr::from(SocketAddrV6::new(dst, 0, 0, ifindex));
        conn.as_socket()
            .connect(&to)
            .map_err(|e| explain_send_error(iface, &format!("connect to {dst}"), e.into()))?;
        let src = *conn.local_addr()?.ip();
        if src.is_unspecified() {
            return Err(format!("{iface} has no IPv6 address to send MLD from").into());
        }
        if !is_link_local(src) {
            eprintln!(
                "ipv4kit: warning: sending from {src}, not a link-local address: \
                 RFC 3810 §5 routers and hosts ignore such MLD messages"
            );
        }
        Ok(MldSender {
            conn,
            iface: iface.to_owned(),
            ifindex,
            mtu: ifc.mtu.unwrap_or(1280) as usize,
            src,
            dst,
            hop_limit,
            router_alert,
        })
    }

    /// The source address the kernel chose (or the one bound).
    pub fn source(&self) -> Ipv6Addr {
        self.src
    }

    /// The interface's MTU.
    pub fn mtu(&self) -> usize {
        self.mtu
    }

    /// Sends `msg` (its checksum written for this source and destination;
    /// the kernel writes it again, the same) and prints it on `out`.
    pub fn send(&self, msg: &dyn MldRepr, out: &mut impl Write) -> Result<()> {
        let mut buf = vec![0u8; HEADERS_LEN + msg.buffer_len()];
        let n = emit_datagram_to(msg, self.src, self.dst, &mut buf)?;
        let payload = &buf[HEADERS_LEN..n];
        let cm = ControlMessage6 {
            ifindex: Some(self.ifindex),
            ..Default::default()
        };
        let to = SocketAddrV6::new(self.dst, 0, 0, self.ifindex);
        self.conn
            .send_to(payload, to, Some(&cm))
            .map_err(|e| explain_send_error(&self.iface, "sendmsg", e.into()))?;
        writeln!(out, "sent {}", self.describe(payload))?;
        out.flush()?;
        Ok(())
    }

    /// Sends an encoded MLD message (`payload`, checksummed for this
    /// source and `dst`) to `dst` out of the interface; the socket stays
    /// connected to its own destination.
    pub fn send_payload_to(&self, payload: &[u8], dst: Ipv6Addr) -> Result<()> {
        let cm = ControlMessage6 {
            ifindex: Some(self.ifindex),
            ..Default::default()
        };
        let to = SocketAddrV6::new(dst, 0, 0, self.ifindex);
        self.conn
            .send_to(payload, to, Some(&cm))
            .map_err(|e| explain_send_error(&self.iface, "sendmsg", e.into()))?;
        Ok(())
    }

    /// One line for a message sent: interface, addresses, hop limit, Router
    /// Alert, then the message as the codec parses it.
    pub fn describe(&self, payload: &[u8]) -> String {
        format!("{} {}", self.iface, self.describe_to(payload, self.dst))
    }

    /// One line for `payload` sent to `dst` (which need not be the default
    /// destination: a querier sends its Multicast Address Specific Queries
    /// to the address queried, RFC 3810 §5.1.15), without the interface:
    /// addresses, hop limit, Router Alert, then the message as the codec
    /// parses it with the checksum over `dst`'s pseudo-header.
    pub fn describe_to(&self, payload: &[u8], dst: Ipv6Addr) -> String {
        describe_sent(self.src, dst, self.hop_limit, self.router_alert, payload)
    }
}

/// `SRC > DST: hlim N [RA] MESSAGE len N`, the message parsed (checksum
/// verified) for `src` → `dst`.
fn describe_sent(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: u8,
    router_alert: bool,
    payload: &[u8],
) -> String {
    let mut s = format!(
        "{src} > {dst}: hlim {hop_limit}{} ",
        if router_alert { " [RA]" } else { "" }
    );
    match MldMessage::parse(payload, src, dst) {
        Ok(m) => s.push_str(&describe_message(&m)),
        Err(e) => {
            let _ = write!(s, "mld (does not parse: {e})");
        }
    }
    let _ = write!(s, " len {}", payload.len());
    s
}

/// An MLD message in a few words: `mld v2 query :: max resp 10.000s qrv 2 qqi 125s`.
pub fn describe_message(m: &MldMessage<'_>) -> String {
    let mut s = String::new();
    match m {
        MldMessage::QueryV1(q) => {
            let _ = write!(
                s,
                "mld v1 query {} max resp {}ms",
                q.group(),
                q.max_resp_delay()
            );
        }
        MldMessage::QueryV2(q) => {
            let _ = write!(
                s,
                "mld v2 query {} max resp {}ms{} qrv {} qqi {}s",
                q.group(),
                q.max_resp_code().millis(),
                if q.s_flag() { " S" } else { "" },
                q.qrv(),
                q.qqic().secs()
            );
            let sources: Vec<String> = q.sources().map(|a| a.to_string()).collect();
            if !sources.is_empty() {
                let _ = write!(s, " sources [{}]", sources.join(", "));
            }
        }
        MldMessage::ReportV1(r) => {
            let _ = write!(s, "mld v1 report {}", r.group());
        }
        MldMessage::DoneV1(d) => {
            let _ = write!(s, "mld v1 done {}", d.group());
        }
        MldMessage::ReportV2(r) => {
            let _ = write!(s, "mld v2 report, {} record(s)", r.num_records());
            for rec in r.records() {
                let sources: Vec<String> = rec.sources().map(|a| a.to_string()).collect();
                let _ = write!(s, " [{} {}", type_name(rec.record_type()), rec.group());
                if !sources.is_empty() {
                    let _ = write!(s, " {{{}}}", sources.join(", "));
                }
                s.push(']');
            }
        }
        MldMessage::Unknown { msg_type, .. } => {
            let _ = write!(s, "icmp6 type {msg_type}");
        }
        _ => s.push_str("mld (a message this printer does not know)"),
    }
    s
}

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

/// Whether a `report` invocation is MLD (an IPv6 group or record); mixing
/// the families is a usage error.
pub fn report_is_v6(args: &ReportArgs) -> Result<bool> {
    let g6 = args.group.map(|g| g.is_ipv6());
    let r6: Vec<bool> = args.records.iter().map(AnyRecordSpec::is_v6).collect();
    let all: Vec<bool> = g6.into_iter().chain(r6).collect();
    let any6 = all.iter().any(|&b| b);
    if any6 && all.iter().any(|&b| !b) {
        return Err(usage(
            "one report carries one family: IPv4 (IGMP) and IPv6 (MLD) groups are mixed",
        ));
    }
    Ok(any6)
}

/// The records of an MLDv2 `report`: a TO_EX record for `--group`, then
/// every `--record`.
pub fn v2_records(args: &ReportArgs) -> Vec<GroupRecordRepr<'_>> {
    let mut records = Vec::new();
    if let Some(IpAddr::V6(group)) = args.group {
        records.push(GroupRecordRepr {
            record_type: GroupRecordType::ChangeToExclude,
            group,
            sources: &[],
            aux_data: &[],
        });
    }
    records.extend(args.records.iter().filter_map(|r| match r {
        AnyRecordSpec::V6(r) => Some(r.repr()),
        AnyRecordSpec::V4(_) => None,
    }));
    records
}

/// `ipv4kit report` with IPv6 groups.
pub fn run_report6(args: &ReportArgs) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match args.version {
        1 => {
            if !args.records.is_empty() {
                return Err(usage("--record is for MLDv2 reports (use --version 2)"));
            }
            let Some(IpAddr::V6(group)) = args.group else {
                return Err(usage("--group is needed for an MLDv1 report"));
            };
            let r = ReportV1 { group };
            let sender = MldSender::open(&args.iface, r.destination(), None, 1, true)?;
            sender.send(&r, &mut out)
        }
        2 => {
            let records = v2_records(args);
            if records.is_empty() {
                return Err(usage(
                    "an MLDv2 report needs --group or at least one --record",
                ));
            }
            let sender = MldSender::open(
                &args.iface,
                ipv4kit_wire::mld::ALL_MLDV2_ROUTERS,
                None,
                1,
                true,
            )?;
            let max_len = max_mld_len(sender.mtu());
            let mut splitter = ReportV2Splitter::new(&records, max_len, sender.source());
            let mut msg = vec![0u8; max_len.max(8)];
            while let Some(n) = splitter.next_into(&mut msg) {
                sender.send(&Raw(&msg[..n?]), &mut out)?;
            }
            if splitter.dropped_sources() > 0 {
                eprintln!(
                    "ipv4kit: {} source(s) of IS_EX/TO_EX records did not fit one report at MTU {} and were left out (RFC 3810 §5.2.15)",
                    splitter.dropped_sources(),
                    sender.mtu()
                );
            }
            Ok(())
        }
        v => Err(usage(format!(
            "MLD has versions 1 and 2, not {v} (--version 3 is IGMPv3's)"
        ))),
    }
}

/// `ipv4kit leave` with an IPv6 group: an MLDv1 Done to ff02::2.
pub fn run_leave6(args: &LeaveArgs) -> Result<()> {
    let IpAddr::V6(group) = args.group else {
        return Err(usage("an MLD Done needs an IPv6 --group"));
    };
    let done = DoneV1 { group };
    let sender = MldSender::open(&args.iface, done.destination(), None, 1, true)?;
    sender.send(&done, &mut std::io::stdout().lock())
}

/// A message already emitted (a split report), re-emitted as it is.
struct Raw<'a>(&'a [u8]);

impl MldRepr for Raw<'_> {
    fn buffer_len(&self) -> usize {
        self.0.len()
    }
    fn emit(
        &self,
        _src: Ipv6Addr,
        _dst: Ipv6Addr,
        buf: &mut [u8],
    ) -> std::result::Result<usize, ipv4kit_wire::mld::MldEmitError> {
        let n = self.0.len();
        let available = buf.len();
        let out = buf
            .get_mut(..n)
            .ok_or(ipv4kit_wire::mld::MldEmitError::BufferTooShort {
                needed: n,
                available,
            })?;
        out.copy_from_slice(self.0);
        Ok(n)
    }
    fn destination(&self) -> Ipv6Addr {
        ipv4kit_wire::mld::ALL_MLDV2_ROUTERS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;

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
        let text = describe_sent(src, group, 1, true, &buf);
        assert_eq!(
            text,
            "fe80::1 > ff1e::a1: hlim 1 [RA] mld v2 query ff1e::a1 max resp 10000ms qrv 2 qqi 125s len 28"
        );
        // Over ff02::1's pseudo-header (what `querier -6` printed for every
        // query before) the checksum is wrong.
        let wrong = describe_sent(src, ipv4kit_wire::mld::ALL_NODES, 1, true, &buf);
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
