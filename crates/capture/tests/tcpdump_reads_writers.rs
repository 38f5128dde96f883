//! tcpdump (libpcap) as an independent reader of what `write` produces:
//! pcapng with several interfaces and nanosecond pcap, the two forms
//! `monitor -w` writes. Needs tcpdump (CI installs it); without it the test
//! says so and passes, unless `IPV4KIT_REQUIRE_TOOLS=1`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ipv4kit_capture::write::{PcapNgWriter, PcapWriter};

fn have_tcpdump() -> bool {
    if Command::new("tcpdump").arg("--version").output().is_ok() {
        return true;
    }
    assert_ne!(
        std::env::var("IPV4KIT_REQUIRE_TOOLS").as_deref(),
        Ok("1"),
        "tcpdump is not installed and IPV4KIT_REQUIRE_TOOLS=1"
    );
    eprintln!("skipping: tcpdump is not installed");
    false
}

/// An IGMPv2 report for 239.1.1.1 from 192.168.1.101 with Router Alert.
const V2_REPORT: [u8; 32] = [
    0x46, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x72, 0xc8, 0xc0, 0xa8, 0x01, 0x65,
    0xef, 0x01, 0x01, 0x01, 0x94, 0x04, 0x00, 0x00, 0x16, 0x00, 0xf9, 0xfc, 0xef, 0x01, 0x01, 0x01,
];

/// The report in an Ethernet frame to its group's MAC.
fn ethernet_frame() -> Vec<u8> {
    let mut f = vec![0x01, 0x00, 0x5e, 0x01, 0x01, 0x01];
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]);
    f.extend_from_slice(&V2_REPORT);
    f
}

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ipv4kit-{}-{name}", std::process::id()))
}

/// `tcpdump -n -tt --nano -r FILE`: its lines; fails on any error.
fn tcpdump(path: &Path) -> Vec<String> {
    let out = Command::new("tcpdump")
        .args(["-n", "-tt", "--nano", "-r"])
        .arg(path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(path);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tcpdump rejected the file: {err}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn tcpdump_reads_pcapng_with_two_named_interfaces_at_nanosecond_times() {
    if !have_tcpdump() {
        return;
    }
    let path = temp_file("two-interfaces.pcapng");
    let file = std::fs::File::create(&path).unwrap();
    let mut w = PcapNgWriter::new(std::io::BufWriter::new(file)).unwrap();
    let eth = w.add_interface(1, 65535, "veth-a").unwrap();
    // libpcap reads several interfaces only when they share the first
    // one's link type and snap length ("an interface has a type 101
    // different from the type of the first interface").
    let other = w.add_interface(1, 65535, "veth-b").unwrap();
    let frame = ethernet_frame();
    w.write_packet(eth, Duration::new(1_600_000_000, 123_456_789), 46, &frame)
        .unwrap();
    w.write_packet(other, Duration::new(1_600_000_001, 5), 46, &frame)
        .unwrap();
    // Cut short (orig_len above the bytes kept): tcpdump marks it.
    w.write_packet(other, Duration::new(1_600_000_002, 0), 46, &frame[..38])
        .unwrap();
    w.into_inner().unwrap();
    let lines = tcpdump(&path);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines[0].starts_with(
            "1600000000.123456789 IP 192.168.1.101 > 239.1.1.1: igmp v2 report 239.1.1.1"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(
            "1600000001.000000005 IP 192.168.1.101 > 239.1.1.1: igmp v2 report 239.1.1.1"
        ),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("1600000002.000000000 IP 192.168.1.101 > 239.1.1.1: ")
            && lines[2].contains("[|igmp]"),
        "{}",
        lines[2]
    );
}

#[test]
fn tcpdump_reads_pcapng_of_raw_ip_as_monitor_writes_it() {
    if !have_tcpdump() {
        return;
    }
    let path = temp_file("raw.pcapng");
    let file = std::fs::File::create(&path).unwrap();
    let mut w = PcapNgWriter::new(std::io::BufWriter::new(file)).unwrap();
    let tap = w.add_interface(101, 65535, "veth0").unwrap();
    w.write_packet(tap, Duration::new(1_600_000_000, 1), 32, &V2_REPORT)
        .unwrap();
    w.into_inner().unwrap();
    let lines = tcpdump(&path);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].starts_with("1600000000.000000001 IP 192.168.1.101 > 239.1.1.1: igmp v2 report"),
        "{}",
        lines[0]
    );
}

#[test]
fn tcpdump_reads_nanosecond_pcap_of_raw_ip() {
    if !have_tcpdump() {
        return;
    }
    let path = temp_file("raw-nanos.pcap");
    let file = std::fs::File::create(&path).unwrap();
    let mut w = PcapWriter::new_nanos(std::io::BufWriter::new(file), 101, 65535).unwrap();
    w.write_packet(Duration::new(1_600_000_000, 999_999_999), 32, &V2_REPORT)
        .unwrap();
    w.into_inner().unwrap();
    let lines = tcpdump(&path);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].starts_with("1600000000.999999999 IP 192.168.1.101 > 239.1.1.1: igmp v2 report"),
        "{}",
        lines[0]
    );
}
