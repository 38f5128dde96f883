//! `query -6`, `report` and `leave` with IPv6 groups: MLD messages (RFC 2710,
//! RFC 3810) built with the codec and sent with a raw ICMPv6 [`PacketConn6`]
//! out of one interface — hop limit 1, a hop-by-hop header with Router
//! Alert 0, from the interface's link-local address. The sender, reports
//! and dones are here; the query's arguments in `mld_send/query.rs`.

use std::error::Error;
use std::fmt::Write as _;
use std::io::Write;
use std::net::{IpAddr, Ipv6Addr, SocketAddrV6};

use ipv4kit_net::{
    ControlMessage6, Datagram6Options, HopByHopOptions, PacketConn6, IPPROTO_ICMPV6,
};
use ipv4kit_wire::mld::{
    emit_datagram_to, is_link_local, max_mld_len, DoneV1, GroupRecordRepr, GroupRecordType,
    MldMessage, MldRepr, ReportV1, ReportV2Splitter,
};

use crate::args::{usage, LeaveArgs, ReportArgs};
use crate::igmp_send::{explain_send_error, usable_interface};
use crate::records::{type_name, AnyRecordSpec};

mod query;

pub use query::{build_query6, query_is_v6, run_query6, Query6};

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
