//! Helpers shared by the MLD host tests: a seeded `Host<Mld>`, a virtual
//! clock that runs it, decoded output, queries built with the wire crate.
#![allow(dead_code)]

use std::net::Ipv6Addr;
use std::time::Duration;

use ipv4kit_gmp::{Config, Host, Instant, MessageKind, Mld, MldRx, RxMeta};
use ipv4kit_wire::mld::{
    MaxRespCode, MldMessage, Qqic, QueryV1, QueryV2, ALL_MLDV2_ROUTERS, ALL_NODES, ALL_ROUTERS,
};
use rand_core::SeedableRng;
use rand_xorshift::XorShiftRng;

pub type MldHost = Host<Mld, XorShiftRng>;

/// The engine's link-local source (the same as testnet's host a).
pub const SRC: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
/// The querier's link-local source (testnet's host b).
pub const QUERIER: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2);

pub fn host_with(config: Config<Mld>, seed: u64) -> MldHost {
    let mut h = Host::new(config, XorShiftRng::seed_from_u64(seed));
    h.set_source(SRC).unwrap();
    h
}

pub fn host() -> MldHost {
    host_with(Config::default(), 1)
}

/// An any-source group: ff15::4b:n (transient, site scope).
pub fn g(n: u16) -> Ipv6Addr {
    Ipv6Addr::new(0xff15, 0, 0, 0, 0, 0, 0x4b, n)
}

/// A source: 2001:2::1:n (testnet's IPv6 prefix).
pub fn s(n: u16) -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 1, n)
}

/// A record: type (RFC 3810 §5.2.12 code), group, sources.
pub type Rec = (u8, Ipv6Addr, Vec<Ipv6Addr>);

/// A message as the tests compare them: records of an MLDv2 report, an
/// MLDv1 report or done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    V2(Vec<Rec>),
    V1(Ipv6Addr),
    Done(Ipv6Addr),
}

pub const IS_IN: u8 = 1;
pub const IS_EX: u8 = 2;
pub const TO_IN: u8 = 3;
pub const TO_EX: u8 = 4;
pub const ALLOW: u8 = 5;
pub const BLOCK: u8 = 6;

/// Decodes an MLD message sent from `src` to `dst` (checksum verified).
pub fn decode(bytes: &[u8], src: Ipv6Addr, dst: Ipv6Addr) -> Option<Msg> {
    match MldMessage::parse(bytes, src, dst).ok()? {
        MldMessage::ReportV2(r) => Some(Msg::V2(
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
        MldMessage::ReportV1(r) => Some(Msg::V1(r.group())),
        MldMessage::DoneV1(r) => Some(Msg::Done(r.group())),
        _ => None,
    }
}

/// Everything queued now, decoded (checksums verified for the host's
/// source and the transmit's destination), checking destinations.
pub fn drain(h: &mut MldHost) -> Vec<Msg> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1500];
    let src = h.source();
    while let Some(t) = h.poll_transmit(&mut buf) {
        let t = t.unwrap();
        let m = decode(&buf[..t.len], src, t.destination).expect("the engine emits valid MLD");
        let want = match &m {
            Msg::V2(_) => ALL_MLDV2_ROUTERS,
            Msg::V1(g) => *g,
            Msg::Done(_) => ALL_ROUTERS,
        };
        assert_eq!(t.destination, want, "{m:?}");
        assert_eq!(matches!(m, Msg::V2(_)), t.kind == MessageKind::Report);
        out.push(m);
    }
    out
}

/// Runs the host's timers from `now` until `end` on a virtual clock;
/// returns what it sent with the times, including what was queued at `now`.
pub fn run(h: &mut MldHost, now: Instant, end: Instant) -> Vec<(Instant, Msg)> {
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

pub fn meta(destination: Ipv6Addr) -> RxMeta<Ipv6Addr> {
    RxMeta {
        destination,
        router_alert: true,
    }
}

/// The IPv6 destination a query goes to (RFC 3810 §5.1.15).
pub fn query_dst(group: Ipv6Addr) -> Ipv6Addr {
    if group.is_unspecified() {
        ALL_NODES
    } else {
        group
    }
}

/// An MLDv2 query from [`QUERIER`]: `group` unspecified for a General Query.
pub fn query_v2(group: Ipv6Addr, sources: &[Ipv6Addr], max_resp: Duration) -> Vec<u8> {
    let q = QueryV2 {
        max_resp_code: MaxRespCode::from_duration(max_resp),
        group,
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_secs(125),
        sources,
    };
    let mut buf = vec![0u8; q.buffer_len()];
    q.emit(QUERIER, query_dst(group), &mut buf).unwrap();
    buf
}

/// An MLDv1 query from [`QUERIER`].
pub fn query_v1(group: Ipv6Addr, max_resp: Duration) -> Vec<u8> {
    let mut buf = vec![0u8; 24];
    QueryV1 {
        max_resp_delay: max_resp.as_millis() as u16,
        group,
    }
    .emit(QUERIER, query_dst(group), &mut buf)
    .unwrap();
    buf
}

/// Feeds a query (parsed by the wire crate) from `src` to `dst`.
pub fn feed_from(h: &mut MldHost, now: Instant, bytes: &[u8], src: Ipv6Addr, dst: Ipv6Addr) {
    let msg = MldMessage::parse(bytes, src, dst).unwrap();
    h.handle_message(now, &MldRx::new(msg, src), meta(dst));
}

/// Feeds a query from [`QUERIER`] to the destination RFC 3810 gives it.
pub fn feed(h: &mut MldHost, now: Instant, bytes: &[u8]) {
    let group = Ipv6Addr::from(<[u8; 16]>::try_from(&bytes[8..24]).unwrap());
    feed_from(h, now, bytes, QUERIER, query_dst(group));
}
