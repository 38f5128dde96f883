//! Emulated hosts on a real link between two namespaces: the emulator runs
//! in a, host b captures every IGMP message with a raw socket (checking
//! checksums, TTL, Router Alert and ToS of each) and sends the queries. The
//! Linux kernel of a is the oracle for what one host's socket calls put on
//! the wire.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant as WallClock};

use ipv4kit_emu::scenario::{self, Op};
use ipv4kit_emu::{simulate, EmuConfig, Emulator, Player, Runner, Stats, WireStats};
use ipv4kit_gmp::{Config, FilterMode, Igmp, Instant};
use ipv4kit_net::wire::igmp::{IgmpMessage, MaxRespCode, Qqic, QueryV3, ALL_ROUTERS, ALL_SYSTEMS};
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr, ROUTER_ALERT};
use ipv4kit_net::{
    interface_index, ControlMessage, DatagramOptions, IpOptions, RawConn, SocketOptions,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B};

const V3_REPORTS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 22);

/// A record: type code (RFC 3376 §4.2.12), group, sources (sorted).
type Rec = (u8, Ipv4Addr, Vec<Ipv4Addr>);

/// A message seen on b: v3 records (sorted by group, keeping each group's
/// record order: RFC 3376 §4.2 gives no order), or a v1/v2 message.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Msg {
    V3(Vec<Rec>),
    Old(u8, Ipv4Addr),
}

fn decode(bytes: &[u8]) -> Msg {
    match IgmpMessage::parse(bytes).expect("IGMP parses, checksum right") {
        IgmpMessage::ReportV3(r) => {
            let mut recs: Vec<Rec> = r
                .records()
                .map(|x| {
                    let mut s: Vec<Ipv4Addr> = x.sources().collect();
                    s.sort();
                    (u8::from(x.record_type()), x.group(), s)
                })
                .collect();
            recs.sort_by_key(|r| r.1);
            Msg::V3(recs)
        }
        IgmpMessage::ReportV1(r) => Msg::Old(0x12, r.group()),
        IgmpMessage::ReportV2(r) => Msg::Old(0x16, r.group()),
        IgmpMessage::LeaveV2(r) => Msg::Old(0x17, r.group()),
        other => panic!("not a host message: {other:?}"),
    }
}

/// Everything b hears until stopped: (time since start, source, message).
struct Capture {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Vec<(Duration, Ipv4Addr, Msg)>>,
}

impl Capture {
    fn start(link: &Link, groups: &[Ipv4Addr], start: WallClock) -> Capture {
        let ib = link.b.run(|| interface_index(&link.if_b).unwrap());
        let rx = link.b.run(|| {
            let c = RawConn::new(IpProtocol::IGMP).unwrap();
            for g in [V3_REPORTS, ALL_ROUTERS].iter().chain(groups) {
                c.join_group(ib, *g).unwrap();
            }
            c.set_recv_buffer_size(64 << 20).unwrap();
            c.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
            c
        });
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut out = Vec::new();
            let mut buf = [0u8; 2048];
            while !flag.load(Ordering::Relaxed) {
                let Ok(m) = rx.recv(&mut buf) else { continue };
                let t = start.elapsed();
                let p = Ipv4Packet::new_checked(&buf[..m.len]).expect("IPv4 header parses");
                if p.src() == ADDR_B {
                    continue;
                }
                assert!(p.verify_checksum(), "IP checksum from {}", p.src());
                assert_eq!(
                    (p.ttl(), p.router_alert()),
                    (1, Some(0)),
                    "from {}",
                    p.src()
                );
                let msg = decode(p.payload());
                if matches!(msg, Msg::V3(_)) {
                    assert_eq!((p.tos(), p.dst()), (0xc0, V3_REPORTS));
                }
                out.push((t, p.src(), msg));
            }
            out
        });
        Capture { stop, handle }
    }

    fn finish(self) -> Vec<(Duration, Ipv4Addr, Msg)> {
        std::thread::sleep(Duration::from_millis(200));
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap()
    }
}

/// A host's final state: group → (mode, sources).
type State = BTreeMap<Ipv4Addr, (FilterMode, Vec<Ipv4Addr>)>;

struct Ran {
    stats: Stats,
    wire: WireStats,
    states: Vec<State>,
}

fn config(first: Ipv4Addr, hosts: u32, uri: Duration) -> EmuConfig<Igmp> {
    let host = Config::<Igmp> {
        unsolicited_report_interval: uri,
        ..Config::default()
    };
    EmuConfig {
        hosts,
        first_address: first,
        host,
        seed: 5,
    }
}

/// Runs the emulator in a for `until`, playing `text`.
fn emulate(
    link: &Link,
    cfg: EmuConfig<Igmp>,
    text: &str,
    rate: Option<u32>,
    until: Duration,
) -> JoinHandle<Ran> {
    let s = scenario::parse_with::<Igmp>("test", text, &cfg.host).unwrap();
    s.validate(cfg.hosts, &cfg.host).unwrap();
    let iface = link.if_a.clone();
    link.a.spawn(move || {
        let emu = Emulator::new(cfg).unwrap();
        let player = Player::new(s.steps, cfg.hosts, rate.and_then(NonZeroU32::new));
        let mut r = Runner::open(&iface, emu, player).unwrap();
        r.run(Some(until), &|| false, |_| {}).unwrap();
        let e = r.emulator();
        let states = (0..e.len())
            .map(|i| {
                e.host(i)
                    .groups()
                    .map(|(g, f)| (g, (f.mode, f.sources.clone())))
                    .collect()
            })
            .collect();
        Ran {
            stats: e.stats(),
            wire: r.wire_stats(),
            states,
        }
    })
}

fn general_query(link: &Link, max_resp: Duration) {
    let ib = link.b.run(|| interface_index(&link.if_b).unwrap());
    let tx = link.b.run(|| RawConn::new(IpProtocol::IGMP).unwrap());
    tx.set_multicast_loop(false).unwrap();
    let q = QueryV3 {
        max_resp_code: MaxRespCode::from_duration(max_resp),
        group: Ipv4Addr::UNSPECIFIED,
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_secs(125),
        sources: &[],
    };
    let mut msg = vec![0; q.buffer_len()];
    q.emit(&mut msg).unwrap();
    let repr = Ipv4Repr::new(ADDR_B, ALL_SYSTEMS, IpProtocol::IGMP, msg.len())
        .with_ttl(1)
        .with_dscp_ecn(0xc0 >> 2, 0)
        .with_options(&ROUTER_ALERT);
    let cm = ControlMessage {
        ifindex: Some(ib),
        ..Default::default()
    };
    tx.send_repr(&repr, &msg, Some(&cm)).unwrap();
}

/// `n` hosts join one group; b queries once they settled: every host
/// reports its join twice (RV 2) from its own address and answers the
/// query once, with its current state.
fn join_and_query(n: u32, first: Ipv4Addr, rate: Option<u32>) {
    let link = Link::new().unwrap();
    // Hosts outside b's /24 reach b's raw socket through this route.
    link.b
        .ip(&["route", "add", "198.18.0.0/15", "dev", &link.if_b])
        .ok();
    std::thread::sleep(Duration::from_millis(200));
    let g = Ipv4Addr::new(239, 9, 0, 1);
    let start = WallClock::now();
    let cap = Capture::start(&link, &[], start);
    // Joins spread over n / rate, their retransmissions within 500 ms; the
    // runner's clock starts a little after ours.
    let settle = Duration::from_millis(1200)
        + rate.map_or(Duration::ZERO, |r| {
            Duration::from_secs_f64(2.0 * f64::from(n) / f64::from(r))
        });
    let run = emulate(
        &link,
        config(first, n, Duration::from_millis(500)),
        &format!("0 all join {g}"),
        rate,
        settle + Duration::from_millis(1500),
    );
    std::thread::sleep(settle);
    let asked = start.elapsed();
    general_query(&link, Duration::from_secs(1));
    let ran = run.join().unwrap();
    let seen = cap.finish();
    let mut per_host: BTreeMap<Ipv4Addr, Vec<(Duration, Msg)>> = BTreeMap::new();
    for (t, src, m) in seen {
        if src != ADDR_A {
            per_host.entry(src).or_default().push((t, m));
        }
    }
    assert_eq!(per_host.len(), n as usize, "every host was heard");
    let to_ex = Msg::V3(vec![(4, g, vec![])]);
    let is_ex = Msg::V3(vec![(2, g, vec![])]);
    for (i, (src, msgs)) in per_host.iter().enumerate() {
        assert_eq!(*src, Ipv4Addr::from(u32::from(first) + i as u32));
        let kinds: Vec<&Msg> = msgs.iter().map(|m| &m.1).collect();
        assert_eq!(kinds, [&to_ex, &to_ex, &is_ex], "host {src}");
        let answered = msgs[2].0;
        assert!(
            answered >= asked && answered <= asked + Duration::from_millis(1300),
            "host {src} answered at {answered:?}, asked at {asked:?}"
        );
    }
    assert_eq!(ran.stats.hosts_joined, n);
    assert_eq!(ran.stats.queries_delivered, u64::from(n));
    assert_eq!(ran.wire.sent, 3 * u64::from(n));
    assert_eq!(ran.wire.send_dropped, 0);
    assert!(ran
        .states
        .iter()
        .all(|s| s.len() == 1 && s[&g] == (FilterMode::Exclude, vec![])));
}

#[test]
fn one_host_joins_and_answers_a_general_query() {
    require_privileges!();
    join_and_query(1, Ipv4Addr::new(198, 18, 0, 10), None);
}

#[test]
fn a_hundred_hosts_join_and_each_answers_a_general_query() {
    require_privileges!();
    join_and_query(100, Ipv4Addr::new(198, 18, 0, 100), None);
}

#[test]
fn ten_thousand_hosts_join_at_a_capped_rate_and_each_answers_a_general_query() {
    require_privileges!();
    join_and_query(10_000, Ipv4Addr::new(198, 19, 100, 1), Some(20_000));
}

const S1: Ipv4Addr = Ipv4Addr::new(198, 18, 5, 1);
const S2: Ipv4Addr = Ipv4Addr::new(198, 18, 5, 2);

/// Steps 600 ms apart, retransmissions within 200 ms: each step's reports
/// are all out before the next step.
const SCENARIO: &str = "\
0.2 all join 239.2.0.1
0.8 1-2 block 239.2.0.1 198.18.5.1,198.18.5.2
1.4 3 join-source 232.2.0.1 198.18.5.1,198.18.5.2
2.0 1 unblock 239.2.0.1 198.18.5.1
2.6 4 zap 239.2.0.1 239.2.0.2
3.2 3 leave-source 232.2.0.1 198.18.5.1
3.8 2 leave 239.2.0.1
";

#[test]
fn a_scenario_puts_each_hosts_expected_records_on_the_wire() {
    require_privileges!();
    let link = Link::new().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let first = Ipv4Addr::new(198, 18, 0, 60);
    let cfg = config(first, 4, Duration::from_millis(200));
    let start = WallClock::now();
    let cap = Capture::start(&link, &[], start);
    let ran = emulate(&link, cfg, SCENARIO, None, Duration::from_millis(4300))
        .join()
        .unwrap();
    let seen = cap.finish();
    // What the core computes on a virtual clock, per host.
    let mut emu = Emulator::new(cfg).unwrap();
    let s = scenario::parse::<Igmp>("test", SCENARIO).unwrap();
    let mut want: BTreeMap<Ipv4Addr, Vec<Msg>> = BTreeMap::new();
    simulate(&mut emu, &s, None, Instant::from_secs(10), |_, d, bytes| {
        want.entry(d.source).or_default().push(decode(&bytes[24..]));
    });
    let mut got: BTreeMap<Ipv4Addr, Vec<Msg>> = BTreeMap::new();
    for (_, src, m) in seen {
        if src != ADDR_A {
            got.entry(src).or_default().push(m);
        }
    }
    assert_eq!(got, want);
    // And by hand, the records RFC 3376 §5.1 asks for at the key steps.
    let h = |i: u32| Ipv4Addr::from(u32::from(first) + i);
    let (g1, g2, ssm) = (
        Ipv4Addr::new(239, 2, 0, 1),
        Ipv4Addr::new(239, 2, 0, 2),
        Ipv4Addr::new(232, 2, 0, 1),
    );
    let has = |host: u32, rec: Rec| {
        got[&h(host)]
            .iter()
            .any(|m| matches!(m, Msg::V3(r) if r.contains(&rec)))
    };
    assert!(has(0, (4, g1, vec![])), "TO_EX on join");
    assert!(
        has(0, (6, g1, vec![S1, S2])),
        "BLOCK of the blocked sources"
    );
    assert!(has(0, (5, g1, vec![S1])), "ALLOW on unblock");
    assert!(has(2, (5, ssm, vec![S1, S2])), "ALLOW of the SSM sources");
    assert!(has(2, (6, ssm, vec![S1])), "BLOCK on leave-source");
    assert!(
        has(3, (3, g1, vec![])) && has(3, (4, g2, vec![])),
        "zap: TO_IN old, TO_EX new"
    );
    assert!(has(1, (3, g1, vec![])), "TO_IN {{}} on leave");
    let st = |g, m, s: Vec<Ipv4Addr>| -> State { [(g, (m, s))].into_iter().collect() };
    assert_eq!(
        ran.states,
        [
            st(g1, FilterMode::Exclude, vec![S2]),
            State::new(),
            {
                let mut x = st(g1, FilterMode::Exclude, vec![]);
                x.insert(ssm, (FilterMode::Include, vec![S2]));
                x
            },
            st(g2, FilterMode::Exclude, vec![]),
        ]
    );
}

/// The kernel's side of the oracle: the scenario's calls, for host 1, on
/// one UDP socket of a, at the scenario's times.
fn kernel_calls(link: &Link, text: &str, start: WallClock) {
    let ia = link.a.run(|| interface_index(&link.if_a).unwrap());
    let sock = link
        .a
        .run(|| UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).unwrap());
    let sock = SocketOptions::of(&sock);
    let s = scenario::parse::<Igmp>("oracle", text).unwrap();
    for step in &s.steps {
        std::thread::sleep(step.at.saturating_sub(start.elapsed()));
        for call in step.op.calls() {
            use ipv4kit_emu::HostOp::*;
            let r = match call {
                Join(g) => sock.join_group(ia, g),
                Leave(g) => sock.leave_group(ia, g),
                JoinSource(g, x) => sock.join_source_group(ia, g, x),
                LeaveSource(g, x) => sock.leave_source_group(ia, g, x),
                Block(g, x) => sock.block_source(ia, g, x),
                Unblock(g, x) => sock.unblock_source(ia, g, x),
            };
            r.unwrap_or_else(|e| panic!("{call:?}: {e}"));
        }
        assert!(!matches!(step.op, Op::Zap(..)) || step.op.calls().count() == 2);
    }
}

/// The reports equal, except where the zap (leave 239.3.0.1, join
/// 239.3.0.2 in one step) is: Linux sends its State-Change Report a jiffy
/// after a call and merges the calls made meanwhile, so both records go out
/// together, twice; the engine reports each call at once (RFC 3376 §5.1),
/// so the same records go out in three reports. There the records, not
/// their packaging, must agree.
fn same_but_zap(kernel: &[Msg], ours: &[Msg]) -> bool {
    let zap = |m: &Msg| {
        matches!(m, Msg::V3(r) if r.iter().any(|x| {
            (x.0 == 3 && x.1 == Ipv4Addr::new(239, 3, 0, 1)) || (x.0 == 4 && x.1 == Ipv4Addr::new(239, 3, 0, 2))
        }))
    };
    let split = |v: &[Msg]| {
        let rest: Vec<Msg> = v.iter().filter(|m| !zap(m)).cloned().collect();
        let mut recs: Vec<Rec> = v
            .iter()
            .filter(|m| zap(m))
            .flat_map(|m| match m {
                Msg::V3(r) => r.clone(),
                Msg::Old(..) => vec![],
            })
            .collect();
        recs.sort();
        (rest, recs)
    };
    split(kernel) == split(ours)
}

/// One emulated host and the kernel make the same socket calls at the same
/// times; the records they put on the wire must be the same. Retransmission
/// delays are random on both sides; should one fall across a step (it
/// cannot with these intervals, but a loaded machine delays the kernel's
/// timers), the run is repeated, at most three times.
#[test]
fn one_emulated_host_and_the_kernel_put_the_same_records_on_the_wire() {
    require_privileges!();
    let text = "\
0.3 1 join 239.3.0.1
0.9 1 block 239.3.0.1 198.18.5.1,198.18.5.2
1.5 1 join-source 232.3.0.1 198.18.5.1,198.18.5.2
2.1 1 unblock 239.3.0.1 198.18.5.1
2.7 1 zap 239.3.0.1 239.3.0.2
3.3 1 leave-source 232.3.0.1 198.18.5.1
3.9 1 leave 239.3.0.2
4.5 1 leave-source 232.3.0.1 198.18.5.2
";
    let mut last = None;
    for _ in 0..3 {
        let link = Link::new().unwrap();
        let conf = format!("net.ipv4.conf.{}", link.if_a);
        link.a
            .sysctl(&format!("{conf}.igmpv3_unsolicited_report_interval"), "200")
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let first = Ipv4Addr::new(198, 18, 0, 70);
        let start = WallClock::now();
        let cap = Capture::start(&link, &[], start);
        let emu = emulate(
            &link,
            config(first, 1, Duration::from_millis(200)),
            text,
            None,
            Duration::from_millis(5000),
        );
        kernel_calls(&link, text, start);
        emu.join().unwrap();
        let seen = cap.finish();
        let of = |who: Ipv4Addr| -> Vec<Msg> {
            seen.iter()
                .filter(|(_, s, _)| *s == who)
                .map(|(_, _, m)| m.clone())
                .collect()
        };
        let (kernel, ours) = (of(ADDR_A), of(first));
        assert!(
            kernel.len() >= 14,
            "the kernel reported every step twice: {kernel:?}"
        );
        if same_but_zap(&kernel, &ours) {
            return;
        }
        last = Some((kernel, ours));
    }
    let (kernel, ours) = last.unwrap();
    panic!("kernel:\n{kernel:#?}\nemulated:\n{ours:#?}");
}
