//! Writes a raw-IP pcap of IGMP traffic for measuring `ipv4kit analyze`
//! against `ipv4kit decode`:
//!
//! ```text
//! cargo run --release -p ipv4kit-analyze --example make_capture -- /tmp/igmp-1m.pcap 1000000
//! cargo run --release -p ipv4kit-analyze --example make_capture -- /tmp/groups-1m.pcap 1000000 distinct
//! cargo run --release -p ipv4kit-analyze --example make_capture -- /tmp/igmp-1m-400.pcap 1000000 400
//! ```
//!
//! The first: a v3 querier (General Query every 125 s), 1000 hosts
//! answering with IS_EX for groups among 4000, v2 reports and leaves. The
//! second: one v2 report for each of N distinct groups.

use std::io::BufWriter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: make_capture FILE [PACKETS] [distinct | GROUPS]")?;
    let n: usize = args.next().map_or(Ok(1_000_000), |s| s.parse())?;
    let kind = args.next();
    let out = BufWriter::new(std::fs::File::create(&path)?);
    let bytes = match kind.as_deref() {
        Some("distinct") => ipv4kit_analyze::bench_capture::distinct_groups(n),
        Some(g) => ipv4kit_analyze::bench_capture::mixed_in(n, g.parse()?),
        None => ipv4kit_analyze::bench_capture::mixed(n),
    };
    std::io::Write::write_all(&mut { out }, &bytes)?;
    eprintln!("{path}: {n} packets, {} octets", bytes.len());
    Ok(())
}
