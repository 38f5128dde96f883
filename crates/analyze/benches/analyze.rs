//! `ipv4kit analyze` against `ipv4kit decode` over the same capture of 10^6
//! IGMP packets (raw IP, in memory): analysing must be at least as fast as
//! decoding and printing (what `decode` does per frame: dissect, text line).
//! `analyze` is the analysis alone, `analyze_text` the analysis and its text
//! report (what the command does). Captures: a querier and 1000 hosts
//! cycling through 4000 groups (every packet another group's state: the
//! worst case for memory access) and through 400; 10^6 distinct groups
//! (state capped at 4096 per link).
//!
//! `cargo bench -p ipv4kit-analyze --bench analyze`

use std::fmt::Write as _;
use std::hint::black_box;
use std::ops::ControlFlow;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ipv4kit_analyze::{analyze_reader, bench_capture, Options};
use ipv4kit_capture::read::for_each_frame_in;
use ipv4kit_capture::text::TextOptions;

const N: usize = 1_000_000;

fn decode(pcap: &[u8]) -> usize {
    let mut line = String::with_capacity(256);
    let mut total = 0;
    for_each_frame_in(pcap, "bench", |f| {
        let p = ipv4kit_capture::decode::frame(&f);
        line.clear();
        let _ = writeln!(line, "{}", p.text(TextOptions::default()));
        total += line.len();
        ControlFlow::Continue(())
    })
    .unwrap();
    total
}

fn bench(c: &mut Criterion) {
    for (name, pcap) in [
        ("mixed", bench_capture::mixed(N)),
        ("mixed_400_groups", bench_capture::mixed_in(N, 400)),
        ("distinct_groups", bench_capture::distinct_groups(N)),
    ] {
        let mut g = c.benchmark_group(format!("capture_1m_{name}"));
        g.sample_size(10)
            .measurement_time(Duration::from_secs(20))
            .warm_up_time(Duration::from_secs(1));
        g.throughput(Throughput::Elements(N as u64));
        g.bench_function("decode_text", |b| {
            b.iter(|| black_box(decode(black_box(&pcap))))
        });
        g.bench_function("analyze", |b| {
            b.iter(|| {
                let r = analyze_reader(black_box(&pcap[..]), "bench", Options::default()).unwrap();
                black_box(r.summary.frames)
            })
        });
        g.bench_function("analyze_text", |b| {
            let mut text = String::new();
            b.iter(|| {
                let r = analyze_reader(black_box(&pcap[..]), "bench", Options::default()).unwrap();
                text.clear();
                let _ = ipv4kit_analyze::text::write(&r, &mut text);
                black_box(text.len())
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
