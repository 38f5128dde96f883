//! An async multicast receiver: joins a group on an interface and prints
//! every datagram, batch by batch, a timestamp first as tcpdump does.
//!
//! ```text
//! cargo run -p ipv4kit-tokio --example async_multicast_receiver [interface [group:port]]
//! ```
//!
//! With no argument it joins 239.255.77.1 on the loopback interface, sends
//! itself eight datagrams from a second task (multicast loop on) and exits
//! once it has received them: a self-contained run that needs no
//! privileges. With an interface it listens there until interrupted.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ipv4kit_net::{
    interface_index, ControlFlags, DatagramOptions, PacketConn, RecvBatch, SendBatch,
};
use ipv4kit_tokio::AsyncSocket;

const SELF_TEST: u32 = 8;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let iface = args.next();
    let group = match args.next().map(|a| a.parse::<SocketAddrV4>()) {
        None => SocketAddrV4::new(Ipv4Addr::new(239, 255, 77, 1), 5007),
        Some(Ok(g)) if g.ip().is_multicast() => g,
        Some(_) => {
            eprintln!("usage: async_multicast_receiver [interface [group:port]]: group:port must be a multicast address and a port, e.g. 239.1.2.3:5000");
            return ExitCode::from(2);
        }
    };
    match run(iface.as_deref(), group).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("async_multicast_receiver: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(iface: Option<&str>, group: SocketAddrV4) -> Result<(), ipv4kit_net::Error> {
    let ifindex = interface_index(iface.unwrap_or("lo"))?;
    let sock = PacketConn::udp()?;
    sock.set_reuse_address(true)?;
    sock.bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, group.port()))?;
    sock.join_group(ifindex, *group.ip())?;
    sock.set_control_message(
        ControlFlags::TTL | ControlFlags::DST | ControlFlags::INTERFACE,
        true,
    )?;
    let rx = AsyncSocket::new(sock)?;

    let expect = if iface.is_none() {
        tokio::spawn(async move {
            if let Err(e) = send_to_self(ifindex, group).await {
                eprintln!("async_multicast_receiver: the self-test sender: {e}");
                std::process::exit(1);
            }
        });
        Some(SELF_TEST)
    } else {
        None
    };

    let mut batch = RecvBatch::new(64, 2048);
    let mut seen = 0;
    while expect.is_none_or(|n| seen < n) {
        let wait = tokio::time::timeout(Duration::from_secs(5), rx.recv_batch(&mut batch));
        let Ok(got) = wait.await else {
            if expect.is_some() {
                return Err(ipv4kit_net::Error::new(
                    "recvmmsg",
                    std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "no datagram from the self-test sender in 5 s",
                    ),
                ));
            }
            continue;
        };
        got?;
        let mut out = std::io::stdout().lock();
        for d in &batch {
            let m = d.meta;
            let line = writeln!(
                out,
                "{} {}.{} > {}.{}: UDP, length {}, ttl {}, ifindex {}",
                time_of_day(),
                m.src.ip(),
                m.src.port(),
                m.cm.dst.unwrap_or(Ipv4Addr::UNSPECIFIED),
                group.port(),
                d.data.len(),
                m.cm.ttl.unwrap_or(0),
                m.cm.ifindex.unwrap_or(0),
            );
            if line.is_err() {
                return Ok(()); // a closed pipe ends the program quietly
            }
            seen += 1;
        }
    }
    Ok(())
}

/// The self-test's sender: eight datagrams to the group out of `ifindex`,
/// looped back to this host, in one batch.
async fn send_to_self(ifindex: u32, group: SocketAddrV4) -> Result<(), ipv4kit_net::Error> {
    let sock = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
    sock.set_multicast_interface_index(ifindex)?;
    sock.set_multicast_loop(true)?;
    sock.set_multicast_ttl(1)?;
    let tx = AsyncSocket::new(sock)?;
    let mut batch = SendBatch::new(SELF_TEST as usize, 64);
    for i in 0..SELF_TEST {
        batch.push(group, format!("datagram {i}").as_bytes(), None)?;
    }
    tx.send_all(&mut batch).await
}

/// Wall-clock time of day (UTC) as tcpdump prints it: `HH:MM:SS.micros`.
fn time_of_day() -> String {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let s = t.as_secs() % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        t.subsec_micros()
    )
}
