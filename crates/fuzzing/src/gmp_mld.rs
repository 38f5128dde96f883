//! The MLD host engine (`Host<Mld>`) under arbitrary membership calls,
//! received MLD messages (from link-local or other sources, with or without
//! Router Alert) and times.

use core::time::Duration;
use std::net::Ipv6Addr;

use ipv4kit_gmp::{
    merge, Config, Filter, FilterMode, Host, Instant, Mld, MldRx, Requester, RxMeta,
};
use ipv4kit_wire::mld::MldMessage;

use crate::gmp::Rng;

const GROUPS: [Ipv6Addr; 6] = [
    Ipv6Addr::new(0xff15, 0, 0, 0, 0, 0, 0, 1),
    Ipv6Addr::new(0xff02, 0, 0, 0, 0, 1, 0xff00, 1),
    Ipv6Addr::new(0xff3e, 0, 0, 0, 0, 0, 0, 1),
    Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1),
    Ipv6Addr::new(0xff01, 0, 0, 0, 0, 0, 0, 7),
    Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 1),
];
const REQUESTERS: u32 = 4;
const MAX_GROUPS: usize = 4;
const SOURCE: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);

fn source(b: u8) -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, u16::from(b % 12))
}

fn check_sent(src: Ipv6Addr, dst: Ipv6Addr, msg: &[u8]) {
    match MldMessage::parse(msg, src, dst) {
        Ok(MldMessage::ReportV2(_) | MldMessage::ReportV1(_) | MldMessage::DoneV1(_)) => {}
        other => panic!("sent message does not parse as a report or done: {other:?}"),
    }
}

/// Reads the input as a program, as [`gmp_host`](crate::gmp::gmp_host)
/// does for IGMP: membership calls, MLD messages, clock steps, transmit
/// pulls. Checks that nothing panics, every message sent parses with its
/// checksum for the host's link-local source, the interface state is the
/// §3.2 merge, no EXCLUDE on the SSM group, timers never point into the
/// past, and state stays bounded.
pub fn gmp_host_mld(data: &[u8]) {
    let mut it = data.iter().copied();
    let mut next = || it.next();
    let seed = u64::from(next().unwrap_or(1)) | 1;
    let mtu = 1280 + usize::from(next().unwrap_or(0)) * 8;
    let config = Config::<Mld> {
        mtu,
        max_groups: MAX_GROUPS,
        max_groups_per_requester: 3,
        max_sources_per_filter: 8,
        max_query_sources: 16,
        ..Config::default()
    };
    let mut h = Host::new(config, Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
    h.set_source(SOURCE).expect("link-local");
    let mut now = Instant::from_secs(1);
    let mut buf = vec![0u8; 1500];
    while let Some(op) = next() {
        let a = next().unwrap_or(0);
        let r = Requester(u32::from(a >> 4) % REQUESTERS);
        let grp = GROUPS[usize::from(a & 0x0f) % GROUPS.len()];
        let x = source(next().unwrap_or(0));
        let _ = match op % 10 {
            0 => h.join(now, r, grp),
            1 => h.leave(now, r, grp),
            2 => h.join_source(now, r, grp, x),
            3 => h.leave_source(now, r, grp, x),
            4 => h.block(now, r, grp, x),
            5 => h.unblock(now, r, grp, x),
            6 => {
                let n = usize::from(next().unwrap_or(0) % 12);
                let sources: Vec<Ipv6Addr> = (0..n).map(|_| source(next().unwrap_or(0))).collect();
                let mode = if op & 0x80 != 0 {
                    FilterMode::Exclude
                } else {
                    FilterMode::Include
                };
                h.set_filter(now, r, grp, mode, &sources)
            }
            7 => {
                // A received message: length, then octets (lenient parse).
                let n = usize::from(next().unwrap_or(0) % 96);
                let msg: Vec<u8> = (0..n).map(|_| next().unwrap_or(0)).collect();
                if let Ok(m) = MldMessage::parse_lenient(&msg) {
                    let from = if a & 4 == 0 {
                        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2)
                    } else {
                        x
                    };
                    let meta = RxMeta {
                        destination: if a & 1 == 0 {
                            Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1)
                        } else {
                            grp
                        },
                        router_alert: a & 2 == 0,
                    };
                    h.handle_message(now, &MldRx::new(m, from), meta);
                }
                Ok(())
            }
            8 => {
                now = now + Duration::from_millis(u64::from(a) * 97 + u64::from(x.octets()[15]));
                if h.poll_timeout().is_some_and(|t| t <= now) {
                    h.handle_timeout(now);
                    assert!(h.poll_timeout().is_none_or(|t| t > now), "a due timer left");
                }
                Ok(())
            }
            _ => {
                let len = usize::from(a) * 6;
                while let Some(t) = h.poll_transmit(&mut buf[..len.min(1500)]) {
                    let Ok(t) = t else { break };
                    assert!(t.len <= mtu - 48, "{} > MTU {mtu}", t.len);
                    check_sent(SOURCE, t.destination, &buf[..t.len]);
                }
                Ok(())
            }
        };
        for g in GROUPS {
            let filters: Vec<Filter<Ipv6Addr>> = (0..REQUESTERS)
                .filter_map(|i| h.socket_filter(Requester(i), g).cloned())
                .collect();
            let got = h.interface_state(g).cloned().unwrap_or_else(Filter::none);
            assert_eq!(got, merge(&filters), "§3.2 merge for {g}");
            if g == GROUPS[2] {
                assert!(
                    filters.iter().all(|f| f.mode == FilterMode::Include),
                    "EXCLUDE on an SSM group"
                );
            }
        }
        assert!(h.groups().count() <= MAX_GROUPS);
        assert!(h.tracked_groups() <= GROUPS.len());
    }
    for _ in 0..64 {
        let Some(t) = h.poll_timeout() else { break };
        now = now.max(t);
        h.handle_timeout(now);
        while let Some(Ok(t)) = h.poll_transmit(&mut buf) {
            check_sent(SOURCE, t.destination, &buf[..t.len]);
        }
    }
}
