//! Builds IGMP captures with the wire crate's reprs and the capture writer.
#![allow(dead_code)]

use std::net::Ipv4Addr;
use std::time::Duration;

use ipv4kit_analyze::{analyze_reader, Options, Report};
use ipv4kit_capture::write::PcapWriter;
use ipv4kit_wire::igmp::{
    GroupRecordRepr, GroupRecordType, LeaveV2, MaxRespCode, Qqic, QueryV2, QueryV3, ReportV2,
    ReportV3,
};
use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Repr, ROUTER_ALERT};

pub const Q: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
pub const Q2: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
pub const H1: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 11);
pub const H2: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 12);
pub const G1: Ipv4Addr = Ipv4Addr::new(239, 1, 1, 1);
pub const G2: Ipv4Addr = Ipv4Addr::new(239, 2, 2, 2);
pub const ALL: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 1);
pub const V3R: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 22);
pub const ROUTERS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 2);

/// One frame: time in ms, IP header fields, the IGMP message.
#[derive(Clone)]
pub struct F {
    pub ms: u64,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub ttl: u8,
    pub ra: bool,
    pub igmp: Vec<u8>,
}

pub fn f(ms: u64, src: Ipv4Addr, dst: Ipv4Addr, igmp: Vec<u8>) -> F {
    F {
        ms,
        src,
        dst,
        ttl: 1,
        ra: true,
        igmp,
    }
}

pub fn datagram(x: &F) -> Vec<u8> {
    let opts: &[u8] = if x.ra { &ROUTER_ALERT } else { &[] };
    let mut ip = Ipv4Repr::new(x.src, x.dst, IpProtocol::IGMP, x.igmp.len()).with_ttl(x.ttl);
    ip.options = opts;
    let mut buf = vec![0u8; ip.total_len()];
    let n = ip.emit(&mut buf).unwrap();
    buf[n..].copy_from_slice(&x.igmp);
    buf
}

/// A UDP datagram to `group` (data), protocol 17, as raw IP.
pub fn data(ms: u64, src: Ipv4Addr, group: Ipv4Addr) -> (u64, Vec<u8>) {
    let ip = Ipv4Repr::new(src, group, IpProtocol::UDP, 8);
    let mut buf = vec![0u8; ip.total_len()];
    ip.emit(&mut buf).unwrap();
    (ms, buf)
}

pub fn pcap(frames: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut w = PcapWriter::new(Vec::new(), 101, 65535).unwrap();
    for (ms, b) in frames {
        let ts = Duration::from_millis(1_700_000_000_000 + ms);
        w.write_packet(ts, b.len() as u32, b).unwrap();
    }
    w.into_inner().unwrap()
}

pub fn analyze(frames: &[F]) -> Report {
    let raw: Vec<(u64, Vec<u8>)> = frames.iter().map(|x| (x.ms, datagram(x))).collect();
    analyze_raw(&raw, Options::default())
}

pub fn analyze_raw(frames: &[(u64, Vec<u8>)], options: Options) -> Report {
    let mut sorted = frames.to_vec();
    sorted.sort_by_key(|x| x.0);
    analyze_reader(&pcap(&sorted)[..], "test", options).unwrap()
}

pub fn q3(group: Ipv4Addr, mrt_ms: u64, qrv: u8, qqi_s: u64) -> Vec<u8> {
    let q = QueryV3 {
        max_resp_code: MaxRespCode::from_duration(Duration::from_millis(mrt_ms)),
        group,
        s_flag: false,
        qrv,
        qqic: Qqic::from_duration(Duration::from_secs(qqi_s)),
        sources: &[],
    };
    let mut b = vec![0u8; q.buffer_len()];
    q.emit(&mut b).unwrap();
    b
}

pub fn q2(group: Ipv4Addr, tenths: u8) -> Vec<u8> {
    let mut b = vec![0u8; 8];
    QueryV2 {
        max_resp_time: tenths,
        group,
    }
    .emit(&mut b)
    .unwrap();
    b
}

pub fn r2(group: Ipv4Addr) -> Vec<u8> {
    let mut b = vec![0u8; 8];
    ReportV2 { group }.emit(&mut b).unwrap();
    b
}

pub fn leave(group: Ipv4Addr) -> Vec<u8> {
    let mut b = vec![0u8; 8];
    LeaveV2 { group }.emit(&mut b).unwrap();
    b
}

pub fn r3(records: &[(GroupRecordType, Ipv4Addr, &[Ipv4Addr])]) -> Vec<u8> {
    let recs: Vec<GroupRecordRepr<'_>> = records
        .iter()
        .map(|(t, g, s)| GroupRecordRepr {
            record_type: *t,
            group: *g,
            sources: s,
            aux_data: &[],
        })
        .collect();
    let r = ReportV3 { records: &recs };
    let mut b = vec![0u8; r.buffer_len()];
    r.emit(&mut b).unwrap();
    b
}

pub use ipv4kit_wire::igmp::GroupRecordType as T;

/// A clean link: querier Q (v3, QQI 10 s, Max Resp 1 s, QRV 2) with its
/// startup queries at 0 and 2.5 s then every 10 s up to 52.5 s; host H1
/// (v3) joins G1 at 1 s, answers each query 0.4 s later, leaves at 30 s
/// (Q sends two Q(G) 1 s apart); host H2 (v2) reports G2 at 5 s and
/// answers 0.3 s after each query.
pub fn clean() -> Vec<F> {
    let mut v = Vec::new();
    let mut queries = vec![0u64, 2500];
    queries.extend((0..5).map(|i| 12_500 + i * 10_000));
    for &t in &queries {
        v.push(f(t, Q, ALL, q3(Ipv4Addr::UNSPECIFIED, 1000, 2, 10)));
        if t > 1000 && t < 30_000 {
            v.push(f(t + 400, H1, V3R, r3(&[(T::ModeIsExclude, G1, &[])])));
        }
        if t > 5000 {
            v.push(f(t + 300, H2, G2, r2(G2)));
        }
    }
    v.push(f(1000, H1, V3R, r3(&[(T::ChangeToExclude, G1, &[])])));
    v.push(f(1600, H1, V3R, r3(&[(T::ChangeToExclude, G1, &[])])));
    v.push(f(5000, H2, G2, r2(G2)));
    v.push(f(30_000, H1, V3R, r3(&[(T::ChangeToInclude, G1, &[])])));
    v.push(f(30_010, Q, G1, q3(G1, 1000, 2, 10)));
    v.push(f(30_500, H1, V3R, r3(&[(T::ChangeToInclude, G1, &[])])));
    v.push(f(31_010, Q, G1, q3(G1, 1000, 2, 10)));
    v.sort_by_key(|x| x.ms);
    v
}

/// The 1-based frame number of `x` once `frames` are sorted by time (stable).
pub fn frame_of(frames: &[F], pred: impl Fn(&F) -> bool) -> u64 {
    let mut s = frames.to_vec();
    s.sort_by_key(|x| x.ms);
    s.iter().position(pred).unwrap() as u64 + 1
}
