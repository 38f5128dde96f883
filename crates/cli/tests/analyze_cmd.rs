//! `ipv4kit analyze` as a user runs it: text summary first, one JSON
//! document with --json, an SVG with --svg, exit 2 for invalid arguments,
//! exit 1 (after the analysis) for a file that cannot be read to its end.

mod common;

use std::process::Command;

use common::BIN;

fn data(p: &str) -> String {
    format!("{}/../../tests/data/{p}", env!("CARGO_MANIFEST_DIR"))
}

fn ipv4kit(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).output().unwrap()
}

#[test]
fn invalid_arguments_exit_2_with_a_message() {
    for (args, says) in [
        (&["analyze"][..], "FILE"),
        (&["analyze", "--at", "yesterday", "x.pcap"][..], "RFC 3339"),
        (&["analyze", "--at=-5", "x.pcap"][..], "0..=1e9"),
        (
            &["analyze", "-", "-"][..],
            "standard input (-) can be read once",
        ),
        (
            &["analyze", "--link-prefix", "198.18.0.0", "x.pcap"][..],
            "want an IPv4 prefix such as 198.18.0.0/24",
        ),
        (
            &["analyze", "--link-prefix", "fe80::/64", "x.pcap"][..],
            "want an IPv4 prefix",
        ),
    ] {
        let out = ipv4kit(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn help_shows_the_long_description() {
    let out = ipv4kit(&["analyze", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout).replace('\n', " ");
    assert!(text.contains("frame number"), "{text}");
    assert!(text.contains("--svg"), "{text}");
    assert!(text.contains("--link-prefix <PREFIX>"), "{text}");
    assert!(
        text.contains("Without it, IPv4 sources are not checked against a prefix"),
        "{text}"
    );
}

#[test]
fn link_prefix_finds_the_off_link_query() {
    let file = data("analyze/faults-query-source.pcap");
    let off_link = |args: &[&str]| -> Vec<u64> {
        let out = ipv4kit(args);
        assert!(out.status.success(), "{args:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["violations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["rfc"] == "RFC 3376 §9.1")
            .map(|x| x["frame"].as_u64().unwrap())
            .collect()
    };
    let with = ["analyze", "--json", "--link-prefix", "198.18.0.0/24", &file];
    assert_eq!(off_link(&with), vec![6]);
    // Repeatable: the second prefix holds the source.
    let both = [
        "analyze",
        "--json",
        "--link-prefix",
        "198.18.0.0/24",
        "--link-prefix",
        "198.19.200.0/24",
        &file,
    ];
    assert!(off_link(&both).is_empty());
    // Without the flag, nothing is checked against a prefix.
    assert!(off_link(&["analyze", "--json", &file]).is_empty());
}

#[test]
fn text_starts_with_the_summary_and_lists_the_violations() {
    let out = ipv4kit(&["analyze", &data("tcpdump/IGMP_V2.pcap")]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("capture: "), "{text}");
    assert!(text.contains("4 violation(s) (RFC 2236 §2: 4)"), "{text}");
    assert!(text.contains("10:21:47.698870 frame 1 IGMP_V2.pcap 192.168.1.2: RFC 2236 §2 — no Router Alert option"), "{text}");
    assert!(text.contains("querier 192.168.1.2, v2"), "{text}");
}

#[test]
fn json_is_one_document_with_violations_as_objects() {
    let out = ipv4kit(&["analyze", "--json", &data("tcpdump/IGMP_V2.pcap")]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &v["violations"][0];
    assert_eq!(first["frame"], 1);
    assert_eq!(first["rfc"], "RFC 2236 §2");
    assert_eq!(first["time"], "2009-02-24T10:21:47.698870Z");
    assert_eq!(first["reason"], "no Router Alert option");
    assert_eq!(v["summary"]["queriers"], 1);
}

#[test]
fn svg_draws_the_querier_and_the_groups() {
    let svg = std::env::temp_dir().join(format!("ipv4kit-analyze-{}.svg", std::process::id()));
    let out = ipv4kit(&[
        "analyze",
        "--svg",
        svg.to_str().unwrap(),
        &data("tcpdump/IGMP_V2.pcap"),
    ]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(&svg).unwrap();
    let _ = std::fs::remove_file(&svg);
    assert!(text.starts_with("<svg"), "{text}");
    assert!(text.contains("192.168.1.2"), "{text}");
    assert!(text.contains("225.1.1.3"), "{text}");
}

#[test]
fn a_truncated_file_is_analysed_then_exits_1() {
    let out = ipv4kit(&["analyze", &data("built/truncated.pcap")]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error: "), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"));
}
