//! Membership Queries: IGMPv1 (RFC 1112 App. I), IGMPv2 (RFC 2236 §2) and
//! IGMPv3 (RFC 3376 §4.1, RFC 9776 §4.1), told apart by length and Max Resp
//! Code as RFC 3376/9776 §7.1 says.

use core::fmt;
use core::net::Ipv4Addr;
use core::time::Duration;

use zerocopy::FromBytes;

use crate::gmp::{source_count, write_query_body, QueryBody, QueryBodyError, QUERY_TAIL_LEN};

use super::{
    check_buffer, fill_checksum, query_destination, write_header, Header, IgmpEmitError, IgmpError,
    MaxRespCode, Qqic, Sources, ALL_SYSTEMS, HEADER_LEN, TYPE_MEMBERSHIP_QUERY,
    V1_MAX_RESP_TIME_TENTHS,
};

const QUERY_V3_FIXED_LEN: usize = HEADER_LEN + QUERY_TAIL_LEN;

// ---------------------------------------------------------------- views

/// An IGMPv1 Membership Query: 8 octets, type 0x11, code 0 (RFC 1112 App. I;
/// recognised by RFC 3376/9776 §7.1).
///
/// Hosts answering it wait up to 10 s ([`max_resp_time_tenths`](Self::max_resp_time_tenths)).
///
/// ```
/// use ipv4kit_wire::igmp::IgmpMessage;
///
/// // tcpdump IGMP_V1.pcap frame 1.
/// let bytes = [0x11, 0x00, 0xee, 0xff, 0, 0, 0, 0];
/// let IgmpMessage::QueryV1(q) = IgmpMessage::parse(&bytes).unwrap() else { panic!() };
/// assert_eq!(q.max_resp_time_tenths(), 100);
/// assert!(q.group().is_unspecified());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueryV1View<'a> {
    hdr: &'a Header,
    bytes: &'a [u8],
}

impl<'a> QueryV1View<'a> {
    #[inline]
    pub(crate) fn new(hdr: &'a Header, bytes: &'a [u8]) -> Self {
        QueryV1View { hdr, bytes }
    }

    /// The Group Address field; 0.0.0.0 in every v1 query (RFC 1112 App. I:
    /// "zeroed when sent, ignored when received").
    #[inline]
    pub fn group(&self) -> Ipv4Addr {
        self.hdr.group()
    }

    /// The response delay a host uses for a v1 query: 100 tenths (10 s)
    /// ([`V1_MAX_RESP_TIME_TENTHS`](super::V1_MAX_RESP_TIME_TENTHS), RFC 2236).
    #[inline]
    pub fn max_resp_time_tenths(&self) -> u8 {
        V1_MAX_RESP_TIME_TENTHS
    }

    /// [`max_resp_time_tenths`](Self::max_resp_time_tenths) as a [`Duration`].
    #[inline]
    pub fn max_resp_time(&self) -> Duration {
        Duration::from_secs(10)
    }

    /// The stored Checksum field (RFC 1112 App. I).
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.hdr.checksum.get()
    }

    /// The message octets (8).
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

impl fmt::Debug for QueryV1View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueryV1View")
            .field("group", &self.group())
            .field("checksum", &format_args!("{:#06x}", self.checksum()))
            .finish()
    }
}

/// An IGMPv2 Membership Query: 8 octets, type 0x11, Max Resp Time ≠ 0
/// (RFC 2236 §2; recognised by RFC 3376/9776 §7.1).
///
/// Byte 1 is a literal count of tenths of a second (RFC 2236 §2.2), never the
/// IGMPv3 float code: a v2 query with 200 there means 20.0 s, not 0xc8 decoded.
///
/// ```
/// use ipv4kit_wire::igmp::IgmpMessage;
/// use core::net::Ipv4Addr;
///
/// // tcpdump IGMP_V2.pcap frame 1: General Query, 10 s.
/// let bytes = [0x11, 0x64, 0xee, 0x9b, 0, 0, 0, 0];
/// let IgmpMessage::QueryV2(q) = IgmpMessage::parse(&bytes).unwrap() else { panic!() };
/// assert_eq!(q.max_resp_time(), 100);
/// assert!(q.is_general());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueryV2View<'a> {
    hdr: &'a Header,
    bytes: &'a [u8],
}

impl<'a> QueryV2View<'a> {
    #[inline]
    pub(crate) fn new(hdr: &'a Header, bytes: &'a [u8]) -> Self {
        QueryV2View { hdr, bytes }
    }

    /// Max Response Time in tenths of a second, literal (RFC 2236 §2.2), 1..=255.
    #[inline]
    pub fn max_resp_time(&self) -> u8 {
        self.hdr.code
    }

    /// [`max_resp_time`](Self::max_resp_time) as a [`Duration`].
    #[inline]
    pub fn max_resp_duration(&self) -> Duration {
        Duration::from_millis(u64::from(self.hdr.code) * 100)
    }

    /// Group Address: 0.0.0.0 for a General Query, the group for a
    /// Group-Specific Query (RFC 2236 §2.4).
    #[inline]
    pub fn group(&self) -> Ipv4Addr {
        self.hdr.group()
    }

    /// Whether this is a General Query (group 0.0.0.0) (RFC 2236 §2.4).
    #[inline]
    pub fn is_general(&self) -> bool {
        self.hdr.group == [0; 4]
    }

    /// The stored Checksum field (RFC 2236 §2.3).
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.hdr.checksum.get()
    }

    /// The message octets (8).
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

impl fmt::Debug for QueryV2View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueryV2View")
            .field("max_resp_time", &self.max_resp_time())
            .field("group", &self.group())
            .field("checksum", &format_args!("{:#06x}", self.checksum()))
            .finish()
    }
}

/// An IGMPv3 Membership Query: type 0x11, 12 octets or more (RFC 3376 §4.1,
/// RFC 9776 §4.1).
///
/// Parsing checked that the Number of Sources fits the message; octets after
/// the last source are covered by the checksum and otherwise ignored
/// ([`extra`](Self::extra); "Additional Data", RFC 3376 §4.1.10, kept by RFC 9776).
///
/// ```
/// use ipv4kit_wire::igmp::{IgmpMessage, MaxRespCode, Qqic};
/// use core::net::Ipv4Addr;
///
/// // Fuchsia packet-formats igmp_router_queries::v3::QUERY.
/// let bytes = [
///     0x11, 0x64, 0x24, 0x64, 0xe0, 0x00, 0x00, 0x01, 0x0a, 0x32, 0x00, 0x01,
///     0xe0, 0x00, 0x00, 0x02,
/// ];
/// let IgmpMessage::QueryV3(q) = IgmpMessage::parse(&bytes).unwrap() else { panic!() };
/// assert_eq!(q.max_resp_code(), MaxRespCode(100));
/// assert_eq!(q.group(), Ipv4Addr::new(224, 0, 0, 1));
/// assert!(q.s_flag());
/// assert_eq!(q.qrv(), 2);
/// assert_eq!(q.qqic(), Qqic(50));
/// assert_eq!(q.sources().collect::<Vec<_>>(), [Ipv4Addr::new(224, 0, 0, 2)]);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueryV3View<'a> {
    hdr: &'a Header,
    body: QueryBody<'a, Ipv4Addr>,
    bytes: &'a [u8],
}

impl<'a> QueryV3View<'a> {
    /// Parses a query of 12 or more octets (the caller routed it by §7.1).
    #[inline]
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, IgmpError> {
        let too_short = IgmpError::QueryLengthInvalid { len: bytes.len() };
        let Ok((hdr, rest)) = Header::ref_from_prefix(bytes) else {
            return Err(too_short);
        };
        match QueryBody::parse(rest) {
            Ok(body) => Ok(QueryV3View { hdr, body, bytes }),
            Err(QueryBodyError::Short) => Err(too_short),
            Err(QueryBodyError::SourcesTruncated {
                declared,
                available,
            }) => Err(IgmpError::SourcesTruncated {
                declared,
                available,
            }),
        }
    }

    /// Max Resp Code (RFC 3376 §4.1.1), a float code in tenths of a second.
    #[inline]
    pub fn max_resp_code(&self) -> MaxRespCode {
        MaxRespCode(self.hdr.code)
    }

    /// Group Address: 0.0.0.0 for a General Query, else the group of a
    /// Group-Specific or Group-and-Source-Specific Query (RFC 3376 §4.1.3).
    #[inline]
    pub fn group(&self) -> Ipv4Addr {
        self.hdr.group()
    }

    /// Whether this is a General Query: group 0.0.0.0 (RFC 3376 §4.1.11, Query Variants).
    #[inline]
    pub fn is_general(&self) -> bool {
        self.hdr.group == [0; 4]
    }

    /// The 4-bit field RFC 3376 §4.1.4 calls "Resv" and RFC 9776 §4.1.4 calls
    /// "Flags", raw (0..=15). Senders set it to 0, receivers ignore it.
    #[inline]
    pub fn flags(&self) -> u8 {
        self.body.flags()
    }

    /// S flag, Suppress Router-Side Processing (RFC 3376 §4.1.5).
    #[inline]
    pub fn s_flag(&self) -> bool {
        self.body.s_flag()
    }

    /// QRV, Querier's Robustness Variable (RFC 3376 §4.1.6), 0..=7; 0 means
    /// the querier's value exceeded 7 and receivers use their own.
    #[inline]
    pub fn qrv(&self) -> u8 {
        self.body.qrv()
    }

    /// QQIC, Querier's Query Interval Code (RFC 3376 §4.1.7), in seconds.
    #[inline]
    pub fn qqic(&self) -> Qqic {
        Qqic(self.body.qqic())
    }

    /// Number of Sources, N (RFC 3376 §4.1.8).
    #[inline]
    pub fn num_sources(&self) -> u16 {
        self.body.num_sources()
    }

    /// The N Source Addresses (RFC 3376 §4.1.9).
    #[inline]
    pub fn sources(&self) -> Sources<'a> {
        self.body.sources()
    }

    /// Octets after the last source: covered by the checksum, otherwise
    /// ignored ("Additional Data", RFC 3376 §4.1.10, kept by RFC 9776). Empty in a well-formed query.
    #[inline]
    pub fn extra(&self) -> &'a [u8] {
        self.body.extra()
    }

    /// The stored Checksum field (RFC 3376 §4.1.2).
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.hdr.checksum.get()
    }

    /// The whole message, extra octets included.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

impl fmt::Debug for QueryV3View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (code, qqic) = (self.max_resp_code(), self.qqic());
        self.body
            .debug(f, "QueryV3View", &code, self.group(), &qqic)
    }
}

// ---------------------------------------------------------------- reprs

/// An IGMPv1 Membership Query to emit: 8 octets, code 0, group 0.0.0.0
/// (RFC 1112 App. I), sent to 224.0.0.1 with TTL 1.
///
/// ```
/// use ipv4kit_wire::igmp::QueryV1;
///
/// let mut buf = [0u8; 8];
/// assert_eq!(QueryV1.emit(&mut buf), Ok(8));
/// // tcpdump IGMP_V1.pcap frame 1.
/// assert_eq!(buf, [0x11, 0x00, 0xee, 0xff, 0, 0, 0, 0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct QueryV1;

impl QueryV1 {
    /// The repr of a parsed v1 query.
    #[inline]
    pub fn from_view(_view: &QueryV1View<'_>) -> Self {
        QueryV1
    }

    /// Octets [`emit`](Self::emit) writes: 8.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the query with its checksum into `buf`; returns 8.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, IgmpEmitError> {
        check_buffer(buf, HEADER_LEN)?;
        write_header(buf, TYPE_MEMBERSHIP_QUERY, 0, Ipv4Addr::UNSPECIFIED);
        fill_checksum(&mut buf[..HEADER_LEN]);
        Ok(HEADER_LEN)
    }

    /// IPv4 destination: 224.0.0.1, all systems (RFC 1112 App. I).
    #[inline]
    pub const fn destination(&self) -> Ipv4Addr {
        ALL_SYSTEMS
    }
}

/// An IGMPv2 Membership Query to emit (RFC 2236 §2): 8 octets.
///
/// `max_resp_time` is literal tenths of a second (RFC 2236 §2.2). It must not
/// be 0: an 8-octet query with code 0 is an IGMPv1 query (RFC 3376 §7.1), and
/// parses back as one.
///
/// ```
/// use ipv4kit_wire::igmp::QueryV2;
/// use core::net::Ipv4Addr;
///
/// let q = QueryV2 { max_resp_time: 10, group: Ipv4Addr::new(225, 1, 1, 3) };
/// let mut buf = [0u8; 8];
/// q.emit(&mut buf).unwrap();
/// // tcpdump IGMP_V2.pcap frame 6.
/// assert_eq!(buf, [0x11, 0x0a, 0x0c, 0xf1, 0xe1, 0x01, 0x01, 0x03]);
/// assert_eq!(q.destination(), Ipv4Addr::new(225, 1, 1, 3));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QueryV2 {
    /// Max Response Time, tenths of a second, literal (RFC 2236 §2.2).
    pub max_resp_time: u8,
    /// 0.0.0.0 for a General Query, else the group (RFC 2236 §2.4).
    pub group: Ipv4Addr,
}

impl QueryV2 {
    /// The repr of a parsed v2 query.
    #[inline]
    pub fn from_view(view: &QueryV2View<'_>) -> Self {
        QueryV2 {
            max_resp_time: view.max_resp_time(),
            group: view.group(),
        }
    }

    /// Octets [`emit`](Self::emit) writes: 8.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the query with its checksum into `buf`; returns 8.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, IgmpEmitError> {
        check_buffer(buf, HEADER_LEN)?;
        write_header(buf, TYPE_MEMBERSHIP_QUERY, self.max_resp_time, self.group);
        fill_checksum(&mut buf[..HEADER_LEN]);
        Ok(HEADER_LEN)
    }

    /// IPv4 destination: 224.0.0.1 for a General Query, the group for a
    /// Group-Specific Query (RFC 2236 §9).
    #[inline]
    pub fn destination(&self) -> Ipv4Addr {
        query_destination(self.group)
    }
}

/// An IGMPv3 Membership Query to emit (RFC 3376 §4.1, RFC 9776 §4.1):
/// 12 + 4·N octets.
///
/// The Flags/Resv nibble is sent as 0. `qrv` above 7 is sent as 0, as RFC 3376
/// §4.1.6 says for a Robustness Variable that does not fit; such a repr does
/// not compare equal to its parsed message.
///
/// ```
/// use ipv4kit_wire::igmp::{IgmpMessage, MaxRespCode, Qqic, QueryV3};
/// use core::net::Ipv4Addr;
///
/// let q = QueryV3 {
///     max_resp_code: MaxRespCode(0x64),
///     group: Ipv4Addr::UNSPECIFIED,
///     s_flag: false,
///     qrv: 2,
///     qqic: Qqic(125),
///     sources: &[],
/// };
/// let mut buf = [0u8; 12];
/// assert_eq!(q.emit(&mut buf), Ok(12));
/// // tcpdump igmpv3-queries.pcap frame 1.
/// assert_eq!(buf, [0x11, 0x64, 0xec, 0x1e, 0, 0, 0, 0, 0x02, 0x7d, 0, 0]);
/// let IgmpMessage::QueryV3(view) = IgmpMessage::parse(&buf).unwrap() else { panic!() };
/// assert_eq!(view, q);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QueryV3<'a> {
    /// Max Resp Code (RFC 3376 §4.1.1).
    pub max_resp_code: MaxRespCode,
    /// 0.0.0.0 for a General Query, else the group (RFC 3376 §4.1.3).
    pub group: Ipv4Addr,
    /// S flag, Suppress Router-Side Processing (RFC 3376 §4.1.5).
    pub s_flag: bool,
    /// Querier's Robustness Variable, 0..=7; larger values are sent as 0
    /// (RFC 3376 §4.1.6).
    pub qrv: u8,
    /// Querier's Query Interval Code (RFC 3376 §4.1.7).
    pub qqic: Qqic,
    /// Source addresses for a Group-and-Source-Specific Query (RFC 3376 §4.1.9).
    pub sources: &'a [Ipv4Addr],
}

impl QueryV3<'_> {
    /// Octets [`emit`](Self::emit) writes: 12 + 4·N.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        QUERY_V3_FIXED_LEN + 4 * self.sources.len()
    }

    /// Writes the query with its checksum into `buf` and returns its length.
    ///
    /// Errors: more than 65535 sources, or a short buffer.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, IgmpEmitError> {
        let n = source_count(self.sources)?;
        let len = self.buffer_len();
        check_buffer(buf, len)?;
        let msg = &mut buf[..len];
        write_header(msg, TYPE_MEMBERSHIP_QUERY, self.max_resp_code.0, self.group);
        let body = &mut msg[HEADER_LEN..];
        write_query_body(body, self.s_flag, self.qrv, self.qqic.0, n, self.sources);
        fill_checksum(msg);
        Ok(len)
    }

    /// IPv4 destination: 224.0.0.1 for a General Query, the group otherwise
    /// (RFC 3376 §4.1.12).
    #[inline]
    pub fn destination(&self) -> Ipv4Addr {
        query_destination(self.group)
    }
}

impl PartialEq<QueryV3<'_>> for QueryV3View<'_> {
    /// Field by field, sources in order; the Flags nibble and extra octets are
    /// not part of the repr and not compared.
    fn eq(&self, other: &QueryV3<'_>) -> bool {
        self.max_resp_code() == other.max_resp_code
            && self.group() == other.group
            && self
                .body
                .matches(other.s_flag, other.qrv, other.qqic.0, other.sources)
    }
}

impl PartialEq<QueryV3View<'_>> for QueryV3<'_> {
    fn eq(&self, other: &QueryV3View<'_>) -> bool {
        other == self
    }
}

impl PartialEq<QueryV2> for QueryV2View<'_> {
    fn eq(&self, other: &QueryV2) -> bool {
        QueryV2::from_view(self) == *other
    }
}

#[cfg(test)]
mod tests;
