//! The IPv6 multicast-routing socket between namespaces: one per namespace,
//! MIFs by interface index in /proc/net/ip6_mr_vif, every MLD report on a
//! MIF's link (for groups this host never joined), NOCACHE upcalls for data
//! without a forwarding entry, and forwarding from one MIF to another, where
//! hop limit 1 does not cross the router and 2 does.

mod common6;

use std::net::{Ipv6Addr, SocketAddrV6};
use std::time::Duration;

use common6::recv_until;
use ipv4kit_net::{
    interface_index, ControlFlags, Datagram6Options, Ipv6Options, Mroute6Message, Mroute6Socket,
    MrouteFlush, PacketConn6, UpcallKind,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR6_A, LINK_LOCAL_B};

const WAIT: Duration = Duration::from_secs(3);
const GROUP: Ipv6Addr = Ipv6Addr::new(0xff15, 0, 0, 0, 0, 0, 0x4b, 0x200);
const PORT: u16 = 5602;

fn proc_net(file: &str) -> String {
    std::fs::read_to_string(format!("/proc/thread-self/net/{file}")).unwrap_or_default()
}

/// Receives on `m` until an upcall or message satisfies `pred`.
fn recv_msg_until(m: &Mroute6Socket, mut pred: impl FnMut(&Mroute6Message<'_>) -> bool) -> bool {
    recv_until(m.conn(), WAIT, |d, _| pred(&Mroute6Message::classify(d))).is_some()
}

#[test]
fn one_routing_socket_per_namespace_and_its_int_options() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    link.a.run(|| {
        let m = Mroute6Socket::new().unwrap();
        let e = Mroute6Socket::new().unwrap_err();
        assert!(e.is_mroute_in_use(), "{e}");
        assert!(e
            .to_string()
            .starts_with("setsockopt(MRT6_INIT) failed: another program"));
        assert_eq!(m.version().unwrap(), 0x0305);
        assert!(!m.assert().unwrap());
        m.set_assert(true).unwrap();
        assert!(m.assert().unwrap());
        m.set_pim(true).unwrap();
        assert!(m.pim().unwrap());
        m.done().unwrap();
        // Given up: another socket may take the role.
        Mroute6Socket::new().unwrap();
    });
    // The other namespace has its own.
    link.b.run(|| Mroute6Socket::new().unwrap());
}

#[test]
fn mifs_show_in_proc_and_go_away_with_del_mif_flush_and_drop() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let dev = link.if_a.clone();
    link.a.run(|| {
        let ia = interface_index(&dev).unwrap();
        let m = Mroute6Socket::new().unwrap();
        m.add_mif(3, ia).unwrap();
        assert_eq!(m.mifs(), [3]);
        assert!(
            proc_net("ip6_mr_vif").contains(&dev),
            "{}",
            proc_net("ip6_mr_vif")
        );
        let e = m.add_mif(3, ia).unwrap_err();
        assert_eq!(e.op(), "setsockopt(MRT6_ADD_MIF)");
        assert_eq!(e.raw_os_error(), Some(libc::EADDRINUSE));
        m.del_mif(3).unwrap();
        assert!(!proc_net("ip6_mr_vif").contains(&dev));
        let e = m.del_mif(3).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EADDRNOTAVAIL));
        assert_eq!(
            m.add_mif(32, ia).unwrap_err().kind(),
            std::io::ErrorKind::InvalidInput
        );
        m.add_mif(0, ia).unwrap();
        m.flush(MrouteFlush::DYNAMIC).unwrap();
        assert!(m.mifs().is_empty());
        assert!(!proc_net("ip6_mr_vif").contains(&dev));
        m.add_mif(1, ia).unwrap();
        drop(m);
        assert!(!proc_net("ip6_mr_vif").contains(&dev));
    });
}

/// Like IGMPv1/v2 reports on the IPv4 routing socket: MLDv1 reports go to
/// the group itself, which a router forwards, so with a MIF the kernel hands
/// them (Router Alert, MLD type) to the routing socket without any
/// membership. MLDv2 reports go to ff02::16, link-local: those need a
/// membership of ff02::16 (tests/mld.rs), as IGMPv3's need 224.0.0.22.
#[test]
fn with_a_mif_mldv1_reports_for_groups_never_joined_reach_the_routing_socket() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let ia = link.a.run(|| interface_index(&link.if_a).unwrap());
    let ib = link.b.run(|| interface_index(&link.if_b).unwrap());
    link.b
        .sysctl(
            &format!("net.ipv6.conf.{}.force_mld_version", link.if_b),
            "1",
        )
        .unwrap();
    let m = link.a.run(|| {
        let m = Mroute6Socket::new().unwrap();
        m.add_mif(0, ia).unwrap();
        m.set_control_message(ControlFlags::ALL, true).unwrap();
        m
    });
    let _member = link.b.run(|| {
        let s = PacketConn6::udp().unwrap();
        s.join_group(ib, GROUP).unwrap();
        s
    });
    let got = recv_until(m.conn(), WAIT, |d, meta| {
        *meta.src.ip() == LINK_LOCAL_B
            && d[0] == common6::MLD_V1_REPORT
            && common6::mld_v1_group(d) == Some(GROUP)
    });
    let (_, meta) = got.expect("no MLDv1 report on the routing socket");
    assert_eq!((meta.cm.ifindex, meta.cm.dst), (Some(ia), Some(GROUP)));
}

/// a - b - c: b routes with MIF 0 towards a and MIF 1 towards c.
fn routed() -> (
    Link,
    ipv4kit_testnet::Extension,
    Mroute6Socket,
    PacketConn6,
    PacketConn6,
) {
    let link = Link::with_ipv6().unwrap();
    let ext = link.extend().unwrap();
    let m = link.b.run(|| {
        let m = Mroute6Socket::new().unwrap();
        m.add_mif(0, interface_index(&link.if_b).unwrap()).unwrap();
        m.add_mif(1, interface_index(&ext.if_bc).unwrap()).unwrap();
        m
    });
    let tx = link.a.run(|| {
        let s = PacketConn6::bind_udp(SocketAddrV6::new(ADDR6_A, 0, 0, 0)).unwrap();
        s.set_multicast_interface(interface_index(&link.if_a).unwrap())
            .unwrap();
        s
    });
    let rx = ext.c.run(|| {
        let s =
            PacketConn6::bind_udp(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, PORT, 0, 0)).unwrap();
        s.join_group(interface_index(&ext.if_cb).unwrap(), GROUP)
            .unwrap();
        s.set_control_message(ControlFlags::HOP_LIMIT, true)
            .unwrap();
        s.set_read_timeout(Some(WAIT)).unwrap();
        s
    });
    (link, ext, m, tx, rx)
}

#[test]
fn data_without_a_forwarding_entry_comes_up_as_nocache() {
    require_privileges!();
    let (_link, _ext, m, tx, _rx) = routed();
    tx.set_multicast_hops(8).unwrap();
    tx.send_to(b"data", SocketAddrV6::new(GROUP, PORT, 0, 0), None)
        .unwrap();
    assert!(
        recv_msg_until(&m, |msg| matches!(msg, Mroute6Message::Upcall(u)
            if u.kind == UpcallKind::NoCache && u.src == ADDR6_A && u.dst == GROUP && u.mif == 0)),
        "no NOCACHE upcall"
    );
}

#[test]
fn a_forwarding_entry_routes_hop_limit_2_but_not_1() {
    require_privileges!();
    let (link, _ext, m, tx, rx) = routed();
    m.add_mfc(ADDR6_A, GROUP, 0, &[1]).unwrap();
    let to = SocketAddrV6::new(GROUP, PORT, 0, 0);
    tx.set_multicast_hops(1).unwrap();
    tx.send_to(b"hop limit 1", to, None).unwrap();
    tx.set_multicast_hops(2).unwrap();
    tx.send_to(b"hop limit 2", to, None).unwrap();
    let mut buf = [0u8; 64];
    let meta = rx.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..meta.len], b"hop limit 2", "hop limit 1 crossed b");
    assert_eq!(meta.cm.hop_limit, Some(1), "decremented by b");
    assert!(proc_net_of(&link.b, "ip6_mr_cache").contains("ff15"));
    m.del_mfc(ADDR6_A, GROUP, 0).unwrap();
    let e = m.del_mfc(ADDR6_A, GROUP, 0).unwrap_err();
    assert_eq!(e.op(), "setsockopt(MRT6_DEL_MFC)");
    assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
}

fn proc_net_of(ns: &ipv4kit_testnet::Netns, file: &str) -> String {
    ns.run(|| proc_net(file))
}
