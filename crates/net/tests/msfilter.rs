//! `MCAST_MSFILTER` (RFC 3678 §5.2) on real IPv4 and IPv6 sockets in a
//! test namespace: the filter set is the filter read back, `INCLUDE {}`
//! leaves, errors name the call, the option and the group; and a datagram
//! from an excluded source does not arrive while one from an included
//! source does.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, UdpSocket};
use std::time::Duration;

use ipv4kit_net::{
    interface_index, Datagram6Options, DatagramOptions, PacketConn6, SocketOptions,
    SourceFilterMode, SourceFilterOptions,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B};

const G4: Ipv4Addr = Ipv4Addr::new(239, 18, 3, 1);
const G6: Ipv6Addr = Ipv6Addr::new(0xff15, 0, 0, 0, 0, 0, 0x4b, 0x301);

fn v4(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 7, n)
}

fn v6(n: u16) -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 7, n)
}

#[test]
fn an_ipv4_filter_set_in_full_is_read_back_and_include_nothing_leaves() {
    require_privileges!();
    let link = Link::new().unwrap();
    link.a.run(|| {
        let ia = interface_index(&link.if_a).unwrap();
        let sock = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).unwrap();
        let s = SocketOptions::of(&sock);
        // Linux wants a membership before a filter.
        let e = s
            .set_source_filter(ia, G4, SourceFilterMode::Include, &[v4(1)])
            .unwrap_err();
        assert_eq!(e.op(), "setsockopt(MCAST_MSFILTER)");
        assert!(e.to_string().contains(&G4.to_string()), "{e}");
        s.join_group(ia, G4).unwrap();
        assert_eq!(
            s.source_filter(ia, G4).unwrap(),
            (SourceFilterMode::Exclude, vec![])
        );
        s.set_source_filter(ia, G4, SourceFilterMode::Include, &[v4(2), v4(1)])
            .unwrap();
        let (mode, mut got) = s.source_filter(ia, G4).unwrap();
        got.sort();
        assert_eq!((mode, got), (SourceFilterMode::Include, vec![v4(1), v4(2)]));
        s.set_source_filter(ia, G4, SourceFilterMode::Exclude, &[v4(3)])
            .unwrap();
        assert_eq!(
            s.source_filter(ia, G4).unwrap(),
            (SourceFilterMode::Exclude, vec![v4(3)])
        );
        // More sources than igmp_max_msf (10 by default): ENOBUFS, named.
        let many: Vec<Ipv4Addr> = (1..=11).map(v4).collect();
        let e = s
            .set_source_filter(ia, G4, SourceFilterMode::Include, &many)
            .unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOBUFS), "{e}");
        s.set_source_filter(ia, G4, SourceFilterMode::Include, &[])
            .unwrap();
        let e = s.source_filter(ia, G4).unwrap_err();
        assert_eq!(e.op(), "getsockopt(MCAST_MSFILTER)");
        assert_eq!(e.raw_os_error(), Some(libc::EADDRNOTAVAIL), "{e}");
    });
}

#[test]
fn an_ipv6_filter_set_in_full_is_read_back() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    link.a.run(|| {
        let ia = interface_index(&link.if_a).unwrap();
        let s = PacketConn6::udp().unwrap();
        s.join_group(ia, G6).unwrap();
        s.set_source_filter(ia, G6, SourceFilterMode::Include, &[v6(1), v6(2)])
            .unwrap();
        let (mode, mut got) = s.source_filter(ia, G6).unwrap();
        got.sort();
        assert_eq!((mode, got), (SourceFilterMode::Include, vec![v6(1), v6(2)]));
        s.set_source_filter(ia, G6, SourceFilterMode::Exclude, &[v6(9)])
            .unwrap();
        assert_eq!(
            s.source_filter(ia, G6).unwrap(),
            (SourceFilterMode::Exclude, vec![v6(9)])
        );
        // The group's family must be the socket's.
        let e = s
            .set_source_filter(ia, G4, SourceFilterMode::Include, &[v4(1)])
            .unwrap_err();
        assert!(e.to_string().contains("MCAST_MSFILTER"), "{e}");
    });
}

#[test]
fn an_excluded_source_is_filtered_and_an_included_one_arrives() {
    require_privileges!();
    let link = Link::new().unwrap();
    link.add_multicast_routes().unwrap();
    let ia = link.a.run(|| interface_index(&link.if_a).unwrap());
    let rx = link.a.run(|| {
        let s = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 5603)).unwrap();
        SocketOptions::of(&s).join_group(ia, G4).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        s
    });
    let tx = link
        .b
        .run(|| UdpSocket::bind(SocketAddrV4::new(ADDR_B, 0)).unwrap());
    let to = SocketAddrV4::new(G4, 5603);
    let mut buf = [0u8; 16];
    SocketOptions::of(&rx)
        .set_source_filter(ia, G4, SourceFilterMode::Exclude, &[ADDR_B])
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    tx.send_to(b"blocked", to).unwrap();
    rx.set_nonblocking(true).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(rx.recv_from(&mut buf).is_err(), "EXCLUDE {{b}} drops b");
    rx.set_nonblocking(false).unwrap();
    SocketOptions::of(&rx)
        .set_source_filter(ia, G4, SourceFilterMode::Include, &[ADDR_B, ADDR_A])
        .unwrap();
    tx.send_to(b"wanted", to).unwrap();
    let (n, from) = rx.recv_from(&mut buf).unwrap();
    assert_eq!(
        (&buf[..n], from.ip()),
        (&b"wanted"[..], std::net::IpAddr::V4(ADDR_B))
    );
}
