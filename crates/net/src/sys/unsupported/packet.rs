//! The `AF_PACKET` calls of `sys::packet` (the tap's socket, its options,
//! the `TPACKET_V3` ring and the `recvmmsg` fallback), for other systems:
//! the same signatures, each call failing with an `Unsupported` error that
//! names it. No socket opens ([`socket`] fails first), so the ring has no
//! values and the `recvmmsg` arrays hold nothing.

use std::io;
use std::os::fd::BorrowedFd;
use std::time::Duration;

pub(crate) use super::super::Ready;
use crate::error::{Error, Result};

/// `PACKET_MR_ALLMULTI` (no such membership here).
pub(crate) const PACKET_MR_ALLMULTI: libc::c_int = 0;
/// `PACKET_MR_PROMISC` (no such membership here).
pub(crate) const PACKET_MR_PROMISC: libc::c_int = 1;

/// `socket(AF_PACKET, …)`: unsupported here.
pub(crate) fn socket(raw: bool) -> Result<socket2::Socket> {
    Err(Error::unsupported(if raw {
        "socket(AF_PACKET, SOCK_RAW)"
    } else {
        "socket(AF_PACKET, SOCK_DGRAM)"
    }))
}

/// `bind` of an `AF_PACKET` socket: unsupported here.
pub(crate) fn bind(_fd: BorrowedFd<'_>, _ifindex: u32, _protocol: u16) -> Result<()> {
    Err(Error::unsupported("bind(AF_PACKET)"))
}

/// `PACKET_ADD_MEMBERSHIP`: unsupported here.
pub(crate) fn add_membership(
    _fd: BorrowedFd<'_>,
    _ifindex: u32,
    _mr_type: libc::c_int,
) -> Result<()> {
    Err(Error::unsupported("setsockopt(PACKET_ADD_MEMBERSHIP)"))
}

/// `PACKET_VERSION` = `TPACKET_V3`: unsupported here.
pub(crate) fn set_tpacket_v3(_fd: BorrowedFd<'_>) -> Result<()> {
    Err(Error::unsupported("setsockopt(PACKET_VERSION, TPACKET_V3)"))
}

/// `SO_TIMESTAMPNS` on a packet socket: unsupported here.
pub(crate) fn set_timestamps(_fd: BorrowedFd<'_>) -> Result<()> {
    Err(Error::unsupported("setsockopt(SO_TIMESTAMPNS)"))
}

/// `PACKET_STATISTICS`: unsupported here.
pub(crate) fn statistics(_fd: BorrowedFd<'_>) -> Result<(u32, u32, u32)> {
    Err(Error::unsupported("getsockopt(PACKET_STATISTICS)"))
}

/// `poll` of a packet socket: unsupported here.
pub(crate) fn poll_in(_fd: BorrowedFd<'_>, _timeout: Option<Duration>) -> io::Result<Ready> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "not supported on this operating system",
    ))
}

/// Whether interface `ifindex` exists: there is no packet socket to ask
/// through here, so no.
pub(crate) fn interface_exists(_fd: BorrowedFd<'_>, _ifindex: u32) -> bool {
    false
}

/// A `TPACKET_V3` receive ring: none can be set up here, so this type has
/// no values.
pub(crate) enum Ring {}

impl Ring {
    /// `PACKET_RX_RING`: unsupported here.
    pub(crate) fn new(
        _fd: BorrowedFd<'_>,
        _block_size: usize,
        _block_nr: usize,
        _frame_size: usize,
        _retire: Duration,
    ) -> Result<Ring> {
        Err(Error::unsupported("setsockopt(PACKET_RX_RING)"))
    }

    /// Never called: there is no value to call it on.
    pub(crate) fn blocks(&self) -> usize {
        match *self {}
    }

    /// Never called: there is no value to call it on.
    pub(crate) fn block(&self, _i: usize) -> Option<&[u8]> {
        match *self {}
    }

    /// Never called: there is no value to call it on.
    pub(crate) fn release(&mut self, _i: usize) {
        match *self {}
    }
}

/// The `recvmmsg` arrays of a packet socket: empty here, and [`recv`](Self::recv)
/// fails like every other call.
#[derive(Debug)]
pub(crate) struct MmsgLl;

impl MmsgLl {
    /// No arrays.
    pub(crate) fn new(_count: usize) -> MmsgLl {
        MmsgLl
    }

    /// `recvmmsg(AF_PACKET)`: unsupported here.
    pub(crate) fn recv(
        &mut self,
        _fd: BorrowedFd<'_>,
        _arena: &mut [u8],
        _slot: usize,
        _n: usize,
    ) -> io::Result<usize> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "not supported on this operating system",
        ))
    }

    /// Nothing was received: zero bytes, not cut.
    pub(crate) fn len(&self, _i: usize) -> (usize, bool) {
        (0, false)
    }

    /// Nothing was received: an all-zero `sockaddr_ll`.
    pub(crate) fn name(&self, _i: usize) -> [u8; crate::tap::block::SOCKADDR_LL_LEN] {
        [0; crate::tap::block::SOCKADDR_LL_LEN]
    }

    /// Nothing was received: no timestamp.
    pub(crate) fn timestamp(&self, _i: usize) -> Option<(i64, u32)> {
        None
    }
}
