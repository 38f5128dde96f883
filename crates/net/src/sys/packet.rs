//! `AF_PACKET` system calls (Linux) for the tap: the socket and its options,
//! the `TPACKET_V3` receive ring (`mmap`ed, blocks handed back and forth by a
//! status word), and the `recvmmsg` fallback with `sockaddr_ll` names and
//! `SCM_TIMESTAMPNS`.
//!
//! Reading what the kernel wrote into a block is plain byte parsing and lives
//! outside (`crate::tap::block`); only the status word and the mapping are
//! touched here.

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::cmsg::{cmsg_space, messages};
use super::linux::{getsockopt, setsockopt, Pod};
/// What [`poll_in`] saw (shared with the other systems' stand-in).
pub(crate) use super::Ready;
use crate::error::{Error, Result};
pub(crate) use libc::{PACKET_MR_ALLMULTI, PACKET_MR_PROMISC};

// SAFETY: C structs made only of integers; every bit pattern is valid.
unsafe impl Pod for libc::tpacket_req3 {}
// SAFETY: as above.
unsafe impl Pod for libc::packet_mreq {}
// SAFETY: as above.
unsafe impl Pod for libc::tpacket_stats_v3 {}

// The offsets `tap::block` reads, checked against the C layout.
const _: () = {
    use std::mem::offset_of;
    assert!(offset_of!(libc::tpacket_block_desc, hdr) == 8);
    assert!(offset_of!(libc::tpacket_hdr_v1, block_status) == 0);
    assert!(offset_of!(libc::tpacket_hdr_v1, num_pkts) == 4);
    assert!(offset_of!(libc::tpacket_hdr_v1, offset_to_first_pkt) == 8);
    assert!(offset_of!(libc::tpacket_hdr_v1, blk_len) == 12);
    assert!(offset_of!(libc::tpacket3_hdr, tp_next_offset) == 0);
    assert!(offset_of!(libc::tpacket3_hdr, tp_sec) == 4);
    assert!(offset_of!(libc::tpacket3_hdr, tp_nsec) == 8);
    assert!(offset_of!(libc::tpacket3_hdr, tp_snaplen) == 12);
    assert!(offset_of!(libc::tpacket3_hdr, tp_len) == 16);
    assert!(offset_of!(libc::tpacket3_hdr, tp_status) == 20);
    assert!(offset_of!(libc::tpacket3_hdr, tp_mac) == 24);
    assert!(size_of::<libc::tpacket3_hdr>() == crate::tap::block::TPACKET3_HDR_LEN);
    assert!(offset_of!(libc::sockaddr_ll, sll_protocol) == 2);
    assert!(offset_of!(libc::sockaddr_ll, sll_ifindex) == 4);
    assert!(offset_of!(libc::sockaddr_ll, sll_hatype) == 8);
    assert!(offset_of!(libc::sockaddr_ll, sll_pkttype) == 10);
    assert!(offset_of!(libc::sockaddr_ll, sll_halen) == 11);
    assert!(offset_of!(libc::sockaddr_ll, sll_addr) == 12);
    assert!(size_of::<libc::sockaddr_ll>() == crate::tap::block::SOCKADDR_LL_LEN);
};

/// `socket(AF_PACKET, SOCK_DGRAM or SOCK_RAW, 0)`: protocol 0, so the socket
/// receives nothing until [`bind`] names a protocol (no frame slips in
/// before the filter is attached).
pub(crate) fn socket(raw: bool) -> Result<socket2::Socket> {
    let (ty, op) = if raw {
        (socket2::Type::RAW, "socket(AF_PACKET, SOCK_RAW)")
    } else {
        (socket2::Type::DGRAM, "socket(AF_PACKET, SOCK_DGRAM)")
    };
    socket2::Socket::new(socket2::Domain::PACKET, ty, None).map_err(|e| Error::raw_socket(op, e))
}

pub(crate) fn sockaddr_ll(ifindex: u32, protocol: u16) -> libc::sockaddr_ll {
    // SAFETY: all-zero sockaddr_ll is valid (integers and a byte array).
    let mut sa: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sa.sll_family = libc::AF_PACKET as u16;
    sa.sll_protocol = protocol.to_be();
    sa.sll_ifindex = ifindex as i32;
    sa
}

/// `bind` to interface `ifindex` for frames of `protocol` (an EtherType,
/// host order; `ETH_P_ALL` for every one).
pub(crate) fn bind(fd: BorrowedFd<'_>, ifindex: u32, protocol: u16) -> Result<()> {
    let sa = sockaddr_ll(ifindex, protocol);
    // SAFETY: `sa` is a valid sockaddr_ll, alive for the call; the length
    // passed is its size.
    let r = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&sa as *const libc::sockaddr_ll).cast(),
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(Error::last("bind(AF_PACKET)"))
    }
}

/// `PACKET_ADD_MEMBERSHIP` of type `mr_type` (`PACKET_MR_ALLMULTI`,
/// `PACKET_MR_PROMISC`) on `ifindex`. Changes the interface's receive
/// filter only; it sends nothing on the link.
pub(crate) fn add_membership(fd: BorrowedFd<'_>, ifindex: u32, mr_type: libc::c_int) -> Result<()> {
    // SAFETY: all-zero packet_mreq is valid.
    let mut mr: libc::packet_mreq = unsafe { std::mem::zeroed() };
    mr.mr_ifindex = ifindex as i32;
    mr.mr_type = mr_type as u16;
    setsockopt(
        fd,
        libc::SOL_PACKET,
        libc::PACKET_ADD_MEMBERSHIP,
        &mr,
        if mr_type == libc::PACKET_MR_PROMISC {
            "setsockopt(PACKET_ADD_MEMBERSHIP, PACKET_MR_PROMISC)"
        } else {
            "setsockopt(PACKET_ADD_MEMBERSHIP, PACKET_MR_ALLMULTI)"
        },
    )
}

/// `PACKET_VERSION` = `TPACKET_V3`.
pub(crate) fn set_tpacket_v3(fd: BorrowedFd<'_>) -> Result<()> {
    let v = libc::tpacket_versions::TPACKET_V3 as libc::c_int;
    setsockopt(
        fd,
        libc::SOL_PACKET,
        libc::PACKET_VERSION,
        &v,
        "setsockopt(PACKET_VERSION, TPACKET_V3)",
    )
}

/// `SO_TIMESTAMPNS` on: each received frame comes with its kernel arrival
/// time (`SCM_TIMESTAMPNS`).
pub(crate) fn set_timestamps(fd: BorrowedFd<'_>) -> Result<()> {
    let v: libc::c_int = 1;
    setsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_TIMESTAMPNS,
        &v,
        "setsockopt(SO_TIMESTAMPNS)",
    )
}

/// `PACKET_STATISTICS` (`tpacket_stats_v3` layout, which the kernel fills
/// as far as the socket's version has fields): frames seen (including the
/// dropped ones), frames dropped, ring freezes. Reading resets the kernel's
/// counters.
pub(crate) fn statistics(fd: BorrowedFd<'_>) -> Result<(u32, u32, u32)> {
    let s: libc::tpacket_stats_v3 = getsockopt(
        fd,
        libc::SOL_PACKET,
        libc::PACKET_STATISTICS,
        "getsockopt(PACKET_STATISTICS)",
    )?;
    Ok((s.tp_packets, s.tp_drops, s.tp_freeze_q_cnt))
}

/// `poll` for input on one descriptor, up to `timeout` (`None`: forever).
pub(crate) fn poll_in(fd: BorrowedFd<'_>, timeout: Option<Duration>) -> io::Result<Ready> {
    let ms = match timeout {
        None => -1,
        // Round up so a short timeout does not become a busy 0.
        Some(t) => {
            libc::c_int::try_from(t.as_nanos().div_ceil(1_000_000)).unwrap_or(libc::c_int::MAX)
        }
    };
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `p` is one valid pollfd, alive for the call.
    let n = unsafe { libc::poll(&mut p, 1, ms) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(if n == 0 {
        Ready::Timeout
    } else if p.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
        Ready::Err
    } else {
        Ready::In
    })
}

/// Whether interface `ifindex` still exists in the network namespace of the
/// socket `fd` (`SIOCGIFNAME` through the socket, so the answer is for the
/// socket's namespace whichever thread asks).
pub(crate) fn interface_exists(fd: BorrowedFd<'_>, ifindex: u32) -> bool {
    // SAFETY: all-zero ifreq is valid.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    req.ifr_ifru.ifru_ifindex = ifindex as libc::c_int;
    // SAFETY: `req` is a valid ifreq; SIOCGIFNAME reads the index and writes
    // the name within it.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFNAME as _, &mut req) };
    r == 0
}

/// A `TPACKET_V3` receive ring: `block_nr` blocks of `block_size` bytes
/// mapped from the kernel. A block belongs to user space while its status
/// has `TP_STATUS_USER`, and goes back with [`release`](Self::release).
pub(crate) struct Ring {
    base: NonNull<u8>,
    block_size: usize,
    block_nr: usize,
}

// SAFETY: the mapping is owned by this struct alone; reads of a block happen
// through `&self` only while user space owns the block, status words are
// accessed atomically, and `release` takes `&mut self`.
unsafe impl Send for Ring {}
// SAFETY: as above: `&self` gives only reads of blocks the kernel does not
// write, and atomic loads of status words.
unsafe impl Sync for Ring {}

impl Ring {
    /// `PACKET_RX_RING` with `tpacket_req3` and `mmap` of the ring. The
    /// socket must be `TPACKET_V3` already. A block is handed to user space
    /// when full or `retire` after its first frame.
    pub(crate) fn new(
        fd: BorrowedFd<'_>,
        block_size: usize,
        block_nr: usize,
        frame_size: usize,
        retire: Duration,
    ) -> Result<Ring> {
        let invalid = |why| Error::invalid("setsockopt(PACKET_RX_RING)", why);
        let page = 4096;
        if block_size < page || !block_size.is_power_of_two() {
            return Err(invalid(
                "block size must be a power of two and a multiple of 4096",
            ));
        }
        if block_nr == 0
            || frame_size < 64
            || !frame_size.is_multiple_of(16)
            || frame_size > block_size
        {
            return Err(invalid("bad block count or frame size"));
        }
        let len = block_size
            .checked_mul(block_nr)
            .filter(|&l| u32::try_from(l).is_ok())
            .ok_or_else(|| invalid("ring larger than 4 GiB"))?;
        let req = libc::tpacket_req3 {
            tp_block_size: block_size as u32,
            tp_block_nr: block_nr as u32,
            tp_frame_size: frame_size as u32,
            tp_frame_nr: (len / frame_size) as u32,
            tp_retire_blk_tov: u32::try_from(retire.as_millis().max(1)).unwrap_or(u32::MAX),
            tp_sizeof_priv: 0,
            tp_feature_req_word: 0,
        };
        setsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_RX_RING,
            &req,
            "setsockopt(PACKET_RX_RING)",
        )?;
        let base = map_ring(fd, len, "mmap(PACKET_RX_RING)")?;
        Ok(Ring {
            base,
            block_size,
            block_nr,
        })
    }

    /// How many blocks the ring has.
    pub(crate) fn blocks(&self) -> usize {
        self.block_nr
    }

    fn status(&self, i: usize) -> &AtomicU32 {
        assert!(i < self.block_nr);
        // SAFETY: block `i` starts inside the mapping at a page-aligned
        // offset; its status word (`hdr.bh1.block_status`, offset 8, checked
        // above) is a 4-byte-aligned u32 inside it that lives as long as
        // `self`. The kernel writes it too, so it is only ever accessed
        // atomically, as the kernel's own `smp_rmb`/`smp_wmb` pairing expects.
        unsafe { AtomicU32::from_ptr(self.base.as_ptr().add(i * self.block_size + 8).cast()) }
    }

    /// Block `i`'s bytes if user space owns it (`TP_STATUS_USER`).
    pub(crate) fn block(&self, i: usize) -> Option<&[u8]> {
        if self.status(i).load(Ordering::Acquire) & libc::TP_STATUS_USER == 0 {
            return None;
        }
        // SAFETY: the kernel handed block `i` to user space (status read
        // with Acquire, pairing with the kernel's barrier before it set the
        // status) and writes it no more until `release(i)`, which needs
        // `&mut self` and so cannot run while this borrow lives. The range
        // lies inside the mapping.
        Some(unsafe {
            std::slice::from_raw_parts(self.base.as_ptr().add(i * self.block_size), self.block_size)
        })
    }

    /// Hands block `i` back to the kernel (`TP_STATUS_KERNEL`).
    pub(crate) fn release(&mut self, i: usize) {
        self.status(i)
            .store(libc::TP_STATUS_KERNEL, Ordering::Release);
    }
}

/// Maps the ring (RX or TX) the kernel just set up for `fd`, `len` octets,
/// shared and writable; `call` names it in the error.
pub(crate) fn map_ring(fd: BorrowedFd<'_>, len: usize, call: &'static str) -> Result<NonNull<u8>> {
    // SAFETY: a fresh shared mapping of the ring the kernel just set up for
    // `fd`, of exactly its size; no existing memory is affected.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd.as_raw_fd(),
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(Error::last(call));
    }
    NonNull::new(p.cast::<u8>()).ok_or_else(|| Error::invalid(call, "mmap returned null"))
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`; no borrow of it
        // can outlive `self`.
        unsafe {
            libc::munmap(self.base.as_ptr().cast(), self.block_size * self.block_nr);
        }
    }
}

/// Control buffer for one `SCM_TIMESTAMPNS` (a `timespec`), with room for
/// one more message.
#[derive(Clone, Copy)]
#[repr(C, align(8))]
struct TsBuf([u8; TS_BUF_LEN]);

const TS_BUF_LEN: usize = cmsg_space(size_of::<libc::timespec>()) + cmsg_space(32);

/// The arrays for `recvmmsg` on a packet socket: headers, one iovec each
/// into the caller's arena, `sockaddr_ll` names and timestamp buffers.
pub(crate) struct MmsgLl {
    hdrs: Box<[libc::mmsghdr]>,
    iovs: Box<[libc::iovec]>,
    names: Box<[libc::sockaddr_ll]>,
    ctrl: Box<[TsBuf]>,
}

// SAFETY: the raw pointers in `hdrs`/`iovs` are rewired right before each
// call that reads them and never dereferenced by Rust code.
unsafe impl Send for MmsgLl {}
// SAFETY: as above; `&self` methods read plain integers only.
unsafe impl Sync for MmsgLl {}

impl MmsgLl {
    /// Arrays for `count` frames per call.
    pub(crate) fn new(count: usize) -> MmsgLl {
        MmsgLl {
            // SAFETY: all-zero mmsghdr, iovec and sockaddr_ll are valid
            // (null pointers, zero lengths, integers).
            hdrs: (0..count).map(|_| unsafe { std::mem::zeroed() }).collect(),
            // SAFETY: as above.
            iovs: (0..count).map(|_| unsafe { std::mem::zeroed() }).collect(),
            // SAFETY: as above.
            names: (0..count).map(|_| unsafe { std::mem::zeroed() }).collect(),
            ctrl: vec![TsBuf([0; TS_BUF_LEN]); count].into_boxed_slice(),
        }
    }

    /// Wires the first `n` headers to `arena` slots of `slot` bytes.
    pub(crate) fn prepare(&mut self, arena: &mut [u8], slot: usize, n: usize) {
        assert!(n <= self.hdrs.len() && n * slot <= arena.len());
        for (i, chunk) in arena.chunks_exact_mut(slot).take(n).enumerate() {
            self.iovs[i] = libc::iovec {
                iov_base: chunk.as_mut_ptr().cast(),
                iov_len: slot,
            };
            let h = &mut self.hdrs[i];
            h.msg_len = 0;
            h.msg_hdr.msg_name = (&mut self.names[i] as *mut libc::sockaddr_ll).cast();
            h.msg_hdr.msg_namelen = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            h.msg_hdr.msg_iov = &mut self.iovs[i];
            h.msg_hdr.msg_iovlen = 1;
            h.msg_hdr.msg_control = self.ctrl[i].0.as_mut_ptr().cast();
            h.msg_hdr.msg_controllen = TS_BUF_LEN as _;
            h.msg_hdr.msg_flags = 0;
        }
    }

    /// `recvmmsg(MSG_DONTWAIT | MSG_TRUNC)` of up to `n` frames into `arena`.
    pub(crate) fn recv(
        &mut self,
        fd: BorrowedFd<'_>,
        arena: &mut [u8],
        slot: usize,
        n: usize,
    ) -> io::Result<usize> {
        self.prepare(arena, slot, n);
        super::retry_eintr(|| {
            // SAFETY: `prepare` pointed the first `n` headers at live,
            // writable memory of the stated sizes (arena slots, names,
            // control buffers), all borrowed mutably for this call.
            let r = unsafe {
                libc::recvmmsg(
                    fd.as_raw_fd(),
                    self.hdrs.as_mut_ptr(),
                    n as libc::c_uint,
                    (libc::MSG_DONTWAIT | libc::MSG_TRUNC) as _,
                    std::ptr::null_mut(),
                )
            };
            if r < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(r as usize)
            }
        })
    }

    /// The frame's whole length (with `MSG_TRUNC`) and whether it was cut.
    pub(crate) fn len(&self, i: usize) -> (usize, bool) {
        let h = &self.hdrs[i];
        (
            h.msg_len as usize,
            h.msg_hdr.msg_flags & libc::MSG_TRUNC != 0,
        )
    }

    /// Entry `i`'s `sockaddr_ll` as the bytes `tap::block` parses.
    pub(crate) fn name(&self, i: usize) -> [u8; crate::tap::block::SOCKADDR_LL_LEN] {
        let sa = &self.names[i];
        let mut b = [0u8; crate::tap::block::SOCKADDR_LL_LEN];
        b[0..2].copy_from_slice(&sa.sll_family.to_ne_bytes());
        b[2..4].copy_from_slice(&sa.sll_protocol.to_ne_bytes());
        b[4..8].copy_from_slice(&sa.sll_ifindex.to_ne_bytes());
        b[8..10].copy_from_slice(&sa.sll_hatype.to_ne_bytes());
        b[10] = sa.sll_pkttype;
        b[11] = sa.sll_halen;
        b[12..20].copy_from_slice(&sa.sll_addr);
        b
    }

    /// Entry `i`'s `SCM_TIMESTAMPNS` as (seconds, nanoseconds).
    pub(crate) fn timestamp(&self, i: usize) -> Option<(i64, u32)> {
        let n = (self.hdrs[i].msg_hdr.msg_controllen as usize).min(TS_BUF_LEN);
        messages(&self.ctrl[i].0[..n]).find_map(|(level, ty, data)| {
            if level != libc::SOL_SOCKET || ty != libc::SCM_TIMESTAMPNS {
                return None;
            }
            let t = size_of::<libc::time_t>();
            let sec = data.get(..t)?;
            let nsec = data.get(t..t + size_of::<libc::c_long>())?;
            let sec = i64::from_ne_bytes(pad8(sec));
            let nsec = i64::from_ne_bytes(pad8(nsec));
            Some((sec, nsec as u32))
        })
    }
}

/// Widens a native-endian 4- or 8-byte integer to 8 bytes.
fn pad8(b: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    if b.len() == 8 {
        out.copy_from_slice(b);
    } else if b.len() == 4 {
        let v = i32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as i64;
        out = v.to_ne_bytes();
    }
    out
}

/// `PACKET_QDISC_BYPASS` on: frames sent go to the driver directly, not
/// through the interface's queueing discipline.
pub(crate) fn set_qdisc_bypass(fd: BorrowedFd<'_>) -> Result<()> {
    let v: libc::c_int = 1;
    setsockopt(
        fd,
        libc::SOL_PACKET,
        libc::PACKET_QDISC_BYPASS,
        &v,
        "setsockopt(PACKET_QDISC_BYPASS)",
    )
}

/// The hardware address of interface `name` (`SIOCGIFHWADDR` through the
/// socket, so for the socket's network namespace): its six first bytes.
pub(crate) fn hwaddr(fd: BorrowedFd<'_>, name: &str) -> Result<[u8; 6]> {
    let bytes = name.as_bytes();
    if bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return Err(Error::invalid("ioctl(SIOCGIFHWADDR)", "bad interface name"));
    }
    // SAFETY: all-zero ifreq is valid.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in req.ifr_name.iter_mut().zip(bytes) {
        *d = *s as libc::c_char;
    }
    // SAFETY: `req` is a valid ifreq with a NUL-terminated name;
    // SIOCGIFHWADDR writes `ifru_hwaddr` within it.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFHWADDR as _, &mut req) };
    if r != 0 {
        return Err(Error::last("ioctl(SIOCGIFHWADDR)"));
    }
    // SAFETY: SIOCGIFHWADDR succeeded, so the union holds `ifru_hwaddr`.
    let sa = unsafe { req.ifr_ifru.ifru_hwaddr };
    let mut mac = [0u8; 6];
    for (d, s) in mac.iter_mut().zip(sa.sa_data.iter()) {
        *d = *s as u8;
    }
    Ok(mac)
}

/// Preallocated `sendmmsg` state for whole frames on a `SOCK_RAW` packet
/// socket: one `sockaddr_ll` (interface, EtherType) for every frame.
pub(crate) struct MmsgFrames {
    hdrs: Vec<libc::mmsghdr>,
    iovs: Vec<libc::iovec>,
    name: Box<libc::sockaddr_ll>,
}

// SAFETY: the raw pointers in `hdrs`/`iovs` are rewired right before each
// call that reads them and never dereferenced by Rust code.
unsafe impl Send for MmsgFrames {}
// SAFETY: as above; `&self` gives no access to them.
unsafe impl Sync for MmsgFrames {}

impl MmsgFrames {
    /// State for frames out of `ifindex` with EtherType `protocol`, room for
    /// `count` frames per call made now (more grows the arrays once).
    pub(crate) fn new(ifindex: u32, protocol: u16, count: usize) -> MmsgFrames {
        MmsgFrames {
            hdrs: Vec::with_capacity(count),
            iovs: Vec::with_capacity(count),
            name: Box::new(sockaddr_ll(ifindex, protocol)),
        }
    }

    /// `sendmmsg` of `frames`, each one datagram; how many the kernel took.
    pub(crate) fn send(&mut self, fd: BorrowedFd<'_>, frames: &[&[u8]]) -> io::Result<usize> {
        self.hdrs.clear();
        self.iovs.clear();
        self.iovs.extend(frames.iter().map(|f| libc::iovec {
            iov_base: f.as_ptr() as *mut libc::c_void,
            iov_len: f.len(),
        }));
        let name: *mut libc::sockaddr_ll = &mut *self.name;
        for iov in self.iovs.iter_mut() {
            // SAFETY: all-zero mmsghdr is valid.
            let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
            h.msg_hdr.msg_name = name.cast();
            h.msg_hdr.msg_namelen = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            h.msg_hdr.msg_iov = iov;
            h.msg_hdr.msg_iovlen = 1;
            self.hdrs.push(h);
        }
        super::retry_eintr(|| {
            // SAFETY: every header points at the boxed name and at its own
            // iovec, which points at a frame the caller borrows for this
            // call; the kernel only reads them (and writes `msg_len` into
            // the headers, which we own).
            let r = unsafe {
                libc::sendmmsg(
                    fd.as_raw_fd(),
                    self.hdrs.as_mut_ptr(),
                    self.hdrs.len() as libc::c_uint,
                    0,
                )
            };
            if r < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(r as usize)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_of_either_width_are_widened() {
        assert_eq!(i64::from_ne_bytes(pad8(&(-2i32).to_ne_bytes())), -2);
        assert_eq!(i64::from_ne_bytes(pad8(&7i64.to_ne_bytes())), 7);
        assert_eq!(pad8(&[1, 2, 3]), [0; 8]);
    }
}
