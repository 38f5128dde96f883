//! IPv6 per-packet control messages (RFC 3542 §6): `IPV6_PKTINFO`,
//! `IPV6_HOPLIMIT`, `IPV6_TCLASS` on receive and send, `IPV6_HOPOPTS` on
//! send, and the metadata of a received IPv6 datagram.
//!
//! The receive side is switched on with the same [`ControlFlags`] as for
//! IPv4: on an IPv6 socket [`ControlFlags::HOP_LIMIT`] (the same bit as
//! `TTL`) asks for `IPV6_RECVHOPLIMIT`, [`ControlFlags::TRAFFIC_CLASS`]
//! (`TOS`) for `IPV6_RECVTCLASS`, `DST` and `INTERFACE` for
//! `IPV6_RECVPKTINFO`, and `DROPS` for `SO_RXQ_OVFL`.

use std::net::{Ipv6Addr, SocketAddrV6};

use crate::control::ControlFlags;
use crate::error::{Error, Result};

/// The longest hop-by-hop options header a send-side control message may
/// carry: what fits the control buffer `sys::inet6` sizes beside
/// `IPV6_PKTINFO`, `IPV6_HOPLIMIT` and `IPV6_TCLASS` (it asserts so).
pub(crate) const MAX_HOPOPTS_LEN: usize = 32;

impl ControlFlags {
    /// IPv6: the received hop limit (`IPV6_RECVHOPLIMIT`); the same flag as
    /// [`TTL`](Self::TTL).
    pub const HOP_LIMIT: ControlFlags = ControlFlags::TTL;
    /// IPv6: the received traffic class (`IPV6_RECVTCLASS`); the same flag
    /// as [`TOS`](Self::TOS).
    pub const TRAFFIC_CLASS: ControlFlags = ControlFlags::TOS;
}

/// A hop-by-hop options extension header (RFC 8200 §4.3) to send with a
/// datagram (`IPV6_HOPOPTS`), held inline (no allocation): at most 32 bytes.
///
/// The bytes are the whole header as on the wire; the kernel fills the Next
/// Header byte. Sending it needs `CAP_NET_RAW` (Linux).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HopByHopOptions {
    len: u8,
    bytes: [u8; MAX_HOPOPTS_LEN],
}

impl std::fmt::Debug for HopByHopOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HopByHopOptions({:02x?})", self.as_bytes())
    }
}

impl HopByHopOptions {
    /// The header every MLD message carries (RFC 3810 §5, RFC 2710 §3):
    /// Router Alert (RFC 2711, type 5, value 0 = "Multicast Listener
    /// Discovery message") and a two-byte PadN to fill 8 bytes.
    pub const ROUTER_ALERT_MLD: HopByHopOptions = {
        let mut bytes = [0; MAX_HOPOPTS_LEN];
        // next header (kernel fills), hdr ext len 0, RA 5/2/0x0000, PadN 1/0.
        let h = [0, 0, 5, 2, 0, 0, 1, 0];
        let mut i = 0;
        while i < h.len() {
            bytes[i] = h[i];
            i += 1;
        }
        HopByHopOptions { len: 8, bytes }
    };

    /// A header from its wire bytes: a multiple of 8 bytes, at most 32,
    /// whose Hdr Ext Len (byte 1) agrees with the length.
    pub fn new(header: &[u8]) -> Result<HopByHopOptions> {
        const OP: &str = "HopByHopOptions::new";
        if header.len() < 8 || !header.len().is_multiple_of(8) {
            return Err(Error::invalid(OP, "length is not a positive multiple of 8"));
        }
        if header.len() > MAX_HOPOPTS_LEN {
            return Err(Error::invalid(
                OP,
                "longer than 32 bytes (set a longer one with set_hop_by_hop_options)",
            ));
        }
        if (usize::from(header[1]) + 1) * 8 != header.len() {
            return Err(Error::invalid(OP, "Hdr Ext Len disagrees with the length"));
        }
        let mut bytes = [0; MAX_HOPOPTS_LEN];
        bytes[..header.len()].copy_from_slice(header);
        Ok(HopByHopOptions {
            len: header.len() as u8,
            bytes,
        })
    }

    /// The header's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// IPv6 per-packet information, received with a datagram or given with one
/// to send (RFC 3542 §6) — [`ControlMessage`](crate::ControlMessage)'s IPv6
/// sibling.
///
/// On **receive** the kernel fills what the socket asked for with
/// `set_control_message`: `hop_limit`, `traffic_class`, `dst` and `ifindex`.
/// `src` and `hop_by_hop` are never filled; the sender is in
/// [`RecvMeta6::src`].
///
/// On **send** every field but `dst` is used: `src` and `ifindex` as
/// `IPV6_PKTINFO` (source address, outgoing interface), `hop_limit`
/// (`IPV6_HOPLIMIT`, overrides the unicast or multicast hop limit for this
/// datagram), `traffic_class` (`IPV6_TCLASS`), `hop_by_hop`
/// (`IPV6_HOPOPTS`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ControlMessage6 {
    /// Hop limit of the received datagram, or to send with.
    pub hop_limit: Option<u8>,
    /// Traffic class (DSCP and ECN) of the received datagram, or to send with.
    pub traffic_class: Option<u8>,
    /// Receive only: destination address of the datagram (`ipi6_addr`).
    pub dst: Option<Ipv6Addr>,
    /// Receive: the interface the datagram arrived on. Send: the interface
    /// to send it from.
    pub ifindex: Option<u32>,
    /// Send only: the source address to use.
    pub src: Option<Ipv6Addr>,
    /// Send only: a hop-by-hop options header to insert.
    pub hop_by_hop: Option<HopByHopOptions>,
}

impl ControlMessage6 {
    /// Keeps only the fields `flags` asked for (receive side).
    pub(crate) fn filtered(mut self, flags: ControlFlags) -> ControlMessage6 {
        if !flags.contains(ControlFlags::HOP_LIMIT) {
            self.hop_limit = None;
        }
        if !flags.contains(ControlFlags::TRAFFIC_CLASS) {
            self.traffic_class = None;
        }
        if !flags.contains(ControlFlags::DST) {
            self.dst = None;
        }
        if !flags.contains(ControlFlags::INTERFACE) {
            self.ifindex = None;
        }
        self.src = None;
        self.hop_by_hop = None;
        self
    }
}

/// What came with one received IPv6 datagram: [`RecvMeta`](crate::RecvMeta)
/// with an IPv6 sender and [`ControlMessage6`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecvMeta6 {
    /// Bytes of the datagram placed in the buffer.
    pub len: usize,
    /// Length of the datagram as it arrived (larger than `len` when
    /// [`truncated`](Self::truncated)).
    pub orig_len: usize,
    /// The sender, with its scope id for link-local addresses (for raw
    /// sockets the port is 0).
    pub src: SocketAddrV6,
    /// The control messages the socket asked for.
    pub cm: ControlMessage6,
    /// The datagram was longer than the buffer and was cut (`MSG_TRUNC`).
    pub truncated: bool,
    /// Some control data did not fit and was dropped (`MSG_CTRUNC`).
    pub ctrl_truncated: bool,
    /// With [`ControlFlags::DROPS`] on: datagrams dropped for want of
    /// receive-buffer space so far (see [`RecvMeta::drops`](crate::RecvMeta::drops)).
    pub drops: Option<u32>,
}

/// The unspecified IPv6 socket address (`[::]:0`).
pub(crate) const UNSPECIFIED6: SocketAddrV6 = SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 0, 0, 0);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn router_alert_for_mld_is_eight_bytes_with_value_zero() {
        let h = HopByHopOptions::ROUTER_ALERT_MLD;
        assert_eq!(h.as_bytes(), [0, 0, 5, 2, 0, 0, 1, 0]);
        assert_eq!(HopByHopOptions::new(h.as_bytes()).unwrap(), h);
    }

    #[test]
    fn malformed_hop_by_hop_headers_are_refused_with_a_reason() {
        for bad in [
            &[][..],
            &[0, 0, 1, 0][..],
            &[0, 1, 5, 2, 0, 0, 1, 0][..],
            &[0; 40][..],
        ] {
            let e = HopByHopOptions::new(bad).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
            assert_eq!(e.op(), "HopByHopOptions::new");
        }
        let mut long = [0u8; 32];
        long[1] = 3;
        assert_eq!(HopByHopOptions::new(&long).unwrap().as_bytes().len(), 32);
    }

    #[test]
    fn receive_side_filtering_keeps_what_was_asked_for() {
        let cm = ControlMessage6 {
            hop_limit: Some(1),
            traffic_class: Some(2),
            dst: Some(Ipv6Addr::LOCALHOST),
            ifindex: Some(1),
            src: Some(Ipv6Addr::LOCALHOST),
            hop_by_hop: Some(HopByHopOptions::ROUTER_ALERT_MLD),
        };
        let f = cm.filtered(ControlFlags::HOP_LIMIT | ControlFlags::INTERFACE);
        assert_eq!(
            f,
            ControlMessage6 {
                hop_limit: Some(1),
                ifindex: Some(1),
                ..Default::default()
            }
        );
    }
}
