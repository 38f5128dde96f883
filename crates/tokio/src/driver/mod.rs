//! Drivers: the `ipv4kit-gmp` engines run on sockets, in a task.
//!
//! The engines are sans-IO ([`Host`](ipv4kit_gmp::Host) for a host's group
//! memberships, [`Router`](ipv4kit_gmp::Router) for a querier): they hold
//! the protocol state and say when they next need to run, what to send and
//! what changed. A driver does the rest:
//!
//! - its **timer** is the engine's [`poll_timeout`](ipv4kit_gmp::Router::poll_timeout)
//!   on `tokio::time`: engine time is a [`Clock`] (nanoseconds since the
//!   driver was made, on tokio's clock, so a paused test runtime pauses it too);
//! - **transmits** go out through a [`GmpIo`] (for IGMP: an IPv4 header
//!   with TTL 1, Router Alert and, for IGMPv3, ToS 0xc0, on a raw socket
//!   with `IP_HDRINCL`: [`IgmpSocket`]);
//! - **received messages** come from the same [`GmpIo`]: a raw IGMP socket
//!   ([`IgmpSocket`], what a host needs), or the tap, which sees every
//!   report on the link without a membership ([`IgmpTapIo`], what a
//!   querier needs);
//! - **events** come out of an [`Events`] stream;
//! - **calls** (a host's joins and leaves; a querier's table) go through a
//!   handle ([`HostHandle`], [`QuerierHandle`]) that any task may hold.
//!
//! Each driver is generic over the engine's protocol: IGMP today
//! ([`Igmp`](ipv4kit_gmp::Igmp)); MLD needs a [`GmpIo`] over IPv6 (the hop
//! limit and the hop-by-hop Router Alert) and, for the host, a
//! [`GmpWire`] impl.
//!
//! # Why a `Stream` over a bounded channel for events
//!
//! A driver must never wait for its listener: a querier that stalled on a
//! slow consumer would miss its query deadlines and a host its report
//! deadlines. So the driver hands events to a bounded `tokio::sync::mpsc`
//! channel with `try_send` and, when it is full, drops the event and
//! counts it ([`Events::dropped`]); the state itself stays in the engine,
//! where a handle reads it whole (a querier's membership table). The
//! receiving end implements [`Stream`](futures_core::Stream), so it
//! composes with any stream combinator, and has a plain
//! [`recv`](Events::recv) for `while let` loops and `select!`.

mod events;
mod host;
mod igmp;
mod querier;

use std::future::Future;

use ipv4kit_gmp::Protocol;
use ipv4kit_net::Result;

pub use events::Events;
pub use host::{HostDriver, HostHandle};
pub use igmp::{IgmpSocket, IgmpTapIo};
pub use querier::{QuerierDriver, QuerierHandle};

/// Events a driver keeps for its [`Events`] stream before it drops new ones.
pub const EVENT_CAPACITY: usize = 256;

/// Engine time on tokio's clock: [`ipv4kit_gmp::Instant`]s count
/// nanoseconds from a base `tokio::time::Instant` (when the driver was
/// made).
///
/// ```
/// use std::time::Duration;
/// use ipv4kit_tokio::driver::Clock;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let clock = Clock::new();
/// let t = clock.now() + Duration::from_secs(1);
/// assert_eq!(clock.to_tokio(t) - clock.base(), t.since_epoch());
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    base: tokio::time::Instant,
}

impl Clock {
    /// A clock whose epoch is now.
    pub fn new() -> Clock {
        Clock::starting_at(tokio::time::Instant::now())
    }

    /// A clock whose epoch is `base`.
    pub fn starting_at(base: tokio::time::Instant) -> Clock {
        Clock { base }
    }

    /// The epoch, on tokio's clock.
    pub fn base(&self) -> tokio::time::Instant {
        self.base
    }

    /// Now, as engine time.
    pub fn now(&self) -> ipv4kit_gmp::Instant {
        self.from_tokio(tokio::time::Instant::now())
    }

    /// Engine time of a tokio instant (the epoch for earlier ones).
    pub fn from_tokio(&self, t: tokio::time::Instant) -> ipv4kit_gmp::Instant {
        let nanos = t.saturating_duration_since(self.base).as_nanos();
        ipv4kit_gmp::Instant::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// The tokio instant of an engine time (saturating far in the future).
    pub fn to_tokio(&self, t: ipv4kit_gmp::Instant) -> tokio::time::Instant {
        self.base
            .checked_add(t.since_epoch())
            .unwrap_or_else(|| self.base + std::time::Duration::from_secs(86_400 * 365 * 30))
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

/// One received group-management message and what its IP header said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inbound<'a, A> {
    /// IP source address.
    pub source: A,
    /// IP destination address.
    pub destination: A,
    /// TTL (IPv4) or hop limit (IPv6).
    pub ttl: u8,
    /// Whether the IP header carried Router Alert (RFC 2113, RFC 2711).
    pub router_alert: bool,
    /// The message (IGMP or MLD), without the IP header.
    pub message: &'a [u8],
}

/// One message an engine asks to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outbound<'a, A> {
    /// IP destination address.
    pub destination: A,
    /// An IGMPv3 / MLDv2 message (IGMPv3 goes with ToS 0xc0, RFC 3376 §4).
    pub v3: bool,
    /// The message, without the IP header.
    pub message: &'a [u8],
}

/// How a driver's messages reach the link and come back: the IP layer of
/// one protocol on one interface. Implemented for IGMP by [`IgmpSocket`]
/// and [`IgmpTapIo`].
pub trait GmpIo<A>: Send {
    /// Waits until messages have arrived, then passes each to `deliver`
    /// (IP header checked, messages this host sent itself skipped).
    ///
    /// Must be **cancellation safe**: dropped before it completes, it has
    /// taken nothing from the kernel that `deliver` did not get. Drivers
    /// rely on it (they wait for it in a `select!`).
    fn recv(
        &mut self,
        deliver: &mut (dyn FnMut(Inbound<'_, A>) + Send),
    ) -> impl Future<Output = Result<()>> + Send;

    /// Sends `out` with the IP header its protocol prescribes.
    ///
    /// Dropped before it completes, it must have sent nothing (drivers keep
    /// the message and send it on their next run).
    fn send(&mut self, out: Outbound<'_, A>) -> impl Future<Output = Result<()>> + Send;
}

/// What a host driver needs of a protocol beyond [`Protocol`]: reading a
/// received message into the engine's view.
pub trait GmpWire: Protocol {
    /// Parses (and checksums) a received message; `None` when it is
    /// malformed.
    fn parse(bytes: &[u8]) -> Option<Self::Message<'_>>;
}

impl GmpWire for ipv4kit_gmp::Igmp {
    fn parse(bytes: &[u8]) -> Option<Self::Message<'_>> {
        ipv4kit_net::wire::igmp::IgmpMessage::parse(bytes).ok()
    }
}

/// A message taken from an engine and not sent yet: kept in the driver so
/// that a `run` dropped while sending it sends it on the next `run`.
#[derive(Debug)]
pub(crate) struct Pending<A> {
    pub(crate) buf: Box<[u8]>,
    pub(crate) msg: Option<(A, bool, usize)>,
}

impl<A: Copy> Pending<A> {
    pub(crate) fn new() -> Self {
        Pending {
            buf: vec![0u8; 65_535].into_boxed_slice(),
            msg: None,
        }
    }

    /// Sends the held message, if any, then clears it (also when the send
    /// failed: a message the kernel refused is not retried forever).
    pub(crate) async fn flush<Io: GmpIo<A>>(&mut self, io: &mut Io) -> Result<()> {
        let Some((destination, v3, len)) = self.msg else {
            return Ok(());
        };
        let r = io
            .send(Outbound {
                destination,
                v3,
                message: &self.buf[..len],
            })
            .await;
        self.msg = None;
        r
    }
}
