//! MLDv2 (RFC 3810 §5, RFC 9777 §5): the Version 2 Multicast Listener Query
//! and Report, and the report splitter.

use core::fmt;
use core::net::Ipv6Addr;

use zerocopy::FromBytes;

use super::{
    check_buffer, fill_checksum, query_destination, write_header, MaxRespCode, MldEmitError,
    MldError, MldHeader, MldRepr, Qqic, Sources, ALL_MLDV2_ROUTERS, HOP_BY_HOP_RA_LEN, MLDV1_LEN,
    QUERY_V2_MIN_LEN, TYPE_QUERY, TYPE_REPORT_V2,
};
use crate::gmp::{
    self, source_count, write_query_body, write_record, write_report_header, DebugList, QueryBody,
    QueryBodyError, ReportFormat, ReportSplitter,
};

/// One multicast address record of an MLDv2 report (RFC 3810 §5.2.4),
/// borrowed: the shared [`gmp::GroupRecord`] over IPv6 addresses.
pub type GroupRecord<'a> = gmp::GroupRecord<'a, Ipv6Addr>;
/// Iterator over the multicast address records of an MLDv2 report.
pub type GroupRecords<'a> = gmp::GroupRecords<'a, Ipv6Addr>;
/// A multicast address record to emit (RFC 3810 §5.2.4).
pub type GroupRecordRepr<'a> = gmp::GroupRecordRepr<'a, Ipv6Addr>;

/// An MLDv2 Multicast Listener Query: type 130, 28 octets or more
/// (RFC 3810 §5.1, §8.1).
///
/// ```
/// use ipv4kit_wire::mld::{MldMessage, MaxRespCode, Qqic};
///
/// // tcpdump icmpv6.pcap packet 3: General Query, 10 s, QRV 2, QQIC 60.
/// let src = "fe80::b2a8:6eff:fe0c:d4e8".parse().unwrap();
/// let dst = "ff02::1".parse().unwrap();
/// let mut msg = [0u8; 28];
/// msg[..6].copy_from_slice(&[0x82, 0x00, 0x62, 0x3a, 0x27, 0x10]);
/// msg[24..26].copy_from_slice(&[0x02, 0x3c]);
/// let MldMessage::QueryV2(q) = MldMessage::parse(&msg, src, dst).unwrap() else { panic!() };
/// assert_eq!(q.max_resp_code(), MaxRespCode(10_000));
/// assert_eq!((q.s_flag(), q.qrv(), q.qqic()), (false, 2, Qqic(60)));
/// assert!(q.is_general());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueryV2View<'a> {
    hdr: &'a MldHeader,
    body: QueryBody<'a, Ipv6Addr>,
    bytes: &'a [u8],
}

impl<'a> QueryV2View<'a> {
    /// Parses a query of 28 octets or more, checking the sources fit.
    #[inline]
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, MldError> {
        let too_short = MldError::MessageTooShort {
            len: bytes.len(),
            needed: QUERY_V2_MIN_LEN,
        };
        let Ok((hdr, rest)) = MldHeader::ref_from_prefix(bytes) else {
            return Err(too_short);
        };
        match QueryBody::parse(rest) {
            Ok(body) => Ok(QueryV2View { hdr, body, bytes }),
            Err(QueryBodyError::Short) => Err(too_short),
            Err(QueryBodyError::SourcesTruncated {
                declared,
                available,
            }) => Err(MldError::SourcesTruncated {
                declared,
                available,
            }),
        }
    }

    /// Maximum Response Code (RFC 3810 §5.1.3).
    #[inline]
    pub fn max_resp_code(&self) -> MaxRespCode {
        MaxRespCode(self.hdr.max_resp.get())
    }

    /// Multicast Address (RFC 3810 §5.1.5): `::` in a General Query.
    #[inline]
    pub fn group(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.hdr.group)
    }

    /// Whether this is a General Query (address `::`).
    #[inline]
    pub fn is_general(&self) -> bool {
        self.group().is_unspecified()
    }

    /// The four high bits of octet 24: "Resv" in RFC 3810, "Flags" in
    /// RFC 9777 §5.1.6; sent as 0, ignored.
    #[inline]
    pub fn flags(&self) -> u8 {
        self.body.flags()
    }

    /// S flag, Suppress Router-Side Processing (RFC 3810 §5.1.7).
    #[inline]
    pub fn s_flag(&self) -> bool {
        self.body.s_flag()
    }

    /// Querier's Robustness Variable, 0..=7 (RFC 3810 §5.1.8).
    #[inline]
    pub fn qrv(&self) -> u8 {
        self.body.qrv()
    }

    /// Querier's Query Interval Code (RFC 3810 §5.1.9), 8-bit float seconds.
    #[inline]
    pub fn qqic(&self) -> Qqic {
        Qqic(self.body.qqic())
    }

    /// Number of Sources, N (RFC 3810 §5.1.10).
    #[inline]
    pub fn num_sources(&self) -> u16 {
        self.body.num_sources()
    }

    /// Source Addresses (RFC 3810 §5.1.11).
    #[inline]
    pub fn sources(&self) -> Sources<'a> {
        self.body.sources()
    }

    /// Code, sent as 0 and ignored (RFC 3810 §5.1.1).
    #[inline]
    pub fn code(&self) -> u8 {
        self.hdr.code
    }

    /// The stored Checksum field (RFC 3810 §5.1.2).
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.hdr.checksum.get()
    }

    /// Octets after the last source: covered by the checksum, otherwise
    /// ignored (RFC 3810 §5.1.12). Empty in a well-formed query.
    #[inline]
    pub fn extra(&self) -> &'a [u8] {
        self.body.extra()
    }

    /// The whole message, extra octets included.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

impl fmt::Debug for QueryV2View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (code, qqic) = (self.max_resp_code(), self.qqic());
        self.body
            .debug(f, "QueryV2View", &code, self.group(), &qqic)
    }
}

/// An MLDv2 Query to emit (RFC 3810 §5.1): General (group `::`, no sources)
/// to ff02::1, Multicast Address Specific or Multicast Address and Source
/// Specific to the group (RFC 3810 §5.1.15).
///
/// ```
/// use ipv4kit_wire::mld::{MaxRespCode, MldMessage, Qqic, QueryV2};
///
/// let q = QueryV2 {
///     max_resp_code: MaxRespCode(10_000),
///     group: core::net::Ipv6Addr::UNSPECIFIED,
///     s_flag: false,
///     qrv: 2,
///     qqic: Qqic(60),
///     sources: &[],
/// };
/// let src = "fe80::b2a8:6eff:fe0c:d4e8".parse().unwrap();
/// let mut buf = [0u8; 28];
/// assert_eq!(q.emit(src, q.destination(), &mut buf), Ok(28));
/// assert_eq!(&buf[..4], [0x82, 0x00, 0x62, 0x3a]); // tcpdump icmpv6.pcap packet 3
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QueryV2<'a> {
    /// Maximum Response Code (RFC 3810 §5.1.3).
    pub max_resp_code: MaxRespCode,
    /// Multicast Address; `::` for a General Query (RFC 3810 §5.1.5).
    pub group: Ipv6Addr,
    /// S flag (RFC 3810 §5.1.7).
    pub s_flag: bool,
    /// QRV; values above 7 are sent as 0 (RFC 3810 §5.1.8).
    pub qrv: u8,
    /// QQIC (RFC 3810 §5.1.9).
    pub qqic: Qqic,
    /// Source Addresses (RFC 3810 §5.1.11).
    pub sources: &'a [Ipv6Addr],
}

impl<'a> QueryV2<'a> {
    /// The repr of a parsed query, its sources copied into `sources`
    /// (`None` if it is too short).
    pub fn from_view(view: &QueryV2View<'_>, sources: &'a mut [Ipv6Addr]) -> Option<Self> {
        let n = usize::from(view.num_sources());
        let out = sources.get_mut(..n)?;
        for (slot, s) in out.iter_mut().zip(view.sources()) {
            *slot = s;
        }
        Some(QueryV2 {
            max_resp_code: view.max_resp_code(),
            group: view.group(),
            s_flag: view.s_flag(),
            qrv: view.qrv(),
            qqic: view.qqic(),
            sources: out,
        })
    }

    /// Octets [`emit`](Self::emit) writes: 28 + 16·N.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        QUERY_V2_MIN_LEN + 16 * self.sources.len()
    }

    /// Writes the query with its checksum for `src` → `dst`; returns its length.
    pub fn emit(
        &self,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        buf: &mut [u8],
    ) -> Result<usize, MldEmitError> {
        let n = source_count(self.sources)?;
        let len = self.buffer_len();
        check_buffer(buf, len)?;
        let msg = &mut buf[..len];
        write_header(msg, TYPE_QUERY, self.max_resp_code.0, self.group);
        let body = &mut msg[MLDV1_LEN..];
        write_query_body(body, self.s_flag, self.qrv, self.qqic.0, n, self.sources);
        fill_checksum(src, dst, msg);
        Ok(len)
    }

    /// IPv6 destination: ff02::1 for a General Query, the group otherwise
    /// (RFC 3810 §5.1.15).
    #[inline]
    pub fn destination(&self) -> Ipv6Addr {
        query_destination(self.group)
    }
}

impl MldRepr for QueryV2<'_> {
    #[inline]
    fn buffer_len(&self) -> usize {
        QueryV2::buffer_len(self)
    }
    #[inline]
    fn emit(&self, src: Ipv6Addr, dst: Ipv6Addr, buf: &mut [u8]) -> Result<usize, MldEmitError> {
        QueryV2::emit(self, src, dst, buf)
    }
    #[inline]
    fn destination(&self) -> Ipv6Addr {
        QueryV2::destination(self)
    }
}

impl PartialEq<QueryV2<'_>> for QueryV2View<'_> {
    /// Field by field (QRV above 7 compares as 0); Flags and extra octets
    /// are not part of the repr.
    fn eq(&self, other: &QueryV2<'_>) -> bool {
        let qrv = if other.qrv > 7 { 0 } else { other.qrv };
        self.max_resp_code() == other.max_resp_code
            && self.group() == other.group
            && self
                .body
                .matches(other.s_flag, qrv, other.qqic.0, other.sources)
    }
}

// ---------------------------------------------------------------- report

/// An MLDv2 Multicast Listener Report, type 143 (RFC 3810 §5.2).
///
/// Parsing walked the record chain once, checking every record fits, so
/// [`records`](Self::records) yields exactly [`num_records`](Self::num_records)
/// records. Octets after the last record are covered by the checksum and
/// otherwise ignored ([`extra`](Self::extra), RFC 3810 §5.2.11).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportV2View<'a> {
    bytes: &'a [u8],
    num_records: u16,
    records_len: usize,
    /// Length of every record if they are all equal, else 0.
    stride: usize,
}

impl<'a> ReportV2View<'a> {
    /// Parses a type 143 message of 8 octets or more, validating every record.
    #[inline(always)]
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, MldError> {
        let Some((head, body)) = bytes.split_first_chunk::<8>() else {
            return Err(MldError::MessageTooShort {
                len: bytes.len(),
                needed: 8,
            });
        };
        let num_records = u16::from_be_bytes([head[6], head[7]]);
        let (records_len, stride) = gmp::walk_records_stride::<Ipv6Addr>(body, num_records)?;
        Ok(ReportV2View {
            bytes,
            num_records,
            records_len,
            stride,
        })
    }

    /// Nr of Mcast Address Records, M (RFC 3810 §5.2.3).
    #[inline]
    pub fn num_records(&self) -> u16 {
        self.num_records
    }

    /// The multicast address records, in order (RFC 3810 §5.2.4).
    #[inline]
    pub fn records(&self) -> GroupRecords<'a> {
        GroupRecords::with_stride(
            self.bytes.get(8..).unwrap_or(&[]),
            self.num_records,
            self.stride,
        )
    }

    /// Octets 4–5, "Reserved" in RFC 3810 and "Flags" in RFC 9777 §5.2, raw.
    #[inline]
    pub fn flags(&self) -> u16 {
        match self.bytes {
            [_, _, _, _, a, b, ..] => u16::from_be_bytes([*a, *b]),
            _ => 0,
        }
    }

    /// The stored Checksum field (RFC 3810 §5.2.2).
    #[inline]
    pub fn checksum(&self) -> u16 {
        gmp::stored_checksum(self.bytes)
    }

    /// Octets after the last record (RFC 3810 §5.2.11); empty when well formed.
    #[inline]
    pub fn extra(&self) -> &'a [u8] {
        self.bytes.get(8 + self.records_len..).unwrap_or(&[])
    }

    /// The whole message, extra octets included.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

impl fmt::Debug for ReportV2View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReportV2View")
            .field("flags", &self.flags())
            .field("records", &DebugList(self.records()))
            .field("extra_len", &self.extra().len())
            .finish()
    }
}

/// An MLDv2 Report to emit (RFC 3810 §5.2), sent to ff02::16 with hop limit
/// 1 and Router Alert. It must fit one datagram; [`ReportV2Splitter`]
/// spreads records over several reports when they do not.
///
/// ```
/// use core::net::Ipv6Addr;
/// use ipv4kit_wire::mld::{GroupRecordRepr, GroupRecordType, MldMessage, ReportV2};
///
/// // tcpdump icmpv6.pcap packet 2: TO_EX(ff02::db8:1122:3344, {}), a join.
/// let records = [GroupRecordRepr {
///     record_type: GroupRecordType::ChangeToExclude,
///     group: "ff02::db8:1122:3344".parse().unwrap(),
///     sources: &[],
///     aux_data: &[],
/// }];
/// let report = ReportV2 { records: &records };
/// let src: Ipv6Addr = "fe80::215:17ff:fecc:e546".parse().unwrap();
/// let mut buf = [0u8; 28];
/// assert_eq!(report.emit(src, report.destination(), &mut buf), Ok(28));
/// let MldMessage::ReportV2(view) = MldMessage::parse(&buf, src, report.destination()).unwrap()
/// else { panic!() };
/// assert_eq!(view, report);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReportV2<'a> {
    /// The multicast address records, in order (RFC 3810 §5.2.4).
    pub records: &'a [GroupRecordRepr<'a>],
}

impl ReportV2<'_> {
    /// Octets [`emit`](Self::emit) writes: 8 + the records.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        8 + self
            .records
            .iter()
            .map(GroupRecordRepr::buffer_len)
            .sum::<usize>()
    }

    /// Writes the report with its checksum for `src` → `dst`; returns its length.
    pub fn emit(
        &self,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        buf: &mut [u8],
    ) -> Result<usize, MldEmitError> {
        let Ok(m) = u16::try_from(self.records.len()) else {
            return Err(MldEmitError::TooManyRecords {
                count: self.records.len(),
            });
        };
        for r in self.records {
            r.validate()?;
        }
        let len = self.buffer_len();
        check_buffer(buf, len)?;
        let msg = &mut buf[..len];
        write_report_header(msg, TYPE_REPORT_V2, m);
        let mut off = 8;
        for r in self.records {
            if let Some(out) = msg.get_mut(off..) {
                off += write_record(out, r.record_type, r.group, r.sources, r.aux_data);
            }
        }
        fill_checksum(src, dst, msg);
        Ok(len)
    }

    /// IPv6 destination: ff02::16, all MLDv2-capable routers (RFC 3810 §5.2.14).
    #[inline]
    pub const fn destination(&self) -> Ipv6Addr {
        ALL_MLDV2_ROUTERS
    }
}

impl MldRepr for ReportV2<'_> {
    #[inline]
    fn buffer_len(&self) -> usize {
        ReportV2::buffer_len(self)
    }
    #[inline]
    fn emit(&self, src: Ipv6Addr, dst: Ipv6Addr, buf: &mut [u8]) -> Result<usize, MldEmitError> {
        ReportV2::emit(self, src, dst, buf)
    }
    #[inline]
    fn destination(&self) -> Ipv6Addr {
        ALL_MLDV2_ROUTERS
    }
}

impl PartialEq<ReportV2<'_>> for ReportV2View<'_> {
    /// Record by record; Flags and extra octets are not part of the repr.
    fn eq(&self, other: &ReportV2<'_>) -> bool {
        usize::from(self.num_records()) == other.records.len()
            && self.records().zip(other.records).all(|(a, b)| a == *b)
    }
}

/// The largest MLD message one IPv6 datagram with the 8-octet hop-by-hop
/// header carries: 65535 − 8 octets (Payload Length counts the extension
/// header).
pub const MAX_MLD_LEN: usize = u16::MAX as usize - HOP_BY_HOP_RA_LEN;

/// The MLD message budget on a link with this MTU: `mtu − 40 − 8` (IPv6
/// header and hop-by-hop Router Alert; RFC 3810 §5.2.15: reports are sized
/// to the MTU, never fragmented). 1452 on Ethernet.
///
/// ```
/// assert_eq!(ipv4kit_wire::mld::max_mld_len(1500), 1452);
/// ```
#[inline]
pub const fn max_mld_len(mtu: usize) -> usize {
    mtu.saturating_sub(crate::ipv6::HEADER_LEN + HOP_BY_HOP_RA_LEN)
}

/// The MLDv2 report format for the shared [`ReportSplitter`]: IPv6 records,
/// type 143, the ICMPv6 checksum for this source and destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReportV2Format {
    /// The IPv6 source the reports are sent from (link-local, RFC 3810 §5.2.13).
    pub src: Ipv6Addr,
    /// The IPv6 destination, normally ff02::16 (RFC 3810 §5.2.14).
    pub dst: Ipv6Addr,
}

impl ReportFormat for ReportV2Format {
    type Addr = Ipv6Addr;
    type Error = MldEmitError;
    const REPORT_TYPE: u8 = TYPE_REPORT_V2;
    const MAX_LEN: usize = MAX_MLD_LEN;
    #[inline]
    fn fill_checksum(&self, msg: &mut [u8]) {
        fill_checksum(self.src, self.dst, msg);
    }
}

/// Emits multicast address records as one or more MLDv2 reports, each at
/// most `max_len` octets (RFC 3810 §5.2.15): the shared [`ReportSplitter`]
/// in the MLDv2 format, where its rules are told.
///
/// ```
/// use core::net::Ipv6Addr;
/// use ipv4kit_wire::mld::{max_mld_len, GroupRecordRepr, GroupRecordType, MldMessage, ReportV2Splitter};
///
/// let sources: Vec<Ipv6Addr> = (0..200u128).map(|i| Ipv6Addr::from(0x2001_0db8 << 96 | i)).collect();
/// let records = [GroupRecordRepr {
///     record_type: GroupRecordType::AllowNewSources,
///     group: "ff3e::8000:1".parse().unwrap(),
///     sources: &sources,
///     aux_data: &[],
/// }];
/// let src = "fe80::1".parse().unwrap();
/// let mut splitter = ReportV2Splitter::new(&records, max_mld_len(1500), src);
/// let mut buf = [0u8; 1452];
/// let mut seen = 0;
/// while let Some(res) = splitter.next_into(&mut buf) {
///     let n = res.unwrap();
///     let dst = "ff02::16".parse().unwrap();
///     let MldMessage::ReportV2(r) = MldMessage::parse(&buf[..n], src, dst).unwrap() else { panic!() };
///     seen += r.records().map(|rec| rec.sources().count()).sum::<usize>();
/// }
/// assert_eq!(seen, 200); // 89 + 89 + 22
/// ```
pub type ReportV2Splitter<'a> = ReportSplitter<'a, ReportV2Format>;

impl<'a> ReportSplitter<'a, ReportV2Format> {
    /// A splitter over `records` sent from `src` to ff02::16, each report at
    /// most `max_len` octets (see [`max_mld_len`]).
    #[inline]
    pub fn new(records: &'a [GroupRecordRepr<'a>], max_len: usize, src: Ipv6Addr) -> Self {
        ReportSplitter::with_format(
            ReportV2Format {
                src,
                dst: ALL_MLDV2_ROUTERS,
            },
            records,
            max_len,
        )
    }
}
