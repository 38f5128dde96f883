//! The host engine (ipv4kit-gmp) under arbitrary membership calls, received
//! messages and times: one program for both families (`host_program`),
//! run as `Host<Igmp>` here and as `Host<Mld>` in [`crate::gmp_mld`].

use core::fmt::Display;
use core::time::Duration;
use std::net::Ipv4Addr;

use ipv4kit_gmp::{
    merge, Config, Filter, FilterMode, Host, Igmp, Instant, Protocol, Requester, RxMeta,
};
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

const REQUESTERS: u32 = 4;
const MAX_GROUPS: usize = 4;

/// What the host program does differently for a family.
pub(crate) trait HostFamily: Protocol<Addr: Display> + Sized {
    /// The groups the program uses: two any-source, the SSM one (index
    /// 2, never EXCLUDE), two link-scope and one that is not multicast.
    const GROUPS: [Self::Addr; 6];
    /// Received messages are at most this long, less one.
    const MAX_RECEIVED: u8;
    /// Source number `b`.
    fn source(b: u8) -> Self::Addr;
    /// The interface MTU from an input octet, at least the family's least.
    fn mtu(b: u8) -> usize;
    /// Sets the host up before the program (MLD: its link-local source).
    fn start(h: &mut Host<Self, Rng>);
    /// Feeds `msg` (parsed leniently: the checksum is not the point here),
    /// its IP facts taken from the octet `a`: destination, Router Alert,
    /// and for MLD a link-local source or `x`.
    fn receive(
        h: &mut Host<Self, Rng>,
        now: Instant,
        a: u8,
        grp: Self::Addr,
        x: Self::Addr,
        msg: &[u8],
    );
    /// The address's last octet.
    fn last_octet(x: Self::Addr) -> u8;
    /// The longest message the engine may send at `mtu`.
    fn max_sent_len(mtu: usize) -> usize;
    /// Asserts that a message the host sent to `dst` parses.
    fn check_sent(dst: Self::Addr, msg: &[u8]);
}

/// Reads the input as a program: each command is an opcode octet and its
/// arguments (membership calls, received messages, clock steps, transmit
/// pulls). Checks that nothing panics, every message sent parses, the
/// interface state is the §3.2 merge of what the engine says each requester
/// holds, no EXCLUDE on the SSM group, the timers never point into the
/// past, and state stays bounded.
pub(crate) fn host_program<F: HostFamily>(data: &[u8]) {
    let mut it = data.iter().copied();
    let mut next = || it.next();
    let seed = u64::from(next().unwrap_or(1)) | 1;
    let mtu = F::mtu(next().unwrap_or(0));
    let config = Config::<F> {
        mtu,
        max_groups: MAX_GROUPS,
        max_groups_per_requester: 3,
        max_sources_per_filter: 8,
        max_query_sources: 16,
        ..Config::default()
    };
    let mut h = Host::new(config, Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
    F::start(&mut h);
    let mut now = Instant::from_secs(1);
    let mut buf = vec![0u8; 1500];
    while let Some(op) = next() {
        let a = next().unwrap_or(0);
        let r = Requester(u32::from(a >> 4) % REQUESTERS);
        let grp = F::GROUPS[usize::from(a & 0x0f) % F::GROUPS.len()];
        let x = F::source(next().unwrap_or(0));
        let _ = match op % 10 {
            0 => h.join(now, r, grp),
            1 => h.leave(now, r, grp),
            2 => h.join_source(now, r, grp, x),
            3 => h.leave_source(now, r, grp, x),
            4 => h.block(now, r, grp, x),
            5 => h.unblock(now, r, grp, x),
            6 => {
                let n = usize::from(next().unwrap_or(0) % 12);
                let sources: Vec<F::Addr> =
                    (0..n).map(|_| F::source(next().unwrap_or(0))).collect();
                let mode = if op & 0x80 != 0 {
                    FilterMode::Exclude
                } else {
                    FilterMode::Include
                };
                h.set_filter(now, r, grp, mode, &sources)
            }
            7 => {
                // A received message: length, then octets.
                let n = usize::from(next().unwrap_or(0) % F::MAX_RECEIVED);
                let msg: Vec<u8> = (0..n).map(|_| next().unwrap_or(0)).collect();
                F::receive(&mut h, now, a, grp, x, &msg);
                Ok(())
            }
            8 => {
                now = now + Duration::from_millis(u64::from(a) * 97 + u64::from(F::last_octet(x)));
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
                    assert!(t.len <= F::max_sent_len(mtu), "{} > MTU {mtu}", t.len);
                    F::check_sent(t.destination, &buf[..t.len]);
                }
                Ok(())
            }
        };
        for g in F::GROUPS {
            let filters: Vec<Filter<F::Addr>> = (0..REQUESTERS)
                .filter_map(|i| h.socket_filter(Requester(i), g).cloned())
                .collect();
            let got = h.interface_state(g).cloned().unwrap_or_else(Filter::none);
            assert_eq!(got, merge(&filters), "§3.2 merge for {g}");
            if g == F::GROUPS[2] {
                assert!(
                    filters.iter().all(|f| f.mode == FilterMode::Include),
                    "EXCLUDE on an SSM group"
                );
            }
        }
        assert!(h.groups().count() <= MAX_GROUPS);
        assert!(h.tracked_groups() <= F::GROUPS.len());
    }
    // Everything ends: run the clock out.
    for _ in 0..64 {
        let Some(t) = h.poll_timeout() else { break };
        now = now.max(t);
        h.handle_timeout(now);
        while let Some(Ok(t)) = h.poll_transmit(&mut buf) {
            F::check_sent(t.destination, &buf[..t.len]);
        }
    }
}

impl HostFamily for Igmp {
    const GROUPS: [Ipv4Addr; 6] = [
        Ipv4Addr::new(239, 1, 1, 1),
        Ipv4Addr::new(239, 1, 1, 2),
        Ipv4Addr::new(232, 1, 1, 1),
        Ipv4Addr::new(224, 0, 0, 1),
        Ipv4Addr::new(224, 0, 0, 251),
        Ipv4Addr::new(10, 0, 0, 1),
    ];
    const MAX_RECEIVED: u8 = 64;
    fn source(b: u8) -> Ipv4Addr {
        Ipv4Addr::new(198, 18, 0, b % 12)
    }
    fn mtu(b: u8) -> usize {
        68 + usize::from(b) * 6
    }
    fn start(_: &mut Host<Igmp, Rng>) {}
    fn receive(
        h: &mut Host<Igmp, Rng>,
        now: Instant,
        a: u8,
        grp: Ipv4Addr,
        _: Ipv4Addr,
        msg: &[u8],
    ) {
        if let Ok(m) = IgmpMessage::parse_lenient(msg) {
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
    }
    fn last_octet(x: Ipv4Addr) -> u8 {
        x.octets()[3]
    }
    fn max_sent_len(mtu: usize) -> usize {
        mtu.saturating_sub(24).max(8)
    }
    fn check_sent(_: Ipv4Addr, msg: &[u8]) {
        IgmpMessage::parse(msg).expect("sent messages parse");
    }
}

/// `host_program` on `Host<Igmp>`: IGMP messages received (to 224.0.0.1
/// or the group, with or without Router Alert), MTUs from 68 octets.
pub fn gmp_host(data: &[u8]) {
    host_program::<Igmp>(data);
}
