//! `send` and `sink` across a veth pair: the sink counts what the sender
//! sent, and datagrams that are not what `send` writes count as invalid.

mod common;

use std::time::{Duration, Instant};

use common::{run_ok, Background, PATIENCE};
use ipv4kit_net::wire::ipv4::Ipv4Repr;
use ipv4kit_net::RawConn;
use ipv4kit_testnet::{require_privileges, Link, Netns, ADDR_B};

/// Waits until a raw socket for `protocol` is open in `ns` (the protocol
/// is the local "port" in /proc/net/raw, in hex).
fn wait_raw_socket(ns: &Netns, protocol: u8) {
    let port = format!(":{protocol:04X}");
    let end = Instant::now() + PATIENCE;
    while Instant::now() < end {
        let raw = ns.run(|| std::fs::read_to_string("/proc/thread-self/net/raw").unwrap());
        if raw.lines().skip(1).any(|l| {
            l.split_whitespace()
                .nth(1)
                .is_some_and(|a| a.ends_with(&port))
        }) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no raw socket for protocol {protocol} in {}", ns.name());
}

fn sink_in_b(link: &Link, extra: &[&str]) -> Background {
    let mut args = vec!["sink", "--idle-timeout-ms", "2000", "--duration-s", "60"];
    args.extend_from_slice(extra);
    let sink = Background::spawn(common::command(&link.b, &args));
    wait_raw_socket(&link.b, 253);
    sink
}

#[test]
fn sink_counts_every_datagram_send_sent_and_none_is_invalid() {
    require_privileges!();
    let link = Link::new().unwrap();
    let sink = sink_in_b(&link, &["--json"]);
    let sent = run_ok(
        &link.a,
        &[
            "send",
            "--dst",
            &ADDR_B.to_string(),
            "--count",
            "10000",
            "--json",
        ],
    );
    let sent: serde_json::Value = serde_json::from_str(sent.trim()).unwrap();
    assert_eq!(sent["packets"], 10_000, "{sent}");
    assert!(sent["seconds"].as_f64().unwrap() >= 0.0);
    assert!(sent.get("invalid").is_none());
    let (status, out, err) = sink.wait();
    assert!(status.success(), "{err:?}");
    assert_eq!(out.len(), 1, "{out:?}");
    let got: serde_json::Value = serde_json::from_str(&out[0]).unwrap();
    assert_eq!(got["packets"], 10_000, "{got}");
    assert_eq!(got["invalid"], 0, "{got}");
    assert!(got["pps"].as_u64().is_some());
}

#[test]
fn datagrams_not_written_by_send_are_counted_invalid() {
    require_privileges!();
    let link = Link::new().unwrap();
    let sink = sink_in_b(&link, &[]);
    // 1000 good ones with a batch that does not divide the count, other
    // size and TTL, out of a named interface: the tail of a count goes too.
    let line = run_ok(
        &link.a,
        &[
            "send",
            "--dst",
            &ADDR_B.to_string(),
            "--count",
            "1000",
            "--batch",
            "7",
            "--size",
            "1500",
            "--ttl",
            "9",
            "--iface",
            &link.if_a,
        ],
    );
    assert!(line.starts_with("packets=1000 seconds="), "{line}");
    // 5 of the C peer's kind (a zero payload), and 3 with the pattern
    // broken half-way, all protocol 253.
    link.a.run(|| {
        let conn = RawConn::new(253).unwrap();
        let repr = Ipv4Repr::new(ipv4kit_testnet::ADDR_A, ADDR_B, 253, 28);
        for _ in 0..5 {
            conn.send_repr(&repr, &[0u8; 28], None).unwrap();
        }
        let mut payload: Vec<u8> = (0..28u8).collect();
        payload[14] = 0xee;
        for _ in 0..3 {
            conn.send_repr(&repr, &payload, None).unwrap();
        }
    });
    let (status, out, err) = sink.wait();
    assert!(status.success(), "{err:?}");
    let line = out.last().expect("a summary line");
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!(fields.len(), 5, "{line}");
    assert_eq!(fields[0], "packets=1008", "{line}");
    assert!(fields[1].starts_with("seconds="), "{line}");
    assert!(fields[2].starts_with("pps="), "{line}");
    assert_eq!(fields[3], "invalid=8", "{line}");
    assert_eq!(fields[4], "drops=0", "{line}");
}

#[test]
fn send_and_sink_without_privilege_say_which_capability() {
    require_privileges!();
    if ipv4kit_testnet::run("setpriv", &["--version"]).is_err() {
        eprintln!("skipping: no setpriv to drop privileges with");
        return;
    }
    for args in [
        &["send", "--dst", "127.0.0.1", "--count", "1"][..],
        &["sink"][..],
    ] {
        let out = std::process::Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                common::BIN,
            ])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("raw sockets need CAP_NET_RAW"), "{err}");
    }
}

#[test]
fn sink_and_send_stopped_by_sigint_still_print_their_summary() {
    require_privileges!();
    let link = Link::new().unwrap();
    // No duration and a long idle timeout: only the signal ends it.
    let sink = Background::spawn(common::command(
        &link.b,
        &["sink", "--idle-timeout-ms", "600000"],
    ));
    wait_raw_socket(&link.b, 253);
    run_ok(
        &link.a,
        &["send", "--dst", &ADDR_B.to_string(), "--count", "100"],
    );
    // A sender with no bound, stopped the same way (protocol 254, which
    // the sink does not count). Its socket is open once the handler is in.
    let send = Background::spawn(common::command(
        &link.a,
        &[
            "send",
            "--dst",
            &ADDR_B.to_string(),
            "--protocol",
            "254",
            "--duration-s",
            "600",
        ],
    ));
    wait_raw_socket(&link.a, 254);
    for bg in [&send, &sink] {
        let pid = bg.pid().to_string();
        assert!(std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success());
    }
    let (status, out, err) = send.wait();
    assert!(status.success(), "{err:?}");
    assert!(
        out.last().is_some_and(|l| l.starts_with("packets=")),
        "{out:?}"
    );
    let (status, out, err) = sink.wait();
    assert!(status.success(), "{err:?}");
    let line = out.last().expect("a summary line");
    assert!(line.starts_with("packets=100 seconds="), "{line}");
    assert!(line.ends_with(" invalid=0 drops=0"), "{line}");
}

#[test]
fn sink_reports_the_datagrams_the_kernel_dropped_for_a_full_queue() {
    require_privileges!();
    let link = Link::new().unwrap();
    let sink = Background::spawn(common::command(
        &link.b,
        &["sink", "--idle-timeout-ms", "1500"],
    ));
    wait_raw_socket(&link.b, 253);
    // Stopped, the sink reads nothing: its 64 MiB queue (128 MiB of kernel
    // accounting) fills and the kernel drops the rest of 400,000 datagrams.
    let pid = sink.pid().to_string();
    let signal = |s: &str| {
        assert!(std::process::Command::new("kill")
            .args([s, &pid])
            .status()
            .unwrap()
            .success())
    };
    signal("-STOP");
    let dst = ADDR_B.to_string();
    run_ok(&link.a, &["send", "--dst", &dst, "--count", "400000"]);
    signal("-CONT");
    // The count rides on datagrams queued after the drops: send a few more
    // once the sink has drained its queue.
    std::thread::sleep(Duration::from_millis(700));
    run_ok(&link.a, &["send", "--dst", &dst, "--count", "10"]);
    let (status, out, err) = sink.wait();
    assert!(status.success(), "{err:?}");
    let line = out.last().expect("a summary line");
    let field = |name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|f| f.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {line}"))
            .parse()
            .unwrap()
    };
    let (packets, drops) = (field("packets="), field("drops="));
    assert!(drops > 0, "{line}");
    assert!(packets + drops <= 400_010, "{line}");
    assert!(
        err.iter().any(|l| l.contains("the kernel dropped")),
        "{err:?}"
    );
}

#[test]
fn send_via_packet_puts_frames_on_the_link_through_the_tx_ring_that_the_sink_counts_as_valid() {
    require_privileges!();
    // 10,000 frames through a ring of 256 slots: slots are reused many times.
    sink_counts_every_frame_sent_via("packet");
}

#[test]
fn send_via_packet_sendmmsg_puts_the_same_frames_on_the_link() {
    require_privileges!();
    sink_counts_every_frame_sent_via("packet-sendmmsg");
}

/// `send --via VIA` of a count of frames from a to b's address: the sink
/// on b counts them all, none invalid.
fn sink_counts_every_frame_sent_via(via: &str) {
    let link = Link::new().unwrap();
    let sink = Background::spawn(common::command(
        &link.b,
        &["sink", "--idle-timeout-ms", "500"],
    ));
    wait_raw_socket(&link.b, 253);
    let dst = ADDR_B.to_string();
    let count = if via == "packet" { "10000" } else { "1000" };
    // Unicast on the link: the MAC comes from ARP, asked for first.
    let sent = run_ok(
        &link.a,
        &[
            "send", "--dst", &dst, "--via", via, "--iface", &link.if_a, "--count", count,
        ],
    );
    assert!(sent.starts_with(&format!("packets={count} ")), "{sent}");
    let (status, out, err) = sink.wait();
    assert!(status.success(), "{err:?}");
    let line = out.last().expect("a summary line");
    assert!(
        line.starts_with(&format!("packets={count} ")) && line.contains(" invalid=0 "),
        "{line}"
    );
}

#[test]
fn send_via_packet_without_an_interface_or_to_another_subnet_exits_2() {
    require_privileges!();
    let link = Link::new().unwrap();
    let out = common::run(
        &link.a,
        &[
            "send",
            "--dst",
            "198.18.0.2",
            "--via",
            "packet",
            "--count",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs --iface"));
    let out = common::run(
        &link.a,
        &[
            "send", "--dst", "10.1.2.3", "--via", "packet", "--iface", &link.if_a, "--count", "1",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is on neither"));
}
