//! MLD hosts in the sans-IO core: each emulated host puts on the wire
//! exactly what one `Host<Mld>` engine given the same calls would, in a
//! whole IPv6 datagram from its own link-local address; bad input is
//! refused as for IGMP.

use std::net::Ipv6Addr;
use std::time::Duration;

use ipv4kit_emu::scenario::{self, Scenario};
use ipv4kit_emu::{EmuConfig, EmuError, Emulator, HostOp};
use ipv4kit_gmp::{Config, Host, Instant, Mld, MldRx, RxMeta};
use ipv4kit_wire::mld::{
    MaxRespCode, MldDatagram, MldMessage, Qqic, QueryV2, ALL_MLDV2_ROUTERS, ALL_NODES,
};
use rand_core::SeedableRng;
use rand_xorshift::XorShiftRng;

const SEED: u64 = 77;
const HOSTS: u32 = 5;
const QUERIER: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2);

fn first() -> Ipv6Addr {
    "fe80::1:0".parse().unwrap()
}

fn addr(i: u32) -> Ipv6Addr {
    Ipv6Addr::from_bits(first().to_bits() + u128::from(i))
}

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn config() -> Config<Mld> {
    Config {
        unsolicited_report_interval: Duration::from_millis(700),
        ..Config::default()
    }
}

fn general_query() -> Vec<u8> {
    let q = QueryV2 {
        max_resp_code: MaxRespCode::from_duration(Duration::from_secs(2)),
        group: Ipv6Addr::UNSPECIFIED,
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_secs(125),
        sources: &[],
    };
    let mut b = vec![0; q.buffer_len()];
    q.emit(QUERIER, ALL_NODES, &mut b).unwrap();
    b
}

/// What happens, in time order: membership calls on every host (host `i`
/// skips the calls whose index is `i` modulo 3, so the hosts differ) and
/// one General Query.
enum Event {
    Call(HostOp<Ipv6Addr>),
    Query,
}

fn events() -> Vec<(Instant, Event)> {
    let (g1, g2, s1, s2) = (
        a("ff1e::1"),
        a("ff3e::8000:2"),
        a("2001:db8::1"),
        a("2001:db8::2"),
    );
    vec![
        (Instant::ZERO, Event::Call(HostOp::Join(g1))),
        (
            Instant::from_millis(3000),
            Event::Call(HostOp::JoinSource(g2, s1)),
        ),
        (
            Instant::from_millis(3000),
            Event::Call(HostOp::JoinSource(g2, s2)),
        ),
        (
            Instant::from_millis(5000),
            Event::Call(HostOp::Block(g1, s2)),
        ),
        (Instant::from_millis(6000), Event::Query),
        (
            Instant::from_millis(9000),
            Event::Call(HostOp::LeaveSource(g2, s1)),
        ),
        (Instant::from_millis(12000), Event::Call(HostOp::Leave(g1))),
    ]
}

fn skips(host: u32, call: usize) -> bool {
    call > 0 && call % 3 == host as usize % 3
}

const END: Instant = Instant::from_secs(20);

/// One `Host<Mld>` per host, run alone: every message it sends, with its time.
fn reference(host: u32) -> Vec<(Instant, Vec<u8>)> {
    let mut h: Host<Mld, XorShiftRng> = Host::new(
        config(),
        XorShiftRng::seed_from_u64(SEED.wrapping_add(u64::from(host))),
    );
    h.set_source(addr(host)).unwrap();
    let q = general_query();
    let mut out = Vec::new();
    let mut buf = [0u8; 1600];
    let mut drain = |h: &mut Host<Mld, XorShiftRng>, t: Instant, out: &mut Vec<_>| {
        while let Some(x) = h.poll_transmit(&mut buf) {
            let x = x.unwrap();
            out.push((t, buf[..x.len].to_vec()));
        }
    };
    let run_timers = |h: &mut Host<Mld, XorShiftRng>, until: Instant, out: &mut Vec<_>| {
        while let Some(t) = h.poll_timeout().filter(|t| *t <= until) {
            h.handle_timeout(t);
            let mut b = [0u8; 1600];
            while let Some(x) = h.poll_transmit(&mut b) {
                let x = x.unwrap();
                out.push((t, b[..x.len].to_vec()));
            }
        }
    };
    for (k, (t, e)) in events().into_iter().enumerate() {
        run_timers(&mut h, t, &mut out);
        match e {
            Event::Call(_) if skips(host, k) => {}
            Event::Call(op) => {
                let _ = ipv4kit_emu::apply_op(&mut h, t, op);
            }
            Event::Query => {
                let msg = MldRx::new(MldMessage::parse(&q, QUERIER, ALL_NODES).unwrap(), QUERIER);
                let meta = RxMeta {
                    destination: ALL_NODES,
                    router_alert: true,
                };
                h.handle_message(t, &msg, meta);
            }
        }
        drain(&mut h, t, &mut out);
    }
    run_timers(&mut h, END, &mut out);
    out
}

/// Per host, every message with its time.
type PerHost = Vec<Vec<(Instant, Vec<u8>)>>;

/// Takes every datagram the emulator has queued, checking its headers.
fn drain(e: &mut Emulator<Mld>, t: Instant, out: &mut PerHost) {
    let mut buf = [0u8; 1600];
    while let Some(d) = e.poll_transmit(&mut buf) {
        let d = d.unwrap();
        let dg = MldDatagram::parse(&buf[..d.len]).expect("parses, checksum right");
        assert!(dg.is_valid_for_receiver(), "hop limit 1, RA 0, link-local");
        assert_eq!(dg.ext_len, 8, "one hop-by-hop header");
        assert_eq!((dg.header.src, dg.header.dst), (d.source, d.destination));
        assert_eq!(d.source, addr(d.host));
        assert_eq!(dg.header.dst, ALL_MLDV2_ROUTERS);
        out[d.host as usize].push((t, buf[48..d.len].to_vec()));
    }
}

/// Runs the emulator's timers due by `until`.
fn run_timers(e: &mut Emulator<Mld>, until: Instant, out: &mut PerHost) {
    while let Some(t) = e.poll_timeout().filter(|t| *t <= until) {
        e.handle_timeout(t);
        drain(e, t, out);
    }
}

/// The emulator given the same events: per host, every message (the
/// datagram after its IPv6 and hop-by-hop headers), with its time.
fn emulated() -> PerHost {
    let mut e = Emulator::<Mld>::new(EmuConfig {
        hosts: HOSTS,
        first_address: first(),
        host: config(),
        seed: SEED,
    })
    .unwrap();
    let q = general_query();
    let mut out = vec![Vec::new(); HOSTS as usize];
    for (k, (t, ev)) in events().into_iter().enumerate() {
        run_timers(&mut e, t, &mut out);
        match ev {
            Event::Call(op) => {
                for h in 0..HOSTS {
                    if !skips(h, k) {
                        let _ = e.apply(t, h, op);
                    }
                }
            }
            Event::Query => {
                let msg = MldRx::new(MldMessage::parse(&q, QUERIER, ALL_NODES).unwrap(), QUERIER);
                let meta = RxMeta {
                    destination: ALL_NODES,
                    router_alert: true,
                };
                assert_eq!(e.handle_message(t, &msg, meta), HOSTS as usize);
            }
        }
        drain(&mut e, t, &mut out);
    }
    run_timers(&mut e, END, &mut out);
    out
}

#[test]
fn each_mld_host_sends_what_one_host_engine_given_the_same_calls_sends() {
    let emu = emulated();
    for h in 0..HOSTS {
        let want = reference(h);
        assert!(want.len() >= 8, "host {h}: the events make reports");
        assert_eq!(emu[h as usize], want, "host {h}");
    }
    // The hosts differ (their calls and their random delays).
    assert_ne!(emu[0], emu[1]);
}

#[test]
fn mld_hosts_need_link_local_addresses_and_enough_of_them() {
    let mk = |first: &str, hosts| {
        Emulator::<Mld>::new(EmuConfig {
            hosts,
            first_address: a(first),
            host: Config::default(),
            seed: 0,
        })
        .map(|_| ())
    };
    assert_eq!(mk("2001:db8::1", 1), Err(EmuError::BadFirstAddress));
    assert_eq!(mk("fe80::", 1), Err(EmuError::BadFirstAddress));
    assert_eq!(
        mk("fe80::ffff:ffff:ffff:fff0", 100),
        Err(EmuError::TooManyHosts {
            hosts: 100,
            available: 16
        })
    );
    assert_eq!(mk("fe80::ffff:ffff:ffff:fff0", 16), Ok(()));
}

fn parse(text: &str) -> Result<Scenario<Ipv6Addr>, String> {
    scenario::parse_with::<Mld>("s6", text, &Config::default()).map_err(|e| e.to_string())
}

#[test]
fn mld_scenarios_refuse_all_nodes_ssm_exclude_and_ipv4_addresses() {
    assert!(parse("0 all join ff02::1")
        .unwrap_err()
        .contains("ff02::1 (all nodes) is never reported"));
    assert!(parse("0 all join ff3e::1").unwrap_err().contains("SSM"));
    assert!(parse("0 all block ff3e::1 2001:db8::1")
        .unwrap_err()
        .contains("SSM"));
    assert!(parse("0 all join 239.1.1.1")
        .unwrap_err()
        .starts_with("s6:1:"));
    assert!(parse("0 all join ff05::2\n1 1-2 join-source ff3e::1 2001:db8::1,2001:db8::2\n2 3 zap ff05::2 ff05::3").is_ok());
    let s = parse("0 1-10 join ff05::2").unwrap();
    assert!(s.validate(5, &Config::<Mld>::default()).is_err());
    assert!(s.validate(10, &Config::<Mld>::default()).is_ok());
}

#[test]
fn mldv1_hosts_report_to_the_group_and_say_done_to_all_routers() {
    let mut e = Emulator::<Mld>::new(EmuConfig {
        hosts: 2,
        first_address: first(),
        host: Config {
            force_version: Some(ipv4kit_gmp::Compat::V2),
            ..config()
        },
        seed: SEED,
    })
    .unwrap();
    let g = a("ff1e::8000:7");
    for h in 0..2 {
        e.apply(Instant::ZERO, h, HostOp::Join(g)).unwrap();
    }
    let mut seen = Vec::new();
    mldv1_run(&mut e, Instant::ZERO, Instant::from_secs(11), &mut seen);
    e.apply(Instant::from_secs(11), 1, HostOp::Leave(g))
        .unwrap();
    mldv1_run(
        &mut e,
        Instant::from_secs(11),
        Instant::from_secs(15),
        &mut seen,
    );
    let reports = |h| {
        seen.iter()
            .filter(|s| s.0 == h && s.1 == ("report", g) && s.2 == g)
            .count()
    };
    // RFC 2710 §4: the report goes to the group, repeated once within the
    // Unsolicited Report Interval (10 s, §7.10); Done to ff02::2 (the host
    // leaving at 11 s reported last, or was never suppressed: it sends one).
    assert_eq!((reports(0), reports(1)), (2, 2), "{seen:?}");
    let done = seen
        .iter()
        .filter(|s| s.1 == ("done", g))
        .collect::<Vec<_>>();
    assert_eq!(done.len(), 1, "{seen:?}");
    assert_eq!((done[0].0, done[0].2), (1, a("ff02::2")));
}

/// (host, message, destination) of every MLDv1 message the emulator sends
/// from `now` until `end`.
type V1Seen = Vec<(u32, (&'static str, Ipv6Addr), Ipv6Addr)>;

fn mldv1_run(e: &mut Emulator<Mld>, mut now: Instant, end: Instant, seen: &mut V1Seen) {
    let mut buf = [0u8; 1600];
    loop {
        e.handle_timeout(now);
        while let Some(d) = e.poll_transmit(&mut buf) {
            let d = d.unwrap();
            let dg = MldDatagram::parse(&buf[..d.len]).expect("parses, checksum right");
            assert!(dg.is_valid_for_receiver());
            assert_eq!(dg.header.src, addr(d.host));
            let what = match dg.message {
                MldMessage::ReportV1(r) => ("report", r.group()),
                MldMessage::DoneV1(r) => ("done", r.group()),
                other => panic!("not MLDv1: {other:?}"),
            };
            seen.push((d.host, what, dg.header.dst));
        }
        match e.poll_timeout() {
            Some(t) if t <= end => now = t.max(now),
            _ => return,
        }
    }
}
