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

#[test]
fn emulate_refuses_bad_ipv6_input_before_opening_a_socket() {
    let base = ["emulate", "--iface", "lo", "--hosts", "3"];
    let with = |more: &[&'static str]| -> Vec<&'static str> {
        base.iter().chain(more.iter()).copied().collect()
    };
    let ll = ["--first-address", "fe80::10"];
    refused(
        &with(&["-6", ll[0], ll[1], "--join", "ff02::1"]),
        "ff02::1 (all nodes) is never reported",
    );
    refused(
        &with(&[ll[0], ll[1], "--join", "ff3e::8000:1"]),
        "SSM group: join it with sources",
    );
    refused(
        &with(&[ll[0], ll[1], "--join", "ff05::1@239.1.1.1"]),
        "not an address of the group's family",
    );
    refused(
        &with(&["-6", "--first-address", "2001:db8::1", "--join", "ff05::1"]),
        "need link-local addresses",
    );
    refused(
        &with(&[
            "-6",
            "--first-address",
            "fe80::ffff:ffff:ffff:fffe",
            "--join",
            "ff05::1",
        ]),
        "3 hosts need 3 consecutive addresses, only 2 are left",
    );
    refused(
        &with(&["-6", ll[0], ll[1], "--join", "239.1.1.1"]),
        "not of the emulated family",
    );
    refused(
        &with(&["-6", ll[0], ll[1], "--version", "3", "--join", "ff05::1"]),
        "--version with -6",
    );
    refused(
        &with(&["-6", "--join", "ff05::1"]),
        "--iface lo has no link-local IPv6 address",
    );
    refused(
        &with(&["-6", ll[0], ll[1], "--join", "ff05::1", "--measure"]),
        "MLD (-6) join and leave delays are not measured yet",
    );
    refused(
        &with(&["--mac-base", "01:00:5e:00:00:01", "--join", "239.1.1.1"]),
        "a group address",
    );
    refused(
        &with(&["--mac-base", "02:ff:ff:ff:ff:ff", "--join", "239.1.1.1"]),
        "too few addresses left",
    );
    refused(
        &with(&["--mac-base", "02:00:00:00:01", "--join", "239.1.1.1"]),
        "not a MAC address",
    );
    let dir = std::env::temp_dir().join(format!("emu6-args-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s6.txt");
    std::fs::write(&file, "# MLD\n0 all join ff05::1\n1 2-4 leave ff05::1\n").unwrap();
    let path = file.to_str().unwrap().to_owned();
    let mut args: Vec<&str> = with(&["-6", ll[0], ll[1], "--scenario"]);
    args.push(&path);
    refused(&args, &format!("{path}:3"));
    std::fs::write(&file, "0 all join 239.1.1.1\n").unwrap();
    refused(&args, &format!("{path}:1"));
    std::fs::write(&file, "0 all block ff3e::1 2001:db8::1\n").unwrap();
    refused(&args, "SSM");
    std::fs::remove_dir_all(&dir).ok();
}
