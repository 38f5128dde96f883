//! Scenario files: timed membership calls for ranges of hosts.
//!
//! One step per line, `#` starts a comment:
//!
//! ```text
//! <seconds> <hosts> <op> <group> [<src>,...]
//! <seconds> <hosts> zap <from-group> <to-group>
//! ```
//!
//! `seconds` counts from the start (a decimal number); `hosts` is `all`,
//! `K` or `K-M` (1-based, inclusive); `op` is one of the RFC 3678 delta
//! calls, each meaning what that `setsockopt` does on one socket of the
//! host: `join` (`IP_ADD_MEMBERSHIP`), `leave` (`IP_DROP_MEMBERSHIP`),
//! `join-source` (`IP_ADD_SOURCE_MEMBERSHIP`, one call per source),
//! `leave-source` (`IP_DROP_SOURCE_MEMBERSHIP`), `block`
//! (`IP_BLOCK_SOURCE`), `unblock` (`IP_UNBLOCK_SOURCE`); `zap` leaves one
//! group and joins the next (an IPTV channel change).
//!
//! ```
//! use ipv4kit_emu::scenario::{parse, HostRange, Op};
//! use ipv4kit_gmp::Igmp;
//!
//! let s = parse::<Igmp>("demo.txt", "# warm up\n0 all join 239.1.1.1\n2.5 1-10 zap 239.1.1.1 239.1.1.2\n").unwrap();
//! assert_eq!(s.steps.len(), 2);
//! assert_eq!(s.steps[1].hosts, HostRange::Range(1, 10));
//! assert!(matches!(s.steps[1].op, Op::Zap(..)));
//! let e = parse::<Igmp>("demo.txt", "0 all join 224.0.0.1\n").unwrap_err();
//! assert_eq!(e.to_string(), "demo.txt:1: group 224.0.0.1: 224.0.0.1 (all systems) is never reported (RFC 3376 §5)");
//! ```

use core::fmt;
use core::str::FromStr;
use core::time::Duration;

use ipv4kit_gmp::Config;

use crate::emulator::HostOp;
use crate::family::Family;

/// Most steps a scenario may hold.
pub const MAX_STEPS: usize = 10_000;
/// Most sources one step may name.
pub const MAX_SOURCES: usize = 64;
/// Latest time a step may have, in seconds.
pub const MAX_SECONDS: f64 = 1e6;

/// Which hosts a step applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostRange {
    /// Every host.
    All,
    /// Hosts `K..=M`, 1-based (`K` alone is `Range(K, K)`).
    Range(u32, u32),
}

impl HostRange {
    /// The 0-based hosts `start..end` of `hosts` this range covers.
    pub fn span(&self, hosts: u32) -> (u32, u32) {
        match *self {
            HostRange::All => (0, hosts),
            HostRange::Range(k, m) => (k - 1, m.min(hosts)),
        }
    }
}

impl fmt::Display for HostRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostRange::All => f.write_str("all"),
            HostRange::Range(k, m) if k == m => write!(f, "{k}"),
            HostRange::Range(k, m) => write!(f, "{k}-{m}"),
        }
    }
}

/// What a step does on each of its hosts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op<A> {
    /// `IP_ADD_MEMBERSHIP`.
    Join(A),
    /// `IP_DROP_MEMBERSHIP`.
    Leave(A),
    /// `IP_ADD_SOURCE_MEMBERSHIP`, once per source.
    JoinSource(A, Vec<A>),
    /// `IP_DROP_SOURCE_MEMBERSHIP`, once per source.
    LeaveSource(A, Vec<A>),
    /// `IP_BLOCK_SOURCE`, once per source.
    Block(A, Vec<A>),
    /// `IP_UNBLOCK_SOURCE`, once per source.
    Unblock(A, Vec<A>),
    /// Leave the first group, join the second.
    Zap(A, A),
}

impl<A: Copy> Op<A> {
    /// The socket calls one host makes for this step, in order.
    pub fn calls(&self) -> impl Iterator<Item = HostOp<A>> + '_ {
        type Each<A> = Option<fn(A, A) -> HostOp<A>>;
        let (first, sources, each): (Option<HostOp<A>>, &[A], Each<A>) = match self {
            Op::Join(g) => (Some(HostOp::Join(*g)), &[], None),
            Op::Leave(g) => (Some(HostOp::Leave(*g)), &[], None),
            Op::Zap(a, _) => (Some(HostOp::Leave(*a)), &[], None),
            Op::JoinSource(_, s) => (None, s, Some(HostOp::JoinSource)),
            Op::LeaveSource(_, s) => (None, s, Some(HostOp::LeaveSource)),
            Op::Block(_, s) => (None, s, Some(HostOp::Block)),
            Op::Unblock(_, s) => (None, s, Some(HostOp::Unblock)),
        };
        let group = self.group();
        let second = match self {
            Op::Zap(_, b) => Some(HostOp::Join(*b)),
            _ => None,
        };
        first
            .into_iter()
            .chain(
                sources
                    .iter()
                    .filter_map(move |s| each.map(|f| f(group, *s))),
            )
            .chain(second)
    }

    /// The (first) group of the step.
    pub fn group(&self) -> A {
        match self {
            Op::Join(g) | Op::Leave(g) | Op::Zap(g, _) => *g,
            Op::JoinSource(g, _) | Op::LeaveSource(g, _) | Op::Block(g, _) | Op::Unblock(g, _) => {
                *g
            }
        }
    }
}

/// One line of a scenario.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Step<A> {
    /// When, from the start.
    pub at: Duration,
    /// Which hosts.
    pub hosts: HostRange,
    /// What each does.
    pub op: Op<A>,
    /// The line it came from (1-based; 0 for steps made from the command line).
    pub line: usize,
}

/// A parsed scenario: steps in time order (lines with the same time keep
/// their file order).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Scenario<A> {
    /// Where the steps came from (a file name), for errors.
    pub origin: String,
    /// The steps.
    pub steps: Vec<Step<A>>,
}

/// What is wrong with a scenario line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Fewer fields than `<seconds> <hosts> <op> <group>`.
    MissingField(&'static str),
    /// A field that is not a valid value.
    Invalid {
        /// Which field.
        field: &'static str,
        /// The text.
        text: String,
        /// Why.
        why: String,
    },
    /// Fields after the last one the op takes.
    Trailing(String),
    /// A host range that reaches past the number of hosts.
    HostsBeyond {
        /// The range.
        range: HostRange,
        /// Hosts emulated.
        hosts: u32,
    },
    /// An any-source join (EXCLUDE mode) of an SSM group (RFC 4604 §2.2.1).
    SsmExclude(String),
    /// More steps than [`MAX_STEPS`].
    TooManySteps,
    /// A call the host engine refuses at this point of the scenario.
    Refused {
        /// Hosts (1-based) the refusal was found for.
        hosts: HostRange,
        /// The call.
        call: String,
        /// The engine's reason.
        why: String,
    },
}

/// A scenario that cannot be played: where and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file (or `--join` for steps from the command line).
    pub origin: String,
    /// The line, 1-based (0: a step from the command line).
    pub line: usize,
    /// What is wrong.
    pub kind: ErrorKind,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str("command line (--join, --leave-after-s): ")?;
        } else {
            write!(f, "{}:{}: ", self.origin, self.line)?;
        }
        match &self.kind {
            ErrorKind::MissingField(field) => write!(f, "missing {field} (want <seconds> <hosts> <op> <group> [<src>,...])"),
            ErrorKind::Invalid { field, text, why } => write!(f, "{field} {text}: {why}"),
            ErrorKind::Trailing(t) => write!(f, "unexpected {t:?} after the last field"),
            ErrorKind::HostsBeyond { range, hosts } => {
                write!(f, "hosts {range} reach past the {hosts} hosts emulated")
            }
            ErrorKind::SsmExclude(g) => write!(
                f,
                "{g} is an SSM group: no any-source join or block, only join-source (RFC 4604 §2.2.1)"
            ),
            ErrorKind::TooManySteps => write!(f, "more than {MAX_STEPS} steps"),
            ErrorKind::Refused { hosts, call, why } => {
                write!(f, "hosts {hosts}: {call} refused: {why}")
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

const OPS: &str = "join, leave, join-source, leave-source, block, unblock, zap";

fn invalid(field: &'static str, text: &str, why: impl Into<String>) -> ErrorKind {
    ErrorKind::Invalid {
        field,
        text: text.chars().take(64).collect(),
        why: why.into(),
    }
}

fn seconds(text: &str) -> Result<Duration, ErrorKind> {
    let s: f64 = text
        .parse()
        .map_err(|_| invalid("seconds", text, "not a number"))?;
    if !(0.0..=MAX_SECONDS).contains(&s) {
        return Err(invalid("seconds", text, format!("want 0 to {MAX_SECONDS}")));
    }
    Ok(Duration::from_secs_f64(s))
}

fn host_number(field: &str, text: &str) -> Result<u32, ErrorKind> {
    match field.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(invalid(
            "hosts",
            text,
            "want all, K or K-M (host numbers from 1)",
        )),
    }
}

fn hosts(text: &str) -> Result<HostRange, ErrorKind> {
    if text == "all" {
        return Ok(HostRange::All);
    }
    let (k, m) = match text.split_once('-') {
        Some((k, m)) => (host_number(k, text)?, host_number(m, text)?),
        None => {
            let k = host_number(text, text)?;
            (k, k)
        }
    };
    if k > m {
        return Err(invalid("hosts", text, "the range ends before it starts"));
    }
    Ok(HostRange::Range(k, m))
}

fn address<F: Family>(field: &'static str, text: &str) -> Result<F::Addr, ErrorKind>
where
    F::Addr: FromStr,
{
    text.parse()
        .map_err(|_| invalid(field, text, "not an address"))
}

fn group<F: Family>(text: &str) -> Result<F::Addr, ErrorKind>
where
    F::Addr: FromStr,
{
    let g = address::<F>("group", text)?;
    F::check_group(&g).map_err(|why| invalid("group", text, why))?;
    Ok(g)
}

fn sources<F: Family>(text: Option<&str>) -> Result<Vec<F::Addr>, ErrorKind>
where
    F::Addr: FromStr,
{
    let text = text.ok_or(ErrorKind::MissingField("sources"))?;
    let mut out = Vec::new();
    for s in text.split(',') {
        if out.len() == MAX_SOURCES {
            return Err(invalid("sources", text, format!("more than {MAX_SOURCES}")));
        }
        let a = address::<F>("source", s)?;
        F::check_source(&a).map_err(|why| invalid("source", s, why))?;
        out.push(a);
    }
    Ok(out)
}

/// A parsed line: when, which hosts, what.
pub type Line<A> = (Duration, HostRange, Op<A>);

/// Parses one step (a line without its comment); `None` for a blank line.
pub fn parse_line<F: Family>(
    text: &str,
    config: &Config<F>,
) -> Result<Option<Line<F::Addr>>, ErrorKind>
where
    F::Addr: FromStr + fmt::Display,
{
    let text = text.split('#').next().unwrap_or("");
    let mut fields = text.split_ascii_whitespace();
    let Some(at) = fields.next() else {
        return Ok(None);
    };
    let at = seconds(at)?;
    let range = hosts(fields.next().ok_or(ErrorKind::MissingField("hosts"))?)?;
    let op = fields.next().ok_or(ErrorKind::MissingField("op"))?;
    let g = group::<F>(fields.next().ok_or(ErrorKind::MissingField("group"))?)?;
    let ssm = (config.ssm_range)(&g) && config.refuse_ssm_exclude;
    let op = match op {
        "join" | "leave" => {
            if op == "join" && ssm {
                return Err(ErrorKind::SsmExclude(g.to_string()));
            }
            if op == "join" {
                Op::Join(g)
            } else {
                Op::Leave(g)
            }
        }
        "join-source" => Op::JoinSource(g, sources::<F>(fields.next())?),
        "leave-source" => Op::LeaveSource(g, sources::<F>(fields.next())?),
        "block" | "unblock" => {
            if ssm {
                return Err(ErrorKind::SsmExclude(g.to_string()));
            }
            let s = sources::<F>(fields.next())?;
            if op == "block" {
                Op::Block(g, s)
            } else {
                Op::Unblock(g, s)
            }
        }
        "zap" => {
            let to = group::<F>(
                fields
                    .next()
                    .ok_or(ErrorKind::MissingField("second group of zap"))?,
            )?;
            if (config.ssm_range)(&to) && config.refuse_ssm_exclude {
                return Err(ErrorKind::SsmExclude(to.to_string()));
            }
            Op::Zap(g, to)
        }
        other => return Err(invalid("op", other, format!("want one of {OPS}"))),
    };
    if let Some(t) = fields.next() {
        return Err(ErrorKind::Trailing(t.chars().take(64).collect()));
    }
    Ok(Some((at, range, op)))
}

/// Parses a scenario file's text with the default engine settings (the
/// SSM range 232/8). `origin` names the file in errors.
pub fn parse<F: Family>(origin: &str, text: &str) -> Result<Scenario<F::Addr>, ScenarioError>
where
    F::Addr: FromStr + fmt::Display,
{
    parse_with::<F>(origin, text, &Config::default())
}

/// Parses a scenario file's text; the SSM range comes from `config`.
pub fn parse_with<F: Family>(
    origin: &str,
    text: &str,
    config: &Config<F>,
) -> Result<Scenario<F::Addr>, ScenarioError>
where
    F::Addr: FromStr + fmt::Display,
{
    let mut steps = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let err = |kind| ScenarioError {
            origin: origin.to_string(),
            line: n + 1,
            kind,
        };
        if let Some((at, hosts, op)) = parse_line(line, config).map_err(err)? {
            if steps.len() == MAX_STEPS {
                return Err(err(ErrorKind::TooManySteps));
            }
            steps.push(Step {
                at,
                hosts,
                op,
                line: n + 1,
            });
        }
    }
    // Stable: steps at the same time keep their order in the file.
    steps.sort_by_key(|s| s.at);
    Ok(Scenario {
        origin: origin.to_string(),
        steps,
    })
}

impl<A: Copy + fmt::Display> Scenario<A> {
    /// Checks the scenario against `hosts` emulated hosts before anything is
    /// sent: every host range within them, and every call one the host
    /// engine accepts at its point of the scenario (a leave of a group not
    /// joined, a source call in the wrong mode, too many groups...). Hosts
    /// that see the same steps are checked once, on one engine.
    pub fn validate<F: Family<Addr = A>>(
        &self,
        hosts: u32,
        config: &Config<F>,
    ) -> Result<(), ScenarioError> {
        let err = |line: usize, kind| ScenarioError {
            origin: self.origin.clone(),
            line,
            kind,
        };
        let mut cuts = vec![0, hosts];
        for s in &self.steps {
            if let HostRange::Range(k, m) = s.hosts {
                if m > hosts {
                    return Err(err(
                        s.line,
                        ErrorKind::HostsBeyond {
                            range: s.hosts,
                            hosts,
                        },
                    ));
                }
                cuts.push(k - 1);
                cuts.push(m);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        for w in cuts.windows(2) {
            let (start, end) = (w[0], w[1]);
            let mut host = ipv4kit_gmp::Host::<F, _>::new(
                *config,
                <rand_xorshift::XorShiftRng as rand_core::SeedableRng>::seed_from_u64(0),
            );
            let mut buf = [0u8; 2048];
            for s in &self.steps {
                let (a, b) = s.hosts.span(hosts);
                if start < a || start >= b {
                    continue;
                }
                let now = ipv4kit_gmp::Instant::from_nanos(s.at.as_nanos() as u64);
                while let Some(t) = host.poll_timeout().filter(|t| *t <= now) {
                    host.handle_timeout(t);
                }
                for call in s.op.calls() {
                    if let Err(e) = crate::emulator::apply_op(&mut host, now, call) {
                        let range = HostRange::Range(start + 1, end);
                        return Err(err(
                            s.line,
                            ErrorKind::Refused {
                                hosts: range,
                                call: describe(&call),
                                why: e.to_string(),
                            },
                        ));
                    }
                }
                while host.poll_transmit(&mut buf).is_some() {}
            }
        }
        Ok(())
    }
}

/// A call as a scenario line names it.
pub fn describe<A: fmt::Display>(call: &HostOp<A>) -> String {
    match call {
        HostOp::Join(g) => format!("join {g}"),
        HostOp::Leave(g) => format!("leave {g}"),
        HostOp::JoinSource(g, s) => format!("join-source {g} {s}"),
        HostOp::LeaveSource(g, s) => format!("leave-source {g} {s}"),
        HostOp::Block(g, s) => format!("block {g} {s}"),
        HostOp::Unblock(g, s) => format!("unblock {g} {s}"),
    }
}
