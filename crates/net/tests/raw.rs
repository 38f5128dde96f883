//! RawConn across two namespaces: headers arrive as sent, the kernel fills
//! what it documents, control messages report the truth.

mod common;

use std::net::Ipv4Addr;

use common::{parse, timeout, Hdr, ROUTER_ALERT};
use ipv4kit_net::wire::ipv4::Ipv4Repr;
use ipv4kit_net::{interface_index, ControlFlags, ControlMessage, DatagramOptions, RawConn};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B};

const PROTO: u8 = 253;

/// Host b's receiver and its interface index, opened inside b.
fn receiver(link: &Link) -> (RawConn, u32) {
    link.b.run(|| {
        let c = RawConn::new(PROTO).unwrap();
        c.set_control_message(ControlFlags::ALL, true).unwrap();
        timeout(&c, 3000);
        (c, interface_index(&link.if_b).unwrap())
    })
}

fn sender(link: &Link) -> RawConn {
    link.a.run(|| RawConn::new(PROTO).unwrap())
}

#[test]
fn raw_round_trip_keeps_every_header_field_and_option() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (rx, ifindex_b) = receiver(&link);
    let tx = sender(&link);
    let payload = b"every field arrives as sent";
    let repr = Ipv4Repr::new(ADDR_A, ADDR_B, PROTO, payload.len())
        .with_dscp_ecn(0xb8 >> 2, 0)
        .with_ident(0x1234)
        .with_dont_frag(true)
        .with_ttl(17)
        .with_options(&ROUTER_ALERT);
    let sent = tx.send_repr(&repr, payload, None).unwrap();
    assert_eq!(sent, 24 + payload.len());

    let mut buf = [0u8; 1500];
    let got = rx.recv_packet(&mut buf).unwrap();
    let m = got.meta;
    let p = got
        .packet
        .expect("a valid IPv4 datagram, checksum included");
    assert_eq!(Ipv4Repr::parse(&p), repr, "every header field as sent");
    assert_eq!(p.tos(), 0xb8);
    assert_eq!(p.router_alert(), Some(0));
    assert_eq!(p.payload(), payload);
    assert!(p.verify_checksum());
    assert_eq!(*m.src.ip(), ADDR_A);
    assert!(!m.truncated && !m.ctrl_truncated);
    // Control messages: what the datagram carried, where it arrived.
    assert_eq!(m.cm.ttl, Some(17));
    assert_eq!(m.cm.tos, Some(0xb8));
    assert_eq!(m.cm.dst, Some(ADDR_B));
    assert_eq!(m.cm.ifindex, Some(ifindex_b));
}

#[test]
fn send_repr_refuses_a_payload_length_that_disagrees() {
    require_privileges!();
    let c = RawConn::new(PROTO).unwrap();
    let repr = Ipv4Repr::new(Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST, PROTO, 3);
    let e = c.send_repr(&repr, b"four", None).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn kernel_fills_checksum_and_length_always_and_source_and_id_when_zero_unless_df() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (rx, _) = receiver(&link);
    let tx = sender(&link);
    let mut buf = [0u8; 1500];

    // Zero source, zero ID, zero length, a wrong checksum.
    let mut h = Hdr {
        protocol: PROTO,
        dst: ADDR_B,
        ..Default::default()
    }
    .emit();
    h[10] = 0xde;
    h[11] = 0xad;
    h[2..4].copy_from_slice(&999u16.to_be_bytes());
    tx.send(&h, b"xyz", None).unwrap();
    let m = rx.recv(&mut buf).unwrap();
    let p = parse(&buf[..m.len]);
    assert_eq!(p.src, ADDR_A, "source filled from the route");
    assert_ne!(p.id, 0, "ID chosen by the kernel");
    assert_eq!(p.total_len, 23, "total length overwritten");
    assert!(p.checksum_ok, "checksum overwritten");

    // With DF set, an ID of 0 stays 0: an atomic datagram needs no ID
    // (RFC 6864 §4.1), and Linux picks one only for fragmentable datagrams.
    let h = Hdr {
        protocol: PROTO,
        dst: ADDR_B,
        df: true,
        ..Default::default()
    }
    .emit();
    for _ in 0..3 {
        tx.send(&h, b"df", None).unwrap();
        let m = rx.recv(&mut buf).unwrap();
        assert_eq!(parse(&buf[..m.len]).id, 0);
    }

    // Non-zero source and ID are kept.
    let h = Hdr {
        protocol: PROTO,
        src: ADDR_A,
        dst: ADDR_B,
        id: 7,
        ..Default::default()
    }
    .emit();
    tx.send_datagram(&[h.as_slice(), b"complete"].concat(), None)
        .unwrap();
    let m = rx.recv(&mut buf).unwrap();
    let p = parse(&buf[..m.len]);
    assert_eq!((p.src, p.id), (ADDR_A, 7));
    assert_eq!(p.payload, b"complete");
}

#[test]
fn control_messages_switch_on_and_off_independently() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (rx, ifindex_b) = receiver(&link);
    let tx = sender(&link);
    let mut buf = [0u8; 1500];
    let send = || {
        let h = Hdr {
            protocol: PROTO,
            dst: ADDR_B,
            ttl: 9,
            tos: 0x04,
            ..Default::default()
        }
        .emit();
        tx.send(&h, b"cm", None).unwrap();
    };

    rx.set_control_message(ControlFlags::DST | ControlFlags::TTL, false)
        .unwrap();
    assert_eq!(
        rx.control_flags(),
        ControlFlags::TOS | ControlFlags::INTERFACE
    );
    send();
    let m = rx.recv(&mut buf).unwrap();
    assert_eq!(
        m.cm,
        ControlMessage {
            tos: Some(0x04),
            ifindex: Some(ifindex_b),
            ..Default::default()
        }
    );

    rx.set_control_message(ControlFlags::ALL, false).unwrap();
    send();
    let m = rx.recv(&mut buf).unwrap();
    assert_eq!(m.cm, ControlMessage::default());

    rx.set_control_message(ControlFlags::TTL | ControlFlags::DST, true)
        .unwrap();
    send();
    let m = rx.recv(&mut buf).unwrap();
    assert_eq!(
        m.cm,
        ControlMessage {
            ttl: Some(9),
            dst: Some(ADDR_B),
            ..Default::default()
        }
    );
}

#[test]
fn truncated_datagrams_are_reported() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (rx, _) = receiver(&link);
    let tx = sender(&link);
    let h = Hdr {
        protocol: PROTO,
        dst: ADDR_B,
        ..Default::default()
    }
    .emit();
    tx.send(&h, &[0x55; 100], None).unwrap();
    let mut small = [0u8; 40];
    let m = rx.recv(&mut small).unwrap();
    assert!(m.truncated);
    assert_eq!(m.len, 40);
    assert_eq!(m.orig_len, 120, "20-octet header and 100 of payload");
}

#[test]
fn packet_conns_report_the_whole_length_of_a_cut_datagram() {
    use ipv4kit_net::{PacketConn, RecvBatch};
    use std::net::SocketAddrV4;

    require_privileges!();
    let link = Link::new().unwrap();
    let (udp_rx, raw_rx) = link.b.run(|| {
        let udp = PacketConn::bind_udp(SocketAddrV4::new(ADDR_B, 4000)).unwrap();
        let raw = PacketConn::raw(PROTO).unwrap();
        timeout(&udp, 2000);
        timeout(&raw, 2000);
        (udp, raw)
    });
    let (udp_tx, raw_tx) = link
        .a
        .run(|| (PacketConn::udp().unwrap(), PacketConn::raw(PROTO).unwrap()));
    let dst = SocketAddrV4::new(ADDR_B, 4000);
    // From a raw PacketConn a 100-octet buffer also held the 20-octet
    // header, which is stripped: 80 octets of payload remain.
    for (conn, tx, cut) in [(&udp_rx, &udp_tx, 100), (&raw_rx, &raw_tx, 80)] {
        // One call, then a batch whose slots are too small for the second of
        // three datagrams.
        tx.send_to(&[7; 300], dst, None).unwrap();
        let mut small = [0u8; 100];
        let m = conn.recv_from(&mut small).unwrap();
        assert!(m.truncated);
        assert_eq!((m.len, m.orig_len), (cut, 300), "payload octets, as `len`");
        assert!(small[..cut].iter().all(|&b| b == 7));

        for n in [50, 300, cut] {
            tx.send_to(&vec![n as u8; n], dst, None).unwrap();
        }
        let mut batch = RecvBatch::new(4, 100);
        let mut got = Vec::new();
        while got.len() < 3 {
            conn.recv_batch(&mut batch).unwrap();
            got.extend(
                batch
                    .iter()
                    .map(|d| (d.data.len(), d.meta.orig_len, d.meta.truncated)),
            );
        }
        assert_eq!(got, [(50, 50, false), (cut, 300, true), (cut, cut, false)]);
    }
}

#[test]
fn send_with_pktinfo_chooses_the_interface_for_multicast() {
    require_privileges!();
    let link = Link::new().unwrap();
    let group = Ipv4Addr::new(239, 7, 7, 7);
    let (rx, ifindex_b) = receiver(&link);
    rx.join_group(ifindex_b, group).unwrap();
    let (tx, ifindex_a) = link.a.run(|| {
        (
            RawConn::new(PROTO).unwrap(),
            interface_index(&link.if_a).unwrap(),
        )
    });
    let h = Hdr {
        protocol: PROTO,
        dst: group,
        ttl: 1,
        ..Default::default()
    }
    .emit();
    // A fresh namespace has no multicast route: without an interface, no way out.
    let e = tx.send(&h, b"m", None).unwrap_err();
    assert_eq!(e.op(), "sendmsg");
    assert_eq!(e.raw_os_error(), Some(libc::ENETUNREACH), "{e}");
    let cm = ControlMessage {
        ifindex: Some(ifindex_a),
        ..Default::default()
    };
    tx.send(&h, b"m", Some(&cm)).unwrap();
    let mut buf = [0u8; 1500];
    let m = rx.recv(&mut buf).unwrap();
    assert_eq!(m.cm.dst, Some(group));
    assert_eq!(parse(&buf[..m.len]).payload, b"m");
}

#[test]
fn truncated_control_data_is_reported() {
    require_privileges!();
    let link = Link::new().unwrap();
    let (rx, ifindex_b) = receiver(&link);
    // On top of TTL, TOS and PKTINFO: two kinds of receive timestamp, more
    // than the crate's control buffer holds. The crate has no method for
    // them, so nix sets them.
    use nix::sys::socket::{setsockopt, sockopt, TimestampingFlag};
    setsockopt(rx.as_socket(), sockopt::ReceiveTimestampns, &true).unwrap();
    let flags = TimestampingFlag::SOF_TIMESTAMPING_RX_SOFTWARE
        | TimestampingFlag::SOF_TIMESTAMPING_SOFTWARE;
    setsockopt(rx.as_socket(), sockopt::Timestamping, &flags).unwrap();
    let tx = sender(&link);
    let mut options = [1u8; 40]; // 36 × No Operation, then Router Alert
    options[36..].copy_from_slice(&ROUTER_ALERT);
    let repr = Ipv4Repr::new(ADDR_A, ADDR_B, PROTO, 2)
        .with_ttl(3)
        .with_options(&options);
    tx.send_repr(&repr, b"ct", None).unwrap();
    let mut buf = [0u8; 1500];
    let m = rx.recv(&mut buf).unwrap();
    assert!(m.ctrl_truncated, "MSG_CTRUNC reported");
    assert!(!m.truncated);
    // The kernel writes the socket-level timestamps first, so the IP-level
    // messages are the ones cut off; whatever did fit is decoded correctly.
    assert!(m.cm.ttl.is_none_or(|ttl| ttl == 3), "{:?}", m.cm);
    assert!(m.cm.ifindex.is_none_or(|i| i == ifindex_b), "{:?}", m.cm);
    assert_eq!(&buf[m.len - 2..m.len], b"ct");
}

#[test]
fn a_stream_socket_wrapped_as_a_packet_conn_loses_no_data() {
    use std::io::Write;

    // MSG_TRUNC, which datagram receives pass, would discard stream data.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    let conn = ipv4kit_net::PacketConn::from_socket(socket2::Socket::from(server));
    let sent: Vec<u8> = (0..=255).collect();
    client.write_all(&sent).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 100];
    while got.len() < sent.len() {
        let m = conn.recv_from(&mut buf).unwrap();
        assert!(m.len > 0 && !m.truncated);
        got.extend_from_slice(&buf[..m.len]);
    }
    assert_eq!(got, sent);
}
