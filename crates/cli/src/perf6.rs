//! `send` and `sink` over IPv6: a raw IPv6 socket ([`PacketConn6`]) for the
//! protocol, the kernel writing the header, the payload pattern of the IPv4
//! path after it.

use std::error::Error;
use std::net::{Ipv6Addr, SocketAddrV6};

use ipv4kit_net::{Datagram6Options, Ipv6Options, PacketConn6, SendBatch};

use crate::args::{usage, SendArgs};
use crate::perf::{explain, payload_pattern, send_loop};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The IPv6 sending side: a raw IPv6 socket for the protocol and a batch
/// of identical payloads (the kernel writes the IPv6 header).
pub struct Sender6 {
    conn: PacketConn6,
    batch: SendBatch,
}

impl Sender6 {
    /// Opens the socket (hop limit `hops` for unicast and multicast,
    /// multicast out of `ifindex` if given) and fills a batch of `batch`
    /// copies of `payload` to `dst`.
    pub fn new(
        protocol: u8,
        dst: SocketAddrV6,
        payload: &[u8],
        batch: usize,
        hops: u8,
        ifindex: Option<u32>,
    ) -> Result<Sender6> {
        let conn = PacketConn6::raw(protocol)?;
        conn.set_unicast_hops(hops)?;
        conn.set_multicast_hops(hops)?;
        if let Some(i) = ifindex {
            conn.set_multicast_interface(i)?;
        }
        let mut b = SendBatch::new(batch, payload.len().max(1));
        for _ in 0..batch {
            b.push6(dst, payload, None)?;
        }
        Ok(Sender6 { conn, batch: b })
    }

    /// One `sendmmsg` of `n` datagrams, as [`Sender::send`].
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

/// `ipv4kit send` to an IPv6 destination.
pub fn run_send6(
    args: &SendArgs,
    dst: Ipv6Addr,
    ifindex: Option<u32>,
    batch_len: usize,
) -> Result<()> {
    if args.via.is_packet() {
        return Err(usage(
            "--via packet and packet-ring send IPv4 frames only (use the raw path for IPv6)",
        ));
    }
    let size = usize::from(args.size);
    let Some(payload_len) = size.checked_sub(40) else {
        return Err(usage(format!(
            "--size {size}: an IPv6 header alone is 40 bytes"
        )));
    };
    // Link-local unicast and interface- or link-local multicast name their
    // interface in the scope id (RFC 4007 §6).
    let needs_scope = dst.segments()[0] & 0xffc0 == 0xfe80
        || (dst.is_multicast() && dst.segments()[0] & 0xf <= 2);
    if needs_scope && ifindex.is_none() {
        return Err(usage(format!(
            "{dst} is link-scoped: add --iface IF (the interface to send out of)"
        )));
    }
    let scope = if needs_scope { ifindex.unwrap_or(0) } else { 0 };
    let pattern = payload_pattern();
    let to = SocketAddrV6::new(dst, 0, 0, scope);
    let mut sender = Sender6::new(
        args.protocol,
        to,
        &pattern[..payload_len],
        batch_len,
        args.ttl,
        ifindex,
    )?;
    let args6 = args;
    send_loop(args, batch_len, |n| {
        sender.send(n).map_err(|e| explain(args6, e))
    })
}

/// Whether an IPv6 payload is one `send` could have sent: whole, and the
/// payload pattern.
pub fn is_valid6(data: &[u8], truncated: bool, pattern: &[u8]) -> bool {
    !truncated && pattern.get(..data.len()) == Some(data)
}
