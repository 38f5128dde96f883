//! Helpers for the router engine's tests: reports and queries built with
//! the wire crate, a router on a virtual clock, its queries decoded.
#![allow(dead_code)]

use std::net::Ipv4Addr;
use std::time::Duration;

use ipv4kit_gmp::{Compat, Igmp, Instant, Router, RouterConfig, RouterRxMeta};
use ipv4kit_wire::igmp::{
    GroupRecordRepr, GroupRecordType, IgmpMessage, LeaveV2, MaxRespCode, Qqic, QueryV2, QueryV3,
    ReportV1, ReportV2, ReportV3,
};

pub const ME: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 5);
pub const HOST: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 100);
pub const G: Ipv4Addr = Ipv4Addr::new(239, 1, 1, 1);

pub fn src(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(203, 0, 113, n)
}

pub fn srcs(ns: &[u8]) -> Vec<Ipv4Addr> {
    ns.iter().map(|&n| src(n)).collect()
}

pub fn router() -> Router<Igmp> {
    router_with(RouterConfig::new(ME))
}

/// A router whose startup queries are sent and discarded.
pub fn router_with(config: RouterConfig<Igmp>) -> Router<Igmp> {
    let mut r = Router::new(config, Instant::ZERO);
    r.handle_timeout(Instant::ZERO);
    drain(&mut r);
    r
}

pub fn meta_from(source: Ipv4Addr) -> RouterRxMeta<Ipv4Addr> {
    RouterRxMeta {
        source,
        destination: Ipv4Addr::new(224, 0, 0, 22),
        ttl: 1,
        router_alert: true,
    }
}

pub fn feed_from(r: &mut Router<Igmp>, now: Instant, from: Ipv4Addr, bytes: &[u8]) {
    r.handle_message(now, &IgmpMessage::parse(bytes).unwrap(), meta_from(from));
}

pub fn feed(r: &mut Router<Igmp>, now: Instant, bytes: &[u8]) {
    feed_from(r, now, HOST, bytes);
}

pub fn report(records: &[(GroupRecordType, Ipv4Addr, &[Ipv4Addr])]) -> Vec<u8> {
    let reprs: Vec<_> = records
        .iter()
        .map(|&(record_type, group, sources)| GroupRecordRepr {
            record_type,
            group,
            sources,
            aux_data: &[],
        })
        .collect();
    let r = ReportV3 { records: &reprs };
    let mut buf = vec![0; r.buffer_len()];
    r.emit(&mut buf).unwrap();
    buf
}

pub fn record(t: GroupRecordType, group: Ipv4Addr, sources: &[u8]) -> Vec<u8> {
    report(&[(t, group, &srcs(sources))])
}

pub fn v1_report(group: Ipv4Addr) -> Vec<u8> {
    let mut b = vec![0; 8];
    ReportV1 { group }.emit(&mut b).unwrap();
    b
}

pub fn v2_report(group: Ipv4Addr) -> Vec<u8> {
    let mut b = vec![0; 8];
    ReportV2 { group }.emit(&mut b).unwrap();
    b
}

pub fn leave(group: Ipv4Addr) -> Vec<u8> {
    let mut b = vec![0; 8];
    LeaveV2 { group }.emit(&mut b).unwrap();
    b
}

pub fn query_v3(group: Ipv4Addr, s_flag: bool, qrv: u8, qqi: u32, sources: &[Ipv4Addr]) -> Vec<u8> {
    let q = QueryV3 {
        max_resp_code: MaxRespCode::from_tenths(100),
        group,
        s_flag,
        qrv,
        qqic: Qqic::from_secs(qqi),
        sources,
    };
    let mut b = vec![0; q.buffer_len()];
    q.emit(&mut b).unwrap();
    b
}

pub fn query_v2(group: Ipv4Addr) -> Vec<u8> {
    let mut b = vec![0; 8];
    QueryV2 {
        max_resp_time: 100,
        group,
    }
    .emit(&mut b)
    .unwrap();
    b
}

/// A query as the tests compare them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Q {
    pub version: Compat,
    pub group: Ipv4Addr,
    pub s_flag: bool,
    pub sources: Vec<Ipv4Addr>,
    pub destination: Ipv4Addr,
}

pub fn drain(r: &mut Router<Igmp>) -> Vec<Q> {
    let mut buf = [0u8; 1500];
    let mut out = Vec::new();
    while let Some(t) = r.poll_transmit(&mut buf) {
        let t = t.unwrap();
        let q = match IgmpMessage::parse(&buf[..t.len]).unwrap() {
            IgmpMessage::QueryV3(q) => Q {
                version: Compat::V3,
                group: q.group(),
                s_flag: q.s_flag(),
                sources: q.sources().collect(),
                destination: t.destination,
            },
            IgmpMessage::QueryV2(q) => Q {
                version: Compat::V2,
                group: q.group(),
                s_flag: false,
                sources: vec![],
                destination: t.destination,
            },
            IgmpMessage::QueryV1(_) => Q {
                version: Compat::V1,
                group: Ipv4Addr::UNSPECIFIED,
                s_flag: false,
                sources: vec![],
                destination: t.destination,
            },
            m => panic!("router sent {m:?}"),
        };
        assert_eq!(t.version, q.version);
        out.push(q);
    }
    out
}

/// Runs the router's timers from `now` to `end`, collecting queries with times.
pub fn run(r: &mut Router<Igmp>, end: Instant) -> Vec<(Instant, Q)> {
    let mut out = Vec::new();
    while let Some(at) = r.poll_timeout().filter(|&t| t <= end) {
        r.handle_timeout(at);
        out.extend(drain(r).into_iter().map(|q| (at, q)));
    }
    out
}

pub fn secs(s: u64) -> Instant {
    Instant::from_secs(s)
}

pub fn dur(s: u64) -> Duration {
    Duration::from_secs(s)
}
