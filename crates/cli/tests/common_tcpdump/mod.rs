//! What `tcpdump_agrees` (IPv4, IGMP) and `tcpdump_agrees_mld` (IPv6, MLD)
//! share: tcpdump's output read packet by packet, ours from `ipv4kit
//! decode --json`, the captures of `tests/data` they both walk.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_ipv4kit");

/// Whether tcpdump is here; without it the test says so and passes, unless
/// `IPV4KIT_REQUIRE_TOOLS=1` (CI installs it).
pub fn have_tcpdump() -> bool {
    if Command::new("tcpdump").arg("--version").output().is_err() {
        assert!(
            std::env::var("IPV4KIT_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "tcpdump is not installed and IPV4KIT_REQUIRE_TOOLS=1"
        );
        eprintln!("skipping: tcpdump is not installed");
        return false;
    }
    true
}

/// The pcap and pcapng files of `tests/data/DIR` for each of `dirs`, in
/// order, each directory's sorted by name.
pub fn captures(dirs: &[&str]) -> Vec<PathBuf> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data");
    let mut all = Vec::new();
    for dir in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(data.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
            .collect();
        files.sort();
        all.extend(files);
    }
    all
}

/// One packet of tcpdump's output (`tcpdump -tt -v -n`, UTC), continuation
/// lines joined.
pub fn tcpdump_entries(path: &Path) -> Option<Vec<String>> {
    let out = Command::new("tcpdump")
        .env("TZ", "UTC")
        .args(["-tt", "-v", "-n", "-r"])
        .arg(path)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut entries: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.starts_with(|c: char| c.is_ascii_digit()) {
            entries.push(line.to_owned());
        } else if line.starts_with("\t0x") {
            continue; // hex dump
        } else if let Some(last) = entries.last_mut() {
            last.push(' ');
            last.push_str(line.trim());
        }
    }
    Some(entries)
}

/// `ipv4kit decode --json` of the capture at `path`, a frame a line.
pub fn decode_json(path: &Path) -> Vec<Value> {
    let out = Command::new(BIN)
        .args(["decode", "--json"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// tcpdump's name of a record type (RFC 3376 §4.2.12, RFC 3810 §5.2.12).
pub fn record_abbrev(name: &str) -> &'static str {
    match name {
        "MODE_IS_INCLUDE" => "is_in",
        "MODE_IS_EXCLUDE" => "is_ex",
        "CHANGE_TO_INCLUDE_MODE" => "to_in",
        "CHANGE_TO_EXCLUDE_MODE" => "to_ex",
        "ALLOW_NEW_SOURCES" => "allow",
        "BLOCK_OLD_SOURCES" => "block",
        _ => "?",
    }
}
