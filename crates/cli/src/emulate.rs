//! `ipv4kit emulate`: many IGMP or MLD hosts on one interface (`ipv4kit-emu`).

use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

use ipv4kit_emu::scenario::{self, HostRange, Op, Scenario, Step};
use ipv4kit_emu::{EmuConfig, Emulator, Family, LinkFamily, MacRange, Player, Runner};
use ipv4kit_gmp::{Compat, Config, Igmp, Mld};
use serde::Serialize;

use crate::args::{usage, EmulateArgs};
use crate::stop;

/// Largest scenario file read.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// `--join GROUP[@SRC,SRC...]`: an any-source join by every host, or a
/// source-specific one (INCLUDE {SRC...}, one `IP_ADD_SOURCE_MEMBERSHIP`
/// per source). IPv4 (IGMP) or IPv6 (MLD), all addresses of one family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinSpec {
    /// The group.
    pub group: IpAddr,
    /// The sources; empty for an any-source join.
    pub sources: Vec<IpAddr>,
}

impl JoinSpec {
    /// The spec in family `F`'s addresses, checked as `F` checks them.
    fn parse_in<F: Family>(g: &str, srcs: Option<&str>) -> Result<JoinSpec, String>
    where
        F::Addr: FromStr + std::fmt::Display + Into<IpAddr>,
    {
        let group: F::Addr = g.parse().map_err(|_| format!("{g}: not an address"))?;
        F::check_group(&group).map_err(|e| format!("{group}: {e}"))?;
        let mut sources = Vec::new();
        if let Some(list) = srcs {
            for x in list.split(',') {
                let a: F::Addr = x
                    .parse()
                    .map_err(|_| format!("source {x}: not an address of the group's family"))?;
                F::check_source(&a).map_err(|e| format!("source {a}: {e}"))?;
                let a: IpAddr = a.into();
                if sources.contains(&a) {
                    return Err(format!("source {a} given twice"));
                }
                if sources.len() == scenario::MAX_SOURCES {
                    return Err(format!("more than {} sources", scenario::MAX_SOURCES));
                }
                sources.push(a);
            }
        } else if F::is_default_ssm(&group) {
            return Err(format!(
                "{group} is an SSM group: join it with sources, {group}@SRC (RFC 4604 §2.2.1)"
            ));
        }
        Ok(JoinSpec {
            group: group.into(),
            sources,
        })
    }
}

impl FromStr for JoinSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<JoinSpec, String> {
        let (g, srcs) = match s.split_once('@') {
            Some((g, srcs)) => (g, Some(srcs)),
            None => (s, None),
        };
        if g.contains(':') {
            JoinSpec::parse_in::<Mld>(g, srcs)
        } else {
            JoinSpec::parse_in::<Igmp>(g, srcs)
        }
    }
}

/// `--mac-base`: an Ethernet address, six hex octets separated by colons
/// (or dashes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MacAddr(pub [u8; 6]);

impl FromStr for MacAddr {
    type Err = String;

    fn from_str(s: &str) -> Result<MacAddr, String> {
        let bad = || format!("{s}: not a MAC address (six hex octets, 02:00:00:00:00:01)");
        let mut m = [0u8; 6];
        let mut parts = s.split([':', '-']);
        for o in m.iter_mut() {
            let p = parts.next().ok_or_else(bad)?;
            if p.is_empty() || p.len() > 2 {
                return Err(bad());
            }
            *o = u8::from_str_radix(p, 16).map_err(|_| bad())?;
        }
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(MacAddr(m))
    }
}

impl std::fmt::Display for MacAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// The family's addresses from the command line's (checked by [`JoinSpec`]
/// to be of one family; the other family's are refused here).
pub trait CliAddr: Sized {
    /// The address if it is of this family.
    fn from_ip(a: IpAddr) -> Option<Self>;
}

impl CliAddr for Ipv4Addr {
    fn from_ip(a: IpAddr) -> Option<Self> {
        match a {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(_) => None,
        }
    }
}

impl CliAddr for Ipv6Addr {
    fn from_ip(a: IpAddr) -> Option<Self> {
        match a {
            IpAddr::V6(a) => Some(a),
            IpAddr::V4(_) => None,
        }
    }
}

/// The steps `--join` and `--leave-after-s` stand for: at 0 every host
/// joins each group; at S every host leaves it. A join of the other
/// family is an error naming it.
pub fn command_line_steps<A: CliAddr + Copy>(
    joins: &[JoinSpec],
    leave_after: Option<Duration>,
) -> Result<Vec<Step<A>>, String> {
    let mut steps: Vec<Step<A>> = Vec::with_capacity(joins.len());
    for j in joins {
        let other = || {
            format!(
                "--join {}: not of the emulated family (IPv4 is IGMP, IPv6 needs -6)",
                j.group
            )
        };
        let g = A::from_ip(j.group).ok_or_else(other)?;
        let sources = j
            .sources
            .iter()
            .map(|s| A::from_ip(*s).ok_or_else(other))
            .collect::<Result<Vec<A>, String>>()?;
        steps.push(Step {
            at: Duration::ZERO,
            hosts: HostRange::All,
            op: if sources.is_empty() {
                Op::Join(g)
            } else {
                Op::JoinSource(g, sources)
            },
            line: 0,
        });
    }
    if let Some(at) = leave_after {
        let leaves: Vec<Step<A>> = steps
            .iter()
            .map(|s| Step {
                at,
                hosts: HostRange::All,
                op: Op::Leave(s.op.group()),
                line: 0,
            })
            .collect();
        steps.extend(leaves);
    }
    Ok(steps)
}

/// The end-of-run figures (`--json`: one object).
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Seconds run.
    pub seconds: f64,
    /// Hosts emulated.
    pub hosts: u32,
    /// Hosts holding a group at the end.
    pub hosts_joined: u32,
    /// Membership calls made (and refused).
    pub calls: u64,
    /// Calls the engines refused.
    pub calls_refused: u64,
    /// IGMPv3 (MLDv2) reports sent.
    pub reports_v3: u64,
    /// IGMPv1/v2 (MLDv1) reports sent.
    pub reports_old: u64,
    /// IGMPv2 leaves (MLDv1 dones) sent.
    pub leaves: u64,
    /// Queries heard.
    pub queries: u64,
    /// Queries handed to hosts (a General Query counts once per host).
    pub queries_answered: u64,
    /// Datagrams the kernel took.
    pub sent: u64,
    /// Datagrams dropped for want of buffer space.
    pub send_dropped: u64,
    /// IGMP (MLD) messages from others with bad checksums or lengths.
    pub received_invalid: u64,
    /// The RFC 3918 measurements (`--measure`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<MeasureReport>,
}

impl Summary {
    fn of<F: LinkFamily>(r: &Runner<F>) -> Summary {
        let s = r.emulator().stats();
        let w = r.wire_stats();
        Summary {
            seconds: (r.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            hosts: r.emulator().len(),
            hosts_joined: s.hosts_joined,
            calls: s.calls,
            calls_refused: s.calls_refused,
            reports_v3: s.reports,
            reports_old: s.reports_old,
            leaves: s.leaves,
            queries: s.queries,
            queries_answered: s.queries_delivered,
            sent: w.sent,
            send_dropped: w.send_dropped,
            received_invalid: w.received_invalid,
            measure: None,
        }
    }

    /// The text form: `key=value` pairs, as `send` prints.
    pub fn line(&self) -> String {
        format!(
            "hosts={} joined={} calls={} refused={} reports={} reports_old={} leaves={} queries={} answered={} sent={} dropped={} seconds={:.3}",
            self.hosts,
            self.hosts_joined,
            self.calls,
            self.calls_refused,
            self.reports_v3,
            self.reports_old,
            self.leaves,
            self.queries,
            self.queries_answered,
            self.sent,
            self.send_dropped,
            self.seconds
        )
    }
}

/// The hosts and the steps they play, checked.
pub type Prepared<F> = (Emulator<F>, Scenario<<F as ipv4kit_gmp::Protocol>::Addr>);

/// Everything checked before a socket is opened: the hosts, their
/// addresses, the steps. Bad input is a usage error (exit 2).
pub fn prepare<F: Family>(
    args: &EmulateArgs,
    first: F::Addr,
) -> Result<Prepared<F>, Box<dyn std::error::Error>>
where
    F::Addr: CliAddr + FromStr + std::fmt::Display,
{
    let mld = F::OLDEST == Compat::V2;
    let host = Config::<F> {
        force_version: args.version.map(|v| match (mld, v) {
            // MLDv1 is IGMPv2's counterpart, MLDv2 IGMPv3's (RFC 3810 §8).
            (true, 1) | (false, 2) => Compat::V2,
            (false, 1) => Compat::V1,
            _ => Compat::V3,
        }),
        ..Config::default()
    };
    if mld && args.version == Some(3) {
        return Err(usage("--version with -6: 1 (MLDv1) or 2 (MLDv2)"));
    }
    let emu = Emulator::new(EmuConfig {
        hosts: args.hosts,
        first_address: first,
        host,
        seed: u64::from(std::process::id()),
    })
    .map_err(|e| {
        usage(format!(
            "--hosts {} --first-address {first}: {e}",
            args.hosts
        ))
    })?;
    let mut steps =
        command_line_steps(&args.joins, args.leave_after_s.map(Duration::from_secs_f64))
            .map_err(usage)?;
    let mut origin = "command line".to_string();
    if let Some(path) = &args.scenario {
        origin = path.display().to_string();
        let text = read_scenario(path)?;
        let s = scenario::parse_with(&origin, &text, &host).map_err(|e| usage(e.to_string()))?;
        steps.extend(s.steps);
    }
    if steps.is_empty() {
        return Err(usage("nothing to do: give --join or --scenario"));
    }
    steps.sort_by_key(|s| s.at);
    let s = Scenario { origin, steps };
    s.validate(args.hosts, &host)
        .map_err(|e| usage(e.to_string()))?;
    Ok((emu, s))
}

fn read_scenario(path: &std::path::Path) -> Result<String, Box<dyn std::error::Error>> {
    use std::io::Read;
    let f = std::fs::File::open(path)
        .map_err(|e| usage(format!("--scenario {}: {e}", path.display())))?;
    let mut text = String::new();
    f.take(MAX_SCENARIO_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| usage(format!("--scenario {}: {e}", path.display())))?;
    if text.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(usage(format!(
            "--scenario {}: longer than {MAX_SCENARIO_BYTES} bytes",
            path.display()
        )));
    }
    Ok(text)
}

/// `--first-address`, or the address after the interface's first IPv4 address.
fn first_address(args: &EmulateArgs) -> Result<Ipv4Addr, Box<dyn std::error::Error>> {
    if let Some(a) = args.first_address {
        return Ipv4Addr::from_ip(a)
            .ok_or_else(|| usage(format!("--first-address {a}: IPv6 needs -6")));
    }
    let i = ipv4kit_net::iface::interface_by_name(&args.iface)
        .map_err(|e| usage(format!("--iface {}: {e}", args.iface)))?;
    let a = i.addrs.first().ok_or_else(|| {
        usage(format!(
            "--iface {} has no IPv4 address: give --first-address",
            args.iface
        ))
    })?;
    Ok(Ipv4Addr::from(u32::from(a.addr).wrapping_add(1)))
}

/// `--first-address` with -6, or the address after the interface's
/// link-local address.
fn first_address6(
    args: &EmulateArgs,
    ifindex: u32,
) -> Result<Ipv6Addr, Box<dyn std::error::Error>> {
    if let Some(a) = args.first_address {
        let a = Ipv6Addr::from_ip(a)
            .ok_or_else(|| usage(format!("--first-address {a}: not IPv6 (with -6)")))?;
        if !Mld::is_host_address(&a) {
            return Err(usage(format!(
                "--first-address {a}: MLD hosts need link-local addresses, fe80::/64 with a non-zero interface identifier (RFC 3810 §5.2.13)"
            )));
        }
        return Ok(a);
    }
    let ll = ipv4kit_net::link_local_addr(ifindex).map_err(|e| {
        usage(format!(
            "--iface {} has no link-local IPv6 address ({e}): give --first-address",
            args.iface
        ))
    })?;
    Ok(Ipv6Addr::from_bits(ll.addr.to_bits().wrapping_add(1)))
}

/// Whether the run is IPv6: -6, or an IPv6 --first-address or --join.
pub fn is_ipv6(args: &EmulateArgs) -> bool {
    args.ipv6
        || args.first_address.is_some_and(|a| a.is_ipv6())
        || args.joins.iter().any(|j| j.group.is_ipv6())
}

/// What `--measure` reports (IPv4 hosts).
type MeasureReport = ipv4kit_emu::measure::Report<Ipv4Addr>;

/// Runs `ipv4kit emulate`.
pub fn run_emulate(args: &EmulateArgs) -> Result<(), Box<dyn std::error::Error>> {
    let ifindex = ipv4kit_net::interface_index(&args.iface)
        .map_err(|e| usage(format!("--iface {}: {e}", args.iface)))?;
    let macs = args
        .mac_base
        .map(|m| {
            MacRange::new(m.0, args.hosts)
                .map_err(|e| usage(format!("--mac-base {m} for {} hosts: {e}", args.hosts)))
        })
        .transpose()?;
    if is_ipv6(args) {
        if args.measure {
            return Err(usage(
                "--measure hears IPv4 (IGMP hosts and UDP to 224.0.0.0/4) only: \
                 MLD (-6) join and leave delays are not measured yet",
            ));
        }
        let first = first_address6(args, ifindex)?;
        let (emu, s) = prepare::<Mld>(args, first)?;
        run_hosts(args, emu, s, macs, |_| Ok(()), |_| Ok(None))
    } else {
        let first = first_address(args)?;
        let (emu, s) = prepare::<Igmp>(args, first)?;
        let measure = args.measure;
        run_hosts(
            args,
            emu,
            s,
            macs,
            |r| {
                if measure {
                    r.measure(&args.iface)
                } else {
                    Ok(())
                }
            },
            |r| r.measure_report(),
        )
    }
}

/// Opens the sockets and runs the hosts until the end.
fn run_hosts<F: LinkFamily>(
    args: &EmulateArgs,
    emu: Emulator<F>,
    s: Scenario<F::Addr>,
    macs: Option<MacRange>,
    start_measuring: impl FnOnce(&mut Runner<F>) -> ipv4kit_net::Result<()>,
    measured: impl FnOnce(&mut Runner<F>) -> ipv4kit_net::Result<Option<MeasureReport>>,
) -> Result<(), Box<dyn std::error::Error>> {
    let player = Player::new(
        s.steps,
        args.hosts,
        args.join_rate.and_then(NonZeroU32::new),
    );
    let opened = match macs {
        Some(m) => Runner::open_with_macs(&args.iface, emu, player, m),
        None => Runner::open(&args.iface, emu, player),
    };
    let mut runner = opened.map_err(|e| {
        let denied = matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES));
        if denied {
            format!("emulate needs CAP_NET_RAW for its raw IP socket (or AF_PACKET sender) and its AF_PACKET tap (run it as root, or setcap cap_net_raw+ep on the binary): {e}").into()
        } else {
            Box::<dyn std::error::Error>::from(e)
        }
    })?;
    start_measuring(&mut runner)?;
    let progress = std::io::stderr().is_terminal();
    let json = args.json;
    let mut last_reports = 0u64;
    let mut last_answered = 0u64;
    runner.run(
        args.duration_s.map(Duration::from_secs_f64),
        &stop::requested,
        |r| {
            if !progress {
                return;
            }
            let s = Summary::of(r);
            let reports = s.reports_v3 + s.reports_old + s.leaves;
            let per_s = reports - last_reports;
            let answered = s.queries_answered - last_answered;
            last_reports = reports;
            last_answered = s.queries_answered;
            if json {
                eprintln!(
                    r#"{{"progress":{:.0},"hosts_joined":{},"reports_per_s":{per_s},"queries_answered":{answered}}}"#,
                    s.seconds, s.hosts_joined
                );
            } else {
                eprintln!(
                    "{:>8.3}s emulate: joined={}/{} reports/s={per_s} queries answered={answered}",
                    s.seconds, s.hosts_joined, s.hosts
                );
            }
        },
    )?;
    let mut summary = Summary::of(&runner);
    summary.measure = measured(&mut runner)?;
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        println!("{}", summary.line());
        if let Some(m) = &summary.measure {
            crate::emulate_measure::print(m);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_specs_parse_groups_and_sources_and_refuse_ssm_without_sources() {
        let j: JoinSpec = "232.1.1.1@198.18.0.9,198.18.0.10".parse().unwrap();
        assert_eq!(j.sources.len(), 2);
        assert!("239.1.1.1".parse::<JoinSpec>().unwrap().sources.is_empty());
        assert!("232.1.1.1".parse::<JoinSpec>().unwrap_err().contains("SSM"));
        assert!("224.0.0.1"
            .parse::<JoinSpec>()
            .unwrap_err()
            .contains("never reported"));
        assert!("239.1.1.1@10.0.0.1,10.0.0.1".parse::<JoinSpec>().is_err());
        assert!("239.1.1.1@".parse::<JoinSpec>().is_err());
    }

    #[test]
    fn mac_addresses_parse_with_colons_or_dashes_and_nothing_else() {
        assert_eq!(
            "02:00:5e:0a:0B:ff".parse::<MacAddr>().unwrap().0,
            [2, 0, 0x5e, 0x0a, 0x0b, 0xff]
        );
        assert_eq!("02-00-00-00-00-01".parse::<MacAddr>().unwrap().0[5], 1);
        for bad in [
            "02:00:00:00:00",
            "02:00:00:00:00:01:02",
            "02::00:00:00:01:02",
            "02:00:00:00:00:100",
            "zz:00:00:00:00:01",
        ] {
            assert!(bad.parse::<MacAddr>().is_err(), "{bad}");
        }
        assert_eq!(
            MacAddr([2, 0, 0, 0, 0, 0xab]).to_string(),
            "02:00:00:00:00:ab"
        );
    }

    #[test]
    fn ipv6_join_specs_are_checked_as_mld_checks_them() {
        let j: JoinSpec = "ff3e::8000:1@2001:db8::9,2001:db8::a".parse().unwrap();
        assert_eq!(j.sources.len(), 2);
        assert!("ff3e::8000:1"
            .parse::<JoinSpec>()
            .unwrap_err()
            .contains("SSM"));
        assert!("ff02::1"
            .parse::<JoinSpec>()
            .unwrap_err()
            .contains("never reported"));
        assert!("ff01::5".parse::<JoinSpec>().is_err());
        assert!("ff1e::1@198.18.0.9".parse::<JoinSpec>().is_err());
        assert!("ff1e::1".parse::<JoinSpec>().unwrap().sources.is_empty());
    }

    #[test]
    fn leave_after_adds_a_leave_for_each_join() {
        let j = vec![
            "239.1.1.1".parse().unwrap(),
            "232.1.1.1@198.18.0.9".parse().unwrap(),
        ];
        let s = command_line_steps::<Ipv4Addr>(&j, Some(Duration::from_secs(3))).unwrap();
        assert_eq!(s.len(), 4);
        assert_eq!(s[3].op, Op::Leave(Ipv4Addr::new(232, 1, 1, 1)));
        assert!(command_line_steps::<Ipv6Addr>(&j, None)
            .unwrap_err()
            .contains("needs -6"));
    }
}
