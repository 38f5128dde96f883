//! Per-packet control messages (`IP_PKTINFO`, `IP_RECVTTL`, `IP_RECVTOS`,
//! `SO_RXQ_OVFL`) and the metadata that comes with each received datagram.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::ops::{BitOr, BitOrAssign};

/// Which control messages a socket asks the kernel for on receive.
///
/// Combine with `|` and pass to `set_control_message` on
/// [`RawConn`](crate::RawConn) or [`PacketConn`](crate::PacketConn); each
/// flag can be switched on and off independently of the others.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ControlFlags(u8);

impl ControlFlags {
    /// No control messages.
    pub const NONE: ControlFlags = ControlFlags(0);
    /// The received TTL (`IP_RECVTTL`).
    pub const TTL: ControlFlags = ControlFlags(1);
    /// The received TOS byte (`IP_RECVTOS`).
    pub const TOS: ControlFlags = ControlFlags(2);
    /// The destination address of the datagram (`IP_PKTINFO`).
    pub const DST: ControlFlags = ControlFlags(4);
    /// The index of the interface the datagram arrived on (`IP_PKTINFO`).
    pub const INTERFACE: ControlFlags = ControlFlags(8);
    /// All of the above: the four IP-level messages (not [`DROPS`](Self::DROPS),
    /// a socket-level counter that is switched on by name).
    pub const ALL: ControlFlags = ControlFlags(15);
    /// How many datagrams the socket has dropped so far because its receive
    /// queue was full (`SO_RXQ_OVFL`, Linux): [`RecvMeta::drops`].
    pub const DROPS: ControlFlags = ControlFlags(16);

    /// Every flag this type knows.
    const KNOWN: ControlFlags = ControlFlags(Self::ALL.0 | Self::DROPS.0);

    /// Whether every flag in `other` is set in `self`.
    pub const fn contains(self, other: ControlFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any flag in `other` is set in `self`.
    pub const fn intersects(self, other: ControlFlags) -> bool {
        self.0 & other.0 != 0
    }

    /// `self` with the flags of `other` removed.
    pub const fn without(self, other: ControlFlags) -> ControlFlags {
        ControlFlags(self.0 & !other.0)
    }

    pub(crate) const fn bits(self) -> u8 {
        self.0
    }

    pub(crate) const fn from_bits(bits: u8) -> ControlFlags {
        ControlFlags(bits & Self::KNOWN.0)
    }
}

impl BitOr for ControlFlags {
    type Output = ControlFlags;
    fn bitor(self, rhs: ControlFlags) -> ControlFlags {
        ControlFlags(self.0 | rhs.0)
    }
}

impl BitOrAssign for ControlFlags {
    fn bitor_assign(&mut self, rhs: ControlFlags) {
        self.0 |= rhs.0;
    }
}

/// IP-level per-packet information, received with a datagram or given with
/// one to send.
///
/// On **receive** the kernel fills what the socket asked for with
/// `set_control_message`: `ttl` (`IP_RECVTTL`), `tos` (`IP_RECVTOS`), `dst`
/// and `ifindex` (both `IP_PKTINFO`). `src` is never filled on receive; the
/// sender's address comes in [`RecvMeta::src`].
///
/// On **send** only `src` and `ifindex` are used, as an `IP_PKTINFO` control
/// message: `src` chooses the source address (`ipi_spec_dst`), `ifindex` the
/// outgoing interface. The other fields are ignored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ControlMessage {
    /// Time to live of the received datagram.
    pub ttl: Option<u8>,
    /// Type-of-service byte (DSCP and ECN) of the received datagram.
    pub tos: Option<u8>,
    /// Destination address of the received datagram (`ipi_addr`).
    pub dst: Option<Ipv4Addr>,
    /// Receive: the interface the datagram arrived on. Send: the interface
    /// to send it from.
    pub ifindex: Option<u32>,
    /// Send only: the source address to use.
    pub src: Option<Ipv4Addr>,
}

impl ControlMessage {
    /// Whether sending with this message needs an `IP_PKTINFO` control message.
    pub(crate) fn has_send_info(&self) -> bool {
        self.src.is_some() || self.ifindex.is_some()
    }

    /// Keeps only the fields `flags` asked for (receive side).
    pub(crate) fn filtered(mut self, flags: ControlFlags) -> ControlMessage {
        if !flags.contains(ControlFlags::TTL) {
            self.ttl = None;
        }
        if !flags.contains(ControlFlags::TOS) {
            self.tos = None;
        }
        if !flags.contains(ControlFlags::DST) {
            self.dst = None;
        }
        if !flags.contains(ControlFlags::INTERFACE) {
            self.ifindex = None;
        }
        self
    }
}

/// [`RecvMeta::drops`] from what the control data reported: `None` unless
/// `flags` asked for [`ControlFlags::DROPS`]; then the count, or 0 when the
/// kernel sent none (it sends the message only once the count is non-zero).
pub(crate) fn drops_if_asked(flags: ControlFlags, reported: Option<u32>) -> Option<u32> {
    flags
        .contains(ControlFlags::DROPS)
        .then_some(reported.unwrap_or(0))
}

/// What came with one received datagram (the idea of quinn-udp's `RecvMeta`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecvMeta {
    /// Bytes of the datagram placed in the buffer.
    pub len: usize,
    /// Length of the datagram as it arrived, counted the same way as `len`
    /// (pcap calls it `orig_len`): equal to `len` unless the datagram was
    /// [`truncated`](Self::truncated), then larger. Raw and UDP sockets report
    /// it (`MSG_TRUNC` on the receive call).
    pub orig_len: usize,
    /// The sender (for raw sockets the port is 0).
    pub src: SocketAddrV4,
    /// The control messages the socket asked for.
    pub cm: ControlMessage,
    /// The datagram was longer than the buffer and was cut (`MSG_TRUNC`).
    pub truncated: bool,
    /// Some control data did not fit and was dropped (`MSG_CTRUNC`).
    pub ctrl_truncated: bool,
    /// With [`ControlFlags::DROPS`] on (else `None`): how many datagrams the
    /// socket had dropped for want of receive-buffer space before this one
    /// was queued, counted since the socket was opened, as a wrapping
    /// `u32` (`SO_RXQ_OVFL`). The kernel sends the count only once it is
    /// non-zero, so this is `Some(0)` until the first drop. Drops after the
    /// last queued datagram show on the next one to arrive.
    pub drops: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_are_reported_only_when_asked_for_and_zero_until_the_first() {
        assert_eq!(drops_if_asked(ControlFlags::ALL, Some(7)), None);
        assert_eq!(drops_if_asked(ControlFlags::NONE, None), None);
        assert_eq!(drops_if_asked(ControlFlags::DROPS, Some(7)), Some(7));
        assert_eq!(drops_if_asked(ControlFlags::DROPS, None), Some(0));
        let both = ControlFlags::TTL | ControlFlags::DROPS;
        assert_eq!(drops_if_asked(both, Some(u32::MAX)), Some(u32::MAX));
    }

    #[test]
    fn drops_is_a_flag_of_its_own_outside_all() {
        assert!(!ControlFlags::ALL.intersects(ControlFlags::DROPS));
        let both = ControlFlags::ALL | ControlFlags::DROPS;
        assert_eq!(ControlFlags::from_bits(both.bits()), both);
        assert_eq!(ControlFlags::from_bits(0xff), both);
        assert_eq!(both.without(ControlFlags::ALL), ControlFlags::DROPS);
    }
}
