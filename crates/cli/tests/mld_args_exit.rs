//! The IPv6 side of the command line: every invalid argument of `query -6`,
//! `report`/`leave` with IPv6 groups and `send`/`sink` to IPv6 exits 2
//! with a message saying what to do. None of these needs privileges: the
//! arguments are refused before any socket is opened.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_ipv4kit");

fn refused(args: &[&str], says: &str) {
    let out = Command::new(BIN).args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "ipv4kit {args:?}: {err}");
    assert!(err.contains(says), "ipv4kit {args:?}: {err}");
    assert!(!err.contains("panicked"), "ipv4kit {args:?}: {err}");
}

#[test]
fn all_nodes_is_refused_by_query_report_and_leave_as_224_0_0_1_is() {
    for cmd in [
        &["query", "--iface", "lo", "--group", "ff02::1"][..],
        &[
            "report",
            "--iface",
            "lo",
            "--version",
            "2",
            "--group",
            "ff02::1",
        ],
        &["leave", "--iface", "lo", "--group", "ff02::1"],
    ] {
        refused(cmd, "ff02::1 (all nodes)");
    }
    refused(
        &[
            "report",
            "--iface",
            "lo",
            "--version",
            "2",
            "--record",
            "to-ex/ff02::1",
        ],
        "ff02::1 (all nodes)",
    );
}

#[test]
fn ipv6_groups_that_are_not_multicast_or_interface_local_exit_2() {
    refused(
        &["query", "--iface", "lo", "--group", "2001:db8::1"],
        "not a multicast address (ff00::/8)",
    );
    refused(
        &["leave", "--iface", "lo", "--group", "ff01::5"],
        "interface-local or reserved scope",
    );
}

#[test]
fn mld_versions_and_fields_are_checked_before_anything_is_sent() {
    refused(
        &["query", "-6", "--iface", "lo", "--version", "3"],
        "MLD has versions 1 and 2",
    );
    refused(
        &["query", "-6", "--iface", "lo", "--version", "1", "--s-flag"],
        "MLDv2 fields",
    );
    refused(
        &[
            "query",
            "-6",
            "--iface",
            "lo",
            "--version",
            "1",
            "--max-resp-ms",
            "65536",
        ],
        "MLDv1 sends 0..=65535 ms",
    );
    refused(
        &["query", "-6", "--iface", "lo", "--max-resp-ms", "8387585"],
        "MLDv2 sends 0..=8387584 ms",
    );
    refused(
        &["query", "-6", "--iface", "lo", "--qqi", "31745"],
        "at most 31744 s",
    );
    refused(
        &["query", "-6", "--iface", "lo", "--source", "2001:db8::1"],
        "--group",
    );
    refused(
        &[
            "query",
            "-6",
            "--iface",
            "lo",
            "--source-address",
            "ff02::2",
        ],
        "a source is a unicast address",
    );
    refused(
        &[
            "report",
            "--iface",
            "lo",
            "--version",
            "3",
            "--group",
            "ff3e::1",
        ],
        "MLD has versions 1 and 2",
    );
    refused(
        &[
            "report",
            "--iface",
            "lo",
            "--version",
            "1",
            "--record",
            "to-ex/ff3e::1",
        ],
        "--record is for MLDv2 reports",
    );
}

#[test]
fn mixing_ipv4_and_ipv6_in_one_command_exits_2() {
    refused(
        &[
            "query", "--iface", "lo", "--group", "ff3e::1", "--source", "10.0.0.1",
        ],
        "IPv4 address in an MLD",
    );
    refused(
        &["query", "--iface", "lo", "--group", "239.1.1.1", "-6"],
        "IPv4 address in an MLD",
    );
    refused(
        &[
            "report",
            "--iface",
            "lo",
            "--version",
            "2",
            "--group",
            "239.1.1.1",
            "--record",
            "to-ex/ff3e::1",
        ],
        "one report carries one family",
    );
}

#[test]
fn ipv6_records_written_with_colons_are_told_the_slash_form() {
    refused(
        &[
            "report",
            "--iface",
            "lo",
            "--version",
            "2",
            "--record",
            "allow:ff3e::1:2001:db8::1",
        ],
        "write IPv6 records as TYPE/GROUP[/SRC,SRC...]",
    );
    refused(
        &[
            "report",
            "--iface",
            "lo",
            "--version",
            "2",
            "--record",
            "block/ff3e::1",
        ],
        "block needs at least one source (block/GROUP/SRC",
    );
}

#[test]
fn send_and_sink_refuse_impossible_ipv6_arguments() {
    refused(
        &["send", "--dst", "2001:db8::2", "--size", "39"],
        "an IPv6 header alone is 40 bytes",
    );
    refused(
        &["send", "--dst", "ff02::77", "--count", "1"],
        "link-scoped: add --iface IF",
    );
    refused(
        &["send", "--dst", "fe80::2", "--count", "1"],
        "link-scoped: add --iface IF",
    );
    refused(&["sink", "--group", "ff3e::1"], "--iface");
    refused(
        &["sink", "-6", "--group", "239.1.1.1", "--iface", "lo"],
        "is IPv4 but -6 was given",
    );
    refused(
        &["sink", "--group", "2001:db8::1", "--iface", "lo"],
        "not a multicast address",
    );
}

#[test]
fn decode_with_bad_hex_exits_2() {
    refused(&["decode", "--hex", "zz"], "--hex \"zz\"");
}
