//! Plays a scenario: hands out each step's per-host calls when they are
//! due, at most `rate` host steps per second across all hosts.

use std::num::NonZeroU32;

use ipv4kit_gmp::{Error, FilterMode, Instant};

use crate::emulator::Emulator;
use crate::family::Family;
use crate::scenario::{Op, Scenario, Step};

/// How far behind a rate-capped player may fall before it stops catching up
/// (a late wake-up releases at most this much backlog at once).
const CATCH_UP_NS: u64 = 10_000_000;

/// Hands out `(host, op)` pairs from a scenario in time order, expanding
/// host ranges lazily (a step for 100,000 hosts holds no list of them).
///
/// With a rate, the `k`-th host step goes no earlier than `k / rate`
/// seconds after the first: `--join-rate` caps membership changes across
/// all hosts (one host's step, a join or a zap with all its calls, counts
/// one).
///
/// ```
/// use std::num::NonZeroU32;
/// use ipv4kit_emu::scenario::parse;
/// use ipv4kit_emu::Player;
/// use ipv4kit_gmp::{Igmp, Instant};
///
/// let s = parse::<Igmp>("s", "0 all join 239.1.1.1").unwrap();
/// let mut p = Player::new(s.steps, 1000, NonZeroU32::new(100));
/// let mut n = 0;
/// for ms in 0..=500 {
///     while p.next(Instant::from_millis(ms)).is_some() {
///         n += 1;
///     }
/// }
/// assert_eq!(n, 51); // 100/s: at 0 ms, 10 ms, ..., 500 ms
/// ```
#[derive(Clone, Debug)]
pub struct Player<A> {
    steps: Vec<Step<A>>,
    hosts: u32,
    step: usize,
    host: u32,
    interval_ns: Option<u64>,
    next_free: u64,
    done: u64,
}

impl<A> Player<A> {
    /// A player of `steps` (in time order) over `hosts` hosts, capped at
    /// `rate` host steps per second if given.
    pub fn new(steps: Vec<Step<A>>, hosts: u32, rate: Option<NonZeroU32>) -> Self {
        let mut p = Player {
            steps,
            hosts,
            step: 0,
            host: 0,
            interval_ns: rate.map(|r| 1_000_000_000 / u64::from(r.get())),
            next_free: 0,
            done: 0,
        };
        p.skip_empty();
        p
    }

    /// Whether every step has been handed out.
    pub fn is_done(&self) -> bool {
        self.step >= self.steps.len()
    }

    /// Host steps handed out so far.
    pub fn handed_out(&self) -> u64 {
        self.done
    }

    /// When the next host step may go; `None` when all have.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let s = self.steps.get(self.step)?;
        let at = s.at.as_nanos() as u64;
        Some(Instant::from_nanos(at.max(self.next_free)))
    }

    /// The next host step due by `now`: the host (0-based) and what it does.
    pub fn next(&mut self, now: Instant) -> Option<(u32, &Op<A>)> {
        let s = self.steps.get(self.step)?;
        let now = now.as_nanos();
        if s.at.as_nanos() as u64 > now || self.next_free > now {
            return None;
        }
        let (_, end) = s.hosts.span(self.hosts);
        let host = self.host;
        let index = self.step;
        self.host += 1;
        if self.host >= end {
            self.step += 1;
            self.host = 0;
            self.skip_empty();
        }
        if let Some(i) = self.interval_ns {
            self.next_free = self.next_free.max(now.saturating_sub(CATCH_UP_NS)) + i;
        }
        self.done += 1;
        Some((host, &self.steps[index].op))
    }

    /// Moves the cursor to the first host of the next step that has hosts.
    fn skip_empty(&mut self) {
        while let Some(s) = self.steps.get(self.step) {
            let (start, end) = s.hosts.span(self.hosts);
            if self.host < start {
                self.host = start;
            }
            if self.host < end {
                return;
            }
            self.step += 1;
            self.host = 0;
        }
    }
}

impl<F: Family> Emulator<F> {
    /// Makes every call of a scenario step on host `i`, stopping at the
    /// first the engine refuses.
    ///
    /// The source calls of one step (`block G S1,S2`) go to the engine as
    /// one full-state change ([`Host::set_filter`](ipv4kit_gmp::Host::set_filter)
    /// with the filter the calls leave), so they make one State-Change
    /// Report, as on Linux: the kernel sends its report a jiffy after the
    /// first call and merges the calls made meanwhile. (The engine sends at
    /// once on every call and has no way to batch calls; a `zap`, two
    /// calls on two groups, therefore goes out as two reports where Linux
    /// sends one.)
    pub fn apply_step(&mut self, now: Instant, i: u32, op: &Op<F::Addr>) -> Result<(), Error> {
        let (g, sources) = match op {
            Op::JoinSource(g, s) | Op::LeaveSource(g, s) | Op::Block(g, s) | Op::Unblock(g, s)
                if s.len() > 1 =>
            {
                (*g, s)
            }
            _ => {
                for call in op.calls() {
                    self.apply(now, i, call)?;
                }
                return Ok(());
            }
        };
        let mut filter = self
            .host(i)
            .socket_filter(crate::REQUESTER, g)
            .map(|f| (f.mode, f.sources.clone()));
        let mut result = Ok(());
        for s in sources {
            match delta(filter.take(), op, *s) {
                Ok(f) => filter = f,
                Err((e, f)) => {
                    filter = f;
                    result = Err(e);
                    break;
                }
            }
        }
        let (mode, list) = filter.unwrap_or((FilterMode::Include, Vec::new()));
        self.set_filter(now, i, g, mode, &list)?;
        result
    }
}

/// One RFC 3678 delta call on a socket's filter (`None`: no filter), as
/// the engine (and Linux) apply it; an error leaves the filter as it was.
#[allow(clippy::type_complexity)]
fn delta<A: Ord + Copy>(
    filter: Option<(FilterMode, Vec<A>)>,
    op: &Op<A>,
    s: A,
) -> Result<Option<(FilterMode, Vec<A>)>, (Error, Option<(FilterMode, Vec<A>)>)> {
    let (want, add) = match op {
        Op::JoinSource(..) => (FilterMode::Include, true),
        Op::LeaveSource(..) => (FilterMode::Include, false),
        Op::Block(..) => (FilterMode::Exclude, true),
        _ => (FilterMode::Exclude, false),
    };
    let Some((mode, mut list)) = filter else {
        return if want == FilterMode::Include && add {
            Ok(Some((FilterMode::Include, vec![s])))
        } else {
            Err((Error::NotMember, None))
        };
    };
    if mode != want {
        return Err((Error::ModeMismatch, Some((mode, list))));
    }
    match (list.binary_search(&s), add) {
        (Err(k), true) => list.insert(k, s),
        (Ok(k), false) => {
            list.remove(k);
        }
        _ => return Err((Error::Source, Some((mode, list)))),
    }
    if mode == FilterMode::Include && list.is_empty() {
        return Ok(None);
    }
    Ok(Some((mode, list)))
}

/// Plays `scenario` on `emu` on a virtual clock until `end`, with no
/// network: what a run would send, for tests and benchmarks. Every datagram
/// goes to `sent` with its time.
pub fn simulate<F: Family>(
    emu: &mut Emulator<F>,
    scenario: &Scenario<F::Addr>,
    rate: Option<NonZeroU32>,
    end: Instant,
    mut sent: impl FnMut(Instant, &crate::Datagram<F::Addr>, &[u8]),
) {
    let mut player = Player::new(scenario.steps.clone(), emu.len(), rate);
    let mut buf = [0u8; 1600];
    let mut now = Instant::ZERO;
    loop {
        while let Some((h, op)) = player.next(now) {
            let op = op.clone();
            let _ = emu.apply_step(now, h, &op);
        }
        emu.handle_timeout(now);
        while let Some(Ok(d)) = emu.poll_transmit(&mut buf) {
            sent(now, &d, &buf[..d.len]);
        }
        let next = [player.poll_timeout(), emu.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        match next {
            Some(t) if t <= end => now = t.max(now),
            _ => break,
        }
    }
}
