//! One group's router state (RFC 3376 §6.2) and the actions of the tables
//! in §6.4.1 and §6.4.2, the filter-mode switch of §6.5 and the timer
//! lowering of §6.6.3.

use alloc::vec::Vec;

use super::config::RouterEvent;
use crate::filter::{FilterMode, RecordType};
use crate::protocol::Compat;
use crate::time::Instant;

/// A source record: its timer (`None`: zero, the source is in the Exclude
/// List Y), its retransmission count for Q(G,S) (§6.6.3.2), and table data.
#[derive(Clone, Debug)]
pub(crate) struct SourceState<A> {
    pub(crate) addr: A,
    pub(crate) timer: Option<Instant>,
    pub(crate) retx: u8,
    pub(crate) since: Instant,
    pub(crate) reporter: A,
}

/// A group record: filter mode, group timer, sources sorted by address.
#[derive(Clone, Debug)]
pub(crate) struct GroupState<A> {
    pub(crate) mode: FilterMode,
    /// The group timer; `None` in INCLUDE mode (§6.2.2).
    pub(crate) timer: Option<Instant>,
    pub(crate) sources: Vec<SourceState<A>>,
    /// IGMPv1 / IGMPv2 Host Present timers (§7.3.2).
    pub(crate) v1_host: Option<Instant>,
    pub(crate) v2_host: Option<Instant>,
    /// Q(G) transmissions left (§6.6.3.1).
    pub(crate) group_retx: u8,
    /// When the next Q(G) / Q(G,S) retransmission is due.
    pub(crate) query_due: Option<Instant>,
    pub(crate) since: Instant,
    pub(crate) reporter: A,
}

/// What the actions need to know.
pub(crate) struct Ctx<'e, A> {
    pub(crate) now: Instant,
    pub(crate) group: A,
    pub(crate) reporter: A,
    /// Group Membership Interval from now.
    pub(crate) gmi: Instant,
    /// Last Member Query Time from now.
    pub(crate) lmqt: Instant,
    pub(crate) lmqc: u8,
    /// Only the Querier sends the table's queries and lowers timers for them.
    pub(crate) querier: bool,
    pub(crate) max_sources: usize,
    pub(crate) refused: &'e mut u64,
    pub(crate) events: &'e mut dyn FnMut(RouterEvent<A>),
}

fn min_opt(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

impl<A: Ord + Copy> GroupState<A> {
    pub(crate) fn new(now: Instant, reporter: A) -> Self {
        GroupState {
            mode: FilterMode::Include,
            timer: None,
            sources: Vec::new(),
            v1_host: None,
            v2_host: None,
            group_retx: 0,
            query_due: None,
            since: now,
            reporter,
        }
    }

    /// Group Compatibility Mode (§7.3.2).
    pub(crate) fn compat(&self) -> Compat {
        if self.v1_host.is_some() {
            Compat::V1
        } else if self.v2_host.is_some() {
            Compat::V2
        } else {
            Compat::V3
        }
    }

    /// Whether the group holds state: EXCLUDE, or INCLUDE with sources.
    pub(crate) fn alive(&self) -> bool {
        self.mode == FilterMode::Exclude || !self.sources.is_empty()
    }

    /// The earliest of the group's timers.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        let mut t = min_opt(self.timer, self.query_due);
        t = min_opt(t, min_opt(self.v1_host, self.v2_host));
        for s in &self.sources {
            t = min_opt(t, s.timer);
        }
        t
    }

    fn find(&self, a: &A) -> Result<usize, usize> {
        self.sources.binary_search_by(|s| s.addr.cmp(a))
    }

    /// Sets (creating if needed, within the cap) the timers of `set`.
    fn set_timers(
        &mut self,
        cx: &mut Ctx<'_, A>,
        set: &[A],
        timer: Option<Instant>,
        only_new: bool,
    ) {
        for &a in set {
            match self.find(&a) {
                Ok(i) => {
                    if !only_new {
                        let s = &mut self.sources[i];
                        s.timer = timer;
                        s.reporter = cx.reporter;
                    }
                }
                Err(i) => {
                    if self.sources.len() >= cx.max_sources {
                        *cx.refused += 1;
                        continue;
                    }
                    self.sources.insert(
                        i,
                        SourceState {
                            addr: a,
                            timer,
                            retx: 0,
                            since: cx.now,
                            reporter: cx.reporter,
                        },
                    );
                    (cx.events)(RouterEvent::SourceAdded {
                        group: cx.group,
                        source: a,
                    });
                }
            }
        }
    }

    /// Deletes the sources not in `keep`.
    fn delete_not_in(&mut self, cx: &mut Ctx<'_, A>, keep: &[A]) {
        let group = cx.group;
        let events = &mut cx.events;
        self.sources.retain(|s| {
            let k = keep.binary_search(&s.addr).is_ok();
            if !k {
                events(RouterEvent::SourceRemoved {
                    group,
                    source: s.addr,
                });
            }
            k
        });
    }

    /// Send Q(G,X) for the sources `pick` selects (§6.6.3.2): those with
    /// a timer above LMQT get LMQC retransmissions and the timer LMQT.
    fn query_sources(
        &mut self,
        cx: &Ctx<'_, A>,
        mut pick: impl FnMut(&SourceState<A>) -> bool,
    ) -> bool {
        if !cx.querier {
            return false;
        }
        let mut any = false;
        for s in &mut self.sources {
            if pick(s) && s.timer.is_some_and(|t| t > cx.lmqt) {
                s.retx = cx.lmqc;
                s.timer = Some(cx.lmqt);
                any = true;
            }
        }
        any
    }

    /// Send Q(G) (§6.6.3.1): the group timer lowered to LMQT, LMQC queries.
    fn query_group(&mut self, cx: &Ctx<'_, A>) -> bool {
        if !cx.querier {
            return false;
        }
        self.timer = min_opt(self.timer, Some(cx.lmqt));
        self.group_retx = cx.lmqc;
        true
    }

    /// Applies one record with the sorted, deduplicated source set `b`, as
    /// RFC 3376 §6.4.1 and §6.4.2 give it. Returns whether queries are
    /// now due (the caller sends them at once).
    pub(crate) fn apply(&mut self, cx: &mut Ctx<'_, A>, rt: RecordType, b: &[A]) -> bool {
        use FilterMode::{Exclude, Include};
        use RecordType::*;
        self.reporter = cx.reporter;
        let in_b = |s: &SourceState<A>| b.binary_search(&s.addr).is_ok();
        match (self.mode, rt) {
            // INCLUDE (A), IS_IN (B) / ALLOW (B): INCLUDE (A+B); (B)=GMI.
            // EXCLUDE (X,Y), IS_IN (A) / ALLOW (A): EXCLUDE (X+A, Y-A); (A)=GMI.
            (_, IsInclude | Allow) => {
                self.set_timers(cx, b, Some(cx.gmi), false);
                false
            }
            // INCLUDE (A), BLOCK (B): INCLUDE (A); Send Q(G, A*B).
            (Include, Block) => self.query_sources(cx, in_b),
            // INCLUDE (A), IS_EX (B) / TO_EX (B): EXCLUDE (A*B, B-A);
            // (B-A)=0; Delete (A-B); [Send Q(G, A*B)]; Group Timer=GMI.
            (Include, IsExclude | ToExclude) => {
                self.delete_not_in(cx, b);
                self.set_timers(cx, b, None, true);
                self.mode = Exclude;
                self.timer = Some(cx.gmi);
                rt == ToExclude && self.query_sources(cx, |s| s.timer.is_some())
            }
            // INCLUDE (A), TO_IN (B): INCLUDE (A+B); (B)=GMI; Send Q(G, A-B).
            (Include, ToInclude) => {
                let q = self.query_sources(cx, |s| !in_b(s));
                self.set_timers(cx, b, Some(cx.gmi), false);
                q
            }
            // EXCLUDE (X,Y), BLOCK (A): EXCLUDE (X+(A-Y), Y);
            // (A-X-Y)=Group Timer; Send Q(G, A-Y).
            (Exclude, Block) => {
                self.set_timers(cx, b, self.timer, true);
                self.query_sources(cx, |s| s.timer.is_some() && in_b(s))
            }
            // EXCLUDE (X,Y), IS_EX (A): EXCLUDE (A-Y, Y*A); (A-X-Y)=GMI;
            // Delete (X-A); Delete (Y-A); Group Timer=GMI.
            (Exclude, IsExclude) => {
                self.set_timers(cx, b, Some(cx.gmi), true);
                self.delete_not_in(cx, b);
                self.timer = Some(cx.gmi);
                false
            }
            // EXCLUDE (X,Y), TO_EX (A): EXCLUDE (A-Y, Y*A);
            // (A-X-Y)=Group Timer; Delete (X-A); Delete (Y-A);
            // Send Q(G, A-Y); Group Timer=GMI.
            (Exclude, ToExclude) => {
                self.set_timers(cx, b, self.timer, true);
                self.delete_not_in(cx, b);
                let q = self.query_sources(cx, |s| s.timer.is_some());
                self.timer = Some(cx.gmi);
                q
            }
            // EXCLUDE (X,Y), TO_IN (A): EXCLUDE (X+A, Y-A); (A)=GMI;
            // Send Q(G, X-A); Send Q(G).
            (Exclude, ToInclude) => {
                let q = self.query_sources(cx, |s| s.timer.is_some() && !in_b(s));
                self.set_timers(cx, b, Some(cx.gmi), false);
                let g = self.query_group(cx);
                q | g
            }
        }
    }

    /// Runs the group's timers at `now`: source timers (§6.3), the group
    /// timer's switch to INCLUDE (§6.5), the older-host timers (§7.3.2).
    /// Returns the compatibility change, if any.
    pub(crate) fn expire(
        &mut self,
        now: Instant,
        group: A,
        events: &mut dyn FnMut(RouterEvent<A>),
    ) -> Option<(Compat, Compat)> {
        let before = self.compat();
        if self.v1_host.is_some_and(|t| t <= now) {
            self.v1_host = None;
        }
        if self.v2_host.is_some_and(|t| t <= now) {
            self.v2_host = None;
        }
        if self.mode == FilterMode::Exclude && self.timer.is_some_and(|t| t <= now) {
            // §6.5: EXCLUDE (X,Y) -> INCLUDE (X), the Exclude List deleted.
            self.mode = FilterMode::Include;
            self.timer = None;
            self.group_retx = 0;
            self.sources.retain(|s| {
                let x = s.timer.is_some_and(|t| t > now);
                if !x {
                    events(RouterEvent::SourceRemoved {
                        group,
                        source: s.addr,
                    });
                }
                x
            });
        }
        match self.mode {
            FilterMode::Include => self.sources.retain(|s| {
                let keep = s.timer.is_some_and(|t| t > now);
                if !keep {
                    events(RouterEvent::SourceRemoved {
                        group,
                        source: s.addr,
                    });
                }
                keep
            }),
            FilterMode::Exclude => {
                for s in &mut self.sources {
                    if s.timer.is_some_and(|t| t <= now) {
                        s.timer = None;
                        s.retx = 0;
                    }
                }
            }
        }
        let after = self.compat();
        (before != after).then_some((before, after))
    }

    /// Whether traffic from `source` is to be forwarded (§6.3's table).
    pub(crate) fn forwards(&self, source: &A) -> bool {
        match (self.mode, self.find(source)) {
            (FilterMode::Include, found) => found.is_ok(),
            (FilterMode::Exclude, Ok(i)) => self.sources[i].timer.is_some(),
            (FilterMode::Exclude, Err(_)) => true,
        }
    }

    /// A received query with S clear lowers timers (§6.6.1): the group
    /// timer for Q(G), the listed sources' timers for Q(G,A).
    pub(crate) fn lower_for_received(
        &mut self,
        lmqt: Instant,
        sources: impl Iterator<Item = A>,
        specific_sources: bool,
    ) {
        if !specific_sources {
            if self.mode == FilterMode::Exclude {
                self.timer = min_opt(self.timer, Some(lmqt));
            }
            return;
        }
        for a in sources {
            if let Ok(i) = self.find(&a) {
                let s = &mut self.sources[i];
                s.timer = s.timer.map(|t| t.min(lmqt));
            }
        }
    }
}
