//! [`PacketConn6`]: an IPv6 datagram socket (UDP, or raw ICMPv6 and other
//! protocols) with per-packet control messages.
//!
//! # One design for both families
//!
//! `PacketConn6` is a sibling of [`PacketConn`](crate::PacketConn), not a
//! type parameter of it — the choice Go's `x/net` made too
//! (`ipv4.PacketConn` and `ipv6.PacketConn`). Every signature a user sees
//! differs between the families: the address types, the control message
//! (hop limit, traffic class and hop-by-hop options have no IPv4
//! counterpart on send), and every option (`IPPROTO_IPV6` options with
//! their own semantics: `IPV6_MULTICAST_IF` takes only an index,
//! `ICMP6_FILTER` covers 256 types where `ICMP_FILTER` covers 32). A
//! generic `PacketConn<F>` would need a family trait with a dozen
//! associated types and would still split into per-family `impl` blocks.
//! What is shared is the machinery, written once: the socket state and
//! flags (`Inner`), [`ControlFlags`], the control-message walker, the error
//! type, and the batches — [`RecvBatch`] and [`SendBatch`] are the same
//! types for both families (their address slots fit either), read with
//! [`RecvBatch::iter6`] and filled with [`SendBatch::push6`].

use std::net::SocketAddrV6;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::batch::{RecvBatch, SendBatch};
use crate::control::ControlFlags;
use crate::control6::{ControlMessage6, RecvMeta6};
use crate::error::{Error, Result};
use crate::inner::Inner;
use crate::options6::{Datagram6Options, Ipv6Options};
use crate::sys::os;

/// ICMPv6's protocol number (RFC 4443), for [`PacketConn6::raw`].
pub const IPPROTO_ICMPV6: u8 = 58;

/// An IPv6 datagram socket with per-packet control messages: UDP, or a raw
/// socket for one protocol (ICMPv6 = 58 for MLD and neighbour discovery).
///
/// IPv6 raw sockets never include the IPv6 header, on receive or send
/// (RFC 3542 §3): receive yields the payload after the header and its
/// extension headers; the fields come from the control messages. On a raw
/// ICMPv6 socket the kernel computes the ICMPv6 checksum (with the
/// pseudo-header of RFC 8200 §8.1) of every datagram sent and verifies it on
/// every datagram received — see [`Datagram6Options::checksum_offset`].
///
/// Options come from [`Ipv6Options`] and [`Datagram6Options`] (import the
/// traits).
///
/// ```no_run
/// use std::net::{Ipv6Addr, SocketAddrV6};
/// use ipv4kit_net::{ControlFlags, ControlMessage6, Datagram6Options, PacketConn6};
/// # fn main() -> Result<(), ipv4kit_net::Error> {
/// let conn = PacketConn6::bind_udp(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 5000, 0, 0))?;
/// let group: Ipv6Addr = "ff02::1:3".parse().unwrap();
/// conn.join_group(2, group)?;
/// conn.set_control_message(ControlFlags::HOP_LIMIT | ControlFlags::DST, true)?;
/// let mut buf = [0u8; 1500];
/// let meta = conn.recv_from(&mut buf)?;
/// println!("{} bytes from {} to {:?}, hop limit {:?}",
///     meta.len, meta.src, meta.cm.dst, meta.cm.hop_limit);
/// let out = ControlMessage6 { ifindex: Some(2), hop_limit: Some(1), ..Default::default() };
/// conn.send_to(b"hello", SocketAddrV6::new(group, 5000, 0, 0), Some(&out))?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct PacketConn6 {
    inner: Inner,
}

impl PacketConn6 {
    /// An unbound UDP socket over IPv6 (set options such as
    /// `SO_REUSEADDR` or `IPV6_V6ONLY`, then [`bind`](Self::bind)).
    pub fn udp() -> Result<PacketConn6> {
        let sock = Socket::new(Domain::IPV6, Type::DGRAM, Some(Protocol::UDP))
            .map_err(|e| Error::new("socket(AF_INET6, SOCK_DGRAM)", e))?;
        Ok(PacketConn6::from_socket(sock))
    }

    /// A UDP socket bound to `addr`.
    pub fn bind_udp(addr: SocketAddrV6) -> Result<PacketConn6> {
        let c = PacketConn6::udp()?;
        c.bind(addr)?;
        Ok(c)
    }

    /// A raw socket for IP protocol `protocol` ([`IPPROTO_ICMPV6`] for
    /// ICMPv6). Needs `CAP_NET_RAW`.
    pub fn raw(protocol: u8) -> Result<PacketConn6> {
        let sock = Socket::new(
            Domain::IPV6,
            Type::RAW,
            Some(Protocol::from(i32::from(protocol))),
        )
        .map_err(|e| Error::raw_socket("socket(AF_INET6, SOCK_RAW)", e))?;
        Ok(PacketConn6::from_socket(sock))
    }

    /// Wraps an existing IPv6 datagram or raw socket.
    pub fn from_socket(sock: Socket) -> PacketConn6 {
        PacketConn6 {
            inner: Inner::new(sock),
        }
    }

    /// Binds the socket to `addr` (`bind`; a link-local address needs its
    /// scope id).
    pub fn bind(&self, addr: SocketAddrV6) -> Result<()> {
        self.inner
            .sock
            .bind(&SockAddr::from(addr))
            .map_err(|e| Error::new("bind", e))
    }

    /// The address the socket is bound to (`getsockname`).
    pub fn local_addr(&self) -> Result<SocketAddrV6> {
        let a = self
            .inner
            .sock
            .local_addr()
            .map_err(|e| Error::new("getsockname", e))?;
        a.as_socket_ipv6()
            .ok_or_else(|| Error::invalid("getsockname", "not an IPv6 address"))
    }

    /// The underlying socket2 socket.
    pub fn as_socket(&self) -> &Socket {
        &self.inner.sock
    }

    /// Gives up the wrapper, returning the socket.
    pub fn into_socket(self) -> Socket {
        self.inner.sock
    }

    /// Switches the receive control messages in `flags` on or off, each
    /// independently: [`ControlFlags::HOP_LIMIT`] (`IPV6_RECVHOPLIMIT`),
    /// [`ControlFlags::TRAFFIC_CLASS`] (`IPV6_RECVTCLASS`), `DST` and
    /// `INTERFACE` (both `IPV6_RECVPKTINFO`), `DROPS` (`SO_RXQ_OVFL`).
    pub fn set_control_message(&self, flags: ControlFlags, on: bool) -> Result<()> {
        let old = self.inner.control_flags();
        let new = if on { old | flags } else { old.without(flags) };
        os::set_recv_control6(self.inner.fd(), flags, new, on)?;
        self.inner.store_control_flags(new);
        Ok(())
    }

    /// The control messages currently switched on.
    pub fn control_flags(&self) -> ControlFlags {
        self.inner.control_flags()
    }

    /// Receives one datagram's payload into `buf` (`recvmsg`); the bytes are
    /// `buf[..meta.len]`.
    pub fn recv_from(&self, buf: &mut [u8]) -> Result<RecvMeta6> {
        os::recv_meta6(
            self.inner.fd(),
            buf,
            self.inner.recv_flags(),
            self.inner.control_flags(),
        )
    }

    /// Sends `payload` to `dst` (`sendmsg`; port ignored for raw sockets),
    /// with the send side of `cm`: source and interface (`IPV6_PKTINFO`),
    /// hop limit, traffic class, hop-by-hop options.
    pub fn send_to(
        &self,
        payload: &[u8],
        dst: SocketAddrV6,
        cm: Option<&ControlMessage6>,
    ) -> Result<usize> {
        os::send6(self.inner.fd(), payload, dst, cm)
    }

    /// Receives up to `batch.capacity()` datagrams (`recvmmsg`), blocking
    /// for the first only; returns how many arrived. Read them with
    /// [`RecvBatch::iter6`]. Nothing is allocated.
    pub fn recv_batch(&self, batch: &mut RecvBatch) -> Result<usize> {
        batch.recv_from(&self.inner, false)
    }

    /// Sends the batch's datagrams `from..batch.len()` (`sendmmsg`), queued
    /// with [`SendBatch::push6`], and returns how many the kernel took.
    /// Nothing is allocated.
    pub fn send_batch(&self, batch: &mut SendBatch, from: usize) -> Result<usize> {
        batch.send_from(self.inner.fd(), from)
    }
}

impl AsFd for PacketConn6 {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.fd()
    }
}

impl AsRawFd for PacketConn6 {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.sock.as_raw_fd()
    }
}

impl Ipv6Options for PacketConn6 {}
impl Datagram6Options for PacketConn6 {}
