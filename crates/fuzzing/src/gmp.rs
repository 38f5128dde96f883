//! The host engine (ipv4kit-gmp) under arbitrary membership calls, received
//! messages and times.

use core::time::Duration;
use std::net::Ipv4Addr;

use ipv4kit_gmp::{merge, Config, Filter, FilterMode, Host, Igmp, Instant, Requester, RxMeta};
use ipv4kit_wire::igmp::IgmpMessage;

/// A tiny deterministic generator (xorshift64*), so a fuzz input replays the same.
pub(crate) struct Rng(pub(crate) u64);

impl rand_core::TryRng for Rng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.try_next_u64().map(|x| (x >> 32) as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        Ok(self.0.wrapping_mul(0x2545_f491_4f6c_dd1d))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for b in dst {
            *b = self.try_next_u64()? as u8;
        }
        Ok(())
    }
}

const GROUPS: [Ipv4Addr; 6] = [
    Ipv4Addr::new(239, 1, 1, 1),
    Ipv4Addr::new(239, 1, 1, 2),
    Ipv4Addr::new(232, 1, 1, 1),
    Ipv4Addr::new(224, 0, 0, 1),
    Ipv4Addr::new(224, 0, 0, 251),
    Ipv4Addr::new(10, 0, 0, 1),
];
const REQUESTERS: u32 = 4;
const MAX_GROUPS: usize = 4;

fn source(b: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 0, b % 12)
}

/// Reads the input as a program: each command is an opcode octet and its
/// arguments. Checks that nothing panics, every message sent parses, the
/// interface state is the §3.2 merge of what the engine says each requester
/// holds, the timers never point into the past, and state stays bounded.
pub fn gmp_host(data: &[u8]) {
    let mut it = data.iter().copied();
    let mut next = || it.next();
    let seed = u64::from(next().unwrap_or(1)) | 1;
    let mtu = 68 + usize::from(next().unwrap_or(0)) * 6;
    let config = Config::<Igmp> {
        mtu,
        max_groups: MAX_GROUPS,
        max_groups_per_requester: 3,
        max_sources_per_filter: 8,
        max_query_sources: 16,
        ..Config::default()
    };
    let mut h = Host::new(config, Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
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
                let sources: Vec<Ipv4Addr> = (0..n).map(|_| source(next().unwrap_or(0))).collect();
                let mode = if op & 0x80 != 0 {
                    FilterMode::Exclude
                } else {
                    FilterMode::Include
                };
                h.set_filter(now, r, grp, mode, &sources)
            }
            7 => {
                // A received message: length, then octets (lenient parse:
                // the checksum is not the point here).
                let n = usize::from(next().unwrap_or(0) % 64);
                let msg: Vec<u8> = (0..n).map(|_| next().unwrap_or(0)).collect();
                if let Ok(m) = IgmpMessage::parse_lenient(&msg) {
                    let meta = RxMeta {
                        destination: if a & 1 == 0 {
                            Ipv4Addr::new(224, 0, 0, 1)
                        } else {
                            grp
                        },
                        router_alert: a & 2 == 0,
                    };
                    h.handle_message(now, &m, meta);
                }
                Ok(())
            }
            8 => {
                now = now + Duration::from_millis(u64::from(a) * 97 + u64::from(x.octets()[3]));
                if h.poll_timeout().is_some_and(|t| t <= now) {
                    h.handle_timeout(now);
                    assert!(h.poll_timeout().is_none_or(|t| t > now), "a due timer left");
                }
                Ok(())
            }
            _ => {
                // Take out messages, with buffers of any size.
                let len = usize::from(a) * 6;
                while let Some(t) = h.poll_transmit(&mut buf[..len.min(1500)]) {
                    let Ok(t) = t else { break };
                    assert!(
                        t.len <= mtu.saturating_sub(24).max(8),
                        "{} > MTU {mtu}",
                        t.len
                    );
                    IgmpMessage::parse(&buf[..t.len]).expect("sent messages parse");
                }
                Ok(())
            }
        };
        for g in GROUPS {
            let filters: Vec<Filter<Ipv4Addr>> = (0..REQUESTERS)
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
    // Everything ends: run the clock out.
    for _ in 0..64 {
        let Some(t) = h.poll_timeout() else { break };
        now = now.max(t);
        h.handle_timeout(now);
        while let Some(Ok(t)) = h.poll_transmit(&mut buf) {
            IgmpMessage::parse(&buf[..t.len]).expect("sent messages parse");
        }
    }
}
