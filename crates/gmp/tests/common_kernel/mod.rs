//! The kernel-oracle harness of `tests/kernel.rs` (IGMP) and
//! `tests/mld_kernel.rs` (MLD), written once: the calls both sides get
//! ([`Op`]), the engine's side on a virtual clock ([`engine`]), and the
//! comparison of what both sent ([`compare`]), and the scenarios both run
//! ([`scenarios`]). Each file keeps what its family does differently: the
//! kernel's side (sysctls, sockets, capture, queries), how a message is
//! normalized, and its own version-specific tests.
#![allow(dead_code)]

pub mod scenarios;

use std::fmt::Debug;
use std::time::Duration;

use ipv4kit_gmp::{Config, Error, FilterMode, Host, Instant, Protocol, Requester};

/// Unsolicited Report Interval given to both (kernel sysctls and engine
/// config): long enough that a retransmission rarely falls between two
/// calls made 40 ms apart, short enough to keep the tests quick.
pub const URI_MS: u64 = 2000;
/// How late the kernel's "immediate" reports may be (timer granularity,
/// scheduling; Linux sends IGMPv2 joins within 200 ms).
pub const SLACK: Duration = Duration::from_millis(300);
/// How long both run after the last call.
pub const TAIL: Duration = Duration::from_millis(URI_MS + 500);
/// Between calls meant to see each other's retransmissions done.
pub const SETTLE: u64 = URI_MS + 300;
/// Between calls meant to land while retransmissions pend.
pub const QUICK: u64 = 40;

/// One call, made on the kernel's sockets and on the engine alike.
#[derive(Clone, Debug)]
pub enum Op<A> {
    Join(A),
    Leave(A),
    JoinSource(A, A),
    LeaveSource(A, A),
    Block(A, A),
    Unblock(A, A),
    /// The full-state call: RFC 3678 `setsourcefilter` (`MCAST_MSFILTER`)
    /// on the kernel, `set_filter` on the engine.
    SetFilter(A, FilterMode, Vec<A>),
    /// A query from b: the message (for MLD checksummed from b's
    /// link-local address) and its IP destination.
    Query(Vec<u8>, A),
}

/// `Op` on requester/socket `.1`, `.0` ms after the previous step.
pub type Step<A> = (u64, usize, Op<A>);

/// What the kernel's side did.
pub struct Outcome<M> {
    /// When each step was made, since the start.
    pub at: Vec<Duration>,
    /// What host a sent, when.
    pub sent: Vec<(Duration, M)>,
}

/// Both intervals set to [`URI_MS`], as the kernel's sysctls are.
pub fn config<P: Protocol>() -> Config<P> {
    Config {
        unsolicited_report_interval: Duration::from_millis(URI_MS),
        old_unsolicited_report_interval: Duration::from_millis(URI_MS),
        ..Config::default()
    }
}

/// Makes `op` on the engine, but a query (`None`: the caller feeds it).
pub fn engine_op<P: Protocol, R: rand_core::Rng>(
    h: &mut Host<P, R>,
    now: Instant,
    r: Requester,
    op: &Op<P::Addr>,
) -> Option<Result<(), Error>> {
    Some(match op {
        Op::Join(g) => h.join(now, r, *g),
        Op::Leave(g) => h.leave(now, r, *g),
        Op::JoinSource(g, x) => h.join_source(now, r, *g, *x),
        Op::LeaveSource(g, x) => h.leave_source(now, r, *g, *x),
        Op::Block(g, x) => h.block(now, r, *g, *x),
        Op::Unblock(g, x) => h.unblock(now, r, *g, *x),
        Op::SetFilter(g, mode, x) => h.set_filter(now, r, *g, *mode, x),
        Op::Query(..) => return None,
    })
}

/// The engine of a test file: how it runs on the virtual clock and is fed.
pub trait Engine {
    /// The address family.
    type Addr: Debug;
    /// A message as the file compares them.
    type Msg;
    /// Runs the timers from `now` until `end`; what was sent, when,
    /// including what was queued at `now`.
    fn run(&mut self, now: Instant, end: Instant) -> Vec<(Instant, Self::Msg)>;
    /// Everything queued now.
    fn drain(&mut self) -> Vec<Self::Msg>;
    /// Makes `op` (a query included) at `now` for requester `r`.
    fn apply(&mut self, now: Instant, r: Requester, op: &Op<Self::Addr>);
}

/// Runs `steps` on the engine `h` at the times the kernel got them (`at`),
/// then on to `end`: what it sent, when.
pub fn engine<E: Engine>(
    mut h: E,
    steps: &[Step<E::Addr>],
    at: &[Duration],
    end: Duration,
) -> Vec<(Duration, E::Msg)> {
    let mut sent = Vec::new();
    let t = |d: Duration| Instant::from_nanos(d.as_nanos() as u64);
    let mut now = Instant::ZERO;
    for ((_, sock, op), when) in steps.iter().zip(at) {
        sent.extend(
            h.run(now, t(*when))
                .into_iter()
                .filter(|(x, _)| *x > now || now == Instant::ZERO),
        );
        now = t(*when);
        h.apply(now, Requester(*sock as u32), op);
        sent.extend(h.drain().into_iter().map(|m| (now, m)));
    }
    sent.extend(h.run(now, t(end)).into_iter().filter(|(x, _)| *x > now));
    sent.into_iter()
        .map(|(i, m)| (i.since_epoch(), m))
        .collect()
}

/// How a file compares: the retransmission window of the engine's config,
/// which messages count and in what order ([`Comparison::normalized`]),
/// and when a difference is tried again.
pub struct Comparison<M> {
    /// The longest delay of a retransmission after its trigger.
    pub window: Duration,
    /// The message as compared (records and sources ordered, the test's
    /// groups only); `None` leaves it out.
    pub normalized: fn(&M) -> Option<M>,
    /// Repeat on any difference, not only when a retransmission fell
    /// between two calls (MLD: one just after the last call carries the
    /// kernel's pending records along).
    pub retry_any_difference: bool,
}

/// Runs `steps` on both (`attempt(n)`: the kernel's outcome and the
/// engine's, on a fresh link, the engine seeded by `n`) and compares. A
/// retransmission that falls between two calls made moments apart
/// (possible on either side, both pick random delays) changes the sequence
/// legitimately: then the run is repeated, at most three times.
///
/// `deviations` lists where the kernel departs from the RFC: (from which
/// step on, what the kernel sends, what the RFC asks), normalized; the
/// RFC's side is compared.
pub fn compare<A: Debug, M: Clone + Eq + Debug>(
    how: &Comparison<M>,
    steps: &[Step<A>],
    deviations: &[(usize, M, M)],
    mut attempt: impl FnMut(u64) -> (Outcome<M>, Vec<(Duration, M)>),
) -> Vec<M> {
    for n in 0..3u64 {
        let (k, e) = attempt(n + 1);
        let last_op = *k.at.last().unwrap();
        let interleaved = |sent: &[(Duration, M)]| {
            sent.iter()
                .any(|(t, _)| *t < last_op && !k.at.iter().any(|a| *t >= *a && *t < *a + SLACK))
        };
        let normalize = |sent: &[(Duration, M)]| -> Vec<(Duration, M)> {
            sent.iter()
                .filter_map(|(t, m)| (how.normalized)(m).map(|m| (*t, m)))
                .collect()
        };
        let ks = normalize(&k.sent);
        let es = normalize(&e);
        let rfc = |t: Duration, m: &M| {
            deviations
                .iter()
                .find(|(step, d, _)| t >= k.at[*step] && d == m)
                .map_or(m.clone(), |(_, _, r)| r.clone())
        };
        let km = by_interval(ks.iter().map(|(t, m)| (*t, rfc(*t, m))).collect(), &k.at);
        let em = by_interval(es.clone(), &k.at);
        if km != em {
            if n < 2 {
                if interleaved(&ks) || interleaved(&e) {
                    eprintln!("attempt {n}: a retransmission fell between two calls; again");
                    continue;
                }
                if how.retry_any_difference {
                    eprintln!("attempt {n}: the sequences differ; again");
                    continue;
                }
            }
            let show = |v: &[(Duration, M)]| {
                v.iter()
                    .map(|(t, m)| format!("  {:>6} ms {:?}\n", t.as_millis(), m))
                    .collect::<String>()
            };
            let calls: Vec<u128> = k.at.iter().map(|d| d.as_millis()).collect();
            panic!(
                "kernel and engine differ\nsteps {steps:?}\ncalls at {calls:?} ms\nkernel:\n{}engine:\n{}",
                show(&ks),
                show(&es)
            );
        }
        // Timing: each report falls in the window its trigger allows (the
        // latest call at or before it): at once, or within the interval.
        for ((kt, m), (et, _)) in ks.iter().zip(&e) {
            let trigger =
                k.at.iter()
                    .copied()
                    .filter(|a| *a <= *et)
                    .max()
                    .unwrap_or_default();
            let immediate = *et == trigger;
            let limit = if immediate { SLACK } else { how.window + SLACK };
            assert!(
                *kt + Duration::from_millis(5) >= trigger && *kt <= trigger + limit,
                "kernel {m:?} at {kt:?}, trigger {trigger:?}, engine at {et:?}"
            );
        }
        return km;
    }
    unreachable!()
}

/// Messages in the order they were sent, except that those sent between
/// the same two calls are sorted: independent random delays (one per group
/// answering a General Query, RFC 2236 §3, RFC 2710 §4, RFC 3376 §5.2)
/// order them differently on each side, and that order means nothing.
pub fn by_interval<M: Debug>(sent: Vec<(Duration, M)>, calls: &[Duration]) -> Vec<M> {
    let mut keyed: Vec<(usize, usize, String, M)> = sent
        .into_iter()
        .enumerate()
        .map(|(i, (t, m))| {
            (
                calls.iter().filter(|c| **c <= t).count(),
                i,
                format!("{m:?}"),
                m,
            )
        })
        .collect();
    keyed.sort_by(|a, b| (a.0, &a.2, a.1).cmp(&(b.0, &b.2, b.1)));
    keyed.into_iter().map(|(_, _, _, m)| m).collect()
}
