//! State stays within its caps however many groups a capture holds.

use ipv4kit_analyze::{analyze_reader, bench_capture, Options, MAX_GROUPS};

#[test]
fn a_capture_of_100k_distinct_groups_keeps_at_most_the_cap() {
    let pcap = bench_capture::distinct_groups(100_000);
    let r = analyze_reader(&pcap[..], "memory", Options::default()).unwrap();
    assert_eq!(r.summary.igmp, 100_000);
    assert!(r.violations.is_empty(), "{:?}", r.violations.first());
    let p = &r.links[0].protocols[0];
    assert_eq!(p.table.groups.len(), MAX_GROUPS);
    assert_eq!(p.groups.len(), MAX_GROUPS);
    assert_eq!(p.groups_untracked, 100_000 - MAX_GROUPS as u64);
    assert_eq!(p.engine.groups_refused, 100_000 - MAX_GROUPS as u64);
}

#[test]
fn the_mixed_bench_capture_is_clean() {
    let pcap = bench_capture::mixed(20_000);
    let r = analyze_reader(&pcap[..], "memory", Options::default()).unwrap();
    assert_eq!(r.summary.igmp, 20_000);
    assert!(r.violations.is_empty(), "{:?}", r.violations.first());
}
