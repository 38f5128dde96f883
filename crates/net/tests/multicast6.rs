//! IPv6 multicast with PacketConn6 (UDP) between two namespaces: every
//! sentence of the POSIX multicast guide's IPv6 part as a test, plus
//! source-specific joins and the option getters. "Does not arrive" is
//! checked without sleeping where possible: the unwanted datagram is sent
//! first, a wanted marker after it, and the receiver's first datagram must
//! be the marker (a veth link keeps order).

use std::net::{Ipv6Addr, SocketAddrV6};
use std::time::Duration;

use ipv4kit_net::{
    interface_index, ControlFlags, ControlMessage6, Datagram6Options, Ipv6Options, PacketConn6,
    RecvMeta6,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR6_A, ADDR6_B};

const PORT: u16 = 5601;

/// A UDP socket bound to [::]:PORT with SO_REUSEADDR, joined to `group` on
/// `ifindex` (if given), hop limit and pktinfo on, 2 s timeout.
fn member(group: Option<Ipv6Addr>, ifindex: u32) -> PacketConn6 {
    let c = PacketConn6::udp().unwrap();
    c.set_reuse_address(true).unwrap();
    c.bind(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, PORT, 0, 0))
        .unwrap();
    if let Some(g) = group {
        c.join_group(ifindex, g).unwrap();
    }
    c.set_control_message(ControlFlags::ALL, true).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    c
}

/// A UDP sender sending multicast out of `ifindex` (0: the default).
fn sender(ifindex: u32) -> PacketConn6 {
    let c = PacketConn6::bind_udp(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 0, 0, 0)).unwrap();
    c.set_multicast_interface(ifindex).unwrap();
    c
}

fn recv(c: &PacketConn6) -> (Vec<u8>, RecvMeta6) {
    let mut buf = [0u8; 1500];
    let m = c.recv_from(&mut buf).unwrap_or_else(|e| panic!("{e}"));
    (buf[..m.len].to_vec(), m)
}

fn assert_nothing_queued(c: &PacketConn6) {
    c.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 1500];
    match c.recv_from(&mut buf) {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("expected nothing queued, got {other:?}"),
    }
    c.set_nonblocking(false).unwrap();
}

fn indexes(link: &Link) -> (u32, u32) {
    (
        link.a.run(|| interface_index(&link.if_a).unwrap()),
        link.b.run(|| interface_index(&link.if_b).unwrap()),
    )
}

fn to(group: Ipv6Addr) -> SocketAddrV6 {
    SocketAddrV6::new(group, PORT, 0, 0)
}

fn group(n: u16) -> Ipv6Addr {
    // Transient, site-local scope (ff15::/16).
    Ipv6Addr::new(0xff15, 0, 0, 0, 0, 0, 0x4b, n)
}

/// This namespace's memberships of `group` on `dev` in /proc/net/igmp6 (its
/// user count), or None when it is not a member.
fn igmp6_users(dev: &str, group: Ipv6Addr) -> Option<u32> {
    let hex: String = group.octets().iter().map(|b| format!("{b:02x}")).collect();
    let text = std::fs::read_to_string("/proc/thread-self/net/igmp6").unwrap();
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.len() >= 4 && f[1] == dev && f[2] == hex).then(|| f[3].parse().unwrap())
    })
}

#[test]
fn default_multicast_hop_limit_is_one_and_it_arrives_as_one() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let (ia, ib) = indexes(&link);
    let g = group(1);
    let rx = link.b.run(|| member(Some(g), ib));
    let tx = link.a.run(|| sender(ia));
    assert_eq!(tx.multicast_hops().unwrap(), 1);
    tx.send_to(b"hop", to(g), None).unwrap();
    let (data, meta) = recv(&rx);
    assert_eq!(data, b"hop");
    assert_eq!(meta.cm.hop_limit, Some(1));
    assert_eq!(meta.cm.dst, Some(g));
    assert_eq!(meta.cm.ifindex, Some(ib));
    assert_eq!(*meta.src.ip(), ADDR6_A);
    // The per-datagram hop limit overrides the socket's.
    let cm = ControlMessage6 {
        hop_limit: Some(7),
        ..Default::default()
    };
    tx.send_to(b"seven", to(g), Some(&cm)).unwrap();
    assert_eq!(recv(&rx).1.cm.hop_limit, Some(7));
    tx.set_multicast_hops(9).unwrap();
    assert_eq!(tx.multicast_hops().unwrap(), 9);
    tx.send_to(b"nine", to(g), None).unwrap();
    assert_eq!(recv(&rx).1.cm.hop_limit, Some(9));
}

#[test]
fn hop_limit_zero_stays_on_the_host_and_is_delivered_locally_only_with_loopback_on() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let (ia, ib) = indexes(&link);
    let g = group(2);
    let rx = link.b.run(|| member(Some(g), ib));
    let (local, tx) = link.a.run(|| (member(Some(g), ia), sender(ia)));
    assert!(tx.multicast_loop().unwrap(), "loopback is on by default");
    tx.set_multicast_hops(0).unwrap();
    tx.send_to(b"host only", to(g), None).unwrap();
    tx.set_multicast_hops(1).unwrap();
    tx.send_to(b"link", to(g), None).unwrap();
    let (first, meta) = recv(&local);
    assert_eq!(first, b"host only");
    assert_eq!(meta.cm.hop_limit, Some(0));
    assert_eq!(recv(&local).0, b"link");
    assert_eq!(recv(&rx).0, b"link", "hop limit 0 left the host");
    // Loopback off: the sender's own host no longer hears it.
    tx.set_multicast_loop(false).unwrap();
    assert!(!tx.multicast_loop().unwrap());
    tx.send_to(b"not looped", to(g), None).unwrap();
    assert_eq!(recv(&rx).0, b"not looped");
    assert_nothing_queued(&local);
}

/// Where Linux and the guide part: the kernel drops a hop-limit-0 multicast
/// datagram only in the branch that loops it back (`ip6_finish_output2`),
/// so with loopback off it goes out on the link with hop limit 0 — unlike
/// IPv4, where TTL 0 never leaves the host whatever the loop setting.
/// (Receivers must not forward it; a router decrements to below zero.)
#[test]
fn with_loopback_off_linux_sends_hop_limit_zero_onto_the_link() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let (ia, ib) = indexes(&link);
    let g = group(10);
    let rx = link.b.run(|| member(Some(g), ib));
    let (local, tx) = link.a.run(|| (member(Some(g), ia), sender(ia)));
    tx.set_multicast_loop(false).unwrap();
    tx.set_multicast_hops(0).unwrap();
    tx.send_to(b"zero", to(g), None).unwrap();
    let (d, m) = recv(&rx);
    assert_eq!((d.as_slice(), m.cm.hop_limit), (&b"zero"[..], Some(0)));
    assert_nothing_queued(&local);
}

#[test]
fn multicast_interface_zero_picks_the_default_route() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    link.add_multicast_routes6().unwrap();
    let (_, ib) = indexes(&link);
    let g = group(3);
    let rx = link.b.run(|| member(Some(g), ib));
    let tx = link.a.run(|| sender(0));
    assert_eq!(tx.multicast_interface().unwrap(), 0);
    tx.send_to(b"by route", to(g), None).unwrap();
    assert_eq!(recv(&rx).0, b"by route");
    // Joining with interface 0 uses the route too.
    let rx0 = link.b.run(|| member(Some(group(4)), 0));
    tx.send_to(b"joined by route", to(group(4)), None).unwrap();
    assert_eq!(recv(&rx0).0, b"joined by route");
}

#[test]
fn two_sockets_on_one_port_with_reuse_address_both_receive() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let (ia, ib) = indexes(&link);
    let g = group(5);
    let (one, two) = link.b.run(|| (member(Some(g), ib), member(Some(g), ib)));
    assert!(one.reuse_address().unwrap());
    let tx = link.a.run(|| sender(ia));
    tx.send_to(b"both", to(g), None).unwrap();
    assert_eq!(recv(&one).0, b"both");
    assert_eq!(recv(&two).0, b"both");
}

#[test]
fn leaving_drops_the_membership_only_when_the_last_socket_leaves() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let (ia, ib) = indexes(&link);
    let g = group(6);
    let dev = link.if_b.clone();
    link.b.run(|| {
        let one = member(None, ib);
        let two = member(None, ib);
        assert_eq!(igmp6_users(&dev, g), None);
        one.join_group(ib, g).unwrap();
        // The basic API's IPV6_JOIN_GROUP joins the same membership.
        two.join_group_mreq(ib, g).unwrap();
        assert_eq!(igmp6_users(&dev, g), Some(2));
        one.leave_group(ib, g).unwrap();
        assert_eq!(igmp6_users(&dev, g), Some(1), "one socket still in");
        two.leave_group_mreq(ib, g).unwrap();
        assert_eq!(igmp6_users(&dev, g), None, "the last one left");
        // Leaving a group not joined is an error naming the option.
        let e = one.leave_group(ib, g).unwrap_err();
        assert_eq!(e.op(), "setsockopt(MCAST_LEAVE_GROUP)");
        assert_eq!(e.raw_os_error(), Some(libc::EADDRNOTAVAIL));
    });
    // And a socket that closes without leaving drops its membership too.
    let rx = link.b.run(|| member(Some(g), ib));
    let dev2 = dev.clone();
    assert_eq!(link.b.run(move || igmp6_users(&dev2, g)), Some(1));
    drop(rx);
    // The kernel drops the membership when the last reference to the
    // socket goes, which is not always at close(): a process another test
    // thread is spawning at that moment holds a copy of every descriptor
    // until it execs. So wait for it, a little.
    let gone = link.b.run(move || {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let users = igmp6_users(&dev, g);
            if users.is_none() || std::time::Instant::now() > until {
                break users;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    });
    assert_eq!(gone, None, "the socket closed without leaving");
    let _ = ia;
}

#[test]
fn multicast_all_off_limits_a_socket_to_its_own_groups() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let (ia, ib) = indexes(&link);
    let (g1, g2) = (group(7), group(8));
    let (_joined, other) = link.b.run(|| (member(Some(g1), ib), member(Some(g2), ib)));
    let tx = link.a.run(|| sender(ia));
    assert!(other.multicast_all().unwrap(), "Linux default");
    tx.send_to(b"g1 seen by all", to(g1), None).unwrap();
    assert_eq!(recv(&other).0, b"g1 seen by all");
    other.set_multicast_all(false).unwrap();
    assert!(!other.multicast_all().unwrap());
    tx.send_to(b"g1", to(g1), None).unwrap();
    tx.send_to(b"g2", to(g2), None).unwrap();
    assert_eq!(recv(&other).0, b"g2");
}

/// A second global address on a, the source of "the other" sender.
const ADDR6_A2: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 0x11);

fn from(src: Ipv6Addr) -> ControlMessage6 {
    ControlMessage6 {
        src: Some(src),
        ..Default::default()
    }
}

#[test]
fn source_specific_join_receives_only_from_the_joined_source() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    link.a
        .ip(&[
            "-6",
            "addr",
            "add",
            "2001:2::11/64",
            "dev",
            &link.if_a,
            "nodad",
        ])
        .unwrap();
    let (ia, ib) = indexes(&link);
    let g = Ipv6Addr::new(0xff3e, 0, 0, 0, 0, 0, 0x4b, 1); // SSM range ff3x::/96
    let rx = link.b.run(|| {
        let c = member(None, ib);
        c.join_source_group(ib, g, ADDR6_A).unwrap();
        c
    });
    let tx = link.a.run(|| sender(ia));
    tx.send_to(b"other", to(g), Some(&from(ADDR6_A2))).unwrap();
    tx.send_to(b"joined", to(g), Some(&from(ADDR6_A))).unwrap();
    let (d, m) = recv(&rx);
    assert_eq!((d.as_slice(), *m.src.ip()), (&b"joined"[..], ADDR6_A));
    rx.leave_source_group(ib, g, ADDR6_A).unwrap();
    let e = rx.leave_source_group(ib, g, ADDR6_A).unwrap_err();
    assert_eq!(e.op(), "setsockopt(MCAST_LEAVE_SOURCE_GROUP)");
    let _ = ADDR6_B;
}

#[test]
fn exclude_mode_block_drops_the_blocked_source_until_unblocked() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    link.a
        .ip(&[
            "-6",
            "addr",
            "add",
            "2001:2::11/64",
            "dev",
            &link.if_a,
            "nodad",
        ])
        .unwrap();
    let (ia, ib) = indexes(&link);
    let g = group(9);
    let rx = link.b.run(|| member(Some(g), ib));
    let tx = link.a.run(|| sender(ia));
    rx.block_source(ib, g, ADDR6_A2).unwrap();
    tx.send_to(b"blocked", to(g), Some(&from(ADDR6_A2)))
        .unwrap();
    tx.send_to(b"marker", to(g), Some(&from(ADDR6_A))).unwrap();
    assert_eq!(recv(&rx).0, b"marker");
    rx.unblock_source(ib, g, ADDR6_A2).unwrap();
    tx.send_to(b"unblocked", to(g), Some(&from(ADDR6_A2)))
        .unwrap();
    let (d, m) = recv(&rx);
    assert_eq!((d.as_slice(), *m.src.ip()), (&b"unblocked"[..], ADDR6_A2));
}

#[test]
fn unicast_options_round_trip_and_arrive() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let rx = link.b.run(|| {
        let c = PacketConn6::bind_udp(SocketAddrV6::new(ADDR6_B, PORT, 0, 0)).unwrap();
        c.set_control_message(ControlFlags::ALL, true).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        c
    });
    let tx = link.a.run(|| {
        let c = PacketConn6::udp().unwrap();
        c.set_only_v6(true).unwrap();
        c.bind(SocketAddrV6::new(ADDR6_A, 0, 0, 0)).unwrap();
        c
    });
    assert!(tx.only_v6().unwrap());
    assert_eq!(tx.unicast_hops().unwrap(), 64);
    tx.set_unicast_hops(33).unwrap();
    tx.set_traffic_class(0xb8).unwrap();
    assert_eq!(
        (tx.unicast_hops().unwrap(), tx.traffic_class().unwrap()),
        (33, 0xb8)
    );
    tx.send_to(b"u", SocketAddrV6::new(ADDR6_B, PORT, 0, 0), None)
        .unwrap();
    let m = recv(&rx).1;
    assert_eq!((m.cm.hop_limit, m.cm.traffic_class), (Some(33), Some(0xb8)));
    assert_eq!(m.cm.dst, Some(ADDR6_B));
    // Per datagram: traffic class and hop limit.
    let cm = ControlMessage6 {
        traffic_class: Some(0x20),
        hop_limit: Some(200),
        ..Default::default()
    };
    tx.send_to(b"v", SocketAddrV6::new(ADDR6_B, PORT, 0, 0), Some(&cm))
        .unwrap();
    let m = recv(&rx).1;
    assert_eq!(
        (m.cm.hop_limit, m.cm.traffic_class),
        (Some(200), Some(0x20))
    );
    // Switching one control message off leaves the others.
    rx.set_control_message(ControlFlags::TRAFFIC_CLASS, false)
        .unwrap();
    tx.send_to(b"w", SocketAddrV6::new(ADDR6_B, PORT, 0, 0), None)
        .unwrap();
    let m = recv(&rx).1;
    assert_eq!((m.cm.hop_limit, m.cm.traffic_class), (Some(33), None));
}

#[test]
fn link_local_traffic_carries_the_scope_id_both_ways() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let (ia, ib) = indexes(&link);
    let ll_b = ipv4kit_testnet::LINK_LOCAL_B;
    let rx = link.b.run(|| {
        let c = PacketConn6::bind_udp(SocketAddrV6::new(ll_b, PORT, 0, ib)).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        c
    });
    let addrs = link.a.run(|| ipv4kit_net::interface_addrs6_of(ia).unwrap());
    let ll = addrs.iter().find(|a| a.is_link_local()).unwrap();
    assert_eq!(
        (ll.addr, ll.scope_id, ll.prefix_len),
        (ipv4kit_testnet::LINK_LOCAL_A, ia, 64)
    );
    let global = addrs.iter().find(|a| a.addr == ADDR6_A).unwrap();
    assert_eq!(global.scope_id, 0);
    assert_eq!(
        link.a
            .run(|| ipv4kit_net::link_local_addr(ia).unwrap())
            .addr,
        ll.addr
    );
    let tx = link.a.run(|| sender(ia));
    tx.send_to(b"ll", SocketAddrV6::new(ll_b, PORT, 0, ia), None)
        .unwrap();
    let m = recv(&rx).1;
    assert_eq!((*m.src.ip(), m.src.scope_id()), (ll.addr, ib));
}

#[test]
fn option_errors_name_the_option_and_the_errno() {
    // No privileges needed: plain UDP sockets on the host.
    let c = PacketConn6::udp().unwrap();
    let e = c.set_multicast_interface(999_999).unwrap_err();
    assert_eq!(e.op(), "setsockopt(IPV6_MULTICAST_IF)");
    assert_eq!(e.raw_os_error(), Some(libc::ENODEV));
    let e = c.join_group(1, Ipv6Addr::LOCALHOST).unwrap_err();
    assert_eq!(e.op(), "setsockopt(MCAST_JOIN_GROUP)");
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
    assert_eq!(e.object(), Some("group ::1, ifindex 1"));
    assert!(
        e.to_string()
            .starts_with("setsockopt(MCAST_JOIN_GROUP) on group ::1, ifindex 1 failed"),
        "{e}"
    );
    // ICMP6_FILTER belongs to raw ICMPv6 sockets.
    let e = c.icmp6_filter().unwrap_err();
    assert_eq!(e.op(), "getsockopt(ICMP6_FILTER)");
}

#[test]
fn a_bpf_program_drops_ipv6_datagrams_until_detached() {
    use ipv4kit_net::BpfInstruction;
    let Ok(rx) = PacketConn6::bind_udp(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 0, 0, 0)) else {
        eprintln!("skipping: no IPv6 loopback here");
        return;
    };
    let tx = PacketConn6::bind_udp(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 0, 0, 0)).unwrap();
    let dst = rx.local_addr().unwrap();
    // BPF_RET | BPF_K with 0: accept nothing.
    rx.attach_filter(&[BpfInstruction::new(0x06, 0, 0, 0)])
        .unwrap();
    tx.send_to(b"dropped", dst, None).unwrap();
    rx.detach_filter().unwrap();
    tx.send_to(b"kept", dst, None).unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    assert_eq!(recv(&rx).0, b"kept");
}
