//! Helpers shared by the real-socket tests: hand-built IPv4 headers and IGMP
//! messages (checksums from `ipv4kit_wire::checksum`), and receive helpers.
#![allow(dead_code)]

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use ipv4kit_net::wire::checksum::checksum;
use ipv4kit_net::wire::ipv4::Ipv4Packet;
use ipv4kit_net::{DatagramOptions, IpOptions, RawConn, RecvMeta};

/// Router Alert option (RFC 2113): type 148, length 4, value 0.
#[allow(unused_imports)]
pub use ipv4kit_net::wire::ipv4::ROUTER_ALERT;

/// The fields of a hand-built IPv4 header, for the tests that need what
/// `Ipv4Repr` rightly never writes (zero length, zero or wrong checksum).
#[derive(Clone, Copy, Debug)]
pub struct Hdr<'a> {
    pub tos: u8,
    pub id: u16,
    pub df: bool,
    pub ttl: u8,
    pub protocol: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub options: &'a [u8],
    /// Total length to write (0 lets the kernel fill it).
    pub total_len: u16,
    /// Compute the header checksum (else leave 0 for the kernel).
    pub checksum: bool,
}

impl Default for Hdr<'_> {
    fn default() -> Self {
        Hdr {
            tos: 0,
            id: 0,
            df: false,
            ttl: 64,
            protocol: 253,
            src: Ipv4Addr::UNSPECIFIED,
            dst: Ipv4Addr::UNSPECIFIED,
            options: &[],
            total_len: 0,
            checksum: false,
        }
    }
}

impl Hdr<'_> {
    pub fn emit(&self) -> Vec<u8> {
        assert_eq!(self.options.len() % 4, 0);
        let hl = 20 + self.options.len();
        let mut h = vec![0u8; hl];
        h[0] = 0x40 | (hl / 4) as u8;
        h[1] = self.tos;
        h[2..4].copy_from_slice(&self.total_len.to_be_bytes());
        h[4..6].copy_from_slice(&self.id.to_be_bytes());
        h[6] = if self.df { 0x40 } else { 0 };
        h[8] = self.ttl;
        h[9] = self.protocol;
        h[12..16].copy_from_slice(&self.src.octets());
        h[16..20].copy_from_slice(&self.dst.octets());
        h[20..].copy_from_slice(self.options);
        if self.checksum {
            let c = checksum(&h);
            h[10..12].copy_from_slice(&c.to_be_bytes());
        }
        h
    }
}

/// The fields of a received IPv4 datagram, read through the codec's view
/// (`Ipv4Packet::new_lenient`, so a bad checksum shows as `checksum_ok: false`).
#[derive(Debug)]
pub struct Rx<'a> {
    pub hl: usize,
    pub tos: u8,
    pub total_len: u16,
    pub id: u16,
    pub df: bool,
    pub ttl: u8,
    pub protocol: u8,
    pub checksum_ok: bool,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub options: &'a [u8],
    pub payload: &'a [u8],
}

pub fn parse(d: &[u8]) -> Rx<'_> {
    let p = Ipv4Packet::new_lenient(d).unwrap_or_else(|e| panic!("not IPv4 ({e}): {d:02x?}"));
    Rx {
        hl: p.header_len(),
        tos: p.tos(),
        total_len: p.total_len(),
        id: p.ident(),
        df: p.dont_frag(),
        ttl: p.ttl(),
        protocol: p.protocol().into(),
        checksum_ok: p.verify_checksum(),
        src: p.src(),
        dst: p.dst(),
        options: p.options_bytes_ref(),
        payload: p.payload_ref(),
    }
}

/// Sets a receive timeout so a missing datagram fails the test instead of
/// hanging it.
pub fn timeout<T: IpOptions>(s: &T, ms: u64) {
    s.set_read_timeout(Some(Duration::from_millis(ms))).unwrap();
}

/// Whether a receive failed because nothing came (timeout / non-blocking).
pub fn is_nothing(e: &ipv4kit_net::Error) -> bool {
    e.kind() == std::io::ErrorKind::WouldBlock
}

/// Receives on a raw socket until `pred` matches or `within` passes.
pub fn recv_raw_until(
    conn: &RawConn,
    within: Duration,
    mut pred: impl FnMut(&[u8], &RecvMeta) -> bool,
) -> Option<(Vec<u8>, RecvMeta)> {
    let end = Instant::now() + within;
    let mut buf = [0u8; 2048];
    while Instant::now() < end {
        let left = end
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        conn.set_read_timeout(Some(left)).unwrap();
        match conn.recv(&mut buf) {
            Ok(m) => {
                if pred(&buf[..m.len], &m) {
                    return Some((buf[..m.len].to_vec(), m));
                }
            }
            Err(e) if is_nothing(&e) => return None,
            Err(e) => panic!("{e}"),
        }
    }
    None
}

/// Drains whatever is queued on a raw socket.
pub fn drain<T: DatagramOptions>(
    conn: &T,
    recv: impl Fn(&mut [u8]) -> ipv4kit_net::Result<RecvMeta>,
) {
    conn.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 2048];
    while recv(&mut buf).is_ok() {}
    conn.set_nonblocking(false).unwrap();
}
