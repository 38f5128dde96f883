//! How fast each receiver drains the same flood of IGMP once it is queued:
//! the tap's `TPACKET_V3` ring, the tap's `recvmmsg` fallback, `recvmmsg`
//! on a raw IGMP socket (`RawConn`), and `tcpdump -w /dev/null` (libpcap's
//! own `TPACKET_V3` ring, writing pcap).
//!
//! Host b sends N IGMPv2 reports to 239.7.7.7 (a member on a) while no
//! receiver on host a reads; every receiver's queue is sized to hold them
//! all (tcpdump is stopped with SIGSTOP). Then each one is timed alone
//! while it takes the N packets out (tcpdump: from SIGCONT until it exits
//! after `-c N`); the ipv4kit receivers look at every packet through its
//! `Ipv4Packet` view, tcpdump writes each to a pcap file. Prints one line
//! per receiver,
//! `NAME packets=N seconds=S pps=P drops=D`.
//!
//! Needs root (namespaces, CAP_NET_RAW) and tcpdump. Run it on a quiet
//! machine, release build:
//!
//! ```sh
//! cargo run --release -p ipv4kit-net --example tap_drain -- 500000
//! ```

use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ipv4kit_net::wire::igmp::ReportV2;
use ipv4kit_net::wire::ipv4::{IpProtocol, Ipv4Repr};
use ipv4kit_net::{
    interface_index, ControlMessage, DatagramOptions, IpOptions, RawConn, RecvBatch, RingMode,
    SendBatch, Tap, TapConfig,
};
use ipv4kit_testnet::{Link, ADDR_B};

const GROUP: Ipv4Addr = Ipv4Addr::new(239, 7, 7, 7);

fn main() {
    if let Some(why) = ipv4kit_testnet::missing_privileges() {
        eprintln!("tap_drain: {why}");
        std::process::exit(1);
    }
    let n: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("N: a number of packets"))
        .unwrap_or(200_000u64)
        .div_ceil(64)
        * 64; // whole batches
    let link = Link::new().expect("test link");

    // The receivers on a, none reading yet.
    let (mut ring, mut mmsg, raw) = link.a.run(|| {
        let ring = Tap::with_config(
            &link.if_a,
            // 1 s before a block is handed over part-full, as libpcap sets
            // for tcpdump: with the 10 ms default, a slow flood would retire
            // blocks mostly empty and fill the ring long before its bytes.
            &TapConfig::default()
                .with_ring(RingMode::Required)
                .with_ring_size(1 << 20, 256)
                .with_retire_timeout(Duration::from_secs(1)),
        )
        .expect("tap (ring)");
        let mmsg = Tap::with_config(
            &link.if_a,
            &TapConfig::default()
                .with_ring(RingMode::Off)
                .with_batch(64, 256)
                .with_recv_buffer(1 << 30),
        )
        .expect("tap (recvmmsg)");
        let raw = RawConn::new(IpProtocol::IGMP).expect("raw socket");
        raw.join_group(interface_index(&link.if_a).unwrap(), GROUP)
            .expect("join");
        raw.set_recv_buffer_size(1 << 30).expect("SO_RCVBUF");
        (ring, mmsg, raw)
    });
    let count = n.to_string();
    let mut tcpdump = Command::new("ip")
        .args(["netns", "exec", link.a.name(), "tcpdump", "-i", &link.if_a])
        .args([
            "-n",
            "-w",
            "/dev/null",
            "-B",
            "524288",
            "-c",
            &count,
            "igmp",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("tcpdump");
    // libpcap says "listening on" once its ring and filter are in place.
    let mut err = tcpdump.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !String::from_utf8_lossy(&seen).contains("listening on") {
        use std::io::Read;
        if err.read(&mut byte).unwrap_or(0) == 0 {
            panic!("tcpdump ended: {}", String::from_utf8_lossy(&seen));
        }
        seen.push(byte[0]);
    }
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    let pid = tcpdump.id().to_string();
    let signal = |s: &str| {
        Command::new("kill").args([s, &pid]).status().unwrap();
    };
    signal("-STOP");

    let t = Instant::now();
    flood(&link, n);
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "tap_drain: b sent {n} IGMPv2 reports in {secs:.3} s ({:.0}/s); draining",
        n as f64 / secs
    );
    // Let the last partly filled ring blocks retire (10 ms here, 1 s in
    // tcpdump's libpcap) before anyone is timed.
    std::thread::sleep(Duration::from_millis(1500));

    report(
        "tap-ring",
        n,
        drain_tap(&mut ring, n),
        ring.stats().unwrap().drops,
    );
    report(
        "tap-recvmmsg",
        n,
        drain_tap(&mut mmsg, n),
        mmsg.stats().unwrap().drops,
    );
    report("raw-recvmmsg", n, drain_raw(&raw, n), 0);
    let t = Instant::now();
    signal("-CONT");
    let status = tcpdump.wait().unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(status.success(), "tcpdump: {status}");
    report("tcpdump-w-devnull", n, (n, secs), 0);
}

fn report(name: &str, n: u64, (got, secs): (u64, f64), drops: u64) {
    println!(
        "{name} packets={got} seconds={secs:.3} pps={:.0} drops={drops}{}",
        got as f64 / secs,
        if got < n {
            " (short: queue too small?)"
        } else {
            ""
        }
    );
}

/// Takes `n` frames out of a tap; (frames, seconds).
fn drain_tap(tap: &mut Tap, n: u64) -> (u64, f64) {
    let t = Instant::now();
    let mut got = 0;
    let mut bytes = 0u64;
    while got < n {
        // Everything is queued already: an empty answer means drained.
        // Each frame is looked at as a receiver would: its IPv4 view.
        let mut k = 0u64;
        for p in tap.recv(Some(Duration::ZERO)).unwrap() {
            k += 1;
            bytes += p.ipv4().map_or(0, |ip| u64::from(ip.total_len()));
        }
        if k == 0 {
            break;
        }
        got += k;
    }
    let secs = t.elapsed().as_secs_f64();
    std::hint::black_box(bytes);
    (got, secs)
}

/// Takes `n` datagrams out of a raw socket with recvmmsg; (datagrams, seconds).
fn drain_raw(raw: &RawConn, n: u64) -> (u64, f64) {
    raw.set_nonblocking(true).unwrap();
    let mut batch = RecvBatch::new(64, 256);
    let t = Instant::now();
    let mut got = 0;
    let mut bytes = 0u64;
    while got < n {
        match raw.recv_batch(&mut batch) {
            Ok(k) => {
                got += k as u64;
                for p in batch.packets() {
                    bytes += p.packet.map_or(0, |ip| u64::from(ip.total_len()));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    let secs = t.elapsed().as_secs_f64();
    std::hint::black_box(bytes);
    (got, secs)
}

/// Host b sends `n` (a multiple of 64) IGMPv2 reports to [`GROUP`], 64
/// per sendmmsg.
fn flood(link: &Link, n: u64) {
    link.b.run(|| {
        let ib = interface_index(&link.if_b).unwrap();
        let tx = RawConn::new(IpProtocol::IGMP).unwrap();
        tx.set_send_buffer_size(4 << 20).unwrap();
        let cm = ControlMessage {
            ifindex: Some(ib),
            ..Default::default()
        };
        let mut d = [0u8; 28];
        let repr = Ipv4Repr::new(ADDR_B, GROUP, IpProtocol::IGMP, 8).with_ttl(1);
        let hl = repr.emit(&mut d).unwrap();
        ReportV2 { group: GROUP }.emit(&mut d[hl..]).unwrap();
        let mut batch = SendBatch::new(64, 64);
        while !batch.is_full() {
            batch.push_datagram(&d[..hl + 8], Some(&cm)).unwrap();
        }
        let mut sent = 0u64;
        while sent < n {
            let want = batch.len();
            let mut from = 0;
            while from < want {
                match tx.send_batch(&mut batch, from) {
                    Ok(k) => from += k,
                    // A full device queue: try again.
                    Err(e) if e.raw_os_error() == Some(105) => {}
                    Err(e) => panic!("{e}"),
                }
            }
            sent += want as u64;
        }
    });
}
