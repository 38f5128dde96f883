//! IPv6: `sockaddr_in6` conversion, the IPv6 control messages
//! (`IPV6_PKTINFO`, `IPV6_HOPLIMIT`, `IPV6_TCLASS`, `IPV6_HOPOPTS`),
//! `recvmsg`/`sendmsg` with an IPv6 name, byte-string options and the IPv6
//! entries of `getifaddrs`.
//!
//! The pure parts (addresses, control messages) make no system call and run
//! under Miri; the system calls are Linux-only.

use std::mem::size_of;
use std::net::{Ipv6Addr, SocketAddrV6};

use super::cmsg::{cmsg_len, cmsg_space, messages, write_header, NoRoom};
use crate::control6::{ControlMessage6, MAX_HOPOPTS_LEN};

/// `IPV6_MULTICAST_ALL` (`<linux/in6.h>`; libc lacks it).
pub(crate) const IPV6_MULTICAST_ALL: libc::c_int = 29;
/// `ICMP6_FILTER`, an `IPPROTO_ICMPV6` option of raw ICMPv6 sockets
/// (`<linux/icmpv6.h>`).
pub(crate) const ICMP6_FILTER: libc::c_int = 1;

/// Size of an `in6_pktinfo` (`ipi6_addr`, `ipi6_ifindex`).
pub(crate) const PKTINFO6_LEN: usize = 20;
const _: () = assert!(PKTINFO6_LEN == size_of::<libc::in6_pktinfo>());

const _: () = assert!(
    cmsg_space(PKTINFO6_LEN)
        + 2 * cmsg_space(size_of::<libc::c_int>())
        + cmsg_space(MAX_HOPOPTS_LEN)
        <= super::cmsg::CMSG_BUF_LEN
);

/// A zeroed `sockaddr_in6`.
pub(crate) fn zeroed_sockaddr_in6() -> libc::sockaddr_in6 {
    // SAFETY: `sockaddr_in6` is plain integers; all-zero is a valid value.
    unsafe { std::mem::zeroed() }
}

/// `SocketAddrV6` to `sockaddr_in6` (port and flow info in network order,
/// scope id native).
pub(crate) fn to_sockaddr_in6(addr: SocketAddrV6) -> libc::sockaddr_in6 {
    let mut sa = zeroed_sockaddr_in6();
    sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
    sa.sin6_port = addr.port().to_be();
    sa.sin6_flowinfo = addr.flowinfo().to_be();
    sa.sin6_addr = libc::in6_addr {
        s6_addr: addr.ip().octets(),
    };
    sa.sin6_scope_id = addr.scope_id();
    sa
}

/// `sockaddr_in6` to `SocketAddrV6`; `None` if the family is not `AF_INET6`
/// or `len` (the length the kernel reported) is too short.
pub(crate) fn from_sockaddr_in6(sa: &libc::sockaddr_in6, len: usize) -> Option<SocketAddrV6> {
    if len < size_of::<libc::sockaddr_in6>() || i32::from(sa.sin6_family) != libc::AF_INET6 {
        return None;
    }
    Some(SocketAddrV6::new(
        Ipv6Addr::from(sa.sin6_addr.s6_addr),
        u16::from_be(sa.sin6_port),
        u32::from_be(sa.sin6_flowinfo),
        sa.sin6_scope_id,
    ))
}

/// A `sockaddr_storage` holding `addr` as a `sockaddr_in6` (port 0), as the
/// RFC 3678 `group_req`/`group_source_req` structures want.
pub(crate) fn to_sockaddr_storage6(addr: Ipv6Addr) -> libc::sockaddr_storage {
    // SAFETY: `sockaddr_storage` is plain integers; all-zero is valid.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let sin6 = to_sockaddr_in6(SocketAddrV6::new(addr, 0, 0, 0));
    const _: () = assert!(size_of::<libc::sockaddr_in6>() <= size_of::<libc::sockaddr_storage>());
    // SAFETY: `sockaddr_storage` is larger than and at least as aligned as
    // `sockaddr_in6` (size checked above), so the write stays in bounds and
    // is aligned.
    unsafe { std::ptr::write((&mut ss as *mut libc::sockaddr_storage).cast(), sin6) };
    ss
}

fn read_int(data: &[u8]) -> Option<i32> {
    Some(i32::from_ne_bytes(data.get(..4)?.try_into().ok()?))
}

/// Decodes the IPv6 control messages in a received control buffer, and the
/// drop count (`SO_RXQ_OVFL`) if there is one. Unknown messages are skipped;
/// a short one is ignored. Total: any bytes give a value.
pub(crate) fn decode6(buf: &[u8]) -> (ControlMessage6, Option<u32>) {
    let mut cm = ControlMessage6::default();
    #[cfg_attr(
        not(any(target_os = "linux", target_os = "android")),
        allow(unused_mut)
    )]
    let mut drops = None;
    for (level, ty, data) in messages(buf) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if level == libc::SOL_SOCKET && ty == libc::SO_RXQ_OVFL {
            drops = read_int(data).map(|v| v as u32);
            continue;
        }
        if level != libc::IPPROTO_IPV6 {
            continue;
        }
        match ty {
            // An int in 0..=255 (RFC 3542 §6.3).
            libc::IPV6_HOPLIMIT => {
                cm.hop_limit = read_int(data).and_then(|v| u8::try_from(v).ok());
            }
            // An int in 0..=255 (RFC 3542 §6.5).
            libc::IPV6_TCLASS => {
                cm.traffic_class = read_int(data).and_then(|v| u8::try_from(v).ok());
            }
            // struct in6_pktinfo { in6_addr ipi6_addr; int ipi6_ifindex; }
            libc::IPV6_PKTINFO if data.len() >= PKTINFO6_LEN => {
                let a: [u8; 16] = data[..16].try_into().expect("16 bytes");
                cm.dst = Some(Ipv6Addr::from(a));
                cm.ifindex = read_int(&data[16..]).map(|v| v as u32);
            }
            _ => {}
        }
    }
    (cm, drops)
}

fn push(buf: &mut [u8], at: &mut usize, ty: libc::c_int, data: &[u8]) -> Result<(), NoRoom> {
    let space = cmsg_space(data.len());
    let out = buf.get_mut(*at..*at + space).ok_or(NoRoom)?;
    out.fill(0);
    write_header(out, libc::IPPROTO_IPV6, ty, data.len());
    out[cmsg_len(0)..cmsg_len(data.len())].copy_from_slice(data);
    *at += space;
    Ok(())
}

/// Encodes the send side of `cm` into `buf`: `IPV6_PKTINFO` (source and
/// interface), `IPV6_HOPLIMIT`, `IPV6_TCLASS`, `IPV6_HOPOPTS`, each only
/// when set. Returns the bytes used (0 when there is nothing to send).
pub(crate) fn encode6(cm: &ControlMessage6, buf: &mut [u8]) -> Result<usize, NoRoom> {
    let mut at = 0;
    if cm.src.is_some() || cm.ifindex.is_some() {
        let mut info = [0u8; PKTINFO6_LEN];
        info[..16].copy_from_slice(&cm.src.unwrap_or(Ipv6Addr::UNSPECIFIED).octets());
        info[16..].copy_from_slice(&(cm.ifindex.unwrap_or(0) as i32).to_ne_bytes());
        push(buf, &mut at, libc::IPV6_PKTINFO, &info)?;
    }
    if let Some(h) = cm.hop_limit {
        push(
            buf,
            &mut at,
            libc::IPV6_HOPLIMIT,
            &i32::from(h).to_ne_bytes(),
        )?;
    }
    if let Some(t) = cm.traffic_class {
        push(buf, &mut at, libc::IPV6_TCLASS, &i32::from(t).to_ne_bytes())?;
    }
    if let Some(h) = &cm.hop_by_hop {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        push(buf, &mut at, libc::IPV6_HOPOPTS, h.as_bytes())?;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            let _ = h;
            return Err(NoRoom);
        }
    }
    Ok(at)
}

/// The IPv6 address in a `sockaddr_storage` holding a `sockaddr_in6`.
pub(crate) fn storage_to_v6(ss: &libc::sockaddr_storage) -> Option<Ipv6Addr> {
    if i32::from(ss.ss_family) != libc::AF_INET6 {
        return None;
    }
    // SAFETY: the family says the storage holds a `sockaddr_in6`, which is
    // smaller than and no more aligned than `sockaddr_storage`.
    let sin6 = unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
    Some(Ipv6Addr::from(sin6.sin6_addr.s6_addr))
}

#[cfg(target_os = "linux")]
pub(crate) use self::calls::*;

#[cfg(target_os = "linux")]
mod calls {
    use std::ffi::CStr;
    use std::io;
    use std::mem::size_of;
    use std::net::{Ipv6Addr, SocketAddrV6};
    use std::os::fd::{AsRawFd, BorrowedFd};

    use super::{from_sockaddr_in6, to_sockaddr_in6, zeroed_sockaddr_in6};
    use crate::error::{Error, Result};
    use crate::sys::cmsg::CmsgBuf;
    use crate::sys::linux::Pod;
    use crate::sys::IfAddr6;

    /// One `recvmsg6` result.
    pub(crate) struct RecvOne6 {
        /// Bytes placed in the buffer.
        pub(crate) len: usize,
        /// The datagram's whole length (`MSG_TRUNC` in the flags).
        pub(crate) full_len: usize,
        pub(crate) addr: Option<SocketAddrV6>,
        pub(crate) msg_flags: libc::c_int,
        pub(crate) ctrl_len: usize,
    }

    // SAFETY: integers and C structs made of integers.
    unsafe impl Pod for libc::ipv6_mreq {}
    // SAFETY: as above (the kernel's `struct icmp6_filter`).
    unsafe impl Pod for [u32; 8] {}

    /// `setsockopt` with a byte-string value (`IPV6_HOPOPTS`); an empty
    /// `value` removes the option.
    pub(crate) fn setsockopt_bytes(
        fd: BorrowedFd<'_>,
        level: libc::c_int,
        name: libc::c_int,
        value: &[u8],
        op: &'static str,
    ) -> Result<()> {
        let ptr = if value.is_empty() {
            std::ptr::null()
        } else {
            value.as_ptr()
        };
        // SAFETY: `ptr` is null with length 0, or points to `value.len()`
        // readable bytes for the duration of the call.
        let r = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                level,
                name,
                ptr.cast(),
                value.len() as libc::socklen_t,
            )
        };
        if r == 0 {
            Ok(())
        } else {
            Err(Error::last(op))
        }
    }

    /// `getsockopt` into a byte buffer; returns the length the kernel wrote.
    pub(crate) fn getsockopt_bytes(
        fd: BorrowedFd<'_>,
        level: libc::c_int,
        name: libc::c_int,
        buf: &mut [u8],
        op: &'static str,
    ) -> Result<usize> {
        let mut len = buf.len() as libc::socklen_t;
        // SAFETY: `buf` has room for `len` bytes; the kernel writes at most
        // that many and updates `len`.
        let r = unsafe {
            libc::getsockopt(
                fd.as_raw_fd(),
                level,
                name,
                buf.as_mut_ptr().cast(),
                &mut len,
            )
        };
        if r == 0 {
            Ok((len as usize).min(buf.len()))
        } else {
            Err(Error::last(op))
        }
    }

    /// `recvmsg` on an IPv6 socket: data into `buf`, control data into `ctrl`.
    pub(crate) fn recvmsg6(
        fd: BorrowedFd<'_>,
        buf: &mut [u8],
        ctrl: &mut CmsgBuf,
        flags: libc::c_int,
    ) -> io::Result<RecvOne6> {
        let mut name = zeroed_sockaddr_in6();
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // SAFETY: all-zero msghdr is valid (null pointers, zero lengths).
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_name = (&mut name as *mut libc::sockaddr_in6).cast();
        msg.msg_namelen = size_of::<libc::sockaddr_in6>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctrl.0.as_mut_ptr().cast();
        msg.msg_controllen = ctrl.0.len() as _;
        let n = crate::sys::retry_eintr(|| {
            // SAFETY: every pointer in `msg` points to live, writable memory
            // of the stated length (`name`, `iov` -> `buf`, `ctrl`) for the
            // whole call.
            let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, flags) };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n)
            }
        })?;
        Ok(RecvOne6 {
            len: (n as usize).min(buf.len()),
            full_len: n as usize,
            addr: from_sockaddr_in6(&name, msg.msg_namelen as usize),
            msg_flags: msg.msg_flags,
            ctrl_len: (msg.msg_controllen as usize).min(ctrl.0.len()),
        })
    }

    /// `sendmsg` of `data` to `dst` with control data `ctrl` on an IPv6 socket.
    pub(crate) fn sendmsg6(
        fd: BorrowedFd<'_>,
        data: &[u8],
        dst: SocketAddrV6,
        ctrl: &[u8],
    ) -> io::Result<usize> {
        let mut name = to_sockaddr_in6(dst);
        let mut iov = libc::iovec {
            iov_base: data.as_ptr() as *mut libc::c_void,
            iov_len: data.len(),
        };
        // SAFETY: all-zero msghdr is valid.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_name = (&mut name as *mut libc::sockaddr_in6).cast();
        msg.msg_namelen = size_of::<libc::sockaddr_in6>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        if !ctrl.is_empty() {
            msg.msg_control = ctrl.as_ptr() as *mut libc::c_void;
            msg.msg_controllen = ctrl.len() as _;
        }
        crate::sys::retry_eintr(|| {
            // SAFETY: the kernel only reads through these pointers, which
            // point to live memory of the stated lengths for the whole call.
            let n = unsafe { libc::sendmsg(fd.as_raw_fd(), &msg, 0) };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        })
    }

    fn sockaddr_v6(sa: *const libc::sockaddr) -> Option<libc::sockaddr_in6> {
        if sa.is_null() {
            return None;
        }
        // SAFETY: non-null `ifa_addr`/`ifa_netmask` point to a sockaddr whose
        // family field is readable; for AF_INET6 it is a whole `sockaddr_in6`.
        unsafe {
            if i32::from((*sa).sa_family) != libc::AF_INET6 {
                return None;
            }
            Some(std::ptr::read_unaligned(sa as *const libc::sockaddr_in6))
        }
    }

    /// The IPv6 entries of `getifaddrs`.
    pub(crate) fn getifaddrs6() -> Result<Vec<IfAddr6>> {
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
            if let Some(sa) = sockaddr_v6(ifa.ifa_addr) {
                // SAFETY: as above.
                let name = unsafe { CStr::from_ptr(ifa.ifa_name) }
                    .to_string_lossy()
                    .into_owned();
                let prefix_len = sockaddr_v6(ifa.ifa_netmask).map_or(128, |m| {
                    m.sin6_addr
                        .s6_addr
                        .iter()
                        .map(|b| b.count_ones() as u8)
                        .sum()
                });
                out.push(IfAddr6 {
                    name,
                    addr: Ipv6Addr::from(sa.sin6_addr.s6_addr),
                    prefix_len,
                    scope_id: sa.sin6_scope_id,
                });
            }
            cur = ifa.ifa_next;
        }
        // SAFETY: `head` came from getifaddrs and is freed once; nothing
        // borrowed from the list outlives this point.
        unsafe { libc::freeifaddrs(head) };
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control6::HopByHopOptions;
    use crate::sys::cmsg::CmsgBuf;

    #[test]
    fn sockaddr_in6_round_trip_keeps_port_flow_and_scope() {
        let a = SocketAddrV6::new("fe80::1".parse().unwrap(), 0x1234, 0xabcde, 7);
        let sa = to_sockaddr_in6(a);
        assert_eq!(i32::from(sa.sin6_family), libc::AF_INET6);
        assert_eq!(sa.sin6_port.to_ne_bytes(), [0x12, 0x34]);
        assert_eq!(
            from_sockaddr_in6(&sa, size_of::<libc::sockaddr_in6>()),
            Some(a)
        );
        assert_eq!(from_sockaddr_in6(&sa, 16), None);
        let ss = to_sockaddr_storage6("ff02::16".parse().unwrap());
        assert_eq!(i32::from(ss.ss_family), libc::AF_INET6);
    }

    #[test]
    fn send_side_encodes_and_the_receive_side_decodes_it_back() {
        let cm = ControlMessage6 {
            src: Some("2001:2::1".parse().unwrap()),
            ifindex: Some(9),
            hop_limit: Some(1),
            traffic_class: Some(0xb8),
            hop_by_hop: Some(HopByHopOptions::ROUTER_ALERT_MLD),
            dst: None,
        };
        let mut buf = CmsgBuf::new();
        let n = encode6(&cm, &mut buf.0).unwrap();
        let kinds: Vec<_> = messages(&buf.0[..n]).map(|(l, t, _)| (l, t)).collect();
        let v6 = libc::IPPROTO_IPV6;
        assert_eq!(
            kinds,
            [
                (v6, libc::IPV6_PKTINFO),
                (v6, libc::IPV6_HOPLIMIT),
                (v6, libc::IPV6_TCLASS),
                (v6, libc::IPV6_HOPOPTS)
            ]
        );
        // On receive the pktinfo address is the destination.
        let (got, drops) = decode6(&buf.0[..n]);
        assert_eq!(drops, None);
        assert_eq!(got.dst, cm.src);
        assert_eq!(
            (got.ifindex, got.hop_limit, got.traffic_class),
            (Some(9), Some(1), Some(0xb8))
        );
        // Nothing set: nothing written.
        assert_eq!(encode6(&ControlMessage6::default(), &mut buf.0), Ok(0));
        // A short buffer is refused, not overrun.
        assert_eq!(encode6(&cm, &mut buf.0[..40]), Err(NoRoom));
    }

    #[test]
    fn every_truncation_decodes_without_panicking_and_bad_values_are_dropped() {
        let cm = ControlMessage6 {
            ifindex: Some(3),
            hop_limit: Some(255),
            ..Default::default()
        };
        let mut buf = CmsgBuf::new();
        let n = encode6(&cm, &mut buf.0).unwrap();
        for k in 0..=n {
            let _ = decode6(&buf.0[..k]);
        }
        // A hop limit out of 0..=255 is not one.
        let mut bad = CmsgBuf::new();
        let mut at = 0;
        push(
            &mut bad.0,
            &mut at,
            libc::IPV6_HOPLIMIT,
            &300i32.to_ne_bytes(),
        )
        .unwrap();
        assert_eq!(decode6(&bad.0[..at]).0.hop_limit, None);
    }
}
