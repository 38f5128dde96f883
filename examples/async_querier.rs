//! An IGMP querier on tokio in a few lines: the router engine of
//! `ipv4kit::gmp` run by `ipv4kit::tokio::driver::QuerierDriver`, listening
//! with the tap (every report on the link, of any version) and sending its
//! queries from a raw socket (TTL 1, Router Alert, ToS 0xc0). It prints
//! each change of the membership table as it happens, a timestamp first,
//! and the whole table at the end.
//!
//! ```text
//! cargo run --features tokio --example async_querier [interface address [seconds]]
//! ```
//!
//! Needs `CAP_NET_RAW`. With no argument it runs on `lo` as 127.0.0.1 for
//! two seconds (one General Query, no members): what CI runs.

use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ipv4kit::gmp::{Igmp, RouterConfig};
use ipv4kit::tokio::driver::{IgmpTapIo, QuerierDriver};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (iface, addr, secs) = match args.as_slice() {
        [] => ("lo", Ok(Ipv4Addr::LOCALHOST), Ok(2)),
        [i, a] => (i.as_str(), a.parse(), Ok(u64::MAX)),
        [i, a, s] => (i.as_str(), a.parse(), s.parse()),
        _ => return usage("expected: [interface address [seconds]]"),
    };
    let (Ok(addr), Ok(secs)) = (addr, secs) else {
        return usage("address must be an IPv4 address, seconds a whole number");
    };
    match run(iface, addr, Duration::from_secs(secs)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("async_querier: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(iface: &str, addr: Ipv4Addr, time: Duration) -> Result<(), ipv4kit::net::Error> {
    // The querier: the I/O, the engine's settings, the driver in a task.
    let io = IgmpTapIo::open(iface, addr)?;
    let (mut driver, querier, mut events) = QuerierDriver::new(RouterConfig::<Igmp>::new(addr), io);
    let task = tokio::spawn(async move { driver.run().await });

    // What changes, as it changes, until the time is up.
    let _ = tokio::time::timeout(time, async {
        while let Some(event) = events.recv().await {
            println!("{} {event:?}", timestamp());
        }
    })
    .await;
    let table = querier.table();
    println!(
        "{} querier {:?} (this router: {}), {} queries sent, {} groups",
        timestamp(),
        table.querier,
        table.is_querier,
        querier.counters().queries_sent,
        table.groups.len()
    );
    for g in &table.groups {
        println!(
            "  {} {:?} v{:?} last reporter {} expires in {:?}",
            g.group, g.filter_mode, g.version, g.last_reporter, g.expire
        );
    }
    drop(querier); // the last handle: `run` returns
    task.await.expect("the driver task")
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("usage: async_querier [interface address [seconds]]: {msg}");
    ExitCode::from(2)
}

/// `seconds.micros` since the epoch, as `tcpdump -tt` prints.
fn timestamp() -> String {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}.{:06}", t.as_secs(), t.subsec_micros())
}
