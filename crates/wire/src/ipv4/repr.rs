//! The plain-value form of an IPv4 header and its encoder (RFC 791 §3.1).

use core::net::Ipv4Addr;

use zerocopy::network_endian::U16;
use zerocopy::FromBytes;

use super::error::Ipv4EmitError;
use super::limits::{MAX_OPTIONS_LEN, MIN_HEADER_LEN};
use super::packet::{Ipv4Header, Ipv4Packet, FLAG_DF, FLAG_MF, FRAG_OFFSET_MASK};
use super::protocol::IpProtocol;
use crate::checksum;

/// Default Time to Live for [`Ipv4Repr::new`]: 64, the value RFC 1700 recommended
/// and Linux, BSD and macOS use.
pub const DEFAULT_TTL: u8 = 64;

/// An IPv4 header as plain values, to build headers or to read one whole
/// (RFC 791 §3.1).
///
/// The reserved flag is not represented: [`emit`](Self::emit) writes it as zero,
/// as RFC 791 §3.1 requires.
///
/// ```
/// use core::net::Ipv4Addr;
/// use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr, ROUTER_ALERT};
///
/// // An IGMPv2 report header: TTL 1, Router Alert (RFC 2236 §2).
/// let repr = Ipv4Repr::new(
///     Ipv4Addr::new(192, 168, 1, 101),
///     Ipv4Addr::new(239, 1, 1, 1),
///     IpProtocol::IGMP,
///     8,
/// )
/// .with_ttl(1)
/// .with_options(&ROUTER_ALERT);
///
/// let mut buf = [0u8; 32];
/// let header_len = repr.emit(&mut buf).unwrap();
/// assert_eq!(header_len, 24);
/// buf[24..].copy_from_slice(&[0x16, 0x00, 0xf9, 0xfc, 0xef, 0x01, 0x01, 0x01]);
///
/// // Byte for byte the packet Fuchsia's packet-formats tests use.
/// assert_eq!(&buf[..12], &[0x46, 0, 0, 0x20, 0, 0, 0, 0, 1, 2, 0x72, 0xc8]);
/// let packet = Ipv4Packet::new_checked(&buf[..]).unwrap();
/// assert_eq!(Ipv4Repr::parse(&packet), repr);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv4Repr<'a> {
    /// Source Address.
    pub src: Ipv4Addr,
    /// Destination Address.
    pub dst: Ipv4Addr,
    /// Protocol of the payload.
    pub protocol: IpProtocol,
    /// Time to Live.
    pub ttl: u8,
    /// Differentiated Services Code Point, 0–63 (RFC 2474 §3).
    pub dscp: u8,
    /// Explicit Congestion Notification, 0–3 (RFC 3168 §5).
    pub ecn: u8,
    /// Identification (RFC 791 §3.1, RFC 6864).
    pub ident: u16,
    /// Don't Fragment.
    pub dont_frag: bool,
    /// More Fragments.
    pub more_frags: bool,
    /// Fragment Offset in 8-byte units, 0–8191.
    pub frag_offset: u16,
    /// Encoded option bytes, at most 40; [`emit`](Self::emit) pads them to a
    /// multiple of 4 with End of List (zero) bytes. [`parse`](Self::parse)
    /// returns the whole options area, padding included.
    pub options: &'a [u8],
    /// Payload length in bytes; Total Length is `header_len() + payload_len`.
    pub payload_len: usize,
}

impl<'a> Ipv4Repr<'a> {
    /// A header with TTL 64, DSCP/ECN 0, ident 0, no flags, no fragment
    /// offset and no options (RFC 791 §3.1; RFC 1122 §3.2.1.7 on the TTL).
    #[inline]
    pub fn new(
        src: Ipv4Addr,
        dst: Ipv4Addr,
        protocol: impl Into<IpProtocol>,
        payload_len: usize,
    ) -> Self {
        Ipv4Repr {
            src,
            dst,
            protocol: protocol.into(),
            ttl: DEFAULT_TTL,
            dscp: 0,
            ecn: 0,
            ident: 0,
            dont_frag: false,
            more_frags: false,
            frag_offset: 0,
            options: &[],
            payload_len,
        }
    }

    /// Sets the Time to Live (RFC 791 §3.1).
    #[inline]
    #[must_use]
    pub const fn with_ttl(mut self, ttl: u8) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets DSCP (RFC 2474 §3) and ECN (RFC 3168 §5).
    #[inline]
    #[must_use]
    pub const fn with_dscp_ecn(mut self, dscp: u8, ecn: u8) -> Self {
        self.dscp = dscp;
        self.ecn = ecn;
        self
    }

    /// Sets the whole former TOS octet (RFC 791 §3.1), now DSCP in its upper
    /// six bits (RFC 2474 §3) and ECN in its lower two (RFC 3168 §5): e.g.
    /// 0xc0, Internetwork Control, which IGMPv3 uses (RFC 3376 §4).
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Repr};
    ///
    /// let ip = Ipv4Repr::new(Ipv4Addr::UNSPECIFIED, Ipv4Addr::LOCALHOST, IpProtocol::UDP, 0)
    ///     .with_tos(0xc1);
    /// assert_eq!((ip.dscp, ip.ecn, ip.tos()), (48, 1, 0xc1));
    /// ```
    #[inline]
    #[must_use]
    pub const fn with_tos(mut self, tos: u8) -> Self {
        self.dscp = tos >> 2;
        self.ecn = tos & 3;
        self
    }

    /// The TOS octet the header carries: DSCP shifted up two bits, ECN below
    /// (RFC 2474 §3, RFC 3168 §5). Bits of `dscp` above the sixth and of
    /// `ecn` above the second fall off here; [`emit`](Self::emit) refuses
    /// such values.
    #[inline]
    pub const fn tos(&self) -> u8 {
        (self.dscp << 2) | (self.ecn & 3)
    }

    /// Sets the Identification (RFC 791 §3.1, RFC 6864).
    #[inline]
    #[must_use]
    pub const fn with_ident(mut self, ident: u16) -> Self {
        self.ident = ident;
        self
    }

    /// Sets Don't Fragment (RFC 791 §3.1).
    #[inline]
    #[must_use]
    pub const fn with_dont_frag(mut self, dont_frag: bool) -> Self {
        self.dont_frag = dont_frag;
        self
    }

    /// Sets More Fragments and the Fragment Offset in 8-byte units (RFC 791 §3.1).
    #[inline]
    #[must_use]
    pub const fn with_fragment(mut self, more_frags: bool, frag_offset: u16) -> Self {
        self.more_frags = more_frags;
        self.frag_offset = frag_offset;
        self
    }

    /// Sets the encoded RFC 791 §3.1 options (e.g. [`ROUTER_ALERT`](super::ROUTER_ALERT), or
    /// bytes from [`Ipv4Option::emit_all`](super::Ipv4Option::emit_all)).
    #[inline]
    #[must_use]
    pub const fn with_options(mut self, options: &'a [u8]) -> Self {
        self.options = options;
        self
    }

    /// Reads every field of a validated header (RFC 791 §3.1); `options` borrows the whole
    /// options area and `payload_len` is Total Length minus the header length.
    #[inline]
    pub fn parse(packet: &Ipv4Packet<&'a [u8]>) -> Self {
        Ipv4Repr {
            src: packet.src(),
            dst: packet.dst(),
            protocol: packet.protocol(),
            ttl: packet.ttl(),
            dscp: packet.dscp(),
            ecn: packet.ecn(),
            ident: packet.ident(),
            dont_frag: packet.dont_frag(),
            more_frags: packet.more_frags(),
            frag_offset: packet.frag_offset(),
            options: packet.options_bytes_ref(),
            payload_len: usize::from(packet.total_len()).saturating_sub(packet.header_len()),
        }
    }

    /// Header length in bytes: 20 plus the options rounded up to 4 (RFC 791 §3.1).
    #[inline]
    pub fn header_len(&self) -> usize {
        MIN_HEADER_LEN + self.options.len().next_multiple_of(4)
    }

    /// Total Length in bytes: header plus payload (RFC 791 §3.1).
    #[inline]
    pub fn total_len(&self) -> usize {
        self.header_len() + self.payload_len
    }

    /// Writes the header into `buf[..header_len()]`, options padded with End of
    /// List bytes, checksum computed (RFC 791 §3.1), and returns the header
    /// length. The payload is the caller's to write after it.
    ///
    /// The option bytes are copied as given, not validated.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Ipv4EmitError> {
        if self.options.len() > MAX_OPTIONS_LEN {
            return Err(Ipv4EmitError::OptionsTooLong {
                len: self.options.len(),
            });
        }
        let header_len = self.header_len();
        let total_len = header_len + self.payload_len;
        let Ok(total_len_u16) = u16::try_from(total_len) else {
            return Err(Ipv4EmitError::TotalLenTooLong { total_len });
        };
        if self.frag_offset > FRAG_OFFSET_MASK {
            return Err(Ipv4EmitError::FragOffsetTooLarge {
                frag_offset: self.frag_offset,
            });
        }
        if self.dscp > 0x3f {
            return Err(Ipv4EmitError::DscpOutOfRange { dscp: self.dscp });
        }
        if self.ecn > 0x03 {
            return Err(Ipv4EmitError::EcnOutOfRange { ecn: self.ecn });
        }
        let available = buf.len();
        let Some(out) = buf.get_mut(..header_len) else {
            return Err(Ipv4EmitError::BufferTooShort {
                needed: header_len,
                available,
            });
        };
        let Ok((hdr, opts)) = Ipv4Header::mut_from_prefix(out) else {
            // Unreachable: header_len >= 20.
            return Err(Ipv4EmitError::BufferTooShort {
                needed: header_len,
                available,
            });
        };
        let mut flags_frag = self.frag_offset;
        if self.dont_frag {
            flags_frag |= FLAG_DF;
        }
        if self.more_frags {
            flags_frag |= FLAG_MF;
        }
        *hdr = Ipv4Header {
            // header_len <= 60, so header_len / 4 fits the nibble.
            version_ihl: 0x40 | (header_len / 4) as u8,
            tos: (self.dscp << 2) | self.ecn,
            total_len: U16::new(total_len_u16),
            ident: U16::new(self.ident),
            flags_frag: U16::new(flags_frag),
            ttl: self.ttl,
            protocol: self.protocol.0,
            checksum: U16::ZERO,
            src: self.src.octets(),
            dst: self.dst.octets(),
        };
        let (given, pad) = opts.split_at_mut(self.options.len().min(opts.len()));
        given.copy_from_slice(self.options.get(..given.len()).unwrap_or(&[]));
        pad.fill(0);
        let sum = checksum::checksum(out);
        if let Some(field) = out.get_mut(super::packet::field::CHECKSUM) {
            field.copy_from_slice(&sum.to_be_bytes());
        }
        Ok(header_len)
    }
}

#[cfg(test)]
#[path = "repr_tests.rs"]
mod tests;
