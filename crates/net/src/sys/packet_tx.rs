//! The `TPACKET_V2` transmit ring of an `AF_PACKET` socket
//! (`PACKET_TX_RING`, Linux `Documentation/networking/packet_mmap.rst`):
//! frames are copied into slots of a ring shared with the kernel, marked
//! `TP_STATUS_SEND_REQUEST`, and one `sendto` with no data makes the kernel
//! send every marked slot; a slot is free again (`TP_STATUS_AVAILABLE`) once
//! the kernel is done with its frame.

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

use super::linux::setsockopt;
use crate::error::{Error, Result};

// SAFETY: a C struct made only of integers; every bit pattern is valid.
unsafe impl super::linux::Pod for libc::tpacket_req {}

/// Where a frame's bytes start in its slot: `TPACKET2_HDRLEN` less the
/// `sockaddr_ll` (the kernel's `tp_hdrlen - sizeof(struct sockaddr_ll)`
/// when no `PACKET_TX_HAS_OFF`), the `tpacket2_hdr` rounded up to
/// `TPACKET_ALIGNMENT`.
const DATA_OFFSET: usize = 32;
const _: () = {
    use std::mem::offset_of;
    assert!(size_of::<libc::tpacket2_hdr>() <= DATA_OFFSET);
    assert!(size_of::<libc::tpacket2_hdr>().div_ceil(16) * 16 == DATA_OFFSET);
    assert!(offset_of!(libc::tpacket2_hdr, tp_status) == 0);
    assert!(offset_of!(libc::tpacket2_hdr, tp_len) == 4);
};

/// A mapped `PACKET_TX_RING` of `frame_nr` slots of `frame_size` bytes, and
/// where the next frame goes.
pub(crate) struct TxRing {
    base: NonNull<u8>,
    len: usize,
    frame_size: usize,
    frame_nr: usize,
    next: usize,
    name: Box<libc::sockaddr_ll>,
}

// SAFETY: the mapping is owned by this struct alone and written only
// through `&mut self` (`send`); status words are accessed atomically.
unsafe impl Send for TxRing {}
// SAFETY: `&self` gives no access to the mapping.
unsafe impl Sync for TxRing {}

impl TxRing {
    /// `PACKET_VERSION` = `TPACKET_V2`, `PACKET_TX_RING` with room for
    /// about `frames` frames of up to `mtu` bytes of payload (plus the
    /// Ethernet header and a VLAN tag), and the `mmap` of it. Frames go out
    /// of `ifindex` with EtherType `protocol`.
    pub(crate) fn new(
        fd: BorrowedFd<'_>,
        ifindex: u32,
        protocol: u16,
        mtu: u32,
        frames: usize,
    ) -> Result<TxRing> {
        let invalid = |why| Error::invalid("setsockopt(PACKET_TX_RING)", why);
        let v = libc::tpacket_versions::TPACKET_V2 as libc::c_int;
        setsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_VERSION,
            &v,
            "setsockopt(PACKET_VERSION, TPACKET_V2)",
        )?;
        let frame_size = (DATA_OFFSET + mtu as usize + 18)
            .next_power_of_two()
            .max(2048);
        let block_size = frame_size.max(64 * 1024);
        let per_block = block_size / frame_size;
        let block_nr = frames.div_ceil(per_block).max(1);
        let len = block_size
            .checked_mul(block_nr)
            .filter(|&l| u32::try_from(l).is_ok())
            .ok_or_else(|| invalid("ring larger than 4 GiB"))?;
        let frame_nr = block_nr * per_block;
        let req = libc::tpacket_req {
            tp_block_size: block_size as u32,
            tp_block_nr: block_nr as u32,
            tp_frame_size: frame_size as u32,
            tp_frame_nr: frame_nr as u32,
        };
        setsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_TX_RING,
            &req,
            "setsockopt(PACKET_TX_RING)",
        )?;
        let base = super::packet::map_ring(fd, len, "mmap(PACKET_TX_RING)")?;
        Ok(TxRing {
            base,
            len,
            frame_size,
            frame_nr,
            next: 0,
            name: Box::new(super::packet::sockaddr_ll(ifindex, protocol)),
        })
    }

    /// The largest frame a slot holds.
    pub(crate) fn max_frame(&self) -> usize {
        self.frame_size - DATA_OFFSET
    }

    fn slot(&self, i: usize) -> *mut u8 {
        assert!(i < self.frame_nr);
        // SAFETY: slot `i` lies inside the mapping (`frame_nr` slots of
        // `frame_size` bytes, blocks holding whole slots back to back).
        unsafe { self.base.as_ptr().add(i * self.frame_size) }
    }

    fn status(&self, i: usize) -> &AtomicU32 {
        // SAFETY: `tp_status` (offset 0, checked above) is a 16-byte-aligned
        // u32 at the slot's start, alive as long as `self`. The kernel
        // writes it too, so it is only ever accessed atomically.
        unsafe { AtomicU32::from_ptr(self.slot(i).cast()) }
    }

    /// Copies as many of `frames` as there are free slots into the ring and
    /// asks the kernel to send them (`sendto` without data, not waiting);
    /// returns how many were queued (0 when the ring is full: the kernel
    /// has not finished with earlier frames yet). A frame longer than
    /// [`max_frame`](Self::max_frame) fails with `EMSGSIZE` if it is the
    /// first, and ends the batch otherwise.
    pub(crate) fn send(&mut self, fd: BorrowedFd<'_>, frames: &[&[u8]]) -> io::Result<usize> {
        let mut queued = 0;
        for f in frames {
            if f.len() > self.max_frame() {
                if queued == 0 {
                    return Err(io::Error::from_raw_os_error(libc::EMSGSIZE));
                }
                break;
            }
            let i = self.next;
            if self.status(i).load(Ordering::Acquire) != libc::TP_STATUS_AVAILABLE {
                break;
            }
            let slot = self.slot(i);
            // SAFETY: the slot is ours (TP_STATUS_AVAILABLE, read with
            // Acquire: the kernel is done with it) until we publish it below;
            // the frame fits the slot past its header (checked above); the
            // header's `tp_len` is a 4-aligned u32 at offset 4.
            unsafe {
                std::ptr::copy_nonoverlapping(f.as_ptr(), slot.add(DATA_OFFSET), f.len());
                slot.add(4).cast::<u32>().write(f.len() as u32);
            }
            // Release: the frame and its length are visible to the kernel
            // before the status that hands them over.
            self.status(i)
                .store(libc::TP_STATUS_SEND_REQUEST, Ordering::Release);
            self.next = (i + 1) % self.frame_nr;
            queued += 1;
        }
        let name: *const libc::sockaddr_ll = &*self.name;
        let r = super::retry_eintr(|| {
            // SAFETY: no data pointer (the kernel takes the frames from the
            // ring); `name` points at a valid sockaddr_ll of the size given.
            let r = unsafe {
                libc::sendto(
                    fd.as_raw_fd(),
                    std::ptr::null(),
                    0,
                    libc::MSG_DONTWAIT,
                    name.cast(),
                    size_of::<libc::sockaddr_ll>() as libc::socklen_t,
                )
            };
            if r < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(())
            }
        });
        match r {
            // The ring's frames stay queued: the next call sends them.
            Err(e) if queued > 0 && e.raw_os_error() == Some(libc::ENOBUFS) => Ok(queued),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(queued),
            Err(e) => Err(e),
            Ok(()) => Ok(queued),
        }
    }
}

impl Drop for TxRing {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`; no pointer into
        // it outlives `self`.
        unsafe {
            libc::munmap(self.base.as_ptr().cast(), self.len);
        }
    }
}
