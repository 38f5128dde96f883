//! The command line as a new user meets it: every invalid argument exits 2
//! with a message saying what to do, out-of-range values are refused (not
//! clamped), and `--help` shows each subcommand's long description. None
//! of these needs privileges: the arguments are refused before any socket.

mod common;

use std::process::Command;

use common::BIN;

/// Runs `ipv4kit ARGS` and returns (status code, stderr).
fn ipv4kit(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn refused(args: &[&str], says: &str) {
    let (code, err) = ipv4kit(args);
    assert_eq!(code, Some(2), "ipv4kit {args:?}: {err}");
    assert!(err.contains(says), "ipv4kit {args:?}: {err}");
    assert!(!err.contains("panicked"), "ipv4kit {args:?}: {err}");
}

#[test]
fn decode_without_a_file_or_hex_exits_2() {
    refused(&["decode"], "FILE");
}

#[test]
fn a_group_that_is_not_multicast_or_is_all_systems_exits_2_for_query_report_and_leave() {
    refused(
        &["query", "--iface", "lo", "--group", "10.0.0.1"],
        "not a multicast address",
    );
    for cmd in [
        &["query", "--iface", "lo", "--group", "224.0.0.1"][..],
        &[
            "report",
            "--iface",
            "lo",
            "--version",
            "2",
            "--group",
            "224.0.0.1",
        ],
        &["leave", "--iface", "lo", "--group", "224.0.0.1"],
    ] {
        refused(cmd, "224.0.0.1 (all systems)");
    }
    refused(
        &["leave", "--iface", "lo", "--group", "10.0.0.1"],
        "not a multicast address",
    );
}

#[test]
fn max_resp_ms_out_of_range_for_the_version_exits_2_instead_of_being_clamped() {
    refused(
        &[
            "query",
            "--iface",
            "lo",
            "--version",
            "2",
            "--max-resp-ms",
            "150",
        ],
        "IGMPv2 sends whole tenths of a second",
    );
    refused(
        &["query", "--iface", "lo", "--max-resp-ms", "4294967295"],
        "IGMPv3 sends 0 or 100..=3174400 ms",
    );
    refused(
        &["query", "--iface", "lo", "--max-resp-ms", "99"],
        "IGMPv3 sends 0 or 100..=3174400 ms",
    );
    refused(
        &["query", "--iface", "lo", "--qqi", "4294967295"],
        "the QQIC can say at most 31744 s",
    );
    refused(
        &["query", "--iface", "lo", "--source-address", "224.0.0.5"],
        "a source is a unicast address",
    );
    // The message says where to look.
    refused(
        &["query", "--iface", "lo", "--qqi", "31745"],
        "see ipv4kit query --help",
    );
}

#[test]
fn durations_that_are_zero_or_not_numbers_exit_2() {
    refused(
        &["send", "--dst", "198.18.0.2", "--duration-s", "0"],
        "want seconds in (0, 1e6]",
    );
    refused(&["sink", "--duration-s", "NaN"], "want seconds in (0, 1e6]");
    refused(&["sink", "--duration-s", "inf"], "want seconds in (0, 1e6]");
}

#[test]
fn a_timeout_beyond_u64_exits_2() {
    refused(
        &[
            "monitor",
            "--iface",
            "lo",
            "--timeout-s",
            "18446744073709551616",
        ],
        "--timeout-s",
    );
}

#[test]
fn querier_arguments_that_cannot_work_exit_2_before_any_socket() {
    refused(
        &[
            "querier",
            "--iface",
            "lo",
            "--version",
            "1",
            "--max-resp-ms",
            "1000",
        ],
        "IGMPv1 queries carry no max response time",
    );
    refused(
        &[
            "querier",
            "--iface",
            "lo",
            "--version",
            "2",
            "--max-resp-ms",
            "150",
        ],
        "IGMPv2 sends whole tenths of a second",
    );
    refused(
        &[
            "querier",
            "--iface",
            "lo",
            "--query-interval-s",
            "5",
            "--max-resp-ms",
            "5000",
        ],
        "must be less than the query interval",
    );
    refused(
        &["querier", "--iface", "lo", "--ssm-range", "10.0.0.0/8"],
        "not in 224.0.0.0/4",
    );
    refused(
        &["querier", "--iface", "lo", "--robustness", "0"],
        "--robustness",
    );
    refused(
        &["querier", "--iface", "lo", "--max-groups", "0"],
        "--max-groups",
    );
    refused(
        &[
            "querier",
            "--iface",
            "lo",
            "-6",
            "--ssm-range",
            "2001:db8::/32",
        ],
        "not in ff00::/8",
    );
    refused(&["querier", "--iface", "lo", "--table"], "--table");
    refused(
        &["monitor", "--iface", "lo", "--table", "--via", "mroute"],
        "--table needs the tap",
    );
    refused(
        &["monitor", "--iface", "lo", "--table", "-w", "-"],
        "where -w - writes the capture",
    );
}

#[test]
fn help_of_every_subcommand_shows_its_long_description() {
    for (cmd, says) in [
        ("query", "Needs CAP_NET_RAW"),
        ("monitor", "sends\nnothing"),
        ("monitor", "--via mroute"),
        ("send", "SIGINT (Ctrl-C) or SIGTERM stops it early"),
        ("sink", "drops=N"),
        ("decode", "Link types"),
        ("querier", "multicast-routing socket would miss"),
        ("querier", "SIGUSR1"),
    ] {
        let out = Command::new(BIN).args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success());
        // clap wraps lines to the terminal: compare with spaces for breaks.
        let text = String::from_utf8_lossy(&out.stdout).replace('\n', " ");
        let want = says.replace('\n', " ");
        assert!(text.contains(&want), "{cmd} --help lacks {says:?}: {text}");
    }
}
