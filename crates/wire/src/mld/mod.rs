//! MLD: Multicast Listener Discovery version 1 (RFC 2710) and version 2
//! (RFC 3810, obsoleted by RFC 9777, which this module follows where the two
//! differ), IPv6's twin of IGMP. The record types, records, float codes and
//! report splitter are shared with IGMPv3 through [`gmp`](mod@crate::gmp).
//!
//! # Parsing
//!
//! [`MldMessage::parse`] takes the ICMPv6 message (from the Type octet to the
//! end of the IPv6 payload) and the IPv6 source and destination, verifies the
//! checksum over the pseudo-header and all of the message (RFC 3810 §5.1.2,
//! §5.2.2) and returns one of the views:
//!
//! | type | length | view |
//! |---|---|---|
//! | 130 | 24 | [`QueryV1View`] (RFC 2710 §3, RFC 3810 §8.1) |
//! | 130 | ≥ 28 | [`QueryV2View`] (RFC 3810 §5.1) |
//! | 130 | 25–27 | [`MldError::QueryLengthInvalid`] (§8.1: MUST be ignored) |
//! | 131 | ≥ 24 | [`ReportV1View`] (RFC 2710 §3) |
//! | 132 | ≥ 24 | [`DoneV1View`] (RFC 2710 §3) |
//! | 143 | ≥ 8 | [`ReportV2View`] (RFC 3810 §5.2) |
//! | other | ≥ 4 | [`MldMessage::Unknown`] (other ICMPv6 types) |
//!
//! [`MldDatagram::parse`] starts one layer down: the whole IPv6 packet, the
//! hop-by-hop header walked, and tells whether the RFC 3810 §5/§10 receive
//! checks (hop limit 1, link-local source, Router Alert) hold — receiver
//! policy, not parse errors, since real senders get them wrong.
//!
//! # Emitting
//!
//! Each message has a repr ([`QueryV1`], [`ReportV1`], [`DoneV1`],
//! [`QueryV2`], [`ReportV2`]) with `buffer_len`, `emit(src, dst, buf)`
//! (checksum filled) and `destination()` (ff02::1 for general queries, the
//! group for specific queries and v1 reports, ff02::2 for Done, ff02::16 for
//! v2 reports). [`emit_datagram`] writes the whole packet: IPv6 header with
//! hop limit 1, the hop-by-hop header with Router Alert 0, the message.
//!
//! ```
//! use core::net::Ipv6Addr;
//! use ipv4kit_wire::mld::{emit_datagram, MldDatagram, MldMessage, ReportV1};
//!
//! let src: Ipv6Addr = "fe80::20c:29ff:fe0e:4c67".parse().unwrap();
//! let report = ReportV1 { group: "ff02::1:ff10:782e".parse().unwrap() };
//! let mut buf = [0u8; 72];
//! let n = emit_datagram(&report, src, &mut buf).unwrap();
//! assert_eq!(n, 40 + 8 + 24);
//! let d = MldDatagram::parse(&buf[..n]).unwrap();
//! assert!(d.is_valid_for_receiver());
//! assert!(matches!(d.message, MldMessage::ReportV1(v) if v == report));
//! ```

use core::fmt;
use core::net::Ipv6Addr;

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::checksum::{self, pseudo_header_v6};
use crate::gmp;

mod code;
mod datagram;
mod error;
mod v1;
mod v2;

pub use crate::gmp::GroupRecordType;
pub use crate::igmp::Qqic;
pub use code::{MaxRespCode, MAX_RESP_DELAY_MAX_MS};
pub use datagram::{emit_datagram, emit_datagram_to, MldDatagram};
pub use error::{MldEmitError, MldError};
pub use v1::{DoneV1, DoneV1View, QueryV1, QueryV1View, ReportV1, ReportV1View};
pub use v2::{
    max_mld_len, GroupRecord, GroupRecordRepr, GroupRecords, QueryV2, QueryV2View, ReportV2,
    ReportV2Format, ReportV2Splitter, ReportV2View, MAX_MLD_LEN,
};

/// ICMPv6 type 130, Multicast Listener Query, v1 and v2 (RFC 2710 §3.1, RFC 3810 §5).
pub const TYPE_QUERY: u8 = 130;
/// ICMPv6 type 131, Version 1 Multicast Listener Report (RFC 2710 §3.1).
pub const TYPE_REPORT_V1: u8 = 131;
/// ICMPv6 type 132, Version 1 Multicast Listener Done (RFC 2710 §3.1).
pub const TYPE_DONE_V1: u8 = 132;
/// ICMPv6 type 143, Version 2 Multicast Listener Report (RFC 3810 §5, §11).
pub const TYPE_REPORT_V2: u8 = 143;

/// Hop Limit of every MLD message (RFC 2710 §3, RFC 3810 §5).
pub const MLD_HOP_LIMIT: u8 = 1;

/// ff02::1, all nodes: destination of General Queries (RFC 2710 §8,
/// RFC 3810 §5.1.15).
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
/// ff02::2, all routers: destination of MLDv1 Done (RFC 2710 §8).
pub const ALL_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);
/// ff02::16, all MLDv2-capable routers: destination of MLDv2 Reports
/// (RFC 3810 §5.2.14, §11).
pub const ALL_MLDV2_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x16);

/// Length of an MLDv1 message and of the part every query starts with
/// (RFC 2710 §3).
pub const MLDV1_LEN: usize = 24;
/// Length of an MLDv2 query without sources (RFC 3810 §5.1).
pub const QUERY_V2_MIN_LEN: usize = 28;
/// Length of the hop-by-hop header with Router Alert every MLD message
/// carries ([`MLD_HOP_BY_HOP`](crate::ipv6::MLD_HOP_BY_HOP)).
pub const HOP_BY_HOP_RA_LEN: usize = 8;

/// Iterator over IPv6 source addresses in wire format (RFC 3810 §5.1.11,
/// §5.2.9): the shared [`gmp::Sources`].
pub type Sources<'a> = gmp::Sources<'a, Ipv6Addr>;

/// Whether `addr` is a link-local unicast address, fe80::/10 (RFC 4291
/// §2.5.6): the only source a valid MLD message has (RFC 3810 §5.1.14, §5.2.13).
#[inline]
pub const fn is_link_local(addr: Ipv6Addr) -> bool {
    addr.segments()[0] & 0xffc0 == 0xfe80
}

/// Whether a listener reports `group` at all: a multicast address other
/// than ff02::1 with scope 2 (link) or more (RFC 2710 §5, RFC 3810 §6,
/// RFC 9777 §6).
///
/// ```
/// use ipv4kit_wire::mld::is_reported;
///
/// assert!(is_reported("ff02::1:ff00:1".parse().unwrap()));
/// assert!(!is_reported("ff02::1".parse().unwrap()));
/// assert!(!is_reported("ff01::2".parse().unwrap()));
/// ```
#[inline]
pub const fn is_reported(group: Ipv6Addr) -> bool {
    let o = group.octets();
    o[0] == 0xff && (o[1] & 0x0f) >= 2 && group.to_bits() != ALL_NODES.to_bits()
}

/// The 24 octets every MLDv1 message and every query starts with (RFC 2710 §3).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub(crate) struct MldHeader {
    pub(crate) msg_type: u8,
    pub(crate) code: u8,
    pub(crate) checksum: U16,
    pub(crate) max_resp: U16,
    pub(crate) reserved: U16,
    pub(crate) group: [u8; 16],
}

/// A message that can be emitted: what [`emit_datagram`] needs.
pub trait MldRepr {
    /// Octets the message takes.
    fn buffer_len(&self) -> usize;
    /// Writes the message with its checksum for `src` → `dst`; returns its length.
    fn emit(&self, src: Ipv6Addr, dst: Ipv6Addr, buf: &mut [u8]) -> Result<usize, MldEmitError>;
    /// The IPv6 destination the RFCs give the message.
    fn destination(&self) -> Ipv6Addr;
}

#[inline]
pub(crate) fn query_destination(group: Ipv6Addr) -> Ipv6Addr {
    if group.is_unspecified() {
        ALL_NODES
    } else {
        group
    }
}

#[inline]
pub(crate) fn check_buffer(buf: &[u8], needed: usize) -> Result<(), MldEmitError> {
    if buf.len() < needed {
        Err(MldEmitError::BufferTooShort {
            needed,
            available: buf.len(),
        })
    } else {
        Ok(())
    }
}

/// Writes the ICMPv6 checksum of `msg` (field zero on entry) into octets 2–3.
#[inline]
pub(crate) fn fill_checksum(src: Ipv6Addr, dst: Ipv6Addr, msg: &mut [u8]) {
    let c = checksum::icmpv6_checksum(src, dst, msg);
    if let Some(field) = msg.get_mut(2..4) {
        field.copy_from_slice(&c.to_be_bytes());
    }
}

/// Writes the 24-octet v1 header (checksum zero) at the start of `buf`.
#[inline]
pub(crate) fn write_header(buf: &mut [u8], msg_type: u8, max_resp: u16, group: Ipv6Addr) {
    let hdr = MldHeader {
        msg_type,
        code: 0,
        checksum: U16::ZERO,
        max_resp: U16::new(max_resp),
        reserved: U16::ZERO,
        group: group.octets(),
    };
    let _ = hdr.write_to_prefix(buf);
}

/// One parsed MLD message (RFC 2710 §3, RFC 3810 §5 and §8.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MldMessage<'a> {
    /// MLDv1 Query: type 130, 24 octets.
    QueryV1(QueryV1View<'a>),
    /// MLDv2 Query: type 130, 28 octets or more.
    QueryV2(QueryV2View<'a>),
    /// MLDv1 Report, type 131.
    ReportV1(ReportV1View<'a>),
    /// MLDv1 Done, type 132.
    DoneV1(DoneV1View<'a>),
    /// MLDv2 Report, type 143.
    ReportV2(ReportV2View<'a>),
    /// Any other ICMPv6 type (RFC 3810 §5: unknown MLD types MUST be
    /// silently ignored — by the engine, which may still want to see them).
    Unknown {
        /// The Type octet.
        msg_type: u8,
        /// The whole message.
        bytes: &'a [u8],
    },
}

impl<'a> MldMessage<'a> {
    /// Parses one MLD message sent from `src` to `dst`, verifying its ICMPv6
    /// checksum over the pseudo-header and all of `bytes` (RFC 3810 §5.1.2,
    /// §5.2.2). Structural errors are reported before a bad checksum.
    #[inline]
    pub fn parse(bytes: &'a [u8], src: Ipv6Addr, dst: Ipv6Addr) -> Result<Self, MldError> {
        gmp::parse_verified(
            checksum::verify_icmpv6(src, dst, bytes),
            || Self::parse_lenient(bytes),
            || {
                let start = pseudo_header_v6(src, dst, bytes.len() as u32, 58);
                let (computed, stored) = gmp::checksum_mismatch(start, bytes);
                MldError::BadChecksum { computed, stored }
            },
        )
    }

    /// Parses like [`parse`](Self::parse) without the checksum (captures with
    /// offloaded checksums, or messages from a raw ICMPv6 socket, whose
    /// kernel verified it). [`checksum_ok`](Self::checksum_ok) tells afterwards.
    #[inline(always)]
    pub fn parse_lenient(bytes: &'a [u8]) -> Result<Self, MldError> {
        // Reports are what a querier receives most: their parse inlines into
        // the caller, the other types go through one out-of-line dispatch.
        if bytes.first() == Some(&TYPE_REPORT_V2) {
            return ReportV2View::parse(bytes).map(MldMessage::ReportV2);
        }
        Self::parse_other(bytes)
    }

    /// [`parse_lenient`](Self::parse_lenient) for every type.
    fn parse_other(bytes: &'a [u8]) -> Result<Self, MldError> {
        let Some(&msg_type) = bytes.first() else {
            return Err(MldError::MessageTooShort { len: 0, needed: 4 });
        };
        let v1_header = || match MldHeader::ref_from_prefix(bytes) {
            Ok((hdr, _)) => Ok(hdr),
            Err(_) => Err(MldError::MessageTooShort {
                len: bytes.len(),
                needed: MLDV1_LEN,
            }),
        };
        Ok(match msg_type {
            TYPE_QUERY => match bytes.len() {
                MLDV1_LEN => MldMessage::QueryV1(QueryV1View::new(v1_header()?, bytes)),
                25..=27 => return Err(MldError::QueryLengthInvalid { len: bytes.len() }),
                _ if bytes.len() < MLDV1_LEN => {
                    return Err(MldError::MessageTooShort {
                        len: bytes.len(),
                        needed: MLDV1_LEN,
                    })
                }
                _ => MldMessage::QueryV2(QueryV2View::parse(bytes)?),
            },
            TYPE_REPORT_V1 => MldMessage::ReportV1(ReportV1View::new(v1_header()?, bytes)),
            TYPE_DONE_V1 => MldMessage::DoneV1(DoneV1View::new(v1_header()?, bytes)),
            TYPE_REPORT_V2 => MldMessage::ReportV2(ReportV2View::parse(bytes)?),
            msg_type if bytes.len() >= 4 => MldMessage::Unknown { msg_type, bytes },
            _ => {
                return Err(MldError::MessageTooShort {
                    len: bytes.len(),
                    needed: 4,
                })
            }
        })
    }

    /// The Type octet.
    #[inline]
    pub fn msg_type(&self) -> u8 {
        self.as_bytes().first().copied().unwrap_or(0)
    }

    /// The whole message as parsed, trailing octets included.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        match *self {
            MldMessage::QueryV1(v) => v.as_bytes(),
            MldMessage::QueryV2(v) => v.as_bytes(),
            MldMessage::ReportV1(v) => v.as_bytes(),
            MldMessage::DoneV1(v) => v.as_bytes(),
            MldMessage::ReportV2(v) => v.as_bytes(),
            MldMessage::Unknown { bytes, .. } => bytes,
        }
    }

    /// The stored Checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        gmp::stored_checksum(self.as_bytes())
    }

    /// Whether the checksum verifies for `src` → `dst`.
    #[inline]
    pub fn checksum_ok(&self, src: Ipv6Addr, dst: Ipv6Addr) -> bool {
        checksum::verify_icmpv6(src, dst, self.as_bytes())
    }
}

impl fmt::Display for MldMessage<'_> {
    /// A one-line summary in tcpdump's spirit.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MldMessage::QueryV1(q) => write!(
                f,
                "mld query v1 group {} max resp delay {} ms",
                q.group(),
                q.max_resp_delay()
            ),
            MldMessage::QueryV2(q) => write!(
                f,
                "mld query v2 group {} max resp code {:#06x} ({} ms) s {} qrv {} qqic {} s sources {}",
                q.group(),
                q.max_resp_code().0,
                q.max_resp_code().millis(),
                u8::from(q.s_flag()),
                q.qrv(),
                q.qqic().secs(),
                q.num_sources()
            ),
            MldMessage::ReportV1(r) => write!(f, "mld report v1 group {}", r.group()),
            MldMessage::DoneV1(r) => write!(f, "mld done v1 group {}", r.group()),
            MldMessage::ReportV2(r) => write!(f, "mld report v2 records {}", r.num_records()),
            MldMessage::Unknown { msg_type, bytes } => {
                write!(f, "icmp6 type {msg_type} length {}", bytes.len())
            }
        }
    }
}

#[cfg(test)]
mod tests;
