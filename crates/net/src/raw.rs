//! [`RawConn`]: an IPv4 raw socket with `IP_HDRINCL`.

use std::net::SocketAddrV4;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use socket2::{Domain, Protocol, Socket, Type};

use crate::batch::RecvPacket;
use crate::batch::{RecvBatch, SendBatch};
use crate::control::{ControlFlags, ControlMessage, RecvMeta};
use crate::error::{Error, Result};
use crate::inner::{header_dst, Inner};
use crate::options::{DatagramOptions, IpOptions};
use crate::wire::ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr, MAX_HEADER_LEN};

/// An IPv4 raw socket for one protocol number, with the IP header included
/// (`socket(AF_INET, SOCK_RAW, protocol)` + `IP_HDRINCL`).
///
/// **Receive** gives whole datagrams, IPv4 header first, as the kernel
/// delivers them to raw sockets: every datagram of this protocol that
/// reaches the host (and, for multicast, a group the host is a member of),
/// plus the control messages asked for with
/// [`set_control_message`](Self::set_control_message).
///
/// **Send** takes the header the caller wrote. Linux fills in:
/// - the header checksum and the total length, always;
/// - the source address, when it is `0.0.0.0`;
/// - the identification, when it is 0 **and Don't Fragment is clear**; with
///   DF set an ID of 0 goes out as 0 (an atomic datagram needs no ID,
///   RFC 6864 §4.1).
///
/// Every other field (TOS, flags and fragment offset, TTL, protocol,
/// options such as Router Alert) goes out as written. The datagram must fit
/// the interface MTU (the kernel does not fragment it: `EMSGSIZE`).
///
/// Needs `CAP_NET_RAW`. Options come from [`IpOptions`] and
/// [`DatagramOptions`] (import the traits).
#[derive(Debug)]
pub struct RawConn {
    inner: Inner,
    protocol: IpProtocol,
}

impl RawConn {
    /// Opens a raw socket for IP protocol `protocol` (the codec's
    /// [`IpProtocol`], e.g. [`IpProtocol::IGMP`], [`IpProtocol::OSPF`],
    /// [`IpProtocol::VRRP`], or a plain number such as 253/254 for
    /// experiments) with `IP_HDRINCL` set.
    pub fn new(protocol: impl Into<IpProtocol>) -> Result<RawConn> {
        let protocol = protocol.into();
        let sock = Socket::new(
            Domain::IPV4,
            Type::RAW,
            Some(Protocol::from(i32::from(protocol.0))),
        )
        .map_err(|e| Error::raw_socket("socket(AF_INET, SOCK_RAW)", e))?;
        RawConn::from_socket(sock, protocol)
    }

    /// Wraps an existing raw IPv4 socket for `protocol`, setting `IP_HDRINCL`.
    pub fn from_socket(sock: Socket, protocol: impl Into<IpProtocol>) -> Result<RawConn> {
        let protocol = protocol.into();
        sock.set_header_included_v4(true)
            .map_err(|e| Error::new("setsockopt(IP_HDRINCL)", e))?;
        Ok(RawConn {
            inner: Inner::new(sock),
            protocol,
        })
    }

    /// The protocol the socket was opened for.
    pub fn protocol(&self) -> IpProtocol {
        self.protocol
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

    /// Receives one datagram, IPv4 header included, into `buf`
    /// (`recvmsg`). The bytes are `buf[..meta.len]`; `meta.src` has port 0.
    pub fn recv(&self, buf: &mut [u8]) -> Result<RecvMeta> {
        self.inner.recv(buf)
    }

    /// Sends `header` followed by `payload` as one datagram, gathered from
    /// the two buffers without copying (`sendmsg` with two `iovec`s). The
    /// destination is the header's; `cm` may choose the source address and
    /// outgoing interface (`IP_PKTINFO`). See the type's documentation for
    /// what the kernel fills in.
    pub fn send(
        &self,
        header: &[u8],
        payload: &[u8],
        cm: Option<&ControlMessage>,
    ) -> Result<usize> {
        let dst = header_dst(header, "sendmsg")?;
        self.inner
            .send(&[header, payload], Some(SocketAddrV4::new(dst, 0)), cm)
    }

    /// Receives one datagram into `buf` and validates it as IPv4 (lengths;
    /// the checksum the kernel verified on arrival is not checked again, see
    /// [`RecvDatagram::packet`](crate::RecvDatagram::packet)): the view, or
    /// why the bytes are not a valid datagram, plus the metadata.
    pub fn recv_packet<'b>(&self, buf: &'b mut [u8]) -> Result<RecvPacket<'b>> {
        let meta = self.inner.recv(buf)?;
        let bytes: &'b [u8] = &buf[..meta.len];
        Ok(RecvPacket {
            packet: Ipv4Packet::new_lenient(bytes),
            meta,
        })
    }

    /// Sends the header `repr` describes followed by `payload`: the header is
    /// emitted into a stack buffer (checksum computed, though the kernel
    /// recomputes it) and both go out gathered, without copying the payload.
    /// `repr.payload_len` must equal `payload.len()`.
    pub fn send_repr(
        &self,
        repr: &Ipv4Repr<'_>,
        payload: &[u8],
        cm: Option<&ControlMessage>,
    ) -> Result<usize> {
        if repr.payload_len != payload.len() {
            return Err(Error::invalid(
                "sendmsg",
                "Ipv4Repr::payload_len differs from the payload's length",
            ));
        }
        let mut hdr = [0u8; MAX_HEADER_LEN];
        let n = repr
            .emit(&mut hdr)
            .map_err(|e| Error::codec("sendmsg", e))?;
        self.send(&hdr[..n], payload, cm)
    }

    /// Sends a complete datagram the caller built (header and payload in
    /// one buffer), to the destination in its header.
    pub fn send_datagram(&self, datagram: &[u8], cm: Option<&ControlMessage>) -> Result<usize> {
        self.send(datagram, &[], cm)
    }

    /// Receives up to `batch.capacity()` datagrams (`recvmmsg`), blocking
    /// for the first only; returns how many arrived. Iterate the batch for
    /// them. Nothing is allocated.
    pub fn recv_batch(&self, batch: &mut RecvBatch) -> Result<usize> {
        batch.recv_from(&self.inner, false)
    }

    /// Sends the batch's datagrams `from..batch.len()` (`sendmmsg`) and
    /// returns how many the kernel took; call again from `from + n` after a
    /// partial send. Each datagram needs its complete header (see
    /// [`SendBatch::push_datagram`]). Nothing is allocated.
    pub fn send_batch(&self, batch: &mut SendBatch, from: usize) -> Result<usize> {
        batch.send_from(self.inner.fd(), from)
    }
}

impl AsFd for RawConn {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.fd()
    }
}

impl AsRawFd for RawConn {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.sock.as_raw_fd()
    }
}

impl IpOptions for RawConn {}
impl DatagramOptions for RawConn {}
