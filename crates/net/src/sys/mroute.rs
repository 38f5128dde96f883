//! The multicast-routing socket's ABI (`<linux/mroute.h>`): the `MRT_*`
//! option numbers, `struct vifctl` and `struct mfcctl` (`struct igmpmsg` is read in
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

/// `MRT_ADD_MFC`: add (or replace) a multicast forwarding cache entry.
pub(crate) const MRT_ADD_MFC: libc::c_int = MRT_BASE + 4;
/// `MRT_DEL_MFC`: delete a multicast forwarding cache entry.
pub(crate) const MRT_DEL_MFC: libc::c_int = MRT_BASE + 5;

/// `MRT_VERSION` (getsockopt only): the kernel's multicast-routing version.
pub(crate) const MRT_VERSION: libc::c_int = MRT_BASE + 6;
/// `MRT_ASSERT`: report data arriving on the wrong VIF (`IGMPMSG_WRONGVIF`).
pub(crate) const MRT_ASSERT: libc::c_int = MRT_BASE + 7;
/// `MRT_PIM`: PIM mode (register VIF, whole-packet upcalls).
pub(crate) const MRT_PIM: libc::c_int = MRT_BASE + 8;
/// `MRT_TABLE`: which multicast routing table the socket serves (before `MRT_INIT`).
pub(crate) const MRT_TABLE: libc::c_int = MRT_BASE + 9;
/// `MRT_FLUSH`: delete forwarding entries and/or VIFs, chosen by the
/// `MRT_FLUSH_*` bits of its `int` value (older kernels: `ENOPROTOOPT`).
pub(crate) const MRT_FLUSH: libc::c_int = MRT_BASE + 12;
/// `MRT_FLUSH_MFC`: entries added by the routing socket.
pub(crate) const MRT_FLUSH_MFC: libc::c_int = 1;
/// `MRT_FLUSH_MFC_STATIC`: entries added by other sockets.
pub(crate) const MRT_FLUSH_MFC_STATIC: libc::c_int = 2;
/// `MRT_FLUSH_VIFS`: VIFs added by the routing socket.
pub(crate) const MRT_FLUSH_VIFS: libc::c_int = 4;
/// `MRT_FLUSH_VIFS_STATIC`: VIFs added by other sockets.
pub(crate) const MRT_FLUSH_VIFS_STATIC: libc::c_int = 8;

/// `setsockopt(IPPROTO_IP, name, value)` for the `int`-valued `MRT_*`
/// options (`MRT_ASSERT`, `MRT_PIM`, `MRT_TABLE`, `MRT_FLUSH`).
pub(crate) fn set_int(
    fd: BorrowedFd<'_>,
    name: libc::c_int,
    value: libc::c_int,
    op: &'static str,
) -> Result<()> {
    setsockopt(fd, libc::IPPROTO_IP, name, &value, op)
}

/// `getsockopt(IPPROTO_IP, name)` for the `int`-valued `MRT_*` options
/// (`MRT_VERSION`, `MRT_ASSERT`, `MRT_PIM`).
pub(crate) fn get_int(
    fd: BorrowedFd<'_>,
    name: libc::c_int,
    op: &'static str,
) -> Result<libc::c_int> {
    super::linux::getsockopt(fd, libc::IPPROTO_IP, name, op)
}

/// `MAXVIFS`: the length of `mfcc_ttls`.
pub(crate) const MAXVIFS: usize = 32;

/// `struct mfcctl`, with the two bytes of padding after `mfcc_ttls` made
/// an explicit field so nothing uninitialised reaches the kernel.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct MfcCtl {
    /// `mfcc_origin`: the source (network order).
    pub(crate) origin: u32,
    /// `mfcc_mcastgrp`: the group (network order).
    pub(crate) group: u32,
    /// `mfcc_parent`: the VIF packets must arrive on.
    pub(crate) parent: u16,
    /// `mfcc_ttls`: per VIF, the TTL threshold (0 or 255: not forwarded).
    pub(crate) ttls: [u8; MAXVIFS],
    /// Padding to the next `unsigned int`.
    pub(crate) pad: [u8; 2],
    /// `mfcc_pkt_cnt`, `mfcc_byte_cnt`, `mfcc_wrong_if`: kernel counters.
    pub(crate) counters: [u32; 3],
    /// `mfcc_expire`.
    pub(crate) expire: libc::c_int,
}

// 4 + 4 + 2 + 32 + 2 + 12 + 4, the layout of <linux/mroute.h> on every
// Linux ABI (all members 4-byte aligned at most).
const _: () = assert!(size_of::<MfcCtl>() == 60);

// SAFETY: integers and byte arrays only, padding made explicit (asserted
// above): valid for every bit pattern.
unsafe impl Pod for MfcCtl {}

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

/// `setsockopt(IPPROTO_IP, MRT_ADD_MFC)`: packets from `origin` to `group`
/// arriving on VIF `parent` leave on every VIF whose entry in `ttls` is a
/// threshold in 1..=254 that their TTL exceeds.
pub(crate) fn add_mfc(
    fd: BorrowedFd<'_>,
    origin: std::net::Ipv4Addr,
    group: std::net::Ipv4Addr,
    parent: u16,
    ttls: [u8; MAXVIFS],
) -> Result<()> {
    let ctl = MfcCtl {
        origin: u32::from_ne_bytes(origin.octets()),
        group: u32::from_ne_bytes(group.octets()),
        parent,
        ttls,
        pad: [0; 2],
        counters: [0; 3],
        expire: 0,
    };
    setsockopt(
        fd,
        libc::IPPROTO_IP,
        MRT_ADD_MFC,
        &ctl,
        "setsockopt(MRT_ADD_MFC)",
    )
}

/// `setsockopt(IPPROTO_IP, MRT_DEL_MFC)` of the entry for (`origin`, `group`).
pub(crate) fn del_mfc(
    fd: BorrowedFd<'_>,
    origin: std::net::Ipv4Addr,
    group: std::net::Ipv4Addr,
) -> Result<()> {
    let ctl = MfcCtl {
        origin: u32::from_ne_bytes(origin.octets()),
        group: u32::from_ne_bytes(group.octets()),
        parent: 0,
        ttls: [0; MAXVIFS],
        pad: [0; 2],
        counters: [0; 3],
        expire: 0,
    };
    setsockopt(
        fd,
        libc::IPPROTO_IP,
        MRT_DEL_MFC,
        &ctl,
        "setsockopt(MRT_DEL_MFC)",
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

    #[test]
    fn mfcctl_has_the_kernel_layout() {
        assert_eq!(std::mem::offset_of!(MfcCtl, origin), 0);
        assert_eq!(std::mem::offset_of!(MfcCtl, group), 4);
        assert_eq!(std::mem::offset_of!(MfcCtl, parent), 8);
        assert_eq!(std::mem::offset_of!(MfcCtl, ttls), 10);
        assert_eq!(std::mem::offset_of!(MfcCtl, counters), 44);
        assert_eq!(std::mem::offset_of!(MfcCtl, expire), 56);
    }
}
