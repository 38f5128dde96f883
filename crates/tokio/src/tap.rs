//! [`AsyncTap`] and [`AsyncFrameSender`]: the `AF_PACKET` tap's batches
//! and raw frame sends on tokio.

use std::io;
use std::task::{ready, Context, Poll};

use ipv4kit_net::{Error, FrameSender, Result, Tap, TapBatch};

use crate::socket::{READABLE_OP, WRITABLE_OP};
use crate::AsyncSocket;

/// An async [`Tap`]: the frames of one link as batches of borrowed
/// [`TapPacket`](ipv4kit_net::TapPacket)s, from the `TPACKET_V3` ring or
/// the `recvmmsg` arena, with no copy and no allocation per packet.
///
/// The ring's descriptor turns readable when the kernel retires a block
/// (full, or after [`TapConfig::retire_timeout`](ipv4kit_net::TapConfig));
/// [`recv`](AsyncSocket::recv) waits for that and hands out the block. A
/// batch borrows the adapter mutably: the block goes back to the kernel at
/// the next `recv`, so drop or finish iterating the batch first.
///
/// The blocking [`Tap::recv`] looks every second whether the interface
/// still exists; this adapter does not. On the `recvmmsg` path the
/// kernel's `ENETDOWN` ends `recv` with an error whose
/// [`interface_lost`](ipv4kit_net::Error::interface_lost) is set; on the
/// ring a lost interface just stops the frames (pair `recv` with a
/// timeout, or watch the link).
pub type AsyncTap = AsyncSocket<Tap>;

/// An async [`FrameSender`]: whole Ethernet frames out of one interface,
/// bypassing its queueing discipline.
pub type AsyncFrameSender = AsyncSocket<FrameSender>;

impl AsyncSocket<Tap> {
    /// Waits for frames and returns the next batch: a whole ring block, or
    /// up to [`TapConfig::batch`](ipv4kit_net::TapConfig) frames from
    /// `recvmmsg` ([`Tap::try_recv`]). Never empty. Gives back the batch
    /// the last call returned first. Nothing is allocated.
    ///
    /// Call it in a loop: readiness is kept after a call that returned a
    /// batch, so the next call takes the next retired block at once, and
    /// the task sleeps only when the kernel has none.
    ///
    /// **Cancellation**: safe. Dropped before completion, the future has
    /// taken no frame (a block is taken and returned without an `await` in
    /// between): the next call returns every one.
    pub async fn recv(&mut self) -> Result<TapBatch<'_>> {
        loop {
            let mut guard = self
                .fd
                .readable_mut()
                .await
                .map_err(|e| Error::new(READABLE_OP, e))?;
            match guard.get_inner_mut().try_recv()? {
                Some(_) => break,
                None => guard.clear_ready(),
            }
        }
        Ok(self.get_ref().last_batch())
    }

    /// The poll form of [`recv`](Self::recv), for hand-written futures and
    /// streams.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<TapBatch<'_>>> {
        loop {
            let mut guard =
                ready!(self.fd.poll_read_ready_mut(cx)).map_err(|e| Error::new(READABLE_OP, e))?;
            match guard.get_inner_mut().try_recv()? {
                Some(_) => break,
                None => guard.clear_ready(),
            }
        }
        Poll::Ready(Ok(self.get_ref().last_batch()))
    }
}

impl AsyncSocket<FrameSender> {
    /// Sends `frames` with one `sendmmsg` once the socket is writable
    /// ([`FrameSender::send`]); returns how many the kernel took (fewer on
    /// a partial send: call again with the rest). A full device queue fails
    /// with `ENOBUFS`, worth retrying after a pause.
    ///
    /// **Cancellation**: safe. Dropped before completion, the future sent
    /// nothing.
    pub async fn send(&mut self, frames: &[&[u8]]) -> Result<usize> {
        loop {
            let mut guard = self
                .fd
                .writable_mut()
                .await
                .map_err(|e| Error::new(WRITABLE_OP, e))?;
            match guard.get_inner_mut().send(frames) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => guard.clear_ready(),
                r => return r,
            }
        }
    }
}
