//! `ipv4kit emulate -6` and `--mac-base` on a real link, checked by an
//! independent decoder: tcpdump (`-e -n -v`) in namespace b prints every
//! frame the emulated hosts sent, with its MAC addresses, hop limit,
//! Router Alert and whether the ICMPv6 checksum is right.
//!
//! Needs tcpdump (CI installs it); without it the tests say so and pass,
//! unless `IPV4KIT_REQUIRE_TOOLS=1`.

mod common;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use common::*;
use ipv4kit_testnet::{require_privileges, Link};

fn have_tcpdump() -> bool {
    if Command::new("tcpdump").arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("IPV4KIT_REQUIRE_TOOLS").is_none(),
        "tcpdump is not installed and IPV4KIT_REQUIRE_TOOLS=1"
    );
    eprintln!("skipping: tcpdump is not installed");
    false
}

/// Runs `emulate ARGS` in a while tcpdump listens in b; returns tcpdump's
/// lines that mention `group`, and emulate's JSON summary.
fn emulate_under_tcpdump(
    link: &Link,
    args: &[&str],
    group: &str,
) -> (Vec<String>, serde_json::Value) {
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", link.b.name(), "tcpdump"]).args([
        "-i",
        &link.if_b,
        "-l",
        "-e",
        "-n",
        "-v",
        "ip6 or igmp",
    ]);
    let mut dump = Background::spawn(cmd);
    dump.wait_stderr("listening on");
    let mut all = vec!["emulate", "--iface", &link.if_a];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--duration-s", "2", "--json"]);
    let out = run_ok(&link.a, &all);
    std::thread::sleep(Duration::from_millis(300));
    let (lines, _) = dump.stop();
    let summary = serde_json::from_str(out.trim()).unwrap();
    // One entry per packet: tcpdump -v continues IPv4 packets on indented lines.
    let mut joined: Vec<String> = Vec::new();
    for l in lines {
        match joined.last_mut() {
            Some(last) if l.starts_with(char::is_whitespace) => last.push_str(&l),
            _ => joined.push(l),
        }
    }
    let lines = joined.into_iter().filter(|l| l.contains(group)).collect();
    (lines, summary)
}

/// The word after `key` in `line`.
fn after<'a>(line: &'a str, key: &str) -> &'a str {
    let at = line
        .find(key)
        .unwrap_or_else(|| panic!("no {key:?} in {line}"))
        + key.len();
    line[at..].split_whitespace().next().unwrap()
}

#[test]
fn emulate_6_reports_decode_in_tcpdump_with_hop_limit_1_router_alert_and_right_checksums() {
    require_privileges!();
    if !have_tcpdump() {
        return;
    }
    let link = Link::with_ipv6().unwrap();
    let (lines, v) = emulate_under_tcpdump(
        &link,
        &[
            "-6",
            "--hosts",
            "10",
            "--first-address",
            "fe80::2:0",
            "--join",
            "ff1e::8000:21",
        ],
        "gaddr ff1e::8000:21",
    );
    assert_eq!(
        (v["hosts_joined"].as_u64(), v["sent"].as_u64()),
        (Some(10), Some(20)),
        "{v}"
    );
    let mut per_host: BTreeMap<String, usize> = BTreeMap::new();
    for l in &lines {
        for want in [
            "hlim 1,",
            "HBH (rtalert: 0x0000)",
            "[icmp6 sum ok]",
            "> ff02::16:",
            "multicast listener report v2, 1 group record(s) [gaddr ff1e::8000:21 to_ex, 0 source(s)]",
        ] {
            assert!(l.contains(want), "{want:?} not in {l}");
        }
        let src = after(l, "payload length: 36) ");
        *per_host.entry(src.to_owned()).or_default() += 1;
    }
    assert_eq!(per_host.len(), 10, "{lines:#?}");
    assert!(per_host.values().all(|n| *n == 2), "{per_host:?}");
    assert!(per_host.contains_key("fe80::2:0") && per_host.contains_key("fe80::2:9"));
}

#[test]
fn mac_base_frames_carry_consecutive_source_macs_for_mld_and_igmp() {
    require_privileges!();
    if !have_tcpdump() {
        return;
    }
    let link = Link::with_ipv6().unwrap();
    for (args, group, dst_mac) in [
        (
            &[
                "-6",
                "--hosts",
                "8",
                "--first-address",
                "fe80::3:0",
                "--join",
                "ff1e::8000:31",
                "--mac-base",
                "02:00:5e:40:00:fe",
            ][..],
            "gaddr ff1e::8000:31",
            "33:33:00:00:00:16",
        ),
        (
            &[
                "--hosts",
                "8",
                "--first-address",
                "198.18.0.20",
                "--join",
                "239.6.0.1",
                "--mac-base",
                "02:00:5e:40:00:fe",
            ][..],
            "gaddr 239.6.0.1",
            "01:00:5e:00:00:16",
        ),
    ] {
        let (lines, v) = emulate_under_tcpdump(&link, args, group);
        assert_eq!(v["sent"].as_u64(), Some(16), "{v}");
        let mut macs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for l in &lines {
            // "02:00:5e:40:00:fe > 33:33:00:00:00:16, ethertype IPv6 ..."
            let mut w = l.split_whitespace().skip(1);
            let (src, gt, dst) = (w.next().unwrap(), w.next().unwrap(), w.next().unwrap());
            assert_eq!((gt, dst.trim_end_matches(',')), (">", dst_mac), "{l}");
            assert!(!l.contains("bad cksum") && !l.contains("wrong"), "{l}");
            macs.entry(src.to_owned()).or_default().push(l.clone());
        }
        let want: Vec<String> = [
            "02:00:5e:40:00:fe",
            "02:00:5e:40:00:ff",
            "02:00:5e:40:01:00",
            "02:00:5e:40:01:01",
            "02:00:5e:40:01:02",
            "02:00:5e:40:01:03",
            "02:00:5e:40:01:04",
            "02:00:5e:40:01:05",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(macs.keys().cloned().collect::<Vec<_>>(), want, "{lines:#?}");
        assert!(macs.values().all(|l| l.len() == 2), "{macs:#?}");
    }
}
