//! IGMPv3 Membership Report and its group records (RFC 3376 §4.2, RFC 9776
//! §4.2).

use core::fmt;
use core::net::Ipv4Addr;

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::query::DebugList;
use super::{
    check_buffer, fill_checksum, IgmpEmitError, IgmpError, Sources, ALL_IGMPV3_ROUTERS, HEADER_LEN,
    TYPE_REPORT_V3,
};

/// The 8-octet header of an IGMPv3 report (RFC 3376 §4.2).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
struct ReportV3Header {
    msg_type: u8,
    reserved: u8,
    checksum: U16,
    /// "Reserved" in RFC 3376 §4.2, "Flags" in RFC 9776 §4.2.
    flags: U16,
    num_records: U16,
}

/// The 8-octet header of a group record (RFC 3376 §4.2.4).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
struct GroupRecordHeader {
    record_type: u8,
    aux_data_len: u8,
    num_sources: U16,
    group: [u8; 4],
}

pub(crate) const RECORD_HEADER_LEN: usize = 8;

/// Largest auxiliary data a record can carry: 255 32-bit words (RFC 3376 §4.2.6).
pub(crate) const MAX_AUX_LEN: usize = 255 * 4;

/// Record Type of an IGMPv3 group record (RFC 3376 §4.2.12; names from
/// RFC 3376 §4.2.12 and RFC 9776 §4.2.12).
///
/// ```
/// use ipv4kit_wire::igmp::GroupRecordType;
///
/// assert_eq!(GroupRecordType::from(4), GroupRecordType::ChangeToExclude);
/// assert_eq!(u8::from(GroupRecordType::BlockOldSources), 6);
/// assert_eq!(GroupRecordType::from(9), GroupRecordType::Unknown(9));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupRecordType {
    /// 1, MODE_IS_INCLUDE (IS_IN): a Current-State Record (RFC 3376 §4.2.12).
    ModeIsInclude,
    /// 2, MODE_IS_EXCLUDE (IS_EX): a Current-State Record.
    ModeIsExclude,
    /// 3, CHANGE_TO_INCLUDE_MODE (TO_IN): a Filter-Mode-Change Record.
    ChangeToInclude,
    /// 4, CHANGE_TO_EXCLUDE_MODE (TO_EX): a Filter-Mode-Change Record.
    ChangeToExclude,
    /// 5, ALLOW_NEW_SOURCES (ALLOW): a Source-List-Change Record.
    AllowNewSources,
    /// 6, BLOCK_OLD_SOURCES (BLOCK): a Source-List-Change Record.
    BlockOldSources,
    /// Any other value: receivers MUST silently ignore the record (RFC 3376
    /// §4.2.12); the [`GroupRecords`] iterator still yields it so the caller
    /// can skip it.
    Unknown(u8),
}

impl GroupRecordType {
    /// Whether this is MODE_IS_EXCLUDE or CHANGE_TO_EXCLUDE_MODE, the two types
    /// whose surplus sources are dropped, not split, when a record does not fit
    /// one report (RFC 3376 §4.2.16).
    #[inline]
    pub fn is_exclude(self) -> bool {
        matches!(
            self,
            GroupRecordType::ModeIsExclude | GroupRecordType::ChangeToExclude
        )
    }
}

impl From<u8> for GroupRecordType {
    #[inline]
    fn from(v: u8) -> Self {
        match v {
            1 => GroupRecordType::ModeIsInclude,
            2 => GroupRecordType::ModeIsExclude,
            3 => GroupRecordType::ChangeToInclude,
            4 => GroupRecordType::ChangeToExclude,
            5 => GroupRecordType::AllowNewSources,
            6 => GroupRecordType::BlockOldSources,
            other => GroupRecordType::Unknown(other),
        }
    }
}

impl From<GroupRecordType> for u8 {
    #[inline]
    fn from(t: GroupRecordType) -> u8 {
        match t {
            GroupRecordType::ModeIsInclude => 1,
            GroupRecordType::ModeIsExclude => 2,
            GroupRecordType::ChangeToInclude => 3,
            GroupRecordType::ChangeToExclude => 4,
            GroupRecordType::AllowNewSources => 5,
            GroupRecordType::BlockOldSources => 6,
            GroupRecordType::Unknown(v) => v,
        }
    }
}

// ---------------------------------------------------------------- views

/// One group record of an IGMPv3 report (RFC 3376 §4.2.4), borrowed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupRecord<'a> {
    hdr: &'a GroupRecordHeader,
    sources: &'a [[u8; 4]],
    aux: &'a [u8],
}

impl<'a> GroupRecord<'a> {
    /// Record Type (RFC 3376 §4.2.5).
    #[inline]
    pub fn record_type(&self) -> GroupRecordType {
        GroupRecordType::from(self.hdr.record_type)
    }

    /// Aux Data Len, in 32-bit words (RFC 3376 §4.2.6).
    #[inline]
    pub fn aux_data_len(&self) -> u8 {
        self.hdr.aux_data_len
    }

    /// Number of Sources (RFC 3376 §4.2.7).
    #[inline]
    pub fn num_sources(&self) -> u16 {
        self.hdr.num_sources.get()
    }

    /// Multicast Address (RFC 3376 §4.2.8).
    #[inline]
    pub fn group(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.hdr.group)
    }

    /// Source Addresses (RFC 3376 §4.2.9).
    #[inline]
    pub fn sources(&self) -> Sources<'a> {
        Sources::new(self.sources)
    }

    /// Auxiliary Data, `4 * aux_data_len()` octets; IGMPv3 defines none and
    /// receivers ignore it (RFC 3376 §4.2.10).
    #[inline]
    pub fn aux_data(&self) -> &'a [u8] {
        self.aux
    }

    /// Length of the record in octets: 8 + 4·N + 4·Aux Data Len.
    #[inline]
    pub fn len(&self) -> usize {
        RECORD_HEADER_LEN + 4 * self.sources.len() + self.aux.len()
    }

    /// Always false: a record has at least its 8-octet header.
    #[inline]
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl fmt::Debug for GroupRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupRecord")
            .field("record_type", &self.record_type())
            .field("group", &self.group())
            .field("sources", &DebugList(self.sources()))
            .field("aux_data_len", &self.aux_data_len())
            .finish()
    }
}

/// Iterator over the group records of an IGMPv3 report (RFC 3376 §4.2.4).
///
/// From [`ReportV3View::records`] it yields exactly Number of Group Records
/// records, already validated by the parse. Built with
/// [`GroupRecords::new`] over arbitrary octets it stops at the first record
/// that does not fit; either way it never reads past its bytes and runs at
/// most `count` times.
#[derive(Clone, Debug)]
pub struct GroupRecords<'a> {
    rest: &'a [u8],
    remaining: u16,
}

impl<'a> GroupRecords<'a> {
    /// Iterates up to `count` records laid out from the start of `bytes`,
    /// stopping early at the first that is cut short.
    #[inline]
    pub fn new(bytes: &'a [u8], count: u16) -> Self {
        GroupRecords {
            rest: bytes,
            remaining: count,
        }
    }
}

impl<'a> Iterator for GroupRecords<'a> {
    type Item = GroupRecord<'a>;

    /// Splits one record off the front: plain slicing on the lengths in its
    /// header (from a parsed report these checks never fail).
    #[inline]
    fn next(&mut self) -> Option<GroupRecord<'a>> {
        if self.remaining == 0 {
            return None;
        }
        let Some((h, tail)) = self.rest.split_first_chunk::<RECORD_HEADER_LEN>() else {
            self.remaining = 0;
            return None;
        };
        // One sum of 32-bit words for sources and aux data keeps the
        // load-to-next-record dependency chain short.
        let n = usize::from(u16::from_be_bytes([h[2], h[3]]));
        let words = n + usize::from(h[1]);
        let Some((body, next)) = tail.split_at_checked(4 * words) else {
            self.remaining = 0;
            return None;
        };
        self.rest = next;
        self.remaining -= 1;
        let (src, aux) = body.split_at_checked(4 * n).unwrap_or((&[], &[]));
        Some(GroupRecord {
            hdr: zerocopy::transmute_ref!(h),
            // `src` is 4·N octets, so this never falls back.
            sources: <[[u8; 4]]>::ref_from_bytes(src).unwrap_or(&[]),
            aux,
        })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let max = usize::from(self.remaining).min(self.rest.len() / RECORD_HEADER_LEN);
        (0, Some(max))
    }
}

impl core::iter::FusedIterator for GroupRecords<'_> {}

/// An IGMPv3 Membership Report, type 0x22 (RFC 3376 §4.2, RFC 9776 §4.2).
///
/// Parsing walked the record chain once, checking every record fits, so
/// [`records`](Self::records) yields exactly [`num_records`](Self::num_records)
/// records. Octets after the last record are covered by the checksum and
/// otherwise ignored ([`extra`](Self::extra); "Additional Data", RFC 3376 §4.2.11, kept by RFC 9776).
///
/// ```
/// use ipv4kit_wire::igmp::{GroupRecordType, IgmpMessage};
/// use core::net::Ipv4Addr;
///
/// // tcpdump eapon1.pcap frame 44: TO_EX(239.255.255.250){}, a join.
/// let bytes = [
///     0x22, 0x00, 0xea, 0x03, 0x00, 0x00, 0x00, 0x01,
///     0x04, 0x00, 0x00, 0x00, 0xef, 0xff, 0xff, 0xfa,
/// ];
/// let IgmpMessage::ReportV3(r) = IgmpMessage::parse(&bytes).unwrap() else { panic!() };
/// assert_eq!(r.num_records(), 1);
/// let rec = r.records().next().unwrap();
/// assert_eq!(rec.record_type(), GroupRecordType::ChangeToExclude);
/// assert_eq!(rec.group(), Ipv4Addr::new(239, 255, 255, 250));
/// assert_eq!(rec.sources().count(), 0);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportV3View<'a> {
    hdr: &'a ReportV3Header,
    /// Everything after the header: the records, then any extra octets.
    body: &'a [u8],
    /// Octets of `body` the records take.
    records_len: usize,
    bytes: &'a [u8],
}

impl<'a> ReportV3View<'a> {
    /// Parses a type 0x22 message of 8 octets or more, validating every
    /// record's length. The walk is bounded by the bytes: each record consumes
    /// at least 8 of them, or parsing stops with an error.
    #[inline]
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, IgmpError> {
        let Ok((hdr, body)) = ReportV3Header::ref_from_prefix(bytes) else {
            return Err(IgmpError::MessageTooShort { len: bytes.len() });
        };
        let mut rest = body;
        for index in 0..hdr.num_records.get() {
            let Some((rh, _)) = rest.split_first_chunk::<RECORD_HEADER_LEN>() else {
                return Err(IgmpError::RecordHeaderTruncated {
                    index,
                    available: rest.len(),
                });
            };
            let needed = RECORD_HEADER_LEN
                + 4 * usize::from(u16::from_be_bytes([rh[2], rh[3]]))
                + 4 * usize::from(rh[1]);
            match rest.get(needed..) {
                Some(tail) => rest = tail,
                None => {
                    return Err(IgmpError::RecordTruncated {
                        index,
                        needed,
                        available: rest.len(),
                    })
                }
            }
        }
        let used = body.len() - rest.len();
        Ok(ReportV3View {
            hdr,
            body,
            records_len: used,
            bytes,
        })
    }

    /// Number of Group Records, M (RFC 3376 §4.2.3).
    #[inline]
    pub fn num_records(&self) -> u16 {
        self.hdr.num_records.get()
    }

    /// The group records, in order (RFC 3376 §4.2.4).
    #[inline]
    pub fn records(&self) -> GroupRecords<'a> {
        // Over the whole body, not cut at `records_len`: the walk then does not
        // wait on the end of the validation walk, and the count stops it.
        GroupRecords::new(self.body, self.hdr.num_records.get())
    }

    /// Octets 4–5, "Reserved" in RFC 3376 §4.2 and "Flags" in RFC 9776 §4.2,
    /// raw. Senders set 0, receivers ignore.
    #[inline]
    pub fn flags(&self) -> u16 {
        self.hdr.flags.get()
    }

    /// Octet 1, Reserved (RFC 3376 §4.2.1), raw.
    #[inline]
    pub fn reserved(&self) -> u8 {
        self.hdr.reserved
    }

    /// The stored Checksum field (RFC 3376 §4.2.2).
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.hdr.checksum.get()
    }

    /// Octets after the last record: covered by the checksum, otherwise
    /// ignored ("Additional Data", RFC 3376 §4.2.11, kept by RFC 9776). Empty in a well-formed report.
    #[inline]
    pub fn extra(&self) -> &'a [u8] {
        self.bytes
            .get(HEADER_LEN + self.records_len..)
            .unwrap_or(&[])
    }

    /// The whole message, extra octets included.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

impl fmt::Debug for ReportV3View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReportV3View")
            .field("flags", &self.flags())
            .field("records", &DebugList(self.records()))
            .field("extra_len", &self.extra().len())
            .finish()
    }
}

// ---------------------------------------------------------------- reprs

/// A group record to emit (RFC 3376 §4.2.4).
///
/// `aux_data` is normally empty (RFC 3376 §4.2.6: IGMPv3 senders send none);
/// when given it must be whole 32-bit words, at most 255.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupRecordRepr<'a> {
    /// Record Type (RFC 3376 §4.2.12).
    pub record_type: GroupRecordType,
    /// Multicast Address (RFC 3376 §4.2.8).
    pub group: Ipv4Addr,
    /// Source Addresses (RFC 3376 §4.2.9).
    pub sources: &'a [Ipv4Addr],
    /// Auxiliary Data (RFC 3376 §4.2.10), a multiple of 4 octets.
    pub aux_data: &'a [u8],
}

impl GroupRecordRepr<'_> {
    /// Octets the record takes: 8 + 4·N + aux.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        RECORD_HEADER_LEN + 4 * self.sources.len() + self.aux_data.len()
    }

    /// Checks the counts fit their fields.
    pub(crate) fn validate(&self) -> Result<(), IgmpEmitError> {
        if self.sources.len() > usize::from(u16::MAX) {
            return Err(IgmpEmitError::TooManySources {
                count: self.sources.len(),
            });
        }
        check_aux(self.aux_data)
    }
}

pub(crate) fn check_aux(aux: &[u8]) -> Result<(), IgmpEmitError> {
    if !aux.len().is_multiple_of(4) || aux.len() > MAX_AUX_LEN {
        Err(IgmpEmitError::AuxDataInvalid { len: aux.len() })
    } else {
        Ok(())
    }
}

/// Writes one record (counts already validated, buffer already long enough);
/// returns its length.
#[inline]
pub(crate) fn write_record(
    buf: &mut [u8],
    record_type: GroupRecordType,
    group: Ipv4Addr,
    sources: &[Ipv4Addr],
    aux: &[u8],
) -> usize {
    let hdr = GroupRecordHeader {
        record_type: record_type.into(),
        aux_data_len: (aux.len() / 4) as u8,
        num_sources: U16::new(sources.len() as u16),
        group: group.octets(),
    };
    let len = RECORD_HEADER_LEN + 4 * sources.len() + aux.len();
    let Some(out) = buf.get_mut(..len) else {
        return 0;
    };
    let (head, body) = out.split_at_mut(RECORD_HEADER_LEN);
    head.copy_from_slice(hdr.as_bytes());
    let (src_out, aux_out) = body.split_at_mut(4 * sources.len());
    for (slot, src) in src_out.chunks_exact_mut(4).zip(sources) {
        slot.copy_from_slice(&src.octets());
    }
    aux_out.copy_from_slice(aux);
    len
}

/// Writes the 8-octet report header with a zero checksum.
#[inline]
pub(crate) fn write_report_header(buf: &mut [u8], num_records: u16) {
    let hdr = ReportV3Header {
        msg_type: TYPE_REPORT_V3,
        reserved: 0,
        checksum: U16::ZERO,
        flags: U16::ZERO,
        num_records: U16::new(num_records),
    };
    let _ = hdr.write_to_prefix(buf);
}

/// An IGMPv3 Membership Report to emit (RFC 3376 §4.2), sent to 224.0.0.22
/// with TTL 1, TOS 0xc0 and Router Alert.
///
/// It must fit one IPv4 datagram; [`ReportV3Splitter`](super::ReportV3Splitter)
/// spreads records over several reports when they do not.
///
/// ```
/// use ipv4kit_wire::igmp::{GroupRecordRepr, GroupRecordType, ReportV3};
/// use core::net::Ipv4Addr;
///
/// let records = [GroupRecordRepr {
///     record_type: GroupRecordType::ChangeToExclude,
///     group: Ipv4Addr::new(239, 255, 255, 250),
///     sources: &[],
///     aux_data: &[],
/// }];
/// let mut buf = [0u8; 16];
/// assert_eq!(ReportV3 { records: &records }.emit(&mut buf), Ok(16));
/// // tcpdump eapon1.pcap frame 44.
/// assert_eq!(buf, [
///     0x22, 0x00, 0xea, 0x03, 0x00, 0x00, 0x00, 0x01,
///     0x04, 0x00, 0x00, 0x00, 0xef, 0xff, 0xff, 0xfa,
/// ]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReportV3<'a> {
    /// The group records, in order (RFC 3376 §4.2.4).
    pub records: &'a [GroupRecordRepr<'a>],
}

impl ReportV3<'_> {
    /// Octets [`emit`](Self::emit) writes: 8 + the records.
    #[inline]
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
            + self
                .records
                .iter()
                .map(GroupRecordRepr::buffer_len)
                .sum::<usize>()
    }

    /// Writes the report with its checksum into `buf` and returns its length.
    ///
    /// Errors: more than 65535 records or sources in a record, auxiliary data
    /// that is not whole words, or a short buffer.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, IgmpEmitError> {
        let Ok(m) = u16::try_from(self.records.len()) else {
            return Err(IgmpEmitError::TooManyRecords {
                count: self.records.len(),
            });
        };
        for r in self.records {
            r.validate()?;
        }
        let len = self.buffer_len();
        check_buffer(buf, len)?;
        let msg = &mut buf[..len];
        write_report_header(msg, m);
        let mut off = HEADER_LEN;
        for r in self.records {
            if let Some(out) = msg.get_mut(off..) {
                off += write_record(out, r.record_type, r.group, r.sources, r.aux_data);
            }
        }
        fill_checksum(msg);
        Ok(len)
    }

    /// IPv4 destination: 224.0.0.22, all IGMPv3-capable routers
    /// (RFC 3376 §4.2.14).
    #[inline]
    pub const fn destination(&self) -> Ipv4Addr {
        ALL_IGMPV3_ROUTERS
    }
}

impl PartialEq<GroupRecordRepr<'_>> for GroupRecord<'_> {
    /// Field by field, sources in order, auxiliary data by content.
    fn eq(&self, other: &GroupRecordRepr<'_>) -> bool {
        self.record_type() == other.record_type
            && self.group() == other.group
            && self.aux_data() == other.aux_data
            && self.sources().eq(other.sources.iter().copied())
    }
}

impl PartialEq<GroupRecord<'_>> for GroupRecordRepr<'_> {
    fn eq(&self, other: &GroupRecord<'_>) -> bool {
        other == self
    }
}

impl PartialEq<ReportV3<'_>> for ReportV3View<'_> {
    /// Record by record; Flags and extra octets are not part of the repr.
    fn eq(&self, other: &ReportV3<'_>) -> bool {
        usize::from(self.num_records()) == other.records.len()
            && self.records().zip(other.records).all(|(a, b)| a == *b)
    }
}

impl PartialEq<ReportV3View<'_>> for ReportV3<'_> {
    fn eq(&self, other: &ReportV3View<'_>) -> bool {
        other == self
    }
}

#[cfg(test)]
mod tests;
