//! Packing group records into as few reports as a size budget allows
//! (RFC 3376 §4.2.16, RFC 9776 §4.2.16, RFC 3810 §5.2.15), without
//! allocating; one planner for IGMPv3 and MLDv2.

use super::record::{check_aux, write_record, write_report_header, GroupRecordRepr};
use super::{GmpEmitError, GroupAddress, REPORT_HEADER_LEN};

/// What differs between an IGMPv3 and an MLDv2 report for the splitter: the
/// address, the Type octet, the largest message and how the checksum is
/// computed (plain in IGMP, over the IPv6 pseudo-header in MLD).
pub trait ReportFormat {
    /// The address family of the records.
    type Addr: GroupAddress;
    /// The protocol's emit error.
    type Error: From<GmpEmitError>;
    /// The report's Type octet (0x22, 143).
    const REPORT_TYPE: u8;
    /// The largest report one datagram can carry.
    const MAX_LEN: usize;
    /// Fills the checksum of a finished report (checksum field zero on entry).
    fn fill_checksum(&self, msg: &mut [u8]);
}

/// One record's share of the report being planned.
#[derive(Clone, Copy)]
struct Piece {
    /// Sources of the record taken into this report, from the current offset.
    take: usize,
    /// Where the next piece starts: record index and source offset.
    next: (usize, usize),
    /// Sources given up (IS_EX/TO_EX records too big for one report).
    dropped: usize,
    /// This piece fills the report.
    ends_report: bool,
}

/// Emits a list of group records as one or more reports, each at most
/// `max_len` octets (RFC 3376 §4.2.16, RFC 3810 §5.2.15).
///
/// Records are packed in order, as many per report as fit; a record's source
/// list is never split unless that record alone does not fit one report. Then
/// RFC 3376 §4.2.16 (and RFC 3810 §5.2.15 in the same words) applies: *"If
/// its Type is not MODE_IS_EXCLUDE or CHANGE_TO_EXCLUDE_MODE, it is split
/// into multiple Group Records, each containing a different subset of the
/// source addresses and each sent in a separate Report message. If its Type
/// is MODE_IS_EXCLUDE or CHANGE_TO_EXCLUDE_MODE, a single Group Record is
/// sent, containing as many source addresses as can fit, and the remaining
/// source addresses are not reported."* [`dropped_sources`](Self::dropped_sources)
/// counts the latter. The auxiliary data of a split record is repeated in
/// every part. Records are also split at 65535 sources and reports closed at
/// 65535 records, the limits of the count fields; `max_len` is capped at the
/// format's largest message.
///
/// `igmp::ReportV3Splitter` and `mld::ReportV2Splitter` are this type for
/// their protocol.
#[derive(Clone, Debug)]
pub struct ReportSplitter<'a, F: ReportFormat> {
    format: F,
    records: &'a [GroupRecordRepr<'a, F::Addr>],
    max_len: usize,
    next_record: usize,
    next_source: usize,
    dropped: usize,
    failed: bool,
}

impl<'a, F: ReportFormat> ReportSplitter<'a, F> {
    /// A splitter over `records` in the given format, each report at most
    /// `max_len` octets.
    #[inline]
    pub fn with_format(
        format: F,
        records: &'a [GroupRecordRepr<'a, F::Addr>],
        max_len: usize,
    ) -> Self {
        ReportSplitter {
            format,
            records,
            max_len,
            next_record: 0,
            next_source: 0,
            dropped: 0,
            failed: false,
        }
    }

    /// Sources left out so far because an IS_EX or TO_EX record did not fit
    /// one report (RFC 3376 §4.2.16, RFC 3810 §5.2.15).
    #[inline]
    pub fn dropped_sources(&self) -> usize {
        self.dropped
    }

    /// Whether every record has been emitted (or an error ended the run).
    #[inline]
    pub fn is_done(&self) -> bool {
        self.failed || self.next_record >= self.records.len()
    }

    /// Writes the next report into `buf` (checksum filled) and returns its
    /// length; `None` once every record has been emitted.
    ///
    /// A buffer of `max_len` octets always suffices. With a shorter buffer
    /// that cannot take the next report the result is a `BufferTooShort`
    /// error and nothing is consumed, so the call can be retried with a
    /// larger buffer. A budget too small for a record (`BudgetTooSmall`) or
    /// invalid auxiliary data ends the run: every later call returns `None`.
    pub fn next_into(&mut self, buf: &mut [u8]) -> Option<Result<usize, F::Error>> {
        if self.is_done() {
            return None;
        }
        // Pass 1: plan the report.
        let (mut i, mut off) = (self.next_record, self.next_source);
        let (mut used, mut count, mut dropped) = (REPORT_HEADER_LEN, 0u16, 0usize);
        while i < self.records.len() {
            match self.plan(i, off, used, count) {
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e.into()));
                }
                Ok(None) => break,
                Ok(Some(p)) => {
                    used += self.piece_len(i, p.take);
                    count += 1;
                    dropped += p.dropped;
                    (i, off) = p.next;
                    if p.ends_report {
                        break;
                    }
                }
            }
        }
        let available = buf.len();
        let Some(msg) = buf.get_mut(..used) else {
            return Some(Err(GmpEmitError::BufferTooShort {
                needed: used,
                available,
            }
            .into()));
        };
        // Pass 2: the plan is a function of (record, offset, used, count), so
        // replaying it writes exactly what pass 1 measured.
        write_report_header(msg, F::REPORT_TYPE, count);
        let (mut i, mut off, mut w) = (self.next_record, self.next_source, REPORT_HEADER_LEN);
        for k in 0..count {
            let (Ok(Some(p)), Some(rec)) = (self.plan(i, off, w, k), self.records.get(i)) else {
                break;
            };
            let sources = rec.sources.get(off..off + p.take).unwrap_or(&[]);
            if let Some(out) = msg.get_mut(w..) {
                w += write_record(out, rec.record_type, rec.group, sources, rec.aux_data);
            }
            (i, off) = p.next;
        }
        self.format.fill_checksum(msg);
        self.next_record = i;
        self.next_source = off;
        self.dropped += dropped;
        Some(Ok(used))
    }

    #[inline]
    fn piece_len(&self, i: usize, take: usize) -> usize {
        let aux = self.records.get(i).map_or(0, |r| r.aux_data.len());
        4 + F::Addr::LEN + aux + F::Addr::LEN * take
    }

    /// Decides record `i`'s share (from source `off`) of a report that already
    /// has `used` octets and `count` records: `None` if it waits for the next
    /// report.
    fn plan(
        &self,
        i: usize,
        off: usize,
        used: usize,
        count: u16,
    ) -> Result<Option<Piece>, GmpEmitError> {
        let Some(rec) = self.records.get(i) else {
            return Ok(None);
        };
        check_aux(rec.aux_data)?;
        if count == u16::MAX {
            return Ok(None);
        }
        let len = F::Addr::LEN;
        let budget = self.max_len.min(F::MAX_LEN);
        let remaining = rec.sources.len().saturating_sub(off);
        let base = 4 + len + rec.aux_data.len();
        let room = budget.saturating_sub(used);
        let max_sources = usize::from(u16::MAX);
        if remaining <= max_sources && base + len * remaining <= room {
            return Ok(Some(Piece {
                take: remaining,
                next: (i + 1, 0),
                dropped: 0,
                ends_report: false,
            }));
        }
        if count > 0 {
            return Ok(None);
        }
        // Alone in the report and still too big: split or truncate.
        let at_least = base + len * remaining.min(1);
        if at_least > room {
            return Err(GmpEmitError::BudgetTooSmall {
                max_len: self.max_len,
                needed: REPORT_HEADER_LEN + at_least,
            });
        }
        let fit = ((room - base) / len).min(max_sources).min(remaining);
        Ok(Some(if rec.record_type.is_exclude() {
            Piece {
                take: fit,
                next: (i + 1, 0),
                dropped: remaining - fit,
                ends_report: true,
            }
        } else {
            Piece {
                take: fit,
                next: (i, off + fit),
                dropped: 0,
                ends_report: true,
            }
        }))
    }
}
