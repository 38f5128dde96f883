//! The socket state shared by [`RawConn`](crate::RawConn) and
//! [`PacketConn`](crate::PacketConn): the fd, which control messages are on,
//! and single-datagram receive/send with control data.

// Elsewhere the Linux-only bodies are compiled out, leaving their inputs unused.
#![cfg_attr(not(target_os = "linux"), allow(unused_variables, unused_imports))]

use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicU8, Ordering};

use socket2::{Socket, Type};

use crate::control::{drops_if_asked, ControlFlags, ControlMessage, RecvMeta};
use crate::error::{Error, Result};
#[cfg(target_os = "linux")]
use crate::sys::{cmsg, linux as ffi};

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) sock: Socket,
    flags: AtomicU8,
    /// Flags for every receive call: `MSG_TRUNC` on datagram and raw
    /// sockets, so cut datagrams report their length; nothing on others
    /// (on a stream socket `MSG_TRUNC` would discard the data).
    recv_flags: libc::c_int,
}

impl Inner {
    pub(crate) fn new(sock: Socket) -> Inner {
        let datagrams = matches!(sock.r#type(), Ok(t) if t == Type::DGRAM || t == Type::RAW);
        Inner {
            sock,
            flags: AtomicU8::new(0),
            recv_flags: if datagrams { libc::MSG_TRUNC } else { 0 },
        }
    }

    /// Flags every receive call passes (see `recv_flags`).
    pub(crate) fn recv_flags(&self) -> libc::c_int {
        self.recv_flags
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    pub(crate) fn control_flags(&self) -> ControlFlags {
        ControlFlags::from_bits(self.flags.load(Ordering::Relaxed))
    }

    /// Records which control messages are on (for a family whose options
    /// are set elsewhere, e.g. `PacketConn6`).
    pub(crate) fn store_control_flags(&self, flags: ControlFlags) {
        self.flags.store(flags.bits(), Ordering::Relaxed);
    }

    /// Switches the control messages in `flags` on or off, leaving the
    /// others as they are. `DST` and `INTERFACE` share `IP_PKTINFO`, which
    /// stays on while either of them is on.
    pub(crate) fn set_control_message(&self, flags: ControlFlags, on: bool) -> Result<()> {
        #[cfg(target_os = "linux")]
        {
            let old = self.control_flags();
            let new = if on { old | flags } else { old.without(flags) };
            let set = |name: libc::c_int, op: &'static str, v: bool| {
                let v = libc::c_int::from(v);
                ffi::setsockopt(self.fd(), libc::IPPROTO_IP, name, &v, op)
            };
            if flags.contains(ControlFlags::TTL) {
                set(libc::IP_RECVTTL, "setsockopt(IP_RECVTTL)", on)?;
            }
            if flags.contains(ControlFlags::TOS) {
                set(libc::IP_RECVTOS, "setsockopt(IP_RECVTOS)", on)?;
            }
            if flags.contains(ControlFlags::DROPS) {
                let v = libc::c_int::from(on);
                ffi::setsockopt(
                    self.fd(),
                    libc::SOL_SOCKET,
                    libc::SO_RXQ_OVFL,
                    &v,
                    "setsockopt(SO_RXQ_OVFL)",
                )?;
            }
            let pkt = ControlFlags::DST | ControlFlags::INTERFACE;
            if flags.intersects(pkt) {
                set(
                    libc::IP_PKTINFO,
                    "setsockopt(IP_PKTINFO)",
                    new.intersects(pkt),
                )?;
            }
            self.flags.store(new.bits(), Ordering::Relaxed);
            Ok(())
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (flags, on);
            Err(Error::unsupported("setsockopt(IP_PKTINFO)"))
        }
    }

    /// One `recvmsg`, with `MSG_TRUNC` on datagram sockets so that a
    /// datagram longer than `buf` still reports its length.
    pub(crate) fn recv(&self, buf: &mut [u8]) -> Result<RecvMeta> {
        #[cfg(target_os = "linux")]
        {
            let mut ctrl = cmsg::CmsgBuf::new();
            let r = ffi::recvmsg(self.fd(), buf, &mut ctrl, self.recv_flags)
                .map_err(|e| Error::new("recvmsg", e))?;
            let flags = self.control_flags();
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
        #[cfg(not(target_os = "linux"))]
        {
            let _ = buf;
            Err(Error::unsupported("recvmsg"))
        }
    }

    /// One `sendmsg` of `parts` gathered (not copied), with `cm`'s send side.
    pub(crate) fn send(
        &self,
        parts: &[&[u8]; 2],
        dst: Option<SocketAddrV4>,
        cm: Option<&ControlMessage>,
    ) -> Result<usize> {
        #[cfg(target_os = "linux")]
        {
            let mut ctrl = cmsg::CmsgBuf::new();
            let n = match cm {
                Some(cm) => cmsg::encode(cm, &mut ctrl.0).map_err(|_| {
                    Error::invalid("sendmsg", "control message does not fit the buffer")
                })?,
                None => 0,
            };
            ffi::sendmsg(self.fd(), parts, dst, &ctrl.0[..n], 0)
                .map_err(|e| Error::new("sendmsg", e))
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (parts, dst, cm);
            Err(Error::unsupported("sendmsg"))
        }
    }
}
