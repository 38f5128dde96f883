//! The router engine (ipv4kit-gmp's `Router`): IGMPv3 reports of 16
//! records × 4 sources into a table of 10,000 groups, in records per second.
//!
//! `cargo bench --bench router`

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ipv4kit::wire::igmp::{GroupRecordRepr, GroupRecordType, IgmpMessage, ReportV3};
use ipv4kit_gmp::{Igmp, Instant, Router, RouterConfig, RouterRxMeta};

const GROUPS: u32 = 10_000;
const RECORDS: u32 = 16;

fn group(i: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(Ipv4Addr::new(239, 0, 0, 0)) + i)
}

/// Reports covering every group once, 16 IS_IN records of 4 sources each.
fn reports(kind: GroupRecordType) -> Vec<Vec<u8>> {
    let sources: Vec<Ipv4Addr> = (1..=4).map(|i| Ipv4Addr::new(198, 18, 1, i)).collect();
    (0..GROUPS / RECORDS)
        .map(|r| {
            let records: Vec<_> = (0..RECORDS)
                .map(|i| GroupRecordRepr {
                    record_type: kind,
                    group: group(r * RECORDS + i),
                    sources: &sources,
                    aux_data: &[],
                })
                .collect();
            let report = ReportV3 { records: &records };
            let mut buf = vec![0; report.buffer_len()];
            report.emit(&mut buf).unwrap();
            buf
        })
        .collect()
}

fn meta() -> RouterRxMeta<Ipv4Addr> {
    RouterRxMeta {
        source: Ipv4Addr::new(198, 18, 0, 2),
        destination: Ipv4Addr::new(224, 0, 0, 22),
        ttl: 1,
        router_alert: true,
    }
}

fn router_reports(c: &mut Criterion) {
    let mut config = RouterConfig::new(Ipv4Addr::new(198, 18, 0, 1));
    config.max_groups = GROUPS as usize;
    let mut router: Router<Igmp> = Router::new(config, Instant::ZERO);
    let refresh = reports(GroupRecordType::ModeIsInclude);
    for r in &refresh {
        router.handle_bytes(Instant::from_secs(1), r, meta());
    }
    assert_eq!(router.group_count(), GROUPS as usize);
    let mut group = c.benchmark_group("router");
    group.throughput(Throughput::Elements(u64::from(RECORDS)));
    let mut i = 0;
    let mut now = Instant::from_secs(2);
    group.bench_function("16x4_is_in_into_10k_groups", |b| {
        b.iter(|| {
            let bytes = &refresh[i % refresh.len()];
            i += 1;
            let msg = IgmpMessage::parse(bytes).unwrap();
            router.handle_message(now, black_box(&msg), meta());
        })
    });
    // The same with the time moving, so timers are checked as well.
    group.bench_function("16x4_is_in_into_10k_groups_clock_moving", |b| {
        b.iter(|| {
            let bytes = &refresh[i % refresh.len()];
            i += 1;
            now = now + std::time::Duration::from_micros(10);
            let msg = IgmpMessage::parse(bytes).unwrap();
            router.handle_message(now, black_box(&msg), meta());
        })
    });
    group.finish();
}

criterion_group!(benches, router_reports);
criterion_main!(benches);
