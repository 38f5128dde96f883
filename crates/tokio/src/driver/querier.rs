//! [`QuerierDriver`]: a router engine ([`Router`]) on an interface.

use std::sync::{Arc, Mutex, MutexGuard};

use ipv4kit_gmp::{
    Compat, Counters, MembershipTable, Router, RouterConfig, RouterEvent, RouterProtocol,
    RouterRxMeta,
};
use ipv4kit_net::Result;
use tokio::sync::mpsc;

use super::events::{self, EventSink};
use super::{Clock, Events, GmpIo, Inbound, Pending};

/// A querier (or, with [`RouterConfig::passive`], a silent listener) on one
/// interface, running: a [`Router`] engine whose timers run on
/// `tokio::time`, whose queries go out through `Io` and which hears every
/// report `Io` receives ([`IgmpTapIo`](super::IgmpTapIo) for IGMP). Its
/// table and counters are read through a [`QuerierHandle`]; what changes
/// (groups added and expired, sources, the querier) comes out of
/// [`Events`].
///
/// ```no_run
/// use ipv4kit_gmp::{Igmp, RouterConfig};
/// use ipv4kit_tokio::driver::{IgmpTapIo, QuerierDriver};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let me = "198.18.0.1".parse()?;
/// let io = IgmpTapIo::open("eth0", me)?;
/// let (mut driver, querier, mut events) = QuerierDriver::new(RouterConfig::<Igmp>::new(me), io);
/// tokio::spawn(async move { driver.run().await });
/// while let Some(e) = events.recv().await {
///     println!("{e:?}; {} groups", querier.table().groups.len());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct QuerierDriver<P: RouterProtocol, Io> {
    shared: Arc<Shared<P>>,
    io: Io,
    pending: Pending<P::Addr>,
    kicks: mpsc::Receiver<()>,
    events: EventSink<RouterEvent<P::Addr>>,
}

#[derive(Debug)]
struct Shared<P: RouterProtocol> {
    router: Mutex<Router<P>>,
    clock: Clock,
}

/// Reads a running [`QuerierDriver`]'s engine: its RFC 8652 table, its
/// counters, whether it is the Querier. Cheap to clone; the driver's
/// [`run`](QuerierDriver::run) ends when every handle is gone.
///
/// The calls are synchronous (a short lock of the engine, never held
/// across an `await`): there is no future to cancel.
#[derive(Debug)]
pub struct QuerierHandle<P: RouterProtocol> {
    shared: Arc<Shared<P>>,
    // Never sent on: its closing (every handle dropped) ends `run`.
    _alive: mpsc::Sender<()>,
}

impl<P: RouterProtocol> Clone for QuerierHandle<P> {
    fn clone(&self) -> Self {
        QuerierHandle {
            shared: self.shared.clone(),
            _alive: self._alive.clone(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<P, Io> QuerierDriver<P, Io>
where
    P: RouterProtocol,
    Router<P>: Send,
    Io: GmpIo<P::Addr>,
{
    /// A driver for a new [`Router`] with `config`, on `io`; its clock (and
    /// the engine) start now, the first General Query due at once (RFC 3376
    /// §6.6.2). Returns the driver (run it with [`run`](Self::run)), a
    /// handle and the event stream.
    pub fn new(
        config: RouterConfig<P>,
        io: Io,
    ) -> (Self, QuerierHandle<P>, Events<RouterEvent<P::Addr>>) {
        let (alive, kicks) = mpsc::channel(1);
        let (sink, events) = events::channel();
        let clock = Clock::new();
        let shared = Arc::new(Shared {
            router: Mutex::new(Router::new(config, clock.now())),
            clock,
        });
        let driver = QuerierDriver {
            shared: shared.clone(),
            io,
            pending: Pending::new(),
            kicks,
            events: sink,
        };
        let handle = QuerierHandle {
            shared,
            _alive: alive,
        };
        (driver, handle, events)
    }

    /// The I/O, for its options.
    pub fn io(&mut self) -> &mut Io {
        &mut self.io
    }

    /// Runs the engine: sends its queries, feeds it every message `Io`
    /// receives, runs its timers when they are due, passes its events on.
    /// Returns `Ok(())` once every [`QuerierHandle`] is dropped, or the
    /// first I/O error (the engine keeps its state: call `run` again to go
    /// on).
    ///
    /// **Cancellation**: safe, and `run` resumes where it stopped. Dropped
    /// while it waits, it has lost nothing (receives are cancellation
    /// safe, timers live in the engine); dropped while a query is being
    /// sent, the query stays in the driver and the next `run` sends it
    /// first.
    pub async fn run(&mut self) -> Result<()> {
        let QuerierDriver {
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
                let mut router = lock(&shared.router);
                while let Some(e) = router.poll_event() {
                    events.send(e);
                }
                if let Some(Ok(t)) = router.poll_transmit(&mut pending.buf) {
                    pending.msg = Some((t.destination, t.version == Compat::V3, t.len));
                    continue;
                }
                router.poll_timeout()
            };
            let sleep = async {
                match deadline {
                    Some(t) => tokio::time::sleep_until(clock.to_tokio(t)).await,
                    None => std::future::pending().await,
                }
            };
            let mut deliver = |m: Inbound<'_, P::Addr>| {
                let meta = RouterRxMeta {
                    source: m.source,
                    destination: m.destination,
                    ttl: m.ttl,
                    router_alert: m.router_alert,
                };
                lock(&shared.router).handle_bytes(clock.now(), m.message, meta);
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
                    lock(&shared.router).handle_timeout(now);
                }
                r = io.recv(&mut deliver) => r?,
            }
        }
    }
}

impl<P: RouterProtocol> QuerierHandle<P> {
    /// The membership table with the data of RFC 8652, as of now
    /// ([`Router::table`]).
    pub fn table(&self) -> MembershipTable<P::Addr> {
        lock(&self.shared.router).table(self.shared.clock.now())
    }

    /// What was refused or ignored, by reason ([`Router::counters`]).
    pub fn counters(&self) -> Counters {
        *lock(&self.shared.router).counters()
    }

    /// Whether this router is the Querier (RFC 3376 §6.6.2).
    pub fn is_querier(&self) -> bool {
        lock(&self.shared.router).is_querier()
    }

    /// Reads the engine (a group's state, its timers...) under its lock;
    /// keep `f` short, the driver waits meanwhile.
    pub fn with<T>(&self, f: impl FnOnce(&Router<P>) -> T) -> T {
        f(&lock(&self.shared.router))
    }

    /// The driver's clock.
    pub fn clock(&self) -> Clock {
        self.shared.clock
    }
}
