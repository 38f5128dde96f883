//! The sans-IO core on a virtual clock: addresses, headers, the one timer
//! heap, query dispatch.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use ipv4kit_emu::{EmuConfig, EmuError, Emulator, HostOp};
use ipv4kit_gmp::{Config, Igmp, Instant, RxMeta};
use ipv4kit_wire::igmp::{IgmpMessage, MaxRespCode, Qqic, QueryV3, ALL_SYSTEMS};
use ipv4kit_wire::ipv4::{IpProtocol, Ipv4Packet};

const FIRST: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 1);

fn emu(hosts: u32) -> Emulator<Igmp> {
    Emulator::new(EmuConfig {
        hosts,
        first_address: FIRST,
        host: Config::default(),
        seed: 42,
    })
    .unwrap()
}

fn g(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(239, 1, 1, n)
}

/// (time, source, record type, group, sources) of every record sent until `end`.
type Sent = Vec<(Instant, Ipv4Addr, u8, Ipv4Addr, Vec<Ipv4Addr>)>;

fn run(e: &mut Emulator<Igmp>, mut now: Instant, end: Instant) -> Sent {
    let mut out = Vec::new();
    let mut buf = [0u8; 1600];
    loop {
        e.handle_timeout(now);
        while let Some(d) = e.poll_transmit(&mut buf) {
            let d = d.unwrap();
            let ip = Ipv4Packet::new_checked(&buf[..d.len]).unwrap();
            assert!(ip.verify_checksum());
            assert_eq!(
                (ip.ttl(), ip.router_alert(), ip.protocol()),
                (1, Some(0), IpProtocol::IGMP)
            );
            assert_eq!((ip.src(), ip.dst()), (d.source, d.destination));
            let IgmpMessage::ReportV3(r) = IgmpMessage::parse(ip.payload()).unwrap() else {
                panic!("not a v3 report")
            };
            assert_eq!(ip.tos(), 0xc0);
            for rec in r.records() {
                out.push((
                    now,
                    d.source,
                    u8::from(rec.record_type()),
                    rec.group(),
                    rec.sources().collect(),
                ));
            }
        }
        match e.poll_timeout() {
            Some(t) if t <= end => now = t.max(now),
            _ => return out,
        }
    }
}

fn general_query(max_resp: Duration) -> Vec<u8> {
    let q = QueryV3 {
        max_resp_code: MaxRespCode::from_duration(max_resp),
        group: Ipv4Addr::UNSPECIFIED,
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_secs(125),
        sources: &[],
    };
    let mut b = vec![0; q.buffer_len()];
    q.emit(&mut b).unwrap();
    b
}

#[test]
fn more_hosts_than_addresses_left_are_refused() {
    let e = Emulator::<Igmp>::new(EmuConfig {
        hosts: 10,
        first_address: Ipv4Addr::new(223, 255, 255, 250),
        host: Config::default(),
        seed: 0,
    })
    .unwrap_err();
    assert_eq!(
        e,
        EmuError::TooManyHosts {
            hosts: 10,
            available: 6
        }
    );
    let e = Emulator::<Igmp>::new(EmuConfig {
        hosts: 1,
        first_address: ALL_SYSTEMS,
        host: Config::default(),
        seed: 0,
    });
    assert_eq!(e.unwrap_err(), EmuError::BadFirstAddress);
}

#[test]
fn each_host_reports_its_join_twice_from_its_own_address() {
    let mut e = emu(500);
    for h in 0..500 {
        e.apply(Instant::ZERO, h, HostOp::Join(g(1))).unwrap();
    }
    let sent = run(&mut e, Instant::ZERO, Instant::from_secs(5));
    let mut per_host: HashMap<Ipv4Addr, Vec<Instant>> = HashMap::new();
    for (t, src, ty, grp, srcs) in &sent {
        assert_eq!((*ty, *grp, srcs.len()), (4, g(1), 0), "TO_EX {{}}");
        per_host.entry(*src).or_default().push(*t);
    }
    assert_eq!(per_host.len(), 500);
    for h in 0..500u32 {
        let times = &per_host[&Ipv4Addr::from(u32::from(FIRST) + h)];
        assert_eq!(times.len(), 2, "one report now, one retransmission (RV 2)");
        assert_eq!(times[0], Instant::ZERO);
        assert!(
            times[1] <= Instant::from_secs(1),
            "within the Unsolicited Report Interval"
        );
    }
    assert_eq!(e.stats().reports, 1000);
    assert_eq!(e.stats().hosts_joined, 500);
    // One heap for all hosts, and it never holds more than its bound.
    assert!(e.timer_entries() <= 2 * 500 + 1024);
}

#[test]
fn a_general_query_is_answered_by_every_host_once_with_its_own_state() {
    let mut e = emu(300);
    for h in 0..300 {
        e.apply(Instant::ZERO, h, HostOp::Join(g(1 + (h % 3) as u8)))
            .unwrap();
        if h % 2 == 0 {
            e.apply(
                Instant::ZERO,
                h,
                HostOp::Block(g(1 + (h % 3) as u8), Ipv4Addr::new(198, 18, 9, 9)),
            )
            .unwrap();
        }
    }
    let t0 = Instant::from_secs(10);
    run(&mut e, Instant::ZERO, t0);
    let q = general_query(Duration::from_secs(2));
    let msg = IgmpMessage::parse(&q).unwrap();
    let n = e.handle_message(
        t0,
        &msg,
        RxMeta {
            destination: ALL_SYSTEMS,
            router_alert: true,
        },
    );
    assert_eq!(n, 300);
    let sent = run(&mut e, t0, Instant::from_secs(20));
    assert_eq!(sent.len(), 300);
    let mut seen = std::collections::HashSet::new();
    for (t, src, ty, grp, srcs) in sent {
        let h = u32::from(src) - u32::from(FIRST);
        assert!(seen.insert(h), "host {h} answered twice");
        assert!(
            t > t0 && t <= t0 + Duration::from_secs(2),
            "within Max Resp Time"
        );
        let want: Vec<Ipv4Addr> = if h % 2 == 0 {
            vec![Ipv4Addr::new(198, 18, 9, 9)]
        } else {
            vec![]
        };
        assert_eq!(
            (ty, grp, srcs),
            (2, g(1 + (h % 3) as u8), want),
            "IS_EX of host {h}"
        );
    }
    assert_eq!(e.stats().queries_delivered, 300);
}

#[test]
fn a_group_specific_query_reaches_only_the_hosts_holding_the_group() {
    let mut e = emu(10);
    for h in 0..4 {
        e.apply(Instant::ZERO, h, HostOp::Join(g(7))).unwrap();
    }
    e.apply(Instant::ZERO, 5, HostOp::Join(g(8))).unwrap();
    e.apply(Instant::ZERO, 3, HostOp::Leave(g(7))).unwrap();
    run(&mut e, Instant::ZERO, Instant::from_secs(5));
    assert_eq!(e.members(g(7)), 3);
    let q = QueryV3 {
        max_resp_code: MaxRespCode::from_tenths(10),
        group: g(7),
        s_flag: false,
        qrv: 2,
        qqic: Qqic::from_secs(125),
        sources: &[],
    };
    let mut b = vec![0; q.buffer_len()];
    q.emit(&mut b).unwrap();
    let n = e.handle_message(
        Instant::from_secs(5),
        &IgmpMessage::parse(&b).unwrap(),
        RxMeta {
            destination: g(7),
            router_alert: true,
        },
    );
    assert_eq!(n, 3);
    let sent = run(&mut e, Instant::from_secs(5), Instant::from_secs(10));
    let srcs: Vec<Ipv4Addr> = {
        let mut v: Vec<_> = sent.iter().map(|s| s.1).collect();
        v.sort();
        v
    };
    assert_eq!(
        srcs,
        [
            FIRST,
            Ipv4Addr::new(198, 18, 1, 2),
            Ipv4Addr::new(198, 18, 1, 3)
        ]
    );
}

#[test]
fn stale_timer_entries_do_not_grow_without_bound() {
    let mut e = emu(4);
    let mut buf = [0u8; 1600];
    // Every join or leave moves host 0's retransmission deadline; the old
    // entries go stale and the heap is rebuilt past its bound.
    for i in 0..20_000u64 {
        let now = Instant::from_nanos(i * 1000);
        let op = if i % 2 == 0 {
            HostOp::Join(g(1))
        } else {
            HostOp::Leave(g(1))
        };
        e.apply(now, 0, op).unwrap();
        while e.poll_transmit(&mut buf).is_some() {}
        assert!(e.timer_entries() <= 2 * 4 + 1024 + 1);
    }
    assert!(e.poll_timeout().is_some());
}
