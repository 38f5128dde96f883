//! `ipv4kit analyze` on a real capture: kernel hosts at IGMPv3, v2 and v1
//! (`force_igmp_version`) on a bridge, `ipv4kit querier` as querier and a
//! second one with a lower address started late that takes over, recorded
//! by tcpdump on the bridge. A correct querier and kernel hosts break no
//! rule: the analysis finds zero violations, both queriers, the take-over,
//! and the membership the hosts hold.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::time::Duration;

use common::{join, Background};
use ipv4kit_analyze::{analyze_files, Options};
use ipv4kit_testnet::{bridge_addr, require_privileges, Bridge};

fn querier(br: &Bridge, i: usize) -> Background {
    let args = [
        "querier",
        "--iface",
        &br.ifaces[i],
        "--json",
        "--query-interval-s",
        "4",
        "--max-resp-ms",
        "1000",
        "--last-member-interval-ms",
        "300",
        "--last-member-count",
        "2",
    ];
    let mut q = Background::spawn(common::command(&br.hosts[i], &args));
    q.wait_stderr("querier on");
    q
}

#[test]
fn a_kernel_and_querier_capture_has_no_violations_and_the_expected_queriers_and_membership() {
    require_privileges!();
    let br = Bridge::new(5).unwrap();
    for (i, v) in [(2, "2"), (3, "1")] {
        let key = format!("net.ipv4.conf.{}.force_igmp_version", br.ifaces[i]);
        br.hosts[i].sysctl(&key, v).unwrap();
    }
    let file =
        std::env::temp_dir().join(format!("ipv4kit-analyze-live-{}.pcap", std::process::id()));
    let mut dump = Command::new("ip");
    dump.args([
        "netns",
        "exec",
        br.hub.name(),
        "tcpdump",
        "-i",
        "br0",
        "-U",
        "-w",
    ])
    .arg(&file)
    .arg("igmp");
    let mut dump = Background::spawn(dump);
    dump.wait_stderr("listening on");

    // Host 4 queries first; hosts 1 (v3), 2 (v2) and 3 (v1) join.
    let first = querier(&br, 4);
    std::thread::sleep(Duration::from_millis(500));
    let v3 = join(&br.hosts[1], &br.ifaces[1], Ipv4Addr::new(239, 1, 1, 1));
    let _v3b = join(&br.hosts[1], &br.ifaces[1], Ipv4Addr::new(239, 5, 5, 5));
    let _v2 = join(&br.hosts[2], &br.ifaces[2], Ipv4Addr::new(239, 2, 2, 2));
    let _v1 = join(&br.hosts[3], &br.ifaces[3], Ipv4Addr::new(239, 3, 3, 3));
    std::thread::sleep(Duration::from_secs(6));
    // Host 0, the lowest address, starts late and takes over.
    let second = querier(&br, 0);
    std::thread::sleep(Duration::from_secs(6));
    // The v3 host leaves one group: last-member queries, then removal.
    drop(v3);
    std::thread::sleep(Duration::from_secs(4));
    let _ = second.stop();
    let _ = first.stop();
    let _ = dump.stop();

    let r = analyze_files(&[&file], Options::default());
    let text = ipv4kit_analyze::text::to_string(&r);
    // Shown with --nocapture: a real analysis to read.
    println!("{text}");
    let _ = std::fs::remove_file(&file);
    assert!(r.summary.file_errors.is_empty(), "{text}");
    assert!(r.violations.is_empty(), "{text}");
    assert_eq!(r.links.len(), 1, "{text}");
    let p = &r.links[0].protocols[0];
    let queriers: Vec<IpAddr> = p.queriers.iter().map(|q| q.address).collect();
    let (low, high) = (IpAddr::V4(bridge_addr(0)), IpAddr::V4(bridge_addr(4)));
    assert_eq!(queriers, vec![low, high], "{text}");
    assert!(p.takeovers >= 1, "{text}");
    let last = p.querier_timeline.last().unwrap();
    assert_eq!(last.querier, Some(low), "{text}");
    assert!(p.queriers.iter().all(|q| q.startup_queries >= 1), "{text}");
    // The table at the end: the v2 and v1 groups in their modes, the v3
    // group still held, the left one gone.
    let g = |a: [u8; 4]| p.table.groups.iter().find(|g| g.group == IpAddr::from(a));
    assert_eq!(g([239, 2, 2, 2]).map(|g| g.version), Some(2), "{text}");
    assert_eq!(g([239, 3, 3, 3]).map(|g| g.version), Some(1), "{text}");
    assert_eq!(g([239, 5, 5, 5]).map(|g| g.version), Some(3), "{text}");
    assert!(g([239, 1, 1, 1]).is_none(), "{text}");
    let left = p
        .latency
        .leaves
        .iter()
        .find(|l| l.group == IpAddr::from([239, 1, 1, 1]))
        .unwrap();
    assert_eq!(left.outcome, "removed", "{text}");
    assert!(left.last_member_queries >= 1, "{text}");
    assert!(
        p.latency.answers.count > 0 && p.latency.answers.late == 0,
        "{text}"
    );
}
