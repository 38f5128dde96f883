//! Helpers shared by the engine's tests: a seeded host, a virtual clock
//! that runs it, decoded output, queries built with the wire crate.
#![allow(dead_code)]

use std::net::Ipv4Addr;
use std::time::Duration;

use ipv4kit_gmp::{Config, Host, Igmp, Instant, MessageKind, RxMeta};
use ipv4kit_wire::igmp::{IgmpMessage, MaxRespCode, Qqic, QueryV1, QueryV2, QueryV3, ALL_SYSTEMS};
use rand_core::SeedableRng;
use rand_xorshift::XorShiftRng;

pub type TestHost = Host<Igmp, XorShiftRng>;

pub fn host_with(config: Config<Igmp>, seed: u64) -> TestHost {
    Host::new(config, XorShiftRng::seed_from_u64(seed))
}

pub fn host() -> TestHost {
    host_with(Config::default(), 1)
}

pub fn g(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(239, 1, 1, n)
}

pub fn s(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 1, n)
}

/// A record: type (RFC 3376 §4.2.12 code), group, sources.
pub type Rec = (u8, Ipv4Addr, Vec<Ipv4Addr>);

/// A message as the tests compare them: records of a v3 report, or an old
/// message (kind and group).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    V3(Vec<Rec>),
    V1(Ipv4Addr),
    V2(Ipv4Addr),
    Leave(Ipv4Addr),
}

pub const IS_IN: u8 = 1;
pub const IS_EX: u8 = 2;
pub const TO_IN: u8 = 3;
pub const TO_EX: u8 = 4;
pub const ALLOW: u8 = 5;
pub const BLOCK: u8 = 6;

/// Decodes an IGMP message as [`Msg`]; `None` for anything else.
pub fn decode(bytes: &[u8]) -> Option<Msg> {
    match IgmpMessage::parse(bytes).ok()? {
        IgmpMessage::ReportV3(r) => Some(Msg::V3(
            r.records()
                .map(|rec| {
                    (
                        u8::from(rec.record_type()),
                        rec.group(),
                        rec.sources().collect(),
                    )
                })
                .collect(),
        )),
        IgmpMessage::ReportV1(r) => Some(Msg::V1(r.group())),
        IgmpMessage::ReportV2(r) => Some(Msg::V2(r.group())),
        IgmpMessage::LeaveV2(r) => Some(Msg::Leave(r.group())),
        _ => None,
    }
}

/// Everything queued now, decoded, checking destinations.
pub fn drain(h: &mut TestHost) -> Vec<Msg> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1500];
    while let Some(t) = h.poll_transmit(&mut buf) {
        let t = t.unwrap();
        let m = decode(&buf[..t.len]).expect("the engine emits valid IGMP");
        let want = match &m {
            Msg::V3(_) => Ipv4Addr::new(224, 0, 0, 22),
            Msg::V1(g) | Msg::V2(g) => *g,
            Msg::Leave(_) => Ipv4Addr::new(224, 0, 0, 2),
        };
        assert_eq!(t.destination, want, "{m:?}");
        assert_eq!(matches!(m, Msg::V3(_)), t.kind == MessageKind::Report);
        out.push(m);
    }
    out
}

/// Runs the host's timers from `now` until `end` on a virtual clock;
/// returns what it sent with the times, including what was queued at `now`.
pub fn run(h: &mut TestHost, now: Instant, end: Instant) -> Vec<(Instant, Msg)> {
    let mut out: Vec<(Instant, Msg)> = drain(h).into_iter().map(|m| (now, m)).collect();
    while let Some(t) = h.poll_timeout() {
        if t > end {
            break;
        }
        h.handle_timeout(t.max(now));
        out.extend(drain(h).into_iter().map(|m| (t, m)));
    }
    out
}

pub fn msgs(sent: &[(Instant, Msg)]) -> Vec<Msg> {
    sent.iter().map(|(_, m)| m.clone()).collect()
}

pub fn meta(destination: Ipv4Addr) -> RxMeta<Ipv4Addr> {
    RxMeta {
        destination,
        router_alert: true,
    }
}

/// An IGMPv3 query: `group` unspecified for a General Query.
pub fn query_v3(group: Ipv4Addr, sources: &[Ipv4Addr], max_resp: Duration) -> Vec<u8> {
    let q = QueryV3 {
        max_resp_code: MaxRespCode::from_duration(max_resp),
        group,
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_secs(125),
        sources,
    };
    let mut buf = vec![0u8; q.buffer_len()];
    q.emit(&mut buf).unwrap();
    buf
}

pub fn query_v2(group: Ipv4Addr, max_resp: Duration) -> Vec<u8> {
    let mut buf = vec![0u8; 8];
    QueryV2 {
        max_resp_time: (max_resp.as_millis() / 100) as u8,
        group,
    }
    .emit(&mut buf)
    .unwrap();
    buf
}

pub fn query_v1() -> Vec<u8> {
    let mut buf = vec![0u8; 8];
    QueryV1.emit(&mut buf).unwrap();
    buf
}

/// Feeds a query (parsed by the wire crate) to the host.
pub fn feed(h: &mut TestHost, now: Instant, bytes: &[u8]) {
    let msg = IgmpMessage::parse(bytes).unwrap();
    let dst = match &msg {
        IgmpMessage::QueryV3(q) if !q.is_general() => q.group(),
        IgmpMessage::QueryV2(q) if !q.is_general() => q.group(),
        _ => ALL_SYSTEMS,
    };
    h.handle_message(now, &msg, meta(dst));
}
