//! Group records (RFC 3376 §4.2.4–4.2.12, RFC 3810 §5.2.4–5.2.12): the
//! record type, the borrowed view and its iterators, the repr, and the
//! writers both reports use.

use core::fmt;

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{DebugList, GmpEmitError, GroupAddress, RecordError};

/// The fixed part of a group record: type, aux data len, number of sources
/// and the group address (RFC 3376 §4.2.4, RFC 3810 §5.2.4).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub(crate) struct RecordHeader<O> {
    record_type: u8,
    aux_data_len: u8,
    num_sources: U16,
    group: O,
}

/// Largest auxiliary data a record can carry: 255 32-bit words.
pub(crate) const MAX_AUX_LEN: usize = 255 * 4;

/// Record Type of a group record (RFC 3376 §4.2.12, RFC 3810 §5.2.12; names
/// from RFC 3376 §4.2.12 and RFC 9776 §4.2.12).
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
    /// §4.2.12, RFC 3810 §5.2.12); the [`GroupRecords`] iterator still
    /// yields it so the caller can skip it.
    Unknown(u8),
}

impl GroupRecordType {
    /// Whether this is MODE_IS_EXCLUDE or CHANGE_TO_EXCLUDE_MODE, the two types
    /// whose surplus sources are dropped, not split, when a record does not fit
    /// one report (RFC 3376 §4.2.16, RFC 3810 §5.2.15).
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

// ---------------------------------------------------------------- sources

/// Iterator over a list of source addresses in wire format (RFC 3376
/// §4.1.9, §4.2.9; RFC 3810 §5.1.11, §5.2.9).
///
/// Bounded by the bytes it borrows: it never reads past them whatever the
/// message's counts said.
#[derive(Clone, Debug)]
pub struct Sources<'a, A: GroupAddress> {
    inner: core::slice::Iter<'a, A::Octets>,
}

impl<'a, A: GroupAddress> Sources<'a, A> {
    #[inline]
    pub(crate) fn new(raw: &'a [A::Octets]) -> Self {
        Sources { inner: raw.iter() }
    }

    /// The sources not yet yielded, as raw big-endian octets.
    #[inline]
    pub fn as_raw(&self) -> &'a [A::Octets] {
        self.inner.as_slice()
    }
}

impl<A: GroupAddress> Iterator for Sources<'_, A> {
    type Item = A;

    #[inline]
    fn next(&mut self) -> Option<A> {
        self.inner.next().map(|&o| A::from_octets(o))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }

    #[inline]
    fn nth(&mut self, n: usize) -> Option<A> {
        self.inner.nth(n).map(|&o| A::from_octets(o))
    }
}

impl<A: GroupAddress> DoubleEndedIterator for Sources<'_, A> {
    #[inline]
    fn next_back(&mut self) -> Option<A> {
        self.inner.next_back().map(|&o| A::from_octets(o))
    }
}

impl<A: GroupAddress> ExactSizeIterator for Sources<'_, A> {}
impl<A: GroupAddress> core::iter::FusedIterator for Sources<'_, A> {}

// ---------------------------------------------------------------- views

/// One group record of an IGMPv3 or MLDv2 report (RFC 3376 §4.2.4,
/// RFC 3810 §5.2.4), borrowed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupRecord<'a, A: GroupAddress> {
    hdr: &'a RecordHeader<A::Octets>,
    sources: &'a [A::Octets],
    aux: &'a [u8],
}

impl<'a, A: GroupAddress> GroupRecord<'a, A> {
    /// Octets of the fixed part: 4 + the address (8 in IGMPv3, 20 in MLDv2).
    pub const HEADER_LEN: usize = 4 + A::LEN;

    /// Record Type (RFC 3376 §4.2.5, RFC 3810 §5.2.5).
    #[inline]
    pub fn record_type(&self) -> GroupRecordType {
        GroupRecordType::from(self.hdr.record_type)
    }

    /// Aux Data Len, in 32-bit words (RFC 3376 §4.2.6, RFC 3810 §5.2.6).
    #[inline]
    pub fn aux_data_len(&self) -> u8 {
        self.hdr.aux_data_len
    }

    /// Number of Sources (RFC 3376 §4.2.7, RFC 3810 §5.2.7).
    #[inline]
    pub fn num_sources(&self) -> u16 {
        self.hdr.num_sources.get()
    }

    /// Multicast Address (RFC 3376 §4.2.8, RFC 3810 §5.2.8).
    #[inline]
    pub fn group(&self) -> A {
        A::from_octets(self.hdr.group)
    }

    /// Source Addresses (RFC 3376 §4.2.9, RFC 3810 §5.2.9).
    #[inline]
    pub fn sources(&self) -> Sources<'a, A> {
        Sources::new(self.sources)
    }

    /// Auxiliary Data, `4 * aux_data_len()` octets; neither protocol defines
    /// any and receivers ignore it (RFC 3376 §4.2.10, RFC 3810 §5.2.10).
    #[inline]
    pub fn aux_data(&self) -> &'a [u8] {
        self.aux
    }

    /// Length of the record in octets: fixed part + sources + aux data.
    #[inline]
    pub fn len(&self) -> usize {
        Self::HEADER_LEN + A::LEN * self.sources.len() + self.aux.len()
    }

    /// Always false: a record has at least its fixed part.
    #[inline]
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl<A: GroupAddress> fmt::Debug for GroupRecord<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupRecord")
            .field("record_type", &self.record_type())
            .field("group", &self.group())
            .field("sources", &DebugList(self.sources()))
            .field("aux_data_len", &self.aux_data_len())
            .finish()
    }
}

/// Iterator over the group records of a report (RFC 3376 §4.2.4, RFC 3810
/// §5.2.4).
///
/// From a parsed report it yields exactly the records the report counts,
/// already validated by the parse. Built with [`GroupRecords::new`] over
/// arbitrary octets it stops at the first record that does not fit; either
/// way it never reads past its bytes and runs at most `count` times.
#[derive(Clone, Debug)]
pub struct GroupRecords<'a, A: GroupAddress> {
    rest: &'a [u8],
    remaining: u16,
    /// Length of every record when the parse found them all equal, else 0.
    stride: usize,
    /// With a stride: the Number of Sources every record has.
    stride_sources: usize,
    _addr: core::marker::PhantomData<A>,
}

impl<'a, A: GroupAddress> GroupRecords<'a, A> {
    /// Iterates up to `count` records laid out from the start of `bytes`,
    /// stopping early at the first that is cut short.
    #[inline]
    pub fn new(bytes: &'a [u8], count: u16) -> Self {
        Self::with_stride(bytes, count, 0)
    }

    /// Like [`new`](Self::new), for records a parse found all `stride`
    /// octets long (0: not known). Each record is then cut at a fixed offset,
    /// so finding the next one waits on no load of this one's lengths.
    ///
    /// The parse found every record's Number of Sources and Aux Data Len
    /// equal to the first's (only a parse may pass a stride): that count is
    /// read once here, so each step splits at fixed offsets and its bounds
    /// checks compare lengths already in registers rather than ones just
    /// loaded from the record.
    #[inline]
    pub(crate) fn with_stride(bytes: &'a [u8], count: u16, stride: usize) -> Self {
        let stride_sources = match RecordHeader::<A::Octets>::ref_from_prefix(bytes) {
            Ok((first, _)) if stride != 0 => usize::from(first.num_sources.get()),
            _ => 0,
        };
        GroupRecords {
            rest: bytes,
            remaining: count,
            stride,
            stride_sources,
            _addr: core::marker::PhantomData,
        }
    }
}

impl<'a, A: GroupAddress> Iterator for GroupRecords<'a, A> {
    type Item = GroupRecord<'a, A>;

    /// Splits one record off the front: plain slicing on the lengths in its
    /// fixed part (from a parsed report these checks never fail).
    #[inline]
    fn next(&mut self) -> Option<GroupRecord<'a, A>> {
        if self.remaining == 0 {
            return None;
        }
        if self.stride != 0 {
            if let Some((rec, next)) = self.rest.split_at_checked(self.stride) {
                if let Ok((hdr, body)) = RecordHeader::<A::Octets>::ref_from_prefix(rec) {
                    if let Ok((sources, aux)) =
                        <[A::Octets]>::ref_from_prefix_with_elems(body, self.stride_sources)
                    {
                        self.rest = next;
                        self.remaining -= 1;
                        return Some(GroupRecord { hdr, sources, aux });
                    }
                }
            }
            // Not the stride the parse promised: walk the lengths instead.
            self.stride = 0;
        }
        let Ok((hdr, tail)) = RecordHeader::<A::Octets>::ref_from_prefix(self.rest) else {
            self.remaining = 0;
            return None;
        };
        let n = usize::from(hdr.num_sources.get());
        let src_len = A::LEN * n;
        let Some((body, next)) = tail.split_at_checked(src_len + 4 * usize::from(hdr.aux_data_len))
        else {
            self.remaining = 0;
            return None;
        };
        self.rest = next;
        self.remaining -= 1;
        let (src, aux) = body.split_at_checked(src_len).unwrap_or((&[], &[]));
        Some(GroupRecord {
            hdr,
            // `src` is LEN·N octets, so this never falls back.
            sources: <[A::Octets]>::ref_from_bytes(src).unwrap_or(&[]),
            aux,
        })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let max = usize::from(self.remaining).min(self.rest.len() / (4 + A::LEN));
        (0, Some(max))
    }
}

impl<A: GroupAddress> core::iter::FusedIterator for GroupRecords<'_, A> {}

/// Checks that `count` records laid out from the start of `body` fit it;
/// returns the octets they take. The walk is bounded by the bytes: each
/// record consumes at least its fixed part, or the walk stops with an error.
#[inline]
pub fn walk_records<A: GroupAddress>(body: &[u8], count: u16) -> Result<usize, RecordError> {
    walk_records_stride::<A>(body, count).map(|(len, _)| len)
}

/// [`walk_records`], also returning the length every record has when they
/// are all equal (0 otherwise), for [`GroupRecords::with_stride`].
///
/// Equal lengths are the common case (a current-state answer is a list of
/// EXCLUDE {} records) and are checked first: the record starts are then
/// known up front, so their headers are read independently rather than one
/// after the other along the chain of lengths.
#[inline]
pub(crate) fn walk_records_stride<A: GroupAddress>(
    body: &[u8],
    count: u16,
) -> Result<(usize, usize), RecordError> {
    if count == 0 {
        return Ok((0, 0));
    }
    if let Ok((first, _)) = RecordHeader::<A::Octets>::ref_from_prefix(body) {
        let stride = 4
            + A::LEN
            + A::LEN * usize::from(first.num_sources.get())
            + 4 * usize::from(first.aux_data_len);
        let total = stride * usize::from(count);
        if let Some(all) = body.get(..total) {
            // Aux Data Len and Number of Sources: the low 24 bits of the
            // record's first word. The records are cut off the front one
            // stride at a time: no division (as `chunks_exact` or a bound on
            // `k * stride` would need), one compare per record.
            let lengths = |rec: &[u8]| {
                rec.first_chunk::<4>()
                    .map(|w| u32::from_be_bytes(*w) & 0x00ff_ffff)
            };
            let key = lengths(all);
            let mut rest = all;
            let mut uniform = true;
            for _ in 1..count {
                match rest.get(stride..) {
                    Some(next) if lengths(next) == key => rest = next,
                    _ => {
                        uniform = false;
                        break;
                    }
                }
            }
            if uniform {
                return Ok((total, stride));
            }
        }
    }
    let mut rest = body;
    for index in 0..count {
        let Ok((rh, _)) = RecordHeader::<A::Octets>::ref_from_prefix(rest) else {
            return Err(RecordError::HeaderTruncated {
                index,
                available: rest.len(),
            });
        };
        let needed = 4
            + A::LEN
            + A::LEN * usize::from(rh.num_sources.get())
            + 4 * usize::from(rh.aux_data_len);
        match rest.get(needed..) {
            Some(tail) => rest = tail,
            None => {
                return Err(RecordError::Truncated {
                    index,
                    needed,
                    available: rest.len(),
                })
            }
        }
    }
    Ok((body.len() - rest.len(), 0))
}

// ---------------------------------------------------------------- reprs

/// A group record to emit (RFC 3376 §4.2.4, RFC 3810 §5.2.4).
///
/// `aux_data` is normally empty (neither protocol defines any; RFC 3810
/// §5.2.6 says senders MUST send none); when given it must be whole 32-bit
/// words, at most 255.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupRecordRepr<'a, A: GroupAddress> {
    /// Record Type (RFC 3376 §4.2.12, RFC 3810 §5.2.12).
    pub record_type: GroupRecordType,
    /// Multicast Address (RFC 3376 §4.2.8, RFC 3810 §5.2.8).
    pub group: A,
    /// Source Addresses (RFC 3376 §4.2.9, RFC 3810 §5.2.9).
    pub sources: &'a [A],
    /// Auxiliary Data (RFC 3376 §4.2.10, RFC 3810 §5.2.10), a multiple of 4 octets.
    pub aux_data: &'a [u8],
}

impl<A: GroupAddress> GroupRecordRepr<'_, A> {
    /// Octets the record takes: fixed part + sources + aux.
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        4 + A::LEN + A::LEN * self.sources.len() + self.aux_data.len()
    }

    /// Checks the counts fit their fields.
    pub(crate) fn validate(&self) -> Result<(), GmpEmitError> {
        if self.sources.len() > usize::from(u16::MAX) {
            return Err(GmpEmitError::TooManySources {
                count: self.sources.len(),
            });
        }
        check_aux(self.aux_data)
    }
}

pub(crate) fn check_aux(aux: &[u8]) -> Result<(), GmpEmitError> {
    if !aux.len().is_multiple_of(4) || aux.len() > MAX_AUX_LEN {
        Err(GmpEmitError::AuxDataInvalid { len: aux.len() })
    } else {
        Ok(())
    }
}

/// Writes one record (counts already validated, buffer already long enough);
/// returns its length.
#[inline]
pub(crate) fn write_record<A: GroupAddress>(
    buf: &mut [u8],
    record_type: GroupRecordType,
    group: A,
    sources: &[A],
    aux: &[u8],
) -> usize {
    let hdr = RecordHeader {
        record_type: record_type.into(),
        aux_data_len: (aux.len() / 4) as u8,
        num_sources: U16::new(sources.len() as u16),
        group: group.to_octets(),
    };
    let head_len = 4 + A::LEN;
    let len = head_len + A::LEN * sources.len() + aux.len();
    let Some(out) = buf.get_mut(..len) else {
        return 0;
    };
    let (head, body) = out.split_at_mut(head_len);
    head.copy_from_slice(hdr.as_bytes());
    let (src_out, aux_out) = body.split_at_mut(A::LEN * sources.len());
    for (slot, src) in src_out.chunks_exact_mut(A::LEN).zip(sources) {
        slot.copy_from_slice(src.to_octets().as_bytes());
    }
    aux_out.copy_from_slice(aux);
    len
}

/// Writes the 8-octet report header (type, zeros, checksum zero, record
/// count), identical in IGMPv3 and MLDv2 (RFC 3376 §4.2, RFC 3810 §5.2).
#[inline]
pub(crate) fn write_report_header(buf: &mut [u8], msg_type: u8, num_records: u16) {
    if let Some(out) = buf.get_mut(..8) {
        out[0] = msg_type;
        out[1..6].fill(0);
        out[6..8].copy_from_slice(&num_records.to_be_bytes());
    }
}

impl<A: GroupAddress> PartialEq<GroupRecordRepr<'_, A>> for GroupRecord<'_, A> {
    /// Field by field, sources in order, auxiliary data by content.
    fn eq(&self, other: &GroupRecordRepr<'_, A>) -> bool {
        self.record_type() == other.record_type
            && self.group() == other.group
            && self.aux_data() == other.aux_data
            && self.sources().eq(other.sources.iter().copied())
    }
}

impl<A: GroupAddress> PartialEq<GroupRecord<'_, A>> for GroupRecordRepr<'_, A> {
    fn eq(&self, other: &GroupRecord<'_, A>) -> bool {
        other == self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;
    use std::vec::Vec;

    fn chain(lens: &[(u8, u8)]) -> Vec<u8> {
        let mut b = Vec::new();
        for (i, &(n, aux)) in lens.iter().enumerate() {
            b.extend_from_slice(&[1, aux, 0, n, 239, 0, 0, i as u8]);
            b.extend(core::iter::repeat_n(
                0xaa,
                4 * usize::from(n) + 4 * usize::from(aux),
            ));
        }
        b
    }

    #[test]
    fn equal_records_are_found_uniform_and_iterate_by_stride() {
        let b = chain(&[(2, 0), (2, 0), (2, 0)]);
        assert_eq!(walk_records_stride::<Ipv4Addr>(&b, 3), Ok((48, 16)));
        let groups: Vec<Ipv4Addr> = GroupRecords::<Ipv4Addr>::with_stride(&b, 3, 16)
            .map(|r| r.group())
            .collect();
        assert_eq!(
            groups,
            [
                Ipv4Addr::new(239, 0, 0, 0),
                Ipv4Addr::new(239, 0, 0, 1),
                Ipv4Addr::new(239, 0, 0, 2)
            ]
        );
    }

    #[test]
    fn unequal_records_walk_the_chain_with_the_same_answers() {
        for lens in [
            &[(2, 0), (1, 0), (2, 0)][..],
            &[(0, 1), (1, 0)],
            &[(3, 0), (3, 1)],
        ] {
            let b = chain(lens);
            let count = lens.len() as u16;
            let (len, stride) = walk_records_stride::<Ipv4Addr>(&b, count).unwrap();
            assert_eq!((len, stride), (b.len(), 0));
            let by_walk: Vec<usize> = GroupRecords::<Ipv4Addr>::new(&b, count)
                .map(|r| r.len())
                .collect();
            let expect: Vec<usize> = lens
                .iter()
                .map(|&(n, a)| 8 + 4 * usize::from(n) + 4 * usize::from(a))
                .collect();
            assert_eq!(by_walk, expect);
        }
        // A uniform prefix with a truncated tail is still an error.
        let b = chain(&[(2, 0), (2, 0)]);
        assert_eq!(
            walk_records_stride::<Ipv4Addr>(&b[..30], 2),
            Err(RecordError::Truncated {
                index: 1,
                needed: 16,
                available: 14
            })
        );
        // A stride the bytes cannot hold makes the iterator fall back to
        // the lengths in each record.
        let b = chain(&[(1, 0), (2, 0)]);
        let lens: Vec<usize> = GroupRecords::<Ipv4Addr>::with_stride(&b, 2, 64)
            .map(|r| r.len())
            .collect();
        assert_eq!(lens, [12, 16]);
    }
}
