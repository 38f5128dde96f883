//! [`MrouteSocket`]: the kernel's multicast-routing socket (Linux).
//!
//! A raw IGMP socket becomes the multicast-routing socket of its network
//! namespace with `MRT_INIT`; virtual interfaces (VIFs) are added with
//! `MRT_ADD_VIF` and forwarding entries with `MRT_ADD_MFC`. From then on
//! the socket receives, besides the IGMP a raw IGMP socket always gets:
//!
//! - IGMP datagrams addressed to groups this host never joined that arrive
//!   on a VIF (IGMPv1/v2 reports, group-specific queries) — the only way a
//!   program on Linux sees them;
//! - **upcalls**: `struct igmpmsg` messages the kernel writes when multicast
//!   data arrives for which it has no forwarding entry
//!   ([`UpcallKind::NoCache`]), on the wrong VIF, or whole packets for PIM.
//!
//! Both come through the same `recv`; [`MrouteMessage::classify`] tells them
//! apart the way `<linux/mroute.h>` says to: an upcall has a zero byte where
//! an IPv4 header has its protocol number.
//!
//! There is one multicast-routing socket per namespace and routing table
//! ([`MrouteSocket::with_table`] picks the table): when another program
//! holds it, [`MrouteSocket::new`] fails with an error for which
//! [`Error::is_mroute_in_use`] is true. A PIM router also switches on
//! [`set_assert`](MrouteSocket::set_assert) and
//! [`set_pim`](MrouteSocket::set_pim).

use std::net::Ipv4Addr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::sync::Mutex;

use crate::batch::RecvBatch;
use crate::control::{ControlFlags, RecvMeta};
use crate::error::{Error, Result};
use crate::options::{DatagramOptions, IpOptions};
use crate::raw::RawConn;
use crate::sys::os::mroute as ffi;
use crate::wire::ipv4::{Ipv4Error, Ipv4Packet};

/// The `int`-valued multicast-routing options read and written after
/// `MRT_INIT`.
#[derive(Clone, Copy)]
enum IntOption {
    Version,
    Assert,
    Pim,
}

impl IntOption {
    /// What errors name: the setsockopt and the getsockopt call.
    fn ops(self) -> (&'static str, &'static str) {
        match self {
            IntOption::Version => ("setsockopt(MRT_VERSION)", "getsockopt(MRT_VERSION)"),
            IntOption::Assert => ("setsockopt(MRT_ASSERT)", "getsockopt(MRT_ASSERT)"),
            IntOption::Pim => ("setsockopt(MRT_PIM)", "getsockopt(MRT_PIM)"),
        }
    }

    fn name(self) -> libc::c_int {
        match self {
            IntOption::Version => ffi::MRT_VERSION,
            IntOption::Assert => ffi::MRT_ASSERT,
            IntOption::Pim => ffi::MRT_PIM,
        }
    }
}

/// Highest VIF number plus one (`MAXVIFS` in `<linux/mroute.h>`).
pub const MAX_VIFS: u16 = 32;

/// What [`MrouteSocket::flush`] deletes (`MRT_FLUSH`). Entries and VIFs
/// a routing socket adds are *dynamic*; those added through another socket
/// with `CAP_NET_ADMIN` are *static* in the kernel's terms and survive the
/// routing socket.
///
/// ```
/// use ipv4kit_net::MrouteFlush;
/// let own = MrouteFlush { mfc: true, vifs: true, ..MrouteFlush::default() };
/// assert_eq!(own, MrouteFlush::DYNAMIC);
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MrouteFlush {
    /// Forwarding entries added by the routing socket (`MRT_FLUSH_MFC`).
    pub mfc: bool,
    /// Forwarding entries added by other sockets (`MRT_FLUSH_MFC_STATIC`).
    pub static_mfc: bool,
    /// VIFs added by the routing socket (`MRT_FLUSH_VIFS`).
    pub vifs: bool,
    /// VIFs added by other sockets (`MRT_FLUSH_VIFS_STATIC`).
    pub static_vifs: bool,
}

impl MrouteFlush {
    /// The routing socket's own entries and VIFs: what a daemon clears on
    /// a restart of its state machine.
    pub const DYNAMIC: MrouteFlush = MrouteFlush {
        mfc: true,
        static_mfc: false,
        vifs: true,
        static_vifs: false,
    };
    /// Every entry and every VIF of the table.
    pub const ALL: MrouteFlush = MrouteFlush {
        mfc: true,
        static_mfc: true,
        vifs: true,
        static_vifs: true,
    };

    /// The `MRT_FLUSH_*` bits.
    pub(crate) fn bits(self) -> libc::c_int {
        [
            (self.mfc, ffi::MRT_FLUSH_MFC),
            (self.static_mfc, ffi::MRT_FLUSH_MFC_STATIC),
            (self.vifs, ffi::MRT_FLUSH_VIFS),
            (self.static_vifs, ffi::MRT_FLUSH_VIFS_STATIC),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |bits, (_, bit)| bits | bit)
    }
}

/// Length of `struct igmpmsg`, the upcall header: 20 bytes, the size of the
/// IPv4 header it overlays.
pub const UPCALL_HEADER_LEN: usize = 20;

/// Offsets in `struct igmpmsg` (`<linux/mroute.h>`), which overlays an
/// IPv4 header: `unused1`, `unused2`, then these.
mod igmpmsg {
    pub(super) const MSGTYPE: usize = 8;
    /// `im_mbz`, always 0, where an IPv4 header has its protocol.
    pub(super) const MBZ: usize = 9;
    pub(super) const VIF: usize = 10;
    pub(super) const VIF_HI: usize = 11;
    pub(super) const SRC: usize = 12;
    pub(super) const DST: usize = 16;
}

/// What an upcall reports (`im_msgtype` of `struct igmpmsg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UpcallKind {
    /// `IGMPMSG_NOCACHE` (1): multicast data arrived for a (source, group)
    /// with no forwarding cache entry; a routing daemon would add one.
    NoCache,
    /// `IGMPMSG_WRONGVIF` (2): data arrived on a VIF other than the entry's
    /// incoming one (PIM assert processing).
    WrongVif,
    /// `IGMPMSG_WHOLEPKT` (3): a whole packet for PIM Register processing
    /// follows the header.
    WholePacket,
    /// `IGMPMSG_WRVIFWHOLE` (4): wrong VIF, with the whole packet.
    WrongVifWhole,
    /// A message type this build does not name.
    Other(u8),
}

impl From<u8> for UpcallKind {
    fn from(t: u8) -> UpcallKind {
        match t {
            1 => UpcallKind::NoCache,
            2 => UpcallKind::WrongVif,
            3 => UpcallKind::WholePacket,
            4 => UpcallKind::WrongVifWhole,
            t => UpcallKind::Other(t),
        }
    }
}

impl From<UpcallKind> for u8 {
    fn from(k: UpcallKind) -> u8 {
        match k {
            UpcallKind::NoCache => 1,
            UpcallKind::WrongVif => 2,
            UpcallKind::WholePacket => 3,
            UpcallKind::WrongVifWhole => 4,
            UpcallKind::Other(t) => t,
        }
    }
}

/// A kernel upcall (`struct igmpmsg`) read from the multicast-routing socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Upcall<'a> {
    /// Why the kernel wrote it (`im_msgtype`).
    pub kind: UpcallKind,
    /// The VIF the packet arrived on (`im_vif | im_vif_hi << 8`).
    pub vif: u16,
    /// Source of the multicast packet (`im_src`).
    pub src: Ipv4Addr,
    /// Its destination group (`im_dst`).
    pub dst: Ipv4Addr,
    /// What follows the 20-byte header: the whole packet for
    /// [`UpcallKind::WholePacket`] and [`UpcallKind::WrongVifWhole`], else
    /// normally empty.
    pub payload: &'a [u8],
}

/// One message received on a multicast-routing socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MrouteMessage<'a> {
    /// An IPv4 datagram (IGMP), header first, validated as
    /// [`RecvDatagram::packet`](crate::RecvDatagram::packet) does
    /// ([`Ipv4Packet::new_lenient`]: version and lengths; the header checksum,
    /// which the kernel verified on arrival and may then invalidate by
    /// writing into options, is left to [`Ipv4Packet::verify_checksum`]).
    Datagram(std::result::Result<Ipv4Packet<&'a [u8]>, Ipv4Error>),
    /// A kernel upcall.
    Upcall(Upcall<'a>),
}

impl<'a> MrouteMessage<'a> {
    /// Tells an upcall from a datagram by the byte at offset 9: an IPv4
    /// header's protocol (2 for IGMP), `im_mbz` (always 0) in an upcall
    /// (`<linux/mroute.h>`). Bytes shorter than 20 are a (broken) datagram.
    pub fn classify(bytes: &'a [u8]) -> MrouteMessage<'a> {
        use igmpmsg::*;
        if bytes.len() >= UPCALL_HEADER_LEN && bytes[MBZ] == 0 {
            let addr =
                |at: usize| Ipv4Addr::new(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
            MrouteMessage::Upcall(Upcall {
                kind: UpcallKind::from(bytes[MSGTYPE]),
                vif: u16::from(bytes[VIF]) | (u16::from(bytes[VIF_HI]) << 8),
                src: addr(SRC),
                dst: addr(DST),
                payload: &bytes[UPCALL_HEADER_LEN..],
            })
        } else {
            MrouteMessage::Datagram(Ipv4Packet::new_lenient(bytes))
        }
    }
}

/// The multicast-routing socket of the calling thread's network namespace:
/// a raw IGMP socket (`socket(AF_INET, SOCK_RAW, IPPROTO_IGMP)`) after
/// `MRT_INIT`. *Linux*: elsewhere [`new`](Self::new) returns an
/// `Unsupported` error; [`MrouteMessage::classify`] works everywhere.
///
/// - [`add_vif`](Self::add_vif) / [`del_vif`](Self::del_vif): virtual
///   interfaces by interface index (`MRT_ADD_VIF` with `VIFF_USE_IFINDEX`,
///   `MRT_DEL_VIF`). Adding a VIF turns on multicast forwarding on the
///   interface (`mc_forwarding`) and puts it in all-multicast mode.
/// - [`add_mfc`](Self::add_mfc) / [`del_mfc`](Self::del_mfc): forwarding
///   cache entries, (source, group) from one VIF to others;
///   [`flush`](Self::flush) deletes entries and VIFs wholesale.
/// - [`recv`](Self::recv) / [`recv_batch`](Self::recv_batch): IGMP datagrams
///   and upcalls, told apart by [`MrouteMessage::classify`].
/// - Dropping it deletes its VIFs and gives the role up (`MRT_DONE`); the
///   kernel would do the same when the socket closes.
///
/// It is also an ordinary raw IGMP socket with `IP_HDRINCL`: [`conn`](Self::conn)
/// sends queries, and the option traits join groups (e.g. 224.0.0.22 for
/// IGMPv3 reports, which the routing socket alone does not get).
///
/// Needs `CAP_NET_RAW` (the socket) and `CAP_NET_ADMIN` (VIFs).
///
/// ```no_run
/// use ipv4kit_net::{interface_index, MrouteMessage, MrouteSocket};
/// # fn main() -> Result<(), ipv4kit_net::Error> {
/// let mrt = match MrouteSocket::new() {
///     Err(e) if e.is_mroute_in_use() => panic!("a routing daemon runs here: {e}"),
///     r => r?,
/// };
/// mrt.add_vif(0, interface_index("eth0")?)?;
/// let mut buf = [0u8; 2048];
/// loop {
///     let (n, _meta) = mrt.recv(&mut buf)?;
///     match MrouteMessage::classify(&buf[..n]) {
///         MrouteMessage::Datagram(Ok(ip)) => println!("IGMP from {}", ip.src()),
///         MrouteMessage::Datagram(Err(e)) => eprintln!("bad datagram: {e}"),
///         MrouteMessage::Upcall(u) => println!("upcall {:?} for {} on vif {}", u.kind, u.dst, u.vif),
///     }
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct MrouteSocket {
    conn: RawConn,
    state: Mutex<State>,
}

/// The VIFs added (bit per number) and whether `MRT_DONE` has been sent.
#[derive(Debug, Default)]
struct State {
    vifs: u32,
    done: bool,
}

impl MrouteSocket {
    /// Opens a raw IGMP socket and makes it the namespace's multicast-routing
    /// socket (`MRT_INIT`).
    ///
    /// Fails with [`Error::is_mroute_in_use`] when another socket already is
    /// (`EADDRINUSE`), with a `CAP_NET_RAW` hint without privilege, and with
    /// `ENOPROTOOPT` on a kernel built without `CONFIG_IP_MROUTE`.
    pub fn new() -> Result<MrouteSocket> {
        MrouteSocket::open(None)
    }

    /// Like [`new`](Self::new), for multicast routing table `table`
    /// (`MRT_TABLE` before `MRT_INIT`), as a daemon serving a VRF does: one
    /// routing socket per table per namespace. The default table is
    /// `RT_TABLE_DEFAULT` (253), the one [`new`](Self::new) serves.
    /// `ENOPROTOOPT` on a kernel built without
    /// `CONFIG_IP_MROUTE_MULTIPLE_TABLES`.
    pub fn with_table(table: u32) -> Result<MrouteSocket> {
        MrouteSocket::open(Some(table))
    }

    fn open(table: Option<u32>) -> Result<MrouteSocket> {
        let conn = RawConn::new(crate::wire::ipv4::IpProtocol::IGMP)?;
        if let Some(table) = table {
            // The kernel takes a u32 through an int-sized option.
            ffi::set_int(
                conn.as_fd(),
                ffi::MRT_TABLE,
                table as libc::c_int,
                "setsockopt(MRT_TABLE)",
            )?;
        }
        ffi::mrt_init(conn.as_fd())?;
        Ok(MrouteSocket {
            conn,
            state: Mutex::default(),
        })
    }

    /// The kernel's multicast-routing API version (`MRT_VERSION`): 0x0305
    /// on Linux.
    pub fn version(&self) -> Result<u32> {
        self.get_int(IntOption::Version).map(|v| v as u32)
    }

    /// Switches assert reporting on or off (`MRT_ASSERT`; off after
    /// `MRT_INIT`). On, multicast data arriving on a VIF other than its
    /// forwarding entry's incoming VIF, where that VIF is one of the
    /// entry's outgoing ones, comes up as an [`UpcallKind::WrongVif`]
    /// upcall (at most one per entry every 3 seconds): what a PIM router
    /// needs to send Asserts (RFC 7761 §4.6).
    pub fn set_assert(&self, on: bool) -> Result<()> {
        self.set_int(IntOption::Assert, on)
    }

    /// Whether assert reporting is on (`getsockopt(MRT_ASSERT)`).
    pub fn assert(&self) -> Result<bool> {
        self.get_int(IntOption::Assert).map(|v| v != 0)
    }

    /// Switches PIM mode on or off (`MRT_PIM`; turning it on also turns
    /// on assert reporting). In PIM mode the kernel accepts a register VIF
    /// and reports wrong-VIF data even when that VIF is not an outgoing one.
    /// `ENOPROTOOPT` on a kernel built without `CONFIG_IP_PIMSM_V1`/`V2`.
    pub fn set_pim(&self, on: bool) -> Result<()> {
        self.set_int(IntOption::Pim, on)
    }

    /// Whether PIM mode is on (`getsockopt(MRT_PIM)`).
    pub fn pim(&self) -> Result<bool> {
        self.get_int(IntOption::Pim).map(|v| v != 0)
    }

    /// `setsockopt` of an `int` option, 1 for on.
    fn set_int(&self, option: IntOption, on: bool) -> Result<()> {
        let op = option.ops().0;
        ffi::set_int(self.conn.as_fd(), option.name(), i32::from(on), op)
    }

    /// `getsockopt` of an `int` option.
    fn get_int(&self, option: IntOption) -> Result<i32> {
        let op = option.ops().1;
        ffi::get_int(self.conn.as_fd(), option.name(), op)
    }

    /// Adds VIF `vif` (0..[`MAX_VIFS`]) on the interface with index
    /// `ifindex` (`MRT_ADD_VIF`, `VIFF_USE_IFINDEX`, TTL threshold 1).
    /// `EADDRINUSE` if the number is taken.
    pub fn add_vif(&self, vif: u16, ifindex: u32) -> Result<()> {
        if vif >= MAX_VIFS {
            return Err(Error::invalid(
                "setsockopt(MRT_ADD_VIF)",
                "VIF number out of range (0..32)",
            ));
        }
        ffi::add_vif(self.conn.as_fd(), vif, ifindex, 1)?;
        self.state().vifs |= 1 << vif;
        Ok(())
    }

    /// Deletes VIF `vif` (`MRT_DEL_VIF`). `EADDRNOTAVAIL` if there is none.
    pub fn del_vif(&self, vif: u16) -> Result<()> {
        if vif >= MAX_VIFS {
            return Err(Error::invalid(
                "setsockopt(MRT_DEL_VIF)",
                "VIF number out of range (0..32)",
            ));
        }
        ffi::del_vif(self.conn.as_fd(), vif)?;
        self.state().vifs &= !(1 << vif);
        Ok(())
    }

    /// Adds (or replaces) the multicast forwarding cache entry for packets
    /// from `origin` to `group` (`MRT_ADD_MFC`): those arriving on VIF
    /// `parent` are forwarded out of each VIF in `outgoing`, given as
    /// `(vif, ttl_threshold)`, when their TTL exceeds the threshold
    /// (1..=254). This is what a routing daemon does after a
    /// [`UpcallKind::NoCache`] upcall.
    pub fn add_mfc(
        &self,
        origin: Ipv4Addr,
        group: Ipv4Addr,
        parent: u16,
        outgoing: &[(u16, u8)],
    ) -> Result<()> {
        const OP: &str = "setsockopt(MRT_ADD_MFC)";
        if parent >= MAX_VIFS {
            return Err(Error::invalid(OP, "parent VIF number out of range (0..32)"));
        }
        let mut ttls = [0u8; MAX_VIFS as usize];
        for &(vif, ttl) in outgoing {
            if vif >= MAX_VIFS {
                return Err(Error::invalid(
                    OP,
                    "outgoing VIF number out of range (0..32)",
                ));
            }
            if ttl == 0 || ttl == 255 {
                return Err(Error::invalid(OP, "TTL threshold must be 1..=254"));
            }
            ttls[usize::from(vif)] = ttl;
        }
        ffi::add_mfc(self.conn.as_fd(), origin, group, parent, ttls)
    }

    /// Deletes the forwarding cache entry for (`origin`, `group`)
    /// (`MRT_DEL_MFC`); `ENOENT` if there is none.
    pub fn del_mfc(&self, origin: Ipv4Addr, group: Ipv4Addr) -> Result<()> {
        ffi::del_mfc(self.conn.as_fd(), origin, group)
    }

    /// Deletes forwarding entries and VIFs of this socket's table in one
    /// call (`MRT_FLUSH`), as `what` chooses; nothing to delete is not an
    /// error. Unresolved entries (those waiting for an answer to a
    /// [`UpcallKind::NoCache`] upcall) go with [`MrouteFlush::mfc`].
    /// `ENOPROTOOPT` on kernels that predate `MRT_FLUSH`.
    pub fn flush(&self, what: MrouteFlush) -> Result<()> {
        const OP: &str = "setsockopt(MRT_FLUSH)";
        ffi::set_int(self.conn.as_fd(), ffi::MRT_FLUSH, what.bits(), OP)?;
        if what.vifs {
            self.state().vifs = 0;
        }
        Ok(())
    }

    /// The VIF numbers this socket added and has not deleted, ascending.
    pub fn vifs(&self) -> Vec<u16> {
        let bits = self.state().vifs;
        (0..MAX_VIFS).filter(|v| bits & (1 << v) != 0).collect()
    }

    /// The raw IGMP socket underneath (`IP_HDRINCL` set): to send, or to
    /// receive with its own calls.
    pub fn conn(&self) -> &RawConn {
        &self.conn
    }

    /// Switches receive control messages on or off (see
    /// [`RawConn::set_control_message`]). `IP_PKTINFO` tells which
    /// interface an IGMP datagram came in on.
    pub fn set_control_message(&self, flags: ControlFlags, on: bool) -> Result<()> {
        self.conn.set_control_message(flags, on)
    }

    /// Receives one message (datagram or upcall) into `buf`; returns its
    /// length and metadata. Pass `&buf[..n]` to [`MrouteMessage::classify`].
    pub fn recv(&self, buf: &mut [u8]) -> Result<(usize, RecvMeta)> {
        let meta = self.conn.recv(buf)?;
        Ok((meta.len, meta))
    }

    /// Receives up to a batch of messages (`recvmmsg`); classify each
    /// datagram's `data` with [`MrouteMessage::classify`].
    pub fn recv_batch(&self, batch: &mut RecvBatch) -> Result<usize> {
        self.conn.recv_batch(batch)
    }

    /// Deletes the VIFs and gives the multicast-routing role up
    /// (`MRT_DONE`), reporting a failure (drop does the same silently).
    pub fn done(self) -> Result<()> {
        self.shutdown()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is two plain integers: a panic elsewhere cannot leave
        // it inconsistent, so a poisoned lock is still good.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn shutdown(&self) -> Result<()> {
        let mut result = Ok(());
        for vif in self.vifs() {
            if let Err(e) = self.del_vif(vif) {
                result = result.and(Err(e));
            }
        }
        let first = !std::mem::replace(&mut self.state().done, true);
        if first {
            result = result.and(ffi::mrt_done(self.conn.as_fd()));
        }
        result
    }
}

impl Drop for MrouteSocket {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

impl AsFd for MrouteSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.conn.as_fd()
    }
}

impl AsRawFd for MrouteSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.conn.as_raw_fd()
    }
}

impl IpOptions for MrouteSocket {}
impl DatagramOptions for MrouteSocket {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_igmp_datagram_is_a_datagram() {
        // tcpdump IGMP_V2.pcap: a v2 report with Router Alert.
        let bytes = [
            0x46, 0, 0, 0x20, 0, 0, 0, 0, 1, 2, 0x72, 0xc8, 192, 168, 1, 101, 239, 1, 1, 1, 0x94,
            4, 0, 0, 0x16, 0, 0xf9, 0xfc, 239, 1, 1, 1,
        ];
        match MrouteMessage::classify(&bytes) {
            MrouteMessage::Datagram(Ok(p)) => assert_eq!(p.dst(), Ipv4Addr::new(239, 1, 1, 1)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn protocol_zero_is_an_upcall() {
        let mut bytes = [0u8; 24];
        bytes[8] = 1; // IGMPMSG_NOCACHE
        bytes[10] = 3;
        bytes[11] = 0;
        bytes[12..16].copy_from_slice(&[198, 18, 0, 1]);
        bytes[16..20].copy_from_slice(&[239, 1, 2, 3]);
        let MrouteMessage::Upcall(u) = MrouteMessage::classify(&bytes) else {
            panic!()
        };
        assert_eq!(u.kind, UpcallKind::NoCache);
        assert_eq!(u.vif, 3);
        assert_eq!(u.src, Ipv4Addr::new(198, 18, 0, 1));
        assert_eq!(u.dst, Ipv4Addr::new(239, 1, 2, 3));
        assert_eq!(u.payload.len(), 4);
        bytes[8] = 9;
        bytes[11] = 1;
        let MrouteMessage::Upcall(u) = MrouteMessage::classify(&bytes) else {
            panic!()
        };
        assert_eq!((u.kind, u.vif), (UpcallKind::Other(9), 259));
        assert_eq!(u8::from(u.kind), 9);
    }

    #[test]
    fn short_input_is_a_broken_datagram_not_a_panic() {
        for n in 0..20 {
            let bytes = vec![0u8; n];
            assert!(matches!(
                MrouteMessage::classify(&bytes),
                MrouteMessage::Datagram(Err(_))
            ));
        }
    }
}
