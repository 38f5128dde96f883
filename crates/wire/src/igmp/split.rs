//! Packing group records into as few IGMPv3 reports as a size budget allows
//! (RFC 3376 §4.2.16, RFC 9776 §4.2.16), without allocating.

use super::v3::{check_aux, write_record, write_report_header, GroupRecordRepr, RECORD_HEADER_LEN};
use super::{check_buffer, fill_checksum, IgmpEmitError, HEADER_LEN};

/// Octets an IPv4 header with the Router Alert option takes: 20 + 4
/// (RFC 791, RFC 2113), which every IGMPv2/v3 message carries (RFC 3376 §4).
pub const IPV4_HEADER_WITH_ROUTER_ALERT_LEN: usize = 24;

/// The largest IGMP message one IPv4 datagram with Router Alert can carry:
/// 65535 − 24 octets.
pub const MAX_IGMP_LEN: usize = u16::MAX as usize - IPV4_HEADER_WITH_ROUTER_ALERT_LEN;

/// The IGMP payload budget on a link with this MTU: `mtu − 24`, the IPv4
/// header with the Router Alert option taken off (RFC 3376 §4.2.16: reports
/// are sized to the interface MTU, never fragmented). 1476 on Ethernet, room
/// for 8 + 8 + 4·365 octets: one record of 365 sources.
///
/// ```
/// assert_eq!(ipv4kit_wire::igmp::max_igmp_len(1500), 1476);
/// ```
#[inline]
pub const fn max_igmp_len(mtu: usize) -> usize {
    mtu.saturating_sub(IPV4_HEADER_WITH_ROUTER_ALERT_LEN)
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

/// Emits a list of group records as one or more IGMPv3 reports, each at most
/// `max_len` octets (RFC 3376 §4.2.16, RFC 9776 §4.2.16).
///
/// Records are packed in order, as many per report as fit; a record's source
/// list is never split unless that record alone does not fit one report. Then
/// RFC 3376 §4.2.16 applies: *"If its Type is not MODE_IS_EXCLUDE or
/// CHANGE_TO_EXCLUDE_MODE, it is split into multiple Group Records, each
/// containing a different subset of the source addresses and each sent in a
/// separate Report message. If its Type is MODE_IS_EXCLUDE or
/// CHANGE_TO_EXCLUDE_MODE, a single Group Record is sent, containing as many
/// source addresses as can fit, and the remaining source addresses are not
/// reported."* [`dropped_sources`](Self::dropped_sources) counts the latter.
/// The auxiliary data of a split record is repeated in every part. Records
/// are also split at 65535 sources and reports closed at 65535 records, the
/// limits of the count fields; `max_len` is capped at [`MAX_IGMP_LEN`].
///
/// Use [`max_igmp_len`] to turn a link MTU into `max_len`.
///
/// ```
/// use core::net::Ipv4Addr;
/// use ipv4kit_wire::igmp::{
///     max_igmp_len, GroupRecordRepr, GroupRecordType, IgmpMessage, ReportV3Splitter,
/// };
///
/// let sources: Vec<Ipv4Addr> = (0..1000u32).map(|i| Ipv4Addr::from(0x0a00_0000 + i)).collect();
/// let records = [GroupRecordRepr {
///     record_type: GroupRecordType::AllowNewSources,
///     group: Ipv4Addr::new(232, 1, 1, 1),
///     sources: &sources,
///     aux_data: &[],
/// }];
/// let mut splitter = ReportV3Splitter::new(&records, max_igmp_len(1500));
/// let mut buf = [0u8; 1476];
/// let mut seen = 0;
/// while let Some(res) = splitter.next_into(&mut buf) {
///     let n = res.unwrap();
///     let IgmpMessage::ReportV3(r) = IgmpMessage::parse(&buf[..n]).unwrap() else { panic!() };
///     seen += r.records().map(|rec| rec.sources().count()).sum::<usize>();
/// }
/// assert_eq!(seen, 1000); // 365 + 365 + 270, in three reports
/// ```
#[derive(Clone, Debug)]
pub struct ReportV3Splitter<'a> {
    records: &'a [GroupRecordRepr<'a>],
    max_len: usize,
    next_record: usize,
    next_source: usize,
    dropped: usize,
    failed: bool,
}

impl<'a> ReportV3Splitter<'a> {
    /// A splitter over `records`, each report at most `max_len` octets (the
    /// IGMP message; see [`max_igmp_len`]).
    #[inline]
    pub fn new(records: &'a [GroupRecordRepr<'a>], max_len: usize) -> Self {
        ReportV3Splitter {
            records,
            max_len,
            next_record: 0,
            next_source: 0,
            dropped: 0,
            failed: false,
        }
    }

    /// Sources left out so far because an IS_EX or TO_EX record did not fit
    /// one report (RFC 3376 §4.2.16).
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
    /// that cannot take the next report the result is
    /// [`IgmpEmitError::BufferTooShort`] and nothing is consumed, so the call
    /// can be retried with a larger buffer. A budget too small for a record
    /// ([`IgmpEmitError::BudgetTooSmall`]) or invalid auxiliary data ends the
    /// run: every later call returns `None`.
    pub fn next_into(&mut self, buf: &mut [u8]) -> Option<Result<usize, IgmpEmitError>> {
        if self.is_done() {
            return None;
        }
        // Pass 1: plan the report.
        let (mut i, mut off) = (self.next_record, self.next_source);
        let (mut used, mut count, mut dropped) = (HEADER_LEN, 0u16, 0usize);
        while i < self.records.len() {
            match self.plan(i, off, used, count) {
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
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
        if let Err(e) = check_buffer(buf, used) {
            return Some(Err(e));
        }
        // Pass 2: the plan is a function of (record, offset, used, count), so
        // replaying it writes exactly what pass 1 measured.
        let msg = &mut buf[..used];
        write_report_header(msg, count);
        let (mut i, mut off, mut w) = (self.next_record, self.next_source, HEADER_LEN);
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
        fill_checksum(msg);
        self.next_record = i;
        self.next_source = off;
        self.dropped += dropped;
        Some(Ok(used))
    }

    #[inline]
    fn piece_len(&self, i: usize, take: usize) -> usize {
        let aux = self.records.get(i).map_or(0, |r| r.aux_data.len());
        RECORD_HEADER_LEN + aux + 4 * take
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
    ) -> Result<Option<Piece>, IgmpEmitError> {
        let Some(rec) = self.records.get(i) else {
            return Ok(None);
        };
        check_aux(rec.aux_data)?;
        if count == u16::MAX {
            return Ok(None);
        }
        let budget = self.max_len.min(MAX_IGMP_LEN);
        let remaining = rec.sources.len().saturating_sub(off);
        let base = RECORD_HEADER_LEN + rec.aux_data.len();
        let room = budget.saturating_sub(used);
        let max_sources = usize::from(u16::MAX);
        if remaining <= max_sources && base + 4 * remaining <= room {
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
        let at_least = base + 4 * remaining.min(1);
        if at_least > room {
            return Err(IgmpEmitError::BudgetTooSmall {
                max_len: self.max_len,
                needed: HEADER_LEN + at_least,
            });
        }
        let fit = ((room - base) / 4).min(max_sources).min(remaining);
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

#[cfg(test)]
mod tests {
    use super::super::{GroupRecordType, IgmpMessage};
    use super::*;
    use core::net::Ipv4Addr;
    use std::vec::Vec;

    /// Runs the splitter to the end; returns, per report, its length and the
    /// records as (type, group, sources).
    #[allow(clippy::type_complexity)]
    fn run(
        records: &[GroupRecordRepr<'_>],
        max_len: usize,
    ) -> (
        Vec<(usize, Vec<(GroupRecordType, Ipv4Addr, Vec<Ipv4Addr>)>)>,
        usize,
    ) {
        let mut s = ReportV3Splitter::new(records, max_len);
        let mut buf = std::vec![0u8; max_len.min(MAX_IGMP_LEN)];
        let mut out = Vec::new();
        while let Some(res) = s.next_into(&mut buf) {
            let n = res.unwrap();
            assert!(n <= max_len);
            let IgmpMessage::ReportV3(r) = IgmpMessage::parse(&buf[..n]).unwrap() else {
                panic!()
            };
            let recs = r
                .records()
                .map(|g| (g.record_type(), g.group(), g.sources().collect()))
                .collect();
            out.push((n, recs));
        }
        assert!(s.is_done());
        (out, s.dropped_sources())
    }

    fn addrs(base: u32, n: usize) -> Vec<Ipv4Addr> {
        (0..n as u32).map(|i| Ipv4Addr::from(base + i)).collect()
    }

    #[test]
    fn small_records_share_one_report() {
        let srcs = addrs(0x0a00_0001, 4);
        let recs: Vec<_> = (0..16)
            .map(|g| GroupRecordRepr {
                record_type: GroupRecordType::ModeIsInclude,
                group: Ipv4Addr::from(0xe800_0000 + g),
                sources: &srcs,
                aux_data: &[],
            })
            .collect();
        let (reports, dropped) = run(&recs, 1476);
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].0, 8 + 16 * 24);
        assert_eq!(reports[0].1.len(), 16);
        assert_eq!(dropped, 0);
    }

    #[test]
    fn records_are_never_split_when_they_fit_alone() {
        // Each record is 8 + 4*100 = 408 octets; three fit in 1476, not four.
        let srcs = addrs(0x0a00_0001, 100);
        let recs: Vec<_> = (0..10)
            .map(|g| GroupRecordRepr {
                record_type: GroupRecordType::ModeIsExclude,
                group: Ipv4Addr::from(0xef00_0000 + g),
                sources: &srcs,
                aux_data: &[],
            })
            .collect();
        let (reports, dropped) = run(&recs, 1476);
        let per: Vec<usize> = reports.iter().map(|r| r.1.len()).collect();
        assert_eq!(per, [3, 3, 3, 1]);
        assert!(reports.iter().flat_map(|r| &r.1).all(|rec| rec.2 == srcs));
        assert_eq!(dropped, 0);
    }

    #[test]
    fn oversized_include_record_is_split_and_exclude_is_truncated() {
        let srcs = addrs(0x0a00_0001, 800);
        let recs = [
            GroupRecordRepr {
                record_type: GroupRecordType::ChangeToInclude,
                group: Ipv4Addr::new(239, 1, 1, 1),
                sources: &srcs,
                aux_data: &[],
            },
            GroupRecordRepr {
                record_type: GroupRecordType::ChangeToExclude,
                group: Ipv4Addr::new(239, 1, 1, 2),
                sources: &srcs,
                aux_data: &[],
            },
        ];
        let (reports, dropped) = run(&recs, 1476);
        // TO_IN: 365 + 365 + 70 (the last part shares its report with nothing
        // else because TO_EX does not fit beside it); TO_EX: 365, 435 dropped.
        let shape: Vec<Vec<usize>> = reports
            .iter()
            .map(|r| r.1.iter().map(|g| g.2.len()).collect())
            .collect();
        assert_eq!(
            shape,
            [
                std::vec![365],
                std::vec![365],
                std::vec![70],
                std::vec![365]
            ]
        );
        let to_in: Vec<Ipv4Addr> = reports[..3].iter().flat_map(|r| r.1[0].2.clone()).collect();
        assert_eq!(to_in, srcs);
        assert_eq!(reports[3].1[0].2, srcs[..365]);
        assert_eq!(dropped, 800 - 365);
    }

    #[test]
    fn budget_too_small_ends_the_run() {
        let srcs = addrs(1, 3);
        let recs = [GroupRecordRepr {
            record_type: GroupRecordType::AllowNewSources,
            group: Ipv4Addr::new(232, 0, 0, 1),
            sources: &srcs,
            aux_data: &[],
        }];
        let mut s = ReportV3Splitter::new(&recs, 19);
        let mut buf = [0u8; 64];
        assert_eq!(
            s.next_into(&mut buf),
            Some(Err(IgmpEmitError::BudgetTooSmall {
                max_len: 19,
                needed: 20
            }))
        );
        assert_eq!(s.next_into(&mut buf), None);
        // 20 octets: one source per report.
        let (reports, _) = run(&recs, 20);
        assert_eq!(reports.len(), 3);
    }

    #[test]
    fn short_buffer_is_retryable() {
        let srcs = addrs(1, 3);
        let recs = [GroupRecordRepr {
            record_type: GroupRecordType::AllowNewSources,
            group: Ipv4Addr::new(232, 0, 0, 1),
            sources: &srcs,
            aux_data: &[],
        }];
        let mut s = ReportV3Splitter::new(&recs, 1476);
        let mut small = [0u8; 16];
        assert_eq!(
            s.next_into(&mut small),
            Some(Err(IgmpEmitError::BufferTooShort {
                needed: 28,
                available: 16
            }))
        );
        let mut buf = [0u8; 28];
        assert_eq!(s.next_into(&mut buf), Some(Ok(28)));
        assert_eq!(s.next_into(&mut buf), None);
    }

    #[test]
    fn empty_record_list_emits_nothing() {
        let mut s = ReportV3Splitter::new(&[], 1476);
        assert_eq!(s.next_into(&mut [0u8; 8]), None);
        assert_eq!(max_igmp_len(10), 0);
    }
}
