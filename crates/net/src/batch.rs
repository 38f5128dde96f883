//! Batched receive and send (`recvmmsg`/`sendmmsg`): the hot path.
//!
//! A [`RecvBatch`] or [`SendBatch`] allocates once, at construction: one
//! contiguous buffer arena of `count` slots of `slot_size` bytes, and the
//! `mmsghdr`/`iovec`/address/control arrays. Each call rewires the pointers
//! (cheap) and reuses everything, so in steady state a batch call does not
//! allocate. Pass the same batch to `recv_batch`/`send_batch` of
//! [`RawConn`](crate::RawConn) or [`PacketConn`](crate::PacketConn) again and
//! again.
//!
//! ```no_run
//! use ipv4kit_net::{PacketConn, RecvBatch};
//! # fn main() -> Result<(), ipv4kit_net::Error> {
//! let conn = PacketConn::bind_udp("127.0.0.1:0".parse().unwrap())?;
//! let mut batch = RecvBatch::new(64, 2048);
//! loop {
//!     conn.recv_batch(&mut batch)?;
//!     for d in batch.iter() {
//!         println!("{} bytes from {}", d.data.len(), d.meta.src);
//!     }
//! }
//! # }
//! ```

use std::net::{Ipv4Addr, SocketAddrV4};

use crate::control::{drops_if_asked, ControlFlags, ControlMessage, RecvMeta};
use crate::error::{Error, Result};
use crate::inner::Inner;
use crate::sys::cmsg;
use crate::sys::os::{self, MmsgRecv, MmsgSend};
use crate::wire::ipv4::{Ipv4Error, Ipv4Packet};

// The IPv6 side of the same batches (`RecvBatch::iter6`, `SendBatch::push6`).
mod v6;
pub use v6::{RecvDatagram6, RecvIter6};

/// Preallocated state for receiving up to `count` datagrams per call.
pub struct RecvBatch {
    arena: Box<[u8]>,
    slot: usize,
    count: usize,
    received: usize,
    /// Bytes to skip at the start of each datagram (the IPv4 header, for a
    /// raw `PacketConn`), decided per datagram from its IHL when set.
    strip_header: bool,
    flags: ControlFlags,
    mm: MmsgRecv,
}

impl std::fmt::Debug for RecvBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecvBatch")
            .field("count", &self.count)
            .field("slot_size", &self.slot)
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

impl RecvBatch {
    /// A batch for up to `count` datagrams of up to `slot_size` bytes each
    /// (longer ones are cut and flagged [`RecvMeta::truncated`]).
    ///
    /// # Panics
    /// If `count` or `slot_size` is zero.
    pub fn new(count: usize, slot_size: usize) -> RecvBatch {
        assert!(count > 0 && slot_size > 0, "empty RecvBatch");
        RecvBatch {
            arena: vec![0; count * slot_size].into_boxed_slice(),
            slot: slot_size,
            count,
            received: 0,
            strip_header: false,
            flags: ControlFlags::NONE,
            mm: MmsgRecv::new(count),
        }
    }

    /// How many datagrams one call can receive.
    pub fn capacity(&self) -> usize {
        self.count
    }

    /// Bytes per datagram slot.
    pub fn slot_size(&self) -> usize {
        self.slot
    }

    /// How many datagrams the last call received.
    pub fn len(&self) -> usize {
        self.received
    }

    /// Whether the last call received nothing (or there was none yet).
    pub fn is_empty(&self) -> bool {
        self.received == 0
    }

    /// Datagram `i` of the last call.
    pub fn get(&self, i: usize) -> Option<RecvDatagram<'_>> {
        (i < self.received).then(|| self.datagram(i))
    }

    /// The datagrams of the last call, in arrival order.
    pub fn iter(&self) -> RecvIter<'_> {
        RecvIter {
            batch: self,
            next: 0,
        }
    }

    /// The datagrams of the last call as validated IPv4 views (for a
    /// [`RawConn`](crate::RawConn)): each with the verdict of
    /// [`RecvDatagram::packet`] (lengths checked; the header checksum, which
    /// the kernel verified on arrival, not again) and its metadata.
    pub fn packets(&self) -> impl ExactSizeIterator<Item = RecvPacket<'_>> + '_ {
        self.iter().map(|d| RecvPacket {
            packet: d.packet(),
            meta: d.meta,
        })
    }

    fn datagram(&self, i: usize) -> RecvDatagram<'_> {
        let len = self.mm.len(i).min(self.slot);
        let slot = &self.arena[i * self.slot..i * self.slot + len];
        let start = if self.strip_header {
            slot.first()
                .map_or(0, |b| usize::from(b & 0x0f) * 4)
                .min(len)
        } else {
            0
        };
        let data = &slot[start..];
        let flags = self.mm.msg_flags(i);
        let (cm, drops) = cmsg::decode_with_drops(self.mm.control(i));
        RecvDatagram {
            data,
            meta: RecvMeta {
                len: data.len(),
                // With MSG_TRUNC, `msg_len` is the whole datagram's length.
                orig_len: self.mm.len(i) - start,
                src: self
                    .mm
                    .name(i)
                    .unwrap_or(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)),
                cm: cm.filtered(self.flags),
                truncated: flags & libc::MSG_TRUNC != 0,
                ctrl_truncated: flags & libc::MSG_CTRUNC != 0,
                drops: drops_if_asked(self.flags, drops),
            },
        }
    }

    /// Receives into the batch: blocks until at least one datagram is there
    /// (unless the socket is non-blocking), then takes what is queued, up to
    /// the capacity (`recvmmsg` with `MSG_WAITFORONE`).
    pub(crate) fn recv_from(&mut self, conn: &Inner, strip_header: bool) -> Result<usize> {
        self.received = 0;
        self.flags = conn.control_flags();
        self.strip_header = strip_header;
        let n = self
            .mm
            .recv(
                conn.fd(),
                &mut self.arena,
                self.slot,
                self.count,
                // With MSG_TRUNC (datagram sockets) `msg_len` says how
                // long a cut datagram was.
                os::MSG_WAITFORONE | conn.recv_flags(),
            )
            .map_err(|e| Error::new("recvmmsg", e))?;
        self.received = n;
        Ok(n)
    }
}

/// One datagram of a [`RecvBatch`]: borrowed bytes and their metadata.
#[derive(Clone, Copy, Debug)]
pub struct RecvDatagram<'a> {
    /// The received bytes. From a [`RawConn`](crate::RawConn): the whole
    /// datagram, IPv4 header first. From a [`PacketConn`](crate::PacketConn):
    /// the payload (for raw protocols the kernel's IPv4 header is skipped).
    pub data: &'a [u8],
    /// Source, control messages, truncation flags.
    pub meta: RecvMeta,
}

impl<'a> RecvDatagram<'a> {
    /// The bytes validated as an IPv4 datagram: version, header and total
    /// lengths ([`Ipv4Packet::new_lenient`]). Meaningful for a
    /// [`RawConn`](crate::RawConn), whose datagrams start with their header.
    ///
    /// The header checksum is not checked again: Linux verified it on arrival
    /// and dropped bad ones, and then, for a datagram addressed to the host,
    /// may write into some options (its address into a Record Route, a
    /// timestamp into a Timestamp option, zeroes over bytes after End of
    /// Option List) without updating it. [`Ipv4Packet::verify_checksum`]
    /// tells whether the bytes as delivered still verify.
    pub fn packet(&self) -> std::result::Result<Ipv4Packet<&'a [u8]>, Ipv4Error> {
        Ipv4Packet::new_lenient(self.data)
    }
}

/// One datagram of a [`RecvBatch`] as an IPv4 view (see [`RecvBatch::packets`]).
#[derive(Clone, Copy, Debug)]
pub struct RecvPacket<'a> {
    /// The validated view, or why the bytes are not a valid IPv4 datagram.
    pub packet: std::result::Result<Ipv4Packet<&'a [u8]>, Ipv4Error>,
    /// Source, control messages, truncation flags.
    pub meta: RecvMeta,
}

/// Iterator over the datagrams of a [`RecvBatch`].
#[derive(Debug)]
pub struct RecvIter<'a> {
    batch: &'a RecvBatch,
    next: usize,
}

impl<'a> Iterator for RecvIter<'a> {
    type Item = RecvDatagram<'a>;

    fn next(&mut self) -> Option<RecvDatagram<'a>> {
        let d = self.batch.get(self.next)?;
        self.next += 1;
        Some(d)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.batch.received - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for RecvIter<'_> {}

impl<'a> IntoIterator for &'a RecvBatch {
    type Item = RecvDatagram<'a>;
    type IntoIter = RecvIter<'a>;
    fn into_iter(self) -> RecvIter<'a> {
        self.iter()
    }
}

/// Preallocated state for sending up to `count` datagrams per call.
///
/// Datagrams are **copied** into the batch's arena by [`push`](Self::push)
/// (or built there in place by [`push_with`](Self::push_with), which copies
/// nothing), each with its own destination and optional control message.
/// `send_batch(&mut batch, from)` on a connection sends datagrams
/// `from..len()` and returns how many the kernel took; on a partial send,
/// call again with `from` advanced. [`clear`](Self::clear) empties the batch
/// for reuse without freeing anything.
pub struct SendBatch {
    arena: Box<[u8]>,
    slot: usize,
    lens: Vec<usize>,
    mm: MmsgSend,
}

impl std::fmt::Debug for SendBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendBatch")
            .field("capacity", &self.lens.capacity())
            .field("slot_size", &self.slot)
            .field("len", &self.lens.len())
            .finish_non_exhaustive()
    }
}

impl SendBatch {
    /// A batch for up to `count` datagrams of up to `slot_size` bytes each.
    ///
    /// # Panics
    /// If `count` or `slot_size` is zero.
    pub fn new(count: usize, slot_size: usize) -> SendBatch {
        assert!(count > 0 && slot_size > 0, "empty SendBatch");
        SendBatch {
            arena: vec![0; count * slot_size].into_boxed_slice(),
            slot: slot_size,
            lens: Vec::with_capacity(count),
            mm: MmsgSend::new(count),
        }
    }

    /// How many datagrams the batch holds at most.
    pub fn capacity(&self) -> usize {
        self.lens.capacity()
    }

    /// Bytes per datagram slot.
    pub fn slot_size(&self) -> usize {
        self.slot
    }

    /// How many datagrams are queued.
    pub fn len(&self) -> usize {
        self.lens.len()
    }

    /// Whether no datagram is queued.
    pub fn is_empty(&self) -> bool {
        self.lens.is_empty()
    }

    /// Whether the batch is full.
    pub fn is_full(&self) -> bool {
        self.lens.len() == self.lens.capacity()
    }

    /// Empties the batch (keeps its memory).
    pub fn clear(&mut self) {
        self.lens.clear();
    }

    /// The bytes of queued datagram `i`.
    pub fn datagram(&self, i: usize) -> Option<&[u8]> {
        let len = *self.lens.get(i)?;
        Some(&self.arena[i * self.slot..i * self.slot + len])
    }

    /// Queues a copy of `data` for `dst` (port 0 for raw sockets), with the
    /// send side of `cm` (source address, interface) if given.
    ///
    /// Fails if the batch is full, `data` is longer than a slot, or the
    /// control message does not fit.
    pub fn push(
        &mut self,
        dst: SocketAddrV4,
        data: &[u8],
        cm: Option<&ControlMessage>,
    ) -> Result<()> {
        if data.len() > self.slot {
            return Err(Error::invalid(
                "SendBatch::push",
                "datagram longer than the batch's slot size",
            ));
        }
        self.push_with(dst, cm, |slot| {
            slot[..data.len()].copy_from_slice(data);
            data.len()
        })
    }

    /// Queues a complete IPv4 datagram for a [`RawConn`](crate::RawConn),
    /// sent to the destination address in its header.
    pub fn push_datagram(&mut self, datagram: &[u8], cm: Option<&ControlMessage>) -> Result<()> {
        let dst = crate::inner::header_dst(datagram, "SendBatch::push_datagram")?;
        self.push(SocketAddrV4::new(dst, 0), datagram, cm)
    }

    /// Queues a datagram built in place: `build` gets the slot (all
    /// `slot_size` bytes, with whatever the last use left there) and returns
    /// how many bytes it wrote. A length over the slot size is refused
    /// (`InvalidInput`) and nothing is queued.
    pub fn push_with(
        &mut self,
        dst: SocketAddrV4,
        cm: Option<&ControlMessage>,
        build: impl FnOnce(&mut [u8]) -> usize,
    ) -> Result<()> {
        if self.is_full() {
            return Err(Error::invalid("SendBatch::push", "batch is full"));
        }
        let i = self.lens.len();
        self.mm.set(i, dst, cm).map_err(|_| {
            Error::invalid("SendBatch::push", "control message does not fit the buffer")
        })?;
        let len = build(&mut self.arena[i * self.slot..(i + 1) * self.slot]);
        if len > self.slot {
            return Err(Error::invalid(
                "SendBatch::push_with",
                "the builder returned more than the slot size",
            ));
        }
        self.lens.push(len);
        Ok(())
    }

    /// Sends datagrams `from..len()` (`sendmmsg`), returning how many the
    /// kernel took (at least one, or an error for the first).
    pub(crate) fn send_from(
        &mut self,
        fd: std::os::fd::BorrowedFd<'_>,
        from: usize,
    ) -> Result<usize> {
        if from >= self.lens.len() {
            return Ok(0);
        }
        self.mm
            .send(fd, &self.arena, self.slot, from, &self.lens[from..], 0)
            .map_err(|e| Error::new("sendmmsg", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn a_builder_that_claims_more_than_its_slot_is_refused_not_a_panic() {
        let mut b = SendBatch::new(2, 64);
        let dst = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0);
        let e = b.push_with(dst, None, |_| 65).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("push_with"), "{e}");
        assert!(b.is_empty());
        b.push_with(dst, None, |s| {
            s[..3].copy_from_slice(b"abc");
            3
        })
        .unwrap();
        assert_eq!(b.len(), 1);
        let dst6 = std::net::SocketAddrV6::new(std::net::Ipv6Addr::LOCALHOST, 0, 0, 0);
        let e = b.push_with6(dst6, None, |_| 65).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        assert_eq!(b.len(), 1);
    }
}
