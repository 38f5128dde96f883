//! The multicast-routing socket between two namespaces: one per namespace,
//! VIFs by interface index, IGMPv1/v2 reports for groups the host never
//! joined, kernel upcalls for multicast data with no forwarding entry or on
//! the wrong VIF (asserts), the int options, one socket per routing table,
//! flushing entries and VIFs.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use ipv4kit_net::wire::igmp::IgmpMessage;
use ipv4kit_net::{
    interface_index, DatagramOptions, IpOptions, MrouteFlush, MrouteMessage, MrouteSocket,
    PacketConn, UpcallKind,
};
use ipv4kit_testnet::{require_privileges, Link, Netns, ADDR_A, ADDR_B};

const WAIT: Duration = Duration::from_secs(5);

/// Receives on `m` until `pred` accepts a message or `WAIT` passes.
fn recv_until(m: &MrouteSocket, mut pred: impl FnMut(&MrouteMessage<'_>) -> bool) -> bool {
    let end = Instant::now() + WAIT;
    let mut buf = [0u8; 2048];
    while Instant::now() < end {
        m.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        match m.recv(&mut buf) {
            Ok((n, _)) => {
                if pred(&MrouteMessage::classify(&buf[..n])) {
                    return true;
                }
            }
            Err(e) if common::is_nothing(&e) => {}
            Err(e) => panic!("{e}"),
        }
    }
    false
}

/// This namespace's `/proc/net/<file>`, as the calling thread sees it.
fn proc_net(file: &str) -> String {
    std::fs::read_to_string(format!("/proc/thread-self/net/{file}")).unwrap()
}

/// An address as `/proc/net/ip_mr_cache` prints it: the network-order
/// octets read as a native integer, in hex.
fn proc_hex(a: Ipv4Addr) -> String {
    format!("{:08X}", u32::from_ne_bytes(a.octets()))
}

#[test]
fn second_routing_socket_in_a_namespace_is_refused_as_in_use() {
    require_privileges!();
    let ns = Netns::new().unwrap();
    ns.run(|| {
        let first = MrouteSocket::new().unwrap();
        let e = MrouteSocket::new().unwrap_err();
        assert!(e.is_mroute_in_use(), "{e}");
        assert!(e.to_string().contains("another program"), "{e}");
        // MRT_DONE on drop frees the role for the next one.
        drop(first);
        let again = MrouteSocket::new().unwrap();
        again.done().unwrap();
        MrouteSocket::new().unwrap();
    });
}

#[test]
fn routing_sockets_of_two_namespaces_do_not_conflict() {
    require_privileges!();
    let link = Link::new().unwrap();
    let _a = link.a.run(|| MrouteSocket::new().unwrap());
    let _b = link.b.run(|| MrouteSocket::new().unwrap());
}

#[test]
fn vif_by_ifindex_shows_in_proc_and_goes_away_with_del_vif() {
    require_privileges!();
    let link = Link::new().unwrap();
    link.a.run(|| {
        let ia = interface_index(&link.if_a).unwrap();
        let m = MrouteSocket::new().unwrap();
        m.add_vif(3, ia).unwrap();
        assert_eq!(m.vifs(), vec![3]);
        let vifs = proc_net("ip_mr_vif");
        assert!(vifs.contains(&link.if_a), "{vifs}");
        // The number is taken.
        assert_eq!(
            m.add_vif(3, ia).unwrap_err().raw_os_error(),
            Some(libc::EADDRINUSE)
        );
        m.del_vif(3).unwrap();
        assert!(m.vifs().is_empty());
        let vifs = proc_net("ip_mr_vif");
        assert!(!vifs.contains(&link.if_a), "{vifs}");
        assert!(m.del_vif(3).is_err());
        assert_eq!(
            m.add_vif(32, ia).unwrap_err().kind(),
            std::io::ErrorKind::InvalidInput
        );
    });
}

#[test]
fn vifs_are_deleted_when_the_socket_is_dropped() {
    require_privileges!();
    let link = Link::new().unwrap();
    link.a.run(|| {
        let m = MrouteSocket::new().unwrap();
        m.add_vif(0, interface_index(&link.if_a).unwrap()).unwrap();
        drop(m);
        let vifs = proc_net("ip_mr_vif");
        assert!(!vifs.contains(&link.if_a), "{vifs}");
    });
}

#[test]
fn flush_deletes_entries_then_vifs_and_finding_nothing_is_no_error() {
    require_privileges!();
    let link = Link::new().unwrap();
    link.a.run(|| {
        let ia = interface_index(&link.if_a).unwrap();
        let m = MrouteSocket::new().unwrap();
        m.add_vif(0, ia).unwrap();
        let group = Ipv4Addr::new(239, 66, 0, 2);
        m.add_mfc(ADDR_B, group, 0, &[]).unwrap();
        let entry = proc_hex(group);
        assert!(proc_net("ip_mr_cache").contains(&entry));
        // Static ones only (added by other sockets): ours stay.
        m.flush(MrouteFlush {
            static_mfc: true,
            static_vifs: true,
            ..MrouteFlush::default()
        })
        .unwrap();
        assert!(proc_net("ip_mr_cache").contains(&entry));
        assert!(proc_net("ip_mr_vif").contains(&link.if_a));
        // Entries only: the VIF stays.
        let entries = MrouteFlush {
            mfc: true,
            ..MrouteFlush::default()
        };
        m.flush(entries).unwrap();
        assert!(!proc_net("ip_mr_cache").contains(&entry));
        assert!(proc_net("ip_mr_vif").contains(&link.if_a));
        assert_eq!(m.vifs(), vec![0]);
        // The socket's own VIFs, and the socket knows they are gone.
        m.flush(MrouteFlush::DYNAMIC).unwrap();
        assert!(!proc_net("ip_mr_vif").contains(&link.if_a));
        assert!(m.vifs().is_empty());
        m.flush(MrouteFlush::ALL).unwrap();
        // The number is free again, and drop has nothing stale to delete.
        m.add_vif(0, ia).unwrap();
        m.done().unwrap();
    });
}

#[test]
fn v2_report_for_a_group_never_joined_reaches_the_routing_socket() {
    require_privileges!();
    let link = Link::new().unwrap();
    let group = Ipv4Addr::new(239, 77, 1, 2);
    let m = link.a.run(|| {
        let m = MrouteSocket::new().unwrap();
        m.add_vif(0, interface_index(&link.if_a).unwrap()).unwrap();
        m
    });
    link.b
        .sysctl(
            &format!("net.ipv4.conf.{}.force_igmp_version", link.if_b),
            "2",
        )
        .unwrap();
    let _member = link.b.run(|| {
        let ib = interface_index(&link.if_b).unwrap();
        let c = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).unwrap();
        c.join_group(ib, group).unwrap();
        c
    });
    let seen = recv_until(&m, |msg| match msg {
        MrouteMessage::Datagram(Ok(ip)) => {
            ip.src() == ADDR_B
                && matches!(IgmpMessage::parse(ip.payload()),
                    Ok(IgmpMessage::ReportV2(r)) if r.group() == group)
        }
        _ => false,
    });
    assert!(
        seen,
        "no v2 report for {group} from b on the routing socket"
    );
}

#[test]
fn multicast_data_without_a_forwarding_entry_comes_up_as_nocache() {
    require_privileges!();
    let link = Link::new().unwrap();
    let group = Ipv4Addr::new(239, 88, 0, 1);
    let m = link.a.run(|| {
        let m = MrouteSocket::new().unwrap();
        m.add_vif(5, interface_index(&link.if_a).unwrap()).unwrap();
        m
    });
    let tx = link.b.run(|| {
        let c = PacketConn::bind_udp(SocketAddrV4::new(ADDR_B, 0)).unwrap();
        c.set_multicast_interface_index(interface_index(&link.if_b).unwrap())
            .unwrap();
        c.set_multicast_ttl(8).unwrap();
        c
    });
    for _ in 0..3 {
        tx.send_to(b"data", SocketAddrV4::new(group, 5000), None)
            .unwrap();
    }
    let seen = recv_until(&m, |msg| {
        matches!(msg, MrouteMessage::Upcall(u)
            if u.kind == UpcallKind::NoCache && u.dst == group && u.src == ADDR_B && u.vif == 5)
    });
    assert!(seen, "no NOCACHE upcall for ({ADDR_B}, {group}) on vif 5");
}
/// b as a router between a and c: its routing socket with VIF 0 towards a
/// and VIF 1 towards c (`if_bc`).
fn router_b(link: &Link, if_bc: &str) -> MrouteSocket {
    link.b.run(|| {
        let m = MrouteSocket::new().unwrap();
        m.add_vif(0, interface_index(&link.if_b).unwrap()).unwrap();
        m.add_vif(1, interface_index(if_bc).unwrap()).unwrap();
        m
    })
}

/// A UDP socket in a sending multicast out of a's veth with TTL 8, enough
/// to be routed.
fn multicast_sender_a(link: &Link) -> PacketConn {
    link.a.run(|| {
        let s = PacketConn::bind_udp(SocketAddrV4::new(ADDR_A, 0)).unwrap();
        s.set_multicast_interface_index(interface_index(&link.if_a).unwrap())
            .unwrap();
        s.set_multicast_ttl(8).unwrap();
        s
    })
}

#[test]
fn a_forwarding_entry_routes_multicast_from_one_vif_to_another() {
    require_privileges!();
    let link = Link::new().unwrap();
    let ext = link.extend().unwrap();
    let (c, if_bc, if_cb) = (&ext.c, ext.if_bc.as_str(), ext.if_cb.as_str());
    let group = Ipv4Addr::new(239, 66, 0, 1);
    // b is the router: VIF 0 towards a, VIF 1 towards c, and an entry
    // (a, group) from VIF 0 to VIF 1.
    let router = router_b(&link, if_bc);
    assert_eq!(
        router
            .add_mfc(ADDR_A, group, 0, &[(1, 255)])
            .unwrap_err()
            .kind(),
        std::io::ErrorKind::InvalidInput
    );
    router.add_mfc(ADDR_A, group, 0, &[(1, 1)]).unwrap();
    let cache = link.b.run(|| proc_net("ip_mr_cache"));
    assert!(
        cache
            .lines()
            .any(|l| l.starts_with(&format!("{} {}", proc_hex(group), proc_hex(ADDR_A)))),
        "{cache}"
    );
    // c listens on the group.
    let rx = c.run(|| {
        let s = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 5001)).unwrap();
        s.join_group(interface_index(if_cb).unwrap(), group)
            .unwrap();
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        s
    });
    let tx = multicast_sender_a(&link);
    let end = Instant::now() + WAIT;
    let mut buf = [0u8; 64];
    let mut got = None;
    while got.is_none() && Instant::now() < end {
        tx.send_to(b"routed", SocketAddrV4::new(group, 5001), None)
            .unwrap();
        match rx.recv_from(&mut buf) {
            Ok(m) => got = Some((buf[..m.len].to_vec(), m.src)),
            Err(e) if common::is_nothing(&e) => {}
            Err(e) => panic!("{e}"),
        }
    }
    let (data, src) = got.expect("c received nothing through b");
    assert_eq!(data, b"routed");
    assert_eq!(*src.ip(), ADDR_A);
    // The entry goes away with del_mfc; a second delete finds none.
    router.del_mfc(ADDR_A, group).unwrap();
    assert_eq!(
        router.del_mfc(ADDR_A, group).unwrap_err().raw_os_error(),
        Some(libc::ENOENT)
    );
}

#[test]
fn version_assert_and_pim_options_round_trip() {
    require_privileges!();
    let ns = Netns::new().unwrap();
    ns.run(|| {
        let m = MrouteSocket::new().unwrap();
        assert_eq!(m.version().unwrap(), 0x0305);
        assert!(!m.assert().unwrap(), "off after MRT_INIT");
        m.set_assert(true).unwrap();
        assert!(m.assert().unwrap());
        m.set_assert(false).unwrap();
        assert!(!m.assert().unwrap());
        assert!(!m.pim().unwrap());
        m.set_pim(true).unwrap();
        assert!(m.pim().unwrap());
        assert!(m.assert().unwrap(), "PIM mode turns asserts on");
        m.set_pim(false).unwrap();
        assert!(!m.pim().unwrap());
    });
}

#[test]
fn a_routing_socket_per_table_and_the_default_one_coexist() {
    require_privileges!();
    let ns = Netns::new().unwrap();
    ns.run(|| {
        let default = MrouteSocket::new().unwrap();
        let vrf = MrouteSocket::with_table(100).unwrap();
        let e = MrouteSocket::with_table(100).unwrap_err();
        assert!(e.is_mroute_in_use(), "{e}");
        // Table 253 (RT_TABLE_DEFAULT) is the one `new` took.
        assert!(MrouteSocket::with_table(253)
            .unwrap_err()
            .is_mroute_in_use());
        drop(vrf);
        MrouteSocket::with_table(100).unwrap();
        drop(default);
    });
}

#[test]
fn data_on_an_outgoing_vif_comes_up_as_wrongvif_only_with_asserts_on() {
    require_privileges!();
    let link = Link::new().unwrap();
    let ext = link.extend().unwrap();
    let if_bc = ext.if_bc.as_str();
    let group = Ipv4Addr::new(239, 66, 0, 2);
    // b routes (a, group) from VIF 1 (towards c) to VIF 0 (towards a), so
    // data from a arrives on the entry's outgoing VIF, not its incoming one.
    let router = router_b(&link, if_bc);
    router.add_mfc(ADDR_A, group, 1, &[(0, 1)]).unwrap();
    let tx = multicast_sender_a(&link);
    let send = || {
        tx.send_to(b"wrong way", SocketAddrV4::new(group, 5002), None)
            .unwrap()
    };
    let wrongvif = |msg: &MrouteMessage<'_>| {
        matches!(msg, MrouteMessage::Upcall(u)
            if u.kind == UpcallKind::WrongVif && u.src == ADDR_A && u.dst == group && u.vif == 0)
    };

    // Off: the data is dropped without a word.
    let mut buf = [0u8; 2048];
    router
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    for _ in 0..3 {
        send();
    }
    loop {
        match router.recv(&mut buf) {
            Ok((n, _)) => assert!(!wrongvif(&MrouteMessage::classify(&buf[..n]))),
            Err(e) if common::is_nothing(&e) => break,
            Err(e) => panic!("{e}"),
        }
    }

    router.set_assert(true).unwrap();
    send();
    assert!(
        recv_until(&router, |msg| {
            send();
            wrongvif(msg)
        }),
        "no WRONGVIF upcall for ({ADDR_A}, {group}) on vif 0"
    );
}
