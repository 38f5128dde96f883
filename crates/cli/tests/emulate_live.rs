//! `ipv4kit emulate` on a real link: run in namespace a, heard by a raw
//! socket in b; bad scenarios refused with status 2 before anything is sent.

mod common;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use ipv4kit_net::wire::igmp::IgmpMessage;
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Packet};
use ipv4kit_net::{interface_index, DatagramOptions, IpOptions, RawConn};
use ipv4kit_testnet::{require_privileges, Link, ADDR_B};

/// Counts the v3 reports b hears, by source, until `stop`.
fn listen(
    link: &Link,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<BTreeMap<Ipv4Addr, usize>> {
    let rx = link.b.run(|| {
        let c = RawConn::new(IpProtocol::IGMP).unwrap();
        let ib = interface_index(&link.if_b).unwrap();
        c.join_group(ib, Ipv4Addr::new(224, 0, 0, 22)).unwrap();
        c.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        c
    });
    std::thread::spawn(move || {
        let mut seen = BTreeMap::new();
        let mut buf = [0u8; 2048];
        while !stop.load(Ordering::Relaxed) {
            let Ok(m) = rx.recv(&mut buf) else { continue };
            let p = Ipv4Packet::new_checked(&buf[..m.len]).unwrap();
            assert!(p.verify_checksum());
            if p.src() == ADDR_B {
                continue; // b's own reports of its joins
            }
            if let Ok(IgmpMessage::ReportV3(_)) = IgmpMessage::parse(p.payload()) {
                *seen.entry(p.src()).or_insert(0) += 1;
            }
        }
        seen
    })
}

#[test]
fn emulate_joins_every_host_and_prints_a_json_summary() {
    require_privileges!();
    let link = Link::new().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let stop = Arc::new(AtomicBool::new(false));
    let heard = listen(&link, stop.clone());
    let out = run_ok(
        &link.a,
        &[
            "emulate",
            "--iface",
            &link.if_a,
            "--hosts",
            "20",
            "--first-address",
            "198.18.0.100",
            "--join",
            "239.4.0.1",
            "--join-rate",
            "1000",
            "--duration-s",
            "2",
            "--json",
        ],
    );
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let heard = heard.join().unwrap();
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["hosts"], 20);
    assert_eq!(v["hosts_joined"], 20);
    assert_eq!(v["sent"], 40, "{v}");
    assert_eq!(heard.len(), 20, "{heard:?}");
    assert!(heard.values().all(|n| *n == 2), "{heard:?}");
    assert_eq!(heard.keys().next(), Some(&Ipv4Addr::new(198, 18, 0, 100)));
}

#[test]
fn emulate_ends_on_sigterm_with_status_0_and_a_summary() {
    require_privileges!();
    let link = Link::new().unwrap();
    let bg = Background::spawn(command(
        &link.a,
        &[
            "emulate",
            "--iface",
            &link.if_a,
            "--hosts",
            "5",
            "--first-address",
            "198.18.0.100",
            "--join",
            "239.4.0.2",
        ],
    ));
    std::thread::sleep(Duration::from_millis(1500));
    let pid = bg.pid();
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let (status, out, err) = bg.wait();
    assert!(status.success(), "{status:?} {err:?}");
    assert!(
        out.last().unwrap().starts_with("hosts=5 joined=5 "),
        "{out:?}"
    );
}

fn emulate_status(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .arg("emulate")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_scenarios_exit_2_naming_the_file_and_line_before_anything_is_sent() {
    let dir = std::env::temp_dir().join(format!("ipv4kit-emulate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s.txt");
    let base = [
        "--iface",
        "lo",
        "--hosts",
        "4",
        "--first-address",
        "198.18.0.100",
        "--scenario",
    ];
    let cases = [
        (
            "0 all join 239.1.1.1\n# ok\n1 all jion 239.1.1.1\n",
            "s.txt:3: op jion",
        ),
        (
            "0 1-5 join 239.1.1.1\n",
            "s.txt:1: hosts 1-5 reach past the 4 hosts",
        ),
        (
            "0 all join 232.1.1.1\n",
            "s.txt:1: 232.1.1.1 is an SSM group",
        ),
        ("0 all join 224.0.0.1\n", "never reported"),
        (
            "0 1 join 239.1.1.1\n2 2 leave 239.1.1.1\n",
            "s.txt:2: hosts 2: leave 239.1.1.1 refused",
        ),
    ];
    for (text, want) in cases {
        std::fs::write(&file, text).unwrap();
        let mut args: Vec<&str> = base.to_vec();
        args.push(file.to_str().unwrap());
        let (code, err) = emulate_status(&args);
        assert_eq!(code, 2, "{text}: {err}");
        assert!(err.contains(want), "{text}: {err}");
    }
    let (code, err) = emulate_status(&[
        "--iface",
        "lo",
        "--hosts",
        "3",
        "--first-address",
        "223.255.255.254",
        "--join",
        "239.1.1.1",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("only 2 are left"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
