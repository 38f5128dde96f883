//! `ipv4kit decode` as a user runs it: the built binary on every capture in
//! `tests/data`, compared with the JSON Lines committed under
//! `tests/expected/`, and its errors on files that are not captures.
//!
//! The expected files were generated once by the binary
//! (`IPV4KIT_BLESS=1 cargo test -p ipv4kit-cli --test decode` rewrites them)
//! and then reviewed by hand against the tables in
//! `tests/data/*/IGMP-MESSAGES.md` (our own recomputation from the capture
//! bytes) and tcpdump's `.out` files. Frames checked field by field (src,
//! dst, TTL, TOS, options, IGMP type/version/group/codes, checksum verdicts):
//!
//! - tcpdump/IGMP_V1.pcap 1 (v1 query, RA), 3 (v1 report 239.255.255.250),
//!   8 (TOS 0xc0);
//! - tcpdump/IGMP_V2.pcap 1 (v2 general query, MRT 100, no RA), 5 (leave
//!   225.1.1.3 to 224.0.0.2), 6 (group-specific query, MRT 10);
//! - tcpdump/igmpv3-queries.pcap 1 (MRC 0x64, QRV 2, QQIC 125), 2 (MRC 0xfe
//!   = 30720 tenths = 3072000 ms);
//! - tcpdump/eapon1.pcap 44 (v3 report, TO_EX 239.255.255.250 {});
//! - zeek/home-multicast-short.pcap 1 (v3 query with 10 extra octets), 3
//!   (v3 report, two IS_EX records);
//! - zeek/igmp-bad-checksum.pcap 5 (v2 report with a bad IGMP checksum:
//!   `checksum_ok: false`, still decoded) and 6 (the good one);
//! - zeek/multicast-igmp-version-membership-query-and-report.pcap 1 (v1
//!   query, TOS 0xc0, no options) and 2 (v1 report 239.1.1.1 with RA).

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_ipv4kit");

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data")
}

fn expected_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expected")
}

/// Every capture under tests/data, as (subdirectory, file name).
fn captures() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in ["tcpdump", "zeek"] {
        for entry in std::fs::read_dir(data_dir().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".pcap") || name.ends_with(".pcapng") {
                out.push((dir.to_owned(), name));
            }
        }
    }
    out.sort();
    out
}

fn decode(args: &[&str]) -> std::process::Output {
    Command::new(BIN).arg("decode").args(args).output().unwrap()
}

/// `ipv4kit decode -` with `input` on its standard input.
fn decode_stdin(input: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;

    let mut child = Command::new(BIN)
        .args(["decode", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Dropping the handle after the write closes the pipe: end of input.
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn every_capture_decodes_to_the_reviewed_json_lines() {
    let bless = std::env::var("IPV4KIT_BLESS").as_deref() == Ok("1");
    let caps = captures();
    assert!(caps.len() >= 20, "found only {caps:?}");
    let mut differ = Vec::new();
    for (dir, name) in &caps {
        let path = data_dir().join(dir).join(name);
        let out = decode(&["--json", path.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{dir}/{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = String::from_utf8(out.stdout).unwrap();
        // Every line is one JSON object.
        for line in got.lines() {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("{dir}/{name}: not JSON ({e}): {line}"));
        }
        let expected_path = expected_dir().join(dir).join(format!("{name}.jsonl"));
        if bless {
            std::fs::create_dir_all(expected_path.parent().unwrap()).unwrap();
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run with IPV4KIT_BLESS=1 to create it, then review it)",
                expected_path.display()
            )
        });
        if got != expected {
            differ.push(format!("{dir}/{name}"));
        }
    }
    assert!(
        differ.is_empty(),
        "decode output differs from tests/expected for {differ:?} \
         (if the change is intended: IPV4KIT_BLESS=1, then review the diff)"
    );
}

/// A few frames of the reviewed files, asserted field by field so that a
/// careless re-bless cannot silently change them.
#[test]
fn reviewed_frames_hold_the_fields_the_tables_list() {
    let frame = |dir: &str, name: &str, n: u64| -> serde_json::Value {
        let text = std::fs::read_to_string(expected_dir().join(dir).join(format!("{name}.jsonl")))
            .unwrap();
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|v| v["frame"] == n)
            .unwrap_or_else(|| panic!("{name} frame {n} missing"))
    };
    let f = frame("tcpdump", "IGMP_V2.pcap", 6);
    assert_eq!(f["ipv4"]["src"], "192.168.1.2");
    assert_eq!(f["ipv4"]["dst"], "225.1.1.3");
    assert_eq!(f["ipv4"]["options"].as_array().unwrap().len(), 0);
    assert_eq!(f["igmp"]["type"], "query");
    assert_eq!(f["igmp"]["version"], 2);
    assert_eq!(f["igmp"]["group"], "225.1.1.3");
    assert_eq!(f["igmp"]["max_resp_code"], 10);
    let f = frame("tcpdump", "IGMP_V2.pcap", 5);
    assert_eq!(f["ipv4"]["dst"], "224.0.0.2");
    assert_eq!(f["igmp"]["type"], "leave");
    assert_eq!(f["igmp"]["group"], "225.1.1.3");
    let f = frame("tcpdump", "igmpv3-queries.pcap", 2);
    assert_eq!(f["ipv4"]["tos"], 0xc0);
    assert_eq!(f["igmp"]["max_resp_code"], 0xfe);
    assert_eq!(f["igmp"]["max_resp_time_ms"], 3_072_000);
    assert_eq!(f["igmp"]["qrv"], 2);
    assert_eq!(f["igmp"]["qqi_s"], 125);
    let f = frame("tcpdump", "eapon1.pcap", 44);
    assert_eq!(f["ipv4"]["dst"], "224.0.0.22");
    let r = &f["igmp"]["records"][0];
    assert_eq!(r["record_type_name"], "CHANGE_TO_EXCLUDE_MODE");
    assert_eq!(r["group"], "239.255.255.250");
    let f = frame("zeek", "igmp-bad-checksum.pcap", 5);
    assert_eq!(f["igmp"]["checksum_ok"], false);
    assert_eq!(f["igmp"]["group"], "224.0.0.251");
    assert_eq!(
        frame("zeek", "igmp-bad-checksum.pcap", 6)["igmp"]["checksum_ok"],
        true
    );
    let f = frame("zeek", "home-multicast-short.pcap", 3);
    let recs = f["igmp"]["records"].as_array().unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["record_type_name"], "MODE_IS_EXCLUDE");
    assert_eq!(recs[1]["group"], "224.0.0.251");
    assert!(f["igmp"].get("extra_len").is_none(), "48 octets, no extra");
    // Total Length 46 with a 24-octet header: 22 octets of IGMP, of which a
    // v3 query takes 12 and a one-record v3 report 16.
    let f = frame("zeek", "home-multicast-short.pcap", 1);
    assert_eq!(f["igmp"]["extra_len"], 10);
    let f = frame("zeek", "home-multicast-short.pcap", 2);
    assert_eq!(f["igmp"]["extra_len"], 6);
    let f = frame(
        "zeek",
        "multicast-igmp-version-membership-query-and-report.pcap",
        2,
    );
    assert_eq!(f["igmp"]["version"], 1);
    assert_eq!(f["igmp"]["type"], "report");
    assert_eq!(f["ipv4"]["options"][0]["kind"], "router_alert");
}

#[test]
fn a_file_that_is_not_a_capture_exits_1_with_a_clear_message() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let out = decode(&[path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("ipv4kit: "), "{err}");
    assert!(err.contains("not a pcap or pcapng file"), "{err}");
    assert!(err.contains("Cargo.toml"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_missing_file_exits_1_and_no_input_or_bad_flags_exit_2() {
    let out = decode(&["/nonexistent/x.pcap"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open"));
    let out = decode(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("<FILE>"));
    let out = decode(&["--frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_capture_on_standard_input_decodes_like_the_file() {
    // pim_header_asan.pcap holds frames that are not IPv4, so its skip line
    // names the input too.
    for name in [
        "tcpdump/igmpv3-queries.pcap",
        "tcpdump/pim_header_asan.pcap",
    ] {
        let path = data_dir().join(name);
        let from_file = decode(&[path.to_str().unwrap()]);
        assert!(from_file.status.success());
        let from_stdin = decode_stdin(&std::fs::read(&path).unwrap());
        assert!(from_stdin.status.success());
        let expected = String::from_utf8(from_file.stdout)
            .unwrap()
            .replace(path.to_str().unwrap(), "standard input");
        assert_eq!(String::from_utf8(from_stdin.stdout).unwrap(), expected);
    }

    let out = decode_stdin(b"ab");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ipv4kit: standard input: not a capture file: shorter than a pcap header\n"
    );
}

#[test]
fn hex_input_decodes_in_text_form() {
    let out = decode(&[
        "--hex",
        "46000020 00000000 0102 72c8 c0a80165 ef010101 94040000 1600f9fcef010101",
    ]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "192.168.1.101 > 239.1.1.1: ttl 1 tos 0x00 id 0 len 32 [RA] igmp v2 report 239.1.1.1\n"
    );
}

#[test]
fn every_subcommand_answers_help_with_examples() {
    for sub in [
        "decode", "query", "report", "leave", "monitor", "send", "sink",
    ] {
        let out = Command::new(BIN).args([sub, "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub}");
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("Examples:"), "{sub}: {help}");
        assert!(help.contains(&format!("ipv4kit {sub}")), "{sub}: {help}");
    }
}
