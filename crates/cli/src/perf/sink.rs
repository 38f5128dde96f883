//! `sink`: a raw socket of either family with a large buffer and a
//! receive batch, counting (and checking) what arrives.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use ipv4kit_net::{
    ControlFlags, Datagram6Options, DatagramOptions, IpOptions, Ipv6Options, PacketConn6, RawConn,
    RecvBatch,
};

use super::{is_valid, payload_pattern, print_summary, Progress, Result, Summary};
use crate::args::{usage, SinkArgs};
use crate::igmp_send::usable_interface;
use crate::{perf6, stop};

/// The receive buffer `sink` asks for (as the C peer): 64 MiB.
pub const SINK_RCVBUF: usize = 64 << 20;

/// Bytes per receive slot: jumbo frames fit; longer datagrams are cut and
/// counted invalid.
pub const SINK_SLOT: usize = 9216;

/// How often a blocked `sink` wakes up to check its deadlines, at most.
const SINK_TICK: Duration = Duration::from_millis(100);

/// A sink's socket, of either family.
enum SinkConn {
    V4(RawConn),
    V6(PacketConn6),
}

/// The receiving side: a raw socket with a large buffer and a receive
/// batch, both made once, and the payload pattern to check against.
pub struct Sink {
    conn: SinkConn,
    batch: RecvBatch,
    pattern: Vec<u8>,
    protocol: u8,
    drops: u32,
}

impl Sink {
    /// Opens a raw socket for `protocol` (64 MiB receive buffer, a receive
    /// timeout of `tick`) with a batch of `batch` slots.
    pub fn new(protocol: u8, batch: usize, tick: Duration) -> Result<Sink> {
        let conn = RawConn::new(protocol)?;
        conn.set_recv_buffer_size(SINK_RCVBUF)?;
        conn.set_read_timeout(Some(tick))?;
        conn.set_control_message(ControlFlags::DROPS, true)?;
        Ok(Sink {
            conn: SinkConn::V4(conn),
            batch: RecvBatch::new(batch, SINK_SLOT),
            pattern: payload_pattern(),
            protocol,
            drops: 0,
        })
    }

    /// Opens a raw IPv6 socket for `protocol`, as [`new`](Self::new).
    pub fn new6(protocol: u8, batch: usize, tick: Duration) -> Result<Sink> {
        let conn = PacketConn6::raw(protocol)?;
        conn.set_recv_buffer_size(SINK_RCVBUF)?;
        conn.set_read_timeout(Some(tick))?;
        conn.set_control_message(ControlFlags::DROPS, true)?;
        Ok(Sink {
            conn: SinkConn::V6(conn),
            batch: RecvBatch::new(batch, SINK_SLOT),
            pattern: payload_pattern(),
            protocol,
            drops: 0,
        })
    }

    /// How many datagrams the kernel dropped for a full receive queue, as
    /// of the last one received (`SO_RXQ_OVFL`: drops after the last
    /// datagram show only on the next).
    pub fn drops(&self) -> u64 {
        u64::from(self.drops)
    }

    /// Joins `group` on interface `ifindex`, so multicast to it is counted.
    pub fn join(&self, ifindex: u32, group: IpAddr) -> Result<()> {
        match (&self.conn, group) {
            (SinkConn::V4(c), IpAddr::V4(g)) => c.join_group(ifindex, g)?,
            (SinkConn::V6(c), IpAddr::V6(g)) => c.join_group(ifindex, g)?,
            _ => return Err(usage("--group and -6 disagree on the family")),
        }
        Ok(())
    }

    /// One `recvmmsg` (waiting up to the tick for the first datagram):
    /// how many datagrams arrived and how many of them are invalid; (0, 0)
    /// when the tick passed. Allocates nothing.
    #[inline]
    pub fn recv(&mut self) -> Result<(u64, u64)> {
        let got = match &self.conn {
            SinkConn::V4(c) => c.recv_batch(&mut self.batch),
            SinkConn::V6(c) => c.recv_batch(&mut self.batch),
        };
        match got {
            Ok(n) if matches!(self.conn, SinkConn::V6(_)) => {
                let mut invalid = 0;
                for d in self.batch.iter6() {
                    if !perf6::is_valid6(d.data, d.meta.truncated, &self.pattern) {
                        invalid += 1;
                    }
                    if let Some(drops) = d.meta.drops {
                        self.drops = drops;
                    }
                }
                Ok((n as u64, invalid))
            }
            Ok(n) => {
                let mut invalid = 0;
                for d in self.batch.iter() {
                    if !is_valid(d.data, d.meta.truncated, self.protocol, &self.pattern) {
                        invalid += 1;
                    }
                    if let Some(drops) = d.meta.drops {
                        self.drops = drops;
                    }
                }
                Ok((n as u64, invalid))
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok((0, 0)),
            Err(e) => Err(e.into()),
        }
    }
}

/// `ipv4kit sink`.
pub fn run_sink(args: &SinkArgs) -> Result<()> {
    if let Some(d) = args.duration_s {
        if !(d > 0.0 && d <= 1e6) {
            return Err(format!("--duration-s {d}: want seconds in (0, 1e6]").into());
        }
    }
    let idle = Duration::from_millis(args.idle_timeout_ms);
    if let Some(g) = args.group {
        if !g.is_multicast() {
            return Err(usage(format!("--group {g} is not a multicast address")));
        }
        if args.ipv6 && g.is_ipv4() {
            return Err(usage(format!("--group {g} is IPv4 but -6 was given")));
        }
    }
    let v6 = args.ipv6 || args.group.is_some_and(|g| g.is_ipv6());
    let (batch, tick) = (usize::from(args.batch), idle.min(SINK_TICK));
    let mut sink = if v6 {
        Sink::new6(args.protocol, batch, tick)?
    } else {
        Sink::new(args.protocol, batch, tick)?
    };
    if let (Some(g), Some(name)) = (args.group, &args.iface) {
        sink.join(usable_interface(name)?.index, g)?;
    }

    let start = Instant::now();
    let deadline = args.duration_s.map(|d| start + Duration::from_secs_f64(d));
    let (mut received, mut invalid) = (0u64, 0u64);
    let (mut first, mut last) = (start, start);
    let mut progress = Progress::new(start);
    loop {
        let (n, bad) = sink.recv()?;
        let now = Instant::now();
        if n > 0 {
            if received == 0 {
                first = now;
            }
            last = now;
            received += n;
            invalid += bad;
        }
        if deadline.is_some_and(|d| now >= d)
            || (received > 0 && now - last >= idle)
            || stop::requested()
        {
            break;
        }
        progress.tick(now, "sink", received);
    }
    let seconds = if received > 0 {
        (last - first).as_secs_f64()
    } else {
        0.0
    };
    let summary = Summary::new(received, seconds, Some(invalid)).with_drops(sink.drops());
    if summary.drops.is_some_and(|d| d > 0) {
        eprintln!(
            "ipv4kit: sink: the kernel dropped {} datagrams: the receive queue was full",
            sink.drops()
        );
    }
    print_summary(&summary, args.json)
}
