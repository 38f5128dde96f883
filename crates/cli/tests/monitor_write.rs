//! `monitor -w FILE` between two namespaces: the capture it writes holds
//! every message it printed, with the kernel's timestamps, and two
//! independent readers agree: `tcpdump -r` counts the same packets and
//! `ipv4kit decode --json` gives the same messages at the same times as
//! monitor printed. pcap (the default), pcapng (`*.pcapng`, with the
//! interface's name) and `-w -` (pcap on standard output, no lines).

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{join, json_lines, run_ok, Background, BIN};
use ipv4kit_testnet::{require_privileges, Link, ADDR_B};

/// Whether tcpdump is here; without it the test says so and passes unless
/// CI asks for every tool (`IPV4KIT_REQUIRE_TOOLS=1`) or every privilege.
fn have_tcpdump() -> bool {
    if Command::new("tcpdump").arg("--version").output().is_ok() {
        return true;
    }
    for var in ["IPV4KIT_REQUIRE_TOOLS", "IPV4KIT_REQUIRE_PRIVILEGED"] {
        assert_ne!(std::env::var(var).as_deref(), Ok("1"), "tcpdump is needed");
    }
    eprintln!("skipping: tcpdump is not installed");
    false
}

/// A directory of this test's own, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("ipv4kit-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `tcpdump -n -r FILE`: its packet lines and its stderr.
fn tcpdump_read(path: &Path) -> (Vec<String>, String) {
    let out = Command::new("tcpdump")
        .args(["-n", "-r"])
        .arg(path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "tcpdump -r {}: {err}", path.display());
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    (lines, err)
}

/// Runs monitor with `-w path --json` while b's kernel sends a v2 report
/// to 224.0.0.251 and v3 reports for 239.61.0.1; returns what it printed.
fn monitor_writing(link: &Link, path: &Path) -> Vec<serde_json::Value> {
    let mut mon = Background::spawn(common::command(
        &link.a,
        &[
            "monitor",
            "--iface",
            &link.if_a,
            // IGMP only: b's kernel may send MLD reports for its
            // link-local address meanwhile (monitor_mld covers those).
            "-4",
            "--json",
            "--timeout-s",
            "60",
            "-w",
            path.to_str().unwrap(),
        ],
    ));
    mon.wait_stderr("monitoring");
    let conf = format!("net.ipv4.conf.{}.force_igmp_version", link.if_b);
    link.b.sysctl(&conf, "2").unwrap();
    let mdns = join(&link.b, &link.if_b, "224.0.0.251".parse().unwrap());
    let v2 = mon.read_until(|lines| {
        json_lines(lines)
            .iter()
            .any(|v| v["ipv4"]["dst"] == "224.0.0.251" && v["igmp"]["version"] == 2)
    });
    link.b.sysctl(&conf, "0").unwrap();
    let routable = join(&link.b, &link.if_b, "239.61.0.1".parse().unwrap());
    let v3 = mon.read_until(|lines| {
        json_lines(lines)
            .iter()
            .any(|v| v["ipv4"]["dst"] == "224.0.0.22" && v["igmp"]["version"] == 3)
    });
    std::thread::sleep(Duration::from_millis(300));
    // SIGTERM: the file must be complete when monitor ends this way.
    let (out, err) = mon.stop();
    assert!(v2 && v3, "{out:#?} {err:#?}");
    drop((mdns, routable));
    json_lines(&out)
}

/// What the written file and monitor's lines must agree on.
fn checked_against_monitor(link: &Link, path: &Path, printed: &[serde_json::Value]) {
    let (lines, err) = tcpdump_read(path);
    assert!(err.contains("RAW"), "tcpdump's link type: {err}");
    assert_eq!(lines.len(), printed.len(), "tcpdump: {lines:#?}");
    assert!(
        lines.iter().all(|l| l.contains(&format!("{ADDR_B} > "))),
        "{lines:#?}"
    );
    let decoded = run_ok(&link.a, &["decode", "--json", path.to_str().unwrap()]);
    let decoded: Vec<String> = decoded.lines().map(str::to_owned).collect();
    let decoded = json_lines(&decoded);
    assert_eq!(decoded.len(), printed.len());
    for (d, m) in decoded.iter().zip(printed) {
        for key in ["time", "time_epoch", "ipv4", "igmp"] {
            assert_eq!(d[key], m[key], "{key}: decode {d} monitor {m}");
        }
    }
}

#[test]
fn monitor_writes_a_nanosecond_pcap_that_tcpdump_and_decode_read_as_it_printed() {
    require_privileges!();
    if !have_tcpdump() {
        return;
    }
    let link = Link::new().unwrap();
    let dir = TempDir::new("monitor-w-pcap");
    let path = dir.0.join("seen.pcap");
    let printed = monitor_writing(&link, &path);
    let file = std::fs::read(&path).unwrap();
    assert_eq!(file[..4], 0xa1b2_3c4du32.to_le_bytes(), "nanosecond magic");
    checked_against_monitor(&link, &path, &printed);
}

#[test]
fn monitor_writes_pcapng_with_the_interface_name_when_the_file_says_pcapng() {
    require_privileges!();
    if !have_tcpdump() {
        return;
    }
    let link = Link::new().unwrap();
    let dir = TempDir::new("monitor-w-pcapng");
    let path = dir.0.join("seen.pcapng");
    let printed = monitor_writing(&link, &path);
    let file = std::fs::read(&path).unwrap();
    assert_eq!(file[..4], 0x0a0d_0d0au32.to_le_bytes(), "section header");
    let name = link.if_a.as_bytes();
    assert!(
        file.windows(name.len()).any(|w| w == name),
        "if_name {} not in the file",
        link.if_a
    );
    checked_against_monitor(&link, &path, &printed);
}

#[test]
fn monitor_w_dash_writes_pcap_to_standard_output_and_no_lines() {
    require_privileges!();
    let link = Link::new().unwrap();
    let dir = TempDir::new("monitor-w-stdout");
    let path = dir.0.join("stdout.pcap");
    let mut child = common::command(
        &link.a,
        &[
            "monitor", "--iface", &link.if_a, "-4", "-w", "-", "--count", "2",
        ],
    )
    .args(["--timeout-s", "30"])
    .stdin(Stdio::null())
    .stdout(std::fs::File::create(&path).unwrap())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    assert!(first.contains("monitoring"), "{first}");
    // The kernel sends its unsolicited v3 report twice.
    let _m = join(&link.b, &link.if_b, "239.61.0.2".parse().unwrap());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert!(status.success(), "{rest}");
    assert!(rest.contains("2 messages (2 v3 report)"), "{rest}");
    let decoded = run_ok(&link.a, &["decode", "--json", path.to_str().unwrap()]);
    let decoded: Vec<String> = decoded.lines().map(str::to_owned).collect();
    let decoded = json_lines(&decoded);
    assert_eq!(decoded.len(), 2, "{decoded:#?}");
    assert!(decoded
        .iter()
        .all(|v| v["igmp"]["records"][0]["group"] == "239.61.0.2"));
}

#[test]
fn monitor_w_dash_with_json_is_refused_with_status_2() {
    let out = Command::new(BIN)
        .args(["monitor", "--iface", "lo", "-w", "-", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("-w -"), "{err}");
}
