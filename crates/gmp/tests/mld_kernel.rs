//! The Linux kernel is the oracle for `Host<Mld>` as for the IGMP host
//! (`tests/kernel.rs`): the same IPv6 socket calls go to the kernel of host
//! a (UDP sockets, `MCAST_JOIN_GROUP`, `MCAST_JOIN_SOURCE_GROUP`,
//! block/unblock, leave) and to the engine (virtual clock, at the times the
//! calls were made); host b captures a's MLD with a raw ICMPv6 socket and
//! sends the queries from its link-local address. The records of every
//! report (type, group, sources), the number of reports, and their timing
//! windows must agree. `force_mld_version=1` makes both MLDv1.
//!
//! Only the test's groups (ff15::4b:*) are compared: a's kernel also
//! reports its solicited-node group, which the engine does not hold.
//! Where the kernel departs from the RFC the engine follows the RFC; the
//! tests name each difference and its section.

mod common_kernel;
mod common_mld;

use std::net::{Ipv6Addr, SocketAddrV6};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant as WallClock};

use common_kernel::scenarios::{self, Family};
use common_kernel::{engine, engine_op, Comparison, Engine, SETTLE, TAIL, URI_MS};
use common_mld::*;
use ipv4kit_gmp::{Compat, Config, FilterMode, Instant, Mld, MldRx, Requester};
use ipv4kit_net::wire::mld::{MldMessage, ALL_MLDV2_ROUTERS, ALL_NODES, ALL_ROUTERS};
use ipv4kit_net::{
    interface_index, ControlFlags, ControlMessage6, Datagram6Options, HopByHopOptions, Icmp6Filter,
    Ipv6Options, PacketConn6, SourceFilterMode, SourceFilterOptions, IPPROTO_ICMPV6,
};
use ipv4kit_testnet::{require_privileges, Link, LINK_LOCAL_A, LINK_LOCAL_B};

type Op = common_kernel::Op<Ipv6Addr>;
type Step = common_kernel::Step<Ipv6Addr>;
type Outcome = common_kernel::Outcome<Msg>;

/// Whether `group` is one of the test's (ff15::4b:*).
fn ours(group: &Ipv6Addr) -> bool {
    group.segments()[..7] == g(0).segments()[..7]
}

/// Keeps the test's groups only; orders records by group and sources by
/// address (RFC 3810 §5.2 gives no order; the kernel lists newest first).
fn normalized(m: &Msg) -> Option<Msg> {
    match m {
        Msg::V2(r) => {
            let mut r: Vec<Rec> = r.iter().filter(|x| ours(&x.1)).cloned().collect();
            r.sort_by_key(|x| x.1);
            for rec in &mut r {
                rec.2.sort();
            }
            (!r.is_empty()).then_some(Msg::V2(r))
        }
        Msg::V1(g) | Msg::Done(g) => ours(g).then(|| m.clone()),
    }
}

fn kernel(
    link: &Link,
    force_v1: bool,
    groups: &[Ipv6Addr],
    steps: &[Step],
    tail: Duration,
) -> Outcome {
    let conf = format!("net.ipv6.conf.{}", link.if_a);
    for v in ["mldv1", "mldv2"] {
        link.a
            .sysctl(
                &format!("{conf}.{v}_unsolicited_report_interval"),
                &URI_MS.to_string(),
            )
            .unwrap();
    }
    if force_v1 {
        link.a
            .sysctl(&format!("{conf}.force_mld_version"), "1")
            .unwrap();
    }
    let ia = link.a.run(|| interface_index(&link.if_a).unwrap());
    let ib = link.b.run(|| interface_index(&link.if_b).unwrap());
    let rx = link.b.run(|| {
        let c = PacketConn6::raw(IPPROTO_ICMPV6).unwrap();
        let mut f = Icmp6Filter::block_all();
        for t in [131, 132, 143] {
            f.pass(t);
        }
        c.set_icmp6_filter(&f).unwrap();
        for g in [ALL_MLDV2_ROUTERS, ALL_ROUTERS].iter().chain(groups) {
            c.join_group(ib, *g).unwrap();
        }
        c.set_control_message(ControlFlags::ALL, true).unwrap();
        c.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        c
    });
    let tx = link.b.run(|| {
        let c = PacketConn6::raw(IPPROTO_ICMPV6).unwrap();
        c.set_hop_by_hop_options(HopByHopOptions::ROUTER_ALERT_MLD.as_bytes())
            .unwrap();
        c.set_multicast_interface(ib).unwrap();
        c.set_multicast_loop(false).unwrap();
        c
    });
    let socks: Vec<PacketConn6> = link
        .a
        .run(|| (0..3).map(|_| PacketConn6::udp().unwrap()).collect());
    // a's kernel repeats its initial report (every group in current state,
    // as TO_EX/TO_IN) [Robustness Variable] times after the link comes up,
    // at random intervals up to the URI just set: let that end first, or
    // it would carry the test's first groups along.
    std::thread::sleep(Duration::from_millis(URI_MS + 500));
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(Mutex::new(Vec::new()));
    let start = WallClock::now();
    let capture = {
        let (stop, sent) = (stop.clone(), sent.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !stop.load(Ordering::Relaxed) {
                let Ok(m) = rx.recv_from(&mut buf) else {
                    continue;
                };
                let t = start.elapsed();
                if *m.src.ip() != LINK_LOCAL_A {
                    continue;
                }
                // RFC 3810 §5: hop limit 1, from the link-local address.
                assert_eq!(m.cm.hop_limit, Some(1));
                let dst = m.cm.dst.unwrap();
                if let Some(msg) = decode(&buf[..m.len], LINK_LOCAL_A, dst) {
                    let want = match &msg {
                        Msg::V2(_) => ALL_MLDV2_ROUTERS,
                        Msg::V1(g) => *g,
                        Msg::Done(_) => ALL_ROUTERS,
                    };
                    assert_eq!(dst, want, "{msg:?}");
                    sent.lock().unwrap().push((t, msg));
                }
            }
        })
    };
    let mut at = Vec::new();
    for (delay, sock, op) in steps {
        std::thread::sleep(Duration::from_millis(*delay));
        at.push(start.elapsed());
        let s = &socks[*sock];
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
                let cm = ControlMessage6 {
                    src: Some(LINK_LOCAL_B),
                    ifindex: Some(ib),
                    ..Default::default()
                };
                tx.send_to(msg, SocketAddrV6::new(*dst, 0, 0, ib), Some(&cm))
                    .map(drop)
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

/// The engine's side: [`Host<Mld>`] as `common_mld` runs it, from a's
/// link-local address.
impl Engine for MldHost {
    type Addr = Ipv6Addr;
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
            let m = MldMessage::parse(msg, LINK_LOCAL_B, *dst).unwrap();
            self.handle_message(now, &MldRx::new(m, LINK_LOCAL_B), meta(*dst));
            Ok(())
        });
        res.unwrap();
    }
}

/// Runs `steps` on both and compares ([`common_kernel::compare`]), the
/// kernel forced to MLDv1 if `force_v1`. A run whose sequences differ is
/// repeated, at most three times: random retransmission delays may land
/// between calls or just after the last one (then the kernel's pending
/// records ride along); a real difference shows on every attempt.
fn compare(
    force_v1: bool,
    config: Config<Mld>,
    groups: &[Ipv6Addr],
    steps: &[Step],
    tail: Duration,
    deviations: &[(usize, Msg, Msg)],
) -> Vec<Msg> {
    let how = Comparison {
        window: config
            .unsolicited_report_interval
            .max(config.old_unsolicited_report_interval),
        normalized,
        retry_any_difference: true,
    };
    common_kernel::compare(&how, steps, deviations, |seed| {
        let link = Link::with_ipv6().unwrap();
        let k = kernel(&link, force_v1, groups, steps, tail);
        let end = *k.at.last().unwrap() + tail;
        let h = host_with(config, seed);
        assert_eq!(h.source(), LINK_LOCAL_A);
        let e = engine(h, steps, &k.at, end);
        (k, e)
    })
}

fn config() -> Config<Mld> {
    common_kernel::config()
}

/// The shared scenarios on MLDv2.
impl Family for Mld {
    type Addr = Ipv6Addr;
    type Msg = Msg;
    fn g(n: u8) -> Ipv6Addr {
        g(u16::from(n))
    }
    fn s(n: u8) -> Ipv6Addr {
        s(u16::from(n))
    }
    fn report(records: Vec<Rec>) -> Msg {
        Msg::V2(records)
    }
    fn records(m: &Msg) -> Option<&[Rec]> {
        match m {
            Msg::V2(r) => Some(r),
            _ => None,
        }
    }
    fn query(group: Option<Ipv6Addr>, sources: &[Ipv6Addr], mrt: Duration) -> Op {
        match group {
            Some(g) => Op::Query(query_v2(g, sources, mrt), g),
            None => Op::Query(query_v2(Ipv6Addr::UNSPECIFIED, sources, mrt), ALL_NODES),
        }
    }
    fn compare(steps: &[Step], tail: Duration, deviations: &[(usize, Msg, Msg)]) -> Vec<Msg> {
        compare(false, config(), &[], steps, tail, deviations)
    }
}

#[test]
fn mld_include_to_include_with_two_sockets_matches_the_kernel() {
    require_privileges!();
    scenarios::include_to_include_with_two_sockets::<Mld>();
}

#[test]
fn mld_include_to_exclude_and_back_with_three_sockets_matches_the_kernel() {
    require_privileges!();
    scenarios::include_to_exclude_and_back_with_three_sockets::<Mld>();
}

#[test]
fn mld_exclude_to_exclude_with_three_sockets_matches_the_kernel() {
    require_privileges!();
    scenarios::exclude_to_exclude_with_three_sockets::<Mld>();
}

#[test]
fn mld_changes_while_retransmissions_pend_match_the_kernel() {
    require_privileges!();
    scenarios::changes_while_retransmissions_pend::<Mld>();
}

#[test]
fn mld_answers_to_the_three_kinds_of_query_match_the_kernel() {
    require_privileges!();
    scenarios::answers_to_the_three_kinds_of_query::<Mld>();
}

#[test]
fn forced_mldv1_host_matches_the_kernel() {
    require_privileges!();
    let (g1, g2) = (g(8), g(9));
    let steps = [
        (0, 0, Op::Join(g1)),
        (SETTLE, 1, Op::Join(g2)),
        (
            SETTLE,
            0,
            Op::Query(
                query_v1(Ipv6Addr::UNSPECIFIED, Duration::from_secs(1)),
                ALL_NODES,
            ),
        ),
        (
            SETTLE,
            0,
            Op::Query(query_v1(g2, Duration::from_secs(1)), g2),
        ),
        (SETTLE, 0, Op::Leave(g1)),
    ];
    let mut cfg = config();
    cfg.force_version = Some(Compat::V2);
    let got = compare(true, cfg, &[g1, g2], &steps, TAIL, &[]);
    assert_eq!(
        got[..2],
        [Msg::V1(g1), Msg::V1(g1)],
        "RFC 2710 §4: at once, then repeated"
    );
    assert_eq!(got.last(), Some(&Msg::Done(g1)), "to ff02::2 (RFC 2710 §8)");
}

#[test]
fn an_mldv1_querier_makes_both_fall_back_to_mldv1() {
    require_privileges!();
    let (g1, g2) = (g(10), g(11));
    let steps = [
        (0, 0, Op::Join(g1)),
        (
            SETTLE,
            0,
            Op::Query(
                query_v1(Ipv6Addr::UNSPECIFIED, Duration::from_secs(1)),
                ALL_NODES,
            ),
        ),
        (SETTLE, 1, Op::Join(g2)),
        (SETTLE, 0, Op::Leave(g1)),
    ];
    // Older Version Querier Present (RFC 3810 §8.2.1): the answer, the join
    // and the leave are MLDv1.
    let got = compare(false, config(), &[g1, g2], &steps, TAIL, &[]);
    assert_eq!(
        got[2..],
        [Msg::V1(g1), Msg::V1(g2), Msg::V1(g2), Msg::Done(g1)]
    );
}

#[test]
fn set_filter_puts_the_same_records_on_the_wire_as_mcast_msfilter() {
    require_privileges!();
    scenarios::set_filter_puts_the_same_records_on_the_wire_as_mcast_msfilter::<Mld>();
}
