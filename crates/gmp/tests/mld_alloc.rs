//! `Host<Mld>` as `tests/alloc.rs` and `tests/host.rs` hold the IGMP host:
//! answering queries and emitting reports allocates nothing in steady
//! state, and a host with one any-source group takes at most 1 KiB.
//! Allocations are counted with allocation-counter (per thread).

mod common_mld;

use std::net::Ipv6Addr;
use std::time::Duration;

use common_mld::*;
use ipv4kit_gmp::{Config, FilterMode, Instant, Requester};

fn allocations(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

fn group(i: u16) -> Ipv6Addr {
    Ipv6Addr::new(0xff15, 0, 0, 0, 0, 0, 0x4c, i)
}

/// A General Query, a group-specific and a group-and-source query, each
/// answered when its timer runs out, the reports taken out.
fn round(h: &mut MldHost, t: Instant, queries: &[Vec<u8>]) -> usize {
    let mut buf = [0u8; 1500];
    let mut sent = 0;
    for q in queries {
        feed(h, t, q);
    }
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
fn answering_mld_queries_allocates_nothing_in_steady_state() {
    let config = Config {
        max_groups_per_requester: 1000,
        max_sources_per_filter: 64,
        ..Config::default()
    };
    let mut h = host_with(config, 5);
    let t0 = Instant::from_secs(1);
    for i in 0..300u16 {
        if i % 3 == 0 {
            let sources: Vec<Ipv6Addr> = (0..i % 64).map(s).collect();
            h.set_filter(t0, Requester(1), group(i), FilterMode::Include, &sources)
                .unwrap();
        } else {
            h.join(t0, Requester(1), group(i)).unwrap();
        }
    }
    run(&mut h, t0, t0 + Duration::from_secs(5));
    let mrt = Duration::from_secs(2);
    let queries = [
        query_v2(Ipv6Addr::UNSPECIFIED, &[], mrt),
        query_v2(group(1), &[], mrt),
        query_v2(group(3), &[s(1), s(2), s(90)], mrt),
    ];
    let mut t = t0;
    for _ in 0..5 {
        t = t + Duration::from_secs(10);
        assert!(round(&mut h, t, &queries) >= 2);
    }
    let mut sent = 0;
    let n = allocations(|| {
        for _ in 0..20 {
            t = t + Duration::from_secs(10);
            sent += round(&mut h, t, &queries);
        }
    });
    assert!(sent >= 40, "{sent} reports");
    assert_eq!(
        n, 0,
        "allocations while answering 60 queries with {sent} reports"
    );
}

#[test]
fn mld_state_change_retransmissions_allocate_nothing_once_sized() {
    let mut h = host();
    let t0 = Instant::from_secs(1);
    h.join(t0, Requester(1), g(1)).unwrap();
    h.block(t0, Requester(1), g(1), s(1)).unwrap();
    run(&mut h, t0, t0 + Duration::from_secs(5));
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

/// Bytes an MLD host takes (struct + heap) holding `n` any-source groups,
/// after the joins and a General Query answered.
fn memory_per_host(n: u16) -> usize {
    let mut h = None;
    let config = Config {
        max_groups_per_requester: 200,
        ..Config::default()
    };
    let t0 = Instant::from_secs(1);
    let secs = |s| Instant::from_secs(s);
    let info = allocation_counter::measure(|| {
        let mut x = host_with(config, 1);
        for i in 0..n {
            x.join(t0, Requester(1), group(i)).unwrap();
        }
        run(&mut x, t0, secs(5));
        let q = query_v2(Ipv6Addr::UNSPECIFIED, &[], Duration::from_secs(1));
        feed(&mut x, secs(10), &q);
        run(&mut x, secs(10), secs(12));
        h = Some(x);
    });
    let h: MldHost = h.unwrap();
    let heap = info.bytes_current as usize;
    let size = std::mem::size_of_val(&h);
    println!(
        "memory per MLD host with {n} ASM groups: {size} B struct + {heap} B heap = {} B",
        size + heap
    );
    size + heap
}

/// Issue 13: a host holding one any-source group costs at most 1 KiB, MLD too.
#[test]
fn an_mld_host_with_one_any_source_group_takes_at_most_one_kib() {
    let one = memory_per_host(1);
    assert!(one <= 1024, "{one} B");
    let hundred = memory_per_host(100);
    assert!(hundred <= 100 * 1024, "{hundred} B");
}
