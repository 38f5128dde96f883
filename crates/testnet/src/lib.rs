//! Test hosts for real-socket tests: Linux network namespaces joined by veth
//! pairs, made with `ip` and torn down on drop (so also when a test panics).
//!
//! ```no_run
//! use ipv4kit_testnet::{require_privileges, Link};
//!
//! #[test]
//! fn something_across_a_link() {
//!     require_privileges!();
//!     let link = Link::new().unwrap();        // hosts a and b, 198.18.0.1 <-> 198.18.0.2
//!     let got = link.b.run(|| {
//!         // sockets opened here live in namespace b
//!         std::net::UdpSocket::bind("198.18.0.2:0").unwrap().local_addr().unwrap()
//!     });
//!     # let _ = got;
//! }
//! ```
//!
//! Names are unique per run: namespaces `v4k-<pid>-<n>`, interfaces
//! `v<pid>x<n>a`/`...b` (at most 15 characters). Addresses come from
//! 198.18.0.0/15 (RFC 2544 benchmarking); each link is alone in its
//! namespaces, so every link uses the same ones.
//!
//! It has no `unsafe`: entering a namespace is nix's safe `setns`.
#![forbid(unsafe_code)]

use std::fmt;
use std::fs::File;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// Address of host `a` on a [`Link`].
pub const ADDR_A: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// Address of host `b` on a [`Link`].
pub const ADDR_B: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
/// Prefix length of the link's subnet (198.18.0.0/24).
pub const PREFIX_LEN: u8 = 24;

/// IPv6 address of host `a` on a [`Link::with_ipv6`] (from 2001:2::/48,
/// the IPv6 benchmarking range, RFC 5180).
pub const ADDR6_A: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 1);
/// IPv6 address of host `b` on a [`Link::with_ipv6`].
pub const ADDR6_B: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 2);
/// Link-local address of host `a` on a [`Link::with_ipv6`] (fe80::1).
pub const LINK_LOCAL_A: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
/// Link-local address of host `b` on a [`Link::with_ipv6`] (fe80::2).
pub const LINK_LOCAL_B: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2);
/// Prefix length of the IPv6 link's subnet (2001:2::/64).
pub const PREFIX6_LEN: u8 = 64;
/// Address of host `b` on the second link of a [`Link::extend`] (198.19.0.0/24).
pub const ADDR_BC: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 1);
/// Address of host `c` on the second link of a [`Link::extend`].
pub const ADDR_C: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 2);
/// IPv6 address of host `b` on the second link (2001:2:0:1::/64).
pub const ADDR6_BC: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, 1);
/// IPv6 address of host `c` on the second link.
pub const ADDR6_C: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, 2);
/// Link-local address of `b` on the second link (fe80::3).
pub const LINK_LOCAL_BC: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 3);
/// Link-local address of `c` on the second link (fe80::4).
pub const LINK_LOCAL_C: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 4);

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn next_id() -> (u32, u32) {
    (std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// An error running `ip` or `sysctl`: the command line and what it said.
#[derive(Debug)]
pub struct CmdError {
    /// The command as run.
    pub command: String,
    /// Its standard error, or the spawn error.
    pub message: String,
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` failed: {}", self.command, self.message.trim())
    }
}

impl std::error::Error for CmdError {}

/// Runs a command, failing with its stderr.
pub fn run(program: &str, args: &[&str]) -> Result<String, CmdError> {
    let command = format!("{program} {}", args.join(" "));
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| CmdError {
            command: command.clone(),
            message: e.to_string(),
        })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(CmdError {
            command,
            message: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

/// Why privileged tests cannot run here, or `None` if they can (root or
/// `CAP_NET_ADMIN` + `CAP_NET_RAW`, and the `ip` command).
pub fn missing_privileges() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let cap_eff = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0);
    const CAP_NET_ADMIN: u64 = 1 << 12;
    const CAP_NET_RAW: u64 = 1 << 13;
    const CAP_SYS_ADMIN: u64 = 1 << 21; // setns
    let need = CAP_NET_ADMIN | CAP_NET_RAW | CAP_SYS_ADMIN;
    if cap_eff & need != need {
        return Some(format!(
            "needs CAP_NET_ADMIN, CAP_NET_RAW and CAP_SYS_ADMIN (run as root); CapEff is {cap_eff:#x}"
        ));
    }
    if run("ip", &["-V"]).is_err() {
        return Some("needs the `ip` command (iproute2)".into());
    }
    None
}

/// Whether the calling test may go on: `true` when privileged; otherwise
/// prints why and returns `false` (the test should return, i.e. skip) —
/// unless `IPV4KIT_REQUIRE_PRIVILEGED=1`, where a skip is a failure and this
/// panics.
pub fn privileged(test: &str) -> bool {
    let required = std::env::var("IPV4KIT_REQUIRE_PRIVILEGED").as_deref() == Ok("1");
    decide(test, missing_privileges(), required)
}

fn decide(test: &str, missing: Option<String>, required: bool) -> bool {
    match missing {
        None => true,
        Some(why) if required => {
            panic!("{test}: {why}, and IPV4KIT_REQUIRE_PRIVILEGED=1 forbids skipping")
        }
        Some(why) => {
            eprintln!("skipping {test}: {why}");
            false
        }
    }
}

/// Returns from the calling test (a skip, printed) when it lacks the
/// privileges for namespaces and raw sockets; panics instead when
/// `IPV4KIT_REQUIRE_PRIVILEGED=1`.
#[macro_export]
macro_rules! require_privileges {
    () => {{
        // The enclosing function's path, for the message.
        fn here() {}
        let name = ::std::any::type_name_of_val(&here);
        let name = name.strip_suffix("::here").unwrap_or(name);
        if !$crate::privileged(name) {
            return;
        }
    }};
}

/// A network namespace (`ip netns add`), deleted on drop.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates a namespace with a unique name and its loopback up.
    ///
    /// The first call in a process also deletes namespaces left behind by
    /// earlier test runs that were killed before their `Drop` ran (names
    /// whose pid is no longer alive).
    pub fn new() -> Result<Netns, CmdError> {
        static CLEANUP: std::sync::Once = std::sync::Once::new();
        CLEANUP.call_once(remove_stale_namespaces);
        let (pid, n) = next_id();
        let name = format!("v4k-{pid}-{n}");
        run("ip", &["netns", "add", &name])?;
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"])?;
        Ok(ns)
    }

    /// Its name (under `/run/netns`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `ip <args>` inside the namespace (`ip -n <name> ...`).
    pub fn ip(&self, args: &[&str]) -> Result<String, CmdError> {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        run("ip", &all)
    }

    /// Runs a command inside the namespace (`ip netns exec`).
    pub fn exec(&self, program: &str, args: &[&str]) -> Result<String, CmdError> {
        let mut all = vec!["netns", "exec", self.name.as_str(), program];
        all.extend_from_slice(args);
        run("ip", &all)
    }

    /// Waits until interface `dev` is up with carrier and its queueing
    /// discipline is attached. Until the kernel's link watcher has run
    /// (asynchronously, after `ip link set up`), the device still has the
    /// `noop` qdisc, which silently drops everything sent: the first
    /// datagrams of a test would vanish.
    pub fn wait_operational(&self, dev: &str) -> Result<(), CmdError> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let out = self.ip(&["link", "show", "dev", dev])?;
            if out.contains("state UP") && !out.contains("qdisc noop") {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(CmdError {
                    command: format!("ip -n {} link show dev {dev}", self.name),
                    message: format!("not operational after 5 s: {out}"),
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    /// Sets a sysctl inside the namespace (`sysctl -w key=value`).
    pub fn sysctl(&self, key: &str, value: &str) -> Result<(), CmdError> {
        self.exec("sysctl", &["-q", "-w", &format!("{key}={value}")])
            .map(drop)
    }

    /// Runs `f` on a fresh thread that has entered this namespace and
    /// returns its result (re-raising its panic). Sockets opened there stay
    /// in the namespace wherever they are used later.
    pub fn run<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        let path = format!("/run/netns/{}", self.name);
        std::thread::scope(|s| {
            s.spawn(|| {
                enter(&path).unwrap_or_else(|e| panic!("entering {path}: {e}"));
                f()
            })
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
        })
    }

    /// Spawns a thread in this namespace running `f` (for a receiver that
    /// runs while the test sends).
    pub fn spawn<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> std::thread::JoinHandle<R> {
        let path = format!("/run/netns/{}", self.name);
        std::thread::spawn(move || {
            enter(&path).unwrap_or_else(|e| panic!("entering {path}: {e}"));
            f()
        })
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Err(e) = run("ip", &["netns", "del", &self.name]) {
            eprintln!("warning: {e}");
        }
    }
}

/// Moves the calling thread into the network namespace at `path`.
fn enter(path: &str) -> io::Result<()> {
    let f = File::open(path)?;
    // setns changes only the calling thread's network namespace: a fresh
    // thread that owns nothing namespace-bound yet.
    nix::sched::setns(&f, nix::sched::CloneFlags::CLONE_NEWNET).map_err(io::Error::from)
}

/// Two test hosts, `a` and `b`, each a namespace, joined by a veth pair:
/// `a` has [`ADDR_A`] on [`if_a`](Self::if_a), `b` has [`ADDR_B`] on
/// [`if_b`](Self::if_b), both /24, links up. Dropping it deletes both
/// namespaces (and with them the veth pair).
#[derive(Debug)]
pub struct Link {
    /// Host a.
    pub a: Netns,
    /// Host b.
    pub b: Netns,
    /// Interface name in a.
    pub if_a: String,
    /// Interface name in b.
    pub if_b: String,
}

impl Link {
    /// Creates the two hosts and the link between them.
    pub fn new() -> Result<Link, CmdError> {
        let a = Netns::new()?;
        let b = Netns::new()?;
        let (pid, n) = next_id();
        let if_a = format!("v{pid}x{n}a");
        let if_b = format!("v{pid}x{n}b");
        debug_assert!(if_a.len() <= 15);
        run(
            "ip",
            &[
                "link",
                "add",
                &if_a,
                "netns",
                a.name(),
                "type",
                "veth",
                "peer",
                "name",
                &if_b,
                "netns",
                b.name(),
            ],
        )?;
        let link = Link { a, b, if_a, if_b };
        let pl = format!("/{PREFIX_LEN}");
        link.a
            .ip(&["addr", "add", &format!("{ADDR_A}{pl}"), "dev", &link.if_a])?;
        link.b
            .ip(&["addr", "add", &format!("{ADDR_B}{pl}"), "dev", &link.if_b])?;
        link.a.ip(&["link", "set", &link.if_a, "up"])?;
        link.b.ip(&["link", "set", &link.if_b, "up"])?;
        link.a.wait_operational(&link.if_a)?;
        link.b.wait_operational(&link.if_b)?;
        Ok(link)
    }

    /// Adds another address to host a's interface (e.g. a second source
    /// for source-specific multicast tests).
    pub fn add_addr_a(&self, addr: Ipv4Addr) -> Result<(), CmdError> {
        self.a
            .ip(&[
                "addr",
                "add",
                &format!("{addr}/{PREFIX_LEN}"),
                "dev",
                &self.if_a,
            ])
            .map(drop)
    }

    /// Creates the two hosts and the link as [`new`](Self::new) does, plus
    /// IPv6: [`ADDR6_A`]/[`ADDR6_B`] (/64) and the link-local
    /// [`LINK_LOCAL_A`]/[`LINK_LOCAL_B`], all added with `nodad` so they are
    /// usable at once (duplicate address detection would take about 2 s).
    /// The kernel's own EUI-64 link-local address is not generated
    /// (`addrgenmode none`), so each side has exactly one link-local
    /// address, the source of its MLD reports.
    pub fn with_ipv6() -> Result<Link, CmdError> {
        let link = Link::new()?;
        for (ns, dev, global, local) in [
            (&link.a, &link.if_a, ADDR6_A, LINK_LOCAL_A),
            (&link.b, &link.if_b, ADDR6_B, LINK_LOCAL_B),
        ] {
            ns.sysctl(&format!("net.ipv6.conf.{dev}.accept_dad"), "0")?;
            ns.ip(&["link", "set", dev, "down"])?;
            ns.ip(&["link", "set", dev, "addrgenmode", "none"])?;
            ns.ip(&["-6", "addr", "flush", "dev", dev])?;
            for a in [global, local] {
                let a = format!("{a}/{PREFIX6_LEN}");
                ns.ip(&["-6", "addr", "add", &a, "dev", dev, "nodad"])?;
            }
            ns.ip(&["link", "set", dev, "up"])?;
        }
        link.a.wait_operational(&link.if_a)?;
        link.b.wait_operational(&link.if_b)?;
        Ok(link)
    }

    /// Adds an IPv6 multicast route (ff00::/8) via the link in both hosts,
    /// so joins and sends that name no interface work.
    pub fn add_multicast_routes6(&self) -> Result<(), CmdError> {
        self.a
            .ip(&["-6", "route", "add", "ff00::/8", "dev", &self.if_a])?;
        self.b
            .ip(&["-6", "route", "add", "ff00::/8", "dev", &self.if_b])?;
        Ok(())
    }

    /// Adds a third host `c` behind `b` (a router, say): a second veth pair
    /// `b` ↔ `c` with [`ADDR_BC`]/[`ADDR_C`] (/24) and, with `nodad`,
    /// [`ADDR6_BC`]/[`ADDR6_C`] (/64) and [`LINK_LOCAL_BC`]/[`LINK_LOCAL_C`].
    /// Routes: `a` and `c` reach each other's subnets through `b`
    /// (IPv4 and IPv6, when `a` has IPv6 from [`with_ipv6`](Self::with_ipv6)).
    /// Dropping the returned [`Extension`] deletes `c` and the pair.
    pub fn extend(&self) -> Result<Extension, CmdError> {
        let c = Netns::new()?;
        let (pid, n) = next_id();
        let if_bc = format!("v{pid}x{n}b");
        let if_cb = format!("v{pid}x{n}c");
        self.b.ip(&[
            "link",
            "add",
            &if_bc,
            "type",
            "veth",
            "peer",
            "name",
            &if_cb,
            "netns",
            c.name(),
        ])?;
        let ext = Extension { c, if_bc, if_cb };
        for (ns, dev, v4, v6, ll) in [
            (&self.b, &ext.if_bc, ADDR_BC, ADDR6_BC, LINK_LOCAL_BC),
            (&ext.c, &ext.if_cb, ADDR_C, ADDR6_C, LINK_LOCAL_C),
        ] {
            ns.sysctl(&format!("net.ipv6.conf.{dev}.accept_dad"), "0")?;
            ns.ip(&["link", "set", dev, "addrgenmode", "none"])?;
            ns.ip(&["addr", "add", &format!("{v4}/{PREFIX_LEN}"), "dev", dev])?;
            for a in [v6, ll] {
                let a = format!("{a}/{PREFIX6_LEN}");
                ns.ip(&["-6", "addr", "add", &a, "dev", dev, "nodad"])?;
            }
            ns.ip(&["link", "set", dev, "up"])?;
        }
        self.b.wait_operational(&ext.if_bc)?;
        ext.c.wait_operational(&ext.if_cb)?;
        self.a
            .ip(&["route", "add", "198.19.0.0/24", "via", &ADDR_B.to_string()])?;
        ext.c
            .ip(&["route", "add", "198.18.0.0/24", "via", &ADDR_BC.to_string()])?;
        if self
            .a
            .ip(&["-6", "addr", "show", "dev", &self.if_a])?
            .contains("2001:2::1")
        {
            self.a.ip(&[
                "-6",
                "route",
                "add",
                "2001:2:0:1::/64",
                "via",
                &ADDR6_B.to_string(),
            ])?;
            ext.c.ip(&[
                "-6",
                "route",
                "add",
                "2001:2::/64",
                "via",
                &ADDR6_BC.to_string(),
            ])?;
        }
        Ok(ext)
    }

    /// Adds a multicast route (224.0.0.0/4) via the link in both hosts, so
    /// joins and sends that name no interface work.
    pub fn add_multicast_routes(&self) -> Result<(), CmdError> {
        self.a
            .ip(&["route", "add", "224.0.0.0/4", "dev", &self.if_a])?;
        self.b
            .ip(&["route", "add", "224.0.0.0/4", "dev", &self.if_b])?;
        Ok(())
    }
}

/// A third host behind `b` of a [`Link`] (see [`Link::extend`]); dropping
/// it deletes the namespace and with it the veth pair.
#[derive(Debug)]
pub struct Extension {
    /// Host c.
    pub c: Netns,
    /// b's interface towards c.
    pub if_bc: String,
    /// c's interface towards b.
    pub if_cb: String,
}

/// Address of host `i` on a [`Bridge`]: 198.18.0.(i+1).
pub fn bridge_addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 0, u8::try_from(i + 1).unwrap_or(u8::MAX))
}

/// Several test hosts on one Linux bridge, the way hosts share an Ethernet
/// segment: a namespace `hub` holds bridge `br0` (multicast snooping off, so
/// it floods every multicast frame like a hub); host `i` is a namespace
/// with [`bridge_addr`]`(i)`/24 on interface [`ifaces`](Self::ifaces)`[i]`,
/// a veth pair whose other end is a port of `br0`. Dropping it deletes
/// every namespace (and with them the pairs and the bridge).
#[derive(Debug)]
pub struct Bridge {
    /// The hosts, in address order.
    pub hosts: Vec<Netns>,
    /// Each host's interface on the bridge.
    pub ifaces: Vec<String>,
    /// The namespace holding the bridge (dropped last).
    pub hub: Netns,
}

impl Bridge {
    /// Creates `n` hosts (at most 250) on a new bridge, every link up.
    pub fn new(n: usize) -> Result<Bridge, CmdError> {
        let hub = Netns::new()?;
        hub.ip(&[
            "link",
            "add",
            "br0",
            "type",
            "bridge",
            "mcast_snooping",
            "0",
        ])?;
        hub.ip(&["link", "set", "br0", "up"])?;
        let mut bridge = Bridge {
            hosts: Vec::new(),
            ifaces: Vec::new(),
            hub,
        };
        for i in 0..n.min(250) {
            let host = Netns::new()?;
            let (pid, k) = next_id();
            let dev = format!("v{pid}x{k}h");
            let port = format!("v{pid}x{k}p");
            debug_assert!(dev.len() <= 15);
            bridge.hub.ip(&[
                "link",
                "add",
                &port,
                "type",
                "veth",
                "peer",
                "name",
                &dev,
                "netns",
                host.name(),
            ])?;
            bridge.hub.ip(&["link", "set", &port, "master", "br0"])?;
            bridge.hub.ip(&["link", "set", &port, "up"])?;
            let addr = format!("{}/{PREFIX_LEN}", bridge_addr(i));
            host.ip(&["addr", "add", &addr, "dev", &dev])?;
            host.ip(&["link", "set", &dev, "up"])?;
            host.ip(&["route", "add", "224.0.0.0/4", "dev", &dev])?;
            host.wait_operational(&dev)?;
            bridge.hosts.push(host);
            bridge.ifaces.push(dev);
        }
        Ok(bridge)
    }
}

/// Deletes `v4k-<pid>-<n>` namespaces whose process is gone.
fn remove_stale_namespaces() {
    let Ok(list) = run("ip", &["netns", "list"]) else {
        return;
    };
    for name in list.lines().filter_map(|l| l.split_whitespace().next()) {
        let Some(pid) = name
            .strip_prefix("v4k-")
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = run("ip", &["netns", "del", name]);
        }
    }
}

/// The namespaces this process made and has not deleted yet (for leak
/// checks in tests).
pub fn own_namespaces() -> Vec<String> {
    let prefix = format!("v4k-{}-", std::process::id());
    run("ip", &["netns", "list"])
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with(&prefix))
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_pings_and_namespaces_go_away_on_drop() {
        require_privileges!();
        let link = Link::new().unwrap();
        let names = (link.a.name().to_owned(), link.b.name().to_owned());
        link.a
            .exec("ping", &["-c", "1", "-W", "2", &ADDR_B.to_string()])
            .or_else(|_| {
                // No ping installed: prove connectivity with UDP instead.
                let got = link.b.spawn(|| {
                    let s = std::net::UdpSocket::bind((ADDR_B, 9999)).unwrap();
                    let mut buf = [0; 8];
                    s.recv(&mut buf).unwrap()
                });
                std::thread::sleep(std::time::Duration::from_millis(100));
                link.a.run(|| {
                    let s = std::net::UdpSocket::bind((ADDR_A, 0)).unwrap();
                    s.send_to(b"hello", (ADDR_B, 9999)).unwrap();
                });
                assert_eq!(got.join().unwrap(), 5);
                Ok::<_, CmdError>(String::new())
            })
            .unwrap();
        // A thread in b sees b's interface, not the host's.
        let seen = link
            .b
            .run(|| std::fs::read_to_string("/proc/thread-self/net/dev").unwrap());
        assert!(seen.contains(&link.if_b), "{seen}");
        drop(link);
        let left = own_namespaces();
        assert!(
            !left.contains(&names.0) && !left.contains(&names.1),
            "{left:?}"
        );
    }

    #[test]
    fn namespace_is_deleted_even_when_the_test_panics() {
        require_privileges!();
        let name = std::panic::catch_unwind(|| {
            let ns = Netns::new().unwrap();
            let name = ns.name().to_owned();
            std::panic::panic_any(name);
        })
        .unwrap_err()
        .downcast::<String>()
        .unwrap();
        assert!(!own_namespaces().contains(&name));
    }

    #[test]
    fn a_skip_is_a_failure_only_when_privileges_are_required() {
        assert!(decide("t", None, true));
        assert!(!decide("t", Some("no root".into()), false));
        let p = std::panic::catch_unwind(|| decide("t", Some("no root".into()), true));
        assert!(p.is_err());
    }

    #[test]
    fn stale_namespaces_of_dead_processes_are_removed() {
        require_privileges!();
        // pid_max is at most 2^22, so this pid cannot be alive.
        let stale = "v4k-4294967-0";
        run("ip", &["netns", "add", stale]).unwrap();
        remove_stale_namespaces();
        let list = run("ip", &["netns", "list"]).unwrap();
        assert!(!list.lines().any(|l| l.starts_with(stale)), "{list}");
    }

    #[test]
    fn ipv6_link_has_usable_global_and_link_local_addresses_at_once() {
        require_privileges!();
        let link = Link::with_ipv6().unwrap();
        let shown = link
            .a
            .ip(&["-6", "addr", "show", "dev", &link.if_a])
            .unwrap();
        assert!(shown.contains("2001:2::1/64"), "{shown}");
        assert!(shown.contains("fe80::1/64"), "{shown}");
        assert!(!shown.contains("tentative"), "{shown}");
        // Exactly one link-local address: no EUI-64 one beside ours.
        assert_eq!(shown.matches("fe80::").count(), 1, "{shown}");
        // UDP over the global addresses crosses the link without delay.
        let got = link.b.spawn(|| {
            let s = std::net::UdpSocket::bind((ADDR6_B, 9999)).unwrap();
            s.set_read_timeout(Some(std::time::Duration::from_secs(3)))
                .unwrap();
            let mut buf = [0; 8];
            s.recv_from(&mut buf).unwrap()
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        link.a.run(|| {
            let s = std::net::UdpSocket::bind((ADDR6_A, 0)).unwrap();
            s.send_to(b"hello", (ADDR6_B, 9999)).unwrap();
        });
        let (n, from) = got.join().unwrap();
        assert_eq!((n, from.ip()), (5, std::net::IpAddr::V6(ADDR6_A)));
    }

    #[test]
    fn an_extension_puts_a_third_host_behind_b_for_both_families() {
        require_privileges!();
        let link = Link::with_ipv6().unwrap();
        let ext = link.extend().unwrap();
        let shown = ext.c.ip(&["addr", "show", "dev", &ext.if_cb]).unwrap();
        for want in ["198.19.0.2/24", "2001:2:0:1::2/64", "fe80::4/64"] {
            assert!(shown.contains(want), "{want} missing: {shown}");
        }
        let routes = link.a.ip(&["-6", "route", "show"]).unwrap();
        assert!(routes.contains("2001:2:0:1::/64 via 2001:2::2"), "{routes}");
        let c = ext.c.name().to_owned();
        drop(ext);
        assert!(!own_namespaces().contains(&c));
    }

    #[test]
    fn sysctl_sets_a_value_inside_the_namespace_only() {
        require_privileges!();
        let ns = Netns::new().unwrap();
        ns.sysctl("net.ipv4.ip_forward", "1").unwrap();
        let inside = ns.exec("sysctl", &["-n", "net.ipv4.ip_forward"]).unwrap();
        assert_eq!(inside.trim(), "1");
    }
}
