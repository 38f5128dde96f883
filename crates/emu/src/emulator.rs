//! The sans-IO core: N host engines, one timer heap for all of them, and
//! the dispatch of received queries.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

use ipv4kit_gmp::{
    BufferTooShort, Config, Error, FilterMode, Host, Instant, MessageKind, Received, RxMeta,
};
use rand_core::SeedableRng;
use rand_xorshift::XorShiftRng;

use crate::family::Family;

/// One host engine as the emulator runs it.
pub type EmuHost<F> = Host<F, XorShiftRng>;

/// No deadline.
const NONE: u64 = u64::MAX;

/// Settings of an [`Emulator`].
#[derive(Clone, Copy, Debug)]
pub struct EmuConfig<F: Family> {
    /// Number of hosts.
    pub hosts: u32,
    /// The first host's source address; host `i` (0-based) has the address
    /// `i` places after it.
    pub first_address: F::Addr,
    /// Every host's engine settings.
    pub host: Config<F>,
    /// Seed of the hosts' random report delays (host `i` gets `seed + i`).
    pub seed: u64,
}

/// Why an [`Emulator`] cannot be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmuError {
    /// No hosts asked for.
    NoHosts,
    /// The first address is not a unicast host address.
    BadFirstAddress,
    /// Fewer addresses are left after the first address than hosts asked for.
    TooManyHosts {
        /// Hosts asked for.
        hosts: u32,
        /// Usable addresses from the first one on.
        available: u64,
    },
}

impl core::fmt::Display for EmuError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            EmuError::NoHosts => f.write_str("at least one host is needed"),
            EmuError::BadFirstAddress => f.write_str("the first address is not a unicast host address"),
            EmuError::TooManyHosts { hosts, available } => write!(
                f,
                "{hosts} hosts need {hosts} consecutive addresses, only {available} are left from the first address on"
            ),
        }
    }
}

impl std::error::Error for EmuError {}

/// One membership call on one host's socket: the RFC 3678 delta API
/// (RFC 3376 §3.1), each variant exactly one `setsockopt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostOp<A> {
    /// `IP_ADD_MEMBERSHIP`: EXCLUDE {} (any source).
    Join(A),
    /// `IP_DROP_MEMBERSHIP`: drops the socket's filter for the group.
    Leave(A),
    /// `IP_ADD_SOURCE_MEMBERSHIP` (group, source).
    JoinSource(A, A),
    /// `IP_DROP_SOURCE_MEMBERSHIP` (group, source).
    LeaveSource(A, A),
    /// `IP_BLOCK_SOURCE` (group, source).
    Block(A, A),
    /// `IP_UNBLOCK_SOURCE` (group, source).
    Unblock(A, A),
}

impl<A: Copy> HostOp<A> {
    /// The group the call is about.
    pub fn group(&self) -> A {
        match *self {
            HostOp::Join(g) | HostOp::Leave(g) => g,
            HostOp::JoinSource(g, _)
            | HostOp::LeaveSource(g, _)
            | HostOp::Block(g, _)
            | HostOp::Unblock(g, _) => g,
        }
    }
}

/// Applies `op` to one engine with the emulator's single requester (one
/// socket per host).
pub fn apply_op<F: Family, R: rand_core::Rng>(
    host: &mut Host<F, R>,
    now: Instant,
    op: HostOp<F::Addr>,
) -> Result<(), Error> {
    let r = crate::REQUESTER;
    match op {
        HostOp::Join(g) => host.join(now, r, g),
        HostOp::Leave(g) => host.leave(now, r, g),
        HostOp::JoinSource(g, s) => host.join_source(now, r, g, s),
        HostOp::LeaveSource(g, s) => host.leave_source(now, r, g, s),
        HostOp::Block(g, s) => host.block(now, r, g, s),
        HostOp::Unblock(g, s) => host.unblock(now, r, g, s),
    }
}

/// Counters of an [`Emulator`] since it was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Hosts that hold at least one group now.
    pub hosts_joined: u32,
    /// Membership calls made.
    pub calls: u64,
    /// Membership calls the engine refused.
    pub calls_refused: u64,
    /// IGMPv3 (MLDv2) reports handed out.
    pub reports: u64,
    /// IGMPv1/v2 (MLDv1) reports handed out.
    pub reports_old: u64,
    /// IGMPv2 leaves (MLDv1 dones) handed out.
    pub leaves: u64,
    /// Queries received.
    pub queries: u64,
    /// Queries delivered to a host (a General Query counts once per host).
    pub queries_delivered: u64,
}

/// A datagram [`Emulator::poll_transmit`] wrote: an IP header and the
/// host's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Datagram<A> {
    /// Which host (0-based).
    pub host: u32,
    /// Its source address.
    pub source: A,
    /// IP destination.
    pub destination: A,
    /// What the message is.
    pub kind: MessageKind,
    /// Octets written: header and message.
    pub len: usize,
}

/// N emulated hosts, each a host engine with its own address, state and
/// random delays, and one timer heap for all of them.
///
/// Sans-IO like the engine: the caller owns the clock, applies calls
/// ([`apply`](Self::apply)), feeds received queries
/// ([`handle_message`](Self::handle_message)), runs the timers when
/// [`poll_timeout`](Self::poll_timeout) says ([`handle_timeout`](Self::handle_timeout))
/// and sends what [`poll_transmit`](Self::poll_transmit) writes: whole IP
/// datagrams from each host's own address.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ipv4kit_emu::{EmuConfig, Emulator, HostOp};
/// use ipv4kit_gmp::{Config, Igmp, Instant};
///
/// let mut emu = Emulator::<Igmp>::new(EmuConfig {
///     hosts: 3,
///     first_address: Ipv4Addr::new(198, 18, 0, 10),
///     host: Config::default(),
///     seed: 1,
/// })
/// .unwrap();
/// let g = Ipv4Addr::new(239, 1, 1, 1);
/// for h in 0..3 {
///     emu.apply(Instant::ZERO, h, HostOp::Join(g)).unwrap();
/// }
/// let mut buf = [0u8; 1500];
/// let mut sources = Vec::new();
/// while let Some(d) = emu.poll_transmit(&mut buf) {
///     sources.push(d.unwrap().source);
/// }
/// assert_eq!(sources.len(), 3); // one State-Change Report per host, now
/// assert_eq!(sources[2], Ipv4Addr::new(198, 18, 0, 12));
/// assert_eq!(emu.stats().hosts_joined, 3);
/// ```
#[derive(Debug)]
pub struct Emulator<F: Family> {
    hosts: Vec<EmuHost<F>>,
    first: F::Addr,
    /// The deadline each host has in the heap (`NONE`: none); heap entries
    /// that disagree are stale and skipped (lazy invalidation).
    due: Vec<u64>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
    /// Hosts holding each group (for group-specific queries).
    members: HashMap<F::Addr, BTreeSet<u32>>,
    /// Hosts that may have output queued, in order, and a bit per host.
    ready: std::collections::VecDeque<u32>,
    ready_bits: Vec<u64>,
    stats: Stats,
}

impl<F: Family> Emulator<F> {
    /// `config.hosts` hosts with no groups. Refuses more hosts than there
    /// are addresses from `config.first_address` on.
    pub fn new(config: EmuConfig<F>) -> Result<Self, EmuError> {
        if config.hosts == 0 {
            return Err(EmuError::NoHosts);
        }
        if !F::is_host_address(&config.first_address) {
            return Err(EmuError::BadFirstAddress);
        }
        if F::nth_address(config.first_address, config.hosts - 1).is_none() {
            // Count what is there (binary search: addresses are contiguous).
            let (mut lo, mut hi) = (0u32, config.hosts - 1);
            while lo + 1 < hi {
                let mid = lo + (hi - lo) / 2;
                if F::nth_address(config.first_address, mid).is_some() {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            return Err(EmuError::TooManyHosts {
                hosts: config.hosts,
                available: u64::from(lo) + 1,
            });
        }
        let n = config.hosts as usize;
        let mut hosts = Vec::with_capacity(n);
        for i in 0..config.hosts {
            let rng = XorShiftRng::seed_from_u64(config.seed.wrapping_add(u64::from(i)));
            let mut host = Host::new(config.host, rng);
            let source = F::nth_address(config.first_address, i).expect("checked above");
            F::init_host(&mut host, source);
            hosts.push(host);
        }
        Ok(Emulator {
            hosts,
            first: config.first_address,
            due: vec![NONE; n],
            heap: BinaryHeap::new(),
            members: HashMap::new(),
            ready: std::collections::VecDeque::new(),
            ready_bits: vec![0; n.div_ceil(64)],
            stats: Stats::default(),
        })
    }

    /// Number of hosts.
    pub fn len(&self) -> u32 {
        self.hosts.len() as u32
    }

    /// Always false: an emulator has at least one host.
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// Host `i`'s source address.
    pub fn address(&self, i: u32) -> F::Addr {
        F::nth_address(self.first, i).expect("checked in new")
    }

    /// Host `i`'s engine (its groups, interface state, compatibility mode).
    pub fn host(&self, i: u32) -> &EmuHost<F> {
        &self.hosts[i as usize]
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Hosts holding `group` now.
    pub fn members(&self, group: F::Addr) -> usize {
        self.members.get(&group).map_or(0, BTreeSet::len)
    }

    /// Timer entries held (live and stale), for tests and memory figures.
    pub fn timer_entries(&self) -> usize {
        self.heap.len()
    }

    /// Makes one membership call on host `i` (0-based). What it sends is
    /// queued for [`poll_transmit`](Self::poll_transmit).
    ///
    /// # Panics
    /// If `i` is not below [`len`](Self::len).
    pub fn apply(&mut self, now: Instant, i: u32, op: HostOp<F::Addr>) -> Result<(), Error> {
        self.change(i, op.group(), |h| apply_op(h, now, op))
    }

    /// Runs a membership call on host `i` about `g` and keeps the counters,
    /// the group index and the timers up to date.
    fn change(
        &mut self,
        i: u32,
        g: F::Addr,
        call: impl FnOnce(&mut EmuHost<F>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let h = &mut self.hosts[i as usize];
        let had = h.groups().next().is_some();
        self.stats.calls += 1;
        let r = call(h);
        if r.is_err() {
            self.stats.calls_refused += 1;
        }
        let has_group = h.interface_state(g).is_some();
        let has = h.groups().next().is_some();
        match (had, has) {
            (false, true) => self.stats.hosts_joined += 1,
            (true, false) => self.stats.hosts_joined -= 1,
            _ => {}
        }
        if has_group {
            self.members.entry(g).or_default().insert(i);
        } else if let Some(set) = self.members.get_mut(&g) {
            set.remove(&i);
            if set.is_empty() {
                self.members.remove(&g);
            }
        }
        self.touch(i);
        r
    }

    /// A full-state call on host `i` (RFC 3678 `setsourcefilter`, RFC 3376
    /// §3.1 `IPMulticastListen`): its socket's filter for `group` becomes
    /// `mode` `sources` (`INCLUDE {}` drops it).
    pub fn set_filter(
        &mut self,
        now: Instant,
        i: u32,
        group: F::Addr,
        mode: FilterMode,
        sources: &[F::Addr],
    ) -> Result<(), Error> {
        self.change(i, group, |h| {
            h.set_filter(now, crate::REQUESTER, group, mode, sources)
        })
    }

    /// A received message, handed to the hosts it concerns: a General Query
    /// to every host, a group-specific query (or another host's v1/v2
    /// report, RFC 2236 §3 suppression) to the hosts holding the group.
    /// Each host answers with its own random delay (RFC 3376 §5.2).
    /// Returns how many hosts got it.
    pub fn handle_message(
        &mut self,
        now: Instant,
        msg: &F::Message<'_>,
        meta: RxMeta<F::Addr>,
    ) -> usize {
        let (group, query) = match F::classify(msg) {
            Received::Query(q) => (q.group, true),
            Received::OldReport { group } => (Some(group), false),
            Received::Other => return 0,
        };
        if query {
            self.stats.queries += 1;
        }
        let n = match group {
            None => {
                for i in 0..self.len() {
                    self.hosts[i as usize].handle_message(now, msg, meta);
                    self.touch(i);
                }
                self.hosts.len()
            }
            Some(g) => {
                let Some(set) = self.members.get(&g) else {
                    return 0;
                };
                let list: Vec<u32> = set.iter().copied().collect();
                for &i in &list {
                    self.hosts[i as usize].handle_message(now, msg, meta);
                    self.touch(i);
                }
                list.len()
            }
        };
        if query {
            self.stats.queries_delivered += n as u64;
        }
        n
    }

    /// When the next host timer runs out; `None` when no host has one.
    /// (Stale heap entries are dropped here.)
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        while let Some(&Reverse((t, i))) = self.heap.peek() {
            if self.due[i as usize] == t {
                return Some(Instant::from_nanos(t));
            }
            self.heap.pop();
        }
        None
    }

    /// Runs every host whose timer ran out by `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let limit = now.as_nanos();
        while let Some(&Reverse((t, i))) = self.heap.peek() {
            if t > limit {
                break;
            }
            self.heap.pop();
            if self.due[i as usize] != t {
                continue;
            }
            self.due[i as usize] = NONE;
            self.hosts[i as usize].handle_timeout(now);
            self.touch(i);
        }
    }

    /// Writes the next queued datagram (IP header from the host's address,
    /// then the message) into `buf`; `None` when no host has output.
    pub fn poll_transmit(
        &mut self,
        buf: &mut [u8],
    ) -> Option<Result<Datagram<F::Addr>, BufferTooShort>> {
        if buf.len() < F::HEADER_LEN {
            return Some(Err(BufferTooShort {
                needed: F::HEADER_LEN,
            }));
        }
        let (hdr, body) = buf.split_at_mut(F::HEADER_LEN);
        while let Some(&i) = self.ready.front() {
            match self.hosts[i as usize].poll_transmit(body) {
                None => {
                    self.ready.pop_front();
                    self.ready_bits[i as usize / 64] &= !(1 << (i % 64));
                }
                Some(Err(e)) => {
                    return Some(Err(BufferTooShort {
                        needed: e.needed + F::HEADER_LEN,
                    }))
                }
                Some(Ok(t)) => {
                    let source = self.address(i);
                    F::emit_header(source, &t, hdr);
                    match t.kind {
                        MessageKind::Report => self.stats.reports += 1,
                        MessageKind::Leave => self.stats.leaves += 1,
                        _ => self.stats.reports_old += 1,
                    }
                    return Some(Ok(Datagram {
                        host: i,
                        source,
                        destination: t.destination,
                        kind: t.kind,
                        len: F::HEADER_LEN + t.len,
                    }));
                }
            }
        }
        None
    }

    /// After host `i` ran: its deadline into the heap (if it changed), and
    /// it onto the list of hosts that may have output.
    fn touch(&mut self, i: u32) {
        let t = self.hosts[i as usize]
            .poll_timeout()
            .map_or(NONE, Instant::as_nanos);
        let due = &mut self.due[i as usize];
        if t != *due {
            *due = t;
            if t != NONE {
                self.heap.push(Reverse((t, i)));
            }
        }
        let bit = 1u64 << (i % 64);
        let word = &mut self.ready_bits[i as usize / 64];
        if *word & bit == 0 {
            *word |= bit;
            self.ready.push_back(i);
        }
        // Stale entries pile up when deadlines move; past twice the hosts,
        // rebuild the heap from the live deadlines.
        if self.heap.len() > 2 * self.hosts.len() + 1024 {
            self.heap = self
                .due
                .iter()
                .enumerate()
                .filter(|(_, &t)| t != NONE)
                .map(|(i, &t)| Reverse((t, i as u32)))
                .collect();
        }
    }
}
