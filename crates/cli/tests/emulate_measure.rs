//! `ipv4kit emulate --measure` on a real link: b sends UDP to the group
//! every 2 ms whether anyone listens or not (no router: data is on the
//! link from the start), the emulated hosts in a join and leave, and the
//! JSON summary carries the RFC 3918 figures that situation implies.

mod common;

use std::net::{Ipv4Addr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use ipv4kit_testnet::{require_privileges, Link, ADDR_B};

#[test]
fn measure_reports_join_delays_and_the_packets_after_a_leave_that_did_not_stop_the_data() {
    require_privileges!();
    let link = Link::new().unwrap();
    link.add_multicast_routes().unwrap();
    let group = Ipv4Addr::new(239, 4, 9, 1);
    let tx = link.b.run(|| {
        let s = UdpSocket::bind((ADDR_B, 0)).unwrap();
        s.set_multicast_ttl_v4(1).unwrap();
        s
    });
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let source = std::thread::spawn(move || {
        while !flag.load(Ordering::Relaxed) {
            tx.send_to(b"data", (group, 5000)).unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    let out = run_ok(
        &link.a,
        &[
            "emulate",
            "--iface",
            &link.if_a,
            "--hosts",
            "3",
            "--first-address",
            "198.18.0.100",
            "--join",
            &group.to_string(),
            "--leave-after-s",
            "1",
            "--duration-s",
            "2",
            "--measure",
            "--json",
        ],
    );
    stop.store(true, Ordering::Relaxed);
    source.join().unwrap();
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let m = &v["measure"];
    let all = &m["overall"];
    // Each host's join waited at most a packet interval (and scheduling).
    assert_eq!(all["join"]["count"], 3, "{m}");
    assert!(all["join"]["max_us"].as_u64().unwrap() < 200_000, "{m}");
    for q in ["min_us", "median_us", "p95_us", "p99_us", "max_us"] {
        assert!(all["join"][q].is_u64(), "{q}: {m}");
    }
    assert!(!all["join"]["histogram"].as_array().unwrap().is_empty());
    // Nobody stops b: every leave is followed by packets, and no leave
    // delay can be given.
    assert_eq!(all["leaves_not_stopped"], 3, "{m}");
    assert_eq!(all["leave"]["count"], 0, "{m}");
    assert!(all["packets_after_leave"].as_u64().unwrap() >= 3, "{m}");
    assert_eq!(all["never_received"], 0, "{m}");
    assert_eq!(m["group_capacity"], 1, "{m}");
    assert_eq!(m["groups"][0]["group"], group.to_string(), "{m}");
}
