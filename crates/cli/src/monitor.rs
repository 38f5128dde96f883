//! `monitor`: every IGMP message on one interface.
//!
//! One raw IGMP socket does all the receiving. It becomes the namespace's
//! multicast-routing socket with a VIF on the interface (for IGMPv1/v2
//! reports to groups this host never joined) and joins 224.0.0.22 and
//! 224.0.0.2 there (for IGMPv3 reports and v2 leaves, which are link-local
//! and reach members only). Linux delivers a datagram to a given raw socket
//! at most once — either up the local-delivery path or, for groups that are
//! not local, through the routing socket — so no datagram is seen twice and
//! nothing needs deduplicating. Upcalls (`struct igmpmsg`, which multicast
//! *data* causes once a VIF exists) are not IGMP messages and are skipped.

use std::error::Error;
use std::io::Write;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use ipv4kit_net::wire::igmp::{ALL_IGMPV3_ROUTERS, ALL_ROUTERS, IP_PROTOCOL_IGMP};
use ipv4kit_net::{ControlFlags, DatagramOptions, IpOptions, MrouteMessage, MrouteSocket, RawConn};

use crate::args::MonitorArgs;
use crate::decode;
use crate::igmp_send::iface_index;
use crate::stop;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The groups monitor joins on the interface: where IGMPv3 reports
/// (224.0.0.22) and v2 leaves (224.0.0.2) go.
pub const JOINED: [Ipv4Addr; 2] = [ALL_IGMPV3_ROUTERS, ALL_ROUTERS];

/// How often a waiting monitor checks for SIGINT/SIGTERM.
const STOP_TICK: Duration = Duration::from_millis(200);

/// The VIF number monitor adds on its interface.
pub const VIF: u16 = 0;

/// The receiving socket: the routing socket when we could have it.
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

/// Opens the receiving socket for interface `ifindex`: the routing socket
/// with a VIF, or (with a message on stderr) a plain raw IGMP socket when
/// another program holds the routing socket or the kernel has none.
fn open(iface: &str, ifindex: u32) -> Result<Socket> {
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
            Socket::Plain(RawConn::new(IP_PROTOCOL_IGMP)?)
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

/// `ipv4kit monitor`.
pub fn run_monitor(args: &MonitorArgs) -> Result<()> {
    let ifindex = iface_index(&args.iface)?;
    let socket = open(&args.iface, ifindex)?;
    let conn = socket.conn();
    eprintln!(
        "ipv4kit: monitoring {} (ifindex {ifindex}){}",
        args.iface,
        match socket {
            Socket::Routing(_) => " as the multicast-routing socket, VIF 0",
            Socket::Plain(_) => "",
        }
    );
    let deadline = args
        .timeout_s
        .map(|s| Instant::now() + Duration::from_secs(s));
    let mut printed = 0u64;
    let mut buf = vec![0u8; 65536];
    let mut out = std::io::stdout().lock();
    while args.count.is_none_or(|c| printed < c) && !stop::requested() {
        // Wake up now and then to notice a stop request.
        let mut wait = STOP_TICK;
        if let Some(d) = deadline {
            let left = d.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            wait = wait.min(left);
        }
        conn.set_read_timeout(Some(wait))?;
        let meta = match conn.recv(&mut buf) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e.into()),
        };
        let bytes = &buf[..meta.len];
        if matches!(MrouteMessage::classify(bytes), MrouteMessage::Upcall(_)) {
            continue;
        }
        // A raw socket gets IGMP from every interface; keep ours.
        if meta.cm.ifindex.is_some_and(|i| i != ifindex) {
            continue;
        }
        let mut packet = decode::ipv4_packet(bytes);
        packet.iface = Some(args.iface.clone());
        packet.ifindex = Some(ifindex);
        if args.json {
            writeln!(out, "{}", packet.to_json())?;
        } else {
            writeln!(out, "{packet}")?;
        }
        out.flush()?;
        printed += 1;
    }
    Ok(())
}
