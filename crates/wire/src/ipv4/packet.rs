//! The IPv4 header view (RFC 791 §3.1): [`Ipv4Header`] and [`Ipv4Packet`].

use core::net::Ipv4Addr;

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::error::Ipv4Error;
use super::limits::MIN_HEADER_LEN;
use super::options::{Ipv4Option, Ipv4Options};
use super::protocol::IpProtocol;
use crate::checksum::{self, Checksum};

/// Byte offsets of the header fields that are read or written as raw bytes
/// (RFC 791 §3.1); every other access goes through [`Ipv4Header`]'s fields.
pub(crate) mod field {
    use core::ops::Range;
    pub const VER_IHL: usize = 0;
    pub const TOTAL_LEN: Range<usize> = 2..4;
    pub const FLAGS_FRAG: Range<usize> = 6..8;
    pub const CHECKSUM: Range<usize> = 10..12;
}

// The named offsets and the zerocopy struct must agree.
const _: () = {
    assert!(core::mem::offset_of!(Ipv4Header, version_ihl) == field::VER_IHL);
    assert!(core::mem::offset_of!(Ipv4Header, total_len) == field::TOTAL_LEN.start);
    assert!(core::mem::offset_of!(Ipv4Header, flags_frag) == field::FLAGS_FRAG.start);
    assert!(core::mem::offset_of!(Ipv4Header, checksum) == field::CHECKSUM.start);
    assert!(core::mem::size_of::<Ipv4Header>() == MIN_HEADER_LEN);
};

/// Reserved flag bit, bit 0 of the Flags field (RFC 791 §3.1; the "evil bit" of RFC 3514).
pub const FLAG_RESERVED: u16 = 0x8000;
/// Don't Fragment flag bit (RFC 791 §3.1).
pub const FLAG_DF: u16 = 0x4000;
/// More Fragments flag bit (RFC 791 §3.1).
pub const FLAG_MF: u16 = 0x2000;
/// Mask of the 13-bit Fragment Offset field (RFC 791 §3.1).
pub const FRAG_OFFSET_MASK: u16 = 0x1fff;

/// The fixed 20-byte IPv4 header as laid out on the wire (RFC 791 §3.1).
///
/// Multi-byte fields are network-order integers, so a reference to this struct
/// can be taken straight from received bytes (it has alignment 1).
///
/// ```
/// use ipv4kit_wire::ipv4::Ipv4Header;
/// use zerocopy::FromBytes;
///
/// let bytes = [0x45, 0, 0, 20, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
/// let (hdr, _rest) = Ipv4Header::ref_from_prefix(&bytes).unwrap();
/// assert_eq!(hdr.total_len.get(), 20);
/// assert_eq!(hdr.ttl, 64);
/// ```
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq, Hash,
)]
#[repr(C)]
pub struct Ipv4Header {
    /// Version (high nibble) and Internet Header Length in 32-bit words (low nibble).
    pub version_ihl: u8,
    /// Type of Service (RFC 791), now DSCP (RFC 2474 §3, high six bits) and ECN (RFC 3168 §5, low two bits).
    pub tos: u8,
    /// Total Length of the datagram, header included, in bytes.
    pub total_len: U16,
    /// Identification, for reassembly of fragments.
    pub ident: U16,
    /// Flags (three high bits) and Fragment Offset in 8-byte units (13 low bits).
    pub flags_frag: U16,
    /// Time to Live.
    pub ttl: u8,
    /// Protocol of the payload (IANA "Assigned Internet Protocol Numbers").
    pub protocol: u8,
    /// Header Checksum (RFC 791 §3.1, RFC 1071).
    pub checksum: U16,
    /// Source Address.
    pub src: [u8; 4],
    /// Destination Address.
    pub dst: [u8; 4],
}

/// Read in place of a header when the buffer is too short for one, so that
/// accessors of an unchecked view never panic.
static ZERO_HEADER: Ipv4Header = Ipv4Header {
    version_ihl: 0,
    tos: 0,
    total_len: U16::ZERO,
    ident: U16::ZERO,
    flags_frag: U16::ZERO,
    ttl: 0,
    protocol: 0,
    checksum: U16::ZERO,
    src: [0; 4],
    dst: [0; 4],
};

/// A read-only (or, over `AsMut` buffers, writable) view of an IPv4 datagram
/// in borrowed bytes (RFC 791 §3.1).
///
/// Build one with [`new_checked`](Self::new_checked) for received datagrams:
/// it validates the lengths and the header checksum once, after which every
/// accessor is a plain load. Accessors never panic, whatever the buffer: on a
/// view made with [`new_unchecked`](Self::new_unchecked) over too few bytes
/// they read zeros and return empty slices.
///
/// ```
/// use core::net::Ipv4Addr;
/// use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Packet};
///
/// // An IGMPv2 report with Router Alert (Fuchsia packet-formats, igmpv2 testdata).
/// let bytes = [
///     0x46, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x72, 0xc8, 0xc0, 0xa8,
///     0x01, 0x65, 0xef, 0x01, 0x01, 0x01, 0x94, 0x04, 0x00, 0x00, 0x16, 0x00, 0xf9, 0xfc,
///     0xef, 0x01, 0x01, 0x01,
/// ];
/// let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
/// assert_eq!(packet.header_len(), 24);
/// assert_eq!(packet.ttl(), 1);
/// assert_eq!(packet.protocol(), IpProtocol::IGMP);
/// assert_eq!(packet.src(), Ipv4Addr::new(192, 168, 1, 101));
/// assert_eq!(packet.dst(), Ipv4Addr::new(239, 1, 1, 1));
/// assert_eq!(packet.router_alert(), Some(0));
/// assert_eq!(packet.payload(), &[0x16, 0x00, 0xf9, 0xfc, 0xef, 0x01, 0x01, 0x01]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv4Packet<B> {
    buf: B,
}

/// The shared length checks of `new_lenient`/`new_checked`; returns the header length.
#[inline(always)]
fn check_lengths(bytes: &[u8]) -> Result<usize, Ipv4Error> {
    let Some((hdr, _)) = Ipv4Header::ref_from_prefix(bytes).ok() else {
        return Err(Ipv4Error::BufferTooShort {
            available: bytes.len(),
        });
    };
    let vi = hdr.version_ihl;
    if vi >> 4 != 4 {
        return Err(Ipv4Error::UnexpectedVersion { version: vi >> 4 });
    }
    let ihl = vi & 0x0f;
    if ihl < 5 {
        return Err(Ipv4Error::IhlTooSmall { ihl });
    }
    let header_len = usize::from(ihl) * 4;
    let available = bytes.len();
    if header_len > available {
        return Err(Ipv4Error::HeaderBeyondBuffer {
            header_len,
            available,
        });
    }
    let total_len = hdr.total_len.get();
    if usize::from(total_len) < header_len {
        return Err(Ipv4Error::TotalLenTooShort {
            total_len,
            header_len,
        });
    }
    if usize::from(total_len) > available {
        return Err(Ipv4Error::TotalLenBeyondBuffer {
            total_len,
            available,
        });
    }
    Ok(header_len)
}

/// The checksum a header should carry: its sum with the checksum field skipped.
#[cold]
fn computed_checksum(header: &[u8]) -> u16 {
    let mut c = Checksum::new();
    c.add_bytes(header.get(..field::CHECKSUM.start).unwrap_or(&[]));
    c.add_bytes(header.get(field::CHECKSUM.end..).unwrap_or(&[]));
    c.finish()
}

impl<B: AsRef<[u8]>> Ipv4Packet<B> {
    /// Wraps `buf` without any of the RFC 791 §3.1 checks of [`new_checked`](Self::new_checked).
    ///
    /// Meant for bytes already validated (by this crate, or by a kernel that
    /// only hands over valid headers). Accessors stay total: they read zeros
    /// and return empty slices where the buffer is too short.
    #[inline]
    pub const fn new_unchecked(buf: B) -> Self {
        Ipv4Packet { buf }
    }

    /// Validates `buf` as an IPv4 datagram, header checksum included
    /// (RFC 791 §3.1; RFC 1122 §3.2.1.1 and §3.2.1.2).
    ///
    /// Checks, in order: at least 20 bytes; version 4; IHL ≥ 5; IHL × 4 within
    /// the buffer; header length ≤ Total Length ≤ buffer length; checksum.
    /// Bytes after Total Length (link-layer padding) are allowed and ignored.
    /// Options are not looked at here; [`options`](Self::options) validates
    /// them as it walks.
    #[inline]
    pub fn new_checked(buf: B) -> Result<Self, Ipv4Error> {
        let bytes = buf.as_ref();
        let header_len = check_lengths(bytes)?;
        // check_lengths proved header_len <= bytes.len().
        let header = bytes.get(..header_len).unwrap_or(&[]);
        if !checksum::verify_ipv4_header(header) {
            return Err(bad_checksum(header));
        }
        Ok(Ipv4Packet { buf })
    }

    /// Validates `buf` like [`new_checked`](Self::new_checked) but without the
    /// checksum (RFC 1122 §3.2.1.2 verification is left to the caller): for headers the kernel filled on receive, or `IP_HDRINCL`
    /// buffers before the kernel fills the checksum on send.
    #[inline]
    pub fn new_lenient(buf: B) -> Result<Self, Ipv4Error> {
        check_lengths(buf.as_ref())?;
        Ok(Ipv4Packet { buf })
    }

    /// The fixed 20-byte header (RFC 791 §3.1), or an all-zero one if the buffer is too short.
    #[inline]
    pub fn header(&self) -> &Ipv4Header {
        match Ipv4Header::ref_from_prefix(self.buf.as_ref()) {
            Ok((hdr, _)) => hdr,
            Err(_) => &ZERO_HEADER,
        }
    }

    /// Returns the underlying buffer, the whole RFC 791 datagram and any link padding.
    #[inline]
    pub fn into_inner(self) -> B {
        self.buf
    }

    /// The whole underlying buffer, trailing bytes after Total Length (RFC 791 §3.1) included.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// Version field (RFC 791 §3.1); 4 on every checked view.
    #[inline]
    pub fn version(&self) -> u8 {
        self.header().version_ihl >> 4
    }

    /// Internet Header Length in 32-bit words (RFC 791 §3.1), 5 to 15.
    #[inline]
    pub fn ihl(&self) -> u8 {
        self.header().version_ihl & 0x0f
    }

    /// Header length in bytes, IHL × 4 (RFC 791 §3.1).
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.ihl()) * 4
    }

    /// The Type of Service octet (RFC 791 §3.1), now DSCP and ECN together.
    #[inline]
    pub fn tos(&self) -> u8 {
        self.header().tos
    }

    /// Differentiated Services Code Point, the high six bits of the former TOS (RFC 2474 §3).
    #[inline]
    pub fn dscp(&self) -> u8 {
        self.tos() >> 2
    }

    /// Explicit Congestion Notification, the low two bits of the former TOS (RFC 3168 §5).
    #[inline]
    pub fn ecn(&self) -> u8 {
        self.tos() & 0x03
    }

    /// Total Length of the datagram in bytes, header included (RFC 791 §3.1).
    #[inline]
    pub fn total_len(&self) -> u16 {
        self.header().total_len.get()
    }

    /// Identification (RFC 791 §3.1; RFC 6864 on its uniqueness).
    #[inline]
    pub fn ident(&self) -> u16 {
        self.header().ident.get()
    }

    /// The three Flags bits as a number 0–7: reserved, DF, MF from high to low (RFC 791 §3.1).
    #[inline]
    pub fn flags(&self) -> u8 {
        (self.header().flags_frag.get() >> 13) as u8
    }

    /// Don't Fragment flag (RFC 791 §3.1).
    #[inline]
    pub fn dont_frag(&self) -> bool {
        self.header().flags_frag.get() & FLAG_DF != 0
    }

    /// More Fragments flag (RFC 791 §3.1).
    #[inline]
    pub fn more_frags(&self) -> bool {
        self.header().flags_frag.get() & FLAG_MF != 0
    }

    /// The reserved flag bit, which RFC 791 §3.1 says must be zero (RFC 3514's "evil bit").
    #[inline]
    pub fn reserved_flag(&self) -> bool {
        self.header().flags_frag.get() & FLAG_RESERVED != 0
    }

    /// Fragment Offset in 8-byte units, 0 to 8191 (RFC 791 §3.1).
    #[inline]
    pub fn frag_offset(&self) -> u16 {
        self.header().flags_frag.get() & FRAG_OFFSET_MASK
    }

    /// Fragment Offset in bytes, `frag_offset() * 8` (at most 65528; RFC 791 §3.1).
    #[inline]
    pub fn frag_offset_bytes(&self) -> u16 {
        self.frag_offset() * 8
    }

    /// True when this datagram is a fragment: MF set or a non-zero offset (RFC 791 §3.2).
    #[inline]
    pub fn is_fragment(&self) -> bool {
        self.header().flags_frag.get() & (FLAG_MF | FRAG_OFFSET_MASK) != 0
    }

    /// Time to Live (RFC 791 §3.1).
    #[inline]
    pub fn ttl(&self) -> u8 {
        self.header().ttl
    }

    /// Protocol of the payload (RFC 791 §3.1; IANA protocol numbers).
    #[inline]
    pub fn protocol(&self) -> IpProtocol {
        IpProtocol(self.header().protocol)
    }

    /// Header Checksum field as stored (RFC 791 §3.1).
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.header().checksum.get()
    }

    /// True when the header checksum verifies (RFC 1071 §1; useful after `new_lenient`).
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        let header = self.header_bytes();
        header.len() >= MIN_HEADER_LEN && checksum::verify(header)
    }

    /// Source Address (RFC 791 §3.1).
    #[inline]
    pub fn src(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.header().src)
    }

    /// Destination Address (RFC 791 §3.1).
    #[inline]
    pub fn dst(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.header().dst)
    }

    /// The header bytes, options included: `[..header_len]` (RFC 791 §3.1).
    ///
    /// Empty when the buffer is shorter than the header claims (unchecked views only).
    #[inline]
    pub fn header_bytes(&self) -> &[u8] {
        self.buf.as_ref().get(..self.header_len()).unwrap_or(&[])
    }

    /// The options area, `[20..header_len]`, padding included (RFC 791 §3.1); empty for IHL 5.
    #[inline]
    pub fn options_bytes(&self) -> &[u8] {
        options_slice(self.buf.as_ref())
    }

    /// Iterates the options, validating each as it goes (RFC 791 §3.1).
    #[inline]
    pub fn options(&self) -> Ipv4Options<'_> {
        Ipv4Options::new(self.options_bytes())
    }

    /// The value of the first Router Alert option, if the header carries one
    /// (RFC 2113 §2.1; 0 means "routers shall examine packet").
    ///
    /// IGMPv2 and v3 messages must carry it (RFC 2236 §2, RFC 3376 §4). The
    /// walk stops at End of List or at the first malformed option.
    #[inline]
    pub fn router_alert(&self) -> Option<u16> {
        router_alert_in(self.options_bytes())
    }

    /// The payload: bytes from the end of the header to Total Length
    /// (RFC 791 §3.1). Trailing link-layer padding is not part of it.
    ///
    /// Empty when the lengths do not fit the buffer (unchecked views only).
    #[inline]
    pub fn payload(&self) -> &[u8] {
        payload_slice(self.buf.as_ref())
    }

    /// The datagram, `[..total_len]`: header and payload without link padding (RFC 791 §3.1).
    #[inline]
    pub fn datagram_bytes(&self) -> &[u8] {
        self.buf
            .as_ref()
            .get(..usize::from(self.total_len()))
            .unwrap_or(&[])
    }
}

impl<'a> Ipv4Packet<&'a [u8]> {
    /// Like [`options_bytes`](Self::options_bytes) (RFC 791 §3.1), borrowing for the buffer's lifetime.
    #[inline]
    pub fn options_bytes_ref(&self) -> &'a [u8] {
        options_slice(self.buf)
    }

    /// Like [`payload`](Self::payload) (RFC 791 §3.1), borrowing for the buffer's lifetime.
    #[inline]
    pub fn payload_ref(&self) -> &'a [u8] {
        payload_slice(self.buf)
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<B> {
    /// The fixed header (RFC 791 §3.1), writable, or `None` if the buffer is too short.
    ///
    /// Changing a field leaves the checksum stale; call
    /// [`fill_checksum`](Self::fill_checksum) afterwards.
    #[inline]
    pub fn header_mut(&mut self) -> Option<&mut Ipv4Header> {
        Ipv4Header::mut_from_prefix(self.buf.as_mut())
            .ok()
            .map(|(h, _)| h)
    }

    /// Recomputes and stores the header checksum (RFC 791 §3.1, RFC 1071).
    ///
    /// Does nothing when the buffer is shorter than the header claims.
    #[inline]
    pub fn fill_checksum(&mut self) {
        let header_len = self.header_len();
        if let Some(header) = self.buf.as_mut().get_mut(..header_len) {
            if let Some(field) = header.get_mut(field::CHECKSUM) {
                field.fill(0);
            }
            let sum = checksum::checksum(header);
            if let Some(field) = header.get_mut(field::CHECKSUM) {
                field.copy_from_slice(&sum.to_be_bytes());
            }
        }
    }

    /// Decrements the TTL by one and updates the checksum incrementally
    /// (RFC 1812 §5.3.1, RFC 1624 §3). Returns the new TTL, or `None` (nothing
    /// changed) when the TTL was already 0 or the buffer is too short.
    #[inline]
    pub fn decrement_ttl(&mut self) -> Option<u8> {
        let hdr = self.header_mut()?;
        let ttl = hdr.ttl.checked_sub(1)?;
        let old = u16::from_be_bytes([hdr.ttl, hdr.protocol]);
        let new = u16::from_be_bytes([ttl, hdr.protocol]);
        hdr.ttl = ttl;
        hdr.checksum
            .set(checksum::update(hdr.checksum.get(), old, new));
        Some(ttl)
    }
}

#[cold]
#[inline(never)]
fn bad_checksum(header: &[u8]) -> Ipv4Error {
    let stored = header
        .get(field::CHECKSUM)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u16::from_be_bytes);
    Ipv4Error::BadChecksum {
        stored,
        computed: computed_checksum(header),
    }
}

#[inline]
fn header_len_of(bytes: &[u8]) -> usize {
    bytes
        .get(field::VER_IHL)
        .map_or(0, |b| usize::from(b & 0x0f) * 4)
}

#[inline]
fn options_slice(bytes: &[u8]) -> &[u8] {
    bytes
        .get(MIN_HEADER_LEN..header_len_of(bytes))
        .unwrap_or(&[])
}

#[inline]
fn payload_slice(bytes: &[u8]) -> &[u8] {
    let total_len = bytes
        .get(field::TOTAL_LEN)
        .and_then(|b| b.try_into().ok())
        .map_or(0, |b| usize::from(u16::from_be_bytes(b)));
    bytes.get(header_len_of(bytes)..total_len).unwrap_or(&[])
}

#[inline]
fn router_alert_in(options: &[u8]) -> Option<u16> {
    // Fast path: Router Alert first, as IGMP senders (and the kernel) place it.
    if let [super::kind::ROUTER_ALERT, 4, hi, lo, ..] = *options {
        return Some(u16::from_be_bytes([hi, lo]));
    }
    if options.is_empty() {
        return None;
    }
    for option in Ipv4Options::new(options) {
        match option {
            Ok(Ipv4Option::RouterAlert { value }) => return Some(value),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

#[cfg(test)]
#[path = "packet_tests.rs"]
mod tests;
