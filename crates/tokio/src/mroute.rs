//! [`AsyncMrouteSocket`]: the multicast-routing socket, its IGMP datagrams
//! and kernel upcalls as futures and as a [`Stream`].

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use ipv4kit_net::wire::ipv4::Ipv4Repr;
use ipv4kit_net::{ControlMessage, MrouteMessage, MrouteSocket, RecvMeta, Result};

use crate::AsyncSocket;

/// An async [`MrouteSocket`]: IGMP datagrams and kernel upcalls (`struct
/// igmpmsg`) as they arrive, one at a time
/// ([`recv_message`](AsyncSocket::recv_message)), in batches
/// ([`recv_batch`](AsyncSocket::recv_batch)) or as a stream
/// ([`messages`](AsyncSocket::messages)).
pub type AsyncMrouteSocket = AsyncSocket<MrouteSocket>;

impl AsyncSocket<MrouteSocket> {
    /// Receives one message (datagram or upcall) into `buf`
    /// ([`MrouteSocket::recv`]); returns its length and metadata.
    ///
    /// **Cancellation**: safe; a dropped future has received nothing.
    pub async fn recv(&self, buf: &mut [u8]) -> Result<(usize, RecvMeta)> {
        self.read_with(|m| m.recv(buf)).await
    }

    /// Receives one message into `buf` and tells an upcall from an IGMP
    /// datagram ([`MrouteMessage::classify`]). Nothing is allocated.
    ///
    /// **Cancellation**: safe; a dropped future has received nothing.
    pub async fn recv_message<'b>(
        &self,
        buf: &'b mut [u8],
    ) -> Result<(MrouteMessage<'b>, RecvMeta)> {
        let (n, meta) = self.recv(buf).await?;
        let bytes: &'b [u8] = &buf[..n];
        Ok((MrouteMessage::classify(bytes), meta))
    }

    /// The messages as a [`Stream`] that owns a copy of each
    /// ([`MrouteRecv`]): for `select!` loops and stream combinators. Each
    /// item allocates its bytes; [`recv_message`](Self::recv_message) and
    /// [`recv_batch`](Self::recv_batch) do not.
    ///
    /// `max_len` bounds one message (2048 holds an IGMP datagram or an
    /// upcall with the start of its packet; whole-packet upcalls for PIM
    /// want the interface MTU plus 20); longer ones are cut and flagged
    /// [`RecvMeta::truncated`].
    ///
    /// **Cancellation**: dropping a pending `next()` loses nothing, and
    /// dropping the stream loses nothing that it has not yielded.
    pub fn messages(&self, max_len: usize) -> MrouteMessages<'_> {
        MrouteMessages {
            sock: self,
            buf: vec![0; max_len.max(1)].into_boxed_slice(),
        }
    }

    /// Sends a complete IGMP datagram, header included, through the
    /// routing socket ([`MrouteSocket::conn`], [`RawConn::send_datagram`](ipv4kit_net::RawConn::send_datagram)).
    ///
    /// **Cancellation**: safe; a dropped future has sent nothing.
    pub async fn send_datagram(
        &self,
        datagram: &[u8],
        cm: Option<&ControlMessage>,
    ) -> Result<usize> {
        self.write_with(|m| m.conn().send_datagram(datagram, cm))
            .await
    }

    /// Sends the header `repr` describes followed by `payload` through the
    /// routing socket ([`RawConn::send_repr`](ipv4kit_net::RawConn::send_repr)).
    ///
    /// **Cancellation**: safe; a dropped future has sent nothing.
    pub async fn send_repr(
        &self,
        repr: &Ipv4Repr<'_>,
        payload: &[u8],
        cm: Option<&ControlMessage>,
    ) -> Result<usize> {
        self.write_with(|m| m.conn().send_repr(repr, payload, cm))
            .await
    }
}

/// One message from [`AsyncMrouteSocket::messages`], owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MrouteRecv {
    /// The bytes as received: an IPv4 datagram, or an upcall header and
    /// what follows it.
    pub bytes: Vec<u8>,
    /// Source, control messages, truncation.
    pub meta: RecvMeta,
}

impl MrouteRecv {
    /// The message classified: upcall or IGMP datagram
    /// ([`MrouteMessage::classify`]).
    pub fn message(&self) -> MrouteMessage<'_> {
        MrouteMessage::classify(&self.bytes)
    }
}

/// The [`Stream`] of [`AsyncMrouteSocket::messages`]: every datagram and
/// upcall the routing socket receives, in order. It ends never; an item is
/// an error when a receive call fails.
#[derive(Debug)]
pub struct MrouteMessages<'a> {
    sock: &'a AsyncSocket<MrouteSocket>,
    buf: Box<[u8]>,
}

impl Stream for MrouteMessages<'_> {
    type Item = Result<MrouteRecv>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let buf = &mut this.buf;
        this.sock.poll_read_with(cx, |m| m.recv(buf)).map(|r| {
            Some(r.map(|(n, meta)| MrouteRecv {
                bytes: buf[..n].to_vec(),
                meta,
            }))
        })
    }
}
