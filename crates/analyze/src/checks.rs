//! Checks of a querier's behaviour that look across messages, beside the
//! per-message ones of `family.rs`:
//!
//! - **off-link queries** (RFC 3376 §9.1): with the link's IPv4 prefixes
//!   given ([`Options::link_prefixes`](crate::Options::link_prefixes)), a
//!   query from outside all of them. Routers never forward queries, so such
//!   a query is forged or leaked; it takes no part in the election. Reports
//!   from outside are not flagged: RFC 3376 §9.2 only lets a router ignore
//!   them (a MAY), no rule forbids sending them. MLD needs no prefix: its
//!   link-local rule (RFC 3810 §5.1.14) is checked per message.
//! - **queries in a group's compatibility mode** (RFC 3376 §7.3.2, RFC
//!   3810 §8.3.2): while older hosts hold a group, the Querier ignores BLOCK
//!   records, and in IGMPv1 mode IGMPv2 leaves too. A
//!   Group-and-Source-Specific Query for the group after a BLOCK received in
//!   IGMPv2/IGMPv1/MLDv1 mode (no TO_IN, or in IGMPv2/MLDv1 mode no leave,
//!   that could have asked for it), or a Group-Specific Query after an
//!   IGMPv2 leave received in IGMPv1 mode (no TO_IN since), is a violation,
//!   each one (the first and its retransmissions, within Last Member Query
//!   Count × the query's Max Resp Time + 1 s of the record). The mode is the
//!   passive engine's when the record arrives, and only counted while the
//!   older host that set it reported within Robustness × Query Interval
//!   (the least any querier's Older Host Present Interval can be).
//! - **a missing Group-Specific Query** (RFC 3376 §6.4.2 for TO_IN, RFC
//!   2236 §3 for IGMPv2 leaves, RFC 3810 §7.4.2 and RFC 2710 §4 for MLD):
//!   a leave or a TO_IN record for a group the engine holds in EXCLUDE mode
//!   asks the Querier for Q(G). When one arrives while a Querier is elected
//!   that understands it (has sent IGMPv2 or v3 queries for a leave, v3 or
//!   MLDv2 queries for a TO_IN), the Querier must send a
//!   Group-Specific Query for the group (with or without sources) within
//!   its Last Member Query Interval (the Max Resp Time of its last specific
//!   query; 1 s, the default, before it sent any) + 1 s. If none comes, the
//!   violation is listed at the leave's frame and time. Not checked: with no
//!   Querier, in IGMPv1 mode (leaves ignored), when the Querier changes or
//!   its Other Querier Present timer runs out before the window ends, when
//!   the capture ends first, for link-local groups (224.0.0.0/24, ff02::/16
//!   and smaller scopes: never forwarded, many routers keep no state for
//!   them), and for leaves from the Querier's own address. A leave repeated
//!   within the window (a host's retransmission, another host's leave) is
//!   answered by the same query.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::time::Duration;

use ipnet::Ipv4Net;
use ipv4kit_gmp::router::RouterProtocol;
use ipv4kit_gmp::{Compat, FilterMode, Instant};

use super::{compat, secs, Family, Msg};
use crate::addr::{Addr, Rule};
use crate::{Env, MAX_GROUPS};

/// The Last Member Query Interval before a querier has sent a specific
/// query (RFC 3376 §8.8, RFC 3810 §9.8).
const DEFAULT_LMQI: Duration = Duration::from_secs(1);
/// Slack for a querier's timers in the query checks.
const QUERY_SLACK: Duration = Duration::from_secs(1);
/// How long a leave, TO_IN or BLOCK is kept for the checks (the longest
/// window they use).
const HORIZON: Duration = Duration::from_secs(60);

/// An IPv4 prefix of a link, as `--link-prefix` takes it: `198.18.0.0/24`
/// (host bits may be set: `198.18.0.1/24` is the same link).
///
/// ```
/// use ipv4kit_analyze::{parse_link_prefix, Options};
///
/// let link = parse_link_prefix("198.18.0.1/24").unwrap();
/// assert_eq!(link.to_string(), "198.18.0.0/24");
/// assert!(parse_link_prefix("198.18.0.0").is_err());
/// // Queries from outside it are off-link (RFC 3376 §9.1).
/// let options = Options { link_prefixes: vec![link], ..Options::default() };
/// # let _ = options;
/// ```
pub fn parse_link_prefix(s: &str) -> Result<Ipv4Net, String> {
    s.trim()
        .parse::<Ipv4Net>()
        .map(|p| p.trunc())
        .map_err(|_| format!("{s:?}: want an IPv4 prefix such as 198.18.0.0/24"))
}

/// What the checks keep of a group's recent leaves, TO_IN and BLOCK
/// records: their times, and the compatibility mode (with the older host
/// behind it) they arrived in.
struct Recent<A> {
    leave: Option<(Instant, Option<Older<A>>)>,
    to_in: Option<Instant>,
    block: Option<(Instant, Option<Older<A>>)>,
    last: Instant,
    /// When a Q(G) was last owed (a leave within the window repeats it).
    owed: Option<(Instant, Duration)>,
    pending: Option<Pending<A>>,
    /// The time of this group's entry in [`Checks::schedule`].
    scheduled: Instant,
}

/// The group's compatibility mode when a record arrived, and the older
/// host whose report set it.
#[derive(Clone, Copy)]
struct Older<A> {
    mode: Compat,
    host: A,
    version: u8,
    ago: Duration,
}

/// A Group-Specific Query the Querier owes.
struct Pending<A> {
    frame: u64,
    at: Instant,
    host: A,
    querier: A,
    version: u8,
    what: &'static str,
    window: Duration,
}

/// The checks' state of one link and protocol.
pub(super) struct Checks<A> {
    groups: HashMap<A, Recent<A>>,
    schedule: BTreeSet<(Instant, A)>,
}

impl<A> Default for Checks<A> {
    fn default() -> Self {
        Checks {
            groups: HashMap::new(),
            schedule: BTreeSet::new(),
        }
    }
}

impl<A: Addr> Checks<A> {
    /// The Querier changed at `at`: what it owed with a window still open
    /// is not its fault (it may have stopped, or a new one took over).
    pub(super) fn querier_changed(&mut self, at: Instant) {
        for r in self.groups.values_mut() {
            if r.pending.as_ref().is_some_and(|p| p.at + p.window >= at) {
                r.pending = None;
            }
        }
    }

    fn recent(&mut self, group: A, now: Instant) -> Option<&mut Recent<A>> {
        if !self.groups.contains_key(&group) {
            if self.groups.len() >= MAX_GROUPS {
                return None;
            }
            let at = now + HORIZON;
            self.schedule.insert((at, group));
            self.groups.insert(
                group,
                Recent {
                    leave: None,
                    to_in: None,
                    block: None,
                    last: now,
                    owed: None,
                    pending: None,
                    scheduled: at,
                },
            );
        }
        self.groups.get_mut(&group)
    }

    fn reschedule(&mut self, group: A, at: Instant) {
        if let Some(r) = self.groups.get_mut(&group) {
            self.schedule.remove(&(r.scheduled, group));
            r.scheduled = at;
            self.schedule.insert((at, group));
        }
    }
}

/// What asked the Querier for a query.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trigger {
    /// IGMPv2 Leave or MLDv1 Done (TO_IN({}), RFC 3376 §7.3.2).
    Leave,
    /// A TO_IN record.
    ToIn,
    /// A BLOCK record.
    Block,
}

/// Whether a querier that sent queries of `versions` (bit v set for
/// version v) understands `t`: an IGMPv1 querier has no leaves (RFC 1112),
/// an IGMPv2 or MLDv1 one ignores v3/MLDv2 reports (RFC 2236 §2.1 has
/// unknown types ignored; for MLDv1, ICMPv6 discards unknown informational
/// messages, RFC 4443 §2.4).
fn understood<A: Addr>(t: Trigger, versions: u8) -> bool {
    let newest = A::NEWEST;
    match t {
        Trigger::ToIn => versions & (1 << newest) != 0,
        Trigger::Leave if A::PROTOCOL == "igmp" => versions & 0b1100 != 0,
        _ => true,
    }
}

fn link_scope(group: IpAddr) -> bool {
    match group {
        IpAddr::V4(a) => a.octets()[..3] == [224, 0, 0],
        IpAddr::V6(a) => a.segments()[0] & 0xff00 == 0xff00 && a.segments()[0] & 0x000f <= 2,
    }
}

impl<P: RouterProtocol> Family<P>
where
    P::Addr: Addr,
{
    /// Whether the query `m` comes from outside every link prefix given;
    /// flags it if so.
    pub(super) fn off_link(&self, env: &mut Env<'_>, m: &Msg<'_, P::Addr>, v: u8) -> bool {
        let IpAddr::V4(a) = m.src.into() else {
            return false;
        };
        let prefixes = env.link_prefixes;
        if prefixes.is_empty() || prefixes.iter().any(|p| p.contains(&a)) {
            return false;
        }
        let mut list: Vec<String> = prefixes.iter().take(4).map(|p| p.to_string()).collect();
        if prefixes.len() > 4 {
            list.push("…".into());
        }
        self.violate(
            env,
            m,
            Rule::OffLink,
            v,
            format!(
                "query from {a}, off the link ({}): routers do not forward queries, so it is forged or leaked; not taken as a querier",
                list.join(", ")
            ),
        );
        true
    }

    /// A v2 leave / MLDv1 Done for `group` (before the engine has it).
    pub(super) fn note_leave(&mut self, m: &Msg<'_, P::Addr>, group: P::Addr) {
        let v = m.gmp.version.unwrap_or(0);
        self.note(m, group, v, Trigger::Leave);
    }

    /// A v3 / MLDv2 record of `record_type` for `group` (before the engine
    /// has it): TO_IN and BLOCK are noted.
    pub(super) fn note_record(&mut self, m: &Msg<'_, P::Addr>, group: P::Addr, record_type: u8) {
        let t = match record_type {
            3 => Trigger::ToIn,
            6 => Trigger::Block,
            _ => return,
        };
        self.note(m, group, <P::Addr as Addr>::NEWEST, t);
    }

    /// The older host (of the version that sets `mode` or older) that
    /// reported `group` within Robustness × Query Interval.
    fn older_host(&self, group: P::Addr, now: Instant, mode: Compat) -> Option<Older<P::Addr>> {
        let newest = <P::Addr as Addr>::NEWEST;
        let top = compat(mode, newest);
        if top >= newest {
            return None;
        }
        let horizon = self.router.query_interval() * u32::from(self.router.robustness());
        let g = self.groups.get(&group)?;
        g.holders
            .iter()
            .filter(|(_, h)| h.version <= top && now.saturating_duration_since(h.last) <= horizon)
            .max_by_key(|(_, h)| h.last)
            .map(|(a, h)| Older {
                mode,
                host: *a,
                version: h.version,
                ago: now.saturating_duration_since(h.last),
            })
    }

    fn note(&mut self, m: &Msg<'_, P::Addr>, group: P::Addr, v: u8, t: Trigger) {
        let now = m.now;
        let view = self.router.group(group);
        let mode = view.map_or(Compat::V3, |g| g.compat());
        let exclude = view.is_some_and(|g| g.filter_mode() == FilterMode::Exclude);
        let older = self.older_host(group, now, mode);
        // Does it ask the Querier for Q(G)? (RFC 3376 §6.4.2: TO_IN in
        // EXCLUDE mode; §7.3.2: a leave is TO_IN({}), ignored in v1 mode.)
        let querier = self.router.querier();
        let owes = t != Trigger::Block
            && exclude
            && mode != Compat::V1
            && !link_scope(group.into())
            && querier.is_some_and(|q| q != m.src)
            && querier
                .and_then(|q| self.queriers.get(&q))
                .is_some_and(|q| understood::<P::Addr>(t, q.versions));
        let window = querier
            .and_then(|q| self.queriers.get(&q))
            .and_then(|q| q.lmq_ms)
            .map_or(DEFAULT_LMQI, |ms| Duration::from_millis(u64::from(ms)))
            .saturating_add(QUERY_SLACK)
            .min(HORIZON);
        let Some(r) = self.checks.recent(group, now) else {
            return;
        };
        r.last = now;
        match t {
            Trigger::Leave => r.leave = Some((now, older)),
            Trigger::ToIn => r.to_in = Some(now),
            Trigger::Block => r.block = Some((now, older)),
        }
        let Some(q) = querier.filter(|_| owes) else {
            return;
        };
        let repeated = r.pending.is_some()
            || r.owed
                .is_some_and(|(at, w)| now.saturating_duration_since(at) <= w);
        if repeated {
            return;
        }
        r.owed = Some((now, window));
        r.pending = Some(Pending {
            frame: m.frame,
            at: now,
            host: m.src,
            querier: q,
            version: v,
            what: match (t, <P::Addr as Addr>::PROTOCOL) {
                (Trigger::ToIn, _) => "TO_IN record",
                (_, "mld") => "MLDv1 Done",
                _ => "IGMPv2 leave",
            },
            window,
        });
        self.checks.reschedule(group, now + window);
    }

    /// A Group-Specific or Group-and-Source-Specific Query for `group`
    /// (before the engine has it): it answers what the Querier owed, and
    /// must not answer what the group's compatibility mode ignores.
    pub(super) fn specific_query(
        &mut self,
        env: &mut Env<'_>,
        m: &Msg<'_, P::Addr>,
        v: u8,
        group: P::Addr,
    ) {
        let now = m.now;
        let Some(r) = self.checks.groups.get_mut(&group) else {
            return;
        };
        if r.pending.as_ref().is_some_and(|p| p.querier == m.src) {
            r.pending = None;
        }
        // The records this query may answer: its retransmissions come
        // Last Member Query Count × its Max Resp Time after them.
        let lmqc = self
            .queriers
            .get(&m.src)
            .and_then(|q| q.qrv)
            .filter(|&r| r > 0)
            .unwrap_or(2);
        let lmqi = Duration::from_millis(u64::from(m.gmp.max_resp_time_ms.unwrap_or(1000)));
        let window = (lmqi * u32::from(lmqc) + QUERY_SLACK).min(HORIZON);
        let within = |t: Instant| now.saturating_duration_since(t) <= window;
        let to_in = r.to_in.is_some_and(within);
        let leave = r.leave.filter(|(t, _)| within(*t));
        let block = r.block.filter(|(t, _)| within(*t));
        let with_sources = m.gmp.sources.as_ref().is_some_and(|s| !s.is_empty());
        let name = |mode: Compat| match (<P::Addr as Addr>::PROTOCOL, mode) {
            ("mld", _) => "MLDv1",
            (_, Compat::V1) => "IGMPv1",
            _ => "IGMPv2",
        };
        let reason = if with_sources {
            // A BLOCK in an older mode, and nothing that mode processes
            // (TO_IN; a leave, but not in IGMPv1 mode) that asks for sources.
            let Some((tb, Some(o))) = block else {
                return;
            };
            let asked =
                to_in || leave.is_some_and(|(_, lo)| lo.is_none_or(|o| o.mode != Compat::V1));
            if asked {
                return;
            }
            format!(
                "{} for {group} {:.2} s after a BLOCK record, while {group} was in {} compatibility mode ({} reported v{} {:.1} s before it): BLOCK records are ignored in that mode",
                if <P::Addr as Addr>::PROTOCOL == "mld" {
                    "Multicast Address and Source Specific Query"
                } else {
                    "Group-and-Source-Specific Query"
                },
                secs(now.saturating_duration_since(tb)),
                name(o.mode),
                o.host,
                o.version,
                secs(o.ago)
            )
        } else {
            let Some((tl, Some(o))) = leave else {
                return;
            };
            if o.mode != Compat::V1 || to_in {
                return;
            }
            format!(
                "Group-Specific Query for {group} {:.2} s after an IGMPv2 leave, while {group} was in IGMPv1 compatibility mode ({} reported v1 {:.1} s before it): leaves are ignored in that mode",
                secs(now.saturating_duration_since(tl)),
                o.host,
                secs(o.ago)
            )
        };
        self.violate(env, m, Rule::CompatQuery, v, reason);
    }

    /// Settles what is due by `now`: Group-Specific Queries owed and not
    /// sent within their window are listed (at the leave's frame), records
    /// older than the horizon forgotten.
    pub(super) fn checks_due(&mut self, env: &mut Env<'_>, now: Instant) {
        let mld = <P::Addr as Addr>::PROTOCOL == "mld";
        while let Some(&(t, group)) = self.checks.schedule.first() {
            if t > now {
                return;
            }
            self.checks.schedule.pop_first();
            let Some(r) = self.checks.groups.get_mut(&group) else {
                continue;
            };
            if r.scheduled != t {
                continue;
            }
            if let Some(p) = r.pending.take_if(|p| p.at + p.window <= t) {
                env.violation(
                    p.frame,
                    p.at,
                    p.host.into(),
                    <P::Addr as Addr>::rfc(Rule::MissingQuery, p.version),
                    format!(
                        "{} for {group} from {} while {} was Querier, and no {} for {group} from it within {:.1} s (its Last {} Query Interval + 1 s)",
                        p.what,
                        p.host,
                        p.querier,
                        if mld { "Multicast Address Specific Query" } else { "Group-Specific Query" },
                        secs(p.window),
                        if mld { "Listener" } else { "Member" },
                    ),
                );
            }
            let next = match &r.pending {
                Some(p) => p.at + p.window,
                None if r.last + HORIZON <= t => {
                    self.checks.groups.remove(&group);
                    continue;
                }
                None => r.last + HORIZON,
            };
            r.scheduled = next;
            self.checks.schedule.insert((next, group));
        }
    }
}
