//! `monitor` shows MLD beside IGMP (issue 12): between two namespaces with
//! IPv6 ([`Link::with_ipv6`]), the peer kernel joins an IPv6 group and a
//! IPv4 one; monitor on the tap prints its MLDv2 reports (text and JSON,
//! under the keys IGMP uses) beside its IGMPv3 reports, `-w FILE` captures
//! both, `-6` keeps MLD only and `-4` IGMP only.

mod common;

use std::net::{Ipv6Addr, UdpSocket};
use std::path::PathBuf;

use common::{join, json_lines, run, run_ok, Background};
use ipv4kit_net::interface_index;
use ipv4kit_testnet::{require_privileges, Link, Netns, LINK_LOCAL_B};

/// A socket in `ns` that joins the IPv6 `group` on `iface`: the kernel
/// there sends MLDv2 reports for it while the socket lives.
fn join6(ns: &Netns, iface: &str, group: Ipv6Addr) -> UdpSocket {
    ns.run(|| {
        let s = UdpSocket::bind("[::]:0").unwrap();
        s.join_multicast_v6(&group, interface_index(iface).unwrap())
            .unwrap();
        s
    })
}

fn monitor(link: &Link, extra: &[&str]) -> Background {
    let mut args = vec!["monitor", "--iface", &link.if_a, "--timeout-s", "60"];
    args.extend_from_slice(extra);
    let mut m = Background::spawn(common::command(&link.a, &args));
    m.wait_stderr("monitoring");
    m
}

/// Whether `v` is an MLDv2 report from b naming `group`.
fn mld_report_for(v: &serde_json::Value, group: &str) -> bool {
    v["ipv6"]["src"] == LINK_LOCAL_B.to_string()
        && v["mld"]["type"] == "report"
        && v["mld"]["version"] == 2
        && v["mld"]["records"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["group"] == group))
}

/// A file of this test's own, its directory removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> TempFile {
        let dir = std::env::temp_dir().join(format!("ipv4kit-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempFile(dir.join("seen.pcapng"))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(d) = self.0.parent() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

#[test]
fn monitor_shows_the_peer_kernels_mldv2_reports_beside_igmp_and_writes_both() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let file = TempFile::new("monitor-mld");
    let path = file.0.to_str().unwrap();
    let mut mon = monitor(&link, &["--json", "-w", path]);
    let g6 = "ff0e::1:2345";
    let m6 = join6(&link.b, &link.if_b, g6.parse().unwrap());
    let m4 = join(&link.b, &link.if_b, "239.62.0.1".parse().unwrap());
    let seen = mon.read_until(|lines| {
        let v = json_lines(lines);
        v.iter().any(|v| mld_report_for(v, g6))
            && v.iter().any(|v| {
                v["igmp"]["records"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|r| r["group"] == "239.62.0.1"))
            })
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (out, err) = mon.stop();
    assert!(seen, "{out:#?} {err:#?}");
    let printed = json_lines(&out);
    let report = printed.iter().find(|v| mld_report_for(v, g6)).unwrap();
    // RFC 3810 §5: to ff02::16, hop limit 1, Router Alert, a link-local
    // source; the checksum over the pseudo-header verified.
    assert_eq!(report["ipv6"]["dst"], "ff02::16", "{report}");
    assert_eq!(report["ipv6"]["hop_limit"], 1, "{report}");
    assert_eq!(report["ipv6"]["router_alert"], 0, "{report}");
    assert_eq!(report["mld"]["checksum_ok"], true, "{report}");
    assert_eq!(report["packet_type"], "M", "{report}");
    // Nothing but IGMP and MLD is printed (neighbor discovery is left out).
    for v in &printed {
        assert!(v.get("igmp").is_some() || v.get("mld").is_some(), "{v}");
    }
    let summary = err.iter().find(|l| l.contains("messages")).unwrap();
    assert!(
        summary.contains("mld v2 report") && summary.contains("v3 report"),
        "{summary}"
    );
    // -w: the same messages, decoded from the file.
    let decoded = run_ok(&link.a, &["decode", "--json", path]);
    let decoded: Vec<String> = decoded.lines().map(str::to_owned).collect();
    let decoded = json_lines(&decoded);
    assert_eq!(decoded.len(), printed.len(), "{decoded:#?}");
    for (d, m) in decoded.iter().zip(&printed) {
        for key in ["time", "ipv4", "igmp", "ipv6", "mld"] {
            assert_eq!(d.get(key), m.get(key), "{key}: decode {d} monitor {m}");
        }
    }
    drop((m6, m4));
}

#[test]
fn dash_6_shows_mld_only_in_text_and_dash_4_igmp_only() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let mut only6 = monitor(&link, &["-6"]);
    let mut only4 = monitor(&link, &["-4", "--json"]);
    let g6 = "ff0e::1:2346";
    let m6 = join6(&link.b, &link.if_b, g6.parse().unwrap());
    let m4 = join(&link.b, &link.if_b, "239.62.0.2".parse().unwrap());
    let seen6 = only6.read_until(|lines| lines.iter().any(|l| l.contains(g6)));
    let seen4 = only4.read_until(|lines| lines.iter().any(|l| l.contains("239.62.0.2")));
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (out6, _) = only6.stop();
    let (out4, _) = only4.stop();
    assert!(seen6 && seen4, "{out6:#?} {out4:#?}");
    // `12:00:00.123456789 IF M fe80::2 > ff02::16: hlim 1 len ... mld v2 report ...`
    let line = out6.iter().find(|l| l.contains(g6)).unwrap();
    assert!(
        line.contains(&format!(
            " {} M {LINK_LOCAL_B} > ff02::16: hlim 1 ",
            link.if_a
        )) && line.contains(" HBH (rtalert: 0x0000) ")
            && line.contains(" mld v2 report "),
        "{line}"
    );
    assert!(out6.iter().all(|l| l.contains(" mld v")), "{out6:#?}");
    assert!(
        json_lines(&out4).iter().all(|v| v.get("igmp").is_some()),
        "{out4:#?}"
    );
    drop((m6, m4));
}

#[test]
fn dash_6_with_via_mroute_and_dash_4_with_dash_6_exit_2() {
    require_privileges!();
    let link = Link::new().unwrap();
    for args in [&["-6", "--via", "mroute"][..], &["-4", "-6"]] {
        let mut all = vec!["monitor", "--iface", &link.if_a];
        all.extend_from_slice(args);
        let out = run(&link.a, &all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
}
