//! The IPv6 fixed header (RFC 8200 §3): [`Ipv6Header`], the view
//! [`Ipv6Packet`] and the repr [`Ipv6Repr`].

use core::net::Ipv6Addr;

use zerocopy::network_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::error::{Ipv6EmitError, Ipv6Error};
use super::ext::{walk, UpperLayer};

/// Length of the IPv6 fixed header in octets (RFC 8200 §3).
pub const HEADER_LEN: usize = 40;

/// The 40-octet IPv6 header as laid out on the wire (RFC 8200 §3).
///
/// ```
/// use ipv4kit_wire::ipv6::Ipv6Header;
/// use zerocopy::FromBytes;
///
/// let mut bytes = [0u8; 40];
/// bytes[0] = 0x60;
/// bytes[5] = 8; // payload length
/// bytes[7] = 1; // hop limit
/// let (hdr, _) = Ipv6Header::ref_from_prefix(&bytes).unwrap();
/// assert_eq!(hdr.payload_len.get(), 8);
/// assert_eq!(hdr.hop_limit, 1);
/// ```
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq, Hash,
)]
#[repr(C)]
pub struct Ipv6Header {
    /// Version (4 bits), Traffic Class (8 bits), Flow Label (20 bits).
    pub ver_tc_flow: U32,
    /// Payload Length: octets after this header, extension headers included.
    pub payload_len: U16,
    /// Next Header: the first extension header or the upper-layer protocol.
    pub next_header: u8,
    /// Hop Limit.
    pub hop_limit: u8,
    /// Source Address.
    pub src: [u8; 16],
    /// Destination Address.
    pub dst: [u8; 16],
}

const _: () = assert!(core::mem::size_of::<Ipv6Header>() == HEADER_LEN);

/// Read in place of a header when the buffer is too short for one, so that
/// accessors of an unchecked view never panic.
static ZERO_HEADER: Ipv6Header = Ipv6Header {
    ver_tc_flow: U32::ZERO,
    payload_len: U16::ZERO,
    next_header: 0,
    hop_limit: 0,
    src: [0; 16],
    dst: [0; 16],
};

/// A view of an IPv6 packet in borrowed bytes (RFC 8200 §3).
///
/// [`new_checked`](Self::new_checked) validates once (length, version,
/// Payload Length within the buffer); then every accessor is a plain load and
/// never panics. Octets after Payload Length (link-layer padding) are
/// ignored by [`payload`](Self::payload). A Payload Length of 0 is read as
/// an empty payload: Jumbo Payloads (RFC 2675) are not supported.
///
/// ```
/// use core::net::Ipv6Addr;
/// use ipv4kit_wire::ipv6::{Ipv6Packet, NEXT_HEADER_ICMPV6};
///
/// // tcpdump icmpv6.pcap packet 3: an MLDv2 General Query, hop-by-hop Router Alert.
/// let bytes = [
///     0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x01, 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
///     0xb2, 0xa8, 0x6e, 0xff, 0xfe, 0x0c, 0xd4, 0xe8, 0xff, 0x02, 0, 0, 0, 0, 0, 0,
///     0, 0, 0, 0, 0, 0, 0, 0x01, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
///     0x82, 0x00, 0x62, 0x3a, 0x27, 0x10, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
///     0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x3c, 0x00, 0x00,
/// ];
/// let packet = Ipv6Packet::new_checked(&bytes[..]).unwrap();
/// assert_eq!(packet.hop_limit(), 1);
/// assert_eq!(packet.dst(), Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1));
/// let upper = packet.upper_layer().unwrap();
/// assert_eq!(upper.next_header, NEXT_HEADER_ICMPV6);
/// assert_eq!(upper.router_alert, Some(0));
/// assert_eq!(upper.payload.len(), 28);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv6Packet<B> {
    buf: B,
}

impl<B: AsRef<[u8]>> Ipv6Packet<B> {
    /// Wraps `buf` without the checks of [`new_checked`](Self::new_checked);
    /// accessors stay total (zeros and empty slices where bytes are missing).
    #[inline]
    pub const fn new_unchecked(buf: B) -> Self {
        Ipv6Packet { buf }
    }

    /// Validates `buf` as an IPv6 packet (RFC 8200 §3): at least 40 octets,
    /// version 6, Payload Length within the buffer. Extension headers are
    /// checked by [`upper_layer`](Self::upper_layer) as it walks them.
    #[inline]
    pub fn new_checked(buf: B) -> Result<Self, Ipv6Error> {
        let bytes = buf.as_ref();
        let Ok((hdr, rest)) = Ipv6Header::ref_from_prefix(bytes) else {
            return Err(Ipv6Error::BufferTooShort {
                available: bytes.len(),
            });
        };
        // The version is the high nibble of the first octet: one byte load,
        // no byte swap of the whole first word.
        let version = hdr.ver_tc_flow.to_bytes()[0] >> 4;
        if version != 6 {
            return Err(Ipv6Error::UnexpectedVersion { version });
        }
        let payload_len = hdr.payload_len.get();
        if usize::from(payload_len) > rest.len() {
            return Err(Ipv6Error::PayloadLenBeyondBuffer {
                payload_len,
                available: rest.len(),
            });
        }
        Ok(Ipv6Packet { buf })
    }

    /// The fixed header, or an all-zero one if the buffer is too short.
    #[inline]
    pub fn header(&self) -> &Ipv6Header {
        match Ipv6Header::ref_from_prefix(self.buf.as_ref()) {
            Ok((hdr, _)) => hdr,
            Err(_) => &ZERO_HEADER,
        }
    }

    /// The whole underlying buffer, link padding included.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// Returns the underlying buffer.
    #[inline]
    pub fn into_inner(self) -> B {
        self.buf
    }

    /// Version (RFC 8200 §3); 6 on every checked view.
    #[inline]
    pub fn version(&self) -> u8 {
        (self.header().ver_tc_flow.get() >> 28) as u8
    }

    /// Traffic Class (RFC 8200 §7): DSCP in the high six bits, ECN in the low two.
    #[inline]
    pub fn traffic_class(&self) -> u8 {
        (self.header().ver_tc_flow.get() >> 20) as u8
    }

    /// Flow Label, 20 bits (RFC 8200 §6, RFC 6437).
    #[inline]
    pub fn flow_label(&self) -> u32 {
        self.header().ver_tc_flow.get() & 0x000f_ffff
    }

    /// Payload Length in octets (RFC 8200 §3), extension headers included.
    #[inline]
    pub fn payload_len(&self) -> u16 {
        self.header().payload_len.get()
    }

    /// Next Header (RFC 8200 §3): an extension header or the upper layer.
    #[inline]
    pub fn next_header(&self) -> u8 {
        self.header().next_header
    }

    /// Hop Limit (RFC 8200 §3).
    #[inline]
    pub fn hop_limit(&self) -> u8 {
        self.header().hop_limit
    }

    /// Source Address (RFC 8200 §3).
    #[inline]
    pub fn src(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.header().src)
    }

    /// Destination Address (RFC 8200 §3).
    #[inline]
    pub fn dst(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.header().dst)
    }

    /// The payload: Payload Length octets after the fixed header (fewer if the
    /// buffer is short, on an unchecked view).
    #[inline]
    pub fn payload(&self) -> &[u8] {
        let rest = self.buf.as_ref().get(HEADER_LEN..).unwrap_or(&[]);
        let len = usize::from(self.payload_len()).min(rest.len());
        &rest[..len]
    }

    /// Walks the extension headers (RFC 8200 §4) to the upper layer; see
    /// [`UpperLayer`] for what the walk gathers on the way.
    #[inline]
    pub fn upper_layer(&self) -> Result<UpperLayer<'_>, Ipv6Error> {
        walk(self.next_header(), self.payload())
    }
}

/// The IPv6 fixed header as plain values (RFC 8200 §3): what
/// [`emit`](Self::emit) writes and [`parse`](Self::parse) reads.
///
/// ```
/// use core::net::Ipv6Addr;
/// use ipv4kit_wire::ipv6::{Ipv6Packet, Ipv6Repr, NEXT_HEADER_ICMPV6};
///
/// let repr = Ipv6Repr {
///     traffic_class: 0,
///     flow_label: 0x12345,
///     payload_len: 0,
///     next_header: NEXT_HEADER_ICMPV6,
///     hop_limit: 255,
///     src: Ipv6Addr::LOCALHOST,
///     dst: Ipv6Addr::LOCALHOST,
/// };
/// let mut buf = [0u8; 40];
/// assert_eq!(repr.emit(&mut buf), Ok(40));
/// assert_eq!(Ipv6Repr::parse(&Ipv6Packet::new_checked(&buf[..]).unwrap()), repr);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv6Repr {
    /// Traffic Class (RFC 8200 §7).
    pub traffic_class: u8,
    /// Flow Label; only the low 20 bits are written (RFC 8200 §6).
    pub flow_label: u32,
    /// Payload Length (RFC 8200 §3).
    pub payload_len: u16,
    /// Next Header (RFC 8200 §3).
    pub next_header: u8,
    /// Hop Limit (RFC 8200 §3).
    pub hop_limit: u8,
    /// Source Address.
    pub src: Ipv6Addr,
    /// Destination Address.
    pub dst: Ipv6Addr,
}

impl Ipv6Repr {
    /// The repr of a parsed header.
    #[inline]
    pub fn parse<B: AsRef<[u8]>>(packet: &Ipv6Packet<B>) -> Self {
        Ipv6Repr {
            traffic_class: packet.traffic_class(),
            flow_label: packet.flow_label(),
            payload_len: packet.payload_len(),
            next_header: packet.next_header(),
            hop_limit: packet.hop_limit(),
            src: packet.src(),
            dst: packet.dst(),
        }
    }

    /// Octets [`emit`](Self::emit) writes: 40.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the 40-octet header into `buf`; returns 40.
    #[inline]
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Ipv6EmitError> {
        let hdr = Ipv6Header {
            ver_tc_flow: U32::new(
                (6 << 28) | (u32::from(self.traffic_class) << 20) | (self.flow_label & 0x000f_ffff),
            ),
            payload_len: U16::new(self.payload_len),
            next_header: self.next_header,
            hop_limit: self.hop_limit,
            src: self.src.octets(),
            dst: self.dst.octets(),
        };
        hdr.write_to_prefix(buf)
            .map_err(|_| Ipv6EmitError::BufferTooShort {
                needed: HEADER_LEN,
                available: buf.len(),
            })?;
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(payload_len: u16) -> [u8; 40] {
        let mut b = [0u8; 40];
        b[0] = 0x6a;
        b[1] = 0xbc;
        b[2] = 0xde;
        b[3] = 0xf0;
        b[4..6].copy_from_slice(&payload_len.to_be_bytes());
        b[6] = 59;
        b[7] = 64;
        b
    }

    #[test]
    fn fields_are_split_out_of_the_first_word() {
        let b = header(0);
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.version(), 6);
        assert_eq!(p.traffic_class(), 0xab);
        assert_eq!(p.flow_label(), 0xcdef0);
        assert_eq!(p.next_header(), 59);
        assert_eq!(p.hop_limit(), 64);
        assert!(p.payload().is_empty());
    }

    #[test]
    fn short_wrong_version_and_long_payload_are_errors() {
        let b = header(0);
        assert_eq!(
            Ipv6Packet::new_checked(&b[..39]),
            Err(Ipv6Error::BufferTooShort { available: 39 })
        );
        let mut v4 = b;
        v4[0] = 0x45;
        assert_eq!(
            Ipv6Packet::new_checked(&v4[..]),
            Err(Ipv6Error::UnexpectedVersion { version: 4 })
        );
        let long = header(1);
        assert_eq!(
            Ipv6Packet::new_checked(&long[..]),
            Err(Ipv6Error::PayloadLenBeyondBuffer {
                payload_len: 1,
                available: 0
            })
        );
    }

    #[test]
    fn link_padding_is_cut_from_the_payload() {
        let mut b = std::vec::Vec::from(header(2));
        b.extend_from_slice(&[1, 2, 3, 4]);
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.payload(), [1, 2]);
    }

    #[test]
    fn unchecked_view_of_nothing_reads_zeros() {
        let p = Ipv6Packet::new_unchecked(&[][..]);
        assert_eq!(p.version(), 0);
        assert_eq!(p.src(), Ipv6Addr::UNSPECIFIED);
        assert!(p.payload().is_empty());
    }

    #[test]
    fn emit_into_short_buffer_is_an_error() {
        let r = Ipv6Repr::parse(&Ipv6Packet::new_unchecked(&header(0)[..]));
        assert_eq!(
            r.emit(&mut [0u8; 39]),
            Err(Ipv6EmitError::BufferTooShort {
                needed: 40,
                available: 39
            })
        );
        let mut out = [0u8; 40];
        r.emit(&mut out).unwrap();
        assert_eq!(out, header(0));
    }
}
