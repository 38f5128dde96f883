//! Expanding-ring search, the POSIX multicast guide's example, for IPv4 and
//! IPv6 with one code path: a prober sends a multicast probe with TTL (hop
//! limit) 0, then 1, 2, … until a responder answers; the first TTL that
//! gets an answer is how far away the nearest responder is.
//!
//! ```text
//! expanding_ring respond GROUP PORT IFACE          # on the far host
//! expanding_ring probe   GROUP PORT IFACE [MAX]    # prints the TTL that reached it
//! expanding_ring probe ff15::4b:1 5700 eth0
//! expanding_ring probe 239.1.2.3 5700 eth0 8
//! ```
//!
//! The family follows GROUP. The responder answers each probe with a
//! unicast datagram naming the probe's TTL and the hop limit it arrived
//! with. Tested in `crates/net/tests/expanding_ring.rs` across a router
//! namespace that forwards multicast through `MrouteSocket` /
//! `Mroute6Socket`: TTL 1 does not cross it, TTL 2 does.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ipv4kit_net::{
    interface_index, ControlFlags, Datagram6Options, DatagramOptions, Error, IpOptions,
    Ipv6Options, PacketConn, PacketConn6,
};

/// A UDP socket of either family, with the few calls the search needs.
pub enum RingSocket {
    /// IPv4.
    V4(PacketConn),
    /// IPv6.
    V6(PacketConn6),
}

/// What a receive returned: bytes, sender, received TTL (hop limit).
pub type Received = (usize, SocketAddr, Option<u8>);

impl RingSocket {
    /// A socket of `group`'s family bound to the unspecified address and
    /// `port` (0: any), with `SO_REUSEADDR` and the received TTL on.
    pub fn bind(group: IpAddr, port: u16) -> Result<RingSocket, Error> {
        Ok(match group {
            IpAddr::V4(_) => {
                let c = PacketConn::udp()?;
                c.set_reuse_address(true)?;
                c.bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port))?;
                c.set_control_message(ControlFlags::TTL, true)?;
                RingSocket::V4(c)
            }
            IpAddr::V6(_) => {
                let c = PacketConn6::udp()?;
                c.set_reuse_address(true)?;
                c.bind(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, port, 0, 0))?;
                c.set_control_message(ControlFlags::HOP_LIMIT, true)?;
                RingSocket::V6(c)
            }
        })
    }

    /// Joins `group` on `ifindex`.
    pub fn join(&self, ifindex: u32, group: IpAddr) -> Result<(), Error> {
        match (self, group) {
            (RingSocket::V4(c), IpAddr::V4(g)) => c.join_group(ifindex, g),
            (RingSocket::V6(c), IpAddr::V6(g)) => c.join_group(ifindex, g),
            _ => Err(mixed()),
        }
    }

    /// Sends multicast out of `ifindex`.
    pub fn set_interface(&self, ifindex: u32) -> Result<(), Error> {
        match self {
            RingSocket::V4(c) => c.set_multicast_interface_index(ifindex),
            RingSocket::V6(c) => c.set_multicast_interface(ifindex),
        }
    }

    /// The multicast TTL (hop limit) of what follows.
    pub fn set_ttl(&self, ttl: u8) -> Result<(), Error> {
        match self {
            RingSocket::V4(c) => c.set_multicast_ttl(ttl),
            RingSocket::V6(c) => c.set_multicast_hops(ttl),
        }
    }

    /// How long a receive waits.
    pub fn set_timeout(&self, t: Duration) -> Result<(), Error> {
        match self {
            RingSocket::V4(c) => c.set_read_timeout(Some(t)),
            RingSocket::V6(c) => c.set_read_timeout(Some(t)),
        }
    }

    /// Sends `data` to `to`.
    pub fn send_to(&self, data: &[u8], to: SocketAddr) -> Result<usize, Error> {
        match (self, to) {
            (RingSocket::V4(c), SocketAddr::V4(a)) => c.send_to(data, a, None),
            (RingSocket::V6(c), SocketAddr::V6(a)) => c.send_to(data, a, None),
            _ => Err(mixed()),
        }
    }

    /// Receives one datagram.
    pub fn recv(&self, buf: &mut [u8]) -> Result<Received, Error> {
        Ok(match self {
            RingSocket::V4(c) => {
                let m = c.recv_from(buf)?;
                (m.len, SocketAddr::V4(m.src), m.cm.ttl)
            }
            RingSocket::V6(c) => {
                let m = c.recv_from(buf)?;
                (m.len, SocketAddr::V6(m.src), m.cm.hop_limit)
            }
        })
    }
}

fn mixed() -> Error {
    Error::new(
        "expanding_ring",
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "mixed address families"),
    )
}

/// Probes with TTL 0, 1, … `max_ttl`, waiting `wait` after each for an
/// answer; returns the first TTL answered and who answered.
pub fn probe(
    sock: &RingSocket,
    group: SocketAddr,
    max_ttl: u8,
    wait: Duration,
) -> Result<Option<(u8, SocketAddr)>, Error> {
    let mut buf = [0u8; 64];
    for ttl in 0..=max_ttl {
        sock.set_ttl(ttl)?;
        sock.send_to(format!("RING? {ttl}").as_bytes(), group)?;
        let end = Instant::now() + wait;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            sock.set_timeout(left.max(Duration::from_millis(1)))?;
            match sock.recv(&mut buf) {
                Ok((n, from, _)) => {
                    // "RING! <probe ttl> <arrival hop limit>"; a late answer
                    // to an earlier probe names that probe's TTL.
                    let text = String::from_utf8_lossy(&buf[..n]);
                    let mut words = text.split_whitespace();
                    if words.next() == Some("RING!") {
                        if let Some(t) = words.next().and_then(|t| t.parse().ok()) {
                            return Ok(Some((t, from)));
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(None)
}

/// Answers probes until no probe comes for `idle`; returns how many it
/// answered.
pub fn respond(sock: &RingSocket, idle: Duration) -> Result<usize, Error> {
    sock.set_timeout(idle)?;
    let mut buf = [0u8; 64];
    let mut answered = 0;
    loop {
        let (n, from, arrived) = match sock.recv(&mut buf) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(answered),
            Err(e) => return Err(e),
        };
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if let Some(ttl) = text.strip_prefix("RING? ") {
            let hops = arrived.map_or("?".to_owned(), |h| h.to_string());
            sock.send_to(format!("RING! {ttl} {hops}").as_bytes(), from)?;
            answered += 1;
        }
    }
}

#[allow(dead_code)] // the test includes this file as a module and calls the functions
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || {
        eprintln!("usage: expanding_ring probe|respond GROUP PORT IFACE [MAX_TTL]");
        ExitCode::from(2)
    };
    if !(4..=5).contains(&args.len()) {
        return usage();
    }
    let (Ok(group), Ok(port)) = (args[1].parse::<IpAddr>(), args[2].parse::<u16>()) else {
        return usage();
    };
    if !group.is_multicast() {
        eprintln!("expanding_ring: {group} is not a multicast address");
        return ExitCode::from(2);
    }
    let max_ttl = match args.get(4).map(|m| m.parse::<u8>()) {
        None => 16,
        Some(Ok(m)) => m,
        Some(Err(_)) => return usage(),
    };
    let run = || -> Result<(), Error> {
        let ifindex = interface_index(&args[3])?;
        match args[0].as_str() {
            "respond" => {
                let s = RingSocket::bind(group, port)?;
                s.join(ifindex, group)?;
                loop {
                    respond(&s, Duration::from_secs(3600))?;
                }
            }
            _ => {
                let s = RingSocket::bind(group, 0)?;
                s.set_interface(ifindex)?;
                let to = SocketAddr::new(group, port);
                match probe(&s, to, max_ttl, Duration::from_millis(500))? {
                    Some((ttl, from)) => println!("TTL {ttl}: {from} answered"),
                    None => println!("no answer up to TTL {max_ttl}"),
                }
                Ok(())
            }
        }
    };
    if !matches!(args[0].as_str(), "probe" | "respond") {
        return usage();
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("expanding_ring: {e}");
            ExitCode::FAILURE
        }
    }
}
