//! `query`, `report`, `leave` and `monitor` between two namespaces, with the
//! Linux kernel's IGMP host stack as the peer and tcpdump as the judge of
//! what went on the wire.

mod common;

use std::net::Ipv4Addr;

use common::{join, json_lines, run, run_ok, Background, PATIENCE};
use ipv4kit_cli::decode::igmp_message;
use ipv4kit_net::MrouteSocket;
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B};
use ipv4kit_wire::igmp::{
    GroupRecordRepr, GroupRecordType, LeaveV2, MaxRespCode, Qqic, QueryV1, QueryV2, QueryV3,
    ReportV1, ReportV2, ReportV3,
};
use serde_json::Value;

/// Starts `ipv4kit monitor --json` on host a's interface and waits until it
/// has its sockets.
fn monitor_a(link: &Link) -> Background {
    let mut m = Background::spawn(common::command(
        &link.a,
        &[
            "monitor",
            "--iface",
            &link.if_a,
            "-4", // IGMP only: not the MLD of new link-local addresses
            "--json",
            "--timeout-s",
            "60",
        ],
    ));
    m.wait_stderr("monitoring");
    m
}

fn is_from(v: &Value, src: Ipv4Addr) -> bool {
    v["ipv4"]["src"] == src.to_string()
}

fn igmp_is(v: &Value, kind: &str, version: u64, group: &str) -> bool {
    v["igmp"]["type"] == kind && v["igmp"]["version"] == version && v["igmp"]["group"] == group
}

fn has_record(v: &Value, type_name: &str, group: &str) -> bool {
    v["igmp"]["version"] == 3
        && v["igmp"]["records"].as_array().is_some_and(|rs| {
            rs.iter()
                .any(|r| r["record_type_name"] == type_name && r["group"] == group)
        })
}

#[test]
fn monitor_sees_v3_v2_and_v1_reports_and_leaves_of_the_other_kernel() {
    require_privileges!();
    let link = Link::new().unwrap();
    let mut mon = monitor_a(&link);
    let force = |v: &str| {
        link.b
            .sysctl(
                &format!("net.ipv4.conf.{}.force_igmp_version", link.if_b),
                v,
            )
            .unwrap()
    };
    // Each step waits for its message: Linux sends a v1/v2 join's report
    // after a random delay of up to 200 ms, and a leave only once it has
    // reported (RFC 2236 §6: the "last reporter" leaves).
    // v3 (the default): a report to 224.0.0.22.
    let m3 = join(&link.b, &link.if_b, "239.10.0.3".parse().unwrap());
    let v3 = mon.read_until(|lines| {
        json_lines(lines)
            .iter()
            .any(|v| is_from(v, ADDR_B) && has_record(v, "CHANGE_TO_EXCLUDE_MODE", "239.10.0.3"))
    });
    // v2: a report to the group (which a never joined), then a leave.
    force("2");
    let m2 = join(&link.b, &link.if_b, "239.10.0.2".parse().unwrap());
    let v2 = mon.read_until(|lines| {
        json_lines(lines).iter().any(|v| {
            is_from(v, ADDR_B)
                && igmp_is(v, "report", 2, "239.10.0.2")
                && v["ipv4"]["dst"] == "239.10.0.2"
        })
    });
    drop(m2);
    let leave = mon.read_until(|lines| {
        json_lines(lines).iter().any(|v| {
            is_from(v, ADDR_B)
                && igmp_is(v, "leave", 2, "239.10.0.2")
                && v["ipv4"]["dst"] == "224.0.0.2"
        })
    });
    // v1: a report to the group.
    force("1");
    let m1 = join(&link.b, &link.if_b, "239.10.0.1".parse().unwrap());
    let v1 = mon.read_until(|lines| {
        json_lines(lines).iter().any(|v| {
            is_from(v, ADDR_B)
                && igmp_is(v, "report", 1, "239.10.0.1")
                && v["ipv4"]["dst"] == "239.10.0.1"
        })
    });
    let seen = [v3, v2, leave, v1];
    let (out, err) = mon.stop();
    let values = json_lines(&out);
    assert_eq!(
        seen, [true; 4],
        "seen [v3, v2 report, v2 leave, v1]\nstdout: {out:#?}\nstderr: {err:?}"
    );
    // Every line names the interface and its index.
    let ifindex = link
        .a
        .run(|| ipv4kit_net::interface_index(&link.if_a).unwrap());
    for v in &values {
        assert_eq!(v["iface"], link.if_a.as_str());
        assert_eq!(v["ifindex"], ifindex);
    }
    drop((m3, m1));
}

#[test]
fn query_from_a_makes_b_answer_and_monitor_shows_the_answers() {
    require_privileges!();
    let link = Link::new().unwrap();
    let _member = join(&link.b, &link.if_b, "239.20.0.1".parse().unwrap());
    let mut mon = monitor_a(&link);

    // A v3 general query, from the source the kernel chose (a's address,
    // printed): b answers with a current-state record (IS_EX),
    // which only an answer carries (joins send TO_EX).
    let sent = run_ok(
        &link.a,
        &["query", "--iface", &link.if_a, "--max-resp-ms", "1000"],
    );
    assert!(
        sent.starts_with(&format!(
            "sent {} {ADDR_A} > 224.0.0.1: ttl 1 tos 0xc0",
            link.if_a
        )),
        "{sent}"
    );
    assert!(
        sent.contains("[RA] igmp v3 query 0.0.0.0 max resp 1.0s qrv 2 qqi 125s"),
        "{sent}"
    );
    let answered = mon.read_until(|lines| {
        json_lines(lines)
            .iter()
            .any(|v| is_from(v, ADDR_B) && has_record(v, "MODE_IS_EXCLUDE", "239.20.0.1"))
    });
    assert!(answered, "no IS_EX answer from b: {:#?}", mon.out_lines);

    // A v2 group-specific query: b falls back to IGMPv2 and answers with a
    // v2 report, which it sends for no other reason.
    run_ok(
        &link.a,
        &[
            "query",
            "--iface",
            &link.if_a,
            "--version",
            "2",
            "--group",
            "239.20.0.1",
            "--max-resp-ms",
            "1000",
        ],
    );
    let answered = mon.read_until(|lines| {
        json_lines(lines)
            .iter()
            .any(|v| is_from(v, ADDR_B) && igmp_is(v, "report", 2, "239.20.0.1"))
    });
    let (out, _) = mon.stop();
    assert!(answered, "no v2 report from b: {out:#?}");
}

#[test]
fn monitor_goes_on_with_memberships_when_another_program_holds_the_routing_socket() {
    require_privileges!();
    let link = Link::new().unwrap();
    let held = link.a.run(|| MrouteSocket::new().unwrap());
    let mut mon = Background::spawn(common::command(
        &link.a,
        &[
            "monitor",
            "--iface",
            &link.if_a,
            "-4", // IGMP only: not the MLD of new link-local addresses
            "--json",
            "--timeout-s",
            "60",
            "--via",
            "mroute",
        ],
    ));
    mon.wait_stderr("monitoring");
    assert!(
        mon.err_lines
            .iter()
            .any(|l| l.contains("cannot be the multicast-routing socket")
                && l.contains("another program already holds")),
        "{:?}",
        mon.err_lines
    );
    let _member = join(&link.b, &link.if_b, "239.40.0.1".parse().unwrap());
    let seen = mon.read_until(|lines| {
        json_lines(lines)
            .iter()
            .any(|v| is_from(v, ADDR_B) && has_record(v, "CHANGE_TO_EXCLUDE_MODE", "239.40.0.1"))
    });
    let (out, _) = mon.stop();
    assert!(seen, "no v3 report via the membership: {out:#?}");
    drop(held);
}

/// What tcpdump in b makes of a capture: `tcpdump -v -n -r FILE`.
fn tcpdump_text(link: &Link, file: &str) -> String {
    String::from_utf8(
        link.b
            .exec("tcpdump", &["-v", "-n", "-r", file])
            .map(String::into_bytes)
            .unwrap(),
    )
    .unwrap()
}

/// The `igmp` object `decode` prints for a message the codec emits.
fn igmp_json(emit: impl Fn(&mut [u8]) -> usize) -> Value {
    let mut buf = [0u8; 1500];
    let n = emit(&mut buf);
    serde_json::to_value(igmp_message(&buf[..n]).unwrap()).unwrap()
}

#[test]
fn what_query_report_and_leave_send_decodes_as_the_same_message_in_tcpdump_on_the_other_side() {
    require_privileges!();
    if ipv4kit_testnet::run("tcpdump", &["--version"]).is_err() {
        // CI installs tcpdump; elsewhere say why this one cannot run.
        assert_ne!(
            std::env::var("IPV4KIT_REQUIRE_PRIVILEGED").as_deref(),
            Ok("1"),
            "tcpdump is needed"
        );
        eprintln!("skipping: tcpdump not installed");
        return;
    }
    let link = Link::new().unwrap();
    let dir = tempdir();
    let file = format!("{dir}/b.pcap");
    let mut td = Background::spawn({
        let mut c = std::process::Command::new("ip");
        c.args([
            "netns",
            "exec",
            link.b.name(),
            "tcpdump",
            "-i",
            &link.if_b,
            "-n",
            "-U",
        ])
        .args(["-w", &file, "igmp"]);
        c
    });
    td.wait_stderr("listening on");

    let a = |args: &[&str]| {
        let mut all = vec![args[0], "--iface", &link.if_a];
        all.extend_from_slice(&args[1..]);
        run_ok(&link.a, &all)
    };
    let group = Ipv4Addr::new(239, 30, 0, 1);
    let sources = [ADDR_A, Ipv4Addr::new(10, 1, 1, 1)];
    a(&[
        "query",
        "--group",
        "239.30.0.1",
        "--source",
        "198.18.0.1",
        "--source",
        "10.1.1.1",
        "--s-flag",
        "--max-resp-ms",
        "1000",
    ]);
    a(&["query", "--version", "2", "--max-resp-ms", "1000"]);
    a(&["query", "--version", "1"]);
    // report and leave print (and put in the header) the source the kernel
    // uses, a's address, as query does: not 0.0.0.0.
    let printed = [
        a(&["report", "--version", "1", "--group", "239.30.0.3"]),
        a(&["report", "--version", "2", "--group", "239.30.0.2"]),
        a(&[
            "report",
            "--version",
            "3",
            "--group",
            "239.30.0.4",
            "--record",
            "allow:232.30.0.5:10.0.0.1,10.0.0.2",
        ]),
        a(&["leave", "--group", "239.30.0.2"]),
    ];
    for (out, dst) in printed
        .iter()
        .zip(["239.30.0.3", "239.30.0.2", "224.0.0.22", "224.0.0.2"])
    {
        let want = format!("sent {} {ADDR_A} > {dst}: ", link.if_a);
        assert!(out.starts_with(&want), "{want:?} in {out:?}");
    }

    // What each of them should be, built with the codec.
    let allow_src = [Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2)];
    let records = [
        GroupRecordRepr {
            record_type: GroupRecordType::ChangeToExclude,
            group: "239.30.0.4".parse().unwrap(),
            sources: &[],
            aux_data: &[],
        },
        GroupRecordRepr {
            record_type: GroupRecordType::AllowNewSources,
            group: "232.30.0.5".parse().unwrap(),
            sources: &allow_src,
            aux_data: &[],
        },
    ];
    let expected = [
        igmp_json(|b| {
            QueryV3 {
                max_resp_code: MaxRespCode(10),
                group,
                s_flag: true,
                qrv: 2,
                qqic: Qqic(125),
                sources: &sources,
            }
            .emit(b)
            .unwrap()
        }),
        igmp_json(|b| {
            QueryV2 {
                max_resp_time: 10,
                group: Ipv4Addr::UNSPECIFIED,
            }
            .emit(b)
            .unwrap()
        }),
        igmp_json(|b| QueryV1.emit(b).unwrap()),
        igmp_json(|b| {
            ReportV1 {
                group: "239.30.0.3".parse().unwrap(),
            }
            .emit(b)
            .unwrap()
        }),
        igmp_json(|b| {
            ReportV2 {
                group: "239.30.0.2".parse().unwrap(),
            }
            .emit(b)
            .unwrap()
        }),
        igmp_json(|b| ReportV3 { records: &records }.emit(b).unwrap()),
        igmp_json(|b| {
            LeaveV2 {
                group: "239.30.0.2".parse().unwrap(),
            }
            .emit(b)
            .unwrap()
        }),
    ];

    // Wait until tcpdump has written all seven (b's kernel may add its own).
    let decode_capture = || -> Vec<Value> {
        let out = std::process::Command::new(common::BIN)
            .args(["decode", "--json", &file])
            .output()
            .unwrap();
        json_lines(
            &String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(String::from)
                .collect::<Vec<_>>(),
        )
        .into_iter()
        .filter(|v| is_from(v, ADDR_A))
        .collect()
    };
    let end = std::time::Instant::now() + PATIENCE;
    while decode_capture().len() < expected.len() && std::time::Instant::now() < end {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    drop(td.stop());
    let captured = decode_capture();
    assert_eq!(captured.len(), expected.len(), "{captured:#?}");
    for (got, want) in captured.iter().zip(&expected) {
        assert_eq!(&got["igmp"], want, "{got}");
        assert_eq!(got["ipv4"]["ttl"], 1, "{got}");
        let v = want["version"].as_u64().unwrap();
        let ra = got["ipv4"]["options"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["kind"] == "router_alert");
        let is_v1 = v == 1;
        assert_eq!(ra, !is_v1, "Router Alert on v2/v3 only: {got}");
        assert_eq!(got["ipv4"]["tos"], if v == 3 { 0xc0 } else { 0 }, "{got}");
    }
    assert_eq!(captured[0]["ipv4"]["dst"], "239.30.0.1");
    assert_eq!(captured[1]["ipv4"]["dst"], "224.0.0.1");
    assert_eq!(captured[5]["ipv4"]["dst"], "224.0.0.22");
    assert_eq!(captured[6]["ipv4"]["dst"], "224.0.0.2");

    // tcpdump's own reading: the same messages, nothing it calls bad.
    let text = tcpdump_text(&link, &file);
    for needle in [
        "198.18.0.1 > 239.30.0.1: igmp query v3 [max resp time 1.0s] [gaddr 239.30.0.1, 2 source(s)]",
        "198.18.0.1 > 224.0.0.1: igmp query v2 [max resp time 10]",
        "198.18.0.1 > 224.0.0.1: igmp query v1",
        "198.18.0.1 > 239.30.0.3: igmp v1 report 239.30.0.3",
        "198.18.0.1 > 239.30.0.2: igmp v2 report 239.30.0.2",
        "198.18.0.1 > 224.0.0.22: igmp v3 report, 2 group record(s) [gaddr 239.30.0.4 to_ex, 0 source(s)] [gaddr 232.30.0.5 allow, 2 source(s)]",
        "198.18.0.1 > 224.0.0.2: igmp leave 239.30.0.2",
    ] {
        assert!(text.contains(needle), "tcpdump lacks {needle:?}:\n{text}");
    }
    for bad in ["bad", "[|igmp]", "malformed", "truncated", "wrong"] {
        assert!(
            !text.to_lowercase().contains(bad),
            "tcpdump says {bad:?}:\n{text}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn v3_report_records_are_split_across_reports_to_fit_the_interface_mtu() {
    require_privileges!();
    let link = Link::new().unwrap();
    link.a
        .ip(&["link", "set", &link.if_a, "mtu", "576"])
        .unwrap();
    // b watches as a plain member of 224.0.0.22 would: monitor there.
    let mut mon = Background::spawn(common::command(
        &link.b,
        &[
            "monitor",
            "--iface",
            &link.if_b,
            "-4", // IGMP only: not the MLD of new link-local addresses
            "--json",
            "--timeout-s",
            "60",
        ],
    ));
    mon.wait_stderr("monitoring");
    let sources: Vec<String> = (1..=300)
        .map(|i| format!("10.9.{}.{}", i / 256, i % 256))
        .collect();
    let record = format!("allow:232.9.9.9:{}", sources.join(","));
    let sent = run_ok(
        &link.a,
        &[
            "report",
            "--iface",
            &link.if_a,
            "--version",
            "3",
            "--record",
            &record,
        ],
    );
    // max_igmp_len(576) = 552 octets: 134 sources a report, so 3 reports.
    assert_eq!(sent.lines().count(), 3, "{sent}");
    let total = |lines: &[String]| -> usize {
        json_lines(lines)
            .iter()
            .filter(|v| is_from(v, ADDR_A) && v["igmp"]["version"] == 3)
            .flat_map(|v| v["igmp"]["records"].as_array().cloned().unwrap_or_default())
            .filter(|r| r["group"] == "232.9.9.9" && r["record_type_name"] == "ALLOW_NEW_SOURCES")
            .map(|r| r["sources"].as_array().unwrap().len())
            .sum()
    };
    let all = mon.read_until(|lines| total(lines) >= 300);
    let (out, _) = mon.stop();
    assert!(all, "got {} of 300 sources: {out:#?}", total(&out));
    for v in json_lines(&out).iter().filter(|v| is_from(v, ADDR_A)) {
        assert!(v["ipv4"]["total_len"].as_u64().unwrap() <= 576, "{v}");
    }
}

#[test]
fn bad_arguments_and_a_missing_interface_fail_with_reasons() {
    require_privileges!();
    let link = Link::new().unwrap();
    let out = run(&link.a, &["query", "--iface", "nosuchif0"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    // The net crate's error names the interface; the command says it once.
    assert!(err.contains("on nosuchif0 failed"), "{err}");
    assert_eq!(err.matches("nosuchif0").count(), 1, "{err}");
    let out = run(
        &link.a,
        &[
            "report",
            "--iface",
            &link.if_a,
            "--version",
            "3",
            "--record",
            "allow:232.1.1.1",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("allow needs at least one source"), "{err}");
    let out = run(
        &link.a,
        &["leave", "--iface", &link.if_a, "--group", "10.0.0.1"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a multicast address"));
}

/// A fresh directory for a capture file.
fn tempdir() -> String {
    let dir = std::env::temp_dir().join(format!(
        "ipv4kit-cli-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.to_string_lossy().into_owned()
}

#[test]
fn monitor_stops_at_its_count_or_timeout_and_query_repeats_count_times() {
    require_privileges!();
    let link = Link::new().unwrap();
    // --timeout-s ends it with exit 0. On the tap monitor takes no
    // membership, so nothing is sent and nothing printed.
    let out = run(
        &link.b,
        &["monitor", "--iface", &link.if_b, "-4", "--timeout-s", "1"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "");
    // --count 2: monitor in a ends by itself after two messages (b's join
    // reports and its answers to a's three queries are more than enough).
    let _member = join(&link.b, &link.if_b, "239.50.0.1".parse().unwrap());
    let mut mon = Background::spawn(common::command(
        &link.a,
        &[
            "monitor",
            "--iface",
            &link.if_a,
            "-4", // IGMP only: not the MLD of new link-local addresses
            "--count",
            "2",
            "--timeout-s",
            "60",
        ],
    ));
    mon.wait_stderr("monitoring");
    let sent = run_ok(
        &link.a,
        &[
            "query",
            "--iface",
            &link.if_a,
            "--count",
            "3",
            "--interval-ms",
            "50",
            "--max-resp-ms",
            "500",
        ],
    );
    assert_eq!(sent.lines().count(), 3, "{sent}");
    assert!(sent.lines().all(|l| l.contains("igmp v3 query")), "{sent}");
    let (status, out, err) = mon.wait();
    assert!(status.success(), "{err:?}");
    assert_eq!(out.len(), 2, "{out:?}");
}
