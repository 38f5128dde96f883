//! Batches: [`BatchRecv`] and [`BatchSend`], the two small traits a socket
//! type implements to get `recv_batch`/`send_batch` on
//! [`AsyncSocket`](crate::AsyncSocket).

use std::os::fd::AsRawFd;

use ipv4kit_net::{
    Mroute6Socket, MrouteSocket, PacketConn, PacketConn6, RawConn, RecvBatch, Result, SendBatch,
};

use crate::AsyncSocket;

/// A socket that receives batches of datagrams with one non-blocking call
/// (`recvmmsg`). Implemented here for the sockets of `ipv4kit-net`; a new
/// socket type (the IPv6 connections, the `AF_PACKET` tap) joins with one
/// `impl` naming its batch type and its `recv_batch`.
pub trait BatchRecv: AsRawFd {
    /// The preallocated batch the call fills ([`RecvBatch`] for IPv4).
    type RecvBatch;

    /// One receive call into `batch`: how many datagrams arrived, or an
    /// error whose [`kind`](ipv4kit_net::Error::kind) is `WouldBlock` when
    /// none was queued.
    fn recv_batch(&self, batch: &mut Self::RecvBatch) -> Result<usize>;
}

/// A socket that sends batches of datagrams with one non-blocking call
/// (`sendmmsg`).
pub trait BatchSend: AsRawFd {
    /// The batch of queued datagrams ([`SendBatch`] for IPv4).
    type SendBatch;

    /// How many datagrams `batch` holds.
    fn batch_len(batch: &Self::SendBatch) -> usize;

    /// One send call of `batch`'s datagrams `from..`: how many the kernel
    /// took (at least one), or an error (`WouldBlock` when the send buffer
    /// is full).
    fn send_batch(&self, batch: &mut Self::SendBatch, from: usize) -> Result<usize>;
}

impl BatchRecv for RawConn {
    type RecvBatch = RecvBatch;
    fn recv_batch(&self, batch: &mut RecvBatch) -> Result<usize> {
        RawConn::recv_batch(self, batch)
    }
}

impl BatchSend for RawConn {
    type SendBatch = SendBatch;
    fn batch_len(batch: &SendBatch) -> usize {
        batch.len()
    }
    fn send_batch(&self, batch: &mut SendBatch, from: usize) -> Result<usize> {
        RawConn::send_batch(self, batch, from)
    }
}

impl BatchRecv for PacketConn {
    type RecvBatch = RecvBatch;
    fn recv_batch(&self, batch: &mut RecvBatch) -> Result<usize> {
        PacketConn::recv_batch(self, batch)
    }
}

impl BatchSend for PacketConn {
    type SendBatch = SendBatch;
    fn batch_len(batch: &SendBatch) -> usize {
        batch.len()
    }
    fn send_batch(&self, batch: &mut SendBatch, from: usize) -> Result<usize> {
        PacketConn::send_batch(self, batch, from)
    }
}

impl BatchRecv for MrouteSocket {
    type RecvBatch = RecvBatch;
    fn recv_batch(&self, batch: &mut RecvBatch) -> Result<usize> {
        MrouteSocket::recv_batch(self, batch)
    }
}

impl BatchSend for MrouteSocket {
    type SendBatch = SendBatch;
    fn batch_len(batch: &SendBatch) -> usize {
        batch.len()
    }
    fn send_batch(&self, batch: &mut SendBatch, from: usize) -> Result<usize> {
        self.conn().send_batch(batch, from)
    }
}

impl BatchRecv for PacketConn6 {
    type RecvBatch = RecvBatch;
    fn recv_batch(&self, batch: &mut RecvBatch) -> Result<usize> {
        PacketConn6::recv_batch(self, batch)
    }
}

impl BatchSend for PacketConn6 {
    type SendBatch = SendBatch;
    fn batch_len(batch: &SendBatch) -> usize {
        batch.len()
    }
    fn send_batch(&self, batch: &mut SendBatch, from: usize) -> Result<usize> {
        PacketConn6::send_batch(self, batch, from)
    }
}

impl BatchRecv for Mroute6Socket {
    type RecvBatch = RecvBatch;
    fn recv_batch(&self, batch: &mut RecvBatch) -> Result<usize> {
        Mroute6Socket::recv_batch(self, batch)
    }
}

impl BatchSend for Mroute6Socket {
    type SendBatch = SendBatch;
    fn batch_len(batch: &SendBatch) -> usize {
        batch.len()
    }
    fn send_batch(&self, batch: &mut SendBatch, from: usize) -> Result<usize> {
        self.conn().send_batch(batch, from)
    }
}

impl<S: BatchRecv> AsyncSocket<S> {
    /// Receives into the preallocated `batch`: waits until the socket is
    /// readable, then takes up to `batch`'s capacity of queued datagrams in
    /// one `recvmmsg`; returns how many (at least one). Iterate the batch
    /// for them, as after the synchronous call (`iter6` for the IPv6
    /// sockets). Nothing is allocated.
    ///
    /// Call it in a loop: readiness is kept after a call that returned
    /// datagrams, so the next call reads the queue again at once, and the
    /// task sleeps only after the kernel said `EAGAIN`.
    ///
    /// **Cancellation**: safe. Dropped before completion, the future has
    /// taken no datagram from the kernel: the next call receives every one.
    /// The batch may then be left empty (its previous contents cleared).
    pub async fn recv_batch(&self, batch: &mut S::RecvBatch) -> Result<usize> {
        self.read_with(|s| s.recv_batch(batch)).await
    }

    /// The poll form of [`recv_batch`](Self::recv_batch).
    pub fn poll_recv_batch(
        &self,
        cx: &mut std::task::Context<'_>,
        batch: &mut S::RecvBatch,
    ) -> std::task::Poll<Result<usize>> {
        self.poll_read_with(cx, |s| s.recv_batch(batch))
    }
}

impl<S: BatchSend> AsyncSocket<S> {
    /// Sends `batch`'s datagrams `from..` in one `sendmmsg`, waiting for
    /// writability first and again whenever the kernel says `EAGAIN`;
    /// returns how many it took, as the synchronous `send_batch` does: a
    /// partial send is reported, not retried, and the caller goes on from
    /// `from + n`. Nothing is allocated.
    ///
    /// **Cancellation**: safe. Dropped before completion, the future sent
    /// nothing; the next call with the same `from` sends the same datagrams.
    pub async fn send_batch(&self, batch: &mut S::SendBatch, from: usize) -> Result<usize> {
        self.write_with(|s| s.send_batch(batch, from)).await
    }

    /// Sends all of `batch`'s datagrams, calling
    /// [`send_batch`](Self::send_batch) until the kernel has taken them.
    ///
    /// **Cancellation**: not safe. Dropped after a first partial send, a
    /// prefix of the batch has gone out and how long it was is lost; where
    /// that matters, loop over [`send_batch`](Self::send_batch) and keep
    /// the count.
    pub async fn send_all(&self, batch: &mut S::SendBatch) -> Result<()> {
        let mut from = 0;
        while from < S::batch_len(batch) {
            from += self.send_batch(batch, from).await?;
        }
        Ok(())
    }
}
