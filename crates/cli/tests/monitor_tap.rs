//! `monitor` on its default path, the tap, between two namespaces: it sees
//! what the other kernel sends to link-local and routable groups while
//! tcpdump on the other end sees nothing at all from the monitoring host;
//! it stamps lines with the kernel's time; it ends with a message when its
//! interface is deleted; no timeout, however large, makes it panic.

mod common;

use std::time::Duration;

use common::{join, json_lines, run, Background};
use ipv4kit_testnet::{require_privileges, Link, ADDR_B};

fn mac_of(ns: &ipv4kit_testnet::Netns, dev: &str) -> String {
    let shown = ns.ip(&["-o", "link", "show", "dev", dev]).unwrap();
    shown
        .split_whitespace()
        .skip_while(|w| *w != "link/ether")
        .nth(1)
        .unwrap_or_else(|| panic!("no MAC in {shown}"))
        .to_owned()
}

fn monitor(link: &Link, extra: &[&str]) -> Background {
    let mut args = vec!["monitor", "--iface", &link.if_a];
    args.extend_from_slice(extra);
    let mut m = Background::spawn(common::command(&link.a, &args));
    m.wait_stderr("monitoring");
    m
}

#[test]
fn monitor_sees_v2_reports_to_224_0_0_251_and_v3_reports_while_the_peer_sees_nothing_from_it() {
    require_privileges!();
    if ipv4kit_testnet::run("tcpdump", &["--version"]).is_err() {
        assert_ne!(
            std::env::var("IPV4KIT_REQUIRE_PRIVILEGED").as_deref(),
            Ok("1"),
            "tcpdump is needed"
        );
        eprintln!("skipping: tcpdump not installed");
        return;
    }
    let link = Link::new().unwrap();
    // No IPv6 on a, so nothing at all is expected from a's MAC (IPv6
    // autoconfiguration would send for seconds after the link came up).
    link.a
        .sysctl(&format!("net.ipv6.conf.{}.disable_ipv6", link.if_a), "1")
        .unwrap();
    let a_mac = mac_of(&link.a, &link.if_a);
    let b_mac = mac_of(&link.b, &link.if_b);
    let mut td = Background::spawn({
        let mut c = std::process::Command::new("ip");
        c.args(["netns", "exec", link.b.name(), "tcpdump", "-i", &link.if_b])
            .args(["-n", "-l", "-e", "ether", "src", &a_mac]);
        c
    });
    td.wait_stderr("listening on");
    let mut mon = monitor(&link, &["--json", "--timeout-s", "60"]);

    let conf = format!("net.ipv4.conf.{}", link.if_b);
    link.b
        .sysctl(&format!("{conf}.force_igmp_version"), "2")
        .unwrap();
    let mdns = join(&link.b, &link.if_b, "224.0.0.251".parse().unwrap());
    let v2 = mon.read_until(|lines| {
        json_lines(lines).iter().any(|v| {
            v["ipv4"]["src"] == ADDR_B.to_string()
                && v["ipv4"]["dst"] == "224.0.0.251"
                && v["igmp"]["type"] == "report"
                && v["igmp"]["version"] == 2
        })
    });
    link.b
        .sysctl(&format!("{conf}.force_igmp_version"), "0")
        .unwrap();
    let routable = join(&link.b, &link.if_b, "239.60.0.1".parse().unwrap());
    let v3 = mon.read_until(|lines| {
        json_lines(lines).iter().any(|v| {
            v["ipv4"]["dst"] == "224.0.0.22"
                && v["igmp"]["records"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|r| r["group"] == "239.60.0.1"))
        })
    });
    std::thread::sleep(Duration::from_millis(300));
    let (out, err) = mon.stop();
    let (mut seen_by_b, td_err) = td.stop();
    seen_by_b.retain(|l| !l.trim().is_empty());
    assert!(v2, "no v2 report to 224.0.0.251: {out:#?}");
    assert!(v3, "no v3 report: {out:#?}");
    assert!(
        seen_by_b.is_empty() && td_err.iter().any(|l| l.starts_with("0 packets captured")),
        "the peer saw packets from the monitoring host: {seen_by_b:#?} {td_err:?}"
    );
    for v in json_lines(&out) {
        // As decode prints it: RFC 3339 UTC with nanoseconds and the same
        // instant in seconds; then the link facts.
        let ts = v["time"].as_str().unwrap();
        assert_eq!(ts.len(), 30, "{ts}");
        assert!(ts.ends_with('Z') && &ts[10..11] == "T", "{ts}");
        let epoch = v["time_epoch"].as_str().unwrap();
        assert_eq!(epoch[epoch.len() - 9..], ts[20..29], "{v}");
        assert!(v.get("ts").is_none(), "{v}");
        assert_eq!(v["packet_type"], "M", "{v}");
        assert_eq!(v["src_mac"], b_mac.as_str(), "{v}");
    }
    // The summary at exit counts by version and type.
    let summary = err.iter().find(|l| l.contains("messages")).unwrap();
    assert!(
        summary.contains("v2 report") && summary.contains("v3 report"),
        "{summary}"
    );
    assert!(summary.ends_with("0 dropped by the kernel"), "{summary}");
    drop((mdns, routable));
}

#[test]
fn text_lines_start_with_the_kernel_time_as_tcpdump_prints_it() {
    require_privileges!();
    let link = Link::new().unwrap();
    // -4: b's kernel may still be sending MLD reports for its new
    // link-local address; the first line must be the IGMP one.
    let mut mon = monitor(&link, &["-4", "--timeout-s", "60"]);
    let _m = join(&link.b, &link.if_b, "239.60.0.2".parse().unwrap());
    let seen = mon.read_until(|lines| !lines.is_empty());
    let (out, _) = mon.stop();
    assert!(seen, "nothing printed");
    let line = &out[0];
    let b = line.as_bytes();
    // 00:28:46.929431735 IF M 198.18.0.2 > 224.0.0.22: ... (tcpdump --nano)
    assert!(
        b.len() > 19
            && b[2] == b':'
            && b[5] == b':'
            && b[8] == b'.'
            && b[9..18].iter().all(u8::is_ascii_digit)
            && b[18] == b' ',
        "{line}"
    );
    assert!(
        line[19..].starts_with(&format!("{} M {ADDR_B} > 224.0.0.22: ", link.if_a)),
        "{line}"
    );
}

#[test]
fn deleting_the_interface_ends_monitor_with_a_message_and_its_summary() {
    require_privileges!();
    let link = Link::new().unwrap();
    // -4: no MLD report of the hosts' new link-local addresses to count.
    let mon = monitor(&link, &["-4"]);
    std::thread::sleep(Duration::from_millis(200));
    link.a.ip(&["link", "del", &link.if_a]).unwrap();
    let (status, _, err) = mon.wait();
    assert_eq!(status.code(), Some(1), "{err:?}");
    let all = err.join("\n");
    assert!(
        all.contains(&format!("interface {} disappeared", link.if_a)),
        "{all}"
    );
    assert!(all.contains("0 messages; 0 dropped by the kernel"), "{all}");
}

#[test]
fn the_largest_timeout_does_not_overflow_and_sigterm_ends_monitor_with_status_0() {
    require_privileges!();
    let link = Link::new().unwrap();
    let mon = monitor(&link, &["--timeout-s", &u64::MAX.to_string()]);
    let pid = mon.pid();
    std::thread::sleep(Duration::from_millis(300));
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let (status, _, err) = mon.wait();
    assert!(status.success(), "{err:?}");
    assert!(!err.join("\n").contains("panicked"), "{err:?}");
}

#[test]
fn monitor_on_a_missing_interface_names_it_and_exits_1() {
    require_privileges!();
    let link = Link::new().unwrap();
    let out = run(&link.a, &["monitor", "--iface", "nosuchif0"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nosuchif0"), "{err}");
}

#[test]
fn query_with_a_source_address_puts_it_on_the_wire_as_the_peer_sees_it() {
    require_privileges!();
    let link = Link::new().unwrap();
    let mut mon = Background::spawn(common::command(
        &link.b,
        &[
            "monitor",
            "--iface",
            &link.if_b,
            "--json",
            "--timeout-s",
            "30",
        ],
    ));
    mon.wait_stderr("monitoring");
    let sent = common::run_ok(
        &link.a,
        &[
            "query",
            "--iface",
            &link.if_a,
            "--source-address",
            "198.18.0.77",
        ],
    );
    assert!(
        sent.starts_with(&format!("sent {} 198.18.0.77 > 224.0.0.1: ", link.if_a)),
        "{sent}"
    );
    let seen = mon.read_until(|lines| {
        json_lines(lines)
            .iter()
            .any(|v| v["ipv4"]["src"] == "198.18.0.77" && v["igmp"]["type"] == "query")
    });
    let (out, _) = mon.stop();
    assert!(seen, "{out:#?}");
}
