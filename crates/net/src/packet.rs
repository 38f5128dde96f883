//! [`PacketConn`]: a datagram socket (UDP, or raw without header inclusion)
//! with per-packet control messages.

use std::net::SocketAddrV4;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::batch::{RecvBatch, SendBatch};
use crate::control::{ControlFlags, ControlMessage, RecvMeta};
use crate::error::{Error, Result};
use crate::inner::Inner;
use crate::options::{DatagramOptions, IpOptions};

/// A datagram socket with per-packet control messages: UDP, or a raw socket
/// for one protocol without `IP_HDRINCL` (ICMP = 1, IGMP = 2, ...), where
/// the kernel writes the IPv4 header on send.
///
/// On a raw `PacketConn` Linux delivers received datagrams with their IPv4
/// header; this type removes it, so receive always yields the payload (use
/// [`RawConn`](crate::RawConn), or the control messages, for header fields).
///
/// Options come from [`IpOptions`] and [`DatagramOptions`] (import the traits).
#[derive(Debug)]
pub struct PacketConn {
    inner: Inner,
    raw: bool,
}

impl PacketConn {
    /// An unbound UDP socket (set options such as `SO_REUSEADDR`, then
    /// [`bind`](Self::bind)).
    pub fn udp() -> Result<PacketConn> {
        let sock = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))
            .map_err(|e| Error::new("socket(AF_INET, SOCK_DGRAM)", e))?;
        Ok(PacketConn::from_socket(sock))
    }

    /// A UDP socket bound to `addr`.
    pub fn bind_udp(addr: SocketAddrV4) -> Result<PacketConn> {
        let c = PacketConn::udp()?;
        c.bind(addr)?;
        Ok(c)
    }

    /// A raw socket for IP protocol `protocol`, without header inclusion.
    /// Needs `CAP_NET_RAW`.
    pub fn raw(protocol: u8) -> Result<PacketConn> {
        let sock = Socket::new(
            Domain::IPV4,
            Type::RAW,
            Some(Protocol::from(i32::from(protocol))),
        )
        .map_err(|e| Error::raw_socket("socket(AF_INET, SOCK_RAW)", e))?;
        Ok(PacketConn::from_socket(sock))
    }

    /// Wraps an existing IPv4 datagram or raw socket.
    pub fn from_socket(sock: Socket) -> PacketConn {
        let raw = matches!(sock.r#type(), Ok(t) if t == Type::RAW);
        PacketConn {
            inner: Inner::new(sock),
            raw,
        }
    }

    /// Binds the socket to `addr` (`bind`).
    pub fn bind(&self, addr: SocketAddrV4) -> Result<()> {
        self.inner
            .sock
            .bind(&SockAddr::from(addr))
            .map_err(|e| Error::new("bind", e))
    }

    /// The address the socket is bound to (`getsockname`).
    pub fn local_addr(&self) -> Result<SocketAddrV4> {
        let a = self
            .inner
            .sock
            .local_addr()
            .map_err(|e| Error::new("getsockname", e))?;
        a.as_socket_ipv4()
            .ok_or_else(|| Error::invalid("getsockname", "not an IPv4 address"))
    }

    /// The underlying socket2 socket.
    pub fn as_socket(&self) -> &Socket {
        &self.inner.sock
    }

    /// Gives up the wrapper, returning the socket.
    pub fn into_socket(self) -> Socket {
        self.inner.sock
    }

    /// Switches the receive control messages in `flags` on or off
    /// (`IP_RECVTTL`, `IP_RECVTOS`, `IP_PKTINFO`, `SO_RXQ_OVFL`), each
    /// independently.
    pub fn set_control_message(&self, flags: ControlFlags, on: bool) -> Result<()> {
        self.inner.set_control_message(flags, on)
    }

    /// The control messages currently switched on.
    pub fn control_flags(&self) -> ControlFlags {
        self.inner.control_flags()
    }

    /// Receives one datagram's payload into `buf` (`recvmsg`); the bytes are
    /// `buf[..meta.len]`.
    pub fn recv_from(&self, buf: &mut [u8]) -> Result<RecvMeta> {
        let mut meta = self.inner.recv(buf)?;
        if self.raw && meta.len > 0 {
            let ihl = (usize::from(buf[0] & 0x0f) * 4).min(meta.len);
            buf.copy_within(ihl..meta.len, 0);
            meta.len -= ihl;
            meta.orig_len -= ihl;
        }
        Ok(meta)
    }

    /// Sends `payload` to `dst` (`sendmsg`; port ignored for raw sockets),
    /// with `cm` choosing source address and interface (`IP_PKTINFO`).
    pub fn send_to(
        &self,
        payload: &[u8],
        dst: SocketAddrV4,
        cm: Option<&ControlMessage>,
    ) -> Result<usize> {
        self.inner.send(&[payload, &[]], Some(dst), cm)
    }

    /// Receives up to `batch.capacity()` datagrams (`recvmmsg`), blocking
    /// for the first only; returns how many arrived. Nothing is allocated.
    pub fn recv_batch(&self, batch: &mut RecvBatch) -> Result<usize> {
        batch.recv_from(&self.inner, self.raw)
    }

    /// Sends the batch's datagrams `from..batch.len()` (`sendmmsg`), each to
    /// its own destination, and returns how many the kernel took; call again
    /// from `from + n` after a partial send. Nothing is allocated.
    pub fn send_batch(&self, batch: &mut SendBatch, from: usize) -> Result<usize> {
        batch.send_from(self.inner.fd(), from)
    }
}

impl AsFd for PacketConn {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.fd()
    }
}

impl AsRawFd for PacketConn {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.sock.as_raw_fd()
    }
}

impl IpOptions for PacketConn {}
impl DatagramOptions for PacketConn {}
