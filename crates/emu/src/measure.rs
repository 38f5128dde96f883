//! RFC 3918 join and leave delay, sans-IO: the caller feeds the reports
//! the hosts sent and the multicast data heard on their interface, each
//! with a timestamp (nanoseconds on one clock, e.g. the kernel's receive
//! and send timestamps of one tap), and reads a [`Report`].
//!
//! - **Join delay** (RFC 3918 §4.1.1) of a (host, group): from the report
//!   that joined the group (the first state-change report actually sent;
//!   its retransmissions change nothing) to the first data packet of the
//!   group received after it.
//! - **Leave delay** (RFC 3918 §4.1.2): from the report that left (v3
//!   TO_IN {} or the BLOCK that emptied the filter, or a v2 Leave) to the
//!   last data packet of the group. It is final when the host joins the
//!   group again or at [`finish`](Measure::finish); no packet after the
//!   leave is a delay of 0. When the group's data is still flowing then
//!   (heard within [`quiet`](Measure::new) of that moment: another host
//!   still holds it, or the router never stopped), no delay is recorded
//!   and the leave counts in [`DelayStats::leaves_not_stopped`].
//! - **Never received**: joined, then left (or the run ended) without a
//!   data packet of the group.
//! - **Packets after leave**: data packets of the group heard after a
//!   host's leave until that leave is final (BNG Blaster's "overlap").
//! - **Group capacity**: the largest number of groups, sampled by
//!   [`sample`](Measure::sample), that had a member and data heard within
//!   the quiet interval.
//!
//! All hosts share one interface, so a group's data reaches every host on
//! it: a host that joins a group already flowing has a join delay of one
//! packet interval at most, which is what its interface sees.
//!
//! Memory is bounded: one entry per (host, group) (two timestamps and a
//! counter), up to [`MAX_ENTRIES`]; two histograms per group, up to
//! [`MAX_GROUPS`]; what is beyond counts in [`Report::untracked`]. A data
//! packet costs one hash look-up and allocates nothing once its group is
//! known.

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

use crate::histogram::{Bucket, Histogram};

/// Groups followed at most.
pub const MAX_GROUPS: usize = 16_384;
/// (host, group) pairs followed at most.
pub const MAX_ENTRIES: usize = 4 << 20;

/// What a report does to a (host, group), as far as data is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// The host now wants data of the group (TO_EX, IS_EX, ALLOW, a
    /// non-empty IS_IN or TO_IN, a v1/v2 report).
    Join,
    /// The host wants none of the group any more (TO_IN {}, a BLOCK that
    /// empties an INCLUDE filter, a v2 Leave).
    Leave,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Joined, no data yet.
    Pending,
    /// Joined, data received.
    Receiving,
    /// Left, leave delay not final yet.
    Left,
    /// Left and accounted for.
    Done,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    state: State,
    /// When the join report went out (ns).
    joined_at: u64,
    /// When the leave report went out (ns).
    left_at: u64,
    /// The group's packet count at the leave.
    packets_at_leave: u64,
}

#[derive(Debug)]
struct Group<A> {
    group: A,
    members: u32,
    packets: u64,
    last_packet: Option<u64>,
    /// Hosts whose join waits for a first packet (some may be stale:
    /// checked against their entry when drained).
    pending: Vec<u32>,
    join: Option<Box<Histogram>>,
    leave: Option<Box<Histogram>>,
    never_received: u64,
    packets_after_leave: u64,
    leaves_not_stopped: u64,
}

/// Join and leave delays of emulated hosts (see the [module](self)).
#[derive(Debug)]
pub struct Measure<A> {
    quiet_ns: u64,
    entries: HashMap<(u32, A), Entry>,
    groups: Vec<Group<A>>,
    index: HashMap<A, u32>,
    capacity: u32,
    untracked: u64,
    unjoined_packets: u64,
}

/// Delay figures of one group or of all (microseconds).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Delays {
    /// Delays measured.
    pub count: u64,
    /// Smallest.
    pub min_us: Option<u64>,
    /// Median (within 1/16, see [`Histogram`]).
    pub median_us: Option<u64>,
    /// 95th percentile.
    pub p95_us: Option<u64>,
    /// 99th percentile.
    pub p99_us: Option<u64>,
    /// Largest.
    pub max_us: Option<u64>,
    /// Counts by power of two.
    pub histogram: Vec<Bucket>,
}

impl Delays {
    fn of(h: Option<&Histogram>) -> Delays {
        let Some(h) = h else {
            return Delays::default();
        };
        Delays {
            count: h.count(),
            min_us: h.min(),
            median_us: h.quantile(0.5),
            p95_us: h.quantile(0.95),
            p99_us: h.quantile(0.99),
            max_us: h.max(),
            histogram: h.octaves(),
        }
    }

    /// `count=… min=…ms median=… p95=… p99=… max=…`, in milliseconds.
    pub fn line(&self) -> String {
        let ms = |v: Option<u64>| match v {
            Some(us) => format!("{:.3}ms", us as f64 / 1000.0),
            None => "-".into(),
        };
        format!(
            "count={} min={} median={} p95={} p99={} max={}",
            self.count,
            ms(self.min_us),
            ms(self.median_us),
            ms(self.p95_us),
            ms(self.p99_us),
            ms(self.max_us)
        )
    }
}

/// The figures of one group, or of all groups together.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DelayStats<A> {
    /// The group (`None` for the overall figures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<A>,
    /// Data packets of the group heard.
    pub packets: u64,
    /// Join delays.
    pub join: Delays,
    /// Leave delays.
    pub leave: Delays,
    /// (host, group) joins that saw no data before their leave or the end.
    pub never_received: u64,
    /// Data packets heard after hosts' leaves (summed over the hosts).
    pub packets_after_leave: u64,
    /// Leaves after which the group's data did not stop.
    pub leaves_not_stopped: u64,
}

/// Everything measured: per group and overall.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report<A> {
    /// All groups together.
    pub overall: DelayStats<A>,
    /// Each group, in the order first seen.
    pub groups: Vec<DelayStats<A>>,
    /// The largest number of groups seen flowing at once.
    pub group_capacity: u32,
    /// Reports or packets not followed: beyond [`MAX_GROUPS`] or
    /// [`MAX_ENTRIES`].
    pub untracked: u64,
    /// Data packets of groups no host had joined.
    pub unjoined_packets: u64,
}

impl<A: Copy + Eq + Hash> Measure<A> {
    /// Empty; `quiet_ns` is how long without a packet a group's data counts
    /// as stopped (1 s is a good value for streams of 10 packets/s or more).
    pub fn new(quiet_ns: u64) -> Measure<A> {
        Measure {
            quiet_ns,
            entries: HashMap::new(),
            groups: Vec::new(),
            index: HashMap::new(),
            capacity: 0,
            untracked: 0,
            unjoined_packets: 0,
        }
    }

    fn group_slot(&mut self, group: A) -> Option<usize> {
        if let Some(&i) = self.index.get(&group) {
            return Some(i as usize);
        }
        if self.groups.len() >= MAX_GROUPS {
            return None;
        }
        self.index.insert(group, self.groups.len() as u32);
        self.groups.push(Group {
            group,
            members: 0,
            packets: 0,
            last_packet: None,
            pending: Vec::new(),
            join: None,
            leave: None,
            never_received: 0,
            packets_after_leave: 0,
            leaves_not_stopped: 0,
        });
        Some(self.groups.len() - 1)
    }

    /// A report went out at `t` (ns) from `host` with `effect` on `group`.
    /// Repeats (retransmissions, current-state answers) change nothing.
    pub fn report(&mut self, t: u64, host: u32, group: A, effect: Effect) {
        if effect == Effect::Leave && !self.entries.contains_key(&(host, group)) {
            return; // never joined here: nothing to measure
        }
        let Some(g) = self.group_slot(group) else {
            self.untracked += 1;
            return;
        };
        let quiet = self.quiet_ns;
        if self.entries.len() >= MAX_ENTRIES && !self.entries.contains_key(&(host, group)) {
            self.untracked += 1;
            return;
        }
        let grp = &mut self.groups[g];
        let e = self.entries.entry((host, group)).or_insert(Entry {
            state: State::Done,
            joined_at: 0,
            left_at: 0,
            packets_at_leave: 0,
        });
        match (effect, e.state) {
            (Effect::Join, State::Left | State::Done) => {
                if e.state == State::Left {
                    settle(grp, e, t, quiet);
                }
                e.state = State::Pending;
                e.joined_at = t;
                grp.members += 1;
                grp.pending.push(host);
            }
            (Effect::Leave, State::Pending) => {
                e.state = State::Done;
                grp.members -= 1;
                grp.never_received += 1;
            }
            (Effect::Leave, State::Receiving) => {
                e.state = State::Left;
                e.left_at = t;
                e.packets_at_leave = grp.packets;
                grp.members -= 1;
            }
            _ => {}
        }
        // Stale hosts (left before any data) are dropped from the wait
        // list when it has grown past twice the members.
        let grp = &mut self.groups[g];
        if grp.pending.len() >= 64 && grp.pending.len() > 2 * grp.members as usize {
            let entries = &self.entries;
            grp.pending.retain(|&h| {
                entries
                    .get(&(h, group))
                    .is_some_and(|x| x.state == State::Pending)
            });
        }
    }

    /// A data packet to `group` was heard at `t` (ns).
    pub fn data(&mut self, t: u64, group: A) {
        let Some(&g) = self.index.get(&group) else {
            self.unjoined_packets += 1;
            return;
        };
        let grp = &mut self.groups[g as usize];
        grp.packets += 1;
        grp.last_packet = Some(grp.last_packet.map_or(t, |l| l.max(t)));
        if grp.pending.is_empty() {
            return;
        }
        let entries = &mut self.entries;
        let hist = grp.join.get_or_insert_with(Default::default);
        grp.pending.retain(|&h| {
            let Some(e) = entries.get_mut(&(h, group)) else {
                return false;
            };
            if e.state != State::Pending {
                return false;
            }
            if e.joined_at > t {
                return true;
            }
            e.state = State::Receiving;
            hist.record((t - e.joined_at) / 1000);
            false
        });
    }

    /// Samples group capacity at `now` (ns): the groups with a member and
    /// data within the quiet interval.
    pub fn sample(&mut self, now: u64) {
        let quiet = self.quiet_ns;
        let flowing = self
            .groups
            .iter()
            .filter(|g| {
                g.members > 0
                    && g.last_packet
                        .is_some_and(|l| l.saturating_add(quiet) >= now)
            })
            .count() as u32;
        self.capacity = self.capacity.max(flowing);
    }

    /// Ends the run at `now` (ns): settles pending leaves and counts the
    /// joins that never received data. Call once, then [`report`](Self::report_now).
    pub fn finish(&mut self, now: u64) {
        self.sample(now);
        let quiet = self.quiet_ns;
        for ((_, group), e) in self.entries.iter_mut() {
            let g = self.index[group] as usize;
            let grp = &mut self.groups[g];
            match e.state {
                State::Left => settle(grp, e, now, quiet),
                State::Pending => {
                    grp.never_received += 1;
                    grp.members -= 1;
                    e.state = State::Done;
                }
                _ => {}
            }
        }
    }

    /// The figures so far.
    pub fn report_now(&self) -> Report<A> {
        let mut join = Histogram::new();
        let mut leave = Histogram::new();
        let mut overall = DelayStats {
            group: None,
            packets: 0,
            join: Delays::default(),
            leave: Delays::default(),
            never_received: 0,
            packets_after_leave: 0,
            leaves_not_stopped: 0,
        };
        let groups = self
            .groups
            .iter()
            .map(|g| {
                if let Some(h) = &g.join {
                    join.merge(h);
                }
                if let Some(h) = &g.leave {
                    leave.merge(h);
                }
                overall.packets += g.packets;
                overall.never_received += g.never_received;
                overall.packets_after_leave += g.packets_after_leave;
                overall.leaves_not_stopped += g.leaves_not_stopped;
                DelayStats {
                    group: Some(g.group),
                    packets: g.packets,
                    join: Delays::of(g.join.as_deref()),
                    leave: Delays::of(g.leave.as_deref()),
                    never_received: g.never_received,
                    packets_after_leave: g.packets_after_leave,
                    leaves_not_stopped: g.leaves_not_stopped,
                }
            })
            .collect();
        overall.join = Delays::of(Some(&join));
        overall.leave = Delays::of(Some(&leave));
        Report {
            overall,
            groups,
            group_capacity: self.capacity,
            untracked: self.untracked,
            unjoined_packets: self.unjoined_packets,
        }
    }
}

/// Makes a leave final at `now`: its delay (or that the data did not stop)
/// and the packets heard after it.
fn settle<A>(grp: &mut Group<A>, e: &mut Entry, now: u64, quiet: u64) {
    grp.packets_after_leave += grp.packets - e.packets_at_leave;
    let last = grp.last_packet.unwrap_or(0);
    if last.saturating_add(quiet) >= now && last > e.left_at {
        grp.leaves_not_stopped += 1;
    } else {
        let d = last.saturating_sub(e.left_at) / 1000;
        grp.leave.get_or_insert_with(Default::default).record(d);
    }
    e.state = State::Done;
}
