//! Raw ICMPv6 sockets between two namespaces: the checksum the kernel
//! computes and checks (`IPV6_CHECKSUM`), the 256-type `ICMP6_FILTER`,
//! hop-by-hop options per datagram and sticky (`IPV6_HOPOPTS`) as tshark
//! decodes them, and `IPV6_ROUTER_ALERT`.

mod common6;

use std::net::{Ipv6Addr, SocketAddrV6};
use std::time::Duration;

use common6::{icmpv6_checksum, recv_until, tshark_complains, Capture};
use ipv4kit_net::{
    interface_index, ControlFlags, ControlMessage6, Datagram6Options, HopByHopOptions, Icmp6Filter,
    Ipv6Options, PacketConn6, IPPROTO_ICMPV6,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR6_A, ADDR6_B};

const WAIT: Duration = Duration::from_secs(2);

fn icmp6() -> PacketConn6 {
    let c = PacketConn6::raw(IPPROTO_ICMPV6).unwrap();
    c.set_control_message(ControlFlags::ALL, true).unwrap();
    c
}

fn to(a: Ipv6Addr) -> SocketAddrV6 {
    SocketAddrV6::new(a, 0, 0, 0)
}

/// An ICMPv6 message of type `ty` with an identifying byte, checksum zero.
fn msg(ty: u8, id: u8) -> [u8; 8] {
    [ty, 0, 0, 0, 0, 0, 0, id]
}

#[test]
fn the_kernel_computes_the_icmpv6_checksum_over_the_pseudo_header_and_it_cannot_be_changed() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let rx = link.b.run(icmp6);
    let tx = link.a.run(icmp6);
    assert_eq!(tx.checksum_offset().unwrap(), Some(2));
    let e = tx.set_checksum_offset(Some(4)).unwrap_err();
    assert_eq!(e.op(), "setsockopt(IPV6_CHECKSUM)");
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
    let e = tx.set_checksum_offset(None).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
    // Whatever the checksum field holds, the kernel overwrites it.
    let mut m = msg(200, 1);
    m[2..4].copy_from_slice(&[0xde, 0xad]);
    tx.send_to(&m, to(ADDR6_B), None).unwrap();
    let (got, meta) = recv_until(&rx, WAIT, |d, _| d[0] == 200).expect("arrived");
    assert_eq!(*meta.src.ip(), ADDR6_A);
    assert_eq!(icmpv6_checksum(ADDR6_A, ADDR6_B, &got), 0, "{got:02x?}");
    assert_ne!(&got[2..4], &[0xde, 0xad]);
}

#[test]
fn other_raw_protocols_get_a_checksum_only_where_asked() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let (tx, rx) = (
        link.a.run(|| PacketConn6::raw(253).unwrap()),
        link.b.run(|| PacketConn6::raw(253).unwrap()),
    );
    assert_eq!(tx.checksum_offset().unwrap(), None);
    tx.set_checksum_offset(Some(4)).unwrap();
    assert_eq!(tx.checksum_offset().unwrap(), Some(4));
    rx.set_read_timeout(Some(WAIT)).unwrap();
    tx.send_to(&[9, 9, 9, 9, 0, 0, 7, 7], to(ADDR6_B), None)
        .unwrap();
    let mut buf = [0u8; 64];
    let m = rx.recv_from(&mut buf).unwrap();
    let got = &buf[..m.len];
    // The sum over the pseudo-header with next header 253 is zero.
    let mut ph = Vec::new();
    ph.extend_from_slice(&ADDR6_A.octets());
    ph.extend_from_slice(&ADDR6_B.octets());
    ph.extend_from_slice(&(got.len() as u32).to_be_bytes());
    ph.extend_from_slice(&[0, 0, 0, 253]);
    ph.extend_from_slice(got);
    assert_eq!(ipv4kit_net::wire::checksum::checksum(&ph), 0);
    assert_ne!(&got[4..6], &[0, 0]);
    // An odd offset is refused.
    let e = tx.set_checksum_offset(Some(3)).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
    tx.set_checksum_offset(None).unwrap();
    assert_eq!(tx.checksum_offset().unwrap(), None);
}

#[test]
fn the_icmp6_filter_blocks_any_of_the_256_types_and_reads_back() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let rx = link.b.run(icmp6);
    let tx = link.a.run(icmp6);
    assert_eq!(rx.icmp6_filter().unwrap(), Icmp6Filter::pass_all());
    let mut f = Icmp6Filter::pass_all();
    f.block(200).block(3).block(255);
    rx.set_icmp6_filter(&f).unwrap();
    assert_eq!(rx.icmp6_filter().unwrap(), f);
    for ty in [200, 3, 255, 201] {
        tx.send_to(&msg(ty, 0), to(ADDR6_B), None).unwrap();
    }
    let (first, _) =
        recv_until(&rx, WAIT, |d, _| [3, 200, 201, 255].contains(&d[0])).expect("something");
    assert_eq!(first[0], 201, "a blocked type came through");
    // Only one type passes.
    let mut only = Icmp6Filter::block_all();
    only.pass(250);
    rx.set_icmp6_filter(&only).unwrap();
    for ty in [128, 200, 250] {
        tx.send_to(&msg(ty, 1), to(ADDR6_B), None).unwrap();
    }
    let (first, _) =
        recv_until(&rx, WAIT, |d, _| [128, 200, 250].contains(&d[0])).expect("something");
    assert_eq!(first[0], 250);
}

#[test]
fn hop_by_hop_options_per_datagram_and_sticky_reach_the_wire_as_tshark_decodes_them() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let ia = link.a.run(|| interface_index(&link.if_a).unwrap());
    let tx = link.a.run(icmp6);
    let cap = Capture::start(&link.b, &link.if_b, "ip6");
    // Per datagram (IPV6_HOPOPTS control message) with hop limit and class.
    let cm = ControlMessage6 {
        hop_by_hop: Some(HopByHopOptions::ROUTER_ALERT_MLD),
        hop_limit: Some(3),
        traffic_class: Some(0x28),
        ifindex: Some(ia),
        src: Some(ADDR6_A),
        ..Default::default()
    };
    tx.send_to(&msg(200, 1), to(ADDR6_B), Some(&cm)).unwrap();
    // Sticky, for every datagram; read back; removed with an empty slice.
    assert_eq!(tx.hop_by_hop_options().unwrap(), Vec::<u8>::new());
    tx.set_hop_by_hop_options(HopByHopOptions::ROUTER_ALERT_MLD.as_bytes())
        .unwrap();
    let sticky = tx.hop_by_hop_options().unwrap();
    assert_eq!(
        &sticky[1..],
        &HopByHopOptions::ROUTER_ALERT_MLD.as_bytes()[1..]
    );
    tx.send_to(&msg(200, 2), to(ADDR6_B), None).unwrap();
    tx.set_hop_by_hop_options(&[]).unwrap();
    tx.send_to(&msg(200, 3), to(ADDR6_B), None).unwrap();
    let text = cap.decode();
    assert!(!tshark_complains(&text), "{text}");
    let frames: Vec<&str> = text.split("\nFrame ").collect();
    let ours: Vec<&&str> = frames
        .iter()
        .filter(|f| f.contains("Type: Private experimentation (200)"))
        .collect();
    assert_eq!(ours.len(), 3, "{text}");
    for f in &ours[..2] {
        assert!(f.contains("IPv6 Hop-by-Hop Option"), "{f}");
        assert!(f.contains("Router Alert"), "{f}");
        assert!(f.contains("Router Alert: MLD (0)"), "{f}");
    }
    assert!(ours[0].contains("Hop Limit: 3"), "{}", ours[0]);
    assert!(ours[0].contains("0x28"), "{}", ours[0]);
    assert!(!ours[2].contains("Hop-by-Hop"), "{}", ours[2]);
    for f in &ours {
        assert!(f.contains("[Checksum Status: Good]"), "{f}");
    }
}

#[test]
fn a_sticky_hop_by_hop_header_with_a_wrong_length_byte_is_refused() {
    require_privileges!();
    let c = PacketConn6::udp().unwrap();
    // A header whose length byte disagrees with its size: the kernel refuses.
    let e = c
        .set_hop_by_hop_options(&[0, 1, 5, 2, 0, 0, 1, 0])
        .unwrap_err();
    assert_eq!(e.op(), "setsockopt(IPV6_HOPOPTS)");
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
}

#[test]
/// Linux delivers Router Alert datagrams only to `IPPROTO_RAW` sockets:
/// the option is refused on every other one, raw ICMPv6 included.
fn router_alert_is_for_ipproto_raw_sockets_only_and_takes_a_value() {
    require_privileges!();
    let raw = PacketConn6::raw(libc::IPPROTO_RAW as u8).unwrap();
    raw.set_router_alert(Some(0)).unwrap();
    // The same value twice is in use; removing it works once.
    let e = raw.set_router_alert(Some(0)).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EADDRINUSE));
    raw.set_router_alert(None).unwrap();
    for other in [icmp6(), PacketConn6::udp().unwrap()] {
        let e = other.set_router_alert(Some(0)).unwrap_err();
        assert_eq!(e.op(), "setsockopt(IPV6_ROUTER_ALERT)");
        assert_eq!(e.raw_os_error(), Some(libc::ENOPROTOOPT));
    }
}

#[test]
fn raw_icmpv6_batches_carry_per_datagram_control_messages_across_the_link() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let ia = link.a.run(|| interface_index(&link.if_a).unwrap());
    let rx = link.b.run(icmp6);
    let mut only = Icmp6Filter::block_all();
    only.pass(201);
    rx.set_icmp6_filter(&only).unwrap();
    rx.set_read_timeout(Some(WAIT)).unwrap();
    let tx = link.a.run(icmp6);
    let mut out = ipv4kit_net::SendBatch::new(8, 64);
    for i in 0..8u8 {
        let cm = ControlMessage6 {
            hop_limit: Some(10 + i),
            ifindex: Some(ia),
            ..Default::default()
        };
        out.push6(to(ADDR6_B), &msg(201, i), Some(&cm)).unwrap();
    }
    let mut from = 0;
    while from < out.len() {
        from += tx.send_batch(&mut out, from).unwrap();
    }
    let mut inb = ipv4kit_net::RecvBatch::new(8, 64);
    let mut got = Vec::new();
    while got.len() < 8 {
        rx.recv_batch(&mut inb).unwrap();
        for d in inb.iter6() {
            assert_eq!(icmpv6_checksum(ADDR6_A, ADDR6_B, d.data), 0);
            assert_eq!(*d.meta.src.ip(), ADDR6_A);
            assert_eq!(d.meta.cm.dst, Some(ADDR6_B));
            got.push((d.data[7], d.meta.cm.hop_limit));
        }
    }
    let want: Vec<_> = (0..8u8).map(|i| (i, Some(10 + i))).collect();
    assert_eq!(got, want);
}
