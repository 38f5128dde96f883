//! Captures made up for benchmarks and memory tests (not part of the
//! analysis): raw-IP pcaps of many IGMP messages, built with the wire
//! crate's reprs and the capture writer.

use std::net::Ipv4Addr;
use std::time::Duration;

use ipv4kit_capture::write::PcapWriter;
use ipv4kit_wire::igmp::{
    GroupRecordRepr, GroupRecordType, LeaveV2, MaxRespCode, Qqic, QueryV3, ReportV2, ReportV3,
};
use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Repr, ROUTER_ALERT};

fn push(w: &mut PcapWriter<Vec<u8>>, us: u64, src: Ipv4Addr, dst: Ipv4Addr, igmp: &[u8]) {
    let mut ip = Ipv4Repr::new(src, dst, IpProtocol::IGMP, igmp.len()).with_ttl(1);
    ip.options = &ROUTER_ALERT;
    let mut buf = [0u8; 128];
    let Ok(h) = ip.emit(&mut buf) else { return };
    buf[h..h + igmp.len()].copy_from_slice(igmp);
    let n = h + igmp.len();
    // Writing into a Vec cannot fail.
    let _ = w.write_packet(
        Duration::from_micros(1_700_000_000_000_000 + us),
        n as u32,
        &buf[..n],
    );
}

fn host(i: usize) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(Ipv4Addr::new(198, 18, 4, 0)) + (i % 1000) as u32)
}

fn group(i: usize) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(Ipv4Addr::new(239, 1, 0, 0)) + i as u32)
}

/// `n` packets, 1 ms apart: a v3 General Query every 125 s from 198.18.0.1;
/// otherwise hosts (1000 of them) answer it with IS_EX records within its
/// Max Resp Time (then send TO_EX), send v2 reports, and now and then a
/// leave, for groups among 4000, which the querier answers with a
/// Group-Specific Query (Max Resp 10 s) 1 ms later. A correct link: no
/// violations.
pub fn mixed(n: usize) -> Vec<u8> {
    mixed_in(n, 4000)
}

/// [`mixed`] with `groups` groups (at least 1): packet `i` is about group
/// `i % groups`, so every packet touches another group's state when
/// `groups` is large (the worst case for the analysis's memory access).
pub fn mixed_in(n: usize, groups: usize) -> Vec<u8> {
    let groups = groups.max(1);
    let mut w = PcapWriter::new(Vec::with_capacity(n * 60), 101, 65535).expect("in memory");
    let querier = Ipv4Addr::new(198, 18, 0, 1);
    let mut m = [0u8; 64];
    // Where a leave is: not a General Query's slot nor an answer's.
    let leave_at =
        |i: usize| i.is_multiple_of(97) && !i.is_multiple_of(3) && !i.is_multiple_of(125_000);
    // The querier's v3 query for `group` (unspecified: General).
    let query = |group: Ipv4Addr, m: &mut [u8]| {
        QueryV3 {
            max_resp_code: MaxRespCode::from_duration(Duration::from_secs(10)),
            group,
            s_flag: false,
            qrv: 2,
            qqic: Qqic::from_duration(Duration::from_secs(125)),
            sources: &[],
        }
        .emit(m)
        .unwrap_or(0)
    };
    for i in 0..n {
        let us = i as u64 * 1000;
        let answer_leave = i > 0 && leave_at(i - 1) && !i.is_multiple_of(125_000);
        let len = if answer_leave {
            query(group((i - 1) % groups), &mut m)
        } else if i % 125_000 == 0 {
            query(Ipv4Addr::UNSPECIFIED, &mut m)
        } else if i % 3 == 0 {
            // Answers (IS_EX) within the query's 10 s, state changes after.
            let record_type = if i % 125_000 < 9_000 {
                GroupRecordType::ModeIsExclude
            } else {
                GroupRecordType::ChangeToExclude
            };
            let rec = [GroupRecordRepr {
                record_type,
                group: group(i % groups),
                sources: &[],
                aux_data: &[],
            }];
            ReportV3 { records: &rec }.emit(&mut m).unwrap_or(0)
        } else if i % 97 == 0 {
            LeaveV2 {
                group: group(i % groups),
            }
            .emit(&mut m)
            .unwrap_or(0)
        } else {
            ReportV2 {
                group: group(i % groups),
            }
            .emit(&mut m)
            .unwrap_or(0)
        };
        let (src, dst) = match (i % 125_000 == 0, i % 3 == 0, i % 97 == 0) {
            _ if answer_leave => (querier, group((i - 1) % groups)),
            (true, _, _) => (querier, Ipv4Addr::new(224, 0, 0, 1)),
            (_, true, _) => (host(i), Ipv4Addr::new(224, 0, 0, 22)),
            (_, _, true) => (host(i), Ipv4Addr::new(224, 0, 0, 2)),
            _ => (host(i), group(i % groups)),
        };
        push(&mut w, us, src, dst, &m[..len]);
    }
    w.into_inner().unwrap_or_default()
}

/// `n` v2 reports, each for a group of its own.
pub fn distinct_groups(n: usize) -> Vec<u8> {
    let mut w = PcapWriter::new(Vec::with_capacity(n * 60), 101, 65535).expect("in memory");
    let mut m = [0u8; 8];
    for i in 0..n {
        let g = group(i);
        let len = ReportV2 { group: g }.emit(&mut m).unwrap_or(0);
        push(&mut w, i as u64 * 10, host(i), g, &m[..len]);
    }
    w.into_inner().unwrap_or_default()
}
