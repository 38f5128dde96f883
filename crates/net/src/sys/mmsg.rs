//! The arrays behind batched I/O: `mmsghdr`, `iovec`, socket addresses
//! (room for a `sockaddr_in6`, so one batch serves both families) and
//! control buffers, allocated once and rewired before every call.
//!
//! `mmsghdr` holds raw pointers into these arrays and into the caller's
//! buffer arena. They are rebuilt at the start of each call (cheap) instead
//! of being trusted across moves, so the owning structs can move freely.
//! Wiring (`prepare`) is separate from the system call so it runs under Miri.

use std::io;
use std::mem::size_of;
use std::net::{SocketAddrV4, SocketAddrV6};

use super::addr::{from_sockaddr_in, to_sockaddr_in};
use super::cmsg::{self, CmsgBuf, NoRoom};
use super::inet6::{self, from_sockaddr_in6, to_sockaddr_in6};
use crate::control::ControlMessage;
use crate::control6::ControlMessage6;

/// A socket address of either family, as the kernel writes or reads it.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) union SockName {
    v4: libc::sockaddr_in,
    v6: libc::sockaddr_in6,
}

impl SockName {
    fn zeroed() -> SockName {
        SockName {
            v6: inet6::zeroed_sockaddr_in6(),
        }
    }

    fn v4(&self) -> &libc::sockaddr_in {
        // SAFETY: both fields are plain integers valid for every bit
        // pattern, and the union is at least as large as either.
        unsafe { &self.v4 }
    }

    fn v6(&self) -> &libc::sockaddr_in6 {
        // SAFETY: as in `v4`.
        unsafe { &self.v6 }
    }
}

const NAME_LEN: usize = size_of::<SockName>();

fn zeroed_mmsghdr() -> libc::mmsghdr {
    // SAFETY: all-zero mmsghdr is valid (null pointers, zero lengths).
    unsafe { std::mem::zeroed() }
}

fn empty_iovec() -> libc::iovec {
    libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    }
}

/// Receive-side arrays for `recvmmsg`.
pub(crate) struct MmsgRecv {
    hdrs: Box<[libc::mmsghdr]>,
    iovs: Box<[libc::iovec]>,
    names: Box<[SockName]>,
    ctrl: Box<[CmsgBuf]>,
}

// SAFETY: the raw pointers inside `hdrs`/`iovs` are written by `prepare`
// immediately before the system call that reads them and are never
// dereferenced by Rust code; between calls they are inert data, so moving
// or sharing the struct across threads cannot cause a data race.
unsafe impl Send for MmsgRecv {}
// SAFETY: as above; `&self` methods only read plain integer fields.
unsafe impl Sync for MmsgRecv {}

impl MmsgRecv {
    /// Arrays for up to `count` datagrams per call.
    pub(crate) fn new(count: usize) -> MmsgRecv {
        MmsgRecv {
            hdrs: (0..count).map(|_| zeroed_mmsghdr()).collect(),
            iovs: (0..count).map(|_| empty_iovec()).collect(),
            names: (0..count).map(|_| SockName::zeroed()).collect(),
            ctrl: vec![CmsgBuf::new(); count].into_boxed_slice(),
        }
    }

    /// Wires header `i` to slot `i` of `arena` (slots of `slot` bytes), to
    /// its name and control buffer, for the first `n` entries.
    pub(crate) fn prepare(&mut self, arena: &mut [u8], slot: usize, n: usize) {
        assert!(n <= self.hdrs.len() && n * slot <= arena.len());
        for (i, chunk) in arena.chunks_exact_mut(slot).take(n).enumerate() {
            self.iovs[i] = libc::iovec {
                iov_base: chunk.as_mut_ptr().cast(),
                iov_len: slot,
            };
            let h = &mut self.hdrs[i];
            h.msg_len = 0;
            h.msg_hdr.msg_name = (&mut self.names[i] as *mut SockName).cast();
            h.msg_hdr.msg_namelen = NAME_LEN as libc::socklen_t;
            h.msg_hdr.msg_iov = &mut self.iovs[i];
            h.msg_hdr.msg_iovlen = 1;
            h.msg_hdr.msg_control = self.ctrl[i].0.as_mut_ptr().cast();
            h.msg_hdr.msg_controllen = self.ctrl[i].0.len() as _;
            h.msg_hdr.msg_flags = 0;
        }
    }

    /// `recvmmsg` of up to `n` datagrams into `arena` (slots of `slot` bytes).
    #[cfg(target_os = "linux")]
    pub(crate) fn recv(
        &mut self,
        fd: std::os::fd::BorrowedFd<'_>,
        arena: &mut [u8],
        slot: usize,
        n: usize,
        flags: libc::c_int,
    ) -> io::Result<usize> {
        use std::os::fd::AsRawFd;
        self.prepare(arena, slot, n);
        // SAFETY: `prepare` pointed the first `n` headers at live, writable
        // buffers of the stated sizes (arena slots, names, control buffers),
        // all borrowed mutably for the duration of this call.
        super::retry_eintr(|| {
            // SAFETY: see above; a retry reuses the same wiring.
            let r = unsafe {
                libc::recvmmsg(
                    fd.as_raw_fd(),
                    self.hdrs.as_mut_ptr(),
                    n as libc::c_uint,
                    flags as _,
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

    /// Bytes received in entry `i` (the datagram's real length when the
    /// call passed `MSG_TRUNC`).
    pub(crate) fn len(&self, i: usize) -> usize {
        self.hdrs[i].msg_len as usize
    }

    /// `msg_flags` of entry `i` (`MSG_TRUNC`, `MSG_CTRUNC`).
    pub(crate) fn msg_flags(&self, i: usize) -> libc::c_int {
        self.hdrs[i].msg_hdr.msg_flags
    }

    /// Source address of entry `i`.
    pub(crate) fn name(&self, i: usize) -> Option<SocketAddrV4> {
        from_sockaddr_in(
            self.names[i].v4(),
            self.hdrs[i].msg_hdr.msg_namelen as usize,
        )
    }

    /// Source address of entry `i` on an IPv6 socket.
    pub(crate) fn name6(&self, i: usize) -> Option<SocketAddrV6> {
        from_sockaddr_in6(
            self.names[i].v6(),
            self.hdrs[i].msg_hdr.msg_namelen as usize,
        )
    }

    /// Control data of entry `i`.
    pub(crate) fn control(&self, i: usize) -> &[u8] {
        let n = (self.hdrs[i].msg_hdr.msg_controllen as usize).min(self.ctrl[i].0.len());
        &self.ctrl[i].0[..n]
    }
}

/// Send-side arrays for `sendmmsg`.
pub(crate) struct MmsgSend {
    hdrs: Box<[libc::mmsghdr]>,
    iovs: Box<[libc::iovec]>,
    names: Box<[SockName]>,
    name_len: Box<[libc::socklen_t]>,
    ctrl: Box<[CmsgBuf]>,
    ctrl_len: Box<[usize]>,
}

// SAFETY: as for `MmsgRecv`: pointers are rebuilt right before the call that
// reads them and never dereferenced by Rust code.
unsafe impl Send for MmsgSend {}
// SAFETY: as above.
unsafe impl Sync for MmsgSend {}

impl MmsgSend {
    /// Arrays for up to `count` datagrams.
    pub(crate) fn new(count: usize) -> MmsgSend {
        MmsgSend {
            hdrs: (0..count).map(|_| zeroed_mmsghdr()).collect(),
            iovs: (0..count).map(|_| empty_iovec()).collect(),
            names: (0..count).map(|_| SockName::zeroed()).collect(),
            name_len: vec![0; count].into_boxed_slice(),
            ctrl: vec![CmsgBuf::new(); count].into_boxed_slice(),
            ctrl_len: vec![0; count].into_boxed_slice(),
        }
    }

    /// Sets destination and control message of entry `i`.
    pub(crate) fn set(
        &mut self,
        i: usize,
        dst: SocketAddrV4,
        cm: Option<&ControlMessage>,
    ) -> Result<(), NoRoom> {
        self.names[i] = SockName {
            v4: to_sockaddr_in(dst),
        };
        self.name_len[i] = size_of::<libc::sockaddr_in>() as libc::socklen_t;
        self.ctrl_len[i] = match cm {
            Some(cm) => cmsg::encode(cm, &mut self.ctrl[i].0)?,
            None => 0,
        };
        Ok(())
    }

    /// Sets an IPv6 destination and control message for entry `i`.
    pub(crate) fn set6(
        &mut self,
        i: usize,
        dst: SocketAddrV6,
        cm: Option<&ControlMessage6>,
    ) -> Result<(), NoRoom> {
        self.names[i] = SockName {
            v6: to_sockaddr_in6(dst),
        };
        self.name_len[i] = size_of::<libc::sockaddr_in6>() as libc::socklen_t;
        self.ctrl_len[i] = match cm {
            Some(cm) => inet6::encode6(cm, &mut self.ctrl[i].0)?,
            None => 0,
        };
        Ok(())
    }

    /// Wires entries `from..from + lens.len()` (relative header index 0..)
    /// to `arena` slots of `slot` bytes holding `lens[k]` bytes each.
    pub(crate) fn prepare(&mut self, arena: &[u8], slot: usize, from: usize, lens: &[usize]) {
        assert!(from + lens.len() <= self.hdrs.len());
        for (k, &len) in lens.iter().enumerate() {
            let i = from + k;
            let data = &arena[i * slot..i * slot + len];
            self.iovs[k] = libc::iovec {
                iov_base: data.as_ptr() as *mut libc::c_void,
                iov_len: len,
            };
            let h = &mut self.hdrs[k];
            h.msg_len = 0;
            h.msg_hdr.msg_name = (&mut self.names[i] as *mut SockName).cast();
            h.msg_hdr.msg_namelen = self.name_len[i];
            h.msg_hdr.msg_iov = &mut self.iovs[k];
            h.msg_hdr.msg_iovlen = 1;
            if self.ctrl_len[i] > 0 {
                h.msg_hdr.msg_control = self.ctrl[i].0.as_mut_ptr().cast();
                h.msg_hdr.msg_controllen = self.ctrl_len[i] as _;
            } else {
                h.msg_hdr.msg_control = std::ptr::null_mut();
                h.msg_hdr.msg_controllen = 0;
            }
            h.msg_hdr.msg_flags = 0;
        }
    }

    /// `sendmmsg` of entries `from..from + lens.len()`.
    #[cfg(target_os = "linux")]
    pub(crate) fn send(
        &mut self,
        fd: std::os::fd::BorrowedFd<'_>,
        arena: &[u8],
        slot: usize,
        from: usize,
        lens: &[usize],
        flags: libc::c_int,
    ) -> io::Result<usize> {
        use std::os::fd::AsRawFd;
        self.prepare(arena, slot, from, lens);
        // SAFETY: `prepare` pointed the first `lens.len()` headers at live
        // buffers (arena slices, names, control buffers) borrowed for the
        // duration of this call; sendmmsg only reads them (and writes
        // `msg_len` in the headers, which we own mutably).
        super::retry_eintr(|| {
            // SAFETY: see above; a retry reuses the same wiring.
            let r = unsafe {
                libc::sendmmsg(
                    fd.as_raw_fd(),
                    self.hdrs.as_mut_ptr(),
                    lens.len() as libc::c_uint,
                    flags as _,
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
    use std::net::Ipv4Addr;

    /// Plays the kernel: writes a datagram, a name and a control message
    /// through the pointers `prepare` set, then reads them back through the
    /// accessors. Under Miri this checks the pointer wiring and provenance.
    #[test]
    fn recv_wiring_delivers_into_the_right_slots() {
        let slot = 32;
        let mut arena = vec![0u8; slot * 4];
        let mut m = MmsgRecv::new(4);
        m.prepare(&mut arena, slot, 3);
        let ctrl_src = {
            let mut c = CmsgBuf::new();
            let cm = ControlMessage {
                ifindex: Some(5),
                ..Default::default()
            };
            let n = cmsg::encode(&cm, &mut c.0).unwrap();
            (c, n)
        };
        for i in 0..3 {
            let h = &mut m.hdrs[i];
            let payload = [i as u8 + 1; 5];
            // SAFETY: test plays the kernel, writing within the sizes that
            // prepare() advertised (5 <= slot, one sockaddr_in, n <= ctrl len).
            unsafe {
                let iov = &*h.msg_hdr.msg_iov;
                assert_eq!(iov.iov_len, slot);
                std::ptr::copy_nonoverlapping(payload.as_ptr(), iov.iov_base.cast(), 5);
                let sa = to_sockaddr_in(SocketAddrV4::new(Ipv4Addr::new(198, 18, 0, i as u8), 9));
                std::ptr::write(h.msg_hdr.msg_name.cast(), sa);
                std::ptr::copy_nonoverlapping(
                    ctrl_src.0 .0.as_ptr(),
                    h.msg_hdr.msg_control.cast(),
                    ctrl_src.1,
                );
            }
            h.msg_hdr.msg_controllen = ctrl_src.1 as _;
            h.msg_len = 5;
        }
        for i in 0..3 {
            assert_eq!(m.len(i), 5);
            assert_eq!(&arena[i * slot..i * slot + 5], &[i as u8 + 1; 5]);
            assert_eq!(
                m.name(i),
                Some(SocketAddrV4::new(Ipv4Addr::new(198, 18, 0, i as u8), 9))
            );
            assert_eq!(cmsg::decode(m.control(i)).ifindex, Some(5));
        }
        assert_eq!(arena[3 * slot], 0);
    }

    #[test]
    fn send_wiring_points_at_each_packet_and_its_control() {
        let slot = 16;
        let mut arena = vec![0u8; slot * 3];
        for (i, c) in arena.chunks_mut(slot).enumerate() {
            c.fill(i as u8);
        }
        let mut m = MmsgSend::new(3);
        let dst = SocketAddrV4::new(Ipv4Addr::new(198, 18, 0, 2), 7);
        let cm = ControlMessage {
            src: Some(Ipv4Addr::new(198, 18, 0, 1)),
            ..Default::default()
        };
        m.set(0, dst, None).unwrap();
        m.set(1, dst, Some(&cm)).unwrap();
        m.set(2, dst, None).unwrap();
        m.prepare(&arena, slot, 1, &[3, 4]);
        // SAFETY: reading back what prepare() pointed at, within bounds.
        unsafe {
            let iov0 = &*m.hdrs[0].msg_hdr.msg_iov;
            assert_eq!(iov0.iov_len, 3);
            assert_eq!(*(iov0.iov_base as *const u8), 1);
            let iov1 = &*m.hdrs[1].msg_hdr.msg_iov;
            assert_eq!(*(iov1.iov_base as *const u8).add(3), 2);
            let sa = &*(m.hdrs[1].msg_hdr.msg_name as *const libc::sockaddr_in);
            assert_eq!(
                from_sockaddr_in(sa, size_of::<libc::sockaddr_in>()),
                Some(dst)
            );
        }
        assert!(m.hdrs[0].msg_hdr.msg_controllen > 0);
        assert_eq!(m.hdrs[1].msg_hdr.msg_controllen, 0);
    }

    /// The IPv6 side of the same arrays: a `sockaddr_in6` fits the name
    /// slots, its length goes with it, and `name6` reads back what the
    /// kernel would write there.
    #[test]
    fn ipv6_names_and_control_use_the_same_slots() {
        use std::net::{Ipv6Addr, SocketAddrV6};
        let slot = 16;
        let arena = vec![0u8; slot * 2];
        let mut m = MmsgSend::new(2);
        let dst = SocketAddrV6::new(Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 2), 9, 0, 0);
        let cm = ControlMessage6 {
            hop_limit: Some(1),
            ..Default::default()
        };
        m.set6(0, dst, Some(&cm)).unwrap();
        m.set(1, SocketAddrV4::new(Ipv4Addr::LOCALHOST, 7), None)
            .unwrap();
        m.prepare(&arena, slot, 0, &[4, 4]);
        assert_eq!(
            m.hdrs[0].msg_hdr.msg_namelen as usize,
            size_of::<libc::sockaddr_in6>()
        );
        assert_eq!(
            m.hdrs[1].msg_hdr.msg_namelen as usize,
            size_of::<libc::sockaddr_in>()
        );
        // SAFETY: reading back the sockaddr_in6 prepare() pointed at.
        let sa = unsafe { &*(m.hdrs[0].msg_hdr.msg_name as *const libc::sockaddr_in6) };
        assert_eq!(
            from_sockaddr_in6(sa, size_of::<libc::sockaddr_in6>()),
            Some(dst)
        );
        assert!(m.hdrs[0].msg_hdr.msg_controllen > 0);

        let mut arena = vec![0u8; slot * 2];
        let mut r = MmsgRecv::new(2);
        r.prepare(&mut arena, slot, 2);
        let h = &mut r.hdrs[0];
        assert!(h.msg_hdr.msg_namelen as usize >= size_of::<libc::sockaddr_in6>());
        // SAFETY: the test plays the kernel, writing one sockaddr_in6 into
        // the name slot prepare() advertised as large enough.
        unsafe { std::ptr::write(h.msg_hdr.msg_name.cast(), to_sockaddr_in6(dst)) };
        h.msg_hdr.msg_namelen = size_of::<libc::sockaddr_in6>() as libc::socklen_t;
        assert_eq!(r.name6(0), Some(dst));
        assert_eq!(r.name(0), None, "an IPv6 name is no IPv4 one");
    }
}
