//! In steady state an async batch round allocates nothing: the receive
//! waits for readiness (the socket is empty when it starts), the send
//! wakes it, and every datagram is read from the batch. Allocations are
//! counted with allocation-counter, whose global allocator this test binary
//! links; it counts per thread, so the current-thread runtime, where the
//! whole round runs on the test's thread, is the one that shows everything.
//! Each round checks that the socket is empty when it starts, so its first
//! receive registers for readiness, sleeps and is woken by the send: the
//! test would prove little if every call found datagrams waiting. The
//! async tap is held to the same between namespaces: no allocation per
//! frame or per ring block.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};

use common::*;
use ipv4kit_net::{ControlFlags, DatagramOptions, PacketConn, RawConn, RecvBatch, SendBatch};
use ipv4kit_tokio::{AsyncSocket, BatchRecv, BatchSend};

const PER_CALL: usize = 64;
const ROUNDS: usize = 50;

/// Allocations `f` makes on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let mut result = None;
    let info = allocation_counter::measure(|| result = Some(f()));
    (result.expect("measure runs the closure"), info.count_total)
}

/// One round: a receive that starts on an empty socket (so it registers
/// for readiness and sleeps), joined with a send of the whole batch;
/// then the rest of the datagrams. Returns a sum over every byte.
async fn one_round<S>(
    rx: &AsyncSocket<S>,
    tx: &AsyncSocket<S>,
    out: &mut SendBatch,
    inb: &mut RecvBatch,
) -> u64
where
    S: BatchRecv<RecvBatch = RecvBatch> + BatchSend<SendBatch = SendBatch>,
{
    let empty = rx.get_ref().recv_batch(inb).map_err(|e| e.kind());
    assert_eq!(
        empty,
        Err(std::io::ErrorKind::WouldBlock),
        "empty at the start"
    );
    let mut sum = 0u64;
    let mut got = 0;
    let receive = async {
        while got < PER_CALL {
            got += rx.recv_batch(inb).await.unwrap();
            for d in inb.iter() {
                sum += d.data.iter().map(|&b| u64::from(b)).sum::<u64>();
                sum += u64::from(d.meta.cm.ttl.unwrap_or(0));
            }
        }
    };
    let send = async {
        tokio::task::yield_now().await;
        tx.send_all(out).await.unwrap();
    };
    tokio::join!(receive, send);
    sum
}

fn steady_state_allocates_nothing<S>(rx: S, tx: S, fill: impl Fn(&mut SendBatch))
where
    S: BatchRecv<RecvBatch = RecvBatch>
        + BatchSend<SendBatch = SendBatch>
        + ipv4kit_tokio::OwnedSocket,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (rx, tx) =
        rt.block_on(async { (AsyncSocket::new(rx).unwrap(), AsyncSocket::new(tx).unwrap()) });
    let mut out = SendBatch::new(PER_CALL, 1024);
    fill(&mut out);
    let mut inb = RecvBatch::new(PER_CALL, 1024);
    // The first rounds may allocate (lazy runtime state); later ones must not.
    for _ in 0..3 {
        rt.block_on(one_round(&rx, &tx, &mut out, &mut inb));
    }
    // A `block_on` whose future ever waits allocates once itself (tokio's
    // waker for it); a task runs many rounds in one. So: many rounds in one
    // `block_on` must cost what one `block_on` that waits once costs.
    let (_, baseline) = allocations(|| rt.block_on(tokio::task::yield_now()));
    let (_, n) = allocations(|| {
        rt.block_on(async {
            for _ in 0..ROUNDS {
                one_round(&rx, &tx, &mut out, &mut inb).await;
            }
        })
    });
    assert_eq!(
        n, baseline,
        "{ROUNDS} steady-state rounds allocate beyond the block_on itself"
    );
    assert!(baseline <= 1, "block_on allocates {baseline} times");
}

#[test]
fn async_udp_batches_allocate_nothing_in_steady_state() {
    let rx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    rx.set_control_message(ControlFlags::ALL, true).unwrap();
    rx.set_recv_buffer_size(4 << 20).unwrap();
    let tx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    let dst = rx.local_addr().unwrap();
    steady_state_allocates_nothing(rx, tx, |b| {
        for seq in 0..PER_CALL as u32 {
            push_udp(b, dst, seq);
        }
    });
}

#[test]
fn async_raw_batches_allocate_nothing_in_steady_state() {
    if !ipv4kit_testnet::privileged("async_raw_batches_allocate_nothing_in_steady_state") {
        return;
    }
    // Loopback only: protocol 253 from 127.0.0.1 to 127.0.0.1.
    let rx = RawConn::new(PROTO).unwrap();
    rx.set_control_message(ControlFlags::TTL | ControlFlags::INTERFACE, true)
        .unwrap();
    rx.set_recv_buffer_size(4 << 20).unwrap();
    let tx = RawConn::new(PROTO).unwrap();
    steady_state_allocates_nothing(rx, tx, |b| {
        for seq in 0..PER_CALL as u32 {
            push_raw(b, Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST, seq);
        }
    });
}

#[test]
fn the_counter_sees_allocations() {
    let (v, n) = allocations(|| vec![1u8; 10]);
    assert_eq!(v.len(), 10);
    assert!(n >= 1);
}

const FRAMES: usize = 32;

/// One tap round: the tap is empty, the frames are sent while it waits,
/// and it receives them all. Returns a sum over their bytes.
async fn tap_round(
    tap: &mut ipv4kit_tokio::AsyncTap,
    tx: &mut ipv4kit_tokio::AsyncFrameSender,
    frames: &[&[u8]],
) -> u64 {
    assert!(
        tap.get_mut().try_recv().unwrap().is_none(),
        "empty at the start"
    );
    let mut got = 0;
    let mut sum = 0u64;
    let receive = async {
        while got < FRAMES {
            for p in tap.recv().await.unwrap() {
                if p.data.len() == 28 && p.data[24..28] == [239, 3, 0, 1] {
                    got += 1;
                    sum += p.data.iter().map(|&b| u64::from(b)).sum::<u64>();
                }
            }
        }
    };
    let send = async {
        tokio::task::yield_now().await;
        let mut from = 0;
        while from < FRAMES {
            from += tx.send(&frames[from..]).await.unwrap();
        }
    };
    tokio::join!(receive, send);
    sum
}

/// The async tap, on the ring and on the `recvmmsg` path, between two
/// namespaces: rounds of 32 IGMP frames sent by the async frame sender in
/// b, each round's receive starting on an empty tap (so it sleeps until
/// the kernel retires a block or queues a frame), allocate nothing.
fn async_tap_allocates_nothing_in_steady_state(mode: ipv4kit_net::RingMode) {
    use ipv4kit_net::{FrameSender, Tap, TapConfig};
    let link = ipv4kit_testnet::Link::new().unwrap();
    let config = TapConfig::default()
        .with_ring(mode)
        .with_recv_buffer(4 << 20);
    let tap = link
        .a
        .run(|| Tap::with_config(&link.if_a, &config).unwrap());
    let tx = link.b.run(|| FrameSender::open(&link.if_b).unwrap());
    // IGMPv2 reports from b to 239.3.0.1 (RFC 2236 §2), checksums left
    // zero: the tap does not check them.
    let mut frame = [0u8; 42];
    frame[..6].copy_from_slice(&ipv4kit_net::multicast_mac(Ipv4Addr::new(239, 3, 0, 1)));
    frame[6..12].copy_from_slice(&tx.mac());
    frame[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    frame[14..34].copy_from_slice(&header(
        ipv4kit_testnet::ADDR_B,
        Ipv4Addr::new(239, 3, 0, 1),
        7,
    ));
    frame[23] = 2; // IGMP
    frame[16..18].copy_from_slice(&28u16.to_be_bytes());
    frame[34] = 0x16;
    frame[38..42].copy_from_slice(&[239, 3, 0, 1]);
    let frames = [&frame[..]; FRAMES];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (mut tap, mut tx) = rt.block_on(async {
        (
            AsyncSocket::new(tap).unwrap(),
            AsyncSocket::new(tx).unwrap(),
        )
    });
    // Whatever the link said while coming up.
    rt.block_on(async {
        while tokio::time::timeout(std::time::Duration::from_millis(100), tap.recv())
            .await
            .is_ok()
        {}
    });
    for _ in 0..3 {
        rt.block_on(tap_round(&mut tap, &mut tx, &frames));
    }
    let (_, baseline) = allocations(|| rt.block_on(tokio::task::yield_now()));
    let (_, n) = allocations(|| {
        rt.block_on(async {
            for _ in 0..10 {
                tap_round(&mut tap, &mut tx, &frames).await;
            }
        })
    });
    assert_eq!(n, baseline, "{mode:?}: steady-state tap rounds allocate");
}

#[test]
fn async_ring_tap_allocates_nothing_in_steady_state() {
    ipv4kit_testnet::require_privileges!();
    async_tap_allocates_nothing_in_steady_state(ipv4kit_net::RingMode::Required);
}

#[test]
fn async_recvmmsg_tap_allocates_nothing_in_steady_state() {
    ipv4kit_testnet::require_privileges!();
    async_tap_allocates_nothing_in_steady_state(ipv4kit_net::RingMode::Off);
}
