//! The IPv6 counterparts of [`linux`](super::linux)'s per-packet calls
//! (Linux): the receive control messages, `recvmsg` into a
//! [`RecvMeta6`], `sendmsg` with a [`ControlMessage6`]. Reached as
//! `sys::os::…`; `unsupported` has the same signatures elsewhere.

use std::net::SocketAddrV6;
use std::os::fd::BorrowedFd;

use super::cmsg::CmsgBuf;
use super::inet6;
use super::linux::setsockopt;
use crate::control::{drops_if_asked, ControlFlags};
use crate::control6::{ControlMessage6, RecvMeta6, UNSPECIFIED6};
use crate::error::{Error, Result};

/// Switches the IPv6 receive control messages in `changed` on or off
/// (`IPV6_RECVHOPLIMIT`, `IPV6_RECVTCLASS`, `SO_RXQ_OVFL`, and
/// `IPV6_RECVPKTINFO` as `new` wants `DST` or `INTERFACE`).
pub(crate) fn set_recv_control6(
    fd: BorrowedFd<'_>,
    changed: ControlFlags,
    new: ControlFlags,
    on: bool,
) -> Result<()> {
    let set = |level: libc::c_int, name: libc::c_int, op: &'static str, v: bool| {
        setsockopt(fd, level, name, &libc::c_int::from(v), op)
    };
    let v6 = libc::IPPROTO_IPV6;
    if changed.contains(ControlFlags::HOP_LIMIT) {
        set(
            v6,
            libc::IPV6_RECVHOPLIMIT,
            "setsockopt(IPV6_RECVHOPLIMIT)",
            on,
        )?;
    }
    if changed.contains(ControlFlags::TRAFFIC_CLASS) {
        set(v6, libc::IPV6_RECVTCLASS, "setsockopt(IPV6_RECVTCLASS)", on)?;
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
            v6,
            libc::IPV6_RECVPKTINFO,
            "setsockopt(IPV6_RECVPKTINFO)",
            new.intersects(pkt),
        )?;
    }
    Ok(())
}

/// One `recvmsg` on an IPv6 socket: the payload into `buf`, the control
/// messages `flags` asks for into the result.
pub(crate) fn recv_meta6(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    recv_flags: libc::c_int,
    flags: ControlFlags,
) -> Result<RecvMeta6> {
    let mut ctrl = CmsgBuf::new();
    let r =
        inet6::recvmsg6(fd, buf, &mut ctrl, recv_flags).map_err(|e| Error::new("recvmsg", e))?;
    let (cm, drops) = inet6::decode6(&ctrl.0[..r.ctrl_len]);
    Ok(RecvMeta6 {
        len: r.len,
        orig_len: r.full_len,
        src: r.addr.unwrap_or(UNSPECIFIED6),
        cm: cm.filtered(flags),
        truncated: r.msg_flags & libc::MSG_TRUNC != 0,
        ctrl_truncated: r.msg_flags & libc::MSG_CTRUNC != 0,
        drops: drops_if_asked(flags, drops),
    })
}

/// One `sendmsg` of `payload` to `dst` with `cm`'s send side.
pub(crate) fn send6(
    fd: BorrowedFd<'_>,
    payload: &[u8],
    dst: SocketAddrV6,
    cm: Option<&ControlMessage6>,
) -> Result<usize> {
    let mut ctrl = CmsgBuf::new();
    let n = match cm {
        Some(cm) => inet6::encode6(cm, &mut ctrl.0)
            .map_err(|_| Error::invalid("sendmsg", "control message does not fit the buffer"))?,
        None => 0,
    };
    inet6::sendmsg6(fd, payload, dst, &ctrl.0[..n]).map_err(|e| Error::new("sendmsg", e))
}
