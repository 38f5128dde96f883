//! ICMP type filters and classic BPF: filtered datagrams do not arrive,
//! the others do.

mod common;

use std::net::SocketAddrV4;

use common::{is_nothing, timeout, Hdr};
use ipv4kit_net::wire::checksum::checksum;
use ipv4kit_net::{BpfInstruction, DatagramOptions, IcmpFilter, IpOptions, PacketConn, RawConn};
use ipv4kit_testnet::{require_privileges, Link, ADDR_B};

/// An ICMP message of type `ty` (code 0, 4 bytes of rest-of-header, payload).
fn icmp(ty: u8) -> Vec<u8> {
    let mut m = vec![ty, 0, 0, 0, 0x12, 0x34, 0, 1, b'p', b'i', b'n', b'g'];
    let c = checksum(&m);
    m[2..4].copy_from_slice(&c.to_be_bytes());
    m
}

fn first_byte(c: &PacketConn) -> u8 {
    let mut buf = [0u8; 1500];
    let m = c.recv_from(&mut buf).unwrap_or_else(|e| panic!("{e}"));
    assert!(m.len > 0);
    buf[0]
}

#[test]
fn icmp_filter_drops_blocked_types_and_cannot_block_types_above_31() {
    require_privileges!();
    let link = Link::new().unwrap();
    let rx = link.b.run(|| {
        let c = PacketConn::raw(1).unwrap();
        timeout(&c, 2000);
        c
    });
    let tx = link.a.run(|| PacketConn::raw(1).unwrap());
    let to_b = SocketAddrV4::new(ADDR_B, 0);

    assert_eq!(rx.icmp_filter().unwrap(), IcmpFilter::accept_all());
    let mut f = IcmpFilter::accept_all();
    f.block(8); // echo request
    rx.set_icmp_filter(&f).unwrap();
    assert_eq!(rx.icmp_filter().unwrap(), f);

    tx.send_to(&icmp(8), to_b, None).unwrap();
    tx.send_to(&icmp(13), to_b, None).unwrap(); // timestamp request
    assert_eq!(first_byte(&rx), 13, "the echo request got through");

    // The kernel filters types 0-31 only: 40 passes a filter of all it can block.
    rx.set_icmp_filter(&IcmpFilter::block_all_filterable())
        .unwrap();
    tx.send_to(&icmp(13), to_b, None).unwrap();
    tx.send_to(&icmp(40), to_b, None).unwrap();
    assert_eq!(first_byte(&rx), 40);

    // So a filter that blocks type 32 is refused, not aliased to type 0.
    let mut f = IcmpFilter::accept_all();
    f.block(32);
    let e = rx.set_icmp_filter(&f).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(e.op(), "setsockopt(ICMP_FILTER)");
    assert_eq!(
        rx.icmp_filter().unwrap(),
        IcmpFilter::block_all_filterable()
    );
}

#[test]
fn icmp_filter_on_a_non_icmp_socket_names_the_option() {
    require_privileges!();
    let c = PacketConn::raw(253).unwrap();
    let e = c.set_icmp_filter(&IcmpFilter::accept_all()).unwrap_err();
    assert!(
        e.to_string().starts_with("setsockopt(ICMP_FILTER) failed"),
        "{e}"
    );
}

/// `ldb [20]; jeq #'A', accept, drop; accept: ret #-1; drop: ret #0`
/// (byte 20 is the first payload byte after a 20-byte IPv4 header; a raw
/// socket's filter sees the datagram from its IPv4 header on).
const FIRST_PAYLOAD_BYTE_IS_A: [BpfInstruction; 4] = [
    BpfInstruction::new(0x30, 0, 0, 20),
    BpfInstruction::new(0x15, 0, 1, b'A' as u32),
    BpfInstruction::new(0x06, 0, 0, u32::MAX),
    BpfInstruction::new(0x06, 0, 0, 0),
];

#[test]
fn bpf_filter_drops_what_it_rejects_until_detached() {
    require_privileges!();
    let link = Link::new().unwrap();
    let rx = link.b.run(|| {
        let c = RawConn::new(253).unwrap();
        timeout(&c, 2000);
        c
    });
    rx.attach_filter(&FIRST_PAYLOAD_BYTE_IS_A).unwrap();
    let tx = link.a.run(|| RawConn::new(253).unwrap());
    let h = Hdr {
        dst: ADDR_B,
        ..Default::default()
    }
    .emit();
    tx.send(&h, b"B: dropped", None).unwrap();
    tx.send(&h, b"A: passes", None).unwrap();
    let mut buf = [0u8; 1500];
    let m = rx.recv(&mut buf).unwrap();
    assert_eq!(&buf[20..m.len], b"A: passes");
    rx.set_nonblocking(true).unwrap();
    assert!(is_nothing(&rx.recv(&mut buf).unwrap_err()));
    rx.set_nonblocking(false).unwrap();

    rx.detach_filter().unwrap();
    tx.send(&h, b"B: now passes", None).unwrap();
    let m = rx.recv(&mut buf).unwrap();
    assert_eq!(&buf[20..m.len], b"B: now passes");
}
