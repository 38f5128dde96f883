//! IGMPv3 Membership Report and its group records (RFC 3376 §4.2, RFC 9776
//! §4.2).

use core::fmt;
use core::net::Ipv4Addr;

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{
    check_buffer, fill_checksum, IgmpEmitError, IgmpError, ALL_IGMPV3_ROUTERS, HEADER_LEN,
    TYPE_REPORT_V3,
};
use crate::gmp::{self, write_record, write_report_header, DebugList};

pub use crate::gmp::GroupRecordType;

/// One group record of an IGMPv3 report (RFC 3376 §4.2.4), borrowed: the
/// shared [`gmp::GroupRecord`] over IPv4 addresses.
pub type GroupRecord<'a> = gmp::GroupRecord<'a, Ipv4Addr>;

/// Iterator over the group records of an IGMPv3 report (RFC 3376 §4.2.4):
/// the shared [`gmp::GroupRecords`] over IPv4 addresses.
pub type GroupRecords<'a> = gmp::GroupRecords<'a, Ipv4Addr>;

/// A group record to emit (RFC 3376 §4.2.4): the shared
/// [`gmp::GroupRecordRepr`] over IPv4 addresses.
///
/// `aux_data` is normally empty (RFC 3376 §4.2.6: IGMPv3 senders send none);
/// when given it must be whole 32-bit words, at most 255.
pub type GroupRecordRepr<'a> = gmp::GroupRecordRepr<'a, Ipv4Addr>;

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
    /// Length of every record if they are all equal, else 0.
    stride: usize,
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
        let (used, stride) = gmp::walk_records_stride::<Ipv4Addr>(body, hdr.num_records.get())?;
        Ok(ReportV3View {
            hdr,
            body,
            records_len: used,
            stride,
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
        GroupRecords::with_stride(self.body, self.hdr.num_records.get(), self.stride)
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
        write_report_header(msg, TYPE_REPORT_V3, m);
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
