//! The caller's clock: an [`Instant`] is a point on it, in nanoseconds since
//! an epoch the caller chooses (boot, the first packet of a capture, 0 in a
//! simulation). The engine never reads a clock itself.

use core::fmt;
use core::num::NonZeroU64;
use core::ops::Add;
use core::time::Duration;

/// A point in time on the caller's clock, nanoseconds since its epoch.
///
/// ```
/// use core::time::Duration;
/// use ipv4kit_gmp::Instant;
///
/// let t = Instant::from_millis(1500);
/// assert_eq!(t + Duration::from_millis(500), Instant::from_secs(2));
/// assert_eq!(Instant::from_secs(2).saturating_duration_since(t), Duration::from_millis(500));
/// ```
///
/// The clock ends at [`Instant::MAX`], `u64::MAX - 1` nanoseconds (about
/// 584 years): later instants saturate to it. `Option<Instant>` is as
/// small as an `Instant` (8 octets): the engines keep several per group
/// and per source.
///
/// ```
/// use ipv4kit_gmp::Instant;
///
/// assert_eq!(core::mem::size_of::<Option<Instant>>(), 8);
/// assert_eq!(Instant::from_nanos(u64::MAX), Instant::MAX);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(
    /// Nanoseconds since the epoch, plus one: never zero, which leaves the
    /// zero for `None` in an `Option<Instant>`.
    NonZeroU64,
);

impl Instant {
    /// The epoch.
    pub const ZERO: Instant = Instant::from_nanos(0);

    /// The end of the clock, `u64::MAX - 1` nanoseconds after the epoch.
    pub const MAX: Instant = Instant(NonZeroU64::MAX);

    /// `nanos` nanoseconds after the epoch (at most [`Instant::MAX`]).
    #[inline]
    pub const fn from_nanos(nanos: u64) -> Self {
        match NonZeroU64::new(nanos.saturating_add(1)) {
            Some(n) => Instant(n),
            // `saturating_add(1)` is never zero.
            None => Instant::MAX,
        }
    }

    /// `ms` milliseconds after the epoch.
    #[inline]
    pub const fn from_millis(ms: u64) -> Self {
        Instant::from_nanos(ms.saturating_mul(1_000_000))
    }

    /// `s` seconds after the epoch.
    #[inline]
    pub const fn from_secs(s: u64) -> Self {
        Instant::from_nanos(s.saturating_mul(1_000_000_000))
    }

    /// Nanoseconds since the epoch.
    #[inline]
    pub const fn as_nanos(self) -> u64 {
        self.0.get() - 1
    }

    /// Time since the epoch.
    #[inline]
    pub const fn since_epoch(self) -> Duration {
        Duration::from_nanos(self.as_nanos())
    }

    /// `self - earlier`, or zero when `earlier` is later.
    #[inline]
    pub const fn saturating_duration_since(self, earlier: Instant) -> Duration {
        // The same offset on both sides: the difference is the nanoseconds'.
        Duration::from_nanos(self.0.get().saturating_sub(earlier.0.get()))
    }
}

impl Default for Instant {
    /// The epoch.
    fn default() -> Self {
        Instant::ZERO
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Instant").field(&self.as_nanos()).finish()
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    /// Saturates at the end of the clock ([`Instant::MAX`]).
    #[inline]
    fn add(self, d: Duration) -> Instant {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Instant::from_nanos(self.as_nanos().saturating_add(nanos))
    }
}
