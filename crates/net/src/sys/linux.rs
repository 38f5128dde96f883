//! System calls (Linux): socket options socket2 lacks, `recvmsg`/`sendmsg`
//! with control data, `recvmmsg`/`sendmmsg`, interfaces.

use std::ffi::{CStr, CString};
use std::io;
use std::mem::{size_of, MaybeUninit};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::{AsRawFd, BorrowedFd};

use super::addr::{from_sockaddr_in, to_sockaddr_in, zeroed_sockaddr_in};
use super::cmsg::{self, CmsgBuf};
pub(crate) use super::inet6::getifaddrs6;
pub(crate) use super::linux6::{recv_meta6, send6, set_recv_control6};
pub(crate) use super::mmsg::{MmsgRecv, MmsgSend};
pub(crate) use super::msfilter::{get as get_msfilter, set as set_msfilter};
pub(crate) use super::options::{
    device, get_int_option, hop_by_hop_options, icmp6_filter, icmp_filter, set_hop_by_hop_options,
    set_icmp6_filter, set_icmp_filter, set_int_option, set_multicast_interface_index,
};
pub(crate) use super::packet::MmsgFrames;
pub(crate) use super::packet_tx::TxRing;
use super::IfAddr;
pub(crate) use super::{mroute, mroute6, packet};
use crate::control::{drops_if_asked, ControlFlags, ControlMessage, RecvMeta};
use crate::error::{Error, Result};
pub(crate) use libc::MSG_WAITFORONE;

/// Plain-old-data option values: any bit pattern is valid, no padding
/// the kernel could leave uninitialised that we would read.
///
/// # Safety
/// Implementors must be valid for every bit pattern, including all-zero.
pub(crate) unsafe trait Pod: Copy {}
// SAFETY: integers and C structs made of integers.
unsafe impl Pod for libc::c_int {}
// SAFETY: as above.
unsafe impl Pod for u32 {}
// SAFETY: as above.
unsafe impl Pod for libc::in_addr {}
// SAFETY: as above.
unsafe impl Pod for libc::ip_mreqn {}
// SAFETY: as above (u32 + sockaddr_storage, integers only).
unsafe impl Pod for libc::group_req {}
// SAFETY: as above.
unsafe impl Pod for libc::group_source_req {}
// SAFETY: as above.
unsafe impl Pod for [u8; 4] {}

/// `setsockopt(fd, level, name, &value, sizeof value)`.
pub(crate) fn setsockopt<T: Pod>(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
    op: &'static str,
) -> Result<()> {
    // SAFETY: `value` is a valid `T` for reads of `size_of::<T>()` bytes for
    // the duration of the call; `fd` is an open descriptor (BorrowedFd).
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (value as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(Error::last(op))
    }
}

/// `getsockopt(fd, level, name, &value, &len)`, starting from all-zero.
pub(crate) fn getsockopt<T: Pod>(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    op: &'static str,
) -> Result<T> {
    let mut value = MaybeUninit::<T>::zeroed();
    let mut len = size_of::<T>() as libc::socklen_t;
    // SAFETY: `value` has room for `len` bytes; the kernel writes at most
    // `len` bytes and updates `len`.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            value.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if r != 0 {
        return Err(Error::last(op));
    }
    // SAFETY: zero-initialised and `T: Pod`, so valid whatever the kernel
    // wrote (or did not write) into it.
    Ok(unsafe { value.assume_init() })
}

/// One `recvmsg` result.
pub(crate) struct RecvOne {
    /// Bytes placed in the buffer.
    pub(crate) len: usize,
    /// What `recvmsg` returned: with `MSG_TRUNC` in the flags (raw and UDP
    /// sockets), the datagram's whole length even when it did not fit.
    pub(crate) full_len: usize,
    pub(crate) addr: Option<SocketAddrV4>,
    pub(crate) msg_flags: libc::c_int,
    pub(crate) ctrl_len: usize,
}

/// `recvmsg` into `buf`, control data into `ctrl`.
pub(crate) fn recvmsg(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    ctrl: &mut CmsgBuf,
    flags: libc::c_int,
) -> io::Result<RecvOne> {
    let mut name = zeroed_sockaddr_in();
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: all-zero msghdr is valid (null pointers, zero lengths).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = (&mut name as *mut libc::sockaddr_in).cast();
    msg.msg_namelen = size_of::<libc::sockaddr_in>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctrl.0.as_mut_ptr().cast();
    msg.msg_controllen = ctrl.0.len() as _;
    // SAFETY: every pointer in `msg` points to live, writable memory of the
    // stated length (`name`, `iov` -> `buf`, `ctrl`) for the whole call.
    let n = super::retry_eintr(|| {
        // SAFETY: see above.
        let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, flags) };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n)
        }
    })?;
    Ok(RecvOne {
        len: (n as usize).min(buf.len()),
        full_len: n as usize,
        addr: from_sockaddr_in(&name, msg.msg_namelen as usize),
        msg_flags: msg.msg_flags,
        ctrl_len: (msg.msg_controllen as usize).min(ctrl.0.len()),
    })
}

/// `sendmsg` of `bufs` (gathered, not copied) to `dst` with control data `ctrl`.
pub(crate) fn sendmsg(
    fd: BorrowedFd<'_>,
    bufs: &[&[u8]; 2],
    dst: Option<SocketAddrV4>,
    ctrl: &[u8],
    flags: libc::c_int,
) -> io::Result<usize> {
    let mut name = dst.map(to_sockaddr_in);
    let mut iovs = [
        libc::iovec {
            iov_base: bufs[0].as_ptr() as *mut libc::c_void,
            iov_len: bufs[0].len(),
        },
        libc::iovec {
            iov_base: bufs[1].as_ptr() as *mut libc::c_void,
            iov_len: bufs[1].len(),
        },
    ];
    // SAFETY: all-zero msghdr is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    if let Some(name) = name.as_mut() {
        msg.msg_name = (name as *mut libc::sockaddr_in).cast();
        msg.msg_namelen = size_of::<libc::sockaddr_in>() as libc::socklen_t;
    }
    msg.msg_iov = iovs.as_mut_ptr();
    msg.msg_iovlen = if bufs[1].is_empty() { 1 } else { 2 };
    if !ctrl.is_empty() {
        msg.msg_control = ctrl.as_ptr() as *mut libc::c_void;
        msg.msg_controllen = ctrl.len() as _;
    }
    // SAFETY: the kernel only reads through these pointers (sendmsg), and
    // they point to live memory of the stated lengths for the whole call.
    super::retry_eintr(|| {
        // SAFETY: see above.
        let n = unsafe { libc::sendmsg(fd.as_raw_fd(), &msg, flags) };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    })
}

/// `SO_ATTACH_FILTER` with `len` classic BPF instructions at `prog`.
///
/// `prog` must point to `len` `sock_filter`-layout instructions (the caller,
/// `options.rs`, passes a slice of a `#[repr(C)]` struct checked to have the
/// same layout).
pub(crate) fn attach_filter(
    fd: BorrowedFd<'_>,
    prog: &[crate::filter::BpfInstruction],
) -> Result<()> {
    const _: () = assert!(
        size_of::<crate::filter::BpfInstruction>() == size_of::<libc::sock_filter>()
            && std::mem::align_of::<crate::filter::BpfInstruction>()
                == std::mem::align_of::<libc::sock_filter>()
    );
    let len = u16::try_from(prog.len())
        .map_err(|_| Error::invalid("setsockopt(SO_ATTACH_FILTER)", "program too long"))?;
    let fprog = libc::sock_fprog {
        len,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: `fprog` points to `len` instructions with `sock_filter` layout
    // (asserted above: `BpfInstruction` is `#[repr(C)]` with the same fields),
    // alive for the call; the kernel copies them.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            (&fprog as *const libc::sock_fprog).cast(),
            size_of::<libc::sock_fprog>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(Error::last("setsockopt(SO_ATTACH_FILTER)"))
    }
}

/// `if_nametoindex`.
pub(crate) fn if_nametoindex(name: &str) -> Result<u32> {
    let c = CString::new(name)
        .map_err(|_| Error::invalid("if_nametoindex", "interface name contains NUL"))?;
    // SAFETY: `c` is a valid NUL-terminated string for the call.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if i == 0 {
        Err(Error::last("if_nametoindex"))
    } else {
        Ok(i)
    }
}

/// `if_indextoname`.
pub(crate) fn if_indextoname(index: u32) -> Result<String> {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: `buf` has the IF_NAMESIZE bytes the call may write.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if p.is_null() {
        return Err(Error::last("if_indextoname"));
    }
    // SAFETY: on success the kernel wrote a NUL-terminated name into `buf`.
    let name = unsafe { CStr::from_ptr(buf.as_ptr()) };
    Ok(name.to_string_lossy().into_owned())
}

fn sockaddr_v4(sa: *const libc::sockaddr) -> Option<Ipv4Addr> {
    if sa.is_null() {
        return None;
    }
    // SAFETY: non-null `ifa_addr`/`ifa_netmask` point to a sockaddr whose
    // family field is readable; for AF_INET it is a whole `sockaddr_in`.
    unsafe {
        if i32::from((*sa).sa_family) != libc::AF_INET {
            return None;
        }
        let sin = &*(sa as *const libc::sockaddr_in);
        Some(super::addr::from_in_addr(sin.sin_addr))
    }
}

/// `getifaddrs`: every interface entry (one per address; entries of other
/// families come with `addr: None`).
pub(crate) fn getifaddrs() -> Result<Vec<IfAddr>> {
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: `head` is a valid out-pointer.
    if unsafe { libc::getifaddrs(&mut head) } != 0 {
        return Err(Error::last("getifaddrs"));
    }
    let mut out = Vec::new();
    let mut cur = head;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getifaddrs returned, valid
        // until freeifaddrs below; `ifa_name` is a NUL-terminated string.
        let ifa = unsafe { &*cur };
        let name = unsafe { CStr::from_ptr(ifa.ifa_name) }
            .to_string_lossy()
            .into_owned();
        out.push(IfAddr {
            name,
            flags: ifa.ifa_flags,
            addr: sockaddr_v4(ifa.ifa_addr),
            netmask: sockaddr_v4(ifa.ifa_netmask),
        });
        cur = ifa.ifa_next;
    }
    // SAFETY: `head` came from getifaddrs and is freed once; no reference
    // into the list outlives this point (names were copied).
    unsafe { libc::freeifaddrs(head) };
    Ok(out)
}

/// MTU of interface `name` (`SIOCGIFMTU` on a throwaway datagram socket in
/// the calling thread's network namespace).
pub(crate) fn interface_mtu(name: &str) -> Result<u32> {
    let bytes = name.as_bytes();
    if bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return Err(Error::invalid("ioctl(SIOCGIFMTU)", "bad interface name"));
    }
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)
        .map_err(|e| Error::new("socket(AF_INET, SOCK_DGRAM)", e))?;
    // SAFETY: all-zero ifreq is valid (name all NUL, union zero).
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in req.ifr_name.iter_mut().zip(bytes) {
        *d = *s as libc::c_char;
    }
    // SAFETY: `req` is a valid ifreq with a NUL-terminated name; SIOCGIFMTU
    // writes `ifru_mtu` within it.
    let r = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFMTU as _, &mut req) };
    if r != 0 {
        return Err(Error::last("ioctl(SIOCGIFMTU)"));
    }
    // SAFETY: SIOCGIFMTU succeeded, so the union holds `ifru_mtu`.
    Ok(unsafe { req.ifr_ifru.ifru_mtu } as u32)
}

/// Switches the IPv4 receive control messages for the flags in `changed`
/// on or off (`IP_RECVTTL`, `IP_RECVTOS`, `SO_RXQ_OVFL`); `IP_PKTINFO`,
/// which `DST` and `INTERFACE` share, is set to what `new` (the flags after
/// the change) needs.
pub(crate) fn set_recv_control(
    fd: BorrowedFd<'_>,
    changed: ControlFlags,
    new: ControlFlags,
    on: bool,
) -> Result<()> {
    let set = |level: libc::c_int, name: libc::c_int, op: &'static str, v: bool| {
        setsockopt(fd, level, name, &libc::c_int::from(v), op)
    };
    if changed.contains(ControlFlags::TTL) {
        set(
            libc::IPPROTO_IP,
            libc::IP_RECVTTL,
            "setsockopt(IP_RECVTTL)",
            on,
        )?;
    }
    if changed.contains(ControlFlags::TOS) {
        set(
            libc::IPPROTO_IP,
            libc::IP_RECVTOS,
            "setsockopt(IP_RECVTOS)",
            on,
        )?;
    }
    if changed.contains(ControlFlags::DROPS) {
        set(
            libc::SOL_SOCKET,
            libc::SO_RXQ_OVFL,
            "setsockopt(SO_RXQ_OVFL)",
            on,
        )?;
    }
    let pkt = ControlFlags::DST | ControlFlags::INTERFACE;
    if changed.intersects(pkt) {
        set(
            libc::IPPROTO_IP,
            libc::IP_PKTINFO,
            "setsockopt(IP_PKTINFO)",
            new.intersects(pkt),
        )?;
    }
    Ok(())
}

/// One `recvmsg` into `buf` with `recv_flags`, its control data decoded
/// and kept to what `flags` asked for.
pub(crate) fn recv_meta(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    recv_flags: libc::c_int,
    flags: ControlFlags,
) -> Result<RecvMeta> {
    let mut ctrl = CmsgBuf::new();
    let r = recvmsg(fd, buf, &mut ctrl, recv_flags).map_err(|e| Error::new("recvmsg", e))?;
    let (cm, drops) = cmsg::decode_with_drops(&ctrl.0[..r.ctrl_len]);
    Ok(RecvMeta {
        len: r.len,
        orig_len: r.full_len,
        src: r
            .addr
            .unwrap_or(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)),
        cm: cm.filtered(flags),
        truncated: r.msg_flags & libc::MSG_TRUNC != 0,
        ctrl_truncated: r.msg_flags & libc::MSG_CTRUNC != 0,
        drops: drops_if_asked(flags, drops),
    })
}

/// One `sendmsg` of `parts` gathered (not copied), with `cm`'s send side.
pub(crate) fn send_parts(
    fd: BorrowedFd<'_>,
    parts: &[&[u8]; 2],
    dst: Option<SocketAddrV4>,
    cm: Option<&ControlMessage>,
) -> Result<usize> {
    let mut ctrl = CmsgBuf::new();
    let n = match cm {
        Some(cm) => cmsg::encode(cm, &mut ctrl.0)
            .map_err(|_| Error::invalid("sendmsg", "control message does not fit the buffer"))?,
        None => 0,
    };
    sendmsg(fd, parts, dst, &ctrl.0[..n], 0).map_err(|e| Error::new("sendmsg", e))
}

/// `setsockopt(SO_DETACH_FILTER)`.
pub(crate) fn detach_filter(fd: BorrowedFd<'_>) -> Result<()> {
    socket2::SockRef::from(&fd)
        .detach_filter()
        .map_err(|e| Error::new("setsockopt(SO_DETACH_FILTER)", e))
}

/// `setsockopt(SO_BINDTODEVICE)` to `name`, or unbound with `None`.
pub(crate) fn bind_to_device(fd: BorrowedFd<'_>, name: Option<&str>) -> Result<()> {
    socket2::SockRef::from(&fd)
        .bind_device(name.map(str::as_bytes))
        .map_err(|e| Error::new("setsockopt(SO_BINDTODEVICE)", e))
}

/// `setsockopt(SO_RCVBUFFORCE)`; `EPERM` (no `CAP_NET_ADMIN`) is not an
/// error: the size `SO_RCVBUF` got stays.
pub(crate) fn force_recv_buffer_size(fd: BorrowedFd<'_>, size: usize) -> Result<()> {
    let v = libc::c_int::try_from(size).unwrap_or(libc::c_int::MAX);
    match setsockopt(
        fd,
        libc::SOL_SOCKET,
        super::SO_RCVBUFFORCE,
        &v,
        "setsockopt(SO_RCVBUFFORCE)",
    ) {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => Ok(()),
        r => r,
    }
}

/// The `sockaddr_storage` of `addr` and the option level of its family.
fn group_addr(addr: std::net::IpAddr) -> (libc::c_int, libc::sockaddr_storage) {
    match addr {
        std::net::IpAddr::V4(a) => (libc::IPPROTO_IP, super::addr::to_sockaddr_storage(a)),
        std::net::IpAddr::V6(a) => (libc::IPPROTO_IPV6, super::inet6::to_sockaddr_storage6(a)),
    }
}

/// An RFC 3678 `group_req` option at the group's family's level.
pub(crate) fn group_req(
    fd: BorrowedFd<'_>,
    name: libc::c_int,
    op: &'static str,
    ifindex: u32,
    group: std::net::IpAddr,
) -> Result<()> {
    let (level, gr_group) = group_addr(group);
    let req = libc::group_req {
        gr_interface: ifindex,
        gr_group,
    };
    setsockopt(fd, level, name, &req, op)
}

/// An RFC 3678 `group_source_req` option at the group's family's level.
pub(crate) fn group_source_req(
    fd: BorrowedFd<'_>,
    name: libc::c_int,
    op: &'static str,
    ifindex: u32,
    group: std::net::IpAddr,
    source: std::net::IpAddr,
) -> Result<()> {
    let (level, gsr_group) = group_addr(group);
    let req = libc::group_source_req {
        gsr_interface: ifindex,
        gsr_group,
        gsr_source: group_addr(source).1,
    };
    setsockopt(fd, level, name, &req, op)
}

/// An `AF_PACKET`/`SOCK_RAW` socket sending whole frames of EtherType
/// `protocol` out of interface `name`, bypassing its queueing discipline:
/// the socket (bound with protocol 0, so it receives nothing), the
/// interface's index and MAC address, and `sendmmsg` arrays for `count`
/// frames.
pub(crate) fn frame_sender(
    name: &str,
    protocol: u16,
    count: usize,
) -> Result<(socket2::Socket, u32, [u8; 6], MmsgFrames)> {
    use super::packet;
    use std::os::fd::AsFd;
    let ifindex = if_nametoindex(name)?;
    let sock = packet::socket(true)?;
    let fd = sock.as_fd();
    packet::bind(fd, ifindex, 0)?;
    packet::set_qdisc_bypass(fd)?;
    let mac = packet::hwaddr(fd, name)?;
    Ok((
        sock,
        ifindex,
        mac,
        MmsgFrames::new(ifindex, protocol, count),
    ))
}
