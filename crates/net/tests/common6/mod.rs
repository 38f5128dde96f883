//! Helpers shared by the IPv6 real-socket tests: a tcpdump capture inside a
//! namespace, decoded by tshark, and the few bytes of MLD messages the tests
//! build and check by hand.
//!
//! The MLD bytes are written out here because the codec (`wire::mld`) is
//! being written beside this code; when it lands, `mld_query_v2`,
//! `mld_query_v1` and `Records` give way to its reprs and views.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::Ipv6Addr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ipv4kit_net::wire::checksum::checksum;
use ipv4kit_net::{Ipv6Options, PacketConn6, RecvMeta6};
use ipv4kit_testnet::Netns;

/// ICMPv6 types of MLD (RFC 2710 §3, RFC 3810 §5).
pub const MLD_QUERY: u8 = 130;
pub const MLD_V1_REPORT: u8 = 131;
pub const MLD_V1_DONE: u8 = 132;
pub const MLD_V2_REPORT: u8 = 143;

/// ff02::1, all nodes; ff02::2, all routers; ff02::16, all MLDv2 routers.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
pub const ALL_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);
pub const ALL_MLDV2_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x16);

/// An MLDv2 general query (RFC 3810 §5.1): 28 bytes, checksum left zero
/// (the kernel fills it on a raw ICMPv6 socket), Maximum Response Code
/// `max_resp_ms` (below 32768 it is the delay in milliseconds), QRV 2,
/// QQIC 125.
pub fn mld_query_v2(max_resp_ms: u16) -> [u8; 28] {
    let mut q = [0u8; 28];
    q[0] = MLD_QUERY;
    q[4..6].copy_from_slice(&max_resp_ms.to_be_bytes());
    q[24] = 2; // Resv 0, S 0, QRV 2
    q[25] = 125; // QQIC
    q
}

/// An MLDv1 general query (RFC 2710 §3): 24 bytes.
pub fn mld_query_v1(max_resp_ms: u16) -> [u8; 24] {
    let mut q = [0u8; 24];
    q[0] = MLD_QUERY;
    q[4..6].copy_from_slice(&max_resp_ms.to_be_bytes());
    q
}

/// The ICMPv6 checksum of `msg` from `src` to `dst` (RFC 8200 §8.1 pseudo-
/// header: addresses, upper-layer length, next header 58): 0 when `msg`
/// carries a correct one.
pub fn icmpv6_checksum(src: Ipv6Addr, dst: Ipv6Addr, msg: &[u8]) -> u16 {
    let mut buf = Vec::with_capacity(40 + msg.len());
    buf.extend_from_slice(&src.octets());
    buf.extend_from_slice(&dst.octets());
    buf.extend_from_slice(&(msg.len() as u32).to_be_bytes());
    buf.extend_from_slice(&[0, 0, 0, 58]);
    buf.extend_from_slice(msg);
    checksum(&buf)
}

/// One multicast address record of an MLDv2 report (RFC 3810 §5.2.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub kind: u8,
    pub group: Ipv6Addr,
    pub sources: Vec<Ipv6Addr>,
}

/// The records of an MLDv2 report, or None if `msg` is not a well-formed one.
pub fn mld_v2_records(msg: &[u8]) -> Option<Vec<Record>> {
    if msg.len() < 8 || msg[0] != MLD_V2_REPORT {
        return None;
    }
    let n = u16::from_be_bytes([msg[6], msg[7]]);
    let mut at = 8;
    let mut out = Vec::new();
    for _ in 0..n {
        let h = msg.get(at..at + 20)?;
        let aux = usize::from(h[1]) * 4;
        let nsrc = usize::from(u16::from_be_bytes([h[2], h[3]]));
        let group = Ipv6Addr::from(<[u8; 16]>::try_from(&h[4..20]).ok()?);
        let mut sources = Vec::new();
        for i in 0..nsrc {
            let s = msg.get(at + 20 + 16 * i..at + 36 + 16 * i)?;
            sources.push(Ipv6Addr::from(<[u8; 16]>::try_from(s).ok()?));
        }
        out.push(Record {
            kind: h[0],
            group,
            sources,
        });
        at += 20 + 16 * nsrc + aux;
    }
    Some(out)
}

/// The multicast address of an MLDv1 message (bytes 8..24).
pub fn mld_v1_group(msg: &[u8]) -> Option<Ipv6Addr> {
    Some(Ipv6Addr::from(<[u8; 16]>::try_from(msg.get(8..24)?).ok()?))
}

/// Receives on `conn` until `pred` accepts a message or `within` passes.
pub fn recv_until(
    conn: &PacketConn6,
    within: Duration,
    mut pred: impl FnMut(&[u8], &RecvMeta6) -> bool,
) -> Option<(Vec<u8>, RecvMeta6)> {
    let end = Instant::now() + within;
    let mut buf = [0u8; 2048];
    while Instant::now() < end {
        let left = end
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        conn.set_read_timeout(Some(left)).unwrap();
        match conn.recv_from(&mut buf) {
            Ok(m) if pred(&buf[..m.len], &m) => return Some((buf[..m.len].to_vec(), m)),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return None,
            Err(e) => panic!("{e}"),
        }
    }
    None
}

/// A tcpdump capture running inside a namespace, written to a pcap file.
pub struct Capture {
    child: Child,
    path: PathBuf,
}

static CAPTURES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Capture {
    /// Starts `tcpdump -i dev -w FILE filter` in `ns` and waits until it
    /// listens. Immediate mode: without it libpcap hands packets over a
    /// ring block at a time, and those of the last block are lost on stop.
    pub fn start(ns: &Netns, dev: &str, filter: &str) -> Capture {
        let n = CAPTURES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("v4k6-{}-{n}.pcap", std::process::id()));
        let mut args = vec![
            "netns",
            "exec",
            ns.name(),
            "tcpdump",
            "-i",
            dev,
            "--immediate-mode",
            "-U",
            "-w",
        ];
        let p = path.to_str().unwrap().to_owned();
        args.push(&p);
        args.extend(filter.split_whitespace());
        let mut child = Command::new("ip")
            .args(&args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("tcpdump");
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        while err.read_line(&mut line).unwrap() > 0 && !line.contains("listening on") {
            line.clear();
        }
        assert!(line.contains("listening on"), "tcpdump did not start");
        Capture { child, path }
    }

    /// Stops the capture (after a moment for the last packets) and returns
    /// tshark's verbose decoding of it.
    pub fn decode(mut self) -> String {
        std::thread::sleep(Duration::from_millis(300));
        // Ends only the tcpdump this capture started (by its pid).
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let out = Command::new("tshark")
            .args(["-r", self.path.to_str().unwrap(), "-V"])
            .output()
            .expect("tshark");
        let _ = std::fs::remove_file(&self.path);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether tshark's verbose output flags a problem (expert warnings or
/// errors, malformed packets, bad checksums).
pub fn tshark_complains(decoded: &str) -> bool {
    decoded.contains("Expert Info (Warning")
        || decoded.contains("Expert Info (Error")
        || decoded.contains("Malformed")
        || decoded.contains("[Checksum Status: Bad]")
}
