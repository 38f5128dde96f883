//! The router engine on real sockets, the Linux kernel as the host: a
//! small loop in namespace a drives a [`Router`] over a raw IGMP socket
//! (a member of 224.0.0.22 and 224.0.0.2, so reports and leaves reach it;
//! DESIGN.md's second way to see IGMP); a UDP socket in namespace b joins
//! and leaves a group. The router sees the join, and the leave removes the
//! group within the Last Member Query Time (RFC 3376 §6.6.3.1).

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant as WallClock};

use ipv4kit_gmp::{Igmp, Instant, Router, RouterConfig, RouterRxMeta};
use ipv4kit_net::wire::igmp::{ipv4_repr, IgmpVersion, ALL_IGMPV3_ROUTERS, ALL_ROUTERS};
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Packet};
use ipv4kit_net::{
    interface_index, ControlMessage, DatagramOptions, IpOptions, RawConn, SocketOptions,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B, PREFIX_LEN};

const GROUP: Ipv4Addr = Ipv4Addr::new(239, 3, 3, 3);

struct Driver {
    router: Router<Igmp>,
    sock: RawConn,
    ifindex: u32,
    start: WallClock,
}

impl Driver {
    fn now(&self) -> Instant {
        Instant::from_nanos(self.start.elapsed().as_nanos() as u64)
    }

    /// Runs the loop until `done` holds or `limit` passes; returns whether it held.
    fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&Router<Igmp>) -> bool) -> bool {
        let end = WallClock::now() + limit;
        let mut buf = [0u8; 2048];
        let mut out = [0u8; 1500];
        while WallClock::now() < end {
            if done(&self.router) {
                return true;
            }
            let now = self.now();
            if self.router.poll_timeout().is_some_and(|t| t <= now) {
                self.router.handle_timeout(now);
            }
            while let Some(t) = self.router.poll_transmit(&mut out) {
                let t = t.unwrap();
                let repr = ipv4_repr(IgmpVersion::V3, ADDR_A, t.destination, t.len);
                let cm = ControlMessage {
                    ifindex: Some(self.ifindex),
                    ..Default::default()
                };
                self.sock
                    .send_repr(&repr, &out[..t.len], Some(&cm))
                    .unwrap();
            }
            let Ok(m) = self.sock.recv(&mut buf) else {
                continue;
            };
            let Ok(p) = Ipv4Packet::new_checked(&buf[..m.len]) else {
                continue;
            };
            if p.src() == ADDR_A {
                continue;
            }
            let meta = RouterRxMeta {
                source: p.src(),
                destination: p.dst(),
                ttl: p.ttl(),
                router_alert: p.router_alert().is_some(),
            };
            let now = self.now();
            self.router.handle_bytes(now, p.payload(), meta);
        }
        done(&self.router)
    }
}

#[test]
fn the_router_sees_the_kernels_join_and_its_leave_ends_the_group_within_lmqt() {
    require_privileges!();
    let link = Link::new().unwrap();
    let ia = link.a.run(|| interface_index(&link.if_a).unwrap());
    let ib = link.b.run(|| interface_index(&link.if_b).unwrap());
    let sock = link.a.run(|| {
        let c = RawConn::new(IpProtocol::IGMP).unwrap();
        c.join_group(ia, ALL_IGMPV3_ROUTERS).unwrap();
        c.join_group(ia, ALL_ROUTERS).unwrap();
        c.set_multicast_loop(false).unwrap();
        c.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        c
    });
    let mut config = RouterConfig::new(ADDR_A);
    config.subnet_prefix = Some(PREFIX_LEN);
    let start = WallClock::now();
    let mut d = Driver {
        router: Router::new(config, Instant::ZERO),
        sock,
        ifindex: ia,
        start,
    };
    // Startup query out; the kernel answers for nothing yet.
    d.run_until(Duration::from_millis(200), |_| false);

    let host = link
        .b
        .run(|| UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).unwrap());
    SocketOptions::of(&host).join_group(ib, GROUP).unwrap();
    assert!(
        d.run_until(Duration::from_secs(5), |r| r.group(GROUP).is_some()),
        "the kernel's join (TO_EX {{}}) never made state"
    );
    let table = d.router.table(d.now());
    let entry = table.groups.iter().find(|g| g.group == GROUP).unwrap();
    assert_eq!(entry.last_reporter, ADDR_B);
    assert!(d
        .router
        .group(GROUP)
        .unwrap()
        .forwards(&Ipv4Addr::new(198, 18, 0, 77)));

    let sent_before = d.router.counters().queries_sent;
    SocketOptions::of(&host).leave_group(ib, GROUP).unwrap();
    let left = WallClock::now();
    assert!(
        d.run_until(Duration::from_secs(6), |r| r.group(GROUP).is_none()),
        "the group outlived the leave"
    );
    let took = left.elapsed();
    let lmqt = d.router.last_member_query_time();
    println!("group removed {took:?} after the leave (LMQT {lmqt:?})");
    assert!(took <= lmqt + Duration::from_millis(700), "{took:?}");
    assert!(
        took >= lmqt - Duration::from_millis(300),
        "{took:?}: removed before LMQT"
    );
    assert!(
        d.router.counters().queries_sent >= sent_before + 2,
        "Q(G) and its retransmission"
    );
    drop(host);
}
