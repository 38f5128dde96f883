//! The same batches over loopback UDP through the synchronous calls and
//! through `AsyncSocket` on a current-thread runtime, in alternating rounds
//! of 500 iterations (64 datagrams of 48 bytes sent and received per
//! iteration), printing the rate of each. No privileges needed.
//!
//! ```text
//! cargo run --release -p ipv4kit-tokio --example udp_batch_async_vs_sync [both|sync|async] [rounds]
//! ```
//!
//! On a shared machine wall-clock rates move with the load: run `sync` and
//! `async` alone under `perf stat -e task-clock` to compare the CPU time of
//! the same work instead.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ipv4kit_net::{DatagramOptions, PacketConn, RecvBatch, SendBatch};
use ipv4kit_tokio::AsyncSocket;

const N: usize = 64;
const LEN: usize = 48;
const ITERS: usize = 500;

fn pair() -> Result<(PacketConn, PacketConn, SendBatch, RecvBatch), ipv4kit_net::Error> {
    let rx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
    rx.set_recv_buffer_size(4 << 20)?;
    let tx = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
    let mut send = SendBatch::new(N, LEN);
    for i in 0..N {
        send.push(rx.local_addr()?, &[i as u8; LEN], None)?;
    }
    Ok((tx, rx, send, RecvBatch::new(N, 2048)))
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "both".into());
    let rounds = args.next().map(|r| r.parse::<u32>());
    let (sync, asyn) = match mode.as_str() {
        "both" => (true, true),
        "sync" => (true, false),
        "async" => (false, true),
        _ => return usage(),
    };
    let rounds = match rounds {
        None => 20,
        Some(Ok(r)) if r > 0 => r,
        Some(_) => return usage(),
    };
    match run(sync, asyn, rounds) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("udp_batch_async_vs_sync: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: udp_batch_async_vs_sync [both|sync|async] [rounds > 0]");
    ExitCode::from(2)
}

fn run(sync: bool, asyn: bool, rounds: u32) -> Result<(), ipv4kit_net::Error> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ipv4kit_net::Error::new("tokio runtime", e))?;
    let (stx, srx, mut ssend, mut srecv) = pair()?;
    let (atx, arx, mut asend, mut arecv) = pair()?;
    let (atx, arx) = rt.block_on(async {
        Ok::<_, ipv4kit_net::Error>((AsyncSocket::new(atx)?, AsyncSocket::new(arx)?))
    })?;
    let (mut ts, mut ta) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        if sync {
            let t = Instant::now();
            for _ in 0..ITERS {
                let mut from = 0;
                while from < N {
                    from += stx.send_batch(&mut ssend, from)?;
                }
                let mut got = 0;
                while got < N {
                    got += srx.recv_batch(&mut srecv)?;
                }
            }
            ts += t.elapsed();
        }
        if asyn {
            let t = Instant::now();
            rt.block_on(async {
                for _ in 0..ITERS {
                    atx.send_all(&mut asend).await?;
                    let mut got = 0;
                    while got < N {
                        got += arx.recv_batch(&mut arecv).await?;
                    }
                }
                Ok::<_, ipv4kit_net::Error>(())
            })?;
            ta += t.elapsed();
        }
    }
    let rate = |d: Duration| (rounds as usize * ITERS * N) as f64 / d.as_secs_f64();
    if sync {
        println!("sync batches:  {:>9.0} datagrams/s", rate(ts));
    }
    if asyn {
        println!("async batches: {:>9.0} datagrams/s", rate(ta));
    }
    if sync && asyn {
        println!("async / sync:  {:>9.3}", rate(ta) / rate(ts));
    }
    Ok(())
}
