//! Sends datagrams over loopback with `send_batch` and counts them with
//! `recv_batch`, printing the rate: the batch API as a program (or a bench)
//! uses it. Loopback only; no privileges needed.
//!
//! ```text
//! cargo run --release -p ipv4kit-net --example udp_batch_loopback [batch] [count]
//! ```

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use ipv4kit_net::{DatagramOptions, IpOptions, PacketConn, RecvBatch, SendBatch};

fn main() -> Result<(), ipv4kit_net::Error> {
    let mut args = std::env::args().skip(1);
    let per_call: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let total: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let len = 48;

    let rx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
    rx.set_recv_buffer_size(32 << 20)?;
    rx.set_read_timeout(Some(Duration::from_millis(500)))?;
    let dst = rx.local_addr()?;
    let receiver = std::thread::spawn(move || {
        let mut batch = RecvBatch::new(per_call, 2048);
        let (mut got, mut calls) = (0usize, 0usize);
        while got < total {
            match rx.recv_batch(&mut batch) {
                Ok(n) => {
                    got += n;
                    calls += 1;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break, // drops
                Err(e) => return Err(e),
            }
        }
        Ok((got, calls))
    });

    let tx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
    let mut batch = SendBatch::new(per_call, len);
    for i in 0..per_call {
        batch.push_with(dst, None, |slot| {
            slot[..len].fill(i as u8);
            len
        })?;
    }
    let start = Instant::now();
    let mut sent = 0;
    while sent < total {
        let want = (total - sent).min(per_call);
        let mut from = per_call - want;
        while from < per_call {
            from += tx.send_batch(&mut batch, from)?;
        }
        sent += want;
    }
    let send_time = start.elapsed();
    let (got, calls) = receiver.join().expect("receiver panicked")?;
    let secs = send_time.as_secs_f64();
    println!(
        "batch {per_call}: sent {sent} x {len} B in {send_time:?} ({:.0} datagrams/s), received {got} in {calls} calls",
        sent as f64 / secs
    );
    Ok(())
}
