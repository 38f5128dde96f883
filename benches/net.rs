//! Batched against one-call-per-datagram I/O over loopback UDP (no privileges
//! needed): 64 datagrams of 48 bytes sent and received per iteration, with
//! `send_to`/`recv_from` and with `send_batch`/`recv_batch` (`sendmmsg`/
//! `recvmmsg`). The batch objects are built once and reused, as in steady
//! state (`crates/net/tests/batch_alloc.rs` proves those calls allocate
//! nothing). Raw-socket rates between namespaces are measured by the CLI's
//! `send`/`sink` (`benches/peers/run.sh`).
//!
//! `cargo bench --bench net`

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ipv4kit::net::{DatagramOptions, IpOptions, PacketConn, RecvBatch, SendBatch};

const N: usize = 64;
const LEN: usize = 48;

fn sockets() -> (PacketConn, PacketConn, SocketAddrV4) {
    let rx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    rx.set_recv_buffer_size(4 << 20).unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let dst = rx.local_addr().unwrap();
    let tx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    (tx, rx, dst)
}

fn bench_udp_loopback(c: &mut Criterion) {
    let mut group = c.benchmark_group("udp_loopback_64x48B");
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
        send.push(dst, &payload, None).unwrap();
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
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_udp_loopback);
criterion_main!(benches);
