//! `ipv4kit querier -6` against a kernel MLD host (issue 14): between two
//! namespaces with IPv6 ([`Link::with_ipv6`]), the host joins ff1e::/16
//! groups and an SSM group from a source; the querier's table (the
//! `ietf-igmp-mld:mld` container, printed on SIGUSR1) holds them with the
//! host's link-local address as last reporter, and a left group is gone
//! within the Last Listener Query Time.

mod common;

use std::net::{Ipv6Addr, UdpSocket};

use common::{json_lines, Background};
use ipv4kit_net::interface_index;
use ipv4kit_testnet::{require_privileges, Link, Netns, LINK_LOCAL_A, LINK_LOCAL_B};
use serde_json::Value;

const MLD: &str = "ietf-igmp-mld:mld";

/// A socket in `ns` that joins the IPv6 `group` on `iface`.
fn join6(ns: &Netns, iface: &str, group: Ipv6Addr) -> UdpSocket {
    ns.run(|| {
        let s = UdpSocket::bind("[::]:0").unwrap();
        s.join_multicast_v6(&group, interface_index(iface).unwrap())
            .unwrap();
        s
    })
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
            .any(|v| v.get(MLD).is_some())
    });
    assert!(got, "no table after SIGUSR1: {:#?}", &q.out_lines[before..]);
    json_lines(&q.out_lines[before..])
        .into_iter()
        .rfind(|v| v.get(MLD).is_some())
        .unwrap()
}

fn saw(lines: &[String], from: usize, event: &str, group: &str) -> bool {
    json_lines(&lines[from..])
        .iter()
        .any(|v| v["event"] == event && v["group"] == group)
}

#[test]
fn the_mld_table_holds_what_a_kernel_host_joined_and_a_done_empties_it() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let args = [
        "querier",
        "-6",
        "--iface",
        &link.if_a,
        "--json",
        "--query-interval-s",
        "5",
        "--max-resp-ms",
        "1000",
        "--last-member-interval-ms",
        "200",
        "--last-member-count",
        "2",
    ];
    let mut q = Background::spawn(common::command(&link.a, &args));
    q.wait_stderr("querier on");
    let g1: Ipv6Addr = "ff1e::1:1234".parse().unwrap();
    let g2: Ipv6Addr = "ff1e::2:1234".parse().unwrap();
    let s1 = join6(&link.b, &link.if_b, g1);
    let s2 = join6(&link.b, &link.if_b, g2);
    let all = q.read_until(|l| {
        saw(l, 0, "group-added", &g1.to_string()) && saw(l, 0, "group-added", &g2.to_string())
    });
    assert!(all, "groups not added: {:#?}", q.out_lines);
    let t = table(&mut q);
    let i = &t[MLD]["interfaces"]["interface"][0];
    assert_eq!(i["name"], link.if_a.as_str());
    assert_eq!(i["version"], 2);
    assert_eq!(i["querier"], LINK_LOCAL_A.to_string());
    assert_eq!(i["ipv4kit:is-querier"], true);
    for g in [g1, g2] {
        let e = i["group"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["group-address"] == g.to_string())
            .unwrap_or_else(|| panic!("{g} missing: {t:#}"));
        assert_eq!(e["filter-mode"], "exclude", "{t:#}");
        assert_eq!(e["last-reporter"], LINK_LOCAL_B.to_string());
        assert_eq!(e["ipv4kit:version"], 2);
    }
    // The queries went out as MLDv2 General Queries to ff02::1.
    assert!(json_lines(&q.out_lines)
        .iter()
        .any(|v| v["event"] == "query-sent" && v["destination"] == "ff02::1"));
    // Leaving: the kernel sends TO_IN {}; the querier's Multicast Address
    // Specific Queries go unanswered and the group ends within LLQT (0.4 s,
    // read generously on a loaded machine).
    let from = q.out_lines.len();
    drop(s1);
    let gone = q.read_until(|l| saw(l, from, "group-expired", &g1.to_string()));
    assert!(gone, "{g1} not removed: {:#?}", &q.out_lines[from..]);
    let t = table(&mut q);
    let groups: Vec<_> = t[MLD]["interfaces"]["interface"][0]["group"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group-address"].clone())
        .collect();
    // The host's solicited-node groups (ff02::1:ff00:0/104) stay too.
    assert!(!groups.contains(&Value::from(g1.to_string())), "{t:#}");
    assert!(groups.contains(&Value::from(g2.to_string())), "{t:#}");
    drop(s2);
    let (_, err) = q.stop();
    assert!(!err.iter().any(|l| l.contains("panicked")), "{err:#?}");
}

/// `monitor --table -6`: the same MLD table kept passively from the tap,
/// with no querier on the link (the host's unsolicited reports fill it).
#[test]
fn monitor_keeps_the_mld_table_passively() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let args = ["monitor", "-6", "--iface", &link.if_a, "--table", "--json"];
    let mut m = Background::spawn(common::command(&link.a, &args));
    m.wait_stderr("monitoring");
    let g: Ipv6Addr = "ff1e::3:1234".parse().unwrap();
    let _s = join6(&link.b, &link.if_b, g);
    let seen = m.read_until(|l| {
        json_lines(l)
            .iter()
            .any(|v| v["mld"]["type"].is_string() && v["ipv6"]["src"] == LINK_LOCAL_B.to_string())
    });
    assert!(seen, "no MLD report from b: {:#?}", m.out_lines);
    let t = table(&mut m);
    let i = &t[MLD]["interfaces"]["interface"][0];
    assert_eq!(i["ipv4kit:passive"], true, "{t:#}");
    let e = i["group"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["group-address"] == g.to_string())
        .unwrap_or_else(|| panic!("{g} missing: {t:#}"));
    assert_eq!(e["last-reporter"], LINK_LOCAL_B.to_string(), "{t:#}");
    // -6: MLD's table only, and nothing sent by the monitoring host.
    assert!(json_lines(&m.out_lines)
        .iter()
        .all(|v| v.get("ietf-igmp-mld:igmp").is_none()));
    let (_, err) = m.stop();
    assert!(!err.iter().any(|l| l.contains("panicked")), "{err:#?}");
}

fn querier6_is(lines: &[String], addr: Ipv6Addr, is_self: bool) -> bool {
    json_lines(lines).iter().any(|v| {
        v["event"] == "querier-changed"
            && v["querier"] == addr.to_string()
            && v["is_self"] == is_self
    })
}

fn mld_querier(ns: &Netns, iface: &str) -> Background {
    // Other Querier Present Interval = 2 × 2 s + 0.5 s = 4.5 s.
    let args = [
        "querier",
        "-6",
        "--iface",
        iface,
        "--json",
        "--query-interval-s",
        "2",
        "--max-resp-ms",
        "1000",
    ];
    let mut q = Background::spawn(common::command(ns, &args));
    q.wait_stderr("querier on");
    q
}

/// RFC 3810 §7.6.2: the lowest link-local address is the Querier; the other
/// stops querying, and takes over once the Querier is gone for the Other
/// Querier Present Interval.
#[test]
fn two_mld_queriers_elect_the_lower_link_local_address_and_the_other_takes_over() {
    require_privileges!();
    let link = Link::with_ipv6().unwrap();
    let mut high = mld_querier(&link.b, &link.if_b);
    let low = mld_querier(&link.a, &link.if_a);
    assert!(
        high.read_until(|l| querier6_is(l, LINK_LOCAL_A, false)),
        "{:#?}",
        high.out_lines
    );
    let killed = std::time::Instant::now();
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &low.pid().to_string()])
        .status();
    let _ = low.wait();
    let from = high.out_lines.len();
    assert!(
        high.read_until(|l| querier6_is(&l[from..], LINK_LOCAL_B, true)),
        "{:#?}",
        high.out_lines
    );
    let took = killed.elapsed();
    assert!(
        took >= std::time::Duration::from_secs(2) && took < std::time::Duration::from_secs(12),
        "took over after {took:?}"
    );
}
