//! What IGMPv3 and MLDv2 share, written once: RFC 3810 (MLDv2) was written
//! from RFC 3376 (IGMPv3), and their reports differ only in the size of an
//! address.
//!
//! - the floating-point time codes, generic over their width
//!   ([`float_decode`], [`float_encode`]; 8 bits in IGMPv3 and MLDv2's QQIC,
//!   16 bits in MLDv2's Maximum Response Code);
//! - the record types ([`GroupRecordType`], RFC 3376 §4.2.12, RFC 3810 §5.2.12);
//! - the group-record view, its iterator and its repr, generic over the
//!   address ([`GroupRecord`], [`GroupRecords`], [`Sources`],
//!   [`GroupRecordRepr`]; IPv4 or IPv6 through [`GroupAddress`]);
//! - the part of a v3 query after its header (`QueryBody`: S, QRV, QQIC,
//!   sources), parsed, compared and written once;
//! - the report builder that splits records to fit an MTU
//!   ([`ReportSplitter`], RFC 3376 §4.2.16, RFC 3810 §5.2.15).
//!
//! [`igmp`](crate::igmp) and [`mld`](crate::mld) name these types for their
//! address family (`igmp::GroupRecord<'a>` is `GroupRecord<'a, Ipv4Addr>`).

use core::fmt;
use core::hash::Hash;
use core::net::{Ipv4Addr, Ipv6Addr};

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

mod error;
mod float;
mod query;
mod record;
mod split;

pub(crate) use error::impl_from_gmp_errors;
pub use error::{GmpEmitError, RecordError};
pub use float::{float_decode, float_encode, float_max};
pub(crate) use query::{source_count, write_query_body, QueryBody, QueryBodyError, QUERY_TAIL_LEN};
pub use record::{
    walk_records, GroupRecord, GroupRecordRepr, GroupRecordType, GroupRecords, Sources,
};
pub(crate) use record::{walk_records_stride, write_record, write_report_header};
pub use split::{ReportFormat, ReportSplitter};

/// Length of the report header both protocols share: type, reserved,
/// checksum, reserved/flags, number of records (RFC 3376 §4.2, RFC 3810 §5.2).
pub const REPORT_HEADER_LEN: usize = 8;

mod sealed {
    pub trait Sealed {}
    impl Sealed for core::net::Ipv4Addr {}
    impl Sealed for core::net::Ipv6Addr {}
}

/// An address family a group record can carry: [`Ipv4Addr`] (IGMPv3) or
/// [`Ipv6Addr`] (MLDv2). Sealed.
pub trait GroupAddress:
    Copy + Eq + Ord + Hash + fmt::Debug + fmt::Display + sealed::Sealed + 'static
{
    /// The address in wire format.
    type Octets: Copy
        + Eq
        + Hash
        + fmt::Debug
        + FromBytes
        + IntoBytes
        + Immutable
        + KnownLayout
        + Unaligned
        + 'static;
    /// Octets of one address: 4 or 16.
    const LEN: usize;
    /// The unspecified address (0.0.0.0, `::`).
    const UNSPECIFIED: Self;
    /// The address from its wire format.
    fn from_octets(octets: Self::Octets) -> Self;
    /// The address in wire format.
    fn to_octets(self) -> Self::Octets;
}

impl GroupAddress for Ipv4Addr {
    type Octets = [u8; 4];
    const LEN: usize = 4;
    const UNSPECIFIED: Self = Ipv4Addr::UNSPECIFIED;
    #[inline(always)]
    fn from_octets(octets: [u8; 4]) -> Self {
        Ipv4Addr::from(octets)
    }
    #[inline(always)]
    fn to_octets(self) -> [u8; 4] {
        self.octets()
    }
}

impl GroupAddress for Ipv6Addr {
    type Octets = [u8; 16];
    const LEN: usize = 16;
    const UNSPECIFIED: Self = Ipv6Addr::UNSPECIFIED;
    #[inline(always)]
    fn from_octets(octets: [u8; 16]) -> Self {
        Ipv6Addr::from(octets)
    }
    #[inline(always)]
    fn to_octets(self) -> [u8; 16] {
        self.octets()
    }
}

/// The stored Checksum field, octets 2–3 in IGMP and ICMPv6 alike (0 when
/// the message is shorter).
#[inline]
pub(crate) fn stored_checksum(bytes: &[u8]) -> u16 {
    match bytes {
        [_, _, a, b, ..] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    }
}

/// The checksum a message should carry and the one it carries: `start` (an
/// empty sum for IGMP, the pseudo-header for MLD) plus every octet but the
/// checksum field. Summing around the field, rather than taking the stored
/// value back out of the whole sum, keeps a +0 sum from turning into −0.
#[cold]
pub(crate) fn checksum_mismatch(mut start: crate::checksum::Checksum, bytes: &[u8]) -> (u16, u16) {
    start.add_bytes(bytes.get(..2).unwrap_or(bytes));
    start.add_bytes(bytes.get(4..).unwrap_or(&[]));
    (start.finish(), stored_checksum(bytes))
}

/// A parse that verifies the checksum: the lenient parse's answer when the
/// checksum holds, else its structural error, else the checksum error
/// (structural errors come first in both protocols). The checksum is
/// checked before parsing so the parse result goes straight to the caller,
/// and the parse is called from one place only, so it inlines into the
/// caller instead of being kept out of line for two call sites.
#[inline(always)]
pub(crate) fn parse_verified<T, E>(
    checksum_ok: bool,
    lenient: impl FnOnce() -> Result<T, E>,
    bad_checksum: impl FnOnce() -> E,
) -> Result<T, E> {
    match lenient() {
        Ok(_) if !checksum_ok => Err(bad_checksum()),
        r => r,
    }
}

/// Debug-prints an iterator as a list.
pub(crate) struct DebugList<I>(pub(crate) I);

impl<I: Iterator + Clone> fmt::Debug for DebugList<I>
where
    I::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.clone()).finish()
    }
}
