//! The async batch path against the synchronous one and against a plain
//! tokio `UdpSocket` loop, over loopback UDP (no privileges needed), in one
//! run: per iteration 64 datagrams of 48 bytes are sent and received.
//!
//! - `sync_batch`: `PacketConn::send_batch` + `recv_batch` (blocking
//!   sockets, `sendmmsg`/`recvmmsg`), batches reused;
//! - `async_batch`: the same calls and batches through
//!   `AsyncSocket::send_all` + `recv_batch` on a current-thread runtime;
//! - `tokio_udp`: `tokio::net::UdpSocket::send_to` + `recv_from`, one call
//!   per datagram, as a program without ipv4kit would write it.
//!
//! Each case is timed twice: by the wall clock (group `.../wall`) and by
//! the CPU time of the benchmarking thread (`.../thread_cpu`,
//! `CLOCK_THREAD_CPUTIME_ID`), which is what to compare on a shared machine:
//! over loopback the whole path, the kernel's delivery included, runs on
//! that thread, and time spent waiting for a core does not count.
//!
//! `cargo bench -p ipv4kit-tokio --bench async_batch`

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ipv4kit_net::{DatagramOptions, IpOptions, PacketConn, RecvBatch, SendBatch, SocketOptions};
use ipv4kit_tokio::{AsyncPacketConn, AsyncSocket};
use nix::time::{clock_gettime, ClockId};
use tokio::runtime::Runtime;

const N: usize = 64;
const LEN: usize = 48;

/// What a case is timed by.
#[derive(Clone, Copy)]
enum Clock {
    Wall,
    ThreadCpu,
}

impl Clock {
    fn name(self) -> &'static str {
        match self {
            Clock::Wall => "wall",
            Clock::ThreadCpu => "thread_cpu",
        }
    }

    /// Runs `f` and returns how long it took by this clock.
    fn time(self, f: impl FnOnce()) -> Duration {
        match self {
            Clock::Wall => {
                let start = Instant::now();
                f();
                start.elapsed()
            }
            Clock::ThreadCpu => {
                let cpu =
                    || Duration::from(clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).unwrap());
                let start = cpu();
                f();
                cpu() - start
            }
        }
    }
}

/// The three cases' sockets and batches, built once and reused.
struct Setup {
    rt: Runtime,
    sync: (PacketConn, PacketConn),
    asyn: (AsyncPacketConn, AsyncPacketConn),
    tokio: (tokio::net::UdpSocket, tokio::net::UdpSocket),
}

fn udp_pair() -> (PacketConn, PacketConn) {
    let rx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    rx.set_recv_buffer_size(4 << 20).unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let tx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    (tx, rx)
}

fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sync = udp_pair();
    let asyn = {
        let (tx, rx) = udp_pair();
        rt.block_on(async { (AsyncSocket::new(tx).unwrap(), AsyncSocket::new(rx).unwrap()) })
    };
    let tokio = rt.block_on(async {
        let bind = || {
            let s = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
            SocketOptions::of(&s).set_recv_buffer_size(4 << 20).unwrap();
            s.set_nonblocking(true).unwrap();
            tokio::net::UdpSocket::from_std(s).unwrap()
        };
        (bind(), bind())
    });
    Setup {
        rt,
        sync,
        asyn,
        tokio,
    }
}

fn batches(dst: SocketAddrV4) -> (SendBatch, RecvBatch) {
    let mut send = SendBatch::new(N, LEN);
    for i in 0..N {
        send.push(dst, &[i as u8; LEN], None).unwrap();
    }
    (send, RecvBatch::new(N, 2048))
}

fn bench_clock(c: &mut Criterion, s: &Setup, clock: Clock) {
    let mut group = c.benchmark_group(format!("async_udp_loopback_64x48B/{}", clock.name()));
    group.throughput(Throughput::Elements(N as u64));

    let (tx, rx) = &s.sync;
    let (mut send, mut recv) = batches(rx.local_addr().unwrap());
    group.bench_function("sync_batch", |b| {
        b.iter_custom(|iters| {
            clock.time(|| {
                for _ in 0..iters {
                    let mut from = 0;
                    while from < N {
                        from += tx.send_batch(&mut send, from).unwrap();
                    }
                    let mut got = 0;
                    while got < N {
                        got += rx.recv_batch(&mut recv).unwrap();
                    }
                }
            })
        })
    });

    let (tx, rx) = &s.asyn;
    let (mut send, mut recv) = batches(rx.get_ref().local_addr().unwrap());
    group.bench_function("async_batch", |b| {
        b.iter_custom(|iters| {
            clock.time(|| {
                s.rt.block_on(async {
                    for _ in 0..iters {
                        tx.send_all(&mut send).await.unwrap();
                        let mut got = 0;
                        while got < N {
                            got += rx.recv_batch(&mut recv).await.unwrap();
                        }
                    }
                })
            })
        })
    });

    let (tx, rx) = &s.tokio;
    let dst = rx.local_addr().unwrap();
    let payload = [7u8; LEN];
    group.bench_function("tokio_udp", |b| {
        b.iter_custom(|iters| {
            clock.time(|| {
                s.rt.block_on(async {
                    let mut buf = [0u8; 2048];
                    for _ in 0..iters {
                        for _ in 0..N {
                            tx.send_to(&payload, dst).await.unwrap();
                        }
                        for _ in 0..N {
                            rx.recv_from(&mut buf).await.unwrap();
                        }
                    }
                })
            })
        })
    });
    group.finish();
}

fn bench_udp_loopback(c: &mut Criterion) {
    let s = setup();
    bench_clock(c, &s, Clock::Wall);
    bench_clock(c, &s, Clock::ThreadCpu);
}

criterion_group! {
    name = benches;
    // Short: the machine is shared. The cases run in one process, one after
    // the other, so compare their ratios rather than absolute rates.
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench_udp_loopback
}
criterion_main!(benches);
