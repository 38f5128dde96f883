//! Hostile input at the socket layer, between two namespaces.
//!
//! Host a sends malformed datagrams through a [`RawConn`] (`IP_HDRINCL`);
//! host b receives them through a `RawConn` with `recv_packet` and with
//! `recv_batch`, and the codec judges what arrived. Each case is followed by
//! a valid sentinel datagram, so "nothing arrived" is known without waiting
//! on a clock, and b's `Ip: InHdrErrors` counter (its `/proc/net/snmp`) says
//! whether b's kernel threw the datagram away as a bad header.
//!
//! What Linux (checked on 6.18) does with each kind of malformed datagram:
//!
//! | malformed | a's kernel on send | b's kernel on receive | b's `RawConn` gets |
//! |---|---|---|---|
//! | fewer than 20 bytes | `EINVAL` | — | — |
//! | IHL 0–4 | `EINVAL` | — | — |
//! | IHL × 4 beyond the datagram | `EINVAL` | — | — |
//! | version ≠ 4 | sent as written (this crate refuses it first) | dropped, `InHdrErrors` | nothing |
//! | total length shorter or longer | overwritten with the real length | — | a valid datagram |
//! | bad header checksum | overwritten with the right one | — | a valid datagram |
//! | option length 0 or 1, beyond the header, type as the last byte | sent | dropped, `InHdrErrors` (and an ICMP parameter problem to a, rate-limited) | nothing |
//! | Router Alert of length 2 or 3 (truncated) | sent | dropped, `InHdrErrors` | nothing |
//! | Router Alert of length 6 | sent | accepted (the kernel needs ≥ 4) | `OptionError::InvalidLength` |
//! | route option pointer < 4, or a free slot running past the option | sent | dropped, `InHdrErrors` | nothing |
//! | Record Route of length 5, pointer past it | sent | accepted (full route, slots unread) | `OptionError::InvalidLength` |
//! | two Record Route options | sent | dropped, `InHdrErrors` | nothing |
//! | Record Route / Timestamp with a free slot | sent | **b writes its address / a timestamp into the option and leaves the checksum stale** | `Ipv4Error::BadChecksum` |
//! | Timestamp with no room left | sent | **b bumps the overflow count**, checksum stale | `Ipv4Error::BadChecksum` |
//! | bytes after End of Option List | sent | **b zeroes them**, checksum stale | `Ipv4Error::BadChecksum` |
//! | Security of length 2 (no data) | sent | accepted | `OptionError::InvalidLength` |
//! | loose or strict source route | sent | dropped quietly (`accept_source_route` is 0) | nothing |
//! | any IGMP payload (short, lying counts, bad checksum) | sent | delivered to raw sockets before the kernel's IGMP code looks at it | the bytes; `IgmpMessage::parse` names the error |
//!
//! So a raw socket never sees a bad IHL, a bad length or a header checksum
//! its sender got wrong: those cannot be produced through `IP_HDRINCL` (the
//! kernel refuses or rewrites them), only through a link-layer socket
//! (`AF_PACKET`, out of scope here), and the receiving kernel checks all
//! three before any socket sees the datagram (`ip_rcv_core`), as it does
//! the version above. What does reach it with a bad checksum is a
//! datagram whose options the receiving kernel itself rewrote after
//! checking: `recv_packet` and `RecvBatch::packets` then report
//! `BadChecksum` for a datagram the kernel accepted.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use common::Hdr;
use ipv4kit_net::wire::checksum::checksum;
use ipv4kit_net::wire::igmp::{IgmpError, IgmpMessage, ALL_SYSTEMS};
use ipv4kit_net::wire::ipv4::{Ipv4Error, Ipv4Option, Ipv4Options, Ipv4Packet, OptionError};
use ipv4kit_net::{
    interface_index, ControlFlags, ControlMessage, DatagramOptions, IpOptions, PacketConn, RawConn,
    RecvBatch, RecvMeta, SendBatch,
};
use ipv4kit_testnet::{require_privileges, Link, ADDR_A, ADDR_B};

/// An experimental protocol number (RFC 3692) for the IP-level cases.
const PROTO: u8 = 253;
const IGMP: u8 = 2;
/// A non-zero ID, so the kernel keeps it and checksums are predictable.
const ID: u16 = 0x4b1d;
/// 224.0.0.22, where IGMPv3 reports go.
const V3_REPORTS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 22);
/// The most a test waits for a datagram that must come (a safety net only:
/// every receive ends with a sentinel that is always sent).
const WAIT: Duration = Duration::from_secs(5);

/// A datagram from a to `dst`: header with `options` (a multiple of 4
/// bytes), then `payload`. Total length and checksum are left 0 for the
/// kernel; source and ID are set so the kernel keeps them.
fn datagram(protocol: u8, dst: Ipv4Addr, options: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut d = Hdr {
        id: ID,
        ttl: 1,
        protocol,
        src: ADDR_A,
        dst,
        options,
        ..Default::default()
    }
    .emit();
    d.extend_from_slice(payload);
    d
}

/// `d` as a's kernel puts it on the wire: total length and header checksum
/// filled in (IHL ≥ 5 and source and ID non-zero, so nothing else changes).
fn as_sent(d: &[u8]) -> Vec<u8> {
    let mut d = d.to_vec();
    let len = d.len() as u16;
    d[2..4].copy_from_slice(&len.to_be_bytes());
    d[10..12].fill(0);
    let hl = usize::from(d[0] & 0x0f) * 4;
    let c = checksum(&d[..hl]);
    d[10..12].copy_from_slice(&c.to_be_bytes());
    d
}

/// The checksum a header should carry: its sum with the checksum field zero.
fn header_checksum(d: &[u8]) -> u16 {
    let hl = usize::from(d[0] & 0x0f) * 4;
    let mut h = d[..hl].to_vec();
    h[10..12].fill(0);
    checksum(&h)
}

/// Fills an IGMP message's checksum (octets 2–3).
fn igmp(mut m: Vec<u8>) -> Vec<u8> {
    if m.len() >= 4 {
        m[2..4].fill(0);
        let c = checksum(&m);
        m[2..4].copy_from_slice(&c.to_be_bytes());
    }
    m
}

/// One counter of `Ip:` in `/proc/net/snmp` of the calling thread's namespace.
fn ip_counter(name: &str) -> u64 {
    let snmp = std::fs::read_to_string("/proc/thread-self/net/snmp").unwrap();
    let mut ip = snmp.lines().filter(|l| l.starts_with("Ip:"));
    let (names, values) = (ip.next().unwrap(), ip.next().unwrap());
    let i = names.split_whitespace().position(|n| n == name).unwrap();
    values.split_whitespace().nth(i).unwrap().parse().unwrap()
}

/// Keeps the calling thread, the sender, on the CPU it is on. A veth
/// transmit queues the datagram on the sending CPU's backlog, so a sender
/// that migrated between two datagrams could have them processed on two
/// CPUs and delivered out of order (when softirq work is deferred to
/// `ksoftirqd`, as in a flood). Pinned, b sees them in the order sent, which
/// the sentinels and the flood's sequence checks rely on.
fn pin_sender() {
    use nix::sched::{sched_getcpu, sched_setaffinity, CpuSet};
    use nix::unistd::Pid;
    let mut one = CpuSet::new();
    one.set(sched_getcpu().unwrap()).unwrap();
    sched_setaffinity(Pid::from_raw(0), &one).unwrap();
}

/// How b receives: one datagram per call, or in batches.
#[derive(Clone, Copy, Debug)]
enum Recv {
    Packet,
    Batch,
}

/// How a sends: through the crate, or straight through the socket (past
/// the crate's own check that the header is IPv4).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Send {
    Crate,
    Socket,
}

/// What became of one datagram.
#[derive(Debug, PartialEq)]
enum Fate {
    /// a's send failed with this errno (or, with no errno, the crate
    /// refused it before any system call).
    Refused(Option<i32>),
    /// b's kernel dropped it as a bad header (`InHdrErrors` rose by one).
    HeaderError,
    /// b's kernel dropped it without calling the header bad.
    NotDelivered,
    /// b's `RawConn` received it.
    Arrived(Arrival),
}

/// A received datagram: its bytes and what the receive call's IPv4 view said.
#[derive(Debug, PartialEq)]
struct Arrival {
    bytes: Vec<u8>,
    verdict: Result<(), Ipv4Error>,
    truncated: bool,
}

impl Fate {
    #[track_caller]
    fn arrival(self) -> Arrival {
        match self {
            Fate::Arrived(a) => a,
            other => panic!("expected an arrival, got {other:?}"),
        }
    }
}

/// Host a's sender and host b's receiver for one protocol.
struct Bench {
    link: Link,
    tx: RawConn,
    rx: RawConn,
    /// a's interface, for multicast sends (`IP_PKTINFO`).
    ifindex_a: u32,
    seq: std::cell::Cell<u32>,
}

impl Bench {
    /// Also pins the calling thread, which sends (see [`pin_sender`]).
    fn new(protocol: u8) -> Bench {
        pin_sender();
        let link = Link::new().unwrap();
        let (tx, ifindex_a) = link.a.run(|| {
            let c = RawConn::new(protocol).unwrap();
            c.set_multicast_loop(false).unwrap();
            (c, interface_index(&link.if_a).unwrap())
        });
        let rx = link.b.run(|| {
            let c = RawConn::new(protocol).unwrap();
            c.set_read_timeout(Some(WAIT)).unwrap();
            c
        });
        Bench {
            link,
            tx,
            rx,
            ifindex_a,
            seq: std::cell::Cell::new(0),
        }
    }

    fn hdr_errors(&self) -> u64 {
        self.link.b.run(|| ip_counter("InHdrErrors"))
    }

    fn send(&self, d: &[u8], how: Send) -> Result<(), Option<i32>> {
        // Too short for a destination: b, for the kernel to refuse.
        let dst = d
            .get(16..20)
            .map_or(ADDR_B, |a| Ipv4Addr::new(a[0], a[1], a[2], a[3]));
        let cm = ControlMessage {
            ifindex: Some(self.ifindex_a),
            ..Default::default()
        };
        let cm = dst.is_multicast().then_some(&cm);
        match how {
            Send::Crate => self
                .tx
                .send_datagram(d, cm)
                .map(drop)
                .map_err(|e| e.raw_os_error()),
            Send::Socket => {
                assert!(cm.is_none(), "unicast only");
                let to = SocketAddrV4::new(dst, 0).into();
                self.tx
                    .as_socket()
                    .send_to(d, &to)
                    .map(drop)
                    .map_err(|e| e.raw_os_error())
            }
        }
    }

    /// A valid datagram b always receives, numbered so an old one is never
    /// taken for a new one.
    fn sentinel(&self) -> Vec<u8> {
        let n = self.seq.get();
        self.seq.set(n + 1);
        let mut payload = b"sentinel".to_vec();
        payload.extend_from_slice(&n.to_be_bytes());
        datagram(self.tx.protocol().0, ADDR_B, &[], &payload)
    }

    /// Sends `d`, then a sentinel, and tells what became of `d`.
    fn fate(&self, d: &[u8], how: Send, recv: Recv) -> Fate {
        let before = self.hdr_errors();
        if let Err(e) = self.send(d, how) {
            return Fate::Refused(e);
        }
        let mut got = self.until_sentinel(recv);
        let after = self.hdr_errors();
        assert!(got.len() <= 1, "one datagram became {got:?}");
        match got.pop() {
            Some(a) => {
                assert_eq!(after, before, "arrived and counted as a header error");
                Fate::Arrived(a)
            }
            None if after == before + 1 => Fate::HeaderError,
            None => {
                assert_eq!(after, before, "InHdrErrors moved by more than one");
                Fate::NotDelivered
            }
        }
    }

    /// Sends a sentinel and receives until it comes, returning what a sent
    /// before it (datagrams from b itself, such as its kernel's own IGMP
    /// reports looped back, are left out).
    fn until_sentinel(&self, recv: Recv) -> Vec<Arrival> {
        let sentinel = self.sentinel();
        self.send(&sentinel, Send::Crate).unwrap();
        let want = as_sent(&sentinel);
        let mut got = Vec::new();
        let mut keep = |bytes: &[u8], verdict, meta: &RecvMeta| {
            if bytes == want.as_slice() {
                return true;
            }
            if *meta.src.ip() == ADDR_A {
                got.push(Arrival {
                    bytes: bytes.to_vec(),
                    verdict,
                    truncated: meta.truncated,
                });
            }
            false
        };
        match recv {
            Recv::Packet => {
                let mut buf = [0u8; 2048];
                loop {
                    let p = self.rx.recv_packet(&mut buf).expect("sentinel lost");
                    let (verdict, meta) = (p.packet.map(drop), p.meta);
                    if keep(&buf[..meta.len], verdict, &meta) {
                        break;
                    }
                }
            }
            Recv::Batch => {
                let mut batch = RecvBatch::new(16, 2048);
                'outer: loop {
                    self.rx.recv_batch(&mut batch).expect("sentinel lost");
                    for d in &batch {
                        if keep(d.data, d.packet().map(drop), &d.meta) {
                            break 'outer;
                        }
                    }
                }
            }
        }
        got
    }
}

/// Runs `check` once receiving with `recv_packet`, once with `recv_batch`.
fn both(check: impl Fn(Recv)) {
    check(Recv::Packet);
    check(Recv::Batch);
}

#[test]
fn bad_ihl_short_datagrams_and_other_versions_never_reach_a_raw_socket() {
    require_privileges!();
    let bench = Bench::new(PROTO);
    both(|recv| {
        let good = datagram(PROTO, ADDR_B, &[], b"payload!");
        // IHL below 5: the kernel will not send a header shorter than 20 bytes.
        for ihl in 0..5 {
            let mut d = good.clone();
            d[0] = 0x40 | ihl;
            let f = bench.fate(&d, Send::Crate, recv);
            assert_eq!(f, Fate::Refused(Some(libc::EINVAL)), "IHL {ihl}");
        }
        // IHL × 4 beyond the datagram.
        for (ihl, len) in [(15, good.len()), (6, 20), (8, 28)] {
            let mut d = good.clone();
            d.resize(len, 0);
            d[0] = 0x40 | ihl;
            let f = bench.fate(&d, Send::Crate, recv);
            assert_eq!(
                f,
                Fate::Refused(Some(libc::EINVAL)),
                "IHL {ihl}, {len} bytes"
            );
        }
        // Fewer bytes than a header: the crate refuses, and so would the kernel.
        let short = &good[..19];
        assert_eq!(bench.fate(short, Send::Crate, recv), Fate::Refused(None));
        let f = bench.fate(short, Send::Socket, recv);
        assert_eq!(f, Fate::Refused(Some(libc::EINVAL)));
        // Version is not 4: the crate refuses; the kernel sends it as
        // written, and b drops it as a header error.
        for version in [0u8, 5, 6, 15] {
            let mut d = good.clone();
            d[0] = version << 4 | 5;
            let f = bench.fate(&d, Send::Crate, recv);
            assert_eq!(f, Fate::Refused(None), "version {version}");
            let f = bench.fate(&d, Send::Socket, recv);
            assert_eq!(f, Fate::HeaderError, "version {version}");
        }
    });
}

#[test]
fn lying_total_length_and_checksum_are_overwritten_by_the_sending_kernel() {
    require_privileges!();
    let bench = Bench::new(PROTO);
    both(|recv| {
        let good = datagram(PROTO, ADDR_B, &[], b"payload!");
        for total_len in [0u16, 10, 19, 20, 27, 29, 1000, 65535] {
            let mut d = good.clone();
            d[2..4].copy_from_slice(&total_len.to_be_bytes());
            let a = bench.fate(&d, Send::Crate, recv).arrival();
            assert_eq!(a.verdict, Ok(()), "total length {total_len}");
            assert_eq!(a.bytes, as_sent(&good), "total length {total_len}");
        }
        for sum in [0u16, 0xdead, 0xffff] {
            let mut d = good.clone();
            d[10..12].copy_from_slice(&sum.to_be_bytes());
            let a = bench.fate(&d, Send::Crate, recv).arrival();
            assert_eq!(a.verdict, Ok(()), "checksum {sum:#x}");
            assert_eq!(a.bytes, as_sent(&good));
        }
        // A header with no payload at all, the longest header, TTL 0.
        for d in [
            datagram(PROTO, ADDR_B, &[1, 1, 1, 1], &[]),
            datagram(PROTO, ADDR_B, &[1; 40], b"x"),
        ] {
            let a = bench.fate(&d, Send::Crate, recv).arrival();
            assert_eq!((a.verdict, a.bytes), (Ok(()), as_sent(&d)));
        }
        let mut ttl0 = good.clone();
        ttl0[8] = 0;
        let a = bench.fate(&ttl0, Send::Crate, recv).arrival();
        assert_eq!((a.verdict, a.bytes), (Ok(()), as_sent(&ttl0)));
    });
}

/// Options the receiving kernel refuses (`ip_options_compile`), with what the
/// codec says about the same bytes.
const KERNEL_REFUSES: &[(&str, &[u8], OptionError)] = &[
    (
        "Router Alert of length 0",
        &[0x94, 0, 0, 0],
        OptionError::LengthTooSmall { kind: 0x94, len: 0 },
    ),
    (
        "Router Alert of length 1",
        &[0x94, 1, 0, 0],
        OptionError::LengthTooSmall { kind: 0x94, len: 1 },
    ),
    (
        "unknown option of length 0",
        &[0x9e, 0, 0, 0],
        OptionError::LengthTooSmall { kind: 0x9e, len: 0 },
    ),
    (
        "length beyond the header",
        &[0x07, 40, 4, 0],
        OptionError::LengthBeyondOptions {
            kind: 7,
            len: 40,
            available: 4,
        },
    ),
    (
        "Router Alert truncated to length 2",
        &[0x94, 2, 0, 0],
        OptionError::InvalidLength { kind: 0x94, len: 2 },
    ),
    (
        "Router Alert truncated to length 3",
        &[0x94, 3, 0, 0],
        OptionError::InvalidLength { kind: 0x94, len: 3 },
    ),
    (
        "Router Alert type as the last byte",
        &[1, 1, 1, 0x94],
        OptionError::Truncated { kind: 0x94 },
    ),
    (
        "Record Route pointer 0",
        &[0x07, 7, 0, 0, 0, 0, 0, 0],
        OptionError::PointerTooSmall {
            kind: 7,
            pointer: 0,
        },
    ),
    (
        "Record Route pointer 3",
        &[0x07, 7, 3, 0, 0, 0, 0, 0],
        OptionError::PointerTooSmall {
            kind: 7,
            pointer: 3,
        },
    ),
    (
        "Loose Source Route pointer 2",
        &[0x83, 7, 2, 198, 18, 0, 2, 0],
        OptionError::PointerTooSmall {
            kind: 0x83,
            pointer: 2,
        },
    ),
    (
        "Timestamp pointer 1",
        &[0x44, 8, 1, 0, 0, 0, 0, 0],
        OptionError::PointerTooSmall {
            kind: 0x44,
            pointer: 1,
        },
    ),
    (
        "Timestamp of length 3",
        &[0x44, 3, 5, 0],
        OptionError::InvalidLength { kind: 0x44, len: 3 },
    ),
    (
        "Record Route of length 2",
        &[0x07, 2, 0, 0],
        OptionError::InvalidLength { kind: 7, len: 2 },
    ),
];

/// The first error walking `options`, if any.
fn first_option_error(options: &[u8]) -> Option<OptionError> {
    Ipv4Options::new(options).find_map(Result::err)
}

#[test]
fn malformed_options_are_dropped_by_the_receiving_kernel() {
    require_privileges!();
    let bench = Bench::new(PROTO);
    both(|recv| {
        for (name, options, codec) in KERNEL_REFUSES {
            assert_eq!(first_option_error(options), Some(*codec), "{name}");
            let d = datagram(PROTO, ADDR_B, options, b"payload!");
            assert_eq!(
                bench.fate(&d, Send::Crate, recv),
                Fate::HeaderError,
                "{name}"
            );
        }
        // A Record Route whose next free slot runs past the option, and two
        // Record Routes: the kernel refuses both, and so does the codec.
        let cases: [(&str, &[u8], OptionError); 2] = [
            (
                "Record Route pointer 5 of 7",
                &[0x07, 7, 5, 0, 0, 0, 0, 0],
                OptionError::SlotBeyondOption {
                    kind: 7,
                    pointer: 5,
                    len: 7,
                },
            ),
            (
                "two Record Routes",
                &[0x07, 7, 8, 0, 0, 0, 0, 0x07, 7, 8, 0, 0, 0, 0, 1, 1],
                OptionError::Duplicate { kind: 7 },
            ),
        ];
        for (name, options, codec) in cases {
            assert_eq!(first_option_error(options), Some(codec), "{name}");
            let d = datagram(PROTO, ADDR_B, options, b"payload!");
            assert_eq!(
                bench.fate(&d, Send::Crate, recv),
                Fate::HeaderError,
                "{name}"
            );
        }
        // Source routes are well formed but refused quietly: a host does not
        // accept source-routed datagrams (`accept_source_route` = 0).
        for options in [
            [0x83, 7, 4, 198, 18, 0, 2, 0],
            [0x83, 7, 8, 198, 18, 0, 2, 0],
            [0x89, 7, 8, 198, 18, 0, 2, 0],
        ] {
            assert_eq!(first_option_error(&options), None);
            let d = datagram(PROTO, ADDR_B, &options, b"payload!");
            let f = bench.fate(&d, Send::Crate, recv);
            assert_eq!(f, Fate::NotDelivered, "{options:?}");
        }
    });
}

#[test]
fn options_the_kernel_accepts_but_the_codec_rejects_arrive_with_the_precise_error() {
    require_privileges!();
    let bench = Bench::new(PROTO);
    both(|recv| {
        let cases: [(&str, &[u8], OptionError); 3] = [
            (
                "Router Alert of length 6",
                &[0x94, 6, 0, 0, 0, 0, 0, 0],
                OptionError::InvalidLength { kind: 0x94, len: 6 },
            ),
            (
                "Record Route of length 5, pointer past it",
                &[0x07, 5, 8, 0, 0, 0, 0, 0],
                OptionError::InvalidLength { kind: 7, len: 5 },
            ),
            (
                "Security without data",
                &[0x82, 2, 0, 0],
                OptionError::InvalidLength { kind: 0x82, len: 2 },
            ),
        ];
        for (name, options, error) in cases {
            let d = datagram(PROTO, ADDR_B, options, b"payload!");
            let a = bench.fate(&d, Send::Crate, recv).arrival();
            assert_eq!(a.verdict, Ok(()), "{name}");
            assert_eq!(a.bytes, as_sent(&d), "{name}: as sent");
            let p = Ipv4Packet::new_checked(&a.bytes[..]).unwrap();
            assert_eq!(first_option_error(p.options_bytes()), Some(error), "{name}");
            assert_eq!(p.router_alert(), None, "{name}");
        }
        // Well-formed oddities arrive untouched and parse.
        let d = datagram(PROTO, ADDR_B, &[0x94, 4, 0, 1], b"payload!");
        let a = bench.fate(&d, Send::Crate, recv).arrival();
        let p = Ipv4Packet::new_checked(&a.bytes[..]).unwrap();
        assert_eq!(p.router_alert(), Some(1));
        let d = datagram(PROTO, ADDR_B, &[0x07, 7, 200, 0, 0, 0, 0, 0], b"payload!");
        let a = bench.fate(&d, Send::Crate, recv).arrival();
        assert_eq!(a.bytes, as_sent(&d), "a pointer past the route: left alone");
        let p = Ipv4Packet::new_checked(&a.bytes[..]).unwrap();
        match p.options().next() {
            Some(Ok(Ipv4Option::RecordRoute(r))) => assert!(r.is_full()),
            other => panic!("{other:?}"),
        }
        let d = datagram(PROTO, ADDR_B, &[0x9e, 4, 1, 2], b"payload!");
        let a = bench.fate(&d, Send::Crate, recv).arrival();
        let p = Ipv4Packet::new_checked(&a.bytes[..]).unwrap();
        let first = p.options().next();
        assert_eq!(
            first,
            Some(Ok(Ipv4Option::Unknown {
                kind: 0x9e,
                data: &[1, 2]
            }))
        );
    });
}

/// The receiving kernel writes into some options after it has verified the
/// header checksum, and does not update the checksum for local delivery
/// (`ip_options_compile` with an skb; only forwarding recomputes it). A raw
/// socket gets the rewritten header. The receive views accept it (they do not
/// re-check the checksum the kernel checked), `verify_checksum` says the
/// bytes no longer verify, and `new_checked` on the same bytes reports
/// `BadChecksum` with what the sender computed and what the rewritten header
/// sums to.
#[test]
fn options_the_receiving_kernel_rewrites_arrive_with_a_stale_checksum() {
    require_privileges!();
    let bench = Bench::new(PROTO);
    both(|recv| {
        let stale = |d: &[u8], a: &Arrival| {
            let stored = header_checksum(&as_sent(d));
            let computed = header_checksum(&a.bytes);
            assert_ne!(stored, computed);
            assert_eq!(a.verdict, Ok(()));
            assert_eq!(
                Ipv4Packet::new_checked(&a.bytes[..]).map(|_| ()),
                Err(Ipv4Error::BadChecksum { stored, computed })
            );
            // The view reads it, and the payload is intact.
            let p = Ipv4Packet::new_lenient(&a.bytes[..]).unwrap();
            assert!(!p.verify_checksum());
            assert_eq!(p.payload(), b"payload!");
            p.options_bytes().to_vec()
        };

        // Record Route with a free slot: b records its own address.
        let d = datagram(PROTO, ADDR_B, &[0x07, 7, 4, 0, 0, 0, 0, 0], b"payload!");
        let a = bench.fate(&d, Send::Crate, recv).arrival();
        let options = stale(&d, &a);
        assert_eq!(options, [0x07, 7, 8, 198, 18, 0, 2, 0]);
        match Ipv4Options::new(&options).next() {
            Some(Ok(Ipv4Option::RecordRoute(r))) => {
                assert_eq!(r.recorded().collect::<Vec<_>>(), [ADDR_B]);
            }
            other => panic!("{other:?}"),
        }

        // Timestamp with a free slot: b writes milliseconds since midnight UTC.
        let d = datagram(PROTO, ADDR_B, &[0x44, 8, 5, 0, 0, 0, 0, 0], b"payload!");
        let a = bench.fate(&d, Send::Crate, recv).arrival();
        let options = stale(&d, &a);
        assert_eq!(options[..4], [0x44, 8, 9, 0]);
        let ms = u32::from_be_bytes(options[4..8].try_into().unwrap());
        assert!(ms < 24 * 3600 * 1000, "{ms}");

        // Timestamp without room: b counts itself in the overflow nibble.
        let d = datagram(PROTO, ADDR_B, &[0x44, 8, 9, 0x20, 0, 0, 0, 1], b"payload!");
        let a = bench.fate(&d, Send::Crate, recv).arrival();
        let options = stale(&d, &a);
        assert_eq!(options, [0x44, 8, 9, 0x30, 0, 0, 0, 1]);
        match Ipv4Options::new(&options).next() {
            Some(Ok(Ipv4Option::Timestamp(t))) => assert_eq!(t.overflow, 3),
            other => panic!("{other:?}"),
        }
        // ... unless the nibble is already 15: then the datagram is bad.
        let d = datagram(PROTO, ADDR_B, &[0x44, 8, 9, 0xf0, 0, 0, 0, 1], b"payload!");
        assert_eq!(bench.fate(&d, Send::Crate, recv), Fate::HeaderError);

        // Bytes after End of Option List: b zeroes them.
        let d = datagram(PROTO, ADDR_B, &[1, 0, 0x94, 4], b"payload!");
        let a = bench.fate(&d, Send::Crate, recv).arrival();
        assert_eq!(stale(&d, &a), [1, 0, 0, 0]);
    });
}

/// Kind of a parsed IGMP message, for comparing with expectations.
fn igmp_kind(m: &IgmpMessage<'_>) -> &'static str {
    match m {
        IgmpMessage::QueryV1(_) => "QueryV1",
        IgmpMessage::QueryV2(_) => "QueryV2",
        IgmpMessage::QueryV3(_) => "QueryV3",
        IgmpMessage::ReportV1(_) => "ReportV1",
        IgmpMessage::ReportV2(_) => "ReportV2",
        IgmpMessage::LeaveV2(_) => "LeaveV2",
        IgmpMessage::ReportV3(_) => "ReportV3",
        IgmpMessage::Unknown { .. } => "Unknown",
        _ => "other",
    }
}

/// An IGMP case: its name, where it goes, the message, and what
/// `IgmpMessage::parse` must say about it (the kind of message, or the error).
type IgmpCase = (
    &'static str,
    Ipv4Addr,
    Vec<u8>,
    Result<&'static str, IgmpError>,
);

/// The IGMP cases.
fn igmp_cases() -> Vec<IgmpCase> {
    use IgmpError::*;
    // A v3 query header (12 octets) with Number of Sources `n`, then `srcs` sources.
    let query_v3 = |n: u16, srcs: usize| {
        let mut m = vec![0x11, 100, 0, 0, 0, 0, 0, 0, 0x02, 125];
        m.extend_from_slice(&n.to_be_bytes());
        for i in 0..srcs {
            m.extend_from_slice(&[198, 18, 1, i as u8]);
        }
        igmp(m)
    };
    // A v3 report header with Number of Group Records `m`, then `records`.
    let report_v3 = |m: u16, records: &[u8]| {
        let mut r = vec![0x22, 0, 0, 0, 0, 0];
        r.extend_from_slice(&m.to_be_bytes());
        r.extend_from_slice(records);
        igmp(r)
    };
    let record = |aux: u8, n: u16, srcs: usize| {
        let mut r = vec![1, aux];
        r.extend_from_slice(&n.to_be_bytes());
        r.extend_from_slice(&[232, 1, 1, 1]);
        for i in 0..srcs {
            r.extend_from_slice(&[198, 18, 1, i as u8]);
        }
        r
    };
    // The most sources a query fits in one datagram on a 1500-byte link:
    // 1500 − 24 (header with Router Alert) − 12, in 4-octet addresses.
    let fit = (1500 - 24 - 12) / 4;
    let mut bad_v2 = igmp(vec![0x16, 0, 0, 0, 239, 1, 1, 1]);
    let good_v2 = u16::from_be_bytes([bad_v2[2], bad_v2[3]]);
    bad_v2[3] ^= 1;
    let mut bad_v3q = query_v3(1, 1);
    let good_v3q = u16::from_be_bytes([bad_v3q[2], bad_v3q[3]]);
    bad_v3q[2] ^= 0x80;
    let zero_v3r = {
        let mut m = report_v3(1, &record(0, 1, 1));
        let good = u16::from_be_bytes([m[2], m[3]]);
        m[2..4].fill(0);
        (m, good)
    };
    let mut bad_ten = igmp(vec![0x11, 10, 0, 0, 0, 0, 0, 0, 0, 0]);
    bad_ten[2] ^= 1;
    vec![
        ("empty", ADDR_B, vec![], Err(MessageTooShort { len: 0 })),
        (
            "4 octets",
            ALL_SYSTEMS,
            igmp(vec![0x11, 0, 0, 0]),
            Err(MessageTooShort { len: 4 }),
        ),
        (
            "7-octet v3 report",
            V3_REPORTS,
            igmp(vec![0x22, 0, 0, 0, 0, 0, 0]),
            Err(MessageTooShort { len: 7 }),
        ),
        (
            "9-octet query",
            ALL_SYSTEMS,
            igmp(vec![0x11, 10, 0, 0, 0, 0, 0, 0, 0]),
            Err(QueryLengthInvalid { len: 9 }),
        ),
        (
            "10-octet query",
            ALL_SYSTEMS,
            igmp(vec![0x11, 10, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(QueryLengthInvalid { len: 10 }),
        ),
        (
            "11-octet query",
            ALL_SYSTEMS,
            igmp(vec![0x11, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(QueryLengthInvalid { len: 11 }),
        ),
        (
            "10-octet query with a bad checksum: the length is named first",
            ALL_SYSTEMS,
            bad_ten,
            Err(QueryLengthInvalid { len: 10 }),
        ),
        (
            "9-octet v2 report: the extra octet is ignored (RFC 2236 §2.5)",
            ADDR_B,
            igmp(vec![0x16, 0, 0, 0, 239, 1, 1, 1, 0]),
            Ok("ReportV2"),
        ),
        (
            "v3 query declaring 3 sources, carrying 1",
            ALL_SYSTEMS,
            query_v3(3, 1),
            Err(SourcesTruncated {
                declared: 3,
                available: 1,
            }),
        ),
        (
            "v3 query declaring 65535 sources in 12 octets",
            ALL_SYSTEMS,
            query_v3(65535, 0),
            Err(SourcesTruncated {
                declared: 65535,
                available: 0,
            }),
        ),
        (
            "v3 query declaring 65535 sources in 16 octets",
            ALL_SYSTEMS,
            query_v3(65535, 1),
            Err(SourcesTruncated {
                declared: 65535,
                available: 1,
            }),
        ),
        (
            "v3 query declaring 65535 sources in a full datagram",
            ALL_SYSTEMS,
            query_v3(65535, fit),
            Err(SourcesTruncated {
                declared: 65535,
                available: fit,
            }),
        ),
        (
            "v3 report declaring 2 records, carrying 1",
            V3_REPORTS,
            report_v3(2, &record(0, 0, 0)),
            Err(RecordHeaderTruncated {
                index: 1,
                available: 0,
            }),
        ),
        (
            "v3 report declaring 65535 records, carrying 1",
            V3_REPORTS,
            report_v3(65535, &record(0, 0, 0)),
            Err(RecordHeaderTruncated {
                index: 1,
                available: 0,
            }),
        ),
        (
            "v3 report ending inside a record header",
            V3_REPORTS,
            report_v3(1, &record(0, 0, 0)[..4]),
            Err(RecordHeaderTruncated {
                index: 0,
                available: 4,
            }),
        ),
        (
            "v3 record declaring 65535 sources",
            V3_REPORTS,
            report_v3(1, &record(0, 65535, 0)),
            Err(RecordTruncated {
                index: 0,
                needed: 8 + 4 * 65535,
                available: 8,
            }),
        ),
        (
            "v3 record declaring 255 words of aux data",
            V3_REPORTS,
            report_v3(1, &record(255, 1, 1)),
            Err(RecordTruncated {
                index: 0,
                needed: 8 + 4 + 4 * 255,
                available: 12,
            }),
        ),
        (
            "v2 report with a checksum off by one",
            ADDR_B,
            bad_v2.clone(),
            Err(BadChecksum {
                computed: good_v2,
                stored: u16::from_be_bytes([bad_v2[2], bad_v2[3]]),
            }),
        ),
        (
            "v3 query with a flipped checksum bit",
            ALL_SYSTEMS,
            bad_v3q.clone(),
            Err(BadChecksum {
                computed: good_v3q,
                stored: u16::from_be_bytes([bad_v3q[2], bad_v3q[3]]),
            }),
        ),
        (
            "v3 report with checksum 0",
            V3_REPORTS,
            zero_v3r.0,
            Err(BadChecksum {
                computed: zero_v3r.1,
                stored: 0,
            }),
        ),
        (
            "a sound v3 report, for contrast",
            V3_REPORTS,
            report_v3(2, &[record(0, 2, 2), record(0, 0, 0)].concat()),
            Ok("ReportV3"),
        ),
    ]
}

/// Host b's raw IGMP socket, a member of 224.0.0.22 (as a querier's is) and
/// so also receiving v3 reports; 224.0.0.1 it receives as every host does.
fn igmp_bench() -> Bench {
    let bench = Bench::new(IGMP);
    let ifindex_b = bench
        .link
        .b
        .run(|| interface_index(&bench.link.if_b).unwrap());
    bench.rx.join_group(ifindex_b, V3_REPORTS).unwrap();
    bench
}

/// IGMP as it is sent: TTL 1 and Router Alert (RFC 2236 §2, RFC 3376 §4).
fn igmp_datagram(dst: Ipv4Addr, msg: &[u8]) -> Vec<u8> {
    datagram(IGMP, dst, &[0x94, 4, 0, 0], msg)
}

#[test]
fn malformed_igmp_reaches_the_raw_socket_and_the_codec_names_each_error() {
    require_privileges!();
    let bench = igmp_bench();
    let cases = igmp_cases();
    both(|recv| {
        for (name, dst, msg, want) in &cases {
            let d = igmp_datagram(*dst, msg);
            let a = bench.fate(&d, Send::Crate, recv).arrival();
            assert_eq!(a.bytes, as_sent(&d), "{name}: arrives as sent");
            assert_eq!(a.verdict, Ok(()), "{name}");
            let p = Ipv4Packet::new_checked(&a.bytes[..]).unwrap();
            assert_eq!(p.router_alert(), Some(0), "{name}");
            let got = IgmpMessage::parse(p.payload()).map(|m| igmp_kind(&m));
            assert_eq!(got, *want, "{name}");
        }
    });
}

#[test]
fn a_batch_of_malformed_igmp_is_received_in_order_with_every_verdict() {
    require_privileges!();
    let bench = igmp_bench();
    bench.rx.set_recv_buffer_size(4 << 20).unwrap();
    // Beside the RawConn, a raw PacketConn, which hands over the payload
    // with the kernel's header (24 bytes here, Router Alert) cut off.
    let payloads = bench.link.b.run(|| {
        let c = PacketConn::raw(IGMP).unwrap();
        let ifindex_b = interface_index(&bench.link.if_b).unwrap();
        c.join_group(ifindex_b, V3_REPORTS).unwrap();
        c.set_recv_buffer_size(4 << 20).unwrap();
        c.set_read_timeout(Some(WAIT)).unwrap();
        c
    });
    let cases = igmp_cases();
    for (_, dst, msg, _) in &cases {
        bench.send(&igmp_datagram(*dst, msg), Send::Crate).unwrap();
    }
    let got = bench.until_sentinel(Recv::Batch);
    assert_eq!(got.len(), cases.len());
    for ((name, _, msg, want), a) in cases.iter().zip(&got) {
        assert_eq!(a.verdict, Ok(()), "{name}");
        let p = Ipv4Packet::new_checked(&a.bytes[..]).unwrap();
        assert_eq!(p.payload(), msg.as_slice(), "{name}");
        let parsed = IgmpMessage::parse(p.payload()).map(|m| igmp_kind(&m));
        assert_eq!(parsed, *want, "{name}");
    }

    // The same messages through the PacketConn, up to the sentinel.
    let mut batch = RecvBatch::new(8, 2048);
    let mut from_a = Vec::new();
    'outer: loop {
        payloads.recv_batch(&mut batch).expect("sentinel lost");
        for d in &batch {
            if d.data.starts_with(b"sentinel") {
                break 'outer;
            }
            if *d.meta.src.ip() == ADDR_A {
                from_a.push(d.data.to_vec());
            }
        }
    }
    assert_eq!(from_a.len(), cases.len());
    for ((name, _, msg, want), payload) in cases.iter().zip(&from_a) {
        assert_eq!(payload, msg, "{name}");
        let parsed = IgmpMessage::parse(payload).map(|m| igmp_kind(&m));
        assert_eq!(parsed, *want, "{name}");
    }
}

/// A small deterministic generator (xorshift32), so a failure replays.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// Options built from the kinds the kernel and the codec know, with
/// lengths and pointers that are right, off by a little or wild.
fn random_options(rng: &mut Rng) -> Vec<u8> {
    let words = rng.below(11) as usize;
    let mut o = Vec::with_capacity(words * 4);
    while o.len() < words * 4 {
        let kind = [0, 1, 0x07, 0x44, 0x82, 0x83, 0x89, 0x94, 0x9e][rng.below(9) as usize];
        o.push(kind);
        let len = match rng.below(4) {
            0 => rng.byte(),
            1 => rng.below(3) as u8,
            _ => [4u8, 7, 8, 11, 12][rng.below(5) as usize],
        };
        o.push(len);
        o.push(match rng.below(3) {
            0 => rng.byte(),
            _ => [4u8, 5, 8, 9, 12][rng.below(5) as usize],
        });
        o.push(rng.byte() & 0xf3);
    }
    o.truncate(words * 4);
    o
}

/// An IGMP-looking payload: a known type, a length around the boundaries,
/// counts that may lie, and a checksum that is right three times in four.
fn random_igmp(rng: &mut Rng) -> Vec<u8> {
    let len = match rng.below(3) {
        0 => rng.below(16),
        1 => rng.below(64),
        _ => rng.below(600),
    } as usize;
    let mut m: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
    if let Some(t) = m.first_mut() {
        *t = [0x11, 0x12, 0x16, 0x17, 0x22, 0x30][rng.below(6) as usize];
    }
    // Small counts more often than the random bytes would give them.
    if len >= 12 && rng.below(2) == 0 {
        let n = rng.below(8) as u16;
        let at = if m[0] == 0x22 { 6 } else { 10 };
        m[at..at + 2].copy_from_slice(&n.to_be_bytes());
    }
    if rng.below(4) > 0 {
        m = igmp(m);
    }
    m
}

/// Walks everything a parsed message offers, as an application would.
fn walk(m: &IgmpMessage<'_>) -> usize {
    match m {
        IgmpMessage::QueryV3(q) => q.sources().count(),
        IgmpMessage::ReportV3(r) => r
            .records()
            .map(|g| g.sources().count() + g.aux_data().len())
            .sum(),
        other => other.as_bytes().len(),
    }
}

#[test]
fn random_options_and_igmp_never_panic_the_receive_path() {
    require_privileges!();
    const COUNT: usize = 3000;
    let bench = Bench::new(IGMP);
    // Room for all of them: b reads only after a has sent the lot.
    bench.rx.set_recv_buffer_size(32 << 20).unwrap();
    let mut rng = Rng(0x1f2e_3d4c);
    let before = bench.hdr_errors();
    for _ in 0..COUNT {
        let options = random_options(&mut rng);
        let msg = random_igmp(&mut rng);
        bench
            .send(&datagram(IGMP, ADDR_B, &options, &msg), Send::Crate)
            .unwrap();
    }
    let got = bench.until_sentinel(Recv::Batch);
    let hdr_errors = bench.hdr_errors() - before;
    let (mut option_errors, mut stale, mut igmp_ok, mut igmp_err) = (0, 0, 0, 0);
    for a in &got {
        let p = Ipv4Packet::new_lenient(&a.bytes[..]).expect("the kernel checked the lengths");
        match a.verdict {
            Ok(()) => {}
            Err(Ipv4Error::BadChecksum { .. }) => {
                // Only the kernel's own option rewrites make a stale checksum.
                assert!(p.header_len() > 20, "{:02x?}", a.bytes);
                stale += 1;
            }
            Err(e) => panic!("{e}: {:02x?}", a.bytes),
        }
        if p.options().any(|o| o.is_err()) {
            option_errors += 1;
        }
        let _ = p.router_alert();
        match IgmpMessage::parse(p.payload()) {
            Ok(m) => {
                walk(&m);
                let _ = m.to_string();
                igmp_ok += 1;
            }
            Err(e) => {
                assert!(!e.to_string().is_empty());
                igmp_err += 1;
            }
        }
    }
    eprintln!(
        "{COUNT} sent: {} arrived ({option_errors} with an option the codec rejects, \
         {stale} with a checksum the kernel left stale; IGMP {igmp_ok} parsed, {igmp_err} \
         rejected), {hdr_errors} dropped by b as bad headers",
        got.len()
    );
    assert!(got.len() + hdr_errors as usize <= COUNT);
    assert!(!got.is_empty() && hdr_errors > 0);
}

#[test]
fn datagrams_longer_than_their_batch_slot_are_flagged_and_cut_the_others_intact() {
    require_privileges!();
    let bench = Bench::new(PROTO);
    let pattern = |n: usize| -> Vec<u8> { (0..n).map(|i| (i * 7 + n) as u8).collect() };
    // Receives `count` datagrams from a into slots of `slot` bytes.
    let receive = |count: usize, slot: usize| {
        let mut batch = RecvBatch::new(8, slot);
        let mut got = Vec::new();
        while got.len() < count {
            bench.rx.recv_batch(&mut batch).expect("datagram lost");
            for d in &batch {
                got.push((
                    d.data.to_vec(),
                    (d.meta.truncated, d.meta.orig_len),
                    d.packet().map(drop),
                ));
            }
        }
        got
    };

    // Around the slot size, and far beyond it (a full 1500-byte datagram).
    const SLOT: usize = 64;
    let sizes = [20, 63, 64, 65, 200, 1500, 28, 64, 21];
    let sent: Vec<Vec<u8>> = sizes
        .iter()
        .map(|&n| as_sent(&datagram(PROTO, ADDR_B, &[], &pattern(n - 20))))
        .collect();
    for d in &sent {
        bench.send(d, Send::Crate).unwrap();
    }
    let got = receive(sent.len(), SLOT);
    for (d, (data, truncated, verdict)) in sent.iter().zip(got) {
        let n = d.len();
        assert_eq!(data, d[..n.min(SLOT)], "{n} bytes");
        assert_eq!(truncated, (n > SLOT, n), "{n} bytes: flag and whole length");
        let want = if n > SLOT {
            Err(Ipv4Error::TotalLenBeyondBuffer {
                total_len: n as u16,
                available: SLOT,
            })
        } else {
            Ok(())
        };
        assert_eq!(verdict, want, "{n} bytes");
    }

    // A slot shorter than the fixed header, and one that ends inside the options.
    let d = as_sent(&datagram(PROTO, ADDR_B, &[], b"12345678"));
    bench.send(&d, Send::Crate).unwrap();
    let got = receive(1, 16);
    assert_eq!(got[0].0, d[..16]);
    assert_eq!(got[0].1, (true, d.len()));
    assert_eq!(got[0].2, Err(Ipv4Error::BufferTooShort { available: 16 }));
    let d = as_sent(&datagram(PROTO, ADDR_B, &[0x94, 4, 0, 0], b"12345678"));
    bench.send(&d, Send::Crate).unwrap();
    let got = receive(1, 22);
    assert_eq!(got[0].0, d[..22]);
    assert_eq!(got[0].1, (true, d.len()));
    assert_eq!(
        got[0].2,
        Err(Ipv4Error::HeaderBeyondBuffer {
            header_len: 24,
            available: 22
        })
    );
}

/// Datagrams in a flood: bounded, about a second on a veth pair.
const FLOOD: u32 = 200_000;

/// What a drained flood came to.
struct Drained {
    /// Datagrams received.
    received: u32,
    /// The drop count on the datagram sent after the drain.
    drops: u32,
    /// Datagrams that reached b's IP layer (`Ip: InReceives`), the one sent
    /// after the drain not included.
    reached: u32,
    /// Whether each received datagram's count was exactly the datagrams
    /// before it that were not received.
    exact: bool,
}

/// Floods b with `FLOOD` numbered datagrams through `send` (which queues
/// the datagram with sequence number `seq` in a batch, or flushes the batch
/// when given `None`), without reading; then drains the non-blocking
/// receiver with `recv_batch`, checks that an empty socket answers
/// `WouldBlock` at once, and reads the drop count on one more datagram.
fn flood(
    link: &Link,
    mut send: impl FnMut(Option<u32>),
    recv_batch: impl Fn(&mut RecvBatch) -> ipv4kit_net::Result<usize>,
    recv_one: impl Fn(&mut [u8]) -> ipv4kit_net::Result<RecvMeta>,
    seq_of: impl Fn(&[u8]) -> u32,
    set_nonblocking: impl Fn(bool),
) -> Drained {
    let in_before = link.b.run(|| ip_counter("InReceives"));
    for seq in 0..FLOOD {
        send(Some(seq));
    }
    send(None);

    let mut batch = RecvBatch::new(64, 128);
    let (mut received, mut last, mut exact) = (0u32, None, true);
    loop {
        match recv_batch(&mut batch) {
            Ok(n) => assert!(n >= 1),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
        for d in &batch {
            assert!(!d.meta.truncated);
            let seq = seq_of(d.data);
            assert!(last < Some(seq), "order kept: {seq} after {last:?}");
            // Everything before it that was not received was dropped, at
            // most (less if some never reached the socket).
            let drops = d.meta.drops.expect("DROPS is on");
            assert!(drops <= seq - received, "{drops} drops before {seq}");
            exact &= drops == seq - received;
            last = Some(seq);
            received += 1;
        }
    }
    // Empty now: a non-blocking receive says so instead of waiting.
    let e = recv_batch(&mut batch).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock, "{e}");
    assert!(batch.is_empty());
    let mut buf = [0u8; 128];
    let e = recv_one(&mut buf).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock, "{e}");

    // The count reaches user space only with a datagram: send one more.
    send(Some(FLOOD));
    send(None);
    set_nonblocking(false);
    let m = recv_one(&mut buf).expect("the datagram after the flood");
    assert_eq!(seq_of(&buf[..m.len]), FLOOD);
    let in_after = link.b.run(|| ip_counter("InReceives"));
    Drained {
        received,
        drops: m.drops.expect("DROPS is on"),
        reached: (in_after - in_before - 1) as u32,
        exact,
    }
}

impl Drained {
    /// Every datagram that reached b was either received or counted as a
    /// drop, and the flood did overflow the queue. (Datagrams can also be
    /// lost before b's IP layer, in the sending CPU's backlog, if softirq
    /// processing falls behind; `reached` leaves those out, and they must
    /// be few.)
    fn check(&self, what: &str) {
        eprintln!(
            "{what}: {FLOOD} sent, {} reached b, {} received, {} dropped",
            self.reached, self.received, self.drops
        );
        assert!(self.drops > 0, "the flood overflowed the receive buffer");
        assert!(self.received > 0);
        assert_eq!(self.received + self.drops, self.reached);
        assert!(self.reached <= FLOOD);
        assert!(self.reached >= FLOOD / 2, "most of the flood reached b");
        if self.reached == FLOOD {
            // Nothing was lost on the way: every gap in the sequence numbers
            // is exactly what the count said.
            assert!(self.exact, "per-datagram counts match the gaps");
        }
    }
}

#[test]
fn a_raw_flood_beyond_the_receive_buffer_is_counted_in_drops_and_nothing_blocks() {
    require_privileges!();
    pin_sender();
    let link = Link::new().unwrap();
    let rx = link.b.run(|| {
        let c = RawConn::new(PROTO).unwrap();
        c.set_control_message(ControlFlags::DROPS, true).unwrap();
        c.set_recv_buffer_size(64 << 10).unwrap();
        c.set_read_timeout(Some(WAIT)).unwrap();
        c.set_nonblocking(true).unwrap();
        c
    });
    let tx = link.a.run(|| RawConn::new(PROTO).unwrap());
    // A send that blocked would fail after this instead of hanging the test.
    tx.set_write_timeout(Some(WAIT)).unwrap();
    let header = as_sent(&datagram(PROTO, ADDR_B, &[], &[0; 4]));
    let mut out = SendBatch::new(64, 64);
    let send = |seq: Option<u32>| match seq {
        Some(seq) => {
            if out.is_full() {
                flush(&tx, &mut out);
            }
            out.push_with(SocketAddrV4::new(ADDR_B, 0), None, |slot| {
                slot[..20].copy_from_slice(&header[..20]);
                slot[20..24].copy_from_slice(&seq.to_be_bytes());
                24
            })
            .unwrap();
        }
        None => flush(&tx, &mut out),
    };
    let seq_of = |d: &[u8]| {
        let p = Ipv4Packet::new_checked(d).expect("intact");
        u32::from_be_bytes(p.payload().try_into().unwrap())
    };
    flood(
        &link,
        send,
        |b| rx.recv_batch(b),
        |buf| rx.recv(buf),
        seq_of,
        |on| rx.set_nonblocking(on).unwrap(),
    )
    .check("raw");
}

#[test]
fn a_udp_flood_beyond_the_receive_buffer_is_counted_in_drops_and_nothing_blocks() {
    require_privileges!();
    pin_sender();
    let link = Link::new().unwrap();
    let to = SocketAddrV4::new(ADDR_B, 7000);
    let rx = link.b.run(|| {
        let c = PacketConn::bind_udp(to).unwrap();
        c.set_control_message(ControlFlags::DROPS | ControlFlags::TTL, true)
            .unwrap();
        c.set_recv_buffer_size(64 << 10).unwrap();
        c.set_read_timeout(Some(WAIT)).unwrap();
        c.set_nonblocking(true).unwrap();
        c
    });
    let tx = link
        .a
        .run(|| PacketConn::bind_udp(SocketAddrV4::new(ADDR_A, 0)).unwrap());
    tx.set_write_timeout(Some(WAIT)).unwrap();
    let mut out = SendBatch::new(64, 16);
    let send = |seq: Option<u32>| match seq {
        Some(seq) => {
            if out.is_full() {
                flush_udp(&tx, &mut out);
            }
            out.push(to, &seq.to_be_bytes(), None).unwrap();
        }
        None => flush_udp(&tx, &mut out),
    };
    flood(
        &link,
        send,
        |b| rx.recv_batch(b),
        |buf| rx.recv_from(buf),
        |d| u32::from_be_bytes(d.try_into().expect("4 bytes")),
        |on| rx.set_nonblocking(on).unwrap(),
    )
    .check("udp");
}

fn flush(tx: &RawConn, out: &mut SendBatch) {
    let mut from = 0;
    while from < out.len() {
        from += tx.send_batch(out, from).expect("send_batch");
    }
    out.clear();
}

fn flush_udp(tx: &PacketConn, out: &mut SendBatch) {
    let mut from = 0;
    while from < out.len() {
        from += tx.send_batch(out, from).expect("send_batch");
    }
    out.clear();
}
