//! `ipv4kit querier` against real peers on a Linux bridge: kernel hosts at
//! IGMPv3, v2 and v1 (`force_igmp_version`) join and leave, and the
//! querier's table (RFC 8652's names, printed on SIGUSR1) holds what they
//! hold; a left group goes within the Last Member Query Time; a v1 host
//! puts its group in v1 mode. Two queriers elect the lower address and
//! the other takes over when the querier dies; pimd as the other querier.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use common::{json_lines, Background};
use ipv4kit_net::{interface_index, DatagramOptions, PacketConn};
use ipv4kit_testnet::{bridge_addr, require_privileges, Bridge, Netns};
use serde_json::Value;

/// Host `i` of `br` runs `ipv4kit querier --json ARGS` on its interface.
fn querier(br: &Bridge, i: usize, extra: &[&str]) -> Background {
    let mut args = vec!["querier", "--iface", &br.ifaces[i], "--json"];
    args.extend_from_slice(extra);
    let mut q = Background::spawn(common::command(&br.hosts[i], &args));
    q.wait_stderr("querier on");
    q
}

/// A socket on host `i` that joins `group` (from `source` only, if given).
fn join(br: &Bridge, i: usize, group: &str, source: Option<&str>) -> PacketConn {
    let ns: &Netns = &br.hosts[i];
    let dev = br.ifaces[i].clone();
    let group: Ipv4Addr = group.parse().unwrap();
    let source: Option<Ipv4Addr> = source.map(|s| s.parse().unwrap());
    ns.run(move || {
        let c = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).unwrap();
        let ifindex = interface_index(&dev).unwrap();
        match source {
            Some(s) => c.join_source_group(ifindex, group, s).unwrap(),
            None => c.join_group(ifindex, group).unwrap(),
        }
        c
    })
}

fn force_version(br: &Bridge, i: usize, v: &str) {
    let key = format!("net.ipv4.conf.{}.force_igmp_version", br.ifaces[i]);
    br.hosts[i].sysctl(&key, v).unwrap();
}

/// Sends SIGUSR1 to the querier and reads until its table comes.
fn table(q: &mut Background) -> Value {
    let before = q.out_lines.len();
    let _ = std::process::Command::new("kill")
        .args(["-USR1", &q.pid().to_string()])
        .status();
    let got = q.read_until(|l| {
        json_lines(&l[before..])
            .iter()
            .any(|v| v.get("ietf-igmp-mld:igmp").is_some())
    });
    assert!(got, "no table after SIGUSR1: {:#?}", &q.out_lines[before..]);
    json_lines(&q.out_lines[before..])
        .into_iter()
        .rfind(|v| v.get("ietf-igmp-mld:igmp").is_some())
        .unwrap()
}

fn interface(t: &Value) -> &Value {
    &t["ietf-igmp-mld:igmp"]["interfaces"]["interface"][0]
}

fn group<'a>(t: &'a Value, g: &str) -> Option<&'a Value> {
    interface(t)["group"]
        .as_array()?
        .iter()
        .find(|x| x["group-address"] == g)
}

/// Whether an event line `event` for `group` came after line `from`.
fn saw(lines: &[String], from: usize, event: &str, group: &str) -> bool {
    json_lines(&lines[from..])
        .iter()
        .any(|v| v["event"] == event && v["group"] == group)
}

#[test]
fn the_table_holds_what_v3_v2_and_v1_kernel_hosts_joined_and_a_leave_empties_it_within_lmqt() {
    require_privileges!();
    let br = Bridge::new(4).unwrap();
    force_version(&br, 2, "2");
    force_version(&br, 3, "1");
    // LMQT = 2 × 200 ms; hosts answer General Queries within 1 s.
    let mut q = querier(
        &br,
        0,
        &[
            "--query-interval-s",
            "5",
            "--max-resp-ms",
            "1000",
            "--last-member-interval-ms",
            "200",
            "--last-member-count",
            "2",
        ],
    );
    let v3 = join(&br, 1, "239.1.1.1", None);
    let v3_ssm = join(&br, 1, "232.1.1.1", Some("198.18.0.99"));
    let v2 = join(&br, 2, "239.2.2.2", None);
    let v1 = join(&br, 3, "239.3.3.3", None);
    let v1_shared = join(&br, 3, "239.4.4.4", None);
    let v3_shared = join(&br, 1, "239.4.4.4", None);
    // An any-source join of an SSM group: TO_EX, ignored (RFC 4604 §2.2.2).
    let ssm_asm = join(&br, 1, "232.9.9.9", None);
    let all = q.read_until(|l| {
        [
            "239.1.1.1",
            "232.1.1.1",
            "239.2.2.2",
            "239.3.3.3",
            "239.4.4.4",
        ]
        .iter()
        .all(|g| saw(l, 0, "group-added", g))
    });
    assert!(all, "not every join seen: {:#?}", q.out_lines);
    let t = table(&mut q);
    let i = interface(&t);
    assert_eq!(i["querier"], bridge_addr(0).to_string(), "{t}");
    assert_eq!(i["ipv4kit:is-querier"], true, "{t}");
    let g = group(&t, "239.1.1.1").unwrap();
    assert_eq!(
        (
            &g["filter-mode"],
            &g["ipv4kit:version"],
            &g["last-reporter"]
        ),
        (
            &"exclude".into(),
            &3.into(),
            &bridge_addr(1).to_string().into()
        ),
        "{t}"
    );
    let g = group(&t, "232.1.1.1").unwrap();
    assert_eq!(g["filter-mode"], "include", "{t}");
    assert_eq!(g["source"][0]["source-address"], "198.18.0.99", "{t}");
    let g = group(&t, "239.2.2.2").unwrap();
    assert_eq!(
        (&g["filter-mode"], &g["ipv4kit:version"]),
        (&"exclude".into(), &2.into()),
        "{t}"
    );
    // RFC 3376 §7.3.2: a v1 report puts the group in v1 mode, also when a
    // v3 host is a member too.
    for gr in ["239.3.3.3", "239.4.4.4"] {
        let g = group(&t, gr).unwrap();
        assert_eq!(g["ipv4kit:version"], 1, "{gr}: {t}");
    }
    assert_eq!(interface(&t)["group"].as_array().unwrap().len(), 5, "{t}");
    assert!(group(&t, "232.9.9.9").is_none(), "{t}");
    assert!(
        i["ipv4kit:statistics"]["ssm-exclude"].as_u64() >= Some(1),
        "{t}"
    );

    // The v3 host leaves 239.1.1.1 (TO_IN {}): Q(G) twice 200 ms apart,
    // then the group goes (§6.6.3.1: within the Last Member Query Time).
    let from = q.out_lines.len();
    let left = Instant::now();
    drop(v3);
    assert!(q.read_until(|l| saw(l, from, "group-expired", "239.1.1.1")));
    let took = left.elapsed();
    assert!(
        took < Duration::from_millis(400 + 1500),
        "removed after {took:?}: {:#?}",
        &q.out_lines[from..]
    );
    let specific = json_lines(&q.out_lines[from..])
        .iter()
        .filter(|v| v["event"] == "query-sent" && v["packet"]["igmp"]["group"] == "239.1.1.1")
        .count();
    assert!(
        specific >= 1,
        "no group-specific query: {:#?}",
        &q.out_lines[from..]
    );
    // The v2 host's leave (to 224.0.0.2) does the same.
    let from = q.out_lines.len();
    drop(v2);
    assert!(q.read_until(|l| saw(l, from, "group-expired", "239.2.2.2")));
    let t = table(&mut q);
    assert!(
        group(&t, "239.1.1.1").is_none() && group(&t, "239.2.2.2").is_none(),
        "{t}"
    );
    assert!(group(&t, "239.3.3.3").is_some(), "{t}");

    // At exit the table is printed once more.
    let (out, err) = q.stop();
    let last: Value = serde_json::from_str(out.last().unwrap()).unwrap();
    assert!(
        last.get("ietf-igmp-mld:igmp").is_some(),
        "{out:#?} {err:#?}"
    );
    drop((v3_ssm, v1, v1_shared, v3_shared, ssm_asm));
}

/// Keeps reading `q`'s lines for `d`.
fn drain(q: &mut Background, d: Duration) {
    let end = Instant::now() + d;
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        if let Ok(l) = q.stdout.recv_timeout(left) {
            q.out_lines.push(l);
        }
    }
}

/// Lines of `q` from `from` on that are the querier's own queries.
fn queries_sent(lines: &[String], from: usize) -> usize {
    json_lines(&lines[from..])
        .iter()
        .filter(|v| v["event"] == "query-sent")
        .count()
}

fn querier_is(lines: &[String], addr: Ipv4Addr, is_self: bool) -> bool {
    json_lines(lines).iter().any(|v| {
        v["event"] == "querier-changed"
            && v["querier"] == addr.to_string()
            && v["is_self"] == is_self
    })
}

#[test]
fn two_queriers_elect_the_lower_address_and_the_other_takes_over_when_it_dies() {
    require_privileges!();
    let br = Bridge::new(2).unwrap();
    // Other Querier Present Interval = 2 × 2 s + 0.5 s = 4.5 s.
    let fast = ["--query-interval-s", "2", "--max-resp-ms", "1000"];
    let mut high = querier(&br, 1, &fast);
    let mut low = querier(&br, 0, &fast);
    assert!(
        high.read_until(|l| querier_is(l, bridge_addr(0), false)),
        "{:#?}",
        high.out_lines
    );
    // Once it lost, the higher one sends nothing for a while.
    let from = high.out_lines.len();
    drain(&mut high, Duration::from_secs(3));
    assert_eq!(
        queries_sent(&high.out_lines, from),
        0,
        "{:#?}",
        high.out_lines
    );
    assert!(!querier_is(&low.out_lines, bridge_addr(1), false));
    low.read_until(|l| queries_sent(l, 0) >= 2);
    assert!(queries_sent(&low.out_lines, 0) >= 2, "{:#?}", low.out_lines);

    // The querier dies (SIGKILL: no goodbye); the other takes over after
    // the Other Querier Present Interval.
    let killed = Instant::now();
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &low.pid().to_string()])
        .status();
    let _ = low.wait();
    let from = high.out_lines.len();
    assert!(
        high.read_until(|l| querier_is(&l[from..], bridge_addr(1), true)),
        "{:#?}",
        high.out_lines
    );
    let took = killed.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(12),
        "took over after {took:?}"
    );
    assert!(high.read_until(|l| queries_sent(l, from) >= 1));
}

/// pimd's binary: `$IPV4KIT_PIMD`, else `pimd` on the PATH. Debian's pimd
/// conflicts with smcroute, so CI unpacks it (`.ci/run`) and names it here.
fn pimd() -> Option<String> {
    if let Ok(p) = std::env::var("IPV4KIT_PIMD") {
        return Some(p);
    }
    ipv4kit_testnet::run("sh", &["-c", "command -v pimd"])
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// Whether `tool` may be missing here (a skip is a failure in CI).
fn skip_without(tool: &str, have: bool) -> bool {
    if have {
        return false;
    }
    assert_ne!(
        std::env::var("IPV4KIT_REQUIRE_PRIVILEGED").as_deref(),
        Ok("1"),
        "{tool} is needed"
    );
    eprintln!("skipping: {tool} not installed");
    true
}

/// Runs `program ARGS` in host `i` in the background.
fn daemon(br: &Bridge, i: usize, program: &str, args: &[&str]) -> Background {
    let mut c = std::process::Command::new("ip");
    c.args(["netns", "exec", br.hosts[i].name(), program])
        .args(args);
    Background::spawn(c)
}

fn write_conf(name: &str, text: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("{name}-{}.conf", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn pimd_as_the_other_querier_wins_with_the_lower_address_and_loses_with_the_higher() {
    require_privileges!();
    let Some(pimd) = pimd() else {
        if skip_without("pimd", false) {
            return;
        }
        unreachable!()
    };
    // IGMPv2: pimd 2.3.2's IGMPv3 queries carry a bad checksum (tcpdump says
    // so too), which hosts and this querier rightly drop.
    let conf = write_conf("pimd", "");
    for (pimd_at, ours_at) in [(0, 1), (1, 0)] {
        let br = Bridge::new(2).unwrap();
        let text = format!("phyint {} enable igmpv2\n", br.ifaces[pimd_at]);
        std::fs::write(&conf, text).unwrap();
        let mut q = querier(
            &br,
            ours_at,
            &["--query-interval-s", "10", "--max-resp-ms", "2000"],
        );
        let conf_s = conf.to_str().unwrap();
        let _p = daemon(&br, pimd_at, &pimd, &["-f", "-N", "-c", conf_s]);
        // §7.3.1: an IGMPv2 querier on the link, so this one runs v2.
        let v2 = q.read_until(|l| {
            json_lines(l)
                .iter()
                .any(|v| v["event"] == "version-changed" && v["to"] == 2)
        });
        assert!(v2, "pimd at {pimd_at}: {:#?}", q.out_lines);
        if pimd_at < ours_at {
            assert!(
                q.read_until(|l| querier_is(l, bridge_addr(pimd_at), false)),
                "{:#?}",
                q.out_lines
            );
        } else {
            let t = table(&mut q);
            let i = interface(&t);
            assert_eq!(i["ipv4kit:is-querier"], true, "{t}");
            assert_eq!(i["querier"], bridge_addr(ours_at).to_string(), "{t}");
            assert!(
                i["ipv4kit:statistics"]["queries-received"].as_u64() >= Some(1),
                "{t}"
            );
        }
    }
    let _ = std::fs::remove_file(conf);
}

#[test]
fn igmpproxy_as_the_other_querier_loses_to_the_lower_address_and_makes_this_one_run_v2() {
    require_privileges!();
    let have = ipv4kit_testnet::run("sh", &["-c", "command -v igmpproxy"]).is_ok();
    if skip_without("igmpproxy", have) {
        return;
    }
    for (proxy_at, ours_at) in [(0, 1), (1, 0)] {
        let br = Bridge::new(2).unwrap();
        // igmpproxy needs an upstream interface with an address: a veth
        // pair inside its host.
        let ns = &br.hosts[proxy_at];
        ns.ip(&["link", "add", "up0", "type", "veth", "peer", "name", "up1"])
            .unwrap();
        ns.ip(&["addr", "add", "198.19.5.1/24", "dev", "up0"])
            .unwrap();
        ns.ip(&["link", "set", "up0", "up"]).unwrap();
        ns.ip(&["link", "set", "up1", "up"]).unwrap();
        let conf = write_conf(
            &format!("igmpproxy{proxy_at}"),
            &format!(
                "phyint up0 upstream ratelimit 0 threshold 1\n  altnet 0.0.0.0/0\n\
                 phyint {} downstream ratelimit 0 threshold 1\n",
                br.ifaces[proxy_at]
            ),
        );
        let mut q = querier(
            &br,
            ours_at,
            &["--query-interval-s", "10", "--max-resp-ms", "2000"],
        );
        let _p = daemon(&br, proxy_at, "igmpproxy", &["-n", conf.to_str().unwrap()]);
        let v2 = q.read_until(|l| {
            json_lines(l)
                .iter()
                .any(|v| v["event"] == "version-changed" && v["to"] == 2)
        });
        assert!(v2, "igmpproxy at {proxy_at}: {:#?}", q.out_lines);
        if proxy_at < ours_at {
            assert!(
                q.read_until(|l| querier_is(l, bridge_addr(proxy_at), false)),
                "{:#?}",
                q.out_lines
            );
        } else {
            let t = table(&mut q);
            assert_eq!(interface(&t)["ipv4kit:is-querier"], true, "{t}");
        }
        let _ = std::fs::remove_file(conf);
    }
}

#[test]
fn monitor_table_keeps_the_same_table_passively_and_learns_the_querier() {
    require_privileges!();
    let br = Bridge::new(3).unwrap();
    let _q = querier(
        &br,
        0,
        &["--query-interval-s", "10", "--max-resp-ms", "2000"],
    );
    let mut m = Background::spawn(common::command(
        &br.hosts[2],
        &["monitor", "--iface", &br.ifaces[2], "--table", "--json"],
    ));
    m.wait_stderr("monitoring");
    let _member = join(&br, 1, "239.5.5.5", None);
    let seen = m.read_until(|l| {
        json_lines(l)
            .iter()
            .any(|v| v["igmp"]["type"] == "query" && v["ipv4"]["src"] == bridge_addr(0).to_string())
            && json_lines(l)
                .iter()
                .any(|v| v["ipv4"]["src"] == bridge_addr(1).to_string())
    });
    assert!(seen, "{:#?}", m.out_lines);
    let t = table(&mut m);
    let i = interface(&t);
    assert_eq!(i["ipv4kit:passive"], true, "{t}");
    assert_eq!(i["ipv4kit:is-querier"], false, "{t}");
    assert_eq!(i["querier"], bridge_addr(0).to_string(), "{t}");
    let g = group(&t, "239.5.5.5").unwrap();
    assert_eq!(g["last-reporter"], bridge_addr(1).to_string(), "{t}");
    // The monitoring host sent nothing: no query, no report from it.
    assert!(json_lines(&m.out_lines)
        .iter()
        .all(|v| v["ipv4"]["src"] != bridge_addr(2).to_string()));
    // At exit: IGMP's table, then MLD's (the monitor shows both families).
    let (out, _) = m.stop();
    let tail: Vec<Value> = out[out.len().saturating_sub(2)..]
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(tail[0].get("ietf-igmp-mld:igmp").is_some(), "{out:#?}");
    assert!(tail[1].get("ietf-igmp-mld:mld").is_some(), "{out:#?}");
}
