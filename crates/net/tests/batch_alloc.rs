//! In steady state a batch call allocates nothing. Allocations are
//! counted with allocation-counter, whose global allocator this test binary
//! links.

use std::net::{Ipv4Addr, SocketAddrV4};

use ipv4kit_net::{
    ControlFlags, ControlMessage, DatagramOptions, IpOptions, PacketConn, RawConn, RecvBatch,
    SendBatch,
};

/// Allocations `f` makes on this thread (allocation-counter counts per
/// thread, so other test threads do not disturb it).
fn allocations<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let mut result = None;
    let info = allocation_counter::measure(|| result = Some(f()));
    (result.expect("measure runs the closure"), info.count_total)
}

const PER_CALL: usize = 64;
const ROUNDS: usize = 50;

/// Fills `batch` with PER_CALL datagrams for `dst`, sends them all, and
/// receives them all on `rx`, touching every byte and control message.
fn one_round(
    send: &dyn Fn(&mut SendBatch, usize) -> ipv4kit_net::Result<usize>,
    recv: &dyn Fn(&mut RecvBatch) -> ipv4kit_net::Result<usize>,
    out: &mut SendBatch,
    inb: &mut RecvBatch,
    fill: &dyn Fn(&mut SendBatch),
) -> u64 {
    out.clear();
    fill(out);
    let mut from = 0;
    while from < out.len() {
        from += send(out, from).unwrap();
    }
    let mut got = 0;
    let mut sum = 0u64;
    while got < PER_CALL {
        got += recv(inb).unwrap();
        for d in inb.iter() {
            sum += d.data.iter().map(|&b| u64::from(b)).sum::<u64>();
            sum += u64::from(d.meta.cm.ttl.unwrap_or(0));
            sum += u64::from(d.meta.cm.ifindex.unwrap_or(0));
            sum += u64::from(d.meta.drops.unwrap_or(0));
        }
        // The IPv4 views (an error for UDP payloads, a view for raw ones).
        for p in inb.packets() {
            sum += p.packet.map_or(1, |p| u64::from(p.ttl()));
        }
    }
    sum
}

#[test]
fn udp_batches_allocate_nothing_after_the_first_call() {
    let rx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    rx.set_control_message(ControlFlags::ALL, true).unwrap();
    rx.set_recv_buffer_size(4 << 20).unwrap();
    rx.set_read_timeout(Some(std::time::Duration::from_secs(2)))
        .unwrap();
    let tx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    let dst = rx.local_addr().unwrap();
    let mut out = SendBatch::new(PER_CALL, 512);
    let mut inb = RecvBatch::new(PER_CALL, 512);
    let cm = ControlMessage {
        src: Some(Ipv4Addr::LOCALHOST),
        ..Default::default()
    };
    let fill = |b: &mut SendBatch| {
        for i in 0..PER_CALL {
            b.push_with(dst, Some(&cm), |slot| {
                slot[..100].fill(i as u8);
                100
            })
            .unwrap();
        }
    };
    let send = |b: &mut SendBatch, from| tx.send_batch(b, from);
    let recv = |b: &mut RecvBatch| rx.recv_batch(b);
    // The first round may allocate (lazy runtime state); later ones must not.
    one_round(&send, &recv, &mut out, &mut inb, &fill);
    for _ in 0..ROUNDS {
        let (_, n) = allocations(|| one_round(&send, &recv, &mut out, &mut inb, &fill));
        assert_eq!(n, 0, "allocations in one steady-state round");
    }
}

#[test]
fn raw_batches_allocate_nothing_after_the_first_call() {
    if !ipv4kit_testnet::privileged("raw_batches_allocate_nothing_after_the_first_call") {
        return;
    }
    // Loopback only: protocol 253 from 127.0.0.1 to 127.0.0.1.
    let rx = RawConn::new(253).unwrap();
    rx.set_control_message(ControlFlags::TTL | ControlFlags::INTERFACE, true)
        .unwrap();
    rx.set_recv_buffer_size(4 << 20).unwrap();
    rx.set_read_timeout(Some(std::time::Duration::from_secs(2)))
        .unwrap();
    let tx = RawConn::new(253).unwrap();
    let mut out = SendBatch::new(PER_CALL, 512);
    let mut inb = RecvBatch::new(PER_CALL, 512);
    let fill = |b: &mut SendBatch| {
        for i in 0..PER_CALL {
            b.push_with(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0), None, |s| {
                s[..20].copy_from_slice(&[
                    0x45, 0, 0, 0, 0, 1, 0, 0, 64, 253, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
                ]);
                s[20..80].fill(i as u8);
                80
            })
            .unwrap();
        }
    };
    let send = |b: &mut SendBatch, from| tx.send_batch(b, from);
    let recv = |b: &mut RecvBatch| rx.recv_batch(b);
    one_round(&send, &recv, &mut out, &mut inb, &fill);
    for _ in 0..ROUNDS {
        let (_, n) = allocations(|| one_round(&send, &recv, &mut out, &mut inb, &fill));
        assert_eq!(n, 0, "allocations in one steady-state round");
    }
}

/// The drop-count control message (`SO_RXQ_OVFL`) on every datagram, next
/// to the IP-level ones, costs no allocation either. The kernel sends it only
/// once the socket has dropped something, so the test first overflows a
/// small receive buffer, then widens it and runs the steady-state rounds.
#[test]
fn drop_counting_allocates_nothing_after_the_first_call() {
    let rx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    rx.set_control_message(ControlFlags::ALL | ControlFlags::DROPS, true)
        .unwrap();
    rx.set_recv_buffer_size(1).unwrap(); // the kernel's minimum, a few datagrams
    rx.set_read_timeout(Some(std::time::Duration::from_secs(2)))
        .unwrap();
    let tx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    let dst = rx.local_addr().unwrap();
    for _ in 0..200 {
        tx.send_to(&[1u8; 100], dst, None).unwrap();
    }
    rx.set_recv_buffer_size(1 << 20).unwrap();
    let mut inb = RecvBatch::new(PER_CALL, 512);
    rx.set_nonblocking(true).unwrap();
    while rx.recv_batch(&mut inb).is_ok() {}
    rx.set_nonblocking(false).unwrap();

    let mut out = SendBatch::new(PER_CALL, 512);
    let fill = |b: &mut SendBatch| {
        for i in 0..PER_CALL {
            b.push_with(dst, None, |slot| {
                slot[..100].fill(i as u8);
                100
            })
            .unwrap();
        }
    };
    let send = |b: &mut SendBatch, from| tx.send_batch(b, from);
    let recv = |b: &mut RecvBatch| rx.recv_batch(b);
    one_round(&send, &recv, &mut out, &mut inb, &fill);
    let dropped = inb.get(0).unwrap().meta.drops;
    assert!(
        matches!(dropped, Some(n) if n > 0),
        "the overflow was counted: {dropped:?}"
    );
    for _ in 0..ROUNDS {
        let (_, n) = allocations(|| one_round(&send, &recv, &mut out, &mut inb, &fill));
        assert_eq!(n, 0, "allocations in one steady-state round");
        // Every datagram carried the (unchanged) count.
        assert!(inb.iter().all(|d| d.meta.drops == dropped));
    }
    // Polling a drained non-blocking socket (a busy loop's idle case) does
    // not allocate for its WouldBlock errors either.
    rx.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 512];
    let (kinds, n) = allocations(|| {
        let a = rx.recv_batch(&mut inb).unwrap_err().kind();
        let b = rx.recv_from(&mut buf).unwrap_err().kind();
        (a, b)
    });
    let would_block = std::io::ErrorKind::WouldBlock;
    assert_eq!(kinds, (would_block, would_block));
    assert_eq!(n, 0, "allocations polling an empty socket");
}

#[test]
fn the_counter_sees_allocations() {
    let (v, n) = allocations(|| vec![1u8; 10]);
    assert_eq!(v.len(), 10);
    assert!(n >= 1);
}

#[test]
fn a_datagram_longer_than_its_slot_is_cut_and_flagged() {
    let rx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    let tx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    tx.send_to(&[7u8; 100], rx.local_addr().unwrap(), None)
        .unwrap();
    tx.send_to(&[8u8; 10], rx.local_addr().unwrap(), None)
        .unwrap();
    let mut batch = RecvBatch::new(4, 40);
    let mut got = Vec::new();
    while got.len() < 2 {
        rx.recv_batch(&mut batch).unwrap();
        got.extend(batch.iter().map(|d| (d.data.to_vec(), d.meta.truncated)));
    }
    assert_eq!(got, vec![(vec![7u8; 40], true), (vec![8u8; 10], false)]);
}

/// The same batches serve IPv6: `push_with6`/`send_batch` and
/// `recv_batch`/`iter6` on UDP over ::1, with every control message on
/// both ways (source, hop limit, traffic class on send), allocate nothing
/// in steady state either.
#[test]
fn ipv6_udp_batches_allocate_nothing_after_the_first_call() {
    use ipv4kit_net::{ControlMessage6, Datagram6Options, Ipv6Options, PacketConn6};
    use std::net::{Ipv6Addr, SocketAddrV6};
    let Ok(rx) = PacketConn6::bind_udp(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 0, 0, 0)) else {
        eprintln!("skipping: no IPv6 loopback here");
        return;
    };
    rx.set_control_message(ControlFlags::ALL | ControlFlags::DROPS, true)
        .unwrap();
    Datagram6Options::set_recv_buffer_size(&rx, 4 << 20).unwrap();
    Ipv6Options::set_read_timeout(&rx, Some(std::time::Duration::from_secs(2))).unwrap();
    let tx = PacketConn6::bind_udp(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 0, 0, 0)).unwrap();
    let dst = rx.local_addr().unwrap();
    let mut out = SendBatch::new(PER_CALL, 512);
    let mut inb = RecvBatch::new(PER_CALL, 512);
    let cm = ControlMessage6 {
        src: Some(Ipv6Addr::LOCALHOST),
        hop_limit: Some(9),
        traffic_class: Some(0x20),
        ..Default::default()
    };
    let fill = |b: &mut SendBatch| {
        for i in 0..PER_CALL {
            b.push_with6(dst, Some(&cm), |slot| {
                slot[..100].fill(i as u8);
                100
            })
            .unwrap();
        }
    };
    let round = |out: &mut SendBatch, inb: &mut RecvBatch| {
        out.clear();
        fill(out);
        let mut from = 0;
        while from < out.len() {
            from += tx.send_batch(out, from).unwrap();
        }
        let (mut got, mut sum) = (0, 0u64);
        while got < PER_CALL {
            got += rx.recv_batch(inb).unwrap();
            for d in inb.iter6() {
                sum += d.data.iter().map(|&b| u64::from(b)).sum::<u64>();
                sum += u64::from(d.meta.cm.hop_limit.unwrap_or(0));
                sum += u64::from(d.meta.cm.traffic_class.unwrap_or(0));
                sum += u64::from(d.meta.cm.ifindex.unwrap_or(0));
                sum += u64::from(d.meta.src.port());
                sum += u64::from(d.meta.drops.unwrap_or(0));
            }
        }
        sum
    };
    round(&mut out, &mut inb);
    let d = inb.get6(0).unwrap();
    assert_eq!(
        (d.meta.cm.hop_limit, d.meta.cm.traffic_class),
        (Some(9), Some(0x20))
    );
    assert_eq!(d.meta.cm.dst, Some(Ipv6Addr::LOCALHOST));
    assert_eq!(d.meta.src, tx.local_addr().unwrap());
    for _ in 0..ROUNDS {
        let (_, n) = allocations(|| round(&mut out, &mut inb));
        assert_eq!(n, 0, "allocations in one steady-state round");
    }
}
