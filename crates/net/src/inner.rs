//! The socket state shared by [`RawConn`](crate::RawConn) and
//! [`PacketConn`](crate::PacketConn): the fd, which control messages are on,
//! and single-datagram receive/send with control data.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicU8, Ordering};

use socket2::{Socket, Type};

use crate::control::{ControlFlags, ControlMessage, RecvMeta};
use crate::error::{Error, Result};
use crate::sys;

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
        let old = self.control_flags();
        let new = if on { old | flags } else { old.without(flags) };
        sys::os::set_recv_control(self.fd(), flags, new, on)?;
        self.flags.store(new.bits(), Ordering::Relaxed);
        Ok(())
    }

    /// One `recvmsg`, with `MSG_TRUNC` on datagram sockets so that a
    /// datagram longer than `buf` still reports its length.
    pub(crate) fn recv(&self, buf: &mut [u8]) -> Result<RecvMeta> {
        sys::os::recv_meta(self.fd(), buf, self.recv_flags, self.control_flags())
    }

    /// One `sendmsg` of `parts` gathered (not copied), with `cm`'s send side.
    pub(crate) fn send(
        &self,
        parts: &[&[u8]; 2],
        dst: Option<SocketAddrV4>,
        cm: Option<&ControlMessage>,
    ) -> Result<usize> {
        sys::os::send_parts(self.fd(), parts, dst, cm)
    }
}

/// The destination address in an IPv4 header (bytes 16..20).
pub(crate) fn header_dst(header: &[u8], op: &'static str) -> Result<Ipv4Addr> {
    if header.len() < 20 || header[0] >> 4 != 4 {
        return Err(Error::invalid(
            op,
            "not an IPv4 header (too short or version != 4)",
        ));
    }
    Ok(Ipv4Addr::new(
        header[16], header[17], header[18], header[19],
    ))
}
