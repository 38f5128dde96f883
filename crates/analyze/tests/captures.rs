//! Every capture in tests/data is analysed without a panic, its report
//! prints and serialises; a few known facts of the public ones hold.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use ipv4kit_analyze::{analyze_files, Options};

fn captures(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            captures(&p, out);
        } else if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
            out.push(p);
        }
    }
}

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data")
}

#[test]
fn every_capture_in_tests_data_is_analysed() {
    let mut files = Vec::new();
    captures(&data(), &mut files);
    files.sort();
    assert!(files.len() > 40, "{}", files.len());
    for f in &files {
        let r = analyze_files(&[f], Options::default());
        assert!(
            r.summary.frames > 0 || !r.summary.file_errors.is_empty(),
            "{}",
            f.display()
        );
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.starts_with('{'));
        assert!(ipv4kit_analyze::text::to_string(&r).starts_with("capture: "));
        assert!(ipv4kit_analyze::svg::to_svg(&r).starts_with("<svg"));
        for v in &r.violations {
            assert!(
                v.frame >= 1 && v.frame <= r.summary.frames,
                "{}: {v:?}",
                f.display()
            );
            assert!(v.rfc.starts_with("RFC "), "{v:?}");
        }
    }
    // All of them at once, as one capture of several files.
    let r = analyze_files(&files, Options::default());
    assert_eq!(r.summary.files.len(), files.len());
}

#[test]
fn tcpdumps_igmpv2_capture_has_one_querier_without_router_alert() {
    let r = analyze_files(&[data().join("tcpdump/IGMP_V2.pcap")], Options::default());
    let p = &r.links[0].protocols[0];
    assert_eq!(p.queriers.len(), 1);
    assert_eq!(
        p.queriers[0].address,
        IpAddr::V4(Ipv4Addr::new(192, 168, 1, 2))
    );
    assert_eq!(p.queriers[0].versions, vec![2]);
    // The querier's queries carry no Router Alert (RFC 2236 §2).
    let frames: Vec<_> = r.violations.iter().map(|v| (v.frame, v.rfc)).collect();
    assert_eq!(
        frames,
        vec![
            (1, "RFC 2236 §2"),
            (6, "RFC 2236 §2"),
            (11, "RFC 2236 §2"),
            (15, "RFC 2236 §2")
        ]
    );
    // Two leaves, each followed by a group-specific query and the removal.
    assert_eq!(p.latency.leaves.len(), 2);
    assert!(p
        .latency
        .leaves
        .iter()
        .all(|l| l.outcome == "removed" && l.last_member_queries == 1));
    assert_eq!(p.table.groups.len(), 3);
}

#[test]
fn a_host_that_leaves_and_reports_again_rejoined_each_time() {
    // Zeek's igmp.pcap: 192.168.1.222 leaves 224.0.0.251 (frame 7) and
    // reports it again a second later (frame 8), then the same with
    // frames 11 and 12. Two leaves, each ended by the host's own report;
    // the second is not lost behind the first.
    let r = analyze_files(&[data().join("zeek/igmp.pcap")], Options::default());
    let p = &r.links[0].protocols[0];
    let leaves: Vec<_> = p
        .latency
        .leaves
        .iter()
        .map(|l| (l.frame, l.outcome, l.last_member_queries))
        .collect();
    assert_eq!(leaves, vec![(7, "rejoined", 0), (11, "rejoined", 0)]);
    let after: Vec<_> = p.latency.leaves.iter().map(|l| l.after_s).collect();
    assert!(
        after[0].is_some_and(|s| (s - 1.030).abs() < 0.001),
        "{after:?}"
    );
    assert!(
        after[1].is_some_and(|s| (s - 1.060).abs() < 0.001),
        "{after:?}"
    );
}

#[test]
fn a_capture_with_two_pcapng_interfaces_has_two_links() {
    let r = analyze_files(
        &[data().join("built/pcapng-two-interfaces.pcapng")],
        Options::default(),
    );
    assert_eq!(r.links.len(), 2);
    assert_ne!(r.links[0].name, r.links[1].name);
}

#[test]
fn vlans_are_separate_links() {
    let r = analyze_files(&[data().join("built/vlan-qinq.pcap")], Options::default());
    assert_eq!(r.links.len(), 2);
    assert!(r.links.iter().all(|l| l.vlan.is_some()));
}

#[test]
fn frames_cut_by_the_snap_length_are_listed_as_unparsable() {
    let r = analyze_files(
        &[data().join("built/snaplen-cuts.pcap")],
        Options::default(),
    );
    assert!(r.summary.unparsable > 0);
    assert_eq!(
        r.unparsable.len() as u64,
        r.summary
            .unparsable
            .min(ipv4kit_analyze::MAX_UNPARSABLE_LISTED as u64)
    );
}
