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
    drop((v3_ssm, v1, v1_shared, v3_shared));
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
