//! IGMP: version 1 (RFC 1112 App. I), version 2 (RFC 2236) and version 3
//! (RFC 3376, obsoleted by RFC 9776, which this module follows where the two
//! differ).
//!
//! # Parsing
//!
//! [`IgmpMessage::parse`] takes the whole IGMP message — the IPv4 payload up
//! to the IPv4 Total Length, **without** link-layer padding, which the caller
//! cuts — verifies the checksum over all of it (RFC 3376/9776 §4.1.2, §4.2.2)
//! and returns one of the views:
//!
//! | type | length | view |
//! |---|---|---|
//! | 0x11 | 8, Max Resp Code 0 | [`QueryV1View`] (RFC 1112, RFC 3376 §7.1) |
//! | 0x11 | 8, Max Resp Code ≠ 0 | [`QueryV2View`] (RFC 2236 §2) |
//! | 0x11 | ≥ 12 | [`QueryV3View`] (RFC 3376 §4.1) |
//! | 0x11 | 9–11 | [`IgmpError::QueryLengthInvalid`] (§7.1: silently ignore) |
//! | 0x12 | ≥ 8 | [`ReportV1View`] (RFC 1112 App. I) |
//! | 0x16 | ≥ 8 | [`ReportV2View`] (RFC 2236 §2) |
//! | 0x17 | ≥ 8 | [`LeaveV2View`] (RFC 2236 §2) |
//! | 0x22 | ≥ 8 | [`ReportV3View`] (RFC 3376 §4.2) |
//! | other | ≥ 8 | [`IgmpMessage::Unknown`] (DVMRP 0x13, PIMv1 0x14, mtrace 0x1e/0x1f, MRD 0x30–0x32, ...) |
//!
//! Octets after a v3 query's last source or a v3 report's last record are
//! covered by the checksum and otherwise ignored (the "Additional Data" rule, RFC 3376 §4.1.10 and §4.2.11, kept by RFC 9776);
//! v1/v2 reports and leaves are read as their first 8 octets (RFC 2236 §2.5),
//! the checksum still covering all octets. A query is never read that way:
//! its length decides its version.
//!
//! Whether a message arrived with TTL 1 and the Router Alert option (RFC 2113)
//! is the receiver's policy (RFC 3376 §9, RFC 9776 §5.2, §9), not a parse error:
//! real queriers omit Router Alert. Check it on the IPv4 header if you want to.
//!
//! # Emitting
//!
//! Each message has a repr ([`QueryV1`], [`QueryV2`], [`QueryV3`],
//! [`ReportV1`], [`ReportV2`], [`LeaveV2`], [`ReportV3`]) with `buffer_len`,
//! `emit` (checksum filled, length returned) and `destination` (the IPv4
//! destination address RFC 3376 §4.1.12/§4.2.14 and RFC 2236 §9 give it).
//! [`ReportV3Splitter`] packs many group records into as many reports as a size
//! budget requires (RFC 3376 §4.2.16). Every IGMP message is sent with TTL
//! [`IGMP_TTL`] and, from v2 on, the IPv4 Router Alert option (RFC 2113:
//! octets `94 04 00 00`, making the IPv4 header 24 octets; the IPv4 module
//! builds it); v3 messages also with TOS [`IGMPV3_TOS`] (RFC 3376 §4). Each
//! repr's `ipv4_repr(src)` gives that header as an
//! [`Ipv4Repr`](crate::ipv4::Ipv4Repr), destination and length included;
//! [`ipv4_repr`] does the same for a message already encoded.
//!
//! ```
//! use core::net::Ipv4Addr;
//! use ipv4kit_wire::igmp::{GroupRecordRepr, GroupRecordType, IgmpMessage, ReportV3};
//!
//! let sources = [Ipv4Addr::new(192, 0, 2, 1)];
//! let records = [GroupRecordRepr {
//!     record_type: GroupRecordType::AllowNewSources,
//!     group: Ipv4Addr::new(232, 1, 1, 1),
//!     sources: &sources,
//!     aux_data: &[],
//! }];
//! let report = ReportV3 { records: &records };
//! let mut buf = [0u8; 64];
//! let n = report.emit(&mut buf).unwrap();
//! assert_eq!(n, report.buffer_len());
//! assert_eq!(report.destination(), Ipv4Addr::new(224, 0, 0, 22));
//!
//! // Its IPv4 header: to 224.0.0.22, TTL 1, TOS 0xc0, Router Alert.
//! let ip = report.ipv4_repr(Ipv4Addr::UNSPECIFIED);
//! let mut datagram = [0u8; 64];
//! let h = ip.emit(&mut datagram).unwrap();
//! datagram[h..h + n].copy_from_slice(&buf[..n]);
//! assert_eq!((h, ip.ttl, ip.tos()), (24, 1, 0xc0));
//!
//! let IgmpMessage::ReportV3(view) = IgmpMessage::parse(&buf[..n]).unwrap() else { panic!() };
//! assert_eq!(view, report);
//! let record = view.records().next().unwrap();
//! assert_eq!(record.record_type(), GroupRecordType::AllowNewSources);
//! assert_eq!(record.sources().collect::<Vec<_>>(), sources);
//! ```

use core::fmt;
use core::net::Ipv4Addr;

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::checksum::{self, Checksum};
use crate::gmp;

mod code;
mod error;
mod ip;
mod query;
mod report;
mod split;
mod v3;

pub use code::{MaxRespCode, Qqic, FLOAT_CODE_MAX};
pub use error::{IgmpEmitError, IgmpError};
pub use ip::{ipv4_repr, IgmpVersion};
pub use query::{QueryV1, QueryV1View, QueryV2, QueryV2View, QueryV3, QueryV3View};
pub use report::{LeaveV2, LeaveV2View, ReportV1, ReportV1View, ReportV2, ReportV2View};
pub use split::{
    max_igmp_len, ReportV3Format, ReportV3Splitter, IPV4_HEADER_WITH_ROUTER_ALERT_LEN, MAX_IGMP_LEN,
};
pub use v3::{GroupRecord, GroupRecordRepr, GroupRecordType, GroupRecords, ReportV3, ReportV3View};

/// IP protocol number of IGMP (RFC 1112 App. I; IANA protocol numbers).
#[deprecated(
    since = "0.1.0",
    note = "one name per constant: use `ipv4::IpProtocol::IGMP` (`u8::from(IpProtocol::IGMP)` for the number)"
)]
pub const IP_PROTOCOL_IGMP: u8 = 2;

/// Type 0x11, Membership Query, all versions (RFC 1112 App. I, RFC 2236 §2.1,
/// RFC 3376 §4).
pub const TYPE_MEMBERSHIP_QUERY: u8 = 0x11;
/// Type 0x12, Version 1 Membership Report (RFC 1112 App. I, RFC 3376 §4).
pub const TYPE_REPORT_V1: u8 = 0x12;
/// Type 0x16, Version 2 Membership Report (RFC 2236 §2.1).
pub const TYPE_REPORT_V2: u8 = 0x16;
/// Type 0x17, Version 2 Leave Group (RFC 2236 §2.1).
pub const TYPE_LEAVE_V2: u8 = 0x17;
/// Type 0x22, Version 3 Membership Report (RFC 3376 §4).
pub const TYPE_REPORT_V3: u8 = 0x22;

/// TTL of every IGMP message (RFC 1112 App. I, RFC 2236 §2, RFC 3376 §4).
pub const IGMP_TTL: u8 = 1;

/// IPv4 TOS of IGMPv3 messages: 0xc0, Internetwork Control (RFC 3376 §4).
pub const IGMPV3_TOS: u8 = 0xc0;

/// The IGMP destinations (RFC 2236 §9, RFC 3376 §4.1.12, §4.2.14), defined
/// in [`addr`](crate::addr) with the other well-known groups.
pub use crate::addr::{ALL_IGMPV3_ROUTERS, ALL_ROUTERS, ALL_SYSTEMS};

/// The Max Resp Time, in tenths of a second, that hosts use for an IGMPv1
/// query, whose code field is 0: 100 (10 s). RFC 2236's rules for IGMPv1
/// routers read a Max Response Time of 0 as 100.
pub const V1_MAX_RESP_TIME_TENTHS: u8 = 100;

/// Length of the fixed part every IGMP message has (RFC 2236 §2).
pub(crate) const HEADER_LEN: usize = 8;

/// The 8 octets every IGMP message starts with; for v1/v2 messages the whole
/// message (RFC 1112 App. I, RFC 2236 §2).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub(crate) struct Header {
    pub(crate) msg_type: u8,
    pub(crate) code: u8,
    pub(crate) checksum: U16,
    pub(crate) group: [u8; 4],
}

impl Header {
    #[inline]
    pub(crate) fn group(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.group)
    }
}

/// The destination of a query for `group`: 224.0.0.1 for a General Query
/// (group 0.0.0.0), the group itself otherwise (RFC 3376 §4.1.12, RFC 2236 §9).
#[inline]
pub(crate) fn query_destination(group: Ipv4Addr) -> Ipv4Addr {
    if group.is_unspecified() {
        ALL_SYSTEMS
    } else {
        group
    }
}

/// Writes the checksum of `msg` (checksum field zero on entry) into octets 2–3.
#[inline]
pub(crate) fn fill_checksum(msg: &mut [u8]) {
    let c = checksum::checksum(msg);
    if let Some(field) = msg.get_mut(2..4) {
        field.copy_from_slice(&c.to_be_bytes());
    }
}

/// Checks that `buf` can take `needed` octets.
#[inline]
pub(crate) fn check_buffer(buf: &[u8], needed: usize) -> Result<(), IgmpEmitError> {
    if buf.len() < needed {
        Err(IgmpEmitError::BufferTooShort {
            needed,
            available: buf.len(),
        })
    } else {
        Ok(())
    }
}

/// Iterator over a list of IPv4 source addresses in wire format (RFC 3376
/// §4.1.9, §4.2.9), yielded as [`Ipv4Addr`]: the shared [`gmp::Sources`].
///
/// Bounded by the bytes it borrows: it never reads past them whatever the
/// message's counts said.
pub type Sources<'a> = gmp::Sources<'a, Ipv4Addr>;

/// One parsed IGMP message: a view per message kind (RFC 1112 App. I,
/// RFC 2236 §2, RFC 3376 §4 and §7.1, RFC 9776).
///
/// ```
/// use core::net::Ipv4Addr;
/// use ipv4kit_wire::igmp::{IgmpError, IgmpMessage};
///
/// // tcpdump IGMP_V2.pcap frame 6: a v2 Group-Specific Query, MRT 1.0 s.
/// let bytes = [0x11, 0x0a, 0x0c, 0xf1, 0xe1, 0x01, 0x01, 0x03];
/// match IgmpMessage::parse(&bytes).unwrap() {
///     IgmpMessage::QueryV2(q) => {
///         assert_eq!(q.max_resp_time(), 10);
///         assert_eq!(q.group(), Ipv4Addr::new(225, 1, 1, 3));
///     }
///     other => panic!("{other:?}"),
/// }
///
/// // A 10-octet query is neither v2 nor v3 (RFC 3376 §7.1).
/// let mut ten = [0u8; 10];
/// ten[0] = 0x11;
/// assert_eq!(IgmpMessage::parse(&ten), Err(IgmpError::QueryLengthInvalid { len: 10 }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IgmpMessage<'a> {
    /// IGMPv1 Membership Query: 8 octets, Max Resp Code 0 (RFC 1112, RFC 3376 §7.1).
    QueryV1(QueryV1View<'a>),
    /// IGMPv2 Membership Query: 8 octets, Max Resp Time ≠ 0 (RFC 2236 §2, RFC 3376 §7.1).
    QueryV2(QueryV2View<'a>),
    /// IGMPv3 Membership Query: 12 octets or more (RFC 3376 §4.1).
    QueryV3(QueryV3View<'a>),
    /// IGMPv1 Membership Report, type 0x12 (RFC 1112 App. I).
    ReportV1(ReportV1View<'a>),
    /// IGMPv2 Membership Report, type 0x16 (RFC 2236 §2).
    ReportV2(ReportV2View<'a>),
    /// IGMPv2 Leave Group, type 0x17 (RFC 2236 §2).
    LeaveV2(LeaveV2View<'a>),
    /// IGMPv3 Membership Report, type 0x22 (RFC 3376 §4.2).
    ReportV3(ReportV3View<'a>),
    /// Any other type (DVMRP 0x13, PIMv1 0x14, mtrace 0x1e/0x1f, Multicast
    /// Router Discovery 0x30–0x32, ...), kept as type and octets. RFC 3376 §4:
    /// unrecognized message types MUST be silently ignored — by the IGMP
    /// engine, which may still want to see them.
    Unknown {
        /// The Type octet.
        msg_type: u8,
        /// The whole message, checksum verified (unless parsed leniently).
        bytes: &'a [u8],
    },
}

impl<'a> IgmpMessage<'a> {
    /// Parses one IGMP message, verifying its checksum over all of `bytes`
    /// (RFC 3376/9776 §4.1.2 and §4.2.2: MUST verify before processing).
    ///
    /// `bytes` is the IPv4 payload up to the Total Length; the caller removes
    /// link-layer padding, which would otherwise turn an 8-octet query into an
    /// invalid or v3 one and break the checksum. Structural errors are reported
    /// before a bad checksum.
    #[inline]
    pub fn parse(bytes: &'a [u8]) -> Result<Self, IgmpError> {
        // Checksum first so the parse result goes straight to the caller
        // instead of being held (and copied) across the checksum call.
        gmp::parse_verified(
            checksum::verify(bytes),
            || Self::parse_lenient(bytes),
            || {
                let (computed, stored) = gmp::checksum_mismatch(Checksum::new(), bytes);
                IgmpError::BadChecksum { computed, stored }
            },
        )
    }

    /// Parses one IGMP message like [`parse`](Self::parse) but without
    /// verifying the checksum: for captures whose checksums were offloaded or
    /// mangled, and for tools that want to show a broken message anyway.
    /// [`checksum_ok`](Self::checksum_ok) tells afterwards.
    #[inline(always)]
    pub fn parse_lenient(bytes: &'a [u8]) -> Result<Self, IgmpError> {
        // Reports are what a querier receives most: their parse inlines into
        // the caller, the other types go through one out-of-line dispatch.
        if bytes.first() == Some(&TYPE_REPORT_V3) {
            return ReportV3View::parse(bytes).map(IgmpMessage::ReportV3);
        }
        Self::parse_other(bytes)
    }

    /// [`parse_lenient`](Self::parse_lenient) for every type.
    fn parse_other(bytes: &'a [u8]) -> Result<Self, IgmpError> {
        let Ok((hdr, _)) = Header::ref_from_prefix(bytes) else {
            return Err(IgmpError::MessageTooShort { len: bytes.len() });
        };
        Ok(match hdr.msg_type {
            TYPE_MEMBERSHIP_QUERY => match bytes.len() {
                HEADER_LEN if hdr.code == 0 => IgmpMessage::QueryV1(QueryV1View::new(hdr, bytes)),
                HEADER_LEN => IgmpMessage::QueryV2(QueryV2View::new(hdr, bytes)),
                9..=11 => return Err(IgmpError::QueryLengthInvalid { len: bytes.len() }),
                _ => IgmpMessage::QueryV3(QueryV3View::parse(bytes)?),
            },
            TYPE_REPORT_V1 => IgmpMessage::ReportV1(ReportV1View::new(hdr, bytes)),
            TYPE_REPORT_V2 => IgmpMessage::ReportV2(ReportV2View::new(hdr, bytes)),
            TYPE_LEAVE_V2 => IgmpMessage::LeaveV2(LeaveV2View::new(hdr, bytes)),
            TYPE_REPORT_V3 => IgmpMessage::ReportV3(ReportV3View::parse(bytes)?),
            msg_type => IgmpMessage::Unknown { msg_type, bytes },
        })
    }

    /// The Type octet (RFC 3376 §4).
    #[inline]
    pub fn msg_type(&self) -> u8 {
        self.as_bytes().first().copied().unwrap_or(0)
    }

    /// The whole message as parsed, trailing octets included.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        match *self {
            IgmpMessage::QueryV1(v) => v.as_bytes(),
            IgmpMessage::QueryV2(v) => v.as_bytes(),
            IgmpMessage::QueryV3(v) => v.as_bytes(),
            IgmpMessage::ReportV1(v) => v.as_bytes(),
            IgmpMessage::ReportV2(v) => v.as_bytes(),
            IgmpMessage::LeaveV2(v) => v.as_bytes(),
            IgmpMessage::ReportV3(v) => v.as_bytes(),
            IgmpMessage::Unknown { bytes, .. } => bytes,
        }
    }

    /// The stored Checksum field (RFC 3376 §4.1.2).
    #[inline]
    pub fn checksum(&self) -> u16 {
        gmp::stored_checksum(self.as_bytes())
    }

    /// Whether the checksum verifies over the whole message (always true for a
    /// message from [`parse`](Self::parse)).
    #[inline]
    pub fn checksum_ok(&self) -> bool {
        checksum::verify(self.as_bytes())
    }
}

/// Writes `msg_type`, `code`, a zero checksum and `group` as the 8-octet
/// header at the start of `buf` (which the caller checked is long enough).
#[inline]
pub(crate) fn write_header(buf: &mut [u8], msg_type: u8, code: u8, group: Ipv4Addr) {
    let hdr = Header {
        msg_type,
        code,
        checksum: U16::ZERO,
        group: group.octets(),
    };
    let _ = hdr.write_to_prefix(buf);
}

impl fmt::Display for IgmpMessage<'_> {
    /// A one-line summary in tcpdump's spirit.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IgmpMessage::QueryV1(q) => write!(f, "igmp query v1 group {}", q.group()),
            IgmpMessage::QueryV2(q) => write!(
                f,
                "igmp query v2 group {} max resp time {} tenths",
                q.group(),
                q.max_resp_time()
            ),
            IgmpMessage::QueryV3(q) => write!(
                f,
                "igmp query v3 group {} max resp code {:#04x} ({} tenths) s {} qrv {} qqic {} s sources {}",
                q.group(),
                q.max_resp_code().0,
                q.max_resp_code().tenths(),
                u8::from(q.s_flag()),
                q.qrv(),
                q.qqic().secs(),
                q.num_sources()
            ),
            IgmpMessage::ReportV1(r) => write!(f, "igmp report v1 group {}", r.group()),
            IgmpMessage::ReportV2(r) => write!(f, "igmp report v2 group {}", r.group()),
            IgmpMessage::LeaveV2(r) => write!(f, "igmp leave v2 group {}", r.group()),
            IgmpMessage::ReportV3(r) => write!(f, "igmp report v3 records {}", r.num_records()),
            IgmpMessage::Unknown { msg_type, bytes } => {
                write!(f, "igmp type {msg_type:#04x} length {}", bytes.len())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_checksum_reports_the_computed_value() {
        // zeek igmp-bad-checksum.pcap frame 5: off by one from frame 6.
        let bad = [0x16, 0x00, 0x09, 0x05, 0xe0, 0x00, 0x00, 0xfb];
        assert_eq!(
            IgmpMessage::parse(&bad),
            Err(IgmpError::BadChecksum {
                computed: 0x0904,
                stored: 0x0905
            })
        );
        let lenient = IgmpMessage::parse_lenient(&bad).unwrap();
        assert!(!lenient.checksum_ok());
        assert_eq!(lenient.checksum(), 0x0905);
    }

    #[test]
    fn bad_checksum_of_odd_length_message_is_computed_right() {
        let mut msg = [0x30, 0x14, 0, 0, 0, 3, 0, 2, 0x55];
        fill_checksum(&mut msg);
        let good = u16::from_be_bytes([msg[2], msg[3]]);
        msg[2] ^= 0x10;
        let stored = u16::from_be_bytes([msg[2], msg[3]]);
        assert_eq!(
            IgmpMessage::parse(&msg),
            Err(IgmpError::BadChecksum {
                computed: good,
                stored
            })
        );
    }

    #[test]
    fn short_messages_are_errors_for_every_type() {
        for len in 0..8 {
            let mut b = [0u8; 8];
            b[0] = 0x14; // hoobr_pimv1.pcap: a 4-octet PIMv1 fragment
            assert_eq!(
                IgmpMessage::parse_lenient(&b[..len]),
                Err(IgmpError::MessageTooShort { len })
            );
        }
    }

    #[test]
    fn display_summarises_each_kind() {
        use std::string::ToString;
        let q = [0x11, 0x64, 0xee, 0x9b, 0, 0, 0, 0];
        assert_eq!(
            IgmpMessage::parse(&q).unwrap().to_string(),
            "igmp query v2 group 0.0.0.0 max resp time 100 tenths"
        );
        let mra = [0x30, 0x14, 0xcf, 0xe6, 0x00, 0x03, 0x00, 0x02];
        assert_eq!(
            IgmpMessage::parse(&mra).unwrap().to_string(),
            "igmp type 0x30 length 8"
        );
    }
}
