//! Capture timestamps: seconds since the Unix epoch, nanoseconds, and the
//! resolution the capture recorded them with, printed as tcpdump prints
//! them (time of day, UTC) and as RFC 3339.

use std::fmt;

use serde::{Serialize, Serializer};

/// When a frame was captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub secs: u64,
    /// Nanoseconds within the second, below 1 000 000 000.
    pub nanos: u32,
    /// Decimal digits of the fraction the capture holds: 6 for pcap's
    /// microseconds, 9 for nanosecond pcap; for pcapng, what `if_tsresol`
    /// gives (at most 9).
    pub digits: u8,
}

impl Timestamp {
    /// A timestamp from seconds and a fraction counted in `units_per_sec`
    /// (pcapng's `if_tsresol`: 10^n or 2^n per second).
    ///
    /// ```
    /// use ipv4kit_capture::time::Timestamp;
    /// let t = Timestamp::from_units(3_000_250, 1_000_000);
    /// assert_eq!((t.secs, t.nanos, t.digits), (3, 250_000, 6));
    /// assert_eq!(t.rfc3339().to_string(), "1970-01-01T00:00:03.000250Z");
    /// ```
    pub fn from_units(units: u64, units_per_sec: u64) -> Timestamp {
        let per = units_per_sec.max(1);
        let frac = u128::from(units % per);
        // Exact for every resolution up to 2^64 per second.
        let nanos = (frac * 1_000_000_000 / u128::from(per)) as u32;
        // Digits that the resolution can tell apart: log10 rounded up.
        let mut digits = 0u8;
        let mut p = 1u128;
        while p < u128::from(per) && digits < 9 {
            p *= 10;
            digits += 1;
        }
        Timestamp {
            secs: units / per,
            nanos,
            digits,
        }
    }

    /// `HH:MM:SS.ffffff`: tcpdump's default form (in UTC), with as many
    /// fraction digits as the capture has.
    pub fn time_of_day(&self) -> impl fmt::Display + '_ {
        Form(self, false)
    }

    /// RFC 3339 in UTC, e.g. `2020-09-13T12:26:40.000000Z`, with the
    /// capture's resolution.
    pub fn rfc3339(&self) -> impl fmt::Display + '_ {
        Form(self, true)
    }

    /// Seconds since the epoch with the fraction, e.g. `1600000000.000000`
    /// (tcpdump `-tt`).
    pub fn epoch(&self) -> impl fmt::Display + '_ {
        Epoch(self)
    }

    fn fraction(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 10];
        let n = self.put_fraction(&mut buf);
        f.write_str(std::str::from_utf8(&buf[..n]).unwrap_or(".?"))
    }

    /// ".nnnnnnnnn" cut to the capture's digits into `buf`; its length.
    fn put_fraction(&self, buf: &mut [u8; 10]) -> usize {
        let digits = usize::from(self.digits.min(9));
        if digits == 0 {
            return 0;
        }
        buf[0] = b'.';
        let mut n = self.nanos.min(999_999_999);
        for i in (1..10).rev() {
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        digits + 1
    }
}

struct Form<'a>(&'a Timestamp, bool);

impl fmt::Display for Form<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        let day = t.secs / 86_400;
        let rem = t.secs % 86_400;
        if self.1 {
            let (y, m, d) = civil_from_days(day);
            write!(f, "{y:04}-{m:02}-{d:02}T")?;
        }
        // By hand, into one buffer written at once: this runs once per
        // printed packet.
        let two = |v: u64| [b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8];
        let (h, m, s) = (two(rem / 3600), two(rem / 60 % 60), two(rem % 60));
        let mut buf = [0u8; 19];
        buf[..8].copy_from_slice(&[h[0], h[1], b':', m[0], m[1], b':', s[0], s[1]]);
        let mut frac = [0u8; 10];
        let n = t.put_fraction(&mut frac);
        buf[8..8 + n].copy_from_slice(&frac[..n]);
        let mut end = 8 + n;
        if self.1 {
            buf[end] = b'Z';
            end += 1;
        }
        f.write_str(std::str::from_utf8(&buf[..end]).unwrap_or("??:??:??"))
    }
}

struct Epoch<'a>(&'a Timestamp);

impl fmt::Display for Epoch<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.secs)?;
        self.0.fraction(f)
    }
}

/// Year, month, day of a day count since 1970-01-01 (the proleptic
/// Gregorian calendar, as RFC 3339 §5.6 uses).
fn civil_from_days(days: u64) -> (u64, u32, u32) {
    // Shift the epoch to 0000-03-01 so leap days end each 400-year era.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

/// Serialises as the RFC 3339 string.
pub(crate) fn serialize_rfc3339<S: Serializer>(
    t: &Option<Timestamp>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.collect_str(&t.rfc3339()),
        None => s.serialize_none(),
    }
}

/// Serialises as the epoch string (exact: a JSON number would lose
/// nanoseconds to floating point).
pub(crate) fn serialize_epoch<S: Serializer>(
    t: &Option<Timestamp>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.collect_str(&t.epoch()),
        None => s.serialize_none(),
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_across_leap_years_and_centuries() {
        let t = |secs| Timestamp {
            secs,
            nanos: 123_456_789,
            digits: 9,
        };
        assert_eq!(
            t(1_600_000_000).rfc3339().to_string(),
            "2020-09-13T12:26:40.123456789Z"
        );
        assert_eq!(
            t(951_782_400).rfc3339().to_string(),
            "2000-02-29T00:00:00.123456789Z"
        );
        assert_eq!(
            t(4_107_542_400).rfc3339().to_string(),
            "2100-03-01T00:00:00.123456789Z"
        );
        assert_eq!(t(0).time_of_day().to_string(), "00:00:00.123456789");
        assert_eq!(t(86_399).epoch().to_string(), "86399.123456789");
    }

    #[test]
    fn resolution_sets_the_digits() {
        assert_eq!(Timestamp::from_units(1, 1).digits, 0);
        assert_eq!(Timestamp::from_units(1, 1000).digits, 3);
        assert_eq!(Timestamp::from_units(1, 1 << 20).digits, 7);
        let t = Timestamp::from_units(5_500_000_000, 1_000_000_000);
        assert_eq!(t.time_of_day().to_string(), "00:00:05.500000000");
        let t = Timestamp::from_units(u64::MAX, 1 << 63);
        assert_eq!(t.secs, 1);
    }
}
