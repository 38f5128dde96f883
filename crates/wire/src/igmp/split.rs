//! Packing group records into as few IGMPv3 reports as a size budget allows
//! (RFC 3376 §4.2.16, RFC 9776 §4.2.16), without allocating.

use core::net::Ipv4Addr;

use super::v3::GroupRecordRepr;
use super::{fill_checksum, IgmpEmitError, TYPE_REPORT_V3};
use crate::gmp::{ReportFormat, ReportSplitter};

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

/// The IGMPv3 report format for the shared [`ReportSplitter`]: IPv4
/// records, type 0x22, the plain internet checksum (RFC 3376 §4.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ReportV3Format;

impl ReportFormat for ReportV3Format {
    type Addr = Ipv4Addr;
    type Error = IgmpEmitError;
    const REPORT_TYPE: u8 = TYPE_REPORT_V3;
    const MAX_LEN: usize = MAX_IGMP_LEN;
    #[inline]
    fn fill_checksum(&self, msg: &mut [u8]) {
        fill_checksum(msg);
    }
}

/// Emits a list of group records as one or more IGMPv3 reports, each at most
/// `max_len` octets (RFC 3376 §4.2.16, RFC 9776 §4.2.16): the shared
/// [`ReportSplitter`] in the IGMPv3 format, where its rules are told.
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
pub type ReportV3Splitter<'a> = ReportSplitter<'a, ReportV3Format>;

impl<'a> ReportSplitter<'a, ReportV3Format> {
    /// A splitter over `records`, each report at most `max_len` octets (the
    /// IGMP message; see [`max_igmp_len`]).
    #[inline]
    pub fn new(records: &'a [GroupRecordRepr<'a>], max_len: usize) -> Self {
        ReportSplitter::with_format(ReportV3Format, records, max_len)
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
