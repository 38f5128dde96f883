//! Single datagrams on [`AsyncRawConn`], [`AsyncPacketConn`] and
//! [`AsyncPacketConn6`].

use std::net::{SocketAddrV4, SocketAddrV6};

use ipv4kit_net::wire::ipv4::{Ipv4Packet, Ipv4Repr};
use ipv4kit_net::{
    ControlMessage, ControlMessage6, PacketConn, PacketConn6, RawConn, RecvMeta, RecvMeta6,
    RecvPacket, Result,
};

use crate::AsyncSocket;

/// An async [`RawConn`]: raw IPv4 with `IP_HDRINCL`, whole datagrams in and
/// out.
pub type AsyncRawConn = AsyncSocket<RawConn>;

/// An async [`PacketConn`]: UDP, or raw without header inclusion, with
/// per-packet control messages.
pub type AsyncPacketConn = AsyncSocket<PacketConn>;

/// An async [`PacketConn6`]: UDP over IPv6, or raw ICMPv6 (MLD), with
/// per-packet control messages ([`ControlMessage6`]). Batches are the same
/// [`RecvBatch`](ipv4kit_net::RecvBatch) (read with `iter6`) and
/// [`SendBatch`](ipv4kit_net::SendBatch) (filled with `push6`) as IPv4's.
pub type AsyncPacketConn6 = AsyncSocket<PacketConn6>;

impl AsyncSocket<RawConn> {
    /// Receives one datagram, IPv4 header included, into `buf`
    /// ([`RawConn::recv`]); the bytes are `buf[..meta.len]`.
    ///
    /// **Cancellation**: safe; a dropped future has received nothing.
    pub async fn recv(&self, buf: &mut [u8]) -> Result<RecvMeta> {
        self.read_with(|c| c.recv(buf)).await
    }

    /// Receives one datagram as an IPv4 view ([`RawConn::recv_packet`]).
    ///
    /// **Cancellation**: safe; a dropped future has received nothing.
    pub async fn recv_packet<'b>(&self, buf: &'b mut [u8]) -> Result<RecvPacket<'b>> {
        let meta = self.recv(buf).await?;
        let bytes: &'b [u8] = &buf[..meta.len];
        Ok(RecvPacket {
            packet: Ipv4Packet::new_lenient(bytes),
            meta,
        })
    }

    /// Sends the header `repr` describes followed by `payload`
    /// ([`RawConn::send_repr`]).
    ///
    /// **Cancellation**: safe; a dropped future has sent nothing.
    pub async fn send_repr(
        &self,
        repr: &Ipv4Repr<'_>,
        payload: &[u8],
        cm: Option<&ControlMessage>,
    ) -> Result<usize> {
        self.write_with(|c| c.send_repr(repr, payload, cm)).await
    }

    /// Sends a complete datagram, header included, to the destination in
    /// its header ([`RawConn::send_datagram`]).
    ///
    /// **Cancellation**: safe; a dropped future has sent nothing.
    pub async fn send_datagram(
        &self,
        datagram: &[u8],
        cm: Option<&ControlMessage>,
    ) -> Result<usize> {
        self.write_with(|c| c.send_datagram(datagram, cm)).await
    }
}

impl AsyncSocket<PacketConn> {
    /// Receives one datagram's payload into `buf` ([`PacketConn::recv_from`]);
    /// the bytes are `buf[..meta.len]`.
    ///
    /// **Cancellation**: safe; a dropped future has received nothing.
    pub async fn recv_from(&self, buf: &mut [u8]) -> Result<RecvMeta> {
        self.read_with(|c| c.recv_from(buf)).await
    }

    /// Sends `payload` to `dst` ([`PacketConn::send_to`]).
    ///
    /// **Cancellation**: safe; a dropped future has sent nothing.
    pub async fn send_to(
        &self,
        payload: &[u8],
        dst: SocketAddrV4,
        cm: Option<&ControlMessage>,
    ) -> Result<usize> {
        self.write_with(|c| c.send_to(payload, dst, cm)).await
    }
}

impl AsyncSocket<PacketConn6> {
    /// Receives one datagram's payload (for raw ICMPv6: the message, without
    /// the IPv6 header) into `buf` ([`PacketConn6::recv_from`]); the bytes
    /// are `buf[..meta.len]`, the control messages switched on are in
    /// `meta.cm`.
    ///
    /// **Cancellation**: safe; a dropped future has received nothing.
    pub async fn recv_from(&self, buf: &mut [u8]) -> Result<RecvMeta6> {
        self.read_with(|c| c.recv_from(buf)).await
    }

    /// Sends `payload` to `dst` with the send side of `cm` (source and
    /// interface, hop limit, traffic class, hop-by-hop options;
    /// [`PacketConn6::send_to`]).
    ///
    /// **Cancellation**: safe; a dropped future has sent nothing.
    pub async fn send_to(
        &self,
        payload: &[u8],
        dst: SocketAddrV6,
        cm: Option<&ControlMessage6>,
    ) -> Result<usize> {
        self.write_with(|c| c.send_to(payload, dst, cm)).await
    }
}
