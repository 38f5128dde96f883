//! Answering queries and emitting reports allocates nothing in steady state
//! (issue 13: the engine runs 100,000 times in one emulator process).
//! Allocations are counted with allocation-counter, whose global allocator
//! this test binary links; it counts per thread.

mod common;

use std::net::Ipv4Addr;
use std::time::Duration;

use common::*;
use ipv4kit_gmp::{Config, FilterMode, Instant, Requester};

fn allocations(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

/// One round: a General Query, a group-specific and a group-and-source
/// query, each answered when its timer runs out, the reports taken out.
fn round(h: &mut TestHost, t: Instant, general: &[u8], specific: &[u8], source: &[u8]) -> usize {
    let mut buf = [0u8; 1500];
    let mut sent = 0;
    feed(h, t, general);
    feed(h, t, specific);
    feed(h, t, source);
    while let Some(at) = h.poll_timeout() {
        h.handle_timeout(at);
        while let Some(x) = h.poll_transmit(&mut buf) {
            x.unwrap();
            sent += 1;
        }
    }
    sent
}

#[test]
fn answering_queries_allocates_nothing_in_steady_state() {
    let config = Config {
        max_groups_per_requester: 1000,
        max_sources_per_filter: 64,
        ..Config::default()
    };
    let mut h = host_with(config, 5);
    let t0 = Instant::from_secs(1);
    for i in 0..300u32 {
        let group = Ipv4Addr::from(0xef01_0000 + i);
        if i % 3 == 0 {
            let sources: Vec<Ipv4Addr> = (0..(i % 64) as u8).map(s).collect();
            h.set_filter(t0, Requester(1), group, FilterMode::Include, &sources)
                .unwrap();
        } else {
            h.join(t0, Requester(1), group).unwrap();
        }
    }
    run(&mut h, t0, t0 + Duration::from_secs(5));
    let mrt = Duration::from_secs(2);
    let general = query_v3(Ipv4Addr::UNSPECIFIED, &[], mrt);
    let specific = query_v3(Ipv4Addr::from(0xef01_0001), &[], mrt);
    let source = query_v3(Ipv4Addr::from(0xef01_0003), &[s(1), s(2), s(90)], mrt);
    // Warm up: the first rounds size the scratch space.
    let mut t = t0;
    for _ in 0..5 {
        t = t + Duration::from_secs(10);
        assert!(round(&mut h, t, &general, &specific, &source) >= 2);
    }
    let mut sent = 0;
    let n = allocations(|| {
        for _ in 0..20 {
            t = t + Duration::from_secs(10);
            sent += round(&mut h, t, &general, &specific, &source);
        }
    });
    assert!(sent >= 40, "{sent} reports");
    assert_eq!(
        n, 0,
        "allocations while answering 60 queries with {sent} reports"
    );
}

#[test]
fn state_change_retransmissions_allocate_nothing_once_sized() {
    let mut h = host();
    let t0 = Instant::from_secs(1);
    h.join(t0, Requester(1), g(1)).unwrap();
    h.block(t0, Requester(1), g(1), s(1)).unwrap();
    run(&mut h, t0, t0 + Duration::from_secs(5));
    // Leave and rejoin allocate (a filter, a group); the retransmissions
    // that follow, driven by the timer, do not.
    let t1 = t0 + Duration::from_secs(10);
    h.unblock(t1, Requester(1), g(1), s(1)).unwrap();
    drain(&mut h);
    let mut buf = [0u8; 1500];
    let n = allocations(|| {
        while let Some(at) = h.poll_timeout() {
            h.handle_timeout(at);
            while h.poll_transmit(&mut buf).is_some() {}
        }
    });
    assert_eq!(n, 0);
}
