//! Convergence in simulation: several host engines and one router on a
//! lossy link, random membership changes; once the link has been clean for
//! longer than the Group Membership Interval plus a Query Interval, the
//! router forwards exactly what the merge of the hosts' interface states
//! asks for (RFC 3376 §3.2 applied across hosts, §6.3's forwarding rule).

mod router_common;

use std::net::Ipv4Addr;

use ipv4kit_gmp::{
    merge, Config, FilterMode, Host, Igmp, Instant, Requester, Router, RouterConfig, RxMeta,
};
use ipv4kit_wire::igmp::IgmpMessage;
use proptest::prelude::*;
use rand_core::{Rng, SeedableRng};
use rand_xorshift::XorShiftRng;

type SimHost = Host<Igmp, XorShiftRng>;

fn group(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(239, 2, 0, n)
}

fn source(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 51, 100, n)
}

const GROUPS: u8 = 3;
const SOURCES: u8 = 4;

/// One membership change: host, requester, group, mode, source bitmap.
type Change = (usize, u32, u8, bool, u8);

struct Sim {
    now: Instant,
    router: Router<Igmp>,
    hosts: Vec<SimHost>,
    rng: XorShiftRng,
    /// Loss probability in percent.
    loss: u32,
}

impl Sim {
    fn host_addr(i: usize) -> Ipv4Addr {
        Ipv4Addr::new(198, 18, 0, 10 + i as u8)
    }

    fn lost(&mut self) -> bool {
        self.loss > 0 && self.rng.next_u32() % 100 < self.loss
    }

    /// Moves every message waiting in any engine across the link.
    fn deliver(&mut self) {
        let mut buf = [0u8; 1500];
        loop {
            let mut moved = false;
            for i in 0..self.hosts.len() {
                while let Some(t) = self.hosts[i].poll_transmit(&mut buf) {
                    let t = t.unwrap();
                    moved = true;
                    if self.lost() {
                        continue;
                    }
                    let meta = router_common::meta_from(Self::host_addr(i));
                    self.router.handle_bytes(self.now, &buf[..t.len], meta);
                }
            }
            while let Some(t) = self.router.poll_transmit(&mut buf) {
                let t = t.unwrap();
                moved = true;
                let msg = IgmpMessage::parse(&buf[..t.len]).unwrap();
                for h in 0..self.hosts.len() {
                    if self.lost() {
                        continue;
                    }
                    let meta = RxMeta {
                        destination: t.destination,
                        router_alert: true,
                    };
                    self.hosts[h].handle_message(self.now, &msg, meta);
                }
            }
            if !moved {
                break;
            }
        }
    }

    /// Runs every engine's timers up to `end`.
    fn run_until(&mut self, end: Instant) {
        loop {
            let next = self
                .hosts
                .iter()
                .filter_map(|h| h.poll_timeout())
                .chain(self.router.poll_timeout())
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    for h in &mut self.hosts {
                        if h.poll_timeout().is_some_and(|x| x <= self.now) {
                            h.handle_timeout(self.now);
                        }
                    }
                    if self.router.poll_timeout().is_some_and(|x| x <= self.now) {
                        self.router.handle_timeout(self.now);
                    }
                    self.deliver();
                }
                _ => break,
            }
        }
        self.now = end;
    }

    fn apply(&mut self, (h, req, g, exclude, bits): Change) {
        let sources: Vec<_> = (0..SOURCES)
            .filter(|b| bits & (1 << b) != 0)
            .map(source)
            .collect();
        let mode = if exclude {
            FilterMode::Exclude
        } else {
            FilterMode::Include
        };
        let host = &mut self.hosts[h];
        let _ = host.set_filter(self.now, Requester(req), group(g), mode, &sources);
        self.deliver();
    }
}

fn change(hosts: usize) -> impl Strategy<Value = (u64, Change)> {
    (
        0u64..30_000,
        (
            0..hosts,
            0u32..2,
            0..GROUPS,
            any::<bool>(),
            0u8..(1 << SOURCES),
        ),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_router_converges_to_the_union_of_the_hosts_interface_states(
        seed in any::<u64>(),
        loss in 0u32..30,
        changes in proptest::collection::vec(change(3), 1..30),
    ) {
        let config = Config::<Igmp> { max_sources_per_filter: 16, ..Config::default() };
        let hosts = (0..3).map(|i| Host::new(config, XorShiftRng::seed_from_u64(seed ^ i))).collect();
        let mut sim = Sim {
            now: Instant::ZERO,
            router: Router::new(RouterConfig::new(Ipv4Addr::new(198, 18, 0, 1)), Instant::ZERO),
            hosts,
            rng: XorShiftRng::seed_from_u64(seed),
            loss,
        };
        let mut changes = changes;
        changes.sort_by_key(|c| c.0);
        for (at_ms, c) in changes {
            sim.run_until(Instant::from_millis(at_ms));
            sim.apply(c);
        }
        // A clean link for GMI + QI + margin.
        sim.loss = 0;
        let settle = sim.now + sim.router.group_membership_interval()
            + sim.router.query_interval() + std::time::Duration::from_secs(20);
        sim.run_until(settle);

        for g in 0..GROUPS {
            let states: Vec<_> = sim
                .hosts
                .iter()
                .filter_map(|h| h.interface_state(group(g)).cloned())
                .collect();
            let want = merge(states.iter());
            let view = sim.router.group(group(g));
            for s in 0..=SOURCES {
                let src = source(s);
                let got = view.is_some_and(|v| v.forwards(&src));
                prop_assert_eq!(got, want.forwards(&src), "group {} source {} want {:?}", group(g), src, want);
            }
            if want.is_none() {
                prop_assert!(view.is_none(), "group {} kept state nobody wants", group(g));
            }
        }
    }
}
