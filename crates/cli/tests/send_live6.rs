//! `send` and `sink` over IPv6 between two namespaces (unicast, and
//! multicast out of a named interface to a group the sink joined), and the
//! errors of `send` and `query` that say what to do: an interface that is
//! down, a broadcast address without --broadcast, a multicast group without
//! --iface, a datagram larger than the MTU, a send that fails part-way
//! (its summary still printed).

mod common;

use std::time::{Duration, Instant};

use common::{run, run_ok, Background, PATIENCE};
use ipv4kit_testnet::{require_privileges, Link, Netns, ADDR6_B, ADDR_B};

/// Waits until `ns`'s `/proc/net/FILE` has a line containing all of `words`.
fn wait_proc(ns: &Netns, file: &str, words: &[&str]) {
    let path = format!("/proc/thread-self/net/{file}");
    let end = Instant::now() + PATIENCE;
    while Instant::now() < end {
        let text = ns.run(|| std::fs::read_to_string(&path).unwrap());
        if text.lines().any(|l| words.iter().all(|w| l.contains(w))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no {words:?} in {file} of {}", ns.name());
}

fn json(line: &str) -> serde_json::Value {
    serde_json::from_str(line.trim()).unwrap_or_else(|e| panic!("{e}: {line}"))
}

#[test]
fn sink_6_counts_every_ipv6_datagram_send_sent() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let sink = Background::spawn(common::command(
        &link.b,
        &[
            "sink",
            "-6",
            "--json",
            "--idle-timeout-ms",
            "2000",
            "--duration-s",
            "60",
        ],
    ));
    // The raw IPv6 socket's "port" is the protocol, 253 = 0x00FD.
    wait_proc(&link.b, "raw6", &[":00FD "]);
    let sent = run_ok(
        &link.a,
        &[
            "send",
            "--dst",
            &ADDR6_B.to_string(),
            "--count",
            "1000",
            "--json",
        ],
    );
    assert_eq!(json(&sent)["packets"], 1000, "{sent}");
    let (status, out, err) = sink.wait();
    assert!(status.success(), "{err:?}");
    let got = json(&out[0]);
    assert_eq!(
        (&got["packets"], &got["invalid"]),
        (&1000.into(), &0.into()),
        "{got}"
    );
}

#[test]
fn send_to_an_ipv6_group_out_of_iface_reaches_a_sink_that_joined_it() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let sink = Background::spawn(common::command(
        &link.b,
        &[
            "sink",
            "--group",
            "ff3e::77",
            "--iface",
            &link.if_b,
            "--json",
            "--idle-timeout-ms",
            "2000",
            "--duration-s",
            "60",
        ],
    ));
    wait_proc(
        &link.b,
        "igmp6",
        &[&link.if_b, "ff3e0000000000000000000000000077"],
    );
    // A host that has just joined drops datagrams to the group for a
    // moment: prime with single datagrams until one is through the window,
    // then send the counted ones. The sink counts both.
    let send = |count: &str| {
        json(&run_ok(
            &link.a,
            &[
                "send",
                "--dst",
                "ff3e::77",
                "--iface",
                &link.if_a,
                "--hop-limit",
                "1",
                "--count",
                count,
                "--json",
            ],
        ))["packets"]
            .as_u64()
            .unwrap()
    };
    let mut primers = 0;
    for _ in 0..10 {
        primers += send("1");
        std::thread::sleep(Duration::from_millis(150));
    }
    assert_eq!(send("1000"), 1000);
    let (status, out, err) = sink.wait();
    assert!(status.success(), "{err:?}");
    let got = json(&out[0]);
    let n = got["packets"].as_u64().unwrap();
    assert!((1000..=1000 + primers).contains(&n), "{got}");
    assert_eq!(got["invalid"], 0, "{got}");
}

#[test]
fn errors_of_send_say_what_to_add_and_the_summary_is_still_printed() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let a = |args: &[&str]| {
        let out = run(&link.a, args);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // The subnet broadcast address without --broadcast, then with it.
    let (code, out, err) = a(&["send", "--dst", "198.18.0.255", "--count", "1"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("is a broadcast address") && err.contains("add --broadcast"),
        "{err}"
    );
    assert!(out.starts_with("packets=0 "), "{out}");
    let (code, out, err) = a(&[
        "send",
        "--dst",
        "198.18.0.255",
        "--count",
        "1",
        "--broadcast",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("packets=1 "), "{out}");
    // A multicast group with no route and no --iface (the namespace has no
    // IPv4 multicast route; IPv6 gets ff00::/8 on every interface, so an
    // IPv6 group beyond link scope goes by the routing table).
    let (code, _, err) = a(&["send", "--dst", "239.7.7.7", "--count", "1"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("is a multicast group") && err.contains("add --iface IF"),
        "{err}"
    );
    // Larger than the MTU: refused up front with --iface, explained without.
    let b = ADDR_B.to_string();
    let (code, _, err) = a(&["send", "--dst", &b, "--size", "1501", "--iface", &link.if_a]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("more than") && err.contains("MTU (1500)"),
        "{err}"
    );
    let (code, _, err) = a(&["send", "--dst", &b, "--size", "1501", "--count", "1"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("larger than the MTU") && err.contains("smaller --size"),
        "{err}"
    );
}

#[test]
fn a_send_that_fails_part_way_prints_what_it_sent_and_says_the_interface_went_down() {
    require_privileges!();
    let link = Link::new().unwrap();
    let b = ADDR_B.to_string();
    let send = Background::spawn(common::command(
        &link.a,
        &[
            "send",
            "--dst",
            &b,
            "--iface",
            &link.if_a,
            "--duration-s",
            "30",
            "--json",
        ],
    ));
    // Once it is sending (its raw socket is open and packets went out),
    // take the interface down under it.
    let end = Instant::now() + PATIENCE;
    while Instant::now() < end {
        let stats = link
            .a
            .exec("ip", &["-s", "-j", "link", "show", &link.if_a])
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&stats).unwrap();
        if v[0]["stats64"]["tx"]["packets"].as_u64().unwrap_or(0) > 100 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    link.a.ip(&["link", "set", &link.if_a, "down"]).unwrap();
    let (status, out, err) = send.wait();
    assert_eq!(status.code(), Some(1), "{err:?}");
    let summary = json(&out[0]);
    assert!(summary["packets"].as_u64().unwrap() > 0, "{summary}");
    let err = err.join("\n");
    assert!(
        err.contains(&format!("interface {} is down", link.if_a))
            && err.contains(&format!("ip link set {} up", link.if_a)),
        "{err}"
    );
    // query (IGMP and MLD) and send refuse a down interface up front.
    for args in [
        &["query", "--iface", &link.if_a][..],
        &["query", "-6", "--iface", &link.if_a],
        &["send", "--dst", &b, "--iface", &link.if_a, "--count", "1"],
    ] {
        let out = run(&link.a, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("is down: bring it up first"),
            "{args:?}: {err}"
        );
    }
}
