//! IPv6 beside IPv4: batched against one-call-per-datagram I/O over
//! loopback UDP (`::1`), 64 datagrams of 48 bytes sent and received per
//! iteration, with `send_to`/`recv_from` and with the same `SendBatch`/
//! `RecvBatch` the IPv4 bench uses (`push6`, `iter6`), control messages
//! (hop limit, destination) on as a receiver would have them.
//!
//! `cargo bench --bench net6`

use std::net::{Ipv6Addr, SocketAddrV6};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ipv4kit::net::{
    ControlFlags, Datagram6Options, Ipv6Options, PacketConn6, RecvBatch, SendBatch,
};

const N: usize = 64;
const LEN: usize = 48;

fn sockets() -> (PacketConn6, PacketConn6, SocketAddrV6) {
    let any = SocketAddrV6::new(Ipv6Addr::LOCALHOST, 0, 0, 0);
    let rx = PacketConn6::bind_udp(any).unwrap();
    rx.set_recv_buffer_size(4 << 20).unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    rx.set_control_message(ControlFlags::HOP_LIMIT | ControlFlags::DST, true)
        .unwrap();
    let dst = rx.local_addr().unwrap();
    let tx = PacketConn6::bind_udp(any).unwrap();
    (tx, rx, dst)
}

fn bench_udp6_loopback(c: &mut Criterion) {
    let mut group = c.benchmark_group("udp6_loopback_64x48B");
    group.throughput(Throughput::Elements(N as u64));

    let (tx, rx, dst) = sockets();
    let payload = [7u8; LEN];
    let mut buf = [0u8; 2048];
    group.bench_function("single", |b| {
        b.iter(|| {
            for _ in 0..N {
                tx.send_to(&payload, dst, None).unwrap();
            }
            for _ in 0..N {
                rx.recv_from(&mut buf).unwrap();
            }
        })
    });

    let (tx, rx, dst) = sockets();
    let mut send = SendBatch::new(N, LEN);
    for _ in 0..N {
        send.push6(dst, &payload, None).unwrap();
    }
    let mut recv = RecvBatch::new(N, 2048);
    group.bench_function("batch", |b| {
        b.iter(|| {
            let mut from = 0;
            while from < N {
                from += tx.send_batch(&mut send, from).unwrap();
            }
            let mut got = 0;
            while got < N {
                got += rx.recv_batch(&mut recv).unwrap();
                for d in recv.iter6() {
                    std::hint::black_box(d.meta.cm.hop_limit);
                }
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_udp6_loopback);
criterion_main!(benches);
