//! `query`, `report` and `leave`: IGMP messages built with the codec and sent
//! with a [`RawConn`] (`IP_HDRINCL`) out of one interface.

use std::error::Error;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use ipv4kit_net::{iface, ControlMessage, DatagramOptions, Interface, RawConn};
use ipv4kit_wire::igmp::{
    max_igmp_len, LeaveV2, MaxRespCode, Qqic, QueryV1, QueryV2, QueryV3, ReportV1, ReportV2,
    ReportV3Splitter, ALL_IGMPV3_ROUTERS, IGMPV3_TOS, IGMP_TTL, MAX_IGMP_LEN,
};
use ipv4kit_wire::igmp::{GroupRecordRepr, GroupRecordType, FLOAT_CODE_MAX};
use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Repr, ROUTER_ALERT};

use crate::args::{usage, LeaveArgs, QueryArgs, ReportArgs};
use crate::decode;
use crate::mld_send;
use crate::records::AnyRecordSpec;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// How a message goes out: the IPv4 header fields IGMP prescribes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encapsulation {
    /// Source address; 0.0.0.0 lets the kernel fill in the interface's.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Time to live (1 for IGMP, RFC 3376 §4).
    pub ttl: u8,
    /// The TOS byte (0xc0 for IGMPv3).
    pub tos: u8,
    /// Carry the Router Alert option (v2, v3; RFC 2236 §2, RFC 3376 §4).
    pub router_alert: bool,
}

/// Writes the whole datagram (header by [`Ipv4Repr`], from `enc.src`, which
/// the kernel fills in when it is 0.0.0.0, then `msg`) into `buf`; returns
/// its length.
pub fn datagram(enc: &Encapsulation, msg: &[u8], buf: &mut [u8]) -> Result<usize> {
    let options: &[u8] = if enc.router_alert { &ROUTER_ALERT } else { &[] };
    let repr = Ipv4Repr::new(enc.src, enc.dst, IpProtocol::IGMP, msg.len())
        .with_ttl(enc.ttl)
        .with_tos(enc.tos)
        .with_options(options);
    let n = repr.emit(buf)?;
    let end = n + msg.len();
    buf.get_mut(n..end)
        .ok_or("datagram longer than the buffer")?
        .copy_from_slice(msg);
    Ok(end)
}

/// A raw IGMP socket bound for multicast to one interface.
pub struct IgmpSender {
    conn: RawConn,
    iface: String,
    ifindex: u32,
}

/// A failed look-up of interface `name`, said once: the net crate's error
/// names the interface (`getifaddrs on eth9 failed: No such device`), so it
/// stands as it is; one that does not (`getifaddrs` itself failed) gets the
/// name put first.
pub fn interface_error(name: &str, e: ipv4kit_net::Error) -> Box<dyn Error> {
    if e.object() == Some(name) {
        e.into()
    } else {
        format!("interface {name}: {e}").into()
    }
}

/// Interface `name` if it exists and is up; otherwise an error that says
/// which and what to do (a send out of a down interface fails with "Network
/// is unreachable", which does not).
pub fn usable_interface(name: &str) -> Result<Interface> {
    let ifc = iface::interface_by_name(name).map_err(|e| interface_error(name, e))?;
    if !ifc.up {
        return Err(
            format!("interface {name} is down: bring it up first (ip link set {name} up)").into(),
        );
    }
    Ok(ifc)
}

/// An error of `what` on a socket sending out of `iface`, said with what to
/// do when the cause is the interface (down, no carrier, gone).
pub fn explain_send_error(iface: &str, what: &str, e: Box<dyn Error>) -> Box<dyn Error> {
    let errno = io_errno(e.as_ref());
    if matches!(
        errno,
        Some(libc::ENETDOWN | libc::ENETUNREACH | libc::ENODEV | libc::ENXIO)
    ) {
        match iface::interface_by_name(iface) {
            Err(_) => return format!("{what}: interface {iface} is gone ({e})").into(),
            Ok(i) if !i.up => {
                return format!(
                    "{what}: interface {iface} is down: bring it up (ip link set {iface} up) ({e})"
                )
                .into()
            }
            Ok(i) if !i.running => {
                return format!(
                    "{what}: interface {iface} is up but has no carrier (is the other end of the link up?) ({e})"
                )
                .into()
            }
            Ok(_) => {}
        }
    }
    e
}

/// The errno inside an error (an `io::Error` or the net crate's), if any.
pub fn io_errno(e: &(dyn Error + 'static)) -> Option<i32> {
    let mut cur = Some(e);
    while let Some(e) = cur {
        if let Some(n) = e.downcast_ref::<ipv4kit_net::Error>() {
            return n.raw_os_error();
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return io.raw_os_error();
        }
        cur = e.source();
    }
    None
}

impl IgmpSender {
    /// Opens the socket: `IP_HDRINCL`, `IP_MULTICAST_IF` by index, multicast
    /// loopback off (a query looped back to this host would make its own
    /// kernel answer it and suppress other hosts' v1/v2 reports).
    pub fn open(iface: &str) -> Result<IgmpSender> {
        let ifindex = usable_interface(iface)?.index;
        let conn = RawConn::new(IpProtocol::IGMP)?;
        conn.set_multicast_interface_index(ifindex)?;
        conn.set_multicast_loop(false)?;
        Ok(IgmpSender {
            conn,
            iface: iface.to_owned(),
            ifindex,
        })
    }

    /// Connects the socket to `dst` (out of the interface) and returns the
    /// source address the kernel chose for it (`getsockname`): the one it
    /// fills into datagrams whose source is 0.0.0.0.
    pub fn kernel_source(&self, dst: Ipv4Addr) -> Result<Ipv4Addr> {
        let sock = self.conn.as_socket();
        sock.connect(&socket2::SockAddr::from(SocketAddrV4::new(dst, 0)))
            .map_err(|e| explain_send_error(&self.iface, &format!("connect to {dst}"), e.into()))?;
        let local = sock.local_addr()?;
        Ok(local
            .as_socket_ipv4()
            .map_or(Ipv4Addr::UNSPECIFIED, |a| *a.ip()))
    }

    /// Puts the source the kernel would fill in ([`kernel_source`](Self::kernel_source))
    /// into `enc` when it has none (0.0.0.0), so that the header sent and
    /// the line printed carry the address the peer sees.
    pub fn fill_source(&self, enc: &mut Encapsulation) -> Result<()> {
        if enc.src.is_unspecified() {
            enc.src = self.kernel_source(enc.dst)?;
        }
        Ok(())
    }

    /// Sends `msg` as `enc` says out of the interface and prints what went
    /// out (as `decode` prints it) on `out`.
    pub fn send(&self, enc: &Encapsulation, msg: &[u8], out: &mut impl Write) -> Result<()> {
        let mut buf = [0u8; 65535];
        let n = datagram(enc, msg, &mut buf)?;
        let cm = ControlMessage {
            ifindex: Some(self.ifindex),
            ..Default::default()
        };
        self.conn
            .send_datagram(&buf[..n], Some(&cm))
            .map_err(|e| explain_send_error(&self.iface, "sendmsg", e.into()))?;
        let mut packet = decode::ipv4_packet(&buf[..n]);
        packet.iface = Some(self.iface.clone());
        packet.ifindex = Some(self.ifindex);
        writeln!(out, "sent {packet}")?;
        out.flush()?;
        Ok(())
    }
}

/// The index of interface `name`, with the name in the error (once).
pub fn iface_index(name: &str) -> Result<u32> {
    iface::interface_index(name).map_err(|e| interface_error(name, e))
}

/// The IGMP message a `query` invocation describes, and where it goes.
pub fn build_query(args: &QueryArgs, buf: &mut [u8]) -> Result<(usize, Encapsulation)> {
    let v4 = |a: &IpAddr| match a {
        IpAddr::V4(a) => Ok(*a),
        IpAddr::V6(a) => Err(usage(format!(
            "{a} is an IPv6 address in an IGMP query (use -6 for MLD)"
        ))),
    };
    let group = args.group.as_ref().map(v4).transpose()?;
    let sources = args.sources.iter().map(v4).collect::<Result<Vec<_>>>()?;
    let source_address = args.source_address.as_ref().map(v4).transpose()?;
    let version = args.version.unwrap_or(3);
    if let Some(g) = group {
        if !g.is_multicast() {
            return Err(usage(format!("--group {g} is not a multicast address")));
        }
    }
    if !sources.is_empty() && (version != 3 || group.is_none()) {
        return Err(usage(
            "--source needs --version 3 and --group (a group-and-source-specific query)",
        ));
    }
    if version != 3 && (args.s_flag || args.qrv.is_some() || args.qqi.is_some()) {
        return Err(usage(
            "--s-flag, --qrv and --qqi are IGMPv3 fields (use --version 3)",
        ));
    }
    let group_given = group.is_some();
    let group = group.unwrap_or(Ipv4Addr::UNSPECIFIED);
    let (n, dst) = match version {
        1 => {
            if group_given {
                return Err(usage("IGMPv1 has only general queries (no --group)"));
            }
            if args.max_resp_ms.is_some() {
                return Err(usage(
                    "IGMPv1 queries carry no max response time (no --max-resp-ms)",
                ));
            }
            let q = QueryV1;
            (q.emit(buf)?, q.destination())
        }
        2 => {
            let ms = args.max_resp_ms.unwrap_or(10_000);
            if !(100..=25_500).contains(&ms) || !ms.is_multiple_of(100) {
                return Err(usage(format!(
                    "--max-resp-ms {ms}: IGMPv2 sends whole tenths of a second, 100..=25500"
                )));
            }
            let q = QueryV2 {
                max_resp_time: (ms / 100) as u8,
                group,
            };
            (q.emit(buf)?, q.destination())
        }
        _ => {
            let ms = args.max_resp_ms.unwrap_or(10_000);
            // Max Resp Code counts tenths of a second, up to 31744 (RFC 3376 §4.1.1).
            if (1..100).contains(&ms) || ms > u32::from(FLOAT_CODE_MAX) * 100 {
                return Err(usage(format!(
                    "--max-resp-ms {ms}: IGMPv3 sends 0 or 100..={} ms (tenths of a second)",
                    u32::from(FLOAT_CODE_MAX) * 100
                )));
            }
            let qqi = args.qqi.unwrap_or(125);
            // QQIC counts seconds up to 31744 (RFC 3376 §4.1.7).
            if qqi > u32::from(FLOAT_CODE_MAX) {
                return Err(usage(format!(
                    "--qqi {qqi}: the QQIC can say at most {FLOAT_CODE_MAX} s"
                )));
            }
            let q = QueryV3 {
                max_resp_code: MaxRespCode::from_tenths(ms / 100),
                group,
                s_flag: args.s_flag,
                qrv: args.qrv.unwrap_or(2),
                qqic: Qqic::from_secs(qqi),
                sources: &sources,
            };
            if q.buffer_len() > MAX_IGMP_LEN {
                return Err(usage(format!(
                    "{} sources do not fit one query",
                    sources.len()
                )));
            }
            (q.emit(buf)?, q.destination())
        }
    };
    let src = source_address.unwrap_or(Ipv4Addr::UNSPECIFIED);
    if src.is_multicast() || src.is_broadcast() {
        return Err(usage(format!(
            "--source-address {src}: a source is a unicast address (one of the interface's, usually)"
        )));
    }
    let enc = Encapsulation {
        src,
        dst,
        ttl: args.ttl,
        tos: if version == 3 { IGMPV3_TOS } else { 0 },
        // RFC 1112 predates Router Alert (RFC 2113): v1 queries go without.
        router_alert: version != 1 && !args.no_router_alert,
    };
    Ok((n, enc))
}

/// `ipv4kit query`: IGMP, or MLD with `-6` or IPv6 addresses.
pub fn run_query(args: &QueryArgs) -> Result<()> {
    if mld_send::query_is_v6(args)? {
        return mld_send::run_query6(args);
    }
    let mut msg = vec![0u8; MAX_IGMP_LEN];
    let (n, mut enc) = build_query(args, &mut msg)?;
    let sender = IgmpSender::open(&args.iface)?;
    sender.fill_source(&mut enc)?;
    let mut out = std::io::stdout().lock();
    for i in 0..args.count {
        if i > 0 {
            std::thread::sleep(Duration::from_millis(args.interval_ms));
        }
        sender.send(&enc, &msg[..n], &mut out)?;
    }
    Ok(())
}

/// The records a `report --version 3` invocation describes: every
/// `--record`, after a TO_EX record for `--group` if given.
pub fn v3_records(args: &ReportArgs) -> Vec<GroupRecordRepr<'_>> {
    let mut records: Vec<GroupRecordRepr<'_>> = Vec::new();
    if let Some(IpAddr::V4(group)) = args.group {
        records.push(GroupRecordRepr {
            record_type: GroupRecordType::ChangeToExclude,
            group,
            sources: &[],
            aux_data: &[],
        });
    }
    records.extend(args.records.iter().filter_map(|r| match r {
        AnyRecordSpec::V4(r) => Some(r.repr()),
        AnyRecordSpec::V6(_) => None,
    }));
    records
}

/// The v1/v2 report a `report` invocation describes.
pub fn build_report_v1v2(args: &ReportArgs, buf: &mut [u8]) -> Result<(usize, Encapsulation)> {
    if !args.records.is_empty() {
        return Err(usage("--record is for IGMPv3 reports (use --version 3)"));
    }
    let group = match args.group {
        Some(IpAddr::V4(g)) => g,
        _ => return Err(usage("--group is needed for a v1 or v2 report")),
    };
    if !group.is_multicast() || group == Ipv4Addr::new(224, 0, 0, 1) {
        return Err(usage(format!("--group {group} is not a group one reports")));
    }
    let (n, dst) = if args.version == 1 {
        let r = ReportV1 { group };
        (r.emit(buf)?, r.destination())
    } else {
        let r = ReportV2 { group };
        (r.emit(buf)?, r.destination())
    };
    Ok((
        n,
        Encapsulation {
            src: Ipv4Addr::UNSPECIFIED,
            dst,
            ttl: IGMP_TTL,
            tos: 0,
            // RFC 1112 predates Router Alert; v2 carries it (RFC 2236 §2).
            router_alert: args.version == 2,
        },
    ))
}

/// `ipv4kit report`.
pub fn run_report(args: &ReportArgs) -> Result<()> {
    if mld_send::report_is_v6(args)? {
        return mld_send::run_report6(args);
    }
    let mut out = std::io::stdout().lock();
    if args.version != 3 {
        let mut msg = [0u8; 8];
        let (n, mut enc) = build_report_v1v2(args, &mut msg)?;
        let sender = IgmpSender::open(&args.iface)?;
        sender.fill_source(&mut enc)?;
        return sender.send(&enc, &msg[..n], &mut out);
    }
    if let Some(IpAddr::V4(g)) = args.group {
        if !g.is_multicast() || g == Ipv4Addr::new(224, 0, 0, 1) {
            return Err(usage(format!("--group {g} is not a group one reports")));
        }
    }
    let records = v3_records(args);
    if records.is_empty() {
        return Err(usage(
            "an IGMPv3 report needs --group or at least one --record",
        ));
    }
    let mtu = iface::interface_by_name(&args.iface)
        .map_err(|e| interface_error(&args.iface, e))?
        .mtu
        .unwrap_or(1500) as usize;
    let sender = IgmpSender::open(&args.iface)?;
    let mut enc = Encapsulation {
        src: Ipv4Addr::UNSPECIFIED,
        dst: ALL_IGMPV3_ROUTERS,
        ttl: IGMP_TTL,
        tos: IGMPV3_TOS,
        router_alert: true,
    };
    sender.fill_source(&mut enc)?;
    let max_len = max_igmp_len(mtu);
    let mut splitter = ReportV3Splitter::new(&records, max_len);
    let mut msg = vec![0u8; max_len.max(8)];
    while let Some(n) = splitter.next_into(&mut msg) {
        sender.send(&enc, &msg[..n?], &mut out)?;
    }
    if splitter.dropped_sources() > 0 {
        eprintln!(
            "ipv4kit: {} source(s) of IS_EX/TO_EX records did not fit one report at MTU {mtu} and were left out (RFC 3376 §4.2.16)",
            splitter.dropped_sources()
        );
    }
    Ok(())
}

/// `ipv4kit leave`.
pub fn run_leave(args: &LeaveArgs) -> Result<()> {
    let group = match args.group {
        IpAddr::V4(g) => g,
        IpAddr::V6(_) => return mld_send::run_leave6(args),
    };
    if !group.is_multicast() {
        return Err(usage(format!("--group {group} is not a multicast address")));
    }
    let leave = LeaveV2 { group };
    let mut msg = [0u8; 8];
    let n = leave.emit(&mut msg)?;
    let mut enc = Encapsulation {
        src: Ipv4Addr::UNSPECIFIED,
        dst: leave.destination(),
        ttl: IGMP_TTL,
        tos: 0,
        router_alert: true,
    };
    let sender = IgmpSender::open(&args.iface)?;
    sender.fill_source(&mut enc)?;
    sender.send(&enc, &msg[..n], &mut std::io::stdout().lock())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;
    use ipv4kit_wire::igmp::IgmpMessage;
    use ipv4kit_wire::ipv4::Ipv4Packet;

    fn query(args: &[&str]) -> Result<(Vec<u8>, Encapsulation)> {
        let cli = Cli::try_parse_from(["ipv4kit", "query", "--iface", "x"].iter().chain(args))?;
        let Command::Query(q) = cli.command else {
            panic!()
        };
        let mut buf = vec![0u8; 2048];
        let (n, enc) = build_query(&q, &mut buf)?;
        buf.truncate(n);
        Ok((buf, enc))
    }

    fn report(args: &[&str]) -> ReportArgs {
        let cli =
            Cli::try_parse_from(["ipv4kit", "report", "--iface", "x"].iter().chain(args)).unwrap();
        let Command::Report(r) = cli.command else {
            panic!()
        };
        r
    }

    #[test]
    fn general_v3_query_goes_to_all_systems_with_tos_c0_and_router_alert() {
        let (msg, enc) = query(&[]).unwrap();
        assert_eq!(msg, [0x11, 100, 0xec, 0x1e, 0, 0, 0, 0, 2, 125, 0, 0]);
        assert_eq!(
            enc,
            Encapsulation {
                src: Ipv4Addr::UNSPECIFIED,
                dst: Ipv4Addr::new(224, 0, 0, 1),
                ttl: 1,
                tos: 0xc0,
                router_alert: true
            }
        );
        let mut dg = [0u8; 64];
        let n = datagram(&enc, &msg, &mut dg).unwrap();
        let ip = Ipv4Packet::new_checked(&dg[..n]).unwrap();
        assert_eq!((ip.ttl(), ip.tos(), ip.router_alert()), (1, 0xc0, Some(0)));
        assert_eq!(ip.src(), Ipv4Addr::UNSPECIFIED);
        assert_eq!(ip.payload(), &msg[..]);
    }

    #[test]
    fn group_and_source_query_goes_to_the_group() {
        let (msg, enc) = query(&[
            "--group",
            "239.1.1.1",
            "--source",
            "10.0.0.1",
            "--s-flag",
            "--qrv",
            "3",
            "--qqi",
            "200",
            "--max-resp-ms",
            "1000",
        ])
        .unwrap();
        assert_eq!(enc.dst, Ipv4Addr::new(239, 1, 1, 1));
        let Ok(IgmpMessage::QueryV3(q)) = IgmpMessage::parse(&msg) else {
            panic!()
        };
        assert_eq!(q.group(), Ipv4Addr::new(239, 1, 1, 1));
        assert!(q.s_flag());
        assert_eq!(
            (q.qrv(), q.qqic().secs(), q.max_resp_code().tenths()),
            (3, 200, 10)
        );
        assert_eq!(
            q.sources().collect::<Vec<_>>(),
            [Ipv4Addr::new(10, 0, 0, 1)]
        );
    }

    #[test]
    fn v1_and_v2_queries() {
        let (msg, enc) = query(&["--version", "1"]).unwrap();
        assert!(matches!(
            IgmpMessage::parse(&msg),
            Ok(IgmpMessage::QueryV1(_))
        ));
        assert_eq!((enc.tos, enc.dst), (0, Ipv4Addr::new(224, 0, 0, 1)));
        let (msg, enc) = query(&[
            "--version",
            "2",
            "--group",
            "239.2.2.2",
            "--max-resp-ms",
            "2500",
        ])
        .unwrap();
        assert_eq!(msg[1], 25);
        assert_eq!(enc.dst, Ipv4Addr::new(239, 2, 2, 2));
        let (_, enc) = query(&["--version", "2", "--no-router-alert", "--ttl", "2"]).unwrap();
        assert!(!enc.router_alert);
        assert_eq!(enc.ttl, 2);
    }

    #[test]
    fn inconsistent_queries_are_refused_with_reasons() {
        let e = |a: &[&str]| query(a).unwrap_err().to_string();
        assert!(e(&["--version", "2", "--source", "10.0.0.1"]).contains("--version 3"));
        assert!(e(&["--source", "10.0.0.1"]).contains("--group"));
        assert!(e(&["--version", "1", "--group", "239.1.1.1"]).contains("only general"));
        assert!(e(&["--version", "1", "--max-resp-ms", "100"]).contains("no max response"));
        assert!(e(&["--version", "2", "--max-resp-ms", "50"]).contains("100..=25500"));
        assert!(e(&["--version", "2", "--max-resp-ms", "30000"]).contains("100..=25500"));
        assert!(e(&["--version", "2", "--qrv", "2"]).contains("IGMPv3 fields"));
        assert!(e(&["--group", "10.1.1.1"]).contains("not a multicast"));
    }

    #[test]
    fn v1_and_v2_reports_go_to_the_group_v2_with_router_alert() {
        let mut buf = [0u8; 8];
        let (n, enc) = build_report_v1v2(
            &report(&["--version", "1", "--group", "239.3.3.3"]),
            &mut buf,
        )
        .unwrap();
        assert!(matches!(
            IgmpMessage::parse(&buf[..n]),
            Ok(IgmpMessage::ReportV1(_))
        ));
        assert_eq!(
            (enc.dst, enc.router_alert),
            (Ipv4Addr::new(239, 3, 3, 3), false)
        );
        let (n, enc) = build_report_v1v2(
            &report(&["--version", "2", "--group", "239.3.3.3"]),
            &mut buf,
        )
        .unwrap();
        assert!(matches!(
            IgmpMessage::parse(&buf[..n]),
            Ok(IgmpMessage::ReportV2(_))
        ));
        assert!(enc.router_alert);
        let e = build_report_v1v2(&report(&["--version", "2"]), &mut buf).unwrap_err();
        assert!(e.to_string().contains("--group is needed"));
        let e = build_report_v1v2(
            &report(&["--version", "2", "--record", "to-ex:239.1.1.1"]),
            &mut buf,
        )
        .unwrap_err();
        assert!(e.to_string().contains("--version 3"));
    }

    #[test]
    fn a_missing_interface_is_named_once() {
        let e = iface_index("nosuchif0").unwrap_err().to_string();
        assert_eq!(e.matches("nosuchif0").count(), 1, "{e}");
        assert!(e.starts_with("if_nametoindex on nosuchif0 failed"), "{e}");
        let e = usable_interface("nosuchif0").unwrap_err().to_string();
        assert_eq!(e.matches("nosuchif0").count(), 1, "{e}");
    }

    #[test]
    fn v3_group_is_a_to_ex_join_before_the_records() {
        let args = report(&[
            "--version",
            "3",
            "--group",
            "239.9.9.9",
            "--record",
            "allow:232.1.1.1:10.0.0.1",
        ]);
        let r = v3_records(&args);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].record_type, GroupRecordType::ChangeToExclude);
        assert_eq!(r[1].record_type, GroupRecordType::AllowNewSources);
    }
}
