//! A log-linear histogram of delays in microseconds, fixed size, no
//! allocation after it is made.
//!
//! Values below 16 µs have a bucket each; above, every power of two is cut
//! into 16 equal buckets (the layout of HdrHistogram with 16 sub-buckets),
//! so a quantile read from it is within 1/16 (6.25 %) of the value
//! recorded, and min and max are kept exactly. Up to 2^36 µs (19 hours);
//! longer values count in the last bucket.
//!
//! Why not the `hdrhistogram` crate: its precision is set in significant
//! decimal digits, and two digits over 1 µs..1 h already take 3,328
//! counters (13 KiB with `u32`), against 528 counters (2.1 KiB) here. The
//! measurements keep two histograms per group for up to
//! [`MAX_GROUPS`](crate::measure::MAX_GROUPS) groups, where 6 % precision is
//! plenty for millisecond delays measured over a link, so the small
//! hand-written layout wins; it is 40 lines and tested against sorting.

use serde::Serialize;

/// Sub-buckets per power of two.
const SUB: u64 = 16;
/// log2(SUB).
const SUB_BITS: u32 = 4;
/// Largest power of two with its own buckets: 2^35..2^36 µs.
const MAX_OCTAVE: u32 = 35;
/// Buckets in all.
pub const BUCKETS: usize = (SUB + (MAX_OCTAVE + 1 - SUB_BITS) as u64 * SUB) as usize;

/// Counts of delays by log-scaled bucket, with exact count, min and max.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Histogram {
    counts: Box<[u32]>,
    count: u64,
    min: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

/// The bucket of `v` (µs).
fn index(v: u64) -> usize {
    if v < SUB {
        return v as usize;
    }
    let octave = (63 - v.leading_zeros()).min(MAX_OCTAVE);
    if octave == MAX_OCTAVE && v >> MAX_OCTAVE > 1 {
        return BUCKETS - 1;
    }
    let sub = (v >> (octave - SUB_BITS)) & (SUB - 1);
    (SUB + u64::from(octave - SUB_BITS) * SUB + sub) as usize
}

/// The lowest value of bucket `i` (µs).
fn lower(i: usize) -> u64 {
    let i = i as u64;
    if i < SUB {
        return i;
    }
    let octave = (i - SUB) / SUB + u64::from(SUB_BITS);
    let sub = (i - SUB) % SUB;
    (SUB + sub) << (octave - u64::from(SUB_BITS))
}

impl Histogram {
    /// An empty histogram (one allocation, of [`BUCKETS`] counters).
    pub fn new() -> Histogram {
        Histogram {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            count: 0,
            min: u64::MAX,
            max: 0,
        }
    }

    /// Counts one delay of `us` microseconds.
    pub fn record(&mut self, us: u64) {
        let c = &mut self.counts[index(us)];
        *c = c.saturating_add(1);
        self.count += 1;
        self.min = self.min.min(us);
        self.max = self.max.max(us);
    }

    /// Delays counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The smallest delay counted.
    pub fn min(&self) -> Option<u64> {
        (self.count > 0).then_some(self.min)
    }

    /// The largest delay counted.
    pub fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    /// The `q`-quantile (0.0..=1.0): the middle of the bucket holding the
    /// `ceil(q·count)`-th smallest delay, kept within min and max.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                let lo = lower(i);
                let hi = if i + 1 < BUCKETS { lower(i + 1) } else { lo };
                let mid = lo + (hi.saturating_sub(lo)) / 2;
                return Some(mid.clamp(self.min, self.max));
            }
        }
        Some(self.max)
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a = a.saturating_add(*b);
        }
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// The counts by power of two, non-empty ones only: `(le_us, count)`,
    /// the delays at most `le_us` and above the previous bound.
    pub fn octaves(&self) -> Vec<Bucket> {
        let mut out: Vec<Bucket> = Vec::new();
        for (i, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            // The power of two at or above the bucket's top value.
            let top = if i + 1 < BUCKETS {
                lower(i + 1) - 1
            } else {
                u64::MAX
            };
            let le = top.checked_next_power_of_two().unwrap_or(u64::MAX);
            match out.last_mut() {
                Some(b) if b.le_us == le => b.count += u64::from(c),
                _ => out.push(Bucket {
                    le_us: le,
                    count: u64::from(c),
                }),
            }
        }
        out
    }
}

/// One bar of [`Histogram::octaves`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// Upper bound (µs, inclusive), a power of two.
    pub le_us: u64,
    /// Delays in (previous bound, `le_us`].
    pub count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_ordered() {
        for i in 1..BUCKETS {
            assert!(lower(i) > lower(i - 1), "{i}");
            assert_eq!(index(lower(i)), i);
            assert_eq!(index(lower(i) - 1), i - 1);
        }
        assert_eq!(index(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn quantiles_are_within_a_sixteenth_of_the_sorted_values() {
        let mut h = Histogram::new();
        let mut v: Vec<u64> = (0..10_000u64).map(|i| (i * 7919) % 200_000 + 3).collect();
        for &x in &v {
            h.record(x);
        }
        v.sort_unstable();
        for q in [0.5, 0.95, 0.99] {
            let exact = v[((q * v.len() as f64).ceil() as usize).max(1) - 1] as f64;
            let got = h.quantile(q).unwrap() as f64;
            assert!(
                (got - exact).abs() <= exact / 16.0,
                "q={q}: {got} vs {exact}"
            );
        }
        assert_eq!((h.min(), h.max()), (Some(3), Some(v[v.len() - 1])));
        assert_eq!(h.octaves().iter().map(|b| b.count).sum::<u64>(), 10_000);
    }

    #[test]
    fn an_empty_histogram_has_no_quantiles() {
        let h = Histogram::new();
        assert_eq!((h.quantile(0.5), h.min(), h.max()), (None, None, None));
        assert!(h.octaves().is_empty());
    }
}
