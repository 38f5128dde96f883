//! RFC 3918 join and leave delay through the Linux kernel's multicast
//! forwarding: a source in namespace a sends UDP to the groups without
//! pause, router b forwards them to c with a forwarding entry it adds when
//! the first host of c reports a group and deletes when the last one
//! leaves (a router that follows IGMP, on `MrouteSocket`), each change made
//! a known 50 ms after the report that calls for it: the device under test
//! has a 50 ms join and leave latency, and the emulated hosts in c must
//! measure it in both directions. A router that forwards at most 3
//! groups gives a group capacity of 3.
//!
//! The known delay is the router's, not the link's: this kernel (and CI's,
//! the same machine kind) is built without `CONFIG_NET_SCH_NETEM` (and
//! without `fq`, which would honour a BPF-set departure time), so
//! `tc qdisc ... netem delay` cannot add it; only TBF and HTB are there,
//! whose delay depends on the queue.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ipv4kit_emu::measure::Report;
use ipv4kit_emu::{scenario, EmuConfig, Emulator, Player, Runner};
use ipv4kit_gmp::{Config, Igmp};
use ipv4kit_net::wire::gmp::GroupRecordType;
use ipv4kit_net::wire::igmp::IgmpMessage;
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Packet};
use ipv4kit_net::{interface_index, DatagramOptions, IpOptions, MrouteSocket, PacketConn, RawConn};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_BC};

/// The router's added latency.
const ADDED: Duration = Duration::from_millis(50);
const G1: Ipv4Addr = Ipv4Addr::new(239, 77, 0, 1);
const G2: Ipv4Addr = Ipv4Addr::new(239, 77, 0, 2);
/// Joined, never sent to.
const SILENT: Ipv4Addr = Ipv4Addr::new(239, 77, 0, 9);
const HOSTS: u32 = 4;

/// Router b: VIF 0 towards a, VIF 1 towards c; an (a, G) entry exists
/// while some host of c holds G, as its v3 reports say, from [`ADDED`]
/// after the first join to [`ADDED`] after the last leave; at most `cap`
/// groups at once (a device's forwarding capacity: later groups are not
/// forwarded).
fn router(link: &Link, if_bc: &str, cap: usize, stop: Arc<AtomicBool>) -> JoinHandle<usize> {
    let (m, rx) = link.b.run(|| {
        let m = MrouteSocket::new().unwrap();
        m.add_vif(0, interface_index(&link.if_b).unwrap()).unwrap();
        let ic = interface_index(if_bc).unwrap();
        m.add_vif(1, ic).unwrap();
        let rx = RawConn::new(IpProtocol::IGMP).unwrap();
        rx.join_group(ic, Ipv4Addr::new(224, 0, 0, 22)).unwrap();
        rx.set_read_timeout(Some(Duration::from_millis(1))).unwrap();
        (m, rx)
    });
    std::thread::spawn(move || {
        let mut members: BTreeMap<Ipv4Addr, BTreeSet<Ipv4Addr>> = BTreeMap::new();
        let mut forwarded: BTreeSet<Ipv4Addr> = BTreeSet::new();
        let mut changes = 0;
        // (when, group, add or delete)
        let mut due: Vec<(Instant, Ipv4Addr, bool)> = Vec::new();
        let mut buf = [0u8; 2048];
        while !stop.load(Ordering::Relaxed) {
            let now = Instant::now();
            for &(_, g, add) in due.iter().filter(|d| d.0 <= now) {
                if add {
                    m.add_mfc(ADDR_A, g, 0, &[(1, 1)]).unwrap();
                } else {
                    m.del_mfc(ADDR_A, g).unwrap();
                }
                changes += 1;
            }
            due.retain(|d| d.0 > now);
            let Ok(r) = rx.recv(&mut buf) else { continue };
            let Ok(ip) = Ipv4Packet::new_checked(&buf[..r.len]) else {
                continue;
            };
            if ip.src() == ADDR_BC {
                continue; // b's own report of its 224.0.0.22 join
            }
            let Ok(IgmpMessage::ReportV3(rep)) = IgmpMessage::parse(ip.payload()) else {
                continue;
            };
            for rec in rep.records() {
                let set = members.entry(rec.group()).or_default();
                let was = !set.is_empty();
                match rec.record_type() {
                    GroupRecordType::ChangeToExclude | GroupRecordType::ModeIsExclude => {
                        set.insert(ip.src());
                    }
                    GroupRecordType::ChangeToInclude if rec.num_sources() == 0 => {
                        set.remove(&ip.src());
                    }
                    _ => {}
                }
                let (g, is) = (rec.group(), !set.is_empty());
                let go = match (was, is) {
                    (false, true) => forwarded.len() < cap && forwarded.insert(g),
                    (true, false) => forwarded.remove(&g),
                    _ => false,
                };
                if go {
                    due.push((Instant::now() + ADDED, g, is));
                }
            }
        }
        changes
    })
}

/// Source a: a UDP packet to each group every millisecond, TTL 8.
fn source(link: &Link, groups: &[Ipv4Addr], stop: Arc<AtomicBool>) -> JoinHandle<u64> {
    let tx = link.a.run(|| {
        let s = PacketConn::bind_udp(SocketAddrV4::new(ADDR_A, 0)).unwrap();
        s.set_multicast_interface_index(interface_index(&link.if_a).unwrap())
            .unwrap();
        s.set_multicast_ttl(8).unwrap();
        s
    });
    let groups = groups.to_vec();
    std::thread::spawn(move || {
        let mut sent = 0;
        while !stop.load(Ordering::Relaxed) {
            for g in &groups {
                tx.send_to(b"rfc 3918 data", SocketAddrV4::new(*g, 5000), None)
                    .unwrap();
                sent += 1;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        sent
    })
}

fn ms(us: Option<u64>) -> f64 {
    us.expect("a delay was measured") as f64 / 1000.0
}

#[test]
fn join_and_leave_delays_through_kernel_forwarding_reflect_the_routers_added_50_ms() {
    require_privileges!();
    let link = Link::new().unwrap();
    let ext = link.extend().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let routed = router(&link, &ext.if_bc, usize::MAX, stop.clone());
    let sent = source(&link, &[G1, G2], stop.clone());

    let cfg = EmuConfig {
        hosts: HOSTS,
        first_address: Ipv4Addr::new(198, 19, 0, 10),
        host: Config::<Igmp>::default(),
        seed: 3,
    };
    let text = format!(
        "0.3 all join {G1}\n0.3 all join {G2}\n0.3 all join {SILENT}\n\
         2.0 all leave {G1}\n2.0 all leave {SILENT}\n"
    );
    let s = scenario::parse_with::<Igmp>("delay", &text, &cfg.host).unwrap();
    s.validate(HOSTS, &cfg.host).unwrap();
    let iface = ext.if_cb.clone();
    let report: Report<Ipv4Addr> = ext.c.run(move || {
        let emu = Emulator::new(cfg).unwrap();
        let mut r = Runner::open(&iface, emu, Player::new(s.steps, HOSTS, None)).unwrap();
        r.measure(&iface).unwrap();
        r.run(Some(Duration::from_secs(4)), &|| false, |_| {})
            .unwrap();
        r.measure_report().unwrap().unwrap()
    });
    stop.store(true, Ordering::Relaxed);
    for g in &report.groups {
        eprintln!(
            "{:?}: join {} / leave {} / after leave {}",
            g.group,
            g.join.line(),
            g.leave.line(),
            g.packets_after_leave
        );
    }
    assert!(sent.join().unwrap() > 0);
    // Added for G1, G2 and SILENT; deleted for G1 and SILENT.
    assert_eq!(routed.join().unwrap(), 5);

    let by = |g: Ipv4Addr| report.groups.iter().find(|s| s.group == Some(g)).unwrap();
    let added = ADDED.as_secs_f64() * 1000.0;
    // Join: every host of G1 and G2 measured, none faster than the
    // router's added delay (less the spread of the hosts' reports, which
    // leave in one sendmmsg), none slower than a generous bound.
    for g in [G1, G2] {
        let s = by(g);
        assert_eq!(s.join.count, u64::from(HOSTS), "{g}: {s:?}");
        assert!(ms(s.join.min_us) >= added - 5.0, "{g}: {s:?}");
        assert!(ms(s.join.max_us) < added + 450.0, "{g}: {s:?}");
        assert!(s.join.median_us <= s.join.p95_us && s.join.p95_us <= s.join.max_us);
    }
    assert_eq!(report.overall.join.count, 2 * u64::from(HOSTS));
    // Leave: the router deletes G1's entry 50 ms after the last leave and
    // forwards a packet a millisecond until then (the source's sleeps
    // may stretch on a loaded machine: hence the margin).
    let g1 = by(G1);
    assert_eq!(g1.leave.count, u64::from(HOSTS), "{g1:?}");
    assert!(ms(g1.leave.min_us) >= added - 20.0, "{g1:?}");
    assert!(ms(g1.leave.max_us) < added + 450.0, "{g1:?}");
    assert!(g1.packets_after_leave >= u64::from(HOSTS) * 5, "{g1:?}");
    assert_eq!(g1.leaves_not_stopped, 0);
    // G2 is still held at the end: no leave. SILENT never sent anything.
    assert_eq!(by(G2).leave.count, 0);
    let silent = by(SILENT);
    assert_eq!(
        (silent.never_received, silent.packets),
        (u64::from(HOSTS), 0)
    );
    assert_eq!(report.overall.never_received, u64::from(HOSTS));
    assert_eq!(report.group_capacity, 2);
}

#[test]
fn group_capacity_is_the_number_of_groups_a_capped_router_forwards() {
    require_privileges!();
    let link = Link::new().unwrap();
    let ext = link.extend().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    // The router forwards 3 groups at most; the hosts join 6, all sent to.
    let routed = router(&link, &ext.if_bc, 3, stop.clone());
    let groups: Vec<Ipv4Addr> = (1..=6).map(|i| Ipv4Addr::new(239, 78, 0, i)).collect();
    let sent = source(&link, &groups, stop.clone());
    let cfg = EmuConfig {
        hosts: 2,
        first_address: Ipv4Addr::new(198, 19, 0, 10),
        host: Config::<Igmp>::default(),
        seed: 4,
    };
    let text: String = groups
        .iter()
        .enumerate()
        .map(|(i, g)| format!("{} all join {g}\n", 0.2 + 0.1 * i as f64))
        .collect();
    let s = scenario::parse_with::<Igmp>("capacity", &text, &cfg.host).unwrap();
    s.validate(2, &cfg.host).unwrap();
    let iface = ext.if_cb.clone();
    let report: Report<Ipv4Addr> = ext.c.run(move || {
        let emu = Emulator::new(cfg).unwrap();
        let mut r = Runner::open(&iface, emu, Player::new(s.steps, 2, None)).unwrap();
        r.measure(&iface).unwrap();
        r.run(Some(Duration::from_millis(2500)), &|| false, |_| {})
            .unwrap();
        r.measure_report().unwrap().unwrap()
    });
    stop.store(true, Ordering::Relaxed);
    assert!(sent.join().unwrap() > 0);
    assert_eq!(routed.join().unwrap(), 3);
    assert_eq!(report.group_capacity, 3, "{:?}", report.groups);
    assert_eq!(report.overall.join.count, 2 * 3);
    assert_eq!(report.overall.never_received, 2 * 3);
    for (i, g) in report.groups.iter().enumerate() {
        assert_eq!(g.group, Some(groups[i]));
        assert_eq!(g.packets > 0, i < 3, "{g:?}");
    }
}
