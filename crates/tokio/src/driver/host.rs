//! [`HostDriver`]: a host engine ([`Host`]) on an interface.

use std::sync::{Arc, Mutex, MutexGuard};

use ipv4kit_gmp::{Config, Error, Event, FilterMode, Host, MessageKind, Requester, RxMeta};
use ipv4kit_net::Result;
use rand_core::Rng;
use tokio::sync::mpsc;

use super::events::{self, EventSink};
use super::{Clock, Events, GmpIo, GmpWire, Inbound, Pending};

/// A host's group memberships on one interface, running: a [`Host`] engine
/// whose timers run on `tokio::time`, whose reports go out through `Io`
/// ([`IgmpSocket`](super::IgmpSocket) for IGMP) and which hears the
/// queries `Io` receives. Membership calls go through a [`HostHandle`];
/// events come out of [`Events`].
///
/// ```no_run
/// use std::net::Ipv4Addr;
/// use ipv4kit_gmp::{Config, Igmp, Requester};
/// use ipv4kit_tokio::driver::{HostDriver, IgmpSocket};
/// use rand_core::SeedableRng;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let io = IgmpSocket::open(ipv4kit_net::interface_index("eth0")?)?;
/// # let rng = rand_xorshift::XorShiftRng::seed_from_u64(1);
/// let (mut driver, host, _events) = HostDriver::new(Config::<Igmp>::default(), rng, io);
/// tokio::spawn(async move { driver.run().await });
/// host.join(Requester(1), Ipv4Addr::new(239, 1, 2, 3))?; // a report goes out at once
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct HostDriver<P: GmpWire, R, Io> {
    shared: Arc<Shared<P, R>>,
    io: Io,
    pending: Pending<P::Addr>,
    kicks: mpsc::Receiver<()>,
    events: EventSink<Event>,
}

#[derive(Debug)]
struct Shared<P: GmpWire, R> {
    host: Mutex<Host<P, R>>,
    clock: Clock,
}

/// Membership calls on a running [`HostDriver`]'s engine (RFC 3376 §3.1's
/// service interface). Cheap to clone; each call takes effect at once
/// (a State-Change Report is queued, RFC 3376 §5.1) and wakes the driver
/// to send it. The driver's [`run`](HostDriver::run) ends when every
/// handle is gone.
///
/// The calls are synchronous (a short lock of the engine, never held
/// across an `await`): there is no future to cancel.
#[derive(Debug)]
pub struct HostHandle<P: GmpWire, R> {
    shared: Arc<Shared<P, R>>,
    kick: mpsc::Sender<()>,
}

impl<P: GmpWire, R> Clone for HostHandle<P, R> {
    fn clone(&self) -> Self {
        HostHandle {
            shared: self.shared.clone(),
            kick: self.kick.clone(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while the engine was locked leaves it as consistent as any
    // other call boundary: the engine's calls do not unwind midway on
    // their own input.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<P, R, Io> HostDriver<P, R, Io>
where
    P: GmpWire,
    R: Rng,
    Host<P, R>: Send,
    Io: GmpIo<P::Addr>,
{
    /// A driver for a new [`Host`] with `config` and report delays from
    /// `rng`, on `io`; its clock starts now. Returns the driver (run it
    /// with [`run`](Self::run)), a handle for the membership calls and the
    /// event stream.
    pub fn new(config: Config<P>, rng: R, io: Io) -> (Self, HostHandle<P, R>, Events<Event>) {
        let (kick, kicks) = mpsc::channel(1);
        let (sink, events) = events::channel();
        let shared = Arc::new(Shared {
            host: Mutex::new(Host::new(config, rng)),
            clock: Clock::new(),
        });
        let driver = HostDriver {
            shared: shared.clone(),
            io,
            pending: Pending::new(),
            kicks,
            events: sink,
        };
        (driver, HostHandle { shared, kick }, events)
    }

    /// The I/O, for its options.
    pub fn io(&self) -> &Io {
        &self.io
    }

    /// Runs the engine: sends what it queued, feeds it every message `Io`
    /// receives, runs its timers when they are due, passes its events on.
    /// Returns `Ok(())` once every [`HostHandle`] is dropped, or the first
    /// I/O error (the engine keeps its state: call `run` again to go on).
    ///
    /// **Cancellation**: safe, and `run` resumes where it stopped. Dropped
    /// while it waits, it has lost nothing (receives are cancellation
    /// safe, timers live in the engine); dropped while a message is being
    /// sent, the message stays in the driver and the next `run` sends it
    /// first.
    pub async fn run(&mut self) -> Result<()> {
        let HostDriver {
            shared,
            io,
            pending,
            kicks,
            events,
        } = self;
        let clock = shared.clock;
        loop {
            pending.flush(io).await?;
            let deadline = {
                let mut host = lock(&shared.host);
                while let Some(e) = host.poll_event() {
                    events.send(e);
                }
                if let Some(Ok(t)) = host.poll_transmit(&mut pending.buf) {
                    pending.msg = Some((t.destination, t.kind == MessageKind::Report, t.len));
                    continue;
                }
                host.poll_timeout()
            };
            let sleep = async {
                match deadline {
                    Some(t) => tokio::time::sleep_until(clock.to_tokio(t)).await,
                    None => std::future::pending().await,
                }
            };
            let mut deliver = |m: Inbound<'_, P::Addr>| {
                let Some(msg) = P::parse(m.message) else {
                    return;
                };
                let meta = RxMeta {
                    destination: m.destination,
                    router_alert: m.router_alert,
                };
                lock(&shared.host).handle_message(clock.now(), &msg, meta);
            };
            tokio::select! {
                biased;
                k = kicks.recv() => {
                    if k.is_none() {
                        return Ok(());
                    }
                }
                () = sleep => {
                    let now = clock.now().max(deadline.unwrap_or_default());
                    lock(&shared.host).handle_timeout(now);
                }
                r = io.recv(&mut deliver) => r?,
            }
        }
    }
}

impl<P: GmpWire, R: Rng> HostHandle<P, R> {
    fn call<T>(&self, f: impl FnOnce(&mut Host<P, R>, ipv4kit_gmp::Instant) -> T) -> T {
        let r = f(&mut lock(&self.shared.host), self.shared.clock.now());
        // A full channel already holds a wake-up; a closed one means the
        // driver is gone and nothing will be sent anyway.
        let _ = self.kick.try_send(());
        r
    }

    /// Any-source join ([`Host::join`]).
    pub fn join(&self, requester: Requester, group: P::Addr) -> std::result::Result<(), Error> {
        self.call(|h, now| h.join(now, requester, group))
    }

    /// Leave ([`Host::leave`]).
    pub fn leave(&self, requester: Requester, group: P::Addr) -> std::result::Result<(), Error> {
        self.call(|h, now| h.leave(now, requester, group))
    }

    /// Source-specific join ([`Host::join_source`]).
    pub fn join_source(
        &self,
        requester: Requester,
        group: P::Addr,
        source: P::Addr,
    ) -> std::result::Result<(), Error> {
        self.call(|h, now| h.join_source(now, requester, group, source))
    }

    /// Source-specific leave ([`Host::leave_source`]).
    pub fn leave_source(
        &self,
        requester: Requester,
        group: P::Addr,
        source: P::Addr,
    ) -> std::result::Result<(), Error> {
        self.call(|h, now| h.leave_source(now, requester, group, source))
    }

    /// Block a source ([`Host::block`]).
    pub fn block(
        &self,
        requester: Requester,
        group: P::Addr,
        source: P::Addr,
    ) -> std::result::Result<(), Error> {
        self.call(|h, now| h.block(now, requester, group, source))
    }

    /// Unblock a source ([`Host::unblock`]).
    pub fn unblock(
        &self,
        requester: Requester,
        group: P::Addr,
        source: P::Addr,
    ) -> std::result::Result<(), Error> {
        self.call(|h, now| h.unblock(now, requester, group, source))
    }

    /// Full-state filter ([`Host::set_filter`]; `INCLUDE {}` deletes it).
    pub fn set_filter(
        &self,
        requester: Requester,
        group: P::Addr,
        mode: FilterMode,
        sources: &[P::Addr],
    ) -> std::result::Result<(), Error> {
        self.call(|h, now| h.set_filter(now, requester, group, mode, sources))
    }

    /// Drops every filter of `requester` ([`Host::leave_all`]).
    pub fn leave_all(&self, requester: Requester) {
        self.call(|h, now| h.leave_all(now, requester))
    }

    /// Reads the engine (its interface state, compatibility mode...) under
    /// its lock; keep `f` short, the driver waits meanwhile.
    pub fn with<T>(&self, f: impl FnOnce(&Host<P, R>) -> T) -> T {
        f(&lock(&self.shared.host))
    }

    /// The driver's clock.
    pub fn clock(&self) -> Clock {
        self.shared.clock
    }
}
