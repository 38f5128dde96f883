//! The router engines (`Router<Igmp>`, `Router<Mld>`) under arbitrary
//! messages — any bytes, from any source, to any destination, with any TTL
//! and Router Alert — and arbitrary clock steps.

use core::time::Duration;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipv4kit_gmp::{Igmp, Instant, Mld, Router, RouterConfig, RouterProtocol, RouterRxMeta};
use ipv4kit_wire::igmp::IgmpMessage;
use ipv4kit_wire::mld::MldMessage;

const MAX_GROUPS: usize = 8;
const MAX_SOURCES: usize = 4;

/// Runs one engine over the input read as a program: each step is an
/// opcode octet, then (for a message) its addresses' last octets, TTL and
/// length, then the message bytes. Checks that nothing panics, the caps
/// hold, timers never point into the past, and every query sent parses.
fn run<P: RouterProtocol>(
    data: &[u8],
    me: P::Addr,
    addr: impl Fn(u8) -> P::Addr,
    check_query: impl Fn(P::Addr, P::Addr, &[u8]),
) {
    let mut it = data.iter().copied();
    let mut config = RouterConfig::<P>::new(me);
    config.max_groups = MAX_GROUPS;
    config.max_sources_per_group = MAX_SOURCES;
    config.passive = data.first().is_some_and(|b| b & 1 == 1);
    let mut now = Instant::from_secs(1);
    let mut r = Router::new(config, now);
    let mut buf = vec![0u8; 1500];
    while let Some(op) = it.next() {
        match op % 4 {
            0 | 1 => {
                let (Some(s), Some(d), Some(ttl), Some(len)) =
                    (it.next(), it.next(), it.next(), it.next())
                else {
                    break;
                };
                let bytes: Vec<u8> = it.by_ref().take(usize::from(len)).collect();
                let meta = RouterRxMeta {
                    source: addr(s),
                    destination: addr(d),
                    ttl,
                    router_alert: op & 0x10 != 0,
                };
                r.handle_bytes(now, &bytes, meta);
            }
            2 => {
                let step = u64::from(it.next().unwrap_or(0)) * 37;
                now = now + Duration::from_millis(step);
                if let Some(t) = r.poll_timeout() {
                    if t <= now {
                        r.handle_timeout(now);
                    }
                }
            }
            _ => {}
        }
        assert!(r.group_count() <= MAX_GROUPS, "groups over the cap");
        assert!(
            r.source_count() <= MAX_GROUPS * MAX_SOURCES,
            "sources over the cap"
        );
        if let Some(t) = r.poll_timeout() {
            // A timer may be due now, never before the last time handled.
            assert!(t + Duration::from_secs(3600) > now);
        }
        while let Some(tx) = r.poll_transmit(&mut buf) {
            let tx = tx.expect("a 1500-octet buffer holds any query");
            check_query(me, tx.destination, &buf[..tx.len]);
        }
        while r.poll_event().is_some() {}
    }
    let _ = r.table(now);
}

/// IGMP then MLD over the same input.
pub fn gmp_router(data: &[u8]) {
    run::<Igmp>(
        data,
        Ipv4Addr::new(198, 18, 0, 1),
        |b| match b % 4 {
            0 => Ipv4Addr::new(198, 18, 0, b),
            1 => Ipv4Addr::new(239, 1, 1, b % 8),
            2 => Ipv4Addr::new(224, 0, 0, b % 4),
            _ => Ipv4Addr::new(0, 0, 0, b % 2),
        },
        |_, _, q| {
            let m = IgmpMessage::parse(q).expect("sent query parses");
            assert!(
                matches!(
                    m,
                    IgmpMessage::QueryV1(_) | IgmpMessage::QueryV2(_) | IgmpMessage::QueryV3(_)
                ),
                "sent {m:?}"
            );
        },
    );
    run::<Mld>(
        data,
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1),
        |b| match b % 4 {
            0 => Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(b)),
            1 => Ipv6Addr::new(0xff1e, 0, 0, 0, 0, 0, 0, u16::from(b % 8)),
            2 => Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, u16::from(b % 3)),
            _ => Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, u16::from(b)),
        },
        |src, dst, q| {
            let m = MldMessage::parse(q, src, dst).expect("sent query parses with its checksum");
            assert!(
                matches!(m, MldMessage::QueryV1(_) | MldMessage::QueryV2(_)),
                "sent {m:?}"
            );
        },
    );
}
