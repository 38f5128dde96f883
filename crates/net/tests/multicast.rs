//! Multicast and source-specific multicast with PacketConn (UDP) between two
//! namespaces. "Does not arrive" is checked without sleeping where possible:
//! the unwanted datagram is sent first, a wanted marker after it, and the
//! receiver's first datagram must be the marker (a veth link keeps order).

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};

use common::{is_nothing, timeout};
use ipv4kit_net::{
    interface_index, ControlFlags, ControlMessage, DatagramOptions, IpOptions, PacketConn,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B};

const PORT: u16 = 5001;
const ADDR_A2: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 11);

/// A UDP socket bound to 0.0.0.0:PORT with SO_REUSEADDR, joined to `group`
/// on `ifindex` (if given), all control messages on, 2 s timeout.
fn member(group: Option<Ipv4Addr>, ifindex: u32) -> PacketConn {
    let c = PacketConn::udp().unwrap();
    c.set_reuse_address(true).unwrap();
    c.bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, PORT))
        .unwrap();
    if let Some(g) = group {
        c.join_group(ifindex, g).unwrap();
    }
    c.set_control_message(ControlFlags::ALL, true).unwrap();
    timeout(&c, 2000);
    c
}

/// A UDP sender in the calling namespace sending multicast out of `ifindex`.
fn sender(ifindex: u32) -> PacketConn {
    let c = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).unwrap();
    c.set_multicast_interface_index(ifindex).unwrap();
    c
}

fn recv(c: &PacketConn) -> (Vec<u8>, ipv4kit_net::RecvMeta) {
    let mut buf = [0u8; 1500];
    let m = c.recv_from(&mut buf).unwrap_or_else(|e| panic!("{e}"));
    (buf[..m.len].to_vec(), m)
}

fn assert_nothing_queued(c: &PacketConn) {
    c.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 1500];
    match c.recv_from(&mut buf) {
        Err(e) if is_nothing(&e) => {}
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

fn to(group: Ipv4Addr) -> SocketAddrV4 {
    SocketAddrV4::new(group, PORT)
}

#[test]
fn multicast_goes_out_the_chosen_interface_with_the_chosen_ttl() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (ia, ib) = indexes(&link);
    let g = Ipv4Addr::new(239, 1, 1, 1);
    let rx = link.b.run(|| member(Some(g), ib));
    let tx = link.a.run(|| sender(ia));
    tx.set_multicast_ttl(5).unwrap();
    assert_eq!(tx.multicast_ttl().unwrap(), 5);
    tx.set_tos(0x28).unwrap();
    tx.send_to(b"hello group", to(g), None).unwrap();
    let (data, m) = recv(&rx);
    assert_eq!(data, b"hello group");
    assert_eq!(*m.src.ip(), ADDR_A);
    assert_eq!(m.cm.dst, Some(g));
    assert_eq!(m.cm.ifindex, Some(ib));
    assert_eq!(m.cm.ttl, Some(5));
    assert_eq!(m.cm.tos, Some(0x28));

    // By address too; the getter answers with the address.
    tx.set_multicast_interface_addr(ADDR_A).unwrap();
    assert_eq!(tx.multicast_interface().unwrap(), ADDR_A);
    tx.send_to(b"by address", to(g), None).unwrap();
    assert_eq!(recv(&rx).0, b"by address");
}

#[test]
fn unicast_control_messages_carry_ttl_tos_destination_and_interface() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (_, ib) = indexes(&link);
    let rx = link.b.run(|| member(None, 0));
    let tx = link
        .a
        .run(|| PacketConn::bind_udp(SocketAddrV4::new(ADDR_A, 0)).unwrap());
    tx.set_ttl(42).unwrap();
    tx.set_tos(0x10).unwrap();
    assert_eq!((tx.ttl().unwrap(), tx.tos().unwrap()), (42, 0x10));
    tx.send_to(b"u", SocketAddrV4::new(ADDR_B, PORT), None)
        .unwrap();
    let (_, m) = recv(&rx);
    assert_eq!(
        m.cm,
        ControlMessage {
            ttl: Some(42),
            tos: Some(0x10),
            dst: Some(ADDR_B),
            ifindex: Some(ib),
            src: None,
        }
    );
    assert_eq!(m.src, tx.local_addr().unwrap());
}

#[test]
fn join_without_an_interface_needs_a_route() {
    require_privileges!();
    let link = Link::new().unwrap();
    let g = Ipv4Addr::new(239, 1, 1, 2);
    link.b.run(|| {
        let c = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, PORT)).unwrap();
        let e = c.join_group(0, g).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENODEV), "{e}");
        // The error names the option and what it was about.
        assert!(
            e.to_string()
                .starts_with("setsockopt(MCAST_JOIN_GROUP) on group 239.1.1.2, ifindex 0 failed"),
            "{e}"
        );
    });
    link.add_multicast_routes().unwrap();
    link.b.run(|| {
        let c = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, PORT)).unwrap();
        c.join_group(0, g).unwrap();
    });
}

#[test]
fn leave_stops_delivery_on_the_chosen_interface() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (ia, ib) = indexes(&link);
    let g = Ipv4Addr::new(239, 1, 1, 3);
    let rx = link.b.run(|| member(Some(g), ib));
    let tx = link.a.run(|| sender(ia));
    tx.send_to(b"joined", to(g), None).unwrap();
    assert_eq!(recv(&rx).0, b"joined");
    rx.leave_group(ib, g).unwrap();
    tx.send_to(b"left", to(g), None).unwrap();
    timeout(&rx, 300);
    let mut buf = [0u8; 64];
    let e = rx.recv_from(&mut buf).unwrap_err();
    assert!(is_nothing(&e), "{e}");
    // Leaving twice is an error the kernel names.
    let e = rx.leave_group(ib, g).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EADDRNOTAVAIL), "{e}");
}

#[test]
fn two_sockets_sharing_one_port_both_receive() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (ia, ib) = indexes(&link);
    let g = Ipv4Addr::new(239, 1, 1, 4);
    let (r1, r2) = link.b.run(|| (member(Some(g), ib), member(Some(g), ib)));
    assert!(r1.reuse_address().unwrap());
    let tx = link.a.run(|| sender(ia));
    tx.send_to(b"both", to(g), None).unwrap();
    assert_eq!(recv(&r1).0, b"both");
    assert_eq!(recv(&r2).0, b"both");
}

#[test]
fn with_loopback_off_the_sender_does_not_hear_itself() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (ia, ib) = indexes(&link);
    let g = Ipv4Addr::new(239, 1, 1, 5);
    let rx = link.b.run(|| member(Some(g), ib));
    // The sender is itself a member of the group on the same port.
    let me = link.a.run(|| {
        let c = member(Some(g), ia);
        c.set_multicast_interface_index(ia).unwrap();
        c
    });
    assert!(me.multicast_loop().unwrap(), "loopback is on by default");
    me.set_multicast_loop(false).unwrap();
    assert!(!me.multicast_loop().unwrap());
    me.send_to(b"quiet", to(g), None).unwrap();
    me.set_multicast_loop(true).unwrap();
    me.send_to(b"loud", to(g), None).unwrap();
    assert_eq!(recv(&me).0, b"loud", "the loop-off datagram came back");
    assert_eq!(recv(&rx).0, b"quiet", "the other host hears both");
    assert_eq!(recv(&rx).0, b"loud");
}

#[test]
fn multicast_ttl_zero_stays_on_the_host() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (ia, ib) = indexes(&link);
    let g = Ipv4Addr::new(239, 1, 1, 6);
    let rx = link.b.run(|| member(Some(g), ib));
    let (local, tx) = link.a.run(|| (member(Some(g), ia), sender(ia)));
    tx.set_multicast_ttl(0).unwrap();
    tx.send_to(b"host only", to(g), None).unwrap();
    tx.set_multicast_ttl(1).unwrap();
    tx.send_to(b"link", to(g), None).unwrap();
    assert_eq!(recv(&local).0, b"host only");
    assert_eq!(recv(&local).0, b"link");
    assert_eq!(recv(&rx).0, b"link", "TTL 0 left the host");
}

#[test]
fn multicast_all_off_limits_a_socket_to_its_own_groups() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (ia, ib) = indexes(&link);
    let (g1, g2) = (Ipv4Addr::new(239, 1, 1, 7), Ipv4Addr::new(239, 1, 1, 8));
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

/// Link with a second address on a, and sockets: b's receiver (caller joins),
/// a's sender that picks its source per datagram with IP_PKTINFO.
fn ssm_setup() -> (Link, u32, u32) {
    let link = Link::new().unwrap();
    link.add_addr_a(ADDR_A2).unwrap();
    let (ia, ib) = indexes(&link);
    (link, ia, ib)
}

fn from(src: Ipv4Addr) -> ControlMessage {
    ControlMessage {
        src: Some(src),
        ..Default::default()
    }
}

#[test]
fn source_specific_join_receives_only_from_the_joined_source() {
    require_privileges!();
    let (link, ia, ib) = ssm_setup();
    let g = Ipv4Addr::new(232, 1, 1, 1);
    let rx = link.b.run(|| {
        let c = member(None, ib);
        c.join_source_group(ib, g, ADDR_A2).unwrap();
        c
    });
    let tx = link.a.run(|| sender(ia));
    tx.send_to(b"from A", to(g), Some(&from(ADDR_A))).unwrap();
    tx.send_to(b"from A2", to(g), Some(&from(ADDR_A2))).unwrap();
    let (data, m) = recv(&rx);
    assert_eq!(data, b"from A2");
    assert_eq!(*m.src.ip(), ADDR_A2);
    assert_nothing_queued(&rx);

    // Adding the other source lets it in; removing the first shuts it out.
    rx.join_source_group(ib, g, ADDR_A).unwrap();
    rx.leave_source_group(ib, g, ADDR_A2).unwrap();
    tx.send_to(b"from A2", to(g), Some(&from(ADDR_A2))).unwrap();
    tx.send_to(b"from A", to(g), Some(&from(ADDR_A))).unwrap();
    let (data, m) = recv(&rx);
    assert_eq!((data.as_slice(), *m.src.ip()), (&b"from A"[..], ADDR_A));
    assert_nothing_queued(&rx);
}

#[test]
fn exclude_mode_block_drops_the_blocked_source_until_unblocked() {
    require_privileges!();
    let (link, ia, ib) = ssm_setup();
    let g = Ipv4Addr::new(239, 1, 2, 1);
    let rx = link.b.run(|| {
        let c = member(Some(g), ib);
        c.block_source(ib, g, ADDR_A2).unwrap();
        c
    });
    let tx = link.a.run(|| sender(ia));
    tx.send_to(b"blocked", to(g), Some(&from(ADDR_A2))).unwrap();
    tx.send_to(b"open", to(g), Some(&from(ADDR_A))).unwrap();
    let (data, m) = recv(&rx);
    assert_eq!((data.as_slice(), *m.src.ip()), (&b"open"[..], ADDR_A));
    assert_nothing_queued(&rx);

    rx.unblock_source(ib, g, ADDR_A2).unwrap();
    tx.send_to(b"unblocked", to(g), Some(&from(ADDR_A2)))
        .unwrap();
    let (data, m) = recv(&rx);
    assert_eq!((data.as_slice(), *m.src.ip()), (&b"unblocked"[..], ADDR_A2));
}
