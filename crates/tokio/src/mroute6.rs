//! [`AsyncMroute6Socket`]: the IPv6 multicast-routing socket, its ICMPv6
//! messages and kernel upcalls (`struct mrt6msg`) as futures and as a
//! [`Stream`].

use std::net::SocketAddrV6;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use ipv4kit_net::{ControlMessage6, Mroute6Message, Mroute6Socket, RecvMeta6, Result};

use crate::AsyncSocket;

/// An async [`Mroute6Socket`]: ICMPv6 messages (MLD) and kernel upcalls as
/// they arrive, one at a time ([`recv_message`](AsyncSocket::recv_message)),
/// in batches ([`recv_batch`](AsyncSocket::recv_batch), read with
/// `iter6`) or as a stream ([`messages`](AsyncSocket::messages)).
pub type AsyncMroute6Socket = AsyncSocket<Mroute6Socket>;

impl AsyncSocket<Mroute6Socket> {
    /// Receives one message (ICMPv6 or upcall) into `buf`
    /// ([`Mroute6Socket::recv`]); the bytes are `buf[..meta.len]`.
    ///
    /// **Cancellation**: safe; a dropped future has received nothing.
    pub async fn recv(&self, buf: &mut [u8]) -> Result<RecvMeta6> {
        self.read_with(|m| m.recv(buf)).await
    }

    /// Receives one message into `buf` and tells an upcall from an ICMPv6
    /// message ([`Mroute6Message::classify`]). Nothing is allocated.
    ///
    /// **Cancellation**: safe; a dropped future has received nothing.
    pub async fn recv_message<'b>(
        &self,
        buf: &'b mut [u8],
    ) -> Result<(Mroute6Message<'b>, RecvMeta6)> {
        let meta = self.recv(buf).await?;
        let bytes: &'b [u8] = &buf[..meta.len];
        Ok((Mroute6Message::classify(bytes), meta))
    }

    /// The messages as a [`Stream`] that owns a copy of each
    /// ([`Mroute6Recv`]), as [`AsyncMrouteSocket::messages`](crate::AsyncMrouteSocket)
    /// does for IPv4. Each item allocates its bytes;
    /// [`recv_message`](Self::recv_message) and
    /// [`recv_batch`](Self::recv_batch) do not.
    ///
    /// `max_len` bounds one message (2048 holds an MLD message or an upcall
    /// header, 40 bytes, with the start of its packet); longer ones are cut
    /// and flagged [`RecvMeta6::truncated`].
    ///
    /// **Cancellation**: dropping a pending `next()` loses nothing, and
    /// dropping the stream loses nothing that it has not yielded.
    pub fn messages(&self, max_len: usize) -> Mroute6Messages<'_> {
        Mroute6Messages {
            sock: self,
            buf: vec![0; max_len.max(1)].into_boxed_slice(),
        }
    }

    /// Sends an ICMPv6 message (MLD, for instance) through the routing
    /// socket ([`Mroute6Socket::conn`], [`PacketConn6::send_to`](ipv4kit_net::PacketConn6::send_to));
    /// the kernel writes the IPv6 header and the checksum.
    ///
    /// **Cancellation**: safe; a dropped future has sent nothing.
    pub async fn send_to(
        &self,
        message: &[u8],
        dst: SocketAddrV6,
        cm: Option<&ControlMessage6>,
    ) -> Result<usize> {
        self.write_with(|m| m.conn().send_to(message, dst, cm))
            .await
    }
}

/// One message from [`AsyncMroute6Socket::messages`], owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mroute6Recv {
    /// The bytes as received: an ICMPv6 message, or an upcall header and
    /// what follows it.
    pub bytes: Vec<u8>,
    /// Source, control messages, truncation.
    pub meta: RecvMeta6,
}

impl Mroute6Recv {
    /// The message classified: upcall or ICMPv6
    /// ([`Mroute6Message::classify`]).
    pub fn message(&self) -> Mroute6Message<'_> {
        Mroute6Message::classify(&self.bytes)
    }
}

/// The [`Stream`] of [`AsyncMroute6Socket::messages`]: every ICMPv6
/// message and upcall the routing socket receives, in order. It never
/// ends; an item is an error when a receive call fails.
#[derive(Debug)]
pub struct Mroute6Messages<'a> {
    sock: &'a AsyncSocket<Mroute6Socket>,
    buf: Box<[u8]>,
}

impl Stream for Mroute6Messages<'_> {
    type Item = Result<Mroute6Recv>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let buf = &mut this.buf;
        this.sock.poll_read_with(cx, |m| m.recv(buf)).map(|r| {
            Some(r.map(|meta| Mroute6Recv {
                bytes: buf[..meta.len].to_vec(),
                meta,
            }))
        })
    }
}
