//! [`Mroute6Socket`]: the kernel's IPv6 multicast-routing socket (Linux),
//! what PIM6 daemons and MLD proxies use — [`MrouteSocket`]'s sibling.
//!
//! A raw ICMPv6 socket becomes the IPv6 multicast-routing socket of its
//! network namespace with `MRT6_INIT`; multicast interfaces (MIFs) are added
//! with `MRT6_ADD_MIF` and forwarding entries with `MRT6_ADD_MFC`. With a
//! MIF on an interface, the kernel delivers MLD messages with a Router Alert
//! sent to a routable group — MLDv1 reports — to the host's raw ICMPv6
//! sockets, this one included, whatever its memberships; MLDv2 reports and
//! done messages go to link-local groups (ff02::16, ff02::2) and need a
//! membership of those, like IGMPv3 reports on IPv4. And the kernel writes
//! **upcalls** (`struct mrt6msg`) to this socket when multicast data arrives
//! with no forwarding entry ([`UpcallKind::NoCache`]) or on the wrong MIF.
//!
//! Both come through the same `recv`; [`Mroute6Message::classify`] tells
//! them apart as `<linux/mroute6.h>` says: an upcall starts with a zero
//! byte (`im6_mbz`), where an ICMPv6 message has its type, never 0.
//!
//! The kernel forwards a datagram out of a MIF only when its hop limit is
//! above 1 (and decrements it): hop limit 1 stays on the link.
//!
//! [`MrouteSocket`]: crate::MrouteSocket

use std::net::Ipv6Addr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::sync::Mutex;

use crate::batch::RecvBatch;
use crate::control::ControlFlags;
use crate::control6::RecvMeta6;
use crate::error::{Error, Result};
use crate::mroute::{MrouteFlush, UpcallKind};
use crate::options6::{Datagram6Options, Ipv6Options};
use crate::packet6::{PacketConn6, IPPROTO_ICMPV6};
use crate::sys::os::mroute6 as ffi;

/// Highest MIF number plus one (`MAXMIFS` in `<linux/mroute6.h>`).
pub const MAX_MIFS: u16 = 32;

/// Length of `struct mrt6msg`, the upcall header.
pub const UPCALL6_HEADER_LEN: usize = 40;

/// A kernel upcall (`struct mrt6msg`) read from the IPv6 multicast-routing
/// socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Upcall6<'a> {
    /// Why the kernel wrote it (`im6_msgtype`, the same codes as IPv4's).
    pub kind: UpcallKind,
    /// The MIF the packet arrived on (`im6_mif`).
    pub mif: u16,
    /// Source of the multicast packet (`im6_src`).
    pub src: Ipv6Addr,
    /// Its destination group (`im6_dst`).
    pub dst: Ipv6Addr,
    /// What follows the 40-byte header (the whole packet for
    /// [`UpcallKind::WholePacket`]), else normally empty.
    pub payload: &'a [u8],
}

/// One message received on an IPv6 multicast-routing socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mroute6Message<'a> {
    /// An ICMPv6 message (MLD, for instance), without the IPv6 header.
    Icmpv6(&'a [u8]),
    /// A kernel upcall.
    Upcall(Upcall6<'a>),
    /// Bytes that are neither: empty, or a zero first byte with fewer than
    /// 40 bytes.
    Malformed(&'a [u8]),
}

impl<'a> Mroute6Message<'a> {
    /// Tells an upcall from an ICMPv6 message by the first byte: `im6_mbz`
    /// (0) in an upcall, the ICMPv6 type (never 0) in a message.
    pub fn classify(bytes: &'a [u8]) -> Mroute6Message<'a> {
        match bytes.first() {
            Some(0) if bytes.len() >= UPCALL6_HEADER_LEN => {
                let addr = |at: usize| {
                    let a: [u8; 16] = bytes[at..at + 16].try_into().expect("16 bytes");
                    Ipv6Addr::from(a)
                };
                Mroute6Message::Upcall(Upcall6 {
                    kind: UpcallKind::from(bytes[1]),
                    // `im6_mif` is a native-endian __u16.
                    mif: u16::from_ne_bytes([bytes[2], bytes[3]]),
                    src: addr(8),
                    dst: addr(24),
                    payload: &bytes[UPCALL6_HEADER_LEN..],
                })
            }
            Some(t) if *t != 0 => Mroute6Message::Icmpv6(bytes),
            _ => Mroute6Message::Malformed(bytes),
        }
    }
}

/// The IPv6 multicast-routing socket of the calling thread's network
/// namespace: a raw ICMPv6 socket after `MRT6_INIT`. *Linux.* Needs
/// `CAP_NET_RAW` and `CAP_NET_ADMIN`.
///
/// The same shape as [`MrouteSocket`](crate::MrouteSocket): MIFs by
/// interface index, forwarding entries, flush, upcalls; dropping it deletes
/// its MIFs and gives the role up (`MRT6_DONE`). It is also an ordinary raw
/// ICMPv6 socket ([`conn`](Self::conn)) with the IPv6 option traits.
///
/// ```no_run
/// use ipv4kit_net::{interface_index, Mroute6Message, Mroute6Socket};
/// # fn main() -> Result<(), ipv4kit_net::Error> {
/// let mrt = Mroute6Socket::new()?;
/// mrt.add_mif(0, interface_index("eth0")?)?;
/// let mut buf = [0u8; 2048];
/// loop {
///     let meta = mrt.recv(&mut buf)?;
///     match Mroute6Message::classify(&buf[..meta.len]) {
///         Mroute6Message::Icmpv6(m) => println!("ICMPv6 type {} from {}", m[0], meta.src),
///         Mroute6Message::Upcall(u) => println!("upcall {:?} for {} on mif {}", u.kind, u.dst, u.mif),
///         Mroute6Message::Malformed(b) => eprintln!("{} odd bytes", b.len()),
///     }
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct Mroute6Socket {
    conn: PacketConn6,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    mifs: u32,
    done: bool,
}

impl Mroute6Socket {
    /// Opens a raw ICMPv6 socket and makes it the namespace's IPv6
    /// multicast-routing socket (`MRT6_INIT`). Fails with
    /// [`Error::is_mroute_in_use`] when another socket already is.
    pub fn new() -> Result<Mroute6Socket> {
        Mroute6Socket::open(None)
    }

    /// Like [`new`](Self::new), for multicast routing table `table`
    /// (`MRT6_TABLE` before `MRT6_INIT`).
    pub fn with_table(table: u32) -> Result<Mroute6Socket> {
        Mroute6Socket::open(Some(table))
    }

    fn open(table: Option<u32>) -> Result<Mroute6Socket> {
        let conn = PacketConn6::raw(IPPROTO_ICMPV6)?;
        if let Some(table) = table {
            ffi::set_int(
                conn.as_fd(),
                ffi::MRT6_TABLE,
                table as libc::c_int,
                "setsockopt(MRT6_TABLE)",
            )?;
        }
        ffi::mrt6_init(conn.as_fd())?;
        Ok(Mroute6Socket {
            conn,
            state: Mutex::default(),
        })
    }

    /// The kernel's IPv6 multicast-routing API version (`MRT6_VERSION`):
    /// 0x0305 on Linux.
    pub fn version(&self) -> Result<u32> {
        self.get_int(IntOption6::Version).map(|v| v as u32)
    }

    /// Switches assert reporting on or off (`MRT6_ASSERT`).
    pub fn set_assert(&self, on: bool) -> Result<()> {
        self.set_int(IntOption6::Assert, on)
    }

    /// Whether assert reporting is on (`getsockopt(MRT6_ASSERT)`).
    pub fn assert(&self) -> Result<bool> {
        self.get_int(IntOption6::Assert).map(|v| v != 0)
    }

    /// Switches PIM mode on or off (`MRT6_PIM`); `ENOPROTOOPT` on a kernel
    /// built without `CONFIG_IPV6_PIMSM_V2`.
    pub fn set_pim(&self, on: bool) -> Result<()> {
        self.set_int(IntOption6::Pim, on)
    }

    /// Whether PIM mode is on (`getsockopt(MRT6_PIM)`).
    pub fn pim(&self) -> Result<bool> {
        self.get_int(IntOption6::Pim).map(|v| v != 0)
    }

    fn set_int(&self, option: IntOption6, on: bool) -> Result<()> {
        let op = option.ops().0;
        ffi::set_int(self.conn.as_fd(), option.name(), i32::from(on), op)
    }

    fn get_int(&self, option: IntOption6) -> Result<i32> {
        let op = option.ops().1;
        ffi::get_int(self.conn.as_fd(), option.name(), op)
    }

    /// Adds MIF `mif` (0..[`MAX_MIFS`]) on the interface with index
    /// `ifindex` (`MRT6_ADD_MIF`); turns on multicast forwarding on it.
    /// `EADDRINUSE` if the number is taken.
    pub fn add_mif(&self, mif: u16, ifindex: u32) -> Result<()> {
        const OP: &str = "setsockopt(MRT6_ADD_MIF)";
        if mif >= MAX_MIFS {
            return Err(Error::invalid(OP, "MIF number out of range (0..32)"));
        }
        let pifi = u16::try_from(ifindex).map_err(|_| {
            Error::invalid(OP, "interface index above 65535 (mif6c_pifi is 16 bits)")
        })?;
        ffi::add_mif(self.conn.as_fd(), mif, pifi)?;
        self.state().mifs |= 1 << mif;
        Ok(())
    }

    /// Deletes MIF `mif` (`MRT6_DEL_MIF`). `EADDRNOTAVAIL` if there is none.
    pub fn del_mif(&self, mif: u16) -> Result<()> {
        if mif >= MAX_MIFS {
            return Err(Error::invalid(
                "setsockopt(MRT6_DEL_MIF)",
                "MIF number out of range (0..32)",
            ));
        }
        ffi::del_mif(self.conn.as_fd(), mif)?;
        self.state().mifs &= !(1 << mif);
        Ok(())
    }

    /// Adds (or replaces) the forwarding cache entry for packets from
    /// `origin` to `group` (`MRT6_ADD_MFC`): those arriving on MIF `parent`
    /// with a hop limit above 1 leave on each MIF of `outgoing`.
    pub fn add_mfc(
        &self,
        origin: Ipv6Addr,
        group: Ipv6Addr,
        parent: u16,
        outgoing: &[u16],
    ) -> Result<()> {
        const OP: &str = "setsockopt(MRT6_ADD_MFC)";
        if parent >= MAX_MIFS {
            return Err(Error::invalid(OP, "parent MIF number out of range (0..32)"));
        }
        let mut ifset = [0u32; 8];
        for &mif in outgoing {
            if mif >= MAX_MIFS {
                return Err(Error::invalid(
                    OP,
                    "outgoing MIF number out of range (0..32)",
                ));
            }
            ifset[usize::from(mif / 32)] |= 1 << (mif % 32);
        }
        ffi::add_mfc(self.conn.as_fd(), origin, group, parent, ifset)
    }

    /// Deletes the forwarding cache entry for (`origin`, `group`) arriving
    /// on `parent` (`MRT6_DEL_MFC`); `ENOENT` if there is none.
    pub fn del_mfc(&self, origin: Ipv6Addr, group: Ipv6Addr, parent: u16) -> Result<()> {
        ffi::del_mfc(self.conn.as_fd(), origin, group, parent)
    }

    /// Deletes forwarding entries and MIFs in one call (`MRT6_FLUSH`), as
    /// `what` chooses (its `vifs` fields mean MIFs here).
    pub fn flush(&self, what: MrouteFlush) -> Result<()> {
        const OP: &str = "setsockopt(MRT6_FLUSH)";
        ffi::set_int(self.conn.as_fd(), ffi::MRT6_FLUSH, what.bits(), OP)?;
        if what.vifs {
            self.state().mifs = 0;
        }
        Ok(())
    }

    /// The MIF numbers this socket added and has not deleted, ascending.
    pub fn mifs(&self) -> Vec<u16> {
        let bits = self.state().mifs;
        (0..MAX_MIFS).filter(|v| bits & (1 << v) != 0).collect()
    }

    /// The raw ICMPv6 socket underneath: to send MLD, or to receive with
    /// its own calls.
    pub fn conn(&self) -> &PacketConn6 {
        &self.conn
    }

    /// Switches receive control messages on or off (see
    /// [`PacketConn6::set_control_message`]).
    pub fn set_control_message(&self, flags: ControlFlags, on: bool) -> Result<()> {
        self.conn.set_control_message(flags, on)
    }

    /// Receives one message (ICMPv6 or upcall) into `buf`. Pass
    /// `&buf[..meta.len]` to [`Mroute6Message::classify`].
    pub fn recv(&self, buf: &mut [u8]) -> Result<RecvMeta6> {
        self.conn.recv_from(buf)
    }

    /// Receives up to a batch of messages (`recvmmsg`); read them with
    /// [`RecvBatch::iter6`] and classify each.
    pub fn recv_batch(&self, batch: &mut RecvBatch) -> Result<usize> {
        self.conn.recv_batch(batch)
    }

    /// Deletes the MIFs and gives the role up (`MRT6_DONE`), reporting a
    /// failure (drop does the same silently).
    pub fn done(self) -> Result<()> {
        self.shutdown()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Two plain integers: a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn shutdown(&self) -> Result<()> {
        let mut result = Ok(());
        for mif in self.mifs() {
            if let Err(e) = self.del_mif(mif) {
                result = result.and(Err(e));
            }
        }
        let first = !std::mem::replace(&mut self.state().done, true);
        if first {
            result = result.and(ffi::mrt6_done(self.conn.as_fd()));
        }
        result
    }
}

impl Drop for Mroute6Socket {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

impl AsFd for Mroute6Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.conn.as_fd()
    }
}

impl AsRawFd for Mroute6Socket {
    fn as_raw_fd(&self) -> RawFd {
        self.conn.as_raw_fd()
    }
}

impl Ipv6Options for Mroute6Socket {}
impl Datagram6Options for Mroute6Socket {}

#[derive(Clone, Copy)]
enum IntOption6 {
    Version,
    Assert,
    Pim,
}

impl IntOption6 {
    fn ops(self) -> (&'static str, &'static str) {
        match self {
            IntOption6::Version => ("setsockopt(MRT6_VERSION)", "getsockopt(MRT6_VERSION)"),
            IntOption6::Assert => ("setsockopt(MRT6_ASSERT)", "getsockopt(MRT6_ASSERT)"),
            IntOption6::Pim => ("setsockopt(MRT6_PIM)", "getsockopt(MRT6_PIM)"),
        }
    }

    fn name(self) -> libc::c_int {
        match self {
            IntOption6::Version => ffi::MRT6_VERSION,
            IntOption6::Assert => ffi::MRT6_ASSERT,
            IntOption6::Pim => ffi::MRT6_PIM,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_first_byte_is_an_upcall_and_a_type_is_a_message() {
        let mut b = [0u8; 44];
        b[1] = 1; // MRT6MSG_NOCACHE
        b[2..4].copy_from_slice(&3u16.to_ne_bytes());
        b[8..24].copy_from_slice(&"2001:2::1".parse::<Ipv6Addr>().unwrap().octets());
        b[24..40].copy_from_slice(&"ff15::1".parse::<Ipv6Addr>().unwrap().octets());
        let Mroute6Message::Upcall(u) = Mroute6Message::classify(&b) else {
            panic!()
        };
        assert_eq!(
            (u.kind, u.mif, u.payload.len()),
            (UpcallKind::NoCache, 3, 4)
        );
        assert_eq!(u.src, "2001:2::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(u.dst, "ff15::1".parse::<Ipv6Addr>().unwrap());
        b[0] = 143;
        assert_eq!(Mroute6Message::classify(&b), Mroute6Message::Icmpv6(&b));
    }

    #[test]
    fn short_or_empty_input_is_malformed_not_a_panic() {
        for n in 0..UPCALL6_HEADER_LEN {
            let b = vec![0u8; n];
            assert_eq!(Mroute6Message::classify(&b), Mroute6Message::Malformed(&b));
        }
    }
}
