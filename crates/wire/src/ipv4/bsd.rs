//! Byte order of raw-socket IPv4 headers on BSD-derived systems.
//!
//! On Linux, raw sockets deliver and expect every header field in network
//! byte order (wire order), so nothing here is needed there.
//!
//! Historic BSD kernels keep the Total Length (`ip_len`) and the
//! flags/fragment-offset word (`ip_off`) in *host* byte order in the headers
//! they deliver on raw sockets and expect with `IP_HDRINCL` (`raw(4)`,
//! `ip(4)`): macOS/iOS, NetBSD, DragonFly, and FreeBSD before 11.0. On
//! receive, macOS, NetBSD, DragonFly and FreeBSD before 10.0 also subtract
//! the header length from `ip_len` (Go's `golang.org/x/net/ipv4` handles the
//! same table). The other fields are in wire order everywhere.
//!
//! [`to_wire_order`](crate::ipv4::bsd::to_wire_order) turns such a header into the RFC 791 §3.1 layout this
//! crate parses; [`from_wire_order`](crate::ipv4::bsd::from_wire_order) turns an emitted header into what those
//! kernels expect before a send. On a big-endian host both only do the
//! length adjustment, if asked.
//!
//! ```
//! use ipv4kit_wire::ipv4::{bsd, Ipv4Packet};
//!
//! // A header as emitted (wire order), converted for a macOS IP_HDRINCL send and back.
//! let wire = [0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0x7c, 0xcd, 127, 0, 0, 1, 127, 0, 0, 1];
//! let mut hdr = wire;
//! bsd::from_wire_order(&mut hdr).unwrap();
//! assert_eq!(u16::from_ne_bytes([hdr[2], hdr[3]]), 28);
//! bsd::to_wire_order(&mut hdr, bsd::RecvLen::Total).unwrap();
//! assert_eq!(hdr, wire);
//! ```

use super::error::Ipv4Error;
use super::limits::MIN_HEADER_LEN;
use super::packet::field;

/// What a BSD raw socket's received `ip_len` counts, compared with RFC 791 §3.1's
/// Total Length (see the [module docs](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecvLen {
    /// `ip_len` is the whole datagram, as on the wire (FreeBSD 10.x, and every
    /// header converted by [`from_wire_order`]).
    Total,
    /// `ip_len` excludes the header (macOS/iOS, NetBSD, DragonFly, FreeBSD < 10).
    PayloadOnly,
}

#[inline]
fn swap_field(hdr: &mut [u8], range: core::ops::Range<usize>, to_wire: bool) -> Option<u16> {
    let bytes: &mut [u8; 2] = hdr.get_mut(range)?.try_into().ok()?;
    let value = if to_wire {
        u16::from_ne_bytes(*bytes)
    } else {
        u16::from_be_bytes(*bytes)
    };
    *bytes = if to_wire {
        value.to_be_bytes()
    } else {
        value.to_ne_bytes()
    };
    Some(value)
}

#[inline]
fn check(hdr: &[u8]) -> Result<(), Ipv4Error> {
    if hdr.len() < MIN_HEADER_LEN {
        return Err(Ipv4Error::BufferTooShort {
            available: hdr.len(),
        });
    }
    Ok(())
}

/// Converts a header received on a BSD-style raw socket to wire order
/// (RFC 791 §3.1): `ip_len` and `ip_off` from host to network order, and
/// with [`RecvLen::PayloadOnly`] the header length (IHL × 4) added back to
/// `ip_len` (saturating at 65535).
///
/// Errors only when `hdr` is shorter than 20 bytes.
pub fn to_wire_order(hdr: &mut [u8], recv_len: RecvLen) -> Result<(), Ipv4Error> {
    check(hdr)?;
    swap_field(hdr, field::FLAGS_FRAG, true);
    let len = swap_field(hdr, field::TOTAL_LEN, true).unwrap_or(0);
    if recv_len == RecvLen::PayloadOnly {
        let header_len = hdr.first().map_or(0, |b| u16::from(b & 0x0f) * 4);
        if let Some(field) = hdr.get_mut(field::TOTAL_LEN) {
            field.copy_from_slice(&len.saturating_add(header_len).to_be_bytes());
        }
    }
    Ok(())
}

/// Converts a wire-order header (as [`Ipv4Repr::emit`](super::Ipv4Repr::emit)
/// writes it) to what BSD-style kernels expect on an `IP_HDRINCL` send:
/// `ip_len` and `ip_off` (RFC 791 §3.1 Total Length and Flags/Fragment
/// Offset) in host order. The checksum is left alone (those
/// kernels fill it in on send).
///
/// Errors only when `hdr` is shorter than 20 bytes.
pub fn from_wire_order(hdr: &mut [u8]) -> Result<(), Ipv4Error> {
    check(hdr)?;
    swap_field(hdr, field::TOTAL_LEN, false);
    swap_field(hdr, field::FLAGS_FRAG, false);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipv4::Ipv4Packet;

    // tcpdump IGMP_V2.pcap frame 5 (v2 Leave, RA): wire order, valid checksum.
    const WIRE: [u8; 24] = [
        0x46, 0x00, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02, 0x00, 0x00, 0xc0, 0xa8, 0x0b,
        0xc9, 0xe0, 0x00, 0x00, 0x02, 0x94, 0x04, 0x00, 0x00,
    ];

    #[test]
    fn macos_received_header_parses_after_conversion() {
        // Build what a macOS raw socket would deliver: host-order fields,
        // ip_len without the header.
        let mut hdr = WIRE;
        hdr[2..4].copy_from_slice(&(0x20u16 - 24).to_ne_bytes());
        hdr[6..8].copy_from_slice(&0x4000u16.to_ne_bytes());
        to_wire_order(&mut hdr, RecvLen::PayloadOnly).unwrap();
        assert_eq!(hdr, WIRE);
        let mut buf = [0u8; 32];
        buf[..24].copy_from_slice(&hdr);
        let p = Ipv4Packet::new_lenient(&buf[..]).unwrap();
        assert_eq!(p.total_len(), 32);
        assert!(p.dont_frag());
    }

    #[test]
    fn round_trip_is_identity() {
        let mut hdr = WIRE;
        from_wire_order(&mut hdr).unwrap();
        to_wire_order(&mut hdr, RecvLen::Total).unwrap();
        assert_eq!(hdr, WIRE);
    }

    #[test]
    fn short_header_is_an_error_not_a_panic() {
        let mut hdr = [0x45u8; 19];
        assert_eq!(
            to_wire_order(&mut hdr, RecvLen::Total),
            Err(Ipv4Error::BufferTooShort { available: 19 })
        );
        assert_eq!(
            from_wire_order(&mut hdr[..3]),
            Err(Ipv4Error::BufferTooShort { available: 3 })
        );
    }

    #[test]
    fn payload_only_length_saturates() {
        let mut hdr = WIRE;
        hdr[0] = 0x4f;
        hdr[2..4].copy_from_slice(&0xfff0u16.to_ne_bytes());
        to_wire_order(&mut hdr, RecvLen::PayloadOnly).unwrap();
        assert_eq!(u16::from_be_bytes([hdr[2], hdr[3]]), 0xffff);
    }
}
