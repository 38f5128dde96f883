//! The expanding-ring search example (`examples/expanding_ring.rs`, included
//! here as a module so the test runs its very code) across a router: a
//! prober in a, a responder in c, and b between them forwarding multicast
//! through the multicast-routing socket (`MrouteSocket` for IPv4,
//! `Mroute6Socket` for IPv6) with one forwarding entry. TTL 0 stays on a,
//! TTL 1 stays on the a–b link, TTL 2 crosses b: the answer names TTL 2.

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/expanding_ring.rs"]
mod ring;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use ipv4kit_net::{interface_index, Mroute6Socket, MrouteSocket};
use ipv4kit_testnet::{require_privileges, Extension, Link, ADDR6_A, ADDR6_C, ADDR_A, ADDR_C};
use ring::{probe, respond, RingSocket};

const PORT: u16 = 5700;

/// The router's routing socket, held (never read) for the test's length:
/// dropping it would delete the VIFs and the entry.
#[allow(dead_code)]
enum Router {
    V4(MrouteSocket),
    V6(Mroute6Socket),
}

/// a – b – c with b forwarding (source a, `group`) from the a side to the c
/// side, and unicast forwarding on for the answers.
fn topology(group: IpAddr) -> (Link, Extension, Router) {
    let link = Link::with_ipv6().unwrap();
    let ext = link.extend().unwrap();
    link.b.sysctl("net.ipv4.ip_forward", "1").unwrap();
    link.b.sysctl("net.ipv6.conf.all.forwarding", "1").unwrap();
    let (ib_a, ib_c) = link.b.run(|| {
        (
            interface_index(&link.if_b).unwrap(),
            interface_index(&ext.if_bc).unwrap(),
        )
    });
    let router = link.b.run(|| match group {
        IpAddr::V4(g) => {
            let m = MrouteSocket::new().unwrap();
            m.add_vif(0, ib_a).unwrap();
            m.add_vif(1, ib_c).unwrap();
            m.add_mfc(ADDR_A, g, 0, &[(1, 1)]).unwrap();
            Router::V4(m)
        }
        IpAddr::V6(g) => {
            let m = Mroute6Socket::new().unwrap();
            m.add_mif(0, ib_a).unwrap();
            m.add_mif(1, ib_c).unwrap();
            m.add_mfc(ADDR6_A, g, 0, &[1]).unwrap();
            Router::V6(m)
        }
    });
    (link, ext, router)
}

fn search(group: IpAddr, responder: IpAddr) {
    let (link, ext, _router) = topology(group);
    let ic = ext.c.run(|| interface_index(&ext.if_cb).unwrap());
    let resp = ext.c.run(|| {
        let s = RingSocket::bind(group, PORT).unwrap();
        s.join(ic, group).unwrap();
        s
    });
    let answering = std::thread::spawn(move || respond(&resp, Duration::from_secs(3)).unwrap());
    let ia = link.a.run(|| interface_index(&link.if_a).unwrap());
    let prober = link.a.run(|| {
        let s = RingSocket::bind(group, 0).unwrap();
        s.set_interface(ia).unwrap();
        s
    });
    let found = probe(
        &prober,
        SocketAddr::new(group, PORT),
        4,
        Duration::from_millis(500),
    )
    .unwrap();
    let (ttl, from) = found.expect("no answer up to TTL 4");
    assert_eq!(ttl, 2, "TTL 1 crossed the router, or TTL 2 did not");
    assert_eq!(from.ip(), responder);
    // Only the TTL 2 probe reached c (TTL 0 and 1 stayed behind).
    assert_eq!(answering.join().unwrap(), 1);
}

#[test]
fn ipv4_expanding_ring_search_finds_the_responder_behind_a_router_at_ttl_2() {
    require_privileges!();
    search(IpAddr::V4(Ipv4Addr::new(239, 1, 4, 1)), IpAddr::V4(ADDR_C));
}

#[test]
fn ipv6_expanding_ring_search_finds_the_responder_behind_a_router_at_hop_limit_2() {
    require_privileges!();
    let group = Ipv6Addr::new(0xff15, 0, 0, 0, 0, 0, 0x4b, 0x300);
    search(IpAddr::V6(group), IpAddr::V6(ADDR6_C));
}
