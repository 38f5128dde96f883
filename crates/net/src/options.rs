//! IP-level socket options, implemented once for every socket type.
//!
//! Two extension traits (the idea of holo's `socket.rs`): [`IpOptions`] for
//! everything (stream sockets included) and [`DatagramOptions`] for datagram
//! and raw sockets. They are implemented for this crate's [`RawConn`],
//! [`PacketConn`], [`MrouteSocket`](crate::MrouteSocket) and (`IpOptions`
//! only) [`Conn`]. Code that owns a `socket2::Socket`, a std socket or any
//! other [`AsFd`] type borrows it as a [`SocketOptions`], which says why the
//! traits are not implemented for those types directly.
//!
//! socket2 sets the options it has; the others go through `setsockopt` in
//! the crate's `sys` module. Options marked *Linux* return an error of kind
//! [`std::io::ErrorKind::Unsupported`] elsewhere.
//!
//! [`RawConn`]: crate::RawConn
//! [`PacketConn`]: crate::PacketConn
//! [`Conn`]: crate::Conn

use std::net::Ipv4Addr;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

use socket2::SockRef;

use crate::error::{Error, Result};
use crate::filter::{BpfInstruction, IcmpFilter};
use crate::sys::{os, IntOption};

fn sock<T: AsFd>(s: &T) -> SockRef<'_> {
    SockRef::from(s)
}

fn to_u8(op: &'static str, v: u32) -> Result<u8> {
    u8::try_from(v).map_err(|_| Error::invalid(op, "kernel returned a value above 255"))
}

/// Options every IPv4 socket has, stream sockets included: unicast TTL and
/// TOS, blocking mode and timeouts.
pub trait IpOptions: AsFd + Sized {
    /// The TTL of outgoing unicast datagrams (`getsockopt(IP_TTL)`).
    fn ttl(&self) -> Result<u8> {
        let v = sock(self)
            .ttl_v4()
            .map_err(|e| Error::new("getsockopt(IP_TTL)", e))?;
        to_u8("getsockopt(IP_TTL)", v)
    }

    /// Sets the TTL of outgoing unicast datagrams (`setsockopt(IP_TTL)`).
    /// Has no effect on datagrams a [`RawConn`](crate::RawConn) sends with
    /// its own header.
    fn set_ttl(&self, ttl: u8) -> Result<()> {
        sock(self)
            .set_ttl_v4(u32::from(ttl))
            .map_err(|e| Error::new("setsockopt(IP_TTL)", e))
    }

    /// The type-of-service byte of outgoing datagrams (`getsockopt(IP_TOS)`).
    fn tos(&self) -> Result<u8> {
        let v = sock(self)
            .tos_v4()
            .map_err(|e| Error::new("getsockopt(IP_TOS)", e))?;
        to_u8("getsockopt(IP_TOS)", v)
    }

    /// Sets the type-of-service byte (DSCP and ECN) of outgoing datagrams
    /// (`setsockopt(IP_TOS)`).
    fn set_tos(&self, tos: u8) -> Result<()> {
        sock(self)
            .set_tos_v4(u32::from(tos))
            .map_err(|e| Error::new("setsockopt(IP_TOS)", e))
    }

    /// The minimum TTL of accepted segments (`getsockopt(IP_MINTTL)`).
    /// *Linux.*
    fn min_ttl(&self) -> Result<u8> {
        let v = os::get_int_option(self.as_fd(), IntOption::MinTtl)?;
        to_u8("getsockopt(IP_MINTTL)", v as u32)
    }

    /// Drops received segments whose TTL is below `ttl`
    /// (`setsockopt(IP_MINTTL)`; the Generalized TTL Security Mechanism,
    /// RFC 5082, uses 255: only on-link peers get through). *Linux.*
    ///
    /// Linux enforces it for TCP only (set it on the listener, BGP-style);
    /// raw and UDP sockets accept the option and ignore it, so datagram
    /// protocols check the received TTL themselves
    /// ([`ControlFlags::TTL`](crate::ControlFlags::TTL)).
    fn set_min_ttl(&self, ttl: u8) -> Result<()> {
        os::set_int_option(self.as_fd(), IntOption::MinTtl, libc::c_int::from(ttl))
    }

    /// Switches non-blocking mode on or off (`fcntl(O_NONBLOCK)`).
    fn set_nonblocking(&self, on: bool) -> Result<()> {
        crate::sockopt::set_nonblocking(self.as_fd(), on)
    }

    /// The receive timeout (`getsockopt(SO_RCVTIMEO)`); `None` blocks forever.
    fn read_timeout(&self) -> Result<Option<Duration>> {
        crate::sockopt::read_timeout(self.as_fd())
    }

    /// Sets the receive timeout (`setsockopt(SO_RCVTIMEO)`); a receive that
    /// times out fails with kind `WouldBlock`.
    fn set_read_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        crate::sockopt::set_read_timeout(self.as_fd(), timeout)
    }

    /// The send timeout (`getsockopt(SO_SNDTIMEO)`).
    fn write_timeout(&self) -> Result<Option<Duration>> {
        sock(self)
            .write_timeout()
            .map_err(|e| Error::new("getsockopt(SO_SNDTIMEO)", e))
    }

    /// Sets the send timeout (`setsockopt(SO_SNDTIMEO)`).
    fn set_write_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        sock(self)
            .set_write_timeout(timeout)
            .map_err(|e| Error::new("setsockopt(SO_SNDTIMEO)", e))
    }
}

/// Options of datagram and raw IPv4 sockets: multicast, source-specific
/// multicast, filters, device binding, router alert, GTSM, buffers.
pub trait DatagramOptions: IpOptions {
    /// The address of the interface for outgoing multicast
    /// (`getsockopt(IP_MULTICAST_IF)`). Linux answers with an address only;
    /// after [`set_multicast_interface_index`](Self::set_multicast_interface_index)
    /// it is `0.0.0.0`.
    fn multicast_interface(&self) -> Result<Ipv4Addr> {
        sock(self)
            .multicast_if_v4()
            .map_err(|e| Error::new("getsockopt(IP_MULTICAST_IF)", e))
    }

    /// Chooses the interface for outgoing multicast by address
    /// (`setsockopt(IP_MULTICAST_IF)` with an `in_addr`).
    fn set_multicast_interface_addr(&self, addr: Ipv4Addr) -> Result<()> {
        sock(self)
            .set_multicast_if_v4(&addr)
            .map_err(|e| Error::new("setsockopt(IP_MULTICAST_IF)", e))
    }

    /// Chooses the interface for outgoing multicast by index
    /// (`setsockopt(IP_MULTICAST_IF)` with an `ip_mreqn`; 0 = routing
    /// decides). *Linux.*
    fn set_multicast_interface_index(&self, ifindex: u32) -> Result<()> {
        os::set_multicast_interface_index(self.as_fd(), ifindex)
    }

    /// The TTL of outgoing multicast (`getsockopt(IP_MULTICAST_TTL)`).
    fn multicast_ttl(&self) -> Result<u8> {
        let v = sock(self)
            .multicast_ttl_v4()
            .map_err(|e| Error::new("getsockopt(IP_MULTICAST_TTL)", e))?;
        to_u8("getsockopt(IP_MULTICAST_TTL)", v)
    }

    /// Sets the TTL of outgoing multicast (`setsockopt(IP_MULTICAST_TTL)`;
    /// default 1; 0 keeps datagrams on this host).
    fn set_multicast_ttl(&self, ttl: u8) -> Result<()> {
        sock(self)
            .set_multicast_ttl_v4(u32::from(ttl))
            .map_err(|e| Error::new("setsockopt(IP_MULTICAST_TTL)", e))
    }

    /// Whether this host's own sockets receive the multicast it sends
    /// (`getsockopt(IP_MULTICAST_LOOP)`).
    fn multicast_loop(&self) -> Result<bool> {
        sock(self)
            .multicast_loop_v4()
            .map_err(|e| Error::new("getsockopt(IP_MULTICAST_LOOP)", e))
    }

    /// Sets multicast loopback (`setsockopt(IP_MULTICAST_LOOP)`; default on).
    fn set_multicast_loop(&self, on: bool) -> Result<()> {
        sock(self)
            .set_multicast_loop_v4(on)
            .map_err(|e| Error::new("setsockopt(IP_MULTICAST_LOOP)", e))
    }

    /// Whether the socket receives multicast for groups any socket joined
    /// (`getsockopt(IP_MULTICAST_ALL)`). *Linux.*
    fn multicast_all(&self) -> Result<bool> {
        Ok(os::get_int_option(self.as_fd(), IntOption::MulticastAll)? != 0)
    }

    /// Sets `IP_MULTICAST_ALL` (default on in Linux): off means the socket
    /// receives only the groups it joined itself. *Linux.*
    fn set_multicast_all(&self, on: bool) -> Result<()> {
        os::set_int_option(self.as_fd(), IntOption::MulticastAll, libc::c_int::from(on))
    }

    /// Joins `group` (any source) on interface `ifindex`
    /// (`setsockopt(MCAST_JOIN_GROUP)`, RFC 3678). *Linux.*
    fn join_group(&self, ifindex: u32, group: Ipv4Addr) -> Result<()> {
        group_req(
            self,
            libc::MCAST_JOIN_GROUP,
            "setsockopt(MCAST_JOIN_GROUP)",
            ifindex,
            group,
        )
    }

    /// Leaves `group` on interface `ifindex` (`setsockopt(MCAST_LEAVE_GROUP)`).
    /// *Linux.*
    fn leave_group(&self, ifindex: u32, group: Ipv4Addr) -> Result<()> {
        group_req(
            self,
            libc::MCAST_LEAVE_GROUP,
            "setsockopt(MCAST_LEAVE_GROUP)",
            ifindex,
            group,
        )
    }

    /// Joins `group` in include mode for `source` on interface `ifindex`
    /// (`setsockopt(MCAST_JOIN_SOURCE_GROUP)`, source-specific multicast).
    /// *Linux.*
    fn join_source_group(&self, ifindex: u32, group: Ipv4Addr, source: Ipv4Addr) -> Result<()> {
        group_source_req(
            self,
            libc::MCAST_JOIN_SOURCE_GROUP,
            "setsockopt(MCAST_JOIN_SOURCE_GROUP)",
            ifindex,
            group,
            source,
        )
    }

    /// Removes `source` from an include-mode membership of `group`
    /// (`setsockopt(MCAST_LEAVE_SOURCE_GROUP)`). *Linux.*
    fn leave_source_group(&self, ifindex: u32, group: Ipv4Addr, source: Ipv4Addr) -> Result<()> {
        group_source_req(
            self,
            libc::MCAST_LEAVE_SOURCE_GROUP,
            "setsockopt(MCAST_LEAVE_SOURCE_GROUP)",
            ifindex,
            group,
            source,
        )
    }

    /// Stops receiving from `source` in an any-source (exclude-mode)
    /// membership of `group` (`setsockopt(MCAST_BLOCK_SOURCE)`). *Linux.*
    fn block_source(&self, ifindex: u32, group: Ipv4Addr, source: Ipv4Addr) -> Result<()> {
        group_source_req(
            self,
            libc::MCAST_BLOCK_SOURCE,
            "setsockopt(MCAST_BLOCK_SOURCE)",
            ifindex,
            group,
            source,
        )
    }

    /// Receives from `source` again after [`block_source`](Self::block_source)
    /// (`setsockopt(MCAST_UNBLOCK_SOURCE)`). *Linux.*
    fn unblock_source(&self, ifindex: u32, group: Ipv4Addr, source: Ipv4Addr) -> Result<()> {
        group_source_req(
            self,
            libc::MCAST_UNBLOCK_SOURCE,
            "setsockopt(MCAST_UNBLOCK_SOURCE)",
            ifindex,
            group,
            source,
        )
    }

    /// Whether `SO_REUSEADDR` is set (`getsockopt(SO_REUSEADDR)`).
    fn reuse_address(&self) -> Result<bool> {
        crate::sockopt::reuse_address(self.as_fd())
    }

    /// Sets `SO_REUSEADDR`: several sockets may bind the same address and
    /// port (for multicast receivers).
    fn set_reuse_address(&self, on: bool) -> Result<()> {
        crate::sockopt::set_reuse_address(self.as_fd(), on)
    }

    /// Whether `SO_REUSEPORT` is set. *Linux.*
    fn reuse_port(&self) -> Result<bool> {
        Ok(os::get_int_option(self.as_fd(), IntOption::ReusePort)? != 0)
    }

    /// Sets `SO_REUSEPORT`. *Linux.*
    fn set_reuse_port(&self, on: bool) -> Result<()> {
        os::set_int_option(self.as_fd(), IntOption::ReusePort, libc::c_int::from(on))
    }

    /// The ICMP types this raw ICMP socket drops
    /// (`getsockopt(SOL_RAW, ICMP_FILTER)`). *Linux.*
    fn icmp_filter(&self) -> Result<IcmpFilter> {
        Ok(IcmpFilter::from_kernel_mask(os::icmp_filter(self.as_fd())?))
    }

    /// Sets which ICMP types this raw ICMP socket drops
    /// (`setsockopt(SOL_RAW, ICMP_FILTER)`). *Linux.*
    ///
    /// The kernel's filter is a 32-bit mask: it can drop types 0–31 only and
    /// always delivers types 32–255. A filter that blocks any type ≥ 32 is
    /// refused with an `InvalidInput` error rather than silently not applied.
    fn set_icmp_filter(&self, filter: &IcmpFilter) -> Result<()> {
        let mask = filter.kernel_mask().ok_or_else(|| {
            Error::invalid(
                "setsockopt(ICMP_FILTER)",
                "the kernel's ICMP filter covers types 0-31 only; a type >= 32 cannot be blocked",
            )
        })?;
        os::set_icmp_filter(self.as_fd(), mask)
    }

    /// Attaches a classic BPF program (`setsockopt(SO_ATTACH_FILTER)`); it
    /// replaces any program attached before. *Linux.*
    fn attach_filter(&self, program: &[BpfInstruction]) -> Result<()> {
        crate::sockopt::attach_filter(self.as_fd(), program)
    }

    /// Removes the BPF program (`setsockopt(SO_DETACH_FILTER)`). *Linux.*
    fn detach_filter(&self) -> Result<()> {
        crate::sockopt::detach_filter(self.as_fd())
    }

    /// The device the socket is bound to (`getsockopt(SO_BINDTODEVICE)`).
    /// *Linux.*
    fn device(&self) -> Result<Option<String>> {
        os::device(self.as_fd())
    }

    /// Binds the socket to a device by name, or unbinds it with `None`
    /// (`setsockopt(SO_BINDTODEVICE)`). *Linux.*
    fn bind_to_device(&self, name: Option<&str>) -> Result<()> {
        crate::sockopt::bind_to_device(self.as_fd(), name)
    }

    /// Whether the socket receives all datagrams with the Router Alert
    /// option (`getsockopt(IP_ROUTER_ALERT)`). *Linux.*
    fn router_alert(&self) -> Result<bool> {
        Ok(os::get_int_option(self.as_fd(), IntOption::RouterAlert)? != 0)
    }

    /// Asks for every datagram carrying the Router Alert option (RFC 2113)
    /// that this host forwards (`setsockopt(IP_ROUTER_ALERT)`; raw sockets
    /// only). *Linux.*
    fn set_router_alert(&self, on: bool) -> Result<()> {
        os::set_int_option(self.as_fd(), IntOption::RouterAlert, libc::c_int::from(on))
    }

    /// The receive buffer size the kernel uses (`getsockopt(SO_RCVBUF)`; on
    /// Linux twice what was asked, for bookkeeping overhead).
    fn recv_buffer_size(&self) -> Result<usize> {
        crate::sockopt::recv_buffer_size(self.as_fd())
    }

    /// Sets the receive buffer size (`setsockopt(SO_RCVBUF)`). When the
    /// kernel caps it below `size` (at `net.core.rmem_max`), tries
    /// `SO_RCVBUFFORCE`, which needs `CAP_NET_ADMIN`; if that is refused the
    /// capped size stays and the call still succeeds. Check
    /// [`recv_buffer_size`](Self::recv_buffer_size) for what was granted.
    fn set_recv_buffer_size(&self, size: usize) -> Result<()> {
        crate::sockopt::set_recv_buffer_size(self.as_fd(), size)
    }

    /// Sets the send buffer size (`setsockopt(SO_SNDBUF)`).
    fn set_send_buffer_size(&self, size: usize) -> Result<()> {
        sock(self)
            .set_send_buffer_size(size)
            .map_err(|e| Error::new("setsockopt(SO_SNDBUF)", e))
    }
}

fn group_req<T: AsFd + ?Sized>(
    s: &T,
    name: libc::c_int,
    op: &'static str,
    ifindex: u32,
    group: Ipv4Addr,
) -> Result<()> {
    crate::sockopt::group_req(s.as_fd(), name, op, ifindex, group.into())
}

fn group_source_req<T: AsFd + ?Sized>(
    s: &T,
    name: libc::c_int,
    op: &'static str,
    ifindex: u32,
    group: Ipv4Addr,
    source: Ipv4Addr,
) -> Result<()> {
    crate::sockopt::group_source_req(s.as_fd(), name, op, ifindex, group.into(), source.into())
}

/// Any IPv4 socket, borrowed, seen through [`IpOptions`] and
/// [`DatagramOptions`]: the way to set ipv4kit's options on a
/// `socket2::Socket`, a `std::net::UdpSocket` or any other [`AsFd`] type.
///
/// The option traits are deliberately **not** implemented for those foreign
/// types. Their own (inherent) methods share names with the traits'
/// (`set_recv_buffer_size`, `set_read_timeout`, `set_ttl`,
/// `set_nonblocking`, `attach_filter`, `device`, `set_reuse_port`...), and
/// Rust resolves `socket.set_recv_buffer_size(n)` to the inherent method
/// even with the trait imported: the call compiles and silently does
/// something else (there, no `SO_RCVBUFFORCE` fallback, and an `io::Error`
/// that names no option). Renaming the trait methods would only move the
/// problem (socket2 and std add methods in minor releases, and the natural
/// names are the ones they use); a wrapper that has no methods of its own
/// and no `Deref` leaves the traits as the only candidates, now and after
/// any upgrade.
///
/// It borrows the socket (no ownership, no `dup`), so it costs nothing to
/// make one per call. The IPv6 traits are not implemented: a type with both
/// families' traits would need qualified calls for every shared name; wrap an
/// IPv6 socket with [`PacketConn6::from_socket`](crate::PacketConn6::from_socket).
///
/// ```
/// use std::net::UdpSocket;
/// use ipv4kit_net::{DatagramOptions, SocketOptions};
///
/// let udp = UdpSocket::bind("127.0.0.1:0")?;
/// let opts = SocketOptions::of(&udp);
/// opts.set_recv_buffer_size(1 << 20)?; // ipv4kit's, with the SO_RCVBUFFORCE fallback
/// opts.set_multicast_loop(false)?;
/// assert!(!opts.multicast_loop()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// The traits are not implemented for the foreign types themselves:
///
/// ```compile_fail
/// fn takes<T: ipv4kit_net::DatagramOptions>(_: &T) {}
/// let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// takes(&udp);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SocketOptions<'a> {
    fd: BorrowedFd<'a>,
}

impl<'a> SocketOptions<'a> {
    /// Borrows `socket` for the option traits.
    #[inline]
    pub fn of<S: AsFd + ?Sized>(socket: &'a S) -> SocketOptions<'a> {
        SocketOptions { fd: socket.as_fd() }
    }
}

impl AsFd for SocketOptions<'_> {
    #[inline]
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd
    }
}

impl IpOptions for SocketOptions<'_> {}
impl DatagramOptions for SocketOptions<'_> {}
