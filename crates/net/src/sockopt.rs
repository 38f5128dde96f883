//! The socket options that do not depend on the address family, written
//! once for both families' traits ([`IpOptions`](crate::IpOptions) and
//! [`DatagramOptions`](crate::DatagramOptions), [`Ipv6Options`](crate::Ipv6Options)
//! and [`Datagram6Options`](crate::Datagram6Options)): blocking mode,
//! timeouts, classic BPF, `SO_REUSEADDR`, device binding, receive buffers,
//! and the RFC 3678 group requests (`MCAST_JOIN_GROUP`...), which differ
//! only in the level and the address.
//!
//! The traits keep their methods (and their doc comments, which say what
//! the kernel does for each family); their bodies call these.

use std::net::IpAddr;
use std::os::fd::BorrowedFd;
use std::time::Duration;

use socket2::SockRef;

use crate::error::{Error, Result};
use crate::filter::BpfInstruction;
use crate::sys;

fn sock<'a>(fd: &'a BorrowedFd<'_>) -> SockRef<'a> {
    SockRef::from(fd)
}

/// `fcntl(O_NONBLOCK)`.
pub(crate) fn set_nonblocking(fd: BorrowedFd<'_>, on: bool) -> Result<()> {
    sock(&fd)
        .set_nonblocking(on)
        .map_err(|e| Error::new("fcntl(O_NONBLOCK)", e))
}

/// `getsockopt(SO_RCVTIMEO)`.
pub(crate) fn read_timeout(fd: BorrowedFd<'_>) -> Result<Option<Duration>> {
    sock(&fd)
        .read_timeout()
        .map_err(|e| Error::new("getsockopt(SO_RCVTIMEO)", e))
}

/// `setsockopt(SO_RCVTIMEO)`.
pub(crate) fn set_read_timeout(fd: BorrowedFd<'_>, timeout: Option<Duration>) -> Result<()> {
    sock(&fd)
        .set_read_timeout(timeout)
        .map_err(|e| Error::new("setsockopt(SO_RCVTIMEO)", e))
}

/// `setsockopt(SO_ATTACH_FILTER)`.
pub(crate) fn attach_filter(fd: BorrowedFd<'_>, program: &[BpfInstruction]) -> Result<()> {
    sys::os::attach_filter(fd, program)
}

/// `setsockopt(SO_DETACH_FILTER)`.
pub(crate) fn detach_filter(fd: BorrowedFd<'_>) -> Result<()> {
    sys::os::detach_filter(fd)
}

/// `getsockopt(SO_REUSEADDR)`.
pub(crate) fn reuse_address(fd: BorrowedFd<'_>) -> Result<bool> {
    sock(&fd)
        .reuse_address()
        .map_err(|e| Error::new("getsockopt(SO_REUSEADDR)", e))
}

/// `setsockopt(SO_REUSEADDR)`.
pub(crate) fn set_reuse_address(fd: BorrowedFd<'_>, on: bool) -> Result<()> {
    sock(&fd)
        .set_reuse_address(on)
        .map_err(|e| Error::new("setsockopt(SO_REUSEADDR)", e))
}

/// `setsockopt(SO_BINDTODEVICE)`.
pub(crate) fn bind_to_device(fd: BorrowedFd<'_>, name: Option<&str>) -> Result<()> {
    sys::os::bind_to_device(fd, name)
}

/// `getsockopt(SO_RCVBUF)`.
pub(crate) fn recv_buffer_size(fd: BorrowedFd<'_>) -> Result<usize> {
    sock(&fd)
        .recv_buffer_size()
        .map_err(|e| Error::new("getsockopt(SO_RCVBUF)", e))
}

/// `setsockopt(SO_RCVBUF)`; when the kernel capped it below `size`,
/// `SO_RCVBUFFORCE` (needs `CAP_NET_ADMIN`; refused, the capped size stays).
pub(crate) fn set_recv_buffer_size(fd: BorrowedFd<'_>, size: usize) -> Result<()> {
    sock(&fd)
        .set_recv_buffer_size(size)
        .map_err(|e| Error::new("setsockopt(SO_RCVBUF)", e))?;
    if recv_buffer_size(fd)? < size {
        sys::os::force_recv_buffer_size(fd, size)?;
    }
    Ok(())
}

/// An RFC 3678 `group_req` (`MCAST_JOIN_GROUP`, `MCAST_LEAVE_GROUP`) at
/// `level` (`IPPROTO_IP` or `IPPROTO_IPV6`, by the group's family); the
/// error names the group and the interface.
pub(crate) fn group_req(
    fd: BorrowedFd<'_>,
    name: libc::c_int,
    op: &'static str,
    ifindex: u32,
    group: IpAddr,
) -> Result<()> {
    sys::os::group_req(fd, name, op, ifindex, group)
        .map_err(|e| e.with_object(format!("group {group}, ifindex {ifindex}")))
}

/// An RFC 3678 `group_source_req` (`MCAST_JOIN_SOURCE_GROUP`,
/// `MCAST_BLOCK_SOURCE`...); the error names the group, the source and the
/// interface.
pub(crate) fn group_source_req(
    fd: BorrowedFd<'_>,
    name: libc::c_int,
    op: &'static str,
    ifindex: u32,
    group: IpAddr,
    source: IpAddr,
) -> Result<()> {
    sys::os::group_source_req(fd, name, op, ifindex, group, source)
        .map_err(|e| e.with_object(format!("group {group}, source {source}, ifindex {ifindex}")))
}
