//! 10,000 emulated hosts against a router's view: each host joins a group
//! of its own, and the querier engine (`Router<Igmp>`, passive) in the
//! other namespace, fed by a raw socket the kernel delivers the reports
//! to, must hold all 10,000 groups, each last reported by its own host.

use std::net::Ipv4Addr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant as WallClock};

use ipv4kit_emu::{scenario, EmuConfig, Emulator, Player, Runner};
use ipv4kit_gmp::{Config, Igmp, Instant, Router, RouterConfig, RouterRxMeta};
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Packet};
use ipv4kit_net::{interface_index, DatagramOptions, IpOptions, RawConn};
use ipv4kit_testnet::{require_privileges, Link, ADDR_B};

const HOSTS: u32 = 10_000;
const FIRST: Ipv4Addr = Ipv4Addr::new(198, 19, 100, 1);

/// Host `k`'s (0-based) own group.
fn group_of(k: u32) -> Ipv4Addr {
    Ipv4Addr::new(239, 201, (k >> 8) as u8, (k & 0xff) as u8)
}

#[test]
fn ten_thousand_hosts_each_with_its_own_group_all_appear_in_the_routers_table() {
    require_privileges!();
    let link = Link::new().unwrap();
    // Hosts outside b's /24 reach b's raw socket through this route.
    link.b
        .ip(&["route", "add", "198.18.0.0/15", "dev", &link.if_b])
        .unwrap();
    let rx = link.b.run(|| {
        let c = RawConn::new(IpProtocol::IGMP).unwrap();
        c.join_group(
            interface_index(&link.if_b).unwrap(),
            Ipv4Addr::new(224, 0, 0, 22),
        )
        .unwrap();
        c.set_recv_buffer_size(64 << 20).unwrap();
        c.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        c
    });
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let router = std::thread::spawn(move || {
        let mut config = RouterConfig::<Igmp>::new(ADDR_B);
        config.passive = true;
        config.max_groups = 2 * HOSTS as usize;
        let start = WallClock::now();
        let now = || Instant::from_nanos(start.elapsed().as_nanos() as u64);
        let mut r = Router::new(config, now());
        let mut buf = [0u8; 2048];
        // Until stopped and nothing is left in the socket.
        loop {
            let Ok(m) = rx.recv(&mut buf) else {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                continue;
            };
            let Ok(p) = Ipv4Packet::new_checked(&buf[..m.len]) else {
                continue;
            };
            if p.src() == ADDR_B {
                continue;
            }
            let meta = RouterRxMeta {
                source: p.src(),
                destination: p.dst(),
                ttl: p.ttl(),
                router_alert: p.router_alert().is_some(),
            };
            r.handle_bytes(now(), p.payload(), meta);
        }
        r.table(now())
    });

    let text: String = (0..HOSTS)
        .map(|k| format!("0 {} join {}\n", k + 1, group_of(k)))
        .collect();
    let cfg = EmuConfig {
        hosts: HOSTS,
        first_address: FIRST,
        host: Config::<Igmp> {
            unsolicited_report_interval: Duration::from_millis(500),
            ..Config::default()
        },
        seed: 11,
    };
    let s = scenario::parse_with::<Igmp>("own groups", &text, &cfg.host).unwrap();
    s.validate(HOSTS, &cfg.host).unwrap();
    let iface = link.if_a.clone();
    let (stats, wire) = link.a.run(move || {
        let emu = Emulator::new(cfg).unwrap();
        let player = Player::new(s.steps, HOSTS, NonZeroU32::new(20_000));
        let mut r = Runner::open(&iface, emu, player).unwrap();
        // Joins over 0.5 s, retransmissions within 0.5 s after.
        r.run(Some(Duration::from_millis(1800)), &|| false, |_| {})
            .unwrap();
        (r.emulator().stats(), r.wire_stats())
    });
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let table = router.join().unwrap();

    assert_eq!(stats.hosts_joined, HOSTS);
    assert_eq!(wire.send_dropped, 0);
    assert_eq!(table.groups.len(), HOSTS as usize);
    let mut seen = vec![false; HOSTS as usize];
    for g in &table.groups {
        let k = u32::from(g.last_reporter) - u32::from(FIRST);
        assert!(k < HOSTS, "{g:?}");
        assert_eq!(
            g.group,
            group_of(k),
            "host {} reported {}",
            g.last_reporter,
            g.group
        );
        seen[k as usize] = true;
    }
    assert!(seen.iter().all(|s| *s));
}
