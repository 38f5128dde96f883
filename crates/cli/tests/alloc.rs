//! The send and sink loops allocate nothing in steady state: the batches
//! are built once and reused. This file owns the global allocator: it counts
//! allocations the current thread makes while counting is switched on.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use ipv4kit_cli::perf::{build_datagram, Sender, Sink};
use ipv4kit_testnet::{require_privileges, Link, ADDR_B};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn note() {
    // `try_with`: the thread-local may be gone while a thread exits.
    let _ = COUNTING.try_with(|c| {
        if c.get() {
            let _ = ALLOCS.try_with(|a| a.set(a.get() + 1));
        }
    });
}

// SAFETY: forwards every call to the system allocator unchanged; the
// bookkeeping touches only const-initialised thread-locals without
// destructors, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations `f` makes on this thread.
/// Allocations `f` makes on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> (R, u64) {
    ALLOCS.with(|a| a.set(0));
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (r, ALLOCS.with(|a| a.get()))
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
