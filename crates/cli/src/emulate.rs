//! `ipv4kit emulate`: many IGMP hosts on one interface (`ipv4kit-emu`).

use std::io::IsTerminal;
use std::net::Ipv4Addr;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

use ipv4kit_emu::scenario::{self, HostRange, Op, Scenario, Step};
use ipv4kit_emu::{EmuConfig, Emulator, Family, Player, Runner};
use ipv4kit_gmp::{Compat, Config, Igmp, Protocol};
use serde::Serialize;

use crate::args::{usage, EmulateArgs};
use crate::stop;

/// Largest scenario file read.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// `--join GROUP[@SRC,SRC...]`: an any-source join by every host, or a
/// source-specific one (INCLUDE {SRC...}, one `IP_ADD_SOURCE_MEMBERSHIP`
/// per source).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinSpec {
    /// The group.
    pub group: Ipv4Addr,
    /// The sources; empty for an any-source join.
    pub sources: Vec<Ipv4Addr>,
}

impl FromStr for JoinSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<JoinSpec, String> {
        let (g, srcs) = match s.split_once('@') {
            Some((g, srcs)) => (g, Some(srcs)),
            None => (s, None),
        };
        let group: Ipv4Addr = g.parse().map_err(|_| format!("{g}: not an address"))?;
        Igmp::check_group(&group).map_err(|e| format!("{group}: {e}"))?;
        let mut sources = Vec::new();
        if let Some(list) = srcs {
            for x in list.split(',') {
                let a: Ipv4Addr = x
                    .parse()
                    .map_err(|_| format!("source {x}: not an address"))?;
                Igmp::check_source(&a).map_err(|e| format!("source {a}: {e}"))?;
                if sources.contains(&a) {
                    return Err(format!("source {a} given twice"));
                }
                if sources.len() == scenario::MAX_SOURCES {
                    return Err(format!("more than {} sources", scenario::MAX_SOURCES));
                }
                sources.push(a);
            }
        } else if Igmp::is_default_ssm(&group) {
            return Err(format!(
                "{group} is an SSM group: join it with sources, {group}@SRC (RFC 4604 §2.2.1)"
            ));
        }
        Ok(JoinSpec { group, sources })
    }
}

/// The steps `--join` and `--leave-after-s` stand for: at 0 every host
/// joins each group; at S every host leaves it.
pub fn command_line_steps(
    joins: &[JoinSpec],
    leave_after: Option<Duration>,
) -> Vec<Step<Ipv4Addr>> {
    let mut steps: Vec<Step<Ipv4Addr>> = joins
        .iter()
        .map(|j| Step {
            at: Duration::ZERO,
            hosts: HostRange::All,
            op: if j.sources.is_empty() {
                Op::Join(j.group)
            } else {
                Op::JoinSource(j.group, j.sources.clone())
            },
            line: 0,
        })
        .collect();
    if let Some(at) = leave_after {
        steps.extend(joins.iter().map(|j| Step {
            at,
            hosts: HostRange::All,
            op: Op::Leave(j.group),
            line: 0,
        }));
    }
    steps
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
    /// IGMPv3 reports sent.
    pub reports_v3: u64,
    /// IGMPv1/v2 reports sent.
    pub reports_old: u64,
    /// IGMPv2 leaves sent.
    pub leaves: u64,
    /// Queries heard.
    pub queries: u64,
    /// Queries handed to hosts (a General Query counts once per host).
    pub queries_answered: u64,
    /// Datagrams the kernel took.
    pub sent: u64,
    /// Datagrams dropped for want of buffer space.
    pub send_dropped: u64,
    /// IGMP messages from others with bad checksums or lengths.
    pub received_invalid: u64,
    /// The RFC 3918 measurements (`--measure`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<ipv4kit_emu::measure::Report<Ipv4Addr>>,
}

impl Summary {
    fn of(r: &Runner) -> Summary {
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

/// Everything checked before a socket is opened: the hosts, their
/// addresses, the steps. Bad input is a usage error (exit 2).
pub fn prepare(
    args: &EmulateArgs,
    first: Ipv4Addr,
) -> Result<(Emulator<Igmp>, Scenario<Ipv4Addr>), Box<dyn std::error::Error>> {
    let host = Config::<Igmp> {
        force_version: args.version.map(|v| match v {
            1 => Compat::V1,
            2 => Compat::V2,
            _ => Compat::V3,
        }),
        ..Config::default()
    };
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
        command_line_steps(&args.joins, args.leave_after_s.map(Duration::from_secs_f64));
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
        return Ok(a);
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

/// Runs `ipv4kit emulate`.
pub fn run_emulate(args: &EmulateArgs) -> Result<(), Box<dyn std::error::Error>> {
    ipv4kit_net::interface_index(&args.iface)
        .map_err(|e| usage(format!("--iface {}: {e}", args.iface)))?;
    let first = first_address(args)?;
    let (emu, s) = prepare(args, first)?;
    let player = Player::new(
        s.steps,
        args.hosts,
        args.join_rate.and_then(NonZeroU32::new),
    );
    let mut runner = Runner::open(&args.iface, emu, player).map_err(|e| {
        let denied = matches!(e.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES));
        if denied {
            format!("emulate needs CAP_NET_RAW for its raw IP socket and its AF_PACKET tap (run it as root, or setcap cap_net_raw+ep on the binary): {e}").into()
        } else {
            Box::<dyn std::error::Error>::from(e)
        }
    })?;
    if args.measure {
        runner.measure(&args.iface)?;
    }
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
    summary.measure = runner.measure_report()?;
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
    fn leave_after_adds_a_leave_for_each_join() {
        let j = vec![
            "239.1.1.1".parse().unwrap(),
            "232.1.1.1@198.18.0.9".parse().unwrap(),
        ];
        let s = command_line_steps(&j, Some(Duration::from_secs(3)));
        assert_eq!(s.len(), 4);
        assert_eq!(s[3].op, Op::Leave(Ipv4Addr::new(232, 1, 1, 1)));
    }
}
