//! `ipv4kit querier -6` against kernel MLD hosts on a Linux bridge (issue
//! 14, the MLD half of `querier_live.rs`): host 0 runs the querier, hosts 1
//! and 2 are MLDv2 kernels, host 3 an MLDv1 kernel
//! (`net.ipv6.conf.IF.force_mld_version=1`). They join groups, join and
//! leave sources (`MCAST_JOIN_SOURCE_GROUP`) and leave; at every check the
//! querier's table (`ietf-igmp-mld:mld`, printed on SIGUSR1) holds what the
//! kernels hold (`/proc/net/igmp6` and `/proc/net/mcfilter6` of each host),
//! a left group or source is gone within the Last Listener Query Time, an
//! MLDv1 listener keeps its group in MLDv1 compatibility mode until the
//! Older Version Host Present timer runs out (RFC 3810 §8.3.2), and
//! SSM-range (ff3x::/32) EXCLUDE records and MLDv1 reports are ignored and
//! counted (RFC 4604 §2.2.2).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv6Addr, SocketAddrV6};
use std::time::{Duration, Instant};

use common::{json_lines, Background};
use ipv4kit_net::{
    interface_index, Datagram6Options, PacketConn6, SourceFilterMode, SourceFilterOptions,
};
use ipv4kit_testnet::{require_privileges, Bridge};
use serde_json::Value;

const MLD: &str = "ietf-igmp-mld:mld";
/// Query Interval 4 s, Query Response Interval 1 s, Robustness 2: the
/// Older Version Host Present Interval is 2 × 4 + 1 = 9 s (RFC 3810 §9.12).
const OVHPI: Duration = Duration::from_secs(9);
/// Last Listener Query Time: 2 × 200 ms (RFC 3810 §9.14).
const LLQT: Duration = Duration::from_millis(400);
/// What a loaded shared machine may add to a deadline.
const SLACK: Duration = Duration::from_millis(1500);

/// fe80::(i+1), host `i`'s only link-local address.
fn link_local(i: usize) -> Ipv6Addr {
    Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::try_from(i + 1).unwrap())
}

/// Gives every host of `br` the link-local address [`link_local`] at once
/// (`nodad`, no EUI-64 one beside it: the source of its MLD messages from
/// the start) and silences the hub's own IPv6, so the only MLD listeners
/// on the link are the hosts.
fn with_ipv6(br: &Bridge) {
    br.hub
        .sysctl("net.ipv6.conf.all.disable_ipv6", "1")
        .unwrap();
    for (i, (ns, dev)) in br.hosts.iter().zip(&br.ifaces).enumerate() {
        ns.sysctl(&format!("net.ipv6.conf.{dev}.accept_dad"), "0")
            .unwrap();
        ns.ip(&["link", "set", dev, "down"]).unwrap();
        ns.ip(&["link", "set", dev, "addrgenmode", "none"]).unwrap();
        ns.ip(&["-6", "addr", "flush", "dev", dev]).unwrap();
        let a = format!("{}/64", link_local(i));
        ns.ip(&["-6", "addr", "add", &a, "dev", dev, "nodad"])
            .unwrap();
        ns.ip(&["link", "set", dev, "up"]).unwrap();
        ns.wait_operational(dev).unwrap();
    }
}

/// A membership the test holds: a socket on host `host` that joined `group`.
struct Member {
    host: usize,
    ifindex: u32,
    group: Ipv6Addr,
    conn: PacketConn6,
}

/// A socket on host `i` that joins `group` (from `source` only, if given).
fn join(br: &Bridge, i: usize, group: &str, source: Option<&str>) -> Member {
    let dev = br.ifaces[i].clone();
    let group: Ipv6Addr = group.parse().unwrap();
    let source: Option<Ipv6Addr> = source.map(|s| s.parse().unwrap());
    let (ifindex, conn) = br.hosts[i].run(move || {
        let c = PacketConn6::bind_udp(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 0, 0, 0)).unwrap();
        let ifindex = interface_index(&dev).unwrap();
        match source {
            Some(s) => c.join_source_group(ifindex, group, s).unwrap(),
            None => c.join_group(ifindex, group).unwrap(),
        }
        (ifindex, c)
    });
    Member {
        host: i,
        ifindex,
        group,
        conn,
    }
}

/// ff3x::/32, the SSM range of RFC 4607 §1 (the querier's default).
fn is_ssm(g: &Ipv6Addr) -> bool {
    let s = g.segments();
    s[0] & 0xfff0 == 0xff30 && s[1] == 0
}

/// A group as a router should hold it: filter mode and (INCLUDE) sources.
type State = BTreeMap<Ipv6Addr, (String, BTreeSet<Ipv6Addr>)>;

fn hex6(s: &str) -> Ipv6Addr {
    Ipv6Addr::from_bits(u128::from_str_radix(s, 16).unwrap())
}

/// What the kernels of `hosts` hold on their bridge interfaces, as the
/// querier must see it: every group of `/proc/net/igmp6` the kernel reports (not ff02::1,
/// nothing below link scope, RFC 3810 §6), INCLUDE with the sources the
/// kernel gives the test's sockets (`getsockopt(MCAST_MSFILTER)`) where
/// no socket of the host is in EXCLUDE mode, EXCLUDE {} otherwise; an SSM
/// group only in INCLUDE from an MLDv2 host (`v1` lists the MLDv1 hosts);
/// EXCLUDE wins over INCLUDE across hosts. (`/proc/net/mcfilter6` would
/// give the sources too, but Linux lists a device's sources only when its
/// newest group has some.)
fn kernels<'a>(
    br: &Bridge,
    hosts: &[usize],
    v1: &[usize],
    members: impl Iterator<Item = &'a Member> + Clone,
) -> State {
    let mut want = State::new();
    for &h in hosts {
        let dev = br.ifaces[h].as_str();
        let igmp6 = br.hosts[h].exec("cat", &["/proc/net/igmp6"]).unwrap();
        let mut include: BTreeMap<Ipv6Addr, Option<BTreeSet<Ipv6Addr>>> = BTreeMap::new();
        for m in members.clone().filter(|m| m.host == h) {
            let (mode, sources) = m.conn.source_filter(m.ifindex, m.group).unwrap();
            let e = include.entry(m.group).or_insert(Some(BTreeSet::new()));
            match (mode, e) {
                (SourceFilterMode::Include, Some(set)) => set.extend(sources),
                (_, e) => *e = None,
            }
        }
        for l in igmp6.lines() {
            let l: Vec<&str> = l.split_whitespace().collect();
            if l.len() < 3 || l[1] != dev {
                continue;
            }
            let g = hex6(l[2]);
            if g == Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1) || g.segments()[0] & 0xf < 2 {
                continue;
            }
            let sources = include
                .remove(&g)
                .flatten()
                .filter(|s| !s.is_empty() && !v1.contains(&h));
            let entry = match sources {
                Some(s) => ("include".to_owned(), s),
                None if is_ssm(&g) => continue,
                None => ("exclude".to_owned(), BTreeSet::new()),
            };
            let e = want.entry(g).or_insert_with(|| entry.clone());
            if e.0 == "exclude" || entry.0 == "exclude" {
                *e = ("exclude".to_owned(), BTreeSet::new());
            } else {
                e.1.extend(entry.1);
            }
        }
    }
    want
}

/// The querier's table as [`State`], without the groups its own host
/// reported: the tap sees those reports go out, but the querier's queries
/// are not looped back to its own kernel, which therefore never answers
/// them, so they come and go with the kernel's unsolicited reports.
fn held(t: &Value) -> State {
    interface(t)["group"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["last-reporter"] != link_local(0).to_string())
        .map(|g| {
            let addr = g["group-address"].as_str().unwrap().parse().unwrap();
            let mode = g["filter-mode"].as_str().unwrap().to_owned();
            let sources = g["source"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["source-address"].as_str().unwrap().parse().unwrap())
                .collect();
            (addr, (mode, sources))
        })
        .collect()
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

fn interface(t: &Value) -> &Value {
    &t[MLD]["interfaces"]["interface"][0]
}

fn group<'a>(t: &'a Value, g: &str) -> &'a Value {
    interface(t)["group"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["group-address"] == g)
        .unwrap_or_else(|| panic!("{g} not in the table: {t:#}"))
}

/// The check: the querier's table equals what the kernels hold, within
/// `within` (the hosts' reports are on their way); returns the table.
fn matches_kernels(
    q: &mut Background,
    br: &Bridge,
    members: &BTreeMap<&str, Member>,
    within: Duration,
) -> Value {
    let end = Instant::now() + within;
    loop {
        let t = table(q);
        let want = kernels(br, &[1, 2, 3], &[3], members.values());
        let got = held(&t);
        if got == want {
            return t;
        }
        assert!(
            Instant::now() < end,
            "the querier's table {got:#?}\nis not what the kernels hold {want:#?}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Whether an event `event` for `group` (and `source`) came after line `from`.
fn saw(lines: &[String], from: usize, event: &str, group: &str, source: Option<&str>) -> bool {
    json_lines(&lines[from..]).iter().any(|v| {
        v["event"] == event && v["group"] == group && source.is_none_or(|s| v["source"] == s)
    })
}

/// Waits for `event` after line `from` and returns when it came.
fn await_event(q: &mut Background, from: usize, event: &str, g: &str, s: Option<&str>) -> Instant {
    let seen = q.read_until(|l| saw(l, from, event, g, s));
    assert!(seen, "no {event} for {g}: {:#?}", &q.out_lines[from..]);
    Instant::now()
}

const A: &str = "ff1e::a1";
const B: &str = "ff1e::b2";
const C: &str = "ff1e::c3";
const SSM: &str = "ff3e::8000:1";
const S1: &str = "2001:db8::1";
const S2: &str = "2001:db8::2";

#[test]
fn the_mld_table_holds_what_mldv2_and_mldv1_kernel_hosts_hold_through_joins_and_leaves() {
    require_privileges!();
    let br = Bridge::new(4).unwrap();
    with_ipv6(&br);
    let key = format!("net.ipv6.conf.{}.force_mld_version", br.ifaces[3]);
    br.hosts[3].sysctl(&key, "1").unwrap();
    let args = [
        "querier",
        "-6",
        "--iface",
        &br.ifaces[0],
        "--json",
        "--query-interval-s",
        "4",
        "--max-resp-ms",
        "1000",
        "--last-member-interval-ms",
        "200",
        "--last-member-count",
        "2",
    ];
    let mut q = Background::spawn(common::command(&br.hosts[0], &args));
    q.wait_stderr("querier on");

    let mut m = BTreeMap::new();
    m.insert("a1", join(&br, 1, A, None));
    m.insert("ssm1", join(&br, 1, SSM, Some(S1)));
    m.insert("b2", join(&br, 2, B, None));
    m.insert("ssm2", join(&br, 2, SSM, Some(S2)));
    // An any-source join of an SSM group: TO_EX {}, ignored.
    m.insert("ssm_asm", join(&br, 2, "ff3e::8000:2", None));
    m.insert("b3", join(&br, 3, B, None));
    m.insert("c3", join(&br, 3, C, None));
    // An MLDv1 report for an SSM group: ignored too.
    m.insert("ssm_v1", join(&br, 3, "ff3e::8000:3", None));
    for g in [A, B, C, SSM] {
        await_event(&mut q, 0, "group-added", g, None);
    }
    let t = matches_kernels(&mut q, &br, &m, Duration::from_secs(6));
    let i = interface(&t);
    assert_eq!(i["querier"], link_local(0).to_string(), "{t:#}");
    assert_eq!(i["ipv4kit:is-querier"], true, "{t:#}");
    assert_eq!(i["version"], 2, "{t:#}");
    let a = group(&t, A);
    assert_eq!(a["ipv4kit:version"], 2, "{t:#}");
    assert_eq!(a["last-reporter"], link_local(1).to_string(), "{t:#}");
    // RFC 3810 §8.3.2: an MLDv1 report puts the group in MLDv1 mode, also
    // with an MLDv2 listener beside it.
    assert_eq!(group(&t, B)["ipv4kit:version"], 1, "{t:#}");
    assert_eq!(group(&t, C)["ipv4kit:version"], 1, "{t:#}");
    let s = group(&t, SSM);
    assert_eq!(s["filter-mode"], "include", "{t:#}");
    assert_eq!(s["source"].as_array().unwrap().len(), 2, "{t:#}");
    let n = &i["ipv4kit:statistics"];
    assert!(n["ssm-exclude"].as_u64() >= Some(1), "{t:#}");
    assert!(n["ssm-old-version"].as_u64() >= Some(1), "{t:#}");

    // The MLDv2 listener leaves A (TO_IN {}): Multicast Address Specific
    // Queries, unanswered, and A goes within the LLQT.
    let from = q.out_lines.len();
    let left = Instant::now();
    m.remove("a1");
    let took = await_event(&mut q, from, "group-expired", A, None) - left;
    assert!(took < LLQT + SLACK, "{A} removed after {took:?}");
    assert!(
        json_lines(&q.out_lines[from..])
            .iter()
            .any(|v| v["event"] == "query-sent" && v["destination"] == A),
        "no query for {A}: {:#?}",
        &q.out_lines[from..]
    );
    // Every query sent is printed as it went out: to the address queried,
    // its checksum good for that destination.
    for v in json_lines(&q.out_lines) {
        if v["event"] == "query-sent" {
            let text = v["message"].as_str().unwrap();
            let dst = v["destination"].as_str().unwrap();
            assert!(text.contains(&format!("> {dst}: ")), "{text}");
            assert!(!text.contains("does not parse"), "{text}");
        }
    }
    matches_kernels(&mut q, &br, &m, SLACK);

    // Host 1 leaves its source S1 of the SSM group (BLOCK {S1}): a
    // Multicast Address and Source Specific Query, and S1 goes within the
    // LLQT while host 2's S2 stays.
    let from = q.out_lines.len();
    let left = Instant::now();
    m.remove("ssm1");
    let took = await_event(&mut q, from, "source-removed", SSM, Some(S1)) - left;
    assert!(took < LLQT + SLACK, "{S1} removed after {took:?}");
    let t = matches_kernels(&mut q, &br, &m, SLACK);
    let s = group(&t, SSM);
    assert_eq!(s["source"][0]["source-address"], S2, "{t:#}");

    // The MLDv1 listener's Done for C (TO_IN {} in MLDv1 mode).
    let from = q.out_lines.len();
    let left = Instant::now();
    m.remove("c3");
    let took = await_event(&mut q, from, "group-expired", C, None) - left;
    assert!(took < LLQT + SLACK, "{C} removed after {took:?}");
    matches_kernels(&mut q, &br, &m, SLACK);

    // Its Done for B: host 2 answers the query, B stays, in MLDv1 mode
    // until the Older Version Host Present timer of the last MLDv1 report
    // runs out, then MLDv2 (the last report came at most one Query
    // Interval plus the response time before the Done).
    let from = q.out_lines.len();
    let done = Instant::now();
    m.remove("b3");
    std::thread::sleep(LLQT + Duration::from_millis(600));
    let t = matches_kernels(&mut q, &br, &m, SLACK);
    assert_eq!(group(&t, B)["ipv4kit:version"], 1, "{t:#}");
    let took = await_event(&mut q, from, "group-version-changed", B, None) - done;
    assert!(
        took + Duration::from_secs(5) >= OVHPI && took < OVHPI + SLACK,
        "MLDv1 mode ended {took:?} after the Done"
    );
    let t = matches_kernels(&mut q, &br, &m, SLACK);
    let b = group(&t, B);
    assert_eq!(b["ipv4kit:version"], 2, "{t:#}");
    assert_eq!(b["last-reporter"], link_local(2).to_string(), "{t:#}");

    let (out, err) = q.stop();
    let last: Value = serde_json::from_str(out.last().unwrap()).unwrap();
    assert!(last.get(MLD).is_some(), "{out:#?} {err:#?}");
    assert!(!err.iter().any(|l| l.contains("panicked")), "{err:#?}");
}
