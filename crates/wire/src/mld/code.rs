//! MLDv2's 16-bit Maximum Response Code (RFC 3810 §5.1.3, RFC 9777 §5.1.3),
//! beside IGMPv3's 8-bit one; both on [`gmp::float_decode`](crate::gmp::float_decode).

use core::time::Duration;

use crate::gmp::{float_decode, float_encode, float_max};

/// The largest Maximum Response Delay the 16-bit code carries: 8 387 584 ms
/// (code `0xffff`, about 140 minutes; RFC 9777 App. B.1).
pub const MAX_RESP_DELAY_MAX_MS: u32 = float_max(16);

/// Maximum Response Code of an MLDv2 query (RFC 3810 §5.1.3): the longest
/// time a listener may wait before answering, in milliseconds. Below 32768
/// the code is the delay; above, `1 | exp (3) | mant (12)` means
/// `(mant | 0x1000) << (exp + 3)`.
///
/// An MLDv1 query's field is a plain count of milliseconds (RFC 2710 §3.4),
/// read by [`QueryV1View::max_resp_delay`](super::QueryV1View::max_resp_delay).
///
/// ```
/// use ipv4kit_wire::mld::MaxRespCode;
///
/// assert_eq!(MaxRespCode(10_000).millis(), 10_000); // the default, 10 s
/// assert_eq!(MaxRespCode(0x8001).millis(), 32_776);
/// // 40 001 ms is not representable: the code just below is used (RFC 9777).
/// assert_eq!(MaxRespCode::from_millis(40_001).millis(), 40_000);
/// assert_eq!(MaxRespCode::from_millis(u32::MAX), MaxRespCode(0xffff));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MaxRespCode(pub u16);

impl MaxRespCode {
    /// The default Query Response Interval, 10 s (RFC 3810 §9.3): code 10000.
    pub const DEFAULT: MaxRespCode = MaxRespCode(10_000);

    /// The code for `ms` milliseconds: exact if representable, else the
    /// nearest representable value below, `0xffff` above the largest.
    #[inline]
    pub const fn from_millis(ms: u32) -> Self {
        MaxRespCode(float_encode(16, ms) as u16)
    }

    /// The code for a duration, truncated to whole milliseconds first.
    #[inline]
    pub fn from_duration(d: Duration) -> Self {
        Self::from_millis(u32::try_from(d.as_millis()).unwrap_or(u32::MAX))
    }

    /// The Maximum Response Delay in milliseconds, 0..=8 387 584.
    #[inline]
    pub const fn millis(self) -> u32 {
        float_decode(16, self.0 as u32)
    }

    /// The Maximum Response Delay as a [`Duration`].
    #[inline]
    pub const fn duration(self) -> Duration {
        Duration::from_millis(self.millis() as u64)
    }
}

impl From<u16> for MaxRespCode {
    /// Wraps a raw code.
    #[inline]
    fn from(code: u16) -> Self {
        MaxRespCode(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_durations() {
        for code in (0..=0xffffu16).step_by(7).chain([0xffff]) {
            let c = MaxRespCode(code);
            assert_eq!(MaxRespCode::from_duration(c.duration()), c);
        }
        assert_eq!(MAX_RESP_DELAY_MAX_MS, 8_387_584);
    }
}
