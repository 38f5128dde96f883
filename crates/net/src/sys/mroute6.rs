//! The IPv6 multicast-routing socket's ABI (`<linux/mroute6.h>`): the
//! `MRT6_*` option numbers (the same as `MRT_*`, at level `IPPROTO_IPV6`),
//! `struct mif6ctl` and `struct mf6cctl` (`struct mrt6msg` is read in
//! `crate::mroute6` without unsafe code). libc has none of them, so they are
//! written out here from the kernel's UAPI header.

use std::mem::size_of;
use std::net::Ipv6Addr;
use std::os::fd::BorrowedFd;

use super::inet6::{to_sockaddr_in6, zeroed_sockaddr_in6};
use super::linux::{getsockopt, setsockopt, Pod};
use crate::error::{Error, Result};

const MRT6_BASE: libc::c_int = 200;
/// `MRT6_INIT`: make this raw ICMPv6 socket the namespace's IPv6
/// multicast-routing socket.
pub(crate) const MRT6_INIT: libc::c_int = MRT6_BASE;
/// `MRT6_DONE`: give the role up.
pub(crate) const MRT6_DONE: libc::c_int = MRT6_BASE + 1;
/// `MRT6_ADD_MIF`: add a multicast interface.
pub(crate) const MRT6_ADD_MIF: libc::c_int = MRT6_BASE + 2;
/// `MRT6_DEL_MIF`: delete a multicast interface.
pub(crate) const MRT6_DEL_MIF: libc::c_int = MRT6_BASE + 3;
/// `MRT6_ADD_MFC`: add (or replace) a forwarding cache entry.
pub(crate) const MRT6_ADD_MFC: libc::c_int = MRT6_BASE + 4;
/// `MRT6_DEL_MFC`: delete a forwarding cache entry.
pub(crate) const MRT6_DEL_MFC: libc::c_int = MRT6_BASE + 5;
/// `MRT6_VERSION` (getsockopt only).
pub(crate) const MRT6_VERSION: libc::c_int = MRT6_BASE + 6;
/// `MRT6_ASSERT`: report data arriving on the wrong MIF.
pub(crate) const MRT6_ASSERT: libc::c_int = MRT6_BASE + 7;
/// `MRT6_PIM`: PIM mode.
pub(crate) const MRT6_PIM: libc::c_int = MRT6_BASE + 8;
/// `MRT6_TABLE`: which routing table the socket serves (before `MRT6_INIT`).
pub(crate) const MRT6_TABLE: libc::c_int = MRT6_BASE + 9;
/// `MRT6_FLUSH`: delete entries and/or MIFs (`MRT6_FLUSH_*` bits, the same
/// values as `MRT_FLUSH_*`).
pub(crate) const MRT6_FLUSH: libc::c_int = MRT6_BASE + 12;

/// `struct mif6ctl`, with the two bytes of padding before
/// `vifc_rate_limit` made an explicit field.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Mif6Ctl {
    /// `mif6c_mifi`: the MIF number.
    pub(crate) mifi: u16,
    /// `mif6c_flags`: `MIFF_REGISTER` or 0.
    pub(crate) flags: u8,
    /// `vifc_threshold`: hop-limit threshold.
    pub(crate) threshold: u8,
    /// `mif6c_pifi`: the physical interface's index.
    pub(crate) pifi: u16,
    pub(crate) pad: u16,
    /// `vifc_rate_limit`: not implemented by Linux.
    pub(crate) rate_limit: u32,
}
const _: () = assert!(size_of::<Mif6Ctl>() == 12);
// SAFETY: integers only, padding explicit: valid for every bit pattern.
unsafe impl Pod for Mif6Ctl {}

/// `struct mf6cctl`: origin and group as `sockaddr_in6`, the incoming MIF,
/// two bytes of padding (explicit), and the outgoing MIFs as an `if_set`
/// (256 bits).
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct Mf6cCtl {
    pub(crate) origin: libc::sockaddr_in6,
    pub(crate) group: libc::sockaddr_in6,
    pub(crate) parent: u16,
    pub(crate) pad: u16,
    pub(crate) ifset: [u32; 8],
}
const _: () = assert!(size_of::<Mf6cCtl>() == 92);
// SAFETY: integers and C structs of integers (sockaddr_in6 has no padding),
// padding explicit: valid for every bit pattern.
unsafe impl Pod for Mf6cCtl {}

fn int(fd: BorrowedFd<'_>, name: libc::c_int, v: libc::c_int, op: &'static str) -> Result<()> {
    setsockopt(fd, libc::IPPROTO_IPV6, name, &v, op)
}

/// `setsockopt(IPPROTO_IPV6, name, int)` for the `int` options.
pub(crate) fn set_int(
    fd: BorrowedFd<'_>,
    name: libc::c_int,
    value: libc::c_int,
    op: &'static str,
) -> Result<()> {
    int(fd, name, value, op)
}

/// `getsockopt(IPPROTO_IPV6, name)` for the `int` options.
pub(crate) fn get_int(
    fd: BorrowedFd<'_>,
    name: libc::c_int,
    op: &'static str,
) -> Result<libc::c_int> {
    getsockopt(fd, libc::IPPROTO_IPV6, name, op)
}

/// `MRT6_INIT`; `EADDRINUSE` gets the in-use hint.
pub(crate) fn mrt6_init(fd: BorrowedFd<'_>) -> Result<()> {
    int(fd, MRT6_INIT, 1, "setsockopt(MRT6_INIT)").map_err(|e| {
        Error::mrt6_init(std::io::Error::from_raw_os_error(
            e.raw_os_error().unwrap_or(0),
        ))
    })
}

/// `MRT6_DONE`.
pub(crate) fn mrt6_done(fd: BorrowedFd<'_>) -> Result<()> {
    int(fd, MRT6_DONE, 1, "setsockopt(MRT6_DONE)")
}

/// `MRT6_ADD_MIF` of interface `ifindex` as MIF `mifi`.
pub(crate) fn add_mif(fd: BorrowedFd<'_>, mifi: u16, ifindex: u16) -> Result<()> {
    let ctl = Mif6Ctl {
        mifi,
        threshold: 1,
        pifi: ifindex,
        ..Mif6Ctl::default()
    };
    setsockopt(
        fd,
        libc::IPPROTO_IPV6,
        MRT6_ADD_MIF,
        &ctl,
        "setsockopt(MRT6_ADD_MIF)",
    )
}

/// `MRT6_DEL_MIF` of MIF `mifi` (the kernel reads a bare `mifi_t`).
pub(crate) fn del_mif(fd: BorrowedFd<'_>, mifi: u16) -> Result<()> {
    setsockopt(
        fd,
        libc::IPPROTO_IPV6,
        MRT6_DEL_MIF,
        &mifi,
        "setsockopt(MRT6_DEL_MIF)",
    )
}

fn mfc(origin: Ipv6Addr, group: Ipv6Addr, parent: u16, ifset: [u32; 8]) -> Mf6cCtl {
    let sa = |a| to_sockaddr_in6(std::net::SocketAddrV6::new(a, 0, 0, 0));
    let mut ctl = Mf6cCtl {
        origin: zeroed_sockaddr_in6(),
        group: zeroed_sockaddr_in6(),
        parent,
        pad: 0,
        ifset,
    };
    ctl.origin = sa(origin);
    ctl.group = sa(group);
    ctl
}

/// `MRT6_ADD_MFC`: (`origin`, `group`) from MIF `parent` out of the MIFs
/// whose bits are set in `ifset`.
pub(crate) fn add_mfc(
    fd: BorrowedFd<'_>,
    origin: Ipv6Addr,
    group: Ipv6Addr,
    parent: u16,
    ifset: [u32; 8],
) -> Result<()> {
    let ctl = mfc(origin, group, parent, ifset);
    setsockopt(
        fd,
        libc::IPPROTO_IPV6,
        MRT6_ADD_MFC,
        &ctl,
        "setsockopt(MRT6_ADD_MFC)",
    )
}

/// `MRT6_DEL_MFC` of the entry for (`origin`, `group`) arriving on `parent`.
pub(crate) fn del_mfc(
    fd: BorrowedFd<'_>,
    origin: Ipv6Addr,
    group: Ipv6Addr,
    parent: u16,
) -> Result<()> {
    let ctl = mfc(origin, group, parent, [0; 8]);
    setsockopt(
        fd,
        libc::IPPROTO_IPV6,
        MRT6_DEL_MFC,
        &ctl,
        "setsockopt(MRT6_DEL_MFC)",
    )
}

// SAFETY: an integer.
unsafe impl Pod for u16 {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mif6ctl_and_mf6cctl_have_the_kernel_layout() {
        assert_eq!(std::mem::offset_of!(Mif6Ctl, flags), 2);
        assert_eq!(std::mem::offset_of!(Mif6Ctl, threshold), 3);
        assert_eq!(std::mem::offset_of!(Mif6Ctl, pifi), 4);
        assert_eq!(std::mem::offset_of!(Mif6Ctl, rate_limit), 8);
        assert_eq!(std::mem::offset_of!(Mf6cCtl, group), 28);
        assert_eq!(std::mem::offset_of!(Mf6cCtl, parent), 56);
        assert_eq!(std::mem::offset_of!(Mf6cCtl, ifset), 60);
    }
}
