//! The Linux kernel is the oracle. The same socket calls go to the kernel of
//! host a (on real sockets, between two namespaces) and to the engine (on a
//! virtual clock, at the times the calls were made); host b captures a's
//! reports with a raw IGMP socket and sends the queries. The records of every
//! report (type, group, sources, in order), the number of reports, and their
//! timing windows must agree.
//!
//! Where the kernel departs from the RFC the engine follows the RFC; the
//! tests name each difference and its section.

mod common;
mod common_kernel;

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant as WallClock};

use common::*;
use common_kernel::scenarios::{self, Family};
use common_kernel::{engine, engine_op, Comparison, Engine, SETTLE, TAIL, URI_MS};
use ipv4kit_gmp::{Config, FilterMode, Igmp, Instant, Requester};
use ipv4kit_net::wire::igmp::{
    ipv4_repr, IgmpMessage, IgmpVersion, ALL_ROUTERS, ALL_SYSTEMS, IGMP_TTL,
};
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Packet};
use ipv4kit_net::{
    interface_index, ControlMessage, DatagramOptions, IpOptions, RawConn, SocketOptions,
    SourceFilterMode, SourceFilterOptions,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B};

type Op = common_kernel::Op<Ipv4Addr>;
type Step = common_kernel::Step<Ipv4Addr>;
type Outcome = common_kernel::Outcome<Msg>;

/// Orders the records of each v3 report by group, keeping each group's
/// records in their order, and the sources of each record: the kernel lists
/// groups newest-joined first and sources in its own list order, the engine
/// both by address; RFC 3376 §4.2 gives no order for either.
fn normalized(m: &Msg) -> Msg {
    match m {
        Msg::V3(r) => {
            let mut r = r.clone();
            r.sort_by_key(|x| x.1);
            for rec in &mut r {
                rec.2.sort();
            }
            Msg::V3(r)
        }
        m => m.clone(),
    }
}

fn kernel(
    link: &Link,
    version: Option<&str>,
    groups: &[Ipv4Addr],
    steps: &[Step],
    tail: Duration,
) -> Outcome {
    let conf = format!("net.ipv4.conf.{}", link.if_a);
    link.a
        .sysctl(
            &format!("{conf}.igmpv3_unsolicited_report_interval"),
            &URI_MS.to_string(),
        )
        .unwrap();
    link.a
        .sysctl(
            &format!("{conf}.igmpv2_unsolicited_report_interval"),
            &URI_MS.to_string(),
        )
        .unwrap();
    if let Some(v) = version {
        link.a
            .sysctl(&format!("{conf}.force_igmp_version"), v)
            .unwrap();
    }
    let ia = link.a.run(|| interface_index(&link.if_a).unwrap());
    let ib = link.b.run(|| interface_index(&link.if_b).unwrap());
    let rx = link.b.run(|| {
        let c = RawConn::new(IpProtocol::IGMP).unwrap();
        for g in [Ipv4Addr::new(224, 0, 0, 22), ALL_ROUTERS]
            .iter()
            .chain(groups)
        {
            c.join_group(ib, *g).unwrap();
        }
        c.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        c
    });
    let tx = link.b.run(|| RawConn::new(IpProtocol::IGMP).unwrap());
    tx.set_multicast_loop(false).unwrap();
    let socks: Vec<UdpSocket> = link.a.run(|| {
        (0..3)
            .map(|_| UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).unwrap())
            .collect()
    });
    // b's own joins make b report; let those settle before starting.
    std::thread::sleep(Duration::from_millis(300));
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(Mutex::new(Vec::new()));
    let start = WallClock::now();
    let capture = {
        let (stop, sent) = (stop.clone(), sent.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !stop.load(Ordering::Relaxed) {
                let Ok(m) = rx.recv(&mut buf) else { continue };
                let t = start.elapsed();
                let Ok(p) = Ipv4Packet::new_checked(&buf[..m.len]) else {
                    continue;
                };
                if p.src() != ADDR_A {
                    continue;
                }
                assert_eq!(p.ttl(), IGMP_TTL);
                assert_eq!(p.router_alert(), Some(0));
                if let Some(msg) = decode(p.payload()) {
                    sent.lock().unwrap().push((t, msg));
                }
            }
        })
    };
    let mut at = Vec::new();
    for (delay, sock, op) in steps {
        std::thread::sleep(Duration::from_millis(*delay));
        at.push(start.elapsed());
        let s = SocketOptions::of(&socks[*sock]);
        let r = match op {
            Op::Join(g) => s.join_group(ia, *g),
            Op::Leave(g) => s.leave_group(ia, *g),
            Op::JoinSource(g, x) => s.join_source_group(ia, *g, *x),
            Op::LeaveSource(g, x) => s.leave_source_group(ia, *g, *x),
            Op::Block(g, x) => s.block_source(ia, *g, *x),
            Op::Unblock(g, x) => s.unblock_source(ia, *g, *x),
            Op::SetFilter(g, mode, x) => {
                let mode = match mode {
                    FilterMode::Include => SourceFilterMode::Include,
                    FilterMode::Exclude => SourceFilterMode::Exclude,
                };
                s.set_source_filter(ia, *g, mode, x)
            }
            Op::Query(msg, dst) => {
                let repr = ipv4_repr(IgmpVersion::V3, ADDR_B, *dst, msg.len());
                let cm = ControlMessage {
                    ifindex: Some(ib),
                    ..Default::default()
                };
                tx.send_repr(&repr, msg, Some(&cm)).map(drop)
            }
        };
        r.unwrap_or_else(|e| panic!("{op:?}: {e}"));
    }
    std::thread::sleep(tail);
    stop.store(true, Ordering::Relaxed);
    capture.join().unwrap();
    drop(socks);
    let sent = std::mem::take(&mut *sent.lock().unwrap());
    Outcome { at, sent }
}

/// The engine's side: [`Host<Igmp>`] as `common` runs it.
impl Engine for TestHost {
    type Addr = Ipv4Addr;
    type Msg = Msg;
    fn run(&mut self, now: Instant, end: Instant) -> Vec<(Instant, Msg)> {
        run(self, now, end)
    }
    fn drain(&mut self) -> Vec<Msg> {
        drain(self)
    }
    fn apply(&mut self, now: Instant, r: Requester, op: &Op) {
        let res = engine_op(self, now, r, op).unwrap_or_else(|| {
            let Op::Query(msg, dst) = op else {
                unreachable!()
            };
            let m = IgmpMessage::parse(msg).unwrap();
            self.handle_message(now, &m, meta(*dst));
            Ok(())
        });
        res.unwrap();
    }
}

/// Runs `steps` on both and compares ([`common_kernel::compare`]), with
/// the kernel forced to IGMP `version` if given.
fn compare(
    version: Option<&str>,
    config: Config<Igmp>,
    groups: &[Ipv4Addr],
    steps: &[Step],
    tail: Duration,
    deviations: &[(usize, Msg, Msg)],
) -> Vec<Msg> {
    let how = Comparison {
        window: config
            .unsolicited_report_interval
            .max(Duration::from_secs(1)),
        normalized: |m| Some(normalized(m)),
        retry_any_difference: false,
    };
    common_kernel::compare(&how, steps, deviations, |seed| {
        let link = Link::new().unwrap();
        let k = kernel(&link, version, groups, steps, tail);
        let end = *k.at.last().unwrap() + tail;
        let e = engine(host_with(config, seed), steps, &k.at, end);
        (k, e)
    })
}

fn config() -> Config<Igmp> {
    common_kernel::config()
}

/// The shared scenarios on IGMPv3.
impl Family for Igmp {
    type Addr = Ipv4Addr;
    type Msg = Msg;
    fn g(n: u8) -> Ipv4Addr {
        g(n)
    }
    fn s(n: u8) -> Ipv4Addr {
        s(n)
    }
    fn report(records: Vec<Rec>) -> Msg {
        Msg::V3(records)
    }
    fn records(m: &Msg) -> Option<&[Rec]> {
        match m {
            Msg::V3(r) => Some(r),
            _ => None,
        }
    }
    fn query(group: Option<Ipv4Addr>, sources: &[Ipv4Addr], mrt: Duration) -> Op {
        match group {
            Some(g) => Op::Query(query_v3(g, sources, mrt), g),
            None => Op::Query(query_v3(Ipv4Addr::UNSPECIFIED, sources, mrt), ALL_SYSTEMS),
        }
    }
    fn compare(steps: &[Step], tail: Duration, deviations: &[(usize, Msg, Msg)]) -> Vec<Msg> {
        compare(None, config(), &[], steps, tail, deviations)
    }
}

#[test]
fn include_to_include_with_two_sockets_matches_the_kernel() {
    require_privileges!();
    scenarios::include_to_include_with_two_sockets::<Igmp>();
}

#[test]
fn include_to_exclude_and_back_with_three_sockets_matches_the_kernel() {
    require_privileges!();
    scenarios::include_to_exclude_and_back_with_three_sockets::<Igmp>();
}

#[test]
fn exclude_to_exclude_with_three_sockets_matches_the_kernel() {
    require_privileges!();
    scenarios::exclude_to_exclude_with_three_sockets::<Igmp>();
}

#[test]
fn changes_while_retransmissions_pend_match_the_kernel() {
    require_privileges!();
    scenarios::changes_while_retransmissions_pend::<Igmp>();
}

#[test]
fn answers_to_the_three_kinds_of_query_match_the_kernel() {
    require_privileges!();
    scenarios::answers_to_the_three_kinds_of_query::<Igmp>();
}

#[test]
fn forced_igmpv2_host_matches_the_kernel() {
    require_privileges!();
    let (g1, g2) = (g(8), g(9));
    let steps = [
        (0, 0, Op::Join(g1)),
        (SETTLE, 1, Op::Join(g2)),
        (
            SETTLE,
            0,
            Op::Query(
                query_v2(Ipv4Addr::UNSPECIFIED, Duration::from_secs(1)),
                ALL_SYSTEMS,
            ),
        ),
        (SETTLE, 0, Op::Leave(g1)),
    ];
    let mut cfg = config();
    cfg.force_version = Some(ipv4kit_gmp::Compat::V2);
    // RFC 2236 §3 sends the first report of a join at once; Linux delays it
    // up to 200 ms (IGMP_INITIAL_REPORT_DELAY): within SLACK.
    let got = compare(Some("2"), cfg, &[g1, g2], &steps, TAIL, &[]);
    assert_eq!(got[..2], [Msg::V2(g1), Msg::V2(g1)]);
    assert_eq!(got.last(), Some(&Msg::Leave(g1)));
}

#[test]
fn forced_igmpv1_host_matches_the_kernel() {
    require_privileges!();
    let g1 = g(10);
    let steps = [(0, 0, Op::Join(g1)), (SETTLE, 0, Op::Leave(g1))];
    let mut cfg = config();
    cfg.force_version = Some(ipv4kit_gmp::Compat::V1);
    let got = compare(Some("1"), cfg, &[g1], &steps, TAIL, &[]);
    assert_eq!(got, vec![Msg::V1(g1), Msg::V1(g1)], "IGMPv1 has no leave");
}

#[test]
fn set_filter_puts_the_same_records_on_the_wire_as_mcast_msfilter() {
    require_privileges!();
    scenarios::set_filter_puts_the_same_records_on_the_wire_as_mcast_msfilter::<Igmp>();
}
