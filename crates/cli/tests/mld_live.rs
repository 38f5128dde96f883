//! `query -6`, `report` and `leave` with IPv6 groups between two
//! namespaces: the Linux kernel's MLD host stack in the peer answers our
//! queries, a raw ICMPv6 socket in the peer receives our reports and Done
//! and the codec parses them, and tshark decodes every message the command
//! sends without a warning and with good checksums.

mod common;

use std::net::Ipv6Addr;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{run_ok, Background, PATIENCE};
use ipv4kit_net::{
    interface_index, ControlFlags, Datagram6Options, Ipv6Options, PacketConn6, IPPROTO_ICMPV6,
};
use ipv4kit_testnet::{require_privileges, Link, Netns, LINK_LOCAL_A, LINK_LOCAL_B};
use ipv4kit_wire::mld::{GroupRecordType, MldMessage, ALL_MLDV2_ROUTERS, ALL_ROUTERS};

/// A raw ICMPv6 socket in `ns` that is a member of `groups` on `iface`
/// and asks for each datagram's destination and hop limit.
fn listener(ns: &Netns, iface: &str, groups: &[Ipv6Addr]) -> PacketConn6 {
    ns.run(|| {
        let c = PacketConn6::raw(IPPROTO_ICMPV6).unwrap();
        let i = interface_index(iface).unwrap();
        for g in groups {
            c.join_group(i, *g).unwrap();
        }
        c.set_control_message(ControlFlags::DST | ControlFlags::HOP_LIMIT, true)
            .unwrap();
        c
    })
}

/// A UDP socket in `ns` joined to `group` on `iface` (the kernel then
/// reports the group and answers queries for it).
fn member(ns: &Netns, iface: &str, group: Ipv6Addr) -> PacketConn6 {
    ns.run(|| {
        let c = PacketConn6::udp().unwrap();
        c.join_group(interface_index(iface).unwrap(), group)
            .unwrap();
        c
    })
}

/// A received MLD message: source, destination, hop limit, bytes.
struct Got {
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: Option<u8>,
    bytes: Vec<u8>,
}

impl Got {
    fn message(&self) -> MldMessage<'_> {
        MldMessage::parse(&self.bytes, self.src, self.dst)
            .unwrap_or_else(|e| panic!("from {} to {}: {e}", self.src, self.dst))
    }
}

/// Runs `send` until `conn` receives a message from `from` that satisfies
/// `pred` within 1.5 s of it, for at most PATIENCE. A host that has just
/// joined a group drops datagrams to it for a moment (seen on veth: a
/// message sent 0.3 s after the join is lost, those 0.8 s after arrive),
/// so one send is not a fair test.
fn send_until(
    conn: &PacketConn6,
    from: Ipv6Addr,
    mut send: impl FnMut(),
    mut pred: impl FnMut(&Got) -> bool,
) -> Option<Got> {
    let end = Instant::now() + PATIENCE;
    while Instant::now() < end {
        send();
        if let Some(g) = recv_within(conn, from, Duration::from_millis(1500), &mut pred) {
            return Some(g);
        }
    }
    None
}

/// Receives on `conn` until a message from `from` satisfies `pred`, or
/// `within` passes.
fn recv_within(
    conn: &PacketConn6,
    from: Ipv6Addr,
    within: Duration,
    mut pred: impl FnMut(&Got) -> bool,
) -> Option<Got> {
    let end = Instant::now() + within;
    let mut buf = [0u8; 2048];
    while Instant::now() < end {
        conn.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let Ok(m) = conn.recv_from(&mut buf) else {
            continue;
        };
        let got = Got {
            src: *m.src.ip(),
            dst: m.cm.dst.unwrap_or(Ipv6Addr::UNSPECIFIED),
            hop_limit: m.cm.hop_limit,
            bytes: buf[..m.len].to_vec(),
        };
        if got.src == from && pred(&got) {
            return Some(got);
        }
    }
    None
}

#[test]
fn the_peer_kernel_answers_our_mldv2_and_mldv1_queries() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let g: Ipv6Addr = "ff3e::4242".parse().unwrap();
    let _member = member(&link.b, &link.if_b, g);
    let rx = listener(&link.a, &link.if_a, &[ALL_MLDV2_ROUTERS, g]);

    // An MLDv2 general query: b answers with a current-state record
    // (IS_EX), which only an answer carries (a join sends TO_EX).
    let sent = run_ok(
        &link.a,
        &[
            "query",
            "-6",
            "--iface",
            &link.if_a,
            "--max-resp-ms",
            "1000",
        ],
    );
    assert_eq!(
        sent.trim_end(),
        format!(
            "sent {} {LINK_LOCAL_A} > ff02::1: hlim 1 [RA] mld v2 query :: max resp 1000ms qrv 2 qqi 125s len 28",
            link.if_a
        ),
        "the source printed is the link-local address the kernel chose"
    );
    let query_v2 = || {
        run_ok(
            &link.a,
            &["query", "-6", "--iface", &link.if_a, "--max-resp-ms", "500"],
        );
    };
    let answer = send_until(&rx, LINK_LOCAL_B, query_v2, |m| {
        matches!(m.message(), MldMessage::ReportV2(r) if r.records().any(|rec| {
            rec.record_type() == GroupRecordType::ModeIsExclude && rec.group() == g
        }))
    });
    let answer = answer.expect("no MLDv2 IS_EX answer from b's kernel");
    assert_eq!((answer.dst, answer.hop_limit), (ALL_MLDV2_ROUTERS, Some(1)));

    // As an MLDv1 host, b answers an MLDv1 group-specific query with a
    // v1 report to the group.
    link.b
        .sysctl(
            &format!("net.ipv6.conf.{}.force_mld_version", link.if_b),
            "1",
        )
        .unwrap();
    let g_text = g.to_string();
    let query_v1 = || {
        run_ok(
            &link.a,
            &[
                "query",
                "--iface",
                &link.if_a,
                "--version",
                "1",
                "--group",
                &g_text,
                "--max-resp-ms",
                "500",
            ],
        );
    };
    let v1 = send_until(
        &rx,
        LINK_LOCAL_B,
        query_v1,
        |m| matches!(m.message(), MldMessage::ReportV1(r) if r.group() == g),
    );
    let v1 = v1.expect("no MLDv1 report from b's kernel");
    assert_eq!((v1.dst, v1.hop_limit), (g, Some(1)));
}

#[test]
fn our_reports_and_done_arrive_on_the_peer_and_parse() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let g1: Ipv6Addr = "ff05::1:3".parse().unwrap();
    let rx = listener(&link.b, &link.if_b, &[ALL_MLDV2_ROUTERS, ALL_ROUTERS, g1]);
    let a = |args: &[&str]| {
        let mut all = vec![args[0], "--iface", &link.if_a];
        all.extend_from_slice(&args[1..]);
        drop(run_ok(&link.a, &all));
    };

    let report_v2 = || {
        a(&[
            "report",
            "--version",
            "2",
            "--group",
            "ff3e::1",
            "--record",
            "allow/ff3e::2/2001:db8::1,2001:db8::2",
        ])
    };
    let v2 = send_until(&rx, LINK_LOCAL_A, report_v2, |m| {
        // Ours, not the peer kernel's own reports (its solicited-node
        // groups) from the same link-local address.
        matches!(m.message(), MldMessage::ReportV2(r)
            if r.records().any(|rec| rec.group() == "ff3e::1".parse::<Ipv6Addr>().unwrap()))
    })
    .expect("no MLDv2 report");
    assert_eq!((v2.dst, v2.hop_limit), (ALL_MLDV2_ROUTERS, Some(1)));
    let MldMessage::ReportV2(r) = v2.message() else {
        unreachable!()
    };
    let records: Vec<(GroupRecordType, Ipv6Addr, Vec<Ipv6Addr>)> = r
        .records()
        .map(|rec| (rec.record_type(), rec.group(), rec.sources().collect()))
        .collect();
    assert_eq!(
        records,
        [
            (
                GroupRecordType::ChangeToExclude,
                "ff3e::1".parse().unwrap(),
                vec![]
            ),
            (
                GroupRecordType::AllowNewSources,
                "ff3e::2".parse().unwrap(),
                vec![
                    "2001:db8::1".parse().unwrap(),
                    "2001:db8::2".parse().unwrap()
                ]
            ),
        ]
    );

    let report_v1 = || a(&["report", "--version", "1", "--group", "ff05::1:3"]);
    let v1 = send_until(
        &rx,
        LINK_LOCAL_A,
        report_v1,
        |m| matches!(m.message(), MldMessage::ReportV1(r) if r.group() == g1),
    )
    .expect("no MLDv1 report");
    assert_eq!((v1.dst, v1.hop_limit), (g1, Some(1)));

    let leave = || a(&["leave", "--group", "ff05::1:3"]);
    let done = send_until(
        &rx,
        LINK_LOCAL_A,
        leave,
        |m| matches!(m.message(), MldMessage::DoneV1(d) if d.group() == g1),
    )
    .expect("no MLDv1 Done");
    assert_eq!((done.dst, done.hop_limit), (ALL_ROUTERS, Some(1)));
}

#[test]
fn tshark_decodes_every_mld_message_the_command_sends_with_good_checksums() {
    require_privileges!();
    if ipv4kit_testnet::run("tshark", &["--version"]).is_err() {
        assert_ne!(
            std::env::var("IPV4KIT_REQUIRE_PRIVILEGED").as_deref(),
            Ok("1"),
            "tshark is needed"
        );
        eprintln!("skipping: tshark not installed");
        return;
    }
    let link = Link::with_ipv6().unwrap();
    let file = std::env::temp_dir().join(format!("v4k-mldcli-{}.pcap", std::process::id()));
    let file = file.to_str().unwrap().to_owned();
    let mut td = Background::spawn({
        let mut c = Command::new("ip");
        c.args(["netns", "exec", link.b.name(), "tcpdump", "-i", &link.if_b])
            .args(["-n", "-U", "--immediate-mode", "-w", &file])
            .args(["ip6", "and", "src", "fe80::1"]);
        c
    });
    td.wait_stderr("listening on");
    let runs: [&[&str]; 7] = [
        &["query", "-6"],
        &[
            "query",
            "--group",
            "ff3e::8000:1",
            "--source",
            "2001:db8::1",
            "--source",
            "2001:db8::2",
            "--s-flag",
            "--qrv",
            "3",
            "--qqi",
            "200",
            "--max-resp-ms",
            "40000",
        ],
        &["query", "-6", "--version", "1", "--group", "ff05::1:3"],
        &[
            "report",
            "--version",
            "2",
            "--group",
            "ff3e::1",
            "--record",
            "is-ex/ff3e::3/2001:db8::9",
            "--record",
            "block/ff3e::2/2001:db8::1",
        ],
        &["report", "--version", "1", "--group", "ff05::1:3"],
        &["leave", "--group", "ff05::1:3"],
        &["query", "-6", "--max-resp-ms", "100000"],
    ];
    for args in runs {
        let mut all = vec![args[0], "--iface", &link.if_a];
        all.extend_from_slice(&args[1..]);
        run_ok(&link.a, &all);
    }
    let decode = || {
        let out = Command::new("tshark")
            .args(["-r", &file, "-V"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // a's own kernel sends from the same address too (MLD reports of its
    // solicited-node group, neighbour discovery); the frames the command
    // sent are the queries (a host's kernel sends none) and the messages
    // about the groups the tests name, which a never joined.
    let ours = |text: &str| -> Vec<String> {
        text.split("\nFrame ")
            .filter(|f| f.contains("Internet Control Message Protocol v6"))
            .filter(|f| {
                f.contains("Type: Multicast Listener Query (")
                    || f.contains("ff3e::")
                    || f.contains("ff05::1:3")
            })
            .map(str::to_owned)
            .collect()
    };
    let end = Instant::now() + PATIENCE;
    while ours(&decode()).len() < runs.len() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(td.stop());
    let text = decode();
    let _ = std::fs::remove_file(&file);
    let frames = ours(&text);
    assert_eq!(frames.len(), runs.len(), "{text}");
    let kinds = [
        "Multicast Listener Query",
        "Multicast Listener Query",
        "Multicast Listener Query",
        "Multicast Listener Report Message v2",
        "Multicast Listener Report",
        "Multicast Listener Done",
        "Multicast Listener Query",
    ];
    for (frame, kind) in frames.iter().zip(kinds) {
        assert!(
            frame.contains(&format!("Type: {kind} (")),
            "{kind}: {frame}"
        );
        assert!(frame.contains("[Checksum Status: Good]"), "{frame}");
        assert!(frame.contains("Router Alert: MLD (0)"), "{frame}");
        assert!(frame.contains("Hop Limit: 1"), "{frame}");
        for bad in ["Expert Info (Warning", "Expert Info (Error", "Malformed"] {
            assert!(!frame.contains(bad), "{bad}: {frame}");
        }
    }
    // The group-and-source query's fields as tshark reads them.
    assert!(frames[1].contains("ff3e::8000:1"), "{}", frames[1]);
    assert!(frames[1].contains("2001:db8::2"), "{}", frames[1]);
    for field in [
        "(Querier's Robustness Variable): 3",
        "(Querier's Query Interval Code): 200",
        "Suppress Router-Side Processing: True",
        "Number of Sources: 2",
    ] {
        assert!(frames[1].contains(field), "{field}: {}", frames[1]);
    }
    // The report's three records (--group, two --record), the Done's group.
    assert!(
        frames[3].contains("Number of Multicast Address Records: 3"),
        "{}",
        frames[3]
    );
    assert!(
        frames[5].contains("Multicast Address: ff05::1:3"),
        "{}",
        frames[5]
    );
}
