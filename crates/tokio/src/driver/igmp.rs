//! IGMP's IP layer for the drivers: [`IgmpSocket`] (a raw IGMP socket,
//! `IP_HDRINCL`) and [`IgmpTapIo`] (the tap to listen, the raw socket to
//! send).

use std::net::Ipv4Addr;

use ipv4kit_net::wire::igmp::{ALL_IGMPV3_ROUTERS, ALL_ROUTERS, IGMPV3_TOS, IGMP_TTL};
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr, ROUTER_ALERT};
use ipv4kit_net::{
    ControlFlags, ControlMessage, DatagramOptions, PacketType, RawConn, Result, Tap,
};

use super::{GmpIo, Inbound, Outbound};
use crate::{AsyncRawConn, AsyncSocket, AsyncTap};

/// A raw IGMP socket (`IP_HDRINCL`) tied to one interface: sends each
/// message with the IPv4 header IGMP prescribes (TTL 1 and Router Alert,
/// RFC 3376 §4 and RFC 2236 §2; ToS 0xc0 for IGMPv3) out of that
/// interface, and receives the IGMP that arrives on it.
///
/// What it receives is what the kernel hands a raw socket: IGMP to groups
/// this host is a member of. That is every General Query (224.0.0.1) and
/// what a host engine needs, but not other hosts' reports; a querier
/// either calls [`join_router_groups`](Self::join_router_groups) (IGMPv3
/// reports and leaves, not IGMPv1/v2 reports to other groups) or listens
/// with the tap ([`IgmpTapIo`]).
///
/// Multicast loopback is off, so the host's own messages do not come back
/// (and this host's kernel does not answer its queries).
#[derive(Debug)]
pub struct IgmpSocket {
    conn: AsyncRawConn,
    ifindex: u32,
    source: Ipv4Addr,
    buf: Box<[u8]>,
}

impl IgmpSocket {
    /// Opens a raw IGMP socket for interface `ifindex` in the calling
    /// thread's network namespace (needs `CAP_NET_RAW`) and registers it
    /// with the current tokio runtime (see [`from_conn`](Self::from_conn)).
    pub fn open(ifindex: u32) -> Result<IgmpSocket> {
        IgmpSocket::from_conn(RawConn::new(IpProtocol::IGMP)?, ifindex)
    }

    /// Takes a raw IGMP socket opened elsewhere (in another namespace, say)
    /// and ties it to interface `ifindex`: outgoing multicast by index
    /// (`IP_MULTICAST_IF`), multicast loopback off, the arrival interface
    /// of each datagram asked for (`IP_PKTINFO`: datagrams from other
    /// interfaces are skipped). Registers it with the current tokio
    /// runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn from_conn(conn: RawConn, ifindex: u32) -> Result<IgmpSocket> {
        conn.set_multicast_interface_index(ifindex)?;
        conn.set_multicast_loop(false)?;
        conn.set_control_message(ControlFlags::INTERFACE, true)?;
        Ok(IgmpSocket {
            conn: AsyncSocket::new(conn)?,
            ifindex,
            source: Ipv4Addr::UNSPECIFIED,
            buf: vec![0u8; 65_535].into_boxed_slice(),
        })
    }

    /// Sends from `source` (a querier's address: the election compares it,
    /// RFC 3376 §6.6.2), and skips received datagrams from it (this host's
    /// own). By default 0.0.0.0, which the kernel replaces with the
    /// interface's address, and nothing is skipped.
    pub fn with_source(mut self, source: Ipv4Addr) -> IgmpSocket {
        self.source = source;
        self
    }

    /// Joins 224.0.0.22 (IGMPv3 reports) and 224.0.0.2 (IGMPv2 leaves) on
    /// the interface, so that they reach this socket: what a querier that
    /// listens on this socket needs. The membership makes this host's
    /// kernel report them, as any member does.
    pub fn join_router_groups(&self) -> Result<()> {
        let c = self.conn.get_ref();
        c.join_group(self.ifindex, ALL_IGMPV3_ROUTERS)?;
        c.join_group(self.ifindex, ALL_ROUTERS)
    }

    /// The interface.
    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// The socket, for other options.
    pub fn get_ref(&self) -> &AsyncRawConn {
        &self.conn
    }

    /// Sends one IGMP message; see [`GmpIo::send`].
    ///
    /// **Cancellation**: safe; a dropped future has sent nothing.
    pub async fn send(&self, out: Outbound<'_, Ipv4Addr>) -> Result<()> {
        let tos = if out.v3 { IGMPV3_TOS } else { 0 };
        let repr = Ipv4Repr::new(
            self.source,
            out.destination,
            IpProtocol::IGMP,
            out.message.len(),
        )
        .with_ttl(IGMP_TTL)
        .with_dscp_ecn(tos >> 2, tos & 3)
        .with_options(&ROUTER_ALERT);
        let cm = ControlMessage {
            ifindex: Some(self.ifindex),
            ..Default::default()
        };
        self.conn.send_repr(&repr, out.message, Some(&cm)).await?;
        Ok(())
    }

    /// Receives one datagram from the interface and passes its IGMP message
    /// to `deliver`; datagrams from other interfaces, with a broken IPv4
    /// header, or from the [`with_source`](Self::with_source) address are
    /// skipped (the last are this host's own: with
    /// [`join_router_groups`](Self::join_router_groups) its kernel reports
    /// 224.0.0.22 and 224.0.0.2, and those reports loop back here).
    ///
    /// **Cancellation**: safe; a dropped future has received nothing.
    pub async fn recv(
        &mut self,
        deliver: &mut (dyn FnMut(Inbound<'_, Ipv4Addr>) + Send),
    ) -> Result<()> {
        loop {
            let meta = self.conn.recv(&mut self.buf).await?;
            if meta.cm.ifindex.is_some_and(|i| i != self.ifindex) {
                continue;
            }
            match inbound(&self.buf[..meta.len]) {
                // This host's own messages, looped back by its kernel.
                Some(m) if !self.source.is_unspecified() && m.source == self.source => {}
                Some(m) => {
                    deliver(m);
                    return Ok(());
                }
                None => {}
            }
        }
    }
}

/// The IGMP message in an IPv4 datagram, with its header's facts; `None`
/// for a broken header (checksum included) or another protocol.
fn inbound(datagram: &[u8]) -> Option<Inbound<'_, Ipv4Addr>> {
    let p = Ipv4Packet::new_checked(datagram).ok()?;
    if p.protocol() != IpProtocol::IGMP {
        return None;
    }
    Some(Inbound {
        source: p.src(),
        destination: p.dst(),
        ttl: p.ttl(),
        router_alert: p.router_alert().is_some(),
        message: p.payload_ref(),
    })
}

impl GmpIo<Ipv4Addr> for IgmpSocket {
    async fn recv(
        &mut self,
        deliver: &mut (dyn FnMut(Inbound<'_, Ipv4Addr>) + Send),
    ) -> Result<()> {
        IgmpSocket::recv(self, deliver).await
    }

    async fn send(&mut self, out: Outbound<'_, Ipv4Addr>) -> Result<()> {
        IgmpSocket::send(self, out).await
    }
}

/// A querier's IGMP: it listens with the tap ([`AsyncTap`], an
/// `AF_PACKET` socket on the interface with the IGMP filter and an
/// all-multicast membership), which sees every report and leave on the
/// link, of any version and to any group, without a membership and without
/// making this host report anything; it sends with an [`IgmpSocket`].
/// Frames this host sent are skipped.
#[derive(Debug)]
pub struct IgmpTapIo {
    tap: AsyncTap,
    sender: IgmpSocket,
}

impl IgmpTapIo {
    /// Opens the tap ([`Tap::open`]: IGMP, the ring when it can be had)
    /// and the raw socket on interface `name`, in the calling thread's
    /// network namespace, sending from `source`.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn open(name: &str, source: Ipv4Addr) -> Result<IgmpTapIo> {
        let tap = Tap::open(name)?;
        let sender = IgmpSocket::open(tap.ifindex())?.with_source(source);
        IgmpTapIo::new(AsyncSocket::new(tap)?, sender)
    }

    /// Pairs a tap and a raw socket opened elsewhere (on the same
    /// interface).
    pub fn new(tap: AsyncTap, sender: IgmpSocket) -> Result<IgmpTapIo> {
        Ok(IgmpTapIo { tap, sender })
    }

    /// The tap (its statistics, say).
    pub fn tap_mut(&mut self) -> &mut AsyncTap {
        &mut self.tap
    }

    /// The sending socket.
    pub fn sender(&self) -> &IgmpSocket {
        &self.sender
    }
}

impl GmpIo<Ipv4Addr> for IgmpTapIo {
    /// Takes the tap's next batch and delivers every IGMP message in it
    /// that this host did not send.
    ///
    /// **Cancellation**: safe ([`AsyncTap::recv`]: a batch is taken and
    /// delivered without an `await` in between).
    async fn recv(
        &mut self,
        deliver: &mut (dyn FnMut(Inbound<'_, Ipv4Addr>) + Send),
    ) -> Result<()> {
        let batch = self.tap.recv().await?;
        for p in batch {
            if p.meta.packet_type == PacketType::Outgoing || p.meta.truncated {
                continue;
            }
            if let Some(m) = inbound(p.data) {
                deliver(m);
            }
        }
        Ok(())
    }

    async fn send(&mut self, out: Outbound<'_, Ipv4Addr>) -> Result<()> {
        self.sender.send(out).await
    }
}
