//! The emulator's send path against `ipv4kit send` on one veth (needs
//! root: it makes two network namespaces).
//!
//! 100,000 hosts join one group at once; the real [`Runner`] (player,
//! engines, timer heap, `sendmmsg` batches of 64 through one raw socket,
//! the tap beside it) is run in 1 ms steps until all 100,000 State-Change
//! Reports (40-octet datagrams to 224.0.0.22) have been taken by the
//! kernel, which gives reports/s. Then, if the path of the `ipv4kit`
//! binary is given, `ipv4kit send` sends 1,000,000 datagrams of the same
//! size to the same address out of the same veth and its packets/s is
//! printed beside.
//!
//! ```sh
//! cargo build --release -p ipv4kit-cli
//! cargo run --release -p ipv4kit-emu --example send_rate -- target/release/ipv4kit
//! ```

use std::net::Ipv4Addr;
use std::time::Duration;

use ipv4kit_emu::{scenario, EmuConfig, Emulator, Player, Runner};
use ipv4kit_gmp::{Config, Igmp};
use ipv4kit_testnet::{missing_privileges, Link};

const HOSTS: u32 = 100_000;

fn main() {
    if let Some(why) = missing_privileges() {
        eprintln!("send_rate needs root: {why}");
        std::process::exit(1);
    }
    let link = Link::new().expect("namespaces and a veth pair");
    let cfg = EmuConfig {
        hosts: HOSTS,
        first_address: Ipv4Addr::new(198, 19, 0, 1),
        host: Config::<Igmp> {
            // No retransmission within the measurement.
            unsolicited_report_interval: Duration::from_secs(3600),
            ..Config::default()
        },
        seed: 1,
    };
    let s = scenario::parse_with::<Igmp>("send_rate", "0 all join 239.1.1.1", &cfg.host)
        .expect("scenario");
    let iface = link.if_a.clone();
    let (took, wire) = link.a.run(move || {
        let emu = Emulator::new(cfg).expect("emulator");
        let player = Player::new(s.steps, HOSTS, None);
        let mut r = Runner::open(&iface, emu, player).expect("runner");
        let mut until = Duration::ZERO;
        while r.wire_stats().sent < u64::from(HOSTS) && until < Duration::from_secs(60) {
            until += Duration::from_millis(1);
            r.run(Some(until), &|| false, |_| {}).expect("run");
        }
        (r.elapsed(), r.wire_stats())
    });
    println!(
        "emulate: {} reports (40 octets, to 224.0.0.22) in {:.1} ms: {:.0} reports/s; {} sendmmsg calls, {} dropped",
        wire.sent,
        took.as_secs_f64() * 1000.0,
        wire.sent as f64 / took.as_secs_f64(),
        wire.send_calls,
        wire.send_dropped
    );
    let Some(bin) = std::env::args().nth(1) else {
        return;
    };
    let out = link
        .a
        .exec(
            &bin,
            &[
                "send",
                "--dst",
                "224.0.0.22",
                "--iface",
                &link.if_a,
                "--ttl",
                "1",
                "--protocol",
                "2",
                "--size",
                "40",
                "--count",
                "1000000",
            ],
        )
        .expect("ipv4kit send");
    println!("ipv4kit send: {}", out.trim());
}
