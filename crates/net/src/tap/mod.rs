//! The tap: a silent `AF_PACKET` receiver on one link ([`Tap`]).

pub(crate) mod block;
mod filter;
mod send;

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::{Duration, Instant, SystemTime};

use crate::error::{Error, InterfaceLost, Result};
use crate::sys::os;
use crate::sys::os::packet::{self, MmsgLl, Ready, Ring};
use crate::wire::ipv4::{Ipv4Error, Ipv4Packet};

pub use filter::TapProtocols;
pub use send::{multicast_mac, FrameSender, TxPath};

/// `ETH_P_ALL`: every protocol, received and sent.
const ETH_P_ALL: u16 = 0x0003;

/// How often a waiting tap checks that its interface still exists, in case
/// the kernel's `ENETDOWN` was missed.
const LIVENESS_TICK: Duration = Duration::from_secs(1);

/// Which receive path a [`Tap`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RxPath {
    /// The `TPACKET_V3` memory-mapped ring: no copy per packet.
    Ring,
    /// `recvmmsg` into a preallocated arena: one copy per packet.
    Recvmmsg,
}

/// Which receive path to set up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RingMode {
    /// The ring, or `recvmmsg` if the ring cannot be set up.
    #[default]
    Auto,
    /// The ring, or fail.
    Required,
    /// `recvmmsg` only.
    Off,
}

/// How to open a [`Tap`]: [`TapConfig::default`] and the `with_` methods.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TapConfig {
    /// What the kernel filter keeps (default: IGMP).
    pub protocols: TapProtocols,
    /// Ring or `recvmmsg` (default: the ring when it can be had).
    pub ring: RingMode,
    /// Bytes per ring block: a power of two, a multiple of 4096 (default
    /// 64 KiB, about 500 small IGMP frames).
    pub block_size: usize,
    /// Blocks in the ring (default 64: 4 MiB in all).
    pub block_count: usize,
    /// How long the kernel fills a block before handing it over anyway
    /// (default 10 ms): the longest a frame waits in a quiet ring.
    ///
    /// A block handed over part-full takes its whole size in the ring until
    /// it is read: while nobody reads, a ring holds at most
    /// `block_count` retirements' worth of traffic. Longer timeouts (libpcap
    /// uses 1 s for tcpdump) or more, smaller blocks hold more of a slow
    /// flood; shorter ones print sooner.
    pub retire_timeout: Duration,
    /// `recvmmsg` path: frames per call (default 64).
    pub batch: usize,
    /// `recvmmsg` path: bytes kept per frame; longer frames are cut and
    /// flagged [`TapMeta::truncated`] (default 2048).
    pub snaplen: usize,
    /// `recvmmsg` path: the socket's receive buffer in bytes, if not the
    /// system default.
    pub recv_buffer: Option<usize>,
    /// `PACKET_MR_ALLMULTI`: receive every multicast group (default on).
    pub all_multicast: bool,
    /// `PACKET_MR_PROMISC`: receive frames for other hosts' unicast
    /// addresses too (default off).
    pub promiscuous: bool,
}

impl Default for TapConfig {
    fn default() -> Self {
        TapConfig {
            protocols: TapProtocols::IGMP,
            ring: RingMode::Auto,
            block_size: 64 * 1024,
            block_count: 64,
            retire_timeout: Duration::from_millis(10),
            batch: 64,
            snaplen: 2048,
            recv_buffer: None,
            all_multicast: true,
            promiscuous: false,
        }
    }
}

impl TapConfig {
    /// Sets [`protocols`](Self::protocols).
    pub fn with_protocols(mut self, p: TapProtocols) -> Self {
        self.protocols = p;
        self
    }
    /// Sets [`ring`](Self::ring).
    pub fn with_ring(mut self, mode: RingMode) -> Self {
        self.ring = mode;
        self
    }
    /// Sets the ring's [`block_size`](Self::block_size) and
    /// [`block_count`](Self::block_count).
    pub fn with_ring_size(mut self, block_size: usize, block_count: usize) -> Self {
        self.block_size = block_size;
        self.block_count = block_count;
        self
    }
    /// Sets [`retire_timeout`](Self::retire_timeout).
    pub fn with_retire_timeout(mut self, t: Duration) -> Self {
        self.retire_timeout = t;
        self
    }
    /// Sets the `recvmmsg` path's [`batch`](Self::batch) and
    /// [`snaplen`](Self::snaplen).
    pub fn with_batch(mut self, batch: usize, snaplen: usize) -> Self {
        self.batch = batch;
        self.snaplen = snaplen;
        self
    }
    /// Sets [`recv_buffer`](Self::recv_buffer).
    pub fn with_recv_buffer(mut self, bytes: usize) -> Self {
        self.recv_buffer = Some(bytes);
        self
    }
    /// Sets [`promiscuous`](Self::promiscuous).
    pub fn with_promiscuous(mut self, on: bool) -> Self {
        self.promiscuous = on;
        self
    }
}

/// What the kernel counted for a tap since it was opened
/// (`PACKET_STATISTICS`, accumulated: the kernel resets its counters on
/// every read).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TapStats {
    /// Frames that passed the filter, delivered or dropped.
    pub packets: u64,
    /// Frames dropped because the ring or the receive queue was full.
    pub drops: u64,
    /// Times the ring was full and the kernel froze it (`tp_freeze_q_cnt`).
    pub freezes: u64,
}

/// The `sll_pkttype` of a frame: whom it was addressed to, or that it was
/// sent by this host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PacketType {
    /// To this host (`PACKET_HOST`).
    Host,
    /// To the link's broadcast address (`PACKET_BROADCAST`).
    Broadcast,
    /// To a multicast address (`PACKET_MULTICAST`).
    Multicast,
    /// To another host, seen in promiscuous mode (`PACKET_OTHERHOST`).
    OtherHost,
    /// Sent by this host (`PACKET_OUTGOING`).
    Outgoing,
    /// Another value.
    Other(u8),
}

impl PacketType {
    fn from_raw(v: u8) -> PacketType {
        match v {
            0 => PacketType::Host,
            1 => PacketType::Broadcast,
            2 => PacketType::Multicast,
            3 => PacketType::OtherHost,
            4 => PacketType::Outgoing,
            v => PacketType::Other(v),
        }
    }

    /// The name `tcpdump -i any` prints (`In`, `B`, `M`, `P`, `Out`).
    pub fn as_str(self) -> &'static str {
        match self {
            PacketType::Host => "In",
            PacketType::Broadcast => "B",
            PacketType::Multicast => "M",
            PacketType::OtherHost => "P",
            PacketType::Outgoing => "Out",
            PacketType::Other(_) => "?",
        }
    }
}

/// A link-layer address (`sll_addr`, `sll_halen` bytes of it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LinkAddr {
    bytes: [u8; 8],
    len: u8,
}

impl LinkAddr {
    /// The address bytes (six for Ethernet; none on `lo` or a tunnel).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The address as an Ethernet MAC, when it is six bytes long.
    pub fn mac(&self) -> Option<[u8; 6]> {
        self.as_bytes().try_into().ok()
    }
}

impl std::fmt::Display for LinkAddr {
    /// `02:00:00:00:00:01`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, b) in self.as_bytes().iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// What came with one frame of a [`Tap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TapMeta {
    /// When the kernel received (or sent) the frame.
    pub timestamp: SystemTime,
    /// Bytes of the packet in [`TapPacket::data`].
    pub len: usize,
    /// The packet's whole length (from its network header): more than
    /// `len` when it was [`truncated`](Self::truncated).
    pub orig_len: usize,
    /// The packet was longer than the snap length and was cut.
    pub truncated: bool,
    /// The interface it was seen on.
    pub ifindex: u32,
    /// Whom it was addressed to, or that this host sent it.
    pub packet_type: PacketType,
    /// Its EtherType (0x0800 for IPv4, 0x86dd for IPv6).
    pub protocol: u16,
    /// The link-layer source address (the sender's MAC on Ethernet; this
    /// host's own for [`PacketType::Outgoing`]).
    pub src: LinkAddr,
    /// The link's hardware type (`ARPHRD_ETHER` = 1, `ARPHRD_LOOPBACK` = 772...).
    pub hardware_type: u16,
}

/// One frame of a [`Tap`]: the packet from its network header on, borrowed
/// from the ring or the arena, and its metadata.
#[derive(Clone, Copy, Debug)]
pub struct TapPacket<'a> {
    /// The packet (IPv4 or IPv6 header first).
    pub data: &'a [u8],
    /// Timestamp, lengths, link-layer facts.
    pub meta: TapMeta,
}

impl<'a> TapPacket<'a> {
    /// The bytes as a validated IPv4 view (version, header and total
    /// lengths, as [`RecvDatagram::packet`](crate::RecvDatagram::packet)).
    /// The header checksum is as it was on the wire:
    /// [`Ipv4Packet::verify_checksum`] checks it.
    pub fn ipv4(&self) -> std::result::Result<Ipv4Packet<&'a [u8]>, Ipv4Error> {
        Ipv4Packet::new_lenient(self.data)
    }
}

/// The receive state of a tap.
enum Rx {
    Ring {
        ring: Ring,
        /// The next block to look at.
        next: usize,
        /// The block handed out by the last `recv`, to give back.
        held: Option<usize>,
    },
    Mmsg {
        mm: MmsgLl,
        arena: Box<[u8]>,
        slot: usize,
        count: usize,
        received: usize,
    },
}

/// A silent `AF_PACKET` receiver that sees every IGMP (and, on request,
/// ICMPv6/MLD) message on one link. *Linux*; elsewhere opening one fails
/// with an unsupported error.
///
/// A raw IGMP socket sees IGMP only for groups its host joined, and the
/// multicast-routing socket misses reports to 224.0.0.0/24; both need
/// memberships that make the host send reports of its own. The tap needs
/// none of that:
///
/// - an `AF_PACKET` socket bound to one interface, protocol `ETH_P_ALL`, so
///   it sees frames received *and sent* there (the host's own reports too);
/// - of type `SOCK_DGRAM`: the kernel strips the link-layer header and hands
///   over the packet from its IPv4 header on, so every frame is directly an
///   [`Ipv4Packet`] view, on Ethernet, VLANs, tunnels or `lo` alike, while
///   the link-layer facts that matter (source address, packet type,
///   EtherType, interface) come in its `sockaddr_ll` ([`TapMeta`]). What is
///   lost is the destination MAC, which for multicast is a function of the
///   IPv4 destination anyway (RFC 1112 §6.4);
/// - a classic BPF program in the kernel keeps IGMP (protocol 2) and drops
///   the rest before it is queued ([`TapProtocols`]);
/// - a `PACKET_MR_ALLMULTI` membership opens the interface's multicast
///   filter to every group, which changes the NIC's receive filter and puts
///   nothing on the wire: no join, no report;
/// - every frame has the kernel's arrival (or departure) time;
/// - `PACKET_STATISTICS` counts what the kernel dropped ([`Tap::stats`]).
///
/// The fast path is a `TPACKET_V3` receive ring shared with the kernel:
/// frames are written into large blocks, a block is retired to user space
/// when full or after [`TapConfig::retire_timeout`], and [`Tap::recv`] hands
/// out views into it with no copy per packet, returning the block to the
/// kernel on the next call. Where the ring cannot be set up, `recvmmsg` into
/// a preallocated arena is the fallback ([`RxPath`]); both yield the same
/// [`TapPacket`]s.
///
/// When the interface goes down or is deleted, the kernel unbinds the socket
/// and reports `ENETDOWN`; [`Tap::recv`] returns an error whose
/// [`Error::interface_lost`](crate::Error::interface_lost) says which,
/// instead of waiting forever.
///
/// Opening a tap needs `CAP_NET_RAW`.
///
/// ```no_run
/// use std::time::Duration;
/// use ipv4kit_net::Tap;
///
/// # fn main() -> Result<(), ipv4kit_net::Error> {
/// let mut tap = Tap::open("eth0")?;
/// loop {
///     for p in tap.recv(Some(Duration::from_secs(1)))? {
///         if let Ok(ip) = p.ipv4() {
///             println!("{:?} {} > {} ({:?})", p.meta.timestamp, ip.src(), ip.dst(), p.meta.packet_type);
///         }
///     }
///     let s = tap.stats()?;
///     if s.drops > 0 {
///         eprintln!("{} dropped so far", s.drops);
///     }
/// }
/// # }
/// ```
pub struct Tap {
    sock: socket2::Socket,
    ifindex: u32,
    name: String,
    rx: Rx,
    stats: TapStats,
}

impl std::fmt::Debug for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tap")
            .field("interface", &self.name)
            .field("ifindex", &self.ifindex)
            .field("path", &self.path())
            .finish_non_exhaustive()
    }
}

impl AsFd for Tap {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

impl AsRawFd for Tap {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

impl Tap {
    /// A tap on interface `name` with the default [`TapConfig`]: IGMP, the
    /// ring if possible, all-multicast.
    pub fn open(name: &str) -> Result<Tap> {
        Tap::with_config(name, &TapConfig::default())
    }

    /// A tap on interface `name` configured by `config`.
    ///
    /// Errors name the interface; creating the socket without
    /// `CAP_NET_RAW` fails with a hint saying so.
    pub fn with_config(name: &str, config: &TapConfig) -> Result<Tap> {
        let ifindex = os::if_nametoindex(name).map_err(|e| e.with_object(name))?;
        Tap::open_index(name, ifindex, config).map_err(|e| e.with_object(name))
    }

    fn open_index(name: &str, ifindex: u32, config: &TapConfig) -> Result<Tap> {
        let sock = packet::socket(false)?;
        let fd = sock.as_fd();
        // Before bind: until then the socket (protocol 0) receives nothing,
        // so no unfiltered frame is ever queued.
        os::attach_filter(fd, &filter::program(config.protocols))?;
        let ring = match config.ring {
            RingMode::Off => None,
            mode => {
                let r = packet::set_tpacket_v3(fd).and_then(|()| {
                    Ring::new(
                        fd,
                        config.block_size,
                        config.block_count,
                        2048,
                        config.retire_timeout,
                    )
                });
                match r {
                    Ok(r) => Some(r),
                    Err(e) if mode == RingMode::Required => return Err(e),
                    Err(_) => None,
                }
            }
        };
        let rx = match ring {
            Some(ring) => Rx::Ring {
                ring,
                next: 0,
                held: None,
            },
            None => {
                if config.batch == 0 || config.snaplen == 0 {
                    return Err(Error::invalid(
                        "recvmmsg(AF_PACKET)",
                        "batch and snap length must be at least 1",
                    ));
                }
                packet::set_timestamps(fd)?;
                if let Some(n) = config.recv_buffer {
                    // ipv4kit's method (with the SO_RCVBUFFORCE fallback), not
                    // socket2's own of the same name.
                    use crate::options::{DatagramOptions, SocketOptions};
                    SocketOptions::of(&sock).set_recv_buffer_size(n)?;
                }
                Rx::Mmsg {
                    mm: MmsgLl::new(config.batch),
                    arena: vec![0; config.batch * config.snaplen].into_boxed_slice(),
                    slot: config.snaplen,
                    count: config.batch,
                    received: 0,
                }
            }
        };
        packet::bind(fd, ifindex, ETH_P_ALL)?;
        if config.all_multicast {
            packet::add_membership(fd, ifindex, packet::PACKET_MR_ALLMULTI)?;
        }
        if config.promiscuous {
            packet::add_membership(fd, ifindex, packet::PACKET_MR_PROMISC)?;
        }
        Ok(Tap {
            sock,
            ifindex,
            name: name.to_owned(),
            rx,
            stats: TapStats::default(),
        })
    }

    /// The interface's index.
    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// The interface's name, as given to [`open`](Self::open).
    pub fn interface(&self) -> &str {
        &self.name
    }

    /// The receive path in use.
    pub fn path(&self) -> RxPath {
        match self.rx {
            Rx::Ring { .. } => RxPath::Ring,
            Rx::Mmsg { .. } => RxPath::Recvmmsg,
        }
    }

    /// What the kernel counted since the tap was opened: frames that
    /// passed the filter and those it dropped (`PACKET_STATISTICS`).
    pub fn stats(&mut self) -> Result<TapStats> {
        let (packets, drops, freezes) =
            packet::statistics(self.sock.as_fd()).map_err(|e| e.with_object(self.name.as_str()))?;
        self.stats.packets += u64::from(packets);
        self.stats.drops += u64::from(drops);
        self.stats.freezes += u64::from(freezes);
        Ok(self.stats)
    }

    /// Waits up to `timeout` (`None`: without end) for frames and returns
    /// those that are there: a whole ring block, or up to
    /// [`TapConfig::batch`] frames from `recvmmsg`. An empty batch means the
    /// timeout passed.
    ///
    /// The batch borrows the tap; the ring block it views goes back to the
    /// kernel at the next call.
    ///
    /// Fails with an error whose [`Error::interface_lost`] is set when the
    /// interface went down or away (`ENETDOWN`, or its index vanished).
    pub fn recv(&mut self, timeout: Option<Duration>) -> Result<TapBatch<'_>> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let name = self.name.clone();
        let got = self.wait(deadline).map_err(|e| e.with_object(name))?;
        Ok(if got { self.batch() } else { TapBatch::empty() })
    }

    /// Without waiting: gives back the last batch, then takes the next one
    /// if the kernel has one (a retired ring block, or what `recvmmsg` finds
    /// queued): `Ok(None)` when there is none yet. For event loops that
    /// wait for the descriptor themselves (`epoll`, tokio's `AsyncFd`): the
    /// ring's descriptor turns readable when the kernel retires a block.
    ///
    /// Unlike [`recv`](Self::recv) it does not look, once a second, whether
    /// the interface still exists; on the `recvmmsg` path the kernel's
    /// `ENETDOWN` still comes back as an error with
    /// [`Error::interface_lost`] set.
    pub fn try_recv(&mut self) -> Result<Option<TapBatch<'_>>> {
        self.give_back();
        let got = self
            .try_take()
            .map_err(|e| e.with_object(self.name.as_str()))?;
        Ok(got.then(|| self.batch()))
    }

    /// The batch the last [`recv`](Self::recv) or [`try_recv`](Self::try_recv)
    /// handed out, again from its first frame (empty if there was none, or
    /// it timed out). No call to the kernel: for code that had to let go of
    /// the first borrow (an async adapter across its `await`).
    pub fn last_batch(&self) -> TapBatch<'_> {
        self.batch()
    }

    /// Gives back the ring block (or resets the arena) the last call
    /// handed out.
    fn give_back(&mut self) {
        if let Rx::Ring { ring, next, held } = &mut self.rx {
            if let Some(b) = held.take() {
                ring.release(b);
                *next = (b + 1) % ring.blocks();
            }
        }
        if let Rx::Mmsg { received, .. } = &mut self.rx {
            *received = 0;
        }
    }

    /// Waits for frames; `Ok(false)` on timeout.
    fn wait(&mut self, deadline: Option<Instant>) -> Result<bool> {
        self.give_back();
        loop {
            if self.try_take()? {
                return Ok(true);
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left == Some(Duration::ZERO) {
                return Ok(false);
            }
            let wait = left.map_or(LIVENESS_TICK, |l| l.min(LIVENESS_TICK));
            let fd = self.sock.as_fd();
            let ready = match packet::poll_in(fd, Some(wait)) {
                // A signal: go round again (the deadline still holds).
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => r.map_err(|e| Error::new("poll(AF_PACKET)", e))?,
            };
            match ready {
                Ready::In => {}
                Ready::Err => {
                    let e = self
                        .sock
                        .take_error()
                        .map_err(|e| Error::new("getsockopt(SO_ERROR)", e))?
                        .unwrap_or_else(|| std::io::Error::from_raw_os_error(libc::ENETDOWN));
                    return Err(self.classify("poll(AF_PACKET)", e));
                }
                Ready::Timeout => {
                    if !packet::interface_exists(fd, self.ifindex) {
                        return Err(Error::lost(
                            "poll(AF_PACKET)",
                            InterfaceLost::Gone,
                            std::io::Error::from_raw_os_error(libc::ENXIO),
                        ));
                    }
                }
            }
        }
    }

    /// An error from the socket: an interface loss when it is one.
    fn classify(&self, op: &'static str, e: std::io::Error) -> Error {
        match e.raw_os_error() {
            Some(libc::ENETDOWN) | Some(libc::ENXIO) | Some(libc::ENODEV) => {
                // Deleting an interface first takes it down (the kernel's
                // ENETDOWN), then unlists it a moment later: look a few
                // times before calling it merely down.
                let fd = self.sock.as_fd();
                let mut how = InterfaceLost::Down;
                for _ in 0..10 {
                    if !packet::interface_exists(fd, self.ifindex) {
                        how = InterfaceLost::Gone;
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                Error::lost(op, how, e)
            }
            _ => Error::new(op, e),
        }
    }

    /// Takes what is ready without waiting: the next ring block, or a
    /// `recvmmsg` batch.
    fn try_take(&mut self) -> Result<bool> {
        let fd = self.sock.as_fd();
        let r = match &mut self.rx {
            Rx::Ring { ring, next, held } => {
                if ring.block(*next).is_some() {
                    *held = Some(*next);
                    return Ok(true);
                }
                return Ok(false);
            }
            Rx::Mmsg {
                mm,
                arena,
                slot,
                count,
                received,
            } => mm
                .recv(fd, arena, *slot, *count)
                .inspect(|&n| *received = n),
        };
        match r {
            Ok(n) => Ok(n > 0),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(self.classify("recvmmsg(AF_PACKET)", e)),
        }
    }

    fn batch(&self) -> TapBatch<'_> {
        match &self.rx {
            Rx::Ring { ring, held, .. } => match held.and_then(|b| ring.block(b)) {
                Some(bytes) => TapBatch {
                    src: Src::Ring(block::frames(bytes)),
                },
                None => TapBatch::empty(),
            },
            Rx::Mmsg {
                mm,
                arena,
                slot,
                received,
                ..
            } => TapBatch {
                src: Src::Mmsg {
                    mm,
                    arena,
                    slot: *slot,
                    next: 0,
                    end: *received,
                },
            },
        }
    }
}

/// The frames one [`Tap::recv`] returned, in arrival order (an iterator of
/// [`TapPacket`]s).
pub struct TapBatch<'a> {
    src: Src<'a>,
}

enum Src<'a> {
    Empty,
    Ring(block::BlockFrames<'a>),
    Mmsg {
        mm: &'a MmsgLl,
        arena: &'a [u8],
        slot: usize,
        next: usize,
        end: usize,
    },
}

impl std::fmt::Debug for TapBatch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TapBatch").finish_non_exhaustive()
    }
}

impl TapBatch<'_> {
    fn empty() -> Self {
        TapBatch { src: Src::Empty }
    }
}

fn meta_from(
    sec: i64,
    nsec: u32,
    len: usize,
    orig_len: usize,
    link: Option<block::LinkFields>,
) -> TapMeta {
    let timestamp = if sec >= 0 {
        SystemTime::UNIX_EPOCH + Duration::new(sec as u64, nsec.min(999_999_999))
    } else {
        SystemTime::UNIX_EPOCH
    };
    let link = link.unwrap_or(block::LinkFields {
        protocol: 0,
        ifindex: 0,
        hatype: 0,
        pkttype: 0,
        addr: [0; 8],
        addr_len: 0,
    });
    TapMeta {
        timestamp,
        len,
        orig_len: orig_len.max(len),
        truncated: orig_len > len,
        ifindex: link.ifindex,
        packet_type: PacketType::from_raw(link.pkttype),
        protocol: link.protocol,
        src: LinkAddr {
            bytes: link.addr,
            len: link.addr_len,
        },
        hardware_type: link.hatype,
    }
}

impl<'a> Iterator for TapBatch<'a> {
    type Item = TapPacket<'a>;

    fn next(&mut self) -> Option<TapPacket<'a>> {
        match &mut self.src {
            Src::Empty => None,
            Src::Ring(frames) => {
                let f = frames.next()?;
                Some(TapPacket {
                    data: f.data,
                    meta: meta_from(
                        i64::from(f.sec),
                        f.nsec,
                        f.data.len(),
                        f.len as usize,
                        f.link,
                    ),
                })
            }
            Src::Mmsg {
                mm,
                arena,
                slot,
                next,
                end,
            } => {
                if *next >= *end {
                    return None;
                }
                let i = *next;
                *next += 1;
                let (full, _) = mm.len(i);
                let len = full.min(*slot);
                let data = &arena[i * *slot..i * *slot + len];
                let (sec, nsec) = mm.timestamp(i).unwrap_or_else(|| {
                    let now = SystemTime::now()
                        .duration_since(SystemTime::UNIX_EPOCH)
                        .unwrap_or_default();
                    (now.as_secs() as i64, now.subsec_nanos())
                });
                Some(TapPacket {
                    data,
                    meta: meta_from(sec, nsec, len, full, block::link_fields(&mm.name(i))),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_frames_become_tap_packets_with_their_metadata() {
        let mut ll = [0u8; 20];
        ll[2..4].copy_from_slice(&0x0800u16.to_be_bytes());
        ll[4..8].copy_from_slice(&3u32.to_ne_bytes());
        ll[10] = 4;
        ll[11] = 6;
        ll[12..18].copy_from_slice(&[2, 0, 0, 0, 0, 9]);
        let ip = [
            0x45u8, 0, 0, 20, 0, 0, 0, 0, 1, 2, 0, 0, 1, 2, 3, 4, 224, 0, 0, 1,
        ];
        let block = block::build_block(4096, &[(&ip, 10, 20, 20)], &ll);
        let mut b = TapBatch {
            src: Src::Ring(block::frames(&block)),
        };
        let p = b.next().unwrap();
        assert!(b.next().is_none());
        assert_eq!(p.meta.packet_type, PacketType::Outgoing);
        assert_eq!(p.meta.src.to_string(), "02:00:00:00:00:09");
        assert_eq!(p.meta.src.mac(), Some([2, 0, 0, 0, 0, 9]));
        assert_eq!(p.meta.ifindex, 3);
        assert_eq!(p.meta.protocol, 0x0800);
        assert!(!p.meta.truncated);
        assert_eq!(
            p.meta.timestamp,
            SystemTime::UNIX_EPOCH + Duration::new(10, 20)
        );
        assert_eq!(
            p.ipv4().unwrap().dst(),
            std::net::Ipv4Addr::new(224, 0, 0, 1)
        );
    }

    #[test]
    fn a_tap_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Tap>();
    }
}
