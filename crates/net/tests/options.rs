//! Socket options: setters and getters agree, errors name the option, and
//! the options that change delivery do (GTSM's minimum TTL).

mod common;

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::time::Duration;

use common::is_nothing;
use ipv4kit_net::{
    Conn, ControlFlags, DatagramOptions, IpOptions, PacketConn, RawConn, RecvBatch, SocketOptions,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR_B};

fn udp() -> PacketConn {
    PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap()
}

#[test]
fn unicast_ttl_and_tos_round_trip() {
    let c = udp();
    c.set_ttl(3).unwrap();
    c.set_tos(0xb8).unwrap();
    assert_eq!((c.ttl().unwrap(), c.tos().unwrap()), (3, 0xb8));
}

#[test]
fn multicast_options_round_trip() {
    let c = udp();
    c.set_multicast_ttl(32).unwrap();
    assert_eq!(c.multicast_ttl().unwrap(), 32);
    c.set_multicast_loop(false).unwrap();
    assert!(!c.multicast_loop().unwrap());
    c.set_multicast_all(false).unwrap();
    assert!(!c.multicast_all().unwrap());
    c.set_multicast_interface_addr(Ipv4Addr::LOCALHOST).unwrap();
    assert_eq!(c.multicast_interface().unwrap(), Ipv4Addr::LOCALHOST);
    c.set_multicast_interface_index(1).unwrap();
    assert_eq!(c.multicast_interface().unwrap(), Ipv4Addr::UNSPECIFIED);
}

#[test]
fn reuse_options_round_trip() {
    let c = PacketConn::udp().unwrap();
    assert!(!c.reuse_address().unwrap());
    c.set_reuse_address(true).unwrap();
    c.set_reuse_port(true).unwrap();
    assert!(c.reuse_address().unwrap() && c.reuse_port().unwrap());
}

#[test]
fn min_ttl_round_trips() {
    let c = udp();
    assert_eq!(c.min_ttl().unwrap(), 0);
    c.set_min_ttl(255).unwrap();
    assert_eq!(c.min_ttl().unwrap(), 255);
}

#[test]
fn timeouts_and_nonblocking_mode() {
    let c = udp();
    assert_eq!(c.read_timeout().unwrap(), None);
    c.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    c.set_write_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    assert_eq!(c.read_timeout().unwrap(), Some(Duration::from_millis(100)));
    assert_eq!(c.write_timeout().unwrap(), Some(Duration::from_millis(200)));
    let mut buf = [0u8; 16];
    assert!(is_nothing(&c.recv_from(&mut buf).unwrap_err()));
    c.set_nonblocking(true).unwrap();
    let mut batch = RecvBatch::new(4, 64);
    let e = c.recv_batch(&mut batch).unwrap_err();
    assert!(is_nothing(&e));
    assert_eq!(e.op(), "recvmmsg");
    assert!(batch.is_empty());
}

#[test]
fn recv_buffer_grows_past_rmem_max_with_the_force_option_when_privileged() {
    let c = udp();
    c.set_recv_buffer_size(1 << 16).unwrap();
    assert!(c.recv_buffer_size().unwrap() >= 1 << 16);
    require_privileges!();
    let big = 64 << 20; // far above the default net.core.rmem_max
    c.set_recv_buffer_size(big).unwrap();
    assert!(c.recv_buffer_size().unwrap() >= big);
}

#[test]
fn bind_to_device_round_trips_and_names_the_option_on_error() {
    require_privileges!();
    let c = udp();
    c.bind_to_device(Some("lo")).unwrap();
    assert_eq!(c.device().unwrap().as_deref(), Some("lo"));
    c.bind_to_device(None).unwrap();
    assert_eq!(c.device().unwrap(), None);
    let e = c.bind_to_device(Some("nonexistent0")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("setsockopt(SO_BINDTODEVICE) failed"),
        "{e}"
    );
    assert_eq!(e.raw_os_error(), Some(libc::ENODEV));
}

#[test]
fn router_alert_round_trips_on_raw_sockets() {
    require_privileges!();
    let c = RawConn::new(253).unwrap();
    assert!(!c.router_alert().unwrap());
    c.set_router_alert(true).unwrap();
    assert!(c.router_alert().unwrap());
    // UDP sockets cannot have it.
    let e = udp().set_router_alert(true).unwrap_err();
    assert_eq!(e.op(), "setsockopt(IP_ROUTER_ALERT)");
}

#[test]
fn conn_sets_tos_and_ttl_on_a_stream() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let c = Conn::new(TcpStream::connect(l.local_addr().unwrap()).unwrap());
    c.set_tos(0x20).unwrap();
    c.set_ttl(7).unwrap();
    assert_eq!((c.tos().unwrap(), c.ttl().unwrap()), (0x20, 7));
    let s = c.into_inner();
    assert_eq!(s.ttl().unwrap(), 7);
}

#[test]
fn raw_conn_records_its_protocol_and_header_inclusion() {
    require_privileges!();
    let c = RawConn::new(89).unwrap();
    assert_eq!(c.protocol(), 89);
    assert!(c.as_socket().header_included_v4().unwrap());
    assert_eq!(c.control_flags(), ControlFlags::NONE);
}

#[test]
fn min_ttl_on_a_tcp_listener_refuses_peers_further_than_one_hop() {
    require_privileges!();
    let link = Link::new().unwrap();
    let listener = link.b.run(|| {
        let l = TcpListener::bind(SocketAddrV4::new(ADDR_B, 179)).unwrap();
        SocketOptions::of(&l).set_min_ttl(255).unwrap();
        assert_eq!(SocketOptions::of(&l).min_ttl().unwrap(), 255);
        l
    });
    let connect = |ttl: u8| {
        link.a.run(|| {
            let s =
                socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            s.set_ttl_v4(u32::from(ttl)).unwrap();
            s.connect_timeout(
                &SocketAddrV4::new(ADDR_B, 179).into(),
                Duration::from_millis(300),
            )
        })
    };
    assert!(connect(254).is_err(), "a TTL of 254 got through");
    connect(255).unwrap();
    listener.accept().unwrap();
}

#[test]
fn raw_socket_creation_without_cap_net_raw_says_which_capability() {
    match RawConn::new(253) {
        Ok(_) => assert!(ipv4kit_testnet::missing_privileges().is_none()),
        Err(e) => {
            assert_eq!(e.op(), "socket(AF_INET, SOCK_RAW)");
            assert!(
                e.to_string().contains("raw sockets need CAP_NET_RAW"),
                "{e}"
            );
            assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied);
        }
    }
}

/// `net.core.rmem_max`: what `SO_RCVBUF` is capped at.
fn rmem_max() -> usize {
    std::fs::read_to_string("/proc/sys/net/core/rmem_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_foreign_socket_through_socket_options_gets_the_rcvbufforce_fallback() {
    require_privileges!();
    let want = 4 * rmem_max();
    // socket2's own method (what `sock.set_recv_buffer_size` resolves to
    // on a `socket2::Socket`): capped at rmem_max (doubled by the kernel).
    let plain = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
    plain.set_recv_buffer_size(want).unwrap();
    assert!(
        plain.recv_buffer_size().unwrap() < want,
        "capped without the fallback"
    );
    // The same socket type through `SocketOptions`: ipv4kit's method, which
    // goes on to SO_RCVBUFFORCE (root has CAP_NET_ADMIN).
    let forced = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
    let opts = SocketOptions::of(&forced);
    opts.set_recv_buffer_size(want).unwrap();
    assert!(opts.recv_buffer_size().unwrap() >= want, "SO_RCVBUFFORCE");
    assert!(forced.recv_buffer_size().unwrap() >= want);
    // And for a std socket.
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    SocketOptions::of(&udp).set_recv_buffer_size(want).unwrap();
    assert!(SocketOptions::of(&udp).recv_buffer_size().unwrap() >= want);
}

#[test]
fn socket_options_errors_name_the_option() {
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let e = SocketOptions::of(&udp)
        .join_group(u32::MAX, Ipv4Addr::new(239, 1, 1, 1))
        .unwrap_err();
    assert_eq!(e.op(), "setsockopt(MCAST_JOIN_GROUP)");
    assert_eq!(e.object(), Some("group 239.1.1.1, ifindex 4294967295"));
}
