//! A criterion measurement of the benchmark thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID` through the `cpu-time` crate) instead of wall
//! time: on a machine shared with other work, time the thread spends
//! descheduled is left out, so codecs compared in one run are compared on
//! the CPU time they use. On a quiet machine the two agree.

use std::time::Duration;

use cpu_time::ThreadTime;
use criterion::measurement::{Measurement, ValueFormatter};
use criterion::Throughput;

/// Thread CPU time, reported in the units wall time would be.
pub struct ThreadCpu;

impl Measurement for ThreadCpu {
    type Intermediate = ThreadTime;
    type Value = Duration;

    fn start(&self) -> ThreadTime {
        ThreadTime::now()
    }
    fn end(&self, i: ThreadTime) -> Duration {
        i.elapsed()
    }
    fn add(&self, v1: &Duration, v2: &Duration) -> Duration {
        *v1 + *v2
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &NanosFormatter
    }
}

/// Formats nanoseconds as criterion's wall-time formatter does (ns, µs,
/// ms, s), so `benches/summarize.py` reads both.
struct NanosFormatter;

fn unit(typical: f64) -> (f64, &'static str) {
    if typical < 1e3 {
        (1.0, "ns")
    } else if typical < 1e6 {
        (1e-3, "µs")
    } else if typical < 1e9 {
        (1e-6, "ms")
    } else {
        (1e-9, "s")
    }
}

impl ValueFormatter for NanosFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = unit(typical);
        for v in values {
            *v *= factor;
        }
        unit
    }

    fn scale_throughputs(
        &self,
        typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let per_sec = |n: f64, v: f64| n * 1e9 / v;
        let (n, unit) = match *throughput {
            Throughput::Bytes(b) | Throughput::BytesDecimal(b) => (b as f64, "B/s"),
            Throughput::Elements(e) => (e as f64, "elem/s"),
            Throughput::Bits(b) => (b as f64, "bit/s"),
            Throughput::ElementsAndBytes { elements, .. } => (elements as f64, "elem/s"),
        };
        let _ = typical;
        for v in values {
            *v = per_sec(n, *v);
        }
        unit
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}
