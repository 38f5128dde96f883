//! The IPv6 side of [`RecvBatch`] and [`SendBatch`]: the same arenas and
//! `mmsghdr` arrays (their address slots hold a `sockaddr_in6`), read and
//! filled with IPv6 addresses and [`ControlMessage6`]s.
//!
//! After [`PacketConn6::recv_batch`](crate::PacketConn6::recv_batch), read
//! the batch with [`RecvBatch::iter6`]; fill a batch for
//! [`PacketConn6::send_batch`](crate::PacketConn6::send_batch) with
//! [`SendBatch::push6`] or [`SendBatch::push_with6`].

use std::net::SocketAddrV6;

use super::{RecvBatch, SendBatch};
use crate::control::drops_if_asked;
use crate::control6::{ControlMessage6, RecvMeta6, UNSPECIFIED6};
use crate::error::{Error, Result};
use crate::sys::inet6;

/// One datagram of a [`RecvBatch`] filled by an IPv6 socket: borrowed bytes
/// and their metadata.
#[derive(Clone, Copy, Debug)]
pub struct RecvDatagram6<'a> {
    /// The received bytes (the payload: IPv6 sockets never deliver the
    /// fixed header).
    pub data: &'a [u8],
    /// Source, control messages, truncation flags.
    pub meta: RecvMeta6,
}

/// Iterator over the datagrams of a [`RecvBatch`] filled by an IPv6 socket.
#[derive(Debug)]
pub struct RecvIter6<'a> {
    batch: &'a RecvBatch,
    next: usize,
}

impl<'a> Iterator for RecvIter6<'a> {
    type Item = RecvDatagram6<'a>;

    fn next(&mut self) -> Option<RecvDatagram6<'a>> {
        let d = self.batch.get6(self.next)?;
        self.next += 1;
        Some(d)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.batch.received - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for RecvIter6<'_> {}

impl RecvBatch {
    /// Datagram `i` of the last call, read as received by an IPv6 socket
    /// ([`PacketConn6`](crate::PacketConn6)).
    pub fn get6(&self, i: usize) -> Option<RecvDatagram6<'_>> {
        (i < self.received).then(|| self.datagram6(i))
    }

    /// The datagrams of the last call of an IPv6 socket, in arrival order.
    /// (After an IPv4 socket's call use [`iter`](Self::iter); read with the
    /// other family's iterator, sources come out unspecified.)
    pub fn iter6(&self) -> RecvIter6<'_> {
        RecvIter6 {
            batch: self,
            next: 0,
        }
    }

    fn datagram6(&self, i: usize) -> RecvDatagram6<'_> {
        let len = self.mm.len(i).min(self.slot);
        let data = &self.arena[i * self.slot..i * self.slot + len];
        let flags = self.mm.msg_flags(i);
        let (cm, drops) = inet6::decode6(self.mm.control(i));
        RecvDatagram6 {
            data,
            meta: RecvMeta6 {
                len,
                orig_len: self.mm.len(i),
                src: self.mm.name6(i).unwrap_or(UNSPECIFIED6),
                cm: cm.filtered(self.flags),
                truncated: flags & libc::MSG_TRUNC != 0,
                ctrl_truncated: flags & libc::MSG_CTRUNC != 0,
                drops: drops_if_asked(self.flags, drops),
            },
        }
    }
}

impl SendBatch {
    /// Queues a copy of `data` for the IPv6 destination `dst` (port 0 for
    /// raw sockets), with the send side of `cm` (source, interface, hop
    /// limit, traffic class, hop-by-hop options) if given. For a
    /// [`PacketConn6`](crate::PacketConn6).
    ///
    /// Fails if the batch is full or `data` is longer than a slot.
    pub fn push6(
        &mut self,
        dst: SocketAddrV6,
        data: &[u8],
        cm: Option<&ControlMessage6>,
    ) -> Result<()> {
        if data.len() > self.slot {
            return Err(Error::invalid(
                "SendBatch::push6",
                "datagram longer than the batch's slot size",
            ));
        }
        self.push_with6(dst, cm, |slot| {
            slot[..data.len()].copy_from_slice(data);
            data.len()
        })
    }

    /// Queues an IPv6 datagram built in place (see
    /// [`push_with`](Self::push_with)). A length over the slot size is
    /// refused (`InvalidInput`) and nothing is queued.
    pub fn push_with6(
        &mut self,
        dst: SocketAddrV6,
        cm: Option<&ControlMessage6>,
        build: impl FnOnce(&mut [u8]) -> usize,
    ) -> Result<()> {
        if self.is_full() {
            return Err(Error::invalid("SendBatch::push6", "batch is full"));
        }
        let i = self.lens.len();
        self.mm.set6(i, dst, cm).map_err(|_| {
            Error::invalid(
                "SendBatch::push6",
                "control message does not fit the buffer",
            )
        })?;
        let len = build(&mut self.arena[i * self.slot..(i + 1) * self.slot]);
        if len > self.slot {
            return Err(Error::invalid(
                "SendBatch::push_with6",
                "the builder returned more than the slot size",
            ));
        }
        self.lens.push(len);
        Ok(())
    }
}
