//! `send` and `sink`: a raw-IP traffic generator and counter over
//! [`RawConn`] (IPv4) and [`PacketConn6`] (IPv6) batch I/O, with the same
//! flags and summary line as the C and Go peers in `benches/peers/`.
//!
//! Both build their batch once and reuse it; the loops do not allocate.
//! The sending side is here (IPv6's in [`crate::perf6`]), the receiving
//! side in `perf/sink.rs`, `send --via packet` (whole frames) in
//! `perf/packet.rs`.

use std::error::Error;
use std::io::{IsTerminal, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use ipv4kit_net::wire::ipv4::{Ipv4Packet, Ipv4Repr, MIN_HEADER_LEN};
use ipv4kit_net::{ControlMessage, DatagramOptions, RawConn, SendBatch};
use serde::Serialize;

use crate::args::{usage, SendArgs};
use crate::igmp_send::{explain_send_error, io_errno, usable_interface};
use crate::{perf6, stop};

mod packet;
mod sink;

pub use packet::parse_arp;
use packet::run_send_packet;
pub use sink::{run_sink, Sink, SINK_RCVBUF, SINK_SLOT};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// How long `send` runs when given neither `--count` nor `--duration-s`
/// (as the C peer).
pub const DEFAULT_SEND_DURATION: Duration = Duration::from_secs(5);

/// The final result of `send` or `sink`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Datagrams sent (accepted by the kernel) or received.
    pub packets: u64,
    /// Seconds spent sending; for the sink, from the first batch to the last.
    pub seconds: f64,
    /// Packets per second, rounded (0 when no time passed).
    pub pps: u64,
    /// Received datagrams that failed validation (sink only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalid: Option<u64>,
    /// Datagrams the kernel dropped because the sink's receive queue was
    /// full (`SO_RXQ_OVFL`, sink only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drops: Option<u64>,
}

impl Summary {
    /// A summary of `packets` in `seconds` (rounded to milliseconds, as printed).
    pub fn new(packets: u64, seconds: f64, invalid: Option<u64>) -> Summary {
        let pps = if seconds > 0.0 {
            (packets as f64 / seconds + 0.5) as u64
        } else {
            0
        };
        Summary {
            packets,
            seconds: (seconds * 1000.0).round() / 1000.0,
            pps,
            invalid,
            drops: None,
        }
    }

    /// The summary with the kernel's drop count (sink).
    pub fn with_drops(mut self, drops: u64) -> Summary {
        self.drops = Some(drops);
        self
    }

    /// `packets=N seconds=S pps=P`, then ` invalid=N drops=N` for the sink: the C
    /// peer's line (plus what it does not count) (`benches/peers/c/rawperf.c`), seconds with 3 decimals.
    pub fn line(&self) -> String {
        let mut s = format!(
            "packets={} seconds={:.3} pps={}",
            self.packets, self.seconds, self.pps
        );
        if let Some(n) = self.invalid {
            s.push_str(&format!(" invalid={n}"));
        }
        if let Some(n) = self.drops {
            s.push_str(&format!(" drops={n}"));
        }
        s
    }

    /// `{"packets":N,"seconds":S,"pps":P}` (plus `"invalid"` for the sink).
    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn print_summary(summary: &Summary, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}",
        if json { summary.json() } else { summary.line() }
    )?;
    out.flush()?;
    Ok(())
}

/// Byte `i` of every payload `send` writes: `i mod 256`, so the sink can
/// tell a datagram that came through whole.
pub fn payload_pattern() -> Vec<u8> {
    (0..=u16::MAX).map(|i| i as u8).collect()
}

/// One datagram of `size` bytes for `send`: a 20-byte header (source, ID and
/// checksum left to the kernel) and the payload pattern.
pub fn build_datagram(dst: Ipv4Addr, protocol: u8, ttl: u8, size: usize) -> Result<Vec<u8>> {
    if size < MIN_HEADER_LEN {
        return Err(format!("--size {size}: an IPv4 header alone is 20 bytes").into());
    }
    let mut dg = vec![0u8; size];
    let repr =
        Ipv4Repr::new(Ipv4Addr::UNSPECIFIED, dst, protocol, size - MIN_HEADER_LEN).with_ttl(ttl);
    let n = repr.emit(&mut dg)?;
    let pattern = payload_pattern();
    dg[n..].copy_from_slice(&pattern[..size - n]);
    Ok(dg)
}

/// Whether a received datagram is one `send` could have sent for `protocol`:
/// whole (not cut to the slot), a valid IPv4 header (checksum too), total
/// length equal to what arrived, the protocol, and the payload pattern.
pub fn is_valid(data: &[u8], truncated: bool, protocol: u8, pattern: &[u8]) -> bool {
    if truncated {
        return false;
    }
    let Ok(ip) = Ipv4Packet::new_checked(data) else {
        return false;
    };
    let payload = ip.payload();
    usize::from(ip.total_len()) == data.len()
        && ip.protocol().0 == protocol
        && pattern.get(..payload.len()) == Some(payload)
}

/// Prints a progress line on stderr once a second, when stderr is a terminal.
struct Progress {
    on: bool,
    next: Instant,
    last_packets: u64,
}

impl Progress {
    fn new(now: Instant) -> Progress {
        Progress {
            on: std::io::stderr().is_terminal(),
            next: now + Duration::from_secs(1),
            last_packets: 0,
        }
    }

    #[inline]
    fn tick(&mut self, now: Instant, what: &str, packets: u64) {
        if self.on && now >= self.next {
            let pps = packets - self.last_packets;
            eprintln!("{what}: packets={packets} last second pps={pps}");
            self.last_packets = packets;
            self.next = now + Duration::from_secs(1);
        }
    }
}

/// The sending side: a raw socket and a batch of identical datagrams, both
/// made once.
pub struct Sender {
    conn: RawConn,
    batch: SendBatch,
}

impl Sender {
    /// Opens the socket and fills a batch of `batch` copies of `datagram`,
    /// each sent with `cm` (the outgoing interface).
    pub fn new(
        protocol: u8,
        datagram: &[u8],
        batch: usize,
        cm: Option<&ControlMessage>,
    ) -> Result<Sender> {
        let conn = RawConn::new(protocol)?;
        let mut b = SendBatch::new(batch, datagram.len());
        for _ in 0..batch {
            b.push_datagram(datagram, cm)?;
        }
        Ok(Sender { conn, batch: b })
    }

    /// One `sendmmsg` of `n` datagrams (at most the batch; the batch's tail
    /// is sent). Returns how many the kernel took; 0 when the device queue
    /// was full (`ENOBUFS`), which is worth retrying. Allocates nothing.
    #[inline]
    pub fn send(&mut self, n: usize) -> Result<usize> {
        let len = self.batch.len();
        match self.conn.send_batch(&mut self.batch, len - n.min(len)) {
            Ok(k) => Ok(k),
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }
}

/// Says what to do about a failed send to `dst`: a broadcast address
/// needs --broadcast, a multicast group an interface, a datagram larger
/// than the MTU a smaller --size, a down interface bringing up.
pub(crate) fn explain(args: &SendArgs, e: Box<dyn Error>) -> Box<dyn Error> {
    let dst = args.dst;
    let size = args.size;
    match io_errno(e.as_ref()) {
        Some(libc::EACCES) if !args.broadcast => format!(
            "{dst} is a broadcast address and the kernel refuses to send to one without \
             permission: add --broadcast (SO_BROADCAST) ({e})"
        )
        .into(),
        Some(libc::EMSGSIZE) => format!(
            "--size {size} is larger than the MTU of the way to {dst}: use a smaller --size \
             (at most the interface MTU; raw datagrams are not fragmented) ({e})"
        )
        .into(),
        Some(libc::ENETUNREACH | libc::ENODEV | libc::EHOSTUNREACH | libc::EADDRNOTAVAIL)
            if dst.is_multicast() && args.iface.is_none() =>
        {
            format!(
                "{dst} is a multicast group and no route says which interface it leaves by: \
                 add --iface IF ({e})"
            )
            .into()
        }
        _ => match &args.iface {
            Some(name) => explain_send_error(name, "send", e),
            None => e,
        },
    }
}

/// `ipv4kit send`.
pub fn run_send(args: &SendArgs) -> Result<()> {
    let size = usize::from(args.size);
    if let Some(d) = args.duration_s {
        if !(d > 0.0 && d <= 1e6) {
            return Err(format!("--duration-s {d}: want seconds in (0, 1e6]").into());
        }
    }
    let ifc = match &args.iface {
        Some(name) => Some(usable_interface(name)?),
        None => None,
    };
    if let Some(mtu) = ifc.as_ref().and_then(|i| i.mtu) {
        if size > mtu as usize {
            return Err(usage(format!(
                "--size {size} is more than {}'s MTU ({mtu}): raw datagrams are not fragmented; \
                 use --size {mtu} or less",
                args.iface.as_deref().unwrap_or_default()
            )));
        }
    }
    let batch_len = usize::from(args.batch);
    let dst4 = match args.dst {
        IpAddr::V4(d) => d,
        IpAddr::V6(d) => return perf6::run_send6(args, d, ifc.map(|i| i.index), batch_len),
    };
    let datagram = build_datagram(dst4, args.protocol, args.ttl, size)?;
    let cm = ifc.as_ref().map(|i| ControlMessage {
        ifindex: Some(i.index),
        ..Default::default()
    });
    if args.via.is_packet() {
        return run_send_packet(args, dst4, batch_len);
    }
    let mut sender = Sender::new(args.protocol, &datagram, batch_len, cm.as_ref())?;
    if args.broadcast {
        sender.conn.as_socket().set_broadcast(true)?;
    }
    if let (true, Some(i)) = (dst4.is_multicast(), &ifc) {
        sender.conn.set_multicast_interface_index(i.index)?;
    }
    send_loop(args, batch_len, |n| {
        sender.send(n).map_err(|e| explain(args, e))
    })
}

/// The loop of `send` on either path: `send(n)` sends `n` datagrams and
/// says how many went (0 for a full device queue, retried).
pub(crate) fn send_loop(
    args: &SendArgs,
    batch_len: usize,
    mut send: impl FnMut(usize) -> Result<usize>,
) -> Result<()> {
    let duration = match (args.count, args.duration_s) {
        (None, None) => Some(DEFAULT_SEND_DURATION),
        (_, d) => d.map(Duration::from_secs_f64),
    };

    let mut sent = 0u64;
    let mut nobufs = 0u64;
    let start = Instant::now();
    let mut end = start;
    let mut progress = Progress::new(start);
    let mut failed = None;
    loop {
        // The last datagrams of a count: send the tail of the batch.
        let n = match args.count {
            Some(c) if c - sent == 0 => break,
            Some(c) => (c - sent).min(batch_len as u64) as usize,
            None => batch_len,
        };
        match send(n) {
            // A full device queue: try again (the C peer does the same).
            Ok(0) => nobufs += 1,
            Ok(k) => sent += k as u64,
            // Stop, but say what went out before the error.
            Err(e) => {
                failed = Some(e);
                end = Instant::now();
                break;
            }
        }
        end = Instant::now();
        if duration.is_some_and(|d| end - start >= d) || stop::requested() {
            break;
        }
        progress.tick(end, "send", sent);
    }
    if nobufs > 0 {
        eprintln!("ipv4kit: send: {nobufs} sendmmsg calls failed with ENOBUFS and were retried");
    }
    print_summary(
        &Summary::new(sent, (end - start).as_secs_f64(), None),
        args.json,
    )?;
    match failed {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_line_is_the_c_peers_format() {
        let s = Summary::new(10_000, 0.0421, None);
        assert_eq!(s.line(), "packets=10000 seconds=0.042 pps=237530");
        assert_eq!(
            s.json(),
            r#"{"packets":10000,"seconds":0.042,"pps":237530}"#
        );
        let s = Summary::new(5, 2.0, Some(1));
        assert_eq!(s.line(), "packets=5 seconds=2.000 pps=3 invalid=1");
        assert_eq!(
            s.json(),
            r#"{"packets":5,"seconds":2.0,"pps":3,"invalid":1}"#
        );
        assert_eq!(
            Summary::new(0, 0.0, Some(0)).line(),
            "packets=0 seconds=0.000 pps=0 invalid=0"
        );
    }

    #[test]
    fn the_datagram_send_builds_is_valid_and_damage_is_not() {
        let pattern = payload_pattern();
        let dg = build_datagram(Ipv4Addr::new(198, 18, 0, 2), 253, 64, 48).unwrap();
        assert_eq!(dg.len(), 48);
        let ip = Ipv4Packet::new_checked(&dg[..]).unwrap();
        assert_eq!((ip.protocol().0, ip.ttl(), ip.total_len()), (253, 64, 48));
        assert!(is_valid(&dg, false, 253, &pattern));
        assert!(!is_valid(&dg, true, 253, &pattern), "truncated");
        assert!(!is_valid(&dg, false, 254, &pattern), "other protocol");
        assert!(!is_valid(&dg[..40], false, 253, &pattern), "cut short");
        let mut bad = dg.clone();
        bad[30] ^= 0xff;
        assert!(!is_valid(&bad, false, 253, &pattern), "payload damaged");
        let mut bad = dg.clone();
        bad[8] = 63; // TTL changed, checksum not
        assert!(!is_valid(&bad, false, 253, &pattern), "header checksum");
        assert!(!is_valid(&[], false, 253, &pattern));
        assert!(build_datagram(Ipv4Addr::LOCALHOST, 253, 64, 19).is_err());
        // The largest datagram fits the pattern.
        let big = build_datagram(Ipv4Addr::LOCALHOST, 253, 64, 65535).unwrap();
        assert!(is_valid(&big, false, 253, &pattern));
    }
}
