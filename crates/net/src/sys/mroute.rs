//! The multicast-routing socket's ABI (`<linux/mroute.h>`): the `MRT_*`
//! option numbers and `struct vifctl` (`struct igmpmsg` is read in
//! `crate::mroute` without unsafe code). libc has
//! none of them, so they are written out here from the kernel's UAPI header.

use std::mem::size_of;
use std::os::fd::BorrowedFd;

use super::linux::{setsockopt, Pod};
use crate::error::{Error, Result};

/// `MRT_BASE`: the first multicast-routing option number.
const MRT_BASE: libc::c_int = 200;
/// `MRT_INIT`: make this raw IGMP socket the namespace's multicast-routing socket.
pub(crate) const MRT_INIT: libc::c_int = MRT_BASE;
/// `MRT_DONE`: give the multicast-routing socket up.
pub(crate) const MRT_DONE: libc::c_int = MRT_BASE + 1;
/// `MRT_ADD_VIF`: add a virtual interface.
pub(crate) const MRT_ADD_VIF: libc::c_int = MRT_BASE + 2;
/// `MRT_DEL_VIF`: delete a virtual interface.
pub(crate) const MRT_DEL_VIF: libc::c_int = MRT_BASE + 3;

/// `VIFF_USE_IFINDEX`: `vifc_lcl_ifindex` names the interface, not an address.
pub(crate) const VIFF_USE_IFINDEX: u8 = 0x8;

/// `struct vifctl`, with the `vifc_lcl_addr`/`vifc_lcl_ifindex` union
/// written as its `int` member (we always set `VIFF_USE_IFINDEX`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct VifCtl {
    /// `vifc_vifi`: the VIF number.
    pub(crate) vifi: u16,
    /// `vifc_flags`: `VIFF_*`.
    pub(crate) flags: u8,
    /// `vifc_threshold`: minimum TTL to forward.
    pub(crate) threshold: u8,
    /// `vifc_rate_limit`: not implemented by Linux.
    pub(crate) rate_limit: u32,
    /// `vifc_lcl_ifindex` (the union).
    pub(crate) lcl_ifindex: libc::c_int,
    /// `vifc_rmt_addr`: tunnel peer, unused for a plain interface.
    pub(crate) rmt_addr: u32,
}

// The layout of <linux/mroute.h>: 2 + 1 + 1 + 4 + 4 + 4 bytes, no padding.
const _: () = assert!(size_of::<VifCtl>() == 16);

// SAFETY: integers only, no padding (asserted
// above): valid for every bit pattern.
unsafe impl Pod for VifCtl {}

/// `setsockopt(IPPROTO_IP, MRT_INIT, 1)`.
/// `EADDRINUSE` (another socket holds it) gets its own message, see
/// [`Error::is_mroute_in_use`](crate::Error::is_mroute_in_use).
pub(crate) fn mrt_init(fd: BorrowedFd<'_>) -> Result<()> {
    setsockopt(fd, libc::IPPROTO_IP, MRT_INIT, &1, "setsockopt(MRT_INIT)").map_err(|e| {
        Error::mrt_init(std::io::Error::from_raw_os_error(
            e.raw_os_error().unwrap_or(0),
        ))
    })
}

/// `setsockopt(IPPROTO_IP, MRT_DONE)`.
pub(crate) fn mrt_done(fd: BorrowedFd<'_>) -> Result<()> {
    setsockopt(fd, libc::IPPROTO_IP, MRT_DONE, &1, "setsockopt(MRT_DONE)")
}

/// `setsockopt(IPPROTO_IP, MRT_ADD_VIF)` for interface `ifindex` as VIF `vifi`.
pub(crate) fn add_vif(fd: BorrowedFd<'_>, vifi: u16, ifindex: u32, threshold: u8) -> Result<()> {
    let ctl = VifCtl {
        vifi,
        flags: VIFF_USE_IFINDEX,
        threshold,
        rate_limit: 0,
        lcl_ifindex: ifindex as libc::c_int,
        rmt_addr: 0,
    };
    setsockopt(
        fd,
        libc::IPPROTO_IP,
        MRT_ADD_VIF,
        &ctl,
        "setsockopt(MRT_ADD_VIF)",
    )
}

/// `setsockopt(IPPROTO_IP, MRT_DEL_VIF)` of VIF `vifi`.
pub(crate) fn del_vif(fd: BorrowedFd<'_>, vifi: u16) -> Result<()> {
    let ctl = VifCtl {
        vifi,
        ..VifCtl::default()
    };
    setsockopt(
        fd,
        libc::IPPROTO_IP,
        MRT_DEL_VIF,
        &ctl,
        "setsockopt(MRT_DEL_VIF)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vifctl_has_the_kernel_layout() {
        assert_eq!(std::mem::offset_of!(VifCtl, vifi), 0);
        assert_eq!(std::mem::offset_of!(VifCtl, flags), 2);
        assert_eq!(std::mem::offset_of!(VifCtl, threshold), 3);
        assert_eq!(std::mem::offset_of!(VifCtl, rate_limit), 4);
        assert_eq!(std::mem::offset_of!(VifCtl, lcl_ifindex), 8);
        assert_eq!(std::mem::offset_of!(VifCtl, rmt_addr), 12);
    }
}
