//! The send and sink loops allocate nothing in steady state: the batches
//! are built once and reused. Allocations are counted with allocation-counter, whose
//! global allocator this test binary links.

use std::time::Duration;

use ipv4kit_cli::perf::{build_datagram, Sender, Sink};
use ipv4kit_testnet::{require_privileges, Link, ADDR_B};

/// Allocations `f` makes on this thread (allocation-counter counts per
/// thread, so other test threads do not disturb it).
fn allocations<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let mut result = None;
    let info = allocation_counter::measure(|| result = Some(f()));
    (result.expect("measure runs the closure"), info.count_total)
}

#[test]
fn send_and_sink_steps_do_not_allocate() {
    require_privileges!();
    let link = Link::new().unwrap();
    let mut sink = link
        .b
        .run(|| Sink::new(253, 64, Duration::from_millis(500)).unwrap());
    let dg = build_datagram(ADDR_B, 253, 64, 48).unwrap();
    let mut sender = link.a.run(|| Sender::new(253, &dg, 64, None).unwrap());
    // Warm up both (first calls may touch lazily set-up state).
    assert!(sender.send(64).unwrap() > 0);
    let mut got = 0;
    while got == 0 {
        got = sink.recv().unwrap().0;
    }

    let (sent, allocs) = allocations(|| {
        let mut sent = 0u64;
        for i in 0..200 {
            sent += sender.send(1 + i % 64).unwrap() as u64;
        }
        sent
    });
    assert_eq!(allocs, 0, "sender allocated");
    assert!(sent > 0);
    let ((received, invalid), allocs) = allocations(|| {
        let (mut received, mut invalid) = (0u64, 0u64);
        // Until all arrived, or a tick passes with nothing (then the
        // count check below says what is missing).
        while received < sent {
            let (n, bad) = sink.recv().unwrap();
            if n == 0 {
                break;
            }
            received += n;
            invalid += bad;
        }
        (received, invalid)
    });
    assert_eq!(allocs, 0, "sink allocated");
    assert_eq!(invalid, 0);
    assert!(received + got >= sent, "{received} + {got} of {sent}");
}

#[test]
fn the_counter_sees_allocations() {
    let (v, n) = allocations(|| vec![1u8; 10]);
    assert_eq!(v.len(), 10);
    assert_eq!(n, 1, "the counting allocator is not in use");
}
